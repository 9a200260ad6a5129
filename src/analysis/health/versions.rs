//! Model versions: which version served when, and how each did. With a version per row (the
//! `model_version` role), every version gets its first and last serving time, rows, labelled
//! rows, every metric of the task over its labelled rows with the same 95 % bootstrap
//! percentile intervals the windows get ([`bootstrap_intervals`], same resamples and seed
//! rule), and its metrics per window (so a timeline splits into one line per version); each
//! version's first serving after the first version's is a switch-over.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{
    HealthInput, HealthPlan, Metric, MetricValues, labelled_pairs, metrics_of,
    metrics_with_intervals,
};

/// Each row's version as a code into `labels` (`None` = no version).
#[derive(Debug, Clone, Copy)]
pub struct VersionColumn<'a> {
    pub column: &'a str,
    pub codes: &'a [Option<u32>],
    pub labels: &'a [String],
}

/// A version's metrics in one window it served in.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VersionWindow {
    pub window: usize,
    pub rows: usize,
    pub labelled: usize,
    pub metrics: MetricValues,
}

/// One version over the whole current data.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VersionHealth {
    pub version: String,
    /// First and last serving time (µs since the epoch; `None` without timestamps).
    pub first: Option<i64>,
    pub last: Option<i64>,
    pub rows: usize,
    pub labelled: usize,
    pub metrics: MetricValues,
    /// Bootstrap 95 % percentile intervals over the version's labelled rows.
    pub intervals: BTreeMap<Metric, [f64; 2]>,
    pub windows: Vec<VersionWindow>,
}

/// Where a version took over.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SwitchOver {
    /// The new version's first serving time.
    pub at: Option<i64>,
    /// The window that holds it.
    pub window: Option<usize>,
    pub from: String,
    pub to: String,
}

/// Every version, in order of first serving, and the switch-overs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VersionsReport {
    pub column: String,
    pub versions: Vec<VersionHealth>,
    pub switchovers: Vec<SwitchOver>,
    /// Rows without a version (in no version).
    pub rows_without_version: usize,
}

impl HealthPlan {
    /// Everything about version `code`: serving span, rows, metrics with intervals, and its
    /// metrics per window. A separate seed per version keeps the result independent of the
    /// order versions are computed in.
    pub fn evaluate_version(
        &self,
        input: &HealthInput,
        versions: &VersionColumn,
        code: u32,
    ) -> VersionHealth {
        let cur = &input.current;
        let rows: Vec<u32> = (0..cur.prediction.len() as u32)
            .filter(|&r| versions.codes.get(r as usize).copied().flatten() == Some(code))
            .collect();
        let (first, last) = match cur.times {
            Some(t) => {
                let ts = rows
                    .iter()
                    .filter_map(|&r| t.get(r as usize).copied().flatten());
                (ts.clone().min(), ts.max())
            }
            None => (None, None),
        };
        let pairs = labelled_pairs(cur, Some(&rows));
        let p = &self.params;
        let seed = p.seed ^ (u64::from(code) + 1).wrapping_mul(0xD1B5_4A32_D192_ED03);
        let (metrics, intervals) = metrics_with_intervals(self.task, &pairs, p, seed);
        let windows = self
            .rows
            .iter()
            .enumerate()
            .filter_map(|(w, wr)| {
                let mine: Vec<u32> = wr
                    .all
                    .iter()
                    .copied()
                    .filter(|&r| versions.codes.get(r as usize).copied().flatten() == Some(code))
                    .collect();
                if mine.is_empty() {
                    return None;
                }
                let pairs = labelled_pairs(cur, Some(&mine));
                Some(VersionWindow {
                    window: w,
                    rows: mine.len(),
                    labelled: pairs.len(),
                    metrics: metrics_of(self.task, &pairs, p.threshold),
                })
            })
            .collect();
        VersionHealth {
            version: versions
                .labels
                .get(code as usize)
                .cloned()
                .unwrap_or_default(),
            first,
            last,
            rows: rows.len(),
            labelled: pairs.len(),
            metrics,
            intervals,
            windows,
        }
    }

    /// Put the versions in order of first serving (then by name) and find the switch-overs.
    pub fn finish_versions(
        &self,
        versions: &VersionColumn,
        mut done: Vec<VersionHealth>,
    ) -> VersionsReport {
        done.retain(|v| v.rows > 0);
        done.sort_by(|a, b| {
            (a.first.is_none(), a.first, &a.version).cmp(&(b.first.is_none(), b.first, &b.version))
        });
        let window_of = |t: i64| {
            self.windows
                .iter()
                .position(|w| w.start.is_some_and(|s| s <= t) && w.end.is_some_and(|e| t < e))
        };
        let switchovers = done
            .windows(2)
            .filter(|pair| pair[1].first.is_some())
            .map(|pair| SwitchOver {
                at: pair[1].first,
                window: pair[1].first.and_then(window_of),
                from: pair[0].version.clone(),
                to: pair[1].version.clone(),
            })
            .collect();
        VersionsReport {
            column: versions.column.to_string(),
            versions: done,
            switchovers,
            rows_without_version: versions.codes.iter().filter(|c| c.is_none()).count(),
        }
    }
}

//! The drift outcome for pipelines and terminals: the JSON document of `sextant drift` (also
//! the `drift` part of a report's JSON snapshot) and its text table.
//!
//! JSON contract: `{"reference": {"path", "rows"}, "current": {"path", "rows"}, "columns":
//! [{"column", "kind", "method", "score", "p_value", "threshold", "drifted",
//! "reference_missing", "current_missing", "metrics": {…}}], "skipped": [{"column",
//! "reason"}], "drifted_columns", "drift_share", "dataset_drift", "windows": […]}`. Keys may be
//! added, never removed; they appear in the order of the structs' fields. Non-finite numbers are
//! the strings "Infinity", "-Infinity", "NaN".

use serde::Serialize;
use serde::ser::Serializer;

use super::json::{number, opt_number, ser_number, ser_opt_number};
use super::table::TextTable;
use crate::analysis::drift::{AllMetricsReport, DriftMethod, ExcludedCounts};
use crate::data::Dataset;
use crate::engine::drift::{ColumnDrift, DriftOutcome, Skipped, WindowedDrift};
use crate::format::fmt_num;
use crate::vocab::time::format_iso;

/// The JSON document of a drift outcome.
#[derive(Debug, Serialize)]
pub struct DriftJson<'a> {
    reference: FileJson,
    current: FileJson,
    columns: Vec<ColumnJson<'a>>,
    skipped: Vec<Skipped>,
    drifted_columns: usize,
    tested_columns: usize,
    #[serde(serialize_with = "ser_number")]
    drift_share: f64,
    dataset_drift: bool,
    #[serde(flatten)]
    windows: Option<WindowsJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    windows_error: Option<&'a str>,
}

#[derive(Debug, Serialize)]
struct FileJson {
    path: String,
    rows: usize,
}

impl FileJson {
    fn of(ds: &Dataset) -> Self {
        Self {
            path: ds.path.display().to_string(),
            rows: ds.rows(),
        }
    }
}

/// One tested column.
#[derive(Debug, Serialize)]
struct ColumnJson<'a> {
    column: &'a str,
    kind: &'static str,
    method: Option<&'static str>,
    #[serde(serialize_with = "ser_opt_number")]
    score: Option<f64>,
    #[serde(serialize_with = "ser_opt_number")]
    p_value: Option<f64>,
    #[serde(serialize_with = "ser_opt_number")]
    threshold: Option<f64>,
    drifted: bool,
    reference_missing: usize,
    current_missing: usize,
    reference_excluded: ExcludedCounts,
    current_excluded: ExcludedCounts,
    /// Every statistic computed (empty without `all_metrics`).
    #[serde(serialize_with = "ser_metrics")]
    metrics: Option<&'a AllMetricsReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    current_column: Option<&'a str>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "ser_raw_p_value"
    )]
    raw_p_value: Option<Option<f64>>,
}

/// The per-window part, present when windows were scored.
#[derive(Debug, Serialize)]
struct WindowsJson<'a> {
    windows: Vec<WindowJson<'a>>,
    window_spec: String,
    #[serde(serialize_with = "ser_thresholds")]
    reference_window_thresholds: &'a WindowedDrift,
    rows_without_timestamp: usize,
}

#[derive(Debug, Serialize)]
struct WindowJson<'a> {
    label: &'a str,
    start: Option<String>,
    end: Option<String>,
    rows: usize,
    #[serde(serialize_with = "ser_number")]
    drift_share: f64,
    dataset_drift: bool,
    /// Column name → its score and verdict in this window (`(windowed, window index)`).
    #[serde(serialize_with = "ser_window_columns")]
    columns: (&'a WindowedDrift, usize),
}

#[derive(Serialize)]
struct WindowScore {
    #[serde(serialize_with = "ser_opt_number")]
    score: Option<f64>,
    drifted: bool,
}

fn ser_metrics<S: Serializer>(m: &Option<&AllMetricsReport>, s: S) -> Result<S::Ok, S::Error> {
    // Ordered by metric name, as the metric map iterates.
    let values = m.iter().flat_map(|m| m.values.iter());
    s.collect_map(values.map(|(metric, x)| (metric.name(), number(*x))))
}

fn ser_raw_p_value<S: Serializer>(v: &Option<Option<f64>>, s: S) -> Result<S::Ok, S::Error> {
    opt_number(v.flatten()).serialize(s)
}

fn ser_thresholds<S: Serializer>(w: &&WindowedDrift, s: S) -> Result<S::Ok, S::Error> {
    s.collect_map(
        w.columns
            .iter()
            .map(|c| (c.column.as_str(), opt_number(c.reference_threshold))),
    )
}

fn ser_window_columns<S: Serializer>(
    (w, i): &(&WindowedDrift, usize),
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_map(w.columns.iter().map(|c| {
        (
            c.column.as_str(),
            WindowScore {
                score: c.scores[*i],
                drifted: c.drifted[*i],
            },
        )
    }))
}

/// What the outputs call a column's kind: how it was tested ("numeric" or "categorical"; an
/// integer column with few values is tested as categories).
fn kind_name(c: &ColumnDrift) -> &'static str {
    c.tested_as().name()
}

/// The score a table shows: the p-value after correction for p-value tests, the raw score
/// for distances.
fn shown_score(c: &ColumnDrift) -> Option<f64> {
    let v = &c.verdict;
    if v.method.is_some_and(|m| m.yields_p_value()) {
        v.adjusted_score.or(v.score)
    } else {
        v.score
    }
}

fn column_json(c: &ColumnDrift) -> ColumnJson<'_> {
    let v = &c.verdict;
    let p_value = v
        .method
        .filter(|m| m.yields_p_value())
        .and(v.adjusted_score.or(v.score));
    ColumnJson {
        column: &c.reference_name,
        kind: kind_name(c),
        method: v.method.map(DriftMethod::name),
        score: shown_score(c),
        p_value,
        threshold: v.threshold,
        drifted: v.drifted,
        reference_missing: c.reference_missing.total(),
        current_missing: c.current_missing.total(),
        reference_excluded: c.reference_missing,
        current_excluded: c.current_missing,
        metrics: c.metrics.as_ref(),
        current_column: (c.current_name != c.reference_name).then_some(c.current_name.as_str()),
        raw_p_value: (v.adjusted_score.is_some() && v.adjusted_score != v.score).then_some(v.score),
    }
}

/// The JSON document of `drift` (also the `drift` part of a report's snapshot).
pub fn to_json<'a>(
    reference: &Dataset,
    current: &Dataset,
    outcome: &'a DriftOutcome,
) -> DriftJson<'a> {
    let r = &outcome.report;
    let windows = outcome.windows.as_ref().map(|w| WindowsJson {
        windows: w
            .windows
            .iter()
            .enumerate()
            .map(|(i, win)| WindowJson {
                label: &win.label,
                start: win.start.map(format_iso),
                end: win.end.map(format_iso),
                rows: win.rows,
                drift_share: w.drift_share[i],
                dataset_drift: w.dataset_drift[i],
                columns: (w, i),
            })
            .collect(),
        window_spec: w.spec.to_string(),
        reference_window_thresholds: w,
        rows_without_timestamp: w.unassigned_rows,
    });
    DriftJson {
        reference: FileJson::of(reference),
        current: FileJson::of(current),
        columns: outcome
            .columns
            .iter()
            .filter(|c| c.is_tested())
            .map(column_json)
            .collect(),
        skipped: outcome.not_tested(),
        drifted_columns: r.number_of_drifted_columns,
        tested_columns: r.number_of_columns,
        drift_share: r.share_of_drifted_columns,
        dataset_drift: r.dataset_drift,
        windows,
        windows_error: outcome.windows_error.as_deref(),
    }
}

/// The text table of `drift`: the verdict, the tested columns (drifted first, then the rest,
/// each in column order), the columns not tested and the drift share per window.
pub fn to_table(outcome: &DriftOutcome) -> String {
    let mut tested: Vec<&ColumnDrift> = outcome.columns.iter().filter(|c| c.is_tested()).collect();
    tested.sort_by_key(|c| !c.verdict.drifted);
    let skipped = outcome.not_tested();
    let r = &outcome.report;
    let mut out = format!(
        "Dataset drift: {} — {} of {} tested columns drifted ({:.1} %; the dataset drifts at {:.0} %)\n\n",
        if r.dataset_drift { "YES" } else { "no" },
        r.number_of_drifted_columns,
        r.number_of_columns,
        r.share_of_drifted_columns * 100.0,
        outcome.drift_share_threshold * 100.0,
    );
    let mut t = TextTable::new(
        &[
            "column",
            "kind",
            "method",
            "score",
            "threshold",
            "drifted",
            "missing ref",
            "missing cur",
        ],
        &[false, false, false, true, true, false, true, true],
    );
    for c in tested {
        let v = &c.verdict;
        let name = if c.current_name != c.reference_name {
            format!("{} (now {})", c.reference_name, c.current_name)
        } else {
            c.reference_name.clone()
        };
        t.row(vec![
            name,
            kind_name(c).into(),
            v.method.map_or("", DriftMethod::name).into(),
            shown_score(c).map(fmt_num).unwrap_or_default(),
            v.threshold.map(fmt_num).unwrap_or_default(),
            if v.drifted { "DRIFT".into() } else { "".into() },
            c.reference_missing.total().to_string(),
            c.current_missing.total().to_string(),
        ]);
    }
    out.push_str(&t.render());
    if !skipped.is_empty() {
        out.push_str("\nNot tested:\n");
        for s in &skipped {
            out.push_str(&format!("  {}: {}\n", s.column, s.reason));
        }
    }
    if let Some(w) = &outcome.windows {
        out.push_str(&format!("\nDrift share by {} window:\n", w.spec));
        for (i, win) in w.windows.iter().enumerate() {
            out.push_str(&format!(
                "  {:<12} {:>7} rows  {:>5.1} %{}\n",
                win.label,
                win.rows,
                w.drift_share[i] * 100.0,
                if w.dataset_drift[i] { "  DRIFT" } else { "" }
            ));
        }
    }
    out
}

//! Per-column summaries computed once when a file is loaded: kind, nulls, distinct values,
//! range and mean, top categories and a small histogram for the sparkline.

use polars::prelude::*;
use serde::Serialize;

use crate::vocab::Role;
use crate::vocab::kind::{ColumnKind, string_kind};
use crate::vocab::{Cancelled, Progress};

/// Bins of the sparkline histogram.
pub const SPARK_BINS: usize = 24;
/// Categories kept in `top`.
pub const TOP_CATEGORIES: usize = 5;

/// What the overview shows about one column.
#[derive(Debug, Clone, Serialize)]
pub struct ColumnSummary {
    pub name: String,
    /// The storage type as polars names it ("i64", "f64", "str", "datetime[μs]"…).
    pub dtype: String,
    pub kind: ColumnKind,
    /// The role inferred for this dataset alone (the app's `RoleMap` may override it).
    pub role: Role,
    pub rows: usize,
    /// Missing values (null).
    pub nulls: usize,
    /// NaN values in float columns (not counted in `nulls`).
    pub nan: usize,
    /// ±infinity in float columns.
    pub infinite: usize,
    /// Distinct non-null values.
    pub unique: usize,
    /// Smallest finite value; for datetimes, microseconds since the epoch (UTC).
    pub min: Option<f64>,
    /// Largest finite value; for datetimes, microseconds since the epoch (UTC).
    pub max: Option<f64>,
    /// Mean of the finite values (numeric and boolean columns; booleans count true as 1).
    pub mean: Option<f64>,
    /// Most frequent values with their counts (categorical, boolean and text columns).
    pub top: Vec<(String, usize)>,
    /// Equal-width histogram (numeric, datetime) or the `top` counts (categories).
    pub histogram: Vec<u32>,
    /// Left edge of the first bin and the bin width of `histogram` (numeric, datetime).
    pub histogram_bins: Option<(f64, f64)>,
    /// A string column whose values are mostly numbers: how many are not, and one example.
    pub mixed: Option<MixedTypes>,
}

/// Evidence that a text column mixes numbers and words.
#[derive(Debug, Clone, Serialize)]
pub struct MixedTypes {
    pub numeric: usize,
    pub non_numeric: usize,
    pub example: String,
}

impl ColumnSummary {
    /// Share of missing values in [0, 1].
    pub fn null_share(&self) -> f64 {
        if self.rows == 0 {
            0.0
        } else {
            self.nulls as f64 / self.rows as f64
        }
    }

    /// Non-null values.
    pub fn non_null(&self) -> usize {
        self.rows - self.nulls
    }
}

/// Summarise every column of a frame, on all cores, reporting progress per column.
pub fn summarize_frame(
    frame: &DataFrame,
    progress: &Progress,
) -> Result<Vec<ColumnSummary>, Cancelled> {
    let columns = frame.columns();
    let n = columns.len();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let done = std::sync::atomic::AtomicUsize::new(0);
    let workers = std::thread::available_parallelism()
        .map_or(2, |p| p.get())
        .min(n.max(1));
    let mut out: Vec<Option<ColumnSummary>> = vec![None; n];
    let slots: Vec<std::sync::Mutex<&mut Option<ColumnSummary>>> =
        out.iter_mut().map(std::sync::Mutex::new).collect();
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                loop {
                    if progress.is_cancelled() {
                        return;
                    }
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if i >= n {
                        return;
                    }
                    let summary = summarize(columns[i].as_materialized_series());
                    if let Ok(mut slot) = slots[i].lock() {
                        **slot = Some(summary);
                    }
                    let d = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                    progress.set_fraction(d as f32 / n as f32);
                }
            });
        }
    });
    drop(slots);
    progress.check()?;
    Ok(out.into_iter().flatten().collect())
}

/// What can be said of a column without reading its values: type, kind, null count. Headless
/// commands that only need kinds and roles load with this (see `LoadOptions::summarize`).
pub fn summarize_light(series: &Series) -> ColumnSummary {
    let dtype = series.dtype();
    let kind = if dtype.is_primitive_numeric() {
        ColumnKind::Numeric
    } else if dtype.is_bool() {
        ColumnKind::Boolean
    } else if matches!(dtype, DataType::Datetime(..) | DataType::Date) {
        ColumnKind::Datetime
    } else {
        ColumnKind::Categorical
    };
    ColumnSummary {
        name: series.name().to_string(),
        dtype: dtype.to_string(),
        kind,
        role: Role::Feature,
        rows: series.len(),
        nulls: series.null_count(),
        nan: 0,
        infinite: 0,
        unique: 0,
        min: None,
        max: None,
        mean: None,
        top: Vec::new(),
        histogram: Vec::new(),
        histogram_bins: None,
        mixed: None,
    }
}

/// Summarise one column.
pub fn summarize(series: &Series) -> ColumnSummary {
    // Start from what the type says; each kind then reads its values.
    let mut s = summarize_light(series);
    match s.kind {
        ColumnKind::Numeric => summarize_numeric(series, &mut s),
        ColumnKind::Boolean => summarize_bool(series, &mut s),
        ColumnKind::Datetime => summarize_datetime(series, &mut s),
        // An all-null column (e.g. an NDJSON field that is always null): nothing to count.
        _ if series.dtype().is_null() => {}
        _ => summarize_strings(series, &mut s),
    }
    s
}

fn summarize_numeric(series: &Series, s: &mut ColumnSummary) {
    s.unique = series
        .n_unique()
        .unwrap_or(0)
        .saturating_sub(usize::from(s.nulls > 0));
    let Ok(cast) = series.cast(&DataType::Float64) else {
        return;
    };
    let Ok(values) = cast.f64() else {
        return;
    };
    let (mut min, mut max, mut sum, mut finite) = (f64::INFINITY, f64::NEG_INFINITY, 0.0, 0usize);
    for v in values.iter().flatten() {
        if v.is_nan() {
            s.nan += 1;
        } else if v.is_infinite() {
            s.infinite += 1;
        } else {
            min = min.min(v);
            max = max.max(v);
            sum += v;
            finite += 1;
        }
    }
    if finite > 0 {
        s.min = Some(min);
        s.max = Some(max);
        s.mean = Some(sum / finite as f64);
        let integer = series.dtype().is_integer();
        (s.histogram, s.histogram_bins) = histogram(values.iter().flatten(), min, max, integer);
    }
    // NaN is stored as a value; polars counts it as one distinct value.
    if s.nan > 0 {
        s.unique = s.unique.saturating_sub(1);
    }
}

fn summarize_bool(series: &Series, s: &mut ColumnSummary) {
    let Ok(values) = series.bool() else {
        return;
    };
    let trues = values.sum().unwrap_or(0) as usize;
    let non_null = s.rows - s.nulls;
    let falses = non_null - trues;
    s.unique = usize::from(trues > 0) + usize::from(falses > 0);
    if non_null > 0 {
        s.mean = Some(trues as f64 / non_null as f64);
        s.min = Some(if falses > 0 { 0.0 } else { 1.0 });
        s.max = Some(if trues > 0 { 1.0 } else { 0.0 });
    }
    let mut top = vec![("true".to_string(), trues), ("false".to_string(), falses)];
    top.retain(|(_, c)| *c > 0);
    top.sort_by_key(|t| std::cmp::Reverse(t.1));
    s.histogram = top.iter().map(|(_, c)| *c as u32).collect();
    s.top = top;
}

fn summarize_datetime(series: &Series, s: &mut ColumnSummary) {
    s.unique = series
        .n_unique()
        .unwrap_or(0)
        .saturating_sub(usize::from(s.nulls > 0));
    let Some(micros) = micros_of(series) else {
        return;
    };
    let (min, max) = micros
        .iter()
        .flatten()
        .fold((i64::MAX, i64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if min <= max {
        s.min = Some(min as f64);
        s.max = Some(max as f64);
        (s.histogram, s.histogram_bins) = histogram(
            micros.iter().flatten().map(|v| v as f64),
            min as f64,
            max as f64,
            false,
        );
    }
}

/// A datetime or date column as microseconds since the epoch.
pub fn micros_of(series: &Series) -> Option<Int64Chunked> {
    match series.dtype() {
        DataType::Datetime(unit, _) => {
            let phys = series.datetime().ok()?.physical().clone();
            let factor = match unit {
                TimeUnit::Nanoseconds => return Some(phys.apply_values(|v| v.div_euclid(1000))),
                // Already µs: the buffer itself, not a copy of it.
                TimeUnit::Microseconds => return Some(phys),
                TimeUnit::Milliseconds => 1000,
            };
            Some(phys.apply_values(|v| v.saturating_mul(factor)))
        }
        DataType::Date => {
            let days = series.date().ok()?.physical().clone();
            Some(
                days.cast(&DataType::Int64)
                    .ok()?
                    .i64()
                    .ok()?
                    .apply_values(|d| d * crate::vocab::time::MICROS_PER_DAY),
            )
        }
        _ => None,
    }
}

fn summarize_strings(series: &Series, s: &mut ColumnSummary) {
    let Ok(values) = series.str() else {
        // Lists, structs and other nested types: shown by name, counted as text.
        s.kind = ColumnKind::Text;
        s.unique = series.n_unique().unwrap_or(0);
        return;
    };
    // polars' map uses a fast non-cryptographic hash; SipHash made this the load's hot spot.
    let mut counts: PlHashMap<&str, usize> = PlHashMap::new();
    let (mut numeric, mut non_numeric, mut example) = (0usize, 0usize, None);
    for v in values.iter().flatten() {
        *counts.entry(v).or_insert(0) += 1;
    }
    // Mixed types are judged per distinct value: cheap, and one odd token is as telling as many.
    for (v, c) in &counts {
        if v.trim().parse::<f64>().is_ok() {
            numeric += c;
        } else {
            non_numeric += c;
            if example.is_none() {
                example = Some((*v).to_string());
            }
        }
    }
    s.unique = counts.len();
    s.kind = string_kind(s.unique, s.rows - s.nulls);
    if numeric > non_numeric && non_numeric > 0 {
        s.mixed = Some(MixedTypes {
            numeric,
            non_numeric,
            example: example.unwrap_or_default(),
        });
    }
    let mut top: Vec<(&str, usize)> = counts.into_iter().collect();
    // Most frequent first; ties by value so the order is deterministic.
    top.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    s.histogram = top
        .iter()
        .take(SPARK_BINS)
        .map(|(_, c)| *c as u32)
        .collect();
    // Values seen once say nothing about free text (ids, comments): keep only repeated ones.
    if s.kind == ColumnKind::Text {
        top.retain(|(_, c)| *c > 1);
    }
    s.top = top
        .into_iter()
        .take(TOP_CATEGORIES)
        .map(|(v, c)| (v.to_string(), c))
        .collect();
}

/// Equal-width histogram of the finite values over [min, max] with at most `SPARK_BINS` bins;
/// returns the counts and (left edge, width). Integer data gets whole-number bins centred on the
/// values, so that no bin holds one more integer than its neighbour (which would draw a comb).
fn histogram(
    values: impl Iterator<Item = f64>,
    min: f64,
    max: f64,
    integer: bool,
) -> (Vec<u32>, Option<(f64, f64)>) {
    let (lo, width, n) = if integer {
        let span = max - min + 1.0;
        let width = (span / SPARK_BINS as f64).ceil().max(1.0);
        (min - 0.5, width, ((span / width).ceil() as usize).max(1))
    } else if max > min {
        (min, (max - min) / SPARK_BINS as f64, SPARK_BINS)
    } else {
        // One value: a single bin of nominal width around it.
        (min - 0.5, 1.0, 1)
    };
    let mut bins = vec![0u32; n];
    for v in values.filter(|v| v.is_finite()) {
        let i = (((v - lo) / width).max(0.0) as usize).min(n - 1);
        bins[i] += 1;
    }
    (bins, Some((lo, width)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_summary_counts_nan_inf_null() {
        let s = Series::new(
            "x".into(),
            &[
                Some(1.0),
                Some(f64::NAN),
                None,
                Some(3.0),
                Some(f64::INFINITY),
                Some(3.0),
            ],
        );
        let c = summarize(&s);
        assert_eq!(c.kind, ColumnKind::Numeric);
        assert_eq!((c.nulls, c.nan, c.infinite), (1, 1, 1));
        assert_eq!(c.min, Some(1.0));
        assert_eq!(c.max, Some(3.0));
        assert_eq!(c.mean, Some(7.0 / 3.0));
        assert_eq!(c.histogram.iter().sum::<u32>(), 3);
    }

    #[test]
    fn string_summary_tops_and_mixed() {
        let s = Series::new("e".into(), &["a", "b", "a", "a", "c"]);
        let c = summarize(&s);
        assert_eq!(c.kind, ColumnKind::Categorical);
        assert_eq!(c.unique, 3);
        assert_eq!(c.top[0], ("a".to_string(), 3));
        assert!(c.mixed.is_none());
        let m = summarize(&Series::new("m".into(), &["1", "2", "3", "x"]));
        let mixed = m.mixed.expect("mixed");
        assert_eq!((mixed.numeric, mixed.non_numeric), (3, 1));
        assert_eq!(mixed.example, "x");
    }

    #[test]
    fn bool_summary() {
        let s = Series::new("b".into(), &[Some(true), Some(false), Some(true), None]);
        let c = summarize(&s);
        assert_eq!(c.kind, ColumnKind::Boolean);
        assert_eq!(c.unique, 2);
        assert_eq!(c.mean, Some(2.0 / 3.0));
        assert_eq!(c.top[0], ("true".to_string(), 2));
    }
}

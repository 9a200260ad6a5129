//! Time series builder: rows `(timestamp, value)` in, one value per period out.
//!
//! Rows are assigned to periods of a [`SamplingFrequency`] (UTC calendar: minutes, hours, days,
//! ISO weeks starting on Monday, calendar months) and aggregated per period with an
//! [`Aggregation`]. Irregular and duplicate timestamps simply fall into the same period. Periods
//! between the first and the last period with a value that have no value (no rows, or only
//! missing values) are filled by linear interpolation between their neighbours and listed in
//! [`TimeSeries::filled`]; periods before the first or after the last value are dropped and
//! counted in [`TimeSeries::trimmed`].
//!
//! With no timestamps, every row is its own period, in input order (a missing value becomes a
//! filled point). Several [`Segment`]s (reference then current) are concatenated end to end.
//!
//! Missing values are `None`, NaN and ±infinity: they are excluded from every aggregation and
//! counted in [`TimeSeries::missing_values`]; they are what [`Aggregation::NullRate`] counts.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::periods::SamplingFrequency;
use crate::vocab::time::{MICROS_PER_DAY, civil_from_days, days_from_civil, weekday_from_days};

/// How the values of one period become one number.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggregation {
    /// Mean of the non-missing values.
    Mean,
    /// Sum of the non-missing values.
    Sum,
    /// Number of non-missing values (0 when the period has rows but no values).
    Count,
    /// Smallest non-missing value.
    Min,
    /// Largest non-missing value.
    Max,
    /// Median of the non-missing values (mean of the two middle values for an even count).
    Median,
    /// Quantile `q` in `[0, 1]` of the non-missing values, linear interpolation between order
    /// statistics (`numpy.quantile`'s default, Hyndman & Fan type 7).
    Quantile(f64),
    /// Share of rows whose value is missing (null, NaN or infinite), in `[0, 1]`.
    NullRate,
    /// Number of rows in the period, whatever their values.
    Rows,
}

// By hand because of the quantile's `f64`: equal aggregations (`PartialEq`, where 0.0 equals
// -0.0) must hash alike, so a zero is hashed as +0.0. Cache keys of computations hash it.
impl std::hash::Hash for Aggregation {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        std::mem::discriminant(self).hash(state);
        if let Self::Quantile(q) = self {
            let q = if *q == 0.0 { 0.0 } else { *q };
            q.to_bits().hash(state);
        }
    }
}

impl Aggregation {
    /// The aggregations of a column offered in menus, in order (quantile with q = 0.9).
    pub const COLUMN_CHOICES: [Aggregation; 7] = [
        Aggregation::Mean,
        Aggregation::Sum,
        Aggregation::Count,
        Aggregation::Min,
        Aggregation::Max,
        Aggregation::Median,
        Aggregation::Quantile(0.9),
    ];

    /// Name as written on the command line: `mean`, `sum`, `count`, `min`, `max`, `median`,
    /// `q0.9`, `null_rate`, `rows`.
    pub fn name(&self) -> String {
        match self {
            Self::Mean => "mean".into(),
            Self::Sum => "sum".into(),
            Self::Count => "count".into(),
            Self::Min => "min".into(),
            Self::Max => "max".into(),
            Self::Median => "median".into(),
            Self::Quantile(q) => format!("q{q}"),
            Self::NullRate => "null_rate".into(),
            Self::Rows => "rows".into(),
        }
    }

    /// Parses [`Aggregation::name`]'s forms; a quantile is `q0.9` or `quantile:0.9`.
    /// Returns `None` for anything else (including a quantile outside `[0, 1]`).
    pub fn parse(text: &str) -> Option<Self> {
        let t = text.trim().to_ascii_lowercase();
        let simple = match t.as_str() {
            "mean" | "avg" => Some(Self::Mean),
            "sum" => Some(Self::Sum),
            "count" => Some(Self::Count),
            "min" => Some(Self::Min),
            "max" => Some(Self::Max),
            "median" => Some(Self::Median),
            "null_rate" => Some(Self::NullRate),
            "rows" => Some(Self::Rows),
            _ => None,
        };
        if simple.is_some() {
            return simple;
        }
        let q = t
            .strip_prefix("quantile:")
            .or_else(|| t.strip_prefix('q'))?;
        let q: f64 = q.parse().ok()?;
        (0.0..=1.0).contains(&q).then_some(Self::Quantile(q))
    }

    /// Whether this aggregation reads the values (false: only whether a value is present, or
    /// not even that).
    pub fn reads_values(&self) -> bool {
        !matches!(self, Self::Count | Self::NullRate | Self::Rows)
    }
}

impl SamplingFrequency {
    /// Every frequency, finest first.
    pub const ALL: [SamplingFrequency; 5] = [
        SamplingFrequency::Minute,
        SamplingFrequency::Hour,
        SamplingFrequency::Day,
        SamplingFrequency::Week,
        SamplingFrequency::Month,
    ];

    /// Lower-case name: `minute`, `hour`, `day`, `week`, `month`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Minute => "minute",
            Self::Hour => "hour",
            Self::Day => "day",
            Self::Week => "week",
            Self::Month => "month",
        }
    }

    /// Parses [`SamplingFrequency::name`] (also `min`, `h`, `d`, `w`, `m`, and plurals).
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().trim_end_matches('s') {
            "minute" | "min" => Some(Self::Minute),
            "hour" | "h" => Some(Self::Hour),
            "day" | "d" => Some(Self::Day),
            "week" | "w" => Some(Self::Week),
            "month" | "m" => Some(Self::Month),
            _ => None,
        }
    }

    /// The period index of a timestamp (microseconds since the epoch, UTC): minutes, hours or
    /// days since the epoch; ISO weeks since Monday 1969-12-29; months since January of year 0.
    pub fn period_of(self, micros: i64) -> i64 {
        const MINUTE: i64 = 60_000_000;
        match self {
            Self::Minute => micros.div_euclid(MINUTE),
            Self::Hour => micros.div_euclid(60 * MINUTE),
            Self::Day => micros.div_euclid(MICROS_PER_DAY),
            // 1970-01-01 was a Thursday, so Monday-based weeks start 3 days earlier.
            Self::Week => (micros.div_euclid(MICROS_PER_DAY) + 3).div_euclid(7),
            Self::Month => {
                let (y, m, _) = civil_from_days(micros.div_euclid(MICROS_PER_DAY));
                y * 12 + i64::from(m) - 1
            }
        }
    }

    /// The first microsecond of period `index` (inverse of [`SamplingFrequency::period_of`]).
    pub fn period_start(self, index: i64) -> i64 {
        const MINUTE: i64 = 60_000_000;
        match self {
            Self::Minute => index.saturating_mul(MINUTE),
            Self::Hour => index.saturating_mul(60 * MINUTE),
            Self::Day => index.saturating_mul(MICROS_PER_DAY),
            Self::Week => (index * 7 - 3).saturating_mul(MICROS_PER_DAY),
            Self::Month => {
                let (y, m) = (index.div_euclid(12), index.rem_euclid(12) as u32 + 1);
                days_from_civil(y, m, 1).saturating_mul(MICROS_PER_DAY)
            }
        }
    }

    /// A short name for season `season` of a cycle of `period` periods, when the calendar gives
    /// one (weekday of a 7-day cycle, hour of a 24-hour cycle, month of a 12-month cycle, hour of
    /// the week of a 168-hour cycle); otherwise `None`. Season indices are period indices modulo
    /// `period` (see [`TimeSeries::seasons`]).
    pub fn season_label(self, period: usize, season: usize) -> Option<String> {
        const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
        const MONTHS: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        match (self, period) {
            (Self::Day, 7) => Some(WEEKDAYS[weekday_from_days(season as i64) as usize].into()),
            (Self::Hour, 24) => Some(format!("{season:02}h")),
            (Self::Hour, 168) => {
                let day = weekday_from_days((season / 24) as i64) as usize;
                Some(format!("{} {:02}h", WEEKDAYS[day], season % 24))
            }
            (Self::Minute, 60) => Some(format!(":{season:02}")),
            (Self::Month, 12) => Some(MONTHS[season % 12].into()),
            (Self::Week, 52) => Some(format!("week {}", season + 1)),
            _ => None,
        }
    }
}

/// One run of rows: optional timestamps (microseconds since the epoch, UTC; `None` = missing)
/// and values (`None`, NaN or infinite = missing), aligned.
#[derive(Debug, Clone, Copy)]
pub struct Segment<'a> {
    /// Timestamps per row, or `None` when the rows' order is the time axis.
    pub times: Option<&'a [Option<i64>]>,
    /// Values per row.
    pub values: &'a [Option<f64>],
}

/// Settings of [`build`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BuildParams {
    /// Period length (ignored when the segments have no timestamps).
    pub frequency: SamplingFrequency,
    /// How a period's values become one number.
    pub aggregation: Aggregation,
}

/// Most periods [`build`] produces; beyond this the frequency is too fine for the time span.
pub const MAX_PERIODS: usize = 20_000_000;

/// A regular series: one value per period, gaps filled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimeSeries {
    /// The frequency of the periods (`None`: one point per row, in input order).
    pub frequency: Option<SamplingFrequency>,
    /// The value of each period (filled periods hold the interpolated value).
    pub values: Vec<f64>,
    /// Period index of each point: [`SamplingFrequency::period_of`] of its start, or the row
    /// number (counted over all segments) when there are no timestamps. Consecutive.
    pub positions: Vec<i64>,
    /// Start of each period in microseconds since the epoch (`None` without timestamps).
    pub timestamps: Option<Vec<i64>>,
    /// Rows that fell into each period.
    pub rows: Vec<usize>,
    /// The segment most rows of each period came from (`None` for a period with no rows).
    pub segment: Vec<Option<usize>>,
    /// Indices of the points that were filled by linear interpolation.
    pub filled: Vec<usize>,
    /// Rows whose value was missing (null, NaN, ±inf), excluded from the aggregation.
    pub missing_values: usize,
    /// Rows whose timestamp was missing, excluded entirely.
    pub missing_times: usize,
    /// Periods at the start or end with no value, dropped.
    pub trimmed: usize,
}

impl TimeSeries {
    /// Number of points.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether there are no points (never true for a built series).
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Season index of every point for a cycle of `period` points: `position mod period`.
    /// Because positions count periods from a fixed origin, the same index means the same
    /// weekday (daily data, period 7), hour of day (hourly, 24) or month (monthly, 12) in every
    /// series; for weekly data and period 52 it drifts by about a day per year.
    pub fn seasons(&self, period: usize) -> Vec<usize> {
        let p = period.max(1) as i64;
        self.positions
            .iter()
            .map(|i| i.rem_euclid(p) as usize)
            .collect()
    }

    /// Whether point `index` was filled.
    pub fn is_filled(&self, index: usize) -> bool {
        self.filled.binary_search(&index).is_ok()
    }
}

/// Why a series could not be built.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum BuildError {
    /// No rows at all.
    #[error("there are no rows")]
    NoRows,
    /// Some segments have timestamps and others do not.
    #[error("either every part of the data has a time column or none has")]
    MixedTimeAxes,
    /// A segment's timestamps and values have different lengths.
    #[error("{times} timestamps but {values} values")]
    LengthMismatch {
        /// Number of timestamps.
        times: usize,
        /// Number of values.
        values: usize,
    },
    /// Every timestamp is missing.
    #[error("every one of the {rows} timestamps is missing")]
    NoTimestamps {
        /// Rows.
        rows: usize,
    },
    /// No period has a value.
    #[error("no period has a value: all {missing} of {rows} values are missing")]
    NoValues {
        /// Rows considered.
        rows: usize,
        /// Rows whose value is missing.
        missing: usize,
    },
    /// The frequency is far too fine for the time span.
    #[error(
        "the data spans {periods} {frequency}s, more than the {max} a series may have; choose a coarser frequency"
    )]
    TooManyPeriods {
        /// Periods the span would need.
        periods: u64,
        /// The frequency's name.
        frequency: &'static str,
        /// [`MAX_PERIODS`].
        max: usize,
    },
    /// A quantile outside `[0, 1]`.
    #[error("quantile must lie in [0, 1], got {q}")]
    InvalidQuantile {
        /// The rejected quantile.
        q: f64,
    },
}

/// Builds the regular series of `segments` (see the module docs).
///
/// Errors: no rows, mixed time axes, misaligned inputs, every timestamp or value missing, an
/// invalid quantile, or more than [`MAX_PERIODS`] periods.
pub fn build(segments: &[Segment<'_>], params: &BuildParams) -> Result<TimeSeries, BuildError> {
    if let Aggregation::Quantile(q) = params.aggregation
        && !(0.0..=1.0).contains(&q)
    {
        return Err(BuildError::InvalidQuantile { q });
    }
    let rows: usize = segments.iter().map(|s| s.values.len()).sum();
    if rows == 0 {
        return Err(BuildError::NoRows);
    }
    let timed = segments.iter().filter(|s| s.times.is_some()).count();
    if timed != 0 && timed != segments.len() {
        return Err(BuildError::MixedTimeAxes);
    }
    for s in segments {
        if let Some(t) = s.times
            && t.len() != s.values.len()
        {
            return Err(BuildError::LengthMismatch {
                times: t.len(),
                values: s.values.len(),
            });
        }
    }
    // (period, segment, value) per usable row, in input order.
    let mut keyed: Vec<(i64, usize, Option<f64>)> = Vec::with_capacity(rows);
    let mut missing_times = 0;
    let mut missing_values = 0;
    let mut row_number = 0i64;
    for (seg, s) in segments.iter().enumerate() {
        for (i, v) in s.values.iter().enumerate() {
            let position = match s.times {
                None => row_number + i as i64,
                Some(times) => match times[i] {
                    Some(t) => params.frequency.period_of(t),
                    None => {
                        missing_times += 1;
                        continue;
                    }
                },
            };
            let value = v.filter(|x| x.is_finite());
            missing_values += usize::from(value.is_none());
            keyed.push((position, seg, value));
        }
        row_number += s.values.len() as i64;
    }
    if keyed.is_empty() {
        return Err(BuildError::NoTimestamps { rows });
    }
    // A stable sort keeps input order inside a period, so sums are deterministic.
    if timed > 0 {
        keyed.sort_by_key(|k| k.0);
    }
    let first = keyed[0].0;
    let last = keyed[keyed.len() - 1].0;
    let span = (last as i128 - first as i128 + 1) as u64;
    if span > MAX_PERIODS as u64 {
        return Err(BuildError::TooManyPeriods {
            periods: span,
            frequency: params.frequency.name(),
            max: MAX_PERIODS,
        });
    }
    let span = span as usize;
    let mut value: Vec<Option<f64>> = vec![None; span];
    let mut row_counts = vec![0usize; span];
    let mut segment = vec![None; span];
    let mut scratch: Vec<f64> = Vec::new();
    let mut per_segment = vec![0usize; segments.len()];
    for group in keyed.chunk_by(|a, b| a.0 == b.0) {
        let slot = (group[0].0 - first) as usize;
        scratch.clear();
        scratch.extend(group.iter().filter_map(|g| g.2));
        value[slot] = aggregate(params.aggregation, group.len(), &mut scratch);
        row_counts[slot] = group.len();
        per_segment.iter_mut().for_each(|c| *c = 0);
        group.iter().for_each(|g| per_segment[g.1] += 1);
        // The first segment wins ties, so the result does not depend on the sort.
        segment[slot] = (0..per_segment.len()).rev().max_by_key(|&k| per_segment[k]);
    }
    let Some(lo) = value.iter().position(Option::is_some) else {
        return Err(BuildError::NoValues {
            rows: keyed.len(),
            missing: missing_values,
        });
    };
    let hi = value.iter().rposition(Option::is_some).unwrap_or(lo);
    let trimmed = span - (hi - lo + 1);
    let (values, filled) = interpolate(&value[lo..=hi]);
    let positions: Vec<i64> = (lo..=hi).map(|k| first + k as i64).collect();
    let timestamps = (timed > 0).then(|| {
        positions
            .iter()
            .map(|&p| params.frequency.period_start(p))
            .collect()
    });
    Ok(TimeSeries {
        frequency: (timed > 0).then_some(params.frequency),
        values,
        positions,
        timestamps,
        rows: row_counts[lo..=hi].to_vec(),
        segment: segment[lo..=hi].to_vec(),
        filled,
        missing_values,
        missing_times,
        trimmed,
    })
}

/// The aggregate of one period with `rows` rows whose non-missing values are `values`
/// (reordered in place); `None` when it is undefined (no values for a value statistic).
fn aggregate(agg: Aggregation, rows: usize, values: &mut [f64]) -> Option<f64> {
    let n = values.len();
    let defined = n > 0;
    match agg {
        Aggregation::Rows => Some(rows as f64),
        Aggregation::Count => Some(n as f64),
        Aggregation::NullRate => Some((rows - n) as f64 / rows as f64),
        Aggregation::Mean => defined.then(|| values.iter().sum::<f64>() / n as f64),
        Aggregation::Sum => defined.then(|| values.iter().sum()),
        Aggregation::Min => defined.then(|| values.iter().copied().fold(f64::INFINITY, f64::min)),
        Aggregation::Max => {
            defined.then(|| values.iter().copied().fold(f64::NEG_INFINITY, f64::max))
        }
        Aggregation::Median => defined.then(|| quantile(values, 0.5)),
        Aggregation::Quantile(q) => defined.then(|| quantile(values, q)),
    }
}

/// Type-7 quantile of non-empty, finite `values` (reordered): `h = (n - 1) q`,
/// `x[floor h] + (h - floor h) (x[floor h + 1] - x[floor h])` on the sorted values.
pub fn quantile(values: &mut [f64], q: f64) -> f64 {
    let n = values.len();
    let h = (n - 1) as f64 * q.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let (_, &mut x_lo, upper) = values.select_nth_unstable_by(lo, f64::total_cmp);
    let frac = h - lo as f64;
    if frac == 0.0 || upper.is_empty() {
        return x_lo;
    }
    let x_hi = upper.iter().copied().fold(f64::INFINITY, f64::min);
    x_lo + frac * (x_hi - x_lo)
}

/// Fills interior `None`s linearly between their defined neighbours; the first and last entries
/// must be defined. Returns the values and the filled indices.
fn interpolate(values: &[Option<f64>]) -> (Vec<f64>, Vec<usize>) {
    let mut out = Vec::with_capacity(values.len());
    let mut filled = Vec::new();
    let mut previous = (0usize, 0.0f64);
    let mut i = 0;
    while i < values.len() {
        if let Some(v) = values[i] {
            out.push(v);
            previous = (i, v);
            i += 1;
            continue;
        }
        let next = (i..values.len()).find(|&k| values[k].is_some());
        let (j, vj) = next
            .and_then(|k| values[k].map(|v| (k, v)))
            .unwrap_or(previous);
        let (p, vp) = previous;
        for k in i..j.max(i) {
            let t = (k - p) as f64 / (j - p) as f64;
            out.push(vp + t * (vj - vp));
            filled.push(k);
        }
        i = j.max(i + 1);
    }
    (out, filled)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: i64 = 3_600_000_000;
    const DAY: i64 = MICROS_PER_DAY;

    fn day(y: i64, m: u32, d: u32) -> i64 {
        days_from_civil(y, m, d) * DAY
    }

    fn build_one(
        times: &[Option<i64>],
        values: &[Option<f64>],
        frequency: SamplingFrequency,
        aggregation: Aggregation,
    ) -> Result<TimeSeries, BuildError> {
        build(
            &[Segment {
                times: Some(times),
                values,
            }],
            &BuildParams {
                frequency,
                aggregation,
            },
        )
    }

    #[test]
    fn periods_follow_the_calendar() {
        use SamplingFrequency::*;
        let t = day(2024, 3, 6) + 13 * HOUR + 17 * 60_000_000; // Wednesday 13:17
        assert_eq!(Day.period_start(Day.period_of(t)), day(2024, 3, 6));
        assert_eq!(
            Hour.period_start(Hour.period_of(t)),
            day(2024, 3, 6) + 13 * HOUR
        );
        assert_eq!(Minute.period_start(Minute.period_of(t)), t - t % 60_000_000);
        // ISO week: Monday 2024-03-04.
        assert_eq!(Week.period_start(Week.period_of(t)), day(2024, 3, 4));
        assert_eq!(Week.period_of(day(2024, 3, 10)), Week.period_of(t)); // Sunday
        assert_eq!(Week.period_of(day(2024, 3, 11)), Week.period_of(t) + 1);
        assert_eq!(Month.period_start(Month.period_of(t)), day(2024, 3, 1));
        assert_eq!(Month.period_of(day(2025, 1, 31)), 2025 * 12);
        // Before the epoch too.
        let old = day(1969, 12, 31) + HOUR;
        assert_eq!(Day.period_start(Day.period_of(old)), day(1969, 12, 31));
        assert_eq!(Week.period_start(Week.period_of(old)), day(1969, 12, 29));
        // Labels: days since epoch mod 7 = 0 is a Thursday.
        assert_eq!(Day.season_label(7, 0).as_deref(), Some("Thu"));
        let monday = Day.period_of(day(2024, 3, 4)).rem_euclid(7) as usize;
        assert_eq!(Day.season_label(7, monday).as_deref(), Some("Mon"));
        assert_eq!(Month.season_label(12, 2).as_deref(), Some("Mar"));
        assert_eq!(Day.season_label(5, 2), None);
    }

    #[test]
    fn aggregates_per_day_by_hand() {
        // Day 1: 1, 2, 6 and a NaN; day 2: nothing; day 3: 4 (twice, duplicate timestamp), null.
        let d1 = day(2024, 1, 1);
        let d3 = day(2024, 1, 3);
        let times = [
            Some(d1 + HOUR),
            Some(d1 + 2 * HOUR),
            Some(d1 + 23 * HOUR),
            Some(d1),
            Some(d3 + 5 * HOUR),
            Some(d3 + 5 * HOUR),
            Some(d3),
            None,
        ];
        let values = [
            Some(1.0),
            Some(2.0),
            Some(6.0),
            Some(f64::NAN),
            Some(4.0),
            Some(4.0),
            None,
            Some(100.0),
        ];
        let run = |agg| build_one(&times, &values, SamplingFrequency::Day, agg).expect("valid");
        let mean = run(Aggregation::Mean);
        assert_eq!(mean.values, vec![3.0, 3.5, 4.0]);
        assert_eq!(mean.filled, vec![1]);
        assert_eq!(mean.rows, vec![4, 0, 3]);
        assert_eq!(mean.segment, vec![Some(0), None, Some(0)]);
        assert_eq!((mean.missing_values, mean.missing_times), (2, 1));
        assert_eq!(mean.timestamps, Some(vec![d1, d1 + DAY, d3]));
        assert_eq!(run(Aggregation::Sum).values, vec![9.0, 8.5, 8.0]);
        assert_eq!(run(Aggregation::Count).values, vec![3.0, 2.5, 2.0]);
        assert_eq!(run(Aggregation::Rows).values, vec![4.0, 3.5, 3.0]);
        assert_eq!(run(Aggregation::Min).values, vec![1.0, 2.5, 4.0]);
        assert_eq!(run(Aggregation::Max).values, vec![6.0, 5.0, 4.0]);
        assert_eq!(run(Aggregation::Median).values, vec![2.0, 3.0, 4.0]);
        // Type 7: h = 2 * 0.75 = 1.5 → 2 + 0.5 * (6 - 2) = 4 on day 1.
        assert_eq!(run(Aggregation::Quantile(0.75)).values, vec![4.0, 4.0, 4.0]);
        // Null rate: day 1 has 1 NaN in 4 rows, day 3 one null in 3.
        let nr = run(Aggregation::NullRate).values;
        assert_eq!(nr[0], 0.25);
        assert!((nr[2] - 1.0 / 3.0).abs() < 1e-15);
        assert!((nr[1] - (0.25 + 1.0 / 3.0) / 2.0).abs() < 1e-15);
    }

    #[test]
    fn quantile_matches_numpy() {
        // numpy.quantile([3, 1, 4, 1, 5, 9, 2, 6], [0, 0.1, 0.5, 0.9, 1]) =
        // [1.0, 1.0, 3.5, 6.9, 9.0]
        let data = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0];
        for (q, want) in [(0.0, 1.0), (0.1, 1.0), (0.5, 3.5), (0.9, 6.9), (1.0, 9.0)] {
            let got = quantile(&mut data.clone(), q);
            assert!((got - want).abs() < 1e-12, "q={q}: {got} vs {want}");
        }
    }

    #[test]
    fn long_gaps_are_interpolated_linearly_and_edges_trimmed() {
        // Monthly: Jan = 10, Feb..Apr empty, May = 50; a row in June with only a null value.
        let times = [
            Some(day(2024, 1, 15)),
            Some(day(2024, 5, 2)),
            Some(day(2024, 6, 30)),
        ];
        let values = [Some(10.0), Some(50.0), None];
        let s =
            build_one(&times, &values, SamplingFrequency::Month, Aggregation::Mean).expect("valid");
        assert_eq!(s.values, vec![10.0, 20.0, 30.0, 40.0, 50.0]);
        assert_eq!(s.filled, vec![1, 2, 3]);
        assert_eq!(s.trimmed, 1);
        assert_eq!(s.timestamps.as_deref().map(|t| t[4]), Some(day(2024, 5, 1)));
        // The row count of June is defined (1 row), so nothing is trimmed for it.
        let rows =
            build_one(&times, &values, SamplingFrequency::Month, Aggregation::Rows).expect("valid");
        assert_eq!(rows.values, vec![1.0, 1.0, 1.0, 1.0, 1.0, 1.0]);
        assert_eq!(rows.trimmed, 0);
    }

    #[test]
    fn without_timestamps_rows_are_the_series_and_segments_concatenate() {
        let a = [Some(1.0), None, Some(3.0)];
        let b = [Some(5.0), Some(f64::INFINITY), Some(9.0)];
        let s = build(
            &[
                Segment {
                    times: None,
                    values: &a,
                },
                Segment {
                    times: None,
                    values: &b,
                },
            ],
            &BuildParams {
                frequency: SamplingFrequency::Day,
                aggregation: Aggregation::Mean,
            },
        )
        .expect("valid");
        assert_eq!(s.values, vec![1.0, 2.0, 3.0, 5.0, 7.0, 9.0]);
        assert_eq!(s.filled, vec![1, 4]);
        assert_eq!(s.positions, vec![0, 1, 2, 3, 4, 5]);
        assert_eq!(
            s.segment,
            vec![Some(0), Some(0), Some(0), Some(1), Some(1), Some(1)]
        );
        assert_eq!(s.timestamps, None);
        assert_eq!(s.frequency, None);
        assert_eq!(s.seasons(4), vec![0, 1, 2, 3, 0, 1]);
    }

    #[test]
    fn both_datasets_end_to_end_by_time() {
        let r_t = [Some(day(2024, 1, 1)), Some(day(2024, 1, 2))];
        let c_t = [Some(day(2024, 1, 5)), Some(day(2024, 1, 5) + HOUR)];
        let r_v = [Some(2.0), Some(4.0)];
        let c_v = [Some(10.0), Some(20.0)];
        let s = build(
            &[
                Segment {
                    times: Some(&r_t),
                    values: &r_v,
                },
                Segment {
                    times: Some(&c_t),
                    values: &c_v,
                },
            ],
            &BuildParams {
                frequency: SamplingFrequency::Day,
                aggregation: Aggregation::Sum,
            },
        )
        .expect("valid");
        // Jan 3 and 4 lie on the line from 4 (Jan 2) to 30 (Jan 5).
        let want = [2.0, 4.0, 4.0 + 26.0 / 3.0, 4.0 + 52.0 / 3.0, 30.0];
        assert!(
            s.values
                .iter()
                .zip(want)
                .all(|(a, b)| (a - b).abs() < 1e-12),
            "{:?}",
            s.values
        );
        assert_eq!(s.filled, vec![2, 3]);
        assert_eq!(s.segment, vec![Some(0), Some(0), None, None, Some(1)]);
    }

    #[test]
    fn bad_input_is_a_typed_error() {
        let p = BuildParams {
            frequency: SamplingFrequency::Day,
            aggregation: Aggregation::Mean,
        };
        assert_eq!(build(&[], &p), Err(BuildError::NoRows));
        let none_t = [None, None];
        let v = [Some(1.0), Some(2.0)];
        assert_eq!(
            build(
                &[Segment {
                    times: Some(&none_t),
                    values: &v
                }],
                &p
            ),
            Err(BuildError::NoTimestamps { rows: 2 })
        );
        let t = [Some(0), Some(DAY)];
        let nulls = [None, Some(f64::NAN)];
        let err = build(
            &[Segment {
                times: Some(&t),
                values: &nulls,
            }],
            &p,
        )
        .expect_err("no values");
        assert_eq!(
            err.to_string(),
            "no period has a value: all 2 of 2 values are missing"
        );
        let far = [Some(0), Some(40 * 365 * DAY)];
        let err = build(
            &[Segment {
                times: Some(&far),
                values: &v,
            }],
            &BuildParams {
                frequency: SamplingFrequency::Minute,
                aggregation: Aggregation::Mean,
            },
        )
        .expect_err("too fine");
        assert!(matches!(err, BuildError::TooManyPeriods { .. }), "{err}");
        assert!(
            build(
                &[Segment {
                    times: Some(&t),
                    values: &v
                }],
                &BuildParams {
                    frequency: SamplingFrequency::Day,
                    aggregation: Aggregation::Quantile(1.5)
                }
            )
            .is_err()
        );
        assert_eq!(
            build(
                &[
                    Segment {
                        times: Some(&t),
                        values: &v
                    },
                    Segment {
                        times: None,
                        values: &v
                    }
                ],
                &p
            ),
            Err(BuildError::MixedTimeAxes)
        );
    }

    #[test]
    fn aggregation_names_roundtrip() {
        for a in Aggregation::COLUMN_CHOICES
            .into_iter()
            .chain([Aggregation::NullRate, Aggregation::Rows])
        {
            assert_eq!(Aggregation::parse(&a.name()), Some(a));
        }
        assert_eq!(
            Aggregation::parse("quantile:0.25"),
            Some(Aggregation::Quantile(0.25))
        );
        assert_eq!(Aggregation::parse("q2"), None);
        assert_eq!(Aggregation::parse("mode"), None);
        for f in SamplingFrequency::ALL {
            assert_eq!(SamplingFrequency::parse(f.name()), Some(f));
        }
        assert_eq!(
            SamplingFrequency::parse("days"),
            Some(SamplingFrequency::Day)
        );
    }
}

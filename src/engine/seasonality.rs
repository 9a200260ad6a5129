//! The seasonality pass over loaded datasets, the one pipeline of `sextant seasonality`, the
//! Seasonality tab and the report: the settings a user chooses (what the tab edits, a session
//! stores and the command line's flags become), and [`run`], from settings to a decomposed
//! series, its candidate periods and the season-aware comparison of production with training.

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};

use serde::{Deserialize, Serialize};

use crate::analysis::seasonality::compare::SeasonAwareReport;
use crate::analysis::seasonality::periods::PeriodCandidate;
use crate::analysis::seasonality::report::{self, compare_series};
use crate::analysis::seasonality::timeseries::{self, BuildError, BuildParams, Segment};
use crate::analysis::seasonality::{
    Aggregation, SamplingFrequency, SeasonalityParams, SeasonalityReport, StlError, StlOptions,
    StlParams, TimeSeries, analyze_series_detected, stl,
};
use crate::analysis::windows::WindowSpec;
use crate::data::series::{SeriesDataError, ValueSpec, build_series, resolve};
use crate::data::{Dataset, RoleMap};
use crate::engine::drift::{DriftError, DriftInputs, DriftSettings, run as run_drift};
use crate::vocab::time::MICROS_PER_DAY;
use crate::vocab::{Cancelled, Progress, Renames, Role};

/// Which rows the series is built from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataChoice {
    /// Training (reference).
    #[default]
    Reference,
    /// Production (current).
    Current,
    /// Training then production, end to end.
    Both,
}

impl DataChoice {
    /// Every choice, in the order the tab offers them.
    pub const ALL: [DataChoice; 3] = [Self::Reference, Self::Current, Self::Both];

    /// The choice's name in the tab.
    pub fn label(self) -> &'static str {
        match self {
            Self::Reference => "Training",
            Self::Current => "Production",
            Self::Both => "Both",
        }
    }
}

/// The time axis of the series.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeAxis {
    /// The column with the timestamp role (row order when there is none).
    #[default]
    Role,
    /// A named datetime column.
    Column(String),
    /// Rows in file order.
    RowOrder,
}

/// Significance level of the comparison's verdicts unless a user chose another (`--alpha`).
pub const DEFAULT_ALPHA: f64 = 0.05;

/// What a user chose: in the Seasonality tab, in a session, or with `sextant seasonality`'s
/// flags.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SeasonalitySettings {
    /// Which rows make the series.
    pub data: DataChoice,
    /// The time axis.
    pub time: TimeAxis,
    /// The value per period: a column or a derived series.
    pub value: ValueSpec,
    /// How a column's values in one period become one number.
    pub aggregation: Aggregation,
    /// The period of the series with a time axis.
    pub frequency: SamplingFrequency,
    /// Chosen periods; empty = the strongest detected candidate.
    pub periods: Vec<usize>,
    /// Seasonal window of STL (one period).
    pub seasonal: usize,
    /// Seasonal window per period for MSTL (absent: statsmodels' 7 + 4 i).
    pub mstl_windows: BTreeMap<usize, usize>,
    /// Trend, low-pass, degrees, jumps, robustness.
    pub options: StlOptions,
    /// Robust z-score of the remainder above which a period is an anomaly.
    pub anomaly_threshold: f64,
    /// Significance level of the comparison's verdicts (Welch's t-test). Left out of session
    /// files while it is the default, so that sessions written before it existed re-save to
    /// the same bytes.
    #[serde(skip_serializing_if = "is_default_alpha")]
    pub alpha: f64,
}

fn is_default_alpha(alpha: &f64) -> bool {
    *alpha == DEFAULT_ALPHA
}

impl Default for SeasonalitySettings {
    fn default() -> Self {
        Self {
            data: DataChoice::default(),
            time: TimeAxis::default(),
            value: ValueSpec::RowCount,
            aggregation: Aggregation::Mean,
            frequency: SamplingFrequency::Day,
            periods: Vec::new(),
            seasonal: 7,
            mstl_windows: BTreeMap::new(),
            options: StlOptions::default(),
            anomaly_threshold: crate::analysis::seasonality::anomalies::DEFAULT_THRESHOLD,
            alpha: DEFAULT_ALPHA,
        }
    }
}

impl SeasonalitySettings {
    /// Every number of the settings inside its documented range ([`super::ranges`]). STL's
    /// own rules (odd windows, a trend window longer than the period) are checked by the
    /// analysis once the series is known; these caps keep a window or an iteration count from
    /// allocating without bound or running for hours before that.
    pub fn validate(&self) -> Result<(), super::ranges::RangeError> {
        use super::ranges;
        ranges::PERIODS.check_usize(self.periods.len())?;
        for p in self.periods.iter().chain(self.mstl_windows.keys()) {
            ranges::PERIOD.check_usize(*p)?;
        }
        ranges::SEASONAL_WINDOW.check_usize(self.seasonal)?;
        for w in self.mstl_windows.values() {
            ranges::SEASONAL_WINDOW.check_usize(*w)?;
        }
        let o = &self.options;
        ranges::TREND_WINDOW.check_opt(o.trend)?;
        ranges::LOW_PASS_WINDOW.check_opt(o.low_pass)?;
        for d in [o.seasonal_deg, o.trend_deg, o.low_pass_deg] {
            ranges::DEGREE.check(u64::from(d))?;
        }
        for j in [o.seasonal_jump, o.trend_jump, o.low_pass_jump] {
            ranges::JUMP.check_usize(j)?;
        }
        ranges::INNER_ITER.check_opt(o.inner_iter)?;
        ranges::OUTER_ITER.check_opt(o.outer_iter)?;
        ranges::ANOMALY_Z.check(self.anomaly_threshold)?;
        ranges::SEASONALITY_ALPHA.check(self.alpha)?;
        Ok(())
    }

    /// The time column these settings use with these roles (`None`: row order).
    pub fn time_column(&self, roles: &RoleMap) -> Option<String> {
        match &self.time {
            TimeAxis::Role => roles.column_with(Role::Timestamp).map(str::to_string),
            TimeAxis::Column(c) => Some(c.clone()),
            TimeAxis::RowOrder => None,
        }
    }

    /// Everything a computation with these settings depends on besides the data: equal keys,
    /// equal outcomes (for the same datasets).
    pub fn key(&self, roles: &RoleMap, renames: &Renames) -> SeasonalityKey {
        SeasonalityKey {
            request: self.request(roles),
            roles: roles.iter().map(|(c, r)| (c.to_string(), r)).collect(),
            renames: renames.clone(),
        }
    }

    fn request(&self, roles: &RoleMap) -> Request {
        let periods = self.periods.clone();
        let seasonal = match periods.len() {
            0 | 1 => vec![self.seasonal],
            _ => {
                let mut sorted = periods.clone();
                sorted.sort_unstable();
                let default_of = |p: &usize| {
                    let i = sorted.iter().position(|q| q == p).unwrap_or(0);
                    7 + 4 * (i + 1)
                };
                periods
                    .iter()
                    .map(|p| {
                        self.mstl_windows
                            .get(p)
                            .copied()
                            .unwrap_or_else(|| default_of(p))
                    })
                    .collect()
            }
        };
        Request {
            data: self.data,
            time: self.time_column(roles),
            value: self.value.clone(),
            aggregation: self.aggregation,
            frequency: self.frequency,
            params: SeasonalityParams {
                periods,
                seasonal,
                options: self.options,
                anomaly_threshold: self.anomaly_threshold,
                ..SeasonalityParams::default()
            },
            alpha: self.alpha,
        }
    }
}

/// The settings resolved against the roles: what one computation needs.
#[derive(Debug, Clone, PartialEq)]
struct Request {
    data: DataChoice,
    time: Option<String>,
    value: ValueSpec,
    aggregation: Aggregation,
    frequency: SamplingFrequency,
    params: SeasonalityParams,
    alpha: f64,
}

/// The cache key of one computation: the resolved settings, the roles and the renames
/// (see [`SeasonalitySettings::key`]).
#[derive(Debug, Clone, PartialEq)]
pub struct SeasonalityKey {
    request: Request,
    roles: Vec<(String, Role)>,
    renames: Renames,
}

/// An `f64` hashed so that values `==` each other hash alike (0.0 and -0.0).
fn hash_f64<H: Hasher>(x: f64, state: &mut H) {
    let x = if x == 0.0 { 0.0 } else { x };
    x.to_bits().hash(state);
}

// By hand because of the thresholds' `f64`s.
impl Hash for SeasonalityKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        let r = &self.request;
        r.data.hash(state);
        r.time.hash(state);
        r.value.hash(state);
        r.aggregation.hash(state);
        r.frequency.hash(state);
        r.params.periods.hash(state);
        r.params.seasonal.hash(state);
        r.params.options.hash(state);
        hash_f64(r.params.anomaly_threshold, state);
        r.params.max_candidates.hash(state);
        hash_f64(r.alpha, state);
        self.roles.hash(state);
        self.renames.hash(state);
    }
}

/// What [`run`] reads besides the settings.
#[derive(Clone, Copy)]
pub struct SeasonalityInputs<'a> {
    /// The training (reference) data, when loaded.
    pub reference: Option<&'a Dataset>,
    /// The production (current) data, when loaded.
    pub current: Option<&'a Dataset>,
    /// Column roles (the timestamp, the prediction and the target of the derived series).
    pub roles: &'a RoleMap,
    /// Accepted renames; they matter only for `@drift` of a renamed column.
    pub renames: &'a Renames,
}

/// What one computation produced: everything the tab, the command line and the report show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeasonalityOutcome {
    /// The value asked for, as in the settings.
    pub value: ValueSpec,
    /// Title of the value ("row count", "income (mean)").
    pub label: String,
    /// The aggregation the series was built with (a derived series has its own: `rows` for
    /// `@count`; `mean` for `@drift`).
    pub aggregation: Aggregation,
    /// The time column used (`None`: row order).
    pub time: Option<String>,
    /// Which data.
    pub data: DataChoice,
    /// The regular series.
    pub series: TimeSeries,
    /// x coordinate of each point: days since the epoch, or the point index without a time axis.
    pub x: Vec<f64>,
    /// Candidate periods (shown even when the decomposition fails).
    pub candidates: Vec<PeriodCandidate>,
    /// The decomposition, or why it could not be made (one sentence, for people: the series
    /// itself was built, so the rest of the outcome is still shown).
    pub report: Result<SeasonalityReport, String>,
    /// Production against training season by season (when both are loaded, a time axis exists
    /// and the value is not a drift score), or why it could not be made.
    pub comparison: Option<Result<SeasonAwareReport, String>>,
}

/// Why no series could be made: nothing of the outcome exists.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SeasonalityError {
    /// A number of the settings outside its documented range.
    #[error(transparent)]
    Range(#[from] super::ranges::RangeError),
    /// The progress handle asked to stop.
    #[error(transparent)]
    Cancelled(#[from] Cancelled),
    /// The data the settings choose is not loaded.
    #[error("{} is not loaded; open it or choose other data", match .0 {
        DataChoice::Reference => "The training file",
        DataChoice::Current => "The production file",
        DataChoice::Both => "No file",
    })]
    NotLoaded(DataChoice),
    /// `@drift` needs both files.
    #[error("The drift score of \"{column}\" compares production with training; open both files")]
    DriftNeedsBothFiles {
        /// The column (its training name).
        column: String,
    },
    /// The value could not be read from the rows or the series could not be built.
    #[error(transparent)]
    Series(#[from] SeriesDataError),
    /// A drift score exists per calendar window only.
    #[error("The drift score is computed per day, week or month, not per {}", .0.name())]
    DriftFrequency(SamplingFrequency),
    /// A drift score per period needs timestamps.
    #[error("The drift score per period needs a time axis (a timestamp column)")]
    DriftNeedsTime,
    /// The drift pass behind `@drift` failed.
    #[error(transparent)]
    Drift(DriftError),
    /// The drift pass made no time windows.
    #[error("The production data has no time windows")]
    NoWindows,
    /// The drift pass did not test the column.
    #[error("\"{column}\" was not tested for drift{}", .reason.as_ref().map_or_else(String::new, |r| format!(": {r}")))]
    NotTested {
        /// The column (its training name).
        column: String,
        /// Why the drift pass skipped it, when it said.
        reason: Option<String>,
    },
    /// A regular series could not be built (the windows' drift scores, or the benchmark's rows).
    #[error(transparent)]
    Build(#[from] BuildError),
    /// The benchmark's STL fit was refused.
    #[error(transparent)]
    Stl(#[from] StlError),
}

impl From<DriftError> for SeasonalityError {
    fn from(e: DriftError) -> Self {
        match e {
            DriftError::Cancelled => Self::Cancelled(Cancelled),
            other => Self::Drift(other),
        }
    }
}

/// The whole computation: read the columns, build the series, detect periods, decompose, compare.
/// A decomposition or comparison that fails is part of the outcome (the series and candidate
/// periods are still worth showing); an error means there is no series at all.
pub fn run(
    inputs: &SeasonalityInputs,
    settings: &SeasonalitySettings,
    progress: &Progress,
) -> Result<SeasonalityOutcome, SeasonalityError> {
    settings.validate()?;
    let req = settings.request(inputs.roles);
    progress.set(Some(0.0), "Building the series");
    let (reference, current) = (inputs.reference, inputs.current);
    let chosen: Vec<&Dataset> = match req.data {
        DataChoice::Reference => reference.into_iter().collect(),
        DataChoice::Current => current.into_iter().collect(),
        DataChoice::Both => reference.into_iter().chain(current).collect(),
    };
    if chosen.is_empty() {
        return Err(SeasonalityError::NotLoaded(req.data));
    }
    let time = req.time.as_deref();
    // `@drift` is built by the drift engine from both files; other values from the rows.
    let (label, aggregation, value, series) = match &req.value {
        ValueSpec::DriftScore(column) => {
            let (Some(r), Some(c)) = (reference, current) else {
                return Err(SeasonalityError::DriftNeedsBothFiles {
                    column: column.clone(),
                });
            };
            let series = drift_series(
                r,
                c,
                inputs.roles,
                inputs.renames,
                column,
                time,
                req.frequency,
                progress,
            )?;
            let label = format!("drift score of {column}");
            (label, Aggregation::Mean, None, series)
        }
        spec => {
            let value = resolve(spec, req.aggregation, inputs.roles)?;
            let series = build_series(&chosen, time, &value, req.frequency)?;
            (value.label.clone(), value.aggregation, Some(value), series)
        }
    };
    progress.check()?;
    progress.set(Some(0.3), "Detecting periods");
    // One detection for both the listed candidates and the decomposition's choice.
    let detection = report::detect_series(&series, req.params.max_candidates.max(12));
    let mut candidates = detection.clone().unwrap_or_default();
    candidates.truncate(12);
    progress.check()?;
    progress.set(Some(0.5), "Decomposing");
    let report =
        analyze_series_detected(&series, &req.params, detection).map_err(|e| e.to_string());
    progress.check()?;
    progress.set(Some(0.8), "Comparing production with training");
    // The season of the comparison: the decomposed period, else the chosen one, else the
    // calendar's first (a week for daily data).
    let period = match &report {
        Ok(r) => r.periods.first().copied(),
        Err(_) => req.params.periods.iter().min().copied().or_else(|| {
            series
                .frequency
                .and_then(|f| f.calendar_periods().first().copied())
        }),
    };
    let comparison = match (period, reference, current, time, &value) {
        (Some(period), Some(reference), Some(current), Some(_), Some(value)) => {
            let both = build_series(&[reference], time, value, req.frequency)
                .and_then(|a| build_series(&[current], time, value, req.frequency).map(|b| (a, b)));
            Some(match both {
                Ok((a, b)) => compare_series(&a, &b, period, req.alpha).map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            })
        }
        _ => None,
    };
    let x = match &series.timestamps {
        Some(t) => t
            .iter()
            .map(|m| *m as f64 / MICROS_PER_DAY as f64)
            .collect(),
        None => (0..series.len()).map(|i| i as f64).collect(),
    };
    Ok(SeasonalityOutcome {
        value: req.value.clone(),
        label,
        aggregation,
        time: req.time.clone(),
        // A drift score is always production's windows against training.
        data: if value.is_none() {
            DataChoice::Current
        } else {
            req.data
        },
        series,
        x,
        candidates,
        report,
        comparison,
    })
}

/// The drift score of `column` (its training name) in each day, week or month of the current
/// data against the whole reference, as a regular series (periods without rows are filled like
/// any gap). Windows follow `time`.
#[allow(clippy::too_many_arguments)]
fn drift_series(
    reference: &Dataset,
    current: &Dataset,
    roles: &RoleMap,
    renames: &Renames,
    column: &str,
    time: Option<&str>,
    frequency: SamplingFrequency,
    progress: &Progress,
) -> Result<TimeSeries, SeasonalityError> {
    let spec = match frequency {
        SamplingFrequency::Day => WindowSpec::Day,
        SamplingFrequency::Week => WindowSpec::Week,
        SamplingFrequency::Month => WindowSpec::Month,
        other => return Err(SeasonalityError::DriftFrequency(other)),
    };
    let Some(time) = time else {
        return Err(SeasonalityError::DriftNeedsTime);
    };
    // Test this column only: every other feature is left out of the pass.
    let current_name = renames.current_name(column);
    let mut only = roles.clone();
    for c in reference.columns.iter().chain(&current.columns) {
        if c.name != column && c.name != current_name && only.get(&c.name) == Role::Feature {
            only.set(&c.name, Role::Ignored);
        }
    }
    only.set(column, Role::Feature);
    only.set(time, Role::Timestamp);
    let settings = DriftSettings {
        windows: Some(spec),
        ..DriftSettings::verdicts_only()
    };
    let inputs = DriftInputs {
        reference,
        current,
        roles: &only,
        renames,
    };
    let run = run_drift(&inputs, &settings, progress)?;
    let windowed = run.windows.ok_or(SeasonalityError::NoWindows)?;
    let scores = windowed
        .columns
        .iter()
        .find(|c| c.column == column)
        .ok_or_else(|| SeasonalityError::NotTested {
            column: column.to_string(),
            reason: run
                .skipped
                .iter()
                .find(|s| s.column == column)
                .map(|s| s.reason.to_string()),
        })?;
    let times: Vec<Option<i64>> = windowed.windows.iter().map(|w| w.start).collect();
    Ok(timeseries::build(
        &[Segment {
            times: Some(&times),
            values: &scores.scores,
        }],
        &BuildParams {
            frequency,
            aggregation: Aggregation::Mean,
        },
    )?)
}

/// Best-of-`repeat` timings of [`bench`], in seconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchTimings {
    /// Series length.
    pub points: usize,
    /// Seasonal period.
    pub period: usize,
    /// Runs per setting (at least 1).
    pub repeat: usize,
    /// STL without robustness weights.
    pub stl: f64,
    /// Robust STL.
    pub stl_robust: f64,
    /// The series builder: `points` rows with timestamps over two years to hourly means.
    pub builder: f64,
}

/// STL and series-builder timings on a synthetic series of `points` points (a trend, a sine of
/// `period` points and uniform noise from a fixed seed, so every run times the same work):
/// the README's speed figure (`sextant bench-seasonality`).
pub fn bench(
    points: usize,
    period: usize,
    repeat: usize,
) -> Result<BenchTimings, SeasonalityError> {
    // A period under 2 has no season (and 0 would divide by zero below).
    if period < 2 {
        return Err(StlError::PeriodTooSmall { period }.into());
    }
    let repeat = repeat.max(1);
    let mut state = 42u64;
    let y: Vec<f64> = (0..points)
        .map(|i| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let noise = (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
            let phase = (i % period) as f64 / period as f64 * std::f64::consts::TAU;
            1e-5 * i as f64 + 3.0 * phase.sin() + noise
        })
        .collect();
    let mut stl_best = [f64::INFINITY; 2];
    for (best, robust) in stl_best.iter_mut().zip([false, true]) {
        let params = StlParams::new(period).with_robust(robust);
        for _ in 0..repeat {
            let start = std::time::Instant::now();
            let fit = stl::decompose(&y, &params)?;
            *best = best.min(start.elapsed().as_secs_f64());
            std::hint::black_box(fit);
        }
    }
    // The builder: `points` rows with timestamps over two years, mean per hour.
    let step_micros = 2 * 365 * MICROS_PER_DAY / points.max(1) as i64;
    let times: Vec<Option<i64>> = (0..points)
        .map(|i| Some(1_704_067_200_000_000 + i as i64 * step_micros))
        .collect();
    let values: Vec<Option<f64>> = y.iter().map(|v| Some(*v)).collect();
    let mut builder = f64::INFINITY;
    for _ in 0..repeat {
        let start = std::time::Instant::now();
        let series = timeseries::build(
            &[Segment {
                times: Some(&times),
                values: &values,
            }],
            &BuildParams {
                frequency: SamplingFrequency::Hour,
                aggregation: Aggregation::Mean,
            },
        )?;
        builder = builder.min(start.elapsed().as_secs_f64());
        std::hint::black_box(series);
    }
    Ok(BenchTimings {
        points,
        period,
        repeat,
        stl: stl_best[0],
        stl_robust: stl_best[1],
        builder,
    })
}

#[cfg(test)]
mod tests {
    use std::hash::DefaultHasher;

    use polars::prelude::{DataFrame, NamedFrom, Series};

    use super::*;

    fn hash_of(key: &SeasonalityKey) -> u64 {
        let mut h = DefaultHasher::new();
        key.hash(&mut h);
        h.finish()
    }

    /// Forty rows of a weekly pattern, in file order.
    fn weekly() -> Dataset {
        let y: Vec<f64> = (0..40)
            .map(|i| f64::from(i % 7) + 0.01 * f64::from(i))
            .collect();
        let frame =
            DataFrame::new_infer_height(vec![Series::new("y".into(), y).into()]).expect("frame");
        Dataset::from_frame("weekly.csv".into(), frame, &Progress::silent()).expect("dataset")
    }

    fn row_order_mean_of_y() -> SeasonalitySettings {
        SeasonalitySettings {
            time: TimeAxis::RowOrder,
            value: ValueSpec::Column("y".into()),
            periods: vec![7],
            ..SeasonalitySettings::default()
        }
    }

    #[test]
    fn alpha_stays_out_of_session_text_at_its_default() {
        let default = SeasonalitySettings::default();
        let text = ron::to_string(&default).expect("ron");
        assert!(!text.contains("alpha"), "{text}");
        let back: SeasonalitySettings = ron::from_str(&text).expect("ron");
        assert_eq!(back.alpha, DEFAULT_ALPHA);
        let chosen = SeasonalitySettings {
            alpha: 0.01,
            ..default
        };
        let text = ron::to_string(&chosen).expect("ron");
        assert!(text.contains("alpha:0.01"), "{text}");
        assert_eq!(
            ron::from_str::<SeasonalitySettings>(&text).expect("ron"),
            chosen
        );
    }

    #[test]
    fn keys_follow_the_settings_roles_and_renames() {
        let roles = RoleMap::default();
        let none = Renames::new();
        let settings = row_order_mean_of_y();
        let key = settings.key(&roles, &none);
        assert_eq!(key, settings.clone().key(&roles, &none));
        assert_eq!(hash_of(&key), hash_of(&settings.key(&roles, &none)));
        let other_alpha = SeasonalitySettings {
            alpha: 0.01,
            ..settings.clone()
        };
        assert_ne!(hash_of(&key), hash_of(&other_alpha.key(&roles, &none)));
        let mut renamed = Renames::new();
        renamed.add("y2", "y");
        assert_ne!(hash_of(&key), hash_of(&settings.key(&roles, &renamed)));
        // 0.0 and -0.0 are the same threshold: the same key.
        let zero = |z: f64| SeasonalitySettings {
            anomaly_threshold: z,
            ..settings.clone()
        };
        assert_eq!(
            hash_of(&zero(0.0).key(&roles, &none)),
            hash_of(&zero(-0.0).key(&roles, &none))
        );
    }

    #[test]
    fn runs_on_the_chosen_data_and_stops_when_cancelled() {
        let data = weekly();
        let roles = RoleMap::default();
        let renames = Renames::new();
        let inputs = SeasonalityInputs {
            reference: Some(&data),
            current: None,
            roles: &roles,
            renames: &renames,
        };
        let settings = row_order_mean_of_y();
        let outcome = run(&inputs, &settings, &Progress::silent()).expect("outcome");
        assert_eq!(outcome.series.len(), 40);
        assert_eq!(outcome.report.as_ref().expect("report").periods, vec![7]);
        // No time axis and no production file: no comparison.
        assert!(outcome.comparison.is_none());

        let cancelled = Progress::silent();
        cancelled.cancel();
        assert_eq!(
            run(&inputs, &settings, &cancelled),
            Err(SeasonalityError::Cancelled(Cancelled))
        );

        let production = SeasonalitySettings {
            data: DataChoice::Current,
            ..settings
        };
        let err = run(&inputs, &production, &Progress::silent()).expect_err("not loaded");
        assert_eq!(err, SeasonalityError::NotLoaded(DataChoice::Current));
        assert_eq!(
            err.to_string(),
            "The production file is not loaded; open it or choose other data"
        );
    }
}

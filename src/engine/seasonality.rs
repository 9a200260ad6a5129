//! The seasonality pass over loaded datasets: the settings a user chooses (what the Seasonality
//! tab edits and a session stores), and the computation from settings to a decomposed series,
//! its candidate periods and the season-aware comparison of production with training. Shared by
//! the tab's background job and the report.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::analysis::seasonality::compare::SeasonAwareReport;
use crate::analysis::seasonality::periods::PeriodCandidate;
use crate::analysis::seasonality::report::{self, compare_series};
use crate::analysis::seasonality::timeseries::{self, BuildParams, Segment};
use crate::analysis::seasonality::{
    Aggregation, SamplingFrequency, SeasonalityParams, SeasonalityReport, StlOptions, TimeSeries,
    analyze_series,
};
use crate::analysis::windows::WindowSpec;
use crate::data::series::{ValueSpec, build_series, resolve};
use crate::data::{Dataset, RoleMap};
use crate::engine::drift::{DriftInputs, DriftSettings, run as run_drift};
use crate::vocab::Progress;
use crate::vocab::Role;
use crate::vocab::time::MICROS_PER_DAY;

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
    pub const ALL: [DataChoice; 3] = [Self::Reference, Self::Current, Self::Both];

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

/// What the user chose in the Seasonality tab.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SeasonalitySettings {
    pub data: DataChoice,
    pub time: TimeAxis,
    pub value: ValueSpec,
    pub aggregation: Aggregation,
    pub frequency: SamplingFrequency,
    /// Chosen periods; empty = the strongest detected candidate.
    pub periods: Vec<usize>,
    /// Seasonal window of STL (one period).
    pub seasonal: usize,
    /// Seasonal window per period for MSTL (absent: statsmodels' 7 + 4 i).
    pub mstl_windows: BTreeMap<usize, usize>,
    /// Trend, low-pass, degrees, jumps, robustness.
    pub options: StlOptions,
    pub anomaly_threshold: f64,
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
        }
    }
}

impl SeasonalitySettings {
    /// The time column these settings use with these roles (`None`: row order).
    pub fn time_column(&self, roles: &RoleMap) -> Option<String> {
        match &self.time {
            TimeAxis::Role => roles.column_with(Role::Timestamp).map(str::to_string),
            TimeAxis::Column(c) => Some(c.clone()),
            TimeAxis::RowOrder => None,
        }
    }

    /// A stable key of everything a computation depends on besides the data.
    pub fn key_text(&self, roles: &RoleMap) -> String {
        format!("{:?}", (self.request(roles), roles))
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
        }
    }
}

/// What one computation produced: everything the tab and the report show.
pub struct SeasonalityOutcome {
    /// Title of the value ("row count", "income (mean)").
    pub label: String,
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
    /// The decomposition, or why it could not be made.
    pub report: Result<SeasonalityReport, String>,
    /// Production against training season by season (when both are loaded and a time axis exists).
    pub comparison: Option<Result<SeasonAwareReport, String>>,
}

/// The settings resolved against the roles: what one computation needs.
#[derive(Debug, Clone)]
struct Request {
    data: DataChoice,
    time: Option<String>,
    value: ValueSpec,
    aggregation: Aggregation,
    frequency: SamplingFrequency,
    params: SeasonalityParams,
}

/// The whole computation: read the columns, build the series, detect periods, decompose, compare.
/// `renames` (production name, training name) matter only for `@drift` of a renamed column.
pub fn compute(
    settings: &SeasonalitySettings,
    roles: &RoleMap,
    renames: &[(String, String)],
    datasets: [Option<&Dataset>; 2],
    progress: &Progress,
) -> Result<SeasonalityOutcome, String> {
    let req = settings.request(roles);
    let cancelled = |_| "cancelled".to_string();
    progress.set(Some(0.0), "Building the series");
    let [reference, current] = datasets;
    let chosen: Vec<&Dataset> = match req.data {
        DataChoice::Reference => reference.into_iter().collect(),
        DataChoice::Current => current.into_iter().collect(),
        DataChoice::Both => reference.into_iter().chain(current).collect(),
    };
    if chosen.is_empty() {
        return Err(format!(
            "{} is not loaded; open it or choose other data",
            match req.data {
                DataChoice::Reference => "The training file",
                DataChoice::Current => "The production file",
                DataChoice::Both => "No file",
            }
        ));
    }
    let time = req.time.as_deref();
    // `@drift` is built by the drift engine from both files; other values from the rows.
    let (label, value, series) = match &req.value {
        ValueSpec::DriftScore(column) => {
            let (Some(r), Some(c)) = (reference, current) else {
                return Err(format!(
                    "The drift score of \"{column}\" compares production with training; open both files"
                ));
            };
            let series = drift_series(r, c, roles, renames, column, time, req.frequency, progress)?;
            (format!("drift score of {column}"), None, series)
        }
        spec => {
            let value = resolve(spec, req.aggregation, roles).map_err(|e| e.to_string())?;
            let series =
                build_series(&chosen, time, &value, req.frequency).map_err(|e| e.to_string())?;
            (value.label.clone(), Some(value), series)
        }
    };
    progress.check().map_err(cancelled)?;
    progress.set(Some(0.3), "Detecting periods");
    let candidates = report::candidates(&series, 12);
    progress.check().map_err(cancelled)?;
    progress.set(Some(0.5), "Decomposing");
    let report = analyze_series(&series, &req.params).map_err(|e| e.to_string());
    progress.check().map_err(cancelled)?;
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
                Ok((a, b)) => compare_series(&a, &b, period, 0.05).map_err(|e| e.to_string()),
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
        label,
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
/// any gap). Windows follow `time` (the timestamp role when `None`).
#[allow(clippy::too_many_arguments)]
pub fn drift_series(
    reference: &Dataset,
    current: &Dataset,
    roles: &RoleMap,
    renames: &[(String, String)],
    column: &str,
    time: Option<&str>,
    frequency: SamplingFrequency,
    progress: &Progress,
) -> Result<TimeSeries, String> {
    let spec = match frequency {
        SamplingFrequency::Day => WindowSpec::Day,
        SamplingFrequency::Week => WindowSpec::Week,
        SamplingFrequency::Month => WindowSpec::Month,
        other => {
            return Err(format!(
                "The drift score is computed per day, week or month, not per {}",
                other.name()
            ));
        }
    };
    let Some(time) = time else {
        return Err("The drift score per period needs a time axis (a timestamp column)".into());
    };
    // Test this column only: every other feature is left out of the pass.
    let current_name = renames
        .iter()
        .find(|(_, old)| old == column)
        .map_or(column, |(new, _)| new.as_str());
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
    let drift_renames = crate::vocab::Renames::from(renames.to_vec());
    let inputs = DriftInputs {
        reference,
        current,
        roles: &only,
        renames: &drift_renames,
    };
    let run = run_drift(&inputs, &settings, progress).map_err(|e| e.to_string())?;
    let windowed = run
        .windows
        .ok_or_else(|| "The production data has no time windows".to_string())?;
    let scores = windowed
        .columns
        .iter()
        .find(|c| c.column == column)
        .ok_or_else(|| {
            let why = run
                .skipped
                .iter()
                .find(|s| s.column == column)
                .map_or_else(String::new, |s| format!(": {}", s.reason));
            format!("\"{column}\" was not tested for drift{why}")
        })?;
    let times: Vec<Option<i64>> = windowed.windows.iter().map(|w| w.start).collect();
    timeseries::build(
        &[Segment {
            times: Some(&times),
            values: &scores.scores,
        }],
        &BuildParams {
            frequency,
            aggregation: Aggregation::Mean,
        },
    )
    .map_err(|e| e.to_string())
}

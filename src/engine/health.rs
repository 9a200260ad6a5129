//! The health pass over two datasets, the one entry point every front end calls ([`run`]):
//! pull the target, prediction, timestamp, latency and null masks out of the frames, score
//! feature drift over the same windows with the drift engine, and run the pure health
//! analysis with its windows fanned out over the cores.

use crate::analysis::alerts::AlertRule;
use crate::analysis::drift::DriftDirection;
use crate::analysis::health::detectors::{self, DetectorReport};
use crate::analysis::health::versions::VersionColumn;
use crate::analysis::health::{
    FeatureDriftInput, HealthError, HealthInput, HealthParams, HealthPlan, HealthReport, Metric,
    SideData, Task, WindowHealth,
};
use crate::analysis::windows::WindowSpec;
use crate::data::{Dataset, RoleMap};
use crate::vocab::{Cancelled, Progress, Renames, Role};

use super::columns;
use super::drift::{self as drift_engine, DriftError, DriftInputs, DriftSettings};
use super::parallel_map;

/// What the user chose in the Health tab or on the command line; saved and restored with the
/// session.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize, Default)]
#[serde(default)]
pub struct HealthSettings {
    /// The metric drawn (`None` = ROC AUC, or MAE for regression).
    pub metric: Option<Metric>,
    /// Decision threshold (`None` = 0.5).
    pub threshold: Option<f64>,
    /// Windows (`None` = weeks).
    pub windows: Option<WindowSpec>,
    /// The floor the metric should stay above (a ceiling for error metrics).
    pub floor: Option<f64>,
    /// Alert rules evaluated on every window.
    pub rules: Vec<AlertRule>,
    /// Columns (`None` = by role).
    pub target: Option<String>,
    pub prediction: Option<String>,
    pub time: Option<String>,
    /// Latency columns (`None` = columns named like latency).
    pub latency: Option<Vec<String>>,
    /// Score every feature's drift per window too (for drift share and attribution);
    /// `None` = yes.
    pub feature_drift: Option<bool>,
    /// Classification or regression (`None` = inferred from the values). The fields from here
    /// on are left out of a session while unset, so that sessions read as they always did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task: Option<Task>,
    /// Bootstrap resamples per window (`None` = 200; 0 = no intervals).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bootstrap: Option<usize>,
    /// Seed of the bootstrap (`None` = 42).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// The model version column (`None` = no versions table); the window fills it from the
    /// `model_version` role.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The Feedback section's settings (`None` = its defaults; the health pass ignores them).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feedback: Option<super::feedback::FeedbackSettings>,
}

/// What every presenter of the health pass reads: metrics, intervals and estimates per
/// window, detectors, staleness, attribution and alerts.
pub type HealthOutcome = HealthReport;

/// The data the health pass runs on.
#[derive(Clone, Copy)]
pub struct HealthInputs<'a> {
    pub reference: &'a Dataset,
    pub current: &'a Dataset,
    pub roles: &'a RoleMap,
    /// Production columns compared with their training names (feature drift).
    pub renames: &'a Renames,
    /// A drift pass of the same data, roles and renames already made with every column's
    /// default test and threshold and no correction (the report's): when its windows are the
    /// health windows over the same time column, feature drift per window is read from it
    /// instead of a second pass. `None`: the health pass scores the features itself.
    pub drift: Option<&'a drift_engine::DriftOutcome>,
}

impl HealthSettings {
    /// Every number of the settings inside its documented range ([`super::ranges`]),
    /// the Feedback section's included.
    pub fn validate(&self) -> Result<(), super::ranges::RangeError> {
        use super::ranges;
        ranges::HEALTH_THRESHOLD.check_opt(self.threshold)?;
        ranges::HEALTH_FLOOR.check_opt(self.floor)?;
        ranges::check_windows(self.windows)?;
        ranges::HEALTH_BOOTSTRAP.check_opt(self.bootstrap)?;
        for rule in &self.rules {
            ranges::ALERT_THRESHOLD.check(rule.threshold)?;
        }
        if let Some(f) = &self.feedback {
            f.validate()?;
        }
        Ok(())
    }

    pub fn threshold(&self) -> f64 {
        self.threshold.unwrap_or(0.5)
    }

    pub fn windows(&self) -> WindowSpec {
        self.windows.unwrap_or(WindowSpec::Week)
    }

    pub fn feature_drift(&self) -> bool {
        self.feature_drift.unwrap_or(true)
    }

    /// The analysis parameters.
    pub fn params(&self) -> HealthParams {
        let defaults = HealthParams::default();
        HealthParams {
            task: self.task,
            bootstrap: self.bootstrap.unwrap_or(defaults.bootstrap),
            seed: self.seed.unwrap_or(defaults.seed),
            threshold: self.threshold(),
            windows: self.windows(),
            staleness_metric: self.metric,
            floor: self.floor,
            rules: self.rules.clone(),
            ..defaults
        }
    }

    pub fn columns(&self) -> HealthColumns {
        HealthColumns {
            target: self.target.clone(),
            prediction: self.prediction.clone(),
            time: self.time.clone(),
            latency: self.latency.clone(),
        }
    }
}

/// Which columns the pass reads (by name; the roles fill in what is not given).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct HealthColumns {
    pub target: Option<String>,
    pub prediction: Option<String>,
    pub time: Option<String>,
    /// Columns whose percentiles are reported; `None` picks numeric columns whose name says
    /// latency (`latency`, `duration`, `_ms`).
    pub latency: Option<Vec<String>>,
}

/// Why the pass could not run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum HealthRunError {
    #[error(transparent)]
    Range(#[from] super::ranges::RangeError),
    #[error(
        "no {role} column: give one its role (or pass --{flag}); the {side} data has columns {columns}"
    )]
    NoColumn {
        role: &'static str,
        flag: &'static str,
        side: &'static str,
        columns: String,
    },
    #[error("the {side} data has no column \"{column}\"")]
    Missing { side: &'static str, column: String },
    #[error(
        "the {side} column \"{column}\" is not numeric (it holds {dtype}), so it cannot be a {role}"
    )]
    NotNumeric {
        side: &'static str,
        column: String,
        dtype: String,
        role: &'static str,
    },
    #[error("the {side} column \"{column}\" is not a date or time, so it cannot order the rows")]
    NotTime { side: &'static str, column: String },
    #[error("{0}")]
    Health(#[from] HealthError),
    #[error("{0}")]
    Drift(#[from] DriftError),
    #[error("the health analysis was cancelled")]
    Cancelled,
}

impl From<Cancelled> for HealthRunError {
    fn from(_: Cancelled) -> Self {
        Self::Cancelled
    }
}

/// Whether a column's name says it measures latency.
pub fn is_latency_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.contains("latency") || n.contains("duration") || n.ends_with("_ms")
}

fn numeric_column(
    ds: &Dataset,
    side: &'static str,
    column: &str,
    role: &'static str,
) -> Result<Vec<Option<f64>>, HealthRunError> {
    let s = ds
        .frame
        .column(column)
        .map_err(|_| HealthRunError::Missing {
            side,
            column: column.to_string(),
        })?;
    let s = s.as_materialized_series();
    let storage = columns::storage_of(s.dtype());
    if !matches!(
        storage,
        columns::Storage::Float | columns::Storage::Integer | columns::Storage::Boolean
    ) {
        return Err(HealthRunError::NotNumeric {
            side,
            column: column.to_string(),
            dtype: s.dtype().to_string(),
            role,
        });
    }
    columns::numeric(s).ok_or_else(|| HealthRunError::NotNumeric {
        side,
        column: column.to_string(),
        dtype: s.dtype().to_string(),
        role,
    })
}

fn time_column(
    ds: &Dataset,
    side: &'static str,
    column: &str,
) -> Result<Vec<Option<i64>>, HealthRunError> {
    let s = ds
        .frame
        .column(column)
        .map_err(|_| HealthRunError::Missing {
            side,
            column: column.to_string(),
        })?;
    columns::times(s.as_materialized_series()).ok_or_else(|| HealthRunError::NotTime {
        side,
        column: column.to_string(),
    })
}

/// The resolved column names: target, prediction, time.
pub fn resolve_columns(
    current: &Dataset,
    roles: &RoleMap,
    cols: &HealthColumns,
) -> Result<(String, String, Option<String>), HealthRunError> {
    let names = || {
        current
            .frame
            .get_column_names()
            .iter()
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    // A column named by the user, else the one with the role; none is an error listing the
    // columns there are.
    let by_role = |given: &Option<String>, role: Role, name: &'static str| {
        given
            .clone()
            .or_else(|| roles.column_with(role).map(String::from))
            .ok_or_else(|| HealthRunError::NoColumn {
                role: name,
                flag: name,
                side: "current",
                columns: names(),
            })
    };
    let target = by_role(&cols.target, Role::Target, "target")?;
    let prediction = by_role(&cols.prediction, Role::Prediction, "prediction")?;
    let time = cols
        .time
        .clone()
        .or_else(|| roles.column_with(Role::Timestamp).map(String::from));
    Ok((target, prediction, time))
}

/// The feature columns of a drift pass whose windows are `spec`, without `left_out` (target,
/// prediction, version), each window's share of drifted columns recounted over those left:
/// what a drift pass of the features alone gives, since every column is tested on its own
/// and no correction joins them. `None` when the pass has other windows or none.
fn features_of(
    drift: &drift_engine::DriftOutcome,
    spec: crate::analysis::windows::WindowSpec,
    left_out: &[&str],
) -> Option<drift_engine::DriftOutcome> {
    let w = drift.windows.as_ref().filter(|w| w.spec == spec)?;
    let keep: Vec<bool> = w
        .columns
        .iter()
        .map(|c| !left_out.contains(&c.column.as_str()))
        .collect();
    if drift.columns.len() != keep.len() {
        return None;
    }
    fn kept<T: Clone>(items: &[T], keep: &[bool]) -> Vec<T> {
        items
            .iter()
            .zip(keep)
            .filter(|(_, k)| **k)
            .map(|(c, _)| c.clone())
            .collect()
    }
    let columns = kept(&w.columns, &keep);
    let drift_share = (0..w.windows.len())
        .map(|i| {
            let tested = columns.iter().filter(|c| c.scores[i].is_some()).count();
            let drifted = columns.iter().filter(|c| c.drifted[i]).count();
            if tested == 0 {
                0.0
            } else {
                drifted as f64 / tested as f64
            }
        })
        .collect();
    let mut out = drift.clone();
    out.columns = kept(&drift.columns, &keep);
    out.windows = Some(drift_engine::WindowedDrift {
        columns,
        drift_share,
        ..w.clone()
    });
    Some(out)
}

/// Run the health pass under `settings`. With feature drift on (the default) every feature is
/// also scored per window with the drift engine (for `drift_share` and the attribution).
pub fn run(
    inputs: &HealthInputs<'_>,
    settings: &HealthSettings,
    progress: &Progress,
) -> Result<HealthOutcome, HealthRunError> {
    let HealthInputs {
        reference,
        current,
        roles,
        renames,
        drift: inputs_drift,
    } = *inputs;
    settings.validate()?;
    let cols = &settings.columns();
    let params = &settings.params();
    let feature_drift = settings.feature_drift();
    progress.set(Some(0.0), "Reading the target and prediction");
    let (target, prediction, time) = resolve_columns(current, roles, cols)?;
    let ref_target = numeric_column(reference, "reference", &target, "target")?;
    let ref_pred = numeric_column(reference, "reference", &prediction, "prediction")?;
    // Production data often has no labels yet: without the column, every row is unlabelled
    // and the label-free estimates still run.
    let cur_target = if current.frame.column(&target).is_ok() {
        numeric_column(current, "current", &target, "target")?
    } else {
        vec![None; current.rows()]
    };
    let cur_pred = numeric_column(current, "current", &prediction, "prediction")?;
    let (ref_times, cur_times) = match &time {
        Some(t) if params.windows.needs_time() || reference.frame.column(t).is_ok() => {
            let r = time_column(reference, "reference", t).ok();
            (r, Some(time_column(current, "current", t)?))
        }
        _ => (None, None),
    };
    let latency_names: Vec<String> = match &cols.latency {
        Some(v) => v.clone(),
        None => current
            .columns
            .iter()
            .filter(|c| c.kind == crate::vocab::ColumnKind::Numeric && is_latency_name(&c.name))
            .map(|c| c.name.clone())
            .collect(),
    };
    let latency_values: Vec<(String, Vec<Option<f64>>)> = latency_names
        .iter()
        .map(|n| Ok((n.clone(), numeric_column(current, "current", n, "latency")?)))
        .collect::<Result<_, HealthRunError>>()?;
    // Null masks only of the columns that rules ask about (`null_rate:COL`).
    let null_columns: Vec<&str> = params
        .rules
        .iter()
        .filter_map(|r| r.value.strip_prefix("null_rate:"))
        .collect();
    let nulls: Vec<(String, Vec<bool>)> = current
        .frame
        .columns()
        .iter()
        .filter(|c| null_columns.contains(&c.name().as_str()))
        .map(|c| {
            let mask = c.as_materialized_series().is_null();
            let float_nan = c.as_materialized_series().f64().ok().map(|f| {
                f.iter()
                    .map(|v| v.is_some_and(f64::is_nan))
                    .collect::<Vec<_>>()
            });
            let m: Vec<bool> = mask
                .iter()
                .enumerate()
                .map(|(i, v)| v.unwrap_or(false) || float_nan.as_ref().is_some_and(|f| f[i]))
                .collect();
            (c.name().to_string(), m)
        })
        .collect();
    progress.check()?;

    let (features, drift_share) = if feature_drift {
        progress.set(Some(0.1), "Scoring feature drift per window");
        let mut feature_roles = roles.clone();
        for c in [&target, &prediction] {
            feature_roles.set(c, Role::Ignored);
        }
        if let Some(v) = &settings.version {
            feature_roles.set(v, Role::Ignored);
        }
        if let Some(t) = &time {
            feature_roles.set(t, Role::Timestamp);
        }
        let drift_settings = DriftSettings {
            windows: Some(params.windows),
            ..DriftSettings::verdicts_only()
        };
        let inputs = DriftInputs {
            reference,
            current,
            roles: &feature_roles,
            renames,
        };
        let left_out: Vec<&str> = [Some(&target), Some(&prediction), settings.version.as_ref()]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect();
        let same_windows = time.as_deref() == roles.column_with(Role::Timestamp);
        let reused = inputs_drift
            .filter(|_| same_windows)
            .and_then(|d| features_of(d, params.windows, &left_out));
        let run = match reused {
            Some(run) => run,
            None => drift_engine::run(&inputs, &drift_settings, progress)?,
        };
        match run.windows {
            Some(w) => {
                let features = w
                    .columns
                    .iter()
                    .zip(&run.columns)
                    .map(|(wc, c)| FeatureDriftInput {
                        column: wc.column.clone(),
                        scores: wc.scores.clone(),
                        drifted: wc.drifted.clone(),
                        higher_is_drift: c.verdict.method.is_some_and(|m| {
                            matches!(
                                m.direction(),
                                DriftDirection::ScoreAbove | DriftDirection::ScoreAtOrAbove
                            )
                        }),
                    })
                    .collect();
                (features, Some(w.drift_share))
            }
            None => (Vec::new(), None),
        }
    } else {
        (Vec::new(), None)
    };
    progress.check()?;

    progress.set(Some(0.5), "Measuring the model per window");
    let input = HealthInput {
        reference: SideData {
            target: &ref_target,
            prediction: &ref_pred,
            times: ref_times.as_deref(),
        },
        current: SideData {
            target: &cur_target,
            prediction: &cur_pred,
            times: cur_times.as_deref(),
        },
        latency: latency_values
            .iter()
            .map(|(n, v)| (n.clone(), v.as_slice()))
            .collect(),
        nulls: nulls
            .iter()
            .map(|(n, v)| (n.clone(), v.as_slice()))
            .collect(),
        feature_drift: features,
        drift_share,
    };
    let plan = HealthPlan::new(&input, params)?;
    let (windows, detectors) = evaluate(&plan, &input);
    progress.check()?;
    progress.set(Some(0.9), "Trends, attribution and alerts");
    let mut report = plan.finish(&input, windows, detectors);
    if let Some(column) = &settings.version {
        progress.set(Some(0.95), "Measuring each model version");
        let (codes, labels) = version_codes(current, column)?;
        let versions = VersionColumn {
            column,
            codes: &codes,
            labels: &labels,
        };
        let all: Vec<u32> = (0..labels.len() as u32).collect();
        let done = parallel_map(&all, |&c| plan.evaluate_version(&input, &versions, c));
        report.versions = Some(plan.finish_versions(&versions, done));
        progress.check()?;
    }
    progress.set(Some(1.0), "Done");
    Ok(report)
}

/// A version column of any kind as codes into its distinct values (as text, sorted).
fn version_codes(
    ds: &Dataset,
    column: &str,
) -> Result<(Vec<Option<u32>>, Vec<String>), HealthRunError> {
    let missing = || HealthRunError::Missing {
        side: "current",
        column: column.to_string(),
    };
    let s = ds.frame.column(column).map_err(|_| missing())?;
    let text = s
        .as_materialized_series()
        .cast(&polars::prelude::DataType::String)
        .map_err(|_| missing())?;
    let text = text.str().map_err(|_| missing())?;
    let labels: Vec<String> = text
        .iter()
        .flatten()
        .map(str::to_string)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let index: std::collections::HashMap<&str, u32> = labels
        .iter()
        .enumerate()
        .map(|(i, l)| (l.as_str(), i as u32))
        .collect();
    let codes = text
        .iter()
        .map(|v| v.and_then(|v| index.get(v).copied()))
        .collect();
    Ok((codes, labels))
}

/// Windows and detectors on all cores: every window and every detector is one task.
pub fn evaluate(
    plan: &HealthPlan,
    input: &HealthInput,
) -> (Vec<WindowHealth>, Vec<DetectorReport>) {
    enum Work<'n> {
        Window(usize),
        Detector(&'n str),
    }
    enum Done {
        Window(Box<WindowHealth>),
        Detector(Option<DetectorReport>),
    }
    let errors = plan.errors(input);
    let names = plan.detector_names();
    // Detectors first: each is one long sequential pass, so none should start last.
    let work: Vec<Work> = names
        .iter()
        .map(|n| Work::Detector(n))
        .chain((0..plan.window_count()).map(Work::Window))
        .collect();
    let done = parallel_map(&work, |t| match t {
        Work::Window(w) => Done::Window(Box::new(plan.evaluate_window(input, *w))),
        Work::Detector(n) => Done::Detector(detectors::run_one(plan.task, n, &errors)),
    });
    let (mut windows, mut found) = (Vec::new(), Vec::new());
    for d in done {
        match d {
            Done::Window(w) => windows.push(*w),
            Done::Detector(d) => found.extend(d),
        }
    }
    (windows, found)
}

//! The retraining lab's one entry point ([`run`]) and progressive validation
//! ([`run_progressive`]): pull the label, time, label time and features out of the frames, put
//! the training and production rows end to end in time order, encode the features, and run the
//! backtest of `RETRAINING.md` for every policy × mode (two at a time, one per core).

use std::sync::atomic::{AtomicUsize, Ordering};

use polars::prelude::DataType;
use serde::{Deserialize, Serialize};

use crate::analysis::retrain::encode::{self, MISSING, RawFeature};
use crate::analysis::retrain::online;
use crate::analysis::retrain::policy::format_duration;
use crate::analysis::retrain::{
    self as lab, BacktestData, BacktestError, KappaSegment, Mode, Policy, Prepared, RunReport,
    WindowUnit,
};
use crate::data::{Dataset, RoleMap};
use crate::vocab::{Progress, Renames, Role};

use super::columns::{self, Storage};
use super::parallel_map;

/// Categorical features with more levels than this are left out (one-hot would be wider than
/// the stand-in model can use).
pub const MAX_LEVELS: usize = 100;

/// What the user chose in the Retraining tab or on the command line; saved with the session.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RetrainSettings {
    /// The 0/1 label column (`None` = the target role).
    pub target: Option<String>,
    /// The time column (`None` = the timestamp role).
    pub time: Option<String>,
    /// Feature columns by their training names (`None` = every feature-role column).
    pub features: Option<Vec<String>>,
    /// A label becomes known this long after its row's time (µs), unless `label_time` is set.
    pub label_delay_us: i64,
    /// A column holding when each row's label became known (null = never).
    pub label_time: Option<String>,
    pub windows: WindowUnit,
    pub policies: Vec<Policy>,
    pub modes: Vec<Mode>,
    /// κ: the cost of one retrain, in window log loss.
    pub cost: f64,
    /// Label delays (µs) to re-run the whole backtest with, for the label-delay what-if
    /// (ignored with `label_time`).
    pub what_if_delays_us: Vec<i64>,
}

impl Default for RetrainSettings {
    fn default() -> Self {
        Self {
            target: None,
            time: None,
            features: None,
            label_delay_us: 0,
            label_time: None,
            windows: WindowUnit::Week,
            policies: vec![
                Policy::Never,
                Policy::Every { k: 4 },
                Policy::OnDrift {
                    detector: lab::DetectorKind::Adwin,
                },
                Policy::Floor { accuracy: 0.8 },
            ],
            modes: vec![
                Mode::Scratch,
                Mode::Sliding {
                    micros: 90 * crate::vocab::time::MICROS_PER_DAY,
                },
                Mode::Incremental,
            ],
            cost: 0.5,
            what_if_delays_us: Vec::new(),
        }
    }
}

/// The data of a backtest.
#[derive(Clone, Copy)]
pub struct RetrainInputs<'a> {
    pub reference: &'a Dataset,
    pub current: &'a Dataset,
    pub roles: &'a RoleMap,
    /// Production columns that are training columns under a new name.
    pub renames: &'a Renames,
}

/// The protocol as run, in short (the JSON `protocol`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Protocol {
    pub target: String,
    pub time: String,
    /// "label time column X" or "row time + 3d".
    pub labels: String,
    pub windows: WindowUnit,
    /// S and T_w0 (µs since the epoch).
    pub origin: i64,
    pub first_window: i64,
    pub cost: f64,
    /// The raw features and the encoded columns the model sees.
    pub features: Vec<String>,
    pub encoded_columns: Vec<String>,
    pub reference_rows: usize,
    pub current_rows: usize,
    /// Rows left out (no time, a missing or non-finite numeric feature).
    pub excluded_rows: usize,
    /// The rules, one sentence each.
    pub steps: Vec<String>,
}

/// The label-delay what-if: the best run had labels come this late.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DelayWhatIf {
    pub label_delay_us: i64,
    pub label_delay: String,
    pub policy: Policy,
    pub mode: Mode,
    pub retrain_count: usize,
    pub sum_window_log_loss: f64,
    pub total_cost: f64,
}

/// Every number of a backtest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RetrainOutcome {
    pub protocol: Protocol,
    pub runs: Vec<RunReport>,
    /// Index of the run of least total cost.
    pub best: Option<usize>,
    /// Runs on the cost frontier (retrains vs Σ log loss), by retrains.
    pub frontier: Vec<usize>,
    /// The best run as κ grows.
    pub kappa_what_if: Vec<KappaSegment>,
    pub delay_what_if: Vec<DelayWhatIf>,
    /// Things worth knowing that did not stop the backtest (dropped features, one-class
    /// windows, constant features).
    pub notes: Vec<String>,
    /// For each predicted row (sorted order, from the first production window): its 0-based
    /// row in the production file, or "reference:N" for a training row dated that late.
    #[serde(skip)]
    pub predicted_rows: Vec<String>,
    /// The Health tab's drift-detector alarms on the deployed model's error stream (its
    /// prediction column against the labels of the production file), in time order: what a
    /// user compares the policies' retrains with. Empty, with a note, without a prediction.
    #[serde(default)]
    pub detector_alarms: Vec<DetectorAlarm>,
}

/// One alarm of a Health-tab detector.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DetectorAlarm {
    /// "ADWIN", "DDM" or "Page-Hinkley", as the Health tab names them.
    pub detector: String,
    /// The time of the production row where it fired (µs since the epoch, UTC).
    pub at: i64,
    /// That row of the production file (0-based).
    pub row: usize,
}

/// The Health detectors whose alarms the Retraining tab draws: the ones an on-drift policy
/// can use, so that a user sees the deployed model's alarms beside the stand-in's retrains.
/// (EDDM, HDDM_A and KSWIN stay on the Health tab: EDDM fires dozens of times on the sample,
/// which would bury the retrain markers.)
pub const ALARM_DETECTORS: [&str; 3] = ["ADWIN", "DDM", "Page-Hinkley"];

/// The Health engine's detector alarms for the backtest's label and time, computed by the
/// Health pass itself (default threshold 0.5; no feature drift or bootstrap, which the
/// detectors do not read) so that they are the ones the Health tab shows.
fn detector_alarms(
    inputs: &RetrainInputs<'_>,
    target: &str,
    time: &str,
) -> Result<Vec<DetectorAlarm>, String> {
    let settings = super::health::HealthSettings {
        target: Some(inputs.renames.current_name(target).to_string()),
        time: Some(inputs.renames.current_name(time).to_string()),
        feature_drift: Some(false),
        bootstrap: Some(0),
        ..Default::default()
    };
    let health = super::health::HealthInputs {
        reference: inputs.reference,
        current: inputs.current,
        roles: inputs.roles,
        renames: inputs.renames,
        drift: None,
    };
    // Silent: the detectors are one pass each, short beside the backtest.
    let report = match super::health::run(&health, &settings, &Progress::silent()) {
        Ok(r) => r,
        Err(super::health::HealthRunError::NoColumn {
            role: "prediction", ..
        }) => {
            return Err(
                "no column has the prediction role, so the Health tab's detector alarms are not drawn".into(),
            );
        }
        Err(e) => {
            return Err(format!(
                "the Health tab's detector alarms are not drawn: {e}"
            ));
        }
    };
    let t = series(inputs.current, "current", inputs.renames.current_name(time))
        .map_err(|e| e.to_string())?;
    let times = columns::times(t).unwrap_or_default();
    let mut out: Vec<DetectorAlarm> = report
        .detectors
        .iter()
        .filter(|d| ALARM_DETECTORS.contains(&d.name.as_str()))
        .flat_map(|d| {
            d.drifts.iter().filter_map(|&row| {
                times.get(row).copied().flatten().map(|at| DetectorAlarm {
                    detector: d.name.clone(),
                    at,
                    row,
                })
            })
        })
        .collect();
    out.sort_by(|a, b| (a.at, a.row, &a.detector).cmp(&(b.at, b.row, &b.detector)));
    Ok(out)
}

/// Progressive validation of the incremental learner on one file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProgressiveOutcome {
    pub target: String,
    pub time: String,
    pub labels: String,
    pub features: Vec<String>,
    pub encoded_columns: Vec<String>,
    pub rows: usize,
    pub excluded_rows: usize,
    /// Over the labelled rows of the file.
    pub accuracy: Option<f64>,
    pub roc_auc: Option<f64>,
    pub log_loss: Option<f64>,
    /// Per row of the file, P(y = 1) (`None` for an excluded row).
    pub probabilities: Vec<Option<f64>>,
    pub notes: Vec<String>,
}

/// Why a backtest could not run: one sentence naming the source and the cause.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RetrainError {
    #[error("no {what} column: pass --{flag} (the {side} data has columns {columns})")]
    NoColumn {
        what: &'static str,
        flag: &'static str,
        side: &'static str,
        columns: String,
    },
    #[error("the {side} data has no column \"{column}\"{hint}")]
    Missing {
        side: &'static str,
        column: String,
        hint: String,
    },
    #[error("the {side} column \"{column}\" {problem}")]
    BadColumn {
        side: &'static str,
        column: String,
        problem: String,
    },
    #[error("no feature is left to train on: {0}")]
    NoFeatures(String),
    #[error("{0}")]
    Setting(String),
    #[error("{0}")]
    Backtest(#[from] BacktestError),
}

/// The columns of one side, row-aligned.
struct Side {
    times: Vec<Option<i64>>,
    labels: Vec<Option<bool>>,
    label_times: Option<Vec<Option<i64>>>,
}

fn column_names(ds: &Dataset) -> String {
    ds.frame
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn series<'d>(
    ds: &'d Dataset,
    side: &'static str,
    column: &str,
) -> Result<&'d polars::prelude::Series, RetrainError> {
    ds.frame
        .column(column)
        .map(|c| c.as_materialized_series())
        .map_err(|_| RetrainError::Missing {
            side,
            column: column.to_string(),
            hint: String::new(),
        })
}

fn read_side(
    ds: &Dataset,
    side: &'static str,
    target: &str,
    time: &str,
    label_time: Option<&str>,
) -> Result<Side, RetrainError> {
    let t = series(ds, side, time)?;
    let times = columns::times(t).ok_or_else(|| RetrainError::BadColumn {
        side,
        column: time.to_string(),
        problem: "is not a date or time, so it cannot order the rows".into(),
    })?;
    let y = series(ds, side, target)?;
    let values = match columns::storage_of(y.dtype()) {
        Storage::Float | Storage::Integer | Storage::Boolean => columns::numeric(y),
        _ => None,
    }
    .ok_or_else(|| RetrainError::BadColumn {
        side,
        column: target.to_string(),
        problem: format!("holds {}, not 0/1 labels", y.dtype()),
    })?;
    let mut labels = Vec::with_capacity(values.len());
    for v in values {
        labels.push(match v {
            None => None,
            Some(0.0) => Some(false),
            Some(1.0) => Some(true),
            Some(v) if v.is_nan() => None,
            Some(v) => {
                return Err(RetrainError::BadColumn {
                    side,
                    column: target.to_string(),
                    problem: format!("holds {v}, but the stand-in model needs 0/1 labels"),
                });
            }
        });
    }
    let label_times = match label_time {
        None => None,
        Some(c) => {
            let s = series(ds, side, c)?;
            Some(columns::times(s).ok_or_else(|| RetrainError::BadColumn {
                side,
                column: c.to_string(),
                problem: "is not a date or time, so it cannot say when labels arrived".into(),
            })?)
        }
    };
    Ok(Side {
        times,
        labels,
        label_times,
    })
}

/// The feature columns: the user's, or every reference column with the feature role whose
/// storage the stand-in model can use. Returns the names and notes on what was left out.
fn choose_features(
    inputs: &RetrainInputs<'_>,
    settings: &RetrainSettings,
    skip: &[&str],
) -> Result<(Vec<String>, Vec<String>), RetrainError> {
    let mut notes = Vec::new();
    let RetrainInputs {
        reference,
        current,
        roles,
        renames,
    } = *inputs;
    let explicit = settings.features.is_some();
    let candidates: Vec<String> = match &settings.features {
        Some(f) => f.clone(),
        None => reference
            .frame
            .get_column_names()
            .iter()
            .map(|n| n.to_string())
            .filter(|n| roles.get(n) == Role::Feature && !skip.contains(&n.as_str()))
            .collect(),
    };
    let mut out = Vec::new();
    for name in candidates {
        let Ok(r) = reference.frame.column(&name) else {
            return Err(RetrainError::Missing {
                side: "reference",
                column: name,
                hint: String::new(),
            });
        };
        let cur_name = renames.current_name(&name);
        if current.frame.column(cur_name).is_err() {
            if explicit {
                return Err(RetrainError::Missing {
                    side: "current",
                    column: name.clone(),
                    hint: format!(
                        ", so the feature is missing in production: pass --rename NEW={name} if it was renamed, or leave it out of --features"
                    ),
                });
            }
            notes.push(format!(
                "feature \"{name}\" is missing in production and was left out (pass --rename NEW={name} if it was renamed)"
            ));
            continue;
        }
        match columns::storage_of(r.dtype()) {
            Storage::Float | Storage::Integer | Storage::Boolean | Storage::String => {
                out.push(name)
            }
            _ if explicit => {
                return Err(RetrainError::BadColumn {
                    side: "reference",
                    column: name,
                    problem: format!(
                        "holds {}, which is neither numbers nor categories",
                        r.dtype()
                    ),
                });
            }
            _ => notes.push(format!(
                "feature \"{name}\" ({}) is neither numbers nor categories and was left out",
                r.dtype()
            )),
        }
    }
    Ok((out, notes))
}

/// Raw features over the reference rows then the current rows.
fn raw_features(
    inputs: &RetrainInputs<'_>,
    names: &[String],
    notes: &mut Vec<String>,
) -> Result<Vec<RawFeature>, RetrainError> {
    let mut out = Vec::new();
    for name in names {
        let r = series(inputs.reference, "reference", name)?;
        let c = series(inputs.current, "current", inputs.renames.current_name(name))?;
        if matches!(columns::storage_of(r.dtype()), Storage::String) {
            let pair = columns::categorical_pair(r, c).ok_or_else(|| RetrainError::BadColumn {
                side: "current",
                column: name.clone(),
                problem: "cannot be read as categories like its training column".into(),
            })?;
            let mut in_reference = vec![false; pair.labels.len()];
            for &code in &pair.reference {
                if code != MISSING {
                    in_reference[code as usize] = true;
                }
            }
            let levels = in_reference.iter().filter(|&&b| b).count();
            if levels > MAX_LEVELS {
                notes.push(format!(
                    "feature \"{name}\" has {levels} categories in training, more than {MAX_LEVELS}, and was left out"
                ));
                continue;
            }
            let mut codes = pair.reference;
            codes.extend_from_slice(&pair.current);
            out.push(RawFeature::Categorical {
                name: name.clone(),
                labels: pair.labels,
                codes,
                in_reference,
            });
        } else {
            let (Some(mut rv), Some(cv)) = (
                columns::numeric(r),
                c.cast(&DataType::Float64)
                    .ok()
                    .and_then(|s| columns::numeric(&s)),
            ) else {
                return Err(RetrainError::BadColumn {
                    side: "current",
                    column: name.clone(),
                    problem: format!("holds {}, not numbers like its training column", c.dtype()),
                });
            };
            rv.extend(cv);
            out.push(RawFeature::Numeric {
                name: name.clone(),
                values: rv,
            });
        }
    }
    Ok(out)
}

/// The backtest's rows, sorted, encoded.
struct Rows {
    x: Vec<f64>,
    d: usize,
    groups: Vec<encode::EncodedGroup>,
    columns: Vec<String>,
    times: Vec<i64>,
    /// Row time + delay or the label-time column, per sorted row.
    label_times: Vec<Option<i64>>,
    /// From the label-time column (when given): kept to recompute for the what-if.
    y: Vec<bool>,
    has_label: Vec<bool>,
    current_start: i64,
    excluded: usize,
    /// Per sorted row: (is current, file row).
    origin: Vec<(bool, usize)>,
    reference_rows: usize,
    current_rows: usize,
}

fn resolve_names(
    inputs: &RetrainInputs<'_>,
    settings: &RetrainSettings,
) -> Result<(String, String), RetrainError> {
    let target = settings
        .target
        .clone()
        .or_else(|| inputs.roles.column_with(Role::Target).map(String::from))
        .ok_or_else(|| RetrainError::NoColumn {
            what: "label",
            flag: "target",
            side: "reference",
            columns: column_names(inputs.reference),
        })?;
    let time = settings
        .time
        .clone()
        .or_else(|| inputs.roles.column_with(Role::Timestamp).map(String::from))
        .ok_or_else(|| RetrainError::NoColumn {
            what: "time",
            flag: "time",
            side: "reference",
            columns: column_names(inputs.reference),
        })?;
    Ok((target, time))
}

fn gather(
    inputs: &RetrainInputs<'_>,
    settings: &RetrainSettings,
    notes: &mut Vec<String>,
) -> Result<(String, String, Vec<String>, Rows), RetrainError> {
    let (target, time) = resolve_names(inputs, settings)?;
    if settings.label_delay_us < 0 {
        return Err(RetrainError::Setting(
            "the label delay cannot be negative".into(),
        ));
    }
    let lt = settings.label_time.as_deref();
    let mut skip = vec![target.as_str(), time.as_str()];
    if let Some(l) = lt {
        skip.push(l);
    }
    let (names, mut n) = choose_features(inputs, settings, &skip)?;
    notes.append(&mut n);
    let rename = |c: &str| inputs.renames.current_name(c).to_string();
    let r = read_side(inputs.reference, "reference", &target, &time, lt)?;
    let cur_target = rename(&target);
    if inputs.current.frame.column(&cur_target).is_err() {
        return Err(RetrainError::Missing {
            side: "current",
            column: cur_target,
            hint: ": the backtest scores every production window against its labels".into(),
        });
    }
    let c = read_side(
        inputs.current,
        "current",
        &cur_target,
        &rename(&time),
        lt.map(rename).as_deref(),
    )?;
    let raw = raw_features(inputs, &names, notes)?;
    if raw.is_empty() {
        return Err(RetrainError::NoFeatures(if names.is_empty() {
            "no column has the feature role".into()
        } else {
            "every chosen feature was left out".into()
        }));
    }
    let enc = encode::encode(&raw);
    let (nr, nc) = (r.times.len(), c.times.len());
    let times: Vec<Option<i64>> = r.times.iter().chain(&c.times).copied().collect();
    let labels: Vec<Option<bool>> = r.labels.iter().chain(&c.labels).copied().collect();
    let label_col: Option<Vec<Option<i64>>> = match (&r.label_times, &c.label_times) {
        (Some(a), Some(b)) => Some(a.iter().chain(b).copied().collect()),
        _ => None,
    };
    // Rows with a time and every numeric feature; sorted by time, ties in file order with the
    // reference first (a stable sort of reference-then-current).
    let mut order: Vec<usize> = (0..nr + nc)
        .filter(|&i| times[i].is_some() && !enc.missing[i])
        .collect();
    let excluded = nr + nc - order.len();
    order.sort_by_key(|&i| times[i]);
    let d = enc.width();
    let mut x = Vec::with_capacity(order.len() * d);
    let mut sorted_times = Vec::with_capacity(order.len());
    let mut label_times = Vec::with_capacity(order.len());
    let mut y = Vec::with_capacity(order.len());
    let mut has_label = Vec::with_capacity(order.len());
    let mut origin = Vec::with_capacity(order.len());
    let mut early = 0usize;
    for &i in &order {
        x.extend_from_slice(enc.row(i));
        let t = times[i].unwrap_or_default();
        sorted_times.push(t);
        y.push(labels[i].unwrap_or(false));
        has_label.push(labels[i].is_some());
        let lt = match (&label_col, labels[i]) {
            (_, None) => None,
            (Some(col), _) => col[i].map(|l| {
                if l < t {
                    early += 1;
                }
                l.max(t)
            }),
            (None, _) => Some(t.saturating_add(settings.label_delay_us)),
        };
        label_times.push(lt);
        origin.push((i >= nr, if i >= nr { i - nr } else { i }));
    }
    if early > 0 {
        notes.push(format!(
            "{early} labels are dated before their rows; they count as arriving with the row"
        ));
    }
    if excluded > 0 {
        notes.push(format!(
            "{excluded} rows were left out: no time, or a missing or non-finite numeric feature"
        ));
    }
    let current_start =
        c.times
            .iter()
            .flatten()
            .min()
            .copied()
            .ok_or_else(|| RetrainError::BadColumn {
                side: "current",
                column: rename(&time),
                problem: "has no times, so there is no production window".into(),
            })?;
    if !label_times.iter().any(Option::is_some) {
        return Err(RetrainError::Setting(format!(
            "labels never arrive: no row has both a \"{target}\" label and a label time"
        )));
    }
    Ok((
        target,
        time,
        names,
        Rows {
            x,
            d,
            groups: enc.groups,
            columns: enc.columns,
            times: sorted_times,
            label_times,
            y,
            has_label,
            current_start,
            excluded,
            origin,
            reference_rows: nr,
            current_rows: nc,
        },
    ))
}

impl RetrainSettings {
    /// The label delays and the what-if delays inside their documented ranges
    /// ([`super::ranges`]); the cost is checked with its own sentence in `check_settings`.
    pub fn validate(&self) -> Result<(), super::ranges::RangeError> {
        use super::ranges;
        ranges::RETRAIN_COST.check(self.cost)?;
        let delay = |c: ranges::Count, us: i64| {
            c.check(u64::try_from(us).unwrap_or(u64::MAX))
                .map(|_| ())
                .map_err(|mut e| {
                    e.got = us.to_string();
                    e
                })
        };
        delay(ranges::LABEL_DELAY_US, self.label_delay_us)?;
        ranges::WHAT_IF_DELAYS.check_usize(self.what_if_delays_us.len())?;
        for d in &self.what_if_delays_us {
            delay(ranges::WHAT_IF_DELAY_US, *d)?;
        }
        Ok(())
    }
}

fn check_settings(settings: &RetrainSettings) -> Result<(), RetrainError> {
    if !settings.cost.is_finite() || settings.cost < 0.0 || settings.cost > 1e6 {
        return Err(RetrainError::Setting(format!(
            "the retrain cost {} must be a number from 0 to 1e6 (window log loss per retrain)",
            settings.cost
        )));
    }
    settings
        .validate()
        .map_err(|e| RetrainError::Setting(e.to_string()))?;
    if settings.policies.is_empty() || settings.modes.is_empty() {
        return Err(RetrainError::Setting(
            "choose at least one policy and one mode".into(),
        ));
    }
    Ok(())
}

/// The protocol's rules, one sentence each (shown in the JSON, the table and the view).
pub fn protocol_steps(unit: WindowUnit) -> Vec<String> {
    vec![
        format!("Rows of both files end to end in time order; windows of one {unit} from S, midnight UTC of the first row's day; w0 is the first production window."),
        "Information rule: at time T a label may be used iff its label time <= T; labels are consumed in arrival order.".into(),
        "Initial model (version 1, not a retrain): every row with time < T_w0 and label time <= T_w0.".into(),
        "Each window: decide (not at w0) from New_w = labels arriving in (T_w-1, T_w] of rows served by the current version; predict every row with the current model; score accuracy (p > 0.5), ROC AUC and log loss (p clipped to 1e-15) on the labelled rows.".into(),
        "scratch: logistic regression (scikit-learn C=1 objective, z-scored features) on rows with time < T_w and label time <= T_w; sliding:D the same from T_w - D; incremental: River 0.26 StandardScaler | LogisticRegression learns the new labels.".into(),
        "every:k retrains when (w - w0) mod k = 0; on-drift feeds New_w's errors to ADWIN/DDM/Page-Hinkley (fresh after each retrain); floor:accuracy<X needs >= 20 labels with accuracy < X; drift-share:X needs >= 20 rows and a share >= X of features with PSI > 0.2 (deciles of the model's training rows) between the model's training rows and New_w.".into(),
        "A window without rows is not scored; a retrain whose training rows are empty or hold one class is skipped (recorded, version kept). Total cost = sum of window log loss + kappa * retrains.".into(),
    ]
}

/// Run the backtest for every policy × mode.
pub fn run(
    inputs: &RetrainInputs<'_>,
    settings: &RetrainSettings,
    progress: &Progress,
) -> Result<RetrainOutcome, RetrainError> {
    check_settings(settings)?;
    progress.set(Some(0.0), "Reading the labels and features");
    let mut notes = Vec::new();
    let (target, time, names, rows) = gather(inputs, settings, &mut notes)?;
    progress
        .check()
        .map_err(|_| RetrainError::Backtest(BacktestError::Cancelled))?;
    let data = BacktestData {
        x: &rows.x,
        d: rows.d,
        groups: &rows.groups,
        times: &rows.times,
        label_times: &rows.label_times,
        y: &rows.y,
        has_label: &rows.has_label,
        current_start: rows.current_start,
    };
    progress.set(Some(0.02), "Training the initial model");
    let prepared = Prepared::new(data, settings.windows, &settings.modes)?;
    let combos: Vec<(Policy, Mode)> = settings
        .modes
        .iter()
        .flat_map(|&m| settings.policies.iter().map(move |&p| (p, m)))
        .collect();
    let total_steps =
        (combos.len() * prepared.windows.len() * (1 + settings.what_if_delays_us.len())).max(1);
    let done = AtomicUsize::new(0);
    progress.set(Some(0.05), "Backtesting the policies");
    let runs = run_all(
        &prepared,
        &combos,
        settings.cost,
        progress,
        &done,
        total_steps,
    )?;
    for (i, w) in runs[0].windows.iter().enumerate() {
        if w.labelled > 0 && w.roc_auc.is_none() {
            notes.push(format!(
                "window {} holds one class only: no ROC AUC",
                crate::vocab::time::format_micros(w.start)
            ));
            if i > 20 {
                break;
            }
        }
    }
    for (j, c) in rows.columns.iter().enumerate() {
        let mut values = rows.x.iter().skip(j).step_by(rows.d);
        if let Some(first) = values.next()
            && values.all(|v| v == first)
        {
            notes.push(format!(
                "\"{c}\" is constant, so it cannot help the model (its z is 0)"
            ));
        }
    }
    let mut delay_what_if = Vec::new();
    if settings.label_time.is_none() {
        for &delay in &settings.what_if_delays_us {
            let lts: Vec<Option<i64>> = rows
                .times
                .iter()
                .zip(&rows.has_label)
                .map(|(&t, &l)| l.then(|| t.saturating_add(delay)))
                .collect();
            let data = BacktestData {
                label_times: &lts,
                ..data
            };
            let p = Prepared::new(data, settings.windows, &settings.modes)?;
            let r = run_all(&p, &combos, settings.cost, progress, &done, total_steps)?;
            if let Some(b) = lab::best(&r) {
                delay_what_if.push(DelayWhatIf {
                    label_delay_us: delay,
                    label_delay: format_duration(delay),
                    policy: r[b].policy,
                    mode: r[b].mode,
                    retrain_count: r[b].retrain_count,
                    sum_window_log_loss: r[b].sum_window_log_loss,
                    total_cost: r[b].total_cost,
                });
            }
        }
    }
    let predicted_rows = rows.origin[prepared.first_row..]
        .iter()
        .map(|&(cur, i)| {
            if cur {
                i.to_string()
            } else {
                format!("reference:{i}")
            }
        })
        .collect();
    progress.set(Some(0.99), "Running the Health tab's detectors");
    let detector_alarms = detector_alarms(inputs, &target, &time).unwrap_or_else(|e| {
        notes.push(e);
        Vec::new()
    });
    progress
        .check()
        .map_err(|_| RetrainError::Backtest(BacktestError::Cancelled))?;
    let labels = match &settings.label_time {
        Some(c) => format!("label time column {c}"),
        None => format!("row time + {}", format_duration(settings.label_delay_us)),
    };
    progress.set(Some(1.0), "Done");
    Ok(RetrainOutcome {
        protocol: Protocol {
            target,
            time,
            labels,
            windows: settings.windows,
            origin: prepared.origin,
            first_window: prepared.windows[0].start,
            cost: settings.cost,
            features: names,
            encoded_columns: rows.columns.clone(),
            reference_rows: rows.reference_rows,
            current_rows: rows.current_rows,
            excluded_rows: rows.excluded,
            steps: protocol_steps(settings.windows),
        },
        best: lab::best(&runs),
        frontier: lab::frontier(&runs),
        kappa_what_if: lab::kappa_what_if(&runs),
        runs,
        delay_what_if,
        notes,
        predicted_rows,
        detector_alarms,
    })
}

fn run_all(
    prepared: &Prepared<'_>,
    combos: &[(Policy, Mode)],
    cost: f64,
    progress: &Progress,
    done: &AtomicUsize,
    total: usize,
) -> Result<Vec<RunReport>, RetrainError> {
    let stop = |_: usize| {
        let k = done.fetch_add(1, Ordering::Relaxed) + 1;
        if k.is_multiple_of(16) {
            progress.set_fraction(0.05 + 0.95 * k as f32 / total as f32);
        }
        progress.is_cancelled()
    };
    let results = parallel_map(combos, |&(p, m)| prepared.run(p, m, cost, &stop));
    let mut runs = Vec::with_capacity(results.len());
    for r in results {
        runs.push(r?);
    }
    Ok(runs)
}

/// Progressive validation of the incremental learner alone on one file (`--progressive`):
/// categorical levels are those of the file itself, sorted.
pub fn run_progressive(
    data: &Dataset,
    roles: &RoleMap,
    settings: &RetrainSettings,
    progress: &Progress,
) -> Result<ProgressiveOutcome, RetrainError> {
    let renames = Renames::new();
    let inputs = RetrainInputs {
        reference: data,
        current: data,
        roles,
        renames: &renames,
    };
    let mut notes = Vec::new();
    progress.set(Some(0.0), "Reading the labels and features");
    let (target, time) = resolve_names(&inputs, settings)?;
    let lt = settings.label_time.as_deref();
    let mut skip = vec![target.as_str(), time.as_str()];
    if let Some(l) = lt {
        skip.push(l);
    }
    let (names, mut n) = choose_features(&inputs, settings, &skip)?;
    notes.append(&mut n);
    let side = read_side(data, "current", &target, &time, lt)?;
    let mut raw = raw_features(&inputs, &names, &mut notes)?;
    // The pair read the file twice; keep one copy of every column.
    let rows = data.rows();
    for f in &mut raw {
        match f {
            RawFeature::Numeric { values, .. } => values.truncate(rows),
            RawFeature::Categorical { codes, .. } => codes.truncate(rows),
        }
    }
    if raw.is_empty() {
        return Err(RetrainError::NoFeatures("no usable feature column".into()));
    }
    let enc = encode::encode(&raw);
    let mut order: Vec<usize> = (0..rows)
        .filter(|&i| side.times[i].is_some() && !enc.missing[i])
        .collect();
    let excluded = rows - order.len();
    order.sort_by_key(|&i| side.times[i]);
    let d = enc.width();
    let mut x = Vec::with_capacity(order.len() * d);
    let (mut times, mut lts, mut y, mut has) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for &i in &order {
        x.extend_from_slice(enc.row(i));
        let t = side.times[i].unwrap_or_default();
        times.push(t);
        y.push(side.labels[i].unwrap_or(false));
        has.push(side.labels[i].is_some());
        lts.push(match (&side.label_times, side.labels[i]) {
            (_, None) => None,
            (Some(c), _) => c[i].map(|l| l.max(t)),
            (None, _) => Some(t.saturating_add(settings.label_delay_us)),
        });
    }
    if !lts.iter().any(Option::is_some) {
        return Err(RetrainError::Setting(format!(
            "labels never arrive: no row has both a \"{target}\" label and a label time"
        )));
    }
    progress.set(Some(0.1), "Progressive validation");
    let (p, _) = online::progressive(&x, d, &times, &lts, &y);
    let m = lab::protocol::score(&p, &y, &has);
    let mut probabilities = vec![None; rows];
    for (k, &i) in order.iter().enumerate() {
        probabilities[i] = Some(p[k]);
    }
    if excluded > 0 {
        notes.push(format!(
            "{excluded} rows were left out: no time, or a missing or non-finite numeric feature"
        ));
    }
    progress.set(Some(1.0), "Done");
    Ok(ProgressiveOutcome {
        target,
        time,
        labels: match &settings.label_time {
            Some(c) => format!("label time column {c}"),
            None => format!("row time + {}", format_duration(settings.label_delay_us)),
        },
        features: names,
        encoded_columns: enc.columns,
        rows,
        excluded_rows: excluded,
        accuracy: m.accuracy,
        roc_auc: m.roc_auc,
        log_loss: m.log_loss,
        probabilities,
        notes,
    })
}

/// One measurement of `sextant bench-retrain`.
#[derive(Debug, Clone, PartialEq)]
pub struct RetrainBench {
    pub reference_rows: usize,
    pub current_rows: usize,
    pub windows: usize,
    pub runs: usize,
    pub retrains: usize,
    /// Per run: its policy × mode, its retrains and the training rows they fitted in all —
    /// the work behind the time.
    pub per_run: Vec<(String, usize, usize)>,
    /// Best wall time of the whole backtest (columns read, encoded, sorted, every run).
    pub seconds: f64,
}

/// A generated pair for the benchmark: `rows` production rows over `days` daily windows after
/// `rows / 10` training rows over 20 days; six numeric features and a four-level category; the
/// concept drifts slowly and one coefficient flips half way.
pub fn bench_pair(rows: usize, days: usize) -> Result<(Dataset, Dataset), RetrainError> {
    use polars::prelude::*;
    let day = crate::vocab::time::MICROS_PER_DAY;
    let start = crate::vocab::time::days_from_civil(2025, 1, 1) * day;
    let mut rng = crate::vocab::Rng::new(13);
    let mut uniform = move || ((rng.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
    let segments = ["north", "south", "east", "west"];
    let mut side = |n: usize, t0: i64, span_days: usize, drift_from: usize| {
        let mut cols: Vec<Vec<f64>> = (0..6).map(|_| Vec::with_capacity(n)).collect();
        let (mut seg, mut t, mut y) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        let per_day = n.div_ceil(span_days.max(1)).max(1);
        for i in 0..n {
            let d = i / per_day;
            let within = (i % per_day) as f64 / per_day as f64;
            t.push(t0 + d as i64 * day + (within * day as f64) as i64);
            let progress = (drift_from + d) as f64 / (drift_from + span_days) as f64;
            let mut eta = -0.5;
            for (j, c) in cols.iter_mut().enumerate() {
                // Roughly normal: the sum of three uniforms, centred.
                let v = (uniform() + uniform() + uniform() - 1.5) * 2.0;
                let beta = [1.0, -0.8, 0.6, 0.4, -0.3, 0.2][j] * (1.0 - 0.5 * progress);
                let flip = if j == 0 && progress > 0.55 { -1.5 } else { 0.0 };
                eta += (beta + flip) * v;
                c.push(v);
            }
            let s = (uniform() * 4.0) as usize % 4;
            eta += [0.3, -0.2, 0.0, 0.1][s];
            seg.push(segments[s]);
            y.push(i64::from(uniform() < 1.0 / (1.0 + (-eta).exp())));
        }
        let mut columns: Vec<Column> = Vec::new();
        let ts = Series::new("t".into(), t)
            .cast(&DataType::Datetime(TimeUnit::Microseconds, None))
            .map_err(|e| RetrainError::Setting(e.to_string()))?;
        columns.push(ts.into());
        for (j, c) in cols.into_iter().enumerate() {
            columns.push(Column::new(format!("x{j}").into(), c));
        }
        columns.push(Column::new("segment".into(), seg));
        columns.push(Column::new("label".into(), y));
        let frame = DataFrame::new_infer_height(columns)
            .map_err(|e| RetrainError::Setting(e.to_string()))?;
        Dataset::from_frame("generated".into(), frame, &Progress::silent())
            .map_err(|e| RetrainError::Setting(e.to_string()))
    };
    let reference = side(rows / 10, start, 20, 0)?;
    let current = side(rows, start + 20 * day, days, 20)?;
    Ok((reference, current))
}

/// `sextant bench-retrain`: the backtest of 4 policies × 3 modes, timed (best of `repeat`).
pub fn bench(rows: usize, days: usize, repeat: usize) -> Result<RetrainBench, RetrainError> {
    let (reference, current) = bench_pair(rows, days)?;
    let roles = RoleMap::default();
    let renames = Renames::new();
    let inputs = RetrainInputs {
        reference: &reference,
        current: &current,
        roles: &roles,
        renames: &renames,
    };
    let settings = RetrainSettings {
        target: Some("label".into()),
        time: Some("t".into()),
        features: Some(
            ["x0", "x1", "x2", "x3", "x4", "x5", "segment"]
                .map(String::from)
                .to_vec(),
        ),
        label_delay_us: 3 * crate::vocab::time::MICROS_PER_DAY,
        windows: WindowUnit::Day,
        policies: vec![
            Policy::Never,
            Policy::Every { k: 7 },
            Policy::OnDrift {
                detector: lab::DetectorKind::Adwin,
            },
            Policy::Floor { accuracy: 0.7 },
        ],
        modes: vec![
            Mode::Scratch,
            Mode::Sliding {
                micros: 30 * crate::vocab::time::MICROS_PER_DAY,
            },
            Mode::Incremental,
        ],
        ..RetrainSettings::default()
    };
    let mut best = f64::INFINITY;
    let mut last = None;
    for _ in 0..repeat.max(1) {
        let t = std::time::Instant::now();
        let o = run(&inputs, &settings, &Progress::silent())?;
        best = best.min(t.elapsed().as_secs_f64());
        last = Some(o);
    }
    let o = last.ok_or_else(|| RetrainError::Setting("no repetition ran".into()))?;
    Ok(RetrainBench {
        reference_rows: reference.rows(),
        current_rows: current.rows(),
        windows: o.runs.first().map_or(0, |r| r.windows.len()),
        runs: o.runs.len(),
        retrains: o.runs.iter().map(|r| r.retrain_count).sum(),
        per_run: o
            .runs
            .iter()
            .map(|r| {
                (
                    format!("{} / {}", r.policy, r.mode),
                    r.retrain_count,
                    r.retrains.iter().map(|t| t.rows).sum(),
                )
            })
            .collect(),
        seconds: best,
    })
}

//! Model health over time: quality metrics per window with bootstrap intervals and a reference
//! band, label coverage, label and prediction drift, change detectors on the error stream,
//! label-free estimates (CBPE), a staleness projection, drift attribution, latency percentiles
//! and alert rules.
//!
//! Pure: slices in ([`HealthInput`]), a [`HealthReport`] out. The work per window is exposed
//! ([`HealthPlan::evaluate_window`]) so that a caller with threads can fan it out; [`analyze`]
//! runs it in order.

pub mod bootstrap;
pub mod cbpe;
pub mod detectors;
pub mod staleness;
pub mod versions;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

pub use crate::analysis::metrics::{Metric, MetricValues};
pub use crate::vocab::Task;

use super::alerts::{AlertRule, FiredAlert, WindowTable};
use super::drift::{
    CategoricalCounts, ColumnInput, ColumnKind as DriftStorage, ColumnValues, DriftOptions,
    NumericSample, evaluate_column_or_skip,
};
use super::metrics::{SortedRows, classification_metrics, regression_metrics};
use super::windows::{self, Window, WindowSpec};
use bootstrap::bootstrap_intervals;
use detectors::DetectorReport;
use staleness::Staleness;

/// What to compute.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HealthParams {
    /// Classification or regression; `None` infers it (0/1 labels and scores in [0, 1] make a
    /// classification).
    pub task: Option<Task>,
    /// A row is predicted positive when its score ≥ this.
    pub threshold: f64,
    pub windows: WindowSpec,
    /// Bootstrap resamples per window for the 95 % intervals (0 = no intervals).
    pub bootstrap: usize,
    pub seed: u64,
    /// Run the change detectors on the error stream.
    pub detectors: bool,
    /// The metric whose trend is projected, and the floor it should stay above (or ceiling it
    /// should stay below, for error metrics).
    pub staleness_metric: Option<Metric>,
    pub floor: Option<f64>,
    /// Rules evaluated on the per-window table.
    pub rules: Vec<AlertRule>,
}

impl Default for HealthParams {
    fn default() -> Self {
        Self {
            task: None,
            threshold: 0.5,
            windows: WindowSpec::Week,
            bootstrap: 200,
            seed: 42,
            detectors: true,
            staleness_metric: None,
            floor: None,
            rules: Vec::new(),
        }
    }
}

/// One side's columns, row-aligned.
#[derive(Debug, Clone, Copy, Default)]
pub struct SideData<'a> {
    /// The label (`None` = not (yet) labelled).
    pub target: &'a [Option<f64>],
    /// The score or prediction.
    pub prediction: &'a [Option<f64>],
    /// Timestamps (µs since the epoch), needed for calendar windows.
    pub times: Option<&'a [Option<i64>]>,
}

/// A feature's drift score per current window, from the drift engine.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FeatureDriftInput {
    pub column: String,
    /// Score per window (a p-value or a distance).
    pub scores: Vec<Option<f64>>,
    pub drifted: Vec<bool>,
    /// Whether a larger score means more drift (distances) or less (p-values).
    pub higher_is_drift: bool,
}

/// Everything the analysis reads.
#[derive(Debug, Clone, Default)]
pub struct HealthInput<'a> {
    pub reference: SideData<'a>,
    pub current: SideData<'a>,
    /// Current columns whose p50/p95/p99 per window are reported (e.g. `latency_ms`).
    pub latency: Vec<(String, &'a [Option<f64>])>,
    /// Current columns' missing-value masks, for `null_rate:COL` in alert rules.
    pub nulls: Vec<(String, &'a [bool])>,
    /// Per-feature drift over the same windows of the current data, and the share of drifted
    /// features per window (from the drift engine), when it was computed.
    pub feature_drift: Vec<FeatureDriftInput>,
    pub drift_share: Option<Vec<f64>>,
}

/// Why the analysis could not run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum HealthError {
    #[error("{0}")]
    Windows(#[from] windows::WindowError),
    #[error(
        "the {side} target has the value {value}; a classification needs labels 0 and 1 (choose the regression task for numeric targets)"
    )]
    NotBinary { side: &'static str, value: f64 },
    #[error(
        "the {side} prediction has the value {value}; a classification needs scores between 0 and 1 (the probability of class 1)"
    )]
    ScoreOutOfRange { side: &'static str, value: f64 },
    #[error("the reference has no labelled rows with a prediction, so there is no baseline")]
    NoReferenceLabels,
    #[error(
        "the {side} target and prediction columns have different lengths ({target} and {prediction} rows)"
    )]
    Lengths {
        side: &'static str,
        target: usize,
        prediction: usize,
    },
}

/// A drift score with its verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DriftScore {
    pub method: String,
    pub score: f64,
    pub threshold: Option<f64>,
    pub drifted: bool,
}

/// The reference's mean ± 3σ over its own windows: the variation a healthy model shows.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Band {
    pub mean: f64,
    pub std: f64,
    pub lower: f64,
    pub upper: f64,
}

/// The baseline: the model on the reference data.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReferenceHealth {
    pub rows: usize,
    pub labelled: usize,
    pub metrics: MetricValues,
    /// Per metric, over the reference split into the same kind of windows (needs 2+ windows).
    pub band: BTreeMap<Metric, Band>,
    pub windows: usize,
}

/// Percentiles of a column in one window (numpy's linear interpolation).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Percentiles {
    pub column: String,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
}

/// One window of the current data.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WindowHealth {
    pub window: Window,
    /// Rows with both a label and a prediction; the metrics use only these.
    pub labelled: usize,
    pub metrics: MetricValues,
    /// Bootstrap 95 % percentile intervals.
    pub intervals: BTreeMap<Metric, [f64; 2]>,
    /// CBPE estimates from every row with a prediction, labelled or not (classification).
    pub estimated: MetricValues,
    /// The score's distribution against the reference's.
    pub prediction_drift: Option<DriftScore>,
    /// The labelled rows' label distribution against the reference's.
    pub label_drift: Option<DriftScore>,
    pub latency: Vec<Percentiles>,
}

impl WindowHealth {
    /// Labelled rows as a share of the window's rows.
    pub fn coverage(&self) -> f64 {
        if self.window.rows == 0 {
            0.0
        } else {
            self.labelled as f64 / self.window.rows as f64
        }
    }
}

/// A feature ranked by how its drift moves with the metric.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DriftSuspect {
    pub column: String,
    /// Pearson correlation between the feature's drift (oriented so that larger = more drift)
    /// and the metric's loss (oriented so that larger = worse), over labelled windows.
    pub correlation: f64,
    /// Windows of the metric's drop in which the feature drifted.
    pub drifted_in: Vec<usize>,
    /// Share of degraded windows in which the feature drifted minus the share of healthy
    /// labelled windows in which it drifted: near 1 when it drifts exactly when the metric
    /// falls, near 0 when it drifts all the time (or never).
    pub lift: f64,
}

/// Data drift or concept drift: what moved when the metric fell.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attribution {
    pub metric: Metric,
    /// Windows whose metric is outside the reference band on the bad side.
    pub degraded_windows: Vec<usize>,
    pub suspects: Vec<DriftSuspect>,
    /// A sentence for people.
    pub verdict: String,
}

/// Everything about the model's health.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HealthReport {
    pub task: Task,
    pub threshold: f64,
    pub spec: WindowSpec,
    pub reference: ReferenceHealth,
    pub windows: Vec<WindowHealth>,
    /// Current rows without a timestamp (in no window).
    pub unassigned_rows: usize,
    /// Rows whose prediction is missing, per side (excluded from everything).
    pub missing_prediction: [usize; 2],
    pub detectors: Vec<DetectorReport>,
    pub staleness: Option<Staleness>,
    pub attribution: Option<Attribution>,
    pub alerts: Vec<FiredAlert>,
    /// Rules whose value name is unknown for this data.
    pub unknown_rule_values: Vec<String>,
    /// Share of missing values per window of the columns the rules ask about
    /// (`null_rate:COL`).
    pub null_rates: Vec<(String, Vec<f64>)>,
    /// Share of drifted features per window, when feature drift was computed.
    pub drift_share: Option<Vec<f64>>,
    /// Per model version, when a version column was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub versions: Option<versions::VersionsReport>,
}

impl HealthReport {
    /// The latency columns with percentiles in any window, sorted by name.
    pub fn latency_columns(&self) -> Vec<String> {
        self.windows
            .iter()
            .flat_map(|w| w.latency.iter().map(|p| p.column.clone()))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect()
    }

    /// The metric a view shows first: ROC AUC for classification, MAE for regression.
    pub fn default_metric(&self) -> Metric {
        match self.task {
            Task::Classification => Metric::RocAuc,
            Task::Regression => Metric::Mae,
        }
    }

    /// Named values per window, for alert rules (`roc_auc`, `labelled`, `label_coverage`,
    /// `rows`, `estimated_accuracy`, `prediction_drift`, `label_drift`, `drift_share`,
    /// `null_rate:COL`, `p50:COL`, `p95:COL`, `p99:COL`). `crate::analysis::alerts::evaluate`
    /// runs rules on it; the analysis already did so for `HealthParams::rules`.
    pub fn table(&self) -> WindowTable {
        let input_nulls = &self.null_rates;
        let drift_share = self.drift_share.as_deref();
        let mut t = WindowTable {
            windows: self
                .windows
                .iter()
                .map(|w| w.window.label.clone())
                .collect(),
            values: BTreeMap::new(),
        };
        let n = self.windows.len();
        let mut put = |name: String, f: &dyn Fn(usize) -> Option<f64>| {
            t.values.insert(name, (0..n).map(f).collect());
        };
        for &m in Metric::of_task(self.task) {
            put(m.key().to_string(), &|w| {
                self.windows[w].metrics.get(&m).copied()
            });
            put(format!("estimated_{}", m.key()), &|w| {
                self.windows[w].estimated.get(&m).copied()
            });
        }
        put("rows".into(), &|w| Some(self.windows[w].window.rows as f64));
        put("labelled".into(), &|w| {
            Some(self.windows[w].labelled as f64)
        });
        put("label_coverage".into(), &|w| {
            Some(self.windows[w].coverage())
        });
        put("prediction_drift".into(), &|w| {
            self.windows[w].prediction_drift.as_ref().map(|d| d.score)
        });
        put("label_drift".into(), &|w| {
            self.windows[w].label_drift.as_ref().map(|d| d.score)
        });
        if let Some(share) = drift_share {
            put("drift_share".into(), &|w| share.get(w).copied());
        }
        for (column, rates) in input_nulls {
            put(format!("null_rate:{column}"), &|w| rates.get(w).copied());
        }
        for c in self.latency_columns() {
            let pick = |w: usize, f: fn(&Percentiles) -> f64| {
                self.windows[w]
                    .latency
                    .iter()
                    .find(|p| p.column == c)
                    .map(f)
            };
            put(format!("p50:{c}"), &|w| pick(w, |p| p.p50));
            put(format!("p95:{c}"), &|w| pick(w, |p| p.p95));
            put(format!("p99:{c}"), &|w| pick(w, |p| p.p99));
        }
        t
    }
}

/// Rows of a window split by what the metrics need.
#[derive(Debug, Clone, Default)]
struct WindowRows {
    all: Vec<u32>,
}

/// The prepared analysis: task, windows, the reference baseline and its calibration.
#[derive(Debug, Clone)]
pub struct HealthPlan {
    pub task: Task,
    pub params: HealthParams,
    pub windows: Vec<Window>,
    rows: Vec<WindowRows>,
    pub unassigned_rows: usize,
    reference_metrics: MetricValues,
    reference_labelled: usize,
    reference_rows: usize,
    band: BTreeMap<Metric, Band>,
    reference_windows: usize,
    calibration: Option<cbpe::Calibration>,
    reference_scores: Arc<NumericSample>,
    reference_labels: Vec<f64>,
    missing_prediction: [usize; 2],
}

fn check_lengths(side: &'static str, d: &SideData) -> Result<(), HealthError> {
    if d.target.len() != d.prediction.len() {
        return Err(HealthError::Lengths {
            side,
            target: d.target.len(),
            prediction: d.prediction.len(),
        });
    }
    Ok(())
}

/// Labelled `(prediction, target)` pairs of some rows (all rows when `rows` is `None`).
fn labelled_pairs(d: &SideData, rows: Option<&[u32]>) -> Vec<(f64, f64)> {
    let pair = |i: usize| match (d.prediction[i], d.target[i]) {
        (Some(p), Some(y)) if p.is_finite() && y.is_finite() => Some((p, y)),
        _ => None,
    };
    match rows {
        Some(rows) => rows.iter().filter_map(|&r| pair(r as usize)).collect(),
        None => (0..d.prediction.len()).filter_map(pair).collect(),
    }
}

/// The metrics of labelled pairs (point estimates).
/// The task's metrics of (prediction, target) pairs with their seeded bootstrap 95 % intervals:
/// one place for windows and model versions, so both get the same resampling.
fn metrics_with_intervals(
    task: Task,
    pairs: &[(f64, f64)],
    p: &HealthParams,
    seed: u64,
) -> (MetricValues, BTreeMap<Metric, [f64; 2]>) {
    match task {
        Task::Classification => {
            let sorted = SortedRows::new(pairs.iter().map(|&(p, y)| (p, y == 1.0)).collect());
            let m = classification_metrics(&sorted, None, p.threshold);
            let iv = bootstrap_intervals(sorted.len(), p.bootstrap, seed, |wts| {
                classification_metrics(&sorted, Some(wts), p.threshold)
            });
            (m, iv)
        }
        Task::Regression => {
            let yp: Vec<(f64, f64)> = pairs.iter().map(|&(p, y)| (y, p)).collect();
            let m = regression_metrics(&yp, None);
            let iv = bootstrap_intervals(yp.len(), p.bootstrap, seed, |wts| {
                regression_metrics(&yp, Some(wts))
            });
            (m, iv)
        }
    }
}

fn metrics_of(task: Task, pairs: &[(f64, f64)], threshold: f64) -> MetricValues {
    match task {
        Task::Classification => {
            let rows = SortedRows::new(pairs.iter().map(|&(p, y)| (p, y == 1.0)).collect());
            classification_metrics(&rows, None, threshold)
        }
        Task::Regression => {
            let yp: Vec<(f64, f64)> = pairs.iter().map(|&(p, y)| (y, p)).collect();
            regression_metrics(&yp, None)
        }
    }
}

fn infer_task(sides: [&SideData; 2]) -> Task {
    let binary = sides.iter().all(|d| {
        d.target.iter().flatten().all(|&y| y == 0.0 || y == 1.0)
            && d.prediction
                .iter()
                .flatten()
                .all(|&p| p.is_nan() || (0.0..=1.0).contains(&p))
    });
    if binary {
        Task::Classification
    } else {
        Task::Regression
    }
}

fn validate_classification(side: &'static str, d: &SideData) -> Result<(), HealthError> {
    if let Some(&value) = d.target.iter().flatten().find(|&&y| y != 0.0 && y != 1.0) {
        return Err(HealthError::NotBinary { side, value });
    }
    if let Some(&value) = d
        .prediction
        .iter()
        .flatten()
        .find(|&&p| !p.is_nan() && !(0.0..=1.0).contains(&p))
    {
        return Err(HealthError::ScoreOutOfRange { side, value });
    }
    Ok(())
}

/// Mean ± 3σ (sample σ) of values, NannyML's threshold for performance over chunks.
fn band_of(values: &[f64]) -> Option<Band> {
    if values.len() < 2 {
        return None;
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    let std = var.sqrt();
    Some(Band {
        mean,
        std,
        lower: mean - 3.0 * std,
        upper: mean + 3.0 * std,
    })
}

fn sample_of(values: impl Iterator<Item = Option<f64>>) -> NumericSample {
    let mut missing = 0;
    let v: Vec<f64> = values
        .filter_map(|v| {
            if v.is_none() {
                missing += 1;
            }
            v
        })
        .collect();
    NumericSample::from_vec(v, missing)
}

fn drift_score(report: &super::drift::ColumnDriftReport) -> Option<DriftScore> {
    Some(DriftScore {
        method: report.method?.name().to_string(),
        score: report.score?,
        threshold: report.threshold,
        drifted: report.drifted,
    })
}

impl HealthPlan {
    /// Check the input, choose the task, split both sides into windows and measure the
    /// reference.
    pub fn new(input: &HealthInput, params: &HealthParams) -> Result<Self, HealthError> {
        check_lengths("reference", &input.reference)?;
        check_lengths("current", &input.current)?;
        let task = params
            .task
            .unwrap_or_else(|| infer_task([&input.reference, &input.current]));
        if task == Task::Classification {
            validate_classification("reference", &input.reference)?;
            validate_classification("current", &input.current)?;
        }
        let n_cur = input.current.prediction.len();
        let assignment = windows::assign(params.windows, input.current.times, n_cur)?;
        let rows = assignment
            .rows_by_window()
            .into_iter()
            .map(|all| WindowRows { all })
            .collect();

        let ref_pairs = labelled_pairs(&input.reference, None);
        if ref_pairs.is_empty() {
            return Err(HealthError::NoReferenceLabels);
        }
        let reference_metrics = metrics_of(task, &ref_pairs, params.threshold);
        // The band: the reference split like the current data.
        let n_ref = input.reference.prediction.len();
        let ref_assignment = match params.windows {
            WindowSpec::Chunks(_) => windows::assign(params.windows, input.reference.times, n_ref),
            spec => match input.reference.times {
                Some(t) => windows::assign(spec, Some(t), n_ref),
                None => Err(windows::WindowError::NoTimestamp(spec)),
            },
        };
        let mut band = BTreeMap::new();
        let mut reference_windows = 0;
        if let Ok(a) = ref_assignment {
            let per_window: Vec<MetricValues> = a
                .rows_by_window()
                .iter()
                .map(|rows| labelled_pairs(&input.reference, Some(rows)))
                .filter(|p| p.len() >= 2)
                .map(|p| metrics_of(task, &p, params.threshold))
                .collect();
            reference_windows = per_window.len();
            for &m in Metric::of_task(task) {
                let values: Vec<f64> = per_window
                    .iter()
                    .filter_map(|v| v.get(&m).copied())
                    .collect();
                if let Some(mut b) = band_of(&values) {
                    // Rates and areas live in [0, 1]: the band does too.
                    if !matches!(
                        m,
                        Metric::LogLoss | Metric::Mae | Metric::Rmse | Metric::Mape | Metric::R2
                    ) {
                        b.lower = b.lower.max(0.0);
                        b.upper = b.upper.min(1.0);
                    }
                    band.insert(m, b);
                }
            }
        }
        let calibration = (task == Task::Classification).then(|| {
            cbpe::Calibration::fit(
                &ref_pairs
                    .iter()
                    .map(|&(p, y)| (p, y == 1.0))
                    .collect::<Vec<_>>(),
            )
        });
        let missing = |d: &SideData| d.prediction.iter().filter(|p| p.is_none()).count();
        Ok(Self {
            task,
            params: params.clone(),
            windows: assignment.windows,
            rows,
            unassigned_rows: assignment.row_window.iter().filter(|w| w.is_none()).count(),
            reference_metrics,
            reference_labelled: ref_pairs.len(),
            reference_rows: n_ref,
            band,
            reference_windows,
            calibration,
            reference_scores: Arc::new(sample_of(input.reference.prediction.iter().copied())),
            reference_labels: ref_pairs.iter().map(|&(_, y)| y).collect(),
            missing_prediction: [missing(&input.reference), missing(&input.current)],
        })
    }

    pub fn window_count(&self) -> usize {
        self.windows.len()
    }

    /// Everything about window `w`: metrics, intervals, estimates, drift, latency.
    pub fn evaluate_window(&self, input: &HealthInput, w: usize) -> WindowHealth {
        let rows = &self.rows[w].all;
        let cur = &input.current;
        let pairs = labelled_pairs(cur, Some(rows));
        let p = &self.params;
        // A seed per window, so results do not depend on the order windows are computed in.
        let seed = p.seed ^ (w as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let (metrics, intervals) = metrics_with_intervals(self.task, &pairs, p, seed);
        let scores: Vec<f64> = rows
            .iter()
            .filter_map(|&r| cur.prediction[r as usize])
            .filter(|p| p.is_finite())
            .collect();
        let estimated = self
            .calibration
            .as_ref()
            .map(|c| c.estimate(&scores, p.threshold))
            .unwrap_or_default();
        let options = DriftOptions::default();
        let prediction_drift = (!scores.is_empty())
            .then(|| {
                let input = ColumnInput {
                    name: "prediction".into(),
                    kind: DriftStorage::Float,
                    values: ColumnValues::Numeric {
                        reference: self.reference_scores.clone(),
                        current: Arc::new(NumericSample::from_vec(scores.clone(), 0)),
                    },
                };
                drift_score(&evaluate_column_or_skip(&input, &options))
            })
            .flatten();
        let label_drift = (!pairs.is_empty())
            .then(|| {
                let values = match self.task {
                    Task::Classification => {
                        let count = |ys: &mut dyn Iterator<Item = f64>| {
                            let mut c = [0u64; 2];
                            for y in ys {
                                c[usize::from(y == 1.0)] += 1;
                            }
                            c
                        };
                        let r = count(&mut self.reference_labels.iter().copied());
                        let c = count(&mut pairs.iter().map(|&(_, y)| y));
                        ColumnValues::Categorical(CategoricalCounts::from_aligned(
                            &["0".to_string(), "1".to_string()],
                            &r,
                            &c,
                            (0, 0),
                        ))
                    }
                    Task::Regression => ColumnValues::Numeric {
                        reference: Arc::new(NumericSample::from_vec(
                            self.reference_labels.clone(),
                            0,
                        )),
                        current: Arc::new(NumericSample::from_vec(
                            pairs.iter().map(|&(_, y)| y).collect(),
                            0,
                        )),
                    },
                };
                let kind = match self.task {
                    Task::Classification => DriftStorage::Integer,
                    Task::Regression => DriftStorage::Float,
                };
                let input = ColumnInput {
                    name: "target".into(),
                    kind,
                    values,
                };
                drift_score(&evaluate_column_or_skip(&input, &options))
            })
            .flatten();
        let latency = input
            .latency
            .iter()
            .filter_map(|(name, values)| {
                let mut v: Vec<f64> = rows
                    .iter()
                    .filter_map(|&r| values.get(r as usize).copied().flatten())
                    .filter(|v| v.is_finite())
                    .collect();
                if v.is_empty() {
                    return None;
                }
                v.sort_by(f64::total_cmp);
                Some(Percentiles {
                    column: name.clone(),
                    p50: bootstrap::quantile(&v, 0.5),
                    p95: bootstrap::quantile(&v, 0.95),
                    p99: bootstrap::quantile(&v, 0.99),
                })
            })
            .collect();
        WindowHealth {
            window: self.windows[w].clone(),
            labelled: pairs.len(),
            metrics,
            intervals,
            estimated,
            prediction_drift,
            label_drift,
            latency,
        }
    }

    /// Null rate per window of each column in `input.nulls`.
    fn null_rates(&self, input: &HealthInput) -> Vec<(String, Vec<f64>)> {
        input
            .nulls
            .iter()
            .map(|(name, mask)| {
                let rates = self
                    .rows
                    .iter()
                    .map(|r| {
                        let nulls = r
                            .all
                            .iter()
                            .filter(|&&i| mask.get(i as usize).copied().unwrap_or(false))
                            .count();
                        if r.all.is_empty() {
                            0.0
                        } else {
                            nulls as f64 / r.all.len() as f64
                        }
                    })
                    .collect();
                (name.clone(), rates)
            })
            .collect()
    }

    /// The time-ordered error stream of the current data's labelled rows: `(row, error)`,
    /// error = 1 for a misclassification (0 otherwise), or |y − ŷ| for regression.
    pub fn error_stream(&self, input: &HealthInput) -> Vec<(usize, f64)> {
        let cur = &input.current;
        let mut rows: Vec<usize> = (0..cur.prediction.len())
            .filter(|&i| {
                matches!((cur.prediction[i], cur.target[i]), (Some(p), Some(y)) if p.is_finite() && y.is_finite())
            })
            .collect();
        if let Some(t) = cur.times {
            rows.sort_by_key(|&i| (t[i].is_none(), t[i]));
        }
        rows.into_iter()
            .filter_map(|i| {
                let (p, y) = (cur.prediction[i]?, cur.target[i]?);
                let e = match self.task {
                    Task::Classification => {
                        f64::from(u8::from((p >= self.params.threshold) != (y == 1.0)))
                    }
                    Task::Regression => (y - p).abs(),
                };
                Some((i, e))
            })
            .collect()
    }

    /// The input of the change detectors: the error stream and each row's window.
    pub fn errors(&self, input: &HealthInput) -> detectors::ErrorStream {
        let mut row_window = vec![None; input.current.prediction.len()];
        for (w, r) in self.rows.iter().enumerate() {
            for &i in &r.all {
                row_window[i as usize] = Some(w);
            }
        }
        detectors::ErrorStream {
            stream: self.error_stream(input),
            row_window,
        }
    }

    /// The detectors to run (none when the parameters say so).
    pub fn detector_names(&self) -> Vec<&'static str> {
        if self.params.detectors {
            detectors::names_for(self.task)
        } else {
            Vec::new()
        }
    }

    /// Put the windows and the detectors' findings together with the staleness projection,
    /// the attribution and the alerts.
    pub fn finish(
        &self,
        input: &HealthInput,
        windows: Vec<WindowHealth>,
        detectors: Vec<DetectorReport>,
    ) -> HealthReport {
        let metric = self
            .params
            .staleness_metric
            .filter(|m| m.task() == self.task)
            .unwrap_or(match self.task {
                Task::Classification => Metric::RocAuc,
                Task::Regression => Metric::Mae,
            });
        let points: Vec<(f64, f64)> = windows
            .iter()
            .enumerate()
            .filter_map(|(i, w)| {
                let v = *w.metrics.get(&metric)?;
                let x = match (self.params.windows, w.window.start) {
                    (WindowSpec::Chunks(_), _) | (_, None) => i as f64,
                    (_, Some(s)) => s as f64 / crate::vocab::time::MICROS_PER_DAY as f64,
                };
                Some((x, v))
            })
            .collect();
        let unit = match self.params.windows {
            WindowSpec::Chunks(_) => staleness::Unit::Chunks,
            _ => staleness::Unit::Days,
        };
        let staleness = staleness::project(metric, &points, self.params.floor, unit);
        let attribution = attribute(
            metric,
            &windows,
            self.band.get(&metric),
            &input.feature_drift,
        );
        let mut report = HealthReport {
            task: self.task,
            threshold: self.params.threshold,
            spec: self.params.windows,
            reference: ReferenceHealth {
                rows: self.reference_rows,
                labelled: self.reference_labelled,
                metrics: self.reference_metrics.clone(),
                band: self.band.clone(),
                windows: self.reference_windows,
            },
            windows,
            unassigned_rows: self.unassigned_rows,
            missing_prediction: self.missing_prediction,
            detectors,
            staleness,
            attribution,
            alerts: Vec::new(),
            unknown_rule_values: Vec::new(),
            null_rates: self.null_rates(input),
            drift_share: input.drift_share.clone(),
            versions: None,
        };
        let table = report.table();
        report.alerts = super::alerts::evaluate(&self.params.rules, &table);
        report.unknown_rule_values = super::alerts::unknown_values(&self.params.rules, &table);
        report
    }
}

/// Which features drifted while the metric was degraded, ranked by how their drift moves with
/// the metric over the labelled windows.
fn attribute(
    metric: Metric,
    windows: &[WindowHealth],
    band: Option<&Band>,
    features: &[FeatureDriftInput],
) -> Option<Attribution> {
    let band = band?;
    let worse = |v: f64| {
        if metric.higher_is_better() {
            v < band.lower
        } else {
            v > band.upper
        }
    };
    let degraded: Vec<usize> = windows
        .iter()
        .enumerate()
        .filter(|(_, w)| w.metrics.get(&metric).is_some_and(|&v| worse(v)))
        .map(|(i, _)| i)
        .collect();
    // Loss: larger = worse.
    let loss: Vec<Option<f64>> = windows
        .iter()
        .map(|w| {
            w.metrics
                .get(&metric)
                .map(|&v| if metric.higher_is_better() { -v } else { v })
        })
        .collect();
    let healthy: Vec<usize> = windows
        .iter()
        .enumerate()
        .filter(|(i, w)| w.metrics.contains_key(&metric) && !degraded.contains(i))
        .map(|(i, _)| i)
        .collect();
    let mut suspects: Vec<DriftSuspect> = features
        .iter()
        .map(|f| {
            let pairs: Vec<(f64, f64)> = loss
                .iter()
                .zip(&f.scores)
                .filter_map(|(l, s)| {
                    let s = (*s)?;
                    let drift = if f.higher_is_drift { s } else { -s };
                    Some(((*l)?, drift))
                })
                .collect();
            let correlation = pearson(&pairs).unwrap_or(0.0);
            let drifted = |w: &usize| f.drifted.get(*w).copied().unwrap_or(false);
            let drifted_in: Vec<usize> = degraded.iter().copied().filter(drifted).collect();
            let share = |ws: &[usize]| {
                if ws.is_empty() {
                    0.0
                } else {
                    ws.iter().filter(|w| drifted(w)).count() as f64 / ws.len() as f64
                }
            };
            let lift = share(&degraded) - share(&healthy);
            DriftSuspect {
                column: f.column.clone(),
                correlation,
                drifted_in,
                lift,
            }
        })
        .collect();
    suspects.sort_by(|a, b| {
        (b.lift, b.correlation)
            .partial_cmp(&(a.lift, a.correlation))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    // A feature explains the drop when it drifts in most degraded windows and clearly more
    // often than in healthy ones (or, with no healthy window to compare, moves with the loss).
    let explains = |s: &DriftSuspect| {
        if healthy.is_empty() {
            s.drifted_in.len() * 2 >= degraded.len() && s.correlation >= 0.5
        } else {
            s.drifted_in.len() * 2 >= degraded.len() && s.lift >= 0.5
        }
    };
    let always: Vec<&str> = suspects
        .iter()
        .filter(|s| !s.drifted_in.is_empty() && !explains(s))
        .take(3)
        .map(|s| s.column.as_str())
        .collect();
    let verdict = if degraded.is_empty() {
        format!(
            "{} stays within the reference band in every labelled window.",
            metric.title()
        )
    } else if features.is_empty() {
        format!(
            "{} left the reference band in {} window(s); feature drift was not computed.",
            metric.title(),
            degraded.len()
        )
    } else if suspects.iter().any(explains) {
        let names: Vec<&str> = suspects
            .iter()
            .filter(|s| explains(s))
            .take(3)
            .map(|s| s.column.as_str())
            .collect();
        format!(
            "{} left the reference band in {} window(s); {} drifted in those windows more than in healthy ones (data drift may explain the drop).",
            metric.title(),
            degraded.len(),
            names.join(", ")
        )
    } else if always.is_empty() {
        format!(
            "{} left the reference band in {} window(s) while no feature drifted in them: P(y|X) likely changed (concept drift).",
            metric.title(),
            degraded.len()
        )
    } else {
        format!(
            "{} left the reference band in {} window(s); features drifted ({}) but as much in healthy windows, so the drift does not explain the drop: P(y|X) likely changed (concept drift).",
            metric.title(),
            degraded.len(),
            always.join(", ")
        )
    };
    Some(Attribution {
        metric,
        degraded_windows: degraded,
        suspects,
        verdict,
    })
}

/// Pearson correlation; `None` with fewer than 3 points or a constant side.
fn pearson(pairs: &[(f64, f64)]) -> Option<f64> {
    if pairs.len() < 3 {
        return None;
    }
    let n = pairs.len() as f64;
    let (mx, my) = pairs
        .iter()
        .fold((0.0, 0.0), |(a, b), (x, y)| (a + x / n, b + y / n));
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (x, y) in pairs {
        sxy += (x - mx) * (y - my);
        sxx += (x - mx) * (x - mx);
        syy += (y - my) * (y - my);
    }
    (sxx > 0.0 && syy > 0.0).then(|| sxy / (sxx * syy).sqrt())
}

/// The whole analysis, window after window.
pub fn analyze(input: &HealthInput, params: &HealthParams) -> Result<HealthReport, HealthError> {
    let plan = HealthPlan::new(input, params)?;
    let windows = (0..plan.window_count())
        .map(|w| plan.evaluate_window(input, w))
        .collect();
    let errors = plan.errors(input);
    let detectors = plan
        .detector_names()
        .into_iter()
        .filter_map(|n| detectors::run_one(plan.task, n, &errors))
        .collect();
    Ok(plan.finish(input, windows, detectors))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(i: usize, auc: f64) -> WindowHealth {
        WindowHealth {
            window: Window {
                label: format!("w{i}"),
                start: None,
                end: None,
                rows: 100,
            },
            labelled: 100,
            metrics: [(Metric::RocAuc, auc)].into_iter().collect(),
            intervals: BTreeMap::new(),
            estimated: MetricValues::new(),
            prediction_drift: None,
            label_drift: None,
            latency: Vec::new(),
        }
    }

    fn feature(name: &str, drifted: [bool; 6]) -> FeatureDriftInput {
        FeatureDriftInput {
            column: name.into(),
            scores: drifted
                .iter()
                .map(|&d| Some(if d { 0.3 } else { 0.02 }))
                .collect(),
            drifted: drifted.to_vec(),
            higher_is_drift: true,
        }
    }

    #[test]
    fn attribution_tells_data_drift_from_concept_drift() {
        let windows: Vec<WindowHealth> = [0.8, 0.81, 0.79, 0.6, 0.62, 0.61]
            .iter()
            .enumerate()
            .map(|(i, &a)| window(i, a))
            .collect();
        let band = Band {
            mean: 0.8,
            std: 0.01,
            lower: 0.77,
            upper: 0.83,
        };
        let when_it_falls = feature("income", [false, false, false, true, true, true]);
        let always = feature("region", [true; 6]);
        let a = attribute(
            Metric::RocAuc,
            &windows,
            Some(&band),
            &[when_it_falls, always.clone()],
        )
        .expect("attribution");
        assert_eq!(a.degraded_windows, vec![3, 4, 5]);
        assert_eq!(a.suspects[0].column, "income");
        assert_eq!(a.suspects[0].lift, 1.0);
        assert!(a.verdict.contains("income drifted"), "{}", a.verdict);
        let a = attribute(Metric::RocAuc, &windows, Some(&band), &[always]).expect("attribution");
        assert!(a.verdict.contains("P(y|X) likely changed"), "{}", a.verdict);
    }
}

//! The compression sweep: every variant evaluated on the same labelled rows, with sizes, latency
//! and the Pareto frontier. This is what the CLI prints and the Compression tab draws.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::analysis::compression::{agreement, pareto};
use crate::analysis::metrics::{self, Metric as QualityMetric};
use crate::vocab::{Progress, Task};

use super::eval::{EvalData, Runner, predict_all};
use super::latency::{self, LatencyPoint};
use super::load::{OnnxModel, Structure, TensorInfo};
use super::variant::{self, Built, VariantKind, VariantSpec};
use super::{ModelError, distill};

/// The quality metric the trade-off is drawn for: one of the six the sweep computes for every
/// variant (its table's columns). A choice among those, not a second metric vocabulary: its
/// names, titles and directions are those of [`QualityMetric`], which it narrows, and its serde
/// domain stays the six names so that a stored sweep naming another metric is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    #[default]
    RocAuc,
    Accuracy,
    LogLoss,
    F1,
    Mae,
    Rmse,
}

impl Metric {
    pub const CLASSIFICATION: [Metric; 4] = [
        Metric::RocAuc,
        Metric::Accuracy,
        Metric::LogLoss,
        Metric::F1,
    ];
    pub const REGRESSION: [Metric; 2] = [Metric::Mae, Metric::Rmse];

    /// The model-quality metric this is.
    pub fn quality(self) -> QualityMetric {
        match self {
            Metric::RocAuc => QualityMetric::RocAuc,
            Metric::Accuracy => QualityMetric::Accuracy,
            Metric::LogLoss => QualityMetric::LogLoss,
            Metric::F1 => QualityMetric::F1,
            Metric::Mae => QualityMetric::Mae,
            Metric::Rmse => QualityMetric::Rmse,
        }
    }

    /// The snake_case name used in JSON and the CLI.
    pub fn key(self) -> &'static str {
        self.quality().key()
    }

    /// A short human name.
    pub fn label(self) -> &'static str {
        self.quality().title()
    }

    /// Whether a larger value is better (accuracy) or worse (log loss).
    pub fn higher_is_better(self) -> bool {
        self.quality().higher_is_better()
    }

    /// The metric that fits a task when `self` does not.
    pub fn for_task(self, task: Task) -> Metric {
        match (task, self) {
            (Task::Classification, Metric::Mae | Metric::Rmse) => Metric::RocAuc,
            (Task::Regression, m) if !matches!(m, Metric::Mae | Metric::Rmse) => Metric::Rmse,
            (_, m) => m,
        }
    }
}

/// The x axis of the trade-off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum XAxis {
    /// Packed bytes.
    #[default]
    Size,
    /// Per-row latency at the largest batch size, µs.
    Latency,
}

/// What to sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct CompressParams {
    pub variants: Vec<VariantSpec>,
    pub batch_sizes: Vec<usize>,
    /// Time each batch size (skip in tests: debug builds give meaningless numbers).
    pub measure_latency: bool,
    /// Time spent per measured point.
    pub time_per_point: Duration,
    pub metric: Metric,
    pub x_axis: XAxis,
    /// Rank layers by the damage of quantizing or pruning each alone.
    pub sensitivity: bool,
}

impl Default for CompressParams {
    fn default() -> Self {
        CompressParams {
            variants: Vec::new(),
            batch_sizes: vec![1, 8, 32, 128, 1024],
            measure_latency: true,
            time_per_point: Duration::from_millis(150),
            metric: Metric::RocAuc,
            x_axis: XAxis::Size,
            sensitivity: true,
        }
    }
}

/// A layer as shown to the user.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LayerSummary {
    pub name: String,
    pub rows: usize,
    pub cols: usize,
}

/// What the model is.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelSummary {
    pub path: String,
    pub parameters: u64,
    pub file_bytes: u64,
    pub inputs: Vec<TensorInfo>,
    pub outputs: Vec<TensorInfo>,
    pub task: Task,
    pub features: Vec<String>,
    pub layers: Vec<LayerSummary>,
    pub trees: Option<usize>,
}

/// Serialize a float the project's way: non-finite values as "NaN" / "Infinity" strings.
fn finite_or_name<S: serde::Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
    crate::analysis::json::number(*v).serialize(s)
}

/// The same for an optional float (`null` when absent).
fn opt_finite_or_name<S: serde::Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    v.map(crate::analysis::json::number).serialize(s)
}

/// One evaluated variant.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VariantReport {
    pub name: String,
    pub kind: VariantKind,
    #[serde(serialize_with = "opt_finite_or_name")]
    pub accuracy: Option<f64>,
    #[serde(serialize_with = "opt_finite_or_name")]
    pub roc_auc: Option<f64>,
    #[serde(serialize_with = "opt_finite_or_name")]
    pub log_loss: Option<f64>,
    #[serde(serialize_with = "opt_finite_or_name")]
    pub f1: Option<f64>,
    #[serde(serialize_with = "opt_finite_or_name")]
    pub mae: Option<f64>,
    #[serde(serialize_with = "opt_finite_or_name")]
    pub rmse: Option<f64>,
    /// Share of rows where the variant predicts what the original does.
    #[serde(serialize_with = "finite_or_name")]
    pub agreement: f64,
    /// Packed size by the documented formula.
    pub packed_bytes: u64,
    /// The same with dense storage only.
    pub dense_bytes: u64,
    /// Size of the variant written as an ONNX file.
    pub file_bytes: u64,
    pub sparsity: f64,
    pub latency: Vec<LatencyPoint>,
    /// How the latency is obtained, in words: which graph is timed by what.
    pub latency_rule: String,
    /// A quantized variant timed as an integer graph: its predictions against the simulation.
    pub integer_check: Option<IntegerCheck>,
}

/// An integer graph's predictions against the simulated quantization (weights only) on the
/// evaluation rows, run as one batch. They differ by the activations' 8-bit quantization.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IntegerCheck {
    /// Largest |integer graph − simulation| over the rows.
    #[serde(serialize_with = "finite_or_name")]
    pub max_abs_diff: f64,
    #[serde(serialize_with = "finite_or_name")]
    pub mean_abs_diff: f64,
    /// Share of rows where both predict the same class (classification) or lie within the
    /// tolerance of each other (regression).
    #[serde(serialize_with = "finite_or_name")]
    pub agreement: f64,
    /// The largest difference accepted: [`INTEGER_TOLERANCE`] on a probability, that share of
    /// the simulated predictions' standard deviation on a regression.
    #[serde(serialize_with = "finite_or_name")]
    pub tolerance: f64,
    /// `max_abs_diff <= tolerance`.
    pub within: bool,
}

/// How far an integer graph's prediction may lie from the simulated one, on a probability
/// (or, for a regression, as a share of the predictions' standard deviation): an acceptance
/// threshold, not a model of the error. `DynamicQuantizeLinear` quantizes a layer's input on
/// one grid of 255 steps over the whole batch, so one wide row coarsens every row's grid; on the
/// sample MLP with 2 000–3 000 rows in one batch the largest difference is about 0.03
/// (tests/compress_integer.rs), per row far less.
pub const INTEGER_TOLERANCE: f64 = 0.05;

impl IntegerCheck {
    pub fn new(simulated: &[f64], integer: &[f64], classification: bool) -> IntegerCheck {
        let n = simulated.len().max(1) as f64;
        let diffs: Vec<f64> = simulated
            .iter()
            .zip(integer)
            .map(|(a, b)| (a - b).abs())
            .collect();
        let tolerance = if classification {
            INTEGER_TOLERANCE
        } else {
            let mean = simulated.iter().sum::<f64>() / n;
            let sd = (simulated.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
            INTEGER_TOLERANCE * sd
        };
        let max_abs_diff = diffs.iter().copied().fold(0.0, f64::max);
        let agreement = if classification {
            agreement::agreement(simulated, integer, true)
        } else {
            diffs.iter().filter(|d| **d <= tolerance).count() as f64 / n
        };
        IntegerCheck {
            max_abs_diff,
            mean_abs_diff: diffs.iter().sum::<f64>() / n,
            agreement,
            tolerance,
            within: max_abs_diff <= tolerance,
        }
    }
}

impl VariantReport {
    pub fn metric(&self, m: Metric) -> Option<f64> {
        match m {
            Metric::RocAuc => self.roc_auc,
            Metric::Accuracy => self.accuracy,
            Metric::LogLoss => self.log_loss,
            Metric::F1 => self.f1,
            Metric::Mae => self.mae,
            Metric::Rmse => self.rmse,
        }
    }

    /// The trade-off's x value.
    pub fn x(&self, axis: XAxis) -> Option<f64> {
        match axis {
            XAxis::Size => Some(self.packed_bytes as f64),
            XAxis::Latency => self.latency.last().map(|p| p.per_row_us),
        }
    }
}

/// Damage done by compressing one layer alone.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SensitivityRow {
    pub layer: String,
    /// Metric change with only this layer at int4 per channel (negative = worse for metrics
    /// where higher is better).
    #[serde(serialize_with = "finite_or_name")]
    pub int4_delta: f64,
    /// Metric change with only this layer pruned by 50 %.
    #[serde(serialize_with = "finite_or_name")]
    pub prune50_delta: f64,
}

/// The result of a sweep.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CompressionReport {
    pub model: ModelSummary,
    pub metric: Metric,
    pub x_axis: XAxis,
    pub rows: usize,
    pub skipped_rows: usize,
    pub variants: Vec<VariantReport>,
    /// Names of the variants on the frontier, cheapest first.
    pub pareto: Vec<String>,
    pub sensitivity: Vec<SensitivityRow>,
    /// The CPU the latencies were measured on (/proc/cpuinfo "model name").
    pub cpu: String,
}

impl CompressionReport {
    /// Recompute the frontier for another metric or axis (the view switches without a rerun).
    /// A variant with an estimated latency is left out on the latency axis: the frontier holds
    /// measurements only.
    pub fn frontier(&self, metric: Metric, axis: XAxis) -> Vec<usize> {
        let x: Vec<f64> = self
            .variants
            .iter()
            .map(|v| {
                if axis == XAxis::Latency && v.latency.iter().any(|p| p.estimated) {
                    f64::NAN
                } else {
                    v.x(axis).unwrap_or(f64::NAN)
                }
            })
            .collect();
        let y: Vec<f64> = self
            .variants
            .iter()
            .map(|v| v.metric(metric).unwrap_or(f64::NAN))
            .collect();
        pareto::frontier(&x, &y, metric.higher_is_better())
    }
}

fn summary(model: &OnnxModel, features: &[String]) -> ModelSummary {
    ModelSummary {
        path: model.path.display().to_string(),
        parameters: model.parameters,
        file_bytes: model.file_bytes,
        inputs: model.inputs.clone(),
        outputs: model.outputs.clone(),
        task: model.task,
        features: features.to_vec(),
        layers: model
            .layers()
            .iter()
            .map(|l| LayerSummary {
                name: l.weight.clone(),
                rows: l.rows,
                cols: l.cols,
            })
            .collect(),
        trees: match &model.structure {
            Structure::Trees(t) => Some(t.trees().len()),
            Structure::Layers(_) => None,
        },
    }
}

/// Metrics of predictions `p` against the labels.
fn quality(task: Task, y: &[f64], p: &[f64]) -> [Option<f64>; 6] {
    match task {
        Task::Classification => {
            let m = metrics::classification(y, p);
            [
                Some(m.accuracy),
                Some(m.roc_auc),
                Some(m.log_loss),
                Some(m.f1),
                None,
                None,
            ]
        }
        Task::Regression => {
            let m = metrics::regression(y, p);
            [None, None, None, None, Some(m.mae), Some(m.rmse)]
        }
    }
}

fn metric_of(task: Task, metric: Metric, y: &[f64], p: &[f64]) -> f64 {
    let q = quality(task, y, p);
    let i = match metric {
        Metric::Accuracy => 0,
        Metric::RocAuc => 1,
        Metric::LogLoss => 2,
        Metric::F1 => 3,
        Metric::Mae => 4,
        Metric::Rmse => 5,
    };
    q[i].unwrap_or(f64::NAN)
}

/// Run the sweep. `original` is always evaluated first (and added when missing).
pub fn compress(
    model: &OnnxModel,
    data: &EvalData,
    params: &CompressParams,
    progress: &Progress,
) -> Result<CompressionReport, ModelError> {
    compress_with_training(model, data, None, params, progress)
}

/// [`compress`] with students trained on the teacher's outputs over `training` rows (the
/// reference data) instead of the evaluation rows, so their metrics are out of sample.
pub fn compress_with_training(
    model: &OnnxModel,
    data: &EvalData,
    training: Option<&EvalData>,
    params: &CompressParams,
    progress: &Progress,
) -> Result<CompressionReport, ModelError> {
    if model.task == Task::Classification && !data.labels_are_binary() {
        return Err(ModelError::Invalid(
            "the model is a binary classifier but the label column holds values other than 0 and 1"
                .into(),
        ));
    }
    let metric = params.metric.for_task(model.task);
    let mut specs = vec![VariantSpec::Original];
    specs.extend(
        params
            .variants
            .iter()
            .copied()
            .filter(|s| *s != VariantSpec::Original),
    );
    let steps = specs.len() as f32 + if params.sensitivity { 2.0 } else { 0.0 };
    let mut built: Vec<(Built, Vec<f64>, Option<IntegerCheck>)> = Vec::new();
    // The teacher's outputs on the rows students learn from.
    let mut teacher_on_training: Option<Vec<f64>> = None;
    for (i, spec) in specs.iter().enumerate() {
        progress.check()?;
        let label = spec.name(matches!(model.structure, Structure::Trees(_)));
        progress.set(Some(i as f32 / steps), format!("Evaluating {label}"));
        let b = match spec {
            VariantSpec::Distill(student) => match training {
                Some(train) => {
                    if teacher_on_training.is_none() {
                        teacher_on_training = Some(predict_all(model, &model.proto, None, train)?);
                    }
                    let teacher = teacher_on_training.as_deref().unwrap_or_default();
                    distill::student(model, train, teacher, *student)?
                }
                None => distill::student(model, data, &built[0].1, *student)?,
            },
            s => variant::build(model, *s)?,
        };
        let p = predict_all(
            model_for(model, &b).as_ref().unwrap_or(model),
            &b.proto,
            b.trees.as_ref(),
            data,
        )?;
        let check = match (&b.timed, b.integer) {
            (Some(graph), true) => Some(IntegerCheck::new(
                &p,
                &predict_all(model, graph, None, data)?,
                model.task == Task::Classification,
            )),
            _ => None,
        };
        built.push((b, p, check));
    }
    let original = built[0].1.clone();
    let classification = model.task == Task::Classification;
    let mut variants: Vec<VariantReport> = built
        .iter()
        .map(|(b, p, check)| {
            let [accuracy, roc_auc, log_loss, f1, mae, rmse] = quality(model.task, &data.y, p);
            VariantReport {
                name: b.name.clone(),
                kind: b.spec.kind(),
                accuracy,
                roc_auc,
                log_loss,
                f1,
                mae,
                rmse,
                agreement: agreement::agreement(&original, p, classification),
                packed_bytes: b.packed_bytes,
                dense_bytes: b.dense_bytes,
                file_bytes: OnnxModel::encode(&b.export).len() as u64,
                sparsity: b.sparsity,
                latency: Vec::new(),
                latency_rule: b.timing.clone(),
                integer_check: check.clone(),
            }
        })
        .collect();

    // Every variant is timed as the graph it is (its integer graph, its fp16 file, its smaller
    // or pruned graph, its trees): nothing is derived from the original's time.
    if params.measure_latency && !params.batch_sizes.is_empty() {
        for (i, (b, _, _)) in built.iter().enumerate() {
            progress.check()?;
            progress.set(
                Some((specs.len() as f32 - 1.0 + i as f32 / specs.len() as f32) / steps),
                format!("Timing {}", b.name),
            );
            let m = model_for(model, b);
            let m = m.as_ref().unwrap_or(model);
            let graph = b.timed.as_ref().unwrap_or(&b.proto);
            let mut points = Vec::new();
            for &batch in &params.batch_sizes {
                let runner = Runner::new(m, graph, b.trees.as_ref(), batch, data.width())?;
                let input = latency::batch_rows(&data.x, data.width(), batch);
                let (p50, p95) = latency::time_calls(&runner, &input, params.time_per_point)?;
                points.push(latency::measured(batch, p50, p95));
            }
            variants[i].latency = points;
        }
    }

    let sensitivity = if params.sensitivity && !model.layers().is_empty() {
        progress.set(Some((steps - 2.0) / steps), "Per-layer sensitivity");
        sensitivity(model, data, metric, progress)?
    } else {
        Vec::new()
    };

    let mut report = CompressionReport {
        model: summary(model, &data.features),
        metric,
        x_axis: params.x_axis,
        rows: data.rows,
        skipped_rows: data.skipped,
        variants,
        pareto: Vec::new(),
        sensitivity,
        cpu: latency::cpu_model(),
    };
    report.pareto = report
        .frontier(metric, params.x_axis)
        .into_iter()
        .map(|i| report.variants[i].name.clone())
        .collect();
    Ok(report)
}

/// A student is a different model (its own graph); the original otherwise.
fn model_for(model: &OnnxModel, b: &Built) -> Option<OnnxModel> {
    if b.spec.kind() != VariantKind::Distilled {
        return None;
    }
    OnnxModel::from_proto(model.path.clone(), 0, b.proto.clone()).ok()
}

/// Quantize (int4 per channel) or prune (50 %) one layer at a time; metric change per layer,
/// worst first.
pub fn sensitivity(
    model: &OnnxModel,
    data: &EvalData,
    metric: Metric,
    progress: &Progress,
) -> Result<Vec<SensitivityRow>, ModelError> {
    let base_p = predict_all(model, &model.proto, None, data)?;
    let base = metric_of(model.task, metric, &data.y, &base_p);
    let mut rows = Vec::new();
    for (i, layer) in model.layers().iter().enumerate() {
        progress.check()?;
        let mut deltas = [0.0; 2];
        for (j, spec) in [
            VariantSpec::Int {
                bits: 4,
                granularity: crate::analysis::compression::Granularity::PerChannel,
            },
            VariantSpec::Prune {
                percent: 50,
                global: false,
                keep_ends: false,
            },
        ]
        .into_iter()
        .enumerate()
        {
            let b = variant::build_one_layer(model, spec, i)?;
            let p = predict_all(model, &b.proto, None, data)?;
            deltas[j] = metric_of(model.task, metric, &data.y, &p) - base;
        }
        rows.push(SensitivityRow {
            layer: format!("{} ({}×{})", layer.weight, layer.rows, layer.cols),
            int4_delta: deltas[0],
            prune50_delta: deltas[1],
        });
    }
    // Damage: how much worse the metric gets, whichever direction is worse.
    let sign = if metric.higher_is_better() { -1.0 } else { 1.0 };
    let damage = |r: &SensitivityRow| (sign * r.int4_delta).max(sign * r.prune50_delta);
    rows.sort_by(|a, b| damage(b).total_cmp(&damage(a)));
    Ok(rows)
}

/// A quantized variant's integer graph ([`variant::export_integer`]) as ONNX bytes, when it
/// has one: what `--export` writes beside the compact file as `NAME.int.onnx`.
pub fn integer_export_bytes(
    model: &OnnxModel,
    spec: VariantSpec,
) -> Result<Option<Vec<u8>>, ModelError> {
    if !matches!(spec, VariantSpec::Int { .. }) || matches!(model.structure, Structure::Trees(_)) {
        return Ok(None);
    }
    let b = variant::build(model, spec)?;
    Ok(b.timed
        .as_ref()
        .filter(|_| b.integer)
        .map(OnnxModel::encode))
}

/// The ONNX bytes of a variant as it would be deployed (compact storage where it exists).
pub fn export_bytes(
    model: &OnnxModel,
    data: &EvalData,
    spec: VariantSpec,
) -> Result<Vec<u8>, ModelError> {
    let b = match spec {
        VariantSpec::Distill(student) => {
            let teacher = predict_all(model, &model.proto, None, data)?;
            distill::student(model, data, &teacher, student)?
        }
        s => variant::build(model, s)?,
    };
    Ok(OnnxModel::encode(&b.export))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sweep_metrics_keep_their_names_and_directions() {
        let all = [
            (Metric::RocAuc, "roc_auc", "ROC AUC", true),
            (Metric::Accuracy, "accuracy", "Accuracy", true),
            (Metric::LogLoss, "log_loss", "Log loss", false),
            (Metric::F1, "f1", "F1", true),
            (Metric::Mae, "mae", "MAE", false),
            (Metric::Rmse, "rmse", "RMSE", false),
        ];
        for (m, key, label, higher) in all {
            assert_eq!(
                (m.key(), m.label(), m.higher_is_better()),
                (key, label, higher)
            );
            assert_eq!(
                serde_json::to_string(&m).expect("serialise"),
                format!("\"{key}\"")
            );
        }
    }

    #[test]
    fn non_finite_metrics_are_named_in_json() {
        // AUC is NaN when the rows hold one class only.
        let v = VariantReport {
            name: "original".into(),
            kind: VariantKind::Original,
            accuracy: Some(1.0),
            roc_auc: Some(f64::NAN),
            log_loss: Some(0.1),
            f1: Some(0.0),
            mae: None,
            rmse: None,
            agreement: 1.0,
            packed_bytes: 1,
            dense_bytes: 1,
            file_bytes: 1,
            sparsity: 0.0,
            latency: Vec::new(),
            latency_rule: variant::TIMED_AS_IS.into(),
            integer_check: None,
        };
        let json = serde_json::to_value(&v).expect("serializes");
        assert_eq!(json["roc_auc"], "NaN");
        assert_eq!(json["accuracy"], 1.0);
        assert!(json["mae"].is_null());
        assert_eq!(json["kind"], "original");
    }
}

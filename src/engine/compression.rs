//! The compression lab over loaded datasets: the settings a user chooses (what the Compression
//! tab edits and a session stores), the evaluation inputs they pick out of the datasets, and the
//! whole sweep from settings to a report — shared by the tab's background job, the report and
//! `sextant compress` (which reads one labelled file: [`file_data`]).

use std::path::PathBuf;
use std::sync::Arc;

use polars::prelude::DataFrame;
use serde::{Deserialize, Serialize};

use crate::data::{Dataset, RoleMap};
use crate::model::compress::{CompressParams, CompressionReport, Metric, XAxis};
use crate::model::eval::eval_data;
use crate::model::{EvalData, ModelError, OnnxModel, Structure, VariantSpec};
use crate::vocab::{Cancelled, Progress, Renames, Role, Side};

/// What every presenter of the lab reads: the model, each variant's quality, size and latency,
/// the Pareto frontier and the per-layer sensitivity.
pub type CompressionOutcome = CompressionReport;

/// Why the lab could not evaluate the model. Messages are one sentence, as the window shows
/// them.
#[derive(Debug, thiserror::Error)]
pub enum CompressionError {
    #[error(transparent)]
    Range(#[from] super::ranges::RangeError),
    /// The model could not be loaded, edited or run, or the data does not fit it.
    #[error(transparent)]
    Model(ModelError),
    /// No column has the target role.
    #[error("Mark the label column with the target role (datasets panel) to evaluate the model")]
    NoTarget,
    /// The side chosen for the evaluation has no file.
    #[error("Open a {side} file to evaluate the model on")]
    NoData { side: String },
    /// The model's features are not among one dataset's columns.
    #[error("{dataset} ({side}): {reason}")]
    Features {
        dataset: String,
        side: String,
        reason: ModelError,
    },
    /// No side was chosen.
    #[error("No data to evaluate on")]
    NoRows,
    /// A variant name that does not parse.
    #[error("{0}")]
    Variant(String),
    /// The user cancelled.
    #[error("cancelled")]
    Cancelled,
}

impl From<ModelError> for CompressionError {
    fn from(e: ModelError) -> Self {
        match e {
            ModelError::Cancelled => Self::Cancelled,
            other => Self::Model(other),
        }
    }
}

impl From<Cancelled> for CompressionError {
    fn from(_: Cancelled) -> Self {
        Self::Cancelled
    }
}

/// Which labelled data the model is evaluated on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum EvalSide {
    #[default]
    Training,
    Production,
    /// Training rows, then production rows.
    Both,
}

/// What the user chose in the Compression tab (saved and restored by sessions).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct CompressionSettings {
    /// The ONNX model; `None` opens the bundled sample model when there is one.
    pub model_path: Option<PathBuf>,
    /// Columns for an `[N, k]` input, in order; empty: the names stored in the model.
    pub features: Vec<String>,
    /// Variant names (`fp16`, `int8-per-channel`, `prune:0.5`, …); empty: the default sweep.
    pub variants: Vec<String>,
    /// Batch sizes to time; empty: 1, 8, 32, 128, 1024.
    pub batch_sizes: Vec<usize>,
    /// Latency budget per call in ms; `None`: 1 ms.
    pub latency_budget_ms: Option<f64>,
    /// Largest acceptable metric loss against the original; `None`: 0.01.
    pub accuracy_loss_budget: Option<f64>,
    pub metric: Metric,
    pub x_axis: XAxis,
    pub side: EvalSide,
    /// What the batch-size chart shows.
    pub batch_chart: BatchChart,
}

/// The y axis of the batch-size chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum BatchChart {
    /// p95 time per call, with the latency budget.
    #[default]
    Latency,
    /// Rows per second at the median.
    Throughput,
}

impl CompressionSettings {
    /// The budgets and batch sizes inside their documented ranges ([`super::ranges`]).
    pub fn validate(&self) -> Result<(), super::ranges::RangeError> {
        use super::ranges;
        ranges::LATENCY_BUDGET_MS.check_opt(self.latency_budget_ms)?;
        ranges::ACCURACY_LOSS_BUDGET.check_opt(self.accuracy_loss_budget)?;
        ranges::check_batch_sizes(&self.batch_sizes)
    }

    pub fn latency_budget(&self) -> f64 {
        self.latency_budget_ms.unwrap_or(1.0)
    }
    pub fn loss_budget(&self) -> f64 {
        self.accuracy_loss_budget.unwrap_or(0.01)
    }
    pub fn batch_list(&self) -> Vec<usize> {
        if self.batch_sizes.is_empty() {
            vec![1, 8, 32, 128, 1024]
        } else {
            self.batch_sizes.clone()
        }
    }
}

/// The bundled sample model, when Sextant runs from its source tree.
pub fn sample_model() -> Option<PathBuf> {
    crate::sample_data::bundled_dir()
        .map(|d| d.join("credit_mlp.onnx"))
        .filter(|p| p.exists())
}

/// The model to show: the chosen one, else the sample.
pub fn model_path(settings: &CompressionSettings) -> Option<PathBuf> {
    settings.model_path.clone().or_else(sample_model)
}

/// Inputs of the evaluation: model, data, label, features. Cheap to build (frames are shared),
/// so the window builds them on its thread and reads the rows in the job.
pub struct Inputs {
    pub model: Arc<OnnxModel>,
    /// Each side's frame with the feature columns under that side's names.
    pub frames: Vec<(DataFrame, Vec<String>)>,
    pub target: String,
    /// Feature names as training calls them.
    pub features: Vec<String>,
    pub load_ids: Vec<u64>,
    /// Training's frame, for students, when the evaluation rows are not (only) training's.
    pub training: Option<DataFrame>,
}

/// The features a model reads from a dataset's columns, as training calls them: production
/// columns go by their training names under accepted renames. `given` names them for a model
/// with one unnamed `[N, k]` input.
pub fn model_features(
    model: &OnnxModel,
    given: &[String],
    ds: &Dataset,
    renames: &Renames,
) -> Result<Vec<String>, ModelError> {
    let columns: Vec<String> = ds
        .columns
        .iter()
        .map(|c| renames.reference_name(&c.name).to_string())
        .collect();
    model.resolve_features(given, &columns)
}

/// The names under which a production dataset holds the training `features`.
pub fn current_names(features: &[String], renames: &Renames) -> Vec<String> {
    features
        .iter()
        .map(|f| renames.current_name(f).to_string())
        .collect()
}

/// The labelled rows of one file for the model, features under their training names; at
/// most `rows` of them (the first ones) when given. Returns the rows and the features.
pub fn file_data(
    model: &OnnxModel,
    ds: &Dataset,
    target: &str,
    given: &[String],
    renames: &Renames,
    rows: Option<usize>,
) -> Result<(EvalData, Vec<String>), ModelError> {
    let features = model_features(model, given, ds, renames)?;
    let mut data = eval_data(&ds.frame, &current_names(&features, renames), target)?;
    data.features = features.clone();
    if let Some(n) = rows {
        data = data.head(n.max(1));
    }
    Ok((data, features))
}

/// The labelled rows of a training file for the students, features under their training
/// names; at most `rows` of them when given.
pub fn labelled_rows(
    ds: &Dataset,
    features: &[String],
    target: &str,
    rows: Option<usize>,
) -> Result<EvalData, ModelError> {
    let mut data = eval_data(&ds.frame, features, target)?;
    if let Some(n) = rows {
        data = data.head(n.max(1));
    }
    Ok(data)
}

/// The variant of `variants` whose report is named `name` ("original" is the model itself;
/// an unknown name falls back to it).
pub fn variant_named(model: &OnnxModel, variants: &[VariantSpec], name: &str) -> VariantSpec {
    let trees = matches!(model.structure, Structure::Trees(_));
    *variants
        .iter()
        .find(|s| s.name(trees) == name)
        .unwrap_or(&VariantSpec::Original)
}

impl Inputs {
    /// The labelled rows of every chosen side, one after the other.
    pub fn data(&self) -> Result<EvalData, CompressionError> {
        let mut all: Option<EvalData> = None;
        for (frame, names) in &self.frames {
            let d = eval_data(frame, names, &self.target)?;
            match &mut all {
                None => all = Some(d),
                Some(a) => {
                    a.x.extend(d.x);
                    a.y.extend(d.y);
                    a.rows += d.rows;
                    a.skipped += d.skipped;
                }
            }
        }
        let mut data = all.ok_or(CompressionError::NoRows)?;
        data.features = self.features.clone();
        Ok(data)
    }
}

/// The evaluation inputs for `settings` over the loaded datasets: the chosen sides' rows, the
/// target by its role, the model's features found in the columns (production columns by their
/// training names under accepted renames).
pub fn inputs(
    model: Arc<OnnxModel>,
    settings: &CompressionSettings,
    datasets: [Option<&Dataset>; 2],
    roles: &RoleMap,
    renames: &Renames,
) -> Result<Inputs, CompressionError> {
    let sides: &[Side] = match settings.side {
        EvalSide::Training => &[Side::Reference],
        EvalSide::Production => &[Side::Current],
        EvalSide::Both => &[Side::Reference, Side::Current],
    };
    let target = roles
        .column_with(Role::Target)
        .map(str::to_string)
        .ok_or(CompressionError::NoTarget)?;
    let mut frames = Vec::new();
    let mut features = Vec::new();
    let mut load_ids = Vec::new();
    for &side in sides {
        let ds = datasets[side.index()].ok_or_else(|| CompressionError::NoData {
            side: side.label().to_lowercase(),
        })?;
        // Production columns go by their training names (accepted renames).
        features = model_features(&model, &settings.features, ds, renames).map_err(|reason| {
            CompressionError::Features {
                dataset: ds.name(),
                side: side.label().to_lowercase(),
                reason,
            }
        })?;
        let names = if side == Side::Current {
            current_names(&features, renames)
        } else {
            features.clone()
        };
        frames.push((ds.frame.clone(), names));
        load_ids.push(ds.load_id);
    }
    // Students learn from training's rows; when those are evaluated too they are in sample.
    let training = (settings.side != EvalSide::Training)
        .then(|| datasets[Side::Reference.index()].map(|d| d.frame.clone()))
        .flatten();
    Ok(Inputs {
        frames,
        target,
        features,
        model,
        load_ids,
        training,
    })
}

impl CompressionSettings {
    /// The sweep's parameters: the chosen variants (the model's default sweep when none),
    /// batch sizes, metric. `measure_latency` times each variant (off for quick reports).
    pub fn params(
        &self,
        model: &OnnxModel,
        measure_latency: bool,
    ) -> Result<CompressParams, CompressionError> {
        self.validate()?;
        let variants: Vec<VariantSpec> = if self.variants.is_empty() {
            model.default_variants()
        } else {
            self.variants
                .iter()
                .map(|v| VariantSpec::parse(v))
                .collect::<Result<_, _>>()
                .map_err(CompressionError::Variant)?
        };
        Ok(CompressParams {
            variants,
            batch_sizes: self.batch_list(),
            measure_latency,
            time_per_point: std::time::Duration::from_millis(60),
            metric: self.metric,
            x_axis: self.x_axis,
            sensitivity: true,
        })
    }
}

/// Evaluate every variant on the inputs (students learn from training's rows when those are
/// not the evaluation rows).
pub fn sweep(
    inputs: &Inputs,
    params: &CompressParams,
    progress: &Progress,
) -> Result<CompressionOutcome, CompressionError> {
    progress.set(None, "Preparing the data");
    let data = inputs.data()?;
    let training = inputs
        .training
        .as_ref()
        .map(|f| eval_data(f, &inputs.features, &inputs.target))
        .transpose()?;
    Ok(crate::model::compress::compress_with_training(
        &inputs.model,
        &data,
        training.as_ref(),
        params,
        progress,
    )?)
}

/// The whole lab for a session: load the chosen model (none chosen: nothing to do), pick the
/// inputs, run the sweep with latency measured.
pub fn run(
    settings: &CompressionSettings,
    datasets: [Option<&Dataset>; 2],
    roles: &RoleMap,
    renames: &Renames,
    progress: &Progress,
) -> Option<Result<CompressionOutcome, CompressionError>> {
    let path = settings.model_path.as_ref()?;
    Some((|| {
        progress.set(None, "Loading the model");
        let model = Arc::new(OnnxModel::load(path)?);
        let params = settings.params(&model, true)?;
        let inputs = inputs(model, settings, datasets, roles, renames)?;
        sweep(&inputs, &params, progress)
    })())
}

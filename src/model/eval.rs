//! Evaluation data (feature matrix and labels from a data frame) and running a model on it.

use std::sync::Arc;

use polars::prelude::*;
use tract_onnx::prelude::*;

use super::load::{OnnxModel, Structure};
use super::trees::Compiled;
use super::{ModelError, pb, runtime};

/// Labelled rows ready for a model: `x` is row-major `rows × width` f32.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalData {
    pub features: Vec<String>,
    pub x: Vec<f32>,
    pub y: Vec<f64>,
    pub rows: usize,
    /// Rows left out because a feature or the label was missing.
    pub skipped: usize,
}

impl EvalData {
    pub fn width(&self) -> usize {
        self.features.len()
    }

    /// Whether every label is 0 or 1.
    pub fn labels_are_binary(&self) -> bool {
        self.y.iter().all(|v| *v == 0.0 || *v == 1.0)
    }

    /// The first `n` rows only (for quick sweeps and tests).
    pub fn head(&self, n: usize) -> EvalData {
        let n = n.min(self.rows);
        EvalData {
            features: self.features.clone(),
            x: self.x[..n * self.width()].to_vec(),
            y: self.y[..n].to_vec(),
            rows: n,
            skipped: self.skipped,
        }
    }
}

fn numeric_column(
    frame: &DataFrame,
    name: &str,
    what: &str,
) -> Result<Vec<Option<f64>>, ModelError> {
    let col = frame
        .column(name)
        .map_err(|_| ModelError::Invalid(format!("the data has no {what} column {name}")))?;
    let dtype = col.dtype();
    if !(dtype.is_primitive_numeric() || dtype.is_bool()) {
        return Err(ModelError::Invalid(format!(
            "the {what} column {name} is {dtype}, not numeric; the model needs numbers"
        )));
    }
    let s = col
        .as_materialized_series()
        .cast(&DataType::Float64)
        .map_err(|e| ModelError::Invalid(format!("the column {name} could not be read: {e}")))?;
    let ca = s
        .f64()
        .map_err(|e| ModelError::Invalid(format!("the column {name} could not be read: {e}")))?;
    Ok(ca.iter().collect())
}

/// Build evaluation data: `features` in order, `target` as the label. Rows with a missing or
/// NaN value in any of them are skipped (and counted).
pub fn eval_data(
    frame: &DataFrame,
    features: &[String],
    target: &str,
) -> Result<EvalData, ModelError> {
    let label = numeric_column(frame, target, "label")?;
    let cols: Vec<Vec<Option<f64>>> = features
        .iter()
        .map(|f| numeric_column(frame, f, "feature"))
        .collect::<Result<_, _>>()?;
    let mut x = Vec::with_capacity(label.len() * features.len());
    let mut y = Vec::with_capacity(label.len());
    let mut skipped = 0;
    'rows: for (r, l) in label.iter().enumerate() {
        let Some(l) = l.filter(|v| v.is_finite()) else {
            skipped += 1;
            continue;
        };
        for c in &cols {
            if !c[r].is_some_and(f64::is_finite) {
                skipped += 1;
                continue 'rows;
            }
        }
        x.extend(cols.iter().map(|c| c[r].unwrap_or(f64::NAN) as f32));
        y.push(l);
    }
    if y.is_empty() {
        return Err(ModelError::Invalid(format!(
            "no row has the label {target} and all {} features present",
            features.len()
        )));
    }
    Ok(EvalData {
        features: features.to_vec(),
        rows: y.len(),
        x,
        y,
        skipped,
    })
}

/// Something that turns rows into predictions.
pub enum Runner {
    /// A tract plan for a fixed batch size.
    Tract {
        plan: Arc<TypedRunnableModel>,
        batch: usize,
        width: usize,
        inputs: usize,
        classification: bool,
    },
    Trees {
        compiled: Compiled,
        width: usize,
    },
}

impl Runner {
    /// A runner for `proto` (a variant of `model`) at a fixed `batch`; trees from `trees`.
    pub fn new(
        model: &OnnxModel,
        proto: &pb::ModelProto,
        trees: Option<&super::trees::TreeEnsemble>,
        batch: usize,
        width: usize,
    ) -> Result<Runner, ModelError> {
        if let Structure::Trees(t) = &model.structure {
            return Ok(Runner::Trees {
                compiled: trees.unwrap_or(t).compile()?,
                width,
            });
        }
        super::guarded(|| Self::tract(model, proto, batch, width))
    }

    /// The tract plan of [`Runner::new`] (unguarded).
    fn tract(
        model: &OnnxModel,
        proto: &pb::ModelProto,
        batch: usize,
        width: usize,
    ) -> Result<Runner, ModelError> {
        let mut m = tract_onnx::onnx()
            .model_for_proto_model(proto)
            .map_err(runtime)?;
        m.select_outputs_by_name([model.output.as_str()])
            .map_err(runtime)?;
        let inputs = model.inputs.len();
        for i in 0..inputs {
            let fact = if inputs == 1 {
                if model.inputs[0].shape.len() == 1 {
                    f32::fact([batch])
                } else {
                    f32::fact([batch, width])
                }
            } else if model.inputs[i].shape.len() == 1 {
                f32::fact([batch])
            } else {
                f32::fact([batch, 1])
            };
            m.set_input_fact(i, fact.into()).map_err(runtime)?;
        }
        let plan = m
            .into_optimized()
            .map_err(runtime)?
            .into_runnable()
            .map_err(runtime)?;
        Ok(Runner::Tract {
            plan,
            batch,
            width,
            inputs,
            classification: model.task == crate::vocab::Task::Classification,
        })
    }

    /// Predictions for exactly `batch` rows (tract) or any number of rows (trees).
    pub fn run(&self, x: &[f32]) -> Result<Vec<f64>, ModelError> {
        super::guarded(|| self.run_unguarded(x))
    }

    fn run_unguarded(&self, x: &[f32]) -> Result<Vec<f64>, ModelError> {
        match self {
            Runner::Trees { compiled, width } => compiled.predict(x, *width),
            Runner::Tract {
                plan,
                batch,
                width,
                inputs,
                classification,
            } => {
                let tensors: TVec<TValue> = if *inputs == 1 {
                    tvec![
                        Tensor::from_shape(&[*batch, *width], x)
                            .map_err(runtime)?
                            .into()
                    ]
                } else {
                    (0..*inputs)
                        .map(|c| {
                            let col: Vec<f32> = x.chunks_exact(*width).map(|r| r[c]).collect();
                            Tensor::from_shape(&[*batch, 1], &col).map(TValue::from)
                        })
                        .collect::<TractResult<_>>()
                        .map_err(runtime)?
                };
                let out = plan.run(tensors).map_err(runtime)?;
                let first = out
                    .first()
                    .ok_or_else(|| ModelError::Runtime("the model gave no output".into()))?;
                let view = first.to_plain_array_view::<f32>().map_err(runtime)?;
                let cols = if view.ndim() >= 2 {
                    view.shape()[view.ndim() - 1]
                } else {
                    1
                };
                let flat: Vec<f32> = view.iter().copied().collect();
                if cols == 0 || !flat.len().is_multiple_of(cols) {
                    return Err(ModelError::Runtime(format!(
                        "the model's output has shape {:?}, not one row of scores per input row",
                        view.shape()
                    )));
                }
                let pick = if *classification && cols >= 2 { 1 } else { 0 };
                Ok(flat.chunks(cols).map(|r| f64::from(r[pick])).collect())
            }
        }
    }
}

/// Predictions of a variant for all rows of `data`.
pub fn predict_all(
    model: &OnnxModel,
    proto: &pb::ModelProto,
    trees: Option<&super::trees::TreeEnsemble>,
    data: &EvalData,
) -> Result<Vec<f64>, ModelError> {
    if let Structure::Trees(t) = &model.structure {
        return trees.unwrap_or(t).compile()?.predict(&data.x, data.width());
    }
    Runner::new(model, proto, None, data.rows, data.width())?.run(&data.x)
}

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
    /// Features that are string columns, held in `x` as codes ([`super::ml_ops::string_code`]);
    /// only a model input of type string may read them.
    pub text: Vec<bool>,
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
            text: self.text.clone(),
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
    // A string feature (for a pipeline's OneHotEncoder or LabelEncoder) travels as codes.
    if what == "feature" && matches!(dtype, DataType::String) {
        return string_codes(col, name);
    }
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

/// The codes ([`super::ml_ops::string_code`]) of a string column; nulls stay missing.
fn string_codes(col: &Column, name: &str) -> Result<Vec<Option<f64>>, ModelError> {
    let s = col
        .as_materialized_series()
        .cast(&DataType::String)
        .map_err(|e| ModelError::Invalid(format!("the column {name} could not be read: {e}")))?;
    let ca = s
        .str()
        .map_err(|e| ModelError::Invalid(format!("the column {name} could not be read: {e}")))?;
    ca.iter()
        .map(|v| {
            v.map(|v| {
                super::ml_ops::string_code(v).map(f64::from).ok_or_else(|| {
                    ModelError::Invalid(format!(
                        "the column {name} brings the distinct strings past {}, more than Sextant holds",
                        super::ml_ops::MAX_STRINGS
                    ))
                })
            })
            .transpose()
        })
        .collect()
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
    let text = features
        .iter()
        .map(|f| {
            frame
                .column(f)
                .is_ok_and(|c| matches!(c.dtype(), DataType::String))
        })
        .collect();
    Ok(EvalData {
        text,
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
    /// A graph with `ai.onnx.ml` operators, evaluated step by step ([`super::pipeline`]).
    Pipeline {
        pipe: Arc<super::pipeline::Pipeline>,
        output: String,
        batch: usize,
        width: usize,
        classification: bool,
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
        if super::pipeline::needed(super::proto::graph(proto)?) {
            let pipe = super::pipeline::Pipeline::new(proto, &model.name())?;
            return Ok(Runner::Pipeline {
                pipe: Arc::new(pipe),
                output: model.output.clone(),
                batch,
                width,
                classification: model.task == crate::vocab::Task::Classification,
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
            Runner::Pipeline {
                pipe,
                output,
                batch,
                width,
                classification,
            } => {
                let feeds = super::pipeline::feeds(&pipe.inputs, x, *batch, *width)?;
                let values = pipe.run(feeds)?;
                let out = values.get(output).ok_or_else(|| {
                    ModelError::Runtime(format!("the pipeline did not compute its output {output}"))
                })?;
                let flat = out.to_f32().map_err(ModelError::Runtime)?;
                let cols = if out.shape.len() >= 2 {
                    out.shape[out.shape.len() - 1]
                } else {
                    1
                };
                if cols == 0 || flat.len() != cols * batch {
                    return Err(ModelError::Runtime(format!(
                        "the model's output {output} has shape {:?}, not one row of scores per input row",
                        out.shape
                    )));
                }
                let pick = if *classification && cols >= 2 { 1 } else { 0 };
                Ok(flat.chunks(cols).map(|r| f64::from(r[pick])).collect())
            }
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
    check_text(model, data)?;
    if let Structure::Trees(t) = &model.structure {
        return trees.unwrap_or(t).compile()?.predict(&data.x, data.width());
    }
    Runner::new(model, proto, None, data.rows, data.width())?.run(&data.x)
}

/// A string column may only feed a string input: anywhere else its codes would be read as
/// numbers.
pub fn check_text(model: &OnnxModel, data: &EvalData) -> Result<(), ModelError> {
    for (i, f) in data.features.iter().enumerate() {
        if !data.text.get(i).copied().unwrap_or(false) {
            continue;
        }
        let input = if model.inputs.len() > 1 {
            model.inputs.get(i)
        } else {
            None
        };
        if input.is_none_or(|inp| inp.elem_type != "string") {
            return Err(ModelError::Invalid(format!(
                "the feature column {f} is text, not numeric, and {} reads it as numbers",
                model.name()
            )));
        }
    }
    Ok(())
}

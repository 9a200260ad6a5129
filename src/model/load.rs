//! Loading an ONNX file and describing it: inputs, outputs, layers, parameter count.

use std::path::{Path, PathBuf};

use prost::Message;
use serde::Serialize;

use super::proto::{self, graph};
use super::trees::TreeEnsemble;
use super::{ModelError, pb};
use crate::vocab::Task;

/// A graph input or output.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TensorInfo {
    pub name: String,
    /// Fixed sizes, or `None` for a symbolic dimension such as the batch.
    pub shape: Vec<Option<i64>>,
    pub elem_type: String,
}

impl TensorInfo {
    /// `input: float32 [N, 7]`.
    pub fn describe(&self) -> String {
        let dims: Vec<String> = self
            .shape
            .iter()
            .map(|d| d.map_or_else(|| "N".to_string(), |n| n.to_string()))
            .collect();
        format!("{}: {} [{}]", self.name, self.elem_type, dims.join(", "))
    }
}

/// A dense layer: `y = x · W + b` (`MatMul` + `Add`, or `Gemm`). `rows` × `cols` = in × out.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Layer {
    pub weight: String,
    pub bias: Option<String>,
    pub rows: usize,
    pub cols: usize,
    /// The weight is stored `[out, in]` (`Gemm` with `transB = 1`, linear models).
    pub transposed: bool,
    /// Where the weight lives.
    pub source: WeightSource,
}

/// Where a layer's weight and bias are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WeightSource {
    /// Graph initializers named `weight` and `bias`.
    Initializer,
    /// The `coefficients` and `intercepts` attributes of node `node` (`ai.onnx.ml`
    /// `LinearClassifier` / `LinearRegressor`), stored `[targets, features]`.
    Attribute { node: usize },
}

/// What can be edited in a model.
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)] // one per model; boxing would only add indirection
pub enum Structure {
    /// Dense layers in graph order, run by tract.
    Layers(Vec<Layer>),
    /// A tree ensemble, run by the in-house evaluator.
    Trees(TreeEnsemble),
}

/// A loaded model.
#[derive(Debug, Clone)]
pub struct OnnxModel {
    pub path: PathBuf,
    pub file_bytes: u64,
    pub proto: pb::ModelProto,
    pub inputs: Vec<TensorInfo>,
    pub outputs: Vec<TensorInfo>,
    /// Column names stored in the model's metadata (`feature_names`, comma separated).
    pub feature_names: Option<Vec<String>>,
    pub structure: Structure,
    /// Weights, biases and tree values.
    pub parameters: u64,
    /// The float output used for predictions.
    pub output: String,
    pub task: Task,
    /// Operator types in graph order, for display.
    pub ops: Vec<String>,
}

const TREE_OPS: [&str; 2] = ["TreeEnsembleClassifier", "TreeEnsembleRegressor"];

impl OnnxModel {
    /// Read and check an ONNX file.
    pub fn load(path: &Path) -> Result<OnnxModel, ModelError> {
        let shown = path.display().to_string();
        let meta = std::fs::metadata(path).map_err(|e| ModelError::Read {
            path: shown.clone(),
            reason: e.to_string(),
        })?;
        // A pipe or device could block or never end: only regular files are read.
        if !meta.is_file() {
            return Err(ModelError::Read {
                path: shown,
                reason: if meta.is_dir() {
                    "it is a directory, not a model file".into()
                } else {
                    "it is not a regular file (a pipe, socket or device)".into()
                },
            });
        }
        // The bytes and the decoded protobuf are both held: refuse what cannot fit twice.
        if let Some(available) = crate::data::load::available_memory() {
            let needed = meta.len().saturating_mul(2);
            if needed > available {
                return Err(ModelError::Invalid(format!(
                    "{shown} is too large to load: about {} needed but only {} of memory is available",
                    crate::format::fmt_bytes(needed),
                    crate::format::fmt_bytes(available)
                )));
            }
        }
        let bytes = std::fs::read(path).map_err(|e| ModelError::Read {
            path: shown.clone(),
            reason: e.to_string(),
        })?;
        let proto = pb::ModelProto::decode(bytes.as_slice()).map_err(|e| ModelError::NotOnnx {
            path: shown.clone(),
            reason: e.to_string(),
        })?;
        if proto.graph.as_ref().is_none_or(|g| g.node.is_empty()) {
            return Err(ModelError::NotOnnx {
                path: shown,
                reason: "it has no graph nodes".into(),
            });
        }
        Self::from_proto(path.to_path_buf(), bytes.len() as u64, proto)
    }

    /// Describe an already decoded model.
    pub fn from_proto(
        path: PathBuf,
        file_bytes: u64,
        proto: pb::ModelProto,
    ) -> Result<OnnxModel, ModelError> {
        let shown = path.display().to_string();
        let g = graph(&proto)?;
        // Every later reader of a tensor (weights, biases, tract) trusts its shape: a tensor
        // whose dims do not match its data is refused here, by name.
        proto::check_graph(g, &shown, crate::data::load::available_memory())?;
        check_names(g, &shown)?;
        let known = tract_onnx::onnx().op_register.0;
        for node in &g.node {
            let ours = TREE_OPS.contains(&node.op_type.as_str()) || super::ml_ops::is_ours(node);
            if !ours && !known.contains_key(&node.op_type) {
                return Err(ModelError::Unsupported {
                    path: shown,
                    op: node.op_type.clone(),
                    node: if node.name.is_empty() {
                        node.output.first().cloned().unwrap_or_default()
                    } else {
                        node.name.clone()
                    },
                });
            }
        }
        let init_names: std::collections::HashSet<&str> =
            g.initializer.iter().map(|t| t.name.as_str()).collect();
        let info = |v: &pb::ValueInfoProto| {
            let (shape, ty) = proto::value_shape(v);
            TensorInfo {
                name: v.name.clone(),
                shape,
                elem_type: proto::type_name(ty).to_string(),
            }
        };
        let inputs: Vec<TensorInfo> = g
            .input
            .iter()
            .filter(|v| !init_names.contains(v.name.as_str()))
            .map(info)
            .collect();
        let outputs: Vec<TensorInfo> = g.output.iter().map(info).collect();
        if inputs.is_empty() {
            return Err(ModelError::Invalid(format!("{shown} has no graph inputs")));
        }
        // Other than float32, inputs go through the pipeline evaluator, which feeds these types.
        let fed = ["float32", "float64", "int64", "int32", "string"];
        if let Some(bad) = inputs.iter().find(|i| !fed.contains(&i.elem_type.as_str())) {
            return Err(ModelError::Invalid(format!(
                "{shown}: input {} is {}; Sextant feeds models float, integer or string tensors",
                bad.name, bad.elem_type
            )));
        }
        let partitioned = super::pipeline::needed(g);
        let feature_names = proto
            .metadata_props
            .iter()
            .find(|p| p.key == "feature_names")
            .map(|p| {
                p.value
                    .split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
            })
            .filter(|v| !v.is_empty());
        let ops: Vec<String> = g.node.iter().map(|n| n.op_type.clone()).collect();

        // A lone tree ensemble is edited and run by the tree evaluator; one inside a pipeline is
        // run as a pipeline step, and the pipeline's dense layers are what variants edit.
        let tree_node = g
            .node
            .iter()
            .position(|n| TREE_OPS.contains(&n.op_type.as_str()))
            .filter(|&pos| !partitioned || lone_tree(g, pos));
        let (structure, output, task) = if let Some(pos) = tree_node {
            let t = TreeEnsemble::from_node(&g.node[pos], pos)
                .map_err(|e| ModelError::Invalid(format!("{shown}: {e}")))?;
            // Compiling checks node references, targets and cycles: a malformed ensemble is
            // refused on load, not when it is first run.
            t.compile()
                .map_err(|e| ModelError::Invalid(format!("{shown}: {e}")))?;
            let task = if t.classifier {
                Task::Classification
            } else {
                Task::Regression
            };
            // The classifier's second output (probabilities) or the regressor's only output.
            let node = &g.node[pos];
            let out = node
                .output
                .get(usize::from(t.classifier))
                .cloned()
                .unwrap_or_default();
            (Structure::Trees(t), out, task)
        } else if partitioned {
            let (out, task) = pipeline_output(g, &outputs, &shown)?;
            (Structure::Layers(find_layers(g)?), out, task)
        } else {
            let out = outputs
                .iter()
                .find(|o| o.elem_type == "float32")
                .ok_or_else(|| {
                    ModelError::Invalid(format!(
                        "{shown} has no float32 output to read predictions from"
                    ))
                })?;
            let task = if out.shape.last().copied().flatten() == Some(2) {
                Task::Classification
            } else {
                Task::Regression
            };
            (Structure::Layers(find_layers(g)?), out.name.clone(), task)
        };
        let parameters = match &structure {
            Structure::Trees(t) => t.parameter_count() as u64,
            Structure::Layers(_) => {
                g.initializer
                    .iter()
                    .map(|t| {
                        t.dims
                            .iter()
                            .try_fold(1u64, |acc, &d| acc.checked_mul(u64::try_from(d).ok()?))
                            .unwrap_or(0)
                    })
                    .sum::<u64>()
                    + g.node
                        .iter()
                        .flat_map(|n| &n.attribute)
                        .filter(|a| a.name == "coefficients" || a.name == "intercepts")
                        .map(|a| a.floats.len() as u64)
                        .sum::<u64>()
            }
        };
        Ok(OnnxModel {
            path,
            file_bytes,
            proto,
            inputs,
            outputs,
            feature_names,
            structure,
            parameters,
            output,
            task,
            ops,
        })
    }

    /// The file name, for labels.
    pub fn name(&self) -> String {
        self.path.file_name().map_or_else(
            || self.path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        )
    }

    /// Number of values the model takes per row (`k` of an `[N, k]` input, or one per input).
    pub fn width(&self) -> Option<usize> {
        if self.inputs.len() > 1 {
            return Some(self.inputs.len());
        }
        let i = &self.inputs[0];
        match i.shape.as_slice() {
            [_, Some(k)] => Some(*k as usize),
            [_] => Some(1),
            _ => None,
        }
    }

    /// Whether an input takes strings (a pipeline's OneHotEncoder or LabelEncoder column).
    pub fn has_text_inputs(&self) -> bool {
        self.inputs.iter().any(|i| i.elem_type == "string")
    }

    /// The layers, when the model is a stack of dense layers.
    pub fn layers(&self) -> &[Layer] {
        match &self.structure {
            Structure::Layers(l) => l,
            Structure::Trees(_) => &[],
        }
    }

    /// The columns the model reads, in order: one input per column maps by name; an `[N, k]`
    /// input takes `user` when given, else the `feature_names` metadata. Says what does not
    /// match `columns` (the dataset's column names).
    pub fn resolve_features(
        &self,
        user: &[String],
        columns: &[String],
    ) -> Result<Vec<String>, ModelError> {
        let name = self.name();
        let chosen: Vec<String> = if self.inputs.len() > 1 {
            self.inputs.iter().map(|i| i.name.clone()).collect()
        } else if !user.is_empty() {
            user.to_vec()
        } else if let Some(f) = &self.feature_names {
            f.clone()
        } else {
            return Err(ModelError::Invalid(format!(
                "{name} takes one input of {} columns and does not name them; list the columns in order (--features a,b,c in the CLI)",
                self.width()
                    .map_or_else(|| "several".into(), |k| k.to_string())
            )));
        };
        if let Some(k) = self.width()
            && chosen.len() != k
        {
            return Err(ModelError::Invalid(format!(
                "{name} expects {k} input columns but {} were given ({})",
                chosen.len(),
                chosen.join(", ")
            )));
        }
        let missing: Vec<&str> = chosen
            .iter()
            .filter(|c| !columns.contains(c))
            .map(String::as_str)
            .collect();
        if !missing.is_empty() {
            return Err(ModelError::Invalid(format!(
                "{name} reads column{} {} that the data does not have",
                if missing.len() > 1 { "s" } else { "" },
                missing.join(", ")
            )));
        }
        Ok(chosen)
    }

    /// Encode the (edited) proto as ONNX bytes.
    pub fn encode(proto: &pb::ModelProto) -> Vec<u8> {
        proto.encode_to_vec()
    }
}

/// A tree ensemble that reads a graph input and is followed only by output bookkeeping
/// (`ZipMap`, `Cast`, `Identity`, as skl2onnx writes a forest classifier): the tree evaluator
/// runs it from the input rows directly, so tree variants apply.
fn lone_tree(g: &pb::GraphProto, pos: usize) -> bool {
    let tree = &g.node[pos];
    let reads_input = tree.input.first().is_some_and(|i| {
        g.input
            .iter()
            .any(|v| v.name == *i && proto::value_shape(v).1 == proto::FLOAT)
    });
    let bookkeeping = g
        .node
        .iter()
        .enumerate()
        .all(|(i, n)| i == pos || matches!(n.op_type.as_str(), "ZipMap" | "Cast" | "Identity"));
    let inputs = g
        .input
        .iter()
        .filter(|v| proto::initializer(g, &v.name).is_none())
        .count();
    reads_input && bookkeeping && inputs == 1
}

/// The output a pipeline's predictions are read from: a float32 tensor, or a `ZipMap`'s map
/// of probabilities (which the pipeline evaluator keeps as the tensor it was made from). A
/// classifier has a label output (int64 or string) beside it, or two score columns.
fn pipeline_output(
    g: &pb::GraphProto,
    outputs: &[TensorInfo],
    shown: &str,
) -> Result<(String, Task), ModelError> {
    let zipped = |name: &str| {
        g.node
            .iter()
            .any(|n| n.op_type == "ZipMap" && n.output.iter().any(|o| o == name))
    };
    let out = outputs
        .iter()
        .find(|o| o.elem_type == "float32")
        .or_else(|| outputs.iter().find(|o| zipped(&o.name)))
        .ok_or_else(|| {
            ModelError::Invalid(format!(
                "{shown} has no float32 or ZipMap output to read predictions from"
            ))
        })?;
    let labels = outputs
        .iter()
        .any(|o| o.name != out.name && (o.elem_type == "int64" || o.elem_type == "string"));
    let task = if labels || zipped(&out.name) || out.shape.last().copied().flatten() == Some(2) {
        Task::Classification
    } else {
        Task::Regression
    };
    Ok((out.name.clone(), task))
}

/// Every value the graph reads has a source: each node input and each graph output is a graph
/// input, an initializer or a node's output. tract indexes its name table with them and panics
/// on a missing one; here it is one sentence.
fn check_names(g: &pb::GraphProto, shown: &str) -> Result<(), ModelError> {
    let defined: std::collections::HashSet<&str> = g
        .input
        .iter()
        .map(|v| v.name.as_str())
        .chain(g.initializer.iter().map(|t| t.name.as_str()))
        .chain(
            g.node
                .iter()
                .flat_map(|n| n.output.iter().map(String::as_str)),
        )
        .collect();
    for node in &g.node {
        if let Some(missing) = node
            .input
            .iter()
            .find(|i| !i.is_empty() && !defined.contains(i.as_str()))
        {
            return Err(ModelError::Invalid(format!(
                "{shown}: node \"{}\" ({}) reads {missing}, which no input, initializer or node provides",
                node.name, node.op_type
            )));
        }
    }
    if let Some(missing) = g.output.iter().find(|o| !defined.contains(o.name.as_str())) {
        return Err(ModelError::Invalid(format!(
            "{shown}: the graph output {} is produced by no node",
            missing.name
        )));
    }
    Ok(())
}

/// Dense layers: a `MatMul` whose second input is a rank-2 initializer, with the following
/// `Add` of an initializer as its bias; or a `Gemm` with an initializer `B` (and `C`).
fn find_layers(g: &pb::GraphProto) -> Result<Vec<Layer>, ModelError> {
    let dims_of = |name: &str| {
        proto::initializer(g, name)
            .filter(|t| t.dims.len() == 2 && t.data_type == proto::FLOAT)
            .map(|t| (t.dims[0] as usize, t.dims[1] as usize))
    };
    let mut layers = Vec::new();
    for node in &g.node {
        match node.op_type.as_str() {
            "MatMul" => {
                let Some(w) = node.input.get(1) else { continue };
                let Some((rows, cols)) = dims_of(w) else {
                    continue;
                };
                let out = node.output.first().cloned().unwrap_or_default();
                let bias = g
                    .node
                    .iter()
                    .find(|n| n.op_type == "Add" && n.input.contains(&out))
                    .and_then(|n| n.input.iter().find(|i| **i != out))
                    .filter(|b| {
                        proto::initializer(g, b).is_some_and(|t| {
                            t.dims.iter().try_fold(1i64, |a, &d| a.checked_mul(d))
                                == Some(cols as i64)
                        })
                    })
                    .cloned();
                layers.push(Layer {
                    weight: w.clone(),
                    bias,
                    rows,
                    cols,
                    transposed: false,
                    source: WeightSource::Initializer,
                });
            }
            "Gemm" => {
                let Some(w) = node.input.get(1) else { continue };
                let Some((a, b)) = dims_of(w) else { continue };
                let transposed = proto::attr_int(node, "transB", 0) == 1;
                if proto::attr_int(node, "transA", 0) == 1 {
                    continue;
                }
                let (rows, cols) = if transposed { (b, a) } else { (a, b) };
                let bias = node
                    .input
                    .get(2)
                    .filter(|c| {
                        proto::initializer(g, c).is_some_and(|t| {
                            t.dims.iter().try_fold(1i64, |a, &d| a.checked_mul(d))
                                == Some(cols as i64)
                        })
                    })
                    .cloned();
                layers.push(Layer {
                    weight: w.clone(),
                    bias,
                    rows,
                    cols,
                    transposed,
                    source: WeightSource::Initializer,
                });
            }
            "LinearClassifier" | "LinearRegressor" => {
                let coefficients =
                    proto::attribute(node, "coefficients").map_or(0, |a| a.floats.len());
                let intercepts = proto::attribute(node, "intercepts").map_or(0, |a| a.floats.len());
                let targets = if node.op_type == "LinearRegressor" {
                    proto::attr_int(node, "targets", 1).max(1) as usize
                } else {
                    intercepts.max(1)
                };
                if coefficients == 0 || !coefficients.is_multiple_of(targets) {
                    continue;
                }
                let position = g
                    .node
                    .iter()
                    .position(|n| std::ptr::eq(n, node))
                    .unwrap_or(0);
                layers.push(Layer {
                    weight: "coefficients".into(),
                    bias: (intercepts == targets).then(|| "intercepts".to_string()),
                    rows: coefficients / targets,
                    cols: targets,
                    transposed: true,
                    source: WeightSource::Attribute { node: position },
                });
            }
            _ => {}
        }
    }
    Ok(layers)
}

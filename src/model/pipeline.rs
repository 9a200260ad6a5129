//! Partitioned execution of graphs that mix `ai.onnx.ml` operators with standard ones (what
//! skl2onnx writes for pipelines): the ml nodes are evaluated by [`super::ml_ops`], and each
//! run of consecutive standard nodes between them becomes a sub-graph (its boundary tensors as
//! inputs and outputs, the initializers it reads copied in) that tract optimises and runs. Steps
//! run in the graph's order, which ONNX requires to be topological.
//!
//! Graphs that tract runs whole (float inputs, every operator known to tract, no tree node among
//! others) do not come here: they keep the single optimised tract plan of [`super::eval`].

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock};

use tract_onnx::prelude::*;

use super::ml_ops::{self, Data, Value};
use super::proto;
use super::{ModelError, pb, runtime};

/// The operator names tract's ONNX front end registers.
fn tract_ops() -> &'static HashSet<String> {
    static OPS: OnceLock<HashSet<String>> = OnceLock::new();
    OPS.get_or_init(|| tract_onnx::onnx().op_register.0.keys().cloned().collect())
}

const TREE_OPS: [&str; 2] = ["TreeEnsembleClassifier", "TreeEnsembleRegressor"];

/// Whether `g` needs the partitioned evaluator: an input that is not float32, an operator tract
/// does not register, or a tree ensemble among other nodes (tract's tree operator is not used).
pub fn needed(g: &pb::GraphProto) -> bool {
    let inits: HashSet<&str> = g.initializer.iter().map(|t| t.name.as_str()).collect();
    let non_float = g
        .input
        .iter()
        .filter(|v| !inits.contains(v.name.as_str()))
        .any(|v| proto::value_shape(v).1 != proto::FLOAT);
    let unknown = g
        .node
        .iter()
        .any(|n| !tract_ops().contains(&n.op_type) && !TREE_OPS.contains(&n.op_type.as_str()));
    let trees_among_others = g.node.len() > 1
        && g.node
            .iter()
            .any(|n| TREE_OPS.contains(&n.op_type.as_str()));
    non_float || unknown || trees_among_others
}

/// Whether a node can be run in a pipeline: by Sextant or by tract.
pub fn runnable(node: &pb::NodeProto) -> bool {
    ml_ops::is_ours(node) || (node.domain != "ai.onnx.ml" && tract_ops().contains(&node.op_type))
}

/// A run of standard nodes handed to tract.
struct Segment {
    model: pb::ModelProto,
    inputs: Vec<String>,
    outputs: Vec<String>,
    /// Plans by the input shapes they were made for (a runner uses one batch size).
    plans: Mutex<HashMap<Vec<Vec<usize>>, Arc<TypedRunnableModel>>>,
    /// The first node's name, for messages.
    first: String,
}

enum Step {
    Ours(pb::NodeProto),
    /// A tree ensemble, compiled once.
    Trees(
        pb::NodeProto,
        Box<(super::trees::TreeEnsemble, super::trees::Compiled)>,
    ),
    Tract(Box<Segment>),
}

/// A graph ready for partitioned evaluation.
pub struct Pipeline {
    steps: Vec<Step>,
    /// Graph inputs (not initializers), in order, with their element types.
    pub inputs: Vec<(String, i32, usize)>,
    /// Initializers read by Sextant's nodes.
    consts: HashMap<String, Value>,
}

fn node_label(n: &pb::NodeProto) -> String {
    if n.name.is_empty() {
        n.output.first().cloned().unwrap_or_default()
    } else {
        n.name.clone()
    }
}

impl Pipeline {
    /// Partition `model`'s graph. `shown` names the model in messages.
    pub fn new(model: &pb::ModelProto, shown: &str) -> Result<Pipeline, ModelError> {
        let g = proto::graph(model)?;
        let inits: HashMap<&str, &pb::TensorProto> =
            g.initializer.iter().map(|t| (t.name.as_str(), t)).collect();
        if let Some(n) = g.node.iter().find(|n| !runnable(n)) {
            return Err(ModelError::Unsupported {
                path: shown.to_string(),
                op: n.op_type.clone(),
                node: node_label(n),
            });
        }
        // Group consecutive standard nodes.
        let mut groups: Vec<(bool, Vec<&pb::NodeProto>)> = Vec::new();
        for n in &g.node {
            let ours = ml_ops::is_ours(n);
            match groups.last_mut() {
                Some((o, v)) if *o == ours && !ours => v.push(n),
                _ => groups.push((ours, vec![n])),
            }
        }
        let graph_outputs: HashSet<&str> = g.output.iter().map(|o| o.name.as_str()).collect();
        let mut steps = Vec::new();
        let mut consts = HashMap::new();
        for (gi, (ours, nodes)) in groups.iter().enumerate() {
            if *ours {
                let n = nodes[0];
                for i in &n.input {
                    if let Some(t) = inits.get(i.as_str())
                        && !consts.contains_key(i)
                    {
                        let v = ml_ops::tensor_value(t).map_err(|e| {
                            ModelError::Invalid(format!(
                                "{shown}: node \"{}\" ({}): {e}",
                                node_label(n),
                                n.op_type
                            ))
                        })?;
                        consts.insert(i.clone(), v);
                    }
                }
                if TREE_OPS.contains(&n.op_type.as_str()) {
                    let compiled = ml_ops::compile_trees(n).map_err(|e| {
                        ModelError::Invalid(format!(
                            "{shown}: node \"{}\" ({}): {e}",
                            node_label(n),
                            n.op_type
                        ))
                    })?;
                    steps.push(Step::Trees(n.clone(), Box::new(compiled)));
                } else {
                    steps.push(Step::Ours(n.clone()));
                }
                continue;
            }
            let produced: HashSet<&str> = nodes
                .iter()
                .flat_map(|n| n.output.iter().map(String::as_str))
                .collect();
            let mut inputs: Vec<String> = Vec::new();
            let mut used_inits: Vec<pb::TensorProto> = Vec::new();
            for n in nodes {
                for i in n.input.iter().filter(|i| !i.is_empty()) {
                    if produced.contains(i.as_str()) {
                        continue;
                    }
                    if let Some(t) = inits.get(i.as_str()) {
                        if !used_inits.iter().any(|u| u.name == *i) {
                            used_inits.push((*t).clone());
                        }
                    } else if !inputs.contains(i) {
                        inputs.push(i.clone());
                    }
                }
            }
            let later: HashSet<&str> = groups[gi + 1..]
                .iter()
                .flat_map(|(_, ns)| ns.iter().flat_map(|n| n.input.iter().map(String::as_str)))
                .collect();
            let outputs: Vec<String> = nodes
                .iter()
                .flat_map(|n| n.output.iter())
                .filter(|o| later.contains(o.as_str()) || graph_outputs.contains(o.as_str()))
                .cloned()
                .collect();
            if outputs.is_empty() {
                continue;
            }
            let vi = |name: &str| pb::ValueInfoProto {
                name: name.to_string(),
                ..Default::default()
            };
            let sub = pb::GraphProto {
                name: format!("segment{gi}"),
                node: nodes.iter().map(|n| (*n).clone()).collect(),
                initializer: used_inits,
                input: inputs.iter().map(|i| vi(i)).collect(),
                output: outputs.iter().map(|o| vi(o)).collect(),
                ..Default::default()
            };
            let m = pb::ModelProto {
                ir_version: model.ir_version,
                opset_import: model.opset_import.clone(),
                graph: Some(sub),
                ..Default::default()
            };
            steps.push(Step::Tract(Box::new(Segment {
                model: m,
                inputs,
                outputs,
                plans: Mutex::new(HashMap::new()),
                first: node_label(nodes[0]),
            })));
        }
        let inputs = g
            .input
            .iter()
            .filter(|v| !inits.contains_key(v.name.as_str()))
            .map(|v| {
                let (shape, ty) = proto::value_shape(v);
                (v.name.clone(), ty, shape.len())
            })
            .collect();
        Ok(Pipeline {
            steps,
            inputs,
            consts,
        })
    }

    /// Run on graph inputs `feeds` (in the order of [`Pipeline::inputs`]); returns every value
    /// the steps produced, by name.
    pub fn run(&self, feeds: Vec<Value>) -> Result<HashMap<String, Value>, ModelError> {
        let mut env: HashMap<String, Value> = self
            .inputs
            .iter()
            .map(|(n, ..)| n.clone())
            .zip(feeds)
            .collect();
        for step in &self.steps {
            match step {
                Step::Ours(n) | Step::Trees(n, _) => {
                    let args: Vec<Option<&Value>> = n
                        .input
                        .iter()
                        .map(|i| env.get(i).or_else(|| self.consts.get(i)))
                        .collect();
                    let out = match step {
                        Step::Trees(_, tc) => match args.first().copied().flatten() {
                            Some(x) => ml_ops::run_trees(n, &tc.0, &tc.1, x),
                            None => Err("lacks its input 1".to_string()),
                        },
                        _ => ml_ops::run(n, &args),
                    }
                    .map_err(|e| {
                        ModelError::Runtime(format!(
                            "the node \"{}\" ({}) {e}",
                            node_label(n),
                            n.op_type
                        ))
                    })?;
                    for (name, v) in n.output.iter().zip(out) {
                        if !name.is_empty() {
                            env.insert(name.clone(), v);
                        }
                    }
                }
                Step::Tract(s) => {
                    let args: Vec<&Value> = s
                        .inputs
                        .iter()
                        .map(|i| {
                            env.get(i).ok_or_else(|| {
                                ModelError::Runtime(format!(
                                    "the value {i} that node \"{}\" reads was not computed",
                                    s.first
                                ))
                            })
                        })
                        .collect::<Result<_, _>>()?;
                    let out = s.run(&args)?;
                    for (name, v) in s.outputs.iter().zip(out) {
                        env.insert(name.clone(), v);
                    }
                }
            }
        }
        Ok(env)
    }
}

impl Segment {
    fn plan(&self, args: &[&Value]) -> Result<Arc<TypedRunnableModel>, ModelError> {
        let key: Vec<Vec<usize>> = args.iter().map(|a| a.shape.clone()).collect();
        if let Some(p) = self.plans.lock().ok().and_then(|p| p.get(&key).cloned()) {
            return Ok(p);
        }
        // tract reads the inputs' types from the graph: give each boundary tensor the type
        // and shape of the value it receives.
        let mut typed = self.model.clone();
        if let Some(g) = typed.graph.as_mut() {
            for (vi, a) in g.input.iter_mut().zip(args) {
                vi.r#type = Some(value_type(a));
            }
        }
        let mut m = tract_onnx::onnx()
            .model_for_proto_model(&typed)
            .map_err(runtime)?;
        for (i, a) in args.iter().enumerate() {
            let dt = match &a.data {
                Data::F32(_) => f32::datum_type(),
                Data::F64(_) => f64::datum_type(),
                Data::I64(_) => i64::datum_type(),
                Data::I32(_) => i32::datum_type(),
                Data::Bool(_) => bool::datum_type(),
                Data::Str(_) => String::datum_type(),
            };
            m.set_input_fact(i, InferenceFact::dt_shape(dt, &a.shape))
                .map_err(runtime)?;
        }
        let plan = m
            .into_optimized()
            .map_err(runtime)?
            .into_runnable()
            .map_err(runtime)?;
        if let Ok(mut p) = self.plans.lock() {
            p.insert(key, plan.clone());
        }
        Ok(plan)
    }

    fn run(&self, args: &[&Value]) -> Result<Vec<Value>, ModelError> {
        let plan = self.plan(args)?;
        let tensors: TVec<TValue> = args
            .iter()
            .map(|a| to_tensor(a).map(TValue::from))
            .collect::<TractResult<_>>()
            .map_err(runtime)?;
        let out = plan.run(tensors).map_err(runtime)?;
        out.iter()
            .map(|t| from_tensor(t).map_err(runtime))
            .collect()
    }
}

/// The ONNX type of a value.
fn value_type(v: &Value) -> pb::TypeProto {
    use pb::tensor_shape_proto::{Dimension, dimension};
    let elem_type = match &v.data {
        Data::F32(_) => proto::FLOAT,
        Data::F64(_) => 11,
        Data::I64(_) => proto::INT64,
        Data::I32(_) => 6,
        Data::Bool(_) => 9,
        Data::Str(_) => 8,
    };
    pb::TypeProto {
        value: Some(pb::type_proto::Value::TensorType(pb::type_proto::Tensor {
            elem_type,
            shape: Some(pb::TensorShapeProto {
                dim: v
                    .shape
                    .iter()
                    .map(|d| Dimension {
                        value: Some(dimension::Value::DimValue(*d as i64)),
                        ..Default::default()
                    })
                    .collect(),
            }),
        })),
        ..Default::default()
    }
}

fn to_tensor(v: &Value) -> TractResult<Tensor> {
    fn arr<T: Datum + Clone>(shape: &[usize], d: &[T]) -> TractResult<Tensor> {
        Ok(tract_ndarray::ArrayD::from_shape_vec(tract_ndarray::IxDyn(shape), d.to_vec())?.into())
    }
    match &v.data {
        Data::F32(d) => arr(&v.shape, d),
        Data::F64(d) => arr(&v.shape, d),
        Data::I64(d) => arr(&v.shape, d),
        Data::I32(d) => arr(&v.shape, d),
        Data::Bool(d) => arr(&v.shape, d),
        Data::Str(d) => arr(&v.shape, d),
    }
}

fn from_tensor(t: &Tensor) -> TractResult<Value> {
    fn vals<T: Datum + Clone>(t: &Tensor) -> TractResult<Vec<T>> {
        Ok(t.to_plain_array_view::<T>()?.iter().cloned().collect())
    }
    let shape = t.shape().to_vec();
    let dt = t.datum_type();
    let data = if dt == f32::datum_type() {
        Data::F32(vals(t)?)
    } else if dt == f64::datum_type() {
        Data::F64(vals(t)?)
    } else if dt == i64::datum_type() {
        Data::I64(vals(t)?)
    } else if dt == i32::datum_type() {
        Data::I32(vals(t)?)
    } else if dt == bool::datum_type() {
        Data::Bool(vals(t)?)
    } else if dt == String::datum_type() {
        Data::Str(vals(t)?)
    } else {
        Data::F32(vals(&*t.cast_to::<f32>()?)?)
    };
    Ok(Value::new(shape, data))
}

/// Graph inputs for `batch` rows of the f32 matrix `x` (`width` values per row): one `[N, k]`
/// tensor, or one column per input (`[N, 1]`, or `[N]` when declared rank 1), each in the
/// input's element type; strings come back from their codes ([`ml_ops::string_code`]).
pub fn feeds(
    inputs: &[(String, i32, usize)],
    x: &[f32],
    batch: usize,
    width: usize,
) -> Result<Vec<Value>, ModelError> {
    let typed = |name: &str,
                 ty: i32,
                 shape: Vec<usize>,
                 vals: Vec<f32>|
     -> Result<Value, ModelError> {
        let data = match ty {
            proto::FLOAT => Data::F32(vals),
            11 => Data::F64(vals.iter().map(|v| f64::from(*v)).collect()),
            proto::INT64 => Data::I64(vals.iter().map(|v| v.round() as i64).collect()),
            6 => Data::I32(vals.iter().map(|v| v.round() as i32).collect()),
            8 => Data::Str(
                vals.iter()
                    .map(|v| {
                        ml_ops::code_string(*v).ok_or_else(|| {
                            ModelError::Invalid(format!(
                                "the model's input {name} takes strings but its column holds numbers"
                            ))
                        })
                    })
                    .collect::<Result<_, _>>()?,
            ),
            other => {
                return Err(ModelError::Invalid(format!(
                    "the model's input {name} is {}, which Sextant does not feed",
                    proto::type_name(other)
                )));
            }
        };
        Ok(Value::new(shape, data))
    };
    if x.len() < batch * width || (inputs.len() > 1 && inputs.len() > width) {
        return Err(ModelError::Invalid(format!(
            "the model takes {} inputs but was given {} rows of {width} values in {} numbers",
            inputs.len(),
            batch,
            x.len()
        )));
    }
    if inputs.len() == 1 {
        let (name, ty, rank) = &inputs[0];
        let shape = if *rank == 1 {
            vec![batch * width]
        } else {
            vec![batch, width]
        };
        return Ok(vec![typed(name, *ty, shape, x[..batch * width].to_vec())?]);
    }
    inputs
        .iter()
        .enumerate()
        .map(|(c, (name, ty, rank))| {
            let col: Vec<f32> = x.chunks_exact(width).take(batch).map(|r| r[c]).collect();
            let shape = if *rank == 1 {
                vec![batch]
            } else {
                vec![batch, 1]
            };
            typed(name, *ty, shape, col)
        })
        .collect()
}

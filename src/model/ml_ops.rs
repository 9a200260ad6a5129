//! The `ai.onnx.ml` operators that exporters write for tabular models (skl2onnx pipelines),
//! evaluated by Sextant: tract 0.23.9 has only `LinearClassifier`, `LinearRegressor`,
//! `Normalizer`, `CategoryMapper` and a tree classifier among them, so a pipeline's ml nodes are
//! run here and the standard operators between them by tract ([`super::pipeline`]).
//!
//! Semantics follow the ONNX operator definitions as onnxruntime's CPU kernels implement them
//! (onnxruntime/core/providers/cpu/ml/*.cc), quirks included; each is noted where it matters:
//! - a binary `LinearClassifier` (one score column) writes `[1 − s, s]` of the *raw* score `s`
//!   whatever the post transform, and its label is `s > 0`;
//! - `Scaler` takes either one offset and scale, or one per column of the last dimension;
//! - `Normalizer` L2 writes `sign(x)·√(x²/Σx²)`, MAX divides by the largest value (not the
//!   largest magnitude), and a zero norm leaves the row unchanged;
//! - `Imputer` replaces NaN when `replaced_value_float` is NaN, else values equal to it;
//! - `SVMClassifier` with `prob_a`/`prob_b` couples libsvm's pairwise sigmoids by
//!   `multiclass_probability` and labels by votes;
//! - `ZipMap` output (a sequence of label → probability maps) is kept as the probability
//!   tensor it was made from: the same numbers, in the order of `classlabels_*`.

use std::collections::HashMap;
use std::sync::{OnceLock, RwLock};

use super::pb;
use super::proto::{self, attribute};

/// Element data of a tensor.
#[derive(Debug, Clone, PartialEq)]
pub enum Data {
    F32(Vec<f32>),
    F64(Vec<f64>),
    I64(Vec<i64>),
    I32(Vec<i32>),
    Bool(Vec<bool>),
    Str(Vec<String>),
}

/// A tensor flowing between pipeline steps.
#[derive(Debug, Clone, PartialEq)]
pub struct Value {
    pub shape: Vec<usize>,
    pub data: Data,
}

impl Data {
    fn len(&self) -> usize {
        match self {
            Data::F32(v) => v.len(),
            Data::F64(v) => v.len(),
            Data::I64(v) => v.len(),
            Data::I32(v) => v.len(),
            Data::Bool(v) => v.len(),
            Data::Str(v) => v.len(),
        }
    }

    fn type_name(&self) -> &'static str {
        match self {
            Data::F32(_) => "float32",
            Data::F64(_) => "float64",
            Data::I64(_) => "int64",
            Data::I32(_) => "int32",
            Data::Bool(_) => "bool",
            Data::Str(_) => "string",
        }
    }
}

impl Value {
    pub fn new(shape: Vec<usize>, data: Data) -> Value {
        Value { shape, data }
    }

    /// The values as f32 (numbers are cast as onnxruntime's ml kernels do; strings cannot be).
    pub fn to_f32(&self) -> Result<Vec<f32>, String> {
        Ok(match &self.data {
            Data::F32(v) => v.clone(),
            Data::F64(v) => v.iter().map(|x| *x as f32).collect(),
            Data::I64(v) => v.iter().map(|x| *x as f32).collect(),
            Data::I32(v) => v.iter().map(|x| *x as f32).collect(),
            Data::Bool(v) => v.iter().map(|x| f32::from(u8::from(*x))).collect(),
            Data::Str(_) => return Err("reads a string tensor where numbers are needed".into()),
        })
    }

    /// Rows and values per row as onnxruntime's ml kernels see a tensor: a rank-1 tensor is
    /// one row; otherwise the first dimension is the batch.
    fn rows_cols(&self) -> (usize, usize) {
        let len = self.data.len();
        match self.shape.len() {
            0 => (1, 1),
            1 => (1, len),
            _ => {
                let rows = self.shape[0];
                (rows, len.checked_div(rows).unwrap_or(0))
            }
        }
    }
}

/// The operators evaluated here (domain `ai.onnx.ml`).
pub const ML_OPS: [&str; 16] = [
    "ArrayFeatureExtractor",
    "Binarizer",
    "CategoryMapper",
    "FeatureVectorizer",
    "Imputer",
    "LabelEncoder",
    "LinearClassifier",
    "LinearRegressor",
    "Normalizer",
    "OneHotEncoder",
    "Scaler",
    "SVMClassifier",
    "SVMRegressor",
    "TreeEnsembleClassifier",
    "TreeEnsembleRegressor",
    "ZipMap",
];

/// Standard operators evaluated here inside a pipeline: `Cast` also converts strings, which
/// tract does not.
pub const STANDARD_OPS: [&str; 2] = ["Cast", "Identity"];

/// Whether Sextant evaluates `node` itself inside a pipeline.
pub fn is_ours(node: &pb::NodeProto) -> bool {
    let ml = node.domain == "ai.onnx.ml";
    let op = node.op_type.as_str();
    // A Cast to float16 stays with tract, whose tensors carry that type.
    let to_half = op == "Cast" && proto::attr_int(node, "to", 1) == i64::from(proto::FLOAT16);
    (ml && ML_OPS.contains(&op)) || (!ml && !to_half && STANDARD_OPS.contains(&op))
}

/// Strings of string columns travel in the f32 feature matrix as codes into this table (one
/// table for the process, so rows of different files agree on a code); the pipeline turns them
/// back into strings for the model's string inputs. A code is exact in f32 up to 2²⁴ strings.
type Table = RwLock<(Vec<String>, HashMap<String, u32>)>;

fn table() -> &'static Table {
    static T: OnceLock<Table> = OnceLock::new();
    T.get_or_init(Default::default)
}

/// Most distinct strings the table holds (f32 represents every integer below 2²⁴).
pub const MAX_STRINGS: usize = 1 << 24;

/// The code of `s`, added to the table if new (`None` once the table is full).
pub fn string_code(s: &str) -> Option<f32> {
    if let Some(c) = table().read().ok()?.1.get(s) {
        return Some(*c as f32);
    }
    let mut t = table().write().ok()?;
    if let Some(c) = t.1.get(s) {
        return Some(*c as f32);
    }
    if t.0.len() >= MAX_STRINGS {
        return None;
    }
    let c = t.0.len() as u32;
    t.0.push(s.to_string());
    t.1.insert(s.to_string(), c);
    Some(c as f32)
}

/// The string of a code made by [`string_code`].
pub fn code_string(code: f32) -> Option<String> {
    if code.is_nan() || code < 0.0 || code.fract() != 0.0 {
        return None;
    }
    table().read().ok()?.0.get(code as usize).cloned()
}

/// A graph initializer as a [`Value`].
pub fn tensor_value(t: &pb::TensorProto) -> Result<Value, String> {
    let shape: Vec<usize> = t.dims.iter().map(|d| *d as usize).collect();
    let raw = |size: usize| t.raw_data.chunks_exact(size);
    let data = match t.data_type {
        proto::FLOAT => Data::F32(proto::floats(t).map_err(|e| e.to_string())?),
        11 => Data::F64(if t.raw_data.is_empty() {
            t.double_data.clone()
        } else {
            raw(8)
                .map(|c| f64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
                .collect()
        }),
        proto::INT64 => Data::I64(if t.raw_data.is_empty() {
            t.int64_data.clone()
        } else {
            raw(8)
                .map(|c| i64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
                .collect()
        }),
        6 => Data::I32(if t.raw_data.is_empty() {
            t.int32_data.clone()
        } else {
            raw(4)
                .map(|c| i32::from_le_bytes(c.try_into().unwrap_or([0; 4])))
                .collect()
        }),
        9 => Data::Bool(if t.raw_data.is_empty() {
            t.int32_data.iter().map(|v| *v != 0).collect()
        } else {
            t.raw_data.iter().map(|v| *v != 0).collect()
        }),
        // float16 weights (an fp16 export's initializers, cast to float before use) are
        // widened exactly to f32.
        proto::FLOAT16 => Data::F32(if t.raw_data.is_empty() {
            t.int32_data
                .iter()
                .map(|b| tract_onnx::prelude::f16::from_bits(*b as u16).to_f32())
                .collect()
        } else {
            raw(2)
                .map(|c| {
                    tract_onnx::prelude::f16::from_bits(u16::from_le_bytes([c[0], c[1]])).to_f32()
                })
                .collect()
        }),
        8 => Data::Str(
            t.string_data
                .iter()
                .map(|s| String::from_utf8_lossy(s).into_owned())
                .collect(),
        ),
        other => {
            return Err(format!(
                "the tensor {} has the type {}, which the pipeline evaluator does not read",
                t.name,
                proto::type_name(other)
            ));
        }
    };
    Ok(Value { shape, data })
}

fn floats(node: &pb::NodeProto, name: &str) -> Vec<f32> {
    attribute(node, name)
        .map(|a| a.floats.clone())
        .unwrap_or_default()
}

fn ints(node: &pb::NodeProto, name: &str) -> Vec<i64> {
    attribute(node, name)
        .map(|a| a.ints.clone())
        .unwrap_or_default()
}

fn strings(node: &pb::NodeProto, name: &str) -> Vec<String> {
    attribute(node, name)
        .map(|a| {
            a.strings
                .iter()
                .map(|s| String::from_utf8_lossy(s).into_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn float_attr(node: &pb::NodeProto, name: &str, default: f32) -> f32 {
    attribute(node, name).map_or(default, |a| a.f)
}

/// Evaluate one node on its inputs (`None` for an omitted optional input). `Err` is the cause,
/// to follow "the node NAME (OP)".
pub fn run(node: &pb::NodeProto, inputs: &[Option<&Value>]) -> Result<Vec<Value>, String> {
    let input = |i: usize| -> Result<&Value, String> {
        inputs
            .get(i)
            .copied()
            .flatten()
            .ok_or_else(|| format!("lacks its input {}", i + 1))
    };
    let out = match node.op_type.as_str() {
        "Identity" | "ZipMap" => vec![input(0)?.clone()],
        "Cast" => vec![cast(input(0)?, proto::attr_int(node, "to", 1))?],
        "ArrayFeatureExtractor" => vec![array_feature_extractor(input(0)?, input(1)?)?],
        "Binarizer" => {
            let x = input(0)?;
            let t = float_attr(node, "threshold", 0.0);
            let v = x.to_f32()?;
            vec![Value::new(
                x.shape.clone(),
                Data::F32(v.iter().map(|x| if *x > t { 1.0 } else { 0.0 }).collect()),
            )]
        }
        "FeatureVectorizer" => vec![feature_vectorizer(node, inputs)?],
        "Imputer" => vec![imputer(node, input(0)?)?],
        "Scaler" => vec![scaler(node, input(0)?)?],
        "Normalizer" => vec![normalizer(node, input(0)?)?],
        "OneHotEncoder" => vec![one_hot(node, input(0)?)?],
        "LabelEncoder" => vec![label_encoder(node, input(0)?)?],
        "CategoryMapper" => vec![category_mapper(node, input(0)?)?],
        "LinearClassifier" => linear_classifier(node, input(0)?)?,
        "LinearRegressor" => vec![linear_regressor(node, input(0)?)?],
        "SVMClassifier" => svm_classifier(node, input(0)?)?,
        "SVMRegressor" => vec![svm_regressor(node, input(0)?)?],
        "TreeEnsembleClassifier" | "TreeEnsembleRegressor" => trees(node, input(0)?)?,
        other => return Err(format!("is the operator {other}, which Sextant cannot run")),
    };
    Ok(out)
}

fn cast(x: &Value, to: i64) -> Result<Value, String> {
    let shape = x.shape.clone();
    let as_f64 = |x: &Value| -> Result<Vec<f64>, String> {
        Ok(match &x.data {
            Data::F64(v) => v.clone(),
            Data::Str(v) => v
                .iter()
                .map(|s| s.trim().parse::<f64>().unwrap_or(f64::NAN))
                .collect(),
            _ => x.to_f32()?.into_iter().map(f64::from).collect(),
        })
    };
    let data = match to as i32 {
        proto::FLOAT => match &x.data {
            Data::I64(v) => Data::F32(v.iter().map(|x| *x as f32).collect()),
            Data::F32(v) => Data::F32(v.clone()),
            _ => Data::F32(as_f64(x)?.into_iter().map(|x| x as f32).collect()),
        },
        11 => Data::F64(match &x.data {
            Data::I64(v) => v.iter().map(|x| *x as f64).collect(),
            _ => as_f64(x)?,
        }),
        // C++ static_cast: truncation toward zero.
        proto::INT64 => Data::I64(match &x.data {
            Data::I64(v) => v.clone(),
            Data::I32(v) => v.iter().map(|x| i64::from(*x)).collect(),
            _ => as_f64(x)?.into_iter().map(|x| x as i64).collect(),
        }),
        6 => Data::I32(match &x.data {
            Data::I64(v) => v.iter().map(|x| *x as i32).collect(),
            _ => as_f64(x)?.into_iter().map(|x| x as i32).collect(),
        }),
        9 => Data::Bool(match &x.data {
            Data::I64(v) => v.iter().map(|x| *x != 0).collect(),
            _ => as_f64(x)?.into_iter().map(|x| x != 0.0).collect(),
        }),
        8 => Data::Str(match &x.data {
            Data::Str(v) => v.clone(),
            Data::I64(v) => v.iter().map(i64::to_string).collect(),
            Data::I32(v) => v.iter().map(i32::to_string).collect(),
            _ => {
                return Err(
                    "casts numbers with fractions to strings, whose formatting Sextant does not reproduce"
                        .into(),
                );
            }
        }),
        other => {
            return Err(format!(
                "casts to {}, which the pipeline evaluator does not handle",
                proto::type_name(other)
            ));
        }
    };
    Ok(Value::new(shape, data))
}

fn array_feature_extractor(x: &Value, y: &Value) -> Result<Value, String> {
    let idx: Vec<i64> = match &y.data {
        Data::I64(v) => v.clone(),
        Data::I32(v) => v.iter().map(|i| i64::from(*i)).collect(),
        _ => return Err("has indices that are not integers".into()),
    };
    let last = x.shape.last().copied().unwrap_or(1).max(1);
    let n = x.data.len() / last;
    if let Some(bad) = idx.iter().find(|i| **i < 0 || **i as usize >= last) {
        return Err(format!(
            "selects index {bad} of a last dimension of size {last}"
        ));
    }
    // onnxruntime: a rank-1 input gives [1, k]; otherwise the last dimension becomes k.
    let mut shape = if x.shape.len() <= 1 {
        vec![1, idx.len()]
    } else {
        x.shape.clone()
    };
    if let Some(l) = shape.last_mut() {
        *l = idx.len();
    }
    let pick = |r: usize, i: i64| r * last + i as usize;
    macro_rules! gather {
        ($v:expr, $ctor:path) => {
            $ctor(
                (0..n)
                    .flat_map(|r| idx.iter().map(move |i| pick(r, *i)))
                    .map(|k| $v[k].clone())
                    .collect(),
            )
        };
    }
    let data = match &x.data {
        Data::F32(v) => gather!(v, Data::F32),
        Data::F64(v) => gather!(v, Data::F64),
        Data::I64(v) => gather!(v, Data::I64),
        Data::I32(v) => gather!(v, Data::I32),
        Data::Bool(v) => gather!(v, Data::Bool),
        Data::Str(v) => gather!(v, Data::Str),
    };
    Ok(Value::new(shape, data))
}

fn feature_vectorizer(node: &pb::NodeProto, inputs: &[Option<&Value>]) -> Result<Value, String> {
    let dims = ints(node, "inputdimensions");
    if dims.len() != inputs.len() {
        return Err(format!(
            "has {} inputs but {} input dimensions",
            inputs.len(),
            dims.len()
        ));
    }
    let width: usize = dims.iter().map(|d| (*d).max(0) as usize).sum();
    let rows = inputs
        .first()
        .copied()
        .flatten()
        .map_or(0, |v| v.rows_cols().0);
    let mut out = vec![0.0f32; rows * width];
    let mut offset = 0;
    for (v, d) in inputs.iter().zip(&dims) {
        let v = v.ok_or("lacks an input")?;
        let d = (*d).max(0) as usize;
        let (r, c) = v.rows_cols();
        if r != rows {
            return Err(format!("joins inputs of {rows} and {r} rows"));
        }
        let vals = v.to_f32()?;
        // Fewer values than the stated dimension are padded with zeros, more are cut.
        for row in 0..rows {
            for j in 0..c.min(d) {
                out[row * width + offset + j] = vals[row * c + j];
            }
        }
        offset += d;
    }
    Ok(Value::new(vec![rows, width], Data::F32(out)))
}

fn imputer(node: &pb::NodeProto, x: &Value) -> Result<Value, String> {
    let (_, c) = x.rows_cols();
    match &x.data {
        Data::I64(v) => {
            let imputed = ints(node, "imputed_value_int64s");
            let replaced = proto::attr_int(node, "replaced_value_int64", 0);
            if imputed.len() != 1 && imputed.len() != c {
                return Err(format!(
                    "has {} imputed values for {c} columns",
                    imputed.len()
                ));
            }
            let out = v
                .iter()
                .enumerate()
                .map(|(i, x)| {
                    if *x == replaced {
                        imputed[if imputed.len() == 1 { 0 } else { i % c }]
                    } else {
                        *x
                    }
                })
                .collect();
            Ok(Value::new(x.shape.clone(), Data::I64(out)))
        }
        _ => {
            let v = x.to_f32()?;
            let imputed = floats(node, "imputed_value_floats");
            let replaced = float_attr(node, "replaced_value_float", 0.0);
            if imputed.len() != 1 && imputed.len() != c {
                return Err(format!(
                    "has {} imputed values for {c} columns",
                    imputed.len()
                ));
            }
            let out = v
                .iter()
                .enumerate()
                .map(|(i, x)| {
                    let hit = if replaced.is_nan() {
                        x.is_nan()
                    } else {
                        *x == replaced
                    };
                    if hit {
                        imputed[if imputed.len() == 1 { 0 } else { i % c }]
                    } else {
                        *x
                    }
                })
                .collect();
            Ok(Value::new(x.shape.clone(), Data::F32(out)))
        }
    }
}

fn scaler(node: &pb::NodeProto, x: &Value) -> Result<Value, String> {
    let offset = floats(node, "offset");
    let scale = floats(node, "scale");
    let c = x.shape.last().copied().unwrap_or(1).max(1);
    let v = x.to_f32()?;
    let per_column = offset.len() == c && scale.len() == c;
    if !(per_column || (offset.len() == 1 && scale.len() == 1)) {
        return Err(format!(
            "has {} offsets and {} scales for a last dimension of {c}; both must be 1 or {c}",
            offset.len(),
            scale.len()
        ));
    }
    let out = v
        .iter()
        .enumerate()
        .map(|(i, x)| {
            let j = if per_column { i % c } else { 0 };
            (x - offset[j]) * scale[j]
        })
        .collect();
    Ok(Value::new(x.shape.clone(), Data::F32(out)))
}

fn normalizer(node: &pb::NodeProto, x: &Value) -> Result<Value, String> {
    let norm = proto::attr_string(node, "norm", "MAX");
    let (rows, c) = x.rows_cols();
    let v = x.to_f32()?;
    let mut out = v.clone();
    for r in 0..rows {
        let row = &v[r * c..(r + 1) * c];
        let o = &mut out[r * c..(r + 1) * c];
        match norm.as_str() {
            "MAX" => {
                let m = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                if m != 0.0 {
                    o.iter_mut().zip(row).for_each(|(o, x)| *o = x / m);
                }
            }
            "L1" => {
                let s: f32 = row.iter().map(|x| x.abs()).sum();
                if s != 0.0 {
                    o.iter_mut().zip(row).for_each(|(o, x)| *o = x / s);
                }
            }
            "L2" => {
                let s: f32 = row.iter().map(|x| x * x).sum();
                if s != 0.0 {
                    o.iter_mut().zip(row).for_each(|(o, x)| {
                        let m = (x * x / s).sqrt();
                        *o = if *x < 0.0 { -m } else { m };
                    });
                }
            }
            other => return Err(format!("has the unknown norm {other}")),
        }
    }
    Ok(Value::new(x.shape.clone(), Data::F32(out)))
}

fn one_hot(node: &pb::NodeProto, x: &Value) -> Result<Value, String> {
    let cats_s = strings(node, "cats_strings");
    let cats_i = ints(node, "cats_int64s");
    let zeros = proto::attr_int(node, "zeros", 1) != 0;
    let k = cats_s.len().max(cats_i.len());
    let positions: Vec<Option<usize>> = match &x.data {
        Data::Str(v) => {
            let map: HashMap<&str, usize> = cats_s
                .iter()
                .enumerate()
                .map(|(i, s)| (s.as_str(), i))
                .collect();
            v.iter().map(|s| map.get(s.as_str()).copied()).collect()
        }
        _ => {
            let map: HashMap<i64, usize> =
                cats_i.iter().enumerate().map(|(i, c)| (*c, i)).collect();
            let ints: Vec<i64> = match &x.data {
                Data::I64(v) => v.clone(),
                _ => x.to_f32()?.iter().map(|f| *f as i64).collect(),
            };
            ints.iter().map(|i| map.get(i).copied()).collect()
        }
    };
    if !zeros && positions.iter().any(Option::is_none) {
        return Err("meets a category it does not list and has zeros = 0".into());
    }
    let mut out = vec![0.0f32; positions.len() * k];
    for (i, p) in positions.iter().enumerate() {
        if let Some(p) = p {
            out[i * k + p] = 1.0;
        }
    }
    let mut shape = x.shape.clone();
    shape.push(k);
    Ok(Value::new(shape, Data::F32(out)))
}

fn label_encoder(node: &pb::NodeProto, x: &Value) -> Result<Value, String> {
    let shape = x.shape.clone();
    let default_s = proto::attr_string(node, "default_string", "_Unused");
    let default_i = proto::attr_int(node, "default_int64", -1);
    // ML opset 1: `classes_strings`, string ↔ position.
    if attribute(node, "classes_strings").is_some() {
        let classes = strings(node, "classes_strings");
        return Ok(match &x.data {
            Data::Str(v) => {
                let map: HashMap<&str, i64> = classes
                    .iter()
                    .enumerate()
                    .map(|(i, s)| (s.as_str(), i as i64))
                    .collect();
                Value::new(
                    shape,
                    Data::I64(
                        v.iter()
                            .map(|s| *map.get(s.as_str()).unwrap_or(&default_i))
                            .collect(),
                    ),
                )
            }
            Data::I64(v) => Value::new(
                shape,
                Data::Str(
                    v.iter()
                        .map(|i| {
                            usize::try_from(*i)
                                .ok()
                                .and_then(|i| classes.get(i).cloned())
                                .unwrap_or_else(|| default_s.clone())
                        })
                        .collect(),
                ),
            ),
            other => return Err(format!("reads {}", other.type_name())),
        });
    }
    #[derive(Clone, PartialEq, Eq, Hash)]
    enum Key {
        S(String),
        I(i64),
        F(u32),
    }
    let key_of = |x: &Value| -> Result<Vec<Key>, String> {
        Ok(match &x.data {
            Data::Str(v) => v.iter().map(|s| Key::S(s.clone())).collect(),
            Data::I64(v) => v.iter().map(|i| Key::I(*i)).collect(),
            Data::F32(v) => v.iter().map(|f| Key::F(f.to_bits())).collect(),
            other => return Err(format!("reads {}", other.type_name())),
        })
    };
    let keys: Vec<Key> = if let Some(a) = attribute(node, "keys_strings") {
        a.strings
            .iter()
            .map(|s| Key::S(String::from_utf8_lossy(s).into_owned()))
            .collect()
    } else if let Some(a) = attribute(node, "keys_int64s") {
        a.ints.iter().map(|i| Key::I(*i)).collect()
    } else if let Some(a) = attribute(node, "keys_floats") {
        a.floats.iter().map(|f| Key::F(f.to_bits())).collect()
    } else {
        return Err("has no keys".into());
    };
    let index: HashMap<Key, usize> = keys.into_iter().enumerate().map(|(i, k)| (k, i)).collect();
    let found: Vec<Option<usize>> = key_of(x)?
        .into_iter()
        .map(|k| index.get(&k).copied())
        .collect();
    let data = if let Some(a) = attribute(node, "values_strings") {
        let vals: Vec<String> = a
            .strings
            .iter()
            .map(|s| String::from_utf8_lossy(s).into_owned())
            .collect();
        Data::Str(
            found
                .iter()
                .map(|f| {
                    f.and_then(|i| vals.get(i).cloned())
                        .unwrap_or_else(|| default_s.clone())
                })
                .collect(),
        )
    } else if let Some(a) = attribute(node, "values_int64s") {
        Data::I64(
            found
                .iter()
                .map(|f| f.and_then(|i| a.ints.get(i).copied()).unwrap_or(default_i))
                .collect(),
        )
    } else if let Some(a) = attribute(node, "values_floats") {
        let d = float_attr(node, "default_float", -0.0);
        Data::F32(
            found
                .iter()
                .map(|f| f.and_then(|i| a.floats.get(i).copied()).unwrap_or(d))
                .collect(),
        )
    } else {
        return Err("has no values".into());
    };
    Ok(Value::new(shape, data))
}

fn category_mapper(node: &pb::NodeProto, x: &Value) -> Result<Value, String> {
    let cs = strings(node, "cats_strings");
    let ci = ints(node, "cats_int64s");
    let shape = x.shape.clone();
    Ok(match &x.data {
        Data::Str(v) => {
            let d = proto::attr_int(node, "default_int64", -1);
            let map: HashMap<&str, i64> = cs
                .iter()
                .map(String::as_str)
                .zip(ci.iter().copied())
                .collect();
            Value::new(
                shape,
                Data::I64(
                    v.iter()
                        .map(|s| *map.get(s.as_str()).unwrap_or(&d))
                        .collect(),
                ),
            )
        }
        Data::I64(v) => {
            let d = proto::attr_string(node, "default_string", "_Unused");
            let map: HashMap<i64, &str> = ci
                .iter()
                .copied()
                .zip(cs.iter().map(String::as_str))
                .collect();
            Value::new(
                shape,
                Data::Str(
                    v.iter()
                        .map(|i| map.get(i).map_or_else(|| d.clone(), |s| s.to_string()))
                        .collect(),
                ),
            )
        }
        other => return Err(format!("reads {}", other.type_name())),
    })
}

/// onnxruntime's `ComputeLogistic`.
fn logistic(v: f32) -> f32 {
    let e = 1.0 / (1.0 + (-v.abs()).exp());
    if v < 0.0 { 1.0 - e } else { e }
}

/// onnxruntime's `ErfInv` approximation and `ComputeProbit`.
fn probit(v: f32) -> f32 {
    let x = 2.0 * v - 1.0;
    let sgn = if x < 0.0 { -1.0 } else { 1.0 };
    let x = (1.0 - x) * (1.0 + x);
    let log = x.ln();
    let a = 2.0 / (std::f32::consts::PI * 0.147) + 0.5 * log;
    let b = 1.0 / 0.147 * log;
    let v3 = -a + (a * a - b).sqrt();
    std::f32::consts::SQRT_2 * sgn * v3.sqrt()
}

/// The post transform of a row of two or more scores.
fn transform_row(row: &mut [f32], post: &str) {
    match post {
        "LOGISTIC" => row.iter_mut().for_each(|s| *s = logistic(*s)),
        "PROBIT" => row.iter_mut().for_each(|s| *s = probit(*s)),
        "SOFTMAX" => {
            let m = row.iter().copied().fold(f32::MIN, f32::max);
            let mut sum = 0.0;
            row.iter_mut().for_each(|s| {
                *s = (*s - m).exp();
                sum += *s;
            });
            row.iter_mut().for_each(|s| *s /= sum);
        }
        "SOFTMAX_ZERO" => {
            let m = row.iter().copied().fold(f32::MIN, f32::max);
            let e = (-m).exp();
            let mut sum = 0.0;
            row.iter_mut().for_each(|s| {
                if *s > 1e-7 || *s < -1e-7 {
                    *s = (*s - m).exp();
                    sum += *s;
                } else {
                    *s *= e;
                }
            });
            row.iter_mut().for_each(|s| *s /= sum);
        }
        _ => {}
    }
}

/// Class labels: int64 or strings.
enum Labels {
    Ints(Vec<i64>),
    Strings(Vec<String>),
}

impl Labels {
    fn of(node: &pb::NodeProto) -> Labels {
        let s = strings(node, "classlabels_strings");
        if s.is_empty() {
            Labels::Ints(ints(node, "classlabels_ints"))
        } else {
            Labels::Strings(s)
        }
    }

    fn len(&self) -> usize {
        match self {
            Labels::Ints(v) => v.len(),
            Labels::Strings(v) => v.len(),
        }
    }

    /// The label tensor of `picks` (positions into the labels, or a literal 0/1 fallback).
    fn tensor(&self, picks: &[Pick]) -> Value {
        let n = picks.len();
        let data = match self {
            Labels::Ints(v) => Data::I64(
                picks
                    .iter()
                    .map(|p| match p {
                        Pick::At(i) => v.get(*i).copied().unwrap_or(*i as i64),
                        Pick::Literal(b) => i64::from(*b),
                    })
                    .collect(),
            ),
            Labels::Strings(v) => Data::Str(
                picks
                    .iter()
                    .map(|p| match p {
                        Pick::At(i) => v.get(*i).cloned().unwrap_or_default(),
                        Pick::Literal(b) => u8::from(*b).to_string(),
                    })
                    .collect(),
            ),
        };
        Value::new(vec![n], data)
    }
}

enum Pick {
    At(usize),
    Literal(bool),
}

fn argmax(row: &[f32]) -> usize {
    let mut best = 0;
    for (i, v) in row.iter().enumerate() {
        if *v > row[best] {
            best = i;
        }
    }
    best
}

fn linear_classifier(node: &pb::NodeProto, x: &Value) -> Result<Vec<Value>, String> {
    let coef = floats(node, "coefficients");
    let intercepts = floats(node, "intercepts");
    let post = proto::attr_string(node, "post_transform", "NONE");
    let labels = Labels::of(node);
    let targets = intercepts.len();
    let (rows, f) = x.rows_cols();
    if targets == 0 || coef.len() != targets * f {
        return Err(format!(
            "has {} coefficients and {targets} intercepts for rows of {f} values",
            coef.len()
        ));
    }
    let v = x.to_f32()?;
    let mut scores = vec![0.0f32; rows * targets];
    for r in 0..rows {
        let row = &v[r * f..(r + 1) * f];
        for t in 0..targets {
            let w = &coef[t * f..(t + 1) * f];
            scores[r * targets + t] =
                row.iter().zip(w).map(|(a, b)| a * b).sum::<f32>() + intercepts[t];
        }
    }
    if targets == 1 {
        let picks: Vec<Pick> = scores
            .iter()
            .map(|s| {
                if labels.len() == 2 {
                    Pick::At(usize::from(*s > 0.0))
                } else {
                    Pick::Literal(*s > 0.0)
                }
            })
            .collect();
        let label = labels.tensor(&picks);
        if labels.len() == 2 && post != "PROBIT" {
            // onnxruntime's add_second_class = 1: [1 − s, s] of the raw score.
            let out: Vec<f32> = scores.iter().flat_map(|s| [1.0 - s, *s]).collect();
            return Ok(vec![label, Value::new(vec![rows, 2], Data::F32(out))]);
        }
        if post == "PROBIT" {
            scores.iter_mut().for_each(|s| *s = probit(*s));
        }
        return Ok(vec![label, Value::new(vec![rows, 1], Data::F32(scores))]);
    }
    let picks: Vec<Pick> = scores
        .chunks(targets)
        .map(|row| Pick::At(argmax(row)))
        .collect();
    let label = labels.tensor(&picks);
    scores
        .chunks_mut(targets)
        .for_each(|row| transform_row(row, &post));
    Ok(vec![
        label,
        Value::new(vec![rows, targets], Data::F32(scores)),
    ])
}

fn linear_regressor(node: &pb::NodeProto, x: &Value) -> Result<Value, String> {
    let coef = floats(node, "coefficients");
    let intercepts = floats(node, "intercepts");
    let targets = proto::attr_int(node, "targets", 1).max(1) as usize;
    let post = proto::attr_string(node, "post_transform", "NONE");
    let (rows, f) = x.rows_cols();
    if coef.len() != targets * f || !(intercepts.is_empty() || intercepts.len() == targets) {
        return Err(format!(
            "has {} coefficients and {} intercepts for {targets} targets of rows of {f} values",
            coef.len(),
            intercepts.len()
        ));
    }
    let v = x.to_f32()?;
    let mut out = vec![0.0f32; rows * targets];
    for r in 0..rows {
        let row = &v[r * f..(r + 1) * f];
        for t in 0..targets {
            let w = &coef[t * f..(t + 1) * f];
            out[r * targets + t] = row.iter().zip(w).map(|(a, b)| a * b).sum::<f32>()
                + intercepts.get(t).copied().unwrap_or(0.0);
        }
    }
    if targets > 1 {
        out.chunks_mut(targets)
            .for_each(|row| transform_row(row, &post));
    } else if post == "PROBIT" {
        out.iter_mut().for_each(|s| *s = probit(*s));
    }
    Ok(Value::new(vec![rows, targets], Data::F32(out)))
}

/// An SVM kernel (`kernel_type`, `kernel_params` = gamma, coef0, degree).
struct Kernel {
    kind: String,
    gamma: f32,
    coef0: f32,
    degree: f32,
}

impl Kernel {
    fn of(node: &pb::NodeProto) -> Kernel {
        let p = floats(node, "kernel_params");
        Kernel {
            kind: proto::attr_string(node, "kernel_type", "LINEAR"),
            gamma: p.first().copied().unwrap_or(0.0),
            coef0: p.get(1).copied().unwrap_or(0.0),
            degree: p.get(2).copied().unwrap_or(0.0),
        }
    }

    fn k(&self, a: &[f32], b: &[f32]) -> f32 {
        match self.kind.as_str() {
            "POLY" => {
                let d: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
                (self.gamma * d + self.coef0).powf(self.degree)
            }
            "RBF" => {
                let d: f32 = a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum();
                (-self.gamma * d).exp()
            }
            "SIGMOID" => {
                let d: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
                (self.gamma * d + self.coef0).tanh()
            }
            _ => a.iter().zip(b).map(|(x, y)| x * y).sum(),
        }
    }
}

/// libsvm's pairwise coupling as onnxruntime's `multiclass_probability` computes it.
fn multiclass_probability(k: usize, r: &[f32], p: &mut [f32]) {
    let mut q = vec![0.0f32; k * k];
    let mut qp = vec![0.0f32; k];
    let eps = 0.005 / k as f32;
    for i in 0..k {
        p[i] = 1.0 / k as f32;
        for j in 0..i {
            q[i * k + i] += r[j * k + i] * r[j * k + i];
            q[i * k + j] = q[j * k + i];
        }
        for j in i + 1..k {
            q[i * k + i] += r[j * k + i] * r[j * k + i];
            q[i * k + j] = -r[j * k + i] * r[i * k + j];
        }
    }
    for _ in 0..100 {
        let mut pqp = 0.0f32;
        for i in 0..k {
            qp[i] = 0.0;
            for j in 0..k {
                qp[i] += q[i * k + j] * p[j];
            }
            pqp += p[i] * qp[i];
        }
        let max_error = (0..k).map(|i| (qp[i] - pqp).abs()).fold(0.0f32, f32::max);
        if max_error < eps {
            break;
        }
        for i in 0..k {
            let diff = (-qp[i] + pqp) / q[i * k + i];
            p[i] += diff;
            pqp = (pqp + diff * (diff * q[i * k + i] + 2.0 * qp[i])) / (1.0 + diff) / (1.0 + diff);
            for j in 0..k {
                qp[j] = (qp[j] + diff * q[i * k + j]) / (1.0 + diff);
                p[j] /= 1.0 + diff;
            }
        }
    }
}

fn svm_classifier(node: &pb::NodeProto, x: &Value) -> Result<Vec<Value>, String> {
    let kernel = Kernel::of(node);
    let per_class: Vec<usize> = ints(node, "vectors_per_class")
        .iter()
        .map(|v| (*v).max(0) as usize)
        .collect();
    let sv = floats(node, "support_vectors");
    let coef = floats(node, "coefficients");
    let rho = floats(node, "rho");
    let prob_a = floats(node, "prob_a");
    let prob_b = floats(node, "prob_b");
    let post = proto::attr_string(node, "post_transform", "NONE");
    let labels = Labels::of(node);
    let classes = labels.len();
    let (rows, f) = x.rows_cols();
    let v = x.to_f32()?;
    let vectors: usize = per_class.iter().sum();
    if classes < 2 {
        return Err("has fewer than two classes".into());
    }
    if vectors == 0 {
        // liblinear mode: one linear score per class.
        if coef.len() != classes * f || rho.is_empty() {
            return Err("has coefficients that do not fit its classes and features".into());
        }
        let mut scores = vec![0.0f32; rows * classes];
        for r in 0..rows {
            let row = &v[r * f..(r + 1) * f];
            for c in 0..classes {
                scores[r * classes + c] = kernel.k(row, &coef[c * f..(c + 1) * f]) + rho[0];
            }
        }
        let picks: Vec<Pick> = scores
            .chunks(classes)
            .map(|row| Pick::At(argmax(row)))
            .collect();
        scores
            .chunks_mut(classes)
            .for_each(|row| transform_row(row, &post));
        return Ok(vec![
            labels.tensor(&picks),
            Value::new(vec![rows, classes], Data::F32(scores)),
        ]);
    }
    let pairs = classes * (classes - 1) / 2;
    if per_class.len() != classes
        || sv.len() != vectors * f
        || coef.len() < (classes - 1) * vectors
        || rho.len() < pairs
        || (!prob_a.is_empty() && (prob_a.len() < pairs || prob_b.len() < pairs))
    {
        return Err(format!(
            "has support vectors, coefficients or rho that do not fit {classes} classes of rows of {f} values"
        ));
    }
    let starts: Vec<usize> = per_class
        .iter()
        .scan(0, |s, n| {
            let here = *s;
            *s += n;
            Some(here)
        })
        .collect();
    let proba = !prob_a.is_empty();
    let width = if proba {
        classes
    } else if classes > 2 {
        pairs
    } else {
        2
    };
    let mut out = vec![0.0f32; rows * width];
    let mut picks = Vec::with_capacity(rows);
    let mut kernels = vec![0.0f32; vectors];
    let mut pair_scores = vec![0.0f32; pairs];
    for r in 0..rows {
        let row = &v[r * f..(r + 1) * f];
        for (s, k) in kernels.iter_mut().enumerate() {
            *k = kernel.k(row, &sv[s * f..(s + 1) * f]);
        }
        let mut votes = vec![0i64; classes];
        let mut idx = 0;
        for i in 0..classes - 1 {
            for j in i + 1..classes {
                let mut sum = 0.0f64;
                for m in 0..per_class[i] {
                    sum +=
                        f64::from(coef[vectors * (j - 1) + starts[i] + m] * kernels[starts[i] + m]);
                }
                for m in 0..per_class[j] {
                    sum += f64::from(coef[vectors * i + starts[j] + m] * kernels[starts[j] + m]);
                }
                sum += f64::from(rho[idx]);
                pair_scores[idx] = sum as f32;
                votes[if sum > 0.0 { i } else { j }] += 1;
                idx += 1;
            }
        }
        let o = &mut out[r * width..(r + 1) * width];
        if proba {
            let mut probsp2 = vec![0.0f32; classes * classes];
            let mut index = 0;
            for i in 0..classes - 1 {
                for j in i + 1..classes {
                    let val1 = 1.0 - logistic(pair_scores[index] * prob_a[index] + prob_b[index]);
                    let val2 = val1.clamp(1.0e-7, 1.0 - 1.0e-7);
                    probsp2[i * classes + j] = val2;
                    probsp2[j * classes + i] = 1.0 - val2;
                    index += 1;
                }
            }
            multiclass_probability(classes, &probsp2, o);
        } else if classes == 2 {
            o[0] = pair_scores[0];
        } else {
            o.copy_from_slice(&pair_scores);
        }
        // The top class by votes (first on ties, as std::max_element).
        let maxclass = argmax_i64(&votes);
        picks.push(Pick::At(maxclass));
        // Scores: the post transform; two classes without probabilities become [−s, s]
        // (NONE) or [logistic(−s), logistic(s)].
        if !proba && classes == 2 {
            let s = o[0];
            if post == "LOGISTIC" {
                o[0] = logistic(-s);
                o[1] = logistic(s);
            } else if post == "NONE" {
                o[0] = -s;
                o[1] = s;
            } else {
                o[1] = s;
                o[0] = 1.0 - s;
            }
        } else {
            transform_row(o, &post);
        }
    }
    Ok(vec![
        labels.tensor(&picks),
        Value::new(vec![rows, width], Data::F32(out)),
    ])
}

fn argmax_i64(v: &[i64]) -> usize {
    let mut best = 0;
    for (i, x) in v.iter().enumerate() {
        if *x > v[best] {
            best = i;
        }
    }
    best
}

fn svm_regressor(node: &pb::NodeProto, x: &Value) -> Result<Value, String> {
    let kernel = Kernel::of(node);
    let n = proto::attr_int(node, "n_supports", 0).max(0) as usize;
    let one_class = proto::attr_int(node, "one_class", 0) != 0;
    let sv = floats(node, "support_vectors");
    let coef = floats(node, "coefficients");
    let rho = floats(node, "rho");
    let post = proto::attr_string(node, "post_transform", "NONE");
    let (rows, f) = x.rows_cols();
    let v = x.to_f32()?;
    let bias = rho.first().copied().unwrap_or(0.0);
    let mut out = Vec::with_capacity(rows);
    if n > 0 && (sv.len() != n * f || coef.len() < n) {
        return Err(format!(
            "has {} support vector values and {} coefficients for {n} vectors of {f} values",
            sv.len(),
            coef.len()
        ));
    }
    if n == 0 && coef.len() != f {
        return Err(format!(
            "has {} coefficients for rows of {f} values",
            coef.len()
        ));
    }
    for r in 0..rows {
        let row = &v[r * f..(r + 1) * f];
        let mut s = if n > 0 {
            // Summed in f32 in support-vector order, as onnxruntime's kernel does.
            let mut sum = 0.0f32;
            for i in 0..n {
                sum += coef[i] * kernel.k(row, &sv[i * f..(i + 1) * f]);
            }
            sum + bias
        } else {
            kernel.k(row, &coef) + bias
        };
        if one_class {
            s = if s > 0.0 { 1.0 } else { -1.0 };
        } else if post == "PROBIT" {
            s = probit(s);
        }
        out.push(s);
    }
    Ok(Value::new(vec![rows, 1], Data::F32(out)))
}

/// A tree-ensemble node read and compiled once, for a pipeline to run many times.
pub fn compile_trees(
    node: &pb::NodeProto,
) -> Result<(super::trees::TreeEnsemble, super::trees::Compiled), String> {
    let t = super::trees::TreeEnsemble::from_node(node, 0).map_err(|e| e.to_string())?;
    let c = t.compile().map_err(|e| e.to_string())?;
    Ok((t, c))
}

fn trees(node: &pb::NodeProto, x: &Value) -> Result<Vec<Value>, String> {
    let (t, c) = compile_trees(node)?;
    run_trees(node, &t, &c, x)
}

/// The outputs of a compiled tree ensemble: `[N, 1]` values of a regressor; labels and
/// `[1 − p, p]` of a binary classifier.
pub fn run_trees(
    node: &pb::NodeProto,
    t: &super::trees::TreeEnsemble,
    c: &super::trees::Compiled,
    x: &Value,
) -> Result<Vec<Value>, String> {
    let (rows, f) = x.rows_cols();
    let v = x.to_f32()?;
    let p = c.predict(&v, f).map_err(|e| e.to_string())?;
    if !t.classifier {
        if t.labels > 1 {
            return Err("has several targets; only the first is evaluated in pipelines".into());
        }
        return Ok(vec![Value::new(
            vec![rows, 1],
            Data::F32(p.iter().map(|v| *v as f32).collect()),
        )]);
    }
    let labels = Labels::of(node);
    let picks: Vec<Pick> = p.iter().map(|p| Pick::At(usize::from(*p > 0.5))).collect();
    let probs: Vec<f32> = p
        .iter()
        .flat_map(|p| [(1.0 - p) as f32, *p as f32])
        .collect();
    Ok(vec![
        labels.tensor(&picks),
        Value::new(vec![rows, 2], Data::F32(probs)),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(op: &str, attrs: Vec<pb::AttributeProto>) -> pb::NodeProto {
        pb::NodeProto {
            op_type: op.into(),
            domain: "ai.onnx.ml".into(),
            attribute: attrs,
            ..Default::default()
        }
    }

    fn floats_attr(name: &str, v: &[f32]) -> pb::AttributeProto {
        pb::AttributeProto {
            name: name.into(),
            floats: v.to_vec(),
            ..Default::default()
        }
    }

    fn f32s(v: &Value) -> Vec<f32> {
        v.to_f32().expect("numbers")
    }

    #[test]
    fn imputer_replaces_nan_when_the_replaced_value_is_nan() {
        let n = node(
            "Imputer",
            vec![
                floats_attr("imputed_value_floats", &[1.0, 2.0]),
                pb::AttributeProto {
                    name: "replaced_value_float".into(),
                    f: f32::NAN,
                    ..Default::default()
                },
            ],
        );
        let x = Value::new(vec![2, 2], Data::F32(vec![f32::NAN, 5.0, 0.0, f32::NAN]));
        let y = run(&n, &[Some(&x)]).expect("runs");
        assert_eq!(f32s(&y[0]), [1.0, 5.0, 0.0, 2.0]);
    }

    #[test]
    fn normalizer_norms_follow_onnxruntime() {
        let x = Value::new(vec![2, 2], Data::F32(vec![-3.0, 4.0, 0.0, 0.0]));
        let with = |norm: &str| {
            let n = node(
                "Normalizer",
                vec![pb::AttributeProto {
                    name: "norm".into(),
                    s: norm.as_bytes().to_vec(),
                    ..Default::default()
                }],
            );
            f32s(&run(&n, &[Some(&x)]).expect("runs")[0])
        };
        assert_eq!(with("L2"), [-0.6, 0.8, 0.0, 0.0]);
        assert_eq!(with("L1"), [-3.0 / 7.0, 4.0 / 7.0, 0.0, 0.0]);
        // MAX divides by the largest value, not the largest magnitude.
        assert_eq!(with("MAX"), [-0.75, 1.0, 0.0, 0.0]);
    }

    #[test]
    fn one_hot_with_unknown_categories() {
        let mut n = node(
            "OneHotEncoder",
            vec![pb::AttributeProto {
                name: "cats_strings".into(),
                strings: vec![b"a".to_vec(), b"b".to_vec()],
                ..Default::default()
            }],
        );
        let x = Value::new(vec![2, 1], Data::Str(vec!["b".into(), "z".into()]));
        let y = run(&n, &[Some(&x)]).expect("runs");
        assert_eq!(y[0].shape, [2, 1, 2]);
        assert_eq!(f32s(&y[0]), [0.0, 1.0, 0.0, 0.0]);
        n.attribute.push(proto::int_attribute("zeros", 0));
        assert!(run(&n, &[Some(&x)]).is_err());
    }

    #[test]
    fn string_codes_round_trip() {
        let a = string_code("north").expect("code");
        assert_eq!(string_code("north"), Some(a));
        assert_eq!(code_string(a).as_deref(), Some("north"));
        assert_eq!(code_string(-1.0), None);
    }
}

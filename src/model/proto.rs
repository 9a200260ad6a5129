//! Reading and writing tensors and attributes of the ONNX protobuf.

use super::ModelError;
use super::pb;

/// ONNX `TensorProto.DataType` codes used here.
pub const FLOAT: i32 = 1;
pub const INT8: i32 = 3;
pub const INT64: i32 = 7;
pub const FLOAT16: i32 = 10;

/// The f32 values of a FLOAT initializer (from `float_data` or little-endian `raw_data`).
pub fn floats(t: &pb::TensorProto) -> Result<Vec<f32>, ModelError> {
    if t.data_type != FLOAT {
        return Err(ModelError::Invalid(format!(
            "the initializer {} is not float32 (ONNX type {})",
            t.name, t.data_type
        )));
    }
    if !t.float_data.is_empty() {
        return Ok(t.float_data.clone());
    }
    if !t.raw_data.len().is_multiple_of(4) {
        return Err(ModelError::Invalid(format!(
            "the initializer {} has {} raw bytes, not a whole number of floats",
            t.name,
            t.raw_data.len()
        )));
    }
    Ok(t.raw_data
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect())
}

/// Replace a tensor's contents with f32 values of shape `dims` (stored as raw little-endian).
pub fn set_floats(t: &mut pb::TensorProto, values: &[f32], dims: &[i64]) {
    t.data_type = FLOAT;
    t.float_data.clear();
    t.dims = dims.to_vec();
    t.raw_data = values.iter().flat_map(|v| v.to_le_bytes()).collect();
}

/// A new tensor with raw data.
pub fn tensor(name: &str, data_type: i32, dims: &[i64], raw: Vec<u8>) -> pb::TensorProto {
    pb::TensorProto {
        name: name.to_string(),
        data_type,
        dims: dims.to_vec(),
        raw_data: raw,
        ..Default::default()
    }
}

/// The graph of a model (an error if it has none).
pub fn graph(m: &pb::ModelProto) -> Result<&pb::GraphProto, ModelError> {
    m.graph
        .as_ref()
        .ok_or_else(|| ModelError::Invalid("the model has no graph".into()))
}

/// The graph of a model, mutably.
pub fn graph_mut(m: &mut pb::ModelProto) -> Result<&mut pb::GraphProto, ModelError> {
    m.graph
        .as_mut()
        .ok_or_else(|| ModelError::Invalid("the model has no graph".into()))
}

/// The initializer called `name`.
pub fn initializer<'g>(g: &'g pb::GraphProto, name: &str) -> Option<&'g pb::TensorProto> {
    g.initializer.iter().find(|t| t.name == name)
}

/// The initializer called `name`, mutably.
pub fn initializer_mut<'g>(
    g: &'g mut pb::GraphProto,
    name: &str,
) -> Result<&'g mut pb::TensorProto, ModelError> {
    g.initializer
        .iter_mut()
        .find(|t| t.name == name)
        .ok_or_else(|| ModelError::Invalid(format!("the model has no initializer {name}")))
}

/// A node attribute by name.
pub fn attribute<'n>(node: &'n pb::NodeProto, name: &str) -> Option<&'n pb::AttributeProto> {
    node.attribute.iter().find(|a| a.name == name)
}

/// An integer attribute, or `default`.
pub fn attr_int(node: &pb::NodeProto, name: &str, default: i64) -> i64 {
    attribute(node, name).map_or(default, |a| a.i)
}

/// A string attribute, or `default`.
pub fn attr_string(node: &pb::NodeProto, name: &str, default: &str) -> String {
    attribute(node, name).map_or_else(
        || default.to_string(),
        |a| String::from_utf8_lossy(&a.s).into_owned(),
    )
}

/// An attribute with an integer value.
pub fn int_attribute(name: &str, value: i64) -> pb::AttributeProto {
    pb::AttributeProto {
        name: name.to_string(),
        r#type: pb::attribute_proto::AttributeType::Int as i32,
        i: value,
        ..Default::default()
    }
}

/// Shape of a value-info as dims: `Some(n)` for a fixed size, `None` for a symbolic one.
pub fn value_shape(v: &pb::ValueInfoProto) -> (Vec<Option<i64>>, i32) {
    let Some(pb::type_proto::Value::TensorType(t)) =
        v.r#type.as_ref().and_then(|t| t.value.as_ref())
    else {
        return (Vec::new(), 0);
    };
    let dims = t
        .shape
        .as_ref()
        .map(|s| {
            s.dim
                .iter()
                .map(|d| match &d.value {
                    Some(pb::tensor_shape_proto::dimension::Value::DimValue(n)) if *n > 0 => {
                        Some(*n)
                    }
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    (dims, t.elem_type)
}

/// A readable name for an ONNX element type.
pub fn type_name(code: i32) -> &'static str {
    match code {
        1 => "float32",
        2 => "uint8",
        3 => "int8",
        6 => "int32",
        7 => "int64",
        8 => "string",
        9 => "bool",
        10 => "float16",
        11 => "float64",
        _ => "other",
    }
}

/// Where a tensor's values live and how many bytes one takes: the `TensorProto` field that
/// holds them when `raw_data` is empty, values of that field per element (complex numbers take
/// two), and bytes per element in `raw_data` (`None`: strings, which have no raw form; 4-bit
/// types are packed two to a byte and handled by `raw_bytes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Float,
    Int32,
    String,
    Int64,
    Double,
    Uint64,
}

fn layout(data_type: i32) -> Option<(Field, u64, Option<u64>)> {
    Some(match data_type {
        1 => (Field::Float, 1, Some(4)),
        2 | 3 | 9 => (Field::Int32, 1, Some(1)),
        4 | 5 | 10 | 16 => (Field::Int32, 1, Some(2)),
        6 => (Field::Int32, 1, Some(4)),
        7 => (Field::Int64, 1, Some(8)),
        8 => (Field::String, 1, None),
        11 => (Field::Double, 1, Some(8)),
        12 => (Field::Uint64, 1, Some(4)),
        13 => (Field::Uint64, 1, Some(8)),
        14 => (Field::Float, 2, Some(8)),
        15 => (Field::Double, 2, Some(16)),
        // float8 variants: one byte each.
        17..=20 => (Field::Int32, 1, Some(1)),
        // int4, uint4, float4: two per byte (0 here; see `raw_bytes`).
        21..=23 => (Field::Int32, 1, Some(0)),
        _ => return None,
    })
}

/// Bytes `count` elements take in `raw_data`.
fn raw_bytes(data_type: i32, count: u64, size: u64) -> Option<u64> {
    if (21..=23).contains(&data_type) {
        Some(count.div_ceil(2))
    } else {
        count.checked_mul(size)
    }
}

/// Bytes a tensor of `count` elements of this type takes in memory (strings: at least the
/// bytes stored, a pointer and a length each).
fn memory_bytes(t: &pb::TensorProto, count: u64) -> u64 {
    match layout(t.data_type) {
        Some((Field::String, ..)) => count.saturating_mul(24).saturating_add(
            t.string_data
                .iter()
                .map(|s| s.len() as u64)
                .fold(0, u64::saturating_add),
        ),
        Some((_, _, Some(size))) => raw_bytes(t.data_type, count, size).unwrap_or(u64::MAX),
        _ => 0,
    }
}

/// Check that a tensor's declared shape matches the values it stores, so that nothing later
/// indexes past them: dims are not negative, their product does not overflow, the tensor fits
/// in `available` bytes of memory (when known), its element type is known, and `raw_data`'s
/// length (or the typed field's) is exactly what the shape and type call for. `Err` is the
/// cause, phrased to follow "the tensor NAME".
pub fn check_tensor(t: &pb::TensorProto, available: Option<u64>) -> Result<u64, String> {
    let dims = || {
        let d: Vec<String> = t.dims.iter().map(i64::to_string).collect();
        format!("[{}]", d.join(", "))
    };
    if let Some(d) = t.dims.iter().find(|d| **d < 0) {
        return Err(format!(
            "has the negative dimension {d} in its shape {}",
            dims()
        ));
    }
    let count = t
        .dims
        .iter()
        .try_fold(1u64, |acc, &d| acc.checked_mul(d as u64))
        .ok_or_else(|| format!("has the shape {}, whose size overflows", dims()))?;
    let Some((field, per, size)) = layout(t.data_type) else {
        return Err(format!("has the unknown element type {}", t.data_type));
    };
    let bytes = memory_bytes(t, count);
    if let Some(available) = available
        && bytes > available
    {
        return Err(format!(
            "declares the shape {} ({} values, {}), more than the {} of memory available",
            dims(),
            count,
            crate::format::fmt_bytes(bytes),
            crate::format::fmt_bytes(available)
        ));
    }
    if t.data_location == Some(pb::tensor_proto::DataLocation::External as i32) {
        return Err(
            "keeps its values in an external file, which Sextant does not read (save the model with its weights inside)"
                .into(),
        );
    }
    if !t.raw_data.is_empty() {
        let Some(size) = size else {
            return Err("is a string tensor with raw bytes, which ONNX does not allow".into());
        };
        let expected = raw_bytes(t.data_type, count, size);
        if expected != Some(t.raw_data.len() as u64) {
            return Err(format!(
                "has the shape {} of {} {} values but stores {} raw bytes instead of {}",
                dims(),
                count,
                type_name(t.data_type),
                t.raw_data.len(),
                expected.map_or_else(|| "an overflowing number".into(), |e| e.to_string())
            ));
        }
        return Ok(bytes);
    }
    let stored = match field {
        Field::Float => t.float_data.len(),
        Field::Int32 => t.int32_data.len(),
        Field::String => t.string_data.len(),
        Field::Int64 => t.int64_data.len(),
        Field::Double => t.double_data.len(),
        Field::Uint64 => t.uint64_data.len(),
    } as u64;
    let expected = if (21..=23).contains(&t.data_type) {
        Some(count.div_ceil(2))
    } else {
        count.checked_mul(per)
    };
    if expected != Some(stored) {
        return Err(format!(
            "has the shape {} of {} {} values but stores {} values",
            dims(),
            count,
            type_name(t.data_type),
            stored
        ));
    }
    Ok(bytes)
}

/// Check every tensor of a graph (initializers, tensor attributes, subgraphs) with
/// [`check_tensor`], and their total against `available`. One sentence naming the model
/// (`shown`) and the first malformed tensor.
pub fn check_graph(
    g: &pb::GraphProto,
    shown: &str,
    available: Option<u64>,
) -> Result<(), ModelError> {
    let mut total = 0u64;
    check_graph_into(g, shown, available, &mut total)?;
    if let Some(available) = available
        && total > available
    {
        return Err(ModelError::Invalid(format!(
            "{shown} is too large to load: its tensors take about {} but only {} of memory is available",
            crate::format::fmt_bytes(total),
            crate::format::fmt_bytes(available)
        )));
    }
    Ok(())
}

fn check_graph_into(
    g: &pb::GraphProto,
    shown: &str,
    available: Option<u64>,
    total: &mut u64,
) -> Result<(), ModelError> {
    let mut one = |t: &pb::TensorProto, owner: &str| -> Result<(), ModelError> {
        let bytes = check_tensor(t, available).map_err(|cause| {
            let name = if t.name.is_empty() {
                "(unnamed)"
            } else {
                &t.name
            };
            ModelError::Invalid(format!("{shown}: the tensor {name}{owner} {cause}"))
        })?;
        *total = total.saturating_add(bytes);
        Ok(())
    };
    for t in &g.initializer {
        one(t, "")?;
    }
    for s in &g.sparse_initializer {
        for t in s.values.iter().chain(&s.indices) {
            one(t, " (sparse)")?;
        }
    }
    for node in &g.node {
        let owner = format!(" of node \"{}\"", node.name);
        for a in &node.attribute {
            for t in a.t.iter().chain(&a.tensors) {
                one(t, &owner)?;
            }
            for s in a.sparse_tensor.iter().chain(&a.sparse_tensors) {
                for t in s.values.iter().chain(&s.indices) {
                    one(t, &owner)?;
                }
            }
        }
    }
    // Subgraphs (If, Loop, Scan bodies); prost's decoding depth limit bounds this recursion.
    for node in &g.node {
        for a in &node.attribute {
            for sub in a.g.iter().chain(&a.graphs) {
                check_graph_into(sub, shown, available, total)?;
            }
        }
    }
    Ok(())
}

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

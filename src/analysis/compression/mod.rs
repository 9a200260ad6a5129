//! Compression maths for the compression lab: quantization, pruning masks, the packed-size
//! formula, the Pareto frontier and the agreement of a variant with the original. Pure
//! functions over slices; the model-quality metrics are the shared ones of
//! `analysis::metrics`, and the ONNX side (loading, editing, running) lives in the model layer.

pub mod agreement;
pub mod pareto;
pub mod prune;
pub mod quantize;
pub mod size;

pub use quantize::Granularity;

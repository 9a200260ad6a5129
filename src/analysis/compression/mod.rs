//! Compression maths for the compression lab: quantization, pruning masks, the packed-size
//! formula, the Pareto frontier and model-quality metrics. Pure functions over slices; the ONNX
//! side (loading, editing, running) lives in `crate::model`.

pub mod metrics;
pub mod pareto;
pub mod prune;
pub mod quantize;
pub mod size;

pub use metrics::{ClassificationMetrics, RegressionMetrics};
pub use quantize::Granularity;

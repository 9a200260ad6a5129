//! ONNX models for the compression lab: loading and describing a model, editing its protobuf
//! (weights and tree attributes), evaluating it on a dataset, and timing it.
//!
//! The runtime is `tract-onnx` for graphs of dense layers and linear models; tree ensembles
//! (`ai.onnx.ml` `TreeEnsembleClassifier` / `TreeEnsembleRegressor`) are evaluated by
//! [`trees`], because tract's tree operator rejects skl2onnx's binary `base_values` and is
//! hundreds of times slower than onnxruntime. Edits are made on the ONNX protobuf
//! ([`pb::ModelProto`]) and the edited proto is handed to tract again, so every variant is a
//! real ONNX model that can be written to a file.

pub mod compress;
pub mod distill;
pub mod eval;
pub mod latency;
pub mod load;
pub mod ml_ops;
pub mod pipeline;
pub mod proto;
pub mod trees;
pub mod variant;

pub use tract_onnx::pb;

pub use crate::vocab::Task;
pub use compress::{CompressParams, CompressionReport, VariantReport, compress};
pub use eval::EvalData;
pub use load::{Layer, OnnxModel, Structure, TensorInfo};
pub use variant::{Student, VariantKind, VariantSpec};

/// Why a model could not be loaded, edited or run. Messages are one sentence.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("{path} could not be read: {reason}")]
    Read { path: String, reason: String },
    #[error("{path} is not an ONNX model ({reason})")]
    NotOnnx { path: String, reason: String },
    #[error("{path} uses the operator {op} (node \"{node}\"), which Sextant cannot run")]
    Unsupported {
        path: String,
        op: String,
        node: String,
    },
    /// Anything else about the model or the data, already phrased as a sentence.
    #[error("{0}")]
    Invalid(String),
    #[error("the model could not be run: {0}")]
    Runtime(String),
    #[error("cancelled")]
    Cancelled,
}

impl From<crate::vocab::Cancelled> for ModelError {
    fn from(_: crate::vocab::Cancelled) -> Self {
        ModelError::Cancelled
    }
}

/// Turn a tract error into a runtime error with its full cause chain on one line.
pub(crate) fn runtime(e: impl std::fmt::Debug) -> ModelError {
    let text = format!("{e:?}");
    ModelError::Runtime(text.lines().next().unwrap_or_default().to_string())
}

/// Run tract on a model Sextant did not write: the loader checks shapes and tensors first, but a
/// graph tract cannot handle may still make it panic, which must become one sentence and not
/// end the program or the window.
pub(crate) fn guarded<T>(f: impl FnOnce() -> Result<T, ModelError>) -> Result<T, ModelError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|panic| {
        Err(ModelError::Runtime(format!(
            "the ONNX runtime failed on this graph ({})",
            crate::data::load::panic_text(panic.as_ref())
        )))
    })
}

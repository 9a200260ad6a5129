//! What a model predicts. One word for the health analysis (which infers it from the labels)
//! and the compression lab (which reads it from the ONNX graph); sessions store it as
//! `"classification"` or `"regression"`.

use serde::{Deserialize, Serialize};

/// What the model predicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Task {
    /// Binary classification: a 0/1 label, and a score or model output that is P(class 1).
    #[default]
    Classification,
    /// A numeric target and a numeric prediction.
    Regression,
}

impl Task {
    /// The snake_case name, as serialised.
    pub fn name(self) -> &'static str {
        match self {
            Self::Classification => "classification",
            Self::Regression => "regression",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_serde_names() {
        for t in [Task::Classification, Task::Regression] {
            let json = serde_json::to_string(&t).expect("serialise");
            assert_eq!(json, format!("\"{}\"", t.name()));
            assert_eq!(serde_json::from_str::<Task>(&json).expect("parse"), t);
        }
    }
}

//! What a column means for the model (feature, timestamp, id, target, prediction), and the
//! guess from its name.

use serde::{Deserialize, Serialize};

use super::ColumnKind;

/// What a column means for the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// An input of the model (the default).
    #[default]
    Feature,
    /// When the row happened; drives time windows.
    Timestamp,
    /// Identifies a row (application id, user id…); joins reference and current rows.
    Id,
    /// The label / ground truth.
    Target,
    /// The model's output (score, probability or predicted value).
    Prediction,
    /// Excluded from every analysis.
    Ignored,
}

impl Role {
    /// Every role, in menu order.
    pub const ALL: [Role; 6] = [
        Role::Feature,
        Role::Timestamp,
        Role::Id,
        Role::Target,
        Role::Prediction,
        Role::Ignored,
    ];

    /// Lower-case name used in JSON and tables.
    pub fn name(self) -> &'static str {
        match self {
            Self::Feature => "feature",
            Self::Timestamp => "timestamp",
            Self::Id => "id",
            Self::Target => "target",
            Self::Prediction => "prediction",
            Self::Ignored => "ignored",
        }
    }
}

const TARGET_NAMES: &[&str] = &[
    "label",
    "labels",
    "target",
    "y",
    "y_true",
    "class",
    "outcome",
    "ground_truth",
    "actual",
    "truth",
    "default",
    "defaulted",
    "is_default",
    "churn",
    "churned",
    "is_fraud",
    "fraud",
];
const PREDICTION_NAMES: &[&str] = &[
    "score",
    "scores",
    "prediction",
    "predictions",
    "pred",
    "y_pred",
    "y_hat",
    "yhat",
    "y_score",
    "proba",
    "probability",
    "model_score",
    "model_output",
];
const TIME_NAMES: &[&str] = &[
    "timestamp",
    "time",
    "date",
    "datetime",
    "ts",
    "event_time",
    "created",
];

/// The role a column's name and kind suggest, ignoring the other columns.
pub fn role_from_name(name: &str, kind: ColumnKind) -> Role {
    let n = name.trim().to_ascii_lowercase().replace([' ', '-'], "_");
    if TARGET_NAMES.contains(&n.as_str()) || n.ends_with("_label") || n.ends_with("_target") {
        return Role::Target;
    }
    if PREDICTION_NAMES.contains(&n.as_str())
        || n.starts_with("pred_")
        || n.starts_with("prediction")
        || n.starts_with("proba")
        || n.ends_with("_pred")
        || n.ends_with("_prediction")
        || n.ends_with("_proba")
        || n.ends_with("_probability")
    {
        return Role::Prediction;
    }
    if n == "id" || n.ends_with("_id") || n == "uuid" || n == "guid" || n.ends_with("_uuid") {
        return Role::Id;
    }
    let time_like = TIME_NAMES.contains(&n.as_str())
        || n.ends_with("_at")
        || n.ends_with("_time")
        || n.ends_with("_timestamp")
        || n.ends_with("_date");
    if time_like && matches!(kind, ColumnKind::Datetime | ColumnKind::Numeric) {
        return Role::Timestamp;
    }
    Role::Feature
}

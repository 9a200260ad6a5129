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
    /// An experiment log's arm of each unit (A/B tests, rollouts).
    Variant,
    /// A pre-experiment value of a unit, for variance reduction (CUPED).
    Covariate,
    /// A column to split an experiment's effect by (channel, region, …).
    Segment,
    /// Which model version scored the row (`v6`, `v7`, …): the Health tab splits its timelines
    /// at each switch-over and measures each version.
    ModelVersion,
}

impl Role {
    /// Every role, in menu order.
    pub const ALL: [Role; 10] = [
        Role::Feature,
        Role::Timestamp,
        Role::Id,
        Role::Target,
        Role::Prediction,
        Role::Ignored,
        Role::Variant,
        Role::Covariate,
        Role::Segment,
        Role::ModelVersion,
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
            Self::Variant => "variant",
            Self::Covariate => "covariate",
            Self::Segment => "segment",
            Self::ModelVersion => "model_version",
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

/// Names of a model version column (any kind): `model_version`, `model`, `version`.
const MODEL_VERSION_NAMES: &[&str] = &["model_version", "model", "version"];

const VARIANT_NAMES: &[&str] = &[
    "variant",
    "arm",
    "group",
    "bucket",
    "treatment",
    "experiment_group",
    "ab_group",
    "model",
    "model_variant",
];
const SEGMENT_NAMES: &[&str] = &[
    "segment", "channel", "region", "country", "platform", "device", "cohort", "market",
];

/// The role a column of an experiment log suggests by its name: the variant (`variant`, `arm`,
/// `group`, `bucket`, …), a pre-experiment covariate (`pre_*`), a segment (`segment`,
/// `channel`, `region`, … when categorical), else the role any dataset's column gets. Only the
/// experiment log is read this way: a training column named `group` stays a feature.
pub fn experiment_role_from_name(name: &str, kind: ColumnKind) -> Role {
    let n = name.trim().to_ascii_lowercase().replace([' ', '-'], "_");
    if VARIANT_NAMES.contains(&n.as_str()) || n.ends_with("_variant") || n.ends_with("_arm") {
        return Role::Variant;
    }
    if n.starts_with("pre_") && matches!(kind, ColumnKind::Numeric | ColumnKind::Boolean) {
        return Role::Covariate;
    }
    if (SEGMENT_NAMES.contains(&n.as_str()) || n.starts_with("segment_"))
        && matches!(kind, ColumnKind::Categorical | ColumnKind::Boolean)
    {
        return Role::Segment;
    }
    role_from_name(name, kind)
}

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
    if MODEL_VERSION_NAMES.contains(&n.as_str()) {
        return Role::ModelVersion;
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

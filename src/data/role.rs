//! Column roles: what a column means for the model (feature, timestamp, id, target, prediction),
//! inferred from names and kinds, editable by the user, and shared by both datasets.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::kind::ColumnKind;
use super::summary::ColumnSummary;

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

/// Roles for a dataset's columns: name rules first, then at most one timestamp (the first
/// time-named datetime column, or else the first datetime column). Other datetime columns stay
/// features.
pub fn infer_roles(columns: &[ColumnSummary]) -> Vec<Role> {
    let mut roles: Vec<Role> = columns
        .iter()
        .map(|c| role_from_name(&c.name, c.kind))
        .collect();
    let mut timestamp_seen = false;
    for (role, c) in roles.iter_mut().zip(columns) {
        if *role == Role::Timestamp {
            // A numeric "time" column is only a timestamp when there is no real datetime one.
            let real = c.kind == ColumnKind::Datetime;
            if timestamp_seen || (!real && columns.iter().any(|o| o.kind == ColumnKind::Datetime)) {
                *role = Role::Feature;
            } else {
                timestamp_seen = true;
            }
        }
    }
    if !timestamp_seen
        && let Some(i) = columns.iter().position(|c| c.kind == ColumnKind::Datetime)
        && roles[i] == Role::Feature
    {
        roles[i] = Role::Timestamp;
    }
    roles
}

/// The user's view of roles, keyed by column name so that it applies to both datasets.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RoleMap {
    roles: BTreeMap<String, Role>,
}

impl RoleMap {
    /// The role of a column (feature when unknown).
    pub fn get(&self, column: &str) -> Role {
        self.roles.get(column).copied().unwrap_or_default()
    }

    /// Set a column's role. Timestamp, target and prediction are unique: giving one to a column
    /// takes it from any other column (which becomes a feature).
    pub fn set(&mut self, column: &str, role: Role) {
        if matches!(role, Role::Timestamp | Role::Target | Role::Prediction) {
            for r in self.roles.values_mut() {
                if *r == role {
                    *r = Role::Feature;
                }
            }
        }
        self.roles.insert(column.to_string(), role);
    }

    /// Add inferred roles for columns not yet known (a newly opened dataset); the user's
    /// existing choices are kept.
    pub fn add_inferred(&mut self, columns: &[ColumnSummary]) {
        for c in columns {
            if self.roles.contains_key(&c.name) {
                continue;
            }
            let role = c.role;
            let taken = matches!(role, Role::Timestamp | Role::Target | Role::Prediction)
                && self.roles.values().any(|r| *r == role);
            self.roles
                .insert(c.name.clone(), if taken { Role::Feature } else { role });
        }
    }

    /// The first column with this role.
    pub fn column_with(&self, role: Role) -> Option<&str> {
        self.roles
            .iter()
            .find(|(_, r)| **r == role)
            .map(|(c, _)| c.as_str())
    }

    /// Columns and roles, ordered by column name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, Role)> {
        self.roles.iter().map(|(c, r)| (c.as_str(), *r))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_map_to_roles() {
        use ColumnKind::*;
        assert_eq!(role_from_name("label", Numeric), Role::Target);
        assert_eq!(role_from_name("Target", Categorical), Role::Target);
        assert_eq!(role_from_name("y", Numeric), Role::Target);
        assert_eq!(role_from_name("churn_label", Numeric), Role::Target);
        assert_eq!(role_from_name("score", Numeric), Role::Prediction);
        assert_eq!(role_from_name("pred_proba", Numeric), Role::Prediction);
        assert_eq!(role_from_name("default_proba", Numeric), Role::Prediction);
        assert_eq!(role_from_name("application_id", Categorical), Role::Id);
        assert_eq!(role_from_name("customer id", Numeric), Role::Id);
        assert_eq!(role_from_name("applied_at", Datetime), Role::Timestamp);
        assert_eq!(role_from_name("timestamp", Datetime), Role::Timestamp);
        // A feature that merely ends in "score" is not the model's output.
        assert_eq!(role_from_name("credit_score", Numeric), Role::Feature);
        assert_eq!(role_from_name("income", Numeric), Role::Feature);
        // A string named like a time is not a timestamp until it parses as one.
        assert_eq!(role_from_name("created_at", Text), Role::Feature);
    }

    #[test]
    fn role_map_keeps_unique_roles_unique() {
        let mut m = RoleMap::default();
        m.set("a", Role::Target);
        m.set("b", Role::Target);
        assert_eq!(m.get("a"), Role::Feature);
        assert_eq!(m.get("b"), Role::Target);
        assert_eq!(m.column_with(Role::Target), Some("b"));
        m.set("c", Role::Id);
        m.set("d", Role::Id);
        assert_eq!(m.get("c"), Role::Id);
    }
}

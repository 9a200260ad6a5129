//! Column roles: what a column means for the model (feature, timestamp, id, target, prediction),
//! inferred from names and kinds, editable by the user, and shared by both datasets.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::summary::ColumnSummary;
use crate::vocab::{ColumnKind, Role, role_from_name};

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
    use crate::vocab::role_from_name;

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

//! What an experiment log's column names suggest: the variant, its control arm, the unit, the
//! metrics with their direction, and `pre_X` as X's covariate. The window fills the
//! Experiments tab with it when a log opens, and `sextant session new --experiment` writes it
//! into a session; either way the user can change every choice.

use crate::analysis::experiment::moments::Direction;
use crate::data::Dataset;
use crate::engine::compare::CompareSettings;
use crate::engine::experiment::{ExperimentSettings, MetricRole, MetricSpec};
use crate::vocab::{ColumnKind, Role, experiment_role_from_name};

/// One column of the log as the tab's pickers see it.
#[derive(Debug, Clone, PartialEq)]
pub struct LogColumn {
    pub name: String,
    pub kind: ColumnKind,
    /// Its role as an experiment column, inferred from its name.
    pub role: Role,
}

/// The log's columns with the roles their names suggest in an experiment log.
pub fn log_columns(ds: &Dataset) -> Vec<LogColumn> {
    ds.columns
        .iter()
        .map(|c| LogColumn {
            name: c.name.clone(),
            kind: c.kind,
            role: experiment_role_from_name(&c.name, c.kind),
        })
        .collect()
}

/// The distinct non-missing values of a column, as text, sorted (empty when it is absent).
pub fn distinct_values(ds: &Dataset, column: &str) -> Vec<String> {
    use polars::prelude::*;
    let Ok(c) = ds.frame.column(column) else {
        return Vec::new();
    };
    let Ok(text) = c.as_materialized_series().cast(&DataType::String) else {
        return Vec::new();
    };
    let Ok(unique) = text.unique() else {
        return Vec::new();
    };
    let Ok(ca) = unique.str() else {
        return Vec::new();
    };
    let mut values: Vec<String> = ca.iter().flatten().map(str::to_string).collect();
    values.sort();
    // A column with thousands of values is not a variant; keep the picker usable.
    values.truncate(50);
    values
}

/// The control arm a name suggests: `control`, `production`, `baseline`, `champion`, `a`,
/// else the first arm in order.
pub fn guess_control(arms: &[String]) -> Option<String> {
    const NAMES: [&str; 7] = [
        "control",
        "production",
        "baseline",
        "champion",
        "current",
        "a",
        "old",
    ];
    NAMES
        .iter()
        .find_map(|n| arms.iter().find(|a| a.eq_ignore_ascii_case(n)))
        .or(arms.first())
        .cloned()
}

/// Lower is better for names that say so (latency, errors, cost, defaults, churn).
pub fn guess_direction(name: &str) -> Direction {
    let n = name.to_ascii_lowercase();
    let lower = [
        "latency", "_ms", "error", "cost", "default", "churn", "time", "loss", "bounce",
    ];
    if lower.iter().any(|k| n.contains(k)) {
        Direction::LowerIsBetter
    } else {
        Direction::HigherIsBetter
    }
}

/// A guardrail for names of what a model change must not make worse while it is tried for
/// something else — latency, errors, timeouts, crashes, cost — else a goal. A default or churn
/// rate is lower-is-better too, but it is usually what the experiment is run to move, so it
/// stays a goal.
pub fn guess_role(name: &str) -> MetricRole {
    let n = name.to_ascii_lowercase();
    let guard = [
        "latency", "_ms", "error", "timeout", "crash", "fail", "cost", "duration",
    ];
    if guard.iter().any(|k| n.contains(k)) {
        MetricRole::Guardrail
    } else {
        MetricRole::Goal
    }
}

/// Settings from the columns' names: the first variant-named column, its control by name, the
/// first id as the unit, every other number or flag as a metric (a guardrail or a goal by
/// [`guess_role`]), `pre_X` as X's covariate, the first timestamp as the exposure time.
pub fn infer_settings(columns: &[LogColumn], ds: &Dataset) -> ExperimentSettings {
    let mut s = ExperimentSettings::default();
    let Some(variant) = columns.iter().find(|c| c.role == Role::Variant) else {
        return s;
    };
    s.variant = variant.name.clone();
    s.control = guess_control(&distinct_values(ds, &s.variant)).unwrap_or_default();
    s.unit = columns
        .iter()
        .find(|c| c.role == Role::Id)
        .map(|c| c.name.clone());
    for c in columns {
        let numeric = matches!(c.kind, ColumnKind::Numeric | ColumnKind::Boolean);
        if numeric && matches!(c.role, Role::Feature | Role::Target | Role::Prediction) {
            s.metrics.push(MetricSpec {
                column: c.name.clone(),
                kind: None,
                direction: guess_direction(&c.name),
                role: guess_role(&c.name),
            });
        }
    }
    // The exposure time only when it is stored as a time (a text column that merely looks
    // like one would be refused by the run).
    s.time = columns
        .iter()
        .filter(|c| c.role == Role::Timestamp)
        .find(|c| is_time_column(ds, &c.name))
        .map(|c| c.name.clone());
    s.segments = columns
        .iter()
        .find(|c| c.role == Role::Segment)
        .map(|c| vec![c.name.clone()])
        .unwrap_or_default();
    for c in columns.iter().filter(|c| c.role == Role::Covariate) {
        let Some(metric) = c.name.get(4..) else {
            continue;
        };
        if s.metrics.iter().any(|m| m.column == metric) {
            s.covariates.insert(metric.to_string(), c.name.clone());
        }
    }
    s
}

/// Whether the column is stored as a date or a time (what the timeline can read).
pub fn is_time_column(ds: &Dataset, column: &str) -> bool {
    use polars::prelude::DataType;
    ds.frame
        .column(column)
        .is_ok_and(|c| matches!(c.dtype(), DataType::Datetime(..) | DataType::Date))
}

/// Whether a name reads as a model's score (`score`, `*_proba`, `pred_*`…).
fn score_like(c: &LogColumn) -> bool {
    let n = c.name.to_ascii_lowercase();
    c.role == Role::Prediction || n.contains("score") || n.contains("proba")
}

/// Champion/challenger settings from the log's names: a target by its name (a 0/1 column) and
/// two numeric columns named like scores; the one named like the current model (champion,
/// production, current, old, baseline) is the champion. `None` when the log has no such trio.
pub fn infer_compare(columns: &[LogColumn]) -> Option<CompareSettings> {
    let target = columns.iter().find(|c| {
        c.role == Role::Target && matches!(c.kind, ColumnKind::Numeric | ColumnKind::Boolean)
    })?;
    let scores: Vec<&LogColumn> = columns
        .iter()
        .filter(|c| c.kind == ColumnKind::Numeric && c.name != target.name)
        .filter(|c| !matches!(c.role, Role::Id | Role::Timestamp | Role::Target))
        .filter(|c| score_like(c))
        .collect();
    if scores.len() < 2 {
        return None;
    }
    let current = ["champion", "production", "current", "old", "baseline"];
    let champion = scores
        .iter()
        .find(|c| {
            let n = c.name.to_ascii_lowercase();
            current.iter().any(|k| n.contains(k))
        })
        .unwrap_or(&scores[0]);
    let challenger = scores.iter().find(|c| c.name != champion.name)?;
    Some(CompareSettings {
        target: target.name.clone(),
        champion: champion.name.clone(),
        challenger: challenger.name.clone(),
        ..CompareSettings::default()
    })
}

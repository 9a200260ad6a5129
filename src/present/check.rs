//! What `sextant check` prints: which of a session's rules broke, as JSON for pipelines or as
//! lines for a terminal.

use std::path::Path;

use serde::Serialize;

use super::json::ser_opt_number;
use crate::format::fmt_num;
use crate::session::checks::RuleOutcome;

/// The JSON document of `check`.
#[derive(Debug, Serialize)]
pub struct CheckJson<'a> {
    session: String,
    default_rules: bool,
    broken: usize,
    rules: Vec<RuleJson<'a>>,
}

#[derive(Debug, Serialize)]
struct RuleJson<'a> {
    rule: &'a str,
    scope: &'static str,
    fired: bool,
    windows: &'a [String],
    #[serde(serialize_with = "ser_opt_number")]
    value: Option<f64>,
}

/// How many rules broke.
pub fn broken(outcomes: &[RuleOutcome]) -> usize {
    outcomes.iter().filter(|o| o.fired).count()
}

/// The JSON document: the session, whether the rules were the defaults, and each rule's
/// outcome.
pub fn to_json<'a>(session: &Path, outcomes: &'a [RuleOutcome], defaults: bool) -> CheckJson<'a> {
    CheckJson {
        session: session.display().to_string(),
        default_rules: defaults,
        broken: broken(outcomes),
        rules: outcomes
            .iter()
            .map(|o| RuleJson {
                rule: &o.rule,
                scope: o.scope,
                fired: o.fired,
                windows: &o.windows,
                value: o.value,
            })
            .collect(),
    }
}

/// One line per rule: BROKE or ok, the rule, and where (the whole data's value, or windows).
pub fn to_table(session: &Path, outcomes: &[RuleOutcome], defaults: bool) -> String {
    let mut out = format!(
        "Checked {}: {} of {} rules broke{}\n",
        session.display(),
        broken(outcomes),
        outcomes.len(),
        if defaults {
            " (the session has no rules; these are the defaults)"
        } else {
            ""
        }
    );
    let width = outcomes.iter().map(|o| o.rule.len()).max().unwrap_or(0);
    for o in outcomes {
        let status = if o.fired { "BROKE" } else { "ok" };
        let detail = match (o.scope, o.value) {
            ("whole", Some(v)) => format!("whole data: {}", fmt_num(v)),
            ("whole", None) => "whole data".into(),
            _ if o.windows.is_empty() => "no window".into(),
            _ => format!("windows {}", o.windows.join(", ")),
        };
        out.push_str(&format!("  {status:<5}  {:<width$}  {detail}\n", o.rule));
    }
    out
}

//! What `sextant check` judges: a session's alert rules against what its analyses produced.
//!
//! Rules are the ones of [`crate::analysis::alerts`] (`VALUE OP NUMBER [for N]`). A rule whose
//! value exists per window (a model metric, `drift_share`, `null_rate:COL`, `p95:COL`, … from
//! the health pass) is judged window by window, "for N" meaning N windows in a row; any other
//! rule is judged once, on the whole production data, with these values:
//!
//! | value | meaning |
//! |---|---|
//! | `dataset_drift` | 1 when the dataset drifted, else 0 |
//! | `drift_share` | share of tested columns that drifted |
//! | `drifted_columns` | how many drifted |
//! | `drift_score:COL` | the column's drift score (its test's statistic or p-value) |
//! | `drifted:COL` | 1 when the column drifted |
//! | `integrity_errors`, `integrity_warnings` | findings of the integrity checks |
//! | `null_rate:COL` | share of the column's production rows that are null or NaN |
//! | `rows` | production rows |
//! | `srm` | 1 when the experiment's sample-ratio check flagged the split, else 0 |
//! | `srm_p_value` | its p-value |
//! | `lift:METRIC[:ARM]` | the headline relative lift of METRIC for ARM (a fraction: −0.02 is −2 %); without ARM, of the only treatment arm |
//! | `p_value:METRIC[:ARM]`, `adjusted_p_value:METRIC[:ARM]`, `chance_to_win:METRIC[:ARM]` | that row's test |
//! | `guardrail:METRIC[:ARM]` | 1 when ARM is significantly worse than the control on METRIC (without ARM: any arm) |
//! | `rollback` | 1 when the rollout's verdict is to roll back (a guardrail breached at some step), else 0 — the Experiments tab in Rollout mode |
//! | `guardrail:METRIC` (rollout) | 1 when that guardrail's always-valid one-sided test breached, else 0 |
//!
//! A rule that is only a value (`srm`, `guardrail:latency_ms`) means `VALUE >= 1`: the flag is
//! up.
//! A session without rules is checked against [`default_rules`]: the dataset drifted, or an
//! integrity error was found.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::analysis::alerts::{AlertRule, FiredAlert, WindowTable, evaluate};
use crate::analysis::experiment::frequentist::Verdict;
use crate::analysis::experiment::rollout::StepVerdict;
use crate::data::Dataset;
use crate::engine::experiment::ExperimentOutcome;
use crate::engine::rollout::RolloutOutcome;

use super::analyses::Analyses;

/// The label of the single "window" of whole-data values.
pub const WHOLE_DATA: &str = "all production data";

/// The rules a session without rules is checked against.
pub fn default_rules() -> Vec<AlertRule> {
    ["dataset_drift >= 1", "integrity_errors >= 1"]
        .iter()
        .filter_map(|t| t.parse().ok())
        .collect()
}

/// How one rule came out.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleOutcome {
    /// The rule as text.
    pub rule: String,
    /// `windows` (judged per window) or `whole` (judged on the whole production data).
    pub scope: &'static str,
    pub fired: bool,
    /// Labels of the windows where it fired (`[WHOLE_DATA]` for whole-data rules).
    pub windows: Vec<String>,
    /// The whole-data value it was compared with (whole-data rules only).
    pub value: Option<f64>,
}

/// Values of the whole production data, as a one-window table.
pub fn whole_data_table(analyses: &Analyses, current: Option<&Dataset>) -> WindowTable {
    let mut values: BTreeMap<String, Vec<Option<f64>>> = BTreeMap::new();
    let mut put = |name: String, v: f64| {
        values.insert(name, vec![Some(v)]);
    };
    if let Some(Ok(run)) = &analyses.drift {
        let r = &run.report;
        put("dataset_drift".into(), f64::from(u8::from(r.dataset_drift)));
        put("drift_share".into(), r.share_of_drifted_columns);
        put("drifted_columns".into(), r.number_of_drifted_columns as f64);
        for c in &run.columns {
            if !c.is_tested() {
                continue;
            }
            if let Some(score) = c.verdict.score {
                put(format!("drift_score:{}", c.reference_name), score);
            }
            put(
                format!("drifted:{}", c.reference_name),
                f64::from(u8::from(c.verdict.drifted)),
            );
        }
    }
    if let Some(Ok(report)) = &analyses.integrity {
        let s = report.summary();
        put("integrity_errors".into(), s.errors as f64);
        put("integrity_warnings".into(), s.warnings as f64);
    }
    if let Some(Ok(o)) = &analyses.experiment {
        for (name, v) in experiment_values(o) {
            put(name, v);
        }
    }
    if let Some(Ok(o)) = &analyses.rollout {
        for (name, v) in rollout_values(o) {
            put(name, v);
        }
    }
    if let Some(ds) = current {
        put("rows".into(), ds.rows() as f64);
        for c in &ds.columns {
            if c.rows > 0 {
                put(format!("null_rate:{}", c.name), c.null_share());
            }
        }
    }
    WindowTable {
        windows: vec![WHOLE_DATA.to_string()],
        values,
    }
}

/// A rule as a user types it: `VALUE OP NUMBER [for N]`, or a bare flag value (`srm`,
/// `guardrail:latency_ms`), which means `VALUE >= 1`.
pub fn parse_rule(text: &str) -> Result<AlertRule, String> {
    let t = text.trim();
    if !t.is_empty() && !t.contains(['<', '>']) && !t.contains(' ') {
        return format!("{t} >= 1").parse();
    }
    t.parse()
}

/// The values an experiment gives rules (see the module's table).
pub fn experiment_values(o: &ExperimentOutcome) -> BTreeMap<String, f64> {
    let r = &o.report;
    let mut v = BTreeMap::new();
    v.insert("srm".to_string(), f64::from(u8::from(r.srm.flag)));
    v.insert("srm_p_value".to_string(), r.srm.p_value);
    let treatments = o.arms.len().saturating_sub(1);
    for m in &r.metrics {
        let Some(e) = &m.result else {
            continue;
        };
        let worse = f64::from(u8::from(e.verdict == Verdict::Worse));
        let rows = [
            ("lift", e.estimate),
            ("p_value", e.p_value),
            ("adjusted_p_value", e.adjusted_p_value),
            ("chance_to_win", e.chance_to_win),
            ("guardrail", worse),
        ];
        for (name, value) in rows {
            v.insert(format!("{name}:{}:{}", m.metric, m.arm), value);
            if treatments == 1 {
                v.insert(format!("{name}:{}", m.metric), value);
            }
        }
        // With several arms, the bare guardrail is up when any arm is worse.
        let any = v.entry(format!("guardrail:{}", m.metric)).or_insert(0.0);
        *any = any.max(worse);
    }
    v
}

/// The values a rollout gives rules: `rollback` (its verdict is to roll back: a guardrail
/// breached at some look) and `guardrail:METRIC` per guardrail (that guardrail breached).
pub fn rollout_values(o: &RolloutOutcome) -> BTreeMap<String, f64> {
    let r = &o.report;
    let mut v = BTreeMap::new();
    let roll_back = r.stopped_at.is_some()
        || r.steps
            .iter()
            .any(|s| matches!(s.verdict, StepVerdict::RollBack { .. }));
    v.insert("rollback".to_string(), f64::from(u8::from(roll_back)));
    for g in &r.guardrails {
        if g.error.is_none() {
            v.insert(
                format!("guardrail:{}", g.metric),
                f64::from(u8::from(g.first_breach.is_some())),
            );
        }
    }
    v
}

/// Whether an experiment rule fires on these values: `Ok(None)` when the experiment has no
/// such value, `Err` when the rule does not parse.
pub fn judge_experiment_rule(
    text: &str,
    values: &BTreeMap<String, f64>,
) -> Result<Option<bool>, String> {
    let rule = parse_rule(text)?;
    let Some(value) = values.get(&rule.value) else {
        return Ok(None);
    };
    let table = WindowTable {
        windows: vec![WHOLE_DATA.to_string()],
        values: [(rule.value.clone(), vec![Some(*value)])].into(),
    };
    Ok(Some(
        !evaluate(std::slice::from_ref(&rule), &table).is_empty(),
    ))
}

/// What the health pass said of the rules it judged window by window: the alerts that fired
/// and the value names it does not have.
pub struct WindowedVerdicts<'a> {
    pub fired: &'a [FiredAlert],
    pub unknown: &'a [String],
}

/// Judge `rules`: those the health pass judged per window (`windowed`) take its verdict, the
/// rest are judged on `whole`. Returns the outcomes in rule order, and the rules whose value
/// neither has.
pub fn judge(
    rules: &[AlertRule],
    whole: &WindowTable,
    windowed: Option<WindowedVerdicts>,
) -> (Vec<RuleOutcome>, Vec<String>) {
    let mut outcomes = Vec::new();
    let mut unknown = Vec::new();
    for rule in rules {
        if let Some(w) = &windowed
            && !w.unknown.contains(&rule.value)
        {
            let labels: Vec<String> = w
                .fired
                .iter()
                .filter(|a| a.rule == *rule)
                .flat_map(|a| a.labels.iter().cloned())
                .collect();
            outcomes.push(RuleOutcome {
                rule: rule.to_string(),
                scope: "windows",
                fired: !labels.is_empty(),
                windows: labels,
                value: None,
            });
        } else if let Some(values) = whole.values.get(&rule.value) {
            let fired = evaluate(std::slice::from_ref(rule), whole);
            outcomes.push(RuleOutcome {
                rule: rule.to_string(),
                scope: "whole",
                fired: !fired.is_empty(),
                windows: fired.into_iter().flat_map(|f| f.labels).collect(),
                value: values.first().copied().flatten(),
            });
        } else {
            unknown.push(rule.to_string());
        }
    }
    (outcomes, unknown)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(windows: &[&str], values: &[(&str, Vec<Option<f64>>)]) -> WindowTable {
        WindowTable {
            windows: windows.iter().map(|w| w.to_string()).collect(),
            values: values
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        }
    }

    fn rule(t: &str) -> AlertRule {
        t.parse().expect("rule")
    }

    #[test]
    fn windowed_verdicts_win_over_whole_data_values() {
        let whole = table(
            &[WHOLE_DATA],
            &[
                ("drift_share", vec![Some(0.1)]),
                ("integrity_errors", vec![Some(2.0)]),
            ],
        );
        let weeks = table(
            &["w1", "w2", "w3"],
            &[
                ("drift_share", vec![Some(0.5), Some(0.6), Some(0.1)]),
                ("roc_auc", vec![Some(0.9), Some(0.7), Some(0.7)]),
            ],
        );
        let rules = [
            rule("drift_share >= 0.5 for 2"),
            rule("roc_auc < 0.8 for 2"),
            rule("integrity_errors >= 1"),
            rule("typo_metric > 1"),
        ];
        // What the health pass reports for these rules on these weeks.
        let fired = evaluate(&rules, &weeks);
        let unknown = crate::analysis::alerts::unknown_values(&rules, &weeks);
        let (out, unknown) = judge(
            &rules,
            &whole,
            Some(WindowedVerdicts {
                fired: &fired,
                unknown: &unknown,
            }),
        );
        assert_eq!(unknown, vec!["typo_metric > 1".to_string()]);
        assert_eq!(out.len(), 3);
        assert_eq!((out[0].scope, out[0].fired), ("windows", true));
        assert_eq!(out[0].windows, vec!["w2".to_string()]);
        assert_eq!(out[1].windows, vec!["w3".to_string()]);
        assert_eq!((out[2].scope, out[2].fired), ("whole", true));
        assert_eq!(out[2].value, Some(2.0));
    }

    #[test]
    fn a_rule_that_holds_nowhere_does_not_fire() {
        let whole = table(&[WHOLE_DATA], &[("dataset_drift", vec![Some(0.0)])]);
        let (out, unknown) = judge(&default_rules()[..1], &whole, None);
        assert!(unknown.is_empty());
        assert!(!out[0].fired);
        assert_eq!(out[0].value, Some(0.0));
    }
}

//! The decision for one treatment arm from its goals' verdicts and its guardrails' harm tests:
//!
//! - **do not ship** when a goal is significantly worse or a guardrail is harmed — a harmed
//!   guardrail blocks shipping however good the goals are;
//! - **ship** when at least one goal is significantly better and nothing above holds;
//! - **keep running** otherwise (no goal has moved significantly yet).
//!
//! "Significantly" is whatever the tests said: the goals' verdicts already use the corrected
//! p-values and the metric's direction, the guardrails' harm the corrected one-sided p-values.
//! A sample-ratio mismatch does not change the decision here; the report marks every result
//! untrustworthy instead, so the decision is shown with that warning.

use serde::Serialize;

use super::frequentist::Verdict;

/// What to do with a treatment arm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Ship,
    DoNotShip,
    KeepRunning,
}

/// The decision with the metrics that made it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DecisionReport {
    pub decision: Decision,
    /// Goals significantly better.
    pub better: Vec<String>,
    /// Goals significantly worse.
    pub worse: Vec<String>,
    /// Guardrails harmed (each blocks shipping).
    pub harmed: Vec<String>,
}

/// Decide for one arm: `goals` are (metric, verdict) of its tested goals, `harmed` the names
/// of its harmed guardrails.
pub fn decide<'a>(
    goals: impl IntoIterator<Item = (&'a str, Verdict)>,
    harmed: impl IntoIterator<Item = &'a str>,
) -> DecisionReport {
    let mut better = Vec::new();
    let mut worse = Vec::new();
    for (metric, v) in goals {
        match v {
            Verdict::Better => better.push(metric.to_string()),
            Verdict::Worse => worse.push(metric.to_string()),
            Verdict::Inconclusive => {}
        }
    }
    let harmed: Vec<String> = harmed.into_iter().map(str::to_string).collect();
    let decision = if !worse.is_empty() || !harmed.is_empty() {
        Decision::DoNotShip
    } else if !better.is_empty() {
        Decision::Ship
    } else {
        Decision::KeepRunning
    };
    DecisionReport {
        decision,
        better,
        worse,
        harmed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_harmed_guardrail_blocks_a_better_goal() {
        let r = decide([("approved", Verdict::Better)], ["latency_ms"]);
        assert_eq!(r.decision, Decision::DoNotShip);
        assert_eq!(r.harmed, ["latency_ms"]);
        let r = decide([("approved", Verdict::Better)], []);
        assert_eq!(r.decision, Decision::Ship);
    }

    #[test]
    fn a_worse_goal_is_do_not_ship_and_nothing_is_keep_running() {
        let r = decide(
            [("approved", Verdict::Better), ("revenue", Verdict::Worse)],
            [],
        );
        assert_eq!(r.decision, Decision::DoNotShip);
        assert_eq!(r.worse, ["revenue"]);
        let r = decide([("approved", Verdict::Inconclusive)], []);
        assert_eq!(r.decision, Decision::KeepRunning);
    }
}

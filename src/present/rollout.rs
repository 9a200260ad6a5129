//! `sextant rollout`'s output: the JSON contract (keys are never removed) and the table.
//!
//! Contract: `{"steps": [{"start", "end", "share", "arms": {ARM: {"units", "means"}},
//! "guardrails": [{"metric", "p_value", "breached", …}], "verdict", …}], "stopped_at", …}`.
//! Times are ISO-8601 UTC; `verdict` is "safe_to_go_on", "roll_back" or "not_tested".

use serde_json::{Map, Value, json};

use crate::analysis::experiment::frequentist::{EffectReport, Estimate};
use crate::analysis::experiment::rollout::{
    Evidence, GuardrailAtStep, GuardrailTest, PlanStep, StepVerdict,
};
use crate::engine::rollout::RolloutOutcome;
use crate::format::{fmt_num, fmt_p, fmt_pct};
use crate::present::json::{number, opt_number};
use crate::present::table::TextTable;
use crate::vocab::time::{MICROS_PER_DAY, format_iso, format_micros};

fn time(t: i64) -> Value {
    Value::String(format_iso(t))
}

fn opt_time(t: Option<i64>) -> Value {
    t.map_or(Value::Null, time)
}

fn interval(e: &Estimate) -> Value {
    json!({
        "estimate": number(e.estimate),
        "ci_low": number(e.ci_low),
        "ci_high": number(e.ci_high),
        "p_value": number(e.p_value),
    })
}

fn effect(e: &EffectReport) -> Value {
    json!({
        "control_mean": number(e.control.mean),
        "treatment_mean": number(e.treatment.mean),
        "absolute": interval(&e.absolute),
        "relative": interval(&e.relative),
        "p_value": number(e.p_value),
    })
}

fn test(t: &GuardrailTest) -> Value {
    json!({
        "estimate": number(t.estimate),
        "standard_error": number(t.standard_error),
        "bound": number(t.bound),
        "p_value": number(t.p_value),
        "units": t.n,
        "steps_used": t.strata,
        "breached": t.breached,
    })
}

/// A guardrail at the end of a step: the contract's `metric`, `p_value`, `breached`, then the
/// test behind them.
fn guardrail(g: &GuardrailAtStep) -> Value {
    let look = g.at_end.as_ref();
    let t = look.and_then(|l| l.test.as_ref());
    json!({
        "metric": g.metric,
        "p_value": opt_number(t.map(|t| t.p_value)),
        "breached": g.breached,
        "breached_at": opt_time(g.breached_at),
        "estimate": opt_number(t.map(|t| t.estimate)),
        "bound": opt_number(t.map(|t| t.bound)),
        "test": t.map_or(Value::Null, test),
        "untested": look.and_then(|l| l.untested.clone()),
        "step_effect": g.step_effect.as_ref().map_or(Value::Null, effect),
        "step_effect_error": g.step_effect_error,
    })
}

fn verdict_key(v: &StepVerdict) -> &'static str {
    match v {
        StepVerdict::SafeToGoOn => "safe_to_go_on",
        StepVerdict::RollBack { .. } => "roll_back",
        StepVerdict::NotTested { .. } => "not_tested",
    }
}

pub fn verdict_text(v: &StepVerdict) -> String {
    match v {
        StepVerdict::SafeToGoOn => "safe to go on".to_string(),
        StepVerdict::RollBack { since } => format!("roll back since {}", format_micros(*since)),
        StepVerdict::NotTested { reason } => format!("not tested ({reason})"),
    }
}

fn signed_pct(x: f64) -> String {
    format!("{:+.1} %", x * 100.0)
}

fn signed_num(x: f64) -> String {
    if x >= 0.0 {
        format!("+{}", fmt_num(x))
    } else {
        fmt_num(x)
    }
}

/// A bound near 0 needs more digits than an estimate to show which side it is on.
fn signed_pct_fine(x: f64) -> String {
    format!("{:+.2} %", x * 100.0)
}

/// The evidence of a stop in one sentence.
pub fn evidence_text(e: &Evidence, relative: bool) -> String {
    let show = |x: f64, fine: bool| match (relative, fine) {
        (true, true) => signed_pct_fine(x),
        (true, false) => signed_pct(x),
        (false, _) => signed_num(x),
    };
    format!(
        "{}: {} (always-valid bound {}), p = {}, at {}",
        e.metric,
        show(e.test.estimate, false),
        show(e.test.bound, true),
        fmt_p(e.test.p_value),
        format_micros(e.time)
    )
}

fn evidence(e: &Evidence) -> Value {
    json!({
        "metric": e.metric,
        "time": time(e.time),
        "step": e.step + 1,
        "estimate": number(e.test.estimate),
        "bound": number(e.test.bound),
        "p_value": number(e.test.p_value),
        "test": test(&e.test),
    })
}

fn plan_json(plan: &[PlanStep]) -> Value {
    plan.iter()
        .map(|p| json!({"share": number(p.share), "start": time(p.start)}))
        .collect()
}

fn arms(
    o: &RolloutOutcome,
    control: u64,
    treatment: u64,
    means: Option<[Map<String, Value>; 2]>,
) -> Value {
    let [mc, mt] = means.unwrap_or_default();
    let mut m = Map::new();
    m.insert(
        o.control.clone(),
        json!({"units": control, "means": Value::Object(mc)}),
    );
    m.insert(
        o.treatment.clone(),
        json!({"units": treatment, "means": Value::Object(mt)}),
    );
    Value::Object(m)
}

/// The JSON of `sextant rollout`.
pub fn to_json(file: &str, o: &RolloutOutcome) -> Value {
    let r = &o.report;
    let relative = o.settings.tests.difference
        == crate::analysis::experiment::stratified::Difference::Relative;
    let steps: Vec<Value> = r
        .steps
        .iter()
        .enumerate()
        .map(|(k, s)| {
            let mut means = [Map::new(), Map::new()];
            for m in &s.means {
                means[0].insert(m.metric.clone(), number(m.control.mean));
                means[1].insert(m.metric.clone(), number(m.treatment.mean));
            }
            let since = match s.verdict {
                StepVerdict::RollBack { since } => Some(since),
                _ => None,
            };
            json!({
                "index": k + 1,
                "start": time(s.step.start),
                "end": time(s.step.end),
                "share": number(s.step.share()),
                "planned_share": opt_number(s.planned_share),
                "arms": arms(o, s.step.control, s.step.treatment, Some(means)),
                "success": {
                    "metric": o.success,
                    "effect": s.success.as_ref().map_or(Value::Null, effect),
                    "error": s.success_error,
                },
                "guardrails": s.guardrails.iter().map(guardrail).collect::<Vec<_>>(),
                "verdict": verdict_key(&s.verdict),
                "verdict_text": verdict_text(&s.verdict),
                "roll_back_since": opt_time(since),
                "evidence": since.and(r.stopped_by.as_ref()).map(|e| evidence_text(e, relative)),
                "note": s.note,
            })
        })
        .collect();
    let timeline: Map<String, Value> = r
        .guardrails
        .iter()
        .map(|g| {
            let looks: Vec<Value> = g
                .looks
                .iter()
                .filter_map(|l| {
                    l.test.as_ref().map(|t| {
                        json!({
                            "time": time(l.time),
                            "estimate": number(t.estimate),
                            "bound": number(t.bound),
                            "p_value": number(t.p_value),
                            "breached": t.breached,
                        })
                    })
                })
                .collect();
            (g.metric.clone(), Value::Array(looks))
        })
        .collect();
    let replay = o.replay.as_ref().map_or(Value::Null, |p| {
        let run = &p.first;
        let steps: Vec<Value> = run
            .steps
            .iter()
            .enumerate()
            .map(|(k, s)| {
                let since = match s.verdict {
                    StepVerdict::RollBack { since } => Some(since),
                    _ => None,
                };
                json!({
                    "index": k + 1,
                    "start": time(s.start),
                    "end": time(s.end),
                    "planned_share": number(s.planned_share),
                    "share": opt_number(s.replayed_share),
                    "arms": arms(o, s.control, s.treatment, None),
                    "unreplayable_rows": s.unreplayable_rows,
                    "guardrails": s.guardrails.iter().map(guardrail).collect::<Vec<_>>(),
                    "verdict": verdict_key(&s.verdict),
                    "verdict_text": verdict_text(&s.verdict),
                    "roll_back_since": opt_time(since),
                })
            })
            .collect();
        json!({
            "plan": plan_json(&p.plan),
            "seed": run.seed,
            "replays": p.stop_times.len(),
            "stopped_replays": p.stopped_replays,
            "median_stopped_at": opt_time(p.median_stop),
            "stop_times": p.stop_times.iter().map(|t| opt_time(*t)).collect::<Vec<_>>(),
            "steps": steps,
            "stopped_at": opt_time(run.stopped_at),
            "stopped_by": run.stopped_by.as_ref().map_or(Value::Null, evidence),
        })
    });
    json!({
        "file": file,
        "rows": o.rows,
        "used_rows": o.used_rows,
        "missing_time": o.missing_time,
        "missing_variant": o.missing_variant,
        "other_arm_rows": o.other_arm_rows,
        "control": o.control,
        "treatment": o.treatment,
        "time": o.settings.time,
        "success": o.success,
        "guardrails": o.guardrails,
        "bucket": if r.grid.width == MICROS_PER_DAY { "day" } else { "hour" },
        "alpha": number(o.settings.tests.alpha),
        "min_units": o.settings.tests.min_units,
        "difference": if relative { "relative" } else { "absolute" },
        "missing_values": o.settings.guardrails.iter().map(|g| g.column.clone())
            .zip(r.missing.iter().skip(1))
            .chain(std::iter::once((o.success.clone(), &r.missing[0])))
            .map(|(k, v)| (k, json!(v)))
            .collect::<Map<_, _>>(),
        "steps": steps,
        "stopped_at": opt_time(r.stopped_at),
        "stopped_by": r.stopped_by.as_ref().map_or(Value::Null, evidence),
        "success_overall": r.success.as_ref().map_or(Value::Null, |s| json!({
            "metric": o.success,
            "control_mean": number(s.control_mean),
            "treatment_mean": number(s.treatment_mean),
            "effect": interval(&s.effect),
            "steps_used": s.steps_used.iter().map(|k| k + 1).collect::<Vec<_>>(),
        })),
        "success_error": r.success_error,
        "timeline": timeline,
        "replay": replay,
        "problems": o.problems,
    })
}

fn fmt_time_short(t: i64) -> String {
    format_micros(t)
}

/// A step's effect as "+1.2 % (−0.3 % … +2.7 %)" (relative) or in the metric's units.
pub fn fmt_effect_cell(e: Option<&EffectReport>, relative: bool) -> String {
    match e {
        None => "—".to_string(),
        Some(e) if relative => format!(
            "{} ({} … {})",
            signed_pct(e.relative.estimate),
            signed_pct(e.relative.ci_low),
            signed_pct(e.relative.ci_high)
        ),
        Some(e) => format!(
            "{} ({} … {})",
            signed_num(e.absolute.estimate),
            fmt_num(e.absolute.ci_low),
            fmt_num(e.absolute.ci_high)
        ),
    }
}

/// A guardrail at a step's end: its estimate, p-value and BREACH when it breached.
pub fn fmt_guardrail_cell(g: &GuardrailAtStep, relative: bool) -> String {
    let t = g.at_end.as_ref().and_then(|l| l.test.as_ref());
    match t {
        None => "untested".to_string(),
        Some(t) => {
            let est = if relative {
                signed_pct(t.estimate)
            } else {
                signed_num(t.estimate)
            };
            format!(
                "{est} p={}{}",
                fmt_p(t.p_value),
                if g.breached { " BREACH" } else { "" }
            )
        }
    }
}

/// The table of `sextant rollout`: a header line, one row per step, the stop and its evidence,
/// the success over all steps, and the replay of a plan.
pub fn to_table(file: &str, o: &RolloutOutcome) -> String {
    let r = &o.report;
    let relative = o.settings.tests.difference
        == crate::analysis::experiment::stratified::Difference::Relative;
    let mut out = String::new();
    for p in &o.problems {
        out.push_str(p);
        out.push('\n');
    }
    out.push_str(&format!(
        "{file}: {} requests ({} analysed), {} against {}, {} step(s) found per {}",
        o.rows,
        o.used_rows,
        o.treatment,
        o.control,
        r.steps.len(),
        if r.grid.width == MICROS_PER_DAY {
            "day"
        } else {
            "hour"
        }
    ));
    let left_out = o.missing_time + o.missing_variant + o.other_arm_rows;
    if left_out > 0 {
        out.push_str(&format!(
            " · left out: {} without a time, {} without an arm, {} of other arms",
            o.missing_time, o.missing_variant, o.other_arm_rows
        ));
    }
    out.push('\n');
    let mut header: Vec<String> = vec!["step".into(), "from".into(), "to".into(), "share".into()];
    let planned = r.steps.iter().any(|s| s.planned_share.is_some());
    if planned {
        header.push("planned".into());
    }
    header.push(o.control.clone());
    header.push(o.treatment.clone());
    header.push(format!("{} (this step, 95 %)", o.success));
    for g in &o.guardrails {
        header.push(format!("{g} (so far)"));
    }
    header.push("verdict".into());
    let mut right = vec![true, false, false, true];
    if planned {
        right.push(true);
    }
    right.extend([true, true, false]);
    right.extend(o.guardrails.iter().map(|_| false));
    right.push(false);
    let header_refs: Vec<&str> = header.iter().map(String::as_str).collect();
    let mut t = TextTable::new(&header_refs, &right);
    for (k, s) in r.steps.iter().enumerate() {
        let mut row = vec![
            (k + 1).to_string(),
            fmt_time_short(s.step.start),
            fmt_time_short(s.step.end),
            fmt_pct(s.step.share()),
        ];
        if planned {
            row.push(s.planned_share.map(fmt_pct).unwrap_or_default());
        }
        row.push(s.step.control.to_string());
        row.push(s.step.treatment.to_string());
        row.push(match (&s.success, &s.note) {
            (_, Some(_)) => "—".to_string(),
            (e, None) => fmt_effect_cell(e.as_ref(), relative),
        });
        for g in &s.guardrails {
            row.push(fmt_guardrail_cell(g, relative));
        }
        row.push(match &s.note {
            Some(n) if !matches!(s.verdict, StepVerdict::RollBack { .. }) => n.clone(),
            _ => verdict_text(&s.verdict),
        });
        t.row(row);
    }
    out.push_str(&t.render());
    match &r.stopped_by {
        Some(e) => {
            out.push_str(&format!(
                "ROLL BACK since {}: {}, in step {} ({} on {})",
                format_micros(e.time),
                evidence_text(e, relative),
                e.step + 1,
                r.steps
                    .get(e.step)
                    .map_or(String::new(), |s| fmt_pct(s.step.share())),
                o.treatment
            ));
            if let Some(own) = r
                .steps
                .get(e.step)
                .and_then(|s| s.guardrails.iter().find(|g| g.metric == e.metric))
                .and_then(|g| g.step_effect.as_ref())
            {
                out.push_str(&format!(
                    "; in that step alone {}",
                    fmt_effect_cell(Some(own), relative)
                ));
            }
            out.push('\n');
        }
        None if !o.guardrails.is_empty() => out.push_str("No guardrail breached.\n"),
        None => {}
    }
    match (&r.success, &r.success_error) {
        (Some(s), _) => out.push_str(&format!(
            "{} over every step (post-stratified by step): {} against {}, {} (95 % {} … {}), p = {}\n",
            o.success,
            fmt_num(s.treatment_mean),
            fmt_num(s.control_mean),
            if relative {
                signed_pct(s.effect.estimate)
            } else {
                signed_num(s.effect.estimate)
            },
            if relative { signed_pct(s.effect.ci_low) } else { fmt_num(s.effect.ci_low) },
            if relative { signed_pct(s.effect.ci_high) } else { fmt_num(s.effect.ci_high) },
            fmt_p(s.effect.p_value)
        )),
        (None, Some(e)) => out.push_str(&format!("{}: {e}\n", o.success)),
        (None, None) => {}
    }
    if let Some(p) = &o.replay {
        let plan: Vec<String> = p
            .plan
            .iter()
            .map(|s| format!("{}@{}", fmt_pct(s.share), format_micros(s.start)))
            .collect();
        out.push_str(&format!("Replay of the plan {}:\n", plan.join(", ")));
        let mut t = TextTable::new(
            &[
                "step",
                "from",
                "to",
                "planned",
                "replayed",
                &o.control,
                &o.treatment,
                "not replayable",
                "verdict",
            ],
            &[true, false, false, true, true, true, true, true, false],
        );
        for (k, s) in p.first.steps.iter().enumerate() {
            t.row(vec![
                (k + 1).to_string(),
                fmt_time_short(s.start),
                fmt_time_short(s.end),
                fmt_pct(s.planned_share),
                s.replayed_share.map(fmt_pct).unwrap_or_default(),
                s.control.to_string(),
                s.treatment.to_string(),
                s.unreplayable_rows.to_string(),
                verdict_text(&s.verdict),
            ]);
        }
        out.push_str(&t.render());
        match &p.first.stopped_by {
            Some(e) => out.push_str(&format!(
                "The plan would have stopped at {} (step {}): {}\n",
                format_micros(e.time),
                e.step + 1,
                evidence_text(e, relative)
            )),
            None => out.push_str("The plan would not have stopped.\n"),
        }
        out.push_str(&format!(
            "{} of {} replays (seeds {}…) stopped{}\n",
            p.stopped_replays,
            p.stop_times.len(),
            p.first.seed,
            p.median_stop
                .map(|m| format!(", at {} (median)", format_micros(m)))
                .unwrap_or_default()
        ));
    }
    out
}

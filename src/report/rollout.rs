//! The report's Rollout section: the verdict first (roll back since when, with the guardrail
//! evidence, or safe to go on), the share of traffic per arm over the ramp's steps as a small
//! stacked chart with each step's verdict marked, then one row per step — its share, both
//! arms' requests, the success metric's effect in the step, each guardrail's always-valid test
//! so far, the verdict — and, with a plan, when its replay would have stopped.

use std::fmt::Write;

use super::Section;
use super::html::{badge, escape, figure, table_html};
use crate::analysis::experiment::rollout::StepVerdict;
use crate::analysis::experiment::stratified::Difference;
use crate::engine::rollout::RolloutOutcome;
use crate::format::{fmt_p, fmt_pct};
use crate::present::rollout::{evidence_text, fmt_effect_cell, fmt_guardrail_cell, verdict_text};
use crate::vocab::time::{MICROS_PER_DAY, format_micros};

/// The section for a rollout analysed in the log named `file`.
pub fn section(o: &RolloutOutcome, file: &str) -> Section {
    let r = &o.report;
    let relative = o.settings.tests.difference == Difference::Relative;
    let mut html = String::new();
    for p in &o.problems {
        let _ = write!(html, "<p>{} {}</p>", badge("warning", "note"), escape(p));
    }
    match &r.stopped_by {
        Some(e) => {
            let share = r
                .steps
                .get(e.step)
                .map_or(String::new(), |s| fmt_pct(s.step.share()));
            let _ = write!(
                html,
                "<p>{} Roll back since {}: {} — in step {} ({share} of the traffic on {}).</p>",
                badge("error", "roll back"),
                escape(&format_micros(e.time)),
                escape(&evidence_text(e, relative)),
                e.step + 1,
                escape(&o.treatment)
            );
        }
        None if r.steps.iter().all(|s| s.verdict == StepVerdict::SafeToGoOn) => {
            let _ = write!(
                html,
                "<p>{} No guardrail breached in any step.</p>",
                badge("ok", "safe to go on")
            );
        }
        None => {
            let _ = write!(
                html,
                "<p>{} No guardrail breached, but some step could not be tested (see the table).</p>",
                badge("info", "not tested")
            );
        }
    }
    let mut about = format!(
        "{file}: {} requests ({} analysed), {} against the control {}; success {}, guardrails {}; {} step(s) found per {}",
        o.rows,
        o.used_rows,
        o.treatment,
        o.control,
        o.success,
        if o.guardrails.is_empty() {
            "none".to_string()
        } else {
            o.guardrails.join(", ")
        },
        r.steps.len(),
        if r.grid.width == MICROS_PER_DAY {
            "day"
        } else {
            "hour"
        }
    );
    let left_out = o.missing_time + o.missing_variant + o.other_arm_rows;
    if left_out > 0 {
        let _ = write!(
            about,
            "; left out: {} without a time, {} without an arm, {} of other arms",
            o.missing_time, o.missing_variant, o.other_arm_rows
        );
    }
    let _ = write!(html, "<p>{}.</p>", escape(&about));
    html.push_str(&figure(
        &share_chart(o),
        &format!(
            "Share of the requests per arm in each step ({} at the bottom); the mark above a step is its verdict, the red line the first breach",
            o.treatment
        ),
    ));
    html.push_str(&steps_table(o, relative));
    if let Some(s) = &r.success {
        let show = |x: f64| {
            if relative {
                format!("{:+.2} %", x * 100.0)
            } else {
                crate::format::fmt_num(x)
            }
        };
        let _ = write!(
            html,
            "<p>{}",
            escape(&format!(
                "{} over every step (post-stratified by step, so steps with different shares are never pooled): {} — interval {} … {}, p = {}.",
                o.success,
                show(s.effect.estimate),
                show(s.effect.ci_low),
                show(s.effect.ci_high),
                fmt_p(s.effect.p_value)
            ))
        );
        html.push_str("</p>");
    }
    if let Some(p) = &o.replay {
        let plan: Vec<String> = p
            .plan
            .iter()
            .map(|s| format!("{}@{}", fmt_pct(s.share), format_micros(s.start)))
            .collect();
        let stop = match &p.first.stopped_by {
            Some(e) => format!(
                "would have stopped at {} (step {}): {}",
                format_micros(e.time),
                e.step + 1,
                evidence_text(e, relative)
            ),
            None => "would not have stopped".to_string(),
        };
        let _ = write!(
            html,
            "<p>{}</p>",
            escape(&format!(
                "Replay of the plan {}: the first replay {stop}; {} of {} replays stopped{}.",
                plan.join(", "),
                p.stopped_replays,
                p.stop_times.len(),
                p.median_stop
                    .map(|m| format!(", at {} (median)", format_micros(m)))
                    .unwrap_or_default()
            ))
        );
    }
    Section::new("rollout", "Rollout", html)
}

/// One row per step: the share, both arms' requests, the success effect in the step, each
/// guardrail's cumulative test at the step's end, and the verdict as a badge.
fn steps_table(o: &RolloutOutcome, relative: bool) -> String {
    let r = &o.report;
    let planned = r.steps.iter().any(|s| s.planned_share.is_some());
    let mut headers: Vec<String> = vec!["step".into(), "from".into(), "to".into(), "share".into()];
    let mut right = vec![true, false, false, true];
    if planned {
        headers.push("planned".into());
        right.push(true);
    }
    headers.push(o.control.clone());
    headers.push(o.treatment.clone());
    headers.push(format!("{} (this step)", o.success));
    right.extend([true, true, false]);
    for g in &o.guardrails {
        headers.push(format!("{g} (so far)"));
        right.push(false);
    }
    headers.push("verdict".into());
    right.push(false);
    let rows: Vec<Vec<String>> = r
        .steps
        .iter()
        .enumerate()
        .map(|(k, s)| {
            let mut row = vec![
                (k + 1).to_string(),
                escape(&format_micros(s.step.start)),
                escape(&format_micros(s.step.end)),
                escape(&fmt_pct(s.step.share())),
            ];
            if planned {
                row.push(escape(&s.planned_share.map(fmt_pct).unwrap_or_default()));
            }
            row.push(s.step.control.to_string());
            row.push(s.step.treatment.to_string());
            row.push(escape(&match &s.note {
                Some(_) => "—".to_string(),
                None => fmt_effect_cell(s.success.as_ref(), relative),
            }));
            for g in &s.guardrails {
                row.push(escape(&fmt_guardrail_cell(g, relative)));
            }
            let (kind, text) = match &s.verdict {
                StepVerdict::SafeToGoOn => ("ok", verdict_text(&s.verdict)),
                StepVerdict::RollBack { .. } => ("error", verdict_text(&s.verdict)),
                StepVerdict::NotTested { .. } => (
                    "info",
                    s.note.clone().unwrap_or_else(|| verdict_text(&s.verdict)),
                ),
            };
            row.push(badge(kind, &text));
            row
        })
        .collect();
    let header_refs: Vec<&str> = headers.iter().map(String::as_str).collect();
    table_html(&header_refs, &rows, &right)
}

/// The verdict's colour (the forest plot's: green, red, grey).
fn verdict_color(v: &StepVerdict) -> &'static str {
    match v {
        StepVerdict::SafeToGoOn => "#1d6b2f",
        StepVerdict::RollBack { .. } => "#a1221a",
        StepVerdict::NotTested { .. } => "#6b7280",
    }
}

/// The share per arm over time, stacked: per step a bar as wide as the step, the new model's
/// share at the bottom and the control's above it, the plan's share as a dashed line when a
/// plan was replayed, a verdict mark over each step and the first breach as a red line.
fn share_chart(o: &RolloutOutcome) -> String {
    const W: f64 = 900.0;
    const LEFT: f64 = 44.0;
    const RIGHT: f64 = 12.0;
    const TOP: f64 = 18.0;
    const H: f64 = 120.0;
    const AXIS: f64 = 22.0;
    let r = &o.report;
    let (Some(first), Some(last)) = (r.steps.first(), r.steps.last()) else {
        return format!(
            "<svg viewBox=\"0 0 {W} 40\" role=\"img\"><text x=\"{LEFT}\" y=\"24\">no steps</text></svg>"
        );
    };
    let (t0, t1) = (first.step.start as f64, last.step.end as f64);
    let span = (t1 - t0).max(1.0);
    let x = |t: f64| LEFT + (t - t0) / span * (W - LEFT - RIGHT);
    let y = |share: f64| TOP + (1.0 - share) * H;
    let total_h = TOP + H + AXIS;
    let mut s = format!("<svg viewBox=\"0 0 {W} {total_h}\" role=\"img\">");
    for (k, st) in r.steps.iter().enumerate() {
        let (a, b) = (x(st.step.start as f64), x(st.step.end as f64));
        let w = (b - a).max(0.5);
        let share = st.step.share();
        let tip = format!(
            "step {}: {} to {}, {} on {} ({} requests), {} on {} ({} requests); {}",
            k + 1,
            format_micros(st.step.start),
            format_micros(st.step.end),
            fmt_pct(share),
            o.treatment,
            st.step.treatment,
            fmt_pct(1.0 - share),
            o.control,
            st.step.control,
            verdict_text(&st.verdict)
        );
        let _ = write!(
            s,
            "<g><title>{}</title><rect class=\"bar cur\" x=\"{a:.1}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{:.1}\"/><rect class=\"bar ref\" x=\"{a:.1}\" y=\"{TOP:.1}\" width=\"{w:.1}\" height=\"{:.1}\" fill-opacity=\"0.45\"/></g>",
            escape(&tip),
            y(share),
            share * H,
            (1.0 - share) * H
        );
        let _ = write!(
            s,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"5\" fill=\"{}\"><title>{}</title></rect>",
            a + 1.0,
            TOP - 8.0,
            (w - 2.0).max(0.5),
            verdict_color(&st.verdict),
            escape(&verdict_text(&st.verdict))
        );
    }
    if let Some(p) = &o.replay {
        let mut d = String::new();
        for (i, step) in p.plan.iter().enumerate() {
            let start = (step.start as f64).max(t0);
            let end = p.plan.get(i + 1).map_or(t1, |n| (n.start as f64).min(t1));
            if end <= start {
                continue;
            }
            let _ = write!(
                d,
                "{}{:.1} {:.1}H{:.1}",
                if d.is_empty() { "M" } else { "L" },
                x(start),
                y(step.share),
                x(end)
            );
        }
        if !d.is_empty() {
            let _ = write!(
                s,
                "<path class=\"ln fl\" d=\"{d}\"><title>the replayed plan's share</title></path>"
            );
        }
    }
    if let Some(t) = r.stopped_at {
        let _ = write!(
            s,
            "<line x1=\"{0:.1}\" y1=\"{1:.1}\" x2=\"{0:.1}\" y2=\"{2:.1}\" stroke=\"#a1221a\" stroke-width=\"2\"><title>{3}</title></line>",
            x(t as f64),
            TOP - 10.0,
            TOP + H,
            escape(&format!("first breach: {}", format_micros(t)))
        );
    }
    for share in [0.0, 0.5, 1.0] {
        let _ = write!(
            s,
            "<text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            LEFT - 4.0,
            y(share) + 3.5,
            escape(&fmt_pct(share))
        );
    }
    // Each step's first day under it, skipping a label that would overlap the one before.
    let mut last_label = f64::NEG_INFINITY;
    for st in &r.steps {
        let at = x(st.step.start as f64).max(LEFT + 30.0);
        if at - last_label < 70.0 {
            continue;
        }
        last_label = at;
        let _ = write!(
            s,
            "<text class=\"tick\" x=\"{at:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            TOP + H + 14.0,
            escape(
                &format_micros(st.step.start)
                    .chars()
                    .take(10)
                    .collect::<String>()
            )
        );
    }
    s.push_str("</svg>");
    s
}

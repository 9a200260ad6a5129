//! The report's Experiments section: the sample-ratio check first (a red notice over every
//! result when it flagged), the units, then one row per metric × treatment arm with the lift
//! and its interval drawn as a forest plot next to the table.

use std::fmt::Write;

use super::Section;
use super::html::{badge, escape, figure, table_html};
use crate::analysis::experiment::decision::Decision;
use crate::analysis::experiment::frequentist::Verdict;
use crate::analysis::experiment::offline::{Decision as CompareDecision, Interval};
use crate::engine::compare::CompareOutcome;
use crate::engine::experiment::ExperimentOutcome;
use crate::format::{fmt_num, fmt_p, fmt_pct};
use crate::present::experiment::decision_sentence;

/// The section for an analysed experiment log named `file`.
pub fn section(o: &ExperimentOutcome, file: &str) -> Section {
    let r = &o.report;
    let mut html = String::new();
    let units: Vec<String> = o
        .arms
        .iter()
        .zip(&o.units)
        .zip(&r.srm.expected_share)
        .map(|((a, n), share)| format!("{a}: {n} units (planned {})", fmt_pct(*share)))
        .collect();
    if r.srm.flag {
        let _ = write!(
            html,
            "<p>{} The arms are not split as planned (χ² = {}, p = {}): no result below is to be trusted. {}.</p>",
            badge("error", "sample-ratio mismatch"),
            escape(&fmt_num(r.srm.statistic)),
            escape(&fmt_p(r.srm.p_value)),
            escape(&units.join(" · "))
        );
    } else {
        let _ = write!(
            html,
            "<p>{} χ² = {}, p = {} (flagged below 0.001). {}.</p>",
            badge("ok", "sample ratio as planned"),
            escape(&fmt_num(r.srm.statistic)),
            escape(&fmt_p(r.srm.p_value)),
            escape(&units.join(" · "))
        );
    }
    let total: u64 = o.units.iter().sum();
    let mut about = if o.aggregated && o.rows as u64 != total {
        format!("{file}: {} events aggregated to {total} units", o.rows)
    } else {
        format!("{file}: one row per unit, {total} units")
    };
    if o.crossover_units > 0 {
        let _ = write!(
            about,
            "; {} units seen in more than one arm left out",
            o.crossover_units
        );
    }
    let _ = write!(about, "; correction: {}", correction_name(r));
    let _ = write!(html, "<p>{}.</p>", escape(&about));
    for (metric, why) in &o.covariate_errors {
        let _ = write!(
            html,
            "<p>{}: the covariate is not used ({}).</p>",
            escape(metric),
            escape(why)
        );
    }
    for d in &o.decisions {
        let kind = match d.report.decision {
            Decision::Ship => "ok",
            Decision::DoNotShip => "error",
            Decision::KeepRunning => "info",
        };
        let _ = write!(
            html,
            "<p>{} {}</p>",
            badge(kind, "decision"),
            escape(&decision_sentence(d, r.trustworthy))
        );
    }
    html.push_str(&figure(
        &forest(o),
        "Relative lift against the control with its interval",
    ));
    let mut rows = Vec::new();
    for m in &r.metrics {
        let Some(e) = &m.result else {
            rows.push(vec![
                escape(&m.metric),
                escape(&m.arm),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                escape(m.error.as_deref().unwrap_or_default()),
            ]);
            continue;
        };
        let rel = e.cuped.as_ref().map_or(&e.effect.relative, |c| &c.relative);
        let guardrail = o
            .guardrails
            .iter()
            .find(|g| g.metric == m.metric && g.arm == m.arm);
        let (kind, text) = match (guardrail, e.verdict) {
            (Some(g), _) if g.harmed => ("error", "harmed"),
            (Some(_), _) => ("info", "no harm detected"),
            (None, Verdict::Better) => ("ok", "better"),
            (None, Verdict::Worse) => ("error", "worse"),
            (None, Verdict::Inconclusive) => ("info", "inconclusive"),
        };
        rows.push(vec![
            escape(&format!(
                "{}{}",
                m.metric,
                if e.cuped.is_some() { " (CUPED)" } else { "" }
            )),
            escape(&m.arm),
            escape(&fmt_num(e.effect.control.mean)),
            escape(&fmt_num(e.effect.treatment.mean)),
            escape(&format!("{:+.2} %", rel.estimate * 100.0)),
            escape(&format!(
                "{:+.2} % … {:+.2} %",
                rel.ci_low * 100.0,
                rel.ci_high * 100.0
            )),
            escape(&fmt_p(e.p_value)),
            escape(&fmt_p(e.adjusted_p_value)),
            escape(&fmt_pct(e.chance_to_win)),
            badge(kind, text),
        ]);
    }
    html.push_str(&table_html(
        &[
            "metric",
            "arm",
            "control",
            "treatment",
            "lift",
            "95 % interval",
            "p",
            "adj. p",
            "chance to win",
            "verdict",
        ],
        &rows,
        &[
            false, false, true, true, true, true, true, true, true, false,
        ],
    ));
    Section::new("experiments", "Experiments", html)
}

fn correction_name(r: &crate::analysis::experiment::analysis::ExperimentReport) -> &'static str {
    use crate::analysis::experiment::multiple::Correction;
    match r.correction {
        Correction::None => "none",
        Correction::Holm => "Holm–Bonferroni",
        Correction::BenjaminiHochberg => "Benjamini–Hochberg",
    }
}

/// A forest plot: one line per metric × arm, the interval as a bar, the lift as a dot, zero
/// as a vertical rule.
fn forest(o: &ExperimentOutcome) -> String {
    const W: f64 = 900.0;
    const LABEL: f64 = 240.0;
    const ROW: f64 = 22.0;
    let rows: Vec<_> = o
        .report
        .metrics
        .iter()
        .filter_map(|m| {
            let e = m.result.as_ref()?;
            let rel = e.cuped.as_ref().map_or(&e.effect.relative, |c| &c.relative);
            let finite = rel.ci_low.is_finite() && rel.ci_high.is_finite();
            finite.then(|| (format!("{} · {}", m.metric, m.arm), rel, e.verdict))
        })
        .collect();
    let (mut lo, mut hi) = (0.0f64, 0.0f64);
    for (_, rel, _) in &rows {
        lo = lo.min(rel.ci_low);
        hi = hi.max(rel.ci_high);
    }
    let pad = ((hi - lo) * 0.08).max(1e-6);
    let (lo, hi) = (lo - pad, hi + pad);
    let x = |v: f64| LABEL + (v - lo) / (hi - lo) * (W - LABEL - 20.0);
    let h = ROW * rows.len() as f64 + 30.0;
    let mut s = format!("<svg viewBox=\"0 0 {W} {h}\" role=\"img\">");
    let _ = write!(
        s,
        "<line x1=\"{0:.1}\" y1=\"4\" x2=\"{0:.1}\" y2=\"{1:.1}\" stroke=\"#8a9099\" stroke-dasharray=\"3 3\"/>",
        x(0.0),
        h - 22.0
    );
    for (i, (label, rel, verdict)) in rows.iter().enumerate() {
        let y = 14.0 + ROW * i as f64;
        let color = match verdict {
            Verdict::Better => "#1d6b2f",
            Verdict::Worse => "#a1221a",
            Verdict::Inconclusive => "#6b7280",
        };
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            LABEL - 8.0,
            y + 4.0,
            escape(label)
        );
        let _ = write!(
            s,
            "<line x1=\"{:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"{color}\" stroke-width=\"4\" stroke-opacity=\"0.6\"><title>{}</title></line>",
            x(rel.ci_low),
            x(rel.ci_high),
            escape(&format!(
                "{:+.3} % … {:+.3} %",
                rel.ci_low * 100.0,
                rel.ci_high * 100.0
            ))
        );
        let _ = write!(
            s,
            "<circle cx=\"{:.1}\" cy=\"{y:.1}\" r=\"4\" fill=\"{color}\"><title>{}</title></circle>",
            x(rel.estimate),
            escape(&format!("lift {:+.3} %", rel.estimate * 100.0))
        );
    }
    for v in crate::format::ticks::nice_ticks(lo, hi, 6) {
        let _ = write!(
            s,
            "<text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            x(v),
            h - 6.0,
            escape(&format!(
                "{}{} %",
                if v > 0.0 { "+" } else { "" },
                fmt_num(v * 100.0)
            ))
        );
    }
    s.push_str("</svg>");
    s
}

fn interval_text(i: Option<&Interval>) -> String {
    i.map(|i| format!("{} … {}", fmt_num(i.ci_low), fmt_num(i.ci_high)))
        .unwrap_or_else(|| "not computed".into())
}

/// Champion against challenger on the log's labelled rows: the verdict, each model's metrics
/// with the difference and its bootstrap interval, DeLong's and McNemar's tests, both ROC
/// curves.
pub fn compare_section(o: &CompareOutcome, file: &str) -> Section {
    use super::svg::{Frame, Line, XAxis, line_chart};
    let mut html = String::new();
    let (kind, head) = match o.verdict.decision {
        CompareDecision::Challenger => ("ok", "the challenger wins"),
        CompareDecision::Champion => ("error", "the champion wins"),
        CompareDecision::Mixed => ("info", "mixed"),
        CompareDecision::NoSignificantDifference => ("info", "no significant difference"),
    };
    let _ = write!(
        html,
        "<p>{} {}: {} (challenger) against {} (champion) on {} labelled rows ({} left out for a missing value), threshold {}.</p>",
        badge(kind, head),
        escape(file),
        escape(&o.challenger.column),
        escape(&o.champion.column),
        o.rows_used,
        o.rows_dropped,
        escape(&fmt_num(o.threshold))
    );
    let b = &o.bootstrap;
    let rows = vec![
        vec![
            "ROC AUC".to_string(),
            escape(&fmt_num(o.champion.metrics.roc_auc)),
            escape(&fmt_num(o.challenger.metrics.roc_auc)),
            escape(&fmt_num(o.differences.roc_auc)),
            escape(&match &o.delong {
                Some(d) => format!(
                    "DeLong {} … {} (p = {})",
                    fmt_num(d.ci_low),
                    fmt_num(d.ci_high),
                    fmt_p(d.p_value)
                ),
                None => o.delong_error.clone().unwrap_or_default(),
            }),
        ],
        vec![
            "accuracy".to_string(),
            escape(&fmt_num(o.champion.metrics.accuracy)),
            escape(&fmt_num(o.challenger.metrics.accuracy)),
            escape(&fmt_num(o.differences.accuracy)),
            escape(&format!(
                "bootstrap {}",
                interval_text(b.accuracy_difference.as_ref())
            )),
        ],
        vec![
            "log loss".to_string(),
            escape(&fmt_num(o.champion.metrics.log_loss)),
            escape(&fmt_num(o.challenger.metrics.log_loss)),
            escape(&fmt_num(o.differences.log_loss)),
            escape(&format!(
                "bootstrap {}",
                interval_text(b.log_loss_difference.as_ref())
            )),
        ],
    ];
    html.push_str(&table_html(
        &[
            "metric",
            "champion",
            "challenger",
            "difference",
            &format!("{} interval", fmt_pct(1.0 - o.alpha)),
        ],
        &rows,
        &[false, true, true, true, false],
    ));
    let m = &o.mcnemar.test;
    let _ = write!(
        html,
        "<p>McNemar at the threshold: only the champion right {}, only the challenger right {}; exact p = {}{}. Bootstrap: {} paired Poisson resamples, seed {}.</p>",
        m.b,
        m.c,
        escape(&fmt_p(m.exact_p_value)),
        match m.chi2_p_value {
            Some(p) => format!(", with continuity correction p = {}", escape(&fmt_p(p))),
            None => String::new(),
        },
        b.resamples,
        b.seed
    );
    let diagonal = [0.0, 1.0];
    let svg = line_chart(
        &Frame {
            title: "ROC curves (true-positive rate against false-positive rate)",
            height: 260.0,
            x_axis: XAxis::Number,
        },
        &[
            Line {
                label: &o.champion.column,
                x: &o.champion.roc.fpr,
                y: &o.champion.roc.tpr,
                class: "ref",
            },
            Line {
                label: &o.challenger.column,
                x: &o.challenger.roc.fpr,
                y: &o.challenger.roc.tpr,
                class: "cur",
            },
            Line {
                label: "",
                x: &diagonal,
                y: &diagonal,
                class: "fl",
            },
        ],
        &[],
    );
    html.push_str(&figure(&svg, "Both models' ROC curves on the same rows"));
    Section::new("compare", "Champion against challenger", html)
}

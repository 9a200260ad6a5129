//! `sextant ab`'s output: the JSON contract (keys are never removed) and the table.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::analysis::experiment::decision::Decision;
use crate::analysis::experiment::frequentist::{Estimate, Verdict};
use crate::analysis::experiment::moments::{ArmMoments, MetricKind};
use crate::engine::experiment::{
    ArmDecision, CovariateMissing, ExperimentOutcome, GuardrailResult, MetricRole, PowerOutcome,
    SegmentOutcome, TimelineDay,
};
use crate::format::{fmt_num, fmt_p, fmt_pct};
use crate::present::json::{number, opt_number, ser_number, ser_opt_number, to_value};
use crate::present::table::TextTable;

#[derive(Serialize)]
struct Json<'a> {
    file: &'a str,
    rows: usize,
    /// Whether rows were events aggregated to units.
    aggregated_to_units: bool,
    missing_variant: usize,
    crossover_units: usize,
    control: &'a str,
    units: BTreeMap<&'a str, u64>,
    srm: Srm<'a>,
    /// False when the SRM test flagged the split: no result is to be trusted.
    trustworthy: bool,
    correction: Value,
    missing_values: &'a BTreeMap<String, usize>,
    /// Metric → why its covariate could not be used.
    covariate_errors: &'a BTreeMap<String, String>,
    /// Metric → units whose covariate is missing (CUPED adjusts with the others).
    covariate_missing: &'a BTreeMap<String, CovariateMissing>,
    /// Units left out of the timeline for want of an exposure time.
    missing_exposure_time: usize,
    metrics: Vec<Row<'a>>,
    /// Per exposure day, the cumulative analysis (empty without --time).
    timeline: Vec<Value>,
    power: Value,
    segments: Vec<Value>,
    /// Per treatment arm: "ship", "do_not_ship" or "keep_running", with the goals better and
    /// worse and the guardrails harmed (a harmed guardrail blocks shipping).
    decision: Vec<Value>,
    /// What could not be analysed and why, one sentence each.
    notes: &'a [String],
}

#[derive(Serialize)]
struct Srm<'a> {
    expected_share: BTreeMap<&'a str, Value>,
    #[serde(serialize_with = "ser_number")]
    statistic: f64,
    #[serde(serialize_with = "ser_number")]
    p_value: f64,
    flag: bool,
}

#[derive(Serialize)]
struct Moments {
    n: u64,
    #[serde(serialize_with = "ser_number")]
    mean: f64,
    #[serde(serialize_with = "ser_number")]
    variance: f64,
}

impl From<&ArmMoments> for Moments {
    fn from(m: &ArmMoments) -> Self {
        Self {
            n: m.n,
            mean: m.mean,
            variance: m.variance,
        }
    }
}

#[derive(Serialize)]
struct Interval {
    #[serde(serialize_with = "ser_number")]
    estimate: f64,
    #[serde(serialize_with = "ser_number")]
    ci_low: f64,
    #[serde(serialize_with = "ser_number")]
    ci_high: f64,
    #[serde(serialize_with = "ser_number")]
    p_value: f64,
}

impl From<&Estimate> for Interval {
    fn from(e: &Estimate) -> Self {
        Self {
            estimate: e.estimate,
            ci_low: e.ci_low,
            ci_high: e.ci_high,
            p_value: e.p_value,
        }
    }
}

#[derive(Serialize)]
struct Cuped {
    #[serde(serialize_with = "ser_number")]
    theta: f64,
    #[serde(serialize_with = "ser_number")]
    variance_reduction: f64,
    absolute: Interval,
    relative: Interval,
    #[serde(serialize_with = "ser_number")]
    p_value: f64,
}

#[derive(Serialize)]
struct Sequential {
    #[serde(serialize_with = "ser_number")]
    ci_low: f64,
    #[serde(serialize_with = "ser_number")]
    ci_high: f64,
}

#[derive(Serialize)]
struct Harm {
    /// gbstats's one-sided p-value of "the treatment is worse".
    #[serde(serialize_with = "ser_number")]
    p_value: f64,
    #[serde(serialize_with = "ser_number")]
    adjusted_p_value: f64,
    /// The finite end of gbstats's one-sided interval toward harm.
    #[serde(serialize_with = "ser_number")]
    bound: f64,
    harmed: bool,
}

impl From<&GuardrailResult> for Harm {
    fn from(g: &GuardrailResult) -> Self {
        Self {
            p_value: g.harm.p_value,
            adjusted_p_value: g.adjusted_p_value,
            bound: g.harm.bound,
            harmed: g.harmed,
        }
    }
}

#[derive(Serialize)]
struct Row<'a> {
    metric: &'a str,
    kind: MetricKind,
    /// "goal" or "guardrail".
    role: MetricRole,
    arm: &'a str,
    control: Option<Moments>,
    treatment: Option<Moments>,
    absolute: Option<Interval>,
    relative: Option<Interval>,
    /// The headline test's p-value (CUPED-adjusted relative when a covariate applied).
    #[serde(serialize_with = "ser_opt_number")]
    p_value: Option<f64>,
    #[serde(serialize_with = "ser_opt_number")]
    adjusted_p_value: Option<f64>,
    #[serde(serialize_with = "ser_opt_number")]
    z_test_p_value: Option<f64>,
    #[serde(serialize_with = "ser_opt_number")]
    df: Option<f64>,
    #[serde(serialize_with = "ser_opt_number")]
    chance_to_win: Option<f64>,
    #[serde(serialize_with = "ser_opt_number")]
    risk: Option<f64>,
    cuped: Option<Cuped>,
    cuped_error: Option<&'a str>,
    sequential: Option<Sequential>,
    /// A goal: "better", "worse" or "inconclusive"; a guardrail: "harmed" or
    /// "no_harm_detected".
    verdict: Option<&'static str>,
    /// A guardrail's one-sided test toward harm.
    harm: Option<Harm>,
    error: Option<&'a str>,
}

fn role_of(o: &ExperimentOutcome, metric: &str) -> MetricRole {
    o.roles.get(metric).copied().unwrap_or_default()
}

fn guardrail_of<'a>(
    o: &'a ExperimentOutcome,
    metric: &str,
    arm: &str,
) -> Option<&'a GuardrailResult> {
    o.guardrails
        .iter()
        .find(|g| g.metric == metric && g.arm == arm)
}

/// The verdict of a row in JSON words: a goal's direction, a guardrail's harm.
fn verdict_key(o: &ExperimentOutcome, metric: &str, arm: &str, v: Verdict) -> &'static str {
    match role_of(o, metric) {
        MetricRole::Goal => match v {
            Verdict::Better => "better",
            Verdict::Worse => "worse",
            Verdict::Inconclusive => "inconclusive",
        },
        MetricRole::Guardrail => match guardrail_of(o, metric, arm) {
            Some(g) if g.harmed => "harmed",
            _ => "no_harm_detected",
        },
    }
}

fn arm_map(arms: &[String], values: &[u64]) -> Value {
    Value::Object(
        arms.iter()
            .zip(values)
            .map(|(a, n)| (a.clone(), Value::from(*n)))
            .collect(),
    )
}

fn timeline_json(arms: &[String], days: &[TimelineDay]) -> Vec<Value> {
    days.iter()
        .map(|d| {
            serde_json::json!({
                "date": d.date,
                "units": arm_map(arms, &d.units),
                "srm_p_value": opt_number(d.srm_p_value),
                "metrics": d.metrics.iter().map(|p| serde_json::json!({
                    "metric": p.metric,
                    "arm": p.arm,
                    "lift": opt_number(p.lift),
                    "ci_low": opt_number(p.ci_low),
                    "ci_high": opt_number(p.ci_high),
                    "sequential_ci_low": opt_number(p.sequential_ci_low),
                    "sequential_ci_high": opt_number(p.sequential_ci_high),
                    "p_value": opt_number(p.p_value),
                    "error": p.error,
                })).collect::<Vec<_>>(),
            })
        })
        .collect()
}

fn power_json(p: &PowerOutcome) -> Value {
    serde_json::json!({
        "power": number(p.power),
        "alpha": number(p.alpha),
        "exposure_days": p.exposure_days,
        "daily_units": opt_number(p.daily_units),
        "metrics": p.metrics.iter().map(|m| serde_json::json!({
            "metric": m.metric,
            "arm": m.arm,
            "units_per_arm": number(m.units_per_arm),
            "mde_absolute": opt_number(m.mde.map(|d| d.absolute)),
            "mde_relative": opt_number(m.mde.and_then(|d| d.relative)),
            "observed_absolute": number(m.observed_absolute),
            "needed_per_arm": m.needed_per_arm,
            "needed_total": m.needed_total,
            "days_remaining": opt_number(m.days_remaining),
            "error": m.error,
        })).collect::<Vec<_>>(),
    })
}

fn segments_json(segments: &[SegmentOutcome]) -> Vec<Value> {
    segments
        .iter()
        .map(|s| {
            serde_json::json!({
                "column": s.column,
                "values": s.values,
                "missing_units": s.missing_units,
                "error": s.error,
                "metrics": s.metrics.iter().map(|m| {
                    let r = m.report.as_ref();
                    serde_json::json!({
                        "metric": m.metric,
                        "arm": m.arm,
                        "total_lift": opt_number(r.map(|r| r.total.relative.estimate)),
                        "simpson": r.map(|r| r.simpson),
                        "notes": m.notes,
                        "error": m.error,
                        "segments": r.map(|r| r.segments.iter().map(|g| {
                            let e = g.effect.as_ref();
                            serde_json::json!({
                                "segment": g.segment,
                                "control_units": e.map(|e| e.control.n),
                                "treatment_units": e.map(|e| e.treatment.n),
                                "lift": opt_number(e.map(|e| e.relative.estimate)),
                                "ci_low": opt_number(e.map(|e| e.relative.ci_low)),
                                "ci_high": opt_number(e.map(|e| e.relative.ci_high)),
                                "p_value": opt_number(e.map(|e| e.p_value)),
                                "adjusted_p_value": opt_number(g.adjusted_p_value),
                                "verdict": g.verdict.map(verdict_word),
                                "sign_differs": g.sign_differs,
                                "error": g.error,
                            })
                        }).collect::<Vec<_>>()).unwrap_or_default(),
                    })
                }).collect::<Vec<_>>(),
            })
        })
        .collect()
}

/// The JSON of `sextant ab`.
pub fn to_json(file: &str, o: &ExperimentOutcome) -> Value {
    let r = &o.report;
    let metrics = r
        .metrics
        .iter()
        .map(|m| {
            let e = m.result.as_ref();
            Row {
                metric: &m.metric,
                kind: m.kind,
                role: role_of(o, &m.metric),
                arm: &m.arm,
                control: e.map(|e| (&e.effect.control).into()),
                treatment: e.map(|e| (&e.effect.treatment).into()),
                absolute: e.map(|e| (&e.effect.absolute).into()),
                relative: e.map(|e| (&e.effect.relative).into()),
                p_value: e.map(|e| e.p_value),
                adjusted_p_value: e.map(|e| e.adjusted_p_value),
                z_test_p_value: e.and_then(|e| e.effect.z_test_p_value),
                df: e.map(|e| e.effect.df),
                chance_to_win: e.map(|e| e.chance_to_win),
                risk: e.map(|e| e.risk),
                cuped: e.and_then(|e| e.cuped.as_ref()).map(|c| Cuped {
                    theta: c.theta,
                    variance_reduction: c.variance_reduction,
                    absolute: (&c.absolute).into(),
                    relative: (&c.relative).into(),
                    p_value: c.p_value,
                }),
                cuped_error: e.and_then(|e| e.cuped_error.as_deref()),
                sequential: e.and_then(|e| e.sequential.as_ref()).map(|s| Sequential {
                    ci_low: s.ci_low,
                    ci_high: s.ci_high,
                }),
                verdict: e.map(|e| verdict_key(o, &m.metric, &m.arm, e.verdict)),
                harm: guardrail_of(o, &m.metric, &m.arm).map(Harm::from),
                error: m.error.as_deref(),
            }
        })
        .collect();
    to_value(&Json {
        file,
        rows: o.rows,
        aggregated_to_units: o.aggregated,
        missing_variant: o.missing_variant,
        crossover_units: o.crossover_units,
        control: &r.control,
        units: o
            .arms
            .iter()
            .map(String::as_str)
            .zip(o.units.iter().copied())
            .collect(),
        srm: Srm {
            expected_share: o
                .arms
                .iter()
                .map(String::as_str)
                .zip(
                    r.srm
                        .expected_share
                        .iter()
                        .map(|s| crate::present::json::number(*s)),
                )
                .collect(),
            statistic: r.srm.statistic,
            p_value: r.srm.p_value,
            flag: r.srm.flag,
        },
        trustworthy: r.trustworthy,
        correction: to_value(&r.correction),
        missing_values: &o.missing_values,
        covariate_errors: &o.covariate_errors,
        covariate_missing: &o.covariate_missing,
        missing_exposure_time: o.missing_time,
        metrics,
        timeline: timeline_json(&o.arms, &o.timeline),
        power: power_json(&o.power),
        segments: segments_json(&o.segments),
        decision: o
            .decisions
            .iter()
            .map(|d| {
                serde_json::json!({
                    "arm": d.arm,
                    "decision": d.report.decision,
                    "better": d.report.better,
                    "worse": d.report.worse,
                    "harmed": d.report.harmed,
                    "trustworthy": r.trustworthy,
                })
            })
            .collect(),
        notes: &o.notes,
    })
}

fn verdict_word(v: Verdict) -> &'static str {
    match v {
        Verdict::Better => "better",
        Verdict::Worse => "worse",
        Verdict::Inconclusive => "inconclusive",
    }
}

/// The table of `sextant ab`: the SRM line (a warning first when it flagged), the units, then
/// one row per metric × treatment arm.
pub fn to_table(file: &str, o: &ExperimentOutcome) -> String {
    let r = &o.report;
    let mut out = String::new();
    if r.srm.flag {
        out.push_str(&format!(
            "SAMPLE-RATIO MISMATCH (p = {}): the split is not the planned one; no result below is to be trusted\n",
            fmt_p(r.srm.p_value)
        ));
    }
    let units: Vec<String> = o
        .arms
        .iter()
        .zip(&o.units)
        .map(|(a, n)| format!("{a} {n}"))
        .collect();
    out.push_str(&format!(
        "{file}: {} rows{}, units {} · SRM χ² = {} (p = {})",
        o.rows,
        if o.aggregated {
            " aggregated to units"
        } else {
            ""
        },
        units.join(", "),
        fmt_num(r.srm.statistic),
        fmt_p(r.srm.p_value)
    ));
    if o.crossover_units > 0 {
        out.push_str(&format!(
            " · {} units in more than one arm left out",
            o.crossover_units
        ));
    }
    out.push('\n');
    for (metric, why) in &o.covariate_errors {
        out.push_str(&format!("{metric}: the covariate is not used ({why})\n"));
    }
    for note in &o.notes {
        out.push_str(&format!("note: {note}\n"));
    }
    let mut t = TextTable::new(
        &[
            "metric",
            "arm",
            "control",
            "treatment",
            "lift",
            "95 % interval",
            "p",
            "adj. p",
            "win",
            "verdict",
        ],
        &[
            false, false, true, true, true, true, true, true, true, false,
        ],
    );
    for m in &r.metrics {
        match &m.result {
            Some(e) => {
                let rel = e.cuped.as_ref().map_or(&e.effect.relative, |c| &c.relative);
                let verdict = match role_of(o, &m.metric) {
                    MetricRole::Goal => verdict_word(e.verdict),
                    MetricRole::Guardrail => match guardrail_of(o, &m.metric, &m.arm) {
                        Some(g) if g.harmed => "harmed",
                        _ => "no harm detected",
                    },
                };
                t.row(vec![
                    format!(
                        "{}{}{}",
                        m.metric,
                        if role_of(o, &m.metric) == MetricRole::Guardrail {
                            " (guardrail)"
                        } else {
                            ""
                        },
                        if e.cuped.is_some() { " (CUPED)" } else { "" }
                    ),
                    m.arm.clone(),
                    fmt_num(e.effect.control.mean),
                    fmt_num(e.effect.treatment.mean),
                    format!("{:+.2} %", rel.estimate * 100.0),
                    format!(
                        "{:+.2} % … {:+.2} %",
                        rel.ci_low * 100.0,
                        rel.ci_high * 100.0
                    ),
                    fmt_p(e.p_value),
                    fmt_p(e.adjusted_p_value),
                    fmt_pct(e.chance_to_win),
                    verdict.to_string(),
                ]);
            }
            None => t.row(vec![
                m.metric.clone(),
                m.arm.clone(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                "not tested (see below)".to_string(),
            ]),
        }
    }
    out.push_str(&t.render());
    // A row's own sentence (too few units in an arm…) once, unless a note already said it.
    let mut said: Vec<&str> = o.notes.iter().map(String::as_str).collect();
    for m in &r.metrics {
        if let Some(e) = m.error.as_deref()
            && !said.contains(&e)
        {
            out.push_str(&format!("not tested: {e}\n"));
            said.push(e);
        }
    }
    for d in &o.decisions {
        out.push_str(&format!("{}\n", decision_sentence(d, r.trustworthy)));
    }
    power_table(o, &mut out);
    timeline_table(o, &mut out);
    segments_table(o, &mut out);
    out
}

fn interval(low: Option<f64>, high: Option<f64>) -> String {
    match (low, high) {
        (Some(l), Some(h)) => format!("{:+.2} % … {:+.2} %", l * 100.0, h * 100.0),
        _ => String::new(),
    }
}

fn lift(x: Option<f64>) -> String {
    x.map(|x| format!("{:+.2} %", x * 100.0))
        .unwrap_or_default()
}

fn power_table(o: &ExperimentOutcome, out: &mut String) {
    let p = &o.power;
    if p.metrics.is_empty() {
        return;
    }
    out.push_str(&format!(
        "\nPower {} at α = {}{}\n",
        fmt_pct(p.power),
        fmt_num(p.alpha),
        match (p.exposure_days, p.daily_units) {
            (Some(d), Some(u)) => format!(" · {} units per day over {d} exposure days", fmt_num(u)),
            _ => " · no exposure time (--time), so no days".to_string(),
        }
    ));
    let mut t = TextTable::new(
        &[
            "metric",
            "arm",
            "units per arm",
            "detectable now",
            "observed",
            "needed per arm",
            "days still needed",
        ],
        &[false, false, true, true, true, true, true],
    );
    for m in &p.metrics {
        t.row(vec![
            m.metric.clone(),
            m.arm.clone(),
            fmt_num(m.units_per_arm),
            m.mde
                .map(|d| match d.relative {
                    Some(r) => format!("±{:.2} %", r * 100.0),
                    None => fmt_num(d.absolute),
                })
                .unwrap_or_default(),
            fmt_num(m.observed_absolute),
            m.needed_per_arm.map(|n| n.to_string()).unwrap_or_default(),
            m.days_remaining.map(fmt_num).unwrap_or_default(),
        ]);
    }
    out.push_str(&t.render());
}

fn timeline_table(o: &ExperimentOutcome, out: &mut String) {
    if o.timeline.is_empty() {
        return;
    }
    out.push_str("\nTimeline: cumulative by exposure day (units first exposed up to the day)\n");
    let mut t = TextTable::new(
        &[
            "date",
            "units",
            "metric",
            "arm",
            "lift",
            "fixed interval",
            "always-valid interval",
        ],
        &[false, true, false, false, true, true, true],
    );
    for d in &o.timeline {
        let units: u64 = d.units.iter().sum();
        for p in &d.metrics {
            t.row(vec![
                d.date.clone(),
                units.to_string(),
                p.metric.clone(),
                p.arm.clone(),
                lift(p.lift),
                interval(p.ci_low, p.ci_high),
                interval(p.sequential_ci_low, p.sequential_ci_high),
            ]);
        }
    }
    out.push_str(&t.render());
}

fn segments_table(o: &ExperimentOutcome, out: &mut String) {
    for s in &o.segments {
        if s.error.is_some() {
            continue;
        }
        out.push_str(&format!(
            "\nSegments by {}{}\n",
            s.column,
            if s.missing_units > 0 {
                format!(" ({} units without a value left out)", s.missing_units)
            } else {
                String::new()
            }
        ));
        let mut t = TextTable::new(
            &[
                "metric",
                "arm",
                "segment",
                "control",
                "treatment",
                "lift",
                "interval",
                "adj. p",
                "verdict",
            ],
            &[false, false, false, true, true, true, true, true, false],
        );
        for m in &s.metrics {
            let Some(r) = &m.report else { continue };
            for g in &r.segments {
                let e = g.effect.as_ref();
                t.row(vec![
                    m.metric.clone(),
                    m.arm.clone(),
                    g.segment.clone(),
                    e.map(|e| e.control.n.to_string()).unwrap_or_default(),
                    e.map(|e| e.treatment.n.to_string()).unwrap_or_default(),
                    lift(e.map(|e| e.relative.estimate)),
                    interval(e.map(|e| e.relative.ci_low), e.map(|e| e.relative.ci_high)),
                    g.adjusted_p_value.map(fmt_p).unwrap_or_default(),
                    match (g.verdict, &g.error) {
                        (Some(v), _) => format!(
                            "{}{}",
                            verdict_word(v),
                            if g.sign_differs {
                                " (sign differs)"
                            } else {
                                ""
                            }
                        ),
                        (None, Some(_)) => "not testable".to_string(),
                        (None, None) => String::new(),
                    },
                ]);
            }
        }
        out.push_str(&t.render());
        for m in &s.metrics {
            for n in &m.notes {
                out.push_str(&format!("note: {n}\n"));
            }
            if let Some(e) = &m.error {
                out.push_str(&format!("note: {e}\n"));
            }
        }
    }
}

/// The decision for one arm as a sentence: what to do and the metrics that made it.
pub fn decision_sentence(d: &ArmDecision, trustworthy: bool) -> String {
    let r = &d.report;
    let mut why = Vec::new();
    if !r.harmed.is_empty() {
        why.push(format!("guardrail harmed: {}", r.harmed.join(", ")));
    }
    if !r.worse.is_empty() {
        why.push(format!("worse: {}", r.worse.join(", ")));
    }
    if !r.better.is_empty() {
        why.push(format!("better: {}", r.better.join(", ")));
    }
    let head = match r.decision {
        Decision::Ship => "ship",
        Decision::DoNotShip => "do not ship",
        Decision::KeepRunning => "keep running (no goal moved significantly)",
    };
    format!(
        "Decision for {}: {head}{}{}",
        d.arm,
        if why.is_empty() {
            String::new()
        } else {
            format!(" ({})", why.join("; "))
        },
        if trustworthy {
            ""
        } else {
            " · untrustworthy: the sample-ratio check failed"
        }
    )
}

//! `sextant ab`'s output: the JSON contract (keys are never removed) and the table.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::analysis::experiment::frequentist::{Estimate, Verdict};
use crate::analysis::experiment::moments::{ArmMoments, MetricKind};
use crate::engine::experiment::ExperimentOutcome;
use crate::format::{fmt_num, fmt_p, fmt_pct};
use crate::present::json::{ser_number, ser_opt_number, to_value};
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
    metrics: Vec<Row<'a>>,
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
struct Row<'a> {
    metric: &'a str,
    kind: MetricKind,
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
    verdict: Option<Verdict>,
    error: Option<&'a str>,
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
                verdict: e.map(|e| e.verdict),
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
        metrics,
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
                t.row(vec![
                    format!(
                        "{}{}",
                        m.metric,
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
                    verdict_word(e.verdict).to_string(),
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
                m.error.clone().unwrap_or_default(),
            ]),
        }
    }
    out.push_str(&t.render());
    out
}

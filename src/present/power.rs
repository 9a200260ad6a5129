//! `sextant ab power`'s output: the JSON contract (keys are never removed) and the table.
//!
//! JSON: `{"baseline": {"kind": "proportion", "rate"} | {"kind": "mean", "mean", "std_dev"},
//! "mde", "relative", "alpha", "power", "arms", "alpha_per_comparison", "delta",
//! "treatment_level", "per_arm_exact", "per_arm", "total", "daily_units", "days",
//! "units_per_arm", "days_remaining", "mde_at_units": {"absolute", "relative"} | null,
//! "method"}`.

use serde::Serialize;
use serde_json::Value;

use crate::analysis::experiment::power::Baseline;
use crate::engine::power::PowerOutcome;
use crate::format::fmt_num;
use crate::present::json::{ser_number, ser_opt_number, to_value};
use crate::present::table::TextTable;

/// How the numbers were computed, in words.
pub const METHOD: &str = "normal approximation, two-sided: n per arm = (z_{1-alpha/2} + z_{power})^2 (var_control + var_treatment) / delta^2, rounded up; every treatment is tested against the control at alpha (not split), as GrowthBook's power calculator";

#[derive(Serialize)]
struct Mde {
    #[serde(serialize_with = "ser_number")]
    absolute: f64,
    #[serde(serialize_with = "ser_opt_number")]
    relative: Option<f64>,
}

#[derive(Serialize)]
struct Json {
    baseline: Value,
    #[serde(serialize_with = "ser_number")]
    mde: f64,
    relative: bool,
    #[serde(serialize_with = "ser_number")]
    alpha: f64,
    #[serde(serialize_with = "ser_number")]
    power: f64,
    arms: u32,
    #[serde(serialize_with = "ser_number")]
    alpha_per_comparison: f64,
    #[serde(serialize_with = "ser_number")]
    delta: f64,
    #[serde(serialize_with = "ser_number")]
    treatment_level: f64,
    #[serde(serialize_with = "ser_number")]
    per_arm_exact: f64,
    per_arm: u64,
    total: u64,
    #[serde(serialize_with = "ser_opt_number")]
    daily_units: Option<f64>,
    #[serde(serialize_with = "ser_opt_number")]
    days: Option<f64>,
    units_per_arm: Option<u64>,
    #[serde(serialize_with = "ser_opt_number")]
    days_remaining: Option<f64>,
    mde_at_units: Option<Mde>,
    method: &'static str,
}

/// The JSON of `sextant ab power`.
pub fn to_json(o: &PowerOutcome) -> Value {
    let s = &o.sample;
    to_value(&Json {
        baseline: to_value(&o.baseline),
        mde: o.mde,
        relative: o.relative,
        alpha: o.alpha,
        power: o.power,
        arms: o.arms,
        alpha_per_comparison: o.alpha_per_comparison,
        delta: s.delta,
        treatment_level: s.treatment_level,
        per_arm_exact: s.per_arm_exact,
        per_arm: s.per_arm,
        total: s.total,
        daily_units: o.daily_units,
        days: s.days,
        units_per_arm: o.units_per_arm,
        // Without units collected, the days still needed are all the days: said once.
        days_remaining: o.units_per_arm.and(s.days_remaining),
        mde_at_units: o.mde_at_units.map(|m| Mde {
            absolute: m.absolute,
            relative: m.relative,
        }),
        method: METHOD,
    })
}

/// The table of `sextant ab power`: the plan in one line, then one row per number.
pub fn to_table(o: &PowerOutcome) -> String {
    let s = &o.sample;
    let baseline = match o.baseline {
        Baseline::Proportion { rate } => format!("a proportion of {}", fmt_num(rate)),
        Baseline::Mean { mean, std_dev } => {
            format!("a mean of {} (sd {})", fmt_num(mean), fmt_num(std_dev))
        }
    };
    let effect = if o.relative {
        format!("{} % relative", fmt_num(o.mde * 100.0))
    } else {
        fmt_num(o.mde)
    };
    let mut out = format!(
        "Plan: {baseline}, minimum effect {effect} (Δ = {}, to {}), α = {} two-sided per comparison, power {} %, {} arms\n",
        fmt_num(s.delta),
        fmt_num(s.treatment_level),
        fmt_num(o.alpha),
        fmt_num(o.power * 100.0),
        o.arms
    );
    let mut t = TextTable::new(&["plan", "value"], &[false, true]);
    t.row(vec!["units per arm".into(), s.per_arm.to_string()]);
    t.row(vec!["units in total".into(), s.total.to_string()]);
    if let (Some(days), Some(daily)) = (s.days, o.daily_units) {
        t.row(vec![
            format!("days at {} units a day", fmt_num(daily)),
            format!("{days:.1}"),
        ]);
    }
    if let Some(units) = o.units_per_arm {
        if let Some(m) = o.mde_at_units {
            t.row(vec![
                format!("detectable effect at {units} per arm"),
                match m.relative {
                    Some(r) => format!(
                        "{} ({} % relative)",
                        fmt_num(m.absolute),
                        fmt_num(r * 100.0)
                    ),
                    None => fmt_num(m.absolute),
                },
            ]);
        }
        if let Some(left) = s.days_remaining {
            t.row(vec!["days still needed".into(), format!("{left:.1}")]);
        }
    }
    out.push_str(&t.render());
    out
}

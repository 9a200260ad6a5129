//! The bundled experiment log: in December 2025 the credit team tests a retrained challenger
//! model against the production model on loan applications, split 50/50 by applicant.
//!
//! One row per event: an `application` row (the model's decision: `approved`, its scoring
//! `latency_ms`, the 90-day outcome `defaulted_90d`, the applicant's pre-period revenue
//! `pre_revenue`, the `channel` and `region`), then one `payment` row per instalment of
//! `revenue` for approved loans that did not default. Every row carries `exposed_at`, the
//! moment the applicant was assigned, so `sextant ab --unit applicant_id --time exposed_at`
//! folds the log into applicants.
//!
//! Planted on purpose, for `sextant ab` to find:
//! - the challenger approves about 2.5 % more applications (relative), with fewer defaults and
//!   more revenue per applicant, but approves *fewer* partner-channel applications (a segment
//!   whose sign differs from the total);
//! - the challenger is slower (about 10 ms more per logged scoring), so the `latency_ms`
//!   guardrail is harmed;
//! - a timeout bug: challenger scorings slower than 153 ms time out and the application is
//!   never logged, so the challenger loses about 3 % of its applicants — a sample-ratio
//!   mismatch (p < 0.001) against the planned 50/50;
//! - about 8 % of applicants are new customers with no pre-period revenue (the covariate is
//!   missing for them);
//! - volume follows the week (quiet weekends) and dips over Christmas.

use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::vocab::Rng;
use crate::vocab::time::{MICROS_PER_DAY, days_from_civil, weekday_from_days};

/// File name of the bundled experiment log.
pub const EXPERIMENT_PARQUET: &str = "credit_experiment.parquet";

/// The challenger's scorings slower than this time out and are lost (the SRM).
pub const TIMEOUT_MS: f64 = 153.0;

/// Parameters of the generator.
#[derive(Debug, Clone)]
pub struct ExperimentSampleParams {
    /// Applicants assigned on an ordinary weekday (before the timeout losses).
    pub daily_applicants: f64,
    pub seed: u64,
}

impl Default for ExperimentSampleParams {
    fn default() -> Self {
        Self {
            daily_applicants: 1800.0,
            seed: 20_251_201,
        }
    }
}

const CHANNELS: [&str; 3] = ["web", "branch", "partner"];
const CHANNEL_WEIGHTS: [f64; 3] = [0.55, 0.25, 0.20];
const REGIONS: [&str; 5] = ["north", "south", "east", "west", "central"];

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// Volume of a December day: the week's cycle and the Christmas dip.
fn day_factor(days: i64, day_of_month: i64) -> f64 {
    const WEEK: [f64; 7] = [1.1, 1.08, 1.05, 1.03, 1.0, 0.6, 0.5];
    let christmas = match day_of_month {
        24 => 0.6,
        25 | 26 => 0.35,
        31 => 0.7,
        _ => 1.0,
    };
    WEEK[weekday_from_days(days) as usize] * christmas
}

#[derive(Default)]
struct Rows {
    applicant_id: Vec<String>,
    model: Vec<&'static str>,
    event: Vec<&'static str>,
    exposed_at: Vec<i64>,
    channel: Vec<&'static str>,
    region: Vec<&'static str>,
    approved: Vec<Option<i64>>,
    defaulted_90d: Vec<Option<i64>>,
    latency_ms: Vec<Option<f64>>,
    revenue: Vec<f64>,
    pre_revenue: Vec<Option<f64>>,
}

/// The experiment log as a frame (deterministic for a seed).
pub fn generate(params: &ExperimentSampleParams) -> PolarsResult<DataFrame> {
    let mut rng = Rng::new(params.seed);
    let mut rows = Rows::default();
    let first = days_from_civil(2025, 12, 1);
    let mut id = 0usize;
    for dom in 1..=31i64 {
        let day = first + dom - 1;
        let n = rng.count(params.daily_applicants * day_factor(day, dom));
        for _ in 0..n {
            id += 1;
            let challenger = rng.uniform() < 0.5;
            let channel = rng.choose(&CHANNEL_WEIGHTS);
            let region = rng.below(REGIONS.len());
            let partner = channel == 2;
            // Scoring latency: the retrained model is bigger; partner requests carry more
            // features. The challenger's slow scorings time out before anything is logged.
            let latency = (if challenger { 112.0 } else { 100.0 })
                + if partner { 6.0 } else { 0.0 }
                + 21.0 * rng.normal();
            let latency = latency.max(35.0);
            if challenger && latency > TIMEOUT_MS {
                continue;
            }
            let quality = rng.normal();
            let returning = rng.uniform() < 0.92;
            let base = (4.6 + 0.35 * quality + 0.5 * rng.normal()).exp();
            let pre_revenue = returning.then(|| round2(base));
            // The challenger approves more, except on the partner channel, where its retrained
            // features are thinner.
            let lift = match (challenger, partner) {
                (false, _) => 0.0,
                (true, false) => 0.13,
                (true, true) => -0.12,
            };
            let approved = rng.uniform() < sigmoid(0.35 + 0.9 * quality + lift);
            let default_logit = -2.3 - 0.9 * quality - if challenger { 0.15 } else { 0.0 };
            let defaulted = approved && rng.uniform() < sigmoid(default_logit);
            let exposed = day * MICROS_PER_DAY + (rng.uniform() * MICROS_PER_DAY as f64) as i64;
            let applicant = format!("P{id:06}");
            let mut push = |event, approved_v, default_v, latency_v, revenue_v| {
                rows.applicant_id.push(applicant.clone());
                rows.model.push(if challenger {
                    "challenger"
                } else {
                    "production"
                });
                rows.event.push(event);
                rows.exposed_at.push(exposed);
                rows.channel.push(CHANNELS[channel]);
                rows.region.push(REGIONS[region]);
                rows.approved.push(approved_v);
                rows.defaulted_90d.push(default_v);
                rows.latency_ms.push(latency_v);
                rows.revenue.push(revenue_v);
                rows.pre_revenue.push(pre_revenue);
            };
            push(
                "application",
                Some(i64::from(approved)),
                Some(i64::from(defaulted)),
                Some(round2(latency)),
                0.0,
            );
            if approved && !defaulted {
                // Instalments: revenue tracks what the applicant brought before (CUPED's
                // covariate), with the challenger's better pricing on top.
                let payments = 1 + rng.below(3);
                let per = (0.3 * base + 12.0 + 6.0 * rng.normal()).max(1.0)
                    * if challenger { 1.04 } else { 1.0 };
                for _ in 0..payments {
                    push(
                        "payment",
                        None,
                        None,
                        None,
                        round2(per * (0.9 + 0.2 * rng.uniform())),
                    );
                }
            }
        }
    }
    let exposed_at = Int64Chunked::from_vec("exposed_at".into(), rows.exposed_at)
        .into_datetime(TimeUnit::Microseconds, None)
        .into_series();
    DataFrame::new_infer_height(vec![
        Series::new("applicant_id".into(), rows.applicant_id).into(),
        Series::new("model".into(), rows.model).into(),
        Series::new("event".into(), rows.event).into(),
        exposed_at.into(),
        Series::new("channel".into(), rows.channel).into(),
        Series::new("region".into(), rows.region).into(),
        Series::new("approved".into(), rows.approved).into(),
        Series::new("defaulted_90d".into(), rows.defaulted_90d).into(),
        Series::new("latency_ms".into(), rows.latency_ms).into(),
        Series::new("revenue".into(), rows.revenue).into(),
        Series::new("pre_revenue".into(), rows.pre_revenue).into(),
    ])
}

/// Write the experiment log as Parquet into `dir`; returns the written path.
pub fn write(dir: &Path, params: &ExperimentSampleParams) -> anyhow::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut frame = generate(params)?;
    let path = dir.join(EXPERIMENT_PARQUET);
    crate::data::write::write_frame(&mut frame, &path)?;
    Ok(vec![path])
}

/// A large generated event log for the experiment benchmark: `rows` events of `units` users
/// in random order, three arms (`control`, `a`, `b`), four metrics (`converted` true/false,
/// `revenue`, `sessions`, `latency_ms`), two pre-period covariates (`pre_converted` for the
/// proportion, `pre_revenue` for the means), a `device` segment and an `event_at` timestamp over
/// 28 days. A user's arm, exposure, segment and covariates are functions of its id (the same
/// on each of its rows), so the log is written in one pass without a table of users.
pub fn bench_log(rows: usize, units: usize, seed: u64) -> PolarsResult<DataFrame> {
    const ARMS: [&str; 3] = ["control", "a", "b"];
    const DEVICES: [&str; 3] = ["desktop", "mobile", "tablet"];
    let units = units.max(1);
    let mut rng = Rng::new(seed);
    // A user's own stream: its attributes from one SplitMix64 draw of its id.
    let user = |u: u64| Rng::new(seed ^ u.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let first = days_from_civil(2025, 12, 1) * MICROS_PER_DAY;
    let mut user_id = Vec::with_capacity(rows);
    let mut arm = Vec::with_capacity(rows);
    let mut event_at = Vec::with_capacity(rows);
    let mut device = Vec::with_capacity(rows);
    let mut converted = Vec::with_capacity(rows);
    let mut revenue = Vec::with_capacity(rows);
    let mut sessions = Vec::with_capacity(rows);
    let mut latency = Vec::with_capacity(rows);
    let mut pre_converted = Vec::with_capacity(rows);
    let mut pre_revenue = Vec::with_capacity(rows);
    for _ in 0..rows {
        let u = rng.below(units) as u64;
        let mut ur = user(u);
        let a = ur.below(3);
        let exposure = first + (ur.uniform() * 28.0 * MICROS_PER_DAY as f64) as i64;
        let d = ur.choose(&[0.45, 0.45, 0.1]);
        let pre = (3.0 + 0.6 * ur.normal()).exp();
        let pre_conv = ur.uniform() < 0.2;
        let lift = [0.0, 0.02, 0.04][a];
        user_id.push(u as i64);
        arm.push(ARMS[a]);
        event_at.push(exposure + (rng.uniform() * 3.0 * MICROS_PER_DAY as f64) as i64);
        device.push(DEVICES[d]);
        converted.push(rng.uniform() < 0.05 + 0.05 * f64::from(u8::from(pre_conv)) + lift * 0.05);
        revenue.push(round2(0.1 * pre * (1.0 + lift) + 2.0 * rng.uniform()));
        sessions.push(1 + rng.below(3) as i32);
        latency.push(round2(80.0 + 10.0 * a as f64 + 15.0 * rng.normal().abs()));
        pre_converted.push(pre_conv);
        pre_revenue.push(round2(pre));
    }
    let event_at = Int64Chunked::from_vec("event_at".into(), event_at)
        .into_datetime(TimeUnit::Microseconds, None)
        .into_series();
    DataFrame::new_infer_height(vec![
        Series::new("user_id".into(), user_id).into(),
        Series::new("arm".into(), arm).into(),
        event_at.into(),
        Series::new("device".into(), device).into(),
        Series::new("converted".into(), converted).into(),
        Series::new("revenue".into(), revenue).into(),
        Series::new("sessions".into(), sessions).into(),
        Series::new("latency_ms".into(), latency).into(),
        Series::new("pre_converted".into(), pre_converted).into(),
        Series::new("pre_revenue".into(), pre_revenue).into(),
    ])
}

/// A generated scored file for `sextant bench-compare`: `rows` labelled rows (about 30 %
/// positive) with two models' P(positive): the champion sees a noisier version of the
/// signal than the challenger, so the challenger ranks a little better. Scores are rounded
/// to four decimals, as many scoring services log them, so the rankings have ties.
pub fn bench_scores(rows: usize, seed: u64) -> PolarsResult<DataFrame> {
    let mut rng = Rng::new(seed);
    let (mut label, mut champion, mut challenger) = (
        Vec::with_capacity(rows),
        Vec::with_capacity(rows),
        Vec::with_capacity(rows),
    );
    let sigmoid = |z: f64| 1.0 / (1.0 + (-z).exp());
    let round4 = |p: f64| (p * 1e4).round() / 1e4;
    for _ in 0..rows {
        let signal = rng.normal();
        let y = rng.uniform() < sigmoid(1.5 * signal - 1.0);
        label.push(i32::from(y));
        champion.push(round4(sigmoid(1.2 * (signal + 0.9 * rng.normal()) - 1.0)));
        challenger.push(round4(sigmoid(1.3 * (signal + 0.7 * rng.normal()) - 1.0)));
    }
    DataFrame::new_infer_height(vec![
        Series::new("label".into(), label).into(),
        Series::new("champion".into(), champion).into(),
        Series::new("challenger".into(), challenger).into(),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_is_deterministic_and_the_challenger_loses_units() {
        let params = ExperimentSampleParams {
            daily_applicants: 200.0,
            seed: 3,
        };
        let a = generate(&params).expect("generate");
        let b = generate(&params).expect("generate");
        assert!(a.equals_missing(&b));
        let models = a.column("model").expect("model");
        let events = a.column("event").expect("event");
        let count = |m: &str| {
            models
                .as_materialized_series()
                .str()
                .expect("str")
                .iter()
                .zip(events.as_materialized_series().str().expect("str").iter())
                .filter(|(x, e)| *x == Some(m) && *e == Some("application"))
                .count()
        };
        let (prod, chal) = (count("production"), count("challenger"));
        // About 3 % of the challenger's applicants time out before they are logged.
        let lost = 1.0 - chal as f64 / prod as f64;
        assert!((0.005..0.05).contains(&lost), "{prod} vs {chal}");
        assert!(a.column("pre_revenue").expect("col").null_count() > 0);
    }
}

//! The rollout sample log: in December 2025 the credit team rolls a retrained challenger out
//! against the production model on a share of the scoring API's requests, and ramps it up with
//! a latency guardrail that breaks at one step.
//!
//! One row per scoring request, 1–31 December 2025 (UTC), about 2 000 a day with a daily
//! cycle (busy afternoons, quiet nights) and quieter weekends. Each request is served by
//! `production` or `challenger`; the challenger's share follows the ramp
//! 1 % (from 1 Dec) → 5 % (Thu 4 Dec 10:00) → 25 % (Mon 8 Dec 10:00) → 50 % (Mon 15 Dec
//! 10:00) → 100 % (Mon 22 Dec 10:00). Planted on purpose:
//! - `approved` (the success metric): production approves 42 % of applications, the challenger
//!   45 % (it was retrained to accept more good applicants);
//! - `latency_ms` (the guardrail, lower is better): log-normal around 120 ms for both models
//!   until the challenger takes half of the traffic; from the 50 % step on its serving pool
//!   saturates and its latency is 30 % higher — the guardrail breaks at that step;
//! - `error` (a second guardrail): 0.4 % of requests fail on either model, no difference.
//!
//! Deterministic: [`Rng`] from a fixed seed, so `sextant sample-data` writes the same bytes on
//! every machine.

use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::vocab::Rng;
use crate::vocab::time::{MICROS_PER_DAY, days_from_civil, weekday_from_days};

/// File names of the rollout log (Parquet for the app, CSV for people and tools).
pub const ROLLOUT_PARQUET: &str = "credit_rollout.parquet";
pub const ROLLOUT_CSV: &str = "credit_rollout.csv";
/// Seed of the bundled log.
pub const ROLLOUT_SEED: u64 = 20_251_201;

const HOUR: i64 = 3_600_000_000;

/// The ramp: (challenger share, start) with starts as (day of December, hour).
pub const RAMP: [(f64, u32, i64); 5] = [
    (0.01, 1, 0),
    (0.05, 4, 10),
    (0.25, 8, 10),
    (0.50, 15, 10),
    (1.00, 22, 10),
];

/// The challenger's latency factor from the 50 % step on.
pub const SATURATED_LATENCY: f64 = 1.3;

fn december(day: u32, hour: i64) -> i64 {
    days_from_civil(2025, 12, day) * MICROS_PER_DAY + hour * HOUR
}

/// The start of each ramp step, in microseconds since the epoch.
pub fn ramp_starts() -> Vec<i64> {
    RAMP.iter().map(|&(_, d, h)| december(d, h)).collect()
}

/// Requests on an ordinary weekday of the bundled log.
const DAILY: f64 = 2000.0;

/// Mean requests in an hour for `daily` a weekday: a daily cycle peaking mid-afternoon,
/// quieter weekends.
fn hourly_volume(day: i64, hour: i64, daily: f64) -> f64 {
    let cycle = 1.0 + 0.6 * (std::f64::consts::TAU * (hour as f64 - 9.0) / 24.0).sin();
    let weekend = if weekday_from_days(day) >= 5 {
        0.6
    } else {
        1.0
    };
    daily / 24.0 * cycle * weekend
}

/// The rollout log as a frame.
pub fn generate_rollout(seed: u64) -> PolarsResult<DataFrame> {
    generate_rollout_sized(seed, DAILY)
}

/// The same story with `daily` requests on an ordinary weekday instead of 2 000 (the
/// benchmark's larger log: December 2025 has 23 weekdays and 8 weekend days at 0.6, so about 27.8 × `daily`
/// rows).
pub fn generate_rollout_sized(seed: u64, daily: f64) -> PolarsResult<DataFrame> {
    let mut rng = Rng::new(seed);
    let starts = ramp_starts();
    let saturated_from = starts[3];
    let mut request_id = Vec::new();
    let mut timestamp = Vec::new();
    let mut model = Vec::new();
    let mut approved = Vec::new();
    let mut latency = Vec::new();
    let mut error = Vec::new();
    let first_day = days_from_civil(2025, 12, 1);
    for day in first_day..first_day + 31 {
        for hour in 0..24 {
            let hour_start = day * MICROS_PER_DAY + hour * HOUR;
            let n = rng.count(hourly_volume(day, hour, daily));
            let mut offsets: Vec<i64> = (0..n)
                .map(|_| (rng.uniform() * 3600.0) as i64 * 1_000_000)
                .collect();
            offsets.sort_unstable();
            for offset in offsets {
                let t = hour_start + offset;
                let step = starts.partition_point(|&s| s <= t).saturating_sub(1);
                let challenger = rng.uniform() < RAMP[step].0;
                let p_approve = if challenger { 0.45 } else { 0.42 };
                let slow = if challenger && t >= saturated_from {
                    SATURATED_LATENCY
                } else {
                    1.0
                };
                let ms = 120.0 * slow * (0.35 * rng.normal()).exp();
                request_id.push(format!("Q{:07}", request_id.len() + 1));
                timestamp.push(t);
                model.push(if challenger {
                    "challenger"
                } else {
                    "production"
                });
                approved.push(i64::from(rng.uniform() < p_approve));
                latency.push((ms * 10.0).round() / 10.0);
                error.push(i64::from(rng.uniform() < 0.004));
            }
        }
    }
    let timestamp = Int64Chunked::from_vec("timestamp".into(), timestamp)
        .into_datetime(TimeUnit::Microseconds, None)
        .into_series();
    DataFrame::new_infer_height(vec![
        Series::new("request_id".into(), request_id).into(),
        timestamp.into(),
        Series::new("model".into(), model).into(),
        Series::new("approved".into(), approved).into(),
        Series::new("latency_ms".into(), latency).into(),
        Series::new("error".into(), error).into(),
    ])
}

/// Write the rollout log as Parquet and CSV into `dir`; returns the written paths.
pub fn write_rollout_log(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut frame = generate_rollout(ROLLOUT_SEED)?;
    let mut written = Vec::new();
    for name in [ROLLOUT_PARQUET, ROLLOUT_CSV] {
        let path = dir.join(name);
        crate::data::write::write_frame(&mut frame, &path)?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_follows_the_ramp() {
        let df = generate_rollout(3).expect("generate");
        assert!(df.equals_missing(&generate_rollout(3).expect("generate")));
        let models = df.column("model").expect("model");
        let models = models.as_materialized_series().str().expect("text");
        let times = df.column("timestamp").expect("timestamp");
        let times = crate::data::summary::micros_of(times.as_materialized_series()).expect("time");
        let starts = ramp_starts();
        let mut counts = [[0usize; 2]; 5];
        for (m, t) in models.iter().zip(times.into_no_null_iter()) {
            let step = starts.partition_point(|&s| s <= t).saturating_sub(1);
            counts[step][usize::from(m == Some("challenger"))] += 1;
        }
        for (c, (share, _, _)) in counts.iter().zip(RAMP) {
            let got = c[1] as f64 / (c[0] + c[1]) as f64;
            assert!(
                (got - share).abs() < 0.01 + 0.15 * share,
                "{got} vs {share}"
            );
        }
    }
}

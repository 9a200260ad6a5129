//! The served log of the sample story: from 1 September to 31 December 2025 the lender's
//! model re-scores its 400 borrowers every morning, and the collections team calls the
//! borrowers it scores as risky. Two things are planted on purpose:
//!
//! - **A feedback loop.** A call on day t makes the borrower pay part of the balance down, so
//!   their `utilization` is about 0.25 lower on day t + 3 — and `utilization` is an input of
//!   the score. Ten per cent of the borrowers (`served = false`, chosen at random once) are a
//!   holdout: they are scored like everyone else but never called, so their utilization does
//!   not follow the score. The day-to-day swings of the scores (a market-wide factor) make the
//!   share of borrowers called vary from day to day, which is what the Granger test sees:
//!   `sextant feedback` finds "utilization follows the score with a 3-day lag" in the served
//!   rows and not in the holdout.
//! - **A model version switch.** `model_version` is `v1` until 31 October and `v2` from
//!   1 November 2025 (00:00 UTC). v2 weighs the borrower's risk and utilization more and is
//!   less noisy (a higher ROC AUC), and the collections team acts on scores above 0.3 instead
//!   of 0.5 with it — so from the switch the served borrowers' utilization falls while the
//!   holdout's does not (the served/holdout drift timeline).
//!
//! `defaulted` (1 when the borrower defaulted within 90 days of the scoring) is missing from
//! 1 December on: those outcomes have not matured yet. Deterministic: [`Rng`] from a fixed
//! seed, so `sextant sample-data` writes the same bytes on every machine.

use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::vocab::Rng;
use crate::vocab::time::{MICROS_PER_DAY, days_from_civil};

/// File name of the served log.
pub const SERVED_PARQUET: &str = "credit_served.parquet";
/// Seed of the bundled log.
pub const SERVED_SEED: u64 = 20_250_901;
/// Borrowers re-scored every day.
pub const BORROWERS: usize = 400;
/// Share of borrowers in the holdout (never acted upon).
pub const HOLDOUT_SHARE: f64 = 0.10;
/// Days between a collections call and the lower utilization it causes.
pub const LOOP_LAG_DAYS: usize = 3;
/// How much a call lowers utilization, LOOP_LAG_DAYS later.
pub const LOOP_EFFECT: f64 = 0.25;

/// The first day of v2 (µs since the epoch, midnight UTC).
pub fn switch_over() -> i64 {
    days_from_civil(2025, 11, 1) * MICROS_PER_DAY
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// The columns of a served log.
#[derive(Default)]
struct Columns {
    borrower_id: Vec<String>,
    scored_at: Vec<i64>,
    model_version: Vec<&'static str>,
    served: Vec<bool>,
    income: Vec<f64>,
    balance: Vec<f64>,
    utilization: Vec<f64>,
    extra: Vec<Vec<f64>>,
    score: Vec<f64>,
    defaulted: Vec<Option<i64>>,
}

/// One borrower's fixed traits.
struct Borrower {
    risk: f64,
    income: f64,
    balance: f64,
    utilization: f64,
    served: bool,
    /// Scoring minute after 06:00.
    minute: i64,
}

/// Generate `borrowers` × `days` rows from `first_day` (days since the epoch), with `extra`
/// noise features beyond the story's three (for the benchmark).
fn generate(
    seed: u64,
    borrowers: usize,
    first_day: i64,
    days: usize,
    extra: usize,
    switch_day: i64,
    labels_until_day: i64,
) -> Columns {
    let mut rng = Rng::new(seed);
    let people: Vec<Borrower> = (0..borrowers)
        .map(|_| Borrower {
            risk: rng.normal(),
            income: (10.6 + 0.45 * rng.normal()).exp(),
            balance: (8.5 + 0.8 * rng.normal()).exp(),
            utilization: (0.2 + 0.6 * rng.uniform()).clamp(0.0, 1.0),
            served: rng.uniform() >= HOLDOUT_SHARE,
            minute: (rng.uniform() * 120.0) as i64,
        })
        .collect();
    let mut c = Columns {
        extra: vec![Vec::new(); extra],
        ..Columns::default()
    };
    // Each borrower's calls, by day index, for the lagged effect.
    let mut called = vec![vec![false; days]; borrowers];
    for d in 0..days {
        let day = first_day + d as i64;
        let v2 = day >= switch_day;
        // The market-wide factor of the day: moves every score (and the true risk) together.
        let shock = 0.45 * rng.normal();
        for (i, b) in people.iter().enumerate() {
            let paid_down = d >= LOOP_LAG_DAYS && called[i][d - LOOP_LAG_DAYS];
            let utilization = (b.utilization + 0.02 * rng.normal()
                - if paid_down { LOOP_EFFECT } else { 0.0 })
            .clamp(0.0, 1.0);
            let (weight_risk, weight_util, noise) =
                if v2 { (1.1, 1.6, 0.3) } else { (0.7, 1.0, 0.6) };
            let logit = -1.6
                + weight_risk * b.risk
                + weight_util * (utilization - 0.5)
                + shock
                + noise * rng.normal();
            let score = sigmoid(logit);
            let truth = sigmoid(-1.7 + 1.1 * b.risk + 1.6 * (utilization - 0.5) + shock);
            let act_above = if v2 { 0.3 } else { 0.5 };
            called[i][d] = b.served && score > act_above;
            let outcome = i64::from(rng.uniform() < truth);
            c.borrower_id.push(format!("B{:04}", i + 1));
            c.scored_at
                .push(day * MICROS_PER_DAY + (6 * 60 + b.minute) * 60_000_000);
            c.model_version.push(if v2 { "v2" } else { "v1" });
            c.served.push(b.served);
            c.income
                .push((b.income * (1.0 + 0.02 * rng.normal())).round());
            c.balance
                .push((b.balance * (1.0 + 0.05 * rng.normal()) * 100.0).round() / 100.0);
            c.utilization.push((utilization * 1e4).round() / 1e4);
            for e in &mut c.extra {
                e.push(rng.normal());
            }
            c.score.push((score * 1e6).round() / 1e6);
            c.defaulted
                .push((day < labels_until_day).then_some(outcome));
        }
    }
    c
}

fn to_frame(c: Columns) -> PolarsResult<DataFrame> {
    let time = Int64Chunked::from_vec("scored_at".into(), c.scored_at)
        .into_datetime(TimeUnit::Microseconds, None)
        .into_series();
    let mut columns: Vec<Column> = vec![
        Series::new("borrower_id".into(), c.borrower_id).into(),
        time.into(),
        Series::new("model_version".into(), c.model_version).into(),
        Series::new("served".into(), c.served).into(),
        Series::new("income".into(), c.income).into(),
        Series::new("balance".into(), c.balance).into(),
        Series::new("utilization".into(), c.utilization).into(),
    ];
    for (k, e) in c.extra.into_iter().enumerate() {
        columns.push(Series::new(format!("feature_{k:02}").into(), e).into());
    }
    columns.push(Series::new("score".into(), c.score).into());
    columns.push(Series::new("defaulted".into(), c.defaulted).into());
    DataFrame::new_infer_height(columns)
}

/// The bundled served log: 400 borrowers × 122 days.
pub fn generate_served(seed: u64) -> PolarsResult<DataFrame> {
    let first = days_from_civil(2025, 9, 1);
    let days = (days_from_civil(2026, 1, 1) - first) as usize;
    to_frame(generate(
        seed,
        BORROWERS,
        first,
        days,
        0,
        days_from_civil(2025, 11, 1),
        days_from_civil(2025, 12, 1),
    ))
}

/// A served log for the benchmark: about `rows` rows over `days` days, the story's three
/// features and `features − 3` noise features (at least the story's three).
pub fn bench_served(
    rows: usize,
    days: usize,
    features: usize,
    seed: u64,
) -> PolarsResult<DataFrame> {
    let days = days.max(2);
    let borrowers = (rows / days).max(10);
    let first = days_from_civil(2025, 1, 1);
    to_frame(generate(
        seed,
        borrowers,
        first,
        days,
        features.saturating_sub(3),
        first + days as i64 / 2,
        first + days as i64,
    ))
}

/// Write the served log as Parquet into `dir`; returns the written path.
pub fn write_served_log(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut frame = generate_served(SERVED_SEED)?;
    let path = dir.join(SERVED_PARQUET);
    crate::data::write::write_frame(&mut frame, &path)?;
    Ok(vec![path])
}

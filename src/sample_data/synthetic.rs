//! A clean pair of datasets from one distribution, for the "no false alarms" test and the
//! speed benchmark: ids, a Poisson-arrival timestamp, numbers (normal, log-normal, uniform,
//! counts, with a few nulls and NaN), categories (one rare), a boolean, an almost-constant
//! column, a probability score and a 0/1 label. Deterministic for a seed.

use polars::prelude::*;

use crate::vocab::Rng;
use crate::vocab::time::{MICROS_PER_DAY, days_from_civil};

/// Reference and current frames of `rows_ref` and `rows_cur` rows with `columns` columns
/// (at least 6; beyond the 20 built-in ones, extra normal features are added). The current
/// data has the same daily volume as the reference (which spans 2024), starts on 2025-06-01,
/// and has different ids.
pub fn clean_pair(
    rows_ref: usize,
    rows_cur: usize,
    columns: usize,
    seed: u64,
) -> PolarsResult<(DataFrame, DataFrame)> {
    let start_cur = days_from_civil(2025, 6, 1) * MICROS_PER_DAY;
    let (r, rate_per_micro) = reference(rows_ref, columns, seed)?;
    let c = frame(
        rows_cur,
        columns,
        seed ^ 0x9e37_79b9,
        "C",
        start_cur,
        rate_per_micro,
        false,
    )?;
    Ok((r, c))
}

/// [`clean_pair`] with problems planted in the current data, for benchmarking the work a
/// finding costs (timelines, examples, the id join): the reference's rows served again (same
/// ids, times and values; every row joins), with `debt_ratio` missing in 35 % of the last
/// third of the rows, an unseen `employment` value in 9 % of rows, incomes 30 % lower (out of
/// range, and skew) and `signal` off by 0.001 in every tenth row (skew).
pub fn dirty_pair(
    rows_ref: usize,
    rows_cur: usize,
    columns: usize,
    seed: u64,
) -> PolarsResult<(DataFrame, DataFrame)> {
    let (r, rate_per_micro) = reference(rows_ref, columns, seed)?;
    // Re-served rows keep their times.
    let c = frame(
        rows_cur,
        columns,
        seed,
        "R",
        reference_start(),
        rate_per_micro,
        true,
    )?;
    Ok((r, c))
}

/// The reference starts on 2024-01-01.
fn reference_start() -> i64 {
    days_from_civil(2024, 1, 1) * MICROS_PER_DAY
}

/// The reference frame (2024, one year of Poisson arrivals) and its arrival rate per µs, which
/// the current data shares.
fn reference(rows: usize, columns: usize, seed: u64) -> PolarsResult<(DataFrame, f64)> {
    let rate_per_micro = rows.max(1) as f64 / (365.0 * MICROS_PER_DAY as f64);
    let frame = frame(
        rows,
        columns,
        seed,
        "R",
        reference_start(),
        rate_per_micro,
        false,
    )?;
    Ok((frame, rate_per_micro))
}

fn frame(
    n: usize,
    columns: usize,
    seed: u64,
    id_prefix: &str,
    start: i64,
    rate: f64,
    dirty: bool,
) -> PolarsResult<DataFrame> {
    let mut rng = Rng::new(seed);
    let mut t = start as f64;
    let mut ts = Vec::with_capacity(n);
    for _ in 0..n {
        t += -(1.0 - rng.uniform()).ln() / rate;
        ts.push(t as i64);
    }
    let ids: Vec<String> = (0..n).map(|i| format!("{id_prefix}{i:08}")).collect();
    let mut normal =
        |mean: f64, sd: f64| -> Vec<f64> { (0..n).map(|_| mean + sd * rng.normal()).collect() };
    let age: Vec<i64> = normal(40.0, 12.0)
        .into_iter()
        .map(|v| v.round().clamp(18.0, 90.0) as i64)
        .collect();
    let shift = if dirty { 0.7 } else { 1.0 };
    let income: Vec<f64> = normal(10.8, 0.5)
        .into_iter()
        .map(|v| (v.exp() * shift).round())
        .collect();
    // One generator per column, so that a problem planted in one column leaves the others'
    // values as they were.
    let stream = |k: u64| Rng::new(seed.wrapping_add(k.wrapping_mul(0x9e37_79b9_7f4a_7c15)));
    let pick = |k: u64, levels: &[&'static str], weights: &[f64]| -> Vec<&'static str> {
        let mut rng = stream(k);
        (0..n).map(|_| levels[rng.choose(weights)]).collect()
    };
    let region = pick(
        1,
        &["north", "south", "east", "west", "central"],
        &[0.3, 0.2, 0.2, 0.2, 0.1],
    );
    let mut employment = pick(
        2,
        &[
            "salaried",
            "self_employed",
            "contractor",
            "retired",
            "unemployed",
            "other",
        ],
        &[0.5, 0.2, 0.15, 0.1, 0.049, 0.001],
    );
    if dirty {
        let mut rng = stream(20);
        for e in employment.iter_mut() {
            if rng.uniform() < 0.09 {
                *e = "gig_worker";
            }
        }
    }
    let plan = pick(3, &["basic", "plus", "premium"], &[0.6, 0.3, 0.1]);
    let mut rng = stream(4);
    let ratio: Vec<Option<f64>> = (0..n)
        .map(|i| {
            let missing = if dirty && i > 2 * n / 3 { 0.35 } else { 0.02 };
            let (u, v) = (rng.uniform(), rng.uniform());
            (u >= missing).then(|| (v * 0.8 * 1000.0).round() / 1000.0)
        })
        .collect();
    let mut rng = stream(5);
    let with_nan: Vec<f64> = (0..n)
        .map(|i| {
            let (u, z) = (rng.uniform(), rng.normal());
            if u < 0.005 {
                f64::NAN
            } else if dirty && i % 10 == 0 {
                z + 0.001
            } else {
                z
            }
        })
        .collect();
    let mut rng = stream(6);
    let accounts: Vec<i64> = (0..n).map(|_| rng.count(4.0) as i64).collect();
    let mut rng = stream(7);
    let flag: Vec<bool> = (0..n).map(|_| rng.uniform() < 0.3).collect();
    let mut rng = stream(8);
    let rare_bonus: Vec<f64> = (0..n)
        .map(|_| if rng.uniform() < 0.97 { 0.0 } else { 100.0 })
        .collect();
    let mut rng = stream(9);
    let uniform: Vec<f64> = (0..n).map(|_| rng.uniform() * 10.0).collect();
    let score: Vec<f64> = (0..n)
        .map(|i| {
            let z = -2.0 + 0.02 * (age[i] as f64 - 40.0) + 0.8 * with_nan[i].clamp(-3.0, 3.0);
            let z = if z.is_nan() { -2.0 } else { z };
            ((1.0 / (1.0 + (-z).exp())) * 10_000.0).round() / 10_000.0
        })
        .collect();
    let label: Vec<i64> = score
        .iter()
        .map(|s| i64::from(rng.uniform() < *s))
        .collect();
    let mut cols: Vec<Column> = vec![
        Column::new("row_id".into(), ids),
        Column::new("event_time".into(), ts)
            .cast(&DataType::Datetime(TimeUnit::Microseconds, None))?,
        Column::new("age".into(), age),
        Column::new("income".into(), income),
        Column::new("region".into(), region),
        Column::new("employment".into(), employment),
        Column::new("plan".into(), plan),
        Column::new("debt_ratio".into(), ratio),
        Column::new("signal".into(), with_nan),
        Column::new("accounts".into(), accounts),
        Column::new("flag".into(), flag),
        Column::new("bonus".into(), rare_bonus),
        Column::new("uniform".into(), uniform),
    ];
    let mut rng = Rng::new(seed.wrapping_add(3));
    let mut extra = 0;
    while cols.len() + 2 < columns {
        let v: Vec<f64> = (0..n)
            .map(|_| (rng.normal() * 1000.0).round() / 1000.0)
            .collect();
        cols.push(Column::new(format!("x{extra}").into(), v));
        extra += 1;
    }
    cols.push(Column::new("score".into(), score));
    cols.push(Column::new("label".into(), label));
    cols.truncate(columns.max(6));
    DataFrame::new(n, cols)
}

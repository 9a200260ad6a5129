//! The bundled sample story: a credit-risk model scoring loan applications.
//!
//! Training (reference) covers 2024; production (current) covers September–December 2025,
//! after an economic shock. Production differs from training in the ways that break models in
//! real life, each planted on purpose so every view of Sextant has something to find:
//! - income shifts down by about 15 % and spreads out;
//! - a new employment category, `gig_worker`, appears (the model never saw it);
//! - `open_accounts` is renamed `num_open_accounts` by an upstream schema change;
//! - from 2025-11-15 a pipeline change leaves `debt_to_income` missing in about 35 % of rows,
//!   and the serving code imputes 0.30 for the score (training-serving skew);
//! - labels (`defaulted`) arrive only for applications up to 2025-11-30; in the labelled weeks
//!   from 2025-11-01 the true default risk of the self-employed, contractors and gig workers
//!   rises and income matters more (P(y|X) changes: concept drift);
//! - application volume has a weekly cycle (quiet weekends) and an end-of-year rise with a
//!   Christmas dip, in both periods.
//!
//! [`synthetic`] holds the clean (and deliberately dirtied) pairs of the integrity tests and
//! benchmark.
//!
//! Generation is deterministic: a fixed seed and a self-contained generator (SplitMix64), so
//! `sextant sample-data` writes byte-identical files on every machine.

pub mod experiment;
pub mod partitioned;
pub mod rollout;
pub mod scored;
pub mod served;
pub mod synthetic;

use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::vocab::Rng;
use crate::vocab::time::{MICROS_PER_DAY, days_from_civil, weekday_from_days};

/// File names of the bundled pair (Parquet is what the app opens; CSV is for people and tools).
pub const TRAINING_PARQUET: &str = "credit_training.parquet";
pub const PRODUCTION_PARQUET: &str = "credit_production.parquet";
pub const TRAINING_CSV: &str = "credit_training.csv";
pub const PRODUCTION_CSV: &str = "credit_production.csv";

/// Parameters of the generator.
#[derive(Debug, Clone)]
pub struct SampleParams {
    /// Mean applications on an ordinary weekday.
    pub daily_volume: f64,
    pub seed: u64,
}

impl Default for SampleParams {
    fn default() -> Self {
        Self {
            daily_volume: 70.0,
            seed: 20_240_101,
        }
    }
}

const EMPLOYMENT: [&str; 6] = [
    "salaried",
    "self_employed",
    "contractor",
    "unemployed",
    "retired",
    "gig_worker",
];
const HOME: [&str; 3] = ["rent", "mortgage", "own"];
const REGION: [&str; 5] = ["north", "south", "east", "west", "central"];

/// Which period is being generated.
#[derive(Clone, Copy, PartialEq)]
enum Period {
    Training,
    Production,
}

#[derive(Default)]
struct Columns {
    application_id: Vec<String>,
    applied_at: Vec<i64>,
    age: Vec<i64>,
    income: Vec<f64>,
    employment_type: Vec<&'static str>,
    home_ownership: Vec<&'static str>,
    region: Vec<&'static str>,
    open_accounts: Vec<i64>,
    credit_score: Vec<i64>,
    loan_amount: Vec<f64>,
    loan_term_months: Vec<i64>,
    debt_to_income: Vec<Option<f64>>,
    score: Vec<f64>,
    defaulted: Vec<Option<i64>>,
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

fn round_to(v: f64, decimals: i32) -> f64 {
    let f = 10f64.powi(decimals);
    (v * f).round() / f
}

/// Seasonal volume multiplier for a day: weekly cycle × end-of-year rise with a Christmas dip.
fn volume_factor(days: i64) -> f64 {
    const WEEK: [f64; 7] = [1.15, 1.1, 1.1, 1.05, 1.0, 0.55, 0.45];
    let weekly = WEEK[weekday_from_days(days) as usize];
    let (_, month, day) = crate::vocab::time::civil_from_days(days);
    let year_end = match (month, day) {
        (12, 24..=26) => 0.5,
        (12, 27..=31) => 1.35,
        (12, d) => 1.0 + 0.5 * f64::from(d) / 23.0,
        (11, d) if d >= 20 => 1.1,
        _ => 1.0,
    };
    weekly * year_end
}

/// The model's log-odds for an applicant (what produced `score`), and the true log-odds that
/// produced the label; they differ in production after the concept change.
struct Applicant {
    age: f64,
    income: f64,
    employment: usize,
    open_accounts: f64,
    credit_score: f64,
    loan_amount: f64,
    long_term: bool,
    dti: f64,
}

fn model_logit(a: &Applicant, dti_seen: f64) -> f64 {
    const EMP: [f64; 6] = [0.0, 0.35, 0.25, 0.9, 0.1, 0.0];
    -2.0 - 0.012 * (a.credit_score - 680.0) - 0.5 * (a.income / 52_000.0).ln()
        + 2.5 * (dti_seen - 0.3)
        + 0.25 * (a.loan_amount / 15_000.0).ln()
        + 0.08 * (a.open_accounts - 4.0)
        - 0.01 * (a.age - 41.0)
        + EMP[a.employment]
        + if a.long_term { 0.2 } else { 0.0 }
}

fn true_logit(a: &Applicant, concept_changed: bool) -> f64 {
    let mut z = model_logit(a, a.dti);
    if a.employment == 5 {
        z += 0.6; // gig workers are riskier than the model (which never saw them) assumes
    }
    if concept_changed {
        if matches!(a.employment, 1 | 2 | 5) {
            z += 0.8;
        }
        z -= 0.5 * (a.income / 52_000.0).ln();
    }
    z
}

fn generate(period: Period, params: &SampleParams, rng: &mut Rng, first_id: usize) -> Columns {
    let (start, end) = match period {
        Period::Training => (days_from_civil(2024, 1, 1), days_from_civil(2024, 12, 31)),
        Period::Production => (days_from_civil(2025, 9, 1), days_from_civil(2025, 12, 31)),
    };
    let pipeline_change = days_from_civil(2025, 11, 15);
    let concept_change = days_from_civil(2025, 11, 1);
    let labels_until = days_from_civil(2025, 11, 30);
    let mut c = Columns::default();
    let mut next_id = first_id;
    for day in start..=end {
        // A slow growth trend on top of the seasonal factors.
        let growth = 1.0 + 0.0004 * (day - days_from_civil(2024, 1, 1)) as f64;
        let n = rng.count(params.daily_volume * volume_factor(day) * growth);
        let mut times: Vec<i64> = (0..n)
            .map(|_| (7.0 * 3600.0 + rng.uniform() * 15.0 * 3600.0) as i64 * 1_000_000)
            .collect();
        times.sort_unstable();
        for t in times {
            let production = period == Period::Production;
            let age = (41.0 + 12.0 * rng.normal()).clamp(18.0, 80.0).round();
            let shock = if production { 0.85 } else { 1.0 };
            let spread = if production { 0.55 } else { 0.45 };
            let income = round_to((52_000f64.ln() + spread * rng.normal()).exp() * shock, 0);
            let employment = if production {
                rng.choose(&[0.50, 0.17, 0.13, 0.05, 0.06, 0.09])
            } else {
                rng.choose(&[0.58, 0.17, 0.13, 0.05, 0.07, 0.0])
            };
            let home = rng.choose(&[0.42, 0.38, 0.20]);
            let region = rng.choose(&[0.22, 0.18, 0.2, 0.25, 0.15]);
            let open_accounts = rng.count(3.0 + (age - 18.0) / 20.0).min(20) as f64;
            let credit_score = (680.0 - if production { 10.0 } else { 0.0 }
                + 60.0 * rng.normal()
                + 40.0 * (income / 52_000.0).ln())
            .clamp(300.0, 850.0)
            .round();
            let loan_amount = round_to(
                ((0.3 * income).ln() + 0.5 * rng.normal())
                    .exp()
                    .clamp(1_000.0, 150_000.0),
                0,
            );
            let long_term = rng.uniform() < 0.35;
            let dti = round_to((0.28 + 0.1 * rng.normal()).clamp(0.01, 0.9), 3);
            let applicant = Applicant {
                age,
                income,
                employment,
                open_accounts,
                credit_score,
                loan_amount,
                long_term,
                dti,
            };
            let missing_rate = if production && day >= pipeline_change {
                0.35
            } else {
                0.01
            };
            let dti_value = (rng.uniform() >= missing_rate).then_some(dti);
            // Serving imputes the training mean when the value is missing.
            let score = sigmoid(model_logit(&applicant, dti_value.unwrap_or(0.3)));
            let p_true = sigmoid(true_logit(&applicant, production && day >= concept_change));
            let label = i64::from(rng.uniform() < p_true);
            let labelled = !production || day <= labels_until;

            c.application_id.push(format!("A{next_id:07}"));
            next_id += 1;
            c.applied_at.push(day * MICROS_PER_DAY + t);
            c.age.push(age as i64);
            c.income.push(income);
            c.employment_type.push(EMPLOYMENT[employment]);
            c.home_ownership.push(HOME[home]);
            c.region.push(REGION[region]);
            c.open_accounts.push(open_accounts as i64);
            c.credit_score.push(credit_score as i64);
            c.loan_amount.push(loan_amount);
            c.loan_term_months.push(if long_term { 60 } else { 36 });
            c.debt_to_income.push(dti_value);
            c.score.push(round_to(score, 4));
            c.defaulted.push(labelled.then_some(label));
        }
    }
    c
}

fn to_frame(c: Columns, period: Period) -> PolarsResult<DataFrame> {
    let applied_at = Int64Chunked::from_vec("applied_at".into(), c.applied_at)
        .into_datetime(TimeUnit::Microseconds, None)
        .into_series();
    let accounts_name = match period {
        Period::Training => "open_accounts",
        Period::Production => "num_open_accounts",
    };
    DataFrame::new_infer_height(vec![
        Series::new("application_id".into(), c.application_id).into(),
        applied_at.into(),
        Series::new("age".into(), c.age).into(),
        Series::new("income".into(), c.income).into(),
        Series::new("employment_type".into(), c.employment_type).into(),
        Series::new("home_ownership".into(), c.home_ownership).into(),
        Series::new("region".into(), c.region).into(),
        Series::new(accounts_name.into(), c.open_accounts).into(),
        Series::new("credit_score".into(), c.credit_score).into(),
        Series::new("loan_amount".into(), c.loan_amount).into(),
        Series::new("loan_term_months".into(), c.loan_term_months).into(),
        Series::new("debt_to_income".into(), c.debt_to_income).into(),
        Series::new("score".into(), c.score).into(),
        Series::new("defaulted".into(), c.defaulted).into(),
    ])
}

/// The training and production frames of the sample story.
pub fn generate_pair(params: &SampleParams) -> PolarsResult<(DataFrame, DataFrame)> {
    let mut rng = Rng::new(params.seed);
    let training = generate(Period::Training, params, &mut rng, 1);
    let first_prod_id = training.application_id.len() + 1;
    let production = generate(Period::Production, params, &mut rng, first_prod_id);
    Ok((
        to_frame(training, Period::Training)?,
        to_frame(production, Period::Production)?,
    ))
}

/// Write the sample pair as Parquet and CSV into `dir`; returns the written paths.
pub fn write_sample_data(dir: &Path, params: &SampleParams) -> anyhow::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let (mut training, mut production) = generate_pair(params)?;
    let mut written = Vec::new();
    for (frame, parquet, csv) in [
        (&mut training, TRAINING_PARQUET, TRAINING_CSV),
        (&mut production, PRODUCTION_PARQUET, PRODUCTION_CSV),
    ] {
        let path = dir.join(parquet);
        crate::data::write::write_frame(frame, &path)?;
        written.push(path);
        let path = dir.join(csv);
        crate::data::write::write_frame(frame, &path)?;
        written.push(path);
    }
    written.extend(partitioned::write_by_month(dir, &production)?);
    written.extend(rollout::write_rollout_log(dir)?);
    written.extend(experiment::write(dir, &Default::default())?);
    written.extend(scored::write(dir)?);
    written.extend(served::write_served_log(dir)?);
    Ok(written)
}

/// Where the bundled sample data lives: `./sample_data` when run from the project folder,
/// else the folder this binary was built from.
pub fn bundled_dir() -> Option<PathBuf> {
    let local = PathBuf::from("sample_data");
    if local.join(TRAINING_PARQUET).is_file() {
        return Some(local);
    }
    let built = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data");
    built.join(TRAINING_PARQUET).is_file().then_some(built)
}

/// A large synthetic pair for benchmarks: `rows` rows × 20 mixed columns per side (12 float,
/// 3 integer, 5 string), with shifts planted in some columns of the current side.
pub fn bench_pair(rows: usize, seed: u64) -> PolarsResult<(DataFrame, DataFrame)> {
    let mut rng = Rng::new(seed);
    let reference = bench_frame(rows, false, &mut rng)?;
    let current = bench_frame(rows, true, &mut rng)?;
    Ok((reference, current))
}

/// The benchmark pair of the windowed and whole-report paths: `rows` rows × 20 columns per
/// side — 10 float, 3 integer and 4 string features, an `event_time` spanning 26 weeks in the
/// reference and the 13 weeks after it in the current data (rows in time order), a 0/1
/// `label` and a model `score` that is informative on the reference and less so on the
/// current side — with the same planted shifts as [`bench_pair`].
pub fn bench_timed_pair(rows: usize, seed: u64) -> PolarsResult<(DataFrame, DataFrame)> {
    let mut rng = Rng::new(seed);
    let start = crate::vocab::time::days_from_civil(2025, 1, 6);
    let reference = bench_timed_frame(rows, false, start, 26 * 7, &mut rng)?;
    let current = bench_timed_frame(rows, true, start + 26 * 7, 13 * 7, &mut rng)?;
    Ok((reference, current))
}

fn bench_timed_frame(
    rows: usize,
    shifted: bool,
    start_day: i64,
    days: i64,
    rng: &mut Rng,
) -> PolarsResult<DataFrame> {
    let mut frame = bench_frame(rows, shifted, rng)?;
    frame = frame.drop_many(["f10", "f11", "s4"]);
    let day = crate::vocab::time::MICROS_PER_DAY;
    let span = days * day;
    let step = span as f64 / rows.max(1) as f64;
    let times: Vec<i64> = (0..rows)
        .map(|i| start_day * day + (i as f64 * step) as i64)
        .collect();
    let time = Int64Chunked::from_vec("event_time".into(), times)
        .into_datetime(TimeUnit::Microseconds, None)
        .into_series();
    let f1 = frame.column("f1")?.f64()?.clone();
    let f2 = frame.column("f2")?.f64()?.clone();
    // The model read f1 and f2; in production the label depends on them less (concept drift).
    let weight = if shifted { 0.5 } else { 1.0 };
    let mut label = Vec::with_capacity(rows);
    let mut score = Vec::with_capacity(rows);
    for (a, b) in f1.into_no_null_iter().zip(f2.into_no_null_iter()) {
        let logit = 0.08 * (a - 50.0) - 0.06 * (b - 50.0);
        let truth = weight * logit + (1.0 - weight) * rng.normal();
        let p = 1.0 / (1.0 + (-truth).exp());
        label.push(i64::from(rng.uniform() < p));
        score.push(1.0 / (1.0 + (-logit).exp()));
    }
    frame.with_column(Column::from(time))?;
    frame.with_column(Column::from(Series::new("label".into(), label)))?;
    frame.with_column(Column::from(Series::new("score".into(), score)))?;
    Ok(frame)
}

fn bench_frame(rows: usize, shifted: bool, rng: &mut Rng) -> PolarsResult<DataFrame> {
    let s = if shifted { 1.0 } else { 0.0 };
    let mut columns: Vec<Column> = Vec::with_capacity(20);
    for k in 0..12 {
        // Column k: a normal (or log-normal) with a shift that grows with k on the current side.
        let shift = s * 0.05 * k as f64;
        let missing = if k == 4 { 0.05 } else { 0.0 };
        let values: Vec<Option<f64>> = (0..rows)
            .map(|_| {
                if rng.uniform() < missing {
                    return None;
                }
                let z = rng.normal() + shift;
                Some(if k % 3 == 0 {
                    (z * 0.5).exp() * 100.0
                } else {
                    z * 10.0 + 50.0
                })
            })
            .collect();
        columns.push(Series::new(format!("f{k}").into(), values).into());
    }
    let counts: Vec<i64> = (0..rows)
        .map(|_| rng.count(3.0 + s * 0.3).min(20) as i64)
        .collect();
    columns.push(Series::new("i0".into(), counts).into());
    let uniform: Vec<i64> = (0..rows).map(|_| (rng.uniform() * 1000.0) as i64).collect();
    columns.push(Series::new("i1".into(), uniform).into());
    let ages: Vec<i64> = (0..rows)
        .map(|_| (40.0 + 12.0 * rng.normal() + s * 2.0).clamp(18.0, 90.0) as i64)
        .collect();
    columns.push(Series::new("i2".into(), ages).into());
    let pick =
        |rng: &mut Rng, labels: &[&'static str], weights: &[f64]| labels[rng.choose(weights)];
    let many: Vec<String> = (0..50).map(|i| format!("city_{i:02}")).collect();
    let s0: Vec<&str> = (0..rows)
        .map(|_| {
            pick(
                rng,
                &["a", "b", "c", "d", "e"],
                &[0.3, 0.25, 0.2, 0.15, 0.1 + s * 0.1],
            )
        })
        .collect();
    columns.push(Series::new("s0".into(), s0).into());
    let s1: Vec<&str> = (0..rows)
        .map(|_| many[(rng.uniform() * 50.0) as usize % 50].as_str())
        .collect();
    columns.push(Series::new("s1".into(), s1).into());
    let s2: Vec<&str> = (0..rows)
        .map(|_| pick(rng, &["yes", "no"], &[0.6, 0.4]))
        .collect();
    columns.push(Series::new("s2".into(), s2).into());
    let s3: Vec<&str> = (0..rows)
        .map(|_| pick(rng, &["x", "y", "z", "new"], &[0.5, 0.3, 0.2, s * 0.05]))
        .collect();
    columns.push(Series::new("s3".into(), s3).into());
    let s4: Vec<&str> = (0..rows)
        .map(|_| pick(rng, &["low", "mid", "high"], &[0.3, 0.4, 0.3]))
        .collect();
    columns.push(Series::new("s4".into(), s4).into());
    DataFrame::new_infer_height(columns)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generator_is_deterministic_and_tells_the_story() {
        let params = SampleParams {
            daily_volume: 10.0,
            seed: 7,
        };
        let (a, b) = generate_pair(&params).expect("generate");
        let (a2, _) = generate_pair(&params).expect("generate");
        assert!(a.equals_missing(&a2));
        assert!(a.column("open_accounts").is_ok());
        assert!(b.column("num_open_accounts").is_ok());
        let gig = |df: &DataFrame| {
            df.column("employment_type")
                .expect("col")
                .as_materialized_series()
                .str()
                .expect("str")
                .iter()
                .filter(|v| *v == Some("gig_worker"))
                .count()
        };
        assert_eq!(gig(&a), 0);
        assert!(gig(&b) > 0);
        // Labels missing only in production's last month.
        assert_eq!(a.column("defaulted").expect("col").null_count(), 0);
        assert!(b.column("defaulted").expect("col").null_count() > 0);
    }
}

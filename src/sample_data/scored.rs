//! The bundled champion/challenger file: before the December experiment, the credit team
//! scores 6 000 November applications whose 90-day outcome is known with both the production
//! model (`production_score`) and the retrained challenger (`challenger_score`), offline, on
//! the same rows — the Experiments tab's Compare mode and `sextant compare` read it.
//!
//! Planted on purpose: the challenger ranks better (its score follows the applicant's true
//! risk more closely, so its ROC AUC is higher and DeLong's test says so) and its log loss is
//! lower; 40 applications have no recorded outcome yet (`defaulted` is missing), which the
//! comparison leaves out and counts.

use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::vocab::Rng;

/// File name of the bundled champion/challenger file.
pub const SCORED_PARQUET: &str = "credit_champion_challenger.parquet";

/// Labelled applications in the file.
pub const APPLICATIONS: usize = 6000;

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// The scored applications.
pub fn generate(seed: u64) -> PolarsResult<DataFrame> {
    let mut rng = Rng::new(seed);
    let mut id = Vec::with_capacity(APPLICATIONS);
    let mut defaulted: Vec<Option<i64>> = Vec::with_capacity(APPLICATIONS);
    let mut production = Vec::with_capacity(APPLICATIONS);
    let mut challenger = Vec::with_capacity(APPLICATIONS);
    for i in 0..APPLICATIONS {
        // The applicant's true risk on the log-odds scale (about 14 % default).
        let risk = rng.normal();
        let p = sigmoid(-2.0 + 1.3 * risk);
        let outcome = i64::from(rng.uniform() < p);
        // Each model sees the risk through its own noise; the challenger's is smaller.
        let seen_production = 0.78 * risk + 0.63 * rng.normal();
        let seen_challenger = 0.88 * risk + 0.47 * rng.normal();
        id.push(format!("N{:06}", i + 1));
        defaulted.push((i % 150 != 149).then_some(outcome));
        production.push(round4(sigmoid(-1.95 + 1.15 * seen_production)));
        challenger.push(round4(sigmoid(-2.0 + 1.25 * seen_challenger)));
    }
    DataFrame::new_infer_height(vec![
        Series::new("application_id".into(), id).into(),
        Series::new("defaulted".into(), defaulted).into(),
        Series::new("production_score".into(), production).into(),
        Series::new("challenger_score".into(), challenger).into(),
    ])
}

/// Write the scored file as Parquet into `dir`; returns the written path.
pub fn write(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut frame = generate(20_251_130)?;
    let path = dir.join(SCORED_PARQUET);
    crate::data::write::write_frame(&mut frame, &path)?;
    Ok(vec![path])
}

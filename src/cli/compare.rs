//! `sextant compare`: champion against challenger offline — two score columns on the same
//! labelled rows: each model's ROC AUC, accuracy and log loss, DeLong's and McNemar's tests,
//! a paired bootstrap of the differences and a verdict.

use crate::engine::ranges;
use std::path::PathBuf;

use clap::Args;

use super::{CliError, EXIT_OK, OutputFormat, load_dataset};
use crate::analysis::experiment::offline::{DEFAULT_AUC_RESAMPLES, DEFAULT_RESAMPLES};
use crate::data::load::file_name;
use crate::engine::compare::{CompareSettings, DEFAULT_ROC_POINTS, DEFAULT_SEED, run};
use crate::present::compare::{to_json, to_table};
use crate::present::json::to_text;
use crate::vocab::Progress;

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Labelled rows with both models' scores (CSV, Parquet, Arrow IPC, NDJSON).
    #[arg(long, value_name = "FILE")]
    pub data: PathBuf,
    /// The 0/1 label column.
    #[arg(long, value_name = "COL")]
    pub target: String,
    /// The current model's P(positive) column.
    #[arg(long, value_name = "COL")]
    pub champion: String,
    /// The candidate model's P(positive) column.
    #[arg(long, value_name = "COL")]
    pub challenger: String,
    /// A row is predicted positive when its score is at least this (accuracy, McNemar), in
    /// [0, 1].
    #[arg(long, default_value_t = 0.5, allow_negative_numbers = true)]
    pub threshold: f64,
    /// Level of the tests, in (0, 1); the intervals are at 1 − alpha.
    #[arg(long, default_value_t = 0.05, allow_negative_numbers = true)]
    pub alpha: f64,
    /// Paired bootstrap resamples for the log-loss and accuracy differences, 100 to 100000.
    #[arg(long, default_value_t = DEFAULT_RESAMPLES)]
    pub resamples: usize,
    /// How many of them also give an AUC difference (each costs a pass over both sorted
    /// score columns); 0 for none, at most --resamples.
    #[arg(long, default_value_t = DEFAULT_AUC_RESAMPLES)]
    pub auc_resamples: usize,
    /// Seed of the bootstrap (any whole number from 0 to 2^64 − 1).
    #[arg(long, default_value_t = DEFAULT_SEED)]
    pub seed: u64,
    /// Points kept of each ROC curve in the JSON: 0 (all) or 10 to 1000000.
    #[arg(long, default_value_t = DEFAULT_ROC_POINTS, allow_negative_numbers = true, value_parser = ranges::ROC_POINTS.parser())]
    pub roc_points: usize,
    #[arg(long, value_enum, default_value_t)]
    pub format: OutputFormat,
}

/// The flags as settings.
pub fn settings(args: &CompareArgs) -> CompareSettings {
    CompareSettings {
        target: args.target.clone(),
        champion: args.champion.clone(),
        challenger: args.challenger.clone(),
        threshold: args.threshold,
        alpha: args.alpha,
        resamples: args.resamples,
        auc_resamples: args.auc_resamples,
        seed: args.seed,
        roc_points: args.roc_points,
    }
}

/// `sextant compare`.
pub fn run_command(args: &CompareArgs) -> Result<u8, CliError> {
    let settings = settings(args);
    // Absurd flags are refused before a large file is read.
    settings.check(&file_name(&args.data))?;
    let data = load_dataset(&args.data)?;
    let outcome = run(&data, &settings, &Progress::silent())?;
    let name = args.data.display().to_string();
    print!(
        "{}",
        match args.format {
            OutputFormat::Json => to_text(&to_json(&name, &outcome)),
            OutputFormat::Table => to_table(&name, &outcome),
        }
    );
    Ok(EXIT_OK)
}

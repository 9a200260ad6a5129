//! `sextant retrain`: the retraining lab's backtest of policies × modes (RETRAINING.md) on the
//! training and production files end to end, with a stand-in logistic regression Sextant trains
//! itself; and `sextant retrain --progressive`: River-equal progressive validation of the
//! incremental learner alone on one file.
//!
//! The flags become [`RetrainSettings`]; `engine::retrain` runs; `present::retrain` writes the
//! table, the JSON (its contract is documented there) and the predictions CSV.

use std::path::PathBuf;

use clap::Args;

use super::{CliError, EXIT_OK, OutputFormat, load_dataset_light, load_pair, write_output};
use crate::analysis::retrain::policy::parse_duration;
use crate::analysis::retrain::{Mode, Policy, WindowUnit};
use crate::data::RoleMap;
use crate::engine::retrain::{
    RetrainInputs, RetrainSettings, run as run_backtest, run_progressive,
};
use crate::present::json::to_text;
use crate::present::retrain as present;
use crate::vocab::Progress;

#[derive(Debug, Args)]
pub struct RetrainArgs {
    /// Training (reference) file: its rows come first in time and train the initial model.
    #[arg(long, value_name = "FILE")]
    pub reference: Option<PathBuf>,
    /// Production (current) file: the windows the policies are scored on.
    #[arg(long, value_name = "FILE")]
    pub current: PathBuf,
    /// The 0/1 label column [default: the column with the target role].
    #[arg(long, value_name = "COL")]
    pub target: Option<String>,
    /// The timestamp column [default: by role].
    #[arg(long, value_name = "COL")]
    pub time: Option<String>,
    /// Feature columns, comma-separated (training names) [default: every feature column].
    #[arg(long, value_name = "A,B,C", value_delimiter = ',')]
    pub features: Option<Vec<String>>,
    /// Labels become known this long after their row's time: 3d, 12h, 2w, 0d (at most 100
    /// years).
    #[arg(long, value_name = "DURATION", default_value = "0d", value_parser = parse_duration, conflicts_with = "label_time")]
    pub label_delay: i64,
    /// A column saying when each row's label became known (null = never).
    #[arg(long, value_name = "COL")]
    pub label_time: Option<String>,
    /// Window size: day, week or month (anchored at midnight UTC of the first row's day).
    #[arg(long, default_value = "week", value_parser = parse_unit)]
    pub windows: WindowUnit,
    /// A policy (repeatable): never, every:N, on-drift:adwin|ddm|page-hinkley,
    /// floor:accuracy<X, drift-share:X [default: never, every:4, on-drift:adwin,
    /// floor:accuracy<0.8]; N is 1 or more windows, X a number in [0, 1].
    #[arg(long, value_name = "POLICY", value_parser = parse_policy)]
    pub policy: Vec<Policy>,
    /// A mode (repeatable): scratch, sliding:30d, incremental [default: scratch, sliding:90d,
    /// incremental].
    #[arg(long, value_name = "MODE", value_parser = parse_mode)]
    pub mode: Vec<Mode>,
    /// κ, the cost of one retrain in window log loss: total cost = Σ log loss + κ · retrains.
    /// A number in [0, 1e6].
    #[arg(long, default_value_t = 0.5, allow_negative_numbers = true, value_parser = crate::engine::ranges::RETRAIN_COST.parser())]
    pub cost: f64,
    /// Label delays to re-run the backtest with for the what-if, comma-separated
    /// [default: 0d and twice --label-delay, or 7d when the delay is 0; none with --label-time];
    /// at most 10 delays, each at most 100 years.
    #[arg(long, value_name = "D1,D2", value_delimiter = ',', value_parser = parse_duration)]
    pub what_if_delay: Option<Vec<i64>>,
    /// Production column NEW is training column OLD (repeatable).
    #[arg(long, value_name = "NEW=OLD")]
    pub rename: Vec<String>,
    /// Progressive validation of the incremental learner alone on --current.
    #[arg(long)]
    pub progressive: bool,
    /// Write every row's probability per run (CSV: row, policy, mode, probability).
    #[arg(long, value_name = "FILE")]
    pub predictions_out: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
    /// Write the output to this file (atomically) instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

fn parse_unit(s: &str) -> Result<WindowUnit, String> {
    s.parse()
}

fn parse_policy(s: &str) -> Result<Policy, String> {
    s.parse()
}

fn parse_mode(s: &str) -> Result<Mode, String> {
    s.parse()
}

/// The settings the flags ask for.
pub fn settings(args: &RetrainArgs) -> Result<RetrainSettings, CliError> {
    if !args.cost.is_finite() || args.cost < 0.0 || args.cost > 1e6 {
        return Err(CliError(format!(
            "--cost {} must be a number from 0 to 1e6 (window log loss per retrain)",
            args.cost
        )));
    }
    let defaults = RetrainSettings::default();
    let what_if = match (&args.what_if_delay, &args.label_time) {
        (_, Some(_)) => Vec::new(),
        (Some(v), None) => v.clone(),
        (None, None) if args.label_delay == 0 => vec![7 * crate::vocab::time::MICROS_PER_DAY],
        (None, None) => vec![0, args.label_delay.saturating_mul(2)],
    };
    Ok(RetrainSettings {
        target: args.target.clone(),
        time: args.time.clone(),
        features: args.features.clone(),
        label_delay_us: args.label_delay,
        label_time: args.label_time.clone(),
        windows: args.windows,
        policies: if args.policy.is_empty() {
            defaults.policies
        } else {
            args.policy.clone()
        },
        modes: if args.mode.is_empty() {
            defaults.modes
        } else {
            args.mode.clone()
        },
        cost: args.cost,
        what_if_delays_us: what_if,
    })
}

/// `sextant retrain`.
pub fn run(args: &RetrainArgs) -> Result<u8, CliError> {
    let settings = settings(args)?;
    if args.progressive {
        let data = load_dataset_light(&args.current)?;
        let mut roles = RoleMap::default();
        roles.add_inferred(&data.columns);
        let o = run_progressive(&data, &roles, &settings, &Progress::silent())?;
        if let Some(path) = &args.predictions_out {
            write_output(Some(path), &present::progressive_csv(&o))?;
        }
        let text = match args.format {
            OutputFormat::Json => to_text(&present::progressive_json(&o)),
            OutputFormat::Table => present::progressive_table(&o),
        };
        write_output(args.out.as_deref(), &text)?;
        return Ok(EXIT_OK);
    }
    let Some(reference) = &args.reference else {
        return Err(CliError(
            "--reference is needed for the backtest (or pass --progressive to validate the incremental learner on --current alone)".into(),
        ));
    };
    let renames = super::parse_renames(&args.rename)?;
    let (reference, current) = load_pair(reference, &args.current)?;
    let mut roles = RoleMap::default();
    roles.add_inferred(&reference.columns);
    let inputs = RetrainInputs {
        reference: &reference,
        current: &current,
        roles: &roles,
        renames: &renames,
    };
    let o = run_backtest(&inputs, &settings, &Progress::silent())?;
    if let Some(path) = &args.predictions_out {
        write_output(Some(path), &present::predictions_csv(&o))?;
    }
    let text = match args.format {
        OutputFormat::Json => to_text(&present::to_json(&o)),
        OutputFormat::Table => present::to_table(&o),
    };
    write_output(args.out.as_deref(), &text)?;
    Ok(EXIT_OK)
}

/// Arguments of the hidden `bench-retrain`.
#[derive(Debug, Args)]
pub struct BenchRetrainArgs {
    /// Labelled production rows (training adds a tenth) (1 to 100000000).
    #[arg(long, default_value_t = 1_000_000, value_parser = crate::engine::ranges::BENCH_ROWS.parser())]
    pub rows: usize,
    /// Daily windows the production rows span (1 to 10000).
    #[arg(long, default_value_t = 200, value_parser = crate::engine::ranges::BENCH_DAYS.parser())]
    pub days: usize,
    /// Repetitions; the best time is reported (1 to 100).
    #[arg(long, default_value_t = 3, value_parser = crate::engine::ranges::BENCH_REPEAT.parser())]
    pub repeat: usize,
}

/// `sextant bench-retrain`: the backtest of 4 policies × 3 modes on generated data.
pub fn bench(args: &BenchRetrainArgs) -> Result<u8, CliError> {
    if args.rows < 1000 || args.days == 0 || args.days > 10_000 {
        return Err(CliError(format!(
            "--rows {} must be at least 1000 and --days {} from 1 to 10000",
            args.rows, args.days
        )));
    }
    let b = crate::engine::retrain::bench(args.rows, args.days, args.repeat)?;
    println!(
        "retrain backtest: {} training + {} production rows, {} daily windows, {} runs (4 policies x 3 modes), {} retrains in all: {:.3} s (best of {})",
        b.reference_rows, b.current_rows, b.windows, b.runs, b.retrains, b.seconds, args.repeat
    );
    for (run, retrains, rows) in &b.per_run {
        println!("  {run}: {retrains} retrains, {rows} training rows fitted");
    }
    Ok(EXIT_OK)
}

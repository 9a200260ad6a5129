//! `sextant rollout`: a gradual rollout from a request log — the ramp steps, a one-sided
//! sequential guardrail test stratified by step, a verdict per step, and with `--plan` the
//! what-if replay of another ramp.
//!
//! Exit codes: 0 no guardrail breached; 1 a guardrail breached (the rollout should be rolled
//! back); 2 bad input — a fatal one prints only the sentence, a metric that cannot be tested at
//! all (constant, no value) prints the rest of the analysis and the sentence on stderr.

use crate::engine::ranges;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::{CliError, EXIT_ERROR, EXIT_FINDING, EXIT_OK, OutputFormat, load_dataset};
use crate::analysis::experiment::rollout::{BucketWidth, PlanStep, RolloutParams, StepRule};
use crate::analysis::experiment::stratified::Difference;
use crate::engine::experiment::MetricSpec;
use crate::engine::rollout::{RolloutSettings, run};
use crate::present::json::to_text;
use crate::present::rollout::{to_json, to_table};
use crate::vocab::Progress;

/// The share timeline's bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BucketArg {
    /// Hours when the log spans at most 92 days, else days.
    Auto,
    Hour,
    Day,
}

#[derive(Debug, Args)]
pub struct RolloutArgs {
    /// The request log (CSV, Parquet, Arrow IPC, NDJSON): one row per request.
    #[arg(long, value_name = "FILE")]
    pub log: PathBuf,
    /// The column naming the model that served each request.
    #[arg(long, value_name = "COL")]
    pub variant: String,
    /// The control arm (the model in production).
    #[arg(long, value_name = "NAME")]
    pub control: String,
    /// The new model's arm (default: the one value of --variant besides the control).
    #[arg(long, value_name = "NAME")]
    pub treatment: Option<String>,
    /// The request time column (a datetime, or ISO-8601 text).
    #[arg(long, value_name = "COL")]
    pub time: String,
    /// The success metric: COL[:proportion|mean][:lower]; its effect is given per step.
    #[arg(long, value_name = "COL")]
    pub success: String,
    /// A guardrail: COL[:proportion|mean][:lower] (:lower when lower is better, e.g.
    /// latency_ms:lower); tested one-sided for "the new model is worse".
    #[arg(long = "guardrail", value_name = "COL[:lower]")]
    pub guardrails: Vec<String>,
    /// A ramp plan to replay on the log: SHARE@TIME,… with shares as 5% or 0.05 and ISO times,
    /// e.g. 1%@2025-12-01,10%@2025-12-03,50%@2025-12-08.
    #[arg(long, value_name = "1%@DATE,…")]
    pub plan: Option<String>,
    /// One-sided level of each guardrail, in (0, 0.5); the success intervals are 1 − α.
    #[arg(long, default_value_t = 0.05, allow_negative_numbers = true, value_parser = ranges::ROLLOUT_ALPHA.parser())]
    pub alpha: f64,
    /// Units with a value in each arm before a step enters the guardrail test, 0 to
    /// 1000000000.
    #[arg(long, default_value_t = RolloutParams::default().min_units, allow_negative_numbers = true, value_parser = ranges::MIN_UNITS.parser_u64())]
    pub min_units: u64,
    /// Test the absolute difference instead of the relative one.
    #[arg(long)]
    pub absolute: bool,
    #[arg(long, value_enum, default_value = "auto")]
    pub bucket: BucketArg,
    /// Chance that a constant share is split into steps (the step detector's level), in
    /// (0, 1).
    #[arg(long, default_value_t = StepRule::default().alpha, allow_negative_numbers = true, value_parser = ranges::STEP_ALPHA.parser())]
    pub step_alpha: f64,
    /// Smallest change of share that makes a new step, relative to the smaller arm's share,
    /// in [0, 10].
    #[arg(
        long,
        default_value_t = StepRule::default().min_relative_change,
        allow_negative_numbers = true,
        value_parser = ranges::MIN_SHARE_CHANGE.parser()
    )]
    pub min_share_change: f64,
    /// Seed of the first replay of --plan (replay r uses SEED + r), 0 to 2^64 − 1.
    #[arg(long, default_value_t = RolloutSettings::default().seed)]
    pub seed: u64,
    /// How many replays of --plan, 1 to 1000.
    #[arg(long, default_value_t = RolloutSettings::default().replays, allow_negative_numbers = true, value_parser = ranges::REPLAYS.parser())]
    pub replays: usize,
    #[arg(long, value_enum, default_value_t)]
    pub format: OutputFormat,
}

/// Parse `COL[:proportion|mean][:lower|higher]` (the syntax of `sextant ab --metric`).
fn metric_spec(text: &str, flag: &str) -> Result<MetricSpec, CliError> {
    super::ab::parse_metric(text, flag, Default::default())
}

/// Parse `SHARE@TIME,…` (shares as "5%" or "0.05").
pub fn parse_plan(text: &str) -> Result<Vec<PlanStep>, CliError> {
    crate::engine::rollout::parse_plan(text).map_err(|e| CliError(format!("--plan {e}")))
}

/// The flags as validated settings.
pub fn settings(args: &RolloutArgs) -> Result<RolloutSettings, CliError> {
    let settings = RolloutSettings {
        variant: args.variant.clone(),
        control: args.control.clone(),
        treatment: args.treatment.clone(),
        time: args.time.clone(),
        success: metric_spec(&args.success, "--success")?,
        guardrails: args
            .guardrails
            .iter()
            .map(|g| metric_spec(g, "--guardrail"))
            .collect::<Result<_, _>>()?,
        plan: args
            .plan
            .as_deref()
            .map(parse_plan)
            .transpose()?
            .unwrap_or_default(),
        bucket: match args.bucket {
            BucketArg::Auto => BucketWidth::Auto,
            BucketArg::Hour => BucketWidth::Hour,
            BucketArg::Day => BucketWidth::Day,
        },
        steps: StepRule {
            alpha: args.step_alpha,
            min_relative_change: args.min_share_change,
        },
        tests: RolloutParams {
            alpha: args.alpha,
            min_units: args.min_units,
            difference: if args.absolute {
                Difference::Absolute
            } else {
                Difference::Relative
            },
            ..RolloutParams::default()
        },
        seed: args.seed,
        replays: args.replays,
    };
    settings.validate()?;
    Ok(settings)
}

/// `sextant rollout`.
pub fn run_command(args: &RolloutArgs) -> Result<u8, CliError> {
    let settings = settings(args)?;
    let log = load_dataset(&args.log)?;
    let outcome = run(&log, &settings, &Progress::silent())?;
    let name = args.log.display().to_string();
    print!(
        "{}",
        match args.format {
            OutputFormat::Json => to_text(&to_json(&name, &outcome)),
            OutputFormat::Table => to_table(&name, &outcome),
        }
    );
    if !outcome.problems.is_empty() {
        for p in &outcome.problems {
            eprintln!("error: {p}");
        }
        return Ok(EXIT_ERROR);
    }
    Ok(if outcome.report.stopped_at.is_some() {
        EXIT_FINDING
    } else {
        EXIT_OK
    })
}

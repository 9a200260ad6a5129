//! `sextant health`: how the model's quality moves window by window — metrics with bootstrap
//! intervals and the reference band, label coverage, label and prediction drift, change
//! detectors on the error stream, CBPE estimates, the staleness projection, drift attribution,
//! latency percentiles and alert rules. Exit code 1 when a `--rule` fired.
//!
//! The flags become [`HealthSettings`]; `engine::health::run` measures and `present::health`
//! writes the table or the JSON (its contract is documented there).

use crate::engine::ranges;
use std::path::PathBuf;

use clap::Args;

use super::{CliError, EXIT_FINDING, EXIT_OK, OutputFormat, load_pair, write_output};
use crate::analysis::alerts::AlertRule;
use crate::analysis::health::{Metric, Task};
use crate::analysis::windows::WindowSpec;
use crate::data::RoleMap;
use crate::engine::health::{HealthInputs, HealthSettings, run as run_health};
use crate::present::health::{to_json, to_table};
use crate::present::json::to_text;
use crate::vocab::{Progress, Role};

#[derive(Debug, Args)]
pub struct HealthArgs {
    /// Training (reference) file: the baseline.
    #[arg(long, value_name = "FILE")]
    pub reference: PathBuf,
    /// Production (current) file.
    #[arg(long, value_name = "FILE")]
    pub current: PathBuf,
    /// The label column [default: the column with the target role].
    #[arg(long, value_name = "COL")]
    pub target: Option<String>,
    /// The score (probability of class 1) or prediction column [default: by role].
    #[arg(long, value_name = "COL")]
    pub prediction: Option<String>,
    /// The timestamp column [default: by role].
    #[arg(long, value_name = "COL")]
    pub time: Option<String>,
    /// Windows: day, week, month, or a number of chunks (2 to 10000).
    #[arg(long, default_value = "week", value_parser = super::drift::parse_windows)]
    pub windows: WindowSpec,
    /// Decision threshold, in [0, 1]: a score ≥ this predicts class 1.
    #[arg(long, default_value_t = 0.5, allow_negative_numbers = true, value_parser = ranges::HEALTH_THRESHOLD.parser())]
    pub threshold: f64,
    /// classification or regression [default: inferred from the values].
    #[arg(long, value_parser = parse_task)]
    pub task: Option<Task>,
    /// Bootstrap resamples per window, 0 to 10000 (0 = no intervals).
    #[arg(long, default_value_t = 200, allow_negative_numbers = true, value_parser = ranges::HEALTH_BOOTSTRAP.parser())]
    pub bootstrap: usize,
    /// Seed of the bootstrap (a whole number from 0 to 2^64 − 1).
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// The metric whose trend is projected [default: roc_auc, or mae for regression].
    #[arg(long, value_parser = parse_metric)]
    pub metric: Option<Metric>,
    /// The floor the metric should stay above (a ceiling for error metrics), a number in
    /// [-1e15, 1e15].
    #[arg(long, allow_negative_numbers = true, value_parser = ranges::HEALTH_FLOOR.parser())]
    pub floor: Option<f64>,
    /// An alert rule, e.g. "roc_auc < 0.8 for 2" (repeatable; the threshold in [-1e15, 1e15],
    /// the count 1 or more); exit code 1 when one fires.
    #[arg(long, value_name = "RULE", value_parser = parse_rule)]
    pub rule: Vec<AlertRule>,
    /// The model version column: adds a versions table (first and last serving time, rows,
    /// labelled rows, every metric with its interval) and the switch-overs.
    #[arg(long, value_name = "COL")]
    pub version: Option<String>,
    /// Skip feature drift per window (no drift_share, no attribution).
    #[arg(long)]
    pub no_feature_drift: bool,
    /// Production column NEW compared with training column OLD (repeatable).
    #[arg(long, value_name = "NEW=OLD")]
    pub rename: Vec<String>,
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
    /// Write the output to this file (atomically) instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

fn parse_task(s: &str) -> Result<Task, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "classification" => Ok(Task::Classification),
        "regression" => Ok(Task::Regression),
        _ => Err(format!(
            "\"{s}\" is not a task: use classification or regression"
        )),
    }
}

fn parse_metric(s: &str) -> Result<Metric, String> {
    s.parse()
}

fn parse_rule(s: &str) -> Result<AlertRule, String> {
    s.parse()
}

/// The settings the flags ask for; the threshold is checked here, the rest by clap.
fn settings(args: &HealthArgs) -> Result<HealthSettings, CliError> {
    let settings = HealthSettings {
        metric: args.metric,
        threshold: Some(args.threshold),
        windows: Some(args.windows),
        floor: args.floor,
        rules: args.rule.clone(),
        target: args.target.clone(),
        prediction: args.prediction.clone(),
        time: args.time.clone(),
        latency: None,
        feature_drift: Some(!args.no_feature_drift),
        task: args.task,
        bootstrap: Some(args.bootstrap),
        seed: Some(args.seed),
        version: args.version.clone(),
        feedback: None,
    };
    settings.validate()?;
    Ok(settings)
}

/// `sextant health`.
pub fn run(args: &HealthArgs) -> Result<u8, CliError> {
    let settings = settings(args)?;
    let renames = super::parse_renames(&args.rename)?;
    let (reference, current) = load_pair(&args.reference, &args.current)?;
    let mut roles = RoleMap::default();
    roles.add_inferred(&reference.columns);
    roles.add_inferred(&current.columns);
    if let Some(t) = &args.time {
        roles.set(t, Role::Timestamp);
    }
    let inputs = HealthInputs {
        reference: &reference,
        current: &current,
        roles: &roles,
        renames: &renames,
        drift: None,
    };
    let report = run_health(&inputs, &settings, &Progress::silent())
        .map_err(|e| CliError(format!("{}: {e}", args.current.display())))?;
    let text = match args.format {
        OutputFormat::Json => to_text(&to_json(&report)),
        OutputFormat::Table => to_table(&report),
    };
    write_output(args.out.as_deref(), &text)?;
    for v in &report.unknown_rule_values {
        eprintln!(
            "warning: no value named \"{v}\" for the rules (a typo, or a column that is not there)"
        );
    }
    Ok(if report.alerts.is_empty() {
        EXIT_OK
    } else {
        EXIT_FINDING
    })
}

/// Arguments of the hidden `bench-health`.
#[derive(Debug, Args)]
pub struct BenchHealthArgs {
    /// Current rows (1 to 100000000).
    #[arg(long, default_value_t = 1_000_000, value_parser = crate::engine::ranges::BENCH_ROWS.parser())]
    pub rows: usize,
    /// Reference rows (1 to 100000000).
    #[arg(long, default_value_t = 200_000, value_parser = crate::engine::ranges::BENCH_ROWS.parser())]
    pub reference_rows: usize,
    /// Bootstrap resamples per window (0 to 10000).
    #[arg(long, default_value_t = 200, value_parser = ranges::HEALTH_BOOTSTRAP.parser())]
    pub bootstrap: usize,
    /// Runs (the best is reported) (1 to 100).
    #[arg(long, default_value_t = 3, value_parser = crate::engine::ranges::BENCH_REPEAT.parser())]
    pub repeat: usize,
}

/// Time the full health pass (all metrics, intervals, estimates, detectors) on generated data.
pub fn bench(args: &BenchHealthArgs) -> Result<u8, CliError> {
    let b =
        crate::engine::bench::health(args.rows, args.reference_rows, args.bootstrap, args.repeat)?;
    print!(
        "{}",
        crate::present::bench::health_text(
            &b,
            args.rows,
            args.reference_rows,
            args.bootstrap,
            args.repeat
        )
    );
    Ok(EXIT_OK)
}

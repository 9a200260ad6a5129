//! `sextant integrity --reference A --current B`: is the data itself broken, and since when?
//!
//! The flags become [`IntegritySettings`]; `engine::integrity::run` checks the data and
//! `present::integrity` writes the table or the JSON (its contract is documented there).
//! Exit code 1 when `--fail-on` is given and a finding of that severity or worse exists.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use serde_json::Value;

use super::{CliError, EXIT_FINDING, EXIT_OK, OutputFormat, load_dataset};
use crate::analysis::integrity::{Severity, WindowChoice};
use crate::engine::integrity::{
    IntegrityInputs, IntegritySettings, inferred_roles, run as run_checks,
};
use crate::present::integrity::{to_json, to_table};
use crate::present::json::to_text;
use crate::vocab::Progress;
use crate::vocab::time::parse_iso;

/// The least severity that fails the command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
}

#[derive(Debug, Args)]
pub struct IntegrityArgs {
    /// The training (reference) file.
    #[arg(long, value_name = "FILE")]
    pub reference: PathBuf,
    /// The production (current) file.
    #[arg(long, value_name = "FILE")]
    pub current: PathBuf,
    /// Column to join rows on for row-level training-serving skew (default: the id-role
    /// column present in both files, e.g. `application_id`).
    #[arg(long, value_name = "COL")]
    pub id: Option<String>,
    /// A renamed column: compare production's NEW with training's OLD. Repeatable.
    #[arg(long, value_name = "NEW=OLD")]
    pub rename: Vec<String>,
    /// Exit with code 1 when a finding of this severity or worse exists.
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
    /// Time windows for dating problems.
    #[arg(long, value_enum, default_value_t = WindowArg::Auto)]
    pub window: WindowArg,
    /// "Now" for the future-timestamp check, ISO-8601 (default: the system clock).
    #[arg(long, value_name = "TIME")]
    pub now: Option<String>,
    /// Change a threshold, e.g. `--set alpha=0.01` (see `--help` of the parameter list in the
    /// README). Repeatable.
    #[arg(long, value_name = "NAME=VALUE")]
    pub set: Vec<String>,
}

/// Time windows on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum WindowArg {
    Auto,
    Day,
    Week,
    Month,
}

/// Apply `--set NAME=VALUE` overrides through the parameters' serde names.
pub fn apply_overrides(params: &mut IntegritySettings, sets: &[String]) -> Result<(), CliError> {
    if sets.is_empty() {
        return Ok(());
    }
    let mut value = serde_json::to_value(&*params).map_err(|e| CliError(e.to_string()))?;
    let Some(map) = value.as_object_mut() else {
        return Err(CliError("the parameters are not a map".into()));
    };
    for s in sets {
        let Some((name, raw)) = s.split_once('=') else {
            return Err(CliError(format!("--set {s} is not of the form NAME=VALUE")));
        };
        let name = name.trim();
        if !map.contains_key(name) || matches!(name, "renames" | "id_column" | "now_micros") {
            let known: Vec<&str> = map
                .keys()
                .map(String::as_str)
                .filter(|k| !matches!(*k, "renames" | "id_column" | "now_micros"))
                .collect();
            return Err(CliError(format!(
                "--set {s}: unknown parameter \"{name}\"; known: {}",
                known.join(", ")
            )));
        }
        let parsed: Value = serde_json::from_str(raw.trim())
            .unwrap_or_else(|_| Value::String(raw.trim().to_string()));
        map.insert(name.to_string(), parsed);
    }
    *params = serde_json::from_value(value).map_err(|e| CliError(format!("--set: {e}")))?;
    params.validate().map_err(CliError::from)
}

/// The settings the flags ask for (thresholds validated); renames and "now" are inputs.
fn settings(args: &IntegrityArgs) -> Result<IntegritySettings, CliError> {
    let mut settings = IntegritySettings {
        id_column: args.id.clone(),
        window: match args.window {
            WindowArg::Auto => WindowChoice::Auto,
            WindowArg::Day => WindowChoice::Day,
            WindowArg::Week => WindowChoice::Week,
            WindowArg::Month => WindowChoice::Month,
        },
        ..Default::default()
    };
    apply_overrides(&mut settings, &args.set)?;
    Ok(settings)
}

/// `sextant integrity`.
pub fn run(args: &IntegrityArgs) -> Result<u8, CliError> {
    let reference = load_dataset(&args.reference)?;
    let current = load_dataset(&args.current)?;
    for w in reference.warnings.iter().chain(&current.warnings) {
        eprintln!("warning: {w}");
    }
    let renames = super::parse_renames(&args.rename)?;
    let now = match &args.now {
        Some(s) => parse_iso(s)
            .ok_or_else(|| CliError(format!("--now {s} is not an ISO-8601 date or time")))?,
        None => crate::engine::clock::now_micros(),
    };
    let settings = settings(args)?;
    let roles = inferred_roles(&reference, &current, args.id.as_deref());
    let inputs = IntegrityInputs {
        reference: &reference,
        current: &current,
        roles: &roles,
        renames: &renames,
        now_micros: Some(now),
    };
    let report = run_checks(&inputs, &settings, &Progress::silent())?;
    let text = match args.format {
        OutputFormat::Json => to_text(&to_json(&report, &args.reference, &args.current)),
        OutputFormat::Table => to_table(&report, &reference.name(), &current.name()),
    };
    print!("{text}");
    let fail = args.fail_on.is_some_and(|f| {
        let least = match f {
            FailOn::Error => Severity::Error,
            FailOn::Warning => Severity::Warning,
        };
        report.worst().is_some_and(|w| w >= least)
    });
    Ok(if fail { EXIT_FINDING } else { EXIT_OK })
}

/// Hidden benchmark: all checks on a generated clean pair.
#[derive(Debug, Args)]
pub struct IntegrityBenchArgs {
    /// Rows of each dataset (1 to 100000000).
    #[arg(long, default_value_t = 1_000_000, value_parser = crate::engine::ranges::BENCH_ROWS.parser())]
    pub rows: usize,
    /// Columns of each dataset (1 to 1000).
    #[arg(long, default_value_t = 20, value_parser = crate::engine::ranges::BENCH_COLUMNS.parser())]
    pub columns: usize,
    /// Repetitions (the best is reported too) (1 to 100).
    #[arg(long, default_value_t = 3, value_parser = crate::engine::ranges::BENCH_REPEAT.parser())]
    pub repeat: usize,
    /// Print every finding of the first run, infos included (warnings and errors always are).
    #[arg(long)]
    pub verbose: bool,
    /// Plant problems in the current data (missing values, unseen values, shifted numbers,
    /// skew on shared ids), so that findings, timelines and the id join are timed too.
    #[arg(long)]
    pub dirty: bool,
}

pub fn bench(args: &IntegrityBenchArgs) -> Result<u8, CliError> {
    let least = if args.verbose {
        Severity::Info
    } else {
        Severity::Warning
    };
    let b =
        crate::engine::bench::integrity(args.rows, args.columns, args.dirty, args.repeat, least)?;
    eprintln!(
        "generated and summarised 2 × {} rows × {} columns in {:.2} s",
        args.rows, args.columns, b.generate_s
    );
    let (findings, timings) = crate::present::bench::integrity_text(&b);
    eprint!("{findings}");
    print!("{timings}");
    Ok(EXIT_OK)
}

//! `sextant integrity --reference A --current B`: is the data itself broken, and since when?
//!
//! JSON contract: `{"reference", "current", "checks": [{"check", "severity", "columns",
//! "message", "details", "examples": [{"side", "row", "other_row", "id", "timestamp",
//! "values"}], "timeline"?}], "summary": {"errors", "warnings", "infos"}}`; `timeline` is
//! present when the finding has a rate over time: `{"window", "starts", "rows", "events",
//! "reference_rate", "change"}`. Times are ISO-8601 (UTC). Keys may be added, never removed.
//! Exit code 1 when `--fail-on` is given and a finding of that severity or worse exists.

use std::path::PathBuf;
use std::time::Instant;

use clap::{Args, ValueEnum};
use serde_json::{Map, Value, json};

use super::{CliError, EXIT_FINDING, EXIT_OK, OutputFormat, load_dataset};
use crate::analysis::integrity::adapter::{check_datasets, inferred_roles, tables};
use crate::analysis::integrity::{
    Example, Finding, IntegrityParams, IntegrityReport, Severity, Timeline, WindowChoice,
};
use crate::present::json::to_text;
use crate::vocab::time::{format_iso, parse_iso};

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

/// Parse `NEW=OLD` rename arguments.
pub fn parse_renames(args: &[String]) -> Result<Vec<(String, String)>, CliError> {
    args.iter()
        .map(|a| match a.split_once('=') {
            Some((new, old)) if !new.trim().is_empty() && !old.trim().is_empty() => {
                Ok((new.trim().to_string(), old.trim().to_string()))
            }
            _ => Err(CliError(format!(
                "--rename {a} is not of the form NEW=OLD (production name = training name)"
            ))),
        })
        .collect()
}

/// Apply `--set NAME=VALUE` overrides through the parameters' serde names.
pub fn apply_overrides(params: &mut IntegrityParams, sets: &[String]) -> Result<(), CliError> {
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

pub fn run(args: &IntegrityArgs) -> Result<u8, CliError> {
    let reference = load_dataset(&args.reference)?;
    let current = load_dataset(&args.current)?;
    for w in reference.warnings.iter().chain(&current.warnings) {
        eprintln!("warning: {w}");
    }
    let mut params = IntegrityParams {
        renames: parse_renames(&args.rename)?,
        id_column: args.id.clone(),
        window: match args.window {
            WindowArg::Auto => WindowChoice::Auto,
            WindowArg::Day => WindowChoice::Day,
            WindowArg::Week => WindowChoice::Week,
            WindowArg::Month => WindowChoice::Month,
        },
        now_micros: Some(match &args.now {
            Some(s) => parse_iso(s)
                .ok_or_else(|| CliError(format!("--now {s} is not an ISO-8601 date or time")))?,
            None => crate::engine::clock::now_micros(),
        }),
        ..Default::default()
    };
    apply_overrides(&mut params, &args.set)?;
    let roles = inferred_roles(&reference, &current, args.id.as_deref());
    let report = check_datasets(&reference, &current, &roles, &params, &|| false)?;
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

fn example_json(e: &Example) -> Value {
    let values: Map<String, Value> = e
        .values
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    json!({
        "side": e.side,
        "row": e.row,
        "other_row": e.other_row,
        "id": e.id,
        "timestamp": e.timestamp.map(format_iso),
        "values": values,
    })
}

fn timeline_json(t: &Timeline) -> Value {
    json!({
        "window": t.window.name(),
        "starts": t.starts.iter().map(|s| format_iso(*s)).collect::<Vec<_>>(),
        "rows": t.rows,
        "events": t.events,
        "reference_rate": crate::present::json::number(t.reference_rate),
        "change": t.change.map(|c| json!({
            "since": format_iso(c.since),
            "until": c.until.map(format_iso),
            "rate_during": crate::present::json::number(c.rate_during),
            "rate_outside": crate::present::json::number(c.rate_outside),
            "p_value": crate::present::json::number(c.p_value),
        })),
    })
}

/// One finding as JSON.
pub fn finding_json(f: &Finding) -> Value {
    let mut v = json!({
        "check": f.check.name(),
        "severity": f.severity.name(),
        "columns": f.columns,
        "message": f.message,
        "details": f.details,
        "examples": f.examples.iter().map(example_json).collect::<Vec<_>>(),
    });
    if let (Some(t), Some(map)) = (&f.timeline, v.as_object_mut()) {
        map.insert("timeline".into(), timeline_json(t));
    }
    v
}

/// The JSON document of `integrity`.
pub fn to_json(
    report: &IntegrityReport,
    reference: &std::path::Path,
    current: &std::path::Path,
) -> Value {
    let s = report.summary();
    json!({
        "reference": reference.display().to_string(),
        "current": current.display().to_string(),
        "reference_rows": report.reference_rows,
        "current_rows": report.current_rows,
        "columns_compared": report.columns_compared,
        "timestamp_column": report.timestamp_column,
        "id_column": report.id_column,
        "window": report.window.map(|w| w.name()),
        "checks": report.findings.iter().map(finding_json).collect::<Vec<_>>(),
        "summary": {"errors": s.errors, "warnings": s.warnings, "infos": s.infos},
    })
}

fn to_table(report: &IntegrityReport, reference: &str, current: &str) -> String {
    let s = report.summary();
    let mut out = format!(
        "Integrity of {current} ({} rows) against {reference} ({} rows): {} errors, {} warnings, {} infos\n\n",
        report.current_rows, report.reference_rows, s.errors, s.warnings, s.infos
    );
    let mut t = crate::present::table::TextTable::new(
        &["severity", "check", "message"],
        &[false, false, false],
    );
    for f in &report.findings {
        t.row(vec![
            f.severity.name().to_string(),
            f.check.name().to_string(),
            f.message.clone(),
        ]);
    }
    out.push_str(&t.render());
    if report.findings.is_empty() {
        out.push_str("No findings: the data looks intact.\n");
    }
    out
}

/// Hidden benchmark: all checks on a generated clean pair.
#[derive(Debug, Args)]
pub struct IntegrityBenchArgs {
    /// Rows of each dataset.
    #[arg(long, default_value_t = 1_000_000)]
    pub rows: usize,
    /// Columns of each dataset.
    #[arg(long, default_value_t = 20)]
    pub columns: usize,
    /// Repetitions (the best is reported too).
    #[arg(long, default_value_t = 3)]
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
    let t0 = Instant::now();
    use crate::sample_data::synthetic::{clean_pair, dirty_pair};
    let (r, c) = if args.dirty {
        dirty_pair(args.rows, args.rows, args.columns, 42)?
    } else {
        clean_pair(args.rows, args.rows, args.columns, 42)?
    };
    let mk =
        |frame: polars::prelude::DataFrame, name: &str| -> Result<crate::data::Dataset, CliError> {
            crate::data::Dataset::from_frame(
                std::path::PathBuf::from(name),
                frame,
                &crate::vocab::Progress::silent(),
            )
            .map_err(CliError::from)
        };
    let reference = mk(r, "reference")?;
    let current = mk(c, "current")?;
    eprintln!(
        "generated and summarised 2 × {} rows × {} columns in {:.2} s",
        args.rows,
        args.columns,
        t0.elapsed().as_secs_f64()
    );
    let roles = inferred_roles(&reference, &current, None);
    let params = IntegrityParams {
        // After the generated data, whatever its length.
        now_micros: parse_iso("2100-01-01"),
        ..Default::default()
    };
    let mut best = f64::INFINITY;
    for k in 0..args.repeat.max(1) {
        let t = Instant::now();
        let (rt, ct) = tables(&reference, &current, &roles, params.threads);
        let adapt = t.elapsed().as_secs_f64();
        let report = crate::analysis::integrity::check(&rt, &ct, &params)?;
        let total = t.elapsed().as_secs_f64();
        best = best.min(total);
        let s = report.summary();
        if k == 0 {
            let least = if args.verbose {
                Severity::Info
            } else {
                Severity::Warning
            };
            for f in report.findings.iter().filter(|f| f.severity >= least) {
                eprintln!("{}: {}: {}", f.severity.name(), f.check.name(), f.message);
            }
        }
        println!(
            "run {}: {:.3} s (tables {:.3} s, checks {:.3} s): {} errors, {} warnings, {} infos",
            k + 1,
            total,
            adapt,
            total - adapt,
            s.errors,
            s.warnings,
            s.infos
        );
    }
    println!("best: {best:.3} s");
    Ok(EXIT_OK)
}

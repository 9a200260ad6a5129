//! `sextant ab`: an A/B test of models (or anything) from an experiment log — sample-ratio
//! mismatch first, then every metric × treatment arm against the control as GrowthBook's
//! gbstats computes it, with CUPED, chance to win, sequential intervals and a correction.

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::{CliError, EXIT_OK, OutputFormat, load_dataset_light};
use crate::analysis::experiment::moments::{Direction, MetricKind};
use crate::analysis::experiment::multiple::Correction;
use crate::engine::experiment::{ExperimentSettings, MetricRole, MetricSpec, run};
use crate::present::experiment::{to_json, to_table};
use crate::present::json::to_text;
use crate::vocab::Progress;

/// Which multiple-testing correction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CorrectionArg {
    None,
    Holm,
    /// Benjamini–Hochberg.
    Bh,
}

#[derive(Debug, Args)]
pub struct AbArgs {
    /// The experiment log (CSV, Parquet, Arrow IPC, NDJSON): one row per unit, or per event
    /// with --unit.
    #[arg(long, value_name = "FILE")]
    pub log: PathBuf,
    /// The column naming each row's arm.
    #[arg(long, value_name = "COL")]
    pub variant: String,
    /// The control arm's name.
    #[arg(long, value_name = "NAME")]
    pub control: String,
    /// The randomisation unit's column: rows are events, aggregated per unit first (a mean
    /// metric sums its events, a proportion is 1 when any event is).
    #[arg(long, value_name = "COL")]
    pub unit: Option<String>,
    /// The exposure timestamp column (a unit's exposure is its earliest event): gives the
    /// cumulative timeline per exposure day and the days still needed.
    #[arg(long, value_name = "COL")]
    pub time: Option<String>,
    /// A metric: COL, COL:proportion, COL:mean, and :lower when lower is better (e.g.
    /// latency_ms:mean:lower). The kind is inferred from the values when not given. Without
    /// any, the metrics are inferred from the names as the window does (latency, error,
    /// timeout, cost names are guardrails; pre_X is X's covariate).
    #[arg(long = "metric", value_name = "COL[:KIND][:lower]")]
    pub metrics: Vec<String>,
    /// A guardrail, written like a metric (e.g. latency_ms:mean:lower): a metric that must not
    /// get worse, judged by a one-sided test toward harm ("harmed" / "no harm detected").
    #[arg(long = "guardrail", value_name = "COL[:KIND][:lower]")]
    pub guardrails: Vec<String>,
    /// A pre-experiment covariate for CUPED: METRIC=COL.
    #[arg(long = "covariate", value_name = "METRIC=COL")]
    pub covariates: Vec<String>,
    /// The planned split, e.g. A=0.5,B=0.5: shares in [0, 1] adding up to 1 (default: equal).
    #[arg(long, value_name = "ARM=SHARE,…")]
    pub planned: Option<String>,
    /// A column to break every effect down by (channel, region…), with the same correction
    /// across its values and a note when a segment's lift has the opposite sign of the total.
    #[arg(long = "segment", value_name = "COL")]
    pub segments: Vec<String>,
    /// Two-sided level of the tests and intervals, in (0, 1).
    #[arg(long, default_value_t = 0.05, allow_negative_numbers = true, value_parser = crate::engine::ranges::AB_ALPHA.parser())]
    pub alpha: f64,
    /// Also give always-valid intervals (GrowthBook's confidence sequences), safe to look at
    /// every day.
    #[arg(long)]
    pub sequential: bool,
    #[arg(long, value_enum, default_value = "none")]
    pub correction: CorrectionArg,
    #[arg(long, value_enum, default_value_t)]
    pub format: OutputFormat,
}

fn metric_spec(text: &str, role: MetricRole) -> Result<MetricSpec, CliError> {
    let flag = match role {
        MetricRole::Goal => "--metric",
        MetricRole::Guardrail => "--guardrail",
    };
    parse_metric(text, flag, role)
}

/// Parse `COL[:proportion|mean][:lower|higher]` given to `flag` (`sextant ab --metric`,
/// `--guardrail`, `sextant rollout --success`, …).
pub fn parse_metric(text: &str, flag: &str, role: MetricRole) -> Result<MetricSpec, CliError> {
    let mut parts = text.split(':');
    let column = parts.next().unwrap_or_default().trim().to_string();
    if column.is_empty() {
        return Err(CliError(format!("{flag} \"{text}\" names no column")));
    }
    let mut spec = MetricSpec {
        column,
        kind: None,
        direction: Direction::HigherIsBetter,
        role,
    };
    for p in parts {
        match p.trim() {
            "proportion" => spec.kind = Some(MetricKind::Proportion),
            "mean" => spec.kind = Some(MetricKind::Mean),
            "lower" => spec.direction = Direction::LowerIsBetter,
            "higher" => spec.direction = Direction::HigherIsBetter,
            other => {
                return Err(CliError(format!(
                    "{flag} \"{text}\": \"{other}\" is not proportion, mean, lower or higher"
                )));
            }
        }
    }
    Ok(spec)
}

fn planned(text: &str) -> Result<BTreeMap<String, f64>, CliError> {
    let mut out = BTreeMap::new();
    for part in text.split(',').filter(|p| !p.trim().is_empty()) {
        let (arm, share) = part
            .split_once('=')
            .ok_or_else(|| CliError(format!("--planned \"{part}\" is not ARM=SHARE")))?;
        let share = crate::engine::ranges::PLANNED_SHARE
            .parse(share)
            .map_err(|e| CliError(format!("{}: {e}", arm.trim())))?;
        out.insert(arm.trim().to_string(), share);
    }
    let total: f64 = out.values().sum();
    if (total - 1.0).abs() > 1e-9 {
        return Err(CliError(format!(
            "--planned \"{text}\": the shares add up to {total}, not 1"
        )));
    }
    Ok(out)
}

/// The flags as validated settings.
pub fn settings(args: &AbArgs) -> Result<ExperimentSettings, CliError> {
    let metrics = args
        .metrics
        .iter()
        .map(|m| metric_spec(m, MetricRole::Goal))
        .chain(
            args.guardrails
                .iter()
                .map(|m| metric_spec(m, MetricRole::Guardrail)),
        )
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(dup) = metrics
        .iter()
        .enumerate()
        .find(|(i, m)| metrics[..*i].iter().any(|o| o.column == m.column))
        .map(|(_, m)| &m.column)
    {
        return Err(CliError(format!(
            "the column {dup} is named twice among --metric and --guardrail"
        )));
    }
    let mut covariates = BTreeMap::new();
    for c in &args.covariates {
        let (metric, column) = c
            .split_once('=')
            .ok_or_else(|| CliError(format!("--covariate \"{c}\" is not METRIC=COL")))?;
        let metric = metric.trim().to_string();
        if !metrics.iter().any(|m| m.column == metric) {
            return Err(CliError(format!(
                "--covariate \"{c}\": {metric} is not one of the --metric columns nor a --guardrail"
            )));
        }
        covariates.insert(metric, column.trim().to_string());
    }
    Ok(ExperimentSettings {
        variant: args.variant.clone(),
        control: args.control.clone(),
        unit: args.unit.clone(),
        time: args.time.clone(),
        metrics,
        segments: args.segments.clone(),
        covariates,
        planned: args
            .planned
            .as_deref()
            .map(planned)
            .transpose()?
            .unwrap_or_default(),
        alpha: args.alpha,
        correction: match args.correction {
            CorrectionArg::None => Correction::None,
            CorrectionArg::Holm => Correction::Holm,
            CorrectionArg::Bh => Correction::BenjaminiHochberg,
        },
        sequential: args.sequential,
        ..ExperimentSettings::default()
    })
}

/// Without --metric, the metrics the log's names suggest, as the window infers them: every
/// number or flag that is not the variant, unit, time, a segment or a covariate, a guardrail
/// when its name says latency, errors, timeouts or cost (`experiment_columns::guess_role`),
/// with `pre_X` as X's covariate unless --covariate names one. A --guardrail keeps its
/// flags and is added to them.
fn infer_metrics(
    args: &AbArgs,
    settings: &mut ExperimentSettings,
    log: &crate::data::Dataset,
) -> Result<(), CliError> {
    use crate::engine::experiment_columns::{infer_settings, log_columns};
    let inferred = infer_settings(&log_columns(log), log);
    let taken = |c: &str| {
        c == settings.variant
            || settings.unit.as_deref() == Some(c)
            || settings.time.as_deref() == Some(c)
            || settings.segments.iter().any(|s| s == c)
            || settings.covariates.values().any(|v| v == c)
            || settings.metrics.iter().any(|m| m.column == c)
    };
    let mut added = Vec::new();
    for m in inferred.metrics {
        if !taken(&m.column) {
            added.push(m);
        }
    }
    for m in &added {
        if let Some(c) = inferred.covariates.get(&m.column)
            && !settings.covariates.contains_key(&m.column)
            && !taken_by_metric(&added, c)
        {
            settings.covariates.insert(m.column.clone(), c.clone());
        }
    }
    if added.is_empty() && settings.metrics.is_empty() {
        return Err(CliError(format!(
            "{}: no column is named like a metric (a number or flag other than the variant, unit, time and covariates); name one with --metric",
            args.log.display()
        )));
    }
    let names: Vec<String> = added
        .iter()
        .map(|m| match m.role {
            MetricRole::Guardrail => format!("{} (guardrail)", m.column),
            MetricRole::Goal => m.column.clone(),
        })
        .collect();
    if !names.is_empty() {
        eprintln!(
            "sextant ab: no --metric given, so testing the metrics the names suggest: {}",
            names.join(", ")
        );
    }
    // Goals first, then guardrails, in the log's column order within each.
    let mut metrics: Vec<MetricSpec> = added;
    metrics.append(&mut settings.metrics);
    metrics.sort_by_key(|m| m.role == MetricRole::Guardrail);
    settings.metrics = metrics;
    Ok(())
}

fn taken_by_metric(metrics: &[MetricSpec], column: &str) -> bool {
    metrics.iter().any(|m| m.column == column)
}

/// `sextant ab`.
pub fn run_command(args: &AbArgs) -> Result<u8, CliError> {
    let mut settings = settings(args)?;
    let log = load_dataset_light(&args.log)?;
    if args.metrics.is_empty() {
        infer_metrics(args, &mut settings, &log)?;
    }
    let outcome = run(&log, &settings, &Progress::silent())?;
    let name = args.log.display().to_string();
    print!(
        "{}",
        match args.format {
            OutputFormat::Json => to_text(&to_json(&name, &outcome)),
            OutputFormat::Table => to_table(&name, &outcome),
        }
    );
    Ok(EXIT_OK)
}

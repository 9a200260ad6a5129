//! `sextant drift`: per-column drift between a reference and a current file.
//!
//! JSON contract: `{"reference": {"path", "rows"}, "current": {"path", "rows"}, "columns":
//! [{"column", "kind", "method", "score", "p_value", "threshold", "drifted",
//! "reference_missing", "current_missing", "metrics": {…}}], "skipped": [{"column",
//! "reason"}], "drifted_columns", "drift_share", "dataset_drift", "windows": […]}`. Keys may be
//! added, never removed. Non-finite numbers are the strings "Infinity", "-Infinity", "NaN".

use std::path::PathBuf;

use clap::Args;
use serde_json::{Map, Value, json};

use super::{CliError, EXIT_FINDING, EXIT_OK, OutputFormat};
use crate::analysis::drift::{BinningStrategy, Correction, DriftMethod, FeatureType, LogBase};
use crate::analysis::windows::WindowSpec;
use crate::data::{Dataset, RoleMap};
use crate::engine::drift::{ColumnDrift, DriftParams, DriftRun, Skipped, run};
use crate::format::fmt_num;
use crate::present::json::{number, opt_number, to_text};
use crate::present::table::TextTable;
use crate::vocab::Progress;
use crate::vocab::time::format_iso;

#[derive(Debug, Args)]
pub struct DriftArgs {
    /// The training (reference) file.
    #[arg(long)]
    pub reference: PathBuf,
    /// The production (current) file.
    #[arg(long)]
    pub current: PathBuf,
    /// Test for every column (auto: Evidently's choice by type and size).
    #[arg(long, default_value = "auto", value_parser = parse_method)]
    pub method: DriftMethod,
    /// Threshold for every column (default: the method's own).
    #[arg(long)]
    pub threshold: Option<f64>,
    /// Test for one column, e.g. `--column-method income=psi` (repeatable).
    #[arg(long, value_name = "COL=METHOD")]
    pub column_method: Vec<String>,
    /// Threshold for one column, e.g. `--column-threshold income=0.2` (repeatable).
    #[arg(long, value_name = "COL=X")]
    pub column_threshold: Vec<String>,
    /// Test for every column of a kind, e.g. `--kind-method numeric=psi` (numeric or
    /// categorical; repeatable).
    #[arg(long, value_name = "KIND=METHOD")]
    pub kind_method: Vec<String>,
    /// Threshold for every column of a kind, e.g. `--kind-threshold categorical=0.2`.
    #[arg(long, value_name = "KIND=X")]
    pub kind_threshold: Vec<String>,
    /// Compare a renamed current column with its reference name (repeatable).
    #[arg(long, value_name = "NEW=OLD")]
    pub rename: Vec<String>,
    /// Report every statistic that applies to each column under `metrics`.
    #[arg(long)]
    pub all_metrics: bool,
    /// Also score windows of the current data: day, week, month, or a number of chunks.
    #[arg(long, value_parser = parse_windows)]
    pub windows: Option<WindowSpec>,
    /// Multiple-testing correction across the p-value tests.
    #[arg(long, default_value = "none", value_parser = parse_correction)]
    pub correction: Correction,
    /// Binning for PSI, KL, JS and Hellinger on numbers: auto (Evidently), sturges, distinct,
    /// deciles, quantiles:N, equal:N.
    #[arg(long, default_value = "auto", value_parser = parse_binning)]
    pub binning: BinningStrategy,
    /// Share of drifted columns at which the dataset counts as drifted.
    #[arg(long, default_value_t = 0.5)]
    pub drift_share: f64,
    /// Jensen–Shannon distance in base 2 (range 0–1) instead of natural log (0–0.833).
    #[arg(long)]
    pub js_base2: bool,
    /// Exit with code 1 when the dataset drifted.
    #[arg(long)]
    pub fail_on_drift: bool,
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
    /// Write the output to this file (atomically) instead of stdout.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

fn parse_method(s: &str) -> Result<DriftMethod, String> {
    s.parse()
}

fn parse_windows(s: &str) -> Result<WindowSpec, String> {
    s.parse()
}

fn parse_correction(s: &str) -> Result<Correction, String> {
    match s.to_ascii_lowercase().as_str() {
        "none" => Ok(Correction::None),
        "bonferroni" => Ok(Correction::Bonferroni),
        "bh" | "benjamini_hochberg" | "fdr" => Ok(Correction::BenjaminiHochberg),
        _ => Err(format!(
            "\"{s}\" is not a correction; use none, bonferroni or bh"
        )),
    }
}

/// `auto`, `sturges`, `distinct`, `deciles`, `quantiles:N` or `equal:N`.
pub fn parse_binning(s: &str) -> Result<BinningStrategy, String> {
    let lower = s.to_ascii_lowercase();
    let (name, n) = match lower.split_once(':') {
        Some((name, n)) => (
            name.to_string(),
            Some(
                n.parse::<usize>()
                    .ok()
                    .filter(|n| *n >= 1)
                    .ok_or_else(|| format!("\"{n}\" is not a number of bins (1 or more)"))?,
            ),
        ),
        None => (lower.clone(), None),
    };
    match (name.as_str(), n) {
        ("auto", None) => Ok(BinningStrategy::Auto),
        ("sturges", None) => Ok(BinningStrategy::Sturges),
        ("distinct", None) => Ok(BinningStrategy::DistinctValues),
        ("deciles", None) => Ok(BinningStrategy::ReferenceQuantiles { n_bins: 10 }),
        ("quantiles", Some(n)) => Ok(BinningStrategy::ReferenceQuantiles { n_bins: n }),
        ("equal", Some(n)) => Ok(BinningStrategy::EqualWidth { n_bins: n }),
        _ => Err(format!(
            "\"{s}\" is not a binning; use auto, sturges, distinct, deciles, quantiles:N or equal:N"
        )),
    }
}

/// Split `KEY=VALUE`.
fn pair<'a>(flag: &str, s: &'a str) -> Result<(&'a str, &'a str), CliError> {
    s.split_once('=')
        .filter(|(k, v)| !k.is_empty() && !v.is_empty())
        .ok_or_else(|| CliError(format!("{flag} takes NAME=VALUE, got \"{s}\"")))
}

/// The engine's parameters from the command line.
pub fn params_from(args: &DriftArgs) -> Result<DriftParams, CliError> {
    let mut params = DriftParams::default();
    let o = &mut params.options;
    o.global.method = (args.method != DriftMethod::Auto).then_some(args.method);
    o.global.threshold = args.threshold;
    o.correction = args.correction;
    o.binning = args.binning;
    if !(0.0..=1.0).contains(&args.drift_share) {
        return Err(CliError("--drift-share must be between 0 and 1".into()));
    }
    o.drift_share = args.drift_share;
    if args.js_base2 {
        o.divergence.js_base = LogBase::Two;
    }
    for s in &args.column_method {
        let (col, method) = pair("--column-method", s)?;
        let method: DriftMethod = method.parse().map_err(CliError)?;
        o.per_column.entry(col.to_string()).or_default().method = Some(method);
    }
    for s in &args.column_threshold {
        let (col, x) = pair("--column-threshold", s)?;
        let x: f64 = x
            .parse()
            .map_err(|_| CliError(format!("--column-threshold: \"{x}\" is not a number")))?;
        o.per_column.entry(col.to_string()).or_default().threshold = Some(x);
    }
    let kind = |k: &str| match k.to_ascii_lowercase().as_str() {
        "numeric" | "numerical" => Ok(FeatureType::Numerical),
        "categorical" => Ok(FeatureType::Categorical),
        _ => Err(CliError(format!(
            "\"{k}\" is not a kind; use numeric or categorical"
        ))),
    };
    for s in &args.kind_method {
        let (k, method) = pair("--kind-method", s)?;
        let method: DriftMethod = method.parse().map_err(CliError)?;
        o.per_feature_type.entry(kind(k)?).or_default().method = Some(method);
    }
    for s in &args.kind_threshold {
        let (k, x) = pair("--kind-threshold", s)?;
        let x: f64 = x
            .parse()
            .map_err(|_| CliError(format!("--kind-threshold: \"{x}\" is not a number")))?;
        o.per_feature_type.entry(kind(k)?).or_default().threshold = Some(x);
    }
    for s in &args.rename {
        let (new, old) = pair("--rename", s)?;
        params.renames.push((new.to_string(), old.to_string()));
    }
    params.windows = args.windows;
    params.all_metrics = args.all_metrics;
    Ok(params)
}

pub fn run_command(args: &DriftArgs) -> Result<u8, CliError> {
    let params = params_from(args)?;
    let (reference, current) = super::load_pair(&args.reference, &args.current)?;
    for w in reference.warnings.iter().chain(&current.warnings) {
        eprintln!("warning: {w}");
    }
    let mut roles = RoleMap::default();
    roles.add_inferred(&reference.columns);
    roles.add_inferred(&current.columns);
    let result = run(&reference, &current, &roles, &params, &Progress::silent())
        .map_err(|e| CliError(e.to_string()))?;
    if let Some(e) = &result.windows_error {
        eprintln!("warning: no drift per window: {e}");
    }
    let text = match args.format {
        OutputFormat::Json => to_text(&to_json(&reference, &current, &result)),
        OutputFormat::Table => to_table(&result),
    };
    super::write_output(args.out.as_deref(), &text)?;
    let code = if args.fail_on_drift && result.report.dataset_drift {
        EXIT_FINDING
    } else {
        EXIT_OK
    };
    // The process ends right after this: handing the frames and samples back to the allocator
    // one by one would only delay the exit (about a tenth of a second at a million rows); the
    // operating system reclaims the memory at once.
    std::mem::forget((reference, current, result));
    Ok(code)
}

/// Tested columns, and the columns the core declined (text) folded into `skipped`.
fn split(run: &DriftRun) -> (Vec<&ColumnDrift>, Vec<Skipped>) {
    let mut skipped = run.skipped.clone();
    let mut tested = Vec::new();
    for c in &run.columns {
        if c.verdict.method.is_some() {
            tested.push(c);
        } else {
            skipped.push(Skipped {
                column: c.reference_name.clone(),
                reason: c
                    .verdict
                    .not_tested_reason
                    .clone()
                    .unwrap_or_else(|| "not tested".into()),
            });
        }
    }
    (tested, skipped)
}

fn kind_name(c: &ColumnDrift) -> &'static str {
    match c.verdict.feature_type {
        FeatureType::Numerical => "numeric",
        _ => "categorical",
    }
}

/// The JSON document of `drift` (also used by reports).
pub fn to_json(reference: &Dataset, current: &Dataset, run: &DriftRun) -> Value {
    let (tested, skipped) = split(run);
    let columns: Vec<Value> = tested.iter().map(|c| column_json(c)).collect();
    let skipped: Vec<Value> = skipped
        .iter()
        .map(|s| json!({"column": s.column, "reason": s.reason}))
        .collect();
    let mut doc = json!({
        "reference": {"path": reference.path.display().to_string(), "rows": reference.rows()},
        "current": {"path": current.path.display().to_string(), "rows": current.rows()},
        "columns": columns,
        "skipped": skipped,
        "drifted_columns": run.report.number_of_drifted_columns,
        "tested_columns": run.report.number_of_columns,
        "drift_share": number(run.report.share_of_drifted_columns),
        "dataset_drift": run.report.dataset_drift,
    });
    if let Some(w) = &run.windows {
        let windows: Vec<Value> = w
            .windows
            .iter()
            .enumerate()
            .map(|(i, win)| {
                let mut cols = Map::new();
                for c in &w.columns {
                    cols.insert(
                        c.column.clone(),
                        json!({"score": opt_number(c.scores[i]), "drifted": c.drifted[i]}),
                    );
                }
                json!({
                    "label": win.label,
                    "start": win.start.map(format_iso),
                    "end": win.end.map(format_iso),
                    "rows": win.rows,
                    "drift_share": number(w.drift_share[i]),
                    "dataset_drift": w.dataset_drift[i],
                    "columns": cols,
                })
            })
            .collect();
        let thresholds: Map<String, Value> = w
            .columns
            .iter()
            .map(|c| (c.column.clone(), opt_number(c.reference_threshold)))
            .collect();
        doc["windows"] = Value::Array(windows);
        doc["window_spec"] = Value::String(w.spec.to_string());
        doc["reference_window_thresholds"] = Value::Object(thresholds);
        doc["rows_without_timestamp"] = json!(w.unassigned_rows);
    }
    if let Some(e) = &run.windows_error {
        doc["windows_error"] = json!(e);
    }
    doc
}

fn column_json(c: &ColumnDrift) -> Value {
    let v = &c.verdict;
    let method = v.method.map(DriftMethod::name);
    let p_value = v
        .method
        .filter(|m| m.yields_p_value())
        .and(v.adjusted_score.or(v.score));
    let score = if v.method.is_some_and(|m| m.yields_p_value()) {
        p_value
    } else {
        v.score
    };
    let mut metrics = Map::new();
    if let Some(m) = &c.metrics {
        for (k, x) in &m.values {
            metrics.insert(k.clone(), number(*x));
        }
    }
    let excluded = |e: &crate::analysis::drift::ExcludedCounts| json!({"missing": e.missing, "nan": e.nan, "pos_inf": e.pos_inf, "neg_inf": e.neg_inf});
    let mut out = json!({
        "column": c.reference_name,
        "kind": kind_name(c),
        "method": method,
        "score": opt_number(score),
        "p_value": opt_number(p_value),
        "threshold": opt_number(v.threshold),
        "drifted": v.drifted,
        "reference_missing": c.reference_missing.total(),
        "current_missing": c.current_missing.total(),
        "reference_excluded": excluded(&c.reference_missing),
        "current_excluded": excluded(&c.current_missing),
        "metrics": metrics,
    });
    if c.current_name != c.reference_name {
        out["current_column"] = Value::String(c.current_name.clone());
    }
    if v.adjusted_score.is_some() && v.adjusted_score != v.score {
        out["raw_p_value"] = opt_number(v.score);
    }
    out
}

fn to_table(run: &DriftRun) -> String {
    let (mut tested, skipped) = split(run);
    // Drifted first, then the rest, each in column order.
    tested.sort_by_key(|c| !c.verdict.drifted);
    let r = &run.report;
    let mut out = format!(
        "Dataset drift: {} — {} of {} tested columns drifted ({:.1} %; the dataset drifts at {:.0} %)\n\n",
        if r.dataset_drift { "YES" } else { "no" },
        r.number_of_drifted_columns,
        r.number_of_columns,
        r.share_of_drifted_columns * 100.0,
        run.drift_share_threshold * 100.0,
    );
    let mut t = TextTable::new(
        &[
            "column",
            "kind",
            "method",
            "score",
            "threshold",
            "drifted",
            "missing ref",
            "missing cur",
        ],
        &[false, false, false, true, true, false, true, true],
    );
    for c in tested {
        let v = &c.verdict;
        let score = if v.method.is_some_and(|m| m.yields_p_value()) {
            v.adjusted_score.or(v.score)
        } else {
            v.score
        };
        let name = if c.current_name != c.reference_name {
            format!("{} (now {})", c.reference_name, c.current_name)
        } else {
            c.reference_name.clone()
        };
        t.row(vec![
            name,
            kind_name(c).into(),
            v.method.map_or("", DriftMethod::name).into(),
            score.map(fmt_num).unwrap_or_default(),
            v.threshold.map(fmt_num).unwrap_or_default(),
            if v.drifted { "DRIFT".into() } else { "".into() },
            c.reference_missing.total().to_string(),
            c.current_missing.total().to_string(),
        ]);
    }
    out.push_str(&t.render());
    if !skipped.is_empty() {
        out.push_str("\nNot tested:\n");
        for s in &skipped {
            out.push_str(&format!("  {}: {}\n", s.column, s.reason));
        }
    }
    if let Some(w) = &run.windows {
        out.push_str(&format!("\nDrift share by {} window:\n", w.spec));
        for (i, win) in w.windows.iter().enumerate() {
            out.push_str(&format!(
                "  {:<12} {:>7} rows  {:>5.1} %{}\n",
                win.label,
                win.rows,
                w.drift_share[i] * 100.0,
                if w.dataset_drift[i] { "  DRIFT" } else { "" }
            ));
        }
    }
    out
}

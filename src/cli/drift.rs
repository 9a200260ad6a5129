//! `sextant drift`: per-column drift between a reference and a current file. The flags become
//! [`DriftSettings`]; [`crate::engine::drift::run`] computes; [`crate::present::drift`] writes
//! the JSON (its contract is documented there) or the table.

use std::path::PathBuf;

use clap::Args;

use super::{CliError, EXIT_FINDING, EXIT_OK, OutputFormat};
use crate::analysis::drift::{BinningStrategy, Correction, DriftMethod, FeatureType};
use crate::analysis::windows::WindowSpec;
use crate::data::RoleMap;
use crate::engine::drift::{DriftInputs, DriftSettings, run};
use crate::engine::multivariate::{self, MultivariateSettings};
use crate::engine::ranges;
use crate::engine::text_drift::{self, TextDriftSettings, TextMethod};
use crate::present::drift as present;
use crate::present::json::{to_text, to_value};
use crate::present::multivariate as present_mv;
use crate::vocab::{Progress, Renames};

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
    /// Threshold for every column, a number in [0, 1000] (default: the method's own).
    #[arg(long, allow_negative_numbers = true, value_parser = ranges::DRIFT_THRESHOLD.parser())]
    pub threshold: Option<f64>,
    /// Test for one column, e.g. `--column-method income=psi` (repeatable).
    #[arg(long, value_name = "COL=METHOD")]
    pub column_method: Vec<String>,
    /// Threshold for one column, in [0, 1000], e.g. `--column-threshold income=0.2`
    /// (repeatable).
    #[arg(long, value_name = "COL=X")]
    pub column_threshold: Vec<String>,
    /// Test for every column of a kind, e.g. `--kind-method numeric=psi` (numeric or
    /// categorical; repeatable).
    #[arg(long, value_name = "KIND=METHOD")]
    pub kind_method: Vec<String>,
    /// Threshold for every column of a kind, in [0, 1000], e.g.
    /// `--kind-threshold categorical=0.2`.
    #[arg(long, value_name = "KIND=X")]
    pub kind_threshold: Vec<String>,
    /// Compare a renamed current column with its reference name (repeatable).
    #[arg(long, value_name = "NEW=OLD")]
    pub rename: Vec<String>,
    /// Report every statistic that applies to each column under `metrics`.
    #[arg(long)]
    pub all_metrics: bool,
    /// Also score windows of the current data: day, week, month, or a number of chunks
    /// (2 to 10000).
    #[arg(long, value_parser = parse_windows)]
    pub windows: Option<WindowSpec>,
    /// Multiple-testing correction across the p-value tests.
    #[arg(long, default_value = "none", value_parser = parse_correction)]
    pub correction: Correction,
    /// Binning for PSI, KL, JS and Hellinger on numbers: auto (Evidently), sturges, distinct,
    /// deciles, quantiles:N, equal:N (N from 2 to 10000 bins).
    #[arg(long, default_value = "auto", value_parser = parse_binning)]
    pub binning: BinningStrategy,
    /// Share of drifted columns at which the dataset counts as drifted, in [0, 1].
    #[arg(long, default_value_t = 0.5, allow_negative_numbers = true, value_parser = ranges::DRIFT_SHARE.parser())]
    pub drift_share: f64,
    /// Jensen–Shannon distance in base 2 (range 0–1) instead of natural log (0–0.833).
    #[arg(long)]
    pub js_base2: bool,
    /// Multivariate drift as well: NannyML's data reconstruction error per window (the
    /// `--windows`, weeks by default) and a domain classifier, under `multivariate`.
    #[arg(long)]
    pub multivariate: bool,
    /// Variance the reconstruction's components must exceed, in (0, 1) (implies
    /// --multivariate).
    #[arg(long, allow_negative_numbers = true, value_parser = ranges::MV_VARIANCE.parser())]
    pub multivariate_variance: Option<f64>,
    /// Folds of the domain classifier, 2 to 20 (implies --multivariate).
    #[arg(long, value_parser = ranges::MV_FOLDS.parser())]
    pub multivariate_folds: Option<usize>,
    /// Rows per side the domain classifier reads per window, 100 to 1000000 (implies
    /// --multivariate).
    #[arg(long, value_parser = ranges::MV_CLASSIFIER_ROWS.parser())]
    pub multivariate_rows: Option<usize>,
    /// Domain classifier AUC above which (with p < 0.05) a window drifted, in [0.5, 1].
    #[arg(long, allow_negative_numbers = true, value_parser = ranges::MV_AUC_THRESHOLD.parser())]
    pub multivariate_auc: Option<f64>,
    /// Skip the domain classifier (reconstruction error only).
    #[arg(long)]
    pub no_domain_classifier: bool,
    /// How free-text columns are tested: domain_classifier (Evidently's TF-IDF classifier) or
    /// none.
    #[arg(long, default_value = "domain_classifier", value_parser = parse_text_method)]
    pub text_method: TextMethod,
    /// An embedding to test: a list-of-numbers column (found by itself too) or a prefix with
    /// `*` grouping columns (`emb_*` → emb_0, emb_1, …); repeatable.
    #[arg(long, value_name = "COL|PREFIX*")]
    pub embedding: Vec<String>,
    /// Test this string column as free text even when half its values repeat (repeatable).
    #[arg(long, value_name = "COL")]
    pub text_column: Vec<String>,
    /// Exit with code 1 when the dataset drifted (or, with --multivariate, when the
    /// multivariate drift alerts).
    #[arg(long)]
    pub fail_on_drift: bool,
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
    /// Write the output to this file (atomically) instead of stdout.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

fn parse_text_method(s: &str) -> Result<TextMethod, String> {
    s.parse()
}

fn parse_method(s: &str) -> Result<DriftMethod, String> {
    s.parse()
}

/// A window spec whose chunks are within [`ranges::CHUNKS`].
pub fn parse_windows(s: &str) -> Result<WindowSpec, String> {
    let rule = || format!("must be day, week, month or {}", ranges::CHUNKS.rule());
    let w: WindowSpec = s.parse().map_err(|_| rule())?;
    ranges::check_windows(Some(w)).map_err(|_| rule())?;
    Ok(w)
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
                ranges::BINS
                    .parse_usize(n)
                    .map_err(|e| format!("\"{n}\" bins: must be {}", e.rule))?,
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

/// The drift settings and renames the flags ask for, validated.
pub fn settings_from(args: &DriftArgs) -> Result<(DriftSettings, Renames), CliError> {
    let mut settings = DriftSettings {
        method: args.method,
        threshold: args.threshold,
        correction: args.correction,
        binning: args.binning,
        windows: args.windows,
        drift_share: args.drift_share,
        js_base2: args.js_base2,
        all_metrics: args.all_metrics,
        text: TextDriftSettings {
            method: args.text_method,
            embeddings: args.embedding.clone(),
            text_columns: args.text_column.iter().cloned().collect(),
        },
        ..DriftSettings::default()
    };
    for e in &args.embedding {
        if e.is_empty() || e == "*" {
            return Err(CliError(format!(
                "--embedding takes a column name or a prefix ending in *, got \"{e}\""
            )));
        }
    }
    for s in &args.column_method {
        let (col, method) = pair("--column-method", s)?;
        let method: DriftMethod = method.parse().map_err(CliError)?;
        settings.per_column.insert(col.to_string(), method);
    }
    for s in &args.column_threshold {
        let (col, x) = pair("--column-threshold", s)?;
        let x = ranges::COLUMN_THRESHOLD
            .parse(x)
            .map_err(|e| CliError(format!("{col}: {e}")))?;
        settings.column_thresholds.insert(col.to_string(), x);
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
        settings.kind_methods.insert(kind(k)?, method);
    }
    for s in &args.kind_threshold {
        let (k, x) = pair("--kind-threshold", s)?;
        let x = ranges::KIND_THRESHOLD
            .parse(x)
            .map_err(|e| CliError(format!("{k}: {e}")))?;
        settings.kind_thresholds.insert(kind(k)?, x);
    }
    if args.multivariate
        || args.multivariate_variance.is_some()
        || args.multivariate_folds.is_some()
        || args.multivariate_rows.is_some()
        || args.multivariate_auc.is_some()
        || args.no_domain_classifier
    {
        let d = MultivariateSettings::default();
        settings.multivariate = Some(MultivariateSettings {
            variance: args.multivariate_variance.unwrap_or(d.variance),
            folds: args.multivariate_folds.unwrap_or(d.folds),
            classifier_rows: args.multivariate_rows.unwrap_or(d.classifier_rows),
            auc_threshold: args.multivariate_auc.unwrap_or(d.auc_threshold),
            classifier: !args.no_domain_classifier,
            ..d
        });
    }
    let mut renames = Vec::new();
    for s in &args.rename {
        let (new, old) = pair("--rename", s)?;
        renames.push((new.to_string(), old.to_string()));
    }
    settings.validate()?;
    Ok((settings, Renames::from(renames)))
}

pub fn run_command(args: &DriftArgs) -> Result<u8, CliError> {
    let (settings, renames) = settings_from(args)?;
    let (reference, current) = super::load_pair(&args.reference, &args.current)?;
    for w in reference.warnings.iter().chain(&current.warnings) {
        eprintln!("warning: {w}");
    }
    let mut roles = RoleMap::default();
    roles.add_inferred(&reference.columns);
    roles.add_inferred(&current.columns);
    let inputs = DriftInputs {
        reference: &reference,
        current: &current,
        roles: &roles,
        renames: &renames,
    };
    let outcome =
        run(&inputs, &settings, &Progress::silent()).map_err(|e| CliError(e.to_string()))?;
    if let Some(e) = &outcome.windows_error {
        eprintln!("warning: no drift per window: {e}");
    }
    let text_outcome = text_drift::run(
        &inputs,
        &settings.text,
        settings.windows,
        &Progress::silent(),
    )
    .map_err(|e| CliError(e.to_string()))?;
    for f in &text_outcome.failed {
        eprintln!("warning: {}", f.reason);
    }
    // Multivariate drift that cannot run (one feature, no timestamp for weeks…) is reported
    // in its part of the output; the per-column drift above stands.
    let multivariate = settings.multivariate.as_ref().map(|m| {
        multivariate::run(
            &inputs,
            m,
            settings.windows.unwrap_or(WindowSpec::Week),
            &Progress::silent(),
        )
        .map_err(|e| e.to_string())
    });
    if let Some(Err(e)) = &multivariate {
        eprintln!("warning: {e}");
    }
    let text = match args.format {
        OutputFormat::Json => {
            let mut v = to_value(&present::to_json(&reference, &current, &outcome));
            crate::present::text_drift::merge_json(&mut v, &text_outcome);
            if let (Some(m), serde_json::Value::Object(map)) = (&multivariate, &mut v) {
                map.insert("multivariate".into(), present_mv::to_json(m));
            }
            to_text(&v)
        }
        OutputFormat::Table => {
            let mut t =
                present::to_table(&outcome) + &crate::present::text_drift::to_table(&text_outcome);
            if let Some(m) = &multivariate {
                t.push_str(&present_mv::to_table(m));
            }
            t
        }
    };
    super::write_output(args.out.as_deref(), &text)?;
    let mv_drift = matches!(&multivariate, Some(Ok(m)) if m.drifted());
    let code = if args.fail_on_drift && (outcome.report.dataset_drift || mv_drift) {
        EXIT_FINDING
    } else {
        EXIT_OK
    };
    // The process ends right after this: handing the frames and samples back to the allocator
    // one by one would only delay the exit (about a tenth of a second at a million rows); the
    // operating system reclaims the memory at once.
    std::mem::forget((reference, current, outcome, multivariate));
    Ok(code)
}

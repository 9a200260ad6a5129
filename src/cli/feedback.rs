//! `sextant feedback`: is the model feeding on its own output? Per feature, the Granger
//! F-test of its window mean on the score's lagged window means (statsmodels'
//! `grangercausalitytests` ssr F-test), the lagged cross-correlation, a Holm (or BH)
//! correction across features × lags, the same test on the holdout as a control, the served
//! against holdout drift per window, and a verdict.
//!
//! Exit codes: 0 no feedback loop; 1 a loop was found (a feature follows the score, and not in
//! the holdout); 2 bad input — a fatal one prints only the sentence; when no Granger test
//! could run at all (too few windows for the lags, a constant score) the rest is printed and
//! the sentence goes to stderr.

use crate::engine::ranges;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::{CliError, EXIT_ERROR, EXIT_FINDING, EXIT_OK, OutputFormat, load_dataset_light};
use crate::analysis::experiment::multiple::Correction;
use crate::analysis::windows::WindowSpec;
use crate::data::RoleMap;
use crate::engine::feedback::{FeedbackInputs, FeedbackSettings, run};
use crate::present::feedback::{to_json, to_table};
use crate::present::json::to_text;
use crate::vocab::{Progress, Role};

/// The multiple-testing correction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CorrectionArg {
    /// Holm–Bonferroni (family-wise error rate).
    Holm,
    /// Benjamini–Hochberg (false discovery rate).
    Bh,
    /// None.
    None,
}

#[derive(Debug, Args)]
pub struct FeedbackArgs {
    /// The served log (CSV, Parquet, Arrow IPC, NDJSON): one row per scored unit and time.
    #[arg(long, value_name = "FILE")]
    pub data: PathBuf,
    /// The time column [default: the column with the timestamp role].
    #[arg(long, value_name = "COL")]
    pub time: Option<String>,
    /// The model's score column [default: the column with the prediction role].
    #[arg(long, value_name = "COL")]
    pub score: Option<String>,
    /// Whether the model's decision was applied to the row (true/1/served/treated) or not
    /// (false/0/holdout/control); a column named like `holdout` is read inverted [default: a
    /// column named served, is_served, treated, holdout or in_holdout, if any].
    #[arg(long, value_name = "COL")]
    pub served: Option<String>,
    /// Features to test, comma-separated [default: every numeric feature].
    #[arg(long, value_name = "a,b", value_delimiter = ',')]
    pub features: Option<Vec<String>>,
    /// Windows: day, week, month, or a number of chunks (2 to 10000).
    #[arg(long, default_value = "day", value_parser = super::drift::parse_windows)]
    pub windows: WindowSpec,
    /// The largest Granger order and cross-correlation lag, in windows (1 to 100).
    #[arg(long, default_value_t = 5, allow_negative_numbers = true, value_parser = ranges::MAX_LAG.parser())]
    pub max_lag: usize,
    /// Windows at the start that are each group's baseline for the served/holdout drift
    /// (1 to 10000).
    #[arg(long, default_value_t = 7, allow_negative_numbers = true, value_parser = ranges::BASELINE.parser())]
    pub baseline: usize,
    /// Level of the verdict (adjusted p ≤ alpha), in (0, 1).
    #[arg(long, default_value_t = 0.05, allow_negative_numbers = true, value_parser = ranges::FEEDBACK_ALPHA.parser())]
    pub alpha: f64,
    /// Correction across features × lags.
    #[arg(long, value_enum, default_value_t = CorrectionArg::Holm)]
    pub correction: CorrectionArg,
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
    /// Write the output to this file (atomically) instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// The settings the flags ask for.
pub fn settings(args: &FeedbackArgs) -> Result<FeedbackSettings, CliError> {
    let settings = FeedbackSettings {
        time: args.time.clone(),
        score: args.score.clone(),
        served: args.served.clone(),
        features: args.features.clone(),
        windows: Some(args.windows),
        max_lag: Some(args.max_lag),
        baseline: Some(args.baseline),
        alpha: Some(args.alpha),
        correction: Some(match args.correction {
            CorrectionArg::Holm => Correction::Holm,
            CorrectionArg::Bh => Correction::BenjaminiHochberg,
            CorrectionArg::None => Correction::None,
        }),
    };
    settings.validate()?;
    Ok(settings)
}

/// `sextant feedback`.
pub fn run_command(args: &FeedbackArgs) -> Result<u8, CliError> {
    let settings = settings(args)?;
    let data = load_dataset_light(&args.data)?;
    let mut roles = RoleMap::default();
    roles.add_inferred(&data.columns);
    if let Some(t) = &args.time {
        roles.set(t, Role::Timestamp);
    }
    let inputs = FeedbackInputs {
        data: &data,
        roles: &roles,
    };
    let outcome = run(&inputs, &settings, &Progress::silent())
        .map_err(|e| CliError(format!("{}: {e}", args.data.display())))?;
    let text = match args.format {
        OutputFormat::Json => to_text(&to_json(&outcome)),
        OutputFormat::Table => to_table(&outcome),
    };
    write_output(args, &text)?;
    if outcome.report.granger.is_empty() {
        let why = outcome
            .report
            .notes
            .first()
            .cloned()
            .unwrap_or_else(|| "no Granger test could run".into());
        eprintln!("error: {}: {why}", args.data.display());
        return Ok(EXIT_ERROR);
    }
    if args.format == OutputFormat::Json {
        for n in &outcome.notes {
            eprintln!("note: {n}");
        }
    }
    Ok(if outcome.report.verdict.found {
        EXIT_FINDING
    } else {
        EXIT_OK
    })
}

fn write_output(args: &FeedbackArgs, text: &str) -> Result<(), CliError> {
    super::write_output(args.out.as_deref(), text)
}

/// Arguments of the hidden `bench-feedback`.
#[derive(Debug, Args)]
pub struct BenchFeedbackArgs {
    /// Rows of the generated log (1 to 100000000).
    #[arg(long, default_value_t = 200_000, value_parser = crate::engine::ranges::BENCH_ROWS.parser())]
    pub rows: usize,
    /// Daily windows (1 to 10000).
    #[arg(long, default_value_t = 100, value_parser = crate::engine::ranges::BENCH_DAYS.parser())]
    pub days: usize,
    /// Numeric features (1 to 1000).
    #[arg(long, default_value_t = 20, value_parser = crate::engine::ranges::BENCH_FEATURES.parser())]
    pub features: usize,
    /// Runs (the best is reported) (1 to 100).
    #[arg(long, default_value_t = 3, value_parser = crate::engine::ranges::BENCH_REPEAT.parser())]
    pub repeat: usize,
}

/// Time the feedback pass (Granger, cross-correlation, served/holdout drift) on generated data.
pub fn bench(args: &BenchFeedbackArgs) -> Result<u8, CliError> {
    let b = crate::engine::feedback::bench(args.rows, args.days, args.features, args.repeat)?;
    print!("{b}");
    Ok(EXIT_OK)
}

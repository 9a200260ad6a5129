//! `sextant seasonality`: a column or a derived series as a time series, its candidate periods,
//! its STL / MSTL decomposition, strengths and remainder anomalies; with `--current`, also the
//! naive and the season-aware comparison of the current file with the input (reference) file.
//!
//! This file holds the flags only: they become [`SeasonalitySettings`] (the settings a session
//! stores), [`crate::engine::seasonality::run`] computes, and [`crate::present::seasonality`]
//! writes the table, the JSON (its contract is described there) or the CSV.

use crate::engine::ranges;
use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::{CliError, EXIT_OK, load_dataset};
use crate::analysis::seasonality::{Aggregation, SamplingFrequency, StlOptions};
use crate::data::RoleMap;
use crate::data::series::ValueSpec;
use crate::engine::seasonality::{
    self as engine, DataChoice, SeasonalityInputs, SeasonalitySettings, TimeAxis,
};
use crate::present::seasonality as present;
use crate::vocab::{Progress, Renames};

/// Output formats of `seasonality`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum SeasonalityFormat {
    /// A summary, the candidate periods and the anomalies, for people.
    #[default]
    Table,
    /// Every series and number (the keys are a stable contract).
    Json,
    /// One row per period: timestamp, observed, trend, seasonal part(s), remainder, weight,
    /// filled, anomaly, z-score.
    Csv,
}

/// Which rows the series is built from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum SeriesData {
    /// The --input file.
    #[default]
    Input,
    /// The --current file.
    Current,
    /// --input then --current, end to end.
    Both,
}

#[derive(Debug, Args)]
pub struct SeasonalityArgs {
    /// The data file (CSV, Parquet, Arrow IPC or NDJSON); the reference when --current is given.
    #[arg(long, value_name = "FILE")]
    pub input: PathBuf,
    /// A current (production) file: adds the naive and season-aware comparison with --input
    /// (needs --time), and allows --series current|both.
    #[arg(long, value_name = "FILE")]
    pub current: Option<PathBuf>,
    /// Which rows make the series: input, current, or both end to end.
    #[arg(long, value_enum, default_value_t = SeriesData::Input)]
    pub series: SeriesData,
    /// The value: a column (aggregated with --agg), or a derived series: @count (rows per
    /// period), @null_rate:COL, @prediction_mean[:COL] (role prediction), @label_rate[:COL]
    /// (role target), @drift:COL (the column's drift score per period of --current against
    /// --input).
    #[arg(
        long,
        value_name = "COL|@count|@null_rate:COL|@prediction_mean|@label_rate|@drift:COL"
    )]
    pub value: String,
    /// Timestamp column; without it the rows in file order are the series.
    #[arg(long, value_name = "COL")]
    pub time: Option<String>,
    /// Period of the series with --time: minute, hour, day, week, month [default: day].
    #[arg(long, value_name = "FREQ", value_parser = parse_frequency)]
    pub freq: Option<SamplingFrequency>,
    /// Aggregation of a column per period: mean, sum, count, min, max, median, qQ (quantile Q in
    /// [0, 1], e.g. q0.9) [default: mean].
    #[arg(long, value_name = "AGG", value_parser = parse_aggregation)]
    pub agg: Option<Aggregation>,
    /// Seasonal period in periods of the series (repeat for MSTL); default: the strongest
    /// detected candidate.
    /// Each from 2 to 100000, at most 8 of them.
    #[arg(long = "period", value_name = "N", value_parser = ranges::PERIOD.parser())]
    pub periods: Vec<usize>,
    /// Seasonal window (odd, >= 3; default 7 for STL; repeat once per period for MSTL, whose
    /// default is 7 + 4 i); at most 1000001.
    #[arg(long = "seasonal", value_name = "N", value_parser = ranges::SEASONAL_WINDOW.parser())]
    pub seasonal: Vec<usize>,
    /// Trend window (odd, > period, at most 1000001) [default: statsmodels' rule from period
    /// and seasonal].
    #[arg(long, value_name = "N", value_parser = ranges::TREND_WINDOW.parser())]
    pub trend: Option<usize>,
    /// Low-pass window (odd, > period, at most 1000001) [default: smallest odd integer >
    /// period].
    #[arg(long, value_name = "N", value_parser = ranges::LOW_PASS_WINDOW.parser())]
    pub low_pass: Option<usize>,
    /// Degree of the seasonal LOESS (0 or 1).
    #[arg(long, value_name = "D", default_value_t = 1)]
    pub seasonal_deg: u8,
    /// Degree of the trend LOESS (0 or 1).
    #[arg(long, value_name = "D", default_value_t = 1)]
    pub trend_deg: u8,
    /// Degree of the low-pass LOESS (0 or 1).
    #[arg(long, value_name = "D", default_value_t = 1)]
    pub low_pass_deg: u8,
    /// Seasonal LOESS jump (1 to 10000).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub seasonal_jump: usize,
    /// Trend LOESS jump (1 to 10000).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub trend_jump: usize,
    /// Low-pass LOESS jump (1 to 10000).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub low_pass_jump: usize,
    /// Robust fit with bisquare weights (inner 2 / outer 15 iterations instead of 5 / 0).
    #[arg(long)]
    pub robust: bool,
    /// Inner iterations, 1 to 100 [default: 2 robust, 5 otherwise].
    #[arg(long, value_name = "N", value_parser = ranges::INNER_ITER.parser())]
    pub inner_iter: Option<usize>,
    /// Outer (robustness) iterations, 0 to 100 [default: 15 robust, 0 otherwise].
    #[arg(long, value_name = "N", value_parser = ranges::OUTER_ITER.parser())]
    pub outer_iter: Option<usize>,
    /// Robust z-score (median / MAD) of the remainder above which a period is an anomaly, in
    /// (0, 1000].
    #[arg(long, value_name = "Z", default_value_t = 3.5, allow_negative_numbers = true, value_parser = ranges::ANOMALY_Z.parser())]
    pub anomaly_threshold: f64,
    /// Significance level of the comparison's verdicts (Welch's t-test), in (0, 1).
    #[arg(long, value_name = "P", default_value_t = 0.05, allow_negative_numbers = true, value_parser = ranges::SEASONALITY_ALPHA.parser())]
    pub alpha: f64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = SeasonalityFormat::Table)]
    pub format: SeasonalityFormat,
}

fn parse_frequency(text: &str) -> Result<SamplingFrequency, String> {
    SamplingFrequency::parse(text).ok_or_else(|| {
        format!("\"{text}\" is not a frequency; use minute, hour, day, week or month")
    })
}

fn parse_aggregation(text: &str) -> Result<Aggregation, String> {
    Aggregation::parse(text).ok_or_else(|| {
        format!(
            "\"{text}\" is not an aggregation; use mean, sum, count, min, max, median or qQ with Q in [0, 1] (e.g. q0.9)"
        )
    })
}

/// The settings the flags ask for, validated as a whole (the flags one by one are checked by
/// clap): what the engine runs, exactly as a session's settings would be.
fn settings_of(args: &SeasonalityArgs, spec: &ValueSpec) -> Result<SeasonalitySettings, CliError> {
    // STL takes one seasonal window, MSTL one per period (or none: the defaults).
    let (seasonal, mstl_windows) = match (args.periods.len(), &args.seasonal[..]) {
        (0 | 1, []) => (SeasonalitySettings::default().seasonal, BTreeMap::new()),
        (0 | 1, [w]) => (*w, BTreeMap::new()),
        (n, []) if n > 1 => (SeasonalitySettings::default().seasonal, BTreeMap::new()),
        (n, windows) if n > 1 && windows.len() == n => (
            SeasonalitySettings::default().seasonal,
            args.periods
                .iter()
                .copied()
                .zip(windows.iter().copied())
                .collect(),
        ),
        (n, windows) => {
            return Err(CliError(format!(
                "--seasonal was given {} times for {} period(s): give it once per --period, or not at all",
                windows.len(),
                n.max(1)
            )));
        }
    };
    let time = match (&args.time, spec) {
        (Some(c), _) => TimeAxis::Column(c.clone()),
        // A drift score is per calendar window: without --time, the timestamp role's column.
        (None, ValueSpec::DriftScore(_)) => TimeAxis::Role,
        (None, _) => TimeAxis::RowOrder,
    };
    let settings = SeasonalitySettings {
        data: match args.series {
            SeriesData::Input => DataChoice::Reference,
            SeriesData::Current => DataChoice::Current,
            SeriesData::Both => DataChoice::Both,
        },
        time,
        value: spec.clone(),
        aggregation: args.agg.unwrap_or(Aggregation::Mean),
        frequency: args.freq.unwrap_or(SamplingFrequency::Day),
        periods: args.periods.clone(),
        seasonal,
        mstl_windows,
        options: StlOptions {
            trend: args.trend,
            low_pass: args.low_pass,
            seasonal_deg: args.seasonal_deg,
            trend_deg: args.trend_deg,
            low_pass_deg: args.low_pass_deg,
            seasonal_jump: args.seasonal_jump,
            trend_jump: args.trend_jump,
            low_pass_jump: args.low_pass_jump,
            robust: args.robust,
            inner_iter: args.inner_iter,
            outer_iter: args.outer_iter,
        },
        anomaly_threshold: args.anomaly_threshold,
        alpha: args.alpha,
    };
    settings.validate()?;
    Ok(settings)
}

/// `sextant seasonality`: flags to settings, the engine, then the presenter of `--format`.
pub fn run(args: &SeasonalityArgs) -> Result<u8, CliError> {
    let spec = ValueSpec::parse(&args.value)?;
    if args.time.is_none() && args.freq.is_some() {
        eprintln!(
            "warning: --freq is ignored without --time (the rows in file order are the series)"
        );
    }
    if args.agg.is_some() && !matches!(spec, ValueSpec::Column(_)) {
        eprintln!(
            "warning: --agg is ignored for the derived series {}",
            spec.to_text()
        );
    }
    if args.current.is_none() && args.series != SeriesData::Input {
        return Err(CliError(
            "--series current or both needs --current FILE".into(),
        ));
    }
    let settings = settings_of(args, &spec)?;
    let input = load_dataset(&args.input)?;
    let current = args.current.as_deref().map(load_dataset).transpose()?;
    for w in input
        .warnings
        .iter()
        .chain(current.iter().flat_map(|c| c.warnings.iter()))
    {
        eprintln!("warning: {w}");
    }
    let mut roles = RoleMap::default();
    roles.add_inferred(&input.columns);
    if let Some(c) = &current {
        roles.add_inferred(&c.columns);
    }
    let drift = matches!(spec, ValueSpec::DriftScore(_));
    if drift && current.is_none() {
        return Err(CliError(format!(
            "--value {} compares two files: give the production file with --current",
            spec.to_text()
        )));
    }
    let renames = Renames::new();
    let inputs = SeasonalityInputs {
        reference: Some(&input),
        current: current.as_ref(),
        roles: &roles,
        renames: &renames,
    };
    let outcome = engine::run(&inputs, &settings, &Progress::silent())?;
    // What the messages call the series: a drift score compares the two files by definition.
    let what = if drift {
        outcome.label.clone()
    } else {
        if outcome.series.missing_times > 0 {
            eprintln!(
                "warning: {} rows have no timestamp and were left out",
                outcome.series.missing_times
            );
        }
        let names: Vec<String> = match (args.series, &current) {
            (SeriesData::Input, _) | (_, None) => vec![input.name()],
            (SeriesData::Current, Some(c)) => vec![c.name()],
            (SeriesData::Both, Some(c)) => vec![input.name(), c.name()],
        }
        .into_iter()
        .map(|n| n.to_string())
        .collect();
        format!("{} of {}", outcome.label, names.join(" + "))
    };
    let report = outcome
        .report
        .as_ref()
        .map_err(|e| CliError(format!("{what}: {e}")))?;
    let comparison = match &outcome.comparison {
        Some(Ok(c)) => Some(c),
        Some(Err(e)) => return Err(CliError(format!("comparing {what}: {e}"))),
        None => {
            if current.is_some() && args.time.is_none() && !drift {
                eprintln!("warning: the comparison needs --time to match seasons; it is left out");
            }
            None
        }
    };
    let text = match args.format {
        SeasonalityFormat::Json => {
            let doc = present::CommandDoc {
                input: args.input.display().to_string(),
                current: args.current.as_ref().map(|p| p.display().to_string()),
                series: match args.series {
                    SeriesData::Input => "input",
                    SeriesData::Current => "current",
                    SeriesData::Both => "both",
                },
                body: present::decomposition(
                    // `time` is the flag as given (null without --time, also for a drift score
                    // whose windows follow the timestamp role): the JSON contract of the command.
                    present::About {
                        time: args.time.as_deref(),
                        ..present::About::of(&outcome)
                    },
                    &outcome.series,
                    report,
                    comparison,
                ),
            };
            return match present::write_json(&doc, std::io::stdout().lock()) {
                Ok(()) => Ok(EXIT_OK),
                // A closed pipe (`| head`) is the reader's choice, not a failure.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(EXIT_OK),
                Err(e) => Err(CliError(format!("writing the JSON failed: {e}"))),
            };
        }
        SeasonalityFormat::Csv => present::csv(&outcome.series, report),
        SeasonalityFormat::Table => present::table(
            &outcome.label,
            &outcome.series,
            report,
            comparison,
            args.anomaly_threshold,
        ),
    };
    print!("{text}");
    Ok(EXIT_OK)
}

/// `sextant bench-seasonality`: STL timings on a synthetic series (hidden; for the README's
/// speed figure).
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Series length (1 to 100000000).
    #[arg(long, default_value_t = 1_000_000, value_parser = crate::engine::ranges::BENCH_ROWS.parser())]
    pub points: usize,
    /// Seasonal period (2 to 100000).
    #[arg(long, default_value_t = 24, value_parser = ranges::BENCH_PERIOD.parser())]
    pub period: usize,
    /// Runs per setting (the best is reported) (1 to 100).
    #[arg(long, default_value_t = 3, value_parser = crate::engine::ranges::BENCH_REPEAT.parser())]
    pub repeat: usize,
}

/// Runs the benchmark and prints one line per setting.
pub fn bench(args: &BenchArgs) -> Result<u8, CliError> {
    let timings = engine::bench(args.points, args.period, args.repeat)?;
    let build = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    print!("{}", present::bench_text(&timings, build));
    Ok(EXIT_OK)
}

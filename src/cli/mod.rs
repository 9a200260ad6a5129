//! The headless front end: one file per subcommand. Every command prints its result to stdout
//! (a table for people, JSON for pipelines) and exits 0 when all is well, 1 for a finding
//! (used by check commands), 2 for a usage or input error.

pub mod ab;
pub mod bench;
pub mod bench_text;
pub mod check;
pub mod compare;
pub mod compress;
pub mod drift;
pub mod feedback;
pub mod health;
pub mod inspect;
pub mod integrity;
pub mod power;
pub mod report;
pub mod retrain;
pub mod rollout;
pub mod sample_data;
pub mod seasonality;
pub mod serve_sim;
pub mod session;

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::data::{Dataset, LoadOptions};
use crate::jobs::{Job, Poll};
use crate::vocab::Progress;

/// Exit code: success.
pub const EXIT_OK: u8 = 0;
/// Exit code: the command ran and found what it was asked to fail on.
pub const EXIT_FINDING: u8 = 1;
/// Exit code: bad usage or unreadable input.
pub const EXIT_ERROR: u8 = 2;

/// Sextant: see what changed between the data a model was trained on and the data it sees now.
///
/// With no command, opens the window: on the bundled sample data, on TRAINING [PRODUCTION], or
/// on a saved session (FILE.sextant).
#[derive(Debug, Parser)]
#[command(name = "sextant", version, args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,

    /// Tab to show when the window opens (overview, drift, …).
    #[arg(long, value_name = "NAME")]
    pub tab: Option<String>,

    /// Size of the window in points, e.g. 1600x1000.
    #[arg(long, value_name = "WxH", value_parser = parse_size)]
    pub window_size: Option<[f32; 2]>,

    /// ONNX model to open in the Compression tab.
    #[arg(long, value_name = "FILE")]
    pub model: Option<PathBuf>,

    /// Column to select when the window opens.
    #[arg(long, value_name = "NAME")]
    pub column: Option<String>,

    /// Save a PNG of the window after it has drawn a few frames, then quit (for smoke tests and
    /// screenshots).
    #[arg(long, value_name = "PNG", hide = true)]
    pub screenshot: Option<PathBuf>,
}

fn parse_size(s: &str) -> Result<[f32; 2], String> {
    let (w, h) = s
        .split_once(['x', 'X'])
        .ok_or_else(|| format!("\"{s}\" is not a size like 1600x1000"))?;
    let parse = |v: &str| {
        v.trim()
            .parse::<f32>()
            .ok()
            .filter(|v| (200.0..=10_000.0).contains(v))
            .ok_or_else(|| format!("\"{s}\" is not a size like 1600x1000"))
    };
    Ok([parse(w)?, parse(h)?])
}

/// Parse the process's arguments. A value refused by its flag's parser (a number outside its
/// range, [`crate::engine::ranges`]) ends the process with exit code 2 and clap's first line
/// alone, "error: invalid value 'NaN' for '--alpha <ALPHA>': must be a number in (0, 1)": one
/// sentence, like every other refusal. Other usage errors, `--help` and `--version` are clap's.
pub fn parse_args() -> Cli {
    match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if e.kind() == clap::error::ErrorKind::ValueValidation => {
            let text = e.render().to_string();
            eprintln!("{}", text.lines().next().unwrap_or("error: invalid value"));
            std::process::exit(i32::from(EXIT_ERROR));
        }
        Err(e) => e.exit(),
    }
}

/// The headless commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the schema and a per-column summary of a data file.
    Inspect(inspect::InspectArgs),
    /// Which columns drifted between a reference and a current file, by how much, by which test.
    Drift(Box<drift::DriftArgs>),
    /// Write the bundled sample data (credit-risk training and production files).
    SampleData(sample_data::SampleDataArgs),
    /// Time loading and drift on a generated 1M + 1M row pair (run with --release).
    Bench(bench::BenchArgs),
    /// A column or derived series as a time series: candidate periods, STL/MSTL decomposition,
    /// seasonal and trend strength, remainder anomalies, season-aware comparison.
    Seasonality(Box<seasonality::SeasonalityArgs>),
    /// An A/B test from an experiment log: sample-ratio mismatch, then each metric × arm
    /// against the control (gbstats's frequentist engine), CUPED, chance to win, sequential
    /// intervals, Holm or Benjamini–Hochberg; `ab power` plans one (units per arm, detectable
    /// effect, days).
    Ab(Box<power::AbCommandArgs>),
    /// A gradual rollout from a request log: the ramp steps, a one-sided sequential guardrail
    /// test stratified by step, a verdict per step (safe to go on, or roll back since when),
    /// and with --plan the what-if replay of another ramp. Exit 1 when a guardrail breached.
    Rollout(Box<rollout::RolloutArgs>),
    /// Champion against challenger offline: two score columns on the same labelled rows —
    /// ROC AUC, accuracy, log loss, DeLong's and McNemar's tests, a paired bootstrap, a
    /// verdict.
    Compare(Box<compare::CompareArgs>),
    /// Time drift, windowed drift, health, integrity, report and seasonality as whole
    /// processes on a generated 1M + 1M pair and a 1M-point series (run with --release).
    #[command(hide = true)]
    BenchCommands(bench::BenchCommandsArgs),
    /// Time `sextant ab` on a generated 10M-event log (a benchmark; run with --release).
    #[command(hide = true)]
    BenchExperiment(bench::BenchExperimentArgs),
    /// Time opening a generated dataset of many Parquet partitions (footers, then the whole
    /// set) against one file of the same rows (a benchmark; run with --release).
    #[command(hide = true)]
    BenchMany(bench::BenchManyArgs),
    /// Time `sextant compare` on 1M generated scored rows (a benchmark; run with --release).
    #[command(hide = true)]
    BenchCompare(bench::BenchCompareArgs),
    /// Time text drift on 200k + 200k generated short texts (a benchmark; run with --release).
    #[command(hide = true)]
    BenchText(bench_text::BenchTextArgs),
    /// Time `sextant rollout --plan` on a generated 1M-request log (a benchmark; run with
    /// --release).
    #[command(hide = true)]
    BenchRollout(bench::BenchRolloutArgs),
    /// Time STL on a long synthetic series (for the README's speed figure).
    #[command(hide = true)]
    BenchSeasonality(seasonality::BenchArgs),
    /// Check whether the production data is intact: schema, missing values, unseen values,
    /// ranges, duplicates, timestamps, training-serving skew.
    Integrity(integrity::IntegrityArgs),
    /// Time all integrity checks on generated data (a benchmark).
    #[command(hide = true)]
    IntegrityBench(integrity::IntegrityBenchArgs),
    /// Write a session's report snapshot (HTML or JSON) without the window.
    Report(Box<report::ReportArgs>),
    /// Create or inspect session files (`session new`, `session show`).
    Session(session::SessionArgs),
    /// Run a session's analyses and alert rules; exit 1 when a rule broke (for CI and cron).
    Check(check::CheckArgs),
    /// How the model's quality moves over time: metrics per window with intervals, label
    /// coverage, change detectors, label-free estimates, staleness, alert rules.
    Health(Box<health::HealthArgs>),
    /// Time the full health pass on 1M generated rows (a benchmark; run with --release).
    #[command(hide = true)]
    BenchHealth(health::BenchHealthArgs),
    /// Is the model feeding on its own output? Granger tests of each feature on the lagged
    /// score, cross-correlation, served against holdout drift, a verdict. Exit 1 on a loop.
    Feedback(Box<feedback::FeedbackArgs>),
    /// Time the feedback checks on 20 generated features (a benchmark; run with --release).
    #[command(hide = true)]
    BenchFeedback(feedback::BenchFeedbackArgs),
    /// What each compression of an ONNX model (quantization, pruning, fewer trees, a student)
    /// costs in quality and gains in size and latency, on labelled data.
    Compress(Box<compress::CompressArgs>),
    /// A retraining backtest: replays training + production with a stand-in model Sextant
    /// trains itself and scores policies (never, every:N, on-drift, floor, drift-share) × modes
    /// (scratch, sliding, incremental) by window log loss + κ · retrains (RETRAINING.md).
    Retrain(Box<retrain::RetrainArgs>),
    /// Time the retraining backtest on 1M generated rows (a benchmark; run with --release).
    #[command(hide = true)]
    BenchRetrain(retrain::BenchRetrainArgs),
    /// Time every variant of a generated MLP, int8/int4 as integer graphs (a benchmark; run
    /// with --release).
    #[command(hide = true)]
    BenchQuantized(compress::BenchQuantizedArgs),
    /// Replay request arrivals (a timestamp column or a Poisson rate) through each variant's
    /// measured latency per batch size under realtime, micro-batching and offline policies:
    /// p50/p95/p99, throughput, utilisation, late share against an SLA, core-seconds per
    /// million, and the cheapest configuration meeting the SLA.
    ServeSim(Box<serve_sim::ServeSimArgs>),
    /// Time the serving simulator on a generated day at 500 requests/s for 6 variants × 3
    /// policies × 3 worker counts (a benchmark; run with --release).
    #[command(hide = true)]
    BenchServing(serve_sim::BenchServingArgs),
    /// Time multivariate drift on 1M + 1M generated rows × 20 columns, weekly windows (a
    /// benchmark; run with --release).
    #[command(hide = true)]
    BenchMultivariate(bench::BenchMultivariateArgs),
}

/// Output format of a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum OutputFormat {
    /// Aligned text for people.
    #[default]
    Table,
    /// JSON for pipelines (the keys are a stable contract).
    Json,
}

/// An error that ends a command with exit code 2; the message is one sentence.
#[derive(Debug)]
pub struct CliError(pub String);

impl<E: std::fmt::Display> From<E> for CliError {
    fn from(e: E) -> Self {
        Self(e.to_string())
    }
}

/// Run a parsed command; returns the process exit code.
pub fn run(command: Command) -> u8 {
    let result = match command {
        Command::Inspect(args) => inspect::run(&args),
        Command::Drift(args) => drift::run_command(&args),
        Command::SampleData(args) => sample_data::run(&args),
        Command::Bench(args) => bench::run_bench(&args),
        Command::Seasonality(args) => seasonality::run(&args),
        Command::BenchSeasonality(args) => seasonality::bench(&args),
        Command::Integrity(args) => integrity::run(&args),
        Command::IntegrityBench(args) => integrity::bench(&args),
        Command::Report(args) => report::run(&args),
        Command::Session(args) => session::run(&args),
        Command::Check(args) => check::run(&args),
        Command::Health(args) => health::run(&args),
        Command::BenchHealth(args) => health::bench(&args),
        Command::BenchMultivariate(args) => bench::run_bench_multivariate(&args),
        Command::Feedback(args) => feedback::run_command(&args),
        Command::BenchFeedback(args) => feedback::bench(&args),
        Command::Compress(args) => compress::run(&args),
        Command::Ab(args) => power::run_command(&args),
        Command::Rollout(args) => rollout::run_command(&args),
        Command::Compare(args) => compare::run_command(&args),
        Command::BenchExperiment(args) => bench::run_bench_experiment(&args),
        Command::BenchMany(args) => bench::run_bench_many(&args),
        Command::BenchCommands(args) => bench::run_bench_commands(&args),
        Command::BenchCompare(args) => bench::run_bench_compare(&args),
        Command::BenchText(args) => bench_text::run_bench_text(&args),
        Command::BenchRollout(args) => bench::run_bench_rollout(&args),
        Command::Retrain(args) => retrain::run(&args),
        Command::BenchRetrain(args) => retrain::bench(&args),
        Command::BenchQuantized(args) => compress::run_bench_quantized(&args),
        Command::ServeSim(args) => serve_sim::run(&args),
        Command::BenchServing(args) => serve_sim::bench(&args),
    };
    match result {
        Ok(code) => code,
        Err(CliError(message)) => {
            eprintln!("error: {message}");
            EXIT_ERROR
        }
    }
}

/// Load a dataset for a command, with a progress line on stderr when it is a terminal.
pub fn load_dataset(path: &std::path::Path) -> Result<Dataset, CliError> {
    load_with(path, LoadOptions::default())
}

/// Load a dataset with types, kinds and roles only (no per-column statistics): for commands
/// that read a few columns of a large file.
pub fn load_dataset_light(path: &std::path::Path) -> Result<Dataset, CliError> {
    load_with(
        path,
        LoadOptions {
            light: true,
            ..LoadOptions::default()
        },
    )
}

/// Load a training and a production file at once (on two threads), without the per-column
/// statistics the window shows: what the analysis commands need.
pub fn load_pair(
    reference: &std::path::Path,
    current: &std::path::Path,
) -> Result<(Dataset, Dataset), CliError> {
    crate::engine::load_pair(reference, current, true).map_err(CliError::from)
}

fn load_with(path: &std::path::Path, options: LoadOptions) -> Result<Dataset, CliError> {
    let path = path.to_path_buf();
    if !std::io::stderr().is_terminal() {
        return Dataset::load(&path, &options, &Progress::silent()).map_err(CliError::from);
    }
    let label = format!("Loading {}", path.display());
    let job = Job::spawn(label, None, move |p| Dataset::load(&path, &options, p))?;
    let result = loop {
        match job.poll() {
            Poll::Running => {
                let p = job.progress();
                let pct = p.fraction().map(|f| format!(" {:3.0}%", f * 100.0));
                eprint!("\r\x1b[2K{}{}", p.stage(), pct.unwrap_or_default());
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            Poll::Done(r) => break r,
            Poll::Gone => {
                break Err(crate::data::DataError::Cancelled {
                    path: PathBuf::new(),
                });
            }
        }
    };
    eprint!("\r\x1b[2K");
    result.map_err(CliError::from)
}

/// Print `text` to stdout, or write it atomically to `out`.
pub fn write_output(out: Option<&std::path::Path>, text: &str) -> Result<(), CliError> {
    match out {
        None => {
            print!("{text}");
            Ok(())
        }
        Some(path) => crate::data::write::write_atomically(path, |f| {
            std::io::Write::write_all(f, text.as_bytes()).map_err(|e| e.to_string())
        })
        .map_err(CliError::from),
    }
}

/// Parse `NEW=OLD` rename arguments, in the order given (a column renamed twice is kept
/// twice, so that the checks can say so).
pub fn parse_renames(args: &[String]) -> Result<crate::vocab::Renames, CliError> {
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

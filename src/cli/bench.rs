//! `sextant bench`: reproducible timings on generated data, in the build you run it with
//! (use `cargo run --release -- bench`). Prints wall time per stage and peak memory.

use std::path::PathBuf;

use clap::Args;

use super::{CliError, EXIT_OK};

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Rows per side (1 to 100000000).
    #[arg(long, default_value_t = 1_000_000, value_parser = crate::engine::ranges::BENCH_ROWS.parser())]
    pub rows: usize,
    /// Folder for the generated Parquet pair (reused when present).
    #[arg(long, default_value = "target/bench-data")]
    pub dir: PathBuf,
    /// Repetitions of each stage; the best time is reported (1 to 100).
    #[arg(long, default_value_t = 3, value_parser = crate::engine::ranges::BENCH_REPEAT.parser())]
    pub repeat: usize,
}

pub fn run_bench(args: &BenchArgs) -> Result<u8, CliError> {
    if !crate::engine::bench::bench_files(&args.dir, args.rows)
        .0
        .is_file()
        || !crate::engine::bench::bench_files(&args.dir, args.rows)
            .1
            .is_file()
    {
        eprintln!(
            "generating {} rows × 20 columns per side in {}",
            args.rows,
            args.dir.display()
        );
    }
    crate::engine::bench::ensure_bench_pair(&args.dir, args.rows)?;
    let b = crate::engine::bench::drift(&args.dir, args.rows, args.repeat)?;
    print!("{}", crate::present::bench::drift_text(&b));
    Ok(EXIT_OK)
}

/// Arguments of the hidden `bench-experiment`.
#[derive(Debug, Args)]
pub struct BenchExperimentArgs {
    /// Events in the generated log (1 to 100000000).
    #[arg(long, default_value_t = 10_000_000, value_parser = crate::engine::ranges::BENCH_ROWS.parser())]
    pub rows: usize,
    /// Users the events belong to (1 to 100000000, at most --rows).
    #[arg(long, default_value_t = 1_000_000, value_parser = crate::engine::ranges::BENCH_UNITS.parser())]
    pub units: usize,
    /// Folder for the generated Parquet log (reused when present).
    #[arg(long, default_value = "target/bench-data")]
    pub dir: PathBuf,
    /// Repetitions; the best time is reported (1 to 100).
    #[arg(long, default_value_t = 3, value_parser = crate::engine::ranges::BENCH_REPEAT.parser())]
    pub repeat: usize,
}

/// `sextant bench-experiment`: `sextant ab` timed on a generated event log (load included).
pub fn run_bench_experiment(args: &BenchExperimentArgs) -> Result<u8, CliError> {
    if args.rows == 0 || args.units == 0 || args.units > args.rows {
        return Err(CliError(format!(
            "--rows {} and --units {} must be positive with no more units than rows",
            args.rows, args.units
        )));
    }
    let path = crate::engine::bench::experiment_file(&args.dir, args.rows, args.units);
    if !path.is_file() {
        eprintln!(
            "generating {} events of {} users in {}",
            args.rows,
            args.units,
            path.display()
        );
    }
    crate::engine::bench::ensure_experiment_log(&args.dir, args.rows, args.units)?;
    let b = crate::engine::bench::experiment(&args.dir, args.rows, args.units, args.repeat)?;
    print!("{}", crate::present::bench::experiment_text(&b));
    Ok(EXIT_OK)
}

/// Arguments of the hidden `bench-compare`.
#[derive(Debug, Args)]
pub struct BenchCompareArgs {
    /// Labelled rows in the generated scored file (1 to 100000000).
    #[arg(long, default_value_t = 1_000_000, value_parser = crate::engine::ranges::BENCH_ROWS.parser())]
    pub rows: usize,
    /// Folder for the generated Parquet file (reused when present).
    #[arg(long, default_value = "target/bench-data")]
    pub dir: PathBuf,
    /// Repetitions; the best time is reported (1 to 100).
    #[arg(long, default_value_t = 3, value_parser = crate::engine::ranges::BENCH_REPEAT.parser())]
    pub repeat: usize,
}

/// `sextant bench-compare`: `sextant compare` timed on a generated scored file (load
/// included).
pub fn run_bench_compare(args: &BenchCompareArgs) -> Result<u8, CliError> {
    if args.rows < 2 {
        return Err(CliError(format!(
            "--rows {} is too few: comparing models needs rows of both classes",
            args.rows
        )));
    }
    if crate::engine::bench::ensure_compare_file(&args.dir, args.rows)? {
        eprintln!(
            "generated {} scored rows in {}",
            args.rows,
            crate::engine::bench::compare_file(&args.dir, args.rows).display()
        );
    }
    let b = crate::engine::bench::compare(&args.dir, args.rows, args.repeat)?;
    print!("{}", crate::present::bench::command_text(&b));
    Ok(EXIT_OK)
}

/// Arguments of the hidden `bench-rollout`.
#[derive(Debug, Args)]
pub struct BenchRolloutArgs {
    /// Requests in the generated rollout log (about; the generator draws hourly counts) (1 to 100000000).
    #[arg(long, default_value_t = 1_000_000, value_parser = crate::engine::ranges::BENCH_ROWS.parser())]
    pub rows: usize,
    /// Replays of the what-if plan (1 to 1000).
    #[arg(long, default_value_t = 20, value_parser = crate::engine::ranges::REPLAYS.parser())]
    pub replays: usize,
    /// Folder for the generated Parquet log (reused when present).
    #[arg(long, default_value = "target/bench-data")]
    pub dir: PathBuf,
    /// Repetitions; the best time is reported (1 to 100).
    #[arg(long, default_value_t = 3, value_parser = crate::engine::ranges::BENCH_REPEAT.parser())]
    pub repeat: usize,
}

/// `sextant bench-rollout`: `sextant rollout --plan …` timed on a generated request log
/// (load included).
pub fn run_bench_rollout(args: &BenchRolloutArgs) -> Result<u8, CliError> {
    if args.rows < 1000 {
        return Err(CliError(format!(
            "--rows {} is too few for a month of hourly buckets (at least 1000)",
            args.rows
        )));
    }
    if crate::engine::bench::ensure_rollout_log(&args.dir, args.rows)? {
        eprintln!(
            "generated a rollout log of about {} requests in {}",
            args.rows,
            crate::engine::bench::rollout_file(&args.dir, args.rows).display()
        );
    }
    let b = crate::engine::bench::rollout(&args.dir, args.rows, args.replays, args.repeat)?;
    print!("{}", crate::present::bench::command_text(&b));
    Ok(EXIT_OK)
}

/// Arguments of the hidden `bench-commands`.
#[derive(Debug, Args)]
pub struct BenchCommandsArgs {
    /// Rows per side of the generated pair, and points of the daily series (1 to 100000000).
    #[arg(long, default_value_t = 1_000_000, value_parser = crate::engine::ranges::BENCH_ROWS.parser())]
    pub rows: usize,
    /// Folder for the generated files (reused when present).
    #[arg(long, default_value = "target/bench-data")]
    pub dir: PathBuf,
    /// Runs of each command; the fastest is reported (1 to 100).
    #[arg(long, default_value_t = 3, value_parser = crate::engine::ranges::BENCH_REPEAT.parser())]
    pub repeat: usize,
    /// Only the commands whose line contains this text (e.g. `seasonality`).
    #[arg(long)]
    pub only: Option<String>,
}

/// `sextant bench-commands`: drift, windowed drift, health, integrity, report and
/// seasonality run as a user runs them — this binary in a child process — on generated data.
pub fn run_bench_commands(args: &BenchCommandsArgs) -> Result<u8, CliError> {
    use crate::engine::bench;
    let exe = std::env::current_exe()
        .map_err(|e| CliError(format!("this program's path is unknown: {e}")))?;
    if !bench::command_files(&args.dir, args.rows)
        .iter()
        .all(|f| f.is_file())
    {
        eprintln!("generating the benchmark files in {}", args.dir.display());
    }
    bench::ensure_command_files(&args.dir, args.rows)?;
    print!(
        "{}",
        crate::present::bench::commands_heading(args.rows, args.repeat, &bench::cpu_description())
    );
    for (shown, argv) in bench::command_lines(&args.dir, args.rows) {
        if args
            .only
            .as_ref()
            .is_some_and(|o| !shown.contains(o.as_str()))
        {
            continue;
        }
        let b = bench::time_process(&exe, &argv, shown, args.repeat)?;
        print!("{}", crate::present::bench::command_line(&b));
        use std::io::Write;
        let _ = std::io::stdout().flush();
    }
    Ok(EXIT_OK)
}

/// Arguments of the hidden `bench-multivariate`.
#[derive(Debug, Args)]
pub struct BenchMultivariateArgs {
    /// Rows per side (1 to 100000000).
    #[arg(long, default_value_t = 1_000_000, value_parser = crate::engine::ranges::BENCH_ROWS.parser())]
    pub rows: usize,
    /// Repetitions; the best time is reported (1 to 100).
    #[arg(long, default_value_t = 3, value_parser = crate::engine::ranges::BENCH_REPEAT.parser())]
    pub repeat: usize,
}

/// Arguments of the hidden `bench-many`.
#[derive(Debug, Args)]
pub struct BenchManyArgs {
    /// Rows of the generated dataset (1 to 100000000).
    #[arg(long, default_value_t = 1_000_000, value_parser = crate::engine::ranges::BENCH_ROWS.parser())]
    pub rows: usize,
    /// Parquet files it is split into (1 to 10000).
    #[arg(long, default_value_t = 100, value_parser = crate::engine::ranges::BENCH_FILES.parser())]
    pub files: usize,
    /// Folder for the generated data (reused when present).
    #[arg(long, default_value = "target/bench-data")]
    pub dir: PathBuf,
    /// Repetitions; the best time is reported (1 to 100).
    #[arg(long, default_value_t = 3, value_parser = crate::engine::ranges::BENCH_REPEAT.parser())]
    pub repeat: usize,
}

/// `sextant bench-multivariate`: multivariate drift (reconstruction error, then with the
/// domain classifier) on a generated pair of `rows` rows × 20 columns per side, weekly
/// windows; the data is generated in memory and not timed.
pub fn run_bench_multivariate(args: &BenchMultivariateArgs) -> Result<u8, CliError> {
    let b = crate::engine::multivariate::bench(args.rows, args.repeat).map_err(CliError)?;
    println!(
        "multivariate drift: {} + {} rows × {} columns ({} features, {} weekly windows, {} components), best of {}",
        b.reference_rows, b.current_rows, b.columns, b.features, b.windows, b.components, b.repeat
    );
    println!(
        "  reconstruction error         {:>8.3} s",
        b.reconstruction_s
    );
    println!(
        "  + domain classifier          {:>8.3} s",
        b.with_classifier_s
    );
    println!("  windows alerting             {:>8}", b.alerts);
    Ok(EXIT_OK)
}

/// `sextant bench-many`: a folder of partitions opened as one dataset, against one file.
pub fn run_bench_many(args: &BenchManyArgs) -> Result<u8, CliError> {
    let b = crate::engine::bench_many::run(&args.dir, args.rows, args.files, args.repeat)?;
    print!("{}", crate::engine::bench_many::text(&b));
    Ok(EXIT_OK)
}

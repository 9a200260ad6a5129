//! `sextant bench`: reproducible timings on generated data, in the build you run it with
//! (use `cargo run --release -- bench`). Prints wall time per stage and peak memory.

use std::path::PathBuf;

use clap::Args;

use super::{CliError, EXIT_OK};

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Rows per side.
    #[arg(long, default_value_t = 1_000_000)]
    pub rows: usize,
    /// Folder for the generated Parquet pair (reused when present).
    #[arg(long, default_value = "target/bench-data")]
    pub dir: PathBuf,
    /// Repetitions of each stage; the best time is reported.
    #[arg(long, default_value_t = 3)]
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
    /// Events in the generated log.
    #[arg(long, default_value_t = 10_000_000)]
    pub rows: usize,
    /// Users the events belong to.
    #[arg(long, default_value_t = 1_000_000)]
    pub units: usize,
    /// Folder for the generated Parquet log (reused when present).
    #[arg(long, default_value = "target/bench-data")]
    pub dir: PathBuf,
    /// Repetitions; the best time is reported.
    #[arg(long, default_value_t = 3)]
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

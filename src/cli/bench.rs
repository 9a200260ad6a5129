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

//! `sextant bench`: reproducible timings on generated data, in the build you run it with
//! (use `cargo run --release -- bench`). Prints wall time per stage and peak memory.

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;

use super::{CliError, EXIT_OK};
use crate::data::{Dataset, LoadOptions, RoleMap};
use crate::engine::drift::{DriftInputs, DriftSettings, run};
use crate::sample_data::bench_pair;
use crate::vocab::Progress;

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

fn best<T>(
    repeat: usize,
    mut f: impl FnMut() -> Result<T, CliError>,
) -> Result<(f64, T), CliError> {
    let mut best = f64::INFINITY;
    let mut last = None;
    for _ in 0..repeat.max(1) {
        let t = Instant::now();
        let v = f()?;
        best = best.min(t.elapsed().as_secs_f64());
        last = Some(v);
    }
    last.map(|v| (best, v))
        .ok_or_else(|| CliError("nothing ran".into()))
}

/// Peak resident memory of this process (Linux), in bytes.
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    Some(line.split_whitespace().nth(1)?.parse::<u64>().ok()? * 1024)
}

pub fn run_bench(args: &BenchArgs) -> Result<u8, CliError> {
    let (ref_path, cur_path) = (
        args.dir
            .join(format!("bench_reference_{}.parquet", args.rows)),
        args.dir
            .join(format!("bench_current_{}.parquet", args.rows)),
    );
    if !ref_path.is_file() || !cur_path.is_file() {
        eprintln!(
            "generating {} rows × 20 columns per side in {}",
            args.rows,
            args.dir.display()
        );
        std::fs::create_dir_all(&args.dir)?;
        let (mut r, mut c) = bench_pair(args.rows, 7)?;
        crate::data::write::write_frame(&mut r, &ref_path)?;
        crate::data::write::write_frame(&mut c, &cur_path)?;
    }
    let load = |p: &PathBuf| {
        Dataset::load(p, &LoadOptions::default(), &Progress::silent()).map_err(CliError::from)
    };
    // The window loads both files at once with every column statistic it shows.
    let (t_load_full, _) = best(args.repeat, || {
        std::thread::scope(|s| {
            let r = s.spawn(|| load(&ref_path));
            let c = load(&cur_path);
            let r = r
                .join()
                .map_err(|_| CliError("loading panicked".into()))??;
            Ok((r, c?))
        })
    })?;
    // `sextant drift` loads both at once with types, kinds and roles only.
    let (t_load, (reference, current)) =
        best(args.repeat, || super::load_pair(&ref_path, &cur_path))?;
    let mut roles = RoleMap::default();
    roles.add_inferred(&reference.columns);
    let renames = crate::vocab::Renames::new();
    let inputs = DriftInputs {
        reference: &reference,
        current: &current,
        roles: &roles,
        renames: &renames,
    };
    let drift = |settings: &DriftSettings| {
        run(&inputs, settings, &Progress::silent()).map_err(|e| CliError(e.to_string()))
    };
    let (t_default, report) = best(args.repeat, || drift(&DriftSettings::verdicts_only()))?;
    let all = DriftSettings {
        all_metrics: true,
        ..DriftSettings::verdicts_only()
    };
    let (t_all, _) = best(args.repeat, || drift(&all))?;
    let windows = DriftSettings {
        windows: Some(crate::analysis::windows::WindowSpec::Chunks(10)),
        ..DriftSettings::verdicts_only()
    };
    let (t_windows, _) = best(args.repeat, || drift(&windows))?;
    println!(
        "{} + {} rows × 20 columns, best of {}:",
        reference.rows(),
        current.rows(),
        args.repeat
    );
    println!("  load both files with every column statistic (GUI) {t_load_full:>6.3} s");
    println!("  load both files, types and roles only (CLI)      {t_load:>8.3} s");
    println!(
        "  drift, default tests                             {:>8.3} s",
        t_default
    );
    println!(
        "  drift, every statistic (--all-metrics)           {:>8.3} s",
        t_all
    );
    println!(
        "  drift, default tests + 10 windows                {:>8.3} s",
        t_windows
    );
    println!(
        "  load + default drift                             {:>8.3} s",
        t_load + t_default
    );
    println!(
        "  drifted columns: {} of {}",
        report.report.number_of_drifted_columns, report.report.number_of_columns
    );
    if let Some(rss) = peak_rss() {
        println!(
            "  peak memory                                      {:>8.0} MB",
            rss as f64 / 1e6
        );
    }
    Ok(EXIT_OK)
}

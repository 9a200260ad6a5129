//! The benchmarks' lines, as the README quotes them.

use std::fmt::Write;

use crate::engine::bench::{DriftBench, HealthBench, IntegrityBench};

/// `sextant bench`: one line per stage, then the verdict count and the peak memory.
pub fn drift_text(b: &DriftBench) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} + {} rows × 20 columns, best of {}:",
        b.reference_rows, b.current_rows, b.repeat
    );
    let _ = writeln!(
        s,
        "  load both files with every column statistic (GUI) {:>6.3} s",
        b.load_full_s
    );
    let _ = writeln!(
        s,
        "  load both files, types and roles only (CLI)      {:>8.3} s",
        b.load_light_s
    );
    for (label, t) in [
        ("drift, default tests", b.drift_default_s),
        (
            "drift, every statistic (--all-metrics)",
            b.drift_all_metrics_s,
        ),
        ("drift, default tests + 10 windows", b.drift_windows_s),
        ("load + default drift", b.load_light_s + b.drift_default_s),
    ] {
        let _ = writeln!(s, "  {label:<48} {t:>8.3} s");
    }
    let _ = writeln!(
        s,
        "  drifted columns: {} of {}",
        b.drifted_columns, b.columns
    );
    if let Some(rss) = b.peak_rss_bytes {
        let _ = writeln!(
            s,
            "  peak memory                                      {:>8.0} MB",
            rss as f64 / 1e6
        );
    }
    s
}

/// `sextant bench-health`: the heading, the whole pass, then the parts.
pub fn health_text(
    b: &HealthBench,
    rows: usize,
    reference_rows: usize,
    bootstrap: usize,
    repeat: usize,
) -> String {
    let mut s = String::new();
    let build = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    let _ = writeln!(
        s,
        "Health pass on {rows} current + {reference_rows} reference rows, weekly windows, {bootstrap} bootstrap resamples ({build} build), best of {}:",
        repeat.max(1)
    );
    let _ = writeln!(
        s,
        "  {} windows, everything on all cores: {:.3} s",
        b.windows, b.all_cores_s
    );
    let _ = writeln!(
        s,
        "  windows (metrics, {bootstrap} bootstrap resamples, CBPE, drift), one core: {:.3} s",
        b.windows_one_core_s
    );
    for (name, t) in &b.detectors {
        let _ = writeln!(
            s,
            "  {name} over {} labelled rows: {t:.3} s",
            b.labelled_rows
        );
    }
    s
}

/// `sextant integrity-bench`'s findings (for stderr) and its timings (for stdout).
pub fn integrity_text(b: &IntegrityBench) -> (String, String) {
    let mut findings = String::new();
    for f in &b.findings {
        let _ = writeln!(
            findings,
            "{}: {}: {}",
            f.severity.name(),
            f.check.name(),
            f.message
        );
    }
    let mut s = String::new();
    let mut best = f64::INFINITY;
    for (k, r) in b.runs.iter().enumerate() {
        best = best.min(r.total_s);
        let _ = writeln!(
            s,
            "run {}: {:.3} s (tables {:.3} s, checks {:.3} s): {} errors, {} warnings, {} infos",
            k + 1,
            r.total_s,
            r.tables_s,
            r.total_s - r.tables_s,
            r.errors,
            r.warnings,
            r.infos
        );
    }
    let _ = writeln!(s, "best: {best:.3} s");
    (findings, s)
}

/// `sextant bench-experiment`: the log, then load, analysis and both.
pub fn experiment_text(b: &crate::engine::bench::ExperimentBench) -> String {
    let mut s = String::new();
    let build = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    let _ = writeln!(
        s,
        "sextant ab on {} events ({:.0} MB Parquet) → {} units, {} arms, {} metrics with CUPED, sequential intervals, {} timeline days, {} segments ({build} build), best of {}:",
        b.rows,
        b.file_bytes as f64 / 1e6,
        b.units,
        b.arms,
        b.metrics,
        b.timeline_days,
        b.segments,
        b.repeat.max(1)
    );
    for (label, t) in [
        ("load the log (types only, as sextant ab)", b.load_s),
        ("fold into units and analyse", b.analysis_s),
        ("load + analysis", b.total_s),
    ] {
        let _ = writeln!(s, "  {label:<44} {t:>8.3} s");
    }
    stages_text(&mut s, &b.stages);
    if let Some(rss) = b.peak_rss_bytes {
        let _ = writeln!(
            s,
            "  peak memory                                  {:>8.0} MB",
            rss as f64 / 1e6
        );
    }
    s
}

/// The fastest run's stages, indented under the totals.
fn stages_text(s: &mut String, stages: &[(String, f64)]) {
    if stages.is_empty() {
        return;
    }
    let _ = writeln!(s, "  where the fastest run went:");
    for (stage, t) in stages {
        let _ = writeln!(s, "    {stage:<54} {t:>8.3} s");
    }
}

/// `sextant bench-compare` and `bench-rollout`: what ran, then load, analysis and both.
pub fn command_text(b: &crate::engine::bench::CommandBench) -> String {
    let mut s = String::new();
    let build = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    let _ = writeln!(
        s,
        "{} ({:.0} MB Parquet, {build} build), best of {}:",
        b.what,
        b.file_bytes as f64 / 1e6,
        b.repeat.max(1)
    );
    for (label, t) in [
        ("load the file (types only, as the command)", b.load_s),
        ("analyse", b.analysis_s),
        ("load + analysis", b.total_s),
    ] {
        let _ = writeln!(s, "  {label:<44} {t:>8.3} s");
    }
    stages_text(&mut s, &b.stages);
    if let Some(rss) = b.peak_rss_bytes {
        let _ = writeln!(
            s,
            "  peak memory                                  {:>8.0} MB",
            rss as f64 / 1e6
        );
    }
    let _ = writeln!(s, "  found: {}", b.found);
    s
}

/// `sextant bench-commands`: the heading once, then one line per command as it finishes.
pub fn commands_heading(rows: usize, repeat: usize, cpu: &str) -> String {
    let build = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    format!(
        "whole processes ({build} build) on {cpu}; best wall time of {repeat}, its CPU and \
         peak memory sampled every 2 ms\n\
         pair: {rows} + {rows} rows × 20 columns, event_time over 26 + 13 weeks; series: {rows} \
         daily points\n"
    )
}

/// One timed command.
pub fn command_line(b: &crate::engine::bench::ProcessBench) -> String {
    let cpu = b
        .cpu_s
        .map_or_else(|| "   ? s CPU".to_string(), |c| format!("{c:>5.2} s CPU"));
    let peak = b.peak_rss_bytes.map_or_else(
        || "    ? MB".to_string(),
        |m| format!("{:>5.0} MB", m as f64 / 1e6),
    );
    let code = match b.exit_code {
        Some(0) | Some(1) => String::new(),
        Some(c) => format!("  (exit {c})"),
        None => "  (killed)".to_string(),
    };
    format!(
        "  {:>7.3} s wall  {cpu}  {peak}  sextant {}{code}\n",
        b.wall_s, b.command
    )
}

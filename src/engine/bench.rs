//! The benchmarks behind `sextant bench`, `bench-health` and `integrity-bench`: generated data,
//! the same engine calls the commands make, and wall times (best of `repeat`). The numbers are
//! returned as plain structs; `present::bench` writes them as the lines the README quotes.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use crate::analysis::alerts::AlertRule;
use crate::analysis::health::{HealthError, HealthInput, HealthParams, HealthPlan, SideData};
use crate::analysis::integrity::{Finding, IntegrityError, Severity};
use crate::analysis::windows::WindowSpec;
use crate::data::{DataError, Dataset, RoleMap};
use crate::engine::drift::{DriftError, DriftInputs, DriftSettings, run as run_drift};
use crate::engine::integrity::{IntegritySettings, inferred_roles, tables};
use crate::engine::load_pair;
use crate::vocab::time::parse_iso;
use crate::vocab::{Progress, Renames};

/// Why a benchmark could not run.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error(transparent)]
    Data(#[from] DataError),
    #[error("generating the benchmark data failed: {0}")]
    Generate(#[from] polars::prelude::PolarsError),
    #[error("the benchmark folder could not be made: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Drift(#[from] DriftError),
    #[error(transparent)]
    Health(#[from] HealthError),
    #[error(transparent)]
    Integrity(#[from] IntegrityError),
    #[error(transparent)]
    Load(#[from] crate::engine::LoadPairError),
    #[error("the benchmark ran no repetition")]
    Panicked,
    #[error("{0}")]
    Rule(String),
}

/// The best wall time of `repeat` runs (at least one) and the last run's value.
pub(crate) fn best<T>(
    repeat: usize,
    mut f: impl FnMut() -> Result<T, BenchError>,
) -> Result<(f64, T), BenchError> {
    let mut best = f64::INFINITY;
    let mut last = None;
    for _ in 0..repeat.max(1) {
        let t = Instant::now();
        let v = f()?;
        best = best.min(t.elapsed().as_secs_f64());
        last = Some(v);
    }
    last.map(|v| (best, v)).ok_or(BenchError::Panicked)
}

/// A progress handle that notes the time whenever the engine names a new stage, so a
/// benchmark can say where a run's time went without the engine keeping any timer.
struct StageClock {
    progress: Progress,
    /// When each stage began, as the engine announced it (`Progress::set`).
    marks: Arc<Mutex<Vec<(String, Instant)>>>,
    /// The handle the waker reads the stage through; the waker holds it weakly, so the
    /// handle and its waker do not keep each other alive.
    _cell: Arc<OnceLock<Progress>>,
}

impl StageClock {
    fn new() -> Self {
        let marks: Arc<Mutex<Vec<(String, Instant)>>> = Arc::new(Mutex::new(Vec::new()));
        let cell: Arc<OnceLock<Progress>> = Arc::new(OnceLock::new());
        let weak = Arc::downgrade(&cell);
        let m = Arc::clone(&marks);
        let progress = Progress::new(Some(Arc::new(move || {
            let Some(p) = weak.upgrade().and_then(|c| c.get().cloned()) else {
                return;
            };
            let stage = p.stage();
            if let Ok(mut marks) = m.lock()
                && marks.last().is_none_or(|(s, _)| *s != stage)
            {
                marks.push((stage, Instant::now()));
            }
        })));
        let _ = cell.set(progress.clone());
        Self {
            progress,
            marks,
            _cell: cell,
        }
    }

    /// Forget the marks of the run before.
    fn reset(&self) {
        if let Ok(mut m) = self.marks.lock() {
            m.clear();
        }
    }

    /// Seconds per stage of the run that ended at `end`.
    fn stages(&self, end: Instant) -> Vec<(String, f64)> {
        let marks = self.marks.lock().map(|m| m.clone()).unwrap_or_default();
        marks
            .iter()
            .enumerate()
            .map(|(i, (stage, start))| {
                let until = marks.get(i + 1).map_or(end, |(_, t)| *t);
                (stage.clone(), until.duration_since(*start).as_secs_f64())
            })
            .collect()
    }
}

/// Peak resident memory of this process (Linux), in bytes.
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    Some(line.split_whitespace().nth(1)?.parse::<u64>().ok()? * 1024)
}

/// What `sextant bench` measured on a generated Parquet pair (times in seconds).
#[derive(Debug, Clone)]
pub struct DriftBench {
    pub reference_rows: usize,
    pub current_rows: usize,
    pub repeat: usize,
    pub load_full_s: f64,
    pub load_light_s: f64,
    pub drift_default_s: f64,
    pub drift_all_metrics_s: f64,
    pub drift_windows_s: f64,
    pub drifted_columns: usize,
    pub columns: usize,
    pub peak_rss_bytes: Option<u64>,
}

/// The generated pair's two files for `rows` rows per side in `dir`.
pub fn bench_files(dir: &Path, rows: usize) -> (PathBuf, PathBuf) {
    (
        dir.join(format!("bench_reference_{rows}.parquet")),
        dir.join(format!("bench_current_{rows}.parquet")),
    )
}

/// Write the generated pair of 20 columns into `dir` unless it is there; returns whether it was
/// generated.
pub fn ensure_bench_pair(dir: &Path, rows: usize) -> Result<bool, BenchError> {
    let (r_path, c_path) = bench_files(dir, rows);
    if r_path.is_file() && c_path.is_file() {
        return Ok(false);
    }
    std::fs::create_dir_all(dir)?;
    let (mut r, mut c) = crate::sample_data::bench_pair(rows, 7)?;
    crate::data::write::write_frame(&mut r, &r_path)?;
    crate::data::write::write_frame(&mut c, &c_path)?;
    Ok(true)
}

/// Loading (as the window and as the commands do) and drift with default tests, every
/// statistic and 10 windows, on the pair in `dir`.
pub fn drift(dir: &Path, rows: usize, repeat: usize) -> Result<DriftBench, BenchError> {
    let (ref_path, cur_path) = bench_files(dir, rows);
    // The window loads both files at once with every column statistic it shows.
    let (load_full_s, _) = best(repeat, || Ok(load_pair(&ref_path, &cur_path, false)?))?;
    // `sextant drift` loads both at once with types, kinds and roles only.
    let (load_light_s, (reference, current)) =
        best(repeat, || Ok(load_pair(&ref_path, &cur_path, true)?))?;
    let mut roles = RoleMap::default();
    roles.add_inferred(&reference.columns);
    let renames = Renames::new();
    let inputs = DriftInputs {
        reference: &reference,
        current: &current,
        roles: &roles,
        renames: &renames,
    };
    let drift = |settings: &DriftSettings| Ok(run_drift(&inputs, settings, &Progress::silent())?);
    let (drift_default_s, outcome) = best(repeat, || drift(&DriftSettings::verdicts_only()))?;
    let all = DriftSettings {
        all_metrics: true,
        ..DriftSettings::verdicts_only()
    };
    let (drift_all_metrics_s, _) = best(repeat, || drift(&all))?;
    let windows = DriftSettings {
        windows: Some(WindowSpec::Chunks(10)),
        ..DriftSettings::verdicts_only()
    };
    let (drift_windows_s, _) = best(repeat, || drift(&windows))?;
    Ok(DriftBench {
        reference_rows: reference.rows(),
        current_rows: current.rows(),
        repeat,
        load_full_s,
        load_light_s,
        drift_default_s,
        drift_all_metrics_s,
        drift_windows_s,
        drifted_columns: outcome.report.number_of_drifted_columns,
        columns: outcome.report.number_of_columns,
        peak_rss_bytes: peak_rss_bytes(),
    })
}

/// What `sextant bench-health` measured (times in seconds).
#[derive(Debug, Clone)]
pub struct HealthBench {
    pub windows: usize,
    /// The whole pass on all cores, best of the runs.
    pub all_cores_s: f64,
    /// Every window's metrics, intervals, estimates and drift, one after another on one core.
    pub windows_one_core_s: f64,
    /// Labelled rows in the error stream the detectors read.
    pub labelled_rows: usize,
    /// Each change detector's time over the error stream.
    pub detectors: Vec<(String, f64)>,
}

/// Labels, scores and timestamps of a generated side.
type GeneratedSide = (Vec<Option<f64>>, Vec<Option<f64>>, Vec<Option<i64>>);

/// A generated side: a year of timestamps, a label and a score that is informative (a
/// logistic model), with the model degrading over the last quarter and 20 % of labels missing.
fn generate_health_side(n: usize, seed: u64, start_day: i64) -> GeneratedSide {
    let mut rng = crate::vocab::Rng::new(seed);
    let mut uniform = move || (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    let day = crate::vocab::time::MICROS_PER_DAY;
    let (mut y, mut p, mut t) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    for i in 0..n {
        let frac = i as f64 / n as f64;
        let time = start_day * day + (frac * 365.0 * day as f64) as i64;
        let x = uniform() * 6.0 - 3.0;
        let score = 1.0 / (1.0 + (-x).exp());
        // The concept drifts after 75 % of the year: the score says less about the label.
        let informative = if frac > 0.75 { 0.5 } else { 1.0 };
        let truth = informative * score + (1.0 - informative) * 0.5;
        let label = f64::from(u8::from(uniform() < truth));
        y.push((uniform() >= 0.2).then_some(label));
        p.push(Some(score));
        t.push(Some(time));
    }
    (y, p, t)
}

/// The full health pass (all metrics, intervals, estimates, detectors) on generated data, then
/// where its time goes, one part at a time.
pub fn health(
    rows: usize,
    reference_rows: usize,
    bootstrap: usize,
    repeat: usize,
) -> Result<HealthBench, BenchError> {
    let (ry, rp, rt) = generate_health_side(reference_rows, 1, 19_723);
    let (cy, cp, ct) = generate_health_side(rows, 2, 20_089);
    let input = HealthInput {
        reference: SideData {
            target: &ry,
            prediction: &rp,
            times: Some(&rt),
        },
        current: SideData {
            target: &cy,
            prediction: &cp,
            times: Some(&ct),
        },
        ..HealthInput::default()
    };
    let rule: AlertRule = "roc_auc < 0.8 for 2".parse().map_err(BenchError::Rule)?;
    let params = HealthParams {
        bootstrap,
        floor: Some(0.75),
        rules: vec![rule],
        ..HealthParams::default()
    };
    let (all_cores_s, windows) = best(repeat, || {
        let plan = HealthPlan::new(&input, &params)?;
        let (ws, detectors) = crate::engine::health::evaluate(&plan, &input);
        Ok(plan.finish(&input, ws, detectors).windows.len())
    })?;
    let plan = HealthPlan::new(&input, &params)?;
    let start = Instant::now();
    for w in 0..plan.window_count() {
        plan.evaluate_window(&input, w);
    }
    let windows_one_core_s = start.elapsed().as_secs_f64();
    let errors = plan.errors(&input);
    let detectors = plan
        .detector_names()
        .into_iter()
        .map(|name| {
            let start = Instant::now();
            crate::analysis::health::detectors::run_one(plan.task, name, &errors);
            (name.to_string(), start.elapsed().as_secs_f64())
        })
        .collect();
    Ok(HealthBench {
        windows,
        all_cores_s,
        windows_one_core_s,
        labelled_rows: errors.stream.len(),
        detectors,
    })
}

/// One run of `sextant integrity-bench`.
#[derive(Debug, Clone)]
pub struct IntegrityRun {
    pub total_s: f64,
    /// Turning the frames into the checks' tables.
    pub tables_s: f64,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

/// What `sextant integrity-bench` measured.
#[derive(Debug, Clone)]
pub struct IntegrityBench {
    /// Generating and summarising both sides.
    pub generate_s: f64,
    pub runs: Vec<IntegrityRun>,
    /// The first run's findings at or above the severity asked for.
    pub findings: Vec<Finding>,
}

/// Every integrity check on a generated pair of `rows` × `columns` per side (`dirty`: with
/// planted problems, so that findings, timelines and the id join are timed too).
pub fn integrity(
    rows: usize,
    columns: usize,
    dirty: bool,
    repeat: usize,
    least: Severity,
) -> Result<IntegrityBench, BenchError> {
    use crate::sample_data::synthetic::{clean_pair, dirty_pair};
    let t0 = Instant::now();
    let (r, c) = if dirty {
        dirty_pair(rows, rows, columns, 42)?
    } else {
        clean_pair(rows, rows, columns, 42)?
    };
    let silent = Progress::silent();
    let reference = Dataset::from_frame(PathBuf::from("reference"), r, &silent)?;
    let current = Dataset::from_frame(PathBuf::from("current"), c, &silent)?;
    let generate_s = t0.elapsed().as_secs_f64();
    let roles = inferred_roles(&reference, &current, None);
    let params = IntegritySettings {
        // After the generated data, whatever its length.
        now_micros: parse_iso("2100-01-01"),
        ..Default::default()
    };
    let mut runs = Vec::new();
    let mut findings = Vec::new();
    for k in 0..repeat.max(1) {
        let t = Instant::now();
        let (rt, ct) = tables(&reference, &current, &roles, params.threads);
        let tables_s = t.elapsed().as_secs_f64();
        let report = crate::analysis::integrity::check(&rt, &ct, &params)?;
        let total_s = t.elapsed().as_secs_f64();
        let s = report.summary();
        if k == 0 {
            findings = report
                .findings
                .into_iter()
                .filter(|f| f.severity >= least)
                .collect();
        }
        runs.push(IntegrityRun {
            total_s,
            tables_s,
            errors: s.errors,
            warnings: s.warnings,
            infos: s.infos,
        });
    }
    Ok(IntegrityBench {
        generate_s,
        runs,
        findings,
    })
}

/// What `sextant bench-experiment` measured (times in seconds, best of the runs).
#[derive(Debug, Clone)]
pub struct ExperimentBench {
    pub rows: usize,
    pub units: u64,
    pub arms: usize,
    pub metrics: usize,
    pub timeline_days: usize,
    pub segments: usize,
    pub repeat: usize,
    pub file_bytes: u64,
    /// Reading the Parquet log as `sextant ab` does (types and kinds, no statistics).
    pub load_s: f64,
    /// The engine call of `sextant ab` on the loaded log.
    pub analysis_s: f64,
    /// Load and analysis together, in one run (best of the runs).
    pub total_s: f64,
    /// The fastest run's stages as the loader and the engine name them, with their seconds.
    pub stages: Vec<(String, f64)>,
    pub peak_rss_bytes: Option<u64>,
}

/// The generated experiment log for `rows` events of `units` users in `dir`.
pub fn experiment_file(dir: &Path, rows: usize, units: usize) -> PathBuf {
    dir.join(format!("bench_experiment_{rows}_{units}.parquet"))
}

/// The settings of the benchmark: what a user would ask of that log.
pub fn experiment_bench_settings() -> crate::engine::experiment::ExperimentSettings {
    use crate::analysis::experiment::moments::{Direction, MetricKind};
    use crate::engine::experiment::{ExperimentSettings, MetricRole, MetricSpec};
    let metric = |column: &str, kind, direction, role| MetricSpec {
        column: column.to_string(),
        kind: Some(kind),
        direction,
        role,
    };
    ExperimentSettings {
        variant: "arm".into(),
        control: "control".into(),
        unit: Some("user_id".into()),
        time: Some("event_at".into()),
        metrics: vec![
            metric(
                "converted",
                MetricKind::Proportion,
                Direction::HigherIsBetter,
                MetricRole::Goal,
            ),
            metric(
                "revenue",
                MetricKind::Mean,
                Direction::HigherIsBetter,
                MetricRole::Goal,
            ),
            metric(
                "sessions",
                MetricKind::Mean,
                Direction::HigherIsBetter,
                MetricRole::Goal,
            ),
            metric(
                "latency_ms",
                MetricKind::Mean,
                Direction::LowerIsBetter,
                MetricRole::Guardrail,
            ),
        ],
        covariates: [
            ("converted", "pre_converted"),
            ("revenue", "pre_revenue"),
            ("sessions", "pre_revenue"),
            ("latency_ms", "pre_revenue"),
        ]
        .into_iter()
        .map(|(m, c)| (m.to_string(), c.to_string()))
        .collect(),
        segments: vec!["device".into()],
        sequential: true,
        correction: crate::analysis::experiment::multiple::Correction::Holm,
        ..ExperimentSettings::default()
    }
}

/// Write the benchmark's experiment log into `dir` unless it is there; returns whether it
/// was generated.
pub fn ensure_experiment_log(dir: &Path, rows: usize, units: usize) -> Result<bool, BenchError> {
    let path = experiment_file(dir, rows, units);
    if path.is_file() {
        return Ok(false);
    }
    std::fs::create_dir_all(dir)?;
    let mut frame = crate::sample_data::experiment::bench_log(rows, units, 12)?;
    crate::data::write::write_frame(&mut frame, &path)?;
    Ok(true)
}

/// `sextant ab` on the generated log, timed as a user runs it: load the Parquet file (types
/// only), then the engine with CUPED on every metric, sequential intervals, the timeline per
/// exposure day and a segment breakdown.
pub fn experiment(
    dir: &Path,
    rows: usize,
    units: usize,
    repeat: usize,
) -> Result<ExperimentBench, BenchError> {
    use crate::data::LoadOptions;
    let path = experiment_file(dir, rows, units);
    let settings = experiment_bench_settings();
    let options = LoadOptions {
        light: true,
        ..LoadOptions::default()
    };
    let clock = StageClock::new();
    let (mut load_s, mut analysis_s, mut total_s) = (f64::INFINITY, f64::INFINITY, f64::INFINITY);
    let mut stages = Vec::new();
    let mut last = None;
    for _ in 0..repeat.max(1) {
        clock.reset();
        let t = Instant::now();
        let log = Dataset::load(&path, &options, &clock.progress)?;
        let loaded = t.elapsed().as_secs_f64();
        let outcome = crate::engine::experiment::run(&log, &settings, &clock.progress)
            .map_err(|e| BenchError::Rule(e.to_string()))?;
        let end = Instant::now();
        let total = end.duration_since(t).as_secs_f64();
        load_s = load_s.min(loaded);
        analysis_s = analysis_s.min(total - loaded);
        if total < total_s {
            total_s = total;
            stages = clock.stages(end);
        }
        last = Some((log.rows(), log.file_bytes, outcome));
    }
    let (rows, file_bytes, o) = last.ok_or(BenchError::Panicked)?;
    Ok(ExperimentBench {
        rows,
        units: o.units.iter().sum(),
        arms: o.arms.len(),
        metrics: settings.metrics.len(),
        timeline_days: o.timeline.len(),
        segments: o.segments.iter().map(|s| s.values.len()).sum(),
        repeat,
        file_bytes,
        load_s,
        analysis_s,
        total_s,
        stages,
        peak_rss_bytes: peak_rss_bytes(),
    })
}

/// What `sextant bench-compare` or `bench-rollout` measured (times in seconds, best of the
/// runs).
#[derive(Debug, Clone)]
pub struct CommandBench {
    /// What ran, in one phrase ("compare on 1000000 labelled rows, 2000 resamples").
    pub what: String,
    pub repeat: usize,
    pub file_bytes: u64,
    /// Reading the Parquet file as the command does (types and kinds, no statistics).
    pub load_s: f64,
    /// The engine call of the command on the loaded file.
    pub analysis_s: f64,
    /// Load and analysis together, in one run.
    pub total_s: f64,
    /// The fastest run's stages as the loader and the engine name them.
    pub stages: Vec<(String, f64)>,
    /// What the run found, in one line (so a benchmark also shows it computed something).
    pub found: String,
    pub peak_rss_bytes: Option<u64>,
}

/// Load `path` (types only) and run `analyse` on it `repeat` times; the best total wins.
fn time_command<T>(
    path: &Path,
    repeat: usize,
    mut analyse: impl FnMut(&Dataset, &Progress) -> Result<T, BenchError>,
) -> Result<(CommandBench, T), BenchError> {
    use crate::data::LoadOptions;
    let options = LoadOptions {
        light: true,
        ..LoadOptions::default()
    };
    let clock = StageClock::new();
    let (mut load_s, mut analysis_s, mut total_s) = (f64::INFINITY, f64::INFINITY, f64::INFINITY);
    let mut stages = Vec::new();
    let mut last = None;
    for _ in 0..repeat.max(1) {
        clock.reset();
        let t = Instant::now();
        let data = Dataset::load(path, &options, &clock.progress)?;
        let loaded = t.elapsed().as_secs_f64();
        let outcome = analyse(&data, &clock.progress)?;
        let end = Instant::now();
        let total = end.duration_since(t).as_secs_f64();
        load_s = load_s.min(loaded);
        analysis_s = analysis_s.min(total - loaded);
        if total < total_s {
            total_s = total;
            stages = clock.stages(end);
        }
        last = Some((data.file_bytes, outcome));
    }
    let (file_bytes, outcome) = last.ok_or(BenchError::Panicked)?;
    Ok((
        CommandBench {
            what: String::new(),
            repeat,
            file_bytes,
            load_s,
            analysis_s,
            total_s,
            stages,
            found: String::new(),
            peak_rss_bytes: None,
        },
        outcome,
    ))
}

/// The generated scored file of `rows` rows in `dir`.
pub fn compare_file(dir: &Path, rows: usize) -> PathBuf {
    dir.join(format!("bench_compare_{rows}.parquet"))
}

/// Write the benchmark's scored file into `dir` unless it is there; returns whether it was
/// generated.
pub fn ensure_compare_file(dir: &Path, rows: usize) -> Result<bool, BenchError> {
    let path = compare_file(dir, rows);
    if path.is_file() {
        return Ok(false);
    }
    std::fs::create_dir_all(dir)?;
    let mut frame = crate::sample_data::experiment::bench_scores(rows, 12)?;
    crate::data::write::write_frame(&mut frame, &path)?;
    Ok(true)
}

/// `sextant compare` on the generated scored file with its default settings (2 000
/// bootstrap resamples, 200 of them with an AUC), load included.
pub fn compare(dir: &Path, rows: usize, repeat: usize) -> Result<CommandBench, BenchError> {
    use crate::engine::compare::{CompareSettings, run};
    let settings = CompareSettings {
        target: "label".into(),
        champion: "champion".into(),
        challenger: "challenger".into(),
        ..CompareSettings::default()
    };
    let (mut b, o) = time_command(&compare_file(dir, rows), repeat, |data, progress| {
        run(data, &settings, progress).map_err(|e| BenchError::Rule(e.to_string()))
    })?;
    b.what = format!(
        "sextant compare on {} labelled rows ({} positive), {} bootstrap resamples ({} with an AUC)",
        o.rows_used, o.positives, settings.resamples, settings.auc_resamples
    );
    b.found = format!(
        "challenger ROC AUC {:.4} against the champion's {:.4}, DeLong z = {:.2}, decision {:?}",
        o.challenger.metrics.roc_auc,
        o.champion.metrics.roc_auc,
        o.delong.map_or(f64::NAN, |d| d.z),
        o.verdict.decision
    );
    b.peak_rss_bytes = peak_rss_bytes();
    Ok(b)
}

/// The generated rollout log of about `rows` requests in `dir`.
pub fn rollout_file(dir: &Path, rows: usize) -> PathBuf {
    dir.join(format!("bench_rollout_{rows}.parquet"))
}

/// Weekday-equivalents of December 2025 in the rollout generator (23 weekdays, 8 weekend
/// days at 0.6 of the volume).
const ROLLOUT_DAYS: f64 = 23.0 + 8.0 * 0.6;

/// Write the benchmark's rollout log into `dir` unless it is there; returns whether it was
/// generated.
pub fn ensure_rollout_log(dir: &Path, rows: usize) -> Result<bool, BenchError> {
    let path = rollout_file(dir, rows);
    if path.is_file() {
        return Ok(false);
    }
    std::fs::create_dir_all(dir)?;
    let mut frame = crate::sample_data::rollout::generate_rollout_sized(
        crate::sample_data::rollout::ROLLOUT_SEED,
        rows as f64 / ROLLOUT_DAYS,
    )?;
    crate::data::write::write_frame(&mut frame, &path)?;
    Ok(true)
}

/// The settings of the rollout benchmark: the bundled log's command (success `approved`,
/// guardrails `latency_ms` and `error`, both lower is better) with a plan to replay
/// `replays` times.
pub fn rollout_bench_settings(replays: usize) -> crate::engine::rollout::RolloutSettings {
    use crate::analysis::experiment::moments::Direction;
    use crate::engine::experiment::MetricSpec;
    use crate::engine::rollout::{RolloutSettings, parse_plan};
    let spec = |column: &str, direction| MetricSpec {
        column: column.into(),
        kind: None,
        direction,
        role: Default::default(),
    };
    RolloutSettings {
        variant: "model".into(),
        control: "production".into(),
        time: "timestamp".into(),
        success: spec("approved", Direction::HigherIsBetter),
        guardrails: vec![
            spec("latency_ms", Direction::LowerIsBetter),
            spec("error", Direction::LowerIsBetter),
        ],
        plan: parse_plan("1%@2025-12-01,10%@2025-12-03,50%@2025-12-10,100%@2025-12-20")
            .unwrap_or_default(),
        replays,
        ..RolloutSettings::default()
    }
}

/// `sextant rollout` on the generated log: ramp steps, both guardrails' sequential tests at
/// every hour, the verdicts, and `replays` replays of a plan; load included.
pub fn rollout(
    dir: &Path,
    rows: usize,
    replays: usize,
    repeat: usize,
) -> Result<CommandBench, BenchError> {
    let settings = rollout_bench_settings(replays);
    let (mut b, o) = time_command(&rollout_file(dir, rows), repeat, |data, progress| {
        crate::engine::rollout::run(data, &settings, progress)
            .map_err(|e| BenchError::Rule(e.to_string()))
    })?;
    b.what = format!(
        "sextant rollout on {} requests, {} steps, {} guardrails tested every hour, {} replays of a plan",
        o.used_rows,
        o.report.steps.len(),
        o.guardrails.len(),
        o.replay.as_ref().map_or(0, |r| r.stop_times.len())
    );
    b.found = match o.report.stopped_at {
        Some(t) => format!("roll back since {}", crate::vocab::time::format_micros(t)),
        None => "no guardrail breached".into(),
    };
    b.peak_rss_bytes = peak_rss_bytes();
    Ok(b)
}

/// The files of the whole-process benchmark in `dir`: the timed pair and the daily series.
pub fn command_files(dir: &Path, rows: usize) -> [PathBuf; 3] {
    [
        dir.join(format!("bench_timed_reference_{rows}.parquet")),
        dir.join(format!("bench_timed_current_{rows}.parquet")),
        dir.join(format!("bench_daily_series_{rows}.parquet")),
    ]
}

/// Write the timed pair ([`crate::sample_data::bench_timed_pair`]) and a series of `rows`
/// daily points (a weekly cycle, a slow trend and noise) unless they are there; returns
/// whether anything was generated.
pub fn ensure_command_files(dir: &Path, rows: usize) -> Result<bool, BenchError> {
    let [r_path, c_path, s_path] = command_files(dir, rows);
    let mut generated = false;
    std::fs::create_dir_all(dir)?;
    if !(r_path.is_file() && c_path.is_file()) {
        let (mut r, mut c) = crate::sample_data::bench_timed_pair(rows, 11)?;
        crate::data::write::write_frame(&mut r, &r_path)?;
        crate::data::write::write_frame(&mut c, &c_path)?;
        generated = true;
    }
    if !s_path.is_file() {
        use polars::prelude::*;
        let mut rng = crate::vocab::Rng::new(5);
        let start = crate::vocab::time::days_from_civil(1900, 1, 1);
        let days: Vec<i32> = (0..rows).map(|i| (start + i as i64) as i32).collect();
        let weekly = [1.0, 0.8, 0.9, 1.1, 1.3, 2.0, 1.6];
        let values: Vec<f64> = (0..rows)
            .map(|i| 100.0 + i as f64 * 1e-4 + 20.0 * weekly[i % 7] + 3.0 * rng.normal())
            .collect();
        let date = Int32Chunked::from_vec("date".into(), days)
            .into_date()
            .into_series();
        let mut frame = DataFrame::new_infer_height(vec![
            date.into(),
            Series::new("value".into(), values).into(),
        ])?;
        crate::data::write::write_frame(&mut frame, &s_path)?;
        generated = true;
    }
    Ok(generated)
}

/// One command of `sextant bench-commands`, timed as a whole process.
#[derive(Debug, Clone)]
pub struct ProcessBench {
    /// The command line after `sextant`, with the benchmark folder shortened to `DIR`.
    pub command: String,
    /// Wall time from spawn to exit, best of the runs.
    pub wall_s: f64,
    /// User + system CPU of the fastest run, from `/proc/PID/stat` sampled while it ran.
    pub cpu_s: Option<f64>,
    /// Peak resident memory (`VmHWM`) of the fastest run, sampled every 2 ms while it ran.
    pub peak_rss_bytes: Option<u64>,
    /// The exit code of the last run (0, or 1 for a finding).
    pub exit_code: Option<i32>,
}

/// The model name and number of logical CPUs of this machine, from `/proc/cpuinfo`.
pub fn cpu_description() -> String {
    let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = info
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map_or("unknown CPU".to_string(), |(_, m)| m.trim().to_string());
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    format!("{model}, {cores} logical CPUs")
}

/// `VmHWM` and user + system CPU seconds of a running process, from `/proc`.
fn sample_process(pid: u32) -> (Option<u64>, Option<f64>) {
    let hwm = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("VmHWM:"))?.to_string();
            Some(line.split_whitespace().nth(1)?.parse::<u64>().ok()? * 1024)
        });
    let cpu = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            // Fields after the parenthesised name; utime and stime are the 14th and 15th.
            let rest = s.rsplit_once(')')?.1;
            let f: Vec<&str> = rest.split_whitespace().collect();
            let ticks = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
            Some(ticks / 100.0)
        });
    (hwm, cpu)
}

/// Run `exe args` `repeat` times with stdout and stderr discarded; the fastest run wins.
pub fn time_process(
    exe: &Path,
    args: &[String],
    shown: String,
    repeat: usize,
) -> Result<ProcessBench, BenchError> {
    let mut best: Option<ProcessBench> = None;
    for _ in 0..repeat.max(1) {
        let t = Instant::now();
        let mut child = std::process::Command::new(exe)
            .args(args)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()?;
        let pid = child.id();
        let (mut hwm, mut cpu) = (None, None);
        let status = loop {
            if let Some(status) = child.try_wait()? {
                break status;
            }
            let (h, c) = sample_process(pid);
            hwm = h.or(hwm);
            cpu = c.or(cpu);
            std::thread::sleep(std::time::Duration::from_millis(2));
        };
        let wall_s = t.elapsed().as_secs_f64();
        if best.as_ref().is_none_or(|b| wall_s < b.wall_s) {
            best = Some(ProcessBench {
                command: shown.clone(),
                wall_s,
                cpu_s: cpu,
                peak_rss_bytes: hwm,
                exit_code: status.code(),
            });
        }
    }
    best.ok_or(BenchError::Panicked)
}

/// The commands `sextant bench-commands` times, as a user types them, on the files of
/// [`command_files`]: (the line shown, the arguments).
pub fn command_lines(dir: &Path, rows: usize) -> Vec<(String, Vec<String>)> {
    let [r, c, s] = command_files(dir, rows);
    let out = dir.join("bench_report.html");
    let path = |p: &Path| p.display().to_string();
    let short = |p: &Path| {
        p.file_name()
            .map_or_else(String::new, |n| format!("DIR/{}", n.to_string_lossy()))
    };
    let pair = ["--reference", "REF", "--current", "CUR"];
    let series = ["--input", "SERIES", "--value", "value", "--period", "7"];
    let lines: Vec<Vec<&str>> = vec![
        [&["drift"][..], &pair].concat(),
        [&["drift"][..], &pair, &["--format", "json"]].concat(),
        [&["drift"][..], &pair, &["--all-metrics"]].concat(),
        [&["drift"][..], &pair, &["--windows", "week"]].concat(),
        [
            &["health"][..],
            &pair,
            &[
                "--target",
                "label",
                "--prediction",
                "score",
                "--time",
                "event_time",
                "--windows",
                "week",
            ],
        ]
        .concat(),
        [&["integrity"][..], &pair].concat(),
        [&["report"][..], &pair, &["--out", "OUT"]].concat(),
        [&["seasonality"][..], &series, &["--format", "table"]].concat(),
        [&["seasonality"][..], &series, &["--format", "json"]].concat(),
        [
            &["seasonality"][..],
            &series,
            &["--robust", "--format", "table"],
        ]
        .concat(),
    ];
    lines
        .into_iter()
        .map(|words| {
            let (mut shown, mut args) = (Vec::new(), Vec::new());
            for w in words {
                let file = match w {
                    "REF" => Some(&r),
                    "CUR" => Some(&c),
                    "SERIES" => Some(&s),
                    "OUT" => Some(&out),
                    _ => None,
                };
                match file {
                    Some(f) => {
                        shown.push(short(f));
                        args.push(path(f));
                    }
                    None => {
                        shown.push(w.to_string());
                        args.push(w.to_string());
                    }
                }
            }
            (shown.join(" "), args)
        })
        .collect()
}

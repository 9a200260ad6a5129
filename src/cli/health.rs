//! `sextant health`: how the model's quality moves window by window — metrics with bootstrap
//! intervals and the reference band, label coverage, label and prediction drift, change
//! detectors on the error stream, CBPE estimates, the staleness projection, drift attribution,
//! latency percentiles and alert rules. Exit code 1 when a `--rule` fired.
//!
//! JSON contract (keys may be added, never removed): `{"task", "threshold", "windows_by",
//! "reference_metrics": {...}, "reference_band": {metric: {"mean", "std", "lower", "upper"}},
//! "windows": [{"label", "start", "end", "rows", "labelled", "metrics": {...}, "intervals":
//! {metric: [low, high]}, "estimated": {"accuracy", "roc_auc", "f1"}, "prediction_drift",
//! "label_drift", "latency": [{"column", "p50", "p95", "p99"}]}], "detectors": [{"name",
//! "warnings": [row indices], "drifts": [row indices], "warning_windows", "drift_windows"}],
//! "staleness": {...}, "attribution": {...}, "alerts": [{"rule", "windows", "labels"}],
//! "unassigned_rows", "missing_prediction"}`. Start and end are ISO-8601 (UTC); row indices
//! count from 0 in the current file.

use std::path::PathBuf;

use clap::Args;
use serde_json::{Map, Value, json};

use super::{CliError, EXIT_FINDING, EXIT_OK, OutputFormat, load_pair, write_output};
use crate::analysis::alerts::AlertRule;
use crate::analysis::health::{
    HealthInput, HealthParams, HealthPlan, HealthReport, Metric, MetricValues, SideData, Task,
};
use crate::analysis::windows::WindowSpec;
use crate::data::RoleMap;
use crate::engine::health::{HealthColumns, run as run_health};
use crate::format::fmt_num;
use crate::present::json::{number, opt_number, to_text};
use crate::present::table::TextTable;
use crate::vocab::Progress;
use crate::vocab::Role;
use crate::vocab::time::format_iso;

#[derive(Debug, Args)]
pub struct HealthArgs {
    /// Training (reference) file: the baseline.
    #[arg(long, value_name = "FILE")]
    pub reference: PathBuf,
    /// Production (current) file.
    #[arg(long, value_name = "FILE")]
    pub current: PathBuf,
    /// The label column [default: the column with the target role].
    #[arg(long, value_name = "COL")]
    pub target: Option<String>,
    /// The score (probability of class 1) or prediction column [default: by role].
    #[arg(long, value_name = "COL")]
    pub prediction: Option<String>,
    /// The timestamp column [default: by role].
    #[arg(long, value_name = "COL")]
    pub time: Option<String>,
    /// Windows: day, week, month, or a number of chunks.
    #[arg(long, default_value = "week", value_parser = parse_windows)]
    pub windows: WindowSpec,
    /// Decision threshold: a score ≥ this predicts class 1.
    #[arg(long, default_value_t = 0.5)]
    pub threshold: f64,
    /// classification or regression [default: inferred from the values].
    #[arg(long, value_parser = parse_task)]
    pub task: Option<Task>,
    /// Bootstrap resamples per window (0 = no intervals).
    #[arg(long, default_value_t = 200)]
    pub bootstrap: usize,
    /// Seed of the bootstrap.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// The metric whose trend is projected [default: roc_auc, or mae for regression].
    #[arg(long, value_parser = parse_metric)]
    pub metric: Option<Metric>,
    /// The floor the metric should stay above (a ceiling for error metrics).
    #[arg(long)]
    pub floor: Option<f64>,
    /// An alert rule, e.g. "roc_auc < 0.8 for 2" (repeatable); exit code 1 when one fires.
    #[arg(long, value_name = "RULE", value_parser = parse_rule)]
    pub rule: Vec<AlertRule>,
    /// Skip feature drift per window (no drift_share, no attribution).
    #[arg(long)]
    pub no_feature_drift: bool,
    /// Production column NEW compared with training column OLD (repeatable).
    #[arg(long, value_name = "NEW=OLD")]
    pub rename: Vec<String>,
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
    /// Write the output to this file (atomically) instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

fn parse_windows(s: &str) -> Result<WindowSpec, String> {
    s.parse()
}

fn parse_task(s: &str) -> Result<Task, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "classification" => Ok(Task::Classification),
        "regression" => Ok(Task::Regression),
        _ => Err(format!(
            "\"{s}\" is not a task: use classification or regression"
        )),
    }
}

fn parse_metric(s: &str) -> Result<Metric, String> {
    s.parse()
}

fn parse_rule(s: &str) -> Result<AlertRule, String> {
    s.parse()
}

pub fn run(args: &HealthArgs) -> Result<u8, CliError> {
    if !(0.0..=1.0).contains(&args.threshold) {
        return Err(CliError(format!(
            "--threshold {} is outside 0 to 1",
            args.threshold
        )));
    }
    let renames = args
        .rename
        .iter()
        .map(|r| {
            r.split_once('=')
                .map(|(a, b)| (a.trim().to_string(), b.trim().to_string()))
                .ok_or_else(|| CliError(format!("--rename \"{r}\" is not NEW=OLD")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let (reference, current) = load_pair(&args.reference, &args.current)?;
    let mut roles = RoleMap::default();
    roles.add_inferred(&reference.columns);
    roles.add_inferred(&current.columns);
    if let Some(t) = &args.time {
        roles.set(t, Role::Timestamp);
    }
    let cols = HealthColumns {
        target: args.target.clone(),
        prediction: args.prediction.clone(),
        time: args.time.clone(),
        latency: None,
    };
    let params = HealthParams {
        task: args.task,
        threshold: args.threshold,
        windows: args.windows,
        bootstrap: args.bootstrap,
        seed: args.seed,
        detectors: true,
        staleness_metric: args.metric,
        floor: args.floor,
        rules: args.rule.clone(),
    };
    let report = run_health(
        &reference,
        &current,
        &roles,
        &renames,
        &cols,
        &params,
        !args.no_feature_drift,
        &Progress::silent(),
    )
    .map_err(|e| CliError(format!("{}: {e}", args.current.display())))?;
    let text = match args.format {
        OutputFormat::Json => to_text(&to_json(&report)),
        OutputFormat::Table => to_table(&report),
    };
    write_output(args.out.as_deref(), &text)?;
    for v in &report.unknown_rule_values {
        eprintln!(
            "warning: no value named \"{v}\" for the rules (a typo, or a column that is not there)"
        );
    }
    Ok(if report.alerts.is_empty() {
        EXIT_OK
    } else {
        EXIT_FINDING
    })
}

fn metrics_json(m: &MetricValues) -> Value {
    Value::Object(
        m.iter()
            .map(|(k, v)| (k.key().to_string(), number(*v)))
            .collect::<Map<_, _>>(),
    )
}

/// The report as the JSON contract.
pub fn to_json(r: &HealthReport) -> Value {
    let windows: Vec<Value> = r
        .windows
        .iter()
        .map(|w| {
            json!({
                "label": w.window.label,
                "start": w.window.start.map(format_iso),
                "end": w.window.end.map(format_iso),
                "rows": w.window.rows,
                "labelled": w.labelled,
                "metrics": metrics_json(&w.metrics),
                "intervals": Value::Object(w.intervals.iter().map(|(k, v)| {
                    (k.key().to_string(), json!([number(v[0]), number(v[1])]))
                }).collect()),
                "estimated": metrics_json(&w.estimated),
                "prediction_drift": serde_json::to_value(&w.prediction_drift).unwrap_or(Value::Null),
                "label_drift": serde_json::to_value(&w.label_drift).unwrap_or(Value::Null),
                "latency": serde_json::to_value(&w.latency).unwrap_or(Value::Null),
            })
        })
        .collect();
    let staleness = r.staleness.as_ref().map_or(Value::Null, |s| {
        let fit = |f: &Option<crate::analysis::health::staleness::TrendFit>| {
            f.map_or(Value::Null, |f| {
                json!({"intercept": number(f.intercept), "slope": number(f.slope),
                       "slope_se": number(f.slope_se), "p_value": number(f.p_value), "r2": number(f.r2)})
            })
        };
        json!({
            "metric": s.metric.key(),
            "floor": opt_number(s.floor),
            "unit": s.unit,
            "points": s.points,
            "degrading": s.degrading,
            "linear": fit(&s.linear),
            "exponential": fit(&s.exponential),
            "crossing": s.crossing.map_or(Value::Null, |c| json!({
                "model": c.model, "after": number(c.after), "low": number(c.low), "high": number(c.high)
            })),
            "message": s.message,
        })
    });
    json!({
        "task": r.task.name(),
        "threshold": number(r.threshold),
        "windows_by": r.spec.to_string(),
        "reference_metrics": metrics_json(&r.reference.metrics),
        "reference_rows": r.reference.rows,
        "reference_labelled": r.reference.labelled,
        "reference_band": serde_json::to_value(
            r.reference.band.iter().map(|(k, v)| (k.key().to_string(), v)).collect::<std::collections::BTreeMap<_, _>>()
        ).unwrap_or(Value::Null),
        "windows": windows,
        "unassigned_rows": r.unassigned_rows,
        "missing_prediction": {"reference": r.missing_prediction[0], "current": r.missing_prediction[1]},
        "detectors": serde_json::to_value(&r.detectors).unwrap_or(Value::Null),
        "staleness": staleness,
        "attribution": serde_json::to_value(&r.attribution).unwrap_or(Value::Null),
        "alerts": r.alerts.iter().map(|a| json!({
            "rule": a.text, "windows": a.windows, "labels": a.labels
        })).collect::<Vec<_>>(),
        "unknown_rule_values": r.unknown_rule_values,
        "drift_share": r.drift_share.as_ref().map(|v| v.iter().map(|x| number(*x)).collect::<Vec<_>>()),
    })
}

fn to_table(r: &HealthReport) -> String {
    let mut out = String::new();
    let shown: &[Metric] = match r.task {
        Task::Classification => &[
            Metric::RocAuc,
            Metric::Accuracy,
            Metric::F1,
            Metric::LogLoss,
        ],
        Task::Regression => &[Metric::Mae, Metric::Rmse, Metric::R2],
    };
    out.push_str(&format!(
        "Model health ({}, threshold {}, windows by {}); metrics use labelled rows only.\n",
        r.task.name(),
        r.threshold,
        r.spec
    ));
    let reference: Vec<String> = shown
        .iter()
        .map(|m| {
            let v = r
                .reference
                .metrics
                .get(m)
                .map_or("-".into(), |v| fmt_num(*v));
            let band = r
                .reference
                .band
                .get(m)
                .map(|b| format!(" (band {} to {})", fmt_num(b.lower), fmt_num(b.upper)))
                .unwrap_or_default();
            format!("{} {v}{band}", m.key())
        })
        .collect();
    out.push_str(&format!(
        "Reference: {} rows, {} labelled; {}\n\n",
        r.reference.rows,
        r.reference.labelled,
        reference.join(", ")
    ));
    let mut header = vec!["window", "rows", "labelled"];
    header.extend(shown.iter().map(|m| m.key()));
    let est = r.task == Task::Classification;
    if est {
        header.push("est. roc_auc");
    }
    header.push("pred. drift");
    let right: Vec<bool> = header.iter().enumerate().map(|(i, _)| i > 0).collect();
    let mut t = TextTable::new(&header, &right);
    for w in &r.windows {
        let mut row = vec![
            w.window.label.clone(),
            w.window.rows.to_string(),
            w.labelled.to_string(),
        ];
        for m in shown {
            row.push(match (w.metrics.get(m), w.intervals.get(m)) {
                (Some(v), Some(iv)) => {
                    format!("{} [{}, {}]", fmt_num(*v), fmt_num(iv[0]), fmt_num(iv[1]))
                }
                (Some(v), None) => fmt_num(*v),
                _ => "-".into(),
            });
        }
        if est {
            row.push(
                w.estimated
                    .get(&Metric::RocAuc)
                    .map_or("-".into(), |v| fmt_num(*v)),
            );
        }
        row.push(w.prediction_drift.as_ref().map_or("-".into(), |d| {
            format!(
                "{}{}",
                fmt_num(d.score),
                if d.drifted { " drift" } else { "" }
            )
        }));
        t.row(row);
    }
    out.push_str(&t.render());
    out.push('\n');
    for d in &r.detectors {
        let windows = |ws: &[usize]| {
            ws.iter()
                .filter_map(|&w| r.windows.get(w).map(|w| w.window.label.clone()))
                .collect::<Vec<_>>()
                .join(", ")
        };
        out.push_str(&format!(
            "{}: {} drift(s){}, {} warning(s)\n",
            d.name,
            d.drifts.len(),
            if d.drifts.is_empty() {
                String::new()
            } else {
                format!(" in {}", windows(&d.drift_windows))
            },
            d.warnings.len()
        ));
    }
    if let Some(s) = &r.staleness {
        out.push_str(&format!("\nStaleness: {}\n", s.message));
    }
    if let Some(a) = &r.attribution {
        out.push_str(&format!("Attribution: {}\n", a.verdict));
    }
    if !r.alerts.is_empty() {
        out.push('\n');
        for a in &r.alerts {
            out.push_str(&format!("ALERT {} in {}\n", a.text, a.labels.join(", ")));
        }
    }
    out
}

/// Arguments of the hidden `bench-health`.
#[derive(Debug, Args)]
pub struct BenchHealthArgs {
    /// Current rows.
    #[arg(long, default_value_t = 1_000_000)]
    pub rows: usize,
    /// Reference rows.
    #[arg(long, default_value_t = 200_000)]
    pub reference_rows: usize,
    /// Bootstrap resamples per window.
    #[arg(long, default_value_t = 200)]
    pub bootstrap: usize,
    /// Runs (the best is reported).
    #[arg(long, default_value_t = 3)]
    pub repeat: usize,
}

/// Labels, scores and timestamps of a generated side.
type GeneratedSide = (Vec<Option<f64>>, Vec<Option<f64>>, Vec<Option<i64>>);

/// A generated side: a year of timestamps, a label and a score that is informative (a
/// logistic model), with the model degrading over the last quarter and 20 % of labels missing.
fn generate(n: usize, seed: u64, start_day: i64) -> GeneratedSide {
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

/// Time the full health pass (all metrics, intervals, estimates, detectors) on generated data.
pub fn bench(args: &BenchHealthArgs) -> Result<u8, CliError> {
    let (ry, rp, rt) = generate(args.reference_rows, 1, 19_723);
    let (cy, cp, ct) = generate(args.rows, 2, 20_089);
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
    let params = HealthParams {
        bootstrap: args.bootstrap,
        floor: Some(0.75),
        rules: vec!["roc_auc < 0.8 for 2".parse().map_err(CliError)?],
        ..HealthParams::default()
    };
    println!(
        "Health pass on {} current + {} reference rows, weekly windows, {} bootstrap resamples ({} build), best of {}:",
        args.rows,
        args.reference_rows,
        args.bootstrap,
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        },
        args.repeat.max(1)
    );
    let mut best = f64::INFINITY;
    let mut windows = 0;
    for _ in 0..args.repeat.max(1) {
        let start = std::time::Instant::now();
        let plan = HealthPlan::new(&input, &params).map_err(CliError::from)?;
        let (ws, detectors) = crate::engine::health::evaluate(&plan, &input);
        let report = plan.finish(&input, ws, detectors);
        windows = report.windows.len();
        best = best.min(start.elapsed().as_secs_f64());
    }
    println!("  {windows} windows, everything on all cores: {best:.3} s");
    // Where the time goes, one part at a time on one core.
    let plan = HealthPlan::new(&input, &params).map_err(CliError::from)?;
    let start = std::time::Instant::now();
    for w in 0..plan.window_count() {
        plan.evaluate_window(&input, w);
    }
    println!(
        "  windows (metrics, {} bootstrap resamples, CBPE, drift), one core: {:.3} s",
        args.bootstrap,
        start.elapsed().as_secs_f64()
    );
    let errors = plan.errors(&input);
    for name in plan.detector_names() {
        let start = std::time::Instant::now();
        crate::analysis::health::detectors::run_one(plan.task, name, &errors);
        println!(
            "  {name} over {} labelled rows: {:.3} s",
            errors.stream.len(),
            start.elapsed().as_secs_f64()
        );
    }
    Ok(EXIT_OK)
}

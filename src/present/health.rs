//! The health outcome for pipelines (JSON) and people (a text table). `sextant health` and
//! the JSON report present the same pass through these functions.
//!
//! JSON contract (keys may be added, never removed): `{"task", "threshold", "windows_by",
//! "reference_metrics": {...}, "reference_rows", "reference_labelled", "reference_band":
//! {metric: {"mean", "std", "lower", "upper"}}, "windows": [{"label", "start", "end", "rows",
//! "labelled", "metrics": {...}, "intervals": {metric: [low, high]}, "estimated": {"accuracy",
//! "roc_auc", "f1"}, "prediction_drift", "label_drift", "latency": [{"column", "p50", "p95",
//! "p99"}]}], "unassigned_rows", "missing_prediction": {"reference", "current"}, "detectors":
//! [{"name", "warnings": [row indices], "drifts": [row indices], "warning_windows",
//! "drift_windows"}], "staleness": {...}, "attribution": {...}, "alerts": [{"rule", "windows",
//! "labels"}], "unknown_rule_values", "drift_share"}`. Start and end are ISO-8601 (UTC); row
//! indices count from 0 in the current file. The field order of the structs below is the order
//! of the keys.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::analysis::alerts::FiredAlert;
use crate::analysis::health::detectors::DetectorReport;
use crate::analysis::health::staleness::{Crossing, Staleness, TrendFit, Unit};
use crate::analysis::health::versions::VersionsReport;
use crate::analysis::health::{
    Attribution, Band, DriftScore, HealthReport, Metric, MetricValues, Percentiles, Task,
    WindowHealth,
};
use crate::format::fmt_num;
use crate::present::json::{number, opt_number};
use crate::present::table::TextTable;
use crate::vocab::time::format_iso;

/// The JSON document of `health`.
#[derive(Serialize)]
struct ReportJson<'a> {
    task: &'static str,
    threshold: Value,
    windows_by: String,
    reference_metrics: Map<String, Value>,
    reference_rows: usize,
    reference_labelled: usize,
    reference_band: BTreeMap<&'static str, &'a Band>,
    windows: Vec<WindowJson<'a>>,
    unassigned_rows: usize,
    missing_prediction: SidesJson,
    detectors: &'a [DetectorReport],
    staleness: Option<StalenessJson<'a>>,
    attribution: &'a Option<Attribution>,
    alerts: Vec<AlertJson<'a>>,
    unknown_rule_values: &'a [String],
    drift_share: Option<Vec<Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    versions: Option<VersionsJson<'a>>,
}

/// The versions table and the switch-overs (with `--version`).
#[derive(Serialize)]
struct VersionsJson<'a> {
    column: &'a str,
    versions: Vec<VersionJson<'a>>,
    switchovers: Vec<SwitchOverJson<'a>>,
    rows_without_version: usize,
}

/// One model version.
#[derive(Serialize)]
struct VersionJson<'a> {
    version: &'a str,
    first: Option<String>,
    last: Option<String>,
    rows: usize,
    labelled: usize,
    metrics: Map<String, Value>,
    intervals: Map<String, Value>,
    windows: Vec<VersionWindowJson<'a>>,
}

/// A version's metrics in one window.
#[derive(Serialize)]
struct VersionWindowJson<'a> {
    window: &'a str,
    rows: usize,
    labelled: usize,
    metrics: Map<String, Value>,
}

/// Where a version took over.
#[derive(Serialize)]
struct SwitchOverJson<'a> {
    at: Option<String>,
    window: Option<&'a str>,
    from: &'a str,
    to: &'a str,
}

fn intervals_json(iv: &BTreeMap<Metric, [f64; 2]>) -> Map<String, Value> {
    iv.iter()
        .map(|(k, v)| {
            (
                k.key().to_string(),
                Value::Array(vec![number(v[0]), number(v[1])]),
            )
        })
        .collect()
}

impl<'a> VersionsJson<'a> {
    fn new(v: &'a VersionsReport, r: &'a HealthReport) -> Self {
        let label = |w: usize| r.windows.get(w).map(|w| w.window.label.as_str());
        Self {
            column: &v.column,
            versions: v
                .versions
                .iter()
                .map(|x| VersionJson {
                    version: &x.version,
                    first: x.first.map(format_iso),
                    last: x.last.map(format_iso),
                    rows: x.rows,
                    labelled: x.labelled,
                    metrics: metrics_json(&x.metrics),
                    intervals: intervals_json(&x.intervals),
                    windows: x
                        .windows
                        .iter()
                        .map(|w| VersionWindowJson {
                            window: label(w.window).unwrap_or(""),
                            rows: w.rows,
                            labelled: w.labelled,
                            metrics: metrics_json(&w.metrics),
                        })
                        .collect(),
                })
                .collect(),
            switchovers: v
                .switchovers
                .iter()
                .map(|s| SwitchOverJson {
                    at: s.at.map(format_iso),
                    window: s.window.and_then(label),
                    from: &s.from,
                    to: &s.to,
                })
                .collect(),
            rows_without_version: v.rows_without_version,
        }
    }
}

/// A count per side.
#[derive(Serialize)]
struct SidesJson {
    reference: usize,
    current: usize,
}

/// One window of the current data.
#[derive(Serialize)]
struct WindowJson<'a> {
    label: &'a str,
    start: Option<String>,
    end: Option<String>,
    rows: usize,
    labelled: usize,
    metrics: Map<String, Value>,
    intervals: Map<String, Value>,
    estimated: Map<String, Value>,
    prediction_drift: &'a Option<DriftScore>,
    label_drift: &'a Option<DriftScore>,
    latency: &'a [Percentiles],
}

/// The staleness projection.
#[derive(Serialize)]
struct StalenessJson<'a> {
    metric: &'static str,
    floor: Value,
    unit: Unit,
    points: usize,
    degrading: bool,
    linear: Option<FitJson>,
    exponential: Option<FitJson>,
    crossing: Option<CrossingJson>,
    message: &'a str,
}

/// One trend fit.
#[derive(Serialize)]
struct FitJson {
    intercept: Value,
    slope: Value,
    slope_se: Value,
    p_value: Value,
    r2: Value,
}

/// When the metric reaches the floor.
#[derive(Serialize)]
struct CrossingJson {
    model: &'static str,
    after: Value,
    low: Value,
    high: Value,
}

/// A fired alert rule.
#[derive(Serialize)]
struct AlertJson<'a> {
    rule: &'a str,
    windows: &'a [usize],
    labels: &'a [String],
}

/// Metric values by their keys, in the metrics' order.
fn metrics_json(m: &MetricValues) -> Map<String, Value> {
    m.iter()
        .map(|(k, v)| (k.key().to_string(), number(*v)))
        .collect()
}

impl FitJson {
    fn new(f: &TrendFit) -> Self {
        Self {
            intercept: number(f.intercept),
            slope: number(f.slope),
            slope_se: number(f.slope_se),
            p_value: number(f.p_value),
            r2: number(f.r2),
        }
    }
}

impl CrossingJson {
    fn new(c: &Crossing) -> Self {
        Self {
            model: c.model,
            after: number(c.after),
            low: number(c.low),
            high: number(c.high),
        }
    }
}

impl<'a> StalenessJson<'a> {
    fn new(s: &'a Staleness) -> Self {
        Self {
            metric: s.metric.key(),
            floor: opt_number(s.floor),
            unit: s.unit,
            points: s.points,
            degrading: s.degrading,
            linear: s.linear.as_ref().map(FitJson::new),
            exponential: s.exponential.as_ref().map(FitJson::new),
            crossing: s.crossing.as_ref().map(CrossingJson::new),
            message: &s.message,
        }
    }
}

impl<'a> WindowJson<'a> {
    fn new(w: &'a WindowHealth) -> Self {
        Self {
            label: &w.window.label,
            start: w.window.start.map(format_iso),
            end: w.window.end.map(format_iso),
            rows: w.window.rows,
            labelled: w.labelled,
            metrics: metrics_json(&w.metrics),
            intervals: w
                .intervals
                .iter()
                .map(|(k, v)| {
                    (
                        k.key().to_string(),
                        Value::Array(vec![number(v[0]), number(v[1])]),
                    )
                })
                .collect(),
            estimated: metrics_json(&w.estimated),
            prediction_drift: &w.prediction_drift,
            label_drift: &w.label_drift,
            latency: &w.latency,
        }
    }
}

impl<'a> AlertJson<'a> {
    fn new(a: &'a FiredAlert) -> Self {
        Self {
            rule: &a.text,
            windows: &a.windows,
            labels: &a.labels,
        }
    }
}

/// The outcome as the JSON contract. The structs hold strings, numbers and maps with string
/// keys only, so serialisation cannot fail; `null` stands in should that ever change.
pub fn to_json(r: &HealthReport) -> Value {
    let doc = ReportJson {
        task: r.task.name(),
        threshold: number(r.threshold),
        windows_by: r.spec.to_string(),
        reference_metrics: metrics_json(&r.reference.metrics),
        reference_rows: r.reference.rows,
        reference_labelled: r.reference.labelled,
        reference_band: r.reference.band.iter().map(|(k, v)| (k.key(), v)).collect(),
        windows: r.windows.iter().map(WindowJson::new).collect(),
        unassigned_rows: r.unassigned_rows,
        missing_prediction: SidesJson {
            reference: r.missing_prediction[0],
            current: r.missing_prediction[1],
        },
        detectors: &r.detectors,
        staleness: r.staleness.as_ref().map(StalenessJson::new),
        attribution: &r.attribution,
        alerts: r.alerts.iter().map(AlertJson::new).collect(),
        unknown_rule_values: &r.unknown_rule_values,
        drift_share: r
            .drift_share
            .as_ref()
            .map(|v| v.iter().map(|x| number(*x)).collect()),
        versions: r.versions.as_ref().map(|v| VersionsJson::new(v, r)),
    };
    serde_json::to_value(&doc).unwrap_or(Value::Null)
}

/// The outcome for people: the reference line, one row per window, the detectors, staleness,
/// attribution and fired alerts.
pub fn to_table(r: &HealthReport) -> String {
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
    if let Some(v) = &r.versions {
        out.push_str(&versions_table(v, shown));
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

/// The versions table: one row per version in serving order, then the switch-overs.
pub fn versions_table(v: &VersionsReport, shown: &[Metric]) -> String {
    let mut out = format!("\nModel versions (column {}):\n", v.column);
    let mut header = vec!["version", "first", "last", "rows", "labelled"];
    header.extend(shown.iter().map(|m| m.key()));
    let right: Vec<bool> = header.iter().enumerate().map(|(i, _)| i > 2).collect();
    let mut t = TextTable::new(&header, &right);
    let date = |t: Option<i64>| t.map_or("-".into(), format_iso);
    for x in &v.versions {
        let mut row = vec![
            x.version.clone(),
            date(x.first),
            date(x.last),
            x.rows.to_string(),
            x.labelled.to_string(),
        ];
        for m in shown {
            row.push(match (x.metrics.get(m), x.intervals.get(m)) {
                (Some(val), Some(iv)) => {
                    format!("{} [{}, {}]", fmt_num(*val), fmt_num(iv[0]), fmt_num(iv[1]))
                }
                (Some(val), None) => fmt_num(*val),
                _ => "-".into(),
            });
        }
        t.row(row);
    }
    out.push_str(&t.render());
    for s in &v.switchovers {
        out.push_str(&format!(
            "Switch-over: {} -> {} at {}\n",
            s.from,
            s.to,
            date(s.at)
        ));
    }
    out
}

//! The report's Model health section: the metric per window with its interval, the training
//! value and band and the label-free estimate; label coverage; what the staleness projection,
//! the drift attribution, the change detectors and the alert rules said; a table per window.

use crate::analysis::health::{HealthReport, Metric};
use crate::vocab::time::MICROS_PER_DAY;

use super::Section;
use super::html::{escape, table};
use super::svg::{Frame, Line, Marker, XAxis, bars, line_chart};
use crate::format::{fmt_num, fmt_pct};

/// The section for a health report; `metric` is the one drawn (the report's default when
/// `None`).
pub fn section(report: &HealthReport, metric: Option<Metric>) -> Section {
    let metric = metric
        .filter(|m| Metric::of_task(report.task).contains(m))
        .unwrap_or_else(|| report.default_metric());
    let mut html = String::new();
    html.push_str(&summary(report, metric));
    html.push_str(&timeline(report, metric));
    let labels: Vec<String> = report
        .windows
        .iter()
        .map(|w| w.window.label.clone())
        .collect();
    let coverage: Vec<f64> = report.windows.iter().map(|w| w.coverage()).collect();
    html.push_str(&bars(
        "Label coverage per window (labelled rows / rows)",
        &labels,
        &coverage,
        "cur",
    ));
    html.push_str(&detectors(report));
    html.push_str(&alerts(report));
    html.push_str(&window_table(report, metric));
    html.push_str(&versions(report, metric));
    Section::new("health", "Model health", html)
}

/// The health section with its Feedback part (when the session asked for the feedback checks).
pub fn section_with_feedback(
    report: &HealthReport,
    metric: Option<Metric>,
    feedback: Option<&Result<crate::engine::feedback::FeedbackOutcome, String>>,
) -> Section {
    let mut s = section(report, metric);
    match feedback {
        Some(Ok(o)) => s.html.push_str(&feedback_html(o)),
        Some(Err(e)) => s
            .html
            .push_str(&format!("<h3>Feedback loops</h3><p>{}</p>", escape(e))),
        None => {}
    }
    s
}

/// The versions table, when the pass had a model version column.
fn versions(r: &HealthReport, metric: Metric) -> String {
    let Some(v) = &r.versions else {
        return String::new();
    };
    let date = |t: Option<i64>| t.map_or("-".into(), crate::vocab::time::format_iso);
    let rows: Vec<Vec<String>> = v
        .versions
        .iter()
        .map(|x| {
            vec![
                x.version.clone(),
                date(x.first),
                date(x.last),
                x.rows.to_string(),
                x.labelled.to_string(),
                match (x.metrics.get(&metric), x.intervals.get(&metric)) {
                    (Some(m), Some(iv)) => {
                        format!("{} [{}, {}]", fmt_num(*m), fmt_num(iv[0]), fmt_num(iv[1]))
                    }
                    (Some(m), None) => fmt_num(*m),
                    _ => "-".into(),
                },
            ]
        })
        .collect();
    let mut html = format!(
        "<h3>Model versions</h3><p>By <code>{}</code>; {} with its 95 % bootstrap interval over each version's labelled rows.</p>",
        escape(&v.column),
        escape(metric.title())
    );
    html.push_str(&table(
        &[
            "version",
            "first served",
            "last served",
            "rows",
            "labelled",
            metric.title(),
        ],
        &rows,
    ));
    for s in &v.switchovers {
        html.push_str(&format!(
            "<p>Switch-over: {} to {} at {}.</p>",
            escape(&s.from),
            escape(&s.to),
            escape(&date(s.at))
        ));
    }
    html
}

/// The Feedback part: the verdict, then one row per feature.
fn feedback_html(o: &crate::engine::feedback::FeedbackOutcome) -> String {
    let mut html = format!(
        "<h3>Feedback loops</h3><p>{}</p>",
        escape(&o.report.verdict.sentence)
    );
    let rows: Vec<Vec<String>> = crate::present::feedback::summaries(o)
        .iter()
        .map(|s| {
            let dash = || "-".to_string();
            vec![
                s.feature.to_string(),
                s.best.map_or_else(dash, |b| b.lag.to_string()),
                s.best
                    .map_or_else(dash, |b| crate::format::fmt_p(b.adjusted_p_value)),
                s.holdout
                    .map_or_else(dash, |h| crate::format::fmt_p(h.adjusted_p_value)),
                s.ccf_peak
                    .map_or_else(dash, |(l, c)| format!("{} at lag {l}", fmt_num(c))),
                format!("{} of {}", s.footprint_windows, s.tested_windows),
            ]
        })
        .collect();
    html.push_str(&table(
        &[
            "feature",
            "lag",
            "adjusted p",
            "holdout p",
            "cross-correlation peak",
            "footprint windows",
        ],
        &rows,
    ));
    for n in &o.notes {
        html.push_str(&format!("<p>{}</p>", escape(n)));
    }
    html
}

fn summary(r: &HealthReport, metric: Metric) -> String {
    let mut lines = vec![format!(
        "{} task, {} windows ({} labelled of {} current rows); decision threshold {}.",
        capitalise(r.task.name()),
        r.windows.len(),
        r.windows.iter().map(|w| w.labelled).sum::<usize>(),
        r.windows.iter().map(|w| w.window.rows).sum::<usize>(),
        fmt_num(r.threshold)
    )];
    if let Some(v) = r.reference.metrics.get(&metric) {
        let band = r
            .reference
            .band
            .get(&metric)
            .map(|b| {
                format!(
                    "; its windows vary within {} to {}",
                    fmt_num(b.lower),
                    fmt_num(b.upper)
                )
            })
            .unwrap_or_default();
        lines.push(format!(
            "{} on the training data: {}{band}.",
            metric.title(),
            fmt_num(*v)
        ));
    }
    if let Some(s) = &r.staleness {
        lines.push(s.message.clone());
    }
    if let Some(a) = &r.attribution {
        lines.push(a.verdict.clone());
    }
    lines
        .iter()
        .map(|l| format!("<p>{}</p>", escape(l)))
        .collect()
}

fn timeline(r: &HealthReport, metric: Metric) -> String {
    let day = |micros: Option<i64>| micros.map_or(f64::NAN, |m| m as f64 / MICROS_PER_DAY as f64);
    let timed = r.windows.iter().all(|w| w.window.start.is_some());
    let x: Vec<f64> = r
        .windows
        .iter()
        .enumerate()
        .map(|(i, w)| if timed { day(w.window.start) } else { i as f64 })
        .collect();
    let value =
        |m: &crate::analysis::health::MetricValues| m.get(&metric).copied().unwrap_or(f64::NAN);
    let realised: Vec<f64> = r.windows.iter().map(|w| value(&w.metrics)).collect();
    let estimated: Vec<f64> = r.windows.iter().map(|w| value(&w.estimated)).collect();
    let low: Vec<f64> = r
        .windows
        .iter()
        .map(|w| w.intervals.get(&metric).map_or(f64::NAN, |i| i[0]))
        .collect();
    let high: Vec<f64> = r
        .windows
        .iter()
        .map(|w| w.intervals.get(&metric).map_or(f64::NAN, |i| i[1]))
        .collect();
    let flat = |v: Option<f64>| vec![v.unwrap_or(f64::NAN); x.len()];
    let reference = flat(r.reference.metrics.get(&metric).copied());
    let band = r.reference.band.get(&metric);
    let band_low = flat(band.map(|b| b.lower));
    let band_high = flat(band.map(|b| b.upper));
    let mut lines = vec![
        Line {
            label: "production",
            x: &x,
            y: &realised,
            class: "cur",
        },
        Line {
            label: "95 % interval",
            x: &x,
            y: &low,
            class: "s2",
        },
        Line {
            label: "",
            x: &x,
            y: &high,
            class: "s2",
        },
        Line {
            label: "training",
            x: &x,
            y: &reference,
            class: "ref",
        },
        Line {
            label: "training band",
            x: &x,
            y: &band_low,
            class: "fl",
        },
        Line {
            label: "",
            x: &x,
            y: &band_high,
            class: "fl",
        },
    ];
    if estimated.iter().any(|v| v.is_finite()) {
        lines.push(Line {
            label: "CBPE estimate",
            x: &x,
            y: &estimated,
            class: "s1",
        });
    }
    // Windows where a rule fired are marked on the production line.
    let markers: Vec<Marker> = r
        .alerts
        .iter()
        .flat_map(|a| a.windows.iter().copied())
        .filter_map(|w| {
            Some(Marker {
                x: *x.get(w)?,
                y: *realised.get(w)?,
                class: "anom",
            })
        })
        .collect();
    let title = metric.title().to_string();
    line_chart(
        &Frame {
            title: &title,
            height: 200.0,
            x_axis: if timed { XAxis::Days } else { XAxis::Number },
        },
        &lines,
        &markers,
    )
}

fn detectors(r: &HealthReport) -> String {
    if r.detectors.is_empty() {
        return String::new();
    }
    let label = |w: Option<&usize>| {
        w.and_then(|&i| r.windows.get(i))
            .map_or_else(|| "-".to_string(), |w| w.window.label.clone())
    };
    let rows: Vec<Vec<String>> = r
        .detectors
        .iter()
        .map(|d| {
            vec![
                d.name.clone(),
                d.warnings.len().to_string(),
                d.drifts.len().to_string(),
                label(d.drift_windows.first()),
            ]
        })
        .collect();
    format!(
        "<h3>Change detectors on the error stream</h3>{}",
        table(&["detector", "warnings", "drifts", "first drift in"], &rows)
    )
}

fn alerts(r: &HealthReport) -> String {
    if r.alerts.is_empty() {
        return "<p>No alert rule fired.</p>".into();
    }
    let rows: Vec<Vec<String>> = r
        .alerts
        .iter()
        .map(|a| vec![a.text.clone(), a.labels.join(", ")])
        .collect();
    format!(
        "<h3>Alerts</h3>{}",
        table(&["rule", "fired in windows"], &rows)
    )
}

fn window_table(r: &HealthReport, metric: Metric) -> String {
    let rows: Vec<Vec<String>> = r
        .windows
        .iter()
        .map(|w| {
            let v = |m: Option<&f64>| m.map_or_else(String::new, |v| fmt_num(*v));
            vec![
                w.window.label.clone(),
                w.window.rows.to_string(),
                fmt_pct(w.coverage()),
                v(w.metrics.get(&metric)),
                w.intervals.get(&metric).map_or_else(String::new, |i| {
                    format!("{} to {}", fmt_num(i[0]), fmt_num(i[1]))
                }),
                v(w.estimated.get(&metric)),
                w.prediction_drift.as_ref().map_or_else(String::new, |d| {
                    format!(
                        "{}{}",
                        fmt_num(d.score),
                        if d.drifted { " (drift)" } else { "" }
                    )
                }),
            ]
        })
        .collect();
    let name = metric.title();
    let estimated = format!("{name} estimated");
    table(
        &[
            "window",
            "rows",
            "labelled",
            name,
            "95 % interval",
            &estimated,
            "prediction drift",
        ],
        &rows,
    )
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

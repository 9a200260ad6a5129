//! The report's Retraining section: the backtest of policies × modes with a stand-in model
//! Sextant trains itself — the best run, the window log loss of the best and of never
//! retraining (retrains as dots), every run's totals and the lineage of the best run.

use super::Section;
use super::html::table;
use super::svg::{Frame, Line, Marker, XAxis, line_chart};
use crate::analysis::retrain::RunReport;
use crate::engine::retrain::RetrainOutcome;
use crate::format::fmt_num;
use crate::vocab::time::{MICROS_PER_DAY, format_micros};

fn series(r: &RunReport) -> (Vec<f64>, Vec<f64>) {
    r.windows
        .iter()
        .map(|w| {
            (
                w.start as f64 / MICROS_PER_DAY as f64,
                w.log_loss.unwrap_or(f64::NAN),
            )
        })
        .unzip()
}

/// The section for a backtest.
pub fn section(o: &RetrainOutcome) -> Section {
    let p = &o.protocol;
    let mut html = format!(
        "<p>A stand-in model Sextant trains itself (logistic regression) replays {} training and {} production rows (labels at {}, windows of one {} from {}); each policy × mode is scored by total cost = sum of window log loss + {} × retrains.</p>",
        p.reference_rows,
        p.current_rows,
        super::html::escape(&p.labels),
        p.windows.name(),
        format_micros(p.first_window),
        fmt_num(p.cost)
    );
    if let Some(b) = o.best {
        let r = &o.runs[b];
        html.push_str(&format!(
            "<p>Best: <b>{} {}</b> with {} retrains, total cost {}.</p>",
            super::html::escape(&r.policy.to_string()),
            super::html::escape(&r.mode.to_string()),
            r.retrain_count,
            fmt_num(r.total_cost)
        ));
        let (bx, by) = series(r);
        let never = o
            .runs
            .iter()
            .position(|q| q.policy == crate::analysis::retrain::Policy::Never && q.mode == r.mode);
        let (nx, ny) = never.map(|i| series(&o.runs[i])).unwrap_or_default();
        let markers: Vec<Marker> = r
            .retrains
            .iter()
            .filter(|t| t.version.is_some())
            .filter_map(|t| {
                let i = r.windows.iter().position(|w| w.start == t.at)?;
                Some(Marker {
                    x: bx[i],
                    y: by[i],
                    class: "anom",
                })
            })
            .collect();
        let mut lines = vec![Line {
            label: "best run",
            x: &bx,
            y: &by,
            class: "cur",
        }];
        if never.is_some_and(|i| i != b) {
            lines.push(Line {
                label: "never retrain",
                x: &nx,
                y: &ny,
                class: "ref",
            });
        }
        html.push_str(&line_chart(
            &Frame {
                title: "Window log loss (dots: retrains of the best run)",
                height: 200.0,
                x_axis: XAxis::Days,
            },
            &lines,
            &markers,
        ));
    }
    let rows: Vec<Vec<String>> = o
        .runs
        .iter()
        .enumerate()
        .map(|(i, r)| {
            vec![
                r.policy.to_string(),
                r.mode.to_string(),
                r.retrain_count.to_string(),
                fmt_num(r.sum_window_log_loss),
                fmt_num(r.total_cost),
                if o.best == Some(i) {
                    "best".into()
                } else if o.frontier.contains(&i) {
                    "frontier".into()
                } else {
                    String::new()
                },
            ]
        })
        .collect();
    html.push_str(&table(
        &[
            "policy",
            "mode",
            "retrains",
            "sum log loss",
            "total cost",
            "",
        ],
        &rows,
    ));
    if let Some(b) = o.best {
        let cell = |v: Option<f64>| v.map_or_else(|| "-".into(), fmt_num);
        let rows: Vec<Vec<String>> = o.runs[b]
            .retrains
            .iter()
            .map(|t| {
                vec![
                    format_micros(t.at),
                    format!("{:?}", t.trigger).to_lowercase(),
                    t.version.map_or_else(
                        || format!("skipped: {}", t.skipped.clone().unwrap_or_default()),
                        |v| v.to_string(),
                    ),
                    t.rows.to_string(),
                    t.train_start.map(format_micros).unwrap_or_default(),
                    t.train_end.map(format_micros).unwrap_or_default(),
                    cell(t.before.and_then(|m| m.log_loss)),
                    cell(t.after.and_then(|m| m.log_loss)),
                ]
            })
            .collect();
        if !rows.is_empty() {
            html.push_str("<p>Lineage of the best run:</p>");
            html.push_str(&table(
                &[
                    "at",
                    "trigger",
                    "version",
                    "training rows",
                    "from",
                    "to",
                    "log loss before",
                    "after",
                ],
                &rows,
            ));
        }
    }
    // The deployed model's alarms, as text: the chart's x axis is in windows of the stand-in's
    // runs, and a list reads better than three marks in a 200 px chart.
    if !o.detector_alarms.is_empty() {
        let alarms: Vec<String> = o
            .detector_alarms
            .iter()
            .map(|a| {
                format!(
                    "{} at {}",
                    super::html::escape(&a.detector),
                    format_micros(a.at)
                )
            })
            .collect();
        html.push_str(&format!(
            "<p>The Health tab's detectors on the deployed model's errors: {}.</p>",
            alarms.join(", ")
        ));
    }
    for n in &o.notes {
        html.push_str(&format!("<p class=\"note\">{}</p>", super::html::escape(n)));
    }
    Section::new("retraining", "Retraining", html)
}

//! The report's Multivariate drift section: the reconstruction error per window (training
//! and production windows, the band, alerts as dots), the domain classifier's AUC per window,
//! each feature's share of the error in the windows that alert, and the most anomalous rows of
//! the window with the largest error.

use super::Section;
use super::html::{badge, table};
use super::svg::{Frame, Line, Marker, XAxis, bars, line_chart};
use crate::engine::multivariate::MultivariateOutcome;
use crate::format::fmt_num;
use crate::vocab::time::{MICROS_PER_DAY, format_micros};

fn day(t: Option<i64>) -> f64 {
    t.map_or(f64::NAN, |t| t as f64 / MICROS_PER_DAY as f64)
}

/// The section, or the sentence saying why multivariate drift could not be computed.
pub fn section(outcome: &Result<MultivariateOutcome, String>) -> Section {
    let html = match outcome {
        Ok(o) => html(o),
        Err(e) => format!("<p>{}</p>", super::html::escape(e)),
    };
    Section {
        id: "multivariate".into(),
        title: "Multivariate drift".into(),
        html,
    }
}

fn html(o: &MultivariateOutcome) -> String {
    let r = &o.reconstruction;
    let mut html = format!(
        "<p>{} — data reconstruction error (NannyML 0.13.1's method) of {} features from {} principal components: {} over all production rows, band {} to {} (training windows' mean ± 3 standard deviations); {} of {} windows alert.{}</p>",
        if o.drifted() {
            badge("drift", "Multivariate drift")
        } else {
            badge("ok", "No multivariate drift")
        },
        o.features.len(),
        r.components,
        fmt_num(r.overall_error),
        r.lower.map_or("—".into(), fmt_num),
        r.upper.map_or("—".into(), fmt_num),
        r.windows.iter().filter(|w| w.alert).count(),
        r.windows.len(),
        o.domain_classifier
            .as_ref()
            .and_then(|c| c.overall.auc.map(|a| format!(
                " The domain classifier tells production from training rows with AUC {} (p = {}).",
                fmt_num(a),
                c.overall.p_value.map_or("—".into(), fmt_num)
            )))
            .unwrap_or_default()
    );
    let (rx, ry): (Vec<f64>, Vec<f64>) = r
        .reference_windows
        .iter()
        .map(|w| (day(w.window.start), w.error))
        .unzip();
    let (cx, cy): (Vec<f64>, Vec<f64>) = r
        .windows
        .iter()
        .map(|w| (day(w.window.start), w.error))
        .unzip();
    let all_x: Vec<f64> = rx.iter().chain(&cx).copied().collect();
    let band = |v: Option<f64>| vec![v.unwrap_or(f64::NAN); all_x.len()];
    let (upper, lower) = (band(r.upper), band(r.lower));
    let markers: Vec<Marker> = r
        .windows
        .iter()
        .filter(|w| w.alert)
        .map(|w| Marker {
            x: day(w.window.start),
            y: w.error,
            class: "anom",
        })
        .collect();
    if all_x.iter().all(|x| x.is_finite()) {
        html.push_str(&line_chart(
            &Frame {
                title: "Reconstruction error per window (dots: alerts)",
                height: 200.0,
                x_axis: XAxis::Days,
            },
            &[
                Line {
                    label: "training",
                    x: &rx,
                    y: &ry,
                    class: "ref",
                },
                Line {
                    label: "production",
                    x: &cx,
                    y: &cy,
                    class: "cur",
                },
                Line {
                    label: "thresholds",
                    x: &all_x,
                    y: &upper,
                    class: "fl",
                },
                Line {
                    label: "",
                    x: &all_x,
                    y: &lower,
                    class: "fl",
                },
            ],
            &markers,
        ));
    }
    if let Some(c) = &o.domain_classifier {
        let (ax, ay): (Vec<f64>, Vec<f64>) = c
            .windows
            .iter()
            .map(|w| (day(w.window.start), w.auc.unwrap_or(f64::NAN)))
            .unzip();
        if ax.iter().all(|x| x.is_finite()) && !ax.is_empty() {
            let threshold = vec![c.auc_threshold; ax.len()];
            html.push_str(&line_chart(
                &Frame {
                    title: "Domain classifier AUC per production window",
                    height: 160.0,
                    x_axis: XAxis::Days,
                },
                &[
                    Line {
                        label: "AUC",
                        x: &ax,
                        y: &ay,
                        class: "cur",
                    },
                    Line {
                        label: "threshold",
                        x: &ax,
                        y: &threshold,
                        class: "fl",
                    },
                ],
                &[],
            ));
        }
        let mut order: Vec<usize> = (0..o.features.len()).collect();
        let imp = &c.overall.importances;
        order.sort_by(|&a, &b| {
            imp.get(b)
                .unwrap_or(&0.0)
                .total_cmp(imp.get(a).unwrap_or(&0.0))
        });
        let labels: Vec<String> = order
            .iter()
            .take(10)
            .map(|&j| o.features[j].clone())
            .collect();
        let values: Vec<f64> = order
            .iter()
            .take(10)
            .map(|&j| imp.get(j).copied().unwrap_or(0.0))
            .collect();
        if !values.is_empty() {
            html.push_str(&bars(
                "What the domain classifier relied on (share of its coefficients)",
                &labels,
                &values,
                "cur",
            ));
        }
    }
    // Per window: error, verdict and the features that carry most of the error.
    let rows: Vec<Vec<String>> = r
        .windows
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let mut top: Vec<(usize, f64)> = w.contributions.iter().copied().enumerate().collect();
            top.sort_by(|a, b| b.1.total_cmp(&a.1));
            let auc = o
                .domain_classifier
                .as_ref()
                .and_then(|c| c.windows.get(i))
                .and_then(|c| c.auc)
                .map_or(String::new(), fmt_num);
            vec![
                w.window.label.clone(),
                w.window.rows.to_string(),
                fmt_num(w.error),
                w.sampling_error.map_or(String::new(), fmt_num),
                if w.alert {
                    "alert".into()
                } else {
                    String::new()
                },
                auc,
                top.iter()
                    .take(3)
                    .map(|(j, s)| format!("{} {:.0} %", o.features[*j], s * 100.0))
                    .collect::<Vec<_>>()
                    .join(", "),
            ]
        })
        .collect();
    html.push_str(&table(
        &[
            "window",
            "rows",
            "error",
            "sampling error",
            "alert",
            "AUC",
            "largest shares of the error",
        ],
        &rows,
    ));
    if let Some(w) = r
        .windows
        .iter()
        .filter(|w| w.error.is_finite())
        .max_by(|a, b| a.error.total_cmp(&b.error))
    {
        html.push_str(&format!(
            "<p>Most anomalous rows of window {}:</p>",
            super::html::escape(&w.window.label)
        ));
        let rows: Vec<Vec<String>> = w
            .anomalies
            .iter()
            .map(|a| {
                vec![
                    a.row.to_string(),
                    a.id.clone().unwrap_or_default(),
                    a.timestamp.map_or(String::new(), format_micros),
                    fmt_num(a.error),
                ]
            })
            .collect();
        html.push_str(&table(&["row", "id", "timestamp", "error"], &rows));
    }
    html
}

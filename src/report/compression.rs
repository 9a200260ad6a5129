//! The report's Compression section: the model, the trade-off of every variant (metric against
//! packed size, the Pareto frontier drawn through the variants worth having), the variant
//! table with sizes and latency, and the per-layer sensitivity.

use crate::model::compress::{CompressionReport, XAxis as TradeoffAxis};

use super::Section;
use super::html::{escape, table};
use super::svg::{Frame, Line, Marker, XAxis, bars, line_chart};
use crate::format::{fmt_bytes, fmt_num, fmt_pct};

/// The section for a sweep.
pub fn section(r: &CompressionReport, include_paths: bool) -> Section {
    let m = &r.model;
    // The model by its file name unless full paths were asked for.
    let shown = if include_paths {
        m.path.clone()
    } else {
        std::path::Path::new(&m.path)
            .file_name()
            .map_or_else(|| m.path.clone(), |n| n.to_string_lossy().into_owned())
    };
    let mut html = format!(
        "<p>{} — {} parameters, {} on disk, {} evaluated on {} labelled rows{}.</p>",
        escape(&shown),
        m.parameters,
        fmt_bytes(m.file_bytes),
        escape(r.metric.label()),
        r.rows,
        if r.skipped_rows > 0 {
            format!(" ({} rows with a missing value left out)", r.skipped_rows)
        } else {
            String::new()
        }
    );
    html.push_str(&tradeoff(r));
    // The list is the chart's frontier: both on the sweep's axis.
    if !r.pareto.is_empty() {
        html.push_str(&format!(
            "<p>Pareto frontier ({} against {}, cheapest first): {}.</p>",
            escape(r.metric.label()),
            crate::present::compression::axis_words(r.x_axis),
            escape(&r.pareto.join(", "))
        ));
    }
    html.push_str(&variant_table(r));
    html.push_str(&rules(r));
    if !r.sensitivity.is_empty() {
        let labels: Vec<String> = r.sensitivity.iter().map(|s| s.layer.clone()).collect();
        let damage: Vec<f64> = r.sensitivity.iter().map(|s| s.int4_delta).collect();
        html.push_str(&bars(
            &format!(
                "Change of {} with one layer at int4 per channel",
                r.metric.label()
            ),
            &labels,
            &damage,
            "s1",
        ));
    }
    Section::new("compression", "Compression", html)
}

/// Metric against the sweep's axis (packed size or per-row latency): every variant a dot
/// (measured and estimated ones apart), the frontier a line through the ones no other variant
/// beats on both.
fn tradeoff(r: &CompressionReport) -> String {
    let axis = r.x_axis;
    let scale = match axis {
        TradeoffAxis::Size => 1000.0,
        TradeoffAxis::Latency => 1.0,
    };
    let point = |i: usize| {
        let v = &r.variants[i];
        Some((v.x(axis)? / scale, v.metric(r.metric)?))
    };
    let estimated = |i: usize| r.variants[i].latency.iter().any(|p| p.estimated);
    let mut frontier: Vec<(f64, f64)> = r
        .frontier(r.metric, axis)
        .into_iter()
        .filter_map(point)
        .collect();
    frontier.sort_by(|a, b| a.0.total_cmp(&b.0));
    let fx: Vec<f64> = frontier.iter().map(|p| p.0).collect();
    let fy: Vec<f64> = frontier.iter().map(|p| p.1).collect();
    let markers: Vec<Marker> = (0..r.variants.len())
        .filter_map(|i| point(i).map(|p| (p, estimated(i))))
        .map(|((x, y), est)| Marker {
            x,
            y,
            // An estimate is drawn apart from measurements (and never on the frontier).
            class: if est && axis == TradeoffAxis::Latency {
                "ref"
            } else {
                "anom"
            },
        })
        .collect();
    let title = match axis {
        TradeoffAxis::Size => format!("{} against packed size (kB)", r.metric.label()),
        TradeoffAxis::Latency => format!(
            "{} against per-row latency at the largest batch (µs, {})",
            r.metric.label(),
            r.cpu
        ),
    };
    line_chart(
        &Frame {
            title: &title,
            height: 180.0,
            x_axis: XAxis::Number,
        },
        &[Line {
            label: "Pareto frontier",
            x: &fx,
            y: &fy,
            class: "cur",
        }],
        &markers,
    )
}

/// How each variant's latency was obtained, the CPU, and the integer graphs' check.
fn rules(r: &CompressionReport) -> String {
    if r.variants.iter().all(|v| v.latency.is_empty()) {
        return String::new();
    }
    let mut html = format!(
        "<p>Latency measured on {} ({} marks an estimate). How each variant is timed:</p><ul>",
        escape(&r.cpu),
        "<i>(estimated)</i>"
    );
    for v in &r.variants {
        html.push_str(&format!(
            "<li>{}: {}</li>",
            escape(&v.name),
            escape(&v.latency_rule)
        ));
    }
    html.push_str("</ul>");
    for v in &r.variants {
        if let Some(c) = &v.integer_check {
            html.push_str(&format!(
                "<p>{}: the integer graph's predictions lie within {} of the simulated quantization's at most (tolerance {}, {}; mean {}, agreement {}).</p>",
                escape(&v.name),
                fmt_num(c.max_abs_diff),
                fmt_num(c.tolerance),
                if c.within { "met" } else { "not met" },
                fmt_num(c.mean_abs_diff),
                fmt_pct(c.agreement)
            ));
        }
    }
    html
}

fn variant_table(r: &CompressionReport) -> String {
    let rows: Vec<Vec<String>> = r
        .variants
        .iter()
        .map(|v| {
            let batch1 = v.latency.first();
            vec![
                v.name.clone(),
                v.metric(r.metric).map_or_else(String::new, fmt_num),
                fmt_pct(v.agreement),
                fmt_bytes(v.packed_bytes),
                fmt_bytes(v.file_bytes),
                batch1.map_or_else(String::new, |p| {
                    format!(
                        "{} µs{}",
                        fmt_num((p.p50_us * 10.0).round() / 10.0),
                        if p.estimated { " (estimated)" } else { "" }
                    )
                }),
                v.latency.last().map_or_else(String::new, |p| {
                    format!(
                        "{} rows/s{}",
                        fmt_num(p.rows_per_s.round()),
                        if p.estimated { " (estimated)" } else { "" }
                    )
                }),
            ]
        })
        .collect();
    let metric = r.metric.label();
    table(
        &[
            "variant",
            metric,
            "agreement",
            "packed",
            "ONNX file",
            &format!("p50 per call, batch 1 ({})", r.cpu),
            "throughput, largest batch",
        ],
        &rows,
    )
}

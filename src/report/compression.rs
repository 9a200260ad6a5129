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
    if !r.pareto.is_empty() {
        html.push_str(&format!(
            "<p>Pareto frontier (smallest first): {}.</p>",
            escape(&r.pareto.join(", "))
        ));
    }
    html.push_str(&variant_table(r));
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

/// Metric against packed size: every variant a dot, the frontier a line through the ones no
/// other variant beats on both.
fn tradeoff(r: &CompressionReport) -> String {
    let point = |i: usize| {
        let v = &r.variants[i];
        Some((v.x(TradeoffAxis::Size)? / 1000.0, v.metric(r.metric)?))
    };
    let mut frontier: Vec<(f64, f64)> = r
        .frontier(r.metric, TradeoffAxis::Size)
        .into_iter()
        .filter_map(point)
        .collect();
    frontier.sort_by(|a, b| a.0.total_cmp(&b.0));
    let fx: Vec<f64> = frontier.iter().map(|p| p.0).collect();
    let fy: Vec<f64> = frontier.iter().map(|p| p.1).collect();
    let markers: Vec<Marker> = (0..r.variants.len())
        .filter_map(point)
        .map(|(x, y)| Marker {
            x,
            y,
            class: "anom",
        })
        .collect();
    let title = format!("{} against packed size (kB)", r.metric.label());
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
                    format!("{} rows/s", fmt_num(p.rows_per_s.round()))
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
            "p50 per call, batch 1",
            "throughput, largest batch",
        ],
        &rows,
    )
}

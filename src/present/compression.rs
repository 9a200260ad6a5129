//! The compression outcome for pipelines (JSON) and people (text tables); `sextant compress`
//! presents through these functions.
//!
//! JSON contract (keys may be added, never removed): `{"model": {"path", "parameters",
//! "file_bytes", "inputs": [{"name", "shape", "elem_type"}], "outputs", "task", "features",
//! "layers", "trees"}, "metric", "x_axis", "rows", "skipped_rows", "variants": [{"name", "kind",
//! "accuracy", "roc_auc", "log_loss", "f1", "mae", "rmse", "agreement", "packed_bytes",
//! "dense_bytes", "file_bytes", "sparsity", "latency": [{"batch", "p50_us", "p95_us",
//! "per_row_us", "rows_per_s", "estimated"}], "latency_rule", "integer_check": null |
//! {"max_abs_diff", "mean_abs_diff", "agreement", "tolerance", "within"}}], "pareto": [names],
//! "sensitivity": [{"layer", "int4_delta", "prune50_delta"}], "cpu"}`. Metrics that do not apply
//! to the task are null; `kind` is one of original, fp16, quantized, pruned, neuron_pruned,
//! trees, distilled. Latency is measured in the build you run (use a release build) on the CPU
//! named by `cpu`: every variant is timed as the graph it is, and `latency_rule` says which
//! (a quantized variant's integer graph, with `integer_check` comparing its predictions with
//! the simulated quantization). `"estimated"` is false on every point Sextant writes today.
//! The JSON is the outcome's own serde form.

use serde_json::Value;

use crate::engine::compression::CompressionOutcome;
use crate::format::{fmt_bytes_exact, fmt_num};
use crate::present::table::TextTable;

/// The outcome as the JSON contract.
pub fn to_json(r: &CompressionOutcome) -> Result<Value, serde_json::Error> {
    serde_json::to_value(r)
}

/// A metric that may not apply to the task ("–").
fn opt(v: Option<f64>) -> String {
    v.map_or_else(|| "–".into(), fmt_num)
}

/// The outcome for people: the model line, a row per variant, latency per batch size, the
/// per-layer sensitivity and the Pareto frontier.
pub fn to_table(r: &CompressionOutcome) -> String {
    let mut out = String::new();
    let m = &r.model;
    out.push_str(&format!(
        "Model {} · {} parameters · {} · inputs {}\n",
        m.path,
        m.parameters,
        fmt_bytes_exact(m.file_bytes),
        m.inputs
            .iter()
            .map(crate::model::TensorInfo::describe)
            .collect::<Vec<_>>()
            .join(", ")
    ));
    out.push_str(&format!(
        "Evaluated on {} rows ({} skipped for missing values) · features {}\n\n",
        r.rows,
        r.skipped_rows,
        m.features.join(", ")
    ));
    let classification = r.variants.first().is_some_and(|v| v.accuracy.is_some());
    let mut header = vec!["variant", "kind"];
    if classification {
        header.extend(["accuracy", "ROC AUC", "log loss", "F1"]);
    } else {
        header.extend(["MAE", "RMSE"]);
    }
    header.extend(["agreement", "packed", "dense", "file", "pareto"]);
    let right: Vec<bool> = header.iter().enumerate().map(|(i, _)| i >= 2).collect();
    let mut t = TextTable::new(&header, &right);
    for v in &r.variants {
        let mut row = vec![
            v.name.clone(),
            serde_json::to_value(v.kind)
                .ok()
                .and_then(|k| k.as_str().map(str::to_string))
                .unwrap_or_default(),
        ];
        if classification {
            row.extend([opt(v.accuracy), opt(v.roc_auc), opt(v.log_loss), opt(v.f1)]);
        } else {
            row.extend([opt(v.mae), opt(v.rmse)]);
        }
        row.extend([
            format!("{:.2}%", v.agreement * 100.0),
            fmt_bytes_exact(v.packed_bytes),
            fmt_bytes_exact(v.dense_bytes),
            fmt_bytes_exact(v.file_bytes),
            if r.pareto.contains(&v.name) { "*" } else { "" }.to_string(),
        ]);
        t.row(row);
    }
    out.push_str(&t.render());
    if r.variants.iter().any(|v| !v.latency.is_empty()) {
        out.push_str(&format!(
            "\nLatency per call, p50 / p95 in µs, measured on {} (e = estimated)\n",
            r.cpu
        ));
        let batches: Vec<usize> = r.variants[0].latency.iter().map(|p| p.batch).collect();
        let mut header: Vec<String> = vec!["variant".into()];
        header.extend(batches.iter().map(|b| format!("batch {b}")));
        let h: Vec<&str> = header.iter().map(String::as_str).collect();
        let right: Vec<bool> = (0..h.len()).map(|i| i > 0).collect();
        let mut t = TextTable::new(&h, &right);
        for v in &r.variants {
            let mut row = vec![v.name.clone()];
            row.extend(v.latency.iter().map(|p| {
                format!(
                    "{} / {}{}",
                    fmt_num((p.p50_us * 10.0).round() / 10.0),
                    fmt_num((p.p95_us * 10.0).round() / 10.0),
                    if p.estimated { " e" } else { "" }
                )
            }));
            t.row(row);
        }
        out.push_str(&t.render());
        out.push_str("How each variant is timed:\n");
        for v in &r.variants {
            out.push_str(&format!("  {}: {}\n", v.name, v.latency_rule));
        }
    }
    let checks: Vec<_> = r
        .variants
        .iter()
        .filter_map(|v| v.integer_check.as_ref().map(|c| (&v.name, c)))
        .collect();
    if !checks.is_empty() {
        out.push_str(
            "\nInteger graphs against the simulated quantization (all rows in one batch)\n",
        );
        for (name, c) in checks {
            out.push_str(&format!(
                "  {name}: max |Δ| {} (tolerance {}: {}), mean |Δ| {}, agreement {:.2}%\n",
                fmt_num(c.max_abs_diff),
                fmt_num(c.tolerance),
                if c.within { "within" } else { "OUTSIDE" },
                fmt_num(c.mean_abs_diff),
                c.agreement * 100.0
            ));
        }
    }
    if !r.sensitivity.is_empty() {
        out.push_str(&format!(
            "\nPer-layer sensitivity ({} change with only that layer compressed, worst first)\n",
            r.metric.label()
        ));
        let mut t = TextTable::new(
            &["layer", "int4 per channel", "prune 50%"],
            &[false, true, true],
        );
        for s in &r.sensitivity {
            t.row(vec![
                s.layer.clone(),
                format!("{:+.4}", s.int4_delta),
                format!("{:+.4}", s.prune50_delta),
            ]);
        }
        out.push_str(&t.render());
    }
    out.push_str(&format!(
        "\nPareto frontier ({} vs {}): {}\n",
        r.metric.label(),
        axis_words(r.x_axis),
        r.pareto.join(", ")
    ));
    out
}

/// The trade-off's x axis in words.
pub fn axis_words(axis: crate::model::compress::XAxis) -> &'static str {
    match axis {
        crate::model::compress::XAxis::Size => "packed size",
        crate::model::compress::XAxis::Latency => "per-row latency at the largest batch",
    }
}

//! The compression outcome for pipelines (JSON) and people (text tables); `sextant compress`
//! presents through these functions.
//!
//! JSON contract (keys may be added, never removed): `{"model": {"path", "parameters",
//! "file_bytes", "inputs": [{"name", "shape", "elem_type"}], "outputs", "task", "features",
//! "layers", "trees"}, "metric", "x_axis", "rows", "skipped_rows", "variants": [{"name", "kind",
//! "accuracy", "roc_auc", "log_loss", "f1", "mae", "rmse", "agreement", "packed_bytes",
//! "dense_bytes", "file_bytes", "sparsity", "latency": [{"batch", "p50_us", "p95_us",
//! "per_row_us", "rows_per_s", "estimated"}], "latency_rule"}], "pareto": [names],
//! "sensitivity": [{"layer", "int4_delta", "prune50_delta"}]}`. Metrics that do not apply to the
//! task are null; `kind` is one of original, fp16, quantized, pruned, neuron_pruned, trees,
//! distilled. Latency is measured in the build you run (use a release build): variants that do
//! not change compute in our runtime get `"estimated": true` and their rule in `latency_rule`.
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
        out.push_str("\nLatency per call, p50 / p95 in µs (e = estimated, see the rules below)\n");
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
        let mut rules: Vec<&str> = r
            .variants
            .iter()
            .filter_map(|v| v.latency_rule.as_deref())
            .collect();
        rules.dedup();
        for rule in rules {
            out.push_str(&format!("  e: {rule}\n"));
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
        "\nPareto frontier ({} vs packed size): {}\n",
        r.metric.label(),
        r.pareto.join(", ")
    ));
    out
}

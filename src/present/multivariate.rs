//! Multivariate drift for pipelines and terminals: the `multivariate` part of `sextant drift
//! --multivariate`'s JSON (and of a report's JSON snapshot) and its lines of the text table.
//!
//! JSON contract: `{"features", "categorical", "skipped", "window_spec", "reconstruction":
//! {"components", "explained_variance_ratio", "upper", "lower", "error", "alert", "windows":
//! [{"label", "start", "end", "rows", "error", "sampling_error", "upper", "lower", "alert",
//! "contributions": {feature: share}, "anomalous_rows": [{"row", "id", "timestamp",
//! "error"}]}], "reference_windows": […], "rows_without_timestamp"}, "domain_classifier":
//! {"folds", "auc_threshold", "auc", "p_value", "drifted", "importances", "windows":
//! [{"label", "start", "end", "rows", "auc", "p_value", "drifted", "reference_rows",
//! "current_rows", "importances": {feature: share}, "error"}]}}`; on bad input
//! `{"error": sentence}`. Keys may be added, never removed.

use serde_json::{Map, Value, json};

use super::json::{number, opt_number};
use crate::engine::multivariate::{ClassifierWindow, ErrorWindow, MultivariateOutcome};
use crate::format::fmt_num;
use crate::vocab::time::format_iso;

fn shares(features: &[String], values: &[f64]) -> Value {
    let mut m = Map::new();
    for (f, v) in features.iter().zip(values) {
        m.insert(f.clone(), number(*v));
    }
    Value::Object(m)
}

fn error_window(features: &[String], w: &ErrorWindow) -> Value {
    json!({
        "label": w.window.label,
        "start": w.window.start.map(format_iso),
        "end": w.window.end.map(format_iso),
        "rows": w.window.rows,
        "error": number(w.error),
        "sampling_error": opt_number(w.sampling_error),
        "upper": opt_number(w.upper),
        "lower": opt_number(w.lower),
        "alert": w.alert,
        "contributions": shares(features, &w.contributions),
        "anomalous_rows": w.anomalies.iter().map(|a| json!({
            "row": a.row,
            "id": a.id,
            "timestamp": a.timestamp.map(format_iso),
            "error": number(a.error),
        })).collect::<Vec<_>>(),
    })
}

fn classifier_window(features: &[String], w: &ClassifierWindow) -> Value {
    json!({
        "label": w.window.label,
        "start": w.window.start.map(format_iso),
        "end": w.window.end.map(format_iso),
        "rows": w.window.rows,
        "auc": opt_number(w.auc),
        "p_value": opt_number(w.p_value),
        "drifted": w.drifted,
        "reference_rows": w.reference_rows,
        "current_rows": w.current_rows,
        "importances": shares(features, &w.importances),
        "error": w.error,
    })
}

/// The `multivariate` part of the drift JSON.
pub fn to_json(outcome: &Result<MultivariateOutcome, String>) -> Value {
    let o = match outcome {
        Ok(o) => o,
        Err(e) => return json!({ "error": e }),
    };
    let f = &o.features;
    let r = &o.reconstruction;
    let mut out = json!({
        "features": f,
        "categorical": o.categorical,
        "skipped": o.skipped,
        "window_spec": o.spec.to_string(),
        "drifted": o.drifted(),
        "reconstruction": {
            "components": r.components,
            "explained_variance_ratio": r.explained_variance_ratio.iter().map(|x| number(*x)).collect::<Vec<_>>(),
            "upper": opt_number(r.upper),
            "lower": opt_number(r.lower),
            "error": number(r.overall_error),
            "alert": r.overall_alert,
            "windows": r.windows.iter().map(|w| error_window(f, w)).collect::<Vec<_>>(),
            "reference_windows": r.reference_windows.iter().map(|w| error_window(f, w)).collect::<Vec<_>>(),
            "rows_without_timestamp": r.unassigned_rows,
        },
    });
    if let Some(c) = &o.domain_classifier {
        out["domain_classifier"] = json!({
            "folds": c.folds,
            "auc_threshold": number(c.auc_threshold),
            "auc": opt_number(c.overall.auc),
            "p_value": opt_number(c.overall.p_value),
            "drifted": c.overall.drifted,
            "importances": shares(f, &c.overall.importances),
            "error": c.overall.error,
            "windows": c.windows.iter().map(|w| classifier_window(f, w)).collect::<Vec<_>>(),
        });
    }
    out
}

/// The lines of the text table.
pub fn to_table(outcome: &Result<MultivariateOutcome, String>) -> String {
    let o = match outcome {
        Ok(o) => o,
        Err(e) => return format!("\nMultivariate drift: not computed: {e}\n"),
    };
    let r = &o.reconstruction;
    let mut out = format!(
        "\nMultivariate drift: {} — reconstruction error {} (band {} to {}, {} of {} components){}\n",
        if o.drifted() { "YES" } else { "no" },
        fmt_num(r.overall_error),
        r.lower.map_or("—".into(), fmt_num),
        r.upper.map_or("—".into(), fmt_num),
        r.components,
        o.features.len(),
        o.domain_classifier
            .as_ref()
            .and_then(|c| c.overall.auc.map(|a| format!(
                "; domain classifier AUC {} (p = {})",
                fmt_num(a),
                c.overall.p_value.map_or("—".into(), fmt_num)
            )))
            .unwrap_or_default(),
    );
    for (i, w) in r.windows.iter().enumerate() {
        let auc = o
            .domain_classifier
            .as_ref()
            .and_then(|c| c.windows.get(i))
            .and_then(|c| c.auc)
            .map_or(String::new(), |a| format!("  AUC {}", fmt_num(a)));
        out.push_str(&format!(
            "  {:<12} {:>7} rows  error {:>8}{}{}\n",
            w.window.label,
            w.window.rows,
            fmt_num(w.error),
            auc,
            if w.alert { "  ALERT" } else { "" }
        ));
    }
    out
}

//! The text and embedding part of `drift`'s JSON and table, read from
//! [`TextDriftOutcome`] only.
//!
//! JSON: each tested text column joins `columns` as `{"column", "kind": "text", "method":
//! "text_domain_classifier", "score": AUC, "p_value", "threshold", "threshold_rule",
//! "drifted", "typical_words": {"reference": [...], "current": [...]}, "typical_words_log_odds",
//! "examples", "descriptors", "windows", ...}` (and leaves `skipped`); embeddings are under
//! `"embeddings": [{"column", "components", "dim", "methods": [{"method", "score",
//! "threshold", "drifted"}]}]`; a text column or embedding that could not be tested is in
//! `skipped` with its one-sentence reason.

use serde_json::{Value, json};

use crate::analysis::text::TypicalWords;
use crate::engine::text_drift::{TextColumnDrift, TextDriftOutcome};

fn words(w: &TypicalWords) -> Value {
    json!({
        "reference": w.reference.iter().map(|x| x.word.as_str()).collect::<Vec<_>>(),
        "current": w.current.iter().map(|x| x.word.as_str()).collect::<Vec<_>>(),
    })
}

fn scored(w: &TypicalWords) -> Value {
    let side = |v: &[crate::analysis::text::TypicalWord]| -> Vec<Value> {
        v.iter()
            .map(|x| {
                json!({"word": x.word, "score": x.score,
                       "reference_texts": x.reference_texts, "current_texts": x.current_texts})
            })
            .collect()
    };
    json!({"reference": side(&w.reference), "current": side(&w.current)})
}

/// One text column as a `columns` entry.
pub fn text_column_json(c: &TextColumnDrift) -> Value {
    let r = &c.report;
    let mut v = json!({
        "column": c.column,
        "kind": "text",
        "method": "text_domain_classifier",
        "score": r.auc,
        "p_value": r.p_value,
        "threshold": r.threshold,
        "threshold_rule": r.threshold_rule,
        "drifted": r.drifted,
        "reference_missing": c.reference_missing,
        "current_missing": c.current_missing,
        "reference_texts": r.reference_texts,
        "current_texts": r.current_texts,
        "train_rows": r.train_rows,
        "test_rows": r.test_rows,
        "vocabulary": r.vocabulary,
        "epochs": r.epochs,
        "typical_words": words(&r.words_by_coefficient),
        "typical_word_weights": scored(&r.words_by_coefficient),
        "typical_words_log_odds": scored(&r.words_by_log_odds),
        "examples": {"reference": r.examples_reference, "current": r.examples_current},
        "descriptors": c.descriptors.iter().map(|d| json!({
            "descriptor": d.descriptor.name(),
            "method": d.verdict.method.map(|m| m.name()),
            "score": d.verdict.score,
            "threshold": d.verdict.threshold,
            "drifted": d.verdict.drifted,
            "reference_mean": d.reference_mean,
            "current_mean": d.current_mean,
        })).collect::<Vec<_>>(),
    });
    if c.current_name != c.column {
        v["current_column"] = json!(c.current_name);
    }
    if !c.windows.is_empty() {
        v["windows"] = json!(c.windows);
    }
    v
}

/// Add the text columns and embeddings to `drift`'s JSON value.
pub fn merge_json(value: &mut Value, outcome: &TextDriftOutcome) {
    let named: Vec<&str> = outcome
        .text
        .iter()
        .map(|c| c.column.as_str())
        .chain(outcome.failed.iter().map(|f| f.column.as_str()))
        .collect();
    if let Some(skipped) = value.get_mut("skipped").and_then(Value::as_array_mut) {
        skipped.retain(|s| !named.contains(&s["column"].as_str().unwrap_or_default()));
        skipped.extend(outcome.failed.iter().map(|f| json!(f)));
    }
    if let Some(columns) = value.get_mut("columns").and_then(Value::as_array_mut) {
        columns.extend(outcome.text.iter().map(text_column_json));
    }
    if let Value::Object(map) = value {
        if !outcome.embeddings.is_empty() {
            let e: Vec<Value> = outcome
                .embeddings
                .iter()
                .map(|e| {
                    json!({
                        "column": e.column,
                        "kind": "embedding",
                        "components": e.components,
                        "dim": e.dim,
                        "reference_rows": e.reference_rows,
                        "current_rows": e.current_rows,
                        "reference_missing": e.reference_missing,
                        "current_missing": e.current_missing,
                        "drifted": e.scores.first().is_some_and(|s| s.drifted),
                        "methods": e.scores.iter().map(|s| json!({
                            "method": s.method.name(),
                            "score": s.score,
                            "threshold": s.threshold,
                            "drifted": s.drifted,
                            "p_value": s.p_value,
                        })).collect::<Vec<_>>(),
                    })
                })
                .collect();
            map.insert("embeddings".into(), Value::Array(e));
        }
        if let Some(e) = &outcome.windows_error {
            map.insert("text_windows_error".into(), json!(e));
        }
    }
}

/// The table's text and embedding lines.
pub fn to_table(outcome: &TextDriftOutcome) -> String {
    let mut out = String::new();
    for c in &outcome.text {
        let r = &c.report;
        out.push_str(&format!(
            "\nText column {}: AUC {:.4} (threshold {:.4}, p = {:.3e}) — {}\n",
            c.column,
            r.auc,
            r.threshold,
            r.p_value,
            if r.drifted { "DRIFTED" } else { "no drift" }
        ));
        let list = |w: &[crate::analysis::text::TypicalWord]| {
            w.iter()
                .take(10)
                .map(|x| x.word.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        out.push_str(&format!(
            "  typical of production: {}\n  typical of training: {}\n",
            list(&r.words_by_log_odds.current),
            list(&r.words_by_log_odds.reference)
        ));
        for d in &c.descriptors {
            out.push_str(&format!(
                "  {}: mean {:.3} → {:.3}, {} {} {}\n",
                d.descriptor.name(),
                d.reference_mean,
                d.current_mean,
                d.verdict.method.map_or("-", |m| m.name()),
                d.verdict.score.map_or("-".into(), |s| format!("{s:.4}")),
                if d.verdict.drifted { "drifted" } else { "" }
            ));
        }
    }
    for e in &outcome.embeddings {
        out.push_str(&format!("\nEmbedding {} ({} values):\n", e.column, e.dim));
        for s in &e.scores {
            out.push_str(&format!(
                "  {}: {:.4} (threshold {}) {}\n",
                s.method.name(),
                s.score,
                s.threshold,
                if s.drifted { "DRIFTED" } else { "no drift" }
            ));
        }
    }
    for f in &outcome.failed {
        out.push_str(&format!("\nnot tested: {}: {}\n", f.column, f.reason));
    }
    out
}

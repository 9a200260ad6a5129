//! The report's "Text and embeddings" section, read from [`TextDriftOutcome`] only: each text
//! column's AUC, verdict, typical words of both sides and example texts; each embedding's
//! methods side by side; what could not be tested.

use super::Section;
use super::html::badge;
use super::markup::escape;
use crate::engine::text_drift::TextDriftOutcome;
use crate::format::fmt_num;

fn verdict(drifted: bool) -> String {
    if drifted {
        badge("drift", "drift")
    } else {
        badge("ok", "no drift")
    }
}

/// The section, or `None` when the data has no text column and no embedding.
pub fn section(out: &TextDriftOutcome) -> Option<Section> {
    if out.text.is_empty() && out.embeddings.is_empty() && out.failed.is_empty() {
        return None;
    }
    let mut h = String::new();
    for c in &out.text {
        let r = &c.report;
        h.push_str(&format!(
            "<h3>Text column {} {}</h3><p>Domain classifier ROC AUC <b>{}</b> (threshold {}), \
             p = {} under the Mann–Whitney null; {} training and {} production texts. \
             Evidently 0.7's text drift (TF-IDF and an SGD classifier on a seeded 50/50 split).</p>",
            escape(&c.column),
            verdict(r.drifted),
            fmt_num(r.auc),
            fmt_num(r.threshold),
            fmt_num(r.p_value),
            r.reference_texts,
            r.current_texts,
        ));
        let words = |w: &[crate::analysis::text::TypicalWord]| {
            w.iter()
                .take(15)
                .map(|x| escape(&x.word))
                .collect::<Vec<_>>()
                .join(", ")
        };
        h.push_str(&format!(
            "<table><tr><th>Typical of training (log-odds)</th><td>{}</td></tr>\
             <tr><th>Typical of production (log-odds)</th><td>{}</td></tr>\
             <tr><th>Training (classifier weight)</th><td>{}</td></tr>\
             <tr><th>Production (classifier weight)</th><td>{}</td></tr></table>",
            words(&r.words_by_log_odds.reference),
            words(&r.words_by_log_odds.current),
            words(&r.words_by_coefficient.reference),
            words(&r.words_by_coefficient.current),
        ));
        h.push_str("<p>Texts most typical of production:</p><ul>");
        for t in r.examples_current.iter().take(5) {
            h.push_str(&format!("<li>{}</li>", escape(t)));
        }
        h.push_str("</ul><table><tr><th>Descriptor</th><th>Training mean</th><th>Production mean</th><th>Test</th><th>Score</th><th></th></tr>");
        for d in &c.descriptors {
            h.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                d.descriptor.name(),
                fmt_num(d.reference_mean),
                fmt_num(d.current_mean),
                d.verdict.method.map_or("-", |m| m.name()),
                d.verdict.score.map_or("-".into(), fmt_num),
                verdict(d.verdict.drifted)
            ));
        }
        h.push_str("</table>");
        if !c.windows.is_empty() {
            h.push_str("<table><tr><th>Window</th><th>Texts</th><th>AUC</th><th></th></tr>");
            for w in &c.windows {
                h.push_str(&format!(
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    escape(&w.label),
                    w.rows,
                    w.auc.map_or("-".into(), fmt_num),
                    if w.auc.is_some() {
                        verdict(w.drifted)
                    } else {
                        String::new()
                    }
                ));
            }
            h.push_str("</table>");
        }
    }
    for e in &out.embeddings {
        h.push_str(&format!(
            "<h3>Embedding {} {}</h3><p>{} values; {} training and {} production rows.</p>\
             <table><tr><th>Method</th><th>Score</th><th>Threshold</th><th></th></tr>",
            escape(&e.column),
            verdict(e.scores.first().is_some_and(|s| s.drifted)),
            e.dim,
            e.reference_rows,
            e.current_rows
        ));
        for s in &e.scores {
            h.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                s.method.name(),
                fmt_num(s.score),
                fmt_num(s.threshold),
                verdict(s.drifted)
            ));
        }
        h.push_str("</table>");
    }
    for f in &out.failed {
        h.push_str(&format!("<p class=\"muted\">{}</p>", escape(&f.reason)));
    }
    Some(Section::new("text-drift", "Text and embeddings", h))
}

//! The Drift tab's text part, driven by egui_kittest on the golden support-ticket pair: the
//! text column's AUC and verdict, both word lists and the typical production texts are drawn;
//! switching the text method to "not tested" removes them; an embedding pattern typed in the
//! settings row is scored.
#![cfg(feature = "gui")]

mod common;

use std::path::Path;

use common::{harness_sized, settle};
use egui::accesskit::Role as A11yRole;
use egui_kittest::kittest::Queryable;
use sextant::data::{Dataset, LoadOptions};
use sextant::engine::text_drift::TextMethod;
use sextant::gui::app::{App, Tab};
use sextant::gui::command::Command;
use sextant::jobs::Progress;

fn golden(name: &str) -> Dataset {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden/text")
        .join(name);
    Dataset::load(&path, &LoadOptions::default(), &Progress::silent()).expect("as generated")
}

#[test]
fn text_column_shows_auc_words_and_examples() {
    let mut app = App::with_datasets(
        Some(golden("text_shift_reference.csv")),
        Some(golden("text_shift_current.csv")),
    );
    app.push(Command::SetTab(Tab::Drift));
    let mut h = harness_sized(app, 1400.0, 1000.0);
    h.step();
    settle(&mut h);
    {
        let out = h
            .state()
            .drift
            .text
            .run
            .value
            .clone()
            .expect("text pass ran");
        let c = out.text_column("ticket").expect("ticket tested as text");
        assert!(c.report.drifted);
        assert!((c.report.auc - 0.6755729704059856).abs() < 1e-12);
    }
    h.get_by_label("Text column ticket");
    h.get_by_label("Typical of training");
    h.get_by_label("Typical of production");
    h.get_by_label("crash");
    h.get_by_label("refund");
    h.get_by_label_contains("Domain classifier ROC AUC 0.6756");
    h.get_by_label_contains("Texts most typical of production");

    // "Not tested": the text part goes (the column is listed as skipped with the reason).
    h.state_mut().drift.settings.text.method = TextMethod::None;
    h.step();
    settle(&mut h);
    assert!(h.query_by_label("Text column ticket").is_none());
    h.get_by_label_contains("text method none");
}

#[test]
fn embedding_pattern_typed_in_the_settings_is_scored() {
    let mut app = App::with_datasets(
        Some(golden("emb_shift_reference.csv")),
        Some(golden("emb_shift_current.csv")),
    );
    app.push(Command::SetTab(Tab::Drift));
    let mut h = harness_sized(app, 1400.0, 1000.0);
    h.step();
    settle(&mut h);
    assert!(h.query_by_label("Embedding emb_*").is_none());
    edit_type(&mut h, "emb_*");
    settle(&mut h);
    assert_eq!(h.state().drift.settings.text.embeddings, ["emb_*"]);
    h.get_by_label("Embedding emb_*");
    h.get_by_label("domain_classifier");
    h.get_by_label("mmd");
}

/// Type into the embedding field and press Enter (which adds the pattern).
fn edit_type(h: &mut egui_kittest::Harness<'static, App>, text: &str) {
    let field = h.get_by_role_and_label(A11yRole::TextInput, "Embedding");
    field.focus();
    field.type_text(text);
    h.run_steps(2);
    h.key_press(egui::Key::Enter);
    h.run_steps(2);
}

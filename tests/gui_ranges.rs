//! Typed numbers in the window that fall outside their documented range
//! (`sextant::engine::ranges`) are refused inline, with the same sentence as the command
//! line's, and the previous setting and result stay.
#![cfg(feature = "gui")]

use egui::accesskit::Role as A11yRole;
mod common;

use common::{harness, sample_app, settle};
use egui_kittest::kittest::Queryable;
use sextant::gui::app::Tab;
use sextant::gui::command::Command;

/// Type `text` into the text field labelled `label` and press Enter (which applies it).
fn type_into(
    h: &mut egui_kittest::Harness<'static, sextant::gui::app::App>,
    label: &str,
    text: &str,
) {
    let field = h.get_by_role_and_label(A11yRole::TextInput, label);
    field.focus();
    field.type_text(text);
    h.run_steps(2);
    h.key_press(egui::Key::Enter);
    h.run_steps(2);
    settle(h);
}

#[test]
fn a_nan_or_negative_drift_threshold_is_refused_and_the_result_kept() {
    let mut h = harness(sample_app());
    h.state_mut().push(Command::SetTab(Tab::Drift));
    settle(&mut h);
    h.get_by_label_contains("5 of 11 tested columns drifted");

    type_into(&mut h, "Threshold", "NaN");
    h.get_by_label("Drift threshold (--threshold) must be a number in [0, 1000]; got NaN");
    assert_eq!(h.state().drift.settings.threshold, None);
    // The previous result is still drawn.
    h.get_by_label_contains("5 of 11 tested columns drifted");

    // A value in range is applied and clears the message.
    h.state_mut().drift.threshold_text.clear();
    h.run_steps(1);
    type_into(&mut h, "Threshold", "0.2");
    assert_eq!(h.state().drift.settings.threshold, Some(0.2));
    assert!(
        h.query_by_label_contains("must be a number in [0, 1000]")
            .is_none(),
        "the message stayed after a valid threshold"
    );

    // Out of range again: refused, 0.2 stays in force.
    h.state_mut().drift.threshold_text.clear();
    h.run_steps(1);
    type_into(&mut h, "Threshold", "-1");
    h.get_by_label("Drift threshold (--threshold) must be a number in [0, 1000]; got -1");
    assert_eq!(h.state().drift.settings.threshold, Some(0.2));
}

#[test]
fn an_infinite_health_floor_is_refused_inline() {
    let mut h = harness(sample_app());
    settle(&mut h);
    h.get_by_role_and_label(A11yRole::Button, "Health").click();
    settle(&mut h);
    h.get_by_label_contains("ROC AUC (classification): training 0.7275");
    let before = h.state().health.settings.floor;
    type_into(&mut h, "Floor", "inf");
    h.get_by_label("Metric floor (--floor) must be a number in [-1e15, 1e15]; got inf");
    assert_eq!(h.state().health.settings.floor, before);
    h.get_by_label_contains("ROC AUC (classification): training 0.7275");
}

#[test]
fn a_batch_size_of_a_hundred_million_is_refused_and_the_sweep_kept() {
    let mut app = sextant::gui::app::App::with_datasets(
        Some(common::sample("credit_training.parquet")),
        None,
    );
    let model =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data/credit_gbt.onnx");
    app.push(Command::LoadModel(model));
    let mut h = common::harness_sized(app, 1400.0, 1000.0);
    h.step();
    h.state_mut().compression.settings.variants = vec!["fp16".into()];
    h.state_mut().compression.settings.batch_sizes = vec![1, 16];
    settle(&mut h);
    assert!(h.state().compression.report.value.is_some());
    // Typed before or after "1, 16", the list holds a size of 10^8 rows.
    type_into(&mut h, "Batch sizes", ",100000000,");
    h.get_by_label(
        "Batch size (--batch-sizes) must be a whole number from 1 to 100000; got 100000000",
    );
    assert_eq!(h.state().compression.settings.batch_sizes, vec![1, 16]);
    assert!(h.state().compression.report.value.is_some());
    assert!(
        !h.state().is_busy(),
        "a sweep started for a refused batch size"
    );
}

//! The Compression tab on a skl2onnx pipeline (StandardScaler + MLPClassifier, one named input
//! per column joined by a FeatureVectorizer, one int64 column): the model loads, the sweep runs
//! the variants of the MLP inside the pipeline, and the table shows them.
#![cfg(feature = "gui")]

use std::path::Path;

mod common;

use common::{harness_sized, sample, settle};
use egui_kittest::kittest::Queryable;
use sextant::gui::app::{App, Tab};
use sextant::gui::command::Command;

#[test]
fn sweep_of_a_scaler_mlp_pipeline() {
    let mut app = App::with_datasets(Some(sample("credit_training.csv")), None);
    let model = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/models/pipe_mlp.onnx");
    app.push(Command::LoadModel(model));
    let mut h = harness_sized(app, 1400.0, 1000.0);
    h.step();
    h.state_mut().compression.settings.variants =
        vec!["fp16".into(), "int8".into(), "neurons:0.5".into()];
    h.state_mut().compression.settings.batch_sizes = vec![1, 16];
    settle(&mut h);
    assert_eq!(h.state().tab, Tab::Compression);
    {
        let app = h.state();
        let report = app.compression.report.value.as_ref().expect("report");
        let names: Vec<&str> = report.variants.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(names.len(), 4, "{names:?}");
        assert_eq!(names[..3], ["original", "fp16", "int8-per-channel"]);
        assert!(names[3].starts_with("neurons"), "{names:?}");
        assert!(report.rows > 25_000);
        // The variants change the MLP's weights, so they disagree with the original a little.
        assert!(report.variants[2].agreement < 1.0 || report.variants[3].agreement < 1.0);
    }
    h.get_by_label_contains("pipe_mlp.onnx");
    h.get_by_label_contains("Export int8-per-channel…");
}

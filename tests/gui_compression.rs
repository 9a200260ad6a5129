//! The Compression tab on the bundled sample data and sample model, driven by egui_kittest:
//! the sweep runs in the background, the table, charts and sensitivity are drawn, and choosing
//! another metric or a variant does not break anything.
#![cfg(feature = "gui")]

use std::path::Path;
use std::time::Duration;

mod common;

use common::{harness_sized, sample, settle};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use sextant::gui::app::{App, Tab};
use sextant::gui::command::Command;

#[test]
fn sweep_of_the_sample_tree_ensemble() {
    let mut app = App::with_datasets(Some(sample("credit_training.parquet")), None);
    let model = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data/credit_gbt.onnx");
    app.push(Command::LoadModel(model));
    let mut h = harness_sized(app, 1400.0, 1000.0);
    h.step();
    // Opening a model resets the variant list; choose a short one.
    h.state_mut().compression.settings.variants =
        vec!["fp16".into(), "int8".into(), "trees:15".into()];
    h.state_mut().compression.settings.batch_sizes = vec![1, 16];
    settle(&mut h);
    assert_eq!(h.state().tab, Tab::Compression);
    {
        let app = h.state();
        let report = app.compression.report.value.as_ref().expect("report");
        let names: Vec<&str> = report.variants.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(names, ["original", "fp16", "int8-leaves", "trees-15"]);
        assert!(report.rows > 25_000);
    }
    h.get_by_label_contains("credit_gbt.onnx");
    h.get_by_label_contains("ROC AUC against packed size");
    h.get_by_label_contains("Latency per call (p95) against batch size");
    h.get_by_label("Export trees-15…");
    // Choose a variant: the batch chart follows it.
    h.query_by_label("trees-15")
        .or_else(|| h.query_by_label("trees-15 *"))
        .expect("the table row")
        .click();
    h.run_steps(3);
    assert_eq!(h.state().compression.selected.as_deref(), Some("trees-15"));
    h.get_by_label_contains("trees-15: ");
    // The same chart as throughput.
    h.get_by_label("throughput").click();
    h.run_steps(3);
    h.get_by_label_contains("Throughput (rows/s at p50) against batch size");

    // Export a variant (what the save dialog's answer starts) and read it back.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("trees-15.onnx");
    sextant::gui::export::start_model_export(h.state_mut(), "trees-15".into(), path.clone());
    settle(&mut h);
    let back = sextant::model::OnnxModel::load(&path).expect("exported model loads");
    let sextant::model::Structure::Trees(t) = &back.structure else {
        panic!("a tree model");
    };
    assert_eq!(t.trees().len(), 15);
    h.get_by_label_contains("Wrote ");
}

#[test]
fn asks_for_a_label_when_there_is_none() {
    let mut app = App::with_datasets(Some(sample("credit_training.parquet")), None);
    app.roles.set("defaulted", sextant::vocab::Role::Feature);
    app.push(Command::SetTab(Tab::Compression));
    let mut h = harness_sized(app, 1400.0, 1000.0);
    h.step();
    settle(&mut h);
    h.get_by_label_contains("Mark the label column with the target role");
}

#[test]
fn evaluates_on_both_files_through_an_accepted_rename() {
    let mut app = App::with_datasets(
        Some(sample("credit_training.parquet")),
        Some(sample("credit_production.parquet")),
    );
    app.push(Command::SetTab(Tab::Compression));
    app.compression.settings.side = sextant::gui::views::compression::EvalSide::Both;
    app.compression.settings.variants = vec!["fp16".into()];
    app.compression.settings.batch_sizes = vec![1];
    let mut h = harness_sized(app, 1400.0, 1000.0);
    h.step();
    settle(&mut h);
    // Production calls open_accounts num_open_accounts: the model cannot read it yet.
    h.get_by_label_contains("open_accounts that the data does not have");
    h.state_mut().push(Command::AcceptRename(
        "num_open_accounts".into(),
        "open_accounts".into(),
    ));
    h.step();
    settle(&mut h);
    let app = h.state();
    let report = app.compression.report.value.as_ref().expect("report");
    // All complete training rows plus production's labelled ones.
    assert!(report.rows > 25_504 + 5_000, "{}", report.rows);
}

#[test]
fn glyphs_of_the_tab_are_in_the_bundled_fonts() {
    let mut h = Harness::builder().build_ui(|ui| {
        ui.label("µs × · … -");
    });
    h.run();
}

#[test]
fn a_cancelled_sweep_stays_cancelled_until_asked() {
    let mut app = App::with_datasets(Some(sample("credit_training.parquet")), None);
    app.push(Command::SetTab(Tab::Compression));
    let mut h = harness_sized(app, 1400.0, 1000.0);
    // Wait for the model, then for the sweep to start.
    for _ in 0..500 {
        h.step();
        if h.state().compression.report.is_running() {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(h.state().compression.report.is_running());
    h.get_by_label("Cancel").click();
    h.run_steps(4);
    assert!(!h.state().compression.report.is_running());
    h.get_by_label("Cancelled.");
    h.get_by_label("Run again").click();
    h.run_steps(2);
    assert!(h.state().compression.report.is_running());
}

#[test]
fn a_dropped_onnx_file_opens_in_the_compression_tab() {
    let app = App::with_datasets(Some(sample("credit_training.parquet")), None);
    let mut h = harness_sized(app, 1400.0, 1000.0);
    let model = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data/credit_gbt.onnx");
    h.state_mut().push(Command::Dropped(vec![model.clone()]));
    h.run_steps(3);
    assert_eq!(h.state().tab, Tab::Compression);
    assert_eq!(
        h.state().compression.settings.model_path.as_deref(),
        Some(model.as_path())
    );
    // The training file stays where it was.
    assert!(h.state().datasets[0].is_some());
    h.state_mut().compression.settings.variants = vec!["trees:5".into()];
    h.state_mut().compression.settings.batch_sizes = vec![1];
    settle(&mut h);
}

#[test]
fn every_variant_says_how_it_was_measured() {
    let mut app = App::with_datasets(Some(sample("credit_training.parquet")), None);
    app.push(Command::SetTab(Tab::Compression));
    let mut h = harness_sized(app, 1400.0, 1000.0);
    h.step();
    h.state_mut().compression.settings.variants =
        vec!["int8-per-channel".into(), "fp16".into(), "prune:0.5".into()];
    h.state_mut().compression.settings.batch_sizes = vec![1, 4];
    settle(&mut h);
    {
        let app = h.state();
        let report = app.compression.report.value.as_ref().expect("report");
        let names: Vec<&str> = report.variants.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(names, ["original", "int8-per-channel", "fp16", "prune-50%"]);
        assert!(
            report
                .variants
                .iter()
                .all(|v| v.latency.iter().all(|p| !p.estimated))
        );
    }
    // The CPU beside the latency chart; nothing marked as an estimate.
    h.get_by_label_contains("measured on ");
    assert!(h.query_by_label_contains("(est.)").is_none());
    assert!(h.query_by_label_contains("(estimated)").is_none());
    // The quantized variant: timed as its integer graph, checked against the simulation.
    h.query_by_label("int8-per-channel")
        .or_else(|| h.query_by_label("int8-per-channel *"))
        .expect("the table row")
        .click();
    h.run_steps(3);
    h.get_by_label_contains("How int8-per-channel is timed: measured: the integer graph");
    h.get_by_label_contains("Its integer graph against the simulated quantization");
    // "fp16" alone is also the kind column's cell.
    h.query_by_label("fp16 *")
        .or_else(|| h.query_all_by_label("fp16").next())
        .expect("the table row")
        .click();
    h.run_steps(3);
    h.get_by_label_contains("runs at fp32 speed here");
}

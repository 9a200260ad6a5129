//! The Serving panel of the Compression tab, driven by egui_kittest: opening the panel starts
//! a simulation over the sweep's latency curves in the background, the cheapest configuration
//! and the three charts are drawn, an edit reruns it, a bad edit is refused in one sentence,
//! and the settings go into the session.
#![cfg(feature = "gui")]

use std::path::Path;

mod common;

use common::{harness_sized, sample, settle};
use egui_kittest::kittest::Queryable;
use sextant::engine::serving::{ArrivalSource, ServingSettings};
use sextant::gui::app::App;
use sextant::gui::command::Command;

#[test]
fn serving_panel_simulates_the_sweep_variants() {
    let mut app = App::with_datasets(
        Some(sample("credit_training.parquet")),
        Some(sample("credit_production.parquet")),
    );
    let model = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data/credit_mlp.onnx");
    app.push(Command::LoadModel(model));
    let mut h = harness_sized(app, 1400.0, 1300.0);
    h.step();
    h.state_mut().compression.settings.variants = vec!["int8".into()];
    h.state_mut().compression.settings.batch_sizes = vec![1, 16];
    settle(&mut h);
    // The panel starts closed; opening it asks for a simulation with the default settings.
    assert!(h.state().compression.serving.settings.is_none());
    h.get_by_label_contains("Serving simulator").click();
    h.run_steps(2);
    assert_eq!(
        h.state().compression.serving.settings,
        Some(ServingSettings::default())
    );
    // A small Poisson stream keeps the debug-build test quick.
    h.state_mut().compression.serving.settings = Some(ServingSettings {
        arrivals: ArrivalSource::Poisson {
            rate_per_s: 50.0,
            duration_s: 120.0,
            seed: 3,
        },
        ..ServingSettings::default()
    });
    settle(&mut h);
    {
        let app = h.state();
        let o = app
            .compression
            .serving
            .outcome
            .value
            .as_ref()
            .expect("outcome");
        assert_eq!(o.variants.len(), 2);
        assert_eq!(o.runs.len(), 2 * 3 * 3);
        assert!(o.runs.iter().all(|r| r.requests > 5000));
    }
    h.get_by_label_contains("p95 latency against compute cost");
    h.get_by_label_contains("Latency distribution of the chosen configuration");
    h.get_by_label_contains("The traffic that drove it");
    h.get_by_label_contains("Poisson 50/s over 120 s");
    assert!(
        h.query_by_label_contains("Cheapest meeting the SLA: ")
            .is_some()
            || h.query_by_label_contains("No measured configuration meets")
                .is_some()
    );

    // A policy that does not parse is refused in one sentence and changes nothing.
    let before = h.state().compression.serving.settings.clone();
    let field = h.get_by_label("Policies");
    field.click();
    h.run_steps(1);
    h.get_by_label("Policies").type_text(",sometimes");
    h.run_steps(1);
    h.get_by_label("Workers").click();
    h.run_steps(2);
    h.get_by_label_contains("is not a policy");
    assert_eq!(h.state().compression.serving.settings, before);

    // The session holds the panel's settings.
    let session = h.state().snapshot();
    assert_eq!(session.views.serving, before);
}

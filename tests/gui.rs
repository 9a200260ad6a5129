//! The window, driven by egui_kittest without a display or GPU: the app starts on the bundled
//! sample data, the column list is found by its labels, and clicks change what the views show.
#![cfg(feature = "gui")]

use std::path::Path;

use egui::accesskit::Role as A11yRole;
mod common;

use common::{harness, sample_app, settle};
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use sextant::gui::app::{App, StatusKind};
use sextant::gui::command::Command;
use sextant::vocab::Side;

#[test]
fn clicking_a_column_selects_it_in_the_overview() {
    let mut h = harness(sample_app());
    settle(&mut h);
    // Both datasets are listed, and the columns list shows every column of both files.
    assert!(
        h.get_all_by_label_contains("credit_training.parquet")
            .count()
            >= 1
    );
    assert!(
        h.get_all_by_label_contains("credit_production.parquet")
            .count()
            >= 1
    );
    h.get_by(|n| n.label().as_deref() == Some("num_open_accounts") && n.role() == A11yRole::Button);
    assert_eq!(h.state().selected_column.as_deref(), Some("age"));
    h.get_by_label("Selected column: age");
    assert!(h.query_by_label("Selected column: income").is_none());

    h.get_by(|n| n.label().as_deref() == Some("income") && n.role() == A11yRole::Button)
        .click();
    settle(&mut h);
    assert_eq!(h.state().selected_column.as_deref(), Some("income"));
    h.get_by_label("Selected column: income");
    assert!(h.query_by_label("Selected column: age").is_none());
    // The table shows training's numbers; production's mean income appears only in the
    // detail, which now describes income.
    h.get_by_label("51521.8");
}

#[test]
fn column_filter_narrows_the_list() {
    let mut h = harness(sample_app());
    settle(&mut h);
    h.state_mut().column_filter = "open".into();
    settle(&mut h);
    let names: Vec<String> = h
        .query_all_by(|n| n.role() == A11yRole::Button)
        .filter_map(|n| n.accesskit_node().label())
        .filter(|l| l.contains("accounts") || l == "income")
        .collect();
    assert!(names.iter().any(|n| n == "open_accounts"), "{names:?}");
    assert!(names.iter().any(|n| n == "num_open_accounts"), "{names:?}");
    assert!(!names.iter().any(|n| n == "income"), "{names:?}");
}

#[test]
fn role_changes_apply_to_both_datasets() {
    let mut h = harness(sample_app());
    settle(&mut h);
    assert_eq!(h.state().roles.get("score").name(), "prediction");
    h.state_mut().push(Command::SetRole(
        "credit_score".into(),
        sextant::vocab::Role::Prediction,
    ));
    settle(&mut h);
    assert_eq!(h.state().roles.get("credit_score").name(), "prediction");
    assert_eq!(h.state().roles.get("score").name(), "feature");
}

#[test]
fn a_broken_file_keeps_what_was_loaded() {
    let mut h = harness(sample_app());
    settle(&mut h);
    let bad = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ragged.csv");
    h.state_mut()
        .push(Command::Load(Side::Reference.into(), bad));
    settle(&mut h);
    let app = h.state();
    assert_eq!(
        app.dataset(Side::Reference).map(|d| d.name()),
        Some("credit_training.parquet".to_string())
    );
    let status = app.status.as_ref().expect("status");
    assert_eq!(status.kind, StatusKind::Error);
    assert!(
        status.text.contains("ragged.csv has ragged rows"),
        "{}",
        status.text
    );
    h.get_by_label_contains("ragged.csv has ragged rows");
}

#[test]
fn loading_in_the_background_shows_the_new_file() {
    let mut h = harness(App::with_datasets(None, None));
    settle(&mut h);
    h.get_by_label("No data yet");
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/events.ndjson");
    h.state_mut()
        .push(Command::Load(Side::Current.into(), path));
    settle(&mut h);
    assert_eq!(h.state().dataset(Side::Current).map(|d| d.rows()), Some(3));
    assert!(h.get_all_by_label_contains("events.ndjson").count() >= 1);
}

#[test]
fn dropped_files_are_assigned_by_name_or_asked_about() {
    let mut h = harness(App::with_datasets(None, None));
    settle(&mut h);
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    h.state_mut()
        .push(Command::Dropped(vec![dir.join("events.ndjson")]));
    settle(&mut h);
    // "events.ndjson" says neither training nor production: the user is asked.
    h.get_by_label_contains("Open events.ndjson as");
    h.get_by_role_and_label(A11yRole::Button, "Production (current)")
        .click();
    settle(&mut h);
    assert!(h.state().dataset(Side::Current).is_some());
    assert!(h.state().pending_drop.is_empty());
}

#[test]
fn every_glyph_the_window_uses_is_in_the_bundled_fonts() {
    // egui panics on a missing glyph in tests and draws tofu in release: check the set once.
    let mut h = Harness::builder().build_ui(|ui| {
        ui.label("± ¶ · × … Training (reference) 0123456789");
    });
    h.run();
}

#[test]
fn drift_tab_shows_the_verdict_table_and_detail() {
    let mut h = harness(sample_app());
    h.state_mut()
        .push(Command::SetTab(sextant::gui::app::Tab::Drift));
    h.state_mut()
        .push(Command::SelectColumn("employment_type".into()));
    settle(&mut h);
    h.get_by_label("No dataset drift");
    h.get_by_label_contains("5 of 11 tested columns drifted");
    h.get_by_label("Drift of employment_type");
    h.get_by_label("New in production: gig_worker");
    // The heatmap's caption names the windows.
    h.get_by_label_contains("Drift by week window (18 windows");

    // Lowering the dataset share flips the verdict, recomputed in the background.
    h.state_mut().drift.settings.drift_share = 0.3;
    settle(&mut h);
    h.get_by_label("Dataset drift detected");

    // Clicking a drifted row selects that column in every view.
    h.get_all_by_label("credit_score")
        .find(|n| n.accesskit_node().role() == A11yRole::Label)
        .expect("the table's cell")
        .click();
    settle(&mut h);
    assert_eq!(h.state().selected_column.as_deref(), Some("credit_score"));
    h.get_by_label("Drift of credit_score");
    h.get_by_label_contains("Cumulative distributions: KS D =");

    // A test chosen for one column applies to that column only.
    h.state_mut().drift.settings.per_column.insert(
        "credit_score".into(),
        sextant::analysis::drift::DriftMethod::Ks,
    );
    settle(&mut h);
    h.get_by_label_contains("Drifted: ks = ");
    let run = h.state().drift.run.value.clone().expect("drift result");
    let method = |name: &str| {
        run.columns
            .iter()
            .find(|c| c.reference_name == name)
            .and_then(|c| c.verdict.method)
    };
    assert_eq!(method("credit_score").map(|m| m.name()), Some("ks"));
    assert_eq!(method("income").map(|m| m.name()), Some("wasserstein"));
}

#[test]
fn integrity_tab_finds_the_rename_and_the_null_spike() {
    let mut h = harness(sample_app());
    settle(&mut h);
    // The counts are in the tab's title before the tab is opened.
    let title = h
        .get_by(|n| {
            n.label().is_some_and(|l| l.starts_with("Integrity (")) && n.role() == A11yRole::Button
        })
        .accesskit_node()
        .label()
        .expect("title");
    assert!(title.contains("error"), "{title}");
    h.get_by_label(&title).click();
    h.run();
    assert_eq!(h.state().tab, sextant::gui::app::Tab::Integrity);
    h.get_by_label_contains(
        "num_open_accounts (new in production) looks like training's open_accounts renamed",
    );
    h.get_by_label_contains(
        "debt_to_income is missing in 16.0 % of production rows vs 1.0 % in training, since 2025-11-15",
    );
    h.get_by_label_contains("employment_type has 1 value never seen in training");
    h.get_by_label_contains("labels (defaulted) are missing");

    // Selecting a finding's column selects it everywhere.
    h.get_by_label("Select debt_to_income").click();
    h.run();
    assert_eq!(h.state().selected_column.as_deref(), Some("debt_to_income"));

    // Accepting the rename maps the columns and recomputes: the rename is no longer proposed.
    h.get_by_label("Accept rename").scroll_to_me();
    h.run();
    h.get_by_label("Accept rename").click();
    settle(&mut h);
    assert_eq!(
        h.state().renames,
        vec![("num_open_accounts".to_string(), "open_accounts".to_string())]
    );
    assert_eq!(
        h.state().reference_name("num_open_accounts"),
        "open_accounts"
    );
    assert!(h.query_by_label("Accept rename").is_none());
    h.get_by_label_contains("num_open_accounts in production is compared with open_accounts");
    h.get_by_label("Undo num_open_accounts").scroll_to_me();
    h.run();
    h.get_by_label("Undo num_open_accounts").click();
    settle(&mut h);
    assert!(h.state().renames.is_empty());
    h.get_by_label("Accept rename");

    // A finding links to its column's distributions in the Drift tab.
    h.get_by_label("Drift of debt_to_income").scroll_to_me();
    h.run();
    h.get_by_label("Drift of debt_to_income").click();
    settle(&mut h);
    assert_eq!(h.state().tab, sextant::gui::app::Tab::Drift);
    h.get_by_label("Drift of debt_to_income");
}

#[test]
fn health_tab_shows_metrics_detectors_and_alerts() {
    let mut h = harness(sample_app());
    settle(&mut h);
    h.get_by_role_and_label(A11yRole::Button, "Health").click();
    settle(&mut h);
    assert_eq!(h.state().tab, sextant::gui::app::Tab::Health);
    h.get_by_label_contains("ROC AUC (classification): training 0.7275");
    h.get_by_label_contains("7310 of 10450 production rows are labelled");
    h.get_by_label_contains("DDM 1 drift(s), first in 2025-11-03");

    // Accuracy shows the concept drift of November: it leaves the training band.
    h.state_mut().health.settings.metric = Some(sextant::analysis::health::Metric::Accuracy);
    settle(&mut h);
    h.get_by_label_contains("Accuracy left the reference band in");
    // Features drifted all along, not more when accuracy fell: the planted concept drift.
    h.get_by_label_contains("P(y|X) likely changed");

    // A rule typed in the box is parsed, added, evaluated and drawn.
    h.state_mut().health.rule_text = "accuracy < 0.75 for 2".into();
    h.get_by_role_and_label(A11yRole::Button, "Add").click();
    // One frame applies the click; the next starts the job that settle waits for.
    h.step();
    settle(&mut h);
    assert_eq!(h.state().health.settings.rules.len(), 1);
    h.get_by_label_contains("ALERT accuracy < 0.75 for 2 · 2025-11-10");
    h.state_mut().health.rule_text = "accuracy = 1".into();
    h.get_by_role_and_label(A11yRole::Button, "Add").click();
    h.run();
    h.get_by_label_contains("is not an alert rule");

    // The settings are what a session saves: they survive a round trip.
    let settings = h.state().health.settings.clone();
    let text = ron::to_string(&settings).expect("ron");
    let back: sextant::gui::views::health::HealthSettings = ron::from_str(&text).expect("back");
    assert_eq!(back, settings);
    let empty: sextant::gui::views::health::HealthSettings = ron::from_str("()").expect("empty");
    assert_eq!(empty, Default::default());
}

#[test]
fn drift_table_comes_first_and_the_windows_fill_in_after() {
    let mut h = harness(sample_app());
    h.state_mut()
        .push(Command::SetTab(sextant::gui::app::Tab::Drift));
    settle(&mut h);
    let drift = &h.state().drift;
    // The table's pass leaves the windows out; the shown result has them from the second job.
    let whole = drift.run.value.clone().expect("drift result");
    assert!(whole.windows.is_none());
    let shown = drift.shown().expect("shown");
    let windows = shown.windows.as_ref().expect("weekly windows");
    assert!(!windows.windows.is_empty());
    assert_eq!(shown.columns, whole.columns);
    // The heatmap is drawn from them.
    h.get_by_label_contains("Drift by week window (18 windows");
}

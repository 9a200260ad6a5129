//! The Retraining tab in the window: the backtest runs off the UI thread on the sample pair,
//! says that the model is a stand-in, draws the runs, reacts to a policy check box, and its
//! settings are saved in the session.
#![cfg(feature = "gui")]

mod common;

use common::{harness_sized, sample_app, settle};
use egui_kittest::kittest::Queryable;
use sextant::gui::app::Tab;
use sextant::gui::command::Command;

#[test]
fn the_backtest_runs_and_a_policy_box_reruns_it() {
    let mut app = sample_app();
    app.push(Command::SetTab(Tab::Retraining));
    let mut h = harness_sized(app, 1400.0, 1000.0);
    settle(&mut h);
    let o = h
        .state()
        .retraining
        .outcome
        .value
        .clone()
        .expect("a backtest");
    assert_eq!(o.runs.len(), 12);
    assert!(o.best.is_some());
    h.get_by_label_contains("stand-in model Sextant trains itself");
    h.get_by_label_contains("Best at kappa");
    h.get_by_label_contains("Cost frontier");
    // One more policy: four modes' worth of runs more.
    h.get_by_label("on-drift:ddm").click();
    h.run_steps(2);
    settle(&mut h);
    let o = h
        .state()
        .retraining
        .outcome
        .value
        .clone()
        .expect("a backtest");
    assert_eq!(o.runs.len(), 15);
    // Saved in the session.
    let s = h.state().snapshot();
    assert_eq!(s.views.retraining.policies.len(), 5);
    let text = sextant::session::to_text(&s);
    assert!(text.contains("retraining"), "{text}");
}

#[test]
fn the_timelines_draw_the_health_tabs_detector_alarms() {
    let mut app = sample_app();
    app.push(Command::SetTab(Tab::Retraining));
    let mut h = harness_sized(app, 1400.0, 1000.0);
    settle(&mut h);
    let o = h
        .state()
        .retraining
        .outcome
        .value
        .clone()
        .expect("a backtest");
    // The sample's deployed model: Page-Hinkley, ADWIN and DDM each fire once in early
    // November (the rows `sextant health` reports on the same pair).
    let alarms: Vec<(&str, usize)> = o
        .detector_alarms
        .iter()
        .map(|a| (a.detector.as_str(), a.row))
        .collect();
    assert_eq!(
        alarms,
        vec![("Page-Hinkley", 5271), ("ADWIN", 5279), ("DDM", 5401)]
    );
    h.get_by_label_contains("alarms on the deployed model's errors (3 in all)");
    // Each detector has its legend entry beside the retrain markers'.
    for name in ["ADWIN", "DDM", "Page-Hinkley"] {
        h.get_by_label(&format!("{name} alarm (Health)"));
    }
}

/// The sample's production file calls training's `open_accounts` `num_open_accounts`: the
/// backtest leaves the feature out until the rename is accepted, which the tab offers (from the
/// Integrity tab's likely renames); accepted, the backtest reruns with the feature.
#[test]
fn the_tab_offers_the_likely_rename_and_the_accepted_rename_reaches_the_backtest() {
    let mut app = sample_app();
    app.push(Command::SetTab(Tab::Retraining));
    let mut h = harness_sized(app, 1400.0, 1000.0);
    settle(&mut h);
    let outcome = |h: &egui_kittest::Harness<'static, sextant::gui::app::App>| {
        h.state()
            .retraining
            .outcome
            .value
            .clone()
            .expect("a backtest")
    };
    let before = outcome(&h);
    assert!(
        !before
            .protocol
            .features
            .iter()
            .any(|f| f == "open_accounts")
    );
    assert!(before.notes.iter().any(|n| n.contains("open_accounts")));
    h.get_by_label("Accept rename: num_open_accounts is open_accounts")
        .click();
    h.run_steps(2);
    settle(&mut h);
    assert_eq!(
        h.state().renames.reference_name("num_open_accounts"),
        "open_accounts"
    );
    let after = outcome(&h);
    assert_eq!(
        after.protocol.features.len(),
        before.protocol.features.len() + 1
    );
    assert!(after.protocol.features.iter().any(|f| f == "open_accounts"));
    assert!(
        !after.notes.iter().any(|n| n.contains("open_accounts")),
        "{:?}",
        after.notes
    );
    // Nothing left to offer.
    assert!(
        h.query_by_label("Accept rename: num_open_accounts is open_accounts")
            .is_none()
    );
}

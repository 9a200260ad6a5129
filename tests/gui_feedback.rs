//! The Health tab's Model versions and Feedback loops pages in the window, on the bundled
//! served log next to the training file: the versions table and its switch-over, the verdict
//! on the planted loop, the Granger table, and the feedback settings saved with the health
//! settings. The feedback pass runs off the UI thread and only while its page is shown.
#![cfg(feature = "gui")]

mod common;

use common::{harness_sized, sample, settle};
use egui_kittest::kittest::Queryable;
use sextant::gui::app::{App, Tab};
use sextant::gui::command::Command;
use sextant::gui::views::health::HealthPage;

fn served_app() -> App {
    let mut app = App::with_datasets(
        Some(sample("credit_training.parquet")),
        Some(sample("credit_served.parquet")),
    );
    app.push(Command::SetTab(Tab::Health));
    app
}

#[test]
fn versions_and_feedback_pages_show_the_planted_story() {
    let mut h = harness_sized(served_app(), 1400.0, 900.0);
    settle(&mut h);
    assert_eq!(h.state().tab, Tab::Health);
    // The feedback pass waits for its page.
    assert!(h.state().health.feedback.value.is_none());
    assert!(!h.state().health.feedback.is_running());

    // model_version has its role by name: the versions table and the switch-over.
    h.get_by_label("Model versions").click();
    settle(&mut h);
    assert_eq!(h.state().health.page, HealthPage::Versions);
    h.get_by_label_contains("Model versions by \"model_version\"");
    // In the table and in the plot's legend.
    assert!(h.get_all_by_label("v1").count() >= 2);
    assert!(h.get_all_by_label("v2").count() >= 2);
    h.get_by_label("Switch-over: v1 to v2 at 2025-11-01T06:00:00Z");
    let report = h.state().health.report.value.clone().expect("health");
    let versions = report.versions.as_ref().expect("versions");
    assert_eq!(versions.versions.len(), 2);

    h.get_by_label("Feedback loops").click();
    h.step();
    settle(&mut h);
    assert_eq!(h.state().health.page, HealthPage::Feedback);
    let o = h.state().health.feedback.value.clone().expect("feedback");
    assert_eq!(o.time, "scored_at");
    assert_eq!(o.served.as_deref(), Some("served"));
    h.get_by_label_contains("Verdict: utilization follows the score with a 3-day lag");
    h.get_by_label("Granger tests per feature");
    // Choosing another feature in the table shows it in the plots.
    // (The datasets panel lists the column too; the table is drawn last.)
    h.get_all_by_label("income").last().expect("income").click();
    h.run_steps(2);
    assert_eq!(h.state().health.feedback_feature.as_deref(), Some("income"));

    // A setting of the section reruns the pass; it is stored with the health settings.
    h.state_mut().health.settings.feedback = Some(sextant::engine::feedback::FeedbackSettings {
        max_lag: Some(4),
        ..Default::default()
    });
    h.step();
    settle(&mut h);
    let o = h.state().health.feedback.value.clone().expect("feedback");
    assert_eq!(o.max_lag, 4);
    assert_eq!(o.report.verdict.lag, Some(3));
    let text = ron::to_string(&h.state().health.settings).expect("ron");
    assert!(text.contains("max_lag:Some(4)"), "{text}");
    let back: sextant::engine::health::HealthSettings = ron::from_str(&text).expect("back");
    assert_eq!(back, h.state().health.settings);
}

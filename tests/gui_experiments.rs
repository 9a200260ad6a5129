//! The Experiments tab in the window: an experiment log in the third slot, the columns chosen
//! from its names, the sample-ratio banner, the results table, the alert rules, and the
//! settings saved in the session.
#![cfg(feature = "gui")]

mod common;

use common::{experiment_log as log, harness_sized, sample_app, settle};
use egui_kittest::kittest::Queryable;
use sextant::data::Dataset;
use sextant::gui::app::{App, Tab};
use sextant::gui::command::Command;
use sextant::session;
use sextant::vocab::Slot;

fn app_with_log(ds: Dataset) -> App {
    let mut app = sample_app();
    app.install(Slot::Experiment, ds);
    app.push(Command::SetTab(Tab::Experiments));
    app
}

#[test]
fn columns_are_chosen_from_the_names_and_the_pair_is_untouched() {
    let app = app_with_log(log(2000, 0.0, 1));
    let s = &app.experiments.settings;
    assert_eq!(s.variant, "variant");
    assert_eq!(s.control, "control");
    assert_eq!(s.unit.as_deref(), Some("user_id"));
    let metrics: Vec<&str> = s.metrics.iter().map(|m| m.column.as_str()).collect();
    assert_eq!(metrics, ["converted", "revenue", "latency_ms"]);
    assert_eq!(
        s.covariates.get("revenue").map(String::as_str),
        Some("pre_revenue")
    );
    // The log's columns are not the model's: the pair's roles do not learn them.
    assert!(
        app.roles
            .iter()
            .all(|(c, _)| c != "variant" && c != "user_id")
    );
    assert!(app.all_columns().iter().all(|c| c != "variant"));
}

#[test]
fn a_sample_ratio_mismatch_is_a_red_banner_over_the_results() {
    let mut h = harness_sized(app_with_log(log(20_000, 0.05, 2)), 1400.0, 900.0);
    settle(&mut h);
    let o = h
        .state()
        .experiments
        .result
        .value
        .clone()
        .expect("a result");
    assert!(o.report.srm.flag, "5 % of one arm lost is a mismatch");
    assert!(!o.report.trustworthy);
    h.get_by_label_contains("Sample-ratio mismatch");
    h.get_by_label_contains("no result below is to be trusted");
    // One row per metric, with its verdict marked as untrustworthy.
    for m in ["converted", "revenue", "latency_ms"] {
        // Once as a metric to pick on the left, once as a row of the results.
        assert_eq!(h.get_all_by_label(m).count(), 2, "{m}");
    }
    assert!(h.get_all_by_label_contains("(SRM)").count() >= 1);
}

#[test]
fn an_even_split_reads_as_planned_and_verdicts_follow_directions() {
    let mut h = harness_sized(app_with_log(log(20_000, 0.0, 3)), 1400.0, 900.0);
    settle(&mut h);
    let o = h
        .state()
        .experiments
        .result
        .value
        .clone()
        .expect("a result");
    assert!(!o.report.srm.flag, "{:?}", o.report.srm);
    h.get_by_label_contains("Sample ratio as planned");
    let verdict = |metric: &str| {
        o.report
            .metrics
            .iter()
            .find(|m| m.metric == metric)
            .and_then(|m| m.result.as_ref())
            .map(|e| e.verdict)
    };
    use sextant::analysis::experiment::frequentist::Verdict;
    assert_eq!(verdict("converted"), Some(Verdict::Better));
    // Latency went up and lower is better: worse.
    assert_eq!(verdict("latency_ms"), Some(Verdict::Worse));
    // CUPED applied to revenue.
    let revenue = o
        .report
        .metrics
        .iter()
        .find(|m| m.metric == "revenue")
        .and_then(|m| m.result.as_ref())
        .expect("revenue");
    assert!(revenue.cuped.is_some());
    assert!(h.get_all_by_label("better").count() >= 1);
    assert_eq!(h.get_all_by_label("worse").count(), 1);
}

#[test]
fn alert_rules_show_whether_they_fire() {
    let mut h = harness_sized(app_with_log(log(20_000, 0.0, 4)), 1400.0, 900.0);
    settle(&mut h);
    for rule in ["guardrail:latency_ms", "lift:converted < 0", "not a rule <"] {
        h.state_mut().experiments.rule_text = rule.into();
        h.get_by_role_and_label(egui::accesskit::Role::Button, "Add")
            .click();
        h.run_steps(3);
    }
    let st = &h.state().experiments;
    assert_eq!(st.rules, ["guardrail:latency_ms", "lift:converted < 0"]);
    assert!(st.rule_error.is_some(), "an invalid rule is refused");
    h.get_by_label("fires");
    h.get_by_label("holds");
}

#[test]
fn the_experiment_and_its_settings_are_saved_in_the_session() {
    let mut h = harness_sized(app_with_log(log(2000, 0.0, 5)), 1400.0, 900.0);
    settle(&mut h);
    {
        let st = &mut h.state_mut().experiments;
        st.settings.alpha = 0.01;
        st.settings.sequential = true;
        st.rules.push("srm".into());
    }
    h.run_steps(2);
    let snapshot = h.state().snapshot();
    assert_eq!(snapshot.views.experiment.ab.alpha, 0.01);
    assert!(snapshot.views.experiment.ab.sequential);
    assert_eq!(snapshot.views.experiment.rules, ["srm"]);
    assert!(snapshot.datasets.experiment.is_some());
    // Through the file format and back into a fresh window.
    let text = session::to_text(&snapshot);
    let back = session::parse(&text, std::path::Path::new("x.sextant")).expect("parses");
    assert_eq!(back, snapshot);
    let mut fresh = sample_app();
    fresh.experiments.restore(&back.views.experiment);
    fresh.install(Slot::Experiment, log(2000, 0.0, 5));
    // The saved choices fit the log, so they are kept rather than inferred again.
    assert_eq!(fresh.experiments.settings, snapshot.views.experiment.ab);
}

#[test]
fn without_a_log_the_tab_offers_to_open_one() {
    let mut app = sample_app();
    app.push(Command::SetTab(Tab::Experiments));
    let mut h = harness_sized(app, 1400.0, 900.0);
    h.run_steps(3);
    h.get_by_label("Experiments need an experiment log");
    h.get_all_by_label("Open experiment log…")
        .next()
        .expect("a button")
        .click();
    h.run_steps(3);
    // No desktop here: Sextant's own prompt asks for the path.
    assert!(h.state().path_prompt.is_some());
}

//! The Experiments tab in the window: an experiment log in the third slot, the columns chosen
//! from its names, the sample-ratio banner, the results table, the alert rules, and the
//! settings saved in the session.
#![cfg(feature = "gui")]

mod common;

use common::{experiment_log as log, harness_sized, sample_app, settle};
use egui_kittest::Harness;
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
    for m in ["converted", "revenue"] {
        // At least once as a metric to pick on the left, once as a row of the results (and
        // once more in the power rows).
        assert!(h.get_all_by_label(m).count() >= 2, "{m}");
    }
    // The latency is a guardrail by its name.
    h.get_by_label("latency_ms (guardrail)");
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
    // The latency is a guardrail (by its name): judged on harm, not "worse".
    assert_eq!(h.query_all_by_label("worse").count(), 0);
    assert_eq!(h.get_all_by_label("harmed").count(), 1);
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

fn result(
    h: &Harness<'static, App>,
) -> std::sync::Arc<sextant::engine::experiment::ExperimentOutcome> {
    h.state()
        .experiments
        .result
        .value
        .clone()
        .expect("a result")
}

#[test]
fn a_harmed_guardrail_blocks_shipping_and_a_goal_would_not() {
    use sextant::analysis::experiment::decision::Decision;
    use sextant::engine::experiment::MetricRole;
    let mut h = harness_sized(app_with_log(log(20_000, 0.0, 3)), 1400.0, 900.0);
    settle(&mut h);
    let roles: Vec<MetricRole> = h
        .state()
        .experiments
        .settings
        .metrics
        .iter()
        .map(|m| m.role)
        .collect();
    assert_eq!(
        roles,
        [MetricRole::Goal, MetricRole::Goal, MetricRole::Guardrail]
    );
    let o = result(&h);
    let d = &o.decisions[0].report;
    assert_eq!(d.decision, Decision::DoNotShip);
    assert_eq!(d.harmed, ["latency_ms"]);
    assert!(d.better.contains(&"converted".to_string()));
    h.get_by_label_contains("Decision for challenger: do not ship (guardrail harmed: latency_ms");
    // The role button in the metrics grid turns the latency into a goal: it is then "worse",
    // which still says do not ship, but as a worse goal, not a harmed guardrail.
    h.get_by_label("guardrail").click();
    settle(&mut h);
    let o = result(&h);
    assert!(o.guardrails.is_empty());
    let d = &o.decisions[0].report;
    assert_eq!(d.decision, Decision::DoNotShip);
    assert_eq!(d.worse, ["latency_ms"]);
    assert!(d.harmed.is_empty());
    // Without the latency, the better conversion ships.
    h.state_mut()
        .experiments
        .settings
        .metrics
        .retain(|m| m.column != "latency_ms");
    settle(&mut h);
    let o = result(&h);
    assert_eq!(o.decisions[0].report.decision, Decision::Ship);
    h.get_by_label_contains("Decision for challenger: ship");
}

fn sample_log_app() -> App {
    app_with_log(common::sample("credit_experiment.parquet"))
}

#[test]
fn the_sample_log_gets_its_time_and_segment_and_a_cumulative_plot_per_metric() {
    let mut h = harness_sized(sample_log_app(), 1400.0, 1600.0);
    settle(&mut h);
    let s = h.state().experiments.settings.clone();
    assert_eq!(s.time.as_deref(), Some("exposed_at"));
    assert_eq!(s.segments, ["channel"]);
    let o = result(&h);
    assert!(o.timeline.len() >= 28, "{} days", o.timeline.len());
    let last = o.timeline.last().expect("a day");
    assert_eq!(last.units, o.units, "the last day is the total");
    // One plot per metric × treatment arm, headed by its name.
    for p in &last.metrics {
        h.get_by_label(&format!("{} · {}: cumulative lift, %", p.metric, p.arm));
    }
    // The always-valid interval is wider than the fixed one on every day.
    for d in &o.timeline {
        for p in &d.metrics {
            if let (Some(a), Some(b), Some(c), Some(e)) = (
                p.sequential_ci_low,
                p.ci_low,
                p.ci_high,
                p.sequential_ci_high,
            ) {
                assert!(a <= b && c <= e, "{} {}", d.date, p.metric);
            }
        }
    }
    // No time column: no plot, a sentence saying how to get one.
    h.state_mut().experiments.settings.time = None;
    settle(&mut h);
    h.get_by_label_contains("Choose the time column on the left");
}

#[test]
fn the_segment_table_shows_each_value_and_the_sign_that_differs() {
    let mut h = harness_sized(sample_log_app(), 1400.0, 1600.0);
    settle(&mut h);
    h.get_by_label("Segments by channel");
    let o = result(&h);
    let seg = &o.segments[0];
    assert_eq!(seg.values, ["branch", "partner", "web"]);
    let approved = seg
        .metrics
        .iter()
        .find(|m| m.metric == "approved")
        .expect("approved by channel");
    let r = approved.report.as_ref().expect("tested");
    let partner = r
        .segments
        .iter()
        .find(|g| g.segment == "partner")
        .expect("partner");
    // Planted: the challenger approves more in total but fewer partner applications.
    assert!(partner.sign_differs, "{partner:?}");
    for v in &seg.values {
        assert!(h.get_all_by_label(v).count() >= 1, "{v}");
    }
    assert!(h.get_all_by_label_contains("(sign differs)").count() >= 1);
    h.get_by_label_contains("approved for challenger: in channel = partner the lift");
}

#[test]
fn the_planner_shows_engine_power_numbers_for_the_chosen_baseline() {
    use sextant::engine::power::{PowerSettings, run};
    use sextant::vocab::Progress;
    let mut h = harness_sized(sample_log_app(), 1400.0, 1800.0);
    settle(&mut h);
    let o = result(&h);
    let st = &h.state().experiments.planner;
    assert_eq!(st.view.metric.as_deref(), Some("approved"));
    let approved = o
        .report
        .metrics
        .iter()
        .find(|m| m.metric == "approved")
        .and_then(|m| m.result.as_ref())
        .expect("approved");
    let row = &o.power.metrics[0];
    let want = run(
        &PowerSettings {
            baseline: approved.effect.control.mean,
            std_dev: None,
            daily_units: o.power.daily_units,
            units_per_arm: Some(row.units_per_arm.floor() as u64),
            ..PowerSettings::default()
        },
        &Progress::silent(),
    )
    .expect("a plan");
    let got = st.outcome.clone().expect("planned").expect("a plan");
    assert_eq!(got, want);
    h.get_by_label_contains(&format!("Sample per arm: {} ", want.sample.per_arm));
    h.get_by_label_contains(&format!(
        "days still needed after the {} units per arm",
        want.units_per_arm.expect("units")
    ));
    // A larger minimum effect needs fewer units.
    h.state_mut().experiments.planner.view.plan.mde = 0.2;
    h.run_steps(3);
    let bigger = h
        .state()
        .experiments
        .planner
        .outcome
        .clone()
        .expect("planned")
        .expect("a plan");
    assert!(bigger.sample.per_arm < want.sample.per_arm);
    // The planner is saved in the session.
    let snap = h.state().snapshot();
    assert_eq!(snap.views.experiment.planner.plan.mde, 0.2);
}

fn scored_app() -> App {
    let frame = sextant::sample_data::scored::generate(11).expect("scored frame");
    let ds = Dataset::from_frame(
        "credit_champion_challenger.parquet".into(),
        frame,
        &sextant::vocab::Progress::silent(),
    )
    .expect("a dataset");
    app_with_log(ds)
}

#[test]
fn a_log_with_a_label_and_two_scores_opens_in_compare_mode() {
    use sextant::engine::compare::run;
    use sextant::session::v1::ExperimentMode;
    let app = scored_app();
    assert_eq!(app.experiments.mode, ExperimentMode::Compare);
    let s = app.experiments.compare.settings.clone();
    assert_eq!(
        (
            s.target.as_str(),
            s.champion.as_str(),
            s.challenger.as_str()
        ),
        ("defaulted", "production_score", "challenger_score")
    );
    let mut h = harness_sized(app, 1400.0, 1000.0);
    settle(&mut h);
    let o = h
        .state()
        .experiments
        .compare
        .result
        .value
        .clone()
        .expect("a comparison");
    // The panel shows the engine's numbers for the same settings.
    let frame = sextant::sample_data::scored::generate(11).expect("scored frame");
    let ds = Dataset::from_frame("x".into(), frame, &sextant::vocab::Progress::silent())
        .expect("a dataset");
    let want = run(&ds, &s, &sextant::vocab::Progress::silent()).expect("compare");
    assert_eq!(o.champion.metrics, want.champion.metrics);
    assert_eq!(o.delong, want.delong);
    assert_eq!(o.bootstrap, want.bootstrap);
    // Planted: the challenger ranks better.
    let d = o.delong.expect("DeLong");
    assert!(d.difference > 0.0 && d.p_value < 0.05, "{d:?}");
    h.get_by_label_contains("The challenger challenger_score wins");
    h.get_by_label_contains("DeLong: AUC difference");
    h.get_by_label_contains("McNemar at 0.5");
    h.get_by_label("ROC curves");
    h.get_by_label("ROC AUC");
    // Saved in the session with the mode.
    let snap = h.state().snapshot();
    assert_eq!(snap.views.experiment.mode, ExperimentMode::Compare);
    assert_eq!(snap.views.experiment.compare, s);
}

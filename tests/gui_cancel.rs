//! Cancel stays cancelled in every analysis tab: after the user presses Cancel, the frames that
//! follow do not start the same computation again (nothing runs, no new result arrives) until
//! an input changes.
#![cfg(feature = "gui")]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{harness_sized, sample};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use sextant::data::Dataset;
use sextant::gui::app::{App, Tab};
use sextant::gui::command::Command;
use sextant::gui::computed::Computed;
use sextant::jobs::Progress;
use sextant::sample_data::{SampleParams, generate_pair};
use sextant::vocab::Role;

/// The address of a computed value, to tell "the same result" from "a new one".
fn value_id<T>(c: &Computed<T>) -> Option<usize> {
    c.value
        .as_ref()
        .map(|v| Arc::as_ptr(v) as *const () as usize)
}

/// Opens `tab`, waits for the computation `pick` names to run, presses Cancel, and checks that
/// frames do not restart it; then `change` alters an input and it starts again.
fn cancel_stays_cancelled<T: Send + Sync + 'static>(
    app: App,
    tab: Tab,
    pick: fn(&App) -> &Computed<T>,
    change: impl FnOnce(&mut App),
) {
    let mut app = app;
    app.push(Command::SetTab(tab));
    let mut h: Harness<'static, App> = harness_sized(app, 1400.0, 1000.0);
    for _ in 0..2000 {
        h.step();
        if pick(h.state()).is_running() {
            break;
        }
    }
    assert!(
        pick(h.state()).is_running(),
        "{tab:?}: the computation started"
    );
    let before = value_id(pick(h.state()));
    // The tab's own Cancel is the first one drawn (a column's detail may have its own below).
    h.get_all_by_label("Cancel")
        .next()
        .expect("a Cancel button")
        .click();
    h.run_steps(4);
    assert!(!pick(h.state()).is_running(), "{tab:?}: Cancel stopped it");
    assert!(pick(h.state()).is_cancelled(), "{tab:?}: it is cancelled");
    for _ in 0..20 {
        h.step();
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(
        !pick(h.state()).is_running(),
        "{tab:?}: frames after Cancel do not start it again"
    );
    assert!(pick(h.state()).is_cancelled(), "{tab:?}: still cancelled");
    assert_eq!(
        value_id(pick(h.state())),
        before,
        "{tab:?}: no new result after Cancel"
    );
    h.get_by_label("Cancelled.");

    // A change of input starts it again.
    change(h.state_mut());
    h.run_steps(3);
    assert!(
        pick(h.state()).is_running() || value_id(pick(h.state())) != before,
        "{tab:?}: a changed input starts it again"
    );
    assert!(
        !pick(h.state()).is_cancelled(),
        "{tab:?}: no longer cancelled"
    );
}

/// The sample story with thirty times its daily volume: long enough to compute that Cancel can
/// be pressed while it runs.
fn big_app() -> App {
    let params = SampleParams {
        daily_volume: 2100.0,
        ..SampleParams::default()
    };
    let (training, production) = generate_pair(&params).expect("generated data");
    let ds = |name: &str, frame| {
        Dataset::from_frame(name.into(), frame, &Progress::silent()).expect("a dataset")
    };
    App::with_datasets(
        Some(ds("big_training.parquet", training)),
        Some(ds("big_production.parquet", production)),
    )
}

/// Makes a feature column ignored: every analysis reads roles, so its inputs change.
fn change_a_role(app: &mut App) {
    app.push(Command::SetRole("income".into(), Role::Ignored));
}

#[test]
fn drift_cancel_stays_cancelled() {
    cancel_stays_cancelled(big_app(), Tab::Drift, |a| &a.drift.run, change_a_role);
}

#[test]
fn integrity_cancel_stays_cancelled() {
    cancel_stays_cancelled(
        big_app(),
        Tab::Integrity,
        |a| &a.integrity.report,
        change_a_role,
    );
}

#[test]
fn seasonality_cancel_stays_cancelled() {
    cancel_stays_cancelled(
        big_app(),
        Tab::Seasonality,
        |a| &a.seasonality.result,
        change_a_role,
    );
}

#[test]
fn health_cancel_stays_cancelled() {
    cancel_stays_cancelled(big_app(), Tab::Health, |a| &a.health.report, change_a_role);
}

#[test]
fn health_feedback_cancel_stays_cancelled() {
    // The served log at ten times its borrowers: long enough to press Cancel while it runs.
    let frame = sextant::sample_data::served::bench_served(600_000, 120, 20, 3).expect("log");
    let served =
        Dataset::from_frame("big_served.parquet".into(), frame, &Progress::silent()).expect("ds");
    let mut app = App::with_datasets(None, Some(served));
    app.health.page = sextant::gui::views::health::HealthPage::Feedback;
    cancel_stays_cancelled(
        app,
        Tab::Health,
        |a| &a.health.feedback,
        |a| {
            a.push(Command::SetRole("feature_00".into(), Role::Ignored));
        },
    );
}

#[test]
fn compression_cancel_stays_cancelled() {
    cancel_stays_cancelled(
        App::with_datasets(Some(sample("credit_training.parquet")), None),
        Tab::Compression,
        |a| &a.compression.report,
        |a| a.compression.settings.batch_sizes = vec![1],
    );
}

#[test]
fn experiments_cancel_stays_cancelled() {
    let mut app = big_app();
    app.install(
        sextant::vocab::Slot::Experiment,
        common::experiment_log(400_000, 0.0, 7),
    );
    cancel_stays_cancelled(
        app,
        Tab::Experiments,
        |a| &a.experiments.result,
        |app| app.experiments.settings.alpha = 0.01,
    );
}

#[test]
fn compare_cancel_stays_cancelled() {
    // Champion against challenger on 300 000 scored rows: the bootstrap takes long enough.
    let frame = {
        let mut rng = sextant::vocab::Rng::new(3);
        let n = 300_000;
        let (mut y, mut a, mut b) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        for _ in 0..n {
            let risk = rng.normal();
            y.push(i64::from(rng.uniform() < 1.0 / (1.0 + (2.0 - risk).exp())));
            a.push(1.0 / (1.0 + (2.0 - 0.8 * risk - 0.6 * rng.normal()).exp()));
            b.push(1.0 / (1.0 + (2.0 - 0.9 * risk - 0.4 * rng.normal()).exp()));
        }
        polars::df!("defaulted" => y, "production_score" => a, "challenger_score" => b)
            .expect("a frame")
    };
    let mut app = big_app();
    app.install(
        sextant::vocab::Slot::Experiment,
        Dataset::from_frame("scored.parquet".into(), frame, &Progress::silent())
            .expect("a dataset"),
    );
    cancel_stays_cancelled(
        app,
        Tab::Experiments,
        |a| &a.experiments.compare.result,
        |app| app.experiments.compare.settings.threshold = 0.4,
    );
}

#[test]
fn retraining_cancel_stays_cancelled() {
    cancel_stays_cancelled(
        big_app(),
        Tab::Retraining,
        |a| &a.retraining.outcome,
        |a| a.retraining.settings.cost = 0.25,
    );
}

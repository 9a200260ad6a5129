//! What the window tests share: the sample datasets, a kittest harness around the app, and a
//! way to wait for background jobs.
#![allow(dead_code)]

use std::path::Path;
use std::time::Duration;

use egui_kittest::Harness;
use sextant::data::{Dataset, LoadOptions};
use sextant::gui::app::App;
use sextant::jobs::Progress;

pub fn sample(name: &str) -> Dataset {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("sample_data")
        .join(name);
    Dataset::load(&path, &LoadOptions::default(), &Progress::silent()).expect("sample data")
}

/// A harness driving `app` the way eframe does: logic, then drawing. File dialogs are
/// Sextant's own prompt (there is no desktop here).
pub fn harness(app: App) -> Harness<'static, App> {
    harness_sized(app, 1280.0, 800.0)
}

pub fn harness_sized(mut app: App, width: f32, height: f32) -> Harness<'static, App> {
    app.native_dialogs = false;
    Harness::builder()
        .with_size(egui::vec2(width, height))
        .build_ui_state(
            |ui, app: &mut App| {
                app.logic(ui.ctx());
                app.ui(ui);
            },
            app,
        )
}

pub fn sample_app() -> App {
    App::with_datasets(
        Some(sample("credit_training.parquet")),
        Some(sample("credit_production.parquet")),
    )
}

/// Step until background jobs have finished (loading and analyses run on their own threads).
pub fn settle(h: &mut Harness<'static, App>) {
    // Up to a minute: the compression sweep is slow in a debug build.
    for _ in 0..6000 {
        h.step();
        if !h.state().is_busy() {
            // A finished result asks for one more frame (plot axes size themselves from the
            // previous frame); run a few fixed steps rather than `run`, which panics when a
            // view keeps asking for frames.
            h.run_steps(6);
            if !h.state().is_busy() {
                return;
            }
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("jobs did not finish");
}

/// A per-unit log: `control` and `challenger`, conversion up in the challenger, latency up too,
/// revenue with its pre-period value. With `lost` > 0 the challenger loses that share of its
/// units (a sample-ratio mismatch).
pub fn experiment_log(units: usize, lost: f64, seed: u64) -> Dataset {
    let mut rng = sextant::vocab::Rng::new(seed);
    let (mut ids, mut arms, mut conv, mut rev, mut pre, mut lat) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    for i in 0..units {
        let challenger = rng.uniform() < 0.5;
        if challenger && rng.uniform() < lost {
            continue;
        }
        let p = if challenger { 0.12 } else { 0.10 };
        let base = 50.0 * -(1.0 - rng.uniform()).ln();
        ids.push(format!("u{i}"));
        arms.push(if challenger { "challenger" } else { "control" });
        conv.push(i64::from(rng.uniform() < p));
        rev.push(0.8 * base + 20.0 * rng.uniform() + if challenger { 2.0 } else { 0.0 });
        pre.push(base);
        lat.push(120.0 + 20.0 * rng.uniform() + if challenger { 6.0 } else { 0.0 });
    }
    let frame = polars::df!(
        "user_id" => ids,
        "variant" => arms,
        "converted" => conv,
        "revenue" => rev,
        "pre_revenue" => pre,
        "latency_ms" => lat,
    )
    .expect("a frame");
    Dataset::from_frame("experiment_log.parquet".into(), frame, &Progress::silent())
        .expect("a dataset")
}

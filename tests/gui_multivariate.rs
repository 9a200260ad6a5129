//! The Drift tab's multivariate part, driven by egui_kittest: switching it on in the settings
//! computes it off the UI thread, the "Multivariate" row above the column table shows the
//! verdict, and selecting the row opens its panel. Data: the golden pair of
//! tests/golden/multivariate (x1 and x2 flip their correlation from the fourth week).
#![cfg(feature = "gui")]

use std::path::Path;

mod common;

use common::{harness, settle};
use egui_kittest::kittest::Queryable;
use sextant::data::{Dataset, LoadOptions};
use sextant::gui::app::App;
use sextant::gui::command::Command;
use sextant::gui::tab::Tab;
use sextant::jobs::Progress;

fn load(name: &str) -> Dataset {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden/multivariate")
        .join(name);
    Dataset::load(&path, &LoadOptions::default(), &Progress::silent()).expect("golden data")
}

#[test]
fn multivariate_row_and_panel() {
    let app = App::with_datasets(Some(load("reference.csv")), Some(load("current.csv")));
    let mut h = harness(app);
    h.state_mut().push(Command::SetTab(Tab::Drift));
    settle(&mut h);
    // Off by default: no row.
    assert!(h.query_by_label("Multivariate").is_none());
    h.get_by_label("Multivariate drift").click();
    settle(&mut h);
    assert!(h.state().drift.settings.multivariate.is_some());
    let mv = h
        .state()
        .drift
        .multivariate
        .run
        .value
        .clone()
        .expect("computed");
    assert_eq!(mv.reconstruction.windows.len(), 6);
    assert!(mv.drifted());
    h.get_by_label_contains("3 of 6 windows alert");
    h.get_by_label_contains("domain classifier AUC");

    // Selecting the row opens the panel in place of a column's detail.
    h.get_by_label("Multivariate").click();
    settle(&mut h);
    assert!(h.state().drift.multivariate.selected);
    h.get_by_label("Reconstruction error per window");
    h.get_by_label("Each feature's share of the error");
    h.get_by_label("Most anomalous rows of window");
    h.get_by_label_contains("What the classifier relied on");

    // Back to the column's detail, then switching it off removes the row.
    h.get_by_label("Back to the column").click();
    settle(&mut h);
    assert!(!h.state().drift.multivariate.selected);
    h.get_by_label("Multivariate drift").click();
    settle(&mut h);
    assert!(h.state().drift.settings.multivariate.is_none());
    assert!(h.query_by_label("Multivariate").is_none());
}

//! The Seasonality tab on the bundled sample data, driven by egui_kittest: the row count per
//! day shows the weekly cycle, the plots and strength badges are drawn, choosing a column
//! elsewhere makes it the value, and the season-aware comparison is shown.
#![cfg(feature = "gui")]

mod common;

use common::{harness_sized, sample, settle};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use sextant::data::series::ValueSpec;
use sextant::gui::app::{App, Tab};
use sextant::gui::command::Command;
use sextant::gui::views::seasonality::DataChoice;

fn seasonality_app() -> Harness<'static, App> {
    let mut app = App::with_datasets(
        Some(sample("credit_training.parquet")),
        Some(sample("credit_production.parquet")),
    );
    app.push(Command::SetTab(Tab::Seasonality));
    let mut h = harness_sized(app, 1400.0, 1000.0);
    h.step();
    settle(&mut h);
    h
}

#[test]
fn row_count_per_day_shows_the_weekly_season() {
    let h = seasonality_app();
    {
        let app = h.state();
        assert_eq!(app.seasonality.settings.value, ValueSpec::RowCount);
        let view = app.seasonality.result.value.as_ref().expect("computed");
        let report = view.report.as_ref().expect("decomposed");
        assert_eq!(report.periods, vec![7]);
        assert_eq!(view.series.len(), 366);
        assert!(report.strength.seasonal[0] > 0.6, "{:?}", report.strength);
    }
    h.get_by_label_contains("Row count · training");
    h.get_by_label_contains("Seasonal strength (period 7)");
    h.get_by_label_contains("Trend strength");
    // The stacked plots (observed, trend, seasonal, remainder) have accessible names.
    h.get_by_label("Observed row count plot");
    h.get_by_label("Trend plot");
    h.get_by_label("Seasonal component plot, period 7");
    h.get_by_label("Remainder plot");
    // The observed plot's legend.
    h.get_by_label("observed");
    h.get_by_label("anomaly");
    // The candidate table lists the week and marks it as a calendar period.
    h.get_by_label("7 (week)");
    // The season-aware comparison with production, side by side with the naive one.
    h.get_by_label("Naive verdict");
    h.get_by_label("Season-aware verdict");
    let view = h.state().seasonality.result.value.clone().expect("view");
    let cmp = view
        .comparison
        .as_ref()
        .expect("both loaded")
        .as_ref()
        .expect("compared");
    assert_eq!(cmp.period, 7);
    assert_eq!(cmp.comparison.profile.season_means.len(), 7);
}

#[test]
fn selecting_a_numeric_column_makes_it_the_value_and_recomputes() {
    let mut h = seasonality_app();
    h.state_mut().push(Command::SelectColumn("income".into()));
    h.step();
    settle(&mut h);
    let app = h.state();
    assert_eq!(
        app.seasonality.settings.value,
        ValueSpec::Column("income".into())
    );
    let view = app.seasonality.result.value.as_ref().expect("computed");
    assert_eq!(view.label, "income (mean)");
    h.get_by_label_contains("Income (mean) · training");
    // A categorical column is not a value: the value stays.
    h.state_mut()
        .push(Command::SelectColumn("employment_type".into()));
    h.step();
    settle(&mut h);
    assert_eq!(
        h.state().seasonality.settings.value,
        ValueSpec::Column("income".into())
    );
}

#[test]
fn both_datasets_end_to_end_and_clicked_periods() {
    let mut h = seasonality_app();
    h.state_mut().seasonality.settings.data = DataChoice::Both;
    h.step();
    settle(&mut h);
    {
        let view = h.state().seasonality.result.value.clone().expect("view");
        assert_eq!(view.series.len(), 731);
        assert_eq!(view.series.filled.len(), 731 - 366 - 122);
    }
    h.get_by_label_contains("filled by interpolation");
    // Clicking a candidate chooses it; a second one makes it MSTL.
    h.get_by_label("7 (week)").click();
    h.step();
    settle(&mut h);
    assert_eq!(h.state().seasonality.settings.periods, vec![7]);
    h.state_mut().seasonality.settings.periods.push(14);
    h.step();
    settle(&mut h);
    let view = h.state().seasonality.result.value.clone().expect("view");
    let report = view.report.as_ref().expect("mstl");
    assert_eq!(report.periods, vec![7, 14]);
    h.get_by_label("Seasonal component plot, period 7");
    h.get_by_label("Seasonal component plot, period 14");
}

#[test]
fn an_invalid_choice_shows_a_message_and_keeps_the_plots() {
    let mut h = seasonality_app();
    h.state_mut().seasonality.settings.periods = vec![300];
    h.step();
    settle(&mut h);
    h.get_by_label_contains("Period 300 needs at least 600 days");
    // The series itself is still drawn.
    assert!(h.state().seasonality.result.value.is_some());
    h.get_by_label_contains("Row count · training");
}

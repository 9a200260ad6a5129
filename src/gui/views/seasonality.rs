//! The Seasonality tab: a column or a derived series as a time series, its candidate periods,
//! the STL / MSTL decomposition stacked in linked plots, anomalies of the remainder, and the
//! naive versus season-aware comparison of production with training.
//!
//! Everything shown is computed by one background job ([`Computed`]) keyed by the datasets, the
//! roles and every control; the previous result stays visible, dimmed, while a new one runs.

use egui::{Color32, RichText, Ui};
use egui_plot::{
    GridInput, GridMark, HLine, Legend, Line, LineStyle, MarkerShape, Plot, PlotPoints, Points,
};

use crate::analysis::seasonality::compare::{SeasonAwareReport, Verdict};
use crate::analysis::seasonality::periods::CandidateSource;
use crate::analysis::seasonality::report::{Method, unit_name};
use crate::analysis::seasonality::{Aggregation, SamplingFrequency};
use crate::data::RoleMap;
use crate::data::series::ValueSpec;
pub use crate::engine::seasonality::{
    DataChoice, SeasonalityInputs, SeasonalityOutcome, SeasonalitySettings, TimeAxis, run,
};
use crate::format::fmt_num;
use crate::format::ticks::{self, DAY_STEPS, calendar_ticks, nice_step};
use crate::gui::computed::{Computed, key_of};
use crate::gui::tab::Tab;
use crate::gui::view_ctx::ViewCtx;
use crate::gui::widgets::{side_color, swatch};
use crate::vocab::time::{MICROS_PER_DAY, format_micros};
use crate::vocab::{ColumnKind, Role, Side};

/// The controls of the tab and its background result.
pub struct SeasonalityState {
    /// What the user chose (saved in sessions).
    pub settings: SeasonalitySettings,
    /// The period typed in the "add period" box.
    pub manual_period: usize,
    /// A column selected elsewhere, to become the value once its kind is known.
    pub pending_column: Option<String>,
    pub result: Computed<SeasonalityOutcome>,
}

impl Default for SeasonalityState {
    fn default() -> Self {
        Self {
            settings: SeasonalitySettings::default(),
            manual_period: 7,
            pending_column: None,
            result: Computed::default(),
        }
    }
}

impl SeasonalityState {
    /// The globally selected column changed: a numeric column becomes the value shown. The
    /// check waits until the column is known (a column chosen on the command line is selected
    /// before its file has loaded).
    pub fn column_selected(&mut self, name: &str) {
        self.pending_column = Some(name.to_string());
    }
}

impl SeasonalityState {
    /// Per-frame work of the tab (from `App::logic`): collect a finished computation, follow a
    /// newly selected column once its kind is known, and while the tab is shown start the
    /// computation for the current controls.
    pub fn update(&mut self, cx: &ViewCtx<'_>, ctx: &egui::Context) {
        if self.result.poll() {
            // Plots size their axes from the previous frame: draw a second frame so a new
            // plot's tick labels get the room they need.
            ctx.request_repaint();
        }
        self.follow_pending_column(cx);
        if cx.tab == Tab::Seasonality && cx.datasets.iter().any(Option::is_some) {
            request(self, cx, ctx);
        }
    }

    fn follow_pending_column(&mut self, cx: &ViewCtx<'_>) {
        let Some(name) = self.pending_column.clone() else {
            return;
        };
        let mut found = cx.datasets.iter().flatten().filter_map(|d| d.column(&name));
        if let Some(c) = found.next() {
            if matches!(c.kind, ColumnKind::Numeric | ColumnKind::Boolean) {
                self.settings.value = ValueSpec::Column(name);
            }
            self.pending_column = None;
        } else if !cx.loading {
            // Nothing is loading and no file has this column: forget it.
            self.pending_column = None;
        }
    }
}

const PLOT_GROUP: &str = "seasonality_x";
const ANOMALY_COLOR: Color32 = Color32::from_rgb(220, 50, 47);
const FILLED_COLOR: Color32 = Color32::from_gray(150);

pub fn seasonality_ui(st: &mut SeasonalityState, cx: &mut ViewCtx<'_>, ui: &mut Ui) {
    if cx.datasets.iter().all(Option::is_none) {
        ui.vertical_centered(|ui| {
            ui.add_space(80.0);
            ui.heading("No data yet");
            ui.label("Open training and production files with File > Open…, or drop them on this window.");
        });
        return;
    }
    egui::Panel::left("seasonality_controls")
        .resizable(true)
        .default_size(270.0)
        .show(ui, |ui| {
            egui::ScrollArea::vertical()
                .id_salt("seasonality_controls_scroll")
                .auto_shrink([false, false])
                .show(ui, |ui| controls_ui(st, cx, ui));
        });
    egui::CentralPanel::default().show(ui, |ui| results_ui(st, ui));
}

/// Starts a computation for the current controls unless one is running for them already.
/// Waits while anything is being dragged, so a drag value starts one job on release.
fn request(st: &mut SeasonalityState, cx: &ViewCtx<'_>, ctx: &egui::Context) {
    if ctx.dragged_id().is_some() {
        return;
    }
    let settings = st.settings.clone();
    let roles = cx.roles.clone();
    let renames = cx.renames.clone();
    let load_ids = [0, 1].map(|i| cx.datasets[i].as_ref().map(|d| d.load_id));
    let key = key_of(&(settings.key(&roles, &renames), load_ids));
    let datasets = cx.datasets.clone();
    let waker = cx.waker();
    st.result
        .request(key, "Decomposing", waker, move |progress| {
            let [r, c] = &datasets;
            let inputs = SeasonalityInputs {
                reference: r.as_deref(),
                current: c.as_deref(),
                roles: &roles,
                renames: &renames,
            };
            run(&inputs, &settings, progress).map_err(|e| e.to_string())
        });
}

// ---------------------------------------------------------------------------------------------
// Controls

fn controls_ui(st: &mut SeasonalityState, cx: &mut ViewCtx<'_>, ui: &mut Ui) {
    ui.add_space(4.0);
    ui.heading("Series");
    let both_loaded = cx.datasets.iter().all(Option::is_some);
    ui.horizontal(|ui| {
        let label = ui.label("Data");
        for choice in DataChoice::ALL {
            let enabled = match choice {
                DataChoice::Reference => cx.dataset(Side::Reference).is_some(),
                DataChoice::Current => cx.dataset(Side::Current).is_some(),
                DataChoice::Both => both_loaded,
            };
            let selected = st.settings.data == choice;
            if ui
                .add_enabled(enabled, egui::Button::selectable(selected, choice.label()))
                .labelled_by(label.id)
                .on_hover_text(match choice {
                    DataChoice::Both => "Training then production, end to end; the gap between them is filled by interpolation",
                    _ => "Build the series from this file",
                })
                .clicked()
            {
                st.settings.data = choice;
            }
        }
    });
    time_combo(st, cx, ui);
    value_combo(st, cx, ui);
    let column_value = matches!(st.settings.value, ValueSpec::Column(_));
    ui.add_enabled_ui(column_value, |ui| aggregation_combo(st, ui));
    let timed = !matches!(st.settings.time, TimeAxis::RowOrder)
        && (cx.roles.column_with(Role::Timestamp).is_some()
            || matches!(st.settings.time, TimeAxis::Column(_)));
    ui.add_enabled_ui(timed, |ui| {
        egui::ComboBox::from_label("Frequency")
            .selected_text(st.settings.frequency.name())
            .show_ui(ui, |ui| {
                for f in SamplingFrequency::ALL {
                    ui.selectable_value(&mut st.settings.frequency, f, f.name());
                }
            });
    });
    ui.separator();
    periods_ui(st, ui);
    ui.separator();
    stl_controls_ui(st, ui);
}

fn datetime_columns(cx: &ViewCtx<'_>) -> Vec<String> {
    cx.all_columns()
        .into_iter()
        .filter(|n| {
            cx.datasets
                .iter()
                .flatten()
                .any(|d| d.column(n).is_some_and(|c| c.kind == ColumnKind::Datetime))
        })
        .collect()
}

fn time_combo(st: &mut SeasonalityState, cx: &mut ViewCtx<'_>, ui: &mut Ui) {
    let role_column = cx.roles.column_with(Role::Timestamp).map(str::to_string);
    let role_text = match &role_column {
        Some(c) => format!("{c} (timestamp role)"),
        None => "Row order (no timestamp role)".into(),
    };
    let text = match &st.settings.time {
        TimeAxis::Role => role_text.clone(),
        TimeAxis::Column(c) => c.clone(),
        TimeAxis::RowOrder => "Row order".into(),
    };
    let columns = datetime_columns(cx);
    egui::ComboBox::from_label("Time")
        .selected_text(text)
        .width(150.0)
        .show_ui(ui, |ui| {
            let t = &mut st.settings.time;
            ui.selectable_value(t, TimeAxis::Role, role_text);
            for c in columns {
                if Some(&c) != role_column.as_ref() {
                    ui.selectable_value(t, TimeAxis::Column(c.clone()), c);
                }
            }
            ui.selectable_value(t, TimeAxis::RowOrder, "Row order");
        })
        .response
        .on_hover_text(
            "The timestamp column; rows are grouped into periods of the chosen frequency",
        );
}

fn value_combo(st: &mut SeasonalityState, cx: &mut ViewCtx<'_>, ui: &mut Ui) {
    let numeric: Vec<String> = cx
        .all_columns()
        .into_iter()
        .filter(|n| {
            cx.roles.get(n) != Role::Ignored
                && cx.datasets.iter().flatten().any(|d| {
                    d.column(n).is_some_and(|c| {
                        matches!(c.kind, ColumnKind::Numeric | ColumnKind::Boolean)
                    })
                })
        })
        .collect();
    let all = cx.all_columns();
    let features: Vec<String> = all
        .iter()
        .filter(|n| {
            cx.roles.get(n) == Role::Feature
                && Side::BOTH.into_iter().all(|s| cx.dataset(s).is_some())
        })
        .cloned()
        .collect();
    let prediction = cx.roles.column_with(Role::Prediction).map(str::to_string);
    let target = cx.roles.column_with(Role::Target).map(str::to_string);
    let text = value_text(&st.settings.value, cx.roles);
    let value = &mut st.settings.value;
    egui::ComboBox::from_label("Value")
        .selected_text(text)
        .width(150.0)
        .height(400.0)
        .show_ui(ui, |ui| {
            ui.selectable_value(value, ValueSpec::RowCount, "Row count");
            if let Some(p) = &prediction {
                ui.selectable_value(
                    value,
                    ValueSpec::PredictionMean(None),
                    format!("Prediction mean ({p})"),
                );
            }
            if let Some(t) = &target {
                ui.selectable_value(
                    value,
                    ValueSpec::LabelRate(None),
                    format!("Label rate ({t})"),
                );
            }
            ui.separator();
            for c in &numeric {
                ui.selectable_value(value, ValueSpec::Column(c.clone()), c.as_str());
            }
            ui.separator();
            if !features.is_empty() {
                column_menu(
                    ui,
                    "Drift score of…",
                    &features,
                    value,
                    ValueSpec::DriftScore,
                    "This column's drift test per day, week or month of production against all of training",
                );
            }
            column_menu(ui, "Null rate of…", &all, value, ValueSpec::NullRate, "");
        })
        .response
        .on_hover_text(
            "A numeric column aggregated per period, or a derived series: the row count, a column's null rate, the prediction mean, the label rate",
        );
}

/// A submenu choosing `make(column)` as the value, one entry per column.
fn column_menu(
    ui: &mut Ui,
    title: &str,
    columns: &[String],
    value: &mut ValueSpec,
    make: fn(String) -> ValueSpec,
    hover: &str,
) {
    ui.menu_button(title, |ui| {
        egui::ScrollArea::vertical()
            .max_height(300.0)
            .show(ui, |ui| {
                for c in columns {
                    let choice = make(c.clone());
                    let mut item = ui.selectable_label(*value == choice, c.as_str());
                    if !hover.is_empty() {
                        item = item.on_hover_text(hover);
                    }
                    if item.clicked() {
                        *value = choice;
                        ui.close();
                    }
                }
            });
    });
}

fn value_text(value: &ValueSpec, roles: &RoleMap) -> String {
    match value {
        ValueSpec::RowCount => "Row count".into(),
        ValueSpec::Column(c) => c.clone(),
        ValueSpec::NullRate(c) => format!("Null rate of {c}"),
        ValueSpec::PredictionMean(c) => format!(
            "Prediction mean ({})",
            c.as_deref()
                .or(roles.column_with(Role::Prediction))
                .unwrap_or("none")
        ),
        ValueSpec::LabelRate(c) => format!(
            "Label rate ({})",
            c.as_deref()
                .or(roles.column_with(Role::Target))
                .unwrap_or("none")
        ),
        ValueSpec::DriftScore(c) => format!("Drift score of {c}"),
    }
}

fn aggregation_text(a: Aggregation) -> String {
    match a {
        Aggregation::Quantile(_) => "quantile".into(),
        other => other.name(),
    }
}

fn aggregation_combo(st: &mut SeasonalityState, ui: &mut Ui) {
    let s = &mut *st;
    ui.horizontal(|ui| {
        egui::ComboBox::from_label("Aggregation")
            .selected_text(aggregation_text(s.settings.aggregation))
            .show_ui(ui, |ui| {
                for a in Aggregation::COLUMN_CHOICES {
                    let selected = std::mem::discriminant(&a)
                        == std::mem::discriminant(&s.settings.aggregation);
                    if ui.selectable_label(selected, aggregation_text(a)).clicked() && !selected {
                        s.settings.aggregation = a;
                    }
                }
            });
        if let Aggregation::Quantile(q) = &mut s.settings.aggregation {
            let label = ui.label("q");
            ui.add(
                egui::DragValue::new(q)
                    .range(0.0..=1.0)
                    .speed(0.01)
                    .max_decimals(3),
            )
            .labelled_by(label.id);
        }
    });
}

/// A name for a period from the calendar of the frequency ("week", "day", "year").
fn period_name(frequency: Option<SamplingFrequency>, period: usize) -> Option<&'static str> {
    use SamplingFrequency::*;
    match (frequency?, period) {
        (Minute, 60) | (Hour, 1) => Some("hour"),
        (Minute, 1440) | (Hour, 24) => Some("day"),
        (Hour, 168) | (Day, 7) => Some("week"),
        (Day, 30 | 31) => Some("month"),
        (Day, 91) | (Week, 13) | (Month, 3) => Some("quarter"),
        (Day, 365) | (Week, 52) | (Month, 12) => Some("year"),
        _ => None,
    }
}

fn periods_ui(st: &mut SeasonalityState, ui: &mut Ui) {
    ui.heading("Periods");
    let s = &mut *st;
    let view = s.result.value.clone();
    let frequency = view.as_ref().and_then(|v| v.series.frequency);
    let shown: Vec<usize> = view
        .as_ref()
        .and_then(|v| v.report.as_ref().ok())
        .map(|r| r.periods.clone())
        .unwrap_or_default();
    ui.horizontal_wrapped(|ui| {
        if s.settings.periods.is_empty() {
            ui.label(match shown.first() {
                Some(p) => format!("Automatic: {p} (the strongest candidate)"),
                None => "Automatic: the strongest candidate".into(),
            });
        } else {
            let names: Vec<String> = s.settings.periods.iter().map(ToString::to_string).collect();
            ui.label(format!(
                "{}: {}",
                if s.settings.periods.len() > 1 {
                    "MSTL"
                } else {
                    "STL"
                },
                names.join(" + ")
            ));
            if ui.small_button("Automatic").clicked() {
                s.settings.periods.clear();
            }
        }
    });
    ui.weak("Click candidates to choose one or several (several: MSTL).");
    let Some(view) = view else {
        return;
    };
    egui::Grid::new("period_candidates")
        .striped(true)
        .num_columns(4)
        .show(ui, |ui| {
            ui.strong("Period");
            ui.strong("ACF").on_hover_text(
                "Autocorrelation at this lag after removing a straight line: how closely the series repeats (the ranking score)",
            );
            ui.strong("Power").on_hover_text(
                "Share of the periodogram's power at the frequency 1 / period",
            );
            ui.strong("Found by");
            ui.end_row();
            for c in &view.candidates {
                let chosen = s.settings.periods.contains(&c.period)
                    || (s.settings.periods.is_empty() && shown.contains(&c.period));
                let text = match period_name(frequency, c.period) {
                    Some(n) => format!("{} ({n})", c.period),
                    None => c.period.to_string(),
                };
                if ui
                    .selectable_label(chosen, text)
                    .on_hover_text("Click to add or remove this period")
                    .clicked()
                {
                    toggle_period(s, c.period);
                }
                ui.label(c.acf.map_or_else(|| "-".into(), |a| format!("{a:.2}")));
                ui.label(
                    c.power_share
                        .map_or_else(|| "-".into(), |p| format!("{:.1} %", p * 100.0)),
                );
                ui.weak(
                    c.sources
                        .iter()
                        .map(|s| match s {
                            CandidateSource::Acf => "ACF",
                            CandidateSource::Periodogram => "spectrum",
                            CandidateSource::Calendar => "calendar",
                        })
                        .collect::<Vec<_>>()
                        .join(", "),
                );
                ui.end_row();
            }
        });
    if view.candidates.is_empty() {
        ui.weak("No candidates: the series is too short or has no variation.");
    }
    ui.horizontal(|ui| {
        let label = ui.label("Add period");
        ui.add(egui::DragValue::new(&mut s.manual_period).range(2..=100_000))
            .labelled_by(label.id);
        if ui.button("Add").clicked() && !s.settings.periods.contains(&s.manual_period) {
            if s.settings.periods.is_empty() {
                s.settings.periods.extend(shown.first());
            }
            if !s.settings.periods.contains(&s.manual_period) {
                s.settings.periods.push(s.manual_period);
            }
        }
    });
}

/// Adds or removes `period`. In automatic mode a click chooses that period alone (one click
/// on the automatic choice pins it); after that, clicks add periods (MSTL) or remove them.
fn toggle_period(s: &mut SeasonalityState, period: usize) {
    if let Some(i) = s.settings.periods.iter().position(|p| *p == period) {
        s.settings.periods.remove(i);
    } else {
        s.settings.periods.push(period);
    }
}

/// A drag value for an odd window >= 3 (even values are rounded up).
fn odd_window(ui: &mut Ui, label: &str, value: &mut usize, hint: &str) {
    ui.horizontal(|ui| {
        let l = ui.label(label);
        ui.add(egui::DragValue::new(value).range(3..=100_001).speed(0.5))
            .labelled_by(l.id)
            .on_hover_text(hint);
    });
    if value.is_multiple_of(2) {
        *value += 1;
    }
}

/// "Auto" or an odd window.
fn optional_window(ui: &mut Ui, label: &str, value: &mut Option<usize>, auto: usize, hint: &str) {
    ui.horizontal(|ui| {
        let l = ui.label(label);
        let mut automatic = value.is_none();
        if ui
            .checkbox(&mut automatic, "auto")
            .labelled_by(l.id)
            .on_hover_text(hint)
            .changed()
        {
            *value = if automatic { None } else { Some(auto) };
        }
        match value {
            Some(v) => {
                ui.add(egui::DragValue::new(v).range(3..=100_001).speed(0.5))
                    .labelled_by(l.id)
                    .on_hover_text(hint);
                if v.is_multiple_of(2) {
                    *v += 1;
                }
            }
            None => {
                ui.weak(auto.to_string());
            }
        }
    });
}

fn stl_controls_ui(st: &mut SeasonalityState, ui: &mut Ui) {
    ui.heading("Decomposition");
    let s = &mut *st;
    let resolved = s
        .result
        .value
        .as_ref()
        .and_then(|v| v.report.as_ref().ok())
        .map(|r| (r.config.trend, r.config.low_pass, r.periods.clone()));
    let mut periods = s.settings.periods.clone();
    if periods.is_empty() {
        periods = resolved.as_ref().map(|r| r.2.clone()).unwrap_or_default();
    }
    periods.sort_unstable();
    if periods.len() > 1 {
        ui.label("Seasonal windows (MSTL)");
        for (i, p) in periods.iter().enumerate() {
            let w = s.settings.mstl_windows.entry(*p).or_insert(7 + 4 * (i + 1));
            odd_window(
                ui,
                &format!("  period {p}"),
                w,
                "Seasonal LOESS window for this period (odd, >= 3; statsmodels' default 7 + 4 i)",
            );
        }
    } else {
        odd_window(
            ui,
            "Seasonal window",
            &mut s.settings.seasonal,
            "Seasonal (cycle-subseries) LOESS window: odd, >= 3; larger is a steadier season (statsmodels default 7)",
        );
    }
    let (auto_trend, auto_low_pass) = resolved.as_ref().map_or((15, 9), |r| (r.0, r.1));
    optional_window(
        ui,
        "Trend window",
        &mut s.settings.options.trend,
        auto_trend,
        "Trend LOESS window: odd and larger than the period; auto is statsmodels' rule (smallest odd >= 1.5 period / (1 - 1.5 / seasonal))",
    );
    optional_window(
        ui,
        "Low-pass window",
        &mut s.settings.options.low_pass,
        auto_low_pass,
        "Low-pass LOESS window: odd and larger than the period; auto is the smallest odd number > period",
    );
    egui::Grid::new("stl_degrees").num_columns(4).show(ui, |ui| {
        ui.label("");
        ui.weak("seasonal");
        ui.weak("trend");
        ui.weak("low-pass");
        ui.end_row();
        let l = ui.label("Degree");
        for d in [
            &mut s.settings.options.seasonal_deg,
            &mut s.settings.options.trend_deg,
            &mut s.settings.options.low_pass_deg,
        ] {
            ui.add(egui::DragValue::new(d).range(0..=1))
                .labelled_by(l.id)
                .on_hover_text("LOESS degree: 0 local constant, 1 local linear");
        }
        ui.end_row();
        let l = ui.label("Jump");
        for j in [
            &mut s.settings.options.seasonal_jump,
            &mut s.settings.options.trend_jump,
            &mut s.settings.options.low_pass_jump,
        ] {
            ui.add(egui::DragValue::new(j).range(1..=10_000))
                .labelled_by(l.id)
                .on_hover_text("Evaluate the LOESS every n points and interpolate between (faster on long series)");
        }
        ui.end_row();
    });
    ui.checkbox(&mut s.settings.options.robust, "Robust (bisquare weights)")
        .on_hover_text("Down-weights outliers: inner 2 / outer 15 iterations instead of 5 / 0");
    ui.horizontal(|ui| {
        let l = ui.label("Anomaly |z| >");
        ui.add(egui::Slider::new(&mut s.settings.anomaly_threshold, 1.0..=10.0).step_by(0.1))
            .labelled_by(l.id)
            .on_hover_text(
                "Robust z-score of the remainder, 0.6745 (r - median) / MAD (Iglewicz & Hoaglin; 3.5 by default)",
            );
    });
}

// ---------------------------------------------------------------------------------------------
// Results

fn results_ui(st: &mut SeasonalityState, ui: &mut Ui) {
    st.result.status_ui(ui);
    let Some(view) = st.result.value.clone() else {
        if !st.result.is_running() && !st.result.is_cancelled() && st.result.error.is_none() {
            ui.weak("Preparing the series…");
        }
        return;
    };
    let running = st.result.is_running();
    ui.scope(|ui| {
        if running {
            ui.multiply_opacity(0.45);
        }
        header_ui(ui, &view);
        egui::ScrollArea::vertical()
            .id_salt("seasonality_results")
            .auto_shrink([false, false])
            .show(ui, |ui| {
                plots_ui(ui, &view);
                if let Some(c) = &view.comparison {
                    ui.separator();
                    comparison_ui(ui, &view, c);
                }
            });
    });
}

fn strength_badge(ui: &mut Ui, name: &str, value: f64, tooltip: &str) {
    let (word, color) = if value >= 0.6 {
        ("strong", Color32::from_rgb(60, 160, 90))
    } else if value >= 0.3 {
        ("moderate", Color32::from_rgb(200, 150, 40))
    } else {
        ("weak", Color32::from_gray(130))
    };
    egui::Frame::new()
        .fill(color.gamma_multiply(0.25))
        .stroke(egui::Stroke::new(1.0, color))
        .corner_radius(4.0)
        .inner_margin(egui::Margin::symmetric(6, 2))
        .show(ui, |ui| {
            ui.label(RichText::new(format!("{name} {value:.2} · {word}")).strong())
                .on_hover_text(tooltip);
        });
}

fn header_ui(ui: &mut Ui, view: &SeasonalityOutcome) {
    let s = &view.series;
    let unit = unit_name(s.frequency);
    ui.horizontal_wrapped(|ui| {
        ui.heading(format!(
            "{} · {}",
            capitalised(&view.label),
            view.data.label().to_lowercase()
        ));
        let span = match (&s.timestamps, s.len()) {
            (Some(t), n) if n > 0 => format!(
                "{n} {unit} from {} to {} (by {})",
                format_micros(t[0]),
                format_micros(t[n - 1]),
                view.time.as_deref().unwrap_or("time")
            ),
            (_, n) => format!("{n} rows in file order"),
        };
        ui.weak(span);
    });
    ui.horizontal_wrapped(|ui| {
        if !s.filled.is_empty() {
            ui.weak(format!("{} filled by interpolation", s.filled.len()))
                .on_hover_text("Periods without a value, filled linearly between their neighbours; drawn in grey. They are decomposed but carry no evidence: period detection, strengths and anomaly scores use the observed periods only");
        }
        if s.missing_values > 0 {
            ui.weak(format!("{} rows without a value excluded", s.missing_values));
        }
        if s.missing_times > 0 {
            ui.weak(format!("{} rows without a timestamp excluded", s.missing_times));
        }
    });
    match &view.report {
        Ok(r) => {
            ui.horizontal_wrapped(|ui| {
                for (p, f) in r.periods.iter().zip(&r.strength.seasonal) {
                    strength_badge(
                        ui,
                        &format!("Seasonal strength (period {p})"),
                        *f,
                        "F_s = max(0, 1 - Var(R) / Var(S + R)) (Wang, Smith & Hyndman 2006): how much of the detrended variation the season explains. >= 0.6 strong, 0.3-0.6 moderate",
                    );
                }
                strength_badge(
                    ui,
                    "Trend strength",
                    r.strength.trend,
                    "F_t = max(0, 1 - Var(R) / Var(T + R)) (Wang, Smith & Hyndman 2006)",
                );
                let n = r.anomalies.anomalies.len();
                ui.label(
                    RichText::new(format!(
                        "{n} {} (|z| > {})",
                        if n == 1 { "anomaly" } else { "anomalies" },
                        fmt_num(r.anomalies.threshold)
                    ))
                    .color(if n > 0 { ANOMALY_COLOR } else { ui.visuals().weak_text_color() }),
                );
            });
            ui.horizontal_wrapped(|ui| {
                ui.weak(format!(
                    "{} · window {} · trend {} · low-pass {}{}",
                    match r.method {
                        Method::Stl => "STL",
                        Method::Mstl => "MSTL",
                    },
                    r.windows
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("/"),
                    r.config.trend,
                    r.config.low_pass,
                    if r.config.robust { " · robust" } else { "" }
                ));
            });
        }
        Err(e) => {
            ui.colored_label(ui.visuals().warn_fg_color, capitalised(e));
        }
    }
    if let Some(Ok(c)) = &view.comparison {
        ui.horizontal_wrapped(|ui| {
            ui.label(format!("Production vs training (period {}):", c.period));
            for (name, v) in [("naive", &c.naive), ("season-aware", &c.season_aware)] {
                let (word, color) = if v.shifted {
                    ("shift", ANOMALY_COLOR)
                } else {
                    ("no shift", Color32::from_rgb(60, 160, 90))
                };
                ui.label(name);
                ui.label(RichText::new(word).strong().color(color));
                ui.weak(match v.relative_difference {
                    Some(r) => format!("{:+.1} %", r * 100.0),
                    None => format!("{:+}", fmt_num(v.difference)),
                });
            }
            ui.weak("(details below)");
        });
    }
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// Grid marks on calendar boundaries (days since the epoch on the x axis): minutes, hours,
/// days, Mondays, first days of months, quarters and years, placed by `format::ticks` as in
/// the report's charts.
pub(crate) fn date_grid(input: GridInput) -> Vec<GridMark> {
    let (lo, hi) = input.bounds;
    let first = DAY_STEPS
        .iter()
        .position(|s| *s >= input.base_step_size)
        .unwrap_or(DAY_STEPS.len() - 1);
    DAY_STEPS
        .iter()
        .skip(first)
        .take(3)
        .flat_map(|&step| {
            calendar_ticks(lo, hi, step)
                .into_iter()
                .map(move |value| GridMark {
                    value,
                    step_size: step,
                })
        })
        .collect()
}

/// A y grid in steps of 1, 2, 5 × 10^k, so that short plots still get a few labelled lines
/// (egui_plot's default powers of ten often leave none).
pub(crate) fn nice_y_grid(input: GridInput) -> Vec<GridMark> {
    let s1 = nice_step(input.base_step_size);
    let s2 = nice_step(s1 * 1.5);
    let s3 = nice_step(s2 * 1.5);
    (egui_plot::uniform_grid_spacer(move |_| [s1, s2, s3]))(input)
}

/// A date label for a grid mark, as precise as its step.
pub(crate) fn date_label(mark: GridMark) -> String {
    ticks::date_label(mark.value, mark.step_size)
}

fn base_plot<'a>(id: &str, view: &SeasonalityOutcome, height: f32, title: &str) -> Plot<'a> {
    let plot = Plot::new(("seasonality", id))
        .height(height)
        .link_axis(egui::Id::unique(PLOT_GROUP), [true, false])
        .link_cursor(egui::Id::unique(PLOT_GROUP), [true, false])
        .y_axis_min_width(64.0)
        .y_grid_spacer(nice_y_grid)
        .y_axis_label(title)
        .allow_scroll(false);
    if view.series.timestamps.is_some() {
        plot.x_grid_spacer(date_grid)
            .x_axis_formatter(|mark, _| date_label(mark))
            .label_formatter(|pos| {
                let p = match pos {
                    egui_plot::HoverPosition::NearDataPoint { position, .. } => position,
                    egui_plot::HoverPosition::Elsewhere { position } => position,
                };
                let micros = (p.x * MICROS_PER_DAY as f64).round() as i64;
                Some(format!("{}\n{}", format_micros(micros), fmt_num(p.y)))
            })
    } else {
        plot
    }
}

fn line_of(name: &str, x: &[f64], y: &[f64], idx: impl Iterator<Item = usize>) -> Line<'static> {
    let pts: PlotPoints<'static> = idx.map(|i| [x[i], y[i]]).collect();
    Line::new(name.to_string(), pts)
}

fn plots_ui(ui: &mut Ui, view: &SeasonalityOutcome) {
    let report = view.report.as_ref().ok();
    let n_plots = 2 + report.map_or(0, |r| r.seasonal.len() + 1);
    let height = ((ui.available_height() - 10.0) / n_plots as f32).clamp(120.0, 220.0);
    let x = &view.x;
    let s = &view.series;
    let side_colors = match view.data {
        DataChoice::Reference => [side_color(Side::Reference); 2],
        DataChoice::Current => [side_color(Side::Current); 2],
        DataChoice::Both => [side_color(Side::Reference), side_color(Side::Current)],
    };
    let observed = base_plot("observed", view, height, "observed")
        .legend(
            Legend::default()
                .position(egui_plot::Corner::LeftTop)
                .text_style(egui::TextStyle::Small)
                .background_alpha(0.6)
                .follow_insertion_order(true),
        )
        .show(ui, |plot_ui| {
            let y = &s.values;
            // Each run of filled points, with its observed neighbours, as a thin grey line.
            for run in s.filled.chunk_by(|a, b| b == &(a + 1)) {
                let (first, last) = (run[0], run[run.len() - 1]);
                let range = first.saturating_sub(1)..(last + 2).min(y.len());
                plot_ui.line(
                    line_of("filled", x, y, range)
                        .color(FILLED_COLOR)
                        .width(1.0),
                );
            }
            for (segment, color) in side_colors.iter().enumerate() {
                let name = match view.data {
                    DataChoice::Both => [Side::Reference, Side::Current][segment].short(),
                    _ if segment == 0 => "observed",
                    _ => continue,
                };
                // One line per run of consecutive points from this segment.
                let mut start = None;
                let mut runs = Vec::new();
                for i in 0..=y.len() {
                    let inside = i < y.len()
                        && !s.is_filled(i)
                        && s.segment[i]
                            .is_some_and(|k| k == segment || view.data != DataChoice::Both);
                    match (inside, start) {
                        (true, None) => start = Some(i),
                        (false, Some(a)) => {
                            runs.push(a..i);
                            start = None;
                        }
                        _ => {}
                    }
                }
                for run in runs {
                    plot_ui.line(line_of(name, x, y, run).color(*color).width(1.5));
                }
            }
            if let Some(r) = report {
                plot_ui.line(
                    line_of("trend", x, &r.trend, 0..r.trend.len())
                        .color(Color32::from_gray(110))
                        .width(1.0),
                );
            }
            // Rings on filled points while they are few enough to tell apart.
            if !s.filled.is_empty() && s.filled.len() <= 150 {
                let pts: PlotPoints<'static> = s.filled.iter().map(|&i| [x[i], y[i]]).collect();
                plot_ui.points(
                    Points::new("filled", pts)
                        .shape(MarkerShape::Circle)
                        .filled(false)
                        .radius(2.5)
                        .color(FILLED_COLOR),
                );
            }
            if let Some(r) = report
                && !r.anomalies.anomalies.is_empty()
            {
                let pts: PlotPoints<'static> = r
                    .anomalies
                    .anomalies
                    .iter()
                    .map(|a| [x[a.index], y[a.index]])
                    .collect();
                plot_ui.points(
                    Points::new("anomaly", pts)
                        .shape(MarkerShape::Diamond)
                        .radius(4.5)
                        .color(ANOMALY_COLOR),
                );
            }
        });
    describe(&observed.response, format!("Observed {} plot", view.label));
    let Some(r) = report else {
        return;
    };
    let trend = base_plot("trend", view, height, "trend").show(ui, |plot_ui| {
        plot_ui.line(
            line_of("trend", x, &r.trend, 0..r.trend.len())
                .color(Color32::from_rgb(90, 170, 120))
                .width(1.5),
        );
    });
    describe(&trend.response, "Trend plot".into());
    for (k, (p, comp)) in r.periods.iter().zip(&r.seasonal).enumerate() {
        let seasonal = base_plot(
            &format!("seasonal_{k}"),
            view,
            height,
            &format!("seasonal {p}"),
        )
        .show(ui, |plot_ui| {
            plot_ui.line(
                line_of(&format!("seasonal (period {p})"), x, comp, 0..comp.len())
                    .color(Color32::from_rgb(160, 110, 200))
                    .width(1.2),
            );
        });
        describe(
            &seasonal.response,
            format!("Seasonal component plot, period {p}"),
        );
    }
    let remainder = base_plot("remainder", view, height, "remainder").show(ui, |plot_ui| {
        let rem = &r.remainder;
        let pts: PlotPoints<'static> = (0..rem.len())
            .filter(|&i| !s.is_filled(i))
            .map(|i| [x[i], rem[i]])
            .collect();
        plot_ui.points(
            Points::new("remainder", pts)
                .radius(1.5)
                .color(Color32::from_gray(140)),
        );
        let a = &r.anomalies;
        if a.dispersion > 0.0 {
            // |z| = threshold in the remainder's units.
            let factor = match a.scale {
                crate::analysis::seasonality::anomalies::Scale::Mad => a.dispersion / 0.6745,
                _ => a.dispersion * 1.253314,
            };
            for sign in [-1.0, 1.0] {
                plot_ui.hline(
                    HLine::new("threshold", a.median + sign * a.threshold * factor)
                        .color(ANOMALY_COLOR.gamma_multiply(0.6))
                        .style(LineStyle::dashed_loose()),
                );
            }
        }
        if !a.anomalies.is_empty() {
            let pts: PlotPoints<'static> = a
                .anomalies
                .iter()
                .map(|an| [x[an.index], an.value])
                .collect();
            plot_ui.points(
                Points::new("anomaly", pts)
                    .shape(MarkerShape::Diamond)
                    .radius(4.5)
                    .color(ANOMALY_COLOR),
            );
        }
    });
    describe(&remainder.response, "Remainder plot".into());
}

/// Gives a plot an accessible name (screen readers, UI tests).
fn describe(response: &egui::Response, label: String) {
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Figure, true, &label));
}

fn verdict_cells(ui: &mut Ui, v: &Verdict) {
    ui.vertical(|ui| {
        let (text, color) = if v.shifted {
            ("Shift", ANOMALY_COLOR)
        } else {
            ("No shift", Color32::from_rgb(60, 160, 90))
        };
        ui.label(RichText::new(text).strong().color(color));
        ui.label(format!(
            "{} to {}",
            fmt_num(v.reference_mean),
            fmt_num(v.current_mean)
        ));
        ui.label(match v.relative_difference {
            Some(r) => format!("{:+} ({:+.1} %)", fmt_num(v.difference), r * 100.0),
            None => format!("{:+}", fmt_num(v.difference)),
        });
        ui.weak(format!(
            "p = {:.2e} (n = {} vs {})",
            v.p_value, v.reference_n, v.current_n
        ));
    });
}

fn comparison_ui(ui: &mut Ui, view: &SeasonalityOutcome, c: &Result<SeasonAwareReport, String>) {
    ui.heading("Production vs training, season by season");
    let c = match c {
        Ok(c) => c,
        Err(e) => {
            ui.colored_label(ui.visuals().error_fg_color, format!("No comparison: {e}"));
            return;
        }
    };
    let frequency = view.series.frequency;
    let what = match frequency
        .and_then(|f| f.season_label(c.period, 0))
        .is_some()
    {
        true => match (frequency, c.period) {
            (Some(SamplingFrequency::Day), 7) => "the same weekdays".to_string(),
            (Some(SamplingFrequency::Hour), 24) => "the same hours of the day".into(),
            (Some(SamplingFrequency::Hour), 168) => "the same hours of the week".into(),
            (Some(SamplingFrequency::Month), 12) => "the same months".into(),
            (Some(SamplingFrequency::Week), 52) => "the same weeks of the year".into(),
            _ => format!("the same position in a {}-period cycle", c.period),
        },
        false => format!("the same position in a {}-period cycle", c.period),
    };
    ui.weak(format!(
        "Naive: every production period against the training mean. Season-aware: production against {what} of training (deseasonalised values, x - (m_s - mean)). Welch's t-test, alpha {}.",
        c.alpha
    ));
    ui.horizontal_top(|ui| {
        egui::Grid::new("season_verdicts")
            .num_columns(2)
            .min_col_width(170.0)
            .spacing([24.0, 4.0])
            .show(ui, |ui| {
                ui.strong("Naive verdict")
                    .on_hover_text("Raw production values against raw training values: a seasonal rise counts as a shift");
                ui.strong("Season-aware verdict").on_hover_text(
                    "Only what training's season does not explain counts as a shift",
                );
                ui.end_row();
                verdict_cells(ui, &c.naive);
                verdict_cells(ui, &c.season_aware);
                ui.end_row();
            });
        ui.separator();
        season_chart(ui, c, frequency);
    });
    if c.comparison.unmatched > 0 {
        ui.weak(format!(
            "{} production periods fall in seasons training never saw and are left out of the season-aware verdict",
            c.comparison.unmatched
        ));
    }
}

/// Mean per season, training next to production.
fn season_chart(ui: &mut Ui, c: &SeasonAwareReport, frequency: Option<SamplingFrequency>) {
    let period = c.period;
    // Show seasons in calendar order (Monday first for weekdays).
    let order: Vec<usize> = match (frequency, period) {
        (Some(SamplingFrequency::Day), 7) => (0..7).map(|k| (k + 4) % 7).collect(),
        _ => (0..period).collect(),
    };
    let labels: Vec<String> = order
        .iter()
        .map(|&s| {
            frequency
                .and_then(|f| f.season_label(period, s))
                .unwrap_or_else(|| s.to_string())
        })
        .collect();
    let width = ui.available_width().clamp(240.0, 720.0);
    let labels_for_axis = labels.clone();
    ui.vertical(|ui| {
        // A key above the chart instead of a legend, which would cover points.
        ui.horizontal(|ui| {
            ui.weak("Mean per season:");
            for side in Side::BOTH {
                swatch(ui, side_color(side));
                ui.label(side.short());
            }
        });
        Plot::new("season_means")
            .height(170.0)
            .y_axis_min_width(56.0)
            .y_grid_spacer(nice_y_grid)
            .width(width)
            .allow_scroll(false)
            .allow_drag(false)
            .allow_zoom(false)
            .y_axis_label("mean per season")
            .x_axis_formatter(move |mark, _| {
                let i = mark.value.round();
                if (mark.value - i).abs() < 1e-6 && i >= 0.0 {
                    labels_for_axis.get(i as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .x_grid_spacer(|input| {
                let (lo, hi) = input.bounds;
                let step = (input.base_step_size * 4.0).max(1.0).ceil();
                let mut v = (lo / step).ceil().max(0.0) * step;
                let mut marks = Vec::new();
                while v <= hi && marks.len() < 400 {
                    marks.push(GridMark {
                        value: v,
                        step_size: step,
                    });
                    v += step;
                }
                marks
            })
            .show(ui, |plot_ui| {
                for (side, means) in [
                    (Side::Reference, &c.comparison.profile.season_means),
                    (Side::Current, &c.current_season_means),
                ] {
                    let pts: Vec<[f64; 2]> = order
                        .iter()
                        .enumerate()
                        .filter_map(|(i, &s)| means[s].map(|m| [i as f64, m]))
                        .collect();
                    let color = side_color(side);
                    plot_ui.line(
                        Line::new(side.short(), PlotPoints::from(pts.clone()))
                            .color(color)
                            .width(1.5),
                    );
                    plot_ui.points(
                        Points::new(side.short(), PlotPoints::from(pts))
                            .color(color)
                            .radius(3.0),
                    );
                }
            });
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::ticks::MONTH_DAYS;
    use crate::vocab::time::days_from_civil;

    #[test]
    fn nice_steps_and_date_labels() {
        assert_eq!(nice_step(0.7), 1.0);
        assert_eq!(nice_step(1.0), 1.0);
        assert_eq!(nice_step(1.2), 2.0);
        assert_eq!(nice_step(3.0), 5.0);
        assert_eq!(nice_step(730.0), 1000.0);
        let day = |y, m, d| days_from_civil(y, m, d) as f64;
        let mark = |value, step_size| GridMark { value, step_size };
        assert_eq!(date_label(mark(day(2024, 3, 1), MONTH_DAYS)), "2024-03");
        assert_eq!(date_label(mark(day(2024, 1, 1), 12.0 * MONTH_DAYS)), "2024");
        assert_eq!(date_label(mark(day(2024, 3, 4), 7.0)), "2024-03-04");
        assert_eq!(
            date_label(mark(day(2024, 3, 4) + 0.25, 0.25)),
            "03-04 06:00"
        );
        assert_eq!(date_label(mark(day(2024, 3, 4), 0.25)), "03-04 00:00");
        // Weekly marks fall on Mondays, monthly marks on the first of the month.
        let marks = date_grid(GridInput {
            bounds: (day(2024, 1, 1), day(2024, 12, 31)),
            base_step_size: 20.0,
        });
        assert!(
            marks
                .iter()
                .any(|m| m.value == day(2024, 4, 1) && m.step_size > 28.0)
        );
        let weeks = date_grid(GridInput {
            bounds: (day(2024, 3, 1), day(2024, 3, 31)),
            base_step_size: 5.0,
        });
        let monday = weeks.iter().find(|m| m.step_size == 7.0).expect("weekly");
        assert_eq!(
            crate::vocab::time::weekday_from_days(monday.value as i64),
            0
        );
    }
}

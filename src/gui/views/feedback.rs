//! The Health tab's Feedback section: is the model feeding on its own output? The verdict,
//! the score and the suspected feature over time (the feature shifted back by its lag, so the
//! two lines line up when one follows the other), the served against holdout drift timeline,
//! and the Granger table (best order per feature, holdout control, cross-correlation peak).
//! The pass runs off the UI thread ([`Computed`]) and only while the section is shown.

use egui::{Color32, RichText, Ui};
use egui_plot::{GridMark, HLine, Legend, Line, LineStyle, MarkerShape, Plot, PlotPoints, Points};

use crate::analysis::windows::WindowSpec;
use crate::engine::feedback::{FeedbackOutcome, FeedbackSettings, SERVED_NAMES, run};
use crate::engine::health::HealthSettings;
use crate::format::{fmt_num, fmt_p};
use crate::gui::computed::Computed;
use crate::gui::computed::key_of;
use crate::gui::tab::Tab;
use crate::gui::view_ctx::ViewCtx;
use crate::gui::widgets::{CURRENT_COLOR, REFERENCE_COLOR};
use crate::present::feedback::summaries;
use crate::vocab::time::MICROS_PER_DAY;
use crate::vocab::{Role, Side};

const LOOP_COLOR: Color32 = Color32::from_rgb(220, 50, 47);
const HOLDOUT_COLOR: Color32 = Color32::from_rgb(120, 160, 60);
const FEEDBACK_GROUP: &str = "feedback_x";

/// The production file's own timestamp when the column with the timestamp role is not in it
/// (a served log next to the training file, each with its own time column): its first
/// datetime column. `None` = the role's column applies.
pub fn current_time(
    roles: &crate::data::RoleMap,
    current: &crate::data::Dataset,
) -> Option<String> {
    let by_role = roles.column_with(Role::Timestamp);
    if by_role.is_some_and(|t| current.frame.column(t).is_ok()) {
        return None;
    }
    current
        .columns
        .iter()
        .find(|c| c.kind == crate::vocab::ColumnKind::Datetime)
        .map(|c| c.name.clone())
}

/// Start (or keep) the feedback pass for the current inputs; the Health tab calls it only while
/// its Feedback page is shown.
pub fn request(
    result: &mut Computed<FeedbackOutcome>,
    health: &mut HealthSettings,
    cx: &ViewCtx<'_>,
) {
    if cx.tab != Tab::Health {
        return;
    }
    let Some(current) = cx.datasets[Side::Current.index()].clone() else {
        return;
    };
    // Using the page stores its settings in the session, so that reports and checks run it.
    if health.feedback.is_none() {
        health.feedback = Some(FeedbackSettings::default());
    }
    let roles = cx.roles.clone();
    let role_list: Vec<(String, Role)> = roles.iter().map(|(c, r)| (c.to_string(), r)).collect();
    let mut settings = health.feedback.clone().unwrap_or_default();
    // The Health tab's own columns apply unless the section chose its own.
    if settings.score.is_none() {
        settings.score = health.prediction.clone();
    }
    if settings.time.is_none() {
        settings.time = health
            .time
            .clone()
            .or_else(|| current_time(&roles, &current));
    }
    let key = key_of(&(current.load_id, role_list, format!("{settings:?}")));
    result.request(
        key,
        "Looking for feedback loops",
        cx.waker(),
        move |progress| {
            let inputs = crate::engine::feedback::FeedbackInputs {
                data: &current,
                roles: &roles,
            };
            run(&inputs, &settings, progress).map_err(|e| e.to_string())
        },
    );
}

fn settings_mut(health: &mut HealthSettings) -> &mut FeedbackSettings {
    health.feedback.get_or_insert_with(Default::default)
}

fn controls_ui(st: &mut HealthSettings, cx: &ViewCtx<'_>, ui: &mut Ui) {
    let names: Vec<String> = cx
        .dataset(Side::Current)
        .map(|d| d.columns.iter().map(|c| c.name.clone()).collect())
        .unwrap_or_default();
    let current = st.feedback.clone().unwrap_or_default();
    ui.horizontal_wrapped(|ui| {
        let l = ui.label("Served flag");
        let by_name = names
            .iter()
            .find(|n| SERVED_NAMES.contains(&n.to_ascii_lowercase().as_str()));
        let text = match (&current.served, by_name) {
            (Some(c), _) => c.clone(),
            (None, Some(n)) => format!("{n} (by name)"),
            (None, None) => "none".into(),
        };
        egui::ComboBox::from_id_salt("feedback_served")
            .selected_text(text)
            .width(140.0)
            .show_ui(ui, |ui| {
                if ui.selectable_label(current.served.is_none(), "by name").clicked() {
                    settings_mut(st).served = None;
                }
                for n in &names {
                    if ui
                        .selectable_label(current.served.as_deref() == Some(n), n)
                        .clicked()
                    {
                        settings_mut(st).served = Some(n.clone());
                    }
                }
            })
            .response
            .labelled_by(l.id)
            .on_hover_text("Whether the model's decision was applied to the row (true, 1, served, treated) or not (false, 0, holdout, control); a column named like holdout is read inverted");
        ui.separator();
        let l = ui.label("Windows");
        egui::ComboBox::from_id_salt("feedback_windows")
            .selected_text(current.windows().to_string())
            .show_ui(ui, |ui| {
                for spec in [WindowSpec::Day, WindowSpec::Week, WindowSpec::Month] {
                    if ui
                        .selectable_label(current.windows() == spec, spec.to_string())
                        .clicked()
                    {
                        settings_mut(st).windows = Some(spec);
                    }
                }
            })
            .response
            .labelled_by(l.id);
        ui.separator();
        let l = ui.label("Max lag");
        let mut lag = current.max_lag();
        let r = ui
            .add(egui::DragValue::new(&mut lag).range(1..=30))
            .labelled_by(l.id)
            .on_hover_text("The Granger test's largest order and the cross-correlation's largest lag, in windows");
        // Applied when the drag ends, so a drag does not start a job per step.
        if !r.dragged() && lag != current.max_lag() {
            settings_mut(st).max_lag = Some(lag);
        }
    });
}

/// x of window `w` of the outcome: the middle of its day span (days since the epoch), or its
/// index.
fn window_xs(o: &FeedbackOutcome) -> Vec<f64> {
    let width = match o.spec {
        WindowSpec::Day => 1.0,
        WindowSpec::Week => 7.0,
        WindowSpec::Month => 30.0,
        WindowSpec::Chunks(_) => 0.0,
    };
    o.windows
        .iter()
        .enumerate()
        .map(|(i, w)| match (w.start, o.spec) {
            (Some(s), spec) if spec != WindowSpec::Chunks(0) && width > 0.0 => {
                s as f64 / MICROS_PER_DAY as f64 + width / 2.0
            }
            _ => i as f64,
        })
        .collect()
}

/// Standardised values (mean 0, sd 1 over the present values), so two series of different
/// units share an axis.
fn standardised(v: &[Option<f64>]) -> Vec<Option<f64>> {
    let present: Vec<f64> = v.iter().flatten().copied().collect();
    if present.len() < 2 {
        return vec![None; v.len()];
    }
    let n = present.len() as f64;
    let mean = present.iter().sum::<f64>() / n;
    let sd = (present.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    v.iter()
        .map(|x| x.map(|x| if sd > 0.0 { (x - mean) / sd } else { 0.0 }))
        .collect()
}

fn plot<'a>(id: &str, o: &FeedbackOutcome, height: f32, title: &str) -> Plot<'a> {
    let p = Plot::new(("feedback", id))
        .height(height)
        .link_axis(egui::Id::unique(FEEDBACK_GROUP), [true, false])
        .link_cursor(egui::Id::unique(FEEDBACK_GROUP), [true, false])
        .y_axis_min_width(56.0)
        .y_axis_label(title)
        .allow_scroll(false)
        .legend(
            Legend::default()
                .position(egui_plot::Corner::LeftTop)
                .text_style(egui::TextStyle::Small)
                .background_alpha(0.6),
        );
    if matches!(o.spec, WindowSpec::Chunks(_)) {
        p
    } else {
        p.x_grid_spacer(super::seasonality::date_grid)
            .x_axis_formatter(|mark: GridMark, _| super::seasonality::date_label(mark))
    }
}

/// The Feedback page: its controls, the verdict, the plots and the Granger table; `feature`
/// is the feature the plots show (`None` = the verdict's).
pub fn feedback_ui(
    result: &mut Computed<FeedbackOutcome>,
    feature: &mut Option<String>,
    health: &mut HealthSettings,
    cx: &ViewCtx<'_>,
    ui: &mut Ui,
) {
    controls_ui(health, cx, ui);
    ui.horizontal(|ui| {
        ui.strong("Is the model feeding on its own output?");
        result.status_ui(ui);
    });
    if let Some(e) = &result.error {
        ui.colored_label(ui.visuals().error_fg_color, e);
    }
    let Some(o) = result.value.clone() else {
        if !result.is_running() && result.error.is_none() {
            ui.weak("No result yet.");
        }
        return;
    };
    let running = result.is_running();
    ui.scope(|ui| {
        if running {
            ui.multiply_opacity(0.5);
        }
        let v = &o.report.verdict;
        let color = if v.found {
            LOOP_COLOR
        } else {
            ui.visuals().text_color()
        };
        ui.label(RichText::new(format!("Verdict: {}", v.sentence)).strong().color(color))
            .on_hover_text("Granger F-test (statsmodels' ssr F-test) of each feature's window mean (a category column's: the share of its most frequent category) on the score's lagged window means, orders 1 to the max lag, corrected across features and orders; the same test on the holdout is the control");
        for n in &o.notes {
            ui.colored_label(ui.visuals().warn_fg_color, n);
        }
        let suspect = feature
            .clone()
            .filter(|f| o.features.contains(f))
            .or_else(|| o.suspect().map(String::from));
        egui::ScrollArea::vertical()
            .id_salt("feedback_scroll")
            .auto_shrink([false, false])
            .show(ui, |ui| {
                if let Some(f) = &suspect {
                    plots_ui(ui, &o, f);
                }
                ui.add_space(6.0);
                if let Some(chosen) = table_ui(ui, &o, suspect.as_deref()) {
                    *feature = Some(chosen);
                }
            });
    });
}

fn plots_ui(ui: &mut Ui, o: &FeedbackOutcome, feature: &str) {
    let xs = window_xs(o);
    let lag = crate::present::feedback::best_order(&o.report.granger, feature, o.alpha)
        .map_or(0, |g| g.lag);
    let unit = o.spec.to_string();
    let score = o.means_of(&o.score);
    let feat = o.means_of(feature);
    // A feature that falls when the score rises is drawn upside down, so that following
    // reads as moving together.
    let negative = o
        .report
        .cross_correlation
        .iter()
        .any(|c| c.feature == feature && c.lag == lag && c.correlation < 0.0);
    let sign = if negative { -1.0 } else { 1.0 };
    let flipped = if negative { " (upside down)" } else { "" };
    // A category column is drawn as the series the tests read: its top category's share.
    let series = o
        .features
        .iter()
        .position(|f| f == feature)
        .and_then(|i| o.series.get(i))
        .filter(|s| s.as_str() != "mean")
        .map(|s| format!(" ({s})"))
        .unwrap_or_default();
    let line = |v: &[Option<f64>], shift: usize, sign: f64| -> PlotPoints<'static> {
        standardised(v)
            .iter()
            .enumerate()
            .filter(|(w, _)| *w >= shift)
            .filter_map(|(w, x)| x.map(|x| [xs[w - shift], sign * x]))
            .collect()
    };
    plot("lagged", o, 190.0, "standardised").show(ui, |p| {
        if let Some(s) = score {
            p.line(
                Line::new(format!("{} (served)", o.score), line(&s.served, 0, 1.0))
                    .color(CURRENT_COLOR)
                    .width(2.0),
            );
        }
        if let Some(f) = feat {
            p.line(
                Line::new(
                    format!("{feature}{series}{flipped} {lag} {unit}(s) later (served)"),
                    line(&f.served, lag, sign),
                )
                .color(LOOP_COLOR)
                .width(1.5),
            );
            if !f.holdout.is_empty() {
                p.line(
                    Line::new(
                        format!("{feature}{series}{flipped} {lag} {unit}(s) later (holdout)"),
                        line(&f.holdout, lag, sign),
                    )
                    .color(HOLDOUT_COLOR)
                    .style(LineStyle::dashed_dense()),
                );
            }
        }
    });
    ui.weak(format!(
        "The score and {feature} shifted back by {lag} {unit}(s){}: when the lines move together, {feature} follows the score.",
        if negative { ", upside down as it falls when the score rises" } else { "" }
    ));
    let rows: Vec<_> = o
        .served_vs_holdout
        .iter()
        .filter(|w| w.feature == feature)
        .collect();
    if rows.is_empty() {
        return;
    }
    let method = rows
        .iter()
        .find_map(|w| w.method)
        .map_or("drift", |m| m.name());
    ui.add_space(4.0);
    plot("served_holdout", o, 150.0, method).show(ui, |p| {
        let pts = |f: &dyn Fn(
            &crate::analysis::feedback::footprint::FootprintWindow,
        ) -> Option<f64>|
         -> PlotPoints<'static> {
            rows.iter()
                .filter_map(|w| f(w).map(|s| [xs[w.window], s]))
                .collect()
        };
        p.line(Line::new("served vs its baseline", pts(&|w| w.served_score)).color(CURRENT_COLOR));
        p.line(
            Line::new("holdout vs its baseline", pts(&|w| w.holdout_score))
                .color(HOLDOUT_COLOR)
                .style(LineStyle::dashed_dense()),
        );
        let footprint: PlotPoints<'static> = rows
            .iter()
            .filter(|w| w.footprint())
            .filter_map(|w| w.served_score.map(|s| [xs[w.window], s]))
            .collect();
        p.points(
            Points::new("footprint (served drifted, holdout not)", footprint)
                .color(LOOP_COLOR)
                .radius(3.5)
                .shape(MarkerShape::Diamond),
        );
        if let Some(t) = rows.iter().find_map(|w| w.threshold) {
            p.hline(
                HLine::new("threshold", t)
                    .color(REFERENCE_COLOR)
                    .style(LineStyle::dashed_loose()),
            );
        }
    });
    ui.weak(format!(
        "Served against holdout: {feature} in each window against the first {} window(s) of its own group ({method}, the drift tab's choice for the served rows).",
        o.baseline
    ));
}

/// The Granger table; returns a feature the user clicked.
fn table_ui(ui: &mut Ui, o: &FeedbackOutcome, shown: Option<&str>) -> Option<String> {
    let mut chosen = None;
    ui.strong("Granger tests per feature");
    egui::Grid::new("feedback_granger")
        .striped(true)
        .num_columns(8)
        .show(ui, |ui| {
            for h in [
                "feature",
                "best lag",
                "F",
                "p",
                "adjusted p",
                "holdout p",
                "ccf peak",
                "footprint windows",
            ] {
                ui.strong(h);
            }
            ui.end_row();
            for s in summaries(o) {
                if ui
                    .selectable_label(shown == Some(s.feature), s.feature)
                    .on_hover_text("Show this feature in the plots")
                    .clicked()
                {
                    chosen = Some(s.feature.to_string());
                }
                let dash = || "-".to_string();
                ui.label(s.best.map_or_else(dash, |b| b.lag.to_string()));
                ui.label(s.best.map_or_else(dash, |b| fmt_num(b.f_statistic)));
                ui.label(s.best.map_or_else(dash, |b| fmt_p(b.p_value)));
                let adj = s.best.map(|b| b.adjusted_p_value);
                let text = adj.map_or_else(dash, fmt_p);
                if adj.is_some_and(|p| p <= o.alpha) {
                    ui.label(RichText::new(text).color(LOOP_COLOR).strong());
                } else {
                    ui.label(text);
                }
                ui.label(s.holdout.map_or_else(dash, |h| fmt_p(h.adjusted_p_value)));
                ui.label(
                    s.ccf_peak
                        .map_or_else(dash, |(l, c)| format!("{} at lag {l}", fmt_num(c))),
                );
                ui.label(if o.served.is_some() {
                    format!("{} of {}", s.footprint_windows, s.tested_windows)
                } else {
                    dash()
                });
                ui.end_row();
            }
        });
    chosen
}

//! The Health tab: how the model's quality moves window by window. A metric timeline with
//! bootstrap intervals, the reference band, the label-free (CBPE) estimate, the floor, change
//! detector markers and fired alerts; label coverage bars; prediction and label drift; latency
//! percentiles when the data has such a column. All plots share the time axis and the cursor.

use std::sync::Arc;

use egui::{Color32, RichText, Ui};
use egui_plot::{
    Axis, Bar, BarChart, FilledArea, GridMark, HLine, Legend, Line, LineStyle, MarkerShape, Plot,
    PlotPoints, Points, Span, VLine,
};

use crate::analysis::alerts::AlertRule;
use crate::analysis::health::{HealthReport, Metric, Task};
use crate::analysis::windows::WindowSpec;
use crate::engine::feedback::FeedbackOutcome;
pub use crate::engine::health::HealthSettings;
use crate::engine::health::run as run_health;
use crate::format::fmt_num;
use crate::gui::computed::{Computed, key_of};
use crate::gui::tab::Tab;
use crate::gui::view_ctx::ViewCtx;
use crate::gui::widgets::{CURRENT_COLOR, REFERENCE_COLOR};
use crate::vocab::time::MICROS_PER_DAY;
use crate::vocab::{Role, Side};

/// Which part of the Health tab is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HealthPage {
    /// The metric, coverage and drift timelines.
    #[default]
    Timeline,
    /// The versions table (with a model version column).
    Versions,
    /// The feedback-loop checks (their pass runs only while this is shown).
    Feedback,
}

/// The Health tab's state on `App`.
#[derive(Default)]
pub struct HealthState {
    pub settings: HealthSettings,
    pub report: Computed<HealthReport>,
    pub page: HealthPage,
    /// The feedback-loop pass over the production data (the Feedback page).
    pub feedback: Computed<FeedbackOutcome>,
    /// The feature the Feedback page plots (`None` = the verdict's).
    pub feedback_feature: Option<String>,
    /// Text boxes being edited.
    pub rule_text: String,
    pub rule_error: Option<String>,
    pub floor_text: String,
    /// Why the typed floor was refused (the previous one stays in force).
    pub floor_error: Option<String>,
    /// The threshold while its slider is dragged (applied on release).
    pending_threshold: Option<f64>,
}

const PLOT_GROUP: &str = "health_x";
const ALERT_COLOR: Color32 = Color32::from_rgb(220, 50, 47);
const WARNING_COLOR: Color32 = Color32::from_rgb(200, 160, 30);
const ESTIMATE_COLOR: Color32 = Color32::from_rgb(150, 110, 200);

impl HealthState {
    /// Start (or keep) the computation for the current inputs, only while the tab is shown,
    /// and collect its result (from `App::logic`).
    pub fn update(&mut self, cx: &ViewCtx<'_>) {
        request(self, cx);
        self.report.poll();
        if self.page == HealthPage::Feedback {
            super::feedback::request(&mut self.feedback, &mut self.settings, cx);
        }
        self.feedback.poll();
    }
}

fn request(st: &mut HealthState, cx: &ViewCtx<'_>) {
    if cx.tab != Tab::Health {
        return;
    }
    let (Some(reference), Some(current)) = (
        cx.datasets[Side::Reference.index()].clone(),
        cx.datasets[Side::Current.index()].clone(),
    ) else {
        return;
    };
    let roles = cx.roles.clone();
    let role_list: Vec<(String, Role)> = roles.iter().map(|(c, r)| (c.to_string(), r)).collect();
    let mut settings = st.settings.clone();
    // The versions table follows the model_version role unless a column was chosen.
    if settings.version.is_none() {
        settings.version = roles
            .column_with(Role::ModelVersion)
            .filter(|c| current.frame.column(c).is_ok())
            .map(String::from);
    }
    if settings.time.is_none() {
        settings.time = super::feedback::current_time(&roles, &current);
    }
    // The feedback settings do not change the health pass.
    settings.feedback = None;
    let renames = cx.renames.pairs().to_vec();
    let key = key_of(&(
        reference.load_id,
        current.load_id,
        role_list,
        &renames,
        format!("{settings:?}"),
    ));
    let waker = cx.waker();
    st.report
        .request(key, "Measuring model health", waker, move |progress| {
            let renames = crate::vocab::Renames::from(renames);
            let inputs = crate::engine::health::HealthInputs {
                reference: &reference,
                current: &current,
                roles: &roles,
                renames: &renames,
                drift: None,
            };
            run_health(&inputs, &settings, progress).map_err(|e| e.to_string())
        });
}

pub fn health_ui(st: &mut HealthState, cx: &mut ViewCtx<'_>, ui: &mut Ui) {
    let both = cx.dataset(Side::Reference).is_some() && cx.dataset(Side::Current).is_some();
    // The feedback checks read the production (served) data alone.
    let feedback_only = st.page == HealthPage::Feedback && cx.dataset(Side::Current).is_some();
    if !both && !feedback_only {
        ui.vertical_centered(|ui| {
            ui.add_space(80.0);
            ui.heading("Health needs both files");
            ui.label("Open a training file and a production file with a target and a prediction column to see how the model's quality moves over time.");
            if cx.dataset(Side::Current).is_some()
                && ui
                    .button("Feedback loops")
                    .on_hover_text("Look for feedback loops in the production file alone")
                    .clicked()
            {
                st.page = HealthPage::Feedback;
            }
        });
        return;
    }
    if both {
        egui::Panel::left("health_controls")
            .resizable(true)
            .default_size(250.0)
            .show(ui, |ui| {
                egui::ScrollArea::vertical()
                    .id_salt("health_controls_scroll")
                    .auto_shrink([false, false])
                    .show(ui, |ui| controls_ui(st, cx, ui));
            });
    }
    egui::CentralPanel::default().show(ui, |ui| {
        ui.horizontal(|ui| {
            for (page, name) in [
                (HealthPage::Timeline, "Timeline"),
                (HealthPage::Versions, "Model versions"),
                (HealthPage::Feedback, "Feedback loops"),
            ] {
                if ui.selectable_label(st.page == page, name).clicked() {
                    st.page = page;
                }
            }
        });
        ui.separator();
        match st.page {
            HealthPage::Timeline | HealthPage::Versions if both => results_ui(st, ui),
            HealthPage::Timeline | HealthPage::Versions => {
                ui.label("The timeline and the versions table need a training file too.");
            }
            HealthPage::Feedback => super::feedback::feedback_ui(
                &mut st.feedback,
                &mut st.feedback_feature,
                &mut st.settings,
                cx,
                ui,
            ),
        }
    });
}

fn column_combo(
    ui: &mut Ui,
    label: &str,
    choice: &mut Option<String>,
    by_role: Option<&str>,
    names: &[String],
) -> bool {
    let mut changed = false;
    ui.horizontal(|ui| {
        let l = ui.label(label);
        let text = match (choice.as_deref(), by_role) {
            (Some(c), _) => c.to_string(),
            (None, Some(r)) => format!("{r} (by role)"),
            (None, None) => "none".to_string(),
        };
        egui::ComboBox::from_id_salt(("health_column", label))
            .selected_text(text)
            .width(150.0)
            .show_ui(ui, |ui| {
                changed |= ui.selectable_value(choice, None, "by role").changed();
                for n in names {
                    changed |= ui
                        .selectable_value(choice, Some(n.clone()), n.as_str())
                        .changed();
                }
            })
            .response
            .labelled_by(l.id);
    });
    changed
}

fn controls_ui(st: &mut HealthState, cx: &mut ViewCtx<'_>, ui: &mut Ui) {
    let names = cx.all_columns();
    let roles = cx.roles.clone();
    let task = st.report.value.as_ref().map(|r| r.task);
    let s = &mut st.settings;
    ui.strong("Columns");
    column_combo(
        ui,
        "Target",
        &mut s.target,
        roles.column_with(Role::Target),
        &names,
    );
    column_combo(
        ui,
        "Prediction",
        &mut s.prediction,
        roles.column_with(Role::Prediction),
        &names,
    );
    column_combo(
        ui,
        "Time",
        &mut s.time,
        roles.column_with(Role::Timestamp),
        &names,
    );
    column_combo(
        ui,
        "Version",
        &mut s.version,
        roles.column_with(Role::ModelVersion),
        &names,
    );
    ui.separator();
    ui.strong("Windows and metric");
    ui.horizontal(|ui| {
        let l = ui.label("Windows");
        let current = s.windows();
        egui::ComboBox::from_id_salt("health_windows")
            .selected_text(window_name(current))
            .show_ui(ui, |ui| {
                for spec in [
                    WindowSpec::Day,
                    WindowSpec::Week,
                    WindowSpec::Month,
                    WindowSpec::Chunks(10),
                ] {
                    if ui
                        .selectable_label(current == spec, window_name(spec))
                        .clicked()
                    {
                        s.windows = Some(spec);
                    }
                }
            })
            .response
            .labelled_by(l.id);
    });
    let metrics: &[Metric] = Metric::of_task(task.unwrap_or_default());
    let shown = s
        .metric
        .filter(|m| Some(m.task()) == task || task.is_none())
        .unwrap_or(match task {
            Some(Task::Regression) => Metric::Mae,
            _ => Metric::RocAuc,
        });
    ui.horizontal(|ui| {
        let l = ui.label("Metric");
        egui::ComboBox::from_id_salt("health_metric")
            .selected_text(shown.title())
            .show_ui(ui, |ui| {
                for &m in metrics {
                    if ui.selectable_label(shown == m, m.title()).clicked() {
                        s.metric = Some(m);
                    }
                }
            })
            .response
            .labelled_by(l.id)
            .on_hover_text("The metric drawn, and the one whose trend is projected");
    });
    if task != Some(Task::Regression) {
        ui.horizontal(|ui| {
            let l = ui.label("Threshold");
            let mut t = st.pending_threshold.unwrap_or(s.threshold());
            let r = ui
                .add(egui::Slider::new(&mut t, 0.01..=0.99).step_by(0.01))
                .labelled_by(l.id)
                .on_hover_text(
                    "A score at or above this predicts class 1 (accuracy, precision, recall, F1)",
                );
            if r.dragged() || r.changed() {
                st.pending_threshold = Some(t);
            }
            // A job starts when the slider is released, not on every step of a drag.
            if !r.dragged()
                && let Some(p) = st.pending_threshold.take()
            {
                s.threshold = Some(p);
            }
        });
    }
    ui.horizontal(|ui| {
        let l = ui.label("Floor");
        let r = ui
            .add(
                egui::TextEdit::singleline(&mut st.floor_text)
                    .desired_width(70.0)
                    .hint_text("e.g. 0.75"),
            )
            .labelled_by(l.id)
            .on_hover_text("Project when the metric's trend crosses this value (a ceiling for error metrics); empty for none");
        if r.lost_focus() {
            let t = st.floor_text.trim();
            if t.is_empty() {
                s.floor = None;
                st.floor_error = None;
            } else {
                match crate::engine::ranges::HEALTH_FLOOR.parse(t) {
                    Ok(f) => {
                        s.floor = Some(f);
                        st.floor_error = None;
                        st.floor_text = f.to_string();
                    }
                    Err(e) => st.floor_error = Some(super::capitalised(&e.to_string())),
                }
            }
        }
        super::range_error_ui(ui, st.floor_error.as_deref());
    });
    let mut fd = s.feature_drift();
    if ui
        .checkbox(&mut fd, "Feature drift per window")
        .on_hover_text("Score every feature in every window: drift share for rules, and which features drifted when the metric fell")
        .changed()
    {
        s.feature_drift = Some(fd);
    }
    ui.separator();
    ui.strong("Alert rules");
    let mut remove = None;
    for (i, rule) in s.rules.iter().enumerate() {
        ui.horizontal(|ui| {
            ui.monospace(rule.to_string());
            if ui
                .small_button("×")
                .on_hover_text("Remove this rule")
                .clicked()
            {
                remove = Some(i);
            }
        });
    }
    if let Some(i) = remove {
        s.rules.remove(i);
    }
    ui.horizontal(|ui| {
        let l = ui.label("Rule");
        let r = ui
            .add(
                egui::TextEdit::singleline(&mut st.rule_text)
                    .desired_width(150.0)
                    .hint_text("roc_auc < 0.8 for 2"),
            )
            .labelled_by(l.id)
            .on_hover_text("VALUE OP NUMBER [for N]: a metric, estimated_accuracy, label_coverage, prediction_drift, drift_share, null_rate:COL, p95:COL …");
        let enter = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        if (ui.button("Add").clicked() || enter) && !st.rule_text.trim().is_empty() {
            // The rule's threshold within its range too, as `sextant health --rule` checks it.
            let parsed = st.rule_text.parse::<AlertRule>().and_then(|rule| {
                crate::engine::ranges::ALERT_THRESHOLD
                    .check(rule.threshold)
                    .map(|_| rule)
                    .map_err(|e| super::capitalised(&e.to_string()))
            });
            match parsed {
                Ok(rule) => {
                    s.rules.push(rule);
                    st.rule_text.clear();
                    st.rule_error = None;
                }
                Err(e) => st.rule_error = Some(e),
            }
        }
    });
    if let Some(e) = &st.rule_error {
        ui.colored_label(ui.visuals().error_fg_color, e);
    }
}

fn window_name(spec: WindowSpec) -> String {
    match spec {
        WindowSpec::Day => "days".into(),
        WindowSpec::Week => "weeks".into(),
        WindowSpec::Month => "months".into(),
        WindowSpec::Chunks(n) => format!("{n} chunks"),
    }
}

/// x of each window: its start in days since the epoch, or its index for chunks; and the
/// width of a bar.
fn window_x(report: &HealthReport) -> (Vec<f64>, f64) {
    let by_time = !matches!(report.spec, WindowSpec::Chunks(_))
        && report.windows.iter().all(|w| w.window.start.is_some());
    if by_time {
        let day = MICROS_PER_DAY as f64;
        let xs = report
            .windows
            .iter()
            .map(|w| {
                let (s, e) = (w.window.start.unwrap_or(0), w.window.end.unwrap_or(0));
                (s as f64 + (e - s) as f64 / 2.0) / day
            })
            .collect();
        let width = match report.spec {
            WindowSpec::Day => 1.0,
            WindowSpec::Week => 7.0,
            _ => 30.0,
        };
        (xs, width * 0.8)
    } else {
        ((0..report.windows.len()).map(|i| i as f64).collect(), 0.8)
    }
}

fn by_time(report: &HealthReport) -> bool {
    !matches!(report.spec, WindowSpec::Chunks(_))
}

/// The window nearest to plot x.
fn nearest_window(xs: &[f64], x: f64) -> Option<usize> {
    xs.iter()
        .enumerate()
        .min_by(|a, b| (a.1 - x).abs().total_cmp(&(b.1 - x).abs()))
        .map(|(i, _)| i)
}

/// Hover text of window `w`: its label and every number the plots draw for it.
fn hover_text(r: &HealthReport, metric: Metric, w: usize) -> String {
    let win = &r.windows[w];
    let mut lines = vec![format!(
        "{} · {} rows, {} labelled",
        win.window.label, win.window.rows, win.labelled
    )];
    match win.metrics.get(&metric) {
        Some(v) => {
            let iv = win
                .intervals
                .get(&metric)
                .map(|iv| format!(" (95% {} to {})", fmt_num(iv[0]), fmt_num(iv[1])))
                .unwrap_or_default();
            lines.push(format!("{} {}{iv}", metric.title(), fmt_num(*v)));
        }
        None => lines.push(format!("{}: no labels", metric.title())),
    }
    if let Some(e) = win.estimated.get(&metric) {
        lines.push(format!("estimated (CBPE) {}", fmt_num(*e)));
    }
    if let Some(d) = &win.prediction_drift {
        lines.push(format!(
            "prediction drift {} {}{}",
            d.method,
            fmt_num(d.score),
            if d.drifted { " · drifted" } else { "" }
        ));
    }
    for a in &r.alerts {
        if a.windows.contains(&w) {
            lines.push(format!("ALERT {}", a.text));
        }
    }
    for d in &r.detectors {
        if d.drift_windows.contains(&w) {
            lines.push(format!("{} drift", d.name));
        }
    }
    lines.join("\n")
}

fn base_plot<'a>(
    id: &str,
    report: &Arc<HealthReport>,
    xs: Vec<f64>,
    metric: Metric,
    height: f32,
    title: &str,
) -> Plot<'a> {
    let time = by_time(report);
    // The hover text reads the report: share it, do not copy it every frame.
    let report = Arc::clone(report);
    let plot = Plot::new(("health", id))
        .height(height)
        .link_axis(egui::Id::unique(PLOT_GROUP), [true, false])
        .link_cursor(egui::Id::unique(PLOT_GROUP), [true, false])
        .y_axis_min_width(56.0)
        .y_grid_spacer(super::seasonality::nice_y_grid)
        .y_axis_label(title)
        .y_axis_formatter(|mark: GridMark, _| {
            // As many decimals as the step needs, so 0.78 and 0.8 are not both "0.8".
            let decimals = (-mark.step_size.log10().floor()).clamp(0.0, 6.0) as usize;
            format!("{:.*}", decimals, mark.value)
        })
        .allow_scroll(false);
    let plot = if time {
        plot.x_grid_spacer(super::seasonality::date_grid)
            .x_axis_formatter(|mark: GridMark, _| super::seasonality::date_label(mark))
    } else {
        plot.x_axis_formatter(|mark: GridMark, _| {
            format!("chunk {}", mark.value.round() as i64 + 1)
        })
    };
    plot.label_formatter(move |pos| {
        let p = match pos {
            egui_plot::HoverPosition::NearDataPoint { position, .. } => position,
            egui_plot::HoverPosition::Elsewhere { position } => position,
        };
        nearest_window(&xs, p.x).map(|w| hover_text(&report, metric, w))
    })
}

fn results_ui(st: &mut HealthState, ui: &mut Ui) {
    ui.horizontal(|ui| {
        ui.heading("Is the model still good?");
        st.report.status_ui(ui);
    });
    if let Some(e) = &st.report.error {
        ui.colored_label(ui.visuals().error_fg_color, e);
    }
    let Some(report) = st.report.value.clone() else {
        if !st.report.is_running() && st.report.error.is_none() {
            ui.weak("No result yet.");
        }
        return;
    };
    let running = st.report.is_running();
    let metric = st
        .settings
        .metric
        .filter(|m| m.task() == report.task)
        .unwrap_or(report.default_metric());
    let page = st.page;
    let ui_scope = |ui: &mut Ui| {
        if running {
            // The previous result, dimmed, while the new one is computed.
            ui.multiply_opacity(0.5);
        }
        if page == HealthPage::Versions {
            versions_ui(ui, &report, metric);
            if report.versions.is_some() {
                ui.add_space(6.0);
                version_plot_ui(ui, &report, metric);
            }
            return;
        }
        summary_ui(ui, &report, metric);
        egui::ScrollArea::vertical()
            .id_salt("health_plots")
            .auto_shrink([false, false])
            .show(ui, |ui| plots_ui(ui, &report, metric));
    };
    ui.scope(|ui| ui_scope(ui));
}

fn summary_ui(ui: &mut Ui, r: &HealthReport, metric: Metric) {
    let reference = r
        .reference
        .metrics
        .get(&metric)
        .map_or("-".into(), |v| fmt_num(*v));
    let band = r
        .reference
        .band
        .get(&metric)
        .map(|b| {
            format!(
                ", band {} to {} (mean ± 3σ over {} windows)",
                fmt_num(b.lower),
                fmt_num(b.upper),
                r.reference.windows
            )
        })
        .unwrap_or_default();
    ui.label(format!(
        "{} ({}): training {reference}{band}. Metrics use labelled rows only; {} of {} production rows are labelled.",
        metric.title(),
        r.task.name(),
        r.windows.iter().map(|w| w.labelled).sum::<usize>(),
        r.windows.iter().map(|w| w.window.rows).sum::<usize>(),
    ));
    if let Some(s) = &r.staleness {
        ui.label(RichText::new(format!("Staleness: {}", s.message)).strong());
    }
    if let Some(a) = &r.attribution {
        ui.label(format!("Drift or concept? {}", a.verdict))
            .on_hover_text(
            a.suspects
                .iter()
                .take(8)
                .map(|s| {
                    format!(
                        "{}: r = {:.2} with the metric's loss; drifted in {} degraded window(s)",
                        s.column,
                        s.correlation,
                        s.drifted_in.len()
                    )
                })
                .collect::<Vec<_>>()
                .join("\n"),
        );
    }
    ui.horizontal_wrapped(|ui| {
        ui.label("Detectors:");
        for d in &r.detectors {
            let text = if d.drifts.is_empty() {
                format!("{} none", d.name)
            } else {
                let first = d
                    .drift_windows
                    .first()
                    .and_then(|&w| r.windows.get(w))
                    .map(|w| w.window.label.clone())
                    .unwrap_or_default();
                format!("{} {} drift(s), first in {first}", d.name, d.drifts.len())
            };
            ui.label(RichText::new(text).small())
                .on_hover_text("River's default parameters, on the time-ordered error stream of the labelled production rows");
            ui.separator();
        }
    });
    if !r.alerts.is_empty() {
        ui.horizontal_wrapped(|ui| {
            for a in &r.alerts {
                ui.label(
                    RichText::new(format!("ALERT {} · {}", a.text, a.labels.join(", ")))
                        .color(ALERT_COLOR),
                );
            }
        });
    }
    for v in &r.unknown_rule_values {
        ui.colored_label(
            ui.visuals().warn_fg_color,
            format!("No value named \"{v}\" for the rules"),
        );
    }
}

fn plots_ui(ui: &mut Ui, r: &Arc<HealthReport>, metric: Metric) {
    let (xs, width) = window_x(r);
    let color = CURRENT_COLOR;
    // Metric timeline.
    base_plot("metric", r, xs.clone(), metric, 260.0, metric.title())
        .legend(
            Legend::default()
                .position(egui_plot::Corner::RightBottom)
                .text_style(egui::TextStyle::Small)
                .background_alpha(0.6)
                .follow_insertion_order(true),
        )
        .show(ui, |p| {
            if let Some(b) = r.reference.band.get(&metric) {
                p.span(
                    Span::new("", b.lower..=b.upper)
                        .axis(Axis::Y)
                        .fill(REFERENCE_COLOR.gamma_multiply(0.12))
                        .border_width(0.0),
                );
            }
            if let Some(v) = r.reference.metrics.get(&metric) {
                p.hline(
                    HLine::new("training", *v)
                        .color(REFERENCE_COLOR)
                        .style(LineStyle::dashed_loose()),
                );
            }
            for a in &r.alerts {
                for &w in &a.windows {
                    p.span(
                        // Unnamed: a span's name is drawn inside it, and the alert strip
                        // above the plot names the rule.
                        Span::new("", xs[w] - width / 2.0..=xs[w] + width / 2.0)
                            .fill(ALERT_COLOR.gamma_multiply(0.10))
                            .border_width(0.0),
                    );
                }
            }
            let labelled: Vec<usize> = (0..r.windows.len())
                .filter(|&w| r.windows[w].metrics.contains_key(&metric))
                .collect();
            let with_iv: Vec<usize> = labelled
                .iter()
                .copied()
                .filter(|&w| r.windows[w].intervals.contains_key(&metric))
                .collect();
            if !with_iv.is_empty() {
                let x: Vec<f64> = with_iv.iter().map(|&w| xs[w]).collect();
                let lo: Vec<f64> = with_iv
                    .iter()
                    .map(|&w| r.windows[w].intervals[&metric][0])
                    .collect();
                let hi: Vec<f64> = with_iv
                    .iter()
                    .map(|&w| r.windows[w].intervals[&metric][1])
                    .collect();
                p.add(
                    FilledArea::new("95% interval", &x, &lo, &hi)
                        .fill_color(color.gamma_multiply(0.25)),
                );
            }
            let est: PlotPoints<'static> = (0..r.windows.len())
                .filter_map(|w| r.windows[w].estimated.get(&metric).map(|v| [xs[w], *v]))
                .collect();
            p.line(
                Line::new("estimated (CBPE)", est)
                    .color(ESTIMATE_COLOR)
                    .style(LineStyle::dashed_dense()),
            );
            let pts: Vec<[f64; 2]> = labelled
                .iter()
                .map(|&w| [xs[w], r.windows[w].metrics[&metric]])
                .collect();
            p.line(
                Line::new("production", PlotPoints::from(pts.clone()))
                    .color(color)
                    .width(2.0),
            );
            p.points(
                Points::new("production", PlotPoints::from(pts))
                    .color(color)
                    .radius(3.0)
                    .shape(MarkerShape::Circle),
            );
            if let Some(v) = &r.versions {
                for (k, version) in v.versions.iter().enumerate() {
                    let pts: PlotPoints<'static> = version
                        .windows
                        .iter()
                        .filter_map(|vw| vw.metrics.get(&metric).map(|m| [xs[vw.window], *m]))
                        .collect();
                    p.line(
                        Line::new(version.version.clone(), pts)
                            .color(version_color(k))
                            .style(LineStyle::dotted_dense()),
                    );
                }
            }
            switchover_lines(p, r, &xs);
            if let Some(f) = r.staleness.as_ref().and_then(|s| s.floor) {
                p.hline(
                    HLine::new("floor", f)
                        .color(ALERT_COLOR)
                        .style(LineStyle::dashed_dense()),
                );
            }
            for d in &r.detectors {
                for &w in &d.drift_windows {
                    p.vline(
                        VLine::new("detector drift", xs[w]).color(ALERT_COLOR.gamma_multiply(0.6)),
                    );
                }
                for &w in &d.warning_windows {
                    p.vline(
                        VLine::new("detector warning", xs[w])
                            .color(WARNING_COLOR.gamma_multiply(0.4))
                            .style(LineStyle::dotted_loose()),
                    );
                }
            }
        });
    ui.add_space(4.0);
    // Label coverage.
    base_plot("coverage", r, xs.clone(), metric, 110.0, "rows")
        .legend(
            Legend::default()
                .position(egui_plot::Corner::LeftTop)
                .text_style(egui::TextStyle::Small),
        )
        .show(ui, |p| {
            let rows: Vec<Bar> = r
                .windows
                .iter()
                .enumerate()
                .map(|(w, win)| Bar::new(xs[w], win.window.rows as f64).width(width))
                .collect();
            p.bar_chart(BarChart::new("rows", rows).color(Color32::from_gray(140)));
            let lab: Vec<Bar> = r
                .windows
                .iter()
                .enumerate()
                .map(|(w, win)| Bar::new(xs[w], win.labelled as f64).width(width))
                .collect();
            p.bar_chart(BarChart::new("labelled", lab).color(color));
            switchover_lines(p, r, &xs);
        });
    ui.add_space(4.0);
    // Prediction and label drift.
    base_plot("drift", r, xs.clone(), metric, 110.0, "drift score")
        .legend(
            Legend::default()
                .position(egui_plot::Corner::LeftTop)
                .text_style(egui::TextStyle::Small),
        )
        .show(ui, |p| {
            for (name, pick, c) in [
                ("prediction drift", 0, color),
                ("label drift", 1, REFERENCE_COLOR),
            ] {
                let scores: Vec<(usize, f64, bool)> = r
                    .windows
                    .iter()
                    .enumerate()
                    .filter_map(|(w, win)| {
                        let d = if pick == 0 {
                            &win.prediction_drift
                        } else {
                            &win.label_drift
                        };
                        d.as_ref().map(|d| (w, d.score, d.drifted))
                    })
                    .collect();
                let line: PlotPoints<'static> =
                    scores.iter().map(|&(w, s, _)| [xs[w], s]).collect();
                p.line(Line::new(name, line).color(c));
                let drifted: PlotPoints<'static> = scores
                    .iter()
                    .filter(|s| s.2)
                    .map(|&(w, s, _)| [xs[w], s])
                    .collect();
                p.points(
                    Points::new(name, drifted)
                        .color(c)
                        .radius(4.0)
                        .shape(MarkerShape::Diamond),
                );
            }
            switchover_lines(p, r, &xs);
        });
    for column in r.latency_columns() {
        ui.add_space(4.0);
        base_plot(
            &format!("latency {column}"),
            r,
            xs.clone(),
            metric,
            110.0,
            &column,
        )
        .legend(
            Legend::default()
                .position(egui_plot::Corner::LeftTop)
                .text_style(egui::TextStyle::Small),
        )
        .show(ui, |p| {
            for (name, f) in [
                (
                    "p50",
                    (|q: &crate::analysis::health::Percentiles| q.p50) as fn(&_) -> f64,
                ),
                ("p95", |q| q.p95),
                ("p99", |q| q.p99),
            ] {
                let pts: PlotPoints<'static> = r
                    .windows
                    .iter()
                    .enumerate()
                    .filter_map(|(w, win)| {
                        win.latency
                            .iter()
                            .find(|q| q.column == column)
                            .map(|q| [xs[w], f(q)])
                    })
                    .collect();
                p.line(Line::new(name, pts));
            }
        });
    }
}

const SWITCH_COLOR: Color32 = Color32::from_rgb(38, 139, 210);

/// A distinct colour per model version.
fn version_color(k: usize) -> Color32 {
    const COLORS: [Color32; 4] = [
        Color32::from_rgb(181, 137, 0),
        Color32::from_rgb(42, 161, 152),
        Color32::from_rgb(211, 54, 130),
        Color32::from_rgb(108, 113, 196),
    ];
    COLORS[k % COLORS.len()]
}

/// x of a time on the plots: days since the epoch, or the window's index for chunks.
fn time_x(r: &HealthReport, xs: &[f64], at: Option<i64>, window: Option<usize>) -> Option<f64> {
    if by_time(r) {
        at.map(|t| t as f64 / MICROS_PER_DAY as f64)
    } else {
        window.and_then(|w| xs.get(w).copied()).map(|x| x - 0.5)
    }
}

/// A vertical marker at each model version switch-over.
fn switchover_lines(p: &mut egui_plot::PlotUi<'_>, r: &HealthReport, xs: &[f64]) {
    let Some(v) = &r.versions else {
        return;
    };
    for s in &v.switchovers {
        if let Some(x) = time_x(r, xs, s.at, s.window) {
            p.vline(
                VLine::new(format!("switch to {}", s.to), x)
                    .color(SWITCH_COLOR)
                    .width(2.0)
                    .style(LineStyle::dashed_loose()),
            );
        }
    }
}

/// The versions table: each version's serving span, rows and metrics with their intervals,
/// and the switch-overs.
fn versions_ui(ui: &mut Ui, r: &HealthReport, metric: Metric) {
    let Some(v) = &r.versions else {
        ui.label("No model version column: give a column the model_version role (Datasets panel) or choose it under Columns, Version.");
        return;
    };
    let shown: Vec<Metric> = {
        let mut m: Vec<Metric> = match r.task {
            Task::Classification => vec![
                Metric::RocAuc,
                Metric::Accuracy,
                Metric::F1,
                Metric::LogLoss,
            ],
            Task::Regression => vec![Metric::Mae, Metric::Rmse, Metric::R2],
        };
        if !m.contains(&metric) {
            m.insert(0, metric);
        }
        m
    };
    ui.label(format!(
        "Model versions by \"{}\": metrics over each version's labelled production rows, with 95% bootstrap intervals (the windows' resamples and seed rule).",
        v.column,
    ));
    let date = |t: Option<i64>| t.map_or("-".to_string(), crate::vocab::time::format_iso);
    egui::ScrollArea::horizontal()
        .id_salt("health_versions_scroll")
        .show(ui, |ui| {
            egui::Grid::new("health_versions")
                .striped(true)
                .show(ui, |ui| {
                    ui.strong("version");
                    ui.strong("first served");
                    ui.strong("last served");
                    ui.strong("rows");
                    ui.strong("labelled");
                    for m in &shown {
                        ui.strong(m.title());
                    }
                    ui.end_row();
                    for (k, x) in v.versions.iter().enumerate() {
                        ui.label(RichText::new(&x.version).color(version_color(k)).strong());
                        ui.label(date(x.first));
                        ui.label(date(x.last));
                        ui.label(x.rows.to_string());
                        ui.label(x.labelled.to_string());
                        for m in &shown {
                            ui.label(match (x.metrics.get(m), x.intervals.get(m)) {
                                (Some(val), Some(iv)) => {
                                    format!(
                                        "{} [{}, {}]",
                                        fmt_num(*val),
                                        fmt_num(iv[0]),
                                        fmt_num(iv[1])
                                    )
                                }
                                (Some(val), None) => fmt_num(*val),
                                _ => "-".into(),
                            });
                        }
                        ui.end_row();
                    }
                });
        });
    for s in &v.switchovers {
        ui.label(format!(
            "Switch-over: {} to {} at {}",
            s.from,
            s.to,
            date(s.at)
        ));
    }
    if v.rows_without_version > 0 {
        ui.weak(format!("{} rows have no version.", v.rows_without_version));
    }
}

/// The drawn metric per window, one line per version, with the switch-overs.
fn version_plot_ui(ui: &mut Ui, r: &Arc<HealthReport>, metric: Metric) {
    let Some(v) = &r.versions else {
        return;
    };
    let (xs, _) = window_x(r);
    base_plot("versions", r, xs.clone(), metric, 240.0, metric.title())
        .legend(
            Legend::default()
                .position(egui_plot::Corner::RightBottom)
                .text_style(egui::TextStyle::Small)
                .follow_insertion_order(true),
        )
        .show(ui, |p| {
            if let Some(b) = r.reference.band.get(&metric) {
                p.span(
                    Span::new("", b.lower..=b.upper)
                        .axis(Axis::Y)
                        .fill(REFERENCE_COLOR.gamma_multiply(0.12))
                        .border_width(0.0),
                );
            }
            for (k, version) in v.versions.iter().enumerate() {
                let pts: Vec<[f64; 2]> = version
                    .windows
                    .iter()
                    .filter_map(|vw| vw.metrics.get(&metric).map(|m| [xs[vw.window], *m]))
                    .collect();
                p.line(
                    Line::new(version.version.clone(), PlotPoints::from(pts.clone()))
                        .color(version_color(k))
                        .width(2.0),
                );
                p.points(
                    Points::new(version.version.clone(), PlotPoints::from(pts))
                        .color(version_color(k))
                        .radius(3.0),
                );
            }
            switchover_lines(p, r, &xs);
        });
    ui.weak(format!(
        "{} per window and version; the dashed line marks each switch-over.",
        metric.title()
    ));
}

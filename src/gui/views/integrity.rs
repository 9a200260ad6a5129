//! The Integrity tab: is the production data itself broken, and since when? A checklist grouped
//! by severity; each item shows its message, a button that selects its column, and on demand
//! its evidence (the numbers, the rate over time with the date a problem started, example
//! rows). A likely rename can be accepted, which maps the columns for every view.

use std::sync::Arc;

use egui::{Color32, RichText, Ui};
use egui_plot::{GridInput, GridMark, HLine, Legend, Line, Plot, PlotPoints, Span};

use crate::analysis::integrity::{
    Check, Finding, IntegrityParams, IntegrityReport, Severity, Timeline, WindowChoice,
};
use crate::engine::integrity::check_datasets;
use crate::format::fmt_num;
use crate::gui::command::Command;
use crate::gui::computed::{Computed, key_of};
use crate::gui::view_ctx::ViewCtx;
use crate::gui::widgets::{CURRENT_COLOR, REFERENCE_COLOR};
use crate::vocab::Side;
use crate::vocab::time::{MICROS_PER_DAY, format_micros, weekday_from_days};

/// The Integrity tab's state: the report being computed, the thresholds, what is expanded.
#[derive(Default)]
pub struct IntegrityState {
    pub report: Computed<IntegrityReport>,
    /// The thresholds the report uses.
    pub params: IntegrityParams,
    /// Thresholds being edited, applied with the Apply button.
    pub draft: Option<IntegrityParams>,
    /// Hide info-level findings.
    pub hide_infos: bool,
}

/// The likely renames of the last integrity report, `(production, training)`, for the views
/// that offer to accept them.
pub fn likely_renames(st: &IntegrityState) -> Vec<(String, String)> {
    st.report
        .value
        .iter()
        .flat_map(|r| r.findings.iter())
        .filter(|f| f.check == Check::LikelyRename && f.columns.len() == 2)
        .map(|f| (f.columns[0].clone(), f.columns[1].clone()))
        .collect()
}

/// The colour of a severity.
pub fn severity_color(s: Severity, ui: &Ui) -> Color32 {
    match s {
        Severity::Error => ui.visuals().error_fg_color,
        Severity::Warning => ui.visuals().warn_fg_color,
        Severity::Info => ui.visuals().weak_text_color(),
    }
}

impl IntegrityState {
    /// Start (or keep) the computation for the current inputs and collect its result. Called
    /// from `App::logic` whether or not the tab is shown, so the tab's title has its counts
    /// before the tab is opened.
    pub fn update(&mut self, cx: &ViewCtx<'_>) {
        request(self, cx);
        self.report.poll();
    }
}

fn request(st: &mut IntegrityState, cx: &ViewCtx<'_>) {
    let (Some(reference), Some(current)) = (
        cx.datasets[Side::Reference.index()].clone(),
        cx.datasets[Side::Current.index()].clone(),
    ) else {
        return;
    };
    let mut params = st.params.clone();
    params.renames = cx.renames.clone();
    let roles = cx.roles.clone();
    let role_list: Vec<(String, crate::vocab::Role)> =
        roles.iter().map(|(c, r)| (c.to_string(), r)).collect();
    let key = key_of(&(
        reference.load_id,
        current.load_id,
        role_list,
        format!("{params:?}"),
    ));
    // "Now" is read here, not in the analysis; it is left out of the key so that the report
    // is not recomputed every frame.
    params.now_micros = Some(crate::engine::clock::now_micros());
    let waker = cx.waker();
    st.report
        .request(key, "Checking data integrity", waker, move |progress| {
            progress.set(None, "Checking data integrity");
            check_datasets(&reference, &current, &roles, &params, &|| {
                progress.is_cancelled()
            })
            .map_err(|e| e.to_string())
        });
}

/// The tab's title with the counts: "Integrity (2 errors, 5 warnings)".
pub fn title(st: &IntegrityState) -> String {
    let Some(report) = &st.report.value else {
        return "Integrity".into();
    };
    let s = report.summary();
    let mut parts = Vec::new();
    let plural = |n: usize, one: &str| format!("{n} {one}{}", if n == 1 { "" } else { "s" });
    if s.errors > 0 {
        parts.push(plural(s.errors, "error"));
    }
    if s.warnings > 0 {
        parts.push(plural(s.warnings, "warning"));
    }
    if parts.is_empty() {
        "Integrity (ok)".into()
    } else {
        format!("Integrity ({})", parts.join(", "))
    }
}

pub fn integrity_ui(st: &mut IntegrityState, cx: &mut ViewCtx<'_>, ui: &mut Ui) {
    if cx.dataset(Side::Reference).is_none() || cx.dataset(Side::Current).is_none() {
        ui.vertical_centered(|ui| {
            ui.add_space(80.0);
            ui.heading("Integrity needs both files");
            ui.label("Open a training file and a production file to check the production data against training.");
        });
        return;
    }
    ui.horizontal(|ui| {
        ui.heading("Is the production data intact?");
        // A cancelled check is not started again until the inputs change or the user asks.
        st.report.status_ui_again(ui, "Check again");
    });
    let report = st.report.value.clone();
    let running = st.report.is_running();
    header_ui(st, cx, ui, report.as_deref());
    ui.separator();
    let Some(report) = report else {
        if !running {
            ui.weak("No result yet.");
        }
        return;
    };
    egui::ScrollArea::vertical()
        .id_salt("integrity_list")
        .auto_shrink([false, false])
        .show(ui, |ui| {
            if running {
                // The previous result stays visible, dimmed, while the new one is computed.
                ui.multiply_opacity(0.5);
            }
            checklist_ui(st, cx, ui, &report);
        });
}

/// Summary counts, accepted renames and the thresholds.
fn header_ui(
    st: &mut IntegrityState,
    cx: &mut ViewCtx<'_>,
    ui: &mut Ui,
    report: Option<&IntegrityReport>,
) {
    ui.horizontal_wrapped(|ui| {
        if let Some(r) = report {
            let s = r.summary();
            for (n, label, sev) in [
                (s.errors, "errors", Severity::Error),
                (s.warnings, "warnings", Severity::Warning),
                (s.infos, "infos", Severity::Info),
            ] {
                ui.label(
                    RichText::new(format!("{n} {label}"))
                        .color(severity_color(sev, ui))
                        .strong(),
                );
                ui.label("·");
            }
            ui.weak(format!(
                "{} rows of production against {} of training, {} columns compared",
                r.current_rows, r.reference_rows, r.columns_compared
            ));
            if let (Some(ts), Some(w)) = (&r.timestamp_column, r.window) {
                ui.weak(format!("· rates per {} of {ts}", w.name()));
            }
        }
        ui.checkbox(&mut st.hide_infos, "Hide infos");
    });
    if !cx.renames.is_empty() {
        ui.horizontal_wrapped(|ui| {
            ui.label("Renamed columns:");
            for (current, reference) in cx.renames.pairs().to_vec() {
                ui.label(RichText::new(format!("{current} = {reference}")).strong())
                    .on_hover_text(format!(
                        "Production's {current} is compared with training's {reference} in every view"
                    ));
                if ui
                    .small_button(format!("Undo {current}"))
                    .on_hover_text("Compare the two columns as unrelated again")
                    .clicked()
                {
                    cx.push(Command::UndoRename(current.clone()));
                }
            }
        });
    }
    thresholds_ui(st, ui);
}

/// The thresholds, editable; a change is applied with a button so that a drag does not start
/// a computation per frame.
fn thresholds_ui(st: &mut IntegrityState, ui: &mut Ui) {
    egui::CollapsingHeader::new("Thresholds")
        .id_salt("integrity_thresholds")
        .show(ui, |ui| {
            let state = &mut *st;
            let draft = state.draft.get_or_insert_with(|| state.params.clone());
            egui::Grid::new("integrity_params")
                .num_columns(3)
                .striped(true)
                .show(ui, |ui| {
                    let row = |ui: &mut Ui,
                               label: &str,
                               v: &mut f64,
                               range: std::ops::RangeInclusive<f64>,
                               speed: f64,
                               help: &str| {
                        ui.label(label);
                        ui.add(
                            egui::DragValue::new(v)
                                .range(range)
                                .speed(speed)
                                .max_decimals(4),
                        );
                        ui.weak(help);
                        ui.end_row();
                    };
                    row(
                        ui,
                        "Significance level",
                        &mut draft.alpha,
                        0.0..=0.5,
                        0.0001,
                        "p-values at or above it are put down to chance",
                    );
                    row(
                        ui,
                        "Missing: warning from",
                        &mut draft.null_warning_increase,
                        0.0..=1.0,
                        0.001,
                        "increase of the missing share",
                    );
                    row(
                        ui,
                        "Missing: error from",
                        &mut draft.null_error_increase,
                        0.0..=1.0,
                        0.001,
                        "increase of the missing share",
                    );
                    row(
                        ui,
                        "Unseen values: error from",
                        &mut draft.unseen_error_share,
                        0.0..=1.0,
                        0.001,
                        "share of production rows",
                    );
                    row(
                        ui,
                        "Out of range: error from",
                        &mut draft.out_of_range_error_share,
                        0.0..=1.0,
                        0.001,
                        "share of production values",
                    );
                    row(
                        ui,
                        "Almost constant from",
                        &mut draft.almost_constant_share,
                        0.5..=1.0,
                        0.001,
                        "share of the most frequent value",
                    );
                    row(
                        ui,
                        "Spike: rise of at least",
                        &mut draft.spike_min_increase,
                        0.0..=1.0,
                        0.001,
                        "rate in the run minus the rate outside it",
                    );
                    row(
                        ui,
                        "Gap: longer than",
                        &mut draft.gap_factor,
                        1.0..=100.0,
                        0.1,
                        "times the usual spacing of timestamps",
                    );
                    row(
                        ui,
                        "Daily volume change",
                        &mut draft.volume_change_factor,
                        1.0..=100.0,
                        0.1,
                        "factor either way for a warning",
                    );
                    row(
                        ui,
                        "Rename: score from",
                        &mut draft.rename_min_score,
                        0.0..=1.0,
                        0.01,
                        "name and distribution similarity",
                    );
                    row(
                        ui,
                        "Skew: error from",
                        &mut draft.skew_error_share,
                        0.0..=1.0,
                        0.001,
                        "share of joined rows that differ",
                    );
                    // Tolerances are tiny: shown and typed in scientific notation.
                    ui.label("Skew: relative tolerance");
                    ui.add(
                        egui::DragValue::new(&mut draft.skew_rel_tolerance)
                            .range(0.0..=1.0)
                            .speed(1e-7)
                            .custom_formatter(|v, _| format!("{v:.1e}"))
                            .custom_parser(|s| s.trim().parse().ok()),
                    );
                    ui.weak("numbers closer than this (relative) are equal");
                    ui.end_row();
                    row(
                        ui,
                        "In training: warning from",
                        &mut draft.leakage_warning_share,
                        0.0..=1.0,
                        0.001,
                        "share of production rows identical to a training row",
                    );
                    ui.label("Time windows");
                    ui.horizontal(|ui| {
                        for (w, label) in [
                            (WindowChoice::Auto, "auto"),
                            (WindowChoice::Day, "day"),
                            (WindowChoice::Week, "week"),
                            (WindowChoice::Month, "month"),
                        ] {
                            ui.selectable_value(&mut draft.window, w, label);
                        }
                    });
                    ui.weak("for dating problems");
                    ui.end_row();
                });
            ui.horizontal(|ui| {
                let changed = state.draft.as_ref() != Some(&state.params);
                if ui
                    .add_enabled(changed, egui::Button::new("Apply thresholds"))
                    .clicked()
                    && let Some(d) = state.draft.clone()
                {
                    state.params = d;
                }
                if ui.button("Reset to defaults").clicked() {
                    state.params = IntegrityParams::default();
                    state.draft = Some(IntegrityParams::default());
                }
            });
        });
}

fn checklist_ui(
    st: &mut IntegrityState,
    cx: &mut ViewCtx<'_>,
    ui: &mut Ui,
    report: &Arc<IntegrityReport>,
) {
    if report.findings.is_empty() {
        ui.label("No findings: the production data looks intact.");
        return;
    }
    for severity in [Severity::Error, Severity::Warning, Severity::Info] {
        if severity == Severity::Info && st.hide_infos {
            continue;
        }
        let items: Vec<(usize, &Finding)> = report
            .findings
            .iter()
            .enumerate()
            .filter(|(_, f)| f.severity == severity)
            .collect();
        if items.is_empty() {
            continue;
        }
        let heading = match severity {
            Severity::Error => "Errors",
            Severity::Warning => "Warnings",
            Severity::Info => "Infos",
        };
        ui.add_space(6.0);
        ui.label(
            RichText::new(format!("{heading} ({})", items.len()))
                .heading()
                .color(severity_color(severity, ui)),
        );
        for (i, f) in items {
            finding_ui(cx, ui, i, f);
        }
    }
}

fn finding_ui(cx: &mut ViewCtx<'_>, ui: &mut Ui, index: usize, f: &Finding) {
    let selected = f
        .column()
        .is_some_and(|c| cx.selected_column.as_deref() == Some(c));
    let mut frame = egui::Frame::group(ui.style());
    if selected {
        frame = frame.fill(ui.visuals().faint_bg_color);
    }
    frame.show(ui, |ui| {
        ui.set_width(ui.available_width());
        ui.horizontal(|ui| {
            let (rect, _) = ui.allocate_exact_size(egui::vec2(10.0, 10.0), egui::Sense::hover());
            ui.painter()
                .circle_filled(rect.center(), 5.0, severity_color(f.severity, ui));
            ui.strong(f.check.title());
            if !f.columns.is_empty() {
                ui.label(RichText::new(f.columns.join(" / ")).monospace());
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if let Some(col) = f.column() {
                    // The training name selects the column in every view (drift is keyed by it).
                    let name = cx.reference_name(col).to_string();
                    if ui
                        .button(format!("Drift of {col}"))
                        .on_hover_text("Open this column's distributions in the Drift tab")
                        .clicked()
                    {
                        cx.push(Command::SelectColumn(name.clone()));
                        cx.push(Command::SetTab(crate::gui::tab::Tab::Drift));
                    }
                    if ui
                        .button(format!("Select {col}"))
                        .on_hover_text("Select this column in every view")
                        .clicked()
                    {
                        cx.push(Command::SelectColumn(name));
                    }
                }
                if f.check == Check::LikelyRename && f.columns.len() == 2 {
                    let (current, reference) = (&f.columns[0], &f.columns[1]);
                    if ui
                        .button("Accept rename")
                        .on_hover_text(format!(
                            "Compare production's {current} with training's {reference} in every view"
                        ))
                        .clicked()
                    {
                        cx.push(Command::AcceptRename(current.clone(), reference.clone()));
                    }
                }
            });
        });
        ui.label(&f.message);
        let has_evidence = !f.details.is_empty() || !f.examples.is_empty() || f.timeline.is_some();
        if has_evidence {
            // Errors that started on a date open with their plot: "since when" is the point.
            let dated = f.severity == Severity::Error
                && f.timeline.as_ref().is_some_and(|t| t.change.is_some());
            egui::CollapsingHeader::new("Evidence")
                .id_salt(("integrity_evidence", index, f.check, &f.columns))
                .default_open(dated)
                .show(ui, |ui| evidence_ui(ui, index, f));
        }
    });
}

/// A detail value for the grid: shares and rates as percentages, p-values that underflowed as
/// a bound, other numbers formatted, short lists inline, the rest as JSON.
fn value_text(key: &str, v: &serde_json::Value) -> String {
    let share = key.ends_with("share")
        || key.starts_with("rate")
        || key.ends_with("similarity")
        || key == "increase";
    match v {
        serde_json::Value::Number(n) if share => n
            .as_f64()
            .map_or_else(|| n.to_string(), |x| format!("{} %", fmt_num(x * 100.0))),
        serde_json::Value::Number(n) if key.ends_with("p_value") && n.as_f64() == Some(0.0) => {
            "< 1e-300".into()
        }
        serde_json::Value::Number(n) => n.as_f64().map_or_else(|| n.to_string(), fmt_num),
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "-".into(),
        serde_json::Value::Bool(b) => b.to_string(),
        other => {
            let s = other.to_string();
            if s.chars().count() > 160 {
                let cut: String = s.chars().take(160).collect();
                format!("{cut}…")
            } else {
                s
            }
        }
    }
}

fn evidence_ui(ui: &mut Ui, index: usize, f: &Finding) {
    if let Some(t) = &f.timeline {
        timeline_ui(ui, index, f, t);
    }
    egui::Grid::new(("integrity_details", index))
        .num_columns(2)
        .striped(true)
        .show(ui, |ui| {
            for (k, v) in &f.details {
                ui.weak(k.replace('_', " "));
                ui.add(egui::Label::new(value_text(k, v)).wrap());
                ui.end_row();
            }
        });
    if !f.examples.is_empty() {
        ui.add_space(4.0);
        ui.strong(format!("Example rows ({})", f.examples.len()));
        examples_ui(ui, index, f);
    }
}

/// The example rows as a table: side, row, id, timestamp, then the values.
fn examples_ui(ui: &mut Ui, index: usize, f: &Finding) {
    let mut value_keys: Vec<&str> = Vec::new();
    for e in &f.examples {
        for (k, _) in &e.values {
            if !value_keys.contains(&k.as_str()) {
                value_keys.push(k);
            }
        }
    }
    let has_id = f.examples.iter().any(|e| e.id.is_some());
    let has_ts = f.examples.iter().any(|e| e.timestamp.is_some());
    egui::ScrollArea::horizontal()
        .id_salt(("integrity_examples_scroll", index))
        .show(ui, |ui| {
            egui::Grid::new(("integrity_examples", index))
                .striped(true)
                .show(ui, |ui| {
                    ui.strong("Data");
                    ui.strong("Row");
                    if has_id {
                        ui.strong("Id");
                    }
                    if has_ts {
                        ui.strong("Time");
                    }
                    for k in &value_keys {
                        ui.strong(*k);
                    }
                    ui.end_row();
                    for e in &f.examples {
                        let color = match e.side {
                            Side::Reference => REFERENCE_COLOR,
                            Side::Current => CURRENT_COLOR,
                        };
                        ui.colored_label(color, e.side.short());
                        ui.label(e.row.to_string());
                        if has_id {
                            ui.label(e.id.clone().unwrap_or_default());
                        }
                        if has_ts {
                            ui.label(e.timestamp.map(format_micros).unwrap_or_default());
                        }
                        for k in &value_keys {
                            let v = e
                                .values
                                .iter()
                                .find(|(key, _)| key == k)
                                .map_or("", |(_, v)| v.as_str());
                            ui.label(v);
                        }
                        ui.end_row();
                    }
                });
        });
}

/// The rate per window, training's rate as a dashed line, the spike shaded with its start.
fn timeline_ui(ui: &mut Ui, index: usize, f: &Finding, t: &Timeline) {
    let points: Vec<[f64; 2]> = (0..t.starts.len())
        .filter_map(|i| Some([t.starts[i] as f64, t.rate(i)? * 100.0]))
        .collect();
    if points.is_empty() {
        return;
    }
    if let Some(c) = &t.change {
        ui.label(
            RichText::new(format!(
                "Started {}{}: {:.1} % of rows then, {:.1} % otherwise",
                format_micros(c.since),
                c.until
                    .map(|u| format!(", ended {}", format_micros(u)))
                    .unwrap_or_default(),
                c.rate_during * 100.0,
                c.rate_outside * 100.0
            ))
            .strong(),
        );
    }
    let what = match f.check {
        Check::NullRateIncrease => "missing",
        Check::UnseenCategories => "unseen values",
        Check::OutOfRange => "out of range",
        _ => "rate",
    };
    Plot::new(("integrity_timeline", index))
        .height(160.0)
        // Problems start late in the period and rise: the top left is where the plot is empty.
        .legend(Legend::default().position(egui_plot::Corner::LeftTop))
        .allow_scroll(false)
        .include_y(0.0)
        .y_axis_label(format!("% {what} per {}", t.window.name()))
        .x_grid_spacer(calendar_marks)
        .x_axis_formatter(|mark, _| format_micros(mark.value as i64))
        .label_formatter(|pos| match pos {
            egui_plot::HoverPosition::NearDataPoint {
                plot_name,
                position,
                ..
            } => Some(format!(
                "{plot_name}\n{}: {:.1} %",
                format_micros(position.x as i64),
                position.y
            )),
            egui_plot::HoverPosition::Elsewhere { .. } => None,
        })
        .show(ui, |plot_ui| {
            if let Some(c) = &t.change {
                let end = c
                    .until
                    .unwrap_or_else(|| t.starts.last().copied().unwrap_or(c.since))
                    as f64;
                plot_ui.span(
                    Span::new(
                        format!("since {}", format_micros(c.since)),
                        c.since as f64..=end,
                    )
                    .fill(CURRENT_COLOR.gamma_multiply(0.12))
                    .border_color(CURRENT_COLOR)
                    .border_width(1.0),
                );
            }
            plot_ui.hline(
                HLine::new("training", t.reference_rate * 100.0)
                    .color(REFERENCE_COLOR)
                    .style(egui_plot::LineStyle::dashed_loose()),
            );
            plot_ui.line(
                Line::new("production", PlotPoints::from(points))
                    .color(CURRENT_COLOR)
                    .width(1.5),
            );
        });
}

/// Grid marks on calendar days for a time axis in µs: every 1, 2, 7, 14, 28… days (weeks from
/// a Monday), at most about 8 marks, so that the labels are dates rather than arbitrary
/// instants.
fn calendar_marks(input: GridInput) -> Vec<GridMark> {
    let day = MICROS_PER_DAY as f64;
    let (lo, hi) = input.bounds;
    if hi.partial_cmp(&lo) != Some(std::cmp::Ordering::Greater)
        || !lo.is_finite()
        || !hi.is_finite()
    {
        return Vec::new();
    }
    let span_days = (hi - lo) / day;
    let step = [1i64, 2, 7, 14, 28, 56, 91, 182, 364, 728, 1820]
        .into_iter()
        .find(|s| span_days / *s as f64 <= 8.0)
        .unwrap_or(3640);
    let mut d = (lo / day).floor() as i64;
    if step % 7 == 0 {
        d -= i64::from(weekday_from_days(d));
    }
    let mut marks = Vec::new();
    while (d as f64) * day <= hi && marks.len() < 64 {
        if (d as f64) * day >= lo {
            marks.push(GridMark {
                value: d as f64 * day,
                step_size: step as f64 * day,
            });
        }
        d += step;
    }
    marks
}

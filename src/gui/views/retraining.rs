//! The Retraining tab: the retraining lab's backtest (RETRAINING.md) of policies × modes on the
//! training and production files end to end, with a stand-in model Sextant trains itself. A
//! timeline of window log loss per chosen run with its retrain markers, the cost frontier
//! (retrains against loss), the runs' totals and the lineage of one run. The work runs off the
//! UI thread with progress and a cancel that stays cancelled.

use egui::{Color32, RichText, Ui};
use egui_plot::{GridMark, Legend, Line, MarkerShape, Plot, PlotPoints, Points, VLine};

use crate::analysis::retrain::policy::parse_duration;
use crate::analysis::retrain::{DetectorKind, Mode, Policy, WindowUnit};
pub use crate::engine::retrain::RetrainSettings;
use crate::engine::retrain::{ALARM_DETECTORS, RetrainOutcome, protocol_steps, run as run_retrain};
use crate::format::fmt_num;
use crate::gui::computed::{Computed, key_of};
use crate::gui::tab::Tab;
use crate::gui::view_ctx::ViewCtx;
use crate::vocab::time::{MICROS_PER_DAY, format_micros};
use crate::vocab::{Role, Side};

/// The Retraining tab's state on `App`.
#[derive(Default)]
pub struct RetrainingState {
    pub settings: RetrainSettings,
    pub outcome: Computed<RetrainOutcome>,
    /// Text boxes being edited, and what was wrong with them.
    pub delay_text: String,
    pub policy_text: String,
    pub mode_text: String,
    pub edit_error: Option<String>,
    /// Runs drawn on the timeline (indices into the outcome's runs; empty = the best).
    pub shown: Vec<usize>,
    /// The run whose lineage is listed (`None` = the best).
    pub lineage: Option<usize>,
}

const RETRAIN_COLOR: Color32 = Color32::from_rgb(220, 50, 47);
const FRONTIER_COLOR: Color32 = Color32::from_rgb(86, 156, 214);
const PLOT_GROUP: &str = "retraining_x";

/// Marker and colour of each Health detector's alarms (the engine's `ALARM_DETECTORS`).
fn alarm_style(detector: &str) -> (MarkerShape, Color32) {
    match detector {
        "ADWIN" => (MarkerShape::Up, Color32::from_rgb(133, 153, 0)),
        "DDM" => (MarkerShape::Diamond, Color32::from_rgb(203, 75, 22)),
        _ => (MarkerShape::Square, Color32::from_rgb(108, 113, 196)),
    }
}

/// Policies offered as check boxes (any other can be typed).
fn offered_policies() -> Vec<Policy> {
    vec![
        Policy::Never,
        Policy::Every { k: 4 },
        Policy::OnDrift {
            detector: DetectorKind::Adwin,
        },
        Policy::OnDrift {
            detector: DetectorKind::Ddm,
        },
        Policy::OnDrift {
            detector: DetectorKind::PageHinkley,
        },
        Policy::Floor { accuracy: 0.8 },
        Policy::DriftShare { share: 0.3 },
    ]
}

impl RetrainingState {
    /// Start (or keep) the backtest for the current inputs while the tab is shown, and collect
    /// its result (from `App::logic`).
    pub fn update(&mut self, cx: &ViewCtx<'_>) {
        request(self, cx);
        if self.outcome.poll() {
            self.shown.clear();
            self.lineage = None;
        }
    }
}

fn request(st: &mut RetrainingState, cx: &ViewCtx<'_>) {
    if cx.tab != Tab::Retraining {
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
    let settings = st.settings.clone();
    let renames = cx.renames.pairs().to_vec();
    let key = key_of(&(
        reference.load_id,
        current.load_id,
        role_list,
        &renames,
        format!("{settings:?}"),
    ));
    let waker = cx.waker();
    st.outcome.request(
        key,
        "Backtesting retraining policies",
        waker,
        move |progress| {
            let renames = crate::vocab::Renames::from(renames);
            let inputs = crate::engine::retrain::RetrainInputs {
                reference: &reference,
                current: &current,
                roles: &roles,
                renames: &renames,
            };
            run_retrain(&inputs, &settings, progress).map_err(|e| e.to_string())
        },
    );
}

/// `likely_renames`: the Integrity tab's likely renames, `(production, training)`, so that a
/// feature the backtest left out as missing in production can be renamed from here.
pub fn retraining_ui(
    st: &mut RetrainingState,
    cx: &mut ViewCtx<'_>,
    likely_renames: &[(String, String)],
    ui: &mut Ui,
) {
    if cx.dataset(Side::Reference).is_none() || cx.dataset(Side::Current).is_none() {
        ui.vertical_centered(|ui| {
            ui.add_space(80.0);
            ui.heading("Retraining needs both files");
            ui.label("Open a training file and a production file with a 0/1 target and a time column to backtest retraining policies.");
        });
        return;
    }
    egui::Panel::left("retraining_controls")
        .resizable(true)
        .default_size(270.0)
        .show(ui, |ui| {
            egui::ScrollArea::vertical()
                .id_salt("retraining_controls_scroll")
                .auto_shrink([false, false])
                .show(ui, |ui| controls_ui(st, ui));
        });
    egui::CentralPanel::default().show(ui, |ui| results_ui(st, cx, likely_renames, ui));
}

fn controls_ui(st: &mut RetrainingState, ui: &mut Ui) {
    ui.heading("Retraining lab");
    ui.label(
        RichText::new(
            "A stand-in model Sextant trains itself (logistic regression): it shows what retraining does on this data, not your own model.",
        )
        .weak(),
    );
    ui.separator();
    let s = &mut st.settings;
    ui.horizontal(|ui| {
        let l = ui.label("Windows");
        egui::ComboBox::from_id_salt("retraining_windows")
            .selected_text(s.windows.name())
            .show_ui(ui, |ui| {
                for u in [WindowUnit::Day, WindowUnit::Week, WindowUnit::Month] {
                    ui.selectable_value(&mut s.windows, u, u.name());
                }
            })
            .response
            .labelled_by(l.id);
    });
    if st.delay_text.is_empty() {
        st.delay_text = crate::analysis::retrain::policy::format_duration(s.label_delay_us);
    }
    ui.horizontal(|ui| {
        let l = ui.label("Label delay");
        let r = ui
            .add(egui::TextEdit::singleline(&mut st.delay_text).desired_width(70.0))
            .labelled_by(l.id);
        if r.lost_focus() {
            match parse_duration(&st.delay_text) {
                Ok(d) => {
                    s.label_delay_us = d;
                    st.edit_error = None;
                }
                Err(e) => st.edit_error = Some(e),
            }
        }
    });
    ui.horizontal(|ui| {
        let l = ui.label("Cost of a retrain (kappa)");
        ui.add(
            egui::DragValue::new(&mut s.cost)
                .range(0.0..=100.0)
                .speed(0.05),
        )
        .labelled_by(l.id);
    });
    ui.separator();
    ui.label(RichText::new("Policies").strong());
    let mut offered = offered_policies();
    for p in s.policies.iter() {
        if !offered.contains(p) {
            offered.push(*p);
        }
    }
    for p in offered {
        let mut on = s.policies.contains(&p);
        if ui.checkbox(&mut on, p.to_string()).changed() {
            if on {
                s.policies.push(p);
            } else if s.policies.len() > 1 {
                s.policies.retain(|q| *q != p);
            }
        }
    }
    ui.horizontal(|ui| {
        let r = ui.add(
            egui::TextEdit::singleline(&mut st.policy_text)
                .hint_text("every:8")
                .desired_width(120.0),
        );
        if ui.button("Add policy").clicked() || (r.lost_focus() && !st.policy_text.is_empty()) {
            match st.policy_text.parse::<Policy>() {
                Ok(p) => {
                    if !s.policies.contains(&p) {
                        s.policies.push(p);
                    }
                    st.policy_text.clear();
                    st.edit_error = None;
                }
                Err(e) if !st.policy_text.is_empty() => st.edit_error = Some(e),
                Err(_) => {}
            }
        }
    });
    ui.label(RichText::new("Modes").strong());
    let mut modes = vec![
        Mode::Scratch,
        Mode::Sliding {
            micros: 90 * MICROS_PER_DAY,
        },
        Mode::Incremental,
    ];
    for m in s.modes.iter() {
        if !modes.contains(m) {
            modes.push(*m);
        }
    }
    for m in modes {
        let mut on = s.modes.contains(&m);
        if ui.checkbox(&mut on, m.to_string()).changed() {
            if on {
                s.modes.push(m);
            } else if s.modes.len() > 1 {
                s.modes.retain(|q| *q != m);
            }
        }
    }
    ui.horizontal(|ui| {
        let r = ui.add(
            egui::TextEdit::singleline(&mut st.mode_text)
                .hint_text("sliding:30d")
                .desired_width(120.0),
        );
        if ui.button("Add mode").clicked() || (r.lost_focus() && !st.mode_text.is_empty()) {
            match st.mode_text.parse::<Mode>() {
                Ok(m) => {
                    if !s.modes.contains(&m) {
                        s.modes.push(m);
                    }
                    st.mode_text.clear();
                    st.edit_error = None;
                }
                Err(e) if !st.mode_text.is_empty() => st.edit_error = Some(e),
                Err(_) => {}
            }
        }
    });
    if let Some(e) = &st.edit_error {
        ui.colored_label(ui.visuals().error_fg_color, e);
    }
    ui.separator();
    egui::CollapsingHeader::new("The protocol, in short")
        .default_open(false)
        .show(ui, |ui| {
            for step in protocol_steps(s.windows) {
                ui.label(RichText::new(step).small());
            }
        });
}

fn results_ui(
    st: &mut RetrainingState,
    cx: &mut ViewCtx<'_>,
    likely_renames: &[(String, String)],
    ui: &mut Ui,
) {
    ui.horizontal(|ui| {
        ui.heading("When would retraining have paid off?");
        st.outcome.status_ui(ui);
    });
    if let Some(e) = &st.outcome.error {
        ui.colored_label(ui.visuals().error_fg_color, e);
    }
    let Some(o) = st.outcome.value.clone() else {
        if !st.outcome.is_running() && st.outcome.error.is_none() {
            ui.weak("No result yet.");
        }
        return;
    };
    if st.outcome.is_running() {
        ui.multiply_opacity(0.5);
    }
    if st.shown.is_empty()
        && let Some(b) = o.best
    {
        st.shown.push(b);
    }
    let p = &o.protocol;
    if let Some(b) = o.best {
        let r = &o.runs[b];
        ui.label(format!(
            "Best at kappa {}: {} {} — {} retrains, total cost {} (sum of window log loss {}). {} training and {} production rows, labels at {}, windows of one {} from {}.",
            fmt_num(p.cost),
            r.policy,
            r.mode,
            r.retrain_count,
            fmt_num(r.total_cost),
            fmt_num(r.sum_window_log_loss),
            p.reference_rows,
            p.current_rows,
            p.labels,
            p.windows.name(),
            format_micros(p.first_window),
        ));
    }
    for n in &o.notes {
        ui.label(RichText::new(format!("Note: {n}")).weak());
    }
    rename_offers_ui(st, &o, cx, likely_renames, ui);
    egui::ScrollArea::vertical()
        .id_salt("retraining_results")
        .auto_shrink([false, false])
        .show(ui, |ui| {
            runs_table_ui(st, &o, ui);
            ui.add_space(6.0);
            if !o.detector_alarms.is_empty() {
                ui.label(
                    RichText::new(format!(
                        "Marks beneath each timeline: the Health tab's {} alarms on the deployed model's errors ({} in all).",
                        ALARM_DETECTORS.join(", "),
                        o.detector_alarms.len()
                    ))
                    .weak(),
                );
            }
            for &i in &st.shown.clone() {
                timeline_ui(&o, i, ui);
            }
            ui.add_space(6.0);
            ui.columns(2, |cols| {
                frontier_ui(&o, &mut cols[0]);
                kappa_ui(&o, &mut cols[1]);
            });
            ui.add_space(6.0);
            lineage_ui(st, &o, ui);
        });
}

fn runs_table_ui(st: &mut RetrainingState, o: &RetrainOutcome, ui: &mut Ui) {
    egui::Grid::new("retraining_runs")
        .striped(true)
        .num_columns(7)
        .show(ui, |ui| {
            for h in [
                "show",
                "policy",
                "mode",
                "retrains",
                "sum log loss",
                "total cost",
                "",
            ] {
                ui.label(RichText::new(h).strong());
            }
            ui.end_row();
            for (i, r) in o.runs.iter().enumerate() {
                let mut on = st.shown.contains(&i);
                if ui
                    .checkbox(&mut on, "")
                    .on_hover_text("Draw this run's timeline")
                    .changed()
                {
                    if on {
                        st.shown.push(i);
                    } else {
                        st.shown.retain(|&j| j != i);
                    }
                }
                ui.label(r.policy.to_string());
                ui.label(r.mode.to_string());
                ui.label(r.retrain_count.to_string());
                ui.label(fmt_num(r.sum_window_log_loss));
                ui.label(fmt_num(r.total_cost));
                let tag = if o.best == Some(i) {
                    "best"
                } else if o.frontier.contains(&i) {
                    "frontier"
                } else {
                    ""
                };
                if ui.small_button(format!("lineage {tag}")).clicked() {
                    st.lineage = Some(i);
                }
                ui.end_row();
            }
        });
}

/// A training feature the backtest could not use because production calls it otherwise, with
/// the Integrity tab's rename for it: one button accepts the rename for every tab (the same
/// command as the Integrity tab's), and the backtest reruns with the feature.
fn rename_offers_ui(
    st: &RetrainingState,
    o: &RetrainOutcome,
    cx: &mut ViewCtx<'_>,
    likely_renames: &[(String, String)],
    ui: &mut Ui,
) {
    for (current, reference) in likely_renames {
        let wanted = st
            .settings
            .features
            .as_ref()
            .is_none_or(|f| f.contains(reference));
        let used = o.protocol.features.contains(reference);
        let accepted = cx.renames.reference_name(current) != current.as_str();
        if !wanted || used || accepted || cx.roles.get(reference) != Role::Feature {
            continue;
        }
        ui.horizontal_wrapped(|ui| {
            ui.label(format!(
                "Production's {current} looks like training's {reference}, which the backtest left out."
            ));
            if ui
                .button(format!("Accept rename: {current} is {reference}"))
                .on_hover_text(format!(
                    "Compare production's {current} with training's {reference} in every tab, and use it in the backtest"
                ))
                .clicked()
            {
                cx.push(crate::gui::command::Command::AcceptRename(
                    current.clone(),
                    reference.clone(),
                ));
            }
        });
    }
}

fn day_of(us: i64) -> f64 {
    us as f64 / MICROS_PER_DAY as f64
}

fn timeline_ui(o: &RetrainOutcome, i: usize, ui: &mut Ui) {
    let r = &o.runs[i];
    ui.label(RichText::new(format!("{} {}: window log loss", r.policy, r.mode)).strong());
    let pts: Vec<[f64; 2]> = r
        .windows
        .iter()
        .filter_map(|w| w.log_loss.map(|l| [day_of(w.start), l]))
        .collect();
    let (lo, hi) = pts
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
            (lo.min(p[1]), hi.max(p[1]))
        });
    let (lo, hi) = if lo.is_finite() { (lo, hi) } else { (0.0, 1.0) };
    let step = ((hi - lo) * 0.08).max(0.01);
    let below = lo - step;
    Plot::new(("retraining_timeline", i))
        .height(130.0)
        .link_axis(egui::Id::unique(PLOT_GROUP), [true, false])
        .link_cursor(egui::Id::unique(PLOT_GROUP), [true, false])
        .y_axis_min_width(56.0)
        .x_grid_spacer(super::seasonality::date_grid)
        .x_axis_formatter(|mark: GridMark, _| super::seasonality::date_label(mark))
        .allow_scroll(false)
        // Top left: the loss line rises to the right after a drift, where a legend would hide it.
        .legend(Legend::default().position(egui_plot::Corner::LeftTop))
        .show(ui, |p| {
            p.line(Line::new("log loss", PlotPoints::from(pts.clone())));
            p.points(Points::new("window", PlotPoints::from(pts)).radius(2.5));
            for t in r.retrains.iter().filter(|t| t.version.is_some()) {
                p.vline(VLine::new("retrain", day_of(t.at)).color(RETRAIN_COLOR));
            }
            for t in r.retrains.iter().filter(|t| t.version.is_none()) {
                p.vline(
                    VLine::new("retrain skipped", day_of(t.at))
                        .color(RETRAIN_COLOR.gamma_multiply(0.3)),
                );
            }
            // The Health tab's alarms on the deployed model, one row per detector beneath the
            // lowest window loss, so that they never cover the line or the retrain lines' tops.
            for (k, name) in ALARM_DETECTORS.iter().enumerate() {
                let at: Vec<[f64; 2]> = o
                    .detector_alarms
                    .iter()
                    .filter(|a| a.detector == *name)
                    .map(|a| [day_of(a.at), below - step * k as f64])
                    .collect();
                if at.is_empty() {
                    continue;
                }
                let (shape, color) = alarm_style(name);
                p.points(
                    Points::new(format!("{name} alarm (Health)"), PlotPoints::from(at))
                        .shape(shape)
                        .filled(true)
                        .radius(4.0)
                        .color(color),
                );
            }
        });
}

fn frontier_ui(o: &RetrainOutcome, ui: &mut Ui) {
    ui.label(RichText::new("Cost frontier: retrains against the sum of log loss").strong());
    let all: Vec<[f64; 2]> = o
        .runs
        .iter()
        .map(|r| [r.retrain_count as f64, r.sum_window_log_loss])
        .collect();
    let front: Vec<[f64; 2]> = o.frontier.iter().map(|&i| all[i]).collect();
    let names: Vec<String> = o
        .runs
        .iter()
        .map(|r| format!("{} {}", r.policy, r.mode))
        .collect();
    let all_for_hover = all.clone();
    Plot::new("retraining_frontier")
        .height(200.0)
        .x_axis_label("retrains")
        .y_axis_label("sum of window log loss")
        .allow_scroll(false)
        .legend(Legend::default())
        .label_formatter(move |hover| {
            let pos = match hover {
                egui_plot::HoverPosition::NearDataPoint { position, .. } => position,
                egui_plot::HoverPosition::Elsewhere { position } => position,
            };
            all_for_hover
                .iter()
                .enumerate()
                .min_by(|a, b| {
                    let d = |p: &[f64; 2]| (p[0] - pos.x).powi(2) + (p[1] - pos.y).powi(2);
                    d(a.1).total_cmp(&d(b.1))
                })
                .map(|(i, p)| format!("{}\n{} retrains, {}", names[i], p[0], fmt_num(p[1])))
        })
        .show(ui, |p| {
            p.points(
                Points::new("run", PlotPoints::from(all))
                    .radius(4.0)
                    .shape(MarkerShape::Circle),
            );
            p.line(Line::new("frontier", PlotPoints::from(front)).color(FRONTIER_COLOR));
        });
}

fn kappa_ui(o: &RetrainOutcome, ui: &mut Ui) {
    ui.label(RichText::new("What if a retrain cost more?").strong());
    for s in &o.kappa_what_if {
        let r = &o.runs[s.run];
        let to =
            s.to.map_or_else(|| "and more".into(), |k| format!("to {}", fmt_num(k)));
        ui.label(format!(
            "kappa {} {to}: {} {}",
            fmt_num(s.from),
            r.policy,
            r.mode
        ));
    }
    if !o.delay_what_if.is_empty() {
        ui.add_space(6.0);
        ui.label(RichText::new("What if labels came later or sooner?").strong());
        for d in &o.delay_what_if {
            ui.label(format!(
                "{}: {} {} ({} retrains, total cost {})",
                d.label_delay,
                d.policy,
                d.mode,
                d.retrain_count,
                fmt_num(d.total_cost)
            ));
        }
    }
}

fn lineage_ui(st: &RetrainingState, o: &RetrainOutcome, ui: &mut Ui) {
    let Some(i) = st.lineage.or(o.best) else {
        return;
    };
    let r = &o.runs[i];
    ui.label(RichText::new(format!("Lineage of {} {}", r.policy, r.mode)).strong());
    if r.retrains.is_empty() {
        ui.weak("No retrain: version 1 served every window.");
        return;
    }
    let cell = |v: Option<f64>| v.map_or_else(|| "-".into(), fmt_num);
    egui::Grid::new("retraining_lineage")
        .striped(true)
        .num_columns(8)
        .show(ui, |ui| {
            for h in [
                "at",
                "trigger",
                "version",
                "training rows",
                "training from",
                "to",
                "log loss before",
                "after",
            ] {
                ui.label(RichText::new(h).strong());
            }
            ui.end_row();
            for t in &r.retrains {
                ui.label(format_micros(t.at));
                ui.label(format!("{:?}", t.trigger).to_lowercase())
                    .on_hover_text(&t.evidence);
                ui.label(match (t.version, &t.skipped) {
                    (Some(v), _) => v.to_string(),
                    (None, Some(s)) => format!("skipped: {s}"),
                    (None, None) => "-".into(),
                });
                ui.label(t.rows.to_string());
                ui.label(t.train_start.map(format_micros).unwrap_or_default());
                ui.label(t.train_end.map(format_micros).unwrap_or_default());
                ui.label(cell(t.before.and_then(|m| m.log_loss)));
                ui.label(cell(t.after.and_then(|m| m.log_loss)));
                ui.end_row();
            }
        });
}

//! The Experiments tab's rollout view: a request log of a gradual rollout (the experiment
//! log's slot). The share of traffic on the new model over time with its ramp steps, each
//! guardrail's always-valid one-sided bound read after every hour with the breach marked, a
//! verdict per step ("safe to go on" or "roll back since …" with the evidence), and the
//! what-if replay of another ramp plan. The computation is `engine::rollout::run`, the one
//! `sextant rollout` runs.

use std::sync::Arc;

use egui::{Color32, RichText, Ui};
use egui_plot::{Legend, Line, Plot, PlotPoints, VLine};

use crate::analysis::experiment::moments::{Direction, MetricKind};
use crate::analysis::experiment::rollout::StepVerdict;
use crate::data::Dataset;
use crate::engine::experiment::MetricSpec;
use crate::engine::experiment_columns::{LogColumn, guess_control, guess_direction};
use crate::engine::rollout::{RolloutOutcome, RolloutSettings, parse_plan, run};
use crate::format::{fmt_num, fmt_p, fmt_pct};
use crate::gui::computed::{Computed, key_of};
use crate::gui::widgets::{CURRENT_COLOR, REFERENCE_COLOR};
use crate::present::rollout::{evidence_text, verdict_text};
use crate::vocab::time::{MICROS_PER_DAY, format_micros};
use crate::vocab::{ColumnKind, Role, Waker};

const BREACH_COLOR: Color32 = Color32::from_rgb(220, 50, 47);
const SAFE_COLOR: Color32 = Color32::from_rgb(60, 170, 90);
const PLAN_COLOR: Color32 = Color32::from_rgb(150, 110, 200);

/// The rollout view's state (inside the Experiments tab's).
#[derive(Default)]
pub struct RolloutState {
    pub settings: RolloutSettings,
    pub result: Computed<RolloutOutcome>,
    /// The plan as typed (`1%@2025-12-01,25%@2025-12-08`); parsed into the settings.
    pub plan_text: String,
    pub plan_error: Option<String>,
}

/// Settings from the log's names: the variant and control, the time column, the first 0/1
/// column as the success, lower-is-better numbers (latency, errors) as guardrails.
pub fn infer(columns: &[LogColumn], arms: &[String]) -> RolloutSettings {
    let mut s = RolloutSettings::default();
    if let Some(v) = columns.iter().find(|c| c.role == Role::Variant) {
        s.variant = v.name.clone();
    }
    s.control = guess_control(arms).unwrap_or_default();
    if let Some(t) = columns.iter().find(|c| c.role == Role::Timestamp) {
        s.time = t.name.clone();
    }
    let numbers: Vec<&LogColumn> = columns
        .iter()
        .filter(|c| matches!(c.kind, ColumnKind::Numeric | ColumnKind::Boolean))
        .filter(|c| !matches!(c.role, Role::Id | Role::Timestamp | Role::Covariate))
        .collect();
    let success = numbers
        .iter()
        .find(|c| {
            c.kind == ColumnKind::Boolean || guess_direction(&c.name) == Direction::HigherIsBetter
        })
        .map(|c| c.name.clone());
    if let Some(name) = success {
        s.success = MetricSpec {
            column: name,
            kind: None,
            direction: Direction::HigherIsBetter,
            role: Default::default(),
        };
    }
    for c in numbers {
        if c.name != s.success.column && guess_direction(&c.name) == Direction::LowerIsBetter {
            s.guardrails.push(MetricSpec {
                column: c.name.clone(),
                kind: None,
                direction: Direction::LowerIsBetter,
                role: Default::default(),
            });
        }
    }
    s
}

impl RolloutState {
    pub fn ready(&self) -> bool {
        self.settings.is_chosen()
    }

    /// Start (or keep) the computation for the current inputs.
    pub fn request(&mut self, log: &Arc<Dataset>, waker: Option<Waker>) {
        if !self.ready() {
            return;
        }
        let settings = self.settings.clone();
        let key = key_of(&(log.load_id, format!("{settings:?}")));
        let log = Arc::clone(log);
        self.result
            .request(key, "Analysing the rollout", waker, move |progress| {
                run(&log, &settings, progress).map_err(|e| e.to_string())
            });
    }
}

fn combo(ui: &mut Ui, label: &str, choice: &mut String, options: &[String]) {
    crate::gui::widgets::name_combo(ui, "rollout_combo", label, choice, options);
}

/// The rollout's columns, guardrails and replay plan.
pub fn controls_ui(st: &mut RolloutState, columns: &[LogColumn], arms: &[String], ui: &mut Ui) {
    let names: Vec<String> = columns.iter().map(|c| c.name.clone()).collect();
    let numbers: Vec<String> = columns
        .iter()
        .filter(|c| matches!(c.kind, ColumnKind::Numeric | ColumnKind::Boolean))
        .map(|c| c.name.clone())
        .collect();
    let s = &mut st.settings;
    ui.strong("Columns");
    combo(ui, "Variant", &mut s.variant, &names);
    combo(ui, "Control", &mut s.control, arms);
    combo(ui, "Time", &mut s.time, &names);
    combo(ui, "Success", &mut s.success.column, &numbers);
    ui.separator();
    ui.strong("Guardrails");
    ui.weak("A one-sided sequential test each: is the new model worse?");
    for name in numbers.iter().filter(|n| **n != s.success.column) {
        let pos = s.guardrails.iter().position(|g| &g.column == name);
        let mut on = pos.is_some();
        ui.horizontal(|ui| {
            if ui.checkbox(&mut on, name.as_str()).changed() {
                match pos {
                    None => s.guardrails.push(MetricSpec {
                        column: name.clone(),
                        kind: None,
                        direction: guess_direction(name),
                        role: Default::default(),
                    }),
                    Some(i) => {
                        s.guardrails.remove(i);
                    }
                }
            }
            if let Some(g) = s.guardrails.iter_mut().find(|g| &g.column == name) {
                crate::gui::widgets::direction_button(ui, &mut g.direction);
            }
        });
    }
    ui.horizontal(|ui| {
        let l = ui.label("α (one-sided)");
        ui.add(
            egui::DragValue::new(&mut s.tests.alpha)
                .range(0.001..=0.2)
                .speed(0.001)
                .max_decimals(3),
        )
        .labelled_by(l.id);
    });
    ui.separator();
    ui.strong("What-if replay");
    ui.weak("Another ramp on the same log: when would the guardrails have stopped it?");
    let edit = ui.add(
        egui::TextEdit::singleline(&mut st.plan_text)
            .hint_text("1%@2025-12-01,10%@2025-12-03,50%@2025-12-05")
            .desired_width(f32::INFINITY),
    );
    if edit.changed() {
        if st.plan_text.trim().is_empty() {
            st.settings.plan.clear();
            st.plan_error = None;
        } else {
            match parse_plan(&st.plan_text) {
                Ok(plan) => {
                    st.settings.plan = plan;
                    st.plan_error = None;
                }
                Err(e) => st.plan_error = Some(format!("The plan {e}")),
            }
        }
    }
    if let Some(e) = &st.plan_error {
        ui.colored_label(ui.visuals().error_fg_color, e);
    }
}

/// The verdict, the share and guardrail plots, and the steps table.
pub fn results_ui(st: &mut RolloutState, log: &Dataset, ui: &mut Ui) {
    st.result.status_ui(ui);
    let Some(o) = st.result.value.clone() else {
        if !st.ready() {
            ui.label(format!(
                "Choose the variant, control, time and success columns of {} on the left.",
                log.name()
            ));
        }
        return;
    };
    if st.result.is_running() {
        ui.multiply_opacity(0.5);
    }
    let r = &o.report;
    let relative = o.settings.tests.difference
        == crate::analysis::experiment::stratified::Difference::Relative;
    match (&r.stopped_at, &r.stopped_by) {
        (Some(at), Some(e)) => {
            egui::Frame::new()
                .fill(Color32::from_rgb(120, 20, 20))
                .inner_margin(8.0)
                .corner_radius(4.0)
                .show(ui, |ui| {
                    ui.set_width(ui.available_width());
                    ui.label(
                        RichText::new(format!(
                            "Roll back: a guardrail broke at {} (step {}).",
                            format_micros(*at),
                            e.step + 1
                        ))
                        .color(Color32::WHITE)
                        .strong(),
                    );
                    ui.label(RichText::new(evidence_text(e, relative)).color(Color32::WHITE));
                });
        }
        _ => {
            ui.colored_label(
                SAFE_COLOR,
                "No guardrail broke: every step was safe to go on.",
            );
        }
    }
    ui.label(format!(
        "{}: {} requests, {} analysed · {} against {} · tests read every {} (always-valid, one-sided α = {}, stratified by step)",
        log.name(),
        o.rows,
        o.used_rows,
        o.treatment,
        o.control,
        bucket_name(r.grid.width),
        fmt_num(o.settings.tests.alpha)
    ));
    for p in &o.problems {
        ui.colored_label(ui.visuals().warn_fg_color, p);
    }
    share_plot(&o, ui);
    for g in &r.guardrails {
        guardrail_plot(&o, g, relative, ui);
    }
    steps_table(&o, relative, ui);
    if let Some(replay) = &o.replay {
        ui.add_space(6.0);
        ui.strong("What-if replay");
        ui.label(match replay.median_stop {
            Some(t) => format!(
                "The plan would have stopped in {} of {} replays, at {} (median).",
                replay.stopped_replays,
                replay.stop_times.len(),
                format_micros(t)
            ),
            None => format!(
                "The plan would not have stopped in any of {} replays.",
                replay.stop_times.len()
            ),
        });
    }
}

fn bucket_name(width: i64) -> &'static str {
    if width >= MICROS_PER_DAY {
        "day"
    } else {
        "hour"
    }
}

fn hover_point(pos: &egui_plot::HoverPosition) -> egui_plot::PlotPoint {
    match pos {
        egui_plot::HoverPosition::NearDataPoint { position, .. } => *position,
        egui_plot::HoverPosition::Elsewhere { position } => *position,
    }
}

fn days(t: i64) -> f64 {
    t as f64 / MICROS_PER_DAY as f64
}

fn date_axis(x: f64) -> String {
    format_micros((x * MICROS_PER_DAY as f64) as i64)
        .get(..10)
        .unwrap_or_default()
        .to_string()
}

/// The observed share of the new model per step (and the plan's, when replayed).
fn share_plot(o: &RolloutOutcome, ui: &mut Ui) {
    let r = &o.report;
    let mut observed = Vec::new();
    for s in &r.steps {
        observed.push([days(s.step.start), s.step.share()]);
        observed.push([days(s.step.end), s.step.share()]);
    }
    ui.strong(format!("Share of traffic on {}", o.treatment));
    Plot::new("rollout_share")
        .height(140.0)
        .link_axis(egui::Id::unique("rollout_x"), [true, false])
        .link_cursor(egui::Id::unique("rollout_x"), [true, false])
        .include_y(0.0)
        .include_y(1.0)
        .x_axis_formatter(|m, _| date_axis(m.value))
        .y_axis_formatter(|m, _| fmt_pct(m.value))
        .label_formatter(|pos| {
            let p = hover_point(pos);
            Some(format!("{} · {}", date_axis(p.x), fmt_pct(p.y)))
        })
        .legend(Legend::default())
        .allow_scroll(false)
        .show(ui, |plot| {
            // No bands: egui_plot merges points that share an x (a step's risers) into one
            // band, which draws the steps as a slanted ribbon.
            plot.line(
                Line::new("observed", PlotPoints::from(observed))
                    .color(CURRENT_COLOR)
                    .allow_band(false)
                    .fill(0.0),
            );
            if let Some(replay) = &o.replay {
                let mut planned = Vec::new();
                let end = r.steps.last().map_or(0, |s| s.step.end);
                for (i, p) in replay.plan.iter().enumerate() {
                    let until = replay.plan.get(i + 1).map_or(end, |n| n.start);
                    planned.push([days(p.start), p.share]);
                    planned.push([days(until), p.share]);
                }
                plot.line(
                    Line::new("plan", PlotPoints::from(planned))
                        .color(PLAN_COLOR)
                        .allow_band(false),
                );
            }
            if let Some(at) = r.stopped_at {
                plot.vline(VLine::new("guardrail broke", days(at)).color(BREACH_COLOR));
            }
        });
}

/// A guardrail's cumulative stratified effect and its always-valid bound after every look;
/// the bound crossing zero is the breach.
fn guardrail_plot(
    o: &RolloutOutcome,
    g: &crate::analysis::experiment::rollout::GuardrailTrack,
    relative: bool,
    ui: &mut Ui,
) {
    let scale = if relative { 100.0 } else { 1.0 };
    let mut estimate = Vec::new();
    let mut bound = Vec::new();
    for l in &g.looks {
        if let Some(t) = &l.test {
            estimate.push([days(l.time), t.estimate * scale]);
            bound.push([days(l.time), t.bound * scale]);
        }
    }
    let worse = match g.direction {
        Direction::LowerIsBetter => "higher",
        Direction::HigherIsBetter => "lower",
    };
    ui.strong(format!(
        "Guardrail {} ({}): {} − {}{}, worse is {worse}",
        g.metric,
        match g.kind {
            MetricKind::Proportion => "proportion",
            MetricKind::Mean => "mean",
        },
        o.treatment,
        o.control,
        if relative { " (relative, %)" } else { "" }
    ));
    if let Some(e) = &g.error {
        ui.colored_label(ui.visuals().warn_fg_color, e);
        return;
    }
    Plot::new(("rollout_guardrail", &g.metric))
        .height(140.0)
        .link_axis(egui::Id::unique("rollout_x"), [true, false])
        .link_cursor(egui::Id::unique("rollout_x"), [true, false])
        .x_axis_formatter(|m, _| date_axis(m.value))
        .label_formatter(|pos| {
            let p = hover_point(pos);
            Some(format!("{} · {}", date_axis(p.x), fmt_num(p.y)))
        })
        .legend(Legend::default())
        .allow_scroll(false)
        .show(ui, |plot| {
            plot.hline(egui_plot::HLine::new("no difference", 0.0).color(Color32::GRAY));
            plot.line(Line::new("effect", PlotPoints::from(estimate)).color(REFERENCE_COLOR));
            plot.line(
                Line::new("always-valid bound", PlotPoints::from(bound))
                    .color(BREACH_COLOR.gamma_multiply(0.7)),
            );
            if let Some(at) = g.breached_at() {
                plot.vline(VLine::new("breach", days(at)).color(BREACH_COLOR));
            }
        });
}

fn steps_table(o: &RolloutOutcome, relative: bool, ui: &mut Ui) {
    let r = &o.report;
    ui.add_space(4.0);
    ui.strong("Steps");
    egui::Grid::new("rollout_steps")
        .striped(true)
        .num_columns(6)
        .spacing([12.0, 4.0])
        .show(ui, |ui| {
            for h in ["step", "from", "to", "share", o.success.as_str(), "verdict"] {
                ui.strong(h);
            }
            ui.end_row();
            for (i, s) in r.steps.iter().enumerate() {
                ui.label(format!("{}", i + 1));
                ui.label(format_micros(s.step.start));
                ui.label(format_micros(s.step.end));
                ui.label(fmt_pct(s.step.share())).on_hover_text(format!(
                    "{} {} requests, {} {}{}",
                    s.step.control,
                    o.control,
                    s.step.treatment,
                    o.treatment,
                    s.planned_share
                        .map(|p| format!(" · planned {}", fmt_pct(p)))
                        .unwrap_or_default()
                ));
                match &s.success {
                    Some(e) => {
                        let est = if relative { &e.relative } else { &e.absolute };
                        ui.label(format!(
                            "{} (p = {})",
                            if relative {
                                format!("{:+.2} %", est.estimate * 100.0)
                            } else {
                                fmt_num(est.estimate)
                            },
                            fmt_p(e.p_value)
                        ));
                    }
                    None => {
                        ui.weak(s.success_error.clone().unwrap_or_default());
                    }
                }
                let color = match s.verdict {
                    StepVerdict::SafeToGoOn => SAFE_COLOR,
                    StepVerdict::RollBack { .. } => BREACH_COLOR,
                    StepVerdict::NotTested { .. } => ui.visuals().weak_text_color(),
                };
                let text = verdict_text(&s.verdict);
                let hover: Vec<String> = s
                    .guardrails
                    .iter()
                    .map(|g| match g.at_end.as_ref().and_then(|l| l.test.as_ref()) {
                        Some(t) => format!(
                            "{}: effect {}, bound {}, p = {}{}",
                            g.metric,
                            fmt_num(t.estimate),
                            fmt_num(t.bound),
                            fmt_p(t.p_value),
                            if g.breached { " · breached" } else { "" }
                        ),
                        None => format!("{}: not tested at the step's end", g.metric),
                    })
                    .collect();
                ui.colored_label(color, text)
                    .on_hover_text(hover.join("\n"));
                ui.end_row();
            }
        });
}

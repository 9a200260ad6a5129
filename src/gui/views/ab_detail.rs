//! The A/B test's parts below the results table: the cumulative effect over exposure days
//! (fixed and always-valid intervals, one plot per metric × treatment arm), the effects per
//! segment value with the Simpson's-paradox notes, and the power planner. Every number comes
//! from `engine::experiment::run` (timeline, segments, power rows) or `engine::power::run`
//! (the planner); this file only draws them.

use egui::{Color32, RichText, Ui};
use egui_plot::{HLine, Line, LineStyle, Plot, PlotPoints};

use crate::analysis::experiment::frequentist::Verdict;
use crate::analysis::experiment::moments::MetricKind;
use crate::engine::experiment::{ExperimentOutcome, TimelineDay};
use crate::engine::power::{ARMS_RANGE, PowerOutcome, PowerSettings, run as plan};
use crate::format::{fmt_num, fmt_p, fmt_pct};
use crate::gui::widgets::{CURRENT_COLOR, REFERENCE_COLOR};
use crate::session::v1::PlannerView;
use crate::vocab::Progress;

const SEQUENTIAL_COLOR: Color32 = Color32::from_rgb(150, 110, 200);
const WARN_COLOR: Color32 = Color32::from_rgb(230, 160, 40);

/// The power planner's settings and its last plan.
#[derive(Default)]
pub struct PlannerState {
    pub view: PlannerView,
    /// The plan for the current inputs (`engine::power::run` takes microseconds, so it runs
    /// in `App::logic` when an input changes, not on a thread).
    pub outcome: Option<Result<PowerOutcome, String>>,
    key: Option<String>,
}

impl PlannerState {
    /// The plan with the log's numbers in it: the baseline (and standard deviation) of the
    /// chosen metric's control arm, the observed daily units, and the units per arm already
    /// collected (the harmonic mean of the control's and the first treatment's, as the
    /// engine's power rows use).
    pub fn effective(&self, o: Option<&ExperimentOutcome>) -> PowerSettings {
        let mut p = self.view.plan.clone();
        let Some(o) = o else {
            return p;
        };
        p.daily_units = o.power.daily_units;
        let metric = self.view.metric.as_deref();
        let row = o
            .power
            .metrics
            .iter()
            .find(|r| Some(r.metric.as_str()) == metric)
            .or(o.power.metrics.first());
        p.units_per_arm = row
            .map(|r| r.units_per_arm.floor() as u64)
            .or_else(|| o.units.iter().copied().min());
        if let Some(m) = metric
            && let Some(e) = o
                .report
                .metrics
                .iter()
                .find(|r| r.metric == m)
                .and_then(|r| r.result.as_ref().map(|e| (r.kind, e)))
        {
            let (kind, e) = e;
            p.baseline = e.effect.control.mean;
            p.std_dev = match kind {
                MetricKind::Proportion => None,
                MetricKind::Mean => Some(e.effect.control.variance.sqrt()),
            };
        }
        p
    }

    /// Plan again when an input changed (from `App::logic`).
    pub fn update(&mut self, o: Option<&ExperimentOutcome>) {
        let settings = self.effective(o);
        let key = format!("{settings:?}");
        if self.key.as_deref() == Some(key.as_str()) {
            return;
        }
        self.outcome = Some(plan(&settings, &Progress::silent()).map_err(|e| e.to_string()));
        self.key = Some(key);
    }
}

fn hover_point(pos: &egui_plot::HoverPosition) -> egui_plot::PlotPoint {
    match pos {
        egui_plot::HoverPosition::NearDataPoint { position, .. } => *position,
        egui_plot::HoverPosition::Elsewhere { position } => *position,
    }
}

/// The cumulative lift of every metric × treatment arm after each exposure day.
pub fn timeline_ui(o: &ExperimentOutcome, time: Option<&str>, ui: &mut Ui) {
    let Some(time) = time else {
        ui.weak("Choose the time column on the left to see the effect day by day and the days still needed.");
        return;
    };
    if o.timeline.is_empty() {
        ui.weak(format!(
            "No exposure day in \"{time}\" (see the notes above)."
        ));
        return;
    }
    ui.weak(format!(
        "Units first exposed up to each day (by \"{time}\"), each with its values over the whole log; the last day is the total. Orange: the lift; blue: the fixed-horizon interval, valid only at a planned end; dashed purple: the always-valid interval (GrowthBook's confidence sequences), safe to read every day. Hover for the numbers."
    ));
    let Some(first) = o.timeline.first() else {
        return;
    };
    for (i, p) in first.metrics.iter().enumerate() {
        metric_timeline(o, i, &p.metric, &p.arm, ui);
    }
}

fn metric_timeline(o: &ExperimentOutcome, index: usize, metric: &str, arm: &str, ui: &mut Ui) {
    let days: &[TimelineDay] = &o.timeline;
    let pct = |v: Option<f64>| v.filter(|v| v.is_finite()).map(|v| v * 100.0);
    let mut lift = Vec::new();
    let (mut lo, mut hi) = (Vec::new(), Vec::new());
    let (mut slo, mut shi) = (Vec::new(), Vec::new());
    for (x, d) in days.iter().enumerate() {
        let Some(p) = d.metrics.get(index) else {
            continue;
        };
        let x = x as f64;
        if let Some(v) = pct(p.lift) {
            lift.push([x, v]);
        }
        if let (Some(l), Some(h)) = (pct(p.ci_low), pct(p.ci_high)) {
            lo.push([x, l]);
            hi.push([x, h]);
        }
        if let (Some(l), Some(h)) = (pct(p.sequential_ci_low), pct(p.sequential_ci_high)) {
            slo.push([x, l]);
            shi.push([x, h]);
        }
    }
    ui.add_space(4.0);
    ui.strong(format!("{metric} · {arm}: cumulative lift, %"));
    let date = |x: f64| -> String {
        let i = x.round();
        if i < 0.0 {
            return String::new();
        }
        days.get(i as usize)
            .map(|d| d.date.get(..10).unwrap_or(&d.date).to_string())
            .unwrap_or_default()
    };
    Plot::new(("experiment_timeline", metric, arm))
        .height(150.0)
        .link_axis(egui::Id::unique("experiment_timeline_x"), [true, false])
        .link_cursor(egui::Id::unique("experiment_timeline_x"), [true, false])
        .x_axis_formatter(move |m, _| {
            if (m.value - m.value.round()).abs() < 1e-9 {
                date(m.value)
            } else {
                String::new()
            }
        })
        .label_formatter(|pos| {
            let x = hover_point(pos).x.round();
            if x < 0.0 {
                return None;
            }
            let d = days.get(x as usize)?;
            let p = d.metrics.get(index)?;
            let units: u64 = d.units.iter().sum();
            let iv = |l: Option<f64>, h: Option<f64>| match (l, h) {
                (Some(l), Some(h)) => format!("{:+.3} % … {:+.3} %", l * 100.0, h * 100.0),
                _ => "not computed".to_string(),
            };
            Some(match p.lift {
                Some(l) => format!(
                    "{} · {units} units\nlift {:+.3} %\nfixed {}\nalways-valid {}\np = {}",
                    d.date.get(..10).unwrap_or(&d.date),
                    l * 100.0,
                    iv(p.ci_low, p.ci_high),
                    iv(p.sequential_ci_low, p.sequential_ci_high),
                    p.p_value.map(fmt_p).unwrap_or_default()
                ),
                None => format!(
                    "{} · {units} units\n{}",
                    d.date.get(..10).unwrap_or(&d.date),
                    p.error.clone().unwrap_or_default()
                ),
            })
        })
        .allow_scroll(false)
        .show(ui, |plot| {
            plot.hline(HLine::new("no effect", 0.0).color(Color32::GRAY));
            plot.line(
                Line::new("fixed interval", PlotPoints::from(lo))
                    .color(REFERENCE_COLOR.gamma_multiply(0.7)),
            );
            plot.line(
                Line::new("fixed interval", PlotPoints::from(hi))
                    .color(REFERENCE_COLOR.gamma_multiply(0.7)),
            );
            plot.line(
                Line::new("always-valid interval", PlotPoints::from(slo))
                    .color(SEQUENTIAL_COLOR)
                    .style(LineStyle::dashed_loose()),
            );
            plot.line(
                Line::new("always-valid interval", PlotPoints::from(shi))
                    .color(SEQUENTIAL_COLOR)
                    .style(LineStyle::dashed_loose()),
            );
            plot.line(
                Line::new("lift", PlotPoints::from(lift))
                    .color(CURRENT_COLOR)
                    .width(2.0),
            );
        });
}

fn verdict_text(v: Verdict) -> (&'static str, Color32) {
    match v {
        Verdict::Better => ("better", Color32::from_rgb(60, 170, 90)),
        Verdict::Worse => ("worse", Color32::from_rgb(220, 50, 47)),
        Verdict::Inconclusive => ("inconclusive", Color32::from_rgb(150, 150, 150)),
    }
}

fn interval(l: f64, h: f64) -> String {
    format!("{:+.2} % … {:+.2} %", l * 100.0, h * 100.0)
}

/// The effect per value of the segment column, with the same correction across the values
/// and a note where a segment moves the other way than the total.
pub fn segments_ui(o: &ExperimentOutcome, segment: Option<&str>, ui: &mut Ui) {
    let Some(column) = segment else {
        ui.weak(
            "Choose a segment column on the left (channel, region…) to see the effect per value.",
        );
        return;
    };
    let Some(s) = o.segments.iter().find(|s| s.column == column) else {
        return;
    };
    if let Some(e) = &s.error {
        ui.colored_label(ui.visuals().warn_fg_color, e);
        return;
    }
    if s.missing_units > 0 {
        ui.weak(format!(
            "{} units without a value of {column} are left out of the segments (not of the total).",
            s.missing_units
        ));
    }
    for m in &s.metrics {
        for n in &m.notes {
            ui.label(RichText::new(n).color(WARN_COLOR));
        }
        if let Some(e) = &m.error {
            ui.colored_label(ui.visuals().warn_fg_color, e);
        }
    }
    egui::ScrollArea::horizontal()
        .id_salt("experiment_segments_wide")
        .show(ui, |ui| {
            egui::Grid::new("experiment_segments")
                .striped(true)
                .num_columns(9)
                .spacing([12.0, 4.0])
                .show(ui, |ui| {
                    for h in [
                        "metric",
                        "arm",
                        column,
                        "control units",
                        "treatment units",
                        "lift",
                        "interval",
                        "adj. p",
                        "verdict",
                    ] {
                        ui.strong(h);
                    }
                    ui.end_row();
                    for m in &s.metrics {
                        let Some(r) = &m.report else { continue };
                        let t = &r.total;
                        ui.label(&m.metric);
                        ui.label(&m.arm);
                        ui.strong("all");
                        ui.label(t.control.n.to_string());
                        ui.label(t.treatment.n.to_string());
                        ui.label(format!("{:+.2} %", t.relative.estimate * 100.0));
                        ui.label(interval(t.relative.ci_low, t.relative.ci_high));
                        ui.label(fmt_p(t.relative.p_value));
                        let (text, color) = verdict_text(t.verdict);
                        ui.colored_label(color, text);
                        ui.end_row();
                        for g in &r.segments {
                            ui.label("");
                            ui.label("");
                            ui.label(&g.segment);
                            match &g.effect {
                                Some(e) => {
                                    ui.label(e.control.n.to_string());
                                    ui.label(e.treatment.n.to_string());
                                    let lift = format!("{:+.2} %", e.relative.estimate * 100.0);
                                    if g.sign_differs {
                                        ui.label(RichText::new(lift).color(WARN_COLOR))
                                            .on_hover_text("The opposite sign of the total");
                                    } else {
                                        ui.label(lift);
                                    }
                                    ui.label(interval(e.relative.ci_low, e.relative.ci_high))
                                        .on_hover_text(format!("raw p = {}", fmt_p(e.p_value)));
                                    ui.label(g.adjusted_p_value.map(fmt_p).unwrap_or_default());
                                    match g.verdict {
                                        Some(v) => {
                                            let (text, color) = verdict_text(v);
                                            let text = if g.sign_differs {
                                                format!("{text} (sign differs)")
                                            } else {
                                                text.to_string()
                                            };
                                            ui.colored_label(color, text);
                                        }
                                        None => {
                                            ui.label("");
                                        }
                                    }
                                }
                                None => {
                                    for _ in 0..5 {
                                        ui.label("");
                                    }
                                    ui.weak(g.error.clone().unwrap_or_default());
                                }
                            }
                            ui.end_row();
                        }
                    }
                });
        });
}

/// The planner's inputs and its plan, then the engine's power for the effect observed so far.
pub fn planner_ui(st: &mut PlannerState, o: &ExperimentOutcome, ui: &mut Ui) {
    let metrics: Vec<String> = o
        .report
        .metrics
        .iter()
        .filter(|m| m.result.is_some())
        .map(|m| m.metric.clone())
        .fold(Vec::new(), |mut v, m| {
            if !v.contains(&m) {
                v.push(m);
            }
            v
        });
    let effective = st.effective(Some(o));
    let view = &mut st.view;
    ui.horizontal(|ui| {
        let l = ui.label("Baseline from");
        egui::ComboBox::from_id_salt("planner_metric")
            .selected_text(view.metric.clone().unwrap_or_else(|| "typed in".into()))
            .width(140.0)
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut view.metric, None, "typed in");
                for m in &metrics {
                    ui.selectable_value(&mut view.metric, Some(m.clone()), m.as_str());
                }
            })
            .response
            .labelled_by(l.id)
            .on_hover_text("A metric of the log: its control arm's mean (and standard deviation for a mean) is the baseline");
        match &view.metric {
            Some(_) => {
                ui.label(match effective.std_dev {
                    Some(sd) => format!(
                        "control mean {} (sd {})",
                        fmt_num(effective.baseline),
                        fmt_num(sd)
                    ),
                    None => format!("control rate {}", fmt_pct(effective.baseline)),
                });
            }
            None => {
                ui.add(
                    egui::DragValue::new(&mut view.plan.baseline)
                        .speed(0.001)
                        .max_decimals(4),
                );
                let mut mean = view.plan.std_dev.is_some();
                if ui
                    .checkbox(&mut mean, "mean, sd")
                    .on_hover_text("A mean metric with this per-unit standard deviation; off: the baseline is a rate")
                    .changed()
                {
                    view.plan.std_dev = mean.then_some(1.0);
                }
                if let Some(sd) = view.plan.std_dev.as_mut() {
                    ui.add(egui::DragValue::new(sd).speed(0.01).max_decimals(4));
                }
            }
        }
    });
    ui.horizontal(|ui| {
        let l = ui.label("Minimum effect");
        ui.add(
            egui::DragValue::new(&mut view.plan.mde)
                .speed(0.001)
                .max_decimals(4),
        )
        .labelled_by(l.id);
        ui.checkbox(&mut view.plan.relative, "relative")
            .on_hover_text(
                "On: a fraction of the baseline (0.05 = 5 %); off: in the metric's units",
            );
        let l = ui.label("α");
        ui.add(
            egui::DragValue::new(&mut view.plan.alpha)
                .range(0.001..=0.2)
                .speed(0.001)
                .max_decimals(3),
        )
        .labelled_by(l.id);
        let l = ui.label("power");
        ui.add(
            egui::DragValue::new(&mut view.plan.power)
                .range(0.5..=0.99)
                .speed(0.005)
                .max_decimals(3),
        )
        .labelled_by(l.id);
        let l = ui.label("arms");
        ui.add(egui::DragValue::new(&mut view.plan.arms).range(ARMS_RANGE.0..=ARMS_RANGE.1))
            .labelled_by(l.id);
    });
    match &st.outcome {
        Some(Ok(p)) => {
            let s = &p.sample;
            ui.label(
                RichText::new(format!(
                    "Sample per arm: {} ({} in all over {} arms)",
                    s.per_arm, s.total, p.arms
                ))
                .strong(),
            )
            .on_hover_text(format!(
                "Normal approximation: n = (z(1−α/2) + z(power))² · (σ²_control + σ²_treatment) / Δ², Δ = {} (exact {})",
                fmt_num(s.delta),
                fmt_num(s.per_arm_exact)
            ));
            if let (Some(u), Some(days), Some(left)) = (p.daily_units, s.days, s.days_remaining) {
                ui.label(format!(
                    "At the observed {} units a day: {} days in all, {} days still needed after the {} units per arm collected",
                    fmt_num(u),
                    fmt_num(days),
                    fmt_num(left),
                    p.units_per_arm.unwrap_or_default()
                ));
            } else {
                ui.weak(
                    "Choose the time column to get the observed traffic and the days still needed.",
                );
            }
            if let (Some(m), Some(n)) = (&p.mde_at_units, p.units_per_arm) {
                ui.label(format!(
                    "Detectable now (with {n} units per arm): {}{}",
                    fmt_num(m.absolute),
                    m.relative
                        .map(|r| format!(" ({:.2} % of the baseline)", r * 100.0))
                        .unwrap_or_default()
                ));
            }
        }
        Some(Err(e)) => {
            ui.colored_label(ui.visuals().error_fg_color, e);
        }
        None => {}
    }
    if o.power.metrics.is_empty() {
        return;
    }
    ui.add_space(4.0);
    ui.weak(format!(
        "For the effect observed so far, at power {} and α = {}:",
        fmt_pct(o.power.power),
        fmt_num(o.power.alpha)
    ));
    egui::Grid::new("experiment_power_rows")
        .striped(true)
        .num_columns(6)
        .spacing([12.0, 4.0])
        .show(ui, |ui| {
            for h in [
                "metric",
                "arm",
                "detectable now",
                "observed",
                "needed per arm",
                "days still needed",
            ] {
                ui.strong(h);
            }
            ui.end_row();
            for m in &o.power.metrics {
                ui.label(&m.metric);
                ui.label(&m.arm);
                ui.label(
                    m.mde
                        .map(|d| match d.relative {
                            Some(r) => format!("±{:.2} %", r * 100.0),
                            None => fmt_num(d.absolute),
                        })
                        .unwrap_or_default(),
                );
                ui.label(fmt_num(m.observed_absolute));
                ui.label(m.needed_per_arm.map(|n| n.to_string()).unwrap_or_default());
                let days = ui.label(m.days_remaining.map(fmt_num).unwrap_or_default());
                if let Some(e) = &m.error {
                    days.on_hover_text(e);
                }
                ui.end_row();
            }
        });
}

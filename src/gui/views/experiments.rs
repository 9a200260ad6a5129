//! The Experiments tab: an A/B test of models read from the experiment log (the third dataset).
//! The sample-ratio check comes first, as a red banner over everything when it fails; then one
//! row per metric × treatment arm with both means, the lift and its interval drawn as a forest
//! plot, the raw and adjusted p-values, the chance to win, CUPED and a verdict badge.
//!
//! The log's columns are read with their own roles (variant, unit id, covariates by name), not
//! the pair's: `group` or `channel` in an experiment log says nothing about the model's
//! features. The computation is `engine::experiment::run`, the one `sextant ab` runs.

use std::collections::BTreeMap;
use std::sync::Arc;

use egui::{Color32, RichText, Sense, Stroke, Ui, vec2};

use crate::analysis::experiment::frequentist::Verdict;
use crate::analysis::experiment::moments::MetricKind;
use crate::analysis::experiment::multiple::Correction;
use crate::data::Dataset;
use crate::engine::experiment::{
    ExperimentOutcome, ExperimentSettings, MetricRole, MetricSpec, run,
};
use crate::engine::experiment_columns::{
    LogColumn, distinct_values, guess_control, guess_direction, guess_role, infer_settings,
    log_columns,
};
use crate::format::{fmt_num, fmt_p, fmt_pct};
use crate::gui::command::Command;
use crate::gui::computed::{Computed, key_of};
use crate::gui::file_dialog::DialogPurpose;
use crate::gui::tab::Tab;
use crate::gui::view_ctx::ViewCtx;
use crate::session::v1::{ExperimentMode, ExperimentView};

use super::ab_detail::{self, PlannerState};
use super::compare::{self, CompareState};
use super::rollout::{self, RolloutState};
use crate::vocab::{ColumnKind, Slot};

const BETTER_COLOR: Color32 = Color32::from_rgb(60, 170, 90);
const WORSE_COLOR: Color32 = Color32::from_rgb(220, 50, 47);
const NEUTRAL_COLOR: Color32 = Color32::from_rgb(150, 150, 150);

/// The Experiments tab's state on `App`.
#[derive(Default)]
pub struct ExperimentsState {
    /// What the log is read as: an A/B test or a rollout.
    pub mode: ExperimentMode,
    /// The gradual rollout view.
    pub rollout: RolloutState,
    /// Champion against challenger on two score columns of the log.
    pub compare: CompareState,
    /// The A/B test's power planner.
    pub planner: PlannerState,
    /// The A/B test's settings (saved in the session).
    pub settings: ExperimentSettings,
    /// Alert rules `sextant check` judges on the experiment (saved in the session).
    pub rules: Vec<String>,
    pub result: Computed<ExperimentOutcome>,
    /// The log's columns (filled when a log is installed).
    pub columns: Vec<LogColumn>,
    /// The values of the variant column, sorted (the arms a control can be picked from).
    pub arms: Vec<String>,
    /// `load_id` of the log the columns were read from.
    log_id: Option<u64>,
    pub rule_text: String,
    pub rule_error: Option<String>,
}

impl ExperimentsState {
    pub fn is_busy(&self) -> bool {
        self.result.is_running()
            || self.rollout.result.is_running()
            || self.compare.result.is_running()
    }

    /// The settings a session stores.
    pub fn view_settings(&self) -> ExperimentView {
        ExperimentView {
            mode: self.mode,
            ab: self.settings.clone(),
            rules: self.rules.clone(),
            rollout: self.rollout.settings.clone(),
            compare: self.compare.settings.clone(),
            planner: self.planner.view.clone(),
        }
    }

    /// Take a session's settings (the log, if any, arrives later and keeps them when they fit).
    pub fn restore(&mut self, view: &ExperimentView) {
        self.mode = view.mode;
        self.settings = view.ab.clone();
        self.rules = view.rules.clone();
        self.rule_error = None;
        self.rollout.settings = view.rollout.clone();
        self.rollout.plan_error = None;
        self.rollout.plan_text = plan_text(&view.rollout.plan);
        self.compare.settings = view.compare.clone();
        self.planner.view = view.planner.clone();
    }

    /// A log was opened: read its columns, and choose the experiment's columns from their
    /// names when nothing is chosen yet or the chosen variant is not in this log.
    pub fn log_installed(&mut self, ds: &Dataset) {
        self.log_id = Some(ds.load_id);
        self.columns = log_columns(ds);
        let fits = !self.settings.variant.is_empty()
            && self.columns.iter().any(|c| c.name == self.settings.variant);
        if !fits {
            self.settings = infer_settings(&self.columns, ds);
        }
        self.arms = distinct_values(ds, &self.settings.variant);
        let rollout_fits = !self.rollout.settings.time.is_empty()
            && self
                .columns
                .iter()
                .any(|c| c.name == self.rollout.settings.variant);
        if !rollout_fits {
            self.rollout.settings = rollout::infer(&self.columns, &self.arms);
            self.rollout.plan_text.clear();
        }
        let compare_fits = [
            &self.compare.settings.target,
            &self.compare.settings.champion,
            &self.compare.settings.challenger,
        ]
        .iter()
        .all(|c| self.columns.iter().any(|l| &l.name == *c));
        let inferred_compare = compare::infer(&self.columns);
        if !compare_fits {
            self.compare.settings = inferred_compare.clone().unwrap_or_default();
        }
        if self
            .planner
            .view
            .metric
            .as_ref()
            .is_none_or(|m| !self.settings.metrics.iter().any(|s| &s.column == m))
        {
            self.planner.view.metric = self.settings.metrics.first().map(|m| m.column.clone());
        }
        if !fits && !rollout_fits && !compare_fits {
            self.mode = if self.settings.variant.is_empty() && inferred_compare.is_some() {
                // No variant but a label and two scores: a champion/challenger file.
                ExperimentMode::Compare
            } else if self.rollout.ready() && one_row_per_unit(ds, self.settings.unit.as_deref()) {
                // A log with a time column whose rows are their own units (no unit column, or
                // one like a request id) reads as requests over time.
                ExperimentMode::Rollout
            } else {
                ExperimentMode::AbTest
            };
        }
    }

    /// Whether the log has what a champion/challenger comparison reads (a label and two
    /// numbers), so the Compare mode is offered.
    pub fn compare_possible(&self) -> bool {
        let numbers = self
            .columns
            .iter()
            .filter(|c| matches!(c.kind, ColumnKind::Numeric | ColumnKind::Boolean))
            .count();
        numbers >= 3 || self.compare.ready()
    }

    /// Start (or keep) the computation for the current inputs while the tab is shown, and
    /// collect its result (from `App::logic`).
    pub fn update(&mut self, cx: &ViewCtx<'_>, log: Option<&Arc<Dataset>>) {
        self.result.poll();
        self.rollout.result.poll();
        self.compare.result.poll();
        self.planner.update(self.result.value.as_deref());
        if cx.tab != Tab::Experiments {
            return;
        }
        let Some(log) = log else {
            return;
        };
        if self.log_id != Some(log.load_id) {
            self.log_installed(log);
        }
        match self.mode {
            ExperimentMode::Rollout => {
                self.rollout.request(log, cx.waker());
                return;
            }
            ExperimentMode::Compare => {
                self.compare.request(log, cx.waker());
                return;
            }
            ExperimentMode::AbTest => {}
        }
        if self.settings.variant.is_empty()
            || self.settings.control.is_empty()
            || self.settings.metrics.is_empty()
        {
            return;
        }
        let settings = self.settings.clone();
        let key = key_of(&(log.load_id, format!("{settings:?}")));
        let log = Arc::clone(log);
        self.result.request(
            key,
            "Analysing the experiment",
            cx.waker(),
            move |progress| run(&log, &settings, progress).map_err(|e| e.to_string()),
        );
    }
}

/// Whether every row is its own unit: no unit column, or one with a distinct value per row.
fn one_row_per_unit(ds: &Dataset, unit: Option<&str>) -> bool {
    let Some(unit) = unit else {
        return true;
    };
    ds.frame
        .column(unit)
        .ok()
        .and_then(|c| c.as_materialized_series().n_unique().ok())
        == Some(ds.rows())
}

pub fn experiments_ui(
    st: &mut ExperimentsState,
    cx: &mut ViewCtx<'_>,
    log: Option<&Dataset>,
    ui: &mut Ui,
) {
    let Some(log) = log else {
        ui.vertical_centered(|ui| {
            ui.add_space(80.0);
            ui.heading("Experiments need an experiment log");
            ui.label("Open an A/B test log — one row per unit or per event, with the variant each unit was served and its metrics — to see the sample-ratio check, the lift of every metric with its interval, CUPED, the chance to win and sequential intervals.");
            ui.add_space(8.0);
            if ui.button("Open experiment log…").clicked() {
                cx.push(Command::OpenDialog(DialogPurpose::OpenData(Slot::Experiment)));
            }
        });
        return;
    };
    egui::Panel::left("experiment_controls")
        .resizable(true)
        .default_size(290.0)
        .show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.selectable_value(&mut st.mode, ExperimentMode::AbTest, "A/B test");
                ui.selectable_value(&mut st.mode, ExperimentMode::Rollout, "Rollout");
                if st.compare_possible() || st.mode == ExperimentMode::Compare {
                    ui.selectable_value(&mut st.mode, ExperimentMode::Compare, "Compare")
                        .on_hover_text("Champion against challenger: two score columns on the same labelled rows");
                }
            });
            ui.separator();
            egui::ScrollArea::vertical()
                .id_salt("experiment_controls_scroll")
                .auto_shrink([false, false])
                .show(ui, |ui| match st.mode {
                    ExperimentMode::AbTest => controls_ui(st, log, ui),
                    ExperimentMode::Rollout => {
                        rollout::controls_ui(&mut st.rollout, &st.columns, &st.arms, ui)
                    }
                    ExperimentMode::Compare => compare::controls_ui(&mut st.compare, &st.columns, ui),
                });
        });
    egui::CentralPanel::default().show(ui, |ui| {
        egui::ScrollArea::vertical()
            .id_salt("experiment_results_scroll")
            .auto_shrink([false, false])
            .show(ui, |ui| match st.mode {
                ExperimentMode::AbTest => results_ui(st, log, ui),
                ExperimentMode::Rollout => rollout::results_ui(&mut st.rollout, log, ui),
                ExperimentMode::Compare => compare::results_ui(&mut st.compare, log, ui),
            });
    });
}

fn combo(ui: &mut Ui, label: &str, choice: &mut String, options: &[String]) -> bool {
    crate::gui::widgets::name_combo(ui, "experiment_combo", label, choice, options)
}

fn controls_ui(st: &mut ExperimentsState, log: &Dataset, ui: &mut Ui) {
    let names: Vec<String> = st.columns.iter().map(|c| c.name.clone()).collect();
    ui.strong("Columns");
    if combo(ui, "Variant", &mut st.settings.variant, &names) {
        st.arms = distinct_values(log, &st.settings.variant);
        st.settings.control = guess_control(&st.arms).unwrap_or_default();
        st.settings.planned.clear();
    }
    let arms = st.arms.clone();
    combo(ui, "Control", &mut st.settings.control, &arms);
    ui.horizontal(|ui| {
        let l = ui.label("Unit");
        let text = st.settings.unit.clone().unwrap_or_else(|| "one row per unit".into());
        egui::ComboBox::from_id_salt("experiment_unit")
            .selected_text(text)
            .width(150.0)
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut st.settings.unit, None, "one row per unit");
                for n in &names {
                    ui.selectable_value(&mut st.settings.unit, Some(n.clone()), n.as_str());
                }
            })
            .response
            .labelled_by(l.id)
            .on_hover_text("The randomisation unit: rows are events, aggregated per unit before any test (a mean metric sums its events, a proportion is 1 when any event is)");
    });
    let times: Vec<String> = st
        .columns
        .iter()
        .filter(|c| c.kind == ColumnKind::Datetime)
        .map(|c| c.name.clone())
        .collect();
    optional_combo(
        ui,
        "Time",
        &mut st.settings.time,
        &times,
        "no time",
        "The exposure time (a unit's earliest): the cumulative effect per exposure day and the days still needed",
    );
    let segments: Vec<String> = st
        .columns
        .iter()
        .filter(|c| matches!(c.kind, ColumnKind::Categorical | ColumnKind::Boolean))
        .filter(|c| c.name != st.settings.variant)
        .map(|c| c.name.clone())
        .collect();
    let mut segment = st.settings.segments.first().cloned();
    if optional_combo(
        ui,
        "Segment",
        &mut segment,
        &segments,
        "no segments",
        "Break every effect down by this column's values, with the same correction, and say where a segment moves the other way than the total",
    ) {
        st.settings.segments = segment.into_iter().collect();
    }
    ui.separator();
    ui.strong("Metrics");
    metrics_ui(st, ui);
    ui.separator();
    ui.strong("Test");
    ui.horizontal(|ui| {
        let l = ui.label("α");
        ui.add(
            egui::DragValue::new(&mut st.settings.alpha)
                .range(0.001..=0.2)
                .speed(0.001)
                .max_decimals(3),
        )
        .labelled_by(l.id);
    });
    ui.horizontal(|ui| {
        let l = ui.label("Correction");
        egui::ComboBox::from_id_salt("experiment_correction")
            .selected_text(correction_name(st.settings.correction))
            .show_ui(ui, |ui| {
                for c in [
                    Correction::None,
                    Correction::Holm,
                    Correction::BenjaminiHochberg,
                ] {
                    ui.selectable_value(&mut st.settings.correction, c, correction_name(c));
                }
            })
            .response
            .labelled_by(l.id);
    });
    ui.checkbox(&mut st.settings.sequential, "Sequential intervals")
        .on_hover_text("GrowthBook's always-valid confidence sequences (tuning 5000): safe to look every day without inflating false positives");
    ui.separator();
    planned_ui(st, ui);
    ui.separator();
    rules_ui(st, ui);
}

/// A picker with a "none" choice; true when the choice changed.
fn optional_combo(
    ui: &mut Ui,
    label: &str,
    choice: &mut Option<String>,
    options: &[String],
    none: &str,
    hover: &str,
) -> bool {
    let mut changed = false;
    ui.horizontal(|ui| {
        let l = ui.label(label);
        egui::ComboBox::from_id_salt(("experiment_optional", label))
            .selected_text(choice.clone().unwrap_or_else(|| none.to_string()))
            .width(150.0)
            .show_ui(ui, |ui| {
                changed |= ui.selectable_value(choice, None, none).changed();
                for o in options {
                    changed |= ui
                        .selectable_value(choice, Some(o.clone()), o.as_str())
                        .changed();
                }
            })
            .response
            .labelled_by(l.id)
            .on_hover_text(hover);
    });
    changed
}

fn correction_name(c: Correction) -> &'static str {
    match c {
        Correction::None => "none",
        Correction::Holm => "Holm–Bonferroni",
        Correction::BenjaminiHochberg => "Benjamini–Hochberg",
    }
}

/// Each number or flag of the log, with whether it is tested, its kind, its direction and its
/// covariate.
fn metrics_ui(st: &mut ExperimentsState, ui: &mut Ui) {
    let s = &mut st.settings;
    let candidates: Vec<String> = st
        .columns
        .iter()
        .filter(|c| matches!(c.kind, ColumnKind::Numeric | ColumnKind::Boolean))
        .filter(|c| c.name != s.variant && Some(&c.name) != s.unit.as_ref())
        .map(|c| c.name.clone())
        .collect();
    let covariates: Vec<String> = candidates
        .iter()
        .filter(|n| !s.metrics.iter().any(|m| &m.column == *n))
        .cloned()
        .collect();
    // One line per column, and under a chosen metric its kind, direction, role and covariate
    // (one line of five widgets would make the panel wider than the results need).
    for name in &candidates {
        let pos = s.metrics.iter().position(|m| &m.column == name);
        let mut on = pos.is_some();
        if ui.checkbox(&mut on, name.as_str()).changed() {
            if on {
                s.metrics.push(MetricSpec {
                    column: name.clone(),
                    kind: None,
                    direction: guess_direction(name),
                    role: guess_role(name),
                });
            } else if let Some(i) = pos {
                s.metrics.remove(i);
                s.covariates.remove(name);
            }
        }
        let Some(i) = s.metrics.iter().position(|m| &m.column == name) else {
            continue;
        };
        let m = &mut s.metrics[i];
        ui.horizontal(|ui| {
            ui.add_space(18.0);
            egui::ComboBox::from_id_salt(("metric_kind", name))
                .selected_text(match m.kind {
                    None => "auto",
                    Some(MetricKind::Proportion) => "proportion",
                    Some(MetricKind::Mean) => "mean",
                })
                .width(64.0)
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut m.kind, None, "auto");
                    ui.selectable_value(&mut m.kind, Some(MetricKind::Proportion), "proportion");
                    ui.selectable_value(&mut m.kind, Some(MetricKind::Mean), "mean");
                })
                .response
                .on_hover_text("auto: a proportion when every value is 0 or 1, else a mean");
            crate::gui::widgets::direction_button(ui, &mut m.direction);
            let guard = m.role == MetricRole::Guardrail;
            if ui
                .small_button(if guard { "guardrail" } else { "goal" })
                .on_hover_text("A goal is what the experiment should move; a guardrail must not get worse (a one-sided test toward harm), and a harmed guardrail blocks shipping. Click to switch.")
                .clicked()
            {
                m.role = if guard {
                    MetricRole::Goal
                } else {
                    MetricRole::Guardrail
                };
            }
            let mut cov = s.covariates.get(name).cloned();
            egui::ComboBox::from_id_salt(("metric_covariate", name))
                .selected_text(cov.clone().unwrap_or_else(|| "no CUPED".into()))
                .width(84.0)
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut cov, None, "no CUPED");
                    for c in &covariates {
                        ui.selectable_value(&mut cov, Some(c.clone()), c.as_str());
                    }
                })
                .response
                .on_hover_text("A pre-experiment covariate of the unit for CUPED");
            match cov {
                Some(c) => {
                    s.covariates.insert(name.clone(), c);
                }
                None => {
                    s.covariates.remove(name);
                }
            }
        });
    }
    if candidates.is_empty() {
        ui.weak("The log has no numeric or 0/1 column to test.");
    }
}

/// The planned split: equal, or a share per arm.
fn planned_ui(st: &mut ExperimentsState, ui: &mut Ui) {
    let s = &mut st.settings;
    let mut equal = s.planned.is_empty();
    if ui
        .checkbox(&mut equal, "Planned split is equal")
        .on_hover_text(
            "The sample-ratio check compares the arms' unit counts with the planned split",
        )
        .changed()
    {
        s.planned = if equal {
            BTreeMap::new()
        } else {
            let n = st.arms.len().max(1) as f64;
            st.arms.iter().map(|a| (a.clone(), 1.0 / n)).collect()
        };
    }
    if s.planned.is_empty() {
        return;
    }
    for (arm, share) in s.planned.iter_mut() {
        ui.horizontal(|ui| {
            let l = ui.label(arm.as_str());
            ui.add(
                egui::DragValue::new(share)
                    .range(0.0..=1.0)
                    .speed(0.005)
                    .max_decimals(3),
            )
            .labelled_by(l.id);
        });
    }
    let total: f64 = s.planned.values().sum();
    if (total - 1.0).abs() > 1e-9 {
        ui.colored_label(
            ui.visuals().error_fg_color,
            format!("The shares add up to {}, not 1", fmt_num(total)),
        );
    }
}

/// The alert rules `sextant check` judges on this experiment, with their state now.
fn rules_ui(st: &mut ExperimentsState, ui: &mut Ui) {
    ui.strong("Alert rules (sextant check)");
    let values = st
        .result
        .value
        .as_ref()
        .map(|o| crate::session::checks::experiment_values(o))
        .unwrap_or_default();
    let mut remove = None;
    for (i, text) in st.rules.iter().enumerate() {
        ui.horizontal(|ui| {
            let state = crate::session::checks::judge_experiment_rule(text, &values);
            match state {
                Ok(Some(true)) => ui.colored_label(WORSE_COLOR, "fires"),
                Ok(Some(false)) => ui.colored_label(BETTER_COLOR, "holds"),
                Ok(None) => ui.weak("no value"),
                Err(_) => ui.colored_label(WORSE_COLOR, "invalid"),
            };
            ui.monospace(text);
            if ui.small_button("Remove").clicked() {
                remove = Some(i);
            }
        });
    }
    if let Some(i) = remove {
        st.rules.remove(i);
    }
    ui.horizontal(|ui| {
        let edit = ui.add(
            egui::TextEdit::singleline(&mut st.rule_text)
                .hint_text("srm, lift:conversion < 0, guardrail:latency_ms")
                .desired_width(200.0),
        );
        let enter = edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        if (ui.button("Add").clicked() || enter) && !st.rule_text.trim().is_empty() {
            match crate::session::checks::parse_rule(&st.rule_text) {
                Ok(_) => {
                    st.rules.push(st.rule_text.trim().to_string());
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

fn results_ui(st: &mut ExperimentsState, log: &Dataset, ui: &mut Ui) {
    st.result.status_ui(ui);
    let Some(o) = st.result.value.clone() else {
        if st.settings.variant.is_empty() {
            ui.label(format!(
                "{} has no column named like a variant (variant, arm, group, bucket): choose the variant column on the left.",
                log.name()
            ));
        } else if st.settings.metrics.is_empty() {
            ui.label("Choose at least one metric on the left.");
        }
        return;
    };
    let dim = st.result.is_running();
    if dim {
        ui.multiply_opacity(0.5);
    }
    srm_banner(&o, ui);
    summary_ui(&o, log, ui);
    decisions_ui(&o, ui);
    ui.add_space(6.0);
    results_table(&o, ui);
    ui.add_space(6.0);
    egui::CollapsingHeader::new("Cumulative effect over exposure days")
        .id_salt("experiment_timeline_section")
        .default_open(true)
        .show(ui, |ui| {
            ab_detail::timeline_ui(&o, st.settings.time.as_deref(), ui)
        });
    egui::CollapsingHeader::new(match st.settings.segments.first() {
        Some(c) => format!("Segments by {c}"),
        None => "Segments".to_string(),
    })
    .id_salt("experiment_segments_section")
    .default_open(true)
    .show(ui, |ui| {
        ab_detail::segments_ui(&o, st.settings.segments.first().map(String::as_str), ui)
    });
    egui::CollapsingHeader::new("Power planner")
        .id_salt("experiment_planner_section")
        .default_open(true)
        .show(ui, |ui| ab_detail::planner_ui(&mut st.planner, &o, ui));
}

/// Per treatment arm: ship, do not ship or keep running, with the metrics that decided it.
fn decisions_ui(o: &ExperimentOutcome, ui: &mut Ui) {
    use crate::analysis::experiment::decision::Decision;
    for d in &o.decisions {
        let color = match d.report.decision {
            Decision::Ship => BETTER_COLOR,
            Decision::DoNotShip => WORSE_COLOR,
            Decision::KeepRunning => NEUTRAL_COLOR,
        };
        egui::Frame::new()
            .fill(color.gamma_multiply(0.2))
            .stroke(Stroke::new(1.0, color))
            .inner_margin(6.0)
            .corner_radius(4.0)
            .show(ui, |ui| {
                ui.set_width(ui.available_width());
                ui.label(
                    RichText::new(crate::present::experiment::decision_sentence(
                        d,
                        o.report.trustworthy,
                    ))
                    .color(color)
                    .strong(),
                )
                .on_hover_text("Do not ship when a goal is significantly worse or a guardrail is harmed (a harmed guardrail blocks shipping however good the goals are); ship when a goal is significantly better; else keep running. Significance uses the corrected p-values.");
            });
    }
}

/// The sample-ratio check: a red banner over every result when it flagged.
fn srm_banner(o: &ExperimentOutcome, ui: &mut Ui) {
    let r = &o.report;
    let counts: Vec<String> = o
        .arms
        .iter()
        .zip(&o.units)
        .zip(&r.srm.expected_share)
        .map(|((a, n), share)| format!("{a}: {n} units (planned {})", fmt_pct(*share)))
        .collect();
    if r.srm.flag {
        egui::Frame::new()
            .fill(Color32::from_rgb(120, 20, 20))
            .inner_margin(8.0)
            .corner_radius(4.0)
            .show(ui, |ui| {
                ui.set_width(ui.available_width());
                ui.label(
                    RichText::new(format!(
                        "Sample-ratio mismatch (χ² = {}, p = {}): the arms are not split as planned, so no result below is to be trusted.",
                        fmt_num(r.srm.statistic),
                        fmt_p(r.srm.p_value)
                    ))
                    .color(Color32::WHITE)
                    .strong(),
                );
                ui.label(
                    RichText::new(format!(
                        "{}. Look for a bug in assignment or logging (units lost by one arm: timeouts, redirects, bot filters) before reading the effects.",
                        counts.join(" · ")
                    ))
                    .color(Color32::WHITE),
                );
            });
    } else {
        ui.horizontal_wrapped(|ui| {
            ui.colored_label(BETTER_COLOR, "Sample ratio as planned");
            ui.weak(format!(
                "χ² = {}, p = {} (flagged below 0.001, as GrowthBook) · {}",
                fmt_num(r.srm.statistic),
                fmt_p(r.srm.p_value),
                counts.join(" · ")
            ));
        });
    }
}

fn summary_ui(o: &ExperimentOutcome, log: &Dataset, ui: &mut Ui) {
    let total: u64 = o.units.iter().sum();
    let mut parts = vec![if o.aggregated && o.rows as u64 != total {
        format!(
            "{}: {} events aggregated to {} units",
            log.name(),
            o.rows,
            total
        )
    } else {
        format!("{}: one row per unit, {} units", log.name(), total)
    }];
    if o.crossover_units > 0 {
        parts.push(format!(
            "{} units seen in more than one arm are left out",
            o.crossover_units
        ));
    }
    if o.missing_variant > 0 {
        parts.push(format!(
            "{} rows without a variant{} are left out",
            o.missing_variant,
            if o.aggregated { " or unit" } else { "" }
        ));
    }
    ui.label(parts.join(" · "));
    for (metric, n) in &o.missing_values {
        if *n > 0 {
            ui.weak(format!(
                "{metric}: {n} units without a value are left out of it"
            ));
        }
    }
    for (metric, why) in &o.covariate_errors {
        ui.colored_label(
            ui.visuals().warn_fg_color,
            format!("{metric}: the covariate is not used ({why})"),
        );
    }
}

fn verdict_badge(ui: &mut Ui, v: Verdict, trustworthy: bool) {
    let (text, color) = match v {
        Verdict::Better => ("better", BETTER_COLOR),
        Verdict::Worse => ("worse", WORSE_COLOR),
        Verdict::Inconclusive => ("inconclusive", NEUTRAL_COLOR),
    };
    let text = if trustworthy {
        text.to_string()
    } else {
        format!("{text} (SRM)")
    };
    egui::Frame::new()
        .fill(color.gamma_multiply(0.25))
        .stroke(Stroke::new(1.0, color))
        .corner_radius(3.0)
        .inner_margin(vec2(4.0, 1.0))
        .show(ui, |ui| {
            ui.label(RichText::new(text).color(color).small());
        });
}

/// A guardrail's verdict: harmed (red) or no harm detected, with its one-sided test on hover.
fn guardrail_badge(ui: &mut Ui, g: &crate::engine::experiment::GuardrailResult, trustworthy: bool) {
    let (text, color) = if g.harmed {
        ("harmed", WORSE_COLOR)
    } else {
        ("no harm detected", NEUTRAL_COLOR)
    };
    let text = if trustworthy {
        text.to_string()
    } else {
        format!("{text} (SRM)")
    };
    egui::Frame::new()
        .fill(color.gamma_multiply(0.25))
        .stroke(Stroke::new(1.0, color))
        .corner_radius(3.0)
        .inner_margin(vec2(4.0, 1.0))
        .show(ui, |ui| {
            ui.label(RichText::new(text).color(color).small());
        })
        .response
        .on_hover_text(format!(
            "One-sided test toward harm: p = {} (corrected {}), bound {:+.3} %",
            fmt_p(g.harm.p_value),
            fmt_p(g.adjusted_p_value),
            g.harm.bound * 100.0
        ));
}

/// The headline interval of a row: CUPED-adjusted when applied, sequential when asked.
struct Shown {
    estimate: f64,
    low: f64,
    high: f64,
    fixed_low: f64,
    fixed_high: f64,
}

fn shown(e: &crate::analysis::experiment::analysis::MetricEffect) -> Shown {
    let rel = e.cuped.as_ref().map_or(&e.effect.relative, |c| &c.relative);
    let (low, high) = e
        .sequential
        .as_ref()
        .map_or((rel.ci_low, rel.ci_high), |s| (s.ci_low, s.ci_high));
    Shown {
        estimate: rel.estimate,
        low,
        high,
        fixed_low: rel.ci_low,
        fixed_high: rel.ci_high,
    }
}

fn results_table(o: &ExperimentOutcome, ui: &mut Ui) {
    let r = &o.report;
    let rows: Vec<_> = r.metrics.iter().collect();
    // One scale for every forest-plot cell, with zero in view.
    let (mut lo, mut hi) = (0.0f64, 0.0f64);
    for m in &rows {
        if let Some(e) = &m.result {
            let s = shown(e);
            if s.low.is_finite() && s.high.is_finite() {
                lo = lo.min(s.low).min(s.fixed_low);
                hi = hi.max(s.high).max(s.fixed_high);
            }
        }
    }
    let pad = ((hi - lo) * 0.08).max(1e-6);
    let (lo, hi) = (lo - pad, hi + pad);
    let sequential = rows
        .iter()
        .any(|m| m.result.as_ref().is_some_and(|e| e.sequential.is_some()));
    ui.weak(if sequential {
        "Lift relative to the control; the bar is the always-valid (sequential) interval, the thin line the fixed-horizon one."
    } else {
        "Lift relative to the control with its interval (delta method, Student t), CUPED-adjusted where a covariate applies."
    });
    egui::ScrollArea::horizontal()
        .id_salt("experiment_results_wide")
        .show(ui, |ui| results_grid(o, rows, lo, hi, ui));
}

fn results_grid(
    o: &ExperimentOutcome,
    rows: Vec<&crate::analysis::experiment::analysis::MetricResult>,
    lo: f64,
    hi: f64,
    ui: &mut Ui,
) {
    let r = &o.report;
    egui::Grid::new("experiment_results")
        .striped(true)
        .num_columns(10)
        .spacing([12.0, 6.0])
        .show(ui, |ui| {
            for h in [
                "metric",
                "arm",
                "control",
                "treatment",
                "lift",
                "interval",
                "p",
                "adj. p",
                "chance to win",
                "verdict",
            ] {
                ui.strong(h);
            }
            ui.end_row();
            for m in rows {
                let guardrail = o.roles.get(&m.metric) == Some(&MetricRole::Guardrail);
                ui.label(if guardrail {
                    format!("{} (guardrail)", m.metric)
                } else {
                    m.metric.clone()
                })
                .on_hover_text(match m.kind {
                    MetricKind::Proportion => "proportion (variance p(1 − p))",
                    MetricKind::Mean => "mean (sample variance)",
                });
                ui.label(&m.arm);
                let Some(e) = &m.result else {
                    ui.label("");
                    ui.label("");
                    ui.label("");
                    ui.label("");
                    ui.label("");
                    ui.label("");
                    ui.label("");
                    ui.colored_label(
                        ui.visuals().warn_fg_color,
                        m.error.clone().unwrap_or_default(),
                    );
                    ui.end_row();
                    continue;
                };
                ui.label(fmt_num(e.effect.control.mean))
                    .on_hover_text(format!(
                        "n = {}, variance {}",
                        e.effect.control.n,
                        fmt_num(e.effect.control.variance)
                    ));
                ui.label(fmt_num(e.effect.treatment.mean))
                    .on_hover_text(format!(
                        "n = {}, variance {}",
                        e.effect.treatment.n,
                        fmt_num(e.effect.treatment.variance)
                    ));
                let s = shown(e);
                let cuped = e
                    .cuped
                    .as_ref()
                    .map(|c| format!(" · CUPED (variance −{})", fmt_pct(c.variance_reduction)))
                    .unwrap_or_default();
                ui.label(format!("{:+.2} %", s.estimate * 100.0))
                    .on_hover_text(format!(
                        "absolute {} ({} … {}){cuped}",
                        fmt_num(e.effect.absolute.estimate),
                        fmt_num(e.effect.absolute.ci_low),
                        fmt_num(e.effect.absolute.ci_high)
                    ));
                forest_cell(ui, &s, lo, hi, e.verdict);
                ui.label(fmt_p(e.p_value));
                ui.label(fmt_p(e.adjusted_p_value));
                ui.label(fmt_pct(e.chance_to_win))
                    .on_hover_text(format!("risk (expected loss) {}", fmt_num(e.risk)));
                let harm = o
                    .guardrails
                    .iter()
                    .find(|g| g.metric == m.metric && g.arm == m.arm);
                ui.horizontal(|ui| {
                    match harm {
                        Some(g) => guardrail_badge(ui, g, r.trustworthy),
                        None if guardrail => {
                            verdict_badge(ui, Verdict::Inconclusive, r.trustworthy)
                        }
                        None => verdict_badge(ui, e.verdict, r.trustworthy),
                    }
                    if e.cuped.is_some() {
                        ui.small("CUPED");
                    }
                });
                ui.end_row();
            }
        });
}

/// One row's interval on the shared scale `lo..hi`: the zero line, the interval bar and the
/// estimate, coloured by the verdict. Hover gives the exact bounds.
fn forest_cell(ui: &mut Ui, s: &Shown, lo: f64, hi: f64, verdict: Verdict) {
    let (rect, response) = ui.allocate_exact_size(vec2(160.0, 16.0), Sense::hover());
    let x = |v: f64| {
        let t = ((v - lo) / (hi - lo)).clamp(0.0, 1.0) as f32;
        rect.left() + t * rect.width()
    };
    let painter = ui.painter_at(rect);
    let y = rect.center().y;
    let color = match verdict {
        Verdict::Better => BETTER_COLOR,
        Verdict::Worse => WORSE_COLOR,
        Verdict::Inconclusive => NEUTRAL_COLOR,
    };
    painter.line_segment(
        [
            egui::pos2(x(0.0), rect.top()),
            egui::pos2(x(0.0), rect.bottom()),
        ],
        Stroke::new(1.0, ui.visuals().weak_text_color()),
    );
    if s.fixed_low.is_finite() && s.fixed_high.is_finite() {
        painter.line_segment(
            [
                egui::pos2(x(s.fixed_low), y),
                egui::pos2(x(s.fixed_high), y),
            ],
            Stroke::new(1.0, color),
        );
    }
    if s.low.is_finite() && s.high.is_finite() {
        painter.line_segment(
            [egui::pos2(x(s.low), y), egui::pos2(x(s.high), y)],
            Stroke::new(4.0, color.gamma_multiply(0.6)),
        );
    }
    if s.estimate.is_finite() {
        painter.circle_filled(egui::pos2(x(s.estimate), y), 4.0, color);
    }
    response.on_hover_text(format!(
        "lift {:+.3} % · interval {:+.3} % … {:+.3} %{}",
        s.estimate * 100.0,
        s.low * 100.0,
        s.high * 100.0,
        if (s.low, s.high) != (s.fixed_low, s.fixed_high) {
            format!(
                " (fixed-horizon {:+.3} % … {:+.3} %)",
                s.fixed_low * 100.0,
                s.fixed_high * 100.0
            )
        } else {
            String::new()
        }
    ));
}

/// A plan as the text box shows it (`1%@2025-12-01T00:00:00Z,…`).
fn plan_text(plan: &[crate::analysis::experiment::rollout::PlanStep]) -> String {
    plan.iter()
        .map(|p| {
            format!(
                "{}%@{}",
                fmt_num(p.share * 100.0),
                crate::vocab::time::format_iso(p.start)
            )
        })
        .collect::<Vec<_>>()
        .join(",")
}

//! The Experiments tab's Compare mode: champion against challenger offline, two score columns
//! of the same labelled rows of the log. Both ROC curves, each model's ROC AUC, accuracy and
//! log loss, the AUC difference with DeLong's interval, McNemar's test at the threshold, the
//! paired bootstrap intervals of the differences and the verdict. The computation is
//! `engine::compare::run`, the one `sextant compare` runs.

use std::sync::Arc;

use egui::{Color32, RichText, Ui};
use egui_plot::{Legend, Line, Plot, PlotPoints};

use crate::analysis::experiment::offline::{Decision, Interval};
use crate::data::Dataset;
use crate::engine::compare::{CompareOutcome, CompareSettings, RESAMPLES_RANGE, run};
use crate::engine::experiment_columns::LogColumn;
use crate::format::{fmt_num, fmt_p, fmt_pct};
use crate::gui::computed::{Computed, key_of};
use crate::gui::widgets::{CURRENT_COLOR, REFERENCE_COLOR};
use crate::vocab::{ColumnKind, Waker};

const WIN_COLOR: Color32 = Color32::from_rgb(60, 170, 90);
const LOSE_COLOR: Color32 = Color32::from_rgb(220, 50, 47);

/// The Compare mode's state (inside the Experiments tab's).
#[derive(Default)]
pub struct CompareState {
    pub settings: CompareSettings,
    pub result: Computed<CompareOutcome>,
}

pub use crate::engine::experiment_columns::infer_compare as infer;

impl CompareState {
    pub fn ready(&self) -> bool {
        let s = &self.settings;
        !s.target.is_empty() && !s.champion.is_empty() && !s.challenger.is_empty()
    }

    /// Start (or keep) the computation for the current inputs.
    pub fn request(&mut self, log: &Arc<Dataset>, waker: Option<Waker>) {
        if !self.ready() {
            return;
        }
        let settings = self.settings.clone();
        let key = key_of(&(log.load_id, format!("{settings:?}")));
        let log = Arc::clone(log);
        self.result.request(
            key,
            "Comparing champion and challenger",
            waker,
            move |progress| run(&log, &settings, progress).map_err(|e| e.to_string()),
        );
    }
}

fn combo(ui: &mut Ui, label: &str, choice: &mut String, options: &[String]) {
    crate::gui::widgets::name_combo(ui, "compare_combo", label, choice, options);
}

/// The target, both score columns, the threshold and the bootstrap.
pub fn controls_ui(st: &mut CompareState, columns: &[LogColumn], ui: &mut Ui) {
    let numbers: Vec<String> = columns
        .iter()
        .filter(|c| matches!(c.kind, ColumnKind::Numeric | ColumnKind::Boolean))
        .map(|c| c.name.clone())
        .collect();
    let s = &mut st.settings;
    ui.strong("Columns");
    combo(ui, "Target (0/1)", &mut s.target, &numbers);
    combo(ui, "Champion score", &mut s.champion, &numbers);
    combo(ui, "Challenger score", &mut s.challenger, &numbers);
    ui.weak("Scores are each model's P(target = 1) on the same rows.");
    ui.separator();
    ui.strong("Test");
    ui.horizontal(|ui| {
        let l = ui.label("Threshold");
        ui.add(
            egui::DragValue::new(&mut s.threshold)
                .range(0.0..=1.0)
                .speed(0.005)
                .max_decimals(3),
        )
        .labelled_by(l.id)
        .on_hover_text(
            "A row is predicted positive when its score ≥ the threshold (accuracy, McNemar)",
        );
    });
    ui.horizontal(|ui| {
        let l = ui.label("α");
        ui.add(
            egui::DragValue::new(&mut s.alpha)
                .range(0.001..=0.2)
                .speed(0.001)
                .max_decimals(3),
        )
        .labelled_by(l.id);
    });
    ui.horizontal(|ui| {
        let l = ui.label("Bootstrap resamples");
        ui.add(
            egui::DragValue::new(&mut s.resamples)
                .range(RESAMPLES_RANGE.0..=RESAMPLES_RANGE.1)
                .speed(50.0),
        )
        .labelled_by(l.id)
        .on_hover_text("Paired Poisson bootstrap of the log-loss and accuracy differences");
    });
    ui.horizontal(|ui| {
        let l = ui.label("Seed");
        ui.add(egui::DragValue::new(&mut s.seed)).labelled_by(l.id);
    });
}

fn interval_text(i: Option<&Interval>) -> String {
    i.map(|i| format!("{} … {}", fmt_num(i.ci_low), fmt_num(i.ci_high)))
        .unwrap_or_else(|| "not computed".into())
}

/// The verdict, the metrics table, the tests and both ROC curves.
pub fn results_ui(st: &mut CompareState, log: &Dataset, ui: &mut Ui) {
    st.result.status_ui(ui);
    let Some(o) = st.result.value.clone() else {
        if !st.ready() {
            ui.label(format!(
                "Choose the target and the two score columns of {} on the left (a 0/1 label and each model's P(label = 1) on the same rows).",
                log.name()
            ));
        }
        return;
    };
    if st.result.is_running() {
        ui.multiply_opacity(0.5);
    }
    verdict_ui(&o, ui);
    ui.label(format!(
        "{}: {} rows, {} with the target and both scores ({} left out), {} positive and {} negative · threshold {}",
        log.name(),
        o.rows,
        o.rows_used,
        o.rows_dropped,
        o.positives,
        o.negatives,
        fmt_num(o.threshold)
    ));
    ui.add_space(4.0);
    metrics_grid(&o, ui);
    ui.add_space(4.0);
    match &o.delong {
        Some(d) => ui.label(format!(
            "DeLong: AUC difference {} ({} … {}), z = {}, p = {}",
            fmt_num(d.difference),
            fmt_num(d.ci_low),
            fmt_num(d.ci_high),
            fmt_num(d.z),
            fmt_p(d.p_value)
        )),
        None => ui.colored_label(
            ui.visuals().warn_fg_color,
            format!(
                "DeLong's test is not defined here: {}",
                o.delong_error.clone().unwrap_or_default()
            ),
        ),
    };
    let m = &o.mcnemar.test;
    ui.label(format!(
        "McNemar at {}: only the champion right {}, only the challenger right {}; exact p = {}{}",
        fmt_num(o.threshold),
        m.b,
        m.c,
        fmt_p(m.exact_p_value),
        match (m.chi2, m.chi2_p_value) {
            (Some(c), Some(p)) => format!(", χ² (continuity-corrected) = {}, p = {}", fmt_num(c), fmt_p(p)),
            _ => String::new(),
        }
    ))
    .on_hover_text("statsmodels mcnemar(exact=True) and mcnemar(exact=False, correction=True) on the table of correct decisions");
    ui.add_space(6.0);
    roc_plot(&o, ui);
}

fn verdict_ui(o: &CompareOutcome, ui: &mut Ui) {
    let (text, color) = match o.verdict.decision {
        Decision::Challenger => (
            format!("The challenger {} wins", o.challenger.column),
            WIN_COLOR,
        ),
        Decision::Champion => (
            format!("The champion {} wins: keep it", o.champion.column),
            LOSE_COLOR,
        ),
        Decision::Mixed => (
            "Mixed: one test favours each model".to_string(),
            ui.visuals().warn_fg_color,
        ),
        Decision::NoSignificantDifference => (
            "No significant difference between the models".to_string(),
            ui.visuals().weak_text_color(),
        ),
    };
    let by = format!(
        "AUC {:+.4} (challenger − champion), log loss {:+.4}",
        o.differences.roc_auc, o.differences.log_loss
    );
    egui::Frame::new()
        .fill(color.gamma_multiply(0.2))
        .stroke(egui::Stroke::new(1.0, color))
        .inner_margin(8.0)
        .corner_radius(4.0)
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.label(RichText::new(text).color(color).strong());
            ui.label(by).on_hover_text(
                "The challenger wins when DeLong's test or the log-loss interval favours it and the other does not favour the champion",
            );
        });
}

fn metrics_grid(o: &CompareOutcome, ui: &mut Ui) {
    let b = &o.bootstrap;
    egui::Grid::new("compare_metrics")
        .striped(true)
        .num_columns(5)
        .spacing([14.0, 4.0])
        .show(ui, |ui| {
            for h in [
                "metric",
                o.champion.column.as_str(),
                o.challenger.column.as_str(),
                "difference",
                "interval",
            ] {
                ui.strong(h);
            }
            ui.end_row();
            let conf = fmt_pct(b.confidence);
            let rows: [(&str, f64, f64, f64, String); 3] = [
                (
                    "ROC AUC",
                    o.champion.metrics.roc_auc,
                    o.challenger.metrics.roc_auc,
                    o.differences.roc_auc,
                    match &o.delong {
                        Some(d) => {
                            format!("{} … {} (DeLong)", fmt_num(d.ci_low), fmt_num(d.ci_high))
                        }
                        None => interval_text(b.roc_auc_difference.as_ref()),
                    },
                ),
                (
                    "accuracy",
                    o.champion.metrics.accuracy,
                    o.challenger.metrics.accuracy,
                    o.differences.accuracy,
                    format!(
                        "{} (bootstrap {conf})",
                        interval_text(b.accuracy_difference.as_ref())
                    ),
                ),
                (
                    "log loss",
                    o.champion.metrics.log_loss,
                    o.challenger.metrics.log_loss,
                    o.differences.log_loss,
                    format!(
                        "{} (bootstrap {conf})",
                        interval_text(b.log_loss_difference.as_ref())
                    ),
                ),
            ];
            for (name, a, c, d, i) in rows {
                ui.label(name);
                ui.label(fmt_num(a));
                ui.label(fmt_num(c));
                ui.label(format!("{d:+.4}"));
                ui.label(i).on_hover_text(format!(
                    "{} paired Poisson resamples ({} usable), seed {}",
                    b.resamples, b.resamples_used, b.seed
                ));
                ui.end_row();
            }
        });
}

/// Both ROC curves on one plot, the chance diagonal, hover for the exact point.
fn roc_plot(o: &CompareOutcome, ui: &mut Ui) {
    ui.strong("ROC curves");
    let points = |c: &crate::analysis::experiment::roc::RocCurve| -> Vec<[f64; 2]> {
        c.fpr.iter().zip(&c.tpr).map(|(x, y)| [*x, *y]).collect()
    };
    // ROC curves have vertical runs (one x, several y): drawn as a line, not as egui_plot's
    // bands of dense points.
    let champion = points(&o.champion.roc);
    let challenger = points(&o.challenger.roc);
    Plot::new("compare_roc")
        .height(320.0)
        .width(360.0f32.min(ui.available_width()))
        .data_aspect(1.0)
        .include_x(0.0)
        .include_x(1.0)
        .include_y(0.0)
        .include_y(1.0)
        .x_axis_label("false-positive rate")
        .y_axis_label("true-positive rate")
        .label_formatter(|pos| {
            Some(match pos {
                egui_plot::HoverPosition::NearDataPoint {
                    plot_name,
                    position: p,
                    ..
                } => format!("{plot_name}\nFPR {:.4} · TPR {:.4}", p.x, p.y),
                egui_plot::HoverPosition::Elsewhere { position: p } => {
                    format!("FPR {:.4} · TPR {:.4}", p.x, p.y)
                }
            })
        })
        .legend(Legend::default().position(egui_plot::Corner::RightBottom))
        .allow_scroll(false)
        .show(ui, |plot| {
            plot.line(
                Line::new("chance", PlotPoints::from(vec![[0.0, 0.0], [1.0, 1.0]]))
                    .color(Color32::GRAY),
            );
            plot.line(
                Line::new(
                    format!(
                        "{} (AUC {})",
                        o.champion.column,
                        fmt_num(o.champion.metrics.roc_auc)
                    ),
                    PlotPoints::from(champion),
                )
                .color(REFERENCE_COLOR)
                .allow_band(false),
            );
            plot.line(
                Line::new(
                    format!(
                        "{} (AUC {})",
                        o.challenger.column,
                        fmt_num(o.challenger.metrics.roc_auc)
                    ),
                    PlotPoints::from(challenger),
                )
                .color(CURRENT_COLOR)
                .allow_band(false),
            );
        });
}

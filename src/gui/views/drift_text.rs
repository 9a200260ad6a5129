//! The Drift tab's text and embedding part: for each free-text column the domain classifier's
//! AUC (per window too), the words typical of each side as two bar lists and the example
//! texts most typical of production; for each embedding Evidently's methods side by side.
//! Computed by [`crate::engine::text_drift::run`] on its own job, so the column table never
//! waits for it.

use std::sync::Arc;

use egui::{Color32, RichText, Ui};
use egui_plot::{HLine, Line, Plot, PlotPoints, Points};

use crate::analysis::text::TypicalWord;
use crate::analysis::windows::WindowSpec;
use crate::data::{Dataset, RoleMap};
use crate::engine::drift::DriftInputs;
use crate::engine::text_drift::{
    self, EmbeddingDrift, TextColumnDrift, TextDriftOutcome, TextDriftSettings, TextMethod,
};
use crate::format::fmt_num;
use crate::gui::computed::{Computed, key_of};
use crate::gui::widgets::{CURRENT_COLOR, REFERENCE_COLOR};
use crate::vocab::{Renames, Waker};

/// State of the text part of the Drift tab.
#[derive(Default)]
pub struct TextPanel {
    pub run: Computed<TextDriftOutcome>,
    /// The embedding pattern being typed (applied on Enter).
    pub embedding_text: String,
    /// Show the classifier's coefficients (Evidently's lists) instead of the log-odds.
    pub by_coefficient: bool,
}

impl TextPanel {
    /// Start the text pass when its inputs or settings changed.
    #[allow(clippy::too_many_arguments)]
    pub fn logic(
        &mut self,
        reference: Arc<Dataset>,
        current: Arc<Dataset>,
        roles: &RoleMap,
        renames: &Renames,
        settings: &TextDriftSettings,
        windows: Option<WindowSpec>,
        waker: Option<Waker>,
    ) {
        self.run.poll();
        let key = key_of(&(
            reference.load_id,
            current.load_id,
            serde_json::to_string(settings).unwrap_or_default(),
            serde_json::to_string(&windows).unwrap_or_default(),
            serde_json::to_string(roles).unwrap_or_default(),
            renames,
        ));
        let (roles, renames, settings) = (roles.clone(), renames.clone(), settings.clone());
        self.run
            .request(key, "Text and embedding drift", waker, move |p| {
                let inputs = DriftInputs {
                    reference: &reference,
                    current: &current,
                    roles: &roles,
                    renames: &renames,
                };
                text_drift::run(&inputs, &settings, windows, p).map_err(|e| e.to_string())
            });
    }
}

/// The settings: how text is tested and which columns form embeddings.
pub fn settings_ui(settings: &mut TextDriftSettings, panel: &mut TextPanel, ui: &mut Ui) {
    ui.horizontal_wrapped(|ui| {
        let label = ui.label("Text columns");
        egui::ComboBox::from_id_salt("drift_text_method")
            .selected_text(match settings.method {
                TextMethod::DomainClassifier => "domain classifier",
                TextMethod::None => "not tested",
            })
            .show_ui(ui, |ui| {
                ui.selectable_value(
                    &mut settings.method,
                    TextMethod::DomainClassifier,
                    "domain classifier",
                )
                .on_hover_text(
                    "Evidently 0.7's text drift: TF-IDF (sublinear tf, max_df 0.5, English stop \
                     words) and an SGD classifier (modified Huber, L1, α 1e-4, 50 epochs) on a \
                     seeded 50/50 split; ROC AUC; drift above 0.55 with more than 1 000 \
                     training texts, else above a random classifier's 95th percentile.",
                );
                ui.selectable_value(&mut settings.method, TextMethod::None, "not tested");
            })
            .response
            .labelled_by(label.id);
        ui.separator();
        let label = ui.label("Embedding");
        let edit = ui
            .add(
                egui::TextEdit::singleline(&mut panel.embedding_text)
                    .hint_text("column or emb_*")
                    .desired_width(110.0),
            )
            .labelled_by(label.id)
            .on_hover_text(
                "A list-of-numbers column (found by itself too), or a prefix ending in * that \
                 groups numeric columns (emb_* → emb_0, emb_1, …). Enter adds it.",
            );
        if edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
            let p = panel.embedding_text.trim().to_string();
            if !p.is_empty() && p != "*" && !settings.embeddings.contains(&p) {
                settings.embeddings.push(p);
            }
            panel.embedding_text.clear();
        }
        let mut remove = None;
        for (i, e) in settings.embeddings.iter().enumerate() {
            if ui
                .small_button(format!("{e} ×"))
                .on_hover_text("Stop testing this embedding")
                .clicked()
            {
                remove = Some(i);
            }
        }
        if let Some(i) = remove {
            settings.embeddings.remove(i);
        }
    });
}

/// The results: nothing when the data has no text column and no embedding.
pub fn text_ui(panel: &mut TextPanel, ui: &mut Ui) {
    panel.run.status_ui(ui);
    let Some(out) = panel.run.value.clone() else {
        return;
    };
    if out.text.is_empty() && out.embeddings.is_empty() && out.failed.is_empty() {
        return;
    }
    let stale = panel.run.is_running();
    ui.scope(|ui| {
        if stale {
            ui.multiply_opacity(0.5);
        }
        for c in &out.text {
            text_column_ui(panel, ui, c);
            ui.separator();
        }
        for e in &out.embeddings {
            embedding_ui(ui, e);
            ui.separator();
        }
        for f in &out.failed {
            ui.colored_label(Color32::from_rgb(200, 120, 40), &f.reason);
        }
        if let Some(e) = &out.windows_error {
            ui.weak(format!("No text drift per window: {e}"));
        }
    });
}

fn verdict(drifted: bool) -> RichText {
    if drifted {
        RichText::new("drifted")
            .color(Color32::from_rgb(220, 80, 60))
            .strong()
    } else {
        RichText::new("no drift").color(Color32::from_rgb(90, 170, 90))
    }
}

fn text_column_ui(panel: &mut TextPanel, ui: &mut Ui, c: &TextColumnDrift) {
    let r = &c.report;
    ui.horizontal_wrapped(|ui| {
        ui.heading(format!("Text column {}", c.column));
        ui.label(verdict(r.drifted));
    });
    ui.label(format!(
        "Domain classifier ROC AUC {} (threshold {}, {}); p = {} under the Mann–Whitney null; \
         {} training and {} production texts, {} words in the vocabulary",
        fmt_num(r.auc),
        fmt_num(r.threshold),
        match r.threshold_rule {
            crate::analysis::text::ThresholdRule::Absolute => "more than 1 000 training texts",
            crate::analysis::text::ThresholdRule::RandomPercentile =>
                "a random classifier's 95th percentile",
            crate::analysis::text::ThresholdRule::User => "set by you",
        },
        fmt_num(r.p_value),
        r.reference_texts,
        r.current_texts,
        r.vocabulary,
    ))
    .on_hover_text(
        "0.5: the texts cannot be told apart. Equal to Evidently 0.7's text drift on the same \
         pair (same split and epoch order as scikit-learn with random_state 42).",
    );
    if !c.windows.is_empty() {
        let pts: Vec<[f64; 2]> = c
            .windows
            .iter()
            .enumerate()
            .filter_map(|(i, w)| w.auc.map(|a| [i as f64, a]))
            .collect();
        let drifted: Vec<[f64; 2]> = c
            .windows
            .iter()
            .enumerate()
            .filter(|(_, w)| w.drifted)
            .filter_map(|(i, w)| w.auc.map(|a| [i as f64, a]))
            .collect();
        let labels: Vec<String> = c.windows.iter().map(|w| w.label.clone()).collect();
        Plot::new(format!("text_auc_{}", c.column))
            .height(140.0)
            .y_axis_label("AUC")
            .x_axis_formatter(move |m, _| {
                let i = m.value.round();
                if (m.value - i).abs() < 1e-9 && i >= 0.0 {
                    labels.get(i as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .allow_scroll(false)
            .show(ui, |p| {
                p.line(Line::new("AUC per window", PlotPoints::from(pts)).color(CURRENT_COLOR));
                p.points(
                    Points::new("drifted", PlotPoints::from(drifted))
                        .radius(4.0)
                        .color(Color32::from_rgb(220, 80, 60)),
                );
                p.hline(HLine::new("threshold", r.threshold).color(Color32::GRAY));
                p.hline(HLine::new("chance", 0.5).color(Color32::DARK_GRAY));
            });
    }
    ui.horizontal(|ui| {
        ui.label("Typical words by");
        ui.selectable_value(&mut panel.by_coefficient, false, "log-odds")
            .on_hover_text(
                "ln-odds of a word appearing in a production vs a training text, counts \
                 smoothed by ½; words in at least 5 texts",
            );
        ui.selectable_value(&mut panel.by_coefficient, true, "classifier weight")
            .on_hover_text(
                "The classifier's largest coefficients of each sign (Evidently's lists)",
            );
    });
    let words = if panel.by_coefficient {
        &r.words_by_coefficient
    } else {
        &r.words_by_log_odds
    };
    ui.columns(2, |cols| {
        cols[0].label(RichText::new("Typical of training").color(REFERENCE_COLOR));
        word_bars(&mut cols[0], &words.reference, REFERENCE_COLOR);
        cols[1].label(RichText::new("Typical of production").color(CURRENT_COLOR));
        word_bars(&mut cols[1], &words.current, CURRENT_COLOR);
    });
    egui::CollapsingHeader::new(format!("Texts most typical of production ({})", c.column))
        .default_open(true)
        .show(ui, |ui| {
            for t in r.examples_current.iter().take(6) {
                ui.label(format!("• {t}"));
            }
        });
    egui::CollapsingHeader::new(format!("Descriptors of {}", c.column))
        .default_open(false)
        .show(ui, |ui| {
            egui::Grid::new(format!("descriptors_{}", c.column))
                .striped(true)
                .show(ui, |ui| {
                    for h in [
                        "descriptor",
                        "training mean",
                        "production mean",
                        "test",
                        "score",
                        "",
                    ] {
                        ui.strong(h);
                    }
                    ui.end_row();
                    for d in &c.descriptors {
                        ui.label(d.descriptor.name());
                        ui.label(fmt_num(d.reference_mean));
                        ui.label(fmt_num(d.current_mean));
                        ui.label(d.verdict.method.map_or("-", |m| m.name()));
                        ui.label(d.verdict.score.map_or("-".into(), fmt_num));
                        ui.label(verdict(d.verdict.drifted));
                        ui.end_row();
                    }
                });
        });
}

/// Words as horizontal bars, longest for the most typical.
fn word_bars(ui: &mut Ui, words: &[TypicalWord], color: Color32) {
    let max = words
        .iter()
        .map(|w| w.score.abs())
        .fold(0.0f64, f64::max)
        .max(1e-12);
    for w in words.iter().take(12) {
        ui.horizontal(|ui| {
            let (rect, _) = ui.allocate_exact_size(egui::vec2(90.0, 14.0), egui::Sense::hover());
            let width = (w.score.abs() / max) as f32 * rect.width();
            let bar = egui::Rect::from_min_size(
                egui::pos2(rect.right() - width, rect.top() + 2.0),
                egui::vec2(width, rect.height() - 4.0),
            );
            ui.painter().rect_filled(bar, 2.0, color);
            ui.label(&w.word).on_hover_text(format!(
                "score {}; in {} training and {} production texts",
                fmt_num(w.score),
                w.reference_texts,
                w.current_texts
            ));
        });
    }
}

fn embedding_ui(ui: &mut Ui, e: &EmbeddingDrift) {
    ui.horizontal_wrapped(|ui| {
        ui.heading(format!("Embedding {}", e.column));
        ui.label(format!(
            "{} values; {} training and {} production rows",
            e.dim, e.reference_rows, e.current_rows
        ));
    });
    egui::Grid::new(format!("embedding_{}", e.column))
        .striped(true)
        .show(ui, |ui| {
            for h in ["method", "score", "threshold", ""] {
                ui.strong(h);
            }
            ui.end_row();
            for s in &e.scores {
                ui.label(s.method.name());
                ui.label(fmt_num(s.score));
                ui.label(fmt_num(s.threshold));
                ui.label(verdict(s.drifted));
                ui.end_row();
            }
        });
}

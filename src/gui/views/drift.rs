//! The Drift tab: the dataset verdict, a table of columns sorted by drift (test, score, p-value
//! and effect size side by side), the selected column's distributions overlaid with the bins
//! that made the difference, and a columns × windows heatmap.

use super::capitalised;
use crate::engine::ranges;
use egui::{Color32, RichText, Ui};
use egui_extras::{Column, TableBuilder};
use egui_plot::{Bar, BarChart, Legend, Line, Plot, PlotPoints, VLine};

use crate::analysis::drift::{BinningStrategy, Correction, DriftMethod, FeatureType};
use crate::analysis::windows::WindowSpec;
pub use crate::engine::drift::DriftSettings;
use crate::engine::drift::{
    ColumnDrift, DriftInputs, DriftOutcome, WindowedDrift, run, run_windows, severity,
};
use crate::engine::drift_detail::{ColumnDetail, column_detail};
use crate::format::fmt_num;
use crate::gui::command::Command;
use crate::gui::computed::{Computed, key_of};
use crate::gui::view_ctx::ViewCtx;
use crate::gui::widgets::{CURRENT_COLOR, REFERENCE_COLOR, sparkline};
use crate::vocab::Side;

/// How the table is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DriftSort {
    /// Most drifted first (score relative to its threshold).
    #[default]
    Severity,
    Name,
    /// The training file's column order.
    Position,
}

/// What the overlay histogram's bars show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BarScale {
    #[default]
    Share,
    Count,
}

/// State of the Drift tab.
#[derive(Default)]
pub struct DriftView {
    pub settings: DriftSettings,
    /// Text of the threshold box (empty = the method's default).
    pub threshold_text: String,
    /// Why the typed threshold was refused (the previous one stays in force).
    pub threshold_error: Option<String>,
    /// The whole-data pass (the table), computed first and shown as soon as it exists.
    pub run: Computed<DriftOutcome>,
    /// The windows of the shown pass (heatmap, sparklines, learned thresholds), filled in after.
    pub windows: Computed<WindowsPart>,
    /// `run` with `windows` merged in, once both belong together: what the tab draws.
    shown: Option<std::sync::Arc<DriftOutcome>>,
    pub detail: Computed<ColumnDetail>,
    pub sort: DriftSort,
    pub only_drifted: bool,
    pub filter: String,
    pub bar_scale: BarScale,
    /// A heatmap cell the user clicked: the detail shows that window only.
    pub window: Option<usize>,
    /// The drift-share slider's value while it is dragged (percent).
    pub pending_share: Option<f64>,
    /// Multivariate drift: the row above the table and its panel.
    pub multivariate: super::drift_multivariate::MultivariateState,
    /// Text columns and embeddings, on their own job.
    pub text: super::drift_text::TextPanel,
}

/// A pass's inputs, owned so that a background job can hold them.
#[derive(Clone)]
struct OwnedInputs {
    reference: std::sync::Arc<crate::data::Dataset>,
    current: std::sync::Arc<crate::data::Dataset>,
    roles: crate::data::RoleMap,
    renames: crate::vocab::Renames,
}

impl OwnedInputs {
    fn get(&self) -> DriftInputs<'_> {
        DriftInputs {
            reference: &self.reference,
            current: &self.current,
            roles: &self.roles,
            renames: &self.renames,
        }
    }
}

/// The per-window part of the pass `whole`.
pub struct WindowsPart {
    /// The whole-data pass the windows belong to.
    whole: std::sync::Arc<DriftOutcome>,
    /// That pass with its windows, put together on the job's thread (a million rows' window
    /// assignment is not copied on the UI thread).
    merged: std::sync::Arc<DriftOutcome>,
}

impl DriftView {
    /// What the tab draws: the whole-data pass, with its windows once they are computed.
    pub fn shown(&self) -> Option<std::sync::Arc<DriftOutcome>> {
        self.shown.clone().or_else(|| self.run.value.clone())
    }

    /// Rebuild [`DriftView::shown`] after either part changed.
    fn merge(&mut self) {
        let whole = self.run.value.clone();
        let part = self.windows.value.clone();
        self.shown = match (whole, part) {
            (Some(whole), Some(part)) if std::sync::Arc::ptr_eq(&whole, &part.whole) => {
                Some(part.merged.clone())
            }
            (whole, _) => whole,
        };
    }

    /// Start (re)computing when the datasets, roles, renames or settings changed, and the
    /// selected column's detail when the selection changed. Called every frame; cheap when
    /// nothing changed.
    pub fn update(&mut self, cx: &ViewCtx<'_>) {
        let (datasets, roles) = (cx.datasets, cx.roles);
        let (selected, waker) = (cx.selected_column.as_deref(), cx.waker());
        if self.run.poll() | self.windows.poll() {
            self.merge();
        }
        self.detail.poll();
        let (Some(reference), Some(current)) = (datasets[0].clone(), datasets[1].clone()) else {
            return;
        };
        super::drift_multivariate::update(&mut self.multivariate, &self.settings, cx);
        // The table does not depend on the windows (nor on the multivariate part, its own
        // job): changing them only recomputes those.
        let settings = DriftSettings {
            windows: None,
            multivariate: None,
            text: Default::default(),
            ..self.settings.clone()
        };
        self.text.logic(
            reference.clone(),
            current.clone(),
            roles,
            cx.renames,
            &self.settings.text,
            self.settings.windows,
            waker.clone(),
        );
        let drift_renames = cx.renames.clone();
        let settings_text = serde_json::to_string(&settings).unwrap_or_default();
        let roles_text = serde_json::to_string(roles).unwrap_or_default();
        let key = key_of(&(
            reference.load_id,
            current.load_id,
            &settings_text,
            &drift_renames,
            &roles_text,
        ));
        let owned = OwnedInputs {
            reference: reference.clone(),
            current: current.clone(),
            roles: roles.clone(),
            renames: drift_renames,
        };
        let for_run = owned.clone();
        self.run
            .request(key, "Computing drift", waker.clone(), move |p| {
                run(&for_run.get(), &settings, p).map_err(|e| e.to_string())
            });
        // The windows of the table on screen, once that table is the one for these inputs.
        if let Some(spec) = self.settings.windows
            && !self.run.is_running()
            && self.run.error.is_none()
            && let Some(whole) = self.run.value.clone()
        {
            let key = key_of(&(key, serde_json::to_string(&spec).unwrap_or_default()));
            let settings = DriftSettings {
                multivariate: None,
                ..self.settings.clone()
            };
            self.windows
                .request(key, "Scoring windows", waker.clone(), move |p| {
                    let (windows, error) = run_windows(&owned.get(), &settings, &whole, p)
                        .map_err(|e| e.to_string())?;
                    let mut merged = (*whole).clone();
                    merged.windows = windows;
                    merged.windows_error = error;
                    Ok(WindowsPart {
                        whole,
                        merged: std::sync::Arc::new(merged),
                    })
                });
        } else if self.settings.windows.is_none() && self.windows.value.is_some() {
            self.windows = Computed::default();
            self.merge();
        }

        let Some(selected) = selected else {
            return;
        };
        let current_name = cx.renames.current_name(selected).to_string();
        if reference.frame.column(selected).is_err() || current.frame.column(&current_name).is_err()
        {
            return;
        }
        // A window's rows are known only once the run that defined the windows has finished.
        let rows = self.window.and_then(|w| {
            let shown = self.shown()?;
            let windows = shown.windows.as_ref()?;
            (w < windows.windows.len()).then(|| windows.rows_of(w))
        });
        let binning = self.settings.binning;
        let key = key_of(&(
            reference.load_id,
            current.load_id,
            selected,
            &current_name,
            serde_json::to_string(&binning).unwrap_or_default(),
            &rows,
        ));
        let selected = selected.to_string();
        self.detail
            .request(key, "Drawing distributions", waker, move |_| {
                column_detail(
                    &reference,
                    &current,
                    &selected,
                    &current_name,
                    binning,
                    rows.as_deref(),
                )
                .map_err(|e| e.to_string())
            });
    }

    pub fn is_busy(&self) -> bool {
        self.run.is_running()
            || self.windows.is_running()
            || self.detail.is_running()
            || self.multivariate.run.is_running()
            || self.text.run.is_running()
    }
}

/// A column's severity for colours and sparklines (the engine's; -1 without a score).
fn column_severity(c: &ColumnDrift) -> f64 {
    c.severity().unwrap_or(-1.0)
}

/// Colour of a severity: neutral below 0.5, amber towards the threshold, red above it.
fn severity_color(s: f64) -> Color32 {
    if !s.is_finite() || s >= 1.0 {
        let t = if s.is_finite() {
            ((s - 1.0) / 2.0).clamp(0.0, 1.0)
        } else {
            1.0
        };
        Color32::from_rgb(200 + (40.0 * t) as u8, 80 - (40.0 * t) as u8, 60)
    } else if s >= 0.5 {
        Color32::from_rgb(210, 160, 60)
    } else {
        Color32::from_rgb(70, 130, 90)
    }
}

pub fn drift_ui(st: &mut DriftView, cx: &mut ViewCtx<'_>, ui: &mut Ui) {
    if cx.dataset(Side::Reference).is_none() || cx.dataset(Side::Current).is_none() {
        ui.vertical_centered(|ui| {
            ui.add_space(80.0);
            ui.heading("Drift needs two datasets");
            ui.label("Open a training (reference) and a production (current) file.");
        });
        return;
    }
    settings_ui(st, ui);
    super::drift_text::settings_ui(&mut st.settings.text, &mut st.text, ui);
    let view = &mut *st;
    view.run.status_ui(ui);
    if !view.run.is_running() {
        view.windows.status_ui(ui);
    }
    let Some(result) = view.shown() else {
        if view.run.is_running() {
            ui.label("Computing drift…");
        }
        return;
    };
    let stale = view.run.is_running();
    ui.scope(|ui| {
        if stale {
            ui.multiply_opacity(0.5);
        }
        verdict_ui(&result, st.text.run.value.as_deref(), ui);
        ui.add_space(4.0);
        if st.settings.multivariate.is_some() {
            super::drift_multivariate::row_ui(&mut st.multivariate, ui);
        }
        let table_height = (ui.available_height() * 0.42).max(150.0);
        drift_table(st, cx, ui, &result, table_height);
        ui.separator();
        egui::ScrollArea::vertical()
            .id_salt("drift_lower")
            .auto_shrink([false, false])
            .show(ui, |ui| {
                if st.multivariate.selected {
                    super::drift_multivariate::panel_ui(&mut st.multivariate, ui);
                } else {
                    super::drift_text::text_ui(&mut st.text, ui);
                    // A text column's detail is its text panel above: its values as
                    // categories would be one bar per text.
                    let text_selected = cx.selected_column.as_ref().is_some_and(|s| {
                        st.text
                            .run
                            .value
                            .as_ref()
                            .is_some_and(|o| o.text.iter().any(|c| &c.column == s))
                    });
                    if !text_selected {
                        detail_ui(st, cx, ui, &result);
                    }
                }
                if let Some(w) = &result.windows {
                    ui.separator();
                    heatmap_ui(st, cx, ui, &result, w);
                } else if let Some(e) = &result.windows_error {
                    ui.separator();
                    ui.weak(format!("No drift over time: {e}"));
                } else if st.windows.is_running() {
                    ui.separator();
                    ui.weak("Scoring every window of the production data…");
                }
            });
    });
}

fn settings_ui(st: &mut DriftView, ui: &mut Ui) {
    let s = &mut st.settings;
    ui.horizontal_wrapped(|ui| {
        let label = ui.label("Test");
        egui::ComboBox::from_id_salt("drift_method")
            .selected_text(s.method.name())
            .show_ui(ui, |ui| {
                for m in std::iter::once(DriftMethod::Auto).chain(DriftMethod::ALL) {
                    ui.selectable_value(&mut s.method, m, m.name())
                        .on_hover_text(format!("{} ({})", m.description(), m.range()));
                }
            })
            .response
            .labelled_by(label.id)
            .on_hover_text("Test for every column; auto picks Evidently's default per column");
        let threshold_label = ui.label("Threshold");
        let response = ui.add(
            egui::TextEdit::singleline(&mut st.threshold_text)
                .desired_width(56.0)
                .hint_text("default"),
        );
        // Apply on Enter or when focus leaves, like a slider on release.
        let response = response
            .labelled_by(threshold_label.id)
            .on_hover_text(format!(
                "Empty for the method's own threshold; otherwise {}",
                ranges::DRIFT_THRESHOLD.rule()
            ));
        if response.lost_focus() {
            let text = st.threshold_text.trim();
            if text.is_empty() {
                s.threshold = None;
                st.threshold_error = None;
            } else {
                match ranges::DRIFT_THRESHOLD.parse(text) {
                    Ok(t) => {
                        s.threshold = Some(t);
                        st.threshold_error = None;
                    }
                    Err(e) => st.threshold_error = Some(capitalised(&e.to_string())),
                }
            }
        }
        super::range_error_ui(ui, st.threshold_error.as_deref());
        let label = ui.label("Bins");
        egui::ComboBox::from_id_salt("drift_binning")
            .selected_text(binning_name(s.binning))
            .show_ui(ui, |ui| {
                for b in [
                    BinningStrategy::Auto,
                    BinningStrategy::Sturges,
                    BinningStrategy::ReferenceQuantiles { n_bins: 10 },
                    BinningStrategy::EqualWidth { n_bins: 20 },
                    BinningStrategy::DistinctValues,
                ] {
                    ui.selectable_value(&mut s.binning, b, binning_name(b));
                }
            })
            .response
            .labelled_by(label.id)
            .on_hover_text("Bins for PSI, KL, Jensen-Shannon and Hellinger on numbers");
        let label = ui.label("Correction");
        egui::ComboBox::from_id_salt("drift_correction")
            .selected_text(correction_name(s.correction))
            .show_ui(ui, |ui| {
                for c in [
                    Correction::None,
                    Correction::Bonferroni,
                    Correction::BenjaminiHochberg,
                ] {
                    ui.selectable_value(&mut s.correction, c, correction_name(c));
                }
            })
            .response
            .labelled_by(label.id);
        let label = ui.label("Windows");
        egui::ComboBox::from_id_salt("drift_windows")
            .selected_text(s.windows.map_or("none".to_string(), window_name))
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut s.windows, None, "none");
                for w in [
                    WindowSpec::Day,
                    WindowSpec::Week,
                    WindowSpec::Month,
                    WindowSpec::Chunks(10),
                ] {
                    ui.selectable_value(&mut s.windows, Some(w), window_name(w));
                }
            })
            .response
            .labelled_by(label.id);
        super::drift_multivariate::settings_ui(s, ui);
    });
    ui.horizontal(|ui| {
        let label = ui.label("Dataset drifts at");
        // The slider edits a pending value; the setting (and so a new computation) changes on
        // release, not on every step of the drag.
        let pending = st
            .pending_share
            .get_or_insert(st.settings.drift_share * 100.0);
        let slider = ui
            .add(
                egui::Slider::new(pending, 5.0..=100.0)
                    .step_by(5.0)
                    .show_value(false),
            )
            .labelled_by(label.id);
        let pct = *pending;
        ui.label(format!("{pct:.0} % of tested columns drift"));
        if slider.drag_stopped() || (slider.changed() && !slider.dragged()) {
            st.settings.drift_share = pct / 100.0;
        }
        if !slider.dragged() && !slider.changed() {
            st.pending_share = None;
        }
    });
    let view = &mut *st;
    ui.horizontal(|ui| {
        ui.add(
            egui::TextEdit::singleline(&mut view.filter)
                .hint_text("Filter columns")
                .desired_width(160.0),
        );
        ui.checkbox(&mut view.only_drifted, "Only drifted");
        ui.label("Sort by");
        for (sort, name) in [
            (DriftSort::Severity, "drift"),
            (DriftSort::Name, "name"),
            (DriftSort::Position, "file order"),
        ] {
            ui.selectable_value(&mut view.sort, sort, name);
        }
    });
}

fn binning_name(b: BinningStrategy) -> String {
    match b {
        BinningStrategy::Auto => "auto (Evidently)".into(),
        BinningStrategy::Sturges => "Sturges".into(),
        BinningStrategy::DistinctValues => "one per value".into(),
        BinningStrategy::ReferenceQuantiles { n_bins: 10 } => "reference deciles".into(),
        BinningStrategy::ReferenceQuantiles { n_bins } => format!("{n_bins} reference quantiles"),
        BinningStrategy::EqualWidth { n_bins } => format!("{n_bins} equal-width"),
    }
}

fn correction_name(c: Correction) -> &'static str {
    match c {
        Correction::None => "none",
        Correction::Bonferroni => "Bonferroni",
        Correction::BenjaminiHochberg => "Benjamini-Hochberg",
    }
}

fn window_name(w: WindowSpec) -> String {
    match w {
        WindowSpec::Day => "day".into(),
        WindowSpec::Week => "week".into(),
        WindowSpec::Month => "month".into(),
        WindowSpec::Chunks(n) => format!("{n} chunks"),
    }
}

fn verdict_ui(
    result: &DriftOutcome,
    texts: Option<&crate::engine::text_drift::TextDriftOutcome>,
    ui: &mut Ui,
) {
    let r = &result.report;
    ui.horizontal(|ui| {
        let (text, color) = if r.dataset_drift {
            ("Dataset drift detected", Color32::from_rgb(230, 80, 60))
        } else {
            ("No dataset drift", Color32::from_rgb(90, 170, 110))
        };
        ui.label(RichText::new(text).heading().color(color));
        ui.label(format!(
            "{} of {} tested columns drifted ({:.1} %); the dataset drifts at {:.0} %.",
            r.number_of_drifted_columns,
            r.number_of_columns,
            r.share_of_drifted_columns * 100.0,
            result.drift_share_threshold * 100.0
        ));
        let skipped = result.skipped.len()
            + result
                .columns
                .iter()
                .filter(|c| c.verdict.method.is_none())
                .count();
        if skipped > 0 {
            let reasons: Vec<String> = result
                .skipped
                .iter()
                .map(|s| format!("{}: {}", s.column, s.reason))
                .chain(
                    result
                        .columns
                        .iter()
                        .filter(|c| c.verdict.method.is_none())
                        .map(|c| {
                            format!(
                                "{}: {}",
                                c.reference_name,
                                c.verdict.not_tested_reason.clone().unwrap_or_default()
                            )
                        }),
                )
                .collect();
            ui.weak(format!("{skipped} not tested"))
                .on_hover_text(reasons.join("\n"));
        }
        // Text columns are tested by their own pass (below the table), not in the share
        // above: say so, so a drifted text column is not hidden behind "No dataset drift".
        if let Some(t) = texts.filter(|t| !t.text.is_empty()) {
            let drifted = t.text.iter().filter(|c| c.report.drifted).count();
            let label = format!(
                "{} of {} text columns drifted (domain classifier, below)",
                drifted,
                t.text.len()
            );
            if drifted > 0 {
                ui.label(RichText::new(label).color(Color32::from_rgb(230, 80, 60)));
            } else {
                ui.weak(label);
            }
        }
    });
}

fn sorted_columns<'a>(
    view: &crate::gui::views::drift::DriftView,
    run: &'a DriftOutcome,
) -> Vec<&'a ColumnDrift> {
    let filter = view.filter.to_lowercase();
    // By severity: the engine's ranking, the report's order (drifted first, then by severity).
    let tested: Vec<&ColumnDrift> = match view.sort {
        DriftSort::Severity => run.ranked(),
        _ => run.columns.iter().filter(|c| c.is_tested()).collect(),
    };
    let mut cols: Vec<&ColumnDrift> = tested
        .into_iter()
        .filter(|c| !view.only_drifted || c.verdict.drifted)
        .filter(|c| {
            c.reference_name.to_lowercase().contains(&filter)
                || c.current_name.to_lowercase().contains(&filter)
        })
        .collect();
    match view.sort {
        DriftSort::Severity | DriftSort::Position => {}
        DriftSort::Name => cols.sort_by_key(|c| c.reference_name.to_lowercase()),
    }
    cols
}

fn drift_table(
    st: &mut DriftView,
    cx: &mut ViewCtx<'_>,
    ui: &mut Ui,
    run: &DriftOutcome,
    height: f32,
) {
    let cols = sorted_columns(&*st, run);
    let windows = run.windows.as_ref();
    let mut clicked = None;
    // Clicks on a cell's text must select the row, not start a text selection.
    ui.style_mut().interaction.selectable_labels = false;
    TableBuilder::new(ui)
        .id_salt("drift_table")
        .striped(true)
        .sense(egui::Sense::click())
        .max_scroll_height(height)
        .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
        .column(Column::initial(150.0).at_least(100.0).clip(true))
        .column(Column::initial(80.0).clip(true))
        .column(Column::initial(100.0).clip(true))
        .columns(Column::initial(64.0).clip(true), 4)
        .column(Column::initial(56.0))
        .column(Column::initial(84.0).clip(true))
        .column(Column::remainder().at_least(60.0).clip(true))
        .header(22.0, |mut h| {
            for (title, tip) in [
                ("Column", "Training name (production name when renamed)"),
                ("Kind", "How the column was tested"),
                ("Test", "The test that decides drift for this column"),
                ("Score", "The test's statistic: a p-value or a distance"),
                ("p-value", "The test's p-value, or KS (numbers) / chi-square (categories) for distance tests"),
                ("Effect", "Normed Wasserstein (numbers) or Cramer's V (categories)"),
                ("Threshold", "Drift when the score passes this"),
                ("Drift", "Whether this column drifted"),
                ("Missing", "Values excluded before testing (null, NaN, inf): training / production"),
                ("Over time", "The score in each window of the production data"),
            ] {
                h.col(|ui| {
                    ui.strong(title).on_hover_text(tip);
                });
            }
        })
        .body(|body| {
            body.rows(22.0, cols.len(), |mut row| {
                let c = cols[row.index()];
                let v = &c.verdict;
                row.set_selected(cx.selected_column.as_deref() == Some(c.reference_name.as_str()));
                row.col(|ui| {
                    if c.current_name != c.reference_name {
                        ui.label(format!("{} > {}", c.reference_name, c.current_name));
                    } else {
                        ui.label(&c.reference_name);
                    }
                });
                row.col(|ui| {
                    ui.label(match v.feature_type {
                        FeatureType::Numerical => "numeric",
                        _ => "categorical",
                    });
                });
                row.col(|ui| {
                    if let Some(m) = v.method {
                        ui.label(m.name())
                            .on_hover_text(format!("{}\nRange: {}", m.description(), m.range()));
                    }
                });
                let score = v.adjusted_score.or(v.score);
                row.col(|ui| {
                    ui.label(score.map(fmt_num).unwrap_or_default());
                });
                row.col(|ui| match c.p_value() {
                    Some((p, test)) => {
                        ui.label(fmt_num(p)).on_hover_text(format!("p-value of {test}"));
                    }
                    None => {
                        ui.weak("-");
                    }
                });
                row.col(|ui| match c.effect_size() {
                    Some((e, what)) => {
                        ui.label(fmt_num(e)).on_hover_text(what);
                    }
                    None => {
                        ui.weak("-");
                    }
                });
                row.col(|ui| {
                    ui.label(v.threshold.map(fmt_num).unwrap_or_default());
                });
                row.col(|ui| {
                    let s = column_severity(c);
                    if v.drifted {
                        ui.label(RichText::new(" DRIFT ").color(Color32::WHITE).background_color(severity_color(s)));
                    } else {
                        ui.weak("no");
                    }
                });
                row.col(|ui| {
                    ui.label(format!(
                        "{} / {}",
                        c.reference_missing.total(),
                        c.current_missing.total()
                    ));
                });
                row.col(|ui| {
                    if let Some(w) = windows
                        && let Some(wc) = w.columns.iter().find(|x| x.column == c.reference_name)
                    {
                        let counts: Vec<u32> = wc
                            .scores
                            .iter()
                            .map(|s| match (v.method, s, v.threshold) {
                                (Some(m), Some(s), Some(t)) => {
                                    (severity(m, *s, t).min(3.0) * 100.0).max(1.0) as u32
                                }
                                _ => 0,
                            })
                            .collect();
                        let w = ui.available_width().clamp(20.0, 160.0);
                        sparkline(ui, &counts, egui::vec2(w, 16.0), CURRENT_COLOR)
                            .on_hover_text("Drift in each window, relative to the threshold");
                    }
                });
                if row.response().clicked() {
                    clicked = Some(c.reference_name.clone());
                }
            });
        });
    if let Some(name) = clicked {
        st.window = None;
        st.multivariate.selected = false;
        cx.push(Command::SelectColumn(name));
    }
}

fn detail_ui(st: &mut DriftView, cx: &mut ViewCtx<'_>, ui: &mut Ui, run: &DriftOutcome) {
    let Some(selected) = cx.selected_column.clone() else {
        ui.weak("Select a column to see its two distributions.");
        return;
    };
    let Some(column) = run.columns.iter().find(|c| c.reference_name == selected) else {
        let reason = run
            .skipped
            .iter()
            .find(|s| s.column == selected)
            .map_or("it is not in both datasets".to_string(), |s| {
                s.reason.clone()
            });
        ui.weak(format!("\"{selected}\" was not tested: {reason}."));
        return;
    };
    let view = &mut *st;
    ui.horizontal(|ui| {
        ui.heading(format!("Drift of {selected}"));
        if let Some(w) = view.window
            && let Some(win) = run.windows.as_ref().and_then(|ws| ws.windows.get(w))
        {
            ui.label(format!(
                "production window {} ({} rows)",
                win.label, win.rows
            ));
            if ui.small_button("Show all production rows").clicked() {
                view.window = None;
            }
        }
        ui.separator();
        let label = ui.label("Test for this column");
        let current = view.settings.per_column.get(&selected).copied();
        egui::ComboBox::from_id_salt("drift_column_method")
            .selected_text(current.map_or("as above", DriftMethod::name))
            .show_ui(ui, |ui| {
                if ui.selectable_label(current.is_none(), "as above").clicked() {
                    view.settings.per_column.remove(&selected);
                }
                // A column stored as numbers takes every numeric test, also a count column
                // that is tested as categories by default.
                let numbers = column.kind == crate::engine::drift::DriftKind::Numeric;
                let applicable =
                    |m: DriftMethod| numbers || m.applies_to(column.verdict.feature_type);
                for m in DriftMethod::ALL.into_iter().filter(|m| applicable(*m)) {
                    if ui
                        .selectable_label(current == Some(m), m.name())
                        .on_hover_text(format!("{} ({})", m.description(), m.range()))
                        .clicked()
                    {
                        view.settings.per_column.insert(selected.clone(), m);
                    }
                }
            })
            .response
            .labelled_by(label.id);
        ui.separator();
        ui.label("Bars:");
        ui.selectable_value(&mut view.bar_scale, BarScale::Share, "share");
        ui.selectable_value(&mut view.bar_scale, BarScale::Count, "count");
    });
    view.detail.status_ui(ui);
    let Some(detail) = view.detail.value.clone() else {
        return;
    };
    if detail.reference_name != selected {
        // The previous column's detail while the new one is computed.
        ui.multiply_opacity(0.4);
    }
    let v = &column.verdict;
    if let (Some(m), Some(s), Some(t)) = (v.method, v.adjusted_score.or(v.score), v.threshold) {
        ui.label(format!(
            "{}: {} = {} against threshold {} ({}). {}",
            if v.drifted { "Drifted" } else { "Not drifted" },
            m.name(),
            fmt_num(s),
            fmt_num(t),
            m.range(),
            m.description()
        ));
    }
    let bar_scale = view.bar_scale;
    let width = ui.available_width();
    let half = ((width - 40.0) / 2.0).max(240.0);
    ui.horizontal_top(|ui| {
        ui.vertical(|ui| {
            ui.set_width(half);
            histogram_plot(ui, &detail, bar_scale, half);
            psi_plot(ui, &detail, half);
        });
        ui.vertical(|ui| {
            ui.set_width(half);
            if let Some(n) = &detail.numeric {
                density_plot(ui, n, half);
                ecdf_plot(ui, n, half);
            } else {
                categories_ui(ui, &detail);
            }
        });
    });
    if let Some(n) = &detail.numeric {
        quantile_table(ui, n);
    }
}

fn histogram_plot(ui: &mut Ui, d: &ColumnDetail, scale: BarScale, width: f32) {
    ui.strong("Distributions on shared bins");
    let categorical = d.numeric.is_none();
    let labels: Vec<String> = d.bins.iter().map(|b| b.label.clone()).collect();
    let mut plot = Plot::new(("drift_hist", &d.reference_name))
        .height(200.0)
        .width(width)
        .legend(Legend::default())
        .include_y(0.0)
        .allow_scroll(false)
        .y_axis_label(match scale {
            BarScale::Share => "share of rows",
            BarScale::Count => "rows",
        });
    if categorical {
        let l = labels.clone();
        plot = plot.x_axis_formatter(move |mark, _| {
            let i = mark.value.round();
            if (mark.value - i).abs() < 1e-6 && i >= 0.0 {
                l.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        });
    }
    plot.show(ui, |p| {
        for (side, color) in [
            (Side::Reference, REFERENCE_COLOR),
            (Side::Current, CURRENT_COLOR),
        ] {
            let bars: Vec<Bar> = d
                .bins
                .iter()
                .enumerate()
                .map(|(i, b)| {
                    let (share, count) = match side {
                        Side::Reference => (b.reference_share, b.reference_count),
                        Side::Current => (b.current_share, b.current_count),
                    };
                    let h = match scale {
                        BarScale::Share => share,
                        BarScale::Count => count as f64,
                    };
                    let (x, w) = match (categorical, b.edges) {
                        (false, Some((lo, hi))) if lo.is_finite() && hi.is_finite() => {
                            ((lo + hi) / 2.0, hi - lo)
                        }
                        _ => {
                            let offset = if side == Side::Reference { -0.2 } else { 0.2 };
                            (i as f64 + offset, 0.38)
                        }
                    };
                    let mut bar = Bar::new(x, h).width(w).name(&b.label);
                    if categorical || d.numeric.is_none() {
                        bar = bar.fill(color);
                    } else {
                        bar = bar
                            .fill(color.gamma_multiply(0.35))
                            .stroke(egui::Stroke::new(1.5, color));
                    }
                    if (b.new && side == Side::Current) || (b.vanished && side == Side::Reference) {
                        bar = bar.stroke(egui::Stroke::new(2.5, Color32::from_rgb(230, 60, 60)));
                    }
                    bar
                })
                .collect();
            p.bar_chart(BarChart::new(side.short(), bars).color(color));
        }
    });
}

fn psi_plot(ui: &mut Ui, d: &ColumnDetail, width: f32) {
    ui.strong(format!("Each bin's share of the PSI ({})", fmt_num(d.psi)))
        .on_hover_text("PSI = sum over bins of (current share - training share) x ln(current share / training share); the tallest bars are the bins that made the drift");
    let categorical = d.numeric.is_none();
    let labels: Vec<String> = d.bins.iter().map(|b| b.label.clone()).collect();
    let mut plot = Plot::new(("drift_psi", &d.reference_name))
        .height(110.0)
        .width(width)
        .include_y(0.0)
        .allow_scroll(false);
    if categorical {
        plot = plot.x_axis_formatter(move |mark, _| {
            let i = mark.value.round();
            if (mark.value - i).abs() < 1e-6 && i >= 0.0 {
                labels.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        });
    }
    plot.show(ui, |p| {
        let bars: Vec<Bar> = d
            .bins
            .iter()
            .enumerate()
            .map(|(i, b)| {
                let (x, w) = match (categorical, b.edges) {
                    (false, Some((lo, hi))) if lo.is_finite() && hi.is_finite() => {
                        ((lo + hi) / 2.0, hi - lo)
                    }
                    _ => (i as f64, 0.6),
                };
                Bar::new(x, b.psi_contribution).width(w).name(&b.label)
            })
            .collect();
        p.bar_chart(BarChart::new("PSI per bin", bars).color(Color32::from_rgb(200, 90, 70)));
    });
}

fn density_plot(ui: &mut Ui, n: &crate::engine::drift_detail::NumericDetail, width: f32) {
    ui.strong("Smoothed densities").on_hover_text(
        "Gaussian kernel density, Scott's bandwidth (as scipy.stats.gaussian_kde), over the central 99 % of values",
    );
    Plot::new("drift_density")
        .height(150.0)
        .width(width)
        .legend(Legend::default())
        .include_y(0.0)
        .allow_scroll(false)
        .show(ui, |p| {
            p.line(
                Line::new("Training", PlotPoints::from(n.reference_density.clone()))
                    .color(REFERENCE_COLOR)
                    .width(2.0),
            );
            p.line(
                Line::new("Production", PlotPoints::from(n.current_density.clone()))
                    .color(CURRENT_COLOR)
                    .width(2.0),
            );
        });
}

fn ecdf_plot(ui: &mut Ui, n: &crate::engine::drift_detail::NumericDetail, width: f32) {
    ui.strong(format!(
        "Cumulative distributions: KS D = {} at {}",
        fmt_num(n.ks_statistic),
        fmt_num(n.ks_location)
    ))
    .on_hover_text(
        "The largest vertical gap between the two ECDFs is the Kolmogorov-Smirnov statistic",
    );
    Plot::new("drift_ecdf")
        .height(150.0)
        .width(width)
        .legend(Legend::default())
        .include_y(0.0)
        .include_y(1.0)
        .allow_scroll(false)
        .show(ui, |p| {
            p.line(
                Line::new("Training", PlotPoints::from(step(&n.reference_ecdf)))
                    .color(REFERENCE_COLOR)
                    .width(2.0),
            );
            p.line(
                Line::new("Production", PlotPoints::from(step(&n.current_ecdf)))
                    .color(CURRENT_COLOR)
                    .width(2.0),
            );
            p.line(
                Line::new(
                    "KS gap",
                    PlotPoints::from(vec![
                        [n.ks_location, n.ks_reference_cdf],
                        [n.ks_location, n.ks_current_cdf],
                    ]),
                )
                .color(Color32::from_rgb(230, 60, 60))
                .width(3.0),
            );
            p.vline(
                VLine::new("", n.ks_location)
                    .color(Color32::from_rgb(230, 60, 60).gamma_multiply(0.4)),
            );
        });
}

/// ECDF points as a step curve.
fn step(points: &[[f64; 2]]) -> Vec<[f64; 2]> {
    let mut out = Vec::with_capacity(points.len() * 2);
    let mut prev_y = 0.0;
    for p in points {
        out.push([p[0], prev_y]);
        out.push(*p);
        prev_y = p[1];
    }
    out
}

fn categories_ui(ui: &mut Ui, d: &ColumnDetail) {
    ui.strong("Categories");
    if d.new_categories.is_empty() && d.vanished_categories.is_empty() {
        ui.label("Every category appears in both datasets.");
    }
    if !d.new_categories.is_empty() {
        ui.colored_label(
            Color32::from_rgb(230, 80, 60),
            format!("New in production: {}", d.new_categories.join(", ")),
        );
    }
    if !d.vanished_categories.is_empty() {
        ui.colored_label(
            Color32::from_rgb(230, 160, 60),
            format!("Gone from production: {}", d.vanished_categories.join(", ")),
        );
    }
    egui::Grid::new("drift_categories")
        .striped(true)
        .show(ui, |ui| {
            ui.strong("category");
            ui.strong("training");
            ui.strong("production");
            ui.strong("PSI part");
            ui.end_row();
            for b in &d.bins {
                ui.label(&b.label);
                ui.label(format!("{:.2} %", b.reference_share * 100.0));
                ui.label(format!("{:.2} %", b.current_share * 100.0));
                ui.label(fmt_num(b.psi_contribution));
                ui.end_row();
            }
        });
}

fn quantile_table(ui: &mut Ui, n: &crate::engine::drift_detail::NumericDetail) {
    ui.add_space(4.0);
    ui.strong(format!(
        "Quantiles ({} training values, {} production values)",
        n.reference_n, n.current_n
    ));
    egui::Grid::new("drift_quantiles")
        .striped(true)
        .show(ui, |ui| {
            ui.label("");
            for (q, _, _) in &n.quantiles {
                ui.strong(format!("{}%", fmt_num(q * 100.0)));
            }
            ui.end_row();
            ui.colored_label(REFERENCE_COLOR, "Training");
            for (_, r, _) in &n.quantiles {
                ui.label(fmt_num(*r));
            }
            ui.end_row();
            ui.colored_label(CURRENT_COLOR, "Production");
            for (_, _, c) in &n.quantiles {
                ui.label(fmt_num(*c));
            }
            ui.end_row();
        });
}

fn heatmap_ui(
    st: &mut DriftView,
    cx: &mut ViewCtx<'_>,
    ui: &mut Ui,
    run: &DriftOutcome,
    w: &WindowedDrift,
) {
    ui.strong(format!(
        "Drift by {} window ({} windows; a cell's colour is the score relative to its threshold, a dot marks a breach of the threshold learned from training windows)",
        window_name(w.spec),
        w.windows.len()
    ));
    let cols = sorted_columns(&*st, run);
    let label_w = 170.0;
    let cell_h = 18.0;
    let n = w.windows.len().max(1);
    let cell_w = ((ui.available_width() - label_w) / n as f32).clamp(8.0, 60.0);
    let (rect, response) = ui.allocate_exact_size(
        egui::vec2(
            label_w + cell_w * n as f32,
            cell_h * (cols.len() + 1) as f32,
        ),
        egui::Sense::click(),
    );
    let painter = ui.painter_at(rect);
    let text_color = ui.visuals().text_color();
    let font = egui::FontId::proportional(11.0);
    let mut hovered = None;
    for (row, c) in cols.iter().enumerate() {
        let y = rect.top() + cell_h * row as f32;
        painter.text(
            egui::pos2(rect.left() + 2.0, y + cell_h / 2.0),
            egui::Align2::LEFT_CENTER,
            &c.reference_name,
            font.clone(),
            text_color,
        );
        let Some(wc) = w.columns.iter().find(|x| x.column == c.reference_name) else {
            continue;
        };
        let v = &c.verdict;
        for (i, s) in wc.scores.iter().enumerate() {
            let cell = egui::Rect::from_min_size(
                egui::pos2(rect.left() + label_w + cell_w * i as f32, y),
                egui::vec2(cell_w - 1.0, cell_h - 1.0),
            );
            let color = match (v.method, s, v.threshold) {
                (Some(m), Some(s), Some(t)) => severity_color(severity(m, *s, t)),
                _ => ui.visuals().faint_bg_color,
            };
            painter.rect_filled(cell, 1.0, color);
            let breach = match (v.method, s, wc.reference_threshold) {
                (Some(m), Some(s), Some(t)) => m.direction().is_drift(*s, t),
                _ => false,
            };
            if breach {
                painter.circle_filled(cell.center(), 2.5, Color32::WHITE);
            }
            if response.hovered()
                && let Some(pos) = response.hover_pos()
                && cell.contains(pos)
            {
                hovered = Some((c.reference_name.clone(), i, *s, wc.reference_threshold));
            }
        }
    }
    // Window labels along the bottom, thinned to fit.
    let y = rect.top() + cell_h * cols.len() as f32;
    let every = ((60.0 / cell_w).ceil() as usize).max(1);
    for (i, win) in w.windows.iter().enumerate().step_by(every) {
        painter.text(
            egui::pos2(rect.left() + label_w + cell_w * i as f32, y + 2.0),
            egui::Align2::LEFT_TOP,
            &win.label,
            font.clone(),
            text_color,
        );
    }
    if let Some((name, i, score, learned)) = hovered {
        let win = &w.windows[i];
        response.clone().on_hover_text(format!(
            "{name}, window {} ({} rows)\nscore {}\nthreshold learned from training windows: {}\nClick to draw this window's distribution.",
            win.label,
            win.rows,
            score.map(fmt_num).unwrap_or_else(|| "not testable".into()),
            learned.map(fmt_num).unwrap_or_else(|| "-".into()),
        ));
        if response.clicked() {
            st.window = Some(i);
            cx.push(Command::SelectColumn(name));
        }
    }
}

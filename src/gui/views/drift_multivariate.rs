//! The Drift tab's multivariate part: a "Multivariate" row above the column table (the
//! reconstruction error and the domain classifier's AUC, with their verdicts) and, when it is
//! selected, its detail panel — the error per window with NannyML's band and alerts, each
//! feature's share of the error as a stacked bar per window, the domain classifier's AUC per
//! window and the features it relied on, and the most anomalous rows of a window. Computed on
//! its own job (progress, cancel) from the drift settings' `multivariate` part.

use egui::{Color32, RichText, Ui};
use egui_plot::{Bar, BarChart, HLine, Legend, Line, MarkerShape, Plot, PlotPoints, Points};

use crate::analysis::windows::WindowSpec;
use crate::engine::drift::{DriftInputs, DriftSettings};
use crate::engine::multivariate::{MultivariateOutcome, MultivariateSettings, run};
use crate::format::fmt_num;
use crate::gui::computed::{Computed, key_of};
use crate::gui::view_ctx::ViewCtx;
use crate::gui::widgets::{CURRENT_COLOR, REFERENCE_COLOR};
use crate::vocab::time::format_micros;

/// The multivariate part's state in the Drift tab.
#[derive(Default)]
pub struct MultivariateState {
    pub run: Computed<MultivariateOutcome>,
    /// The "Multivariate" row is selected: the panel replaces the column's detail.
    pub selected: bool,
    /// The window whose anomalous rows are listed (`None`: the one with the largest error).
    pub window: Option<usize>,
}

const ALERT_COLOR: Color32 = Color32::from_rgb(220, 60, 50);

/// Start (re)computing when the inputs or the multivariate settings changed.
pub fn update(st: &mut MultivariateState, settings: &DriftSettings, cx: &ViewCtx<'_>) {
    st.run.poll();
    let Some(mv) = settings.multivariate.clone() else {
        if st.run.value.is_some() || st.run.is_running() {
            st.run = Computed::default();
        }
        st.selected = false;
        return;
    };
    let (Some(reference), Some(current)) = (cx.datasets[0].clone(), cx.datasets[1].clone()) else {
        return;
    };
    let spec = settings.windows.unwrap_or(WindowSpec::Week);
    let roles = cx.roles.clone();
    let renames = cx.renames.clone();
    let key = key_of(&(
        reference.load_id,
        current.load_id,
        serde_json::to_string(&mv).unwrap_or_default(),
        serde_json::to_string(&spec).unwrap_or_default(),
        serde_json::to_string(&roles).unwrap_or_default(),
        &renames,
    ));
    st.run
        .request(key, "Computing multivariate drift", cx.waker(), move |p| {
            let inputs = DriftInputs {
                reference: &reference,
                current: &current,
                roles: &roles,
                renames: &renames,
            };
            run(&inputs, &mv, spec, p).map_err(|e| e.to_string())
        });
}

/// The settings' switch and the classifier's on/off, next to the drift settings.
pub fn settings_ui(settings: &mut DriftSettings, ui: &mut Ui) {
    let mut on = settings.multivariate.is_some();
    if ui
        .checkbox(&mut on, "Multivariate drift")
        .on_hover_text(
            "Drift in how features move together: NannyML's data reconstruction error (PCA keeping 65 % of the variance) per window, and a domain classifier",
        )
        .changed()
    {
        settings.multivariate = on.then(MultivariateSettings::default);
    }
    if let Some(m) = &mut settings.multivariate {
        ui.checkbox(&mut m.classifier, "Domain classifier").on_hover_text(
            "Logistic regression separating training rows from each window's rows (5-fold cross-validated); its ROC AUC with the Mann–Whitney p-value",
        );
    }
}

/// The "Multivariate" row above the column table.
pub fn row_ui(st: &mut MultivariateState, ui: &mut Ui) {
    let frame = egui::Frame::group(ui.style()).fill(if st.selected {
        ui.visuals().selection.bg_fill.gamma_multiply(0.5)
    } else {
        ui.visuals().faint_bg_color
    });
    let response = frame
        .show(ui, |ui| {
            ui.horizontal(|ui| {
                if ui
                    .selectable_label(st.selected, RichText::new("Multivariate").strong())
                    .on_hover_text("Show the multivariate detail below")
                    .clicked()
                {
                    st.selected = true;
                }
                st.run.status_ui(ui);
                let Some(o) = st.run.value.clone() else {
                    if st.run.is_running() {
                        ui.weak("computing…");
                    }
                    return;
                };
                if st.run.is_running() {
                    ui.multiply_opacity(0.5);
                }
                let r = &o.reconstruction;
                let alerts = r.windows.iter().filter(|w| w.alert).count();
                ui.label(format!(
                    "reconstruction error {} (band {} – {}), {alerts} of {} windows alert",
                    fmt_num(r.overall_error),
                    r.lower.map_or("—".into(), fmt_num),
                    r.upper.map_or("—".into(), fmt_num),
                    r.windows.len()
                ))
                .on_hover_text(format!(
                    "{} features, {} principal components kept; NannyML 0.13.1's DataReconstructionDriftCalculator",
                    o.features.len(),
                    r.components
                ));
                if let Some(c) = &o.domain_classifier {
                    ui.separator();
                    match c.overall.auc {
                        Some(a) => ui.label(format!(
                            "domain classifier AUC {} (p = {})",
                            fmt_num(a),
                            c.overall.p_value.map_or("—".into(), fmt_num)
                        )),
                        None => ui.weak(c.overall.error.clone().unwrap_or_default()),
                    }
                    .on_hover_text("0.5: the production rows cannot be told from the training rows");
                }
                ui.separator();
                if o.drifted() {
                    ui.label(
                        RichText::new(" DRIFT ")
                            .color(Color32::WHITE)
                            .background_color(ALERT_COLOR),
                    );
                } else {
                    ui.weak("no");
                }
            });
        })
        .response
        .interact(egui::Sense::click());
    if response.clicked() {
        st.selected = true;
    }
}

/// The detail panel of the "Multivariate" row.
pub fn panel_ui(st: &mut MultivariateState, ui: &mut Ui) {
    let Some(o) = st.run.value.clone() else {
        ui.weak("Multivariate drift is being computed…");
        return;
    };
    let r = &o.reconstruction;
    ui.horizontal(|ui| {
        ui.heading("Multivariate drift");
        if ui.small_button("Back to the column").clicked() {
            st.selected = false;
        }
    });
    ui.label(format!(
        "Reconstruction error of {} features ({} categorical, frequency-encoded) from {} principal components; the band is the training windows' mean ± 3 standard deviations.",
        o.features.len(),
        o.categorical.len(),
        r.components
    ));
    if !o.skipped.is_empty() {
        ui.weak(format!(
            "Left out: {}",
            o.skipped
                .iter()
                .map(|s| format!("{} ({})", s.column, s.reason))
                .collect::<Vec<_>>()
                .join("; ")
        ));
    }
    let width = ui.available_width();
    let half = ((width - 40.0) / 2.0).max(260.0);
    let n_ref = r.reference_windows.len();
    let labels: Vec<String> = r
        .reference_windows
        .iter()
        .chain(&r.windows)
        .map(|w| w.window.label.clone())
        .collect();
    let formatter = {
        let labels = labels.clone();
        move |mark: egui_plot::GridMark, _: &std::ops::RangeInclusive<f64>| {
            let i = mark.value.round();
            if (mark.value - i).abs() < 1e-6 && i >= 0.0 {
                labels.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        }
    };
    ui.horizontal_top(|ui| {
        ui.vertical(|ui| {
            ui.set_width(half);
            ui.strong("Reconstruction error per window").on_hover_text(
                "Mean Euclidean distance between each standardised row and its PCA reconstruction; red: outside the band",
            );
            Plot::new("mv_error")
                .height(200.0)
                .width(half)
                .legend(Legend::default().position(egui_plot::Corner::LeftTop))
                .allow_scroll(false)
                .x_axis_formatter(formatter.clone())
                .show(ui, |p| {
                    let pts = |ws: &[crate::engine::multivariate::ErrorWindow], off: usize| {
                        ws.iter()
                            .enumerate()
                            .filter(|(_, w)| w.error.is_finite())
                            .map(|(i, w)| [(i + off) as f64, w.error])
                            .collect::<Vec<_>>()
                    };
                    p.line(
                        Line::new("training", PlotPoints::from(pts(&r.reference_windows, 0)))
                            .color(REFERENCE_COLOR)
                            .width(2.0),
                    );
                    p.line(
                        Line::new("production", PlotPoints::from(pts(&r.windows, n_ref)))
                            .color(CURRENT_COLOR)
                            .width(2.0),
                    );
                    let alerts: Vec<[f64; 2]> = r
                        .windows
                        .iter()
                        .enumerate()
                        .filter(|(_, w)| w.alert && w.error.is_finite())
                        .map(|(i, w)| [(i + n_ref) as f64, w.error])
                        .collect();
                    p.points(
                        Points::new("alert", PlotPoints::from(alerts))
                            .color(ALERT_COLOR)
                            .radius(5.0)
                            .shape(MarkerShape::Circle),
                    );
                    if let Some(u) = r.upper {
                        p.hline(HLine::new("upper threshold", u).color(Color32::GRAY));
                    }
                    if let Some(l) = r.lower {
                        p.hline(HLine::new("lower threshold", l).color(Color32::GRAY));
                    }
                });
        });
        ui.vertical(|ui| {
            ui.set_width(half);
            ui.strong("Each feature's share of the error").on_hover_text(
                "Share of the window's squared reconstruction error carried by each feature: the features whose relation to the others changed",
            );
            Plot::new("mv_shares")
                .height(200.0)
                .width(half)
                .legend(Legend::default())
                .include_y(0.0)
                .include_y(1.0)
                // Room on the right for the legend, clear of the last bar.
                .include_x(labels.len() as f64 + 1.5)
                .allow_scroll(false)
                .x_axis_formatter(formatter.clone())
                .show(ui, |p| {
                    let mut charts: Vec<BarChart> = Vec::new();
                    for (j, f) in o.features.iter().enumerate() {
                        let bars: Vec<Bar> = r
                            .reference_windows
                            .iter()
                            .chain(&r.windows)
                            .enumerate()
                            .map(|(i, w)| {
                                Bar::new(i as f64, w.contributions.get(j).copied().unwrap_or(0.0))
                                    .width(0.7)
                            })
                            .collect();
                        let color = crate::gui::widgets::series_colour(j);
                        let mut chart = BarChart::new(f.as_str(), bars).color(color);
                        let below: Vec<&BarChart> = charts.iter().collect();
                        chart = chart.stack_on(&below);
                        charts.push(chart);
                    }
                    for c in charts {
                        p.bar_chart(c);
                    }
                });
        });
    });
    if let Some(c) = &o.domain_classifier {
        ui.horizontal_top(|ui| {
            ui.vertical(|ui| {
                ui.set_width(half);
                ui.strong("Domain classifier AUC per production window").on_hover_text(format!(
                    "{}-fold cross-validated ROC AUC of a logistic regression telling training rows from the window's; dashed: the threshold {}",
                    c.folds,
                    fmt_num(c.auc_threshold)
                ));
                let prod_formatter = {
                    let labels: Vec<String> = labels[n_ref..].to_vec();
                    move |mark: egui_plot::GridMark, _: &std::ops::RangeInclusive<f64>| {
                        let i = mark.value.round();
                        if (mark.value - i).abs() < 1e-6 && i >= 0.0 {
                            labels.get(i as usize).cloned().unwrap_or_default()
                        } else {
                            String::new()
                        }
                    }
                };
                Plot::new("mv_auc")
                    .height(160.0)
                    .width(half)
                    .include_y(0.4)
                    .include_y(1.0)
                    .allow_scroll(false)
                    .x_axis_formatter(prod_formatter)
                    .show(ui, |p| {
                        let pts: Vec<[f64; 2]> = c
                            .windows
                            .iter()
                            .enumerate()
                            .filter_map(|(i, w)| w.auc.map(|a| [i as f64, a]))
                            .collect();
                        p.line(Line::new("AUC", PlotPoints::from(pts)).color(CURRENT_COLOR).width(2.0));
                        let drifted: Vec<[f64; 2]> = c
                            .windows
                            .iter()
                            .enumerate()
                            .filter(|(_, w)| w.drifted)
                            .filter_map(|(i, w)| w.auc.map(|a| [i as f64, a]))
                            .collect();
                        p.points(
                            Points::new("drifted", PlotPoints::from(drifted))
                                .color(ALERT_COLOR)
                                .radius(5.0),
                        );
                        p.hline(HLine::new("chance", 0.5).color(Color32::GRAY));
                        p.hline(
                            HLine::new("threshold", c.auc_threshold)
                                .color(ALERT_COLOR)
                                .style(egui_plot::LineStyle::dashed_loose()),
                        );
                    });
                let errors: Vec<&String> =
                    c.windows.iter().filter_map(|w| w.error.as_ref()).collect();
                for e in errors.iter().take(3) {
                    ui.weak(e.as_str());
                }
            });
            ui.vertical(|ui| {
                ui.set_width(half);
                ui.strong("What the classifier relied on (all production rows)")
                    .on_hover_text("Each feature's share of the absolute coefficients of its value, square and reconstruction residual");
                let mut order: Vec<usize> = (0..o.features.len()).collect();
                let imp = &c.overall.importances;
                order.sort_by(|&a, &b| {
                    imp.get(b).unwrap_or(&0.0).total_cmp(imp.get(a).unwrap_or(&0.0))
                });
                for &j in order.iter().take(10) {
                    let v = imp.get(j).copied().unwrap_or(0.0);
                    ui.horizontal(|ui| {
                        ui.add_sized([110.0, 16.0], egui::Label::new(&o.features[j]).truncate());
                        let (rect, _) = ui.allocate_exact_size(
                            egui::vec2((half - 180.0).max(60.0) * v as f32, 12.0),
                            egui::Sense::hover(),
                        );
                        ui.painter().rect_filled(rect, 2.0, crate::gui::widgets::series_colour(j));
                        ui.label(format!("{:.1} %", v * 100.0));
                    });
                }
            });
        });
    }
    // The most anomalous rows of one window (by default the one with the largest error).
    let largest = r
        .windows
        .iter()
        .enumerate()
        .filter(|(_, w)| w.error.is_finite())
        .max_by(|a, b| a.1.error.total_cmp(&b.1.error))
        .map(|(i, _)| i);
    let Some(w_index) = st.window.filter(|w| *w < r.windows.len()).or(largest) else {
        return;
    };
    ui.separator();
    ui.horizontal(|ui| {
        ui.strong("Most anomalous rows of window");
        egui::ComboBox::from_id_salt("mv_window")
            .selected_text(&r.windows[w_index].window.label)
            .show_ui(ui, |ui| {
                for (i, w) in r.windows.iter().enumerate() {
                    if ui.selectable_label(i == w_index, &w.window.label).clicked() {
                        st.window = Some(i);
                    }
                }
            });
    });
    let w = &r.windows[w_index];
    egui::Grid::new("mv_rows").striped(true).show(ui, |ui| {
        ui.strong("Row");
        ui.strong("Id");
        ui.strong("Timestamp");
        ui.strong("Error");
        ui.end_row();
        for a in &w.anomalies {
            ui.label(a.row.to_string());
            ui.label(a.id.clone().unwrap_or_else(|| "—".into()));
            ui.label(a.timestamp.map_or("—".into(), format_micros));
            ui.label(fmt_num(a.error));
            ui.end_row();
        }
    });
}

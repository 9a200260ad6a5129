//! The Compression tab: open an ONNX model next to the data and see, on labelled rows, what each
//! compression costs in quality and gains in size and latency. A trade-off scatter with the
//! Pareto frontier and an accuracy-loss budget, the batch-size chart with a latency budget, the
//! variant table (each variant can be exported as an ONNX file) and per-layer sensitivity bars.
//! All work runs in background jobs (`Computed`); this file only draws and sends requests.

use std::path::{Path, PathBuf};

use egui::{Color32, RichText, Ui};
use egui_plot::{
    Bar, BarChart, HLine, Legend, Line, MarkerShape, Plot, PlotPoint, PlotPoints, Points, Text,
};

use crate::engine::compression::Inputs;
pub use crate::engine::compression::{BatchChart, CompressionSettings, EvalSide, model_path};
use crate::format::fmt_num;
use crate::gui::command::Command;
use crate::gui::computed::{Computed, key_of};
use crate::gui::file_dialog::DialogPurpose;
use crate::gui::tab::Tab;
use crate::gui::view_ctx::ViewCtx;
use crate::jobs::Progress;
use crate::model::compress::{CompressionReport, Metric, XAxis};
use crate::model::eval::eval_data;
use crate::model::latency::largest_within;
use crate::model::{OnnxModel, Structure, Task, VariantSpec};
use crate::vocab::Side;

/// The tab's state, held by the app.
#[derive(Default)]
pub struct CompressionState {
    pub settings: CompressionSettings,
    pub model: Computed<OnnxModel>,
    pub report: Computed<CompressionReport>,
    /// Text being edited (applied on Enter or focus loss).
    path_text: String,
    variants_text: String,
    features_text: String,
    batches_text: String,
    texts_from: Option<CompressionSettings>,
    /// The variant highlighted in the charts.
    pub selected: Option<String>,
    /// The variant the export dialog was opened for: the chosen path writes it.
    pub export_name: Option<String>,
    /// Why the last edit of a text box was not applied.
    pub message: Option<String>,
    /// Why the typed batch sizes were refused (the previous ones stay in force).
    pub batch_error: Option<String>,
    /// The Serving panel: the traffic replayed through the sweep's latency curves.
    pub serving: super::serving::ServingState,
}

impl CompressionState {
    pub fn is_busy(&self) -> bool {
        self.model.is_running() || self.report.is_running() || self.serving.is_busy()
    }

    /// Open a model file (command from the menu, a drop or the dialog).
    pub fn open_model(&mut self, path: PathBuf) {
        self.settings.model_path = Some(path);
        self.settings.features.clear();
        self.settings.variants.clear();
        self.selected = None;
    }

    /// Whether there is a variant to export.
    pub fn can_export(&self) -> bool {
        self.report.value.is_some()
    }

    /// Remember which variant the export dialog is for: the selected one (the original when
    /// none is selected) unless `name` says. File → Export model variant… and the table's
    /// buttons.
    pub fn choose_export(&mut self, name: Option<String>) {
        self.export_name = Some(
            name.or_else(|| self.selected.clone())
                .unwrap_or_else(|| "original".into()),
        );
    }

    /// The file name the export dialog proposes for the chosen variant.
    pub fn export_file_name(&self) -> Option<String> {
        let name = self.export_name.as_deref()?;
        Some(format!("{}.onnx", name.replace('%', "pct")))
    }

    /// Per-frame work (from `App::logic`): collect finished jobs, and while the tab is shown
    /// load the model and start the sweep for the current inputs. Waits while anything is
    /// being dragged, so a drag value starts one job on release.
    pub fn update(&mut self, cx: &ViewCtx<'_>, ctx: &egui::Context) {
        self.model.poll();
        if self.report.poll() {
            ctx.request_repaint();
        }
        if cx.tab == Tab::Compression {
            sync_texts(self);
            request(self, cx, ctx);
            self.serving.update(cx, ctx, self.report.value.as_ref());
        }
    }
}

/// The inputs of the evaluation for the app's current state.
fn inputs(st: &CompressionState, cx: &ViewCtx<'_>) -> Result<Inputs, String> {
    let model = st
        .model
        .value
        .clone()
        .ok_or_else(|| "No model loaded".to_string())?;
    let [r, c] = &cx.datasets;
    crate::engine::compression::inputs(
        model,
        &st.settings,
        [r.as_deref(), c.as_deref()],
        cx.roles,
        cx.renames,
    )
    .map_err(|e| e.to_string())
}

fn request(st: &mut CompressionState, cx: &ViewCtx<'_>, ctx: &egui::Context) {
    if ctx.dragged_id().is_some() {
        return;
    }
    let waker = cx.waker();
    if let Some(path) = model_path(&st.settings) {
        st.model.request(
            key_of(&path),
            "Loading the model",
            waker.clone(),
            move |_| OnnxModel::load(&path).map_err(|e| e.to_string()),
        );
    }
    let Ok(inp) = inputs(st, cx) else { return };
    let s = &st.settings;
    let Ok(params) = s.params(&inp.model, true) else {
        return;
    };
    let key = key_of(&(
        model_path(s),
        &inp.load_ids,
        inp.training
            .as_ref()
            .map(|_| cx.dataset(Side::Reference).map(|d| d.load_id)),
        &inp.target,
        &inp.features,
        format!("{:?}", params.variants),
        &params.batch_sizes,
        s.metric,
    ));
    st.report
        .request(key, "Evaluating variants", waker, move |progress| {
            crate::engine::compression::sweep(&inp, &params, progress).map_err(|e| e.to_string())
        });
}

/// The work of writing variant `name` of the current sweep to `path` (the export dialog's
/// answer), for the app's export job; `None` when there is no such variant to write. The work
/// answers the path and the size written.
pub fn export_work(
    st: &CompressionState,
    cx: &ViewCtx<'_>,
    name: &str,
    path: PathBuf,
) -> Option<impl FnOnce(&Progress) -> Result<(PathBuf, usize), String> + Send + 'static> {
    st.report.value.as_ref()?;
    let inp = inputs(st, cx).ok()?;
    let trees = matches!(inp.model.structure, Structure::Trees(_));
    let specs: Vec<VariantSpec> = if st.settings.variants.is_empty() {
        inp.model.default_variants()
    } else {
        st.settings
            .variants
            .iter()
            .filter_map(|v| VariantSpec::parse(v).ok())
            .collect()
    };
    let spec = std::iter::once(VariantSpec::Original)
        .chain(specs)
        .find(|s| s.name(trees) == name)?;
    Some(move |_: &Progress| {
        // Students learn from training's rows, as in the sweep.
        let data = match &inp.training {
            Some(f) => eval_data(f, &inp.features, &inp.target).map_err(|e| e.to_string())?,
            None => inp.data().map_err(|e| e.to_string())?,
        };
        let bytes = crate::model::compress::export_bytes(&inp.model, &data, spec)
            .map_err(|e| e.to_string())?;
        crate::data::write::write_atomically(&path, |f| {
            std::io::Write::write_all(f, &bytes).map_err(|e| e.to_string())
        })
        .map_err(|e| e.to_string())?;
        Ok((path, bytes.len()))
    })
}

/// Draw the tab.
pub fn compression_ui(st: &mut CompressionState, cx: &mut ViewCtx<'_>, ui: &mut Ui) {
    model_bar_ui(st, cx, ui);
    ui.separator();
    if let Some(e) = &st.model.error {
        ui.colored_label(ui.visuals().error_fg_color, e);
        return;
    }
    let Some(model) = st.model.value.clone() else {
        if model_path(&st.settings).is_none() {
            ui.vertical_centered(|ui| {
                ui.add_space(60.0);
                ui.heading("No model yet");
                ui.label("Open an ONNX model with File > Open model…, drop it on the window, or type its path above.");
            });
        } else {
            st.model.status_ui(ui);
        }
        return;
    };
    model_summary_ui(ui, &model);
    settings_ui(st, ui, &model);
    if let Err(e) = inputs(st, cx) {
        ui.colored_label(ui.visuals().warn_fg_color, e);
        return;
    }
    ui.horizontal(|ui| {
        // A cancelled sweep is not started again until the inputs change or the user asks.
        st.report.status_ui(ui);
        if let Some(e) = &st.report.error {
            ui.colored_label(ui.visuals().error_fg_color, e);
        }
        if let Some(m) = &st.message {
            ui.label(m);
        }
    });
    let Some(report) = st.report.value.clone() else {
        return;
    };
    let running = st.report.is_running();
    ui.scope(|ui| {
        if running {
            ui.multiply_opacity(0.45);
        }
        results_ui(st, cx, ui, &report);
    });
}

/// Refresh the edit buffers when the settings changed elsewhere (session restore, a drop).
fn sync_texts(st: &mut CompressionState) {
    let s = &mut *st;
    if s.texts_from.as_ref() == Some(&s.settings) {
        return;
    }
    s.path_text = model_path(&s.settings)
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    s.variants_text = s.settings.variants.join(", ");
    s.features_text = s.settings.features.join(", ");
    s.batches_text = s
        .settings
        .batch_list()
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    s.texts_from = Some(s.settings.clone());
}

fn split_list(text: &str) -> Vec<String> {
    text.split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

fn model_bar_ui(st: &mut CompressionState, cx: &mut ViewCtx<'_>, ui: &mut Ui) {
    ui.horizontal(|ui| {
        let label = ui.label("Model");
        let r = ui
            .add(
                egui::TextEdit::singleline(&mut st.path_text)
                    .desired_width(420.0)
                    .hint_text("path/to/model.onnx"),
            )
            .labelled_by(label.id);
        if r.lost_focus() && !st.path_text.trim().is_empty() {
            let p = PathBuf::from(st.path_text.trim());
            if Some(&p) != model_path(&st.settings).as_ref() {
                st.open_model(p);
            }
        }
        if ui.button("Open model…").clicked() {
            cx.push(Command::OpenModelDialog);
        }
    });
}

fn model_summary_ui(ui: &mut Ui, model: &OnnxModel) {
    let kind = match &model.structure {
        Structure::Trees(t) => format!("tree ensemble, {} trees", t.trees().len()),
        Structure::Layers(l) if l.is_empty() => "graph without dense layers".into(),
        Structure::Layers(l) => format!(
            "{} dense layers ({})",
            l.len(),
            l.iter()
                .map(|l| format!("{}×{}", l.rows, l.cols))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    ui.horizontal_wrapped(|ui| {
        ui.label(RichText::new(model.name()).strong());
        ui.label(format!(
            "· {} · {kind} · {} parameters · {} bytes on disk · inputs {} · outputs {}",
            match model.task {
                Task::Classification => "binary classifier",
                Task::Regression => "regressor",
            },
            model.parameters,
            model.file_bytes,
            model
                .inputs
                .iter()
                .map(crate::model::TensorInfo::describe)
                .collect::<Vec<_>>()
                .join(", "),
            model
                .outputs
                .iter()
                .map(crate::model::TensorInfo::describe)
                .collect::<Vec<_>>()
                .join(", ")
        ));
    });
}

fn settings_ui(st: &mut CompressionState, ui: &mut Ui, model: &OnnxModel) {
    let s = &mut *st;
    ui.horizontal_wrapped(|ui| {
        let label = ui.label("Columns");
        let hint = model
            .feature_names
            .as_ref()
            .map_or_else(|| "a, b, c (in the model's order)".to_string(), |f| f.join(", "));
        let r = ui
            .add(
                egui::TextEdit::singleline(&mut s.features_text)
                    .desired_width(380.0)
                    .hint_text(hint),
            )
            .labelled_by(label.id)
            .on_hover_text("The data columns fed to the model, in order. Empty: the names stored in the model.");
        if r.lost_focus() {
            s.settings.features = split_list(&s.features_text);
        }
        let label = ui.label("Evaluate on");
        egui::ComboBox::from_id_salt("compression_side")
            .selected_text(match s.settings.side {
                EvalSide::Training => "training",
                EvalSide::Production => "production",
                EvalSide::Both => "both",
            })
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut s.settings.side, EvalSide::Training, "training");
                ui.selectable_value(&mut s.settings.side, EvalSide::Production, "production");
                ui.selectable_value(&mut s.settings.side, EvalSide::Both, "both");
            })
            .response
            .labelled_by(label.id);
        let metrics: &[Metric] = match model.task {
            Task::Classification => &Metric::CLASSIFICATION,
            Task::Regression => &Metric::REGRESSION,
        };
        let shown = s.settings.metric.for_task(model.task);
        let label = ui.label("Metric");
        egui::ComboBox::from_id_salt("compression_metric")
            .selected_text(shown.label())
            .show_ui(ui, |ui| {
                for m in metrics {
                    ui.selectable_value(&mut s.settings.metric, *m, m.label());
                }
            })
            .response
            .labelled_by(label.id);
        let label = ui.label("x axis");
        egui::ComboBox::from_id_salt("compression_x")
            .selected_text(match s.settings.x_axis {
                XAxis::Size => "packed size",
                XAxis::Latency => "latency per row",
            })
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut s.settings.x_axis, XAxis::Size, "packed size");
                ui.selectable_value(&mut s.settings.x_axis, XAxis::Latency, "latency per row");
            })
            .response
            .labelled_by(label.id);
    });
    ui.horizontal_wrapped(|ui| {
        let label = ui.label("Variants");
        let r = ui
            .add(
                egui::TextEdit::singleline(&mut s.variants_text)
                    .desired_width(420.0)
                    .hint_text("default sweep; e.g. fp16, int8, int4-per-tensor, prune:0.5, neurons:0.25, trees:25, distill:logistic"),
            )
            .labelled_by(label.id);
        if r.lost_focus() {
            let list = split_list(&s.variants_text);
            match list.iter().map(|v| VariantSpec::parse(v)).collect::<Result<Vec<_>, _>>() {
                Ok(_) => {
                    s.settings.variants = list;
                    s.message = None;
                }
                Err(e) => s.message = Some(e),
            }
        }
        let label = ui.label("Batch sizes");
        let r = ui
            .add(egui::TextEdit::singleline(&mut s.batches_text).desired_width(150.0))
            .labelled_by(label.id);
        if r.lost_focus() {
            // Each size read into its range; the list as a whole too (at most 32 sizes).
            let parsed: Result<Vec<usize>, _> = split_list(&s.batches_text)
                .iter()
                .map(|b| crate::engine::ranges::BATCH_SIZE.parse_usize(b))
                .collect();
            let checked = parsed.and_then(|v| {
                crate::engine::ranges::check_batch_sizes(&v)?;
                Ok(v)
            });
            match checked {
                Ok(v) if !v.is_empty() => {
                    s.settings.batch_sizes = v;
                    s.batch_error = None;
                }
                Ok(_) => {
                    s.batch_error = Some("Batch sizes: give at least one, like 1, 32, 1024".into())
                }
                Err(e) => s.batch_error = Some(super::capitalised(&e.to_string())),
            }
        }
        super::range_error_ui(ui, s.batch_error.as_deref());
        let label = ui.label("Loss budget");
        let mut loss = s.settings.loss_budget();
        if ui
            .add(egui::DragValue::new(&mut loss).range(0.0..=1.0).speed(0.001).max_decimals(3))
            .labelled_by(label.id)
            .on_hover_text("Largest acceptable drop of the metric against the original")
            .changed()
        {
            s.settings.accuracy_loss_budget = Some(loss);
        }
        let label = ui.label("Latency budget (ms)");
        let mut budget = s.settings.latency_budget();
        if ui
            .add(egui::DragValue::new(&mut budget).range(0.001..=10_000.0).speed(0.05).max_decimals(3))
            .labelled_by(label.id)
            .changed()
        {
            s.settings.latency_budget_ms = Some(budget);
        }
    });
}

const FRONTIER: Color32 = Color32::from_rgb(230, 150, 40);

fn results_ui(
    st: &mut CompressionState,
    cx: &mut ViewCtx<'_>,
    ui: &mut Ui,
    report: &CompressionReport,
) {
    let s = &st.settings;
    let metric = s.metric.for_task(report.model.task);
    let frontier = report.frontier(metric, s.x_axis);
    ui.label(format!(
        "{} rows evaluated ({} skipped for missing values) · features {}",
        report.rows,
        report.skipped_rows,
        report.model.features.join(", ")
    ));
    if cfg!(debug_assertions) {
        ui.weak("Debug build: measured latencies are 20-30× slower than in a release build.");
    }
    let avail = ui.available_width();
    let half = ((avail - 16.0) / 2.0).max(200.0);
    ui.horizontal(|ui| {
        ui.vertical(|ui| {
            ui.set_width(half);
            tradeoff_ui(st, ui, report, metric, &frontier);
        });
        ui.vertical(|ui| {
            ui.set_width(half);
            batch_ui(st, ui, report);
        });
    });
    ui.separator();
    egui::ScrollArea::vertical()
        .id_salt("compression_results")
        .auto_shrink([false, false])
        .show(ui, |ui| {
            super::serving::serving_ui(&mut st.serving, cx, ui);
            ui.separator();
            table_ui(st, cx, ui, report, metric, &frontier);
            if !report.sensitivity.is_empty() {
                ui.separator();
                sensitivity_ui(ui, report);
            }
        });
}

fn tradeoff_ui(
    st: &mut CompressionState,
    ui: &mut Ui,
    report: &CompressionReport,
    metric: Metric,
    frontier: &[usize],
) {
    let s = &st.settings;
    let x_label = match s.x_axis {
        XAxis::Size => "packed size (bytes)",
        XAxis::Latency => "latency per row (µs, largest batch)",
    };
    ui.label(RichText::new(format!("{} against {x_label}", metric.label())).strong());
    let base = report.variants[0].metric(metric).unwrap_or(f64::NAN);
    let budget = s.loss_budget();
    let floor = if metric.higher_is_better() {
        base - budget
    } else {
        base + budget
    };
    let all: Vec<(usize, f64, f64)> = report
        .variants
        .iter()
        .enumerate()
        .filter_map(|(i, v)| Some((i, v.x(s.x_axis)?, v.metric(metric)?)))
        .filter(|(_, x, y)| x.is_finite() && y.is_finite())
        .collect();
    // On the latency axis an estimated latency is drawn with its own marker and legend entry
    // (the frontier holds measurements only).
    let is_estimate = |i: usize| {
        s.x_axis == XAxis::Latency && report.variants[i].latency.iter().any(|p| p.estimated)
    };
    let (estimates, pts): (Vec<_>, Vec<_>) =
        all.iter().copied().partition(|(i, _, _)| is_estimate(*i));
    let selected = st.selected.clone();
    // Room on the right for the labels of the largest points.
    let x_max = all.iter().map(|p| p.1).fold(0.0, f64::max);
    Plot::new("compression_tradeoff")
        .height(260.0)
        .include_x(0.0)
        .include_x(x_max * 1.15)
        .legend(Legend::default().position(egui_plot::Corner::RightBottom))
        .x_axis_label(x_label)
        .y_axis_label(metric.label())
        .show(ui, |p| {
            let within: Vec<[f64; 2]> = pts
                .iter()
                .filter(|(_, _, y)| {
                    if metric.higher_is_better() {
                        *y >= floor
                    } else {
                        *y <= floor
                    }
                })
                .map(|(_, x, y)| [*x, *y])
                .collect();
            let outside: Vec<[f64; 2]> = pts
                .iter()
                .filter(|(_, _, y)| {
                    !(if metric.higher_is_better() {
                        *y >= floor
                    } else {
                        *y <= floor
                    })
                })
                .map(|(_, x, y)| [*x, *y])
                .collect();
            p.points(
                Points::new("within the loss budget", PlotPoints::from(within))
                    .radius(5.0)
                    .shape(MarkerShape::Circle)
                    .color(Color32::from_rgb(70, 150, 220)),
            );
            p.points(
                Points::new("over the loss budget", PlotPoints::from(outside))
                    .radius(5.0)
                    .shape(MarkerShape::Cross)
                    .color(Color32::from_rgb(200, 90, 70)),
            );
            if !estimates.is_empty() {
                p.points(
                    Points::new(
                        "estimated latency (not measured)",
                        PlotPoints::from(
                            estimates
                                .iter()
                                .map(|(_, x, y)| [*x, *y])
                                .collect::<Vec<_>>(),
                        ),
                    )
                    .radius(5.0)
                    .shape(MarkerShape::Diamond)
                    .filled(false)
                    .color(Color32::GRAY),
                );
            }
            let line: Vec<[f64; 2]> = frontier
                .iter()
                .filter_map(|&i| {
                    pts.iter()
                        .find(|(j, _, _)| *j == i)
                        .map(|(_, x, y)| [*x, *y])
                })
                .collect();
            p.line(
                Line::new("Pareto frontier", PlotPoints::from(line))
                    .color(FRONTIER)
                    .width(2.0),
            );
            if floor.is_finite() {
                p.hline(
                    HLine::new(format!("loss budget ({})", fmt_num(budget)), floor)
                        .color(Color32::GRAY)
                        .style(egui_plot::LineStyle::dashed_loose()),
                );
            }
            for (i, x, y) in &all {
                let name = &report.variants[*i].name;
                let mut t = RichText::new(name).size(11.0);
                if selected.as_deref() == Some(name.as_str()) {
                    t = t.strong();
                }
                p.text(Text::new("", PlotPoint::new(*x, *y), t).anchor(egui::Align2::LEFT_BOTTOM));
            }
        });
}

fn batch_ui(st: &mut CompressionState, ui: &mut Ui, report: &CompressionReport) {
    let s = &st.settings;
    let budget = s.latency_budget();
    let chosen = st.selected.clone().unwrap_or_else(|| "original".into());
    let mode = s.batch_chart;
    ui.horizontal(|ui| {
        ui.label(
            RichText::new(match mode {
                BatchChart::Latency => "Latency per call (p95) against batch size",
                BatchChart::Throughput => "Throughput (rows/s at p50) against batch size",
            })
            .strong(),
        );
        let s = &mut st.settings;
        ui.radio_value(&mut s.batch_chart, BatchChart::Latency, "latency");
        ui.radio_value(&mut s.batch_chart, BatchChart::Throughput, "throughput");
    });
    ui.weak(format!("measured on {}", report.cpu));
    let original = &report.variants[0];
    let variant = report
        .variants
        .iter()
        .find(|v| v.name == chosen)
        .unwrap_or(original);
    if original.latency.is_empty() {
        ui.weak("Latency was not measured.");
        return;
    }
    let to_pts = |v: &crate::model::VariantReport| -> Vec<[f64; 2]> {
        v.latency
            .iter()
            .map(|p| {
                [
                    (p.batch as f64).log2(),
                    match mode {
                        BatchChart::Latency => p.p95_us / 1000.0,
                        BatchChart::Throughput => p.rows_per_s,
                    },
                ]
            })
            .collect()
    };
    Plot::new("compression_batches")
        .height(260.0)
        .legend(Legend::default().position(egui_plot::Corner::LeftTop))
        .x_axis_label("batch size (log2)")
        .y_axis_label(match mode {
            BatchChart::Latency => "ms per call",
            BatchChart::Throughput => "rows per second",
        })
        .x_axis_formatter(|mark, _| format!("{}", 2f64.powf(mark.value).round()))
        .show(ui, |p| {
            p.line(
                Line::new("original (measured)", PlotPoints::from(to_pts(original)))
                    .width(2.0)
                    .color(Color32::from_rgb(70, 150, 220)),
            );
            if variant.name != original.name {
                let label = if variant.latency.iter().any(|l| l.estimated) {
                    format!("{} (estimated)", variant.name)
                } else {
                    format!("{} (measured)", variant.name)
                };
                p.line(
                    Line::new(label, PlotPoints::from(to_pts(variant)))
                        .width(2.0)
                        .color(FRONTIER),
                );
            }
            if mode == BatchChart::Latency {
                p.hline(
                    HLine::new(format!("budget {} ms", fmt_num(budget)), budget)
                        .color(Color32::from_rgb(200, 90, 70))
                        .style(egui_plot::LineStyle::dashed_loose()),
                );
            }
        });
    let best = largest_within(&variant.latency, budget);
    let rate = variant
        .latency
        .iter()
        .find(|p| Some(p.batch) == best)
        .map(|p| p.rows_per_s);
    ui.label(match (best, rate) {
        (Some(b), Some(r)) => format!(
            "{}: the largest batch within {} ms (p95) is {b}, at {} rows/s.",
            variant.name,
            fmt_num(budget),
            fmt_num(r.round())
        ),
        _ => format!(
            "{}: no batch size meets {} ms.",
            variant.name,
            fmt_num(budget)
        ),
    });
    ui.weak(format!(
        "How {} is timed: {}.",
        variant.name, variant.latency_rule
    ));
    if let Some(c) = &variant.integer_check {
        ui.weak(format!(
            "Its integer graph against the simulated quantization: largest difference {} ({} the tolerance {}), agreement {:.2}%.",
            fmt_num(c.max_abs_diff),
            if c.within { "within" } else { "outside" },
            fmt_num(c.tolerance),
            c.agreement * 100.0
        ));
    }
}

fn table_ui(
    st: &mut CompressionState,
    cx: &mut ViewCtx<'_>,
    ui: &mut Ui,
    report: &CompressionReport,
    metric: Metric,
    frontier: &[usize],
) {
    let classification = report.model.task == Task::Classification;
    let cols = if classification { 12 } else { 10 };
    egui::Grid::new("compression_variants")
        .striped(true)
        .num_columns(cols)
        .show(ui, |ui| {
            let mut heads = vec!["Variant", "Kind"];
            if classification {
                heads.extend(["Accuracy", "ROC AUC", "Log loss", "F1"]);
            } else {
                heads.extend(["MAE", "RMSE"]);
            }
            heads.extend(["Agreement", "Packed", "Dense", "File", "Latency b=1", ""]);
            for h in heads {
                ui.label(RichText::new(h).strong());
            }
            ui.end_row();
            let base = report.variants[0].metric(metric);
            for (i, v) in report.variants.iter().enumerate() {
                let on_frontier = frontier.contains(&i);
                let name = if on_frontier {
                    RichText::new(format!("{} *", v.name)).color(FRONTIER)
                } else {
                    RichText::new(&v.name)
                };
                let selected = st.selected.as_deref() == Some(v.name.as_str());
                if ui.selectable_label(selected, name).clicked() {
                    st.selected = Some(v.name.clone());
                }
                ui.label(
                    serde_json::to_value(v.kind)
                        .ok()
                        .and_then(|k| k.as_str().map(|k| k.replace('_', " ")))
                        .unwrap_or_default(),
                );
                let cell = |ui: &mut Ui, m: Metric, val: Option<f64>| {
                    let text = val.map_or_else(|| "-".into(), |x| format!("{x:.4}"));
                    if m == metric
                        && let (Some(b), Some(x)) = (base, val)
                        && (if m.higher_is_better() { b - x } else { x - b }) > st.settings.loss_budget()
                    {
                        ui.colored_label(ui.visuals().warn_fg_color, text);
                        return;
                    }
                    ui.label(text);
                };
                if classification {
                    cell(ui, Metric::Accuracy, v.accuracy);
                    cell(ui, Metric::RocAuc, v.roc_auc);
                    cell(ui, Metric::LogLoss, v.log_loss);
                    cell(ui, Metric::F1, v.f1);
                } else {
                    cell(ui, Metric::Mae, v.mae);
                    cell(ui, Metric::Rmse, v.rmse);
                }
                ui.label(format!("{:.2}%", v.agreement * 100.0));
                ui.label(format!("{} B", v.packed_bytes));
                ui.label(format!("{} B", v.dense_bytes));
                ui.label(format!("{} B", v.file_bytes));
                ui.label(v.latency.first().map_or_else(
                    || "-".into(),
                    |p| format!("{} µs{}", fmt_num((p.p50_us * 10.0).round() / 10.0), if p.estimated { " (est.)" } else { "" }),
                ));
                if ui
                    .button(format!("Export {}…", v.name))
                    .on_hover_text("Write this variant as an ONNX file (int8 + DequantizeLinear, fp16 + Cast; pruned weights stay dense)")
                    .clicked()
                {
                    st.choose_export(Some(v.name.clone()));
                    cx.push(Command::Export(DialogPurpose::ExportModel));
                }
                ui.end_row();
            }
        });
    ui.weak("* on the Pareto frontier. Packed: the documented formula (bits per weight + scales + the smaller of dense, bitmap or CSR storage). Dense: the same without sparse storage. File: the variant as Sextant writes it to ONNX (re-encoded, so the sizes compare with each other); a pruned model saved dense does not shrink.");
}

fn sensitivity_ui(ui: &mut Ui, report: &CompressionReport) {
    ui.label(
        RichText::new(format!(
            "Per-layer sensitivity: {} change with one layer compressed, worst first",
            report.metric.label()
        ))
        .strong(),
    );
    let n = report.sensitivity.len();
    let names: Vec<String> = report.sensitivity.iter().map(|r| r.layer.clone()).collect();
    let int4: Vec<Bar> = report
        .sensitivity
        .iter()
        .enumerate()
        .map(|(i, r)| Bar::new(i as f64 - 0.18, r.int4_delta).width(0.35))
        .collect();
    let prune: Vec<Bar> = report
        .sensitivity
        .iter()
        .enumerate()
        .map(|(i, r)| Bar::new(i as f64 + 0.18, r.prune50_delta).width(0.35))
        .collect();
    Plot::new("compression_sensitivity")
        .height(180.0)
        .legend(Legend::default())
        .x_axis_formatter(move |mark, _| {
            let i = mark.value.round();
            if (mark.value - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < n {
                names[i as usize].clone()
            } else {
                String::new()
            }
        })
        .show(ui, |p| {
            p.bar_chart(
                BarChart::new("int4 per channel", int4).color(Color32::from_rgb(70, 150, 220)),
            );
            p.bar_chart(BarChart::new("prune 50%", prune).color(Color32::from_rgb(200, 90, 70)));
        });
}

/// Whether a dropped file is a model.
pub fn is_model_file(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("onnx"))
}

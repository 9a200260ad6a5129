//! The Serving panel of the Compression tab: replay the production traffic (its timestamps,
//! optionally rescaled to a peak rate, or a Poisson rate) through each variant's measured
//! latency per batch size under realtime, micro-batching and offline policies. It draws p95
//! latency against compute cost for every configuration with the SLA line, the cheapest
//! configuration meeting the SLA, the latency distribution of a chosen configuration and the
//! traffic that drove it. The simulation runs in a background job (`Computed`); this file only
//! draws and sends requests.

use std::sync::Arc;

use egui::{Color32, RichText, Ui};
use egui_plot::{Bar, BarChart, HLine, Line, MarkerShape, Plot, PlotPoints, Points};

use crate::analysis::serving::Policy;
use crate::engine::serving::{
    self, ArrivalSource, ServingOutcome, ServingSettings, parse_duration_s, parse_policy,
    parse_rate_per_s,
};
use crate::format::fmt_num;
use crate::gui::computed::{Computed, key_of};
use crate::gui::view_ctx::ViewCtx;
use crate::model::compress::CompressionReport;
use crate::vocab::{Role, Side};

/// The panel's state, held by the Compression tab.
#[derive(Default)]
pub struct ServingState {
    /// `None` until the panel is first opened; then stored in the session.
    pub settings: Option<ServingSettings>,
    pub outcome: Computed<ServingOutcome>,
    /// Text being edited (applied on Enter or focus loss).
    policies_text: String,
    workers_text: String,
    sla_text: String,
    rate_text: String,
    duration_text: String,
    peak_text: String,
    texts_from: Option<ServingSettings>,
    /// Why the last edit was refused (the previous setting stays in force).
    pub message: Option<String>,
    /// The run whose latency distribution is drawn; `None`: the cheapest meeting the SLA.
    pub chosen: Option<usize>,
}

impl ServingState {
    pub fn is_busy(&self) -> bool {
        self.outcome.is_running()
    }

    /// Per-frame work: collect a finished simulation and start one for the current inputs.
    pub fn update(
        &mut self,
        cx: &ViewCtx<'_>,
        ctx: &egui::Context,
        report: Option<&Arc<CompressionReport>>,
    ) {
        if self.outcome.poll() {
            ctx.request_repaint();
        }
        sync_texts(self);
        let (Some(settings), Some(report)) = (self.settings.clone(), report) else {
            return;
        };
        if ctx.dragged_id().is_some() {
            return;
        }
        let current = cx.datasets[Side::Current.index()].clone();
        let timestamp = cx.roles.column_with(Role::Timestamp).map(str::to_string);
        // Settings hold floats: their RON text is their identity.
        let key = key_of(&(
            ron::to_string(&settings).unwrap_or_default(),
            Arc::as_ptr(report) as usize,
            current.as_ref().map(|d| d.load_id),
            &timestamp,
        ));
        let report = report.clone();
        self.outcome
            .request(key, "Simulating serving", cx.waker(), move |progress| {
                let curves = serving::curves_from_compression(&report, &settings.variants)
                    .map_err(|e| e.to_string())?;
                let name = current.as_ref().map(|d| d.name()).unwrap_or_default();
                progress.set(None, "Reading the arrivals");
                let arrivals = serving::arrivals(
                    &settings,
                    current.as_deref().map(|d| (&d.frame, name.as_str())),
                    timestamp.as_deref(),
                )
                .map_err(|e| e.to_string())?;
                serving::run(&arrivals, &curves, &settings, progress).map_err(|e| e.to_string())
            });
    }
}

fn policies_text(list: &[Policy]) -> String {
    list.iter().map(Policy::key).collect::<Vec<_>>().join(", ")
}

/// Refresh the edit buffers when the settings changed elsewhere (session restore).
fn sync_texts(st: &mut ServingState) {
    let Some(s) = st.settings.clone() else {
        return;
    };
    if st.texts_from.as_ref() == Some(&s) {
        return;
    }
    st.policies_text = policies_text(&s.policy_list());
    st.workers_text = s
        .worker_list()
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    st.sla_text = format!("{}ms", fmt_num(s.sla_ms));
    match &s.arrivals {
        ArrivalSource::Poisson {
            rate_per_s,
            duration_s,
            ..
        } => {
            st.rate_text = format!("{}/s", fmt_num(*rate_per_s));
            st.duration_text = format!("{}s", fmt_num(*duration_s));
        }
        ArrivalSource::Column {
            peak_rate_per_s, ..
        } => {
            st.peak_text = peak_rate_per_s
                .map(|r| format!("{}/s", fmt_num(r)))
                .unwrap_or_default();
        }
    }
    st.texts_from = Some(s);
}

/// Draw the panel (inside the Compression tab, below its charts).
pub fn serving_ui(st: &mut ServingState, cx: &ViewCtx<'_>, ui: &mut Ui) {
    let header = egui::CollapsingHeader::new(
        RichText::new("Serving simulator: replay the production traffic").strong(),
    )
    .id_salt("serving_panel")
    .default_open(st.settings.is_some());
    header.show(ui, |ui| {
        if st.settings.is_none() {
            // Opening the panel is asking for a simulation; from now on the session stores it.
            st.settings = Some(ServingSettings::default());
            sync_texts(st);
        }
        settings_ui(st, cx, ui);
        ui.horizontal(|ui| {
            st.outcome.status_ui(ui);
            if let Some(m) = &st.message {
                ui.colored_label(ui.visuals().error_fg_color, m);
            }
        });
        let Some(outcome) = st.outcome.value.clone() else {
            return;
        };
        ui.scope(|ui| {
            if st.outcome.is_running() {
                ui.multiply_opacity(0.45);
            }
            results_ui(st, ui, &outcome);
        });
    });
}

fn settings_ui(st: &mut ServingState, cx: &ViewCtx<'_>, ui: &mut Ui) {
    let Some(mut s) = st.settings.clone() else {
        return;
    };
    let columns: Vec<String> = cx
        .dataset(Side::Current)
        .map(|d| d.columns.iter().map(|c| c.name.clone()).collect())
        .unwrap_or_default();
    let mut message = None;
    ui.horizontal_wrapped(|ui| {
        let label = ui.label("Arrivals");
        let poisson = matches!(s.arrivals, ArrivalSource::Poisson { .. });
        egui::ComboBox::from_id_salt("serving_source")
            .selected_text(if poisson {
                "Poisson rate"
            } else {
                "production timestamps"
            })
            .show_ui(ui, |ui| {
                if ui
                    .selectable_label(!poisson, "production timestamps")
                    .clicked()
                    && poisson
                {
                    s.arrivals = ArrivalSource::default();
                }
                if ui.selectable_label(poisson, "Poisson rate").clicked() && !poisson {
                    s.arrivals = ArrivalSource::Poisson {
                        rate_per_s: 200.0,
                        duration_s: 3600.0,
                        seed: 1,
                    };
                }
            })
            .response
            .labelled_by(label.id);
        match &mut s.arrivals {
            ArrivalSource::Column {
                column,
                peak_rate_per_s,
            } => {
                let label = ui.label("Time column");
                egui::ComboBox::from_id_salt("serving_column")
                    .selected_text(column.clone().unwrap_or_else(|| "the timestamp role".into()))
                    .show_ui(ui, |ui| {
                        ui.selectable_value(column, None, "the timestamp role");
                        for c in &columns {
                            ui.selectable_value(column, Some(c.clone()), c);
                        }
                    })
                    .response
                    .labelled_by(label.id);
                let label = ui.label("Peak rate");
                let r = ui
                    .add(
                        egui::TextEdit::singleline(&mut st.peak_text)
                            .desired_width(80.0)
                            .hint_text("as recorded"),
                    )
                    .labelled_by(label.id)
                    .on_hover_text(
                        "Rescale the arrival times so that their peak (the busiest of 288 equal bins of the span) is this \
                         rate (e.g. 500/s); empty: the times as recorded",
                    );
                if r.lost_focus() {
                    let t = st.peak_text.trim();
                    if t.is_empty() {
                        *peak_rate_per_s = None;
                    } else {
                        match parse_rate_per_s(t).and_then(|r| {
                            crate::engine::ranges::SERVE_RATE
                                .check(r)
                                .map_err(|e| e.to_string())
                        }) {
                            Ok(r) => *peak_rate_per_s = Some(r),
                            Err(e) => message = Some(format!("Peak rate: {e}")),
                        }
                    }
                }
            }
            ArrivalSource::Poisson {
                rate_per_s,
                duration_s,
                ..
            } => {
                let label = ui.label("Rate");
                let r = ui
                    .add(egui::TextEdit::singleline(&mut st.rate_text).desired_width(80.0))
                    .labelled_by(label.id);
                if r.lost_focus() {
                    match parse_rate_per_s(&st.rate_text).and_then(|r| {
                        crate::engine::ranges::SERVE_RATE
                            .check(r)
                            .map_err(|e| e.to_string())
                    }) {
                        Ok(r) => *rate_per_s = r,
                        Err(e) => message = Some(format!("Rate: {e}")),
                    }
                }
                let label = ui.label("Duration");
                let r = ui
                    .add(egui::TextEdit::singleline(&mut st.duration_text).desired_width(80.0))
                    .labelled_by(label.id);
                if r.lost_focus() {
                    match parse_duration_s(&st.duration_text).and_then(|d| {
                        crate::engine::ranges::SERVE_DURATION_S
                            .check(d)
                            .map_err(|e| e.to_string())
                    }) {
                        Ok(d) => *duration_s = d,
                        Err(e) => message = Some(format!("Duration: {e}")),
                    }
                }
            }
        }
    });
    ui.horizontal_wrapped(|ui| {
        let label = ui.label("Policies");
        let r = ui
            .add(egui::TextEdit::singleline(&mut st.policies_text).desired_width(260.0))
            .labelled_by(label.id)
            .on_hover_text(
                "realtime; batch:B:T (up to B requests or at most T of waiting, e.g. \
                 batch:32:5ms); offline:H (everything every H, e.g. offline:1h)",
            );
        if r.lost_focus() {
            match split(&st.policies_text)
                .iter()
                .map(|p| parse_policy(p))
                .collect::<Result<Vec<_>, _>>()
            {
                Ok(v) if !v.is_empty() => s.policies = v,
                Ok(_) => message = Some("Policies: give at least one, like realtime".into()),
                Err(e) => message = Some(format!("Policies: {e}")),
            }
        }
        let label = ui.label("Workers");
        let r = ui
            .add(egui::TextEdit::singleline(&mut st.workers_text).desired_width(80.0))
            .labelled_by(label.id);
        if r.lost_focus() {
            match split(&st.workers_text)
                .iter()
                .map(|w| crate::engine::ranges::SERVE_WORKERS.parse_usize(w))
                .collect::<Result<Vec<_>, _>>()
            {
                Ok(v) if !v.is_empty() => s.workers = v,
                Ok(_) => message = Some("Workers: give at least one count, like 1, 2, 4".into()),
                Err(e) => message = Some(super::capitalised(&e.to_string())),
            }
        }
        let label = ui.label("SLA");
        let r = ui
            .add(egui::TextEdit::singleline(&mut st.sla_text).desired_width(70.0))
            .labelled_by(label.id)
            .on_hover_text("A configuration meets the SLA when its p95 latency is within it");
        if r.lost_focus() {
            match parse_duration_s(&st.sla_text).and_then(|d| {
                crate::engine::ranges::SERVE_SLA_MS
                    .check(d * 1000.0)
                    .map_err(|e| e.to_string())
            }) {
                Ok(ms) => s.sla_ms = ms,
                Err(e) => message = Some(format!("SLA: {e}")),
            }
        }
    });
    if message.is_some() {
        st.message = message;
    } else if st.settings.as_ref() != Some(&s) {
        st.message = None;
    }
    if st.settings.as_ref() != Some(&s) {
        st.chosen = None;
        st.settings = Some(s);
    }
}

fn split(text: &str) -> Vec<String> {
    text.split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

fn shape(policy: &str) -> MarkerShape {
    if policy == "realtime" {
        MarkerShape::Circle
    } else if policy.starts_with("batch") {
        MarkerShape::Square
    } else {
        MarkerShape::Diamond
    }
}

fn results_ui(st: &mut ServingState, ui: &mut Ui, o: &ServingOutcome) {
    let a = &o.arrivals;
    ui.label(crate::present::serving::arrivals_line(a));
    match o.cheapest() {
        Some(r) => {
            ui.label(
                RichText::new(format!("Cheapest meeting the SLA: {}", r.sentence()))
                    .strong()
                    .color(Color32::from_rgb(90, 180, 110)),
            );
        }
        None => {
            ui.colored_label(
                ui.visuals().warn_fg_color,
                format!(
                    "No measured configuration meets the SLA of {} ms (p95).",
                    fmt_num(o.sla_ms)
                ),
            );
        }
    }
    let unmeasured: Vec<&str> = o
        .variants
        .iter()
        .filter(|v| !v.measured)
        .map(|v| v.name.as_str())
        .collect();
    if !unmeasured.is_empty() {
        ui.weak(format!(
            "Estimated latency, drawn hollow and never the cheapest: {}",
            unmeasured.join(", ")
        ));
    }
    if cfg!(debug_assertions) {
        ui.weak(
            "Debug build: the latency curves were measured 20-30× slower than a release build.",
        );
    }
    let chosen = st
        .chosen
        .filter(|&i| i < o.runs.len())
        .or(o.cheapest_meeting_sla)
        .unwrap_or(0);
    ui.horizontal(|ui| {
        let label = ui.label("Configuration");
        egui::ComboBox::from_id_salt("serving_chosen")
            .width(360.0)
            .selected_text(run_name(o, chosen))
            .show_ui(ui, |ui| {
                for i in 0..o.runs.len() {
                    if ui
                        .selectable_label(i == chosen, run_name(o, i))
                        .clicked()
                    {
                        st.chosen = Some(i);
                    }
                }
            })
            .response
            .labelled_by(label.id);
        if let Some(r) = o.runs.get(chosen) {
            ui.label(format!(
                "mean {} ms (wait {}) · p50 {} · p99 {} ms · {}/s · utilisation {:.1}% · late {:.2}%",
                fmt_num(r.mean_ms),
                fmt_num(r.mean_wait_ms),
                fmt_num(r.p50_ms),
                fmt_num(r.p99_ms),
                fmt_num(r.throughput_per_s),
                r.utilisation * 100.0,
                r.late_share * 100.0
            ));
        }
    });
    let avail = ui.available_width();
    let third = ((avail - 24.0) / 3.0).max(220.0);
    ui.horizontal(|ui| {
        ui.vertical(|ui| {
            ui.set_width(third);
            scatter_ui(ui, o, chosen);
        });
        ui.vertical(|ui| {
            ui.set_width(third);
            distribution_ui(ui, o, chosen);
        });
        ui.vertical(|ui| {
            ui.set_width(third);
            traffic_ui(ui, o);
        });
    });
}

fn run_name(o: &ServingOutcome, i: usize) -> String {
    o.runs.get(i).map_or_else(String::new, |r| {
        format!(
            "{}, {}, {} worker{}",
            r.variant,
            r.policy_label,
            r.workers,
            if r.workers == 1 { "" } else { "s" }
        )
    })
}

/// p95 against busy core-seconds per million, both on log10 axes (offline latencies are hours,
/// realtime ones milliseconds).
fn scatter_ui(ui: &mut Ui, o: &ServingOutcome, chosen: usize) {
    ui.label(RichText::new("p95 latency against compute cost").strong());
    let log = |v: f64| v.max(1e-9).log10();
    // No legend inside the plot (it would cover the points): the key is written below it.
    Plot::new("serving_scatter")
        .height(240.0)
        .x_axis_label("core-seconds per million (log)")
        .y_axis_label("p95 ms (log)")
        .x_axis_formatter(|m, _| fmt_num(10f64.powf(m.value)))
        .y_axis_formatter(|m, _| fmt_num(10f64.powf(m.value)))
        .show(ui, |p| {
            for (vi, v) in o.variants.iter().enumerate() {
                for policy in ["realtime", "batch", "offline"] {
                    let pts: Vec<[f64; 2]> = o
                        .runs
                        .iter()
                        .filter(|r| r.variant == v.name && r.policy.starts_with(policy))
                        .map(|r| [log(r.core_seconds_per_million), log(r.p95_ms)])
                        .collect();
                    if pts.is_empty() {
                        continue;
                    }
                    let name = if v.measured {
                        v.name.clone()
                    } else {
                        format!("{} (estimated)", v.name)
                    };
                    p.points(
                        Points::new(name, PlotPoints::from(pts))
                            .radius(4.5)
                            .shape(shape(policy))
                            .filled(v.measured)
                            .color(crate::gui::widgets::series_colour(vi)),
                    );
                }
            }
            p.hline(
                HLine::new(format!("SLA {} ms", fmt_num(o.sla_ms)), log(o.sla_ms))
                    .color(Color32::from_rgb(200, 90, 70))
                    .style(egui_plot::LineStyle::dashed_loose()),
            );
            if let Some(r) = o.runs.get(chosen) {
                p.points(
                    Points::new(
                        "chosen",
                        PlotPoints::from(vec![[log(r.core_seconds_per_million), log(r.p95_ms)]]),
                    )
                    .radius(9.0)
                    .filled(false)
                    .shape(MarkerShape::Circle)
                    .color(Color32::from_rgb(90, 180, 110)),
                );
            }
        });
    ui.horizontal_wrapped(|ui| {
        for (vi, v) in o.variants.iter().enumerate() {
            let name = if v.measured {
                v.name.clone()
            } else {
                format!("{} (estimated)", v.name)
            };
            ui.colored_label(crate::gui::widgets::series_colour(vi), name);
        }
    });
    ui.weak("Circles: realtime · squares: micro-batch · diamonds: offline · hollow: estimated latency · ring: the chosen configuration · dashed: the SLA");
}

fn distribution_ui(ui: &mut Ui, o: &ServingOutcome, chosen: usize) {
    ui.label(RichText::new("Latency distribution of the chosen configuration").strong());
    let Some(r) = o.runs.get(chosen) else {
        return;
    };
    let bars: Vec<Bar> = r
        .distribution
        .iter()
        .filter(|b| b.lo_ms > 0.0 && b.hi_ms > b.lo_ms)
        .map(|b| {
            let (lo, hi) = (b.lo_ms.log10(), b.hi_ms.log10());
            Bar::new((lo + hi) / 2.0, b.count as f64).width(hi - lo)
        })
        .collect();
    Plot::new("serving_distribution")
        .height(240.0)
        .x_axis_label("latency ms (log)")
        .y_axis_label("requests")
        .x_axis_formatter(|m, _| fmt_num(10f64.powf(m.value)))
        .show(ui, |p| {
            p.bar_chart(
                BarChart::new("requests", bars).color(crate::gui::widgets::series_colour(0)),
            );
            p.vline(
                egui_plot::VLine::new(
                    format!("p95 {} ms", fmt_num(r.p95_ms)),
                    r.p95_ms.max(1e-9).log10(),
                )
                .color(Color32::from_rgb(230, 150, 40)),
            );
            // The SLA only when it is near the latencies, so that it does not squeeze them.
            let (lo, hi) = r
                .distribution
                .first()
                .zip(r.distribution.last())
                .map_or((0.0, 0.0), |(a, b)| (a.lo_ms, b.hi_ms));
            if o.sla_ms <= hi * 10.0 && o.sla_ms >= lo / 10.0 {
                p.vline(
                    egui_plot::VLine::new(
                        format!("SLA {} ms", fmt_num(o.sla_ms)),
                        o.sla_ms.log10(),
                    )
                    .color(Color32::from_rgb(200, 90, 70))
                    .style(egui_plot::LineStyle::dashed_loose()),
                );
            }
        });
}

fn traffic_ui(ui: &mut Ui, o: &ServingOutcome) {
    ui.label(RichText::new("The traffic that drove it").strong());
    let t = &o.traffic;
    let pts: Vec<[f64; 2]> = t
        .counts
        .iter()
        .enumerate()
        .map(|(i, &c)| [i as f64 * t.bin_s / 3600.0, c as f64 / t.bin_s.max(1e-9)])
        .collect();
    Plot::new("serving_traffic")
        .height(240.0)
        .x_axis_label("hours from the first arrival")
        .y_axis_label("requests per second")
        .show(ui, |p| {
            p.line(
                Line::new("arrivals", PlotPoints::from(pts))
                    .color(crate::gui::widgets::series_colour(0))
                    .width(1.5),
            );
        });
}

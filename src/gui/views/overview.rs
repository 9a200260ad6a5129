//! The Overview tab: dataset facts, a sortable column table, and the selected column's two
//! distributions side by side.

use egui::{RichText, Ui};
use egui_extras::{Column, TableBuilder};
use egui_plot::{Bar, BarChart, Legend, Plot};

use crate::data::{ColumnSummary, Dataset};
use crate::format::fmt_bytes;
use crate::format::fmt_num;
use crate::gui::command::Command;
use crate::gui::view_ctx::ViewCtx;
use crate::gui::widgets::{side_color, sparkline, swatch};
use crate::vocab::time::format_micros;
use crate::vocab::{ColumnKind, Role, Side};

/// Keys the column table sorts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    /// File order.
    #[default]
    Position,
    Name,
    Kind,
    Role,
    Nulls,
    Unique,
}

/// Per-view state that is not part of the analysis.
#[derive(Debug, Clone)]
pub struct OverviewState {
    pub sort: SortKey,
    pub ascending: bool,
    /// Whose numbers the table shows.
    pub side: Side,
}

impl Default for OverviewState {
    fn default() -> Self {
        Self {
            sort: SortKey::Position,
            ascending: true,
            side: Side::Reference,
        }
    }
}

pub fn overview_ui(st: &mut OverviewState, cx: &mut ViewCtx<'_>, ui: &mut Ui) {
    if cx.datasets.iter().all(Option::is_none) {
        ui.vertical_centered(|ui| {
            ui.add_space(80.0);
            ui.heading("No data yet");
            ui.label("Open training and production files with File > Open…, or drop them on this window.");
        });
        return;
    }
    ui.columns(2, |cols| {
        for (ui, side) in cols.iter_mut().zip(Side::BOTH) {
            dataset_facts(cx, ui, side);
        }
    });
    ui.add_space(4.0);
    ui.horizontal(|ui| {
        ui.label("Numbers of:");
        for side in Side::BOTH {
            let enabled = cx.dataset(side).is_some();
            let selected = shown_side(st, cx) == side;
            if ui
                .add_enabled(enabled, egui::Button::selectable(selected, side.short()))
                .clicked()
            {
                st.side = side;
            }
        }
    });
    let table_height = (ui.available_height() * 0.5).max(160.0);
    column_table(st, cx, ui, table_height);
    ui.separator();
    egui::ScrollArea::vertical()
        .id_salt("column_detail")
        .auto_shrink([false, false])
        .show(ui, |ui| column_detail(cx, ui));
}

fn dataset_facts(cx: &ViewCtx<'_>, ui: &mut Ui, side: Side) {
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.set_width(ui.available_width());
        ui.horizontal(|ui| {
            swatch(ui, side_color(side));
            ui.strong(side.label());
        });
        let Some(ds) = cx.dataset(side) else {
            ui.weak("Not loaded");
            return;
        };
        egui::Grid::new(("facts", side.index()))
            .num_columns(2)
            .show(ui, |ui| {
                ui.weak("File");
                ui.label(ds.name())
                    .on_hover_text(ds.path.display().to_string());
                ui.end_row();
                // A folder or glob: how many files, and what their footers said before any
                // value was read.
                if let Some(parts) = &ds.parts {
                    ui.weak("Files");
                    let rows = parts
                        .metadata
                        .footer_rows
                        .map(|r| format!(" · {r} rows by the footers"))
                        .unwrap_or_default();
                    ui.label(format!(
                        "{} {} files{rows}",
                        parts.metadata.files, ds.format
                    ))
                    .on_hover_text(parts.notes.join("\n"));
                    ui.end_row();
                }
                ui.weak("Rows × columns");
                ui.label(format!("{} × {}", ds.rows(), ds.columns.len()));
                ui.end_row();
                ui.weak("Size");
                ui.label(format!(
                    "{} {} on disk · {} in memory",
                    fmt_bytes(ds.file_bytes),
                    ds.format,
                    fmt_bytes(ds.memory_bytes() as u64)
                ));
                ui.end_row();
                if let Some(ts) = cx.roles.column_with(Role::Timestamp)
                    && let Some((from, to)) = ds.time_range(ts)
                {
                    ui.weak("Time range");
                    ui.label(format!("{} to {}", format_micros(from), format_micros(to)))
                        .on_hover_text(format!("from the timestamp column \"{ts}\""));
                    ui.end_row();
                }
            });
    });
}

/// The side whose numbers the table shows: the chosen one, or the other when it is not loaded.
fn shown_side(st: &OverviewState, cx: &ViewCtx<'_>) -> Side {
    let chosen = st.side;
    if cx.dataset(chosen).is_some() {
        chosen
    } else {
        Side::BOTH
            .into_iter()
            .find(|s| cx.dataset(*s).is_some())
            .unwrap_or(chosen)
    }
}

/// Rows of the table: column names with their position in the chosen dataset.
fn sorted_rows(st: &OverviewState, cx: &ViewCtx<'_>) -> Vec<String> {
    let ds = cx.dataset(shown_side(st, cx));
    let summary = |name: &str| ds.and_then(|d| d.column(name));
    let mut names = cx.all_columns();
    let OverviewState {
        sort, ascending, ..
    } = *st;
    match sort {
        SortKey::Position => {}
        SortKey::Name => names.sort_by_key(|n| n.to_lowercase()),
        SortKey::Kind => names.sort_by_key(|n| summary(n).map(|c| c.kind.name())),
        SortKey::Role => names.sort_by_key(|n| cx.roles.get(n).name()),
        SortKey::Nulls => names.sort_by_key(|n| summary(n).map(|c| c.nulls)),
        SortKey::Unique => names.sort_by_key(|n| summary(n).map(|c| c.unique)),
    }
    if !ascending {
        names.reverse();
    }
    names
}

fn column_table(st: &mut OverviewState, cx: &mut ViewCtx<'_>, ui: &mut Ui, height: f32) {
    let rows = sorted_rows(st, cx);
    let side = shown_side(st, cx);
    let color = side_color(side);
    let ds = cx.datasets[side.index()].clone();
    let mut clicked_header = None;
    let header = |ui: &mut Ui, text: &str, key: SortKey, state: &OverviewState| {
        let arrow = match (state.sort == key, state.ascending) {
            (true, true) => " ^",
            (true, false) => " v",
            _ => "",
        };
        ui.add(egui::Button::new(RichText::new(format!("{text}{arrow}")).strong()).frame(false))
            .clicked()
    };
    // Clicks on a cell's text must select the row, not start a text selection.
    ui.style_mut().interaction.selectable_labels = false;
    TableBuilder::new(ui)
        .id_salt("overview_columns")
        .striped(true)
        .sense(egui::Sense::click())
        .max_scroll_height(height)
        .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
        .column(Column::initial(150.0).at_least(90.0).clip(true))
        .column(Column::exact(96.0))
        .column(Column::initial(76.0).clip(true))
        .columns(Column::initial(52.0).clip(true), 3)
        .columns(Column::initial(72.0).clip(true), 2)
        .column(Column::initial(130.0).clip(true))
        .column(Column::remainder().at_least(60.0).clip(true))
        .header(22.0, |mut h| {
            let state = st.clone();
            for (text, key) in [
                ("Column", SortKey::Name),
                ("Role", SortKey::Role),
                ("Kind", SortKey::Kind),
                ("Nulls", SortKey::Nulls),
                ("Null %", SortKey::Nulls),
                ("Unique", SortKey::Unique),
            ] {
                h.col(|ui| {
                    if header(ui, text, key, &state) {
                        clicked_header = Some(key);
                    }
                });
            }
            for text in ["Min", "Mean", "Max / top values", "Distribution"] {
                h.col(|ui| {
                    ui.strong(text);
                });
            }
        })
        .body(|body| {
            body.rows(22.0, rows.len(), |mut row| {
                let name = &rows[row.index()];
                let summary = ds.as_deref().and_then(|d| d.column(name));
                let selected = cx.selected_column.as_deref() == Some(name.as_str());
                row.set_selected(selected);
                let role = cx.roles.get(name);
                row.col(|ui| {
                    let kind = summary.map_or("", |s| s.kind.icon());
                    ui.weak(kind);
                    ui.label(name.as_str());
                });
                row.col(|ui| {
                    // A menu button rather than a combo box: its label is the role, which also
                    // gives it an accessible name.
                    ui.menu_button(role.name(), |ui| {
                        for r in Role::ALL {
                            if ui.selectable_label(r == role, r.name()).clicked() {
                                cx.push(Command::SetRole(name.clone(), r));
                                ui.close();
                            }
                        }
                    })
                    .response
                    .on_hover_text("Role of this column in both datasets; click to change");
                });
                let Some(c) = summary else {
                    row.col(|ui| {
                        ui.weak(format!("not in {}", side.short().to_lowercase()));
                    });
                    for _ in 0..7 {
                        row.col(|_| {});
                    }
                    if row.response().clicked() {
                        cx.push(Command::SelectColumn(name.clone()));
                    }
                    return;
                };
                row.col(|ui| {
                    ui.label(c.kind.name());
                });
                row.col(|ui| {
                    ui.label(c.nulls.to_string());
                });
                row.col(|ui| {
                    let pct = c.null_share() * 100.0;
                    if pct > 0.0 {
                        ui.label(format!("{pct:.1}"));
                    } else {
                        ui.weak("0");
                    }
                });
                row.col(|ui| {
                    ui.label(c.unique.to_string());
                });
                let (min, mean, max) = value_cells(c);
                row.col(|ui| {
                    ui.label(min);
                });
                row.col(|ui| {
                    ui.label(mean);
                });
                row.col(|ui| {
                    ui.label(max);
                });
                row.col(|ui| {
                    if c.kind == ColumnKind::Text {
                        ui.weak("free text");
                        return;
                    }
                    sparkline(
                        ui,
                        &c.histogram,
                        egui::vec2(ui.available_width().min(140.0), 16.0),
                        color,
                    );
                });
                if row.response().clicked() {
                    cx.push(Command::SelectColumn(name.clone()));
                }
            });
        });
    if let Some(key) = clicked_header {
        if st.sort == key {
            st.ascending = !st.ascending;
        } else {
            st.sort = key;
            st.ascending = true;
        }
    }
}

/// Min, mean and "max / top values" cells of a column.
fn value_cells(c: &ColumnSummary) -> (String, String, String) {
    let num = |v: Option<f64>| v.map(fmt_num).unwrap_or_default();
    match c.kind {
        ColumnKind::Numeric => (num(c.min), num(c.mean), num(c.max)),
        ColumnKind::Datetime => (
            c.min.map(|v| format_micros(v as i64)).unwrap_or_default(),
            String::new(),
            c.max.map(|v| format_micros(v as i64)).unwrap_or_default(),
        ),
        _ => (
            String::new(),
            String::new(),
            c.top
                .iter()
                .take(3)
                .map(|(v, _)| v.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        ),
    }
}

fn column_detail(cx: &mut ViewCtx<'_>, ui: &mut Ui) {
    let Some(name) = cx.selected_column.clone() else {
        ui.weak("Select a column to see its distributions.");
        return;
    };
    let summaries: Vec<(Side, &Dataset, &ColumnSummary)> = Side::BOTH
        .into_iter()
        .filter_map(|s| {
            let ds = cx.dataset(s)?;
            // Under an accepted rename, training's column is the old name.
            let column = match s {
                Side::Reference => cx.reference_name(&name),
                Side::Current => name.as_str(),
            };
            Some((s, ds, ds.column(column)?))
        })
        .collect();
    let Some((_, _, first)) = summaries.first() else {
        ui.weak(format!("\"{name}\" is in neither dataset."));
        return;
    };
    ui.horizontal(|ui| {
        ui.heading(format!("Selected column: {name}"));
        ui.weak(format!(
            "{} · role {}",
            first.kind.name(),
            cx.roles.get(&name).name()
        ));
    });
    ui.horizontal_top(|ui| {
        egui::Grid::new("detail_stats")
            .striped(true)
            .num_columns(1 + summaries.len())
            .show(ui, |ui| {
                ui.label("");
                for (side, _, _) in &summaries {
                    ui.colored_label(side_color(*side), side.short());
                }
                ui.end_row();
                let rows: [(&str, CellFn); 9] = [
                    ("Type", |c| c.dtype.clone()),
                    ("Rows", |c| c.rows.to_string()),
                    ("Missing", |c| {
                        format!("{} ({:.1} %)", c.nulls, c.null_share() * 100.0)
                    }),
                    ("NaN / ±inf", |c| format!("{} / {}", c.nan, c.infinite)),
                    ("Unique", |c| c.unique.to_string()),
                    ("Min", |c| value_cells(c).0),
                    ("Mean", |c| value_cells(c).1),
                    ("Max", |c| match c.kind {
                        ColumnKind::Numeric | ColumnKind::Datetime => value_cells(c).2,
                        _ => String::new(),
                    }),
                    ("Top values", |c| {
                        c.top
                            .iter()
                            .map(|(v, n)| format!("{v} ({n})"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    }),
                ];
                for (label, value) in rows {
                    ui.weak(label);
                    for (_, _, c) in &summaries {
                        ui.label(value(c));
                    }
                    ui.end_row();
                }
            });
        ui.separator();
        distribution_plot(ui, &name, &summaries);
    });
}

/// Formats one statistic of a column for the detail grid.
type CellFn = fn(&ColumnSummary) -> String;

/// Both sides' distributions on one axis: density histograms for numbers and times (each side
/// on its own bins, scaled to density so the areas compare), shares for categories.
fn distribution_plot(ui: &mut Ui, name: &str, summaries: &[(Side, &Dataset, &ColumnSummary)]) {
    let Some((_, _, first)) = summaries.first() else {
        return;
    };
    let kind = first.kind;
    let plot = Plot::new(("distribution", name))
        .height(240.0)
        .width(ui.available_width().max(200.0))
        .legend(Legend::default())
        .allow_scroll(false);
    match kind {
        ColumnKind::Numeric | ColumnKind::Datetime => {
            let datetime = kind == ColumnKind::Datetime;
            let plot = if datetime {
                plot.x_axis_formatter(|mark, _| format_micros(mark.value as i64))
            } else {
                plot
            };
            plot.y_axis_label("density")
                .include_y(0.0)
                .show(ui, |plot_ui| {
                    for (side, _, c) in summaries {
                        let Some((lo, width)) = c.histogram_bins else {
                            continue;
                        };
                        let total: u32 = c.histogram.iter().sum();
                        if total == 0 {
                            continue;
                        }
                        let bars = c
                            .histogram
                            .iter()
                            .enumerate()
                            .map(|(i, &n)| {
                                Bar::new(
                                    lo + (i as f64 + 0.5) * width,
                                    f64::from(n) / (f64::from(total) * width),
                                )
                                .width(width)
                                .fill(side_color(*side).gamma_multiply(0.35))
                                .stroke(egui::Stroke::new(1.5, side_color(*side)))
                            })
                            .collect();
                        plot_ui
                            .bar_chart(BarChart::new(side.short(), bars).color(side_color(*side)));
                    }
                });
        }
        ColumnKind::Text => {
            ui.weak("Free text: most values are distinct, so there is no distribution to draw.");
        }
        _ => {
            // Categories: the union of each side's top values, in the first side's order.
            let mut cats: Vec<String> = Vec::new();
            for (_, _, c) in summaries {
                for (v, _) in &c.top {
                    if !cats.contains(v) {
                        cats.push(v.clone());
                    }
                }
            }
            let labels = cats.clone();
            plot.y_axis_label("share of rows")
                .include_y(0.0)
                .x_axis_formatter(move |mark, _| {
                    let i = mark.value.round();
                    if (mark.value - i).abs() < 1e-6 && i >= 0.0 {
                        labels.get(i as usize).cloned().unwrap_or_default()
                    } else {
                        String::new()
                    }
                })
                .show(ui, |plot_ui| {
                    let n = summaries.len() as f64;
                    for (k, (side, _, c)) in summaries.iter().enumerate() {
                        let non_null = c.non_null().max(1) as f64;
                        let bars = cats
                            .iter()
                            .enumerate()
                            .map(|(i, cat)| {
                                let count =
                                    c.top.iter().find(|(v, _)| v == cat).map_or(0, |(_, n)| *n);
                                let offset = (k as f64 - (n - 1.0) / 2.0) * 0.35;
                                Bar::new(i as f64 + offset, count as f64 / non_null)
                                    .width(0.33)
                                    .name(cat)
                            })
                            .collect();
                        plot_ui
                            .bar_chart(BarChart::new(side.short(), bars).color(side_color(*side)));
                    }
                });
        }
    }
}

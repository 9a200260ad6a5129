//! The left panel: the two datasets and the column browser with a filter box.

use crate::gui::app::App;
use crate::gui::command::Command;
use crate::gui::file_dialog::DialogPurpose;
use crate::gui::widgets::{slot_color, swatch};
use crate::vocab::{ColumnKind, Role, Side, Slot};

pub fn datasets_panel(app: &mut App, ui: &mut egui::Ui) {
    egui::Panel::left("datasets")
        .resizable(true)
        .default_size(270.0)
        .show(ui, |ui| {
            ui.add_space(4.0);
            ui.heading("Datasets");
            for slot in Slot::ALL {
                dataset_card(app, ui, slot);
            }
            egui::Panel::bottom("notes")
                .resizable(true)
                .default_size(150.0)
                .show(ui, |ui| notes_ui(app, ui));
            ui.separator();
            ui.heading("Columns");
            ui.add(
                egui::TextEdit::singleline(&mut app.column_filter)
                    .hint_text("Filter columns")
                    .desired_width(f32::INFINITY),
            );
            egui::ScrollArea::vertical()
                .auto_shrink([false, false])
                .show(ui, |ui| column_list(app, ui));
        });
}

fn dataset_card(app: &mut App, ui: &mut egui::Ui, slot: Slot) {
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.set_width(ui.available_width());
        ui.horizontal(|ui| {
            swatch(ui, slot_color(slot));
            ui.strong(slot.label());
        });
        match app.slot_dataset(slot) {
            Some(ds) => {
                ui.label(ds.name())
                    .on_hover_text(ds.path.display().to_string());
                ui.weak(format!("{} rows × {} columns", ds.rows(), ds.columns.len()));
                if let Some(parts) = &ds.parts {
                    parts_ui(ui, parts);
                }
                ui.horizontal(|ui| {
                    if ui.small_button("Replace…").clicked() {
                        app.push(Command::OpenDialog(DialogPurpose::OpenData(slot)));
                    }
                    if ui.small_button("Close").clicked() {
                        app.push(Command::Close(slot));
                    }
                });
            }
            None => {
                ui.weak(match slot {
                    Slot::Experiment => "No A/B test or rollout log",
                    _ => "Nothing loaded",
                });
                if ui
                    .button(format!("Open {}…", slot.short().to_lowercase()))
                    .clicked()
                {
                    app.push(Command::OpenDialog(DialogPurpose::OpenData(slot)));
                }
                if slot != Slot::Experiment
                    && ui
                        .small_button("Open folder…")
                        .on_hover_text("A folder of data files (partitions) as one dataset")
                        .clicked()
                {
                    app.push(Command::OpenDialog(DialogPurpose::OpenFolder(slot)));
                }
            }
        }
    });
}

/// What a folder or glob dataset's paths and footers said before any value was read, and how
/// its files' schemas were unified.
fn parts_ui(ui: &mut egui::Ui, parts: &crate::data::many::Parts) {
    let m = &parts.metadata;
    let rows = m
        .footer_rows
        .map(|r| format!(" · {r} rows by the footers"))
        .unwrap_or_default();
    ui.weak(format!(
        "{} {} files · {}{rows}",
        m.files,
        parts.set.format,
        crate::format::fmt_bytes(m.bytes)
    ));
    if !parts.set.partition_columns.is_empty() {
        let cols: Vec<String> = parts
            .set
            .partition_columns
            .iter()
            .map(|(n, d)| format!("{n} ({d})"))
            .collect();
        ui.weak(format!("Partitions: {}", cols.join(", ")))
            .on_hover_text("key=value folder names, typed as polars types hive partitions");
    }
    if let Some(t) = &m.time_range {
        ui.weak(format!(
            "{}: {} – {}",
            t.column,
            crate::vocab::time::format_micros(t.min_us),
            crate::vocab::time::format_micros(t.max_us)
        ))
        .on_hover_text(format!(
            "Time range from the {}, before any value was read",
            t.source
        ));
    }
    if !parts.notes.is_empty() {
        let n = parts.notes.len();
        ui.weak(format!(
            "{n} {} on the files",
            if n == 1 { "note" } else { "notes" }
        ))
        .on_hover_text(parts.notes.join("\n"));
    }
}

/// What the column list shows of one column, gathered before drawing so that clicks can push
/// commands while the datasets are borrowed by nobody.
struct ColumnRow {
    name: String,
    kind: ColumnKind,
    role: Role,
    null_share: f64,
    only: &'static str,
    /// "renamed from X" / "renamed to Y" under an accepted rename (then `only` is empty).
    renamed: Option<String>,
}

fn column_rows(app: &App) -> Vec<ColumnRow> {
    let filter = app.column_filter.to_lowercase();
    let both = app.dataset(Side::Reference).is_some() && app.dataset(Side::Current).is_some();
    app.all_columns()
        .into_iter()
        .filter(|n| n.to_lowercase().contains(&filter))
        .filter_map(|name| {
            let reference = app.dataset(Side::Reference).and_then(|d| d.column(&name));
            let current = app.dataset(Side::Current).and_then(|d| d.column(&name));
            let summary = reference.or(current)?;
            let renamed = app.renames.iter().find_map(|(c, r)| {
                (*c == name)
                    .then(|| format!("renamed from training's {r}"))
                    .or_else(|| (*r == name).then(|| format!("renamed to production's {c}")))
            });
            let only = match (reference.is_some(), current.is_some()) {
                _ if renamed.is_some() => "",
                (true, false) if both => "only in training",
                (false, true) if both => "only in production",
                _ => "",
            };
            Some(ColumnRow {
                renamed,
                kind: summary.kind,
                role: app.roles.get(&name),
                null_share: summary.null_share(),
                only,
                name,
            })
        })
        .collect()
}

fn column_list(app: &mut App, ui: &mut egui::Ui) {
    let rows = column_rows(app);
    if app.datasets.iter().all(Option::is_none) {
        ui.weak("Open a file to see its columns.");
    }
    for row in rows {
        let selected = app.selected_column.as_deref() == Some(row.name.as_str());
        ui.horizontal(|ui| {
            ui.weak(row.kind.icon()).on_hover_text(row.kind.name());
            let response = ui
                .selectable_label(selected, row.name.as_str())
                .on_hover_text(format!(
                    "{} · {} · {:.1} % missing{}{}",
                    row.kind.name(),
                    row.role.name(),
                    row.null_share * 100.0,
                    if row.only.is_empty() { "" } else { " · " },
                    row.only
                ));
            if response.clicked() {
                app.push(Command::SelectColumn(row.name.clone()));
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if !row.only.is_empty() {
                    ui.colored_label(ui.visuals().warn_fg_color, "!")
                        .on_hover_text(row.only);
                }
                if let Some(renamed) = &row.renamed {
                    ui.weak("=").on_hover_text(renamed);
                }
                if row.role != Role::Feature {
                    ui.small(row.role.name());
                }
                if let Some(note) = app.session.notes.columns.get(&row.name) {
                    ui.small("note").on_hover_text(note);
                }
            });
        });
    }
}

/// The session's note and the selected column's note, saved with the session and shown in
/// reports.
fn notes_ui(app: &mut App, ui: &mut egui::Ui) {
    ui.add_space(4.0);
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            let label = ui.strong("Session note");
            ui.add(
                egui::TextEdit::multiline(&mut app.session.notes.session)
                    .desired_rows(2)
                    .desired_width(f32::INFINITY)
                    .hint_text("What this analysis is for, what you found"),
            )
            .labelled_by(label.id);
            let Some(column) = app.selected_column.clone() else {
                return;
            };
            ui.add_space(4.0);
            let label = ui.strong(format!("Note on {column}"));
            let mut text = app
                .session
                .notes
                .columns
                .get(&column)
                .cloned()
                .unwrap_or_default();
            let edit = ui
                .add(
                    egui::TextEdit::multiline(&mut text)
                        .desired_rows(2)
                        .desired_width(f32::INFINITY)
                        .hint_text("e.g. shift expected after the pricing change"),
                )
                .labelled_by(label.id);
            if edit.changed() {
                // An emptied note is no note, so clearing one leaves no unsaved change.
                if text.trim().is_empty() {
                    app.session.notes.columns.remove(&column);
                } else {
                    app.session.notes.columns.insert(column, text);
                }
            }
        });
}

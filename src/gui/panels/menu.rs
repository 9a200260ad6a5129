//! The menu bar: File, View, Help.

use crate::gui::app::App;
use crate::gui::command::Command;
use crate::gui::file_dialog::DialogPurpose;
use crate::gui::prefs::ThemeChoice;
use crate::vocab::Slot;

pub fn menu_bar(app: &mut App, ui: &mut egui::Ui) {
    egui::Panel::top("menu_bar").show(ui, |ui| {
        egui::MenuBar::new().ui(ui, |ui| {
            ui.menu_button("File", |ui| file_menu(app, ui));
            ui.menu_button("View", |ui| {
                ui.label("Theme");
                for (choice, name) in [(ThemeChoice::Dark, "Dark"), (ThemeChoice::Light, "Light")] {
                    if ui.radio(app.prefs.theme == choice, name).clicked() {
                        app.push(Command::SetTheme(choice));
                        ui.close();
                    }
                }
            });
            ui.menu_button("Help", |ui| {
                if ui.button("About Sextant").clicked() {
                    app.push(Command::ShowAbout(true));
                    ui.close();
                }
            });
        });
    });
}

fn file_menu(app: &mut App, ui: &mut egui::Ui) {
    let shortcut = |ui: &egui::Ui, key: &str| {
        let cmd = if ui.ctx().os() == egui::os::OperatingSystem::Mac {
            "Cmd+"
        } else {
            "Ctrl+"
        };
        format!("{cmd}{key}")
    };
    if ui.button("New session").clicked() {
        app.push(Command::NewSession);
        ui.close();
    }
    if ui.button("Open session…").clicked() {
        app.push(Command::OpenSession);
        ui.close();
    }
    ui.menu_button("Open recent session", |ui| {
        if app.prefs.recent_sessions.is_empty() {
            ui.label("No recent sessions");
        }
        for path in app.prefs.recent_sessions.clone() {
            if ui
                .button(crate::session::display_name(&path))
                .on_hover_text(path.display().to_string())
                .clicked()
            {
                app.push(Command::OpenSessionPath(path));
                ui.close();
            }
        }
        if !app.prefs.recent_sessions.is_empty() {
            ui.separator();
            if ui.button("Clear list").clicked() {
                app.push(Command::ClearRecentSessions);
                ui.close();
            }
        }
    });
    if ui
        .add(egui::Button::new("Save session").shortcut_text(shortcut(ui, "S")))
        .clicked()
    {
        app.push(Command::SaveSession);
        ui.close();
    }
    if ui
        .add(egui::Button::new("Save session as…").shortcut_text(shortcut(ui, "Shift+S")))
        .clicked()
    {
        app.push(Command::SaveSessionAs);
        ui.close();
    }
    ui.separator();
    if ui
        .add(egui::Button::new("Open training…").shortcut_text(shortcut(ui, "O")))
        .clicked()
    {
        app.push(Command::OpenDialog(DialogPurpose::OpenData(
            Slot::Reference,
        )));
        ui.close();
    }
    if ui
        .add(egui::Button::new("Open production…").shortcut_text(shortcut(ui, "Shift+O")))
        .clicked()
    {
        app.push(Command::OpenDialog(DialogPurpose::OpenData(Slot::Current)));
        ui.close();
    }
    // A folder of partitions (or a glob typed in Sextant's prompt) opened as one dataset.
    ui.menu_button("Open folder…", |ui| {
        for (slot, text) in [
            (Slot::Current, "As production…"),
            (Slot::Reference, "As training…"),
        ] {
            if ui
                .button(text)
                .on_hover_text("Every data file below the folder as one dataset; key=value folder names become columns")
                .clicked()
            {
                app.push(Command::OpenDialog(DialogPurpose::OpenFolder(slot)));
                ui.close();
            }
        }
    });
    if ui
        .button("Open experiment log…")
        .on_hover_text("An A/B test or rollout log for the Experiments tab")
        .clicked()
    {
        app.push(Command::OpenDialog(DialogPurpose::OpenData(
            Slot::Experiment,
        )));
        ui.close();
    }
    if ui.button("Open model…").clicked() {
        app.push(Command::OpenModelDialog);
        ui.close();
    }
    if ui
        .add_enabled(
            app.compression.can_export(),
            egui::Button::new("Export model variant…"),
        )
        .on_hover_text("Write the variant selected in the Compression tab as an ONNX file")
        .clicked()
    {
        app.compression.choose_export(None);
        app.push(Command::Export(DialogPurpose::ExportModel));
        ui.close();
    }
    ui.menu_button("Open recent", |ui| {
        if app.prefs.recent.is_empty() {
            ui.label("No recent files");
        }
        for recent in app.prefs.recent.clone() {
            let name = crate::data::load::file_name(&recent.path);
            let text = format!("{name}  ({})", recent.side.short().to_lowercase());
            if ui
                .button(text)
                .on_hover_text(recent.path.display().to_string())
                .clicked()
            {
                app.push(Command::Load(recent.side, recent.path.clone()));
                ui.close();
            }
        }
        if !app.prefs.recent.is_empty() {
            ui.separator();
            if ui.button("Clear list").clicked() {
                app.push(Command::ClearRecent);
                ui.close();
            }
        }
    });
    ui.separator();
    for slot in Slot::ALL {
        let enabled = app.slot_dataset(slot).is_some();
        if ui
            .add_enabled(
                enabled,
                egui::Button::new(format!("Close {}", slot.short().to_lowercase())),
            )
            .clicked()
        {
            app.push(Command::Close(slot));
            ui.close();
        }
    }
    ui.separator();
    let can_export = app.can_export();
    if ui
        .add_enabled(can_export, egui::Button::new("Export report (HTML)…"))
        .on_hover_text("One self-contained HTML file: summary, drift with distributions, integrity, seasonality, notes")
        .clicked()
    {
        app.push(Command::Export(DialogPurpose::ExportHtml));
        ui.close();
    }
    if ui
        .add_enabled(can_export, egui::Button::new("Export report (JSON)…"))
        .on_hover_text("Every number of the report, in the structures of the command line's JSON")
        .clicked()
    {
        app.push(Command::Export(DialogPurpose::ExportJson));
        ui.close();
    }
    ui.checkbox(
        &mut app.export.all_columns,
        "Distributions of all columns in reports",
    );
    ui.checkbox(&mut app.export.include_paths, "Include full file paths")
        .on_hover_text("Off: the report names each file by its name and content fingerprint, so that sharing it tells no local folders");
    if ui
        .button("Save view as PNG…")
        .on_hover_text("The current tab at screen resolution; also copied to the clipboard")
        .clicked()
    {
        app.push(Command::Export(DialogPurpose::ExportPng));
        ui.close();
    }
    ui.separator();
    if ui.button("Quit").clicked() {
        app.push(Command::Quit);
        ui.close();
    }
}

//! The menu bar: File, View, Help.

use crate::data::Side;
use crate::gui::app::App;
use crate::gui::command::Command;
use crate::gui::prefs::ThemeChoice;

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
    if ui
        .add(egui::Button::new("Open training…").shortcut_text(shortcut(ui, "O")))
        .clicked()
    {
        app.push(Command::OpenDialog(Side::Reference));
        ui.close();
    }
    if ui
        .add(egui::Button::new("Open production…").shortcut_text(shortcut(ui, "Shift+O")))
        .clicked()
    {
        app.push(Command::OpenDialog(Side::Current));
        ui.close();
    }
    if ui.button("Open model…").clicked() {
        app.push(Command::OpenModelDialog);
        ui.close();
    }
    if ui
        .add_enabled(
            crate::gui::views::compression::can_export(app),
            egui::Button::new("Export model variant…"),
        )
        .on_hover_text("Write the variant selected in the Compression tab as an ONNX file")
        .clicked()
    {
        crate::gui::views::compression::export_selected_dialog(app);
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
    for side in Side::BOTH {
        let enabled = app.dataset(side).is_some();
        if ui
            .add_enabled(
                enabled,
                egui::Button::new(format!("Close {}", side.short().to_lowercase())),
            )
            .clicked()
        {
            app.push(Command::Close(side));
            ui.close();
        }
    }
    ui.separator();
    if ui.button("Quit").clicked() {
        app.push(Command::Quit);
        ui.close();
    }
}

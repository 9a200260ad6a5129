//! The row of view tabs above the central area.

use crate::gui::app::App;
use crate::gui::command::Command;
use crate::gui::tab::Tab;

pub fn tab_bar(app: &mut App, ui: &mut egui::Ui) {
    ui.horizontal(|ui| {
        for tab in Tab::ALL {
            let title = match tab {
                Tab::Integrity => crate::gui::views::integrity::title(&app.integrity),
                _ => tab.title().to_string(),
            };
            if ui.selectable_label(app.tab == tab, title).clicked() {
                app.push(Command::SetTab(tab));
            }
        }
    });
}

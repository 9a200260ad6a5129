//! The row of view tabs above the central area.

use crate::gui::app::{App, Tab};
use crate::gui::command::Command;

pub fn tab_bar(app: &mut App, ui: &mut egui::Ui) {
    ui.horizontal(|ui| {
        for tab in Tab::ALL {
            if ui.selectable_label(app.tab == tab, tab.title()).clicked() {
                app.push(Command::SetTab(tab));
            }
        }
    });
}

//! The status bar: running jobs with progress and a cancel button, and the last message.

use crate::gui::app::App;
use crate::gui::command::Command;
use crate::gui::status::StatusKind;
use crate::vocab::Progress;
use crate::vocab::Slot;

pub fn status_bar(app: &mut App, ui: &mut egui::Ui) {
    egui::Panel::bottom("status_bar").show(ui, |ui| {
        ui.horizontal(|ui| {
            let mut running = false;
            for slot in Slot::ALL {
                let Some(job) = &app.loads[slot.index()] else {
                    continue;
                };
                running = true;
                if job_progress(ui, &job.label, job.progress()) {
                    app.push(Command::CancelLoad(slot));
                }
            }
            if let Some(job) = &app.export.job {
                running = true;
                if job_progress(ui, &job.label, job.progress()) {
                    app.push(Command::CancelExport);
                }
            }
            if let Some(status) = &app.status {
                let color = match status.kind {
                    StatusKind::Info => ui.visuals().text_color(),
                    StatusKind::Warning => ui.visuals().warn_fg_color,
                    StatusKind::Error => ui.visuals().error_fg_color,
                };
                let label = ui.colored_label(color, &status.text);
                if status.kind == StatusKind::Warning && app.warnings.len() > 1 {
                    label.on_hover_text(app.warnings.join("\n"));
                }
            } else if !running {
                ui.weak("Ready");
            }
        });
    });
}

/// A job's progress bar (its stage as text) and a Cancel button; true when Cancel was clicked.
fn job_progress(ui: &mut egui::Ui, label: &str, p: &Progress) -> bool {
    let stage = p.stage();
    let bar = match p.fraction() {
        Some(f) => egui::ProgressBar::new(f).show_percentage(),
        None => egui::ProgressBar::new(0.0).animate(true),
    };
    ui.add(bar.desired_width(160.0).text(if stage.is_empty() {
        label.to_string()
    } else {
        stage
    }));
    let cancel = ui.button("Cancel").clicked();
    ui.separator();
    cancel
}

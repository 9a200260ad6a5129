//! Windows that float over the main layout: About, "which side is this file?", and the
//! fallback path prompt used when no native file dialog exists.

use crate::gui::app::App;
use crate::gui::command::Command;
use crate::gui::file_dialog::DialogPurpose;
use crate::vocab::Slot;

pub fn dialogs(app: &mut App, ui: &mut egui::Ui) {
    let ctx = ui.ctx().clone();
    about(app, &ctx);
    drop_side(app, &ctx);
    path_prompt(app, &ctx);
    opening_session(app, &ctx);
    unsaved_changes(app, &ctx);
    recovery_offer(app, &ctx);
    changed_files(app, &ctx);
    drop_hint(&ctx);
}

/// A session about to open: the files it names, shown before any is read.
fn opening_session(app: &mut App, ctx: &egui::Context) {
    let Some(opening) = &app.session.opening else {
        return;
    };
    if app.path_prompt.is_some() || app.native_dialog.is_some() {
        // A modal would block the "Locate…" prompt; it comes back when the prompt closes.
        return;
    }
    let mut command = None;
    egui::Modal::new(egui::Id::unique("opening_session")).show(ctx, |ui| {
        ui.set_width(560.0);
        ui.heading(format!(
            "Open session {}",
            crate::session::display_name(&opening.path)
        ));
        ui.label("The session names these files. Nothing has been read yet; opening loads them.");
        ui.add_space(6.0);
        egui::Grid::new("opening_files")
            .num_columns(3)
            .spacing([12.0, 6.0])
            .show(ui, |ui| {
                for d in &opening.datasets {
                    ui.strong(d.slot.short());
                    ui.label(d.path.display().to_string());
                    if d.exists {
                        ui.weak("found");
                    } else {
                        ui.horizontal(|ui| {
                            ui.colored_label(ui.visuals().error_fg_color, "missing");
                            if ui.button("Locate…").clicked() {
                                command =
                                    Some(Command::OpenDialog(DialogPurpose::LocateData(d.slot)));
                            }
                        });
                    }
                    ui.end_row();
                }
                if let Some((path, exists)) = &opening.model {
                    ui.strong("Model");
                    ui.label(path.display().to_string());
                    if *exists {
                        ui.weak("found");
                    } else {
                        ui.colored_label(ui.visuals().error_fg_color, "missing");
                    }
                    ui.end_row();
                }
            });
        if opening.datasets.is_empty() {
            ui.weak("The session names no data files.");
        }
        if !opening.session.notes.session.is_empty() {
            ui.add_space(6.0);
            ui.label(format!("Note: {}", opening.session.notes.session));
        }
        ui.add_space(8.0);
        ui.horizontal(|ui| {
            if ui.button("Open").clicked() {
                command = Some(Command::ConfirmOpenSession);
            }
            if ui.button("Cancel").clicked() {
                command = Some(Command::CancelOpenSession);
            }
        });
    });
    if let Some(c) = command {
        app.push(c);
    }
}

/// "Save changes?" before quitting or replacing the session.
fn unsaved_changes(app: &mut App, ctx: &egui::Context) {
    if app.session.unsaved_prompt.is_none() {
        return;
    }
    let name = app.session.name();
    let mut answer = None;
    egui::Modal::new(egui::Id::unique("unsaved_changes")).show(ctx, |ui| {
        ui.set_width(420.0);
        ui.heading(format!("Save changes to {name}?"));
        ui.label("Your changes are lost if you don't save them.");
        ui.add_space(8.0);
        ui.horizontal(|ui| {
            if ui.button("Save").clicked() {
                answer = Some(Some(true));
            }
            if ui.button("Don't save").clicked() {
                answer = Some(Some(false));
            }
            if ui.button("Cancel").clicked() {
                answer = Some(None);
            }
        });
    });
    if let Some(a) = answer {
        app.push(Command::AnswerUnsaved(a));
    }
}

/// At start, after a crash: offer the recovery copy.
fn recovery_offer(app: &mut App, ctx: &egui::Context) {
    let Some(offer) = &app.session.recovery_offer else {
        return;
    };
    let mut answer = None;
    egui::Modal::new(egui::Id::unique("recovery_offer")).show(ctx, |ui| {
        ui.set_width(460.0);
        ui.heading("Restore unsaved work?");
        let what = offer.origin.as_deref().map_or_else(
            || "an untitled session".to_string(),
            |p| format!("session {}", p.display()),
        );
        ui.label(format!(
            "Sextant did not close normally. A recovery copy of {what} was saved {}.",
            offer.age
        ));
        if offer.more > 0 {
            ui.label(format!(
                "{} more recovery {} left by other windows: Discard shows the next (newest first), Restore keeps {} for the next start.",
                offer.more,
                if offer.more == 1 { "copy" } else { "copies" },
                if offer.more == 1 { "it" } else { "them" }
            ));
        }
        ui.add_space(8.0);
        ui.horizontal(|ui| {
            if ui.button("Restore").clicked() {
                answer = Some(true);
            }
            if ui.button("Discard").clicked() {
                answer = Some(false);
            }
        });
    });
    if let Some(a) = answer {
        app.push(Command::AnswerRecovery(a));
    }
}

/// Files that changed since the session was saved, before the results are trusted.
fn changed_files(app: &mut App, ctx: &egui::Context) {
    if app.session.changed.is_empty() {
        return;
    }
    let mut dismiss = false;
    egui::Modal::new(egui::Id::unique("changed_files")).show(ctx, |ui| {
        ui.set_width(520.0);
        ui.heading("Data changed since the session was saved");
        for message in &app.session.changed {
            ui.colored_label(ui.visuals().warn_fg_color, message);
        }
        ui.add_space(8.0);
        if ui.button("Show results").clicked() {
            dismiss = true;
        }
    });
    if dismiss {
        app.push(Command::DismissChanged);
    }
}

fn about(app: &mut App, ctx: &egui::Context) {
    let mut open = app.about_open;
    egui::Window::new("About Sextant")
        .open(&mut open)
        .collapsible(false)
        .resizable(false)
        .show(ctx, |ui| {
            ui.heading(format!("Sextant {}", env!("CARGO_PKG_VERSION")));
            ui.label("A workbench for keeping machine-learning models healthy in production.");
            ui.label(
                "Open training (reference) and production (current) data to see what changed.",
            );
            ui.add_space(6.0);
            ui.weak("Formats: CSV, Parquet, Arrow IPC, NDJSON.");
            ui.weak("Headless: run `sextant --help` for the command line.");
        });
    if open != app.about_open {
        app.push(Command::ShowAbout(open));
    }
}

fn drop_side(app: &mut App, ctx: &egui::Context) {
    if app.pending_drop.is_empty() {
        return;
    }
    let names: Vec<String> = app
        .pending_drop
        .iter()
        .map(|p| crate::data::load::file_name(p))
        .collect();
    let mut answer: Option<Option<Slot>> = None;
    egui::Modal::new(egui::Id::unique("drop_side")).show(ctx, |ui| {
        ui.set_width(380.0);
        ui.heading("Open dropped file");
        if names.len() == 1 {
            ui.label(format!("Open {} as…", names[0]));
        } else {
            ui.label(format!(
                "Open {} as… (and {} as the other)",
                names[0], names[1]
            ));
        }
        ui.add_space(6.0);
        ui.horizontal(|ui| {
            for slot in Slot::ALL {
                if ui.button(slot.label()).clicked() {
                    answer = Some(Some(slot));
                }
            }
            if ui.button("Cancel").clicked() {
                answer = Some(None);
            }
        });
    });
    if let Some(a) = answer {
        app.resolve_drop(a);
    }
}

fn path_prompt(app: &mut App, ctx: &egui::Context) {
    let Some(prompt) = &mut app.path_prompt else {
        return;
    };
    let mut open = true;
    let mut chosen = None;
    let mut enter = None;
    let saves = prompt.purpose.saves();
    egui::Window::new(prompt.purpose.title())
        .open(&mut open)
        .collapsible(false)
        .default_width(460.0)
        .show(ctx, |ui| {
            let folder = matches!(prompt.purpose, DialogPurpose::OpenFolder(_));
            let label = ui.label(if folder {
                "Path of the folder, or a glob (prod/date=*/part-*.parquet):"
            } else {
                "Path of the file:"
            });
            let hint = if folder {
                "/path/to/folder".to_string()
            } else {
                format!("/path/to/file.{}", prompt.purpose.filter().1[0])
            };
            let edit = ui
                .add(
                    egui::TextEdit::singleline(&mut prompt.text)
                        .hint_text(hint)
                        .desired_width(f32::INFINITY),
                )
                .labelled_by(label.id);
            if std::mem::take(&mut prompt.focus) {
                edit.request_focus();
            }
            let submitted = edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            ui.horizontal(|ui| {
                let action = if saves { "Save" } else { "Open" };
                if (ui.button(action).clicked() || submitted) && !prompt.text.trim().is_empty() {
                    chosen = Some(std::path::PathBuf::from(prompt.text.trim()));
                }
                // The folder being browsed, opened as a whole.
                if folder && ui.button("Open this folder").clicked() {
                    chosen = Some(prompt.dir.clone());
                }
            });
            ui.separator();
            ui.weak(prompt.dir.display().to_string());
            if let Some(e) = &prompt.error {
                ui.colored_label(ui.visuals().error_fg_color, e);
            }
            egui::ScrollArea::vertical()
                .max_height(260.0)
                .show(ui, |ui| {
                    if ui.selectable_label(false, "../").clicked() {
                        enter = Some("..".to_string());
                    }
                    for (name, is_dir) in &prompt.entries {
                        let text = if *is_dir {
                            format!("{name}/")
                        } else {
                            name.clone()
                        };
                        let response = ui.selectable_label(false, text);
                        if response.clicked() {
                            if *is_dir {
                                enter = Some(name.clone());
                            } else {
                                prompt.text = prompt.dir.join(name).display().to_string();
                            }
                        }
                        // Double-clicking a file opens it at once (saving over one asks for
                        // the Save button).
                        if response.double_clicked() && !*is_dir && !saves {
                            chosen = Some(prompt.dir.join(name));
                        }
                    }
                });
        });
    if let Some(name) = enter {
        prompt.enter(&name);
    }
    let purpose = prompt.purpose;
    if let Some(path) = chosen {
        app.path_prompt = None;
        app.push(Command::FileChosen(purpose, path));
    } else if !open {
        app.path_prompt = None;
    }
}

/// While files are dragged over the window, say what dropping does.
fn drop_hint(ctx: &egui::Context) {
    let hovering = ctx.input(|i| !i.raw.hovered_files.is_empty());
    if !hovering {
        return;
    }
    let screen = ctx.content_rect();
    let painter = ctx.layer_painter(egui::LayerId::new(
        egui::Order::Foreground,
        egui::Id::unique("drop_hint"),
    ));
    painter.rect_filled(screen, 0.0, egui::Color32::from_black_alpha(160));
    painter.text(
        screen.center(),
        egui::Align2::CENTER_CENTER,
        "Drop a training or production file (or a folder of them) to open it",
        egui::FontId::proportional(22.0),
        egui::Color32::WHITE,
    );
}

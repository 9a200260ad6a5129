//! One frame of the app: the per-frame work that is not drawing (`logic`: poll jobs and
//! dialogs, start every background computation, apply commands), the drawing (`ui`: panels and
//! the shown view, each lent only what it needs), and applying commands. The top of the
//! window's files: it knows the panels and the views; none of them knows it.

use std::path::PathBuf;

use crate::report::ReportFormat;
use crate::vocab::Slot;

use super::app::App;
use super::command::Command;
use super::export::start_model_export;
use super::file_dialog::DialogPurpose;
use super::prefs::ThemeChoice;
use super::session_state::AfterSave;
use super::tab::Tab;
use super::view_ctx::ViewCtx;
use super::{panels, views};

/// The context a view gets for one frame: the app's shared state, borrowed field by field so
/// that the view's own state can be borrowed next to it.
macro_rules! view_ctx {
    ($app:ident) => {
        ViewCtx::new(
            &$app.datasets,
            &$app.roles,
            &$app.renames,
            &$app.selected_column,
            $app.tab,
            $app.loads.iter().any(Option::is_some),
            $app.waker.clone(),
            &mut $app.commands,
        )
    };
}

impl App {
    /// Per-frame work that is not drawing: poll jobs and dialogs, read dropped files and
    /// shortcuts, apply commands. Cheap: nothing here computes.
    pub fn logic(&mut self, ctx: &egui::Context) {
        if self.waker.is_none() {
            self.set_waker(ctx);
        }
        if self.applied_theme != Some(self.prefs.theme) {
            ctx.set_theme(match self.prefs.theme {
                ThemeChoice::Dark => egui::Theme::Dark,
                ThemeChoice::Light => egui::Theme::Light,
            });
            self.applied_theme = Some(self.prefs.theme);
        }
        self.poll_loads();
        self.poll_dialog();
        let dropped: Vec<PathBuf> = ctx.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .filter(|p| !p.as_os_str().is_empty())
                .collect()
        });
        if !dropped.is_empty() {
            self.push(Command::Dropped(dropped));
        }
        let (open_current, open_reference) = ctx.input_mut(|i| {
            let shift = egui::KeyboardShortcut::new(
                egui::Modifiers::COMMAND | egui::Modifiers::SHIFT,
                egui::Key::O,
            );
            let plain = egui::KeyboardShortcut::new(egui::Modifiers::COMMAND, egui::Key::O);
            (i.consume_shortcut(&shift), i.consume_shortcut(&plain))
        });
        let (save_as, save) = ctx.input_mut(|i| {
            let shift = egui::KeyboardShortcut::new(
                egui::Modifiers::COMMAND | egui::Modifiers::SHIFT,
                egui::Key::S,
            );
            let plain = egui::KeyboardShortcut::new(egui::Modifiers::COMMAND, egui::Key::S);
            (i.consume_shortcut(&shift), i.consume_shortcut(&plain))
        });
        if save_as {
            self.push(Command::SaveSessionAs);
        } else if save {
            self.push(Command::SaveSession);
        }
        if open_current {
            self.push(Command::OpenDialog(DialogPurpose::OpenData(Slot::Current)));
        } else if open_reference {
            self.push(Command::OpenDialog(DialogPurpose::OpenData(
                Slot::Reference,
            )));
        }
        self.apply_commands(ctx);
        self.update_views(ctx);
        self.export_logic(ctx);
        self.session_logic(ctx);
    }

    /// Every view's background work starts here, one way for all: a view's `update` collects
    /// finished results and requests the computation of its current inputs, which its
    /// `Computed` starts only when they differ from what it holds (and were not cancelled).
    /// Integrity and Drift run whether or not their tab is shown (the tab titles and the
    /// status need them); the others only while shown.
    fn update_views(&mut self, ctx: &egui::Context) {
        let cx = view_ctx!(self);
        self.drift.update(&cx);
        self.integrity.update(&cx);
        self.seasonality.update(&cx, ctx);
        self.health.update(&cx);
        self.compression.update(&cx, ctx);
        self.experiments.update(&cx, self.experiment_log.as_ref());
        self.retraining.update(&cx);
    }

    /// Draw the whole window.
    pub fn ui(&mut self, ui: &mut egui::Ui) {
        // A view's settings edited while drawing are computed by the next frame's `logic`.
        let settings_before = self.snapshot();
        panels::menu::menu_bar(self, ui);
        panels::status::status_bar(self, ui);
        panels::datasets::datasets_panel(self, ui);
        egui::CentralPanel::default().show(ui, |ui| {
            self.export.view_rect = Some(ui.max_rect());
            panels::tabs::tab_bar(self, ui);
            ui.separator();
            // The Integrity tab's likely renames, which the Retraining tab offers to accept
            // (gathered only while that tab is drawn).
            let likely_renames = if self.tab == Tab::Retraining {
                views::integrity::likely_renames(&self.integrity)
            } else {
                Vec::new()
            };
            let mut cx = view_ctx!(self);
            match self.tab {
                Tab::Overview => views::overview::overview_ui(&mut self.overview, &mut cx, ui),
                Tab::Drift => views::drift::drift_ui(&mut self.drift, &mut cx, ui),
                Tab::Seasonality => {
                    views::seasonality::seasonality_ui(&mut self.seasonality, &mut cx, ui)
                }
                Tab::Integrity => views::integrity::integrity_ui(&mut self.integrity, &mut cx, ui),
                Tab::Health => views::health::health_ui(&mut self.health, &mut cx, ui),
                Tab::Compression => {
                    views::compression::compression_ui(&mut self.compression, &mut cx, ui)
                }
                Tab::Experiments => views::experiments::experiments_ui(
                    &mut self.experiments,
                    &mut cx,
                    self.experiment_log.as_deref(),
                    ui,
                ),
                Tab::Retraining => views::retraining::retraining_ui(
                    &mut self.retraining,
                    &mut cx,
                    &likely_renames,
                    ui,
                ),
            }
        });
        panels::dialogs::dialogs(self, ui);
        // Commands pushed while drawing (clicks) and edited settings take effect in the next
        // frame: make sure there is one.
        if !self.commands.is_empty() || self.snapshot() != settings_before {
            ui.ctx().request_repaint();
        }
    }

    fn apply_commands(&mut self, ctx: &egui::Context) {
        for command in std::mem::take(&mut self.commands) {
            self.apply(command, ctx);
        }
    }

    /// Apply one command.
    pub fn apply(&mut self, command: Command, ctx: &egui::Context) {
        match command {
            Command::OpenDialog(purpose) => self.open_file_dialog(purpose),
            Command::FileChosen(purpose, path) => self.file_chosen(purpose, path, ctx),
            Command::Load(side, path) => self.start_load(side, path),
            Command::Dropped(paths) => self.assign_dropped(paths),
            Command::CancelLoad(side) => {
                if let Some(job) = self.loads[side.index()].take() {
                    job.progress().cancel();
                    self.status_info(format!("{} cancelled; nothing was changed", job.label));
                }
            }
            Command::Close(slot) => {
                match slot.side() {
                    Some(side) => self.datasets[side.index()] = None,
                    None => self.experiment_log = None,
                }
                self.refresh_warnings();
            }
            Command::SelectColumn(name) => {
                self.seasonality.column_selected(&name);
                self.selected_column = Some(name);
            }
            Command::SetRole(column, role) => self.roles.set(&column, role),
            Command::SetTab(tab) => self.tab = tab,
            Command::AcceptRename(current, reference) => {
                self.status_info(format!(
                    "Production's {current} is now compared with training's {reference}"
                ));
                self.renames.add(current, reference);
            }
            Command::UndoRename(current) => {
                self.renames.remove_current(&current);
            }
            Command::SetTheme(theme) => self.prefs.theme = theme,
            Command::ShowAbout(open) => self.about_open = open,
            Command::ClearRecent => self.prefs.recent.clear(),
            Command::OpenModelDialog => self.open_file_dialog(DialogPurpose::OpenModel),
            Command::LoadModel(path) => {
                self.compression.open_model(path);
                self.tab = Tab::Compression;
            }
            Command::ClearRecentSessions => self.prefs.recent_sessions.clear(),
            Command::SaveSession => self.save_session(),
            Command::SaveSessionAs => self.open_file_dialog(DialogPurpose::SaveSession),
            Command::OpenSession => self.guard_unsaved(AfterSave::OpenSessionDialog),
            Command::OpenSessionPath(path) => self.guard_unsaved(AfterSave::OpenSession(path)),
            Command::NewSession => self.guard_unsaved(AfterSave::NewSession),
            Command::ConfirmOpenSession => self.open_session_datasets(),
            Command::CancelOpenSession => self.session.opening = None,
            Command::AnswerUnsaved(answer) => self.answer_unsaved(answer),
            Command::AnswerRecovery(restore) => self.answer_recovery(restore),
            Command::DismissChanged => self.session.changed.clear(),
            Command::Export(purpose) => self.open_file_dialog(purpose),
            Command::CancelExport => self.cancel_export(),
            Command::Quit => {
                if self.session.dirty && !self.session.allow_close {
                    self.guard_unsaved(AfterSave::Quit);
                } else {
                    self.session.allow_close = true;
                    ctx.send_viewport_cmd(egui::ViewportCommand::Close);
                }
            }
        }
    }

    /// A file dialog answered.
    fn file_chosen(&mut self, purpose: DialogPurpose, path: PathBuf, ctx: &egui::Context) {
        match purpose {
            DialogPurpose::OpenData(side) | DialogPurpose::OpenFolder(side) => {
                self.start_load(side, path)
            }
            DialogPurpose::LocateData(side) => self.locate_dataset(side, path),
            DialogPurpose::OpenSession => self.read_session_file(&path),
            DialogPurpose::SaveSession => {
                self.save_session_to(path);
            }
            DialogPurpose::ExportHtml => self.start_export(ReportFormat::Html, path),
            DialogPurpose::ExportJson => self.start_export(ReportFormat::Json, path),
            DialogPurpose::ExportPng => self.request_png(path, ctx),
            DialogPurpose::OpenModel => self.compression.open_model(path),
            DialogPurpose::ExportModel => {
                if let Some(name) = self.compression.export_name.clone() {
                    start_model_export(self, name, path);
                }
            }
        }
    }
}

//! The window's side of sessions: what the open analysis is called and where it is saved,
//! whether it has unsaved changes, the snapshot of the app's state as a [`Session`] and back,
//! the open flow (paths shown before anything is read, missing files located, changed files
//! flagged), the unsaved-changes question, and the recovery copy.
//!
//! Unsaved changes are found by comparing a fresh snapshot with the one taken when the session
//! was last saved or opened; the snapshot is a handful of small settings structs, cheap to build
//! every frame.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::session::open::{changed_since_saved, dataset_ref, named_datasets, named_model};
use crate::session::{self, Notes, Session, paths};
use crate::vocab::{Side, Slot};

use super::app::App;
use super::command::Command;
use super::file_dialog::DialogPurpose;
use super::recovery::RecoveryStore;
pub use super::session_state::{AfterSave, Opening, RecoveryOffer, SessionState};
use super::tab::Tab;

/// How often the recovery copy is written while there are unsaved changes.
pub const AUTOSAVE_EVERY: Duration = Duration::from_secs(60);

impl App {
    /// The app's state as a session, paths relative to where the session is (or would be)
    /// saved.
    pub fn snapshot(&self) -> Session {
        // Untitled: no folder, and `to_stored` keeps every path absolute.
        let dir = self
            .session
            .path
            .as_deref()
            .map(session::open::base_dir)
            .unwrap_or_default();
        let entry = |slot: Slot| self.slot_dataset(slot).map(|ds| dataset_ref(ds, &dir));
        let mut s = Session {
            roles: self.roles.clone(),
            renames: self.renames.clone(),
            notes: self.session.notes.clone(),
            ..Session::default()
        };
        s.datasets.reference = entry(Slot::Reference);
        s.datasets.current = entry(Slot::Current);
        s.datasets.experiment = entry(Slot::Experiment);
        s.views.drift = self.drift.settings.clone();
        s.views.integrity = self.integrity.params.clone();
        s.views.seasonality = self.seasonality.settings.clone();
        s.views.health = self.health.settings.clone();
        s.views.compression = self.compression.settings.clone();
        s.views.experiment = self.experiments.view_settings();
        s.views.retraining = self.retraining.settings.clone();
        s.views.serving = self.compression.serving.settings.clone();
        s.views.compression.model_path = self
            .compression
            .settings
            .model_path
            .as_deref()
            .map(|model| paths::to_stored(&dir, &paths::absolute(model)));
        s.layout.tab = self.tab.title().to_lowercase();
        s.layout.selected_column = self.selected_column.clone();
        s.layout.column_filter = self.column_filter.clone();
        s
    }

    /// Take a session's settings (not its datasets: see [`App::open_session_datasets`]).
    fn restore_settings(&mut self, s: &Session) {
        self.roles = s.roles.clone();
        self.renames = s.renames.clone();
        self.drift.settings = s.views.drift.clone();
        self.drift.threshold_text = s
            .views
            .drift
            .threshold
            .map(|t| t.to_string())
            .unwrap_or_default();
        self.integrity.params = s.views.integrity.clone();
        self.integrity.draft = None;
        self.seasonality.settings = s.views.seasonality.clone();
        self.health.settings = s.views.health.clone();
        self.compression.settings = s.views.compression.clone();
        self.compression.serving.settings = s.views.serving.clone();
        self.experiments.restore(&s.views.experiment);
        self.retraining.settings = s.views.retraining.clone();
        self.retraining.delay_text.clear();
        self.health.floor_text = s
            .views
            .health
            .floor
            .map(|f| f.to_string())
            .unwrap_or_default();
        self.tab = Tab::from_name(&s.layout.tab).unwrap_or_default();
        self.selected_column = s.layout.selected_column.clone();
        self.column_filter = s.layout.column_filter.clone();
        self.session.notes = s.notes.clone();
    }

    /// Per-frame bookkeeping: unsaved-changes flag, window title, the close guard, autosave.
    pub fn session_logic(&mut self, ctx: &egui::Context) {
        let arrived = Slot::ALL.into_iter().all(|slot| {
            self.session.expected[slot.index()].is_none() || self.slot_dataset(slot).is_some()
        });
        let still_loading = self.loads.iter().any(Option::is_some);
        if self.session.settling && arrived && !still_loading {
            self.session.settling = false;
            // An opened session's datasets have all arrived: its state is the baseline, except
            // for files the user located elsewhere, which still need saving.
            self.session.expected = [None, None, None];
            let mut baseline = self.snapshot();
            for slot in Slot::ALL {
                if self.session.relocated[slot.index()] {
                    *baseline.dataset_mut(slot) = None;
                }
            }
            self.session.relocated = [false, false, false];
            self.session.baseline = Some(baseline);
        }
        let snapshot = self.snapshot();
        match &self.session.baseline {
            Some(b) => {
                let dirty = self.session.force_dirty || *b != snapshot;
                self.session.dirty = dirty;
            }
            None => {
                // An untitled session starts clean; opening data in it is not an edit.
                self.session.baseline = Some(snapshot);
                self.session.dirty = false;
            }
        }
        let title = format!(
            "{}{} - Sextant",
            self.session.name(),
            if self.session.dirty { " *" } else { "" }
        );
        if title != self.session.shown_title {
            ctx.send_viewport_cmd(egui::ViewportCommand::Title(title.clone()));
            self.session.shown_title = title;
        }
        if ctx.input(|i| i.viewport().close_requested())
            && self.session.dirty
            && !self.session.allow_close
        {
            ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
            self.session.unsaved_prompt = Some(AfterSave::Quit);
        }
        let due = self
            .session
            .last_autosave
            .is_none_or(|t| t.elapsed() >= AUTOSAVE_EVERY);
        // An offered recovery copy stays on disk until the user has answered; while an opened
        // (or restored) session's datasets are still loading, its snapshot would leave them out.
        if due
            && self.session.recovery.is_some()
            && self.session.recovery_offer.is_none()
            && !(self.session.settling && still_loading)
        {
            self.session.last_autosave = Some(Instant::now());
            self.write_recovery();
        }
        if self.session.recovery.is_some() {
            // Wake up for the next autosave even when nothing else happens.
            ctx.request_repaint_after(AUTOSAVE_EVERY);
        }
    }

    /// Untitled data opened into a clean untitled session keeps it clean.
    pub fn on_dataset_installed(&mut self, slot: Slot) {
        if let Some(entry) = self.session.expected[slot.index()].clone()
            && let Some(ds) = self.slot_dataset(slot)
            && let Some(message) = changed_since_saved(&entry, ds, slot)
        {
            self.session.changed.push(message);
        }
        if self.session.path.is_none() && !self.session.dirty {
            self.session.baseline = None;
        }
    }

    /// Save to the session's file, or ask where when it has none.
    pub fn save_session(&mut self) {
        match self.session.path.clone() {
            Some(path) => {
                self.save_session_to(path);
            }
            None => self.open_file_dialog(DialogPurpose::SaveSession),
        }
    }

    /// Write the session to `path`; on success it becomes the session's file. A failure says
    /// why and changes nothing.
    pub fn save_session_to(&mut self, path: PathBuf) -> bool {
        let path = with_extension(path, session::EXTENSION);
        let previous = self.session.path.replace(path.clone());
        let snapshot = self.snapshot();
        match session::write(&path, &snapshot) {
            Ok(()) => {
                self.session.baseline = Some(snapshot);
                self.session.dirty = false;
                self.session.force_dirty = false;
                self.prefs.remember_session(path.clone());
                self.status_info(format!("Saved {}", path.display()));
                self.remove_recovery();
                if let Some(next) = self.session.after_save.take() {
                    self.continue_after_save(next);
                }
                true
            }
            Err(e) => {
                self.session.path = previous;
                self.session.after_save = None;
                self.status_error(e.to_string());
                false
            }
        }
    }

    /// Run `next`, first asking to save unsaved changes.
    pub fn guard_unsaved(&mut self, next: AfterSave) {
        if self.session.dirty {
            self.session.unsaved_prompt = Some(next);
        } else {
            self.continue_after_save(next);
        }
    }

    /// The user answered the unsaved-changes question.
    pub fn answer_unsaved(&mut self, save: Option<bool>) {
        let Some(next) = self.session.unsaved_prompt.take() else {
            return;
        };
        match save {
            None => {}
            Some(false) => {
                self.remove_recovery();
                self.session.dirty = false;
                self.session.force_dirty = false;
                self.session.allow_close = matches!(next, AfterSave::Quit);
                self.continue_after_save(next);
            }
            Some(true) => match self.session.path.clone() {
                Some(path) => {
                    if self.save_session_to(path) {
                        self.continue_after_save(next);
                    }
                }
                None => {
                    self.session.after_save = Some(next);
                    self.open_file_dialog(DialogPurpose::SaveSession);
                }
            },
        }
    }

    fn continue_after_save(&mut self, next: AfterSave) {
        match next {
            AfterSave::Quit => {
                self.session.allow_close = true;
                self.push(Command::Quit);
            }
            AfterSave::OpenSessionDialog => self.open_file_dialog(DialogPurpose::OpenSession),
            AfterSave::OpenSession(path) => self.read_session_file(&path),
            AfterSave::NewSession => {
                self.datasets = [None, None];
                self.experiment_log = None;
                self.restore_settings(&Session::default());
                self.session.path = None;
                self.session.baseline = None;
                self.session.force_dirty = false;
                self.session.notes = Notes::default();
                self.session.expected = [None, None, None];
            }
        }
    }

    /// Parse a session file and show what it names; nothing else is read yet.
    pub fn read_session_file(&mut self, path: &Path) {
        match session::read(path) {
            Ok(s) => {
                let datasets = named_datasets(&s, path);
                let model = named_model(&s, path);
                self.session.opening = Some(Opening {
                    path: path.to_path_buf(),
                    session: s,
                    datasets,
                    model,
                });
            }
            Err(e) => self.status_error(e.to_string()),
        }
    }

    /// The user located a dataset of the session being opened.
    pub fn locate_dataset(&mut self, slot: Slot, path: PathBuf) {
        if let Some(opening) = &mut self.session.opening
            && let Some(d) = opening.datasets.iter_mut().find(|d| d.slot == slot)
        {
            d.exists = crate::data::many::source_exists(&path);
            d.path = path;
            self.session.relocated[slot.index()] = true;
        }
    }

    /// The user confirmed the session being opened: take its settings and load its files.
    pub fn open_session_datasets(&mut self) {
        let Some(opening) = self.session.opening.take() else {
            return;
        };
        self.restore_settings(&opening.session);
        // The model path as it resolves from the session's folder.
        self.compression.settings.model_path = opening.model.as_ref().map(|(p, _)| p.clone());
        self.datasets = [None, None];
        self.experiment_log = None;
        for job in self.loads.iter_mut() {
            *job = None;
        }
        self.session.path = Some(opening.path.clone());
        self.session.changed.clear();
        self.session.expected = [None, None, None];
        self.prefs.remember_session(opening.path.clone());
        for d in &opening.datasets {
            if d.exists {
                self.session.expected[d.slot.index()] = opening.session.dataset(d.slot).cloned();
                self.session.settling = true;
                self.push(Command::Load(d.slot, d.path.clone()));
            }
        }
        let missing: Vec<String> = opening
            .datasets
            .iter()
            .filter(|d| !d.exists)
            .map(|d| d.path.display().to_string())
            .collect();
        // Until the files are in, the baseline is the file as saved.
        self.session.baseline = Some(opening.session.clone());
        if missing.is_empty() {
            self.status_info(format!("Opened session {}", opening.path.display()));
        } else {
            self.status_error(format!(
                "Opened session {} without {}, which could not be found",
                opening.path.display(),
                missing.join(" and ")
            ));
        }
    }

    /// Start keeping this window's recovery copy in `dir`, and offer back what windows that
    /// are gone left there.
    pub fn start_recovery(&mut self, dir: &Path) {
        match RecoveryStore::open(dir) {
            Ok(store) => {
                self.session.recovery = Some(store);
                self.offer_next_recovery();
            }
            Err(e) => self.status_error(format!(
                "Unsaved work is not protected against a crash: the recovery folder {} could not be used: {e}",
                dir.display()
            )),
        }
    }

    /// Offer the newest orphaned recovery copy, if there is one (held until answered).
    fn offer_next_recovery(&mut self) {
        loop {
            let Some(store) = &self.session.recovery else {
                return;
            };
            let Some(claim) = store.claim_newest_orphan() else {
                return;
            };
            match session::read(&claim.copy_path()) {
                Ok(s) => {
                    let more = store.orphan_count();
                    let age = claim
                        .modified()
                        .elapsed()
                        .map_or_else(|_| "recently".into(), age_text);
                    self.session.recovery_offer = Some(RecoveryOffer {
                        session: s,
                        origin: claim.origin(),
                        age,
                        more,
                        claim,
                    });
                    return;
                }
                Err(e) => {
                    // A recovery copy that cannot be read helps no one; say so once and drop it.
                    self.status_error(format!("An unreadable recovery copy was discarded: {e}"));
                    claim.remove();
                }
            }
        }
    }

    /// Write this window's recovery copy when there are unsaved changes; remove it when there
    /// are none.
    pub fn write_recovery(&mut self) {
        let Some(store) = &self.session.recovery else {
            return;
        };
        if !self.session.dirty {
            store.remove_own();
            return;
        }
        let (file, origin) = (store.copy_path(), store.origin_path());
        let origin_text = self
            .session
            .path
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        let result = session::write(&file, &self.snapshot())
            .and_then(|()| session::write_text(&origin, &origin_text));
        if let Err(e) = result {
            self.status_error(format!("The recovery copy could not be written: {e}"));
        }
    }

    /// Remove this window's recovery copy (never another window's).
    pub fn remove_recovery(&mut self) {
        if let Some(store) = &self.session.recovery {
            store.remove_own();
        }
    }

    /// The window closes: let go of its recovery files (a copy written for the next start
    /// stays).
    pub fn end_recovery(&mut self) {
        if let Some(store) = self.session.recovery.take() {
            store.close();
        }
    }

    /// The user answered the recovery offer.
    pub fn answer_recovery(&mut self, restore: bool) {
        let Some(offer) = self.session.recovery_offer.take() else {
            return;
        };
        if !restore {
            offer.claim.remove();
            self.offer_next_recovery();
            return;
        }
        // The restored state becomes this window's own recovery copy at once (the next
        // autosave waits for its datasets to load), so a crash now still loses nothing.
        if let Some(store) = &self.session.recovery {
            let origin = offer.origin.as_ref().map(|p| p.display().to_string());
            let moved = std::fs::rename(offer.claim.copy_path(), store.copy_path())
                .map_err(|e| e.to_string())
                .and_then(|()| {
                    session::write_text(&store.origin_path(), &origin.unwrap_or_default())
                        .map_err(|e| e.to_string())
                });
            match moved {
                Ok(()) => offer.claim.remove(),
                // Left where it was, unclaimed: offered again at the next start.
                Err(_) => drop(offer.claim),
            }
        }
        let origin = offer.origin.clone();
        // The recovered state opens like a session file (paths shown first), then keeps its
        // origin's name and counts as unsaved.
        let path = origin
            .clone()
            .unwrap_or_else(|| PathBuf::from("recovered.sextant"));
        let datasets = named_datasets(&offer.session, &path);
        let model = named_model(&offer.session, &path);
        self.session.opening = Some(Opening {
            path,
            session: offer.session,
            datasets,
            model,
        });
        self.open_session_datasets();
        self.session.path = origin;
        // Unsaved until the user saves it.
        self.session.force_dirty = true;
        if offer.more > 0 {
            // Offering the next one now could replace what was just restored.
            let (copies, them) = match offer.more {
                1 => ("copy is", "it"),
                _ => ("copies are", "them"),
            };
            let kept = format!(
                "{} more recovery {copies} kept; Sextant offers {them} when it starts next",
                offer.more
            );
            match &mut self.status {
                Some(status) => status.text = format!("{}. {kept}", status.text),
                None => self.status_info(kept),
            }
        }
    }

    /// A proposed file name for a save dialog.
    pub fn proposed_file_name(&self, purpose: DialogPurpose) -> Option<String> {
        let stem = self.session.path.as_deref().map_or_else(
            || {
                self.dataset(Side::Current)
                    .or(self.dataset(Side::Reference))
                    .map_or_else(
                        || "analysis".into(),
                        |d| {
                            Path::new(&d.name())
                                .file_stem()
                                .map_or("analysis".into(), |s| s.to_string_lossy().into_owned())
                        },
                    )
            },
            session::display_name,
        );
        match purpose {
            DialogPurpose::SaveSession => Some(format!("{stem}.sextant")),
            DialogPurpose::ExportHtml => Some(format!("{stem}-report.html")),
            DialogPurpose::ExportJson => Some(format!("{stem}-report.json")),
            DialogPurpose::ExportPng => {
                Some(format!("{stem}-{}.png", self.tab.title().to_lowercase()))
            }
            DialogPurpose::ExportModel => self.compression.export_file_name(),
            _ => None,
        }
    }
}

/// `path` with `ext` appended when it has another extension or none.
fn with_extension(path: PathBuf, ext: &str) -> PathBuf {
    if path.extension().and_then(|e| e.to_str()) == Some(ext) {
        path
    } else {
        let mut s = path.into_os_string();
        s.push(".");
        s.push(ext);
        PathBuf::from(s)
    }
}

fn age_text(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..=89 => "a minute ago".into(),
        90..=5399 => format!("{} minutes ago", (s + 30) / 60),
        5400..=129_599 => format!("{} hours ago", (s + 1800) / 3600),
        _ => format!("{} days ago", (s + 43_200) / 86_400),
    }
}

//! The application state the window draws, and the commands that change it.

use std::path::PathBuf;
use std::sync::Arc;

use crate::data::{DataError, Dataset, LoadOptions, RoleMap};
use crate::jobs::{Job, Poll};
use crate::vocab::Waker;
use crate::vocab::{Renames, Side, Slot};

use super::command::Command;
use super::export_state::ExportState;
use super::file_dialog::{DialogOutcome, DialogPurpose, NativeDialog, PathPrompt};
use super::prefs::{Prefs, ThemeChoice};
use super::session_state::SessionState;
pub use super::status::{Status, StatusKind};
pub use super::tab::Tab;
use super::views;

/// Everything the window shows. Drawn by `ui`, changed only by `apply`.
pub struct App {
    /// Training, then production: the compared pair every analysis but the experiment reads.
    pub datasets: [Option<Arc<Dataset>>; 2],
    /// The experiment (A/B or rollout) log of the Experiments tab.
    pub experiment_log: Option<Arc<Dataset>>,
    pub roles: RoleMap,
    pub selected_column: Option<String>,
    pub tab: Tab,
    pub prefs: Prefs,
    pub status: Option<Status>,
    /// Warnings of the loaded files, shown under the status bar's message on demand.
    pub warnings: Vec<String>,
    /// Files loading, by slot.
    pub loads: [Option<Job<Result<Dataset, DataError>>>; 3],
    pub overview: views::overview::OverviewState,
    pub drift: views::drift::DriftView,
    pub integrity: views::integrity::IntegrityState,
    /// Accepted renames: every view compares the renamed production column with its training
    /// name.
    pub renames: Renames,
    pub seasonality: views::seasonality::SeasonalityState,
    pub health: views::health::HealthState,
    pub compression: views::compression::CompressionState,
    pub experiments: views::experiments::ExperimentsState,
    pub retraining: views::retraining::RetrainingState,
    pub column_filter: String,
    pub about_open: bool,
    /// Dropped files waiting for the user to say which side they are.
    pub pending_drop: Vec<PathBuf>,
    pub native_dialog: Option<NativeDialog>,
    pub path_prompt: Option<PathPrompt>,
    /// Use the system's file dialogs (off in tests: Sextant's own prompt is used).
    pub native_dialogs: bool,
    /// The session file, unsaved changes, opening and recovery.
    pub session: SessionState,
    pub export: ExportState,
    pub(super) commands: Vec<Command>,
    pub(super) waker: Option<Waker>,
    pub(super) applied_theme: Option<ThemeChoice>,
}

impl App {
    pub fn new(prefs: Prefs) -> Self {
        Self {
            datasets: [None, None],
            experiment_log: None,
            roles: RoleMap::default(),
            selected_column: None,
            tab: Tab::default(),
            prefs,
            status: None,
            warnings: Vec::new(),
            loads: [None, None, None],
            overview: Default::default(),
            drift: Default::default(),
            integrity: Default::default(),
            renames: Renames::new(),
            seasonality: Default::default(),
            health: Default::default(),
            compression: Default::default(),
            experiments: Default::default(),
            retraining: Default::default(),
            column_filter: String::new(),
            about_open: false,
            pending_drop: Vec::new(),
            native_dialog: None,
            path_prompt: None,
            native_dialogs: true,
            session: SessionState::default(),
            export: ExportState::default(),
            commands: Vec::new(),
            waker: None,
            applied_theme: None,
        }
    }

    /// An app showing already loaded datasets (tests, and anything that loads synchronously).
    pub fn with_datasets(reference: Option<Dataset>, current: Option<Dataset>) -> Self {
        let mut app = Self::new(Prefs::default());
        for (side, ds) in Side::BOTH.into_iter().zip([reference, current]) {
            if let Some(ds) = ds {
                app.install(side.into(), ds);
            }
        }
        app
    }

    /// Background jobs wake the window through the context.
    pub fn set_waker(&mut self, ctx: &egui::Context) {
        let ctx = ctx.clone();
        self.waker = Some(Arc::new(move || ctx.request_repaint()));
    }

    /// The waker background jobs use to repaint the window.
    pub fn waker(&self) -> Option<Waker> {
        self.waker.clone()
    }

    /// The training name of a production column: itself, or its accepted rename's old name.
    pub fn reference_name<'n>(&'n self, current: &'n str) -> &'n str {
        self.renames.reference_name(current)
    }

    pub fn push(&mut self, command: Command) {
        self.commands.push(command);
    }

    pub fn dataset(&self, side: Side) -> Option<&Dataset> {
        self.datasets[side.index()].as_deref()
    }

    /// The dataset in a slot: a side of the comparison, or the experiment log.
    pub fn slot_dataset(&self, slot: Slot) -> Option<&Dataset> {
        match slot.side() {
            Some(side) => self.dataset(side),
            None => self.experiment_log.as_deref(),
        }
    }

    /// Whether any background work is running.
    pub fn is_busy(&self) -> bool {
        self.loads.iter().any(Option::is_some)
            || !self.commands.is_empty()
            || self.drift.is_busy()
            || self.seasonality.result.is_running()
            || self.integrity.report.is_running()
            || self.export.job.is_some()
            || self.health.report.is_running()
            || self.health.feedback.is_running()
            || self.compression.is_busy()
            || self.experiments.is_busy()
            || self.retraining.outcome.is_running()
    }

    pub fn status_info(&mut self, text: impl Into<String>) {
        self.status = Some(Status {
            kind: StatusKind::Info,
            text: text.into(),
        });
    }

    pub fn status_error(&mut self, text: impl Into<String>) {
        self.status = Some(Status {
            kind: StatusKind::Error,
            text: text.into(),
        });
    }

    pub(super) fn start_load(&mut self, slot: Slot, path: PathBuf) {
        let label = format!("Loading {}", crate::data::load::file_name(&path));
        let job_path = path.clone();
        match Job::spawn(label, self.waker.clone(), move |p| {
            let ds = Dataset::load(&job_path, &LoadOptions::default(), p)?;
            // Read the fingerprint here, so that saving a session never waits for it.
            p.set(None, "Fingerprinting");
            let _ = ds.fingerprint();
            Ok(ds)
        }) {
            // Replacing a running job drops it, which cancels it.
            Ok(job) => self.loads[slot.index()] = Some(job),
            Err(e) => self.status_error(format!("{} could not be loaded: {e}", path.display())),
        }
    }

    pub(super) fn poll_loads(&mut self) {
        for slot in Slot::ALL {
            let load = &mut self.loads[slot.index()];
            let Some(job) = load else {
                continue;
            };
            match job.poll() {
                Poll::Running => {}
                Poll::Done(result) => {
                    *load = None;
                    match result {
                        Ok(ds) => {
                            self.prefs.remember(ds.path.clone(), slot);
                            self.status_info(format!(
                                "Opened {} as {}: {} rows × {} columns",
                                ds.name(),
                                slot.label().to_lowercase(),
                                ds.rows(),
                                ds.columns.len()
                            ));
                            self.install(slot, ds);
                        }
                        // The previous dataset stays: a bad file loses nothing.
                        Err(DataError::Cancelled { .. }) => {
                            self.session.expected[slot.index()] = None;
                        }
                        Err(e) => {
                            self.session.expected[slot.index()] = None;
                            self.status_error(e.to_string());
                        }
                    }
                }
                Poll::Gone => {
                    *load = None;
                    self.status_error("Loading stopped unexpectedly; nothing was changed");
                }
            }
        }
    }

    /// Make a loaded dataset visible in `slot`.
    pub fn install(&mut self, slot: Slot, ds: Dataset) {
        let Some(side) = slot.side() else {
            // The experiment log keeps its own columns and roles: its `group` or `channel`
            // says nothing about the model's features.
            self.experiments.log_installed(&ds);
            self.experiment_log = Some(Arc::new(ds));
            self.refresh_warnings();
            self.on_dataset_installed(slot);
            return;
        };
        self.roles.add_inferred(&ds.columns);
        if self.selected_column.is_none() {
            // Start on the first feature: ids and timestamps are rarely what one looks at first.
            self.selected_column = ds
                .columns
                .iter()
                .find(|c| self.roles.get(&c.name) == crate::vocab::Role::Feature)
                .or(ds.columns.first())
                .map(|c| c.name.clone());
        }
        self.datasets[side.index()] = Some(Arc::new(ds));
        self.refresh_warnings();
        self.on_dataset_installed(slot);
    }

    pub(super) fn refresh_warnings(&mut self) {
        self.warnings = self
            .datasets
            .iter()
            .chain(std::iter::once(&self.experiment_log))
            .flatten()
            .flat_map(|d| d.warnings.iter().cloned())
            .collect();
        if let Some(first) = self.warnings.first()
            && self
                .status
                .as_ref()
                .is_none_or(|s| s.kind != StatusKind::Error)
        {
            self.status = Some(Status {
                kind: StatusKind::Warning,
                text: if self.warnings.len() > 1 {
                    format!("{first} (and {} more warnings)", self.warnings.len() - 1)
                } else {
                    first.clone()
                },
            });
        }
    }

    /// Ask for a file for `purpose`: the native dialog, or Sextant's own prompt where there is
    /// none.
    pub fn open_file_dialog(&mut self, purpose: DialogPurpose) {
        if self.native_dialog.is_some() || self.path_prompt.is_some() {
            return;
        }
        let start = match purpose {
            DialogPurpose::OpenData(slot)
            | DialogPurpose::LocateData(slot)
            | DialogPurpose::OpenFolder(slot) => self
                .slot_dataset(slot)
                .and_then(|d| d.path.parent().map(PathBuf::from)),
            _ => self
                .session
                .path
                .as_ref()
                .and_then(|p| p.parent().map(PathBuf::from)),
        };
        let file_name = self.proposed_file_name(purpose);
        let waker = self.waker.clone();
        self.native_dialog = if self.native_dialogs {
            NativeDialog::open(purpose, start.clone(), file_name.clone(), move || {
                if let Some(w) = &waker {
                    w();
                }
            })
        } else {
            None
        };
        if self.native_dialog.is_none() {
            self.show_path_prompt(purpose, start, file_name);
        }
    }

    pub(super) fn show_path_prompt(
        &mut self,
        purpose: DialogPurpose,
        start: Option<PathBuf>,
        file_name: Option<String>,
    ) {
        let dir = start
            .or_else(|| std::env::current_dir().ok())
            .unwrap_or_else(|| PathBuf::from("."));
        self.path_prompt = Some(PathPrompt::new(purpose, dir, file_name));
    }

    pub(super) fn poll_dialog(&mut self) {
        let Some(dialog) = &self.native_dialog else {
            return;
        };
        let purpose = dialog.purpose;
        match dialog.poll() {
            None => {}
            Some(DialogOutcome::Picked(path)) => {
                self.native_dialog = None;
                self.push(Command::FileChosen(purpose, path));
            }
            Some(DialogOutcome::Cancelled) => self.native_dialog = None,
            Some(DialogOutcome::Unavailable) => {
                self.native_dialog = None;
                self.status_info(
                    "No native file dialog is available here (no desktop portal or zenity); type a path instead",
                );
                let start = std::env::current_dir().ok();
                let file_name = self.proposed_file_name(purpose);
                self.show_path_prompt(purpose, start, file_name);
            }
        }
    }

    /// Decide which side dropped files belong to; ask when the names do not say.
    pub(super) fn assign_dropped(&mut self, mut paths: Vec<PathBuf>) {
        // A dropped ONNX file is a model for the Compression tab, not data.
        if let Some(i) = paths
            .iter()
            .position(|p| views::compression::is_model_file(p))
        {
            self.push(Command::LoadModel(paths.remove(i)));
            if paths.is_empty() {
                return;
            }
        }
        let guessed: Vec<Option<Slot>> = paths.iter().map(|p| Slot::from_file_name(p)).collect();
        let slots: Option<Vec<Slot>> = match guessed.as_slice() {
            [Some(x)] => Some(vec![*x]),
            [Some(x), Some(y)] if x != y => Some(vec![*x, *y]),
            // One side named: the other file is the other side.
            [Some(x), None] => x.side().map(|s| vec![*x, other(s).into()]),
            [None, Some(y)] => y.side().map(|s| vec![other(s).into(), *y]),
            [Some(x), Some(y), Some(z)] if x != y && y != z && x != z => Some(vec![*x, *y, *z]),
            _ => None,
        };
        match (slots, paths.len()) {
            (Some(slots), _) => {
                for (slot, path) in slots.into_iter().zip(paths) {
                    self.push(Command::Load(slot, path));
                }
            }
            (None, 1 | 2) => self.pending_drop = paths,
            (None, n) => self.status_error(format!(
                "{n} files were dropped; drop one file, a training and a production file together, or those two and an experiment log named as such"
            )),
        }
    }

    /// The user answered which slot the first pending dropped file is; the next goes to the
    /// other side (or to training, after an experiment log).
    pub fn resolve_drop(&mut self, first: Option<Slot>) {
        let paths = std::mem::take(&mut self.pending_drop);
        let Some(first) = first else {
            return;
        };
        let order = match first {
            Slot::Reference => [Slot::Reference, Slot::Current, Slot::Experiment],
            Slot::Current => [Slot::Current, Slot::Reference, Slot::Experiment],
            Slot::Experiment => [Slot::Experiment, Slot::Reference, Slot::Current],
        };
        for (slot, p) in order.into_iter().zip(paths) {
            self.push(Command::Load(slot, p));
        }
    }

    /// Names of all columns: training's order first, then columns only in production.
    pub fn all_columns(&self) -> Vec<String> {
        super::view_ctx::all_columns(&self.datasets)
    }
}

fn other(side: Side) -> Side {
    match side {
        Side::Reference => Side::Current,
        Side::Current => Side::Reference,
    }
}

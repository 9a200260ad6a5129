//! The application state the window draws, and the commands that change it.

use std::path::PathBuf;
use std::sync::Arc;

use crate::data::{DataError, Dataset, LoadOptions, RoleMap};
use crate::jobs::{Job, Poll};
use crate::vocab::Waker;
use crate::vocab::{Renames, Side};

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
    pub datasets: [Option<Arc<Dataset>>; 2],
    pub roles: RoleMap,
    pub selected_column: Option<String>,
    pub tab: Tab,
    pub prefs: Prefs,
    pub status: Option<Status>,
    /// Warnings of the loaded files, shown under the status bar's message on demand.
    pub warnings: Vec<String>,
    pub loads: [Option<Job<Result<Dataset, DataError>>>; 2],
    pub overview: views::overview::OverviewState,
    pub drift: views::drift::DriftView,
    pub integrity: views::integrity::IntegrityState,
    /// Accepted renames: every view compares the renamed production column with its training
    /// name.
    pub renames: Renames,
    pub seasonality: views::seasonality::SeasonalityState,
    pub health: views::health::HealthState,
    pub compression: views::compression::CompressionState,
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
            roles: RoleMap::default(),
            selected_column: None,
            tab: Tab::default(),
            prefs,
            status: None,
            warnings: Vec::new(),
            loads: [None, None],
            overview: Default::default(),
            drift: Default::default(),
            integrity: Default::default(),
            renames: Renames::new(),
            seasonality: Default::default(),
            health: Default::default(),
            compression: Default::default(),
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
                app.install(side, ds);
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

    /// Whether any background work is running.
    pub fn is_busy(&self) -> bool {
        self.loads.iter().any(Option::is_some)
            || !self.commands.is_empty()
            || self.drift.is_busy()
            || self.seasonality.result.is_running()
            || self.integrity.report.is_running()
            || self.export.job.is_some()
            || self.health.report.is_running()
            || self.compression.is_busy()
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

    pub(super) fn start_load(&mut self, side: Side, path: PathBuf) {
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
            Ok(job) => self.loads[side.index()] = Some(job),
            Err(e) => self.status_error(format!("{} could not be loaded: {e}", path.display())),
        }
    }

    pub(super) fn poll_loads(&mut self) {
        for side in Side::BOTH {
            let slot = &mut self.loads[side.index()];
            let Some(job) = slot else {
                continue;
            };
            match job.poll() {
                Poll::Running => {}
                Poll::Done(result) => {
                    *slot = None;
                    match result {
                        Ok(ds) => {
                            self.prefs.remember(ds.path.clone(), side);
                            self.status_info(format!(
                                "Opened {} as {}: {} rows × {} columns",
                                ds.name(),
                                side.label().to_lowercase(),
                                ds.rows(),
                                ds.columns.len()
                            ));
                            self.install(side, ds);
                        }
                        // The previous dataset stays: a bad file loses nothing.
                        Err(DataError::Cancelled { .. }) => {
                            self.session.expected[side.index()] = None;
                        }
                        Err(e) => {
                            self.session.expected[side.index()] = None;
                            self.status_error(e.to_string());
                        }
                    }
                }
                Poll::Gone => {
                    *slot = None;
                    self.status_error("Loading stopped unexpectedly; nothing was changed");
                }
            }
        }
    }

    /// Make a loaded dataset visible for `side`.
    pub fn install(&mut self, side: Side, ds: Dataset) {
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
        self.on_dataset_installed(side);
    }

    pub(super) fn refresh_warnings(&mut self) {
        self.warnings = self
            .datasets
            .iter()
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
            DialogPurpose::OpenData(side) | DialogPurpose::LocateData(side) => self
                .dataset(side)
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
        match paths.as_slice() {
            [one] => match Side::from_file_name(one) {
                Some(side) => self.push(Command::Load(side, one.clone())),
                None => self.pending_drop = paths,
            },
            [a, b] => {
                let sides = match (Side::from_file_name(a), Side::from_file_name(b)) {
                    (Some(x), Some(y)) if x != y => Some((x, y)),
                    (Some(x), None) => Some((x, other(x))),
                    (None, Some(y)) => Some((other(y), y)),
                    _ => None,
                };
                match sides {
                    Some((sa, sb)) => {
                        self.push(Command::Load(sa, a.clone()));
                        self.push(Command::Load(sb, b.clone()));
                    }
                    None => self.pending_drop = paths,
                }
            }
            _ => self.status_error(format!(
                "{} files were dropped; drop one file, or a training and a production file together",
                paths.len()
            )),
        }
    }

    /// The user answered which side the first pending dropped file is.
    pub fn resolve_drop(&mut self, first_side: Option<Side>) {
        let paths = std::mem::take(&mut self.pending_drop);
        let Some(side) = first_side else {
            return;
        };
        let mut sides = [side, other(side)].into_iter();
        for p in paths {
            if let Some(s) = sides.next() {
                self.push(Command::Load(s, p));
            }
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

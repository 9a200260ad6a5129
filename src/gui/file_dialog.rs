//! File dialogs. The native dialog (rfd) blocks its thread until the user answers, so it runs
//! on a worker thread. When the machine has no native dialog (no desktop portal and no zenity),
//! rfd answers "nothing chosen" within milliseconds; no person cancels that fast, so a quick
//! empty answer opens Sextant's own path prompt instead of failing silently.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, TryRecvError, sync_channel};
use std::time::{Duration, Instant};

use crate::vocab::Slot;

/// What a file dialog is for; decides its title, filters, open or save, and what the chosen
/// path does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DialogPurpose {
    /// Open a data file for this slot.
    OpenData(Slot),
    /// Open a folder (or, in Sextant's own prompt, a glob) of data files as one dataset.
    OpenFolder(Slot),
    /// Find a session's dataset that is not where the session says.
    LocateData(Slot),
    OpenSession,
    SaveSession,
    ExportHtml,
    ExportJson,
    ExportPng,
    /// Open an ONNX model in the Compression tab.
    OpenModel,
    /// Write the Compression tab's chosen variant as an ONNX file.
    ExportModel,
}

const DATA_EXTENSIONS: &[&str] = &[
    "csv", "tsv", "txt", "parquet", "pq", "arrow", "ipc", "feather", "ndjson", "jsonl", "json",
];

impl DialogPurpose {
    pub fn title(self) -> String {
        match self {
            Self::OpenData(Slot::Experiment) => "Open an experiment log".into(),
            Self::OpenData(slot) => format!("Open {} data", slot.short().to_lowercase()),
            Self::OpenFolder(slot) => format!(
                "Open a folder or glob as {} data",
                slot.short().to_lowercase()
            ),
            Self::LocateData(slot) => format!("Locate the {} file", slot.short().to_lowercase()),
            Self::OpenSession => "Open session".into(),
            Self::SaveSession => "Save session as".into(),
            Self::ExportHtml => "Export report (HTML)".into(),
            Self::ExportJson => "Export report (JSON)".into(),
            Self::ExportPng => "Save view as PNG".into(),
            Self::OpenModel => "Open ONNX model".into(),
            Self::ExportModel => "Export model variant".into(),
        }
    }

    /// The file type's name and extensions.
    pub fn filter(self) -> (&'static str, &'static [&'static str]) {
        match self {
            Self::OpenData(_) | Self::LocateData(_) | Self::OpenFolder(_) => {
                ("Data files", DATA_EXTENSIONS)
            }
            Self::OpenSession | Self::SaveSession => ("Sextant sessions", &["sextant"]),
            Self::ExportHtml => ("HTML report", &["html", "htm"]),
            Self::ExportJson => ("JSON", &["json"]),
            Self::ExportPng => ("PNG image", &["png"]),
            Self::OpenModel | Self::ExportModel => ("ONNX models", &["onnx"]),
        }
    }

    /// Whether the dialog names a file to write.
    pub fn saves(self) -> bool {
        matches!(
            self,
            Self::SaveSession
                | Self::ExportHtml
                | Self::ExportJson
                | Self::ExportPng
                | Self::ExportModel
        )
    }

    /// Whether a path has one of this purpose's extensions.
    pub fn accepts(self, path: &std::path::Path) -> bool {
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        self.filter().1.contains(&ext.as_str())
            || (matches!(self, Self::OpenData(_) | Self::LocateData(_))
                && crate::data::FileFormat::from_extension(path).is_some())
    }
}

/// Faster than any human cancel: the native dialog was not really shown.
const NO_DIALOG_THRESHOLD: Duration = Duration::from_millis(250);

/// A native dialog running on its own thread.
pub struct NativeDialog {
    pub purpose: DialogPurpose,
    rx: Receiver<(Option<PathBuf>, Duration)>,
}

/// How a native dialog ended.
pub enum DialogOutcome {
    Picked(PathBuf),
    Cancelled,
    /// No native dialog could be shown; use the fallback prompt.
    Unavailable,
}

impl NativeDialog {
    /// Open the native dialog for `purpose`, starting in `start_dir`, proposing `file_name` when
    /// saving.
    pub fn open(
        purpose: DialogPurpose,
        start_dir: Option<PathBuf>,
        file_name: Option<String>,
        wake: impl Fn() + Send + 'static,
    ) -> Option<Self> {
        let (tx, rx) = sync_channel(1);
        std::thread::Builder::new()
            .name("file dialog".into())
            .spawn(move || {
                let started = Instant::now();
                let (name, extensions) = purpose.filter();
                let mut dialog = rfd::FileDialog::new()
                    .set_title(purpose.title())
                    .add_filter(name, extensions)
                    .add_filter("All files", &["*"]);
                if let Some(dir) = start_dir {
                    dialog = dialog.set_directory(dir);
                }
                if let Some(file_name) = file_name {
                    dialog = dialog.set_file_name(file_name);
                }
                let picked = if purpose.saves() {
                    dialog.save_file()
                } else if matches!(purpose, DialogPurpose::OpenFolder(_)) {
                    dialog.pick_folder()
                } else {
                    dialog.pick_file()
                };
                let _ = tx.send((picked, started.elapsed()));
                wake();
            })
            .ok()?;
        Some(Self { purpose, rx })
    }

    /// The outcome once the dialog has closed.
    pub fn poll(&self) -> Option<DialogOutcome> {
        match self.rx.try_recv() {
            Ok((Some(path), _)) => Some(DialogOutcome::Picked(path)),
            Ok((None, elapsed)) if elapsed < NO_DIALOG_THRESHOLD => {
                Some(DialogOutcome::Unavailable)
            }
            Ok((None, _)) => Some(DialogOutcome::Cancelled),
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => Some(DialogOutcome::Unavailable),
        }
    }
}

/// Sextant's own file prompt: a path field and the files of one folder.
pub struct PathPrompt {
    pub purpose: DialogPurpose,
    pub text: String,
    pub dir: PathBuf,
    pub entries: Vec<(String, bool)>,
    pub error: Option<String>,
    /// Put the cursor in the path field on the first frame.
    pub focus: bool,
}

impl PathPrompt {
    /// A prompt in `dir`; when saving, the path field starts with `file_name` in that folder.
    pub fn new(purpose: DialogPurpose, dir: PathBuf, file_name: Option<String>) -> Self {
        let text = file_name
            .map(|n| dir.join(n).display().to_string())
            .unwrap_or_default();
        let mut p = Self {
            purpose,
            text,
            dir,
            entries: Vec::new(),
            error: None,
            focus: true,
        };
        p.list();
        p
    }

    /// Read the folder's entries: folders first, then data files, each sorted by name.
    pub fn list(&mut self) {
        self.entries.clear();
        match std::fs::read_dir(&self.dir) {
            Ok(rd) => {
                for e in rd.flatten() {
                    let name = e.file_name().to_string_lossy().into_owned();
                    if name.starts_with('.') {
                        continue;
                    }
                    let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
                    if is_dir || self.purpose.accepts(&e.path()) {
                        self.entries.push((name, is_dir));
                    }
                }
                self.entries
                    .sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                self.error = None;
            }
            Err(e) => self.error = Some(format!("{} cannot be listed: {e}", self.dir.display())),
        }
    }

    /// Enter a sub-folder (or `..`).
    pub fn enter(&mut self, name: &str) {
        self.dir = if name == ".." {
            self.dir
                .parent()
                .map(PathBuf::from)
                .unwrap_or_else(|| self.dir.clone())
        } else {
            self.dir.join(name)
        };
        self.list();
    }
}

//! File dialogs. The native dialog (rfd) blocks its thread until the user answers, so it runs
//! on a worker thread. When the machine has no native dialog (no desktop portal and no zenity),
//! rfd answers "nothing chosen" within milliseconds; no person cancels that fast, so a quick
//! empty answer opens Sextant's own path prompt instead of failing silently.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, TryRecvError, sync_channel};
use std::time::{Duration, Instant};

use crate::data::Side;

/// Faster than any human cancel: the native dialog was not really shown.
const NO_DIALOG_THRESHOLD: Duration = Duration::from_millis(250);

/// A native dialog running on its own thread.
pub struct NativeDialog {
    pub side: Side,
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
    /// Open the native dialog for `side`, starting in `start_dir`.
    pub fn open(
        side: Side,
        start_dir: Option<PathBuf>,
        wake: impl Fn() + Send + 'static,
    ) -> Option<Self> {
        let (tx, rx) = sync_channel(1);
        std::thread::Builder::new()
            .name("file dialog".into())
            .spawn(move || {
                let started = Instant::now();
                let mut dialog = rfd::FileDialog::new()
                    .set_title(format!("Open {} data", side.label()))
                    .add_filter(
                        "Data files",
                        &[
                            "csv", "tsv", "txt", "parquet", "pq", "arrow", "ipc", "feather",
                            "ndjson", "jsonl", "json",
                        ],
                    )
                    .add_filter("All files", &["*"]);
                if let Some(dir) = start_dir {
                    dialog = dialog.set_directory(dir);
                }
                let picked = dialog.pick_file();
                let _ = tx.send((picked, started.elapsed()));
                wake();
            })
            .ok()?;
        Some(Self { side, rx })
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

/// Sextant's own "open file" prompt: a path field and the files of one folder.
pub struct PathPrompt {
    pub side: Side,
    pub text: String,
    pub dir: PathBuf,
    pub entries: Vec<(String, bool)>,
    pub error: Option<String>,
}

impl PathPrompt {
    pub fn new(side: Side, dir: PathBuf) -> Self {
        let mut p = Self {
            side,
            text: String::new(),
            dir,
            entries: Vec::new(),
            error: None,
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
                    let is_data = crate::data::FileFormat::from_extension(&e.path()).is_some();
                    if is_dir || is_data {
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

//! Session bookkeeping the app holds (where the session is saved, unsaved changes, the open and
//! recovery flows in progress). Plain data in its own file, so that the app can hold it while
//! the session flows in `session.rs` extend the app.

use std::path::PathBuf;
use std::time::Instant;

use super::recovery::{Claimed, RecoveryStore};
use crate::session::open::NamedDataset;
use crate::session::{self, DatasetRef, Notes, Session};

/// What to do once the user has answered the unsaved-changes question (and saved, if asked).
#[derive(Debug, Clone, PartialEq)]
pub enum AfterSave {
    Quit,
    /// Show the dialog to open another session.
    OpenSessionDialog,
    /// Open this session file.
    OpenSession(PathBuf),
    /// Start an empty session.
    NewSession,
}

/// A session being opened: its datasets are listed for the user before any is read.
pub struct Opening {
    pub path: PathBuf,
    pub session: Session,
    pub datasets: Vec<NamedDataset>,
    /// The model of the Compression tab, and whether it is there.
    pub model: Option<(PathBuf, bool)>,
}

/// A recovery copy found at start, left by a window that is gone; held (locked) by this window
/// until the user answers.
pub struct RecoveryOffer {
    pub session: Session,
    pub origin: Option<PathBuf>,
    /// When it was written, as the file's age in words.
    pub age: String,
    /// Other orphaned copies, offered one by one after this one is declined.
    pub more: usize,
    pub claim: Claimed,
}

/// Session bookkeeping held by the app.
#[derive(Default)]
pub struct SessionState {
    /// Where the session is saved (`None`: untitled).
    pub path: Option<PathBuf>,
    /// The snapshot when last saved or opened.
    pub baseline: Option<Session>,
    pub notes: Notes,
    /// Whether the state differs from the baseline (updated every frame).
    pub dirty: bool,
    /// Unsaved whatever the baseline says (a restored recovery copy), until saved.
    pub force_dirty: bool,
    pub opening: Option<Opening>,
    /// The question "save changes?" and what follows it.
    pub unsaved_prompt: Option<AfterSave>,
    /// What to do after the next successful "save as".
    pub after_save: Option<AfterSave>,
    /// Datasets of an opened session still loading, with their saved entries: compared when
    /// they arrive, and the baseline retaken once all have.
    pub expected: [Option<DatasetRef>; 3],
    /// An opened session's datasets are loading; the baseline is retaken when they are in.
    pub settling: bool,
    /// Slots whose file the user located anew (the session must be saved to remember it).
    pub relocated: [bool; 3],
    /// Files that changed since the session was saved, shown before the results.
    pub changed: Vec<String>,
    pub recovery_offer: Option<RecoveryOffer>,
    /// This window's recovery copy, held locked (`None`: no recovery, as in tests and
    /// screenshots).
    pub recovery: Option<RecoveryStore>,
    pub last_autosave: Option<Instant>,
    /// The user chose to close without saving: the window may close.
    pub allow_close: bool,
    /// The title last sent to the window.
    pub shown_title: String,
}

impl SessionState {
    /// The session's name for titles and questions.
    pub fn name(&self) -> String {
        self.path
            .as_deref()
            .map_or_else(|| "Untitled session".into(), session::display_name)
    }
}

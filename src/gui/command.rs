//! Commands: what UI code asks for. They are applied after the frame by [`super::app::App`],
//! so drawing code never mutates shared state mid-frame.

use std::path::PathBuf;

use crate::vocab::{Role, Slot};

use super::file_dialog::DialogPurpose;
use super::prefs::ThemeChoice;
use super::tab::Tab;

#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Show a file dialog for this purpose.
    OpenDialog(DialogPurpose),
    /// A file dialog answered with this path.
    FileChosen(DialogPurpose, PathBuf),
    /// Load this file into this slot (replacing what is there once it has loaded).
    Load(Slot, PathBuf),
    /// Files dropped on the window, to be assigned to sides.
    Dropped(Vec<PathBuf>),
    /// Stop loading a slot; what was loaded before stays.
    CancelLoad(Slot),
    /// Close a slot's dataset.
    Close(Slot),
    /// Select a column in every view.
    SelectColumn(String),
    /// Change a column's role (applies to both datasets).
    SetRole(String, Role),
    SetTab(Tab),
    /// Compare production's column (first) with training's (second) in every view.
    AcceptRename(String, String),
    /// Forget the rename of this production column.
    UndoRename(String),
    SetTheme(ThemeChoice),
    /// Save the session to its file (or ask where).
    SaveSession,
    /// Ask where to save the session.
    SaveSessionAs,
    /// Open a session: ask which (after the unsaved-changes question).
    OpenSession,
    /// Open this session file (after the unsaved-changes question).
    OpenSessionPath(PathBuf),
    /// Start an empty session (after the unsaved-changes question).
    NewSession,
    /// The user confirmed the session being opened: load its files.
    ConfirmOpenSession,
    CancelOpenSession,
    /// Save, don't save (`Some(false)`) or cancel (`None`) at the unsaved-changes question.
    AnswerUnsaved(Option<bool>),
    /// Restore the recovery copy, or discard it.
    AnswerRecovery(bool),
    /// The user has read which files changed since the session was saved.
    DismissChanged,
    /// Ask where to write a report or a PNG.
    Export(DialogPurpose),
    /// Stop the running export.
    CancelExport,
    ShowAbout(bool),
    ClearRecent,
    ClearRecentSessions,
    /// Show a file dialog to open an ONNX model (Compression tab).
    OpenModelDialog,
    /// Open this ONNX model in the Compression tab.
    LoadModel(PathBuf),
    Quit,
}

//! Commands: what UI code asks for. They are applied after the frame by [`super::app::App`],
//! so drawing code never mutates shared state mid-frame.

use std::path::PathBuf;

use crate::data::{Role, Side};

use super::app::Tab;
use super::prefs::ThemeChoice;

#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Show a file dialog to open a file for this side.
    OpenDialog(Side),
    /// Load this file for this side (replacing what is there once it has loaded).
    Load(Side, PathBuf),
    /// Files dropped on the window, to be assigned to sides.
    Dropped(Vec<PathBuf>),
    /// Stop loading a side; what was loaded before stays.
    CancelLoad(Side),
    /// Close a side's dataset.
    Close(Side),
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
    ShowAbout(bool),
    ClearRecent,
    /// Show a file dialog to open an ONNX model (Compression tab).
    OpenModelDialog,
    /// Open this ONNX model in the Compression tab.
    LoadModel(PathBuf),
    Quit,
}

//! Exports in flight, held by the app; the export flows in `export.rs` extend the app.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use crate::jobs::Job;

/// A captured PNG: where it was saved and the image, or why not.
pub type PngResult = Result<(PathBuf, egui::ColorImage), String>;

/// Exports in flight.
#[derive(Default)]
pub struct ExportState {
    /// The report or model being computed and written: its path and size when done.
    pub job: Option<Job<Result<(PathBuf, usize), String>>>,
    /// What the running job writes, for its messages ("report", "model").
    pub what: &'static str,
    /// Draw every tested column's distributions in the report, not only the drifted ones.
    pub all_columns: bool,
    /// Print each file's absolute path in the report (off: file name and fingerprint only).
    pub include_paths: bool,
    /// The PNG being captured, filled in by the screenshot callback.
    pub png: Arc<Mutex<Option<PngResult>>>,
    /// Where the central area was drawn in the last frame (the part a PNG shows).
    pub view_rect: Option<egui::Rect>,
}

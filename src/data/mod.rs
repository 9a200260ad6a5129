//! The data layer: files in, columns out. Loading never panics on a bad file; every failure
//! becomes a [`DataError`] whose message names the file and the cause.

pub mod csv_sniff;
pub mod error;
pub mod fingerprint;
pub mod format;
pub mod load;
pub mod many;
pub mod role;
pub mod series;
pub mod summary;
pub mod write;

use std::path::{Path, PathBuf};

use polars::prelude::DataFrame;

pub use error::DataError;
pub use format::FileFormat;
pub use load::LoadOptions;
pub use role::RoleMap;
pub use summary::ColumnSummary;

use crate::vocab::{ColumnKind, Progress};

/// A loaded file: the frame and its column summaries.
pub struct Dataset {
    /// Unique per load in this process: views key their background results on it, so a
    /// reloaded file (same path, new content) is recomputed.
    pub load_id: u64,
    pub path: PathBuf,
    pub format: FileFormat,
    pub file_bytes: u64,
    pub frame: DataFrame,
    pub columns: Vec<ColumnSummary>,
    /// Things worth knowing that did not stop the load (an all-null column, mixed types).
    pub warnings: Vec<String>,
    /// For a folder or glob opened as one dataset: its files, what their metadata said before
    /// any value was read, and the schema unification's notes. `None` for one file.
    pub parts: Option<many::Parts>,
    /// The file's content fingerprint, computed on first use (see [`Dataset::fingerprint`]).
    fingerprint: std::sync::OnceLock<Option<String>>,
}

impl Dataset {
    /// Load and summarise a file. Runs on the calling thread; the GUI calls it from a job.
    pub fn load(
        path: &Path,
        options: &LoadOptions,
        progress: &Progress,
    ) -> Result<Self, DataError> {
        if many::is_many(path) {
            return Self::load_many(path, options, progress);
        }
        let raw = load::read_frame(path, options, progress)?;
        let mut ds = Self::from_frame_with(path.to_path_buf(), raw.frame, options.light, progress)?;
        ds.format = raw.format;
        ds.file_bytes = raw.file_bytes;
        Ok(ds)
    }

    /// Load a folder or glob as one dataset (see [`many`]): the paths and footers first, then
    /// each file, then one frame with the partition columns.
    fn load_many(
        path: &Path,
        options: &LoadOptions,
        progress: &Progress,
    ) -> Result<Self, DataError> {
        progress.set(Some(0.0), format!("Listing {}", path.display()));
        let set = many::resolve(path, progress)?;
        let metadata = many::metadata(&set);
        let rows = metadata
            .footer_rows
            .map(|r| format!(", {r} rows by the footers"))
            .unwrap_or_default();
        progress.set(
            Some(0.1),
            format!("{} files{rows}; reading", metadata.files),
        );
        let read = many::read_set(&set, options, progress)?;
        let mut ds =
            Self::from_frame_with(path.to_path_buf(), read.frame, options.light, progress)?;
        ds.format = set.format;
        ds.file_bytes = metadata.bytes;
        ds.warnings.extend(read.warnings);
        ds.parts = Some(many::Parts {
            set,
            metadata,
            notes: read.notes,
        });
        Ok(ds)
    }

    /// A dataset from a frame already in memory (generated data, benchmarks): summarised and
    /// given roles like a loaded file; `path` names it in messages.
    pub fn from_frame(
        path: PathBuf,
        frame: DataFrame,
        progress: &Progress,
    ) -> Result<Self, DataError> {
        Self::from_frame_with(path, frame, false, progress)
    }

    /// `light`: types, kinds, null counts and roles only (see `LoadOptions::light`).
    fn from_frame_with(
        path: PathBuf,
        frame: DataFrame,
        light: bool,
        progress: &Progress,
    ) -> Result<Self, DataError> {
        progress.set(Some(0.0), format!("Summarising {}", load::file_name(&path)));
        let mut columns: Vec<ColumnSummary> = if light {
            frame
                .columns()
                .iter()
                .map(|c| summary::summarize_light(c.as_materialized_series()))
                .collect()
        } else {
            summary::summarize_frame(&frame, progress)
                .map_err(|_| DataError::Cancelled { path: path.clone() })?
        };
        let roles = role::infer_roles(&columns);
        for (c, role) in columns.iter_mut().zip(roles) {
            c.role = role;
        }
        let warnings = warnings_for(&path, &columns);
        static NEXT_LOAD_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        Ok(Self {
            load_id: NEXT_LOAD_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            path,
            format: FileFormat::Parquet,
            file_bytes: 0,
            frame,
            columns,
            warnings,
            parts: None,
            fingerprint: std::sync::OnceLock::new(),
        })
    }

    /// The file's content fingerprint ([`fingerprint::of_file`]), read once and remembered;
    /// `None` for data that came from no file or a file that can no longer be read. The GUI
    /// asks for it in the loading job, so the window never waits for it.
    pub fn fingerprint(&self) -> Option<&str> {
        self.fingerprint
            .get_or_init(|| match &self.parts {
                Some(parts) => many::fingerprint(&parts.set).ok(),
                None => fingerprint::of_file(&self.path).ok(),
            })
            .as_deref()
    }

    pub fn rows(&self) -> usize {
        self.frame.height()
    }

    /// Memory held by the frame, in bytes.
    pub fn memory_bytes(&self) -> usize {
        self.frame.estimated_size()
    }

    /// The file name, for titles and lists.
    pub fn name(&self) -> String {
        // A glob's file part alone (`part-*.parquet`) would hide which folders it spans.
        if let Some(parts) = &self.parts
            && !self.path.is_dir()
        {
            let base = parts.set.root.parent().unwrap_or(Path::new(""));
            return self
                .path
                .strip_prefix(base)
                .unwrap_or(&self.path)
                .display()
                .to_string();
        }
        load::file_name(&self.path)
    }

    pub fn column(&self, name: &str) -> Option<&ColumnSummary> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The earliest and latest value of a datetime column, in microseconds since the epoch.
    pub fn time_range(&self, column: &str) -> Option<(i64, i64)> {
        let c = self.column(column)?;
        (c.kind == ColumnKind::Datetime).then_some(())?;
        Some((c.min? as i64, c.max? as i64))
    }
}

fn warnings_for(path: &Path, columns: &[ColumnSummary]) -> Vec<String> {
    let file = load::file_name(path);
    let mut out = Vec::new();
    for c in columns {
        if c.rows > 0 && c.nulls == c.rows {
            out.push(format!(
                "{file}: column \"{}\" is empty in every row",
                c.name
            ));
        }
        if let Some(m) = &c.mixed {
            out.push(format!(
                "{file}: column \"{}\" mixes numbers and text ({} of {} values are not numbers, e.g. \"{}\"); it is treated as text",
                c.name,
                m.non_numeric,
                m.numeric + m.non_numeric,
                m.example
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab::Side;

    #[test]
    fn side_from_file_names() {
        assert_eq!(
            Side::from_file_name(Path::new("credit_training.parquet")),
            Some(Side::Reference)
        );
        assert_eq!(
            Side::from_file_name(Path::new("/x/production_2025.csv")),
            Some(Side::Current)
        );
        assert_eq!(Side::from_file_name(Path::new("data.csv")), None);
    }
}

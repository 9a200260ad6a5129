//! Errors of the data layer. Every message is one sentence that names the file and the cause,
//! because it is shown as-is in the GUI's status bar and on the CLI's stderr.

use std::path::{Path, PathBuf};

use super::format::FileFormat;

/// Why a file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error("{} does not exist", show(path))]
    NotFound { path: PathBuf },

    #[error("{} cannot be read: {source}", show(path))]
    Unreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{} is a directory, not a data file", show(path))]
    IsDirectory { path: PathBuf },

    #[error(
        "{} is not a regular file (a pipe, socket or device); Sextant reads data from regular files only",
        show(path)
    )]
    NotRegular { path: PathBuf },

    #[error(
        "{} is nested {depth} levels deep at line {line}; Sextant reads NDJSON nested at most {limit} levels",
        show(path)
    )]
    TooDeep {
        path: PathBuf,
        line: usize,
        depth: usize,
        limit: usize,
    },

    #[error("{} is empty (0 bytes)", show(path))]
    Empty { path: PathBuf },

    #[error("{} has a header but no data rows", show(path))]
    HeaderOnly { path: PathBuf },

    #[error("{} has columns but no rows", show(path))]
    NoRows { path: PathBuf },

    #[error(
        "{} is not a CSV, Parquet, Arrow IPC or NDJSON file: neither its extension nor its first bytes match one",
        show(path)
    )]
    UnknownFormat { path: PathBuf },

    #[error(
        "{} has ragged rows: line {line} has {found} fields where the header has {expected}",
        show(path)
    )]
    Ragged {
        path: PathBuf,
        line: usize,
        found: usize,
        expected: usize,
    },

    #[error(
        "{} is not valid UTF-8 text (first bad byte at line {line}); save it as UTF-8 and open it again",
        show(path)
    )]
    InvalidUtf8 { path: PathBuf, line: usize },

    #[error(
        "{} has the column name \"{name}\" more than once; column names must be unique",
        show(path)
    )]
    DuplicateColumn { path: PathBuf, name: String },

    #[error(
        "{} is too large to load: about {} needed but only {} of memory is available",
        show(path),
        crate::format::fmt_bytes(*needed_bytes),
        crate::format::fmt_bytes(*available_bytes)
    )]
    TooLarge {
        path: PathBuf,
        needed_bytes: u64,
        available_bytes: u64,
    },

    #[error("{} could not be read as {format}: {message}", show(path))]
    Parse {
        path: PathBuf,
        format: FileFormat,
        message: String,
    },

    #[error("{} could not be written: {message}", show(path))]
    Write { path: PathBuf, message: String },

    /// A folder or glob opened as one dataset, or one of its files, that does not make one
    /// (see [`super::many`]); `message` starts with a verb: "matches no file".
    #[error("{} {message}", show(path))]
    Set { path: PathBuf, message: String },

    #[error("loading {} was cancelled", show(path))]
    Cancelled { path: PathBuf },
}

fn show(path: &Path) -> String {
    path.display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_file() {
        let e = DataError::Empty {
            path: PathBuf::from("/data/train.csv"),
        };
        assert_eq!(e.to_string(), "/data/train.csv is empty (0 bytes)");
    }
}

//! Session files: an analysis saved as versioned RON (`*.sextant`) and reopened exactly.
//!
//! A session holds what the user chose — the datasets (with size and content fingerprint),
//! roles, accepted renames, every view's settings, the active tab, notes — and never results:
//! those are recomputed on open. Reading a session only parses text: it runs nothing and writes
//! nothing, and the paths it names are shown to the user before any of them is read.
//!
//! Versions. [`FORMAT_VERSION`] is the version this build writes. [`read`] looks at the
//! `version` field first: a newer version is refused with a clear message, the current one is
//! parsed with [`v1::Session`], and an older one would be parsed with its own frozen schema and
//! migrated one step at a time (`migrate.rs`, once a version 2 exists). A fixture of every
//! released version lives in `tests/sessions/` and is loaded by the tests forever, so a change
//! to a settings type that breaks an old file fails CI. Fields added to a settings struct carry
//! `#[serde(default)]`, so adding a setting never needs a new version; renaming or re-typing one
//! does.

pub mod analyses;
pub mod checks;
pub mod open;
pub mod paths;
pub mod v1;

use std::path::{Path, PathBuf};

use serde::Deserialize;

pub use v1::{DatasetRef, Layout, Notes, Session, Views};

/// The session format this build writes.
pub const FORMAT_VERSION: u32 = 1;
/// The extension of session files.
pub const EXTENSION: &str = "sextant";

/// Why a session could not be read or written. Each message is one sentence naming the file.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("{} could not be read: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{} is not a regular file (a directory, pipe or device); a session is a .sextant file",
        path.display()
    )]
    NotRegular { path: PathBuf },
    #[error(
        "{} is {} bytes; a Sextant session is settings text of at most {} bytes, so this is not one",
        path.display(),
        bytes,
        MAX_SESSION_BYTES
    )]
    TooLarge { path: PathBuf, bytes: u64 },
    #[error("{} is empty; it is not a Sextant session", path.display())]
    Empty { path: PathBuf },
    #[error("{} is not a Sextant session: it is not text (a data file, perhaps?)", path.display())]
    NotText { path: PathBuf },
    #[error("{} is not a valid Sextant session: {message} at line {line}, column {column}", path.display())]
    Parse {
        path: PathBuf,
        message: String,
        line: usize,
        column: usize,
    },
    #[error(
        "{} was saved by a newer Sextant (session format {found}; this version reads formats 1 to {supported}); update Sextant to open it",
        path.display()
    )]
    Newer {
        path: PathBuf,
        found: u32,
        supported: u32,
    },
    #[error("{} has session format {found}, which no Sextant version wrote", path.display())]
    UnknownVersion { path: PathBuf, found: u32 },
    #[error("{} holds an out-of-range {view} setting: {message}", path.display())]
    OutOfRange {
        path: PathBuf,
        view: &'static str,
        message: String,
    },
    #[error("{} could not be saved: {message}; the previous file is unchanged", path.display())]
    Write { path: PathBuf, message: String },
}

/// The largest session file read. A session holds choices, not data (paths, roles, renames,
/// settings, notes): real ones are a few kilobytes. A bigger file is refused before it is read,
/// so a data file or a device opened by mistake cannot fill memory.
pub const MAX_SESSION_BYTES: u64 = 16 * 1024 * 1024;

/// Only the version, read before anything else so that the right schema parses the rest.
#[derive(Deserialize)]
#[serde(rename = "Session")]
struct Header {
    version: u32,
}

/// Read and parse a session file (see [`parse`]).
pub fn read(path: &Path) -> Result<Session, SessionError> {
    let p = || path.to_path_buf();
    let meta =
        std::fs::metadata(path).map_err(|source| SessionError::Read { path: p(), source })?;
    // A FIFO or device would block or never end: only regular files are read.
    if !meta.is_file() {
        return Err(SessionError::NotRegular { path: p() });
    }
    if meta.len() > MAX_SESSION_BYTES {
        return Err(SessionError::TooLarge {
            path: p(),
            bytes: meta.len(),
        });
    }
    // `take` bounds the read even if the file grows after the size was looked up.
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    std::io::Read::read_to_end(
        &mut std::io::Read::take(
            std::fs::File::open(path).map_err(|source| SessionError::Read { path: p(), source })?,
            MAX_SESSION_BYTES + 1,
        ),
        &mut bytes,
    )
    .map_err(|source| SessionError::Read { path: p(), source })?;
    if bytes.len() as u64 > MAX_SESSION_BYTES {
        return Err(SessionError::TooLarge {
            path: p(),
            bytes: bytes.len() as u64,
        });
    }
    let text = String::from_utf8(bytes).map_err(|_| SessionError::NotText { path: p() })?;
    parse(&text, path)
}

/// Parse session text: check its version, parse it with that version's schema, migrate it to the
/// current one. `path` names the file in messages.
pub fn parse(text: &str, path: &Path) -> Result<Session, SessionError> {
    if text.trim().is_empty() {
        return Err(SessionError::Empty {
            path: path.to_path_buf(),
        });
    }
    let header: Header = ron::from_str(text).map_err(|e| parse_error(path, &e))?;
    match header.version {
        v if v > FORMAT_VERSION => Err(SessionError::Newer {
            path: path.to_path_buf(),
            found: v,
            supported: FORMAT_VERSION,
        }),
        1 => {
            let session = ron::from_str::<v1::Session>(text).map_err(|e| parse_error(path, &e))?;
            // Refused rather than clamped: a session reopens exactly, or not at all.
            check_ranges(&session).map_err(|(view, message)| SessionError::OutOfRange {
                path: path.to_path_buf(),
                view,
                message,
            })?;
            Ok(session)
        }
        found => Err(SessionError::UnknownVersion {
            path: path.to_path_buf(),
            found,
        }),
    }
}

/// Every number of the session's settings inside its documented range
/// ([`crate::engine::ranges`]): the view and the sentence of the first one outside.
pub fn check_ranges(session: &Session) -> Result<(), (&'static str, String)> {
    let v = &session.views;
    let s = |view: &'static str| move |e: crate::engine::ranges::RangeError| (view, e.to_string());
    v.drift.validate().map_err(s("drift"))?;
    v.integrity
        .validate()
        .map_err(|e| ("integrity", e.to_string()))?;
    v.seasonality.validate().map_err(s("seasonality"))?;
    v.health.validate().map_err(s("health"))?;
    v.compression.validate().map_err(s("compression"))?;
    v.experiment.ab.validate().map_err(s("A/B test"))?;
    v.experiment.rollout.validate().map_err(s("rollout"))?;
    v.retraining.validate().map_err(s("retraining"))?;
    if let Some(serving) = &v.serving {
        serving.validate().map_err(s("serving"))?;
    }
    Ok(())
}

fn parse_error(path: &Path, e: &ron::error::SpannedError) -> SessionError {
    SessionError::Parse {
        path: path.to_path_buf(),
        message: match e.code {
            // ron's own text names its API; the user needs the cause.
            ron::Error::ExceededRecursionLimit => {
                "it is nested deeper than the 128 levels a session can have".to_string()
            }
            ref code => code.to_string(),
        },
        line: e.span.start.line,
        column: e.span.start.col,
    }
}

/// The text of a session: pretty RON, stable field order, readable in a diff.
pub fn to_text(session: &Session) -> String {
    let config = ron::ser::PrettyConfig::new()
        .depth_limit(6)
        .struct_names(true)
        .indentor("  ".to_string());
    // Serialising plain data structs into a String cannot fail.
    ron::ser::to_string_pretty(session, config).unwrap_or_default() + "\n"
}

/// Write a session atomically: a temporary file in the same folder, flushed and synced, then
/// renamed over the target. A failure leaves the previous file as it was.
pub fn write(path: &Path, session: &Session) -> Result<(), SessionError> {
    write_text(path, &to_text(session))
}

/// Write text atomically (also used for the recovery copy and for exports).
pub fn write_text(path: &Path, text: &str) -> Result<(), SessionError> {
    use std::io::Write;
    crate::data::write::write_atomically(path, |file| {
        file.write_all(text.as_bytes()).map_err(|e| e.to_string())
    })
    .map_err(|e| SessionError::Write {
        path: path.to_path_buf(),
        message: match e {
            crate::data::DataError::Write { message, .. } => message,
            other => other.to_string(),
        },
    })
}

/// The file name of a session path without its extension, for the title bar.
pub fn display_name(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Session {
        let mut s = Session::default();
        s.datasets.reference = Some(DatasetRef {
            path: PathBuf::from("data/train.parquet"),
            bytes: 1234,
            fingerprint: Some("xxh3:0123456789abcdef".into()),
        });
        s.renames.add("num_open_accounts", "open_accounts");
        s.views.drift.threshold = Some(0.2);
        s.views.seasonality.periods = vec![7, 365];
        s.layout.tab = "drift".into();
        s.layout.selected_column = Some("income".into());
        s.notes.session = "Weekly check \"Q4\"\nsecond line".into();
        s.notes
            .columns
            .insert("income".into(), "shift expected".into());
        s
    }

    #[test]
    fn round_trip_is_exact() {
        let s = sample();
        let text = to_text(&s);
        let back = parse(&text, Path::new("s.sextant")).expect("parse");
        assert_eq!(back, s);
        assert!(text.starts_with("Session("), "{text}");
        assert!(text.contains("version: 1"));
    }

    #[test]
    fn newer_version_is_refused_by_name() {
        let text = to_text(&sample()).replace("version: 1", "version: 7");
        let e = parse(&text, Path::new("x.sextant")).expect_err("newer");
        let msg = e.to_string();
        assert!(matches!(e, SessionError::Newer { found: 7, .. }), "{msg}");
        assert!(msg.contains("x.sextant") && msg.contains("newer"), "{msg}");
    }

    #[test]
    fn version_zero_is_unknown() {
        let text = to_text(&sample()).replace("version: 1", "version: 0");
        assert!(matches!(
            parse(&text, Path::new("x.sextant")),
            Err(SessionError::UnknownVersion { found: 0, .. })
        ));
    }

    #[test]
    fn corrupt_text_names_line_and_column() {
        let text = to_text(&sample()).replacen("threshold: Some(0.2)", "threshold: Some(0.2", 1);
        let line = text
            .lines()
            .position(|l| l.contains("threshold: Some(0.2"))
            .expect("line")
            + 1;
        let e = parse(&text, Path::new("bad.sextant")).expect_err("corrupt");
        match &e {
            SessionError::Parse {
                line: l, column, ..
            } => {
                assert!(*l >= line, "error at {l}, edit at {line}: {e}");
                assert!(*column >= 1);
            }
            other => panic!("expected a parse error, got {other}"),
        }
        assert!(e.to_string().contains("bad.sextant"));
    }

    #[test]
    fn truncated_and_empty_files_are_errors() {
        let text = to_text(&sample());
        let half = &text[..text.len() / 2];
        assert!(matches!(
            parse(half, Path::new("t.sextant")),
            Err(SessionError::Parse { .. })
        ));
        assert!(matches!(
            parse("  \n", Path::new("t.sextant")),
            Err(SessionError::Empty { .. })
        ));
        assert!(matches!(
            parse("not ron at all", Path::new("t.sextant")),
            Err(SessionError::Parse { .. })
        ));
    }

    #[test]
    fn a_binary_file_is_not_a_session() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("data.sextant");
        std::fs::write(&path, [0x50, 0x41, 0x52, 0x31, 0xff, 0xfe, 0x00]).expect("write");
        let e = read(&path).expect_err("binary");
        assert!(matches!(e, SessionError::NotText { .. }), "{e}");
        assert!(e.to_string().contains("not text"), "{e}");
    }

    #[test]
    fn missing_fields_take_defaults() {
        // A minimal hand-written session: everything else defaults.
        let s = parse("(version: 1)", Path::new("m.sextant")).expect("parse");
        assert_eq!(s.version, 1);
        assert_eq!(s.views, Views::default());
    }

    #[test]
    fn failed_write_keeps_the_previous_file() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("a.sextant");
        write(&path, &sample()).expect("first save");
        let before = std::fs::read_to_string(&path).expect("read");
        // A write that fails half-way (as on a full disk) must not touch the file.
        let r = crate::data::write::write_atomically(&path, |f| {
            use std::io::Write;
            f.write_all(b"(version: 1, datas")
                .map_err(|e| e.to_string())?;
            Err("No space left on device".into())
        });
        assert!(r.is_err());
        assert_eq!(std::fs::read_to_string(&path).expect("read"), before);
        assert_eq!(std::fs::read_dir(dir.path()).expect("ls").count(), 1);
        // Saving into a folder that does not exist says so.
        let e = write(&dir.path().join("no/such/dir/b.sextant"), &sample()).expect_err("no dir");
        assert!(e.to_string().contains("could not be saved"), "{e}");
    }
}

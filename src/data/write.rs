//! Writing frames to disk, atomically: a temporary file in the same folder, flushed, then
//! renamed over the target, so a crash or a full disk never leaves half a file behind.
//!
//! The temporary file is hidden (`.NAME.tmp-PID-N` next to `NAME`), so a file manager or a
//! glob for `*.html` does not show it, and it is locked for as long as it is being written.
//! A process killed mid-write (kill -9, power loss) leaves it behind; the next write to the
//! same destination removes every such leftover whose lock is free, and leaves alone the one
//! another live process is still writing (a pid alone could not tell: pids are reused).

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use polars::prelude::*;

use super::error::DataError;
use super::format::FileFormat;

/// Write `frame` to `path` in the format its extension names.
pub fn write_frame(frame: &mut DataFrame, path: &Path) -> Result<(), DataError> {
    let format = FileFormat::from_extension(path).ok_or_else(|| DataError::Write {
        path: path.to_path_buf(),
        message: "the extension names no format Sextant writes (csv, parquet, arrow, ndjson)"
            .into(),
    })?;
    write_atomically(path, |file| {
        match format {
            FileFormat::Csv => CsvWriter::new(file).finish(frame),
            FileFormat::Parquet => ParquetWriter::new(file)
                .with_compression(ParquetCompression::Zstd(None))
                .finish(frame)
                .map(|_| ()),
            FileFormat::Ipc => IpcWriter::new(file).finish(frame),
            FileFormat::Ndjson => JsonWriter::new(file)
                .with_json_format(JsonFormat::JsonLines)
                .finish(frame),
        }
        .map_err(|e| e.to_string())
    })
}

/// Run `write` against a hidden temporary file next to `path`, then move it into place.
pub fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut File) -> Result<(), String>,
) -> Result<(), DataError> {
    let err = |message: String| DataError::Write {
        path: path.to_path_buf(),
        message,
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .ok_or_else(|| err("the path has no file name".into()))?;
    let prefix = temp_prefix(&name.to_string_lossy());
    remove_stale_temps(dir, &prefix);
    let (tmp, mut file) = create_locked_temp(dir, &prefix).map_err(|e| err(e.to_string()))?;
    let result = (|| {
        write(&mut file)?;
        file.flush().map_err(|e| e.to_string())?;
        file.sync_all().map_err(|e| e.to_string())?;
        std::fs::rename(&tmp, path).map_err(|e| e.to_string())?;
        sync_dir(dir);
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    // The lock goes with the handle, after the rename: a leftover is never taken for stale
    // while it is still being written.
    drop(file);
    result.map_err(err)
}

/// Remove what killed writes to `path` left beside it (for a destination that will not be
/// written again, such as a recovery copy once it is restored or declined).
pub fn remove_stale_temporaries(path: &Path) {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if let Some(name) = path.file_name() {
        remove_stale_temps(dir, &temp_prefix(&name.to_string_lossy()));
    }
}

/// The start of the temporary names for a destination called `name`.
fn temp_prefix(name: &str) -> String {
    format!(".{name}.tmp-")
}

/// A new temporary file `PREFIX PID-N`, exclusively locked.
fn create_locked_temp(dir: &Path, prefix: &str) -> std::io::Result<(std::path::PathBuf, File)> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let mut last = None;
    // A cleaner in another process may remove the file between its creation and its lock;
    // then the lock is on a file no longer there, and a fresh name is tried.
    for _ in 0..4 {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let tmp = dir.join(format!("{prefix}{}-{n}", std::process::id()));
        let file = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        file.lock()?;
        if same_file(&file, &tmp) {
            return Ok((tmp, file));
        }
        last = Some(tmp);
    }
    Err(std::io::Error::other(format!(
        "the temporary file {} kept disappearing",
        last.map(|p| p.display().to_string()).unwrap_or_default()
    )))
}

/// Remove the temporary files a killed write to the same destination left in `dir`. Those
/// another process is writing now are locked and stay.
fn remove_stale_temps(dir: &Path, prefix: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if !entry.file_name().to_string_lossy().starts_with(prefix) {
            continue;
        }
        let path = entry.path();
        let Ok(file) = OpenOptions::new().read(true).write(true).open(&path) else {
            continue;
        };
        // Locked (WouldBlock): a live writer. Free: its writer is gone.
        if file.try_lock().is_ok() && same_file(&file, &path) {
            let _ = std::fs::remove_file(&path);
        }
    }
}

/// Whether `path` still names the file `handle` has open (a lock on a file since removed or
/// replaced guards nothing).
pub(crate) fn same_file(handle: &File, path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (handle.metadata(), std::fs::metadata(path)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = handle;
        path.exists()
    }
}

/// Make the rename itself durable (on Unix a folder is synced like a file; elsewhere the
/// rename is as durable as the system makes it).
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_write_leaves_no_file() {
        let dir = tempfile::tempdir().expect("tmp");
        let target = dir.path().join("out.csv");
        let r = write_atomically(&target, |_| Err("disk full".into()));
        assert!(r.is_err());
        assert!(!target.exists());
        assert_eq!(std::fs::read_dir(dir.path()).expect("ls").count(), 0);
    }

    #[test]
    fn a_killed_writes_leftover_is_removed_by_the_next_write_but_a_live_one_stays() {
        let dir = tempfile::tempdir().expect("tmp");
        let target = dir.path().join("report.html");
        // What a write killed midway leaves: a hidden, unlocked temporary file.
        let stale = dir.path().join(".report.html.tmp-999999-0");
        std::fs::write(&stale, "half a rep").expect("write");
        // One being written now by someone else: locked through its own open file.
        let live = dir.path().join(".report.html.tmp-999998-0");
        let live_file = File::create(&live).expect("create");
        live_file.lock().expect("lock");
        // Another destination's leftover is not this write's business.
        let other = dir.path().join(".other.html.tmp-999999-0");
        std::fs::write(&other, "x").expect("write");

        write_atomically(&target, |f| {
            f.write_all(b"<html></html>").map_err(|e| e.to_string())
        })
        .expect("write");
        assert_eq!(std::fs::read(&target).expect("read"), b"<html></html>");
        assert!(
            !stale.exists(),
            "the killed write's leftover is still there"
        );
        assert!(live.exists(), "a file another writer holds was removed");
        assert!(other.exists());
        drop(live_file);
    }
}

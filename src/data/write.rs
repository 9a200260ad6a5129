//! Writing frames to disk, atomically: a temporary file in the same folder, flushed, then
//! renamed over the target, so a crash or a full disk never leaves half a file behind.

use std::fs::File;
use std::io::Write;
use std::path::Path;

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

/// Run `write` against a temporary file next to `path`, then move it into place.
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
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| {
        let mut file = File::create(&tmp).map_err(|e| e.to_string())?;
        write(&mut file)?;
        file.flush().map_err(|e| e.to_string())?;
        file.sync_all().map_err(|e| e.to_string())?;
        std::fs::rename(&tmp, path).map_err(|e| e.to_string())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(err)
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
}

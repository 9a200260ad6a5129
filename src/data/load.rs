//! Reading a file into a polars frame: format detection, CSV dialect sniffing, a memory check,
//! datetime parsing of string columns, and translation of every failure into one sentence.

use std::fs::File;
use std::io::Read;
use std::num::NonZeroUsize;
use std::path::Path;

use polars::prelude::*;

use super::csv_sniff::{self, SniffProblem};
use super::error::DataError;
use super::format::FileFormat;
use crate::vocab::Progress;
use crate::vocab::time::parse_iso;

/// Bytes read from the start of a file to detect its format and CSV dialect.
const HEAD_BYTES: usize = 256 * 1024;
/// Rows used to infer CSV/NDJSON column types before falling back to a full scan.
const INFER_ROWS: usize = 10_000;
/// Tokens read as missing values in CSV files (NaN stays a float NaN: it is a value, not a gap).
pub const NULL_TOKENS: &[&str] = &[
    "", "NA", "N/A", "n/a", "na", "null", "NULL", "Null", "None", "none", "nil", "#N/A", "?",
];

/// Options for loading a file.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Memory available for the loaded frame; `None` reads it from the operating system.
    pub memory_available: Option<u64>,
    /// Skip the per-column statistics (distinct values, range, histogram): only types, kinds,
    /// null counts and roles. For headless commands that do not show them.
    pub light: bool,
}

/// A frame read from disk with what was learned on the way.
pub struct RawFrame {
    pub format: FileFormat,
    pub file_bytes: u64,
    pub frame: DataFrame,
}

/// Read `path` into a frame. Long work checks `progress` for cancellation between stages.
pub fn read_frame(
    path: &Path,
    options: &LoadOptions,
    progress: &Progress,
) -> Result<RawFrame, DataError> {
    let p = || path.to_path_buf();
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => DataError::NotFound { path: p() },
        _ => DataError::Unreadable {
            path: p(),
            source: e,
        },
    })?;
    if meta.is_dir() {
        return Err(DataError::IsDirectory { path: p() });
    }
    // A FIFO, socket or device (/dev/zero) has no size and may never end: reading it could
    // hang or fill memory, so only regular files are read.
    if !meta.is_file() {
        return Err(DataError::NotRegular { path: p() });
    }
    let file_bytes = meta.len();
    if file_bytes == 0 {
        return Err(DataError::Empty { path: p() });
    }
    let head = read_head(path).map_err(|e| DataError::Unreadable {
        path: p(),
        source: e,
    })?;
    let truncated = (head.len() as u64) < file_bytes;
    let format = FileFormat::from_extension(path)
        .or_else(|| FileFormat::sniff(&head))
        .ok_or_else(|| DataError::UnknownFormat { path: p() })?;

    check_memory(path, format, file_bytes, options)?;
    let cancelled = || DataError::Cancelled { path: p() };
    progress.check().map_err(|_| cancelled())?;
    progress.set(None, format!("Reading {}", file_name(path)));

    let read = || match format {
        FileFormat::Csv => read_csv(path, &head, truncated),
        FileFormat::Parquet => read_parquet(path, &head, file_bytes, options),
        FileFormat::Ipc => {
            check_magic(path, format, &head, b"ARROW1")?;
            let file = open(path)?;
            IpcReader::new(file)
                .finish()
                .map_err(|e| parse_error(path, format, &e))
        }
        FileFormat::Ndjson => read_ndjson(path, &head),
    };
    // The checks above and in each reader refuse the malformed files we know of before polars
    // sees them; a damaged file that still makes polars panic must not take the program (or the
    // window) down with it, so the panic becomes one sentence naming the file.
    let mut frame =
        quiet_polars_panics(|| std::panic::catch_unwind(std::panic::AssertUnwindSafe(read)))
            .map_err(|panic| DataError::Parse {
                path: p(),
                format,
                message: format!(
                    "the reader failed on its content ({}); the file is probably damaged",
                    panic_text(panic.as_ref())
                ),
            })??;
    progress.check().map_err(|_| cancelled())?;

    if frame.width() == 0 {
        return Err(DataError::Empty { path: p() });
    }
    if frame.height() == 0 {
        return Err(match format {
            FileFormat::Csv => DataError::HeaderOnly { path: p() },
            _ => DataError::NoRows { path: p() },
        });
    }
    progress.set(None, format!("Parsing dates in {}", file_name(path)));
    parse_datetime_strings(&mut frame);
    Ok(RawFrame {
        format,
        file_bytes,
        frame,
    })
}

/// Loads in progress that turn a polars panic into a sentence (see [`quiet_polars_panics`]).
static GUARDED_LOADS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Run `f` with polars' panics kept off stderr: a load catches them and says what failed in one
/// sentence, so the default report (several lines, on whichever polars thread panicked) would
/// only bury it. The hook is installed once and chained to the one before it; it stays silent
/// only for panics raised in polars' code while a guarded load runs, and reports every other
/// panic as before.
pub(crate) fn quiet_polars_panics<T>(f: impl FnOnce() -> T) -> T {
    use std::sync::atomic::Ordering;
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let in_polars = info
                .location()
                .is_some_and(|l| l.file().contains("/polars"));
            if !(in_polars && GUARDED_LOADS.load(Ordering::SeqCst) > 0) {
                previous(info);
            }
        }));
    });
    struct Guard;
    impl Drop for Guard {
        fn drop(&mut self) {
            GUARDED_LOADS.fetch_sub(1, Ordering::SeqCst);
        }
    }
    GUARDED_LOADS.fetch_add(1, Ordering::SeqCst);
    let _guard = Guard;
    f()
}

/// The message of a caught panic, as far as it is text.
pub(crate) fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    let text = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".to_string());
    text.lines().next().unwrap_or_default().trim().to_string()
}

/// The last component of a path, for short messages.
pub fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

fn open(path: &Path) -> Result<File, DataError> {
    File::open(path).map_err(|e| DataError::Unreadable {
        path: path.to_path_buf(),
        source: e,
    })
}

fn read_head(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(HEAD_BYTES);
    File::open(path)?
        .take(HEAD_BYTES as u64)
        .read_to_end(&mut head)?;
    Ok(head)
}

fn check_magic(
    path: &Path,
    format: FileFormat,
    head: &[u8],
    magic: &[u8],
) -> Result<(), DataError> {
    if head.starts_with(magic) {
        Ok(())
    } else {
        Err(DataError::Parse {
            path: path.to_path_buf(),
            format,
            message: format!(
                "it does not start with the {format} signature \"{}\" (wrong extension or a damaged file)",
                String::from_utf8_lossy(magic)
            ),
        })
    }
}

/// Refuse files that cannot fit in memory before trying, so the machine does not swap or the
/// process get killed. Compressed formats expand; CSV shrinks a little when parsed.
fn check_memory(
    path: &Path,
    format: FileFormat,
    file_bytes: u64,
    options: &LoadOptions,
) -> Result<(), DataError> {
    let Some(available) = options.memory_available.or_else(available_memory) else {
        return Ok(());
    };
    let expansion = match format {
        FileFormat::Csv | FileFormat::Ndjson => 1.0,
        FileFormat::Ipc => 1.0,
        FileFormat::Parquet => 3.0,
    };
    let needed = (file_bytes as f64 * expansion) as u64;
    if needed > available {
        return Err(DataError::TooLarge {
            path: path.to_path_buf(),
            needed_bytes: needed,
            available_bytes: available,
        });
    }
    Ok(())
}

/// `MemAvailable` from /proc/meminfo (Linux); `None` elsewhere.
pub(crate) fn available_memory() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

fn read_csv(path: &Path, head: &[u8], truncated: bool) -> Result<DataFrame, DataError> {
    let p = || path.to_path_buf();
    check_text(path, FileFormat::Csv, head)?;
    let dialect = csv_sniff::sniff(head, truncated).map_err(|problem| match problem {
        SniffProblem::Ragged {
            line,
            found,
            expected,
        } => DataError::Ragged {
            path: p(),
            line,
            found,
            expected,
        },
        SniffProblem::InvalidUtf8 { line } => DataError::InvalidUtf8 { path: p(), line },
        SniffProblem::DuplicateColumn(name) => DataError::DuplicateColumn { path: p(), name },
        SniffProblem::HeaderOnly => DataError::HeaderOnly { path: p() },
        SniffProblem::Blank => DataError::Empty { path: p() },
    })?;
    if let Some(line) =
        quote_left_open_at_end(path, dialect.delimiter).map_err(|e| DataError::Unreadable {
            path: p(),
            source: e,
        })?
    {
        return Err(DataError::Parse {
            path: p(),
            format: FileFormat::Csv,
            message: format!(
                "the quote that opens the last field (line {line}) is never closed; the file is probably cut short"
            ),
        });
    }
    let attempt = |infer: Option<usize>| {
        let nulls = NullValues::AllColumns(NULL_TOKENS.iter().map(|t| (*t).into()).collect());
        CsvReadOptions::default()
            .with_has_header(dialect.has_header)
            .with_infer_schema_length(infer)
            .map_parse_options(|o| {
                o.with_separator(dialect.delimiter)
                    .with_null_values(Some(nulls.clone()))
                    .with_missing_is_null(true)
                    .with_try_parse_dates(true)
            })
            .try_into_reader_with_file_path(Some(path.to_path_buf()))
            .and_then(|r| r.finish())
    };
    match attempt(Some(INFER_ROWS)) {
        Ok(df) => Ok(df),
        // A type that changes after the inferred prefix (ints, then a float): infer from all rows.
        Err(e) if e.to_string().contains("could not parse") => {
            attempt(None).map_err(|e| parse_error(path, FileFormat::Csv, &e))
        }
        Err(e) => Err(parse_error(path, FileFormat::Csv, &e)),
    }
}

/// Parquet stores runs of equal values in a few bytes (RLE, dictionaries, compression), so a
/// small file can decode to gigabytes: the footer's row and column counts bound the decoded
/// size before any page is read, and a file that would not fit is refused.
fn read_parquet(
    path: &Path,
    head: &[u8],
    file_bytes: u64,
    options: &LoadOptions,
) -> Result<DataFrame, DataError> {
    let format = FileFormat::Parquet;
    check_magic(path, format, head, b"PAR1")?;
    if file_bytes < 12 {
        return Err(DataError::Parse {
            path: path.to_path_buf(),
            format,
            message: "it is too short to hold a Parquet footer (truncated?)".into(),
        });
    }
    let mut reader = ParquetReader::new(open(path)?);
    let meta = reader
        .get_metadata()
        .map_err(|e| parse_error(path, format, &e))?
        .clone();
    if let Some(available) = options.memory_available.or_else(available_memory) {
        let columns = meta.schema().columns().len() as u64;
        // The file's row count and its row groups' may disagree in a damaged footer; the
        // reader sizes buffers from either, and from each column chunk's value count.
        let group_rows = meta
            .row_groups
            .iter()
            .map(|g| g.num_rows() as u64)
            .fold(0u64, u64::saturating_add);
        let values = meta
            .row_groups
            .iter()
            .flat_map(|g| g.parquet_columns())
            .map(|c| c.num_values().max(0) as u64)
            .fold(0u64, u64::saturating_add);
        let fixed = (meta.num_rows as u64)
            .max(group_rows)
            .saturating_mul(columns)
            .max(values)
            .saturating_mul(8);
        let stored = meta
            .row_groups
            .iter()
            .flat_map(|g| g.parquet_columns())
            .map(|c| c.uncompressed_size().max(0) as u64)
            .fold(0u64, u64::saturating_add);
        let needed = fixed.max(stored);
        if needed > available {
            return Err(DataError::TooLarge {
                path: path.to_path_buf(),
                needed_bytes: needed,
                available_bytes: available,
            });
        }
    }
    reader.finish().map_err(|e| parse_error(path, format, &e))
}

/// Deepest nesting of objects and arrays Sextant reads from NDJSON. Columns are the top-level
/// keys; anything deeper is kept as a struct or list value, and real event logs nest a handful
/// of levels. The JSON parser under polars recurses once per level, so a file nested thousands
/// deep would overflow the stack and abort the process: it is refused before parsing.
pub const NDJSON_MAX_DEPTH: usize = 64;

/// The first line of NDJSON text nested deeper than `limit`: `(line, depth)`, the depth being
/// the deepest point of that line. One pass over the bytes, brackets inside strings (with
/// their escapes) not counted.
pub fn ndjson_too_deep(
    reader: impl std::io::Read,
    limit: usize,
) -> std::io::Result<Option<(usize, usize)>> {
    let mut reader = std::io::BufReader::with_capacity(64 * 1024, reader);
    let (mut line, mut depth, mut deepest) = (1usize, 0usize, 0usize);
    let (mut in_string, mut escaped) = (false, false);
    loop {
        let buf = std::io::BufRead::fill_buf(&mut reader)?;
        if buf.is_empty() {
            break;
        }
        for &b in buf {
            if b == b'\n' {
                if deepest > limit {
                    return Ok(Some((line, deepest)));
                }
                // A string cannot span lines in NDJSON; a line left inside one is malformed and
                // the parser says so: each line is counted afresh.
                (line, depth, deepest) = (line + 1, 0, 0);
                (in_string, escaped) = (false, false);
            } else if in_string {
                match (escaped, b) {
                    (true, _) => escaped = false,
                    (false, b'\\') => escaped = true,
                    (false, b'"') => in_string = false,
                    _ => {}
                }
            } else {
                match b {
                    b'"' => in_string = true,
                    b'{' | b'[' => {
                        depth += 1;
                        deepest = deepest.max(depth);
                    }
                    b'}' | b']' => depth = depth.saturating_sub(1),
                    _ => {}
                }
            }
        }
        let n = buf.len();
        std::io::BufRead::consume(&mut reader, n);
    }
    Ok((deepest > limit).then_some((line, deepest)))
}

/// Whether the file ends with a quote that opens a field and nothing after it (`…,"` or a last
/// line of just `"`, optionally followed by `\r`): the line where it opens, else `None`.
/// polars' CSV parser reads such a field out of bounds (an abort in debug builds, undefined
/// behaviour in release), so the file is refused before it gets there. Only the last two bytes
/// are looked at unless they match; then one pass over the file, with the quoting rules
/// polars uses (a quote opens a field only at its start, `""` inside quotes is a quote), tells
/// an opening quote from a closing one.
fn quote_left_open_at_end(path: &Path, delimiter: u8) -> std::io::Result<Option<usize>> {
    use std::io::{Seek, SeekFrom};
    let mut file = File::open(path)?;
    let len = file.seek(SeekFrom::End(0))?;
    let tail_len = len.min(3);
    file.seek(SeekFrom::Start(len - tail_len))?;
    let mut tail = Vec::with_capacity(3);
    (&mut file).take(tail_len).read_to_end(&mut tail)?;
    let tail = tail.strip_suffix(b"\r").unwrap_or(&tail);
    let suspicious = match tail {
        [.., before, b'"'] => *before == delimiter || *before == b'\n' || tail.len() == 1,
        [b'"'] => true,
        _ => false,
    };
    // `tail.len() == 1` above: the file is a lone quote (or a quote and `\r`).
    if !suspicious {
        return Ok(None);
    }
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        FieldStart,
        Unquoted,
        Quoted,
        QuotedSawQuote,
    }
    file.seek(SeekFrom::Start(0))?;
    let mut reader = std::io::BufReader::with_capacity(64 * 1024, file);
    let (mut state, mut line, mut opened_at, mut last) = (State::FieldStart, 1usize, 0usize, 0u8);
    loop {
        let buf = std::io::BufRead::fill_buf(&mut reader)?;
        if buf.is_empty() {
            break;
        }
        for &b in buf {
            state = match (state, b) {
                (State::FieldStart, b'"') => {
                    opened_at = line;
                    State::Quoted
                }
                (State::Quoted, b'"') => State::QuotedSawQuote,
                (State::Quoted, _) => State::Quoted,
                (State::QuotedSawQuote, b'"') => State::Quoted,
                (_, b'\n') => State::FieldStart,
                (_, b) if b == delimiter => State::FieldStart,
                _ => State::Unquoted,
            };
            if b == b'\n' {
                line += 1;
            }
            last = b;
        }
        let n = buf.len();
        std::io::BufRead::consume(&mut reader, n);
    }
    // Open at the end, and what is open is the quote alone (then `\r`, which polars strips).
    let alone = last == b'"' || last == b'\r';
    Ok((state == State::Quoted && alone && tail.last() == Some(&b'"')).then_some(opened_at))
}

/// Text formats must be UTF-8 text: a UTF-16 file (named by its byte-order mark) or one with
/// NUL bytes (binary data with a text extension) is refused with its cause, not parsed into
/// garbage columns.
fn check_text(path: &Path, format: FileFormat, head: &[u8]) -> Result<(), DataError> {
    let message = if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
        "it is UTF-16 text (it starts with a UTF-16 byte-order mark); save it as UTF-8 and open it again".to_string()
    } else if let Some(at) = head.iter().position(|&b| b == 0) {
        let line = 1 + head[..at].iter().filter(|&&b| b == b'\n').count();
        format!("it has a NUL byte at line {line}, so it is binary data, not text")
    } else {
        return Ok(());
    };
    Err(DataError::Parse {
        path: path.to_path_buf(),
        format,
        message,
    })
}

fn read_ndjson(path: &Path, head: &[u8]) -> Result<DataFrame, DataError> {
    check_text(path, FileFormat::Ndjson, head)?;
    if let Err(e) = std::str::from_utf8(head)
        && e.error_len().is_some()
    {
        let line = 1 + head[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        return Err(DataError::InvalidUtf8 {
            path: path.to_path_buf(),
            line,
        });
    }
    let too_deep =
        ndjson_too_deep(open(path)?, NDJSON_MAX_DEPTH).map_err(|e| DataError::Unreadable {
            path: path.to_path_buf(),
            source: e,
        })?;
    if let Some((line, depth)) = too_deep {
        return Err(DataError::TooDeep {
            path: path.to_path_buf(),
            line,
            depth,
            limit: NDJSON_MAX_DEPTH,
        });
    }
    let file = open(path)?;
    JsonReader::new(file)
        .with_json_format(JsonFormat::JsonLines)
        .infer_schema_len(NonZeroUsize::new(INFER_ROWS))
        .finish()
        .map_err(|e| parse_error(path, FileFormat::Ndjson, &e))
}

/// One readable sentence from a polars error: its first line, without polars' hints.
fn parse_error(path: &Path, format: FileFormat, e: &PolarsError) -> DataError {
    let text = e.to_string();
    let lower = text.to_lowercase();
    if lower.contains("utf-8") || lower.contains("utf8") {
        return DataError::InvalidUtf8 {
            path: path.to_path_buf(),
            line: 0,
        };
    }
    if lower.contains("duplicate") {
        let name = text
            .split('\'')
            .nth(1)
            .or_else(|| text.split('"').nth(1))
            .unwrap_or("?")
            .to_string();
        return DataError::DuplicateColumn {
            path: path.to_path_buf(),
            name,
        };
    }
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let message = if lower.contains("found more fields") {
        "a row has more fields than the header (ragged rows)".to_string()
    } else {
        first.trim().trim_end_matches(':').to_string()
    };
    DataError::Parse {
        path: path.to_path_buf(),
        format,
        message,
    }
}

/// Turn string columns whose every non-null value is an ISO-8601 date or timestamp into
/// `Datetime(μs, UTC-naive)` columns (NDJSON has no date type; CSV parsing misses some shapes).
pub fn parse_datetime_strings(frame: &mut DataFrame) {
    let candidates: Vec<String> = frame
        .columns()
        .iter()
        .filter(|c| c.dtype() == &DataType::String)
        .filter_map(|c| {
            let s = c.as_materialized_series();
            let first = s.str().ok()?.iter().flatten().next()?;
            parse_iso(first).map(|_| s.name().to_string())
        })
        .collect();
    for name in candidates {
        let Ok(column) = frame.column(&name) else {
            continue;
        };
        let Ok(strings) = column.as_materialized_series().str().cloned() else {
            continue;
        };
        let mut all_parse = true;
        let parsed: Int64Chunked = strings
            .iter()
            .map(|v| {
                v.and_then(|s| {
                    let t = parse_iso(s);
                    all_parse &= t.is_some();
                    t
                })
            })
            .collect();
        if !all_parse {
            continue;
        }
        let series = parsed
            .with_name(name.as_str().into())
            .into_datetime(TimeUnit::Microseconds, None)
            .into_series();
        // Replacing a column of the same length cannot fail; if it did, the strings stay.
        let _ = frame.replace(&name, series.into());
    }
}

//! Datasets of many files: a folder or a glob (`prod/date=2025-11-*/part-*.parquet`) opened as
//! one dataset.
//!
//! - **Which files.** A folder is walked recursively (sorted, symlinked folders not followed, so
//!   a link loop cannot hang the walk); a glob is matched with the `glob` crate (`**` crosses
//!   folders). Names starting with `.` or `_` are skipped, as Hadoop, Spark and polars do
//!   (`_SUCCESS`, `.part-0.crc`). Any other file that is not a data file by its extension, a set
//!   of mixed formats, a pattern matching nothing and more than [`MAX_FILES`] files are refused
//!   in one sentence naming the path.
//! - **Partition columns.** Hive-style `key=value` folder segments below the set's root become
//!   columns, typed as polars types them (`infer_field_schema` / `finish_infer_field_schema`
//!   with date parsing on, the calls polars' own hive reader makes): Int64, Float64, Boolean,
//!   Date, Datetime or String; `__HIVE_DEFAULT_PARTITION__` and an empty value are nulls.
//! - **One schema.** Every file must have the same columns; a column may differ only by a
//!   numeric widening (integers of any width to the widest, integers and floats to Float64),
//!   a Date that is a Datetime elsewhere, or by being empty in a file. The first file that
//!   differs otherwise is named with the difference.
//! - **Metadata first.** Parquet footers give each file's row count and, from the column
//!   statistics, the time range of datetime columns, before any value is read; a date
//!   partition column gives a time range from the paths alone.

use std::path::{Component, Path, PathBuf};

use polars::prelude::*;

use super::error::DataError;
use super::format::FileFormat;
use super::load::{self, LoadOptions};
use crate::vocab::Progress;

/// Most files opened as one dataset. Each file is read on its own, so ten thousand small
/// partitions still load; past that, a folder is more likely the wrong one (a home folder,
/// a whole data lake) than a dataset, and walking it would look like a hang.
pub const MAX_FILES: usize = 10_000;
/// Deepest folder nesting walked below a dataset folder.
const MAX_DEPTH: usize = 32;
/// The value Hive and Spark write for a null partition key.
const HIVE_NULL: &str = "__HIVE_DEFAULT_PARTITION__";

/// What a folder or a glob names: its files, in sorted order, and what the paths and the
/// footers say about them.
#[derive(Debug, Clone)]
pub struct FileSet {
    /// The folder or the pattern as given.
    pub spec: PathBuf,
    /// The folder partition segments are read below: the folder itself, or the pattern's
    /// longest folder prefix without wildcards.
    pub root: PathBuf,
    pub format: FileFormat,
    pub files: Vec<PartFile>,
    /// The partition columns with the type given to them, in path order.
    pub partition_columns: Vec<(String, DataType)>,
}

/// One file of a set.
#[derive(Debug, Clone)]
pub struct PartFile {
    pub path: PathBuf,
    pub bytes: u64,
    /// The `key=value` segments of its folders (percent-decoded), in path order.
    pub partition: Vec<(String, String)>,
    /// Rows from the Parquet footer; `None` for text formats (known only once read).
    pub footer_rows: Option<u64>,
}

/// What the metadata says about a set before any value is read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SetMetadata {
    pub files: usize,
    pub bytes: u64,
    /// Sum of the footers' row counts, when every file has a footer (Parquet).
    pub footer_rows: Option<u64>,
    /// The earliest and latest time (μs since the epoch) and the column it comes from: the
    /// footers' statistics of a datetime column, else a Date/Datetime partition column.
    pub time_range: Option<TimeRange>,
}

/// A time range known from metadata.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeRange {
    pub column: String,
    pub min_us: i64,
    pub max_us: i64,
    /// "Parquet footer statistics" or "partition paths".
    pub source: &'static str,
}

/// What a loaded set remembers: its files, its metadata and what was unified on the way.
#[derive(Debug, Clone)]
pub struct Parts {
    pub set: FileSet,
    pub metadata: SetMetadata,
    /// Widenings and other notes of the schema unification, one sentence each.
    pub notes: Vec<String>,
}

/// Whether `spec` names a set rather than one file: an existing folder, or a path with glob
/// wildcards that is not itself an existing file.
pub fn is_many(spec: &Path) -> bool {
    if spec.is_dir() {
        return true;
    }
    !spec.is_file() && has_wildcards(&spec.to_string_lossy())
}

/// Whether a set or file named by `spec` is there (a folder, a glob matching at least one
/// file, or a file); reads no content.
pub fn source_exists(spec: &Path) -> bool {
    if spec.is_file() || spec.is_dir() {
        return true;
    }
    let text = spec.to_string_lossy();
    has_wildcards(&text)
        && glob::glob(&text).is_ok_and(|mut it| it.any(|p| p.is_ok_and(|p| p.is_file())))
}

fn has_wildcards(text: &str) -> bool {
    text.contains(['*', '?', '['])
}

/// The files a folder or glob names, their partition segments and their footers' row counts.
/// Reads directory entries and Parquet footers only.
pub fn resolve(spec: &Path, progress: &Progress) -> Result<FileSet, DataError> {
    let (root, mut paths) = if spec.is_dir() {
        let mut found = Vec::new();
        walk(spec, spec, 0, &mut found)?;
        if found.is_empty() {
            return Err(DataError::Set {
                path: spec.to_path_buf(),
                message: "holds no data files (CSV, Parquet, Arrow IPC or NDJSON)".into(),
            });
        }
        (spec.to_path_buf(), found)
    } else {
        glob_files(spec)?
    };
    paths.sort();
    if paths.len() > MAX_FILES {
        return Err(DataError::Set {
            path: spec.to_path_buf(),
            message: format!(
                "names {} files; Sextant opens at most {MAX_FILES} files as one dataset (open a narrower folder or glob)",
                paths.len()
            ),
        });
    }
    // One format for the whole set: a folder of Parquet partitions with a stray CSV is more
    // likely a mistake than a dataset, and the formats type columns differently.
    let mut first: Option<(FileFormat, &PathBuf)> = None;
    for p in &paths {
        let Some(f) = FileFormat::from_extension(p) else {
            return Err(not_data(spec, p));
        };
        match first {
            None => first = Some((f, p)),
            Some((first_format, first_path)) if first_format != f => {
                return Err(DataError::Set {
                    path: p.clone(),
                    message: format!(
                        "is {f} but {} is {first_format}; a dataset of many files has one format",
                        first_path.display()
                    ),
                });
            }
            Some(_) => {}
        }
    }
    let Some(format) = first.map(|(f, _)| f) else {
        return Err(DataError::Set {
            path: spec.to_path_buf(),
            message: "matches no file".into(),
        });
    };
    let n = paths.len();
    let mut files = Vec::with_capacity(n);
    for (i, path) in paths.into_iter().enumerate() {
        progress
            .check()
            .map_err(|_| DataError::Cancelled { path: spec.into() })?;
        progress.set(
            Some(i as f32 / n as f32 * 0.1),
            format!("Reading the footer of file {} of {n}", i + 1),
        );
        let meta = std::fs::metadata(&path).map_err(|e| DataError::Unreadable {
            path: path.clone(),
            source: e,
        })?;
        let partition = hive_segments(path.strip_prefix(&root).unwrap_or(&path));
        let footer_rows = match format {
            FileFormat::Parquet => Some(footer(&path)?.num_rows as u64),
            _ => None,
        };
        files.push(PartFile {
            path,
            bytes: meta.len(),
            partition,
            footer_rows,
        });
    }
    let partition_columns = partition_types(&files)?;
    Ok(FileSet {
        spec: spec.to_path_buf(),
        root,
        format,
        files,
        partition_columns,
    })
}

fn not_data(spec: &Path, file: &Path) -> DataError {
    DataError::Set {
        path: file.to_path_buf(),
        message: format!(
            "is in the dataset {} but is not a data file (CSV, Parquet, Arrow IPC or NDJSON by its extension); remove it or open a glob that leaves it out",
            spec.display()
        ),
    }
}

/// Hidden by the Hadoop convention (`_SUCCESS`, `_metadata`, `.crc` files): not data.
fn hidden(name: &std::ffi::OsStr) -> bool {
    let name = name.to_string_lossy();
    name.starts_with('.') || name.starts_with('_')
}

fn walk(spec: &Path, dir: &Path, depth: usize, out: &mut Vec<PathBuf>) -> Result<(), DataError> {
    if depth > MAX_DEPTH {
        return Err(DataError::Set {
            path: dir.to_path_buf(),
            message: format!(
                "is nested more than {MAX_DEPTH} folders below {}",
                spec.display()
            ),
        });
    }
    let unreadable = |e| DataError::Unreadable {
        path: dir.to_path_buf(),
        source: e,
    };
    for entry in std::fs::read_dir(dir).map_err(unreadable)? {
        let entry = entry.map_err(unreadable)?;
        if hidden(&entry.file_name()) {
            continue;
        }
        let path = entry.path();
        let kind = entry.file_type().map_err(unreadable)?;
        if kind.is_dir() {
            walk(spec, &path, depth + 1, out)?;
        } else if path.is_file() {
            // A symlink to a file is read; a symlink to a folder is not followed (loops).
            out.push(path);
        }
        if out.len() > MAX_FILES {
            // Stop walking: the count is refused anyway, and a huge tree would take long.
            return Ok(());
        }
    }
    Ok(())
}

fn glob_files(spec: &Path) -> Result<(PathBuf, Vec<PathBuf>), DataError> {
    let text = spec.to_string_lossy().into_owned();
    let options = glob::MatchOptions {
        case_sensitive: true,
        require_literal_separator: true,
        require_literal_leading_dot: true,
    };
    let matches = glob::glob_with(&text, options).map_err(|e| DataError::Set {
        path: spec.to_path_buf(),
        message: format!("is not a valid glob pattern ({e})"),
    })?;
    let root = glob_root(spec);
    let mut files = Vec::new();
    for m in matches {
        let p = m.map_err(|e| DataError::Unreadable {
            path: e.path().to_path_buf(),
            source: std::io::Error::new(e.error().kind(), e.error().to_string()),
        })?;
        // Only the part the pattern matched counts: a root folder may well be hidden
        // (`/tmp/.tmpXYZ/prod/*.csv`).
        let hidden_part = p
            .strip_prefix(&root)
            .unwrap_or(&p)
            .components()
            .any(|c| matches!(c, Component::Normal(s) if hidden(s)));
        if p.is_file() && !hidden_part {
            files.push(p);
            if files.len() > MAX_FILES {
                break;
            }
        }
    }
    if files.is_empty() {
        return Err(DataError::Set {
            path: spec.to_path_buf(),
            message: "matches no file".into(),
        });
    }
    Ok((root, files))
}

/// The longest folder prefix of a pattern without wildcards.
pub fn glob_root(spec: &Path) -> PathBuf {
    let mut root = PathBuf::new();
    for c in spec.components() {
        if has_wildcards(&c.as_os_str().to_string_lossy()) {
            break;
        }
        root.push(c.as_os_str());
    }
    // A pattern without wildcards in its folders (`dir/*.csv`) stops at the file part; one
    // whose only component has none cannot reach here (it would be a plain path).
    if root == spec {
        root.pop();
    }
    root
}

/// The `key=value` segments of a path's folders (not its file name), percent-decoded, as
/// polars reads them: a segment with exactly one `=`, a non-empty key and no `*` in its value.
pub fn hive_segments(relative: &Path) -> Vec<(String, String)> {
    let parts: Vec<String> = relative
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    let folders = parts.len().saturating_sub(1);
    parts[..folders]
        .iter()
        .filter_map(|part| {
            let mut it = part.split('=');
            let (key, value) = (it.next()?, it.next()?);
            if it.next().is_some() || key.is_empty() || value.contains('*') {
                return None;
            }
            Some((key.to_string(), percent_decode(value)?))
        })
        .collect()
}

/// `%XX` escapes decoded; `None` when the result is not UTF-8 (polars then ignores the segment).
fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2]))
        {
            out.push(h * 16 + l);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The type of each partition key over all files, as polars infers it, after checking that
/// every file has the same keys in the same order.
fn partition_types(files: &[PartFile]) -> Result<Vec<(String, DataType)>, DataError> {
    use polars::io::csv::read::schema_inference::{finish_infer_field_schema, infer_field_schema};
    let Some(first) = files.first() else {
        return Ok(Vec::new());
    };
    let keys: Vec<&str> = first.partition.iter().map(|(k, _)| k.as_str()).collect();
    let show = |ks: &[&str]| {
        if ks.is_empty() {
            "none".to_string()
        } else {
            ks.join(", ")
        }
    };
    let mut possibilities: Vec<PlIndexSet<DataType>> = vec![PlIndexSet::default(); keys.len()];
    for f in files {
        let these: Vec<&str> = f.partition.iter().map(|(k, _)| k.as_str()).collect();
        if these != keys {
            return Err(DataError::Set {
                path: f.path.clone(),
                message: format!(
                    "has the partition keys ({}) where {} has ({})",
                    show(&these),
                    first.path.display(),
                    show(&keys)
                ),
            });
        }
        for (set, (_, value)) in possibilities.iter_mut().zip(&f.partition) {
            if !value.is_empty() && value != HIVE_NULL {
                set.insert(infer_field_schema(value, true, false));
            }
        }
    }
    Ok(keys
        .iter()
        .zip(&possibilities)
        .map(|(k, set)| {
            let dtype = match finish_infer_field_schema(set) {
                // Sextant keeps times naive UTC in microseconds; a time of day, an i128 or
                // anything else polars would give is kept as its text.
                DataType::Datetime(_, _) => DataType::Datetime(TimeUnit::Microseconds, None),
                d @ (DataType::Int64 | DataType::Float64 | DataType::Boolean | DataType::Date) => d,
                _ => DataType::String,
            };
            ((*k).to_string(), dtype)
        })
        .collect())
}

/// A partition column of `rows` rows holding one file's value, typed.
fn partition_column(
    name: &str,
    dtype: &DataType,
    value: &str,
    rows: usize,
) -> Result<Column, String> {
    let null = value.is_empty() || value == HIVE_NULL;
    let bad = || {
        format!("has the partition value {name}={value}, which is not a {dtype} like the others")
    };
    let scalar = if null {
        AnyValue::Null
    } else {
        match dtype {
            DataType::Int64 => AnyValue::Int64(value.parse().map_err(|_| bad())?),
            DataType::Float64 => AnyValue::Float64(value.parse().map_err(|_| bad())?),
            DataType::Boolean => AnyValue::Boolean(value.eq_ignore_ascii_case("true")),
            DataType::Date => {
                let us = crate::vocab::time::parse_iso(value).ok_or_else(bad)?;
                AnyValue::Date(us.div_euclid(86_400_000_000) as i32)
            }
            DataType::Datetime(_, _) => AnyValue::Datetime(
                crate::vocab::time::parse_iso(value).ok_or_else(bad)?,
                TimeUnit::Microseconds,
                None,
            ),
            _ => AnyValue::StringOwned(value.into()),
        }
    };
    let s = Scalar::new(dtype.clone(), scalar.into_static());
    Ok(Column::new_scalar(name.into(), s, rows))
}

fn footer(path: &Path) -> Result<FileMetadataRef, DataError> {
    let file = std::fs::File::open(path).map_err(|e| DataError::Unreadable {
        path: path.to_path_buf(),
        source: e,
    })?;
    let mut reader = ParquetReader::new(file);
    // A damaged footer can make the reader panic; that is one more way of saying so.
    let meta = load::quiet_polars_panics(|| {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            reader.get_metadata().cloned()
        }))
    });
    match meta {
        Ok(Ok(m)) => Ok(m),
        _ => Err(DataError::Parse {
            path: path.to_path_buf(),
            format: FileFormat::Parquet,
            message: "its footer cannot be read (not Parquet, or the file is cut short or damaged)"
                .into(),
        }),
    }
}

/// The metadata of a set: sizes, footer row counts and a time range, with nothing read but
/// footers and paths.
pub fn metadata(set: &FileSet) -> SetMetadata {
    let footer_rows = set
        .files
        .iter()
        .map(|f| f.footer_rows)
        .try_fold(0u64, |acc, r| r.map(|r| acc.saturating_add(r)));
    let time_range = footer_time_range(set).or_else(|| partition_time_range(set));
    SetMetadata {
        files: set.files.len(),
        bytes: set.files.iter().map(|f| f.bytes).sum(),
        footer_rows,
        time_range,
    }
}

/// The range of the first datetime column whose min/max statistics every row group of every
/// file records.
fn footer_time_range(set: &FileSet) -> Option<TimeRange> {
    use polars_parquet::parquet::statistics::Statistics;
    if set.format != FileFormat::Parquet {
        return None;
    }
    let first = set.files.first()?;
    let mut reader = ParquetReader::new(std::fs::File::open(&first.path).ok()?);
    let schema = reader.schema().ok()?;
    let candidates: Vec<(String, ArrowTimeUnit)> = schema
        .iter_values()
        .filter_map(|f| match f.dtype() {
            ArrowDataType::Timestamp(unit, _) => Some((f.name.to_string(), *unit)),
            _ => None,
        })
        .collect();
    'column: for (name, unit) in candidates {
        let to_us = |v: i64| match unit {
            ArrowTimeUnit::Nanosecond => v.div_euclid(1000),
            ArrowTimeUnit::Microsecond => v,
            ArrowTimeUnit::Millisecond => v.saturating_mul(1000),
            ArrowTimeUnit::Second => v.saturating_mul(1_000_000),
        };
        let (mut lo, mut hi) = (i64::MAX, i64::MIN);
        for f in &set.files {
            let Ok(meta) = footer(&f.path) else {
                continue 'column;
            };
            for g in &meta.row_groups {
                let Some(mut chunks) = g.columns_under_root_iter(&name) else {
                    continue 'column;
                };
                let Some(chunk) = chunks.next() else {
                    continue 'column;
                };
                if g.num_rows() == 0 {
                    continue;
                }
                match chunk.statistics(&meta.footer_buf) {
                    Some(Ok(Statistics::Int64(s))) => match (s.min_value, s.max_value) {
                        (Some(a), Some(b)) => {
                            lo = lo.min(to_us(a));
                            hi = hi.max(to_us(b));
                        }
                        // An all-null chunk has no min/max: it adds nothing to the range.
                        _ if s.null_count == Some(g.num_rows() as i64) => {}
                        _ => continue 'column,
                    },
                    _ => continue 'column,
                }
            }
        }
        if lo <= hi {
            return Some(TimeRange {
                column: name,
                min_us: lo,
                max_us: hi,
                source: "Parquet footer statistics",
            });
        }
    }
    None
}

fn partition_time_range(set: &FileSet) -> Option<TimeRange> {
    let (index, (name, dtype)) = set
        .partition_columns
        .iter()
        .enumerate()
        .find(|(_, (_, d))| matches!(d, DataType::Date | DataType::Datetime(_, _)))?;
    let times: Vec<i64> = set
        .files
        .iter()
        .filter_map(|f| crate::vocab::time::parse_iso(&f.partition.get(index)?.1))
        .collect();
    let (lo, hi) = (*times.iter().min()?, *times.iter().max()?);
    // A date partition covers its whole day.
    let hi = match dtype {
        DataType::Date => hi + 86_400_000_000 - 1,
        _ => hi,
    };
    Some(TimeRange {
        column: name.clone(),
        min_us: lo,
        max_us: hi,
        source: "partition paths",
    })
}

/// The one type two files' types of a column unify to, or `None`: equal types; integers of
/// any width and sign to the widest signed integer that holds both (u64 with a signed
/// integer to Float64); an integer and a float to Float64; Date and Datetime to Datetime; an
/// empty (all-null) column to the other's type.
pub fn widen(a: &DataType, b: &DataType) -> Option<DataType> {
    use DataType as D;
    if a == b {
        return Some(a.clone());
    }
    if matches!(a, D::Null) {
        return Some(b.clone());
    }
    if matches!(b, D::Null) {
        return Some(a.clone());
    }
    let int_bits = |d: &D| -> Option<(bool, u32)> {
        Some(match d {
            D::Int8 => (true, 8),
            D::Int16 => (true, 16),
            D::Int32 => (true, 32),
            D::Int64 => (true, 64),
            D::UInt8 => (false, 8),
            D::UInt16 => (false, 16),
            D::UInt32 => (false, 32),
            D::UInt64 => (false, 64),
            _ => return None,
        })
    };
    let signed = |bits: u32| match bits {
        8 => D::Int8,
        16 => D::Int16,
        32 => D::Int32,
        _ => D::Int64,
    };
    if let (Some((sa, ba)), Some((sb, bb))) = (int_bits(a), int_bits(b)) {
        return Some(match (sa, sb) {
            (false, false) => {
                if ba >= bb {
                    a.clone()
                } else {
                    b.clone()
                }
            }
            (true, true) => signed(ba.max(bb)),
            // Mixed signs: the unsigned side needs one more bit as a signed integer.
            _ => {
                let (s_bits, u_bits) = if sa { (ba, bb) } else { (bb, ba) };
                if u_bits >= 64 {
                    D::Float64
                } else {
                    signed(s_bits.max(u_bits * 2))
                }
            }
        });
    }
    let numeric = |d: &D| int_bits(d).is_some() || matches!(d, D::Float32 | D::Float64);
    if numeric(a) && numeric(b) {
        return Some(D::Float64);
    }
    match (a, b) {
        (D::Date, D::Datetime(u, z)) | (D::Datetime(u, z), D::Date) => {
            Some(D::Datetime(*u, z.clone()))
        }
        _ => None,
    }
}

/// The type a column's values have for unification: `Null` when every value is missing (an
/// empty CSV column reads as text, which would otherwise clash with the other files' type).
fn effective_dtype(c: &Column) -> DataType {
    if !c.is_empty() && c.null_count() == c.len() {
        DataType::Null
    } else {
        c.dtype().clone()
    }
}

/// Plain words for a type in messages.
fn type_words(d: &DataType) -> String {
    match d {
        DataType::String => "text (String)".into(),
        DataType::Boolean => "true/false (Boolean)".into(),
        DataType::Date => "a date (Date)".into(),
        DataType::Datetime(_, _) => "a timestamp (Datetime)".into(),
        d if d.is_primitive_numeric() => format!("a number ({d})"),
        d => d.to_string(),
    }
}

/// One file's frame and the file it came from, while a set is read.
struct FileFrame {
    path: PathBuf,
    frame: DataFrame,
}

/// The unified schema of the files' frames: the first file's column order; each file must
/// have the same names; each column the one type [`widen`] gives. Returns the schema and the
/// notes on widenings.
/// Column names with their types, in order.
type ColumnTypes = Vec<(String, DataType)>;

fn unify(frames: &[FileFrame], root: &Path) -> Result<(ColumnTypes, Vec<String>), DataError> {
    let Some(first) = frames.first() else {
        return Ok((Vec::new(), Vec::new()));
    };
    let mut schema: ColumnTypes = first
        .frame
        .columns()
        .iter()
        .map(|c| (c.name().to_string(), effective_dtype(c)))
        .collect();
    // For each column, the file that first gave each distinct (non-null) type, for the notes.
    let mut seen: Vec<Vec<(DataType, usize)>> = vec![Vec::new(); schema.len()];
    for (fi, f) in frames.iter().enumerate() {
        let names: Vec<&str> = f
            .frame
            .columns()
            .iter()
            .map(|c| c.name().as_str())
            .collect();
        if let Some(missing) = schema.iter().find(|(n, _)| !names.contains(&n.as_str())) {
            return Err(DataError::Set {
                path: f.path.clone(),
                message: format!(
                    "has no column \"{}\", which {} has",
                    missing.0,
                    first.path.display()
                ),
            });
        }
        if let Some(extra) = names.iter().find(|n| !schema.iter().any(|(s, _)| s == *n)) {
            return Err(DataError::Set {
                path: f.path.clone(),
                message: format!(
                    "has a column \"{extra}\" that {} does not have",
                    first.path.display()
                ),
            });
        }
        for (ci, (name, unified)) in schema.iter_mut().enumerate() {
            let Ok(c) = f.frame.column(name) else {
                continue;
            };
            let d = effective_dtype(c);
            if d != DataType::Null && !seen[ci].iter().any(|(t, _)| *t == d) {
                seen[ci].push((d.clone(), fi));
            }
            match widen(unified, &d) {
                Some(w) => *unified = w,
                None => {
                    let (other_type, other) = seen[ci]
                        .iter()
                        .find(|(t, _)| widen(t, &d).is_none())
                        .cloned()
                        .unwrap_or((unified.clone(), 0));
                    return Err(DataError::Set {
                        path: f.path.clone(),
                        message: format!(
                            "has the column \"{name}\" as {} where {} has it as {}",
                            type_words(&d),
                            frames[other].path.display(),
                            type_words(&other_type)
                        ),
                    });
                }
            }
        }
    }
    let mut notes = Vec::new();
    for ((name, unified), kinds) in schema.iter_mut().zip(&seen) {
        if *unified == DataType::Null {
            // Empty in every file: read as text, like a single empty CSV column.
            *unified = DataType::String;
        }
        if kinds.len() > 1 {
            let list: Vec<String> = kinds
                .iter()
                .map(|(t, fi)| {
                    let p = &frames[*fi].path;
                    format!("{t} in {}", p.strip_prefix(root).unwrap_or(p).display())
                })
                .collect();
            notes.push(format!(
                "column \"{name}\" is {}; read as {unified} (a compatible widening)",
                list.join(", ")
            ));
        }
    }
    Ok((schema, notes))
}

/// A set read into one frame, with what was noted on the way.
pub struct ReadSet {
    pub frame: DataFrame,
    /// Every note: widenings, partition columns and their types, key collisions.
    pub notes: Vec<String>,
    /// The notes worth a warning (widenings and collisions; a partition column's type is not).
    pub warnings: Vec<String>,
}

/// Read every file of a set and stack them into one frame with its partition columns.
/// Progress advances per file; cancel is checked between files.
pub fn read_set(
    set: &FileSet,
    options: &LoadOptions,
    progress: &Progress,
) -> Result<ReadSet, DataError> {
    let cancelled = || DataError::Cancelled {
        path: set.spec.clone(),
    };
    // The set must fit as a whole, not only file by file.
    if let Some(available) = options.memory_available.or_else(load::available_memory) {
        let expansion = if set.format == FileFormat::Parquet {
            3
        } else {
            1
        };
        let needed: u64 = set
            .files
            .iter()
            .map(|f| f.bytes.saturating_mul(expansion))
            .fold(0, u64::saturating_add);
        if needed > available {
            return Err(DataError::TooLarge {
                path: set.spec.clone(),
                needed_bytes: needed,
                available_bytes: available,
            });
        }
    }
    let n = set.files.len();
    let mut frames = Vec::with_capacity(n);
    let silent = Progress::silent();
    for (i, f) in set.files.iter().enumerate() {
        progress.check().map_err(|_| cancelled())?;
        progress.set(
            Some(0.1 + 0.8 * i as f32 / n as f32),
            format!(
                "Reading file {} of {n}: {}",
                i + 1,
                load::file_name(&f.path)
            ),
        );
        let raw = load::read_frame(&f.path, options, &silent)?;
        frames.push(FileFrame {
            path: f.path.clone(),
            frame: raw.frame,
        });
    }
    progress.check().map_err(|_| cancelled())?;
    progress.set(Some(0.9), format!("Unifying the schemas of {n} files"));
    let (schema, mut notes) = unify(&frames, &set.root)?;
    let mut warnings = notes.clone();
    let file_columns: Vec<&str> = schema.iter().map(|(n, _)| n.as_str()).collect();
    for (name, dtype) in &set.partition_columns {
        if file_columns.contains(&name.as_str()) {
            let note = format!(
                "the partition key \"{name}\" is also a column of the files; the files' values are kept"
            );
            warnings.push(note.clone());
            notes.push(note);
        } else {
            notes.push(format!(
                "partition column \"{name}\" from the folder names, typed {dtype}"
            ));
        }
    }
    let mut out: Option<DataFrame> = None;
    for (f, ff) in set.files.iter().zip(frames) {
        let rows = ff.frame.height();
        let mut columns = Vec::with_capacity(schema.len() + set.partition_columns.len());
        for (name, dtype) in &schema {
            let c = ff.frame.column(name).map_err(|e| set_error(&ff.path, &e))?;
            let c = if c.dtype() == dtype {
                c.clone()
            } else {
                c.cast(dtype).map_err(|e| set_error(&ff.path, &e))?
            };
            columns.push(c);
        }
        for ((name, dtype), (_, value)) in set.partition_columns.iter().zip(&f.partition) {
            if file_columns.contains(&name.as_str()) {
                continue;
            }
            let c =
                partition_column(name, dtype, value, rows).map_err(|message| DataError::Set {
                    path: f.path.clone(),
                    message,
                })?;
            columns.push(c);
        }
        let frame = DataFrame::new(rows, columns).map_err(|e| set_error(&ff.path, &e))?;
        match out.as_mut() {
            None => out = Some(frame),
            Some(acc) => {
                acc.vstack_mut_owned(frame)
                    .map_err(|e| set_error(&ff.path, &e))?;
            }
        }
    }
    let mut frame = out.ok_or_else(|| DataError::Set {
        path: set.spec.clone(),
        message: "matches no file".into(),
    })?;
    frame.rechunk_mut();
    Ok(ReadSet {
        frame,
        notes,
        warnings,
    })
}

fn set_error(path: &Path, e: &PolarsError) -> DataError {
    DataError::Set {
        path: path.to_path_buf(),
        message: format!(
            "could not be joined to the other files ({})",
            e.to_string().lines().next().unwrap_or_default()
        ),
    }
}

/// The fingerprint of a set: an XXH3 over each file's path below the root, size and content
/// fingerprint, in sorted order, so that an added, removed, renamed or changed file changes it.
pub fn fingerprint(set: &FileSet) -> std::io::Result<String> {
    let mut text = String::new();
    for f in &set.files {
        let rel = f.path.strip_prefix(&set.root).unwrap_or(&f.path);
        let h = super::fingerprint::of_file(&f.path)?;
        text.push_str(&format!("{}\t{}\t{h}\n", rel.display(), f.bytes));
    }
    Ok(super::fingerprint::of_bytes(text.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hive_segments_of_folders_only() {
        let segs = hive_segments(Path::new("date=2025-11-01/region=eu%20west/part=3.parquet"));
        assert_eq!(
            segs,
            vec![
                ("date".to_string(), "2025-11-01".to_string()),
                ("region".to_string(), "eu west".to_string())
            ]
        );
        // Two `=` or an empty key are not partitions; plain folders are skipped.
        assert!(hive_segments(Path::new("a=b=c/=x/plain/f.csv")).is_empty());
    }

    #[test]
    fn glob_root_stops_at_the_first_wildcard() {
        assert_eq!(
            glob_root(Path::new("prod/date=2025-11-*/part-*.parquet")),
            PathBuf::from("prod")
        );
        assert_eq!(glob_root(Path::new("prod/*.csv")), PathBuf::from("prod"));
        assert_eq!(
            glob_root(Path::new("/data/prod/**/*.parquet")),
            PathBuf::from("/data/prod")
        );
    }

    fn part(path: &str, partition: &[(&str, &str)]) -> PartFile {
        PartFile {
            path: path.into(),
            bytes: 1,
            partition: partition
                .iter()
                .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
                .collect(),
            footer_rows: None,
        }
    }

    #[test]
    fn partition_types_follow_polars() {
        let files = [
            part(
                "a",
                &[("date", "2025-11-01"), ("n", "1"), ("x", "1"), ("r", "eu")],
            ),
            part(
                "b",
                &[("date", "2025-11-02"), ("n", "2"), ("x", "1.5"), ("r", "7")],
            ),
            part(
                "c",
                &[("date", HIVE_NULL), ("n", ""), ("x", "2"), ("r", "us")],
            ),
        ];
        let types = partition_types(&files).expect("same keys");
        assert_eq!(
            types,
            vec![
                ("date".to_string(), DataType::Date),
                ("n".to_string(), DataType::Int64),
                ("x".to_string(), DataType::Float64),
                ("r".to_string(), DataType::String),
            ]
        );
        let c = partition_column("date", &DataType::Date, "2025-11-02", 3).expect("a date");
        assert_eq!(c.len(), 3);
        assert_eq!(c.dtype(), &DataType::Date);
        let null = partition_column("n", &DataType::Int64, HIVE_NULL, 2).expect("null");
        assert_eq!(null.null_count(), 2);
    }

    #[test]
    fn differing_partition_keys_name_the_file() {
        let files = [
            part("p/date=1/a.csv", &[("date", "1")]),
            part(
                "p/date=1/region=eu/b.csv",
                &[("date", "1"), ("region", "eu")],
            ),
        ];
        let e = partition_types(&files)
            .expect_err("keys differ")
            .to_string();
        assert!(e.contains("p/date=1/region=eu/b.csv"), "{e}");
        assert!(e.contains("(date, region)") && e.contains("(date)"), "{e}");
    }

    #[test]
    fn widenings() {
        use DataType as D;
        assert_eq!(widen(&D::Int32, &D::Int64), Some(D::Int64));
        assert_eq!(widen(&D::UInt32, &D::Int32), Some(D::Int64));
        assert_eq!(widen(&D::UInt8, &D::UInt16), Some(D::UInt16));
        assert_eq!(widen(&D::UInt64, &D::Int8), Some(D::Float64));
        assert_eq!(widen(&D::Int64, &D::Float32), Some(D::Float64));
        assert_eq!(widen(&D::Float32, &D::Float64), Some(D::Float64));
        assert_eq!(widen(&D::Null, &D::String), Some(D::String));
        assert_eq!(
            widen(&D::Date, &D::Datetime(TimeUnit::Microseconds, None)),
            Some(D::Datetime(TimeUnit::Microseconds, None))
        );
        assert_eq!(widen(&D::String, &D::Float64), None);
        assert_eq!(widen(&D::Boolean, &D::Int64), None);
    }

    fn frame(path: &str, df: DataFrame) -> FileFrame {
        FileFrame {
            path: path.into(),
            frame: df,
        }
    }

    #[test]
    fn unify_widens_and_names_the_differing_file() {
        let a = df!("x" => [1i32, 2], "s" => ["a", "b"]).expect("frame");
        let b = df!("s" => ["c", "d"], "x" => [1.5f64, 2.5]).expect("frame");
        let (schema, notes) = unify(
            &[frame("a.csv", a.clone()), frame("b.csv", b)],
            Path::new(""),
        )
        .expect("ok");
        assert_eq!(
            schema,
            vec![
                ("x".to_string(), DataType::Float64),
                ("s".to_string(), DataType::String)
            ]
        );
        assert_eq!(notes.len(), 1);
        assert!(
            notes[0].contains("\"x\"") && notes[0].contains("f64"),
            "{notes:?}"
        );

        let c = df!("x" => ["one", "two"], "s" => ["e", "f"]).expect("frame");
        let e = unify(
            &[frame("a.csv", a.clone()), frame("c.csv", c)],
            Path::new(""),
        )
        .expect_err("text vs number")
        .to_string();
        assert!(e.starts_with("c.csv"), "{e}");
        assert!(
            e.contains("\"x\"") && e.contains("text") && e.contains("a.csv"),
            "{e}"
        );

        let d = df!("x" => [1i32]).expect("frame");
        let e = unify(&[frame("a.csv", a), frame("d.csv", d)], Path::new(""))
            .expect_err("missing column")
            .to_string();
        assert!(e.contains("d.csv") && e.contains("no column \"s\""), "{e}");
    }

    #[test]
    fn an_all_null_column_takes_the_other_files_type() {
        let a = df!("x" => [1.0f64, 2.0]).expect("frame");
        let b = df!("x" => [None::<&str>, None]).expect("frame");
        let (schema, notes) = unify(&[frame("a", a), frame("b", b)], Path::new("")).expect("ok");
        assert_eq!(schema, vec![("x".to_string(), DataType::Float64)]);
        assert!(notes.is_empty());
    }

    #[test]
    fn a_cancelled_load_stops_between_files() {
        let dir = tempfile::tempdir().expect("tmp");
        for i in 0..3 {
            let p = dir.path().join(format!("day={i}/a.csv"));
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(&p, format!("x\n{i}\n")).expect("write");
        }
        let set = resolve(dir.path(), &Progress::silent()).expect("set");
        assert_eq!(set.files.len(), 3);
        assert_eq!(
            set.partition_columns,
            vec![("day".to_string(), DataType::Int64)]
        );
        let read = read_set(&set, &LoadOptions::default(), &Progress::silent()).expect("read");
        assert_eq!(read.frame.height(), 3);
        let cancelled = Progress::silent();
        cancelled.cancel();
        assert!(matches!(
            read_set(&set, &LoadOptions::default(), &cancelled),
            Err(DataError::Cancelled { .. })
        ));
        assert!(matches!(
            resolve(dir.path(), &cancelled),
            Err(DataError::Cancelled { .. })
        ));
    }

    #[test]
    fn a_partition_key_that_is_also_a_column_keeps_the_files_values() {
        let dir = tempfile::tempdir().expect("tmp");
        let p = dir.path().join("region=eu/a.csv");
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, "region,x\nus,1\nus,2\n").expect("write");
        let set = resolve(dir.path(), &Progress::silent()).expect("set");
        let read = read_set(&set, &LoadOptions::default(), &Progress::silent()).expect("read");
        assert_eq!(read.frame.width(), 2);
        let region = read.frame.column("region").expect("region");
        assert_eq!(region.str().expect("text").get(0), Some("us"));
        assert!(
            read.warnings
                .iter()
                .any(|w| w.contains("\"region\" is also a column")),
            "{:?}",
            read.warnings
        );
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%2Fb%20c").as_deref(), Some("a/b c"));
        assert_eq!(percent_decode("100%").as_deref(), Some("100%"));
        assert_eq!(percent_decode("%ff"), None);
    }
}

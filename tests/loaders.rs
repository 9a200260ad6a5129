//! Loading every format, and a clear one-sentence error for every kind of bad file.

use std::path::{Path, PathBuf};

use polars::prelude::*;
use sextant::data::write::write_frame;
use sextant::data::{DataError, Dataset, FileFormat, LoadOptions};
use sextant::jobs::Progress;
use sextant::vocab::{ColumnKind, Role};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn load(path: &Path) -> Result<Dataset, DataError> {
    Dataset::load(path, &LoadOptions::default(), &Progress::silent())
}

fn load_err(name: &str) -> String {
    match load(&fixture(name)) {
        Ok(_) => panic!("{name} should not load"),
        Err(e) => e.to_string(),
    }
}

fn sample_frame() -> DataFrame {
    let ts = Int64Chunked::from_vec(
        "created_at".into(),
        vec![
            1_700_000_000_000_000,
            1_700_000_100_000_000,
            1_700_000_200_000_000,
        ],
    )
    .into_datetime(TimeUnit::Microseconds, None)
    .into_series();
    DataFrame::new_infer_height(vec![
        Series::new("user_id".into(), &["u1", "u2", "u3"]).into(),
        ts.into(),
        Series::new("amount".into(), &[Some(1.5), None, Some(f64::NAN)]).into(),
        Series::new("plan".into(), &["free", "pro", "free"]).into(),
        Series::new("active".into(), &[true, false, true]).into(),
        Series::new("label".into(), &[0i64, 1, 0]).into(),
        Series::new("score".into(), &[0.1, 0.8, 0.3]).into(),
    ])
    .expect("frame")
}

#[test]
fn every_format_round_trips_with_kinds_and_roles() {
    let dir = tempfile::tempdir().expect("tmp");
    for (ext, format) in [
        ("csv", FileFormat::Csv),
        ("parquet", FileFormat::Parquet),
        ("arrow", FileFormat::Ipc),
        ("ndjson", FileFormat::Ndjson),
    ] {
        let path = dir.path().join(format!("data.{ext}"));
        write_frame(&mut sample_frame(), &path).expect("write");
        let ds = load(&path).unwrap_or_else(|e| panic!("{ext}: {e}"));
        assert_eq!(ds.format, format, "{ext}");
        assert_eq!(ds.rows(), 3, "{ext}");
        let kind = |c: &str| ds.column(c).map(|s| s.kind);
        let role = |c: &str| ds.column(c).map(|s| s.role);
        assert_eq!(kind("created_at"), Some(ColumnKind::Datetime), "{ext}");
        assert_eq!(kind("amount"), Some(ColumnKind::Numeric), "{ext}");
        assert_eq!(kind("plan"), Some(ColumnKind::Categorical), "{ext}");
        assert_eq!(kind("active"), Some(ColumnKind::Boolean), "{ext}");
        assert_eq!(role("user_id"), Some(Role::Id), "{ext}");
        assert_eq!(role("created_at"), Some(Role::Timestamp), "{ext}");
        assert_eq!(role("label"), Some(Role::Target), "{ext}");
        assert_eq!(role("score"), Some(Role::Prediction), "{ext}");
        assert_eq!(role("amount"), Some(Role::Feature), "{ext}");
        let amount = ds.column("amount").expect("amount");
        // JSON has no NaN: polars writes it as null, so NDJSON comes back with two nulls.
        let (nulls, nan) = if format == FileFormat::Ndjson {
            (2, 0)
        } else {
            (1, 1)
        };
        assert_eq!((amount.nulls, amount.nan), (nulls, nan), "{ext}");
    }
}

#[test]
fn format_is_sniffed_when_the_extension_says_nothing() {
    let dir = tempfile::tempdir().expect("tmp");
    let parquet = dir.path().join("data.parquet");
    write_frame(&mut sample_frame(), &parquet).expect("write");
    let renamed = dir.path().join("export.dat");
    std::fs::rename(&parquet, &renamed).expect("rename");
    assert_eq!(load(&renamed).expect("load").format, FileFormat::Parquet);
}

#[test]
fn csv_dialect_quotes_and_null_tokens() {
    let ds = load(&fixture("semicolon_quoted.csv")).expect("load");
    assert_eq!(ds.rows(), 4);
    let amount = ds.column("amount").expect("amount");
    assert_eq!(amount.kind, ColumnKind::Numeric);
    assert_eq!(amount.nulls, 2, "NA and null are missing values");
    let joined = ds.column("joined").expect("joined");
    assert_eq!(joined.kind, ColumnKind::Datetime, "dates are parsed");
    let name = ds.frame.column("name").expect("name");
    assert_eq!(
        name.as_materialized_series().str().expect("str").get(0),
        Some("Smith; J")
    );
}

#[test]
fn csv_without_header_gets_generated_names() {
    let ds = load(&fixture("no_header.csv")).expect("load");
    assert_eq!(ds.rows(), 3);
    assert_eq!(ds.columns.len(), 3);
    assert_eq!(ds.columns[0].kind, ColumnKind::Numeric);
}

#[test]
fn ndjson_timestamps_are_parsed() {
    let ds = load(&fixture("events.ndjson")).expect("load");
    assert_eq!(ds.format, FileFormat::Ndjson);
    assert_eq!(ds.column("ts").map(|c| c.kind), Some(ColumnKind::Datetime));
    assert_eq!(ds.column("ts").map(|c| c.role), Some(Role::Timestamp));
    assert_eq!(ds.column("fraud").map(|c| c.role), Some(Role::Target));
    assert_eq!(ds.column("amount").map(|c| c.nulls), Some(1));
}

#[test]
fn missing_file() {
    let e = load(Path::new("/no/such/dir/train.csv"))
        .err()
        .expect("error");
    assert_eq!(e.to_string(), "/no/such/dir/train.csv does not exist");
}

#[test]
fn directory_instead_of_file() {
    // A folder opens as one dataset of many files (tests/many_files.rs); this one mixes
    // formats, which is refused naming the file that differs.
    let e = load(&fixture("")).err().expect("error");
    assert!(
        e.to_string()
            .ends_with("a dataset of many files has one format"),
        "{e}"
    );
}

#[test]
fn empty_file() {
    let msg = load_err("empty.csv");
    assert!(msg.ends_with("empty.csv is empty (0 bytes)"), "{msg}");
}

#[test]
fn header_only() {
    let msg = load_err("header_only.csv");
    assert!(
        msg.ends_with("header_only.csv has a header but no data rows"),
        "{msg}"
    );
}

#[test]
fn ragged_rows_name_the_line() {
    let msg = load_err("ragged.csv");
    assert!(
        msg.ends_with("ragged.csv has ragged rows: line 4 has 4 fields where the header has 3"),
        "{msg}"
    );
}

#[test]
fn invalid_utf8_names_the_line() {
    let msg = load_err("latin1.csv");
    assert!(
        msg.contains("latin1.csv is not valid UTF-8 text (first bad byte at line 2)"),
        "{msg}"
    );
}

#[test]
fn duplicate_column_names() {
    let msg = load_err("duplicate_columns.csv");
    assert!(
        msg.contains("has the column name \"id\" more than once"),
        "{msg}"
    );
}

#[test]
fn unknown_format() {
    let msg = load_err("unknown.bin");
    assert!(
        msg.contains("unknown.bin is not a CSV, Parquet, Arrow IPC or NDJSON file"),
        "{msg}"
    );
}

#[test]
fn wrong_extension_is_explained() {
    let msg = load_err("not_really.parquet");
    assert!(msg.contains("could not be read as Parquet"), "{msg}");
    assert!(msg.contains("signature"), "{msg}");
}

#[test]
fn too_large_for_memory() {
    let options = LoadOptions {
        memory_available: Some(10),
        ..LoadOptions::default()
    };
    let e = Dataset::load(&fixture("ragged.csv"), &options, &Progress::silent())
        .err()
        .expect("error");
    let msg = e.to_string();
    assert!(msg.contains("ragged.csv is too large to load"), "{msg}");
    assert!(msg.contains("only 10 B of memory is available"), "{msg}");
}

#[test]
fn all_null_column_loads_with_a_warning() {
    let ds = load(&fixture("all_null_column.csv")).expect("load");
    let notes = ds.column("notes").expect("notes");
    assert_eq!(notes.nulls, 4);
    assert!(
        ds.warnings
            .iter()
            .any(|w| w.contains("column \"notes\" is empty in every row")),
        "{:?}",
        ds.warnings
    );
}

#[test]
fn mixed_types_load_as_text_with_a_warning() {
    let ds = load(&fixture("mixed_types.csv")).expect("load");
    let amount = ds.column("amount").expect("amount");
    assert_ne!(amount.kind, ColumnKind::Numeric);
    assert!(
        ds.warnings.iter().any(
            |w| w.contains("\"amount\" mixes numbers and text (2 of 40 values are not numbers")
        ),
        "{:?}",
        ds.warnings
    );
}

#[test]
fn cancelled_load_reports_cancellation() {
    let progress = Progress::silent();
    progress.cancel();
    let e = Dataset::load(
        &fixture("events.ndjson"),
        &LoadOptions::default(),
        &progress,
    )
    .err()
    .expect("error");
    assert!(matches!(e, DataError::Cancelled { .. }));
}

#[test]
fn bundled_sample_data_loads() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data");
    let train = load(&dir.join("credit_training.parquet")).expect("training");
    let prod = load(&dir.join("credit_production.parquet")).expect("production");
    let csv = load(&dir.join("credit_training.csv")).expect("training csv");
    assert_eq!(train.rows(), csv.rows());
    assert!(train.column("open_accounts").is_some());
    assert!(prod.column("num_open_accounts").is_some());
    assert_eq!(
        train.column("applied_at").map(|c| c.role),
        Some(Role::Timestamp)
    );
    assert_eq!(
        csv.column("applied_at").map(|c| c.kind),
        Some(ColumnKind::Datetime)
    );
}

#[test]
fn unreadable_path_names_the_cause() {
    // A path through a regular file cannot be opened, even by root.
    let path = fixture("ragged.csv").join("inner.csv");
    let e = load(&path).err().expect("error");
    let msg = e.to_string();
    assert!(
        msg.contains("ragged.csv/inner.csv cannot be read:"),
        "{msg}"
    );
}

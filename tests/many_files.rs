//! Datasets of many files through the CLI: a generated hive-partitioned folder opened as a
//! folder and as a glob, its partition columns, the footers' row counts and time range, the
//! schema unification, sessions that store the glob, and every hostile set refused with exit 2
//! and one sentence naming the path.

use std::path::{Path, PathBuf};
use std::process::Command;

use polars::prelude::*;
use serde_json::Value;

fn sextant(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_sextant"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run sextant")
}

fn ok_json(dir: &Path, args: &[&str]) -> Value {
    let out = sextant(dir, args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

/// Exit 2 and one line on stderr; the line returned.
fn refused(dir: &Path, args: &[&str]) -> String {
    let out = sextant(dir, args);
    let err = String::from_utf8_lossy(&out.stderr).trim().to_string();
    assert_eq!(out.status.code(), Some(2), "stderr: {err}");
    assert_eq!(err.lines().count(), 1, "one sentence: {err}");
    err
}

const DAYS: [&str; 4] = ["2025-11-01", "2025-11-02", "2025-11-03", "2025-11-04"];
const REGIONS: [&str; 2] = ["eu", "us"];
const ROWS: usize = 50;
/// 2025-11-01T00:00:00Z in microseconds.
const NOV_1_US: i64 = 1_761_955_200_000_000;
const DAY_US: i64 = 86_400_000_000;

/// One partition's frame: a timestamp inside its day, an amount (Int32 in the eu files, so
/// that the set needs a widening to Float64) and a score.
fn part_frame(day: usize, region: usize) -> DataFrame {
    let ts: Vec<i64> = (0..ROWS)
        .map(|i| NOV_1_US + day as i64 * DAY_US + i as i64 * 600_000_000)
        .collect();
    let score: Vec<f64> = (0..ROWS)
        .map(|i| (i as f64 * 0.37 + day as f64).sin())
        .collect();
    let ts = Series::new("ts".into(), ts)
        .cast(&DataType::Datetime(TimeUnit::Microseconds, None))
        .expect("datetime");
    let amount: Column = if region == 0 {
        Column::new(
            "amount".into(),
            (0..ROWS).map(|i| (i * 3 + day) as i32).collect::<Vec<_>>(),
        )
    } else {
        Column::new(
            "amount".into(),
            (0..ROWS)
                .map(|i| (i * 3 + day) as f64 + 0.5)
                .collect::<Vec<_>>(),
        )
    };
    DataFrame::new(
        ROWS,
        vec![ts.into(), amount, Column::new("score".into(), score)],
    )
    .expect("frame")
}

fn write_parquet(path: &Path, mut frame: DataFrame) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    let file = std::fs::File::create(path).expect("create");
    ParquetWriter::new(file).finish(&mut frame).expect("write");
}

/// `prod/date=…/region=…/part-0.parquet`, 8 files of 50 rows, plus a `_SUCCESS` marker that
/// is skipped as Spark writes it; and a one-file reference.
fn fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tmp");
    for (d, day) in DAYS.iter().enumerate() {
        for (r, region) in REGIONS.iter().enumerate() {
            let p = dir
                .path()
                .join(format!("prod/date={day}/region={region}/part-0.parquet"));
            write_parquet(&p, part_frame(d, r));
        }
    }
    std::fs::write(dir.path().join("prod/_SUCCESS"), b"").expect("marker");
    let mut reference = part_frame(0, 1);
    let _ = reference.vstack_mut_owned(part_frame(1, 1));
    write_parquet(&dir.path().join("reference.parquet"), reference);
    dir
}

fn inspect(dir: &Path, source: &str) -> Value {
    ok_json(dir, &["inspect", source, "--format", "json"])
}

#[test]
fn a_glob_and_a_folder_open_as_one_dataset() {
    let dir = fixture();
    let doc = inspect(dir.path(), "prod/date=2025-11-*/region=*/part-*.parquet");
    assert_eq!(doc["rows"], 8 * ROWS);
    let files = &doc["files"];
    assert_eq!(files["count"], 8);
    assert_eq!(files["footer_rows"], 8 * ROWS);
    assert_eq!(
        files["partition_columns"],
        serde_json::json!([{"name": "date", "dtype": "date"}, {"name": "region", "dtype": "str"}])
    );
    // The footers' statistics of `ts` give the range before any value is read.
    assert_eq!(files["time_range"]["column"], "ts");
    assert_eq!(files["time_range"]["source"], "Parquet footer statistics");
    assert_eq!(files["time_range"]["min"], "2025-11-01T00:00:00Z");
    assert_eq!(files["time_range"]["max"], "2025-11-04T08:10:00Z");
    // Int32 in the eu files and Float64 in the us files: widened, and said so.
    let notes = files["notes"].as_array().expect("notes");
    assert!(
        notes.iter().any(|n| n
            .as_str()
            .is_some_and(|n| n.contains("\"amount\"") && n.contains("f64"))),
        "{notes:?}"
    );
    let col = |name: &str| {
        doc["columns"]
            .as_array()
            .expect("columns")
            .iter()
            .find(|c| c["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("no column {name}"))
    };
    assert_eq!(col("amount")["dtype"], "f64");
    assert_eq!(col("date")["kind"], "datetime");
    assert_eq!(col("region")["unique"], 2);
    assert_eq!(col("region")["top"][0]["count"], 4 * ROWS);
    // The sum of every eu amount (3i + day over 50 rows and 4 days) and every us one (+0.5):
    // the mean over the stacked rows checks no file was dropped or read twice.
    let sum_eu: f64 = (0..4)
        .flat_map(|d| (0..ROWS).map(move |i| (i * 3 + d) as f64))
        .sum();
    let mean = (2.0 * sum_eu + 0.5 * 4.0 * ROWS as f64) / (8 * ROWS) as f64;
    let got = col("amount")["mean"].as_f64().expect("mean");
    assert!((got - mean).abs() < 1e-9, "{got} vs {mean}");

    // The folder names the same files (the _SUCCESS marker skipped).
    let folder = inspect(dir.path(), "prod");
    assert_eq!(folder["rows"], doc["rows"]);
    assert_eq!(folder["files"]["count"], 8);
    let recursive = inspect(dir.path(), "prod/**/*.parquet");
    assert_eq!(recursive["files"]["count"], 8);
    // A narrower glob: two days.
    let two = inspect(dir.path(), "prod/date=2025-11-0[12]/*/*.parquet");
    assert_eq!(two["rows"], 4 * ROWS);
}

#[test]
fn drift_and_integrity_take_a_folder_or_glob() {
    let dir = fixture();
    let doc = ok_json(
        dir.path(),
        &[
            "drift",
            "--reference",
            "reference.parquet",
            "--current",
            "prod/**/*.parquet",
            "--format",
            "json",
        ],
    );
    assert_eq!(doc["current"]["rows"], 8 * ROWS);
    let out = sextant(
        dir.path(),
        &[
            "integrity",
            "--reference",
            "reference.parquet",
            "--current",
            "prod",
            "--format",
            "json",
        ],
    );
    // Integrity exits 0 or 1 (findings), never 2, on a good folder.
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_session_stores_the_glob_and_notices_a_changed_file() {
    let dir = fixture();
    let out = sextant(
        dir.path(),
        &[
            "session",
            "new",
            "--reference",
            "reference.parquet",
            "--current",
            "prod/**/*.parquet",
            "--out",
            "s.sextant",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(dir.path().join("s.sextant")).expect("session");
    assert!(text.contains("prod/**/*.parquet"), "{text}");
    let report = |dir: &Path| {
        sextant(
            dir,
            &[
                "report",
                "--session",
                "s.sextant",
                "--format",
                "json",
                "--out",
                "r.json",
            ],
        )
    };
    let first = report(dir.path());
    assert_eq!(
        first.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(!String::from_utf8_lossy(&first.stderr).contains("changed"));
    // The snapshot names the set and its files without the author's folders.
    let snapshot = std::fs::read_to_string(dir.path().join("r.json")).expect("report");
    let folder = dir.path().display().to_string();
    assert!(!snapshot.contains(&folder), "the report tells {folder}");
    assert!(snapshot.contains("\"date=2025-11-01/region=eu/part-0.parquet\""));
    // A new partition lands: the set's fingerprint changes and the reopen says so.
    write_parquet(
        &dir.path()
            .join("prod/date=2025-11-05/region=eu/part-0.parquet"),
        part_frame(4, 0),
    );
    let second = report(dir.path());
    let err = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(0), "{err}");
    assert!(err.contains("changed since the session was saved"), "{err}");
}

fn hostile_dir() -> (tempfile::TempDir, PathBuf) {
    let dir = fixture();
    let root = dir.path().to_path_buf();
    (dir, root)
}

#[test]
fn hostile_sets_are_refused_in_one_sentence() {
    let (_dir, root) = hostile_dir();
    let d = root.as_path();
    let e = refused(d, &["inspect", "prod/date=2030-*/*.parquet"]);
    assert!(
        e.contains("prod/date=2030-*/*.parquet matches no file"),
        "{e}"
    );

    std::fs::create_dir_all(d.join("empty/sub")).expect("mkdir");
    std::fs::write(d.join("empty/sub/_SUCCESS"), b"").expect("marker");
    let e = refused(d, &["inspect", "empty"]);
    assert!(e.contains("empty holds no data files"), "{e}");

    let e = refused(d, &["inspect", "prod/[", "--format", "json"]);
    assert!(e.contains("not a valid glob pattern"), "{e}");

    // A non-data file in a partition folder.
    std::fs::write(d.join("prod/date=2025-11-02/notes.docx"), b"hello").expect("write");
    let e = refused(d, &["inspect", "prod"]);
    assert!(
        e.contains("notes.docx") && e.contains("not a data file"),
        "{e}"
    );
    std::fs::remove_file(d.join("prod/date=2025-11-02/notes.docx")).expect("rm");

    // Mixed formats.
    std::fs::write(d.join("prod/date=2025-11-02/extra.csv"), b"a,b\n1,2\n").expect("write");
    let e = refused(d, &["inspect", "prod"]);
    assert!(e.contains("extra.csv") && e.contains("one format"), "{e}");
    std::fs::remove_file(d.join("prod/date=2025-11-02/extra.csv")).expect("rm");

    // A corrupt file in the set, named.
    let bad = d.join("prod/date=2025-11-03/region=eu/part-1.parquet");
    std::fs::write(&bad, b"PAR1 this is not a parquet file at all PAR1").expect("write");
    let e = refused(d, &["inspect", "prod/**/*.parquet"]);
    assert!(e.contains("part-1.parquet"), "{e}");
    std::fs::remove_file(&bad).expect("rm");

    // A file whose schema differs: a column of text where the others have numbers.
    let mut text_score = part_frame(2, 1);
    let _ = text_score.drop_in_place("score").expect("drop");
    text_score
        .with_column(Column::new("score".into(), vec!["high"; ROWS]))
        .expect("text score");
    write_parquet(
        &d.join("prod/date=2025-11-03/region=us/part-1.parquet"),
        text_score,
    );
    let e = refused(
        d,
        &[
            "drift",
            "--reference",
            "reference.parquet",
            "--current",
            "prod",
        ],
    );
    assert!(
        e.contains("date=2025-11-03/region=us/part-1.parquet")
            && e.contains("\"score\"")
            && e.contains("text"),
        "{e}"
    );
    std::fs::remove_file(d.join("prod/date=2025-11-03/region=us/part-1.parquet")).expect("rm");

    // A file without a column the others have.
    let mut fewer = part_frame(2, 1);
    let _ = fewer.drop_in_place("score").expect("drop");
    write_parquet(
        &d.join("prod/date=2025-11-03/region=us/part-2.parquet"),
        fewer,
    );
    let e = refused(d, &["inspect", "prod"]);
    assert!(
        e.contains("part-2.parquet") && e.contains("no column \"score\""),
        "{e}"
    );
    std::fs::remove_file(d.join("prod/date=2025-11-03/region=us/part-2.parquet")).expect("rm");

    // Partition keys that differ between files.
    write_parquet(
        &d.join("prod/date=2025-11-09/part-0.parquet"),
        part_frame(0, 0),
    );
    let e = refused(d, &["inspect", "prod"]);
    assert!(e.contains("partition keys (date)"), "{e}");
}

#[test]
fn thousands_of_csv_files_load_and_too_many_are_refused() {
    let dir = tempfile::tempdir().expect("tmp");
    // 1 200 small CSV partitions: each read on its own, stacked into one frame.
    for i in 0..1200 {
        let p = dir.path().join(format!("logs/batch={i}/rows.csv"));
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, format!("x,y\n{i},{}\n{},a\n", i % 7, i + 1)).expect("write");
    }
    let doc = inspect(dir.path(), "logs");
    assert_eq!(doc["rows"], 2400);
    assert_eq!(doc["files"]["count"], 1200);
    assert_eq!(doc["files"]["footer_rows"], Value::Null);
    assert_eq!(
        doc["files"]["partition_columns"],
        serde_json::json!([{"name": "batch", "dtype": "i64"}])
    );
    // More than 10 000 files: refused before any is read, naming the folder.
    let flat = dir.path().join("flat");
    std::fs::create_dir_all(&flat).expect("mkdir");
    for i in 0..10_001 {
        std::fs::write(flat.join(format!("{i:05}.csv")), b"x\n1\n").expect("write");
    }
    let e = refused(dir.path(), &["inspect", "flat"]);
    assert!(
        e.contains("flat names 10001 files") && e.contains("at most 10000"),
        "{e}"
    );
}

#[test]
fn the_bundled_monthly_partitions_are_the_production_sample() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let folder = inspect(root, "sample_data/credit_production_by_month");
    let single = inspect(root, "sample_data/credit_production.parquet");
    assert_eq!(folder["rows"], single["rows"]);
    assert_eq!(folder["files"]["count"], 4);
    assert_eq!(folder["files"]["footer_rows"], single["rows"]);
    assert_eq!(
        folder["files"]["partition_columns"],
        serde_json::json!([{"name": "month", "dtype": "str"}])
    );
    assert_eq!(folder["files"]["time_range"]["column"], "applied_at");
    let applied = |doc: &Value| {
        doc["columns"]
            .as_array()
            .expect("columns")
            .iter()
            .find(|c| c["name"] == "applied_at")
            .cloned()
            .expect("applied_at")
    };
    // The footers' range is the values' range.
    assert_eq!(
        folder["files"]["time_range"]["min"],
        applied(&single)["min"]
    );
    assert_eq!(
        folder["files"]["time_range"]["max"],
        applied(&single)["max"]
    );
}

/// The partition columns' types and values against polars' own hive reader
/// (`LazyFrame::scan_parquet` with hive partitioning and date parsing on, polars 0.55), the
/// reference Sextant's typing follows: integers, floats, dates, text and the Hive null.
#[test]
fn partition_columns_match_polars_hive_scan() {
    let dir = tempfile::tempdir().expect("tmp");
    let parts = [
        ("1", "1.5", "2025-01-01", "eu%20west"),
        ("2", "2", "2025-01-02", "__HIVE_DEFAULT_PARTITION__"),
        ("-3", "0.25", "2025-02-28", "us"),
    ];
    for (a, b, c, d) in parts {
        let p = dir
            .path()
            .join(format!("t/a={a}/b={b}/c={c}/d={d}/part-0.parquet"));
        let frame = df!("x" => [1.0f64, 2.0]).expect("frame");
        write_parquet(&p, frame);
    }
    let glob = dir.path().join("t/**/*.parquet");
    let glob = glob.to_str().expect("utf-8");
    let args = ScanArgsParquet {
        hive_options: HiveOptions {
            enabled: Some(true),
            try_parse_dates: true,
            ..HiveOptions::new_enabled()
        },
        ..ScanArgsParquet::default()
    };
    let polars_frame = LazyFrame::scan_parquet(PlRefPath::new(glob), args)
        .expect("scan")
        .sort(["a"], Default::default())
        .collect()
        .expect("polars reads the set");
    let ours = sextant::data::Dataset::load(
        Path::new(glob),
        &sextant::data::LoadOptions::default(),
        &sextant::vocab::Progress::silent(),
    )
    .expect("sextant reads the set")
    .frame
    .sort(["a"], Default::default())
    .expect("sort");
    for key in ["a", "b", "c", "d"] {
        let theirs = polars_frame.column(key).expect("polars column");
        let mine = ours.column(key).expect("our column");
        assert_eq!(mine.dtype(), theirs.dtype(), "type of {key}");
        assert!(
            mine.as_materialized_series()
                .equals_missing(theirs.as_materialized_series()),
            "values of {key}: {mine:?} vs {theirs:?}"
        );
    }
}

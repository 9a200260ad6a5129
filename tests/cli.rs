//! The `sextant` binary, run as a pipeline would: JSON on stdout, exit codes, clear errors.

use std::path::Path;
use std::process::Command;

fn sextant(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_sextant"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run sextant")
}

#[test]
fn inspect_json_has_the_contract_keys() {
    let out = sextant(&[
        "inspect",
        "sample_data/credit_training.parquet",
        "--format",
        "json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["path"], "sample_data/credit_training.parquet");
    assert_eq!(v["format"], "parquet");
    assert!(v["rows"].as_u64().expect("rows") > 10_000);
    let columns = v["columns"].as_array().expect("columns");
    for c in columns {
        for key in [
            "name", "dtype", "kind", "role", "nulls", "unique", "min", "max", "mean",
        ] {
            assert!(c.get(key).is_some(), "missing {key} in {c}");
        }
    }
    let by_name = |n: &str| {
        columns
            .iter()
            .find(|c| c["name"] == n)
            .unwrap_or_else(|| panic!("no column {n}"))
    };
    assert_eq!(by_name("income")["kind"], "numeric");
    assert!(by_name("income")["mean"].as_f64().is_some());
    assert_eq!(by_name("region")["kind"], "categorical");
    assert!(by_name("region")["min"].is_null());
    assert_eq!(by_name("applied_at")["role"], "timestamp");
    assert_eq!(by_name("applied_at")["min"], "2024-01-01T07:16:15Z");
    assert_eq!(by_name("defaulted")["role"], "target");
    assert_eq!(by_name("score")["role"], "prediction");
    assert_eq!(by_name("debt_to_income")["nulls"], 259);
}

#[test]
fn inspect_table_is_readable() {
    let out = sextant(&["inspect", "tests/fixtures/events.ndjson"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("NDJSON  3 rows × 5 columns"), "{text}");
    assert!(text.contains("country"), "{text}");
}

#[test]
fn bad_input_exits_2_with_one_sentence() {
    let out = sextant(&["inspect", "tests/fixtures/ragged.csv"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        err.trim(),
        "error: tests/fixtures/ragged.csv has ragged rows: line 4 has 4 fields where the header has 3"
    );
    assert!(out.stdout.is_empty());

    let out = sextant(&["inspect", "no_such_file.parquet"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no_such_file.parquet does not exist"));
}

#[test]
fn warnings_go_to_stderr_and_still_succeed() {
    let out = sextant(&[
        "inspect",
        "tests/fixtures/all_null_column.csv",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("warning:"));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["warnings"].as_array().map(Vec::len), Some(1));
}

#[test]
fn usage_errors_exit_2_and_help_exits_0() {
    assert_eq!(sextant(&["inspect"]).status.code(), Some(2));
    assert_eq!(
        sextant(&["inspect", "x.csv", "--format", "xml"])
            .status
            .code(),
        Some(2)
    );
    for args in [
        &["--help"][..],
        &["inspect", "--help"],
        &["sample-data", "--help"],
    ] {
        let out = sextant(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        assert!(!out.stdout.is_empty());
    }
}

#[test]
fn sample_data_command_reproduces_the_bundled_files() {
    let dir = tempfile::tempdir().expect("tmp");
    let out_dir = dir.path().to_str().expect("utf8 path");
    let out = sextant(&["sample-data", "--out", out_dir]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bundled = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data");
    for name in ["credit_training.csv", "credit_production.csv"] {
        let fresh = std::fs::read(dir.path().join(name)).expect("fresh");
        let shipped = std::fs::read(bundled.join(name)).expect("shipped");
        assert!(
            fresh == shipped,
            "{name} differs from the bundled file: regenerate sample_data/"
        );
    }
}

fn integrity_json(extra: &[&str]) -> (Option<i32>, serde_json::Value, String) {
    let mut args = vec![
        "integrity",
        "--reference",
        "sample_data/credit_training.parquet",
        "--current",
        "sample_data/credit_production.parquet",
        "--format",
        "json",
        "--now",
        "2026-01-15",
    ];
    args.extend_from_slice(extra);
    let out = sextant(&args);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let v = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (out.status.code(), v, stderr)
}

fn finding<'v>(v: &'v serde_json::Value, check: &str, column: &str) -> &'v serde_json::Value {
    v["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["check"] == check && c["columns"][0] == column)
        .unwrap_or_else(|| panic!("no {check} on {column} in {v:#}"))
}

#[test]
fn integrity_finds_the_planted_problems() {
    let (code, v, stderr) = integrity_json(&[]);
    assert_eq!(code, Some(0), "{stderr}");
    for key in [
        "check", "severity", "columns", "message", "details", "examples",
    ] {
        assert!(v["checks"][0].get(key).is_some(), "missing {key}");
    }
    let summary = &v["summary"];
    assert!(
        summary["errors"].as_u64().expect("errors") >= 3,
        "{summary}"
    );
    let rename = finding(&v, "likely_rename", "num_open_accounts");
    assert_eq!(rename["columns"][1], "open_accounts");
    let unseen = finding(&v, "unseen_categories", "employment_type");
    assert_eq!(unseen["details"]["values"][0]["value"], "gig_worker");
    let nulls = finding(&v, "null_rate_increase", "debt_to_income");
    assert_eq!(nulls["severity"], "error");
    assert_eq!(nulls["details"]["since"], "2025-11-15T00:00:00Z");
    assert_eq!(nulls["timeline"]["change"]["since"], "2025-11-15T00:00:00Z");
    assert_eq!(nulls["timeline"]["window"], "day");
    let labels = finding(&v, "null_rate_increase", "defaulted");
    assert_eq!(labels["details"]["since"], "2025-12-01T00:00:00Z");
    let income = finding(&v, "out_of_range", "income");
    assert_eq!(income["details"]["below"], 6);
    let example = &nulls["examples"][0];
    assert!(example["id"].as_str().expect("id").starts_with('A'));
    assert!(example["timestamp"].as_str().expect("ts") >= "2025-11-15");
}

#[test]
fn integrity_fail_on_and_renames() {
    let (code, _, _) = integrity_json(&["--fail-on", "error"]);
    assert_eq!(code, Some(1));
    let (code, v, stderr) = integrity_json(&["--rename", "num_open_accounts=open_accounts"]);
    assert_eq!(code, Some(0), "{stderr}");
    let checks = v["checks"].as_array().expect("checks");
    assert!(!checks.iter().any(|c| c["check"] == "missing_column"));
    assert!(!checks.iter().any(|c| c["check"] == "likely_rename"));
    finding(&v, "renamed_column", "num_open_accounts");

    let (code, _, stderr) = integrity_json(&["--rename", "num_open_accounts=open_acounts"]);
    assert_eq!(code, Some(2));
    assert_eq!(
        stderr.trim(),
        "error: the rename num_open_accounts=open_acounts names a column that is not in the reference data: \"open_acounts\""
    );
    let (code, _, stderr) = integrity_json(&["--rename", "oops"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("NEW=OLD"), "{stderr}");
    let (code, _, stderr) = integrity_json(&["--set", "alpha=2"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("alpha must be between 0 and 1"), "{stderr}");
    let (code, _, stderr) = integrity_json(&["--set", "nonsense=1"]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("unknown parameter \"nonsense\""),
        "{stderr}"
    );
}

#[test]
fn integrity_table_and_clean_pair() {
    let out = sextant(&[
        "integrity",
        "--reference",
        "tests/fixtures/integrity/clean/reference.csv",
        "--current",
        "tests/fixtures/integrity/clean/current.csv",
        "--fail-on",
        "warning",
        "--now",
        "2030-01-01",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("0 errors, 0 warnings"), "{text}");
    assert!(text.contains("row_count_change"), "{text}");

    let out = sextant(&[
        "integrity",
        "--reference",
        "tests/fixtures/integrity/null_rate_increase/reference.csv",
        "--current",
        "tests/fixtures/integrity/null_rate_increase/current.csv",
        "--fail-on",
        "warning",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("null_rate_increase"), "{text}");

    let out = sextant(&[
        "integrity",
        "--reference",
        "no_such.csv",
        "--current",
        "x.csv",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no_such.csv does not exist"));
}

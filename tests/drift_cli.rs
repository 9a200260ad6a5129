//! `sextant drift` as a pipeline runs it: the JSON contract, renames, windows, exit codes.

use std::process::Command;

use serde_json::Value;

fn sextant(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_sextant"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run sextant")
}

const REF: &str = "sample_data/credit_training.parquet";
const CUR: &str = "sample_data/credit_production.parquet";

/// Run `sextant ARGS`, expect exit 0, parse stdout as JSON.
fn ok_json(args: &[&str]) -> Value {
    let out = sextant(args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

fn drift_json(extra: &[&str]) -> Value {
    let mut args = vec![
        "drift",
        "--reference",
        REF,
        "--current",
        CUR,
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    ok_json(&args)
}

fn column<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc["columns"]
        .as_array()
        .expect("columns")
        .iter()
        .find(|c| c["column"] == name)
        .unwrap_or_else(|| panic!("no column {name} in {doc}"))
}

#[test]
fn json_contract_and_the_sample_story() {
    let doc = drift_json(&[]);
    assert_eq!(doc["reference"]["path"], REF);
    assert_eq!(doc["reference"]["rows"], 25763);
    assert_eq!(doc["current"]["rows"], 10450);
    for key in ["drifted_columns", "drift_share", "dataset_drift", "skipped"] {
        assert!(doc.get(key).is_some(), "missing {key}");
    }
    for c in doc["columns"].as_array().expect("columns") {
        for key in [
            "column",
            "kind",
            "method",
            "score",
            "p_value",
            "threshold",
            "drifted",
            "reference_missing",
            "current_missing",
            "metrics",
        ] {
            assert!(c.get(key).is_some(), "missing {key} in {c}");
        }
    }
    // Evidently's choice for more than 1000 reference rows: normed Wasserstein / Jensen-Shannon.
    let income = column(&doc, "income");
    assert_eq!(income["kind"], "numeric");
    assert_eq!(income["method"], "wasserstein");
    assert!(income["p_value"].is_null());
    assert_eq!(income["drifted"], true);
    let employment = column(&doc, "employment_type");
    assert_eq!(employment["kind"], "categorical");
    assert_eq!(employment["method"], "jensenshannon");
    assert_eq!(employment["drifted"], true);
    // An integer column with two values is categorical.
    assert_eq!(column(&doc, "loan_term_months")["kind"], "categorical");
    assert_eq!(column(&doc, "region")["drifted"], false);
    // Missing values are counted, not silently dropped.
    assert_eq!(column(&doc, "debt_to_income")["reference_missing"], 259);
    assert!(column(&doc, "defaulted")["current_missing"].as_u64() > Some(3000));
    let skipped = doc["skipped"].as_array().expect("skipped");
    let reason = |c: &str| {
        skipped
            .iter()
            .find(|s| s["column"] == c)
            .map(|s| s["reason"].as_str().unwrap_or_default().to_string())
    };
    assert_eq!(
        reason("open_accounts").as_deref(),
        Some("only in the training data")
    );
    assert_eq!(
        reason("num_open_accounts").as_deref(),
        Some("only in the production data")
    );
    assert!(reason("application_id").is_some_and(|r| r.contains("id")));
}

#[test]
fn rename_compares_the_renamed_column() {
    let doc = drift_json(&["--rename", "num_open_accounts=open_accounts"]);
    let c = column(&doc, "open_accounts");
    assert_eq!(c["current_column"], "num_open_accounts");
    assert!(
        !doc["skipped"]
            .as_array()
            .expect("skipped")
            .iter()
            .any(|s| s["column"] == "num_open_accounts")
    );
}

#[test]
fn all_metrics_and_overrides() {
    let doc = drift_json(&[
        "--all-metrics",
        "--column-method",
        "income=ks",
        "--column-threshold",
        "age=0.5",
    ]);
    let income = column(&doc, "income");
    assert_eq!(income["method"], "ks");
    assert_eq!(income["score"], income["p_value"]);
    let m = &income["metrics"];
    for key in [
        "ks_statistic",
        "ks_p_value",
        "wasserstein",
        "wasserstein_normed",
        "psi",
        "kl_divergence",
        "jensen_shannon_distance",
        "hellinger",
        "anderson_darling_p_value",
        "cramer_von_mises_p_value",
        "energy_distance",
        "t_test_p_value",
        "mann_whitney_p_value",
    ] {
        assert!(m.get(key).is_some(), "income lacks {key}: {m}");
    }
    assert_eq!(m["ks_p_value"], income["p_value"]);
    let region = &column(&doc, "region")["metrics"];
    for key in [
        "chi_square_statistic",
        "chi_square_p_value",
        "l_infinity",
        "cramers_v",
        "psi",
    ] {
        assert!(region.get(key).is_some(), "region lacks {key}: {region}");
    }
    assert_eq!(column(&doc, "age")["threshold"], 0.5);
}

#[test]
fn windows_and_fail_on_drift() {
    let doc = drift_json(&["--windows", "month"]);
    let windows = doc["windows"].as_array().expect("windows");
    let labels: Vec<&str> = windows.iter().filter_map(|w| w["label"].as_str()).collect();
    assert_eq!(labels, ["2025-09", "2025-10", "2025-11", "2025-12"]);
    let rows: u64 = windows.iter().filter_map(|w| w["rows"].as_u64()).sum();
    assert_eq!(rows, 10450);
    assert!(windows[0]["columns"]["income"]["score"].as_f64().is_some());
    // Labels stop at the end of November: December's label column cannot be tested.
    assert!(windows[3]["columns"]["defaulted"]["score"].is_null());

    let code = |extra: &[&str]| {
        let mut args = vec![
            "drift",
            "--reference",
            REF,
            "--current",
            CUR,
            "--fail-on-drift",
        ];
        args.extend_from_slice(extra);
        sextant(&args).status.code()
    };
    assert_eq!(
        code(&[]),
        Some(0),
        "5 of 11 columns is below the 50 % share"
    );
    assert_eq!(code(&["--drift-share", "0.3"]), Some(1));
}

#[test]
fn out_file_and_bad_arguments() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("drift.json");
    let out_s = out.to_str().expect("utf8");
    let o = sextant(&[
        "drift",
        "--reference",
        REF,
        "--current",
        CUR,
        "--format",
        "json",
        "--out",
        out_s,
    ]);
    assert_eq!(o.status.code(), Some(0));
    assert!(o.stdout.is_empty());
    let doc: Value = serde_json::from_slice(&std::fs::read(&out).expect("read")).expect("json");
    assert_eq!(doc["current"]["rows"], 10450);

    let o = sextant(&[
        "drift",
        "--reference",
        REF,
        "--current",
        CUR,
        "--method",
        "nope",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("is not a drift method"));
    let o = sextant(&[
        "drift",
        "--reference",
        REF,
        "--current",
        CUR,
        "--rename",
        "x=open_accounts",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("production data has no such column"));
    let o = sextant(&[
        "drift",
        "--reference",
        REF,
        "--current",
        "tests/fixtures/ragged.csv",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let o = sextant(&[
        "drift",
        "--reference",
        REF,
        "--current",
        CUR,
        "--windows",
        "1",
    ]);
    assert_eq!(o.status.code(), Some(2));
}

/// The same pair through Evidently 0.7.23's DataDriftPreset (fixture and script in
/// tests/golden/drift/): the same test per column, the same scores, the same verdict.
#[test]
fn agrees_with_evidently_on_the_sample_data() {
    let golden: Value =
        serde_json::from_str(include_str!("golden/drift/evidently_sample.json")).expect("fixture");
    let doc = drift_json(&[]);
    let expected = golden["columns"].as_object().expect("columns");
    assert_eq!(
        expected.len(),
        doc["columns"].as_array().map_or(0, Vec::len)
    );
    for (name, e) in expected {
        let c = column(&doc, name);
        let method = match e["method"].as_str() {
            Some("Wasserstein distance (normed)") => "wasserstein",
            Some("Jensen-Shannon distance") => "jensenshannon",
            other => panic!("unexpected Evidently method {other:?}"),
        };
        assert_eq!(c["method"], method, "{name}");
        assert_eq!(c["threshold"], e["threshold"], "{name}");
        let want: f64 = e["value"]
            .as_str()
            .and_then(|v| v.parse().ok())
            .expect("value");
        let got = c["score"].as_f64().expect("score");
        assert!(
            // 1e-9 relative: a Jensen-Shannon distance near 0 is a square root of a small sum,
            // where summation order shows in the tenth digit.
            (got - want).abs() <= 1e-9 * want.abs(),
            "{name}: sextant {got} vs Evidently {want}"
        );
    }
    assert_eq!(doc["drifted_columns"], golden["drifted_columns"]);
    let share: f64 = golden["drift_share"]
        .as_str()
        .and_then(|v| v.parse().ok())
        .expect("share");
    assert!((doc["drift_share"].as_f64().expect("share") - share).abs() < 1e-15);
}

#[test]
fn per_kind_overrides_and_an_all_null_column() {
    let doc = drift_json(&[
        "--kind-method",
        "numeric=psi",
        "--kind-threshold",
        "categorical=0.01",
    ]);
    assert_eq!(column(&doc, "income")["method"], "psi");
    assert_eq!(column(&doc, "region")["threshold"], 0.01);

    // A column that is empty on one side is reported as not testable; the rest still runs.
    let dir = tempfile::tempdir().expect("tmp");
    let (r, c) = (dir.path().join("ref.csv"), dir.path().join("cur.csv"));
    std::fs::write(&r, "x,notes\n1,a\n2,b\n3,a\n4,b\n").expect("write");
    std::fs::write(&c, "x,notes\n1,\n5,\n3,\n9,\n").expect("write");
    let doc = ok_json(&[
        "drift",
        "--reference",
        r.to_str().expect("utf8"),
        "--current",
        c.to_str().expect("utf8"),
        "--format",
        "json",
    ]);
    assert!(
        doc["columns"]
            .as_array()
            .expect("cols")
            .iter()
            .any(|c| c["column"] == "x")
    );
    let skipped = doc["skipped"].as_array().expect("skipped");
    let notes = skipped
        .iter()
        .find(|s| s["column"] == "notes")
        .expect("notes skipped");
    assert!(
        notes["reason"].as_str().is_some_and(|r| !r.is_empty()),
        "{notes}"
    );
}

#[test]
fn weekly_windows_without_a_timestamp_keep_the_column_verdicts() {
    // mixed_types.csv has no date column: weeks cannot be made, the drift still is.
    let out = sextant(&[
        "drift",
        "--reference",
        "tests/fixtures/mixed_types.csv",
        "--current",
        "tests/fixtures/mixed_types.csv",
        "--windows",
        "week",
        "--format",
        "json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(
        doc["windows_error"]
            .as_str()
            .is_some_and(|e| e.contains("timestamp"))
    );
    assert!(doc.get("windows").is_none_or(Value::is_null));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no drift per window"));
}

/// A Python `repr` float string of a golden fixture.
fn golden_num(v: &Value) -> f64 {
    v.as_str()
        .and_then(|s| s.parse().ok())
        .expect("float string")
}

/// `--method hellinger` on the sample pair against Evidently 0.7.23's DataDriftPreset with
/// method="hellinger" (tests/golden/drift/evidently_sample.py): Evidently's own density bins
/// for the numbers, category shares for the categories, threshold 0.1, the same verdict.
#[test]
fn hellinger_agrees_with_evidently_on_the_sample_data() {
    let golden: Value =
        serde_json::from_str(include_str!("golden/drift/evidently_sample.json")).expect("fixture");
    let golden = &golden["hellinger"];
    let doc = drift_json(&["--method", "hellinger"]);
    let expected = golden["columns"].as_object().expect("columns");
    assert_eq!(
        expected.len(),
        doc["columns"].as_array().map_or(0, Vec::len)
    );
    for (name, e) in expected {
        let c = column(&doc, name);
        assert_eq!(c["method"], "hellinger", "{name}");
        assert_eq!(c["threshold"], e["threshold"], "{name}");
        // `defaulted` has nulls in production, which pandas holds as float64, so Evidently
        // infers it numerical there and its one Sturges bin [0, 1] gives 0; Sextant keeps
        // the integer column with two values categorical, and matches Evidently's own
        // categorical Hellinger of it.
        let want = if name == "defaulted" {
            assert_eq!(golden_num(&e["value"]), 0.0);
            golden_num(&golden["defaulted_as_categories"])
        } else {
            golden_num(&e["value"])
        };
        let got = c["score"].as_f64().expect("score");
        assert!(
            (got - want).abs() <= 1e-12 * want.abs(),
            "{name}: sextant {got} vs Evidently {want}"
        );
        assert_eq!(c["drifted"].as_bool(), Some(want >= 0.1), "{name}");
    }
    assert_eq!(doc["drifted_columns"], golden["drifted_columns"]);
}

const COUNT_REF: &str = "tests/golden/drift/count_reference.csv";
const COUNT_CUR: &str = "tests/golden/drift/count_current.csv";

fn count_drift(extra: &[&str]) -> Value {
    let mut args = vec![
        "drift",
        "--reference",
        COUNT_REF,
        "--current",
        COUNT_CUR,
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    ok_json(&args)
}

/// A 0..5 count column is tested as categories (Evidently's auto rule: chi-square for 400
/// reference rows), yet `--all-metrics` gives it every numeric statistic too, equal to
/// SciPy's on its values (tests/golden/drift/make_count_column_golden.py).
#[test]
fn all_metrics_give_a_count_column_the_numeric_statistics() {
    let golden: Value = serde_json::from_str(include_str!("golden/drift/count_column_golden.json"))
        .expect("fixture");
    assert_eq!(golden["evidently_auto_method"], "chi-square p_value");
    let doc = count_drift(&["--all-metrics"]);
    let visits = column(&doc, "visits");
    assert_eq!(visits["kind"], "categorical");
    assert_eq!(visits["method"], "chisquare");
    let metrics = &visits["metrics"];
    for m in ["chi_square_p_value", "cramers_v", "psi", "hellinger"] {
        assert!(metrics[m].is_f64(), "{m} missing in {metrics}");
    }
    for (name, e) in golden["expected"].as_object().expect("expected") {
        let want = golden_num(e);
        let got = metrics[name.as_str()]
            .as_f64()
            .unwrap_or_else(|| panic!("{name} missing in {metrics}"));
        // p-values to 1e-10 relative, as the SciPy golden tests of the core; distances 1e-12.
        let rel = if name.ends_with("p_value") {
            1e-10
        } else {
            1e-12
        };
        assert!(
            (got - want).abs() <= rel * want.abs(),
            "{name}: sextant {got} vs scipy {want}"
        );
    }
}

/// A numeric test forced on the count column runs on its values: Evidently refuses `ks` for
/// a column it infers categorical and gives SciPy's KS p-value once the column is declared
/// numerical; Sextant gives that value.
#[test]
fn a_numeric_test_forced_on_a_count_column_runs_on_its_values() {
    let golden: Value = serde_json::from_str(include_str!("golden/drift/count_column_golden.json"))
        .expect("fixture");
    let want = golden_num(&golden["evidently_ks_declared_numerical"]);
    for args in [
        &["--method", "ks"][..],
        &["--column-method", "visits=ks"][..],
    ] {
        let doc = count_drift(args);
        let visits = column(&doc, "visits");
        assert_eq!(visits["method"], "ks", "{args:?}");
        assert_eq!(visits["kind"], "numeric", "{args:?}");
        let got = visits["score"].as_f64().expect("score");
        assert!(
            (got - want).abs() <= 1e-10 * want,
            "{args:?}: sextant {got} vs Evidently {want}"
        );
    }
}

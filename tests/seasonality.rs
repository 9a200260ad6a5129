//! `sextant seasonality` end to end, and the series builder on real files: daily aggregates,
//! filled days and STL results against pandas + statsmodels (tests/golden/seasonality/
//! make_series_fixture.py), derived series, exit codes and messages.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

const FIXTURE: &str = "tests/fixtures/seasonal_daily.csv";
const TRAINING: &str = "sample_data/credit_training.parquet";
const PRODUCTION: &str = "sample_data/credit_production.parquet";

fn sextant(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_sextant"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run sextant")
}

fn json_ok(args: &[&str]) -> Value {
    let mut all = vec!["seasonality"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json"]);
    let out = sextant(&all);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

fn error_of(args: &[&str]) -> String {
    let mut all = vec!["seasonality"];
    all.extend_from_slice(args);
    let out = sextant(&all);
    assert_eq!(out.status.code(), Some(2), "{args:?} should fail");
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr).trim().to_string();
    assert!(err.starts_with("error: "), "{err}");
    assert_eq!(err.lines().count(), 1, "one sentence: {err}");
    err
}

/// A usage error from clap: exit 2, the reason on the first line, then a usage hint.
fn usage_error_of(args: &[&str]) -> String {
    let mut all = vec!["seasonality"];
    all.extend_from_slice(args);
    let out = sextant(&all);
    assert_eq!(out.status.code(), Some(2), "{args:?} should fail");
    let err = String::from_utf8_lossy(&out.stderr);
    err.lines().next().unwrap_or_default().to_string()
}

fn golden() -> Value {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/seasonality/series_golden.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("golden")).expect("json")
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_f64().expect("number"))
        .collect()
}

fn assert_close(what: &str, got: &Value, want: &Value, tol: f64) {
    let (g, w) = (floats(got), floats(want));
    assert_eq!(g.len(), w.len(), "{what}: lengths");
    for (i, (a, b)) in g.iter().zip(&w).enumerate() {
        assert!((a - b).abs() <= tol, "{what}[{i}]: {a} vs {b}");
    }
}

#[test]
fn daily_mean_and_stl_equal_pandas_and_statsmodels() {
    let v = json_ok(&[
        "--input", FIXTURE, "--value", "value", "--time", "ts", "--freq", "day", "--agg", "mean",
        "--period", "7",
    ]);
    let g = golden();
    for key in [
        "periods",
        "observed",
        "trend",
        "seasonal",
        "remainder",
        "weights",
        "seasonal_strength",
        "trend_strength",
        "anomalies",
        "filled",
        "timestamps",
        "candidates",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    assert_eq!(v["periods"], serde_json::json!([7]));
    assert_eq!(v["filled"], g["filled"]);
    assert_eq!(v["n"], g["days"]);
    assert_eq!(v["timestamps"][0], "2024-01-01T00:00:00Z");
    assert_eq!(v["timestamps"][55], "2024-02-25T00:00:00Z");
    let m = &g["mean"];
    assert_close("observed", &v["observed"], &m["observed"], 1e-9);
    assert_close("trend", &v["trend"], &m["trend"], 1e-8);
    assert_close("seasonal", &v["seasonal"][0], &m["seasonal"], 1e-8);
    assert_close("remainder", &v["remainder"], &m["remainder"], 1e-8);
    assert_close("weights", &v["weights"], &m["weights"], 1e-8);
    // Two null values were excluded from the means, and said so.
    assert_eq!(v["missing_values"], 2);
    let s = v["seasonal_strength"][0].as_f64().expect("strength");
    assert!(s > 0.8 && s <= 1.0, "{s}");
}

#[test]
fn row_count_robust_and_detected_period() {
    let v = json_ok(&[
        "--input", FIXTURE, "--value", "@count", "--time", "ts", "--robust",
    ]);
    let g = &golden()["count"];
    assert_eq!(
        v["periods"],
        serde_json::json!([7]),
        "the weekly cycle is found"
    );
    assert_eq!(v["auto_period"], true);
    assert_eq!(v["aggregation"], "rows");
    assert_close("observed", &v["observed"], &g["observed"], 1e-12);
    assert_close("trend", &v["trend"], &g["trend"], 1e-8);
    assert_close("seasonal", &v["seasonal"][0], &g["seasonal"], 1e-8);
    assert_close("weights", &v["weights"], &g["weights"], 1e-8);
    assert_eq!(v["config"]["robust"], true);
    assert_eq!(v["config"]["outer_iter"], 15);
    let first = &v["candidates"][0];
    assert_eq!(first["period"], 7);
    assert!(
        first["sources"]
            .as_array()
            .expect("sources")
            .contains(&Value::from("calendar"))
    );
}

#[test]
fn derived_series_null_rate_and_label_rate() {
    let g = golden();
    let v = json_ok(&[
        "--input",
        FIXTURE,
        "--value",
        "@null_rate:note",
        "--time",
        "ts",
        "--period",
        "7",
    ]);
    assert_close("null rate", &v["observed"], &g["null_rate_note"], 1e-12);
    assert_eq!(v["label"], "null rate of note");
    // "label" has the target role by its name.
    let v = json_ok(&[
        "--input",
        FIXTURE,
        "--value",
        "@label_rate",
        "--time",
        "ts",
        "--period",
        "7",
    ]);
    assert_close("label rate", &v["observed"], &g["label_rate"], 1e-12);
    assert_eq!(v["label"], "label rate (label)");
    let v = json_ok(&[
        "--input",
        FIXTURE,
        "--value",
        "@prediction_mean",
        "--time",
        "ts",
        "--period",
        "7",
    ]);
    assert_eq!(v["label"], "prediction mean (score)");
}

#[test]
fn without_time_the_rows_are_the_series() {
    let v = json_ok(&["--input", FIXTURE, "--value", "value", "--period", "7"]);
    assert_eq!(v["n"], golden()["rows"]);
    assert!(v["timestamps"].is_null());
    assert!(v["frequency"].is_null());
    // The two null values are filled between their neighbours.
    assert_eq!(v["filled"].as_array().map(Vec::len), Some(2));
}

#[test]
fn csv_and_table_outputs() {
    let out = sextant(&[
        "seasonality",
        "--input",
        FIXTURE,
        "--value",
        "value",
        "--time",
        "ts",
        "--period",
        "7",
        "--format",
        "csv",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("index,timestamp,observed,trend,seasonal_7,remainder,weight,filled,anomaly,score")
    );
    assert_eq!(lines.count(), 56);
    assert!(text.contains("\n19,2024-01-20T00:00:00Z,"), "{text}");

    let out = sextant(&[
        "seasonality",
        "--input",
        FIXTURE,
        "--value",
        "@count",
        "--time",
        "ts",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("row count · 56 days from 2024-01-01 to 2024-02-25"),
        "{text}"
    );
    assert!(text.contains("STL, period 7 (detected)"), "{text}");
    assert!(text.contains("Candidate periods"), "{text}");
}

#[test]
fn several_periods_use_mstl() {
    let v = json_ok(&[
        "--input", FIXTURE, "--value", "value", "--time", "ts", "--period", "7", "--period", "14",
    ]);
    assert_eq!(v["method"], "mstl");
    assert_eq!(v["periods"], serde_json::json!([7, 14]));
    assert_eq!(v["windows"], serde_json::json!([11, 15]));
    assert_eq!(v["seasonal"].as_array().map(Vec::len), Some(2));
    assert_eq!(v["seasonal_strength"].as_array().map(Vec::len), Some(2));
}

#[test]
fn bad_input_exits_2_with_a_clear_sentence() {
    let base = ["--input", FIXTURE, "--time", "ts"];
    let with = |extra: &[&str]| {
        let mut a = base.to_vec();
        a.extend_from_slice(extra);
        error_of(&a)
    };
    assert_eq!(
        with(&["--value", "nope"]),
        "error: seasonal_daily.csv has no column \"nope\""
    );
    assert!(
        with(&["--value", "note"])
            .contains("column \"note\" of seasonal_daily.csv is str, not numeric"),
    );
    assert_eq!(
        with(&["--value", "value", "--period", "40"]),
        "error: value (mean) of seasonal_daily.csv: period 40 needs at least 80 days (two full periods) but the series has 56"
    );
    assert_eq!(
        with(&["--value", "value", "--period", "7", "--seasonal", "8"]),
        "error: value (mean) of seasonal_daily.csv: seasonal window must be an odd integer >= 3, got 8"
    );
    assert!(with(&["--value", "value", "--period", "7", "--trend", "5"]).contains("trend window"));
    assert!(with(&["--value", "@median"]).contains("is not a derived series"));
    let usage = |extra: &[&str]| {
        let mut a = base.to_vec();
        a.extend_from_slice(extra);
        usage_error_of(&a)
    };
    assert!(
        usage(&["--value", "value", "--agg", "mode"]).contains("\"mode\" is not an aggregation")
    );
    assert!(usage(&["--value", "value", "--freq", "fortnight"]).contains("not a frequency"));
    // The time column must be a date or time.
    let err = error_of(&["--input", FIXTURE, "--value", "value", "--time", "score"]);
    assert!(
        err.contains("column \"score\" of seasonal_daily.csv is not a date or time column"),
        "{err}"
    );
    // Without a time column the row count is 1 per row: constant.
    let err = error_of(&["--input", FIXTURE, "--value", "@count"]);
    assert!(
        err.contains("the series is constant (all 325 values are 1)"),
        "{err}"
    );
    let err = error_of(&["--input", "no_such.csv", "--value", "x"]);
    assert!(err.contains("no_such.csv does not exist"), "{err}");
    let err = error_of(&["--input", FIXTURE, "--value", "x", "--series", "both"]);
    assert!(err.contains("needs --current"), "{err}");
}

#[test]
fn sample_data_weekly_volume_and_season_aware_comparison() {
    let v = json_ok(&[
        "--input",
        TRAINING,
        "--current",
        PRODUCTION,
        "--value",
        "@count",
        "--time",
        "applied_at",
    ]);
    assert_eq!(v["periods"], serde_json::json!([7]));
    assert_eq!(v["n"], 366);
    assert!(v["seasonal_strength"][0].as_f64().expect("f") > 0.6);
    let c = &v["comparison"];
    assert_eq!(c["period"], 7);
    for key in ["naive", "season_aware"] {
        for k in [
            "difference",
            "p_value",
            "shifted",
            "reference_mean",
            "current_mean",
        ] {
            assert!(c[key].get(k).is_some(), "{key}.{k}");
        }
    }
    assert_eq!(
        c["reference_season_means"].as_array().map(Vec::len),
        Some(7)
    );
    // Both files end to end: 2024-01-01 .. 2025-12-31, the gap in 2025 filled.
    let v = json_ok(&[
        "--input",
        TRAINING,
        "--current",
        PRODUCTION,
        "--series",
        "both",
        "--value",
        "income",
        "--time",
        "applied_at",
        "--period",
        "7",
    ]);
    assert_eq!(v["n"], 731);
    assert_eq!(v["filled"].as_array().map(Vec::len), Some(731 - 366 - 122));
}

#[test]
fn benchmark_command_is_hidden_but_runs() {
    let help = sextant(&["--help"]);
    assert!(!String::from_utf8_lossy(&help.stdout).contains("bench-seasonality"));
    let out = sextant(&["bench-seasonality", "--points", "2000", "--repeat", "1"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("STL on 2000 points"));
}

#[test]
fn drift_score_per_day_is_the_drift_commands_window_score() {
    let series = json_ok(&[
        "--input",
        "sample_data/credit_training.parquet",
        "--current",
        "sample_data/credit_production.parquet",
        "--value",
        "@drift:income",
        "--time",
        "applied_at",
        "--period",
        "7",
    ]);
    let out = sextant(&[
        "drift",
        "--reference",
        "sample_data/credit_training.parquet",
        "--current",
        "sample_data/credit_production.parquet",
        "--windows",
        "day",
        "--format",
        "json",
    ]);
    let drift: Value = serde_json::from_slice(&out.stdout).expect("json");
    let windows = drift["windows"].as_array().expect("windows");
    let observed = floats(&series["observed"]);
    assert_eq!(observed.len(), windows.len());
    assert_eq!(series["label"], "drift score of income");
    for (i, w) in windows.iter().enumerate() {
        let want = w["columns"]["income"]["score"].as_f64().expect("score");
        assert!(
            (observed[i] - want).abs() < 1e-12,
            "{}: {} vs {want}",
            w["label"],
            observed[i]
        );
        assert_eq!(
            series["timestamps"][i].as_str().map(|t| &t[..10]),
            w["label"].as_str()
        );
    }
    // It compares two files: without the production file it says so.
    let e = error_of(&[
        "--input",
        "sample_data/credit_training.parquet",
        "--value",
        "@drift:income",
    ]);
    assert!(e.contains("--current"), "{e}");
}

/// One pipeline: `sextant seasonality` with the flags that say what a session's seasonality
/// settings say gives the numbers of that session's report, comparison included.
#[test]
fn command_with_a_sessions_settings_gives_its_reports_numbers() {
    // tests/sessions/v1-credit.sextant: training data, the timestamp role's column
    // (applied_at), the row count per day, period 7, every other setting at its default.
    let command = json_ok(&[
        "--input",
        TRAINING,
        "--current",
        PRODUCTION,
        "--value",
        "@count",
        "--time",
        "applied_at",
        "--period",
        "7",
    ]);
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("report.json");
    let out = sextant(&[
        "report",
        "--session",
        "tests/sessions/v1-credit.sextant",
        "--format",
        "json",
        "--out",
        file.to_str().expect("utf-8 path"),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(&file).expect("report")).expect("json");
    let season = report["seasonality"]
        .as_object()
        .expect("a seasonality part");
    assert!(season["comparison"].is_object(), "both files: a comparison");
    for (key, want) in season {
        // The report names the aggregation the session chose (mean, unused by a row count);
        // the command the one its series was built with (rows).
        if key == "aggregation" {
            continue;
        }
        assert_eq!(&command[key], want, "{key}");
    }
}

/// The seasonality settings gained a field (the comparison's alpha): the session fixtures still
/// load with its default, and a re-saved session does not write it while it is the default, so
/// its bytes are those of a session written before the field existed.
#[test]
fn session_fixtures_load_and_resave_without_the_default_alpha() {
    for name in ["v1-credit.sextant", "v1-minimal.sextant"] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/sessions")
            .join(name);
        let text = std::fs::read_to_string(&path).expect("fixture");
        let session = sextant::session::parse(&text, &path).expect("parse");
        assert_eq!(session.views.seasonality.alpha, 0.05, "{name}");
        let saved = sextant::session::to_text(&session);
        let again = sextant::session::parse(&saved, &path).expect("parse again");
        assert_eq!(sextant::session::to_text(&again), saved, "{name}: stable");
        let block = saved
            .split("SeasonalitySettings(")
            .nth(1)
            .and_then(|rest| rest.split("\n    ),").next())
            .expect("a seasonality block");
        assert!(!block.contains("alpha"), "{name}: {block}");
    }
}

/// `--alpha` is the comparison's setting (the window and the report use the same one, 0.05
/// unless chosen), and `--seasonal` is validated against the periods before any file is read.
#[test]
fn alpha_and_window_flags_become_settings() {
    let doc = json_ok(&[
        "--input",
        TRAINING,
        "--current",
        PRODUCTION,
        "--value",
        "@count",
        "--time",
        "applied_at",
        "--period",
        "7",
        "--alpha",
        "0.01",
    ]);
    assert_eq!(doc["comparison"]["alpha"], 0.01);
    let err = error_of(&[
        "--input",
        FIXTURE,
        "--value",
        "value",
        "--period",
        "7",
        "--seasonal",
        "7",
        "--seasonal",
        "9",
    ]);
    assert!(
        err.contains("--seasonal was given 2 times for 1 period"),
        "{err}"
    );
}

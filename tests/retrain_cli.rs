//! `sextant retrain`: the JSON contract and the predictions CSV on the sample data, River-equal
//! progressive validation through the command line, and one sentence with exit code 2 on bad
//! input.

use std::process::Command;

use serde_json::Value;

fn sextant(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_sextant"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run sextant")
}

const SAMPLE: [&str; 10] = [
    "retrain",
    "--reference",
    "sample_data/credit_training.parquet",
    "--current",
    "sample_data/credit_production.parquet",
    "--target",
    "defaulted",
    "--time",
    "applied_at",
    "--rename=num_open_accounts=open_accounts",
];

#[test]
fn sample_backtest_json_and_predictions() {
    let dir = tempfile::tempdir().expect("tempdir");
    let csv = dir.path().join("p.csv");
    let csv_s = csv.to_str().expect("path");
    let mut args = SAMPLE.to_vec();
    args.extend([
        "--label-delay",
        "30d",
        "--policy",
        "never",
        "--policy",
        "every:4",
        "--policy",
        "floor:accuracy<0.8",
        "--mode",
        "scratch",
        "--mode",
        "incremental",
        "--what-if-delay",
        "0d",
        "--format",
        "json",
        "--predictions-out",
        csv_s,
    ]);
    let out = sextant(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    let protocol = &v["protocol"];
    assert_eq!(protocol["labels"], "row time + 30d");
    assert_eq!(protocol["first_window"], "2025-09-01T00:00:00Z");
    assert!(
        protocol["features"]
            .as_array()
            .expect("features")
            .iter()
            .any(|f| f == "open_accounts"),
        "the renamed feature is used"
    );
    let runs = v["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 6);
    let never = &runs[0];
    assert_eq!(never["policy"], "never");
    assert_eq!(never["mode"], "scratch");
    assert_eq!(never["retrain_count"], 0);
    let windows = never["windows"].as_array().expect("windows");
    // September to December 2025 in weeks from Monday 2025-09-01.
    assert_eq!(windows.len(), 18);
    for key in [
        "start",
        "end",
        "rows",
        "labelled",
        "accuracy",
        "roc_auc",
        "log_loss",
        "model_version",
    ] {
        assert!(windows[0].get(key).is_some(), "window key {key}");
    }
    let sum: f64 = windows.iter().filter_map(|w| w["log_loss"].as_f64()).sum();
    assert!((sum - never["sum_window_log_loss"].as_f64().expect("sum")).abs() < 1e-9);
    let every = &runs[1];
    let retrains = every["retrains"].as_array().expect("retrains");
    assert!(!retrains.is_empty());
    for key in ["at", "trigger", "train_start", "train_end", "rows"] {
        assert!(retrains[0].get(key).is_some(), "retrain key {key}");
    }
    assert_eq!(retrains[0]["trigger"], "schedule");
    assert_eq!(retrains[0]["at"], "2025-09-29T00:00:00Z");
    let count = every["retrain_count"].as_f64().expect("count");
    let total = every["total_cost"].as_f64().expect("total");
    let s = every["sum_window_log_loss"].as_f64().expect("sum");
    assert!((total - (s + 0.5 * count)).abs() < 1e-9);
    let best = &v["best"];
    let min = runs
        .iter()
        .map(|r| r["total_cost"].as_f64().expect("cost"))
        .fold(f64::INFINITY, f64::min);
    assert_eq!(best["total_cost"].as_f64(), Some(min));
    assert!(!v["frontier"].as_array().expect("frontier").is_empty());
    assert_eq!(v["delay_what_if"][0]["label_delay"], "0d");
    // The CSV: one line per production row (all are predicted) per run.
    let text = std::fs::read_to_string(&csv).expect("csv");
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("row,policy,mode,probability"));
    let rows = protocol["current_rows"].as_u64().expect("rows") as usize;
    let excluded = protocol["excluded_rows"].as_u64().expect("excluded") as usize;
    let body: Vec<&str> = lines.collect();
    assert!(body.len() <= rows * 6 && body.len() >= (rows - excluded) * 6);
    assert!(body[0].starts_with("0,never,scratch,"));
}

#[test]
fn progressive_through_the_command_line_equals_river() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/golden/retrain/golden.json"
    ))
    .expect("golden");
    let g: Value = serde_json::from_str(&text).expect("json");
    let g = &g["river"];
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("stream.csv");
    let mut csv = String::from("t,a,b,g,label\n");
    let n = g["y"].as_array().expect("y").len();
    for i in 0..n {
        let t = g["time_us"][i].as_i64().expect("t");
        csv.push_str(&format!(
            "{},{},{},{},{}\n",
            sextant::vocab::time::format_iso(t),
            g["a"][i].as_f64().expect("a"),
            g["b"][i].as_f64().expect("b"),
            g["g"][i].as_str().expect("g"),
            g["y"][i].as_i64().expect("y"),
        ));
    }
    std::fs::write(&path, csv).expect("write");
    let pred = dir.path().join("p.csv");
    let out = sextant(&[
        "retrain",
        "--progressive",
        "--current",
        path.to_str().expect("path"),
        "--target",
        "label",
        "--time",
        "t",
        "--features",
        "a,b,g",
        "--label-delay",
        "2d",
        "--predictions-out",
        pred.to_str().expect("path"),
        "--format",
        "json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["rows"], n);
    let text = std::fs::read_to_string(&pred).expect("csv");
    let probs: Vec<f64> = text
        .lines()
        .skip(1)
        .map(|l| l.rsplit(',').next().expect("p").parse().expect("float"))
        .collect();
    assert_eq!(probs.len(), n);
    for (i, p) in probs.iter().enumerate() {
        let w = g["probability"][i].as_f64().expect("p");
        assert!((p - w).abs() < 1e-9, "row {i}: {p} vs {w}");
    }
}

fn fails_with(extra: &[&str], needle: &str) {
    let mut args = SAMPLE.to_vec();
    args.extend_from_slice(extra);
    let out = sextant(&args);
    assert_eq!(out.status.code(), Some(2), "{extra:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(needle), "{extra:?}: {err}");
    // One error line (clap adds a usage hint below its own).
    assert_eq!(
        err.lines().filter(|l| l.starts_with("error")).count(),
        1,
        "one sentence: {err}"
    );
}

#[test]
fn bad_input_is_one_sentence_and_exit_2() {
    let out = sextant(&[
        "retrain",
        "--reference",
        "sample_data/credit_training.parquet",
        "--current",
        "sample_data/credit_production.parquet",
        "--target",
        "nope",
        "--time",
        "applied_at",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no column \"nope\""));
    fails_with(&["--cost", "NaN"], "--cost");
    fails_with(&["--cost=-1"], "--cost");
    fails_with(&["--policy", "every:0"], "every needs a whole number");
    fails_with(&["--policy", "floor:accuracy<7"], "from 0 to 1");
    fails_with(&["--mode", "sliding:0d"], "longer than 0");
    fails_with(&["--label-delay", "soon"], "not a duration");
    fails_with(&["--label-delay", "3000d"], "no label arrives");
    fails_with(&["--windows", "fortnight"], "not a window size");
    // A feature that production does not have, named explicitly.
    let out = sextant(&[
        "retrain",
        "--reference",
        "sample_data/credit_training.parquet",
        "--current",
        "sample_data/credit_production.parquet",
        "--target",
        "defaulted",
        "--time",
        "applied_at",
        "--features",
        "age,open_accounts",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("missing in production"), "{err}");
    // Without --features it is left out with a note and the rest runs.
    let mut args = SAMPLE[..9].to_vec();
    args.extend(["--policy", "never", "--mode", "scratch", "--format", "json"]);
    let out = sextant(&args);
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(
        v["notes"]
            .as_array()
            .expect("notes")
            .iter()
            .any(|n| n.as_str().unwrap_or("").contains("open_accounts"))
    );
    // No label column in the file at all.
    let out = sextant(&[
        "retrain",
        "--reference",
        "sample_data/credit_training.parquet",
        "--current",
        "sample_data/credit_production.parquet",
        "--time",
        "applied_at",
        "--target",
        "score",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("0/1 labels"));
}

#[test]
fn detector_alarms_are_the_health_commands_adwin_ddm_and_page_hinkley_drifts() {
    let mut args = SAMPLE.to_vec();
    args.extend(["--policy", "never", "--mode", "scratch", "--format", "json"]);
    let out = sextant(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    let alarms = v["detector_alarms"].as_array().expect("detector_alarms");
    let out = sextant(&[
        "health",
        "--reference",
        "sample_data/credit_training.parquet",
        "--current",
        "sample_data/credit_production.parquet",
        "--target",
        "defaulted",
        "--time",
        "applied_at",
        "--format",
        "json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let health: Value = serde_json::from_slice(&out.stdout).expect("health json");
    let mut want: Vec<(String, u64)> = Vec::new();
    for d in health["detectors"].as_array().expect("detectors") {
        let name = d["name"].as_str().expect("name");
        if ["ADWIN", "DDM", "Page-Hinkley"].contains(&name) {
            for r in d["drifts"].as_array().expect("drifts") {
                want.push((name.to_string(), r.as_u64().expect("row")));
            }
        }
    }
    let mut got: Vec<(String, u64)> = alarms
        .iter()
        .map(|a| {
            (
                a["detector"].as_str().expect("detector").to_string(),
                a["row"].as_u64().expect("row"),
            )
        })
        .collect();
    // In time order in the document; compared as sets here.
    got.sort();
    want.sort();
    assert!(!want.is_empty());
    assert_eq!(got, want);
    let times: Vec<&str> = alarms
        .iter()
        .map(|a| a["at"].as_str().expect("at"))
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
    assert_eq!(times[0], "2025-11-05T20:47:03Z");
}

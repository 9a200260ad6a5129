//! Model health: metrics equal scikit-learn's, detectors equal River's, and the `sextant health`
//! command's JSON contract, exit codes and errors on the sample data.

use std::process::Command;

use serde_json::Value;
use sextant::analysis::health::{HealthInput, HealthParams, Metric, SideData, Task, analyze};
use sextant::analysis::metrics::{SortedRows, classification_metrics, regression_metrics};
use sextant::analysis::windows::WindowSpec;

/// Tolerance of metric values: sums over ≤ 2000 rows in a different order than numpy's.
const METRIC_TOL: f64 = 1e-12;

fn sextant(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_sextant"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run sextant")
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_f64().expect("number"))
        .collect()
}

#[test]
fn metrics_equal_scikit_learn() {
    let golden: Value =
        serde_json::from_str(include_str!("golden/health/metrics.json")).expect("fixture");
    let cases = golden["cases"].as_array().expect("cases");
    assert_eq!(cases.len(), 6);
    for (i, case) in cases.iter().enumerate() {
        let got = if case["task"] == "classification" {
            let p = floats(&case["score"]);
            let y = floats(&case["label"]);
            let rows = SortedRows::new(p.into_iter().zip(y.iter().map(|&y| y == 1.0)).collect());
            classification_metrics(&rows, None, 0.5)
        } else {
            let t = floats(&case["target"]);
            let p = floats(&case["prediction"]);
            let pairs: Vec<(f64, f64)> = t.into_iter().zip(p).collect();
            regression_metrics(&pairs, None)
        };
        for (name, want) in case["expected"].as_object().expect("expected") {
            let metric: Metric = name.parse().expect("metric");
            let want = want.as_f64().expect("number");
            let have = got[&metric];
            assert!(
                (have - want).abs() <= METRIC_TOL * want.abs().max(1.0),
                "case {i} {name}: {have} vs scikit-learn {want}"
            );
        }
    }
}

/// Labels, scores, times of the reference, then of the current data.
type Columns = (
    Vec<Option<f64>>,
    Vec<Option<f64>>,
    Vec<Option<i64>>,
    Vec<Option<f64>>,
    Vec<Option<f64>>,
    Vec<Option<i64>>,
);

/// A small synthetic pair: a calibrated model on the reference; in the current data the labels
/// stop following the score after day 40 (concept drift), and the last 10 days are unlabelled.
fn synthetic() -> Columns {
    let mut state = 7u64;
    let mut uniform = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let day = 86_400_000_000i64;
    let mut side = |n: usize, start: i64, drift: bool| {
        let (mut y, mut p, mut t) = (vec![], vec![], vec![]);
        for i in 0..n {
            let d = (i * 70 / n) as i64;
            let s = uniform();
            let truth = if drift && d >= 40 { 0.5 } else { s };
            y.push((!(drift && d >= 60)).then(|| f64::from(u8::from(uniform() < truth))));
            p.push(Some(s));
            t.push(Some((start + d) * day));
        }
        (y, p, t)
    };
    let (ry, rp, rt) = side(7000, 19_000, false);
    let (cy, cp, ct) = side(7000, 19_723, true);
    (ry, rp, rt, cy, cp, ct)
}

#[test]
fn synthetic_concept_drift_is_seen() {
    let (ry, rp, rt, cy, cp, ct) = synthetic();
    let input = HealthInput {
        reference: SideData {
            target: &ry,
            prediction: &rp,
            times: Some(&rt),
        },
        current: SideData {
            target: &cy,
            prediction: &cp,
            times: Some(&ct),
        },
        ..HealthInput::default()
    };
    let params = HealthParams {
        windows: WindowSpec::Week,
        bootstrap: 100,
        floor: Some(0.6),
        rules: vec!["roc_auc < 0.6 for 2".parse().expect("rule")],
        ..HealthParams::default()
    };
    let r = analyze(&input, &params).expect("report");
    assert_eq!(r.task, Task::Classification);
    assert!(r.windows.len() >= 10);
    let auc = |w: &sextant::analysis::health::WindowHealth| w.metrics.get(&Metric::RocAuc).copied();
    // Early windows: a good model; the interval holds the value.
    let first = &r.windows[0];
    let a = auc(first).expect("auc");
    assert!(a > 0.7, "{a}");
    let iv = first.intervals[&Metric::RocAuc];
    assert!(iv[0] <= a && a <= iv[1]);
    // Late labelled windows: chance level; unlabelled windows have no metric but an estimate.
    let last = r.windows.last().expect("window");
    assert_eq!(last.labelled, 0);
    assert!(auc(last).is_none());
    assert!(last.estimated.contains_key(&Metric::RocAuc));
    assert!(r.alerts.iter().any(|a| a.rule.value == "roc_auc"));
    // Before the concept drift the model is calibrated, so CBPE's estimate is close to the
    // realised accuracy; after it, the estimate (which cannot see labels) stays high.
    for w in &r.windows[..4] {
        let (est, real) = (w.estimated[&Metric::Accuracy], w.metrics[&Metric::Accuracy]);
        assert!(
            (est - real).abs() < 0.05,
            "{}: {est} vs {real}",
            w.window.label
        );
    }
    // Same seed, same numbers.
    let again = analyze(&input, &params).expect("report");
    assert_eq!(r, again);
    // The error stream's detectors find the change after day 40, not before.
    let ddm = r.detectors.iter().find(|d| d.name == "DDM").expect("ddm");
    assert!(!ddm.drifts.is_empty());
}

#[test]
fn cli_json_has_the_contract() {
    let out = sextant(&[
        "health",
        "--reference",
        "sample_data/credit_training.parquet",
        "--current",
        "sample_data/credit_production.parquet",
        "--bootstrap",
        "20",
        "--format",
        "json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["task"], "classification");
    for key in [
        "reference_metrics",
        "windows",
        "detectors",
        "staleness",
        "alerts",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    let windows = v["windows"].as_array().expect("windows");
    assert_eq!(windows.len(), 18);
    let w = &windows[0];
    for key in [
        "start",
        "end",
        "rows",
        "labelled",
        "metrics",
        "intervals",
        "estimated",
    ] {
        assert!(w.get(key).is_some(), "missing {key} in a window");
    }
    for key in [
        "accuracy",
        "precision",
        "recall",
        "f1",
        "roc_auc",
        "pr_auc",
        "log_loss",
        "brier",
        "ece",
    ] {
        assert!(w["metrics"].get(key).is_some(), "missing metric {key}");
    }
    for key in ["accuracy", "roc_auc", "f1"] {
        assert!(w["estimated"].get(key).is_some(), "missing estimate {key}");
    }
    assert_eq!(w["start"], "2025-09-01T00:00:00Z");
    // Labels stop at 2025-11-30: the December windows have none.
    let december = windows.last().expect("window");
    assert_eq!(december["labelled"], 0);
    assert!(december["metrics"].as_object().expect("metrics").is_empty());
    // Concept drift from November: accuracy falls below the reference band.
    let band_low = v["reference_band"]["accuracy"]["lower"]
        .as_f64()
        .expect("band");
    let november = windows
        .iter()
        .find(|w| w["label"] == "2025-11-03")
        .expect("november");
    assert!(november["metrics"]["accuracy"].as_f64().expect("acc") < band_low);
    let detectors = v["detectors"].as_array().expect("detectors");
    assert!(detectors.iter().any(|d| d["name"] == "DDM"));
}

#[test]
fn cli_rules_exit_1_and_bad_input_exits_2() {
    let base = [
        "health",
        "--reference",
        "sample_data/credit_training.parquet",
        "--current",
        "sample_data/credit_production.parquet",
        "--bootstrap",
        "0",
        "--no-feature-drift",
    ];
    let mut args = base.to_vec();
    args.extend([
        "--rule",
        "null_rate:debt_to_income > 5%",
        "--format",
        "json",
    ]);
    let out = sextant(&args);
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    let alert = &v["alerts"][0];
    assert_eq!(alert["rule"], "null_rate:debt_to_income > 0.05");
    // The NaN spike starts on 2025-11-15: the week of 2025-11-10 is the first to fire.
    assert_eq!(alert["labels"][0], "2025-11-10");

    let mut args = base.to_vec();
    args.extend(["--target", "no_such_column"]);
    let out = sextant(&args);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no_such_column"), "{err}");

    let mut args = base.to_vec();
    args.extend(["--rule", "roc_auc = 0.8"]);
    assert_eq!(sextant(&args).status.code(), Some(2));

    let mut args = base.to_vec();
    args.extend(["--target", "income", "--task", "classification"]);
    let out = sextant(&args);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("labels 0 and 1"), "{err}");
}

#[test]
fn detectors_equal_river() {
    use sextant::analysis::health::detectors::{
        Adwin, Ddm, Detector, Eddm, HddmA, Kswin, PageHinkley, detect,
    };
    let golden: Value =
        serde_json::from_str(include_str!("golden/health/detectors.json")).expect("fixture");
    let streams = golden["streams"].as_array().expect("streams");
    assert_eq!(streams.len(), 6);
    let mut compared = 0;
    for s in streams {
        let values = floats(&s["values"]);
        for (name, want) in s["expected"].as_object().expect("expected") {
            let mut d: Box<dyn Detector> = match name.as_str() {
                "DDM" => Box::new(Ddm::default()),
                "EDDM" => Box::new(Eddm::default()),
                "HDDM_A" => Box::new(HddmA::default()),
                "ADWIN" => Box::new(Adwin::default()),
                "Page-Hinkley" => Box::new(PageHinkley::default()),
                "KSWIN" => Box::new(Kswin::with_seed(42)),
                other => panic!("unknown detector {other}"),
            };
            let (warnings, drifts) = detect(d.as_mut(), values.iter().copied());
            let indices = |v: &Value| -> Vec<usize> {
                v.as_array()
                    .expect("indices")
                    .iter()
                    .map(|i| i.as_u64().expect("index") as usize)
                    .collect()
            };
            assert_eq!(
                drifts,
                indices(&want["drifts"]),
                "{} {name} drifts",
                s["name"]
            );
            assert_eq!(
                warnings,
                indices(&want["warnings"]),
                "{} {name} warnings",
                s["name"]
            );
            compared += 1;
        }
    }
    assert_eq!(compared, 4 * 6 + 2 * 3);
}

#[test]
fn python_random_matches_cpython() {
    use sextant::analysis::health::detectors::PythonRandom;
    // random.Random(42).getrandbits(32), three times; random.Random(42).sample(range(70), 30).
    let mut r = PythonRandom::new(42);
    assert_eq!(
        [r.next_u32(), r.next_u32(), r.next_u32()],
        [2746317213, 478163327, 107420369]
    );
    let mut r = PythonRandom::new(42);
    assert_eq!(
        r.sample_range(70, 30),
        [
            14, 3, 35, 31, 28, 17, 13, 43, 47, 57, 34, 5, 37, 27, 2, 1, 58, 63, 69, 32, 38, 54, 67,
            12, 45, 41, 59, 26, 51, 65
        ]
    );
}

#[test]
fn cbpe_calibration_and_estimates_equal_scikit_learn_and_numpy() {
    use sextant::analysis::health::cbpe::Calibration;
    let golden: Value =
        serde_json::from_str(include_str!("golden/health/metrics.json")).expect("fixture");
    let case = &golden["cases"][0];
    let pairs: Vec<(f64, bool)> = floats(&case["score"])
        .into_iter()
        .zip(floats(&case["label"]).into_iter().map(|y| y == 1.0))
        .collect();
    let c = Calibration::fit(&pairs);
    let cbpe = &golden["cbpe"];
    for (x, want) in floats(&cbpe["calibration_grid"])
        .into_iter()
        .zip(floats(&cbpe["calibrated"]))
    {
        let have = c.apply(x);
        assert!(
            (have - want).abs() < 1e-12,
            "calibration at {x}: {have} vs {want}"
        );
    }
    let est = c.estimate(&floats(&cbpe["scores"]), 0.5);
    for (name, want) in cbpe["expected"].as_object().expect("expected") {
        let m: Metric = name.parse().expect("metric");
        let want = want.as_f64().expect("number");
        assert!(
            (est[&m] - want).abs() < 1e-12,
            "{name}: {} vs {want}",
            est[&m]
        );
    }
}

#[test]
fn latency_percentiles_and_regression() {
    // Latency 1..=100 ms in one chunk: numpy.percentile(range(1, 101), [50, 95, 99]) =
    // [50.5, 95.05, 99.01].
    let n = 100;
    let y: Vec<Option<f64>> = (0..n).map(|i| Some(f64::from(i % 7) + 10.0)).collect();
    let p: Vec<Option<f64>> = (0..n).map(|i| Some(f64::from(i % 5) + 10.0)).collect();
    let latency: Vec<Option<f64>> = (1..=n).map(|i| Some(f64::from(i))).collect();
    let input = HealthInput {
        reference: SideData {
            target: &y,
            prediction: &p,
            times: None,
        },
        current: SideData {
            target: &y,
            prediction: &p,
            times: None,
        },
        latency: vec![("latency_ms".into(), &latency)],
        ..HealthInput::default()
    };
    let params = HealthParams {
        windows: WindowSpec::Chunks(2),
        rules: vec!["p95:latency_ms > 90".parse().expect("rule")],
        ..HealthParams::default()
    };
    let r = analyze(&input, &params).expect("report");
    assert_eq!(r.task, Task::Regression);
    let second = &r.windows[1].latency[0];
    // The second chunk holds 51..=100: percentiles 75.5, 97.55, 99.51.
    assert!((second.p50 - 75.5).abs() < 1e-12);
    assert!((second.p95 - 97.55).abs() < 1e-12);
    assert!((second.p99 - 99.51).abs() < 1e-12);
    assert_eq!(r.alerts[0].windows, vec![1]);
    // Regression metrics per window equal the closed forms on the same rows.
    let rows: Vec<(f64, f64)> = (50..100)
        .map(|i| (f64::from(i % 7) + 10.0, f64::from(i % 5) + 10.0))
        .collect();
    let mae = rows.iter().map(|(a, b)| (a - b).abs()).sum::<f64>() / 50.0;
    assert!((r.windows[1].metrics[&Metric::Mae] - mae).abs() < 1e-12);
    assert!(
        r.detectors
            .iter()
            .all(|d| ["ADWIN", "Page-Hinkley", "KSWIN"].contains(&d.name.as_str()))
    );
}

#[test]
fn production_without_labels_gets_estimates_only() {
    let dir = tempfile::tempdir().expect("dir");
    let current = dir.path().join("unlabelled.csv");
    std::fs::write(
        &current,
        "applied_at,score\n2025-09-01T10:00:00,0.2\n2025-09-02T10:00:00,0.7\n2025-09-09T10:00:00,0.4\n",
    )
    .expect("write");
    let out = sextant(&[
        "health",
        "--reference",
        "sample_data/credit_training.parquet",
        "--current",
        current.to_str().expect("path"),
        "--target",
        "defaulted",
        "--prediction",
        "score",
        "--time",
        "applied_at",
        "--no-feature-drift",
        "--format",
        "json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    let windows = v["windows"].as_array().expect("windows");
    assert_eq!(windows.len(), 2);
    assert_eq!(windows[0]["labelled"], 0);
    assert!(windows[0]["estimated"]["accuracy"].as_f64().is_some());
}

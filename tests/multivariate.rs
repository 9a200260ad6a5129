//! Multivariate drift against its references: NannyML 0.13.1's data reconstruction drift and
//! scikit-learn 1.5.2's `roc_auc_score`, on the pair made by
//! tests/golden/multivariate/make_reconstruction_golden.py (pinned versions in its docstring;
//! x1 and x2 keep their marginals while their correlation flips from the fourth production
//! week). Tolerance 1e-9 (absolute, on errors of order 1).

use std::path::Path;

use sextant::analysis::multivariate::roc_auc;
use sextant::analysis::windows::WindowSpec;
use sextant::data::{Dataset, LoadOptions, RoleMap};
use sextant::engine::drift::DriftInputs;
use sextant::engine::multivariate::{MultivariateSettings, run};
use sextant::vocab::{Progress, Renames};

const TOL: f64 = 1e-9;

fn load(name: &str) -> Dataset {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden/multivariate")
        .join(name);
    Dataset::load(&path, &LoadOptions::default(), &Progress::silent()).expect("golden data")
}

fn golden() -> serde_json::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden/multivariate/reconstruction_golden.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("golden")).expect("json")
}

fn close(a: f64, b: f64, what: &str) {
    assert!((a - b).abs() <= TOL, "{what}: {a} vs NannyML {b}");
}

#[test]
fn reconstruction_error_equals_nannyml() {
    let (reference, current) = (load("reference.csv"), load("current.csv"));
    let mut roles = RoleMap::default();
    roles.add_inferred(&reference.columns);
    roles.add_inferred(&current.columns);
    let renames = Renames::default();
    let inputs = DriftInputs {
        reference: &reference,
        current: &current,
        roles: &roles,
        renames: &renames,
    };
    let settings = MultivariateSettings {
        classifier: true,
        ..MultivariateSettings::default()
    };
    let out = run(&inputs, &settings, WindowSpec::Week, &Progress::silent()).expect("run");
    let g = golden();
    let mut expected: Vec<String> = g["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    let mut got = out.features.clone();
    expected.sort();
    got.sort();
    assert_eq!(got, expected, "features");
    let r = &out.reconstruction;
    assert_eq!(r.components as u64, g["components"].as_u64().unwrap());
    for (part, windows) in [
        ("reference_windows", &r.reference_windows),
        ("windows", &r.windows),
    ] {
        let gw = g[part].as_array().unwrap();
        assert_eq!(windows.len(), gw.len(), "{part}");
        for (w, e) in windows.iter().zip(gw) {
            let what = format!("{part} {}", w.window.label);
            assert!(
                e["start"].as_str().unwrap().starts_with(&w.window.label),
                "{what}"
            );
            close(
                w.error,
                e["error"].as_f64().unwrap(),
                &format!("{what} error"),
            );
            close(
                w.sampling_error.unwrap(),
                e["sampling_error"].as_f64().unwrap(),
                &format!("{what} sampling error"),
            );
            close(
                w.upper.unwrap(),
                e["upper"].as_f64().unwrap(),
                &format!("{what} upper"),
            );
            match (w.lower, e["lower"].as_f64()) {
                (Some(a), Some(b)) => close(a, b, &format!("{what} lower")),
                (None, None) => {}
                other => panic!("{what} lower: {other:?}"),
            }
            assert_eq!(w.alert, e["alert"].as_bool().unwrap(), "{what} alert");
        }
    }
    // The feature shares of the squared error, from NannyML's own fitted pipeline.
    for (w, e) in r.windows.iter().zip(g["contributions"].as_array().unwrap()) {
        for (name, share) in out.features.iter().zip(&w.contributions) {
            close(
                *share,
                e[name].as_f64().unwrap(),
                &format!("{} share of {name}", w.window.label),
            );
        }
    }
    // The flip is what breaks the structure: x1 and x2 carry most of the error after it.
    let last = r.windows.last().unwrap();
    let share = |n: &str| last.contributions[out.features.iter().position(|f| f == n).unwrap()];
    assert!(share("x1") + share("x2") > 0.5);
    assert!(last.anomalies.len() == 10 && last.anomalies[0].error >= last.anomalies[9].error);
    assert!(last.anomalies[0].id.is_some() && last.anomalies[0].timestamp.is_some());

    // The domain classifier sees the flip too (the squared residuals make it separable).
    let dc = out.domain_classifier.as_ref().unwrap();
    let before = dc.windows[0].auc.unwrap();
    let after = dc.windows[5].auc.unwrap();
    assert!(before < 0.56, "{before}");
    assert!(after > 0.6 && dc.windows[5].drifted, "{after}");
    assert!(dc.windows[5].p_value.unwrap() < 1e-6);
}

#[test]
fn auc_equals_roc_auc_score() {
    let g = golden();
    let labels: Vec<bool> = g["auc"]["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64() == Some(1))
        .collect();
    let scores: Vec<f64> = g["auc"]["scores"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    let expected = g["auc"]["roc_auc_score"].as_f64().unwrap();
    let got = roc_auc(&scores, &labels).unwrap();
    assert!(
        (got - expected).abs() < 1e-12,
        "{got} vs sklearn {expected}"
    );
}

fn frame_dataset(name: &str, columns: Vec<polars::prelude::Column>) -> Dataset {
    let frame = polars::prelude::DataFrame::new_infer_height(columns).expect("frame");
    Dataset::from_frame(name.into(), frame, &Progress::silent()).expect("dataset")
}

fn run_on(
    reference: &Dataset,
    current: &Dataset,
    spec: WindowSpec,
) -> Result<sextant::engine::multivariate::MultivariateOutcome, String> {
    let mut roles = RoleMap::default();
    roles.add_inferred(&reference.columns);
    let renames = Renames::default();
    let inputs = DriftInputs {
        reference,
        current,
        roles: &roles,
        renames: &renames,
    };
    run(
        &inputs,
        &MultivariateSettings::default(),
        spec,
        &Progress::silent(),
    )
    .map_err(|e| e.to_string())
}

#[test]
fn one_numeric_feature_is_refused_in_one_sentence() {
    use polars::prelude::*;
    let col = |v: Vec<f64>| Column::new("x".into(), v);
    let r = frame_dataset("r.csv", vec![col((0..50).map(f64::from).collect())]);
    let c = frame_dataset("c.csv", vec![col((0..50).map(f64::from).collect())]);
    let e = run_on(&r, &c, WindowSpec::Chunks(2)).unwrap_err();
    assert!(
        e.contains("at least two features") && e.contains("only 1"),
        "{e}"
    );
}

#[test]
fn a_window_smaller_than_the_folds_is_named_and_the_rest_runs() {
    use polars::prelude::*;
    let mut rng = sextant::vocab::Rng::new(3);
    let mut side = |n: usize| {
        let a: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
        let b: Vec<f64> = a.iter().map(|x| x + 0.3 * rng.normal()).collect();
        vec![Column::new("a".into(), a), Column::new("b".into(), b)]
    };
    let r = frame_dataset("r.csv", side(400));
    // 12 chunks of one row each: a chunk of one row cannot be split into 5 folds.
    let c = frame_dataset("c.csv", side(12));
    let out = run_on(&r, &c, WindowSpec::Chunks(12)).expect("reconstruction runs");
    assert_eq!(out.reconstruction.windows.len(), 12);
    let dc = out.domain_classifier.expect("classifier part");
    let e = dc.windows[0].error.as_deref().expect("window error");
    assert!(
        e.contains("chunk 1") && e.contains("fewer than the 5 folds"),
        "{e}"
    );
    // The whole production data (12 rows) still gets its AUC.
    assert!(dc.overall.auc.is_some());
    // A one-row window has no sampling error (NannyML: NaN), never a panic.
    assert!(out.reconstruction.windows[0].sampling_error.is_none());
}

#[test]
fn the_drift_command_reports_multivariate_drift_and_bad_input() {
    let bin = env!("CARGO_BIN_EXE_sextant");
    let g = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/multivariate");
    let out = std::process::Command::new(bin)
        .args(["drift", "--multivariate", "--format", "json", "--reference"])
        .arg(g.join("reference.csv"))
        .arg("--current")
        .arg(g.join("current.csv"))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let m = &v["multivariate"];
    assert_eq!(m["reconstruction"]["components"], 3);
    let w = &m["reconstruction"]["windows"][3];
    for key in [
        "start",
        "end",
        "error",
        "sampling_error",
        "upper",
        "lower",
        "alert",
        "contributions",
    ] {
        assert!(!w[key].is_null(), "{key}");
    }
    assert_eq!(w["alert"], true);
    assert!(
        m["reconstruction"]["reference_windows"]
            .as_array()
            .unwrap()
            .len()
            == 6
    );
    let dc = &m["domain_classifier"]["windows"][3];
    for key in ["start", "auc", "p_value", "importances"] {
        assert!(!dc[key].is_null(), "{key}");
    }
    // --fail-on-drift counts multivariate drift.
    let out = std::process::Command::new(bin)
        .args(["drift", "--multivariate", "--fail-on-drift", "--reference"])
        .arg(g.join("reference.csv"))
        .arg("--current")
        .arg(g.join("current.csv"))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    // An absurd flag: one sentence, exit 2.
    let out = std::process::Command::new(bin)
        .args(["drift", "--multivariate-variance", "1.5", "--reference"])
        .arg(g.join("reference.csv"))
        .arg("--current")
        .arg(g.join("current.csv"))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("(0, 1)"));
}

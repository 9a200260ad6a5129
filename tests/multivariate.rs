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

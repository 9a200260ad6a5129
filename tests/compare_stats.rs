//! Champion against challenger, the statistics core: each model's ROC AUC, accuracy, log loss
//! and ROC curve against scikit-learn 1.5.2, DeLong against the fast-DeLong numpy code and
//! McNemar against statsmodels, on the cases `tests/golden/experiment/make_compare_golden.py`
//! wrote into compare.json; then the paired bootstrap, which has no external reference, by its
//! properties (determinism, intervals around the estimate, width against n, standard errors
//! against the closed forms they estimate).

use serde_json::Value;
use sextant::analysis::experiment::ExperimentError;
use sextant::analysis::experiment::offline::{
    BootstrapParams, BootstrapReport, CompareParams, Comparison, paired_bootstrap,
};
use sextant::analysis::experiment::roc::RocCurve;
use sextant::vocab::Rng;

fn golden() -> Value {
    let path = format!(
        "{}/tests/golden/experiment/compare.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("json")
}

/// A JSON number, or the crate's "Infinity" string.
fn f(v: &Value) -> f64 {
    match v.as_str() {
        Some("Infinity") => f64::INFINITY,
        Some("-Infinity") => f64::NEG_INFINITY,
        Some("NaN") => f64::NAN,
        _ => v
            .as_f64()
            .unwrap_or_else(|| panic!("number expected, got {v}")),
    }
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array().expect("array").iter().map(f).collect()
}

/// Input scores, written as exact decimal strings (see the golden script).
fn exact(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_str().expect("a string").parse().expect("a float"))
        .collect()
}

fn close(what: &str, got: f64, want: f64, tol: f64) {
    let scale = got.abs().max(want.abs()).max(1e-300);
    assert!(
        (got - want).abs() <= tol * scale,
        "{what}: got {got:e}, want {want:e}"
    );
}

struct Case {
    name: String,
    labels: Vec<bool>,
    champion: Vec<f64>,
    challenger: Vec<f64>,
    threshold: f64,
    json: Value,
}

impl Case {
    fn params(&self) -> CompareParams<'_> {
        CompareParams {
            labels: &self.labels,
            champion: &self.champion,
            challenger: &self.challenger,
            threshold: self.threshold,
        }
    }
}

fn cases() -> Vec<Case> {
    golden()["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c| Case {
            name: c["name"].as_str().expect("name").to_string(),
            labels: c["labels"]
                .as_array()
                .expect("labels")
                .iter()
                .map(|v| v.as_u64() == Some(1))
                .collect(),
            champion: exact(&c["champion"]),
            challenger: exact(&c["challenger"]),
            threshold: f(&c["threshold"]),
            json: c.clone(),
        })
        .collect()
}

fn assert_curve(what: &str, got: &RocCurve, want: &Value) {
    for (key, values) in [
        ("fpr", &got.fpr),
        ("tpr", &got.tpr),
        ("thresholds", &got.thresholds),
    ] {
        let w = floats(&want[key]);
        assert_eq!(values.len(), w.len(), "{what} {key}: length");
        for (i, (g, w)) in values.iter().zip(&w).enumerate() {
            // Rates are the same count over the same total, the same float; serde_json
            // (without its float_roundtrip feature) may read a decimal one ulp off.
            assert!(
                g == w || (g - w).abs() <= 4.0 * f64::EPSILON * w.abs(),
                "{what} {key}[{i}]: got {g}, want {w}"
            );
        }
    }
}

#[test]
fn metrics_and_curves_equal_scikit_learn() {
    for case in cases() {
        let c = Comparison::new(&case.params()).expect("comparison");
        let [roc_a, roc_b] = c.roc_curves();
        for (who, m, roc) in [
            ("champion", c.champion_metrics(), &roc_a),
            ("challenger", c.challenger_metrics(), &roc_b),
        ] {
            let want = &case.json[format!("{who}_expected")];
            let what = format!("{} {who}", case.name);
            close(
                &format!("{what} roc_auc_score"),
                m.roc_auc,
                f(&want["roc_auc"]),
                1e-12,
            );
            // Accuracy is a count over n: exact up to how serde_json reads a decimal.
            close(
                &format!("{what} accuracy_score"),
                m.accuracy,
                f(&want["accuracy"]),
                4.0 * f64::EPSILON,
            );
            // numpy sums pairwise, Rust left to right: equal to ~1e-15.
            close(
                &format!("{what} log_loss"),
                m.log_loss,
                f(&want["log_loss"]),
                1e-12,
            );
            assert_curve(&what, roc, &want["roc_curve"]);
        }
    }
}

#[test]
fn delong_and_mcnemar_equal_their_references() {
    for case in cases() {
        let c = Comparison::new(&case.params()).expect("comparison");
        let d = c.delong(0.05).expect("delong");
        let want = &case.json["delong"];
        for (key, got) in [
            ("difference", d.difference),
            ("variance", d.variance),
            ("z", d.z),
            ("p_value", d.p_value),
            ("ci_low", d.ci_low),
            ("ci_high", d.ci_high),
        ] {
            close(
                &format!("{} delong {key}", case.name),
                got,
                f(&want[key]),
                1e-9,
            );
        }
        let m = c.mcnemar();
        let want = &case.json["mcnemar"];
        let table: Vec<Vec<u64>> = m.table.iter().map(|r| r.to_vec()).collect();
        let want_table: Vec<Vec<u64>> = want["table"]
            .as_array()
            .expect("table")
            .iter()
            .map(|r| {
                r.as_array()
                    .expect("row")
                    .iter()
                    .map(|v| v.as_u64().expect("count"))
                    .collect()
            })
            .collect();
        assert_eq!(table, want_table, "{} table", case.name);
        close(
            &format!("{} exact p", case.name),
            m.test.exact_p_value,
            f(&want["exact_p_value"]),
            1e-9,
        );
        close(
            &format!("{} chi2", case.name),
            m.test.chi2.expect("chi2"),
            f(&want["chi2"]),
            1e-12,
        );
        close(
            &format!("{} chi2 p", case.name),
            m.test.chi2_p_value.expect("chi2 p"),
            f(&want["chi2_p_value"]),
            1e-9,
        );
    }
}

fn boot(c: &Comparison, resamples: usize, auc_resamples: usize, seed: u64) -> BootstrapReport {
    paired_bootstrap(
        c,
        &BootstrapParams {
            resamples,
            auc_resamples,
            seed,
            alpha: 0.05,
        },
    )
    .expect("bootstrap")
}

#[test]
fn the_bootstrap_is_fixed_by_its_seed() {
    let case = &cases()[0];
    let c = Comparison::new(&case.params()).expect("comparison");
    let a = boot(&c, 500, 50, 7);
    assert_eq!(a, boot(&c, 500, 50, 7));
    let b = boot(&c, 500, 50, 8);
    assert_ne!(
        a.log_loss_difference.expect("ll").ci_low,
        b.log_loss_difference.expect("ll").ci_low
    );
    // A replicate depends on (seed, index) only: the 300th alone is the 300th of the run.
    assert_eq!(c.replicate(7, 300, true), c.replicate(7, 300, true));
    assert_ne!(c.replicate(7, 300, false), c.replicate(7, 301, false));
}

#[test]
fn intervals_hold_the_estimate_on_ordinary_data() {
    for case in cases() {
        let c = Comparison::new(&case.params()).expect("comparison");
        let r = boot(&c, 1000, 200, 1);
        assert_eq!(r.resamples_used, 1000, "{}", case.name);
        for (what, i) in [
            ("log loss", r.log_loss_difference),
            ("accuracy", r.accuracy_difference),
            ("auc", r.roc_auc_difference),
        ] {
            let i = i.unwrap_or_else(|| panic!("{} {what}: an interval", case.name));
            assert!(
                i.ci_low < i.estimate && i.estimate < i.ci_high,
                "{} {what}: {i:?}",
                case.name
            );
        }
        let want_auc = c.challenger_metrics().roc_auc - c.champion_metrics().roc_auc;
        assert_eq!(r.roc_auc_difference.expect("auc").estimate, want_auc);
    }
}

/// Scores of two models on generated rows: the challenger sees the signal more clearly.
fn generated(n: usize, seed: u64) -> (Vec<bool>, Vec<f64>, Vec<f64>) {
    let mut rng = Rng::new(seed);
    let (mut y, mut a, mut b) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..n {
        let pos = rng.uniform() < 0.35;
        let x = rng.normal() + if pos { 0.8 } else { -0.8 };
        let logistic = |v: f64| 1.0 / (1.0 + (-v).exp());
        y.push(pos);
        a.push(logistic(x + rng.normal()));
        b.push(logistic(1.1 * x + 0.8 * rng.normal()));
    }
    (y, a, b)
}

#[test]
fn intervals_narrow_as_one_over_root_n() {
    let width = |n: usize| {
        let (y, a, b) = generated(n, 3);
        let c = Comparison::new(&CompareParams {
            labels: &y,
            champion: &a,
            challenger: &b,
            threshold: 0.5,
        })
        .expect("comparison");
        let r = boot(&c, 1000, 0, 2);
        let i = r.log_loss_difference.expect("ll");
        let j = r.accuracy_difference.expect("acc");
        assert!(r.roc_auc_difference.is_none(), "no AUC resamples asked for");
        (i.ci_high - i.ci_low, j.ci_high - j.ci_low)
    };
    let (small_ll, small_acc) = width(1000);
    let (large_ll, large_acc) = width(16_000);
    // 16 times the rows: a quarter of the width, give or take the resampling noise.
    for (what, ratio) in [
        ("log loss", small_ll / large_ll),
        ("accuracy", small_acc / large_acc),
    ] {
        assert!((3.0..5.3).contains(&ratio), "{what}: width ratio {ratio}");
    }
}

#[test]
fn standard_errors_match_the_closed_forms() {
    let (y, a, b) = generated(5000, 11);
    let params = CompareParams {
        labels: &y,
        champion: &a,
        challenger: &b,
        threshold: 0.5,
    };
    let c = Comparison::new(&params).expect("comparison");
    let r = boot(&c, 2000, 400, 5);
    let n = y.len() as f64;
    // The bootstrap SE of a mean of paired differences d estimates sd(d)/√n.
    let se_of_mean = |d: &[f64]| {
        let m = d.iter().sum::<f64>() / n;
        (d.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0) / n).sqrt()
    };
    let clip = |p: f64| p.clamp(f64::EPSILON, 1.0 - f64::EPSILON);
    let loss = |yi: bool, p: f64| {
        -if yi {
            clip(p).ln()
        } else {
            (1.0 - clip(p)).ln()
        }
    };
    let d_ll: Vec<f64> = (0..y.len())
        .map(|i| loss(y[i], b[i]) - loss(y[i], a[i]))
        .collect();
    let right = |p: f64, yi: bool| f64::from(u8::from((p >= 0.5) == yi));
    let d_acc: Vec<f64> = (0..y.len())
        .map(|i| right(b[i], y[i]) - right(a[i], y[i]))
        .collect();
    for (what, got, want) in [
        (
            "log loss",
            r.log_loss_difference.expect("ll").std_error,
            se_of_mean(&d_ll),
        ),
        (
            "accuracy",
            r.accuracy_difference.expect("acc").std_error,
            se_of_mean(&d_acc),
        ),
        (
            // DeLong's variance is the asymptotic variance the AUC bootstrap estimates.
            "auc",
            r.roc_auc_difference.expect("auc").std_error,
            c.delong(0.05).expect("delong").variance.sqrt(),
        ),
    ] {
        let tol = if what == "auc" { 0.15 } else { 0.08 };
        assert!(
            (got / want - 1.0).abs() < tol,
            "{what}: bootstrap SE {got}, closed form {want}"
        );
    }
}

#[test]
fn bad_input_is_refused() {
    let y = [true, false, true, false];
    let ok = [0.9, 0.2, 0.7, 0.4];
    let params = |a: &'static [f64], t: f64| CompareParams {
        labels: &y,
        champion: a,
        challenger: &ok,
        threshold: t,
    };
    assert!(matches!(
        Comparison::new(&params(&[0.9, 0.2, 1.5, 0.4], 0.5)),
        Err(ExperimentError::OutOfRange {
            name: "champion score",
            ..
        })
    ));
    assert!(matches!(
        Comparison::new(&params(&[0.9, f64::NAN, 0.5, 0.4], 0.5)),
        Err(ExperimentError::NonFinite { index: 1, .. })
    ));
    assert!(matches!(
        Comparison::new(&params(&[0.9, 0.2, 0.5], 0.5)),
        Err(ExperimentError::LengthMismatch { .. })
    ));
    assert!(matches!(
        Comparison::new(&params(&[0.9, 0.2, 0.5, 0.1], f64::NAN)),
        Err(ExperimentError::OutOfRange {
            name: "threshold",
            ..
        })
    ));
    let one_class = CompareParams {
        labels: &[true, true],
        champion: &[0.4, 0.6],
        challenger: &[0.5, 0.5],
        threshold: 0.5,
    };
    assert!(matches!(
        Comparison::new(&one_class),
        Err(ExperimentError::TooFewUnits { .. })
    ));
    // The same scores twice: DeLong's variance is 0, said as an error, not a NaN.
    let same = CompareParams {
        labels: &y,
        champion: &ok,
        challenger: &ok,
        threshold: 0.5,
    };
    let c = Comparison::new(&same).expect("comparison");
    assert!(matches!(
        c.delong(0.05),
        Err(ExperimentError::ZeroVariance { .. })
    ));
    assert!(
        paired_bootstrap(
            &c,
            &BootstrapParams {
                resamples: 10,
                auc_resamples: 11,
                seed: 0,
                alpha: 0.05
            }
        )
        .is_err()
    );
}

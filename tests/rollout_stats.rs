//! The rollout's statistics against their references, on the committed golden values of
//! tests/golden/rollout/make_golden.py: gbstats's post-stratified effects
//! (`EffectMomentsPostStratification`), its post-stratified fixed-horizon test (`TwoSidedTTest`,
//! `post_stratify=True`) and one-sided sequential bounds
//! (`SequentialOneSidedTreatment{Greater,Lesser}TTest`, `post_stratify=True`), the closed-form
//! p-value of those bounds (scipy's brentq on gbstats's half-width), and the step detector's
//! split statistic (scipy's G-test) and critical value (scipy's `chi2.isf`).

use serde_json::Value;
use sextant::analysis::experiment::moments::{ArmSummary, MetricKind};
use sextant::analysis::experiment::rollout::{chi2_1_critical, split_statistic};
use sextant::analysis::experiment::sequential::{
    Alternative, DEFAULT_TUNING, OneSidedParams, sequential_one_sided,
};
use sextant::analysis::experiment::stratified::{
    Difference, Stratum, post_stratified, post_stratified_test,
};

fn golden() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/golden/rollout/rollout.json"
    ))
    .expect("golden file");
    serde_json::from_str(&text).expect("JSON")
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

fn close(got: f64, want: f64, rel: f64, what: &str) {
    let tol = rel * want.abs().max(1e-12);
    assert!(
        (got - want).abs() <= tol,
        "{what}: got {got:e}, want {want:e}"
    );
}

fn arm(v: &Value) -> ArmSummary {
    ArmSummary {
        kind: match v["kind"].as_str() {
            Some("proportion") => MetricKind::Proportion,
            _ => MetricKind::Mean,
        },
        n: v["n"].as_u64().expect("n"),
        sum: f(&v["sum"]),
        sum_squares: f(&v["sum_squares"]),
    }
}

#[test]
fn post_stratified_effects_equal_gbstats() {
    let g = golden();
    let cases = g["stratified"].as_array().expect("cases");
    assert!(cases.len() >= 6);
    for (c, case) in cases.iter().enumerate() {
        let strata: Vec<Stratum> = case["strata"]
            .as_array()
            .expect("strata")
            .iter()
            .map(|s| Stratum {
                control: arm(&s["control"]),
                treatment: arm(&s["treatment"]),
            })
            .collect();
        for (key, difference) in [
            ("relative", Difference::Relative),
            ("absolute", Difference::Absolute),
        ] {
            let want = &case[key];
            let what = |x: &str| format!("case {c} {key} {x}");
            let m = post_stratified(&strata, difference).expect("viable strata");
            close(
                m.estimate,
                f(&want["point_estimate"]),
                1e-10,
                &what("estimate"),
            );
            close(
                m.standard_error,
                f(&want["standard_error"]),
                1e-10,
                &what("se"),
            );
            assert_eq!(m.n, want["n"].as_u64().expect("n"));
            let (_, two) = post_stratified_test(&strata, difference, 0.05).expect("test");
            close(
                two.ci_low,
                f(&want["two_sided"]["ci"][0]),
                1e-9,
                &what("ci low"),
            );
            close(
                two.ci_high,
                f(&want["two_sided"]["ci"][1]),
                1e-9,
                &what("ci high"),
            );
            close(
                two.p_value,
                f(&want["two_sided"]["p_value"]),
                1e-8,
                &what("p"),
            );
            for (side, alternative) in [
                ("greater", Alternative::Greater),
                ("less", Alternative::Less),
            ] {
                let r = sequential_one_sided(&OneSidedParams {
                    estimate: m.estimate,
                    standard_error: m.standard_error,
                    n: m.n,
                    alpha: 0.05,
                    tuning: DEFAULT_TUNING,
                    alternative,
                })
                .expect("one-sided");
                close(r.bound, f(&want[side]["bound"]), 1e-10, &what(side));
                close(
                    r.exact_p_value,
                    f(&want[side]["exact_p_value"]),
                    1e-7,
                    &what("exact p"),
                );
            }
        }
    }
}

#[test]
fn split_statistic_and_critical_value_equal_scipy() {
    let g = golden();
    for case in g["split_statistic"].as_array().expect("cases") {
        let pair = |v: &Value| [v[0].as_u64().expect("n"), v[1].as_u64().expect("n")];
        let got = split_statistic(pair(&case["left"]), pair(&case["right"]));
        close(got, f(&case["g"]), 1e-10, "G");
    }
    for case in g["chi2_isf"].as_array().expect("cases") {
        close(
            chi2_1_critical(f(&case["p"])),
            f(&case["isf"]),
            1e-12,
            "chi2.isf",
        );
    }
}

//! The experiments statistics core against its references: gbstats (GitHub main, commit
//! 8f1db44), scipy and statsmodels, with the values written by
//! `tests/golden/experiment/make_golden.py`. Tolerance 1e-9 relative unless a comment says why
//! looser; the inputs (per-unit arrays) come from the JSON, so no Python is needed here.

use proptest::prelude::*;
use serde_json::Value;
use sextant::analysis::experiment::ExperimentError;
use sextant::analysis::experiment::analysis::{ExperimentParams, MetricInput, analyze_experiment};
use sextant::analysis::experiment::bayesian::{BayesianParams, bayesian_effect, normal_loss};
use sextant::analysis::experiment::champion::{
    DelongParams, McNemarParams, delong_test, mcnemar_test, midranks,
};
use sextant::analysis::experiment::cuped::{CupedArm, CupedParams, compute_theta, cuped_effect};
use sextant::analysis::experiment::frequentist::{
    EffectParams, Estimate, Verdict, frequentist_effect,
};
use sextant::analysis::experiment::guardrail::{HarmParams, harm_test};
use sextant::analysis::experiment::moments::{ArmSummary, Direction, MetricKind};
use sextant::analysis::experiment::multiple::{Correction, MultipleTestingParams, adjust_p_values};
use sextant::analysis::experiment::power::{
    Baseline, MdeParams, PowerParams, minimum_detectable_effect, sample_size,
};
use sextant::analysis::experiment::segments::{SegmentInput, SegmentParams, segment_effects};
use sextant::analysis::experiment::sequential::{
    Alternative, DEFAULT_TUNING, OneSidedParams, SequentialParams, sequential_interval,
    sequential_one_sided,
};
use sextant::analysis::experiment::srm::{SrmParams, sample_ratio_mismatch};

const TOL: f64 = 1e-9;

fn golden(name: &str) -> Value {
    let path = format!(
        "{}/tests/golden/experiment/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).expect("fixture")).expect("json")
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_f64().expect("number"))
        .collect()
}

fn f(v: &Value) -> f64 {
    v.as_f64()
        .unwrap_or_else(|| panic!("number expected, got {v}"))
}

/// |got − want| ≤ tol·max(|got|, |want|), with an absolute floor `abs` for values that are
/// themselves differences of O(1) numbers.
fn close_abs(what: &str, got: f64, want: f64, tol: f64, abs: f64) {
    let scale = got.abs().max(want.abs());
    assert!(
        (got - want).abs() <= tol * scale + abs,
        "{what}: got {got:e}, want {want:e} (rel {:e})",
        (got - want).abs() / scale
    );
}

fn close(what: &str, got: f64, want: f64) {
    close_abs(what, got, want, TOL, 0.0);
}

fn kind(v: &Value) -> MetricKind {
    match v.as_str() {
        Some("proportion") => MetricKind::Proportion,
        _ => MetricKind::Mean,
    }
}

fn direction(v: &Value) -> Direction {
    match v.as_str() {
        Some("lower_is_better") => Direction::LowerIsBetter,
        _ => Direction::HigherIsBetter,
    }
}

/// An estimate against a gbstats TwoSidedTTest record. Interval ends that are sums of an
/// estimate and a half-width near each other in size get an absolute floor of 1e-9·half-width
/// (the difference of two numbers each good to 1e-9).
fn check_estimate(what: &str, got: &Estimate, want: &Value) {
    close(
        &format!("{what} estimate"),
        got.estimate,
        f(&want["estimate"]),
    );
    close(
        &format!("{what} se"),
        got.standard_error,
        f(&want["standard_error"]),
    );
    let half = (f(&want["ci_high"]) - f(&want["ci_low"])) / 2.0;
    close_abs(
        &format!("{what} ci_low"),
        got.ci_low,
        f(&want["ci_low"]),
        TOL,
        TOL * half,
    );
    close_abs(
        &format!("{what} ci_high"),
        got.ci_high,
        f(&want["ci_high"]),
        TOL,
        TOL * half,
    );
    // The survival-function p-value (2·t.sf) at 1e-9 relative, even when it is 1e-36.
    close(&format!("{what} p"), got.p_value, f(&want["p_value"]));
    // gbstats's own 2·(1 − cdf) where it is representable: it carries the ~1e-16 absolute
    // error of 1 − cdf, hence an absolute floor of 1e-14.
    let gb = f(&want["gbstats_p_value"]);
    if gb > 0.0 {
        close_abs(&format!("{what} gbstats p"), got.p_value, gb, TOL, 1e-14);
    }
}

#[test]
fn guardrail_equals_gbstats_one_sided_t_tests() {
    let g = golden("guardrail.json");
    for case in g["cases"].as_array().expect("cases") {
        let name = case["name"].as_str().expect("name");
        let k = kind(&case["kind"]);
        let dir = direction(&case["direction"]);
        let alpha = f(&case["alpha"]);
        let effect = frequentist_effect(&EffectParams {
            control: ArmSummary::from_values(&floats(&case["control"]), k).expect("control"),
            treatment: ArmSummary::from_values(&floats(&case["treatment"]), k).expect("treatment"),
            alpha,
            direction: dir,
        })
        .expect("effect");
        close(
            &format!("{name} estimate"),
            effect.relative.estimate,
            f(&case["estimate"]),
        );
        close(&format!("{name} df"), effect.df, f(&case["df"]));
        let h = harm_test(&HarmParams {
            estimate: effect.relative.estimate,
            standard_error: effect.relative.standard_error,
            df: effect.df,
            alpha,
            direction: dir,
        })
        .expect("harm test");
        close(&format!("{name} p"), h.p_value, f(&case["p_value"]));
        // gbstats's 1 − cdf where representable (absolute error ~1e-16).
        close_abs(
            &format!("{name} gbstats p"),
            h.p_value,
            f(&case["gbstats_p_value"]),
            TOL,
            1e-14,
        );
        let half = (f(&case["bound"]) - effect.relative.estimate).abs();
        close_abs(
            &format!("{name} bound"),
            h.bound,
            f(&case["bound"]),
            TOL,
            TOL * half,
        );
        // The bound is past 0 on the harmful side exactly when p < α.
        let past = match dir {
            Direction::HigherIsBetter => h.bound < 0.0,
            Direction::LowerIsBetter => h.bound > 0.0,
        };
        assert_eq!(past, h.p_value < alpha, "{name} at {alpha}");
    }
    // The treatment slower on a lower-is-better metric is harm; the conversion rise is not.
    let cases = g["cases"].as_array().expect("cases");
    assert!(f(&cases[4]["p_value"]) < 1e-6 && f(&cases[0]["p_value"]) > 0.99);
    assert!(
        harm_test(&HarmParams {
            estimate: 0.1,
            standard_error: 0.0,
            df: 10.0,
            alpha: 0.05,
            direction: Direction::HigherIsBetter,
        })
        .is_err()
    );
}

#[test]
fn srm_equals_scipy_chisquare_and_gbstats() {
    let g = golden("srm.json");
    for case in g["cases"].as_array().expect("cases") {
        let counts: Vec<u64> = case["counts"]
            .as_array()
            .expect("counts")
            .iter()
            .map(|x| x.as_u64().expect("count"))
            .collect();
        let planned = case["planned"].as_array().map(|_| floats(&case["planned"]));
        let r = sample_ratio_mismatch(&SrmParams {
            counts: counts.clone(),
            planned,
            threshold: 0.001,
        })
        .expect("srm");
        let what = format!("srm {counts:?}");
        close_abs(&what, r.statistic, f(&case["statistic"]), TOL, 1e-12);
        close(&what, r.p_value, f(&case["p_value"]));
        close(&what, r.p_value, f(&case["gbstats_p_value"]));
        assert_eq!(r.flag, f(&case["p_value"]) < 0.001, "{what} flag");
    }
}

#[test]
fn srm_rejects_bad_input() {
    assert!(matches!(
        sample_ratio_mismatch(&SrmParams::equal(vec![10])),
        Err(ExperimentError::TooFewArms { .. })
    ));
    assert!(matches!(
        sample_ratio_mismatch(&SrmParams::equal(vec![0, 0])),
        Err(ExperimentError::NoUnits { .. })
    ));
    let bad = |planned: Vec<f64>| SrmParams {
        counts: vec![10, 12],
        planned: Some(planned),
        threshold: 0.001,
    };
    for p in [
        vec![0.5, 0.6],
        vec![1.0, 0.0],
        vec![0.5],
        vec![f64::NAN, 0.5],
    ] {
        assert!(
            matches!(
                sample_ratio_mismatch(&bad(p.clone())),
                Err(ExperimentError::InvalidSplit { .. })
            ),
            "{p:?}"
        );
    }
}

fn effect_case(case: &Value) -> EffectParams {
    let k = kind(&case["kind"]);
    EffectParams {
        control: ArmSummary::from_values(&floats(&case["control"]), k).expect("control"),
        treatment: ArmSummary::from_values(&floats(&case["treatment"]), k).expect("treatment"),
        alpha: 0.05,
        direction: direction(&case["direction"]),
    }
}

#[test]
fn effects_equal_gbstats_two_sided_t_test() {
    let g = golden("effects.json");
    let cases = g["cases"].as_array().expect("cases");
    assert_eq!(cases.len(), 5);
    for case in cases {
        let name = case["name"].as_str().expect("name");
        let r = frequentist_effect(&effect_case(case)).expect("effect");
        close(
            &format!("{name} control mean"),
            r.control.mean,
            f(&case["control_mean"]),
        );
        close(
            &format!("{name} control var"),
            r.control.variance,
            f(&case["control_variance"]),
        );
        close(
            &format!("{name} treatment mean"),
            r.treatment.mean,
            f(&case["treatment_mean"]),
        );
        close(
            &format!("{name} treatment var"),
            r.treatment.variance,
            f(&case["treatment_variance"]),
        );
        close(&format!("{name} df"), r.df, f(&case["relative"]["df"]));
        check_estimate(&format!("{name} absolute"), &r.absolute, &case["absolute"]);
        check_estimate(&format!("{name} relative"), &r.relative, &case["relative"]);
        assert_eq!(r.p_value, r.relative.p_value);
        match case.get("z_test") {
            Some(z) => close(
                &format!("{name} z-test"),
                r.z_test_p_value.expect("z-test for a proportion"),
                f(&z["p_value"]),
            ),
            None => assert!(r.z_test_p_value.is_none()),
        }
        let verdict = match name {
            "conversion" | "huge" => Verdict::Better,
            "latency_ms" => Verdict::Worse,
            _ => Verdict::Inconclusive,
        };
        assert_eq!(r.verdict, verdict, "{name} verdict");
    }
}

#[test]
fn tiny_p_values_are_not_zero() {
    let g = golden("effects.json");
    let huge = g["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .find(|c| c["name"] == "huge")
        .expect("huge case");
    assert_eq!(
        f(&huge["relative"]["gbstats_p_value"]),
        0.0,
        "gbstats underflows here"
    );
    let r = frequentist_effect(&effect_case(huge)).expect("effect");
    assert!(r.p_value > 0.0 && r.p_value < 1e-30, "{}", r.p_value);
    assert!(r.absolute.p_value > 0.0 && r.absolute.p_value < 1e-100);
    assert!(r.z_test_p_value.expect("z") > 0.0);
}

#[test]
fn bayesian_equals_gbstats_default_prior() {
    let g = golden("effects.json");
    for case in g["cases"].as_array().expect("cases") {
        let name = case["name"].as_str().expect("name");
        let params = effect_case(case);
        let e = frequentist_effect(&params).expect("effect");
        let b = bayesian_effect(&BayesianParams {
            estimate: e.relative.estimate,
            standard_error: e.relative.standard_error,
            alpha: 0.05,
            direction: params.direction,
        })
        .expect("bayes");
        let want = &case["bayesian"];
        // gbstats computes the inverse chance as 1 − sf, so it has ~1e-16 absolute error.
        close_abs(
            &format!("{name} ctw"),
            b.chance_to_win,
            f(&want["chance_to_win"]),
            TOL,
            1e-15,
        );
        let risk = floats(&want["risk"]);
        // gbstats's risks are scipy truncnorm means times a probability; even the far-tail one
        // ("huge": 1.18e-38) agrees to 1e-9 relative (scipy's is 1.8e-12 off the 80-digit
        // value there, ours 3e-15).
        let (r0, r1) = (risk[0], risk[1]);
        close(&format!("{name} risk[0]"), b.risk_control, r0);
        close(&format!("{name} risk[1]"), b.risk, r1);
        let half = (f(&want["ci_high"]) - f(&want["ci_low"])) / 2.0;
        close_abs(
            &format!("{name} cri low"),
            b.ci_low,
            f(&want["ci_low"]),
            TOL,
            TOL * half,
        );
        close_abs(
            &format!("{name} cri high"),
            b.ci_high,
            f(&want["ci_high"]),
            TOL,
            TOL * half,
        );
    }
}

#[test]
fn sequential_equals_gbstats_confidence_sequences() {
    let g = golden("effects.json");
    for case in g["cases"].as_array().expect("cases") {
        let name = case["name"].as_str().expect("name");
        let params = effect_case(case);
        let e = frequentist_effect(&params).expect("effect");
        let n = params.control.n + params.treatment.n;
        for (dt, est) in [("relative", e.relative), ("absolute", e.absolute)] {
            let s = sequential_interval(&SequentialParams {
                estimate: est.estimate,
                standard_error: est.standard_error,
                n,
                alpha: 0.05,
                tuning: DEFAULT_TUNING,
            })
            .expect("sequential");
            let want = &case["sequential"][dt];
            let half = (f(&want["ci_high"]) - f(&want["ci_low"])) / 2.0;
            close_abs(
                &format!("{name} {dt} seq low"),
                s.ci_low,
                f(&want["ci_low"]),
                TOL,
                TOL * half,
            );
            close_abs(
                &format!("{name} {dt} seq high"),
                s.ci_high,
                f(&want["ci_high"]),
                TOL,
                TOL * half,
            );
            close(
                &format!("{name} {dt} seq p"),
                s.p_value,
                f(&want["p_value"]),
            );
            // The always-valid interval is wider than the fixed one.
            assert!(s.ci_high - s.ci_low > est.ci_high - est.ci_low);
        }
    }
}

#[test]
fn one_sided_sequential_equals_gbstats() {
    let g = golden("effects.json");
    for case in g["cases"].as_array().expect("cases") {
        let name = case["name"].as_str().expect("name");
        let params = effect_case(case);
        let e = frequentist_effect(&params).expect("effect");
        let n = params.control.n + params.treatment.n;
        for (dt, est) in [("relative", e.relative), ("absolute", e.absolute)] {
            for (side, alternative) in [
                ("less", Alternative::Less),
                ("greater", Alternative::Greater),
            ] {
                let r = sequential_one_sided(&OneSidedParams {
                    estimate: est.estimate,
                    standard_error: est.standard_error,
                    n,
                    alpha: 0.05,
                    tuning: DEFAULT_TUNING,
                    alternative,
                })
                .expect("one-sided");
                let want = &case["sequential_one_sided"][dt][side];
                let what = format!("{name} {dt} {side}");
                close_abs(
                    &format!("{what} bound"),
                    r.bound,
                    f(&want["bound"]),
                    TOL,
                    TOL * r.halfwidth,
                );
                // gbstats's bisection, step for step: the same midpoint.
                close(
                    &format!("{what} p"),
                    r.p_value.expect("converged"),
                    f(&want["p_value"]),
                );
                // The closed form against brentq on gbstats's half-width (xtol 1e-14 in ln α).
                close(
                    &format!("{what} exact p"),
                    r.exact_p_value,
                    f(&want["exact_p_value"]),
                );
                assert_eq!(r.significant, r.exact_p_value < 0.05, "{what}");
            }
        }
    }
    assert!(matches!(
        sequential_one_sided(&OneSidedParams {
            estimate: 0.1,
            standard_error: 0.1,
            n: 100,
            alpha: 0.5,
            tuning: DEFAULT_TUNING,
            alternative: Alternative::Less,
        }),
        Err(ExperimentError::OutOfRange { .. })
    ));
}

#[test]
fn cuped_equals_gbstats_regression_adjustment() {
    let g = golden("cuped.json");
    for case in g["cases"].as_array().expect("cases") {
        let name = case["name"].as_str().expect("name");
        let k = kind(&case["kind"]);
        let control = CupedArm::from_values(
            &floats(&case["control_post"]),
            &floats(&case["control_pre"]),
            k,
        )
        .expect("control");
        let treatment = CupedArm::from_values(
            &floats(&case["treatment_post"]),
            &floats(&case["treatment_pre"]),
            k,
        )
        .expect("treatment");
        close(
            &format!("{name} theta"),
            compute_theta(&control, &treatment).expect("theta"),
            f(&case["theta"]),
        );
        let r = cuped_effect(&CupedParams {
            control,
            treatment,
            alpha: 0.05,
            direction: Direction::HigherIsBetter,
        })
        .expect("cuped");
        close(&format!("{name} theta"), r.theta, f(&case["theta"]));
        close(&format!("{name} df"), r.df, f(&case["relative"]["df"]));
        check_estimate(
            &format!("{name} cuped absolute"),
            &r.absolute,
            &case["absolute"],
        );
        check_estimate(
            &format!("{name} cuped relative"),
            &r.relative,
            &case["relative"],
        );
        assert!(
            r.variance_reduction > 0.05,
            "{name}: {}",
            r.variance_reduction
        );
        assert!(r.absolute.standard_error < r.unadjusted.absolute.standard_error);
    }
}

#[test]
fn cuped_constant_covariate_is_a_typed_error() {
    let post_a = [1.0, 2.0, 3.0, 4.0];
    let post_b = [2.0, 3.0, 4.0, 6.0];
    let pre = [5.0; 4];
    let a = CupedArm::from_values(&post_a, &pre, MetricKind::Mean).expect("a");
    let b = CupedArm::from_values(&post_b, &pre, MetricKind::Mean).expect("b");
    let err = cuped_effect(&CupedParams {
        control: a,
        treatment: b,
        alpha: 0.05,
        direction: Direction::HigherIsBetter,
    })
    .expect_err("constant covariate");
    assert!(
        matches!(
            err,
            ExperimentError::ZeroVariance {
                what: "covariate",
                ..
            }
        ),
        "{err}"
    );
    assert!(matches!(
        CupedArm::from_values(&post_a, &pre[..3], MetricKind::Mean),
        Err(ExperimentError::LengthMismatch { .. })
    ));
}

#[test]
fn effect_bad_input_is_typed() {
    let arm = |v: &[f64]| ArmSummary::from_values(v, MetricKind::Mean).expect("arm");
    let run = |a: ArmSummary, b: ArmSummary| {
        frequentist_effect(&EffectParams {
            control: a,
            treatment: b,
            alpha: 0.05,
            direction: Direction::HigherIsBetter,
        })
    };
    assert!(matches!(
        run(arm(&[]), arm(&[1.0, 2.0])),
        Err(ExperimentError::NoUnits { .. })
    ));
    assert!(matches!(
        run(arm(&[1.0]), arm(&[1.0, 2.0])),
        Err(ExperimentError::TooFewUnits { .. })
    ));
    assert!(matches!(
        run(arm(&[3.0, 3.0, 3.0]), arm(&[1.0, 2.0])),
        Err(ExperimentError::ZeroVariance { .. })
    ));
    assert!(matches!(
        run(arm(&[-1.0, 1.0]), arm(&[1.0, 2.0])),
        Err(ExperimentError::ZeroBaseline)
    ));
    assert!(matches!(
        ArmSummary::from_values(&[0.0, 2.0], MetricKind::Proportion),
        Err(ExperimentError::NotBinary { index: 1, .. })
    ));
    assert!(matches!(
        ArmSummary::from_values(&[0.0, f64::NAN], MetricKind::Mean),
        Err(ExperimentError::NonFinite { index: 1, .. })
    ));
    let ok = arm(&[1.0, 2.0, 4.0]);
    assert!(matches!(
        frequentist_effect(&EffectParams {
            control: ok,
            treatment: ok,
            alpha: 1.5,
            direction: Direction::HigherIsBetter
        }),
        Err(ExperimentError::OutOfRange { name: "alpha", .. })
    ));
}

#[test]
fn multiple_testing_equals_statsmodels() {
    let g = golden("multiple.json");
    for case in g["cases"].as_array().expect("cases") {
        let p = floats(&case["p_values"]);
        for (key, correction) in [
            ("holm", Correction::Holm),
            ("fdr_bh", Correction::BenjaminiHochberg),
        ] {
            let r = adjust_p_values(&MultipleTestingParams {
                p_values: p.clone(),
                correction,
                alpha: 0.05,
            })
            .expect("adjust");
            let want = floats(&case[key]["adjusted"]);
            for (i, (got, want)) in r.adjusted.iter().zip(&want).enumerate() {
                close(&format!("{key} {i} of {p:?}"), *got, *want);
            }
            let reject: Vec<bool> = case[key]["reject"]
                .as_array()
                .expect("reject")
                .iter()
                .map(|b| b.as_bool().expect("bool"))
                .collect();
            assert_eq!(r.reject, reject, "{key} {p:?}");
        }
    }
    assert!(matches!(
        adjust_p_values(&MultipleTestingParams {
            p_values: vec![],
            correction: Correction::Holm,
            alpha: 0.05
        }),
        Err(ExperimentError::NoPValues)
    ));
    assert!(matches!(
        adjust_p_values(&MultipleTestingParams {
            p_values: vec![0.1, 1.2],
            correction: Correction::Holm,
            alpha: 0.05
        }),
        Err(ExperimentError::InvalidPValue { index: 1, .. })
    ));
}

fn baseline(case: &Value) -> Baseline {
    match case["std_dev"].as_f64() {
        Some(std_dev) => Baseline::Mean {
            mean: f(&case["baseline"]),
            std_dev,
        },
        None => Baseline::Proportion {
            rate: f(&case["baseline"]),
        },
    }
}

#[test]
fn power_equals_normal_formulas() {
    let g = golden("power.json");
    for case in g["sample_size"].as_array().expect("sizes") {
        let r = sample_size(&PowerParams {
            baseline: baseline(case),
            mde: f(&case["mde"]),
            relative: case["relative"].as_bool().expect("bool"),
            alpha: f(&case["alpha"]),
            power: f(&case["power"]),
            arms: 3,
            daily_units: Some(1000.0),
            enrolled: 500,
        })
        .expect("power");
        close("delta", r.delta, f(&case["delta"]));
        close(
            &format!("n per arm {case}"),
            r.per_arm_exact,
            f(&case["per_arm_exact"]),
        );
        assert_eq!(r.per_arm, case["per_arm"].as_u64().expect("n"));
        assert_eq!(r.total, 3 * r.per_arm);
        close("days", r.days.expect("days"), r.total as f64 / 1000.0);
        close(
            "days remaining",
            r.days_remaining.expect("days remaining"),
            (r.total - 500) as f64 / 1000.0,
        );
    }
    for case in g["mde"].as_array().expect("mdes") {
        let r = minimum_detectable_effect(&MdeParams {
            baseline: baseline(case),
            per_arm: f(&case["per_arm"]),
            alpha: f(&case["alpha"]),
            power: f(&case["power"]),
        })
        .expect("mde");
        close(&format!("mde {case}"), r.absolute, f(&case["absolute"]));
        close(
            "relative mde",
            r.relative.expect("relative"),
            f(&case["relative"]),
        );
    }
    assert!(matches!(
        sample_size(&PowerParams {
            baseline: Baseline::Proportion { rate: 0.9 },
            mde: 0.2,
            relative: false,
            alpha: 0.05,
            power: 0.8,
            arms: 2,
            daily_units: None,
            enrolled: 0,
        }),
        Err(ExperimentError::OutOfRange { .. })
    ));
}

#[test]
fn delong_equals_fast_delong() {
    let g = golden("delong.json");
    for case in g["cases"].as_array().expect("cases") {
        let labels: Vec<bool> = case["labels"]
            .as_array()
            .expect("labels")
            .iter()
            .map(|v| v.as_u64() == Some(1))
            .collect();
        let r = delong_test(&DelongParams {
            labels,
            scores_a: floats(&case["scores_a"]),
            scores_b: floats(&case["scores_b"]),
        })
        .expect("delong");
        close("auc a", r.auc_a, f(&case["auc_a"]));
        close(
            "auc a (Mann–Whitney)",
            r.auc_a,
            f(&case["auc_a_mann_whitney"]),
        );
        close("auc b", r.auc_b, f(&case["auc_b"]));
        close("difference", r.difference, f(&case["difference"]));
        close("variance", r.variance, f(&case["variance"]));
        close("z", r.z, f(&case["z"]));
        close("p", r.p_value, f(&case["p_value"]));
    }
    assert!(matches!(
        delong_test(&DelongParams {
            labels: vec![true, false, false],
            scores_a: vec![0.9, 0.1, 0.2],
            scores_b: vec![0.8, 0.3, 0.2],
        }),
        Err(ExperimentError::TooFewUnits { .. })
    ));
    let same = vec![0.9, 0.1, 0.2, 0.7];
    assert!(matches!(
        delong_test(&DelongParams {
            labels: vec![true, false, false, true],
            scores_a: same.clone(),
            scores_b: same,
        }),
        Err(ExperimentError::ZeroVariance { .. })
    ));
}

#[test]
fn mcnemar_equals_statsmodels() {
    let g = golden("mcnemar.json");
    for case in g["cases"].as_array().expect("cases") {
        let t = &case["table"];
        let cell = |i: usize, j: usize| t[i][j].as_u64().expect("cell");
        let table = [[cell(0, 0), cell(0, 1)], [cell(1, 0), cell(1, 1)]];
        let r = mcnemar_test(&McNemarParams { table });
        close(
            "exact statistic",
            r.exact_statistic,
            f(&case["exact_statistic"]),
        );
        close(
            &format!("exact p {table:?}"),
            r.exact_p_value,
            f(&case["exact_p_value"]),
        );
        match case["chi2"].as_f64() {
            Some(x) => {
                close("chi2", r.chi2.expect("chi2"), x);
                close(
                    "chi2 p",
                    r.chi2_p_value.expect("p"),
                    f(&case["chi2_p_value"]),
                );
            }
            None => assert!(r.chi2.is_none() && r.chi2_p_value.is_none()),
        }
    }
    let t = McNemarParams::from_correct(&[true, true, false, false], &[true, false, true, true])
        .expect("table");
    assert_eq!(t.table, [[1, 1], [2, 0]]);
}

#[test]
fn midranks_average_ties() {
    assert_eq!(midranks(&[3.0, 1.0, 3.0, 2.0]), vec![3.5, 1.0, 3.5, 2.0]);
}

#[test]
fn whole_experiment_combines_and_corrects() {
    let g = golden("effects.json");
    let cases = g["cases"].as_array().expect("cases");
    let by = |name: &str| cases.iter().find(|c| c["name"] == name).expect("case");
    let prop =
        |v: &Value| ArmSummary::from_values(&floats(v), MetricKind::Proportion).expect("arm");
    let conv = by("conversion");
    let null = by("null");
    let arms3 = vec![
        prop(&conv["control"]),
        prop(&conv["treatment"]),
        prop(&null["treatment"]),
    ];
    let constant = ArmSummary::from_values(&[1.0; 10], MetricKind::Mean).expect("arm");
    let c = golden("cuped.json");
    let spend = &c["cases"][0];
    let cuped_arm = |post: &str, pre: &str| {
        CupedArm::from_values(
            &floats(&spend[post]),
            &floats(&spend[pre]),
            MetricKind::Mean,
        )
        .expect("cuped arm")
    };
    let spend_arms = [
        cuped_arm("control_post", "control_pre"),
        cuped_arm("treatment_post", "treatment_pre"),
    ];
    let third = spend_arms[1];
    let params = ExperimentParams {
        arms: vec!["A".into(), "B".into(), "C".into()],
        control: 0,
        units: vec![1500, 1600, 800],
        planned: Some(vec![0.4, 0.4, 0.2]),
        srm_threshold: 0.001,
        metrics: vec![
            MetricInput {
                name: "conversion".into(),
                kind: MetricKind::Proportion,
                direction: Direction::HigherIsBetter,
                arms: arms3.clone(),
                cuped: None,
            },
            MetricInput {
                name: "flat".into(),
                kind: MetricKind::Mean,
                direction: Direction::HigherIsBetter,
                arms: vec![constant; 3],
                cuped: None,
            },
            MetricInput {
                name: "spend".into(),
                kind: MetricKind::Mean,
                direction: Direction::HigherIsBetter,
                arms: vec![spend_arms[0].post, spend_arms[1].post, third.post],
                cuped: Some(vec![spend_arms[0], spend_arms[1], third]),
            },
        ],
        alpha: 0.05,
        correction: Correction::Holm,
        sequential_tuning: Some(DEFAULT_TUNING),
    };
    let r = analyze_experiment(&params).expect("experiment");
    let srm = sample_ratio_mismatch(&SrmParams {
        counts: vec![1500, 1600, 800],
        planned: Some(vec![0.4, 0.4, 0.2]),
        threshold: 0.001,
    })
    .expect("srm");
    assert_eq!(r.srm, srm);
    assert_eq!(r.trustworthy, !srm.flag);
    assert_eq!(r.metrics.len(), 6);
    // The constant metric: both rows carry the cause, the others are analysed.
    for row in r.metrics.iter().filter(|m| m.metric == "flat") {
        assert!(row.result.is_none());
        let e = row.error.as_deref().expect("error");
        assert!(e.starts_with("flat: ") && e.contains("variance 0"), "{e}");
    }
    let ok: Vec<_> = r.metrics.iter().filter_map(|m| m.result.as_ref()).collect();
    assert_eq!(ok.len(), 4);
    // Row B of conversion is the golden frequentist effect.
    let b = &r.metrics[0];
    assert_eq!((b.metric.as_str(), b.arm.as_str()), ("conversion", "B"));
    let single = frequentist_effect(&effect_case(conv)).expect("effect");
    let res = b.result.as_ref().expect("result");
    assert_eq!(res.effect, single);
    assert_eq!(res.p_value, single.relative.p_value);
    // Spend rows use CUPED as the headline.
    let spend_b = r
        .metrics
        .iter()
        .find(|m| m.metric == "spend" && m.arm == "B")
        .expect("row");
    let sres = spend_b.result.as_ref().expect("result");
    let cup = sres.cuped.as_ref().expect("cuped");
    close("cuped p", cup.p_value, f(&spend["relative"]["p_value"]));
    assert_eq!(sres.p_value, cup.p_value);
    assert!(sres.sequential.expect("sequential").ci_low < cup.relative.ci_low);
    // Adjusted p-values are Holm over the four raw headline p-values.
    let raw: Vec<f64> = ok.iter().map(|m| m.p_value).collect();
    let holm = adjust_p_values(&MultipleTestingParams {
        p_values: raw,
        correction: Correction::Holm,
        alpha: 0.05,
    })
    .expect("holm");
    for (m, adj) in ok.iter().zip(&holm.adjusted) {
        assert_eq!(m.adjusted_p_value, *adj);
        assert!(m.adjusted_p_value >= m.p_value);
        assert_eq!(
            m.verdict,
            Verdict::from_test(m.estimate, *adj, 0.05, Direction::HigherIsBetter)
        );
    }
    // Whole-experiment errors.
    let mut one_arm = params.clone();
    one_arm.arms.truncate(1);
    one_arm.units.truncate(1);
    assert!(matches!(
        analyze_experiment(&one_arm),
        Err(ExperimentError::TooFewArms { .. })
    ));
    let mut bad_split = params.clone();
    bad_split.planned = Some(vec![0.5, 0.4, 0.2]);
    assert!(matches!(
        analyze_experiment(&bad_split),
        Err(ExperimentError::InvalidSplit { .. })
    ));
    let json = serde_json::to_value(&r).expect("serialize");
    assert!(json["metrics"][0]["result"]["effect"]["relative"]["ci_low"].is_number());
}

/// A classic Simpson reversal (the kidney-stone numbers): the treatment wins in both
/// segments and loses in total, because it got most of the hard cases.
#[test]
fn segments_flag_simpsons_paradox() {
    let p = |successes: usize, n: usize| {
        let mut v = vec![1.0; successes];
        v.resize(n, 0.0);
        ArmSummary::from_values(&v, MetricKind::Proportion).expect("arm")
    };
    // control: small 234/270, large 55/80; treatment: small 81/87, large 192/263.
    let segments = vec![
        SegmentInput {
            segment: "small".into(),
            control: p(234, 270),
            treatment: p(81, 87),
        },
        SegmentInput {
            segment: "large".into(),
            control: p(55, 80),
            treatment: p(192, 263),
        },
        SegmentInput {
            segment: "empty".into(),
            control: p(0, 0),
            treatment: p(3, 5),
        },
    ];
    let r = segment_effects(&SegmentParams {
        control: p(289, 350),
        treatment: p(273, 350),
        segments,
        alpha: 0.05,
        direction: Direction::HigherIsBetter,
        correction: Correction::BenjaminiHochberg,
    })
    .expect("segments");
    assert!(r.total.relative.estimate < 0.0);
    assert!(r.simpson);
    assert!(r.segments[0].sign_differs && r.segments[1].sign_differs);
    let empty = &r.segments[2];
    assert!(empty.effect.is_none() && empty.error.as_deref().expect("error").contains("no units"));
    for (row, (c, t)) in r.segments[..2]
        .iter()
        .zip([(p(234, 270), p(81, 87)), (p(55, 80), p(192, 263))])
    {
        let e = row.effect.as_ref().expect("effect");
        let alone = frequentist_effect(&EffectParams {
            control: c,
            treatment: t,
            alpha: 0.05,
            direction: Direction::HigherIsBetter,
        })
        .expect("effect");
        assert_eq!(*e, alone);
        assert!(e.relative.estimate > 0.0);
        assert!(row.adjusted_p_value.expect("adjusted") >= e.p_value);
    }
    let bh = adjust_p_values(&MultipleTestingParams {
        p_values: r.segments[..2]
            .iter()
            .map(|s| s.effect.as_ref().expect("e").p_value)
            .collect(),
        correction: Correction::BenjaminiHochberg,
        alpha: 0.05,
    })
    .expect("bh");
    assert_eq!(r.segments[0].adjusted_p_value, Some(bh.adjusted[0]));
    assert_eq!(r.segments[1].adjusted_p_value, Some(bh.adjusted[1]));
}

proptest! {
    #[test]
    fn adjusted_p_at_least_raw(p in proptest::collection::vec(0.0f64..=1.0, 1..30)) {
        for correction in [Correction::Holm, Correction::BenjaminiHochberg] {
            let r = adjust_p_values(&MultipleTestingParams {
                p_values: p.clone(),
                correction,
                alpha: 0.05,
            }).unwrap();
            for (a, raw) in r.adjusted.iter().zip(&p) {
                prop_assert!(*a >= *raw && *a <= 1.0);
            }
        }
        // Holm is never more lenient than BH.
        let holm = adjust_p_values(&MultipleTestingParams { p_values: p.clone(), correction: Correction::Holm, alpha: 0.05 }).unwrap();
        let bh = adjust_p_values(&MultipleTestingParams { p_values: p.clone(), correction: Correction::BenjaminiHochberg, alpha: 0.05 }).unwrap();
        for (h, b) in holm.adjusted.iter().zip(&bh.adjusted) {
            prop_assert!(*h >= *b - 1e-15);
        }
    }

    #[test]
    fn srm_exact_split_has_p_one(n in 1u64..100_000, arms in 2usize..6) {
        let r = sample_ratio_mismatch(&SrmParams::equal(vec![n; arms])).unwrap();
        prop_assert_eq!(r.statistic, 0.0);
        prop_assert_eq!(r.p_value, 1.0);
        prop_assert!(!r.flag);
    }

    #[test]
    fn mde_inverts_sample_size(rate in 0.01f64..0.6, mde in 0.02f64..0.5) {
        let power = sample_size(&PowerParams {
            baseline: Baseline::Proportion { rate },
            mde,
            relative: true,
            alpha: 0.05,
            power: 0.8,
            arms: 2,
            daily_units: None,
            enrolled: 0,
        }).unwrap();
        let back = minimum_detectable_effect(&MdeParams {
            baseline: Baseline::Proportion { rate },
            per_arm: power.per_arm_exact,
            alpha: 0.05,
            power: 0.8,
        }).unwrap();
        prop_assert!((back.relative.unwrap() - mde).abs() <= 1e-9 * mde);
    }

    #[test]
    fn risk_and_chance_are_consistent(mu in -5.0f64..5.0, sigma in 0.01f64..3.0) {
        let b = bayesian_effect(&BayesianParams { estimate: mu, standard_error: sigma, alpha: 0.05, direction: Direction::HigherIsBetter }).unwrap();
        // E[max(X, 0)] − E[max(−X, 0)] = E[X] = μ.
        prop_assert!((b.risk_control - b.risk - mu).abs() <= 1e-12 * (1.0 + mu.abs() + sigma));
        prop_assert!(b.risk >= 0.0 && b.risk_control >= 0.0);
        prop_assert!((0.0..=1.0).contains(&b.chance_to_win));
        let inv = bayesian_effect(&BayesianParams { estimate: mu, standard_error: sigma, alpha: 0.05, direction: Direction::LowerIsBetter }).unwrap();
        prop_assert!((inv.chance_to_win + b.chance_to_win - 1.0).abs() < 1e-12);
    }

    #[test]
    fn normal_loss_branches_meet(x in 4.9f64..5.1) {
        // Direct formula and continued fraction agree near the switch (direct loses ~2 digits).
        let direct = sextant::analysis::experiment::dist::normal_pdf(x)
            - x * sextant::analysis::experiment::dist::normal_sf(x);
        prop_assert!((normal_loss(x) - direct).abs() <= 1e-12 * direct);
    }

    #[test]
    fn sequential_interval_covers_fixed(est in -1.0f64..1.0, se in 0.001f64..1.0, n in 10u64..1_000_000) {
        let s = sequential_interval(&SequentialParams { estimate: est, standard_error: se, n, alpha: 0.05, tuning: DEFAULT_TUNING }).unwrap();
        prop_assert!(s.ci_low < est && est < s.ci_high);
        prop_assert!((0.0..=1.0).contains(&s.p_value));
    }
}

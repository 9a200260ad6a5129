//! MSTL tests: statsmodels golden values and validation.

use super::*;
use serde::Deserialize;

const GOLDEN: &str = include_str!("../../../../tests/golden/seasonality/mstl_golden.json");

#[derive(Deserialize)]
struct Fixture {
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    params: MstlParams,
    y: Vec<f64>,
    observed: Vec<f64>,
    trend: Vec<f64>,
    seasonal: Vec<Vec<f64>>,
    resid: Vec<f64>,
    weights: Vec<f64>,
}

fn max_abs_diff(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

#[test]
fn matches_statsmodels_golden_values() {
    let fixture: Fixture = serde_json::from_str(GOLDEN).expect("golden JSON parses");
    assert!(fixture.cases.len() >= 8);
    let mut worst = 0.0f64;
    for case in &fixture.cases {
        let report = decompose(&case.y, &case.params).expect(&case.name);
        assert_eq!(report.seasonal.len(), case.seasonal.len(), "{}", case.name);
        let mut checks = vec![
            ("observed", &report.observed, &case.observed),
            ("trend", &report.trend, &case.trend),
            ("remainder", &report.remainder, &case.resid),
            ("weights", &report.weights, &case.weights),
        ];
        for (got, want) in report.seasonal.iter().zip(&case.seasonal) {
            checks.push(("seasonal", got, want));
        }
        for (what, got, want) in checks {
            let diff = max_abs_diff(got, want);
            assert!(diff <= 1e-8, "{}: {what} differs by {diff:e}", case.name);
            worst = worst.max(diff);
        }
    }
    println!("largest deviation from statsmodels: {worst:e}");
}

fn hourly(n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| {
            let t = i as f64;
            let tau = 2.0 * std::f64::consts::PI;
            50.0 + 0.01 * t + 5.0 * (tau * t / 24.0).sin() + 8.0 * (tau * t / 168.0).sin()
        })
        .collect()
}

#[test]
fn sorts_periods_and_assigns_default_windows() {
    let report = decompose(&hourly(700), &MstlParams::new(&[168, 24])).expect("valid");
    assert_eq!(report.periods, vec![24, 168]);
    assert_eq!(report.windows, vec![11, 15]);
    assert!(report.dropped_periods.is_empty());
    for i in 0..700 {
        let sum =
            report.trend[i] + report.seasonal[0][i] + report.seasonal[1][i] + report.remainder[i];
        assert!((sum - report.observed[i]).abs() < 1e-9);
    }
}

#[test]
fn drops_long_periods_and_reports_them() {
    let report = decompose(&hourly(300), &MstlParams::new(&[24, 168])).expect("valid");
    assert_eq!(report.periods, vec![24]);
    assert_eq!(report.dropped_periods, vec![168]);
    assert_eq!(
        decompose(&hourly(40), &MstlParams::new(&[24, 168])).map(|r| r.periods),
        Err(StlError::NoPeriods {
            reason: "every period is >= n / 2 = 20 (series of 40 observations)".into()
        })
    );
}

#[test]
fn validation_errors() {
    let y = hourly(400);
    assert!(matches!(
        decompose(&y, &MstlParams::new(&[])),
        Err(StlError::NoPeriods { .. })
    ));
    assert_eq!(
        decompose(&y, &MstlParams::new(&[24, 48]).with_windows(&[7])).map(|r| r.periods),
        Err(StlError::WindowCountMismatch {
            periods: 2,
            windows: 1
        })
    );
    assert_eq!(
        decompose(&y, &MstlParams::new(&[24, 48]).with_iterate(0)).map(|r| r.periods),
        Err(StlError::InvalidIterate)
    );
    let mut neg = y.clone();
    neg[3] = -1.0;
    assert!(matches!(
        decompose(&neg, &MstlParams::new(&[24]).with_lambda(Some(0.5))),
        Err(StlError::NonPositiveForBoxCox { index: 3, .. })
    ));
    assert!(matches!(
        decompose(&y, &MstlParams::new(&[24]).with_lambda(Some(f64::NAN))),
        Err(StlError::InvalidLambda { .. })
    ));
    assert!(matches!(
        decompose(&y, &MstlParams::new(&[1, 24])),
        Err(StlError::PeriodTooSmall { period: 1 })
    ));
}

#[test]
fn box_cox_zero_is_log() {
    let out = box_cox(&[1.0, std::f64::consts::E], 0.0).expect("positive");
    assert!((out[0]).abs() < 1e-15 && (out[1] - 1.0).abs() < 1e-15);
    let out = box_cox(&[4.0], 0.5).expect("positive");
    assert!((out[0] - 2.0).abs() < 1e-15);
}

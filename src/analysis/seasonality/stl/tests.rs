//! STL tests: statsmodels golden values, properties, errors and a benchmark.

use super::*;
use proptest::prelude::*;
use serde::Deserialize;

const GOLDEN: &str = include_str!("../../../../tests/golden/seasonality/stl_golden.json");

#[derive(Deserialize)]
struct Fixture {
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    params: StlParams,
    y: Vec<f64>,
    trend: Vec<f64>,
    seasonal: Vec<f64>,
    resid: Vec<f64>,
    weights: Vec<f64>,
}

/// Largest absolute difference between two equally long series.
pub(crate) fn max_abs_diff(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

#[test]
fn matches_statsmodels_golden_values() {
    let fixture: Fixture = serde_json::from_str(GOLDEN).expect("golden JSON parses");
    assert!(fixture.cases.len() >= 16);
    let mut worst = 0.0f64;
    for case in &fixture.cases {
        let report = decompose(&case.y, &case.params).expect(&case.name);
        for (what, got, want) in [
            ("trend", &report.trend, &case.trend),
            ("seasonal", &report.seasonal, &case.seasonal),
            ("remainder", &report.remainder, &case.resid),
            ("weights", &report.weights, &case.weights),
        ] {
            let diff = max_abs_diff(got, want);
            assert!(diff <= 1e-8, "{}: {what} differs by {diff:e}", case.name);
            worst = worst.max(diff);
        }
    }
    println!("largest deviation from statsmodels: {worst:e}");
}

/// The radix-select median pair equals sorting, with ties, zeros and values
/// spread over many binades.
#[test]
fn middle_pair_matches_sorting() {
    for n in [1, 2, 3, 10, 101, 1000, 5001] {
        let v: Vec<f64> = (0..n)
            .map(|i| match i % 4 {
                0 => 0.0,
                1 => ((i * 7919) % 1000) as f64 * 1e-3,
                2 => ((i * 31) % 17) as f64 * 1e5,
                _ => 0.25,
            })
            .collect();
        let mut sorted = v.clone();
        sorted.sort_by(f64::total_cmp);
        let mut scratch = vec![0.0; n];
        assert_eq!(
            middle_pair(&v, &mut scratch),
            (sorted[(n - 1) / 2], sorted[n / 2]),
            "n {n}"
        );
    }
}

/// The transposes on a series long enough to be split across threads.
#[test]
fn long_transposes_match_their_definition() {
    let (p, n) = (7, 100_003);
    let len = (n - 1) / p + 1;
    let src: Vec<f64> = (0..n).map(|i| i as f64).collect();
    let mut rows = vec![-1.0; p * len];
    transpose_into_rows(&src, p, len, &mut rows);
    for j in 0..p {
        for i in (0..len).filter(|i| i * p + j < n) {
            assert_eq!(rows[j * len + i], (i * p + j) as f64, "row {j} column {i}");
        }
    }
    let stride = len + 2;
    let rows: Vec<f64> = (0..p * stride).map(|k| k as f64).collect();
    let mut dst = vec![-1.0; n + 2 * p];
    transpose_from_rows(&rows, p, stride, &mut dst);
    for (pos, v) in dst.iter().enumerate() {
        assert_eq!(*v, ((pos % p) * stride + pos / p) as f64, "position {pos}");
    }
}

fn synthetic(n: usize, period: usize) -> Vec<f64> {
    (0..n)
        .map(|i| {
            let t = i as f64;
            let phase = 2.0 * std::f64::consts::PI * (i % period) as f64 / period as f64;
            10.0 + 0.01 * t + 3.0 * phase.sin() + ((i * 7919) % 101) as f64 / 50.0
        })
        .collect()
}

#[test]
fn rejects_bad_input_with_typed_errors() {
    let y = synthetic(30, 7);
    assert_eq!(
        decompose(&y[..13], &StlParams::new(7)),
        Err(StlError::SeriesTooShort {
            len: 13,
            needed: 14
        })
    );
    let mut bad = y.clone();
    bad[4] = f64::NAN;
    assert!(matches!(
        decompose(&bad, &StlParams::new(7)),
        Err(StlError::NonFiniteValue { index: 4, .. })
    ));
    assert_eq!(
        decompose(&y, &StlParams::new(0)),
        Err(StlError::PeriodTooSmall { period: 0 })
    );
    assert!(decompose(&[], &StlParams::new(2)).is_err());
}

#[test]
fn exactly_two_periods_is_accepted() {
    let y = synthetic(14, 7);
    let report = decompose(&y, &StlParams::new(7).with_robust(true)).expect("valid");
    assert!(report.trend.iter().all(|v| v.is_finite()));
}

#[test]
fn report_serialises() {
    let report = decompose(&synthetic(40, 5), &StlParams::new(5)).expect("valid");
    let json = serde_json::to_string(&report).expect("serialise");
    let back: StlReport = serde_json::from_str(&json).expect("deserialise");
    assert_eq!(back.config, report.config);
    assert!(max_abs_diff(&back.trend, &report.trend) < 1e-12);
}

fn series_strategy() -> impl Strategy<Value = (Vec<f64>, StlParams)> {
    (2usize..14, 0usize..4, any::<bool>(), 0usize..3, 0usize..3).prop_flat_map(
        |(period, seasonal_idx, robust, extra_cycles, jump)| {
            let min_len = 2 * period;
            (
                prop::collection::vec(
                    -1000.0f64..1000.0,
                    min_len..min_len + (extra_cycles + 1) * period + 7,
                ),
                Just(
                    StlParams::new(period)
                        .with_seasonal(3 + 4 * seasonal_idx)
                        .with_robust(robust)
                        .with_jumps(1 + jump, 1 + jump, 1),
                ),
            )
        },
    )
}

proptest! {
    // No regression files: the module is compiled from two crates and must not
    // write into the source tree.
    #![proptest_config(ProptestConfig {
        cases: 64,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn components_add_up((y, params) in series_strategy()) {
        let r = decompose(&y, &params).expect("valid");
        let scale = y.iter().fold(1.0f64, |m, v| m.max(v.abs()));
        for (i, observed) in y.iter().enumerate() {
            let sum = r.trend[i] + r.seasonal[i] + r.remainder[i];
            prop_assert!((sum - observed).abs() <= 1e-9 * scale);
        }
    }

    #[test]
    fn scaling_scales_components(
        (y, params) in series_strategy(),
        a in prop_oneof![-50.0f64..-0.01, 0.01f64..50.0],
        k in -20i32..20,
    ) {
        // Without robustness the decomposition is linear in y, so any factor
        // works. Robust weights compare |r| with 6·median|r|; on degenerate
        // (near exact-fit) inputs those residuals are rounding noise, so there
        // the factor is a power of two, which scales every float exactly.
        let factor = if params.options.robust { a.signum() * 2f64.powi(k) } else { a };
        let base = decompose(&y, &params).expect("valid");
        let scaled_y: Vec<f64> = y.iter().map(|v| factor * v).collect();
        let scaled = decompose(&scaled_y, &params).expect("valid");
        let scale = y.iter().fold(1.0f64, |m, v| m.max(v.abs())) * factor.abs();
        for (b, s) in [(&base.trend, &scaled.trend), (&base.seasonal, &scaled.seasonal), (&base.remainder, &scaled.remainder)] {
            for (bv, sv) in b.iter().zip(s.iter()) {
                prop_assert!((factor * bv - sv).abs() <= 1e-9 * scale);
            }
        }
        prop_assert!(max_abs_diff(&base.weights, &scaled.weights) <= 1e-9);
    }

    #[test]
    fn constant_series_has_zero_seasonal(c in -1e6f64..1e6, n_extra in 0usize..30, period in 2usize..12, robust in any::<bool>()) {
        let y = vec![c; 2 * period + n_extra];
        let r = decompose(&y, &StlParams::new(period).with_robust(robust)).expect("valid");
        let tol = 1e-9 * c.abs().max(1.0);
        prop_assert!(r.seasonal.iter().all(|s| s.abs() <= tol));
        prop_assert!(r.trend.iter().all(|t| (t - c).abs() <= tol));
    }
}

/// Release benchmark: `cargo test --release -- --ignored --nocapture stl_benchmark`.
#[test]
#[ignore = "benchmark; run in release with --ignored"]
fn stl_benchmark_one_million_points() {
    let n = 1_000_000;
    for (period, robust) in [(7, false), (24, false), (12, false), (7, true)] {
        let y = synthetic(n, period);
        let params = StlParams::new(period).with_robust(robust);
        let mut best = f64::INFINITY;
        for _ in 0..3 {
            let start = std::time::Instant::now();
            let report = decompose(&y, &params).expect("valid");
            best = best.min(start.elapsed().as_secs_f64());
            assert_eq!(report.trend.len(), n);
        }
        println!("STL n={n} period={period} robust={robust}: best of 3 = {best:.3} s");
    }
}

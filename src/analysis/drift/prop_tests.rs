//! Property tests (proptest) and the ignored release-mode benchmark.

use proptest::prelude::*;

use super::binning::{BinningStrategy, bin_numeric};
use super::distance::wasserstein;
use super::divergence::{DivergenceParams, divergences, hellinger_numeric_evidently};
use super::ks::{KsParams, ks_2samp};
use super::metrics::{AllMetricsParams, all_numeric_metrics};
use super::rank_tests::mann_whitney_u;
use super::sample::NumericSample;

/// Small integer-valued floats so that ties are frequent.
fn sample_values() -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec((-20i32..20).prop_map(|v| f64::from(v) / 2.0), 1..60)
}

fn strategies() -> [BinningStrategy; 5] {
    [
        BinningStrategy::Auto,
        BinningStrategy::Sturges,
        BinningStrategy::DistinctValues,
        BinningStrategy::ReferenceQuantiles { n_bins: 10 },
        BinningStrategy::EqualWidth { n_bins: 7 },
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn ks_in_unit_interval_and_symmetric(a in sample_values(), b in sample_values()) {
        let (sa, sb) = (NumericSample::new(&a), NumericSample::new(&b));
        let ab = ks_2samp(&sa, &sb, &KsParams::default()).expect("non-empty");
        let ba = ks_2samp(&sb, &sa, &KsParams::default()).expect("non-empty");
        prop_assert!((0.0..=1.0).contains(&ab.statistic));
        prop_assert!((0.0..=1.0).contains(&ab.p_value));
        prop_assert_eq!(ab.statistic, ba.statistic);
        prop_assert!((ab.p_value - ba.p_value).abs() <= 1e-12);
    }

    #[test]
    fn psi_non_negative_and_zero_on_identical(a in sample_values(), b in sample_values()) {
        let (sa, sb) = (NumericSample::new(&a), NumericSample::new(&b));
        for s in strategies() {
            let d = divergences(&bin_numeric(&sa, &sb, s).expect("bins"), &DivergenceParams::default());
            prop_assert!(d.psi >= 0.0);
            prop_assert!(d.psi_contributions.iter().all(|&t| t >= 0.0));
            prop_assert!(d.kl_divergence >= -1e-15);
            prop_assert!((0.0..=1.0).contains(&d.hellinger));
            let same = divergences(&bin_numeric(&sa, &sa, s).expect("bins"), &DivergenceParams::default());
            prop_assert_eq!(same.psi, 0.0);
            prop_assert_eq!(same.jensen_shannon_distance, 0.0);
            // Evidently's √(1 − Σ√(pq)) form keeps the rounding of Σ p (~1e-8).
            prop_assert!(same.hellinger < 1e-7);
        }
    }

    #[test]
    fn evidently_numeric_hellinger_in_unit_interval(a in sample_values(), b in sample_values()) {
        for integer in [false, true] {
            let sa = NumericSample::new(&a).with_integer_dtype(integer);
            let sb = NumericSample::new(&b).with_integer_dtype(integer);
            let h = hellinger_numeric_evidently(&sa, &sb).expect("non-empty");
            prop_assert!((0.0..=1.0).contains(&h));
            // Identical samples: zero up to the rounding of Σ √(h·h)·w, at most ~4 half-ulps
            // per bin for <= 60 bins (< 3e-14), so < 2e-7 after the root.
            prop_assert!(hellinger_numeric_evidently(&sa, &sa).expect("non-empty") < 2e-7);
        }
    }

    #[test]
    fn histogram_counts_sum_to_n(a in sample_values(), b in sample_values()) {
        let (sa, sb) = (NumericSample::new(&a), NumericSample::new(&b));
        for s in strategies() {
            let bins = bin_numeric(&sa, &sb, s).expect("bins");
            prop_assert_eq!(bins.reference_counts.iter().sum::<u64>(), a.len() as u64);
            prop_assert_eq!(bins.current_counts.iter().sum::<u64>(), b.len() as u64);
            let total: f64 = bins.reference_shares.iter().sum();
            prop_assert!((total - 1.0).abs() < 1e-12);
        }
    }

    #[test]
    fn results_independent_of_row_order(
        a in sample_values().prop_flat_map(|v| (Just(v.clone()), Just(v).prop_shuffle())),
        b in sample_values().prop_flat_map(|v| (Just(v.clone()), Just(v).prop_shuffle())),
    ) {
        let p = AllMetricsParams::default();
        let x = all_numeric_metrics(&NumericSample::new(&a.0), &NumericSample::new(&b.0), &p).expect("ok");
        let y = all_numeric_metrics(&NumericSample::new(&a.1), &NumericSample::new(&b.1), &p).expect("ok");
        // Debug text compares NaN equal to NaN and is exact for finite values.
        prop_assert_eq!(format!("{x:?}"), format!("{y:?}"));
    }

    #[test]
    fn distances_symmetric_non_negative(a in sample_values(), b in sample_values()) {
        let (sa, sb) = (NumericSample::new(&a), NumericSample::new(&b));
        let ab = wasserstein(&sa, &sb).expect("non-empty");
        let ba = wasserstein(&sb, &sa).expect("non-empty");
        prop_assert!(ab.distance >= 0.0);
        prop_assert!((ab.distance - ba.distance).abs() <= 1e-12 * (1.0 + ab.distance));
        let m = mann_whitney_u(&sa, &sb).expect("non-empty");
        prop_assert!((0.0..=1.0).contains(&m.p_value));
    }
}

/// xorshift64* — deterministic benchmark data without a `rand` dependency.
struct XorShift(u64);

impl XorShift {
    fn next_f64(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Approximately normal (sum of 4 uniforms).
    fn normalish(&mut self, shift: f64) -> f64 {
        (0..4).map(|_| self.next_f64()).sum::<f64>() - 2.0 + shift
    }
}

/// CPU time of this thread (user + system) from /proc, in seconds; `None`
/// where /proc is unavailable. Wall time is unreliable on a shared machine.
fn thread_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    let after = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    // Fields 14 and 15 of stat(5) (utime, stime) are at 11 and 12 after the comm.
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// Release-mode benchmark: 20 float columns of 1M reference vs 1M current rows.
/// Run: `cargo test --release -- --ignored --nocapture bench_1m`.
#[test]
#[ignore = "benchmark; run in release with --ignored --nocapture"]
fn bench_1m_vs_1m_20_columns() {
    use super::select::{ColumnInput, ColumnKind, ColumnValues, DriftOptions, evaluate_dataset};
    use std::time::Instant;
    const N: usize = 1_000_000;
    const COLS: usize = 20;
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let raw: Vec<(Vec<f64>, Vec<f64>)> = (0..COLS)
        .map(|c| {
            let shift = if c % 4 == 0 { 0.05 } else { 0.0 };
            let r = (0..N).map(|_| rng.normalish(0.0)).collect();
            let k = (0..N).map(|_| rng.normalish(shift)).collect();
            (r, k)
        })
        .collect();

    let cpu0 = thread_cpu_seconds();
    let t0 = Instant::now();
    let inputs: Vec<ColumnInput> = raw
        .iter()
        .enumerate()
        .map(|(i, (r, k))| ColumnInput {
            name: format!("c{i}"),
            kind: ColumnKind::Float,
            values: ColumnValues::Numeric {
                reference: NumericSample::new(r).into(),
                current: NumericSample::new(k).into(),
            },
        })
        .collect();
    let t_sort = t0.elapsed();
    let cpu1 = thread_cpu_seconds();
    let t1 = Instant::now();
    let report = evaluate_dataset(&inputs, &DriftOptions::default());
    let t_default = t1.elapsed();
    let cpu2 = thread_cpu_seconds();
    let t2 = Instant::now();
    let mut n_metrics = 0;
    for input in &inputs {
        if let ColumnValues::Numeric { reference, current } = &input.values {
            let m =
                all_numeric_metrics(reference, current, &AllMetricsParams::default()).expect("ok");
            n_metrics += m.values.len();
        }
    }
    let t_all = t2.elapsed();
    let cpu3 = thread_cpu_seconds();
    if let (Some(a), Some(b), Some(c), Some(d)) = (cpu0, cpu1, cpu2, cpu3) {
        eprintln!(
            "thread CPU time: build+sort {:.2}s, default pass {:.2}s, all metrics {:.2}s",
            b - a,
            c - b,
            d - c
        );
    }
    eprintln!(
        "1M vs 1M x {COLS} columns, single thread: build+sort {:.3}s, default pass {:.3}s \
         (sort+default {:.3}s), all metrics {:.3}s ({n_metrics} values), drifted {}/{}",
        t_sort.as_secs_f64(),
        t_default.as_secs_f64(),
        (t_sort + t_default).as_secs_f64(),
        t_all.as_secs_f64(),
        report.number_of_drifted_columns,
        report.number_of_columns,
    );
}

//! The serving simulator against an independent reference and against queueing theory.
//!
//! - tests/golden/serving/golden.json: a Python re-implementation of the documented model
//!   (heapq workers, np.interp service times) with latency statistics from numpy 2.2.6
//!   (`np.mean`, `np.percentile` default "linear"), made by make_golden.py next to it.
//! - M/D/1: realtime, one worker, Poisson arrivals, constant service: the mean wait equals
//!   Pollaczek–Khinchine's ρ / (2μ(1 − ρ)).

use sextant::analysis::serving::{LatencyCurve, Policy, poisson_arrivals, simulate};

fn never() -> bool {
    false
}

#[test]
fn every_policy_matches_the_numpy_reference() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/golden/serving/golden.json"
    ))
    .expect("golden file");
    let g: serde_json::Value = serde_json::from_str(&text).expect("json");
    let times: Vec<f64> = g["times"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    let pts: Vec<(usize, f64)> = g["curve"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p[0].as_u64().unwrap() as usize, p[1].as_f64().unwrap()))
        .collect();
    let curve = LatencyCurve::new("golden", &pts).unwrap();
    let runs = g["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 12);
    for r in runs {
        let p = r["policy"].as_array().unwrap();
        let policy = match p[0].as_str().unwrap() {
            "realtime" => Policy::Realtime,
            "batch" => Policy::MicroBatch {
                max_batch: p[1].as_u64().unwrap() as usize,
                max_wait_ms: p[2].as_f64().unwrap(),
            },
            "offline" => Policy::Offline {
                every_h: p[1].as_f64().unwrap(),
            },
            other => panic!("{other}"),
        };
        let k = r["workers"].as_u64().unwrap() as usize;
        let s = simulate(&times, &curve, policy, k, 0.010, &never).unwrap();
        let what = format!("{policy:?} × {k}");
        // Sums of 10 773 latencies in a different order: 1e-9 relative covers the rounding;
        // the quantiles are order statistics and their interpolation, equal to 1e-12.
        let close = |a: f64, b: f64, tol: f64, name: &str| {
            assert!(
                (a - b).abs() <= tol * b.abs().max(1e-12),
                "{what} {name}: {a} against numpy's {b}"
            );
        };
        close(s.mean_s, r["mean_s"].as_f64().unwrap(), 1e-9, "mean");
        close(
            s.mean_wait_s,
            r["mean_wait_s"].as_f64().unwrap(),
            1e-9,
            "mean wait",
        );
        close(s.p50_s, r["p50_s"].as_f64().unwrap(), 1e-12, "p50");
        close(s.p95_s, r["p95_s"].as_f64().unwrap(), 1e-12, "p95");
        close(s.p99_s, r["p99_s"].as_f64().unwrap(), 1e-12, "p99");
        close(s.busy_s, r["busy_s"].as_f64().unwrap(), 1e-9, "busy");
        close(
            s.utilisation,
            r["utilisation"].as_f64().unwrap(),
            1e-9,
            "utilisation",
        );
        assert_eq!(
            s.late as u64,
            r["late_010"].as_u64().unwrap(),
            "{what} late"
        );
    }
}

#[test]
fn realtime_md1_mean_wait_is_pollaczek_khinchine() {
    // λ = 0.8/s, service 1 s (μ = 1): ρ = 0.8 and W_q = ρ / (2μ(1 − ρ)) = 2 s.
    let (lambda, service) = (0.8, 1.0);
    let rho: f64 = lambda * service;
    let pk = rho / (2.0 * (1.0 / service) * (1.0 - rho));
    let curve = LatencyCurve::new("constant", &[(1, service)]).unwrap();
    // 20 independent replications of 50 000 s each (about 40 000 requests): their spread gives
    // the sampling error of the mean wait; each starts empty, a bias of the order of the
    // relaxation time 1/(1 − ρ)² = 25 s over 50 000 s, far below that error.
    let means: Vec<f64> = (0..20)
        .map(|seed| {
            let a = poisson_arrivals(lambda, 50_000.0, 1000 + seed);
            simulate(&a, &curve, Policy::Realtime, 1, 1e9, &never)
                .unwrap()
                .mean_wait_s
        })
        .collect();
    let m = means.iter().sum::<f64>() / means.len() as f64;
    let var = means.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (means.len() - 1) as f64;
    let se = (var / means.len() as f64).sqrt();
    assert!(
        se < 0.1 * pk,
        "standard error {se} is too large to test anything"
    );
    assert!(
        (m - pk).abs() < 4.0 * se,
        "M/D/1 mean wait {m} s (standard error {se}) against Pollaczek–Khinchine {pk} s"
    );
}

#[test]
fn more_workers_never_wait_longer_in_realtime() {
    let a = poisson_arrivals(1800.0, 30.0, 5);
    let curve = LatencyCurve::new("x", &[(1, 0.001)]).unwrap();
    let waits: Vec<f64> = [1, 2, 4]
        .iter()
        .map(|&k| {
            simulate(&a, &curve, Policy::Realtime, k, 1.0, &never)
                .unwrap()
                .mean_wait_s
        })
        .collect();
    assert!(waits[0] > waits[1] && waits[1] >= waits[2], "{waits:?}");
}

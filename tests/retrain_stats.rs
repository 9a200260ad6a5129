//! The retraining lab's learners against their references (golden values made by
//! `tests/golden/retrain/make_golden.py` with scikit-learn 1.5.2 and River 0.26.1), and the
//! backtest protocol's invariants on small generated data.

use serde_json::Value;
use sextant::analysis::retrain::encode::{RawFeature, encode};
use sextant::analysis::retrain::logistic::{self, GRADIENT_TOLERANCE};
use sextant::analysis::retrain::online::progressive;
use sextant::analysis::retrain::{
    BacktestData, DetectorKind, Mode, Policy, Prepared, WindowUnit, best, frontier, kappa_what_if,
};

/// Coefficients: sklearn's newton-cholesky stops at its tol, we at 1e-10·n.
const COEF_TOL: f64 = 1e-6;
const PROBABILITY_TOL: f64 = 1e-8;
/// River's progressive probabilities: the same arithmetic, summed in another order.
const RIVER_TOL: f64 = 1e-9;

fn golden() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/golden/retrain/golden.json"
    ))
    .expect("golden file");
    serde_json::from_str(&text).expect("json")
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_f64().expect("number"))
        .collect()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_str().expect("string").to_string())
        .collect()
}

/// A categorical feature over `values`, its reference being the first `n_reference` rows.
fn categorical(name: &str, values: &[String], n_reference: usize) -> RawFeature {
    let mut labels: Vec<String> = values.to_vec();
    labels.sort();
    labels.dedup();
    let codes: Vec<u32> = values
        .iter()
        .map(|v| labels.iter().position(|l| l == v).expect("label") as u32)
        .collect();
    let mut in_reference = vec![false; labels.len()];
    for &c in &codes[..n_reference] {
        in_reference[c as usize] = true;
    }
    RawFeature::Categorical {
        name: name.into(),
        labels,
        codes,
        in_reference,
    }
}

fn numeric(name: &str, values: Vec<f64>) -> RawFeature {
    RawFeature::Numeric {
        name: name.into(),
        values: values.into_iter().map(Some).collect(),
    }
}

#[test]
fn scratch_learner_equals_scikit_learn() {
    let g = &golden()["scratch"];
    let (train, test) = (&g["train"], &g["test"]);
    let cat = |k: &str| [floats(&train[k]), floats(&test[k])].concat();
    let groups: Vec<String> = [strings(&train["g"]), strings(&test["g"])].concat();
    let n_train = floats(&train["y"]).len();
    let enc = encode(&[
        numeric("a", cat("a")),
        numeric("b", cat("b")),
        numeric("c", cat("c")),
        categorical("g", &groups, n_train),
    ]);
    assert_eq!(enc.columns, strings(&g["columns"]));
    let y: Vec<bool> = floats(&train["y"]).iter().map(|&v| v == 1.0).collect();
    let rows: Vec<u32> = (0..n_train as u32).collect();
    let d = enc.width();
    let m = logistic::fit(&enc.x, d, &rows, &y, None).expect("fit");
    for (j, (got, want)) in m.mean.iter().zip(floats(&g["mean"])).enumerate() {
        assert!(
            (got - want).abs() <= 1e-12 * want.abs().max(1.0),
            "mean {j}"
        );
    }
    for (j, (got, want)) in m.std.iter().zip(floats(&g["std"])).enumerate() {
        assert!((got - want).abs() <= 1e-12 * want.abs().max(1.0), "std {j}");
    }
    for (j, (got, want)) in m.coef.iter().zip(floats(&g["coef"])).enumerate() {
        assert!((got - want).abs() < COEF_TOL, "coef {j}: {got} vs {want}");
    }
    let b = g["intercept"].as_f64().expect("intercept");
    assert!((m.intercept - b).abs() < COEF_TOL, "intercept");
    let want = floats(&g["probability"]);
    for (i, w) in want.iter().enumerate() {
        let p = m.probability(enc.row(n_train + i));
        assert!((p - w).abs() < PROBABILITY_TOL, "test row {i}: {p} vs {w}");
    }
    // Two rows of the test set hold a level never seen in training: all zeros.
    assert_eq!(&enc.row(n_train + 3)[3..], [0.0, 0.0, 0.0]);
    assert!(m.iterations < 20 && m.ridge == 0.0);
    // A warm start from another fit reaches the same optimum.
    let half = logistic::fit(&enc.x, d, &rows[..120], &y, None).expect("fit");
    let warm = logistic::fit(&enc.x, d, &rows, &y, Some(&half)).expect("fit");
    for j in 0..d {
        assert!((warm.coef[j] - m.coef[j]).abs() < COEF_TOL);
    }
    let _ = GRADIENT_TOLERANCE;
}

#[test]
fn incremental_learner_equals_river_progressive_validation_with_delay() {
    let g = &golden()["river"];
    let groups = strings(&g["g"]);
    let n = groups.len();
    let enc = encode(&[
        numeric("a", floats(&g["a"])),
        numeric("b", floats(&g["b"])),
        categorical("g", &groups, n),
    ]);
    assert_eq!(enc.columns, strings(&g["columns"]));
    let times: Vec<i64> = g["time_us"]
        .as_array()
        .expect("times")
        .iter()
        .map(|v| v.as_i64().expect("int"))
        .collect();
    let delay = g["delay_us"].as_i64().expect("delay");
    let label_times: Vec<Option<i64>> = times.iter().map(|t| Some(t + delay)).collect();
    let y: Vec<bool> = floats(&g["y"]).iter().map(|&v| v == 1.0).collect();
    let (p, model) = progressive(&enc.x, enc.width(), &times, &label_times, &y);
    let want = floats(&g["probability"]);
    assert_eq!(p.len(), want.len());
    for (i, (got, w)) in p.iter().zip(&want).enumerate() {
        assert!((got - w).abs() < RIVER_TOL, "row {i}: {got} vs {w}");
    }
    assert_eq!(model.learned, n);
    // The delay matters: with labels at once the probabilities differ.
    let now: Vec<Option<i64>> = times.iter().map(|&t| Some(t)).collect();
    let (q, _) = progressive(&enc.x, enc.width(), &times, &now, &y);
    assert!(p.iter().zip(&q).any(|(a, b)| (a - b).abs() > 1e-6));
}

const DAY: i64 = 86_400_000_000;

/// 60 days, 40 rows a day; the concept flips on day 30. The first 20 days are the reference.
struct Synthetic {
    x: Vec<f64>,
    times: Vec<i64>,
    y: Vec<bool>,
    has: Vec<bool>,
}

fn synthetic() -> Synthetic {
    let mut state = 12345u64;
    let mut uniform = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    let (mut x, mut times, mut y) = (Vec::new(), Vec::new(), Vec::new());
    let start = 20_000 * DAY;
    for day in 0..60 {
        for k in 0..40 {
            let a = uniform() * 4.0 - 2.0;
            let b = uniform() * 2.0;
            let sign = if day < 30 { 1.0 } else { -1.0 };
            let p = 1.0 / (1.0 + (-(sign * 2.0 * a + 0.3 * b)).exp());
            x.extend_from_slice(&[a, b]);
            times.push(start + day * DAY + (k * 60 + 30) * 1_000_000);
            y.push(uniform() < p);
        }
    }
    let has = vec![true; y.len()];
    Synthetic { x, times, y, has }
}

#[test]
fn backtest_follows_the_protocol() {
    let s = synthetic();
    let lts: Vec<Option<i64>> = s.times.iter().map(|&t| Some(t + 2 * DAY)).collect();
    let data = BacktestData {
        x: &s.x,
        d: 2,
        groups: &[],
        times: &s.times,
        label_times: &lts,
        y: &s.y,
        has_label: &s.has,
        current_start: s.times[20 * 40],
    };
    let modes = [
        Mode::Scratch,
        Mode::Sliding { micros: 7 * DAY },
        Mode::Incremental,
    ];
    let p = Prepared::new(data, WindowUnit::Day, &modes).expect("prepare");
    assert_eq!(p.windows.len(), 40);
    assert_eq!(p.first_row, 800);
    let no_stop = |_: usize| false;
    // The initial model: rows before T_w0 whose labels arrived by T_w0 (two days are missing).
    let initial: Vec<u32> = (0..800u32)
        .filter(|&r| lts[r as usize].unwrap() <= p.windows[0].start)
        .collect();
    assert_eq!(initial.len(), 18 * 40);
    let m0 = logistic::fit(&s.x, 2, &initial, &s.y, None).expect("fit");
    let never = p
        .run(Policy::Never, Mode::Scratch, 0.5, &no_stop)
        .expect("run");
    assert_eq!(never.retrain_count, 0);
    assert_eq!(never.windows.len(), 40);
    assert!((never.probabilities[0] - m0.probability(&s.x[1600..1602])).abs() < 1e-15);
    assert!(never.windows.iter().all(|w| w.model_version == 1));
    let every = p
        .run(Policy::Every { k: 5 }, Mode::Scratch, 0.5, &no_stop)
        .expect("run");
    // Decisions at w = 5, 10, …, 35: seven retrains.
    assert_eq!(every.retrain_count, 7);
    assert_eq!(every.retrains[0].window, 5);
    // The retrain at T_5 learns every row with time < T_5 and label time ≤ T_5.
    assert_eq!(every.retrains[0].rows, (20 + 5 - 2) * 40);
    assert_eq!(every.windows[5].model_version, 2);
    assert!(
        (every.total_cost - (every.sum_window_log_loss + 0.5 * 7.0)).abs() < 1e-12,
        "total cost"
    );
    let sliding = p
        .run(
            Policy::Every { k: 5 },
            Mode::Sliding { micros: 7 * DAY },
            0.5,
            &no_stop,
        )
        .expect("run");
    assert_eq!(
        sliding.retrains[0].rows,
        5 * 40,
        "{:?}",
        sliding.retrains[0]
    );
    // After the flip, retraining pays off: less loss than never retraining.
    assert!(every.sum_window_log_loss < never.sum_window_log_loss);
    let floor = p
        .run(
            Policy::Floor { accuracy: 0.6 },
            Mode::Incremental,
            0.5,
            &no_stop,
        )
        .expect("run");
    let adwin = p
        .run(
            Policy::OnDrift {
                detector: DetectorKind::Adwin,
            },
            Mode::Scratch,
            0.5,
            &no_stop,
        )
        .expect("run");
    // Both react to the flip on day 30, after the labels of day 30 arrive (T_32 at the earliest).
    assert!(floor.retrains.iter().any(|r| r.window >= 12));
    assert!(adwin.retrain_count >= 1);
    assert!(adwin.retrains.iter().all(|r| r.window >= 12));
    let runs = vec![never, every, sliding, floor, adwin];
    let b = best(&runs).expect("best");
    assert!(runs.iter().all(|r| r.total_cost >= runs[b].total_cost));
    let f = frontier(&runs);
    assert!(f.contains(&0));
    let k = kappa_what_if(&runs);
    assert_eq!(k[0].from, 0.0);
    assert!(k.last().unwrap().to.is_none());
    // Cancelling stops the run.
    let stopped = p.run(Policy::Never, Mode::Scratch, 0.5, &|w| w >= 3);
    assert!(stopped.is_err());
}

#[test]
fn labels_that_arrive_too_late_leave_no_initial_model() {
    let s = synthetic();
    let lts: Vec<Option<i64>> = s.times.iter().map(|&t| Some(t + 100 * DAY)).collect();
    let data = BacktestData {
        x: &s.x,
        d: 2,
        groups: &[],
        times: &s.times,
        label_times: &lts,
        y: &s.y,
        has_label: &s.has,
        current_start: s.times[800],
    };
    let e = Prepared::new(data, WindowUnit::Day, &[Mode::Scratch])
        .err()
        .expect("error");
    assert!(e.to_string().contains("no label arrives"), "{e}");
}

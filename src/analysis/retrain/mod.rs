//! The retraining lab: a backtest of retraining policies × modes on labelled, timestamped data
//! with a stand-in model Sextant trains itself, following `RETRAINING.md` word for word
//! (windows, the information rule, the initial model, modes, the loop, policies, outputs and
//! progressive validation).
//!
//! * [`encode`]: numeric features as given, categoricals one-hot over the reference's levels.
//! * [`logistic`]: the from-scratch learner (scikit-learn's `LogisticRegression(C=1)` objective).
//! * [`online`]: the incremental learner (River 0.26's `StandardScaler | LogisticRegression`)
//!   and progressive validation.
//! * [`protocol`]: the loop and the policies; [`policy`]: their words.
//! * Here: what the runs add up to — the best run at κ, the cost frontier and the κ what-if.

pub mod encode;
pub mod logistic;
pub mod online;
pub mod policy;
pub mod protocol;

use serde::{Deserialize, Serialize};

pub use policy::{DetectorKind, Mode, Policy, WindowUnit};
pub use protocol::{
    BacktestData, BacktestError, BacktestParams, Metrics, Prepared, RetrainRecord, RunReport,
    Trigger, WindowReport,
};

/// The run of least total cost Σ log loss + κ · retrains (the first on ties, in run order).
pub fn best(runs: &[RunReport]) -> Option<usize> {
    let mut best: Option<usize> = None;
    for (i, r) in runs.iter().enumerate() {
        if best.is_none_or(|b| r.total_cost < runs[b].total_cost) {
            best = Some(i);
        }
    }
    best
}

/// The cost frontier: runs not dominated in (retrains, Σ window log loss) — no other run has
/// at most as many retrains and at most as much loss, one of them strictly. Sorted by retrains.
pub fn frontier(runs: &[RunReport]) -> Vec<usize> {
    let mut out: Vec<usize> = (0..runs.len())
        .filter(|&i| {
            let a = &runs[i];
            !runs.iter().any(|b| {
                b.retrain_count <= a.retrain_count
                    && b.sum_window_log_loss <= a.sum_window_log_loss
                    && (b.retrain_count < a.retrain_count
                        || b.sum_window_log_loss < a.sum_window_log_loss)
            })
        })
        .collect();
    out.sort_by_key(|&i| runs[i].retrain_count);
    // Equal points: keep the first.
    out.dedup_by(|a, b| {
        runs[*a].retrain_count == runs[*b].retrain_count
            && runs[*a].sum_window_log_loss == runs[*b].sum_window_log_loss
    });
    out
}

/// One stretch of κ over which one run is the best.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KappaSegment {
    /// κ from (inclusive) …
    pub from: f64,
    /// … to (exclusive; `None` = no end).
    pub to: Option<f64>,
    /// The best run (index into the runs).
    pub run: usize,
}

/// The best run as a function of κ ≥ 0: total cost is a line Σ loss + κ · retrains per run, so
/// the best is the lower envelope — from the least loss at κ = 0 towards fewer retrains.
pub fn kappa_what_if(runs: &[RunReport]) -> Vec<KappaSegment> {
    let key = |i: usize| (runs[i].sum_window_log_loss, runs[i].retrain_count);
    let Some(mut current) = (0..runs.len()).min_by(|&a, &b| {
        key(a)
            .partial_cmp(&key(b))
            .unwrap_or(std::cmp::Ordering::Equal)
    }) else {
        return Vec::new();
    };
    let mut from = 0.0;
    let mut out = Vec::new();
    loop {
        let c = &runs[current];
        // The next run to take over: fewer retrains, at the smallest crossing κ (ties: fewest
        // retrains).
        let mut next: Option<(f64, usize)> = None;
        for (i, r) in runs.iter().enumerate() {
            if r.retrain_count >= c.retrain_count {
                continue;
            }
            let k = (r.sum_window_log_loss - c.sum_window_log_loss)
                / (c.retrain_count - r.retrain_count) as f64;
            let k = k.max(from);
            let better = match next {
                None => true,
                Some((nk, ni)) => k < nk || (k == nk && r.retrain_count < runs[ni].retrain_count),
            };
            if better {
                next = Some((k, i));
            }
        }
        match next {
            Some((k, i)) => {
                if k > from {
                    out.push(KappaSegment {
                        from,
                        to: Some(k),
                        run: current,
                    });
                }
                from = k;
                current = i;
            }
            None => {
                out.push(KappaSegment {
                    from,
                    to: None,
                    run: current,
                });
                return out;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(retrains: usize, loss: f64) -> RunReport {
        RunReport {
            policy: Policy::Never,
            mode: Mode::Scratch,
            windows: Vec::new(),
            retrains: Vec::new(),
            retrain_count: retrains,
            sum_window_log_loss: loss,
            total_cost: loss,
            probabilities: Vec::new(),
        }
    }

    #[test]
    fn envelope_and_frontier() {
        // (0, 10), (2, 6), (5, 5), (3, 8) dominated by (2, 6).
        let runs = [run(0, 10.0), run(2, 6.0), run(5, 5.0), run(3, 8.0)];
        assert_eq!(frontier(&runs), [0, 1, 2]);
        let w = kappa_what_if(&runs);
        // κ < 1/3: (5, 5); 1/3 ≤ κ < 2: (2, 6); then (0, 10).
        assert_eq!(w.len(), 3);
        assert_eq!(w[0].run, 2);
        assert!((w[0].to.unwrap() - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(w[1].run, 1);
        assert_eq!(w[1].to, Some(2.0));
        assert_eq!(w[2].run, 0);
        assert_eq!(w[2].to, None);
    }
}

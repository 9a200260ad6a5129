//! A binary linear classifier trained by plain stochastic gradient descent, following
//! scikit-learn's `SGDClassifier` (sklearn/linear_model/_sgd_fast.pyx.tp, scikit-learn 1.9):
//! the "optimal" learning rate `η_t = 1 / (α (t₀ + t − 1))` with Bottou's `t₀`, the truncated
//! cumulative L1 penalty of Tsuruoka et al. (2009), L2 as weight decay, the intercept learning
//! at `intercept_decay` of the rate (0.01 on sparse input, 1 on dense, as scikit-learn), and
//! its stopping rule: stop after `n_iter_no_change` epochs whose objective did not improve by
//! `tol`.
//!
//! The order of the samples in each epoch is scikit-learn's own for the same `random_state`
//! ([`super::numpy_rng`]), so on the same rows in the same order the weights are scikit-learn's
//! up to rounding (its objective's L1 norm is summed afresh per sample, here kept as a running
//! sum, which can only matter for the stopping epoch when an objective sits at the tolerance).

use super::numpy_rng::{sgd_shuffle, sgd_shuffle_seed};
use super::tfidf::SparseRows;

/// The loss being minimised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loss {
    /// Quadratically smoothed hinge (`loss="modified_huber"`); probabilities are
    /// `(clip(f, −1, 1) + 1) / 2`.
    ModifiedHuber,
    /// Logistic (`loss="log_loss"`).
    Log,
}

/// The penalty on the weights.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Penalty {
    L1,
    L2,
}

/// Parameters of [`fit`], scikit-learn's names and defaults.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SgdParams {
    pub loss: Loss,
    pub penalty: Penalty,
    pub alpha: f64,
    pub max_iter: usize,
    pub tol: f64,
    pub n_iter_no_change: usize,
    pub intercept_decay: f64,
    /// scikit-learn's `random_state`.
    pub seed: u32,
}

impl SgdParams {
    /// Evidently's text classifier: `SGDClassifier(alpha=0.0001, max_iter=50, penalty="l1",
    /// loss="modified_huber", random_state=42)` on sparse TF-IDF rows.
    pub fn evidently_text(seed: u32) -> Self {
        Self {
            loss: Loss::ModifiedHuber,
            penalty: Penalty::L1,
            alpha: 1e-4,
            max_iter: 50,
            tol: 1e-3,
            n_iter_no_change: 5,
            intercept_decay: 0.01,
            seed,
        }
    }

    /// Evidently's embedding classifier: `SGDClassifier(loss="log_loss", random_state=42)`
    /// (L2, α 1e-4, up to 1000 epochs) on dense rows.
    pub fn evidently_embedding(seed: u32) -> Self {
        Self {
            loss: Loss::Log,
            penalty: Penalty::L2,
            alpha: 1e-4,
            max_iter: 1000,
            tol: 1e-3,
            n_iter_no_change: 5,
            intercept_decay: 1.0,
            seed,
        }
    }
}

/// A fitted linear model: `f(x) = coef · x + intercept`, positive for class 1.
#[derive(Debug, Clone, PartialEq)]
pub struct LinearModel {
    pub coef: Vec<f64>,
    pub intercept: f64,
    pub loss: Loss,
    /// Epochs run before the stopping rule held (or `max_iter`).
    pub epochs: usize,
}

impl LinearModel {
    /// The decision function of one row.
    pub fn decision(&self, indices: &[u32], values: &[f64]) -> f64 {
        indices
            .iter()
            .zip(values)
            .map(|(&j, v)| self.coef[j as usize] * v)
            .sum::<f64>()
            + self.intercept
    }

    /// The probability of class 1 scikit-learn's `predict_proba` gives. The clipping of the
    /// modified Huber loss makes ties, which the AUC counts as halves, as scikit-learn's.
    pub fn probability(&self, indices: &[u32], values: &[f64]) -> f64 {
        let f = self.decision(indices, values);
        match self.loss {
            Loss::ModifiedHuber => (f.clamp(-1.0, 1.0) + 1.0) / 2.0,
            Loss::Log => 1.0 / (1.0 + (-f).exp()),
        }
    }
}

fn loss_value(loss: Loss, y: f64, p: f64) -> f64 {
    let z = p * y;
    match loss {
        Loss::ModifiedHuber => {
            if z >= 1.0 {
                0.0
            } else if z >= -1.0 {
                (1.0 - z) * (1.0 - z)
            } else {
                -4.0 * z
            }
        }
        Loss::Log => {
            if z > 18.0 {
                (-z).exp()
            } else if z < -18.0 {
                -z
            } else {
                (1.0 + (-z).exp()).ln()
            }
        }
    }
}

fn gradient(loss: Loss, y: f64, p: f64) -> f64 {
    let z = p * y;
    match loss {
        Loss::ModifiedHuber => {
            if z >= 1.0 {
                0.0
            } else if z >= -1.0 {
                2.0 * (1.0 - z) * -y
            } else {
                -4.0 * y
            }
        }
        Loss::Log => {
            if z > 18.0 {
                (-z).exp() * -y
            } else if z < -18.0 {
                -y
            } else {
                -y / (z.exp() + 1.0)
            }
        }
    }
}

const MAX_DLOSS: f64 = 1e12;

/// Train on `rows` with labels `y` (true = class 1). `cancelled` is polled once per epoch.
pub fn fit(
    rows: &SparseRows,
    y: &[bool],
    params: &SgdParams,
    cancelled: &dyn Fn() -> bool,
) -> Option<LinearModel> {
    let n = rows.n_rows();
    let d = rows.n_cols;
    // The weights are `wscale · w`, so the L2 decay is one multiplication (as scikit-learn's
    // WeightVector).
    let mut w = vec![0.0f64; d];
    let mut wscale = 1.0f64;
    let mut q = vec![0.0f64; if params.penalty == Penalty::L1 { d } else { 0 }];
    let mut u = 0.0f64;
    let mut l1norm = 0.0f64;
    let mut intercept = 0.0f64;
    let alpha = params.alpha;
    let typw = (1.0 / alpha.sqrt()).sqrt();
    let initial_eta0 = typw / gradient(params.loss, 1.0, -typw).max(1.0);
    let optimal_init = 1.0 / (initial_eta0 * alpha);
    let mut t = 1.0f64;
    let mut order: Vec<usize> = (0..n).collect();
    let shuffle_seed = sgd_shuffle_seed(params.seed);
    let mut best_objective = f64::INFINITY;
    let mut no_improvement = 0usize;
    let mut epochs = 0usize;
    let label = |i: usize| if y[i] { 1.0 } else { -1.0 };
    for _ in 0..params.max_iter {
        if cancelled() {
            return None;
        }
        epochs += 1;
        sgd_shuffle(&mut order, shuffle_seed);
        let mut objective = 0.0f64;
        for &i in &order {
            let (idx, val) = rows.row(i);
            let yi = label(i);
            let p = idx
                .iter()
                .zip(val)
                .map(|(&j, v)| w[j as usize] * v)
                .sum::<f64>()
                * wscale
                + intercept;
            let eta = 1.0 / (alpha * (optimal_init + t - 1.0));
            objective += loss_value(params.loss, yi, p);
            objective += match params.penalty {
                Penalty::L1 => alpha * l1norm,
                Penalty::L2 => {
                    let sq: f64 = w.iter().map(|x| x * x).sum::<f64>() * wscale * wscale;
                    alpha * 0.5 * sq
                }
            };
            let dloss = gradient(params.loss, yi, p).clamp(-MAX_DLOSS, MAX_DLOSS);
            let update = -eta * dloss;
            if params.penalty == Penalty::L2 {
                wscale *= (1.0 - eta * alpha).max(0.0);
                if wscale < 1e-9 {
                    w.iter_mut().for_each(|x| *x *= wscale);
                    wscale = 1.0;
                }
            }
            if update != 0.0 {
                for (&j, v) in idx.iter().zip(val) {
                    let j = j as usize;
                    let old = w[j];
                    w[j] += v * (update / wscale);
                    if params.penalty == Penalty::L1 {
                        l1norm += w[j].abs() - old.abs();
                    }
                }
                intercept += update * params.intercept_decay;
            }
            if params.penalty == Penalty::L1 {
                u += eta * alpha;
                for &j in idx {
                    let j = j as usize;
                    let z = w[j];
                    if wscale * z > 0.0 {
                        w[j] = (w[j] - (u + q[j]) / wscale).max(0.0);
                    } else if wscale * z < 0.0 {
                        w[j] = (w[j] + (u - q[j]) / wscale).min(0.0);
                    }
                    q[j] += wscale * (w[j] - z);
                    l1norm += w[j].abs() - z.abs();
                }
            }
            t += 1.0;
        }
        if !intercept.is_finite() || w.iter().any(|x| !x.is_finite()) {
            return None;
        }
        let objective = objective / n.max(1) as f64;
        if objective > best_objective - params.tol {
            no_improvement += 1;
        } else {
            no_improvement = 0;
        }
        if objective < best_objective {
            best_objective = objective;
        }
        if no_improvement >= params.n_iter_no_change {
            break;
        }
    }
    Some(LinearModel {
        coef: w.iter().map(|x| x * wscale).collect(),
        intercept,
        loss: params.loss,
        epochs,
    })
}

/// ROC AUC of `scores` for labels `y` (true = positive): the Mann–Whitney U over `n₁ n₀`,
/// ties counted as halves (scikit-learn's `roc_auc_score`). `None` when a class is empty.
pub fn roc_auc(scores: &[f64], y: &[bool]) -> Option<f64> {
    let n1 = y.iter().filter(|b| **b).count();
    let n0 = y.len() - n1;
    if n1 == 0 || n0 == 0 {
        return None;
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_unstable_by(|a, b| scores[*a].total_cmp(&scores[*b]));
    // Sum of the positives' (average) ranks, 1-based.
    let mut rank_sum = 0.0f64;
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && scores[order[j + 1]] == scores[order[i]] {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0 + 1.0;
        let pos = order[i..=j].iter().filter(|k| y[**k]).count();
        rank_sum += avg * pos as f64;
        i = j + 1;
    }
    let u = rank_sum - (n1 * (n1 + 1)) as f64 / 2.0;
    Some(u / (n1 as f64 * n0 as f64))
}

/// The one-sided p-value of an AUC under the Mann–Whitney null (scores unrelated to the
/// labels): `P(AUC ≥ observed)` with the AUC normal, mean ½, variance `(n₀ + n₁ + 1) /
/// (12 n₀ n₁)`. Analytic, where Evidently draws a thousand random classifiers.
pub fn auc_p_value(auc: f64, n0: usize, n1: usize) -> f64 {
    let sd = auc_null_sd(n0, n1);
    let z = (auc - 0.5) / sd;
    0.5 * statrs::function::erf::erfc(z / std::f64::consts::SQRT_2)
}

/// The standard deviation of a random classifier's AUC (Mann–Whitney null).
pub fn auc_null_sd(n0: usize, n1: usize) -> f64 {
    let (n0, n1) = (n0 as f64, n1 as f64);
    ((n0 + n1 + 1.0) / (12.0 * n0 * n1)).sqrt()
}

/// The `q` quantile of a random classifier's AUC under the same normal null: what Evidently's
/// 95th percentile of a thousand random-classifier AUCs estimates by simulation.
pub fn random_auc_quantile(q: f64, n0: usize, n1: usize) -> f64 {
    use statrs::distribution::{ContinuousCDF, Normal};
    let z = Normal::standard().inverse_cdf(q);
    0.5 + z * auc_null_sd(n0, n1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_counts_ties_as_halves() {
        // scikit-learn: roc_auc_score([0, 0, 1, 1], [0.1, 0.5, 0.5, 0.9]) == 0.875
        let auc = roc_auc(&[0.1, 0.5, 0.5, 0.9], &[false, false, true, true]).unwrap();
        assert!((auc - 0.875).abs() < 1e-15);
        assert_eq!(roc_auc(&[1.0], &[true]), None);
    }

    #[test]
    fn p_value_is_a_half_at_chance() {
        assert!((auc_p_value(0.5, 100, 100) - 0.5).abs() < 1e-15);
        assert!(auc_p_value(0.7, 1000, 1000) < 1e-10);
        let q = random_auc_quantile(0.95, 500, 500);
        assert!(q > 0.5 && q < 0.55);
    }

    #[test]
    fn separable_rows_are_learnt() {
        let data: Vec<f64> = (0..200)
            .flat_map(|i| {
                let s = if i % 2 == 0 { 1.0 } else { -1.0 };
                [s * (1.0 + 0.01 * (i % 7) as f64), 0.5]
            })
            .collect();
        let rows = SparseRows::from_dense(&data, 2);
        let y: Vec<bool> = (0..200).map(|i| i % 2 == 0).collect();
        for params in [
            SgdParams::evidently_text(1),
            SgdParams::evidently_embedding(1),
        ] {
            let m = fit(&rows, &y, &params, &|| false).unwrap();
            let p: Vec<f64> = (0..200)
                .map(|i| {
                    let (a, b) = rows.row(i);
                    m.probability(a, b)
                })
                .collect();
            assert!(roc_auc(&p, &y).unwrap() > 0.99);
        }
    }
}

//! The domain classifier: can a model tell a window's rows from the reference's? L2-regularised
//! logistic regression (scikit-learn's objective with `C = 1`: the summed log-loss plus ½‖w‖²,
//! intercept not penalised), fitted by Newton's method (exact to convergence, no learning
//! rate), on inputs the caller builds — here each feature's standardised value, its square and
//! its squared reconstruction residual, so that shifts of location, of spread and of the
//! features' joint structure all become linearly separable. Stratified k-fold cross-validation
//! with a seeded shuffle; the AUC is over the pooled out-of-fold scores.

use super::auc::{auc_p_value, roc_auc};
use crate::vocab::Rng;

/// Parameters of the domain classifier.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClassifierParams {
    /// Folds of the cross-validation (≥ 2).
    pub folds: usize,
    /// Inverse regularisation strength (scikit-learn's `C`).
    pub c: f64,
    /// Seed of the fold assignment.
    pub seed: u64,
}

impl Default for ClassifierParams {
    fn default() -> Self {
        Self {
            folds: 5,
            c: 1.0,
            seed: 0x5e47_a417,
        }
    }
}

/// What the classifier found.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassifierReport {
    /// Cross-validated ROC AUC (½: indistinguishable, 1: perfectly separated).
    pub auc: f64,
    /// One-sided Mann–Whitney p-value of the AUC.
    pub p_value: f64,
    /// The coefficients of the model fitted on all rows (per input column).
    pub coefficients: Vec<f64>,
}

/// Why the classifier could not run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClassifierError {
    #[error("{rows} rows on the smaller side, fewer than the {folds} folds")]
    TooFewRows { rows: usize, folds: usize },
    #[error("the inputs are not finite")]
    NotFinite,
}

/// Fit a logistic regression on the rows `rows` of row-major `x` (`p` values per row),
/// starting from `start` (p weights then the intercept; zeros when `None`). The objective is
/// strictly convex, so the start changes only the number of Newton steps, not the optimum.
pub fn fit_logistic(
    x: &[f64],
    p: usize,
    labels: &[bool],
    rows: &[usize],
    c: f64,
    start: Option<&[f64]>,
) -> Vec<f64> {
    // Parameters: p weights then the intercept.
    let m = p + 1;
    let mut w = start.map_or_else(|| vec![0.0; m], <[f64]>::to_vec);
    let lambda = 1.0 / c;
    let mut grad = vec![0.0; m];
    let mut hess = vec![0.0; m * m];
    for _ in 0..50 {
        grad.iter_mut().for_each(|g| *g = 0.0);
        hess.iter_mut().for_each(|h| *h = 0.0);
        for &i in rows {
            let xi = &x[i * p..(i + 1) * p];
            let z = w[p] + xi.iter().zip(&w).map(|(a, b)| a * b).sum::<f64>();
            let mu = 1.0 / (1.0 + (-z).exp());
            let r = mu - f64::from(u8::from(labels[i]));
            let s = (mu * (1.0 - mu)).max(1e-12);
            for a in 0..p {
                grad[a] += r * xi[a];
                let sa = s * xi[a];
                for b in a..p {
                    hess[a * m + b] += sa * xi[b];
                }
                hess[a * m + p] += sa;
            }
            grad[p] += r;
            hess[p * m + p] += s;
        }
        for a in 0..p {
            grad[a] += lambda * w[a];
            hess[a * m + a] += lambda;
        }
        for a in 0..m {
            for b in 0..a {
                hess[a * m + b] = hess[b * m + a];
            }
        }
        let Some(step) = solve_spd(&hess, &grad, m) else {
            break;
        };
        let mut largest: f64 = 0.0;
        for (wi, si) in w.iter_mut().zip(&step) {
            *wi -= si;
            largest = largest.max(si.abs());
        }
        if largest < 1e-9 {
            break;
        }
    }
    w
}

/// Solve `a x = b` for a symmetric positive definite `a` by Cholesky; `None` if not positive
/// definite.
fn solve_spd(a: &[f64], b: &[f64], n: usize) -> Option<Vec<f64>> {
    let mut l = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            let mut s = a[i * n + j];
            for k in 0..j {
                s -= l[i * n + k] * l[j * n + k];
            }
            if i == j {
                if s <= 0.0 || !s.is_finite() {
                    return None;
                }
                l[i * n + i] = s.sqrt();
            } else {
                l[i * n + j] = s / l[j * n + j];
            }
        }
    }
    let mut y = vec![0.0; n];
    for i in 0..n {
        let s: f64 = (0..i).map(|k| l[i * n + k] * y[k]).sum();
        y[i] = (b[i] - s) / l[i * n + i];
    }
    let mut x = vec![0.0; n];
    for i in (0..n).rev() {
        let s: f64 = (i + 1..n).map(|k| l[k * n + i] * x[k]).sum();
        x[i] = (y[i] - s) / l[i * n + i];
    }
    Some(x)
}

fn score(w: &[f64], xi: &[f64]) -> f64 {
    let p = xi.len();
    w[p] + xi.iter().zip(w).map(|(a, b)| a * b).sum::<f64>()
}

/// Cross-validated domain classifier over row-major inputs `x` (`p` values per row) with
/// `labels` (true: the window's rows).
pub fn domain_classifier(
    x: &[f64],
    p: usize,
    labels: &[bool],
    params: &ClassifierParams,
) -> Result<ClassifierReport, ClassifierError> {
    let n = labels.len();
    let n1 = labels.iter().filter(|l| **l).count();
    let n0 = n - n1;
    let folds = params.folds.max(2);
    if n0.min(n1) < folds {
        return Err(ClassifierError::TooFewRows {
            rows: n0.min(n1),
            folds,
        });
    }
    if x.iter().any(|v| !v.is_finite()) {
        return Err(ClassifierError::NotFinite);
    }
    // Stratified folds: each class shuffled (seeded Fisher–Yates), then dealt round robin.
    let mut rng = Rng::new(params.seed);
    let mut fold = vec![0usize; n];
    for class in [false, true] {
        let mut idx: Vec<usize> = (0..n).filter(|&i| labels[i] == class).collect();
        for i in (1..idx.len()).rev() {
            let j = rng.below(i + 1);
            idx.swap(i, j);
        }
        for (k, &i) in idx.iter().enumerate() {
            fold[i] = k % folds;
        }
    }
    // The model on every row first: each fold's fit starts from it and needs a few Newton
    // steps instead of a dozen.
    let all: Vec<usize> = (0..n).collect();
    let full = fit_logistic(x, p, labels, &all, params.c, None);
    let mut oof = vec![0.0; n];
    for f in 0..folds {
        let train: Vec<usize> = (0..n).filter(|&i| fold[i] != f).collect();
        let w = fit_logistic(x, p, labels, &train, params.c, Some(&full));
        for i in (0..n).filter(|&i| fold[i] == f) {
            oof[i] = score(&w, &x[i * p..(i + 1) * p]);
        }
    }
    let auc = roc_auc(&oof, labels).ok_or(ClassifierError::NotFinite)?;
    let p_value = auc_p_value(auc, n0, n1).ok_or(ClassifierError::NotFinite)?;
    let coefficients = full.into_iter().take(p).collect();
    Ok(ClassifierReport {
        auc,
        p_value,
        coefficients,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separates_shifted_sides_and_not_identical_ones() {
        let mut rng = Rng::new(7);
        let n = 400;
        let mut x = Vec::new();
        let mut labels = Vec::new();
        for i in 0..n {
            let side = i % 2 == 1;
            x.push(rng.normal() + if side { 1.5 } else { 0.0 });
            x.push(rng.normal());
            labels.push(side);
        }
        let r = domain_classifier(&x, 2, &labels, &ClassifierParams::default()).unwrap();
        assert!(r.auc > 0.8, "{}", r.auc);
        assert!(r.p_value < 1e-10);
        assert!(r.coefficients[0].abs() > 5.0 * r.coefficients[1].abs());

        let same: Vec<f64> = (0..2 * n).map(|_| rng.normal()).collect();
        let r = domain_classifier(&same, 2, &labels, &ClassifierParams::default()).unwrap();
        assert!((r.auc - 0.5).abs() < 0.1, "{}", r.auc);
        assert!(
            domain_classifier(&same[..6], 2, &labels[..3], &ClassifierParams::default()).is_err()
        );
    }
}

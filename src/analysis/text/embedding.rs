//! Drift of an embedding column, by Evidently 0.7's embedding methods
//! (`evidently.legacy.metrics.data_drift.embedding_drift_methods`), each with its default
//! threshold:
//!
//! - **model** (Evidently's default): `SGDClassifier(loss="log_loss", random_state=42)` on a
//!   50/50 split of reference and current rows, ROC AUC on the held-out half; drifted when
//!   AUC > 0.55. The split and the epoch order are scikit-learn's for the same `random_state`
//!   ([`super::numpy_rng`]); the analytic Mann–Whitney p-value is beside it.
//! - **distance**: the Euclidean (or cosine) distance between the two mean embeddings;
//!   drifted when > 0.2. Exact.
//! - **ratio**: the share of components whose normed Wasserstein distance (Wasserstein over
//!   the reference standard deviation, at least 0.001) is ≥ 0.1; drifted when > 0.2. Exact.
//! - **mmd**: the unbiased squared maximum mean discrepancy with an RBF kernel whose `σ²` is
//!   the squared median of the distances between up to 1 000 reference and 1 000 current rows
//!   (the median heuristic); reported as `max(MMD², 0)`, drifted when > 0.015. Evidently builds
//!   the kernel of all rows (quadratic in the rows); here of a seeded sample of at most
//!   [`MMD_SAMPLE`] rows per side, which is every row on the golden data, where it is exact.

use serde::{Deserialize, Serialize};

use super::numpy_rng::half_split;
use super::sgd::{self, SgdParams, auc_p_value, roc_auc};
use super::tfidf::SparseRows;
use crate::analysis::drift::{NumericSample, wasserstein};
use crate::vocab::Rng;

/// Rows per side the MMD kernel is built on (Evidently uses every row).
pub const MMD_SAMPLE: usize = 2000;
/// Rows per side the median heuristic reads (Evidently's `sample(min(m, 1000))`).
pub const MEDIAN_SAMPLE: usize = 1000;

/// Embeddings of one side: `rows × dim` values, row-major.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Embeddings {
    pub dim: usize,
    pub values: Vec<f64>,
}

impl Embeddings {
    pub fn rows(&self) -> usize {
        self.values.len().checked_div(self.dim).unwrap_or(0)
    }

    pub fn row(&self, r: usize) -> &[f64] {
        &self.values[r * self.dim..(r + 1) * self.dim]
    }

    fn mean(&self) -> Vec<f64> {
        let mut m = vec![0.0; self.dim];
        for r in 0..self.rows() {
            for (a, b) in m.iter_mut().zip(self.row(r)) {
                *a += b;
            }
        }
        let n = self.rows().max(1) as f64;
        m.iter_mut().for_each(|a| *a /= n);
        m
    }
}

/// One of Evidently's embedding methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum EmbeddingMethod {
    Model,
    Euclidean,
    Cosine,
    Ratio,
    Mmd,
}

impl EmbeddingMethod {
    pub const ALL: [EmbeddingMethod; 5] = [
        Self::Model,
        Self::Euclidean,
        Self::Cosine,
        Self::Ratio,
        Self::Mmd,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::Model => "domain_classifier",
            Self::Euclidean => "euclidean_distance",
            Self::Cosine => "cosine_distance",
            Self::Ratio => "share_of_drifted_components",
            Self::Mmd => "mmd",
        }
    }

    /// Evidently's default threshold; drift when the score exceeds it.
    pub fn default_threshold(self) -> f64 {
        match self {
            Self::Model => 0.55,
            Self::Euclidean | Self::Cosine | Self::Ratio => 0.2,
            Self::Mmd => 0.015,
        }
    }
}

/// One method's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EmbeddingScore {
    pub method: EmbeddingMethod,
    pub score: f64,
    pub threshold: f64,
    pub drifted: bool,
    /// The AUC's one-sided Mann–Whitney p-value (model only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p_value: Option<f64>,
}

/// Why an embedding could not be scored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmbeddingError {
    #[error(
        "it has {reference} training and {current} production rows; each side needs at least 2"
    )]
    TooFew { reference: usize, current: usize },
    #[error("its vectors have {reference} values in training and {current} in production")]
    DimensionMismatch { reference: usize, current: usize },
    #[error("the classifier diverged (weights not finite)")]
    Diverged,
    #[error("cancelled")]
    Cancelled,
}

/// Every method on the pair, in [`EmbeddingMethod::ALL`] order.
pub fn embedding_drift(
    reference: &Embeddings,
    current: &Embeddings,
    seed: u32,
    cancelled: &dyn Fn() -> bool,
) -> Result<Vec<EmbeddingScore>, EmbeddingError> {
    if reference.dim != current.dim {
        return Err(EmbeddingError::DimensionMismatch {
            reference: reference.dim,
            current: current.dim,
        });
    }
    if reference.rows() < 2 || current.rows() < 2 {
        return Err(EmbeddingError::TooFew {
            reference: reference.rows(),
            current: current.rows(),
        });
    }
    let mut out = Vec::new();
    for method in EmbeddingMethod::ALL {
        if cancelled() {
            return Err(EmbeddingError::Cancelled);
        }
        let threshold = method.default_threshold();
        let (score, p_value) = match method {
            EmbeddingMethod::Model => {
                let (auc, p) = model_auc(reference, current, seed, cancelled)?;
                (auc, Some(p))
            }
            EmbeddingMethod::Euclidean => (euclidean(&reference.mean(), &current.mean()), None),
            EmbeddingMethod::Cosine => (cosine(&reference.mean(), &current.mean()), None),
            EmbeddingMethod::Ratio => (ratio(reference, current), None),
            EmbeddingMethod::Mmd => (mmd(reference, current, seed), None),
        };
        out.push(EmbeddingScore {
            method,
            score,
            threshold,
            drifted: score > threshold,
            p_value,
        });
    }
    Ok(out)
}

fn euclidean(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y) * (x - y))
        .sum::<f64>()
        .sqrt()
}

/// scipy's `cosine`: `1 − a·b / (‖a‖ ‖b‖)`.
fn cosine(a: &[f64], b: &[f64]) -> f64 {
    let dot: f64 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na: f64 = a.iter().map(|x| x * x).sum::<f64>().sqrt();
    let nb: f64 = b.iter().map(|x| x * x).sum::<f64>().sqrt();
    let d = 1.0 - dot / (na * nb);
    if d.is_finite() { d } else { 0.0 }
}

fn column(e: &Embeddings, k: usize) -> Vec<f64> {
    (0..e.rows()).map(|r| e.values[r * e.dim + k]).collect()
}

fn ratio(reference: &Embeddings, current: &Embeddings) -> f64 {
    let drifted = (0..reference.dim)
        .filter(|&k| {
            let r = NumericSample::from_vec(column(reference, k), 0);
            let c = NumericSample::from_vec(column(current, k), 0);
            wasserstein(&r, &c).is_ok_and(|w| w.normed >= 0.1)
        })
        .count();
    drifted as f64 / reference.dim.max(1) as f64
}

/// Rows `0..n` in a seeded random order, the first `k` of them.
fn sample(n: usize, k: usize, rng: &mut Rng) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..n).collect();
    if k >= n {
        return idx;
    }
    for i in 0..k {
        let j = i + rng.below(n - i);
        idx.swap(i, j);
    }
    idx.truncate(k);
    idx
}

fn sq_dist(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

fn mmd(reference: &Embeddings, current: &Embeddings, seed: u32) -> f64 {
    let mut rng = Rng::new(seed as u64);
    let xs = sample(reference.rows(), MEDIAN_SAMPLE, &mut rng);
    let ys = sample(current.rows(), MEDIAN_SAMPLE, &mut rng);
    let mut d: Vec<f64> = Vec::with_capacity(xs.len() * ys.len());
    for &i in &xs {
        for &j in &ys {
            d.push(sq_dist(reference.row(i), current.row(j)).sqrt());
        }
    }
    // numpy's median: the mean of the two middle values for an even count.
    let mid = d.len() / 2;
    let (_, m, _) = d.select_nth_unstable_by(mid, f64::total_cmp);
    let mut median = *m;
    if d.len().is_multiple_of(2) {
        let lower = d[..mid].iter().copied().fold(f64::NEG_INFINITY, f64::max);
        median = (median + lower) / 2.0;
    }
    let gamma = 1.0 / (median * median);
    let x = sample(reference.rows(), MMD_SAMPLE, &mut rng);
    let y = sample(current.rows(), MMD_SAMPLE, &mut rng);
    let k = |a: &[f64], b: &[f64]| (-gamma * sq_dist(a, b)).exp();
    let within = |rows: &[usize], e: &Embeddings| -> f64 {
        let mut s = 0.0;
        for (p, &i) in rows.iter().enumerate() {
            for &j in &rows[p + 1..] {
                s += k(e.row(i), e.row(j));
            }
        }
        2.0 * s
    };
    let (m, n) = (x.len() as f64, y.len() as f64);
    let kx = within(&x, reference);
    let ky = within(&y, current);
    let mut kxy = 0.0;
    for &i in &x {
        for &j in &y {
            kxy += k(reference.row(i), current.row(j));
        }
    }
    let mmd2u = kx / (m * (m - 1.0)) + ky / (n * (n - 1.0)) - 2.0 * kxy / (m * n);
    mmd2u.max(0.0)
}

/// Evidently's embedding domain classifier: reference labelled 1 and current 0 (as Evidently
/// labels them), a seeded 50/50 split, logistic SGD, ROC AUC on the held-out half.
fn model_auc(
    reference: &Embeddings,
    current: &Embeddings,
    seed: u32,
    cancelled: &dyn Fn() -> bool,
) -> Result<(f64, f64), EmbeddingError> {
    let (nr, nc) = (reference.rows(), current.rows());
    let n = nr + nc;
    let (test, train) = half_split(n, seed);
    let row = |p: usize| {
        if p < nr {
            reference.row(p)
        } else {
            current.row(p - nr)
        }
    };
    let dense =
        |rows: &[usize]| -> Vec<f64> { rows.iter().flat_map(|&p| row(p).to_vec()).collect() };
    let x_train = SparseRows::from_dense(&dense(&train), reference.dim);
    let y_train: Vec<bool> = train.iter().map(|&p| p < nr).collect();
    let y_test: Vec<bool> = test.iter().map(|&p| p < nr).collect();
    let both = |y: &[bool]| y.iter().any(|b| *b) && y.iter().any(|b| !*b);
    if !both(&y_train) || !both(&y_test) {
        return Err(EmbeddingError::TooFew {
            reference: nr,
            current: nc,
        });
    }
    let model = sgd::fit(
        &x_train,
        &y_train,
        &SgdParams::evidently_embedding(seed),
        cancelled,
    )
    .ok_or_else(|| {
        if cancelled() {
            EmbeddingError::Cancelled
        } else {
            EmbeddingError::Diverged
        }
    })?;
    let idx: Vec<u32> = (0..reference.dim as u32).collect();
    let proba: Vec<f64> = test
        .iter()
        .map(|&p| model.probability(&idx, row(p)))
        .collect();
    let auc = roc_auc(&proba, &y_test).unwrap_or(0.5);
    let n1 = y_test.iter().filter(|b| **b).count();
    Ok((auc, auc_p_value(auc, y_test.len() - n1, n1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gaussian(n: usize, dim: usize, shift: f64, seed: u64) -> Embeddings {
        let mut rng = Rng::new(seed);
        Embeddings {
            dim,
            values: (0..n * dim).map(|_| rng.normal() + shift).collect(),
        }
    }

    #[test]
    fn a_shift_is_seen_by_every_method() {
        let r = gaussian(300, 4, 0.0, 1);
        let c = gaussian(300, 4, 1.0, 2);
        let s = embedding_drift(&r, &c, 42, &|| false).unwrap();
        assert_eq!(s.len(), 5);
        assert!(s.iter().all(|x| x.drifted), "{s:?}");
        // The cosine distance of two means near the origin is large by chance (Evidently's
        // default threshold says drift there too); the other three see no drift.
        let same = embedding_drift(&r, &gaussian(300, 4, 0.0, 3), 42, &|| false).unwrap();
        for m in [
            EmbeddingMethod::Model,
            EmbeddingMethod::Euclidean,
            EmbeddingMethod::Mmd,
        ] {
            assert!(same.iter().any(|x| x.method == m && !x.drifted), "{same:?}");
        }
    }

    #[test]
    fn different_lengths_are_refused() {
        let e = embedding_drift(&gaussian(5, 3, 0.0, 1), &gaussian(5, 4, 0.0, 1), 1, &|| {
            false
        });
        assert!(matches!(e, Err(EmbeddingError::DimensionMismatch { .. })));
    }
}

//! One model's ranking of labelled rows, from one sort of its scores. Everything a champion
//! against challenger comparison reads off a ranking comes from that one order:
//!
//! - the ROC AUC as the Mann–Whitney statistic U/(P·N), a tied positive–negative pair counting
//!   ½ — what `sklearn.metrics.roc_auc_score` gives (its trapezoids over the tied runs are
//!   the same half counts);
//! - the ROC curve exactly as `sklearn.metrics.roc_curve(y, s, drop_intermediate=True)` of
//!   scikit-learn 1.5.2: one point per distinct score, high to low; a point whose false- and
//!   true-positive counts both lie on the straight line through its neighbours is dropped
//!   (second differences of both are 0), the first and last are kept; then (0, 0) is put in
//!   front with the threshold +∞ (scikit-learn ≥ 1.3; before, max + 1);
//! - DeLong's structural components per row, from counts instead of three midrank sorts: for a
//!   positive, V₀₁ = (negatives scored below + ½ negatives tied)/N, which is (T_z − T_x)/N of
//!   the midrank form; for a negative, V₁₀ = 1 − (positives scored below + ½ positives
//!   tied)/P = 1 − (T_z − T_y)/P. The counts are the midrank differences exactly (half-integers
//!   far below 2⁵³), so the components are the same floats as the midrank computation's;
//! - the AUC of a resample given as per-row multiplicities (the bootstrap), by one pass over
//!   the same order with integer counts (exact).

use serde::Serialize;

use super::error::ExperimentError;

/// A run of rows with the same score, in the ranking's order (high to low).
#[derive(Debug, Clone, Copy, PartialEq)]
struct TieRun {
    /// End of the run in `order` (exclusive).
    end: u32,
    score: f64,
    positives: u64,
    negatives: u64,
}

/// One model's scores sorted once, high to low, with the runs of tied scores found once.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranking {
    /// Row indices, score high to low (ties in no particular order: nothing read off a ranking
    /// depends on the order within a run).
    order: Vec<u32>,
    /// Whether each row of `order` is a positive.
    positive: Vec<bool>,
    runs: Vec<TieRun>,
    positives: u64,
    negatives: u64,
}

/// The ROC curve of one model, as `sklearn.metrics.roc_curve(drop_intermediate=True)`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RocCurve {
    /// False-positive rates, from 0 to 1.
    pub fpr: Vec<f64>,
    /// True-positive rates, from 0 to 1.
    pub tpr: Vec<f64>,
    /// The score threshold of each point (a row is called positive at score ≥ threshold); the
    /// first is +∞, the point (0, 0).
    pub thresholds: Vec<f64>,
}

impl RocCurve {
    /// At most `max_points` of the curve's points for drawing (0 or a curve already that
    /// short: all of them). The first and last points are kept, and an inner point is kept
    /// once the path since the last kept point (Δfpr + Δtpr, which sums to 2 over the curve)
    /// reaches 2/(max_points − 2): the straight segments drawn between kept points then never
    /// skip more than that length of curve.
    pub fn thinned(&self, max_points: usize) -> RocCurve {
        let n = self.fpr.len();
        if max_points == 0 || n <= max_points || max_points < 3 {
            return self.clone();
        }
        let step = 2.0 / (max_points - 2) as f64;
        let mut keep = vec![0];
        let mut last = 0;
        for i in 1..n - 1 {
            let path = (self.fpr[i] - self.fpr[last]) + (self.tpr[i] - self.tpr[last]);
            if path >= step {
                keep.push(i);
                last = i;
            }
        }
        keep.push(n - 1);
        RocCurve {
            fpr: keep.iter().map(|&i| self.fpr[i]).collect(),
            tpr: keep.iter().map(|&i| self.tpr[i]).collect(),
            thresholds: keep.iter().map(|&i| self.thresholds[i]).collect(),
        }
    }
}

impl Ranking {
    /// Rank `scores` (higher = more positive) of rows labelled `labels`.
    ///
    /// Errors: lengths that differ, a non-finite score, more rows than 32-bit indices hold.
    pub fn new(labels: &[bool], scores: &[f64]) -> Result<Self, ExperimentError> {
        if labels.len() != scores.len() {
            return Err(ExperimentError::LengthMismatch {
                what: "scores and labels",
                left: scores.len(),
                right: labels.len(),
            });
        }
        if let Some(index) = scores.iter().position(|s| !s.is_finite()) {
            return Err(ExperimentError::NonFinite {
                what: "scores",
                index,
            });
        }
        if scores.len() > u32::MAX as usize {
            return Err(ExperimentError::OutOfRange {
                name: "rows",
                value: scores.len() as f64,
                range: "[0, 4294967295]",
            });
        }
        let mut pairs: Vec<(f64, u32)> = scores
            .iter()
            .enumerate()
            .map(|(i, &s)| (s, i as u32))
            .collect();
        // Unstable is enough: rows within a run are never told apart.
        pairs.sort_unstable_by(|a, b| b.0.total_cmp(&a.0));
        let order: Vec<u32> = pairs.iter().map(|p| p.1).collect();
        let positive: Vec<bool> = order.iter().map(|&i| labels[i as usize]).collect();
        let mut runs = Vec::new();
        let (mut pos, mut neg) = (0u64, 0u64);
        for k in 0..pairs.len() {
            if positive[k] {
                pos += 1;
            } else {
                neg += 1;
            }
            // `!=` rather than bits: −0 and +0 are one score.
            if k + 1 == pairs.len() || pairs[k + 1].0 != pairs[k].0 {
                runs.push(TieRun {
                    end: k as u32 + 1,
                    score: pairs[k].0,
                    positives: pos,
                    negatives: neg,
                });
                pos = 0;
                neg = 0;
            }
        }
        let positives = runs.iter().map(|r| r.positives).sum();
        Ok(Self {
            order,
            positive,
            runs,
            positives,
            negatives: labels.len() as u64 - positives,
        })
    }

    /// Rows ranked.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// Positive rows (P).
    pub fn positives(&self) -> u64 {
        self.positives
    }

    /// Negative rows (N).
    pub fn negatives(&self) -> u64 {
        self.negatives
    }

    /// Distinct scores.
    pub fn distinct_scores(&self) -> usize {
        self.runs.len()
    }

    /// ROC AUC = U/(P·N) with U = Σ over negatives of the positives scored above (½ per tie);
    /// `None` with one class only. 2U is an integer, summed exactly.
    pub fn auc(&self) -> Option<f64> {
        let mut twice_u: u128 = 0;
        let mut above: u64 = 0;
        for r in &self.runs {
            twice_u += u128::from(r.negatives) * u128::from(2 * above + r.positives);
            above += r.positives;
        }
        let pn = self.positives as f64 * self.negatives as f64;
        (pn > 0.0).then(|| twice_u as f64 / (2.0 * pn))
    }

    /// The AUC of the resample in which row i appears `weights[i]` times (weights indexed by
    /// row, as the rows were given); `None` when the resample holds one class only.
    pub fn weighted_auc(&self, weights: &[u8]) -> Option<f64> {
        let (mut twice_u, mut above, mut below_neg) = (0u128, 0u64, 0u64);
        let mut start = 0usize;
        for r in &self.runs {
            let end = r.end as usize;
            let (mut gp, mut gn) = (0u64, 0u64);
            for (&row, &pos) in self.order[start..end]
                .iter()
                .zip(&self.positive[start..end])
            {
                let w = u64::from(weights[row as usize]);
                if pos {
                    gp += w;
                } else {
                    gn += w;
                }
            }
            twice_u += u128::from(gn) * u128::from(2 * above + gp);
            above += gp;
            below_neg += gn;
            start = end;
        }
        let pn = above as f64 * below_neg as f64;
        (pn > 0.0).then(|| twice_u as f64 / (2.0 * pn))
    }

    /// The ROC curve, as `sklearn.metrics.roc_curve(drop_intermediate=True)`: rates are
    /// counts divided by P and N (NaN for a class that is absent, as scikit-learn warns and
    /// does).
    pub fn roc_curve(&self) -> RocCurve {
        let g = self.runs.len();
        let (mut fps, mut tps) = (Vec::with_capacity(g), Vec::with_capacity(g));
        let (mut f, mut t) = (0i64, 0i64);
        for r in &self.runs {
            f += r.negatives as i64;
            t += r.positives as i64;
            fps.push(f);
            tps.push(t);
        }
        // scikit-learn's np.diff(_, 2) on the curve before (0, 0) is put in front.
        let keep = |i: usize| -> bool {
            if g <= 2 || i == 0 || i == g - 1 {
                return true;
            }
            let d2 = |v: &[i64]| v[i - 1] - 2 * v[i] + v[i + 1];
            d2(&fps) != 0 || d2(&tps) != 0
        };
        let (pf, pt) = (self.negatives as f64, self.positives as f64);
        let rate = |count: i64, total: f64| {
            if total > 0.0 {
                count as f64 / total
            } else {
                f64::NAN
            }
        };
        let mut curve = RocCurve {
            fpr: vec![rate(0, pf)],
            tpr: vec![rate(0, pt)],
            thresholds: vec![f64::INFINITY],
        };
        for i in (0..g).filter(|&i| keep(i)) {
            curve.fpr.push(rate(fps[i], pf));
            curve.tpr.push(rate(tps[i], pt));
            curve.thresholds.push(self.runs[i].score);
        }
        curve
    }

    /// DeLong's structural components: V₀₁ per positive row and V₁₀ per negative row, each in
    /// the rows' own order (so two models' components pair up row by row).
    pub fn delong_components(&self) -> (Vec<f64>, Vec<f64>) {
        let n = self.order.len();
        let (pf, nf) = (self.positives as f64, self.negatives as f64);
        let mut per_row = vec![0.0; n];
        let mut is_positive = vec![false; n];
        let (mut pos_above, mut neg_above) = (0u64, 0u64);
        let mut start = 0usize;
        for r in &self.runs {
            let end = r.end as usize;
            let neg_below = self.negatives - neg_above - r.negatives;
            let pos_below = self.positives - pos_above - r.positives;
            let v01 = (neg_below as f64 + r.negatives as f64 / 2.0) / nf;
            let v10 = 1.0 - (pos_below as f64 + r.positives as f64 / 2.0) / pf;
            for (&row, &pos) in self.order[start..end]
                .iter()
                .zip(&self.positive[start..end])
            {
                per_row[row as usize] = if pos { v01 } else { v10 };
                is_positive[row as usize] = pos;
            }
            pos_above += r.positives;
            neg_above += r.negatives;
            start = end;
        }
        let mut v01 = Vec::with_capacity(self.positives as usize);
        let mut v10 = Vec::with_capacity(self.negatives as usize);
        for (v, pos) in per_row.into_iter().zip(is_positive) {
            if pos {
                v01.push(v);
            } else {
                v10.push(v);
            }
        }
        (v01, v10)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ranking(labels: &[u8], scores: &[f64]) -> Ranking {
        let y: Vec<bool> = labels.iter().map(|&l| l == 1).collect();
        Ranking::new(&y, scores).expect("ranking")
    }

    #[test]
    fn small_example_is_sklearns() {
        // sklearn.metrics.roc_curve([0,0,1,1], [0.1,0.4,0.35,0.8]) (the documented example):
        // fpr [0, 0, 0.5, 0.5, 1], tpr [0, 0.5, 0.5, 1, 1], thresholds [inf, 0.8, 0.4, 0.35, 0.1]
        let r = ranking(&[0, 0, 1, 1], &[0.1, 0.4, 0.35, 0.8]);
        let c = r.roc_curve();
        assert_eq!(c.fpr, [0.0, 0.0, 0.5, 0.5, 1.0]);
        assert_eq!(c.tpr, [0.0, 0.5, 0.5, 1.0, 1.0]);
        assert_eq!(c.thresholds, [f64::INFINITY, 0.8, 0.4, 0.35, 0.1]);
        assert_eq!(r.auc(), Some(0.75));
    }

    #[test]
    fn collinear_points_are_dropped() {
        // Three negatives in a row below every positive: the middle two points lie on one
        // segment and go, as with drop_intermediate=True.
        let r = ranking(&[1, 1, 0, 0, 0], &[0.9, 0.8, 0.3, 0.2, 0.1]);
        let c = r.roc_curve();
        assert_eq!(c.fpr, [0.0, 0.0, 0.0, 1.0]);
        assert_eq!(c.tpr, [0.0, 0.5, 1.0, 1.0]);
        assert_eq!(c.thresholds, [f64::INFINITY, 0.9, 0.8, 0.1]);
    }

    #[test]
    fn weights_equal_repeated_rows() {
        let labels = [1, 0, 1, 0, 0, 1];
        let scores = [0.9, 0.6, 0.6, 0.3, 0.2, 0.1];
        let w = [2u8, 0, 1, 3, 1, 2];
        let (mut rl, mut rs) = (Vec::new(), Vec::new());
        for i in 0..6 {
            for _ in 0..w[i] {
                rl.push(labels[i]);
                rs.push(scores[i]);
            }
        }
        let weighted = ranking(&labels, &scores).weighted_auc(&w);
        assert_eq!(weighted, ranking(&rl, &rs).auc());
        assert_eq!(
            ranking(&labels, &scores).weighted_auc(&[1; 6]),
            ranking(&labels, &scores).auc()
        );
        // A resample of negatives only has no AUC.
        assert_eq!(
            ranking(&labels, &scores).weighted_auc(&[0, 1, 0, 1, 1, 0]),
            None
        );
    }

    #[test]
    fn thinning_keeps_the_ends_and_bounds_the_count() {
        let n = 5000;
        let labels: Vec<u8> = (0..n).map(|i| u8::from(i % 3 == 0)).collect();
        let scores: Vec<f64> = (0..n).map(|i| ((i * 7919) % n) as f64 / n as f64).collect();
        let full = ranking(&labels, &scores).roc_curve();
        let thin = full.thinned(100);
        assert!(thin.fpr.len() <= 100, "{}", thin.fpr.len());
        assert_eq!(thin.fpr[0], 0.0);
        assert_eq!(thin.thresholds[0], f64::INFINITY);
        assert_eq!(thin.fpr.last(), full.fpr.last());
        assert_eq!(thin.tpr.last(), full.tpr.last());
        assert_eq!(full.thinned(0), full);
    }
}

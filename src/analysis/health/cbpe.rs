//! Confidence-based performance estimation (CBPE), as NannyML describes it: calibrate the
//! scores on the reference (isotonic regression of the label on the score), then treat each
//! calibrated score c as the probability that the row is positive. For a window, the expected
//! confusion matrix at threshold t is E(TP) = Σ_{s≥t} c, E(FP) = Σ_{s≥t} (1 − c),
//! E(FN) = Σ_{s<t} c, E(TN) = Σ_{s<t} (1 − c); accuracy and F1 follow from it. The expected ROC
//! curve sorts rows by score and accumulates c (true positives) and 1 − c (false positives);
//! its area is the estimated ROC AUC. No label of the window is read.

use crate::analysis::metrics::{Metric, MetricValues};

/// A monotone map from score to calibrated probability: isotonic regression by
/// pool-adjacent-violators, linear between blocks and clipped outside the fitted range —
/// scikit-learn's `IsotonicRegression(out_of_bounds="clip")`, which NannyML's CBPE uses.
#[derive(Debug, Clone, PartialEq)]
pub struct Calibration {
    /// Knots (score, probability), scores ascending: the first and last score of each block.
    knots: Vec<(f64, f64)>,
}

impl Calibration {
    /// Fit isotonic regression of the label on the score (`(score, label)` pairs).
    pub fn fit(pairs: &[(f64, bool)]) -> Self {
        let mut sorted: Vec<(f64, f64)> = pairs
            .iter()
            .filter(|p| p.0.is_finite())
            .map(|&(s, y)| (s, f64::from(u8::from(y))))
            .collect();
        sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
        // Tied scores first become one point with their mean label (as scikit-learn does),
        // then adjacent violators pool. Blocks: (sum of labels, weight, first score, last
        // score).
        let mut unique: Vec<(f64, f64, f64, f64)> = Vec::new();
        for (s, y) in sorted {
            match unique.last_mut() {
                Some(u) if u.2 == s => {
                    u.0 += y;
                    u.1 += 1.0;
                }
                _ => unique.push((y, 1.0, s, s)),
            }
        }
        let mut blocks: Vec<(f64, f64, f64, f64)> = Vec::with_capacity(unique.len());
        for u in unique {
            blocks.push(u);
            while blocks.len() >= 2 {
                let k = blocks.len();
                let (a, b) = (blocks[k - 2], blocks[k - 1]);
                if a.0 / a.1 >= b.0 / b.1 {
                    blocks[k - 2] = (a.0 + b.0, a.1 + b.1, a.2, b.3);
                    blocks.pop();
                } else {
                    break;
                }
            }
        }
        let mut knots = Vec::with_capacity(blocks.len() * 2);
        for b in blocks {
            let v = b.0 / b.1;
            knots.push((b.2, v));
            if b.3 > b.2 {
                knots.push((b.3, v));
            }
        }
        Self { knots }
    }

    /// The calibrated probability of a score.
    pub fn apply(&self, s: f64) -> f64 {
        let k = &self.knots;
        match k.len() {
            0 => s,
            1 => k[0].1,
            _ => {
                let i = k.partition_point(|&(x, _)| x < s);
                if i == 0 {
                    k[0].1
                } else if i == k.len() {
                    k[k.len() - 1].1
                } else if k[i].0 == s {
                    k[i].1
                } else {
                    let ((x0, y0), (x1, y1)) = (k[i - 1], k[i]);
                    y0 + (y1 - y0) * (s - x0) / (x1 - x0)
                }
            }
        }
    }

    /// Estimated accuracy, F1 and ROC AUC of a window's scores.
    pub fn estimate(&self, scores: &[f64], threshold: f64) -> MetricValues {
        let mut out = MetricValues::new();
        if scores.is_empty() {
            return out;
        }
        let mut rows: Vec<(f64, f64)> = scores.iter().map(|&s| (s, self.apply(s))).collect();
        let (mut tp, mut fp, mut fn_, mut tn) = (0.0, 0.0, 0.0, 0.0);
        for &(s, c) in &rows {
            if s >= threshold {
                tp += c;
                fp += 1.0 - c;
            } else {
                fn_ += c;
                tn += 1.0 - c;
            }
        }
        let n = scores.len() as f64;
        out.insert(Metric::Accuracy, (tp + tn) / n);
        if 2.0 * tp + fp + fn_ > 0.0 {
            out.insert(Metric::F1, 2.0 * tp / (2.0 * tp + fp + fn_));
        }
        // Expected ROC: high scores first; tied scores form one step (trapezoid).
        rows.sort_by(|a, b| b.0.total_cmp(&a.0));
        let (pos, neg) = (tp + fn_, fp + tn);
        if pos > 0.0 && neg > 0.0 {
            let (mut cum_p, mut area) = (0.0, 0.0);
            let mut i = 0;
            while i < rows.len() {
                let (mut gp, mut gn) = (0.0, 0.0);
                let mut j = i;
                while j < rows.len() && rows[j].0 == rows[i].0 {
                    gp += rows[j].1;
                    gn += 1.0 - rows[j].1;
                    j += 1;
                }
                area += gn * (cum_p + 0.5 * gp);
                cum_p += gp;
                i = j;
            }
            out.insert(Metric::RocAuc, area / (pos * neg));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isotonic_pools_violators() {
        // Labels 1, 0 at scores 0.1, 0.2 violate monotonicity and pool to 0.5; between 0.2
        // and 0.3 the map is linear; outside it is clipped.
        let c = Calibration::fit(&[(0.1, true), (0.2, false), (0.3, true)]);
        assert_eq!(c.apply(0.1), 0.5);
        assert_eq!(c.apply(0.2), 0.5);
        assert!((c.apply(0.25) - 0.75).abs() < 1e-12);
        assert_eq!(c.apply(0.3), 1.0);
        assert_eq!(c.apply(0.9), 1.0);
        assert_eq!(c.apply(0.0), 0.5);
    }

    #[test]
    fn calibrated_scores_estimate_their_own_metrics() {
        // When calibration is the identity, the expected accuracy is mean(max(c, 1 − c)).
        let pairs: Vec<(f64, bool)> = (0..100)
            .flat_map(|i| {
                let s = i as f64 / 100.0;
                // Among 100 rows of score s, round(100·s) are positive: calibrated.
                let k = (s * 100.0).round() as usize;
                (0..100).map(move |j| (s, j < k))
            })
            .collect();
        let c = Calibration::fit(&pairs);
        let scores = [0.2, 0.8];
        let e = c.estimate(&scores, 0.5);
        assert!((e[&Metric::Accuracy] - 0.8).abs() < 1e-12);
    }
}

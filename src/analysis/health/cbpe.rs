//! Confidence-based performance estimation (CBPE), as NannyML describes it: calibrate the
//! scores on the reference (isotonic regression of the label on the score), then treat each
//! calibrated score c as the probability that the row is positive. For a window, the expected
//! confusion matrix at threshold t is E[TP] = Σ_{s≥t} c, E[FP] = Σ_{s≥t} (1 − c),
//! E[FN] = Σ_{s<t} c, E[TN] = Σ_{s<t} (1 − c); accuracy and F1 follow from it. The expected ROC
//! curve sorts rows by score and accumulates c (true positives) and 1 − c (false positives);
//! its area is the estimated ROC AUC. No label of the window is read.

use super::metrics::{Metric, MetricValues};

/// A monotone step function from score to calibrated probability (pool-adjacent-violators).
#[derive(Debug, Clone, PartialEq)]
pub struct Calibration {
    /// Upper score of each block, ascending.
    upper: Vec<f64>,
    /// Calibrated probability of each block.
    value: Vec<f64>,
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
        // Blocks: (sum of labels, weight, upper score). Equal scores start in one block.
        let mut blocks: Vec<(f64, f64, f64)> = Vec::new();
        for (s, y) in sorted {
            match blocks.last_mut() {
                Some(b) if b.2 == s => {
                    b.0 += y;
                    b.1 += 1.0;
                }
                _ => blocks.push((y, 1.0, s)),
            }
            while blocks.len() >= 2 {
                let k = blocks.len();
                let (a, b) = (blocks[k - 2], blocks[k - 1]);
                if a.0 / a.1 > b.0 / b.1 {
                    blocks[k - 2] = (a.0 + b.0, a.1 + b.1, b.2);
                    blocks.pop();
                } else {
                    break;
                }
            }
        }
        Self {
            upper: blocks.iter().map(|b| b.2).collect(),
            value: blocks.iter().map(|b| b.0 / b.1).collect(),
        }
    }

    /// The calibrated probability of a score (the block holding it; beyond the ends, the end
    /// blocks).
    pub fn apply(&self, s: f64) -> f64 {
        if self.value.is_empty() {
            return s;
        }
        let i = self.upper.partition_point(|&u| u < s);
        self.value[i.min(self.value.len() - 1)]
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
        // Labels 1, 0 at scores 0.1, 0.2 violate monotonicity and pool to 0.5.
        let c = Calibration::fit(&[(0.1, true), (0.2, false), (0.3, true)]);
        assert_eq!(c.apply(0.1), 0.5);
        assert_eq!(c.apply(0.2), 0.5);
        assert_eq!(c.apply(0.3), 1.0);
        assert_eq!(c.apply(0.9), 1.0);
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

//! ROC AUC as the Mann–Whitney U statistic over both classes' scores, ties given half credit
//! (average ranks) — the same number as scikit-learn's `roc_auc_score` (its trapezoid over the
//! ROC curve is the tie-corrected U / (n₀ n₁)) — and its analytic p-value.

use crate::analysis::experiment::dist::normal_sf;

/// ROC AUC of `scores` for the positives `labels[i] == true`; `None` without both classes or
/// with a NaN score.
pub fn roc_auc(scores: &[f64], labels: &[bool]) -> Option<f64> {
    if scores.len() != labels.len() || scores.iter().any(|s| s.is_nan()) {
        return None;
    }
    let n1 = labels.iter().filter(|l| **l).count();
    let n0 = labels.len() - n1;
    if n0 == 0 || n1 == 0 {
        return None;
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    // Sum of the positives' ranks (1-based), tied scores sharing their average rank.
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && scores[order[j + 1]] == scores[order[i]] {
            j += 1;
        }
        let average = (i + j) as f64 / 2.0 + 1.0;
        let positives = order[i..=j].iter().filter(|&&k| labels[k]).count();
        rank_sum += average * positives as f64;
        i = j + 1;
    }
    let u = rank_sum - (n1 as f64) * (n1 as f64 + 1.0) / 2.0;
    Some(u / (n0 as f64 * n1 as f64))
}

/// One-sided p-value of an AUC under the null that the two sides cannot be told apart: the
/// Mann–Whitney normal approximation with mean ½ and variance (n₀ + n₁ + 1) / (12 n₀ n₁),
/// P(AUC ≥ observed). A domain classifier that separates the sides scores above ½, so only
/// that tail is evidence of drift (an AUC below ½ is chance, p > ½).
pub fn auc_p_value(auc: f64, n0: usize, n1: usize) -> Option<f64> {
    if n0 == 0 || n1 == 0 || !auc.is_finite() {
        return None;
    }
    let (n0, n1) = (n0 as f64, n1 as f64);
    let sd = ((n0 + n1 + 1.0) / (12.0 * n0 * n1)).sqrt();
    Some(normal_sf((auc - 0.5) / sd))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perfect_chance_and_ties() {
        assert_eq!(
            roc_auc(&[0.1, 0.2, 0.8, 0.9], &[false, false, true, true]),
            Some(1.0)
        );
        assert_eq!(roc_auc(&[0.5, 0.5], &[false, true]), Some(0.5));
        assert_eq!(roc_auc(&[0.9, 0.1], &[false, true]), Some(0.0));
        assert_eq!(roc_auc(&[0.1, 0.2], &[true, true]), None);
        let p = auc_p_value(0.5, 100, 100).unwrap();
        assert!((p - 0.5).abs() < 1e-15);
        assert!(auc_p_value(0.6, 1000, 1000).unwrap() < 1e-10);
    }
}

//! Model-quality metrics on labelled rows.
//!
//! Classification (binary, label 0/1, `p` = predicted P(label = 1), threshold 0.5):
//! accuracy; ROC AUC by the Mann–Whitney rank formula with average ranks for ties;
//! log loss `−mean(y ln p + (1 − y) ln(1 − p))` with `p` clipped to `[1e−15, 1 − 1e−15]` (as
//! scikit-learn); F1 of the positive class. Regression: MAE and RMSE.

use serde::Serialize;

/// Binary-classification metrics.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ClassificationMetrics {
    pub accuracy: f64,
    pub roc_auc: f64,
    pub log_loss: f64,
    pub f1: f64,
}

/// Regression metrics.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RegressionMetrics {
    pub mae: f64,
    pub rmse: f64,
}

/// Metrics of P(class 1) `p` against 0/1 labels `y`. NaN metrics when there are no rows; AUC is
/// NaN when only one class is present.
pub fn classification(y: &[f64], p: &[f64]) -> ClassificationMetrics {
    let n = y.len().min(p.len());
    if n == 0 {
        return ClassificationMetrics {
            accuracy: f64::NAN,
            roc_auc: f64::NAN,
            log_loss: f64::NAN,
            f1: f64::NAN,
        };
    }
    let (mut correct, mut tp, mut fp, mut fneg) = (0usize, 0usize, 0usize, 0usize);
    let mut ll = 0.0;
    for (&yi, &pi) in y.iter().zip(p).take(n) {
        let positive = yi >= 0.5;
        let predicted = pi >= 0.5;
        correct += usize::from(positive == predicted);
        tp += usize::from(positive && predicted);
        fp += usize::from(!positive && predicted);
        fneg += usize::from(positive && !predicted);
        let pc = pi.clamp(1e-15, 1.0 - 1e-15);
        ll -= if positive { pc.ln() } else { (1.0 - pc).ln() };
    }
    let f1 = if tp == 0 {
        0.0
    } else {
        2.0 * tp as f64 / (2 * tp + fp + fneg) as f64
    };
    ClassificationMetrics {
        accuracy: correct as f64 / n as f64,
        roc_auc: roc_auc(&y[..n], &p[..n]),
        log_loss: ll / n as f64,
        f1,
    }
}

/// ROC AUC = (sum of positive ranks − n₊(n₊ + 1)/2) / (n₊ n₋), ranks averaged over ties.
pub fn roc_auc(y: &[f64], p: &[f64]) -> f64 {
    let mut order: Vec<usize> = (0..y.len()).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let mut rank_sum_pos = 0.0;
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && p[order[j + 1]] == p[order[i]] {
            j += 1;
        }
        let avg_rank = (i + j) as f64 / 2.0 + 1.0;
        for &k in &order[i..=j] {
            if y[k] >= 0.5 {
                rank_sum_pos += avg_rank;
            }
        }
        i = j + 1;
    }
    let pos = y.iter().filter(|&&v| v >= 0.5).count() as f64;
    let neg = y.len() as f64 - pos;
    if pos == 0.0 || neg == 0.0 {
        return f64::NAN;
    }
    (rank_sum_pos - pos * (pos + 1.0) / 2.0) / (pos * neg)
}

/// MAE and RMSE of `pred` against `y`.
pub fn regression(y: &[f64], pred: &[f64]) -> RegressionMetrics {
    let n = y.len().min(pred.len());
    let (mut abs, mut sq) = (0.0, 0.0);
    for (a, b) in y.iter().zip(pred).take(n) {
        abs += (a - b).abs();
        sq += (a - b).powi(2);
    }
    RegressionMetrics {
        mae: abs / n as f64,
        rmse: (sq / n as f64).sqrt(),
    }
}

/// Agreement with the original model: for classification the share of rows whose predicted
/// class (threshold 0.5) is the same; for regression the share of rows whose prediction moves by
/// at most 1 % of the original predictions' standard deviation.
pub fn agreement(original: &[f64], variant: &[f64], classification: bool) -> f64 {
    let n = original.len().min(variant.len());
    if n == 0 {
        return f64::NAN;
    }
    let same = if classification {
        original
            .iter()
            .zip(variant)
            .filter(|(a, b)| (**a >= 0.5) == (**b >= 0.5))
            .count()
    } else {
        let mean = original.iter().sum::<f64>() / n as f64;
        let sd = (original.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n as f64).sqrt();
        let tol = 0.01 * sd;
        original
            .iter()
            .zip(variant)
            .filter(|(a, b)| (**a - **b).abs() <= tol)
            .count()
    };
    same as f64 / n as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_example_matches_sklearn() {
        // sklearn.metrics on y=[0,0,1,1,1,0], p=[0.1,0.6,0.35,0.8,0.7,0.35]:
        // roc_auc_score = 7.5/9, accuracy 4/6, f1_score = 2/3, log_loss as written out below
        let y = [0.0, 0.0, 1.0, 1.0, 1.0, 0.0];
        let p = [0.1, 0.6, 0.35, 0.8, 0.7, 0.35];
        let m = classification(&y, &p);
        assert!((m.roc_auc - 7.5 / 9.0).abs() < 1e-12);
        assert!((m.accuracy - 4.0 / 6.0).abs() < 1e-12);
        assert!((m.f1 - 2.0 * 2.0 / (4.0 + 1.0 + 1.0)).abs() < 1e-12);
        let ll = -((0.9f64).ln()
            + (0.4f64).ln()
            + (0.35f64).ln()
            + (0.8f64).ln()
            + (0.7f64).ln()
            + (0.65f64).ln())
            / 6.0;
        assert!((m.log_loss - ll).abs() < 1e-12);
    }

    #[test]
    fn regression_closed_form() {
        let r = regression(&[1.0, 2.0, 3.0], &[1.0, 3.0, 5.0]);
        assert!((r.mae - 1.0).abs() < 1e-12);
        assert!((r.rmse - (5.0f64 / 3.0).sqrt()).abs() < 1e-12);
    }
}

//! Binary-classification metrics (label 0/1, score = predicted P(label = 1)).
//!
//! [`classification_metrics`] is the one implementation: a single pass over the rows sorted by
//! score, so that a bootstrap replicate is a weighted pass over the same order, not a new
//! sort. [`classification`] is the compression sweep's unweighted reading of it on raw slices.

use serde::Serialize;

use super::{EPS, Metric, MetricValues};

/// Number of equal-width bins of the expected calibration error.
pub const ECE_BINS: usize = 10;

/// ε of the compression sweep's log-loss clipping: 1e−15, scikit-learn's clip before 1.5
/// (the health analysis clips at [`EPS`]). The
/// sweep has always reported log loss with it; changing it would change the numbers users and
/// their stored sweeps compare against.
pub const SWEEP_LOG_LOSS_EPS: f64 = 1e-15;

/// One row's share of the log loss: −(y·ln p + (1 − y)·ln(1 − p)) with p clipped to
/// [ε, 1 − ε].
pub fn log_loss_term(positive: bool, p: f64, eps: f64) -> f64 {
    let pc = p.clamp(eps, 1.0 - eps);
    -(if positive { pc.ln() } else { (1.0 - pc).ln() })
}

/// Counts (or summed weights) of the four outcomes at one threshold, and the metrics read off
/// them. A metric whose denominator is zero is `None`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Confusion {
    /// True positives.
    pub tp: f64,
    /// False positives.
    pub fp: f64,
    /// False negatives.
    pub fn_: f64,
    /// True negatives.
    pub tn: f64,
}

impl Confusion {
    /// Count one row of weight `w`.
    pub fn add(&mut self, positive: bool, predicted: bool, w: f64) {
        match (positive, predicted) {
            (true, true) => self.tp += w,
            (false, true) => self.fp += w,
            (true, false) => self.fn_ += w,
            (false, false) => self.tn += w,
        }
    }

    /// (TP + TN) / n — `sklearn.metrics.accuracy_score`.
    pub fn accuracy(&self) -> Option<f64> {
        let n = self.tp + self.fp + self.fn_ + self.tn;
        (n > 0.0).then(|| (self.tp + self.tn) / n)
    }

    /// TP / (TP + FP) — `precision_score`; undefined without positive predictions.
    pub fn precision(&self) -> Option<f64> {
        (self.tp + self.fp > 0.0).then(|| self.tp / (self.tp + self.fp))
    }

    /// TP / (TP + FN) — `recall_score`; undefined without positive labels.
    pub fn recall(&self) -> Option<f64> {
        let pos = self.tp + self.fn_;
        (pos > 0.0).then(|| self.tp / pos)
    }

    /// 2·TP / (2·TP + FP + FN) — `f1_score`; undefined when every row is a true negative.
    pub fn f1(&self) -> Option<f64> {
        let d = 2.0 * self.tp + self.fp + self.fn_;
        (d > 0.0).then(|| 2.0 * self.tp / d)
    }
}

/// Labelled rows of a classification window, sorted by score from high to low, with each
/// row's label, share of the log loss and of the Brier score computed once, and the runs of
/// tied scores found once: a bootstrap replicate is then one multiply-add pass with weights.
#[derive(Debug, Clone, Default)]
pub struct SortedRows {
    /// Scores, descending.
    pub score: Vec<f64>,
    /// Per row: [y (0 or 1), −(y·ln p + (1 − y)·ln(1 − p)) with p clipped to [ε, 1 − ε],
    /// (p − y)²].
    stats: Vec<[f64; 3]>,
    /// Per run of tied scores: its end (exclusive), its score and its calibration bin.
    groups: Vec<(u32, f64, u8)>,
}

impl SortedRows {
    /// Sort `(score, label)` pairs by score, high to low (ties keep input order).
    pub fn new(mut pairs: Vec<(f64, bool)>) -> Self {
        pairs.sort_by(|a, b| b.0.total_cmp(&a.0));
        let stats = pairs
            .iter()
            .map(|&(s, y)| {
                let yf = f64::from(u8::from(y));
                [yf, log_loss_term(y, s, EPS), (s - yf) * (s - yf)]
            })
            .collect();
        let score: Vec<f64> = pairs.into_iter().map(|p| p.0).collect();
        let mut groups = Vec::new();
        for i in 1..=score.len() {
            if i == score.len() || score[i] != score[i - 1] {
                let s = score[i - 1];
                let bin = ((s * ECE_BINS as f64).floor().max(0.0) as usize).min(ECE_BINS - 1);
                groups.push((i as u32, s, bin as u8));
            }
        }
        Self {
            score,
            stats,
            groups,
        }
    }

    pub fn len(&self) -> usize {
        self.score.len()
    }

    pub fn is_empty(&self) -> bool {
        self.score.is_empty()
    }
}

/// Classification metrics of sorted rows; `weights` (one per row, the bootstrap multiplicities)
/// default to 1. `threshold`: a row is predicted positive when score ≥ threshold.
pub fn classification_metrics(
    rows: &SortedRows,
    weights: Option<&[u32]>,
    threshold: f64,
) -> MetricValues {
    let (mut log_loss, mut brier) = (0.0, 0.0);
    let mut bins = [[0.0f64; 3]; ECE_BINS]; // weight, Σ y, Σ p
    // ROC AUC: Σ over negatives of the positives above them (ties count half). Average
    // precision: Σ over thresholds of ΔTP · precision, divided by P at the end.
    let (mut auc, mut ap) = (0.0, 0.0);
    let (mut cum_pos, mut cum_neg) = (0.0, 0.0);
    // Positives and negatives at or above the threshold (scores are sorted high to low).
    let mut above: Option<(f64, f64)> = None;
    let mut i = 0;
    for &(end, s, bin) in &rows.groups {
        let end = end as usize;
        let (mut gw, mut gp) = (0.0, 0.0);
        match weights {
            Some(w) => {
                for (st, &wj) in rows.stats[i..end].iter().zip(&w[i..end]) {
                    let wj = f64::from(wj);
                    gw += wj;
                    gp += wj * st[0];
                    log_loss += wj * st[1];
                    brier += wj * st[2];
                }
            }
            None => {
                for st in &rows.stats[i..end] {
                    gw += 1.0;
                    gp += st[0];
                    log_loss += st[1];
                    brier += st[2];
                }
            }
        }
        i = end;
        if above.is_none() && s < threshold {
            above = Some((cum_pos, cum_neg));
        }
        let gn = gw - gp;
        let b = &mut bins[bin as usize];
        b[0] += gw;
        b[1] += gp;
        b[2] += gw * s;
        auc += gn * (cum_pos + 0.5 * gp);
        cum_pos += gp;
        cum_neg += gn;
        if gp > 0.0 {
            ap += gp * cum_pos / (cum_pos + cum_neg);
        }
    }
    let (pos, neg) = (cum_pos, cum_neg);
    let (tp, fp) = above.unwrap_or((pos, neg));
    let confusion = Confusion {
        tp,
        fp,
        fn_: pos - tp,
        tn: neg - fp,
    };
    let n = pos + neg;
    let mut out = MetricValues::new();
    if n == 0.0 {
        return out;
    }
    let mut put = |m: Metric, v: Option<f64>| {
        if let Some(v) = v {
            out.insert(m, v);
        }
    };
    put(Metric::Accuracy, confusion.accuracy());
    put(Metric::Precision, confusion.precision());
    put(Metric::Recall, confusion.recall());
    put(Metric::PrAuc, (pos > 0.0).then(|| ap / pos));
    put(Metric::F1, confusion.f1());
    if pos > 0.0 && neg > 0.0 {
        out.insert(Metric::RocAuc, auc / (pos * neg));
    }
    out.insert(Metric::LogLoss, log_loss / n);
    out.insert(Metric::Brier, brier / n);
    let ece: f64 = bins
        .iter()
        .filter(|b| b[0] > 0.0)
        .map(|b| (b[1] - b[2]).abs() / n)
        .sum();
    out.insert(Metric::Ece, ece);
    out
}

/// The compression sweep's classification metrics.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ClassificationMetrics {
    pub accuracy: f64,
    pub roc_auc: f64,
    pub log_loss: f64,
    pub f1: f64,
}

/// The sweep's metrics of P(class 1) `p` against 0/1 labels `y` (a label ≥ 0.5 is positive, a
/// row is predicted positive when p ≥ 0.5): accuracy, ROC AUC, log loss clipped at
/// [`SWEEP_LOG_LOSS_EPS`] and summed in row order, and F1 (0 when there is no true positive).
/// NaN metrics when there are no rows; AUC is NaN when only one class is present.
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
    // Counted here rather than read from the sorted pass: a NaN score is predicted negative
    // (NaN ≥ 0.5 is false), while the sorted pass would place it above every threshold.
    let mut confusion = Confusion::default();
    let mut ll = 0.0;
    for (&yi, &pi) in y.iter().zip(p).take(n) {
        let positive = yi >= 0.5;
        confusion.add(positive, pi >= 0.5, 1.0);
        ll += log_loss_term(positive, pi, SWEEP_LOG_LOSS_EPS);
    }
    ClassificationMetrics {
        accuracy: confusion.accuracy().unwrap_or(f64::NAN),
        roc_auc: roc_auc(&y[..n], &p[..n]),
        log_loss: ll / n as f64,
        f1: confusion.f1().unwrap_or(0.0),
    }
}

/// ROC AUC of scores `p` against labels `y` (≥ 0.5 is positive), ties counted half: the
/// [`classification_metrics`] pass on unweighted rows. NaN when only one class is present.
pub fn roc_auc(y: &[f64], p: &[f64]) -> f64 {
    let rows = SortedRows::new(p.iter().zip(y).map(|(&p, &y)| (p, y >= 0.5)).collect());
    classification_metrics(&rows, None, 0.5)
        .get(&Metric::RocAuc)
        .copied()
        .unwrap_or(f64::NAN)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(p: &[f64], y: &[u8]) -> SortedRows {
        SortedRows::new(p.iter().copied().zip(y.iter().map(|&y| y == 1)).collect())
    }

    #[test]
    fn closed_forms() {
        // Perfect separation: AUC 1, AP 1, accuracy 1.
        let m = classification_metrics(&rows(&[0.9, 0.8, 0.2, 0.1], &[1, 1, 0, 0]), None, 0.5);
        assert_eq!(m[&Metric::RocAuc], 1.0);
        assert_eq!(m[&Metric::PrAuc], 1.0);
        assert_eq!(m[&Metric::Accuracy], 1.0);
        // All tied: AUC 0.5.
        let m = classification_metrics(&rows(&[0.5; 4], &[1, 0, 1, 0]), None, 0.5);
        assert_eq!(m[&Metric::RocAuc], 0.5);
        assert_eq!(m[&Metric::Brier], 0.25);
        assert!((m[&Metric::LogLoss] - 2f64.ln()).abs() < 1e-15);
        // One class: no AUC.
        let m = classification_metrics(&rows(&[0.3, 0.7], &[0, 0]), None, 0.5);
        assert!(!m.contains_key(&Metric::RocAuc));
        assert!(!m.contains_key(&Metric::Recall));
    }

    #[test]
    fn weights_equal_repeated_rows() {
        let base = rows(&[0.9, 0.6, 0.4, 0.3, 0.2], &[1, 0, 1, 0, 0]);
        let w = [2, 0, 1, 3, 1];
        let weighted = classification_metrics(&base, Some(&w), 0.5);
        let repeated = rows(&[0.9, 0.9, 0.4, 0.3, 0.3, 0.3, 0.2], &[1, 1, 1, 0, 0, 0, 0]);
        let plain = classification_metrics(&repeated, None, 0.5);
        for (m, v) in plain {
            assert!((weighted[&m] - v).abs() < 1e-12, "{m}");
        }
    }

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
    fn the_sweep_and_the_sorted_pass_agree_bit_for_bit() {
        // Ties, a one-class tail and scores at the clip: the sweep's accuracy, F1 and AUC are
        // read from the same formulas as the health pass, so they are the same bits.
        let y = [1.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0];
        let p = [0.9, 0.9, 0.5, 0.49, 0.2, 0.2, 0.2, 0.0, 1.0, 0.7];
        let sweep = classification(&y, &p);
        let sorted = classification_metrics(
            &SortedRows::new(p.iter().zip(&y).map(|(&p, &y)| (p, y >= 0.5)).collect()),
            None,
            0.5,
        );
        assert_eq!(
            sweep.accuracy.to_bits(),
            sorted[&Metric::Accuracy].to_bits()
        );
        assert_eq!(sweep.f1.to_bits(), sorted[&Metric::F1].to_bits());
        assert_eq!(sweep.roc_auc.to_bits(), sorted[&Metric::RocAuc].to_bits());
    }

    #[test]
    fn f1_without_true_positives() {
        // All true negatives: undefined in the health pass, 0 in the sweep (as before).
        let c = Confusion {
            tn: 3.0,
            ..Confusion::default()
        };
        assert_eq!(c.f1(), None);
        assert_eq!(classification(&[0.0, 0.0], &[0.1, 0.2]).f1, 0.0);
    }
}

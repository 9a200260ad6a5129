//! Model quality metrics over labelled rows, with optional bootstrap weights.
//!
//! Every metric has the formula and the scikit-learn function it equals (for the same rows) in
//! its doc comment; `tests/golden/health/metrics.py` produced the fixture the tests compare with.
//! Metrics are computed from one pass over the rows sorted by score (classification) so that a
//! bootstrap replicate is a weighted pass over the same order, not a new sort.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::vocab::Rng;

/// What the model predicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Task {
    /// A 0/1 label and a score that is the probability of class 1.
    #[default]
    Classification,
    /// A numeric target and a numeric prediction.
    Regression,
}

impl Task {
    pub fn name(self) -> &'static str {
        match self {
            Self::Classification => "classification",
            Self::Regression => "regression",
        }
    }

    /// The metrics of this task, in display order.
    pub fn metrics(self) -> &'static [Metric] {
        match self {
            Self::Classification => &CLASSIFICATION_METRICS,
            Self::Regression => &REGRESSION_METRICS,
        }
    }
}

/// A model quality metric.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// (TP + TN) / n — `sklearn.metrics.accuracy_score`.
    Accuracy,
    /// TP / (TP + FP) — `precision_score`; undefined without positive predictions.
    Precision,
    /// TP / (TP + FN) — `recall_score`; undefined without positive labels.
    Recall,
    /// 2·TP / (2·TP + FP + FN) — `f1_score`.
    F1,
    /// Area under the ROC curve, ties counted half (Mann–Whitney U / (P·N)) — `roc_auc_score`.
    #[default]
    RocAuc,
    /// Average precision Σₖ (Rₖ − Rₖ₋₁)·Pₖ over score thresholds, high to low —
    /// `average_precision_score` (no interpolation).
    PrAuc,
    /// −mean(y·ln p + (1 − y)·ln(1 − p)), p clipped to [ε, 1 − ε] with ε = 2.22e-16 —
    /// `log_loss`.
    LogLoss,
    /// mean((p − y)²) — `brier_score_loss`.
    Brier,
    /// Expected calibration error: Σ_b (n_b / n)·|mean(y)_b − mean(p)_b| over 10 equal-width
    /// score bins [0, 0.1), …, [0.9, 1] (numpy in the golden script).
    Ece,
    /// mean|y − ŷ| — `mean_absolute_error`.
    Mae,
    /// √mean((y − ŷ)²) — `root_mean_squared_error`.
    Rmse,
    /// mean(|y − ŷ| / max(|y|, ε)), ε = 2.22e-16 — `mean_absolute_percentage_error` (a
    /// fraction, not a percentage).
    Mape,
    /// 1 − SS_res / SS_tot — `r2_score` (1 for a perfect fit of a constant target, else 0 when
    /// SS_tot = 0, like scikit-learn's `force_finite`).
    R2,
}

/// Classification metrics in display order.
pub const CLASSIFICATION_METRICS: [Metric; 9] = [
    Metric::Accuracy,
    Metric::Precision,
    Metric::Recall,
    Metric::F1,
    Metric::RocAuc,
    Metric::PrAuc,
    Metric::LogLoss,
    Metric::Brier,
    Metric::Ece,
];

/// Regression metrics in display order.
pub const REGRESSION_METRICS: [Metric; 4] = [Metric::Mae, Metric::Rmse, Metric::Mape, Metric::R2];

impl Metric {
    /// The snake_case name used in JSON, alert rules and the CLI.
    pub fn key(self) -> &'static str {
        match self {
            Self::Accuracy => "accuracy",
            Self::Precision => "precision",
            Self::Recall => "recall",
            Self::F1 => "f1",
            Self::RocAuc => "roc_auc",
            Self::PrAuc => "pr_auc",
            Self::LogLoss => "log_loss",
            Self::Brier => "brier",
            Self::Ece => "ece",
            Self::Mae => "mae",
            Self::Rmse => "rmse",
            Self::Mape => "mape",
            Self::R2 => "r2",
        }
    }

    /// A short human name.
    pub fn title(self) -> &'static str {
        match self {
            Self::Accuracy => "Accuracy",
            Self::Precision => "Precision",
            Self::Recall => "Recall",
            Self::F1 => "F1",
            Self::RocAuc => "ROC AUC",
            Self::PrAuc => "PR AUC",
            Self::LogLoss => "Log loss",
            Self::Brier => "Brier score",
            Self::Ece => "Calibration error (ECE)",
            Self::Mae => "MAE",
            Self::Rmse => "RMSE",
            Self::Mape => "MAPE",
            Self::R2 => "R²",
        }
    }

    /// Whether a larger value is better (accuracy) or worse (log loss).
    pub fn higher_is_better(self) -> bool {
        matches!(
            self,
            Self::Accuracy
                | Self::Precision
                | Self::Recall
                | Self::F1
                | Self::RocAuc
                | Self::PrAuc
                | Self::R2
        )
    }

    pub fn task(self) -> Task {
        if REGRESSION_METRICS.contains(&self) {
            Task::Regression
        } else {
            Task::Classification
        }
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

impl FromStr for Metric {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim().to_ascii_lowercase();
        CLASSIFICATION_METRICS
            .iter()
            .chain(&REGRESSION_METRICS)
            .copied()
            .find(|m| m.key() == s)
            .ok_or_else(|| format!("\"{s}\" is not a metric"))
    }
}

/// Values of the metrics of one set of rows; a metric that is undefined for these rows (ROC AUC
/// with one class) is absent.
pub type MetricValues = std::collections::BTreeMap<Metric, f64>;

/// Number of equal-width bins of the expected calibration error.
pub const ECE_BINS: usize = 10;

/// ε of the log-loss clipping and of MAPE's denominator (numpy's float64 eps).
pub const EPS: f64 = f64::EPSILON;

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
                let pc = s.clamp(EPS, 1.0 - EPS);
                let ll = -(if y { pc.ln() } else { (1.0 - pc).ln() });
                [yf, ll, (s - yf) * (s - yf)]
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
    let (fn_, tn) = (pos - tp, neg - fp);
    let n = pos + neg;
    let mut out = MetricValues::new();
    if n == 0.0 {
        return out;
    }
    out.insert(Metric::Accuracy, (tp + tn) / n);
    if tp + fp > 0.0 {
        out.insert(Metric::Precision, tp / (tp + fp));
    }
    if pos > 0.0 {
        out.insert(Metric::Recall, tp / pos);
        out.insert(Metric::PrAuc, ap / pos);
    }
    if 2.0 * tp + fp + fn_ > 0.0 {
        out.insert(Metric::F1, 2.0 * tp / (2.0 * tp + fp + fn_));
    }
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

/// Regression metrics of `(target, prediction)` pairs with optional weights.
pub fn regression_metrics(pairs: &[(f64, f64)], weights: Option<&[u32]>) -> MetricValues {
    let w = |i: usize| weights.map_or(1.0, |w| f64::from(w[i]));
    let (mut n, mut sum_y) = (0.0, 0.0);
    let (mut abs, mut sq, mut pct) = (0.0, 0.0, 0.0);
    for (i, &(y, p)) in pairs.iter().enumerate() {
        let wi = w(i);
        n += wi;
        sum_y += wi * y;
        let e = y - p;
        abs += wi * e.abs();
        sq += wi * e * e;
        pct += wi * e.abs() / y.abs().max(EPS);
    }
    let mut out = MetricValues::new();
    if n == 0.0 {
        return out;
    }
    let mean_y = sum_y / n;
    let ss_tot: f64 = pairs
        .iter()
        .enumerate()
        .map(|(i, &(y, _))| w(i) * (y - mean_y) * (y - mean_y))
        .sum();
    out.insert(Metric::Mae, abs / n);
    out.insert(Metric::Rmse, (sq / n).sqrt());
    out.insert(Metric::Mape, pct / n);
    let r2 = if ss_tot > 0.0 {
        1.0 - sq / ss_tot
    } else if sq == 0.0 {
        1.0
    } else {
        0.0
    };
    out.insert(Metric::R2, r2);
    out
}

/// The 2.5 % and 97.5 % percentiles (linear interpolation, numpy's default) of `values`.
pub fn percentile_interval(values: &mut [f64]) -> Option<[f64; 2]> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    Some([quantile(values, 0.025), quantile(values, 0.975)])
}

/// Quantile of sorted values with linear interpolation between order statistics.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// Bootstrap percentile intervals: `replicates` resamples of `n` rows with replacement (as
/// multiplicities), `metric_of` evaluated on each; the 95 % percentile interval per metric.
pub fn bootstrap_intervals(
    n: usize,
    replicates: usize,
    seed: u64,
    mut metric_of: impl FnMut(&[u32]) -> MetricValues,
) -> std::collections::BTreeMap<Metric, [f64; 2]> {
    let mut out = std::collections::BTreeMap::new();
    if n == 0 || replicates == 0 {
        return out;
    }
    let mut rng = Rng::new(seed);
    let mut weights = vec![0u32; n];
    let mut samples: std::collections::BTreeMap<Metric, Vec<f64>> = Default::default();
    for _ in 0..replicates {
        weights.iter_mut().for_each(|w| *w = 0);
        // Two indices per 64-bit draw (multiply-shift on each half).
        for _ in 0..n / 2 {
            let r = rng.next_u64();
            weights[(((r >> 32) * n as u64) >> 32) as usize] += 1;
            weights[(((r & 0xFFFF_FFFF) * n as u64) >> 32) as usize] += 1;
        }
        if n % 2 == 1 {
            weights[rng.below(n)] += 1;
        }
        for (m, v) in metric_of(&weights) {
            samples.entry(m).or_default().push(v);
        }
    }
    for (m, mut v) in samples {
        // A metric undefined in more than half the replicates (one class drawn) has no interval.
        if v.len() * 2 >= replicates
            && let Some(iv) = percentile_interval(&mut v)
        {
            out.insert(m, iv);
        }
    }
    out
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
    fn regression_closed_forms() {
        let m = regression_metrics(&[(1.0, 2.0), (2.0, 2.0), (3.0, 2.0)], None);
        assert!((m[&Metric::Mae] - 2.0 / 3.0).abs() < 1e-15);
        assert!((m[&Metric::R2] - 0.0).abs() < 1e-15);
        assert!((m[&Metric::Mape] - (1.0 + 0.0 + 1.0 / 3.0) / 3.0).abs() < 1e-15);
    }

    #[test]
    fn metric_names_round_trip() {
        for m in CLASSIFICATION_METRICS.iter().chain(&REGRESSION_METRICS) {
            assert_eq!(m.key().parse::<Metric>(), Ok(*m));
        }
    }
}

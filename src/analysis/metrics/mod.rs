//! Model-quality metrics over labelled rows, one implementation each, shared by the health
//! analysis (per window, with bootstrap weights) and the compression lab (per variant).
//!
//! Every metric has the formula and the scikit-learn function it equals (for the same rows) in
//! its doc comment; `tests/golden/health/metrics.py` and `tests/golden/compress/make_fixtures.py`
//! produced the fixtures the tests compare with.

pub mod classification;
pub mod regression;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::vocab::Task;

pub use classification::{
    ClassificationMetrics, Confusion, ECE_BINS, SWEEP_LOG_LOSS_EPS, SortedRows, classification,
    classification_metrics, log_loss_term, roc_auc,
};
pub use regression::{RegressionMetrics, regression, regression_metrics};

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
    /// `log_loss` (the compression sweep clips at [`SWEEP_LOG_LOSS_EPS`], its historical ε).
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
    /// The metrics of `task`, in display order.
    pub fn of_task(task: Task) -> &'static [Metric] {
        match task {
            Task::Classification => &CLASSIFICATION_METRICS,
            Task::Regression => &REGRESSION_METRICS,
        }
    }

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

    /// The task whose metric this is.
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

/// ε of the health log-loss clipping and of MAPE's denominator (numpy's float64 eps, as
/// scikit-learn's `log_loss` clips since 1.5).
pub const EPS: f64 = f64::EPSILON;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_names_round_trip() {
        for m in CLASSIFICATION_METRICS.iter().chain(&REGRESSION_METRICS) {
            assert_eq!(m.key().parse::<Metric>(), Ok(*m));
            assert!(Metric::of_task(m.task()).contains(m));
        }
    }
}

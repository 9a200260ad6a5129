//! Sufficient statistics of one arm for one metric, as gbstats keeps them
//! (`ProportionStatistic`, `SampleMeanStatistic`): n, Σx and Σx².

use serde::{Deserialize, Serialize};

use super::error::ExperimentError;

/// How a metric is aggregated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MetricKind {
    /// A 0/1 outcome per unit (conversion, success, click); variance p(1 − p).
    Proportion,
    /// A real value per unit (revenue, sessions, latency); the sample variance (ddof = 1).
    Mean,
}

/// Which way is good for a metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Higher is better (conversion, revenue).
    #[default]
    HigherIsBetter,
    /// Lower is better (latency, errors): gbstats's `inverse` metrics.
    LowerIsBetter,
}

/// One arm's sufficient statistics for one metric.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ArmSummary {
    /// Proportion or mean.
    pub kind: MetricKind,
    /// Units.
    pub n: u64,
    /// Σ x.
    pub sum: f64,
    /// Σ x² (equal to Σ x for a proportion).
    pub sum_squares: f64,
}

impl ArmSummary {
    /// Summarises per-unit values. A proportion's values must be 0 or 1; every value must be
    /// finite (missing values are dropped by the caller, who says how many).
    pub fn from_values(values: &[f64], kind: MetricKind) -> Result<Self, ExperimentError> {
        let mut sum = 0.0;
        let mut sum_squares = 0.0;
        for (index, &x) in values.iter().enumerate() {
            if !x.is_finite() {
                return Err(ExperimentError::NonFinite {
                    what: "metric",
                    index,
                });
            }
            if kind == MetricKind::Proportion && x != 0.0 && x != 1.0 {
                return Err(ExperimentError::NotBinary { index, value: x });
            }
            sum += x;
            sum_squares += x * x;
        }
        Ok(Self {
            kind,
            n: values.len() as u64,
            sum,
            sum_squares,
        })
    }

    /// The mean Σx / n (0 when n = 0, as gbstats).
    pub fn mean(&self) -> f64 {
        if self.n == 0 {
            0.0
        } else {
            self.sum / self.n as f64
        }
    }

    /// gbstats's variance: p(1 − p) for a proportion (`ProportionStatistic.variance`);
    /// (Σx² − (Σx)²/n) / (n − 1) for a mean (`SampleMeanStatistic.variance`, 0 when n ≤ 1).
    pub fn variance(&self) -> f64 {
        match self.kind {
            MetricKind::Proportion => {
                let p = self.mean();
                p * (1.0 - p)
            }
            MetricKind::Mean => {
                if self.n <= 1 {
                    0.0
                } else {
                    let n = self.n as f64;
                    (self.sum_squares - self.sum * self.sum / n) / (n - 1.0)
                }
            }
        }
    }

    /// n, mean and variance for a report.
    pub fn moments(&self) -> ArmMoments {
        ArmMoments {
            n: self.n,
            mean: self.mean(),
            variance: self.variance(),
        }
    }

    /// Checks the arm can enter a t-test: n ≥ 2 and variance > 0.
    pub(crate) fn check_testable(&self, arm: &str) -> Result<(), ExperimentError> {
        if self.n == 0 {
            return Err(ExperimentError::NoUnits {
                arm: arm.to_string(),
            });
        }
        if self.n < 2 {
            return Err(ExperimentError::TooFewUnits {
                arm: arm.to_string(),
                n: self.n,
                needed: 2,
                statistic: "a Welch t-test",
            });
        }
        if self.variance().partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
            return Err(ExperimentError::ZeroVariance {
                arm: arm.to_string(),
                what: "metric",
            });
        }
        Ok(())
    }
}

/// n, mean and variance of one arm, as reported.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ArmMoments {
    /// Units.
    pub n: u64,
    /// Mean (a rate for a proportion).
    pub mean: f64,
    /// Variance per unit (p(1 − p) or the sample variance).
    pub variance: f64,
}

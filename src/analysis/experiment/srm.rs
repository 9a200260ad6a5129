//! Sample-ratio mismatch (SRM): a chi-square goodness-of-fit test of the units per arm against
//! the planned split.
//!
//! With observed counts oᵢ, planned shares wᵢ (Σ wᵢ = 1) and N = Σ oᵢ, the expected counts are
//! eᵢ = wᵢ·N and the statistic is X² = Σ (oᵢ − eᵢ)² / eᵢ with k − 1 degrees of freedom; the
//! p-value is the chi-square survival function P(χ²ₖ₋₁ > X²). This equals
//! `scipy.stats.chisquare(f_obs, f_exp)` and gbstats's `check_srm(users, weights)`. The split is
//! flagged when p < 0.001, GrowthBook's default SRM threshold.

use serde::Serialize;

use super::dist::chi2_sf;
use super::error::{ExperimentError, check_unit_open};

/// GrowthBook's default SRM threshold: a split is flagged when p < 0.001.
pub const DEFAULT_SRM_THRESHOLD: f64 = 0.001;

/// Input of [`sample_ratio_mismatch`].
#[derive(Debug, Clone, PartialEq)]
pub struct SrmParams {
    /// Units per arm (control first by convention; the test is symmetric).
    pub counts: Vec<u64>,
    /// Planned share per arm, summing to 1 (within 1e-9); `None` means an equal split.
    pub planned: Option<Vec<f64>>,
    /// Flag threshold on the p-value; [`DEFAULT_SRM_THRESHOLD`] unless told otherwise.
    pub threshold: f64,
}

impl SrmParams {
    /// An equal planned split at GrowthBook's default threshold.
    pub fn equal(counts: Vec<u64>) -> Self {
        Self {
            counts,
            planned: None,
            threshold: DEFAULT_SRM_THRESHOLD,
        }
    }
}

/// Result of [`sample_ratio_mismatch`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SrmReport {
    /// Planned share per arm (the equal split when none was given).
    pub expected_share: Vec<f64>,
    /// Expected units per arm, wᵢ·N.
    pub expected_count: Vec<f64>,
    /// X² = Σ (oᵢ − eᵢ)² / eᵢ.
    pub statistic: f64,
    /// Degrees of freedom, k − 1.
    pub df: u32,
    /// P(χ²ₖ₋₁ > X²), by the survival function.
    pub p_value: f64,
    /// `p_value < threshold`: the results are untrustworthy.
    pub flag: bool,
}

/// Chi-square goodness of fit of the arm counts against the planned split.
///
/// Errors: fewer than two arms, no units at all, a planned split of the wrong length, with a
/// non-positive share or not summing to 1, or a threshold outside (0, 1).
pub fn sample_ratio_mismatch(params: &SrmParams) -> Result<SrmReport, ExperimentError> {
    let k = params.counts.len();
    if k < 2 {
        return Err(ExperimentError::TooFewArms {
            found: k,
            needed: 2,
            statistic: "the sample-ratio mismatch test",
        });
    }
    check_unit_open("SRM threshold", params.threshold)?;
    let shares = match &params.planned {
        None => vec![1.0 / k as f64; k],
        Some(w) => {
            if w.len() != k {
                return Err(ExperimentError::InvalidSplit {
                    reason: format!("{} shares for {k} arms", w.len()),
                });
            }
            if let Some((i, &x)) = w
                .iter()
                .enumerate()
                .find(|(_, x)| !(x.is_finite() && **x > 0.0))
            {
                return Err(ExperimentError::InvalidSplit {
                    reason: format!("share {x} of arm {i} is not a positive number"),
                });
            }
            let total: f64 = w.iter().sum();
            if (total - 1.0).abs() > 1e-9 {
                return Err(ExperimentError::InvalidSplit {
                    reason: format!("shares sum to {total}, not 1"),
                });
            }
            w.clone()
        }
    };
    let n: f64 = params.counts.iter().map(|&c| c as f64).sum();
    if n == 0.0 {
        return Err(ExperimentError::NoUnits {
            arm: "every arm".to_string(),
        });
    }
    let expected: Vec<f64> = shares.iter().map(|w| w * n).collect();
    let statistic: f64 = params
        .counts
        .iter()
        .zip(&expected)
        .map(|(&o, &e)| (o as f64 - e).powi(2) / e)
        .sum();
    let df = (k - 1) as u32;
    let p_value = chi2_sf(statistic, f64::from(df));
    Ok(SrmReport {
        expected_share: shares,
        expected_count: expected,
        statistic,
        df,
        p_value,
        flag: p_value < params.threshold,
    })
}

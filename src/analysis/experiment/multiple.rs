//! Multiple-testing corrections across metrics and arms, as
//! `statsmodels.stats.multitest.multipletests(p, alpha, method)`:
//! - Holm–Bonferroni (`'holm'`): with p sorted ascending p₍₁₎ ≤ … ≤ p₍ₘ₎,
//!   p̃₍ᵢ₎ = min(1, max_{j ≤ i} (m − j + 1)·p₍ⱼ₎); controls the family-wise error rate;
//! - Benjamini–Hochberg (`'fdr_bh'`): p̃₍ᵢ₎ = min(1, min_{j ≥ i} m·p₍ⱼ₎/j); controls the false
//!   discovery rate.
//!
//! A hypothesis is rejected when its adjusted p ≤ α, which is the step-down (Holm) and step-up
//! (BH) rule statsmodels applies.

use serde::Serialize;

use super::error::ExperimentError;
use super::frequentist::check_alpha;

/// Which correction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Correction {
    /// No correction: adjusted = raw.
    None,
    /// Holm–Bonferroni step-down.
    Holm,
    /// Benjamini–Hochberg step-up.
    BenjaminiHochberg,
}

/// Input of [`adjust_p_values`].
#[derive(Debug, Clone, PartialEq)]
pub struct MultipleTestingParams {
    /// Raw p-values, in any order.
    pub p_values: Vec<f64>,
    /// The correction.
    pub correction: Correction,
    /// Level for the reject decisions.
    pub alpha: f64,
}

/// Result of [`adjust_p_values`], in the order of the input.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MultipleTestingReport {
    /// The correction applied.
    pub correction: Correction,
    /// Adjusted p-values (≥ the raw ones, ≤ 1).
    pub adjusted: Vec<f64>,
    /// Adjusted p ≤ α.
    pub reject: Vec<bool>,
}

/// Adjusted p-values and reject decisions.
///
/// Errors: no p-values, a p-value outside [0, 1] (or NaN), α outside (0, 1).
pub fn adjust_p_values(
    params: &MultipleTestingParams,
) -> Result<MultipleTestingReport, ExperimentError> {
    check_alpha(params.alpha)?;
    let p = &params.p_values;
    if p.is_empty() {
        return Err(ExperimentError::NoPValues);
    }
    if let Some((index, &value)) = p
        .iter()
        .enumerate()
        .find(|(_, x)| !(0.0..=1.0).contains(*x))
    {
        return Err(ExperimentError::InvalidPValue { index, value });
    }
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&i, &j| p[i].total_cmp(&p[j]));
    let mut adjusted = vec![0.0; m];
    match params.correction {
        Correction::None => adjusted.clone_from(p),
        Correction::Holm => {
            let mut running = 0.0_f64;
            for (rank, &i) in order.iter().enumerate() {
                running = running.max(p[i] * (m - rank) as f64);
                adjusted[i] = running.min(1.0);
            }
        }
        Correction::BenjaminiHochberg => {
            let mut running = f64::INFINITY;
            for (rank, &i) in order.iter().enumerate().rev() {
                running = running.min(p[i] / ((rank + 1) as f64 / m as f64));
                adjusted[i] = running.min(1.0);
            }
        }
    }
    let reject = adjusted.iter().map(|&a| a <= params.alpha).collect();
    Ok(MultipleTestingReport {
        correction: params.correction,
        adjusted,
        reject,
    })
}

//! Sequential testing: GrowthBook's asymptotic confidence sequences (Waudby-Smith et al. 2023,
//! arXiv 2103.06476v7), as gbstats's `SequentialTwoSidedTTest` computes them. The interval is
//! valid at every look, so the result can be read every day without inflating false positives.
//!
//! With N = n_a + n_b units, an estimate θ̂ with standard error se and s² = se²·N:
//! - ρ = √((−2 ln α + ln(−2 ln α + 1)) / τ) with the tuning parameter τ (GrowthBook: 5000;
//!   eq. 161);
//! - half-width = s·√(2(Nρ² + 1)·ln(√(Nρ² + 1)/α) / (Nρ)²) (eq. 9);
//! - always-valid p-value = min(1, 1/E) with E = exp(ρ²·S/(2(Nρ² + 1)))/√(Nρ² + 1) and
//!   S = θ̂²·N/se² (eq. 155, gbstats's parameterisation).

use serde::Serialize;

use super::error::ExperimentError;
use super::frequentist::check_alpha;

/// GrowthBook's default tuning parameter of the confidence sequence.
pub const DEFAULT_TUNING: f64 = 5000.0;

/// Input of [`sequential_interval`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SequentialParams {
    /// The effect estimate (relative lift by default).
    pub estimate: f64,
    /// Its standard error (> 0).
    pub standard_error: f64,
    /// Units in both arms together, n_a + n_b.
    pub n: u64,
    /// Two-sided level.
    pub alpha: f64,
    /// Tuning parameter τ; [`DEFAULT_TUNING`].
    pub tuning: f64,
}

/// Result of [`sequential_interval`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SequentialReport {
    /// ρ of the mixture.
    pub rho: f64,
    /// Half-width of the always-valid interval.
    pub halfwidth: f64,
    /// Lower end.
    pub ci_low: f64,
    /// Upper end.
    pub ci_high: f64,
    /// Always-valid p-value.
    pub p_value: f64,
}

/// ρ of gbstats's `sequential_rho` (two-sided).
pub fn sequential_rho(alpha: f64, tuning: f64) -> f64 {
    let l = -2.0 * alpha.ln();
    ((l + (l + 1.0).ln()) / tuning).sqrt()
}

/// The always-valid interval and p-value of an estimate.
///
/// Errors: a standard error that is not positive, n = 0, τ ≤ 0, α outside (0, 1).
pub fn sequential_interval(params: &SequentialParams) -> Result<SequentialReport, ExperimentError> {
    check_alpha(params.alpha)?;
    if !(params.tuning.is_finite() && params.tuning > 0.0) {
        return Err(ExperimentError::OutOfRange {
            name: "sequential tuning parameter",
            value: params.tuning,
            range: "(0, ∞)",
        });
    }
    if params.n == 0 {
        return Err(ExperimentError::NoUnits {
            arm: "every arm".to_string(),
        });
    }
    let se = params.standard_error;
    if !(se.is_finite() && se > 0.0) {
        return Err(ExperimentError::ZeroVariance {
            arm: "the effect estimate".to_string(),
            what: "metric",
        });
    }
    if !params.estimate.is_finite() {
        return Err(ExperimentError::NonFinite {
            what: "effect estimate",
            index: 0,
        });
    }
    let n = params.n as f64;
    let rho = sequential_rho(params.alpha, params.tuning);
    let s2 = se * se * n;
    let tr2p1 = n * rho * rho + 1.0;
    let halfwidth =
        s2.sqrt() * ((2.0 * tr2p1) * (tr2p1.sqrt() / params.alpha).ln() / (n * rho).powi(2)).sqrt();
    let st2 = params.estimate.powi(2) * n / (se * se);
    // 1/E computed in logs so that a huge statistic gives a tiny p instead of 1/inf.
    let log_e = rho * rho * st2 / (2.0 * tr2p1) - 0.5 * tr2p1.ln();
    let p_value = (-log_e).exp().min(1.0);
    Ok(SequentialReport {
        rho,
        halfwidth,
        ci_low: params.estimate - halfwidth,
        ci_high: params.estimate + halfwidth,
        p_value,
    })
}

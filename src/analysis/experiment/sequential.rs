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
//!
//! The one-sided version for guardrails ([`sequential_one_sided`]) uses ρ from 2α and the
//! half-width s·√(2(Nρ² + 1)/(Nρ)²·ln(1 + √(Nρ² + 1)/(2α))) (eq. 134).

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

/// The alternative of a one-sided test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Alternative {
    /// H₁: the effect is below 0 (gbstats's `SequentialOneSidedTreatmentLesserTTest`); the
    /// interval is (−∞, θ̂ + h].
    Less,
    /// H₁: the effect is above 0 (gbstats's `SequentialOneSidedTreatmentGreaterTTest`); the
    /// interval is [θ̂ − h, ∞).
    Greater,
}

/// Input of [`sequential_one_sided`]: a guardrail test ("is the treatment worse?").
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OneSidedParams {
    /// The effect estimate.
    pub estimate: f64,
    /// Its standard error (> 0).
    pub standard_error: f64,
    /// Units in both arms together.
    pub n: u64,
    /// One-sided level, in (0, 0.5) as gbstats requires.
    pub alpha: f64,
    /// Tuning parameter τ; [`DEFAULT_TUNING`].
    pub tuning: f64,
    /// Which side the alternative is on.
    pub alternative: Alternative,
}

/// Result of [`sequential_one_sided`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct OneSidedReport {
    /// ρ of the one-sided mixture (from 2α).
    pub rho: f64,
    /// Half-width h of the always-valid one-sided interval at α.
    pub halfwidth: f64,
    /// The finite end of the interval: θ̂ + h for `Less`, θ̂ − h for `Greater`.
    pub bound: f64,
    /// gbstats's p-value: the α at which the bound touches 0, by its bisection (tolerance 1e-6
    /// on the bound, clipped to [1e-5, 0.4999]); `None` when it does not converge, as gbstats.
    pub p_value: Option<f64>,
    /// The same α in closed form (ρ fixed): h(α) = |θ̂| solved for α, clipped to [0, 1]; 1
    /// when the estimate is on the null side.
    pub exact_p_value: f64,
    /// The interval excludes 0 on the alternative's side (the guardrail is breached).
    pub significant: bool,
}

/// ρ of gbstats's `sequential_rho` for a one-sided test (α replaced by 2α).
pub fn sequential_rho_one_sided(alpha: f64, tuning: f64) -> f64 {
    sequential_rho(2.0 * alpha, tuning)
}

/// gbstats's `sequential_interval_halfwidth_one_sided`:
/// h = √(s²·2(Nρ² + 1)/(Nρ)²·ln(1 + √(Nρ² + 1)/(2α))) with s² = se²·N (eq. 134).
fn halfwidth_one_sided(se: f64, n: f64, rho: f64, alpha: f64) -> f64 {
    let s2 = se * se * n;
    let tr2p1 = n * rho * rho + 1.0;
    (s2 * (2.0 * tr2p1 / (n * rho).powi(2)) * (1.0 + tr2p1.sqrt() / (2.0 * alpha)).ln()).sqrt()
}

/// One-sided always-valid test, as gbstats's `SequentialOneSidedTreatment{Lesser,Greater}TTest`
/// (GitHub main): its interval, its bisected p-value and the closed-form p-value.
///
/// Errors: α outside (0, 0.5) (gbstats: "ALPHA_GREATER_THAN_0.5_FOR_SEQUENTIAL_ONE_SIDED_TEST"),
/// and those of [`sequential_interval`].
pub fn sequential_one_sided(params: &OneSidedParams) -> Result<OneSidedReport, ExperimentError> {
    if !(params.alpha.is_finite() && params.alpha > 0.0 && params.alpha < 0.5) {
        return Err(ExperimentError::OutOfRange {
            name: "one-sided alpha",
            value: params.alpha,
            range: "(0, 0.5)",
        });
    }
    // The same checks of se, n, τ and the estimate as the two-sided interval.
    sequential_interval(&SequentialParams {
        estimate: params.estimate,
        standard_error: params.standard_error,
        n: params.n,
        alpha: params.alpha,
        tuning: params.tuning,
    })?;
    let n = params.n as f64;
    let se = params.standard_error;
    let est = params.estimate;
    let rho = sequential_rho_one_sided(params.alpha, params.tuning);
    let less = params.alternative == Alternative::Less;
    let bound_at = |alpha: f64| {
        let h = halfwidth_one_sided(se, n, rho, alpha);
        if less { est + h } else { est - h }
    };
    let halfwidth = halfwidth_one_sided(se, n, rho, params.alpha);
    let bound = bound_at(params.alpha);
    let significant = if less { bound < 0.0 } else { bound > 0.0 };

    // gbstats's compute_p_value, step for step.
    const TOL: f64 = 1e-6;
    let (mut min_alpha, mut max_alpha) = (1e-5_f64, 0.4999_f64);
    let small = bound_at(min_alpha);
    let big = bound_at(max_alpha);
    let p_value = if (less && small < 0.0) || (!less && small > 0.0) {
        Some(min_alpha)
    } else if (less && big > 0.0) || (!less && big < 0.0) {
        Some(max_alpha)
    } else {
        let mut this_alpha = 0.5 * (min_alpha + max_alpha);
        let mut diff = 0.0_f64;
        for _ in 0..100 {
            diff = bound_at(this_alpha);
            let raise = if less { diff > 0.0 } else { diff < 0.0 };
            if raise {
                min_alpha = this_alpha;
            } else {
                max_alpha = this_alpha;
            }
            this_alpha = 0.5 * (min_alpha + max_alpha);
            if diff.abs() < TOL {
                break;
            }
        }
        (diff.abs() < TOL).then_some(this_alpha)
    };

    // Closed form: h(α)² = s²·A·ln(1 + B/(2α)) = θ̂² ⇒ α = B / (2(exp(θ̂²/(s²A)) − 1)).
    let toward = if less { est < 0.0 } else { est > 0.0 };
    let exact_p_value = if toward {
        let tr2p1 = n * rho * rho + 1.0;
        let a = 2.0 * tr2p1 / (n * rho).powi(2);
        let s2 = se * se * n;
        (tr2p1.sqrt() / (2.0 * (est * est / (s2 * a)).exp_m1())).min(1.0)
    } else {
        1.0
    };
    Ok(OneSidedReport {
        rho,
        halfwidth,
        bound,
        p_value,
        exact_p_value,
        significant,
    })
}

//! Guardrails: a metric that must not get worse (latency, errors, complaints). The question is
//! one-sided — "is the treatment worse?" — so the test is gbstats's one-sided t-test in the
//! harmful direction (packages/stats/gbstats/frequentist/tests.py on GitHub main):
//! - higher is better: harm is a drop, `OneSidedTreatmentLesserTTest`, p = P(T_ν ≤ t) and the
//!   interval (−∞, θ̂ + t_{1−α,ν}·se];
//! - lower is better: harm is a rise, `OneSidedTreatmentGreaterTTest`, p = P(T_ν ≥ t) and the
//!   interval [θ̂ − t_{1−α,ν}·se, ∞).
//!
//! with t = θ̂/se on the headline estimate (the relative lift, CUPED-adjusted when a covariate
//! applies) and ν its Welch degrees of freedom. gbstats writes 1 − cdf, which underflows; the
//! survival function used here equals it wherever its value is representable. "Harmed" means
//! the (corrected) one-sided p-value is below α; anything else is "no harm detected", which is
//! not a proof of no harm (the interval's finite end says how much harm is still possible).

use serde::Serialize;

use super::dist::{t_sf, t_upper_quantile};
use super::error::ExperimentError;
use super::frequentist::check_alpha;
use super::moments::Direction;

/// Input of [`harm_test`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HarmParams {
    /// The effect estimate (a relative lift by default).
    pub estimate: f64,
    /// Its standard error (> 0).
    pub standard_error: f64,
    /// Welch degrees of freedom.
    pub df: f64,
    /// One-sided level.
    pub alpha: f64,
    /// Which way is good for the metric; harm is the other way.
    pub direction: Direction,
}

/// Result of [`harm_test`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct HarmReport {
    /// One-sided p-value of "the treatment is worse".
    pub p_value: f64,
    /// The finite end of gbstats's one-sided 1 − α interval: θ̂ + h for the Lesser test
    /// (higher is better), θ̂ − h for the Greater test (lower is better); past 0 on the
    /// harmful side exactly when the uncorrected p-value is below α.
    pub bound: f64,
}

/// gbstats's one-sided t-test toward harm.
///
/// Errors: a standard error that is not positive, a non-finite estimate or ν, α outside (0, 1).
pub fn harm_test(params: &HarmParams) -> Result<HarmReport, ExperimentError> {
    check_alpha(params.alpha)?;
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
    if !(params.df.is_finite() && params.df > 0.0) {
        return Err(ExperimentError::OutOfRange {
            name: "degrees of freedom",
            value: params.df,
            range: "(0, ∞)",
        });
    }
    let t = params.estimate / se;
    let h = t_upper_quantile(params.alpha, params.df) * se;
    Ok(match params.direction {
        // Lesser: P(T ≤ t) = P(T ≥ −t).
        Direction::HigherIsBetter => HarmReport {
            p_value: t_sf(-t, params.df),
            bound: params.estimate + h,
        },
        Direction::LowerIsBetter => HarmReport {
            p_value: t_sf(t, params.df),
            bound: params.estimate - h,
        },
    })
}

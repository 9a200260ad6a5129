//! Bayesian chance to beat control and risk (expected loss), as gbstats's
//! `EffectBayesianABTest` (packages/stats/gbstats/bayesian/tests.py on GitHub main) with its
//! default prior: `GaussianPrior(mean 0, variance 1, proper = False)`, which is flat, so the
//! posterior of the effect is N(μ, σ²) with μ the estimate (relative lift by default) and σ its
//! standard error from the frequentist moments.
//!
//! - chance to win = P(effect > 0) = Φ(μ/σ) (`norm.sf(0, μ, σ)`); for a lower-is-better metric
//!   (gbstats's `inverse`) it is 1 − Φ(μ/σ);
//! - risk of keeping control = P(X > 0)·E[X | X > 0] = μΦ(μ/σ) + σφ(μ/σ), risk of shipping the
//!   treatment = −P(X < 0)·E[X | X < 0] = σφ(μ/σ) − μΦ(−μ/σ), both in the estimate's units
//!   (closed forms of gbstats's truncated-normal means, evaluated as σ·L(∓μ/σ) with the
//!   standard normal loss function L(x) = φ(x) − x·Q(x), by a continued fraction in the far
//!   tail so that a risk of 1e-38 keeps its digits); gbstats swaps the two for an inverse
//!   metric and, for |μ/σ| > 37, uses their limits max(μ, 0) and max(−μ, 0);
//! - credible interval μ ± Φ⁻¹(1 − α/2)·σ (`gaussian_credible_interval`).

use serde::Serialize;

use super::dist::{normal_cdf, normal_pdf, normal_quantile, normal_sf};
use super::error::ExperimentError;
use super::frequentist::check_alpha;
use super::moments::Direction;

/// Input of [`bayesian_effect`]: an effect's estimate and standard error.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BayesianParams {
    /// Point estimate of the effect (relative lift, GrowthBook's default, or absolute).
    pub estimate: f64,
    /// Its standard error (> 0).
    pub standard_error: f64,
    /// Level of the credible interval (0.05 gives 95 %).
    pub alpha: f64,
    /// Which way is good for this metric.
    pub direction: Direction,
}

/// Result of [`bayesian_effect`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BayesianReport {
    /// P(treatment better than control).
    pub chance_to_win: f64,
    /// Expected loss of keeping the control (gbstats's `risk[0]`).
    pub risk_control: f64,
    /// Expected loss of shipping the treatment (gbstats's `risk[1]`): "the risk".
    pub risk: f64,
    /// Posterior mean.
    pub mean: f64,
    /// Posterior standard deviation.
    pub std_dev: f64,
    /// Lower end of the 1 − α credible interval.
    pub ci_low: f64,
    /// Upper end of the 1 − α credible interval.
    pub ci_high: f64,
}

/// Chance to win and risk under the flat Gaussian prior.
///
/// Errors: a standard error that is not a positive number (an effect without variance),
/// a non-finite estimate, α outside (0, 1).
pub fn bayesian_effect(params: &BayesianParams) -> Result<BayesianReport, ExperimentError> {
    check_alpha(params.alpha)?;
    let (mu, sigma) = (params.estimate, params.standard_error);
    if !mu.is_finite() {
        return Err(ExperimentError::NonFinite {
            what: "effect estimate",
            index: 0,
        });
    }
    if !(sigma.is_finite() && sigma > 0.0) {
        return Err(ExperimentError::ZeroVariance {
            arm: "the effect estimate".to_string(),
            what: "metric",
        });
    }
    let d = mu / sigma;
    let up = normal_cdf(d);
    let (risk_ctrl, risk_trt) = if d.abs() > 37.0 {
        (mu.max(0.0), (-mu).max(0.0))
    } else {
        (sigma * normal_loss(-d), sigma * normal_loss(d))
    };
    let (chance_to_win, risk_control, risk) = match params.direction {
        Direction::HigherIsBetter => (up, risk_ctrl, risk_trt),
        Direction::LowerIsBetter => (normal_sf(d), risk_trt, risk_ctrl),
    };
    let z = normal_quantile(1.0 - params.alpha / 2.0);
    Ok(BayesianReport {
        chance_to_win,
        risk_control,
        risk,
        mean: mu,
        std_dev: sigma,
        ci_low: mu - z * sigma,
        ci_high: mu + z * sigma,
    })
}

/// The standard normal loss function L(x) = E[max(Z − x, 0)] = φ(x) − x·Q(x), Q = 1 − Φ.
///
/// For x ≥ 5 the difference cancels, so L(x) = Q(x)·c(x) with the Mills-ratio continued
/// fraction φ(x)/Q(x) − x = c(x) = 1/(x + 2/(x + 3/(x + …))), which has no cancellation.
pub fn normal_loss(x: f64) -> f64 {
    if x < 5.0 {
        return normal_pdf(x) - x * normal_sf(x);
    }
    let mut tail = x;
    for k in (2..=400).rev() {
        tail = x + f64::from(k) / tail;
    }
    normal_sf(x) / tail
}

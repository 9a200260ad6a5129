//! Frequentist effects of a treatment arm against the control, exactly as gbstats's
//! `TwoSidedTTest` (packages/stats/gbstats/frequentist/tests.py on GitHub main) computes them.
//!
//! With control a and treatment b, means x̄ and variances s² (see [`ArmSummary::variance`]):
//! - absolute difference Δ = x̄_b − x̄_a, Var(Δ) = s²_b/n_b + s²_a/n_a;
//! - relative lift L = (x̄_b − x̄_a)/|x̄_a| with the delta-method variance
//!   Var(L) = (s²_b/n_b)/x̄_a² + (s²_a/n_a)·x̄_b²/x̄_a⁴ (gbstats's `variance_of_ratios` with
//!   covariance 0);
//! - Welch–Satterthwaite degrees of freedom from the per-unit variances,
//!   ν = (s²_b/n_b + s²_a/n_a)² / (s⁴_b/(n_b²(n_b − 1)) + s⁴_a/(n_a²(n_a − 1))), the same ν for
//!   both tests (gbstats's `TTest.dof`);
//! - interval estimate ± t_{1−α/2, ν}·se and two-sided p = 2·P(T_ν > |estimate/se|). gbstats
//!   writes 2·(1 − cdf), which underflows to 0; the survival function used here keeps tiny
//!   p-values and equals gbstats wherever its value is representable.
//!
//! GrowthBook's default test is the relative one, so [`EffectReport::p_value`] is the relative
//! p-value. For proportions the pooled two-proportion z-test (`statsmodels.stats.proportion.
//! proportions_ztest([x_b, x_a], [n_b, n_a])`) is reported beside it:
//! p̂ = (x_a + x_b)/(n_a + n_b), z = (p_b − p_a)/√(p̂(1 − p̂)(1/n_a + 1/n_b)), p = 2·P(Z > |z|).

use serde::Serialize;

use super::dist::{normal_sf, t_sf, t_upper_quantile};
use super::error::{ExperimentError, check_unit_open};
use super::moments::{ArmMoments, ArmSummary, Direction, MetricKind};

/// Input of [`frequentist_effect`].
#[derive(Debug, Clone, PartialEq)]
pub struct EffectParams {
    /// The control arm.
    pub control: ArmSummary,
    /// The treatment arm.
    pub treatment: ArmSummary,
    /// Two-sided level; the intervals are 1 − α (0.05 gives 95 %).
    pub alpha: f64,
    /// Which way is good for this metric.
    pub direction: Direction,
}

/// An effect estimate with its standard error, 1 − α interval and two-sided p-value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Estimate {
    /// Point estimate (an absolute difference, or a relative lift as a fraction: 0.05 = +5 %).
    pub estimate: f64,
    /// Its standard error.
    pub standard_error: f64,
    /// Lower end of the interval.
    pub ci_low: f64,
    /// Upper end of the interval.
    pub ci_high: f64,
    /// Two-sided p-value against 0.
    pub p_value: f64,
}

/// Significance verdict that respects the metric's direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Significant and in the good direction.
    Better,
    /// Significant and in the bad direction.
    Worse,
    /// Not significant at α.
    Inconclusive,
}

impl Verdict {
    /// `p < alpha` decides significance; the sign of the estimate and the direction decide
    /// which way.
    pub fn from_test(estimate: f64, p_value: f64, alpha: f64, direction: Direction) -> Self {
        if p_value.is_nan() || p_value >= alpha || estimate == 0.0 {
            return Verdict::Inconclusive;
        }
        let up = estimate > 0.0;
        match (up, direction) {
            (true, Direction::HigherIsBetter) | (false, Direction::LowerIsBetter) => {
                Verdict::Better
            }
            _ => Verdict::Worse,
        }
    }
}

/// Result of [`frequentist_effect`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EffectReport {
    /// Metric kind (both arms).
    pub kind: MetricKind,
    /// Control n, mean, variance.
    pub control: ArmMoments,
    /// Treatment n, mean, variance.
    pub treatment: ArmMoments,
    /// Absolute difference x̄_b − x̄_a (metric units).
    pub absolute: Estimate,
    /// Relative lift (x̄_b − x̄_a)/|x̄_a| (fraction).
    pub relative: Estimate,
    /// The relative test's p-value (GrowthBook's default).
    pub p_value: f64,
    /// Pooled two-proportion z-test p-value (proportions only).
    pub z_test_p_value: Option<f64>,
    /// Welch–Satterthwaite degrees of freedom.
    pub df: f64,
    /// Verdict from the relative test.
    pub verdict: Verdict,
}

/// Welch–Satterthwaite degrees of freedom from per-unit variances (gbstats's `TTest.dof`).
pub fn welch_df(var_a: f64, n_a: f64, var_b: f64, n_b: f64) -> f64 {
    (var_b / n_b + var_a / n_a).powi(2)
        / (var_b.powi(2) / (n_b.powi(2) * (n_b - 1.0))
            + var_a.powi(2) / (n_a.powi(2) * (n_a - 1.0)))
}

/// Variance of M/D by the delta method (gbstats's `variance_of_ratios`):
/// var_m/μ_d² + var_d·μ_m²/μ_d⁴ − 2·cov·μ_m/μ_d³ (0 when μ_d = 0, as gbstats).
pub fn variance_of_ratios(mean_m: f64, var_m: f64, mean_d: f64, var_d: f64, cov: f64) -> f64 {
    if mean_d == 0.0 {
        return 0.0;
    }
    var_m / mean_d.powi(2) + var_d * mean_m.powi(2) / mean_d.powi(4)
        - 2.0 * cov * mean_m / mean_d.powi(3)
}

/// Two-sided Student-t test of `estimate` (with variance `variance`) against 0 at ν = `df`.
pub fn t_estimate(estimate: f64, variance: f64, df: f64, alpha: f64) -> Estimate {
    let se = variance.sqrt();
    let half = t_upper_quantile(alpha / 2.0, df) * se;
    Estimate {
        estimate,
        standard_error: se,
        ci_low: estimate - half,
        ci_high: estimate + half,
        p_value: (2.0 * t_sf((estimate / se).abs(), df)).min(1.0),
    }
}

/// Pooled two-proportion z-test p-value (`statsmodels proportions_ztest`, two-sided).
pub fn pooled_z_test_p_value(control: &ArmSummary, treatment: &ArmSummary) -> f64 {
    let (na, nb) = (control.n as f64, treatment.n as f64);
    let pooled = (control.sum + treatment.sum) / (na + nb);
    let se = (pooled * (1.0 - pooled) * (1.0 / na + 1.0 / nb)).sqrt();
    let z = (treatment.mean() - control.mean()) / se;
    (2.0 * normal_sf(z.abs())).min(1.0)
}

/// Checks α for a two-sided interval.
pub(crate) fn check_alpha(alpha: f64) -> Result<(), ExperimentError> {
    check_unit_open("alpha", alpha)
}

/// The absolute and relative effects of the treatment against the control, as gbstats's
/// frequentist engine with `TwoSidedTTest`.
///
/// Errors: an arm with n < 2 or variance 0 (gbstats's "zero or negative variance"), a control
/// mean of 0 (gbstats's "baseline variation zero"), α outside (0, 1).
pub fn frequentist_effect(params: &EffectParams) -> Result<EffectReport, ExperimentError> {
    check_alpha(params.alpha)?;
    let (a, b) = (&params.control, &params.treatment);
    a.check_testable("control")?;
    b.check_testable("treatment")?;
    let (ma, mb) = (a.mean(), b.mean());
    if ma == 0.0 {
        return Err(ExperimentError::ZeroBaseline);
    }
    let (va, vb) = (a.variance(), b.variance());
    let (na, nb) = (a.n as f64, b.n as f64);
    let df = welch_df(va, na, vb, nb);
    let absolute = t_estimate(mb - ma, vb / nb + va / na, df, params.alpha);
    let relative = t_estimate(
        (mb - ma) / ma.abs(),
        variance_of_ratios(mb, vb / nb, ma, va / na, 0.0),
        df,
        params.alpha,
    );
    let z_test_p_value = (a.kind == MetricKind::Proportion && b.kind == MetricKind::Proportion)
        .then(|| pooled_z_test_p_value(a, b));
    Ok(EffectReport {
        kind: a.kind,
        control: a.moments(),
        treatment: b.moments(),
        absolute,
        relative,
        p_value: relative.p_value,
        z_test_p_value,
        df,
        verdict: Verdict::from_test(
            relative.estimate,
            relative.p_value,
            params.alpha,
            params.direction,
        ),
    })
}

//! CUPED: variance reduction by regression on a pre-experiment covariate, as gbstats's
//! `RegressionAdjustedStatistic` with the theta of `compute_theta` and the relative variance of
//! `frequentist_variance_relative_cuped` (packages/stats/gbstats/models on GitHub main).
//!
//! Per arm, with post metric y and pre covariate x: the covariance
//! c = (Σxy − Σx·Σy/n)/(n − 1) for means, c = Σxy/n − Σx·Σy/n² when both are proportions
//! (gbstats's `compute_covariance`). θ is pooled over control and treatment:
//! θ = c_pooled / s²_x,pooled, from the summed n, Σx, Σx², Σy, Σy², Σxy. Each arm's adjusted
//! mean is ȳ − θ·x̄ and its adjusted per-unit variance s²_y + θ²·s²_x − 2θ·c.
//! - absolute: Δ = adj_b − adj_a, Var(Δ) = v_b/n_b + v_a/n_a with the adjusted variances;
//! - relative: L = (adj_b − adj_a)/|ȳ_a| with gbstats's variance
//!   Var(L) = (s²_yb + θ²s²_xb − 2θc_b)/(n_b ȳ_a²)
//!   \+ (s²_ya·ȳ_b²/ȳ_a² − 2θ·c_a·ȳ_b/ȳ_a + θ²s²_xa)/(n_a ȳ_a²);
//! - Welch ν from the adjusted per-unit variances; intervals and p-values as the unadjusted
//!   test ([`super::frequentist`]).
//!
//! The variance reduction achieved is 1 − Var_CUPED/Var_unadjusted of the estimate (absolute
//! and relative reported separately); 0.3 means the interval's squared width shrank by 30 %.

use serde::Serialize;

use super::error::ExperimentError;
use super::frequentist::{
    EffectParams, EffectReport, Estimate, Verdict, check_alpha, frequentist_effect, t_estimate,
    welch_df,
};
use super::moments::{ArmSummary, Direction, MetricKind};

/// One arm's sufficient statistics for a metric and its pre-experiment covariate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CupedArm {
    /// The metric during the experiment (y).
    pub post: ArmSummary,
    /// The covariate before it (x), of the same kind as the metric (gbstats requires this).
    pub pre: ArmSummary,
    /// Σ x·y.
    pub sum_products: f64,
}

impl CupedArm {
    /// Summarises paired per-unit values (post metric, pre covariate); both of `kind`.
    pub fn from_values(
        post: &[f64],
        pre: &[f64],
        kind: MetricKind,
    ) -> Result<Self, ExperimentError> {
        if post.len() != pre.len() {
            return Err(ExperimentError::LengthMismatch {
                what: "metric and covariate",
                left: post.len(),
                right: pre.len(),
            });
        }
        let post_summary = ArmSummary::from_values(post, kind)?;
        let pre_summary = ArmSummary::from_values(pre, kind).map_err(|e| match e {
            ExperimentError::NonFinite { index, .. } => ExperimentError::NonFinite {
                what: "covariate",
                index,
            },
            other => other,
        })?;
        Ok(Self {
            post: post_summary,
            pre: pre_summary,
            sum_products: post.iter().zip(pre).map(|(y, x)| y * x).sum(),
        })
    }

    fn n(&self) -> f64 {
        self.post.n as f64
    }

    /// gbstats's `compute_covariance` of post and pre.
    pub fn covariance(&self) -> f64 {
        covariance(&self.post, &self.pre, self.sum_products)
    }

    /// Adjusted mean ȳ − θ·x̄.
    pub fn adjusted_mean(&self, theta: f64) -> f64 {
        self.post.mean() - theta * self.pre.mean()
    }

    /// Adjusted per-unit variance s²_y + θ²·s²_x − 2θ·c (0 when n ≤ 1, as gbstats).
    pub fn adjusted_variance(&self, theta: f64) -> f64 {
        if self.post.n <= 1 {
            return 0.0;
        }
        self.post.variance() + theta * theta * self.pre.variance() - 2.0 * theta * self.covariance()
    }
}

fn covariance(post: &ArmSummary, pre: &ArmSummary, sum_products: f64) -> f64 {
    if post.n <= 1 {
        return 0.0;
    }
    let n = post.n as f64;
    if post.kind == MetricKind::Proportion && pre.kind == MetricKind::Proportion {
        sum_products / n - post.sum * pre.sum / (n * n)
    } else {
        (sum_products - post.sum * pre.sum / n) / (n - 1.0)
    }
}

fn add(a: &ArmSummary, b: &ArmSummary) -> ArmSummary {
    ArmSummary {
        kind: a.kind,
        n: a.n + b.n,
        sum: a.sum + b.sum,
        sum_squares: a.sum_squares + b.sum_squares,
    }
}

/// θ from the pooled sums of control and treatment (gbstats's `compute_theta`); `None` when
/// the pooled metric or covariate has variance 0 (gbstats then falls back to no adjustment).
pub fn compute_theta(control: &CupedArm, treatment: &CupedArm) -> Option<f64> {
    let post = add(&control.post, &treatment.post);
    let pre = add(&control.pre, &treatment.pre);
    if pre.variance() == 0.0 || post.variance() == 0.0 {
        return None;
    }
    Some(covariance(&post, &pre, control.sum_products + treatment.sum_products) / pre.variance())
}

/// Input of [`cuped_effect`].
#[derive(Debug, Clone, PartialEq)]
pub struct CupedParams {
    /// The control arm.
    pub control: CupedArm,
    /// The treatment arm.
    pub treatment: CupedArm,
    /// Two-sided level.
    pub alpha: f64,
    /// Which way is good for this metric.
    pub direction: Direction,
}

/// Result of [`cuped_effect`]: the adjusted effect beside the unadjusted one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CupedReport {
    /// Pooled regression coefficient of the metric on the covariate.
    pub theta: f64,
    /// Control's adjusted mean ȳ_a − θ·x̄_a.
    pub control_adjusted_mean: f64,
    /// Treatment's adjusted mean ȳ_b − θ·x̄_b.
    pub treatment_adjusted_mean: f64,
    /// Adjusted absolute difference.
    pub absolute: Estimate,
    /// Adjusted relative lift (divided by the unadjusted control mean).
    pub relative: Estimate,
    /// The adjusted relative test's p-value.
    pub p_value: f64,
    /// Welch ν from the adjusted variances.
    pub df: f64,
    /// 1 − Var_CUPED(Δ)/Var(Δ) of the absolute difference.
    pub variance_reduction: f64,
    /// 1 − Var_CUPED(L)/Var(L) of the relative lift.
    pub variance_reduction_relative: f64,
    /// Verdict from the adjusted relative test.
    pub verdict: Verdict,
    /// The same metric without adjustment.
    pub unadjusted: EffectReport,
}

/// gbstats's `frequentist_variance_relative_cuped`.
fn variance_relative_cuped(a: &CupedArm, b: &CupedArm, theta: f64) -> f64 {
    let ua = a.post.mean();
    let den_trt = b.n() * ua * ua;
    let den_ctrl = a.n() * ua * ua;
    if den_trt == 0.0 || den_ctrl == 0.0 {
        return 0.0;
    }
    let num_trt =
        b.post.variance() + theta * theta * b.pre.variance() - 2.0 * theta * b.covariance();
    let v_trt = num_trt / den_trt;
    let c = -b.post.mean();
    let num_a = a.post.variance() * c * c / (ua * ua);
    let num_b = 2.0 * theta * a.covariance() * c / ua;
    let num_c = theta * theta * a.pre.variance();
    v_trt + (num_a + num_b + num_c) / den_ctrl
}

/// The CUPED-adjusted effect, as gbstats's `TwoSidedTTest` on `RegressionAdjustedStatistic`s.
///
/// Errors: those of the unadjusted test; a covariate constant over both arms (variance 0, so
/// there is nothing to regress on); an adjusted variance of 0.
pub fn cuped_effect(params: &CupedParams) -> Result<CupedReport, ExperimentError> {
    check_alpha(params.alpha)?;
    let (a, b) = (&params.control, &params.treatment);
    if a.post.n != a.pre.n || b.post.n != b.pre.n {
        return Err(ExperimentError::LengthMismatch {
            what: "metric and covariate units",
            left: a.post.n.min(b.post.n) as usize,
            right: a.pre.n.min(b.pre.n) as usize,
        });
    }
    let unadjusted = frequentist_effect(&EffectParams {
        control: a.post,
        treatment: b.post,
        alpha: params.alpha,
        direction: params.direction,
    })?;
    let theta = compute_theta(a, b).ok_or_else(|| ExperimentError::ZeroVariance {
        arm: "control and treatment together".to_string(),
        what: "covariate",
    })?;
    let (va, vb) = (a.adjusted_variance(theta), b.adjusted_variance(theta));
    for (v, arm) in [(va, "control"), (vb, "treatment")] {
        if v.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
            return Err(ExperimentError::ZeroVariance {
                arm: arm.to_string(),
                what: "CUPED-adjusted metric",
            });
        }
    }
    let (ma, mb) = (a.adjusted_mean(theta), b.adjusted_mean(theta));
    if ma == 0.0 {
        return Err(ExperimentError::ZeroBaseline);
    }
    let (na, nb) = (a.n(), b.n());
    let df = welch_df(va, na, vb, nb);
    let absolute = t_estimate(mb - ma, vb / nb + va / na, df, params.alpha);
    let relative_variance = variance_relative_cuped(a, b, theta);
    if relative_variance.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
        return Err(ExperimentError::ZeroVariance {
            arm: "the relative estimate".to_string(),
            what: "CUPED-adjusted metric",
        });
    }
    let relative = t_estimate(
        (mb - ma) / a.post.mean().abs(),
        relative_variance,
        df,
        params.alpha,
    );
    let reduction =
        |adj: &Estimate, raw: &Estimate| 1.0 - (adj.standard_error / raw.standard_error).powi(2);
    Ok(CupedReport {
        theta,
        control_adjusted_mean: ma,
        treatment_adjusted_mean: mb,
        absolute,
        relative,
        p_value: relative.p_value,
        df,
        variance_reduction: reduction(&absolute, &unadjusted.absolute),
        variance_reduction_relative: reduction(&relative, &unadjusted.relative),
        verdict: Verdict::from_test(
            relative.estimate,
            relative.p_value,
            params.alpha,
            params.direction,
        ),
        unadjusted,
    })
}

//! Post-stratified effects, exactly as gbstats's `EffectMomentsPostStratification` (GitHub main,
//! packages/stats/gbstats/models/tests.py: `CreateStrataResult`, "Algorithm 1", per cell and
//! `PostStratificationSummary`, "Algorithm 4", across cells) computes them for count metrics.
//!
//! The units fall into K strata (cells) in which the treatment share may differ — the steps of a
//! gradual rollout. Pooling them would compare a treatment arm drawn mostly from late strata with
//! a control drawn mostly from early ones (Simpson's paradox); post-stratification compares the
//! arms inside each stratum and weights the strata by their share of the units instead.
//!
//! With n_k units in cell k (both arms), N = Σ n_k, ν_k = n_k/N, the control mean ȳ_a,k and the
//! difference Δ_k = ȳ_b,k − ȳ_a,k, and the per-unit variances v_a,k, v_b,k of [`ArmSummary`]:
//! - the cell's moments α_k = (ȳ_a,k, Δ_k) with covariance (scaled by n_k)
//!   C_k = n_k·[[v_a/n_a, −v_a/n_a], [−v_a/n_a, v_b/n_b + v_a/n_a]];
//! - the stratified moments m = Σ ν_k α_k, with covariance
//!   Σ = A·(diag ν − ν νᵀ)·Aᵀ/N + Σ_k ν_k C_k/N, where A holds the α_k as columns (the first
//!   term is the multinomial variance of the weights, gbstats's
//!   `covariance_of_multinomial_weighted_means`);
//! - the absolute effect m₁ with gradient ∇ = (0, 1), or the relative effect m₁/|m₀| with
//!   ∇ = (−m₁/m₀², 1/m₀); its variance is ∇ᵀ Σ ∇.
//!
//! One deliberate difference: gbstats merges a cell in which either arm has zero variance (an
//! arm with no units, or a constant metric) into the largest cell before it computes. That
//! merge pools two strata of different treatment shares, which is the very bias stratification
//! exists to remove, so [`post_stratified`] refuses such a cell by name and the caller leaves it
//! out (and says so). On inputs where every cell is viable the two are the same computation.

use serde::{Deserialize, Serialize};

use super::error::ExperimentError;
use super::frequentist::{Estimate, check_alpha, t_estimate, welch_df};
use super::moments::{ArmSummary, MetricKind};

/// One stratum: both arms' sufficient statistics for one metric.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Stratum {
    /// The control arm in this stratum.
    pub control: ArmSummary,
    /// The treatment arm in this stratum.
    pub treatment: ArmSummary,
}

impl Stratum {
    /// Units in both arms.
    pub fn n(&self) -> u64 {
        self.control.n + self.treatment.n
    }

    /// Whether gbstats would analyse this cell on its own: both arms have a positive variance
    /// (which also needs n ≥ 2 for a mean and n ≥ 1 for a proportion).
    pub fn is_viable(&self) -> bool {
        self.control.variance() > 0.0 && self.treatment.variance() > 0.0
    }
}

/// Which difference the effect is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Difference {
    /// (treatment − control)/|control| — GrowthBook's default.
    #[default]
    Relative,
    /// treatment − control, in the metric's units.
    Absolute,
}

/// Result of [`post_stratified`]: gbstats's `EffectMomentsResult` with the moments behind it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct StratifiedMoments {
    /// The stratified control mean m₀ = Σ ν_k ȳ_a,k.
    pub control_mean: f64,
    /// The stratified treatment mean m₀ + m₁.
    pub treatment_mean: f64,
    /// The effect (relative as a fraction, or absolute).
    pub estimate: f64,
    /// Its standard error.
    pub standard_error: f64,
    /// Units in every stratum and arm together (gbstats's `pairwise_sample_size`).
    pub n: u64,
    /// Strata used.
    pub strata: usize,
}

/// The kind of an arm summed over the strata, as gbstats's `sum_stats` makes it: adding two
/// `ProportionStatistic`s gives a `SampleMeanStatistic`, whose variance is the sample variance
/// (ddof 1) instead of p(1 − p); one stratum is not summed and keeps its kind. It matters for
/// the Welch degrees of freedom of [`post_stratified_test`] and the zero-variance check.
fn summed_kind(strata: &[Stratum]) -> MetricKind {
    match strata {
        [one] => one.control.kind,
        _ => MetricKind::Mean,
    }
}

/// The post-stratified effect of the treatment over `strata` (gbstats's
/// `EffectMomentsPostStratification(stats, EffectMomentsConfig(difference_type))`).
///
/// Errors: no strata; mixed metric kinds; an arm constant over all strata together (gbstats's
/// ZERO_NEGATIVE_VARIANCE) or a cell that is not viable (see the module documentation); a
/// stratified control mean of 0 (gbstats's BASELINE_VARIATION_ZERO, for both differences).
pub fn post_stratified(
    strata: &[Stratum],
    difference: Difference,
) -> Result<StratifiedMoments, ExperimentError> {
    let Some(first) = strata.first() else {
        return Err(ExperimentError::NoUnits {
            arm: "every stratum".to_string(),
        });
    };
    let kind = first.control.kind;
    let total_kind = summed_kind(strata);
    if strata
        .iter()
        .any(|s| s.control.kind != kind || s.treatment.kind != kind)
    {
        return Err(ExperimentError::InvalidSplit {
            reason: "the strata mix proportion and mean summaries of one metric".to_string(),
        });
    }
    // gbstats first checks the arms summed over every cell.
    let sum = |pick: fn(&Stratum) -> ArmSummary| {
        strata.iter().fold(
            ArmSummary {
                kind: total_kind,
                n: 0,
                sum: 0.0,
                sum_squares: 0.0,
            },
            |acc, s| {
                let a = pick(s);
                ArmSummary {
                    kind: total_kind,
                    n: acc.n + a.n,
                    sum: acc.sum + a.sum,
                    sum_squares: acc.sum_squares + a.sum_squares,
                }
            },
        )
    };
    let (all_a, all_b) = (sum(|s| s.control), sum(|s| s.treatment));
    for (arm, s) in [("control", all_a), ("treatment", all_b)] {
        if s.variance().partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
            return Err(ExperimentError::ZeroVariance {
                arm: format!("the {arm} arm over all strata"),
                what: "metric",
            });
        }
    }
    if all_a.mean() == 0.0 {
        return Err(ExperimentError::ZeroBaseline);
    }
    if let Some(k) = strata.iter().position(|s| !s.is_viable()) {
        let s = &strata[k];
        let (name, a) = if s.control.variance() > 0.0 {
            ("treatment", s.treatment)
        } else {
            ("control", s.control)
        };
        let arm = format!("the {name} arm of stratum {}", k + 1);
        return Err(if a.n == 0 {
            ExperimentError::NoUnits { arm }
        } else {
            ExperimentError::ZeroVariance {
                arm,
                what: "metric",
            }
        });
    }

    let n_total: u64 = strata.iter().map(Stratum::n).sum();
    let nt = n_total as f64;
    // Per cell: ν, α = (control mean, effect) and C (scaled by the cell's n).
    let cells: Vec<(f64, [f64; 2], [[f64; 2]; 2])> = strata
        .iter()
        .map(|s| {
            let nk = s.n() as f64;
            let (na, nb) = (s.control.n as f64, s.treatment.n as f64);
            let (ma, mb) = (s.control.mean(), s.treatment.mean());
            let (va, vb) = (s.control.variance(), s.treatment.variance());
            let ca = nk * va / na;
            let cb = nk * vb / nb;
            (nk / nt, [ma, mb - ma], [[ca, -ca], [-ca, cb + ca]])
        })
        .collect();
    let mut m = [0.0; 2];
    for (nu, alpha, _) in &cells {
        m[0] += nu * alpha[0];
        m[1] += nu * alpha[1];
    }
    // Σ = A·(diag ν − ν νᵀ)·Aᵀ/N + Σ ν_k C_k/N.
    let mut cov = [[0.0; 2]; 2];
    for i in 0..2 {
        for j in 0..2 {
            let mut part1 = 0.0;
            for (k, (nu_k, a_k, _)) in cells.iter().enumerate() {
                for (l, (nu_l, a_l, _)) in cells.iter().enumerate() {
                    let w = if k == l {
                        nu_k - nu_k * nu_l
                    } else {
                        -nu_k * nu_l
                    };
                    part1 += a_k[i] * w * a_l[j];
                }
            }
            let part2: f64 = cells.iter().map(|(nu, _, c)| nu * c[i][j]).sum();
            cov[i][j] = part1 / nt + part2 / nt;
        }
    }
    let (estimate, nabla) = match difference {
        Difference::Relative => (m[1] / m[0].abs(), [-m[1] / (m[0] * m[0]), 1.0 / m[0]]),
        Difference::Absolute => (m[1], [0.0, 1.0]),
    };
    let variance = nabla[0] * (cov[0][0] * nabla[0] + cov[0][1] * nabla[1])
        + nabla[1] * (cov[1][0] * nabla[0] + cov[1][1] * nabla[1]);
    if variance.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
        return Err(ExperimentError::ZeroVariance {
            arm: "the stratified effect".to_string(),
            what: "metric",
        });
    }
    Ok(StratifiedMoments {
        control_mean: m[0],
        treatment_mean: m[0] + m[1],
        estimate,
        standard_error: variance.sqrt(),
        n: n_total,
        strata: strata.len(),
    })
}

/// The fixed-horizon two-sided test of a post-stratified effect, as gbstats's
/// `TwoSidedTTest(strata, FrequentistConfig(post_stratify=True))`: the interval
/// estimate ± t_{1−α/2, ν}·se and p = 2·P(T_ν > |estimate/se|), where ν is the Welch
/// degrees of freedom of the arms summed over the strata (gbstats's `TTest.dof` reads the
/// summed statistics).
pub fn post_stratified_test(
    strata: &[Stratum],
    difference: Difference,
    alpha: f64,
) -> Result<(StratifiedMoments, Estimate), ExperimentError> {
    check_alpha(alpha)?;
    let moments = post_stratified(strata, difference)?;
    let summed = |pick: fn(&Stratum) -> &ArmSummary| {
        let n: u64 = strata.iter().map(|s| pick(s).n).sum();
        let sum: f64 = strata.iter().map(|s| pick(s).sum).sum();
        let sum_squares: f64 = strata.iter().map(|s| pick(s).sum_squares).sum();
        ArmSummary {
            kind: summed_kind(strata),
            n,
            sum,
            sum_squares,
        }
    };
    let (a, b) = (summed(|s| &s.control), summed(|s| &s.treatment));
    let df = welch_df(a.variance(), a.n as f64, b.variance(), b.n as f64);
    let test = t_estimate(moments.estimate, moments.standard_error.powi(2), df, alpha);
    Ok((moments, test))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arm(values: &[f64], kind: MetricKind) -> ArmSummary {
        ArmSummary::from_values(values, kind).expect("finite")
    }

    #[test]
    fn one_stratum_is_the_plain_delta_method() {
        let a = arm(&[1.0, 2.0, 4.0, 3.0, 5.0], MetricKind::Mean);
        let b = arm(&[2.0, 3.0, 6.0, 4.0], MetricKind::Mean);
        let s = post_stratified(
            &[Stratum {
                control: a,
                treatment: b,
            }],
            Difference::Relative,
        )
        .expect("viable");
        let (ma, mb) = (a.mean(), b.mean());
        let var = super::super::frequentist::variance_of_ratios(
            mb,
            b.variance() / b.n as f64,
            ma,
            a.variance() / a.n as f64,
            0.0,
        );
        assert!((s.estimate - (mb - ma) / ma).abs() < 1e-15);
        assert!((s.standard_error - var.sqrt()).abs() < 1e-14);
        assert_eq!(s.n, 9);
    }

    #[test]
    fn strata_are_not_pooled() {
        // Simpson's paradox: in each stratum the treatment is 10 % better, but it sits mostly
        // in the low-baseline stratum, so pooling the arms would show it worse.
        let a1 = arm(
            &[10.0, 11.0, 9.0, 10.0, 10.5, 9.5, 10.0, 10.0],
            MetricKind::Mean,
        );
        let b1 = arm(&[11.0, 12.1, 9.9], MetricKind::Mean);
        let a2 = arm(&[1.0, 1.1, 0.9], MetricKind::Mean);
        let b2 = arm(
            &[1.1, 1.21, 0.99, 1.1, 1.155, 1.045, 1.1, 1.1],
            MetricKind::Mean,
        );
        let strata = [
            Stratum {
                control: a1,
                treatment: b1,
            },
            Stratum {
                control: a2,
                treatment: b2,
            },
        ];
        let s = post_stratified(&strata, Difference::Relative).expect("viable");
        assert!(s.estimate > 0.0, "{s:?}");
        let pooled_a = (a1.sum + a2.sum) / (a1.n + a2.n) as f64;
        let pooled_b = (b1.sum + b2.sum) / (b1.n + b2.n) as f64;
        assert!(pooled_b < pooled_a);
    }

    #[test]
    fn a_cell_without_control_is_refused_by_name() {
        let a = arm(&[1.0, 2.0, 3.0], MetricKind::Mean);
        let b = arm(&[2.0, 3.0, 4.0], MetricKind::Mean);
        let none = arm(&[], MetricKind::Mean);
        let e = post_stratified(
            &[
                Stratum {
                    control: a,
                    treatment: b,
                },
                Stratum {
                    control: none,
                    treatment: b,
                },
            ],
            Difference::Absolute,
        )
        .expect_err("not viable");
        assert!(e.to_string().contains("control arm of stratum 2"), "{e}");
        assert!(post_stratified(&[], Difference::Absolute).is_err());
    }
}

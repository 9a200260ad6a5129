//! The whole analysis of one experiment: the sample-ratio check first, then for every metric
//! and every treatment arm against the control the frequentist effect, CUPED when a covariate
//! is given, the Bayesian chance to win and risk, the always-valid interval when asked, and the
//! multiple-testing correction over all of them. A metric that cannot be tested (constant, an
//! empty arm…) carries its error sentence and the others are still analysed.
//!
//! The headline of each result is the CUPED-adjusted relative test when a covariate is given,
//! else the unadjusted relative test (GrowthBook's default). Its p-value is the one the
//! correction adjusts; the verdict is taken from the adjusted p-value, in the metric's
//! direction; the Bayesian and sequential numbers are computed on the headline estimate.

use serde::Serialize;

use super::bayesian::{BayesianParams, bayesian_effect};
use super::cuped::{CupedArm, CupedParams, CupedReport, cuped_effect};
use super::error::ExperimentError;
use super::frequentist::{EffectParams, EffectReport, Estimate, Verdict, frequentist_effect};
use super::moments::{ArmSummary, Direction, MetricKind};
use super::multiple::{Correction, MultipleTestingParams, adjust_p_values};
use super::sequential::{SequentialParams, SequentialReport, sequential_interval};
use super::srm::{SrmParams, SrmReport, sample_ratio_mismatch};

/// One metric's per-arm statistics, in the order of [`ExperimentParams::arms`].
#[derive(Debug, Clone, PartialEq)]
pub struct MetricInput {
    /// Column name.
    pub name: String,
    /// Proportion or mean.
    pub kind: MetricKind,
    /// Which way is good.
    pub direction: Direction,
    /// Per-arm statistics.
    pub arms: Vec<ArmSummary>,
    /// Per-arm metric-and-covariate statistics for CUPED, when a covariate is given.
    pub cuped: Option<Vec<CupedArm>>,
}

/// Input of [`analyze_experiment`].
#[derive(Debug, Clone, PartialEq)]
pub struct ExperimentParams {
    /// Arm names.
    pub arms: Vec<String>,
    /// Index of the control in `arms`.
    pub control: usize,
    /// Units per arm (for the SRM test).
    pub units: Vec<u64>,
    /// Planned split (None: equal).
    pub planned: Option<Vec<f64>>,
    /// SRM flag threshold (GrowthBook: 0.001).
    pub srm_threshold: f64,
    /// The metrics.
    pub metrics: Vec<MetricInput>,
    /// Two-sided level.
    pub alpha: f64,
    /// Correction across metrics × treatment arms.
    pub correction: Correction,
    /// Tuning parameter of the always-valid interval; None: no sequential interval.
    pub sequential_tuning: Option<f64>,
}

/// The CUPED part of a result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CupedSummary {
    /// Pooled θ.
    pub theta: f64,
    /// 1 − Var_CUPED/Var of the absolute difference.
    pub variance_reduction: f64,
    /// Adjusted absolute difference.
    pub absolute: Estimate,
    /// Adjusted relative lift.
    pub relative: Estimate,
    /// The adjusted relative test's p-value.
    pub p_value: f64,
    /// Welch ν from the adjusted variances (the headline test's degrees of freedom).
    pub df: f64,
}

/// The analysis of one metric for one treatment arm.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricEffect {
    /// The unadjusted frequentist effect (means, variances, absolute, relative, z-test, ν).
    pub effect: EffectReport,
    /// CUPED, when a covariate was given and usable.
    pub cuped: Option<CupedSummary>,
    /// Why CUPED was not applied although a covariate was given.
    pub cuped_error: Option<String>,
    /// The headline relative lift (CUPED-adjusted if present).
    pub estimate: f64,
    /// The headline p-value (CUPED relative if present, else relative).
    pub p_value: f64,
    /// The headline p-value after the correction.
    pub adjusted_p_value: f64,
    /// P(treatment better), on the headline estimate.
    pub chance_to_win: f64,
    /// Expected loss of shipping the treatment, on the headline estimate.
    pub risk: f64,
    /// The always-valid interval on the headline estimate, when asked.
    pub sequential: Option<SequentialReport>,
    /// Verdict from the adjusted p-value.
    pub verdict: Verdict,
}

/// One row of the results table: metric × treatment arm.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricResult {
    /// Metric name.
    pub metric: String,
    /// Proportion or mean.
    pub kind: MetricKind,
    /// Treatment arm name.
    pub arm: String,
    /// The analysis, when the metric could be tested.
    pub result: Option<MetricEffect>,
    /// Why not, in one sentence.
    pub error: Option<String>,
}

/// Result of [`analyze_experiment`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExperimentReport {
    /// Control arm name.
    pub control: String,
    /// The SRM test.
    pub srm: SrmReport,
    /// False when the SRM test flagged the split: every result is untrustworthy.
    pub trustworthy: bool,
    /// The correction applied.
    pub correction: Correction,
    /// Metric × treatment-arm results.
    pub metrics: Vec<MetricResult>,
}

fn headline(effect: &EffectReport, cuped: Option<&CupedReport>) -> Estimate {
    cuped.map_or(effect.relative, |c| c.relative)
}

/// Analyses an experiment. Errors only for the experiment as a whole (arms and units that do
/// not fit together, a control index out of range, an SRM input error such as one arm or a
/// planned split not summing to 1); per-metric problems become that row's `error`.
pub fn analyze_experiment(params: &ExperimentParams) -> Result<ExperimentReport, ExperimentError> {
    let k = params.arms.len();
    if params.units.len() != k {
        return Err(ExperimentError::LengthMismatch {
            what: "arm names and units per arm",
            left: k,
            right: params.units.len(),
        });
    }
    if params.control >= k {
        return Err(ExperimentError::OutOfRange {
            name: "control arm index",
            value: params.control as f64,
            range: "[0, arms)",
        });
    }
    let srm = sample_ratio_mismatch(&SrmParams {
        counts: params.units.clone(),
        planned: params.planned.clone(),
        threshold: params.srm_threshold,
    })?;
    let c = params.control;
    let mut rows: Vec<(MetricResult, Direction, Option<f64>)> = Vec::new();
    for metric in &params.metrics {
        for (arm_index, arm) in params.arms.iter().enumerate() {
            if arm_index == c {
                continue;
            }
            let outcome = analyze_one(metric, c, arm_index, params);
            let p = outcome.as_ref().ok().map(|r| r.p_value);
            let (result, error) = match outcome {
                Ok(r) => (Some(r), None),
                Err(e) => (None, Some(format!("{}: {e}", metric.name))),
            };
            rows.push((
                MetricResult {
                    metric: metric.name.clone(),
                    kind: metric.kind,
                    arm: arm.clone(),
                    result,
                    error,
                },
                metric.direction,
                p,
            ));
        }
    }
    let raw: Vec<f64> = rows.iter().filter_map(|r| r.2).collect();
    if !raw.is_empty() {
        let adjusted = adjust_p_values(&MultipleTestingParams {
            p_values: raw,
            correction: params.correction,
            alpha: params.alpha,
        })?
        .adjusted;
        let mut next = adjusted.into_iter();
        for (row, direction, _) in rows.iter_mut() {
            if let Some(r) = row.result.as_mut() {
                let adj = next.next().unwrap_or(r.p_value);
                r.adjusted_p_value = adj;
                r.verdict = Verdict::from_test(r.estimate, adj, params.alpha, *direction);
            }
        }
    }
    Ok(ExperimentReport {
        control: params.arms[c].clone(),
        trustworthy: !srm.flag,
        srm,
        correction: params.correction,
        metrics: rows.into_iter().map(|r| r.0).collect(),
    })
}

fn arm_of<T: Copy>(v: &[T], i: usize, metric: &str) -> Result<T, ExperimentError> {
    v.get(i).copied().ok_or_else(|| ExperimentError::NoUnits {
        arm: format!("arm {i} of metric {metric}"),
    })
}

fn analyze_one(
    metric: &MetricInput,
    control: usize,
    treatment: usize,
    params: &ExperimentParams,
) -> Result<MetricEffect, ExperimentError> {
    let a = arm_of(&metric.arms, control, &metric.name)?;
    let b = arm_of(&metric.arms, treatment, &metric.name)?;
    let effect = frequentist_effect(&EffectParams {
        control: a,
        treatment: b,
        alpha: params.alpha,
        direction: metric.direction,
    })?;
    let (cuped, cuped_error) = match &metric.cuped {
        None => (None, None),
        Some(arms) => {
            let run = || -> Result<CupedReport, ExperimentError> {
                cuped_effect(&CupedParams {
                    control: arm_of(arms, control, &metric.name)?,
                    treatment: arm_of(arms, treatment, &metric.name)?,
                    alpha: params.alpha,
                    direction: metric.direction,
                })
            };
            match run() {
                Ok(r) => (Some(r), None),
                Err(e) => (None, Some(e.to_string())),
            }
        }
    };
    let head = headline(&effect, cuped.as_ref());
    let bayes = bayesian_effect(&BayesianParams {
        estimate: head.estimate,
        standard_error: head.standard_error,
        alpha: params.alpha,
        direction: metric.direction,
    })?;
    let sequential = match params.sequential_tuning {
        None => None,
        Some(tuning) => Some(sequential_interval(&SequentialParams {
            estimate: head.estimate,
            standard_error: head.standard_error,
            n: a.n + b.n,
            alpha: params.alpha,
            tuning,
        })?),
    };
    Ok(MetricEffect {
        estimate: head.estimate,
        p_value: head.p_value,
        adjusted_p_value: head.p_value,
        chance_to_win: bayes.chance_to_win,
        risk: bayes.risk,
        sequential,
        verdict: Verdict::from_test(head.estimate, head.p_value, params.alpha, metric.direction),
        cuped: cuped.map(|c| CupedSummary {
            theta: c.theta,
            variance_reduction: c.variance_reduction,
            absolute: c.absolute,
            relative: c.relative,
            p_value: c.p_value,
            df: c.df,
        }),
        cuped_error,
        effect,
    })
}

//! Power and duration by the standard normal-approximation formulas for a two-sided test of
//! two independent means with unequal variances (gbstats's power module only computes
//! mid-experiment power from running results, so planning uses these named formulas):
//!
//! - sample per arm n = (z_{1−α/2} + z_{1−β})²·(σ²_a + σ²_b)/Δ², rounded up for planning;
//! - for a proportion with baseline p: σ²_a = p(1 − p), σ²_b = p_b(1 − p_b), p_b = p + Δ;
//!   for a mean: σ_a = σ_b = the given standard deviation;
//! - a relative minimum effect r means Δ = r·|baseline|;
//! - minimum detectable effect at n per arm: Δ = (z_{1−α/2} + z_{1−β})·σ·√(2/n) for a mean; for
//!   a proportion the positive root of Δ²(n/K + 1) − Δ(1 − 2p) − 2p(1 − p) = 0 with
//!   K = (z_{1−α/2} + z_{1−β})², i.e. the Δ that the sample-size formula inverts to n;
//! - duration: total units (n per arm × arms) / daily units, in days; the days still needed
//!   subtract the units already enrolled.

use serde::Serialize;

use super::dist::normal_quantile;
use super::error::{ExperimentError, check_unit_open};

/// The largest sample per arm a plan may ask for.
pub const MAX_PER_ARM: f64 = 1e12;

/// What the baseline describes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Baseline {
    /// A conversion rate p in (0, 1).
    Proportion {
        /// The control rate.
        rate: f64,
    },
    /// A mean with a per-unit standard deviation.
    Mean {
        /// The control mean.
        mean: f64,
        /// Per-unit standard deviation (> 0).
        std_dev: f64,
    },
}

impl Baseline {
    fn level(&self) -> f64 {
        match *self {
            Baseline::Proportion { rate } => rate,
            Baseline::Mean { mean, .. } => mean,
        }
    }

    fn check(&self) -> Result<(), ExperimentError> {
        match *self {
            Baseline::Proportion { rate } => check_unit_open("baseline rate", rate),
            Baseline::Mean { mean, std_dev } => {
                if !mean.is_finite() {
                    return Err(ExperimentError::NonFinite {
                        what: "baseline mean",
                        index: 0,
                    });
                }
                if std_dev.is_finite() && std_dev > 0.0 {
                    Ok(())
                } else {
                    Err(ExperimentError::OutOfRange {
                        name: "standard deviation",
                        value: std_dev,
                        range: "(0, ∞)",
                    })
                }
            }
        }
    }
}

/// Input of [`sample_size`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PowerParams {
    /// Control level and spread.
    pub baseline: Baseline,
    /// Minimum effect to detect (> 0): a fraction of the baseline when `relative`, else in
    /// metric units.
    pub mde: f64,
    /// Whether `mde` is relative.
    pub relative: bool,
    /// Two-sided level.
    pub alpha: f64,
    /// Power 1 − β.
    pub power: f64,
    /// Arms in the experiment (control included, ≥ 2).
    pub arms: u32,
    /// Units entering per day over all arms, for the duration.
    pub daily_units: Option<f64>,
    /// Units already enrolled over all arms (0 when planning), for the days still needed.
    pub enrolled: u64,
}

/// Result of [`sample_size`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PowerReport {
    /// The minimum effect in metric units, Δ.
    pub delta: f64,
    /// The treatment level the test is powered for, baseline + Δ.
    pub treatment_level: f64,
    /// (z_{1−α/2} + z_{1−β})².
    pub z_factor: f64,
    /// Exact (fractional) sample per arm.
    pub per_arm_exact: f64,
    /// Sample per arm, rounded up.
    pub per_arm: u64,
    /// `per_arm` × arms.
    pub total: u64,
    /// total / daily units, when given.
    pub days: Option<f64>,
    /// max(total − enrolled, 0) / daily units: the days still needed at that traffic.
    pub days_remaining: Option<f64>,
}

fn z_factor(alpha: f64, power: f64) -> Result<f64, ExperimentError> {
    check_unit_open("alpha", alpha)?;
    check_unit_open("power", power)?;
    Ok((normal_quantile(1.0 - alpha / 2.0) + normal_quantile(power)).powi(2))
}

/// Sample per arm to detect `mde` at α and power.
///
/// Errors: α or power outside (0, 1), a baseline rate outside (0, 1) or a standard deviation
/// ≤ 0, an effect ≤ 0 (or a relative effect on a zero baseline), a proportion pushed outside
/// (0, 1) by the effect, fewer than two arms, daily units ≤ 0, more than [`MAX_PER_ARM`] units
/// per arm.
pub fn sample_size(params: &PowerParams) -> Result<PowerReport, ExperimentError> {
    params.baseline.check()?;
    let k = z_factor(params.alpha, params.power)?;
    if params.arms < 2 {
        return Err(ExperimentError::TooFewArms {
            found: params.arms as usize,
            needed: 2,
            statistic: "a power calculation",
        });
    }
    if !(params.mde.is_finite() && params.mde > 0.0) {
        return Err(ExperimentError::OutOfRange {
            name: "minimum detectable effect",
            value: params.mde,
            range: "(0, ∞)",
        });
    }
    let level = params.baseline.level();
    let delta = if params.relative {
        params.mde * level.abs()
    } else {
        params.mde
    };
    if delta == 0.0 {
        return Err(ExperimentError::ZeroBaseline);
    }
    let treatment_level = level + delta;
    let variance_sum = match params.baseline {
        Baseline::Proportion { rate } => {
            check_unit_open("treatment rate (baseline + effect)", treatment_level)?;
            rate * (1.0 - rate) + treatment_level * (1.0 - treatment_level)
        }
        Baseline::Mean { std_dev, .. } => 2.0 * std_dev * std_dev,
    };
    let per_arm_exact = k * variance_sum / (delta * delta);
    // Beyond 10¹² per arm the rounding to whole units (and a u64 total) stops meaning anything.
    if per_arm_exact.is_nan() || per_arm_exact > MAX_PER_ARM {
        return Err(ExperimentError::EffectTooSmall {
            delta,
            per_arm: per_arm_exact,
        });
    }
    let per_arm = per_arm_exact.ceil() as u64;
    // 10¹² per arm times 2³² arms would overflow a u64, so the product is checked.
    let total = per_arm
        .checked_mul(u64::from(params.arms))
        .ok_or(ExperimentError::OutOfRange {
            name: "arms",
            value: f64::from(params.arms),
            range: "[2, 2⁶⁴ / the sample per arm)",
        })?;
    let days = match params.daily_units {
        None => None,
        Some(d) if d.is_finite() && d > 0.0 => Some(total as f64 / d),
        Some(d) => {
            return Err(ExperimentError::OutOfRange {
                name: "daily units",
                value: d,
                range: "(0, ∞)",
            });
        }
    };
    Ok(PowerReport {
        delta,
        treatment_level,
        z_factor: k,
        per_arm_exact,
        per_arm,
        total,
        days,
        days_remaining: days
            .and(params.daily_units)
            .map(|d| total.saturating_sub(params.enrolled) as f64 / d),
    })
}

/// Input of [`minimum_detectable_effect`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MdeParams {
    /// Control level and spread.
    pub baseline: Baseline,
    /// Units per arm (≥ 1).
    pub per_arm: f64,
    /// Two-sided level.
    pub alpha: f64,
    /// Power 1 − β.
    pub power: f64,
}

/// Result of [`minimum_detectable_effect`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MdeReport {
    /// Minimum detectable (upward) effect in metric units.
    pub absolute: f64,
    /// The same as a fraction of the baseline (None when the baseline is 0).
    pub relative: Option<f64>,
}

/// The smallest upward effect detectable with `per_arm` units per arm.
///
/// Errors: as [`sample_size`]; `per_arm` not ≥ 1; a proportion so small a sample that the
/// detectable rate would exceed 1.
pub fn minimum_detectable_effect(params: &MdeParams) -> Result<MdeReport, ExperimentError> {
    params.baseline.check()?;
    let k = z_factor(params.alpha, params.power)?;
    let n = params.per_arm;
    if !(n.is_finite() && n >= 1.0) {
        return Err(ExperimentError::OutOfRange {
            name: "units per arm",
            value: n,
            range: "[1, ∞)",
        });
    }
    let absolute = match params.baseline {
        Baseline::Mean { std_dev, .. } => k.sqrt() * std_dev * (2.0 / n).sqrt(),
        Baseline::Proportion { rate: p } => {
            let a = n / k + 1.0;
            let b = 1.0 - 2.0 * p;
            let delta = (b + (b * b + 8.0 * p * (1.0 - p) * a).sqrt()) / (2.0 * a);
            check_unit_open("detectable treatment rate", p + delta)?;
            delta
        }
    };
    let level = params.baseline.level();
    Ok(MdeReport {
        absolute,
        relative: (level != 0.0).then(|| absolute / level.abs()),
    })
}

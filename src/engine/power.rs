//! Planning an experiment: the sample per arm to detect a minimum effect, the minimum effect
//! detectable at the sample already collected, and the days either takes at the observed
//! traffic — `analysis::experiment::power`'s normal formulas, with the settings checked.
//!
//! More than two arms: every treatment is compared with the control at the α given, each arm
//! gets the same sample, and the total is that times the arms. This is GrowthBook's power
//! calculator (`packages/front-end/components/PowerCalculation/stats.ts`: `powerEst` and
//! `findMde` use n / nVariations per arm and α unchanged); statsmodels' `NormalIndPower` knows
//! only two groups. Whoever corrects for several comparisons (Holm, Bonferroni) should plan
//! with the α they will test at.

use serde::{Deserialize, Serialize};

use crate::analysis::experiment::ExperimentError;
use crate::analysis::experiment::power::{
    Baseline, MdeParams, MdeReport, PowerParams, PowerReport, minimum_detectable_effect,
    sample_size,
};
use crate::vocab::{Cancelled, Progress};

/// Arms a plan may have (control included).
pub const ARMS_RANGE: (u32, u32) = (super::ranges::ARMS.lo as u32, super::ranges::ARMS.hi as u32);

/// What the user chose (the command's flags).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PowerSettings {
    /// The control's level: a rate in (0, 1) without `std_dev`, else a mean.
    pub baseline: f64,
    /// Per-unit standard deviation of a mean metric; `None`: the baseline is a proportion.
    pub std_dev: Option<f64>,
    /// The minimum effect to detect (> 0), in metric units or, when `relative`, as a fraction
    /// of the baseline.
    pub mde: f64,
    pub relative: bool,
    /// Two-sided level of each treatment-against-control test.
    pub alpha: f64,
    /// Power 1 − β.
    pub power: f64,
    /// Arms, control included.
    pub arms: u32,
    /// Units entering the experiment per day, over all arms.
    pub daily_units: Option<f64>,
    /// Units per arm already collected: the MDE at that sample, and the days still needed.
    pub units_per_arm: Option<u64>,
}

impl Default for PowerSettings {
    fn default() -> Self {
        Self {
            baseline: 0.1,
            std_dev: None,
            mde: 0.05,
            relative: true,
            alpha: 0.05,
            power: 0.8,
            arms: 2,
            daily_units: None,
            units_per_arm: None,
        }
    }
}

/// Why a plan could not be made, in one sentence.
#[derive(Debug, thiserror::Error)]
pub enum PowerError {
    #[error("a power calculation needs {min} to {max} arms, not {arms}")]
    Arms { arms: u32, min: u32, max: u32 },
    #[error("{0}")]
    Invalid(#[from] ExperimentError),
    #[error("the power calculation was cancelled")]
    Cancelled,
}

impl From<Cancelled> for PowerError {
    fn from(_: Cancelled) -> Self {
        Self::Cancelled
    }
}

/// Everything the plan's presenters read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PowerOutcome {
    pub baseline: Baseline,
    /// The minimum effect as given.
    pub mde: f64,
    pub relative: bool,
    pub alpha: f64,
    pub power: f64,
    pub arms: u32,
    /// The level each treatment is tested at: α, not split among the comparisons.
    pub alpha_per_comparison: f64,
    /// Sample per arm, total, the days at `daily_units`, and the days still needed after
    /// `units_per_arm`.
    pub sample: PowerReport,
    pub daily_units: Option<f64>,
    pub units_per_arm: Option<u64>,
    /// The minimum detectable effect at `units_per_arm` per arm.
    pub mde_at_units: Option<MdeReport>,
}

/// Plan an experiment with `settings`.
pub fn run(settings: &PowerSettings, progress: &Progress) -> Result<PowerOutcome, PowerError> {
    progress.check()?;
    let (min, max) = ARMS_RANGE;
    if !(min..=max).contains(&settings.arms) {
        return Err(PowerError::Arms {
            arms: settings.arms,
            min,
            max,
        });
    }
    let baseline = match settings.std_dev {
        None => Baseline::Proportion {
            rate: settings.baseline,
        },
        Some(std_dev) => Baseline::Mean {
            mean: settings.baseline,
            std_dev,
        },
    };
    let enrolled = settings
        .units_per_arm
        .map_or(0, |u| u.saturating_mul(u64::from(settings.arms)));
    let sample = sample_size(&PowerParams {
        baseline,
        mde: settings.mde,
        relative: settings.relative,
        alpha: settings.alpha,
        power: settings.power,
        arms: settings.arms,
        daily_units: settings.daily_units,
        enrolled,
    })?;
    let mde_at_units = match settings.units_per_arm {
        None => None,
        Some(units) => Some(minimum_detectable_effect(&MdeParams {
            baseline,
            per_arm: units as f64,
            alpha: settings.alpha,
            power: settings.power,
        })?),
    };
    Ok(PowerOutcome {
        baseline,
        mde: settings.mde,
        relative: settings.relative,
        alpha: settings.alpha,
        power: settings.power,
        arms: settings.arms,
        alpha_per_comparison: settings.alpha,
        sample,
        daily_units: settings.daily_units,
        units_per_arm: settings.units_per_arm,
        mde_at_units,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arms_multiply_the_total_and_keep_alpha() {
        let two = run(&PowerSettings::default(), &Progress::silent()).expect("two arms");
        let four = run(
            &PowerSettings {
                arms: 4,
                ..PowerSettings::default()
            },
            &Progress::silent(),
        )
        .expect("four arms");
        assert_eq!(two.sample.per_arm, four.sample.per_arm);
        assert_eq!(four.sample.total, 4 * four.sample.per_arm);
        assert_eq!(four.alpha_per_comparison, 0.05);
    }

    #[test]
    fn days_remaining_subtract_the_units_collected() {
        let o = run(
            &PowerSettings {
                daily_units: Some(1000.0),
                units_per_arm: Some(10_000),
                ..PowerSettings::default()
            },
            &Progress::silent(),
        )
        .expect("plan");
        let total = o.sample.total as f64;
        assert_eq!(o.sample.days, Some(total / 1000.0));
        assert_eq!(
            o.sample.days_remaining,
            Some((total - 20_000.0).max(0.0) / 1000.0)
        );
        let mde = o.mde_at_units.expect("mde");
        // Fewer units than planned: the detectable effect is larger than the one planned for.
        assert!(o.sample.per_arm > 10_000 && mde.absolute > o.sample.delta);
    }

    #[test]
    fn absurd_values_are_refused() {
        let bad = |s: PowerSettings| {
            run(&s, &Progress::silent())
                .expect_err("refused")
                .to_string()
        };
        let d = PowerSettings::default;
        assert!(bad(PowerSettings { mde: 0.0, ..d() }).contains("minimum detectable effect = 0"));
        assert!(bad(PowerSettings { power: 1.0, ..d() }).contains("power = 1"));
        assert!(
            bad(PowerSettings {
                alpha: f64::NAN,
                ..d()
            })
            .contains("alpha = NaN")
        );
        assert!(
            bad(PowerSettings {
                baseline: 1.5,
                ..d()
            })
            .contains("baseline rate = 1.5")
        );
        assert!(bad(PowerSettings { arms: 1, ..d() }).contains("2 to 1000 arms, not 1"));
        assert!(bad(PowerSettings { mde: 1e-9, ..d() }).contains("more than 10¹²"));
        assert!(
            bad(PowerSettings {
                std_dev: Some(-1.0),
                ..d()
            })
            .contains("standard deviation = -1")
        );
        assert!(
            bad(PowerSettings {
                daily_units: Some(0.0),
                ..d()
            })
            .contains("daily units = 0")
        );
    }
}

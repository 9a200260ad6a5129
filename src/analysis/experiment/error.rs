//! Typed errors for experiment statistics: every public entry point returns one of these
//! instead of panicking on user data, and each names its cause in one sentence.

use thiserror::Error;

/// Why an experiment statistic could not be computed.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ExperimentError {
    /// Fewer arms than the test needs (a variant column with one value).
    #[error("{found} arm(s) given; {statistic} needs at least {needed}")]
    TooFewArms {
        /// Arms available.
        found: usize,
        /// Arms required.
        needed: usize,
        /// The statistic that was asked for.
        statistic: &'static str,
    },
    /// An arm has no units at all (n = 0), or every arm together has none.
    #[error("{arm} has no units (n = 0)")]
    NoUnits {
        /// Which arm (or "all arms").
        arm: String,
    },
    /// An arm has too few units for a sample variance.
    #[error("{arm} has {n} unit(s); {statistic} needs at least {needed}")]
    TooFewUnits {
        /// Which arm.
        arm: String,
        /// Units available.
        n: u64,
        /// Units required.
        needed: u64,
        /// The statistic that was asked for.
        statistic: &'static str,
    },
    /// A metric (or covariate) is constant in an arm, so its variance is 0 and no test exists.
    #[error("{what} is constant in {arm} (variance 0); no test is possible")]
    ZeroVariance {
        /// Which arm (or "pooled").
        arm: String,
        /// "metric" or "covariate".
        what: &'static str,
    },
    /// The control mean is 0, so a relative lift is undefined.
    #[error("the control mean is 0, so the relative lift (divided by it) is undefined")]
    ZeroBaseline,
    /// A value is NaN or infinite.
    #[error("{what} contains a non-finite value (NaN or ±inf) at position {index}")]
    NonFinite {
        /// Which input.
        what: &'static str,
        /// Position of the first offending value.
        index: usize,
    },
    /// A proportion metric holds a value other than 0 or 1.
    #[error("proportion metric holds {value} at position {index}; only 0 and 1 are allowed")]
    NotBinary {
        /// Position of the first offending value.
        index: usize,
        /// The value found.
        value: f64,
    },
    /// Two inputs that must have equal lengths do not.
    #[error("{what}: lengths differ ({left} against {right})")]
    LengthMismatch {
        /// What was compared.
        what: &'static str,
        /// First length.
        left: usize,
        /// Second length.
        right: usize,
    },
    /// A planned split has a non-positive or non-finite share, or does not sum to 1.
    #[error("planned split is invalid: {reason}")]
    InvalidSplit {
        /// The cause, in words.
        reason: String,
    },
    /// A parameter lies outside its valid range (alpha, power, tuning, effect size…).
    #[error("{name} = {value} is outside its valid range {range}")]
    OutOfRange {
        /// Parameter name.
        name: &'static str,
        /// The value given.
        value: f64,
        /// The valid range, in words.
        range: &'static str,
    },
    /// A p-value handed to a correction is not in [0, 1].
    #[error("p-value {value} at position {index} is not in [0, 1]")]
    InvalidPValue {
        /// Position of the offending value.
        index: usize,
        /// The value given.
        value: f64,
    },
    /// No p-values at all were handed to a correction.
    #[error("no p-values to correct")]
    NoPValues,
    /// A power calculation asks for more units than any experiment has.
    #[error(
        "detecting an effect of {delta} would need {per_arm:.3e} units per arm, more than 10¹²; the effect is too small for the metric's spread"
    )]
    EffectTooSmall {
        /// The effect in metric units.
        delta: f64,
        /// The sample per arm it would need.
        per_arm: f64,
    },
}

/// Checks that `x` lies in the open interval (0, 1).
pub(crate) fn check_unit_open(name: &'static str, x: f64) -> Result<(), ExperimentError> {
    if x.is_finite() && x > 0.0 && x < 1.0 {
        Ok(())
    } else {
        Err(ExperimentError::OutOfRange {
            name,
            value: x,
            range: "(0, 1)",
        })
    }
}

//! Typed errors for invalid or untestable input.

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Which of the two compared samples an error refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The reference (baseline) sample.
    Reference,
    /// The current (production) sample.
    Current,
}

impl std::fmt::Display for Side {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Side::Reference => "reference",
            Side::Current => "current",
        })
    }
}

/// Why a drift statistic could not be computed.
///
/// Every public entry point returns this instead of panicking on user data.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum DriftError {
    /// A sample has no usable value after NaN/±inf/missing values were excluded.
    #[error("{0} sample is empty after excluding NaN/inf/missing values: column not testable")]
    EmptySample(Side),
    /// A sample is too small for the requested statistic (e.g. t-test needs 2 values per side).
    #[error("{side} sample has {len} values; {statistic} needs at least {needed}")]
    TooFewValues {
        /// Offending side.
        side: Side,
        /// Values available.
        len: usize,
        /// Values required.
        needed: usize,
        /// Name of the statistic.
        statistic: &'static str,
    },
    /// The statistic is undefined for this data (e.g. all values identical).
    #[error("{statistic} is not defined here: {reason}")]
    Undefined {
        /// Name of the statistic.
        statistic: &'static str,
        /// Human-readable reason.
        reason: &'static str,
    },
    /// The method does not apply to this kind of column.
    #[error("method `{method}` does not apply to {feature} columns")]
    MethodNotApplicable {
        /// Method name (snake_case).
        method: &'static str,
        /// Feature type name.
        feature: &'static str,
    },
    /// A parameter is out of its valid range.
    #[error("invalid parameter: {0}")]
    InvalidParameter(&'static str),
}

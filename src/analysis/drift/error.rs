//! Typed errors for invalid or untestable input.

use thiserror::Error;

use crate::vocab::Side;

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

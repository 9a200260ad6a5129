//! Typed errors of the seasonality module.
//!
//! Every validation failure is reported through one of these enums with a
//! message meant for end users; no function of the module panics on bad input.

use thiserror::Error;

/// Which LOESS window or setting a validation error refers to.
///
/// The names follow `statsmodels.tsa.seasonal.STL` (`seasonal`, `trend`,
/// `low_pass`, and the `*_deg` / `*_jump` variants).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Smoother {
    /// The cycle-subseries (seasonal) smoother, `seasonal` / `ns`.
    Seasonal,
    /// The trend smoother, `trend` / `nt`.
    Trend,
    /// The low-pass filter smoother, `low_pass` / `nl`.
    LowPass,
}

impl std::fmt::Display for Smoother {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Seasonal => "seasonal",
            Self::Trend => "trend",
            Self::LowPass => "low_pass",
        })
    }
}

/// Errors of STL and MSTL decomposition (parameter or input validation).
#[derive(Debug, Clone, PartialEq, Error)]
pub enum StlError {
    /// The period must be at least 2 (a period of 1 has no season).
    #[error("period must be an integer >= 2, got {period}")]
    PeriodTooSmall {
        /// The rejected period.
        period: usize,
    },
    /// STL needs at least two full cycles to separate season from trend.
    #[error("series has {len} observations but at least 2 * period = {needed} are required")]
    SeriesTooShort {
        /// Length of the input series.
        len: usize,
        /// Minimum length (2 * period).
        needed: usize,
    },
    /// A window is even, smaller than 3, or (trend / low-pass) not longer than the period.
    #[error("{smoother} window must be an odd integer >= 3{extra}, got {value}", extra = if *.must_exceed_period { " and greater than the period" } else { "" })]
    InvalidWindow {
        /// Which smoother.
        smoother: Smoother,
        /// The rejected window length.
        value: usize,
        /// Whether the window must also exceed the period (trend and low-pass do).
        must_exceed_period: bool,
    },
    /// LOESS degree other than 0 (local constant) or 1 (local linear).
    #[error("{smoother} degree must be 0 or 1, got {value}")]
    InvalidDegree {
        /// Which smoother.
        smoother: Smoother,
        /// The rejected degree.
        value: u8,
    },
    /// A jump of 0 would never advance the evaluation grid.
    #[error("{smoother} jump must be a positive integer, got 0")]
    InvalidJump {
        /// Which smoother.
        smoother: Smoother,
    },
    /// The inner loop must run at least once, otherwise nothing is estimated.
    #[error("inner_iter must be >= 1, got 0")]
    InvalidInnerIterations,
    /// NaN or infinite observation (STL has no missing-value handling).
    #[error("observation {index} is not finite ({value}); impute or drop missing values first")]
    NonFiniteValue {
        /// Zero-based position of the offending value.
        index: usize,
        /// The offending value.
        value: f64,
    },
    /// MSTL was given no period, or every period was >= n / 2 and got dropped.
    #[error("no usable seasonal period: {reason}")]
    NoPeriods {
        /// Why no period is left.
        reason: String,
    },
    /// MSTL needs at least one refinement round.
    #[error("MSTL iterate must be >= 1, got 0")]
    InvalidIterate,
    /// MSTL `windows` and `periods` have different lengths.
    #[error("{periods} periods but {windows} seasonal windows were given")]
    WindowCountMismatch {
        /// Number of periods.
        periods: usize,
        /// Number of windows.
        windows: usize,
    },
    /// The Box-Cox transform is only defined for strictly positive data.
    #[error("Box-Cox transform needs strictly positive data, observation {index} is {value}")]
    NonPositiveForBoxCox {
        /// Zero-based position of the offending value.
        index: usize,
        /// The offending value.
        value: f64,
    },
    /// The Box-Cox lambda must be a finite number.
    #[error("Box-Cox lambda must be finite, got {lambda}")]
    InvalidLambda {
        /// The rejected lambda.
        lambda: f64,
    },
}

/// Errors of the helpers that take plain series (period detection, strength,
/// anomalies, season-aware comparison).
#[derive(Debug, Clone, PartialEq, Error)]
pub enum SeriesError {
    /// The series has fewer observations than the computation needs.
    #[error("{what} needs at least {needed} observations, got {len}")]
    TooShort {
        /// What was being computed.
        what: &'static str,
        /// Observations available.
        len: usize,
        /// Observations needed.
        needed: usize,
    },
    /// NaN or infinite value.
    #[error("{what}: value {index} is not finite ({value})")]
    NonFiniteValue {
        /// Which input.
        what: &'static str,
        /// Zero-based position of the offending value.
        index: usize,
        /// The offending value.
        value: f64,
    },
    /// Two inputs that must be aligned have different lengths.
    #[error("{what}: lengths differ ({left} vs {right})")]
    LengthMismatch {
        /// Which inputs.
        what: &'static str,
        /// Length of the first input.
        left: usize,
        /// Length of the second input.
        right: usize,
    },
    /// A parameter is outside its valid range.
    #[error("invalid parameter {name}: {reason}")]
    InvalidParameter {
        /// Parameter name.
        name: &'static str,
        /// What is wrong with it.
        reason: String,
    },
}

/// Returns the first non-finite value of `values` as `(index, value)`.
pub(super) fn first_non_finite(values: &[f64]) -> Option<(usize, f64)> {
    values
        .iter()
        .position(|v| !v.is_finite())
        .map(|i| (i, values[i]))
}

/// Checks that every value is finite, naming the input `what` in the error.
pub(super) fn ensure_finite(what: &'static str, values: &[f64]) -> Result<(), SeriesError> {
    match first_non_finite(values) {
        Some((index, value)) => Err(SeriesError::NonFiniteValue { what, index, value }),
        None => Ok(()),
    }
}

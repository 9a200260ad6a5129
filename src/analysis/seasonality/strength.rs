//! Strength of trend and seasonality (Wang, Smith & Hyndman 2006).
//!
//! ```text
//! F_t = max(0, 1 - Var(R) / Var(T + R))
//! F_s = max(0, 1 - Var(R) / Var(S + R))
//! ```
//!
//! Values near 1 mean the component dominates the remainder; 0 means it is
//! indistinguishable from noise. When `Var(X + R) == 0` (no variation at all)
//! the strength is defined as 0.

use serde::{Deserialize, Serialize};

use super::error::{SeriesError, ensure_finite};
use super::mstl::MstlReport;
use super::stl::StlReport;

/// Trend strength and one seasonal strength per seasonal component.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StrengthReport {
    /// `F_t` in `[0, 1]`.
    pub trend: f64,
    /// `F_s` per seasonal component in `[0, 1]` (one for STL, one per period for MSTL).
    pub seasonal: Vec<f64>,
}

/// Sample variance (denominator `n - 1`; the ratio makes the choice irrelevant),
/// two-pass for accuracy. 0 for fewer than 2 values.
fn variance<I: Iterator<Item = f64> + Clone>(values: I) -> f64 {
    let (count, sum) = values
        .clone()
        .fold((0usize, 0.0), |(c, s), v| (c + 1, s + v));
    if count < 2 {
        return 0.0;
    }
    let mean = sum / count as f64;
    values.map(|v| (v - mean) * (v - mean)).sum::<f64>() / (count - 1) as f64
}

/// `max(0, 1 - Var(R) / Var(X + R))`, 0 when `Var(X + R) == 0`. Inputs are
/// assumed aligned and finite.
fn strength_unchecked(component: &[f64], remainder: &[f64]) -> f64 {
    let var_r = variance(remainder.iter().copied());
    let var_xr = variance(component.iter().zip(remainder).map(|(x, r)| x + r));
    if var_xr <= 0.0 {
        return 0.0;
    }
    (1.0 - var_r / var_xr).clamp(0.0, 1.0)
}

fn checked(component: &[f64], remainder: &[f64]) -> Result<f64, SeriesError> {
    if component.len() != remainder.len() {
        return Err(SeriesError::LengthMismatch {
            what: "component and remainder",
            left: component.len(),
            right: remainder.len(),
        });
    }
    if component.len() < 2 {
        return Err(SeriesError::TooShort {
            what: "strength",
            len: component.len(),
            needed: 2,
        });
    }
    ensure_finite("component", component)?;
    ensure_finite("remainder", remainder)?;
    Ok(strength_unchecked(component, remainder))
}

/// Seasonal strength `F_s = max(0, 1 - Var(R) / Var(S + R))`.
pub fn seasonal_strength(seasonal: &[f64], remainder: &[f64]) -> Result<f64, SeriesError> {
    checked(seasonal, remainder)
}

/// Trend strength `F_t = max(0, 1 - Var(R) / Var(T + R))`.
pub fn trend_strength(trend: &[f64], remainder: &[f64]) -> Result<f64, SeriesError> {
    checked(trend, remainder)
}

/// Strengths of an STL decomposition (one seasonal value).
pub fn of_stl(report: &StlReport) -> StrengthReport {
    StrengthReport {
        trend: strength_unchecked(&report.trend, &report.remainder),
        seasonal: vec![strength_unchecked(&report.seasonal, &report.remainder)],
    }
}

/// Strengths of an MSTL decomposition: `F_s,i = max(0, 1 - Var(R) / Var(S_i + R))`
/// for each period, in the report's period order.
pub fn of_mstl(report: &MstlReport) -> StrengthReport {
    StrengthReport {
        trend: strength_unchecked(&report.trend, &report.remainder),
        seasonal: report
            .seasonal
            .iter()
            .map(|s| strength_unchecked(s, &report.remainder))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_values() {
        // Var(R) = 1/3 * ... : R = [1, -1, 1, -1] → var 4/3; S + R = [3, -3, 3, -3] → var 12.
        let r = [1.0, -1.0, 1.0, -1.0];
        let s = [2.0, -2.0, 2.0, -2.0];
        let f = seasonal_strength(&s, &r).expect("valid");
        assert!((f - (1.0 - (4.0 / 3.0) / 12.0)).abs() < 1e-12);
        // Component anti-correlated with the remainder → clipped to 0.
        let neg = [-1.0, 1.0, -1.0, 1.0];
        assert_eq!(trend_strength(&neg, &r), Ok(0.0));
        // No variation at all → 0 by convention.
        assert_eq!(trend_strength(&[0.0; 4], &[0.0; 4]), Ok(0.0));
    }

    #[test]
    fn errors_are_typed() {
        assert!(matches!(
            seasonal_strength(&[1.0], &[1.0, 2.0]),
            Err(SeriesError::LengthMismatch { .. })
        ));
        assert!(matches!(
            seasonal_strength(&[1.0], &[1.0]),
            Err(SeriesError::TooShort { .. })
        ));
        assert!(matches!(
            seasonal_strength(&[1.0, f64::NAN], &[1.0, 2.0]),
            Err(SeriesError::NonFiniteValue { index: 1, .. })
        ));
    }

    #[test]
    fn strong_season_is_detected_in_stl() {
        let y: Vec<f64> = (0..140)
            .map(|i| {
                10.0 + [5.0, 3.0, 0.0, -2.0, -4.0, -3.0, 1.0][i % 7] + ((i * 37) % 11) as f64 * 0.05
            })
            .collect();
        let report =
            super::super::stl::decompose(&y, &super::super::StlParams::new(7)).expect("valid");
        let s = of_stl(&report);
        assert!(s.seasonal[0] > 0.9, "{s:?}");
        assert!((0.0..=1.0).contains(&s.trend));
    }
}

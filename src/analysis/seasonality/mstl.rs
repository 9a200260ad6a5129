//! MSTL: STL for multiple seasonal periods (Bandara, Hyndman & Bergmeir 2021),
//! following `statsmodels.tsa.seasonal.MSTL`.
//!
//! Periods are sorted ascending (with their windows), periods `>= n / 2` are
//! dropped, the optional Box-Cox transform is applied, and then for `iterate`
//! rounds (1 when there is a single period) each seasonal component in turn is
//! re-estimated by STL on the series with all *other* seasonal components
//! removed. The trend and robustness weights are those of the last STL fit and
//! `remainder = deseasonalised - trend`.

use serde::{Deserialize, Serialize};

use super::error::{StlError, first_non_finite};
use super::params::{StlOptions, StlParams};
use super::stl;

/// MSTL parameters (statsmodels `MSTL(periods, windows, lmbda, iterate, stl_kwargs)`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MstlParams {
    /// Seasonal periods in samples, any order (e.g. `[24, 168]` for hourly data).
    pub periods: Vec<usize>,
    /// Seasonal window per period (same order as `periods`). `None` (or empty):
    /// `7 + 4 i` for the i-th smallest period, `i = 1, 2, …` (11, 15, …).
    pub windows: Option<Vec<usize>>,
    /// Box-Cox lambda applied before decomposing: `ln y` if `λ = 0`, else
    /// `(y^λ - 1) / λ` (computed as `expm1(λ ln y) / λ` like SciPy). `None`: no transform.
    /// Deliberate deviation: statsmodels tests `if lmbda:` and so silently skips
    /// the transform for `λ = 0`; here `Some(0.0)` means the log transform.
    /// statsmodels' `lmbda="auto"` (maximum-likelihood λ) is not provided.
    pub lambda: Option<f64>,
    /// Refinement rounds over all seasonal components (default 2; forced to 1
    /// for a single period).
    pub iterate: usize,
    /// Settings passed to every STL fit (statsmodels `stl_kwargs`).
    pub stl: StlOptions,
}

impl MstlParams {
    /// statsmodels defaults for the given periods: default windows, no
    /// Box-Cox, `iterate = 2`, default STL options.
    pub fn new(periods: &[usize]) -> Self {
        Self {
            periods: periods.to_vec(),
            windows: None,
            lambda: None,
            iterate: 2,
            stl: StlOptions::default(),
        }
    }

    /// Sets explicit seasonal windows (one per period, odd, >= 3).
    pub fn with_windows(mut self, windows: &[usize]) -> Self {
        self.windows = Some(windows.to_vec());
        self
    }

    /// Sets the Box-Cox lambda (`None` = no transform).
    pub fn with_lambda(mut self, lambda: Option<f64>) -> Self {
        self.lambda = lambda;
        self
    }

    /// Sets the number of refinement rounds (>= 1).
    pub fn with_iterate(mut self, iterate: usize) -> Self {
        self.iterate = iterate;
        self
    }

    /// Sets the options used by every STL fit.
    pub fn with_stl(mut self, stl: StlOptions) -> Self {
        self.stl = stl;
        self
    }
}

/// Result of MSTL: `observed = trend + Σ seasonal[i] + remainder`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MstlReport {
    /// Periods actually decomposed, ascending.
    pub periods: Vec<usize>,
    /// Seasonal window used for each kept period.
    pub windows: Vec<usize>,
    /// Periods dropped because they are `>= n / 2` (statsmodels warns and drops them).
    pub dropped_periods: Vec<usize>,
    /// Box-Cox lambda applied, if any.
    pub lambda: Option<f64>,
    /// The decomposed series (Box-Cox transformed when `lambda` is set).
    pub observed: Vec<f64>,
    /// Trend of the last STL fit.
    pub trend: Vec<f64>,
    /// One seasonal component per kept period, same order as `periods`.
    pub seasonal: Vec<Vec<f64>>,
    /// `observed - Σ seasonal - trend`.
    pub remainder: Vec<f64>,
    /// Robustness weights of the last STL fit (all 1 unless robust).
    pub weights: Vec<f64>,
}

/// Box-Cox transform (SciPy's formula): `ln y` if `|λ| < 1e-19`, else
/// `expm1(λ ln y) / λ`. Errors on non-positive data or non-finite lambda.
pub fn box_cox(y: &[f64], lambda: f64) -> Result<Vec<f64>, StlError> {
    if !lambda.is_finite() {
        return Err(StlError::InvalidLambda { lambda });
    }
    if let Some(index) = y
        .iter()
        .position(|v| v.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater))
    {
        return Err(StlError::NonPositiveForBoxCox {
            index,
            value: y[index],
        });
    }
    Ok(y.iter()
        .map(|v| {
            if lambda.abs() < 1e-19 {
                v.ln()
            } else {
                (lambda * v.ln()).exp_m1() / lambda
            }
        })
        .collect())
}

/// `(period, window)` pairs to decompose and the periods dropped.
type Plan = (Vec<(usize, usize)>, Vec<usize>);

/// Sorted periods with their windows, plus the periods dropped for length `n`.
fn plan(params: &MstlParams, n: usize) -> Result<Plan, StlError> {
    if params.periods.is_empty() {
        return Err(StlError::NoPeriods {
            reason: "the period list is empty".into(),
        });
    }
    let mut pairs: Vec<(usize, usize)> = match params.windows.as_deref() {
        Some(w) if !w.is_empty() => {
            if w.len() != params.periods.len() {
                return Err(StlError::WindowCountMismatch {
                    periods: params.periods.len(),
                    windows: w.len(),
                });
            }
            let mut pairs: Vec<_> = params
                .periods
                .iter()
                .copied()
                .zip(w.iter().copied())
                .collect();
            pairs.sort_unstable();
            pairs
        }
        _ => {
            let mut periods = params.periods.clone();
            periods.sort_unstable();
            periods.into_iter().zip((1..).map(|i| 7 + 4 * i)).collect()
        }
    };
    // statsmodels keeps `period < n / 2` (float division); with periods sorted
    // the dropped ones are a suffix, so windows stay aligned.
    let half = n as f64 / 2.0;
    let keep = pairs.iter().take_while(|(p, _)| (*p as f64) < half).count();
    let dropped = pairs.split_off(keep).into_iter().map(|(p, _)| p).collect();
    if pairs.is_empty() {
        return Err(StlError::NoPeriods {
            reason: format!("every period is >= n / 2 = {half} (series of {n} observations)"),
        });
    }
    Ok((pairs, dropped))
}

/// Decomposes `y` into a trend, one seasonal component per period and a
/// remainder with MSTL, matching statsmodels (see the module docs).
pub fn decompose(y: &[f64], params: &MstlParams) -> Result<MstlReport, StlError> {
    let n = y.len();
    if let Some((index, value)) = first_non_finite(y) {
        return Err(StlError::NonFiniteValue { index, value });
    }
    let (pairs, dropped_periods) = plan(params, n)?;
    // statsmodels ignores `iterate` for a single period.
    let rounds = if pairs.len() == 1 { 1 } else { params.iterate };
    if rounds == 0 {
        return Err(StlError::InvalidIterate);
    }
    let observed = match params.lambda {
        Some(lambda) => box_cox(y, lambda)?,
        None => y.to_vec(),
    };
    let mut seasonal = vec![vec![0.0; n]; pairs.len()];
    let mut deseason = observed.clone();
    let mut last = None;
    for _ in 0..rounds {
        for (component, &(period, window)) in seasonal.iter_mut().zip(&pairs) {
            // Put this component back, re-estimate it, take it out again.
            deseason
                .iter_mut()
                .zip(component.iter())
                .for_each(|(d, s)| *d += s);
            let stl_params = StlParams {
                period,
                seasonal: window,
                options: params.stl,
            };
            let fit = stl::decompose(&deseason, &stl_params)?;
            component.copy_from_slice(&fit.seasonal);
            deseason
                .iter_mut()
                .zip(component.iter())
                .for_each(|(d, s)| *d -= s);
            last = Some(fit);
        }
    }
    let Some(last) = last else {
        return Err(StlError::InvalidIterate);
    };
    let remainder = deseason
        .iter()
        .zip(&last.trend)
        .map(|(d, t)| d - t)
        .collect();
    Ok(MstlReport {
        periods: pairs.iter().map(|p| p.0).collect(),
        windows: pairs.iter().map(|p| p.1).collect(),
        dropped_periods,
        lambda: params.lambda,
        observed,
        trend: last.trend,
        seasonal,
        remainder,
        weights: last.weights,
    })
}

#[cfg(test)]
mod tests;

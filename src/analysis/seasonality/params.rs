//! STL parameters, their statsmodels defaults and validation.

use serde::{Deserialize, Serialize};

use super::error::{Smoother, StlError};

/// STL settings other than the period and the seasonal window; shared by
/// [`StlParams`] and MSTL (where it plays the role of statsmodels'
/// `stl_kwargs`). `Default` gives the statsmodels defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct StlOptions {
    /// Trend window `nt` (odd, >= 3, > period). `None`: smallest odd integer
    /// `>= 1.5 * period / (1 - 1.5 / seasonal)` (statsmodels / netlib rule).
    pub trend: Option<usize>,
    /// Low-pass window `nl` (odd, >= 3, > period). `None`: smallest odd integer `> period`.
    pub low_pass: Option<usize>,
    /// Degree of the seasonal LOESS: 0 = local constant, 1 = local linear (default 1).
    pub seasonal_deg: u8,
    /// Degree of the trend LOESS (default 1).
    pub trend_deg: u8,
    /// Degree of the low-pass LOESS (default 1).
    pub low_pass_deg: u8,
    /// Seasonal LOESS is evaluated every `seasonal_jump` points and linearly
    /// interpolated in between (default 1 = everywhere).
    pub seasonal_jump: usize,
    /// Jump of the trend LOESS (default 1).
    pub trend_jump: usize,
    /// Jump of the low-pass LOESS (default 1).
    pub low_pass_jump: usize,
    /// Robust fitting with bisquare weights `(1 - (|r| / (6 median|r|))^2)^2`.
    pub robust: bool,
    /// Inner (seasonal/trend update) loops; `None`: 2 if robust, else 5.
    pub inner_iter: Option<usize>,
    /// Outer (robustness) loops; `None`: 15 if robust, else 0.
    pub outer_iter: Option<usize>,
}

impl Default for StlOptions {
    fn default() -> Self {
        Self {
            trend: None,
            low_pass: None,
            seasonal_deg: 1,
            trend_deg: 1,
            low_pass_deg: 1,
            seasonal_jump: 1,
            trend_jump: 1,
            low_pass_jump: 1,
            robust: false,
            inner_iter: None,
            outer_iter: None,
        }
    }
}

/// Parameters of one STL decomposition, mirroring `statsmodels.tsa.seasonal.STL`
/// plus `fit(inner_iter, outer_iter)`.
///
/// Build with [`StlParams::new`] (statsmodels defaults) and the `with_*` setters:
/// `StlParams::new(12).with_robust(true).with_seasonal(13)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StlParams {
    /// Period `np` of the seasonal component in samples (>= 2).
    pub period: usize,
    /// Seasonal (cycle-subseries) window `ns` (odd, >= 3; default 7).
    pub seasonal: usize,
    /// Everything else (trend / low-pass windows, degrees, jumps, robustness, iterations).
    #[serde(flatten)]
    pub options: StlOptions,
}

/// Fully resolved and validated STL settings (defaults filled in).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StlConfig {
    /// Period `np`.
    pub period: usize,
    /// Seasonal window `ns`.
    pub seasonal: usize,
    /// Trend window `nt`.
    pub trend: usize,
    /// Low-pass window `nl`.
    pub low_pass: usize,
    /// Seasonal LOESS degree (0 or 1).
    pub seasonal_deg: u8,
    /// Trend LOESS degree (0 or 1).
    pub trend_deg: u8,
    /// Low-pass LOESS degree (0 or 1).
    pub low_pass_deg: u8,
    /// Seasonal LOESS jump (>= 1).
    pub seasonal_jump: usize,
    /// Trend LOESS jump (>= 1).
    pub trend_jump: usize,
    /// Low-pass LOESS jump (>= 1).
    pub low_pass_jump: usize,
    /// Whether robustness weights are used.
    pub robust: bool,
    /// Inner loop count.
    pub inner_iter: usize,
    /// Outer (robustness) loop count.
    pub outer_iter: usize,
}

/// statsmodels' default trend window: smallest odd integer
/// `>= 1.5 * period / (1 - 1.5 / seasonal)` (evaluated in the same order as
/// statsmodels so the `ceil` sees the same double). `seasonal` must be >= 3.
pub fn default_trend_window(period: usize, seasonal: usize) -> usize {
    let raw = (1.5 * period as f64 / (1.0 - 1.5 / seasonal as f64)).ceil() as usize;
    raw + usize::from(raw.is_multiple_of(2))
}

/// statsmodels' default low-pass window: smallest odd integer `> period`.
pub fn default_low_pass_window(period: usize) -> usize {
    let raw = period + 1;
    raw + usize::from(raw.is_multiple_of(2))
}

fn check_window(smoother: Smoother, value: usize, period: Option<usize>) -> Result<(), StlError> {
    let too_small = value < 3 || value.is_multiple_of(2);
    let not_above_period = period.is_some_and(|p| value <= p);
    if too_small || not_above_period {
        return Err(StlError::InvalidWindow {
            smoother,
            value,
            must_exceed_period: period.is_some(),
        });
    }
    Ok(())
}

fn check_degree(smoother: Smoother, value: u8) -> Result<(), StlError> {
    if value > 1 {
        return Err(StlError::InvalidDegree { smoother, value });
    }
    Ok(())
}

fn check_jump(smoother: Smoother, value: usize) -> Result<(), StlError> {
    if value == 0 {
        return Err(StlError::InvalidJump { smoother });
    }
    Ok(())
}

impl StlOptions {
    /// Resolves defaults for a given period and seasonal window and validates
    /// everything in statsmodels' order (period, seasonal, trend, low-pass,
    /// then degrees, jumps and iteration counts).
    pub fn resolve(&self, period: usize, seasonal: usize) -> Result<StlConfig, StlError> {
        if period < 2 {
            return Err(StlError::PeriodTooSmall { period });
        }
        check_window(Smoother::Seasonal, seasonal, None)?;
        let trend = self
            .trend
            .unwrap_or_else(|| default_trend_window(period, seasonal));
        check_window(Smoother::Trend, trend, Some(period))?;
        let low_pass = self
            .low_pass
            .unwrap_or_else(|| default_low_pass_window(period));
        check_window(Smoother::LowPass, low_pass, Some(period))?;
        check_degree(Smoother::Seasonal, self.seasonal_deg)?;
        check_degree(Smoother::Trend, self.trend_deg)?;
        check_degree(Smoother::LowPass, self.low_pass_deg)?;
        check_jump(Smoother::Seasonal, self.seasonal_jump)?;
        check_jump(Smoother::Trend, self.trend_jump)?;
        check_jump(Smoother::LowPass, self.low_pass_jump)?;
        let inner_iter = self.inner_iter.unwrap_or(if self.robust { 2 } else { 5 });
        if inner_iter == 0 {
            return Err(StlError::InvalidInnerIterations);
        }
        let outer_iter = self.outer_iter.unwrap_or(if self.robust { 15 } else { 0 });
        Ok(StlConfig {
            period,
            seasonal,
            trend,
            low_pass,
            seasonal_deg: self.seasonal_deg,
            trend_deg: self.trend_deg,
            low_pass_deg: self.low_pass_deg,
            seasonal_jump: self.seasonal_jump,
            trend_jump: self.trend_jump,
            low_pass_jump: self.low_pass_jump,
            robust: self.robust,
            inner_iter,
            outer_iter,
        })
    }
}

impl StlParams {
    /// statsmodels defaults for `period`: seasonal 7, derived trend / low-pass
    /// windows, degrees 1, jumps 1, non-robust (inner 5, outer 0).
    pub fn new(period: usize) -> Self {
        Self {
            period,
            seasonal: 7,
            options: StlOptions::default(),
        }
    }

    /// Resolves defaults and validates the parameters (not the data).
    pub fn resolve(&self) -> Result<StlConfig, StlError> {
        self.options.resolve(self.period, self.seasonal)
    }

    /// Sets the seasonal window `ns` (odd, >= 3).
    pub fn with_seasonal(mut self, seasonal: usize) -> Self {
        self.seasonal = seasonal;
        self
    }

    /// Sets the trend window `nt` (`None` = derived default).
    pub fn with_trend(mut self, trend: Option<usize>) -> Self {
        self.options.trend = trend;
        self
    }

    /// Sets the low-pass window `nl` (`None` = derived default).
    pub fn with_low_pass(mut self, low_pass: Option<usize>) -> Self {
        self.options.low_pass = low_pass;
        self
    }

    /// Sets the LOESS degrees (seasonal, trend, low-pass), each 0 or 1.
    pub fn with_degrees(mut self, seasonal: u8, trend: u8, low_pass: u8) -> Self {
        self.options.seasonal_deg = seasonal;
        self.options.trend_deg = trend;
        self.options.low_pass_deg = low_pass;
        self
    }

    /// Sets the LOESS jumps (seasonal, trend, low-pass), each >= 1.
    pub fn with_jumps(mut self, seasonal: usize, trend: usize, low_pass: usize) -> Self {
        self.options.seasonal_jump = seasonal;
        self.options.trend_jump = trend;
        self.options.low_pass_jump = low_pass;
        self
    }

    /// Enables or disables robust fitting.
    pub fn with_robust(mut self, robust: bool) -> Self {
        self.options.robust = robust;
        self
    }

    /// Overrides the inner / outer iteration counts (`None` = statsmodels default).
    pub fn with_iterations(mut self, inner: Option<usize>, outer: Option<usize>) -> Self {
        self.options.inner_iter = inner;
        self.options.outer_iter = outer;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_statsmodels() {
        let cfg = StlParams::new(7).resolve().expect("valid");
        assert_eq!(
            (cfg.trend, cfg.low_pass, cfg.inner_iter, cfg.outer_iter),
            (15, 9, 5, 0)
        );
        let cfg = StlParams::new(12)
            .with_robust(true)
            .resolve()
            .expect("valid");
        assert_eq!(
            (cfg.trend, cfg.low_pass, cfg.inner_iter, cfg.outer_iter),
            (23, 13, 2, 15)
        );
        assert_eq!(default_trend_window(24, 7), 47);
        assert_eq!(default_trend_window(168, 15), 281);
    }

    #[test]
    fn invalid_parameters_are_typed_errors() {
        assert_eq!(
            StlParams::new(1).resolve(),
            Err(StlError::PeriodTooSmall { period: 1 })
        );
        assert!(matches!(
            StlParams::new(12).with_seasonal(8).resolve(),
            Err(StlError::InvalidWindow {
                smoother: Smoother::Seasonal,
                value: 8,
                ..
            })
        ));
        assert!(matches!(
            StlParams::new(12).with_trend(Some(11)).resolve(),
            Err(StlError::InvalidWindow {
                smoother: Smoother::Trend,
                value: 11,
                ..
            })
        ));
        assert!(matches!(
            StlParams::new(12).with_low_pass(Some(1)).resolve(),
            Err(StlError::InvalidWindow {
                smoother: Smoother::LowPass,
                ..
            })
        ));
        assert!(matches!(
            StlParams::new(12).with_degrees(2, 1, 1).resolve(),
            Err(StlError::InvalidDegree { .. })
        ));
        assert!(matches!(
            StlParams::new(12).with_jumps(1, 0, 1).resolve(),
            Err(StlError::InvalidJump {
                smoother: Smoother::Trend
            })
        ));
        assert_eq!(
            StlParams::new(12).with_iterations(Some(0), None).resolve(),
            Err(StlError::InvalidInnerIterations)
        );
        let msg = StlParams::new(12)
            .with_seasonal(4)
            .resolve()
            .map_err(|e| e.to_string());
        assert_eq!(
            msg,
            Err("seasonal window must be an odd integer >= 3, got 4".to_string())
        );
    }

    #[test]
    fn params_roundtrip_through_json() {
        let p = StlParams::new(24).with_robust(true).with_jumps(2, 3, 4);
        let json = serde_json::to_string(&p).expect("serialise");
        let back: StlParams = serde_json::from_str(&json).expect("deserialise");
        assert_eq!(p, back);
    }
}

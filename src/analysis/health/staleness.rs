//! Staleness: fit the metric's trend over the windows and project when it crosses the user's
//! floor. Two ordinary-least-squares fits: linear, y = a + b·x, and exponential decay,
//! ln y = ln a + b·x (y > 0). x is days since the first window's start (calendar windows) or the
//! chunk number. The crossing is projected from the last window with the fitted slope; its 95 %
//! interval uses the slope's t-interval (b ± t₀.₉₇₅,ₙ₋₂·se(b)). With fewer than 3 windows, a
//! slope whose p-value is above 0.05, or a slope towards the good side, there is no trend and
//! the message says so.

use serde::Serialize;
use statrs::distribution::{ContinuousCDF, StudentsT};

use crate::analysis::metrics::Metric;

/// The x unit of the fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Days,
    Chunks,
}

impl Unit {
    fn name(self) -> &'static str {
        match self {
            Self::Days => "days",
            Self::Chunks => "chunks",
        }
    }
}

/// One least-squares fit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TrendFit {
    pub intercept: f64,
    /// Change of y (linear) or of ln y (exponential) per unit of x.
    pub slope: f64,
    pub slope_se: f64,
    /// Two-sided p-value of slope = 0 (t test, n − 2 degrees of freedom).
    pub p_value: f64,
    pub r2: f64,
}

/// When the metric reaches the floor, counted from the last window.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Crossing {
    /// "linear" or "exponential": the fit with the larger R².
    pub model: &'static str,
    /// Units after the last window's start (0 = already past the floor).
    pub after: f64,
    /// 95 % interval of `after` (the upper end is infinite when the slope's interval reaches 0).
    pub low: f64,
    pub high: f64,
}

/// The staleness projection.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Staleness {
    pub metric: Metric,
    pub floor: Option<f64>,
    pub unit: Unit,
    pub points: usize,
    pub linear: Option<TrendFit>,
    pub exponential: Option<TrendFit>,
    pub crossing: Option<Crossing>,
    /// Whether the metric moves significantly towards the bad side.
    pub degrading: bool,
    /// A sentence for people.
    pub message: String,
}

/// OLS of y on x.
pub fn fit(points: &[(f64, f64)]) -> Option<TrendFit> {
    let n = points.len();
    if n < 3 {
        return None;
    }
    let nf = n as f64;
    let mx = points.iter().map(|p| p.0).sum::<f64>() / nf;
    let my = points.iter().map(|p| p.1).sum::<f64>() / nf;
    let sxx: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let syy: f64 = points.iter().map(|p| (p.1 - my).powi(2)).sum();
    if sxx == 0.0 {
        return None;
    }
    let slope = sxy / sxx;
    let intercept = my - slope * mx;
    let sse: f64 = points
        .iter()
        .map(|p| (p.1 - intercept - slope * p.0).powi(2))
        .sum();
    let slope_se = (sse / (nf - 2.0) / sxx).sqrt();
    let t = if slope_se > 0.0 {
        slope / slope_se
    } else if slope == 0.0 {
        0.0
    } else {
        f64::INFINITY
    };
    let p_value = StudentsT::new(0.0, 1.0, nf - 2.0)
        .map(|d| 2.0 * (1.0 - d.cdf(t.abs())))
        .unwrap_or(f64::NAN);
    let r2 = if syy > 0.0 { 1.0 - sse / syy } else { 1.0 };
    Some(TrendFit {
        intercept,
        slope,
        slope_se,
        p_value,
        r2,
    })
}

/// Fit both trends of `(x, metric)` points and project the crossing of `floor`.
pub fn project(
    metric: Metric,
    points: &[(f64, f64)],
    floor: Option<f64>,
    unit: Unit,
) -> Option<Staleness> {
    if points.is_empty() {
        return None;
    }
    let x0 = points[0].0;
    let pts: Vec<(f64, f64)> = points.iter().map(|&(x, y)| (x - x0, y)).collect();
    let linear = fit(&pts);
    let logs: Vec<(f64, f64)> = pts
        .iter()
        .filter(|p| p.1 > 0.0)
        .map(|&(x, y)| (x, y.ln()))
        .collect();
    let exponential = (logs.len() == pts.len()).then(|| fit(&logs)).flatten();
    let bad_sign = if metric.higher_is_better() { -1.0 } else { 1.0 };
    let degrading = linear.is_some_and(|f| f.p_value < 0.05 && f.slope * bad_sign > 0.0);
    let last_x = pts.last().map_or(0.0, |p| p.0);
    let t975 = StudentsT::new(0.0, 1.0, (pts.len() as f64 - 2.0).max(1.0))
        .map(|d| d.inverse_cdf(0.975))
        .unwrap_or(f64::NAN);
    let mut crossing = None;
    if let (true, Some(floor), Some(lin)) = (degrading, floor, linear) {
        // Use the fit that explains more; exponential needs a positive floor.
        let use_exp = exponential.is_some_and(|e| e.r2 > lin.r2) && floor > 0.0;
        let (f, target, model) = if use_exp {
            (exponential.unwrap_or(lin), floor.ln(), "exponential")
        } else {
            (lin, floor, "linear")
        };
        let at = |slope: f64| {
            // The fitted value at the last window, then the time to reach the target at `slope`.
            let now = f.intercept + f.slope * last_x;
            let gap = target - now;
            if gap * slope <= 0.0 && gap * bad_sign <= 0.0 {
                // Already beyond the floor.
                0.0
            } else if gap * slope > 0.0 {
                gap / slope
            } else {
                f64::INFINITY
            }
        };
        let after = at(f.slope);
        let steep = f.slope + bad_sign * t975 * f.slope_se;
        let shallow = f.slope - bad_sign * t975 * f.slope_se;
        let (a, b) = (at(steep), at(shallow));
        crossing = Some(Crossing {
            model,
            after,
            low: a.min(b),
            high: if shallow * bad_sign <= 0.0 {
                f64::INFINITY
            } else {
                a.max(b)
            },
        });
    }
    let title = metric.title();
    let message = match (&linear, degrading, floor, &crossing) {
        (None, ..) => {
            format!("Too few windows with {title} to fit a trend (3 or more are needed).")
        }
        (Some(f), false, ..) => format!(
            "No significant downward trend in {title} (slope {:+.4} per {}, p = {:.2}).",
            f.slope,
            unit_one(unit),
            f.p_value
        ),
        (Some(_), true, None, _) => {
            format!("{title} is degrading; set a floor to project when it crosses it.")
        }
        (Some(_), true, Some(floor), Some(c)) => {
            if c.after == 0.0 {
                format!("{title} has already crossed {floor} on the fitted trend.")
            } else {
                let high = if c.high.is_finite() {
                    format!("{:.0}", c.high)
                } else {
                    "never".into()
                };
                format!(
                    "At this rate {title} {} {floor} in about {:.0} {} (95 % interval {:.0} to {high}, {} fit).",
                    if metric.higher_is_better() {
                        "falls below"
                    } else {
                        "rises above"
                    },
                    c.after,
                    unit.name(),
                    c.low,
                    c.model
                )
            }
        }
        (Some(_), true, Some(_), None) => format!("{title} is degrading."),
    };
    Some(Staleness {
        metric,
        floor,
        unit,
        points: pts.len(),
        linear,
        exponential,
        crossing,
        degrading,
        message,
    })
}

fn unit_one(unit: Unit) -> &'static str {
    match unit {
        Unit::Days => "day",
        Unit::Chunks => "chunk",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn straight_decline_crosses_where_expected() {
        // AUC falls 0.01 per day from 0.9 with small noise; floor 0.75.
        let pts: Vec<(f64, f64)> = (0..10)
            .map(|i| {
                let noise = if i % 2 == 0 { 0.001 } else { -0.001 };
                (f64::from(i), 0.9 - 0.01 * f64::from(i) + noise)
            })
            .collect();
        let s = project(Metric::RocAuc, &pts, Some(0.75), Unit::Days).expect("staleness");
        assert!(s.degrading);
        let c = s.crossing.expect("crossing");
        // Fitted value at x = 9 is about 0.81: 6 more days.
        assert!((c.after - 6.0).abs() < 0.3, "{c:?}");
        assert!(c.low <= c.after && c.after <= c.high);
    }

    #[test]
    fn flat_series_has_no_trend() {
        let pts: Vec<(f64, f64)> = (0..8)
            .map(|i| (f64::from(i), 0.8 + if i % 2 == 0 { 0.01 } else { -0.01 }))
            .collect();
        let s = project(Metric::RocAuc, &pts, Some(0.75), Unit::Days).expect("staleness");
        assert!(!s.degrading);
        assert!(s.crossing.is_none());
        assert!(s.message.starts_with("No significant"));
    }

    #[test]
    fn ols_matches_closed_form() {
        let f = fit(&[(0.0, 1.0), (1.0, 3.0), (2.0, 5.0), (3.0, 7.5)]).expect("fit");
        // numpy.polyfit(x, y, 1) = [2.15, 0.9]
        assert!((f.slope - 2.15).abs() < 1e-12);
        assert!((f.intercept - 0.9).abs() < 1e-12);
    }
}

//! Regression metrics (numeric target, numeric prediction).

use serde::Serialize;

use super::{EPS, Metric, MetricValues};

/// Regression metrics of `(target, prediction)` pairs with optional weights.
pub fn regression_metrics(pairs: &[(f64, f64)], weights: Option<&[u32]>) -> MetricValues {
    let w = |i: usize| weights.map_or(1.0, |w| f64::from(w[i]));
    let (mut n, mut sum_y) = (0.0, 0.0);
    let (mut abs, mut sq, mut pct) = (0.0, 0.0, 0.0);
    for (i, &(y, p)) in pairs.iter().enumerate() {
        let wi = w(i);
        n += wi;
        sum_y += wi * y;
        let e = y - p;
        abs += wi * e.abs();
        sq += wi * e * e;
        pct += wi * e.abs() / y.abs().max(EPS);
    }
    let mut out = MetricValues::new();
    if n == 0.0 {
        return out;
    }
    let mean_y = sum_y / n;
    let ss_tot: f64 = pairs
        .iter()
        .enumerate()
        .map(|(i, &(y, _))| w(i) * (y - mean_y) * (y - mean_y))
        .sum();
    out.insert(Metric::Mae, abs / n);
    out.insert(Metric::Rmse, (sq / n).sqrt());
    out.insert(Metric::Mape, pct / n);
    let r2 = if ss_tot > 0.0 {
        1.0 - sq / ss_tot
    } else if sq == 0.0 {
        1.0
    } else {
        0.0
    };
    out.insert(Metric::R2, r2);
    out
}

/// The compression sweep's regression metrics.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RegressionMetrics {
    pub mae: f64,
    pub rmse: f64,
}

/// The sweep's MAE and RMSE of `pred` against `y`: the [`regression_metrics`] of the pairs,
/// NaN when there are none.
pub fn regression(y: &[f64], pred: &[f64]) -> RegressionMetrics {
    let pairs: Vec<(f64, f64)> = y.iter().copied().zip(pred.iter().copied()).collect();
    let m = regression_metrics(&pairs, None);
    let get = |k: Metric| m.get(&k).copied().unwrap_or(f64::NAN);
    RegressionMetrics {
        mae: get(Metric::Mae),
        rmse: get(Metric::Rmse),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regression_closed_forms() {
        let m = regression_metrics(&[(1.0, 2.0), (2.0, 2.0), (3.0, 2.0)], None);
        assert!((m[&Metric::Mae] - 2.0 / 3.0).abs() < 1e-15);
        assert!((m[&Metric::R2] - 0.0).abs() < 1e-15);
        assert!((m[&Metric::Mape] - (1.0 + 0.0 + 1.0 / 3.0) / 3.0).abs() < 1e-15);
    }

    #[test]
    fn sweep_regression_closed_form() {
        let r = regression(&[1.0, 2.0, 3.0], &[1.0, 3.0, 5.0]);
        assert!((r.mae - 1.0).abs() < 1e-12);
        assert!((r.rmse - (5.0f64 / 3.0).sqrt()).abs() < 1e-12);
        assert!(regression(&[], &[]).mae.is_nan());
    }
}

//! Granger causality F-tests and the lagged cross-correlation of two series, as statsmodels
//! 0.14 computes them.
//!
//! - [`granger`] = `statsmodels.tsa.stattools.grangercausalitytests(np.column_stack([effect,
//!   cause]), maxlag=K)[k][0]["ssr_ftest"]` for k = 1…K. For each order k separately (each
//!   trims its own first k observations, `lagmat2ds(trim="both")`): the restricted model
//!   regresses effectₜ on effectₜ₋₁…effectₜ₋ₖ and a constant, the unrestricted one adds
//!   causeₜ₋₁…causeₜ₋ₖ; F = (SSRᵣ − SSRᵤ) / SSRᵤ / k · (n − k − (2k + 1)), p = P(F(k, n − k −
//!   2k − 1) > F). Note statsmodels' argument order: the *first* column is the effect, and the
//!   test asks whether the *second* column's past helps to predict it.
//! - [`ccf`] = `statsmodels.tsa.stattools.ccf(x, y, adjusted=True)`: element k =
//!   Σₜ (xₜ₊ₖ − x̄)(yₜ − ȳ) / (n − k) / (σₓ σᵧ), with the standard deviations over n (np.std);
//!   with x the feature and y the score, element k says how the feature k windows later moves
//!   with the score now.

use statrs::distribution::{ContinuousCDF, FisherSnedecor};

/// One order of the Granger test.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct GrangerLag {
    /// The order k: the test uses the cause's lags 1…k together.
    pub lag: usize,
    pub f_statistic: f64,
    pub p_value: f64,
    /// Numerator degrees of freedom (= k).
    pub df_num: usize,
    /// Denominator degrees of freedom (n − k − 2k − 1).
    pub df_denom: usize,
}

/// Why the test cannot be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GrangerError {
    #[error(
        "{n} windows are too few for lags up to {max_lag}: the Granger test needs at least {needed} (3 × lags + 2)"
    )]
    TooFewObservations {
        n: usize,
        max_lag: usize,
        needed: usize,
    },
    #[error("the lag must be at least 1")]
    NoLag,
    #[error("the {which} series has a missing or non-finite value in window {index}")]
    NonFinite { which: &'static str, index: usize },
    #[error("the {which} series is constant, so the Granger test statistic cannot be computed")]
    Constant { which: &'static str },
    #[error("the model with {lag} lags fits the data perfectly, so no F-test can be computed")]
    PerfectFit { lag: usize },
    #[error("the two series have different lengths ({effect} and {cause})")]
    Lengths { effect: usize, cause: usize },
}

/// Sum of squared residuals of the least-squares fit of `y` on the columns `x` (Householder QR;
/// for a full-rank design this is what statsmodels' pinv-based OLS gives). `None` when a column
/// is (numerically) a combination of the others.
pub fn ols_ssr(y: &[f64], x: &[Vec<f64>]) -> Option<f64> {
    let n = y.len();
    let p = x.len();
    if n <= p {
        return None;
    }
    let mut a: Vec<Vec<f64>> = x.to_vec();
    let mut b = y.to_vec();
    let scale: f64 = a
        .iter()
        .flat_map(|c| c.iter())
        .fold(0.0_f64, |m, v| m.max(v.abs()));
    for j in 0..p {
        let norm = a[j][j..].iter().map(|v| v * v).sum::<f64>().sqrt();
        if norm <= 1e-12 * scale.max(f64::MIN_POSITIVE) * (n as f64).sqrt() {
            return None;
        }
        let alpha = if a[j][j] > 0.0 { -norm } else { norm };
        // v = a_j[j..] − α e₁, H = I − 2 v vᵀ / vᵀv.
        let mut v: Vec<f64> = a[j][j..].to_vec();
        v[0] -= alpha;
        let vv: f64 = v.iter().map(|t| t * t).sum();
        if vv == 0.0 {
            continue;
        }
        for col in a.iter_mut().skip(j) {
            let dot: f64 = v.iter().zip(&col[j..]).map(|(s, t)| s * t).sum();
            let f = 2.0 * dot / vv;
            for (c, s) in col[j..].iter_mut().zip(&v) {
                *c -= f * s;
            }
        }
        let dot: f64 = v.iter().zip(&b[j..]).map(|(s, t)| s * t).sum();
        let f = 2.0 * dot / vv;
        for (c, s) in b[j..].iter_mut().zip(&v) {
            *c -= f * s;
        }
    }
    // After Qᵀ, the residual is the part of b below the first p rows.
    Some(b[p..].iter().map(|v| v * v).sum())
}

fn check_finite(which: &'static str, v: &[f64]) -> Result<(), GrangerError> {
    match v.iter().position(|x| !x.is_finite()) {
        Some(index) => Err(GrangerError::NonFinite { which, index }),
        None => Ok(()),
    }
}

fn is_constant(v: &[f64]) -> bool {
    v.iter().all(|x| *x == v[0])
}

/// The Granger F-tests of orders 1…`max_lag`: does the past of `cause` help to predict
/// `effect` beyond `effect`'s own past? See the module documentation for the formula.
pub fn granger(
    effect: &[f64],
    cause: &[f64],
    max_lag: usize,
) -> Result<Vec<GrangerLag>, GrangerError> {
    if effect.len() != cause.len() {
        return Err(GrangerError::Lengths {
            effect: effect.len(),
            cause: cause.len(),
        });
    }
    if max_lag == 0 {
        return Err(GrangerError::NoLag);
    }
    let n = effect.len();
    // statsmodels: x.shape[0] <= 3 * maxlag + 1 is too short.
    if n <= 3 * max_lag + 1 {
        return Err(GrangerError::TooFewObservations {
            n,
            max_lag,
            needed: 3 * max_lag + 2,
        });
    }
    check_finite("feature", effect)?;
    check_finite("score", cause)?;
    let mut out = Vec::with_capacity(max_lag);
    for k in 1..=max_lag {
        let rows = n - k;
        let y: Vec<f64> = effect[k..].to_vec();
        let lagged = |s: &[f64], l: usize| -> Vec<f64> { (k..n).map(|t| s[t - l]).collect() };
        let mut own: Vec<Vec<f64>> = (1..=k).map(|l| lagged(effect, l)).collect();
        let cause_lags: Vec<Vec<f64>> = (1..=k).map(|l| lagged(cause, l)).collect();
        // statsmodels refuses a design with a constant regressor besides the intercept.
        if own.iter().any(|c| is_constant(c)) {
            return Err(GrangerError::Constant { which: "feature" });
        }
        if cause_lags.iter().any(|c| is_constant(c)) {
            return Err(GrangerError::Constant { which: "score" });
        }
        own.push(vec![1.0; rows]);
        let mut joint = own.clone();
        joint.extend(cause_lags);
        let df_denom = rows - joint.len();
        let ssr_own = ols_ssr(&y, &own).ok_or(GrangerError::PerfectFit { lag: k })?;
        let ssr_joint = ols_ssr(&y, &joint).ok_or(GrangerError::PerfectFit { lag: k })?;
        let mean = y.iter().sum::<f64>() / rows as f64;
        let tss: f64 = y.iter().map(|v| (v - mean).powi(2)).sum();
        if tss == 0.0 || ssr_joint == 0.0 || ssr_joint / tss < f64::EPSILON {
            return Err(GrangerError::PerfectFit { lag: k });
        }
        let f = (ssr_own - ssr_joint) / ssr_joint / k as f64 * df_denom as f64;
        let p = FisherSnedecor::new(k as f64, df_denom as f64)
            .map(|d| d.sf(f))
            .unwrap_or(f64::NAN);
        out.push(GrangerLag {
            lag: k,
            f_statistic: f,
            p_value: p,
            df_num: k,
            df_denom,
        });
    }
    Ok(out)
}

/// The cross-correlation of `x` and `y` at lags 0…`max_lag` (statsmodels' `ccf` with
/// `adjusted=True`, see the module documentation); `None` when a series is constant or
/// shorter than `max_lag + 1`.
pub fn ccf(x: &[f64], y: &[f64], max_lag: usize) -> Option<Vec<f64>> {
    let n = x.len();
    if n != y.len() || n <= max_lag || n == 0 {
        return None;
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / n as f64;
    let (mx, my) = (mean(x), mean(y));
    let xo: Vec<f64> = x.iter().map(|v| v - mx).collect();
    let yo: Vec<f64> = y.iter().map(|v| v - my).collect();
    let sd = |v: &[f64]| (v.iter().map(|t| t * t).sum::<f64>() / n as f64).sqrt();
    let denom = sd(&xo) * sd(&yo);
    if denom.is_nan() || denom <= 0.0 || !denom.is_finite() {
        return None;
    }
    Some(
        (0..=max_lag)
            .map(|k| {
                let c: f64 = (0..n - k).map(|t| xo[t + k] * yo[t]).sum();
                c / (n - k) as f64 / denom
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssr_of_an_exact_line_is_zero_and_of_a_mean_is_the_variance() {
        let y = [1.0, 3.0, 5.0, 7.0];
        let x = vec![vec![0.0, 1.0, 2.0, 3.0], vec![1.0; 4]];
        assert!(ols_ssr(&y, &x).expect("fit") < 1e-20);
        let ssr = ols_ssr(&y, &[vec![1.0; 4]]).expect("fit");
        assert!((ssr - 20.0).abs() < 1e-12, "{ssr}");
        // A duplicated column has no unique fit.
        assert!(ols_ssr(&y, &[vec![1.0; 4], vec![2.0; 4]]).is_none());
    }

    #[test]
    fn short_and_constant_series_are_refused() {
        let a: Vec<f64> = (0..7).map(|i| (i as f64).sin()).collect();
        assert!(matches!(
            granger(&a, &a, 2),
            Err(GrangerError::TooFewObservations { needed: 8, .. })
        ));
        let b: Vec<f64> = (0..20).map(|i| (i as f64 * 1.3).sin()).collect();
        assert!(matches!(
            granger(&b, &[0.5; 20], 2),
            Err(GrangerError::Constant { which: "score" })
        ));
        assert!(ccf(&b, &[0.5; 20], 2).is_none());
    }
}

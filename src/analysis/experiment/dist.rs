//! Distribution helpers on top of `statrs`: tail probabilities by survival functions (so a
//! p-value of 1e-40 stays 1e-40 instead of 1 − 1 = 0) and quantiles refined to full double
//! precision, as scipy's `t.ppf`, `norm.ppf` and `chi2.sf` return them.

use statrs::distribution::{ChiSquared, Continuous, ContinuousCDF, Normal, StudentsT};

/// Standard normal upper tail P(Z > z) = `scipy.stats.norm.sf(z)`.
pub fn normal_sf(z: f64) -> f64 {
    if z.is_nan() {
        return f64::NAN;
    }
    0.5 * statrs::function::erf::erfc(z / std::f64::consts::SQRT_2)
}

/// Standard normal cdf Φ(z) = P(Z ≤ z) = `scipy.stats.norm.cdf(z)`, from the lower tail so that
/// far-left values keep their precision.
pub fn normal_cdf(z: f64) -> f64 {
    normal_sf(-z)
}

/// Standard normal density φ(z).
pub fn normal_pdf(z: f64) -> f64 {
    (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

/// Standard normal quantile Φ⁻¹(p) = `scipy.stats.norm.ppf(p)` for p in (0, 1).
pub fn normal_quantile(p: f64) -> f64 {
    // statrs inverts via erfc_inv; one Newton step on the cdf polishes the last bits.
    let standard = Normal::standard();
    let mut z = standard.inverse_cdf(p);
    if z.is_finite() {
        let err = if p < 0.5 {
            normal_cdf(z) - p
        } else {
            (1.0 - p) - normal_sf(z)
        };
        let d = normal_pdf(z);
        if d > 0.0 {
            z -= err / d;
        }
    }
    z
}

/// Student-t upper tail P(T > t) with `df` degrees of freedom = `scipy.stats.t.sf(t, df)`.
pub fn t_sf(t: f64, df: f64) -> f64 {
    match StudentsT::new(0.0, 1.0, df) {
        Ok(d) => d.sf(t),
        Err(_) => f64::NAN,
    }
}

/// Student-t quantile of the upper tail: the `t` with P(T > t) = `q`, i.e.
/// `scipy.stats.t.ppf(1 − q, df)`. statrs's inverse (via the inverse regularised beta) is
/// only good to about 1e-9, so Newton steps on the survival function refine it.
pub fn t_upper_quantile(q: f64, df: f64) -> f64 {
    let Ok(d) = StudentsT::new(0.0, 1.0, df) else {
        return f64::NAN;
    };
    let mut t = d.inverse_cdf(1.0 - q);
    for _ in 0..4 {
        let dens = d.pdf(t);
        if !t.is_finite() || dens <= 0.0 {
            break;
        }
        let step = (d.sf(t) - q) / dens;
        t += step;
        if step.abs() <= 1e-15 * t.abs().max(1.0) {
            break;
        }
    }
    t
}

/// Chi-square upper tail P(X > x) with `df` degrees of freedom = `scipy.stats.chi2.sf(x, df)`.
pub fn chi2_sf(x: f64, df: f64) -> f64 {
    match ChiSquared::new(df) {
        Ok(d) => d.sf(x),
        Err(_) => f64::NAN,
    }
}

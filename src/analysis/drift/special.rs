//! Special functions shared by the tests: normal/chi-square/Student-t tails,
//! a scaled modified Bessel function K_{1/4}, and a least-squares quadratic fit.

use statrs::function::beta::checked_beta_reg;
use statrs::function::gamma::checked_gamma_ur;

use crate::analysis::erf::{erf_small, erfc_large};

/// Standard normal CDF Φ(a), structured like Cephes/SciPy `ndtr`:
/// x = a/√2 (as a multiplication, so the rounding matches SciPy);
/// |x| < 1/√2 → ½ + ½·erf(x), else ½·erfc(|x|) reflected. Relative accuracy
/// ~1e-15 in both tails (statrs' `erfc` is only good to ~5e-11 relative).
pub(super) fn normal_cdf(a: f64) -> f64 {
    use std::f64::consts::FRAC_1_SQRT_2;
    if a.is_nan() {
        return f64::NAN;
    }
    let x = a * FRAC_1_SQRT_2;
    let z = x.abs();
    if z < FRAC_1_SQRT_2 {
        0.5 + 0.5 * erf_small(x)
    } else {
        let y = 0.5 * erfc_large(z);
        if x > 0.0 { 1.0 - y } else { y }
    }
}

/// Chi-square survival function P(X >= x) with `df` degrees of freedom
/// (SciPy `chi2.sf` = regularized upper incomplete gamma Q(df/2, x/2)).
/// NaN when `df <= 0` or `x` is NaN; 0 for `x = +inf`.
pub(super) fn chi2_sf(x: f64, df: f64) -> f64 {
    if x.is_nan() || df.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    if x == f64::INFINITY {
        return 0.0;
    }
    if x <= 0.0 {
        return 1.0;
    }
    checked_gamma_ur(df / 2.0, x / 2.0).unwrap_or(f64::NAN)
}

/// Student-t survival function P(T >= t) with `df` degrees of freedom,
/// via the regularized incomplete beta function (as Cephes `stdtr`).
pub(super) fn student_t_sf(t: f64, df: f64) -> f64 {
    if t.is_nan() || df.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    if t == f64::INFINITY {
        return 0.0;
    }
    if t == f64::NEG_INFINITY {
        return 1.0;
    }
    // x = df/(df+t²) and 1-x = t²/(df+t²), each computed without cancellation.
    let t2 = t * t;
    let x = df / (df + t2);
    let tail = 0.5 * checked_beta_reg(df / 2.0, 0.5, x).unwrap_or(f64::NAN);
    if t >= 0.0 { tail } else { 1.0 - tail }
}

/// e^{-q} · K_{1/4}(q), the modified Bessel function of the second kind of
/// order 1/4 scaled by e^{-q}, for q > 0.
///
/// Uses K_ν(q) = ∫₀^∞ exp(-q cosh t) cosh(ν t) dt, so that
/// e^{-q}K_ν(q) = e^{-2q} ∫₀^∞ exp(-2q sinh²(t/2)) cosh(ν t) dt. The integrand
/// is analytic in the strip |Im t| < π/2, so the trapezoidal rule converges
/// geometrically: step 0.125 is accurate to ~1e-30 relative, far beyond f64.
pub(super) fn bessel_k_quarter_times_exp_neg(q: f64) -> f64 {
    if q.is_nan() || q <= 0.0 {
        return f64::NAN;
    }
    const H: f64 = 0.125;
    let mut sum = 0.5; // f(0) / 2, f(0) = 1
    let mut k = 1.0_f64;
    loop {
        let t = k * H;
        let s = (0.5 * t).sinh();
        let term = (-2.0 * q * s * s).exp() * (0.25 * t).cosh();
        // `!(term >= …)` also stops on NaN (0·∞ once sinh overflows); the cap
        // is far beyond the ~300 steps the smallest q seen in practice needs.
        if term < 1e-18 * sum || term.is_nan() || k > 20_000.0 {
            break;
        }
        sum += term;
        k += 1.0;
    }
    (-2.0 * q).exp() * sum * H
}

/// Least-squares quadratic `c0·x² + c1·x + c2` through the points (as
/// `numpy.polyfit(x, y, 2)`), solved with Householder QR on the
/// column-scaled Vandermonde matrix (NumPy scales columns the same way
/// before its SVD solve; both are backward stable on this tiny system).
pub(super) fn polyfit2(x: &[f64], y: &[f64]) -> Option<[f64; 3]> {
    let n = x.len();
    if n < 3 || y.len() != n {
        return None;
    }
    let mut a: Vec<[f64; 3]> = x.iter().map(|&v| [v * v, v, 1.0]).collect();
    let mut b: Vec<f64> = y.to_vec();
    let mut scale = [0.0; 3];
    for (c, s) in scale.iter_mut().enumerate() {
        *s = a.iter().map(|r| r[c] * r[c]).sum::<f64>().sqrt();
        if *s == 0.0 {
            return None;
        }
    }
    for r in a.iter_mut() {
        for c in 0..3 {
            r[c] /= scale[c];
        }
    }
    // Householder QR, applied to `b` on the fly.
    for c in 0..3 {
        let norm = a[c..].iter().map(|r| r[c] * r[c]).sum::<f64>().sqrt();
        if norm == 0.0 {
            return None;
        }
        let alpha = if a[c][c] > 0.0 { -norm } else { norm };
        let mut v: Vec<f64> = a[c..].iter().map(|r| r[c]).collect();
        v[0] -= alpha;
        let vnorm2: f64 = v.iter().map(|e| e * e).sum();
        if vnorm2 == 0.0 {
            continue;
        }
        for cc in c..3 {
            let dot: f64 = v.iter().zip(&a[c..]).map(|(vi, r)| vi * r[cc]).sum();
            let f = 2.0 * dot / vnorm2;
            for (vi, r) in v.iter().zip(a[c..].iter_mut()) {
                r[cc] -= f * vi;
            }
        }
        let dot: f64 = v.iter().zip(&b[c..]).map(|(vi, bi)| vi * bi).sum();
        let f = 2.0 * dot / vnorm2;
        for (vi, bi) in v.iter().zip(b[c..].iter_mut()) {
            *bi -= f * vi;
        }
    }
    let mut coef = [0.0; 3];
    for c in (0..3).rev() {
        let mut s = b[c];
        for cc in c + 1..3 {
            s -= a[c][cc] * coef[cc];
        }
        coef[c] = s / a[c][c];
    }
    for c in 0..3 {
        coef[c] /= scale[c];
    }
    Some(coef)
}

/// Greatest common divisor.
pub(super) fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polyfit_recovers_exact_quadratic() {
        let x = [0.0, 1.0, 2.0, 3.0, 4.0];
        let y: Vec<f64> = x.iter().map(|v| 2.0 * v * v - 3.0 * v + 0.5).collect();
        let c = polyfit2(&x, &y).expect("well-posed");
        assert!((c[0] - 2.0).abs() < 1e-12 && (c[1] + 3.0).abs() < 1e-12);
        assert!((c[2] - 0.5).abs() < 1e-12);
    }

    #[test]
    fn bessel_k_quarter_matches_reference() {
        // scipy.special.kv(0.25, 1.0) = 0.4307397744485814
        let v = bessel_k_quarter_times_exp_neg(1.0) * 1f64.exp();
        assert!((v - 0.430_739_774_448_581_4).abs() < 1e-13, "{v}");
    }

    #[test]
    fn tails_are_consistent() {
        assert!((normal_cdf(0.0) - 0.5).abs() < 1e-16);
        let lower = normal_cdf(-1.959_963_984_540_054);
        assert!((lower - 0.025).abs() < 1e-16, "{lower}");
        // scipy.special.ndtr(-10) = 7.61985302416047e-24
        let far = normal_cdf(-10.0);
        assert!(
            (far / 7.619_853_024_160_47e-24 - 1.0).abs() < 1e-14,
            "{far}"
        );
        assert!((normal_cdf(0.3) - 0.617_911_422_188_952_6).abs() < 1e-16);
        assert!((chi2_sf(3.841_458_820_694_124, 1.0) - 0.05).abs() < 1e-13);
        assert!((student_t_sf(0.0, 7.0) - 0.5).abs() < 1e-15);
    }
}

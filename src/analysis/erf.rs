//! The error function to full double precision where statrs's is good to ~1e-10 relative:
//! the pieces of Cephes/SciPy `ndtr` that the normal tails of the drift tests and of the
//! experiment statistics are built from.

/// erf(x) for |x| < 1 by its Maclaurin series (terms shrink fast, little cancellation).
pub fn erf_small(x: f64) -> f64 {
    let x2 = x * x;
    let mut term = x; // (-1)^n x^{2n+1} / n!
    let mut sum = x;
    let mut n = 0.0_f64;
    loop {
        n += 1.0;
        term *= -x2 / n;
        let t = term / (2.0 * n + 1.0);
        sum += t;
        // `<=` also stops at x = 0, where every term is 0.
        if t.abs() <= 1e-17 * sum.abs() || n > 200.0 {
            break;
        }
    }
    sum * std::f64::consts::FRAC_2_SQRT_PI
}

/// erfc(x) for x >= 1/√2 by Laplace's continued fraction
/// erfc(x) = e^{-x²}/√π · 1/(x + (1/2)/(x + (2/2)/(x + (3/2)/(x + …)))),
/// evaluated with the modified Lentz algorithm; e^{-x²} is computed with x
/// split into a 16-fraction-bit head and a tail so that x² is not rounded.
pub fn erfc_large(x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    if x > 27.3 {
        return 0.0;
    }
    let mut f = x;
    let mut c = x;
    let mut d = 0.0;
    for k in 1..20_000 {
        let a = f64::from(k) / 2.0;
        d = x + a * d;
        if d == 0.0 {
            d = TINY;
        }
        c = x + a / c;
        if c == 0.0 {
            c = TINY;
        }
        d = 1.0 / d;
        let delta = c * d;
        f *= delta;
        if (delta - 1.0).abs() < 1e-16 {
            break;
        }
    }
    let head = (x * 65536.0).round() / 65536.0;
    let tail = x - head;
    let exp_neg_x2 = (-head * head).exp() * (-(2.0 * head * tail + tail * tail)).exp();
    exp_neg_x2 / std::f64::consts::PI.sqrt() / f
}

//! Two-sample Kolmogorov–Smirnov test, reproducing `scipy.stats.ks_2samp`
//! (SciPy 1.17, `_stats_py.py`) with `alternative='two-sided'`.

use serde::{Deserialize, Serialize};

use super::error::DriftError;
use super::kolmogorov::kolmogn_sf;
use super::sample::{MergeWalk, NumericSample, require_non_empty};
use super::special::gcd;

/// How the KS p-value is computed (SciPy's `method`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KsMethod {
    /// Exact when max(n1, n2) <= 10 000, else asymptotic (SciPy default).
    #[default]
    Auto,
    /// Exact lattice-path count (falls back to asymptotic when it fails numerically).
    Exact,
    /// `kstwo.sf(D, round(n1·n2/(n1+n2)))`.
    Asymptotic,
}

/// Parameters of [`ks_2samp`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KsParams {
    /// p-value method; `Auto` matches SciPy's default.
    pub method: KsMethod,
}

/// Result of [`ks_2samp`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct KsReport {
    /// D = sup_x |F_ref(x) − F_cur(x)| ∈ [0, 1] (rounded to the lattice h/lcm(n1,n2)
    /// when the exact method ran, exactly as SciPy does).
    pub statistic: f64,
    /// Two-sided p-value ∈ [0, 1].
    pub p_value: f64,
    /// Value x where the largest ECDF gap occurs (SciPy `statistic_location`).
    pub location: f64,
    /// +1 when F_ref − F_cur is largest positive there, −1 when most negative
    /// (SciPy `statistic_sign`).
    pub sign: i8,
    /// Method actually used: `Exact` or `Asymptotic`.
    pub method_used: KsMethod,
}

/// SciPy's `MAX_AUTO_N`: `auto` is exact up to this sample size.
const MAX_AUTO_N: usize = 10_000;

#[derive(Clone, Copy)]
struct Extremum {
    value: f64,
    loc_ref: Option<f64>,
    loc_cur: Option<f64>,
}

impl Extremum {
    fn new(value: f64) -> Self {
        Self {
            value,
            loc_ref: None,
            loc_cur: None,
        }
    }

    /// Records `x` if it attains the extremum. SciPy takes `argmax` over
    /// `concatenate([sorted ref, sorted cur])`, i.e. the first reference value
    /// attaining it, else the first current value; we keep both candidates.
    fn update(&mut self, diff: f64, better: bool, x: f64, in_ref: bool, in_cur: bool) {
        if better {
            *self = Self::new(diff);
        }
        if better || diff == self.value {
            if in_ref && self.loc_ref.is_none() {
                self.loc_ref = Some(x);
            }
            if in_cur && self.loc_cur.is_none() {
                self.loc_cur = Some(x);
            }
        }
    }

    fn location(&self) -> f64 {
        self.loc_ref.or(self.loc_cur).unwrap_or(f64::NAN)
    }
}

/// Two-sample two-sided Kolmogorov–Smirnov test of `reference` vs `current`.
///
/// D is found in one merge walk over the sorted samples (O(n1 + n2)). The
/// p-value follows `scipy.stats.ks_2samp(reference, current)`:
/// * `Auto` → exact if max(n1, n2) <= 10 000, otherwise asymptotic;
/// * exact: h = round(D·lcm), D = h/lcm, then `_compute_prob_outside_square`
///   (n1 = n2) or the Viehmann (2021) "inside" recursion (n1 ≠ n2); if the
///   result is not within [0, 1] SciPy (and we) fall back to asymptotic;
/// * asymptotic: `kstwo.sf(D, round(n1·n2/(n1+n2)))`.
///
/// Ties are handled exactly (ECDFs evaluated with `side='right'`).
pub fn ks_2samp(
    reference: &NumericSample,
    current: &NumericSample,
    params: &KsParams,
) -> Result<KsReport, DriftError> {
    require_non_empty(reference, current)?;
    let (n1, n2) = (reference.len(), current.len());
    let (n1f, n2f) = (n1 as f64, n2 as f64);
    let mut max = Extremum::new(f64::NEG_INFINITY);
    let mut min = Extremum::new(f64::INFINITY);
    let (mut c1, mut c2) = (0_usize, 0_usize);
    for g in MergeWalk::new(reference.values(), current.values()) {
        c1 += g.a;
        c2 += g.b;
        let diff = c1 as f64 / n1f - c2 as f64 / n2f;
        let (in_ref, in_cur) = (g.a > 0, g.b > 0);
        max.update(diff, diff > max.value, g.value, in_ref, in_cur);
        min.update(diff, diff < min.value, g.value, in_ref, in_cur);
    }
    let min_s = (-min.value).clamp(0.0, 1.0);
    let max_s = max.value;
    let (mut d, location, sign) = if min_s > max_s {
        (min_s, min.location(), -1)
    } else {
        (max_s, max.location(), 1)
    };

    let mut method = match params.method {
        KsMethod::Auto if n1.max(n2) <= MAX_AUTO_N => KsMethod::Exact,
        KsMethod::Auto => KsMethod::Asymptotic,
        m => m,
    };
    let g = gcd(n1 as u64, n2 as u64);
    let (n1g, n2g) = (n1 as u64 / g, n2 as u64 / g);
    if method == KsMethod::Exact
        && params.method == KsMethod::Exact
        && n1g as f64 >= i32::MAX as f64 / n2g as f64
    {
        method = KsMethod::Asymptotic;
    }
    let mut p = f64::NAN;
    if method == KsMethod::Exact {
        match exact_two_sided(n1 as u64, n2 as u64, g, d) {
            (Some(prob), d_lattice) => {
                p = prob;
                d = d_lattice;
            }
            (None, d_lattice) => {
                d = d_lattice;
                method = KsMethod::Asymptotic;
            }
        }
    }
    if method == KsMethod::Asymptotic {
        let (m, n) = if n1f >= n2f { (n1f, n2f) } else { (n2f, n1f) };
        let en = m * n / (m + n);
        p = kolmogn_sf(en.round_ties_even() as u64, d);
    }
    Ok(KsReport {
        statistic: d,
        p_value: p.clamp(0.0, 1.0),
        location,
        sign,
        method_used: method,
    })
}

/// SciPy `_attempt_exact_2kssamp` for the two-sided alternative: returns the
/// probability (None when it is not a valid probability) and the lattice D.
fn exact_two_sided(n1: u64, n2: u64, g: u64, d: f64) -> (Option<f64>, f64) {
    let lcm = (n1 / g) * n2;
    let h = (d * lcm as f64).round_ties_even() as u64;
    let d = h as f64 / lcm as f64;
    if h == 0 {
        return (Some(1.0), d);
    }
    let prob = if n1 == n2 {
        prob_outside_square(n1, h)
    } else {
        outer_prob_inside(n1, n2, g, h)
    };
    if (0.0..=1.0).contains(&prob) {
        (Some(prob), d)
    } else {
        (None, d)
    }
}

/// P(D_{n,n} >= h/n) by the alternating binomial sum in Horner form
/// (SciPy `_compute_prob_outside_square`).
fn prob_outside_square(n: u64, h: u64) -> f64 {
    let (n, h) = (n as i64, h as i64);
    let mut p = 0.0;
    let mut k = n / h;
    while k >= 0 {
        let mut p1 = 1.0;
        for j in 0..h {
            p1 = (n - k * h - j) as f64 * p1 / (n + k * h + j + 1) as f64;
        }
        p = p1 * (1.0 - p);
        k -= 1;
    }
    2.0 * p
}

/// Proportion of lattice paths from (0,0) to (m,n) that leave the band
/// |x/m − y/n| < h/lcm, computed directly as 1 − p with Viehmann's recursion
/// (SciPy `_stats_pythran._compute_outer_prob_inside_method`).
fn outer_prob_inside(m: u64, n: u64, g: u64, h: u64) -> f64 {
    let (m, n) = if m < n { (n, m) } else { (m, n) };
    let (m, n, g, h) = (m as i64, n as i64, g as i64, h as i64);
    let mg = m / g;
    let ng = n / g;
    let ceil_div = |a: i64, b: i64| -> i64 { -((-a).div_euclid(b)) };
    let mut minj: i64 = 0;
    let mut maxj: i64 = ceil_div(h, mg).min(n + 1);
    let mut curlen = maxj - minj;
    let len_a = (2 * maxj + 2).min(n + 1) as usize;
    let mut a = vec![1.0_f64; len_a];
    for e in a.iter_mut().take(maxj as usize) {
        *e = 0.0;
    }
    for i in 1..=m {
        let (lastminj, lastlen) = (minj, curlen);
        minj = ((ng * i - h).div_euclid(mg) + 1).max(0).min(n);
        maxj = ceil_div(ng * i + h, mg).min(n + 1);
        if maxj <= minj {
            return 1.0;
        }
        let fi = i as f64;
        let mut val = if minj == 0 { 0.0 } else { 1.0 };
        for jj in 0..(maxj - minj) {
            let j = (jj + minj) as f64;
            let src = (jj + minj - lastminj) as usize;
            val = (a.get(src).copied().unwrap_or(1.0) * fi + val * j) / (fi + j);
            if let Some(e) = a.get_mut(jj as usize) {
                *e = val;
            }
        }
        curlen = maxj - minj;
        if lastlen > curlen {
            let from = (maxj - minj) as usize;
            let to = (from + (lastlen - curlen) as usize).min(a.len());
            for e in a.iter_mut().take(to).skip(from) {
                *e = 1.0;
            }
        }
    }
    a.get((maxj - minj - 1) as usize)
        .copied()
        .unwrap_or(f64::NAN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_samples_have_zero_statistic() {
        let s = NumericSample::new(&[1.0, 2.0, 3.0]);
        let r = ks_2samp(&s, &s, &KsParams::default()).expect("non-empty");
        assert_eq!(r.statistic, 0.0);
        assert_eq!(r.p_value, 1.0);
    }

    #[test]
    fn disjoint_samples_have_unit_statistic() {
        let a = NumericSample::new(&[1.0, 2.0, 3.0]);
        let b = NumericSample::new(&[4.0, 5.0, 6.0, 7.0]);
        let r = ks_2samp(&a, &b, &KsParams::default()).expect("non-empty");
        assert_eq!(r.statistic, 1.0);
        assert_eq!(r.location, 3.0);
        assert_eq!(r.sign, 1);
        // Exact: 2 / C(7,3) = 2/35.
        assert!((r.p_value - 2.0 / 35.0).abs() < 1e-15);
    }

    #[test]
    fn empty_side_is_typed_error() {
        let a = NumericSample::new(&[f64::NAN]);
        let b = NumericSample::new(&[1.0]);
        assert!(matches!(
            ks_2samp(&a, &b, &KsParams::default()),
            Err(DriftError::EmptySample(_))
        ));
    }
}

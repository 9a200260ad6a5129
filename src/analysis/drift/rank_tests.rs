//! Rank-based two-sample tests: Mann–Whitney U, Cramér–von Mises and the
//! k-sample (k = 2) Anderson–Darling test, all computed from one merge walk
//! over the sorted samples (mid-ranks for ties).

use serde::{Deserialize, Serialize};

use super::error::DriftError;
use super::sample::{CompensatedSum, MergeWalk, NumericSample, compensated_sum, require_non_empty};
use super::special::{bessel_k_quarter_times_exp_neg, gcd, normal_cdf, polyfit2};
use crate::vocab::Side;

/// How the Mann–Whitney p-value was computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MwuMethod {
    /// Exact null distribution (no ties and min(n1, n2) <= 8).
    Exact,
    /// Normal approximation with tie and continuity corrections.
    Asymptotic,
}

/// Result of [`mann_whitney_u`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MannWhitneyReport {
    /// U statistic of the reference sample, U1 = R1 − n1(n1+1)/2 ∈ [0, n1·n2]
    /// (SciPy's returned `statistic`).
    pub u_statistic: f64,
    /// Two-sided p-value ∈ [0, 1].
    pub p_value: f64,
    /// Method used.
    pub method: MwuMethod,
}

/// Two-sided Mann–Whitney U test, as `scipy.stats.mannwhitneyu(reference,
/// current)` with its defaults (`method='auto'`, `use_continuity=True`):
/// exact when there are no ties and min(n1, n2) <= 8 (SciPy: "exact" unless
/// both sizes exceed 8 or there are ties), otherwise
/// z = (max(U1, U2) − n1n2/2 − 0.5)/σ with the tie-corrected σ and p = 2Φ(−z).
///
/// Evidently 0.7's `mannw` test uses `alternative='less'`; this function is the
/// two-sided SciPy default that the spec asks for.
pub fn mann_whitney_u(
    reference: &NumericSample,
    current: &NumericSample,
) -> Result<MannWhitneyReport, DriftError> {
    require_non_empty(reference, current)?;
    let (n1, n2) = (reference.len(), current.len());
    let (n1f, n2f) = (n1 as f64, n2 as f64);
    let mut before = 0_usize;
    let mut r1 = 0.0;
    let mut tie_term = 0.0;
    let mut ties = false;
    for g in MergeWalk::new(reference.values(), current.values()) {
        let t = g.a + g.b;
        let avg_rank = before as f64 + (t as f64 + 1.0) / 2.0;
        r1 += g.a as f64 * avg_rank;
        if t > 1 {
            ties = true;
            let tf = t as f64;
            tie_term += tf * tf * tf - tf;
        }
        before += t;
    }
    let u1 = r1 - n1f * (n1f + 1.0) / 2.0;
    let u2 = n1f * n2f - u1;
    let u = u1.max(u2);
    let exact = !(ties || n1 > 8 && n2 > 8);
    let (p, method) = if exact {
        // U is an integer without ties; n1·n2 − U <= n1·n2/2.
        let kc = (n1f * n2f - u).round() as usize;
        (
            2.0 * mwu_exact_cdf(n1.min(n2), n1.max(n2), kc),
            MwuMethod::Exact,
        )
    } else {
        let n = n1f + n2f;
        let s = (n1f * n2f / 12.0 * ((n + 1.0) - tie_term / (n * (n - 1.0)))).sqrt();
        let z = (u - n1f * n2f / 2.0 - 0.5) / s;
        (2.0 * normal_cdf(-z), MwuMethod::Asymptotic)
    };
    Ok(MannWhitneyReport {
        u_statistic: u1,
        p_value: p.clamp(0.0, 1.0),
        method,
    })
}

/// P(U <= kc) under H0 for sample sizes m <= n without ties: the
/// coefficients of the Gaussian binomial [m+n choose m]_q up to q^kc,
/// built as ∏_{i=1..m} (1 − q^{n+i})/(1 − q^i) on a truncated power series
/// (truncation is exact because each step only looks at lower powers).
/// Exact 128-bit integers while C(m+n, m) fits, f64 beyond.
fn mwu_exact_cdf(m: usize, n: usize, kc: usize) -> f64 {
    let len = kc + 1;
    let total: f64 = (1..=m).fold(1.0, |acc, i| acc * (n + i) as f64 / i as f64);
    if total < 1e37 {
        let mut poly = vec![0_i128; len];
        poly[0] = 1;
        for i in 1..=m {
            let s = n + i;
            for u in (s..len).rev() {
                poly[u] -= poly[u - s];
            }
            for u in i..len {
                poly[u] += poly[u - i];
            }
        }
        let count: i128 = poly.iter().sum();
        count as f64 / total
    } else {
        let mut poly = vec![0.0_f64; len];
        poly[0] = 1.0;
        for i in 1..=m {
            let s = n + i;
            for u in (s..len).rev() {
                poly[u] -= poly[u - s];
            }
            for u in i..len {
                poly[u] += poly[u - i];
            }
        }
        compensated_sum(poly.iter().copied()) / total
    }
}

/// How the Cramér–von Mises p-value was computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CvmMethod {
    /// Exact permutation distribution (max(n1, n2) <= 20).
    Exact,
    /// Anderson (1962) normalisation + limiting one-sample distribution.
    Asymptotic,
}

/// Result of [`cramer_von_mises`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CvmReport {
    /// T = U/(n1·n2·N) − (4·n1·n2 − 1)/(6N), with U from mid-ranks; T >= 0 in practice.
    pub statistic: f64,
    /// p-value ∈ [0, 1].
    pub p_value: f64,
    /// Method used.
    pub method: CvmMethod,
}

/// Two-sample Cramér–von Mises test, as `scipy.stats.cramervonmises_2samp`
/// with `method='auto'` (exact when max(n1, n2) <= 20, else asymptotic).
/// Needs at least two values per side, like SciPy.
pub fn cramer_von_mises(
    reference: &NumericSample,
    current: &NumericSample,
) -> Result<CvmReport, DriftError> {
    require_non_empty(reference, current)?;
    for (side, s) in [(Side::Reference, reference), (Side::Current, current)] {
        if s.len() < 2 {
            return Err(DriftError::TooFewValues {
                side,
                len: s.len(),
                needed: 2,
                statistic: "cramer_von_mises",
            });
        }
    }
    let (nx, ny) = (reference.len(), current.len());
    // U = nx Σ (r_i − i)² + ny Σ (s_j − j)², r_i / s_j the pooled mid-ranks
    // of the i-th smallest reference / j-th smallest current value.
    let (mut ix, mut iy, mut before) = (0_usize, 0_usize, 0_usize);
    let mut sx = CompensatedSum::default();
    let mut sy = CompensatedSum::default();
    for g in MergeWalk::new(reference.values(), current.values()) {
        let t = g.a + g.b;
        let rank = before as f64 + (t as f64 + 1.0) / 2.0;
        for _ in 0..g.a {
            ix += 1;
            sx.add((rank - ix as f64) * (rank - ix as f64));
        }
        for _ in 0..g.b {
            iy += 1;
            sy.add((rank - iy as f64) * (rank - iy as f64));
        }
        before += t;
    }
    let (nxf, nyf) = (nx as f64, ny as f64);
    let u = nxf * sx.value() + nyf * sy.value();
    let k = nxf * nyf;
    let n = nxf + nyf;
    let t = u / (k * n) - (4.0 * k - 1.0) / (6.0 * n);
    if nx.max(ny) <= 20 {
        let p = cvm_exact_pvalue(u, nx as u64, ny as u64);
        return Ok(CvmReport {
            statistic: t,
            p_value: p,
            method: CvmMethod::Exact,
        });
    }
    let et = (1.0 + 1.0 / n) / 6.0;
    let vt = (n + 1.0) * (4.0 * k * n - 3.0 * (nxf * nxf + nyf * nyf) - 2.0 * k);
    let vt = vt / (45.0 * n * n * 4.0 * k);
    let tn = 1.0 / 6.0 + (t - et) / (45.0 * vt).sqrt();
    let p = if tn >= 0.003 {
        (1.0 - cvm_inf_cdf(tn)).max(0.0)
    } else {
        1.0
    };
    Ok(CvmReport {
        statistic: t,
        p_value: p,
        method: CvmMethod::Asymptotic,
    })
}

/// Limiting CDF of the one-sample CvM statistic (Csörgő & Faraway 1996,
/// eq. 1.2), summed like SciPy `_cdf_cvm_inf`: add terms until one is < 1e-7.
fn cvm_inf_cdf(x: f64) -> f64 {
    use statrs::function::gamma::ln_gamma;
    let mut total = 0.0;
    let mut k = 0.0_f64;
    loop {
        let u = (ln_gamma(k + 0.5) - ln_gamma(k + 1.0)).exp()
            / (std::f64::consts::PI.powf(1.5) * x.sqrt());
        let y = 4.0 * k + 1.0;
        let q = y * y / (16.0 * x);
        let z = u * y.sqrt() * bessel_k_quarter_times_exp_neg(q);
        total += z;
        // Also stops on NaN (the comparison is then false).
        if z.abs() < 1e-7 || z.is_nan() || k > 1e4 {
            break;
        }
        k += 1.0;
    }
    total
}

/// Exact CvM p-value P(U' >= U) by the Xiao–Gordon–Yakovlev (2006) frequency
/// recursion over the (m+1)×(n+1) lattice, as SciPy `_pval_cvm_2samp_exact`,
/// with exact integer frequencies.
fn cvm_exact_pvalue(u: f64, m: u64, n: u64) -> f64 {
    let g = gcd(m, n);
    let lcm = m / g * n;
    let a = lcm / m;
    let b = lcm / n;
    let mn = (m * n) as f64;
    let lcmf = lcm as f64;
    // SciPy: zeta = lcm²(m+n)(6s − mn(4mn − 1)) // (6 mn²) with float floor division.
    let zeta = python_floordiv(
        lcmf * lcmf * (m + n) as f64 * (6.0 * u - mn * (4.0 * mn - 1.0)),
        6.0 * mn * mn,
    );
    // gs[v] = sorted (value, frequency) pairs of g_{u,v}.
    let mut gs: Vec<Vec<(u64, u64)>> = vec![Vec::new(); m as usize + 1];
    gs[0].push((0, 1));
    for uu in 0..=n {
        let mut next: Vec<Vec<(u64, u64)>> = Vec::with_capacity(gs.len());
        let mut tmp: Vec<(u64, u64)> = Vec::new();
        for (v, gv) in gs.iter().enumerate() {
            tmp = merge_freqs(&tmp, gv);
            let d = (a * v as u64) as i64 - (b * uu) as i64;
            let shift = (d * d) as u64;
            for e in tmp.iter_mut() {
                e.0 += shift;
            }
            next.push(tmp.clone());
        }
        gs = next;
    }
    // C(m+n, m) exactly (m, n <= 20 here): each partial product is itself a binomial.
    let combinations: u128 = (1..=u128::from(m)).fold(1, |acc, i| acc * (u128::from(n) + i) / i);
    let hits: u64 = gs[m as usize]
        .iter()
        .filter(|(value, _)| *value as f64 >= zeta)
        .map(|(_, f)| f)
        .sum();
    (hits as f64 / combinations as f64).clamp(0.0, 1.0)
}

/// Python's float floor division `a // b` (CPython `float_floor_div`), which
/// rounds differently from `(a / b).floor()` when `a / b` rounds up to an integer.
fn python_floordiv(a: f64, b: f64) -> f64 {
    let m = a % b;
    let mut div = (a - m) / b;
    if m != 0.0 && ((b < 0.0) != (m < 0.0)) {
        div -= 1.0;
    }
    if div != 0.0 {
        let mut f = div.floor();
        if div - f > 0.5 {
            f += 1.0;
        }
        f
    } else {
        0.0
    }
}

/// Merges two value-sorted frequency tables, adding frequencies of equal values.
fn merge_freqs(x: &[(u64, u64)], y: &[(u64, u64)]) -> Vec<(u64, u64)> {
    let mut out = Vec::with_capacity(x.len() + y.len());
    let (mut i, mut j) = (0, 0);
    while i < x.len() || j < y.len() {
        match (x.get(i), y.get(j)) {
            (Some(&(xv, xf)), Some(&(yv, yf))) if xv == yv => {
                out.push((xv, xf + yf));
                i += 1;
                j += 1;
            }
            (Some(&(xv, xf)), Some(&(yv, _))) if xv < yv => {
                out.push((xv, xf));
                i += 1;
            }
            (Some(_), Some(&e)) | (None, Some(&e)) => {
                out.push(e);
                j += 1;
            }
            (Some(&e), None) => {
                out.push(e);
                i += 1;
            }
            (None, None) => break,
        }
    }
    out
}

/// Result of [`anderson_ksamp`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AndersonReport {
    /// Normalised k-sample statistic (A²_akN − (k−1))/σ_N (SciPy `statistic`).
    pub statistic: f64,
    /// Critical values for significance levels 25%, 10%, 5%, 2.5%, 1%, 0.5%, 0.1%.
    pub critical_values: [f64; 7],
    /// Approximate p-value (SciPy `pvalue` / `significance_level`): interpolated
    /// from the critical values and therefore clipped to [0.001, 0.25].
    pub p_value: f64,
}

/// Significance levels matching [`AndersonReport::critical_values`].
const AD_SIG: [f64; 7] = [0.25, 0.1, 0.05, 0.025, 0.01, 0.005, 0.001];

/// k-sample Anderson–Darling test for k = 2 with the mid-rank statistic
/// A²_akN (Scholz & Stephens 1987, eq. 7), as `scipy.stats.anderson_ksamp(
/// [reference, current])` with its default `midrank=True`. The p-value is
/// SciPy's: exp of a quadratic least-squares fit of log(significance) on the
/// critical values, capped at 0.25 below the smallest and floored at 0.001
/// above the largest critical value. Needs two distinct pooled values and at
/// least four pooled observations (SciPy returns NaN below that).
pub fn anderson_ksamp(
    reference: &NumericSample,
    current: &NumericSample,
) -> Result<AndersonReport, DriftError> {
    require_non_empty(reference, current)?;
    let sizes = [reference.len() as f64, current.len() as f64];
    let nf = sizes[0] + sizes[1];
    let n_total = reference.len() + current.len();
    let mut distinct = 0_usize;
    let mut before = 0_usize; // pooled values strictly below the current group
    let mut cum = [0_usize; 2]; // per-sample values <= the current group
    let mut terms = [CompensatedSum::default(); 2];
    for g in MergeWalk::new(reference.values(), current.values()) {
        distinct += 1;
        let lj = (g.a + g.b) as f64;
        let bj = before as f64 + lj / 2.0;
        let denom = bj * (nf - bj) - nf * lj / 4.0;
        for (i, f) in [g.a, g.b].into_iter().enumerate() {
            cum[i] += f;
            let mij = cum[i] as f64 - f as f64 / 2.0;
            let num = nf * mij - bj * sizes[i];
            terms[i].add(lj / nf * num * num / denom);
        }
        before += g.a + g.b;
    }
    if distinct < 2 {
        return Err(DriftError::Undefined {
            statistic: "anderson_darling",
            reason: "needs more than one distinct observation",
        });
    }
    if n_total < 4 {
        // σ²_N divides by (N−1)(N−2)(N−3); SciPy returns NaN here.
        return Err(DriftError::Undefined {
            statistic: "anderson_darling",
            reason: "needs at least four pooled observations",
        });
    }
    let mut a2akn = terms[0].value() / sizes[0] + terms[1].value() / sizes[1];
    a2akn *= (nf - 1.0) / nf;

    // Variance of A²_akN (Scholz & Stephens eq. 4), k = 2.
    let k = 2.0_f64;
    let h_big = 1.0 / sizes[0] + 1.0 / sizes[1];
    // hs_cs[i] = Σ_{j=N-1-i}^{N-1} 1/j (NumPy: cumsum of 1/arange(N-1, 1, -1)).
    let mut hs = 0.0;
    let mut g_sum = CompensatedSum::default();
    let mut denom_index = 2.0;
    let mut j = n_total as f64 - 1.0;
    while j > 1.0 {
        hs += 1.0 / j;
        g_sum.add(hs / denom_index);
        denom_index += 1.0;
        j -= 1.0;
    }
    let h = hs + 1.0;
    let g = g_sum.value();
    let a = (4.0 * g - 6.0) * (k - 1.0) + (10.0 - 6.0 * g) * h_big;
    let b = (2.0 * g - 4.0) * k * k + 8.0 * h * k + (2.0 * g - 14.0 * h - 4.0) * h_big - 8.0 * h
        + 4.0 * g
        - 6.0;
    let c = (6.0 * h + 2.0 * g - 2.0) * k * k
        + (4.0 * h - 4.0 * g + 6.0) * k
        + (2.0 * h - 6.0) * h_big
        + 4.0 * h;
    let d = (2.0 * h + 6.0) * k * k - 4.0 * h * k;
    let sigmasq =
        (a * nf.powi(3) + b * nf.powi(2) + c * nf + d) / ((nf - 1.0) * (nf - 2.0) * (nf - 3.0));
    let m = k - 1.0;
    let a2 = (a2akn - m) / sigmasq.sqrt();

    const B0: [f64; 7] = [0.675, 1.281, 1.645, 1.96, 2.326, 2.573, 3.085];
    const B1: [f64; 7] = [-0.245, 0.25, 0.678, 1.149, 1.822, 2.364, 3.615];
    const B2: [f64; 7] = [-0.105, -0.305, -0.362, -0.391, -0.396, -0.345, -0.154];
    let mut critical = [0.0; 7];
    for i in 0..7 {
        critical[i] = B0[i] + B1[i] / m.sqrt() + B2[i] / m;
    }
    let cmin = critical.iter().copied().fold(f64::INFINITY, f64::min);
    let cmax = critical.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let p = if a2 < cmin {
        0.25
    } else if a2 > cmax {
        0.001
    } else {
        let log_sig: Vec<f64> = AD_SIG.iter().map(|s| s.ln()).collect();
        match polyfit2(&critical, &log_sig) {
            Some(coef) => (coef[0] * a2 * a2 + coef[1] * a2 + coef[2]).exp(),
            None => f64::NAN,
        }
    };
    Ok(AndersonReport {
        statistic: a2,
        critical_values: critical,
        p_value: p,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mwu_exact_small() {
        // All reference below current: U1 = 0, p = 2 / C(6,3) = 0.1.
        let a = NumericSample::new(&[1.0, 2.0, 3.0]);
        let b = NumericSample::new(&[4.0, 5.0, 6.0]);
        let r = mann_whitney_u(&a, &b).expect("non-empty");
        assert_eq!(r.u_statistic, 0.0);
        assert!((r.p_value - 0.1).abs() < 1e-15);
        assert_eq!(r.method, MwuMethod::Exact);
    }

    #[test]
    fn merge_freqs_adds_equal_values() {
        let m = merge_freqs(&[(1, 2), (5, 1)], &[(1, 3), (4, 1)]);
        assert_eq!(m, vec![(1, 5), (4, 1), (5, 1)]);
    }

    #[test]
    fn cvm_needs_two_values() {
        let a = NumericSample::new(&[1.0]);
        let b = NumericSample::new(&[1.0, 2.0]);
        assert!(cramer_von_mises(&a, &b).is_err());
    }
}

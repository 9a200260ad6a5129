//! ECDF distances: Wasserstein-1 (raw and Evidently-normed) and energy distance.

use serde::{Deserialize, Serialize};

use super::error::DriftError;
use super::sample::CompensatedSum;
use super::sample::{MergeWalk, NumericSample, compensated_sum, require_non_empty};

/// Result of [`wasserstein`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct WassersteinReport {
    /// W1 = ∫ |F_ref(x) − F_cur(x)| dx, in the column's units, ∈ [0, ∞)
    /// (`scipy.stats.wasserstein_distance(reference, current)`).
    pub distance: f64,
    /// W1 / max(σ_ref, 0.001) with σ_ref the population (ddof = 0) standard
    /// deviation of the reference — Evidently's "Wasserstein distance (normed)"
    /// (`legacy/calculations/stattests/wasserstein_distance_norm.py`). Unitless, ∈ [0, ∞).
    pub normed: f64,
    /// σ_ref, population standard deviation of the reference sample.
    pub reference_std: f64,
}

/// ∫ |F_a − F_b|^p dx over the pooled support (SciPy `_cdf_distance` without
/// the final root), in one merge walk: between consecutive distinct pooled
/// values v_k < v_{k+1} both ECDFs are constant.
fn cdf_gap_integral(a: &[f64], b: &[f64], squared: bool) -> f64 {
    let (na, nb) = (a.len() as f64, b.len() as f64);
    let (mut ca, mut cb) = (0_usize, 0_usize);
    let mut prev: Option<(f64, f64)> = None; // (value, gap) at the previous distinct value
    let terms = MergeWalk::new(a, b).filter_map(|g| {
        let term = prev.map(|(v, gap)| {
            let width = g.value - v;
            if squared {
                gap * gap * width
            } else {
                gap.abs() * width
            }
        });
        ca += g.a;
        cb += g.b;
        prev = Some((g.value, ca as f64 / na - cb as f64 / nb));
        term
    });
    compensated_sum(terms)
}

/// ∫ |F_r − F_w| dx for a large sorted `r` with its running ECDF integral `integral`
/// (`NumericSample::with_cdf_integral`) and a small sorted `w`, in O(m log(n/m)): between
/// consecutive distinct values of `w` its ECDF is a constant c, F_r − c changes sign once (at
/// the reference value of rank ⌈c·n⌉), and ∫ F_r over any interval is a difference of the
/// running integral. Equal to the merge walk up to rounding (≈ 1e-12 relative; tested): the
/// windows of a drift pass use it, the whole-data test keeps the walk, as SciPy sums it.
fn gap_integral_by_search(r: &[f64], integral: &[f64], w: &[f64]) -> f64 {
    let (n, m) = (r.len(), w.len());
    let nf = n as f64;
    // G(x) = ∫_{-∞}^{x} F_r, with `k` = the number of reference values <= x.
    let g = |x: f64, k: usize| -> f64 {
        if k == 0 {
            0.0
        } else {
            integral[k - 1] + k as f64 / nf * (x - r[k - 1])
        }
    };
    // The number of reference values <= x, galloping forward from `from` (x only grows).
    let count_le = |x: f64, from: usize| -> usize {
        let mut lo = from;
        let mut step = 1;
        let mut hi = from;
        while hi < n && r[hi] <= x {
            lo = hi + 1;
            hi = (hi + step).min(n);
            step *= 2;
        }
        lo + r[lo..hi].partition_point(|v| *v <= x)
    };
    let mut total = CompensatedSum::default();
    let mut k = 0;
    let mut i = 0;
    let mut prev: Option<(f64, usize)> = None; // previous distinct window value, its G index
    while i < m {
        let u = w[i];
        let mut j = i + 1;
        while j < m && w[j] == u {
            j += 1;
        }
        k = count_le(u, k);
        match prev {
            // Below the first window value F_w = 0: the integral of F_r.
            None => total.add(g(u, k)),
            Some((a, ka)) => {
                // F_w = c = i/m on [a, u).
                let c = i as f64 / m as f64;
                // The first reference rank where F_r >= c: K = ⌈i·n/m⌉ (exact in integers).
                let rank = ((i as u128 * n as u128).div_ceil(m as u128)) as usize;
                let (ga, gu) = (g(a, ka), g(u, k));
                let t = r[rank.clamp(1, n) - 1];
                let s = t.clamp(a, u);
                let gs = if s == t && rank >= 1 {
                    integral[rank - 1]
                } else if s == a {
                    ga
                } else {
                    gu
                };
                total.add(c * (s - a) - (gs - ga));
                total.add((gu - gs) - c * (u - s));
            }
        }
        prev = Some((u, k));
        i = j;
    }
    // Above the last window value F_w = 1: the integral of 1 − F_r up to the last reference.
    if let Some((a, ka)) = prev {
        let last = r[n - 1];
        if last > a {
            total.add((last - a) - (integral[n - 1] - g(a, ka)));
        }
    }
    total.value()
}

/// Wasserstein-1 distance between the two samples (raw and normed).
pub fn wasserstein(
    reference: &NumericSample,
    current: &NumericSample,
) -> Result<WassersteinReport, DriftError> {
    require_non_empty(reference, current)?;
    let distance = match reference.cdf_integral() {
        Some(integral) if current.len() * 8 < reference.len() => {
            gap_integral_by_search(reference.values(), integral, current.values())
        }
        _ => cdf_gap_integral(reference.values(), current.values(), false),
    };
    let reference_std = reference.variance(0).map_or(0.0, f64::sqrt);
    Ok(WassersteinReport {
        distance,
        normed: distance / reference_std.max(0.001),
        reference_std,
    })
}

/// Energy distance D = √2 · (∫ (F_ref − F_cur)² dx)^{1/2}, in the column's units,
/// ∈ [0, ∞); equals `scipy.stats.energy_distance(reference, current)`.
pub fn energy_distance(
    reference: &NumericSample,
    current: &NumericSample,
) -> Result<f64, DriftError> {
    require_non_empty(reference, current)?;
    let integral = cdf_gap_integral(reference.values(), current.values(), true);
    Ok(std::f64::consts::SQRT_2 * integral.sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_against_a_large_reference_equals_the_merge_walk() {
        // Ties, values outside the reference's range on both sides, a window inside one
        // reference gap, and windows sharing the reference's values.
        let mut rng = crate::vocab::Rng::new(3);
        let reference: Vec<f64> = (0..20_000)
            .map(|_| (rng.normal() * 10.0).round() / 4.0)
            .collect();
        let whole = NumericSample::new(&reference);
        let indexed = whole.clone().with_cdf_integral();
        let windows: Vec<Vec<f64>> = vec![
            (0..900)
                .map(|_| (rng.normal() * 12.0 + 3.0).round() / 4.0)
                .collect(),
            (0..500).map(|_| rng.normal() * 30.0).collect(),
            vec![0.125, 0.125, 0.13],
            vec![-1e6, 1e6],
            reference[..1000].to_vec(),
            vec![7.0],
        ];
        for w in &windows {
            let cur = NumericSample::new(w);
            let walk = cdf_gap_integral(whole.values(), cur.values(), false);
            let fast = wasserstein(&indexed, &cur).expect("non-empty").distance;
            assert!(
                (fast - walk).abs() <= 1e-12 * walk.abs().max(1e-300),
                "{fast} vs {walk} for {} values",
                w.len()
            );
            assert_eq!(
                wasserstein(&whole, &cur).expect("non-empty").distance,
                walk,
                "without the integral the walk decides"
            );
        }
    }

    #[test]
    fn shift_by_constant() {
        let a = NumericSample::new(&[0.0, 1.0, 2.0, 3.0]);
        let b = NumericSample::new(&[0.5, 1.5, 2.5, 3.5]);
        let w = wasserstein(&a, &b).expect("non-empty");
        assert!((w.distance - 0.5).abs() < 1e-15);
        let sd = (1.25f64).sqrt();
        assert!((w.normed - 0.5 / sd).abs() < 1e-15);
        // ∫(F_a - F_b)^2 = 4 * 0.25^2 * 0.5 = 0.125 → sqrt(2*0.125) = 0.5
        assert!((energy_distance(&a, &b).expect("non-empty") - 0.5).abs() < 1e-15);
    }

    #[test]
    fn constant_reference_uses_floor_norm() {
        let a = NumericSample::new(&[1.0, 1.0]);
        let b = NumericSample::new(&[1.0, 2.0]);
        let w = wasserstein(&a, &b).expect("non-empty");
        assert!((w.normed - 0.5 / 0.001).abs() < 1e-9);
    }
}

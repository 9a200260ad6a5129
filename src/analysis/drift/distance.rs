//! ECDF distances: Wasserstein-1 (raw and Evidently-normed) and energy distance.

use serde::{Deserialize, Serialize};

use super::error::DriftError;
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

/// Wasserstein-1 distance between the two samples (raw and normed).
pub fn wasserstein(
    reference: &NumericSample,
    current: &NumericSample,
) -> Result<WassersteinReport, DriftError> {
    require_non_empty(reference, current)?;
    let distance = cdf_gap_integral(reference.values(), current.values(), false);
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

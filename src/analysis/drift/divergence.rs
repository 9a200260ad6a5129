//! Divergences between binned shares: PSI, KL, Jensen–Shannon, Hellinger.

use serde::{Deserialize, Serialize};

use super::binning::BinnedShares;

/// Logarithm base for the Jensen–Shannon distance.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogBase {
    /// Natural log (SciPy and Evidently default); JS ∈ [0, √ln 2].
    #[default]
    Natural,
    /// Base 2; JS ∈ [0, 1].
    Two,
}

/// Parameters of [`divergences`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DivergenceParams {
    /// Log base of the Jensen–Shannon distance.
    pub js_base: LogBase,
}

/// All share-based divergences of one binned column, with per-bin detail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DivergenceReport {
    /// Population Stability Index Σ (r_i − c_i)·ln(r_i/c_i) on zero-filled shares, ∈ [0, ∞).
    pub psi: f64,
    /// Per-bin PSI terms (each >= 0), aligned with the bins; they sum to `psi`.
    pub psi_contributions: Vec<f64>,
    /// KL(ref ‖ cur) in nats on zero-filled, renormalised shares, ∈ [0, ∞).
    pub kl_divergence: f64,
    /// Jensen–Shannon distance on the raw shares, ∈ [0, √ln 2] (natural) or [0, 1] (base 2).
    pub jensen_shannon_distance: f64,
    /// Hellinger distance on the raw shares, ∈ [0, 1].
    pub hellinger: f64,
    /// Reference shares after Evidently's zero filling (used by PSI and KL).
    pub reference_shares_filled: Vec<f64>,
    /// Current shares after Evidently's zero filling (used by PSI and KL).
    pub current_shares_filled: Vec<f64>,
}

/// Computes PSI, KL, JS and Hellinger for one binned column.
///
/// PSI and KL use [`fill_zero_shares`] (Evidently `get_binned_data(...,
/// feel_zeroes=True)`); JS and Hellinger use the raw shares (Evidently calls
/// `get_binned_data(..., feel_zeroes=False)` for JS).
pub fn divergences(shares: &BinnedShares, params: &DivergenceParams) -> DivergenceReport {
    let rf = fill_zero_shares(&shares.reference_shares);
    let cf = fill_zero_shares(&shares.current_shares);
    let (psi, psi_contributions) = psi(&rf, &cf);
    DivergenceReport {
        psi,
        psi_contributions,
        kl_divergence: kl_divergence(&rf, &cf),
        jensen_shannon_distance: jensen_shannon_distance(
            &shares.reference_shares,
            &shares.current_shares,
            params.js_base,
        ),
        hellinger: hellinger_distance(&shares.reference_shares, &shares.current_shares),
        reference_shares_filled: rf,
        current_shares_filled: cf,
    }
}

/// Evidently 0.7's zero handling (`legacy/calculations/stattests/utils.py::
/// get_binned_data`, `feel_zeroes=True`), applied to each side separately:
/// every zero share becomes 1e-4, or (smallest non-zero share)/1e6 when that
/// smallest non-zero share is <= 1e-4. Shares are not renormalised.
pub fn fill_zero_shares(shares: &[f64]) -> Vec<f64> {
    let min_nonzero = shares
        .iter()
        .copied()
        .filter(|&s| s != 0.0)
        .fold(f64::INFINITY, f64::min);
    if !min_nonzero.is_finite() {
        return shares.to_vec();
    }
    let fill = if min_nonzero <= 1e-4 {
        min_nonzero / 1e6
    } else {
        1e-4
    };
    shares
        .iter()
        .map(|&s| if s == 0.0 { fill } else { s })
        .collect()
}

/// PSI = Σ (r_i − c_i)·ln(r_i / c_i), with per-bin terms. Expects strictly
/// positive shares (apply [`fill_zero_shares`] first); Evidently `psi.py`.
/// Rule of thumb: < 0.1 stable, 0.1–0.25 moderate, > 0.25 major shift.
pub fn psi(reference: &[f64], current: &[f64]) -> (f64, Vec<f64>) {
    let terms: Vec<f64> = reference
        .iter()
        .zip(current)
        .map(|(&r, &c)| (r - c) * (r / c).ln())
        .collect();
    (terms.iter().sum(), terms)
}

/// x·ln(x/y) with SciPy `rel_entr` conventions (0 when x = 0, +∞ when y = 0 < x).
fn rel_entr(x: f64, y: f64) -> f64 {
    if x > 0.0 && y > 0.0 {
        x * (x / y).ln()
    } else if x == 0.0 && y >= 0.0 {
        0.0
    } else {
        f64::INFINITY
    }
}

/// KL(p ‖ q) = Σ p_i ln(p_i/q_i) in nats after normalising both to sum 1,
/// exactly `scipy.stats.entropy(p, q)` (Evidently `kl_div.py`). ∈ [0, ∞].
pub fn kl_divergence(p: &[f64], q: &[f64]) -> f64 {
    let sp: f64 = p.iter().sum();
    let sq: f64 = q.iter().sum();
    p.iter()
        .zip(q)
        .map(|(&a, &b)| rel_entr(a / sp, b / sq))
        .sum()
}

/// Jensen–Shannon distance √((KL(p‖m) + KL(q‖m))/2), m = (p+q)/2, after
/// normalising p and q; = `scipy.spatial.distance.jensenshannon(p, q, base)`.
pub fn jensen_shannon_distance(p: &[f64], q: &[f64], base: LogBase) -> f64 {
    let sp: f64 = p.iter().sum();
    let sq: f64 = q.iter().sum();
    let (mut left, mut right) = (0.0, 0.0);
    for (&a, &b) in p.iter().zip(q) {
        let (a, b) = (a / sp, b / sq);
        let m = (a + b) / 2.0;
        left += rel_entr(a, m);
        right += rel_entr(b, m);
    }
    let mut js = left + right;
    if base == LogBase::Two {
        js /= std::f64::consts::LN_2;
    }
    (js / 2.0).sqrt()
}

/// Hellinger distance H = √(1 − Σ √(p_i q_i)) ∈ [0, 1] for shares summing to 1.
///
/// Evaluated as √(½ Σ (√p_i − √q_i)²), which is algebraically identical when
/// both sides sum to 1 but exactly 0 for identical shares (the 1 − Σ form
/// leaves ~1e-8 from rounding). Matches Evidently `hellinger_distance.py` for
/// categorical columns to rounding; for numeric columns Evidently re-bins with
/// Sturges over the *distinct* values, whereas Sextant uses the common binning.
pub fn hellinger_distance(p: &[f64], q: &[f64]) -> f64 {
    let s: f64 = p
        .iter()
        .zip(q)
        .map(|(&a, &b)| (a.sqrt() - b.sqrt()).powi(2))
        .sum();
    (0.5 * s).sqrt().clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_fill_rules() {
        assert_eq!(fill_zero_shares(&[0.0, 0.5, 0.5]), vec![1e-4, 0.5, 0.5]);
        let f = fill_zero_shares(&[0.0, 5e-5, 1.0 - 5e-5]);
        assert!((f[0] - 5e-11).abs() < 1e-25);
    }

    #[test]
    fn identical_shares_are_zero() {
        let s = [0.2, 0.3, 0.5];
        assert_eq!(psi(&s, &s).0, 0.0);
        assert_eq!(kl_divergence(&s, &s), 0.0);
        assert_eq!(jensen_shannon_distance(&s, &s, LogBase::Natural), 0.0);
        assert_eq!(hellinger_distance(&s, &s), 0.0);
    }

    #[test]
    fn disjoint_js_base2_is_one() {
        let js = jensen_shannon_distance(&[1.0, 0.0], &[0.0, 1.0], LogBase::Two);
        assert!((js - 1.0).abs() < 1e-15);
        assert!((hellinger_distance(&[1.0, 0.0], &[0.0, 1.0]) - 1.0).abs() < 1e-15);
    }
}

//! Divergences between binned shares: PSI, KL, Jensen–Shannon, Hellinger.

use serde::{Deserialize, Serialize};

use super::binning::{
    BinnedShares, BinningStrategy, bin_numeric, histogram_counts, pooled_range, sturges_edges_over,
};
use super::error::DriftError;
use super::sample::{MergeWalk, NumericSample, require_non_empty};

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
    /// Hellinger distance on the raw shares (Evidently's formula, see
    /// [`hellinger_distance`]), ∈ [0, 1]. For a numeric column Evidently bins differently:
    /// [`numeric_hellinger`] gives its value.
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

/// Hellinger distance H = √(1 − clip(Σ √(p_i·q_i), 0, 1)) ∈ [0, 1] for shares summing to 1.
///
/// Exactly Evidently 0.7's categorical branch (`legacy/calculations/stattests/
/// hellinger_distance.py`): the Bhattacharyya coefficient summed bin by bin, clipped, then
/// the root of its complement. That form leaves ~1e-8 rather than 0 for identical shares
/// (Σ p_i rounds to 1 ± 1e-16), as Evidently's does; it is kept so the numbers agree.
pub fn hellinger_distance(p: &[f64], q: &[f64]) -> f64 {
    let mut bc = 0.0;
    for (&a, &b) in p.iter().zip(q) {
        bc += (a * b).sqrt();
    }
    (1.0 - bc.clamp(0.0, 1.0)).sqrt()
}

/// Evidently 0.7's Hellinger distance of a numeric column (`hellinger_distance.py`,
/// numeric branch), which does not use the PSI binning (`get_binned_data`):
/// Sturges edges over the *distinct* values of ref ∪ cur
/// (`np.histogram_bin_edges(keys, bins="sturges")`, integer-dtype width rule when both
/// sides are integers), density histograms h = count / bin width / n of each side on
/// those edges, BC = Σ √(h_ref·h_cur)·w with w = (last edge − first edge) / bins, and
/// H = √(1 − clip(BC, 0, 1)). Evaluated in Evidently's order of operations, so the
/// value agrees to the last bits. Errors when a side is empty.
pub fn hellinger_numeric_evidently(
    reference: &NumericSample,
    current: &NumericSample,
) -> Result<f64, DriftError> {
    require_non_empty(reference, current)?;
    let distinct = MergeWalk::new(reference.values(), current.values()).count();
    let (lo, hi) = pooled_range(reference, current);
    let integer = reference.integer_dtype() && current.integer_dtype();
    let edges = sturges_edges_over(lo, hi, distinct, integer);
    let rc = histogram_counts(reference.values(), &edges);
    let cc = histogram_counts(current.values(), &edges);
    // `np.histogram(density=True)` divides by the counted values, which is every value here.
    let nr = rc.iter().sum::<u64>() as f64;
    let nc = cc.iter().sum::<u64>() as f64;
    let bins = edges.len() - 1;
    let bin_width = (edges[bins] - edges[0]) / bins as f64;
    let mut bc = 0.0;
    for i in 0..bins {
        let db = edges[i + 1] - edges[i];
        let h1 = rc[i] as f64 / db / nr;
        let h2 = cc[i] as f64 / db / nc;
        bc += (h1 * h2).sqrt() * bin_width;
    }
    Ok((1.0 - bc.clamp(0.0, 1.0)).sqrt())
}

/// The Hellinger distance of a numeric column under `binning`: with
/// [`BinningStrategy::Auto`] (Evidently's choices) Evidently's own bins,
/// [`hellinger_numeric_evidently`]; with a binning the user chose, the shares on those
/// bins, like PSI, KL and Jensen–Shannon.
pub fn numeric_hellinger(
    reference: &NumericSample,
    current: &NumericSample,
    binning: BinningStrategy,
) -> Result<f64, DriftError> {
    match binning {
        BinningStrategy::Auto => hellinger_numeric_evidently(reference, current),
        b => {
            let shares = bin_numeric(reference, current, b)?;
            Ok(hellinger_distance(
                &shares.reference_shares,
                &shares.current_shares,
            ))
        }
    }
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
        // Evidently's 1 − Σ√(pq) form: zero up to the rounding of Σ p.
        assert!(hellinger_distance(&s, &s) < 1e-7);
    }

    #[test]
    fn disjoint_js_base2_is_one() {
        let js = jensen_shannon_distance(&[1.0, 0.0], &[0.0, 1.0], LogBase::Two);
        assert!((js - 1.0).abs() < 1e-15);
        assert!((hellinger_distance(&[1.0, 0.0], &[0.0, 1.0]) - 1.0).abs() < 1e-15);
    }
}

//! Binning of two samples into aligned shares for PSI / KL / JS / Hellinger.

use serde::{Deserialize, Serialize};

use super::categorical::CategoricalCounts;
use super::error::DriftError;
use super::sample::{MergeWalk, NumericSample, require_non_empty};
use crate::vocab::Side;

/// How a numeric column is cut into bins.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum BinningStrategy {
    /// Evidently 0.7 (`legacy/calculations/stattests/utils.py::get_binned_data`):
    /// more than 20 distinct reference values → [`BinningStrategy::Sturges`],
    /// otherwise [`BinningStrategy::DistinctValues`].
    #[default]
    Auto,
    /// `numpy.histogram_bin_edges(concat(ref, cur), bins="sturges")`:
    /// ⌈range / (range / (log2 N + 1))⌉ equal-width bins over [min, max]
    /// (width at least 1 for integer dtype), last bin closed.
    Sturges,
    /// One bin per distinct value of reference ∪ current.
    DistinctValues,
    /// Equal-frequency bins cut at reference quantiles k/n (NumPy 'linear'
    /// quantiles); the outer bins are open-ended so every value is counted.
    /// Duplicate cut points are merged. `n_bins = 10` gives deciles.
    ReferenceQuantiles {
        /// Number of quantile bins (>= 1).
        n_bins: usize,
    },
    /// `n_bins` equal-width bins over [min, max] of reference ∪ current
    /// (`numpy.histogram(bins=n_bins)` edges), last bin closed.
    EqualWidth {
        /// Number of bins (>= 1).
        n_bins: usize,
    },
}

/// What the bins are, for plotting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "values")]
pub enum BinLabels {
    /// `k + 1` ascending edges of `k` bins [e_i, e_{i+1}) — the last closed.
    /// May start with −∞ / end with +∞ for quantile bins.
    Edges(Vec<f64>),
    /// One bin per listed numeric value.
    Values(Vec<f64>),
    /// One bin per listed category label.
    Categories(Vec<String>),
}

/// Aligned per-bin counts and shares of the two samples.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BinnedShares {
    /// Bin definitions.
    pub bins: BinLabels,
    /// Reference count per bin.
    pub reference_counts: Vec<u64>,
    /// Current count per bin.
    pub current_counts: Vec<u64>,
    /// Reference share per bin = count / n_reference, ∈ [0, 1], sums to 1.
    pub reference_shares: Vec<f64>,
    /// Current share per bin = count / n_current, ∈ [0, 1], sums to 1.
    pub current_shares: Vec<f64>,
}

impl BinnedShares {
    fn from_counts(bins: BinLabels, reference_counts: Vec<u64>, current_counts: Vec<u64>) -> Self {
        let shares = |c: &[u64]| -> Vec<f64> {
            let n: u64 = c.iter().sum();
            c.iter().map(|&v| v as f64 / n as f64).collect()
        };
        Self {
            reference_shares: shares(&reference_counts),
            current_shares: shares(&current_counts),
            bins,
            reference_counts,
            current_counts,
        }
    }

    /// Number of bins.
    pub fn len(&self) -> usize {
        self.reference_counts.len()
    }

    /// True when there is no bin.
    pub fn is_empty(&self) -> bool {
        self.reference_counts.is_empty()
    }
}

/// Evidently's threshold: more distinct reference values than this → Sturges.
const AUTO_DISTINCT_LIMIT: usize = 20;

/// Bins a numeric column pair with `strategy`.
pub fn bin_numeric(
    reference: &NumericSample,
    current: &NumericSample,
    strategy: BinningStrategy,
) -> Result<BinnedShares, DriftError> {
    require_non_empty(reference, current)?;
    let strategy = match strategy {
        BinningStrategy::Auto if reference.distinct_count() > AUTO_DISTINCT_LIMIT => {
            BinningStrategy::Sturges
        }
        BinningStrategy::Auto => BinningStrategy::DistinctValues,
        s => s,
    };
    let edges = match strategy {
        BinningStrategy::DistinctValues => return Ok(distinct_value_bins(reference, current)),
        BinningStrategy::Auto | BinningStrategy::Sturges => sturges_edges(reference, current),
        BinningStrategy::EqualWidth { n_bins } => {
            if n_bins == 0 {
                return Err(DriftError::InvalidParameter("n_bins must be >= 1"));
            }
            let (lo, hi) = pooled_range(reference, current);
            let (lo, hi) = if lo == hi {
                (lo - 0.5, hi + 0.5)
            } else {
                (lo, hi)
            };
            linspace(lo, hi, n_bins + 1)
        }
        BinningStrategy::ReferenceQuantiles { n_bins } => {
            if n_bins == 0 {
                return Err(DriftError::InvalidParameter("n_bins must be >= 1"));
            }
            quantile_edges(reference.values(), n_bins)
        }
    };
    let rc = histogram_counts(reference.values(), &edges);
    let cc = histogram_counts(current.values(), &edges);
    Ok(BinnedShares::from_counts(BinLabels::Edges(edges), rc, cc))
}

/// Bins a categorical column pair: one bin per category of the union.
pub fn bin_categorical(counts: &CategoricalCounts) -> Result<BinnedShares, DriftError> {
    if counts.reference_total() == 0 {
        return Err(DriftError::EmptySample(Side::Reference));
    }
    if counts.current_total() == 0 {
        return Err(DriftError::EmptySample(Side::Current));
    }
    Ok(BinnedShares::from_counts(
        BinLabels::Categories(counts.labels().to_vec()),
        counts.reference_counts().to_vec(),
        counts.current_counts().to_vec(),
    ))
}

fn distinct_value_bins(reference: &NumericSample, current: &NumericSample) -> BinnedShares {
    let mut values = Vec::new();
    let mut rc = Vec::new();
    let mut cc = Vec::new();
    for g in MergeWalk::new(reference.values(), current.values()) {
        values.push(g.value);
        rc.push(g.a as u64);
        cc.push(g.b as u64);
    }
    BinnedShares::from_counts(BinLabels::Values(values), rc, cc)
}

pub(super) fn pooled_range(reference: &NumericSample, current: &NumericSample) -> (f64, f64) {
    let lo = reference.values()[0].min(current.values()[0]);
    let hi = reference.values()[reference.len() - 1].max(current.values()[current.len() - 1]);
    (lo, hi)
}

/// NumPy's `histogram_bin_edges(a, bins="sturges")` for a = ref ∪ cur.
fn sturges_edges(reference: &NumericSample, current: &NumericSample) -> Vec<f64> {
    let (lo, hi) = pooled_range(reference, current);
    let integer = reference.integer_dtype() && current.integer_dtype();
    sturges_edges_over(lo, hi, reference.len() + current.len(), integer)
}

/// NumPy's `histogram_bin_edges(a, bins="sturges")` for an array `a` of `n` values
/// spanning [lo, hi] (`integer`: `a` has an integer dtype). Evidently's Hellinger calls it
/// on the distinct values, the PSI binning on every value, so the count is a parameter.
pub(super) fn sturges_edges_over(lo: f64, hi: f64, n: usize, integer: bool) -> Vec<f64> {
    let (first, last) = if lo == hi {
        (lo - 0.5, hi + 0.5)
    } else {
        (lo, hi)
    };
    let mut width = (hi - lo) / ((n as f64).log2() + 1.0);
    let n_bins = if width != 0.0 {
        // NumPy: "if np.issubdtype(a.dtype, np.integer) and width < 1: width = 1".
        if integer && width < 1.0 {
            width = 1.0;
        }
        ((last - first) / width).ceil() as usize
    } else {
        1
    };
    linspace(first, last, n_bins.max(1) + 1)
}

/// `numpy.linspace(start, stop, num)`: start + i·step, last element = stop.
fn linspace(start: f64, stop: f64, num: usize) -> Vec<f64> {
    let div = (num - 1) as f64;
    let step = (stop - start) / div;
    let mut v: Vec<f64> = (0..num).map(|i| i as f64 * step + start).collect();
    if let Some(last) = v.last_mut() {
        *last = stop;
    }
    v
}

/// Interior cut points at reference quantiles k/n (NumPy default 'linear'
/// method), deduplicated, wrapped in −∞ … +∞.
/// Edges of `n_bins` equal-frequency bins of sorted reference values: −∞, the NumPy 'linear'
/// quantiles k/n (duplicates merged), +∞ (the retraining lab's drift-share policy reuses them).
pub fn quantile_edges(sorted: &[f64], n_bins: usize) -> Vec<f64> {
    let mut edges = vec![f64::NEG_INFINITY];
    for k in 1..n_bins {
        let q = quantile_linear(sorted, k as f64 / n_bins as f64);
        if edges.last().is_some_and(|&e| e < q) {
            edges.push(q);
        }
    }
    edges.push(f64::INFINITY);
    edges
}

/// NumPy `quantile(method='linear')` on sorted data, using NumPy's `_lerp`.
fn quantile_linear(sorted: &[f64], q: f64) -> f64 {
    let idx = q * (sorted.len() - 1) as f64;
    let lo = idx.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    let t = idx - lo as f64;
    let (a, b) = (sorted[lo], sorted[hi]);
    let diff = b - a;
    if t >= 0.5 {
        b - diff * (1.0 - t)
    } else {
        a + diff * t
    }
}

/// `numpy.histogram(sorted, bins=edges)[0]`: bin i counts e_i <= x < e_{i+1},
/// the last bin also counts x == e_last; values outside are dropped.
pub fn histogram_counts(sorted: &[f64], edges: &[f64]) -> Vec<u64> {
    let lower = |e: f64| sorted.partition_point(|&x| x < e);
    let upper = |e: f64| sorted.partition_point(|&x| x <= e);
    let k = edges.len().saturating_sub(1);
    (0..k)
        .map(|i| {
            let hi = if i + 1 == k {
                upper(edges[i + 1])
            } else {
                lower(edges[i + 1])
            };
            hi.saturating_sub(lower(edges[i])) as u64
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_last_bin_closed() {
        let c = histogram_counts(&[0.0, 0.5, 1.0, 1.0, 2.0], &[0.0, 1.0, 2.0]);
        assert_eq!(c, vec![2, 3]);
    }

    #[test]
    fn sturges_integer_bins_at_least_one_wide() {
        let r = NumericSample::new(&[0.0, 1.0, 2.0, 3.0]).with_integer_dtype(true);
        let c = NumericSample::new(&[0.0, 3.0]).with_integer_dtype(true);
        // width = 3/(log2(6)+1) = 0.84 → 1 → 3 bins.
        let b = bin_numeric(&r, &c, BinningStrategy::Sturges).expect("non-empty");
        assert_eq!(b.bins, BinLabels::Edges(vec![0.0, 1.0, 2.0, 3.0]));
    }

    #[test]
    fn quantile_bins_cover_everything() {
        let r = NumericSample::new(&(0..100).map(f64::from).collect::<Vec<_>>());
        let c = NumericSample::new(&[-5.0, 500.0]);
        let b = bin_numeric(&r, &c, BinningStrategy::ReferenceQuantiles { n_bins: 10 })
            .expect("non-empty");
        assert_eq!(b.len(), 10);
        assert_eq!(b.reference_counts.iter().sum::<u64>(), 100);
        assert_eq!(b.current_counts, vec![1, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    }
}

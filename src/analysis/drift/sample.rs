//! Numeric samples: finite values sorted once, plus counts of excluded values,
//! and the merge walk over two sorted samples that every rank statistic uses.

use serde::{Deserialize, Serialize};

use super::error::DriftError;
use crate::vocab::Side;

/// How many values were dropped from a sample before testing, per reason.
///
/// Evidently drops NaN and ±inf before any test
/// (`legacy/calculations/data_drift.py::get_one_column_drift`); we do the same
/// but count them so the UI can show "12 NaN, 3 +inf excluded".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExcludedCounts {
    /// Missing values (nulls) supplied as `None`.
    pub missing: usize,
    /// NaN values.
    pub nan: usize,
    /// `+inf` values.
    pub pos_inf: usize,
    /// `-inf` values.
    pub neg_inf: usize,
}

impl ExcludedCounts {
    /// Total number of excluded values.
    pub fn total(&self) -> usize {
        self.missing + self.nan + self.pos_inf + self.neg_inf
    }
}

/// A numeric sample prepared for drift tests: finite values sorted ascending
/// (`sort_unstable_by(f64::total_cmp)`, with `-0.0` normalised to `0.0` so that
/// ties compare equal), and the counts of excluded NaN/±inf/missing values.
///
/// Build it once per column and side; every numeric test borrows it, so the
/// O(n log n) sort is paid once. Results never depend on input row order.
#[derive(Debug, Clone)]
pub struct NumericSample {
    sorted: Vec<f64>,
    excluded: ExcludedCounts,
    integer_dtype: bool,
    /// Mean and sum of squared deviations, computed on first use: the whole reference is
    /// compared with every window of the current data, and its standard deviation (a full
    /// pass) would otherwise be recomputed for each.
    moments: std::sync::OnceLock<(f64, f64)>,
    /// `∫_{x_0}^{x_k} F(x) dx` at every sorted value, when asked for by
    /// [`NumericSample::with_cdf_integral`]: a reference tested against many windows.
    cdf_integral: Option<Vec<f64>>,
}

impl PartialEq for NumericSample {
    /// Equal values and exclusions (the cached moments follow from the values).
    fn eq(&self, other: &Self) -> bool {
        self.sorted == other.sorted
            && self.excluded == other.excluded
            && self.integer_dtype == other.integer_dtype
    }
}

impl NumericSample {
    /// Builds a sample from raw values, excluding and counting NaN and ±inf.
    pub fn new(values: &[f64]) -> Self {
        let mut excluded = ExcludedCounts::default();
        let mut sorted = Vec::with_capacity(values.len());
        for &v in values {
            push_finite(v, &mut sorted, &mut excluded);
        }
        Self::from_unsorted(sorted, excluded)
    }

    /// Builds a sample from nullable values; `None` is counted as missing.
    pub fn from_options(values: &[Option<f64>]) -> Self {
        let mut excluded = ExcludedCounts::default();
        let mut sorted = Vec::with_capacity(values.len());
        for v in values {
            match v {
                Some(v) => push_finite(*v, &mut sorted, &mut excluded),
                None => excluded.missing += 1,
            }
        }
        Self::from_unsorted(sorted, excluded)
    }

    /// Builds a sample from owned values (no copy) and a count of missing ones; NaN and ±inf
    /// are excluded and counted. The fast path for columns pulled out of a data frame.
    pub fn from_vec(mut values: Vec<f64>, missing: usize) -> Self {
        let mut excluded = ExcludedCounts {
            missing,
            ..ExcludedCounts::default()
        };
        values.retain(|&v| {
            if v.is_nan() {
                excluded.nan += 1;
                false
            } else if v.is_infinite() {
                if v > 0.0 {
                    excluded.pos_inf += 1;
                } else {
                    excluded.neg_inf += 1;
                }
                false
            } else {
                true
            }
        });
        for v in &mut values {
            // `total_cmp` orders -0.0 before 0.0; normalising keeps them one tie group.
            if *v == 0.0 {
                *v = 0.0;
            }
        }
        Self::from_unsorted(values, excluded)
    }

    fn from_unsorted(values: Vec<f64>, excluded: ExcludedCounts) -> Self {
        let sorted = radix_sort_finite(values);
        Self {
            sorted,
            excluded,
            integer_dtype: false,
            moments: std::sync::OnceLock::new(),
            cdf_integral: None,
        }
    }

    /// Marks the column as having an integer dtype. Only NumPy's "sturges"
    /// binning looks at this: integer data gets bins at least 1 wide
    /// (`numpy.histogram_bin_edges`), exactly like an `int64` pandas column.
    pub fn with_integer_dtype(mut self, integer_dtype: bool) -> Self {
        self.integer_dtype = integer_dtype;
        self
    }

    /// Finite values, sorted ascending.
    pub fn values(&self) -> &[f64] {
        &self.sorted
    }

    /// Number of finite values.
    pub fn len(&self) -> usize {
        self.sorted.len()
    }

    /// True when no finite value is left.
    pub fn is_empty(&self) -> bool {
        self.sorted.is_empty()
    }

    /// Counts of excluded values.
    pub fn excluded(&self) -> ExcludedCounts {
        self.excluded
    }

    /// Whether the column was marked as integer dtype.
    pub fn integer_dtype(&self) -> bool {
        self.integer_dtype
    }

    /// Smallest finite value, if any.
    pub fn min(&self) -> Option<f64> {
        self.sorted.first().copied()
    }

    /// Largest finite value, if any.
    pub fn max(&self) -> Option<f64> {
        self.sorted.last().copied()
    }

    /// Number of distinct finite values.
    pub fn distinct_count(&self) -> usize {
        MergeWalk::new(&self.sorted, &[]).count()
    }

    /// Arithmetic mean (pairwise summation, like NumPy); `None` when empty.
    pub fn mean(&self) -> Option<f64> {
        self.moments().map(|(mean, _)| mean)
    }

    /// Variance with `ddof` delta degrees of freedom, two-pass like NumPy's
    /// `var`; `None` when `len() <= ddof`.
    pub fn variance(&self, ddof: usize) -> Option<f64> {
        let (_, ss) = self.moments()?;
        if self.len() <= ddof {
            return None;
        }
        Some(ss / (self.len() - ddof) as f64)
    }

    /// The sample with the running integral of its ECDF at each sorted value,
    /// `P[k] = Σ_{i<k} (i + 1)/n · (x_{i+1} − x_i)` (compensated sums; ties add 0). With it a
    /// Wasserstein distance against a much smaller sample costs O(m log(n/m)) instead of a
    /// merge of both (see `distance::wasserstein`); 8 bytes a value.
    pub fn with_cdf_integral(mut self) -> Self {
        let n = self.sorted.len();
        let mut p = Vec::with_capacity(n);
        let mut acc = CompensatedSum::default();
        for k in 0..n {
            if k > 0 {
                acc.add(k as f64 / n as f64 * (self.sorted[k] - self.sorted[k - 1]));
            }
            p.push(acc.value());
        }
        self.cdf_integral = Some(p);
        self
    }

    /// The running ECDF integral, if [`NumericSample::with_cdf_integral`] made it.
    pub fn cdf_integral(&self) -> Option<&[f64]> {
        self.cdf_integral.as_deref()
    }

    /// The mean (pairwise summation) and the sum of squared deviations from it, once.
    fn moments(&self) -> Option<(f64, f64)> {
        if self.is_empty() {
            return None;
        }
        Some(*self.moments.get_or_init(|| {
            let mean = pairwise_sum(&self.sorted, |x| x) / self.len() as f64;
            let ss = pairwise_sum(&self.sorted, |x| (x - mean) * (x - mean));
            (mean, ss)
        }))
    }
}

/// Sort finite, NaN-free values ascending. Large inputs use an LSD radix sort on the IEEE-754
/// bits (six passes of 11 bits, skipping passes where every key shares the digit): about 5×
/// faster than a comparison sort on a million values, and the sort dominates a drift pass.
fn radix_sort_finite(values: Vec<f64>) -> Vec<f64> {
    const BITS: usize = 11;
    const RADIX: usize = 1 << BITS;
    const PASSES: usize = 6;
    thread_local! {
        // The second buffer of the radix sort, kept per thread: a drift pass sorts dozens of
        // million-value columns, and fresh buffers cost more in page faults than in sorting.
        static SCRATCH: std::cell::RefCell<Vec<u64>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    let n = values.len();
    if n < 1 << 12 {
        let mut values = values;
        values.sort_unstable_by(f64::total_cmp);
        return values;
    }
    // Map floats to unsigned keys whose order is the numeric order (in place: same size).
    let to_key = |v: f64| {
        let b = v.to_bits();
        if b >> 63 == 1 { !b } else { b | (1 << 63) }
    };
    let from_key = |k: u64| f64::from_bits(if k >> 63 == 1 { k & !(1 << 63) } else { !k });
    let mut src: Vec<u64> = values.into_iter().map(to_key).collect();
    let mut dst = SCRATCH.with(|s| std::mem::take(&mut *s.borrow_mut()));
    dst.clear();
    dst.resize(n, 0);
    let mut hist = vec![0usize; RADIX * PASSES];
    for &k in &src {
        for p in 0..PASSES {
            hist[p * RADIX + ((k >> (p * BITS)) as usize & (RADIX - 1))] += 1;
        }
    }
    for p in 0..PASSES {
        let h = &mut hist[p * RADIX..(p + 1) * RADIX];
        if h.contains(&n) {
            continue;
        }
        let mut sum = 0;
        for c in h.iter_mut() {
            let count = *c;
            *c = sum;
            sum += count;
        }
        for &k in &src {
            let d = (k >> (p * BITS)) as usize & (RADIX - 1);
            dst[h[d]] = k;
            h[d] += 1;
        }
        std::mem::swap(&mut src, &mut dst);
    }
    SCRATCH.with(|s| *s.borrow_mut() = dst);
    src.into_iter().map(from_key).collect()
}

fn push_finite(v: f64, sorted: &mut Vec<f64>, excluded: &mut ExcludedCounts) {
    if v.is_nan() {
        excluded.nan += 1;
    } else if v == f64::INFINITY {
        excluded.pos_inf += 1;
    } else if v == f64::NEG_INFINITY {
        excluded.neg_inf += 1;
    } else {
        // `total_cmp` orders -0.0 before 0.0; normalising keeps them one tie group.
        sorted.push(if v == 0.0 { 0.0 } else { v });
    }
}

/// Errors with [`DriftError::EmptySample`] when either side is empty.
pub(super) fn require_non_empty(
    reference: &NumericSample,
    current: &NumericSample,
) -> Result<(), DriftError> {
    if reference.is_empty() {
        return Err(DriftError::EmptySample(Side::Reference));
    }
    if current.is_empty() {
        return Err(DriftError::EmptySample(Side::Current));
    }
    Ok(())
}

/// One distinct value of the pooled sample with its multiplicity in each side.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct TieGroup {
    pub value: f64,
    pub a: usize,
    pub b: usize,
}

/// Walks the distinct values of two sorted finite slices in ascending order.
///
/// This single O(n1 + n2) pass replaces NumPy's `searchsorted`/`rankdata`
/// over the concatenated sample in KS, Wasserstein, energy distance,
/// Cramér–von Mises, Mann–Whitney and Anderson–Darling. Each step consumes the
/// smaller head (both on a cross-sample tie) with data-independent control
/// flow, so random interleaving of the samples costs no branch mispredictions.
pub(super) struct MergeWalk<'s> {
    a: &'s [f64],
    b: &'s [f64],
    i: usize,
    j: usize,
    pending: Option<TieGroup>,
}

impl<'s> MergeWalk<'s> {
    pub fn new(a: &'s [f64], b: &'s [f64]) -> Self {
        Self {
            a,
            b,
            i: 0,
            j: 0,
            pending: None,
        }
    }
}

impl Iterator for MergeWalk<'_> {
    type Item = TieGroup;

    fn next(&mut self) -> Option<TieGroup> {
        loop {
            // Samples are finite, so +inf marks an exhausted side.
            let x = self.a.get(self.i).copied().unwrap_or(f64::INFINITY);
            let y = self.b.get(self.j).copied().unwrap_or(f64::INFINITY);
            if x == f64::INFINITY && y == f64::INFINITY {
                return self.pending.take();
            }
            let v = x.min(y);
            let (da, db) = (usize::from(x == v), usize::from(y == v));
            self.i += da;
            self.j += db;
            match &mut self.pending {
                Some(g) if g.value == v => {
                    g.a += da;
                    g.b += db;
                }
                slot => {
                    let done = slot.replace(TieGroup {
                        value: v,
                        a: da,
                        b: db,
                    });
                    if done.is_some() {
                        return done;
                    }
                }
            }
        }
    }
}

/// Neumaier-compensated running sum: keeps long sums (millions of terms)
/// accurate to a few ulps, so results agree with NumPy's pairwise summation
/// far below 1e-12.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct CompensatedSum {
    sum: f64,
    comp: f64,
}

impl CompensatedSum {
    /// Adds one term.
    pub fn add(&mut self, v: f64) {
        let t = self.sum + v;
        if self.sum.abs() >= v.abs() {
            self.comp += (self.sum - t) + v;
        } else {
            self.comp += (v - t) + self.sum;
        }
        self.sum = t;
    }

    /// Current value of the sum.
    pub fn value(&self) -> f64 {
        self.sum + self.comp
    }
}

/// Σ f(x) by pairwise summation over blocks of 128 (NumPy's scheme): error
/// O(log n · ε) and auto-vectorisable, so mean/variance of 1M values is cheap.
pub(super) fn pairwise_sum(values: &[f64], f: impl Fn(f64) -> f64 + Copy) -> f64 {
    const BLOCK: usize = 128;
    if values.len() <= BLOCK {
        let mut acc = [0.0_f64; 8];
        let mut chunks = values.chunks_exact(8);
        for c in &mut chunks {
            for (a, &x) in acc.iter_mut().zip(c) {
                *a += f(x);
            }
        }
        let mut s =
            ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
        for &x in chunks.remainder() {
            s += f(x);
        }
        return s;
    }
    let half = (values.len() / 2).next_multiple_of(8);
    let (l, r) = values.split_at(half.min(values.len()));
    pairwise_sum(l, f) + pairwise_sum(r, f)
}

/// Compensated sum of an iterator (see [`CompensatedSum`]).
pub(super) fn compensated_sum(values: impl Iterator<Item = f64>) -> f64 {
    let mut acc = CompensatedSum::default();
    values.for_each(|v| acc.add(v));
    acc.value()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn radix_sort_matches_comparison_sort() {
        // A deterministic mix of magnitudes, signs, subnormals and duplicates.
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let values: Vec<f64> = (0..50_000)
            .map(|i| match i % 5 {
                0 => (next() % 1000) as f64 - 500.0,
                1 => f64::from_bits(next() >> 2) * if i % 2 == 0 { 1.0 } else { -1.0 },
                2 => 5e-324 * (next() % 7) as f64,
                3 => ((next() % 2_000_000) as f64 - 1e6) * 1e-3,
                _ => 42.0,
            })
            .filter(|v: &f64| v.is_finite())
            .collect();
        let mut expected = values.clone();
        expected.sort_unstable_by(f64::total_cmp);
        let values = radix_sort_finite(values);
        assert_eq!(
            values.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            expected.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
        );
    }

    #[test]
    fn from_vec_counts_like_from_options() {
        let v = vec![2.0, f64::NAN, -0.0, f64::NEG_INFINITY, 1.0];
        let s = NumericSample::from_vec(v, 3);
        assert_eq!(s.values(), &[0.0, 1.0, 2.0]);
        assert_eq!(s.excluded().missing, 3);
        assert_eq!(s.excluded().nan, 1);
        assert_eq!(s.excluded().neg_inf, 1);
    }

    #[test]
    fn excludes_and_counts_non_finite() {
        let s = NumericSample::new(&[3.0, f64::NAN, -0.0, f64::INFINITY, 1.0, f64::NEG_INFINITY]);
        assert_eq!(s.values(), &[0.0, 1.0, 3.0]);
        assert_eq!(s.excluded().nan, 1);
        assert_eq!(s.excluded().pos_inf, 1);
        assert_eq!(s.excluded().neg_inf, 1);
        assert_eq!(s.excluded().total(), 3);
        let o = NumericSample::from_options(&[None, Some(2.0), Some(f64::NAN)]);
        assert_eq!(o.excluded().missing, 1);
        assert_eq!(o.len(), 1);
    }

    #[test]
    fn merge_walk_groups_ties() {
        let g: Vec<_> = MergeWalk::new(&[1.0, 1.0, 2.0], &[1.0, 3.0]).collect();
        assert_eq!(g.len(), 3);
        assert_eq!((g[0].a, g[0].b), (2, 1));
        assert_eq!((g[2].value, g[2].a, g[2].b), (3.0, 0, 1));
    }
}

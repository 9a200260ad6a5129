//! Bootstrap percentile intervals of the window metrics.

use crate::analysis::metrics::{Metric, MetricValues};
use crate::vocab::Rng;

/// The 2.5 % and 97.5 % percentiles (linear interpolation, numpy's default) of `values`.
pub fn percentile_interval(values: &mut [f64]) -> Option<[f64; 2]> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    Some([quantile(values, 0.025), quantile(values, 0.975)])
}

/// Quantile of sorted values with linear interpolation between order statistics.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// Bootstrap percentile intervals: `replicates` resamples of `n` rows with replacement (as
/// multiplicities), `metric_of` evaluated on each; the 95 % percentile interval per metric.
pub fn bootstrap_intervals(
    n: usize,
    replicates: usize,
    seed: u64,
    mut metric_of: impl FnMut(&[u32]) -> MetricValues,
) -> std::collections::BTreeMap<Metric, [f64; 2]> {
    let mut out = std::collections::BTreeMap::new();
    if n == 0 || replicates == 0 {
        return out;
    }
    let mut rng = Rng::new(seed);
    let mut weights = vec![0u32; n];
    let mut samples: std::collections::BTreeMap<Metric, Vec<f64>> = Default::default();
    for _ in 0..replicates {
        weights.iter_mut().for_each(|w| *w = 0);
        // Two indices per 64-bit draw (multiply-shift on each half).
        for _ in 0..n / 2 {
            let r = rng.next_u64();
            weights[(((r >> 32) * n as u64) >> 32) as usize] += 1;
            weights[(((r & 0xFFFF_FFFF) * n as u64) >> 32) as usize] += 1;
        }
        if n % 2 == 1 {
            weights[rng.below(n)] += 1;
        }
        for (m, v) in metric_of(&weights) {
            samples.entry(m).or_default().push(v);
        }
    }
    for (m, mut v) in samples {
        // A metric undefined in more than half the replicates (one class drawn) has no interval.
        if v.len() * 2 >= replicates
            && let Some(iv) = percentile_interval(&mut v)
        {
            out.insert(m, iv);
        }
    }
    out
}

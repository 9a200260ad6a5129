//! What the Drift view draws for one column: the two distributions on shared bins with each
//! bin's share of the PSI, smoothed densities, both ECDFs with the KS gap, quantiles, and for
//! categories the new and vanished values.

use serde::Serialize;

use super::columns::{self, CategoricalPair, Storage};
use crate::analysis::drift::DriftError as StatisticError;
use crate::analysis::drift::{
    BinLabels, BinnedShares, BinningStrategy, CategoricalCounts, DivergenceParams, KsParams,
    NumericSample, bin_categorical, bin_numeric, divergences, ks_2samp,
};
use crate::data::Dataset;

/// Why one column's detail could not be drawn.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DetailError {
    #[error("{dataset} has no column \"{column}\"")]
    NoColumn { dataset: String, column: String },
    /// The rows of one window could not be taken from the production column.
    #[error("{0}")]
    Rows(String),
    #[error("\"{column}\" has no finite values in the {side} data")]
    NoFiniteValues { column: String, side: &'static str },
    #[error("\"{0}\" cannot be read as categories")]
    NotCategories(String),
    #[error("\"{column}\" is {reference_type} in training and {current_type} in production")]
    TypesDiffer {
        column: String,
        reference_type: String,
        current_type: String,
    },
    #[error("{0}")]
    Statistic(#[from] StatisticError),
}

/// Points of each ECDF and density curve sent to the plot.
const CURVE_POINTS: usize = 512;
/// Quantiles listed in the quantile table.
pub const QUANTILES: [f64; 9] = [0.0, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 1.0];
/// Categories drawn individually; the rest are summed into one "other" bar.
const MAX_CATEGORIES: usize = 40;

/// One bin of the shared binning.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DetailBin {
    /// "[12.5, 20)" for numeric bins, the value or category otherwise.
    pub label: String,
    /// Left and right edge for numeric bins (drawable as bars); `None` for categories.
    pub edges: Option<(f64, f64)>,
    pub reference_count: u64,
    pub current_count: u64,
    pub reference_share: f64,
    pub current_share: f64,
    /// This bin's term of the PSI, (c − r)·ln(c/r) on zero-filled shares; ≥ 0.
    pub psi_contribution: f64,
    /// In current only (a new category or a range the reference never reached).
    pub new: bool,
    /// In reference only.
    pub vanished: bool,
}

/// Numeric-only parts of the detail.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NumericDetail {
    /// (x, F(x)) points of each ECDF, at evenly spaced ranks.
    pub reference_ecdf: Vec<[f64; 2]>,
    pub current_ecdf: Vec<[f64; 2]>,
    /// Gaussian kernel density estimates (Scott's bandwidth, as scipy's gaussian_kde).
    pub reference_density: Vec<[f64; 2]>,
    pub current_density: Vec<[f64; 2]>,
    /// KS statistic D, where it occurs, and both ECDFs there.
    pub ks_statistic: f64,
    pub ks_location: f64,
    pub ks_reference_cdf: f64,
    pub ks_current_cdf: f64,
    /// (q, reference quantile, current quantile), numpy's "linear" quantiles.
    pub quantiles: Vec<(f64, f64, f64)>,
    pub reference_n: usize,
    pub current_n: usize,
}

/// Everything the detail panel shows for one column.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ColumnDetail {
    pub reference_name: String,
    pub current_name: String,
    pub bins: Vec<DetailBin>,
    pub psi: f64,
    pub numeric: Option<NumericDetail>,
    /// Categories new in current / vanished from it (categorical columns).
    pub new_categories: Vec<String>,
    pub vanished_categories: Vec<String>,
}

/// Compute the detail of one column (reference name, and its name in the current data).
pub fn column_detail(
    reference: &Dataset,
    current: &Dataset,
    reference_name: &str,
    current_name: &str,
    binning: BinningStrategy,
    current_rows: Option<&[u32]>,
) -> Result<ColumnDetail, DetailError> {
    let get = |ds: &Dataset, name: &str| {
        ds.frame
            .column(name)
            .map(|c| c.as_materialized_series().clone())
            .map_err(|_| DetailError::NoColumn {
                dataset: ds.name(),
                column: name.to_string(),
            })
    };
    let r = get(reference, reference_name)?;
    let mut c = get(current, current_name)?;
    if let Some(rows) = current_rows {
        // One window of the current data.
        let idx = polars::prelude::IdxCa::from_vec("rows".into(), rows.to_vec());
        c = c.take(&idx).map_err(|e| DetailError::Rows(e.to_string()))?;
    }
    let (rs, cs) = (
        columns::storage_of(r.dtype()),
        columns::storage_of(c.dtype()),
    );
    let numeric = |s: Storage| matches!(s, Storage::Float | Storage::Integer);
    let mut detail = ColumnDetail {
        reference_name: reference_name.to_string(),
        current_name: current_name.to_string(),
        bins: Vec::new(),
        psi: 0.0,
        numeric: None,
        new_categories: Vec::new(),
        vanished_categories: Vec::new(),
    };
    if numeric(rs) && numeric(cs) {
        let sample = |s: &polars::prelude::Series, integer: bool| {
            let values = columns::numeric(s).unwrap_or_default();
            let missing = values.iter().filter(|v| v.is_none()).count();
            NumericSample::from_vec(values.into_iter().flatten().collect(), missing)
                .with_integer_dtype(integer)
        };
        let integer = rs == Storage::Integer && cs == Storage::Integer;
        let (rs, cs) = (sample(&r, integer), sample(&c, integer));
        if rs.is_empty() || cs.is_empty() {
            return Err(DetailError::NoFiniteValues {
                column: reference_name.to_string(),
                side: if rs.is_empty() {
                    "training"
                } else {
                    "production"
                },
            });
        }
        let binned = bin_numeric(&rs, &cs, binning)?;
        fill_bins(&mut detail, &binned);
        detail.numeric = Some(numeric_detail(&rs, &cs)?);
    } else if !numeric(rs) && !numeric(cs) {
        let pair = columns::categorical_pair(&r, &c)
            .ok_or_else(|| DetailError::NotCategories(reference_name.to_string()))?;
        let n = pair.labels.len();
        let (rc, rm) = CategoricalPair::counts(&pair.reference, n, None);
        let (cc, cm) = CategoricalPair::counts(&pair.current, n, None);
        let counts = CategoricalCounts::from_aligned(&pair.labels, &rc, &cc, (rm, cm));
        let binned = bin_categorical(&counts)?;
        fill_bins(&mut detail, &binned);
        detail.new_categories = detail
            .bins
            .iter()
            .filter(|b| b.new)
            .map(|b| b.label.clone())
            .collect();
        detail.vanished_categories = detail
            .bins
            .iter()
            .filter(|b| b.vanished)
            .map(|b| b.label.clone())
            .collect();
        fold_rare_categories(&mut detail.bins);
    } else {
        return Err(DetailError::TypesDiffer {
            column: reference_name.to_string(),
            reference_type: r.dtype().to_string(),
            current_type: c.dtype().to_string(),
        });
    }
    Ok(detail)
}

fn fill_bins(detail: &mut ColumnDetail, binned: &BinnedShares) {
    let div = divergences(binned, &DivergenceParams::default());
    detail.psi = div.psi;
    let labels: Vec<(String, Option<(f64, f64)>)> = match &binned.bins {
        BinLabels::Edges(e) => e
            .windows(2)
            .enumerate()
            .map(|(i, w)| {
                let close = if i + 2 == e.len() { "]" } else { ")" };
                (
                    format!("[{}, {}{close}", short(w[0]), short(w[1])),
                    Some((w[0], w[1])),
                )
            })
            .collect(),
        BinLabels::Values(v) => v
            .iter()
            .map(|x| (short(*x), Some((x - 0.5, x + 0.5))))
            .collect(),
        BinLabels::Categories(c) => c.iter().map(|s| (s.clone(), None)).collect(),
    };
    detail.bins = labels
        .into_iter()
        .enumerate()
        .map(|(i, (label, edges))| DetailBin {
            label,
            edges,
            reference_count: binned.reference_counts[i],
            current_count: binned.current_counts[i],
            reference_share: binned.reference_shares[i],
            current_share: binned.current_shares[i],
            psi_contribution: div.psi_contributions.get(i).copied().unwrap_or(0.0),
            new: binned.reference_counts[i] == 0 && binned.current_counts[i] > 0,
            vanished: binned.reference_counts[i] > 0 && binned.current_counts[i] == 0,
        })
        .collect();
}

/// Keep the categories that matter most for the picture (largest share on either side, plus
/// every new or vanished one) and sum the rest into one bar.
fn fold_rare_categories(bins: &mut Vec<DetailBin>) {
    if bins.len() <= MAX_CATEGORIES {
        return;
    }
    let mut order: Vec<usize> = (0..bins.len()).collect();
    order.sort_by(|&a, &b| {
        let key = |i: usize| bins[i].reference_share.max(bins[i].current_share);
        key(b).total_cmp(&key(a))
    });
    let keep: std::collections::BTreeSet<usize> = order
        .iter()
        .copied()
        .take(MAX_CATEGORIES - 1)
        .chain((0..bins.len()).filter(|&i| bins[i].new || bins[i].vanished))
        .collect();
    let mut other = DetailBin {
        label: String::new(),
        edges: None,
        reference_count: 0,
        current_count: 0,
        reference_share: 0.0,
        current_share: 0.0,
        psi_contribution: 0.0,
        new: false,
        vanished: false,
    };
    let mut folded = 0;
    let mut kept = Vec::with_capacity(keep.len() + 1);
    for (i, b) in bins.drain(..).enumerate() {
        if keep.contains(&i) {
            kept.push(b);
        } else {
            folded += 1;
            other.reference_count += b.reference_count;
            other.current_count += b.current_count;
            other.reference_share += b.reference_share;
            other.current_share += b.current_share;
            other.psi_contribution += b.psi_contribution;
        }
    }
    other.label = format!("({folded} others)");
    kept.push(other);
    *bins = kept;
}

/// A number short enough for an axis or bin label.
fn short(v: f64) -> String {
    crate::format::fmt_num(v)
}

fn numeric_detail(r: &NumericSample, c: &NumericSample) -> Result<NumericDetail, DetailError> {
    let ks = ks_2samp(r, c, &KsParams::default())?;
    let cdf_at =
        |s: &NumericSample, x: f64| s.values().partition_point(|v| *v <= x) as f64 / s.len() as f64;
    // Densities over the central 99 % of both samples: tails of a few extreme values would
    // otherwise squeeze the picture into one corner.
    let lo = quantile(r.values(), 0.005).min(quantile(c.values(), 0.005));
    let hi = quantile(r.values(), 0.995).max(quantile(c.values(), 0.995));
    Ok(NumericDetail {
        reference_ecdf: ecdf_points(r.values()),
        current_ecdf: ecdf_points(c.values()),
        reference_density: kde(r.values(), lo, hi),
        current_density: kde(c.values(), lo, hi),
        ks_statistic: ks.statistic,
        ks_location: ks.location,
        ks_reference_cdf: cdf_at(r, ks.location),
        ks_current_cdf: cdf_at(c, ks.location),
        quantiles: QUANTILES
            .iter()
            .map(|&q| (q, quantile(r.values(), q), quantile(c.values(), q)))
            .collect(),
        reference_n: r.len(),
        current_n: c.len(),
    })
}

/// numpy's default ("linear") quantile of sorted values: interpolate between ranks.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        1 => sorted[0],
        n => {
            let pos = q.clamp(0.0, 1.0) * (n - 1) as f64;
            let i = pos.floor() as usize;
            let frac = pos - i as f64;
            if i + 1 < n {
                sorted[i] + (sorted[i + 1] - sorted[i]) * frac
            } else {
                sorted[n - 1]
            }
        }
    }
}

/// ECDF points at evenly spaced ranks: (x_(k), k/n), enough to draw the step curve faithfully.
fn ecdf_points(sorted: &[f64]) -> Vec<[f64; 2]> {
    let n = sorted.len();
    if n == 0 {
        return Vec::new();
    }
    let step = (n / CURVE_POINTS).max(1);
    let mut points: Vec<[f64; 2]> = (0..n)
        .step_by(step)
        .map(|i| {
            // The ECDF at x_(i) counts every value ≤ x_(i), ties included.
            let x = sorted[i];
            let rank = sorted.partition_point(|v| *v <= x);
            [x, rank as f64 / n as f64]
        })
        .collect();
    points.push([sorted[n - 1], 1.0]);
    points
}

/// Gaussian KDE on a grid over [lo, hi] with Scott's bandwidth h = σ·n^(−1/5) (σ with ddof 1),
/// as `scipy.stats.gaussian_kde` by default. The data are first binned linearly onto a fine
/// grid, so the cost is O(n + grid × kernel) rather than O(n × grid).
fn kde(sorted: &[f64], lo: f64, hi: f64) -> Vec<[f64; 2]> {
    let n = sorted.len();
    if n < 2 || hi.partial_cmp(&lo) != Some(std::cmp::Ordering::Greater) {
        return Vec::new();
    }
    let mean = sorted.iter().sum::<f64>() / n as f64;
    let var = sorted.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let h = var.sqrt() * (n as f64).powf(-0.2);
    if !h.is_finite() || h <= 0.0 {
        return Vec::new();
    }
    let g = 4 * CURVE_POINTS;
    let (a, b) = (lo - 3.0 * h, hi + 3.0 * h);
    let delta = (b - a) / (g - 1) as f64;
    let mut weights = vec![0.0; g];
    for &v in sorted {
        let pos = (v - a) / delta;
        if pos < 0.0 || pos > (g - 1) as f64 {
            continue;
        }
        let i = pos.floor() as usize;
        let frac = pos - i as f64;
        weights[i] += 1.0 - frac;
        if i + 1 < g {
            weights[i + 1] += frac;
        }
    }
    let reach = ((4.0 * h / delta).ceil() as usize).min(g);
    let kernel: Vec<f64> = (0..=reach)
        .map(|k| {
            let z = k as f64 * delta / h;
            (-0.5 * z * z).exp() / (h * (2.0 * std::f64::consts::PI).sqrt() * n as f64)
        })
        .collect();
    let stride = g / CURVE_POINTS;
    (0..g)
        .step_by(stride.max(1))
        .map(|i| {
            let from = i.saturating_sub(reach);
            let to = (i + reach).min(g - 1);
            let density: f64 = (from..=to)
                .map(|j| weights[j] * kernel[i.abs_diff(j)])
                .sum();
            [a + i as f64 * delta, density]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_match_numpy_linear() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile(&v, 0.5), 2.5);
        assert_eq!(quantile(&v, 0.25), 1.75);
        assert_eq!(quantile(&v, 1.0), 4.0);
        assert_eq!(quantile(&v, 0.0), 1.0);
    }

    #[test]
    fn ecdf_ends_at_one_and_counts_ties() {
        let p = ecdf_points(&[1.0, 1.0, 2.0]);
        assert_eq!(p[0], [1.0, 2.0 / 3.0]);
        assert_eq!(p.last(), Some(&[2.0, 1.0]));
    }

    #[test]
    fn kde_integrates_to_about_one() {
        // A standard normal sample by inverse CDF on a regular grid of probabilities.
        let n = 20_000;
        let sorted: Vec<f64> = (1..=n)
            .map(|i| {
                let p = i as f64 / (n + 1) as f64;
                // Acklam-free approximation is enough here: logit scaled to unit variance.
                (p / (1.0 - p)).ln() * (3f64).sqrt() / std::f64::consts::PI
            })
            .collect();
        let d = kde(&sorted, -4.0, 4.0);
        let area: f64 = d
            .windows(2)
            .map(|w| (w[1][0] - w[0][0]) * (w[0][1] + w[1][1]) / 2.0)
            .sum();
        assert!((area - 1.0).abs() < 0.02, "area {area}");
    }
}

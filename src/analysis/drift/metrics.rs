//! "All metrics" for one column: every statistic that applies, by stable name.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::binning::{BinningStrategy, bin_categorical, bin_numeric};
use super::categorical::{CategoricalCounts, chi_square, cramers_v, l_infinity, z_test};
use super::distance::{energy_distance, wasserstein};
use super::divergence::{DivergenceParams, divergences};
use super::error::DriftError;
use super::ks::{KsParams, ks_2samp};
use super::rank_tests::{anderson_ksamp, cramer_von_mises, mann_whitney_u};
use super::sample::{NumericSample, require_non_empty};
use super::ttest::welch_t_test;

/// Every metric name [`all_numeric_metrics`] / [`all_categorical_metrics`] can emit.
pub const METRIC_NAMES: [&str; 18] = [
    "ks_statistic",
    "ks_p_value",
    "wasserstein",
    "wasserstein_normed",
    "psi",
    "kl_divergence",
    "jensen_shannon_distance",
    "hellinger",
    "anderson_darling_p_value",
    "cramer_von_mises_p_value",
    "energy_distance",
    "t_test_p_value",
    "mann_whitney_p_value",
    "chi_square_statistic",
    "chi_square_p_value",
    "z_test_p_value",
    "l_infinity",
    "cramers_v",
];

/// Parameters of the all-metrics functions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllMetricsParams {
    /// KS p-value method.
    pub ks: KsParams,
    /// Binning for the share-based divergences (numeric columns).
    pub binning: BinningStrategy,
    /// Divergence parameters.
    pub divergence: DivergenceParams,
}

/// Every applicable statistic of one column.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AllMetricsReport {
    /// Metric name (see [`METRIC_NAMES`]) → value.
    pub values: BTreeMap<String, f64>,
    /// Metric name → why it could not be computed for this column
    /// (e.g. t-test with constant samples). Metrics that never apply to the
    /// column's type are simply absent.
    pub skipped: BTreeMap<String, String>,
}

impl AllMetricsReport {
    fn put(&mut self, name: &str, value: Result<f64, DriftError>) {
        match value {
            Ok(v) => {
                self.values.insert(name.to_owned(), v);
            }
            Err(e) => {
                self.skipped.insert(name.to_owned(), e.to_string());
            }
        }
    }
}

/// All numeric statistics: KS (statistic and p), Wasserstein (raw and normed),
/// PSI/KL/JS/Hellinger on `params.binning`, Anderson–Darling, Cramér–von
/// Mises, energy distance, Welch t-test and Mann–Whitney p-values.
/// Errors only when a side is empty.
pub fn all_numeric_metrics(
    reference: &NumericSample,
    current: &NumericSample,
    params: &AllMetricsParams,
) -> Result<AllMetricsReport, DriftError> {
    require_non_empty(reference, current)?;
    let mut r = AllMetricsReport::default();
    let ks = ks_2samp(reference, current, &params.ks);
    r.put("ks_statistic", ks.clone().map(|k| k.statistic));
    r.put("ks_p_value", ks.map(|k| k.p_value));
    let w = wasserstein(reference, current);
    r.put("wasserstein", w.clone().map(|w| w.distance));
    r.put("wasserstein_normed", w.map(|w| w.normed));
    match bin_numeric(reference, current, params.binning) {
        Ok(b) => put_divergences(&mut r, &divergences(&b, &params.divergence)),
        Err(e) => {
            for name in [
                "psi",
                "kl_divergence",
                "jensen_shannon_distance",
                "hellinger",
            ] {
                r.put(name, Err(e.clone()));
            }
        }
    }
    r.put(
        "anderson_darling_p_value",
        anderson_ksamp(reference, current).map(|a| a.p_value),
    );
    r.put(
        "cramer_von_mises_p_value",
        cramer_von_mises(reference, current).map(|c| c.p_value),
    );
    r.put("energy_distance", energy_distance(reference, current));
    r.put(
        "t_test_p_value",
        welch_t_test(reference, current).map(|t| t.p_value),
    );
    r.put(
        "mann_whitney_p_value",
        mann_whitney_u(reference, current).map(|m| m.p_value),
    );
    Ok(r)
}

/// All categorical statistics: chi-square (statistic and p), z-test p (only
/// for <= 2 categories), PSI/KL/JS/Hellinger on category shares, L∞ and
/// Cramér's V. Errors only when a side is empty.
pub fn all_categorical_metrics(
    counts: &CategoricalCounts,
    params: &AllMetricsParams,
) -> Result<AllMetricsReport, DriftError> {
    let binned = bin_categorical(counts)?;
    let mut r = AllMetricsReport::default();
    let chi = chi_square(counts);
    r.put("chi_square_statistic", chi.clone().map(|c| c.statistic));
    r.put("chi_square_p_value", chi.map(|c| c.p_value));
    if counts.n_categories() <= 2 {
        r.put("z_test_p_value", z_test(counts).map(|z| z.p_value));
    }
    put_divergences(&mut r, &divergences(&binned, &params.divergence));
    r.put("l_infinity", l_infinity(counts).map(|l| l.value));
    r.put("cramers_v", cramers_v(counts).map(|c| c.value));
    Ok(r)
}

fn put_divergences(r: &mut AllMetricsReport, d: &super::divergence::DivergenceReport) {
    r.put("psi", Ok(d.psi));
    r.put("kl_divergence", Ok(d.kl_divergence));
    r.put("jensen_shannon_distance", Ok(d.jensen_shannon_distance));
    r.put("hellinger", Ok(d.hellinger));
}

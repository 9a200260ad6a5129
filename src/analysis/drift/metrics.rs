//! "All metrics" for one column: every statistic that applies, keyed by [`DriftMetric`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::binning::{BinningStrategy, bin_categorical, bin_numeric};
use super::categorical::{CategoricalCounts, chi_square, cramers_v, l_infinity, z_test};
use super::distance::{energy_distance, wasserstein};
use super::divergence::{DivergenceParams, divergences, numeric_hellinger};
use super::error::DriftError;
use super::ks::{KsParams, ks_2samp};
use super::rank_tests::{anderson_ksamp, cramer_von_mises, mann_whitney_u};
use super::sample::{NumericSample, require_non_empty};
use super::ttest::welch_t_test;
use crate::vocab::DriftMetric;

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
    /// Metric → value (serialised under the metric's name).
    pub values: BTreeMap<DriftMetric, f64>,
    /// Metric → why it could not be computed for this column
    /// (e.g. t-test with constant samples). Metrics that never apply to the
    /// column's type are simply absent.
    pub skipped: BTreeMap<DriftMetric, String>,
}

impl AllMetricsReport {
    fn put(&mut self, metric: DriftMetric, value: Result<f64, DriftError>) {
        match value {
            Ok(v) => {
                self.values.insert(metric, v);
            }
            Err(e) => {
                self.skipped.insert(metric, e.to_string());
            }
        }
    }

    /// The value of one metric, when it was computed.
    pub fn get(&self, metric: DriftMetric) -> Option<f64> {
        self.values.get(&metric).copied()
    }
}

/// All numeric statistics: KS (statistic and p), Wasserstein (raw and normed),
/// PSI/KL/JS on `params.binning`, Hellinger as [`numeric_hellinger`], Anderson–Darling, Cramér–von
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
    r.put(DriftMetric::KsStatistic, ks.clone().map(|k| k.statistic));
    r.put(DriftMetric::KsPValue, ks.map(|k| k.p_value));
    let w = wasserstein(reference, current);
    r.put(DriftMetric::Wasserstein, w.clone().map(|w| w.distance));
    r.put(DriftMetric::WassersteinNormed, w.map(|w| w.normed));
    match bin_numeric(reference, current, params.binning) {
        Ok(b) => {
            put_divergences(&mut r, &divergences(&b, &params.divergence));
            // Evidently's Hellinger bins a numeric column its own way (not the PSI bins).
            r.put(
                DriftMetric::Hellinger,
                numeric_hellinger(reference, current, params.binning),
            );
        }
        Err(e) => {
            for name in [
                DriftMetric::Psi,
                DriftMetric::KlDivergence,
                DriftMetric::JensenShannonDistance,
                DriftMetric::Hellinger,
            ] {
                r.put(name, Err(e.clone()));
            }
        }
    }
    r.put(
        DriftMetric::AndersonDarlingPValue,
        anderson_ksamp(reference, current).map(|a| a.p_value),
    );
    r.put(
        DriftMetric::CramerVonMisesPValue,
        cramer_von_mises(reference, current).map(|c| c.p_value),
    );
    r.put(
        DriftMetric::EnergyDistance,
        energy_distance(reference, current),
    );
    r.put(
        DriftMetric::TTestPValue,
        welch_t_test(reference, current).map(|t| t.p_value),
    );
    r.put(
        DriftMetric::MannWhitneyPValue,
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
    r.put(
        DriftMetric::ChiSquareStatistic,
        chi.clone().map(|c| c.statistic),
    );
    r.put(DriftMetric::ChiSquarePValue, chi.map(|c| c.p_value));
    if counts.n_categories() <= 2 {
        r.put(DriftMetric::ZTestPValue, z_test(counts).map(|z| z.p_value));
    }
    put_divergences(&mut r, &divergences(&binned, &params.divergence));
    r.put(DriftMetric::LInfinity, l_infinity(counts).map(|l| l.value));
    r.put(DriftMetric::CramersV, cramers_v(counts).map(|c| c.value));
    Ok(r)
}

fn put_divergences(r: &mut AllMetricsReport, d: &super::divergence::DivergenceReport) {
    r.put(DriftMetric::Psi, Ok(d.psi));
    r.put(DriftMetric::KlDivergence, Ok(d.kl_divergence));
    r.put(
        DriftMetric::JensenShannonDistance,
        Ok(d.jensen_shannon_distance),
    );
    r.put(DriftMetric::Hellinger, Ok(d.hellinger));
}

//! Drift statistics core: two-sample tests, distances and divergences used to
//! decide whether a column of *current* data drifted away from *reference* data.
//!
//! Pure numeric code: no I/O, no threads, no GUI. Every statistic is computed on
//! pre-sorted samples ([`NumericSample`]) or aligned category counts
//! ([`CategoricalCounts`]) so one sort per column is shared by every test, and
//! every numeric statistic is O(n log n) or better (merge walks over the two
//! sorted arrays).
//!
//! Conventions follow SciPy 1.17 / NumPy 2.4 (the numbers are checked against
//! golden fixtures in `tests/golden/drift/`) and Evidently 0.7's
//! `evidently/legacy/calculations/stattests/*` for drift-specific conventions
//! (normed Wasserstein, PSI zero handling, z-test, default test selection).
//! Deviations are documented on the items concerned.

mod binning;
mod categorical;
mod distance;
mod divergence;
mod error;
mod kolmogorov;
mod ks;
mod metrics;
mod rank_tests;
mod sample;
mod select;
mod special;
mod ttest;

#[cfg(test)]
mod golden_tests;
#[cfg(test)]
mod prop_tests;

pub use binning::{
    BinLabels, BinnedShares, BinningStrategy, bin_categorical, bin_numeric, histogram_counts,
    quantile_edges,
};
pub use categorical::{
    CategoricalCounts, ChiSquareReport, CramersVReport, LInfinityReport, ZTestReport, chi_square,
    cramers_v, l_infinity, z_test,
};
pub use distance::{WassersteinReport, energy_distance, wasserstein};
pub use divergence::{
    DivergenceParams, DivergenceReport, LogBase, divergences, fill_zero_shares, hellinger_distance,
    hellinger_numeric_evidently, jensen_shannon_distance, kl_divergence, numeric_hellinger, psi,
};
pub use error::DriftError;
pub use ks::{KsMethod, KsParams, KsReport, ks_2samp};
pub use metrics::{
    AllMetricsParams, AllMetricsReport, all_categorical_metrics, all_numeric_metrics,
};
pub use rank_tests::{
    AndersonReport, CvmMethod, CvmReport, MannWhitneyReport, MwuMethod, anderson_ksamp,
    cramer_von_mises, mann_whitney_u,
};
pub use sample::{ExcludedCounts, NumericSample};
pub use select::{
    ColumnDriftReport, ColumnInput, ColumnKind, ColumnValues, Correction, DatasetDriftReport,
    DriftDirection, DriftMethod, DriftOptions, FeatureType, MethodOverride, dataset_report,
    default_method, evaluate_column, evaluate_column_or_skip, evaluate_dataset, feature_type,
};
pub use ttest::{TTestReport, welch_t_test};

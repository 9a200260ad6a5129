//! The settings of multivariate drift ([`super::multivariate`]), in their own file so that the
//! drift settings can hold them without the drift engine depending on the multivariate one.

use serde::{Deserialize, Serialize};

use super::ranges::{self, RangeError};

/// Settings of multivariate drift: what the Drift tab edits, a session stores (inside the
/// drift settings) and `--multivariate…` flags become. The windows are the drift pass's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MultivariateSettings {
    /// Share of variance the kept components must exceed (NannyML's `n_components`).
    pub variance: f64,
    /// Run the domain classifier as well.
    pub classifier: bool,
    /// Folds of its cross-validation.
    pub folds: usize,
    /// Rows per side (seeded sample) it reads per window.
    pub classifier_rows: usize,
    /// Seed of the classifier's samples and folds.
    pub seed: u64,
    /// Most anomalous rows listed per window.
    pub top_rows: usize,
    /// AUC above which (with p < 0.05) the classifier calls the windows different: Evidently's
    /// domain-classifier threshold.
    pub auc_threshold: f64,
}

impl Default for MultivariateSettings {
    fn default() -> Self {
        Self {
            variance: 0.65,
            classifier: true,
            folds: 5,
            classifier_rows: 2000,
            seed: 42,
            top_rows: 10,
            auc_threshold: 0.55,
        }
    }
}

impl MultivariateSettings {
    /// Every number inside its documented range ([`super::ranges`]).
    pub fn validate(&self) -> Result<(), RangeError> {
        ranges::MV_VARIANCE.check(self.variance)?;
        ranges::MV_FOLDS.check_usize(self.folds)?;
        ranges::MV_CLASSIFIER_ROWS.check_usize(self.classifier_rows)?;
        ranges::MV_TOP_ROWS.check_usize(self.top_rows)?;
        ranges::MV_AUC_THRESHOLD.check(self.auc_threshold)?;
        Ok(())
    }
}

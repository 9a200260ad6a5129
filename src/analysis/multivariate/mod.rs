//! Drift beyond single columns: a change in how features move together. Two views of it, both
//! over the same encoded features:
//!
//! - [`reconstruction`]: NannyML 0.13.1's data reconstruction error (PCA fitted on the
//!   reference; per window the mean Euclidean error of reconstructing each row from the kept
//!   components, with thresholds learned from the reference's own windows), plus each
//!   feature's share of the squared error and the most anomalous rows;
//! - [`classifier`]: a domain classifier separating reference rows from a window's rows,
//!   cross-validated, with its ROC AUC ([`auc`]) and the analytic Mann–Whitney p-value.
//!
//! Pure functions over slices: no files, threads or clocks.

pub mod auc;
pub mod classifier;
pub mod eigen;
pub mod reconstruction;

pub use auc::{auc_p_value, roc_auc};
pub use classifier::{ClassifierParams, ClassifierReport, domain_classifier};
pub use eigen::{SymmetricEigen, symmetric_eigen};
pub use reconstruction::{
    FeatureData, MISSING, ReconstructionModel, ReconstructionParams, SideErrors, WindowStats,
    alert, classifier_inputs, most_anomalous, thresholds, window_stats,
};

/// Why a multivariate analysis could not run, in one sentence.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MultivariateError {
    #[error(
        "multivariate drift needs at least two features, but only {0} can be used (PCA needs two)"
    )]
    TooFewFeatures(usize),
    #[error("the training data has no rows to fit the reconstruction on")]
    NoReferenceRows,
    #[error("feature \"{0}\" has no values in the training data (nothing to impute it with)")]
    EmptyFeature(String),
    #[error("the variance to keep must be in (0, 1), got {0}")]
    BadVariance(String),
}

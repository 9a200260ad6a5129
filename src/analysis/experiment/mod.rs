//! The statistics core of the experiments capability (A/B tests of models, champion against
//! challenger, gradual rollouts): pure functions over per-arm sufficient statistics, each
//! golden-tested against the reference it names (gbstats from GitHub main, scipy, statsmodels;
//! fixtures and the script that made them in `tests/golden/experiment/`).
//!
//! - [`analysis`]: the whole experiment (SRM, every metric × arm, correction, verdicts);
//! - [`srm`]: sample-ratio mismatch (chi-square goodness of fit; `scipy.stats.chisquare`);
//! - [`moments`]: per-arm n, Σx, Σx² and gbstats's variances;
//! - [`frequentist`]: absolute and relative effects with Welch t intervals (gbstats
//!   `TwoSidedTTest`), the pooled z-test for proportions (statsmodels `proportions_ztest`);
//! - [`cuped`]: regression adjustment on a pre-experiment covariate (gbstats
//!   `RegressionAdjustedStatistic`);
//! - [`bayesian`]: chance to win and risk (gbstats `EffectBayesianABTest`, default prior);
//! - [`sequential`]: always-valid intervals (gbstats `SequentialTwoSidedTTest`) and the
//!   one-sided guardrail test (`SequentialOneSidedTreatment{Lesser,Greater}TTest`);
//! - [`decision`]: ship, do not ship or keep running, per treatment arm (a harmed guardrail
//!   blocks shipping);
//! - [`guardrail`]: is the treatment worse? gbstats's one-sided t-tests toward harm;
//! - [`multiple`]: Holm and Benjamini–Hochberg (statsmodels `multipletests`);
//! - [`segments`]: effects per segment with a correction and Simpson's-paradox notes;
//! - [`power`]: sample size, minimum detectable effect and duration (normal formulas);
//! - [`champion`]: DeLong's test of two correlated AUCs and McNemar's test;
//! - [`stratified`]: post-stratified effects (gbstats `EffectMomentsPostStratification`);
//! - [`rollout`]: ramp steps of a gradual rollout, the stratified sequential guardrail test,
//!   verdicts per step and the what-if replay of a ramp plan.
//! - [`roc`]: one model's ranking from one sort (ROC AUC, scikit-learn's ROC curve, DeLong's
//!   components, the AUC of a weighted resample);
//! - [`offline`]: champion against challenger on the same labelled rows (accuracy, log loss,
//!   the paired Poisson bootstrap, the verdict).

pub mod analysis;
pub mod bayesian;
pub mod champion;
pub mod cuped;
pub mod decision;
pub mod dist;
pub mod error;
pub mod frequentist;
pub mod guardrail;
pub mod moments;
pub mod multiple;
pub mod offline;
pub mod power;
pub mod roc;
pub mod rollout;
pub mod segments;
pub mod sequential;
pub mod srm;
pub mod stratified;

pub use error::ExperimentError;

//! Champion against challenger offline: two models' probability scores on the same labelled
//! rows. Every difference is **challenger − champion**.
//!
//! **Per model** (scikit-learn 1.5.2, `tests/golden/experiment/make_compare_golden.py`):
//! - ROC AUC — `roc_auc_score` (see [`Ranking::auc`]);
//! - accuracy at a threshold t — a row is predicted positive when its score ≥ t, so it equals
//!   `accuracy_score(y, (p >= t).astype(int))`;
//! - log loss — `log_loss(y, p)` of scikit-learn 1.5.2, which clips p to [ε, 1 − ε] with
//!   ε = `np.finfo(float64).eps` = 2.22e-16 (1.3 and earlier clipped at 1e-15 by default;
//!   1.5 made the dtype's eps the only behaviour). For y = 0 scikit-learn takes −ln of the
//!   clipped 1 − p; 1 − clip(p) is the same float for every p in [0, 1].
//!
//! **Paired tests**: DeLong's test of the AUC difference with its normal interval
//! difference ± z_{1−α/2}·√Var ([`delong_from_rankings`]); McNemar's test on the 2 × 2 table
//! of correct decisions ([`mcnemar_test`]).
//!
//! **Paired bootstrap** (no external reference; its properties are tested): a resample draws
//! each row w ~ Poisson(1) times, independently — the Poisson bootstrap (Hanley & MacGibbon
//! 2006; Chamandy et al. 2012), asymptotically the multinomial bootstrap (its resample size
//! varies by about ±√n instead of being n), and one that draws every row's weight in one
//! sequential pass, with no scatter into an n-sized array. The same weights apply to both models
//! (the pairing). A replicate's log loss and accuracy are Σ w·x / Σ w; a replicate with
//! Σ w = 0 (only on tiny data) is left out and counted. Weights come from the inverse of the
//! Poisson(1) distribution function on 32 random bits (two draws per 64-bit SplitMix64
//! output, so the distribution is resolved to 2⁻³²); replicate b's stream is seeded from
//! (seed, b) alone, so the result does not depend on how replicates are shared among threads.
//! The AUC of a resample costs a pass over both sorted orders with random access to the
//! weights, so only the first `auc_resamples` replicates (default 200) also give an AUC
//! difference; DeLong's interval is the main one for the AUC. Percentile intervals at
//! α/2 and 1 − α/2 with linear interpolation between order statistics (numpy's default).
//!
//! **Verdict** ([`verdict`]): the two threshold-free comparisons decide — DeLong's test of
//! the ROC AUC (ranking) at α and the bootstrap interval of the log-loss difference
//! (probabilities) at 1 − α. The challenger wins when at least one of them favours it
//! significantly and the other does not significantly favour the champion; the champion wins
//! the other way round; "mixed" when they significantly disagree; "no significant difference"
//! otherwise. Accuracy and McNemar's test depend on the threshold and are reported, not voted.
//! Two tests at α each: between two equally good models a false winner is declared with
//! probability at most 2α (union bound).

use serde::Serialize;

use super::champion::{
    DelongReport, McNemarParams, McNemarReport, delong_from_rankings, mcnemar_test,
};
use super::dist::normal_quantile;
use super::error::{ExperimentError, check_unit_open};
use super::roc::{Ranking, RocCurve};
use crate::analysis::health::bootstrap::quantile;
use crate::analysis::metrics::{EPS, log_loss_term};
use crate::vocab::Rng;

/// Bootstrap resamples for the log-loss and accuracy differences, by default.
pub const DEFAULT_RESAMPLES: usize = 2000;
/// Of those, the resamples that also give an AUC difference, by default.
pub const DEFAULT_AUC_RESAMPLES: usize = 200;

/// Input of [`Comparison::new`]: both models' scores (probabilities of the positive class)
/// on the same labelled rows.
#[derive(Debug, Clone, Copy)]
pub struct CompareParams<'a> {
    /// Labels (true = positive).
    pub labels: &'a [bool],
    /// The champion's P(positive) per row, in [0, 1].
    pub champion: &'a [f64],
    /// The challenger's P(positive) per row, in [0, 1].
    pub challenger: &'a [f64],
    /// A row is predicted positive when its score ≥ threshold.
    pub threshold: f64,
}

/// One model's metrics on the rows.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ModelMetrics {
    /// `roc_auc_score`.
    pub roc_auc: f64,
    /// `accuracy_score` of (score ≥ threshold).
    pub accuracy: f64,
    /// `log_loss` (ε = 2.22e-16).
    pub log_loss: f64,
    /// Rows predicted positive at the threshold.
    pub predicted_positive: u64,
}

/// DeLong's test of challenger − champion with its normal interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DelongSummary {
    /// AUC_challenger − AUC_champion.
    pub difference: f64,
    /// Var(difference).
    pub variance: f64,
    /// difference / √variance.
    pub z: f64,
    /// Two-sided p-value.
    pub p_value: f64,
    /// difference − z_{1−α/2}·√variance.
    pub ci_low: f64,
    /// difference + z_{1−α/2}·√variance.
    pub ci_high: f64,
}

/// McNemar's test with the table it read: rows champion correct / wrong, columns challenger
/// correct / wrong.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct McNemarSummary {
    pub table: [[u64; 2]; 2],
    #[serde(flatten)]
    pub test: McNemarReport,
}

/// The two models compared: each sorted once, each row's log-loss terms and correctness
/// computed once, so that a bootstrap replicate is one pass of multiply-adds.
#[derive(Debug, Clone)]
pub struct Comparison {
    champion: Ranking,
    challenger: Ranking,
    /// Per row: [champion, challenger] log-loss term.
    loss: Vec<[f64; 2]>,
    /// Per row: bit 0 = the champion is right, bit 1 = the challenger is right.
    correct: Vec<u8>,
    /// Rows each model predicts positive, [champion, challenger].
    predicted: [u64; 2],
}

fn check_scores(what: &'static str, scores: &[f64], n: usize) -> Result<(), ExperimentError> {
    if scores.len() != n {
        return Err(ExperimentError::LengthMismatch {
            what: "scores and labels",
            left: scores.len(),
            right: n,
        });
    }
    if let Some(index) = scores.iter().position(|s| !s.is_finite()) {
        return Err(ExperimentError::NonFinite { what, index });
    }
    if let Some(&value) = scores.iter().find(|s| !(0.0..=1.0).contains(*s)) {
        return Err(ExperimentError::OutOfRange {
            name: what,
            value,
            range: "[0, 1]",
        });
    }
    Ok(())
}

impl Comparison {
    /// Rank both models and precompute the per-row terms.
    ///
    /// Errors: lengths that differ, a score that is not finite or outside [0, 1], a threshold
    /// outside [0, 1], rows of one class only.
    pub fn new(params: &CompareParams) -> Result<Self, ExperimentError> {
        Self::check(params)?;
        let champion = Ranking::new(params.labels, params.champion)?;
        let challenger = Ranking::new(params.labels, params.challenger)?;
        Self::with_rankings(params, champion, challenger)
    }

    /// As [`Comparison::new`], with the two rankings already built (a caller may sort the two
    /// score columns at once, on two threads). They must rank `params`'s rows.
    pub fn with_rankings(
        params: &CompareParams,
        champion: Ranking,
        challenger: Ranking,
    ) -> Result<Self, ExperimentError> {
        Self::check(params)?;
        let n = params.labels.len();
        let positives = params.labels.iter().filter(|&&y| y).count() as u64;
        for r in [&champion, &challenger] {
            if r.len() != n || r.positives() != positives {
                return Err(ExperimentError::LengthMismatch {
                    what: "a ranking and the labelled rows",
                    left: r.len(),
                    right: n,
                });
            }
        }
        let t = params.threshold;
        let (mut loss, mut correct) = (Vec::with_capacity(n), Vec::with_capacity(n));
        let mut predicted = [0u64; 2];
        for ((&y, &a), &b) in params
            .labels
            .iter()
            .zip(params.champion)
            .zip(params.challenger)
        {
            loss.push([log_loss_term(y, a, EPS), log_loss_term(y, b, EPS)]);
            predicted[0] += u64::from(a >= t);
            predicted[1] += u64::from(b >= t);
            correct.push(u8::from((a >= t) == y) | (u8::from((b >= t) == y) << 1));
        }
        Ok(Self {
            champion,
            challenger,
            loss,
            correct,
            predicted,
        })
    }

    fn check(params: &CompareParams) -> Result<(), ExperimentError> {
        let n = params.labels.len();
        check_scores("champion score", params.champion, n)?;
        check_scores("challenger score", params.challenger, n)?;
        if !(params.threshold.is_finite() && (0.0..=1.0).contains(&params.threshold)) {
            return Err(ExperimentError::OutOfRange {
                name: "threshold",
                value: params.threshold,
                range: "[0, 1]",
            });
        }
        let positives = params.labels.iter().filter(|&&y| y).count();
        for (arm, count) in [
            ("positive labels", positives),
            ("negative labels", n - positives),
        ] {
            if count == 0 {
                return Err(ExperimentError::TooFewUnits {
                    arm: arm.to_string(),
                    n: 0,
                    needed: 1,
                    statistic: "a comparison of two models",
                });
            }
        }
        Ok(())
    }

    /// Rows compared.
    pub fn rows(&self) -> usize {
        self.loss.len()
    }

    /// Positive rows.
    pub fn positives(&self) -> u64 {
        self.champion.positives()
    }

    /// Negative rows.
    pub fn negatives(&self) -> u64 {
        self.champion.negatives()
    }

    fn metrics(&self, model: usize, ranking: &Ranking) -> ModelMetrics {
        let n = self.rows() as f64;
        let bit = 1u8 << model;
        let right = self.correct.iter().filter(|&&c| c & bit != 0).count() as f64;
        // Both classes are present (checked in `new`), so the AUC exists; NaN only if that
        // invariant were ever broken.
        ModelMetrics {
            roc_auc: ranking.auc().unwrap_or(f64::NAN),
            accuracy: right / n,
            log_loss: self.loss.iter().map(|l| l[model]).sum::<f64>() / n,
            predicted_positive: self.predicted[model],
        }
    }

    /// The champion's metrics.
    pub fn champion_metrics(&self) -> ModelMetrics {
        self.metrics(0, &self.champion)
    }

    /// The challenger's metrics.
    pub fn challenger_metrics(&self) -> ModelMetrics {
        self.metrics(1, &self.challenger)
    }

    /// Both ROC curves, [champion, challenger].
    pub fn roc_curves(&self) -> [RocCurve; 2] {
        [self.champion.roc_curve(), self.challenger.roc_curve()]
    }

    /// DeLong's test of AUC_challenger − AUC_champion and its interval at 1 − α.
    ///
    /// Errors: α outside (0, 1), fewer than two rows of a class, a difference of variance 0
    /// (the two models rank the rows alike).
    pub fn delong(&self, alpha: f64) -> Result<DelongSummary, ExperimentError> {
        check_unit_open("alpha", alpha)?;
        let DelongReport {
            difference,
            variance,
            z,
            p_value,
            ..
        } = delong_from_rankings(&self.challenger, &self.champion)?;
        let half = normal_quantile(1.0 - alpha / 2.0) * variance.sqrt();
        Ok(DelongSummary {
            difference,
            variance,
            z,
            p_value,
            ci_low: difference - half,
            ci_high: difference + half,
        })
    }

    /// McNemar's test on who is right at the threshold.
    pub fn mcnemar(&self) -> McNemarSummary {
        let mut table = [[0u64; 2]; 2];
        for &c in &self.correct {
            let champion_wrong = usize::from(c & 1 == 0);
            let challenger_wrong = usize::from(c & 2 == 0);
            table[champion_wrong][challenger_wrong] += 1;
        }
        McNemarSummary {
            table,
            test: mcnemar_test(&McNemarParams { table }),
        }
    }

    /// Bootstrap replicate `index` of the stream `seed`: both models' log loss and accuracy
    /// on one Poisson resample, and their AUCs when `with_auc`; `None` when the resample is
    /// empty. Depends on (seed, index) only.
    pub fn replicate(&self, seed: u64, index: u64, with_auc: bool) -> Option<Replicate> {
        let table = poisson_one_table();
        let mut rng = Rng::new(replicate_seed(seed, index));
        let n = self.rows();
        let mut weights = if with_auc { vec![0u8; n] } else { Vec::new() };
        let (mut total, mut right_a, mut right_b) = (0u64, 0u64, 0u64);
        let (mut loss_a, mut loss_b) = (0.0, 0.0);
        let mut bits = 0u64;
        for (i, (loss, &c)) in self.loss.iter().zip(&self.correct).enumerate() {
            // Two 32-bit uniforms per 64-bit draw.
            let u = if i % 2 == 0 {
                bits = rng.next_u64();
                bits >> 32
            } else {
                bits & 0xFFFF_FFFF
            };
            // Branch-free over the first 8 entries (P(W ≥ 8) ≈ 1e-5), then the rare tail: a
            // data-dependent loop or skip here costs a mispredicted branch on most rows. A
            // weight of 0 adds exact zeros, so the sums are those of the rows drawn.
            let mut w = 0u8;
            for &t in &table[..8] {
                w += u8::from(u >= t);
            }
            if w == 8 {
                while u >= table[w as usize] {
                    w += 1;
                }
            }
            if with_auc {
                weights[i] = w;
            }
            let wf = f64::from(w);
            let wu = u64::from(w);
            total += wu;
            loss_a += wf * loss[0];
            loss_b += wf * loss[1];
            right_a += wu * u64::from(c & 1);
            right_b += wu * u64::from(c >> 1);
        }
        if total == 0 {
            return None;
        }
        let t = total as f64;
        let roc_auc = if with_auc {
            match (
                self.champion.weighted_auc(&weights),
                self.challenger.weighted_auc(&weights),
            ) {
                (Some(a), Some(b)) => Some([a, b]),
                _ => None,
            }
        } else {
            None
        };
        Some(Replicate {
            log_loss: [loss_a / t, loss_b / t],
            accuracy: [right_a as f64 / t, right_b as f64 / t],
            roc_auc,
        })
    }
}

/// One bootstrap replicate: [champion, challenger] per metric.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Replicate {
    pub log_loss: [f64; 2],
    pub accuracy: [f64; 2],
    /// `None` when not asked for, or when the resample held one class only.
    pub roc_auc: Option<[f64; 2]>,
}

/// The seed of replicate `index`'s own stream: (seed, index) through SplitMix64's mixer, so
/// that neighbouring replicates do not start on overlapping stretches of one stream.
pub fn replicate_seed(seed: u64, index: u64) -> u64 {
    Rng::new(seed ^ index.wrapping_mul(0xD1B5_4A32_D192_ED03)).next_u64()
}

/// Entries of the Poisson(1) inversion table: P(W ≥ 16) < 2⁻⁴⁰, below the 2⁻³² resolution.
const POISSON_TABLE: usize = 16;

/// T[k] = round(2³²·P(W ≤ k)) for W ~ Poisson(1); a 32-bit uniform u gives the weight
/// min{k : u < T[k]}. The last entry is 2³², so every u finds one.
fn poisson_one_table() -> [u64; POISSON_TABLE] {
    let scale = (1u64 << 32) as f64;
    let mut table = [1u64 << 32; POISSON_TABLE];
    let (mut p, mut cdf) = ((-1.0f64).exp(), 0.0);
    for (k, t) in table.iter_mut().enumerate().take(POISSON_TABLE - 1) {
        cdf += p;
        *t = ((cdf * scale).round() as u64).min(1 << 32);
        p /= (k + 1) as f64;
    }
    table
}

/// What [`paired_bootstrap`] is asked for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BootstrapParams {
    /// Resamples for the log-loss and accuracy differences (≥ 1).
    pub resamples: usize,
    /// The first this many also give an AUC difference (≤ resamples; 0: none).
    pub auc_resamples: usize,
    pub seed: u64,
    /// The intervals are at 1 − α.
    pub alpha: f64,
}

impl BootstrapParams {
    /// Errors: no resamples, more AUC resamples than resamples, α outside (0, 1).
    pub fn check(&self) -> Result<(), ExperimentError> {
        check_unit_open("alpha", self.alpha)?;
        if self.resamples == 0 {
            return Err(ExperimentError::OutOfRange {
                name: "bootstrap resamples",
                value: 0.0,
                range: "[1, ∞)",
            });
        }
        if self.auc_resamples > self.resamples {
            return Err(ExperimentError::OutOfRange {
                name: "AUC bootstrap resamples",
                value: self.auc_resamples as f64,
                range: "[0, the number of resamples]",
            });
        }
        Ok(())
    }
}

/// A bootstrap percentile interval of a difference.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Interval {
    /// The difference on all rows (not the replicates' mean).
    pub estimate: f64,
    /// The α/2 percentile of the replicates.
    pub ci_low: f64,
    /// The 1 − α/2 percentile.
    pub ci_high: f64,
    /// Standard deviation of the replicates (ddof = 1).
    pub std_error: f64,
}

/// The paired bootstrap's intervals of challenger − champion.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BootstrapReport {
    pub resamples: usize,
    /// Replicates with at least one row drawn.
    pub resamples_used: usize,
    pub auc_resamples: usize,
    /// AUC replicates with both classes drawn.
    pub auc_resamples_used: usize,
    pub seed: u64,
    /// 1 − α.
    pub confidence: f64,
    /// `None` when fewer than half the replicates were usable.
    pub log_loss_difference: Option<Interval>,
    pub accuracy_difference: Option<Interval>,
    /// `None` without AUC resamples, or when fewer than half of them had both classes.
    pub roc_auc_difference: Option<Interval>,
}

fn interval(estimate: f64, mut values: Vec<f64>, asked: usize, alpha: f64) -> Option<Interval> {
    if values.len() < 2 || values.len() * 2 < asked {
        return None;
    }
    let k = values.len() as f64;
    let mean = values.iter().sum::<f64>() / k;
    let std_error = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (k - 1.0)).sqrt();
    values.sort_by(f64::total_cmp);
    Some(Interval {
        estimate,
        ci_low: quantile(&values, alpha / 2.0),
        ci_high: quantile(&values, 1.0 - alpha / 2.0),
        std_error,
    })
}

/// The report from replicates 0, 1, … in index order (`None` for an empty resample), with the
/// full-sample differences as the estimates.
pub fn bootstrap_report(
    champion: &ModelMetrics,
    challenger: &ModelMetrics,
    params: &BootstrapParams,
    replicates: &[Option<Replicate>],
) -> BootstrapReport {
    let used: Vec<&Replicate> = replicates.iter().flatten().collect();
    let diff = |f: fn(&Replicate) -> [f64; 2]| -> Vec<f64> {
        used.iter().map(|r| f(r)).map(|[a, b]| b - a).collect()
    };
    let auc: Vec<f64> = replicates
        .iter()
        .take(params.auc_resamples)
        .flatten()
        .filter_map(|r| r.roc_auc)
        .map(|[a, b]| b - a)
        .collect();
    BootstrapReport {
        resamples: params.resamples,
        resamples_used: used.len(),
        auc_resamples: params.auc_resamples,
        auc_resamples_used: auc.len(),
        seed: params.seed,
        confidence: 1.0 - params.alpha,
        log_loss_difference: interval(
            challenger.log_loss - champion.log_loss,
            diff(|r| r.log_loss),
            params.resamples,
            params.alpha,
        ),
        accuracy_difference: interval(
            challenger.accuracy - champion.accuracy,
            diff(|r| r.accuracy),
            params.resamples,
            params.alpha,
        ),
        roc_auc_difference: interval(
            challenger.roc_auc - champion.roc_auc,
            auc,
            params.auc_resamples,
            params.alpha,
        ),
    }
}

/// The paired bootstrap on one thread (replicates 0 … resamples − 1 in order); a caller may
/// share the replicates among threads with [`Comparison::replicate`] and hand them to
/// [`bootstrap_report`] for the same result.
pub fn paired_bootstrap(
    comparison: &Comparison,
    bootstrap: &BootstrapParams,
) -> Result<BootstrapReport, ExperimentError> {
    bootstrap.check()?;
    let replicates: Vec<Option<Replicate>> = (0..bootstrap.resamples)
        .map(|b| comparison.replicate(bootstrap.seed, b as u64, b < bootstrap.auc_resamples))
        .collect();
    Ok(bootstrap_report(
        &comparison.champion_metrics(),
        &comparison.challenger_metrics(),
        bootstrap,
        &replicates,
    ))
}

/// Which model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Model {
    Champion,
    Challenger,
}

/// What the comparison decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// The challenger is significantly better on the AUC or the log loss, and not
    /// significantly worse on the other.
    Challenger,
    /// The other way round.
    Champion,
    /// Significantly better on one, significantly worse on the other.
    Mixed,
    NoSignificantDifference,
}

/// The verdict and the evidence it rests on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Verdict {
    pub decision: Decision,
    /// The winner, when there is one.
    pub winner: Option<Model>,
    /// The model DeLong's test favours at α (None: not significant or not computable).
    pub roc_auc_favours: Option<Model>,
    /// The model the log-loss interval favours (None: it contains 0 or is missing).
    pub log_loss_favours: Option<Model>,
}

/// The verdict by the rule in the module's documentation, from DeLong's test of
/// challenger − champion and the bootstrap interval of the log-loss difference.
pub fn verdict(delong: Option<&DelongSummary>, log_loss: Option<&Interval>, alpha: f64) -> Verdict {
    let roc_auc_favours = delong.and_then(|d| {
        (d.p_value < alpha).then_some(if d.difference > 0.0 {
            Model::Challenger
        } else {
            Model::Champion
        })
    });
    // A lower log loss is better.
    let log_loss_favours = log_loss.and_then(|i| {
        if i.ci_high < 0.0 {
            Some(Model::Challenger)
        } else if i.ci_low > 0.0 {
            Some(Model::Champion)
        } else {
            None
        }
    });
    let decision = match (roc_auc_favours, log_loss_favours) {
        (Some(a), Some(b)) if a != b => Decision::Mixed,
        (Some(Model::Challenger), _) | (_, Some(Model::Challenger)) => Decision::Challenger,
        (Some(Model::Champion), _) | (_, Some(Model::Champion)) => Decision::Champion,
        (None, None) => Decision::NoSignificantDifference,
    };
    Verdict {
        decision,
        winner: match decision {
            Decision::Challenger => Some(Model::Challenger),
            Decision::Champion => Some(Model::Champion),
            _ => None,
        },
        roc_auc_favours,
        log_loss_favours,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_poisson_table_is_poisson_one() {
        let t = poisson_one_table();
        let scale = (1u64 << 32) as f64;
        // P(W = 0) = P(W = 1) = e⁻¹, P(W = 2) = e⁻¹/2.
        let e = (-1.0f64).exp();
        assert!((t[0] as f64 / scale - e).abs() < 1e-9);
        assert!(((t[1] - t[0]) as f64 / scale - e).abs() < 1e-9);
        assert!(((t[2] - t[1]) as f64 / scale - e / 2.0).abs() < 1e-9);
        assert_eq!(t[POISSON_TABLE - 1], 1 << 32);
        assert!(t.windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn verdict_rule() {
        let d = |difference: f64, p_value: f64| DelongSummary {
            difference,
            variance: 1e-4,
            z: 0.0,
            p_value,
            ci_low: 0.0,
            ci_high: 0.0,
        };
        let i = |ci_low: f64, ci_high: f64| Interval {
            estimate: (ci_low + ci_high) / 2.0,
            ci_low,
            ci_high,
            std_error: 0.01,
        };
        let v = verdict(Some(&d(0.02, 0.001)), Some(&i(-0.01, 0.01)), 0.05);
        assert_eq!(v.decision, Decision::Challenger);
        assert_eq!(v.winner, Some(Model::Challenger));
        let v = verdict(Some(&d(0.02, 0.2)), Some(&i(0.001, 0.01)), 0.05);
        assert_eq!(v.decision, Decision::Champion);
        let v = verdict(Some(&d(0.02, 0.001)), Some(&i(0.001, 0.01)), 0.05);
        assert_eq!((v.decision, v.winner), (Decision::Mixed, None));
        let v = verdict(None, Some(&i(-0.01, 0.01)), 0.05);
        assert_eq!(v.decision, Decision::NoSignificantDifference);
        let v = verdict(Some(&d(-0.03, 0.01)), Some(&i(0.002, 0.02)), 0.05);
        assert_eq!(v.decision, Decision::Champion);
        assert_eq!(v.roc_auc_favours, Some(Model::Champion));
    }
}

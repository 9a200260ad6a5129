//! Champion against challenger offline: two score columns of the same labelled file, read out
//! of the frame, checked (a 0/1 target, probabilities in [0, 1]), rows missing any of the
//! three values dropped and counted, and handed to `analysis::experiment::offline`: each
//! model's ROC AUC, accuracy and log loss, DeLong's and McNemar's tests, the paired Poisson
//! bootstrap and the verdict.
//!
//! Work on a million rows: each score column is sorted once (the two sorts on two threads);
//! everything else is linear. The bootstrap's replicates are shared among the cores, each
//! seeded from (seed, replicate) alone, so the numbers are the same on any number of threads;
//! each costs one pass over the rows, and the first `auc_resamples` of them (200 by default)
//! one more over both sorted orders for the AUC.

use serde::{Deserialize, Serialize};

use crate::analysis::experiment::ExperimentError;
use crate::analysis::experiment::offline::{
    BootstrapParams, BootstrapReport, CompareParams, Comparison, DEFAULT_AUC_RESAMPLES,
    DEFAULT_RESAMPLES, DelongSummary, McNemarSummary, ModelMetrics, Replicate, Verdict,
    bootstrap_report, verdict,
};
use crate::analysis::experiment::roc::{Ranking, RocCurve};
use crate::data::Dataset;
use crate::engine::columns::{Storage, numeric, storage_of};
use crate::engine::parallel_map;
use crate::vocab::{Cancelled, Progress};

/// The bootstrap's seed unless one is chosen.
pub const DEFAULT_SEED: u64 = 12;
/// Points kept of each ROC curve for drawing, unless chosen.
pub const DEFAULT_ROC_POINTS: usize = 1000;
/// Bootstrap resamples allowed: fewer make percentile intervals meaningless, more only burn
/// time.
pub const RESAMPLES_RANGE: (usize, usize) = (
    super::ranges::RESAMPLES.lo as usize,
    super::ranges::RESAMPLES.hi as usize,
);

/// What the user chose (the command's flags).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CompareSettings {
    /// The 0/1 label column.
    pub target: String,
    /// The current model's P(positive) column.
    pub champion: String,
    /// The candidate model's P(positive) column.
    pub challenger: String,
    /// A row is predicted positive when its score ≥ threshold.
    pub threshold: f64,
    /// Level of the tests; the intervals are at 1 − α.
    pub alpha: f64,
    /// Bootstrap resamples for the log-loss and accuracy differences.
    pub resamples: usize,
    /// Of those, how many also give an AUC difference (0: none).
    pub auc_resamples: usize,
    pub seed: u64,
    /// Points kept of each ROC curve (0: all of them).
    pub roc_points: usize,
}

impl Default for CompareSettings {
    fn default() -> Self {
        Self {
            target: String::new(),
            champion: String::new(),
            challenger: String::new(),
            threshold: 0.5,
            alpha: 0.05,
            resamples: DEFAULT_RESAMPLES,
            auc_resamples: DEFAULT_AUC_RESAMPLES,
            seed: DEFAULT_SEED,
            roc_points: DEFAULT_ROC_POINTS,
        }
    }
}

/// Why two models could not be compared, in one sentence naming the file.
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    #[error("cannot compare the models in {file}: the {name} {value} is outside {range}")]
    Setting {
        file: String,
        name: &'static str,
        value: String,
        range: String,
    },
    #[error("{file}: the {what} and the {other} are the same column \"{column}\"")]
    SameColumn {
        file: String,
        column: String,
        what: &'static str,
        other: &'static str,
    },
    #[error("{file} has no column \"{column}\" (named as the {what})")]
    NoColumn {
        file: String,
        column: String,
        what: &'static str,
    },
    #[error("{file}: the {what} column \"{column}\" is not numeric")]
    NotNumeric {
        file: String,
        column: String,
        what: &'static str,
    },
    #[error(
        "{file}: the target column \"{column}\" holds {value} at data row {row}; a target must be 0 or 1"
    )]
    TargetNotBinary {
        file: String,
        column: String,
        value: f64,
        row: usize,
    },
    #[error(
        "{file}: the {what} column \"{column}\" holds {value} at data row {row}; a score must be a probability in [0, 1]"
    )]
    ScoreOutOfRange {
        file: String,
        column: String,
        what: &'static str,
        value: f64,
        row: usize,
    },
    #[error(
        "{file}: none of its {rows} rows has the target and both scores, so there is nothing to compare"
    )]
    NoRows { file: String, rows: usize },
    #[error(
        "{file}: all {rows} usable rows have target {class}; comparing models needs both classes"
    )]
    OneClass {
        file: String,
        rows: usize,
        class: u8,
    },
    #[error("{file}: {source}")]
    Analysis {
        file: String,
        #[source]
        source: ExperimentError,
    },
    #[error("the model comparison was cancelled")]
    Cancelled,
}

impl From<Cancelled> for CompareError {
    fn from(_: Cancelled) -> Self {
        Self::Cancelled
    }
}

/// One model's part of the outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelOutcome {
    /// Its score column.
    pub column: String,
    pub metrics: ModelMetrics,
    /// The ROC curve (`roc_curve(drop_intermediate=True)`), thinned to `roc_points`.
    pub roc: RocCurve,
    /// Points of the curve before thinning.
    pub roc_points_total: usize,
}

/// Challenger − champion.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Differences {
    pub roc_auc: f64,
    pub accuracy: f64,
    pub log_loss: f64,
}

/// Everything the comparison's presenters read. Every difference is challenger − champion.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CompareOutcome {
    pub target: String,
    /// Rows of the file.
    pub rows: usize,
    /// Rows with the target and both scores.
    pub rows_used: usize,
    /// Rows left out for a missing target or score.
    pub rows_dropped: usize,
    pub positives: u64,
    pub negatives: u64,
    pub threshold: f64,
    pub alpha: f64,
    pub champion: ModelOutcome,
    pub challenger: ModelOutcome,
    /// Challenger − champion of each metric on all rows (DeLong's AUC difference also when
    /// its test is undefined).
    pub differences: Differences,
    /// `None` when DeLong's test is undefined (`delong_error` says why).
    pub delong: Option<DelongSummary>,
    pub delong_error: Option<String>,
    pub mcnemar: McNemarSummary,
    pub bootstrap: BootstrapReport,
    pub verdict: Verdict,
}

/// A column as row-aligned floats, or the sentence saying why not.
fn numbers(
    ds: &Dataset,
    column: &str,
    what: &'static str,
) -> Result<Vec<Option<f64>>, CompareError> {
    let series = ds
        .frame
        .column(column)
        .map(|c| c.as_materialized_series().clone())
        .map_err(|_| CompareError::NoColumn {
            file: ds.name(),
            column: column.to_string(),
            what,
        })?;
    let not_numeric = || CompareError::NotNumeric {
        file: ds.name(),
        column: column.to_string(),
        what,
    };
    // Text would cast to all-missing numbers and read as "no rows": refuse it by name.
    let numeric_storage = matches!(
        storage_of(series.dtype()),
        Storage::Float | Storage::Integer | Storage::Boolean
    );
    if !numeric_storage && series.null_count() < series.len() {
        return Err(not_numeric());
    }
    numeric(&series).ok_or_else(not_numeric)
}

impl CompareSettings {
    /// The settings' own errors (a threshold outside [0, 1], α outside (0, 1), resamples out
    /// of range, one column named twice), before any data is read; `file` names the data in
    /// the message.
    pub fn check(&self, file: &str) -> Result<(), CompareError> {
        check_settings(file, self)
    }
}

fn check_settings(file: &str, s: &CompareSettings) -> Result<(), CompareError> {
    let bad = |name: &'static str, value: String, range: String| CompareError::Setting {
        file: file.to_string(),
        name,
        value,
        range,
    };
    if !(s.threshold.is_finite() && (0.0..=1.0).contains(&s.threshold)) {
        return Err(bad("threshold", s.threshold.to_string(), "[0, 1]".into()));
    }
    if !(s.alpha > 0.0 && s.alpha < 1.0) {
        return Err(bad("level alpha", s.alpha.to_string(), "(0, 1)".into()));
    }
    let (lo, hi) = RESAMPLES_RANGE;
    if !(lo..=hi).contains(&s.resamples) {
        return Err(bad(
            "number of bootstrap resamples",
            s.resamples.to_string(),
            format!("[{lo}, {hi}]"),
        ));
    }
    if s.auc_resamples > s.resamples {
        return Err(bad(
            "number of AUC bootstrap resamples",
            s.auc_resamples.to_string(),
            format!("[0, {}] (the resamples)", s.resamples),
        ));
    }
    if s.roc_points != 0 && s.roc_points < 10 {
        return Err(bad(
            "number of ROC points",
            s.roc_points.to_string(),
            "0 (all) or [10, ∞)".into(),
        ));
    }
    for (a, wa, b, wb) in [
        (&s.champion, "champion", &s.challenger, "challenger"),
        (&s.target, "target", &s.champion, "champion"),
        (&s.target, "target", &s.challenger, "challenger"),
    ] {
        if a == b {
            return Err(CompareError::SameColumn {
                file: file.to_string(),
                column: a.clone(),
                what: wa,
                other: wb,
            });
        }
    }
    Ok(())
}

/// Compare the champion's and the challenger's scores in `data` with `settings`.
pub fn run(
    data: &Dataset,
    settings: &CompareSettings,
    progress: &Progress,
) -> Result<CompareOutcome, CompareError> {
    let file = data.name();
    check_settings(&file, settings)?;
    progress.set(None, "Reading the scores");
    let target = numbers(data, &settings.target, "target")?;
    let champion = numbers(data, &settings.champion, "champion score")?;
    let challenger = numbers(data, &settings.challenger, "challenger score")?;
    progress.check()?;
    // Values are checked with their row numbers in the file before any row is dropped.
    if let Some((row, &value)) = target.iter().enumerate().find_map(|(i, v)| {
        v.as_ref()
            .filter(|v| **v != 0.0 && **v != 1.0)
            .map(|v| (i, v))
    }) {
        return Err(CompareError::TargetNotBinary {
            file,
            column: settings.target.clone(),
            value,
            row: row + 1,
        });
    }
    for (values, column, what) in [
        (&champion, &settings.champion, "champion score"),
        (&challenger, &settings.challenger, "challenger score"),
    ] {
        // NaN fails the range test too: it is no probability.
        if let Some((row, &value)) = values.iter().enumerate().find_map(|(i, v)| {
            v.as_ref()
                .filter(|v| !(0.0..=1.0).contains(*v))
                .map(|v| (i, v))
        }) {
            return Err(CompareError::ScoreOutOfRange {
                file,
                column: column.clone(),
                what,
                value,
                row: row + 1,
            });
        }
    }
    let (mut labels, mut a, mut b) = (Vec::new(), Vec::new(), Vec::new());
    for ((y, s), t) in target.iter().zip(&champion).zip(&challenger) {
        if let (Some(y), Some(s), Some(t)) = (y, s, t) {
            labels.push(*y == 1.0);
            a.push(*s);
            b.push(*t);
        }
    }
    let rows = data.rows();
    if labels.is_empty() {
        return Err(CompareError::NoRows { file, rows });
    }
    let positives = labels.iter().filter(|&&y| y).count();
    if positives == 0 || positives == labels.len() {
        return Err(CompareError::OneClass {
            file,
            rows: labels.len(),
            class: u8::from(positives > 0),
        });
    }
    let analysis = |source| CompareError::Analysis {
        file: file.clone(),
        source,
    };
    progress.set(None, "Ranking the scores");
    let params = CompareParams {
        labels: &labels,
        champion: &a,
        challenger: &b,
        threshold: settings.threshold,
    };
    let mut rankings = parallel_map(&[&a, &b], |s| Ranking::new(&labels, s)).into_iter();
    let (Some(rank_a), Some(rank_b)) = (rankings.next(), rankings.next()) else {
        // parallel_map returns one result per item unless a worker panicked.
        return Err(CompareError::Cancelled);
    };
    let comparison = Comparison::with_rankings(
        &params,
        rank_a.map_err(analysis)?,
        rank_b.map_err(analysis)?,
    )
    .map_err(analysis)?;
    progress.check()?;
    let champion_metrics = comparison.champion_metrics();
    let challenger_metrics = comparison.challenger_metrics();
    let (delong, delong_error) = match comparison.delong(settings.alpha) {
        Ok(d) => (Some(d), None),
        Err(e) => (None, Some(e.to_string())),
    };
    let mcnemar = comparison.mcnemar();
    let [roc_a, roc_b] = comparison.roc_curves();
    progress.check()?;

    let bootstrap_params = BootstrapParams {
        resamples: settings.resamples,
        auc_resamples: settings.auc_resamples,
        seed: settings.seed,
        alpha: settings.alpha,
    };
    bootstrap_params.check().map_err(analysis)?;
    let replicates = bootstrap(&comparison, &bootstrap_params, progress)?;
    let bootstrap = bootstrap_report(
        &champion_metrics,
        &challenger_metrics,
        &bootstrap_params,
        &replicates,
    );
    let verdict = verdict(
        delong.as_ref(),
        bootstrap.log_loss_difference.as_ref(),
        settings.alpha,
    );
    let model = |column: &String, metrics: ModelMetrics, roc: RocCurve| ModelOutcome {
        column: column.clone(),
        metrics,
        roc_points_total: roc.fpr.len(),
        roc: roc.thinned(settings.roc_points),
    };
    Ok(CompareOutcome {
        target: settings.target.clone(),
        rows,
        rows_used: labels.len(),
        rows_dropped: rows - labels.len(),
        positives: comparison.positives(),
        negatives: comparison.negatives(),
        threshold: settings.threshold,
        alpha: settings.alpha,
        differences: Differences {
            roc_auc: challenger_metrics.roc_auc - champion_metrics.roc_auc,
            accuracy: challenger_metrics.accuracy - champion_metrics.accuracy,
            log_loss: challenger_metrics.log_loss - champion_metrics.log_loss,
        },
        champion: model(&settings.champion, champion_metrics, roc_a),
        challenger: model(&settings.challenger, challenger_metrics, roc_b),
        delong,
        delong_error,
        mcnemar,
        bootstrap,
        verdict,
    })
}

/// Replicates per unit of work handed to a thread: small enough that a cancel is seen within
/// a fraction of a second and the threads end together.
const CHUNK: usize = 16;

/// The replicates 0 … resamples − 1, computed on all cores, in index order.
fn bootstrap(
    comparison: &Comparison,
    params: &BootstrapParams,
    progress: &Progress,
) -> Result<Vec<Option<Replicate>>, CompareError> {
    progress.set(Some(0.0), "Bootstrapping the differences");
    let chunks: Vec<std::ops::Range<usize>> = (0..params.resamples)
        .step_by(CHUNK)
        .map(|start| start..(start + CHUNK).min(params.resamples))
        .collect();
    let done = std::sync::atomic::AtomicUsize::new(0);
    let results = parallel_map(&chunks, |range| {
        if progress.is_cancelled() {
            return None;
        }
        let out: Vec<Option<Replicate>> = range
            .clone()
            .map(|b| comparison.replicate(params.seed, b as u64, b < params.auc_resamples))
            .collect();
        let finished = done.fetch_add(out.len(), std::sync::atomic::Ordering::Relaxed) + out.len();
        progress.set_fraction(finished as f32 / params.resamples as f32);
        Some(out)
    });
    progress.check()?;
    let mut replicates = Vec::with_capacity(params.resamples);
    for chunk in results {
        // A chunk is missing only when the work was cancelled under it.
        replicates.extend(chunk.ok_or(CompareError::Cancelled)?);
    }
    if replicates.len() != params.resamples {
        return Err(CompareError::Cancelled);
    }
    Ok(replicates)
}

#[cfg(test)]
mod tests {
    use polars::prelude::*;

    use super::*;
    use crate::analysis::experiment::offline::paired_bootstrap;

    fn dataset(rows: &[(Option<f64>, Option<f64>, Option<f64>)]) -> Dataset {
        let col = |k: usize| -> Vec<Option<f64>> {
            rows.iter()
                .map(|r| match k {
                    0 => r.0,
                    1 => r.1,
                    _ => r.2,
                })
                .collect()
        };
        let frame = DataFrame::new_infer_height(vec![
            Column::new("y".into(), col(0)),
            Column::new("old".into(), col(1)),
            Column::new("new".into(), col(2)),
        ])
        .expect("frame");
        Dataset::from_frame("scores.csv".into(), frame, &Progress::silent()).expect("dataset")
    }

    fn generated(n: usize) -> Vec<(Option<f64>, Option<f64>, Option<f64>)> {
        let mut rng = crate::vocab::Rng::new(5);
        (0..n)
            .map(|i| {
                let y = rng.uniform() < 0.4;
                let x = rng.normal() + if y { 1.0 } else { -1.0 };
                let a = 1.0 / (1.0 + (-(x + rng.normal())).exp());
                let b = 1.0 / (1.0 + (-(1.3 * x + 0.5 * rng.normal())).exp());
                // every 50th row misses its challenger score
                let b = (i % 50 != 7).then_some((b * 1000.0).round() / 1000.0);
                (Some(f64::from(u8::from(y))), Some(a), b)
            })
            .collect()
    }

    fn settings() -> CompareSettings {
        CompareSettings {
            target: "y".into(),
            champion: "old".into(),
            challenger: "new".into(),
            resamples: 300,
            auc_resamples: 50,
            ..CompareSettings::default()
        }
    }

    #[test]
    fn threads_do_not_change_the_bootstrap() {
        // The engine's replicates, shared among the cores, against the one-thread reference.
        let ds = dataset(&generated(3000));
        let o = run(&ds, &settings(), &Progress::silent()).expect("compare");
        assert_eq!(o.rows_dropped, 60);
        assert_eq!(o.rows_used, 2940);
        let keep: Vec<_> = generated(3000)
            .into_iter()
            .filter_map(|(y, a, b)| Some((y? == 1.0, a?, b?)))
            .collect();
        let labels: Vec<bool> = keep.iter().map(|r| r.0).collect();
        let a: Vec<f64> = keep.iter().map(|r| r.1).collect();
        let b: Vec<f64> = keep.iter().map(|r| r.2).collect();
        let params = CompareParams {
            labels: &labels,
            champion: &a,
            challenger: &b,
            threshold: 0.5,
        };
        let c = Comparison::new(&params).expect("comparison");
        let serial = paired_bootstrap(
            &c,
            &BootstrapParams {
                resamples: 300,
                auc_resamples: 50,
                seed: DEFAULT_SEED,
                alpha: 0.05,
            },
        )
        .expect("bootstrap");
        assert_eq!(o.bootstrap, serial);
        assert_eq!(
            o.verdict.winner,
            Some(crate::analysis::experiment::offline::Model::Challenger)
        );
    }

    #[test]
    fn a_cancel_stops_the_bootstrap() {
        // Cancelled as soon as the bootstrap stage is announced: the queued chunks are skipped.
        // Run to the end, 100 000 resamples of 2000 rows take several seconds in a debug
        // build, so the time bound fails a loop that ignores the cancel.
        let ds = dataset(&generated(2000));
        let cell: std::sync::Arc<std::sync::OnceLock<Progress>> = Default::default();
        let seen = cell.clone();
        let p = Progress::new(Some(std::sync::Arc::new(move || {
            if let Some(p) = seen.get()
                && p.stage().starts_with("Bootstrapping")
            {
                // request_stop, not cancel: cancel would wake this waker again.
                p.request_stop();
            }
        })));
        let _ = cell.set(p.clone());
        let s = CompareSettings {
            resamples: 100_000,
            ..settings()
        };
        let started = std::time::Instant::now();
        assert!(matches!(run(&ds, &s, &p), Err(CompareError::Cancelled)));
        assert!(started.elapsed() < std::time::Duration::from_secs(3));
    }

    #[test]
    fn bad_input_is_named() {
        let ds = dataset(&[
            (Some(1.0), Some(0.9), Some(0.8)),
            (Some(0.0), Some(0.2), Some(1.5)),
            (Some(2.0), Some(0.2), Some(0.1)),
        ]);
        let e = run(&ds, &settings(), &Progress::silent()).expect_err("target 2");
        assert_eq!(
            e.to_string(),
            "scores.csv: the target column \"y\" holds 2 at data row 3; a target must be 0 or 1"
        );
        let ds = dataset(&[
            (Some(1.0), Some(0.9), Some(0.8)),
            (Some(0.0), Some(0.2), Some(1.5)),
        ]);
        let e = run(&ds, &settings(), &Progress::silent()).expect_err("score 1.5");
        assert!(e.to_string().contains("holds 1.5 at data row 2"), "{e}");
        let ds = dataset(&[
            (Some(1.0), Some(0.9), Some(0.8)),
            (Some(1.0), Some(0.2), None),
        ]);
        let e = run(&ds, &settings(), &Progress::silent()).expect_err("one class");
        assert_eq!(
            e.to_string(),
            "scores.csv: all 1 usable rows have target 1; comparing models needs both classes"
        );
        let s = CompareSettings {
            challenger: "old".into(),
            ..settings()
        };
        let e = run(&ds, &s, &Progress::silent()).expect_err("same column");
        assert!(e.to_string().contains("are the same column \"old\""), "{e}");
        let s = CompareSettings {
            alpha: f64::NAN,
            ..settings()
        };
        let e = run(&ds, &s, &Progress::silent()).expect_err("alpha");
        assert!(e.to_string().contains("alpha NaN is outside (0, 1)"), "{e}");
    }
}

//! Every analysis of a session, run over its loaded datasets: what a report shows and what
//! `sextant check` judges. One function for the CLI and the GUI's export, so that the report a
//! pipeline writes is the report the window exports.

use crate::analysis::health::HealthReport;
use crate::analysis::integrity::IntegrityReport;
use crate::data::Dataset;
use crate::engine::drift::{ColumnDrift, DriftError, DriftInputs, DriftOutcome, run as run_drift};
use crate::engine::drift_detail::{ColumnDetail, column_detail};
use crate::engine::experiment::{ExperimentOutcome, ExperimentRunError};
use crate::engine::health::run as run_health;
use crate::engine::integrity::check_datasets;
use crate::engine::rollout::{RolloutError, RolloutOutcome};
use crate::engine::seasonality::{
    SeasonalityError, SeasonalityInputs, SeasonalityOutcome, run as run_seasonality,
};
use crate::model::compress::CompressionReport;
use crate::vocab::{Progress, Role};

use super::Session;
use super::v1::ExperimentMode;

/// Which columns get their two distributions drawn in a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Overlays {
    /// The drifted columns only (the default: keeps reports small).
    #[default]
    Drifted,
    /// Every tested column.
    All,
}

/// What the analyses produced. Each part is `None` when its inputs are missing (a drift needs
/// both datasets) and `Err` with one sentence when it could not be computed.
pub struct Analyses {
    pub drift: Option<Result<DriftOutcome, DriftError>>,
    /// Multivariate drift, when the drift settings ask for it.
    pub multivariate: Option<Result<crate::engine::multivariate::MultivariateOutcome, String>>,
    /// The overlay data of the chosen columns, by training name.
    pub drift_details: Vec<(String, ColumnDetail)>,
    /// Text columns and embeddings of the drift pair.
    pub text_drift: Option<crate::engine::text_drift::TextDriftOutcome>,
    pub integrity: Option<Result<IntegrityReport, String>>,
    pub seasonality: Option<Result<SeasonalityOutcome, String>>,
    /// Model health, when the data has a prediction column (by role or chosen).
    pub health: Option<Result<HealthReport, String>>,
    /// The feedback checks on the current data, when the health settings have feedback
    /// settings (the window stores them once its Feedback page was used).
    pub feedback: Option<Result<crate::engine::feedback::FeedbackOutcome, String>>,
    /// The compression lab, when the session names a model (its path as it resolves now).
    pub compression: Option<Result<CompressionReport, String>>,
    /// The A/B test, when the session has an experiment log and its variant column (and
    /// the Experiments tab reads it as an A/B test).
    pub experiment: Option<Result<ExperimentOutcome, String>>,
    /// Champion against challenger, when the session has an experiment log and names its
    /// target and both score columns.
    pub compare: Option<Result<crate::engine::compare::CompareOutcome, String>>,
    /// The gradual rollout, when the Experiments tab reads the log as a rollout and its
    /// columns are chosen.
    pub rollout: Option<Result<RolloutOutcome, String>>,
    /// The retraining backtest, when the session's Retraining settings are not the defaults
    /// (the tab was used; a backtest is too slow to run for every report unasked).
    pub retraining: Option<Result<crate::engine::retrain::RetrainOutcome, String>>,
    /// The serving simulator over the compression lab's latency curves, when the session has
    /// serving settings (its panel was used) and the lab ran.
    pub serving: Option<Result<crate::engine::serving::ServingOutcome, String>>,
}

/// The datasets a session's analyses read.
#[derive(Clone, Copy, Default)]
pub struct SessionData<'a> {
    pub reference: Option<&'a Dataset>,
    pub current: Option<&'a Dataset>,
    /// The experiment log (Experiments tab).
    pub experiment: Option<&'a Dataset>,
}

/// Run every analysis the session describes. `now_micros` is "now" for the integrity checks
/// (staleness of the newest timestamp); the caller reads the clock.
pub fn run(
    session: &Session,
    data: SessionData<'_>,
    overlays: Overlays,
    now_micros: i64,
    progress: &Progress,
) -> Result<Analyses, crate::vocab::Cancelled> {
    let views = &session.views;
    let SessionData {
        reference,
        current,
        experiment,
    } = data;
    let mut out = Analyses {
        drift: None,
        multivariate: None,
        drift_details: Vec::new(),
        text_drift: None,
        integrity: None,
        seasonality: None,
        health: None,
        feedback: None,
        compression: None,
        experiment: None,
        compare: None,
        rollout: None,
        retraining: None,
        serving: None,
    };
    if let (Some(r), Some(c)) = (reference, current) {
        progress.set(Some(0.05), "Computing drift");
        // Sessions store renames as pairs; the engine takes the vocabulary type.
        let renames = session.renames.clone();
        let inputs = DriftInputs {
            reference: r,
            current: c,
            roles: &session.roles,
            renames: &renames,
        };
        let drift = run_drift(&inputs, &views.drift, progress);
        progress.check()?;
        if let Ok(run) = &drift {
            progress.set(Some(0.4), "Drawing distributions");
            let wanted: Vec<&ColumnDrift> = run
                .columns
                .iter()
                .filter(|col| match overlays {
                    Overlays::Drifted => col.verdict.drifted,
                    Overlays::All => col.is_tested(),
                })
                .collect();
            // One column per core: each detail reads, sorts and bins a column on both sides.
            let details = crate::engine::parallel_map(&wanted, |col| {
                if progress.is_cancelled() {
                    return None;
                }
                column_detail(
                    r,
                    c,
                    &col.reference_name,
                    &col.current_name,
                    views.drift.binning,
                    None,
                )
                .ok()
                .map(|d| (col.reference_name.clone(), d))
            });
            progress.check()?;
            out.drift_details = details.into_iter().flatten().collect();
        }
        out.drift = Some(drift);
        if let Some(mv) = &views.drift.multivariate {
            progress.set(Some(0.5), "Computing multivariate drift");
            let spec = views
                .drift
                .windows
                .unwrap_or(crate::analysis::windows::WindowSpec::Week);
            out.multivariate = match crate::engine::multivariate::run(&inputs, mv, spec, progress) {
                Err(crate::engine::multivariate::MultivariateRunError::Cancelled) => {
                    return Err(crate::vocab::Cancelled);
                }
                other => Some(other.map_err(|e| e.to_string())),
            };
        }
        progress.set(Some(0.5), "Text and embedding drift");
        out.text_drift = Some(crate::engine::text_drift::run(
            &inputs,
            &views.drift.text,
            views.drift.windows,
            progress,
        )?);
        progress.set(Some(0.6), "Checking data integrity");
        let mut params = views.integrity.clone();
        params.renames = session.renames.clone();
        params.now_micros = Some(now_micros);
        out.integrity = Some(
            check_datasets(r, c, &session.roles, &params, &|| progress.is_cancelled())
                .map_err(|e| e.to_string()),
        );
        progress.check()?;
        let health = &views.health;
        if health.prediction.is_some() || session.roles.column_with(Role::Prediction).is_some() {
            progress.set(Some(0.7), "Measuring model health");
            out.health = Some(
                run_health(
                    &crate::engine::health::HealthInputs {
                        reference: r,
                        current: c,
                        roles: &session.roles,
                        renames: &session.renames,
                        // The drift pass above, when its verdicts are the defaults health uses.
                        drift: out
                            .drift
                            .as_ref()
                            .and_then(|d| d.as_ref().ok())
                            .filter(|_| views.drift.default_verdicts()),
                    },
                    health,
                    progress,
                )
                .map_err(|e| e.to_string()),
            );
            progress.check()?;
        }
        if views.retraining != crate::engine::retrain::RetrainSettings::default() {
            progress.set(Some(0.75), "Backtesting retraining policies");
            out.retraining = match crate::engine::retrain::run(
                &crate::engine::retrain::RetrainInputs {
                    reference: r,
                    current: c,
                    roles: &session.roles,
                    renames: &session.renames,
                },
                &views.retraining,
                progress,
            ) {
                Err(crate::engine::retrain::RetrainError::Backtest(
                    crate::analysis::retrain::BacktestError::Cancelled,
                )) => return Err(crate::vocab::Cancelled),
                other => Some(other.map_err(|e| e.to_string())),
            };
        }
    }
    if let (Some(c), Some(settings)) = (current, &views.health.feedback) {
        progress.set(Some(0.75), "Looking for feedback loops");
        let mut settings = settings.clone();
        settings.score = settings.score.or_else(|| views.health.prediction.clone());
        settings.time = settings.time.or_else(|| views.health.time.clone());
        out.feedback = Some(
            crate::engine::feedback::run(
                &crate::engine::feedback::FeedbackInputs {
                    data: c,
                    roles: &session.roles,
                },
                &settings,
                progress,
            )
            .map_err(|e| e.to_string()),
        );
        progress.check()?;
    }
    if reference.is_some() || current.is_some() {
        progress.set(Some(0.8), "Decomposing");
        let renames = session.renames.clone();
        let inputs = SeasonalityInputs {
            reference,
            current,
            roles: &session.roles,
            renames: &renames,
        };
        out.seasonality = match run_seasonality(&inputs, &views.seasonality, progress) {
            Err(SeasonalityError::Cancelled(c)) => return Err(c),
            other => Some(other.map_err(|e| e.to_string())),
        };
    }
    if views.compression.model_path.is_some() {
        progress.set(Some(0.9), "Evaluating compressed variants");
        out.compression = crate::engine::compression::run(
            &views.compression,
            [reference, current],
            &session.roles,
            &session.renames.clone(),
            progress,
        )
        .map(|r| r.map_err(|e| e.to_string()));
        progress.check()?;
        if let (Some(serving), Some(Ok(lab))) = (&views.serving, &out.compression) {
            progress.set(Some(0.92), "Simulating serving");
            out.serving = Some(run_serving(serving, lab, current, &session.roles, progress));
            progress.check()?;
        }
    }
    let rollout_mode = views.experiment.mode == ExperimentMode::Rollout;
    if let Some(log) = experiment
        && !rollout_mode
        && !views.experiment.ab.variant.is_empty()
    {
        progress.set(Some(0.95), "Analysing the experiment");
        out.experiment = match crate::engine::experiment::run(log, &views.experiment.ab, progress) {
            Err(ExperimentRunError::Cancelled) => return Err(crate::vocab::Cancelled),
            other => Some(other.map_err(|e| e.to_string())),
        };
    }
    let compare = &views.experiment.compare;
    if let Some(log) = experiment
        && ![&compare.target, &compare.champion, &compare.challenger]
            .iter()
            .any(|c| c.is_empty())
    {
        progress.set(Some(0.97), "Comparing champion and challenger");
        out.compare = match crate::engine::compare::run(log, compare, progress) {
            Err(crate::engine::compare::CompareError::Cancelled) => {
                return Err(crate::vocab::Cancelled);
            }
            other => Some(other.map_err(|e| e.to_string())),
        };
    }
    if let Some(log) = experiment
        && rollout_mode
        && views.experiment.rollout.is_chosen()
    {
        progress.set(Some(0.95), "Analysing the rollout");
        out.rollout = match crate::engine::rollout::run(log, &views.experiment.rollout, progress) {
            Err(RolloutError::Cancelled) => return Err(crate::vocab::Cancelled),
            other => Some(other.map_err(|e| e.to_string())),
        };
    }
    progress.set(Some(1.0), "Done");
    Ok(out)
}

/// The serving simulator for a session: production's arrivals (or the settings' Poisson
/// stream) through the lab's latency curves.
fn run_serving(
    settings: &crate::engine::serving::ServingSettings,
    lab: &CompressionReport,
    current: Option<&Dataset>,
    roles: &crate::data::RoleMap,
    progress: &Progress,
) -> Result<crate::engine::serving::ServingOutcome, String> {
    use crate::engine::serving;
    let curves =
        serving::curves_from_compression(lab, &settings.variants).map_err(|e| e.to_string())?;
    let name = current.map(|d| d.name()).unwrap_or_default();
    let arrivals = serving::arrivals(
        settings,
        current.map(|d| (&d.frame, name.as_str())),
        roles.column_with(Role::Timestamp),
    )
    .map_err(|e| e.to_string())?;
    serving::run(&arrivals, &curves, settings, progress).map_err(|e| e.to_string())
}

//! An A/B test over an experiment log: the variant of each unit, its metrics, optional
//! pre-experiment covariates, exposure time and segments, read out of the loaded file,
//! aggregated to the randomisation unit when a unit column is named, and handed to
//! `analysis::experiment`.
//!
//! One row per unit, or one row per event: with `unit`, a unit's metric is the sum of its
//! events' values for a mean metric and whether any event converted (the maximum) for a
//! proportion; its covariate is its first non-missing value (a pre-period value is per unit),
//! so is its segment; its exposure is its earliest timestamp. A unit seen in two arms is a
//! crossover: it is counted and left out of every test. A NaN is a missing value.
//!
//! Besides the tests of the whole log:
//! - goal metrics and guardrails are two families: the correction runs within each, so adding
//!   a guardrail never dilutes a goal's test; a guardrail's verdict is about harm only
//!   ([`crate::analysis::experiment::guardrail`]);
//! - the timeline is GrowthBook's date dimension made cumulative: on each exposure day, the
//!   units first exposed up to that day, each with its values over the whole log, analysed
//!   as the whole experiment is (fixed and always-valid intervals), so the last day is the
//!   total;
//! - power: the minimum detectable effect at the current sample, and the days still needed,
//!   at the observed daily traffic, for a test powered to detect the effect observed so far;
//! - segments: the effect per value of each segment column, corrected across the values, with
//!   the sign flips against the total (Simpson's paradox).

use std::collections::BTreeMap;

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::analysis::experiment::analysis::{
    ExperimentParams, ExperimentReport, MetricInput, MetricResult, analyze_experiment,
};
use crate::analysis::experiment::cuped::CupedArm;
use crate::analysis::experiment::decision::{DecisionReport, decide};
use crate::analysis::experiment::guardrail::{HarmParams, HarmReport, harm_test};
use crate::analysis::experiment::moments::{ArmSummary, Direction, MetricKind};
use crate::analysis::experiment::multiple::{Correction, MultipleTestingParams, adjust_p_values};
use crate::analysis::experiment::power::{
    Baseline, MdeParams, MdeReport, PowerParams, minimum_detectable_effect, sample_size,
};
use crate::analysis::experiment::segments::{
    SegmentInput, SegmentParams, SegmentReport, segment_effects,
};
use crate::analysis::experiment::srm::DEFAULT_SRM_THRESHOLD;
use crate::analysis::experiment::{ExperimentError, sequential};
use crate::data::Dataset;
use crate::engine::columns::{Storage, storage_of};
use crate::engine::experiment_units::{
    Assignment, Flat, Fold, NONE, Values, assign, earliest_of, first_code, fold_columns, raw_coded,
    unit_codes,
};
use crate::vocab::time::{MICROS_PER_DAY, format_micros};
use crate::vocab::{Cancelled, Progress};

/// Whether a metric is what the experiment should improve or what it must not harm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum MetricRole {
    /// The experiment is run to move it: better, worse or inconclusive.
    #[default]
    Goal,
    /// It must not get worse: harmed or no harm detected.
    Guardrail,
}

/// One metric a user asked for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricSpec {
    /// The metric column.
    pub column: String,
    /// Proportion or mean; `None`: proportion when every value is 0 or 1, else mean.
    pub kind: Option<MetricKind>,
    /// Which way is good.
    #[serde(default)]
    pub direction: Direction,
    /// Goal or guardrail.
    #[serde(default)]
    pub role: MetricRole,
}

/// What the user chose for an experiment (the command's flags).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExperimentSettings {
    /// The column naming each row's arm.
    pub variant: String,
    /// The control arm's name.
    pub control: String,
    /// The randomisation unit's column; `None`: one row per unit.
    pub unit: Option<String>,
    /// The exposure timestamp column (a unit's exposure is its earliest); gives the timeline
    /// and the days still needed.
    pub time: Option<String>,
    pub metrics: Vec<MetricSpec>,
    /// Metric column → its pre-experiment covariate column (CUPED).
    pub covariates: BTreeMap<String, String>,
    /// Columns to break the effects down by.
    pub segments: Vec<String>,
    /// Arm → planned share; empty: an equal split.
    pub planned: BTreeMap<String, f64>,
    /// Two-sided level of the tests and intervals.
    pub alpha: f64,
    pub correction: Correction,
    /// Also give GrowthBook's always-valid (sequential) intervals.
    pub sequential: bool,
    /// The power 1 − β of the minimum detectable effect and of the days still needed.
    pub power: f64,
}

impl Default for ExperimentSettings {
    fn default() -> Self {
        Self {
            variant: String::new(),
            control: String::new(),
            unit: None,
            time: None,
            metrics: Vec::new(),
            covariates: BTreeMap::new(),
            segments: Vec::new(),
            planned: BTreeMap::new(),
            alpha: 0.05,
            correction: Correction::None,
            sequential: false,
            power: 0.8,
        }
    }
}

/// A segment column with more distinct values than this is refused (a unit id or a timestamp
/// picked by mistake would otherwise make a million one-unit segments).
pub const MAX_SEGMENT_VALUES: usize = 200;

/// A timeline longer than this many exposure days is not computed (timestamps spread over
/// decades are a wrong column, not an experiment).
pub const MAX_TIMELINE_DAYS: usize = 1000;

/// Why an experiment could not be analysed, in one sentence naming the file.
#[derive(Debug, thiserror::Error)]
pub enum ExperimentRunError {
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
        "{file}: the {what} column \"{column}\" holds values that cannot be labelled ({dtype})"
    )]
    NotLabels {
        file: String,
        column: String,
        what: &'static str,
        dtype: String,
    },
    #[error("{file}: the time column \"{column}\" is not a date or time ({dtype})")]
    NotTime {
        file: String,
        column: String,
        dtype: String,
    },
    #[error(
        "{file}: the control arm \"{control}\" is not a value of {variant} (its values: {arms})"
    )]
    NoControl {
        file: String,
        control: String,
        variant: String,
        arms: String,
    },
    #[error(
        "{file}: {variant} has only the arm \"{arm}\"; an experiment needs a control and at least one treatment"
    )]
    OneArm {
        file: String,
        variant: String,
        arm: String,
    },
    #[error("{file}: the planned split names the arm \"{arm}\", which is not in {variant}")]
    UnknownPlannedArm {
        file: String,
        arm: String,
        variant: String,
    },
    #[error("the power {power} is not a probability strictly between 0 and 1")]
    Power { power: f64 },
    #[error("{file}: {source}")]
    Analysis {
        file: String,
        #[source]
        source: ExperimentError,
    },
    #[error("the experiment analysis was cancelled")]
    Cancelled,
    #[error(transparent)]
    Range(#[from] super::ranges::RangeError),
}

impl From<Cancelled> for ExperimentRunError {
    fn from(_: Cancelled) -> Self {
        Self::Cancelled
    }
}

/// A guardrail's harm test for one treatment arm.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GuardrailResult {
    pub metric: String,
    pub arm: String,
    /// gbstats's one-sided test toward harm on the headline estimate.
    pub harm: HarmReport,
    /// Its p-value after the correction across the guardrails.
    pub adjusted_p_value: f64,
    /// The adjusted p-value is below α.
    pub harmed: bool,
}

/// The decision for one treatment arm.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArmDecision {
    pub arm: String,
    pub report: DecisionReport,
}

/// Units whose covariate was missing while their metric was not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CovariateMissing {
    /// Units with the metric but no covariate.
    pub missing: usize,
    /// Units with the metric.
    pub units: usize,
    /// Units CUPED adjusted with (`units − missing`).
    pub adjusted_units: usize,
}

/// One metric × treatment arm on one timeline day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimelinePoint {
    pub metric: String,
    pub arm: String,
    /// The headline relative lift (CUPED-adjusted when a covariate applies).
    pub lift: Option<f64>,
    /// The fixed-horizon 1 − α interval of the lift.
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    /// The always-valid interval of the lift (safe to read every day).
    pub sequential_ci_low: Option<f64>,
    pub sequential_ci_high: Option<f64>,
    /// The headline two-sided p-value.
    pub p_value: Option<f64>,
    /// Why the day could not be tested (too few units so far…).
    pub error: Option<String>,
}

/// The cumulative analysis at the end of one exposure day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimelineDay {
    /// `YYYY-MM-DD` (UTC).
    pub date: String,
    /// Units exposed up to this day, per arm (in the order of the outcome's arms).
    pub units: Vec<u64>,
    /// The SRM test's p-value on those units.
    pub srm_p_value: Option<f64>,
    pub metrics: Vec<TimelinePoint>,
}

/// Power of one metric × treatment arm at the current sample.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PowerRow {
    pub metric: String,
    pub arm: String,
    /// Units per arm the formulas use: the harmonic mean of the control's and the arm's,
    /// 2/(1/n_a + 1/n_b), which gives the same variance of the difference as n_a and n_b.
    pub units_per_arm: f64,
    /// The smallest upward effect detectable at α and the power with that sample.
    pub mde: Option<MdeReport>,
    /// The absolute effect observed so far.
    pub observed_absolute: f64,
    /// Units per arm a test powered to detect the observed effect needs.
    pub needed_per_arm: Option<u64>,
    /// Units over all arms it needs.
    pub needed_total: Option<u64>,
    /// Days still needed at the observed daily traffic (0 when the sample already suffices).
    pub days_remaining: Option<f64>,
    /// Why a number is missing.
    pub error: Option<String>,
}

/// The `power` part of the outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PowerOutcome {
    /// 1 − β.
    pub power: f64,
    /// Two-sided level.
    pub alpha: f64,
    /// Calendar days from the first exposure day to the last, both included (with a time).
    pub exposure_days: Option<u64>,
    /// Units exposed per calendar day over those days.
    pub daily_units: Option<f64>,
    pub metrics: Vec<PowerRow>,
}

/// One metric × treatment arm broken down by one segment column.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SegmentMetric {
    pub metric: String,
    pub arm: String,
    /// Per segment value (in the order of the column's values), with the correction.
    pub report: Option<SegmentReport>,
    /// Why not.
    pub error: Option<String>,
    /// Sentences on segments whose lift has the opposite sign of the total.
    pub notes: Vec<String>,
}

/// The effects per value of one segment column.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SegmentOutcome {
    pub column: String,
    /// The column's values (sorted).
    pub values: Vec<String>,
    /// Units with no value in the column (left out of the segments, not of the total).
    pub missing_units: usize,
    pub metrics: Vec<SegmentMetric>,
    /// Why the column was not broken down.
    pub error: Option<String>,
}

/// Everything the experiment's presenters read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExperimentOutcome {
    /// Rows of the log.
    pub rows: usize,
    /// Whether rows were aggregated to units (a unit column was named).
    pub aggregated: bool,
    /// Arms in order: the control first, then the others by name.
    pub arms: Vec<String>,
    /// Units per arm, in the order of `arms` (crossover units excluded).
    pub units: Vec<u64>,
    /// Rows left out for a missing variant (or, with a unit column, a missing unit id).
    pub missing_variant: usize,
    /// Units seen in more than one arm (left out).
    pub crossover_units: usize,
    /// Per metric: units whose value was missing (left out of that metric).
    pub missing_values: BTreeMap<String, usize>,
    /// Per metric: why its covariate could not be used (the metric is then unadjusted).
    pub covariate_errors: BTreeMap<String, String>,
    /// Per metric: units whose covariate is missing (CUPED adjusts with the others).
    pub covariate_missing: BTreeMap<String, CovariateMissing>,
    /// Metric → goal or guardrail.
    pub roles: BTreeMap<String, MetricRole>,
    /// The tests (goals and guardrails, each family corrected on its own), in the order of the
    /// settings' metrics.
    pub report: ExperimentReport,
    /// The guardrails' harm tests.
    pub guardrails: Vec<GuardrailResult>,
    /// Per treatment arm (in the order of `arms[1..]`): ship, do not ship or keep running,
    /// from its goals' verdicts and its guardrails' harm (a harmed guardrail blocks shipping).
    pub decisions: Vec<ArmDecision>,
    /// Units without an exposure time (left out of the timeline), when a time column is named.
    pub missing_time: usize,
    /// Per exposure day, the cumulative analysis (empty without a time column).
    pub timeline: Vec<TimelineDay>,
    pub power: PowerOutcome,
    pub segments: Vec<SegmentOutcome>,
    /// Sentences on what could not be analysed and why, each naming the file.
    pub notes: Vec<String>,
}

/// A column of the log, or the sentence saying it is not there.
fn series<'a>(
    ds: &'a Dataset,
    column: &str,
    what: &'static str,
) -> Result<&'a Series, ExperimentRunError> {
    ds.frame
        .column(column)
        .map(|c| c.as_materialized_series())
        .map_err(|_| ExperimentRunError::NoColumn {
            file: ds.name(),
            column: column.to_string(),
            what,
        })
}

/// A metric or covariate column, refused by name when it is text: text would cast to
/// all-missing numbers and read as "no units". A column with no value at all stays a metric
/// whose rows say it has none.
fn numeric_series<'a>(
    ds: &'a Dataset,
    column: &str,
    what: &'static str,
) -> Result<&'a Series, ExperimentRunError> {
    let s = series(ds, column, what)?;
    let numeric_storage = matches!(
        storage_of(s.dtype()),
        Storage::Float | Storage::Integer | Storage::Boolean
    );
    if !numeric_storage && s.null_count() < s.len() {
        return Err(ExperimentRunError::NotNumeric {
            file: ds.name(),
            column: column.to_string(),
            what,
        });
    }
    Ok(s)
}

/// A numeric column to fold into units: a metric (with the kind the settings give it) or a
/// covariate. All of them are folded together in one pass ([`fold_columns`]).
enum Numeric<'a> {
    Metric(usize, &'a Series, Option<MetricKind>),
    Covariate(usize, &'a Series),
}

/// One pass over the rows for one column, run side by side with the others.
enum Job<'a> {
    Segment(usize, &'a Series),
    Time(&'a Series),
}

/// A segment column's labels and its code per unit.
type SegmentCodes = (Vec<String>, Vec<u32>);

enum JobResult {
    /// The metric's kind and its value per unit.
    Metric(usize, MetricKind, Vec<f64>),
    Covariate(usize, Vec<f64>),
    /// The segment's labels and its code per unit; `None` when it has no labels.
    Segment(usize, Option<SegmentCodes>),
    /// The exposure per unit; `None` when the column is not a time.
    Time(Option<Vec<i64>>),
}

fn run_job(
    job: &Job,
    unit_of_row: &[u32],
    units: usize,
    progress: &Progress,
) -> Result<JobResult, Cancelled> {
    Ok(match *job {
        Job::Segment(j, s) => JobResult::Segment(
            j,
            match raw_coded(s) {
                None => None,
                Some(c) => {
                    // Folded on first-seen codes; the few units' codes are renumbered after.
                    let (labels, rank) = c.rank();
                    let mut per_unit = first_code(&c.codes, unit_of_row, units, progress)?;
                    for u in per_unit.iter_mut().filter(|u| **u != NONE) {
                        *u = rank[*u as usize];
                    }
                    Some((labels, per_unit))
                }
            },
        ),
        Job::Time(s) => JobResult::Time(earliest_of(s, unit_of_row, units, progress)?),
    })
}

/// A metric as folded, before the tests.
struct Folded {
    kind: MetricKind,
    /// Per unit (NaN: no value).
    values: Vec<f64>,
    /// Per unit covariate (NaN: none), when one is named.
    covariate: Option<Vec<f64>>,
}

/// What the metric's per-arm statistics are, or why it cannot be tested.
struct Prepared {
    input: Option<MetricInput>,
    error: Option<String>,
}

fn fmt_value(v: f64) -> String {
    crate::format::fmt_num(v)
}

/// A metric's per-arm statistics from its per-unit values, with the sentence for a metric that
/// has no value, is constant, or holds a value its kind does not allow.
#[allow(clippy::too_many_arguments)]
fn prepare(
    file: &str,
    spec: &MetricSpec,
    folded: &Folded,
    covariate_name: Option<&str>,
    arm_of_unit: &[u32],
    arms: usize,
    missing_values: &mut BTreeMap<String, usize>,
    covariate_errors: &mut BTreeMap<String, String>,
    covariate_missing: &mut BTreeMap<String, CovariateMissing>,
    notes: &mut Vec<String>,
) -> Prepared {
    let m = &spec.column;
    let kind = folded.kind;
    let mut per_arm: Vec<Vec<f64>> = vec![Vec::new(); arms];
    let mut paired: Vec<(Vec<f64>, Vec<f64>)> = vec![(Vec::new(), Vec::new()); arms];
    let mut missing = 0;
    let mut missing_cov = 0;
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for (u, &a) in arm_of_unit.iter().enumerate() {
        if a == NONE {
            continue;
        }
        let v = folded.values[u];
        if v.is_nan() {
            missing += 1;
            continue;
        }
        lo = lo.min(v);
        hi = hi.max(v);
        per_arm[a as usize].push(v);
        if let Some(cov) = &folded.covariate {
            let x = cov[u];
            if x.is_nan() {
                missing_cov += 1;
            } else {
                paired[a as usize].0.push(v);
                paired[a as usize].1.push(x);
            }
        }
    }
    missing_values.insert(m.clone(), missing);
    let with_value: usize = per_arm.iter().map(Vec::len).sum();
    let fail = |error: String| Prepared {
        input: None,
        error: Some(error),
    };
    if with_value == 0 {
        return fail(format!(
            "{file}: the metric \"{m}\" has no value for any unit, so it is not tested"
        ));
    }
    if lo == hi {
        return fail(format!(
            "{file}: the metric \"{m}\" is {} for every unit (constant), so there is nothing to test",
            fmt_value(lo)
        ));
    }
    let summaries: Result<Vec<ArmSummary>, ExperimentError> = per_arm
        .iter()
        .map(|v| ArmSummary::from_values(v, kind))
        .collect();
    let summaries = match summaries {
        Ok(s) => s,
        Err(ExperimentError::NotBinary { value, .. }) => {
            return fail(format!(
                "{file}: the metric \"{m}\" is a proportion but a unit has the value {} (only 0 and 1 are allowed)",
                fmt_value(value)
            ));
        }
        Err(ExperimentError::NonFinite { .. }) => {
            return fail(format!(
                "{file}: the metric \"{m}\" holds an infinite value, so it is not tested"
            ));
        }
        Err(e) => return fail(format!("{file}: the metric \"{m}\": {e}")),
    };
    let cuped = match (covariate_name, &folded.covariate) {
        (Some(c), Some(_)) if missing_cov == with_value => {
            let why = format!("the covariate \"{c}\" is missing for every unit");
            notes.push(format!(
                "{file}: the covariate \"{c}\" of \"{m}\" is missing for every unit, so \"{m}\" is left unadjusted"
            ));
            covariate_errors.insert(m.clone(), why);
            None
        }
        (Some(c), Some(_)) => {
            if missing_cov > 0 {
                notes.push(format!(
                    "{file}: the covariate \"{c}\" of \"{m}\" is missing for {missing_cov} of {with_value} units; CUPED adjusts with the other {} (the unadjusted test keeps all {with_value})",
                    with_value - missing_cov
                ));
                covariate_missing.insert(
                    m.clone(),
                    CovariateMissing {
                        missing: missing_cov,
                        units: with_value,
                        adjusted_units: with_value - missing_cov,
                    },
                );
            }
            // A covariate that does not fit (not of the metric's kind, infinite) leaves the
            // metric unadjusted, and the outcome says why.
            match paired
                .iter()
                .map(|(post, pre)| CupedArm::from_values(post, pre, kind))
                .collect::<Result<Vec<_>, _>>()
            {
                Ok(arms) => Some(arms),
                Err(e) => {
                    covariate_errors.insert(m.clone(), e.to_string());
                    None
                }
            }
        }
        _ => None,
    };
    Prepared {
        input: Some(MetricInput {
            name: m.clone(),
            kind,
            direction: spec.direction,
            arms: summaries,
            cuped,
        }),
        error: None,
    }
}

/// The experiment's arms: the control first, then the others by name.
fn arms_of(
    file: &str,
    names: &[String],
    settings: &ExperimentSettings,
) -> Result<Vec<String>, ExperimentRunError> {
    if !names.contains(&settings.control) {
        return Err(ExperimentRunError::NoControl {
            file: file.to_string(),
            control: settings.control.clone(),
            variant: settings.variant.clone(),
            arms: names.join(", "),
        });
    }
    if names.len() < 2 {
        return Err(ExperimentRunError::OneArm {
            file: file.to_string(),
            variant: settings.variant.clone(),
            arm: settings.control.clone(),
        });
    }
    let mut arms = vec![settings.control.clone()];
    arms.extend(names.iter().filter(|n| **n != settings.control).cloned());
    if let Some(arm) = settings.planned.keys().find(|a| !arms.contains(a)) {
        return Err(ExperimentRunError::UnknownPlannedArm {
            file: file.to_string(),
            arm: arm.clone(),
            variant: settings.variant.clone(),
        });
    }
    Ok(arms)
}

/// The whole analysis of some metrics on some per-arm counts: goals and guardrails each
/// corrected on their own, rows back in the order of `inputs`.
fn analyze_families(
    file: &str,
    arms: &[String],
    counts: &[u64],
    planned: &Option<Vec<f64>>,
    inputs: &[(MetricRole, &MetricInput)],
    settings: &ExperimentSettings,
    sequential: bool,
) -> Result<(ExperimentReport, Vec<MetricResult>), ExperimentRunError> {
    let family = |role: MetricRole| {
        let params = ExperimentParams {
            arms: arms.to_vec(),
            control: 0,
            units: counts.to_vec(),
            planned: planned.clone(),
            srm_threshold: DEFAULT_SRM_THRESHOLD,
            metrics: inputs
                .iter()
                .filter(|(r, _)| *r == role)
                .map(|(_, m)| (*m).clone())
                .collect(),
            alpha: settings.alpha,
            correction: settings.correction,
            sequential_tuning: sequential.then_some(sequential::DEFAULT_TUNING),
        };
        analyze_experiment(&params).map_err(|source| ExperimentRunError::Analysis {
            file: file.to_string(),
            source,
        })
    };
    let goals = family(MetricRole::Goal)?;
    let guards = family(MetricRole::Guardrail)?;
    let per_metric = arms.len() - 1;
    let (mut g, mut r) = (goals.metrics.iter(), guards.metrics.iter());
    let mut rows = Vec::new();
    for (role, _) in inputs {
        let source = if *role == MetricRole::Goal {
            &mut g
        } else {
            &mut r
        };
        for row in source.by_ref().take(per_metric) {
            let mut row = row.clone();
            row.error = row.error.map(|e| format!("{file}: {e}"));
            rows.push(row);
        }
    }
    Ok((goals, rows))
}

/// Units per arm, for the arms' order.
fn count_units(arm_of_unit: &[u32], arms: usize, keep: impl Fn(usize) -> bool) -> Vec<u64> {
    let mut counts = vec![0u64; arms];
    for (u, &a) in arm_of_unit.iter().enumerate() {
        if a != NONE && keep(u) {
            counts[a as usize] += 1;
        }
    }
    counts
}

/// Analyse the experiment in `log` with `settings`.
impl ExperimentSettings {
    /// The level, the power and the planned shares inside their documented ranges
    /// ([`super::ranges`]).
    pub fn validate(&self) -> Result<(), super::ranges::RangeError> {
        use super::ranges;
        ranges::AB_ALPHA.check(self.alpha)?;
        ranges::AB_POWER.check(self.power)?;
        for share in self.planned.values() {
            ranges::PLANNED_SHARE.check(*share)?;
        }
        Ok(())
    }
}

pub fn run(
    log: &Dataset,
    settings: &ExperimentSettings,
    progress: &Progress,
) -> Result<ExperimentOutcome, ExperimentRunError> {
    let file = log.name();
    settings.validate()?;
    if !(settings.power > 0.0 && settings.power < 1.0) {
        return Err(ExperimentRunError::Power {
            power: settings.power,
        });
    }
    progress.set(None, "Reading the experiment log");
    // Every column is looked up (and refused by name) before any is read.
    let variant_series = series(log, &settings.variant, "variant")?;
    let unit_series = match &settings.unit {
        Some(u) => Some(series(log, u, "unit")?),
        None => None,
    };
    let mut numeric = Vec::new();
    let mut jobs = Vec::new();
    for (i, spec) in settings.metrics.iter().enumerate() {
        numeric.push(Numeric::Metric(
            i,
            numeric_series(log, &spec.column, "metric")?,
            spec.kind,
        ));
    }
    // A covariate shared by several metrics is read once.
    let mut covariate_columns: Vec<&String> = Vec::new();
    for spec in &settings.metrics {
        if let Some(c) = settings.covariates.get(&spec.column)
            && !covariate_columns.contains(&c)
        {
            numeric.push(Numeric::Covariate(
                covariate_columns.len(),
                numeric_series(log, c, "covariate")?,
            ));
            covariate_columns.push(c);
        }
    }
    for (j, s) in settings.segments.iter().enumerate() {
        jobs.push(Job::Segment(j, series(log, s, "segment")?));
    }
    if let Some(t) = &settings.time {
        let s = series(log, t, "time")?;
        if micros_of_dtype_ok(s) {
            jobs.push(Job::Time(s));
        } else {
            return Err(ExperimentRunError::NotTime {
                file,
                column: t.clone(),
                dtype: s.dtype().to_string(),
            });
        }
    }

    // The variant's codes and the units' codes are independent: one thread each.
    let (variants, unit_ids) = std::thread::scope(|s| {
        let ids = s.spawn(|| match unit_series {
            Some(us) => unit_codes(us, progress),
            None => Ok(Some(((0..log.rows() as u32).collect(), log.rows()))),
        });
        let variants = raw_coded(variant_series);
        (variants, ids.join())
    });
    let variants = variants.ok_or_else(|| ExperimentRunError::NotLabels {
        file: file.clone(),
        column: settings.variant.clone(),
        what: "variant",
        dtype: variant_series.dtype().to_string(),
    })?;
    let (unit_of_row, units) = match unit_ids {
        Ok(r) => r?,
        Err(_) => return Err(ExperimentRunError::Cancelled),
    }
    .ok_or_else(|| ExperimentRunError::NotLabels {
        file: file.clone(),
        column: settings.unit.clone().unwrap_or_default(),
        what: "unit",
        dtype: unit_series
            .map(|s| s.dtype().to_string())
            .unwrap_or_default(),
    })?;
    let (labels, rank) = variants.rank();
    let arms = arms_of(&file, &labels, settings)?;
    let k = arms.len();
    // First-seen code → arm index (the control is 0).
    let arm_of_label: Vec<u32> = rank
        .iter()
        .map(|&r| {
            let l = &labels[r as usize];
            arms.iter().position(|a| a == l).map_or(NONE, |p| p as u32)
        })
        .collect();
    progress.check()?;
    progress.set(None, "Assigning units to arms");
    let Assignment {
        arm: arm_of_unit,
        crossover,
        missing_variant,
    } = assign(
        &variants.codes,
        &arm_of_label,
        &unit_of_row,
        units,
        progress,
    )?;
    drop(variants);

    progress.set(None, "Reading metric values");
    // Each metric and covariate cast once into flat floats (a column per core), the kind of a
    // metric without one inferred from its values as `all_binary` does, then all of them
    // folded in one pass; segments and the exposure time fold on their own.
    let flats: Vec<Option<Flat>> = super::parallel_map(&numeric, |n| match n {
        Numeric::Metric(_, s, _) | Numeric::Covariate(_, s) => Flat::new(s),
    });
    let binary = |f: &Option<Flat>| f.as_ref().is_some_and(Flat::all_binary);
    let kinds: Vec<MetricKind> = numeric
        .iter()
        .zip(&flats)
        .map(|(n, f)| match n {
            Numeric::Metric(_, _, Some(kind)) => *kind,
            Numeric::Metric(..) if binary(f) => MetricKind::Proportion,
            _ => MetricKind::Mean,
        })
        .collect();
    let present: Vec<(Values<'_>, Fold)> = numeric
        .iter()
        .zip(&flats)
        .zip(&kinds)
        .filter_map(|((n, f), kind)| {
            let how = match (n, kind) {
                (Numeric::Covariate(..), _) => Fold::First,
                (Numeric::Metric(..), MetricKind::Mean) => Fold::Sum,
                (Numeric::Metric(..), MetricKind::Proportion) => Fold::Max,
            };
            f.as_ref().map(|f| (f.values(), how))
        })
        .collect();
    progress.set(None, "Folding events into units");
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let mut values = fold_columns(&present, &unit_of_row, units, threads, progress)?.into_iter();
    drop(present);
    let mut results: Vec<Result<JobResult, Cancelled>> = Vec::new();
    for ((n, f), kind) in numeric.iter().zip(&flats).zip(kinds) {
        // numeric_series has refused text; a column that still does not cast has no value.
        let v = match f {
            Some(_) => values.next().unwrap_or_else(|| vec![f64::NAN; units]),
            None => vec![f64::NAN; units],
        };
        results.push(Ok(match n {
            Numeric::Metric(i, ..) => JobResult::Metric(*i, kind, v),
            Numeric::Covariate(i, _) => JobResult::Covariate(*i, v),
        }));
    }
    drop(flats);
    progress.set(None, "Folding segments and exposure times");
    results.extend(super::parallel_map(&jobs, |job| {
        run_job(job, &unit_of_row, units, progress)
    }));
    drop(unit_of_row);
    let mut folded: Vec<Option<Folded>> = settings.metrics.iter().map(|_| None).collect();
    let mut covariates: BTreeMap<usize, Vec<f64>> = BTreeMap::new();
    let mut segment_codes: BTreeMap<usize, Option<SegmentCodes>> = BTreeMap::new();
    let mut exposure: Option<Vec<i64>> = None;
    for r in results {
        match r? {
            JobResult::Metric(i, kind, values) => {
                folded[i] = Some(Folded {
                    kind,
                    values,
                    covariate: None,
                })
            }
            JobResult::Covariate(i, v) => {
                covariates.insert(i, v);
            }
            JobResult::Segment(j, c) => {
                segment_codes.insert(j, c);
            }
            JobResult::Time(t) => exposure = t,
        }
    }
    for (spec, f) in settings.metrics.iter().zip(folded.iter_mut()) {
        let column = settings.covariates.get(&spec.column);
        let index = covariate_columns.iter().position(|c| Some(*c) == column);
        if let (Some(f), Some(ci)) = (f.as_mut(), index) {
            f.covariate = covariates.get(&ci).cloned();
        }
    }
    progress.check()?;

    let counts = count_units(&arm_of_unit, k, |_| true);
    let mut missing_values = BTreeMap::new();
    let mut covariate_errors = BTreeMap::new();
    let mut covariate_missing = BTreeMap::new();
    let mut notes = Vec::new();
    let prepared: Vec<Prepared> = settings
        .metrics
        .iter()
        .zip(&folded)
        .map(|(spec, f)| match f {
            Some(f) => prepare(
                &file,
                spec,
                f,
                settings.covariates.get(&spec.column).map(String::as_str),
                &arm_of_unit,
                k,
                &mut missing_values,
                &mut covariate_errors,
                &mut covariate_missing,
                &mut notes,
            ),
            None => Prepared {
                input: None,
                error: Some(format!(
                    "{file}: the metric \"{}\" was not read",
                    spec.column
                )),
            },
        })
        .collect();
    for p in &prepared {
        if let Some(e) = &p.error {
            notes.push(e.clone());
        }
    }
    let planned: Option<Vec<f64>> = (!settings.planned.is_empty()).then(|| {
        arms.iter()
            .map(|a| settings.planned.get(a).copied().unwrap_or(0.0))
            .collect()
    });
    let inputs: Vec<(MetricRole, &MetricInput)> = settings
        .metrics
        .iter()
        .zip(&prepared)
        .filter_map(|(s, p)| p.input.as_ref().map(|i| (s.role, i)))
        .collect();
    progress.set(None, "Testing");
    let (goals, tested) = analyze_families(
        &file,
        &arms,
        &counts,
        &planned,
        &inputs,
        settings,
        settings.sequential,
    )?;
    // Rows in the settings' order, a metric that could not be tested keeping its sentence.
    let mut tested = tested.into_iter();
    let mut rows = Vec::new();
    for ((spec, p), f) in settings.metrics.iter().zip(&prepared).zip(&folded) {
        for arm in &arms[1..] {
            match &p.error {
                Some(e) => rows.push(MetricResult {
                    metric: spec.column.clone(),
                    kind: folded_kind(f.as_ref(), spec),
                    arm: arm.clone(),
                    result: None,
                    error: Some(e.clone()),
                }),
                None => rows.extend(tested.next()),
            }
        }
    }
    let roles: BTreeMap<String, MetricRole> = settings
        .metrics
        .iter()
        .map(|s| (s.column.clone(), s.role))
        .collect();
    let guardrails = guardrail_results(&file, &rows, &roles, settings)?;
    let decisions = arms[1..]
        .iter()
        .map(|arm| ArmDecision {
            arm: arm.clone(),
            report: decide(
                rows.iter()
                    .filter(|r| &r.arm == arm && roles.get(&r.metric) == Some(&MetricRole::Goal))
                    .filter_map(|r| r.result.as_ref().map(|e| (r.metric.as_str(), e.verdict))),
                guardrails
                    .iter()
                    .filter(|g| &g.arm == arm && g.harmed)
                    .map(|g| g.metric.as_str()),
            ),
        })
        .collect();
    let report = ExperimentReport {
        metrics: rows,
        ..goals
    };

    progress.set(None, "Timeline per exposure day");
    let mut missing_time = 0;
    let mut timeline = Vec::new();
    let mut span_days = None;
    if let Some(exposure) = &exposure {
        let day_of =
            |u: usize| (exposure[u] != i64::MAX).then(|| exposure[u].div_euclid(MICROS_PER_DAY));
        let mut days: Vec<i64> = Vec::new();
        for (u, &a) in arm_of_unit.iter().enumerate() {
            if a == NONE {
                continue;
            }
            match day_of(u) {
                Some(d) => days.push(d),
                None => missing_time += 1,
            }
        }
        days.sort_unstable();
        days.dedup();
        if let (Some(first), Some(last)) = (days.first(), days.last()) {
            span_days = Some((last - first + 1) as u64);
        }
        if missing_time > 0 {
            notes.push(format!(
                "{file}: {missing_time} units have no exposure time in \"{}\" and are left out of the timeline (not of the total)",
                settings.time.as_deref().unwrap_or_default()
            ));
        }
        if days.len() > MAX_TIMELINE_DAYS {
            notes.push(format!(
                "{file}: the units were exposed on {} different days, more than the {MAX_TIMELINE_DAYS} a timeline shows, so none is given",
                days.len()
            ));
        } else {
            timeline = build_timeline(
                &file,
                &arms,
                &planned,
                settings,
                &prepared,
                &folded,
                &arm_of_unit,
                &days,
                &day_of,
                progress,
            )?;
        }
    }
    progress.set(None, "Power and segments");
    let with_time =
        arm_of_unit.len() - missing_time - arm_of_unit.iter().filter(|a| **a == NONE).count();
    let daily_units = span_days.map(|d| with_time as f64 / d as f64);
    let power = PowerOutcome {
        power: settings.power,
        alpha: settings.alpha,
        exposure_days: span_days,
        daily_units,
        metrics: power_rows(
            &file,
            &report.metrics,
            settings,
            k,
            counts.iter().sum(),
            daily_units,
        ),
    };
    let mut segments = Vec::new();
    for (j, column) in settings.segments.iter().enumerate() {
        progress.check()?;
        segments.push(segment_outcome(
            &file,
            column,
            segment_codes.remove(&j).flatten(),
            settings,
            &arms,
            &prepared,
            &folded,
            &arm_of_unit,
        ));
    }
    for s in &segments {
        if let Some(e) = &s.error {
            notes.push(e.clone());
        }
    }
    Ok(ExperimentOutcome {
        rows: log.rows(),
        aggregated: settings.unit.is_some(),
        arms,
        units: counts,
        missing_variant,
        crossover_units: crossover,
        missing_values,
        covariate_errors,
        covariate_missing,
        roles,
        report,
        guardrails,
        decisions,
        missing_time,
        timeline,
        power,
        segments,
        notes,
    })
}

fn micros_of_dtype_ok(s: &Series) -> bool {
    matches!(s.dtype(), DataType::Datetime(..) | DataType::Date)
}

fn folded_kind(folded: Option<&Folded>, spec: &MetricSpec) -> MetricKind {
    spec.kind
        .unwrap_or_else(|| folded.map_or(MetricKind::Mean, |f| f.kind))
}

/// The headline's standard error and degrees of freedom (CUPED's when it applied).
fn headline_se_df(e: &crate::analysis::experiment::analysis::MetricEffect) -> (f64, f64) {
    match &e.cuped {
        Some(c) => (c.relative.standard_error, c.df),
        None => (e.effect.relative.standard_error, e.effect.df),
    }
}

/// gbstats's one-sided test toward harm for every guardrail row, corrected across them.
fn guardrail_results(
    file: &str,
    rows: &[MetricResult],
    roles: &BTreeMap<String, MetricRole>,
    settings: &ExperimentSettings,
) -> Result<Vec<GuardrailResult>, ExperimentRunError> {
    let mut out: Vec<GuardrailResult> = Vec::new();
    for row in rows {
        if roles.get(&row.metric) != Some(&MetricRole::Guardrail) {
            continue;
        }
        let Some(e) = &row.result else { continue };
        let direction = settings
            .metrics
            .iter()
            .find(|s| s.column == row.metric)
            .map_or(Direction::HigherIsBetter, |s| s.direction);
        let (se, df) = headline_se_df(e);
        // The two-sided test of the same estimate ran, so its se and ν are usable.
        let Ok(harm) = harm_test(&HarmParams {
            estimate: e.estimate,
            standard_error: se,
            df,
            alpha: settings.alpha,
            direction,
        }) else {
            continue;
        };
        out.push(GuardrailResult {
            metric: row.metric.clone(),
            arm: row.arm.clone(),
            harm,
            adjusted_p_value: harm.p_value,
            harmed: false,
        });
    }
    if !out.is_empty() {
        let adjusted = adjust_p_values(&MultipleTestingParams {
            p_values: out.iter().map(|g| g.harm.p_value).collect(),
            correction: settings.correction,
            alpha: settings.alpha,
        })
        .map_err(|source| ExperimentRunError::Analysis {
            file: file.to_string(),
            source,
        })?
        .adjusted;
        for (g, adj) in out.iter_mut().zip(adjusted) {
            g.adjusted_p_value = adj;
            g.harmed = adj < settings.alpha;
        }
    }
    Ok(out)
}

/// Sufficient statistics that add up (a day's units onto the days before).
#[derive(Debug, Clone, Copy, Default)]
struct Sums {
    n: u64,
    sum: f64,
    sum_squares: f64,
    /// Units with the covariate, their metric and covariate sums and Σxy.
    cov_n: u64,
    post_sum: f64,
    post_squares: f64,
    pre_sum: f64,
    pre_squares: f64,
    products: f64,
}

impl Sums {
    fn add(&mut self, o: &Sums) {
        self.n += o.n;
        self.sum += o.sum;
        self.sum_squares += o.sum_squares;
        self.cov_n += o.cov_n;
        self.post_sum += o.post_sum;
        self.post_squares += o.post_squares;
        self.pre_sum += o.pre_sum;
        self.pre_squares += o.pre_squares;
        self.products += o.products;
    }

    fn push(&mut self, v: f64, x: Option<f64>) {
        self.n += 1;
        self.sum += v;
        self.sum_squares += v * v;
        if let Some(x) = x {
            self.cov_n += 1;
            self.post_sum += v;
            self.post_squares += v * v;
            self.pre_sum += x;
            self.pre_squares += x * x;
            self.products += v * x;
        }
    }

    fn summary(&self, kind: MetricKind) -> ArmSummary {
        ArmSummary {
            kind,
            n: self.n,
            sum: self.sum,
            sum_squares: self.sum_squares,
        }
    }

    fn cuped(&self, kind: MetricKind) -> CupedArm {
        CupedArm {
            post: ArmSummary {
                kind,
                n: self.cov_n,
                sum: self.post_sum,
                sum_squares: self.post_squares,
            },
            pre: ArmSummary {
                kind,
                n: self.cov_n,
                sum: self.pre_sum,
                sum_squares: self.pre_squares,
            },
            sum_products: self.products,
        }
    }
}

/// The cumulative analysis at the end of each exposure day.
#[allow(clippy::too_many_arguments)]
fn build_timeline(
    file: &str,
    arms: &[String],
    planned: &Option<Vec<f64>>,
    settings: &ExperimentSettings,
    prepared: &[Prepared],
    folded: &[Option<Folded>],
    arm_of_unit: &[u32],
    days: &[i64],
    day_of: &dyn Fn(usize) -> Option<i64>,
    progress: &Progress,
) -> Result<Vec<TimelineDay>, ExperimentRunError> {
    let k = arms.len();
    let d = days.len();
    // Per unit: its day's index, once.
    let day_index: Vec<Option<usize>> = (0..arm_of_unit.len())
        .map(|u| {
            if arm_of_unit[u] == NONE {
                return None;
            }
            day_of(u).and_then(|day| days.binary_search(&day).ok())
        })
        .collect();
    let mut new_units = vec![vec![0u64; k]; d];
    for (u, di) in day_index.iter().enumerate() {
        if let Some(di) = di {
            new_units[*di][arm_of_unit[u] as usize] += 1;
        }
    }
    // Per metric, per day, per arm: the sums of that day's new units.
    let mut per_metric: Vec<Option<Vec<Vec<Sums>>>> = Vec::new();
    for (p, f) in prepared.iter().zip(folded) {
        progress.check()?;
        let (Some(input), Some(f)) = (&p.input, f) else {
            per_metric.push(None);
            continue;
        };
        let cov = input.cuped.as_ref().and(f.covariate.as_ref());
        let mut sums = vec![vec![Sums::default(); k]; d];
        for (u, di) in day_index.iter().enumerate() {
            let Some(di) = di else { continue };
            let v = f.values[u];
            if v.is_nan() {
                continue;
            }
            let x = cov.map(|c| c[u]).filter(|x| !x.is_nan());
            sums[*di][arm_of_unit[u] as usize].push(v, x);
        }
        per_metric.push(Some(sums));
    }
    let mut units = vec![0u64; k];
    let mut running: Vec<Vec<Sums>> = vec![vec![Sums::default(); k]; prepared.len()];
    let mut out = Vec::with_capacity(d);
    for (di, &day) in days.iter().enumerate() {
        progress.check()?;
        for (a, n) in new_units[di].iter().enumerate() {
            units[a] += n;
        }
        let mut inputs: Vec<(MetricRole, MetricInput)> = Vec::new();
        for (i, (spec, p)) in settings.metrics.iter().zip(prepared).enumerate() {
            let (Some(input), Some(sums)) = (&p.input, &per_metric[i]) else {
                continue;
            };
            for (a, s) in sums[di].iter().enumerate() {
                running[i][a].add(s);
            }
            inputs.push((
                spec.role,
                MetricInput {
                    name: input.name.clone(),
                    kind: input.kind,
                    direction: input.direction,
                    arms: running[i].iter().map(|s| s.summary(input.kind)).collect(),
                    cuped: input
                        .cuped
                        .as_ref()
                        .map(|_| running[i].iter().map(|s| s.cuped(input.kind)).collect()),
                },
            ));
        }
        let refs: Vec<(MetricRole, &MetricInput)> = inputs.iter().map(|(r, m)| (*r, m)).collect();
        let date = format_micros(day * MICROS_PER_DAY);
        let analysed = analyze_families(file, arms, &units, planned, &refs, settings, true);
        let (srm_p_value, metrics) = match analysed {
            Ok((report, rows)) => (
                Some(report.srm.p_value),
                rows.into_iter()
                    .map(|r| {
                        let e = r.result.as_ref();
                        let fixed =
                            e.map(|e| e.cuped.as_ref().map_or(e.effect.relative, |c| c.relative));
                        let seq = e.and_then(|e| e.sequential);
                        TimelinePoint {
                            metric: r.metric,
                            arm: r.arm,
                            lift: e.map(|e| e.estimate),
                            ci_low: fixed.map(|f| f.ci_low),
                            ci_high: fixed.map(|f| f.ci_high),
                            sequential_ci_low: seq.map(|s| s.ci_low),
                            sequential_ci_high: seq.map(|s| s.ci_high),
                            p_value: e.map(|e| e.p_value),
                            error: r.error,
                        }
                    })
                    .collect(),
            ),
            // The day as a whole cannot be analysed (its SRM input): every point says why.
            Err(err) => {
                let why = err.to_string();
                (
                    None,
                    refs.iter()
                        .flat_map(|(_, m)| {
                            arms[1..].iter().map(|a| TimelinePoint {
                                metric: m.name.clone(),
                                arm: a.clone(),
                                lift: None,
                                ci_low: None,
                                ci_high: None,
                                sequential_ci_low: None,
                                sequential_ci_high: None,
                                p_value: None,
                                error: Some(why.clone()),
                            })
                        })
                        .collect(),
                )
            }
        };
        out.push(TimelineDay {
            date,
            units: units.clone(),
            srm_p_value,
            metrics,
        });
    }
    Ok(out)
}

/// Power per metric × treatment arm from the tested rows.
fn power_rows(
    file: &str,
    rows: &[MetricResult],
    settings: &ExperimentSettings,
    arms: usize,
    enrolled: u64,
    daily_units: Option<f64>,
) -> Vec<PowerRow> {
    rows.iter()
        .filter_map(|r| {
            let e = r.result.as_ref()?;
            let (c, t) = (&e.effect.control, &e.effect.treatment);
            let units_per_arm = 2.0 / (1.0 / c.n as f64 + 1.0 / t.n as f64);
            let baseline = match r.kind {
                MetricKind::Proportion => Baseline::Proportion { rate: c.mean },
                MetricKind::Mean => Baseline::Mean {
                    mean: c.mean,
                    std_dev: c.variance.sqrt(),
                },
            };
            let mut errors = Vec::new();
            let mde = minimum_detectable_effect(&MdeParams {
                baseline,
                per_arm: units_per_arm,
                alpha: settings.alpha,
                power: settings.power,
            })
            .map_err(|err| errors.push(format!("the minimum detectable effect: {err}")))
            .ok();
            let observed = e.effect.absolute.estimate;
            let mut needed = None;
            if observed == 0.0 {
                errors.push("no effect was observed, so no sample is powered to detect it".into());
            } else {
                // The formulas take an upward effect. A drop of a rate p is the same problem
                // as a rise of 1 − p (the variances p(1 − p) are symmetric); a mean's
                // variance does not depend on the sign.
                let baseline = match baseline {
                    Baseline::Proportion { rate } if observed < 0.0 => {
                        Baseline::Proportion { rate: 1.0 - rate }
                    }
                    b => b,
                };
                match sample_size(&PowerParams {
                    baseline,
                    mde: observed.abs(),
                    relative: false,
                    alpha: settings.alpha,
                    power: settings.power,
                    arms: arms as u32,
                    daily_units,
                    enrolled,
                }) {
                    Ok(p) => needed = Some(p),
                    Err(err) => errors.push(format!("the sample for the observed effect: {err}")),
                }
            }
            Some(PowerRow {
                metric: r.metric.clone(),
                arm: r.arm.clone(),
                units_per_arm,
                mde,
                observed_absolute: observed,
                needed_per_arm: needed.map(|p| p.per_arm),
                needed_total: needed.map(|p| p.total),
                days_remaining: needed.and_then(|p| p.days_remaining),
                error: (!errors.is_empty())
                    .then(|| format!("{file}: {}: {}", r.metric, errors.join("; "))),
            })
        })
        .collect()
}

/// The effects of every testable metric × treatment arm per value of one segment column.
#[allow(clippy::too_many_arguments)]
fn segment_outcome(
    file: &str,
    column: &str,
    codes: Option<SegmentCodes>,
    settings: &ExperimentSettings,
    arms: &[String],
    prepared: &[Prepared],
    folded: &[Option<Folded>],
    arm_of_unit: &[u32],
) -> SegmentOutcome {
    let empty = |values: Vec<String>, error: String| SegmentOutcome {
        column: column.to_string(),
        values,
        missing_units: 0,
        metrics: Vec::new(),
        error: Some(error),
    };
    let Some((values, seg_of_unit)) = codes else {
        return empty(
            Vec::new(),
            format!("{file}: the segment column \"{column}\" holds values that cannot be labelled"),
        );
    };
    if values.len() > MAX_SEGMENT_VALUES {
        return empty(
            Vec::new(),
            format!(
                "{file}: the segment column \"{column}\" has {} values, more than the {MAX_SEGMENT_VALUES} a breakdown shows, so it is not broken down",
                values.len()
            ),
        );
    }
    let s = values.len();
    let missing_units = arm_of_unit
        .iter()
        .zip(&seg_of_unit)
        .filter(|(a, g)| **a != NONE && **g == NONE)
        .count();
    let mut metrics = Vec::new();
    for (spec, (p, f)) in settings.metrics.iter().zip(prepared.iter().zip(folded)) {
        let (Some(input), Some(f)) = (&p.input, f) else {
            continue;
        };
        // Per segment value × arm: the sums of the units there.
        let mut sums = vec![vec![Sums::default(); arms.len()]; s];
        for (u, (&a, &g)) in arm_of_unit.iter().zip(&seg_of_unit).enumerate() {
            let v = f.values[u];
            if a == NONE || g == NONE || v.is_nan() {
                continue;
            }
            sums[g as usize][a as usize].push(v, None);
        }
        for (b, arm) in arms.iter().enumerate().skip(1) {
            let result = segment_effects(&SegmentParams {
                control: input.arms[0],
                treatment: input.arms[b],
                segments: values
                    .iter()
                    .zip(&sums)
                    .map(|(v, per_arm)| SegmentInput {
                        segment: v.clone(),
                        control: per_arm[0].summary(input.kind),
                        treatment: per_arm[b].summary(input.kind),
                    })
                    .collect(),
                alpha: settings.alpha,
                direction: spec.direction,
                correction: settings.correction,
            });
            let (report, error) = match result {
                Ok(r) => (Some(r), None),
                Err(e) => (None, Some(format!("{file}: {}: {e}", spec.column))),
            };
            let notes = report
                .as_ref()
                .map(|r| simpson_notes(column, &spec.column, arm, r))
                .unwrap_or_default();
            metrics.push(SegmentMetric {
                metric: spec.column.clone(),
                arm: arm.clone(),
                report,
                error,
                notes,
            });
        }
    }
    SegmentOutcome {
        column: column.to_string(),
        values,
        missing_units,
        metrics,
        error: None,
    }
}

fn pct(x: f64) -> String {
    format!("{:+.2} %", x * 100.0)
}

/// Sentences on the segments whose lift has the opposite sign of the total.
fn simpson_notes(column: &str, metric: &str, arm: &str, r: &SegmentReport) -> Vec<String> {
    let total = r.total.relative.estimate;
    if r.simpson {
        return vec![format!(
            "Simpson's paradox: {metric} for {arm} moves by {} in total but the other way in every {column} segment; the arms' mix of {column} differs, so read the segments",
            pct(total)
        )];
    }
    r.segments
        .iter()
        .filter(|s| s.sign_differs)
        .filter_map(|s| {
            let e = s.effect.as_ref()?;
            Some(format!(
                "{metric} for {arm}: in {column} = {} the lift ({}) has the opposite sign of the total ({})",
                s.segment,
                pct(e.relative.estimate),
                pct(total)
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::experiment::power::{PowerParams, sample_size};

    /// Units u0…u{n−1} with two events each, B better on `y` and slower on `lat`; `day` runs
    /// over five days and is missing for every 50th unit.
    fn log(n: usize) -> Dataset {
        let mut rng = crate::vocab::Rng::new(4);
        let (mut id, mut arm, mut y, mut lat, mut t, mut seg) =
            (vec![], vec![], vec![], vec![], vec![], vec![]);
        for u in 0..n {
            let b = u % 2 == 1;
            let day = (u % 5) as i64;
            for _ in 0..2 {
                id.push(format!("u{u}"));
                arm.push(if b { "B" } else { "A" });
                y.push(rng.normal() + if b { 0.3 } else { 0.0 } + 5.0);
                lat.push(rng.normal() + if b { 0.5 } else { 0.0 } + 10.0);
                t.push((u % 50 != 0).then_some(day * MICROS_PER_DAY + 3_600_000_000));
                seg.push(if u % 3 == 0 { "x" } else { "y" });
            }
        }
        let t = Int64Chunked::new("t".into(), t)
            .into_datetime(TimeUnit::Microseconds, None)
            .into_series();
        let frame = DataFrame::new_infer_height(vec![
            Series::new("id".into(), id).into(),
            Series::new("arm".into(), arm).into(),
            Series::new("y".into(), y).into(),
            Series::new("lat".into(), lat).into(),
            t.into(),
            Series::new("seg".into(), seg).into(),
        ])
        .expect("frame");
        Dataset::from_frame("log.csv".into(), frame, &Progress::silent()).expect("dataset")
    }

    fn settings(guardrail: bool) -> ExperimentSettings {
        let mut metrics = vec![MetricSpec {
            column: "y".into(),
            kind: None,
            direction: Direction::HigherIsBetter,
            role: MetricRole::Goal,
        }];
        if guardrail {
            metrics.push(MetricSpec {
                column: "lat".into(),
                kind: None,
                direction: Direction::LowerIsBetter,
                role: MetricRole::Guardrail,
            });
        }
        ExperimentSettings {
            variant: "arm".into(),
            control: "A".into(),
            unit: Some("id".into()),
            time: Some("t".into()),
            metrics,
            segments: vec!["seg".into()],
            correction: Correction::Holm,
            ..ExperimentSettings::default()
        }
    }

    #[test]
    fn a_guardrail_is_its_own_family_and_judged_on_harm() {
        let ds = log(600);
        let alone = run(&ds, &settings(false), &Progress::silent()).expect("run");
        let with = run(&ds, &settings(true), &Progress::silent()).expect("run");
        // Adding a guardrail leaves the goal's corrected p-value as it was.
        let p = |o: &ExperimentOutcome| {
            o.report.metrics[0]
                .result
                .as_ref()
                .expect("tested")
                .adjusted_p_value
        };
        assert_eq!(p(&alone), p(&with));
        let g = &with.guardrails[0];
        assert_eq!((g.metric.as_str(), g.arm.as_str()), ("lat", "B"));
        assert!(g.harmed && g.harm.p_value < 1e-6);
        assert!(alone.guardrails.is_empty());
    }

    #[test]
    fn the_timeline_ends_at_the_total_and_power_follows_its_formulas() {
        let ds = log(600);
        let s = settings(false);
        let o = run(&ds, &s, &Progress::silent()).expect("run");
        // 12 units (every 50th) have no time: out of the timeline, in the total.
        assert_eq!(o.missing_time, 12);
        assert_eq!(o.units, [300, 300]);
        assert_eq!(o.timeline.len(), 5);
        let last = o.timeline.last().expect("a day");
        assert_eq!(last.units.iter().sum::<u64>(), 588);
        assert!(
            o.timeline
                .windows(2)
                .all(|w| w[0].units[0] <= w[1].units[0])
        );
        // Power: the harmonic mean of the arms, the observed traffic, sample_size's days.
        let row = &o.power.metrics[0];
        assert_eq!(row.units_per_arm, 300.0);
        assert_eq!(o.power.exposure_days, Some(5));
        let daily = 588.0 / 5.0;
        assert_eq!(o.power.daily_units, Some(daily));
        let e = o.report.metrics[0].result.as_ref().expect("tested");
        let want = sample_size(&PowerParams {
            baseline: Baseline::Mean {
                mean: e.effect.control.mean,
                std_dev: e.effect.control.variance.sqrt(),
            },
            mde: e.effect.absolute.estimate.abs(),
            relative: false,
            alpha: 0.05,
            power: 0.8,
            arms: 2,
            daily_units: Some(daily),
            enrolled: 600,
        })
        .expect("sample size");
        assert_eq!(row.needed_per_arm, Some(want.per_arm));
        assert_eq!(row.days_remaining, want.days_remaining);
        // Segments: x and y, each tested.
        let seg = &o.segments[0];
        assert_eq!(seg.values, ["x", "y"]);
        let r = seg.metrics[0].report.as_ref().expect("segments");
        assert_eq!(
            r.segments
                .iter()
                .map(|g| g.effect.as_ref().expect("e").control.n)
                .sum::<u64>(),
            300
        );
    }

    #[test]
    fn a_cancel_stops_the_run() {
        let p = Progress::silent();
        p.cancel();
        assert!(matches!(
            run(&log(50), &settings(true), &p),
            Err(ExperimentRunError::Cancelled)
        ));
    }

    #[test]
    fn settings_read_old_sessions() {
        // Settings stored before time, segments, roles and power existed still load.
        let old = r#"(variant: "arm", control: "A", metrics: [(column: "y", kind: None)])"#;
        let s: ExperimentSettings = ron::from_str(old).expect("ron");
        assert_eq!(s.metrics[0].role, MetricRole::Goal);
        assert_eq!((s.power, s.time.clone(), s.segments.len()), (0.8, None, 0));
    }
}

//! An A/B test over an experiment log: the variant of each unit, its metrics and optional
//! pre-experiment covariates, read out of the loaded file, aggregated to the randomisation unit
//! when a unit column is named, and handed to `analysis::experiment::analyze_experiment`.
//!
//! One row per unit, or one row per event: with `unit`, a unit's metric is the sum of its
//! events' values for a mean metric and whether any event converted (the maximum) for a
//! proportion; its covariate is its first non-missing value (a pre-period value is per unit).
//! A unit seen in two arms is a crossover: it is counted and left out of every test.

use std::collections::BTreeMap;

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::analysis::experiment::analysis::{
    ExperimentParams, ExperimentReport, MetricInput, analyze_experiment,
};
use crate::analysis::experiment::cuped::CupedArm;
use crate::analysis::experiment::moments::{ArmSummary, Direction, MetricKind};
use crate::analysis::experiment::multiple::Correction;
use crate::analysis::experiment::srm::DEFAULT_SRM_THRESHOLD;
use crate::analysis::experiment::{ExperimentError, sequential};
use crate::data::Dataset;
use crate::engine::columns::{Storage, numeric, storage_of};
use crate::vocab::{Cancelled, Progress};

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
    pub metrics: Vec<MetricSpec>,
    /// Metric column → its pre-experiment covariate column (CUPED).
    pub covariates: BTreeMap<String, String>,
    /// Arm → planned share; empty: an equal split.
    pub planned: BTreeMap<String, f64>,
    /// Two-sided level of the tests and intervals.
    pub alpha: f64,
    pub correction: Correction,
    /// Also give GrowthBook's always-valid (sequential) intervals.
    pub sequential: bool,
}

impl Default for ExperimentSettings {
    fn default() -> Self {
        Self {
            variant: String::new(),
            control: String::new(),
            unit: None,
            metrics: Vec::new(),
            covariates: BTreeMap::new(),
            planned: BTreeMap::new(),
            alpha: 0.05,
            correction: Correction::None,
            sequential: false,
        }
    }
}

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
    #[error("{file}: {source}")]
    Analysis {
        file: String,
        #[source]
        source: ExperimentError,
    },
    #[error("the experiment analysis was cancelled")]
    Cancelled,
}

impl From<Cancelled> for ExperimentRunError {
    fn from(_: Cancelled) -> Self {
        Self::Cancelled
    }
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
    /// The tests.
    pub report: ExperimentReport,
}

/// A column of the log, or the sentence saying it is not there.
fn series(ds: &Dataset, column: &str, what: &'static str) -> Result<Series, ExperimentRunError> {
    ds.frame
        .column(column)
        .map(|c| c.as_materialized_series().clone())
        .map_err(|_| ExperimentRunError::NoColumn {
            file: ds.name(),
            column: column.to_string(),
            what,
        })
}

/// The log's variant and unit of each row, as text.
fn strings(
    ds: &Dataset,
    column: &str,
    what: &'static str,
) -> Result<Vec<Option<String>>, ExperimentRunError> {
    let not_text = || ExperimentRunError::NotNumeric {
        file: ds.name(),
        column: column.to_string(),
        what,
    };
    let text = series(ds, column, what)?
        .cast(&DataType::String)
        .map_err(|_| not_text())?;
    let ca = text.str().map_err(|_| not_text())?;
    Ok(ca.iter().map(|v| v.map(str::to_string)).collect())
}

/// A metric or covariate column as row-aligned floats.
fn numbers(
    ds: &Dataset,
    column: &str,
    what: &'static str,
) -> Result<Vec<Option<f64>>, ExperimentRunError> {
    let not_numeric = || ExperimentRunError::NotNumeric {
        file: ds.name(),
        column: column.to_string(),
        what,
    };
    let series = series(ds, column, what)?;
    // Text would cast to all-missing numbers and read as "no units": refuse it by name. A
    // column with no value at all stays a metric whose rows say it has none.
    let numeric_storage = matches!(
        storage_of(series.dtype()),
        Storage::Float | Storage::Integer | Storage::Boolean
    );
    if !numeric_storage && series.null_count() < series.len() {
        return Err(not_numeric());
    }
    numeric(&series).ok_or_else(not_numeric)
}

/// How the rows fold into units: each unit's arm and the rows that are its events.
struct Units {
    /// Arm index per unit.
    arm: Vec<usize>,
    /// Row indices per unit.
    rows: Vec<Vec<usize>>,
    crossover: usize,
    missing_variant: usize,
}

fn units_of(
    variants: &[Option<String>],
    unit_ids: Option<&[Option<String>]>,
    arm_index: &BTreeMap<String, usize>,
) -> Units {
    let mut missing_variant = 0;
    match unit_ids {
        None => {
            let mut arm = Vec::new();
            let mut rows = Vec::new();
            for (i, v) in variants.iter().enumerate() {
                match v.as_ref().and_then(|v| arm_index.get(v)) {
                    Some(&a) => {
                        arm.push(a);
                        rows.push(vec![i]);
                    }
                    None => missing_variant += 1,
                }
            }
            Units {
                arm,
                rows,
                crossover: 0,
                missing_variant,
            }
        }
        Some(ids) => {
            // Units in order of first appearance, so that results do not depend on hashing.
            let mut index: std::collections::HashMap<&str, usize> = Default::default();
            let mut arm: Vec<Option<usize>> = Vec::new();
            let mut crossed: Vec<bool> = Vec::new();
            let mut rows: Vec<Vec<usize>> = Vec::new();
            for (i, (v, id)) in variants.iter().zip(ids).enumerate() {
                let (Some(a), Some(id)) = (v.as_ref().and_then(|v| arm_index.get(v)), id) else {
                    missing_variant += 1;
                    continue;
                };
                let u = *index.entry(id.as_str()).or_insert_with(|| {
                    arm.push(Some(*a));
                    crossed.push(false);
                    rows.push(Vec::new());
                    arm.len() - 1
                });
                if arm[u] != Some(*a) {
                    crossed[u] = true;
                }
                rows[u].push(i);
            }
            let crossover = crossed.iter().filter(|c| **c).count();
            let keep: Vec<usize> = (0..arm.len()).filter(|&u| !crossed[u]).collect();
            Units {
                arm: keep.iter().filter_map(|&u| arm[u]).collect(),
                rows: keep.iter().map(|&u| std::mem::take(&mut rows[u])).collect(),
                crossover,
                missing_variant,
            }
        }
    }
}

/// A unit's value of a metric from its events: the sum (mean metrics) or the maximum
/// (proportions: converted at least once); `None` when every event's value is missing.
fn unit_value(values: &[Option<f64>], rows: &[usize], kind: MetricKind) -> Option<f64> {
    let mut present = rows.iter().filter_map(|&r| values[r]);
    let first = present.next()?;
    Some(match kind {
        MetricKind::Mean => present.fold(first, |a, b| a + b),
        MetricKind::Proportion => present.fold(first, f64::max),
    })
}

/// Analyse the experiment in `log` with `settings`.
pub fn run(
    log: &Dataset,
    settings: &ExperimentSettings,
    progress: &Progress,
) -> Result<ExperimentOutcome, ExperimentRunError> {
    let file = log.name();
    progress.set(None, "Reading the experiment log");
    let variants = strings(log, &settings.variant, "variant")?;
    let mut names: Vec<String> = variants.iter().flatten().cloned().collect();
    names.sort();
    names.dedup();
    if !names.contains(&settings.control) {
        return Err(ExperimentRunError::NoControl {
            file,
            control: settings.control.clone(),
            variant: settings.variant.clone(),
            arms: names.join(", "),
        });
    }
    if names.len() < 2 {
        return Err(ExperimentRunError::OneArm {
            file,
            variant: settings.variant.clone(),
            arm: settings.control.clone(),
        });
    }
    let mut arms = vec![settings.control.clone()];
    arms.extend(names.into_iter().filter(|n| *n != settings.control));
    let arm_index: BTreeMap<String, usize> = arms
        .iter()
        .enumerate()
        .map(|(i, a)| (a.clone(), i))
        .collect();
    if let Some(arm) = settings
        .planned
        .keys()
        .find(|a| !arm_index.contains_key(*a))
    {
        return Err(ExperimentRunError::UnknownPlannedArm {
            file,
            arm: arm.clone(),
            variant: settings.variant.clone(),
        });
    }
    let unit_ids = match &settings.unit {
        Some(u) => Some(strings(log, u, "unit")?),
        None => None,
    };
    progress.check()?;
    let units = units_of(&variants, unit_ids.as_deref(), &arm_index);
    let mut counts = vec![0u64; arms.len()];
    for &a in &units.arm {
        counts[a] += 1;
    }

    let mut metrics = Vec::new();
    let mut missing_values = BTreeMap::new();
    let mut covariate_errors = BTreeMap::new();
    for spec in &settings.metrics {
        progress.check()?;
        let values = numbers(log, &spec.column, "metric")?;
        let covariate = match settings.covariates.get(&spec.column) {
            Some(c) => Some(numbers(log, c, "covariate")?),
            None => None,
        };
        let inferred = if values.iter().flatten().all(|v| *v == 0.0 || *v == 1.0) {
            MetricKind::Proportion
        } else {
            MetricKind::Mean
        };
        let kind = spec.kind.unwrap_or(inferred);
        // Per arm: the units' metric values, and (with a covariate) the pairs of both.
        let mut per_arm: Vec<Vec<f64>> = vec![Vec::new(); arms.len()];
        let mut paired: Vec<(Vec<f64>, Vec<f64>)> = vec![(Vec::new(), Vec::new()); arms.len()];
        let mut missing = 0;
        for (rows, &a) in units.rows.iter().zip(&units.arm) {
            let Some(v) = unit_value(&values, rows, kind) else {
                missing += 1;
                continue;
            };
            per_arm[a].push(v);
            if let Some(cov) = &covariate
                && let Some(x) = rows.iter().find_map(|&r| cov[r])
            {
                paired[a].0.push(v);
                paired[a].1.push(x);
            }
        }
        missing_values.insert(spec.column.clone(), missing);
        let summaries: Result<Vec<ArmSummary>, ExperimentError> = per_arm
            .iter()
            .map(|v| ArmSummary::from_values(v, kind))
            .collect();
        let summaries = summaries.map_err(|source| ExperimentRunError::Analysis {
            file: file.clone(),
            source,
        })?;
        // A covariate that does not fit (missing for every unit of an arm, or not of the
        // metric's kind) leaves the metric unadjusted, and the outcome says why.
        let cuped = match &covariate {
            None => None,
            Some(_) => match paired
                .iter()
                .map(|(post, pre)| CupedArm::from_values(post, pre, kind))
                .collect::<Result<Vec<_>, _>>()
            {
                Ok(arms) => Some(arms),
                Err(e) => {
                    covariate_errors.insert(spec.column.clone(), e.to_string());
                    None
                }
            },
        };
        metrics.push(MetricInput {
            name: spec.column.clone(),
            kind,
            direction: spec.direction,
            arms: summaries,
            cuped,
        });
    }
    let planned = (!settings.planned.is_empty()).then(|| {
        arms.iter()
            .map(|a| settings.planned.get(a).copied().unwrap_or(0.0))
            .collect()
    });
    let params = ExperimentParams {
        arms: arms.clone(),
        control: 0,
        units: counts.clone(),
        planned,
        srm_threshold: DEFAULT_SRM_THRESHOLD,
        metrics,
        alpha: settings.alpha,
        correction: settings.correction,
        sequential_tuning: settings.sequential.then_some(sequential::DEFAULT_TUNING),
    };
    progress.set(None, "Testing");
    let report = analyze_experiment(&params).map_err(|source| ExperimentRunError::Analysis {
        file: file.clone(),
        source,
    })?;
    Ok(ExperimentOutcome {
        rows: log.rows(),
        aggregated: settings.unit.is_some(),
        arms,
        units: counts,
        missing_variant: units.missing_variant,
        crossover_units: units.crossover,
        missing_values,
        covariate_errors,
        report,
    })
}

//! A gradual rollout over a request log: each row's time, serving arm and metrics read out of
//! the loaded file and handed to `analysis::experiment::rollout` — ramp steps, the stratified
//! sequential guardrail test, a verdict per step and, with a plan, the what-if replay.
//!
//! One row is one request (the unit). Rows without a time or an arm are counted and left out;
//! rows of a third arm are counted and left out. A metric's missing values leave that row out
//! of that metric only.

use std::collections::HashMap;

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::analysis::experiment::ExperimentError;
use crate::analysis::experiment::moments::{Direction, MetricKind};
use crate::analysis::experiment::rollout::{
    self, BucketWidth, PlanStep, ReplayRun, RolloutLog, RolloutMetric, RolloutParams,
    RolloutReport, StepRule,
};
use crate::data::Dataset;
use crate::engine::columns::{self, Storage, storage_of};
use crate::engine::experiment::MetricSpec;
use crate::vocab::time::{format_micros, parse_iso};
use crate::vocab::{Cancelled, Progress};

/// What the user chose for a rollout (the command's flags).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RolloutSettings {
    /// The column naming each request's serving arm.
    pub variant: String,
    /// The control arm (the model in production).
    pub control: String,
    /// The new model's arm; `None`: the one arm besides the control.
    pub treatment: Option<String>,
    /// The request time column (a datetime, or ISO-8601 text).
    pub time: String,
    /// The success metric (its effect per step).
    pub success: MetricSpec,
    /// The guardrails (a one-sided sequential test each; "worse" follows the direction).
    pub guardrails: Vec<MetricSpec>,
    /// A ramp plan to replay; empty: no replay.
    pub plan: Vec<PlanStep>,
    pub bucket: BucketWidth,
    pub steps: StepRule,
    pub tests: RolloutParams,
    /// Seed of the first replay; replay r uses `seed + r`.
    pub seed: u64,
    /// How many replays of the plan.
    pub replays: usize,
}

impl Default for RolloutSettings {
    fn default() -> Self {
        Self {
            variant: String::new(),
            control: String::new(),
            treatment: None,
            time: String::new(),
            success: MetricSpec {
                column: String::new(),
                kind: None,
                direction: Direction::HigherIsBetter,
                role: Default::default(),
            },
            guardrails: Vec::new(),
            plan: Vec::new(),
            bucket: BucketWidth::Auto,
            steps: StepRule::default(),
            tests: RolloutParams::default(),
            seed: 20_251_201,
            replays: 20,
        }
    }
}

impl RolloutSettings {
    /// Every number of the settings inside its documented range ([`super::ranges`]).
    pub fn validate(&self) -> Result<(), super::ranges::RangeError> {
        use super::ranges;
        ranges::ROLLOUT_ALPHA.check(self.tests.alpha)?;
        ranges::MIN_UNITS.check(self.tests.min_units)?;
        ranges::STEP_ALPHA.check(self.steps.alpha)?;
        ranges::MIN_SHARE_CHANGE.check(self.steps.min_relative_change)?;
        ranges::REPLAYS.check_usize(self.replays)?;
        for step in &self.plan {
            ranges::PLAN_SHARE.check(step.share)?;
        }
        Ok(())
    }

    /// Whether the columns a rollout needs are chosen (the variant, the control, the time
    /// and the success metric); a session that has not chosen them runs no rollout.
    pub fn is_chosen(&self) -> bool {
        !self.variant.is_empty()
            && !self.control.is_empty()
            && !self.time.is_empty()
            && !self.success.column.is_empty()
    }
}

/// Why a rollout could not be analysed, in one sentence naming the file.
#[derive(Debug, thiserror::Error)]
pub enum RolloutError {
    #[error(transparent)]
    Range(#[from] super::ranges::RangeError),
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
    #[error("{file}: the time column \"{column}\" is not a date or time{example}")]
    NotTime {
        file: String,
        column: String,
        /// " (row N holds \"…\")" when a text value does not parse.
        example: String,
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
        "{file}: {variant} has only the value \"{arm}\"; a rollout needs the control and the new model"
    )]
    OneArm {
        file: String,
        variant: String,
        arm: String,
    },
    #[error(
        "{file}: {variant} has the arms {arms}; name the new model with --treatment (a rollout compares one model with the control)"
    )]
    WhichTreatment {
        file: String,
        variant: String,
        arms: String,
    },
    #[error(
        "{file}: the treatment arm \"{treatment}\" is not a value of {variant} (its values: {arms})"
    )]
    NoTreatment {
        file: String,
        treatment: String,
        variant: String,
        arms: String,
    },
    #[error(
        "{file}: no request of the control \"{control}\" has a time, so the ramp has no control traffic to compare with"
    )]
    NoControlTraffic { file: String, control: String },
    #[error("{file}: no request of \"{treatment}\" has a time, so nothing was rolled out")]
    NoTreatmentTraffic { file: String, treatment: String },
    #[error("{file}: the plan starts at {start}, after the log's last request ({end})")]
    PlanAfterLog {
        file: String,
        start: String,
        end: String,
    },
    #[error("{file}: {source}")]
    Analysis {
        file: String,
        #[source]
        source: ExperimentError,
    },
    #[error("the rollout analysis was cancelled")]
    Cancelled,
}

impl From<Cancelled> for RolloutError {
    fn from(_: Cancelled) -> Self {
        Self::Cancelled
    }
}

/// The replays of a plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReplayOutcome {
    pub plan: Vec<PlanStep>,
    /// The first replay (seed `seed`), in full.
    pub first: ReplayRun,
    /// When each replay stopped (`None`: it did not), seeds `seed`, `seed + 1`, ….
    pub stop_times: Vec<Option<i64>>,
    pub stopped_replays: usize,
    /// The median stop of the replays that stopped.
    pub median_stop: Option<i64>,
}

/// Everything the rollout's presenters read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RolloutOutcome {
    /// Rows of the log.
    pub rows: usize,
    /// Rows analysed (a time and one of the two arms).
    pub used_rows: usize,
    pub missing_time: usize,
    pub missing_variant: usize,
    /// Rows of arms other than the control and the treatment.
    pub other_arm_rows: usize,
    pub control: String,
    pub treatment: String,
    pub success: String,
    pub guardrails: Vec<String>,
    pub settings: RolloutSettings,
    pub report: RolloutReport,
    pub replay: Option<ReplayOutcome>,
    /// A metric that could not be analysed at all (constant, no value), one sentence each
    /// naming the file; the rest of the analysis stands.
    pub problems: Vec<String>,
}

fn series(ds: &Dataset, column: &str, what: &'static str) -> Result<Series, RolloutError> {
    ds.frame
        .column(column)
        .map(|c| c.as_materialized_series().clone())
        .map_err(|_| RolloutError::NoColumn {
            file: ds.name(),
            column: column.to_string(),
            what,
        })
}

/// Arm codes per row in order of first appearance (`u32::MAX`: missing), and the names.
fn arm_codes(ds: &Dataset, column: &str) -> Result<(Vec<u32>, Vec<String>), RolloutError> {
    let not_text = || RolloutError::NotNumeric {
        file: ds.name(),
        column: column.to_string(),
        what: "variant",
    };
    let text = series(ds, column, "variant")?
        .cast(&DataType::String)
        .map_err(|_| not_text())?;
    let ca = text.str().map_err(|_| not_text())?;
    let mut index: HashMap<&str, u32> = HashMap::new();
    let mut names = Vec::new();
    let codes = ca
        .iter()
        .map(|v| match v {
            None => u32::MAX,
            Some(v) => *index.entry(v).or_insert_with(|| {
                names.push(v.to_string());
                names.len() as u32 - 1
            }),
        })
        .collect();
    Ok((codes, names))
}

/// The time column as microseconds, or the sentence saying why it is not one.
fn time_values(ds: &Dataset, column: &str) -> Result<Vec<Option<i64>>, RolloutError> {
    let s = series(ds, column, "time")?;
    if let Some(t) = columns::times(&s) {
        return Ok(t);
    }
    // The loader turns text into times when every value parses; say which one did not.
    let example = s
        .str()
        .ok()
        .and_then(|ca| {
            ca.iter()
                .enumerate()
                .find_map(|(i, v)| v.filter(|v| parse_iso(v).is_none()).map(|v| (i, v)))
                .map(|(i, v)| format!(" (row {} holds \"{v}\")", i + 1))
        })
        .unwrap_or_else(|| format!(" (its type is {})", s.dtype()));
    Err(RolloutError::NotTime {
        file: ds.name(),
        column: column.to_string(),
        example,
    })
}

/// A metric column as row-aligned floats, NaN for missing.
fn metric_values(ds: &Dataset, column: &str, what: &'static str) -> Result<Vec<f64>, RolloutError> {
    let not_numeric = || RolloutError::NotNumeric {
        file: ds.name(),
        column: column.to_string(),
        what,
    };
    let s = series(ds, column, what)?;
    // Text would cast to all-missing numbers: refuse it by name. A column with no value at all
    // stays a metric that says it has none.
    let numeric = matches!(
        storage_of(s.dtype()),
        Storage::Float | Storage::Integer | Storage::Boolean
    );
    if !numeric && s.null_count() < s.len() {
        return Err(not_numeric());
    }
    let cast = s.cast(&DataType::Float64).map_err(|_| not_numeric())?;
    let ca = cast.f64().map_err(|_| not_numeric())?;
    Ok(ca.iter().map(|v| v.unwrap_or(f64::NAN)).collect())
}

fn infer_kind(values: &[f64]) -> MetricKind {
    if values
        .iter()
        .filter(|v| !v.is_nan())
        .all(|&v| v == 0.0 || v == 1.0)
    {
        MetricKind::Proportion
    } else {
        MetricKind::Mean
    }
}

/// Analyse the rollout in `log` with `settings`.
pub fn run(
    log: &Dataset,
    settings: &RolloutSettings,
    progress: &Progress,
) -> Result<RolloutOutcome, RolloutError> {
    settings.validate()?;
    let file = log.name();
    let analysis = |source: ExperimentError| RolloutError::Analysis {
        file: file.clone(),
        source,
    };
    settings.tests.check().map_err(analysis)?;
    progress.set(None, "Reading the rollout log");
    let (codes, names) = arm_codes(log, &settings.variant)?;
    let sorted = || {
        let mut n = names.clone();
        n.sort();
        n.join(", ")
    };
    let Some(control) = names.iter().position(|n| *n == settings.control) else {
        return Err(RolloutError::NoControl {
            file,
            control: settings.control.clone(),
            variant: settings.variant.clone(),
            arms: sorted(),
        });
    };
    let treatment = match &settings.treatment {
        Some(t) => names
            .iter()
            .position(|n| n == t)
            .ok_or_else(|| RolloutError::NoTreatment {
                file: file.clone(),
                treatment: t.clone(),
                variant: settings.variant.clone(),
                arms: sorted(),
            })?,
        None => {
            let others: Vec<usize> = (0..names.len()).filter(|&i| i != control).collect();
            match others.as_slice() {
                [] => {
                    return Err(RolloutError::OneArm {
                        file,
                        variant: settings.variant.clone(),
                        arm: settings.control.clone(),
                    });
                }
                [one] => *one,
                _ => {
                    return Err(RolloutError::WhichTreatment {
                        file,
                        variant: settings.variant.clone(),
                        arms: sorted(),
                    });
                }
            }
        }
    };
    if treatment == control {
        return Err(RolloutError::OneArm {
            file,
            variant: settings.variant.clone(),
            arm: settings.control.clone(),
        });
    }
    progress.check()?;
    let times = time_values(log, &settings.time)?;
    progress.check()?;
    let specs: Vec<(&MetricSpec, &'static str)> = std::iter::once((&settings.success, "success"))
        .chain(settings.guardrails.iter().map(|g| (g, "guardrail")))
        .collect();
    let mut raw = Vec::with_capacity(specs.len());
    for (spec, what) in &specs {
        progress.check()?;
        raw.push(metric_values(log, &spec.column, what)?);
    }

    // Keep the rows with a time and one of the two arms.
    let (mut missing_time, mut missing_variant, mut other_arm_rows) = (0, 0, 0);
    let mut keep = Vec::with_capacity(codes.len());
    for (i, (&c, t)) in codes.iter().zip(&times).enumerate() {
        if c == u32::MAX {
            missing_variant += 1;
        } else if c as usize != control && c as usize != treatment {
            other_arm_rows += 1;
        } else if t.is_none() {
            missing_time += 1;
        } else {
            keep.push(i);
        }
    }
    let kept_times: Vec<i64> = keep.iter().filter_map(|&i| times[i]).collect();
    let treated: Vec<bool> = keep
        .iter()
        .map(|&i| codes[i] as usize == treatment)
        .collect();
    if !treated.iter().any(|t| !t) {
        return Err(RolloutError::NoControlTraffic {
            file,
            control: settings.control.clone(),
        });
    }
    if !treated.iter().any(|t| *t) {
        return Err(RolloutError::NoTreatmentTraffic {
            file,
            treatment: names[treatment].clone(),
        });
    }
    let values: Vec<Vec<f64>> = raw
        .iter()
        .map(|v| keep.iter().map(|&i| v[i]).collect())
        .collect();
    drop(raw);
    let metric = |k: usize| {
        let spec = specs[k].0;
        RolloutMetric {
            name: spec.column.clone(),
            values: &values[k],
            kind: spec.kind.unwrap_or_else(|| infer_kind(&values[k])),
            direction: spec.direction,
        }
    };
    let rlog = RolloutLog {
        times: &kept_times,
        treated: &treated,
        success: metric(0),
        guardrails: (1..specs.len()).map(metric).collect(),
    };
    progress.set(None, "Finding the ramp steps");
    let agg = rollout::aggregate(&rlog, settings.bucket).map_err(analysis)?;
    let steps = rollout::detect_steps(&agg.counts, &agg.grid, &settings.steps).map_err(analysis)?;
    let mut tracks = Vec::with_capacity(rlog.guardrails.len());
    for g in 0..rlog.guardrails.len() {
        progress.check()?;
        progress.set(
            None,
            format!("Testing the guardrail {}", rlog.guardrails[g].name),
        );
        tracks.push(rollout::observed_track(
            &rlog,
            &agg,
            &steps,
            g,
            &settings.tests,
        ));
    }
    let plan = (!settings.plan.is_empty()).then_some(settings.plan.as_slice());
    let report = rollout::observed_report(&rlog, &agg, &steps, tracks, plan, &settings.tests);

    let mut problems = Vec::new();
    if let Some(p) = rollout::metric_problem(&agg.stats[0], rlog.success.kind) {
        problems.push(format!(
            "{file}: the success metric {} {p}, so it has no effect",
            rlog.success.name
        ));
    }
    for t in &report.guardrails {
        if let Some(e) = &t.error {
            problems.push(format!(
                "{file}: the guardrail {} {e}, so it cannot be tested",
                t.metric
            ));
        }
    }

    let replay = match plan {
        None => None,
        Some(plan) => {
            rollout::check_plan(plan).map_err(analysis)?;
            let log_end = agg.grid.end(agg.grid.len - 1);
            if plan[0].start >= log_end {
                return Err(RolloutError::PlanAfterLog {
                    file,
                    start: format_micros(plan[0].start),
                    end: format_micros(kept_times.iter().copied().max().unwrap_or(log_end)),
                });
            }
            progress.set(None, "Replaying the plan");
            let order = rollout::time_order(&kept_times);
            let replays = settings.replays.max(1);
            let mut runs = Vec::with_capacity(replays);
            for r in 0..replays {
                progress.check()?;
                progress.set_fraction(r as f32 / replays as f32);
                let seed = settings.seed.wrapping_add(r as u64);
                runs.push(
                    rollout::replay_once(&rlog, &agg, &steps, &order, plan, &settings.tests, seed)
                        .map_err(analysis)?,
                );
            }
            let stop_times: Vec<Option<i64>> = runs.iter().map(|r| r.stopped_at).collect();
            let median_stop = rollout::median_stop(&stop_times);
            let stopped_replays = stop_times.iter().flatten().count();
            let first = runs.swap_remove(0);
            Some(ReplayOutcome {
                plan: plan.to_vec(),
                first,
                stop_times,
                stopped_replays,
                median_stop,
            })
        }
    };
    Ok(RolloutOutcome {
        rows: log.rows(),
        used_rows: kept_times.len(),
        missing_time,
        missing_variant,
        other_arm_rows,
        control: names[control].clone(),
        treatment: names[treatment].clone(),
        success: settings.success.column.clone(),
        guardrails: settings
            .guardrails
            .iter()
            .map(|g| g.column.clone())
            .collect(),
        settings: settings.clone(),
        report,
        replay,
        problems,
    })
}

/// Parse a ramp plan `SHARE@TIME,…` (shares as "5%" or "0.05").
pub fn parse_plan(text: &str) -> Result<Vec<PlanStep>, String> {
    let mut plan = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (share, when) = part
            .split_once('@')
            .ok_or_else(|| format!("\"{part}\" is not SHARE@TIME"))?;
        let share = share.trim();
        let value = match share.strip_suffix('%') {
            Some(pct) => pct.trim().parse::<f64>().map(|v| v / 100.0),
            None => share.parse::<f64>(),
        };
        let share = value
            .ok()
            .filter(|s| s.is_finite() && (0.0..=1.0).contains(s))
            .ok_or_else(|| {
                format!(
                    "\"{part}\": the share must be a percentage from 0% to 100% or a fraction from 0 to 1"
                )
            })?;
        let start = crate::vocab::time::parse_iso(when.trim()).ok_or_else(|| {
            format!(
                "\"{part}\": \"{}\" is not a date or time like 2025-12-01 or 2025-12-01T10:00",
                when.trim()
            )
        })?;
        if plan.last().is_some_and(|p: &PlanStep| p.start >= start) {
            return Err(format!(
                "\"{part}\": each step must start after the one before"
            ));
        }
        plan.push(PlanStep { share, start });
    }
    if plan.is_empty() {
        return Err(format!("\"{text}\" names no step"));
    }
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample_data::rollout::{RAMP, generate_rollout};

    fn sample() -> Dataset {
        let frame = generate_rollout(9).expect("generate");
        Dataset::from_frame("rollout.parquet".into(), frame, &Progress::silent()).expect("dataset")
    }

    fn settings() -> RolloutSettings {
        RolloutSettings {
            variant: "model".into(),
            control: "production".into(),
            time: "timestamp".into(),
            success: MetricSpec {
                column: "approved".into(),
                kind: None,
                direction: Direction::HigherIsBetter,
                role: Default::default(),
            },
            guardrails: vec![MetricSpec {
                column: "latency_ms".into(),
                kind: None,
                direction: Direction::LowerIsBetter,
                role: Default::default(),
            }],
            ..RolloutSettings::default()
        }
    }

    #[test]
    fn the_generated_log_has_its_ramp_and_its_breach() {
        let o = run(&sample(), &settings(), &Progress::silent()).expect("run");
        assert_eq!(o.treatment, "challenger");
        assert_eq!(o.report.steps.len(), RAMP.len());
        // Kinds are inferred: approved is 0/1.
        assert!(
            o.report.steps[3]
                .success
                .as_ref()
                .is_some_and(|e| e.z_test_p_value.is_some())
        );
        let stop = o.report.stopped_at.expect("breach");
        assert!(stop > o.report.steps[3].step.start && stop <= o.report.steps[3].step.end);
        assert!(o.problems.is_empty());
    }

    #[test]
    fn a_cancel_stops_the_run() {
        let progress = Progress::silent();
        progress.cancel();
        let e = run(&sample(), &settings(), &progress).expect_err("cancelled");
        assert!(matches!(e, RolloutError::Cancelled), "{e}");
    }

    #[test]
    fn a_third_arm_needs_naming() {
        let mut frame = generate_rollout(9).expect("generate");
        let models: Vec<&str> = (0..frame.height())
            .map(|i| ["production", "challenger", "shadow"][i % 3])
            .collect();
        frame
            .replace("model", Series::new("model".into(), models).into())
            .expect("replace");
        let ds = Dataset::from_frame("three.csv".into(), frame, &Progress::silent()).expect("ds");
        let e = run(&ds, &settings(), &Progress::silent()).expect_err("ambiguous");
        assert!(e.to_string().contains("--treatment"), "{e}");
        let mut s = settings();
        s.treatment = Some("challenger".into());
        let o = run(&ds, &s, &Progress::silent()).expect("run");
        assert!(o.other_arm_rows > 0);
    }
}

//! The serving simulator over the compression lab's variants: the settings a user chooses (the
//! Serving panel of the Compression tab edits them, a session stores them), the arrivals they
//! pick (a data column's timestamps or a seeded Poisson stream) and every run of variant ×
//! policy × worker count, in parallel, from settings to an outcome. `sextant serve-sim`, the
//! panel and the report present this outcome only.
//!
//! The simulation itself, its policies, its interpolation of a latency curve and its quantile
//! convention are documented in [`crate::analysis::serving`].

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use polars::prelude::{DataFrame, DataType};
use serde::{Deserialize, Serialize};

use crate::analysis::serving::{self as core, LatencyBin, LatencyCurve, Policy, ServingError};
use crate::model::compress::CompressionReport;
use crate::vocab::Progress;

use super::ranges::{self, RangeError};

/// Why the simulator could not run. One sentence each, as the window shows them.
#[derive(Debug, thiserror::Error)]
pub enum ServingRunError {
    #[error(transparent)]
    Range(#[from] RangeError),
    #[error(transparent)]
    Serving(ServingError),
    /// The arrivals' column is not in the data.
    #[error("{dataset} has no column {column} for the arrival times")]
    NoColumn { dataset: String, column: String },
    /// No column was named and none has the timestamp role.
    #[error(
        "{dataset} has no timestamp column for the arrival times; choose one or replay a Poisson rate"
    )]
    NoTimestamp { dataset: String },
    /// The column is neither a date, a datetime nor a number.
    #[error(
        "{dataset}: the column {column} ({dtype}) is neither a datetime nor a number of seconds"
    )]
    NotTime {
        dataset: String,
        column: String,
        dtype: String,
    },
    /// Every value of the column is missing or non-finite.
    #[error("{dataset}: the column {column} has no arrival time (all {skipped} values missing)")]
    Empty {
        dataset: String,
        column: String,
        skipped: usize,
    },
    /// The Poisson stream would not fit in memory.
    #[error(
        "a Poisson rate of {rate_per_s}/s over {duration_s} s is {expected:.0} arrivals; at most {max} are replayed (lower the rate or the duration)"
    )]
    TooMany {
        rate_per_s: f64,
        duration_s: f64,
        expected: f64,
        max: u64,
    },
    /// None of the chosen variants is in the compression outcome.
    #[error("no variant to simulate: {0}")]
    NoVariant(String),
    #[error("cancelled")]
    Cancelled,
}

impl From<ServingError> for ServingRunError {
    fn from(e: ServingError) -> Self {
        match e {
            ServingError::Cancelled => Self::Cancelled,
            other => Self::Serving(other),
        }
    }
}

/// Where the request arrivals come from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ArrivalSource {
    /// A column of the production data: datetimes, dates or numbers of seconds. `None`: the
    /// column with the timestamp role. With a peak rate the times are rescaled about the first
    /// arrival so that their peak (the busiest of 288 bins of the span) is that rate
    /// ([`core::scale_to_peak`]).
    Column {
        column: Option<String>,
        peak_rate_per_s: Option<f64>,
    },
    /// A Poisson stream of `rate_per_s` over `duration_s`, from SplitMix64 at `seed`.
    Poisson {
        rate_per_s: f64,
        duration_s: f64,
        seed: u64,
    },
}

impl Default for ArrivalSource {
    fn default() -> Self {
        ArrivalSource::Column {
            column: None,
            peak_rate_per_s: None,
        }
    }
}

/// What the user chose in the Serving panel (saved and restored by sessions).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServingSettings {
    pub arrivals: ArrivalSource,
    /// Empty: realtime, micro-batch B=32 T=5 ms, offline every hour.
    pub policies: Vec<Policy>,
    /// Worker counts; empty: 1, 2, 4.
    pub workers: Vec<usize>,
    /// The latency a request must not exceed, ms.
    pub sla_ms: f64,
    /// Variant names of the compression outcome; empty: all of them.
    pub variants: Vec<String>,
}

impl Default for ServingSettings {
    fn default() -> Self {
        ServingSettings {
            arrivals: ArrivalSource::default(),
            policies: Vec::new(),
            workers: Vec::new(),
            sla_ms: 100.0,
            variants: Vec::new(),
        }
    }
}

/// The policies when none are chosen.
pub fn default_policies() -> Vec<Policy> {
    vec![
        Policy::Realtime,
        Policy::MicroBatch {
            max_batch: 32,
            max_wait_ms: 5.0,
        },
        Policy::Offline { every_h: 1.0 },
    ]
}

impl ServingSettings {
    pub fn policy_list(&self) -> Vec<Policy> {
        if self.policies.is_empty() {
            default_policies()
        } else {
            self.policies.clone()
        }
    }
    pub fn worker_list(&self) -> Vec<usize> {
        if self.workers.is_empty() {
            vec![1, 2, 4]
        } else {
            self.workers.clone()
        }
    }

    /// Every number inside its documented range ([`super::ranges`]).
    pub fn validate(&self) -> Result<(), RangeError> {
        ranges::SERVE_SLA_MS.check(self.sla_ms)?;
        ranges::SERVE_WORKER_COUNTS.check_usize(self.workers.len())?;
        for &k in &self.workers {
            ranges::SERVE_WORKERS.check_usize(k)?;
        }
        ranges::SERVE_POLICIES.check_usize(self.policies.len())?;
        for p in &self.policies {
            check_policy(p)?;
        }
        match &self.arrivals {
            ArrivalSource::Column {
                peak_rate_per_s, ..
            } => ranges::SERVE_RATE.check_opt(*peak_rate_per_s)?,
            ArrivalSource::Poisson {
                rate_per_s,
                duration_s,
                ..
            } => {
                ranges::SERVE_RATE.check(*rate_per_s)?;
                ranges::SERVE_DURATION_S.check(*duration_s)?;
            }
        }
        Ok(())
    }
}

/// A policy's numbers inside their ranges.
pub fn check_policy(p: &Policy) -> Result<(), RangeError> {
    match *p {
        Policy::Realtime => Ok(()),
        Policy::MicroBatch {
            max_batch,
            max_wait_ms,
        } => {
            ranges::SERVE_BATCH.check_usize(max_batch)?;
            ranges::SERVE_WAIT_MS.check(max_wait_ms).map(|_| ())
        }
        Policy::Offline { every_h } => ranges::SERVE_EVERY_H.check(every_h).map(|_| ()),
    }
}

/// A duration typed with its unit — `250us`, `5ms`, `1.5s`, `10min`, `1h` — in seconds.
pub fn parse_duration_s(text: &str) -> Result<f64, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| c.is_ascii_alphabetic() || c == 'µ')
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let factor = match unit.trim() {
        "us" | "µs" => 1e-6,
        "ms" => 1e-3,
        "s" => 1.0,
        "min" | "m" => 60.0,
        "h" => 3600.0,
        "d" => 86_400.0,
        "" => {
            return Err(format!(
                "\"{t}\" has no unit; write it like 5ms, 1.5s, 10min or 1h"
            ));
        }
        u => {
            return Err(format!(
                "\"{t}\" has the unknown unit \"{u}\"; use us, ms, s, min, h or d"
            ));
        }
    };
    let x: f64 = num
        .trim()
        .parse()
        .map_err(|_| format!("\"{t}\" is not a duration like 5ms, 1.5s, 10min or 1h"))?;
    if !x.is_finite() || x < 0.0 {
        return Err(format!(
            "\"{t}\" is not a duration like 5ms, 1.5s, 10min or 1h"
        ));
    }
    Ok(x * factor)
}

/// A rate typed as `200/s`, `12000/min`, `1e6/h` or a bare number per second, in per second.
pub fn parse_rate_per_s(text: &str) -> Result<f64, String> {
    let t = text.trim();
    let (num, per) = match t.split_once('/') {
        Some((n, u)) => (
            n,
            match u.trim() {
                "s" => 1.0,
                "min" | "m" => 60.0,
                "h" => 3600.0,
                "d" => 86_400.0,
                other => {
                    return Err(format!(
                        "\"{t}\" has the unknown unit \"/{other}\"; use /s, /min, /h or /d"
                    ));
                }
            },
        ),
        None => (t, 1.0),
    };
    let x: f64 = num
        .trim()
        .parse()
        .map_err(|_| format!("\"{t}\" is not a rate like 200/s"))?;
    if !x.is_finite() {
        return Err(format!("\"{t}\" is not a rate like 200/s"));
    }
    Ok(x / per)
}

/// A policy as typed: `realtime`, `batch:B:T` (T with its unit, e.g. `batch:32:5ms`) or
/// `offline:H` (e.g. `offline:1h`, `offline:30min`), checked against its ranges.
pub fn parse_policy(text: &str) -> Result<Policy, String> {
    let t = text.trim();
    let parts: Vec<&str> = t.split(':').map(str::trim).collect();
    let policy = match parts.as_slice() {
        ["realtime"] => Policy::Realtime,
        ["batch" | "micro-batch", b, w] => Policy::MicroBatch {
            max_batch: ranges::SERVE_BATCH
                .parse_usize(b)
                .map_err(|e| format!("policy \"{t}\": {e}"))?,
            max_wait_ms: parse_duration_s(w).map_err(|e| format!("policy \"{t}\": {e}"))? * 1000.0,
        },
        ["offline", h] => Policy::Offline {
            every_h: parse_duration_s(h).map_err(|e| format!("policy \"{t}\": {e}"))? / 3600.0,
        },
        _ => {
            return Err(format!(
                "\"{t}\" is not a policy; use realtime, batch:B:T (e.g. batch:32:5ms) or offline:H (e.g. offline:1h)"
            ));
        }
    };
    check_policy(&policy).map_err(|e| format!("policy \"{t}\": {e}"))?;
    Ok(policy)
}

/// One variant's latency curve as the simulator reads it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VariantCurve {
    pub name: String,
    /// Every point timed in the build that measured it; `false`: some point is an estimate
    /// (or none was timed), and the variant is never the cheapest configuration.
    pub measured: bool,
    pub latency: Vec<CurvePoint>,
}

/// A measured (or estimated) time per call.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CurvePoint {
    pub batch: usize,
    /// Median time per call, µs: the service time the simulator uses.
    pub p50_us: f64,
    pub estimated: bool,
}

/// The compression outcome's variants as latency curves (the chosen names only, in the
/// outcome's order; empty `names`: all).
pub fn curves_from_compression(
    report: &CompressionReport,
    names: &[String],
) -> Result<Vec<VariantCurve>, ServingRunError> {
    let out: Vec<VariantCurve> = report
        .variants
        .iter()
        .filter(|v| names.is_empty() || names.iter().any(|n| n == &v.name))
        .map(|v| VariantCurve {
            name: v.name.clone(),
            measured: !v.latency.is_empty() && v.latency.iter().all(|p| !p.estimated),
            latency: v
                .latency
                .iter()
                .map(|p| CurvePoint {
                    batch: p.batch,
                    p50_us: p.p50_us,
                    estimated: p.estimated,
                })
                .collect(),
        })
        .collect();
    if let Some(missing) = names
        .iter()
        .find(|n| !report.variants.iter().any(|v| &v.name == *n))
    {
        return Err(ServingRunError::NoVariant(format!(
            "the compression outcome has no variant {missing} (it has {})",
            report
                .variants
                .iter()
                .map(|v| v.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    if out.iter().all(|c| c.latency.is_empty()) {
        return Err(ServingRunError::NoVariant(
            "no variant has a latency curve (run the compression lab with latency timed)".into(),
        ));
    }
    Ok(out)
}

/// The arrivals a run replays, sorted, in seconds from an arbitrary origin.
#[derive(Debug, Clone, PartialEq)]
pub struct Arrivals {
    pub times_s: Vec<f64>,
    pub summary: ArrivalSummary,
    /// Arrivals per bin, counted before any rescaling (its bin width rescaled).
    pub traffic: Traffic,
}

/// Where the arrivals came from and what they look like.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArrivalSummary {
    /// "column time of production.csv" or "Poisson 200/s over 3600 s (seed 1)".
    pub source: String,
    pub count: usize,
    /// Rows without an arrival time (missing or not finite), excluded.
    pub skipped: usize,
    pub span_s: f64,
    pub mean_rate_per_s: f64,
    /// The busiest of 288 equal bins of the span after any rescaling, per second.
    pub peak_rate_per_s: f64,
    /// The factor the gaps were multiplied by to reach the chosen peak rate.
    pub scale: Option<f64>,
    /// Unix time of the first arrival, seconds, when the times are datetimes.
    pub start_unix_s: Option<f64>,
}

/// Most arrivals a run replays: 8 bytes each, so 400 million is 3.2 GB; a day at 500/s is
/// 43 million.
pub const MAX_ARRIVALS: u64 = 400_000_000;

/// Arrivals from `settings.arrivals`: a Poisson stream, or a column of `frame` (`dataset` names
/// it in messages; `timestamp_role` is the column with the timestamp role, if any).
pub fn arrivals(
    settings: &ServingSettings,
    frame: Option<(&DataFrame, &str)>,
    timestamp_role: Option<&str>,
) -> Result<Arrivals, ServingRunError> {
    settings.validate()?;
    match &settings.arrivals {
        ArrivalSource::Poisson {
            rate_per_s,
            duration_s,
            seed,
        } => {
            let expected = rate_per_s * duration_s;
            if expected > MAX_ARRIVALS as f64 {
                return Err(ServingRunError::TooMany {
                    rate_per_s: *rate_per_s,
                    duration_s: *duration_s,
                    expected,
                    max: MAX_ARRIVALS,
                });
            }
            let times = core::poisson_arrivals(*rate_per_s, *duration_s, *seed);
            if times.is_empty() {
                return Err(ServingError::NoArrivals.into());
            }
            let source = format!(
                "Poisson {}/s over {} s (seed {seed})",
                fmt(*rate_per_s),
                fmt(*duration_s)
            );
            Ok(summarise(times, source, 0, None, None))
        }
        ArrivalSource::Column {
            column,
            peak_rate_per_s,
        } => {
            let (frame, dataset) = frame.ok_or(ServingRunError::NoTimestamp {
                dataset: "no production file".into(),
            })?;
            let column = column
                .clone()
                .or_else(|| timestamp_role.map(str::to_string))
                .ok_or_else(|| ServingRunError::NoTimestamp {
                    dataset: dataset.to_string(),
                })?;
            let (mut times, skipped, unix) = column_seconds(frame, dataset, &column)?;
            times.sort_unstable_by(f64::total_cmp);
            let start_unix = unix.then(|| times[0]);
            let traffic = core::traffic(&times, core::TRAFFIC_BINS);
            let scale = peak_rate_per_s.map(|r| core::scale_to_peak(&mut times, r));
            let source = format!("column {column} of {dataset}");
            let mut a = summarise(times, source, skipped, scale, start_unix);
            // The bins counted before rescaling, so the peak is the rate asked for exactly.
            a.traffic = Traffic {
                bin_s: traffic.0 * scale.unwrap_or(1.0),
                counts: traffic.1,
            };
            a.summary.peak_rate_per_s = peak_of(&a.traffic);
            Ok(a)
        }
    }
}

fn summarise(
    times: Vec<f64>,
    source: String,
    skipped: usize,
    scale: Option<f64>,
    start_unix_s: Option<f64>,
) -> Arrivals {
    let span = times.last().unwrap_or(&0.0) - times.first().unwrap_or(&0.0);
    let summary = ArrivalSummary {
        source,
        count: times.len(),
        skipped,
        span_s: span,
        mean_rate_per_s: if span > 0.0 {
            times.len() as f64 / span
        } else {
            f64::NAN
        },
        peak_rate_per_s: core::peak_rate_per_s(&times),
        scale,
        start_unix_s,
    };
    let (bin_s, counts) = core::traffic(&times, core::TRAFFIC_BINS);
    Arrivals {
        times_s: times,
        summary,
        traffic: Traffic { bin_s, counts },
    }
}

/// The busiest bin's rate, per second.
fn peak_of(t: &Traffic) -> f64 {
    match t.counts.iter().max() {
        Some(&c) if t.bin_s > 0.0 => c as f64 / t.bin_s,
        _ => 0.0,
    }
}

fn fmt(x: f64) -> String {
    crate::format::fmt_num(x)
}

/// A column as seconds: datetimes and dates from the epoch, numbers as they are. Returns the
/// finite values, the count left out, and whether they are Unix times.
fn column_seconds(
    frame: &DataFrame,
    dataset: &str,
    column: &str,
) -> Result<(Vec<f64>, usize, bool), ServingRunError> {
    let s = frame
        .column(column)
        .map_err(|_| ServingRunError::NoColumn {
            dataset: dataset.to_string(),
            column: column.to_string(),
        })?
        .as_materialized_series()
        .clone();
    let (values, unix): (Vec<Option<f64>>, bool) =
        if let Some(micros) = crate::data::summary::micros_of(&s) {
            (
                micros.iter().map(|v| v.map(|m| m as f64 * 1e-6)).collect(),
                true,
            )
        } else if s.dtype().is_primitive_numeric() {
            let f = s
                .cast(&DataType::Float64)
                .map_err(|_| not_time(dataset, column, &s))?;
            let ca = f.f64().map_err(|_| not_time(dataset, column, &s))?;
            (ca.iter().collect(), false)
        } else {
            return Err(not_time(dataset, column, &s));
        };
    let total = values.len();
    let times: Vec<f64> = values
        .into_iter()
        .flatten()
        .filter(|v| v.is_finite())
        .collect();
    let skipped = total - times.len();
    if times.is_empty() {
        return Err(ServingRunError::Empty {
            dataset: dataset.to_string(),
            column: column.to_string(),
            skipped,
        });
    }
    Ok((times, skipped, unix))
}

fn not_time(dataset: &str, column: &str, s: &polars::prelude::Series) -> ServingRunError {
    ServingRunError::NotTime {
        dataset: dataset.to_string(),
        column: column.to_string(),
        dtype: s.dtype().to_string(),
    }
}

/// One simulated configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunOutcome {
    pub variant: String,
    /// The policy's key (`realtime`, `batch:32:5ms`, `offline:1h`).
    pub policy: String,
    /// The policy's words ("micro-batch B=32, T=5 ms").
    pub policy_label: String,
    pub workers: usize,
    pub measured: bool,
    pub requests: usize,
    pub mean_ms: f64,
    pub mean_wait_ms: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub throughput_per_s: f64,
    pub utilisation: f64,
    /// Requests slower than the SLA (none is dropped: the queue is unbounded).
    pub late: usize,
    pub late_share: f64,
    /// Busy core-seconds per million predictions: the compute the configuration spends.
    pub core_seconds_per_million: f64,
    /// Cores held for the whole replay per million predictions (workers × span).
    pub provisioned_core_seconds_per_million: f64,
    /// p95 within the SLA.
    pub meets_sla: bool,
    pub distribution: Vec<LatencyBin>,
}

impl RunOutcome {
    /// "int8, micro-batch B=32, T=5 ms, 2 workers: p95 41 ms, 1.8 core-seconds per million".
    pub fn sentence(&self) -> String {
        format!(
            "{}, {}, {} worker{}: p95 {} ms, {} core-seconds per million",
            self.variant,
            self.policy_label,
            self.workers,
            if self.workers == 1 { "" } else { "s" },
            crate::format::fmt_num(self.p95_ms),
            crate::format::fmt_num(self.core_seconds_per_million)
        )
    }
}

/// The traffic that drove the runs: arrivals per bin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Traffic {
    pub bin_s: f64,
    pub counts: Vec<u64>,
}

/// Every number of the simulator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServingOutcome {
    pub arrivals: ArrivalSummary,
    pub traffic: Traffic,
    pub sla_ms: f64,
    pub variants: Vec<VariantCurve>,
    /// Variant-major, then policy, then workers, in the settings' order.
    pub runs: Vec<RunOutcome>,
    /// The measured run meeting the SLA (p95 ≤ SLA) at the lowest busy cost per million
    /// (ties: fewer workers, then lower p95), as an index into `runs`.
    pub cheapest_meeting_sla: Option<usize>,
}

impl ServingOutcome {
    pub fn cheapest(&self) -> Option<&RunOutcome> {
        self.cheapest_meeting_sla.and_then(|i| self.runs.get(i))
    }
}

/// Run every configuration: each variant with a latency curve × each policy × each worker
/// count, on up to `available_parallelism` threads.
pub fn run(
    arrivals: &Arrivals,
    variants: &[VariantCurve],
    settings: &ServingSettings,
    progress: &Progress,
) -> Result<ServingOutcome, ServingRunError> {
    settings.validate()?;
    if arrivals.times_s.is_empty() {
        return Err(ServingError::NoArrivals.into());
    }
    let mut curves = Vec::new();
    for v in variants.iter().filter(|v| !v.latency.is_empty()) {
        let pts: Vec<(usize, f64)> = v
            .latency
            .iter()
            .map(|p| (p.batch, p.p50_us * 1e-6))
            .collect();
        curves.push((v, LatencyCurve::new(&v.name, &pts)?));
    }
    if curves.is_empty() {
        return Err(ServingRunError::NoVariant(
            "no variant has a latency curve".into(),
        ));
    }
    let policies = settings.policy_list();
    let workers = settings.worker_list();
    let jobs: Vec<(usize, Policy, usize)> = (0..curves.len())
        .flat_map(|c| {
            let workers = &workers;
            policies
                .iter()
                .flat_map(move |&p| workers.iter().map(move |&k| (c, p, k)))
        })
        .collect();
    let sla_s = settings.sla_ms / 1000.0;
    let slots: Vec<Mutex<Option<Result<RunOutcome, ServingError>>>> =
        jobs.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(jobs.len())
        .max(1);
    progress.set(
        Some(0.0),
        format!("Simulating {} configurations", jobs.len()),
    );
    let stop = || progress.is_cancelled();
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&(c, policy, w)) = jobs.get(k) else {
                        return;
                    };
                    let (variant, curve) = &curves[c];
                    let r = core::simulate(&arrivals.times_s, curve, policy, w, sla_s, &stop)
                        .map(|st| outcome(variant, policy, w, &st, settings.sla_ms));
                    if let Ok(mut slot) = slots[k].lock() {
                        *slot = Some(r);
                    }
                    let d = done.fetch_add(1, Ordering::Relaxed) + 1;
                    progress.set(
                        Some(d as f32 / jobs.len() as f32),
                        format!("Simulated {d} of {} configurations", jobs.len()),
                    );
                }
            });
        }
    });
    if progress.is_cancelled() {
        return Err(ServingRunError::Cancelled);
    }
    let mut runs = Vec::with_capacity(jobs.len());
    for slot in slots {
        let r = slot
            .into_inner()
            .ok()
            .flatten()
            .ok_or(ServingRunError::Cancelled)?;
        runs.push(r?);
    }
    let cheapest_meeting_sla = cheapest(&runs);
    Ok(ServingOutcome {
        arrivals: arrivals.summary.clone(),
        traffic: arrivals.traffic.clone(),
        sla_ms: settings.sla_ms,
        variants: variants.to_vec(),
        runs,
        cheapest_meeting_sla,
    })
}

fn outcome(
    v: &VariantCurve,
    policy: Policy,
    workers: usize,
    s: &core::RunStats,
    sla_ms: f64,
) -> RunOutcome {
    let per_million = 1e6 / s.requests as f64;
    let p95_ms = s.p95_s * 1000.0;
    RunOutcome {
        variant: v.name.clone(),
        policy: policy.key(),
        policy_label: policy.label(),
        workers,
        measured: v.measured,
        requests: s.requests,
        mean_ms: s.mean_s * 1000.0,
        mean_wait_ms: s.mean_wait_s * 1000.0,
        p50_ms: s.p50_s * 1000.0,
        p95_ms,
        p99_ms: s.p99_s * 1000.0,
        max_ms: s.max_s * 1000.0,
        throughput_per_s: s.throughput_per_s,
        utilisation: s.utilisation,
        late: s.late,
        late_share: s.late as f64 / s.requests as f64,
        core_seconds_per_million: s.busy_s * per_million,
        provisioned_core_seconds_per_million: workers as f64 * s.span_s * per_million,
        meets_sla: p95_ms <= sla_ms,
        distribution: s.distribution.clone(),
    }
}

/// The measured run meeting the SLA at the lowest busy cost; ties go to fewer workers, then the
/// lower p95, then the earlier run.
pub fn cheapest(runs: &[RunOutcome]) -> Option<usize> {
    runs.iter()
        .enumerate()
        .filter(|(_, r)| r.measured && r.meets_sla)
        .min_by(|(_, a), (_, b)| {
            a.core_seconds_per_million
                .total_cmp(&b.core_seconds_per_million)
                .then(a.workers.cmp(&b.workers))
                .then(a.p95_ms.total_cmp(&b.p95_ms))
        })
        .map(|(i, _)| i)
}

/// The benchmark's workload: `arrivals` Poisson arrivals at 500/s (seed 1), six variants whose
/// curves have the shape of a small MLP's in tract (a fixed cost per call plus a cost per row;
/// the original at 60 µs + 3 µs per row, the others 1.2× to 0.3× of its per-row cost), the
/// three default policies and 1, 2, 4 workers, an SLA of 100 ms.
pub fn bench_workload(arrivals: usize) -> (Arrivals, Vec<VariantCurve>, ServingSettings) {
    let rate = 500.0;
    let mut times = core::poisson_arrivals(rate, arrivals as f64 / rate * 1.01 + 1.0, 1);
    times.truncate(arrivals);
    let source = format!("Poisson {rate}/s (seed 1), first {arrivals}");
    let a = summarise(times, source, 0, None, None);
    let factors = [
        ("original", 1.0),
        ("fp16", 1.2),
        ("int8", 0.6),
        ("int4", 0.5),
        ("prune:0.5", 0.8),
        ("distill:logistic", 0.3),
    ];
    let curves = factors
        .iter()
        .map(|&(name, f)| VariantCurve {
            name: name.into(),
            measured: true,
            latency: [1usize, 8, 32, 128, 1024]
                .iter()
                .map(|&b| CurvePoint {
                    batch: b,
                    p50_us: 60.0 + 3.0 * f * b as f64,
                    estimated: false,
                })
                .collect(),
        })
        .collect();
    (a, curves, ServingSettings::default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_rates_and_policies_parse_or_say_why() {
        assert_eq!(parse_duration_s("5ms"), Ok(0.005));
        assert_eq!(parse_duration_s("1h"), Ok(3600.0));
        assert_eq!(parse_duration_s(" 30min "), Ok(1800.0));
        assert!(parse_duration_s("5").unwrap_err().contains("no unit"));
        assert!(
            parse_duration_s("5 parsecs")
                .unwrap_err()
                .contains("unknown unit")
        );
        assert!(parse_duration_s("NaNms").is_err());
        assert_eq!(parse_rate_per_s("200/s"), Ok(200.0));
        assert_eq!(parse_rate_per_s("120/min"), Ok(2.0));
        assert_eq!(parse_rate_per_s("7"), Ok(7.0));
        assert!(parse_rate_per_s("fast").is_err());
        assert_eq!(parse_policy("realtime"), Ok(Policy::Realtime));
        assert_eq!(
            parse_policy("batch:32:5ms"),
            Ok(Policy::MicroBatch {
                max_batch: 32,
                max_wait_ms: 5.0
            })
        );
        assert_eq!(
            parse_policy("offline:30min"),
            Ok(Policy::Offline { every_h: 0.5 })
        );
        assert!(parse_policy("batch:0:5ms").is_err());
        assert!(
            parse_policy("sometimes")
                .unwrap_err()
                .contains("not a policy")
        );
        for p in default_policies() {
            assert_eq!(parse_policy(&p.key()), Ok(p));
        }
    }

    #[test]
    fn settings_round_trip_through_a_session_file() {
        let s = ServingSettings {
            arrivals: ArrivalSource::Poisson {
                rate_per_s: 250.0,
                duration_s: 60.0,
                seed: 4,
            },
            policies: default_policies(),
            workers: vec![1, 3],
            sla_ms: 40.0,
            variants: vec!["int8".into()],
        };
        let text = ron::to_string(&s).unwrap();
        assert_eq!(ron::from_str::<ServingSettings>(&text).unwrap(), s);
        let c = ServingSettings::default();
        let text = ron::to_string(&c).unwrap();
        assert_eq!(ron::from_str::<ServingSettings>(&text).unwrap(), c);
    }

    #[test]
    fn cheapest_skips_estimates_and_misses() {
        let curve = |name: &str, measured: bool, us: f64| VariantCurve {
            name: name.into(),
            measured,
            latency: vec![
                CurvePoint {
                    batch: 1,
                    p50_us: us,
                    estimated: !measured,
                },
                CurvePoint {
                    batch: 32,
                    p50_us: us * 4.0,
                    estimated: !measured,
                },
            ],
        };
        let arrivals = summarise(
            core::poisson_arrivals(100.0, 60.0, 3),
            "test".into(),
            0,
            None,
            None,
        );
        let settings = ServingSettings {
            sla_ms: 20.0,
            ..ServingSettings::default()
        };
        let out = run(
            &arrivals,
            &[curve("original", true, 2000.0), curve("int8", false, 100.0)],
            &settings,
            &Progress::silent(),
        )
        .unwrap();
        assert_eq!(out.runs.len(), 2 * 3 * 3);
        let best = out.cheapest().unwrap();
        assert_eq!(best.variant, "original");
        assert!(best.meets_sla && best.measured);
        assert!(
            best.sentence()
                .starts_with("original, micro-batch B=32, T=5 ms")
        );
    }
}

//! `sextant serve-sim --model M.onnx --data D [--times COL | --rate 200/s] [--variants …]
//! [--policy realtime,batch:32:5ms,offline:1h] [--workers 1,2,4] [--sla 100ms]`: what the
//! production traffic would get from each compressed variant under each serving policy.
//!
//! The variants' latency curves are timed by the compression lab on the --data rows (or read
//! from a `sextant compress --format json` output with --latency); `engine::serving` replays
//! the arrivals and `present::serving` writes the table or the JSON (its contract is there).

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use super::{CliError, EXIT_OK, OutputFormat, load_dataset};
use crate::data::RoleMap;
use crate::engine::compression::file_data;
use crate::engine::serving::{
    self, ArrivalSource, CurvePoint, ServingSettings, VariantCurve, parse_duration_s, parse_policy,
    parse_rate_per_s,
};
use crate::model::compress::{CompressParams, Metric, XAxis, compress_with_training};
use crate::model::{OnnxModel, VariantSpec};
use crate::present::json::to_text;
use crate::present::serving::{to_json, to_table};
use crate::vocab::{Progress, Role};

#[derive(Debug, Args)]
pub struct ServeSimArgs {
    /// The ONNX model whose variants are timed (not needed with --latency).
    #[arg(long, value_name = "FILE")]
    pub model: Option<PathBuf>,
    /// The data: rows to time the model on, and the arrival times with --times (not needed
    /// with --latency and --rate).
    #[arg(long, value_name = "FILE")]
    pub data: Option<PathBuf>,
    /// The column of request arrival times (datetimes, or numbers of seconds); default: the
    /// column whose role is timestamp.
    #[arg(long, value_name = "COL", conflicts_with = "rate")]
    pub times: Option<String>,
    /// Rescale the --times arrivals so that their peak (the busiest of 288 equal bins of the
    /// span: 5 minutes for a day) is this rate (e.g.
    /// 500/s); the gaps are multiplied by one factor about the first arrival.
    #[arg(long, value_name = "RATE", conflicts_with = "rate")]
    pub peak_rate: Option<String>,
    /// Replay a seeded Poisson stream of this rate instead of a column (e.g. 200/s, 12000/min).
    #[arg(long, value_name = "RATE")]
    pub rate: Option<String>,
    /// How long the Poisson stream lasts (e.g. 1h, 30min, 86400s).
    #[arg(long, value_name = "DURATION", default_value = "1h", requires = "rate")]
    pub duration: String,
    /// Seed of the Poisson stream.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub seed: u64,
    /// Variants to time, as `sextant compress --variants` names them (default: the model's
    /// sweep); with --latency, the names of its variants to keep.
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub variants: Vec<String>,
    /// A `sextant compress --format json` output whose measured latency curves are used
    /// instead of timing the model again.
    #[arg(long, value_name = "FILE")]
    pub latency: Option<PathBuf>,
    /// Batch sizes to time, comma separated (1 to 32 sizes, each from 1 to 100000).
    #[arg(long, value_name = "LIST", value_delimiter = ',', default_values_t = [1usize, 8, 32, 128, 1024], value_parser = crate::engine::ranges::BATCH_SIZE.parser())]
    pub batch_sizes: Vec<usize>,
    /// The label column for the timing sweep (default: the column whose role is target).
    #[arg(long, value_name = "COL")]
    pub target: Option<String>,
    /// The model's input columns in order (a model with one unnamed [N, k] input).
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub features: Vec<String>,
    /// A renamed column of --data: read NEW where the model expects OLD. Repeatable.
    #[arg(long, value_name = "NEW=OLD")]
    pub rename: Vec<String>,
    /// Policies, comma separated: realtime, batch:B:T (e.g. batch:32:5ms), offline:H (e.g.
    /// offline:1h).
    #[arg(
        long,
        value_name = "LIST",
        value_delimiter = ',',
        default_value = "realtime,batch:32:5ms,offline:1h"
    )]
    pub policy: Vec<String>,
    /// Worker counts, comma separated (each 1 to 4096).
    #[arg(long, value_name = "LIST", value_delimiter = ',', default_values_t = [1usize, 2, 4], value_parser = crate::engine::ranges::SERVE_WORKERS.parser())]
    pub workers: Vec<usize>,
    /// The latency a request must not exceed, with its unit (e.g. 100ms, 2s); a configuration
    /// meets it when its p95 does.
    #[arg(long, value_name = "DURATION", default_value = "100ms")]
    pub sla: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
}

/// The simulator's settings from the flags, each number checked against its range.
pub fn settings(args: &ServeSimArgs) -> Result<ServingSettings, CliError> {
    let policies = args
        .policy
        .iter()
        .filter(|p| !p.trim().is_empty())
        .map(|p| parse_policy(p).map_err(|e| CliError(format!("--policy: {e}"))))
        .collect::<Result<Vec<_>, _>>()?;
    let sla_ms = parse_duration_s(&args.sla).map_err(|e| CliError(format!("--sla: {e}")))? * 1000.0;
    let rate = |flag: &str, text: &str| -> Result<f64, CliError> {
        let r = parse_rate_per_s(text).map_err(|e| CliError(format!("{flag}: {e}")))?;
        crate::engine::ranges::SERVE_RATE
            .check(r)
            .map_err(|e| CliError(e.to_string().replace("--rate", flag)))
    };
    let arrivals = match &args.rate {
        Some(r) => ArrivalSource::Poisson {
            rate_per_s: rate("--rate", r)?,
            duration_s: parse_duration_s(&args.duration)
                .map_err(|e| CliError(format!("--duration: {e}")))?,
            seed: args.seed,
        },
        None => ArrivalSource::Column {
            column: args.times.clone(),
            peak_rate_per_s: args
                .peak_rate
                .as_deref()
                .map(|r| rate("--peak-rate", r))
                .transpose()?,
        },
    };
    let s = ServingSettings {
        arrivals,
        policies,
        workers: args.workers.clone(),
        sla_ms,
        variants: Vec::new(),
    };
    s.validate()?;
    Ok(s)
}

/// Latency curves from a `sextant compress --format json` file.
fn curves_from_file(
    path: &std::path::Path,
    names: &[String],
) -> Result<Vec<VariantCurve>, CliError> {
    let bad = |why: &str| CliError(format!("--latency {}: {why}", path.display()));
    let text = std::fs::read_to_string(path).map_err(|e| bad(&e.to_string()))?;
    let v: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| bad(&format!("not JSON ({e})")))?;
    let variants = v["variants"].as_array().ok_or_else(|| {
        bad("has no \"variants\" list (write it with sextant compress --format json)")
    })?;
    let mut out = Vec::new();
    for var in variants {
        let name = var["name"]
            .as_str()
            .ok_or_else(|| bad("a variant has no name"))?
            .to_string();
        if !names.is_empty() && !names.contains(&name) {
            continue;
        }
        let mut latency = Vec::new();
        for p in var["latency"].as_array().map(Vec::as_slice).unwrap_or(&[]) {
            let batch = p["batch"].as_u64().filter(|b| *b >= 1);
            let p50 = p["p50_us"].as_f64().filter(|t| t.is_finite() && *t > 0.0);
            let (Some(batch), Some(p50_us)) = (batch, p50) else {
                return Err(bad(&format!(
                    "variant {name} has a latency point without a positive batch and p50_us"
                )));
            };
            latency.push(CurvePoint {
                batch: batch as usize,
                p50_us,
                estimated: p["estimated"].as_bool().unwrap_or(true),
            });
        }
        out.push(VariantCurve {
            measured: !latency.is_empty() && latency.iter().all(|p| !p.estimated),
            name,
            latency,
        });
    }
    if let Some(missing) = names.iter().find(|n| !out.iter().any(|c| &c.name == *n)) {
        return Err(bad(&format!("has no variant {missing}")));
    }
    if out.iter().all(|c| c.latency.is_empty()) {
        return Err(bad(
            "no variant has latency points (it was written with --no-latency)",
        ));
    }
    Ok(out)
}

/// `sextant serve-sim`.
pub fn run(args: &ServeSimArgs) -> Result<u8, CliError> {
    // Flags first: a refusal should not wait for the model and the data.
    let settings = settings(args)?;
    crate::engine::ranges::check_batch_sizes(&args.batch_sizes)?;
    if args.latency.is_none() && args.model.is_none() {
        return Err(CliError(
            "give --model M.onnx to time its variants, or --latency FILE.json from sextant compress --format json".into(),
        ));
    }
    let needs_data =
        matches!(settings.arrivals, ArrivalSource::Column { .. }) || args.latency.is_none();
    let ds = match (&args.data, needs_data) {
        (Some(path), _) => Some(load_dataset(path)?),
        (None, true) => {
            return Err(CliError(
                "give --data FILE: the rows to time the model on and the arrival times (only --latency with --rate needs no data)".into(),
            ));
        }
        (None, false) => None,
    };
    let data_name = args
        .data
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let curves = match (&args.latency, &args.model) {
        (Some(path), _) => curves_from_file(path, &args.variants)?,
        (None, None) => {
            return Err(CliError(
                "give --model M.onnx or --latency FILE.json".into(),
            ));
        }
        (None, Some(model_path)) => {
            let ds = ds.as_ref().expect("loaded above");
            let model = OnnxModel::load(model_path)?;
            let mut roles = RoleMap::default();
            roles.add_inferred(&ds.columns);
            let target = args
                .target
                .clone()
                .or_else(|| roles.column_with(Role::Target).map(str::to_string))
                .ok_or_else(|| {
                    CliError(format!(
                        "{data_name} has no column that looks like a label for timing the model; name it with --target COL"
                    ))
                })?;
            let renames = super::parse_renames(&args.rename)?;
            // Timing reads a few thousand rows; more only slows the sweep's quality metrics.
            let (data, _) = file_data(&model, ds, &target, &args.features, &renames, Some(4096))?;
            let variants = if args.variants.is_empty() {
                model.default_variants()
            } else {
                args.variants
                    .iter()
                    .filter(|s| !s.trim().is_empty())
                    .map(|s| {
                        VariantSpec::parse(s).map_err(|e| CliError(format!("--variants: {e}")))
                    })
                    .collect::<Result<_, _>>()?
            };
            if cfg!(debug_assertions) {
                eprintln!(
                    "warning: this is a debug build; latencies are 20-30× slower than a release build"
                );
            }
            let params = CompressParams {
                variants,
                batch_sizes: args.batch_sizes.clone(),
                measure_latency: true,
                time_per_point: Duration::from_millis(150),
                metric: Metric::RocAuc.for_task(model.task),
                x_axis: XAxis::Size,
                sensitivity: false,
            };
            let report = compress_with_training(&model, &data, None, &params, &Progress::silent())?;
            serving::curves_from_compression(&report, &[])?
        }
    };
    let timestamp_role = ds.as_ref().and_then(|d| {
        let mut roles = RoleMap::default();
        roles.add_inferred(&d.columns);
        roles.column_with(Role::Timestamp).map(str::to_string)
    });
    let arrivals = serving::arrivals(
        &settings,
        ds.as_ref().map(|d| (&d.frame, data_name.as_str())),
        timestamp_role.as_deref(),
    )?;
    let outcome = serving::run(&arrivals, &curves, &settings, &Progress::silent())?;
    let text = match args.format {
        OutputFormat::Json => to_text(&to_json(&outcome)),
        OutputFormat::Table => to_table(&outcome),
    };
    print!("{text}");
    Ok(EXIT_OK)
}

/// Arguments of the hidden `bench-serving`.
#[derive(Debug, Args)]
pub struct BenchServingArgs {
    /// Poisson arrivals at 500/s (43 200 000 is one day).
    #[arg(long, default_value_t = 43_200_000, value_parser = crate::engine::ranges::BENCH_ARRIVALS.parser())]
    pub arrivals: usize,
    /// Repetitions of the simulation; the best time is reported (1 to 100).
    #[arg(long, default_value_t = 3, value_parser = crate::engine::ranges::BENCH_REPEAT.parser())]
    pub repeat: usize,
}

/// `sextant bench-serving`: the simulator on the workload — a day at 500 requests/s,
/// 6 variants × 3 policies (realtime, batch:32:5ms, offline:1h) × 3 worker counts (1, 2, 4).
pub fn bench(args: &BenchServingArgs) -> Result<u8, CliError> {
    let t = std::time::Instant::now();
    let (arrivals, curves, settings) = serving::bench_workload(args.arrivals);
    let generate_s = t.elapsed().as_secs_f64();
    let mut best = f64::INFINITY;
    let mut outcome = None;
    for _ in 0..args.repeat {
        let t = std::time::Instant::now();
        let o = serving::run(&arrivals, &curves, &settings, &Progress::silent())?;
        best = best.min(t.elapsed().as_secs_f64());
        outcome = Some(o);
    }
    let o = outcome.expect("at least one repetition");
    let runs = o.runs.len();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "serving simulator: {} arrivals ({} s at 500/s) × {} runs ({} variants × {} policies × {} worker counts) on {threads} threads",
        arrivals.times_s.len(),
        crate::format::fmt_num(arrivals.summary.span_s),
        runs,
        curves.len(),
        settings.policy_list().len(),
        settings.worker_list().len(),
    );
    println!("  arrivals generated in {generate_s:.3} s (not in the figure)");
    println!(
        "  simulation: {best:.3} s (best of {}), {:.2} ns per arrival per run per thread",
        args.repeat,
        best * threads as f64 * 1e9 / (arrivals.times_s.len() as f64 * runs as f64)
    );
    if let Some(c) = o.cheapest() {
        println!(
            "  cheapest meeting the {} ms SLA: {}",
            o.sla_ms,
            c.sentence()
        );
    }
    if cfg!(debug_assertions) {
        println!("  (debug build: run with --release for the figure)");
    }
    Ok(EXIT_OK)
}

//! `sextant compress --model M.onnx --data D --target COL`: what each compression of a model
//! would cost in quality and gain in size and latency, on your own labelled data.
//!
//! The flags become the sweep's parameters; `engine::compression` reads the labelled rows and
//! `present::compression` writes the table or the JSON (its contract is documented there).

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};

use super::{CliError, EXIT_OK, OutputFormat, load_dataset};
use crate::data::RoleMap;
use crate::engine::compression::{file_data, labelled_rows, variant_named};
use crate::model::compress::{CompressParams, Metric, XAxis, compress_with_training};
use crate::model::{OnnxModel, VariantSpec};
use crate::present::compression::{to_json, to_table};
use crate::present::json::to_text;
use crate::vocab::Progress;
use crate::vocab::Role;

/// The metric on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MetricArg {
    RocAuc,
    Accuracy,
    LogLoss,
    F1,
    Mae,
    Rmse,
}

#[derive(Debug, Args)]
pub struct CompressArgs {
    /// The ONNX model.
    #[arg(long, value_name = "FILE")]
    pub model: PathBuf,
    /// Labelled data to evaluate on (CSV, Parquet, …).
    #[arg(long, value_name = "FILE")]
    pub data: PathBuf,
    /// The label column (default: the column whose role is target, e.g. `defaulted`).
    #[arg(long, value_name = "COL")]
    pub target: Option<String>,
    /// Variants, comma separated: fp16, int8, int8-per-tensor, int4-per-channel, prune:0.5,
    /// prune-global:0.7, prune-keep-ends:0.5, neurons:0.25, trees:25, distill:logistic
    /// (default: a sweep that suits the model).
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub variants: Vec<String>,
    /// Batch sizes to time, comma separated: 1 to 32 sizes, each from 1 to 100000 rows.
    #[arg(long, value_name = "LIST", value_delimiter = ',', default_values_t = [1usize, 8, 32, 128, 1024], value_parser = crate::engine::ranges::BATCH_SIZE.parser())]
    pub batch_sizes: Vec<usize>,
    /// The model's input columns in order, comma separated (for a model with one [N, k] input
    /// whose metadata does not name them).
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub features: Vec<String>,
    /// Metric for the Pareto frontier.
    #[arg(long, value_enum, default_value_t = MetricArg::RocAuc)]
    pub metric: MetricArg,
    /// Labelled data the distillation students learn from (default: the --data rows, so their
    /// metrics are in sample; give the training file to evaluate them out of sample).
    #[arg(long, value_name = "FILE")]
    pub train: Option<PathBuf>,
    /// A renamed column of --data: read NEW where the model expects OLD. Repeatable.
    #[arg(long, value_name = "NEW=OLD")]
    pub rename: Vec<String>,
    /// Use at most this many labelled rows (the first ones), 1 to 1000000000.
    #[arg(long, value_name = "N", value_parser = crate::engine::ranges::COMPRESS_ROWS.parser())]
    pub rows: Option<usize>,
    /// Skip timing (sizes and metrics only).
    #[arg(long)]
    pub no_latency: bool,
    /// Skip per-layer sensitivity.
    #[arg(long)]
    pub no_sensitivity: bool,
    /// Write every variant as an ONNX file into this directory (a quantized one also as
    /// NAME.int.onnx, the integer graph that was timed).
    #[arg(long, value_name = "DIR")]
    pub export: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
}

/// The sweep's parameters from the flags: variants parsed (the model's default sweep when
/// none are given), batch sizes checked.
fn params(args: &CompressArgs, model: &OnnxModel) -> Result<CompressParams, CliError> {
    let variants = if args.variants.is_empty() {
        model.default_variants()
    } else {
        args.variants
            .iter()
            .filter(|s| !s.trim().is_empty())
            .map(|s| VariantSpec::parse(s).map_err(|e| CliError(format!("--variants: {e}"))))
            .collect::<Result<_, _>>()?
    };
    crate::engine::ranges::check_batch_sizes(&args.batch_sizes)?;
    Ok(CompressParams {
        variants,
        batch_sizes: args.batch_sizes.clone(),
        measure_latency: !args.no_latency,
        time_per_point: Duration::from_millis(150),
        metric: match args.metric {
            MetricArg::RocAuc => Metric::RocAuc,
            MetricArg::Accuracy => Metric::Accuracy,
            MetricArg::LogLoss => Metric::LogLoss,
            MetricArg::F1 => Metric::F1,
            MetricArg::Mae => Metric::Mae,
            MetricArg::Rmse => Metric::Rmse,
        },
        x_axis: XAxis::Size,
        sensitivity: !args.no_sensitivity,
    })
}

/// `sextant compress`.
pub fn run(args: &CompressArgs) -> Result<u8, CliError> {
    // The ranges first: a refusal should not wait for the model and the data to load.
    crate::engine::ranges::check_batch_sizes(&args.batch_sizes)?;
    let model = OnnxModel::load(&args.model)?;
    let ds = load_dataset(&args.data)?;
    let target = match &args.target {
        Some(t) => t.clone(),
        None => {
            let mut roles = RoleMap::default();
            roles.add_inferred(&ds.columns);
            roles
                .column_with(Role::Target)
                .map(str::to_string)
                .ok_or_else(|| {
                    CliError(format!(
                        "{} has no column that looks like a label; name it with --target COL",
                        args.data.display()
                    ))
                })?
        }
    };
    let renames = super::parse_renames(&args.rename)?;
    let (data, features) = file_data(&model, &ds, &target, &args.features, &renames, args.rows)?;
    let params = params(args, &model)?;
    if cfg!(debug_assertions) && params.measure_latency {
        eprintln!(
            "warning: this is a debug build; latencies are 20-30× slower than a release build"
        );
    }
    let training = match &args.train {
        Some(path) => {
            let t = load_dataset(path)?;
            Some(
                labelled_rows(&t, &features, &target, args.rows)
                    .map_err(|e| CliError(format!("--train {}: {e}", path.display())))?,
            )
        }
        None => None,
    };
    let report = compress_with_training(
        &model,
        &data,
        training.as_ref(),
        &params,
        &Progress::silent(),
    )?;
    if let Some(dir) = &args.export {
        std::fs::create_dir_all(dir)
            .map_err(|e| CliError(format!("{} could not be created: {e}", dir.display())))?;
        for v in &report.variants {
            let spec = variant_named(&model, &params.variants, &v.name);
            let bytes = crate::model::compress::export_bytes(
                &model,
                training.as_ref().unwrap_or(&data),
                spec,
            )?;
            let path = dir.join(format!("{}.onnx", v.name.replace('%', "pct")));
            crate::data::write::write_atomically(&path, |f| {
                std::io::Write::write_all(f, &bytes).map_err(|e| e.to_string())
            })
            .map_err(CliError::from)?;
            // The graph that was timed for a quantized variant: it runs on integer kernels.
            if let Some(bytes) = crate::model::compress::integer_export_bytes(&model, spec)? {
                let path = dir.join(format!("{}.int.onnx", v.name));
                crate::data::write::write_atomically(&path, |f| {
                    std::io::Write::write_all(f, &bytes).map_err(|e| e.to_string())
                })
                .map_err(CliError::from)?;
            }
        }
    }
    let text = match args.format {
        OutputFormat::Json => to_text(&to_json(&report).map_err(|e| CliError(e.to_string()))?),
        OutputFormat::Table => to_table(&report),
    };
    print!("{text}");
    Ok(EXIT_OK)
}

/// Arguments of the hidden `bench-quantized`.
#[derive(Debug, Args)]
pub struct BenchQuantizedArgs {
    /// Input columns of the generated MLP (1 to 4096).
    #[arg(long, default_value_t = 64, value_parser = crate::engine::ranges::BENCH_WIDTH.parser())]
    pub width: usize,
    /// Units per hidden layer (1 to 4096).
    #[arg(long, default_value_t = 256, value_parser = crate::engine::ranges::BENCH_HIDDEN.parser())]
    pub hidden: usize,
    /// Hidden layers (1 to 16).
    #[arg(long, default_value_t = 2, value_parser = crate::engine::ranges::BENCH_LAYERS.parser())]
    pub layers: usize,
    /// Batch sizes to time, comma separated: 1 to 32 sizes, each from 1 to 100000 rows.
    #[arg(long, value_name = "LIST", value_delimiter = ',', default_values_t = [1usize, 32, 1024], value_parser = crate::engine::ranges::BATCH_SIZE.parser())]
    pub batch_sizes: Vec<usize>,
    /// Time spent on each measured point, ms (1 to 60000).
    #[arg(long, default_value_t = 500, value_parser = crate::engine::ranges::BENCH_POINT_MS.parser())]
    pub ms: usize,
}

/// `sextant bench-quantized`: the variants of a generated MLP (fp32, fp16, int8 and int4 as
/// integer graphs, pruned, neuron-pruned) timed by the sweep itself on generated rows; prints
/// the CPU, each variant's p50 per call and rows per second at each batch size, and its rule.
pub fn run_bench_quantized(args: &BenchQuantizedArgs) -> Result<u8, CliError> {
    crate::engine::ranges::check_batch_sizes(&args.batch_sizes)?;
    let proto = crate::model::latency::bench_mlp(args.width, args.hidden, args.layers);
    let model = OnnxModel::from_proto(PathBuf::from("bench_mlp.onnx"), 0, proto)?;
    let rows = args.batch_sizes.iter().copied().max().unwrap_or(1).max(256);
    // Inputs from the same kind of LCG as the weights: the timing does not depend on them.
    let mut state: u64 = 42;
    let x: Vec<f32> = (0..rows * args.width)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 40) as f32 / (1u64 << 24) as f32 * 4.0 - 2.0
        })
        .collect();
    let data = crate::model::EvalData {
        features: (0..args.width).map(|i| format!("x{i}")).collect(),
        y: (0..rows).map(|i| (i % 2) as f64).collect(),
        rows,
        skipped: 0,
        text: vec![false; args.width],
        x,
    };
    let variants = [
        "fp16",
        "int8-per-tensor",
        "int8-per-channel",
        "int4-per-channel",
        "prune:0.7",
        "neurons:0.5",
    ]
    .iter()
    .map(|s| VariantSpec::parse(s).map_err(CliError))
    .collect::<Result<Vec<_>, _>>()?;
    let params = CompressParams {
        variants,
        batch_sizes: args.batch_sizes.clone(),
        measure_latency: true,
        time_per_point: Duration::from_millis(args.ms as u64),
        metric: Metric::RocAuc,
        x_axis: XAxis::Latency,
        sensitivity: false,
    };
    if cfg!(debug_assertions) {
        eprintln!("warning: this is a debug build; run the benchmark with --release");
    }
    let start = std::time::Instant::now();
    let report = crate::model::compress::compress(&model, &data, &params, &Progress::silent())?;
    println!(
        "bench-quantized: MLP {}-{}×{}-1 ({} parameters), measured on {}",
        args.width, args.hidden, args.layers, model.parameters, report.cpu
    );
    for v in &report.variants {
        let points: Vec<String> = v
            .latency
            .iter()
            .map(|p| {
                format!(
                    "batch {}: p50 {:.1} µs ({:.0} rows/s)",
                    p.batch, p.p50_us, p.rows_per_s
                )
            })
            .collect();
        println!("{:<18} {}", v.name, points.join(" · "));
        println!("{:<18} {}", "", v.latency_rule);
    }
    println!("sweep with timing: {:.1} s", start.elapsed().as_secs_f64());
    Ok(EXIT_OK)
}

//! `sextant compress --model M.onnx --data D --target COL`: what each compression of a model
//! would cost in quality and gain in size and latency, on your own labelled data.
//!
//! JSON contract (keys may be added, never removed): `{"model": {"path", "parameters",
//! "file_bytes", "inputs": [{"name", "shape", "elem_type"}], "outputs", "task", "features",
//! "layers", "trees"}, "metric", "x_axis", "rows", "skipped_rows", "variants": [{"name", "kind",
//! "accuracy", "roc_auc", "log_loss", "f1", "mae", "rmse", "agreement", "packed_bytes",
//! "dense_bytes", "file_bytes", "sparsity", "latency": [{"batch", "p50_us", "p95_us",
//! "per_row_us", "rows_per_s", "estimated"}], "latency_rule"}], "pareto": [names],
//! "sensitivity": [{"layer", "int4_delta", "prune50_delta"}]}`. Metrics that do not apply to the
//! task are null; `kind` is one of original, fp16, quantized, pruned, neuron_pruned, trees,
//! distilled. Latency is measured in the build you run (use a release build): variants that do
//! not change compute in our runtime get `"estimated": true` and their rule in `latency_rule`.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};

use super::{CliError, EXIT_OK, OutputFormat, load_dataset};
use crate::data::RoleMap;
use crate::format::fmt_num;
use crate::model::compress::{CompressParams, Metric, XAxis, compress_with_training};
use crate::model::eval::eval_data;
use crate::model::{OnnxModel, Structure, VariantSpec};
use crate::present::json::to_text;
use crate::present::table::TextTable;
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
    /// Batch sizes to time, comma separated.
    #[arg(long, value_name = "LIST", value_delimiter = ',', default_values_t = [1usize, 8, 32, 128, 1024])]
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
    /// Use at most this many labelled rows (the first ones).
    #[arg(long, value_name = "N")]
    pub rows: Option<usize>,
    /// Skip timing (sizes and metrics only).
    #[arg(long)]
    pub no_latency: bool,
    /// Skip per-layer sensitivity.
    #[arg(long)]
    pub no_sensitivity: bool,
    /// Write every variant as an ONNX file into this directory.
    #[arg(long, value_name = "DIR")]
    pub export: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
}

pub fn run(args: &CompressArgs) -> Result<u8, CliError> {
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
    let renames = super::integrity::parse_renames(&args.rename)?;
    let columns: Vec<String> = ds
        .columns
        .iter()
        .map(|c| renames.reference_name(&c.name).to_string())
        .collect();
    let features = model.resolve_features(&args.features, &columns)?;
    let in_data: Vec<String> = features
        .iter()
        .map(|f| renames.current_name(f).to_string())
        .collect();
    let mut data = eval_data(&ds.frame, &in_data, &target)?;
    data.features = features.clone();
    if let Some(n) = args.rows {
        data = data.head(n.max(1));
    }
    let variants = if args.variants.is_empty() {
        model.default_variants()
    } else {
        args.variants
            .iter()
            .filter(|s| !s.trim().is_empty())
            .map(|s| VariantSpec::parse(s).map_err(|e| CliError(format!("--variants: {e}"))))
            .collect::<Result<_, _>>()?
    };
    if args.batch_sizes.contains(&0) {
        return Err(CliError(
            "--batch-sizes: a batch size must be at least 1".into(),
        ));
    }
    let params = CompressParams {
        variants: variants.clone(),
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
    };
    if cfg!(debug_assertions) && params.measure_latency {
        eprintln!(
            "warning: this is a debug build; latencies are 20-30× slower than a release build"
        );
    }
    let training = match &args.train {
        Some(path) => {
            let t = load_dataset(path)?;
            let mut d = eval_data(&t.frame, &features, &target)
                .map_err(|e| CliError(format!("--train {}: {e}", path.display())))?;
            if let Some(n) = args.rows {
                d = d.head(n.max(1));
            }
            Some(d)
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
            let spec = if v.name == "original" {
                VariantSpec::Original
            } else {
                *variants
                    .iter()
                    .find(|s| s.name(matches!(model.structure, Structure::Trees(_))) == v.name)
                    .unwrap_or(&VariantSpec::Original)
            };
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
        }
    }
    let text = match args.format {
        OutputFormat::Json => {
            to_text(&serde_json::to_value(&report).map_err(|e| CliError(e.to_string()))?)
        }
        OutputFormat::Table => table(&report),
    };
    print!("{text}");
    Ok(EXIT_OK)
}

fn opt(v: Option<f64>) -> String {
    v.map_or_else(|| "–".into(), fmt_num)
}

fn bytes(b: u64) -> String {
    if b >= 10_000 {
        format!("{:.1} KB", b as f64 / 1000.0)
    } else {
        format!("{b} B")
    }
}

/// The report for people.
pub fn table(r: &crate::model::CompressionReport) -> String {
    let mut out = String::new();
    let m = &r.model;
    out.push_str(&format!(
        "Model {} · {} parameters · {} · inputs {}\n",
        m.path,
        m.parameters,
        bytes(m.file_bytes),
        m.inputs
            .iter()
            .map(crate::model::TensorInfo::describe)
            .collect::<Vec<_>>()
            .join(", ")
    ));
    out.push_str(&format!(
        "Evaluated on {} rows ({} skipped for missing values) · features {}\n\n",
        r.rows,
        r.skipped_rows,
        m.features.join(", ")
    ));
    let classification = r.variants.first().is_some_and(|v| v.accuracy.is_some());
    let mut header = vec!["variant", "kind"];
    if classification {
        header.extend(["accuracy", "ROC AUC", "log loss", "F1"]);
    } else {
        header.extend(["MAE", "RMSE"]);
    }
    header.extend(["agreement", "packed", "dense", "file", "pareto"]);
    let right: Vec<bool> = header.iter().enumerate().map(|(i, _)| i >= 2).collect();
    let mut t = TextTable::new(&header, &right);
    for v in &r.variants {
        let mut row = vec![
            v.name.clone(),
            serde_json::to_value(v.kind)
                .ok()
                .and_then(|k| k.as_str().map(str::to_string))
                .unwrap_or_default(),
        ];
        if classification {
            row.extend([opt(v.accuracy), opt(v.roc_auc), opt(v.log_loss), opt(v.f1)]);
        } else {
            row.extend([opt(v.mae), opt(v.rmse)]);
        }
        row.extend([
            format!("{:.2}%", v.agreement * 100.0),
            bytes(v.packed_bytes),
            bytes(v.dense_bytes),
            bytes(v.file_bytes),
            if r.pareto.contains(&v.name) { "*" } else { "" }.to_string(),
        ]);
        t.row(row);
    }
    out.push_str(&t.render());
    if r.variants.iter().any(|v| !v.latency.is_empty()) {
        out.push_str("\nLatency per call, p50 / p95 in µs (e = estimated, see the rules below)\n");
        let batches: Vec<usize> = r.variants[0].latency.iter().map(|p| p.batch).collect();
        let mut header: Vec<String> = vec!["variant".into()];
        header.extend(batches.iter().map(|b| format!("batch {b}")));
        let h: Vec<&str> = header.iter().map(String::as_str).collect();
        let right: Vec<bool> = (0..h.len()).map(|i| i > 0).collect();
        let mut t = TextTable::new(&h, &right);
        for v in &r.variants {
            let mut row = vec![v.name.clone()];
            row.extend(v.latency.iter().map(|p| {
                format!(
                    "{} / {}{}",
                    fmt_num((p.p50_us * 10.0).round() / 10.0),
                    fmt_num((p.p95_us * 10.0).round() / 10.0),
                    if p.estimated { " e" } else { "" }
                )
            }));
            t.row(row);
        }
        out.push_str(&t.render());
        let mut rules: Vec<&str> = r
            .variants
            .iter()
            .filter_map(|v| v.latency_rule.as_deref())
            .collect();
        rules.dedup();
        for rule in rules {
            out.push_str(&format!("  e: {rule}\n"));
        }
    }
    if !r.sensitivity.is_empty() {
        out.push_str(&format!(
            "\nPer-layer sensitivity ({} change with only that layer compressed, worst first)\n",
            r.metric.label()
        ));
        let mut t = TextTable::new(
            &["layer", "int4 per channel", "prune 50%"],
            &[false, true, true],
        );
        for s in &r.sensitivity {
            t.row(vec![
                s.layer.clone(),
                format!("{:+.4}", s.int4_delta),
                format!("{:+.4}", s.prune50_delta),
            ]);
        }
        out.push_str(&t.render());
    }
    out.push_str(&format!(
        "\nPareto frontier ({} vs packed size): {}\n",
        r.metric.label(),
        r.pareto.join(", ")
    ));
    out
}

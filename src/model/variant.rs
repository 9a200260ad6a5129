//! Variants of a model: what each compression does to the ONNX protobuf, its packed size, and
//! the real file that stores it compactly.

use serde::{Deserialize, Serialize};

use crate::analysis::compression::prune::{smallest_magnitudes, unit_importance, units_to_keep};
use crate::analysis::compression::quantize::{self, Granularity, fake_quantize, round_to_f16};
use crate::analysis::compression::size::{self, WeightStorage};

use super::load::{Layer, OnnxModel, Structure, WeightSource};
use super::proto::{self, graph, graph_mut};
use super::trees::TreeEnsemble;
use super::{ModelError, pb};

/// A distillation student.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Student {
    /// Logistic (or linear) regression on the teacher's outputs.
    Logistic,
    /// One hidden layer of 16 ReLU units.
    Mlp,
    /// One regression tree of depth 4.
    Tree,
}

/// One compression to try.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VariantSpec {
    Original,
    /// Weights (or tree thresholds and leaves) rounded to IEEE half precision.
    Fp16,
    /// Symmetric max-abs fake quantization to `bits` bits (tree leaves: per tensor, with fp16
    /// thresholds).
    Int {
        bits: u32,
        granularity: Granularity,
    },
    /// Unstructured magnitude pruning of `percent` % of the weights.
    Prune {
        percent: u32,
        /// One threshold over all layers instead of one per layer.
        global: bool,
        /// Keep the first and the last layer dense.
        keep_ends: bool,
    },
    /// Structured pruning: remove `percent` % of the units of every hidden layer.
    Neurons {
        percent: u32,
    },
    /// The first `count` trees of the ensemble.
    Trees {
        count: usize,
    },
    /// A student trained on the teacher's outputs.
    Distill(Student),
}

/// The family a variant belongs to (the JSON `kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VariantKind {
    Original,
    Fp16,
    Quantized,
    Pruned,
    NeuronPruned,
    Trees,
    Distilled,
}

// Written here rather than beside `OnnxModel` in load.rs: the default sweep is a list of
// variants, and keeping it with them means load.rs never imports this file (which imports it).
impl OnnxModel {
    /// The sweep used when the user names no variants.
    pub fn default_variants(&self) -> Vec<VariantSpec> {
        let v = match &self.structure {
            Structure::Trees(t) => VariantSpec::defaults(Some(t.trees().len()), 0),
            Structure::Layers(l) => VariantSpec::defaults(None, l.len()),
        };
        // Students read every feature as a number; a string input's column cannot be one.
        v.into_iter()
            .filter(|s| !(self.has_text_inputs() && matches!(s, VariantSpec::Distill(_))))
            .collect()
    }
}

impl VariantSpec {
    /// Parse a CLI name: `original`, `fp16`, `int8` (per channel), `int8-per-tensor`,
    /// `int4-per-channel`, `prune:0.5` (or `prune:50%`, `prune-global:0.5`,
    /// `prune-keep-ends:0.5`), `neurons:0.25`, `trees:25`, `distill:logistic` (or `mlp`, `tree`).
    pub fn parse(text: &str) -> Result<VariantSpec, String> {
        let t = text.trim().to_ascii_lowercase();
        let fraction = |v: &str| -> Result<u32, String> {
            let (num, pct) = match v.strip_suffix('%') {
                Some(p) => (p, true),
                None => (v, false),
            };
            let f: f64 = num
                .parse()
                .map_err(|_| format!("\"{text}\": {v} is not a fraction like 0.5 or 50%"))?;
            let p = if pct || f > 1.0 { f } else { f * 100.0 };
            if !(0.0..=99.0).contains(&p) {
                return Err(format!(
                    "\"{text}\": the fraction must be between 0 and 99 %"
                ));
            }
            Ok(p.round() as u32)
        };
        let int = |bits: u32, rest: &str| match rest {
            "" | "-per-channel" => Ok(VariantSpec::Int {
                bits,
                granularity: Granularity::PerChannel,
            }),
            "-per-tensor" => Ok(VariantSpec::Int {
                bits,
                granularity: Granularity::PerTensor,
            }),
            _ => Err(format!("unknown variant \"{text}\"")),
        };
        if let Some((head, value)) = t.split_once([':', '=']) {
            return match head {
                "prune" => Ok(VariantSpec::Prune {
                    percent: fraction(value)?,
                    global: false,
                    keep_ends: false,
                }),
                "prune-global" => Ok(VariantSpec::Prune {
                    percent: fraction(value)?,
                    global: true,
                    keep_ends: false,
                }),
                "prune-keep-ends" => Ok(VariantSpec::Prune {
                    percent: fraction(value)?,
                    global: false,
                    keep_ends: true,
                }),
                "neurons" => Ok(VariantSpec::Neurons {
                    percent: fraction(value)?,
                }),
                "trees" => value
                    .parse::<usize>()
                    .ok()
                    .filter(|&n| n > 0)
                    .map(|count| VariantSpec::Trees { count })
                    .ok_or_else(|| format!("\"{text}\": trees:K needs a tree count K ≥ 1")),
                "distill" => match value {
                    "logistic" | "logreg" | "linear" => Ok(VariantSpec::Distill(Student::Logistic)),
                    "mlp" => Ok(VariantSpec::Distill(Student::Mlp)),
                    "tree" => Ok(VariantSpec::Distill(Student::Tree)),
                    _ => Err(format!(
                        "\"{text}\": students are distill:logistic, distill:mlp and distill:tree"
                    )),
                },
                _ => Err(format!("unknown variant \"{text}\"")),
            };
        }
        match t.as_str() {
            "original" => Ok(VariantSpec::Original),
            "fp16" => Ok(VariantSpec::Fp16),
            _ => {
                if let Some(rest) = t.strip_prefix("int8") {
                    int(8, rest)
                } else if let Some(rest) = t.strip_prefix("int4") {
                    int(4, rest)
                } else {
                    Err(format!(
                        "unknown variant \"{text}\" (try fp16, int8, int4-per-tensor, prune:0.5, neurons:0.25, trees:25, distill:mlp)"
                    ))
                }
            }
        }
    }

    /// The name shown everywhere: `int8-per-channel`, `prune-50%`, `trees-25`, ….
    pub fn name(&self, trees: bool) -> String {
        match self {
            VariantSpec::Original => "original".into(),
            VariantSpec::Fp16 => "fp16".into(),
            VariantSpec::Int { bits, .. } if trees => format!("int{bits}-leaves"),
            VariantSpec::Int { bits, granularity } => format!(
                "int{bits}-{}",
                match granularity {
                    Granularity::PerTensor => "per-tensor",
                    Granularity::PerChannel => "per-channel",
                }
            ),
            VariantSpec::Prune {
                percent,
                global,
                keep_ends,
            } => format!(
                "prune-{percent}%{}{}",
                if *global { "-global" } else { "" },
                if *keep_ends { "-keep-ends" } else { "" }
            ),
            VariantSpec::Neurons { percent } => format!("neurons-{percent}%"),
            VariantSpec::Trees { count } => format!("trees-{count}"),
            VariantSpec::Distill(Student::Logistic) => "distill-logistic".into(),
            VariantSpec::Distill(Student::Mlp) => "distill-mlp".into(),
            VariantSpec::Distill(Student::Tree) => "distill-tree".into(),
        }
    }

    pub fn kind(&self) -> VariantKind {
        match self {
            VariantSpec::Original => VariantKind::Original,
            VariantSpec::Fp16 => VariantKind::Fp16,
            VariantSpec::Int { .. } => VariantKind::Quantized,
            VariantSpec::Prune { .. } => VariantKind::Pruned,
            VariantSpec::Neurons { .. } => VariantKind::NeuronPruned,
            VariantSpec::Trees { .. } => VariantKind::Trees,
            VariantSpec::Distill(_) => VariantKind::Distilled,
        }
    }

    /// The default sweep for a model: `trees` is the tree count of a tree ensemble, `layers`
    /// the number of dense layers (a graph without any only gets students; neuron pruning needs
    /// a hidden layer).
    pub fn defaults(trees: Option<usize>, layers: usize) -> Vec<VariantSpec> {
        if trees.is_none() && layers == 0 {
            return std::iter::once(VariantSpec::Original)
                .chain([Student::Logistic, Student::Mlp, Student::Tree].map(VariantSpec::Distill))
                .collect();
        }
        let mut v = vec![
            VariantSpec::Original,
            VariantSpec::Fp16,
            VariantSpec::Int {
                bits: 8,
                granularity: Granularity::PerTensor,
            },
        ];
        match trees {
            Some(n) => {
                v.push(VariantSpec::Int {
                    bits: 4,
                    granularity: Granularity::PerTensor,
                });
                for f in [4, 2] {
                    if n / f >= 1 {
                        v.push(VariantSpec::Trees { count: n / f });
                    }
                }
            }
            None => {
                v.push(VariantSpec::Int {
                    bits: 8,
                    granularity: Granularity::PerChannel,
                });
                v.push(VariantSpec::Int {
                    bits: 4,
                    granularity: Granularity::PerChannel,
                });
                for percent in [30, 50, 70] {
                    v.push(VariantSpec::Prune {
                        percent,
                        global: false,
                        keep_ends: false,
                    });
                }
                if layers >= 2 {
                    v.push(VariantSpec::Neurons { percent: 25 });
                    v.push(VariantSpec::Neurons { percent: 50 });
                }
            }
        }
        v.extend([Student::Logistic, Student::Mlp, Student::Tree].map(VariantSpec::Distill));
        v
    }
}

/// A variant ready to evaluate.
#[derive(Debug, Clone)]
pub struct Built {
    pub spec: VariantSpec,
    pub name: String,
    /// The model as simulated: f32 weights (fake-quantized, pruned or shrunk).
    pub proto: pb::ModelProto,
    /// The edited trees, for tree models.
    pub trees: Option<TreeEnsemble>,
    /// The same variant with compact storage (int8 + DequantizeLinear, fp16 + Cast).
    pub export: pb::ModelProto,
    /// Packed size by the formula of `analysis::compression::size`.
    pub packed_bytes: u64,
    /// The same without sparse layouts (what dense storage costs).
    pub dense_bytes: u64,
    /// Share of weights that are zero.
    pub sparsity: f64,
    /// The graph that is timed when it is not `proto`: a quantized variant's integer graph
    /// ([`export_integer`]), an fp16 variant's file (fp16 initializers cast at load).
    pub timed: Option<pb::ModelProto>,
    /// How the latency is measured, in words (the rule printed beside the variant).
    pub timing: String,
    /// `timed` runs (some) layers on integer kernels, so its predictions differ from the
    /// simulation by the activations' quantization and are checked against it.
    pub integer: bool,
}

/// The rule for a variant timed as the graph it is.
pub const TIMED_AS_IS: &str = "measured: the graph as it is, timed in tract";
/// The rule for tree ensembles.
pub const TIMED_TREES: &str = "measured: the edited trees walked by Sextant's evaluator";

/// The floats of a node attribute.
fn attribute_floats(g: &pb::GraphProto, node: usize, name: &str) -> Result<Vec<f32>, ModelError> {
    g.node
        .get(node)
        .and_then(|n| proto::attribute(n, name))
        .map(|a| a.floats.clone())
        .ok_or_else(|| ModelError::Invalid(format!("the model has no attribute {name}")))
}

fn set_attribute_floats(
    g: &mut pb::GraphProto,
    node: usize,
    name: &str,
    values: Vec<f32>,
) -> Result<(), ModelError> {
    let a = g
        .node
        .get_mut(node)
        .and_then(|n| n.attribute.iter_mut().find(|a| a.name == name))
        .ok_or_else(|| ModelError::Invalid(format!("the model has no attribute {name}")))?;
    a.floats = values;
    Ok(())
}

/// A layer's bias.
fn read_bias(g: &pb::GraphProto, layer: &Layer) -> Result<Option<Vec<f32>>, ModelError> {
    let Some(name) = &layer.bias else {
        return Ok(None);
    };
    match layer.source {
        WeightSource::Attribute { node } => attribute_floats(g, node, name).map(Some),
        WeightSource::Initializer => proto::initializer(g, name).map(proto::floats).transpose(),
    }
}

/// A layer's weight as `[in, out]` row-major f32.
pub fn read_weight(g: &pb::GraphProto, layer: &Layer) -> Result<Vec<f32>, ModelError> {
    if let WeightSource::Attribute { node } = layer.source {
        let w = attribute_floats(g, node, &layer.weight)?;
        return Ok(transpose(&w, layer.cols, layer.rows));
    }
    let t = proto::initializer(g, &layer.weight)
        .ok_or_else(|| ModelError::Invalid(format!("the model has no weight {}", layer.weight)))?;
    let w = proto::floats(t)?;
    Ok(if layer.transposed {
        transpose(&w, layer.cols, layer.rows)
    } else {
        w
    })
}

/// Write a layer's `[rows, cols]` weight back in its stored layout.
fn write_weight(
    g: &mut pb::GraphProto,
    layer: &Layer,
    w: &[f32],
    rows: usize,
    cols: usize,
) -> Result<(), ModelError> {
    if let WeightSource::Attribute { node } = layer.source {
        return set_attribute_floats(g, node, &layer.weight, transpose(w, rows, cols));
    }
    let t = proto::initializer_mut(g, &layer.weight)?;
    if layer.transposed {
        proto::set_floats(t, &transpose(w, rows, cols), &[cols as i64, rows as i64]);
    } else {
        proto::set_floats(t, w, &[rows as i64, cols as i64]);
    }
    Ok(())
}

/// Transpose a row-major `[rows, cols]` matrix.
fn transpose(w: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    let mut out = vec![0.0; w.len()];
    for r in 0..rows {
        for c in 0..cols {
            out[c * rows + r] = w[r * cols + c];
        }
    }
    out
}

/// Build a variant of `model`.
pub fn build(model: &OnnxModel, spec: VariantSpec) -> Result<Built, ModelError> {
    match &model.structure {
        Structure::Trees(t) => build_trees(model, t, spec),
        Structure::Layers(layers) => build_layers(model, layers, spec, None),
    }
}

/// Apply a quantization or pruning to layer `only` alone (per-layer sensitivity).
pub fn build_one_layer(
    model: &OnnxModel,
    spec: VariantSpec,
    only: usize,
) -> Result<Built, ModelError> {
    match &model.structure {
        Structure::Layers(layers) => build_layers(model, layers, spec, Some(only)),
        Structure::Trees(_) => Err(ModelError::Invalid(
            "per-layer sensitivity applies to models with dense layers".into(),
        )),
    }
}

fn build_trees(
    model: &OnnxModel,
    original: &TreeEnsemble,
    spec: VariantSpec,
) -> Result<Built, ModelError> {
    let mut t = original.clone();
    let (mut threshold_bits, mut leaf_bits) = (32, 32);
    // The evaluator walks f32 thresholds and leaves whatever their stored precision, so the
    // rounded trees are timed as they run here.
    let mut timing = TIMED_TREES.to_string();
    match spec {
        VariantSpec::Original => {}
        VariantSpec::Fp16 => {
            t.map_thresholds(|v| half::f16::from_f32(v).to_f32());
            round_to_f16(&mut t.leaf_weight);
            (threshold_bits, leaf_bits) = (16, 16);
            timing.push_str(" (values rounded to fp16, walked as f32)");
        }
        VariantSpec::Int { bits, .. } => {
            t.map_thresholds(|v| half::f16::from_f32(v).to_f32());
            fake_quantize(&mut t.leaf_weight, 1, bits, Granularity::PerTensor);
            (threshold_bits, leaf_bits) = (16, bits);
            timing.push_str(&format!(
                " (fp16 thresholds, int{bits} leaves, walked as f32)"
            ));
        }
        VariantSpec::Trees { count } => t.truncate(count),
        VariantSpec::Prune { .. } | VariantSpec::Neurons { .. } => {
            return Err(ModelError::Invalid(format!(
                "{} applies to models with dense layers, and {} is a tree ensemble",
                spec.name(false),
                model.name()
            )));
        }
        VariantSpec::Distill(_) => {
            return Err(ModelError::Invalid(
                "students are built by the sweep, not as an edit of the model".into(),
            ));
        }
    }
    let mut proto = model.proto.clone();
    t.write_into(&mut proto)?;
    let (internal, leaves) = t.counts();
    let width = model.width().unwrap_or(1);
    let packed = size::tree_bytes(internal, leaves, width, threshold_bits, leaf_bits)
        + 4 * t.base_values.len() as u64;
    Ok(Built {
        spec,
        name: spec.name(true),
        export: proto.clone(),
        proto,
        trees: Some(t),
        packed_bytes: packed,
        dense_bytes: packed,
        sparsity: 0.0,
        timed: None,
        timing,
        integer: false,
    })
}

fn build_layers(
    model: &OnnxModel,
    layers: &[Layer],
    spec: VariantSpec,
    only: Option<usize>,
) -> Result<Built, ModelError> {
    if layers.is_empty() && spec != VariantSpec::Original {
        return Err(ModelError::Invalid(format!(
            "{} has no dense layers (MatMul or Gemm with weight initializers) to compress",
            model.name()
        )));
    }
    let g = graph(&model.proto)?;
    let mut weights: Vec<Vec<f32>> = layers
        .iter()
        .map(|l| read_weight(g, l))
        .collect::<Result<_, _>>()?;
    let mut dims: Vec<(usize, usize)> = layers.iter().map(|l| (l.rows, l.cols)).collect();
    let mut biases: Vec<Option<Vec<f32>>> = layers
        .iter()
        .map(|l| read_bias(g, l))
        .collect::<Result<_, _>>()?;
    let mut proto = model.proto.clone();
    let mut bits = 32;
    let mut granularity = None;
    let mut quantized: Vec<quantize::Quantized> = Vec::new();
    let mut shrunk = false;
    match spec {
        VariantSpec::Original => {}
        VariantSpec::Fp16 => {
            weights.iter_mut().for_each(|w| round_to_f16(w));
            bits = 16;
        }
        VariantSpec::Int {
            bits: b,
            granularity: gr,
        } => {
            for (w, (_, cols)) in weights.iter_mut().zip(&dims) {
                let q = quantize::quantize(w, *cols, b, gr);
                *w = q.dequantize();
                quantized.push(q);
            }
            bits = b;
            granularity = Some(gr);
        }
        VariantSpec::Prune {
            percent,
            global,
            keep_ends,
        } => {
            let n = weights.len();
            let chosen: Vec<usize> = (0..n)
                .filter(|&i| !(keep_ends && n > 1 && (i == 0 || i == n - 1)))
                .collect();
            let fraction = f64::from(percent) / 100.0;
            if global {
                let views: Vec<&[f32]> = chosen.iter().map(|&i| weights[i].as_slice()).collect();
                let picked = smallest_magnitudes(&views, fraction);
                for (t, i) in picked {
                    weights[chosen[t]][i] = 0.0;
                }
            } else {
                for &i in &chosen {
                    crate::analysis::compression::prune::prune_tensor(&mut weights[i], fraction);
                }
            }
        }
        VariantSpec::Neurons { percent } => {
            let fraction = f64::from(percent) / 100.0;
            for l in 0..weights.len().saturating_sub(1) {
                let (rows, h) = dims[l];
                let (h2, out) = dims[l + 1];
                if h != h2 {
                    continue;
                }
                let imp = unit_importance(&weights[l], h, &weights[l + 1], out);
                let keep = units_to_keep(&imp, fraction);
                weights[l] = (0..rows)
                    .flat_map(|r| keep.iter().map(move |&c| (r, c)))
                    .map(|(r, c)| weights[l][r * h + c])
                    .collect();
                weights[l + 1] = keep
                    .iter()
                    .flat_map(|&r| weights[l + 1][r * out..(r + 1) * out].to_vec())
                    .collect();
                if let Some(b) = &mut biases[l] {
                    *b = keep.iter().map(|&c| b[c]).collect();
                }
                dims[l] = (rows, keep.len());
                dims[l + 1] = (keep.len(), out);
            }
            shrunk = true;
        }
        VariantSpec::Trees { .. } => {
            return Err(ModelError::Invalid(format!(
                "{} applies to tree ensembles, and {} has dense layers",
                spec.name(false),
                model.name()
            )));
        }
        VariantSpec::Distill(_) => {
            return Err(ModelError::Invalid(
                "students are built by the sweep, not as an edit of the model".into(),
            ));
        }
    }
    if let Some(k) = only {
        let g = graph(&model.proto)?;
        for (i, l) in layers.iter().enumerate() {
            if i != k {
                weights[i] = read_weight(g, l)?;
            }
        }
        quantized.clear();
    }
    {
        let g = graph_mut(&mut proto)?;
        for (i, l) in layers.iter().enumerate() {
            write_weight(g, l, &weights[i], dims[i].0, dims[i].1)?;
            if let (Some(name), Some(b), WeightSource::Attribute { node }) =
                (&l.bias, &biases[i], l.source)
            {
                set_attribute_floats(g, node, name, b.clone())?;
            } else if let (Some(name), Some(b)) = (&l.bias, &biases[i]) {
                let t = proto::initializer_mut(g, name)?;
                let shape: Vec<i64> = if t.dims.len() == 2 {
                    vec![1, b.len() as i64]
                } else {
                    vec![b.len() as i64]
                };
                proto::set_floats(t, b, &shape);
            }
        }
        if shrunk {
            // Shapes changed: let the runtime infer them again.
            g.value_info.clear();
        }
    }
    let storage: Vec<WeightStorage> = weights
        .iter()
        .zip(&dims)
        .map(|(w, &(rows, cols))| WeightStorage {
            rows,
            cols,
            nnz: w.iter().filter(|v| **v != 0.0).count(),
            bits,
            granularity,
        })
        .collect();
    let numel: usize = weights.iter().map(Vec::len).sum();
    let zeros: usize = weights
        .iter()
        .map(|w| w.iter().filter(|v| **v == 0.0).count())
        .sum();
    let sparsity = if numel == 0 {
        0.0
    } else {
        zeros as f64 / numel as f64
    };
    let bias_count: usize = biases.iter().flatten().map(Vec::len).sum();
    let packed = size::layered_bytes(&storage, bias_count);
    let dense = size::layered_dense_bytes(&storage, bias_count);
    let export = match spec {
        VariantSpec::Fp16 if only.is_none() => export_fp16(&proto, layers, &weights, &dims)?,
        VariantSpec::Int { granularity, .. } if only.is_none() => {
            export_int8(&proto, layers, &quantized, &dims, granularity)?
        }
        _ => proto.clone(),
    };
    let (timed, timing, integer) = match spec {
        // tract folds the Cast of constant fp16 weights at load, so the file runs at fp32
        // speed here; timing it shows that rather than assuming it.
        VariantSpec::Fp16 if only.is_none() => (
            Some(export.clone()),
            "measured: the fp16 file timed in tract, which folds the Cast of its fp16 weights into fp32 weights when it optimises the graph, so it runs at fp32 speed here".to_string(),
            false,
        ),
        VariantSpec::Int { bits: b, .. } if only.is_none() => {
            let (graph, n) = export_integer(&proto, layers, &quantized, &dims)?;
            let int4 = if b < 8 {
                format!("; int{b} values held in int8, as no {b}-bit matrix kernel exists here")
            } else {
                String::new()
            };
            match n {
                0 => (
                    None,
                    format!("measured: the fp32 graph holding the int{b} values, as no layer's weight can feed an integer operator here (weights in ai.onnx.ml attributes, or read by several nodes), so it runs at fp32 speed here"),
                    false,
                ),
                n => (
                    Some(graph),
                    format!(
                        "measured: the integer graph timed in tract (DynamicQuantizeLinear to u8 activations, MatMulInteger u8 × i8 into i32, rescaled to float) on {n} of {} layers{int4}",
                        layers.len()
                    ),
                    true,
                ),
            }
        }
        VariantSpec::Prune { .. } => (
            None,
            "measured: the pruned graph timed dense in tract (it has no sparse kernels; the zeros are multiplied)".to_string(),
            false,
        ),
        VariantSpec::Neurons { .. } => (
            None,
            "measured: the smaller graph (units removed) timed in tract".to_string(),
            false,
        ),
        _ => (None, TIMED_AS_IS.to_string(), false),
    };
    Ok(Built {
        spec,
        name: spec.name(false),
        proto,
        trees: None,
        export,
        packed_bytes: packed,
        dense_bytes: dense,
        sparsity,
        timed,
        timing,
        integer,
    })
}

/// Replace initializer `name` by `node`'s output, computed from new initializers, placing the
/// node first in the graph.
fn replace_with_node(
    g: &mut pb::GraphProto,
    name: &str,
    node: pb::NodeProto,
    new: Vec<pb::TensorProto>,
) {
    g.initializer.retain(|t| t.name != name);
    g.input.retain(|v| v.name != name);
    g.initializer.extend(new);
    g.node.insert(0, node);
}

fn stored_dims(layer: &Layer, rows: usize, cols: usize) -> Vec<i64> {
    if layer.transposed {
        vec![cols as i64, rows as i64]
    } else {
        vec![rows as i64, cols as i64]
    }
}

/// fp16 initializers and a `Cast` to float for each layer weight.
fn export_fp16(
    proto: &pb::ModelProto,
    layers: &[Layer],
    weights: &[Vec<f32>],
    dims: &[(usize, usize)],
) -> Result<pb::ModelProto, ModelError> {
    let mut out = proto.clone();
    let g = graph_mut(&mut out)?;
    for (i, l) in layers.iter().enumerate() {
        if l.source != WeightSource::Initializer {
            // Attributes have no compact type: the rounded values stay in float attributes.
            continue;
        }
        let (rows, cols) = dims[i];
        let stored = if l.transposed {
            transpose(&weights[i], rows, cols)
        } else {
            weights[i].clone()
        };
        let raw: Vec<u8> = stored
            .iter()
            .flat_map(|v| half::f16::from_f32(*v).to_le_bytes())
            .collect();
        let half_name = format!("{}_fp16", l.weight);
        let node = pb::NodeProto {
            op_type: "Cast".into(),
            name: format!("{}_cast", l.weight),
            input: vec![half_name.clone()],
            output: vec![l.weight.clone()],
            attribute: vec![proto::int_attribute("to", i64::from(proto::FLOAT))],
            ..Default::default()
        };
        let t = proto::tensor(&half_name, proto::FLOAT16, &stored_dims(l, rows, cols), raw);
        replace_with_node(g, &l.weight.clone(), node, vec![t]);
    }
    Ok(out)
}

/// int8 initializers, their scales and a `DequantizeLinear` for each layer weight (int4 values
/// are stored in int8: ONNX INT4 needs opset 21, which the runtime does not read).
fn export_int8(
    proto: &pb::ModelProto,
    layers: &[Layer],
    quantized: &[quantize::Quantized],
    dims: &[(usize, usize)],
    granularity: Granularity,
) -> Result<pb::ModelProto, ModelError> {
    let mut out = proto.clone();
    at_least_opset_13(&mut out);
    let g = graph_mut(&mut out)?;
    for (i, l) in layers.iter().enumerate() {
        if l.source != WeightSource::Initializer {
            continue;
        }
        let (rows, cols) = dims[i];
        let q = &quantized[i];
        let stored: Vec<i8> = if l.transposed {
            let mut t = vec![0i8; q.q.len()];
            for r in 0..rows {
                for c in 0..cols {
                    t[c * rows + r] = q.q[r * cols + c];
                }
            }
            t
        } else {
            q.q.clone()
        };
        let q_name = format!("{}_q", l.weight);
        let s_name = format!("{}_scale", l.weight);
        let scale_dims: Vec<i64> = match granularity {
            Granularity::PerTensor => vec![],
            Granularity::PerChannel => vec![q.scales.len() as i64],
        };
        let mut attrs = Vec::new();
        if granularity == Granularity::PerChannel {
            attrs.push(proto::int_attribute(
                "axis",
                if l.transposed { 0 } else { 1 },
            ));
        }
        let node = pb::NodeProto {
            op_type: "DequantizeLinear".into(),
            name: format!("{}_dequantize", l.weight),
            input: vec![q_name.clone(), s_name.clone()],
            output: vec![l.weight.clone()],
            attribute: attrs,
            ..Default::default()
        };
        let tensors = vec![
            proto::tensor(
                &q_name,
                proto::INT8,
                &stored_dims(l, rows, cols),
                stored.iter().map(|v| v.to_le_bytes()[0]).collect(),
            ),
            proto::tensor(
                &s_name,
                proto::FLOAT,
                &scale_dims,
                q.scales.iter().flat_map(|v| v.to_le_bytes()).collect(),
            ),
        ];
        replace_with_node(g, &l.weight.clone(), node, tensors);
    }
    Ok(out)
}

/// Opset 13 at least: per-axis DequantizeLinear needs it, and it has DynamicQuantizeLinear
/// (11) and MatMulInteger (10).
fn at_least_opset_13(out: &mut pb::ModelProto) {
    for o in &mut out.opset_import {
        if (o.domain.is_empty() || o.domain == "ai.onnx") && o.version < 13 {
            o.version = 13;
        }
    }
}

/// A float attribute, or `default`.
fn attr_float(node: &pb::NodeProto, name: &str, default: f32) -> f32 {
    proto::attribute(node, name).map_or(default, |a| a.f)
}

/// The quantized variant as a graph that runs on integer kernels, in the pattern of
/// onnxruntime's `quantize_dynamic`: each dense layer's input is quantized to u8 per call
/// (`DynamicQuantizeLinear`: scale = (max(0, x) − min(0, x)) / 255 over the whole batch),
/// multiplied with the int8 weight by `MatMulInteger` (u8 × i8 → i32 accumulators), and the
/// product turned back to float by the activation scale × the weight scale (one per tensor or
/// per output column, a Gemm's alpha folded in), then the bias added. int4 values travel in
/// int8 tensors: there is no 4-bit matrix kernel to run them on.
///
/// A layer that cannot be rewritten keeps its fp32 simulated weight: weights in `ai.onnx.ml`
/// attributes (no integer operator reads them), a weight read by more than one node, a Gemm
/// whose beta-scaled C is not an initializer. Returns the graph and how many layers run on
/// integer kernels.
pub fn export_integer(
    proto: &pb::ModelProto,
    layers: &[Layer],
    quantized: &[quantize::Quantized],
    dims: &[(usize, usize)],
) -> Result<(pb::ModelProto, usize), ModelError> {
    let mut out = proto.clone();
    at_least_opset_13(&mut out);
    let g = graph_mut(&mut out)?;
    let mut rewritten = 0;
    for (i, l) in layers.iter().enumerate() {
        if l.source != WeightSource::Initializer {
            continue;
        }
        let (Some(q), Some(&(rows, cols))) = (quantized.get(i), dims.get(i)) else {
            continue;
        };
        if q.q.len() != rows * cols {
            continue;
        }
        let users: Vec<usize> = g
            .node
            .iter()
            .enumerate()
            .filter(|(_, n)| n.input.contains(&l.weight))
            .map(|(p, _)| p)
            .collect();
        let [pos] = users[..] else { continue };
        let node = g.node[pos].clone();
        let gemm = match node.op_type.as_str() {
            "MatMul" => false,
            "Gemm" if proto::attr_int(&node, "transA", 0) == 0 => true,
            _ => continue,
        };
        if node.input.get(1) != Some(&l.weight) || node.input.is_empty() || node.output.is_empty() {
            continue;
        }
        let (alpha, beta) = if gemm {
            (
                attr_float(&node, "alpha", 1.0),
                attr_float(&node, "beta", 1.0),
            )
        } else {
            (1.0, 1.0)
        };
        let p = format!("{}_int", l.weight);
        let mut tensors = Vec::new();
        // Gemm's bias: C as it is, or beta × C as a new initializer.
        let bias = match node.input.get(2).filter(|c| gemm && !c.is_empty()) {
            None => None,
            Some(c) if beta == 1.0 => Some(c.clone()),
            Some(c) => {
                let Some(t) = proto::initializer(g, c) else {
                    continue;
                };
                let values: Vec<f32> = proto::floats(t)?.iter().map(|v| v * beta).collect();
                let name = format!("{p}_bias");
                tensors.push(proto::tensor(
                    &name,
                    proto::FLOAT,
                    &t.dims,
                    values.iter().flat_map(|v| v.to_le_bytes()).collect(),
                ));
                Some(name)
            }
        };
        // q.q is row-major [in, out] whatever the stored layout: MatMulInteger's B as is.
        let q_name = format!("{p}_weight");
        let s_name = format!("{p}_weight_scale");
        tensors.push(proto::tensor(
            &q_name,
            proto::INT8,
            &[rows as i64, cols as i64],
            q.q.iter().map(|v| v.to_le_bytes()[0]).collect(),
        ));
        let scale_dims: Vec<i64> = if q.scales.len() == 1 {
            vec![]
        } else {
            vec![q.scales.len() as i64]
        };
        tensors.push(proto::tensor(
            &s_name,
            proto::FLOAT,
            &scale_dims,
            q.scales
                .iter()
                .flat_map(|v| (v * alpha).to_le_bytes())
                .collect(),
        ));
        let y = node.output[0].clone();
        let scaled = if bias.is_some() {
            format!("{p}_scaled")
        } else {
            y.clone()
        };
        let op = |op: &str, name: &str, input: Vec<String>, output: Vec<String>| pb::NodeProto {
            op_type: op.into(),
            name: format!("{p}_{name}"),
            input,
            output,
            ..Default::default()
        };
        let (xq, xs, xz) = (format!("{p}_xq"), format!("{p}_xs"), format!("{p}_xz"));
        let mut nodes = vec![
            op(
                "DynamicQuantizeLinear",
                "quantize_input",
                vec![node.input[0].clone()],
                vec![xq.clone(), xs.clone(), xz.clone()],
            ),
            op(
                "MatMulInteger",
                "matmul",
                vec![xq, q_name, xz],
                vec![format!("{p}_acc")],
            ),
            pb::NodeProto {
                attribute: vec![proto::int_attribute("to", i64::from(proto::FLOAT))],
                ..op(
                    "Cast",
                    "to_float",
                    vec![format!("{p}_acc")],
                    vec![format!("{p}_accf")],
                )
            },
            op("Mul", "scale", vec![xs, s_name], vec![format!("{p}_scale")]),
            op(
                "Mul",
                "rescale",
                vec![format!("{p}_accf"), format!("{p}_scale")],
                vec![scaled.clone()],
            ),
        ];
        if let Some(b) = bias {
            nodes.push(op("Add", "bias", vec![scaled, b], vec![y]));
        }
        g.node.splice(pos..=pos, nodes);
        g.initializer.retain(|t| t.name != l.weight);
        g.input.retain(|v| v.name != l.weight);
        g.initializer.extend(tensors);
        rewritten += 1;
    }
    Ok((out, rewritten))
}

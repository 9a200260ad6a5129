//! Quantized variants as integer graphs (DynamicQuantizeLinear → MatMulInteger → rescale):
//! tract loads and runs them at every batch size, their outputs equal the integer arithmetic
//! done by hand and onnxruntime's on the same graph
//! (tests/golden/compress/integer_outputs.json, written by make_integer.py), they stay within
//! the stated tolerance of the simulated quantization, and every variant's latency is measured.

use std::path::PathBuf;

use serde_json::Value;
use sextant::data::{Dataset, LoadOptions};
use sextant::jobs::Progress;
use sextant::model::compress::{CompressParams, INTEGER_TOLERANCE, compress};
use sextant::model::eval::{EvalData, Runner, eval_data, predict_all};
use sextant::model::variant::build;
use sextant::model::{OnnxModel, VariantSpec, pb, proto};

const ROWS: usize = 2000;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn mlp() -> OnnxModel {
    OnnxModel::load(&root().join("sample_data/credit_mlp.onnx")).expect("model loads")
}

fn rows(m: &OnnxModel, n: usize) -> EvalData {
    let ds = Dataset::load(
        &root().join("sample_data/credit_training.parquet"),
        &LoadOptions::default(),
        &Progress::silent(),
    )
    .expect("training data loads");
    let columns: Vec<String> = ds.columns.iter().map(|c| c.name.clone()).collect();
    let features = m.resolve_features(&[], &columns).expect("features");
    eval_data(&ds.frame, &features, "defaulted")
        .expect("eval data")
        .head(n)
}

fn integer_graph(m: &OnnxModel, spec: &str) -> pb::ModelProto {
    let b = build(m, VariantSpec::parse(spec).expect("spec")).expect("builds");
    assert!(b.integer, "{spec} has an integer graph");
    assert!(b.timing.contains("MatMulInteger"), "{}", b.timing);
    b.timed.expect("integer graph")
}

fn floats(g: &pb::GraphProto, name: &str) -> Vec<f32> {
    proto::floats(proto::initializer(g, name).unwrap_or_else(|| panic!("{name}"))).expect(name)
}

fn int8s(g: &pb::GraphProto, name: &str) -> Vec<i8> {
    let t = proto::initializer(g, name).unwrap_or_else(|| panic!("{name}"));
    assert_eq!(t.data_type, proto::INT8);
    t.raw_data.iter().map(|b| *b as i8).collect()
}

/// The integer arithmetic of the graph written out for the sample MLP: standardise, then per
/// layer DynamicQuantizeLinear over the whole batch (ONNX's definition: range widened to hold
/// 0, scale = range / 255, zero point and values rounded half to even), the i32 dot products of
/// (x_q − zero point) and the int8 weight, × activation scale × weight scale, + bias; Relu
/// between layers, Sigmoid at the end.
fn by_hand(g: &pb::GraphProto, x: &[f32], width: usize) -> Vec<f64> {
    let n = x.len() / width;
    let (mean, inv_std) = (floats(g, "mean"), floats(g, "inv_std"));
    let mut h: Vec<f32> = x
        .iter()
        .enumerate()
        .map(|(i, v)| (v - mean[i % width]) * inv_std[i % width])
        .collect();
    let mut k = width;
    for layer in 0..3 {
        let w = int8s(g, &format!("W{layer}_int_weight"));
        let ws = floats(g, &format!("W{layer}_int_weight_scale"));
        let b = floats(g, &format!("B{layer}"));
        let out = w.len() / k;
        let (lo, hi) = h
            .iter()
            .fold((0f32, 0f32), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
        let scale = (hi - lo) / 255.0;
        let zp = (-lo / scale).round_ties_even().clamp(0.0, 255.0) as i32;
        let q: Vec<i32> = h
            .iter()
            .map(|v| (((v / scale).round_ties_even() as i32) + zp).clamp(0, 255))
            .collect();
        let mut next = vec![0f32; n * out];
        for r in 0..n {
            for c in 0..out {
                let acc: i32 = (0..k)
                    .map(|j| (q[r * k + j] - zp) * i32::from(w[j * out + c]))
                    .sum();
                let s = if ws.len() == 1 { ws[0] } else { ws[c] };
                let z = acc as f32 * (scale * s) + b[c];
                next[r * out + c] = if layer < 2 { z.max(0.0) } else { z };
            }
        }
        h = next;
        k = out;
    }
    h.iter()
        .map(|z| 1.0 / (1.0 + f64::from(-*z).exp()))
        .collect()
}

fn worst(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

#[test]
fn tract_loads_and_runs_the_integer_operators_at_every_batch_size() {
    let m = mlp();
    let data = rows(&m, 300);
    for spec in [
        "int8-per-tensor",
        "int8-per-channel",
        "int4-per-tensor",
        "int4-per-channel",
    ] {
        let graph = integer_graph(&m, spec);
        let g = proto::graph(&graph).expect("graph");
        let ops: Vec<&str> = g.node.iter().map(|n| n.op_type.as_str()).collect();
        assert_eq!(
            ops.iter().filter(|o| **o == "MatMulInteger").count(),
            3,
            "{spec}: {ops:?}"
        );
        assert_eq!(ops.iter().filter(|o| **o == "MatMul").count(), 0, "{spec}");
        for batch in [1, 8, 33, 300] {
            let runner = Runner::new(&m, &graph, None, batch, data.width()).expect("plan");
            let x = sextant::model::latency::batch_rows(&data.x, data.width(), batch);
            let p = runner.run(&x).expect("runs");
            assert_eq!(p.len(), batch);
            let exact = by_hand(g, &x, data.width());
            let w = worst(&p, &exact);
            assert!(
                w < 1e-5,
                "{spec} batch {batch}: max |Δ| {w} against the integer arithmetic"
            );
        }
    }
}

#[test]
fn integer_graphs_stay_within_the_tolerance_of_the_simulation() {
    let m = mlp();
    let data = rows(&m, ROWS);
    for spec in ["int8-per-tensor", "int8-per-channel"] {
        let b = build(&m, VariantSpec::parse(spec).expect("spec")).expect("builds");
        let simulated = predict_all(&m, &b.proto, None, &data).expect("simulated");
        let integer = predict_all(&m, b.timed.as_ref().expect("graph"), None, &data).expect("int");
        let w = worst(&simulated, &integer);
        assert!(
            w <= INTEGER_TOLERANCE,
            "{spec}: max |Δp| {w} over the tolerance {INTEGER_TOLERANCE}"
        );
        // Not the same numbers: the activations are quantized too.
        assert!(w > 0.0, "{spec}");
    }
}

#[test]
fn integer_graph_matches_onnxruntime() {
    let m = mlp();
    let data = rows(&m, ROWS);
    let text = std::fs::read_to_string(root().join("tests/golden/compress/integer_outputs.json"))
        .expect("golden");
    let golden: Value = serde_json::from_str(&text).expect("json");
    let labels: Vec<f64> = golden["labels"]
        .as_array()
        .expect("labels")
        .iter()
        .map(|v| v.as_f64().expect("label"))
        .collect();
    assert_eq!(labels, data.y, "same rows as the Python script");
    // The golden's graph is the one Sextant builds today.
    let graph = integer_graph(&m, "int8-per-channel");
    let committed =
        std::fs::read(root().join("tests/golden/compress/credit_mlp_int8.int.onnx")).expect("file");
    assert_eq!(
        OnnxModel::encode(&graph),
        committed,
        "regenerate the golden"
    );
    let numbers = |key: &str| -> Vec<f64> {
        golden[key]
            .as_array()
            .expect(key)
            .iter()
            .map(|v| v.as_f64().expect("number"))
            .collect()
    };
    let p = predict_all(&m, &graph, None, &data).expect("runs");
    let w = worst(&p, &numbers("p1_batch"));
    assert!(
        w < 1e-5,
        "one batch of {ROWS}: max |Δp| {w} against onnxruntime"
    );
    let single = numbers("p1_single");
    let runner = Runner::new(&m, &graph, None, 1, data.width()).expect("plan");
    for (i, expected) in single.iter().enumerate() {
        let p = runner
            .run(&data.x[i * data.width()..(i + 1) * data.width()])
            .expect("runs");
        assert!(
            (p[0] - expected).abs() < 1e-5,
            "row {i}: {} vs {expected}",
            p[0]
        );
    }
}

#[test]
fn every_variant_is_measured_and_the_rules_say_how() {
    let m = mlp();
    let data = rows(&m, 200);
    let params = CompressParams {
        variants: [
            "fp16",
            "int8-per-channel",
            "int4-per-tensor",
            "prune:0.5",
            "neurons:0.5",
            "distill:logistic",
        ]
        .iter()
        .map(|s| VariantSpec::parse(s).expect("spec"))
        .collect(),
        batch_sizes: vec![1, 16],
        measure_latency: true,
        time_per_point: std::time::Duration::from_millis(5),
        sensitivity: false,
        ..CompressParams::default()
    };
    let r = compress(&m, &data, &params, &Progress::silent()).expect("sweep");
    assert!(!r.cpu.is_empty());
    for v in &r.variants {
        assert_eq!(v.latency.len(), 2, "{}", v.name);
        assert!(
            v.latency.iter().all(|p| !p.estimated && p.p50_us > 0.0),
            "{}",
            v.name
        );
        assert!(
            v.latency_rule.starts_with("measured"),
            "{}: {}",
            v.name,
            v.latency_rule
        );
    }
    let by = |name: &str| r.variants.iter().find(|v| v.name == name).expect(name);
    assert!(
        by("int8-per-channel")
            .latency_rule
            .contains("MatMulInteger")
    );
    assert!(by("int4-per-tensor").latency_rule.contains("held in int8"));
    assert!(by("fp16").latency_rule.contains("fp32 speed"));
    assert!(by("prune-50%").latency_rule.contains("dense"));
    assert!(by("neurons-50%").latency_rule.contains("smaller"));
    let check = by("int8-per-channel")
        .integer_check
        .as_ref()
        .expect("checked");
    assert!(check.within && check.max_abs_diff > 0.0, "{check:?}");
    assert!(by("fp16").integer_check.is_none());
    let json = serde_json::to_value(&r).expect("json");
    assert!(json["cpu"].is_string());
    assert!(json["variants"][2]["integer_check"]["tolerance"].is_number());
    // The report prints the CPU and every rule, and its frontier list names the chart's axis.
    let html = sextant::report::compression::section(&r, false).html;
    assert!(
        html.contains(&format!("Latency measured on {}", r.cpu)),
        "{html}"
    );
    for v in &r.variants {
        assert!(
            html.contains(&v.latency_rule.replace('\'', "&#39;")) || html.contains(&v.latency_rule),
            "{}",
            v.name
        );
    }
    assert!(html.contains("against packed size (kB)"));
    assert!(html.contains("Pareto frontier (ROC AUC against packed size"));
    // The legend's "(estimated)" only: no cell is an estimate.
    assert_eq!(html.matches("(estimated)").count(), 1, "{html}");
    let mut by_latency = r.clone();
    by_latency.x_axis = sextant::model::compress::XAxis::Latency;
    let html = sextant::report::compression::section(&by_latency, false).html;
    assert!(html.contains("against per-row latency at the largest batch (µs"));
}

#[test]
fn tree_variants_are_measured_with_sextants_evaluator() {
    let m = OnnxModel::load(&root().join("sample_data/credit_gbt.onnx")).expect("loads");
    let data = rows(&m, 200);
    let params = CompressParams {
        variants: ["fp16", "int8", "trees:10"]
            .iter()
            .map(|s| VariantSpec::parse(s).expect("spec"))
            .collect(),
        batch_sizes: vec![1, 8],
        measure_latency: true,
        time_per_point: std::time::Duration::from_millis(5),
        sensitivity: false,
        ..CompressParams::default()
    };
    let r = compress(&m, &data, &params, &Progress::silent()).expect("sweep");
    for v in &r.variants {
        assert!(v.latency.iter().all(|p| !p.estimated), "{}", v.name);
        assert!(
            v.latency_rule.contains("Sextant's evaluator"),
            "{}",
            v.latency_rule
        );
    }
}

fn value_info(name: &str, elem_type: i32, dims: &[i64]) -> pb::ValueInfoProto {
    use pb::tensor_shape_proto::{Dimension, dimension::Value as Dim};
    pb::ValueInfoProto {
        name: name.into(),
        r#type: Some(pb::TypeProto {
            value: Some(pb::type_proto::Value::TensorType(pb::type_proto::Tensor {
                elem_type,
                shape: Some(pb::TensorShapeProto {
                    dim: dims
                        .iter()
                        .map(|d| Dimension {
                            value: Some(Dim::DimValue(*d)),
                            ..Default::default()
                        })
                        .collect(),
                }),
            })),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// The experiment behind the choice of operators, kept as a test: what tract 0.23.9 loads and
/// runs. `DynamicQuantizeLinear` → `MatMulInteger` (u8 × i8) is the integer graph Sextant
/// writes (above); `QLinearMatMul` with static scales runs as well and gives ONNX's result (the
/// calibrated alternative, which would need every layer's input range from the training rows);
/// an fp16 file's `Cast` of constant weights is folded into fp32 constants, so the fp16 variant
/// computes in fp32.
#[test]
fn what_tract_runs_qlinearmatmul_and_the_fp16_cast() {
    use tract_onnx::prelude::*;
    const UINT8: i32 = 2;
    let scalar = |name: &str, dt: i32, raw: Vec<u8>| proto::tensor(name, dt, &[], raw);
    // y = saturate(round(a_s · b_s / y_s · Σ (a − a_zp)(b − b_zp)) + y_zp)
    let a: Vec<u8> = vec![10, 20, 30, 0, 255, 12];
    let b: Vec<i8> = vec![1, -2, 3, 4, -5, 6];
    let (a_s, a_zp, b_s, y_s, y_zp) = (0.5f32, 10u8, 0.25f32, 1.0f32, 128u8);
    let graph = pb::GraphProto {
        node: vec![pb::NodeProto {
            op_type: "QLinearMatMul".into(),
            name: "q".into(),
            input: ["a", "a_s", "a_zp", "b", "b_s", "b_zp", "y_s", "y_zp"]
                .map(String::from)
                .to_vec(),
            output: vec!["y".into()],
            ..Default::default()
        }],
        initializer: vec![
            scalar("a_s", proto::FLOAT, a_s.to_le_bytes().to_vec()),
            scalar("a_zp", UINT8, vec![a_zp]),
            proto::tensor(
                "b",
                proto::INT8,
                &[3, 2],
                b.iter().map(|v| *v as u8).collect(),
            ),
            scalar("b_s", proto::FLOAT, b_s.to_le_bytes().to_vec()),
            scalar("b_zp", proto::INT8, vec![0]),
            scalar("y_s", proto::FLOAT, y_s.to_le_bytes().to_vec()),
            scalar("y_zp", UINT8, vec![y_zp]),
        ],
        input: vec![value_info("a", UINT8, &[2, 3])],
        output: vec![value_info("y", UINT8, &[2, 2])],
        ..Default::default()
    };
    let model = pb::ModelProto {
        ir_version: 8,
        opset_import: vec![pb::OperatorSetIdProto {
            domain: String::new(),
            version: 13,
        }],
        graph: Some(graph),
        ..Default::default()
    };
    let plan = tract_onnx::onnx()
        .model_for_proto_model(&model)
        .expect("QLinearMatMul loads")
        .into_optimized()
        .expect("optimises")
        .into_runnable()
        .expect("plan");
    let input = Tensor::from_shape(&[2, 3], &a).expect("tensor");
    let out = plan.run(tvec![input.into()]).expect("QLinearMatMul runs");
    let got: Vec<u8> = out[0]
        .to_plain_array_view::<u8>()
        .expect("u8 output")
        .iter()
        .copied()
        .collect();
    let mut expected = Vec::new();
    for r in 0..2 {
        for c in 0..2 {
            let acc: i32 = (0..3)
                .map(|k| (i32::from(a[r * 3 + k]) - i32::from(a_zp)) * i32::from(b[k * 2 + c]))
                .sum();
            let y = (acc as f32 * a_s * b_s / y_s).round_ties_even() as i32 + i32::from(y_zp);
            expected.push(y.clamp(0, 255) as u8);
        }
    }
    assert_eq!(got, expected);

    // fp16: the file's Cast of constant fp16 weights does not survive optimisation.
    let m = mlp();
    let fp16 = build(&m, VariantSpec::Fp16).expect("fp16");
    let timed = fp16.timed.as_ref().expect("the fp16 file is timed");
    assert!(
        proto::graph(timed)
            .expect("graph")
            .node
            .iter()
            .any(|n| n.op_type == "Cast")
    );
    let optimised = tract_onnx::onnx()
        .model_for_proto_model(timed)
        .expect("loads")
        .with_input_fact(0, f32::fact([4, 7]).into())
        .expect("fact")
        .into_optimized()
        .expect("optimises");
    let ops: Vec<String> = optimised
        .nodes()
        .iter()
        .map(|n| n.op().name().to_string())
        .collect();
    assert!(
        !ops.iter().any(|o| o.contains("Cast")),
        "a cast is left in the plan: {ops:?}"
    );
    assert!(
        optimised.nodes().iter().all(|n| n
            .outputs
            .iter()
            .all(|o| o.fact.datum_type != f16::datum_type())),
        "an fp16 value is left in the plan: {ops:?}"
    );
}

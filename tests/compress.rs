//! The compression lab against onnxruntime: predictions and metrics of the sample models on the
//! first 2 000 complete training rows (tests/golden/compress/reference_outputs.json, written by
//! tools/sample_models/train.py with the versions recorded in it), exported variants reproducing
//! their simulation, and clear errors for bad input.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::Value;
use sextant::data::{Dataset, LoadOptions};
use sextant::jobs::Progress;
use sextant::model::compress::{CompressParams, Metric};
use sextant::model::eval::{eval_data, predict_all};
use sextant::model::variant::build;
use sextant::model::{EvalData, OnnxModel, VariantSpec, compress};

const ROWS: usize = 2000;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn training() -> &'static Dataset {
    static DS: OnceLock<Dataset> = OnceLock::new();
    DS.get_or_init(|| {
        Dataset::load(
            &root().join("sample_data/credit_training.parquet"),
            &LoadOptions::default(),
            &Progress::silent(),
        )
        .expect("training data loads")
    })
}

fn golden() -> Value {
    let text = std::fs::read_to_string(root().join("tests/golden/compress/reference_outputs.json"))
        .expect("golden file");
    serde_json::from_str(&text).expect("golden json")
}

fn model(name: &str) -> OnnxModel {
    OnnxModel::load(&root().join("sample_data").join(name)).expect("model loads")
}

fn data_for(m: &OnnxModel) -> EvalData {
    let columns: Vec<String> = training().columns.iter().map(|c| c.name.clone()).collect();
    let features = m.resolve_features(&[], &columns).expect("features resolve");
    eval_data(&training().frame, &features, "defaulted")
        .expect("eval data")
        .head(ROWS)
}

fn check_against_onnxruntime(file: &str, key: &str, tolerance: f64) {
    let m = model(file);
    let data = data_for(&m);
    let g = golden();
    let expected = &g["models"][key];
    let p = predict_all(&m, &m.proto, None, &data).expect("predicts");
    let reference: Vec<f64> = expected["p1"]
        .as_array()
        .expect("p1")
        .iter()
        .map(|v| v.as_f64().expect("number"))
        .collect();
    assert_eq!(p.len(), reference.len());
    let worst = p
        .iter()
        .zip(&reference)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    assert!(worst < tolerance, "{file}: max |Δp| = {worst}");
    let labels: Vec<f64> = g["labels"]
        .as_array()
        .expect("labels")
        .iter()
        .map(|v| v.as_f64().expect("label"))
        .collect();
    assert_eq!(labels, data.y, "same rows as the Python script");
    // Metrics on our predictions against sklearn.metrics on onnxruntime's.
    let m = sextant::analysis::metrics::classification(&data.y, &p);
    for (ours, name, tol) in [
        (m.accuracy, "accuracy", 1e-9),
        (m.roc_auc, "roc_auc", 1e-4),
        (m.log_loss, "log_loss", 1e-5),
        (m.f1, "f1", 1e-9),
    ] {
        let theirs = expected[name].as_f64().expect("metric");
        assert!(
            (ours - theirs).abs() < tol,
            "{file} {name}: {ours} vs {theirs}"
        );
    }
}

#[test]
fn mlp_matches_onnxruntime() {
    check_against_onnxruntime("credit_mlp.onnx", "credit_mlp", 1e-5);
}

#[test]
fn tree_ensemble_matches_onnxruntime() {
    check_against_onnxruntime("credit_gbt.onnx", "credit_gbt", 1e-5);
}

#[test]
fn describes_the_sample_mlp() {
    let m = model("credit_mlp.onnx");
    assert_eq!(m.inputs.len(), 1);
    assert_eq!(m.inputs[0].shape, vec![None, Some(7)]);
    assert_eq!(m.layers().len(), 3);
    let dims: Vec<(usize, usize)> = m.layers().iter().map(|l| (l.rows, l.cols)).collect();
    assert_eq!(dims, vec![(7, 32), (32, 16), (16, 1)]);
    // mean and 1/std, weights, biases, and the constant 1 of the [1 - p, p] tail
    assert_eq!(
        m.parameters,
        7 + 7 + 7 * 32 + 32 + 32 * 16 + 16 + 16 + 1 + 1
    );
    assert_eq!(
        m.feature_names.as_deref().map(<[String]>::len),
        Some(7),
        "feature names come from the metadata"
    );
}

/// Write the export, read it back, run it: the same outputs as the simulated variant.
fn reload_equals_simulation(file: &str, specs: &[&str]) {
    let m = model(file);
    let data = data_for(&m).head(500);
    let dir = tempfile::tempdir().expect("tempdir");
    for s in specs {
        let spec = VariantSpec::parse(s).expect("spec");
        let b = build(&m, spec).expect("variant builds");
        let simulated = predict_all(&m, &b.proto, b.trees.as_ref(), &data).expect("simulated");
        let path = dir.path().join(format!("{}.onnx", b.name));
        std::fs::write(&path, OnnxModel::encode(&b.export)).expect("write");
        let reloaded = OnnxModel::load(&path).expect("exported file loads");
        let real = predict_all(&reloaded, &reloaded.proto, None, &data).expect("reloaded runs");
        assert_eq!(simulated, real, "{file} {s}");
        if matches!(s, &"int8-per-tensor" | &"int8-per-channel" | &"fp16") {
            assert!(
                reloaded.file_bytes < m.file_bytes,
                "{s}: {} vs {}",
                reloaded.file_bytes,
                m.file_bytes
            );
        }
    }
}

#[test]
fn mlp_exports_reproduce_the_simulation() {
    reload_equals_simulation(
        "credit_mlp.onnx",
        &[
            "fp16",
            "int8-per-tensor",
            "int8-per-channel",
            "int4-per-channel",
            "prune:0.5",
            "neurons:0.5",
        ],
    );
}

#[test]
fn student_exports_reload_and_run() {
    let m = model("credit_mlp.onnx");
    let data = data_for(&m).head(800);
    let dir = tempfile::tempdir().expect("tempdir");
    for s in ["distill:logistic", "distill:mlp", "distill:tree"] {
        let spec = VariantSpec::parse(s).expect("spec");
        let bytes = sextant::model::compress::export_bytes(&m, &data, spec).expect("student");
        let path = dir.path().join("student.onnx");
        std::fs::write(&path, bytes).expect("write");
        let student = OnnxModel::load(&path).expect("student loads");
        assert_eq!(student.feature_names.as_deref(), m.feature_names.as_deref());
        let p = predict_all(&student, &student.proto, None, &data).expect("student runs");
        assert!(p.iter().all(|v| (0.0..=1.0).contains(v)), "{s}");
    }
}

#[test]
fn tree_exports_reproduce_the_simulation() {
    reload_equals_simulation("credit_gbt.onnx", &["fp16", "int8", "trees:10"]);
}

#[test]
fn sweep_on_the_mlp() {
    let m = model("credit_mlp.onnx");
    let data = data_for(&m);
    let params = CompressParams {
        variants: [
            "fp16",
            "int8-per-channel",
            "int4-per-tensor",
            "prune:0.5",
            "neurons:0.5",
            "distill:logistic",
            "distill:mlp",
            "distill:tree",
        ]
        .iter()
        .map(|s| VariantSpec::parse(s).expect("spec"))
        .collect(),
        measure_latency: false,
        metric: Metric::RocAuc,
        ..CompressParams::default()
    };
    let r = compress(&m, &data, &params, &Progress::silent()).expect("sweep");
    let names: Vec<&str> = r.variants.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "original",
            "fp16",
            "int8-per-channel",
            "int4-per-tensor",
            "prune-50%",
            "neurons-50%",
            "distill-logistic",
            "distill-mlp",
            "distill-tree"
        ]
    );
    let v = |n: &str| r.variants.iter().find(|v| v.name == n).expect("variant");
    assert_eq!(v("original").agreement, 1.0);
    assert!(v("fp16").agreement > 0.999);
    assert!(v("int8-per-channel").packed_bytes < v("fp16").packed_bytes);
    assert!(v("prune-50%").packed_bytes < v("original").packed_bytes);
    // A pruned model written dense does not shrink.
    assert!(v("prune-50%").file_bytes + 64 > v("original").file_bytes);
    assert!(v("neurons-50%").file_bytes < v("original").file_bytes);
    for student in ["distill-logistic", "distill-mlp", "distill-tree"] {
        let auc = v(student).roc_auc.expect("auc");
        assert!(auc > 0.6, "{student} AUC {auc}");
        assert!(v(student).agreement > 0.8, "{student}");
    }
    assert!(!r.pareto.is_empty());
    assert_eq!(r.sensitivity.len(), 3);
    let json = serde_json::to_value(&r).expect("serializes");
    assert!(json["variants"][0]["packed_bytes"].is_u64());
}

#[test]
fn bad_inputs_say_what_is_wrong() {
    let dir = tempfile::tempdir().expect("tempdir");
    let junk = dir.path().join("junk.onnx");
    std::fs::write(&junk, b"this is not a protobuf at all \xff\xff\xff").expect("write");
    let e = OnnxModel::load(&junk).expect_err("junk").to_string();
    assert!(e.contains("is not an ONNX model"), "{e}");

    let missing = OnnxModel::load(Path::new("/nonexistent/m.onnx")).expect_err("missing");
    assert!(missing.to_string().contains("could not be read"));

    // An operator nobody implements.
    let mut m = model("credit_mlp.onnx");
    if let Some(g) = m.proto.graph.as_mut() {
        g.node[2].op_type = "FancyActivation".into();
    }
    let path = dir.path().join("fancy.onnx");
    std::fs::write(&path, OnnxModel::encode(&m.proto)).expect("write");
    let e = OnnxModel::load(&path).expect_err("unsupported").to_string();
    assert!(e.contains("FancyActivation") && e.contains("node"), "{e}");

    let m = model("credit_mlp.onnx");
    let columns: Vec<String> = training().columns.iter().map(|c| c.name.clone()).collect();
    let e = m
        .resolve_features(&["age".into(), "income".into()], &columns)
        .expect_err("too few")
        .to_string();
    assert!(e.contains("expects 7 input columns"), "{e}");
    let mut names = m.feature_names.clone().expect("names");
    names[0] = "shoe_size".into();
    let e = m
        .resolve_features(&names, &columns)
        .expect_err("missing")
        .to_string();
    assert!(e.contains("shoe_size"), "{e}");

    let e = eval_data(&training().frame, &["age".into()], "no_such_label")
        .expect_err("label")
        .to_string();
    assert!(e.contains("no_such_label"), "{e}");
    // A text column is read as codes for string inputs only; a numeric input refuses it.
    let mut text_names = m.feature_names.clone().expect("names");
    text_names[0] = "region".into();
    let coded = eval_data(&training().frame, &text_names, "defaulted").expect("codes");
    let e = predict_all(&m, &m.proto, None, &coded)
        .expect_err("text")
        .to_string();
    assert!(e.contains("region") && e.contains("not numeric"), "{e}");
}

fn sextant(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_sextant"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("runs")
}

#[test]
fn cli_json_contract() {
    let out = sextant(&[
        "compress",
        "--model",
        "sample_data/credit_gbt.onnx",
        "--data",
        "sample_data/credit_training.parquet",
        "--target",
        "defaulted",
        "--variants",
        "fp16,int8,trees:20",
        "--batch-sizes",
        "1,16",
        "--rows",
        "1500",
        "--format",
        "json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(
        v["model"]["path"]
            .as_str()
            .expect("path")
            .ends_with("credit_gbt.onnx")
    );
    assert!(v["model"]["parameters"].as_u64().expect("parameters") > 0);
    assert!(v["model"]["file_bytes"].as_u64().expect("bytes") > 0);
    assert_eq!(v["model"]["inputs"][0]["name"], "input");
    assert_eq!(v["metric"], "roc_auc");
    let names: Vec<&str> = v["variants"]
        .as_array()
        .expect("variants")
        .iter()
        .map(|x| x["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["original", "fp16", "int8-leaves", "trees-20"]);
    let kinds: Vec<&str> = v["variants"]
        .as_array()
        .expect("variants")
        .iter()
        .map(|x| x["kind"].as_str().expect("kind"))
        .collect();
    assert_eq!(kinds, ["original", "fp16", "quantized", "trees"]);
    for x in v["variants"].as_array().expect("variants") {
        for key in [
            "accuracy",
            "roc_auc",
            "log_loss",
            "agreement",
            "packed_bytes",
            "file_bytes",
        ] {
            assert!(x[key].is_number(), "{key} in {x}");
        }
        let lat = x["latency"].as_array().expect("latency");
        assert_eq!(lat.len(), 2);
        assert_eq!(lat[1]["batch"], 16);
        assert!(lat[0]["p50_us"].is_number() && lat[0]["p95_us"].is_number());
        // Every variant is measured: the rounded trees are walked by the evaluator too.
        assert_eq!(lat[0]["estimated"], false, "{x}");
        assert!(
            x["latency_rule"]
                .as_str()
                .is_some_and(|r| r.starts_with("measured") && r.contains("evaluator")),
            "{x}"
        );
        assert!(x["integer_check"].is_null());
    }
    assert!(v["cpu"].as_str().is_some_and(|c| !c.is_empty()));
    assert!(v["pareto"].as_array().is_some_and(|p| !p.is_empty()));
}

#[test]
fn cli_bad_input_exits_2() {
    let out = sextant(&[
        "compress",
        "--model",
        "sample_data/credit_training.csv",
        "--data",
        "sample_data/credit_training.parquet",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("error: ") && err.contains("not an ONNX model"),
        "{err}"
    );

    let out = sextant(&[
        "compress",
        "--model",
        "sample_data/credit_mlp.onnx",
        "--data",
        "sample_data/credit_training.parquet",
        "--variants",
        "int3",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("int3"));

    let out = sextant(&[
        "compress",
        "--model",
        "sample_data/credit_mlp.onnx",
        "--data",
        "sample_data/credit_training.parquet",
        "--features",
        "age,income,region,credit_score,loan_amount,loan_term_months,debt_to_income",
        "--no-latency",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("region") && err.contains("not numeric"),
        "{err}"
    );
}

fn fixture_reference(name: &str) -> Vec<f64> {
    let text = std::fs::read_to_string(root().join("tests/golden/compress/fixture_outputs.json"))
        .expect("fixture outputs");
    let v: Value = serde_json::from_str(&text).expect("json");
    v["models"][name]
        .as_array()
        .expect("outputs")
        .iter()
        .map(|x| x.as_f64().expect("number"))
        .collect()
}

fn fixture(name: &str) -> (OnnxModel, EvalData) {
    let m = OnnxModel::load(
        &root()
            .join("tests/fixtures/models")
            .join(format!("{name}.onnx")),
    )
    .expect("fixture loads");
    let columns: Vec<String> = training().columns.iter().map(|c| c.name.clone()).collect();
    let features = m.resolve_features(&[], &columns).expect("features");
    let data = eval_data(&training().frame, &features, "defaulted")
        .expect("data")
        .head(300);
    (m, data)
}

#[test]
fn linear_classifier_matches_onnxruntime_and_gets_students() {
    let (m, data) = fixture("logreg");
    // The coefficients attribute is the one layer: 4 features × 2 class scores.
    let dims: Vec<(usize, usize)> = m.layers().iter().map(|l| (l.rows, l.cols)).collect();
    assert_eq!(dims, vec![(4, 2)]);
    let p = predict_all(&m, &m.proto, None, &data).expect("runs");
    let r = fixture_reference("logreg");
    let worst = p
        .iter()
        .zip(&r)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    assert!(worst < 1e-5, "max |Δp| = {worst}");
    let params = CompressParams {
        variants: m.default_variants(),
        measure_latency: false,
        ..CompressParams::default()
    };
    let report = compress(&m, &data, &params, &Progress::silent()).expect("sweep");
    let names: Vec<&str> = report.variants.iter().map(|v| v.name.as_str()).collect();
    assert!(names.contains(&"int8-per-channel") && names.contains(&"distill-logistic"));
    assert!(!names.iter().any(|n| n.starts_with("neurons")), "{names:?}");
    let v = |n: &str| {
        report
            .variants
            .iter()
            .find(|v| v.name == n)
            .expect("variant")
    };
    assert!(v("fp16").agreement > 0.99);
    assert!(v("distill-logistic").agreement > 0.95);
    // Edited coefficients survive a round trip through a file.
    let dir = tempfile::tempdir().expect("tempdir");
    for s in ["fp16", "int4-per-tensor", "prune:0.5"] {
        let b = build(&m, VariantSpec::parse(s).expect("spec")).expect("builds");
        let simulated = predict_all(&m, &b.proto, None, &data).expect("simulated");
        assert_ne!(simulated, p, "{s} changed nothing");
        let path = dir.path().join("v.onnx");
        std::fs::write(&path, OnnxModel::encode(&b.export)).expect("write");
        let back = OnnxModel::load(&path).expect("reloads");
        assert_eq!(
            predict_all(&back, &back.proto, None, &data).expect("runs"),
            simulated,
            "{s}"
        );
    }
}

#[test]
fn gemm_model_with_one_input_per_column() {
    let (m, data) = fixture("gemm_mlp");
    assert_eq!(m.inputs.len(), 4);
    assert_eq!(
        data.features,
        ["age", "income", "credit_score", "debt_to_income"]
    );
    let dims: Vec<(usize, usize, bool)> = m
        .layers()
        .iter()
        .map(|l| (l.rows, l.cols, l.transposed))
        .collect();
    assert_eq!(dims, vec![(4, 8, true), (8, 1, true)]);
    let p = predict_all(&m, &m.proto, None, &data).expect("runs");
    let r = fixture_reference("gemm_mlp");
    let worst = p
        .iter()
        .zip(&r)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    assert!(worst < 1e-5, "max |Δp| = {worst}");
    let dir = tempfile::tempdir().expect("tempdir");
    for s in [
        "fp16",
        "int8-per-channel",
        "int4-per-tensor",
        "neurons:0.5",
        "prune:0.5",
    ] {
        let b = build(&m, VariantSpec::parse(s).expect("spec")).expect("builds");
        let simulated = predict_all(&m, &b.proto, None, &data).expect("simulated");
        let path = dir.path().join("v.onnx");
        std::fs::write(&path, OnnxModel::encode(&b.export)).expect("write");
        let back = OnnxModel::load(&path).expect("reloads");
        let real = predict_all(&back, &back.proto, None, &data).expect("runs");
        assert_eq!(simulated, real, "{s}");
    }
    let params = CompressParams {
        variants: m.default_variants(),
        measure_latency: true,
        batch_sizes: vec![1, 4],
        time_per_point: std::time::Duration::from_millis(1),
        ..CompressParams::default()
    };
    let report = compress(&m, &data, &params, &Progress::silent()).expect("default sweep");
    assert!(report.variants.iter().any(|v| v.name == "distill-mlp"));
    assert!(report.variants.iter().all(|v| v.latency.len() == 2));
}

#[test]
fn cli_on_production_through_a_rename_with_students_from_training() {
    let args = [
        "compress",
        "--model",
        "sample_data/credit_mlp.onnx",
        "--data",
        "sample_data/credit_production.parquet",
        "--variants",
        "distill:logistic",
        "--rows",
        "1000",
        "--no-latency",
        "--no-sensitivity",
        "--format",
        "json",
    ];
    let out = sextant(&args);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("open_accounts"), "{err}");

    let mut with = args.to_vec();
    with.extend([
        "--rename",
        "num_open_accounts=open_accounts",
        "--train",
        "sample_data/credit_training.parquet",
    ]);
    let out = sextant(&with);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["rows"], 1000);
    assert_eq!(v["model"]["features"][2], "open_accounts");
    assert_eq!(v["variants"][1]["name"], "distill-logistic");
}

#[test]
fn a_tree_that_loops_is_refused() {
    let mut m = model("credit_gbt.onnx");
    if let Some(g) = m.proto.graph.as_mut() {
        let node = &mut g.node[0];
        let t = node
            .attribute
            .iter_mut()
            .find(|a| a.name == "nodes_truenodeids")
            .expect("true ids");
        t.ints[0] = 0; // the root's true branch is the root itself
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("loop.onnx");
    std::fs::write(&path, OnnxModel::encode(&m.proto)).expect("write");
    // Refused on load, before anything runs it (the ensemble is compiled as it is read).
    let e = OnnxModel::load(&path).expect_err("cycle").to_string();
    assert!(e.contains("loop.onnx") && e.contains("cycle"), "{e}");
}

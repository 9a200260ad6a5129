//! Pipeline-shaped ONNX models (skl2onnx pipelines with `ai.onnx.ml` operators, a hand-written
//! LabelEncoder/Cast graph, a random forest) against onnxruntime: every output of each model on
//! the first 300 complete rows of sample_data/credit_training.csv
//! (tests/golden/compress/pipeline_outputs.json, written by
//! tests/golden/compress/make_pipelines.py with the versions in its docstring). Scores agree to
//! 1e-5 relative (float32 graphs; see [`close`]), labels exactly.

use std::path::PathBuf;
use std::sync::OnceLock;

use serde_json::Value as Json;
use sextant::data::{Dataset, LoadOptions};
use sextant::jobs::Progress;
use sextant::model::compress::CompressParams;
use sextant::model::eval::{eval_data, predict_all};
use sextant::model::ml_ops::Data;
use sextant::model::pipeline::{self, Pipeline};
use sextant::model::{EvalData, OnnxModel, compress};

const ROWS: usize = 300;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn training() -> &'static Dataset {
    static DS: OnceLock<Dataset> = OnceLock::new();
    DS.get_or_init(|| {
        Dataset::load(
            &root().join("sample_data/credit_training.csv"),
            &LoadOptions::default(),
            &Progress::silent(),
        )
        .expect("training data loads")
    })
}

fn golden() -> &'static Json {
    static G: OnceLock<Json> = OnceLock::new();
    G.get_or_init(|| {
        let text =
            std::fs::read_to_string(root().join("tests/golden/compress/pipeline_outputs.json"))
                .expect("golden file");
        serde_json::from_str(&text).expect("golden json")
    })
}

fn load(name: &str) -> (OnnxModel, EvalData) {
    let m = OnnxModel::load(
        &root()
            .join("tests/fixtures/models")
            .join(format!("{name}.onnx")),
    )
    .unwrap_or_else(|e| panic!("{name} loads: {e}"));
    let g = &golden()["models"][name];
    let columns: Vec<String> = training().columns.iter().map(|c| c.name.clone()).collect();
    let features = m.resolve_features(&[], &columns).expect("features resolve");
    let expected: Vec<String> = g["columns"]
        .as_array()
        .expect("columns")
        .iter()
        .map(|c| c.as_str().expect("name").to_string())
        .collect();
    assert_eq!(features, expected, "{name}");
    let target = g["target"].as_str().expect("target");
    let data = eval_data(&training().frame, &features, target)
        .expect("eval data")
        .head(ROWS);
    assert_eq!(data.rows, ROWS);
    (m, data)
}

/// Relative error at most 1e-5; values much smaller than the output's mean magnitude are
/// compared relative to that mean (a float32 sum that cancels to near zero, as an SVR's
/// hundreds of kernel terms do, keeps only the absolute rounding of its terms).
fn close(name: &str, what: &str, got: &[f32], want: &[f64]) {
    // The SVR sums 389 kernel terms in float32; onnxruntime forms them with a blocked GEMM whose
    // order Sextant does not copy, so its rounding differs by up to about 1.1e-5 of the mean.
    let tolerance = if name == "pipe_svr" { 2e-5 } else { 1e-5 };
    assert_eq!(got.len(), want.len(), "{name} {what}: lengths");
    let mean = want.iter().map(|v| v.abs()).sum::<f64>() / want.len().max(1) as f64;
    let worst = got
        .iter()
        .zip(want)
        .map(|(a, b)| (f64::from(*a) - b).abs() / b.abs().max(mean).max(1e-12))
        .fold(0.0, f64::max);
    assert!(
        worst <= tolerance,
        "{name} {what}: worst relative error {worst}"
    );
}

fn numbers(v: &Json) -> Vec<f64> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_f64().expect("number"))
        .collect()
}

/// Every output of `name` equals onnxruntime's; the prediction column too.
fn matches_onnxruntime(name: &str) {
    let (m, data) = load(name);
    let pipe = Pipeline::new(&m.proto, name).expect("partitions");
    let feeds = pipeline::feeds(&pipe.inputs, &data.x, data.rows, data.width()).expect("feeds");
    let values = pipe.run(feeds).expect("runs");
    let outputs = golden()["models"][name]["outputs"]
        .as_object()
        .expect("outputs");
    for (out, want) in outputs {
        let got = values
            .get(out)
            .unwrap_or_else(|| panic!("{name}: no {out}"));
        if let Some(ints) = want.get("int64") {
            let want: Vec<i64> = ints
                .as_array()
                .expect("ints")
                .iter()
                .map(|v| v.as_i64().expect("int"))
                .collect();
            match &got.data {
                Data::I64(v) => assert_eq!(v, &want, "{name} {out}"),
                other => panic!("{name} {out}: {other:?} is not int64"),
            }
        } else if let Some(f) = want.get("float") {
            close(name, out, &got.to_f32().expect("floats"), &numbers(f));
        } else if let Some(z) = want.get("values") {
            // ZipMap: rows of {label: probability}, kept as the probability tensor.
            let want: Vec<f64> = z
                .as_array()
                .expect("rows")
                .iter()
                .flat_map(numbers)
                .collect();
            close(name, out, &got.to_f32().expect("floats"), &want);
        } else {
            panic!("{name} {out}: unexpected golden {want}");
        }
    }
    // The prediction column the compression lab uses: P(class 1) or the regression value.
    let p = predict_all(&m, &m.proto, None, &data).expect("predicts");
    // A lone tree ensemble is read at its own probability output, which ZipMap then wraps.
    let want = outputs
        .get(&m.output)
        .or_else(|| outputs.values().find(|v| v.get("values").is_some()))
        .expect("the prediction output");
    let (vals, cols) = if let Some(z) = want.get("values") {
        let rows = z.as_array().expect("rows");
        (
            rows.iter().flat_map(numbers).collect::<Vec<_>>(),
            rows[0].as_array().expect("row").len(),
        )
    } else {
        let shape = numbers(&want["shape"]);
        (
            numbers(&want["float"]),
            if shape.len() >= 2 {
                shape[1] as usize
            } else {
                1
            },
        )
    };
    let pick = usize::from(cols >= 2);
    let expected: Vec<f64> = vals.chunks(cols).map(|r| r[pick]).collect();
    let got: Vec<f32> = p.iter().map(|v| *v as f32).collect();
    close(name, "predictions", &got, &expected);
}

#[test]
fn scaler_mlp_with_one_input_per_column() {
    matches_onnxruntime("pipe_mlp");
}

#[test]
fn column_transformer_logistic_regression() {
    matches_onnxruntime("pipe_ct_logreg");
    matches_onnxruntime("pipe_ct_logreg_zipmap");
}

#[test]
fn imputer_normalizer_linear_regression() {
    matches_onnxruntime("pipe_impute_linreg");
}

#[test]
fn binarizer_svc_and_svr() {
    matches_onnxruntime("pipe_svc");
    matches_onnxruntime("pipe_svr");
}

#[test]
fn label_encoder_and_cast() {
    matches_onnxruntime("pipe_label_cast");
}

#[test]
fn random_forest_regressor() {
    matches_onnxruntime("rf_regressor");
}

#[test]
fn the_mlp_inside_a_pipeline_gets_variants() {
    let (m, data) = load("pipe_mlp");
    let dims: Vec<(usize, usize)> = m.layers().iter().map(|l| (l.rows, l.cols)).collect();
    assert_eq!(dims, vec![(5, 16), (16, 1)]);
    let params = CompressParams {
        variants: m.default_variants(),
        measure_latency: true,
        batch_sizes: vec![1, 8],
        time_per_point: std::time::Duration::from_millis(1),
        ..CompressParams::default()
    };
    let report = compress(&m, &data, &params, &Progress::silent()).expect("sweep");
    let names: Vec<&str> = report.variants.iter().map(|v| v.name.as_str()).collect();
    assert!(names.contains(&"int8-per-channel"), "{names:?}");
    assert!(names.iter().any(|n| n.starts_with("neurons")), "{names:?}");
    let original = report
        .variants
        .iter()
        .find(|v| v.name == "original")
        .expect("original");
    assert_eq!(original.agreement, 1.0);
    let int8 = report
        .variants
        .iter()
        .find(|v| v.name == "int8-per-channel")
        .expect("int8");
    assert!(int8.agreement > 0.9, "{}", int8.agreement);
    assert!(report.variants.iter().all(|v| v.latency.len() == 2));
}

#[test]
fn an_unsupported_operator_is_named_with_its_node() {
    let mut m =
        OnnxModel::load(&root().join("tests/fixtures/models/pipe_svc.onnx")).expect("loads");
    let g = m.proto.graph.as_mut().expect("graph");
    g.node[1].op_type = "DictVectorizer".into();
    g.node[1].name = "dv".into();
    let e = OnnxModel::from_proto(m.path.clone(), 0, m.proto.clone())
        .expect_err("unsupported")
        .to_string();
    assert!(
        e.contains("DictVectorizer") && e.contains("\"dv\"") && e.contains("cannot run"),
        "{e}"
    );
}

#[test]
fn cli_compresses_a_pipeline() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sextant"))
        .args([
            "compress",
            "--model",
            "tests/fixtures/models/pipe_ct_logreg.onnx",
            "--data",
            "sample_data/credit_training.csv",
            "--target",
            "defaulted",
            "--batch-sizes",
            "1,8",
            "--rows",
            "1000",
            "--format",
            "json",
        ])
        .current_dir(root())
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Json = serde_json::from_slice(&out.stdout).expect("json");
    let names: Vec<&str> = v["variants"]
        .as_array()
        .expect("variants")
        .iter()
        .map(|v| v["name"].as_str().expect("name"))
        .collect();
    assert!(
        names.contains(&"original") && names.contains(&"fp16"),
        "{names:?}"
    );
}

#[test]
fn forest_classifier_with_zipmap_keeps_tree_variants() {
    matches_onnxruntime("rf_classifier_zipmap");
    let (m, _) = load("rf_classifier_zipmap");
    assert!(
        matches!(m.structure, sextant::model::Structure::Trees(_)),
        "a forest followed by ZipMap is still edited as trees"
    );
    let names: Vec<String> = m.default_variants().iter().map(|v| v.name(true)).collect();
    assert!(names.iter().any(|n| n.starts_with("trees-")), "{names:?}");
}

#[test]
fn exported_pipeline_variants_reproduce_their_simulation() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, specs) in [
        (
            "pipe_mlp",
            &[
                "fp16",
                "int8-per-channel",
                "int4-per-tensor",
                "neurons:0.5",
                "prune:0.5",
            ][..],
        ),
        (
            "pipe_ct_logreg",
            &["fp16", "int8-per-tensor", "prune:0.5"][..],
        ),
    ] {
        let (m, data) = load(name);
        let original = predict_all(&m, &m.proto, None, &data).expect("original");
        for s in specs {
            let b = sextant::model::variant::build(
                &m,
                sextant::model::VariantSpec::parse(s).expect("spec"),
            )
            .expect("builds");
            let simulated = predict_all(&m, &b.proto, None, &data).expect("simulated");
            assert_ne!(simulated, original, "{name} {s} changed nothing");
            let path = dir.path().join("v.onnx");
            std::fs::write(&path, OnnxModel::encode(&b.export)).expect("write");
            let back = OnnxModel::load(&path).expect("reloads");
            // The rest of the pipeline is kept: the original operators, in order, around the
            // edited weights (fp16 and integer exports add their Cast or dequantize nodes).
            let mut rest = back.ops.iter();
            assert!(
                m.ops.iter().all(|op| rest.any(|o| o == op)),
                "{name} {s}: {:?}",
                back.ops
            );
            let real = predict_all(&back, &back.proto, None, &data).expect("runs");
            assert_eq!(simulated, real, "{name} {s}");
        }
    }
}

#[test]
fn graphs_tract_runs_whole_are_not_partitioned() {
    for path in [
        "tests/fixtures/models/gemm_mlp.onnx",
        "tests/fixtures/models/logreg.onnx",
        "sample_data/credit_mlp.onnx",
    ] {
        let m = OnnxModel::load(&root().join(path)).expect("loads");
        assert!(
            !pipeline::needed(m.proto.graph.as_ref().expect("graph")),
            "{path}"
        );
    }
    let m = OnnxModel::load(&root().join("tests/fixtures/models/pipe_mlp.onnx")).expect("loads");
    assert!(pipeline::needed(m.proto.graph.as_ref().expect("graph")));
}

#[test]
fn malformed_pipeline_attributes_are_one_sentence() {
    let broken = |file: &str, op: &str, attr: &str, keep: usize| {
        let mut m =
            OnnxModel::load(&root().join("tests/fixtures/models").join(file)).expect("loads");
        let g = m.proto.graph.as_mut().expect("graph");
        let node = g
            .node
            .iter_mut()
            .find(|n| n.op_type == op)
            .expect("the node");
        node.name = "victim".into();
        let a = node
            .attribute
            .iter_mut()
            .find(|a| a.name == attr)
            .expect("the attribute");
        a.floats.truncate(keep);
        let (_, data) = load(file.trim_end_matches(".onnx"));
        predict_all(&m, &m.proto, None, &data)
            .expect_err("refused")
            .to_string()
    };
    let e = broken("pipe_svc.onnx", "SVMClassifier", "support_vectors", 7);
    assert!(
        e.contains("\"victim\" (SVMClassifier)") && e.contains("support vectors"),
        "{e}"
    );
    let e = broken("pipe_svr.onnx", "Scaler", "offset", 3);
    assert!(
        e.contains("\"victim\" (Scaler)") && e.contains("3 offsets"),
        "{e}"
    );
    let e = broken("pipe_ct_logreg.onnx", "LinearClassifier", "coefficients", 5);
    assert!(
        e.contains("\"victim\" (LinearClassifier)") && e.contains("5 coefficients"),
        "{e}"
    );
}

#[test]
fn the_imputer_fills_missing_values_as_onnxruntime_does() {
    let g = &golden()["imputer_nan"];
    let m = OnnxModel::load(&root().join("tests/fixtures/models/pipe_impute_linreg.onnx"))
        .expect("loads");
    let x: Vec<f32> = g["x"]
        .as_array()
        .expect("rows")
        .iter()
        .flat_map(|r| r.as_array().expect("row").clone())
        .map(|v| v.as_f64().map_or(f32::NAN, |v| v as f32))
        .collect();
    assert!(x.iter().any(|v| v.is_nan()));
    let pipe = Pipeline::new(&m.proto, "pipe_impute_linreg").expect("partitions");
    let values = pipe
        .run(pipeline::feeds(&pipe.inputs, &x, x.len() / 4, 4).expect("feeds"))
        .expect("runs");
    close(
        "pipe_impute_linreg",
        "variable (with NaN inputs)",
        &values["variable"].to_f32().expect("floats"),
        &numbers(&g["variable"]),
    );
}

#[test]
fn cli_names_an_unsupported_operator_and_exits_2() {
    let mut m =
        OnnxModel::load(&root().join("tests/fixtures/models/pipe_mlp.onnx")).expect("loads");
    let g = m.proto.graph.as_mut().expect("graph");
    let n = g
        .node
        .iter_mut()
        .find(|n| n.op_type == "FeatureVectorizer")
        .expect("node");
    n.op_type = "DictVectorizer".into();
    n.name = "vectorize".into();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("odd.onnx");
    std::fs::write(&path, OnnxModel::encode(&m.proto)).expect("write");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sextant"))
        .args(["compress", "--model"])
        .arg(&path)
        .args([
            "--data",
            "sample_data/credit_training.csv",
            "--target",
            "defaulted",
        ])
        .current_dir(root())
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "uses the operator DictVectorizer (node \"vectorize\"), which Sextant cannot run"
        ),
        "{err}"
    );
}

/// Every list attribute of every ml node cut short (to nothing, one value, half): the evaluator
/// answers with a sentence or a result, never a panic (this calls it unguarded).
#[test]
fn truncated_ml_attributes_never_panic() {
    for name in [
        "pipe_mlp",
        "pipe_ct_logreg_zipmap",
        "pipe_impute_linreg",
        "pipe_svc",
        "pipe_svr",
        "pipe_label_cast",
        "rf_classifier_zipmap",
    ] {
        let (m, data) = load(name);
        let data = data.head(20);
        let g = m.proto.graph.as_ref().expect("graph");
        for (ni, node) in g.node.iter().enumerate() {
            if node.domain != "ai.onnx.ml" {
                continue;
            }
            for (ai, a) in node.attribute.iter().enumerate() {
                let len = a.floats.len().max(a.ints.len()).max(a.strings.len());
                for keep in [0, 1, len / 2] {
                    if keep >= len {
                        continue;
                    }
                    let mut p = m.proto.clone();
                    let at = &mut p.graph.as_mut().expect("graph").node[ni].attribute[ai];
                    at.floats.truncate(keep);
                    at.ints.truncate(keep);
                    at.strings.truncate(keep);
                    let Ok(pipe) = Pipeline::new(&p, name) else {
                        continue;
                    };
                    let feeds = pipeline::feeds(&pipe.inputs, &data.x, data.rows, data.width())
                        .expect("feeds");
                    let _ = pipe.run(feeds);
                }
            }
        }
    }
}

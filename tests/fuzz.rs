//! Fuzzing every loader with proptest: arbitrary bytes and mutations of valid sample files (bit
//! flips, overwrites, truncations, splices, duplicated ranges) go through the same public load
//! functions the app uses (data files written to a temp file and read by `Dataset::load`, the
//! session parser, `OnnxModel::load`), and tree ensembles get field-level mutations of a valid
//! model. A case passes when it returns, `Ok` or `Err`, within `CASE_BOUND`: a panic or a hang
//! fails it. Failing cases are kept in proptest-regressions/fuzz.txt and replayed first.
//!
//! Case counts are tuned so the whole file runs in well under a minute in a debug build on two
//! cores: polars' readers are slow per call, so the file-level targets get hundreds of cases and
//! the in-memory parsers (CSV sniffing, NDJSON depth scan, sessions, ONNX, trees) thousands.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::mpsc;
use std::time::Duration;

use polars::prelude::*;
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use prost::Message;
use sextant::data::write::write_frame;
use sextant::data::{Dataset, LoadOptions};
use sextant::jobs::Progress;
use sextant::model::{OnnxModel, Structure, pb};

/// Longest one case may take (debug build, a loaded machine); longer is a hang.
const CASE_BOUND: Duration = Duration::from_secs(20);

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "proptest-regressions/fuzz.txt",
        ))),
        // Shrinking a loader failure re-reads files many times; a few hundred steps suffice.
        max_shrink_iters: 256,
        ..ProptestConfig::default()
    }
}

/// Run `f` on its own thread: `Err` with the panic message if it panics, or when it has not
/// returned after `CASE_BOUND` (the thread is left behind; the test fails).
fn bounded<T: Send + 'static>(
    what: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, TestCaseError> {
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name(format!("fuzz {what}"))
        .spawn(move || {
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
            let _ = tx.send(r);
        })
        .expect("spawn");
    match rx.recv_timeout(CASE_BOUND) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(panic)) => {
            let msg = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            Err(TestCaseError::fail(format!("{what} panicked: {msg}")))
        }
        Err(_) => Err(TestCaseError::fail(format!(
            "{what} did not return within {CASE_BOUND:?}"
        ))),
    }
}

/// One edit of a byte string. Positions are taken modulo the length, so every mutation applies
/// to every input.
#[derive(Debug, Clone)]
enum Mutation {
    FlipBit(usize, u8),
    Overwrite(usize, u8),
    Truncate(usize),
    Splice(usize, Vec<u8>),
    Duplicate(usize, usize),
    Remove(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        3 => (any::<usize>(), 0u8..8).prop_map(|(i, b)| Mutation::FlipBit(i, b)),
        2 => (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Overwrite(i, b)),
        1 => any::<usize>().prop_map(Mutation::Truncate),
        2 => (any::<usize>(), prop::collection::vec(interesting_byte(), 1..24))
            .prop_map(|(i, v)| Mutation::Splice(i, v)),
        1 => (any::<usize>(), 1usize..64).prop_map(|(i, n)| Mutation::Duplicate(i, n)),
        1 => (any::<usize>(), 1usize..64).prop_map(|(i, n)| Mutation::Remove(i, n)),
    ]
}

/// Bytes that mean something to one of the formats more often than chance would pick them.
fn interesting_byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        2 => any::<u8>(),
        1 => prop::sample::select(b",;\t\n\r\"'{}[]():\\0-.eE".to_vec()),
        1 => prop::sample::select(vec![0u8, 0x7f, 0x80, 0xff, 0xfe, 0xc3]),
    ]
}

fn apply(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for m in mutations {
        let len = bytes.len();
        let at = |i: usize| if len == 0 { 0 } else { i % len };
        match m {
            Mutation::FlipBit(i, b) if len > 0 => bytes[at(*i)] ^= 1 << b,
            Mutation::Overwrite(i, v) if len > 0 => bytes[at(*i)] = *v,
            Mutation::Truncate(i) => bytes.truncate(if len == 0 { 0 } else { i % (len + 1) }),
            Mutation::Splice(i, v) => {
                let p = if len == 0 { 0 } else { i % (len + 1) };
                bytes.splice(p..p, v.iter().copied());
            }
            Mutation::Duplicate(i, n) if len > 0 => {
                let p = at(*i);
                let end = (p + n).min(len);
                let copy = bytes[p..end].to_vec();
                bytes.splice(end..end, copy);
            }
            Mutation::Remove(i, n) if len > 0 => {
                let p = at(*i);
                let end = (p + n).min(len);
                bytes.drain(p..end);
            }
            _ => {}
        }
    }
    bytes
}

/// A valid sample of each format, and mutations of it.
fn mutated(sample: &'static [u8], max: usize) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(mutation(), 1..max).prop_map(move |m| apply(sample.to_vec(), &m))
}

fn sample_frame() -> DataFrame {
    let n = 40;
    DataFrame::new_infer_height(vec![
        Series::new("id".into(), (0..n).collect::<Vec<i64>>()).into(),
        Series::new(
            "amount".into(),
            (0..n)
                .map(|i| (i % 7 != 3).then_some(i as f64 * 1.25))
                .collect::<Vec<_>>(),
        )
        .into(),
        Series::new(
            "plan".into(),
            (0..n)
                .map(|i| ["free", "pro", "team"][i as usize % 3])
                .collect::<Vec<_>>(),
        )
        .into(),
        Series::new(
            "active".into(),
            (0..n).map(|i| i % 2 == 0).collect::<Vec<_>>(),
        )
        .into(),
    ])
    .expect("frame")
}

/// The bytes of `sample_frame()` written as `ext` by Sextant's own writer.
fn written(ext: &str) -> &'static [u8] {
    type Samples = std::sync::Mutex<Vec<(String, &'static [u8])>>;
    static CACHE: OnceLock<Samples> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let mut cache = cache.lock().expect("cache");
    if let Some((_, b)) = cache.iter().find(|(e, _)| e == ext) {
        return b;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join(format!("sample.{ext}"));
    write_frame(&mut sample_frame(), &path).expect("write sample");
    let bytes: &'static [u8] = std::fs::read(&path).expect("read sample").leak();
    cache.push((ext.to_string(), bytes));
    bytes
}

fn file(rel: &str) -> &'static [u8] {
    std::fs::read(root().join(rel)).expect("sample file").leak()
}

/// Write `bytes` to a temp file named `name` and load it as the app does; `Ok` or `Err` are
/// both fine, within the bound.
fn load_bytes(name: &str, bytes: Vec<u8>) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join(name);
    std::fs::write(&path, &bytes).expect("write");
    let p = path.clone();
    bounded(name, move || {
        let _ = Dataset::load(&p, &LoadOptions::default(), &Progress::silent());
    })
}

// ---- Data files ----

proptest! {
    #![proptest_config(config(6000))]

    #[test]
    fn csv_sniffing_survives_anything(
        bytes in prop_oneof![
            prop::collection::vec(interesting_byte(), 0..600),
            mutated(file("tests/fixtures/semicolon_quoted.csv"), 12),
            mutated(file("tests/fixtures/ragged.csv"), 12),
        ],
        truncated in any::<bool>(),
    ) {
        bounded("csv sniff", move || {
            let _ = sextant::data::csv_sniff::sniff(&bytes, truncated);
        })?;
    }

}

proptest! {
    #![proptest_config(config(3000))]

    #[test]
    fn the_ndjson_depth_scan_survives_anything(
        bytes in prop_oneof![
            prop::collection::vec(interesting_byte(), 0..500),
            mutated(file("tests/fixtures/events.ndjson"), 16),
        ],
    ) {
        let (a, b) = (bytes.clone(), bytes.clone());
        let found = bounded("ndjson depth", move || {
            sextant::data::load::ndjson_too_deep(a.as_slice(), 3)
        })?.expect("reading a slice cannot fail");
        // The depth it reports is reached on that line, and lines before it stay within.
        if let Some((line, depth)) = found {
            prop_assert!(depth > 3);
            let text = b.split(|&c| c == b'\n').nth(line - 1).expect("the line exists");
            let opened = text.iter().filter(|&&c| c == b'{' || c == b'[').count();
            prop_assert!(opened >= depth, "line {} opens {} but depth {}", line, opened, depth);
        }
    }
}

proptest! {
    #![proptest_config(config(300))]

    #[test]
    fn csv_files_load_or_say_why(
        bytes in prop_oneof![
            1 => prop::collection::vec(interesting_byte(), 0..400),
            3 => mutated(file("tests/fixtures/semicolon_quoted.csv"), 8),
            3 => mutated(written("csv"), 8),
        ],
    ) {
        load_bytes("fuzz.csv", bytes)?;
    }

    #[test]
    fn ndjson_files_load_or_say_why(
        bytes in prop_oneof![
            1 => prop::collection::vec(interesting_byte(), 0..400),
            3 => mutated(file("tests/fixtures/events.ndjson"), 8),
            3 => mutated(written("ndjson"), 8),
        ],
    ) {
        load_bytes("fuzz.ndjson", bytes)?;
    }

    #[test]
    fn files_of_no_known_extension_are_sniffed_safely(
        bytes in prop_oneof![
            prop::collection::vec(interesting_byte(), 0..400),
            mutated(written("parquet"), 4),
            mutated(written("arrow"), 4),
        ],
    ) {
        load_bytes("fuzz.dat", bytes)?;
    }
}

proptest! {
    #![proptest_config(config(150))]

    #[test]
    fn parquet_files_load_or_say_why(bytes in mutated(written("parquet"), 6)) {
        load_bytes("fuzz.parquet", bytes)?;
    }

    #[test]
    fn arrow_ipc_files_load_or_say_why(bytes in mutated(written("arrow"), 6)) {
        load_bytes("fuzz.arrow", bytes)?;
    }
}

// ---- Sessions ----

proptest! {
    #![proptest_config(config(8000))]

    #[test]
    fn the_session_parser_survives_anything(
        bytes in prop_oneof![
            1 => prop::collection::vec(interesting_byte(), 0..400),
            4 => mutated(file("tests/sessions/v1-credit.sextant"), 10),
            2 => mutated(file("tests/sessions/v1-minimal.sextant"), 10),
        ],
    ) {
        bounded("session parse", move || {
            let text = String::from_utf8_lossy(&bytes);
            let _ = sextant::session::parse(&text, Path::new("fuzz.sextant"));
        })?;
    }
}

proptest! {
    #![proptest_config(config(60))]

    /// The file path too (size cap, UTF-8 check), on fewer cases: it writes a file each time.
    #[test]
    fn session_files_read_or_say_why(bytes in mutated(file("tests/sessions/v1-credit.sextant"), 10)) {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("fuzz.sextant");
        std::fs::write(&path, &bytes).expect("write");
        bounded("session read", move || {
            let _ = sextant::session::read(&path);
        })?;
    }
}

// ---- ONNX ----

fn load_model(bytes: Vec<u8>) -> Result<Option<OnnxModel>, TestCaseError> {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("fuzz.onnx");
    std::fs::write(&path, &bytes).expect("write");
    bounded("onnx load", move || OnnxModel::load(&path).ok())
}

proptest! {
    #![proptest_config(config(2500))]

    #[test]
    fn the_onnx_loader_survives_mutated_models(
        bytes in prop_oneof![
            1 => prop::collection::vec(any::<u8>(), 0..300),
            3 => mutated(file("tests/fixtures/models/gemm_mlp.onnx"), 6),
            3 => mutated(file("tests/fixtures/models/logreg.onnx"), 6),
            2 => mutated(file("sample_data/credit_mlp.onnx"), 6),
        ],
    ) {
        // A model that loads has its layers' weights readable at the shapes it claims.
        if let Some(m) = load_model(bytes)? {
            bounded("onnx weights", move || {
                let g = m.proto.graph.as_ref().expect("a loaded model has a graph");
                for layer in m.layers() {
                    if let Ok(w) = sextant::model::variant::read_weight(g, layer) {
                        assert_eq!(w.len(), layer.rows * layer.cols, "{}", layer.weight);
                    }
                }
            })?;
        }
    }
}

// ---- Tree ensembles ----

fn gbt() -> &'static pb::ModelProto {
    static M: OnceLock<pb::ModelProto> = OnceLock::new();
    M.get_or_init(|| {
        pb::ModelProto::decode(file("sample_data/credit_gbt.onnx")).expect("gbt decodes")
    })
}

/// One field-level edit of the tree node's attributes: `attr` and `index` are taken modulo
/// the node's attribute count and the array's length.
#[derive(Debug, Clone)]
enum TreeEdit {
    SetInt(usize, usize, i64),
    SetFloat(usize, usize, f32),
    SetMode(usize, usize, &'static str),
    Pop(usize),
    PushInt(usize, i64),
    Clear(usize),
    SetScalar(usize, i64),
}

fn tree_value() -> impl Strategy<Value = i64> {
    prop_oneof![
        4 => -2i64..40,
        1 => Just(i64::MAX),
        1 => Just(i64::MIN),
        1 => Just(u32::MAX as i64 + 1),
        1 => any::<i64>(),
    ]
}

fn tree_edit() -> impl Strategy<Value = TreeEdit> {
    let modes = vec![
        "BRANCH_LEQ",
        "BRANCH_LT",
        "BRANCH_GTE",
        "BRANCH_GT",
        "BRANCH_EQ",
        "BRANCH_NEQ",
        "LEAF",
        "BRANCH_WHAT",
    ];
    prop_oneof![
        6 => (any::<usize>(), any::<usize>(), tree_value())
            .prop_map(|(a, i, v)| TreeEdit::SetInt(a, i, v)),
        2 => (any::<usize>(), any::<usize>(), prop_oneof![
                any::<f32>(), Just(f32::NAN), Just(f32::INFINITY), -10.0f32..10.0
            ])
            .prop_map(|(a, i, v)| TreeEdit::SetFloat(a, i, v)),
        2 => (any::<usize>(), any::<usize>(), prop::sample::select(modes))
            .prop_map(|(a, i, m)| TreeEdit::SetMode(a, i, m)),
        1 => any::<usize>().prop_map(TreeEdit::Pop),
        1 => (any::<usize>(), tree_value()).prop_map(|(a, v)| TreeEdit::PushInt(a, v)),
        1 => any::<usize>().prop_map(TreeEdit::Clear),
        1 => (any::<usize>(), tree_value()).prop_map(|(a, v)| TreeEdit::SetScalar(a, v)),
    ]
}

fn edit_trees(edits: &[TreeEdit]) -> pb::ModelProto {
    let mut m = gbt().clone();
    let g = m.graph.as_mut().expect("graph");
    let node = g
        .node
        .iter_mut()
        .find(|n| n.op_type.starts_with("TreeEnsemble"))
        .expect("tree node");
    let n = node.attribute.len();
    for e in edits {
        let attr = |a: usize| a % n;
        match *e {
            TreeEdit::SetInt(a, i, v) => {
                let ints = &mut node.attribute[attr(a)].ints;
                if !ints.is_empty() {
                    let k = i % ints.len();
                    ints[k] = v;
                }
            }
            TreeEdit::SetFloat(a, i, v) => {
                let floats = &mut node.attribute[attr(a)].floats;
                if !floats.is_empty() {
                    let k = i % floats.len();
                    floats[k] = v;
                }
            }
            TreeEdit::SetMode(a, i, mode) => {
                let strings = &mut node.attribute[attr(a)].strings;
                if !strings.is_empty() {
                    let k = i % strings.len();
                    strings[k] = mode.as_bytes().to_vec();
                }
            }
            TreeEdit::Pop(a) => {
                let at = &mut node.attribute[attr(a)];
                at.ints.pop();
                at.floats.pop();
                at.strings.pop();
            }
            TreeEdit::PushInt(a, v) => node.attribute[attr(a)].ints.push(v),
            TreeEdit::Clear(a) => {
                let at = &mut node.attribute[attr(a)];
                at.ints.clear();
                at.floats.clear();
                at.strings.clear();
            }
            TreeEdit::SetScalar(a, v) => node.attribute[attr(a)].i = v,
        }
    }
    m
}

proptest! {
    #![proptest_config(config(3000))]

    #[test]
    fn mutated_tree_ensembles_are_refused_or_evaluate(
        edits in prop::collection::vec(tree_edit(), 1..6),
        row in prop::collection::vec(prop_oneof![any::<f32>(), Just(f32::NAN), -5.0f32..5.0], 1..40),
    ) {
        let proto = edit_trees(&edits);
        let model = bounded("tree load", move || {
            OnnxModel::from_proto(PathBuf::from("fuzz.onnx"), 0, proto)
        })?;
        // A model that loads compiles and evaluates any rows without panicking or looping.
        if let Ok(model) = model {
            bounded("tree evaluate", move || {
                let Structure::Trees(t) = &model.structure else {
                    return;
                };
                let compiled = t.compile().expect("a loaded ensemble compiles");
                let k = row.len();
                let mut rows = row.clone();
                rows.extend(row.iter().rev());
                if let Ok(p) = compiled.predict(&rows, k) {
                    assert_eq!(p.len(), 2);
                }
            })?;
        }
    }
}

proptest! {
    #![proptest_config(config(600))]

    /// Models that load are also run by tract (planned for a batch of two rows and run once):
    /// a mutated graph is refused or predicts, never panics. Fewer cases: planning is slow.
    #[test]
    fn mutated_models_that_load_also_run(
        bytes in prop_oneof![
            mutated(file("tests/fixtures/models/gemm_mlp.onnx"), 3),
            mutated(file("tests/fixtures/models/logreg.onnx"), 3),
        ],
    ) {
        if let Some(m) = load_model(bytes)? {
            bounded("onnx run", move || {
                let width = m.width().unwrap_or(1).clamp(1, 4096);
                let runner =
                    sextant::model::eval::Runner::new(&m, &m.proto, None, 2, width);
                if let Ok(r) = runner {
                    let x: Vec<f32> = (0..2 * width).map(|i| i as f32 * 0.1).collect();
                    let _ = r.run(&x);
                }
            })?;
        }
    }
}

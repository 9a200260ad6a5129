//! Hostile input: no file, session or model may crash or hang Sextant. Each file of the corpus
//! (tests/fixtures/hostile/, small files committed, big ones generated here into a temp dir) is
//! given to the real `sextant` binary, which must exit 2 within a time bound with one line on
//! stderr naming the file and the cause; the same files through the library API give `Err`.
//!
//! The committed files are made by `corpus()` below: `committed_corpus_matches_its_recipe`
//! fails when they drift apart, and `cargo test --test hostile -- --ignored write_corpus`
//! writes them again.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use polars::prelude::*;
use prost::Message;
use sextant::data::{DataError, Dataset, LoadOptions};
use sextant::jobs::Progress;
use sextant::model::{OnnxModel, pb};

/// Longer than any refusal takes in a debug build; a child still running then is a hang.
const TIMEOUT: Duration = Duration::from_secs(20);

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn hostile(name: &str) -> PathBuf {
    root().join("tests/fixtures/hostile").join(name)
}

/// Run `sextant ARGS`: exit code and stderr. Fails the test when the child outlives `TIMEOUT`
/// (it is killed first) or dies from a signal (a stack overflow aborts).
fn sextant(args: &[&str]) -> (i32, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sextant"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sextant starts");
    // Read stderr on a thread so a chatty child cannot block on a full pipe.
    let mut pipe = child.stderr.take().expect("stderr");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = pipe.read_to_string(&mut s);
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("sextant {args:?} still ran after {TIMEOUT:?} (a hang)");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stderr = reader.join().expect("stderr reader");
    let code = status
        .code()
        .unwrap_or_else(|| panic!("sextant {args:?} was killed by a signal ({status}): {stderr}"));
    (code, stderr)
}

/// `sextant ARGS` refuses `file` with exit 2 and one line on stderr naming it and containing
/// `fragment`.
fn refused(args: &[&str], file: &Path, fragment: &str) {
    let (code, stderr) = sextant(args);
    assert_eq!(code, 2, "sextant {args:?}: exit {code}, stderr: {stderr}");
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "sextant {args:?}: not one line: {stderr}");
    let name = file.file_name().expect("name").to_string_lossy();
    assert!(
        lines[0].contains(name.as_ref()),
        "sextant {args:?}: the line does not name {name}: {stderr}"
    );
    assert!(
        lines[0].contains(fragment),
        "sextant {args:?}: expected \"{fragment}\" in: {stderr}"
    );
}

/// `inspect FILE` and `drift --reference FILE --current FILE` both refuse it.
fn data_refused(file: &Path, fragment: &str) {
    let f = file.to_str().expect("utf-8 path");
    refused(&["inspect", f], file, fragment);
    refused(&["drift", "--reference", f, "--current", f], file, fragment);
    let e = load(file).err().unwrap_or_else(|| panic!("{f} loaded"));
    assert!(e.to_string().contains(fragment), "{f}: {e}");
}

fn load(path: &Path) -> Result<Dataset, DataError> {
    Dataset::load(path, &LoadOptions::default(), &Progress::silent())
}

fn model_refused(file: &Path, fragment: &str) {
    let f = file.to_str().expect("utf-8 path");
    let data = root().join("sample_data/credit_training.parquet");
    let data = data.to_str().expect("utf-8 path");
    refused(
        &["compress", "--model", f, "--data", data, "--no-latency"],
        file,
        fragment,
    );
    let e = OnnxModel::load(file).expect_err("model loaded");
    assert!(e.to_string().contains(fragment), "{f}: {e}");
}

fn session_refused(file: &Path, fragment: &str) {
    let f = file.to_str().expect("utf-8 path");
    refused(&["session", "show", f], file, fragment);
    refused(&["check", "--session", f], file, fragment);
    let e = sextant::session::read(file).expect_err("session read");
    assert!(e.to_string().contains(fragment), "{f}: {e}");
}

// ---- The committed corpus and its recipe ----

/// A small valid frame for the Parquet fixtures.
fn small_frame() -> DataFrame {
    DataFrame::new_infer_height(vec![
        Series::new("id".into(), (0..50i64).collect::<Vec<_>>()).into(),
        Series::new(
            "amount".into(),
            (0..50).map(|i| f64::from(i) * 1.5).collect::<Vec<_>>(),
        )
        .into(),
    ])
    .expect("frame")
}

fn parquet_bytes(frame: &mut DataFrame) -> Vec<u8> {
    let mut out = Vec::new();
    ParquetWriter::new(&mut out)
        .finish(frame)
        .expect("parquet writes");
    out
}

fn onnx(name: &str) -> pb::ModelProto {
    let path = root().join(name);
    pb::ModelProto::decode(std::fs::read(path).expect("model file").as_slice()).expect("decodes")
}

fn graph(m: &mut pb::ModelProto) -> &mut pb::GraphProto {
    m.graph.as_mut().expect("graph")
}

/// The tree ensemble node of the sample gradient-boosting model, with `edit` applied to the
/// attribute `name`.
fn edited_trees(name: &str, edit: impl Fn(&mut pb::AttributeProto)) -> Vec<u8> {
    let mut m = onnx("sample_data/credit_gbt.onnx");
    let node = graph(&mut m)
        .node
        .iter_mut()
        .find(|n| n.op_type.starts_with("TreeEnsemble"))
        .expect("tree node");
    edit(
        node.attribute
            .iter_mut()
            .find(|a| a.name == name)
            .expect("attribute"),
    );
    m.encode_to_vec()
}

/// Every committed hostile file: name and bytes.
fn corpus() -> Vec<(&'static str, Vec<u8>)> {
    let depth = 3000;
    let deep = format!("{}1{}\n", "{\"a\":".repeat(depth), "}".repeat(depth));
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(
            "id,amount\n1,2.5\n2,3.5\n"
                .encode_utf16()
                .flat_map(u16::to_le_bytes),
        )
        .collect();
    let mut parquet = parquet_bytes(&mut small_frame());
    // Cut into the footer: the trailing length and "PAR1" are gone.
    parquet.truncate(parquet.len() - 6);

    // One byte of a page header zeroed: polars' decoder panics on it (an assertion on the
    // value count), which the load boundary turns into a sentence.
    let mut polars_panic = parquet_bytes(&mut small_frame());
    polars_panic[103] = 0;

    let mut bad_dims = onnx("tests/fixtures/models/gemm_mlp.onnx");
    let w = graph(&mut bad_dims)
        .initializer
        .iter_mut()
        .find(|t| t.dims.len() == 2)
        .expect("a weight");
    // Twice as many rows as its data holds.
    w.dims[0] *= 2;
    let mut huge = onnx("tests/fixtures/models/gemm_mlp.onnx");
    let w = graph(&mut huge)
        .initializer
        .iter_mut()
        .find(|t| t.dims.len() == 2)
        .expect("a weight");
    // 2^52 floats (16 PiB) declared; the data is the original few bytes.
    w.dims = vec![1 << 20, 1 << 20, 1 << 12];

    vec![
        ("deep.ndjson", deep.into_bytes()),
        ("nul.csv", b"id,amount\n1,2.5\n2,\0\x003.5\n".to_vec()),
        ("utf16.csv", utf16),
        // Found by tests/fuzz.rs: polars reads a last field of a lone opening quote out of
        // bounds (an abort in debug builds).
        ("open_quote.csv", b"id,amount\n1,2.5\n2,\"".to_vec()),
        ("truncated_footer.parquet", parquet),
        ("polars_panic.parquet", polars_panic),
        (
            "corrupt.sextant",
            b"Session(version: 1, datasets: (reference: Some((path: \"train.csv\", bytes: 12 ]]]\n"
                .to_vec(),
        ),
        (
            "deep.sextant",
            format!(
                "Session(version: 1, notes: {}{})\n",
                "[".repeat(depth),
                "]".repeat(depth)
            )
            .into_bytes(),
        ),
        ("bad_dims.onnx", bad_dims.encode_to_vec()),
        ("huge_tensor.onnx", huge.encode_to_vec()),
        (
            // The first node's true branch leads back to itself.
            "tree_cycle.onnx",
            edited_trees("nodes_truenodeids", |a| a.ints[0] = 0),
        ),
        (
            "tree_missing_node.onnx",
            edited_trees("nodes_falsenodeids", |a| a.ints[0] = 999_999),
        ),
        (
            "tree_ragged.onnx",
            edited_trees("nodes_values", |a| {
                a.floats.pop();
            }),
        ),
    ]
}

#[test]
#[ignore = "writes tests/fixtures/hostile/; run by hand after changing corpus()"]
fn write_corpus() {
    let dir = root().join("tests/fixtures/hostile");
    std::fs::create_dir_all(&dir).expect("mkdir");
    for (name, bytes) in corpus() {
        std::fs::write(dir.join(name), bytes).expect("write");
    }
}

#[test]
fn committed_corpus_matches_its_recipe() {
    for (name, bytes) in corpus() {
        let committed = std::fs::read(hostile(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(
            committed == bytes,
            "{name} differs from corpus(); rewrite it"
        );
        // Small in git: big hostile files are generated at test time.
        assert!(
            committed.len() < 64 * 1024,
            "{name} is {} bytes",
            committed.len()
        );
    }
}

// ---- Data files ----

#[test]
fn deeply_nested_ndjson_is_refused_before_parsing() {
    data_refused(
        &hostile("deep.ndjson"),
        "is nested 3000 levels deep at line 1; Sextant reads NDJSON nested at most 64 levels",
    );
}

#[test]
fn nested_ndjson_within_the_limit_loads() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("nested.ndjson");
    // 20 levels, with brackets and escaped quotes inside strings that must not count.
    let inner = format!("{}1{}", "{\"b\":".repeat(20), "}".repeat(20));
    let text = format!(
        "{{\"id\":1,\"s\":\"[[[{{{{\\\"]]\",\"n\":{inner}}}\n{{\"id\":2,\"s\":\"x\",\"n\":{inner}}}\n"
    );
    std::fs::write(&path, text).expect("write");
    let ds = load(&path).expect("loads");
    assert_eq!(ds.rows(), 2);
    let (code, stderr) = sextant(&["inspect", path.to_str().expect("utf-8")]);
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn nul_bytes_and_utf16_are_refused_as_not_text() {
    data_refused(&hostile("nul.csv"), "has a NUL byte at line 3");
    data_refused(&hostile("utf16.csv"), "is UTF-16 text");
}

#[test]
fn a_quote_left_open_at_the_end_is_refused_before_polars() {
    data_refused(
        &hostile("open_quote.csv"),
        "the quote that opens the last field (line 3) is never closed",
    );
    // Closed quotes at the end, with a delimiter or a newline inside, still load.
    let dir = tempfile::tempdir().expect("tmp");
    for (i, text) in [
        "id,note\n1,\"x,\"",
        "id,note\n1,\"\"",
        "id,note\n1,\"a\n2,\"",
    ]
    .into_iter()
    .enumerate()
    {
        let path = dir.path().join(format!("closed{i}.csv"));
        std::fs::write(&path, text).expect("write");
        let ds = load(&path).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        assert_eq!(ds.rows(), 1, "{text:?}");
    }
}

#[test]
fn a_truncated_parquet_footer_is_refused() {
    data_refused(
        &hostile("truncated_footer.parquet"),
        "could not be read as Parquet",
    );
}

#[test]
fn a_file_that_makes_polars_panic_is_one_sentence() {
    data_refused(
        &hostile("polars_panic.parquet"),
        "the reader failed on its content",
    );
}

#[test]
fn pipes_devices_and_directories_are_refused_without_reading() {
    let dir = tempfile::tempdir().expect("tmp");
    let fifo = dir.path().join("pipe.csv");
    let made = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    // Nobody ever writes to the pipe: reading it would block forever.
    data_refused(&fifo, "is not a regular file");
    data_refused(Path::new("/dev/zero"), "is not a regular file");
    // A folder is a dataset of many files; this one holds only the pipe, which is not read.
    data_refused(dir.path(), "holds no data files");
    session_refused(&fifo, "is not a regular file");
    session_refused(Path::new("/dev/zero"), "is not a regular file");
    model_refused(&fifo, "not a regular file");
    model_refused(Path::new("/dev/zero"), "not a regular file");
    model_refused(dir.path(), "is a directory");
}

#[test]
fn a_twenty_megabyte_line_loads_within_bounds() {
    let dir = tempfile::tempdir().expect("tmp");
    let long = "x".repeat(20_000_000);
    let csv = dir.path().join("long_line.csv");
    std::fs::write(&csv, format!("id,text\n1,{long}\n")).expect("write");
    let ndjson = dir.path().join("long_line.ndjson");
    std::fs::write(&ndjson, format!("{{\"id\":1,\"text\":\"{long}\"}}\n")).expect("write");
    for path in [&csv, &ndjson] {
        let ds = load(path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ds.rows(), 1);
        let (code, stderr) = sextant(&["inspect", path.to_str().expect("utf-8")]);
        assert_eq!(code, 0, "{}: {stderr}", path.display());
    }
    // The same line nested too deep is still refused, by its line number.
    let deep = dir.path().join("long_then_deep.ndjson");
    let nest = format!("{}1{}", "[".repeat(100), "]".repeat(100));
    std::fs::write(
        &deep,
        format!("{{\"id\":1,\"text\":\"{long}\"}}\n{{\"id\":2,\"n\":{nest}}}\n"),
    )
    .expect("write");
    data_refused(&deep, "is nested 101 levels deep at line 2");
}

#[test]
fn five_thousand_columns_load_within_bounds() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("wide.csv");
    let header: Vec<String> = (0..5000).map(|i| format!("c{i}")).collect();
    let mut text = header.join(",") + "\n";
    for r in 0..20 {
        let row: Vec<String> = (0..5000).map(|i| (i * r).to_string()).collect();
        text += &(row.join(",") + "\n");
    }
    std::fs::write(&path, text).expect("write");
    let ds = load(&path).expect("loads");
    assert_eq!((ds.rows(), ds.columns.len()), (20, 5000));
    let (code, stderr) = sextant(&["inspect", path.to_str().expect("utf-8")]);
    assert_eq!(code, 0, "{stderr}");
}

/// A Parquet file whose one column is a run of identical values: a few kilobytes on disk,
/// megabytes decoded.
fn zip_bomb(dir: &Path, rows: usize) -> PathBuf {
    let path = dir.join("bomb.parquet");
    let mut frame =
        DataFrame::new_infer_height(vec![Series::new("v".into(), vec![7i64; rows]).into()])
            .expect("frame");
    let file = std::fs::File::create(&path).expect("create");
    ParquetWriter::new(file)
        .finish(&mut frame)
        .expect("parquet writes");
    path
}

#[test]
fn a_compressed_run_is_refused_by_the_memory_limit_or_loads_within_bounds() {
    let dir = tempfile::tempdir().expect("tmp");
    let rows = 4_000_000;
    let path = zip_bomb(dir.path(), rows);
    let on_disk = std::fs::metadata(&path).expect("meta").len();
    let decoded = (rows * 8) as u64;
    assert!(on_disk * 100 < decoded, "{on_disk} bytes on disk");
    // With less memory than it decodes to, but far more than its size on disk (which is all
    // the older check saw), it is refused before a page is read.
    let options = LoadOptions {
        memory_available: Some(decoded / 2),
        ..LoadOptions::default()
    };
    let e = Dataset::load(&path, &options, &Progress::silent())
        .err()
        .expect("refused");
    assert!(
        matches!(e, DataError::TooLarge { needed_bytes, .. } if needed_bytes >= decoded),
        "{e}"
    );
    assert!(
        e.to_string().contains("bomb.parquet is too large to load"),
        "{e}"
    );
    // With the machine's memory it loads, inside the time bound.
    let (code, stderr) = sextant(&["inspect", path.to_str().expect("utf-8")]);
    assert_eq!(code, 0, "{stderr}");
}

// ---- Sessions ----

#[test]
fn corrupt_and_deep_sessions_are_refused() {
    session_refused(
        &hostile("corrupt.sextant"),
        "is not a valid Sextant session",
    );
    session_refused(
        &hostile("deep.sextant"),
        "is nested deeper than the 128 levels a session can have",
    );
}

#[test]
fn an_oversized_session_is_refused_before_reading() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("big.sextant");
    let file = std::fs::File::create(&path).expect("create");
    // Sparse: the size is what is refused, nothing is read.
    file.set_len(sextant::session::MAX_SESSION_BYTES + 1)
        .expect("set_len");
    session_refused(&path, "a Sextant session is settings text of at most");
}

// ---- Models ----

#[test]
fn a_tensor_whose_dims_do_not_match_its_data_is_named() {
    let path = hostile("bad_dims.onnx");
    let m = onnx("tests/fixtures/hostile/bad_dims.onnx");
    let bad = m
        .graph
        .as_ref()
        .and_then(|g| g.initializer.iter().find(|t| t.dims.len() == 2))
        .expect("weight");
    model_refused(&path, &format!("the tensor {} has the shape", bad.name));
}

#[test]
fn a_huge_declared_tensor_is_refused_by_the_memory_limit() {
    model_refused(&hostile("huge_tensor.onnx"), "of memory available");
}

#[test]
fn malformed_tree_ensembles_are_refused() {
    model_refused(&hostile("tree_cycle.onnx"), "has a cycle");
    model_refused(&hostile("tree_missing_node.onnx"), "missing node 999999");
    model_refused(
        &hostile("tree_ragged.onnx"),
        "has node arrays of different lengths",
    );
}

/// Malformed tensors through the library: each refused with the tensor's name and cause.
#[test]
fn every_kind_of_malformed_tensor_is_refused_by_name() {
    let base = onnx("tests/fixtures/models/gemm_mlp.onnx");
    let weight = base
        .graph
        .as_ref()
        .and_then(|g| g.initializer.iter().find(|t| t.dims.len() == 2))
        .map(|t| t.name.clone())
        .expect("weight");
    type Edit = Box<dyn Fn(&mut pb::TensorProto)>;
    let cases: Vec<(&str, Edit)> = vec![
        (
            "has the negative dimension -3",
            Box::new(|t| t.dims[0] = -3),
        ),
        (
            "whose size overflows",
            Box::new(|t| t.dims = vec![i64::MAX, i64::MAX]),
        ),
        (
            "raw bytes instead of",
            Box::new(|t| {
                if t.raw_data.is_empty() {
                    t.raw_data = t.float_data.iter().flat_map(|f| f.to_le_bytes()).collect();
                    t.float_data.clear();
                }
                t.raw_data.pop();
            }),
        ),
        (
            "values but stores",
            Box::new(|t| {
                if t.float_data.is_empty() {
                    t.float_data = t
                        .raw_data
                        .chunks_exact(4)
                        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                        .collect();
                    t.raw_data.clear();
                }
                t.float_data.push(1.0);
            }),
        ),
        ("unknown element type 99", Box::new(|t| t.data_type = 99)),
        (
            "external file",
            Box::new(|t| {
                t.data_location = Some(pb::tensor_proto::DataLocation::External as i32);
            }),
        ),
    ];
    let dir = tempfile::tempdir().expect("tmp");
    for (fragment, edit) in cases {
        let mut m = base.clone();
        let t = graph(&mut m)
            .initializer
            .iter_mut()
            .find(|t| t.name == weight)
            .expect("weight");
        edit(t);
        let path = dir.path().join("m.onnx");
        std::fs::write(&path, m.encode_to_vec()).expect("write");
        let e = OnnxModel::load(&path).expect_err(fragment).to_string();
        assert!(
            e.contains(&format!("the tensor {weight} ")) && e.contains(fragment),
            "{fragment}: {e}"
        );
    }
}

/// The limits leave room on the stack of a background thread (2 MiB, Rust's default, which
/// the window's jobs use), in a debug build: NDJSON nested right at the limit loads and a
/// session nested right below ron's limit parses, both on such a thread.
#[test]
fn nesting_at_the_limits_fits_a_background_threads_stack() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("at_limit.ndjson");
    let depth = sextant::data::load::NDJSON_MAX_DEPTH;
    let nest = |d: usize| format!("{}1{}", "{\"a\":".repeat(d), "}".repeat(d));
    std::fs::write(&path, format!("{}\n{}\n", nest(depth), nest(depth))).expect("write");
    let p = path.clone();
    let loaded = std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(move || load(&p).map(|ds| ds.rows()).map_err(|e| e.to_string()))
        .expect("spawn")
        .join()
        .expect("no panic");
    assert_eq!(loaded, Ok(2));

    let text = format!(
        "Session(version: 1, notes: {}{})\n",
        "[".repeat(126),
        "]".repeat(126)
    );
    let parsed = std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(move || {
            sextant::session::parse(&text, Path::new("deep.sextant")).map_err(|e| e.to_string())
        })
        .expect("spawn")
        .join()
        .expect("no panic");
    // Not a valid session (notes are not lists), but parsed to an answer without overflowing.
    assert!(parsed.is_err_and(|e| e.contains("deep.sextant")));
}

//! Kill -9 during work: a real `sextant` process writes a session, a report (HTML and JSON),
//! data files (CSV and Parquet) or exported ONNX variants over a complete earlier version, and
//! is killed with SIGKILL at random moments (seeded): some spread over the whole run, some just
//! after its hidden temporary file appears, i.e. in the middle of the write. After every kill
//! each destination must hold the earlier version byte for byte or a complete new one, and
//! nothing but hidden temporary files may be left beside it; the next complete write must
//! remove those.
#![cfg(unix)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const SEXTANT: &str = env!("CARGO_BIN_EXE_sextant");

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("sample_data")
        .join(name)
}

/// A folder on the build's disk (a real file system, where a write and its fsync take the
/// time they take for a user; /tmp may be memory).
fn work_dir() -> tempfile::TempDir {
    tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("tmp")
}

/// SplitMix64: the kill moments are the same on every run of the test.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, max).
    fn below(&mut self, max: Duration) -> Duration {
        let unit = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        max.mul_f64(unit)
    }
}

fn run_to_completion(args: &[&str]) -> Duration {
    let start = Instant::now();
    let out = Command::new(SEXTANT)
        .args(args)
        .output()
        .expect("run sextant");
    assert!(
        out.status.success(),
        "sextant {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    start.elapsed()
}

/// Hidden temporary files of the atomic writer in `dir`.
fn temporaries(dir: &Path) -> Vec<String> {
    names(dir)
        .into_iter()
        .filter(|n| {
            let file = n.rsplit('/').next().unwrap_or(n);
            file.starts_with('.') && file.contains(".tmp-")
        })
        .collect()
}

/// Every file below `dir`, as a path relative to it (`sample-data` writes a folder of
/// partitions beside its files).
fn names(dir: &Path) -> Vec<String> {
    fn walk(dir: &Path, prefix: &str, out: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).expect("ls").flatten() {
            let name = format!("{prefix}{}", e.file_name().to_string_lossy());
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                walk(&e.path(), &format!("{name}/"), out);
            } else {
                out.push(name);
            }
        }
    }
    let mut v = Vec::new();
    walk(dir, "", &mut v);
    v.sort();
    v
}

/// `Ok` when the bytes are a complete version of the named output.
type Complete<'a> = &'a dyn Fn(&str, &[u8]) -> Result<(), String>;

/// What one writer under test is: its command, the folder it writes into, the files it
/// writes there, and what makes a file there a complete version.
struct Writer<'a> {
    args: Vec<String>,
    dir: &'a Path,
    outputs: Vec<String>,
    complete: Complete<'a>,
}

/// Kill `writer` `runs` times and check the destinations after each kill.
fn kill_repeatedly(writer: &Writer, runs: usize, seed: u64) -> usize {
    let args: Vec<&str> = writer.args.iter().map(String::as_str).collect();
    let full = run_to_completion(&args);
    let mut previous: Vec<Vec<u8>> = writer
        .outputs
        .iter()
        .map(|o| std::fs::read(writer.dir.join(o)).expect("first complete version"))
        .collect();
    for (o, bytes) in writer.outputs.iter().zip(&previous) {
        (writer.complete)(o, bytes).unwrap_or_else(|e| panic!("{o} after a complete run: {e}"));
    }
    let mut rng = Rng(seed);
    let mut mid_write = 0;
    for run in 0..runs {
        // Leftovers of earlier kills: only a new temporary file tells of this run's write.
        let earlier = temporaries(writer.dir);
        let new_temporary = || temporaries(writer.dir).iter().any(|t| !earlier.contains(t));
        let mut child = Command::new(SEXTANT)
            .args(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        if run % 2 == 0 {
            // Anywhere in the run: loading, computing or writing.
            std::thread::sleep(rng.below(full));
        } else {
            // In the write: once a temporary file shows, within the next few milliseconds.
            let deadline = Instant::now() + full * 3;
            while !new_temporary()
                && Instant::now() < deadline
                && child.try_wait().expect("wait").is_none()
            {
                std::thread::sleep(Duration::from_micros(200));
            }
            std::thread::sleep(rng.below(Duration::from_millis(3)));
        }
        let _ = child.kill(); // SIGKILL; it may have finished already
        child.wait().expect("wait");
        if new_temporary() {
            mid_write += 1;
        }
        let left = temporaries(writer.dir);
        for name in names(writer.dir) {
            assert!(
                writer.outputs.contains(&name) || left.contains(&name),
                "run {run}: {name} is left where the user sees it"
            );
        }
        for (o, before) in writer.outputs.iter().zip(previous.iter_mut()) {
            let now = std::fs::read(writer.dir.join(o))
                .unwrap_or_else(|e| panic!("run {run}: {o} is gone: {e}"));
            if now != *before {
                (writer.complete)(o, &now).unwrap_or_else(|e| {
                    panic!(
                        "run {run}: {o} is neither the earlier version nor a complete new one: {e}"
                    )
                });
                *before = now;
            }
        }
    }
    // The next complete write removes what the killed ones left.
    run_to_completion(&args);
    assert_eq!(temporaries(writer.dir), Vec::<String>::new());
    assert_eq!(names(writer.dir), {
        let mut o = writer.outputs.clone();
        o.sort();
        o
    });
    eprintln!(
        "{:?}: {runs} kills, {mid_write} in the middle of a write (a temporary file left)",
        writer.args.first()
    );
    mid_write
}

/// The files a complete run wrote, to compare later versions with.
fn first_versions(dir: &Path, outputs: &[String]) -> Vec<(String, Vec<u8>)> {
    outputs
        .iter()
        .map(|n| (n.clone(), std::fs::read(dir.join(n)).expect("read")))
        .collect()
}

/// `Ok` when `bytes` are those of the complete `name` (for writers whose output is the same
/// bytes on every run).
fn same_as(reference: &[(String, Vec<u8>)], name: &str, bytes: &[u8]) -> Result<(), String> {
    let (_, want) = reference
        .iter()
        .find(|(n, _)| n == name)
        .ok_or("not a file the command writes")?;
    if bytes == want.as_slice() {
        Ok(())
    } else {
        Err(format!(
            "{} bytes, not the {} of the complete file",
            bytes.len(),
            want.len()
        ))
    }
}

fn session_file(dir: &Path) -> PathBuf {
    let path = dir.join("weekly.sextant");
    run_to_completion(&[
        "session",
        "new",
        "--reference",
        sample("credit_training.parquet").to_str().expect("utf-8"),
        "--current",
        sample("credit_production.parquet").to_str().expect("utf-8"),
        "--out",
        path.to_str().expect("utf-8"),
    ]);
    path
}

#[test]
fn a_killed_session_save_leaves_the_saved_session_intact() {
    let tmp = work_dir();
    let dir = tmp.path().join("sessions");
    std::fs::create_dir(&dir).expect("mkdir");
    let out = dir.join("weekly.sextant");
    let complete = |_: &str, bytes: &[u8]| {
        let text = std::str::from_utf8(bytes).map_err(|e| e.to_string())?;
        sextant::session::parse(text, Path::new("weekly.sextant"))
            .map(drop)
            .map_err(|e| e.to_string())
    };
    let writer = Writer {
        args: [
            "session",
            "new",
            "--force",
            "--reference",
            sample("credit_training.parquet").to_str().expect("utf-8"),
            "--current",
            sample("credit_production.parquet").to_str().expect("utf-8"),
            "--out",
            out.to_str().expect("utf-8"),
        ]
        .map(String::from)
        .to_vec(),
        dir: &dir,
        outputs: vec!["weekly.sextant".into()],
        complete: &complete,
    };
    kill_repeatedly(&writer, 16, 1);
}

/// A report is complete when it parses: JSON as a whole, HTML from its doctype to `</html>`.
fn complete_report(name: &str, bytes: &[u8]) -> Result<(), String> {
    let text = std::str::from_utf8(bytes).map_err(|e| e.to_string())?;
    if name.ends_with(".json") {
        let doc: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        return doc
            .get("drift")
            .map(drop)
            .ok_or_else(|| "no drift section".into());
    }
    let head = text.trim_start().to_ascii_lowercase();
    if !head.starts_with("<!doctype html") {
        return Err("it does not start with <!doctype html>".into());
    }
    if !text.trim_end().ends_with("</html>") {
        return Err("it does not end with </html>".into());
    }
    Ok(())
}

#[test]
fn a_killed_report_export_leaves_the_earlier_report_intact() {
    for (format, name, seed) in [
        ("html", "weekly-report.html", 2),
        ("json", "weekly-report.json", 3),
    ] {
        let tmp = work_dir();
        let session = session_file(tmp.path());
        let dir = tmp.path().join("reports");
        std::fs::create_dir(&dir).expect("mkdir");
        let writer = Writer {
            args: [
                "report",
                "--session",
                session.to_str().expect("utf-8"),
                "--format",
                format,
                "--out",
                dir.join(name).to_str().expect("utf-8"),
            ]
            .map(String::from)
            .to_vec(),
            dir: &dir,
            outputs: vec![name.into()],
            complete: &complete_report,
        };
        kill_repeatedly(&writer, 10, seed);
    }
}

#[test]
fn killed_data_writes_leave_every_csv_and_parquet_file_intact() {
    let tmp = work_dir();
    let dir = tmp.path().join("data");
    let args: Vec<String> = [
        "sample-data",
        "--out",
        dir.to_str().expect("utf-8"),
        "--daily-volume",
        "300",
    ]
    .map(String::from)
    .to_vec();
    // The generator is seeded: a complete file is the same bytes every time.
    run_to_completion(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let outputs: Vec<String> = names(&dir);
    assert!(outputs.iter().any(|n| n.ends_with(".csv")));
    assert!(outputs.iter().any(|n| n.ends_with(".parquet")));
    let reference = first_versions(&dir, &outputs);
    let complete = |name: &str, bytes: &[u8]| same_as(&reference, name, bytes);
    let writer = Writer {
        args,
        dir: &dir,
        outputs,
        complete: &complete,
    };
    let mid_write = kill_repeatedly(&writer, 12, 4);
    // Megabytes of CSV take long enough to write that the kills just after a temporary file
    // showed up did land in a write; otherwise this test checked nothing about writes.
    assert!(mid_write > 0, "no kill landed in the middle of a write");
}

#[test]
fn killed_model_exports_leave_every_onnx_file_intact() {
    let tmp = work_dir();
    let dir = tmp.path().join("models");
    let args: Vec<String> = [
        "compress",
        "--model",
        sample("credit_mlp.onnx").to_str().expect("utf-8"),
        "--data",
        sample("credit_training.parquet").to_str().expect("utf-8"),
        "--variants",
        "fp16,int8",
        "--batch-sizes",
        "1",
        "--export",
        dir.to_str().expect("utf-8"),
    ]
    .map(String::from)
    .to_vec();
    run_to_completion(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let outputs = names(&dir);
    assert!(outputs.len() >= 2, "{outputs:?}");
    // Exports are deterministic: a complete file is the same bytes every time.
    let reference = first_versions(&dir, &outputs);
    let complete = |name: &str, bytes: &[u8]| same_as(&reference, name, bytes);
    let writer = Writer {
        args,
        dir: &dir,
        outputs,
        complete: &complete,
    };
    kill_repeatedly(&writer, 10, 5);
}

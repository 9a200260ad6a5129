//! Every numeric flag refuses a value outside its documented range: the real binary, each
//! absurd value (NaN, infinities, negatives, zero, 2^64, 1e300, …), exit code 2 and one error
//! line naming the flag and the range. Before these checks `--threshold NaN` made nothing
//! drift, `--binning equal:18446744073709551615` gave −0.0 for every PSI, KL and JS, and
//! `compress --batch-sizes 100000000` ran for minutes building one batch.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

fn sextant() -> Command {
    Command::new(env!("CARGO_BIN_EXE_sextant"))
}

fn sample(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("sample_data")
        .join(name)
        .display()
        .to_string()
}

/// A session file written once by `sextant session new`, for `check`/`report`.
fn data_dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("sextant-ranges-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        dir
    })
}

fn join(base: &[&str], extra: &[&str]) -> Vec<String> {
    base.iter().chain(extra).map(|s| s.to_string()).collect()
}

/// Run `args` and assert the refusal: exit 2, one `error:` line naming `flag` and `range`.
fn refused<S: AsRef<std::ffi::OsStr> + std::fmt::Debug>(args: &[S], flag: &str, range: &str) {
    let out = sextant().args(args).output().expect("run sextant");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{args:?} was not refused: {stderr}"
    );
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "{args:?}: {stderr}");
    let line = errors[0];
    assert!(
        line.contains(flag),
        "{args:?}: the error does not name {flag}: {line}"
    );
    assert!(
        line.contains(range),
        "{args:?}: the error does not give {range}: {line}"
    );
    assert_eq!(
        stderr.trim().lines().count(),
        1,
        "{args:?}: more than one sentence: {stderr}"
    );
}

const ABSURD_REALS: [&str; 6] = ["NaN", "inf", "-inf", "1e300", "-1e300", "nan"];
const ABSURD_COUNTS: [&str; 4] = ["-1", "18446744073709551616", "1e300", "NaN"];

#[test]
fn drift_flags() {
    let (r, c) = (
        sample("credit_training.parquet"),
        sample("credit_production.parquet"),
    );
    let base = ["drift", "--reference", &r, "--current", &c];
    let with = |extra: &[&str]| join(&base, extra);
    for x in ABSURD_REALS.iter().chain(&["-1", "1001"]) {
        let flag = format!("--threshold={x}");
        refused(&with(&[&flag]), "--threshold", "[0, 1000]");
    }
    for x in ABSURD_REALS.iter().chain(&["-0.1", "1.5", "2"]) {
        let flag = format!("--drift-share={x}");
        refused(&with(&[&flag]), "--drift-share", "[0, 1]");
    }
    for b in [
        "equal:18446744073709551615",
        "equal:1000000000000",
        "quantiles:1000000000000",
        "quantiles:18446744073709551616",
        "equal:1",
        "equal:0",
        "quantiles:-1",
        "equal:10001",
    ] {
        refused(&with(&["--binning", b]), "--binning", "from 2 to 10000");
    }
    for w in ["10001", "18446744073709551616", "1000000000000"] {
        refused(&with(&["--windows", w]), "--windows", "from 2 to 10000");
    }
    refused(
        &with(&["--column-threshold", "age=NaN"]),
        "--column-threshold",
        "[0, 1000]",
    );
    refused(
        &with(&["--kind-threshold", "numeric=inf"]),
        "--kind-threshold",
        "[0, 1000]",
    );
}

/// The largest documented values are accepted and give real numbers (not −0.0 everywhere).
#[test]
fn drift_at_the_edge_of_the_range_runs() {
    let out = sextant()
        .args([
            "drift",
            "--reference",
            &sample("credit_training.parquet"),
            "--current",
            &sample("credit_production.parquet"),
            "--method",
            "psi",
            "--binning",
            "equal:10000",
            "--threshold",
            "1000",
            "--format",
            "json",
        ])
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let columns = v["columns"].as_array().expect("columns");
    // The sample's income shifted: its PSI on 10 000 equal-width bins is far from zero.
    let income = columns
        .iter()
        .find(|c| c["column"] == "income")
        .expect("income");
    assert!(income["score"].as_f64().expect("score") > 0.1, "{income}");
    assert!(
        columns.iter().all(|c| c["score"]
            .as_f64()
            .is_none_or(|s| s >= 0.0 && s.is_finite())),
        "{v}"
    );
}

#[test]
fn compress_batch_sizes() {
    let model = sample("credit_mlp.onnx");
    let data = sample("credit_production.parquet");
    for b in [
        "100000000",
        "0",
        "100001",
        "18446744073709551616",
        "-1",
        "1,2,1000000",
    ] {
        let flag = format!("--batch-sizes={b}");
        refused(
            &["compress", "--model", &model, "--data", &data, &flag],
            "--batch-sizes",
            "from 1 to 100000",
        );
    }
    let many = (1..=33)
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let flag = format!("--batch-sizes={many}");
    refused(
        &["compress", "--model", &model, "--data", &data, &flag],
        "--batch-sizes",
        "from 1 to 32",
    );
    refused(
        &["compress", "--model", &model, "--data", &data, "--rows=0"],
        "--rows",
        "from 1 to 1000000000",
    );
}

#[test]
fn health_and_feedback_flags() {
    let (r, c) = (
        sample("credit_training.parquet"),
        sample("credit_production.parquet"),
    );
    let h = ["health", "--reference", &r, "--current", &c];
    let with = |extra: &str| join(&h, &[extra]);
    for x in ABSURD_REALS.iter().chain(&["-0.5", "1.5"]) {
        refused(&with(&format!("--threshold={x}")), "--threshold", "[0, 1]");
    }
    for x in ABSURD_REALS {
        refused(&with(&format!("--floor={x}")), "--floor", "[-1e15, 1e15]");
    }
    for x in ABSURD_COUNTS.iter().chain(&["10001", "1000000000000"]) {
        refused(
            &with(&format!("--bootstrap={x}")),
            "--bootstrap",
            "from 0 to 10000",
        );
    }
    refused(&with("--windows=0"), "--windows", "");

    let served = sample("credit_served.parquet");
    let f = ["feedback", "--data", &served];
    let with = |extra: &str| join(&f, &[extra]);
    for x in ABSURD_COUNTS.iter().chain(&["0", "101"]) {
        refused(
            &with(&format!("--max-lag={x}")),
            "--max-lag",
            "from 1 to 100",
        );
    }
    for x in ABSURD_COUNTS.iter().chain(&["0", "10001"]) {
        refused(
            &with(&format!("--baseline={x}")),
            "--baseline",
            "from 1 to 10000",
        );
    }
    for x in ABSURD_REALS.iter().chain(&["0", "1", "-1"]) {
        refused(&with(&format!("--alpha={x}")), "--alpha", "(0, 1)");
    }
}

#[test]
fn experiment_rollout_and_compare_flags() {
    let log = sample("credit_experiment.parquet");
    let ab = [
        "ab",
        "--log",
        &log,
        "--variant",
        "variant",
        "--control",
        "A",
        "--metric",
        "converted",
    ];
    let with = |extra: &str| join(&ab, &[extra]);
    for x in ABSURD_REALS.iter().chain(&["0", "1", "-1", "2"]) {
        refused(&with(&format!("--alpha={x}")), "--alpha", "(0, 1)");
    }
    refused(&with("--planned=A=NaN,B=0.5"), "--planned", "[0, 1]");

    let ro = sample("credit_rollout.parquet");
    let r = [
        "rollout",
        "--log",
        &ro,
        "--variant",
        "arm",
        "--control",
        "a",
        "--time",
        "t",
        "--success",
        "s",
    ];
    let with = |extra: &str| join(&r, &[extra]);
    for x in ABSURD_REALS.iter().chain(&["0", "0.5", "-1"]) {
        refused(&with(&format!("--alpha={x}")), "--alpha", "(0, 0.5)");
    }
    for x in ABSURD_REALS.iter().chain(&["0", "1"]) {
        refused(
            &with(&format!("--step-alpha={x}")),
            "--step-alpha",
            "(0, 1)",
        );
    }
    for x in ABSURD_REALS.iter().chain(&["-0.1", "11"]) {
        refused(
            &with(&format!("--min-share-change={x}")),
            "--min-share-change",
            "[0, 10]",
        );
    }
    for x in ABSURD_COUNTS.iter().chain(&["0", "1001"]) {
        refused(
            &with(&format!("--replays={x}")),
            "--replays",
            "from 1 to 1000",
        );
    }
    for x in ABSURD_COUNTS.iter().chain(&["1000000001"]) {
        refused(
            &with(&format!("--min-units={x}")),
            "--min-units",
            "from 0 to 1000000000",
        );
    }

    let cc = sample("credit_champion_challenger.parquet");
    let c = [
        "compare",
        "--data",
        &cc,
        "--target",
        "y",
        "--champion",
        "a",
        "--challenger",
        "b",
    ];
    let with = |extra: &str| join(&c, &[extra]);
    for x in ABSURD_COUNTS.iter().chain(&["1000001"]) {
        refused(
            &with(&format!("--roc-points={x}")),
            "--roc-points",
            "from 0 to 1000000",
        );
    }
    refused(&with("--roc-points=1"), "ROC points", "0 (all) or [10, ∞)");
    for x in ["NaN", "inf", "1.5", "-0.1"] {
        refused(&with(&format!("--threshold={x}")), "threshold", "[0, 1]");
    }
    for x in ["NaN", "0", "1"] {
        refused(&with(&format!("--alpha={x}")), "alpha", "(0, 1)");
    }
    refused(&with("--resamples=1000000"), "resamples", "[100, 100000]");
}

#[test]
fn seasonality_flags() {
    let data = sample("credit_production.parquet");
    let s = [
        "seasonality",
        "--input",
        &data,
        "--value",
        "@count",
        "--time",
        "applied_at",
    ];
    let with = |extra: &str| join(&s, &[extra]);
    for x in ABSURD_COUNTS
        .iter()
        .chain(&["1", "100001", "1000000000000"])
    {
        refused(
            &with(&format!("--period={x}")),
            "--period",
            "from 2 to 100000",
        );
    }
    for (flag, range) in [
        ("--seasonal", "from 3 to 1000001"),
        ("--trend", "from 3 to 1000001"),
        ("--low-pass", "from 3 to 1000001"),
        ("--inner-iter", "from 1 to 100"),
        ("--outer-iter", "from 0 to 100"),
    ] {
        for x in ["99999999999", "18446744073709551616", "-1"] {
            refused(&with(&format!("{flag}={x}")), flag, range);
        }
    }
    for x in ["99999999999", "0"] {
        refused(
            &with(&format!("--seasonal-jump={x}")),
            "--seasonal-jump",
            "from 1 to 10000",
        );
    }
    refused(&with("--trend-deg=2"), "--trend-deg", "from 0 to 1");
    for x in ABSURD_REALS.iter().chain(&["0", "-3"]) {
        refused(
            &with(&format!("--anomaly-threshold={x}")),
            "--anomaly-threshold",
            "(0, 1000]",
        );
        refused(&with(&format!("--alpha={x}")), "--alpha", "(0, 1)");
    }
}

#[test]
fn retrain_sample_data_and_bench_flags() {
    let (r, c) = (
        sample("credit_training.parquet"),
        sample("credit_production.parquet"),
    );
    let t = ["retrain", "--reference", &r, "--current", &c];
    let with = |extra: &str| join(&t, &[extra]);
    for x in ABSURD_REALS.iter().chain(&["-1", "1000001"]) {
        refused(&with(&format!("--cost={x}")), "--cost", "[0, 1e6]");
    }
    refused(
        &with("--what-if-delay=1d,2d,3d,4d,5d,6d,7d,8d,9d,10d,11d"),
        "--what-if-delay",
        "from 0 to 10",
    );

    let out = data_dir().join("sample").display().to_string();
    for x in ABSURD_REALS.iter().chain(&["0", "-1", "10001"]) {
        refused(
            &["sample-data", "--out", &out, &format!("--daily-volume={x}")],
            "--daily-volume",
            "(0, 10000]",
        );
    }
    for x in ABSURD_COUNTS.iter().chain(&["0", "100000001"]) {
        refused(
            &["bench", &format!("--rows={x}")],
            "--rows",
            "from 1 to 100000000",
        );
    }
    for x in ["0", "101", "-1"] {
        refused(
            &["bench-health", &format!("--repeat={x}")],
            "--repeat",
            "from 1 to 100",
        );
    }
}

/// A session holding an out-of-range value is refused naming the file and the setting.
#[test]
fn sessions_with_out_of_range_settings_are_refused() {
    let dir = data_dir();
    let session = dir.join("bad.sextant");
    let out = sextant()
        .args([
            "session",
            "new",
            "--reference",
            &sample("credit_training.parquet"),
            "--current",
            &sample("credit_production.parquet"),
            "--out",
        ])
        .arg(&session)
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&session).expect("session");
    assert!(text.contains("drift_share: 0.5"), "{text}");
    std::fs::write(
        &session,
        text.replace("drift_share: 0.5", "drift_share: 7.0"),
    )
    .unwrap();
    let html = dir.join("x.html").display().to_string();
    for cmd in [
        &["check", "--session"][..],
        &["report", "--out", &html, "--session"],
    ] {
        let out = sextant().args(cmd).arg(&session).output().expect("run");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{cmd:?}: {stderr}");
        assert!(stderr.contains("bad.sextant"), "{stderr}");
        assert!(
            stderr.contains("drift share (--drift-share) must be a number in [0, 1]; got 7"),
            "{stderr}"
        );
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    }
}

/// The shared report names files by name and fingerprint; their absolute paths (which tell
/// the author's folders) only with `--paths`.
#[test]
fn reports_print_paths_only_when_asked() {
    let dir = data_dir().join("report-paths");
    std::fs::create_dir_all(&dir).unwrap();
    for f in ["credit_training.parquet", "credit_production.parquet"] {
        std::fs::copy(sample(f), dir.join(f)).unwrap();
    }
    let folder = dir.display().to_string();
    let (r, c) = (
        dir.join("credit_training.parquet").display().to_string(),
        dir.join("credit_production.parquet").display().to_string(),
    );
    for format in ["html", "json"] {
        for paths in [false, true] {
            let out_file = dir.join(format!("report-{paths}.{format}"));
            let mut cmd = sextant();
            cmd.args([
                "report",
                "--reference",
                &r,
                "--current",
                &c,
                "--format",
                format,
            ])
            .arg("--out")
            .arg(&out_file);
            if paths {
                cmd.arg("--paths");
            }
            let out = cmd.output().expect("run");
            assert_eq!(
                out.status.code(),
                Some(0),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let text = std::fs::read_to_string(&out_file).unwrap();
            assert_eq!(
                text.contains(&folder),
                paths,
                "{format}, --paths {paths}: the temp folder {folder} is {}in the report",
                if paths { "not " } else { "" }
            );
            assert!(text.contains("credit_production.parquet"), "{format}");
            if format == "json" {
                let v: serde_json::Value = serde_json::from_str(&text).unwrap();
                let fp = v["datasets"]["current"]["fingerprint"]
                    .as_str()
                    .expect("fingerprint");
                assert!(fp.len() >= 8, "{fp}");
                assert!(text.contains(fp));
            } else {
                assert!(
                    text.contains("Fingerprint"),
                    "the datasets table names no fingerprint"
                );
                assert_eq!(text.contains(">Path<"), paths);
            }
        }
    }
}

/// Each engine's `validate()` passes its defaults and refuses one absurd value per field
/// family, naming the field.
#[test]
fn settings_validate_their_numbers() {
    use sextant::analysis::drift::BinningStrategy;
    use sextant::analysis::windows::WindowSpec;
    use sextant::engine::{
        compression::CompressionSettings, drift::DriftSettings, experiment::ExperimentSettings,
        feedback::FeedbackSettings, health::HealthSettings, retrain::RetrainSettings,
        rollout::RolloutSettings, seasonality::SeasonalitySettings,
    };
    assert_eq!(DriftSettings::default().validate(), Ok(()));
    assert_eq!(CompressionSettings::default().validate(), Ok(()));
    assert_eq!(HealthSettings::default().validate(), Ok(()));
    assert_eq!(FeedbackSettings::default().validate(), Ok(()));
    assert_eq!(ExperimentSettings::default().validate(), Ok(()));
    assert_eq!(RolloutSettings::default().validate(), Ok(()));
    assert_eq!(RetrainSettings::default().validate(), Ok(()));
    assert_eq!(SeasonalitySettings::default().validate(), Ok(()));

    let flag = |r: Result<(), sextant::engine::ranges::RangeError>| r.expect_err("refused").flag;
    let d = DriftSettings::default;
    assert_eq!(
        flag(
            DriftSettings {
                threshold: Some(f64::NAN),
                ..d()
            }
            .validate()
        ),
        "--threshold"
    );
    assert_eq!(
        flag(
            DriftSettings {
                binning: BinningStrategy::EqualWidth { n_bins: usize::MAX },
                ..d()
            }
            .validate()
        ),
        "--binning"
    );
    assert_eq!(
        flag(
            DriftSettings {
                windows: Some(WindowSpec::Chunks(1_000_000)),
                ..d()
            }
            .validate()
        ),
        "--windows"
    );
    let mut s = d();
    s.column_thresholds.insert("age".into(), -1.0);
    assert_eq!(flag(s.validate()), "--column-threshold");
    assert_eq!(
        flag(
            CompressionSettings {
                batch_sizes: vec![1, 100_000_000],
                ..CompressionSettings::default()
            }
            .validate()
        ),
        "--batch-sizes"
    );
    assert_eq!(
        flag(
            HealthSettings {
                bootstrap: Some(1 << 40),
                ..HealthSettings::default()
            }
            .validate()
        ),
        "--bootstrap"
    );
    // The Feedback section inside the health settings is checked with them.
    assert_eq!(
        flag(
            HealthSettings {
                feedback: Some(FeedbackSettings {
                    alpha: Some(f64::INFINITY),
                    ..FeedbackSettings::default()
                }),
                ..HealthSettings::default()
            }
            .validate()
        ),
        "--alpha"
    );
    assert_eq!(
        flag(
            ExperimentSettings {
                power: 1.0,
                ..ExperimentSettings::default()
            }
            .validate()
        ),
        "--power"
    );
    let r = RolloutSettings {
        replays: 0,
        ..RolloutSettings::default()
    };
    assert_eq!(flag(r.validate()), "--replays");
    let t = RetrainSettings {
        label_delay_us: -1,
        ..RetrainSettings::default()
    };
    assert_eq!(flag(t.validate()), "--label-delay");
    let mut z = SeasonalitySettings::default();
    z.options.outer_iter = Some(100_000_000);
    assert_eq!(flag(z.validate()), "--outer-iter");
    let z = SeasonalitySettings {
        alpha: f64::NAN,
        ..SeasonalitySettings::default()
    };
    assert_eq!(flag(z.validate()), "--alpha");
}

//! `sextant rollout` end to end: the JSON contract on the bundled rollout log and its breach at
//! the 50 % step, the whole pipeline (steps found, guardrail at each step's end, the stop)
//! against gbstats on the golden log of tests/golden/rollout, the replay of a plan, and bad
//! input as one sentence naming the file with exit 2.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn sextant(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_sextant"))
        .args(args)
        .output()
        .expect("sextant runs")
}

fn bundled_log() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("sample_data/credit_rollout.parquet")
        .display()
        .to_string()
}

fn rollout(log: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "rollout",
        "--log",
        log,
        "--variant",
        "model",
        "--control",
        "production",
        "--time",
        "timestamp",
        "--success",
        "approved",
    ];
    args.extend_from_slice(extra);
    sextant(&args)
}

fn json_of(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn micros(iso: &Value) -> i64 {
    sextant::vocab::time::parse_iso(iso.as_str().expect("a time")).expect("ISO time")
}

#[test]
fn the_bundled_log_breaks_its_latency_guardrail_at_the_50_percent_step() {
    let out = rollout(
        &bundled_log(),
        &[
            "--guardrail",
            "latency_ms:lower",
            "--guardrail",
            "error:lower",
            "--format",
            "json",
        ],
    );
    // A breach is a finding: exit 1.
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json_of(&out);
    let steps = v["steps"].as_array().expect("steps");
    assert_eq!(steps.len(), 5);
    let starts = sextant::sample_data::rollout::ramp_starts();
    for (k, (s, (share, _, _))) in steps
        .iter()
        .zip(sextant::sample_data::rollout::RAMP)
        .enumerate()
    {
        for key in ["start", "end", "share", "arms", "guardrails", "verdict"] {
            assert!(s.get(key).is_some(), "step {k} lacks {key}");
        }
        let got = s["share"].as_f64().expect("share");
        assert!((got - share).abs() < 0.01 + 0.1 * share, "step {k}: {got}");
        // Changes at 10:00 are found within a few (quiet) hours.
        let start = micros(&s["start"]);
        assert!(
            (start - starts[k]).abs() <= 4 * 3_600_000_000,
            "step {k} starts {}",
            s["start"]
        );
        for g in s["guardrails"].as_array().expect("guardrails") {
            for key in ["metric", "p_value", "breached"] {
                assert!(g.get(key).is_some(), "step {k} guardrail lacks {key}");
            }
        }
        assert!(s["arms"]["production"]["units"].is_u64());
        assert!(s["arms"]["challenger"]["units"].is_u64());
    }
    let stopped = micros(&v["stopped_at"]);
    assert!(
        stopped > micros(&steps[3]["start"]) && stopped <= micros(&steps[3]["end"]),
        "stopped at {}",
        v["stopped_at"]
    );
    assert_eq!(v["stopped_by"]["metric"], "latency_ms");
    assert_eq!(v["stopped_by"]["step"], 4);
    for (k, s) in steps.iter().enumerate() {
        if k < 3 {
            assert_ne!(s["verdict"], "roll_back", "step {k}");
            assert_eq!(s["guardrails"][0]["breached"], false);
        } else {
            assert_eq!(s["verdict"], "roll_back");
            assert_eq!(s["roll_back_since"], v["stopped_at"]);
        }
    }
    // The step's own latency effect is the planted +30 %.
    let own = steps[3]["guardrails"][0]["step_effect"]["relative"]["estimate"]
        .as_f64()
        .expect("effect");
    assert!((own - 0.3).abs() < 0.04, "{own}");
    // No control in the 100 % step: said, not hidden.
    assert_eq!(steps[4]["arms"]["production"]["units"], 0);
    assert!(
        steps[4]["note"]
            .as_str()
            .expect("note")
            .contains("no control traffic")
    );
    // The error guardrail never breaches.
    assert!(
        steps
            .iter()
            .all(|s| s["guardrails"][1]["breached"] == false)
    );
    assert!(
        v["success_overall"]["effect"]["estimate"]
            .as_f64()
            .expect("lift")
            > 0.0
    );
    assert!(
        v["timeline"]["latency_ms"]
            .as_array()
            .expect("timeline")
            .len()
            > 100
    );
    assert_eq!(v["problems"].as_array().map(Vec::len), Some(0));

    // The table says the same for people.
    let table = rollout(&bundled_log(), &["--guardrail", "latency_ms:lower"]);
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(text.contains("ROLL BACK since 2025-12-"), "{text}");
    assert!(text.contains("safe to go on"), "{text}");
}

#[test]
fn the_pipeline_equals_gbstats_on_the_golden_log() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/golden/rollout/rollout.json"
    ))
    .expect("golden");
    let g: Value = serde_json::from_str(&text).expect("JSON");
    let log = &g["log"];
    let t0 = log["start_seconds"].as_i64().expect("t0");
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("golden_log.csv");
    let mut f = std::fs::File::create(&path).expect("create");
    writeln!(f, "timestamp,model,approved,latency_ms").expect("write");
    let col = |k: &str| log[k].as_array().expect(k).clone();
    let (secs, treated, lat, ok) = (
        col("seconds"),
        col("treated"),
        col("latency_tenths_ms"),
        col("approved"),
    );
    for i in 0..secs.len() {
        let t = (t0 + secs[i].as_i64().expect("s")) * 1_000_000;
        let tenths = lat[i].as_i64().expect("latency");
        writeln!(
            f,
            "{},{},{},{}.{}",
            sextant::vocab::time::format_iso(t),
            if treated[i] == 1 {
                "challenger"
            } else {
                "production"
            },
            ok[i],
            tenths / 10,
            tenths % 10
        )
        .expect("write");
    }
    drop(f);
    let out = rollout(
        &path.display().to_string(),
        &["--guardrail", "latency_ms:lower", "--format", "json"],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json_of(&out);
    let hour = 3_600_000_000i64;
    let steps = v["steps"].as_array().expect("steps");
    let ramp = log["ramp"].as_array().expect("ramp");
    assert_eq!(steps.len(), ramp.len());
    for (s, r) in steps.iter().zip(ramp) {
        let first = r["first_hour"].as_i64().expect("hour");
        assert_eq!(micros(&s["start"]), t0 * 1_000_000 + first * hour);
    }
    let close = |got: &Value, want: &Value, what: &str| {
        let (got, want) = (got.as_f64().expect(what), want.as_f64().expect(what));
        assert!(
            (got - want).abs() <= 1e-9 * want.abs().max(1e-12),
            "{what}: {got} vs {want}"
        );
    };
    for (s, want) in steps
        .iter()
        .zip(log["step_end_guardrail"].as_array().expect("ends"))
    {
        let t = &s["guardrails"][0]["test"];
        close(&t["estimate"], &want["estimate"], "estimate");
        close(&t["standard_error"], &want["standard_error"], "se");
        close(&t["bound"], &want["bound"], "bound");
        assert!(
            (t["p_value"].as_f64().expect("p") - want["p_value"].as_f64().expect("p")).abs()
                < 1e-7 * want["p_value"].as_f64().expect("p")
        );
        assert_eq!(t["steps_used"], want["steps_used"]);
        assert_eq!(t["breached"], want["breached"]);
    }
    let first = &log["first_breach"];
    let look = t0 * 1_000_000 + (first["hour"].as_i64().expect("hour") + 1) * hour;
    assert_eq!(micros(&v["stopped_at"]), look);
    close(
        &v["stopped_by"]["bound"],
        &first["bound"],
        "bound at the stop",
    );
}

#[test]
fn a_plan_is_replayed_and_stops() {
    let out = rollout(
        &bundled_log(),
        &[
            "--guardrail",
            "latency_ms:lower",
            "--plan",
            "5%@2025-12-01,25%@2025-12-03,50%@2025-12-08,100%@2025-12-20",
            "--replays",
            "5",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let v = json_of(&out);
    let r = &v["replay"];
    let steps = r["steps"].as_array().expect("replay steps");
    assert_eq!(steps.len(), 4);
    for (s, p) in steps.iter().zip([0.05, 0.25, 0.5, 1.0]) {
        assert_eq!(s["planned_share"], p);
        let got = s["share"].as_f64().expect("replayed share");
        assert!((got - p).abs() < 0.02 + 0.1 * p, "{got} vs {p}");
    }
    // The observed steps get the plan's share beside their own.
    assert_eq!(v["steps"][0]["planned_share"], 0.05);
    // The harm starts on 15 December in the log, so every replay stops after it.
    assert_eq!(r["replays"], 5);
    assert_eq!(r["stopped_replays"], 5);
    let stop = micros(&r["stopped_at"]);
    assert!(
        stop > micros(&Value::from("2025-12-15T10:00:00Z")),
        "{}",
        r["stopped_at"]
    );
    assert!(
        r["stop_times"]
            .as_array()
            .expect("times")
            .iter()
            .all(Value::is_string)
    );
    // The same seed gives the same replay.
    let again = json_of(&rollout(
        &bundled_log(),
        &[
            "--guardrail",
            "latency_ms:lower",
            "--plan",
            "5%@2025-12-01,25%@2025-12-03,50%@2025-12-08,100%@2025-12-20",
            "--replays",
            "5",
            "--format",
            "json",
        ],
    ));
    assert_eq!(again["replay"], v["replay"]);
}

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let path: PathBuf = dir.path().join(name);
    std::fs::write(&path, text).expect("write");
    path.display().to_string()
}

/// A small CSV log: `rows` requests an hour apart, arm from `arm(i)`, latency from `lat(i)`.
fn small_log(
    rows: usize,
    arm: impl Fn(usize) -> &'static str,
    lat: impl Fn(usize) -> String,
) -> String {
    let mut s = String::from("timestamp,model,approved,latency_ms\n");
    for i in 0..rows {
        let t = 1_764_547_200_000_000i64 + i as i64 * 600_000_000;
        // Naive times (no "Z"), as most exports write them.
        s.push_str(&format!(
            "{},{},{},{}\n",
            sextant::vocab::time::format_iso(t).trim_end_matches('Z'),
            arm(i),
            i % 3 % 2,
            lat(i)
        ));
    }
    s
}

fn fails_with(out: &std::process::Output, needles: &[&str]) {
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "one sentence: {err}");
    for n in needles {
        assert!(err.contains(n), "{err} lacks {n}");
    }
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn bad_input_is_one_sentence_naming_the_file() {
    let dir = tempfile::tempdir().expect("tmp");
    let arms = |i: usize| {
        if i.is_multiple_of(2) {
            "production"
        } else {
            "challenger"
        }
    };
    let lat = |i: usize| format!("{}", 100 + (i * 37) % 50);

    let one = write(&dir, "one_arm.csv", &small_log(200, |_| "production", lat));
    fails_with(
        &rollout(&one, &["--guardrail", "latency_ms:lower"]),
        &["one_arm.csv", "only the value \"production\""],
    );

    let ok = write(&dir, "ok.csv", &small_log(400, arms, lat));
    let no_control = sextant(&[
        "rollout",
        "--log",
        &ok,
        "--variant",
        "model",
        "--control",
        "prod",
        "--time",
        "timestamp",
        "--success",
        "approved",
    ]);
    fails_with(&no_control, &["ok.csv", "\"prod\" is not a value of model"]);

    // Control requests exist but none has a time: the ramp has no control traffic.
    let mut text = small_log(200, arms, lat);
    text = text
        .lines()
        .map(|l| {
            if l.contains(",production,") {
                format!(",{}", l.split_once(',').expect("row").1)
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let untimed = write(&dir, "untimed.csv", &text);
    fails_with(
        &rollout(&untimed, &["--guardrail", "latency_ms:lower"]),
        &["untimed.csv", "no control traffic"],
    );

    let mut bad_time = small_log(50, arms, lat);
    bad_time = bad_time.replacen("2025-12-01T01:00:00", "yesterday", 1);
    let bad_time = write(&dir, "bad_time.csv", &bad_time);
    fails_with(
        &rollout(&bad_time, &[]),
        &["bad_time.csv", "not a date or time", "\"yesterday\""],
    );

    let missing = rollout(&ok, &["--guardrail", "latency"]);
    fails_with(&missing, &["ok.csv", "no column \"latency\""]);

    // Absurd flags are refused before anything is read.
    for (flag, value, needle) in [
        ("--alpha", "NaN", "--alpha"),
        ("--alpha", "0.7", "--alpha"),
        ("--replays", "0", "--replays"),
        ("--min-share-change", "-1", "--min-share-change"),
        ("--step-alpha", "2", "--step-alpha"),
        ("--plan", "5%@tomorrow", "--plan"),
        ("--plan", "150%@2025-12-01", "--plan"),
        ("--plan", "10%@2025-12-05,5%@2025-12-01", "--plan"),
    ] {
        fails_with(&rollout(&ok, &[flag, value]), &[needle]);
    }
    let late = rollout(
        &ok,
        &[
            "--guardrail",
            "latency_ms:lower",
            "--plan",
            "10%@2026-06-01",
        ],
    );
    fails_with(&late, &["ok.csv", "after the log's last request"]);
}

#[test]
fn a_metric_that_cannot_be_tested_is_named_and_the_rest_is_shown() {
    let dir = tempfile::tempdir().expect("tmp");
    let arms = |i: usize| {
        if i.is_multiple_of(2) {
            "production"
        } else {
            "challenger"
        }
    };
    let constant = write(
        &dir,
        "constant.csv",
        &small_log(400, arms, |_| "120".to_string()),
    );
    let out = rollout(
        &constant,
        &["--guardrail", "latency_ms:lower", "--format", "json"],
    );
    fails_with(
        &out,
        &[
            "constant.csv",
            "the guardrail latency_ms is constant",
            "cannot be tested",
        ],
    );
    let v = json_of(&out);
    assert_eq!(v["steps"].as_array().map(Vec::len), Some(1));
    assert_eq!(v["steps"][0]["verdict"], "not_tested");
    assert!(v["steps"][0]["success"]["effect"].is_object());
    assert_eq!(v["problems"].as_array().map(Vec::len), Some(1));

    let empty = write(&dir, "empty.csv", &small_log(400, arms, |_| String::new()));
    let out = rollout(
        &empty,
        &["--guardrail", "latency_ms:lower", "--format", "json"],
    );
    fails_with(&out, &["empty.csv", "latency_ms has no value in any row"]);
    assert_eq!(json_of(&out)["steps"][0]["verdict"], "not_tested");
}

#[test]
fn sample_data_reproduces_the_bundled_rollout_log() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = sextant(&["sample-data", "--out", dir.path().to_str().expect("utf8")]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bundled = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data");
    let name = sextant::sample_data::rollout::ROLLOUT_CSV;
    let fresh = std::fs::read(dir.path().join(name)).expect("fresh");
    let shipped = std::fs::read(bundled.join(name)).expect("shipped");
    assert!(
        fresh == shipped,
        "{name} differs from the bundled file: regenerate sample_data/"
    );
    let parquet = std::fs::metadata(bundled.join(sextant::sample_data::rollout::ROLLOUT_PARQUET))
        .expect("parquet")
        .len();
    assert!(parquet < 2_000_000, "{parquet} bytes");
}

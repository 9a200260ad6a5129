//! `sextant serve-sim` as a pipeline runs it: the JSON contract, the cheapest configuration,
//! estimated variants flagged and never chosen, and one-sentence refusals with exit code 2.

use std::process::Command;

fn sextant(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_sextant"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run sextant")
}

const LATENCY: &str = "tests/fixtures/serving_latency.json";

#[test]
fn json_has_the_contract_and_a_measured_cheapest() {
    let out = sextant(&[
        "serve-sim",
        "--latency",
        LATENCY,
        "--rate",
        "200/s",
        "--duration",
        "10min",
        "--policy",
        "realtime,batch:32:5ms,offline:1h",
        "--workers",
        "1,2,4",
        "--sla",
        "20ms",
        "--format",
        "json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let variants = v["variants"].as_array().unwrap();
    assert_eq!(variants.len(), 3);
    assert_eq!(variants[0]["measured"], true);
    assert_eq!(variants[2]["name"], "int4");
    assert_eq!(variants[2]["measured"], false);
    let runs = v["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 3 * 3 * 3);
    for r in runs {
        for key in [
            "variant",
            "policy",
            "workers",
            "mean_ms",
            "mean_wait_ms",
            "p50_ms",
            "p95_ms",
            "p99_ms",
            "throughput_per_s",
            "utilisation",
            "late_share",
            "core_seconds_per_million",
        ] {
            assert!(r.get(key).is_some(), "missing {key} in {r}");
        }
        let (p50, p95, p99) = (
            r["p50_ms"].as_f64().unwrap(),
            r["p95_ms"].as_f64().unwrap(),
            r["p99_ms"].as_f64().unwrap(),
        );
        assert!(p50 <= p95 && p95 <= p99, "{r}");
    }
    // int4 is ten times cheaper but estimated: the cheapest is a measured variant.
    let c = &v["cheapest_meeting_sla"];
    assert_eq!(c["variant"], "int8", "{c}");
    assert!(c["p95_ms"].as_f64().unwrap() <= 20.0);
    assert!(c["sentence"].as_str().unwrap().starts_with("int8, "));
    // 200/s × 1 ms at one worker is ρ = 0.2: realtime int8 meets 20 ms; offline never does.
    let offline = runs
        .iter()
        .find(|r| r["policy"] == "offline:1h" && r["variant"] == "int8")
        .unwrap();
    assert_eq!(offline["meets_sla"], false);
    assert_eq!(offline["late_share"].as_f64(), Some(1.0));
}

#[test]
fn the_same_flags_give_the_same_numbers() {
    let args = [
        "serve-sim",
        "--latency",
        LATENCY,
        "--rate",
        "300/s",
        "--duration",
        "2min",
        "--format",
        "json",
        "--seed",
        "9",
    ];
    let a = sextant(&args);
    let b = sextant(&args);
    assert_eq!(a.status.code(), Some(0));
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn bad_flags_are_refused_in_one_sentence() {
    for (args, says) in [
        (vec!["--rate", "fast"], "--rate: \"fast\" is not a rate"),
        (vec!["--rate", "0/s"], "request rate (--rate) must be"),
        (vec!["--rate", "NaN"], "not a rate"),
        (
            vec!["--rate", "200/s", "--sla", "100"],
            "--sla: \"100\" has no unit",
        ),
        (
            vec!["--rate", "200/s", "--policy", "batch:0:5ms"],
            "micro-batch size",
        ),
        (
            vec!["--rate", "200/s", "--policy", "sometimes"],
            "is not a policy",
        ),
        (
            vec!["--rate", "200/s", "--policy", "offline:0h"],
            "offline period",
        ),
        (
            vec!["--rate", "1e7/s", "--duration", "1d"],
            "at most 400000000 are replayed",
        ),
        (
            vec!["--rate", "200/s", "--workers", "0"],
            "must be a whole number from 1 to 4096",
        ),
        (
            vec!["--rate", "200/s", "--variants", "nope"],
            "has no variant nope",
        ),
    ] {
        let mut all = vec!["serve-sim", "--latency", LATENCY];
        all.extend(args.iter().copied());
        let out = sextant(&all);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{all:?}: {err}");
        assert!(err.contains(says), "{all:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{all:?}: {err}");
    }
    let out = sextant(&["serve-sim", "--rate", "200/s"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--model"));
}

#[test]
fn production_timestamps_rescaled_to_a_peak() {
    let out = sextant(&[
        "serve-sim",
        "--latency",
        LATENCY,
        "--data",
        "sample_data/credit_production.parquet",
        "--peak-rate",
        "50/s",
        "--workers",
        "1",
        "--format",
        "json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let a = &v["arrivals"];
    assert!(a["source"].as_str().unwrap().contains("applied_at"));
    assert_eq!(a["count"], 10450);
    assert!(
        (a["peak_rate_per_s"].as_f64().unwrap() - 50.0).abs() < 1e-6,
        "{a}"
    );
    assert_eq!(v["traffic"]["counts"].as_array().unwrap().len(), 288);
}

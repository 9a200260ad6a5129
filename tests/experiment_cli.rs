//! `sextant ab` end to end on a generated event log: events fold into units as documented
//! (sum for a mean metric, any conversion for a proportion, crossover units left out), the
//! numbers equal the statistics core (golden-tested against gbstats in experiment_stats.rs)
//! called on the same per-unit values, a skewed split raises the SRM flag, and bad input is one
//! sentence with exit 2.

use std::io::Write;
use std::process::Command;

use serde_json::Value;
use sextant::analysis::experiment::frequentist::{EffectParams, frequentist_effect};
use sextant::analysis::experiment::moments::{ArmSummary, Direction, MetricKind};

fn sextant(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_sextant"))
        .args(args)
        .output()
        .expect("sextant runs")
}

/// A deterministic pseudo-random stream in [0, 1).
fn uniform(state: &mut u64) -> f64 {
    *state = state
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (*state >> 11) as f64 / (1u64 << 53) as f64
}

/// A unit: its id, its arm and its events as (converted, revenue).
type Unit = (String, String, Vec<(u8, f64)>);

/// Generated units; unit 7 is made a crossover when the log is written.
fn units(n: usize, share_b: f64) -> Vec<Unit> {
    let mut s = 42u64;
    (0..n)
        .map(|i| {
            let b = uniform(&mut s) < share_b;
            let events = 1 + (uniform(&mut s) * 3.0) as usize;
            let lift = if b { 0.04 } else { 0.0 };
            let ev = (0..events)
                .map(|_| {
                    let conv = u8::from(uniform(&mut s) < 0.1 + lift);
                    (conv, (uniform(&mut s) * 20.0 * (1.0 + lift)).round() / 2.0)
                })
                .collect();
            (format!("u{i}"), if b { "B" } else { "A" }.to_string(), ev)
        })
        .collect()
}

fn write_log(dir: &tempfile::TempDir, units: &[Unit]) -> String {
    let path = dir.path().join("experiment.csv");
    let mut f = std::fs::File::create(&path).expect("create");
    writeln!(f, "user_id,variant,converted,revenue").expect("write");
    for (id, arm, events) in units {
        for (k, (c, r)) in events.iter().enumerate() {
            // Unit u7 shows up in both arms: a crossover.
            let arm = if id == "u7" && k == 0 {
                if arm == "A" { "B" } else { "A" }
            } else {
                arm.as_str()
            };
            writeln!(f, "{id},{arm},{c},{r}").expect("write");
        }
    }
    if !units.iter().any(|(id, _, e)| id == "u7" && e.len() > 1) {
        writeln!(f, "u7,B,0,1.0").expect("write");
        writeln!(f, "u7,A,0,1.0").expect("write");
    }
    path.display().to_string()
}

fn ab_json(args: &[&str]) -> Value {
    let out = sextant(args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

#[test]
fn events_fold_into_units_and_match_the_statistics_core() {
    let dir = tempfile::tempdir().expect("tempdir");
    let all = units(4000, 0.5);
    let log = write_log(&dir, &all);
    let v = ab_json(&[
        "ab",
        "--log",
        &log,
        "--variant",
        "variant",
        "--control",
        "A",
        "--unit",
        "user_id",
        "--metric",
        "converted",
        "--metric",
        "revenue:mean",
        "--format",
        "json",
    ]);
    assert_eq!(v["crossover_units"], 1);
    assert_eq!(v["aggregated_to_units"], true);
    assert_eq!(v["srm"]["flag"], false);
    assert_eq!(v["trustworthy"], true);
    // The same per-unit values, folded here by hand, through the statistics core.
    let kept: Vec<_> = all.iter().filter(|(id, _, _)| id != "u7").collect();
    for (metric, kind) in [
        ("converted", MetricKind::Proportion),
        ("revenue", MetricKind::Mean),
    ] {
        let arm_values = |arm: &str| -> Vec<f64> {
            kept.iter()
                .filter(|(_, a, _)| a == arm)
                .map(|(_, _, e)| match kind {
                    MetricKind::Proportion => {
                        e.iter().map(|(c, _)| f64::from(*c)).fold(0.0, f64::max)
                    }
                    MetricKind::Mean => e.iter().map(|(_, r)| *r).sum(),
                })
                .collect()
        };
        let (a, b) = (arm_values("A"), arm_values("B"));
        assert_eq!(v["units"]["A"], a.len() as u64);
        assert_eq!(v["units"]["B"], b.len() as u64);
        let want = frequentist_effect(&EffectParams {
            control: ArmSummary::from_values(&a, kind).expect("control"),
            treatment: ArmSummary::from_values(&b, kind).expect("treatment"),
            alpha: 0.05,
            direction: Direction::HigherIsBetter,
        })
        .expect("effect");
        let row = v["metrics"]
            .as_array()
            .expect("metrics")
            .iter()
            .find(|m| m["metric"] == metric && m["arm"] == "B")
            .expect("a row for B");
        assert_eq!(
            row["kind"],
            if kind == MetricKind::Proportion {
                "proportion"
            } else {
                "mean"
            }
        );
        let close = |key: &str, got: &Value, want: f64| {
            let got = got.as_f64().unwrap_or(f64::NAN);
            assert!(
                (got - want).abs() <= 1e-12 * want.abs().max(1.0),
                "{metric} {key}: {got} vs {want}"
            );
        };
        close(
            "relative",
            &row["relative"]["estimate"],
            want.relative.estimate,
        );
        close("ci_low", &row["relative"]["ci_low"], want.relative.ci_low);
        close(
            "absolute",
            &row["absolute"]["estimate"],
            want.absolute.estimate,
        );
        close("p", &row["p_value"], want.p_value);
        close("control mean", &row["control"]["mean"], want.control.mean);
        assert_eq!(row["treatment"]["n"], b.len() as u64);
        if kind == MetricKind::Proportion {
            close(
                "z",
                &row["z_test_p_value"],
                want.z_test_p_value.expect("z-test"),
            );
        }
    }
    // The table says the same in words.
    let out = sextant(&[
        "ab",
        "--log",
        &log,
        "--variant",
        "variant",
        "--control",
        "A",
        "--unit",
        "user_id",
        "--metric",
        "converted",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("aggregated to units"), "{text}");
    assert!(
        text.contains("1 units in more than one arm left out"),
        "{text}"
    );
}

#[test]
fn a_skewed_split_is_flagged_and_cuped_applies() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("units.csv");
    let mut f = std::fs::File::create(&path).expect("create");
    writeln!(f, "variant,revenue,pre_revenue").expect("write");
    let mut s = 7u64;
    for i in 0..3000 {
        // 55 % in B against a planned 50/50: an SRM at any sensible threshold.
        let arm = if i % 20 < 11 { "B" } else { "A" };
        let pre = uniform(&mut s) * 100.0;
        let post = pre * 0.8 + uniform(&mut s) * 10.0 + if arm == "B" { 1.0 } else { 0.0 };
        writeln!(f, "{arm},{post},{pre}").expect("write");
    }
    drop(f);
    let log = path.display().to_string();
    let v = ab_json(&[
        "ab",
        "--log",
        &log,
        "--variant",
        "variant",
        "--control",
        "A",
        "--metric",
        "revenue",
        "--covariate",
        "revenue=pre_revenue",
        "--sequential",
        "--format",
        "json",
    ]);
    assert_eq!(v["srm"]["flag"], true);
    assert_eq!(v["trustworthy"], false);
    assert!(v["srm"]["p_value"].as_f64().expect("p") < 0.001);
    let row = &v["metrics"][0];
    assert_eq!(row["kind"], "mean");
    let reduction = row["cuped"]["variance_reduction"]
        .as_f64()
        .expect("CUPED ran");
    assert!(
        reduction > 0.5,
        "the covariate explains most of the variance: {reduction}"
    );
    // The always-valid interval is on the headline (CUPED) estimate and wider than its fixed one.
    let fixed = &row["cuped"]["relative"];
    let sequential = &row["sequential"];
    assert!(
        sequential["ci_low"].as_f64().expect("sequential")
            < fixed["ci_low"].as_f64().expect("fixed")
    );
    assert!(
        sequential["ci_high"].as_f64().expect("sequential")
            > fixed["ci_high"].as_f64().expect("fixed")
    );
    let out = sextant(&[
        "ab",
        "--log",
        &log,
        "--variant",
        "variant",
        "--control",
        "A",
        "--metric",
        "revenue",
    ]);
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("SAMPLE-RATIO MISMATCH"));
}

#[test]
fn bad_input_is_one_sentence_and_exit_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = write_log(&dir, &units(200, 0.5));
    let base = [
        "ab",
        "--log",
        log.as_str(),
        "--variant",
        "variant",
        "--metric",
        "converted",
    ];
    let cases: [(&[&str], &str); 7] = [
        (
            &["--control", "C"],
            "the control arm \"C\" is not a value of variant",
        ),
        (
            &["--control", "A", "--alpha", "NaN"],
            "--alpha NaN is not a level between 0 and 1",
        ),
        (&["--control", "A", "--planned", "A=0.6,B=0.6"], "add up to"),
        (
            &["--control", "A", "--planned", "A=0.5,Z=0.5"],
            "names the arm \"Z\"",
        ),
        (
            &["--control", "A", "--covariate", "revenue=pre"],
            "not one of the --metric columns",
        ),
        (
            &["--control", "A", "--unit", "nope"],
            "has no column \"nope\"",
        ),
        (
            &["--control", "A", "--metric", "user_id"],
            "the metric column \"user_id\" is not numeric",
        ),
    ];
    for (extra, want) in cases {
        let mut args: Vec<&str> = base.to_vec();
        args.extend_from_slice(extra);
        let out = sextant(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {stderr}");
        assert!(stderr.contains(want), "{extra:?}: {stderr}");
        assert_eq!(
            stderr.trim().lines().count(),
            1,
            "{extra:?}: one sentence: {stderr}"
        );
    }
}

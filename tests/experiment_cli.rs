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
            "'--alpha <ALPHA>': must be a number in (0, 1)",
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

/// An event log over ten exposure days: `B` lifts revenue and is 20 ms slower (a harmed
/// guardrail); the pre-period revenue is blank for every 9th unit.
fn write_timed_log(dir: &tempfile::TempDir) -> (String, usize, usize) {
    let path = dir.path().join("timed.csv");
    let mut f = std::fs::File::create(&path).expect("create");
    writeln!(
        f,
        "user_id,variant,ts,converted,revenue,latency_ms,pre_revenue,channel"
    )
    .expect("write");
    let mut s = 11u64;
    let (mut units, mut blank) = (0, 0);
    for i in 0..3000 {
        let b = uniform(&mut s) < 0.5;
        let day = 1 + (uniform(&mut s) * 10.0) as u32;
        let pre = (uniform(&mut s) * 50.0).round();
        let pre_text = if i % 9 == 0 {
            blank += 1;
            String::new()
        } else {
            format!("{pre}")
        };
        let channel = if uniform(&mut s) < 0.5 { "web" } else { "app" };
        units += 1;
        for k in 0..(1 + (uniform(&mut s) * 2.0) as usize) {
            let conv = u8::from(uniform(&mut s) < 0.2);
            let rev = (pre * 0.5 + uniform(&mut s) * 10.0 + if b { 2.0 } else { 0.0 }).round();
            let lat = (100.0 + uniform(&mut s) * 30.0 + if b { 20.0 } else { 0.0 }).round();
            writeln!(
                f,
                "u{i},{},2025-12-{day:02} {:02}:00:00,{conv},{rev},{lat},{pre_text},{channel}",
                if b { "B" } else { "A" },
                8 + k
            )
            .expect("write");
        }
    }
    (path.display().to_string(), units, blank)
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("a number, got {v}"))
}

#[test]
fn timeline_guardrails_power_and_a_partly_missing_covariate() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (log, units, blank) = write_timed_log(&dir);
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
        "--time",
        "ts",
        "--metric",
        "revenue:mean",
        "--covariate",
        "revenue=pre_revenue",
        "--guardrail",
        "latency_ms:mean:lower",
        "--guardrail",
        "converted",
        "--format",
        "json",
    ]);
    let total: u64 = ["A", "B"]
        .iter()
        .map(|a| v["units"][a].as_u64().expect("n"))
        .sum();
    assert_eq!(total as usize, units);
    assert_eq!(v["missing_exposure_time"], 0);

    // The timeline: ascending days, units that never shrink, the last day the whole log.
    let days = v["timeline"].as_array().expect("timeline");
    assert_eq!(days.len(), 10);
    let mut last_total = 0;
    for (k, d) in days.iter().enumerate() {
        assert_eq!(d["date"], format!("2025-12-{:02}", k + 1));
        let n: u64 = ["A", "B"]
            .iter()
            .map(|a| d["units"][a].as_u64().expect("n"))
            .sum();
        assert!(n > last_total, "units grow day by day");
        last_total = n;
        assert!(num(&d["srm_p_value"]) > 0.0);
        for p in d["metrics"].as_array().expect("points") {
            if p["error"].is_null() {
                // The always-valid interval holds the fixed one.
                assert!(num(&p["sequential_ci_low"]) <= num(&p["ci_low"]));
                assert!(num(&p["sequential_ci_high"]) >= num(&p["ci_high"]));
            }
        }
    }
    assert_eq!(last_total, total);
    let rows = v["metrics"].as_array().expect("metrics");
    let last = days.last().expect("a day")["metrics"]
        .as_array()
        .expect("points");
    for (row, point) in rows.iter().zip(last) {
        assert_eq!(row["metric"], point["metric"]);
        // The headline: CUPED's relative lift for revenue, the plain one for the others.
        let head = if row["cuped"].is_null() {
            &row["relative"]
        } else {
            &row["cuped"]["relative"]
        };
        for (a, b) in [
            ("estimate", "lift"),
            ("ci_low", "ci_low"),
            ("ci_high", "ci_high"),
        ] {
            let (x, y) = (num(&head[a]), num(&point[b]));
            assert!((x - y).abs() <= 1e-9 * x.abs().max(1e-3), "{a}: {x} vs {y}");
        }
    }

    // Guardrails: B's latency is harmed, its conversion is not.
    let row = |m: &str| rows.iter().find(|r| r["metric"] == m).expect("row");
    assert_eq!(row("latency_ms")["role"], "guardrail");
    assert_eq!(row("latency_ms")["verdict"], "harmed");
    assert!(num(&row("latency_ms")["harm"]["p_value"]) < 1e-6);
    assert!(num(&row("latency_ms")["harm"]["bound"]) > 0.0);
    assert_eq!(row("converted")["verdict"], "no_harm_detected");
    assert_eq!(row("revenue")["role"], "goal");
    assert_eq!(row("revenue")["verdict"], "better");
    assert!(row("revenue")["harm"].is_null());

    // The covariate is missing for every 9th unit: said, counted, and CUPED still applies.
    let cm = &v["covariate_missing"]["revenue"];
    assert_eq!(cm["missing"], blank as u64);
    assert_eq!(cm["adjusted_units"], (units - blank) as u64);
    assert!(row("revenue")["cuped"]["theta"].is_number());
    let notes: Vec<&str> = v["notes"]
        .as_array()
        .expect("notes")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        notes.iter().any(|n| n
            .starts_with("timed.csv: the covariate \"pre_revenue\" of \"revenue\" is missing for")
            && n.contains(&format!(
                "{blank} of {units} units; CUPED adjusts with the other"
            ))),
        "{notes:?}"
    );

    // Power: 10 calendar days, the traffic, a detectable effect now and the days still needed.
    let p = &v["power"];
    assert_eq!(p["exposure_days"], 10);
    assert!((num(&p["daily_units"]) - units as f64 / 10.0).abs() < 1e-9);
    for m in p["metrics"].as_array().expect("power rows") {
        assert!(num(&m["mde_absolute"]) > 0.0, "{m}");
        assert!(num(&m["units_per_arm"]) > 1000.0);
    }
    let lat = p["metrics"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|m| m["metric"] == "latency_ms")
        .expect("latency");
    // A 20 ms effect on a 30 ms spread is powered long ago: no day is still needed.
    assert_eq!(num(&lat["days_remaining"]), 0.0);

    // The table says it in words.
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
        "--time",
        "ts",
        "--metric",
        "revenue:mean",
        "--guardrail",
        "latency_ms:mean:lower",
        "--segment",
        "channel",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("latency_ms (guardrail)") && text.contains("harmed"),
        "{text}"
    );
    assert!(
        text.contains("Timeline: cumulative by exposure day"),
        "{text}"
    );
    assert!(text.contains("Power 80.0 %"), "{text}");
    assert!(text.contains("Segments by channel"), "{text}");
}

/// The kidney-stone numbers: the treatment wins in both segments and loses in total,
/// because it got most of the hard cases.
#[test]
fn segments_find_simpsons_paradox() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("stones.csv");
    let mut f = std::fs::File::create(&path).expect("create");
    writeln!(f, "variant,size,success").expect("write");
    for (arm, size, ok, n) in [
        ("A", "small", 234, 270),
        ("A", "large", 55, 80),
        ("B", "small", 81, 87),
        ("B", "large", 192, 263),
    ] {
        for i in 0..n {
            writeln!(f, "{arm},{size},{}", u8::from(i < ok)).expect("write");
        }
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
        "success",
        "--segment",
        "size",
        "--correction",
        "bh",
        "--format",
        "json",
    ]);
    let seg = &v["segments"][0];
    assert_eq!(seg["column"], "size");
    assert_eq!(seg["values"], serde_json::json!(["large", "small"]));
    let m = &seg["metrics"][0];
    assert_eq!(m["simpson"], true);
    assert!(num(&m["total_lift"]) < 0.0);
    for s in m["segments"].as_array().expect("segments") {
        assert!(num(&s["lift"]) > 0.0);
        assert_eq!(s["sign_differs"], true);
        assert!(num(&s["adjusted_p_value"]) >= num(&s["p_value"]));
    }
    let small = &m["segments"][1];
    assert_eq!(
        (
            small["control_units"].clone(),
            small["treatment_units"].clone()
        ),
        (270.into(), 87.into())
    );
    assert!(
        m["notes"][0]
            .as_str()
            .expect("note")
            .starts_with("Simpson's paradox")
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
        "success",
        "--segment",
        "size",
    ]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("note: Simpson's paradox"));
}

#[test]
fn the_sample_experiment_has_a_ratio_mismatch_and_a_harmed_guardrail() {
    let log = format!(
        "{}/sample_data/credit_experiment.parquet",
        env!("CARGO_MANIFEST_DIR")
    );
    let v = ab_json(&[
        "ab",
        "--log",
        &log,
        "--variant",
        "model",
        "--control",
        "production",
        "--unit",
        "applicant_id",
        "--time",
        "exposed_at",
        "--metric",
        "approved",
        "--metric",
        "defaulted_90d:lower",
        "--metric",
        "revenue:mean",
        "--guardrail",
        "latency_ms:mean:lower",
        "--covariate",
        "revenue=pre_revenue",
        "--segment",
        "channel",
        "--format",
        "json",
    ]);
    // The timeout bug: the challenger lost units against the planned 50/50.
    assert_eq!(v["srm"]["flag"], true);
    assert!(num(&v["srm"]["p_value"]) < 0.001);
    assert!(v["units"]["challenger"].as_u64() < v["units"]["production"].as_u64());
    assert_eq!(v["trustworthy"], false);
    assert_eq!(v["timeline"].as_array().expect("days").len(), 31);
    let rows = v["metrics"].as_array().expect("rows");
    let lat = rows
        .iter()
        .find(|r| r["metric"] == "latency_ms")
        .expect("latency");
    assert_eq!(lat["verdict"], "harmed");
    assert!(
        v["covariate_missing"]["revenue"]["missing"]
            .as_u64()
            .expect("n")
            > 0
    );
    // The partner channel approves less under the challenger, against the total.
    let approved = v["segments"][0]["metrics"]
        .as_array()
        .expect("metrics")
        .iter()
        .find(|m| m["metric"] == "approved")
        .expect("approved");
    let partner = approved["segments"]
        .as_array()
        .expect("segments")
        .iter()
        .find(|s| s["segment"] == "partner")
        .expect("partner");
    assert_eq!(partner["sign_differs"], true);
}

#[test]
fn a_constant_or_empty_metric_is_a_sentence_and_the_rest_is_shown() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("odd.csv");
    let mut f = std::fs::File::create(&path).expect("create");
    writeln!(f, "variant,revenue,always,never").expect("write");
    let mut s = 5u64;
    for i in 0..400 {
        let arm = if i % 2 == 0 { "A" } else { "B" };
        writeln!(f, "{arm},{},1,", (uniform(&mut s) * 10.0).round()).expect("write");
    }
    drop(f);
    let log = path.display().to_string();
    let args = [
        "ab",
        "--log",
        log.as_str(),
        "--variant",
        "variant",
        "--control",
        "A",
        "--metric",
        "revenue:mean",
        "--metric",
        "always",
        "--metric",
        "never:mean",
    ];
    let mut json_args = args.to_vec();
    json_args.extend(["--format", "json"]);
    let v = ab_json(&json_args);
    let rows = v["metrics"].as_array().expect("rows");
    assert!(rows[0]["relative"]["estimate"].is_number());
    assert_eq!(
        rows[1]["error"],
        "odd.csv: the metric \"always\" is 1 for every unit (constant), so there is nothing to test"
    );
    assert_eq!(
        rows[2]["error"],
        "odd.csv: the metric \"never\" has no value for any unit, so it is not tested"
    );
    assert_eq!(v["notes"].as_array().expect("notes").len(), 2);
    let out = sextant(&args);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("note: odd.csv: the metric \"always\" is 1 for every unit"),
        "{text}"
    );
}

#[test]
fn bad_time_and_segment_columns_are_one_sentence() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = write_log(&dir, &units(100, 0.5));
    let base = [
        "ab",
        "--log",
        log.as_str(),
        "--variant",
        "variant",
        "--control",
        "A",
        "--metric",
        "converted",
    ];
    let cases: [(&[&str], &str); 4] = [
        (
            &["--time", "revenue"],
            "the time column \"revenue\" is not a date or time",
        ),
        (
            &["--segment", "nope"],
            "has no column \"nope\" (named as the segment)",
        ),
        (
            &["--guardrail", "converted"],
            "the column converted is named twice",
        ),
        (
            &["--guardrail", "revenue:fast"],
            "\"fast\" is not proportion, mean, lower or higher",
        ),
    ];
    for (extra, want) in cases {
        let mut args: Vec<&str> = base.to_vec();
        args.extend_from_slice(extra);
        let out = sextant(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {stderr}");
        assert!(stderr.contains(want), "{extra:?}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    }
}

#[test]
fn without_metrics_the_names_choose_them_and_a_harmed_guardrail_blocks_shipping() {
    let log = format!(
        "{}/sample_data/credit_experiment.parquet",
        env!("CARGO_MANIFEST_DIR")
    );
    let args = [
        "ab",
        "--log",
        &log,
        "--variant",
        "model",
        "--control",
        "production",
        "--unit",
        "applicant_id",
        "--format",
        "json",
    ];
    let out = sextant(&args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("no --metric given") && stderr.contains("latency_ms (guardrail)"),
        "{stderr}"
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    let rows = v["metrics"].as_array().expect("rows");
    let role = |m: &str| {
        rows.iter()
            .find(|r| r["metric"] == m)
            .map(|r| r["role"].clone())
            .unwrap_or_else(|| panic!("{m} tested"))
    };
    assert_eq!(role("approved"), "goal");
    assert_eq!(role("defaulted_90d"), "goal");
    assert_eq!(role("revenue"), "goal");
    assert_eq!(role("latency_ms"), "guardrail");
    // pre_revenue is revenue's covariate by its name, not a metric.
    assert!(rows.iter().all(|r| r["metric"] != "pre_revenue"));
    let revenue = rows
        .iter()
        .find(|r| r["metric"] == "revenue")
        .expect("revenue");
    assert!(revenue["cuped"].is_object(), "{revenue}");
    // The challenger is better on approvals but its latency is harmed: do not ship.
    let d = &v["decision"][0];
    assert_eq!(d["arm"], "challenger");
    assert_eq!(d["decision"], "do_not_ship");
    assert_eq!(d["harmed"], serde_json::json!(["latency_ms"]));
    assert!(
        d["better"]
            .as_array()
            .expect("better")
            .iter()
            .any(|m| m == "approved")
    );
    assert_eq!(d["trustworthy"], false);
    // The table says it in a sentence.
    let mut table_args = args.to_vec();
    table_args.truncate(args.len() - 2);
    let out = sextant(&table_args);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Decision for challenger: do not ship (guardrail harmed: latency_ms"),
        "{text}"
    );
}

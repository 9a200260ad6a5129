//! `sextant ab power` end to end: every sample-size and minimum-detectable-effect case of
//! `tests/golden/experiment/power.json` (scipy's normal quantiles; the MDE of a proportion by
//! brentq on the sample-size formula) through the binary, the total and the days from them,
//! arms that multiply the total and keep α, and absurd values refused in one sentence with
//! exit 2. `sextant ab --log …` itself is tests/experiment_cli.rs's, unchanged.

use std::process::Command;

use serde_json::Value;

fn sextant(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_sextant"))
        .args(args)
        .output()
        .expect("sextant runs")
}

fn golden() -> Value {
    let path = format!(
        "{}/tests/golden/experiment/power.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("json")
}

fn power_json(args: &[&str]) -> Value {
    let mut all = vec!["ab", "power", "--format", "json"];
    all.extend_from_slice(args);
    let out = sextant(&all);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

fn f(v: &Value) -> f64 {
    v.as_f64()
        .unwrap_or_else(|| panic!("number expected, got {v}"))
}

fn close(what: &str, got: &Value, want: f64) {
    let got = f(got);
    assert!(
        (got - want).abs() <= 1e-9 * want.abs().max(1e-12),
        "{what}: got {got}, want {want}"
    );
}

/// The flags of a golden case: baseline, optional std, alpha and power.
fn flags(case: &Value) -> Vec<String> {
    let mut v = vec![
        "--baseline".to_string(),
        f(&case["baseline"]).to_string(),
        "--alpha".into(),
        f(&case["alpha"]).to_string(),
        "--power".into(),
        f(&case["power"]).to_string(),
    ];
    if let Some(s) = case["std_dev"].as_f64() {
        v.extend(["--std".into(), s.to_string()]);
    }
    v
}

#[test]
fn sample_sizes_equal_the_golden_values() {
    let g = golden();
    for case in g["sample_size"].as_array().expect("cases") {
        let mut args = flags(case);
        args.extend(["--mde".into(), f(&case["mde"]).to_string()]);
        if case["relative"] == true {
            args.push("--relative".into());
        }
        args.extend(["--daily-units".into(), "1234".into()]);
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let v = power_json(&refs);
        close("delta", &v["delta"], f(&case["delta"]));
        close(
            "per_arm_exact",
            &v["per_arm_exact"],
            f(&case["per_arm_exact"]),
        );
        assert_eq!(v["per_arm"], case["per_arm"], "{args:?}");
        let per_arm = case["per_arm"].as_u64().expect("per arm");
        assert_eq!(v["total"], 2 * per_arm);
        close("days", &v["days"], (2 * per_arm) as f64 / 1234.0);
        assert_eq!(v["mde_at_units"], Value::Null);
        assert_eq!(v["days_remaining"], Value::Null);
        assert_eq!(
            v["baseline"]["kind"],
            if case["std_dev"].is_null() {
                "proportion"
            } else {
                "mean"
            }
        );
    }
}

#[test]
fn detectable_effects_equal_the_golden_values() {
    let g = golden();
    for case in g["mde"].as_array().expect("cases") {
        let units = case["per_arm"].as_u64().expect("per arm");
        let mut args = flags(case);
        // The planned effect is beside the point here; the MDE at --units is checked.
        args.extend([
            "--mde".into(),
            "0.5".into(),
            "--relative".into(),
            "--units".into(),
            units.to_string(),
            "--daily-units".into(),
            "100".into(),
        ]);
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let v = power_json(&refs);
        close(
            "absolute",
            &v["mde_at_units"]["absolute"],
            f(&case["absolute"]),
        );
        close(
            "relative",
            &v["mde_at_units"]["relative"],
            f(&case["relative"]),
        );
        assert_eq!(v["units_per_arm"], units);
        let total = v["total"].as_u64().expect("total");
        close(
            "days remaining",
            &v["days_remaining"],
            total.saturating_sub(2 * units) as f64 / 100.0,
        );
    }
}

#[test]
fn arms_multiply_the_total_and_keep_alpha() {
    let base = ["--baseline", "0.1", "--mde", "0.05", "--relative"];
    let two = power_json(&base);
    let mut args = base.to_vec();
    args.extend(["--arms", "4"]);
    let four = power_json(&args);
    assert_eq!(two["per_arm"], four["per_arm"]);
    assert_eq!(
        four["total"].as_u64(),
        four["per_arm"].as_u64().map(|n| 4 * n)
    );
    assert_eq!(four["alpha_per_comparison"], 0.05);
    let out = sextant(&[
        "ab",
        "power",
        "--baseline",
        "0.1",
        "--mde",
        "0.05",
        "--relative",
        "--daily-units",
        "1000",
        "--units",
        "20000",
    ]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("Plan: a proportion of 0.1, minimum effect 5 % relative"),
        "{text}"
    );
    assert!(text.contains("units per arm"), "{text}");
    assert!(text.contains("days at 1000 units a day"), "{text}");
    assert!(
        text.contains("detectable effect at 20000 per arm"),
        "{text}"
    );
    assert!(text.contains("days still needed"), "{text}");
}

#[test]
fn absurd_values_are_one_sentence_and_exit_2() {
    let cases: [(&[&str], &str); 11] = [
        (
            &["--mde", "-0.05"],
            "minimum detectable effect = -0.05 is outside",
        ),
        (&["--mde", "0"], "minimum detectable effect = 0 is outside"),
        (
            &["--power", "1"],
            "power = 1 is outside its valid range (0, 1)",
        ),
        (
            &["--alpha", "NaN"],
            "alpha = NaN is outside its valid range (0, 1)",
        ),
        (
            &["--baseline", "1.5"],
            "baseline rate = 1.5 is outside its valid range (0, 1)",
        ),
        (&["--std", "-1"], "standard deviation = -1 is outside"),
        (
            &["--arms", "1"],
            "a power calculation needs 2 to 1000 arms, not 1",
        ),
        (&["--daily-units", "0"], "daily units = 0 is outside"),
        (&["--mde", "1e-9"], "more than 10¹²"),
        (&["--units", "0"], "units per arm = 0 is outside"),
        (
            &["--mde", "0.95"],
            "treatment rate (baseline + effect) = 1.05",
        ),
    ];
    for (extra, want) in cases {
        let mut args = vec!["ab", "power", "--baseline", "0.1", "--mde", "0.01"];
        for pair in extra.chunks(2) {
            if let Some(pos) = args.iter().position(|a| *a == pair[0]) {
                args[pos + 1] = pair[1];
            } else {
                args.extend_from_slice(pair);
            }
        }
        let out = sextant(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {stderr}");
        assert!(stderr.contains(want), "{extra:?}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{extra:?}: {stderr}");
    }
    // Flags of the test and the plan do not mix.
    let out = sextant(&[
        "ab",
        "--log",
        "x.csv",
        "power",
        "--baseline",
        "0.1",
        "--mde",
        "0.01",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

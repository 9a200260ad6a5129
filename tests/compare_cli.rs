//! `sextant compare` end to end: a golden case of `tests/golden/experiment/compare.json`
//! written as a CSV (with rows missing a value, which are dropped and counted), run through
//! the binary; the JSON keeps its contract, its metrics, tests and curves equal scikit-learn,
//! the fast-DeLong code and statsmodels, and its bootstrap equals the statistics core's
//! one-thread run with the same seed. Bad input is one sentence and exit 2.

use std::io::Write;
use std::process::Command;

use serde_json::Value;
use sextant::analysis::experiment::offline::{
    BootstrapParams, CompareParams, Comparison, paired_bootstrap,
};

fn sextant(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_sextant"))
        .args(args)
        .output()
        .expect("sextant runs")
}

fn golden_case(name: &str) -> Value {
    let path = format!(
        "{}/tests/golden/experiment/compare.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let g: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("json");
    g["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .find(|c| c["name"] == name)
        .cloned()
        .expect("case")
}

/// The input scores as written (exact decimal strings).
fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_str().expect("string").to_string())
        .collect()
}

fn num(v: &Value) -> f64 {
    match v.as_str() {
        Some("Infinity") => f64::INFINITY,
        _ => v
            .as_f64()
            .unwrap_or_else(|| panic!("number expected, got {v}")),
    }
}

fn close(what: &str, got: &Value, want: f64, tol: f64) {
    let got = num(got);
    if got == want {
        return;
    }
    let scale = got.abs().max(want.abs()).max(1e-300);
    assert!(
        (got - want).abs() <= tol * scale,
        "{what}: got {got:e}, want {want:e}"
    );
}

/// The case as a CSV with an id column and three rows that miss a value.
fn write_case(dir: &tempfile::TempDir, case: &Value) -> String {
    let path = dir.path().join("scores.csv");
    let mut f = std::fs::File::create(&path).expect("create");
    writeln!(f, "id,label,old_model,new_model").expect("write");
    let labels = case["labels"].as_array().expect("labels");
    let (a, b) = (strings(&case["champion"]), strings(&case["challenger"]));
    for (i, ((y, a), b)) in labels.iter().zip(&a).zip(&b).enumerate() {
        writeln!(f, "r{i},{y},{a},{b}").expect("write");
        if i == 10 {
            writeln!(f, "gap1,,0.5,0.5").expect("write");
            writeln!(f, "gap2,1,,0.5").expect("write");
            writeln!(f, "gap3,0,0.5,").expect("write");
        }
    }
    path.display().to_string()
}

const BASE: [&str; 8] = [
    "--target",
    "label",
    "--champion",
    "old_model",
    "--challenger",
    "new_model",
    "--format",
    "json",
];

fn compare_json(data: &str, extra: &[&str]) -> Value {
    let mut args = vec!["compare", "--data", data];
    args.extend_from_slice(&BASE);
    args.extend_from_slice(extra);
    let out = sextant(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

#[test]
fn the_json_equals_the_references_and_the_core() {
    let case = golden_case("extremes");
    let dir = tempfile::tempdir().expect("tempdir");
    let data = write_case(&dir, &case);
    let v = compare_json(
        &data,
        &[
            "--threshold",
            "0.3",
            "--resamples",
            "400",
            "--auc-resamples",
            "40",
            "--seed",
            "9",
            "--roc-points",
            "0",
        ],
    );
    // The contract.
    for key in [
        "champion",
        "challenger",
        "delong",
        "mcnemar",
        "bootstrap",
        "winner",
    ] {
        assert!(v.get(key).is_some(), "key {key}");
    }
    for model in ["champion", "challenger"] {
        for key in ["roc_auc", "accuracy", "log_loss"] {
            assert!(v[model].get(key).is_some(), "{model}.{key}");
        }
    }
    for key in ["difference", "z", "p_value"] {
        assert!(v["delong"][key].is_number(), "delong.{key}");
    }
    for key in ["exact_p_value", "chi2", "chi2_p_value"] {
        assert!(v["mcnemar"][key].is_number(), "mcnemar.{key}");
    }
    let n = case["labels"].as_array().expect("labels").len();
    assert_eq!(v["rows"], n + 3);
    assert_eq!(v["rows_used"], n);
    assert_eq!(v["rows_dropped"], 3);

    // scikit-learn, fast DeLong, statsmodels.
    for (model, key) in [
        ("champion", "champion_expected"),
        ("challenger", "challenger_expected"),
    ] {
        let want = &case[key];
        for metric in ["roc_auc", "accuracy", "log_loss"] {
            close(
                &format!("{model} {metric}"),
                &v[model][metric],
                num(&want[metric]),
                1e-12,
            );
        }
        for part in ["fpr", "tpr", "thresholds"] {
            let got = v[model]["roc_curve"][part].as_array().expect("curve");
            let want = want["roc_curve"][part].as_array().expect("curve");
            assert_eq!(got.len(), want.len(), "{model} {part}");
            for (g, w) in got.iter().zip(want) {
                close(&format!("{model} {part}"), g, num(w), 1e-15);
            }
        }
        assert_eq!(
            v[model]["roc_curve"]["points_total"],
            want["roc_curve"]["fpr"].as_array().expect("fpr").len()
        );
    }
    for key in ["difference", "z", "p_value", "ci_low", "ci_high"] {
        close(
            &format!("delong {key}"),
            &v["delong"][key],
            num(&case["delong"][key]),
            1e-9,
        );
    }
    assert_eq!(v["mcnemar"]["table"], case["mcnemar"]["table"]);
    for key in ["exact_p_value", "chi2", "chi2_p_value"] {
        close(
            &format!("mcnemar {key}"),
            &v["mcnemar"][key],
            num(&case["mcnemar"][key]),
            1e-9,
        );
    }

    // The bootstrap is the core's one-thread run with the same seed.
    let labels: Vec<bool> = case["labels"]
        .as_array()
        .expect("labels")
        .iter()
        .map(|y| y.as_u64() == Some(1))
        .collect();
    let parse = |v: &Value| -> Vec<f64> {
        strings(v)
            .iter()
            .map(|s| s.parse().expect("float"))
            .collect()
    };
    let (a, b) = (parse(&case["champion"]), parse(&case["challenger"]));
    let c = Comparison::new(&CompareParams {
        labels: &labels,
        champion: &a,
        challenger: &b,
        threshold: 0.3,
    })
    .expect("comparison");
    let want = paired_bootstrap(
        &c,
        &BootstrapParams {
            resamples: 400,
            auc_resamples: 40,
            seed: 9,
            alpha: 0.05,
        },
    )
    .expect("bootstrap");
    let boot = &v["bootstrap"];
    assert_eq!(boot["method"], "poisson");
    assert_eq!(boot["resamples_used"], want.resamples_used);
    assert_eq!(boot["auc_resamples_used"], want.auc_resamples_used);
    for (key, interval) in [
        ("log_loss_difference", want.log_loss_difference),
        ("accuracy_difference", want.accuracy_difference),
        ("roc_auc_difference", want.roc_auc_difference),
    ] {
        let i = interval.expect("interval");
        for (part, x) in [
            ("estimate", i.estimate),
            ("ci_low", i.ci_low),
            ("ci_high", i.ci_high),
            ("std_error", i.std_error),
        ] {
            close(&format!("{key}.{part}"), &boot[key][part], x, 1e-15);
        }
    }
    // The champion ranks better (DeLong p ≈ 1.5e-10). Its log loss is lower too, but the rows
    // scored 0 or 1 on the wrong side (−ln ε ≈ 36 each) make that difference too noisy for
    // the bootstrap interval to exclude 0: the verdict rests on the AUC alone.
    assert_eq!(v["winner"], "champion");
    assert_eq!(v["verdict"]["decision"], "champion");
    assert_eq!(v["verdict"]["roc_auc_favours"], "champion");
    assert_eq!(v["verdict"]["log_loss_favours"], Value::Null);
    let ll = &v["bootstrap"]["log_loss_difference"];
    assert!(
        num(&ll["ci_low"]) < 0.0 && num(&ll["ci_high"]) > 0.0,
        "{ll}"
    );
}

#[test]
fn curves_are_thinned_and_the_table_reads() {
    let case = golden_case("two_decimals");
    let dir = tempfile::tempdir().expect("tempdir");
    let data = write_case(&dir, &case);
    let v = compare_json(&data, &["--roc-points", "20", "--resamples", "200"]);
    let fpr = v["champion"]["roc_curve"]["fpr"].as_array().expect("fpr");
    assert!(fpr.len() <= 20, "{}", fpr.len());
    assert_eq!(v["champion"]["roc_curve"]["thresholds"][0], "Infinity");
    assert_eq!(v["champion"]["roc_curve"]["points_total"], 91);
    assert_eq!(v["winner"], "challenger");

    let out = sextant(&[
        "compare",
        "--data",
        &data,
        "--target",
        "label",
        "--champion",
        "old_model",
        "--challenger",
        "new_model",
        "--resamples",
        "200",
    ]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("603 rows, 600 used (3 dropped for a missing value)"),
        "{text}"
    );
    assert!(text.contains("challenger − champion"), "{text}");
    assert!(text.contains("DeLong (ROC AUC): z = "), "{text}");
    assert!(text.contains("Verdict: the challenger wins"), "{text}");
}

#[test]
fn bad_input_is_one_sentence_and_exit_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let write = |name: &str, rows: &[&str]| {
        let path = dir.path().join(name);
        let mut f = std::fs::File::create(&path).expect("create");
        writeln!(f, "id,label,old_model,new_model").expect("write");
        for r in rows {
            writeln!(f, "{r}").expect("write");
        }
        path.display().to_string()
    };
    let good = write(
        "good.csv",
        &["a,1,0.9,0.8", "b,0,0.2,0.1", "c,1,0.6,0.7", "d,0,0.4,0.3"],
    );
    let two = write("two.csv", &["a,1,0.9,0.8", "b,2,0.2,0.1"]);
    let over = write("over.csv", &["a,1,0.9,0.8", "b,0,0.2,1.5"]);
    let nan = write("nan.csv", &["a,1,0.9,0.8", "b,0,NaN,0.1"]);
    let one = write("one.csv", &["a,1,0.9,0.8", "b,1,0.2,0.1", "c,,0.1,0.1"]);
    let text = write("text.csv", &["a,1,high,0.8", "b,0,low,0.1"]);
    let cases: Vec<(&str, Vec<&str>, &str)> = vec![
        (
            &two,
            vec![],
            "two.csv: the target column \"label\" holds 2 at data row 2; a target must be 0 or 1",
        ),
        (
            &over,
            vec![],
            "over.csv: the challenger score column \"new_model\" holds 1.5 at data row 2; a score must be a probability in [0, 1]",
        ),
        (&nan, vec![], "holds NaN at data row 2"),
        (
            &one,
            vec![],
            "one.csv: all 2 usable rows have target 1; comparing models needs both classes",
        ),
        (
            &text,
            vec![],
            "text.csv: the champion score column \"old_model\" is not numeric",
        ),
        (
            &good,
            vec!["--champion", "nope"],
            "good.csv has no column \"nope\" (named as the champion score)",
        ),
        (
            &good,
            vec!["--challenger", "old_model"],
            "the champion and the challenger are the same column \"old_model\"",
        ),
        (
            &good,
            vec!["--threshold", "1.5"],
            "cannot compare the models in good.csv: the threshold 1.5 is outside [0, 1]",
        ),
        (
            &good,
            vec!["--threshold", "-0.1"],
            "the threshold -0.1 is outside [0, 1]",
        ),
        (
            &good,
            vec!["--alpha", "NaN"],
            "the level alpha NaN is outside (0, 1)",
        ),
        (
            &good,
            vec!["--resamples", "5"],
            "the number of bootstrap resamples 5 is outside [100, 100000]",
        ),
        (
            &good,
            vec!["--resamples", "100", "--auc-resamples", "101"],
            "the number of AUC bootstrap resamples 101 is outside [0, 100]",
        ),
        (
            &good,
            vec!["--roc-points", "3"],
            "the number of ROC points 3",
        ),
    ];
    for (data, extra, want) in cases {
        let mut args = vec![
            "compare",
            "--data",
            data,
            "--target",
            "label",
            "--champion",
            "old_model",
            "--challenger",
            "new_model",
        ];
        // A later flag overrides an earlier one only for repeatable flags; put the override
        // in place of the default instead.
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
        assert_eq!(
            stderr.trim().lines().count(),
            1,
            "{extra:?}: one sentence: {stderr}"
        );
    }
}

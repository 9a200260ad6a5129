//! Session files and reports without the window: every released session format still opens
//! (the fixtures in tests/sessions are never regenerated), `sextant session new`, `sextant
//! report` in HTML and JSON, and the messages and exit codes for bad sessions.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;
use sextant::analysis::drift::DriftMethod;
use sextant::session;

fn sextant(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sextant"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run sextant")
}

/// `sextant report --session SESSION --format json --out OUT`, which must succeed, parsed.
fn report_json(session: &str, out: &std::path::Path) -> Value {
    let o = sextant(&[
        "report",
        "--session",
        session,
        "--format",
        "json",
        "--out",
        out.to_str().expect("utf8"),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    serde_json::from_str(&std::fs::read_to_string(out).expect("read")).expect("json")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

const REF: &str = "sample_data/credit_training.parquet";
const CUR: &str = "sample_data/credit_production.parquet";
const V1: &str = "tests/sessions/v1-credit.sextant";

#[test]
fn every_released_session_file_still_opens() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sessions");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).expect("tests/sessions") {
        let path = entry.expect("entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some(session::EXTENSION) {
            continue;
        }
        let s = session::read(&path).unwrap_or_else(|e| panic!("{e}"));
        assert!(s.version >= 1 && s.version <= session::FORMAT_VERSION);
        seen += 1;
    }
    assert!(seen >= 2, "the fixtures are gone");
}

#[test]
fn the_format_1_fixture_keeps_its_meaning() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(V1);
    let s = session::read(&path).expect("read");
    assert_eq!(s.version, 1);
    assert_eq!(s.views.drift.threshold, Some(0.15));
    assert_eq!(s.views.drift.per_column.get("age"), Some(&DriftMethod::Psi));
    assert_eq!(s.views.seasonality.periods, vec![7]);
    assert_eq!(s.layout.tab, "integrity");
    assert_eq!(
        s.views
            .health
            .rules
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        vec!["accuracy < 0.78 for 2", "null_rate:debt_to_income > 0.05"]
    );
    assert_eq!(s.views.health.floor, Some(0.7));
    assert_eq!(
        s.views.compression.model_path,
        Some(std::path::PathBuf::from(
            "../../sample_data/credit_mlp.onnx"
        ))
    );
    assert_eq!(
        s.views.compression.variants,
        vec!["int8-per-channel", "prune:0.5"]
    );
    assert_eq!(s.layout.selected_column.as_deref(), Some("income"));
    assert_eq!(
        s.renames,
        vec![("num_open_accounts".to_string(), "open_accounts".to_string())]
    );
    assert_eq!(
        s.notes.columns.get("income").map(String::as_str),
        Some("shift expected")
    );
    // Its relative paths name the bundled sample files, whose content it fingerprinted.
    let named = session::open::named_datasets(&s, &path);
    assert_eq!(named.len(), 2);
    for d in &named {
        assert!(d.exists, "{}", d.path.display());
        let saved = s.dataset(d.slot).and_then(|e| e.fingerprint.clone());
        assert_eq!(
            saved.as_deref(),
            Some(
                sextant::data::fingerprint::of_file(&d.path)
                    .expect("hash")
                    .as_str()
            )
        );
    }
}

#[test]
fn session_new_writes_a_session_and_never_overwrites_by_accident() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("s.sextant");
    let out_s = out.to_str().expect("utf8");
    let o = sextant(&[
        "session",
        "new",
        "--reference",
        REF,
        "--current",
        CUR,
        "--out",
        out_s,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let s = session::read(&out).expect("read");
    assert!(s.datasets.reference.is_some() && s.datasets.current.is_some());
    assert_eq!(s.roles.get("defaulted").name(), "target");
    let before = std::fs::read(&out).expect("read");
    let again = sextant(&["session", "new", "--reference", REF, "--out", out_s]);
    assert_eq!(again.status.code(), Some(2));
    assert!(
        stderr(&again).contains("pass --force"),
        "{}",
        stderr(&again)
    );
    assert_eq!(std::fs::read(&out).expect("read"), before);
}

#[test]
fn report_json_holds_every_analysis_in_the_commands_structures() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("r.json");
    let doc = report_json(V1, &out);
    // The drift part is `sextant drift --format json`'s document: the fixture's threshold and
    // its per-column test apply, and the accepted rename is compared as one column.
    let columns = doc["drift"]["columns"].as_array().expect("columns");
    let age = columns.iter().find(|c| c["column"] == "age").expect("age");
    assert_eq!(age["method"], "psi");
    let accounts = columns
        .iter()
        .find(|c| c["column"] == "open_accounts")
        .expect("renamed column tested");
    assert_eq!(accounts["current_column"], "num_open_accounts");
    assert!(doc["integrity"]["checks"].as_array().is_some());
    assert!(doc["seasonality"]["periods"].as_array().is_some());
    assert_eq!(doc["notes"]["columns"]["income"], "shift expected");
    assert_eq!(doc["datasets"]["reference"]["rows"], 25763);
    // The compression part is `sextant compress --format json`'s document for the session's
    // model (found relative to the session file) and variants.
    let variants: Vec<&str> = doc["compression"]["variants"]
        .as_array()
        .expect("variants")
        .iter()
        .filter_map(|v| v["name"].as_str())
        .collect();
    assert_eq!(variants, vec!["original", "int8-per-channel", "prune-50%"]);
    assert!(doc["compression"]["pareto"].as_array().is_some());
    // The health part is `sextant health --format json`'s document, with the session's rules.
    assert_eq!(doc["health"]["task"], "classification");
    assert_eq!(doc["health"]["windows"].as_array().map(Vec::len), Some(18));
    assert!(
        doc["health"]["alerts"]
            .as_array()
            .is_some_and(|a| a.len() == 2),
        "{}",
        doc["health"]["alerts"]
    );
}

fn check(extra: &[&str]) -> Output {
    let mut args = vec!["check", "--session", V1, "--format", "json"];
    args.extend_from_slice(extra);
    sextant(&args)
}

#[test]
fn check_exits_1_naming_the_rules_that_broke() {
    let o = check(&[]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let doc: Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(doc["broken"], 2);
    let rules = doc["rules"].as_array().expect("rules");
    // Accuracy falls below 0.78 in two weeks in a row from 2025-11-03 (the concept drift of
    // the sample data starts on 2025-11-01).
    assert_eq!(rules[0]["rule"], "accuracy < 0.78 for 2");
    assert_eq!(rules[0]["scope"], "windows");
    assert!(
        rules[0]["windows"]
            .as_array()
            .is_some_and(|w| w.iter().any(|l| l == "2025-11-10")),
        "{}",
        rules[0]
    );
    // The NaN spike of debt_to_income starts on 2025-11-15: its first week is 2025-11-10.
    assert_eq!(rules[1]["windows"][0], "2025-11-10");
}

#[test]
fn check_judges_whole_data_rules_and_passes_when_nothing_breaks() {
    // A whole-data rule that holds (exit 1), then one that does not.
    let o = check(&["--rule", "drift_score:income > 0.2"]);
    let doc: Value = serde_json::from_slice(&o.stdout).expect("json");
    let income = &doc["rules"][2];
    assert_eq!(income["scope"], "whole");
    assert_eq!(income["fired"], true);
    assert!((income["value"].as_f64().expect("value") - 0.2407).abs() < 1e-4);

    let dir = tempfile::tempdir().expect("tmp");
    let quiet = dir.path().join("quiet.sextant");
    let mut s = session::read(&Path::new(env!("CARGO_MANIFEST_DIR")).join(V1)).expect("read");
    // The copy lives elsewhere: its data paths must stay valid.
    for side in sextant::vocab::Side::BOTH {
        if let Some(d) = s.dataset_mut(side).as_mut() {
            d.path = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/sessions")
                .join(&d.path);
        }
    }
    s.views.health.rules = vec!["roc_auc < 0.5".parse().expect("rule")];
    s.views.compression.model_path = None;
    session::write(&quiet, &s).expect("write");
    let o = sextant(&["check", "--session", quiet.to_str().expect("utf8")]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("0 of 1 rules broke"), "{text}");
}

#[test]
fn check_refuses_rules_naming_unknown_values() {
    let o = check(&["--rule", "roc_auk < 0.7"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("roc_auk < 0.7"), "{}", stderr(&o));
    let o = check(&["--rule", "roc_auc <> 0.7"]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "a malformed rule is a usage error"
    );
}

#[test]
fn report_html_is_small_self_contained_and_complete() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("r.html");
    let o = sextant(&[
        "report",
        "--reference",
        REF,
        "--current",
        CUR,
        "--out",
        out.to_str().expect("utf8"),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let html = std::fs::read_to_string(&out).expect("read");
    assert!(html.len() < 1_000_000, "{} bytes", html.len());
    for heading in [
        "Summary",
        "Data drift",
        "Data integrity",
        "Seasonality",
        "Model health",
    ] {
        assert!(html.contains(heading), "no {heading} section");
    }
    // No model was named: no compression section.
    assert!(!html.contains("id=\"compression\""));
    assert!(html.contains("<svg"));
    for external in [
        "http://",
        "https://",
        "<link",
        "<script src",
        "@import",
        "url(",
    ] {
        assert!(!html.contains(external), "found {external}");
    }
}

#[test]
fn bad_sessions_fail_with_one_sentence_naming_the_file() {
    let dir = tempfile::tempdir().expect("tmp");
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).expect("write");
        p.to_str().expect("utf8").to_string()
    };
    let corrupt = write(
        "corrupt.sextant",
        "Session(\n  version: 1,\n  views: Views(drift: 3),\n)",
    );
    let newer = write("newer.sextant", "Session(version: 2)");
    let empty = write("empty.sextant", "");
    let missing = write(
        "missing.sextant",
        "Session(version: 1, datasets: Datasets(reference: Some(DatasetRef(path: \"gone.csv\"))))",
    );
    let out = dir.path().join("r.html");
    let out = out.to_str().expect("utf8");
    for (file, expected) in [
        (&corrupt, "is not a valid Sextant session"),
        (&newer, "was saved by a newer Sextant (session format 2"),
        (&empty, "is empty"),
        (&missing, "names the training file"),
    ] {
        let o = sextant(&["report", "--session", file, "--out", out]);
        assert_eq!(o.status.code(), Some(2), "{file}");
        let msg = stderr(&o);
        assert!(msg.contains(expected), "{msg}");
        assert!(msg.lines().count() == 1, "one sentence: {msg}");
        assert!(!Path::new(out).exists(), "nothing written");
    }
    let o = sextant(&["report", "--session", &corrupt, "--out", out]);
    assert!(stderr(&o).contains("at line 3, column"), "{}", stderr(&o));
}

/// A session whose Experiments tab reads the bundled rollout log as a rollout (success
/// `approved`, guardrail `latency_ms`, lower is better), with `rules`; written into `dir`.
fn rollout_session(dir: &Path, rules: &[&str]) -> std::path::PathBuf {
    use sextant::analysis::experiment::moments::Direction;
    use sextant::engine::experiment::MetricSpec;
    use sextant::session::v1::{DatasetRef, ExperimentMode};
    let log = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data/credit_rollout.parquet");
    let mut s = session::Session::default();
    s.datasets.experiment = Some(DatasetRef {
        path: log.clone(),
        bytes: std::fs::metadata(&log).expect("log").len(),
        fingerprint: None,
    });
    let view = &mut s.views.experiment;
    view.mode = ExperimentMode::Rollout;
    view.rules = rules.iter().map(|r| r.to_string()).collect();
    let spec = |column: &str, direction| MetricSpec {
        column: column.into(),
        kind: None,
        direction,
        role: Default::default(),
    };
    view.rollout.variant = "model".into();
    view.rollout.control = "production".into();
    view.rollout.time = "timestamp".into();
    view.rollout.success = spec("approved", Direction::HigherIsBetter);
    view.rollout.guardrails = vec![
        spec("latency_ms", Direction::LowerIsBetter),
        spec("error", Direction::LowerIsBetter),
    ];
    // The A/B settings stay filled in, as when a user switches the tab to Rollout mode:
    // the A/B test must not run on the rollout log.
    view.ab.variant = "model".into();
    view.ab.control = "production".into();
    let path = dir.join("rollout.sextant");
    session::write(&path, &s).expect("write");
    path
}

#[test]
fn check_rollback_fires_when_a_guardrail_breached_in_the_rollout() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = rollout_session(dir.path(), &["rollback", "guardrail:error"]);
    let o = sextant(&[
        "check",
        "--session",
        path.to_str().expect("utf8"),
        "--format",
        "json",
    ]);
    // The bundled log's latency guardrail breaks in the 50 % step: roll back, exit 1.
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let doc: Value = serde_json::from_slice(&o.stdout).expect("json");
    let rules = doc["rules"].as_array().expect("rules");
    assert_eq!(rules[0]["rule"], "rollback >= 1");
    assert_eq!(
        (rules[0]["fired"].clone(), rules[0]["value"].clone()),
        (Value::Bool(true), Value::from(1.0))
    );
    // The error rate does not differ between the models: that guardrail holds.
    assert_eq!(rules[1]["rule"], "guardrail:error >= 1");
    assert_eq!(rules[1]["fired"], false);
    assert_eq!(doc["broken"], 1);

    // Without rules, a rollout session is checked for a roll-back (and nothing else that
    // needs the training and production data).
    let quiet = rollout_session(dir.path(), &[]);
    let o = sextant(&["check", "--session", quiet.to_str().expect("utf8")]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("rollback"), "{text}{}", stderr(&o));

    // An A/B-only value names nothing in Rollout mode: a usage error naming the rule.
    let ab = rollout_session(dir.path(), &["srm"]);
    let o = sextant(&["check", "--session", ab.to_str().expect("utf8")]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("srm >= 1"), "{}", stderr(&o));
}

#[test]
fn the_report_has_a_rollout_section_and_key_in_rollout_mode() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = rollout_session(dir.path(), &[]);
    let json_out = dir.path().join("r.json");
    let doc = report_json(path.to_str().expect("utf8"), &json_out);
    // The `rollout` key is `sextant rollout --format json`'s document of the same log.
    let r = &doc["rollout"];
    let steps = r["steps"].as_array().expect("steps");
    assert_eq!(steps.len(), 5, "{r}");
    assert_eq!(steps[3]["verdict"], "roll_back");
    assert!(
        r["stopped_at"]
            .as_str()
            .is_some_and(|t| t.starts_with("2025-12-16")),
        "{}",
        r["stopped_at"]
    );
    // The A/B test did not run on the rollout log.
    assert_eq!(doc["experiment"], Value::Null);
    let cli = sextant(&[
        "rollout",
        "--log",
        "sample_data/credit_rollout.parquet",
        "--variant",
        "model",
        "--control",
        "production",
        "--time",
        "timestamp",
        "--success",
        "approved",
        "--guardrail",
        "latency_ms:lower",
        "--guardrail",
        "error:lower",
        "--format",
        "json",
    ]);
    let cli: Value = serde_json::from_slice(&cli.stdout).expect("rollout json");
    assert_eq!(r["steps"], cli["steps"]);
    assert_eq!(r["stopped_at"], cli["stopped_at"]);

    let html_out = dir.path().join("r.html");
    let o = sextant(&[
        "report",
        "--session",
        path.to_str().expect("utf8"),
        "--out",
        html_out.to_str().expect("utf8"),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let html = std::fs::read_to_string(&html_out).expect("read");
    let at = html.find("id=\"rollout\"").expect("a Rollout section");
    let section = &html[at..];
    assert!(
        section.contains("Roll back since 2025-12-16"),
        "{}",
        &section[..2000.min(section.len())]
    );
    assert!(section.contains("latency_ms"));
    assert!(section.contains("<svg"), "the share chart");
    // One bar pair per step, each with its verdict mark.
    assert_eq!(section.matches("class=\"bar cur\"").count(), 5);
    assert!(
        !html.contains("id=\"experiments\""),
        "no A/B section in Rollout mode"
    );
}

#[test]
fn a_champion_challenger_log_reaches_the_report_as_compare() {
    let dir = tempfile::tempdir().expect("tmp");
    let session = dir.path().join("cc.sextant");
    let s = session.to_str().expect("utf8");
    let o = sextant(&[
        "session",
        "new",
        "--reference",
        REF,
        "--experiment",
        "sample_data/credit_champion_challenger.parquet",
        "--out",
        s,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // Its label and two scores are found by name; no variant warning for such a file.
    assert!(
        !stderr(&o).contains("no column named like a variant"),
        "{}",
        stderr(&o)
    );
    let json = dir.path().join("r.json");
    let doc = report_json(s, &json);
    // `sextant compare --format json`'s document for the same columns.
    let cli = sextant(&[
        "compare",
        "--data",
        "sample_data/credit_champion_challenger.parquet",
        "--target",
        "defaulted",
        "--champion",
        "production_score",
        "--challenger",
        "challenger_score",
        "--format",
        "json",
    ]);
    let want: Value = serde_json::from_slice(&cli.stdout).expect("compare json");
    for key in [
        "champion",
        "challenger",
        "delong",
        "mcnemar",
        "bootstrap",
        "winner",
    ] {
        assert_eq!(doc["compare"][key], want[key], "{key}");
    }
    assert_eq!(doc["compare"]["winner"], "challenger");
    let html = dir.path().join("r.html");
    let o = sextant(&[
        "report",
        "--session",
        s,
        "--out",
        html.to_str().expect("utf8"),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let page = std::fs::read_to_string(&html).expect("read");
    assert!(page.contains("Champion against challenger"));
    assert!(page.contains("the challenger wins"));
    assert!(page.contains("McNemar at the threshold"));
}

#[test]
fn the_report_json_has_the_retrain_document_of_the_sessions_retraining_settings() {
    use sextant::analysis::retrain::{Mode, Policy};
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("rt.sextant");
    let p = path.to_str().expect("utf8");
    let o = sextant(&[
        "session",
        "new",
        "--reference",
        REF,
        "--current",
        CUR,
        "--out",
        p,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // The Retraining tab used (settings other than the defaults) with the accepted rename;
    // two policies and one mode keep the test short. The what-if is the CLI's default for a
    // label delay of 0 (one re-run at 7 days).
    let mut s = session::read(&path).expect("read");
    s.renames.add("num_open_accounts", "open_accounts");
    let rt = &mut s.views.retraining;
    rt.policies = vec![Policy::Never, Policy::Every { k: 4 }];
    rt.modes = vec![Mode::Scratch];
    rt.what_if_delays_us = vec![7 * 86_400_000_000];
    session::write(&path, &s).expect("write");
    let json = dir.path().join("r.json");
    let doc = report_json(p, &json);
    let cli = sextant(&[
        "retrain",
        "--reference",
        REF,
        "--current",
        CUR,
        "--policy",
        "never",
        "--policy",
        "every:4",
        "--mode",
        "scratch",
        "--rename",
        "num_open_accounts=open_accounts",
        "--format",
        "json",
    ]);
    assert_eq!(cli.status.code(), Some(0), "{}", stderr(&cli));
    let want: Value = serde_json::from_slice(&cli.stdout).expect("retrain json");
    assert_eq!(doc["retraining"], want);
    // The renamed feature is in the model, not dropped.
    let features = want["protocol"]["features"].as_array().expect("features");
    assert!(
        features.iter().any(|f| f == "open_accounts"),
        "{features:?}"
    );
    assert_eq!(want["runs"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        doc["retraining"]["detector_alarms"][0]["detector"],
        "Page-Hinkley"
    );
    // The HTML report's Retraining section lists the same alarms.
    let html = dir.path().join("r.html");
    let o = sextant(&[
        "report",
        "--session",
        p,
        "--out",
        html.to_str().expect("utf8"),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let page = std::fs::read_to_string(&html).expect("read");
    assert!(
        page.contains("Page-Hinkley at 2025-11-05 20:47:03, ADWIN at 2025-11-06 07:49:14, DDM at 2025-11-07 14:00:05"),
        "the alarms in the Retraining section"
    );
}

#[test]
fn the_report_json_retraining_key_is_null_when_the_tab_was_not_used() {
    let dir = tempfile::tempdir().expect("tmp");
    let json = dir.path().join("r.json");
    let doc = report_json(V1, &json);
    // The key is there (a stable contract) and null: the backtest is not run unasked.
    assert!(
        doc.as_object()
            .is_some_and(|m| m.contains_key("retraining"))
    );
    assert_eq!(doc["retraining"], Value::Null);
}

//! Every integrity check fires on its fixture pair (tests/fixtures/integrity/<check>/), with
//! the severity its expect.json names; the clean pair raises nothing above info.

use std::path::{Path, PathBuf};

use sextant::analysis::integrity::adapter::{check_datasets, inferred_roles};
use sextant::analysis::integrity::{Check, IntegrityParams, IntegrityReport, Severity};
use sextant::data::datetime::parse_iso;
use sextant::data::{Dataset, LoadOptions};
use sextant::jobs::Progress;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/integrity")
}

fn load(path: &Path) -> Dataset {
    Dataset::load(path, &LoadOptions::default(), &Progress::silent())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn run(case: &Path, expect: &serde_json::Value) -> IntegrityReport {
    let r = load(&case.join("reference.csv"));
    let c = load(&case.join("current.csv"));
    let id = expect["id"].as_str();
    let roles = inferred_roles(&r, &c, id);
    let now = expect["now"]
        .as_str()
        .and_then(parse_iso)
        .or_else(|| parse_iso("2030-01-01"));
    let renames = expect["renames"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|p| {
                    (
                        p[0].as_str().expect("new").to_string(),
                        p[1].as_str().expect("old").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let params = IntegrityParams {
        now_micros: now,
        renames,
        id_column: id.map(str::to_string),
        ..Default::default()
    };
    check_datasets(&r, &c, &roles, &params, &|| false).expect("checks")
}

#[test]
fn every_check_fires_on_its_fixture() {
    let mut seen = Vec::new();
    for entry in std::fs::read_dir(dir()).expect("fixtures") {
        let case = entry.expect("entry").path();
        let expect_path = case.join("expect.json");
        if !expect_path.exists() {
            continue;
        }
        let expect: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&expect_path).expect("read"))
                .expect("json");
        let check = expect["check"].as_str().expect("check");
        let severity = expect["severity"].as_str().expect("severity");
        let report = run(&case, &expect);
        let found: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.check.name() == check)
            .collect();
        assert!(
            found.iter().any(|f| f.severity.name() == severity),
            "{check}: expected a {severity}, found {:#?}\nall: {:#?}",
            found,
            report
                .findings
                .iter()
                .map(|f| (f.check.name(), f.severity.name(), &f.message))
                .collect::<Vec<_>>()
        );
        seen.push(check.to_string());
    }
    // Every check has a fixture.
    for check in Check::ALL {
        assert!(
            seen.iter().any(|s| s == check.name()),
            "no fixture for {}",
            check.name()
        );
    }
}

#[test]
fn the_clean_fixture_raises_nothing_above_info() {
    let report = run(&dir().join("clean"), &serde_json::Value::Null);
    let loud: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.severity >= Severity::Warning)
        .map(|f| &f.message)
        .collect();
    assert!(loud.is_empty(), "{loud:#?}");
}

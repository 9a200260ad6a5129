//! Every integrity check fires on its fixture pair (tests/fixtures/integrity/<check>/), with
//! the severity its expect.json names; the clean pair raises nothing above info.

use std::path::{Path, PathBuf};

use sextant::analysis::integrity::{Check, IntegrityParams, IntegrityReport, Severity};
use sextant::data::{Dataset, LoadOptions};
use sextant::engine::integrity::{check_datasets, inferred_roles};
use sextant::jobs::Progress;
use sextant::vocab::time::parse_iso;

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

/// Relative closeness, with an absolute floor for values at or near 0.
fn close(a: f64, b: f64, rel: f64) -> bool {
    a == b || (a - b).abs() <= rel * a.abs().max(b.abs()) || (a - b).abs() < 1e-300
}

#[test]
fn statistics_match_scipy_statsmodels_and_a_brute_force_search() {
    use sextant::analysis::integrity::stats::{
        all_on_one_side, hypergeom_sf, rate_change_point, two_proportion_z,
    };
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/integrity/stats_golden.json");
    let g: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("golden")).expect("json");
    let u = |v: &serde_json::Value| v.as_u64().expect("integer") as usize;
    let f = |v: &serde_json::Value| v.as_f64().expect("number");
    for t in g["two_proportion"].as_array().expect("cases") {
        let (k1, n1, k0, n0) = (u(&t["k1"]), u(&t["n1"]), u(&t["k0"]), u(&t["n0"]));
        let (z, p) = two_proportion_z(k1, n1, k0, n0);
        assert!(close(z, f(&t["z"]), 1e-9), "{t}: z {z}");
        assert!(close(p, f(&t["p_z"]), 1e-6), "{t}: p {p}");
        let exact = hypergeom_sf(k1, n1 + n0, k1 + k0, n1);
        assert!(close(exact, f(&t["p_fisher"]), 1e-9), "{t}: fisher {exact}");
    }
    for t in g["hypergeom_sf"].as_array().expect("cases") {
        let sf = hypergeom_sf(
            u(&t["k"]),
            u(&t["total"]),
            u(&t["successes"]),
            u(&t["draws"]),
        );
        assert!(close(sf, f(&t["sf"]), 1e-9), "{t}: {sf}");
    }
    for t in g["all_on_one_side"].as_array().expect("cases") {
        let p = all_on_one_side(u(&t["k"]), u(&t["n_side"]), u(&t["n_total"]));
        assert!(close(p, f(&t["p"]), 1e-9), "{t}: {p}");
    }
    for t in g["change_point"].as_array().expect("cases") {
        let rows: Vec<u32> = t["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .map(|v| u(v) as u32)
            .collect();
        let events: Vec<u32> = t["events"]
            .as_array()
            .expect("events")
            .iter()
            .map(|v| u(v) as u32)
            .collect();
        let s = rate_change_point(&rows, &events, u(&t["min_rows"])).expect("segment");
        assert_eq!((s.first, s.end), (u(&t["first"]), u(&t["end"])), "{t}");
        assert!(close(s.lr, f(&t["lr"]), 1e-9), "lr {} vs {}", s.lr, t["lr"]);
        assert!(close(s.rate_during, f(&t["rate_during"]), 1e-12));
        assert!(close(s.rate_outside, f(&t["rate_outside"]), 1e-12));
        assert!(
            close(s.p_value, f(&t["p_value"]), 1e-6),
            "p {} vs {}",
            s.p_value,
            t["p_value"]
        );
    }
}

// The two tests below load the synthetic clean pair through `Dataset` and the integrity
// adapter, so they live here rather than inside the analysis layer, which sees neither.

/// The clean pair as datasets, and the parameters of the in-module tests (a fixed "now").
fn clean_datasets(rows_ref: usize, rows_cur: usize, seed: u64) -> (Dataset, Dataset) {
    let (rf, cf) =
        sextant::sample_data::synthetic::clean_pair(rows_ref, rows_cur, 20, seed).expect("frames");
    let progress = sextant::vocab::Progress::silent();
    let r = Dataset::from_frame("ref".into(), rf, &progress).expect("ref");
    let c = Dataset::from_frame("cur".into(), cf, &progress).expect("cur");
    (r, c)
}

fn clean_params() -> IntegrityParams {
    IntegrityParams {
        now_micros: parse_iso("2030-01-01"),
        ..Default::default()
    }
}

#[test]
fn clean_pairs_raise_no_warning() {
    for seed in [1u64, 2, 3] {
        let (r, c) = clean_datasets(20_000, 15_000, seed);
        let roles = inferred_roles(&r, &c, None);
        let report = check_datasets(&r, &c, &roles, &clean_params(), &|| false).expect("report");
        let loud: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.severity >= Severity::Warning)
            .collect();
        assert!(loud.is_empty(), "seed {seed}: {loud:#?}");
        assert_eq!(report.timestamp_column.as_deref(), Some("event_time"));
        assert_eq!(report.id_column.as_deref(), Some("row_id"));
        assert_eq!(report.columns_compared, 20);
    }
}

#[test]
fn the_report_does_not_depend_on_thread_count() {
    let (r, c) = clean_datasets(3000, 3000, 9);
    let roles = inferred_roles(&r, &c, None);
    let one = IntegrityParams {
        threads: 1,
        ..clean_params()
    };
    let four = IntegrityParams {
        threads: 4,
        ..clean_params()
    };
    let a = check_datasets(&r, &c, &roles, &one, &|| false).expect("a");
    let b = check_datasets(&r, &c, &roles, &four, &|| false).expect("b");
    assert_eq!(a, b);
}

//! One test per check on small tables built in memory, and the clean-pair test.

use super::*;
use crate::vocab::ColumnKind;
use crate::vocab::Rng;
use crate::vocab::time::{MICROS_PER_DAY, days_from_civil};

fn day(y: i64, m: u32, d: u32) -> i64 {
    days_from_civil(y, m, d) * MICROS_PER_DAY
}

fn params() -> IntegrityParams {
    IntegrityParams {
        now_micros: Some(day(2030, 1, 1)),
        ..Default::default()
    }
}

fn run_with(
    r: Vec<ColumnData<'static>>,
    c: Vec<ColumnData<'static>>,
    p: &IntegrityParams,
) -> IntegrityReport {
    check(&Table::new(r), &Table::new(c), p).expect("checks run")
}

fn run(r: Vec<ColumnData<'static>>, c: Vec<ColumnData<'static>>) -> IntegrityReport {
    run_with(r, c, &params())
}

fn only(report: &IntegrityReport, check: Check) -> &Finding {
    let found: Vec<&Finding> = report.of(check).collect();
    assert_eq!(found.len(), 1, "{check:?} in {:#?}", report.findings);
    found[0]
}

fn none_of(report: &IntegrityReport, check: Check) {
    assert!(
        report.of(check).next().is_none(),
        "unexpected {check:?}: {:#?}",
        report.of(check).collect::<Vec<_>>()
    );
}

/// `n` normal values with a seed.
fn normals(n: usize, mean: f64, sd: f64, seed: u64) -> Vec<Option<f64>> {
    let mut rng = Rng::new(seed);
    (0..n).map(|_| Some(mean + sd * rng.normal())).collect()
}

fn ints(n: usize, seed: u64) -> Vec<Option<i64>> {
    let mut rng = Rng::new(seed);
    (0..n).map(|_| Some(rng.count(4.0) as i64)).collect()
}

/// Daily timestamps: `per_day` rows a day for `days` days from `start`, evenly spread.
fn daily(start: i64, days: usize, per_day: usize) -> Vec<Option<i64>> {
    (0..days * per_day)
        .map(|i| {
            let d = (i / per_day) as i64;
            let k = (i % per_day) as i64;
            Some(start + d * MICROS_PER_DAY + 8 * 3_600_000_000 + k * 600_000_000)
        })
        .collect()
}

#[test]
fn missing_new_and_likely_rename() {
    let r = vec![
        ColumnData::numeric("income", normals(500, 50.0, 10.0, 1)),
        ColumnData::integers("open_accounts", ints(500, 2)),
    ];
    let c = vec![
        ColumnData::numeric("income", normals(400, 50.0, 10.0, 3)),
        ColumnData::integers("num_open_accounts", ints(400, 4)),
    ];
    let report = run(r.clone(), c.clone());
    let missing = only(&report, Check::MissingColumn);
    assert_eq!(missing.severity, Severity::Error);
    assert_eq!(missing.columns, vec!["open_accounts"]);
    assert!(
        missing
            .message
            .contains("probably renamed to num_open_accounts"),
        "{}",
        missing.message
    );
    assert_eq!(only(&report, Check::NewColumn).severity, Severity::Info);
    let rename = only(&report, Check::LikelyRename);
    assert_eq!(rename.columns, vec!["num_open_accounts", "open_accounts"]);
    assert_eq!(rename.severity, Severity::Warning);
    assert!(rename.details["name_similarity"].as_f64().expect("name") >= 0.79);
    assert!(
        rename.details["distribution_similarity"]
            .as_f64()
            .expect("dist")
            > 0.9
    );
    // Unrelated distributions with similar names are not proposed.
    assert!(
        report
            .findings
            .iter()
            .all(|f| f.check != Check::LikelyRename || f.columns[1] != "income")
    );

    // With the mapping the pair is one column.
    let p = IntegrityParams {
        renames: vec![("num_open_accounts".into(), "open_accounts".into())].into(),
        ..params()
    };
    let report = run_with(r, c, &p);
    none_of(&report, Check::MissingColumn);
    none_of(&report, Check::NewColumn);
    none_of(&report, Check::LikelyRename);
    assert_eq!(only(&report, Check::RenamedColumn).severity, Severity::Info);
    assert_eq!(report.columns_compared, 2);
}

#[test]
fn swapped_names_are_two_renames() {
    let r = vec![
        ColumnData::numeric("a", normals(300, 0.0, 1.0, 1)),
        ColumnData::numeric("b", normals(300, 100.0, 1.0, 2)),
    ];
    let c = vec![
        ColumnData::numeric("a", normals(300, 100.0, 1.0, 3)),
        ColumnData::numeric("b", normals(300, 0.0, 1.0, 4)),
    ];
    // Compared by name, both columns are far out of range.
    let report = run(r.clone(), c.clone());
    assert_eq!(report.of(Check::OutOfRange).count(), 2);
    let p = IntegrityParams {
        renames: vec![("a".into(), "b".into()), ("b".into(), "a".into())].into(),
        ..params()
    };
    let report = run_with(r.clone(), c.clone(), &p);
    none_of(&report, Check::OutOfRange);
    assert_eq!(report.of(Check::RenamedColumn).count(), 2);
    let twice = IntegrityParams {
        renames: vec![("a".into(), "b".into()), ("a".into(), "a".into())].into(),
        ..params()
    };
    let e = check(&Table::new(r), &Table::new(c), &twice);
    assert_eq!(e, Err(IntegrityError::DuplicateRename("a".into())));
}

#[test]
fn renames_naming_unknown_columns_are_errors() {
    let r = vec![ColumnData::numeric("a", vec![Some(1.0)])];
    let c = vec![ColumnData::numeric("b", vec![Some(1.0)])];
    let p = IntegrityParams {
        renames: vec![("b".into(), "nope".into())].into(),
        ..params()
    };
    let e = check(&Table::new(r), &Table::new(c), &p).expect_err("bad rename");
    assert_eq!(
        e.to_string(),
        "the rename b=nope names a column that is not in the reference data: \"nope\""
    );
}

#[test]
fn empty_and_all_null_data_do_not_panic() {
    let report = run(
        vec![
            ColumnData::numeric("x", vec![]),
            ColumnData::strings("c", vec![]),
        ],
        vec![
            ColumnData::numeric("x", vec![]),
            ColumnData::strings("c", vec![]),
        ],
    );
    assert_eq!(
        only(&report, Check::RowCountChange).severity,
        Severity::Error
    );
    let nulls = ColumnData {
        name: "x".into(),
        dtype: "null".into(),
        kind: ColumnKind::Categorical,
        role: Role::Feature,
        values: Values::Other {
            rows: 30,
            valid: Some(vec![false; 30]),
        },
    };
    let report = run(
        vec![
            ColumnData::numeric("x", normals(30, 0.0, 1.0, 1)),
            ColumnData::datetimes("ts", vec![None; 30]).with_role(Role::Timestamp),
        ],
        vec![
            nulls,
            ColumnData::datetimes("ts", vec![None; 30]).with_role(Role::Timestamp),
        ],
    );
    none_of(&report, Check::TypeChange);
    assert_eq!(
        only(&report, Check::NullRateIncrease).details["current_share"],
        1.0
    );
}

#[test]
fn type_changes() {
    let r = vec![
        ColumnData::integers("label", vec![Some(0), Some(1), Some(0)]),
        ColumnData::numeric("x", vec![Some(1.0), Some(2.0), Some(3.0)]),
    ];
    let c = vec![
        ColumnData::numeric("label", vec![Some(0.0), None, Some(1.0)]),
        ColumnData::strings("x", vec![Some("a"), Some("b"), Some("a")]),
    ];
    let report = run(r, c);
    let changes: Vec<&Finding> = report.of(Check::TypeChange).collect();
    assert_eq!(changes.len(), 2);
    let label = changes
        .iter()
        .find(|f| f.columns[0] == "label")
        .expect("label");
    assert_eq!(label.severity, Severity::Warning);
    assert!(
        label
            .message
            .contains("integers (i64) in training and floats (f64)"),
        "{}",
        label.message
    );
    let x = changes.iter().find(|f| f.columns[0] == "x").expect("x");
    assert_eq!(x.severity, Severity::Error);
}

#[test]
fn null_spike_is_dated() {
    // Training: 1 % missing. Production: 100 days × 40 rows, 1 % missing until day 60, 40 %
    // from then on.
    let n_ref = 4000;
    let r_vals: Vec<Option<f64>> = (0..n_ref)
        .map(|i| (i % 100 != 0).then_some(i as f64))
        .collect();
    let start = day(2025, 9, 1);
    let ts = daily(start, 100, 40);
    let c_vals: Vec<Option<f64>> = (0..4000)
        .map(|i| {
            let d = i / 40;
            let missing = if d < 60 { i % 100 == 0 } else { i % 5 < 2 };
            (!missing).then_some(1.0)
        })
        .collect();
    let r = vec![
        ColumnData::datetimes("ts", daily(day(2024, 1, 1), 100, 40)).with_role(Role::Timestamp),
        ColumnData::numeric("dti", r_vals),
    ];
    let c = vec![
        ColumnData::datetimes("ts", ts).with_role(Role::Timestamp),
        ColumnData::numeric("dti", c_vals),
    ];
    let report = run(r, c);
    let f = only(&report, Check::NullRateIncrease);
    assert_eq!(f.severity, Severity::Error);
    let t = f.timeline.as_ref().expect("timeline");
    assert_eq!(t.window, Window::Day);
    let change = t.change.expect("change point");
    assert_eq!(change.since, start + 60 * MICROS_PER_DAY);
    assert_eq!(change.until, None);
    assert!((change.rate_during - 0.4).abs() < 1e-9);
    assert_eq!(f.details["since"], "2025-10-31T00:00:00Z");
    assert!(f.message.contains("since 2025-10-31"), "{}", f.message);
    // Examples come from the spike.
    assert!(
        f.examples
            .iter()
            .all(|e| e.timestamp.expect("ts") >= change.since)
    );
    assert_eq!(f.examples.len(), 20);
}

#[test]
fn a_few_more_missing_values_are_not_an_error() {
    let r: Vec<Option<f64>> = (0..1000).map(|i| (i != 3).then_some(1.0)).collect();
    let c: Vec<Option<f64>> = (0..100)
        .map(|i| (i != 3 && i != 50).then_some(1.0))
        .collect();
    let report = run(
        vec![ColumnData::numeric("x", r)],
        vec![ColumnData::numeric("x", c)],
    );
    // 2 % vs 0.1 % on 100 rows: the z-test's p is about 0.002, above alpha.
    none_of(&report, Check::NullRateIncrease);
}

#[test]
fn missing_labels_stay_a_warning() {
    let r = vec![
        ColumnData::integers("y", (0..200).map(|i| Some(i % 2)).collect()).with_role(Role::Target),
    ];
    let c = vec![
        ColumnData::integers("y", (0..200).map(|i| (i < 100).then_some(i % 2)).collect())
            .with_role(Role::Target),
    ];
    let report = run(r, c);
    let f = only(&report, Check::NullRateIncrease);
    assert_eq!(f.severity, Severity::Warning);
    assert!(
        f.message.starts_with("labels (y) are missing in 50.0 %"),
        "{}",
        f.message
    );
}

#[test]
fn infinities_are_errors_and_nan_is_info() {
    let r = vec![ColumnData::numeric("x", normals(100, 0.0, 1.0, 5))];
    let mut c = normals(100, 0.0, 1.0, 6);
    c[10] = Some(f64::INFINITY);
    c[20] = Some(f64::NEG_INFINITY);
    let report = run(r.clone(), vec![ColumnData::numeric("x", c)]);
    let f = only(&report, Check::NonFinite);
    assert_eq!(f.severity, Severity::Error);
    assert_eq!(f.details["current_pos_inf"], 1);
    assert_eq!(
        f.examples.iter().map(|e| e.row).collect::<Vec<_>>(),
        vec![10, 20]
    );
    let mut c = normals(100, 0.0, 1.0, 6);
    c[7] = Some(f64::NAN);
    let report = run(r, vec![ColumnData::numeric("x", c)]);
    assert_eq!(only(&report, Check::NonFinite).severity, Severity::Info);
}

fn cats(
    n: usize,
    levels: &[&'static str],
    weights: &[f64],
    seed: u64,
) -> Vec<Option<&'static str>> {
    let mut rng = Rng::new(seed);
    (0..n).map(|_| Some(levels[rng.choose(weights)])).collect()
}

#[test]
fn unseen_and_vanished_categories() {
    let levels = ["salaried", "self_employed", "retired"];
    let r = vec![ColumnData::strings(
        "emp",
        cats(2000, &levels, &[0.6, 0.3, 0.1], 7),
    )];
    let mut c = cats(
        1000,
        &["salaried", "self_employed", "gig_worker"],
        &[0.6, 0.3, 0.1],
        8,
    );
    c[0] = Some("astronaut");
    let report = run(r, vec![ColumnData::strings("emp", c)]);
    let f = only(&report, Check::UnseenCategories);
    assert_eq!(f.severity, Severity::Error);
    assert!(f.message.contains("\"gig_worker\""), "{}", f.message);
    assert_eq!(f.details["values"][0]["value"], "gig_worker");
    // One astronaut is rare enough to be chance.
    assert_eq!(f.details["values"][1]["value"], "astronaut");
    assert!(f.details["values"][1]["p_value"].as_f64().expect("p") > 0.1);
    let v = only(&report, Check::VanishedCategories);
    assert_eq!(v.severity, Severity::Warning);
    assert!(v.message.contains("\"retired\""), "{}", v.message);
    assert_eq!(v.examples[0].side, Side::Reference);
}

#[test]
fn a_single_rare_unseen_value_is_info() {
    let levels = ["a", "b"];
    let r = vec![ColumnData::strings("c", cats(500, &levels, &[0.5, 0.5], 9))];
    let mut c = cats(500, &levels, &[0.5, 0.5], 10);
    c[3] = Some("z");
    let report = run(r, vec![ColumnData::strings("c", c)]);
    assert_eq!(
        only(&report, Check::UnseenCategories).severity,
        Severity::Info
    );
}

#[test]
fn spelling_variants() {
    let r = vec![ColumnData::strings(
        "sex",
        cats(300, &["Male", "Female"], &[0.5, 0.5], 11),
    )];
    let mut c = cats(300, &["Male", "Female"], &[0.5, 0.5], 12);
    for v in c.iter_mut().take(40) {
        *v = Some("male ");
    }
    let report = run(r, vec![ColumnData::strings("sex", c)]);
    let f = only(&report, Check::StringVariants);
    assert_eq!(f.severity, Severity::Warning);
    assert_eq!(f.details["new_spellings"][0], "male ");
    assert!(f.message.contains("\"Male\" / \"male \""), "{}", f.message);
    assert_eq!(f.examples.len(), 20);
}

#[test]
fn out_of_range_with_chance_allowance() {
    let r = vec![ColumnData::numeric("x", normals(2000, 0.0, 1.0, 13))];
    // A shifted production: many values beyond training's maximum.
    let report = run(
        r.clone(),
        vec![ColumnData::numeric("x", normals(1000, 3.0, 1.0, 14))],
    );
    let f = only(&report, Check::OutOfRange);
    assert_eq!(f.severity, Severity::Error);
    assert!(f.details["above"].as_u64().expect("above") > 100);
    // Same distribution: at most a value or two beyond, put down to chance.
    let report = run(
        r,
        vec![ColumnData::numeric("x", normals(1000, 0.0, 1.0, 15))],
    );
    assert!(
        report
            .of(Check::OutOfRange)
            .all(|f| f.severity == Severity::Info)
    );
}

#[test]
fn constant_and_almost_constant() {
    let r = vec![
        ColumnData::numeric("stuck", normals(500, 0.0, 1.0, 16)),
        ColumnData::strings("mostly", cats(500, &["a", "b"], &[0.5, 0.5], 17)),
    ];
    let c = vec![
        ColumnData::numeric("stuck", vec![Some(0.3); 500]),
        ColumnData::strings(
            "mostly",
            (0..500)
                .map(|i| Some(if i % 50 == 0 { "b" } else { "a" }))
                .collect(),
        ),
    ];
    let report = run(r, c);
    let f = only(&report, Check::ConstantColumn);
    assert_eq!(f.severity, Severity::Error);
    assert_eq!(f.columns, vec!["stuck"]);
    assert_eq!(f.details["value"], "0.3");
    let a = only(&report, Check::AlmostConstantColumn);
    assert_eq!(a.severity, Severity::Warning);
    assert_eq!(a.details["current_share"].as_f64(), Some(0.98));
}

#[test]
fn duplicates_leakage_and_duplicate_ids() {
    let ids_r: Vec<Option<&str>> = vec![Some("r1"), Some("r2"), Some("r3"), Some("r4")];
    let r = vec![
        ColumnData::strings("id", ids_r).with_role(Role::Id),
        ColumnData::numeric("x", vec![Some(1.0), Some(2.0), Some(3.0), Some(4.0)]),
        ColumnData::strings("c", vec![Some("a"), Some("b"), Some("c"), Some("d")]),
    ];
    let c = vec![
        ColumnData::strings(
            "id",
            vec![Some("c1"), Some("c2"), Some("c2"), Some("c3"), Some("c1")],
        )
        .with_role(Role::Id),
        // Row 1 equals training row 1 in every feature (leakage); row 4 repeats row 0 entirely.
        ColumnData::integers("x", vec![Some(9), Some(2), Some(7), Some(8), Some(9)]),
        ColumnData::strings(
            "c",
            vec![Some("z"), Some("b"), Some("y"), Some("w"), Some("z")],
        ),
    ];
    let report = run(r, c);
    let d = only(&report, Check::DuplicateRows);
    assert_eq!(d.severity, Severity::Warning);
    assert_eq!(d.details["rows"], 1);
    assert_eq!((d.examples[0].row, d.examples[0].other_row), (4, Some(0)));
    let l = only(&report, Check::Leakage);
    assert_eq!(l.severity, Severity::Warning);
    assert_eq!((l.examples[0].row, l.examples[0].other_row), (1, Some(1)));
    let ids = only(&report, Check::DuplicateIds);
    assert_eq!(ids.details["rows"], 2);
    assert_eq!(ids.examples[0].id.as_deref(), Some("c2"));
}

#[test]
fn row_counts_per_day() {
    let r = vec![
        ColumnData::datetimes("ts", daily(day(2024, 1, 1), 10, 100)).with_role(Role::Timestamp),
    ];
    let c = vec![
        ColumnData::datetimes("ts", daily(day(2025, 1, 1), 10, 20)).with_role(Role::Timestamp),
    ];
    let report = run(r, c);
    let f = only(&report, Check::RowCountChange);
    assert_eq!(f.severity, Severity::Warning);
    assert!((f.details["daily_volume_ratio"].as_f64().expect("ratio") - 0.2).abs() < 0.05);
}

#[test]
fn timestamp_order_gaps_and_future() {
    let r = vec![
        ColumnData::datetimes("ts", daily(day(2024, 1, 1), 30, 10)).with_role(Role::Timestamp),
    ];
    let mut ts = daily(day(2025, 1, 1), 30, 10);
    // Days 10–14 are lost (a 5-day outage), row 100 goes back in time, the last row is in
    // the future.
    ts.retain(|t| {
        let d = (t.expect("t") - day(2025, 1, 1)) / MICROS_PER_DAY;
        !(10..15).contains(&d)
    });
    ts.swap(100, 101);
    let last = ts.len() - 1;
    ts[last] = Some(day(2031, 1, 1));
    let report = run(
        r,
        vec![ColumnData::datetimes("ts", ts).with_role(Role::Timestamp)],
    );
    let order = only(&report, Check::TimestampOrder);
    assert_eq!(order.details["rows"], 1);
    assert_eq!(order.examples[0].row, 101);
    let gaps = only(&report, Check::TimestampGaps);
    assert_eq!(gaps.details["gaps"], 2, "{gaps:#?}");
    let future = only(&report, Check::FutureTimestamps);
    assert_eq!(future.details["rows"], 1);
    assert_eq!(future.examples[0].row, last);
}

#[test]
fn labels_and_scores() {
    let r = vec![
        ColumnData::integers("y", (0..100).map(|i| Some(i % 2)).collect()).with_role(Role::Target),
        ColumnData::numeric("p", (0..100).map(|i| Some(i as f64 / 100.0)).collect())
            .with_role(Role::Prediction),
        ColumnData::strings(
            "cls",
            (0..100).map(|i| Some(["cat", "dog"][i % 2])).collect(),
        )
        .with_role(Role::Feature),
    ];
    let c = vec![
        ColumnData::integers(
            "y",
            (0..100)
                .map(|i| Some(if i < 5 { 2 } else { i % 2 }))
                .collect(),
        )
        .with_role(Role::Target),
        ColumnData::numeric(
            "p",
            (0..100)
                .map(|i| Some(if i == 7 { 1.5 } else { 0.5 }))
                .collect(),
        )
        .with_role(Role::Prediction),
        ColumnData::strings(
            "cls",
            (0..100).map(|i| Some(["cat", "dog"][i % 2])).collect(),
        ),
    ];
    let report = run(r, c);
    let labels = only(&report, Check::UnknownLabels);
    assert_eq!(labels.severity, Severity::Error);
    assert_eq!(labels.details["unknown"][0]["value"], "2");
    let scores = only(&report, Check::ProbabilityRange);
    assert_eq!(scores.severity, Severity::Error);
    assert_eq!(scores.examples[0].row, 7);
}

#[test]
fn serving_skew_by_id() {
    let id = |i: usize| format!("i{i:03}");
    let r_ids: Vec<String> = (0..100).map(id).collect();
    let r = vec![
        ColumnData::strings("id", r_ids.iter().map(|s| Some(s.as_str())).collect())
            .with_role(Role::Id),
        ColumnData::numeric("dti", (0..100).map(|i| Some(i as f64 / 100.0)).collect()),
        ColumnData::strings(
            "region",
            (0..100).map(|i| Some(["n", "s"][i % 2])).collect(),
        ),
    ];
    // Production holds ids 50..150: 50 in common; dti was imputed as 0.3 for 10 of them, and
    // differs by float noise (within tolerance) for the others.
    let c_ids: Vec<String> = (50..150).map(id).collect();
    let c = vec![
        ColumnData::strings("id", c_ids.iter().map(|s| Some(s.as_str())).collect())
            .with_role(Role::Id),
        ColumnData::numeric(
            "dti",
            (50..150)
                .map(|i| {
                    Some(if i < 60 {
                        0.3
                    } else {
                        i as f64 / 100.0 + 1e-12
                    })
                })
                .collect(),
        ),
        // Region differs for two joined rows: a value training never had, and a missing one.
        ColumnData::strings(
            "region",
            (50..150)
                .map(|i| match i {
                    55 => Some("e"),
                    56 => None,
                    _ => Some(["n", "s"][i % 2]),
                })
                .collect(),
        ),
    ];
    let report = run(r, c);
    let skew: Vec<&Finding> = report.of(Check::ServingSkew).collect();
    assert_eq!(skew.len(), 2, "{skew:#?}");
    let region = skew
        .iter()
        .find(|f| f.columns[0] == "region")
        .expect("region");
    assert_eq!(region.severity, Severity::Warning);
    assert_eq!(region.details["differing_rows"], 2);
    let f = skew.iter().find(|f| f.columns[0] == "dti").expect("dti");
    assert_eq!(f.columns, vec!["dti", "id"]);
    assert_eq!(f.severity, Severity::Error);
    assert_eq!(f.details["differing_rows"], 10);
    assert_eq!(f.details["joined_rows"], 50);
    // The largest difference is id i059: 0.59 in training, 0.3 in production.
    assert_eq!(f.details["largest_differences"][0]["id"], "i059");
    assert_eq!(f.details["largest_differences"][0]["reference"], "0.59");
    assert_eq!(
        f.examples[0].values[0],
        ("training".to_string(), "0.5".to_string())
    );
    assert_eq!(f.examples[0].id.as_deref(), Some("i050"));
}

mod properties {
    use super::*;
    use crate::analysis::integrity::stats::{all_on_one_side, hypergeom_sf, rate_change_point};
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn exchangeable_tail_is_a_probability_falling_in_k(
            n_side in 1usize..500, extra in 0usize..500, k in 0usize..40,
        ) {
            let n_total = n_side + extra;
            let p = all_on_one_side(k, n_side, n_total);
            let q = all_on_one_side(k + 1, n_side, n_total);
            prop_assert!((0.0..=1.0).contains(&p));
            prop_assert!(q <= p + 1e-15);
        }

        #[test]
        fn hypergeometric_tail_matches_direct_summation(
            total in 1usize..60, s_frac in 0.0f64..1.0, d_frac in 0.0f64..1.0, k in 0usize..60,
        ) {
            use statrs::function::factorial::binomial;
            let successes = (s_frac * total as f64) as usize;
            let draws = (d_frac * total as f64) as usize;
            let direct: f64 = (k..=successes.min(draws))
                .filter(|&x| draws >= x && total - successes >= draws - x)
                .map(|x| {
                    binomial(successes as u64, x as u64)
                        * binomial((total - successes) as u64, (draws - x) as u64)
                        / binomial(total as u64, draws as u64)
                })
                .sum();
            let sf = hypergeom_sf(k, total, successes, draws);
            prop_assert!((sf - direct.min(1.0)).abs() < 1e-9, "{sf} vs {direct}");
        }

        #[test]
        fn change_points_are_runs_with_valid_p(
            windows in proptest::collection::vec((5u32..200, 0.0f64..1.0), 2..40),
        ) {
            let rows: Vec<u32> = windows.iter().map(|w| w.0).collect();
            let events: Vec<u32> = windows.iter().map(|w| (w.1 * f64::from(w.0)) as u32).collect();
            if let Some(s) = rate_change_point(&rows, &events, 5) {
                prop_assert!(s.first < s.end && s.end <= rows.len());
                prop_assert!((0.0..=1.0).contains(&s.p_value));
                prop_assert!(s.rate_during > s.rate_outside);
                prop_assert!(s.lr >= -1e-9);
            }
        }

        #[test]
        fn findings_do_not_depend_on_row_order(seed in 0u64..1000) {
            let mut rng = crate::vocab::Rng::new(seed);
            let n = 300;
            let ref_cols = vec![
                ColumnData::numeric("x", normals(n, 0.0, 1.0, seed)),
                ColumnData::strings("c", cats(n, &["a", "b", "c"], &[0.5, 0.3, 0.2], seed + 1)),
            ];
            let mut x = normals(n, 0.4, 1.3, seed + 2);
            let mut c = cats(n, &["a", "b", "d"], &[0.5, 0.3, 0.2], seed + 3);
            for i in 0..n / 10 {
                x[i * 7 % n] = None;
            }
            let a = run(ref_cols.clone(), vec![ColumnData::numeric("x", x.clone()), ColumnData::strings("c", c.clone())]);
            // Shuffle production's rows (Fisher-Yates).
            for i in (1..n).rev() {
                let j = (rng.next_u64() % (i as u64 + 1)) as usize;
                x.swap(i, j);
                c.swap(i, j);
            }
            let b = run(ref_cols, vec![ColumnData::numeric("x", x), ColumnData::strings("c", c)]);
            let key = |r: &IntegrityReport| -> Vec<(Check, Severity, Vec<String>, String)> {
                r.findings.iter().map(|f| (f.check, f.severity, f.columns.clone(), f.message.clone())).collect()
            };
            prop_assert_eq!(key(&a), key(&b));
        }
    }
}

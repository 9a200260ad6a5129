//! The HTML report on the bundled sample data: every section appears when its input exists and
//! only then, the file is self-contained (no URLs, no external scripts or styles), user strings
//! are escaped, and the whole report stays under 1 MB.
//!
//! Set `SEXTANT_REPORT_HTML=/tmp/report.html` to keep the sample report for a look in a browser.

use std::path::Path;
use std::sync::OnceLock;

use sextant::analysis::drift::BinningStrategy;
use sextant::analysis::integrity::{IntegrityParams, IntegrityReport};
use sextant::analysis::seasonality::{
    Aggregation, SamplingFrequency, SeasonalityParams, SeasonalityReport, TimeSeries,
    analyze_series,
};
use sextant::analysis::windows::WindowSpec;
use sextant::data::series::{ValueSpec, build_series, resolve};
use sextant::data::{Dataset, LoadOptions, RoleMap};
use sextant::engine::drift::{DriftInputs, DriftOutcome, DriftSettings, run};
use sextant::engine::drift_detail::{ColumnDetail, column_detail};
use sextant::engine::integrity::{check_datasets, inferred_roles};
use sextant::jobs::Progress;
use sextant::report::{ReportInput, SeasonalityInput, Section, html, render_html, svg};
use sextant::vocab::time::parse_iso;
use sextant::vocab::{Renames, Role};

/// Everything computed once from the sample data.
struct Sample {
    reference: Dataset,
    current: Dataset,
    roles: RoleMap,
    renames: Renames,
    drift: DriftOutcome,
    details: Vec<(String, ColumnDetail)>,
    integrity: IntegrityReport,
    series: TimeSeries,
    x: Vec<f64>,
    seasonality: SeasonalityReport,
}

fn load(name: &str) -> Dataset {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("sample_data")
        .join(name);
    Dataset::load(&path, &LoadOptions::default(), &Progress::silent()).expect("sample data loads")
}

fn sample() -> &'static Sample {
    static SAMPLE: OnceLock<Sample> = OnceLock::new();
    SAMPLE.get_or_init(|| {
        let reference = load("credit_training.parquet");
        let current = load("credit_production.parquet");
        let roles = inferred_roles(&reference, &current, None);
        let renames = vec![("num_open_accounts".to_string(), "open_accounts".to_string())];
        let settings = DriftSettings {
            windows: Some(WindowSpec::Week),
            all_metrics: true,
            ..DriftSettings::default()
        };
        let drift_renames = Renames::from(renames.clone());
        let inputs = DriftInputs {
            reference: &reference,
            current: &current,
            roles: &roles,
            renames: &drift_renames,
        };
        let drift = run(&inputs, &settings, &Progress::silent()).expect("drift runs");
        // Overlays for the drifted columns, as the GUI's export does by default.
        let details = drift
            .columns
            .iter()
            .filter(|c| c.verdict.drifted)
            .map(|c| {
                let d = column_detail(
                    &reference,
                    &current,
                    &c.reference_name,
                    &c.current_name,
                    BinningStrategy::Auto,
                    None,
                )
                .expect("detail");
                (c.reference_name.clone(), d)
            })
            .collect();
        let integrity_params = IntegrityParams {
            renames: renames.clone().into(),
            now_micros: parse_iso("2026-01-15"),
            ..IntegrityParams::default()
        };
        let integrity = check_datasets(&reference, &current, &roles, &integrity_params, &|| false)
            .expect("integrity runs");
        let value = resolve(&ValueSpec::RowCount, Aggregation::Mean, &roles).expect("value");
        let time = roles.column_with(Role::Timestamp).map(str::to_string);
        let series = build_series(
            &[&reference, &current],
            time.as_deref(),
            &value,
            SamplingFrequency::Day,
        )
        .expect("series");
        let seasonality =
            analyze_series(&series, &SeasonalityParams::default()).expect("decomposition");
        let x = SeasonalityInput::x_of(&series);
        Sample {
            reference,
            current,
            roles,
            renames: renames.into(),
            drift,
            details,
            integrity,
            series,
            x,
            seasonality,
        }
    })
}

/// The full report of the sample data.
fn full(s: &Sample) -> ReportInput<'_> {
    let mut input = ReportInput::new(
        "Credit model — monthly check",
        "2026-11-28 21:00 UTC",
        &s.roles,
    );
    input.reference = Some(&s.reference);
    input.current = Some(&s.current);
    input.renames = &s.renames;
    input.drift = Some(&s.drift);
    input.drift_details = s.details.clone();
    input.integrity = Some(&s.integrity);
    input.seasonality = Some(SeasonalityInput {
        label: "row count",
        x: &s.x,
        series: &s.series,
        report: &s.seasonality,
    });
    input.session_note = "Income fell after the shock; see the gig_worker category.".into();
    input.column_notes.insert(
        "income".into(),
        "Expected: the shock of September 2025.".into(),
    );
    input
}

const HEADINGS: [(&str, &str); 7] = [
    ("summary", "Summary"),
    ("drift", "Data drift"),
    ("distributions", "Distributions"),
    ("drift-over-time", "Drift over time"),
    ("integrity", "Data integrity"),
    ("seasonality", "Seasonality"),
    ("notes", "Notes"),
];

/// The markup of one section.
fn section_of<'h>(html: &'h str, id: &str) -> &'h str {
    let start = html
        .find(&format!("<section id=\"{id}\">"))
        .expect("section");
    let end = html[start..].find("</section>").expect("section end");
    &html[start..start + end]
}

fn has_section(html: &str, id: &str, title: &str) -> bool {
    html.contains(&format!("<section id=\"{id}\"><h2>{title}</h2>"))
}

#[test]
fn the_sample_report_has_every_section_and_stays_small() {
    let s = sample();
    let started = std::time::Instant::now();
    let html = render_html(&full(s));
    eprintln!(
        "sample report rendered in {:.1} ms",
        started.elapsed().as_secs_f64() * 1e3
    );
    for (id, title) in HEADINGS {
        assert!(has_section(&html, id, title), "missing section {title}");
        assert!(
            html.contains(&format!("href=\"#{id}\"")),
            "no contents entry for {title}"
        );
    }
    assert!(
        s.details.len() >= 3,
        "the sample data drifts in several columns"
    );
    assert!(html.contains("gig_worker"), "the new category is named");
    assert!(html.contains("num_open_accounts"), "the rename is shown");
    // One overlay per drifted column.
    let distributions = section_of(&html, "distributions");
    assert_eq!(distributions.matches("<figure>").count(), s.details.len());
    // The NaN spike of debt_to_income is drawn over time, with its start.
    let integrity = section_of(&html, "integrity");
    assert!(integrity.contains("Since when") && integrity.contains("since 2025-11-"));
    if let Ok(path) = std::env::var("SEXTANT_REPORT_HTML") {
        std::fs::write(&path, &html).expect("write the sample report");
    }
    let bytes = html.len();
    eprintln!("sample report: {bytes} bytes");
    assert!(bytes < 1_000_000, "the sample report is {bytes} bytes");
    assert!(bytes < 400_000, "the sample report grew to {bytes} bytes");
}

#[test]
fn the_report_is_self_contained() {
    let html = render_html(&full(sample()));
    for needle in [
        "http://", "https://", "//", "<link", "<script", "src=", "@import", "url(",
    ] {
        assert!(!html.contains(needle), "the report contains {needle}");
    }
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<style>") && html.contains("@media print"));
}

#[test]
fn sections_appear_only_with_their_input() {
    let s = sample();
    let roles = RoleMap::default();
    let empty = render_html(&ReportInput::new("Empty", "now", &roles));
    for (id, title) in HEADINGS {
        assert!(!has_section(&empty, id, title), "{title} without input");
    }
    assert!(empty.contains("Nothing was computed"));

    // Each input alone brings its own section (and the summary when datasets are given).
    let only = |f: &dyn Fn(&mut ReportInput<'static>)| {
        let mut input = ReportInput::new("One", "now", &s.roles);
        f(&mut input);
        render_html(&input)
    };
    type Set = Box<dyn Fn(&mut ReportInput<'static>)>;
    let cases: [(&str, Set); 7] = [
        ("summary", Box::new(|i| i.reference = Some(&s.reference))),
        ("drift", Box::new(|i| i.drift = Some(&s.drift))),
        (
            "distributions",
            Box::new(|i| i.drift_details = s.details.clone()),
        ),
        ("drift-over-time", Box::new(|i| i.drift = Some(&s.drift))),
        ("integrity", Box::new(|i| i.integrity = Some(&s.integrity))),
        (
            "seasonality",
            Box::new(|i| {
                i.seasonality = Some(SeasonalityInput {
                    label: "row count",
                    x: &s.x,
                    series: &s.series,
                    report: &s.seasonality,
                })
            }),
        ),
        ("notes", Box::new(|i| i.session_note = "a note".into())),
    ];
    for (id, set) in &cases {
        let html = only(set.as_ref());
        for (other, title) in HEADINGS {
            let expected = other == *id
                || (*id == "drift" && other == "drift-over-time")
                || (*id == "drift-over-time" && other == "drift");
            assert_eq!(
                has_section(&html, other, title),
                expected,
                "with only {id}: section {other}"
            );
        }
    }

    // Drift without windows has no heatmap.
    let mut no_windows = s.drift.clone();
    no_windows.windows = None;
    let mut input = ReportInput::new("One", "now", &s.roles);
    input.drift = Some(&no_windows);
    let html = render_html(&input);
    assert!(has_section(&html, "drift", "Data drift"));
    assert!(!has_section(&html, "drift-over-time", "Drift over time"));
}

#[test]
fn extra_sections_follow_the_analyses_and_precede_the_notes() {
    let s = sample();
    let mut input = full(s);
    input.extra.push(Section {
        id: "model health".into(),
        title: "Model health".into(),
        html: html::table(&["metric", "value"], &[vec!["AUC".into(), "0.81".into()]])
            + &svg::bars("AUC by month", &["2025-09".to_string()], &[0.81], "s0"),
    });
    let out = render_html(&input);
    assert!(has_section(&out, "model-health", "Model health"));
    assert!(out.contains("href=\"#model-health\""));
    let seasonality = out
        .find("<section id=\"seasonality\"")
        .expect("seasonality");
    let notes = out.find("<section id=\"notes\"").expect("notes");
    let extra = out.find("<section id=\"model-health\"").expect("extra");
    assert!(seasonality < extra && extra < notes);
}

#[test]
fn user_strings_are_escaped() {
    let s = sample();
    let evil = "<script>alert(1)</script>";
    let mut details = s.details[0].1.clone();
    details.bins[0].label = evil.into();
    details.new_categories = vec![evil.into()];
    let mut roles = s.roles.clone();
    roles.set(evil, Role::Id);
    let renames: Renames = vec![(evil.to_string(), "open_accounts".to_string())].into();
    let mut input = ReportInput::new(evil, evil, &roles);
    input.reference = Some(&s.reference);
    input.current = Some(&s.current);
    input.renames = &renames;
    input.drift_details = vec![(evil.into(), details)];
    input.session_note = evil.into();
    input.column_notes.insert(evil.into(), evil.into());
    input.extra.push(Section {
        id: evil.into(),
        title: evil.into(),
        html: html::table(&[evil], &[vec![evil.into()]]),
    });
    let out = render_html(&input);
    assert!(!out.contains("<script"), "an unescaped script tag");
    assert!(out.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert_eq!(html::escape("a&b\"'<>"), "a&amp;b&quot;&#39;&lt;&gt;");
}

#[test]
fn numbers_are_formatted_for_people() {
    let html = render_html(&full(sample()));
    // The drift share as a percentage, p-values in scientific notation when tiny.
    let share = sample().drift.report.share_of_drifted_columns;
    assert!(html.contains(&sextant::format::fmt_pct(share)));
    assert!(html.contains("25 763"), "row counts grouped");
    assert!(
        !html.contains("0.000000"),
        "no long runs of zeros from raw float printing"
    );
}

#[test]
fn overlays_of_every_column_still_fit() {
    let s = sample();
    let mut input = full(s);
    input.drift_details = s
        .drift
        .columns
        .iter()
        .filter(|c| c.verdict.method.is_some())
        .map(|c| {
            let d = column_detail(
                &s.reference,
                &s.current,
                &c.reference_name,
                &c.current_name,
                BinningStrategy::Auto,
                None,
            )
            .expect("detail");
            (c.reference_name.clone(), d)
        })
        .collect();
    let html = render_html(&input);
    eprintln!(
        "sample report with all {} overlays: {} bytes",
        input.drift_details.len(),
        html.len()
    );
    assert!(html.len() < 1_000_000);
    assert!(!html.contains("NaN") && !html.contains("inf\""));
}

#[test]
fn a_series_without_timestamps_is_drawn_by_index() {
    let s = sample();
    let mut series = s.series.clone();
    series.timestamps = None;
    let x = SeasonalityInput::x_of(&series);
    assert_eq!(x[3], 3.0);
    let mut input = ReportInput::new("Index", "now", &s.roles);
    input.seasonality = Some(SeasonalityInput {
        label: "income (mean)",
        x: &x,
        series: &series,
        report: &s.seasonality,
    });
    let html = render_html(&input);
    assert!(has_section(&html, "seasonality", "Seasonality"));
    assert!(html.contains(">Point</th>"), "anomalies listed by point");
    assert!(
        !html.contains(">2024-01<"),
        "no date ticks without timestamps"
    );
}

#[test]
fn health_reads_the_reports_drift_windows_as_its_own_pass_would() {
    let reference = load("credit_training.parquet");
    let current = load("credit_production.parquet");
    let roles = inferred_roles(&reference, &current, None);
    let renames = Renames::from(vec![(
        "num_open_accounts".to_string(),
        "open_accounts".to_string(),
    )]);
    let settings = DriftSettings::default();
    assert!(settings.default_verdicts());
    let drift = run(
        &DriftInputs {
            reference: &reference,
            current: &current,
            roles: &roles,
            renames: &renames,
        },
        &settings,
        &Progress::silent(),
    )
    .expect("drift runs");
    let health = |drift: Option<&DriftOutcome>| {
        sextant::engine::health::run(
            &sextant::engine::health::HealthInputs {
                reference: &reference,
                current: &current,
                roles: &roles,
                renames: &renames,
                drift,
            },
            &Default::default(),
            &Progress::silent(),
        )
        .expect("health runs")
    };
    let own = health(None);
    assert!(
        own.drift_share.is_some(),
        "the sample has feature drift per window"
    );
    assert_eq!(health(Some(&drift)), own);
}

//! What a report is made from — a session, its datasets and what its analyses produced — and
//! the report in either format. The command line (`sextant report`) and the window's
//! File → Export fill the same [`ReportSource`], so they write the same bytes.

use std::path::Path;

use clap::ValueEnum;

use super::{ReportInput, SeasonalityInput, Section};
use crate::data::Dataset;
use crate::session::Session;
use crate::session::analyses::Analyses;

/// The two formats of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ReportFormat {
    /// One self-contained HTML file (inline CSS and SVG, no scripts, no network).
    #[default]
    Html,
    /// Every number of the report, in the structures of the other commands' --format json.
    Json,
}

/// Everything a report is made from.
pub struct ReportSource<'a> {
    pub title: String,
    pub session: &'a Session,
    pub session_path: Option<&'a Path>,
    pub reference: Option<&'a Dataset>,
    pub current: Option<&'a Dataset>,
    /// The experiment log (Experiments tab), when the session has one.
    pub experiment: Option<&'a Dataset>,
    pub analyses: &'a Analyses,
    /// When the report was made (ISO 8601).
    pub generated: String,
    /// Print absolute file paths (see [`super::ReportInput::include_paths`]).
    pub include_paths: bool,
}

/// What the HTML renderer needs, from what the analyses produced.
pub fn report_input<'a>(source: &'a ReportSource) -> ReportInput<'a> {
    let s = source.session;
    let a = source.analyses;
    // "2026-11-28T21:37:49.100446Z" reads as "2026-11-28 21:37 UTC" on a page.
    let generated = match source.generated.get(..16) {
        Some(minutes) => format!("{} UTC", minutes.replacen('T', " ", 1)),
        None => source.generated.clone(),
    };
    let mut input = ReportInput::new(&source.title, generated, &s.roles);
    input.session_note = s.notes.session.clone();
    input.column_notes = s.notes.columns.clone();
    input.reference = source.reference;
    input.current = source.current;
    input.renames = &s.renames;
    input.include_paths = source.include_paths;
    input.drift = a.drift.as_ref().and_then(|d| d.as_ref().ok());
    input.drift_details = a.drift_details.clone();
    input.integrity = a.integrity.as_ref().and_then(|i| i.as_ref().ok());
    input.seasonality = match &a.seasonality {
        Some(Ok(o)) => o.report.as_ref().ok().map(|report| SeasonalityInput {
            label: &o.label,
            x: &o.x,
            series: &o.series,
            report,
        }),
        _ => None,
    };
    if let Some(mv) = &a.multivariate {
        input.extra.push(super::multivariate::section(mv));
    }
    if let Some(Ok(health)) = &a.health {
        input.extra.push(super::health::section_with_feedback(
            health,
            s.views.health.metric,
            a.feedback.as_ref(),
        ));
    }
    if let Some(Ok(retraining)) = &a.retraining {
        input.extra.push(super::retrain::section(retraining));
    }
    if let Some(Ok(compression)) = &a.compression {
        input.extra.push(super::compression::section(
            compression,
            source.include_paths,
        ));
    }
    if let Some(Ok(serving)) = &a.serving {
        input.extra.push(super::serving::section(serving));
    }
    if let (Some(Ok(o)), Some(log)) = (&a.experiment, source.experiment) {
        input.extra.push(super::experiment::section(o, &log.name()));
    }
    if let (Some(Ok(o)), Some(log)) = (&a.compare, source.experiment) {
        input
            .extra
            .push(super::experiment::compare_section(o, &log.name()));
    }
    if let Some(section) = a.text_drift.as_ref().and_then(super::text_drift::section) {
        input.extra.push(section);
    }
    if let (Some(Ok(o)), Some(log)) = (&a.rollout, source.experiment) {
        input.extra.push(super::rollout::section(o, &log.name()));
    }
    let mut problems = Vec::new();
    for (name, result) in [
        (
            "Drift",
            a.drift
                .as_ref()
                .and_then(|d| d.as_ref().err())
                .map(ToString::to_string),
        ),
        (
            "Integrity",
            a.integrity
                .as_ref()
                .and_then(|i| i.as_ref().err())
                .map(ToString::to_string),
        ),
        (
            "Seasonality",
            match &a.seasonality {
                Some(Err(e)) => Some(e.to_string()),
                Some(Ok(o)) => o.report.as_ref().err().map(ToString::to_string),
                None => None,
            },
        ),
        (
            "Drift over time",
            a.drift
                .as_ref()
                .and_then(|d| d.as_ref().ok())
                .and_then(|d| d.windows_error.clone()),
        ),
        (
            "Model health",
            a.health
                .as_ref()
                .and_then(|h| h.as_ref().err())
                .map(ToString::to_string),
        ),
        (
            "Retraining",
            a.retraining
                .as_ref()
                .and_then(|r| r.as_ref().err())
                .map(ToString::to_string),
        ),
        (
            "Compression",
            a.compression
                .as_ref()
                .and_then(|c| c.as_ref().err())
                .map(ToString::to_string),
        ),
        (
            "Experiments",
            a.experiment
                .as_ref()
                .and_then(|e| e.as_ref().err())
                .map(ToString::to_string),
        ),
        (
            "Champion against challenger",
            a.compare
                .as_ref()
                .and_then(|e| e.as_ref().err())
                .map(ToString::to_string),
        ),
        (
            "Rollout",
            a.rollout
                .as_ref()
                .and_then(|e| e.as_ref().err())
                .map(ToString::to_string),
        ),
        (
            "Serving",
            a.serving
                .as_ref()
                .and_then(|e| e.as_ref().err())
                .map(ToString::to_string),
        ),
    ] {
        if let Some(e) = result {
            problems.push(vec![name.to_string(), e]);
        }
    }
    if !problems.is_empty() {
        input.extra.push(Section {
            id: "not-computed".into(),
            title: "Not computed".into(),
            html: super::html::table(&["analysis", "why"], &problems),
        });
    }
    input
}

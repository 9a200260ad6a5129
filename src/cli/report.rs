//! `sextant report`: the report snapshot of a session (or of two data files) as one HTML file or
//! as JSON — the same document the window's File → Export report writes.

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use serde_json::{Value, json};

use super::seasonality::{DecompositionJson, decomposition_json};
use super::session::load;
use super::{CliError, EXIT_OK};
use crate::data::Dataset;
use crate::present::json::to_text;
use crate::report::{ReportInput, SeasonalityInput, Section};
use crate::session::Session;
use crate::session::analyses::{self, Analyses, Overlays};
use crate::vocab::Progress;
use crate::vocab::time::format_iso;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ReportFormat {
    /// One self-contained HTML file (inline CSS and SVG, no scripts, no network).
    #[default]
    Html,
    /// Every number of the report, in the structures of the other commands' --format json.
    Json,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The session to report on.
    #[arg(long, value_name = "FILE")]
    pub session: Option<PathBuf>,
    /// Training (reference) data, instead of a session.
    #[arg(long, value_name = "FILE")]
    pub reference: Option<PathBuf>,
    /// Production (current) data, instead of a session.
    #[arg(long, value_name = "FILE")]
    pub current: Option<PathBuf>,
    /// Where to write the report (written atomically).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    #[arg(long, value_enum, default_value_t)]
    pub format: ReportFormat,
    /// Draw the distributions of every tested column, not only the drifted ones.
    #[arg(long)]
    pub all_columns: bool,
}

/// Everything a report is made from.
pub struct ReportSource<'a> {
    pub title: String,
    pub session: &'a Session,
    pub session_path: Option<&'a Path>,
    pub reference: Option<&'a Dataset>,
    pub current: Option<&'a Dataset>,
    pub analyses: &'a Analyses,
    /// When the report was made (ISO 8601).
    pub generated: String,
}

pub fn run(args: &ReportArgs) -> Result<u8, CliError> {
    let loaded = load(
        args.session.as_deref(),
        args.reference.as_deref(),
        args.current.as_deref(),
    )?;
    let overlays = if args.all_columns {
        Overlays::All
    } else {
        Overlays::Drifted
    };
    let now = crate::engine::clock::now_micros();
    let analyses = analyses::run(
        &loaded.session,
        loaded.reference.as_ref(),
        loaded.current.as_ref(),
        overlays,
        now,
        &Progress::silent(),
    )
    .map_err(|_| CliError("the report was cancelled".into()))?;
    let source = ReportSource {
        title: loaded.title(),
        session: &loaded.session,
        session_path: loaded.path.as_deref(),
        reference: loaded.reference.as_ref(),
        current: loaded.current.as_ref(),
        analyses: &analyses,
        generated: format_iso(now),
    };
    let text = render(args.format, &source);
    super::write_output(Some(&args.out), &text)?;
    eprintln!("Wrote {} ({} bytes)", args.out.display(), text.len());
    Ok(EXIT_OK)
}

/// The report in a format.
pub fn render(format: ReportFormat, source: &ReportSource) -> String {
    match format {
        ReportFormat::Json => to_text(&snapshot_json(source)),
        ReportFormat::Html => crate::report::render_html(&report_input(source)),
    }
}

/// What the HTML renderer needs, from what the analyses produced.
fn report_input<'a>(source: &'a ReportSource) -> ReportInput<'a> {
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
    if let Some(Ok(health)) = &a.health {
        input.extra.push(crate::report::health::section(
            health,
            s.views.health.metric,
        ));
    }
    if let Some(Ok(compression)) = &a.compression {
        input
            .extra
            .push(crate::report::compression::section(compression));
    }
    let mut problems = Vec::new();
    for (name, result) in [
        ("Drift", a.drift.as_ref().and_then(|d| d.as_ref().err())),
        (
            "Integrity",
            a.integrity.as_ref().and_then(|i| i.as_ref().err()),
        ),
        (
            "Seasonality",
            match &a.seasonality {
                Some(Err(e)) => Some(e),
                Some(Ok(o)) => o.report.as_ref().err(),
                None => None,
            },
        ),
        (
            "Drift over time",
            a.drift
                .as_ref()
                .and_then(|d| d.as_ref().ok())
                .and_then(|d| d.windows_error.as_ref()),
        ),
        (
            "Model health",
            a.health.as_ref().and_then(|h| h.as_ref().err()),
        ),
        (
            "Compression",
            a.compression.as_ref().and_then(|c| c.as_ref().err()),
        ),
    ] {
        if let Some(e) = result {
            problems.push(vec![name.to_string(), e.clone()]);
        }
    }
    if !problems.is_empty() {
        input.extra.push(Section {
            id: "not-computed".into(),
            title: "Not computed".into(),
            html: crate::report::html::table(&["analysis", "why"], &problems),
        });
    }
    input
}

/// The JSON snapshot: every number the report shows, each analysis in the structure of its
/// command's `--format json`.
pub fn snapshot_json(source: &ReportSource) -> Value {
    let s = source.session;
    let a = source.analyses;
    let drift = match (&a.drift, source.reference, source.current) {
        (Some(Ok(run)), Some(r), Some(c)) => super::drift::to_json(r, c, run),
        (Some(Err(e)), _, _) => json!({"error": e}),
        _ => Value::Null,
    };
    let integrity = match (&a.integrity, source.reference, source.current) {
        (Some(Ok(report)), Some(r), Some(c)) => {
            crate::present::integrity::to_json(report, &r.path, &c.path)
        }
        (Some(Err(e)), _, _) => json!({"error": e}),
        _ => Value::Null,
    };
    let seasonality = match &a.seasonality {
        Some(Ok(o)) => match &o.report {
            Ok(report) => decomposition_json(
                &DecompositionJson {
                    value: s.views.seasonality.value.to_text(),
                    label: &o.label,
                    aggregation: s.views.seasonality.aggregation.name(),
                    time: o.time.as_deref(),
                },
                &o.series,
                report,
                o.comparison.as_ref().and_then(|c| c.as_ref().ok()),
            ),
            Err(e) => json!({"error": e}),
        },
        Some(Err(e)) => json!({"error": e}),
        None => Value::Null,
    };
    let roles: serde_json::Map<String, Value> = s
        .roles
        .iter()
        .map(|(c, r)| (c.to_string(), json!(r.name())))
        .collect();
    json!({
        "title": source.title,
        "generated": source.generated,
        "session": source.session_path.map(|p| p.display().to_string()),
        "sextant_version": env!("CARGO_PKG_VERSION"),
        "datasets": {
            "reference": source.reference.map(crate::present::inspect::to_json),
            "current": source.current.map(crate::present::inspect::to_json),
        },
        "roles": roles,
        "renames": s.renames.iter().map(|(c, r)| json!({"current": c, "reference": r})).collect::<Vec<_>>(),
        "notes": {"session": s.notes.session, "columns": s.notes.columns},
        "drift": drift,
        "integrity": integrity,
        "seasonality": seasonality,
        "health": match &a.health {
            Some(Ok(report)) => crate::present::health::to_json(report),
            Some(Err(e)) => json!({"error": e}),
            None => Value::Null,
        },
        "compression": match &a.compression {
            Some(Ok(report)) => serde_json::to_value(report).unwrap_or(Value::Null),
            Some(Err(e)) => json!({"error": e}),
            None => Value::Null,
        },
    })
}

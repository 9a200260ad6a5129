//! The integrity outcome for pipelines (JSON) and people (a text table). `sextant integrity`
//! and the JSON report present the same findings through these functions.
//!
//! JSON contract: `{"reference", "current", "reference_rows", "current_rows",
//! "columns_compared", "timestamp_column", "id_column", "window", "checks": [{"check",
//! "severity", "columns", "message", "details", "examples": [{"side", "row", "other_row", "id",
//! "timestamp", "values"}], "timeline"?}], "summary": {"errors", "warnings", "infos"}}`;
//! `timeline` is present when the finding has a rate over time: `{"window", "starts", "rows",
//! "events", "reference_rate", "change"}`. Times are ISO-8601 (UTC). Keys may be added, never
//! removed; the field order of the structs below is the order of the keys.

use std::path::Path;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::analysis::integrity::{
    ChangePoint, Example, Finding, IntegrityReport, Summary, Timeline,
};
use crate::present::json::number;
use crate::present::table::TextTable;
use crate::vocab::Side;
use crate::vocab::time::format_iso;

/// The JSON document of `integrity`.
#[derive(Serialize)]
struct ReportJson<'a> {
    reference: String,
    current: String,
    reference_rows: usize,
    current_rows: usize,
    columns_compared: usize,
    timestamp_column: &'a Option<String>,
    id_column: &'a Option<String>,
    window: Option<&'static str>,
    checks: Vec<FindingJson<'a>>,
    summary: Summary,
}

/// One finding.
#[derive(Serialize)]
struct FindingJson<'a> {
    check: &'static str,
    severity: &'static str,
    columns: &'a [String],
    message: &'a str,
    details: &'a Map<String, Value>,
    examples: Vec<ExampleJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    timeline: Option<TimelineJson<'a>>,
}

/// One example row; its labelled values become an object (a repeated label keeps its first
/// place and its last value, as a JSON object must).
#[derive(Serialize)]
struct ExampleJson<'a> {
    side: Side,
    row: usize,
    other_row: Option<usize>,
    id: &'a Option<String>,
    timestamp: Option<String>,
    values: Map<String, Value>,
}

/// A finding's rate over time.
#[derive(Serialize)]
struct TimelineJson<'a> {
    window: &'static str,
    starts: Vec<String>,
    rows: &'a [u32],
    events: &'a [u32],
    reference_rate: Value,
    change: Option<ChangeJson>,
}

/// Where a rate changed.
#[derive(Serialize)]
struct ChangeJson {
    since: String,
    until: Option<String>,
    rate_during: Value,
    rate_outside: Value,
    p_value: Value,
}

impl<'a> ExampleJson<'a> {
    fn new(e: &'a Example) -> Self {
        Self {
            side: e.side,
            row: e.row,
            other_row: e.other_row,
            id: &e.id,
            timestamp: e.timestamp.map(format_iso),
            values: e
                .values
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect(),
        }
    }
}

impl ChangeJson {
    fn new(c: &ChangePoint) -> Self {
        Self {
            since: format_iso(c.since),
            until: c.until.map(format_iso),
            rate_during: number(c.rate_during),
            rate_outside: number(c.rate_outside),
            p_value: number(c.p_value),
        }
    }
}

impl<'a> TimelineJson<'a> {
    fn new(t: &'a Timeline) -> Self {
        Self {
            window: t.window.name(),
            starts: t.starts.iter().map(|s| format_iso(*s)).collect(),
            rows: &t.rows,
            events: &t.events,
            reference_rate: number(t.reference_rate),
            change: t.change.as_ref().map(ChangeJson::new),
        }
    }
}

impl<'a> FindingJson<'a> {
    fn new(f: &'a Finding) -> Self {
        Self {
            check: f.check.name(),
            severity: f.severity.name(),
            columns: &f.columns,
            message: &f.message,
            details: &f.details,
            examples: f.examples.iter().map(ExampleJson::new).collect(),
            timeline: f.timeline.as_ref().map(TimelineJson::new),
        }
    }
}

/// Serialise a document of the structs above. They hold only strings, numbers, maps and
/// options, so serialisation cannot fail; `null` stands in should that ever change.
fn value_of(doc: &impl Serialize) -> Value {
    serde_json::to_value(doc).unwrap_or(Value::Null)
}

/// One finding as JSON.
pub fn finding_json(f: &Finding) -> Value {
    value_of(&FindingJson::new(f))
}

/// The JSON document of `integrity`; `reference` and `current` are the files as named.
pub fn to_json(report: &IntegrityReport, reference: &Path, current: &Path) -> Value {
    value_of(&ReportJson {
        reference: reference.display().to_string(),
        current: current.display().to_string(),
        reference_rows: report.reference_rows,
        current_rows: report.current_rows,
        columns_compared: report.columns_compared,
        timestamp_column: &report.timestamp_column,
        id_column: &report.id_column,
        window: report.window.map(|w| w.name()),
        checks: report.findings.iter().map(FindingJson::new).collect(),
        summary: report.summary(),
    })
}

/// The findings for people: a headline with the counts, then one line per finding.
pub fn to_table(report: &IntegrityReport, reference: &str, current: &str) -> String {
    let s = report.summary();
    let mut out = format!(
        "Integrity of {current} ({} rows) against {reference} ({} rows): {} errors, {} warnings, {} infos\n\n",
        report.current_rows, report.reference_rows, s.errors, s.warnings, s.infos
    );
    let mut t = TextTable::new(&["severity", "check", "message"], &[false, false, false]);
    for f in &report.findings {
        t.row(vec![
            f.severity.name().to_string(),
            f.check.name().to_string(),
            f.message.clone(),
        ]);
    }
    out.push_str(&t.render());
    if report.findings.is_empty() {
        out.push_str("No findings: the data looks intact.\n");
    }
    out
}

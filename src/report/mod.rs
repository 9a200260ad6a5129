//! Report snapshots: one self-contained HTML file (inline CSS and SVG, no scripts, no network)
//! of everything a session computed — datasets, drift with overlays and the window heatmap,
//! integrity, seasonality, notes — and the sections other views add.
//!
//! The module computes nothing and reads no clock or file: the caller fills a [`ReportInput`]
//! with results it already has and [`html::render_html`] turns them into text. The drift run
//! should be made with `all_metrics` (the table shows a p-value and an effect size for every
//! column, as the Drift tab does) and, for the heatmap, with windows; the overlays are
//! [`crate::engine::drift_detail::column_detail`] of the columns to draw (the drifted ones by
//! default). `tests/report.rs` builds the whole report of the sample data this way. A view adds its
//! section by pushing a [`Section`] built from [`html::table`], [`html::escape`] and the charts
//! of [`svg`]:
//!
//! ```
//! use sextant::report::{html, svg, Section};
//! let rows = vec![vec!["int8".to_string(), "0.912".to_string()]];
//! let section = Section::new(
//!     "compression",
//!     "Compression",
//!     html::table(&["variant", "accuracy"], &rows)
//!         + &svg::bars("Accuracy", &["int8".to_string()], &[0.912], "s0"),
//! );
//! assert!(section.html.contains("<table"));
//! ```

pub mod compression;
pub mod experiment;
pub mod health;
pub mod html;
pub mod json;
pub mod markup;
pub mod multivariate;
pub mod retrain;
pub mod rollout;
pub mod serving;
pub mod source;
pub mod svg;
pub mod text_drift;

use std::collections::BTreeMap;

use crate::analysis::integrity::IntegrityReport;
use crate::analysis::seasonality::{SeasonalityReport, TimeSeries};
use crate::data::{Dataset, RoleMap};
use crate::engine::drift::DriftOutcome;
use crate::engine::drift_detail::ColumnDetail;
use crate::vocab::Renames;

/// The renames of a report input that has none.
static NO_RENAMES: Renames = Renames::new();

pub use html::render_html;
pub use json::render;
pub use source::{ReportFormat, ReportSource, report_input};

/// A section added by another view (model health, compression…): `html` is a fragment
/// (already escaped) placed under an `<h2>` of `title`, with `id` as its anchor in the table
/// of contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub id: String,
    pub title: String,
    pub html: String,
}

impl Section {
    /// A section from its anchor, title and HTML fragment.
    pub fn new(id: impl Into<String>, title: impl Into<String>, html: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            title: title.into(),
            html: html.into(),
        }
    }
}

/// A decomposed series for the seasonality section, as the Seasonality view holds it.
#[derive(Debug, Clone, Copy)]
pub struct SeasonalityInput<'a> {
    /// What the value is ("row count", "income (mean)").
    pub label: &'a str,
    /// x of each point: days since the epoch when `series.timestamps` exists, else the index
    /// (see [`SeasonalityInput::x_of`]).
    pub x: &'a [f64],
    /// The regular series (its filled points are drawn as grey dots).
    pub series: &'a TimeSeries,
    /// Observed, trend, seasonal parts, remainder and anomalies.
    pub report: &'a SeasonalityReport,
}

impl SeasonalityInput<'_> {
    /// The x coordinates the report expects for a series: days since the epoch of each
    /// period's start, or the point index without timestamps.
    pub fn x_of(series: &TimeSeries) -> Vec<f64> {
        const MICROS_PER_DAY: f64 = crate::vocab::time::MICROS_PER_DAY as f64;
        match &series.timestamps {
            Some(t) => t.iter().map(|m| *m as f64 / MICROS_PER_DAY).collect(),
            None => (0..series.len()).map(|i| i as f64).collect(),
        }
    }
}

/// Everything the report shows, computed by the caller. A section appears only when its input
/// is present.
#[derive(Clone)]
pub struct ReportInput<'a> {
    /// The page title ("credit model — weekly check").
    pub title: String,
    /// When the report was made, as text ("2026-11-28 21:40 UTC"); the module reads no clock.
    pub generated_at: String,
    /// The session's note, shown in the Notes section.
    pub session_note: String,
    /// Notes per column name.
    pub column_notes: BTreeMap<String, String>,
    pub reference: Option<&'a Dataset>,
    pub current: Option<&'a Dataset>,
    pub roles: &'a RoleMap,
    /// Accepted renames.
    pub renames: &'a Renames,
    pub drift: Option<&'a DriftOutcome>,
    /// Columns drawn as overlays, `(column name, detail)`, in the order given.
    pub drift_details: Vec<(String, ColumnDetail)>,
    pub integrity: Option<&'a IntegrityReport>,
    pub seasonality: Option<SeasonalityInput<'a>>,
    /// Sections of other views, after the built-in analyses and before the notes.
    pub extra: Vec<Section>,
    /// Print each file's absolute path. Off by default: a shared report would otherwise tell
    /// every reader the author's folders (user name, project layout); a file is named by its
    /// name and its content fingerprint instead.
    pub include_paths: bool,
}

impl<'a> ReportInput<'a> {
    /// A report with a title, a time text and roles, and no sections yet.
    pub fn new(
        title: impl Into<String>,
        generated_at: impl Into<String>,
        roles: &'a RoleMap,
    ) -> Self {
        Self {
            title: title.into(),
            generated_at: generated_at.into(),
            session_note: String::new(),
            column_notes: BTreeMap::new(),
            reference: None,
            current: None,
            roles,
            renames: &NO_RENAMES,
            drift: None,
            drift_details: Vec::new(),
            integrity: None,
            seasonality: None,
            extra: Vec::new(),
            include_paths: false,
        }
    }
}

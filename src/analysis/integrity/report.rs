//! What the checks return: findings with a severity, evidence and example rows.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::vocab::Side;

/// How serious a finding is. Ordered: `Info < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth knowing; nothing is broken.
    Info,
    /// Probably a problem: look before trusting the model's numbers.
    Warning,
    /// The data is broken for the model.
    Error,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Warning => "warning",
            Self::Error => "error",
        }
    }
}

/// The checks, in the order a report lists them within one severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    MissingColumn,
    NewColumn,
    LikelyRename,
    RenamedColumn,
    TypeChange,
    NullRateIncrease,
    NonFinite,
    UnseenCategories,
    VanishedCategories,
    StringVariants,
    OutOfRange,
    ConstantColumn,
    AlmostConstantColumn,
    UnknownLabels,
    ProbabilityRange,
    DuplicateRows,
    DuplicateIds,
    Leakage,
    RowCountChange,
    TimestampOrder,
    TimestampGaps,
    FutureTimestamps,
    ServingSkew,
}

impl Check {
    pub const ALL: [Check; 23] = [
        Check::MissingColumn,
        Check::NewColumn,
        Check::LikelyRename,
        Check::RenamedColumn,
        Check::TypeChange,
        Check::NullRateIncrease,
        Check::NonFinite,
        Check::UnseenCategories,
        Check::VanishedCategories,
        Check::StringVariants,
        Check::OutOfRange,
        Check::ConstantColumn,
        Check::AlmostConstantColumn,
        Check::UnknownLabels,
        Check::ProbabilityRange,
        Check::DuplicateRows,
        Check::DuplicateIds,
        Check::Leakage,
        Check::RowCountChange,
        Check::TimestampOrder,
        Check::TimestampGaps,
        Check::FutureTimestamps,
        Check::ServingSkew,
    ];

    /// The name in JSON and tables (snake case).
    pub fn name(self) -> &'static str {
        match self {
            Self::MissingColumn => "missing_column",
            Self::NewColumn => "new_column",
            Self::LikelyRename => "likely_rename",
            Self::RenamedColumn => "renamed_column",
            Self::TypeChange => "type_change",
            Self::NullRateIncrease => "null_rate_increase",
            Self::NonFinite => "non_finite",
            Self::UnseenCategories => "unseen_categories",
            Self::VanishedCategories => "vanished_categories",
            Self::StringVariants => "string_variants",
            Self::OutOfRange => "out_of_range",
            Self::ConstantColumn => "constant_column",
            Self::AlmostConstantColumn => "almost_constant_column",
            Self::UnknownLabels => "unknown_labels",
            Self::ProbabilityRange => "probability_range",
            Self::DuplicateRows => "duplicate_rows",
            Self::DuplicateIds => "duplicate_ids",
            Self::Leakage => "leakage",
            Self::RowCountChange => "row_count_change",
            Self::TimestampOrder => "timestamp_order",
            Self::TimestampGaps => "timestamp_gaps",
            Self::FutureTimestamps => "future_timestamps",
            Self::ServingSkew => "serving_skew",
        }
    }

    /// A title for the checklist.
    pub fn title(self) -> &'static str {
        match self {
            Self::MissingColumn => "Missing column",
            Self::NewColumn => "New column",
            Self::LikelyRename => "Likely rename",
            Self::RenamedColumn => "Renamed column",
            Self::TypeChange => "Type change",
            Self::NullRateIncrease => "More missing values",
            Self::NonFinite => "NaN or infinity",
            Self::UnseenCategories => "Unseen categories",
            Self::VanishedCategories => "Vanished categories",
            Self::StringVariants => "Spelling variants",
            Self::OutOfRange => "Out of range",
            Self::ConstantColumn => "Constant column",
            Self::AlmostConstantColumn => "Almost constant column",
            Self::UnknownLabels => "Unknown labels",
            Self::ProbabilityRange => "Score outside [0, 1]",
            Self::DuplicateRows => "Duplicate rows",
            Self::DuplicateIds => "Duplicate ids",
            Self::Leakage => "Rows also in training",
            Self::RowCountChange => "Row count",
            Self::TimestampOrder => "Timestamps out of order",
            Self::TimestampGaps => "Gaps in time",
            Self::FutureTimestamps => "Timestamps in the future",
            Self::ServingSkew => "Training-serving skew",
        }
    }
}

/// A row shown as evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Example {
    /// The dataset the row is in.
    pub side: Side,
    /// 0-based position of the row among the file's data rows.
    pub row: usize,
    /// The reference row it is compared with (`leakage`, `serving_skew`, `duplicate_rows`:
    /// the earlier duplicate, in the same dataset).
    pub other_row: Option<usize>,
    /// The row's id, when the data has an id column.
    pub id: Option<String>,
    /// The row's timestamp (µs since the epoch, UTC), when the data has a timestamp column.
    pub timestamp: Option<i64>,
    /// The values that make it an example, labelled (usually the column name).
    pub values: Vec<(String, String)>,
}

/// Time windows: the shared calendar unit of every analysis (serialised "day", "week",
/// "month"), named for what a [`Timeline`] is cut into.
pub use crate::analysis::windows::Calendar as Window;

/// A rate per time window of the current data (missing share, unseen share, out-of-range
/// share), with the reference's overall rate and the change point when one was found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Timeline {
    pub window: Window,
    /// Start of each window, µs since the epoch (UTC).
    pub starts: Vec<i64>,
    /// Rows with a timestamp in each window.
    pub rows: Vec<u32>,
    /// Rows with the problem in each window.
    pub events: Vec<u32>,
    /// The same rate over the whole reference.
    pub reference_rate: f64,
    pub change: Option<ChangePoint>,
}

impl Timeline {
    /// Rate of window `i`, `None` for an empty window.
    pub fn rate(&self, i: usize) -> Option<f64> {
        (self.rows[i] > 0).then(|| f64::from(self.events[i]) / f64::from(self.rows[i]))
    }
}

/// A run of windows whose rate is higher than the rate outside it: where a problem started
/// (and ended, when it did). Found by the binomial segment search of
/// [`super::stats::rate_change_point`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ChangePoint {
    /// First window of the run (index into the timeline).
    pub first: usize,
    /// One past the last window of the run.
    pub end: usize,
    /// Start of the first window, µs.
    pub since: i64,
    /// Start of the window after the run, µs; `None` when the run lasts to the end.
    pub until: Option<i64>,
    /// Rate inside the run and outside it.
    pub rate_during: f64,
    pub rate_outside: f64,
    /// Bonferroni-corrected p-value of the likelihood-ratio test (see the search).
    pub p_value: f64,
}

/// One finding of one check.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub check: Check,
    pub severity: Severity,
    /// The columns involved (current names; a missing column by its reference name).
    pub columns: Vec<String>,
    /// One sentence for people.
    pub message: String,
    /// Numbers behind the message (counts, shares, test statistics), in a stable order.
    pub details: Map<String, Value>,
    /// Up to `max_examples` rows.
    pub examples: Vec<Example>,
    /// The problem's rate over time, when the current data has a timestamp.
    pub timeline: Option<Timeline>,
}

impl Finding {
    pub fn new(check: Check, severity: Severity, columns: Vec<String>, message: String) -> Self {
        Self {
            check,
            severity,
            columns,
            message,
            details: Map::new(),
            examples: Vec::new(),
            timeline: None,
        }
    }

    /// Add a detail (builder style).
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.details.insert(key.into(), value.into());
        self
    }

    /// The first column, which views select.
    pub fn column(&self) -> Option<&str> {
        self.columns.first().map(String::as_str)
    }
}

/// Counts of findings by severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

/// Everything the integrity checks found, errors first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IntegrityReport {
    pub findings: Vec<Finding>,
    pub reference_rows: usize,
    pub current_rows: usize,
    /// Column pairs compared (after renames).
    pub columns_compared: usize,
    pub timestamp_column: Option<String>,
    pub id_column: Option<String>,
    /// The windows of the timelines, when the current data has a timestamp.
    pub window: Option<Window>,
}

impl IntegrityReport {
    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for f in &self.findings {
            match f.severity {
                Severity::Error => s.errors += 1,
                Severity::Warning => s.warnings += 1,
                Severity::Info => s.infos += 1,
            }
        }
        s
    }

    /// The most serious severity found.
    pub fn worst(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }

    /// Findings of one check.
    pub fn of(&self, check: Check) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |f| f.check == check)
    }
}

/// A float as JSON, non-finite values as strings (the CLI's convention).
pub fn num(v: f64) -> Value {
    crate::analysis::json::number(v)
}

pub use crate::format::fmt_pct as pct;

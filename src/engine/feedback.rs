//! The feedback-loop pass over one served log ([`run`]): pull the time, score, served flag and
//! features out of the frame, split the rows into windows, take each group's window means,
//! and run the pure analysis (Granger, cross-correlation, correction, verdict) and the served
//! against holdout drift per feature on all cores.

use serde::{Deserialize, Serialize};

use crate::analysis::experiment::multiple::Correction;
use crate::analysis::feedback::footprint::{
    Categories, FootprintInput, FootprintWindow, GroupRows, MISSING_CATEGORY, served_vs_holdout,
};
use crate::analysis::feedback::{
    FeedbackInput, FeedbackParams, FeedbackReport, GroupSeries, analyze, window_means,
};
use crate::analysis::windows::{self, WindowSpec};
use crate::data::{Dataset, RoleMap};
use crate::vocab::{Cancelled, Progress, Role};

use super::columns::{self, Storage};
use super::parallel_map;

/// Names a served flag goes by when none is given (`holdout` and `in_holdout` are read
/// inverted: true = kept out of the model's decisions).
pub const SERVED_NAMES: &[&str] = &["served", "is_served", "treated", "holdout", "in_holdout"];

/// What the user chose in the Health tab's Feedback section or on the command line; saved with
/// the session.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct FeedbackSettings {
    /// Columns (`None` = by role: the timestamp, the prediction; the served flag by name).
    pub time: Option<String>,
    pub score: Option<String>,
    pub served: Option<String>,
    /// Features tested (`None` = every numeric or categorical feature).
    pub features: Option<Vec<String>>,
    /// Windows (`None` = days).
    pub windows: Option<WindowSpec>,
    /// Largest Granger order and cross-correlation lag (`None` = 5).
    pub max_lag: Option<usize>,
    /// Windows at the start that are each group's baseline for the drift (`None` = 7).
    pub baseline: Option<usize>,
    /// Level of the verdict (`None` = 0.05).
    pub alpha: Option<f64>,
    /// Correction across features × lags (`None` = Holm).
    pub correction: Option<Correction>,
}

impl FeedbackSettings {
    /// Every number of the settings inside its documented range ([`super::ranges`]).
    pub fn validate(&self) -> Result<(), super::ranges::RangeError> {
        use super::ranges;
        ranges::check_windows(self.windows)?;
        ranges::MAX_LAG.check_opt(self.max_lag)?;
        ranges::BASELINE.check_opt(self.baseline)?;
        ranges::FEEDBACK_ALPHA.check_opt(self.alpha)
    }

    pub fn windows(&self) -> WindowSpec {
        self.windows.unwrap_or(WindowSpec::Day)
    }

    pub fn max_lag(&self) -> usize {
        self.max_lag.unwrap_or(5)
    }

    pub fn baseline(&self) -> usize {
        self.baseline.unwrap_or(7)
    }

    pub fn params(&self) -> FeedbackParams {
        let unit = match self.windows() {
            WindowSpec::Day => "day",
            WindowSpec::Week => "week",
            WindowSpec::Month => "month",
            WindowSpec::Chunks(_) => "window",
        };
        FeedbackParams {
            max_lag: self.max_lag(),
            alpha: self.alpha.unwrap_or(0.05),
            correction: self.correction.unwrap_or(Correction::Holm),
            unit: unit.into(),
        }
    }
}

/// The data the pass runs on.
#[derive(Clone, Copy)]
pub struct FeedbackInputs<'a> {
    pub data: &'a Dataset,
    pub roles: &'a RoleMap,
}

/// One window of the log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeedbackWindow {
    pub label: String,
    /// Inclusive start, µs since the epoch (calendar windows).
    pub start: Option<i64>,
    pub rows: usize,
    pub served_rows: usize,
    pub holdout_rows: usize,
}

/// A column's window means per group (the score first, then the features).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupMeans {
    pub column: String,
    /// The served rows' means (every row's, without a served column).
    pub served: Vec<Option<f64>>,
    /// The holdout rows' means (empty without a served column).
    pub holdout: Vec<Option<f64>>,
}

/// Every number of the pass.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeedbackOutcome {
    pub spec: WindowSpec,
    pub time: String,
    pub score: String,
    pub served: Option<String>,
    pub features: Vec<String>,
    /// What each feature's window series is, in the order of `features`: "mean" for a
    /// number, "share of 'X'" for a category column (see [`FeatureColumn`]).
    pub series: Vec<String>,
    pub max_lag: usize,
    pub alpha: f64,
    pub correction: Correction,
    pub baseline: usize,
    pub windows: Vec<FeedbackWindow>,
    /// Rows without a timestamp (in no window) or without a served flag.
    pub unassigned_rows: usize,
    pub means: Vec<GroupMeans>,
    pub report: FeedbackReport,
    /// Per feature, per window after the baseline.
    pub served_vs_holdout: Vec<FootprintWindow>,
    /// What could not run, one sentence each (the report's notes included).
    pub notes: Vec<String>,
}

impl FeedbackOutcome {
    /// The feature the verdict names, else the first one.
    pub fn suspect(&self) -> Option<&str> {
        self.report
            .verdict
            .feature
            .as_deref()
            .or(self.features.first().map(String::as_str))
    }

    /// The window means of a column.
    pub fn means_of(&self, column: &str) -> Option<&GroupMeans> {
        self.means.iter().find(|m| m.column == column)
    }
}

/// Why the pass could not run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FeedbackError {
    #[error(transparent)]
    Range(#[from] super::ranges::RangeError),
    #[error(
        "no {what} column: give one its role (or pass --{flag}); the data has columns {columns}"
    )]
    NoColumn {
        what: &'static str,
        flag: &'static str,
        columns: String,
    },
    #[error("the data has no column \"{column}\" (the {what}); it has {columns}")]
    Missing {
        column: String,
        what: &'static str,
        columns: String,
    },
    #[error("the column \"{column}\" is not numeric (it holds {dtype}), so it cannot be {what}")]
    NotNumeric {
        column: String,
        dtype: String,
        what: &'static str,
    },
    #[error("the column \"{column}\" is not a date or time, so it cannot order the rows")]
    NotTime { column: String },
    #[error(
        "the served column \"{column}\" holds \"{value}\": use true/false, 1/0, served/holdout or treated/control"
    )]
    BadServed { column: String, value: String },
    #[error(
        "the served column \"{column}\" has no holdout rows, so there is nothing to compare the served rows with"
    )]
    NoHoldout { column: String },
    #[error("the served column \"{column}\" has no served rows")]
    NoServed { column: String },
    #[error(
        "no feature to test (every column is the time, the score, the served flag, an id, or neither numbers nor categories)"
    )]
    NoFeatures,
    #[error("{0}")]
    Windows(#[from] windows::WindowError),
    #[error("the feedback analysis was cancelled")]
    Cancelled,
}

impl From<Cancelled> for FeedbackError {
    fn from(_: Cancelled) -> Self {
        Self::Cancelled
    }
}

fn names(ds: &Dataset) -> String {
    ds.frame
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn series<'d>(
    ds: &'d Dataset,
    column: &str,
    what: &'static str,
) -> Result<&'d polars::prelude::Series, FeedbackError> {
    ds.frame
        .column(column)
        .map(|c| c.as_materialized_series())
        .map_err(|_| FeedbackError::Missing {
            column: column.to_string(),
            what,
            columns: names(ds),
        })
}

/// A numeric column: its values and whether it holds integers.
fn numeric(
    ds: &Dataset,
    column: &str,
    what: &'static str,
) -> Result<(Vec<Option<f64>>, bool), FeedbackError> {
    let s = series(ds, column, what)?;
    let storage = columns::storage_of(s.dtype());
    let not_numeric = || FeedbackError::NotNumeric {
        column: column.to_string(),
        dtype: s.dtype().to_string(),
        what,
    };
    if !matches!(
        storage,
        Storage::Float | Storage::Integer | Storage::Boolean
    ) {
        return Err(not_numeric());
    }
    let values = columns::numeric(s).ok_or_else(not_numeric)?;
    Ok((values, storage != Storage::Float))
}

/// A feature as the pass reads it. Granger and the cross-correlation need one number per
/// window, and a mean of category codes means nothing, so a category column's series is the
/// share of its most frequent category (over the whole log; ties to the first label): one
/// number that moves when the mix moves toward or away from the dominant level, and the level
/// with the most rows, so the share with the least sampling noise. Its row values are that
/// category's 0/1 indicator, whose window mean is the share; the served against holdout drift
/// tests the categories themselves with the drift core's categorical tests.
struct FeatureColumn {
    /// The row values whose window means are the series.
    values: Vec<Option<f64>>,
    integer: bool,
    /// A category column's codes into its sorted labels.
    categories: Option<(Vec<u32>, Vec<String>)>,
    /// "mean", or "share of 'X'".
    series: String,
}

fn feature_column(ds: &Dataset, column: &str) -> Result<FeatureColumn, FeedbackError> {
    let s = series(ds, column, "a feature")?;
    if columns::storage_of(s.dtype()) != Storage::String {
        let (values, integer) = numeric(ds, column, "a feature")?;
        return Ok(FeatureColumn {
            values,
            integer,
            categories: None,
            series: "mean".into(),
        });
    }
    let unreadable = || FeedbackError::NotNumeric {
        column: column.to_string(),
        dtype: s.dtype().to_string(),
        what: "a feature",
    };
    let text = s
        .cast(&polars::prelude::DataType::String)
        .map_err(|_| unreadable())?;
    let text = text.str().map_err(|_| unreadable())?;
    let mut counts: std::collections::BTreeMap<&str, u64> = std::collections::BTreeMap::new();
    for v in text.iter().flatten() {
        *counts.entry(v).or_default() += 1;
    }
    let labels: Vec<String> = counts.keys().map(|l| l.to_string()).collect();
    // The first label of the largest count (the map iterates in label order).
    let top = counts
        .iter()
        .enumerate()
        .fold(None::<(usize, u64)>, |best, (i, (_, &n))| match best {
            Some((_, m)) if m >= n => best,
            _ => Some((i, n)),
        })
        .map(|(i, _)| i);
    let index: std::collections::HashMap<&str, u32> = counts
        .keys()
        .enumerate()
        .map(|(i, l)| (*l, i as u32))
        .collect();
    let codes: Vec<u32> = text
        .iter()
        .map(|v| {
            v.and_then(|v| index.get(v).copied())
                .unwrap_or(MISSING_CATEGORY)
        })
        .collect();
    let values = codes
        .iter()
        .map(|&c| (c != MISSING_CATEGORY).then(|| f64::from(u8::from(Some(c as usize) == top))))
        .collect();
    let series = match top {
        Some(i) => format!("share of '{}'", labels[i]),
        None => "share of no category (every value is missing)".into(),
    };
    Ok(FeatureColumn {
        values,
        integer: false,
        categories: Some((codes, labels)),
        series,
    })
}

/// The served flag of each row: booleans, numbers (non-zero = true) or words; a column named
/// like a holdout is read inverted.
fn served_flags(ds: &Dataset, column: &str) -> Result<Vec<Option<bool>>, FeedbackError> {
    let s = series(ds, column, "served flag")?;
    let inverted = column.to_ascii_lowercase().contains("holdout");
    let flags: Vec<Option<bool>> = match columns::storage_of(s.dtype()) {
        Storage::Boolean | Storage::Integer | Storage::Float => columns::numeric(s)
            .unwrap_or_default()
            .into_iter()
            .map(|v| v.filter(|v| !v.is_nan()).map(|v| v != 0.0))
            .collect(),
        Storage::String => {
            let strings = s.str().map_err(|_| FeedbackError::BadServed {
                column: column.to_string(),
                value: s.dtype().to_string(),
            })?;
            let mut out = Vec::with_capacity(s.len());
            for v in strings.iter() {
                out.push(match v.map(|v| v.trim().to_ascii_lowercase()) {
                    None => None,
                    Some(v) => match v.as_str() {
                        "" => None,
                        "true" | "1" | "yes" | "served" | "treated" | "treatment" => Some(true),
                        "false" | "0" | "no" | "holdout" | "control" | "held_out" => Some(false),
                        _ => {
                            return Err(FeedbackError::BadServed {
                                column: column.to_string(),
                                value: v,
                            });
                        }
                    },
                });
            }
            // Words say what they mean, whatever the column is called.
            return Ok(out);
        }
        _ => {
            return Err(FeedbackError::BadServed {
                column: column.to_string(),
                value: s.dtype().to_string(),
            });
        }
    };
    Ok(flags
        .into_iter()
        .map(|f| f.map(|f| f != inverted))
        .collect())
}

/// The resolved columns: time, score, served flag (if any), features.
pub fn resolve_columns(
    data: &Dataset,
    roles: &RoleMap,
    settings: &FeedbackSettings,
) -> Result<(String, String, Option<String>, Vec<String>), FeedbackError> {
    let pick = |given: &Option<String>, role: Role, what: &'static str, flag: &'static str| {
        given
            .clone()
            .or_else(|| roles.column_with(role).map(String::from))
            .ok_or_else(|| FeedbackError::NoColumn {
                what,
                flag,
                columns: names(data),
            })
    };
    let time = pick(&settings.time, Role::Timestamp, "timestamp", "time")?;
    let score = pick(&settings.score, Role::Prediction, "score", "score")?;
    let served = settings.served.clone().or_else(|| {
        data.frame
            .get_column_names()
            .iter()
            .find(|n| SERVED_NAMES.contains(&n.to_ascii_lowercase().as_str()))
            .map(|n| n.to_string())
    });
    let features = match &settings.features {
        Some(f) => f.clone(),
        None => data
            .frame
            .columns()
            .iter()
            .filter(|c| {
                let n = c.name().as_str();
                roles.get(n) == Role::Feature
                    && n != time
                    && n != score
                    && Some(n) != served.as_deref()
                    && matches!(
                        columns::storage_of(c.dtype()),
                        Storage::Float | Storage::Integer | Storage::String
                    )
            })
            .map(|c| c.name().to_string())
            .collect(),
    };
    if features.is_empty() {
        return Err(FeedbackError::NoFeatures);
    }
    Ok((time, score, served, features))
}

/// Run the feedback pass under `settings`.
pub fn run(
    inputs: &FeedbackInputs<'_>,
    settings: &FeedbackSettings,
    progress: &Progress,
) -> Result<FeedbackOutcome, FeedbackError> {
    let FeedbackInputs { data, roles } = *inputs;
    settings.validate()?;
    progress.set(Some(0.0), "Reading the score, time and served flag");
    let (time, score, served_column, features) = resolve_columns(data, roles, settings)?;
    let times =
        columns::times(series(data, &time, "time")?).ok_or_else(|| FeedbackError::NotTime {
            column: time.clone(),
        })?;
    let (score_values, _) = numeric(data, &score, "the score")?;
    let n = data.rows();
    let served = match &served_column {
        Some(c) => {
            let flags = served_flags(data, c)?;
            if !flags.contains(&Some(false)) {
                return Err(FeedbackError::NoHoldout { column: c.clone() });
            }
            if !flags.contains(&Some(true)) {
                return Err(FeedbackError::NoServed { column: c.clone() });
            }
            flags
        }
        None => vec![Some(true); n],
    };
    let feature_values: Vec<FeatureColumn> = features
        .iter()
        .map(|f| feature_column(data, f))
        .collect::<Result<_, _>>()?;
    progress.check()?;

    let spec = settings.windows();
    let assignment = windows::assign(spec, Some(&times), n)?;
    let groups = GroupRows::split(&assignment.row_window, &served, assignment.windows.len());
    let unassigned_rows = assignment
        .row_window
        .iter()
        .zip(&served)
        .filter(|(w, s)| w.is_none() || s.is_none())
        .count();
    let windows_out: Vec<FeedbackWindow> = assignment
        .windows
        .iter()
        .zip(&groups)
        .map(|(w, g)| FeedbackWindow {
            label: w.label.clone(),
            start: w.start,
            rows: w.rows,
            served_rows: g.served.len(),
            holdout_rows: g.holdout.len(),
        })
        .collect();
    let served_rows: Vec<&[u32]> = groups.iter().map(|g| g.served.as_slice()).collect();
    let holdout_rows: Vec<&[u32]> = groups.iter().map(|g| g.holdout.as_slice()).collect();
    let has_holdout = served_column.is_some();
    let means_of = |values: &[Option<f64>], column: &str| GroupMeans {
        column: column.to_string(),
        served: window_means(values, &served_rows),
        holdout: if has_holdout {
            window_means(values, &holdout_rows)
        } else {
            Vec::new()
        },
    };
    let mut means = vec![means_of(&score_values, &score)];
    means.extend(
        features
            .iter()
            .zip(&feature_values)
            .map(|(f, c)| means_of(&c.values, f)),
    );
    progress.set(Some(0.2), "Granger tests and cross-correlations");
    let labels: Vec<String> = windows_out.iter().map(|w| w.label.clone()).collect();
    let group = |holdout: bool| GroupSeries {
        score: if holdout {
            &means[0].holdout
        } else {
            &means[0].served
        },
        features: means[1..]
            .iter()
            .map(|m| {
                (
                    m.column.as_str(),
                    if holdout {
                        m.holdout.as_slice()
                    } else {
                        m.served.as_slice()
                    },
                )
            })
            .collect(),
    };
    let input = FeedbackInput {
        windows: &labels,
        served: group(false),
        holdout: has_holdout.then(|| group(true)),
    };
    let params = settings.params();
    let report = analyze(&input, &params);
    progress.check()?;

    let mut notes = Vec::new();
    let baseline = settings.baseline().min(windows_out.len() / 2).max(1);
    let served_vs_holdout: Vec<FootprintWindow> = if has_holdout && windows_out.len() > 1 {
        progress.set(Some(0.4), "Served against holdout drift per window");
        let per_feature = parallel_map(
            &features.iter().zip(&feature_values).collect::<Vec<_>>(),
            |(f, c)| {
                if progress.is_cancelled() {
                    return Vec::new();
                }
                served_vs_holdout(&FootprintInput {
                    feature: f,
                    values: &c.values,
                    integer: c.integer,
                    categories: c
                        .categories
                        .as_ref()
                        .map(|(codes, labels)| Categories { codes, labels }),
                    rows: &groups,
                    baseline,
                })
            },
        );
        progress.check()?;
        per_feature.into_iter().flatten().collect()
    } else {
        if !has_holdout {
            notes.push(format!(
                "No served column (pass --served COL, or name one {}), so there is no holdout: the served against holdout drift and the holdout control are left out.",
                SERVED_NAMES.join(", ")
            ));
        } else {
            notes.push("One window only: no drift over time to show.".into());
        }
        Vec::new()
    };
    notes.extend(report.notes.iter().cloned());
    progress.set(Some(1.0), "Done");
    Ok(FeedbackOutcome {
        spec,
        time,
        score,
        served: served_column,
        series: feature_values.iter().map(|c| c.series.clone()).collect(),
        features,
        max_lag: params.max_lag,
        alpha: params.alpha,
        correction: params.correction,
        baseline,
        windows: windows_out,
        unassigned_rows,
        means,
        report,
        served_vs_holdout,
        notes,
    })
}

/// What `sextant bench-feedback` measured (times in seconds).
#[derive(Debug, Clone)]
pub struct FeedbackBench {
    pub rows: usize,
    pub windows: usize,
    pub features: usize,
    pub granger_tests: usize,
    pub drift_tests: usize,
    pub repeat: usize,
    /// Best wall time of the whole pass (columns out of the frame, windows, Granger,
    /// cross-correlation, served/holdout drift).
    pub best_s: f64,
}

impl std::fmt::Display for FeedbackBench {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "feedback: {} rows, {} daily windows, {} features: {} Granger F-tests and {} drift tests in {:.3} s (best of {})",
            self.rows,
            self.windows,
            self.features,
            self.granger_tests,
            self.drift_tests,
            self.best_s,
            self.repeat
        )
    }
}

/// Why the benchmark could not run.
#[derive(Debug, thiserror::Error)]
pub enum FeedbackBenchError {
    #[error("generating the benchmark data failed: {0}")]
    Generate(#[from] polars::prelude::PolarsError),
    #[error(transparent)]
    Data(#[from] crate::data::DataError),
    #[error(transparent)]
    Run(#[from] FeedbackError),
}

/// Time the feedback pass on a generated served log of `rows` rows over `days` days with
/// `features` numeric features (the story's loop planted in `utilization`).
pub fn bench(
    rows: usize,
    days: usize,
    features: usize,
    repeat: usize,
) -> Result<FeedbackBench, FeedbackBenchError> {
    let frame = crate::sample_data::served::bench_served(rows, days, features, 7)?;
    let data = Dataset::from_frame("bench-feedback".into(), frame, &Progress::silent())?;
    let mut roles = RoleMap::default();
    roles.add_inferred(&data.columns);
    let settings = FeedbackSettings {
        time: Some("scored_at".into()),
        score: Some("score".into()),
        served: Some("served".into()),
        ..FeedbackSettings::default()
    };
    let inputs = FeedbackInputs {
        data: &data,
        roles: &roles,
    };
    let mut best = f64::INFINITY;
    let mut last = None;
    for _ in 0..repeat.max(1) {
        let t = std::time::Instant::now();
        let o = run(&inputs, &settings, &Progress::silent())?;
        best = best.min(t.elapsed().as_secs_f64());
        last = Some(o);
    }
    let o = last.ok_or(FeedbackError::Cancelled)?;
    Ok(FeedbackBench {
        rows: data.rows(),
        windows: o.windows.len(),
        features: o.features.len(),
        granger_tests: o.report.granger.len() + o.report.holdout_granger.len(),
        drift_tests: o.served_vs_holdout.len() * 3,
        repeat: repeat.max(1),
        best_s: best,
    })
}

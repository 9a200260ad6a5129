//! The data side of the seasonality time series: which value a user asked for (a column, or a
//! derived series such as the row count or the label rate), read from a [`Dataset`] as rows of
//! `(timestamp, value)` for [`crate::analysis::seasonality::timeseries::build`].
//!
//! Value syntax (the CLI's `--value`, also used in saved settings):
//!
//! | text | series | aggregation |
//! |---|---|---|
//! | `COL` | column `COL` | the chosen one (`--agg`, default mean) |
//! | `@count` | rows per period | row count |
//! | `@null_rate:COL` | share of rows whose `COL` is null or NaN | null rate |
//! | `@prediction_mean[:COL]` | mean of the prediction column (role `prediction`, or `COL`) | mean |
//! | `@label_rate[:COL]` | mean of the target column (role `target`, or `COL`): the positive rate for 0/1 labels | mean |
//! | `@drift:COL` | drift score of `COL` in each day, week or month of production against all of training | the column's test |
//!
//! `@drift` compares two files, so it is built by the drift engine
//! (`engine::seasonality::drift_series`), not by [`build_series`].

use polars::prelude::*;

use super::Dataset;
use super::role::RoleMap;
use super::summary::micros_of;
use crate::analysis::seasonality::SamplingFrequency;
use crate::analysis::seasonality::timeseries::{
    self, Aggregation, BuildError, BuildParams, Segment, TimeSeries,
};
use crate::vocab::Role;

/// What series a user asked for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueSpec {
    /// A column, aggregated per period with the chosen aggregation.
    Column(String),
    /// The number of rows per period.
    RowCount,
    /// The share of rows per period whose value in this column is missing.
    NullRate(String),
    /// Mean of the prediction column (the one with role prediction when `None`).
    PredictionMean(Option<String>),
    /// Mean of the target column (the one with role target when `None`).
    LabelRate(Option<String>),
    /// The drift score of this column per period of the current data, against the reference.
    DriftScore(String),
}

impl ValueSpec {
    /// Parses the syntax in the module docs. Errors name what was not understood.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let Some(derived) = text.strip_prefix('@') else {
            if text.is_empty() {
                return Err(
                    "the value is empty; name a column or a derived series such as @count".into(),
                );
            }
            return Ok(Self::Column(text.to_string()));
        };
        let (name, column) = match derived.split_once(':') {
            Some((n, c)) if !c.trim().is_empty() => (n, Some(c.trim().to_string())),
            Some((n, _)) => (n, None),
            None => (derived, None),
        };
        match (name, column) {
            ("count", None) => Ok(Self::RowCount),
            ("null_rate", Some(c)) => Ok(Self::NullRate(c)),
            ("null_rate", None) => Err("@null_rate needs a column: @null_rate:COLUMN".into()),
            ("prediction_mean", c) => Ok(Self::PredictionMean(c)),
            ("label_rate", c) => Ok(Self::LabelRate(c)),
            ("drift", Some(c)) => Ok(Self::DriftScore(c)),
            ("drift", None) => Err("@drift needs a column: @drift:COLUMN".into()),
            _ => Err(format!(
                "\"{text}\" is not a derived series; use @count, @null_rate:COLUMN, @prediction_mean[:COLUMN], @label_rate[:COLUMN] or @drift:COLUMN"
            )),
        }
    }

    /// The text [`ValueSpec::parse`] reads back.
    pub fn to_text(&self) -> String {
        match self {
            Self::Column(c) => c.clone(),
            Self::RowCount => "@count".into(),
            Self::NullRate(c) => format!("@null_rate:{c}"),
            Self::PredictionMean(None) => "@prediction_mean".into(),
            Self::PredictionMean(Some(c)) => format!("@prediction_mean:{c}"),
            Self::LabelRate(None) => "@label_rate".into(),
            Self::LabelRate(Some(c)) => format!("@label_rate:{c}"),
            Self::DriftScore(c) => format!("@drift:{c}"),
        }
    }
}

/// A [`ValueSpec`] with its column found and its aggregation fixed.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedValue {
    /// The column read (`None` for the row count).
    pub column: Option<String>,
    /// How each period's rows become a number.
    pub aggregation: Aggregation,
    /// A name for titles: "income (mean)", "row count", "null rate of debt_to_income"…
    pub label: String,
}

/// Why a series could not be read from the data. Messages are one sentence naming the file(s)
/// and the column.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SeriesDataError {
    /// No dataset was given.
    #[error("no data is loaded")]
    NoData,
    /// `@drift` read as a plain series: it needs the reference and the current file.
    #[error(
        "the drift score of \"{column}\" compares production with training: it needs both files"
    )]
    NeedsBothFiles { column: String },
    /// A column is missing from a file.
    #[error("{file} has no column \"{column}\"")]
    MissingColumn {
        /// File name.
        file: String,
        /// Column name.
        column: String,
    },
    /// The time column is not a date or datetime.
    #[error("column \"{column}\" of {file} is not a date or time column (its type is {dtype})")]
    NotTime {
        /// File name.
        file: String,
        /// Column name.
        column: String,
        /// The polars type.
        dtype: String,
    },
    /// A statistic of values was asked of a column that has no numbers.
    #[error(
        "column \"{column}\" of {file} is {dtype}, not numeric: only count and null rate apply to it"
    )]
    NotNumeric {
        /// File name.
        file: String,
        /// Column name.
        column: String,
        /// The polars type.
        dtype: String,
    },
    /// A derived series needs a role no column has.
    #[error("no column has the {role} role; give one with {syntax}:COLUMN")]
    NoRole {
        /// The role's name.
        role: &'static str,
        /// The derived series' syntax.
        syntax: &'static str,
    },
    /// The builder refused the rows.
    #[error("{files}: {source}")]
    Build {
        /// Names of the files, joined.
        files: String,
        /// The builder's reason.
        source: BuildError,
    },
}

/// Finds the column of `spec` (roles from `roles`) and the aggregation to use (`aggregation`
/// for a plain column).
pub fn resolve(
    spec: &ValueSpec,
    aggregation: Aggregation,
    roles: &RoleMap,
) -> Result<ResolvedValue, SeriesDataError> {
    let by_role = |explicit: &Option<String>, role: Role, name: &'static str, syntax| {
        explicit
            .clone()
            .or_else(|| roles.column_with(role).map(str::to_string))
            .ok_or(SeriesDataError::NoRole { role: name, syntax })
    };
    Ok(match spec {
        ValueSpec::Column(c) => ResolvedValue {
            column: Some(c.clone()),
            aggregation,
            label: format!("{c} ({})", aggregation.name()),
        },
        ValueSpec::RowCount => ResolvedValue {
            column: None,
            aggregation: Aggregation::Rows,
            label: "row count".into(),
        },
        ValueSpec::NullRate(c) => ResolvedValue {
            column: Some(c.clone()),
            aggregation: Aggregation::NullRate,
            label: format!("null rate of {c}"),
        },
        ValueSpec::PredictionMean(c) => {
            let c = by_role(c, Role::Prediction, "prediction", "@prediction_mean")?;
            ResolvedValue {
                label: format!("prediction mean ({c})"),
                column: Some(c),
                aggregation: Aggregation::Mean,
            }
        }
        ValueSpec::LabelRate(c) => {
            let c = by_role(c, Role::Target, "target", "@label_rate")?;
            ResolvedValue {
                label: format!("label rate ({c})"),
                column: Some(c),
                aggregation: Aggregation::Mean,
            }
        }
        ValueSpec::DriftScore(c) => {
            return Err(SeriesDataError::NeedsBothFiles { column: c.clone() });
        }
    })
}

/// One dataset's rows: timestamps (µs since the epoch, when a time column is used) and values.
#[derive(Debug, Clone, PartialEq)]
pub struct Rows {
    /// Per-row timestamps.
    pub times: Option<Vec<Option<i64>>>,
    /// Per-row values (`None` = missing; NaN is kept and treated as missing by the builder).
    pub values: Vec<Option<f64>>,
}

/// Reads `value` (and the `time` column, if any) of one dataset.
pub fn rows_of(
    ds: &Dataset,
    time: Option<&str>,
    value: &ResolvedValue,
) -> Result<Rows, SeriesDataError> {
    let file = ds.name();
    let column = |name: &str| {
        ds.frame
            .column(name)
            .map(|c| c.as_materialized_series().clone())
            .map_err(|_| SeriesDataError::MissingColumn {
                file: file.clone(),
                column: name.to_string(),
            })
    };
    let times = match time {
        None => None,
        Some(name) => {
            let s = column(name)?;
            let micros = micros_of(&s).ok_or_else(|| SeriesDataError::NotTime {
                file: file.clone(),
                column: name.to_string(),
                dtype: s.dtype().to_string(),
            })?;
            Some(micros.iter().collect())
        }
    };
    let values = match &value.column {
        None => vec![Some(0.0); ds.rows()],
        Some(name) => {
            let s = column(name)?;
            let numeric = s.dtype().is_primitive_numeric() || s.dtype() == &DataType::Boolean;
            if numeric {
                let cast = s
                    .cast(&DataType::Float64)
                    .map_err(|_| SeriesDataError::NotNumeric {
                        file: file.clone(),
                        column: name.clone(),
                        dtype: s.dtype().to_string(),
                    })?;
                cast.f64().map(|ca| ca.iter().collect()).map_err(|_| {
                    SeriesDataError::NotNumeric {
                        file: file.clone(),
                        column: name.clone(),
                        dtype: s.dtype().to_string(),
                    }
                })?
            } else if value.aggregation.reads_values() {
                return Err(SeriesDataError::NotNumeric {
                    file,
                    column: name.clone(),
                    dtype: s.dtype().to_string(),
                });
            } else {
                // Count and null rate only need to know which rows have a value.
                s.is_null()
                    .iter()
                    .map(|null| (null != Some(true)).then_some(0.0))
                    .collect()
            }
        }
    };
    Ok(Rows { times, values })
}

/// Builds the series of `value` over `datasets` end to end (reference first), with `time` as
/// the time axis (rows in file order when `None`).
pub fn build_series(
    datasets: &[&Dataset],
    time: Option<&str>,
    value: &ResolvedValue,
    frequency: SamplingFrequency,
) -> Result<TimeSeries, SeriesDataError> {
    if datasets.is_empty() {
        return Err(SeriesDataError::NoData);
    }
    let rows = datasets
        .iter()
        .map(|ds| rows_of(ds, time, value))
        .collect::<Result<Vec<_>, _>>()?;
    let segments: Vec<Segment<'_>> = rows
        .iter()
        .map(|r| Segment {
            times: r.times.as_deref(),
            values: &r.values,
        })
        .collect();
    timeseries::build(
        &segments,
        &BuildParams {
            frequency,
            aggregation: value.aggregation,
        },
    )
    .map_err(|source| SeriesDataError::Build {
        files: datasets
            .iter()
            .map(|d| d.name())
            .collect::<Vec<_>>()
            .join(" + "),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_syntax_roundtrips() {
        for text in [
            "income",
            "@count",
            "@null_rate:debt_to_income",
            "@prediction_mean",
            "@prediction_mean:score",
            "@label_rate",
            "@label_rate:defaulted",
        ] {
            let spec = ValueSpec::parse(text).expect(text);
            assert_eq!(spec.to_text(), text);
        }
        assert!(ValueSpec::parse("@null_rate").is_err());
        assert!(ValueSpec::parse("@median").is_err());
        assert!(ValueSpec::parse(" ").is_err());
    }

    #[test]
    fn derived_series_find_their_columns_by_role() {
        let mut roles = RoleMap::default();
        roles.set("score", Role::Prediction);
        let p = resolve(&ValueSpec::PredictionMean(None), Aggregation::Sum, &roles).expect("ok");
        assert_eq!(
            (p.column.as_deref(), p.aggregation),
            (Some("score"), Aggregation::Mean)
        );
        let err =
            resolve(&ValueSpec::LabelRate(None), Aggregation::Mean, &roles).expect_err("no target");
        assert_eq!(
            err.to_string(),
            "no column has the target role; give one with @label_rate:COLUMN"
        );
        let c = resolve(&ValueSpec::RowCount, Aggregation::Mean, &roles).expect("ok");
        assert_eq!((c.column, c.aggregation), (None, Aggregation::Rows));
    }
}

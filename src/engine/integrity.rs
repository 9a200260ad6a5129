//! The integrity checks over loaded datasets, the one entry point every front end calls
//! ([`run`]): the command line, the window's Integrity tab and the session's report.
//!
//! The pure checks in `analysis::integrity` read [`Table`]s; this module builds them from the
//! polars frames: f64 columns are borrowed without copying, other numbers cast once, strings
//! dictionary-encoded once, booleans encoded as the categories "false"/"true", dates and
//! timestamps as microseconds. Keeping polars and `Dataset` here is what lets the analysis
//! layer stay free of both.

use std::borrow::Cow;
use std::sync::atomic::{AtomicUsize, Ordering};

use polars::prelude::*;

use crate::analysis::integrity::table::{ColumnData, Dict, Table, Values, encode_strings_with};
use crate::analysis::integrity::{IntegrityError, IntegrityParams, IntegrityReport};
use crate::data::summary::micros_of;
use crate::data::{ColumnSummary, Dataset, RoleMap};
use crate::vocab::{Cancelled, ColumnKind, Progress, Renames, Role};

/// What a user chooses for the checks: every threshold, the windows and the id column. It is
/// the analysis's parameter set as sessions have always stored it (`renames`, `now_micros`
/// and `threads` are not saved; [`run`] fills the first two from its inputs).
pub type IntegritySettings = IntegrityParams;

/// What every presenter of the checks reads: the findings, errors first, with the row counts
/// and the id and timestamp columns used.
pub type IntegrityOutcome = IntegrityReport;

/// The data the checks run on.
#[derive(Clone, Copy)]
pub struct IntegrityInputs<'a> {
    pub reference: &'a Dataset,
    pub current: &'a Dataset,
    pub roles: &'a RoleMap,
    /// Production columns compared with their training names.
    pub renames: &'a Renames,
    /// "Now" for the future-timestamp check, µs since the epoch (UTC); `None` skips that
    /// check. The caller reads the clock (`engine::clock::now_micros`) or takes the user's.
    pub now_micros: Option<i64>,
}

/// Why the checks did not produce a report.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum IntegrityRunError {
    /// The settings or renames do not fit the data.
    #[error(transparent)]
    Check(IntegrityError),
    /// The user cancelled.
    #[error("cancelled")]
    Cancelled,
}

impl From<IntegrityError> for IntegrityRunError {
    fn from(e: IntegrityError) -> Self {
        match e {
            IntegrityError::Cancelled => Self::Cancelled,
            other => Self::Check(other),
        }
    }
}

impl From<Cancelled> for IntegrityRunError {
    fn from(_: Cancelled) -> Self {
        Self::Cancelled
    }
}

/// Run every check on two loaded datasets under `settings`, stopping early when `progress`
/// is cancelled.
pub fn run(
    inputs: &IntegrityInputs<'_>,
    settings: &IntegritySettings,
    progress: &Progress,
) -> Result<IntegrityOutcome, IntegrityRunError> {
    progress.set(None, "Checking data integrity");
    let params = IntegrityParams {
        renames: inputs.renames.clone(),
        now_micros: inputs.now_micros,
        ..settings.clone()
    };
    let report = check_datasets(
        inputs.reference,
        inputs.current,
        inputs.roles,
        &params,
        &|| progress.is_cancelled(),
    )?;
    progress.check()?;
    Ok(report)
}

/// Validity as booleans when the series has nulls (`None`: every value is present).
fn validity(series: &Series) -> Option<Vec<bool>> {
    (series.null_count() > 0).then(|| {
        let mask = series.is_not_null();
        mask.iter().map(|b| b == Some(true)).collect()
    })
}

/// A numeric column as f64: borrowed when it already is one contiguous f64 array.
/// Values and validity of a column (`None`: no nulls).
type Numbers<'a> = (Cow<'a, [f64]>, Option<Vec<bool>>);

fn numeric_values(series: &Series) -> Option<Numbers<'_>> {
    if let Ok(ca) = series.f64()
        && ca.chunks().len() == 1
    {
        let arr = ca.downcast_iter().next()?;
        return Some((Cow::Borrowed(arr.values().as_slice()), validity(series)));
    }
    // 64-bit integers convert in one pass (a cast would allocate a column, then be copied).
    if let Ok(ca) = series.i64() {
        let mut values = Vec::with_capacity(ca.len());
        for arr in ca.downcast_iter() {
            values.extend(arr.values().iter().map(|v| *v as f64));
        }
        return Some((Cow::Owned(values), validity(series)));
    }
    let cast = series.cast(&DataType::Float64).ok()?;
    let ca = cast.f64().ok()?;
    let mut values = Vec::with_capacity(ca.len());
    for arr in ca.downcast_iter() {
        values.extend_from_slice(arr.values().as_slice());
    }
    Some((Cow::Owned(values), validity(&cast)))
}

/// One polars column as checks' data, with its kind from the load summary and its role.
pub fn column_data<'a>(
    series: &'a Series,
    summary: Option<&ColumnSummary>,
    role: Role,
) -> ColumnData<'a> {
    let name = series.name().to_string();
    let dtype = series.dtype();
    let rows = series.len();
    let kind_of = |fallback: ColumnKind| summary.map_or(fallback, |s| s.kind);
    let other = |kind: ColumnKind| {
        let valid = validity(series);
        ColumnData {
            name: name.clone(),
            dtype: dtype.to_string(),
            kind,
            role,
            values: Values::Other { rows, valid },
        }
    };
    if dtype.is_primitive_numeric() {
        let Some((values, valid)) = numeric_values(series) else {
            return other(ColumnKind::Numeric);
        };
        return ColumnData {
            name,
            dtype: dtype.to_string(),
            kind: ColumnKind::Numeric,
            role,
            values: Values::Numeric {
                values,
                valid,
                integer: dtype.is_integer(),
            },
        };
    }
    if let Ok(ca) = series.bool() {
        let (codes, dict) = Dict::encode_bools(ca.iter());
        return ColumnData {
            name,
            dtype: dtype.to_string(),
            kind: ColumnKind::Boolean,
            role,
            values: Values::Strings { codes, dict },
        };
    }
    if matches!(dtype, DataType::Datetime(..) | DataType::Date) {
        let Some(micros) = micros_of(series) else {
            return other(ColumnKind::Datetime);
        };
        let mut values = Vec::with_capacity(micros.len());
        for arr in micros.downcast_iter() {
            values.extend_from_slice(arr.values().as_slice());
        }
        let valid = validity(series);
        return ColumnData {
            name,
            dtype: dtype.to_string(),
            kind: ColumnKind::Datetime,
            role,
            values: Values::Datetime {
                micros: Cow::Owned(values),
                valid,
            },
        };
    }
    if let Ok(ca) = series.str() {
        let (codes, dict) = encode_strings_with(ca.iter(), summary.map_or(0, |s| s.unique));
        let non_null = rows - ca.null_count();
        let kind = kind_of(crate::vocab::kind::string_kind(dict.len(), non_null));
        return ColumnData {
            name,
            dtype: dtype.to_string(),
            kind,
            role,
            values: Values::Strings { codes, dict },
        };
    }
    other(kind_of(ColumnKind::Text))
}

/// Both datasets as tables, their columns converted on `threads` scoped threads.
pub fn tables<'a>(
    reference: &'a Dataset,
    current: &'a Dataset,
    roles: &RoleMap,
    threads: usize,
) -> (Table<'a>, Table<'a>) {
    let work: Vec<(usize, usize)> = [reference, current]
        .iter()
        .enumerate()
        .flat_map(|(side, ds)| (0..ds.frame.width()).map(move |i| (side, i)))
        .collect();
    let next = AtomicUsize::new(0);
    let mut slots: Vec<Option<ColumnData<'a>>> = (0..work.len()).map(|_| None).collect();
    {
        let cells: Vec<std::sync::Mutex<&mut Option<ColumnData<'a>>>> =
            slots.iter_mut().map(std::sync::Mutex::new).collect();
        std::thread::scope(|s| {
            for _ in 0..threads.max(1).min(work.len().max(1)) {
                s.spawn(|| {
                    loop {
                        let k = next.fetch_add(1, Ordering::Relaxed);
                        let Some(&(side, i)) = work.get(k) else {
                            return;
                        };
                        let ds = if side == 0 { reference } else { current };
                        let series = ds.frame.columns()[i].as_materialized_series();
                        let summary = ds
                            .columns
                            .get(i)
                            .filter(|c| c.name == series.name().as_str());
                        let data = column_data(series, summary, roles.get(series.name()));
                        if let Ok(mut cell) = cells[k].lock() {
                            **cell = Some(data);
                        }
                    }
                });
            }
        });
    }
    let mut tables = [Vec::new(), Vec::new()];
    for ((side, _), data) in work.into_iter().zip(slots) {
        if let Some(d) = data {
            tables[side].push(d);
        }
    }
    let [r, c] = tables;
    let mut rt = Table::new(r);
    let mut ct = Table::new(c);
    rt.rows = reference.rows();
    ct.rows = current.rows();
    (rt, ct)
}

/// Run every check on two loaded datasets with `params` as given (renames and "now"
/// included); `stop` is asked between columns whether to give up. [`run`] is the front ends'
/// entry point; this is the step below it, for callers that hold full parameters.
pub fn check_datasets(
    reference: &Dataset,
    current: &Dataset,
    roles: &RoleMap,
    params: &IntegrityParams,
    stop: &(dyn Fn() -> bool + Sync),
) -> Result<IntegrityReport, IntegrityError> {
    let (r, c) = tables(reference, current, roles, params.threads);
    crate::analysis::integrity::check_cancellable(&r, &c, params, stop)
}

/// Roles for a pair of datasets as the CLI infers them: each file's inferred roles, the
/// reference's first; `id` (when given) becomes the id.
pub fn inferred_roles(reference: &Dataset, current: &Dataset, id: Option<&str>) -> RoleMap {
    let mut roles = RoleMap::default();
    roles.add_inferred(&reference.columns);
    roles.add_inferred(&current.columns);
    if let Some(id) = id {
        roles.set(id, Role::Id);
    }
    roles
}

#[cfg(test)]
mod tests {
    //! The checks over generated datasets are in tests/integrity.rs; here, what `run` adds.
    use super::*;
    use crate::sample_data::synthetic;
    use crate::vocab::time::{MICROS_PER_DAY, days_from_civil};

    fn params() -> IntegrityParams {
        IntegrityParams {
            now_micros: Some(days_from_civil(2030, 1, 1) * MICROS_PER_DAY),
            ..Default::default()
        }
    }

    #[test]
    fn run_takes_renames_and_now_from_its_inputs() {
        let (rf, cf) = synthetic::clean_pair(2000, 2000, 5, 3).expect("frames");
        let progress = Progress::silent();
        let r = Dataset::from_frame("ref".into(), rf, &progress).expect("ref");
        let c = Dataset::from_frame("cur".into(), cf, &progress).expect("cur");
        let roles = inferred_roles(&r, &c, None);
        let renames = Renames::new();
        let inputs = IntegrityInputs {
            reference: &r,
            current: &c,
            roles: &roles,
            renames: &renames,
            now_micros: params().now_micros,
        };
        let via_run = run(&inputs, &IntegritySettings::default(), &progress).expect("run");
        let direct = check_datasets(&r, &c, &roles, &params(), &|| false).expect("direct");
        assert_eq!(via_run, direct);
        progress.cancel();
        assert_eq!(
            run(&inputs, &IntegritySettings::default(), &progress),
            Err(IntegrityRunError::Cancelled)
        );
    }
}

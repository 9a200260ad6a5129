//! Data integrity: is the data itself broken, and since when? Schema differences (missing, new,
//! renamed and retyped columns), missing values and their spikes over time, values the model
//! never saw (unseen categories, out-of-range numbers, unknown labels), degenerate columns,
//! duplicate and leaked rows, timestamp problems, and row-level training-serving skew.
//!
//! [`check`] compares a reference [`Table`] (training) with a current one (production) under
//! [`IntegrityParams`] and returns an [`IntegrityReport`] of [`Finding`]s, errors first.
//! `engine::integrity` builds the tables from loaded datasets.
//!
//! Every statistical decision is a test with level `alpha` so that two samples of the same
//! distribution raise no warning (tested with generated data):
//! - more missing values: the pooled two-proportion z-test, exact (Fisher) on few rows
//!   ([`stats::two_proportion_test`]);
//! - values beyond the reference's range, and values never seen (or no longer seen): the
//!   probability that the `k` values concerned all fell in one sample by chance when the two
//!   samples are exchangeable ([`stats::all_on_one_side`]);
//! - when a problem started: a binomial change-point search over time windows
//!   ([`stats::rate_change_point`]).
//!
//! Speed: strings are dictionary-encoded once and each distinct value hashed once; rows are
//! hashed column by column into one `u64` per row; columns are checked on `params.threads`
//! scoped threads. The scoped threads are joined before `check` returns, so the function stays
//! a pure computation (same input, same report, in the same order).

mod columns;
pub mod params;
pub mod report;
mod rows;
mod schema;
pub mod stats;
pub mod table;
pub mod time;

use std::sync::atomic::{AtomicUsize, Ordering};

pub use params::{IntegrityParams, WindowChoice};
pub use report::{
    ChangePoint, Check, Example, Finding, IntegrityReport, Severity, Summary, Timeline, Window,
};
pub use table::{ColumnData, Dict, Table, Values};

use crate::vocab::{ColumnKind, Role, Side};

/// Why the checks could not run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum IntegrityError {
    /// A rename names a column that does not exist on its side.
    #[error(
        "the rename {current}={reference} names a column that is not in the {side} data: \"{missing}\""
    )]
    UnknownRenameColumn {
        current: String,
        reference: String,
        side: &'static str,
        missing: String,
    },
    /// A column is renamed twice.
    #[error("the column \"{0}\" appears in more than one rename")]
    DuplicateRename(String),
    /// The id column asked for is not in both datasets.
    #[error("the id column \"{column}\" is not in the {side} data")]
    UnknownIdColumn { column: String, side: &'static str },
    /// A threshold is outside its domain.
    #[error("invalid integrity parameter: {0}")]
    Param(String),
    /// The caller asked to stop.
    #[error("cancelled")]
    Cancelled,
}

/// A column of the reference paired with its current counterpart (same name, or renamed).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pair<'t, 'a> {
    /// The name views use: the current name, or the reference name when missing in current.
    pub name: &'t str,
    pub reference: Option<&'t ColumnData<'a>>,
    pub current: Option<&'t ColumnData<'a>>,
    pub role: Role,
    /// Compared under a rename mapping.
    pub renamed: bool,
}

impl Pair<'_, '_> {
    pub fn both(&self) -> bool {
        self.reference.is_some() && self.current.is_some()
    }
}

/// What every check needs: the tables, the parameters, the id and timestamp columns, and the
/// current data's time windows.
pub(crate) struct Ctx<'t, 'a> {
    pub p: &'t IntegrityParams,
    pub reference: &'t Table<'a>,
    pub current: &'t Table<'a>,
    pub pairs: Vec<Pair<'t, 'a>>,
    /// The id column of each side (for examples and the join).
    pub id: [Option<&'t ColumnData<'a>>; 2],
    pub id_name: Option<String>,
    /// The timestamp column of each side.
    pub ts: [Option<&'t ColumnData<'a>>; 2],
    pub ts_name: Option<String>,
    pub windows: Option<time::Windows>,
}

impl<'t, 'a> Ctx<'t, 'a> {
    /// An example row with its id and timestamp filled in.
    pub fn example(&self, side: Side, row: usize, values: Vec<(String, String)>) -> Example {
        let i = side.index();
        Example {
            side,
            row,
            other_row: None,
            id: self.id[i]
                .filter(|c| !c.is_null(row))
                .map(|c| c.display(row)),
            timestamp: self.ts[i].and_then(|c| {
                let (micros, valid) = c.as_datetime()?;
                valid.is_none_or(|v| v[row]).then(|| micros[row])
            }),
            values,
        }
    }

    /// Examples for the first rows (in file order) where `hit` holds, with one value shown.
    pub fn examples_where(
        &self,
        side: Side,
        column: &ColumnData<'_>,
        rows: impl Iterator<Item = usize>,
        hit: impl Fn(usize) -> bool,
    ) -> Vec<Example> {
        rows.filter(|&r| hit(r))
            .take(self.p.max_examples)
            .map(|r| self.example(side, r, vec![(column.name.clone(), column.display(r))]))
            .collect()
    }

    /// The problem's rate per window of the current data, with its change point.
    pub fn timeline(&self, reference_rate: f64, event: impl Fn(usize) -> bool) -> Option<Timeline> {
        let w = self.windows.as_ref()?;
        Some(w.timeline(reference_rate, self.p, event))
    }
}

/// Run every check with the defaults' logic under `params`. See the module documentation.
pub fn check(
    reference: &Table<'_>,
    current: &Table<'_>,
    params: &IntegrityParams,
) -> Result<IntegrityReport, IntegrityError> {
    check_cancellable(reference, current, params, &|| false)
}

/// [`check`], asking `stop` between columns whether to give up (the GUI's Cancel button).
pub fn check_cancellable(
    reference: &Table<'_>,
    current: &Table<'_>,
    params: &IntegrityParams,
    stop: &(dyn Fn() -> bool + Sync),
) -> Result<IntegrityReport, IntegrityError> {
    params.validate()?;
    let ctx = context(reference, current, params)?;
    let threads = params.threads.max(1);

    // Per-column checks, columns handed out to the threads one at a time.
    let next = AtomicUsize::new(0);
    let mut per_pair: Vec<Vec<Finding>> = vec![Vec::new(); ctx.pairs.len()];
    {
        let slots: Vec<std::sync::Mutex<&mut Vec<Finding>>> =
            per_pair.iter_mut().map(std::sync::Mutex::new).collect();
        std::thread::scope(|s| {
            for _ in 0..threads.min(ctx.pairs.len()).max(1) {
                s.spawn(|| {
                    loop {
                        if stop() {
                            return;
                        }
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(pair) = ctx.pairs.get(i) else {
                            return;
                        };
                        let found = columns::pair_findings(&ctx, pair);
                        if let Ok(mut slot) = slots[i].lock() {
                            **slot = found;
                        }
                    }
                });
            }
        });
    }
    if stop() {
        return Err(IntegrityError::Cancelled);
    }
    let mut findings: Vec<Finding> = per_pair.into_iter().flatten().collect();
    findings.extend(schema::likely_renames(&ctx));
    schema::annotate(&mut findings);
    findings.extend(rows::row_findings(&ctx));
    if stop() {
        return Err(IntegrityError::Cancelled);
    }
    findings.extend(time::timestamp_findings(&ctx));
    findings.extend(rows::row_count(&ctx));
    // Errors first; within a severity by check, then in column order (the sort is stable).
    findings.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.check.cmp(&b.check)));
    Ok(IntegrityReport {
        findings,
        reference_rows: reference.rows,
        current_rows: current.rows,
        columns_compared: ctx.pairs.iter().filter(|p| p.both()).count(),
        timestamp_column: ctx.ts_name.clone(),
        id_column: ctx.id_name.clone(),
        window: ctx.windows.as_ref().map(|w| w.window),
    })
}

/// Pair the columns, find the id and timestamp columns, cut the current data into windows.
fn context<'t, 'a>(
    reference: &'t Table<'a>,
    current: &'t Table<'a>,
    p: &'t IntegrityParams,
) -> Result<Ctx<'t, 'a>, IntegrityError> {
    // Each current name and each reference name may appear in one rename (chains such as
    // a=b, b=c, where two columns swapped names, are fine).
    let (mut seen_cur, mut seen_ref) = (
        std::collections::HashSet::new(),
        std::collections::HashSet::new(),
    );
    for (cur, refn) in p.renames.iter() {
        if !seen_cur.insert(cur) {
            return Err(IntegrityError::DuplicateRename(cur.to_string()));
        }
        if !seen_ref.insert(refn) {
            return Err(IntegrityError::DuplicateRename(refn.to_string()));
        }
        for (side, table, name) in [("current", current, cur), ("reference", reference, refn)] {
            if table.column(name).is_none() {
                return Err(IntegrityError::UnknownRenameColumn {
                    current: cur.to_string(),
                    reference: refn.to_string(),
                    side,
                    missing: name.to_string(),
                });
            }
        }
    }
    let current_name_of =
        |reference_name: &str| -> Option<&str> { p.renames.current_of(reference_name) };
    let renamed_current = |current_name: &str| p.renames.reference_of(current_name).is_some();
    let mut pairs: Vec<Pair<'t, 'a>> = Vec::new();
    for rc in &reference.columns {
        let (cur_name, renamed) = match current_name_of(&rc.name) {
            Some(c) => (c, true),
            None => (rc.name.as_str(), false),
        };
        // A reference column whose name a rename gave to another column is unpaired.
        let cc = if !renamed && renamed_current(cur_name) {
            None
        } else {
            current.column(cur_name)
        };
        let role = if rc.role == Role::Feature {
            cc.map_or(rc.role, |c| c.role)
        } else {
            rc.role
        };
        pairs.push(Pair {
            name: cc.map_or(rc.name.as_str(), |c| c.name.as_str()),
            reference: Some(rc),
            current: cc,
            role,
            renamed,
        });
    }
    for cc in &current.columns {
        if pairs
            .iter()
            .any(|pr| pr.current.is_some_and(|c| c.name == cc.name))
        {
            continue;
        }
        pairs.push(Pair {
            name: cc.name.as_str(),
            reference: None,
            current: Some(cc),
            role: cc.role,
            renamed: false,
        });
    }

    let (id, id_name) = match &p.id_column {
        Some(name) => {
            let pair = pairs
                .iter()
                .find(|pr| pr.name == name || pr.reference.is_some_and(|r| &r.name == name));
            let Some(pair) = pair else {
                return Err(IntegrityError::UnknownIdColumn {
                    column: name.clone(),
                    side: "current",
                });
            };
            for (side, c) in [("reference", pair.reference), ("current", pair.current)] {
                if c.is_none() {
                    return Err(IntegrityError::UnknownIdColumn {
                        column: name.clone(),
                        side,
                    });
                }
            }
            ([pair.reference, pair.current], Some(pair.name.to_string()))
        }
        None => match pairs.iter().find(|pr| pr.role == Role::Id && pr.both()) {
            Some(pair) => ([pair.reference, pair.current], Some(pair.name.to_string())),
            None => {
                // An id only in the current data still labels its examples.
                let cur = current.columns.iter().find(|c| c.role == Role::Id);
                ([None, cur], None)
            }
        },
    };
    let ts_pair = pairs.iter().find(|pr| {
        pr.role == Role::Timestamp
            && pr
                .current
                .or(pr.reference)
                .is_some_and(|c| c.kind == ColumnKind::Datetime)
    });
    let ts = ts_pair.map_or([None, None], |pr| {
        [
            pr.reference.filter(|c| c.as_datetime().is_some()),
            pr.current.filter(|c| c.as_datetime().is_some()),
        ]
    });
    let ts_name = ts_pair.map(|pr| pr.name.to_string());
    let windows = ts[1].and_then(|c| time::Windows::new(c, p));
    Ok(Ctx {
        p,
        reference,
        current,
        pairs,
        id,
        id_name,
        ts,
        ts_name,
        windows,
    })
}

#[cfg(test)]
mod tests;

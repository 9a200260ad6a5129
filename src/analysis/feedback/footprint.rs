//! Served against holdout: per window, how far a feature's served rows moved from the served
//! baseline and how far its holdout rows moved from the holdout baseline, with the drift
//! core's own test choice ([`evaluate_column_or_skip`], Evidently's defaults by type and size).
//! A feature that drifts in the served group but not in the holdout is the model's own
//! footprint: the holdout saw the same world without the model's decisions.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use crate::analysis::drift::{
    CategoricalCounts, ColumnDriftReport, ColumnInput, ColumnKind, ColumnValues, DriftMethod,
    DriftOptions, MethodOverride, NumericSample, evaluate_column_or_skip,
};

/// The code of a missing category in [`Categories::codes`].
pub const MISSING_CATEGORY: u32 = u32::MAX;

/// A categorical feature's rows as codes, tested with the drift core's categorical tests.
#[derive(Debug, Clone, Copy)]
pub struct Categories<'a> {
    /// Each row's index into `labels` ([`MISSING_CATEGORY`] = missing).
    pub codes: &'a [u32],
    /// The categories, sorted ascending (as the drift core's counts keep them).
    pub labels: &'a [String],
}

/// One feature's rows: values, each row's window, and each row's group.
#[derive(Debug, Clone, Copy)]
pub struct FootprintInput<'a> {
    pub feature: &'a str,
    /// The value of each row (`None` = missing, excluded and counted by the tests).
    pub values: &'a [Option<f64>],
    /// Whether the column holds integers (few distinct integers are tested as categories).
    pub integer: bool,
    /// A categorical feature: its codes, which the tests read instead of `values`.
    pub categories: Option<Categories<'a>>,
    /// The served and holdout rows of each window ([`GroupRows::split`]).
    pub rows: &'a [GroupRows],
    /// Windows `0..baseline` are each group's baseline.
    pub baseline: usize,
}

/// The rows of one window, by group.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GroupRows {
    /// Rows whose model decision was applied.
    pub served: Vec<u32>,
    /// Rows kept out of the model's decisions.
    pub holdout: Vec<u32>,
}

impl GroupRows {
    /// Rows by window and group: `window_of` is each row's window (`None` = in none),
    /// `served` each row's group (`Some(true)` served, `Some(false)` holdout, `None` unknown,
    /// left out).
    pub fn split(window_of: &[Option<u32>], served: &[Option<bool>], windows: usize) -> Vec<Self> {
        let mut out = vec![Self::default(); windows];
        for (i, (w, s)) in window_of.iter().zip(served).enumerate() {
            if let (Some(w), Some(s)) = (w, s)
                && let Some(g) = out.get_mut(*w as usize)
            {
                if *s {
                    g.served.push(i as u32);
                } else {
                    g.holdout.push(i as u32);
                }
            }
        }
        out
    }
}

/// The scores of one feature in one window after the baseline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FootprintWindow {
    pub feature: String,
    pub window: usize,
    /// Served rows of the window against the served baseline (`None` = not tested).
    pub served_score: Option<f64>,
    pub served_drifted: bool,
    /// Holdout rows of the window against the holdout baseline.
    pub holdout_score: Option<f64>,
    pub holdout_drifted: bool,
    /// Served rows against holdout rows of the same window (the randomised comparison).
    pub between_score: Option<f64>,
    pub between_drifted: bool,
    /// The test, chosen once per feature on the served group and used for all three scores so
    /// that they compare.
    pub method: Option<DriftMethod>,
    pub threshold: Option<f64>,
    pub served_rows: usize,
    pub holdout_rows: usize,
}

impl FootprintWindow {
    /// Drifted in the served group and not in the holdout.
    pub fn footprint(&self) -> bool {
        self.served_drifted && self.holdout_score.is_some() && !self.holdout_drifted
    }
}

/// One group's rows of a feature: numbers, or counts per category.
enum Sample {
    Numeric(Arc<NumericSample>),
    Counts { counts: Vec<u64>, missing: u64 },
}

impl Sample {
    /// Rows with a value.
    fn len(&self) -> usize {
        match self {
            Self::Numeric(s) => s.len(),
            Self::Counts { counts, .. } => counts.iter().sum::<u64>() as usize,
        }
    }
}

fn sample<'r>(input: &FootprintInput, rows: impl Iterator<Item = &'r u32>) -> Sample {
    if let Some(c) = input.categories {
        let mut counts = vec![0u64; c.labels.len()];
        let mut missing = 0;
        for &r in rows {
            match c.codes.get(r as usize).copied() {
                Some(code) if code != MISSING_CATEGORY && (code as usize) < counts.len() => {
                    counts[code as usize] += 1
                }
                _ => missing += 1,
            }
        }
        return Sample::Counts { counts, missing };
    }
    let mut values = Vec::new();
    let mut missing = 0;
    for &r in rows {
        match input.values.get(r as usize).copied().flatten() {
            Some(v) => values.push(v),
            None => missing += 1,
        }
    }
    Sample::Numeric(Arc::new(
        NumericSample::from_vec(values, missing).with_integer_dtype(input.integer),
    ))
}

fn test(
    input: &FootprintInput,
    kind: ColumnKind,
    reference: &Sample,
    current: &Sample,
    options: &DriftOptions,
) -> Option<ColumnDriftReport> {
    if reference.len() == 0 || current.len() == 0 {
        return None;
    }
    let values = match (reference, current, input.categories) {
        (Sample::Numeric(r), Sample::Numeric(c), _) => ColumnValues::Numeric {
            reference: r.clone(),
            current: c.clone(),
        },
        (
            Sample::Counts {
                counts: r,
                missing: mr,
            },
            Sample::Counts {
                counts: c,
                missing: mc,
            },
            Some(cats),
        ) => ColumnValues::Categorical(CategoricalCounts::from_aligned(
            cats.labels,
            r,
            c,
            (*mr, *mc),
        )),
        _ => return None,
    };
    let input = ColumnInput {
        name: input.feature.to_string(),
        kind,
        values,
    };
    let r = evaluate_column_or_skip(&input, options);
    r.method.is_some().then_some(r)
}

/// Per window after the baseline, the served, holdout and between scores of one feature.
pub fn served_vs_holdout(input: &FootprintInput) -> Vec<FootprintWindow> {
    let base = input.baseline.min(input.rows.len());
    let (before, after) = input.rows.split_at(base);
    let served_base = sample(input, before.iter().flat_map(|g| &g.served));
    let holdout_base = sample(input, before.iter().flat_map(|g| &g.holdout));
    let kind = if input.categories.is_some() {
        ColumnKind::String
    } else if input.integer {
        ColumnKind::Integer
    } else {
        ColumnKind::Float
    };
    // The test is chosen once, on the served baseline against the first later window's served
    // rows (the choice depends on the baseline's size and the number of distinct values, not
    // on which window), then forced on every comparison: a holdout of 10 % would otherwise get
    // a different test (KS below 1 000 rows, Wasserstein above) and the scores would not
    // compare.
    let served_after = sample(
        input,
        after
            .iter()
            .find(|g| !g.served.is_empty())
            .map(|g| g.served.as_slice())
            .unwrap_or_default()
            .iter(),
    );
    let chosen = test(
        input,
        kind,
        &served_base,
        &served_after,
        &DriftOptions::default(),
    );
    let mut options = DriftOptions::default();
    if let Some(c) = &chosen {
        options.per_column = BTreeMap::from([(
            input.feature.to_string(),
            MethodOverride {
                method: c.method,
                threshold: c.threshold,
            },
        )]);
    }
    after
        .iter()
        .enumerate()
        .map(|(k, g)| {
            let w = base + k;
            let served = sample(input, g.served.iter());
            let holdout = sample(input, g.holdout.iter());
            let s = test(input, kind, &served_base, &served, &options);
            let h = test(input, kind, &holdout_base, &holdout, &options);
            let b = test(input, kind, &holdout, &served, &options);
            let score = |r: &Option<ColumnDriftReport>| r.as_ref().and_then(|r| r.score);
            let drifted = |r: &Option<ColumnDriftReport>| r.as_ref().is_some_and(|r| r.drifted);
            FootprintWindow {
                feature: input.feature.to_string(),
                window: w,
                served_score: score(&s),
                served_drifted: drifted(&s),
                holdout_score: score(&h),
                holdout_drifted: drifted(&h),
                between_score: score(&b),
                between_drifted: drifted(&b),
                method: chosen.as_ref().and_then(|c| c.method),
                threshold: chosen.as_ref().and_then(|c| c.threshold),
                served_rows: served.len(),
                holdout_rows: holdout.len(),
            }
        })
        .collect()
}

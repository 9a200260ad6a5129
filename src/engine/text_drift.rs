//! The text and embedding part of a drift pass: every free-text column (kind text: more than
//! half its values distinct, or named by the user) tested with Evidently's text domain
//! classifier ([`crate::analysis::text`]), with its descriptors tested as numeric columns and
//! its AUC per window; every embedding (a list-of-floats column, or `emb_0…emb_k` columns
//! grouped by a `PREFIX*` pattern) scored by Evidently's embedding methods. A column that
//! cannot be tested gets one sentence naming it and the cause; the others still run.

use std::sync::Arc;

use polars::prelude::{DataType, Series};
use serde::Serialize;

use super::drift::{DriftInputs, Skipped};
use super::parallel_map;
pub use super::text_drift_settings::{TextDriftSettings, TextMethod};
use crate::analysis::drift::{
    ColumnDriftReport, ColumnInput, ColumnKind as DriftStorage, ColumnValues, DriftOptions,
    NumericSample, evaluate_column_or_skip,
};
use crate::analysis::text::embedding::{EmbeddingScore, Embeddings, embedding_drift};
use crate::analysis::text::{
    Descriptor, TextCorpus, TextDriftError, TextDriftParams, TextDriftReport, basic_descriptors,
    text_drift,
};
use crate::analysis::windows::{self, WindowSpec};
use crate::data::Dataset;
use crate::vocab::{Cancelled, ColumnKind, Progress, Role};

/// One window's AUC against the whole reference.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TextWindow {
    pub label: String,
    pub start: Option<i64>,
    pub rows: usize,
    pub auc: Option<f64>,
    pub p_value: Option<f64>,
    pub drifted: bool,
    /// Why the window was not tested.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A descriptor of the texts tested as a numeric column.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DescriptorDrift {
    pub descriptor: Descriptor,
    pub verdict: ColumnDriftReport,
    pub reference_mean: f64,
    pub current_mean: f64,
}

/// One text column's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TextColumnDrift {
    pub column: String,
    pub current_name: String,
    pub report: TextDriftReport,
    /// Missing texts (null) per side, left out.
    pub reference_missing: usize,
    pub current_missing: usize,
    pub descriptors: Vec<DescriptorDrift>,
    pub windows: Vec<TextWindow>,
}

/// One embedding's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EmbeddingDrift {
    /// The list column's name, or the pattern (`emb_*`).
    pub column: String,
    /// The grouped columns (empty for a list column).
    pub components: Vec<String>,
    pub dim: usize,
    pub reference_rows: usize,
    pub current_rows: usize,
    /// Rows left out for a missing or non-finite value, per side.
    pub reference_missing: usize,
    pub current_missing: usize,
    pub scores: Vec<EmbeddingScore>,
}

/// Every text column's and embedding's result.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct TextDriftOutcome {
    pub text: Vec<TextColumnDrift>,
    pub embeddings: Vec<EmbeddingDrift>,
    /// Text columns and embeddings that could not be tested, each with one sentence.
    pub failed: Vec<Skipped>,
    /// Why no window was tested (no timestamp, …).
    pub windows_error: Option<String>,
}

impl TextDriftOutcome {
    pub fn text_column(&self, name: &str) -> Option<&TextColumnDrift> {
        self.text.iter().find(|c| c.column == name)
    }
}

/// Which columns are text: string columns of kind text in the training data (or named by the
/// user) that the production data has as strings too, not ids, timestamps or ignored.
pub fn text_columns(inputs: &DriftInputs, settings: &TextDriftSettings) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for c in &inputs.reference.columns {
        // A light load (the command line's) does not count distinct values, so the kind is
        // decided here from the column itself, by the data layer's own rule.
        let is_text = || {
            inputs
                .reference
                .frame
                .column(&c.name)
                .ok()
                .filter(|s| matches!(s.dtype(), DataType::String))
                .and_then(|s| {
                    let s = s.as_materialized_series().drop_nulls();
                    let unique = s.n_unique().ok()?;
                    Some(crate::vocab::kind::string_kind(unique, s.len()) == ColumnKind::Text)
                })
                .unwrap_or(false)
        };
        if !(settings.text_columns.contains(&c.name) || c.kind == ColumnKind::Text || is_text()) {
            continue;
        }
        if matches!(
            inputs.roles.get(&c.name),
            Role::Id | Role::Timestamp | Role::Ignored | Role::Variant | Role::ModelVersion
        ) {
            continue;
        }
        let current = inputs
            .renames
            .iter()
            .find(|(_, old)| *old == c.name)
            .map_or(c.name.clone(), |(new, _)| new.to_string());
        let is_str = |ds: &Dataset, name: &str| {
            ds.frame
                .column(name)
                .is_ok_and(|s| matches!(s.dtype(), DataType::String))
        };
        if is_str(inputs.reference, &c.name) && is_str(inputs.current, &current) {
            out.push((c.name.clone(), current));
        }
    }
    out
}

fn strings(ds: &Dataset, name: &str) -> Option<(Vec<Option<String>>, usize)> {
    let s = ds.frame.column(name).ok()?.as_materialized_series().clone();
    let ca = s.str().ok()?;
    let missing = ca.null_count();
    Some((ca.iter().map(|x| x.map(str::to_string)).collect(), missing))
}

/// The text and embedding pass. `windows` is the drift pass's window spec (the AUC is
/// computed per window when set and the windows can be made).
pub fn run(
    inputs: &DriftInputs,
    settings: &TextDriftSettings,
    windows: Option<WindowSpec>,
    progress: &Progress,
) -> Result<TextDriftOutcome, Cancelled> {
    let mut outcome = TextDriftOutcome::default();
    let columns = text_columns(inputs, settings);
    if settings.method == TextMethod::None {
        for (c, _) in &columns {
            outcome.failed.push(Skipped {
                column: c.clone(),
                reason: "text column not tested (text method none)".into(),
            });
        }
    }
    let tested: Vec<(String, String)> = if settings.method == TextMethod::None {
        Vec::new()
    } else {
        columns
    };
    let assignment = match windows {
        Some(spec) if !tested.is_empty() => {
            let times = timestamps(inputs);
            match windows::assign(spec, times.as_deref(), inputs.current.frame.height()) {
                Ok(a) => Some(a),
                Err(e) => {
                    outcome.windows_error = Some(e.to_string());
                    None
                }
            }
        }
        _ => None,
    };
    let total = (tested.len() + settings.embeddings.len() + 1) as f32;
    for (k, (name, current_name)) in tested.iter().enumerate() {
        progress.set(Some(k as f32 / total), format!("Text drift of {name}"));
        progress.check()?;
        match text_column(inputs, name, current_name, assignment.as_ref(), progress) {
            Ok(c) => outcome.text.push(c),
            Err(TextDriftError::Cancelled) => return Err(Cancelled),
            Err(e) => outcome.failed.push(Skipped {
                column: name.clone(),
                reason: format!("text column {name} not tested: {e}"),
            }),
        }
    }
    progress.set(
        Some(tested.len() as f32 / total),
        "Embedding drift".to_string(),
    );
    for group in embedding_groups(inputs, settings, &mut outcome.failed) {
        progress.check()?;
        match embedding_column(inputs, &group, progress) {
            Ok(e) => outcome.embeddings.push(e),
            Err(None) => return Err(Cancelled),
            Err(Some(reason)) => outcome.failed.push(Skipped {
                column: group.label.clone(),
                reason,
            }),
        }
    }
    Ok(outcome)
}

fn timestamps(inputs: &DriftInputs) -> Option<Vec<Option<i64>>> {
    let name = inputs.roles.column_with(Role::Timestamp)?;
    let col = inputs.current.frame.column(name).ok()?;
    super::columns::times(col.as_materialized_series())
}

fn text_column(
    inputs: &DriftInputs,
    name: &str,
    current_name: &str,
    assignment: Option<&windows::WindowAssignment>,
    progress: &Progress,
) -> Result<TextColumnDrift, TextDriftError> {
    let too_few = || TextDriftError::TooFew {
        reference: 0,
        current: 0,
    };
    let (ref_rows, reference_missing) = strings(inputs.reference, name).ok_or_else(too_few)?;
    let (cur_rows, current_missing) = strings(inputs.current, current_name).ok_or_else(too_few)?;
    let reference: Vec<&str> = ref_rows.iter().flatten().map(String::as_str).collect();
    // Current texts by row, to pick a window's texts.
    let mut current_row_of: Vec<usize> = Vec::new();
    let current: Vec<&str> = cur_rows
        .iter()
        .enumerate()
        .filter_map(|(row, t)| t.as_deref().inspect(|_| current_row_of.push(row)))
        .collect();
    let corpus = TextCorpus::new(reference.iter().copied(), current.iter().copied());
    let n_ref = reference.len();
    let text_of = |d: usize| -> String {
        if d < n_ref {
            reference[d].to_string()
        } else {
            current[d - n_ref].to_string()
        }
    };
    let params = TextDriftParams::default();
    let cancelled = || progress.is_cancelled();
    let all: Vec<usize> = (0..current.len()).collect();
    let report = text_drift(&corpus, &all, &text_of, &params, &cancelled)?;

    // Descriptors: words, characters, non-letters per text; out-of-vocabulary against the
    // reference's dictionary (ids below the reference's are reference words: the dictionary
    // grows in document order, reference first).
    let ref_dictionary = (0..n_ref)
        .flat_map(|d| corpus.doc(d).iter().copied())
        .max()
        .map_or(0, |m| m + 1);
    let oov = |d: usize, text: &str| -> f64 {
        let mut words = 0usize;
        let mut out = 0usize;
        crate::analysis::text::tfidf::for_each_token(text, |_| words += 1);
        // Stop words are always known words; only the dictionary ids can be unknown.
        for &id in corpus.doc(d) {
            if id >= ref_dictionary {
                out += 1;
            }
        }
        if words == 0 {
            0.0
        } else {
            out as f64 / words as f64
        }
    };
    let describe = |texts: &[&str], offset: usize| -> [Vec<f64>; 4] {
        let mut cols: [Vec<f64>; 4] = Default::default();
        for (i, t) in texts.iter().enumerate() {
            let (w, c, nl) = basic_descriptors(t);
            cols[0].push(w);
            cols[1].push(c);
            cols[2].push(oov(offset + i, t));
            cols[3].push(nl);
        }
        cols
    };
    let rd = describe(&reference, 0);
    let cd = describe(&current, n_ref);
    let options = DriftOptions::default();
    let descriptors = Descriptor::ALL
        .iter()
        .enumerate()
        .map(|(k, d)| {
            let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
            let integer = matches!(d, Descriptor::Words | Descriptor::Characters);
            let input = ColumnInput {
                name: format!("{name}: {}", d.name()),
                kind: if integer {
                    DriftStorage::Integer
                } else {
                    DriftStorage::Float
                },
                values: ColumnValues::Numeric {
                    reference: Arc::new(
                        NumericSample::from_vec(rd[k].clone(), 0).with_integer_dtype(integer),
                    ),
                    current: Arc::new(
                        NumericSample::from_vec(cd[k].clone(), 0).with_integer_dtype(integer),
                    ),
                },
            };
            DescriptorDrift {
                descriptor: *d,
                verdict: evaluate_column_or_skip(&input, &options),
                reference_mean: mean(&rd[k]),
                current_mean: mean(&cd[k]),
            }
        })
        .collect();

    // The AUC of each window against the whole reference.
    let mut windows_out = Vec::new();
    if let Some(a) = assignment {
        let mut by_window: Vec<Vec<usize>> = vec![Vec::new(); a.windows.len()];
        for (k, &row) in current_row_of.iter().enumerate() {
            if let Some(w) = a.row_window.get(row).copied().flatten() {
                by_window[w as usize].push(k);
            }
        }
        let work: Vec<(usize, &Vec<usize>)> = by_window.iter().enumerate().collect();
        let results = parallel_map(&work, |(_, docs)| {
            text_drift(&corpus, docs, &text_of, &params, &cancelled)
        });
        for ((w, docs), r) in work.iter().zip(results) {
            let win = &a.windows[*w];
            let (auc, p_value, drifted, error) = match r {
                Ok(r) => (Some(r.auc), Some(r.p_value), r.drifted, None),
                Err(TextDriftError::Cancelled) => return Err(TextDriftError::Cancelled),
                Err(e) => (None, None, false, Some(e.to_string())),
            };
            windows_out.push(TextWindow {
                label: win.label.clone(),
                start: win.start,
                rows: docs.len(),
                auc,
                p_value,
                drifted,
                error,
            });
        }
    }
    Ok(TextColumnDrift {
        column: name.to_string(),
        current_name: current_name.to_string(),
        report,
        reference_missing,
        current_missing,
        descriptors,
        windows: windows_out,
    })
}

/// An embedding to score: a list column or numeric columns grouped by a prefix.
struct EmbeddingGroup {
    label: String,
    list_column: Option<String>,
    components: Vec<String>,
}

fn is_float_list(dt: &DataType) -> bool {
    matches!(dt, DataType::List(inner) if inner.is_primitive_numeric())
}

fn embedding_groups(
    inputs: &DriftInputs,
    settings: &TextDriftSettings,
    failed: &mut Vec<Skipped>,
) -> Vec<EmbeddingGroup> {
    let mut out: Vec<EmbeddingGroup> = Vec::new();
    let rf = &inputs.reference.frame;
    let cf = &inputs.current.frame;
    // List columns of numbers on both sides are embeddings without being asked.
    for c in rf.columns() {
        let name = c.name().as_str();
        if is_float_list(c.dtype()) && cf.column(name).is_ok_and(|x| is_float_list(x.dtype())) {
            out.push(EmbeddingGroup {
                label: name.to_string(),
                list_column: Some(name.to_string()),
                components: Vec::new(),
            });
        }
    }
    for pattern in &settings.embeddings {
        if out.iter().any(|g| &g.label == pattern) {
            continue;
        }
        let fail = |reason: String| Skipped {
            column: pattern.clone(),
            reason,
        };
        if let Some(prefix) = pattern.strip_suffix('*') {
            let mut comps: Vec<(Option<u64>, String)> = rf
                .columns()
                .iter()
                .map(|c| c.name().to_string())
                .filter(|n| n.starts_with(prefix))
                .map(|n| (n[prefix.len()..].parse::<u64>().ok(), n))
                .collect();
            // emb_2 before emb_10: by the number after the prefix when there is one.
            comps.sort();
            let comps: Vec<String> = comps.into_iter().map(|(_, n)| n).collect();
            if comps.is_empty() {
                failed.push(fail(format!(
                    "embedding {pattern}: the training data has no column starting with \"{prefix}\""
                )));
                continue;
            }
            if let Some(missing) = comps.iter().find(|n| cf.column(n).is_err()) {
                failed.push(fail(format!(
                    "embedding {pattern}: the production data has no column {missing}, so the vectors have different lengths"
                )));
                continue;
            }
            let extra = cf
                .columns()
                .iter()
                .map(|c| c.name().to_string())
                .find(|n| n.starts_with(prefix) && !comps.contains(n));
            if let Some(extra) = extra {
                failed.push(fail(format!(
                    "embedding {pattern}: the production data has {extra}, which training lacks, so the vectors have different lengths"
                )));
                continue;
            }
            out.push(EmbeddingGroup {
                label: pattern.clone(),
                list_column: None,
                components: comps,
            });
        } else {
            match (rf.column(pattern), cf.column(pattern)) {
                (Ok(r), Ok(c)) if is_float_list(r.dtype()) && is_float_list(c.dtype()) => {
                    out.push(EmbeddingGroup {
                        label: pattern.clone(),
                        list_column: Some(pattern.clone()),
                        components: Vec::new(),
                    })
                }
                (Ok(r), Ok(_)) => failed.push(fail(format!(
                    "embedding {pattern}: the column holds {} values, not lists of numbers (group columns with a PREFIX* pattern)",
                    r.dtype()
                ))),
                _ => failed.push(fail(format!(
                    "embedding {pattern}: no such column in both files"
                ))),
            }
        }
    }
    out
}

/// The vectors of one side, rows with a missing or non-finite value left out (counted).
fn vectors(ds: &Dataset, g: &EmbeddingGroup) -> Result<(Embeddings, usize), String> {
    if let Some(name) = &g.list_column {
        let s: Series = ds
            .frame
            .column(name)
            .map_err(|e| e.to_string())?
            .as_materialized_series()
            .clone();
        let ca = s.list().map_err(|e| e.to_string())?;
        let mut dim: Option<usize> = None;
        let mut values = Vec::new();
        let mut missing = 0usize;
        for (row, v) in ca.amortized_iter().enumerate() {
            let v = v.map(|v| v.as_ref().clone());
            let Some(v) = v else {
                missing += 1;
                continue;
            };
            let v = v.cast(&DataType::Float64).map_err(|e| e.to_string())?;
            let f = v.f64().map_err(|e| e.to_string())?;
            let row_values: Vec<Option<f64>> = f.iter().collect();
            match dim {
                None => dim = Some(row_values.len()),
                Some(d) if d != row_values.len() => {
                    return Err(format!(
                        "row {} has {} values where the first vectors have {d}",
                        row + 1,
                        row_values.len()
                    ));
                }
                _ => {}
            }
            if row_values.iter().all(|x| x.is_some_and(f64::is_finite)) {
                values.extend(row_values.into_iter().flatten());
            } else {
                missing += 1;
            }
        }
        let dim = dim.unwrap_or(0);
        Ok((Embeddings { dim, values }, missing))
    } else {
        let cols: Vec<Vec<Option<f64>>> = g
            .components
            .iter()
            .map(|n| {
                let s = ds.frame.column(n).map_err(|e| e.to_string())?;
                let s = s
                    .as_materialized_series()
                    .cast(&DataType::Float64)
                    .map_err(|_| format!("column {n} is not numeric"))?;
                Ok(s.f64().map_err(|e| e.to_string())?.iter().collect())
            })
            .collect::<Result<_, String>>()?;
        let rows = ds.frame.height();
        let mut values = Vec::with_capacity(rows * cols.len());
        let mut missing = 0;
        for r in 0..rows {
            if cols.iter().all(|c| c[r].is_some_and(f64::is_finite)) {
                values.extend(cols.iter().map(|c| c[r].unwrap_or(0.0)));
            } else {
                missing += 1;
            }
        }
        Ok((
            Embeddings {
                dim: cols.len(),
                values,
            },
            missing,
        ))
    }
}

/// `Err(None)`: cancelled; `Err(Some(sentence))`: bad input.
fn embedding_column(
    inputs: &DriftInputs,
    g: &EmbeddingGroup,
    progress: &Progress,
) -> Result<EmbeddingDrift, Option<String>> {
    let label = &g.label;
    let (r, rm) = vectors(inputs.reference, g)
        .map_err(|e| Some(format!("embedding {label} in the training data: {e}")))?;
    let (c, cm) = vectors(inputs.current, g)
        .map_err(|e| Some(format!("embedding {label} in the production data: {e}")))?;
    let cancelled = || progress.is_cancelled();
    let scores = embedding_drift(&r, &c, 42, &cancelled).map_err(|e| match e {
        crate::analysis::text::embedding::EmbeddingError::Cancelled => None,
        e => Some(format!("embedding {label} not tested: {e}")),
    })?;
    Ok(EmbeddingDrift {
        column: label.clone(),
        components: g.components.clone(),
        dim: r.dim,
        reference_rows: r.rows(),
        current_rows: c.rows(),
        reference_missing: rm,
        current_missing: cm,
        scores,
    })
}

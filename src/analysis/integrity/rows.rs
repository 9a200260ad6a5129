//! Row-level checks: duplicate rows and ids, rows of production identical to training rows
//! (possible leakage), row counts, and training-serving skew joined on an id.
//!
//! Rows are compared by a 64-bit hash of their values, built column by column ([`combine`]).
//! Two different rows share a hash with probability about 2⁻⁶⁴ per pair: among a million by a
//! million rows, a false match has a chance below 10⁻⁷. Example rows are checked value by
//! value.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::report::{Check, Finding, Severity, num, pct};
use super::table::{IdentityHasher, NULL_CODE, NULL_HASH, combine, key_f64, mix64};
use super::{ColumnData, Ctx, Values};
use crate::vocab::time::MICROS_PER_DAY;
use crate::vocab::{Role, Side};

/// Fold one column's value hashes into the row hashes of rows `offset..offset + out.len()`.
fn hash_column_into(c: &ColumnData<'_>, offset: usize, out: &mut [u64]) {
    let end = offset + out.len();
    match &c.values {
        Values::Numeric { values, valid, .. } => {
            let values = &values[offset..end];
            match valid {
                None => {
                    for (h, &v) in out.iter_mut().zip(values) {
                        *h = combine(*h, key_f64(v));
                    }
                }
                Some(ok) => {
                    for ((h, &v), &ok) in out.iter_mut().zip(values).zip(&ok[offset..end]) {
                        *h = combine(*h, if ok { key_f64(v) } else { NULL_HASH });
                    }
                }
            }
        }
        Values::Datetime { micros, valid } => {
            let micros = &micros[offset..end];
            for (k, (h, &t)) in out.iter_mut().zip(micros).enumerate() {
                let ok = valid.as_ref().is_none_or(|v| v[offset + k]);
                *h = combine(*h, if ok { t as u64 } else { NULL_HASH });
            }
        }
        Values::Other { .. } => {
            for (k, h) in out.iter_mut().enumerate() {
                *h = combine(*h, c.value_key(offset + k));
            }
        }
        Values::Strings { codes, dict } => {
            for (h, &code) in out.iter_mut().zip(&codes[offset..end]) {
                let v = if code == NULL_CODE {
                    NULL_HASH
                } else {
                    dict.hash(code)
                };
                *h = combine(*h, v);
            }
        }
    }
}

/// Hash every row over `columns` (in that order), on `threads` scoped threads.
pub(crate) fn row_hashes(columns: &[&ColumnData<'_>], rows: usize, threads: usize) -> Vec<u64> {
    let mut out = vec![mix64(columns.len() as u64); rows];
    let chunk = rows.div_ceil(threads.max(1)).max(1);
    std::thread::scope(|s| {
        for (k, part) in out.chunks_mut(chunk).enumerate() {
            s.spawn(move || {
                for c in columns {
                    hash_column_into(c, k * chunk, part);
                }
            });
        }
    });
    out
}

/// Whether row `i` of `a` and row `j` of `b` hold the same value (NaN equals NaN; numbers
/// compare as f64 whatever their storage; strings by content).
fn same_value(a: &ColumnData<'_>, i: usize, b: &ColumnData<'_>, j: usize) -> bool {
    match (a.is_null(i), b.is_null(j)) {
        (true, true) => return true,
        (true, false) | (false, true) => return false,
        _ => {}
    }
    match (&a.values, &b.values) {
        (Values::Numeric { values: x, .. }, Values::Numeric { values: y, .. }) => {
            x[i] == y[j] || (x[i].is_nan() && y[j].is_nan())
        }
        (Values::Strings { codes: x, dict: dx }, Values::Strings { codes: y, dict: dy }) => {
            dx.get(x[i]) == dy.get(y[j])
        }
        (Values::Datetime { micros: x, .. }, Values::Datetime { micros: y, .. }) => x[i] == y[j],
        _ => false,
    }
}

fn same_row(a: &[&ColumnData<'_>], i: usize, b: &[&ColumnData<'_>], j: usize) -> bool {
    a.iter().zip(b).all(|(x, y)| same_value(x, i, y, j))
}

/// For each row, the first earlier row with the same hash (or `u32::MAX`); and the count of
/// rows that repeat an earlier one.
fn first_occurrence(hashes: &[u64]) -> (Vec<u32>, usize) {
    let mut seen: HashMap<u64, u32, IdentityHasher> =
        HashMap::with_capacity_and_hasher(hashes.len(), IdentityHasher);
    let mut first = Vec::with_capacity(hashes.len());
    let mut repeats = 0usize;
    for (i, &h) in hashes.iter().enumerate() {
        let f = *seen.entry(h).or_insert(i as u32);
        if f as usize != i {
            repeats += 1;
            first.push(f);
        } else {
            first.push(u32::MAX);
        }
    }
    (first, repeats)
}

/// The checks on whole rows, run on scoped threads side by side.
pub(crate) fn row_findings(ctx: &Ctx<'_, '_>) -> Vec<Finding> {
    let threads = ctx.p.threads.max(1);
    let cur_cols: Vec<&ColumnData<'_>> = ctx
        .current
        .columns
        .iter()
        .filter(|c| {
            let role = ctx
                .pairs
                .iter()
                .find(|p| p.current.is_some_and(|pc| pc.name == c.name))
                .map_or(c.role, |p| p.role);
            role != Role::Ignored
        })
        .collect();
    // Leakage compares what the model sees and learns from: shared features and the target.
    let shared: Vec<(&ColumnData<'_>, &ColumnData<'_>)> = ctx
        .pairs
        .iter()
        .filter(|p| matches!(p.role, Role::Feature | Role::Target))
        .filter_map(|p| Some((p.reference?, p.current?)))
        .collect();
    let ref_shared: Vec<&ColumnData<'_>> = shared.iter().map(|(r, _)| *r).collect();
    let cur_shared: Vec<&ColumnData<'_>> = shared.iter().map(|(_, c)| *c).collect();

    // Leakage (two hash tables) on one thread; duplicates, duplicate ids and the id join on
    // the other. The order of the findings does not depend on which finishes first.
    let half = threads.div_ceil(2);
    let (leak, rest) = std::thread::scope(|s| {
        let rest = s.spawn(|| {
            let mut found: Vec<Finding> =
                duplicate_rows(ctx, &cur_cols, half).into_iter().collect();
            found.extend(duplicate_ids(ctx));
            found.extend(serving_skew(ctx));
            found
        });
        let leak = if shared.is_empty() || ctx.current.rows == 0 || ctx.reference.rows == 0 {
            None
        } else {
            leakage(ctx, &ref_shared, &cur_shared, half)
        };
        let rest = rest.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
        (leak, rest)
    });
    let mut out: Vec<Finding> = leak.into_iter().collect();
    out.extend(rest);
    out
}

/// Examples of rows with `other_row` set and a few identifying values.
fn pair_example(
    ctx: &Ctx<'_, '_>,
    side: Side,
    row: usize,
    other: usize,
    what: &str,
) -> super::Example {
    let mut e = ctx.example(side, row, vec![(what.into(), format!("row {other}"))]);
    e.other_row = Some(other);
    e
}

/// `duplicate_rows`: production rows identical in every column to an earlier production row.
/// A warning, unless training repeats rows at least half as often (info).
fn duplicate_rows(ctx: &Ctx<'_, '_>, cols: &[&ColumnData<'_>], threads: usize) -> Option<Finding> {
    if cols.is_empty() || ctx.current.rows < 2 {
        return None;
    }
    let hashes = row_hashes(cols, ctx.current.rows, threads);
    let (first, _) = first_occurrence(&hashes);
    drop(hashes);
    // Confirm value by value (a hash collision would otherwise count).
    let dup_rows: Vec<(usize, usize)> = first
        .iter()
        .enumerate()
        .filter(|(_, f)| **f != u32::MAX)
        .map(|(i, f)| (i, *f as usize))
        .filter(|&(i, f)| same_row(cols, i, cols, f))
        .collect();
    if dup_rows.is_empty() {
        return None;
    }
    let share = dup_rows.len() as f64 / ctx.current.rows as f64;
    // The same check on training, over the same columns where it has them.
    let ref_cols: Vec<&ColumnData<'_>> = cols
        .iter()
        .filter_map(|c| {
            ctx.pairs
                .iter()
                .find(|p| p.current.is_some_and(|pc| pc.name == c.name))
                .and_then(|p| p.reference)
        })
        .collect();
    let ref_share = if ref_cols.is_empty() || ctx.reference.rows < 2 {
        0.0
    } else {
        let (_, k) = first_occurrence(&row_hashes(&ref_cols, ctx.reference.rows, threads));
        k as f64 / ctx.reference.rows as f64
    };
    let severity = if ref_share * 2.0 >= share {
        Severity::Info
    } else {
        Severity::Warning
    };
    let mut f = Finding::new(
        Check::DuplicateRows,
        severity,
        Vec::new(),
        format!(
            "{} production rows ({}) repeat an earlier row in every column (training: {})",
            dup_rows.len(),
            pct(share),
            pct(ref_share)
        ),
    )
    .with("rows", dup_rows.len())
    .with("share", num(share))
    .with("reference_share", num(ref_share))
    .with("columns_compared", cols.len());
    f.examples = dup_rows
        .iter()
        .take(ctx.p.max_examples)
        .map(|&(i, first)| pair_example(ctx, Side::Current, i, first, "duplicate of"))
        .collect();
    Some(f)
}

/// `leakage`: production rows identical to a training row in every shared feature and the
/// target. A warning from `leakage_warning_share` of production rows, unless training repeats
/// its own rows at least half as often (a small feature space, where matches are expected).
fn leakage(
    ctx: &Ctx<'_, '_>,
    ref_cols: &[&ColumnData<'_>],
    cur_cols: &[&ColumnData<'_>],
    threads: usize,
) -> Option<Finding> {
    let ref_hashes = row_hashes(ref_cols, ctx.reference.rows, threads);
    let mut index: HashMap<u64, u32, IdentityHasher> =
        HashMap::with_capacity_and_hasher(ref_hashes.len(), IdentityHasher);
    let mut ref_repeats = 0usize;
    for (i, &h) in ref_hashes.iter().enumerate() {
        if index.insert(h, i as u32).is_some() {
            ref_repeats += 1;
        }
    }
    drop(ref_hashes);
    let cur_hashes = row_hashes(cur_cols, ctx.current.rows, threads);
    let matches: Vec<(usize, usize)> = cur_hashes
        .iter()
        .enumerate()
        .filter_map(|(i, h)| index.get(h).map(|r| (i, *r as usize)))
        .filter(|&(i, r)| same_row(cur_cols, i, ref_cols, r))
        .collect();
    if matches.is_empty() {
        return None;
    }
    let share = matches.len() as f64 / ctx.current.rows as f64;
    let ref_share = ref_repeats as f64 / ctx.reference.rows as f64;
    let severity = if share >= ctx.p.leakage_warning_share && ref_share * 2.0 < share {
        Severity::Warning
    } else {
        Severity::Info
    };
    let names: Vec<String> = cur_cols.iter().map(|c| c.name.clone()).collect();
    let mut f = Finding::new(
        Check::Leakage,
        severity,
        Vec::new(),
        format!(
            "{} production rows ({}) are identical to a training row in all {} shared features and the target (training repeats {} of its own rows)",
            matches.len(),
            pct(share),
            cur_cols.len(),
            pct(ref_share)
        ),
    )
    .with("rows", matches.len())
    .with("share", num(share))
    .with("reference_repeat_share", num(ref_share))
    .with("columns_compared", names);
    f.examples = matches
        .iter()
        .take(ctx.p.max_examples)
        .map(|&(i, r)| pair_example(ctx, Side::Current, i, r, "same as training row"))
        .collect();
    Some(f)
}

/// Rows per id value hash, for duplicate ids: (repeating rows, examples (row, first row)).
fn repeated_ids(id: &ColumnData<'_>, max_examples: usize) -> (usize, Vec<(usize, usize)>) {
    // Dictionary-encoded ids repeat exactly when there are fewer distinct values than values.
    if let Some((codes, dict)) = id.as_strings() {
        let non_null = codes.iter().filter(|c| **c != NULL_CODE).count();
        if dict.len() == non_null {
            return (0, Vec::new());
        }
    }
    let hashes: Vec<u64> = (0..id.len())
        .map(|i| {
            if id.is_null(i) {
                NULL_HASH
            } else {
                id.value_hash(i)
            }
        })
        .collect();
    let (first, _) = first_occurrence(&hashes);
    let mut k = 0;
    let mut examples = Vec::new();
    for (i, f) in first.iter().enumerate() {
        if *f == u32::MAX || id.is_null(i) || !same_value(id, i, id, *f as usize) {
            continue;
        }
        k += 1;
        if examples.len() < max_examples {
            examples.push((i, *f as usize));
        }
    }
    (k, examples)
}

/// `duplicate_ids`: an id repeated in production; a warning unless training repeats ids too.
fn duplicate_ids(ctx: &Ctx<'_, '_>) -> Option<Finding> {
    let id = ctx.id[1]?;
    let (k, examples) = repeated_ids(id, ctx.p.max_examples);
    if k == 0 {
        return None;
    }
    let ref_k = ctx.id[0].map_or(0, |r| repeated_ids(r, 0).0);
    let share = k as f64 / id.len() as f64;
    let severity = if ref_k > 0 {
        Severity::Info
    } else {
        Severity::Warning
    };
    let mut f = Finding::new(
        Check::DuplicateIds,
        severity,
        vec![id.name.clone()],
        format!(
            "{k} production rows ({}) repeat an earlier row's {} (training: {ref_k})",
            pct(share),
            id.name
        ),
    )
    .with("rows", k)
    .with("share", num(share))
    .with("reference_rows", ref_k);
    f.examples = examples
        .into_iter()
        .map(|(i, first)| pair_example(ctx, Side::Current, i, first, "same id as row"))
        .collect();
    Some(f)
}

/// Production rows joined to the first training row with the same id: (current, reference).
fn join_on_id(r: &ColumnData<'_>, c: &ColumnData<'_>) -> Vec<(usize, usize)> {
    if let (Some((rc, rd)), Some((cc, cd))) = (r.as_strings(), c.as_strings()) {
        // Dictionaries make the join one lookup per distinct id, then array indexing.
        let mut first_row = vec![u32::MAX; rd.len()];
        for (i, &code) in rc.iter().enumerate() {
            if code != NULL_CODE && first_row[code as usize] == u32::MAX {
                first_row[code as usize] = i as u32;
            }
        }
        let to_ref = cd.map_into(rd);
        return cc
            .iter()
            .enumerate()
            .filter(|(_, code)| **code != NULL_CODE)
            .filter_map(|(i, &code)| {
                let rcode = to_ref[code as usize];
                (rcode != NULL_CODE).then(|| (i, first_row[rcode as usize] as usize))
            })
            .collect();
    }
    let mut index: HashMap<u64, u32, IdentityHasher> =
        HashMap::with_capacity_and_hasher(r.len(), IdentityHasher);
    for i in 0..r.len() {
        if !r.is_null(i) {
            index.entry(r.value_hash(i)).or_insert(i as u32);
        }
    }
    (0..c.len())
        .filter(|&i| !c.is_null(i))
        .filter_map(|i| {
            let j = *index.get(&c.value_hash(i))? as usize;
            same_value(c, i, r, j).then_some((i, j))
        })
        .collect()
}

/// One column's comparison over the joined rows.
struct SkewColumn {
    /// Joined rows that differ, and the first `max_examples` of them (current, reference).
    differing: usize,
    examples: Vec<(usize, usize)>,
    /// Largest absolute differences of numbers: (|diff|, current row, reference row).
    largest: Vec<(f64, usize, usize)>,
}

fn compare_joined(
    r: &ColumnData<'_>,
    c: &ColumnData<'_>,
    joined: &[(usize, usize)],
    abs_tol: f64,
    rel_tol: f64,
    max_examples: usize,
) -> SkewColumn {
    let mut differing = 0usize;
    let mut examples = Vec::new();
    let mut largest: Vec<(f64, usize, usize)> = Vec::new();
    let mut floor = f64::NEG_INFINITY;
    let mut record = |ci: usize, ri: usize| {
        differing += 1;
        if examples.len() < max_examples {
            examples.push((ci, ri));
        }
    };
    // One loop per storage, so that the per-row work is a few loads and compares.
    if let (Some((rv, rok)), Some((cv, cok))) = (r.as_numeric(), c.as_numeric()) {
        let missing =
            |v: &[f64], ok: Option<&[bool]>, i: usize| ok.is_some_and(|ok| !ok[i]) || v[i].is_nan();
        for &(ci, ri) in joined {
            match (missing(cv, cok, ci), missing(rv, rok, ri)) {
                (true, true) => {}
                (true, false) | (false, true) => record(ci, ri),
                (false, false) => {
                    let (a, b) = (cv[ci], rv[ri]);
                    let d = (a - b).abs();
                    if d <= abs_tol + rel_tol * a.abs().max(b.abs()) || a == b {
                        continue;
                    }
                    record(ci, ri);
                    let d = if d.is_nan() { f64::INFINITY } else { d };
                    // Keep the 10 largest (earlier rows first among ties): once 10 are kept,
                    // only a larger difference can enter.
                    if largest.len() < 10 || d > floor {
                        largest.push((d, ci, ri));
                        if largest.len() >= 64 {
                            largest.sort_by(|x, y| y.0.total_cmp(&x.0));
                            largest.truncate(10);
                            floor = largest[9].0;
                        }
                    }
                }
            }
        }
    } else if let (Some((rc, rd)), Some((cc, cd))) = (r.as_strings(), c.as_strings()) {
        // Production's codes in training's dictionary; a missing value maps to NULL_CODE, so
        // "both missing" compares equal and "one missing" does not.
        let map = cd.map_into(rd);
        for &(ci, ri) in joined {
            let mapped = match cc[ci] {
                NULL_CODE => NULL_CODE,
                code => map[code as usize],
            };
            // A production value absent from training's dictionary maps to NULL_CODE too:
            // tell it from a missing value.
            let differs = mapped != rc[ri] || (mapped == NULL_CODE && cc[ci] != NULL_CODE);
            if differs {
                record(ci, ri);
            }
        }
    } else {
        for &(ci, ri) in joined {
            if !same_value(c, ci, r, ri) {
                record(ci, ri);
            }
        }
    }
    largest.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
    largest.truncate(10);
    SkewColumn {
        differing,
        examples,
        largest,
    }
}

/// `serving_skew`: join production to training on the id and compare every shared column
/// row by row. Numbers are equal within `skew_abs_tolerance + skew_rel_tolerance · max(|a|,
/// |b|)`; missing equals missing. A column that differs in any joined row is a warning, in
/// `skew_error_share` of them an error. With ids in common and no difference: one info.
fn serving_skew(ctx: &Ctx<'_, '_>) -> Vec<Finding> {
    let (Some(r_id), Some(c_id), Some(id_name)) = (ctx.id[0], ctx.id[1], ctx.id_name.clone())
    else {
        return Vec::new();
    };
    let joined = join_on_id(r_id, c_id);
    if joined.is_empty() {
        return vec![
            Finding::new(
                Check::ServingSkew,
                Severity::Info,
                vec![id_name.clone()],
                format!(
                    "no {id_name} of production appears in training, so rows cannot be compared one to one"
                ),
            )
            .with("joined_rows", 0),
        ];
    }
    let pairs: Vec<(&str, &ColumnData<'_>, &ColumnData<'_>)> = ctx
        .pairs
        .iter()
        .filter(|p| !matches!(p.role, Role::Id | Role::Ignored))
        .filter_map(|p| Some((p.name, p.reference?, p.current?)))
        .filter(|(_, r, c)| {
            (r.as_numeric().is_some() && c.as_numeric().is_some())
                || (r.as_strings().is_some() && c.as_strings().is_some())
                || (r.as_datetime().is_some() && c.as_datetime().is_some())
        })
        .collect();
    let p = ctx.p;
    let mut results: Vec<Option<SkewColumn>> = (0..pairs.len()).map(|_| None).collect();
    let threads = p.threads.max(1);
    let per = pairs.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        for (k, slot) in results.chunks_mut(per).enumerate() {
            let pairs = &pairs;
            let joined = &joined;
            s.spawn(move || {
                for (j, out) in slot.iter_mut().enumerate() {
                    let (_, r, c) = pairs[k * per + j];
                    *out = Some(compare_joined(
                        r,
                        c,
                        joined,
                        p.skew_abs_tolerance,
                        p.skew_rel_tolerance,
                        p.max_examples,
                    ));
                }
            });
        }
    });
    let n = joined.len();
    let mut out = Vec::new();
    for ((name, r, c), res) in pairs.iter().zip(results) {
        let Some(res) = res else { continue };
        if res.differing == 0 {
            continue;
        }
        let k = res.differing;
        let share = k as f64 / n as f64;
        let severity = if share >= p.skew_error_share {
            Severity::Error
        } else {
            Severity::Warning
        };
        let largest_text = res
            .largest
            .first()
            .map(|(d, _, _)| format!(" (largest difference {})", super::columns::fmt(*d)))
            .unwrap_or_default();
        let mut f = Finding::new(
            Check::ServingSkew,
            severity,
            vec![name.to_string(), id_name.clone()],
            format!(
                "{name} differs between training and production for {k} of the {n} rows joined on {id_name} ({}){largest_text}",
                pct(share)
            ),
        )
        .with("joined_rows", n)
        .with("differing_rows", k)
        .with("share", num(share))
        .with(
            "largest_differences",
            res.largest
                .iter()
                .map(|(d, ci, ri)| {
                    json!({
                        "id": c_id.display(*ci),
                        "reference": r.display(*ri),
                        "current": c.display(*ci),
                        "difference": num(*d),
                    })
                })
                .collect::<Vec<Value>>(),
        );
        f.examples = res
            .examples
            .iter()
            .take(p.max_examples)
            .map(|&(ci, ri)| {
                let mut e = ctx.example(
                    Side::Current,
                    ci,
                    vec![
                        ("training".into(), r.display(ri)),
                        ("production".into(), c.display(ci)),
                    ],
                );
                e.other_row = Some(ri);
                e
            })
            .collect();
        out.push(f);
    }
    if out.is_empty() {
        out.push(
            Finding::new(
                Check::ServingSkew,
                Severity::Info,
                vec![id_name.clone()],
                format!(
                    "{n} production rows joined to training on {id_name}; none of the {} shared columns differs",
                    pairs.len()
                ),
            )
            .with("joined_rows", n),
        );
    }
    out
}

/// `row_count_change`: rows of each dataset and, with timestamps, rows per day. A change of
/// daily volume beyond `volume_change_factor` either way is a warning; an empty production
/// file an error; otherwise info.
pub(crate) fn row_count(ctx: &Ctx<'_, '_>) -> Option<Finding> {
    let (nr, nc) = (ctx.reference.rows, ctx.current.rows);
    let per_day = |side: usize| -> Option<f64> {
        let (m, v) = ctx.ts[side]?.as_datetime()?;
        let (mut lo, mut hi, mut n) = (i64::MAX, i64::MIN, 0usize);
        for (i, &t) in m.iter().enumerate() {
            if v.is_none_or(|ok| ok[i]) {
                lo = lo.min(t);
                hi = hi.max(t);
                n += 1;
            }
        }
        if n == 0 {
            return None;
        }
        // Whole days spanned, so one day's data counts as one day.
        let days = ((hi - lo) as f64 / MICROS_PER_DAY as f64).ceil().max(1.0);
        Some(n as f64 / days)
    };
    let (rd, cd) = (per_day(0), per_day(1));
    let ratio = rd.zip(cd).map(|(r, c)| c / r);
    let factor = ctx.p.volume_change_factor;
    let severity = if nc == 0 {
        Severity::Error
    } else if ratio.is_some_and(|x| x > factor || x < 1.0 / factor) {
        Severity::Warning
    } else {
        Severity::Info
    };
    let message = match (rd, cd, ratio) {
        (Some(r), Some(c), Some(x)) => format!(
            "production has {nc} rows ({c:.1} a day) and training {nr} ({r:.1} a day): daily volume × {x:.2}"
        ),
        _ if nc == 0 => "production has no rows".to_string(),
        _ => format!(
            "production has {nc} rows and training {nr} (× {:.2})",
            nc as f64 / nr.max(1) as f64
        ),
    };
    Some(
        Finding::new(Check::RowCountChange, severity, Vec::new(), message)
            .with("reference_rows", nr)
            .with("current_rows", nc)
            .with("reference_rows_per_day", rd.map_or(Value::Null, num))
            .with("current_rows_per_day", cd.map_or(Value::Null, num))
            .with("daily_volume_ratio", ratio.map_or(Value::Null, num)),
    )
}

//! Checks of one column pair: schema (missing, new, type), missing values, non-finite numbers,
//! categories, ranges, degenerate columns, and target / prediction sanity.

use serde_json::{Value, json};

use super::report::{Check, Finding, Severity, num, pct};
use super::stats::{all_on_one_side, normalise_category, two_proportion_test};
use super::table::{NULL_CODE, key_f64};
use super::time::{change_details, describe_change};
use super::{ColumnData, Ctx, Pair};
use crate::vocab::{ColumnKind, Role, Side};

/// Every finding about one pair of columns.
pub(crate) fn pair_findings(ctx: &Ctx<'_, '_>, pair: &Pair<'_, '_>) -> Vec<Finding> {
    let mut out = Vec::new();
    if pair.role == Role::Ignored {
        return out;
    }
    let (r, c) = match (pair.reference, pair.current) {
        (Some(r), Some(c)) => (r, c),
        (None, Some(c)) => {
            out.push(
                Finding::new(
                    Check::NewColumn,
                    Severity::Info,
                    vec![c.name.clone()],
                    format!(
                        "{} is in production but not in training; the model cannot be using it",
                        c.name
                    ),
                )
                .with("dtype", c.dtype.as_str())
                .with("kind", c.kind.name()),
            );
            return out;
        }
        (Some(r), None) => {
            out.push(missing_column(r, pair.role));
            return out;
        }
        (None, None) => return out,
    };
    if pair.renamed {
        out.push(
            Finding::new(
                Check::RenamedColumn,
                Severity::Info,
                vec![c.name.clone(), r.name.clone()],
                format!(
                    "{} in production is compared with {} in training (a rename mapping)",
                    c.name, r.name
                ),
            )
            .with("current", c.name.as_str())
            .with("reference", r.name.as_str()),
        );
    }
    out.extend(type_change(pair, r, c));
    // Numbers: one pass per side gathers what most numeric checks need.
    let stats = match (r.as_numeric(), c.as_numeric()) {
        (Some((rv, rok)), Some((cv, cok))) => {
            let rs = NumStats::of(rv, rok, None);
            let cs = NumStats::of(cv, cok, rs.range());
            Some((rs, cs))
        }
        _ => None,
    };
    let missing = match &stats {
        Some((rs, cs)) => (rs.missing, cs.missing),
        None => (r.missing_count(), c.missing_count()),
    };
    out.extend(null_rate(ctx, pair, r, c, missing));
    if pair.role == Role::Id || pair.role == Role::Timestamp {
        return out;
    }
    let strings = |k: ColumnKind| matches!(k, ColumnKind::Categorical | ColumnKind::Boolean);
    match &stats {
        Some((rs, cs)) => {
            out.extend(non_finite(ctx, r, c, rs, cs));
            let classes = if pair.role == Role::Target {
                numeric_classes(r, ctx.p.max_label_classes)
            } else {
                None
            };
            match classes {
                Some(classes) => out.extend(unknown_numeric_labels(ctx, c, &classes)),
                None => out.extend(out_of_range(ctx, pair, c, rs, cs)),
            }
            if pair.role == Role::Prediction {
                out.extend(probability_range(ctx, c, rs, cs));
            }
        }
        _ => {
            if let (Some((rc, rd)), Some((cc, cd))) = (r.as_strings(), c.as_strings())
                && strings(r.kind)
                && strings(c.kind)
            {
                let cats = Categories::new(rc, rd, cc, cd);
                if pair.role == Role::Target {
                    if rd.len() <= ctx.p.max_label_classes {
                        out.extend(unknown_string_labels(ctx, c, &cats));
                    }
                } else {
                    out.extend(unseen(ctx, c, &cats));
                }
                out.extend(vanished(ctx, pair, r, &cats));
                out.extend(string_variants(ctx, c, &cats));
            }
        }
    }
    out.extend(constant(ctx, pair, r, c, stats.as_ref()));
    out
}

fn missing_column(r: &ColumnData<'_>, role: Role) -> Finding {
    let (severity, why) = match role {
        Role::Feature => (
            Severity::Error,
            "the model's input is not delivered (renamed or dropped upstream?)",
        ),
        Role::Target => (Severity::Warning, "labels are not available for production"),
        Role::Prediction => (
            Severity::Warning,
            "the model's output is not logged in production",
        ),
        Role::Id => (Severity::Warning, "rows cannot be joined to training by id"),
        Role::Timestamp => (Severity::Warning, "problems cannot be dated"),
        Role::Ignored => (Severity::Info, "it is ignored"),
        Role::Variant | Role::Covariate | Role::Segment => (
            Severity::Info,
            "it is an experiment column, which production need not have",
        ),
        Role::ModelVersion => (
            Severity::Info,
            "it says which model version scored a row, which training need not share",
        ),
    };
    Finding::new(
        Check::MissingColumn,
        severity,
        vec![r.name.clone()],
        format!(
            "{} ({}) is in training but not in production: {why}",
            r.name,
            role.name()
        ),
    )
    .with("role", role.name())
    .with("dtype", r.dtype.as_str())
    .with("kind", r.kind.name())
}

/// Storage families for comparing types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Int,
    Float,
    Bool,
    Str,
    Time,
    Other,
}

fn family(c: &ColumnData<'_>) -> Family {
    let d = c.dtype.as_str();
    if matches!(c.values, super::Values::Other { .. }) {
        Family::Other
    } else if d.starts_with('i') || d.starts_with('u') {
        Family::Int
    } else if d.starts_with('f') {
        Family::Float
    } else if d == "bool" {
        Family::Bool
    } else if d == "str" || d == "cat" || d.starts_with("enum") {
        Family::Str
    } else if d.starts_with("datetime") || d == "date" {
        Family::Time
    } else {
        match c.kind {
            ColumnKind::Numeric => Family::Float,
            ColumnKind::Datetime => Family::Time,
            ColumnKind::Boolean => Family::Bool,
            ColumnKind::Categorical | ColumnKind::Text => Family::Str,
        }
    }
}

fn family_name(f: Family) -> &'static str {
    match f {
        Family::Int => "integers",
        Family::Float => "floats",
        Family::Bool => "booleans",
        Family::Str => "text",
        Family::Time => "datetimes",
        Family::Other => "nested values",
    }
}

fn type_change(pair: &Pair<'_, '_>, r: &ColumnData<'_>, c: &ColumnData<'_>) -> Option<Finding> {
    // An all-null column has no type of its own (polars calls it "null"); its missing values
    // are what `null_rate_increase` reports.
    if r.dtype == c.dtype || r.dtype == "null" || c.dtype == "null" {
        return None;
    }
    let (fr, fc) = (family(r), family(c));
    let (severity, why) = match (fr, fc) {
        (Family::Int, Family::Float) => (
            Severity::Warning,
            "a missing value often turns a column of integers into floats",
        ),
        (Family::Float, Family::Int)
        | (Family::Int, Family::Int)
        | (Family::Float, Family::Float) => (Severity::Info, "the values compare as numbers"),
        (Family::Time, Family::Time) => (Severity::Info, "the values compare as times"),
        (Family::Str, Family::Time) | (Family::Time, Family::Str) => (
            Severity::Error,
            "dates were parsed on one side only (a different format?)",
        ),
        _ => (
            Severity::Error,
            "the model receives values of another type than it was trained on",
        ),
    };
    Some(
        Finding::new(
            Check::TypeChange,
            severity,
            vec![pair.name.to_string()],
            format!(
                "{} holds {} ({}) in training and {} ({}) in production: {why}",
                pair.name,
                family_name(fr),
                r.dtype,
                family_name(fc),
                c.dtype
            ),
        )
        .with("reference_dtype", r.dtype.as_str())
        .with("current_dtype", c.dtype.as_str())
        .with("reference_kind", r.kind.name())
        .with("current_kind", c.kind.name()),
    )
}

/// `null_rate_increase`: the one-sided two-proportion test of the missing share (null, and NaN
/// in numbers): the pooled z-test, or Fisher's exact test on few rows
/// ([`super::stats::two_proportion_test`]). Error when significant and up by at least `null_error_increase`,
/// warning from `null_warning_increase` (or when training had no missing value at all), info
/// when significant but smaller. A significant run of windows with a rate at least
/// `spike_min_increase` above the rest raises it to a warning; an ongoing run at least
/// `null_error_increase` above training to an error. A target's missing labels stay a warning
/// (labels arrive late).
fn null_rate(
    ctx: &Ctx<'_, '_>,
    pair: &Pair<'_, '_>,
    r: &ColumnData<'_>,
    c: &ColumnData<'_>,
    (k0, k1): (usize, usize),
) -> Option<Finding> {
    let p = ctx.p;
    let (n0, n1) = (r.len(), c.len());
    if k1 == 0 || n1 == 0 || n0 == 0 {
        return None;
    }
    let (s0, s1) = (k0 as f64 / n0 as f64, k1 as f64 / n1 as f64);
    let inc = s1 - s0;
    let (z, p_value, test) = two_proportion_test(k1, n1, k0, n0);
    let significant = p_value < p.alpha;
    let mut severity = if significant && inc >= p.null_error_increase {
        Some(Severity::Error)
    } else if significant && (inc >= p.null_warning_increase || k0 == 0) {
        Some(Severity::Warning)
    } else if significant {
        Some(Severity::Info)
    } else {
        None
    };
    let timeline = ctx.timeline(s0, |i| c.is_missing(i));
    if let Some(ch) = timeline.as_ref().and_then(|t| t.change.as_ref())
        && ch.rate_during - s0 >= p.spike_min_increase
    {
        let spike = if ch.until.is_none() && ch.rate_during - s0 >= p.null_error_increase {
            Severity::Error
        } else {
            Severity::Warning
        };
        severity = severity.max(Some(spike));
    }
    let target = pair.role == Role::Target;
    let mut severity = severity?;
    if target {
        severity = severity.min(Severity::Warning);
    }
    let name = pair.name;
    let when = timeline
        .as_ref()
        .and_then(|t| t.change.as_ref())
        .map(|ch| {
            format!(
                ", {} ({} of rows then)",
                describe_change(ch),
                pct(ch.rate_during)
            )
        })
        .unwrap_or_default();
    let message = if target {
        format!(
            "labels ({name}) are missing in {} of production rows vs {} in training{when}; metrics cannot be computed for those rows",
            pct(s1),
            pct(s0)
        )
    } else {
        format!(
            "{name} is missing in {} of production rows vs {} in training{when}",
            pct(s1),
            pct(s0)
        )
    };
    let mut f = Finding::new(
        Check::NullRateIncrease,
        severity,
        vec![name.to_string()],
        message,
    )
    .with("reference_missing", k0)
    .with("reference_rows", n0)
    .with("reference_share", num(s0))
    .with("current_missing", k1)
    .with("current_rows", n1)
    .with("current_share", num(s1))
    .with("increase", num(inc))
    .with("test", test.description())
    .with("z", num(z))
    .with("p_value", num(p_value));
    if let Some(t) = &timeline {
        f = change_details(f, t);
    }
    // Examples from the spike when there is one.
    let span = timeline
        .as_ref()
        .and_then(|t| t.change.as_ref())
        .map(|ch| (ch.first, ch.end));
    let in_span = |i: usize| match (span, ctx.windows.as_ref()) {
        (Some((a, b)), Some(w)) => w.row_in(i, a, b),
        _ => true,
    };
    f.examples = ctx.examples_where(Side::Current, c, 0..c.len(), |i| {
        c.is_missing(i) && in_span(i)
    });
    f.timeline = timeline;
    Some(f)
}

/// What the numeric checks need from one column, gathered in one pass: missing values (null
/// or NaN), non-finite values, the finite range, the count of finite values outside given
/// bounds, and the Boyer-Moore majority candidate of the non-missing values.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NumStats {
    pub missing: usize,
    /// NaN among the non-null values.
    pub nan: usize,
    pub pos_inf: usize,
    pub neg_inf: usize,
    pub finite: usize,
    /// Finite minimum and maximum (±infinity when there is no finite value).
    pub min: f64,
    pub max: f64,
    /// Finite values below and above the bounds passed in.
    pub below: usize,
    pub above: usize,
    /// Majority vote: a row holding the candidate, its key ([`key_f64`]) and the votes left.
    pub candidate: Option<(usize, u64)>,
    pub votes: usize,
}

impl NumStats {
    /// One pass over `values` (with validity); `bounds` are the reference's finite range.
    pub fn of(values: &[f64], valid: Option<&[bool]>, bounds: Option<(f64, f64)>) -> Self {
        let mut st = Self {
            missing: 0,
            nan: 0,
            pos_inf: 0,
            neg_inf: 0,
            finite: 0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            below: 0,
            above: 0,
            candidate: None,
            votes: 0,
        };
        let (lo, hi) = bounds.unwrap_or((f64::NEG_INFINITY, f64::INFINITY));
        let mut visit = |i: usize, v: f64| {
            if v.is_finite() {
                st.finite += 1;
                st.min = st.min.min(v);
                st.max = st.max.max(v);
                st.below += usize::from(v < lo);
                st.above += usize::from(v > hi);
            } else if v.is_nan() {
                st.nan += 1;
                st.missing += 1;
                return;
            } else if v > 0.0 {
                st.pos_inf += 1;
            } else {
                st.neg_inf += 1;
            }
            let key = key_f64(v);
            match st.candidate {
                Some((_, k)) if k == key => st.votes += 1,
                _ if st.votes == 0 => {
                    st.candidate = Some((i, key));
                    st.votes = 1;
                }
                _ => st.votes -= 1,
            }
        };
        match valid {
            None => {
                for (i, &v) in values.iter().enumerate() {
                    visit(i, v);
                }
            }
            Some(ok) => {
                for (i, (&v, &ok)) in values.iter().zip(ok).enumerate() {
                    if ok {
                        visit(i, v);
                    }
                }
                st.missing += ok.iter().filter(|b| !**b).count();
            }
        }
        st
    }

    pub fn range(&self) -> Option<(f64, f64)> {
        (self.finite > 0).then_some((self.min, self.max))
    }
}

/// `non_finite`: ±infinity in production is an error when training had none (models and most
/// statistics break on it); NaN where training had none is info (it counts as missing).
fn non_finite(
    ctx: &Ctx<'_, '_>,
    r: &ColumnData<'_>,
    c: &ColumnData<'_>,
    rs: &NumStats,
    cs: &NumStats,
) -> Option<Finding> {
    let _ = r;
    let (rn, rp, rm) = (rs.nan, rs.pos_inf, rs.neg_inf);
    let (cn, cp, cm) = (cs.nan, cs.pos_inf, cs.neg_inf);
    let (r_inf, c_inf) = (rp + rm, cp + cm);
    let name = &c.name;
    let (severity, message) = if c_inf > 0 {
        let sev = if r_inf == 0 {
            Severity::Error
        } else {
            Severity::Info
        };
        (
            sev,
            format!(
                "{name} has {c_inf} infinite values in production ({cp} +inf, {cm} -inf; {}), and {cn} NaN",
                if r_inf == 0 {
                    "none in training".to_string()
                } else {
                    format!("{r_inf} in training")
                }
            ),
        )
    } else if cn > 0 && rn == 0 {
        (
            Severity::Info,
            format!(
                "{name} has {cn} NaN values in production and none in training; they count as missing values"
            ),
        )
    } else {
        return None;
    };
    let (values, _) = c.as_numeric()?;
    let mut f = Finding::new(Check::NonFinite, severity, vec![name.clone()], message)
        .with("current_nan", cn)
        .with("current_pos_inf", cp)
        .with("current_neg_inf", cm)
        .with("reference_nan", rn)
        .with("reference_pos_inf", rp)
        .with("reference_neg_inf", rm);
    let want_inf = c_inf > 0;
    f.examples = ctx.examples_where(Side::Current, c, 0..c.len(), |i| {
        !c.is_null(i)
            && if want_inf {
                values[i].is_infinite()
            } else {
                values[i].is_nan()
            }
    });
    Some(f)
}

/// A number for messages: integers plainly, others with 4 significant digits.
pub(crate) fn fmt(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        let a = v.abs();
        if a >= 1000.0 {
            format!("{v:.1}")
        } else if a >= 0.001 {
            let s = format!("{v:.4}");
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            format!("{v:.3e}")
        }
    }
}

use crate::format::fmt_p_phrase as fmt_p;

/// `out_of_range`: finite production values outside training's finite [min, max]. Under the
/// hypothesis that both samples come from one distribution, the `k` values above the
/// reference maximum are the top `k` of the pooled sample all landing in production, with
/// probability [`all_on_one_side`]; likewise below the minimum. The p-value is twice the
/// smaller tail's (Bonferroni over the two tails). Significant: a warning, an error from
/// `out_of_range_error_share`; not significant but with p below `out_of_range_info_p`: info;
/// otherwise nothing.
fn out_of_range(
    ctx: &Ctx<'_, '_>,
    pair: &Pair<'_, '_>,
    c: &ColumnData<'_>,
    rs: &NumStats,
    cs: &NumStats,
) -> Option<Finding> {
    let p = ctx.p;
    let (lo, hi) = rs.range()?;
    let (cur_lo, cur_hi) = cs.range()?;
    let (n_ref, n_cur) = (rs.finite, cs.finite);
    let (values, valid) = c.as_numeric()?;
    let ok = |i: usize| valid.is_none_or(|v| v[i]) && values[i].is_finite();
    let (below, above) = (cs.below, cs.above);
    let k = below + above;
    if k == 0 {
        return None;
    }
    let total = n_ref + n_cur;
    let p_below = all_on_one_side(below, n_cur, total);
    let p_above = all_on_one_side(above, n_cur, total);
    let p_value = (2.0 * p_below.min(p_above)).min(1.0);
    if p_value >= p.out_of_range_info_p.max(p.alpha) {
        return None;
    }
    let share = k as f64 / n_cur as f64;
    let severity = if p_value >= p.alpha {
        Severity::Info
    } else if share >= p.out_of_range_error_share {
        Severity::Error
    } else {
        Severity::Warning
    };
    let outside = |i: usize| ok(i) && (values[i] < lo || values[i] > hi);
    let timeline = ctx.timeline(0.0, outside);
    let when = timeline
        .as_ref()
        .and_then(|t| t.change.as_ref())
        .map(|ch| format!(", {}", describe_change(ch)))
        .unwrap_or_default();
    let chance = if severity == Severity::Info {
        format!("; as many could be chance ({})", fmt_p(p_value))
    } else {
        String::new()
    };
    let name = pair.name;
    let mut f = Finding::new(
        Check::OutOfRange,
        severity,
        vec![name.to_string()],
        format!(
            "{k} production value{} of {name} ({}) {} outside training's range [{}, {}]: {below} below, {above} above{when}{chance}",
            if k == 1 { "" } else { "s" },
            pct(share),
            if k == 1 { "is" } else { "are" },
            fmt(lo),
            fmt(hi)
        ),
    )
    .with("reference_min", num(lo))
    .with("reference_max", num(hi))
    .with("current_min", num(cur_lo))
    .with("current_max", num(cur_hi))
    .with("below", below)
    .with("above", above)
    .with("share", num(share))
    .with("test", "exchangeability: P(the k extreme values all fell in production)")
    .with("p_value", num(p_value));
    if let Some(t) = &timeline {
        f = change_details(f, t);
    }
    f.examples = ctx.examples_where(Side::Current, c, 0..c.len(), outside);
    f.timeline = timeline;
    Some(f)
}

/// `probability_range`: a prediction whose training values all lie in [0, 1] is a probability;
/// any production value outside [0, 1] is an error.
fn probability_range(
    ctx: &Ctx<'_, '_>,
    c: &ColumnData<'_>,
    rs: &NumStats,
    cs: &NumStats,
) -> Option<Finding> {
    let (lo, hi) = rs.range()?;
    if lo < 0.0 || hi > 1.0 {
        return None;
    }
    // Nothing outside [0, 1]: no need to look row by row.
    if cs.pos_inf + cs.neg_inf == 0 && cs.range().is_none_or(|(a, b)| a >= 0.0 && b <= 1.0) {
        return None;
    }
    let (values, valid) = c.as_numeric()?;
    let bad = |i: usize| {
        valid.is_none_or(|v| v[i]) && !values[i].is_nan() && !(0.0..=1.0).contains(&values[i])
    };
    let k = (0..values.len()).filter(|&i| bad(i)).count();
    if k == 0 {
        return None;
    }
    let share = k as f64 / values.len() as f64;
    let mut f = Finding::new(
        Check::ProbabilityRange,
        Severity::Error,
        vec![c.name.clone()],
        format!(
            "{k} production scores of {} ({}) are outside [0, 1], while every training score is a probability",
            c.name,
            pct(share)
        ),
    )
    .with("rows", k)
    .with("share", num(share));
    f.examples = ctx.examples_where(Side::Current, c, 0..values.len(), bad);
    Some(f)
}

/// The distinct finite values of a numeric column when there are at most `max`, sorted.
fn numeric_classes(col: &ColumnData<'_>, max: usize) -> Option<Vec<f64>> {
    let (values, valid) = col.as_numeric()?;
    let mut classes: Vec<f64> = Vec::new();
    for (i, &v) in values.iter().enumerate() {
        if valid.is_some_and(|ok| !ok[i]) || !v.is_finite() {
            continue;
        }
        if !classes.contains(&v) {
            if classes.len() == max {
                return None;
            }
            classes.push(v);
        }
    }
    classes.sort_by(f64::total_cmp);
    (!classes.is_empty()).then_some(classes)
}

/// Shared wording of `unknown_labels`.
fn unknown_labels_finding(
    c: &ColumnData<'_>,
    k: usize,
    values: Vec<(String, usize)>,
    known: Vec<String>,
    unseen_error_share: f64,
) -> Finding {
    let share = k as f64 / c.len().max(1) as f64;
    let severity = if share >= unseen_error_share {
        Severity::Error
    } else {
        Severity::Warning
    };
    let list: Vec<String> = values
        .iter()
        .take(5)
        .map(|(v, _)| format!("\"{v}\""))
        .collect();
    Finding::new(
        Check::UnknownLabels,
        severity,
        vec![c.name.clone()],
        format!(
            "{k} production labels of {} ({}) are not in training's label set: {}",
            c.name,
            pct(share),
            list.join(", ")
        ),
    )
    .with("rows", k)
    .with("share", num(share))
    .with("reference_labels", known)
    .with(
        "unknown",
        values
            .into_iter()
            .map(|(v, n)| json!({"value": v, "count": n}))
            .collect::<Vec<Value>>(),
    )
}

fn unknown_numeric_labels(
    ctx: &Ctx<'_, '_>,
    c: &ColumnData<'_>,
    classes: &[f64],
) -> Option<Finding> {
    let (values, valid) = c.as_numeric()?;
    let unknown = |i: usize| {
        valid.is_none_or(|v| v[i])
            && values[i].is_finite()
            && classes
                .binary_search_by(|x| x.total_cmp(&values[i]))
                .is_err()
    };
    let mut counts: std::collections::BTreeMap<u64, usize> = Default::default();
    for (i, v) in values.iter().enumerate() {
        if unknown(i) {
            *counts.entry(v.to_bits()).or_default() += 1;
        }
    }
    let k: usize = counts.values().sum();
    if k == 0 {
        return None;
    }
    let mut list: Vec<(String, usize)> = counts
        .into_iter()
        .map(|(b, n)| (f64::from_bits(b).to_string(), n))
        .collect();
    list.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let known = classes.iter().map(f64::to_string).collect();
    let mut f = unknown_labels_finding(c, k, list, known, ctx.p.unseen_error_share);
    f.examples = ctx.examples_where(Side::Current, c, 0..values.len(), unknown);
    Some(f)
}

/// Category counts of both sides and the code mappings between their dictionaries.
struct Categories<'d> {
    ref_dict: &'d super::Dict,
    cur_dict: &'d super::Dict,
    cur_codes: &'d [u32],
    ref_counts: Vec<usize>,
    cur_counts: Vec<usize>,
    cur_to_ref: Vec<u32>,
    ref_to_cur: Vec<u32>,
    /// Non-missing rows.
    ref_n: usize,
    cur_n: usize,
}

impl<'d> Categories<'d> {
    fn new(
        ref_codes: &'d [u32],
        ref_dict: &'d super::Dict,
        cur_codes: &'d [u32],
        cur_dict: &'d super::Dict,
    ) -> Self {
        let count = |codes: &[u32], len: usize| {
            let mut counts = vec![0usize; len];
            for &c in codes {
                if c != NULL_CODE {
                    counts[c as usize] += 1;
                }
            }
            counts
        };
        let ref_counts = count(ref_codes, ref_dict.len());
        let cur_counts = count(cur_codes, cur_dict.len());
        Self {
            ref_dict,
            cur_dict,
            cur_codes,
            ref_n: ref_counts.iter().sum(),
            cur_n: cur_counts.iter().sum(),
            ref_counts,
            cur_counts,
            cur_to_ref: cur_dict.map_into(ref_dict),
            ref_to_cur: ref_dict.map_into(cur_dict),
        }
    }
}

fn unknown_string_labels(
    ctx: &Ctx<'_, '_>,
    c: &ColumnData<'_>,
    cats: &Categories<'_>,
) -> Option<Finding> {
    let unknown: Vec<bool> = cats.cur_to_ref.iter().map(|m| *m == NULL_CODE).collect();
    let mut list: Vec<(String, usize)> = (0..cats.cur_dict.len())
        .filter(|&i| unknown[i] && cats.cur_counts[i] > 0)
        .map(|i| (cats.cur_dict.get(i as u32).to_string(), cats.cur_counts[i]))
        .collect();
    if list.is_empty() {
        return None;
    }
    list.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let k = list.iter().map(|(_, n)| n).sum();
    let known = cats.ref_dict.iter().map(str::to_string).collect();
    let mut f = unknown_labels_finding(c, k, list, known, ctx.p.unseen_error_share);
    let codes = cats.cur_codes;
    f.examples = ctx.examples_where(Side::Current, c, 0..codes.len(), |i| {
        codes[i] != NULL_CODE && unknown[codes[i] as usize]
    });
    Some(f)
}

/// Values of one side that the other side never has: (code, count, chance that all `count`
/// landed on this side by luck), most frequent first, ties by value. Unseen categories are
/// current's values missing from the reference; vanished ones the reverse.
fn one_sided(
    dict: &super::Dict,
    to_other: &[u32],
    counts: &[usize],
    n_side: usize,
    n_total: usize,
) -> Vec<(u32, usize, f64)> {
    let mut values: Vec<(u32, usize, f64)> = (0..dict.len())
        .filter(|&i| to_other[i] == NULL_CODE && counts[i] > 0)
        .map(|i| {
            (
                i as u32,
                counts[i],
                all_on_one_side(counts[i], n_side, n_total),
            )
        })
        .collect();
    values.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| dict.get(a.0).cmp(dict.get(b.0))));
    values
}

/// `unseen_categories`: production values never seen in training. A value seen `k` times in
/// production and never in training is put down to chance when [`all_on_one_side`]`(k, …)`
/// is at least `alpha` (a rare value may simply not have been drawn in training). Values not
/// put down to chance make a warning, an error when they cover `unseen_error_share` of the
/// rows; otherwise info.
fn unseen(ctx: &Ctx<'_, '_>, c: &ColumnData<'_>, cats: &Categories<'_>) -> Option<Finding> {
    let p = ctx.p;
    let total = cats.ref_n + cats.cur_n;
    let values = one_sided(
        cats.cur_dict,
        &cats.cur_to_ref,
        &cats.cur_counts,
        cats.cur_n,
        total,
    );
    if values.is_empty() {
        return None;
    }
    let rows = c.len().max(1) as f64;
    let unseen_rows: usize = values.iter().map(|v| v.1).sum();
    let significant_rows: usize = values.iter().filter(|v| v.2 < p.alpha).map(|v| v.1).sum();
    let severity = if significant_rows == 0 {
        Severity::Info
    } else if significant_rows as f64 / rows >= p.unseen_error_share {
        Severity::Error
    } else {
        Severity::Warning
    };
    let share = unseen_rows as f64 / rows;
    let is_unseen: Vec<bool> = cats.cur_to_ref.iter().map(|m| *m == NULL_CODE).collect();
    let codes = cats.cur_codes;
    let hit = |i: usize| codes[i] != NULL_CODE && is_unseen[codes[i] as usize];
    let timeline = ctx.timeline(0.0, hit);
    let when = timeline
        .as_ref()
        .and_then(|t| t.change.as_ref())
        .map(|ch| format!(", {}", describe_change(ch)))
        .unwrap_or_default();
    let shown: Vec<String> = values
        .iter()
        .take(5)
        .map(|v| format!("\"{}\"", cats.cur_dict.get(v.0)))
        .collect();
    let more = if values.len() > 5 {
        format!(" and {} more", values.len() - 5)
    } else {
        String::new()
    };
    let chance = if severity == Severity::Info {
        "; they are rare enough to be chance"
    } else {
        ""
    };
    let mut f = Finding::new(
        Check::UnseenCategories,
        severity,
        vec![c.name.clone()],
        format!(
            "{} has {} value{} never seen in training, in {} of production rows: {}{more}{when}{chance}",
            c.name,
            values.len(),
            if values.len() == 1 { "" } else { "s" },
            pct(share),
            shown.join(", ")
        ),
    )
    .with("unseen_values", values.len())
    .with("unseen_rows", unseen_rows)
    .with("share", num(share))
    .with(
        "values",
        values
            .iter()
            .take(50)
            .map(|(code, k, pv)| {
                json!({
                    "value": cats.cur_dict.get(*code),
                    "count": k,
                    "share": num(*k as f64 / rows),
                    "p_value": num(*pv),
                })
            })
            .collect::<Vec<Value>>(),
    )
    .with("test", "exchangeability: P(all k rows of the value fell in production)");
    if let Some(t) = &timeline {
        f = change_details(f, t);
    }
    f.examples = ctx.examples_where(Side::Current, c, 0..codes.len(), hit);
    f.timeline = timeline;
    Some(f)
}

/// `vanished_categories`: training values absent from production; a warning unless rare
/// enough to be chance (the mirror of [`unseen`]).
fn vanished(
    ctx: &Ctx<'_, '_>,
    pair: &Pair<'_, '_>,
    r: &ColumnData<'_>,
    cats: &Categories<'_>,
) -> Option<Finding> {
    let p = ctx.p;
    if cats.cur_n == 0 {
        return None;
    }
    let total = cats.ref_n + cats.cur_n;
    let values = one_sided(
        cats.ref_dict,
        &cats.ref_to_cur,
        &cats.ref_counts,
        cats.ref_n,
        total,
    );
    if values.is_empty() {
        return None;
    }
    let significant = values.iter().any(|v| v.2 < p.alpha);
    let severity = if significant {
        Severity::Warning
    } else {
        Severity::Info
    };
    let ref_share: usize = values.iter().map(|v| v.1).sum();
    let share = ref_share as f64 / r.len().max(1) as f64;
    let shown: Vec<String> = values
        .iter()
        .take(5)
        .map(|v| format!("\"{}\"", cats.ref_dict.get(v.0)))
        .collect();
    let more = if values.len() > 5 {
        format!(" and {} more", values.len() - 5)
    } else {
        String::new()
    };
    let mut f = Finding::new(
        Check::VanishedCategories,
        severity,
        vec![pair.name.to_string()],
        format!(
            "{} value{} of {} seen in training ({} of its rows) never appear{} in production: {}{more}{}",
            values.len(),
            if values.len() == 1 { "" } else { "s" },
            pair.name,
            pct(share),
            if values.len() == 1 { "s" } else { "" },
            shown.join(", "),
            if significant { "" } else { "; they are rare enough to be chance" }
        ),
    )
    .with("vanished_values", values.len())
    .with("reference_rows", ref_share)
    .with("reference_share", num(share))
    .with(
        "values",
        values
            .iter()
            .take(50)
            .map(|(code, k, pv)| {
                json!({"value": cats.ref_dict.get(*code), "reference_count": k, "p_value": num(*pv)})
            })
            .collect::<Vec<Value>>(),
    );
    let vanished_code: Vec<bool> = cats.ref_to_cur.iter().map(|m| *m == NULL_CODE).collect();
    if let Some((codes, _)) = r.as_strings() {
        f.examples = ctx.examples_where(Side::Reference, r, 0..codes.len(), |i| {
            codes[i] != NULL_CODE && vanished_code[codes[i] as usize]
        });
    }
    Some(f)
}

/// `string_variants`: values of the two datasets that differ only in case, whitespace or
/// punctuation ("Male" vs "male "). A warning when production spells a training value in a
/// new way; info when the variants are all in training already.
fn string_variants(
    ctx: &Ctx<'_, '_>,
    c: &ColumnData<'_>,
    cats: &Categories<'_>,
) -> Option<Finding> {
    // Normalised form → [(raw value, training rows, production rows)].
    let mut groups: std::collections::BTreeMap<String, Vec<(String, usize, usize)>> =
        Default::default();
    for i in 0..cats.ref_dict.len() {
        let raw = cats.ref_dict.get(i as u32);
        let cur = match cats.ref_to_cur[i] {
            NULL_CODE => 0,
            j => cats.cur_counts[j as usize],
        };
        groups.entry(normalise_category(raw)).or_default().push((
            raw.to_string(),
            cats.ref_counts[i],
            cur,
        ));
    }
    for j in 0..cats.cur_dict.len() {
        if cats.cur_to_ref[j] != NULL_CODE {
            continue;
        }
        let raw = cats.cur_dict.get(j as u32);
        groups.entry(normalise_category(raw)).or_default().push((
            raw.to_string(),
            0,
            cats.cur_counts[j],
        ));
    }
    groups.retain(|k, forms| {
        forms.retain(|(_, a, b)| a + b > 0);
        !k.is_empty() && forms.len() > 1
    });
    if groups.is_empty() {
        return None;
    }
    let mut new_spellings: Vec<String> = Vec::new();
    for forms in groups.values() {
        let known = forms.iter().any(|(_, a, _)| *a > 0);
        for (raw, a, b) in forms {
            if known && *a == 0 && *b > 0 {
                new_spellings.push(raw.clone());
            }
        }
    }
    let severity = if new_spellings.is_empty() {
        Severity::Info
    } else {
        Severity::Warning
    };
    let shown: Vec<String> = groups
        .values()
        .take(3)
        .map(|forms| {
            forms
                .iter()
                .map(|(raw, _, _)| format!("\"{raw}\""))
                .collect::<Vec<_>>()
                .join(" / ")
        })
        .collect();
    let mut f = Finding::new(
        Check::StringVariants,
        severity,
        vec![c.name.clone()],
        format!(
            "{} has {} value{} written in more than one way (case, spaces or punctuation): {}{}",
            c.name,
            groups.len(),
            if groups.len() == 1 { "" } else { "s" },
            shown.join("; "),
            if new_spellings.is_empty() {
                ", as in training"
            } else {
                ""
            }
        ),
    )
    .with("groups", groups.len())
    .with(
        "variants",
        groups
            .values()
            .take(50)
            .map(|forms| {
                forms
                    .iter()
                    .map(|(raw, a, b)| json!({"value": raw, "reference_count": a, "current_count": b}))
                    .collect::<Vec<Value>>()
            })
            .collect::<Vec<Vec<Value>>>(),
    )
    .with("new_spellings", new_spellings.clone());
    let new_code: Vec<bool> = (0..cats.cur_dict.len())
        .map(|j| {
            new_spellings
                .iter()
                .any(|s| s == cats.cur_dict.get(j as u32))
        })
        .collect();
    let codes = cats.cur_codes;
    f.examples = ctx.examples_where(Side::Current, c, 0..codes.len(), |i| {
        codes[i] != NULL_CODE && new_code[codes[i] as usize]
    });
    Some(f)
}

/// The most frequent non-missing value when its share of non-missing rows is at least
/// `min_share` (> 0.5): (a row holding it, its count, non-missing rows). Strings count codes;
/// numbers and times use the Boyer-Moore majority vote (one pass, no hash table; numbers
/// reuse the vote of [`NumStats`]): a value with share `s > 1/2` is the final candidate with
/// at least `(2s − 1)·n` votes left, so fewer votes rule every value out without a second,
/// counting pass.
fn top_value(
    col: &ColumnData<'_>,
    min_share: f64,
    stats: Option<&NumStats>,
) -> Option<(usize, usize, usize)> {
    let n = col.len();
    if let Some((codes, dict)) = col.as_strings() {
        let mut counts = vec![0usize; dict.len()];
        for &c in codes {
            if c != NULL_CODE {
                counts[c as usize] += 1;
            }
        }
        let non_missing: usize = counts.iter().sum();
        let (best, &count) = counts
            .iter()
            .enumerate()
            .max_by_key(|(i, c)| (**c, usize::MAX - i))?;
        if count == 0 || (count as f64) < min_share * non_missing as f64 {
            return None;
        }
        let row = codes.iter().position(|&c| c == best as u32)?;
        return Some((row, count, non_missing));
    }
    let (candidate, votes, non_missing) = match stats {
        Some(st) => (st.candidate, st.votes, n - st.missing),
        None => {
            let mut cand: Option<(usize, u64)> = None;
            let (mut votes, mut non_missing) = (0usize, 0usize);
            for i in 0..n {
                if col.is_missing(i) {
                    continue;
                }
                non_missing += 1;
                let key = col.value_key(i);
                match cand {
                    Some((_, k)) if k == key => votes += 1,
                    _ if votes == 0 => {
                        cand = Some((i, key));
                        votes = 1;
                    }
                    _ => votes -= 1,
                }
            }
            (cand, votes, non_missing)
        }
    };
    let (row, key) = candidate?;
    if (votes as f64) < (2.0 * min_share.max(0.5) - 1.0) * non_missing as f64 {
        return None;
    }
    let count = count_key(col, key);
    ((count as f64) >= min_share * non_missing as f64).then_some((row, count, non_missing))
}

/// Non-missing rows of `col` whose value has this key ([`ColumnData::value_key`]).
fn count_key(col: &ColumnData<'_>, key: u64) -> usize {
    match col.as_numeric() {
        Some((values, valid)) => values
            .iter()
            .enumerate()
            .filter(|(i, v)| valid.is_none_or(|ok| ok[*i]) && !v.is_nan() && key_f64(**v) == key)
            .count(),
        None => (0..col.len())
            .filter(|&i| !col.is_missing(i) && col.value_key(i) == key)
            .count(),
    }
}

/// Rows of `col` equal to the value at `row` of `other`.
fn count_value(col: &ColumnData<'_>, other: &ColumnData<'_>, row: usize) -> usize {
    count_key(col, other.value_key(row))
}

/// `constant_column` and `almost_constant_column`. Constant in production but not in training
/// is an error (a feature stuck at one value); constant in both is info. One value in at least
/// `almost_constant_share` of production rows is a warning when that share rose significantly
/// from training (two-proportion z-test), info otherwise. Targets skip "almost constant"
/// (imbalanced labels are normal).
fn constant(
    ctx: &Ctx<'_, '_>,
    pair: &Pair<'_, '_>,
    r: &ColumnData<'_>,
    c: &ColumnData<'_>,
    stats: Option<&(NumStats, NumStats)>,
) -> Option<Finding> {
    let p = ctx.p;
    let (c_row, c_count, c_n) = top_value(c, p.almost_constant_share, stats.map(|s| &s.1))?;
    if c_n < 2 {
        return None;
    }
    let c_share = c_count as f64 / c_n as f64;
    let value = c.display(c_row);
    // The same value's share in training, and whether training is (almost) constant too.
    let k0 = count_value(r, c, c_row);
    let n0 = r.len() - stats.map_or_else(|| r.missing_count(), |s| s.0.missing);
    let r_share = if n0 == 0 { 0.0 } else { k0 as f64 / n0 as f64 };
    let r_almost = top_value(r, p.almost_constant_share, stats.map(|s| &s.0)).is_some();
    let name = pair.name;
    let f = if c_count == c_n {
        let both = n0 > 0 && k0 == n0;
        let severity = if both {
            Severity::Info
        } else if pair.role == Role::Target {
            Severity::Warning
        } else {
            Severity::Error
        };
        Finding::new(
            Check::ConstantColumn,
            severity,
            vec![name.to_string()],
            if both {
                format!(
                    "{name} has the single value {value} in training and production; it carries no information"
                )
            } else {
                format!(
                    "{name} has the single value {value} in all {c_n} production rows with a value, while training varies (that value in {} of rows)",
                    pct(r_share)
                )
            },
        )
    } else {
        if pair.role == Role::Target {
            return None;
        }
        let (z, pv, _) = two_proportion_test(c_count, c_n, k0, n0);
        let severity = if !r_almost && pv < p.alpha {
            Severity::Warning
        } else {
            Severity::Info
        };
        Finding::new(
            Check::AlmostConstantColumn,
            severity,
            vec![name.to_string()],
            format!(
                "{name} is {value} in {} of production rows (training: {})",
                pct(c_share),
                pct(r_share)
            ),
        )
        .with("z", num(z))
        .with("p_value", num(pv))
    };
    Some(
        f.with("value", value)
            .with("current_share", num(c_share))
            .with("current_count", c_count)
            .with("reference_share", num(r_share))
            .with("reference_almost_constant", r_almost),
    )
}

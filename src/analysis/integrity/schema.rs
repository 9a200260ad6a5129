//! `likely_rename`: a column new in production that matches one missing from it, by name and by
//! distribution.

use serde_json::json;

use super::columns::fmt;
use super::report::{Check, Finding, Severity, num};
use super::stats::{name_similarity, quantile_sorted};
use super::table::NULL_CODE;
use super::{ColumnData, Ctx};
use crate::vocab::{ColumnKind, Role};

/// Quantiles compared between a missing and a new column.
const QUANTILES: [f64; 5] = [0.05, 0.25, 0.5, 0.75, 0.95];

/// What a column looks like, for comparing two of them.
enum Profile {
    /// Sorted finite values (numbers, or times as µs).
    Sorted(Vec<f64>),
    /// Share of each category among non-missing values.
    Shares(Vec<(String, f64)>),
    None,
}

fn profile(c: &ColumnData<'_>) -> Profile {
    if let Some((values, valid)) = c.as_numeric() {
        let mut v: Vec<f64> = values
            .iter()
            .enumerate()
            .filter(|(i, x)| valid.is_none_or(|ok| ok[*i]) && x.is_finite())
            .map(|(_, x)| *x)
            .collect();
        v.sort_unstable_by(f64::total_cmp);
        return Profile::Sorted(v);
    }
    if let Some((micros, valid)) = c.as_datetime() {
        let mut v: Vec<f64> = micros
            .iter()
            .enumerate()
            .filter(|(i, _)| valid.is_none_or(|ok| ok[*i]))
            .map(|(_, x)| *x as f64)
            .collect();
        v.sort_unstable_by(f64::total_cmp);
        return Profile::Sorted(v);
    }
    if let Some((codes, dict)) = c.as_strings() {
        let mut counts = vec![0usize; dict.len()];
        for &code in codes {
            if code != NULL_CODE {
                counts[code as usize] += 1;
            }
        }
        let n = counts.iter().sum::<usize>().max(1) as f64;
        return Profile::Shares(
            dict.iter()
                .zip(counts)
                .map(|(s, k)| (s.to_string(), k as f64 / n))
                .collect(),
        );
    }
    Profile::None
}

fn family(k: ColumnKind) -> u8 {
    match k {
        ColumnKind::Numeric => 0,
        ColumnKind::Datetime => 1,
        ColumnKind::Categorical | ColumnKind::Boolean | ColumnKind::Text => 2,
    }
}

/// Distribution similarity in [0, 1] with its evidence. Numbers and times:
/// `0.7 · max(0, 1 − mean_q |q_cur − q_ref| / scale) + 0.3 · (range intersection / union)`
/// over the 5 %, 25 %, 50 %, 75 % and 95 % quantiles, with `scale` the larger 5–95 % spread.
/// Categories: `1 − total variation distance` of the category shares.
fn distribution_similarity(a: &Profile, b: &Profile) -> Option<(f64, serde_json::Value)> {
    match (a, b) {
        (Profile::Sorted(x), Profile::Sorted(y)) => {
            let (x0, x1) = (*x.first()?, *x.last()?);
            let (y0, y1) = (*y.first()?, *y.last()?);
            let qx: Vec<f64> = QUANTILES
                .iter()
                .filter_map(|q| quantile_sorted(x, *q))
                .collect();
            let qy: Vec<f64> = QUANTILES
                .iter()
                .filter_map(|q| quantile_sorted(y, *q))
                .collect();
            let spread = (qx[4] - qx[0]).max(qy[4] - qy[0]);
            let scale = if spread > 0.0 {
                spread
            } else {
                (x1 - x0).max(y1 - y0).max(qx[2].abs().max(1.0) * 1e-9)
            };
            let qdist = qx.iter().zip(&qy).map(|(a, b)| (a - b).abs()).sum::<f64>()
                / QUANTILES.len() as f64
                / scale;
            let union = x1.max(y1) - x0.min(y0);
            let inter = (x1.min(y1) - x0.max(y0)).max(0.0);
            let overlap = if union > 0.0 { inter / union } else { 1.0 };
            let sim = 0.7 * (1.0 - qdist).max(0.0) + 0.3 * overlap;
            Some((
                sim,
                json!({
                    "reference_range": [num(x0), num(x1)],
                    "current_range": [num(y0), num(y1)],
                    "range_overlap": num(overlap),
                    "reference_quantiles": qx.iter().map(|v| num(*v)).collect::<Vec<_>>(),
                    "current_quantiles": qy.iter().map(|v| num(*v)).collect::<Vec<_>>(),
                    "quantile_distance": num(qdist),
                }),
            ))
        }
        (Profile::Shares(x), Profile::Shares(y)) => {
            let mut tvd = 0.0;
            let mut common = 0usize;
            for (k, px) in x {
                let py = y.iter().find(|(v, _)| v == k).map_or(0.0, |(_, s)| *s);
                common += usize::from(py > 0.0 && *px > 0.0);
                tvd += (px - py).abs();
            }
            for (k, py) in y {
                if !x.iter().any(|(v, _)| v == k) {
                    tvd += py;
                }
            }
            let union = x.len() + y.len() - common;
            let sim = 1.0 - tvd / 2.0;
            Some((
                sim,
                json!({
                    "common_categories": common,
                    "category_overlap": num(if union == 0 { 1.0 } else { common as f64 / union as f64 }),
                    "total_variation": num(tvd / 2.0),
                }),
            ))
        }
        _ => None,
    }
}

/// Proposed renames, best first, each column used at most once. A pair qualifies when its
/// score `0.5 · name + 0.5 · distribution` is at least `rename_min_score`, its distribution
/// similarity at least 0.5, and either the names are alike (≥ 0.5) or the distributions
/// nearly identical (≥ 0.95).
pub(crate) fn likely_renames(ctx: &Ctx<'_, '_>) -> Vec<Finding> {
    let missing: Vec<&ColumnData<'_>> = ctx
        .pairs
        .iter()
        .filter(|p| p.current.is_none() && p.role != Role::Ignored)
        .filter_map(|p| p.reference)
        .collect();
    let new: Vec<&ColumnData<'_>> = ctx
        .pairs
        .iter()
        .filter(|p| p.reference.is_none() && p.role != Role::Ignored)
        .filter_map(|p| p.current)
        .collect();
    if missing.is_empty() || new.is_empty() {
        return Vec::new();
    }
    let missing_profiles: Vec<Profile> = missing.iter().map(|c| profile(c)).collect();
    let new_profiles: Vec<Profile> = new.iter().map(|c| profile(c)).collect();
    let mut candidates = Vec::new();
    for (i, m) in missing.iter().enumerate() {
        for (j, n) in new.iter().enumerate() {
            if family(m.kind) != family(n.kind) {
                continue;
            }
            let Some((dist, evidence)) =
                distribution_similarity(&missing_profiles[i], &new_profiles[j])
            else {
                continue;
            };
            let name = name_similarity(&m.name, &n.name);
            let score = 0.5 * name + 0.5 * dist;
            if score >= ctx.p.rename_min_score && dist >= 0.5 && (name >= 0.5 || dist >= 0.95) {
                candidates.push((score, name, dist, i, j, evidence));
            }
        }
    }
    candidates.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.3.cmp(&b.3)).then(a.4.cmp(&b.4)));
    let (mut used_m, mut used_n) = (vec![false; missing.len()], vec![false; new.len()]);
    let mut out = Vec::new();
    for (score, name_sim, dist, i, j, evidence) in candidates {
        if used_m[i] || used_n[j] {
            continue;
        }
        used_m[i] = true;
        used_n[j] = true;
        let (m, n) = (missing[i], new[j]);
        let what = match (&missing_profiles[i], evidence.get("reference_range")) {
            (Profile::Sorted(_), Some(_)) => {
                let range = |k: &str| {
                    evidence[k]
                        .as_array()
                        .map(|a| {
                            let v: Vec<String> = a
                                .iter()
                                .map(|x| x.as_f64().map_or(String::new(), fmt))
                                .collect();
                            format!("[{}]", v.join(", "))
                        })
                        .unwrap_or_default()
                };
                format!(
                    "ranges {} and {}",
                    range("reference_range"),
                    range("current_range")
                )
            }
            _ => format!(
                "{} categories in common",
                evidence["common_categories"].as_u64().unwrap_or(0)
            ),
        };
        out.push(
            Finding::new(
                Check::LikelyRename,
                Severity::Warning,
                vec![n.name.clone(), m.name.clone()],
                format!(
                    "{} (new in production) looks like training's {} renamed: names {:.0} % alike, distributions {:.0} % alike ({}, {what})",
                    n.name,
                    m.name,
                    name_sim * 100.0,
                    dist * 100.0,
                    m.kind.name()
                ),
            )
            .with("current", n.name.as_str())
            .with("reference", m.name.as_str())
            .with("score", num(score))
            .with("name_similarity", num(name_sim))
            .with("distribution_similarity", num(dist))
            .with("kind", m.kind.name())
            .with("evidence", evidence),
        );
    }
    out
}

/// Point the missing and new column findings at the proposed rename.
pub(crate) fn annotate(findings: &mut [Finding]) {
    let renames: Vec<(String, String)> = findings
        .iter()
        .filter(|f| f.check == Check::LikelyRename && f.columns.len() == 2)
        .map(|f| (f.columns[0].clone(), f.columns[1].clone()))
        .collect();
    for f in findings.iter_mut() {
        let Some(col) = f.columns.first() else {
            continue;
        };
        match f.check {
            Check::MissingColumn => {
                if let Some((new, _)) = renames.iter().find(|(_, old)| old == col) {
                    f.message.push_str(&format!("; probably renamed to {new}"));
                    f.details
                        .insert("likely_renamed_to".into(), new.as_str().into());
                }
            }
            Check::NewColumn => {
                if let Some((_, old)) = renames.iter().find(|(new, _)| new == col) {
                    f.message
                        .push_str(&format!("; probably training's {old} renamed"));
                    f.details
                        .insert("likely_renamed_from".into(), old.as_str().into());
                }
            }
            _ => {}
        }
    }
}

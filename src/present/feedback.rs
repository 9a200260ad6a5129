//! The feedback-loop outcome for pipelines (JSON) and people (a text table). `sextant
//! feedback`, the report's Health section and the window read the same outcome.
//!
//! JSON contract (keys may be added, never removed): `{"windows_by", "time", "score",
//! "served", "features", "max_lag", "alpha", "correction", "baseline_windows", "windows":
//! [{"label", "start", "rows", "served_rows", "holdout_rows"}], "unassigned_rows", "granger":
//! [{"feature", "lag", "f_statistic", "p_value", "adjusted_p_value", "df_num", "df_denom"}],
//! "holdout_granger": [same], "cross_correlation": [{"feature", "lag", "correlation"}],
//! "served_vs_holdout": [{"feature", "window", "served_score", "holdout_score",
//! "between_score", "method", "threshold", "served_drifted", "holdout_drifted",
//! "between_drifted", "footprint", "served_rows", "holdout_rows"}], "verdict": {"loop",
//! "feature", "lag", "p_value", "holdout_p_value", "sentence"}, "means": [{"column", "served",
//! "holdout"}], "notes", "feature_series": [{"feature", "series"}]}` ("series" is "mean", or
//! "share of 'X'" for a category column: the share of its most frequent category). `lag` of a Granger row is the test's order (the score's lags 1…lag
//! together); `cross_correlation` lag k is corr(feature k windows later, score now); window
//! starts are ISO-8601 (UTC).

use serde::Serialize;
use serde_json::Value;

use crate::analysis::feedback::{CrossCorrelation, GrangerRow};
use crate::engine::feedback::FeedbackOutcome;
use crate::format::{fmt_num, fmt_p};
use crate::present::json::{number, opt_number};
use crate::present::table::TextTable;
use crate::vocab::time::format_iso;

#[derive(Serialize)]
struct DocJson<'a> {
    windows_by: String,
    time: &'a str,
    score: &'a str,
    served: Option<&'a str>,
    features: &'a [String],
    max_lag: usize,
    alpha: Value,
    correction: &'a crate::analysis::experiment::multiple::Correction,
    baseline_windows: usize,
    windows: Vec<WindowJson<'a>>,
    unassigned_rows: usize,
    granger: Vec<GrangerJson<'a>>,
    holdout_granger: Vec<GrangerJson<'a>>,
    cross_correlation: Vec<CcfJson<'a>>,
    served_vs_holdout: Vec<FootprintJson<'a>>,
    verdict: VerdictJson<'a>,
    means: Vec<MeansJson<'a>>,
    notes: &'a [String],
    /// What each feature's window series is (added after `notes`: keys are only added).
    feature_series: Vec<SeriesJson<'a>>,
}

#[derive(Serialize)]
struct SeriesJson<'a> {
    feature: &'a str,
    /// "mean", or "share of 'X'" for a category column.
    series: &'a str,
}

#[derive(Serialize)]
struct WindowJson<'a> {
    label: &'a str,
    start: Option<String>,
    rows: usize,
    served_rows: usize,
    holdout_rows: usize,
}

#[derive(Serialize)]
struct GrangerJson<'a> {
    feature: &'a str,
    lag: usize,
    f_statistic: Value,
    p_value: Value,
    adjusted_p_value: Value,
    df_num: usize,
    df_denom: usize,
}

#[derive(Serialize)]
struct CcfJson<'a> {
    feature: &'a str,
    lag: usize,
    correlation: Value,
}

#[derive(Serialize)]
struct FootprintJson<'a> {
    feature: &'a str,
    window: &'a str,
    served_score: Value,
    holdout_score: Value,
    between_score: Value,
    method: Option<&'static str>,
    threshold: Value,
    served_drifted: bool,
    holdout_drifted: bool,
    between_drifted: bool,
    footprint: bool,
    served_rows: usize,
    holdout_rows: usize,
}

#[derive(Serialize)]
struct VerdictJson<'a> {
    #[serde(rename = "loop")]
    found: bool,
    feature: Option<&'a str>,
    lag: Option<usize>,
    p_value: Value,
    holdout_p_value: Value,
    sentence: &'a str,
}

#[derive(Serialize)]
struct MeansJson<'a> {
    column: &'a str,
    served: Vec<Value>,
    holdout: Vec<Value>,
}

fn granger_json(rows: &[GrangerRow]) -> Vec<GrangerJson<'_>> {
    rows.iter()
        .map(|g| GrangerJson {
            feature: &g.feature,
            lag: g.lag,
            f_statistic: number(g.f_statistic),
            p_value: number(g.p_value),
            adjusted_p_value: number(g.adjusted_p_value),
            df_num: g.df_num,
            df_denom: g.df_denom,
        })
        .collect()
}

fn ccf_json(rows: &[CrossCorrelation]) -> Vec<CcfJson<'_>> {
    rows.iter()
        .map(|c| CcfJson {
            feature: &c.feature,
            lag: c.lag,
            correlation: number(c.correlation),
        })
        .collect()
}

/// The outcome as the JSON contract (see the module documentation).
pub fn to_json(o: &FeedbackOutcome) -> Value {
    let label = |w: usize| o.windows.get(w).map_or("", |w| w.label.as_str());
    let v = &o.report.verdict;
    let doc = DocJson {
        windows_by: o.spec.to_string(),
        time: &o.time,
        score: &o.score,
        served: o.served.as_deref(),
        features: &o.features,
        max_lag: o.max_lag,
        alpha: number(o.alpha),
        correction: &o.correction,
        baseline_windows: o.baseline,
        windows: o
            .windows
            .iter()
            .map(|w| WindowJson {
                label: &w.label,
                start: w.start.map(format_iso),
                rows: w.rows,
                served_rows: w.served_rows,
                holdout_rows: w.holdout_rows,
            })
            .collect(),
        unassigned_rows: o.unassigned_rows,
        granger: granger_json(&o.report.granger),
        holdout_granger: granger_json(&o.report.holdout_granger),
        cross_correlation: ccf_json(&o.report.cross_correlation),
        served_vs_holdout: o
            .served_vs_holdout
            .iter()
            .map(|f| FootprintJson {
                feature: &f.feature,
                window: label(f.window),
                served_score: opt_number(f.served_score),
                holdout_score: opt_number(f.holdout_score),
                between_score: opt_number(f.between_score),
                method: f.method.map(|m| m.name()),
                threshold: opt_number(f.threshold),
                served_drifted: f.served_drifted,
                holdout_drifted: f.holdout_drifted,
                between_drifted: f.between_drifted,
                footprint: f.footprint(),
                served_rows: f.served_rows,
                holdout_rows: f.holdout_rows,
            })
            .collect(),
        verdict: VerdictJson {
            found: v.found,
            feature: v.feature.as_deref(),
            lag: v.lag,
            p_value: opt_number(v.p_value),
            holdout_p_value: opt_number(v.holdout_p_value),
            sentence: &v.sentence,
        },
        means: o
            .means
            .iter()
            .map(|m| MeansJson {
                column: &m.column,
                served: m.served.iter().map(|x| opt_number(*x)).collect(),
                holdout: m.holdout.iter().map(|x| opt_number(*x)).collect(),
            })
            .collect(),
        notes: &o.notes,
        feature_series: o
            .features
            .iter()
            .zip(&o.series)
            .map(|(feature, series)| SeriesJson { feature, series })
            .collect(),
    };
    serde_json::to_value(&doc).unwrap_or(Value::Null)
}

/// Per feature: the shown Granger order ([`best_order`]) in the served rows and the same
/// order in the holdout, the cross-correlation peak, and the windows of footprint.
pub struct FeatureSummary<'a> {
    pub feature: &'a str,
    pub best: Option<&'a GrangerRow>,
    pub holdout: Option<&'a GrangerRow>,
    /// (lag, correlation) with the largest |correlation| over lags 1…K.
    pub ccf_peak: Option<(usize, f64)>,
    /// Windows where the served group drifted and the holdout did not, of those tested.
    pub footprint_windows: usize,
    pub tested_windows: usize,
}

/// The order a feature's row shows: the smallest significant one (adjusted p ≤ α), else the
/// one with the smallest adjusted p — the verdict's rule.
pub fn best_order<'a>(rows: &'a [GrangerRow], feature: &str, alpha: f64) -> Option<&'a GrangerRow> {
    let mine = rows.iter().filter(|g| g.feature == feature);
    mine.clone()
        .filter(|g| g.adjusted_p_value <= alpha)
        .min_by_key(|g| g.lag)
        .or_else(|| mine.min_by(|a, b| a.adjusted_p_value.total_cmp(&b.adjusted_p_value)))
}

/// One summary per feature, in the outcome's feature order.
pub fn summaries(o: &FeedbackOutcome) -> Vec<FeatureSummary<'_>> {
    o.features
        .iter()
        .map(|f| {
            let best = best_order(&o.report.granger, f, o.alpha);
            let holdout = best.and_then(|b| {
                o.report
                    .holdout_granger
                    .iter()
                    .find(|g| &g.feature == f && g.lag == b.lag)
            });
            let ccf_peak = o
                .report
                .cross_correlation
                .iter()
                .filter(|c| &c.feature == f && c.lag > 0)
                .max_by(|a, b| a.correlation.abs().total_cmp(&b.correlation.abs()))
                .map(|c| (c.lag, c.correlation));
            let mine = o.served_vs_holdout.iter().filter(|w| &w.feature == f);
            FeatureSummary {
                feature: f,
                best,
                holdout,
                ccf_peak,
                footprint_windows: mine.clone().filter(|w| w.footprint()).count(),
                tested_windows: mine.filter(|w| w.served_score.is_some()).count(),
            }
        })
        .collect()
}

/// The correction as people say it.
pub fn correction_name(c: crate::analysis::experiment::multiple::Correction) -> &'static str {
    use crate::analysis::experiment::multiple::Correction;
    match c {
        Correction::None => "no",
        Correction::Holm => "Holm",
        Correction::BenjaminiHochberg => "Benjamini-Hochberg",
    }
}

/// The outcome for people: one row per feature, the verdict, the notes.
pub fn to_table(o: &FeedbackOutcome) -> String {
    let mut out = format!(
        "Feedback loops: {} windows by {}, score \"{}\", {}; Granger orders 1..{}, {} correction.\n\n",
        o.windows.len(),
        o.spec,
        o.score,
        match &o.served {
            Some(s) => format!("served flag \"{s}\""),
            None => "no served flag".into(),
        },
        o.max_lag,
        correction_name(o.correction)
    );
    let mut t = TextTable::new(
        &[
            "feature",
            "best lag",
            "F",
            "p",
            "adjusted p",
            "holdout p",
            "ccf peak",
            "footprint windows",
        ],
        &[false, true, true, true, true, true, true, true],
    );
    for s in summaries(o) {
        let dash = || "-".to_string();
        t.row(vec![
            s.feature.to_string(),
            s.best.map_or_else(dash, |b| b.lag.to_string()),
            s.best.map_or_else(dash, |b| fmt_num(b.f_statistic)),
            s.best.map_or_else(dash, |b| fmt_p(b.p_value)),
            s.best.map_or_else(dash, |b| fmt_p(b.adjusted_p_value)),
            s.holdout.map_or_else(dash, |h| fmt_p(h.adjusted_p_value)),
            s.ccf_peak
                .map_or_else(dash, |(l, c)| format!("{} at lag {l}", fmt_num(c))),
            if o.served.is_some() {
                format!("{} of {}", s.footprint_windows, s.tested_windows)
            } else {
                dash()
            },
        ]);
    }
    out.push_str(&t.render());
    // Category columns are tested through one number per window: say which.
    for (f, series) in o.features.iter().zip(&o.series) {
        if series != "mean" {
            out.push_str(&format!("{f}: its window series is the {series}\n"));
        }
    }
    out.push_str(&format!("\nVerdict: {}\n", o.report.verdict.sentence));
    for n in &o.notes {
        out.push_str(&format!("Note: {n}\n"));
    }
    out
}

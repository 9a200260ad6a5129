//! `sextant compare`'s output: the JSON contract (keys are never removed) and the table.
//!
//! JSON: `{"file", "target", "rows", "rows_used", "rows_dropped", "positives", "negatives",
//! "threshold", "alpha", "champion": {"column", "roc_auc", "accuracy", "log_loss",
//! "predicted_positive", "roc_curve": {"fpr", "tpr", "thresholds", "points_total"}},
//! "challenger": {…}, "differences": {"roc_auc", "accuracy", "log_loss"}, "delong": {"difference", "z", "p_value", "variance", "ci_low",
//! "ci_high", "error"}, "mcnemar": {"table", "b", "c", "exact_statistic", "exact_p_value",
//! "chi2", "chi2_p_value"}, "bootstrap": {"method", "resamples", "resamples_used",
//! "auc_resamples", "auc_resamples_used", "seed", "confidence", "log_loss_difference",
//! "accuracy_difference", "roc_auc_difference"}, "verdict": {"decision", "winner",
//! "roc_auc_favours", "log_loss_favours", "rule"}, "winner"}`. Every difference is
//! challenger − champion; an interval is `{"estimate", "ci_low", "ci_high", "std_error"}` or
//! null; the first ROC threshold is "Infinity".

use serde::Serialize;
use serde_json::Value;

use crate::analysis::experiment::offline::{Decision, Interval, Model};
use crate::engine::compare::{CompareOutcome, ModelOutcome};
use crate::format::{fmt_num, fmt_p};
use crate::present::json::{number, ser_number, ser_opt_number, to_value};
use crate::present::table::TextTable;

/// The verdict's rule, in words (the JSON carries it so a pipeline's log says what decided).
pub const RULE: &str = "the challenger wins when DeLong's test of the ROC AUC (p < alpha) or the bootstrap interval of the log-loss difference (excluding 0) favours it and the other does not favour the champion; the champion likewise; mixed when they disagree";

#[derive(Serialize)]
struct Json<'a> {
    file: &'a str,
    target: &'a str,
    rows: usize,
    rows_used: usize,
    rows_dropped: usize,
    positives: u64,
    negatives: u64,
    #[serde(serialize_with = "ser_number")]
    threshold: f64,
    #[serde(serialize_with = "ser_number")]
    alpha: f64,
    champion: ModelJson<'a>,
    challenger: ModelJson<'a>,
    /// Challenger − champion on all rows.
    differences: DifferencesJson,
    delong: Delong<'a>,
    mcnemar: McNemar,
    bootstrap: Bootstrap,
    verdict: VerdictJson,
    winner: Option<Model>,
}

#[derive(Serialize)]
struct Curve {
    fpr: Vec<Value>,
    tpr: Vec<Value>,
    thresholds: Vec<Value>,
    points_total: usize,
}

#[derive(Serialize)]
struct ModelJson<'a> {
    column: &'a str,
    #[serde(serialize_with = "ser_number")]
    roc_auc: f64,
    #[serde(serialize_with = "ser_number")]
    accuracy: f64,
    #[serde(serialize_with = "ser_number")]
    log_loss: f64,
    predicted_positive: u64,
    roc_curve: Curve,
}

fn values(v: &[f64]) -> Vec<Value> {
    v.iter().map(|&x| number(x)).collect()
}

impl<'a> From<&'a ModelOutcome> for ModelJson<'a> {
    fn from(m: &'a ModelOutcome) -> Self {
        Self {
            column: &m.column,
            roc_auc: m.metrics.roc_auc,
            accuracy: m.metrics.accuracy,
            log_loss: m.metrics.log_loss,
            predicted_positive: m.metrics.predicted_positive,
            roc_curve: Curve {
                fpr: values(&m.roc.fpr),
                tpr: values(&m.roc.tpr),
                thresholds: values(&m.roc.thresholds),
                points_total: m.roc_points_total,
            },
        }
    }
}

#[derive(Serialize)]
struct DifferencesJson {
    #[serde(serialize_with = "ser_number")]
    roc_auc: f64,
    #[serde(serialize_with = "ser_number")]
    accuracy: f64,
    #[serde(serialize_with = "ser_number")]
    log_loss: f64,
}

#[derive(Serialize)]
struct Delong<'a> {
    #[serde(serialize_with = "ser_number")]
    difference: f64,
    #[serde(serialize_with = "ser_opt_number")]
    z: Option<f64>,
    #[serde(serialize_with = "ser_opt_number")]
    p_value: Option<f64>,
    #[serde(serialize_with = "ser_opt_number")]
    variance: Option<f64>,
    #[serde(serialize_with = "ser_opt_number")]
    ci_low: Option<f64>,
    #[serde(serialize_with = "ser_opt_number")]
    ci_high: Option<f64>,
    /// Why the test is undefined, when it is.
    error: Option<&'a str>,
}

#[derive(Serialize)]
struct McNemar {
    /// [[both right, only the champion right], [only the challenger right, both wrong]].
    table: [[u64; 2]; 2],
    b: u64,
    c: u64,
    #[serde(serialize_with = "ser_number")]
    exact_statistic: f64,
    #[serde(serialize_with = "ser_number")]
    exact_p_value: f64,
    #[serde(serialize_with = "ser_opt_number")]
    chi2: Option<f64>,
    #[serde(serialize_with = "ser_opt_number")]
    chi2_p_value: Option<f64>,
}

#[derive(Serialize)]
struct IntervalJson {
    #[serde(serialize_with = "ser_number")]
    estimate: f64,
    #[serde(serialize_with = "ser_number")]
    ci_low: f64,
    #[serde(serialize_with = "ser_number")]
    ci_high: f64,
    #[serde(serialize_with = "ser_number")]
    std_error: f64,
}

impl From<&Interval> for IntervalJson {
    fn from(i: &Interval) -> Self {
        Self {
            estimate: i.estimate,
            ci_low: i.ci_low,
            ci_high: i.ci_high,
            std_error: i.std_error,
        }
    }
}

#[derive(Serialize)]
struct Bootstrap {
    /// Each row drawn Poisson(1) times, the same draws for both models.
    method: &'static str,
    resamples: usize,
    resamples_used: usize,
    auc_resamples: usize,
    auc_resamples_used: usize,
    seed: u64,
    #[serde(serialize_with = "ser_number")]
    confidence: f64,
    log_loss_difference: Option<IntervalJson>,
    accuracy_difference: Option<IntervalJson>,
    roc_auc_difference: Option<IntervalJson>,
}

#[derive(Serialize)]
struct VerdictJson {
    decision: Decision,
    winner: Option<Model>,
    roc_auc_favours: Option<Model>,
    log_loss_favours: Option<Model>,
    rule: &'static str,
}

/// The JSON of `sextant compare`.
pub fn to_json(file: &str, o: &CompareOutcome) -> Value {
    let m = &o.mcnemar;
    let b = &o.bootstrap;
    to_value(&Json {
        file,
        target: &o.target,
        rows: o.rows,
        rows_used: o.rows_used,
        rows_dropped: o.rows_dropped,
        positives: o.positives,
        negatives: o.negatives,
        threshold: o.threshold,
        alpha: o.alpha,
        champion: (&o.champion).into(),
        challenger: (&o.challenger).into(),
        differences: DifferencesJson {
            roc_auc: o.differences.roc_auc,
            accuracy: o.differences.accuracy,
            log_loss: o.differences.log_loss,
        },
        delong: Delong {
            difference: o.differences.roc_auc,
            z: o.delong.map(|d| d.z),
            p_value: o.delong.map(|d| d.p_value),
            variance: o.delong.map(|d| d.variance),
            ci_low: o.delong.map(|d| d.ci_low),
            ci_high: o.delong.map(|d| d.ci_high),
            error: o.delong_error.as_deref(),
        },
        mcnemar: McNemar {
            table: m.table,
            b: m.test.b,
            c: m.test.c,
            exact_statistic: m.test.exact_statistic,
            exact_p_value: m.test.exact_p_value,
            chi2: m.test.chi2,
            chi2_p_value: m.test.chi2_p_value,
        },
        bootstrap: Bootstrap {
            method: "poisson",
            resamples: b.resamples,
            resamples_used: b.resamples_used,
            auc_resamples: b.auc_resamples,
            auc_resamples_used: b.auc_resamples_used,
            seed: b.seed,
            confidence: b.confidence,
            log_loss_difference: b.log_loss_difference.as_ref().map(Into::into),
            accuracy_difference: b.accuracy_difference.as_ref().map(Into::into),
            roc_auc_difference: b.roc_auc_difference.as_ref().map(Into::into),
        },
        verdict: VerdictJson {
            decision: o.verdict.decision,
            winner: o.verdict.winner,
            roc_auc_favours: o.verdict.roc_auc_favours,
            log_loss_favours: o.verdict.log_loss_favours,
            rule: RULE,
        },
        winner: o.verdict.winner,
    })
}

fn signed(v: f64) -> String {
    format!("{v:+.4}")
}

fn range(low: f64, high: f64) -> String {
    format!("{} … {}", signed(low), signed(high))
}

fn model_word(m: Model) -> &'static str {
    match m {
        Model::Champion => "champion",
        Model::Challenger => "challenger",
    }
}

/// The table of `sextant compare`: the rows used, one line per model and the differences with
/// their intervals, the tests, the bootstrap and the verdict.
pub fn to_table(file: &str, o: &CompareOutcome) -> String {
    let mut out = format!(
        "{file}: {} rows, {} used ({} dropped for a missing value), {} positive · threshold {} · α = {}\n",
        o.rows,
        o.rows_used,
        o.rows_dropped,
        o.positives,
        fmt_num(o.threshold),
        fmt_num(o.alpha)
    );
    let confidence = format!("{} % interval", fmt_num(o.bootstrap.confidence * 100.0));
    let mut t = TextTable::new(
        &["model", "column", "ROC AUC", "accuracy", "log loss"],
        &[false, false, true, true, true],
    );
    for (name, m) in [("champion", &o.champion), ("challenger", &o.challenger)] {
        t.row(vec![
            name.to_string(),
            m.column.clone(),
            format!("{:.4}", m.metrics.roc_auc),
            format!("{:.4}", m.metrics.accuracy),
            format!("{:.4}", m.metrics.log_loss),
        ]);
    }
    let b = &o.bootstrap;
    let boot = |i: &Option<Interval>| i.map_or("—".to_string(), |i| range(i.ci_low, i.ci_high));
    t.row(vec![
        "challenger − champion".into(),
        String::new(),
        signed(o.differences.roc_auc),
        signed(o.differences.accuracy),
        signed(o.differences.log_loss),
    ]);
    t.row(vec![
        confidence,
        String::new(),
        o.delong
            .map_or("—".to_string(), |d| range(d.ci_low, d.ci_high)),
        boot(&b.accuracy_difference),
        boot(&b.log_loss_difference),
    ]);
    out.push_str(&t.render());
    match (&o.delong, &o.delong_error) {
        (Some(d), _) => out.push_str(&format!(
            "DeLong (ROC AUC): z = {:.3}, p = {}\n",
            d.z,
            fmt_p(d.p_value)
        )),
        (None, Some(e)) => out.push_str(&format!("DeLong (ROC AUC): not computed ({e})\n")),
        (None, None) => {}
    }
    let m = &o.mcnemar.test;
    out.push_str(&format!(
        "McNemar (decisions at {}): only the champion right {}, only the challenger right {}, exact p = {}{}\n",
        fmt_num(o.threshold),
        m.b,
        m.c,
        fmt_p(m.exact_p_value),
        match (m.chi2, m.chi2_p_value) {
            (Some(x), Some(p)) => format!(", χ² = {} (p = {})", fmt_num(x), fmt_p(p)),
            _ => String::new(),
        }
    ));
    out.push_str(&format!(
        "Bootstrap: {} of {} Poisson resamples (seed {}){}\n",
        b.resamples_used,
        b.resamples,
        b.seed,
        match (&b.roc_auc_difference, b.auc_resamples) {
            (_, 0) => ", no AUC resamples".to_string(),
            (Some(i), _) => format!(
                "; ROC AUC on {} of them: {}",
                b.auc_resamples_used,
                range(i.ci_low, i.ci_high)
            ),
            (None, k) => format!("; ROC AUC on {k}: too few had both classes"),
        }
    ));
    let v = &o.verdict;
    let evidence: Vec<String> = [
        v.roc_auc_favours.map(|w| {
            format!(
                "ROC AUC favours the {} (DeLong p = {})",
                model_word(w),
                o.delong.map_or("?".into(), |d| fmt_p(d.p_value))
            )
        }),
        v.log_loss_favours.map(|w| {
            format!(
                "log loss favours the {} (interval excludes 0)",
                model_word(w)
            )
        }),
    ]
    .into_iter()
    .flatten()
    .collect();
    let head = match v.decision {
        Decision::Challenger => "the challenger wins",
        Decision::Champion => "the champion wins",
        Decision::Mixed => "mixed",
        Decision::NoSignificantDifference => "no significant difference",
    };
    out.push_str(&format!(
        "Verdict: {head}{}\n",
        if evidence.is_empty() {
            String::new()
        } else {
            format!(": {}", evidence.join("; "))
        }
    ));
    out
}

//! The retraining backtest for pipelines (JSON), people (a text table) and row-by-row checks
//! (the predictions CSV).
//!
//! JSON contract (keys may be added, never removed): `{"protocol": {"target", "time",
//! "labels", "windows", "origin", "first_window", "cost", "features", "encoded_columns",
//! "reference_rows", "current_rows", "excluded_rows", "drift_share", "steps": [...]}, "runs":
//! [{"policy", "mode", "windows": [{"start", "end", "rows", "labelled", "accuracy", "roc_auc",
//! "log_loss", "model_version"}], "retrains": [{"at", "trigger", "train_start", "train_end",
//! "rows", "model_rows", "version", "skipped", "evidence", "before": {"accuracy", "roc_auc",
//! "log_loss"}, "after": {…}}], "retrain_count", "sum_window_log_loss", "total_cost"}], "best":
//! {"policy", "mode", "total_cost"}, "frontier": [{"policy", "mode", "retrain_count",
//! "sum_window_log_loss"}], "kappa_what_if": [{"from", "to", "policy", "mode"}],
//! "delay_what_if": [{"label_delay", "policy", "mode", "retrain_count", "sum_window_log_loss",
//! "total_cost"}], "notes": [...], "detector_alarms": [{"detector", "at", "row"}]}` (the
//! Health tab's ADWIN, DDM and Page-Hinkley alarms on the deployed model's errors). Times are ISO-8601 (UTC); metrics without labelled rows
//! (or ROC AUC with one class) are null.

use serde::Serialize;
use serde_json::Value;

use crate::analysis::retrain::policy::{MIN_NEW_LABELS, PSI_BINS, PSI_DRIFT};
use crate::analysis::retrain::{Metrics, RunReport, Trigger};
use crate::engine::retrain::{ProgressiveOutcome, RetrainOutcome};
use crate::format::fmt_num;
use crate::present::json::{opt_number, to_value};
use crate::present::table::TextTable;
use crate::vocab::time::{format_iso, format_micros};

#[derive(Serialize)]
struct Json {
    protocol: Value,
    runs: Vec<RunJson>,
    best: Value,
    frontier: Vec<Value>,
    kappa_what_if: Vec<Value>,
    delay_what_if: Vec<Value>,
    notes: Vec<String>,
    /// The Health tab's ADWIN/DDM/Page-Hinkley alarms on the deployed model's error stream:
    /// `{"detector", "at", "row"}` in time order (added after `notes`: keys are only added).
    detector_alarms: Vec<Value>,
}

#[derive(Serialize)]
struct RunJson {
    policy: String,
    mode: String,
    windows: Vec<WindowJson>,
    retrains: Vec<RetrainJson>,
    retrain_count: usize,
    sum_window_log_loss: Value,
    total_cost: Value,
}

#[derive(Serialize)]
struct WindowJson {
    start: String,
    end: String,
    rows: usize,
    labelled: usize,
    accuracy: Value,
    roc_auc: Value,
    log_loss: Value,
    model_version: u32,
}

#[derive(Serialize)]
struct RetrainJson {
    at: String,
    trigger: &'static str,
    train_start: Option<String>,
    train_end: Option<String>,
    rows: usize,
    model_rows: usize,
    version: Option<u32>,
    skipped: Option<String>,
    evidence: String,
    before: Value,
    after: Value,
}

fn trigger_name(t: Trigger) -> &'static str {
    match t {
        Trigger::Schedule => "schedule",
        Trigger::DetectorAlarm => "detector_alarm",
        Trigger::Floor => "floor",
        Trigger::DriftShare => "drift_share",
    }
}

fn metrics(m: &Option<Metrics>) -> Value {
    match m {
        None => Value::Null,
        Some(m) => serde_json::json!({
            "accuracy": opt_number(m.accuracy),
            "roc_auc": opt_number(m.roc_auc),
            "log_loss": opt_number(m.log_loss),
        }),
    }
}

fn run_json(r: &RunReport) -> RunJson {
    RunJson {
        policy: r.policy.to_string(),
        mode: r.mode.to_string(),
        windows: r
            .windows
            .iter()
            .map(|w| WindowJson {
                start: format_iso(w.start),
                end: format_iso(w.end),
                rows: w.rows,
                labelled: w.labelled,
                accuracy: opt_number(w.accuracy),
                roc_auc: opt_number(w.roc_auc),
                log_loss: opt_number(w.log_loss),
                model_version: w.model_version,
            })
            .collect(),
        retrains: r
            .retrains
            .iter()
            .map(|t| RetrainJson {
                at: format_iso(t.at),
                trigger: trigger_name(t.trigger),
                train_start: t.train_start.map(format_iso),
                train_end: t.train_end.map(format_iso),
                rows: t.rows,
                model_rows: t.model_rows,
                version: t.version,
                skipped: t.skipped.clone(),
                evidence: t.evidence.clone(),
                before: metrics(&t.before),
                after: metrics(&t.after),
            })
            .collect(),
        retrain_count: r.retrain_count,
        sum_window_log_loss: opt_number(Some(r.sum_window_log_loss)),
        total_cost: opt_number(Some(r.total_cost)),
    }
}

fn run_key(o: &RetrainOutcome, i: usize) -> (String, String) {
    (o.runs[i].policy.to_string(), o.runs[i].mode.to_string())
}

/// The JSON document of `retrain`.
pub fn to_json(o: &RetrainOutcome) -> Value {
    let p = &o.protocol;
    let protocol = serde_json::json!({
        "target": p.target,
        "time": p.time,
        "labels": p.labels,
        "windows": p.windows.name(),
        "origin": format_iso(p.origin),
        "first_window": format_iso(p.first_window),
        "cost": p.cost,
        "features": p.features,
        "encoded_columns": p.encoded_columns,
        "reference_rows": p.reference_rows,
        "current_rows": p.current_rows,
        "excluded_rows": p.excluded_rows,
        "drift_share": format!(
            "share of features whose PSI ({PSI_BINS} quantile bins of the current model's training rows; categories: one bin per training level plus one for any other) between the model's training rows and New_w exceeds {PSI_DRIFT}; needs at least {MIN_NEW_LABELS} rows in New_w"
        ),
        "steps": p.steps,
    });
    let best = match o.best {
        Some(b) => {
            let (policy, mode) = run_key(o, b);
            serde_json::json!({"policy": policy, "mode": mode, "total_cost": opt_number(Some(o.runs[b].total_cost))})
        }
        None => Value::Null,
    };
    let json = Json {
        protocol,
        runs: o.runs.iter().map(run_json).collect(),
        best,
        frontier: o
            .frontier
            .iter()
            .map(|&i| {
                let (policy, mode) = run_key(o, i);
                serde_json::json!({
                    "policy": policy, "mode": mode,
                    "retrain_count": o.runs[i].retrain_count,
                    "sum_window_log_loss": opt_number(Some(o.runs[i].sum_window_log_loss)),
                })
            })
            .collect(),
        kappa_what_if: o
            .kappa_what_if
            .iter()
            .map(|s| {
                let (policy, mode) = run_key(o, s.run);
                serde_json::json!({"from": s.from, "to": s.to, "policy": policy, "mode": mode})
            })
            .collect(),
        delay_what_if: o
            .delay_what_if
            .iter()
            .map(|d| {
                serde_json::json!({
                    "label_delay": d.label_delay,
                    "policy": d.policy.to_string(), "mode": d.mode.to_string(),
                    "retrain_count": d.retrain_count,
                    "sum_window_log_loss": opt_number(Some(d.sum_window_log_loss)),
                    "total_cost": opt_number(Some(d.total_cost)),
                })
            })
            .collect(),
        notes: o.notes.clone(),
        detector_alarms: o
            .detector_alarms
            .iter()
            .map(|a| serde_json::json!({"detector": a.detector, "at": format_iso(a.at), "row": a.row}))
            .collect(),
    };
    to_value(&json)
}

fn mean(v: impl Iterator<Item = Option<f64>>) -> Option<f64> {
    let (s, n) = v.flatten().fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    (n > 0).then(|| s / n as f64)
}

fn cell(v: Option<f64>) -> String {
    v.map_or_else(|| "-".into(), fmt_num)
}

/// The text table of `retrain`.
pub fn to_table(o: &RetrainOutcome) -> String {
    let p = &o.protocol;
    let mut out = format!(
        "Retraining backtest with a stand-in model Sextant trains itself (logistic regression), not your model\n\
         {} rows of training and {} of production ({} left out); target {}, time {}, labels at {}\n\
         windows of one {} from {}; first production window {}; cost of a retrain (kappa) {}\n\
         features: {}\n\n",
        p.reference_rows,
        p.current_rows,
        p.excluded_rows,
        p.target,
        p.time,
        p.labels,
        p.windows.name(),
        format_micros(p.origin),
        format_micros(p.first_window),
        fmt_num(p.cost),
        p.features.join(", "),
    );
    let mut t = TextTable::new(
        &[
            "policy",
            "mode",
            "retrains",
            "mean accuracy",
            "mean ROC AUC",
            "sum log loss",
            "total cost",
            "",
        ],
        &[false, false, true, true, true, true, true, false],
    );
    for (i, r) in o.runs.iter().enumerate() {
        t.row(vec![
            r.policy.to_string(),
            r.mode.to_string(),
            r.retrain_count.to_string(),
            cell(mean(r.windows.iter().map(|w| w.accuracy))),
            cell(mean(r.windows.iter().map(|w| w.roc_auc))),
            fmt_num(r.sum_window_log_loss),
            fmt_num(r.total_cost),
            if o.best == Some(i) {
                "best".into()
            } else if o.frontier.contains(&i) {
                "frontier".into()
            } else {
                String::new()
            },
        ]);
    }
    out.push_str(&t.render());
    if !o.kappa_what_if.is_empty() {
        out.push_str("\nBest as the cost of a retrain grows:\n");
        for s in &o.kappa_what_if {
            let (policy, mode) = run_key(o, s.run);
            let to =
                s.to.map_or_else(|| "on".into(), |k| format!("to {}", fmt_num(k)));
            out.push_str(&format!(
                "  kappa {} {to}: {policy} {mode}\n",
                fmt_num(s.from)
            ));
        }
    }
    if !o.delay_what_if.is_empty() {
        out.push_str("\nBest if labels arrived after:\n");
        for d in &o.delay_what_if {
            out.push_str(&format!(
                "  {}: {} {} ({} retrains, total cost {})\n",
                d.label_delay,
                d.policy,
                d.mode,
                d.retrain_count,
                fmt_num(d.total_cost)
            ));
        }
    }
    if let Some(b) = o.best {
        let r = &o.runs[b];
        if !r.retrains.is_empty() {
            out.push_str(&format!(
                "\nRetrains of the best run ({} {}):\n",
                r.policy, r.mode
            ));
            let mut t = TextTable::new(
                &[
                    "at",
                    "trigger",
                    "training rows",
                    "from",
                    "to",
                    "log loss before",
                    "after",
                ],
                &[false, false, true, false, false, true, true],
            );
            for x in &r.retrains {
                t.row(vec![
                    format_micros(x.at),
                    match &x.skipped {
                        Some(s) => format!("{} (skipped: {s})", trigger_name(x.trigger)),
                        None => trigger_name(x.trigger).into(),
                    },
                    x.rows.to_string(),
                    x.train_start.map(format_micros).unwrap_or_default(),
                    x.train_end.map(format_micros).unwrap_or_default(),
                    cell(x.before.and_then(|m| m.log_loss)),
                    cell(x.after.and_then(|m| m.log_loss)),
                ]);
            }
            out.push_str(&t.render());
        }
    }
    if !o.detector_alarms.is_empty() {
        out.push_str("\nHealth tab detector alarms on the deployed model's errors:\n");
        for a in &o.detector_alarms {
            out.push_str(&format!(
                "  {} {} (production row {})\n",
                format_micros(a.at),
                a.detector,
                a.row
            ));
        }
    }
    for n in &o.notes {
        out.push_str(&format!("note: {n}\n"));
    }
    out
}

/// The predictions CSV: `row,policy,mode,probability`, one line per predicted row per run;
/// `row` is the 0-based row of the production file (`reference:N` for a training row dated
/// inside the production windows).
pub fn predictions_csv(o: &RetrainOutcome) -> String {
    let mut s = String::from("row,policy,mode,probability\n");
    for r in &o.runs {
        let (policy, mode) = (r.policy.to_string(), r.mode.to_string());
        for (row, p) in o.predicted_rows.iter().zip(&r.probabilities) {
            s.push_str(&format!("{row},{policy},{mode},{p}\n"));
        }
    }
    s
}

/// The JSON of `retrain --progressive` (without the per-row probabilities, which go to the CSV).
pub fn progressive_json(o: &ProgressiveOutcome) -> Value {
    serde_json::json!({
        "learner": "River 0.26 StandardScaler | LogisticRegression (defaults), progressive validation",
        "target": o.target,
        "time": o.time,
        "labels": o.labels,
        "features": o.features,
        "encoded_columns": o.encoded_columns,
        "rows": o.rows,
        "excluded_rows": o.excluded_rows,
        "accuracy": opt_number(o.accuracy),
        "roc_auc": opt_number(o.roc_auc),
        "log_loss": opt_number(o.log_loss),
        "notes": o.notes,
    })
}

/// The text of `retrain --progressive`.
pub fn progressive_table(o: &ProgressiveOutcome) -> String {
    let mut s = format!(
        "Progressive validation of the incremental learner (River 0.26 StandardScaler | LogisticRegression)\n\
         {} rows ({} left out); target {}, time {}, labels at {}\n\
         accuracy {}, ROC AUC {}, log loss {}\n",
        o.rows,
        o.excluded_rows,
        o.target,
        o.time,
        o.labels,
        cell(o.accuracy),
        cell(o.roc_auc),
        cell(o.log_loss)
    );
    for n in &o.notes {
        s.push_str(&format!("note: {n}\n"));
    }
    s
}

/// The predictions CSV of `--progressive`: `row,policy,mode,probability` with policy
/// `progressive` and mode `incremental`, rows of the file in file order.
pub fn progressive_csv(o: &ProgressiveOutcome) -> String {
    let mut s = String::from("row,policy,mode,probability\n");
    for (i, p) in o.probabilities.iter().enumerate() {
        if let Some(p) = p {
            s.push_str(&format!("{i},progressive,incremental,{p}\n"));
        }
    }
    s
}

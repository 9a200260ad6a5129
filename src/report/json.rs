//! The report's JSON snapshot: every number the report shows, each analysis in the structure
//! of its command's `--format json`. Keys appear in the order of the structs' fields.

use serde::Serialize;
use serde::ser::Serializer;
use std::path::Path;

use serde_json::{Value, json};

use super::ReportFormat;
use super::ReportSource;
use crate::data::RoleMap;
use crate::present::drift as present_drift;
use crate::present::json::{to_text, to_value};
use crate::present::seasonality as present_seasonality;

/// The JSON of the analyses whose presenters do not live below the report yet (their
/// commands' `to_json`), filled in by whoever calls [`snapshot`]. `Value::Null` where an
/// analysis did not run.
#[derive(Debug, Clone, Default)]
pub struct PresentedParts {
    /// `inspect --format json` of each dataset (`None` without it).
    pub datasets: [Option<Value>; 3],
    /// The `integrity` document, or `{"error": …}`.
    pub integrity: Value,
    /// The `seasonality` document, or `{"error": …}`.
    pub seasonality: Value,
    /// The `health` document, or `{"error": …}`.
    pub health: Value,
}

/// The whole snapshot.
#[derive(Debug, Serialize)]
pub struct Snapshot<'a> {
    title: &'a str,
    generated: &'a str,
    session: Option<String>,
    sextant_version: &'static str,
    datasets: Datasets,
    #[serde(serialize_with = "ser_roles")]
    roles: &'a RoleMap,
    renames: Vec<RenameJson<'a>>,
    notes: NotesJson<'a>,
    drift: Value,
    integrity: Value,
    seasonality: Value,
    health: Value,
    compression: Value,
    /// The `ab --format json` document of the experiment log, or `{"error": …}`.
    experiment: Value,
    /// The `compare --format json` document of the log's champion and challenger, or
    /// `{"error": …}`.
    compare: Value,
    /// The `rollout --format json` document of the experiment log when the Experiments tab
    /// reads it as a rollout, or `{"error": …}`.
    rollout: Value,
    /// The `retrain --format json` document of the session's Retraining settings, when the
    /// tab was used (the backtest runs only then), or `{"error": …}`.
    retraining: Value,
    /// The `serve-sim --format json` document of the session's serving settings, when the
    /// Compression tab's Serving panel was used and the lab ran, or `{"error": …}`.
    serving: Value,
}

#[derive(Debug, Serialize)]
struct Datasets {
    reference: Option<Value>,
    current: Option<Value>,
    experiment: Option<Value>,
}

/// The session's notes (its own struct: the JSON contract does not follow the session file).
#[derive(Debug, Serialize)]
struct NotesJson<'a> {
    session: &'a str,
    columns: &'a std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Serialize)]
struct RenameJson<'a> {
    current: &'a str,
    reference: &'a str,
}

/// Column → role name, in the role map's order.
fn ser_roles<S: Serializer>(roles: &&RoleMap, s: S) -> Result<S::Ok, S::Error> {
    s.collect_map(roles.iter().map(|(c, r)| (c.to_string(), r.name())))
}

/// The snapshot of a report source, with the parts presented elsewhere.
pub fn snapshot<'a>(source: &'a ReportSource, parts: PresentedParts) -> Snapshot<'a> {
    let s = source.session;
    let a = source.analyses;
    let drift = match (&a.drift, source.reference, source.current) {
        (Some(Ok(run)), Some(r), Some(c)) => {
            let mut v = to_value(&present_drift::to_json(r, c, run));
            if let Some(t) = &a.text_drift {
                crate::present::text_drift::merge_json(&mut v, t);
            }
            v
        }
        (Some(Err(e)), _, _) => json!({"error": e.to_string()}),
        _ => Value::Null,
    };
    // Multivariate drift is part of the drift document, as in `sextant drift --multivariate`.
    let mut drift = drift;
    if let (Some(mv), Value::Object(map)) = (&a.multivariate, &mut drift) {
        map.insert(
            "multivariate".into(),
            crate::present::multivariate::to_json(mv),
        );
    }
    let [reference, current, experiment_log] = parts.datasets;
    Snapshot {
        title: &source.title,
        generated: &source.generated,
        session: source.session_path.map(|p| p.display().to_string()),
        sextant_version: env!("CARGO_PKG_VERSION"),
        datasets: Datasets {
            reference,
            current,
            experiment: experiment_log,
        },
        roles: &s.roles,
        renames: s
            .renames
            .iter()
            .map(|(c, r)| RenameJson {
                current: c,
                reference: r,
            })
            .collect(),
        notes: NotesJson {
            session: &s.notes.session,
            columns: &s.notes.columns,
        },
        drift,
        integrity: parts.integrity,
        seasonality: parts.seasonality,
        health: parts.health,
        compression: match &a.compression {
            Some(Ok(report)) => to_value(report),
            Some(Err(e)) => json!({"error": e}),
            None => Value::Null,
        },
        experiment: match (&a.experiment, source.experiment) {
            (Some(Ok(o)), Some(log)) => crate::present::experiment::to_json(&log.name(), o),
            (Some(Err(e)), _) => json!({"error": e}),
            _ => Value::Null,
        },
        compare: match (&a.compare, source.experiment) {
            (Some(Ok(o)), Some(log)) => crate::present::compare::to_json(&log.name(), o),
            (Some(Err(e)), _) => json!({"error": e}),
            _ => Value::Null,
        },
        rollout: match (&a.rollout, source.experiment) {
            (Some(Ok(o)), Some(log)) => crate::present::rollout::to_json(&log.name(), o),
            (Some(Err(e)), _) => json!({"error": e}),
            _ => Value::Null,
        },
        retraining: match &a.retraining {
            Some(Ok(o)) => crate::present::retrain::to_json(o),
            Some(Err(e)) => json!({"error": e}),
            None => Value::Null,
        },
        serving: match &a.serving {
            Some(Ok(o)) => crate::present::serving::to_json(o),
            Some(Err(e)) => json!({"error": e}),
            None => Value::Null,
        },
    }
}

/// The report in a format: the HTML page, or the JSON snapshot of every number.
pub fn render(format: ReportFormat, source: &ReportSource) -> String {
    match format {
        ReportFormat::Json => {
            let mut v = to_value(&snapshot(source, presented_parts(source)));
            if !source.include_paths {
                hide_paths(&mut v, source);
            }
            to_text(&v)
        }
        ReportFormat::Html => super::render_html(&super::report_input(source)),
    }
}

/// Each file's absolute path in the snapshot (the session, the data, the model) replaced by
/// its file name: the presenters' contracts keep their `path` keys, and a shared snapshot
/// names files without telling the author's folders. The datasets carry their fingerprint.
fn hide_paths(v: &mut Value, source: &ReportSource) {
    let mut paths: Vec<(String, String)> = Vec::new();
    let mut sets: Vec<(String, String)> = Vec::new();
    let mut add = |p: &Path| {
        if let Some(name) = p.file_name() {
            paths.push((p.display().to_string(), name.to_string_lossy().into_owned()));
        }
    };
    if let Some(p) = source.session_path {
        add(p);
    }
    for d in [source.reference, source.current, source.experiment]
        .into_iter()
        .flatten()
    {
        // A folder or glob: named as the window names it (the pattern from its folder on),
        // and each of its files by its path below that folder.
        if let Some(parts) = &d.parts {
            sets.push((d.path.display().to_string(), d.name()));
            for f in &parts.set.files {
                let below = f.path.strip_prefix(&parts.set.root).unwrap_or(&f.path);
                sets.push((f.path.display().to_string(), below.display().to_string()));
            }
            continue;
        }
        add(&d.path);
    }
    if let Some(p) = &source.session.views.compression.model_path {
        add(p);
    }
    if let Some(Ok(r)) = &source.analyses.compression {
        add(Path::new(&r.model.path));
    }
    paths.extend(sets);
    // Longest first, so that a path inside another's folder is not cut short.
    paths.sort_by_key(|(p, _)| std::cmp::Reverse(p.len()));
    replace_strings(v, &paths);
}

fn replace_strings(v: &mut Value, paths: &[(String, String)]) {
    match v {
        Value::String(s) => {
            if let Some((_, name)) = paths.iter().find(|(p, _)| p == s) {
                *s = name.clone();
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| replace_strings(i, paths)),
        Value::Object(map) => map.values_mut().for_each(|i| replace_strings(i, paths)),
        _ => {}
    }
}

/// A dataset's entry of the snapshot: the inspect contract and the content fingerprint.
fn dataset_entry(d: &crate::data::Dataset) -> Value {
    let mut v = crate::present::inspect::to_json(d);
    if let Some(map) = v.as_object_mut() {
        map.insert("fingerprint".into(), json!(d.fingerprint()));
    }
    v
}

/// The parts of the JSON snapshot that other analyses' presenters write.
pub fn presented_parts(source: &ReportSource) -> PresentedParts {
    let s = source.session;
    let a = source.analyses;
    let integrity = match (&a.integrity, source.reference, source.current) {
        (Some(Ok(report)), Some(r), Some(c)) => {
            crate::present::integrity::to_json(report, &r.path, &c.path)
        }
        (Some(Err(e)), _, _) => json!({"error": e}),
        _ => Value::Null,
    };
    let seasonality = match &a.seasonality {
        Some(Ok(o)) => match &o.report {
            Ok(report) => present_seasonality::to_value(&present_seasonality::decomposition(
                present_seasonality::About {
                    // The report names the aggregation the session chose.
                    aggregation: s.views.seasonality.aggregation.name(),
                    ..present_seasonality::About::of(o)
                },
                &o.series,
                report,
                o.comparison.as_ref().and_then(|c| c.as_ref().ok()),
            )),
            Err(e) => json!({"error": e}),
        },
        Some(Err(e)) => json!({"error": e}),
        None => Value::Null,
    };
    PresentedParts {
        datasets: [
            source.reference.map(dataset_entry),
            source.current.map(dataset_entry),
            source.experiment.map(dataset_entry),
        ],
        integrity,
        seasonality,
        health: match &a.health {
            Some(Ok(report)) => {
                let mut doc = crate::present::health::to_json(report);
                // The Feedback part, when the session asked for it (a key added, none changed).
                if let (Some(f), Some(map)) = (&a.feedback, doc.as_object_mut()) {
                    map.insert(
                        "feedback".into(),
                        match f {
                            Ok(o) => crate::present::feedback::to_json(o),
                            Err(e) => json!({"error": e}),
                        },
                    );
                }
                doc
            }
            Some(Err(e)) => json!({"error": e}),
            None => Value::Null,
        },
    }
}

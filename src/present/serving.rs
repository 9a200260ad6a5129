//! The serving simulator's outcome for pipelines (JSON) and people (a text table); `sextant
//! serve-sim` presents through these functions.
//!
//! JSON contract (keys may be added, never removed): `{"arrivals": {"source", "count",
//! "skipped", "span_s", "mean_rate_per_s", "peak_rate_per_s", "scale", "start_unix_s"},
//! "sla_ms", "variants": [{"name", "measured", "latency": [{"batch", "p50_us", "estimated"}]}],
//! "runs": [{"variant", "policy", "policy_label", "workers", "measured", "requests", "mean_ms",
//! "mean_wait_ms", "p50_ms", "p95_ms", "p99_ms", "max_ms", "throughput_per_s", "utilisation",
//! "late", "late_share", "core_seconds_per_million", "provisioned_core_seconds_per_million",
//! "meets_sla"}], "cheapest_meeting_sla": {the run's keys, "sentence", "distribution":
//! [{"lo_ms", "hi_ms", "count"}]} or null, "traffic": {"bin_s", "counts"}}`.
//! Quantiles follow numpy's `np.percentile` default ("linear"); `core_seconds_per_million` is
//! the workers' busy time per million predictions. Non-finite numbers are written as strings.

use serde_json::{Map, Value, json};

use crate::analysis::json::number;
use crate::engine::serving::{ArrivalSummary, RunOutcome, ServingOutcome};
use crate::format::fmt_num;
use crate::present::table::TextTable;

fn run_json(r: &RunOutcome) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("variant".into(), json!(r.variant));
    m.insert("policy".into(), json!(r.policy));
    m.insert("policy_label".into(), json!(r.policy_label));
    m.insert("workers".into(), json!(r.workers));
    m.insert("measured".into(), json!(r.measured));
    m.insert("requests".into(), json!(r.requests));
    for (k, v) in [
        ("mean_ms", r.mean_ms),
        ("mean_wait_ms", r.mean_wait_ms),
        ("p50_ms", r.p50_ms),
        ("p95_ms", r.p95_ms),
        ("p99_ms", r.p99_ms),
        ("max_ms", r.max_ms),
        ("throughput_per_s", r.throughput_per_s),
        ("utilisation", r.utilisation),
    ] {
        m.insert(k.into(), number(v));
    }
    m.insert("late".into(), json!(r.late));
    m.insert("late_share".into(), number(r.late_share));
    m.insert(
        "core_seconds_per_million".into(),
        number(r.core_seconds_per_million),
    );
    m.insert(
        "provisioned_core_seconds_per_million".into(),
        number(r.provisioned_core_seconds_per_million),
    );
    m.insert("meets_sla".into(), json!(r.meets_sla));
    m
}

/// The outcome as the JSON contract.
pub fn to_json(o: &ServingOutcome) -> Value {
    let a = &o.arrivals;
    let cheapest = o.cheapest().map(|r| {
        let mut m = run_json(r);
        m.insert("sentence".into(), json!(r.sentence()));
        m.insert(
            "distribution".into(),
            Value::Array(
                r.distribution
                    .iter()
                    .map(|b| json!({"lo_ms": number(b.lo_ms), "hi_ms": number(b.hi_ms), "count": b.count}))
                    .collect(),
            ),
        );
        Value::Object(m)
    });
    json!({
        "arrivals": {
            "source": a.source,
            "count": a.count,
            "skipped": a.skipped,
            "span_s": number(a.span_s),
            "mean_rate_per_s": number(a.mean_rate_per_s),
            "peak_rate_per_s": number(a.peak_rate_per_s),
            "scale": a.scale.map(number),
            "start_unix_s": a.start_unix_s.map(number),
        },
        "sla_ms": number(o.sla_ms),
        "variants": o.variants.iter().map(|v| json!({
            "name": v.name,
            "measured": v.measured,
            "latency": v.latency.iter().map(|p| json!({
                "batch": p.batch,
                "p50_us": number(p.p50_us),
                "estimated": p.estimated,
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "runs": o.runs.iter().map(|r| Value::Object(run_json(r))).collect::<Vec<_>>(),
        "cheapest_meeting_sla": cheapest,
        "traffic": {"bin_s": number(o.traffic.bin_s), "counts": o.traffic.counts},
    })
}

/// The arrivals in one line (the table, the window and the report say the same).
pub fn arrivals_line(a: &ArrivalSummary) -> String {
    format!(
        "{} · {} requests over {} s · mean {}/s · peak {}/s (busiest of 288 bins){}{}",
        a.source,
        a.count,
        fmt_num(a.span_s),
        fmt_num(a.mean_rate_per_s),
        fmt_num(a.peak_rate_per_s),
        a.scale
            .map(|f| format!(" · gaps scaled by {}", fmt_num(f)))
            .unwrap_or_default(),
        if a.skipped > 0 {
            format!(" · {} rows without a time left out", a.skipped)
        } else {
            String::new()
        }
    )
}

/// A run's variant, marked when its latency is not measured.
pub fn variant_label(r: &RunOutcome) -> String {
    if r.measured {
        r.variant.clone()
    } else {
        format!("{} (estimated)", r.variant)
    }
}

/// The outcome for people: the arrivals, a row per run, the cheapest configuration.
pub fn to_table(o: &ServingOutcome) -> String {
    let a = &o.arrivals;
    let mut out = format!("Arrivals: {}\n", arrivals_line(a));
    let unmeasured: Vec<&str> = o
        .variants
        .iter()
        .filter(|v| !v.measured)
        .map(|v| v.name.as_str())
        .collect();
    if !unmeasured.is_empty() {
        out.push_str(&format!(
            "Not measured (estimated latency, never the cheapest): {}\n",
            unmeasured.join(", ")
        ));
    }
    out.push_str(&format!("SLA: {} ms (p95)\n\n", fmt_num(o.sla_ms)));
    let mut t = TextTable::new(
        &[
            "variant", "policy", "workers", "mean ms", "wait ms", "p50 ms", "p95 ms", "p99 ms",
            "req/s", "util", "late", "core-s/M", "SLA",
        ],
        &[
            false, false, true, true, true, true, true, true, true, true, true, true, false,
        ],
    );
    for r in &o.runs {
        t.row(vec![
            variant_label(r),
            r.policy.clone(),
            r.workers.to_string(),
            fmt_num(r.mean_ms),
            fmt_num(r.mean_wait_ms),
            fmt_num(r.p50_ms),
            fmt_num(r.p95_ms),
            fmt_num(r.p99_ms),
            fmt_num(r.throughput_per_s),
            format!("{:.1}%", r.utilisation * 100.0),
            format!("{:.2}%", r.late_share * 100.0),
            fmt_num(r.core_seconds_per_million),
            if r.meets_sla { "met" } else { "missed" }.into(),
        ]);
    }
    out.push_str(&t.render());
    out.push('\n');
    match o.cheapest() {
        Some(r) => out.push_str(&format!("Cheapest meeting the SLA: {}\n", r.sentence())),
        None => out.push_str("No measured configuration meets the SLA.\n"),
    }
    out
}

//! The report's Serving section: where the arrivals came from, p95 latency against compute
//! cost for every variant × policy × worker count with the SLA line, the cheapest
//! configuration meeting the SLA, the traffic that drove the runs and the table of runs.

use super::Section;
use super::html::{escape, table};
use super::svg::{Frame, Line, Marker, XAxis, line_chart};
use crate::engine::serving::ServingOutcome;
use crate::format::{fmt_num, fmt_pct};

/// The section for a simulation.
pub fn section(o: &ServingOutcome) -> Section {
    let a = &o.arrivals;
    let mut html = format!(
        "<p>Arrivals: {} — {} requests over {} s, mean {}/s, peak {}/s (busiest of 288 equal bins){}. Each \
         variant's measured median time per call, interpolated between batch sizes, is the \
         service time; quantiles follow numpy's <code>np.percentile</code> (linear). A \
         configuration meets the SLA of {} ms when its p95 does.</p>",
        escape(&a.source),
        a.count,
        fmt_num(a.span_s),
        fmt_num(a.mean_rate_per_s),
        fmt_num(a.peak_rate_per_s),
        a.scale
            .map(|f| format!(", gaps scaled by {}", fmt_num(f)))
            .unwrap_or_default(),
        fmt_num(o.sla_ms)
    );
    match o.cheapest() {
        Some(r) => html.push_str(&format!(
            "<p><strong>Cheapest meeting the SLA:</strong> {}.</p>",
            escape(&r.sentence())
        )),
        None => html.push_str("<p>No measured configuration meets the SLA.</p>"),
    }
    let unmeasured: Vec<&str> = o
        .variants
        .iter()
        .filter(|v| !v.measured)
        .map(|v| v.name.as_str())
        .collect();
    if !unmeasured.is_empty() {
        html.push_str(&format!(
            "<p>Estimated latency (not measured, never the cheapest): {}.</p>",
            escape(&unmeasured.join(", "))
        ));
    }
    // p95 against cost: each run a dot; the SLA a dashed line across the cost range.
    let markers: Vec<Marker> = o
        .runs
        .iter()
        .map(|r| Marker {
            x: r.core_seconds_per_million,
            y: r.p95_ms,
            class: if r.measured { "anom" } else { "fill" },
        })
        .collect();
    let (lo, hi) = o
        .runs
        .iter()
        .map(|r| r.core_seconds_per_million)
        .filter(|x| x.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
            (a.min(x), b.max(x))
        });
    let sla_x = [lo, hi];
    let sla_y = [o.sla_ms, o.sla_ms];
    html.push_str(&line_chart(
        &Frame {
            title: "p95 latency (ms) against core-seconds per million predictions",
            height: 200.0,
            x_axis: XAxis::Number,
        },
        &[Line {
            label: "SLA",
            x: &sla_x,
            y: &sla_y,
            class: "fl",
        }],
        &markers,
    ));
    let tx: Vec<f64> = (0..o.traffic.counts.len())
        .map(|i| i as f64 * o.traffic.bin_s / 3600.0)
        .collect();
    let ty: Vec<f64> = o
        .traffic
        .counts
        .iter()
        .map(|&c| c as f64 / o.traffic.bin_s.max(1e-9))
        .collect();
    html.push_str(&line_chart(
        &Frame {
            title: "Requests per second against hours from the first arrival",
            height: 140.0,
            x_axis: XAxis::Number,
        },
        &[Line {
            label: "arrivals",
            x: &tx,
            y: &ty,
            class: "cur",
        }],
        &[],
    ));
    let rows: Vec<Vec<String>> = o
        .runs
        .iter()
        .map(|r| {
            vec![
                crate::present::serving::variant_label(r),
                r.policy_label.clone(),
                r.workers.to_string(),
                fmt_num(r.p50_ms),
                fmt_num(r.p95_ms),
                fmt_num(r.p99_ms),
                fmt_pct(r.utilisation),
                fmt_pct(r.late_share),
                fmt_num(r.core_seconds_per_million),
                if r.meets_sla { "met" } else { "missed" }.into(),
            ]
        })
        .collect();
    html.push_str(&table(
        &[
            "variant",
            "policy",
            "workers",
            "p50 ms",
            "p95 ms",
            "p99 ms",
            "utilisation",
            "late",
            "core-s per million",
            "SLA",
        ],
        &rows,
    ));
    Section::new("serving", "Serving", html)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::serving::{ServingSettings, bench_workload, run};

    #[test]
    fn the_section_names_the_cheapest_and_draws_both_charts() {
        let (arrivals, curves, _) = bench_workload(20_000);
        let settings = ServingSettings {
            workers: vec![1, 2],
            ..ServingSettings::default()
        };
        let o = run(
            &arrivals,
            &curves[..2],
            &settings,
            &crate::vocab::Progress::silent(),
        )
        .unwrap();
        let s = section(&o);
        assert_eq!(s.id, "serving");
        let best = o.cheapest().expect("a configuration meets 100 ms");
        assert!(s.html.contains(&escape(&best.sentence())));
        assert_eq!(s.html.matches("<svg").count(), 2);
        // One table row per run (plus the header).
        assert_eq!(
            s.html.matches("<tr>").count(),
            o.runs.len() + 1,
            "{}",
            s.html
        );
    }
}

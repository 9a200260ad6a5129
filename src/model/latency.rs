//! Latency per batch size, measured: every variant is timed as the graph it is, on the CPU
//! that [`cpu_model`] names.

use std::time::{Duration, Instant};

use serde::Serialize;

use super::ModelError;
use super::eval::Runner;

/// Latency of one call with `batch` rows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LatencyPoint {
    pub batch: usize,
    /// Median time per call, µs.
    pub p50_us: f64,
    /// 95th percentile per call, µs.
    pub p95_us: f64,
    /// `p50_us / batch`.
    pub per_row_us: f64,
    /// Rows per second at the median: `batch / p50`.
    pub rows_per_s: f64,
    /// True when the point comes from a stated rule rather than a measurement.
    pub estimated: bool,
}

impl LatencyPoint {
    fn new(batch: usize, p50_us: f64, p95_us: f64, estimated: bool) -> Self {
        LatencyPoint {
            batch,
            p50_us,
            p95_us,
            per_row_us: p50_us / batch as f64,
            rows_per_s: batch as f64 / (p50_us * 1e-6),
            estimated,
        }
    }
}

/// Rows for a batch of `batch`, cycling through `x` (rows of `width`).
pub fn batch_rows(x: &[f32], width: usize, batch: usize) -> Vec<f32> {
    let rows = x.len() / width.max(1);
    (0..batch)
        .flat_map(|i| {
            let r = i % rows.max(1);
            x[r * width..(r + 1) * width].iter().copied()
        })
        .collect()
}

/// Time `runner` on `input` (one batch): a few warm-up calls, then calls until `budget` has
/// passed (at least 5, at most 5 000). Returns (p50, p95) in µs.
pub fn time_calls(
    runner: &Runner,
    input: &[f32],
    budget: Duration,
) -> Result<(f64, f64), ModelError> {
    for _ in 0..3 {
        runner.run(input)?;
    }
    let start = Instant::now();
    let mut samples = Vec::new();
    while samples.len() < 5 || (start.elapsed() < budget && samples.len() < 5000) {
        let t = Instant::now();
        std::hint::black_box(runner.run(input)?);
        samples.push(t.elapsed().as_secs_f64() * 1e6);
    }
    samples.sort_by(f64::total_cmp);
    let q = |p: f64| samples[((samples.len() - 1) as f64 * p).round() as usize];
    Ok((q(0.5), q(0.95)))
}

/// A measured point.
pub fn measured(batch: usize, p50_us: f64, p95_us: f64) -> LatencyPoint {
    LatencyPoint::new(batch, p50_us, p95_us, false)
}

/// The CPU model the latencies are measured on: /proc/cpuinfo's "model name" (the first
/// core's), or a sentence saying it is unknown.
pub fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "unknown CPU (no model name in /proc/cpuinfo)".into())
}

/// The largest batch whose p95 per call is within `budget_ms`.
pub fn largest_within(points: &[LatencyPoint], budget_ms: f64) -> Option<usize> {
    points
        .iter()
        .filter(|p| p.p95_us <= budget_ms * 1000.0)
        .map(|p| p.batch)
        .max()
}

/// A generated MLP for the quantization benchmark: `input [N, width]` → (`MatMul` → `Add` →
/// `Relu`) × `layers` hidden layers of `hidden` units → `MatMul` → `Add` → `Sigmoid` → `[N, 1]`,
/// weights drawn uniformly in ±1/√fan-in by a fixed LCG (the same model on every run).
pub fn bench_mlp(width: usize, hidden: usize, layers: usize) -> super::pb::ModelProto {
    use super::{pb, proto};
    let mut state: u64 = 0x5EED_1234_ABCD_0001;
    let mut uniform = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((state >> 40) as f64 / (1u64 << 24) as f64) as f32 * 2.0 - 1.0
    };
    let bytes = |v: &[f32]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
    let node = |op: &str, input: Vec<String>, output: &str| pb::NodeProto {
        op_type: op.into(),
        name: output.into(),
        input,
        output: vec![output.into()],
        ..Default::default()
    };
    let mut nodes = Vec::new();
    let mut inits = Vec::new();
    let mut prev = "input".to_string();
    let mut fan_in = width;
    for l in 0..=layers {
        let out = if l == layers { 1 } else { hidden };
        let bound = 1.0 / (fan_in as f32).sqrt();
        let w: Vec<f32> = (0..fan_in * out).map(|_| uniform() * bound).collect();
        let b: Vec<f32> = (0..out).map(|_| uniform() * bound).collect();
        inits.push(proto::tensor(
            &format!("W{l}"),
            proto::FLOAT,
            &[fan_in as i64, out as i64],
            bytes(&w),
        ));
        inits.push(proto::tensor(
            &format!("B{l}"),
            proto::FLOAT,
            &[out as i64],
            bytes(&b),
        ));
        nodes.push(node(
            "MatMul",
            vec![prev.clone(), format!("W{l}")],
            &format!("mm{l}"),
        ));
        nodes.push(node(
            "Add",
            vec![format!("mm{l}"), format!("B{l}")],
            &format!("z{l}"),
        ));
        let act = if l == layers { "Sigmoid" } else { "Relu" };
        prev = if l == layers {
            "p1".into()
        } else {
            format!("h{l}")
        };
        nodes.push(node(act, vec![format!("z{l}")], &prev));
        fan_in = out;
    }
    pb::ModelProto {
        ir_version: 8,
        producer_name: "sextant bench-quantized".into(),
        opset_import: vec![pb::OperatorSetIdProto {
            domain: String::new(),
            version: 15,
        }],
        graph: Some(pb::GraphProto {
            name: "bench_mlp".into(),
            node: nodes,
            initializer: inits,
            input: vec![super::distill::value_info("input", width as i64)],
            output: vec![super::distill::value_info("p1", 1)],
            ..Default::default()
        }),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn largest_batch_within_a_budget() {
        let pts = vec![
            measured(1, 5.0, 6.0),
            measured(32, 10.0, 12.0),
            measured(1024, 180.0, 200.0),
        ];
        assert_eq!(largest_within(&pts, 0.05), Some(32));
        assert_eq!(largest_within(&pts, 0.001), None);
        assert!(!cpu_model().is_empty());
    }
}

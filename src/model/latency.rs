//! Latency per batch size: measured for what changes compute in our runtime, estimated (and
//! labelled so) for what would only be faster with kernels we do not have.

use std::time::{Duration, Instant};

use serde::Serialize;

use super::ModelError;
use super::eval::Runner;
use super::variant::SpeedRule;

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

/// Estimated points from the original's measured ones: fit `t(b) = overhead + b · row` by least
/// squares over the measured batch sizes, then scale the per-row term by `rule.row_factor`
/// (p95 keeps the original's p95/p50 ratio at each batch).
pub fn estimate(original: &[LatencyPoint], rule: &SpeedRule) -> Vec<LatencyPoint> {
    let n = original.len() as f64;
    let (overhead, row) = if original.len() >= 2 {
        let mb = original.iter().map(|p| p.batch as f64).sum::<f64>() / n;
        let mt = original.iter().map(|p| p.p50_us).sum::<f64>() / n;
        let sxy: f64 = original
            .iter()
            .map(|p| (p.batch as f64 - mb) * (p.p50_us - mt))
            .sum();
        let sxx: f64 = original.iter().map(|p| (p.batch as f64 - mb).powi(2)).sum();
        let row = if sxx > 0.0 { (sxy / sxx).max(0.0) } else { 0.0 };
        ((mt - row * mb).max(0.0), row)
    } else {
        (0.0, original.first().map_or(0.0, |p| p.per_row_us))
    };
    original
        .iter()
        .map(|p| {
            let b = p.batch as f64;
            let fitted = overhead + b * row;
            let est = overhead + b * row * rule.row_factor;
            // Scale the measured value by the model's ratio, so a factor of 1 reproduces it.
            let ratio = if fitted > 0.0 { est / fitted } else { 1.0 };
            LatencyPoint::new(p.batch, p.p50_us * ratio, p.p95_us * ratio, true)
        })
        .collect()
}

/// The largest batch whose p95 per call is within `budget_ms`.
pub fn largest_within(points: &[LatencyPoint], budget_ms: f64) -> Option<usize> {
    points
        .iter()
        .filter(|p| p.p95_us <= budget_ms * 1000.0)
        .map(|p| p.batch)
        .max()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimate_with_factor_one_reproduces_measurement() {
        let pts = vec![
            measured(1, 5.0, 6.0),
            measured(32, 10.0, 12.0),
            measured(1024, 180.0, 200.0),
        ];
        let rule = SpeedRule {
            row_factor: 1.0,
            rule: String::new(),
        };
        for (a, b) in pts.iter().zip(estimate(&pts, &rule)) {
            assert!((a.p50_us - b.p50_us).abs() < 1e-9);
            assert!(b.estimated);
        }
        let half = estimate(
            &pts,
            &SpeedRule {
                row_factor: 0.5,
                rule: String::new(),
            },
        );
        assert!(half[2].p50_us < 100.0 && half[2].p50_us > 90.0);
        assert_eq!(largest_within(&pts, 0.05), Some(32));
    }
}

//! The serving simulator's core: a deterministic discrete-event replay of request arrivals
//! through a model's latency curve under a serving policy, and the exact statistics of the
//! end-to-end latencies it produces. Pure: slices in, numbers out; no threads, files or clocks.
//!
//! # The model of a server
//! - `k` identical workers; a worker runs one call at a time and is one core (tract runs a call
//!   on one thread), so compute cost is the workers' busy time in core-seconds.
//! - Requests are served first come, first served; a call takes the requests at the head of the
//!   queue. Nothing is dropped (the queue is unbounded): an overloaded policy shows up as late
//!   requests and growing latencies, not as losses.
//! - A call of `b` rows takes `t(b)`, the variant's measured median time per call, interpolated
//!   between the measured batch sizes ([`LatencyCurve`]). Service times are deterministic.
//!
//! # Policies
//! - **Realtime**: one request per call; a request starts when it has arrived and a worker is
//!   free (the FIFO `M/G/k` queue; with Poisson arrivals, one worker and a constant `t(1)` it is
//!   the `M/D/1` queue whose mean wait is Pollaczek–Khinchine's `ρ / (2μ(1 − ρ))`).
//! - **Micro-batching (B, T)**: the oldest waiting request's batch closes when `B` requests are
//!   waiting or when it has waited `T`, whichever comes first; it is dispatched at the later of
//!   that moment and the earliest free worker, and then takes every request that has arrived by
//!   the dispatch, at most `B` (so a busy server sends full batches, as Triton's dynamic batcher
//!   does).
//! - **Offline every H**: at `t₀ + H, t₀ + 2H, …` (`t₀` the first arrival) everything that
//!   arrived in the window just ended is run, in calls of the largest measured batch size, on
//!   the `k` workers (a call starts at the run time or when its worker is free, if later).
//!
//! # Arrivals
//! Timestamps (sorted) or a seeded Poisson stream; a peak rate is the busiest of 288 equal
//! bins of the span ([`peak_rate_per_s`]), and rescaling to a peak multiplies every gap by one
//! factor ([`scale_to_peak`]); the traffic and its peak are the bins counted before rescaling
//! with their width rescaled.
//!
//! # Statistics
//! End-to-end latency is finish − arrival (queueing, batching wait and service); wait is
//! dispatch − arrival. Quantiles are exact and use numpy's default convention
//! (`np.percentile(x, q)`, method `"linear"`: `h = (n − 1)·q`, `x[⌊h⌋] + (h − ⌊h⌋)(x[⌊h⌋+1] − x[⌊h⌋])`
//! over the sorted latencies). They are found without sorting or storing every latency: a
//! first replay counts the latencies in 52 224 log-linear buckets (1/1024 of an octave wide),
//! which locates the bucket of each needed order statistic; a second, identical replay keeps
//! only the latencies in those few buckets, where the order statistics are read exactly.

/// Why a simulation cannot run. One sentence each.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ServingError {
    #[error("the latency curve of {variant} has no measured point")]
    EmptyCurve { variant: String },
    #[error(
        "the latency curve of {variant} has a non-positive or non-finite time at batch {batch}"
    )]
    BadPoint { variant: String, batch: usize },
    #[error("there are no request arrivals to replay")]
    NoArrivals,
    #[error("cancelled")]
    Cancelled,
}

/// A variant's time per call against the number of rows in the call.
#[derive(Debug, Clone, PartialEq)]
pub struct LatencyCurve {
    /// (batch size, seconds per call), sorted by batch size, batch sizes distinct and ≥ 1.
    points: Vec<(usize, f64)>,
}

impl LatencyCurve {
    /// A curve from measured points `(batch, seconds per call)`; a batch size measured twice
    /// keeps its last time.
    pub fn new(variant: &str, points: &[(usize, f64)]) -> Result<Self, ServingError> {
        let mut pts: Vec<(usize, f64)> = Vec::with_capacity(points.len());
        for &(b, t) in points {
            if b == 0 || !t.is_finite() || t <= 0.0 {
                return Err(ServingError::BadPoint {
                    variant: variant.to_string(),
                    batch: b,
                });
            }
            pts.push((b, t));
        }
        pts.sort_by_key(|p| p.0);
        pts.reverse();
        pts.dedup_by_key(|p| p.0);
        pts.reverse();
        if pts.is_empty() {
            return Err(ServingError::EmptyCurve {
                variant: variant.to_string(),
            });
        }
        Ok(Self { points: pts })
    }

    /// The largest measured batch size: the largest call the offline policy makes.
    pub fn largest_batch(&self) -> usize {
        self.points.last().map_or(1, |p| p.0)
    }

    /// Seconds for a call of `b` rows (`b ≥ 1`):
    /// - at a measured size, its measured time;
    /// - between two measured sizes, linear interpolation in the batch size;
    /// - below the smallest measured size, the smallest size's time (a call is assumed never to
    ///   be cheaper than the smallest one measured);
    /// - above the largest measured size `M`, the call is split as a runtime with a largest
    ///   batch would split it: `⌊b/M⌋·t(M) + t(b mod M)`.
    pub fn seconds(&self, b: usize) -> f64 {
        let (bmax, tmax) = *self.points.last().expect("a curve has a point");
        if b > bmax {
            let rest = b % bmax;
            let full = (b / bmax) as f64 * tmax;
            return if rest == 0 {
                full
            } else {
                full + self.seconds(rest)
            };
        }
        let (b0, t0) = self.points[0];
        if b <= b0 {
            return t0;
        }
        let i = self.points.partition_point(|p| p.0 < b);
        let (b2, t2) = self.points[i];
        if b2 == b {
            return t2;
        }
        let (b1, t1) = self.points[i - 1];
        // numpy's np.interp order of operations: slope × (x − x₁) + y₁.
        (t2 - t1) / (b2 - b1) as f64 * (b - b1) as f64 + t1
    }

    /// `t(b)` for `b` in `0..=up_to` (index 0 unused), so a replay looks service times up.
    pub fn table(&self, up_to: usize) -> Vec<f64> {
        (0..=up_to)
            .map(|b| if b == 0 { 0.0 } else { self.seconds(b) })
            .collect()
    }
}

/// How requests become calls (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Policy {
    Realtime,
    MicroBatch { max_batch: usize, max_wait_ms: f64 },
    Offline { every_h: f64 },
}

impl Policy {
    /// The command-line spelling: `realtime`, `batch:32:5ms`, `offline:1h`.
    pub fn key(&self) -> String {
        match *self {
            Policy::Realtime => "realtime".into(),
            Policy::MicroBatch {
                max_batch,
                max_wait_ms,
            } => format!("batch:{max_batch}:{}ms", trim(max_wait_ms)),
            Policy::Offline { every_h } => format!("offline:{}h", trim(every_h)),
        }
    }

    /// What people read: "realtime", "micro-batch B=32, T=5 ms", "offline every 1 h".
    pub fn label(&self) -> String {
        match *self {
            Policy::Realtime => "realtime".into(),
            Policy::MicroBatch {
                max_batch,
                max_wait_ms,
            } => format!("micro-batch B={max_batch}, T={} ms", trim(max_wait_ms)),
            Policy::Offline { every_h } => format!("offline every {} h", trim(every_h)),
        }
    }
}

/// A number without a trailing ".0".
fn trim(x: f64) -> String {
    let s = format!("{x}");
    s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
}

/// How a replay forms its calls, resolved against a latency curve.
#[derive(Debug, Clone, Copy)]
enum Plan {
    /// Calls of at most `max_batch`, closing `max_wait` seconds after the oldest request.
    Batch { max_batch: usize, max_wait: f64 },
    /// Windows of `every` seconds from `start`, in calls of at most `max_batch`.
    Windows {
        start: f64,
        every: f64,
        max_batch: usize,
    },
}

impl Plan {
    fn new(policy: Policy, curve: &LatencyCurve, start: f64) -> Plan {
        match policy {
            Policy::Realtime => Plan::Batch {
                max_batch: 1,
                max_wait: 0.0,
            },
            Policy::MicroBatch {
                max_batch,
                max_wait_ms,
            } => Plan::Batch {
                max_batch: max_batch.max(1),
                max_wait: max_wait_ms / 1000.0,
            },
            Policy::Offline { every_h } => Plan::Windows {
                start,
                every: every_h * 3600.0,
                max_batch: curve.largest_batch(),
            },
        }
    }

    fn max_batch(&self) -> usize {
        match *self {
            Plan::Batch { max_batch, .. } | Plan::Windows { max_batch, .. } => max_batch,
        }
    }
}

/// A binary min-heap of the workers' free times, kept in a slice (no allocation per call).
struct Workers(Vec<f64>);

impl Workers {
    fn new(k: usize, at: f64) -> Self {
        Workers(vec![at; k.max(1)])
    }
    fn earliest(&self) -> f64 {
        self.0[0]
    }
    /// The earliest-free worker becomes busy until `until`.
    fn assign(&mut self, until: f64) {
        let h = &mut self.0;
        h[0] = until;
        let n = h.len();
        let mut i = 0;
        loop {
            let l = 2 * i + 1;
            if l >= n {
                break;
            }
            let r = l + 1;
            let c = if r < n && h[r] < h[l] { r } else { l };
            if h[c] < h[i] {
                h.swap(c, i);
                i = c;
            } else {
                break;
            }
        }
    }
}

/// What one replay leaves besides the per-request latencies.
#[derive(Debug, Clone, Copy)]
struct Totals {
    busy_s: f64,
    last_finish: f64,
}

/// Replay `arrivals` (sorted, seconds) under `plan` on `workers` workers with service times
/// `table[b]`, calling `emit(latency, wait)` for every request in arrival order. `stop` is
/// asked every 65 536 calls; when it says so the replay ends early with `None`.
fn replay(
    arrivals: &[f64],
    table: &[f64],
    plan: Plan,
    workers: usize,
    stop: &dyn Fn() -> bool,
    mut emit: impl FnMut(f64, f64),
) -> Option<Totals> {
    let n = arrivals.len();
    let start = arrivals.first().copied().unwrap_or(0.0);
    let mut pool = Workers::new(workers, start);
    let max_batch = plan.max_batch();
    let mut busy = 0.0;
    let mut last_finish = start;
    let mut calls: u32 = 0;
    if let Plan::Batch { max_batch: 1, .. } = plan {
        // Realtime: one request per call, the same service time for all; no batch to form.
        let t = table[1];
        for (i, &a) in arrivals.iter().enumerate() {
            if i & 0xFFFF == 0 && stop() {
                return None;
            }
            let d = pool.earliest().max(a);
            let finish = d + t;
            pool.assign(finish);
            last_finish = last_finish.max(finish);
            emit(finish - a, d - a);
        }
        return Some(Totals {
            busy_s: t * n as f64,
            last_finish,
        });
    }
    let mut i = 0;
    while i < n {
        calls = calls.wrapping_add(1);
        if calls & 0xFFFF == 0 && stop() {
            return None;
        }
        let a = arrivals[i];
        let free = pool.earliest();
        let end = (i + max_batch).min(n);
        let j = match plan {
            Plan::Batch { max_wait, .. } => {
                // The batch closes when it is full or its oldest request has waited T.
                let full_at = if i + max_batch <= n {
                    arrivals[i + max_batch - 1]
                } else {
                    f64::INFINITY
                };
                let close = (a + max_wait).min(full_at);
                let d = free.max(close);
                let mut j = i + 1;
                while j < end && arrivals[j] <= d {
                    j += 1;
                }
                let finish = d + table[j - i];
                pool.assign(finish);
                busy += table[j - i];
                last_finish = last_finish.max(finish);
                for &r in &arrivals[i..j] {
                    emit(finish - r, d - r);
                }
                j
            }
            Plan::Windows { start, every, .. } => {
                let window = ((a - start) / every).floor();
                let run_at = start + (window + 1.0) * every;
                let d = free.max(run_at);
                let mut j = i + 1;
                while j < end && ((arrivals[j] - start) / every).floor() == window {
                    j += 1;
                }
                let finish = d + table[j - i];
                pool.assign(finish);
                busy += table[j - i];
                last_finish = last_finish.max(finish);
                for &r in &arrivals[i..j] {
                    emit(finish - r, d - r);
                }
                j
            }
        };
        i = j;
    }
    Some(Totals {
        busy_s: busy,
        last_finish,
    })
}

/// Mantissa bits kept by a latency bucket: 10, so a bucket is 1/1024 of an octave wide.
const MANTISSA_BITS: u32 = 10;
const SHIFT: u32 = 52 - MANTISSA_BITS;
/// Octaves covered: 2⁻³⁰ s (about 1 ns) to 2²¹ s (about 24 days); latencies outside fall into
/// the end buckets, which keeps the order (and so exactness) intact.
const LOW_EXP: i32 = -30;
const OCTAVES: usize = 51;
const BUCKETS: usize = OCTAVES << MANTISSA_BITS;

fn base_key() -> u64 {
    (2f64.powi(LOW_EXP)).to_bits() >> SHIFT
}

/// The bucket of a latency (non-decreasing in the latency).
#[inline]
fn bucket(latency: f64, base: u64) -> usize {
    let k = (latency.max(0.0).to_bits() >> SHIFT).saturating_sub(base);
    (k as usize).min(BUCKETS - 1)
}

/// The lower edge of a bucket, seconds.
fn bucket_floor(b: usize, base: u64) -> f64 {
    f64::from_bits((b as u64 + base) << SHIFT)
}

/// One bin of a latency distribution.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LatencyBin {
    pub lo_ms: f64,
    pub hi_ms: f64,
    pub count: u64,
}

/// The statistics of one replay.
#[derive(Debug, Clone, PartialEq)]
pub struct RunStats {
    pub requests: usize,
    pub mean_s: f64,
    pub mean_wait_s: f64,
    pub p50_s: f64,
    pub p95_s: f64,
    pub p99_s: f64,
    pub max_s: f64,
    /// Requests per second from the first arrival to the last finish.
    pub throughput_per_s: f64,
    /// Busy time over workers × (last finish − first arrival).
    pub utilisation: f64,
    /// Requests whose latency exceeded the SLA.
    pub late: usize,
    /// Core-seconds the workers were busy.
    pub busy_s: f64,
    /// Last finish − first arrival, seconds.
    pub span_s: f64,
    /// The latencies in at most 48 log-spaced bins from the smallest to the largest.
    pub distribution: Vec<LatencyBin>,
}

/// The quantiles the simulator reports, as numpy's `q / 100`.
pub const QUANTILES: [f64; 3] = [0.5, 0.95, 0.99];

/// Replay `arrivals` (sorted ascending, seconds) through `curve` under `policy` on `workers`
/// workers and measure every request's latency against `sla_s`. `stop` is polled during the
/// replay (cancel).
pub fn simulate(
    arrivals: &[f64],
    curve: &LatencyCurve,
    policy: Policy,
    workers: usize,
    sla_s: f64,
    stop: &dyn Fn() -> bool,
) -> Result<RunStats, ServingError> {
    let n = arrivals.len();
    if n == 0 {
        return Err(ServingError::NoArrivals);
    }
    let start = arrivals[0];
    let plan = Plan::new(policy, curve, start);
    let table = curve.table(plan.max_batch());
    let base = base_key();

    // First replay: sums, lateness and the bucket counts. Consecutive requests mostly fall in
    // the same bucket, so a run of them is counted in a register and added once: incrementing
    // the same memory cell request after request would wait on the previous store every time.
    let mut counts = vec![0u64; BUCKETS];
    let (mut sum, mut sum_wait, mut late, mut max) = (0.0f64, 0.0f64, 0usize, 0.0f64);
    let (mut run_bucket, mut run_len) = (0usize, 0u64);
    let totals = replay(arrivals, &table, plan, workers, stop, |lat, wait| {
        sum += lat;
        sum_wait += wait;
        late += usize::from(lat > sla_s);
        max = max.max(lat);
        let b = bucket(lat, base);
        if b == run_bucket {
            run_len += 1;
        } else {
            counts[run_bucket] += run_len;
            run_bucket = b;
            run_len = 1;
        }
    })
    .ok_or(ServingError::Cancelled)?;
    counts[run_bucket] += run_len;

    // The order statistics numpy's linear method reads, and the bucket each falls in.
    let ranks: Vec<usize> = QUANTILES
        .iter()
        .flat_map(|q| {
            let h = (n - 1) as f64 * q;
            let lo = h.floor() as usize;
            [lo, (lo + 1).min(n - 1)]
        })
        .collect();
    let mut cum = Vec::with_capacity(BUCKETS);
    let mut c = 0u64;
    for &k in &counts {
        cum.push(c);
        c += k;
    }
    let bucket_of = |rank: usize| cum.partition_point(|&before| before <= rank as u64) - 1;
    let mut wanted: Vec<usize> = ranks.iter().map(|&r| bucket_of(r)).collect();
    wanted.sort_unstable();
    wanted.dedup();

    // Second replay: keep the latencies of the wanted buckets only (runs of equal values as
    // one entry with a count, so a bucket holding most requests at one value stays small).
    let (lo_b, hi_b) = (wanted[0], wanted[wanted.len() - 1]);
    let mut kept: Vec<Vec<(f64, u64)>> = vec![Vec::new(); wanted.len()];
    // Most latencies lie outside the wanted buckets' span: two comparisons of the value send
    // them away before any bucket is computed (the end buckets also hold what lies beyond).
    let lo_v = if lo_b == 0 {
        f64::NEG_INFINITY
    } else {
        bucket_floor(lo_b, base)
    };
    let hi_v = if hi_b + 1 >= BUCKETS {
        f64::INFINITY
    } else {
        bucket_floor(hi_b + 1, base)
    };
    replay(arrivals, &table, plan, workers, stop, |lat, _| {
        if lat < lo_v || lat >= hi_v {
            return;
        }
        let b = bucket(lat, base);
        if b < lo_b || b > hi_b {
            return;
        }
        if let Some(slot) = wanted.iter().position(|&w| w == b) {
            let v = &mut kept[slot];
            match v.last_mut() {
                Some((x, k)) if *x == lat => *k += 1,
                _ => v.push((lat, 1)),
            }
        }
    })
    .ok_or(ServingError::Cancelled)?;
    for v in &mut kept {
        v.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    let order_stat = |rank: usize| -> f64 {
        let b = bucket_of(rank);
        let slot = wanted.iter().position(|&w| w == b).expect("wanted bucket");
        let mut within = rank as u64 - cum[b];
        for &(x, k) in &kept[slot] {
            if within < k {
                return x;
            }
            within -= k;
        }
        f64::NAN
    };
    let quantile = |q: f64| -> f64 {
        let h = (n - 1) as f64 * q;
        let lo = h.floor() as usize;
        let hi = (lo + 1).min(n - 1);
        let (a, b) = (order_stat(lo), order_stat(hi));
        a + (h - lo as f64) * (b - a)
    };

    let span = (totals.last_finish - start).max(f64::MIN_POSITIVE);
    Ok(RunStats {
        requests: n,
        mean_s: sum / n as f64,
        mean_wait_s: sum_wait / n as f64,
        p50_s: quantile(0.5),
        p95_s: quantile(0.95),
        p99_s: quantile(0.99),
        max_s: max,
        throughput_per_s: n as f64 / span,
        utilisation: totals.busy_s / (workers.max(1) as f64 * span),
        late,
        busy_s: totals.busy_s,
        span_s: span,
        distribution: distribution(&counts, base),
    })
}

/// The bucket counts merged into at most 48 bins of equal width in log latency between the
/// smallest and the largest non-empty bucket.
fn distribution(counts: &[u64], base: u64) -> Vec<LatencyBin> {
    let Some(first) = counts.iter().position(|&c| c > 0) else {
        return Vec::new();
    };
    let last = counts.iter().rposition(|&c| c > 0).unwrap_or(first);
    let span = last - first + 1;
    let per = span.div_ceil(48).max(1);
    (first..=last)
        .step_by(per)
        .map(|b0| {
            let b1 = (b0 + per).min(last + 1);
            LatencyBin {
                lo_ms: bucket_floor(b0, base) * 1000.0,
                hi_ms: bucket_floor(b1, base) * 1000.0,
                count: counts[b0..b1].iter().sum(),
            }
        })
        .collect()
}

/// Poisson arrivals: exponential gaps of mean `1 / rate_per_s` from 0 until `duration_s`,
/// drawn from the crate's SplitMix64 stream at `seed`.
pub fn poisson_arrivals(rate_per_s: f64, duration_s: f64, seed: u64) -> Vec<f64> {
    let mut rng = crate::vocab::Rng::new(seed);
    let expected = (rate_per_s * duration_s).max(0.0);
    let mut out = Vec::with_capacity((expected + 6.0 * expected.sqrt() + 16.0) as usize);
    let mut t = 0.0;
    loop {
        // 1 − U is in (0, 1], so the logarithm is finite.
        t += -(1.0 - rng.uniform()).ln() / rate_per_s;
        if t >= duration_s {
            return out;
        }
        out.push(t);
    }
}

/// Bins of the traffic over the span ([`traffic`]): 288, five minutes for a day.
pub const TRAFFIC_BINS: usize = 288;

/// The peak request rate: arrivals in the busiest of the [`TRAFFIC_BINS`] equal bins of the
/// span, over the bin width (per second). Bins that follow the span make the peak scale
/// exactly with the time axis, so a rescaled day's peak is the rate asked for; for a day the
/// bins are five minutes.
pub fn peak_rate_per_s(arrivals: &[f64]) -> f64 {
    let (width, counts) = traffic(arrivals, TRAFFIC_BINS);
    match counts.iter().max() {
        Some(&c) if width > 0.0 => c as f64 / width,
        _ => 0.0,
    }
}

/// Rescale sorted arrivals about the first one so that their peak rate ([`peak_rate_per_s`])
/// becomes `target_per_s`: every gap is multiplied by `observed peak / target`. The bins scale
/// with the span, so the same bins (counted before rescaling, their width times the factor)
/// peak at the target; counting the rescaled times afresh could move a time lying exactly on
/// a bin edge by rounding. Returns the factor.
pub fn scale_to_peak(arrivals: &mut [f64], target_per_s: f64) -> f64 {
    let peak = peak_rate_per_s(arrivals);
    if arrivals.is_empty() || peak <= 0.0 {
        return 1.0;
    }
    let f = peak / target_per_s;
    let t0 = arrivals[0];
    for a in arrivals.iter_mut() {
        *a = t0 + (*a - t0) * f;
    }
    f
}

/// Arrivals per bin over the span, in `bins` bins: (bin width in seconds, counts).
pub fn traffic(arrivals: &[f64], bins: usize) -> (f64, Vec<u64>) {
    let (Some(&t0), Some(&t1)) = (arrivals.first(), arrivals.last()) else {
        return (0.0, Vec::new());
    };
    let bins = bins.max(1);
    let width = ((t1 - t0) / bins as f64).max(1e-9);
    let mut counts = vec![0u64; bins];
    for &a in arrivals {
        let i = (((a - t0) / width) as usize).min(bins - 1);
        counts[i] += 1;
    }
    (width, counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn never() -> bool {
        false
    }

    #[test]
    fn curve_interpolates_and_splits() {
        let c = LatencyCurve::new("x", &[(1, 1.0), (8, 2.0), (32, 5.0)]).unwrap();
        assert_eq!(c.seconds(1), 1.0);
        assert!((c.seconds(4) - (1.0 + 3.0 / 7.0)).abs() < 1e-12);
        assert_eq!(c.seconds(32), 5.0);
        assert_eq!(c.seconds(64), 10.0);
        assert_eq!(c.seconds(33), 6.0);
        let c = LatencyCurve::new("x", &[(8, 2.0)]).unwrap();
        assert_eq!(c.seconds(1), 2.0);
        assert!(LatencyCurve::new("x", &[(8, f64::NAN)]).is_err());
        assert!(LatencyCurve::new("x", &[]).is_err());
    }

    #[test]
    fn realtime_on_an_idle_server_is_the_service_time() {
        let arrivals: Vec<f64> = (0..100).map(|i| i as f64).collect();
        let c = LatencyCurve::new("x", &[(1, 0.25)]).unwrap();
        let s = simulate(&arrivals, &c, Policy::Realtime, 1, 1.0, &never).unwrap();
        assert_eq!(s.p50_s, 0.25);
        assert_eq!(s.p99_s, 0.25);
        assert_eq!(s.mean_wait_s, 0.0);
        assert_eq!(s.late, 0);
        assert!((s.busy_s - 25.0).abs() < 1e-9);
    }

    #[test]
    fn a_burst_queues_on_one_worker_and_splits_on_two() {
        // Four requests at once, service 1 s: latencies 1, 2, 3, 4 on one worker.
        let arrivals = [0.0; 4];
        let c = LatencyCurve::new("x", &[(1, 1.0)]).unwrap();
        let s = simulate(&arrivals, &c, Policy::Realtime, 1, 2.5, &never).unwrap();
        assert_eq!(s.mean_s, 2.5);
        assert_eq!(s.late, 2);
        // numpy: np.percentile([1, 2, 3, 4], 95) = 3.85
        assert!((s.p95_s - 3.85).abs() < 1e-12);
        let s = simulate(&arrivals, &c, Policy::Realtime, 2, 2.5, &never).unwrap();
        assert_eq!(s.mean_s, 1.5);
        assert!((s.utilisation - 1.0).abs() < 1e-12);
    }

    #[test]
    fn micro_batches_close_on_size_or_wait() {
        let c = LatencyCurve::new("x", &[(1, 1.0), (2, 1.5)]).unwrap();
        // Two requests 0.1 s apart with B = 2: one call at 0.1 s of 1.5 s.
        let p = Policy::MicroBatch {
            max_batch: 2,
            max_wait_ms: 500.0,
        };
        let s = simulate(&[0.0, 0.1], &c, p, 1, 10.0, &never).unwrap();
        assert!((s.mean_s - (1.6 + 1.5) / 2.0).abs() < 1e-12);
        // Requests 1 s apart with T = 0.5 s: each waits 0.5 s alone.
        let s = simulate(&[0.0, 1.0], &c, p, 1, 10.0, &never).unwrap();
        assert!((s.mean_wait_s - 0.5).abs() < 1e-12);
        assert!((s.mean_s - 1.5).abs() < 1e-12);
    }

    #[test]
    fn offline_waits_for_the_end_of_the_window() {
        let c = LatencyCurve::new("x", &[(1, 1.0), (4, 2.0)]).unwrap();
        let arrivals = [0.0, 1800.0, 3600.0];
        let s = simulate(
            &arrivals,
            &c,
            Policy::Offline { every_h: 1.0 },
            1,
            1e9,
            &never,
        )
        .unwrap();
        // The first two run at 3600 s in one call of 2 rows (4/3 s); the third at 7200 s.
        let t2 = 1.0 + (2.0 - 1.0) / 3.0;
        let want = [3600.0 + t2, 1800.0 + t2, 3601.0];
        let mean = want.iter().sum::<f64>() / 3.0;
        assert!((s.mean_s - mean).abs() < 1e-9, "{} {}", s.mean_s, mean);
    }

    #[test]
    fn exact_quantiles_match_a_sort() {
        // Irregular arrivals with queueing: compare the two-pass quantiles with a full sort.
        let arrivals = poisson_arrivals(900.0, 20.0, 7);
        let c = LatencyCurve::new("x", &[(1, 0.001), (8, 0.002), (64, 0.009)]).unwrap();
        let p = Policy::MicroBatch {
            max_batch: 16,
            max_wait_ms: 3.0,
        };
        let s = simulate(&arrivals, &c, p, 1, 0.01, &never).unwrap();
        let plan = Plan::new(p, &c, arrivals[0]);
        let table = c.table(plan.max_batch());
        let mut all = Vec::new();
        replay(&arrivals, &table, plan, 1, &never, |l, _| all.push(l));
        all.sort_by(f64::total_cmp);
        let np = |q: f64| {
            let h = (all.len() - 1) as f64 * q;
            let lo = h.floor() as usize;
            all[lo] + (h - lo as f64) * (all[(lo + 1).min(all.len() - 1)] - all[lo])
        };
        assert_eq!(s.p50_s, np(0.5));
        assert_eq!(s.p95_s, np(0.95));
        assert_eq!(s.p99_s, np(0.99));
        assert_eq!(
            s.distribution.iter().map(|b| b.count).sum::<u64>(),
            arrivals.len() as u64
        );
    }

    #[test]
    fn peak_scaling_reaches_the_rate_asked_for() {
        // 288 bins over 2880 s: 10 s each; one bin holds 50 arrivals, the others 5.
        let mut a: Vec<f64> = (0..2880).step_by(2).map(|i| i as f64).collect();
        a.extend((0..45).map(|i| 1000.5 + i as f64 * 0.1));
        a.push(2880.0);
        a.sort_by(f64::total_cmp);
        assert!(
            (peak_rate_per_s(&a) - 5.0).abs() < 1e-9,
            "{}",
            peak_rate_per_s(&a)
        );
        let f = scale_to_peak(&mut a, 500.0);
        assert!((f - 0.01).abs() < 1e-12);
        assert!((a[a.len() - 1] - 28.8).abs() < 1e-9);
    }
}

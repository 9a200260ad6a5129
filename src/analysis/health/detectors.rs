//! Change detectors over a stream, ports of River 0.26's `drift` module with its default
//! parameters: DDM, EDDM, HDDM_A (binary streams: 1 = error), ADWIN, Page-Hinkley and KSWIN
//! (real-valued streams). The golden fixture `tests/golden/health_detectors.json` was made by
//! `tests/golden/health_detectors.py` with River itself; the detected indices are equal.
//!
//! Conventions, as in River: after a drift the detector resets before the next value. A
//! *warning* index is one where the detector enters its warning zone (it was not in it after the
//! previous value); a *drift* index is one where `drift_detected` is true.

use serde::Serialize;

use crate::vocab::Task;

/// River's incremental mean (`stats.Mean`): mean += (x − mean) / n, so that floating-point
/// results agree to the last bit.
#[derive(Debug, Clone, Copy, Default)]
struct Mean {
    n: f64,
    mean: f64,
}

impl Mean {
    fn update(&mut self, x: f64) {
        self.n += 1.0;
        self.mean += (1.0 / self.n) * (x - self.mean);
    }
}

/// River's `stats.Var` (Welford, ddof = 1).
#[derive(Debug, Clone, Copy, Default)]
struct Var {
    mean: Mean,
    s: f64,
}

impl Var {
    fn update(&mut self, x: f64) {
        let old = self.mean.mean;
        self.mean.update(x);
        self.s += (x - old) * (x - self.mean.mean);
    }

    fn get(&self) -> f64 {
        if self.mean.n > 1.0 {
            self.s / (self.mean.n - 1.0)
        } else {
            0.0
        }
    }
}

/// A detector's state after one value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flags {
    pub warning: bool,
    pub drift: bool,
}

/// A change detector fed one value at a time.
pub trait Detector {
    fn update(&mut self, x: f64) -> Flags;
}

/// Drift Detection Method (Gama et al. 2004), River defaults: warm_start 30, warning 2σ,
/// drift 3σ.
#[derive(Debug, Clone)]
pub struct Ddm {
    warm_start: f64,
    warning_threshold: f64,
    drift_threshold: f64,
    p: Mean,
    p_min: f64,
    s_min: f64,
    ps_min: f64,
    flags: Flags,
}

impl Default for Ddm {
    fn default() -> Self {
        Self {
            warm_start: 30.0,
            warning_threshold: 2.0,
            drift_threshold: 3.0,
            p: Mean::default(),
            p_min: f64::NAN,
            s_min: f64::NAN,
            ps_min: f64::INFINITY,
            flags: Flags::default(),
        }
    }
}

impl Detector for Ddm {
    fn update(&mut self, x: f64) -> Flags {
        if self.flags.drift {
            *self = Self::default();
        }
        self.p.update(x);
        let p = self.p.mean;
        let n = self.p.n;
        let s = (p * (1.0 - p) / n).sqrt();
        if n > self.warm_start {
            if p + s <= self.ps_min {
                self.p_min = p;
                self.s_min = s;
                self.ps_min = p + s;
            }
            self.flags.warning = p + s > self.p_min + self.warning_threshold * self.s_min;
            if p + s > self.p_min + self.drift_threshold * self.s_min {
                self.flags.drift = true;
                self.flags.warning = false;
            }
        }
        self.flags
    }
}

/// Early Drift Detection Method (Baena-García et al. 2006), River defaults: warm_start 30,
/// alpha 0.95, beta 0.9.
#[derive(Debug, Clone)]
pub struct Eddm {
    warm_start: usize,
    alpha: f64,
    beta: f64,
    distances: Var,
    n: usize,
    last_error: usize,
    n_errors: usize,
    p2s_max: f64,
    flags: Flags,
}

impl Default for Eddm {
    fn default() -> Self {
        Self {
            warm_start: 30,
            alpha: 0.95,
            beta: 0.9,
            distances: Var::default(),
            n: 0,
            last_error: 0,
            n_errors: 0,
            p2s_max: -1.0,
            flags: Flags::default(),
        }
    }
}

impl Detector for Eddm {
    fn update(&mut self, x: f64) -> Flags {
        if self.flags.drift {
            *self = Self::default();
        }
        self.n += 1;
        if x == 1.0 {
            self.n_errors += 1;
            self.distances.update((self.n - self.last_error) as f64);
            if self.n > self.warm_start {
                let p2s = self.distances.mean.mean + 2.0 * self.distances.get().sqrt();
                if p2s > self.p2s_max {
                    self.p2s_max = p2s;
                } else if self.n_errors > self.warm_start {
                    let level = p2s / self.p2s_max;
                    if level < self.beta {
                        self.flags.drift = true;
                    } else {
                        self.flags.warning = level < self.alpha;
                    }
                }
            }
            self.last_error = self.n;
        }
        self.flags
    }
}

/// HDDM_A (Frías-Blanco et al. 2015, Hoeffding bound on averages), River defaults: drift
/// confidence 0.001, warning confidence 0.005, one-sided (increase of the error rate).
#[derive(Debug, Clone)]
pub struct HddmA {
    drift_confidence: f64,
    warning_confidence: f64,
    x_min: Mean,
    x_max: Mean,
    z: Mean,
    flags: Flags,
}

impl Default for HddmA {
    fn default() -> Self {
        Self {
            drift_confidence: 0.001,
            warning_confidence: 0.005,
            x_min: Mean::default(),
            x_max: Mean::default(),
            z: Mean::default(),
            flags: Flags::default(),
        }
    }
}

impl HddmA {
    fn bound(&self, n: f64) -> f64 {
        (1.0 / (2.0 * n) * (1.0 / self.drift_confidence).ln()).sqrt()
    }

    fn mean_incr(&self, confidence: f64) -> bool {
        if self.x_min.n == self.z.n {
            return false;
        }
        let m = (self.z.n - self.x_min.n) / self.x_min.n * (1.0 / self.z.n);
        let eps = (m / 2.0 * (2.0 / confidence).ln()).sqrt();
        self.z.mean - self.x_min.mean >= eps
    }
}

impl Detector for HddmA {
    fn update(&mut self, x: f64) -> Flags {
        if self.flags.drift {
            *self = Self::default();
        }
        self.z.update(x);
        if self.x_min.n == 0.0 {
            self.x_min = self.z;
        }
        if self.x_max.n == 0.0 {
            self.x_max = self.z;
        }
        let eps_z = self.bound(self.z.n);
        let eps_x = self.bound(self.x_min.n);
        if self.x_min.mean + eps_x >= self.z.mean + eps_z {
            self.x_min = self.z;
        }
        let eps_x = self.bound(self.x_max.n);
        if self.x_max.mean - eps_x <= self.z.mean - eps_z {
            self.x_max = self.z;
        }
        if self.mean_incr(self.drift_confidence) {
            self.flags = Flags {
                warning: false,
                drift: true,
            };
        } else {
            self.flags = Flags {
                warning: self.mean_incr(self.warning_confidence),
                drift: false,
            };
        }
        self.flags
    }
}

/// Page-Hinkley test, River defaults: min_instances 30, delta 0.005, threshold 50,
/// alpha 1 − 0.0001, both directions.
#[derive(Debug, Clone)]
pub struct PageHinkley {
    min_instances: f64,
    delta: f64,
    threshold: f64,
    alpha: f64,
    mean: Mean,
    sum_increase: f64,
    sum_decrease: f64,
    min_increase: f64,
    max_decrease: f64,
    flags: Flags,
}

impl Default for PageHinkley {
    fn default() -> Self {
        Self {
            min_instances: 30.0,
            delta: 0.005,
            threshold: 50.0,
            alpha: 1.0 - 0.0001,
            mean: Mean::default(),
            sum_increase: 0.0,
            sum_decrease: 0.0,
            min_increase: f64::INFINITY,
            max_decrease: -1.0,
            flags: Flags::default(),
        }
    }
}

impl Detector for PageHinkley {
    fn update(&mut self, x: f64) -> Flags {
        if self.flags.drift {
            *self = Self::default();
        }
        self.mean.update(x);
        let dev = x - self.mean.mean;
        self.sum_increase = self.alpha * self.sum_increase + dev - self.delta;
        self.sum_decrease = self.alpha * self.sum_decrease + dev + self.delta;
        if self.sum_increase < self.min_increase {
            self.min_increase = self.sum_increase;
        }
        if self.sum_decrease > self.max_decrease {
            self.max_decrease = self.sum_decrease;
        }
        if self.mean.n >= self.min_instances {
            let up = self.sum_increase - self.min_increase;
            let down = self.max_decrease - self.sum_decrease;
            self.flags.drift = up > self.threshold || down > self.threshold;
        }
        self.flags
    }
}

/// ADWIN (Bifet & Gavaldà 2007, ADWIN2), River defaults: delta 0.002, clock 32, 5 buckets per
/// level, minimum sub-window 5, grace period 10. The window is an exponential histogram: level
/// i holds up to 5 buckets of 2^i values (sum and variance); a sixth merges the two oldest into
/// level i + 1. Every 32 values the cuts between buckets, oldest first, are tested; a cut whose
/// sub-window means differ by more than ε drops the oldest bucket and the test restarts.
#[derive(Debug, Clone)]
pub struct Adwin {
    delta: f64,
    clock: u64,
    max_buckets: usize,
    min_window: f64,
    grace_period: f64,
    /// levels[i]: buckets of 2^i values as (sum, variance), oldest first.
    levels: Vec<std::collections::VecDeque<(f64, f64)>>,
    total: f64,
    variance: f64,
    width: f64,
    tick: u64,
    flags: Flags,
}

impl Default for Adwin {
    fn default() -> Self {
        Self {
            delta: 0.002,
            clock: 32,
            max_buckets: 5,
            min_window: 5.0,
            grace_period: 10.0,
            levels: vec![Default::default()],
            total: 0.0,
            variance: 0.0,
            width: 0.0,
            tick: 0,
            flags: Flags::default(),
        }
    }
}

impl Adwin {
    fn insert(&mut self, x: f64) {
        self.levels[0].push_back((x, 0.0));
        self.width += 1.0;
        if self.width > 1.0 {
            let d = x - self.total / (self.width - 1.0);
            self.variance += (self.width - 1.0) * d * d / self.width;
        }
        self.total += x;
        // Merge the two oldest buckets of a full level into the next level, upwards.
        let mut i = 0;
        while self.levels[i].len() == self.max_buckets + 1 {
            let n = (1u64 << i) as f64;
            let (t0, v0) = self.levels[i].pop_front().unwrap_or_default();
            let (t1, v1) = self.levels[i].pop_front().unwrap_or_default();
            let (m0, m1) = (t0 / n, t1 / n);
            let merged = (t0 + t1, v0 + v1 + n * 0.5 * (m0 - m1) * (m0 - m1));
            if i + 1 == self.levels.len() {
                self.levels.push(Default::default());
            }
            self.levels[i + 1].push_back(merged);
            i += 1;
        }
    }

    /// Drop the oldest bucket (the first of the highest level).
    fn drop_oldest(&mut self) {
        let last = self.levels.len() - 1;
        let n = (1u64 << last) as f64;
        let (u, v) = self.levels[last].pop_front().unwrap_or_default();
        self.width -= n;
        self.total -= u;
        let mu = u / n;
        let mu_window = self.total / self.width;
        self.variance -=
            v + n * self.width * (mu - mu_window) * (mu - mu_window) / (n + self.width);
        if self.levels[last].is_empty() && last > 0 {
            self.levels.pop();
        }
    }

    fn cut(&self, n0: f64, n1: f64, delta_mean: f64) -> bool {
        let delta_prime = (2.0 * self.width.ln() / self.delta).ln();
        let m = 1.0 / (n0 - self.min_window + 1.0) + 1.0 / (n1 - self.min_window + 1.0);
        let eps = (2.0 * m * (self.variance / self.width) * delta_prime).sqrt()
            + 2.0 / 3.0 * delta_prime * m;
        delta_mean.abs() > eps
    }

    fn detect(&mut self) -> bool {
        self.tick += 1;
        if !self.tick.is_multiple_of(self.clock) || self.width <= self.grace_period {
            return false;
        }
        let mut changed = false;
        'restart: loop {
            let (mut n0, mut n1, mut u0, mut u1) = (0.0, self.width, 0.0, self.total);
            for i in (0..self.levels.len()).rev() {
                let size = (1u64 << i) as f64;
                let len = self.levels[i].len();
                for k in 0..len {
                    let t = self.levels[i][k].0;
                    n0 += size;
                    n1 -= size;
                    u0 += t;
                    u1 -= t;
                    // The newest bucket cannot be a cut: nothing would be on its right.
                    if i == 0 && k + 1 == len {
                        break 'restart;
                    }
                    if n1 >= self.min_window
                        && n0 >= self.min_window
                        && self.cut(n0, n1, u0 / n0 - u1 / n1)
                    {
                        changed = true;
                        if self.width > 0.0 {
                            self.drop_oldest();
                            continue 'restart;
                        }
                    }
                }
            }
            break;
        }
        changed
    }
}

impl Detector for Adwin {
    fn update(&mut self, x: f64) -> Flags {
        if self.flags.drift {
            *self = Self::default();
        }
        self.insert(x);
        self.flags.drift = self.detect();
        self.flags
    }
}

/// MT19937, seeded like CPython's `random.Random(seed)` for a small non-negative integer, with
/// `getrandbits` and `_randbelow`: KSWIN draws its reference sample with Python's
/// `random.sample`, and matching River's detections needs the same draws.
#[derive(Debug, Clone)]
pub struct PythonRandom {
    state: Box<[u32; 624]>,
    index: usize,
}

impl PythonRandom {
    /// `random.Random(seed)`: `init_by_array([seed])` (seed < 2³²).
    pub fn new(seed: u32) -> Self {
        let mut mt = Box::new([0u32; 624]);
        mt[0] = 19_650_218;
        for i in 1..624 {
            mt[i] = 1_812_433_253u32
                .wrapping_mul(mt[i - 1] ^ (mt[i - 1] >> 30))
                .wrapping_add(i as u32);
        }
        let key = [seed];
        let (mut i, mut j) = (1usize, 0usize);
        for _ in 0..624 {
            mt[i] = (mt[i] ^ (mt[i - 1] ^ (mt[i - 1] >> 30)).wrapping_mul(1_664_525))
                .wrapping_add(key[j])
                .wrapping_add(j as u32);
            i += 1;
            j += 1;
            if i >= 624 {
                mt[0] = mt[623];
                i = 1;
            }
            if j >= key.len() {
                j = 0;
            }
        }
        for _ in 0..623 {
            mt[i] = (mt[i] ^ (mt[i - 1] ^ (mt[i - 1] >> 30)).wrapping_mul(1_566_083_941))
                .wrapping_sub(i as u32);
            i += 1;
            if i >= 624 {
                mt[0] = mt[623];
                i = 1;
            }
        }
        mt[0] = 0x8000_0000;
        Self {
            state: mt,
            index: 624,
        }
    }

    pub fn next_u32(&mut self) -> u32 {
        if self.index >= 624 {
            let mt = &mut self.state;
            for k in 0..624 {
                let y = (mt[k] & 0x8000_0000) | (mt[(k + 1) % 624] & 0x7fff_ffff);
                let mut v = mt[(k + 397) % 624] ^ (y >> 1);
                if y & 1 != 0 {
                    v ^= 0x9908_b0df;
                }
                mt[k] = v;
            }
            self.index = 0;
        }
        let mut y = self.state[self.index];
        self.index += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    /// `_randbelow(n)` for 0 < n < 2³²: `getrandbits(n.bit_length())` until below n.
    pub fn below(&mut self, n: u32) -> u32 {
        let k = 32 - n.leading_zeros();
        loop {
            let r = self.next_u32() >> (32 - k);
            if r < n {
                return r;
            }
        }
    }

    /// `random.sample(range(n), k)` for the pool branch CPython takes when n is small
    /// (n ≤ 21 + 4^⌈log₄(3k)⌉).
    pub fn sample_range(&mut self, n: u32, k: usize) -> Vec<u32> {
        let mut pool = Vec::new();
        let mut out = Vec::new();
        self.sample_range_into(n, k, &mut pool, &mut out);
        out
    }

    /// [`Self::sample_range`] into reused buffers.
    pub fn sample_range_into(&mut self, n: u32, k: usize, pool: &mut Vec<u32>, out: &mut Vec<u32>) {
        pool.clear();
        pool.extend(0..n);
        out.clear();
        for i in 0..k as u32 {
            let j = self.below(n - i) as usize;
            out.push(pool[j]);
            pool[j] = pool[(n - i - 1) as usize];
        }
    }
}

/// KSWIN (Raab et al. 2020), River defaults: alpha 0.005, window 100, stat size 30, with seed
/// 42 (River's default seed is None, i.e. not reproducible). Once the window is full, each
/// value tests 30 values drawn from the oldest 70 against the newest 30 with the two-sample KS
/// test (SciPy's `ks_2samp`, exact p-value); drift when p ≤ alpha and D > 0.1. The p-value of
/// two samples of 30 depends only on D, so it is cached per lattice value of D.
#[derive(Debug, Clone)]
pub struct Kswin {
    alpha: f64,
    window_size: usize,
    stat_size: usize,
    seed: u32,
    window: std::collections::VecDeque<f64>,
    rng: PythonRandom,
    /// p-value by h = D·stat_size.
    p_cache: std::collections::HashMap<u64, f64>,
    /// Reused buffers: the draw pool, the drawn positions, the two samples.
    pool: Vec<u32>,
    drawn: Vec<u32>,
    a: Vec<f64>,
    b: Vec<f64>,
    flags: Flags,
}

impl Default for Kswin {
    fn default() -> Self {
        Self::with_seed(42)
    }
}

impl Kswin {
    pub fn with_seed(seed: u32) -> Self {
        Self {
            alpha: 0.005,
            window_size: 100,
            stat_size: 30,
            seed,
            window: std::collections::VecDeque::with_capacity(101),
            rng: PythonRandom::new(seed),
            p_cache: Default::default(),
            pool: Vec::with_capacity(100),
            drawn: Vec::with_capacity(30),
            a: Vec::with_capacity(30),
            b: Vec::with_capacity(30),
            flags: Flags::default(),
        }
    }

    fn reset(&mut self) {
        self.window.clear();
        self.rng = PythonRandom::new(self.seed);
        self.flags = Flags::default();
    }
}

impl Detector for Kswin {
    fn update(&mut self, x: f64) -> Flags {
        if self.flags.drift {
            self.reset();
        }
        if self.window.len() == self.window_size {
            self.window.pop_front();
        }
        self.window.push_back(x);
        if self.window.len() < self.window_size {
            self.flags.drift = false;
            return self.flags;
        }
        let old = self.window_size - self.stat_size;
        let n = self.stat_size;
        self.rng
            .sample_range_into(old as u32, n, &mut self.pool, &mut self.drawn);
        let window = &self.window;
        self.a.clear();
        self.a
            .extend(self.drawn.iter().map(|&r| window[r as usize]));
        self.b.clear();
        self.b.extend(window.range(old..).copied());
        let binary = self.a.iter().chain(&self.b).all(|&v| v == 0.0 || v == 1.0);
        let h = if binary {
            // For 0/1 values both ECDFs differ only at 0: D = |zeros(a) − zeros(b)| / n.
            let zeros = |v: &[f64]| v.iter().filter(|&&x| x == 0.0).count() as i64;
            (zeros(&self.a) - zeros(&self.b)).abs()
        } else {
            self.a.sort_unstable_by(f64::total_cmp);
            self.b.sort_unstable_by(f64::total_cmp);
            // D of two samples of equal size n is h/n; walk the merged values.
            let (a, b) = (&self.a, &self.b);
            let (mut i, mut j, mut h) = (0usize, 0usize, 0i64);
            while i < n && j < n {
                let v = a[i].min(b[j]);
                while i < n && a[i] == v {
                    i += 1;
                }
                while j < n && b[j] == v {
                    j += 1;
                }
                h = h.max((i as i64 - j as i64).abs());
            }
            h
        };
        let d = h as f64 / n as f64;
        let p = match self.p_cache.get(&(h as u64)) {
            Some(&p) => p,
            None => {
                let sample = |v: Vec<f64>| super::super::drift::NumericSample::from_vec(v, 0);
                let p = super::super::drift::ks_2samp(
                    &sample(self.a.clone()),
                    &sample(self.b.clone()),
                    &super::super::drift::KsParams::default(),
                )
                .map_or(1.0, |r| r.p_value);
                self.p_cache.insert(h as u64, p);
                p
            }
        };
        self.flags.drift = p <= self.alpha && d > 0.1;
        self.flags
    }
}

/// Warning onsets and drift points of a detector over a stream (positions in the stream).
pub fn detect(
    detector: &mut dyn Detector,
    stream: impl IntoIterator<Item = f64>,
) -> (Vec<usize>, Vec<usize>) {
    let (mut warnings, mut drifts) = (Vec::new(), Vec::new());
    let mut was_warning = false;
    for (i, x) in stream.into_iter().enumerate() {
        let f = detector.update(x);
        if f.warning && !was_warning {
            warnings.push(i);
        }
        if f.drift {
            drifts.push(i);
        }
        // A drift resets the detector, so a warning after it is a new onset.
        was_warning = f.warning && !f.drift;
    }
    (warnings, drifts)
}

/// One detector's findings on the current data's error stream.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DetectorReport {
    /// "DDM", "EDDM", "ADWIN", "Page-Hinkley", "KSWIN", "HDDM_A".
    pub name: String,
    /// Current row indices (of the file) where the detector entered its warning zone.
    pub warnings: Vec<usize>,
    /// Current row indices where it detected a drift.
    pub drifts: Vec<usize>,
    /// The windows of those rows (for drawing on the timeline).
    pub warning_windows: Vec<usize>,
    pub drift_windows: Vec<usize>,
}

/// The detectors that apply to a task: all six for classification (error = misclassified);
/// ADWIN, Page-Hinkley and KSWIN on the absolute error for regression.
pub fn detectors_for(task: Task) -> Vec<(&'static str, Box<dyn Detector>)> {
    let mut out: Vec<(&'static str, Box<dyn Detector>)> = Vec::new();
    if task == Task::Classification {
        out.push(("DDM", Box::new(Ddm::default())));
        out.push(("EDDM", Box::new(Eddm::default())));
        out.push(("HDDM_A", Box::new(HddmA::default())));
    }
    out.push(("ADWIN", Box::new(Adwin::default())));
    out.push(("Page-Hinkley", Box::new(PageHinkley::default())));
    out.push(("KSWIN", Box::new(Kswin::default())));
    out
}

/// The error stream the detectors read: `(row, error)` in time order, and each row's window.
#[derive(Debug, Clone, Default)]
pub struct ErrorStream {
    pub stream: Vec<(usize, f64)>,
    pub row_window: Vec<Option<usize>>,
}

/// The names of the detectors that apply to a task.
pub fn names_for(task: Task) -> Vec<&'static str> {
    detectors_for(task).into_iter().map(|(n, _)| n).collect()
}

/// Run one detector (by name) over the stream.
pub fn run_one(task: Task, name: &str, errors: &ErrorStream) -> Option<DetectorReport> {
    let (name, mut d) = detectors_for(task).into_iter().find(|(n, _)| *n == name)?;
    let stream = &errors.stream;
    let (w, dr) = detect(d.as_mut(), stream.iter().map(|s| s.1));
    let rows = |idx: Vec<usize>| -> Vec<usize> { idx.into_iter().map(|i| stream[i].0).collect() };
    let (warnings, drifts) = (rows(w), rows(dr));
    let windows_of = |rows: &[usize]| -> Vec<usize> {
        let mut v: Vec<usize> = rows
            .iter()
            .filter_map(|&r| errors.row_window.get(r).copied().flatten())
            .collect();
        v.dedup();
        v
    };
    Some(DetectorReport {
        name: name.to_string(),
        warning_windows: windows_of(&warnings),
        drift_windows: windows_of(&drifts),
        warnings,
        drifts,
    })
}

/// Run every detector of the task, one after the other.
pub fn run_all(task: Task, errors: &ErrorStream) -> Vec<DetectorReport> {
    names_for(task)
        .into_iter()
        .filter_map(|n| run_one(task, n, errors))
        .collect()
}

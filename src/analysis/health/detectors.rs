//! Change detectors over a stream, ports of River 0.26's `drift` module with its default
//! parameters: DDM, EDDM, HDDM_A (binary streams: 1 = error), ADWIN, Page-Hinkley and KSWIN
//! (real-valued streams). The golden fixture `tests/golden/health_detectors.json` was made by
//! `tests/golden/health_detectors.py` with River itself; the detected indices are equal.
//!
//! Conventions, as in River: after a drift the detector resets before the next value. A
//! *warning* index is one where the detector enters its warning zone (it was not in it after the
//! previous value); a *drift* index is one where `drift_detected` is true.

use serde::Serialize;

use super::metrics::Task;

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
    out.push(("Page-Hinkley", Box::new(PageHinkley::default())));
    out
}

/// Run every detector of the task over `(row, error)` in time order.
pub fn run_all(
    task: Task,
    stream: &[(usize, f64)],
    row_window: &[Option<usize>],
) -> Vec<DetectorReport> {
    detectors_for(task)
        .into_iter()
        .map(|(name, mut d)| {
            let (w, dr) = detect(d.as_mut(), stream.iter().map(|s| s.1));
            let rows =
                |idx: Vec<usize>| -> Vec<usize> { idx.into_iter().map(|i| stream[i].0).collect() };
            let (warnings, drifts) = (rows(w), rows(dr));
            let windows_of = |rows: &[usize]| -> Vec<usize> {
                let mut v: Vec<usize> = rows
                    .iter()
                    .filter_map(|&r| row_window.get(r).copied().flatten())
                    .collect();
                v.dedup();
                v
            };
            DetectorReport {
                name: name.to_string(),
                warning_windows: windows_of(&warnings),
                drift_windows: windows_of(&drifts),
                warnings,
                drifts,
            }
        })
        .collect()
}

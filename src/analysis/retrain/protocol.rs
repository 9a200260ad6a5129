//! The backtest loop of RETRAINING.md, step by step: windows anchored at S, the information
//! rule (a label is usable at T iff its label time ≤ T, consumed in arrival order), the initial
//! model at T_w0, the decision / prediction / scoring loop, and the policies over New_w.
//!
//! Choices the protocol leaves open, made here and stated in the JSON `protocol`:
//! * a window without rows is not scored (no entry) but still holds a decision;
//! * a retrain whose training rows are empty or hold one class does not happen: its lineage row
//!   says why and the model (and its version) stay;
//! * metrics before / after a retrain are those of the last window with labelled rows before it
//!   and of the first such window it serves.

use serde::{Deserialize, Serialize};

use super::encode::EncodedGroup;
use super::logistic::{self, FitError, ScratchModel};
use super::online::OnlineModel;
use super::policy::{DetectorKind, MIN_NEW_LABELS, Mode, PSI_BINS, PSI_DRIFT, Policy, WindowUnit};
use crate::analysis::drift::{fill_zero_shares, histogram_counts, psi, quantile_edges};
use crate::analysis::health::detectors::{Adwin, Ddm, Detector, PageHinkley};
use crate::analysis::metrics::classification::{log_loss_term, roc_auc};
use crate::vocab::time::{MICROS_PER_DAY, civil_from_days, days_from_civil};

/// Log loss clipping: p in [1e-15, 1 − 1e-15] (RETRAINING.md, scoring).
pub const LOG_LOSS_EPS: f64 = 1e-15;

/// The rows of a backtest, sorted by time (ties in file order, reference first).
#[derive(Clone, Copy)]
pub struct BacktestData<'a> {
    /// Encoded features, row-major, `d` wide.
    pub x: &'a [f64],
    pub d: usize,
    /// The raw features' places in `x` (drift-share policy).
    pub groups: &'a [EncodedGroup],
    /// Row times (µs since the epoch), ascending.
    pub times: &'a [i64],
    /// When each row's label became known (`None` = never: it is never learned nor decided on).
    pub label_times: &'a [Option<i64>],
    /// Labels (meaningful where `has_label`).
    pub y: &'a [bool],
    /// Whether the row has a label at all; rows without one are served but not scored.
    pub has_label: &'a [bool],
    /// The first time of the current (production) file: its window is w0.
    pub current_start: i64,
}

/// What to backtest.
#[derive(Debug, Clone, PartialEq)]
pub struct BacktestParams {
    pub unit: WindowUnit,
    pub policies: Vec<Policy>,
    pub modes: Vec<Mode>,
    /// κ: the cost of one retrain in units of window log loss.
    pub cost: f64,
}

/// Why a backtest cannot run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BacktestError {
    #[error("there are no rows to backtest")]
    NoRows,
    #[error(
        "no label arrives before the first production window starts ({0} rows are labelled by then), so there is no initial model"
    )]
    NoInitialLabels(usize),
    #[error("the initial model cannot be trained: {0}")]
    InitialModel(FitError),
    #[error("the backtest was cancelled")]
    Cancelled,
}

/// One window's span in the loop.
#[derive(Debug, Clone)]
pub struct WindowSpan {
    /// k − w0.
    pub index: usize,
    pub start: i64,
    pub end: i64,
    /// Rows (positions in the sorted data).
    pub rows: std::ops::Range<usize>,
}

/// The shared part of every run: windows, arrival order, and the initial models.
pub struct Prepared<'a> {
    pub data: BacktestData<'a>,
    /// S, midnight UTC of the first row's day.
    pub origin: i64,
    pub unit: WindowUnit,
    /// w0 … the last window with rows, empty windows included.
    pub windows: Vec<WindowSpan>,
    /// Row of the first prediction (first row of w0).
    pub first_row: usize,
    /// Rows with a label time, in arrival order (label time ascending, ties in row order).
    pub arrivals: Vec<u32>,
    /// Per window: the number of arrivals with label time ≤ its start T_w.
    pub cut: Vec<usize>,
    /// Per row from `first_row`: its window (index into `windows`).
    pub row_window: Vec<u32>,
    initial_scratch: Option<ScratchModel>,
    initial_scratch_rows: Vec<u32>,
    initial_online: Option<OnlineModel>,
    /// Arrivals of the initial cut skipped by the initial model (time ≥ T_w0), learned by the
    /// incremental model at its first retrain.
    initial_online_skipped: Vec<u32>,
}

/// Accuracy, ROC AUC and log loss of a set of served predictions.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// `None` when no row is labelled.
    pub accuracy: Option<f64>,
    /// `None` when the labelled rows hold one class.
    pub roc_auc: Option<f64>,
    pub log_loss: Option<f64>,
}

/// One scored window of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WindowReport {
    /// k − w0.
    pub index: usize,
    /// T_w and T_{w+1} (µs since the epoch).
    pub start: i64,
    pub end: i64,
    pub rows: usize,
    /// Rows with a label (the scored ones).
    pub labelled: usize,
    /// Metrics over the labelled rows; `None` without labelled rows (ROC AUC: or one class).
    pub accuracy: Option<f64>,
    pub roc_auc: Option<f64>,
    pub log_loss: Option<f64>,
    /// The version that served the window (1 = the initial model).
    pub model_version: u32,
}

/// What set a retrain off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    Schedule,
    DetectorAlarm,
    Floor,
    DriftShare,
}

/// One retrain: a lineage row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RetrainRecord {
    /// The window whose decision retrained (k − w0) and its decision time T_w.
    pub window: usize,
    pub at: i64,
    pub trigger: Trigger,
    /// What the policy saw: e.g. "accuracy 0.71 over 212 labels", "ADWIN alarm at label 57 of 240".
    pub evidence: String,
    /// Time span of the training rows (for incremental: of the rows learned at this retrain).
    pub train_start: Option<i64>,
    pub train_end: Option<i64>,
    /// Training rows (incremental: rows learned at this retrain).
    pub rows: usize,
    /// Rows the model has learned in all (equal to `rows` for the scratch modes).
    pub model_rows: usize,
    /// The new version, or `None` when the retrain was skipped.
    pub version: Option<u32>,
    /// Why the retrain was skipped (no rows, one class).
    pub skipped: Option<String>,
    pub before: Option<Metrics>,
    pub after: Option<Metrics>,
}

/// One policy × mode.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    pub policy: Policy,
    pub mode: Mode,
    pub windows: Vec<WindowReport>,
    pub retrains: Vec<RetrainRecord>,
    /// Retrains that happened (skipped ones not counted).
    pub retrain_count: usize,
    pub sum_window_log_loss: f64,
    pub total_cost: f64,
    /// P(y = 1) served for every row from the first production window on, in sorted order.
    #[serde(skip)]
    pub probabilities: Vec<f64>,
}

/// [`Prepared::new`]'s start day S and the window arithmetic.
fn window_start(origin: i64, unit: WindowUnit, k: i64) -> i64 {
    match unit {
        WindowUnit::Day => origin + k * MICROS_PER_DAY,
        WindowUnit::Week => origin + k * 7 * MICROS_PER_DAY,
        WindowUnit::Month => {
            let (y, m, d) = civil_from_days(origin.div_euclid(MICROS_PER_DAY));
            let months = y * 12 + i64::from(m) - 1 + k;
            let (ny, nm) = (months.div_euclid(12), (months.rem_euclid(12) + 1) as u32);
            // A start on the 29th–31st falls on the last day of shorter months.
            let last = days_from_civil(
                if nm == 12 { ny + 1 } else { ny },
                if nm == 12 { 1 } else { nm + 1 },
                1,
            ) - 1;
            let day = (days_from_civil(ny, nm, 1) + i64::from(d) - 1).min(last);
            day * MICROS_PER_DAY
        }
    }
}

/// The window index of time `t`.
fn window_of(origin: i64, unit: WindowUnit, t: i64) -> i64 {
    let approx = match unit {
        WindowUnit::Day => (t - origin).div_euclid(MICROS_PER_DAY),
        WindowUnit::Week => (t - origin).div_euclid(7 * MICROS_PER_DAY),
        WindowUnit::Month => (t - origin).div_euclid(30 * MICROS_PER_DAY),
    };
    let mut k = approx;
    while window_start(origin, unit, k) > t {
        k -= 1;
    }
    while window_start(origin, unit, k + 1) <= t {
        k += 1;
    }
    k
}

impl<'a> Prepared<'a> {
    /// Windows, arrivals and the initial models (RETRAINING.md "Initial model"). Only the
    /// learners the modes need are trained.
    pub fn new(
        data: BacktestData<'a>,
        unit: WindowUnit,
        modes: &[Mode],
    ) -> Result<Self, BacktestError> {
        let n = data.times.len();
        if n == 0 {
            return Err(BacktestError::NoRows);
        }
        let origin = data.times[0].div_euclid(MICROS_PER_DAY) * MICROS_PER_DAY;
        let w0 = window_of(origin, unit, data.current_start.max(data.times[0]));
        let wl = window_of(origin, unit, data.times[n - 1]);
        let first_row = data
            .times
            .partition_point(|&t| t < window_start(origin, unit, w0));
        let mut windows = Vec::with_capacity((wl - w0 + 1).max(0) as usize);
        let mut row = first_row;
        for k in w0..=wl {
            let (start, end) = (
                window_start(origin, unit, k),
                window_start(origin, unit, k + 1),
            );
            let lo = row;
            while row < n && data.times[row] < end {
                row += 1;
            }
            windows.push(WindowSpan {
                index: (k - w0) as usize,
                start,
                end,
                rows: lo..row,
            });
        }
        let mut row_window = vec![0u32; n - first_row];
        for (wi, w) in windows.iter().enumerate() {
            for r in w.rows.clone() {
                row_window[r - first_row] = wi as u32;
            }
        }
        let mut arrivals: Vec<u32> = (0..n as u32)
            .filter(|&r| data.label_times[r as usize].is_some())
            .collect();
        arrivals.sort_by_key(|&r| (data.label_times[r as usize], r));
        let lt = |r: u32| data.label_times[r as usize].unwrap_or(i64::MAX);
        let cut = windows
            .iter()
            .map(|w| arrivals.partition_point(|&r| lt(r) <= w.start))
            .collect();
        let mut p = Self {
            data,
            origin,
            unit,
            windows,
            first_row,
            arrivals,
            cut,
            row_window,
            initial_scratch: None,
            initial_scratch_rows: Vec::new(),
            initial_online: None,
            initial_online_skipped: Vec::new(),
        };
        let t0 = p.windows[0].start;
        let initial: Vec<u32> = p.arrivals[..p.cut[0]]
            .iter()
            .copied()
            .filter(|&r| data.times[r as usize] < t0)
            .collect();
        if initial.is_empty() {
            return Err(BacktestError::NoInitialLabels(0));
        }
        if modes
            .iter()
            .any(|m| matches!(m, Mode::Scratch | Mode::Sliding { .. }))
        {
            let m = logistic::fit(data.x, data.d, &initial, data.y, None)
                .map_err(BacktestError::InitialModel)?;
            p.initial_scratch = Some(m);
        }
        if modes.contains(&Mode::Incremental) {
            let mut m = OnlineModel::new(data.d);
            for &r in &initial {
                m.learn(p.row(r), data.y[r as usize]);
            }
            p.initial_online = Some(m);
            p.initial_online_skipped = p.arrivals[..p.cut[0]]
                .iter()
                .copied()
                .filter(|&r| data.times[r as usize] >= t0)
                .collect();
        }
        p.initial_scratch_rows = initial;
        Ok(p)
    }

    fn row(&self, r: u32) -> &'a [f64] {
        let d = self.data.d;
        &self.data.x[r as usize * d..(r as usize + 1) * d]
    }

    /// Rows with time < T and label time ≤ T of window `wi` (and time ≥ `from`), in arrival
    /// order.
    fn training_rows(&self, wi: usize, from: Option<i64>) -> Vec<u32> {
        let t = self.windows[wi].start;
        self.arrivals[..self.cut[wi]]
            .iter()
            .copied()
            .filter(|&r| {
                let tr = self.data.times[r as usize];
                tr < t && from.is_none_or(|f| tr >= f)
            })
            .collect()
    }

    /// Backtest one policy × mode. `stop` is asked after every window (with the number of
    /// windows done) and ends the run when it says so.
    pub fn run(
        &self,
        policy: Policy,
        mode: Mode,
        cost: f64,
        stop: &(dyn Fn(usize) -> bool + Sync),
    ) -> Result<RunReport, BacktestError> {
        let data = &self.data;
        let mut model = match mode {
            Mode::Incremental => match &self.initial_online {
                Some(m) => Learner::Online(m.clone()),
                None => return Err(BacktestError::NoInitialLabels(0)),
            },
            _ => match &self.initial_scratch {
                Some(m) => Learner::Scratch(m.clone()),
                None => return Err(BacktestError::NoInitialLabels(0)),
            },
        };
        let mut online_pending = self.initial_online_skipped.clone();
        let mut learned_cut = self.cut[0];
        let mut version = 1u32;
        let mut window_version = vec![0u32; self.windows.len()];
        let n = data.times.len();
        let mut probabilities = vec![0.0; n - self.first_row];
        let mut detector = new_detector(policy);
        let mut bins = match policy {
            Policy::DriftShare { .. } => {
                Some(ReferenceBins::new(data, self, &self.initial_scratch_rows))
            }
            _ => None,
        };
        let mut windows = Vec::new();
        let mut retrains: Vec<RetrainRecord> = Vec::new();
        let mut last_scored: Option<Metrics> = None;
        let mut awaiting_after: Option<usize> = None;
        let mut new_rows: Vec<u32> = Vec::new();
        for (wi, win) in self.windows.iter().enumerate() {
            if wi > 0 {
                // New_w: labels arriving in (T_{w−1}, T_w] of rows served by this version.
                new_rows.clear();
                new_rows.extend(
                    self.arrivals[self.cut[wi - 1]..self.cut[wi]]
                        .iter()
                        .copied()
                        .filter(|&r| {
                            let r = r as usize;
                            r >= self.first_row
                                && r < win.rows.start
                                && window_version[self.row_window[r - self.first_row] as usize]
                                    == version
                        }),
                );
                let served = |r: u32| probabilities[r as usize - self.first_row];
                let decision = decide(
                    policy,
                    win.index,
                    &new_rows,
                    &served,
                    data.y,
                    &mut detector,
                    bins.as_ref(),
                    data,
                );
                if let Some((trigger, evidence)) = decision {
                    let mut record = RetrainRecord {
                        window: win.index,
                        at: win.start,
                        trigger,
                        evidence,
                        train_start: None,
                        train_end: None,
                        rows: 0,
                        model_rows: 0,
                        version: None,
                        skipped: None,
                        before: last_scored,
                        after: None,
                    };
                    let trained: Result<Vec<u32>, FitError> = match (&mut model, mode) {
                        (Learner::Scratch(m), Mode::Scratch | Mode::Sliding { .. }) => {
                            let from = match mode {
                                Mode::Sliding { micros } => Some(win.start - micros),
                                _ => None,
                            };
                            let rows = self.training_rows(wi, from);
                            logistic::fit(data.x, data.d, &rows, data.y, Some(m)).map(|fitted| {
                                *m = fitted;
                                rows
                            })
                        }
                        (Learner::Online(m), _) => {
                            let mut rows = std::mem::take(&mut online_pending);
                            rows.extend_from_slice(&self.arrivals[learned_cut..self.cut[wi]]);
                            learned_cut = self.cut[wi];
                            for &r in &rows {
                                m.learn(self.row(r), data.y[r as usize]);
                            }
                            if rows.is_empty() {
                                Err(FitError::Empty)
                            } else {
                                Ok(rows)
                            }
                        }
                        _ => Err(FitError::Empty),
                    };
                    match trained {
                        Ok(rows) => {
                            version += 1;
                            record.version = Some(version);
                            record.rows = rows.len();
                            record.model_rows = match &model {
                                Learner::Online(m) => m.learned,
                                Learner::Scratch(_) => rows.len(),
                            };
                            let span = rows.iter().map(|&r| data.times[r as usize]);
                            record.train_start = span.clone().min();
                            record.train_end = span.max();
                            if let Some(b) = bins.as_mut() {
                                *b = match mode {
                                    Mode::Incremental => ReferenceBins::new(
                                        data,
                                        self,
                                        &self.training_rows(wi, None),
                                    ),
                                    _ => ReferenceBins::new(data, self, &rows),
                                };
                            }
                            awaiting_after = Some(retrains.len());
                        }
                        Err(e) => record.skipped = Some(e.to_string()),
                    }
                    // A fresh detector at each retrain.
                    detector = new_detector(policy);
                    retrains.push(record);
                }
            }
            window_version[wi] = version;
            for r in win.rows.clone() {
                let x = &data.x[r * data.d..(r + 1) * data.d];
                probabilities[r - self.first_row] = model.probability(x);
            }
            if !win.rows.is_empty() {
                let m = score(
                    &probabilities[win.rows.start - self.first_row..win.rows.end - self.first_row],
                    &data.y[win.rows.clone()],
                    &data.has_label[win.rows.clone()],
                );
                windows.push(WindowReport {
                    index: win.index,
                    start: win.start,
                    end: win.end,
                    rows: win.rows.len(),
                    labelled: data.has_label[win.rows.clone()]
                        .iter()
                        .filter(|&&l| l)
                        .count(),
                    accuracy: m.accuracy,
                    roc_auc: m.roc_auc,
                    log_loss: m.log_loss,
                    model_version: version,
                });
                // Before / after read windows with labelled rows.
                if m.log_loss.is_some() {
                    if let Some(i) = awaiting_after.take() {
                        retrains[i].after = Some(m);
                    }
                    last_scored = Some(m);
                }
            }
            if stop(wi + 1) {
                return Err(BacktestError::Cancelled);
            }
        }
        let retrain_count = retrains.iter().filter(|r| r.version.is_some()).count();
        let sum_window_log_loss: f64 = windows.iter().filter_map(|w| w.log_loss).sum();
        Ok(RunReport {
            policy,
            mode,
            windows,
            retrains,
            retrain_count,
            sum_window_log_loss,
            total_cost: sum_window_log_loss + cost * retrain_count as f64,
            probabilities,
        })
    }
}

enum Learner {
    Scratch(ScratchModel),
    Online(OnlineModel),
}

impl Learner {
    fn probability(&self, x: &[f64]) -> f64 {
        match self {
            Self::Scratch(m) => m.probability(x),
            Self::Online(m) => m.probability(x),
        }
    }
}

fn new_detector(policy: Policy) -> Option<Box<dyn Detector>> {
    match policy {
        Policy::OnDrift { detector } => Some(match detector {
            DetectorKind::Adwin => Box::new(Adwin::default()),
            DetectorKind::Ddm => Box::new(Ddm::default()),
            DetectorKind::PageHinkley => Box::new(PageHinkley::default()),
        }),
        _ => None,
    }
}

/// The policy's decision at T_w over New_w (rows in arrival order).
#[allow(clippy::too_many_arguments)]
fn decide(
    policy: Policy,
    index: usize,
    new_rows: &[u32],
    served: &dyn Fn(u32) -> f64,
    y: &[bool],
    detector: &mut Option<Box<dyn Detector>>,
    bins: Option<&ReferenceBins>,
    data: &BacktestData<'_>,
) -> Option<(Trigger, String)> {
    let wrong = |r: u32| (served(r) > 0.5) != y[r as usize];
    match policy {
        Policy::Never => None,
        Policy::Every { k } => index
            .is_multiple_of(k as usize)
            .then(|| (Trigger::Schedule, format!("window {index} of every {k}"))),
        Policy::OnDrift { detector: kind } => {
            let d = detector.as_mut()?;
            for (i, &r) in new_rows.iter().enumerate() {
                if d.update(if wrong(r) { 1.0 } else { 0.0 }).drift {
                    return Some((
                        Trigger::DetectorAlarm,
                        format!(
                            "{} alarm at label {} of {}",
                            kind.name(),
                            i + 1,
                            new_rows.len()
                        ),
                    ));
                }
            }
            None
        }
        Policy::Floor { accuracy } => {
            if new_rows.len() < MIN_NEW_LABELS {
                return None;
            }
            let errors = new_rows.iter().filter(|&&r| wrong(r)).count();
            let acc = 1.0 - errors as f64 / new_rows.len() as f64;
            (acc < accuracy).then(|| {
                (
                    Trigger::Floor,
                    format!("accuracy {acc:.4} over {} labels", new_rows.len()),
                )
            })
        }
        Policy::DriftShare { share } => {
            if new_rows.len() < MIN_NEW_LABELS {
                return None;
            }
            let b = bins?;
            let (drifted, total) = b.drifted(data, new_rows);
            let s = if total == 0 {
                0.0
            } else {
                drifted as f64 / total as f64
            };
            (total > 0 && s >= share).then(|| {
                (
                    Trigger::DriftShare,
                    format!(
                        "{drifted} of {total} features with PSI > {PSI_DRIFT} over {} rows",
                        new_rows.len()
                    ),
                )
            })
        }
    }
}

/// Over the labelled rows: accuracy (ŷ = 1 iff p > 0.5), ROC AUC (ties half) and log loss
/// (p clipped to [1e-15, 1 − 1e-15]).
pub fn score(p: &[f64], y: &[bool], has_label: &[bool]) -> Metrics {
    let (mut pl, mut yl) = (Vec::with_capacity(p.len()), Vec::with_capacity(p.len()));
    let (mut correct, mut ll) = (0usize, 0.0);
    for ((&p, &y), _) in p.iter().zip(y).zip(has_label).filter(|(_, l)| **l) {
        if (p > 0.5) == y {
            correct += 1;
        }
        ll += log_loss_term(y, p, LOG_LOSS_EPS);
        pl.push(p);
        yl.push(if y { 1.0 } else { 0.0 });
    }
    if pl.is_empty() {
        return Metrics {
            accuracy: None,
            roc_auc: None,
            log_loss: None,
        };
    }
    let n = pl.len() as f64;
    let auc = roc_auc(&yl, &pl);
    Metrics {
        accuracy: Some(correct as f64 / n),
        roc_auc: auc.is_finite().then_some(auc),
        log_loss: Some(ll / n),
    }
}

/// The drift-share policy's reference: per raw feature, the bins and shares of the current
/// model's training rows (numeric: deciles; categorical: each reference level, plus one bin for
/// rows with none of them).
struct ReferenceBins {
    features: Vec<FeatureBins>,
}

enum FeatureBins {
    Numeric {
        column: usize,
        edges: Vec<f64>,
        shares: Vec<f64>,
    },
    Categorical {
        start: usize,
        levels: usize,
        shares: Vec<f64>,
    },
}

impl ReferenceBins {
    fn new(data: &BacktestData<'_>, p: &Prepared<'_>, rows: &[u32]) -> Self {
        let n = rows.len().max(1) as f64;
        let features = data
            .groups
            .iter()
            .map(|g| match *g {
                EncodedGroup::Numeric { column, .. } => {
                    let mut v: Vec<f64> = rows.iter().map(|&r| p.row(r)[column]).collect();
                    v.sort_by(f64::total_cmp);
                    let edges = if v.is_empty() {
                        vec![f64::NEG_INFINITY, f64::INFINITY]
                    } else {
                        quantile_edges(&v, PSI_BINS)
                    };
                    let shares = histogram_counts(&v, &edges)
                        .iter()
                        .map(|&c| c as f64 / n)
                        .collect();
                    FeatureBins::Numeric {
                        column,
                        edges,
                        shares,
                    }
                }
                EncodedGroup::Categorical { start, levels, .. } => {
                    let counts = category_counts(rows.iter().map(|&r| p.row(r)), start, levels);
                    FeatureBins::Categorical {
                        start,
                        levels,
                        shares: counts.iter().map(|&c| c as f64 / n).collect(),
                    }
                }
            })
            .collect();
        Self { features }
    }

    /// (features whose PSI exceeds 0.2, features) between the reference and `rows`.
    fn drifted(&self, data: &BacktestData<'_>, rows: &[u32]) -> (usize, usize) {
        let d = data.d;
        let row = |r: u32| &data.x[r as usize * d..(r as usize + 1) * d];
        let n = rows.len() as f64;
        let mut drifted = 0;
        for f in &self.features {
            let (reference, current): (&[f64], Vec<f64>) = match f {
                FeatureBins::Numeric {
                    column,
                    edges,
                    shares,
                } => {
                    let mut v: Vec<f64> = rows.iter().map(|&r| row(r)[*column]).collect();
                    v.sort_by(f64::total_cmp);
                    let c = histogram_counts(&v, edges);
                    (shares, c.iter().map(|&c| c as f64 / n).collect())
                }
                FeatureBins::Categorical {
                    start,
                    levels,
                    shares,
                } => {
                    let c = category_counts(rows.iter().map(|&r| row(r)), *start, *levels);
                    (shares, c.iter().map(|&c| c as f64 / n).collect())
                }
            };
            let (value, _) = psi(&fill_zero_shares(reference), &fill_zero_shares(&current));
            if value > PSI_DRIFT {
                drifted += 1;
            }
        }
        (drifted, self.features.len())
    }
}

/// Counts per one-hot level, and a last bin for rows with none of the levels set.
fn category_counts<'r>(
    rows: impl Iterator<Item = &'r [f64]>,
    start: usize,
    levels: usize,
) -> Vec<u64> {
    let mut c = vec![0u64; levels + 1];
    for x in rows {
        match (0..levels).find(|&k| x[start + k] != 0.0) {
            Some(k) => c[k] += 1,
            None => c[levels] += 1,
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_windows_follow_the_start_day() {
        let s = days_from_civil(2025, 1, 31) * MICROS_PER_DAY;
        let feb = window_start(s, WindowUnit::Month, 1);
        assert_eq!(feb, days_from_civil(2025, 2, 28) * MICROS_PER_DAY);
        assert_eq!(
            window_start(s, WindowUnit::Month, 2),
            days_from_civil(2025, 3, 31) * MICROS_PER_DAY
        );
        assert_eq!(window_of(s, WindowUnit::Month, feb - 1), 0);
        assert_eq!(window_of(s, WindowUnit::Month, feb), 1);
        assert_eq!(window_of(s, WindowUnit::Week, s + 7 * MICROS_PER_DAY), 1);
    }
}

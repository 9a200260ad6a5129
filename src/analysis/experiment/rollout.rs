//! Gradual rollouts: a request log (time, arm, metrics) read as a sequence of ramp steps, a
//! sequential guardrail test across the steps, a verdict per step, and a what-if replay of
//! another ramp plan on the same log. Pure functions over slices (no polars); the statistics
//! are gbstats's ([`super::stratified`], [`super::sequential`], [`super::frequentist`]).
//!
//! # Ramp steps
//! The rows are counted per calendar bucket (UTC hours, or days when the log spans more than
//! [`AUTO_HOURLY_SPAN_DAYS`] days): n_b rows and t_b of them on the treatment. The steps are
//! found by binary segmentation of that sequence: in a segment, the split between two buckets
//! that maximises the binomial likelihood-ratio statistic
//! G = 2·[ℓ(t_L, n_L) + ℓ(t_R, n_R) − ℓ(t_L + t_R, n_L + n_R)], ℓ(t, n) = t ln(t/n) +
//! (n − t) ln(1 − t/n) — the G-test of the 2×2 table of (treatment, control) counts left and
//! right of the split, `scipy.stats.chi2_contingency(…, correction=False,
//! lambda_="log-likelihood")` — is accepted when
//! - G exceeds the χ²₁ critical value at `alpha / (m − 1)` (m buckets with traffic: a Bonferroni
//!   bound over every place a split could go), so that binomial noise in a constant share splits
//!   a log with probability below `alpha`; and
//! - the shares moved by a practical amount: |p_L − p_R| ≥ `min_relative_change` ×
//!   max(min(p_L, 1 − p_L), min(p_R, 1 − p_R)), i.e. relative to the smaller arm, so that
//!   1 % → 5 % and 50 % → 100 % are steps and 50 % → 51 % on a huge log is not.
//!
//! Both halves are then split again, until no split passes. A step's bounds are its buckets'
//! bounds: a share changed in the middle of an hour puts that hour wholly in one step.
//!
//! # The guardrail test: one confidence sequence, stratified by step
//! A guardrail asks "is the treatment worse?" one-sided, and is read after every bucket. Two
//! readings were possible: a fresh test inside each step, or one test over everything so far.
//! A fresh test per step gives each step its own chance α of a false alarm, so a five-step
//! ramp may stop a harmless model with probability up to 5α. One test over all the data is
//! tested at α once — but the steps cannot simply be pooled: the treatment's units come mostly
//! from the late, high-share steps and the control's from the early ones, and any change over
//! time (traffic mix, season) would read as an effect (Simpson's paradox). So the estimate is
//! post-stratified by step (gbstats's `EffectMomentsPostStratification`): the arms are compared
//! inside each step and the steps weighted by their share of the units, which estimates the
//! effect over the rollout's traffic without comparing different shares. It is the
//! inverse-propensity-weighted mean with the step's share as the propensity — the setting of
//! the asymptotic confidence sequences of Waudby-Smith et al. (2023) that GrowthBook's
//! sequential test implements — so the one-sided always-valid bound of
//! [`super::sequential::sequential_one_sided`] (gbstats's
//! `SequentialOneSidedTreatment{Greater,Lesser}TTest(strata, SequentialConfig(post_stratify=True))`)
//! keeps the chance of any false stop, over every look of the whole rollout, at α.
//! The price: a harm that starts only at a late step is diluted by the earlier steps' weight
//! and is found later than a test of that step alone would find it; each step's own effect is
//! reported beside the cumulative test so that a reader sees where the harm comes from.
//!
//! A step enters the test once each of its arms has [`RolloutParams::min_units`] units with a
//! value and a non-constant metric; until then the normal approximation behind the bound is
//! not to be trusted (a 1 % step has a handful of treatment units in its first hours). gbstats
//! would merge such a cell into the largest one; that pools two shares, so here it waits.
//!
//! The first look at which any guardrail's bound excludes "not worse" is `stopped_at`; every
//! step whose end is at or after it is "roll back since `stopped_at`", the earlier ones are
//! "safe to go on" when every guardrail had a test at their end.
//!
//! # What-if replay of a ramp plan
//! A plan is a list of shares with their start times. The replay walks the log's rows in time
//! order from the plan's first start; a row at time t has the plan's share p (the step in force
//! at t) and the observed share q of the detected step it lies in. It keeps every row of the arm
//! the plan wants more of and a random subset of the other arm, so that the kept rows have share
//! p: with p > q every treatment row and each control row with probability
//! q(1 − p) / (p(1 − q)); with p < q every control row and each treatment row with probability
//! p(1 − q) / (q(1 − p)); a [`crate::vocab::Rng`] started at the seed draws the coin of each row.
//! Where the log cannot give share p (q = 0 and p > 0, or q = 1 and p < 1) the rows are not
//! replayed and are counted. The kept rows are then tested exactly as the observed log, with
//! the plan's steps as the strata and a look after every bucket. The replay assumes that a
//! row's outcome does not depend on the share it was served under: a harm caused by load at a
//! high share shows up in the replay when it happened in the log, not when the plan would have
//! reached that share. Several replays (seeds `seed`, `seed + 1`, …) show how much the answer
//! depends on the coin flips.

use serde::{Deserialize, Serialize};

use super::dist::normal_quantile;
use super::error::ExperimentError;
use super::frequentist::{EffectParams, EffectReport, Estimate, frequentist_effect};
use super::moments::{ArmMoments, ArmSummary, Direction, MetricKind};
use super::sequential::{Alternative, OneSidedParams, sequential_one_sided};
use super::stratified::{Difference, Stratum, post_stratified, post_stratified_test};
use crate::vocab::Rng;
use crate::vocab::time::MICROS_PER_DAY;

/// Microseconds in one hour.
pub const MICROS_PER_HOUR: i64 = 3_600_000_000;
/// With [`BucketWidth::Auto`], logs spanning at most this many days are read per hour.
pub const AUTO_HOURLY_SPAN_DAYS: i64 = 92;
/// More buckets than this is a mistake (hours over centuries), not a rollout.
pub const MAX_BUCKETS: usize = 1_000_000;

/// How long one bucket of the share timeline is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum BucketWidth {
    /// Hours when the log spans at most [`AUTO_HOURLY_SPAN_DAYS`] days, else days.
    #[default]
    Auto,
    Hour,
    Day,
}

impl BucketWidth {
    /// The width in microseconds for a log spanning `span` microseconds.
    pub fn micros(self, span: i64) -> i64 {
        match self {
            BucketWidth::Hour => MICROS_PER_HOUR,
            BucketWidth::Day => MICROS_PER_DAY,
            BucketWidth::Auto if span <= AUTO_HOURLY_SPAN_DAYS * MICROS_PER_DAY => MICROS_PER_HOUR,
            BucketWidth::Auto => MICROS_PER_DAY,
        }
    }
}

/// The calendar buckets of a log: bucket b covers [origin + b·width, origin + (b + 1)·width).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Grid {
    /// Start of bucket 0 (a multiple of `width` since the epoch, so hours and days are UTC's).
    pub origin: i64,
    /// Bucket width in microseconds.
    pub width: i64,
    /// Number of buckets from the first row's to the last row's.
    pub len: usize,
}

impl Grid {
    /// Start of bucket `b`.
    pub fn start(&self, b: usize) -> i64 {
        self.origin + b as i64 * self.width
    }
    /// End of bucket `b` (exclusive).
    pub fn end(&self, b: usize) -> i64 {
        self.start(b + 1)
    }
    /// The bucket of a time within the grid.
    pub fn bucket(&self, t: i64) -> usize {
        ((t - self.origin) / self.width) as usize
    }
}

/// One metric of the log, row-aligned with the times (NaN = missing).
#[derive(Debug, Clone)]
pub struct RolloutMetric<'a> {
    pub name: String,
    pub values: &'a [f64],
    pub kind: MetricKind,
    pub direction: Direction,
}

/// The log as the analysis takes it: rows with a time and one of the two arms.
#[derive(Debug, Clone)]
pub struct RolloutLog<'a> {
    /// Microseconds since the epoch, per row.
    pub times: &'a [i64],
    /// Whether the row was served by the treatment (else the control).
    pub treated: &'a [bool],
    /// The success metric: its effect per step.
    pub success: RolloutMetric<'a>,
    /// The guardrails: a one-sided sequential test each.
    pub guardrails: Vec<RolloutMetric<'a>>,
}

impl RolloutLog<'_> {
    fn metrics(&self) -> impl Iterator<Item = &RolloutMetric<'_>> {
        std::iter::once(&self.success).chain(&self.guardrails)
    }
}

/// Per bucket and per metric, both arms' sufficient statistics.
#[derive(Debug, Clone)]
pub struct Aggregates {
    pub grid: Grid,
    /// Rows per bucket: [control, treatment].
    pub counts: Vec<[u64; 2]>,
    /// `stats[m][b]`: metric m (0 = success, then the guardrails) in bucket b, [control,
    /// treatment], over the rows with a value.
    pub stats: Vec<Vec<[ArmSummary; 2]>>,
    /// Rows without a value, per metric.
    pub missing: Vec<u64>,
}

fn empty(kind: MetricKind) -> ArmSummary {
    ArmSummary {
        kind,
        n: 0,
        sum: 0.0,
        sum_squares: 0.0,
    }
}

fn add(a: &mut ArmSummary, x: f64) {
    a.n += 1;
    a.sum += x;
    a.sum_squares += x * x;
}

fn merge(a: &mut ArmSummary, b: &ArmSummary) {
    a.n += b.n;
    a.sum += b.sum;
    a.sum_squares += b.sum_squares;
}

/// Counts and sums every row into its bucket (one pass; the work of a large log).
///
/// Errors: no rows; lengths that differ; a proportion value other than 0 or 1; an infinite
/// value; more than [`MAX_BUCKETS`] buckets.
pub fn aggregate(log: &RolloutLog, width: BucketWidth) -> Result<Aggregates, ExperimentError> {
    let n = log.times.len();
    if n == 0 {
        return Err(ExperimentError::NoUnits {
            arm: "the log".to_string(),
        });
    }
    if log.treated.len() != n {
        return Err(ExperimentError::LengthMismatch {
            what: "times and arms",
            left: n,
            right: log.treated.len(),
        });
    }
    for m in log.metrics() {
        if m.values.len() != n {
            return Err(ExperimentError::LengthMismatch {
                what: "times and metric values",
                left: n,
                right: m.values.len(),
            });
        }
    }
    let (lo, hi) = log
        .times
        .iter()
        .fold((i64::MAX, i64::MIN), |(lo, hi), &t| (lo.min(t), hi.max(t)));
    let w = width.micros(hi.saturating_sub(lo));
    let origin = lo.div_euclid(w) * w;
    let len = ((hi.div_euclid(w) - lo.div_euclid(w)) as u64).saturating_add(1);
    if len > MAX_BUCKETS as u64 {
        return Err(ExperimentError::OutOfRange {
            name: "number of time buckets",
            value: len as f64,
            range: "[1, 1 000 000]: read the log per day",
        });
    }
    let grid = Grid {
        origin,
        width: w,
        len: len as usize,
    };
    let mut counts = vec![[0u64; 2]; grid.len];
    let bucket: Vec<u32> = log
        .times
        .iter()
        .zip(log.treated)
        .map(|(&t, &b)| {
            let k = grid.bucket(t);
            counts[k][usize::from(b)] += 1;
            k as u32
        })
        .collect();
    let mut stats = Vec::new();
    let mut missing = Vec::new();
    for m in log.metrics() {
        let mut s = vec![[empty(m.kind); 2]; grid.len];
        let mut miss = 0u64;
        for (i, &x) in m.values.iter().enumerate() {
            if x.is_nan() {
                miss += 1;
                continue;
            }
            if x.is_infinite() {
                return Err(ExperimentError::NonFinite {
                    what: "metric",
                    index: i,
                });
            }
            if m.kind == MetricKind::Proportion && x != 0.0 && x != 1.0 {
                return Err(ExperimentError::NotBinary { index: i, value: x });
            }
            add(&mut s[bucket[i] as usize][usize::from(log.treated[i])], x);
        }
        stats.push(s);
        missing.push(miss);
    }
    Ok(Aggregates {
        grid,
        counts,
        stats,
        missing,
    })
}

/// The rule that turns the share timeline into steps (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StepRule {
    /// Chance that a log with one constant share is split at all (Bonferroni over positions).
    pub alpha: f64,
    /// Smallest change of share that makes a step, relative to the smaller arm's share.
    pub min_relative_change: f64,
}

impl Default for StepRule {
    fn default() -> Self {
        Self {
            alpha: 1e-3,
            min_relative_change: 0.1,
        }
    }
}

/// A ramp step: consecutive buckets with one share.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Step {
    /// First and last bucket (both with traffic).
    pub first_bucket: usize,
    pub last_bucket: usize,
    /// Start of the first bucket and end of the last.
    pub start: i64,
    pub end: i64,
    /// Rows on the control and on the treatment.
    pub control: u64,
    pub treatment: u64,
}

impl Step {
    /// The observed treatment share.
    pub fn share(&self) -> f64 {
        self.treatment as f64 / (self.control + self.treatment).max(1) as f64
    }
}

fn loglik(t: f64, n: f64) -> f64 {
    let mut l = 0.0;
    if t > 0.0 {
        l += t * (t / n).ln();
    }
    if n - t > 0.0 {
        l += (n - t) * ((n - t) / n).ln();
    }
    l
}

/// The G statistic of a split: the 2×2 likelihood-ratio test of (treatment, control) counts
/// on the left against the right (`scipy.stats.chi2_contingency(correction=False,
/// lambda_="log-likelihood")`).
pub fn split_statistic(left: [u64; 2], right: [u64; 2]) -> f64 {
    let (tl, nl) = (left[1] as f64, (left[0] + left[1]) as f64);
    let (tr, nr) = (right[1] as f64, (right[0] + right[1]) as f64);
    (2.0 * (loglik(tl, nl) + loglik(tr, nr) - loglik(tl + tr, nl + nr))).max(0.0)
}

/// The χ²₁ critical value at level p: (Φ⁻¹(p/2))² (`scipy.stats.chi2.isf(p, 1)`).
pub fn chi2_1_critical(p: f64) -> f64 {
    normal_quantile(p / 2.0).powi(2)
}

/// Whether two shares differ by the practical amount of [`StepRule::min_relative_change`].
pub fn material_change(p1: f64, p2: f64, min_relative_change: f64) -> bool {
    let d = (p1 - p2).abs();
    if d == 0.0 {
        return false;
    }
    let scale = p1.min(1.0 - p1).max(p2.min(1.0 - p2));
    scale == 0.0 || d >= min_relative_change * scale
}

/// The ramp steps of a share timeline, by the rule of the module documentation.
pub fn detect_steps(
    counts: &[[u64; 2]],
    grid: &Grid,
    rule: &StepRule,
) -> Result<Vec<Step>, ExperimentError> {
    super::error::check_unit_open("step-detection alpha", rule.alpha)?;
    if !(rule.min_relative_change.is_finite() && rule.min_relative_change >= 0.0) {
        return Err(ExperimentError::OutOfRange {
            name: "minimum relative change of share",
            value: rule.min_relative_change,
            range: "[0, ∞)",
        });
    }
    // Only buckets with traffic can hold a change.
    let busy: Vec<usize> = (0..counts.len())
        .filter(|&b| counts[b][0] + counts[b][1] > 0)
        .collect();
    if busy.is_empty() {
        return Ok(Vec::new());
    }
    let m = busy.len();
    // Prefix sums over the busy buckets: [control, treatment].
    let mut prefix = vec![[0u64; 2]; m + 1];
    for (i, &b) in busy.iter().enumerate() {
        prefix[i + 1] = [prefix[i][0] + counts[b][0], prefix[i][1] + counts[b][1]];
    }
    let between = |i: usize, j: usize| [prefix[j][0] - prefix[i][0], prefix[j][1] - prefix[i][1]];
    let share = |c: [u64; 2]| c[1] as f64 / (c[0] + c[1]) as f64;
    let critical = if m > 1 {
        chi2_1_critical(rule.alpha / (m - 1) as f64)
    } else {
        f64::INFINITY
    };
    // Segments of busy indices [i, j); split the ones that pass until none does.
    let mut done: Vec<(usize, usize)> = Vec::new();
    let mut todo = vec![(0usize, m)];
    while let Some((i, j)) = todo.pop() {
        let mut best: Option<(f64, usize)> = None;
        for k in i + 1..j {
            let (l, r) = (between(i, k), between(k, j));
            if !material_change(share(l), share(r), rule.min_relative_change) {
                continue;
            }
            let g = split_statistic(l, r);
            if g > critical && best.is_none_or(|(bg, _)| g > bg) {
                best = Some((g, k));
            }
        }
        match best {
            Some((_, k)) => {
                todo.push((i, k));
                todo.push((k, j));
            }
            None => done.push((i, j)),
        }
    }
    done.sort_unstable();
    Ok(done
        .into_iter()
        .map(|(i, j)| {
            let c = between(i, j);
            let (first, last) = (busy[i], busy[j - 1]);
            Step {
                first_bucket: first,
                last_bucket: last,
                start: grid.start(first),
                end: grid.end(last),
                control: c[0],
                treatment: c[1],
            }
        })
        .collect())
}

/// The settings of the tests.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RolloutParams {
    /// One-sided level of each guardrail, in (0, 0.5); also the two-sided level of the
    /// success metric's intervals (0.05: 95 %).
    pub alpha: f64,
    /// τ of the confidence sequence (gbstats: 5000).
    pub tuning: f64,
    /// Units with a value per arm before a step enters a test.
    pub min_units: u64,
    /// The effect tested: relative (gbstats's default) or absolute.
    pub difference: Difference,
}

impl Default for RolloutParams {
    fn default() -> Self {
        Self {
            alpha: 0.05,
            tuning: super::sequential::DEFAULT_TUNING,
            min_units: 30,
            difference: Difference::Relative,
        }
    }
}

impl RolloutParams {
    /// Checks α (one-sided, as gbstats requires), τ and the minimum.
    pub fn check(&self) -> Result<(), ExperimentError> {
        if !(self.alpha.is_finite() && self.alpha > 0.0 && self.alpha < 0.5) {
            return Err(ExperimentError::OutOfRange {
                name: "guardrail alpha",
                value: self.alpha,
                range: "(0, 0.5)",
            });
        }
        if !(self.tuning.is_finite() && self.tuning > 0.0) {
            return Err(ExperimentError::OutOfRange {
                name: "sequential tuning parameter",
                value: self.tuning,
                range: "(0, ∞)",
            });
        }
        Ok(())
    }
}

/// The guardrail test at one look.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GuardrailTest {
    /// The post-stratified effect (relative as a fraction, or absolute).
    pub estimate: f64,
    pub standard_error: f64,
    /// The finite end of the always-valid one-sided interval: its lower end when higher is
    /// worse, its upper end when lower is worse.
    pub bound: f64,
    /// The α at which the bound touches 0 (closed form, in [0, 1]). gbstats's own `pValue` of
    /// a post-stratified one-sided test is not this: its `compute_p_value` re-runs the test on
    /// the strata summed together (without `post_stratify`), i.e. on the pooled data whose
    /// bias the stratification removes, so it is not reported.
    pub p_value: f64,
    /// Units in the strata used.
    pub n: u64,
    /// Strata (steps) used.
    pub strata: usize,
    /// The bound excludes "not worse": the guardrail is breached.
    pub breached: bool,
}

/// One look at a guardrail: after a bucket.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Look {
    /// The end of the bucket.
    pub time: i64,
    /// The test, when one was possible.
    pub test: Option<GuardrailTest>,
    /// Why there was none.
    pub untested: Option<String>,
}

/// A guardrail over the whole log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GuardrailTrack {
    pub metric: String,
    pub kind: MetricKind,
    pub direction: Direction,
    /// One look per bucket with traffic, in time order.
    pub looks: Vec<Look>,
    /// Index of the first look that breached.
    pub first_breach: Option<usize>,
    /// Why the metric could not be tested at all (all missing, constant).
    pub error: Option<String>,
}

impl GuardrailTrack {
    /// The last look at or before `time`.
    pub fn look_at(&self, time: i64) -> Option<&Look> {
        let i = self.looks.partition_point(|l| l.time <= time);
        i.checked_sub(1).map(|i| &self.looks[i])
    }

    /// When the guardrail first breached.
    pub fn breached_at(&self) -> Option<i64> {
        self.first_breach.map(|i| self.looks[i].time)
    }
}

/// One metric's moments in one step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepMeans {
    pub metric: String,
    pub control: ArmMoments,
    pub treatment: ArmMoments,
}

/// A guardrail as of the end of a step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GuardrailAtStep {
    pub metric: String,
    /// The cumulative stratified test at the step's last look.
    pub at_end: Option<Look>,
    /// Breached at some look up to the step's end.
    pub breached: bool,
    pub breached_at: Option<i64>,
    /// This step's own fixed-horizon effect (Welch, two-sided 1 − α), for reading.
    pub step_effect: Option<EffectReport>,
    pub step_effect_error: Option<String>,
}

/// What to do at the end of a step.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "verdict")]
pub enum StepVerdict {
    /// Every guardrail was tested and none breached.
    SafeToGoOn,
    /// A guardrail breached at `since`, at or before the step's end.
    RollBack { since: i64 },
    /// Some guardrail had no test at the step's end (and none breached).
    NotTested { reason: String },
}

/// One step of the observed rollout.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepReport {
    pub step: Step,
    /// The plan's share at the step's midpoint, when a plan was given.
    pub planned_share: Option<f64>,
    /// Per metric (the success first): both arms' moments.
    pub means: Vec<StepMeans>,
    /// The success metric's effect in this step (two-sided, 1 − α).
    pub success: Option<EffectReport>,
    pub success_error: Option<String>,
    pub guardrails: Vec<GuardrailAtStep>,
    pub verdict: StepVerdict,
    /// Why the step cannot be compared at all (no traffic on one arm).
    pub note: Option<String>,
}

/// The success metric over every step, post-stratified (fixed horizon).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StratifiedSuccess {
    pub control_mean: f64,
    pub treatment_mean: f64,
    /// Effect with its two-sided 1 − α interval and p-value (gbstats `TwoSidedTTest`,
    /// `post_stratify=True`).
    pub effect: Estimate,
    /// Steps (indices) used; the others had too few units or a constant metric.
    pub steps_used: Vec<usize>,
}

/// What stopped the rollout.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    pub metric: String,
    /// The look at which the bound crossed.
    pub time: i64,
    /// The step (index) that look lies in.
    pub step: usize,
    pub test: GuardrailTest,
}

/// The analysis of the observed rollout.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RolloutReport {
    pub grid: Grid,
    pub steps: Vec<StepReport>,
    pub guardrails: Vec<GuardrailTrack>,
    pub success: Option<StratifiedSuccess>,
    pub success_error: Option<String>,
    /// Rows without a value, per metric (the success first).
    pub missing: Vec<u64>,
    /// The first look at which a guardrail breached.
    pub stopped_at: Option<i64>,
    pub stopped_by: Option<Evidence>,
}

/// The stats of one stratum accumulated up to some bucket.
#[derive(Debug, Clone, Copy)]
struct Cell {
    bucket: usize,
    stratum: usize,
    stats: [ArmSummary; 2],
}

fn eligible(s: &Stratum, min_units: u64) -> bool {
    s.is_viable() && s.control.n >= min_units && s.treatment.n >= min_units
}

/// The one-sided alternative that means "worse" for a metric.
pub fn worse_side(direction: Direction) -> Alternative {
    match direction {
        Direction::LowerIsBetter => Alternative::Greater,
        Direction::HigherIsBetter => Alternative::Less,
    }
}

/// The guardrail test over the given cumulative strata (the ones not yet eligible left out).
pub fn guardrail_test(
    strata: &[Stratum],
    direction: Direction,
    params: &RolloutParams,
) -> Result<GuardrailTest, String> {
    let used: Vec<Stratum> = strata
        .iter()
        .copied()
        .filter(|s| eligible(s, params.min_units))
        .collect();
    if used.is_empty() {
        let enough = strata
            .iter()
            .any(|s| s.control.n >= params.min_units && s.treatment.n >= params.min_units);
        return Err(if enough {
            format!(
                "the value does not vary within an arm of any step with {} units per arm",
                params.min_units
            )
        } else {
            format!(
                "no step has {} units with a value in each arm yet",
                params.min_units
            )
        });
    }
    let m = post_stratified(&used, params.difference).map_err(|e| e.to_string())?;
    let r = sequential_one_sided(&OneSidedParams {
        estimate: m.estimate,
        standard_error: m.standard_error,
        n: m.n,
        alpha: params.alpha,
        tuning: params.tuning,
        alternative: worse_side(direction),
    })
    .map_err(|e| e.to_string())?;
    Ok(GuardrailTest {
        estimate: m.estimate,
        standard_error: m.standard_error,
        bound: r.bound,
        p_value: r.exact_p_value,
        n: m.n,
        strata: m.strata,
        breached: r.significant,
    })
}

/// Looks after every bucket of `cells` (in time order), each over the strata so far.
fn looks(
    cells: &[Cell],
    n_strata: usize,
    kind: MetricKind,
    grid: &Grid,
    direction: Direction,
    params: &RolloutParams,
) -> Vec<Look> {
    let mut cumulative = vec![
        Stratum {
            control: empty(kind),
            treatment: empty(kind),
        };
        n_strata
    ];
    let mut out = Vec::new();
    for (i, c) in cells.iter().enumerate() {
        let s = &mut cumulative[c.stratum];
        merge(&mut s.control, &c.stats[0]);
        merge(&mut s.treatment, &c.stats[1]);
        // One look per bucket, after its last cell.
        if cells.get(i + 1).is_some_and(|n| n.bucket == c.bucket) {
            continue;
        }
        let (test, untested) = match guardrail_test(&cumulative, direction, params) {
            Ok(t) => (Some(t), None),
            Err(e) => (None, Some(e)),
        };
        out.push(Look {
            time: grid.end(c.bucket),
            test,
            untested,
        });
    }
    out
}

fn track(metric: &RolloutMetric, looks: Vec<Look>, error: Option<String>) -> GuardrailTrack {
    let first_breach = looks
        .iter()
        .position(|l| l.test.is_some_and(|t| t.breached));
    GuardrailTrack {
        metric: metric.name.clone(),
        kind: metric.kind,
        direction: metric.direction,
        looks,
        first_breach,
        error,
    }
}

/// Why a metric cannot be tested anywhere: no value at all, or one value everywhere.
pub fn metric_problem(stats: &[[ArmSummary; 2]], kind: MetricKind) -> Option<String> {
    let mut all = empty(kind);
    for s in stats {
        merge(&mut all, &s[0]);
        merge(&mut all, &s[1]);
    }
    if all.n == 0 {
        Some("has no value in any row".to_string())
    } else if all.variance().partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
        Some(format!("is constant (every value is {})", all.mean()))
    } else {
        None
    }
}

fn step_total(stats: &[[ArmSummary; 2]], step: &Step, kind: MetricKind) -> Stratum {
    let mut s = Stratum {
        control: empty(kind),
        treatment: empty(kind),
    };
    for b in &stats[step.first_bucket..=step.last_bucket] {
        merge(&mut s.control, &b[0]);
        merge(&mut s.treatment, &b[1]);
    }
    s
}

fn step_effect(
    s: &Stratum,
    direction: Direction,
    alpha: f64,
) -> Result<EffectReport, ExperimentError> {
    frequentist_effect(&EffectParams {
        control: s.control,
        treatment: s.treatment,
        alpha,
        direction,
    })
}

/// The verdict at the end of a step from the guardrails' states there.
fn verdict(end: i64, stopped_at: Option<i64>, guardrails: &[GuardrailAtStep]) -> StepVerdict {
    if let Some(since) = stopped_at.filter(|&s| s <= end) {
        return StepVerdict::RollBack { since };
    }
    if guardrails.is_empty() {
        return StepVerdict::NotTested {
            reason: "no guardrail was given".to_string(),
        };
    }
    for g in guardrails {
        match &g.at_end {
            Some(Look { test: Some(_), .. }) => {}
            Some(Look {
                untested: Some(why),
                ..
            }) => {
                return StepVerdict::NotTested {
                    reason: format!("{}: {why}", g.metric),
                };
            }
            _ => {
                return StepVerdict::NotTested {
                    reason: format!("{}: no test", g.metric),
                };
            }
        }
    }
    StepVerdict::SafeToGoOn
}

fn first_stop(tracks: &[GuardrailTrack]) -> Option<(usize, i64)> {
    tracks
        .iter()
        .enumerate()
        .filter_map(|(g, t)| t.breached_at().map(|time| (g, time)))
        .min_by_key(|&(g, time)| (time, g))
}

fn arm_note(control: u64, treatment: u64) -> Option<String> {
    match (control, treatment) {
        (0, _) => Some("no control traffic in this step, so it cannot be compared".to_string()),
        (_, 0) => Some("no treatment traffic in this step, so it cannot be compared".to_string()),
        _ => None,
    }
}

/// One guardrail's looks over the observed steps (the strata), or why it has none.
pub fn observed_track(
    log: &RolloutLog,
    agg: &Aggregates,
    steps: &[Step],
    guardrail: usize,
    params: &RolloutParams,
) -> GuardrailTrack {
    let metric = &log.guardrails[guardrail];
    let stats = &agg.stats[guardrail + 1];
    if let Some(problem) = metric_problem(stats, metric.kind) {
        return track(metric, Vec::new(), Some(problem));
    }
    let cells: Vec<Cell> = steps
        .iter()
        .enumerate()
        .flat_map(|(k, s)| {
            (s.first_bucket..=s.last_bucket)
                .filter(|&b| agg.counts[b][0] + agg.counts[b][1] > 0)
                .map(move |b| Cell {
                    bucket: b,
                    stratum: k,
                    stats: stats[b],
                })
        })
        .collect();
    let looks = looks(
        &cells,
        steps.len(),
        metric.kind,
        &agg.grid,
        metric.direction,
        params,
    );
    track(metric, looks, None)
}

/// A plan step: `share` of the traffic on the treatment from `start` on.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PlanStep {
    pub share: f64,
    pub start: i64,
}

/// Checks a plan: at least one step, shares in [0, 1], starts strictly increasing.
pub fn check_plan(plan: &[PlanStep]) -> Result<(), ExperimentError> {
    if plan.is_empty() {
        return Err(ExperimentError::InvalidSplit {
            reason: "the ramp plan has no step".to_string(),
        });
    }
    for (i, p) in plan.iter().enumerate() {
        if !(p.share.is_finite() && (0.0..=1.0).contains(&p.share)) {
            return Err(ExperimentError::InvalidSplit {
                reason: format!(
                    "plan step {} has the share {}, not in [0, 1]",
                    i + 1,
                    p.share
                ),
            });
        }
        if i > 0 && p.start <= plan[i - 1].start {
            return Err(ExperimentError::InvalidSplit {
                reason: format!("plan step {} does not start after step {}", i + 1, i),
            });
        }
    }
    Ok(())
}

/// The plan's share at `t` (0 before the plan starts).
pub fn plan_share_at(plan: &[PlanStep], t: i64) -> f64 {
    let i = plan.partition_point(|p| p.start <= t);
    i.checked_sub(1).map_or(0.0, |i| plan[i].share)
}

/// The analysis of the observed rollout: steps, the guardrail tracks (computed by the caller
/// with [`observed_track`], one per guardrail, so that it can stop between them), the success
/// metric, verdicts.
pub fn observed_report(
    log: &RolloutLog,
    agg: &Aggregates,
    steps: &[Step],
    tracks: Vec<GuardrailTrack>,
    plan: Option<&[PlanStep]>,
    params: &RolloutParams,
) -> RolloutReport {
    let stop = first_stop(&tracks);
    let stopped_at = stop.map(|(_, t)| t);
    let step_of = |time: i64| steps.iter().position(|s| time <= s.end).unwrap_or(0);
    let stopped_by = stop.and_then(|(g, time)| {
        let test = tracks[g].looks[tracks[g].first_breach?].test?;
        Some(Evidence {
            metric: tracks[g].metric.clone(),
            time,
            step: step_of(time),
            test,
        })
    });
    let success_stats = &agg.stats[0];
    let success_problem = metric_problem(success_stats, log.success.kind);
    let mut reports = Vec::with_capacity(steps.len());
    for step in steps {
        let means = log
            .metrics()
            .zip(&agg.stats)
            .map(|(m, stats)| {
                let s = step_total(stats, step, m.kind);
                StepMeans {
                    metric: m.name.clone(),
                    control: s.control.moments(),
                    treatment: s.treatment.moments(),
                }
            })
            .collect();
        let s = step_total(success_stats, step, log.success.kind);
        let (success, success_error) = match &success_problem {
            Some(p) => (None, Some(format!("{} {p}", log.success.name))),
            None => match step_effect(&s, log.success.direction, params.alpha) {
                Ok(e) => (Some(e), None),
                Err(e) => (None, Some(e.to_string())),
            },
        };
        let guardrails: Vec<GuardrailAtStep> = tracks
            .iter()
            .enumerate()
            .map(|(g, t)| {
                let metric = &log.guardrails[g];
                let breached_at = t.breached_at().filter(|&b| b <= step.end);
                let (step_effect, step_effect_error) = match &t.error {
                    Some(e) => (None, Some(format!("{} {e}", t.metric))),
                    None => {
                        let s = step_total(&agg.stats[g + 1], step, metric.kind);
                        match step_effect(&s, metric.direction, params.alpha) {
                            Ok(e) => (Some(e), None),
                            Err(e) => (None, Some(e.to_string())),
                        }
                    }
                };
                GuardrailAtStep {
                    metric: t.metric.clone(),
                    at_end: match &t.error {
                        Some(e) => Some(Look {
                            time: step.end,
                            test: None,
                            untested: Some(format!("{} {e}", t.metric)),
                        }),
                        None => t.look_at(step.end).cloned(),
                    },
                    breached: breached_at.is_some(),
                    breached_at,
                    step_effect,
                    step_effect_error,
                }
            })
            .collect();
        reports.push(StepReport {
            step: *step,
            planned_share: plan.map(|p| plan_share_at(p, step.start + (step.end - step.start) / 2)),
            means,
            success,
            success_error,
            verdict: verdict(step.end, stopped_at, &guardrails),
            guardrails,
            note: arm_note(step.control, step.treatment),
        });
    }
    let (success, success_error) = match success_problem {
        Some(p) => (None, Some(format!("{} {p}", log.success.name))),
        None => {
            let all: Vec<Stratum> = steps
                .iter()
                .map(|s| step_total(success_stats, s, log.success.kind))
                .collect();
            let steps_used: Vec<usize> = (0..all.len())
                .filter(|&k| eligible(&all[k], params.min_units))
                .collect();
            let used: Vec<Stratum> = steps_used.iter().map(|&k| all[k]).collect();
            if used.is_empty() {
                (
                    None,
                    Some(format!(
                        "no step has {} units with a {} value in each arm",
                        params.min_units, log.success.name
                    )),
                )
            } else {
                // Two-sided 1 − α with the one-sided guardrail α: the same level of evidence.
                match post_stratified_test(&used, params.difference, params.alpha) {
                    Ok((m, effect)) => (
                        Some(StratifiedSuccess {
                            control_mean: m.control_mean,
                            treatment_mean: m.treatment_mean,
                            effect,
                            steps_used,
                        }),
                        None,
                    ),
                    Err(e) => (None, Some(e.to_string())),
                }
            }
        }
    };
    RolloutReport {
        grid: agg.grid,
        steps: reports,
        guardrails: tracks,
        success,
        success_error,
        missing: agg.missing.clone(),
        stopped_at,
        stopped_by,
    }
}

/// The keep probabilities [control, treatment] that turn share q into share p, or `None`
/// when the log has none of the arm that share p needs.
pub fn keep_rates(p: f64, q: f64) -> Option<[f64; 2]> {
    if p == q {
        Some([1.0, 1.0])
    } else if p > q {
        (q > 0.0).then(|| [q * (1.0 - p) / (p * (1.0 - q)), 1.0])
    } else {
        (q < 1.0).then(|| [1.0, p * (1.0 - q) / (q * (1.0 - p))])
    }
}

/// One plan step as replayed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReplayStep {
    pub start: i64,
    /// The next step's start, or the end of the log.
    pub end: i64,
    pub planned_share: f64,
    /// The share of the kept rows.
    pub replayed_share: Option<f64>,
    /// Rows kept per arm.
    pub control: u64,
    pub treatment: u64,
    /// Rows in this step's time the log cannot replay at the planned share.
    pub unreplayable_rows: u64,
    pub guardrails: Vec<GuardrailAtStep>,
    pub verdict: StepVerdict,
}

/// One replay of a plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReplayRun {
    pub seed: u64,
    pub steps: Vec<ReplayStep>,
    pub guardrails: Vec<GuardrailTrack>,
    pub stopped_at: Option<i64>,
    pub stopped_by: Option<Evidence>,
}

/// The rows in time order (ties in row order), for the replay.
pub fn time_order(times: &[i64]) -> Vec<u32> {
    let mut order: Vec<u32> = (0..times.len() as u32).collect();
    order.sort_by_key(|&i| times[i as usize]);
    order
}

/// Replays `plan` on the log once with `seed` (see the module documentation).
#[allow(clippy::too_many_arguments)]
pub fn replay_once(
    log: &RolloutLog,
    agg: &Aggregates,
    steps: &[Step],
    order: &[u32],
    plan: &[PlanStep],
    params: &RolloutParams,
    seed: u64,
) -> Result<ReplayRun, ExperimentError> {
    check_plan(plan)?;
    let grid = &agg.grid;
    let log_end = grid.end(grid.len.saturating_sub(1));
    let mut step_of_bucket = vec![usize::MAX; grid.len];
    for (k, s) in steps.iter().enumerate() {
        for b in &mut step_of_bucket[s.first_bucket..=s.last_bucket] {
            *b = k;
        }
    }
    let n_plan = plan.len();
    let n_g = log.guardrails.len();
    // Keep rates per (plan step, observed step), computed once.
    let rates: Vec<Vec<Option<[f64; 2]>>> = plan
        .iter()
        .map(|p| {
            steps
                .iter()
                .map(|s| keep_rates(p.share, s.share()))
                .collect()
        })
        .collect();
    let mut rng = Rng::new(seed);
    let mut cells: Vec<Vec<Cell>> = vec![Vec::new(); n_g];
    let mut kept = vec![[0u64; 2]; n_plan];
    let mut unreplayable = vec![0u64; n_plan];
    let mut current: Option<(usize, usize)> = None;
    for &i in order {
        let i = i as usize;
        let t = log.times[i];
        let Some(k) = plan.partition_point(|p| p.start <= t).checked_sub(1) else {
            continue;
        };
        let b = grid.bucket(t);
        let Some(rate) = rates[k][step_of_bucket[b]] else {
            unreplayable[k] += 1;
            continue;
        };
        let arm = usize::from(log.treated[i]);
        if rate[arm] < 1.0 && rng.uniform() >= rate[arm] {
            continue;
        }
        kept[k][arm] += 1;
        if current != Some((b, k)) {
            current = Some((b, k));
            for (g, m) in log.guardrails.iter().enumerate() {
                cells[g].push(Cell {
                    bucket: b,
                    stratum: k,
                    stats: [empty(m.kind); 2],
                });
            }
        }
        for (g, m) in log.guardrails.iter().enumerate() {
            let x = m.values[i];
            if !x.is_nan()
                && let Some(c) = cells[g].last_mut()
            {
                add(&mut c.stats[arm], x);
            }
        }
    }
    let tracks: Vec<GuardrailTrack> = log
        .guardrails
        .iter()
        .enumerate()
        .map(|(g, m)| match metric_problem(&agg.stats[g + 1], m.kind) {
            Some(p) => track(m, Vec::new(), Some(p)),
            None => {
                let l = looks(&cells[g], n_plan, m.kind, grid, m.direction, params);
                track(m, l, None)
            }
        })
        .collect();
    let stop = first_stop(&tracks);
    let stopped_at = stop.map(|(_, t)| t);
    let step_end = |k: usize| plan.get(k + 1).map_or(log_end, |p| p.start.min(log_end));
    let stopped_by = stop.and_then(|(g, time)| {
        let test = tracks[g].looks[tracks[g].first_breach?].test?;
        Some(Evidence {
            metric: tracks[g].metric.clone(),
            time,
            step: (0..n_plan).find(|&k| time <= step_end(k)).unwrap_or(0),
            test,
        })
    });
    let out_steps = plan
        .iter()
        .enumerate()
        .map(|(k, p)| {
            let end = step_end(k);
            let reached = p.start < log_end;
            let guardrails: Vec<GuardrailAtStep> = tracks
                .iter()
                .map(|t| {
                    let breached_at = t.breached_at().filter(|&b| b <= end);
                    GuardrailAtStep {
                        metric: t.metric.clone(),
                        at_end: match &t.error {
                            Some(e) => Some(Look {
                                time: end,
                                test: None,
                                untested: Some(format!("{} {e}", t.metric)),
                            }),
                            None => t.look_at(end).cloned(),
                        },
                        breached: breached_at.is_some(),
                        breached_at,
                        step_effect: None,
                        step_effect_error: None,
                    }
                })
                .collect();
            let total = kept[k][0] + kept[k][1];
            ReplayStep {
                start: p.start,
                end,
                planned_share: p.share,
                replayed_share: (total > 0).then(|| kept[k][1] as f64 / total as f64),
                control: kept[k][0],
                treatment: kept[k][1],
                unreplayable_rows: unreplayable[k],
                verdict: if reached {
                    verdict(end, stopped_at, &guardrails)
                } else {
                    StepVerdict::NotTested {
                        reason: "the log ends before this step starts".to_string(),
                    }
                },
                guardrails,
            }
        })
        .collect();
    Ok(ReplayRun {
        seed,
        steps: out_steps,
        guardrails: tracks,
        stopped_at,
        stopped_by,
    })
}

/// The median of the stop times of the replays that stopped (the lower middle one for an
/// even count, so that it is a time a replay really stopped at).
pub fn median_stop(stops: &[Option<i64>]) -> Option<i64> {
    let mut s: Vec<i64> = stops.iter().flatten().copied().collect();
    s.sort_unstable();
    (!s.is_empty()).then(|| s[(s.len() - 1) / 2])
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = MICROS_PER_HOUR;
    const T0: i64 = 20_423 * MICROS_PER_DAY; // 2025-12-01

    /// A generated log: `per_hour` requests an hour, the treatment share following `ramp`
    /// (share, first hour), a latency with mean `base` (control) and `base·(1 + lift(hour))`
    /// (treatment), and a 0/1 success.
    struct Gen {
        times: Vec<i64>,
        treated: Vec<bool>,
        latency: Vec<f64>,
        success: Vec<f64>,
    }

    fn generate(
        hours: usize,
        per_hour: usize,
        ramp: &[(f64, usize)],
        lift: impl Fn(usize) -> f64,
        seed: u64,
    ) -> Gen {
        let mut rng = Rng::new(seed);
        let mut g = Gen {
            times: Vec::new(),
            treated: Vec::new(),
            latency: Vec::new(),
            success: Vec::new(),
        };
        for h in 0..hours {
            let share = ramp
                .iter()
                .rev()
                .find(|(_, from)| *from <= h)
                .map_or(0.0, |(s, _)| *s);
            for j in 0..per_hour {
                let t = rng.uniform() < share;
                let base = 100.0 * (1.0 + if t { lift(h) } else { 0.0 });
                g.times
                    .push(T0 + h as i64 * H + (j as i64 * H) / per_hour as i64);
                g.treated.push(t);
                g.latency.push(base * (0.3 * rng.normal()).exp());
                g.success.push(f64::from(u8::from(rng.uniform() < 0.3)));
            }
        }
        g
    }

    fn log_of(g: &Gen) -> RolloutLog<'_> {
        RolloutLog {
            times: &g.times,
            treated: &g.treated,
            success: RolloutMetric {
                name: "approved".into(),
                values: &g.success,
                kind: MetricKind::Proportion,
                direction: Direction::HigherIsBetter,
            },
            guardrails: vec![RolloutMetric {
                name: "latency_ms".into(),
                values: &g.latency,
                kind: MetricKind::Mean,
                direction: Direction::LowerIsBetter,
            }],
        }
    }

    fn analyse(g: &Gen) -> (Aggregates, Vec<Step>, RolloutReport) {
        let log = log_of(g);
        let agg = aggregate(&log, BucketWidth::Auto).expect("aggregate");
        let steps = detect_steps(&agg.counts, &agg.grid, &StepRule::default()).expect("steps");
        let params = RolloutParams::default();
        let tracks = vec![observed_track(&log, &agg, &steps, 0, &params)];
        let report = observed_report(&log, &agg, &steps, tracks, None, &params);
        (agg, steps, report)
    }

    const RAMP: [(f64, usize); 5] = [(0.01, 0), (0.05, 72), (0.25, 144), (0.5, 240), (1.0, 360)];

    #[test]
    fn steps_of_a_known_ramp() {
        let g = generate(400, 60, &RAMP, |_| 0.0, 1);
        let (agg, steps, report) = analyse(&g);
        assert_eq!(agg.grid.width, H);
        // 60 rows an hour: a change from 1 % is located to within a couple of hours.
        assert_eq!(steps.len(), 5, "{steps:?}");
        for (s, want) in steps.iter().zip([0, 72, 144, 240, 360]) {
            assert!(s.first_bucket.abs_diff(want) <= 2, "{steps:?}");
        }
        for (s, (share, _)) in steps.iter().zip(RAMP) {
            assert!((s.share() - share).abs() < 0.02 + share * 0.2, "{s:?}");
        }
        assert_eq!(steps[4].control, 0);
        assert!(report.steps[4].note.is_some());
        assert_eq!(report.stopped_at, None);
    }

    #[test]
    fn a_constant_share_splits_no_more_often_than_the_rule_says() {
        // 2000 logs of 200 hours × 80 rows at a constant 30 %: the rule's α = 1e-3 allows 2.
        let grid = Grid {
            origin: 0,
            width: H,
            len: 200,
        };
        let mut split = 0;
        for seed in 0..2000u64 {
            let mut rng = Rng::new(seed * 7919 + 3);
            let counts: Vec<[u64; 2]> = (0..200)
                .map(|_| {
                    let t = (0..80).filter(|_| rng.uniform() < 0.3).count() as u64;
                    [80 - t, t]
                })
                .collect();
            let steps = detect_steps(&counts, &grid, &StepRule::default()).expect("steps");
            split += usize::from(steps.len() > 1);
        }
        assert!(split <= 2, "{split} of 2000 constant logs split");
    }

    #[test]
    fn the_split_statistic_is_the_g_test() {
        // scipy 1.13.1: chi2_contingency([[30, 70], [50, 50]], correction=False,
        // lambda_="log-likelihood")[0] and chi2.isf(0.05, 1); tests/golden/rollout has more.
        let g = split_statistic([70, 30], [50, 50]);
        assert!((g - 8.402_370_280_734_836).abs() < 1e-12, "{g}");
        assert!((chi2_1_critical(0.05) - 3.841_458_820_694_128_5).abs() < 1e-12);
        assert!(material_change(0.01, 0.05, 0.1));
        assert!(!material_change(0.5, 0.51, 0.1));
        assert!(material_change(0.5, 1.0, 0.1));
        assert!(material_change(0.0, 1.0, 0.1));
    }

    #[test]
    fn identical_arms_stop_no_more_often_than_alpha() {
        // Null rollouts: both arms from one distribution, a five-step ramp, a look every hour.
        let runs = 200;
        let mut stops = 0;
        for seed in 0..runs {
            let g = generate(300, 40, &RAMP[..4], |_| 0.0, 1000 + seed);
            let (_, _, report) = analyse(&g);
            stops += usize::from(report.stopped_at.is_some());
        }
        let rate = stops as f64 / runs as f64;
        assert!(rate <= 0.05, "false stop rate {rate}");
    }

    #[test]
    fn a_real_harm_is_found_in_its_step() {
        // Latency +20 % on the treatment from the 50 % step (hour 240) on.
        let g = generate(360, 60, &RAMP[..4], |h| if h >= 240 { 0.2 } else { 0.0 }, 7);
        let (_, steps, report) = analyse(&g);
        let stop = report.stopped_at.expect("a breach");
        assert!(stop > steps[3].start && stop <= steps[3].end, "{stop}");
        let by = report.stopped_by.as_ref().expect("evidence");
        assert_eq!((by.metric.as_str(), by.step), ("latency_ms", 3));
        assert!(by.test.estimate > 0.0 && by.test.bound > 0.0);
        assert_eq!(report.steps[2].verdict, StepVerdict::SafeToGoOn);
        assert_eq!(
            report.steps[3].verdict,
            StepVerdict::RollBack { since: stop }
        );
        // The step's own effect shows where the harm is.
        let own = report.steps[3].guardrails[0]
            .step_effect
            .as_ref()
            .expect("effect");
        assert!((own.relative.estimate - 0.2).abs() < 0.06, "{own:?}");
    }

    #[test]
    fn a_harm_from_the_start_stops_the_first_steps() {
        let g = generate(200, 60, &[(0.05, 0), (0.5, 50)], |_| 0.5, 3);
        let (_, _, report) = analyse(&g);
        assert!(report.stopped_at.is_some());
        let higher_is_worse = report.stopped_by.expect("evidence").test;
        assert!(higher_is_worse.p_value < 0.05);
    }

    #[test]
    fn keep_rates_give_the_planned_share() {
        for (p, q) in [
            (0.25, 0.05),
            (0.05, 0.25),
            (0.5, 0.5),
            (1.0, 0.5),
            (0.0, 0.3),
        ] {
            let [ac, at] = keep_rates(p, q).expect("replayable");
            let kept = at * q / (at * q + ac * (1.0 - q));
            assert!((kept - p).abs() < 1e-12, "{p} {q}");
            assert!(ac <= 1.0 && at <= 1.0);
        }
        assert_eq!(keep_rates(0.5, 0.0), None);
        assert_eq!(keep_rates(0.5, 1.0), None);
        assert_eq!(keep_rates(1.0, 1.0), Some([1.0, 1.0]));
    }

    #[test]
    fn a_replay_keeps_the_plans_shares_and_stops_on_the_harm() {
        let g = generate(360, 60, &RAMP[..4], |h| if h >= 240 { 0.2 } else { 0.0 }, 7);
        let log = log_of(&g);
        let agg = aggregate(&log, BucketWidth::Auto).expect("aggregate");
        let steps = detect_steps(&agg.counts, &agg.grid, &StepRule::default()).expect("steps");
        let params = RolloutParams::default();
        let order = time_order(&g.times);
        let plan = [
            PlanStep {
                share: 0.05,
                start: T0,
            },
            PlanStep {
                share: 0.2,
                start: T0 + 100 * H,
            },
            PlanStep {
                share: 0.5,
                start: T0 + 250 * H,
            },
        ];
        let run = replay_once(&log, &agg, &steps, &order, &plan, &params, 11).expect("replay");
        assert_eq!(run.steps.len(), 3);
        for (s, p) in run.steps.iter().zip(&plan) {
            let got = s.replayed_share.expect("rows kept");
            assert!((got - p.share).abs() < 0.03 + 0.2 * p.share, "{s:?}");
        }
        // The first plan step covers hours 0–100: the observed 1 % hours (0–72) cannot give
        // 5 %... they can (keep every treatment row, thin the control), so nothing is lost.
        assert_eq!(run.steps[0].unreplayable_rows, 0);
        let stop = run
            .stopped_at
            .expect("the harm from hour 240 stops the plan");
        assert!(stop > T0 + 240 * H);
        // Same seed, same replay; another seed, another coin.
        let again = replay_once(&log, &agg, &steps, &order, &plan, &params, 11).expect("replay");
        assert_eq!(again, run);
        let other = replay_once(&log, &agg, &steps, &order, &plan, &params, 12).expect("replay");
        assert_ne!(other.steps[0].control, run.steps[0].control);
    }

    #[test]
    fn a_plan_the_log_cannot_give_is_counted() {
        // The log never has control traffic after hour 360: a 50 % step there is unreplayable.
        let g = generate(400, 30, &RAMP, |_| 0.0, 5);
        let log = log_of(&g);
        let agg = aggregate(&log, BucketWidth::Auto).expect("aggregate");
        let steps = detect_steps(&agg.counts, &agg.grid, &StepRule::default()).expect("steps");
        let order = time_order(&g.times);
        let plan = [PlanStep {
            share: 0.5,
            start: T0 + 370 * H,
        }];
        let run = replay_once(
            &log,
            &agg,
            &steps,
            &order,
            &plan,
            &RolloutParams::default(),
            1,
        )
        .expect("replay");
        assert_eq!(run.steps[0].control + run.steps[0].treatment, 0);
        assert_eq!(run.steps[0].unreplayable_rows, 30 * 30);
        assert!(check_plan(&[]).is_err());
        assert!(
            check_plan(&[PlanStep {
                share: 1.5,
                start: 0
            }])
            .is_err()
        );
        assert!(
            check_plan(&[
                PlanStep {
                    share: 0.1,
                    start: 5
                },
                PlanStep {
                    share: 0.2,
                    start: 5
                }
            ])
            .is_err()
        );
    }

    #[test]
    fn a_constant_or_missing_guardrail_is_named() {
        let g = generate(100, 20, &[(0.5, 0)], |_| 0.0, 2);
        let constant = vec![5.0; g.times.len()];
        let mut log = log_of(&g);
        log.guardrails[0].values = &constant;
        let agg = aggregate(&log, BucketWidth::Auto).expect("aggregate");
        let steps = detect_steps(&agg.counts, &agg.grid, &StepRule::default()).expect("steps");
        let params = RolloutParams::default();
        let t = observed_track(&log, &agg, &steps, 0, &params);
        assert_eq!(t.error.as_deref(), Some("is constant (every value is 5)"));
        let report = observed_report(&log, &agg, &steps, vec![t], None, &params);
        assert!(matches!(
            report.steps[0].verdict,
            StepVerdict::NotTested { .. }
        ));
        assert!(report.success.is_some());
        let missing = vec![f64::NAN; g.times.len()];
        log.guardrails[0].values = &missing;
        let agg = aggregate(&log, BucketWidth::Auto).expect("aggregate");
        let t = observed_track(&log, &agg, &steps, 0, &params);
        assert_eq!(t.error.as_deref(), Some("has no value in any row"));
    }
}

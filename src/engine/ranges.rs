//! The documented range of every number a user types: a flag of the command line, a field of
//! the window, a value in a session file. Each range is one constant here, so that the flag's
//! parser, the settings' `validate()` (which the engine runs before any work) and the window's
//! inline message say the same thing. Outside its range a value is refused with one sentence
//! naming the field, its flag and the range; nothing is clamped, since a silently changed
//! setting gives a different answer than the one asked for.
//!
//! The caps on counts are chosen so that no value can make a run take hours or allocate
//! without bound on an ordinary machine; each names its reason in its doc comment.

use std::fmt;

/// A value outside its documented range: one sentence, naming the field and its flag.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{label} ({flag}) must be {rule}; got {got}")]
pub struct RangeError {
    /// What the window calls it ("drift threshold").
    pub label: &'static str,
    /// The command-line flag ("--threshold").
    pub flag: &'static str,
    /// The range in words ("a number in [0, 1]").
    pub rule: String,
    /// The value refused, as typed or as read.
    pub got: String,
}

/// The range of a real number. NaN and infinities are outside every one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Real {
    pub label: &'static str,
    pub flag: &'static str,
    pub lo: f64,
    pub lo_open: bool,
    pub hi: f64,
    pub hi_open: bool,
}

/// The range of a whole number (inclusive at both ends).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count {
    pub label: &'static str,
    pub flag: &'static str,
    pub lo: u64,
    pub hi: u64,
}

fn bound(x: f64) -> String {
    if x.abs() >= 1e6 {
        format!("{x:e}")
    } else if x.fract() == 0.0 {
        format!("{x:.0}")
    } else {
        format!("{x}")
    }
}

impl Real {
    /// The range in words, e.g. "a number in (0, 1)".
    pub fn rule(&self) -> String {
        format!(
            "a number in {}{}, {}{}",
            if self.lo_open { '(' } else { '[' },
            bound(self.lo),
            bound(self.hi),
            if self.hi_open { ')' } else { ']' }
        )
    }

    pub fn contains(&self, x: f64) -> bool {
        x.is_finite()
            && if self.lo_open {
                x > self.lo
            } else {
                x >= self.lo
            }
            && if self.hi_open {
                x < self.hi
            } else {
                x <= self.hi
            }
    }

    pub fn check(&self, x: f64) -> Result<f64, RangeError> {
        if self.contains(x) {
            Ok(x)
        } else {
            // `{}` writes 1e300 as 301 digits: huge and tiny values in exponent form.
            let a = x.abs();
            let got = if a.is_finite() && a != 0.0 && !(1e-6..1e15).contains(&a) {
                format!("{x:e}")
            } else {
                format!("{x}")
            };
            Err(self.error(got))
        }
    }

    pub fn check_opt(&self, x: Option<f64>) -> Result<(), RangeError> {
        x.map_or(Ok(()), |x| self.check(x).map(|_| ()))
    }

    fn error(&self, got: String) -> RangeError {
        RangeError {
            label: self.label,
            flag: self.flag,
            rule: self.rule(),
            got,
        }
    }

    /// Parse typed text (a flag's value, a field of the window) into the range.
    pub fn parse(&self, text: &str) -> Result<f64, RangeError> {
        let t = text.trim();
        match t.parse::<f64>() {
            Ok(x) => self.check(x).map_err(|mut e| {
                e.got = t.to_string();
                e
            }),
            Err(_) => Err(self.error(format!("\"{t}\""))),
        }
    }

    /// A clap value parser: the error is the rule alone, since clap names the flag and value.
    pub fn parser(self) -> impl Fn(&str) -> Result<f64, String> + Clone + Send + Sync + 'static {
        move |s| self.parse(s).map_err(|e| format!("must be {}", e.rule))
    }
}

impl Count {
    pub fn rule(&self) -> String {
        format!("a whole number from {} to {}", self.lo, self.hi)
    }

    pub fn contains(&self, n: u64) -> bool {
        (self.lo..=self.hi).contains(&n)
    }

    pub fn check(&self, n: u64) -> Result<u64, RangeError> {
        if self.contains(n) {
            Ok(n)
        } else {
            Err(self.error(n.to_string()))
        }
    }

    /// [`Count::check`] of a `usize`.
    pub fn check_usize(&self, n: usize) -> Result<usize, RangeError> {
        self.check(n as u64).map(|_| n)
    }

    pub fn check_opt(&self, n: Option<usize>) -> Result<(), RangeError> {
        n.map_or(Ok(()), |n| self.check_usize(n).map(|_| ()))
    }

    fn error(&self, got: String) -> RangeError {
        RangeError {
            label: self.label,
            flag: self.flag,
            rule: self.rule(),
            got,
        }
    }

    /// Parse typed text: any run of digits (however long, or negative) is read, so that the
    /// refusal names the range rather than the width of the machine's integers.
    pub fn parse(&self, text: &str) -> Result<u64, RangeError> {
        let t = text.trim().replace('_', "");
        match t.parse::<u64>() {
            Ok(n) => self.check(n).map_err(|mut e| {
                e.got = t.clone();
                e
            }),
            Err(_) => Err(self.error(format!("\"{}\"", text.trim()))),
        }
    }

    pub fn parse_usize(&self, text: &str) -> Result<usize, RangeError> {
        // Every `hi` here fits in 32 bits, so the conversion cannot fail.
        self.parse(text).map(|n| n as usize)
    }

    /// A clap value parser for a `usize` flag.
    pub fn parser(self) -> impl Fn(&str) -> Result<usize, String> + Clone + Send + Sync + 'static {
        move |s| {
            self.parse_usize(s)
                .map_err(|e| format!("must be {}", e.rule))
        }
    }

    /// A clap value parser for a `u64` flag.
    pub fn parser_u64(
        self,
    ) -> impl Fn(&str) -> Result<u64, String> + Clone + Send + Sync + 'static {
        move |s| self.parse(s).map_err(|e| format!("must be {}", e.rule))
    }
}

impl fmt::Display for Real {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.rule())
    }
}

impl fmt::Display for Count {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.rule())
    }
}

const fn real(label: &'static str, flag: &'static str, lo: f64, hi: f64) -> Real {
    Real {
        label,
        flag,
        lo,
        lo_open: false,
        hi,
        hi_open: false,
    }
}

/// A level or probability strictly between 0 and 1.
const fn level(label: &'static str, flag: &'static str) -> Real {
    Real {
        label,
        flag,
        lo: 0.0,
        lo_open: true,
        hi: 1.0,
        hi_open: true,
    }
}

const fn count(label: &'static str, flag: &'static str, lo: u64, hi: u64) -> Count {
    Count {
        label,
        flag,
        lo,
        hi,
    }
}

/// Any finite number larger than a quadrillion in size is a typing slip here, not a setting.
pub const HUGE: f64 = 1e15;

// --- drift ---

/// A drift threshold: a p-value level or a distance; distances here (PSI, KL, JS, Hellinger,
/// normed Wasserstein) stay well below 1000 on any data.
pub const DRIFT_THRESHOLD: Real = real("drift threshold", "--threshold", 0.0, 1000.0);
pub const COLUMN_THRESHOLD: Real = real("column threshold", "--column-threshold", 0.0, 1000.0);
pub const KIND_THRESHOLD: Real = real("kind threshold", "--kind-threshold", 0.0, 1000.0);
pub const DRIFT_SHARE: Real = real("dataset drift share", "--drift-share", 0.0, 1.0);
/// Bins of PSI, KL, JS and Hellinger: one bin says nothing, and past 10 000 bins nearly every
/// bin is empty on a million rows, so the scores collapse to their smoothing.
pub const BINS: Count = count("number of bins", "--binning", 2, 10_000);
/// Chunks of the current data: each is a full drift pass, so 10 000 is already hours of work
/// on a wide file.
pub const CHUNKS: Count = count("number of window chunks", "--windows", 2, 10_000);

// Multivariate drift (src/engine/multivariate.rs).
/// NannyML's `n_components` as a share of variance: strictly between 0 and 1.
pub const MV_VARIANCE: Real = Real {
    label: "variance kept by the reconstruction",
    flag: "--multivariate-variance",
    lo: 0.0,
    lo_open: true,
    hi: 1.0,
    hi_open: true,
};
/// Folds of the domain classifier; more than 20 only multiplies the time.
pub const MV_FOLDS: Count = count("domain classifier folds", "--multivariate-folds", 2, 20);
/// Rows per side the domain classifier reads per window: its fits cost rows × features², so
/// the cap keeps a window under a second; 100 is the least that gives a usable AUC.
pub const MV_CLASSIFIER_ROWS: Count = count(
    "domain classifier rows per side",
    "--multivariate-rows",
    100,
    1_000_000,
);
/// Most anomalous rows listed per window.
/// The domain classifier's AUC threshold: ½ is chance, 1 perfect separation.
pub const MV_AUC_THRESHOLD: Real = real(
    "domain classifier AUC threshold",
    "--multivariate-auc",
    0.5,
    1.0,
);
pub const MV_TOP_ROWS: Count = count(
    "anomalous rows per window",
    "--multivariate-top-rows",
    0,
    1000,
);

/// The bins of a binning that names a number of them.
pub fn check_binning(b: crate::analysis::drift::BinningStrategy) -> Result<(), RangeError> {
    use crate::analysis::drift::BinningStrategy as B;
    match b {
        B::ReferenceQuantiles { n_bins } | B::EqualWidth { n_bins } => {
            BINS.check_usize(n_bins).map(|_| ())
        }
        B::Auto | B::Sturges | B::DistinctValues => Ok(()),
    }
}

/// The chunks of a window spec by row count.
pub fn check_windows(w: Option<crate::analysis::windows::WindowSpec>) -> Result<(), RangeError> {
    match w {
        Some(crate::analysis::windows::WindowSpec::Chunks(n)) => CHUNKS.check_usize(n).map(|_| ()),
        _ => Ok(()),
    }
}

// --- compression ---

/// One batch is built in memory and timed repeatedly; 100 000 rows is past every serving
/// batch and keeps one timing point under seconds.
pub const BATCH_SIZE: Count = count("batch size", "--batch-sizes", 1, 100_000);
pub const BATCH_SIZES: Count = count("number of batch sizes", "--batch-sizes", 1, 32);
/// A list of batch sizes: each within [`BATCH_SIZE`], at most [`BATCH_SIZES`] of them.
pub fn check_batch_sizes(sizes: &[usize]) -> Result<(), RangeError> {
    if !sizes.is_empty() {
        BATCH_SIZES.check_usize(sizes.len())?;
    }
    for n in sizes {
        BATCH_SIZE.check_usize(*n)?;
    }
    Ok(())
}

pub const LATENCY_BUDGET_MS: Real = Real {
    label: "latency budget in ms",
    flag: "--latency-budget",
    lo: 0.0,
    lo_open: true,
    hi: 3_600_000.0,
    hi_open: false,
};
pub const ACCURACY_LOSS_BUDGET: Real =
    real("accuracy loss budget", "--accuracy-loss-budget", 0.0, 1.0);
pub const COMPRESS_ROWS: Count = count("labelled rows", "--rows", 1, 1_000_000_000);

// --- compare ---

pub const COMPARE_THRESHOLD: Real = real("decision threshold", "--threshold", 0.0, 1.0);
pub const COMPARE_ALPHA: Real = level("level alpha", "--alpha");
/// Each resample is a pass over the rows; 100 000 of them on a million rows is already long.
pub const RESAMPLES: Count = count("bootstrap resamples", "--resamples", 100, 100_000);
pub const AUC_RESAMPLES: Count = count("AUC resamples", "--auc-resamples", 0, 100_000);
pub const ROC_POINTS: Count = count("ROC points", "--roc-points", 0, 1_000_000);

// --- health ---

/// A score ≥ threshold predicts class 1; scores are probabilities.
pub const HEALTH_THRESHOLD: Real = real("decision threshold", "--threshold", 0.0, 1.0);
pub const HEALTH_FLOOR: Real = real("metric floor", "--floor", -HUGE, HUGE);
/// Resamples are per window: 10 000 × a few hundred windows is the most a run should do.
pub const HEALTH_BOOTSTRAP: Count = count("bootstrap resamples", "--bootstrap", 0, 10_000);

/// The threshold of an alert rule ("roc_auc < 0.8").
pub const ALERT_THRESHOLD: Real = real("alert rule threshold", "--rule", -HUGE, HUGE);

// --- feedback ---

/// Granger orders past 100 windows leave no degrees of freedom on any realistic series.
pub const MAX_LAG: Count = count("largest lag", "--max-lag", 1, 100);
pub const BASELINE: Count = count("baseline windows", "--baseline", 1, 10_000);
pub const FEEDBACK_ALPHA: Real = level("level alpha", "--alpha");

// --- experiments and power ---

pub const AB_ALPHA: Real = level("level alpha", "--alpha");
pub const AB_POWER: Real = level("power", "--power");
pub const PLANNED_SHARE: Real = real("planned share", "--planned", 0.0, 1.0);
pub const POWER_BASELINE: Real = real("baseline", "--baseline", -HUGE, HUGE);
pub const BASELINE_RATE: Real = level("baseline rate", "--baseline");
pub const STD_DEV: Real = Real {
    label: "standard deviation",
    flag: "--std",
    lo: 0.0,
    lo_open: true,
    hi: HUGE,
    hi_open: false,
};
pub const MDE: Real = Real {
    label: "minimum detectable effect",
    flag: "--mde",
    lo: 0.0,
    lo_open: true,
    hi: HUGE,
    hi_open: false,
};
/// Each treatment is one more test at α; past 1000 arms no experiment has the units.
pub const ARMS: Count = count("arms", "--arms", 2, 1000);
pub const DAILY_UNITS: Real = Real {
    label: "daily units",
    flag: "--daily-units",
    lo: 0.0,
    lo_open: true,
    hi: HUGE,
    hi_open: false,
};
pub const UNITS_PER_ARM: Count = count("units per arm", "--units", 1, 1_000_000_000_000);

// --- rollout ---

pub const ROLLOUT_ALPHA: Real = Real {
    label: "guardrail level alpha",
    flag: "--alpha",
    lo: 0.0,
    lo_open: true,
    hi: 0.5,
    hi_open: true,
};
pub const MIN_UNITS: Count = count("minimum units", "--min-units", 0, 1_000_000_000);
pub const STEP_ALPHA: Real = level("step detector level", "--step-alpha");
pub const MIN_SHARE_CHANGE: Real = real("minimum share change", "--min-share-change", 0.0, 10.0);
pub const PLAN_SHARE: Real = real("plan share", "--plan", 0.0, 1.0);
/// Each replay is a full pass over the log.
pub const REPLAYS: Count = count("replays", "--replays", 1, 1000);

// --- retraining ---

pub const RETRAIN_COST: Real = real("retrain cost", "--cost", 0.0, 1e6);
/// Label delays past a hundred years say the labels never come (the duration parser's cap).
pub const LABEL_DELAY_US: Count = count(
    "label delay in µs",
    "--label-delay",
    0,
    36_500 * 86_400 * 1_000_000,
);
pub const WHAT_IF_DELAY_US: Count = count(
    "what-if label delay in µs",
    "--what-if-delay",
    0,
    36_500 * 86_400 * 1_000_000,
);
/// Each what-if delay is a whole backtest again.
pub const WHAT_IF_DELAYS: Count = count("number of what-if delays", "--what-if-delay", 0, 10);

// --- seasonality ---

/// A period past 100 000 points needs a series of at least twice that; STL on it is slow and
/// no calendar needs it.
pub const PERIOD: Count = count("period", "--period", 2, 100_000);
pub const PERIODS: Count = count("number of periods", "--period", 0, 8);
/// LOESS windows are odd; their cap follows the period's.
pub const SEASONAL_WINDOW: Count = count("seasonal window", "--seasonal", 3, 1_000_001);
pub const TREND_WINDOW: Count = count("trend window", "--trend", 3, 1_000_001);
pub const LOW_PASS_WINDOW: Count = count("low-pass window", "--low-pass", 3, 1_000_001);
pub const DEGREE: Count = count(
    "LOESS degree",
    "--seasonal-deg/--trend-deg/--low-pass-deg",
    0,
    1,
);
pub const JUMP: Count = count(
    "LOESS jump",
    "--seasonal-jump/--trend-jump/--low-pass-jump",
    1,
    10_000,
);
pub const INNER_ITER: Count = count("inner iterations", "--inner-iter", 1, 100);
pub const OUTER_ITER: Count = count("outer iterations", "--outer-iter", 0, 100);
pub const ANOMALY_Z: Real = Real {
    label: "anomaly threshold",
    flag: "--anomaly-threshold",
    lo: 0.0,
    lo_open: true,
    hi: 1000.0,
    hi_open: false,
};
pub const SEASONALITY_ALPHA: Real = level("level alpha", "--alpha");

// --- sample data and benchmarks ---

pub const DAILY_VOLUME: Real = Real {
    label: "daily volume",
    flag: "--daily-volume",
    lo: 0.0,
    lo_open: true,
    hi: 10_000.0,
    hi_open: false,
};
// --- serving simulator ---

/// The SLA a request's latency must meet, ms: up to a day.
pub const SERVE_SLA_MS: Real = Real {
    label: "SLA",
    flag: "--sla",
    lo: 0.0,
    lo_open: true,
    hi: 86_400_000.0,
    hi_open: false,
};
/// A request rate (Poisson or a peak to rescale to): up to ten million per second.
pub const SERVE_RATE: Real = Real {
    label: "request rate",
    flag: "--rate",
    lo: 0.0,
    lo_open: true,
    hi: 1e7,
    hi_open: false,
};
/// Length of a Poisson stream: up to a year of seconds.
pub const SERVE_DURATION_S: Real = Real {
    label: "duration",
    flag: "--duration",
    lo: 0.0,
    lo_open: true,
    hi: 31_536_000.0,
    hi_open: false,
};
/// Workers of one configuration: a heap of their free times is kept per call.
pub const SERVE_WORKERS: Count = count("workers", "--workers", 1, 4096);
/// Worker counts per sweep (each multiplies the runs).
pub const SERVE_WORKER_COUNTS: Count = count("number of worker counts", "--workers", 0, 32);
/// Policies per sweep (each multiplies the runs).
pub const SERVE_POLICIES: Count = count("number of policies", "--policy", 0, 32);
/// A micro-batch's largest size.
pub const SERVE_BATCH: Count = count("micro-batch size", "--policy", 1, 100_000);
/// A micro-batch's longest wait, ms: up to an hour.
pub const SERVE_WAIT_MS: Real = real("micro-batch wait", "--policy", 0.0, 3_600_000.0);
/// The offline policy's period, hours: up to a year.
pub const SERVE_EVERY_H: Real = Real {
    label: "offline period",
    flag: "--policy",
    lo: 0.0,
    lo_open: true,
    hi: 8760.0,
    hi_open: false,
};
/// Arrivals generated by `bench-serving`.
pub const BENCH_ARRIVALS: Count = count("arrivals", "--arrivals", 1, 400_000_000);

/// Generated rows of a benchmark: 100 million is about what fits in memory twice.
pub const BENCH_ROWS: Count = count("rows", "--rows", 1, 100_000_000);
pub const BENCH_REPEAT: Count = count("repetitions", "--repeat", 1, 100);
pub const BENCH_UNITS: Count = count("units", "--units", 1, 100_000_000);
pub const BENCH_DAYS: Count = count("days", "--days", 1, 10_000);
/// Files of a generated dataset of many files: as many as a folder or glob may hold.
pub const BENCH_FILES: Count = count("files", "--files", 1, crate::data::many::MAX_FILES as u64);
pub const BENCH_FEATURES: Count = count("features", "--features", 1, 1000);
pub const BENCH_COLUMNS: Count = count("columns", "--columns", 1, 1000);
pub const BENCH_PERIOD: Count = count("period", "--period", 2, 100_000);
/// `bench-quantized`: the generated MLP's input width, hidden units and hidden layers, and the
/// time spent on each measured point.
pub const BENCH_WIDTH: Count = count("input width", "--width", 1, 4096);
pub const BENCH_HIDDEN: Count = count("hidden units", "--hidden", 1, 4096);
pub const BENCH_LAYERS: Count = count("hidden layers", "--layers", 1, 16);
pub const BENCH_POINT_MS: Count = count("milliseconds per point", "--ms", 1, 60_000);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reals_refuse_nan_infinities_and_the_open_ends() {
        for x in [
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            0.0,
            1.0,
            -1.0,
            1e300,
        ] {
            assert!(AB_ALPHA.check(x).is_err(), "{x}");
        }
        assert_eq!(AB_ALPHA.check(0.05), Ok(0.05));
        assert_eq!(DRIFT_SHARE.check(0.0), Ok(0.0));
        assert_eq!(DRIFT_SHARE.check(1.0), Ok(1.0));
        assert!(DRIFT_SHARE.check(1.0000001).is_err());
    }

    #[test]
    fn the_sentence_names_field_flag_range_and_value() {
        let e = DRIFT_THRESHOLD.parse("NaN").unwrap_err();
        assert_eq!(
            e.to_string(),
            "drift threshold (--threshold) must be a number in [0, 1000]; got NaN"
        );
        let e = AB_ALPHA.parse("abc").unwrap_err();
        assert_eq!(
            e.to_string(),
            "level alpha (--alpha) must be a number in (0, 1); got \"abc\""
        );
        let e = BINS.parse("18446744073709551616").unwrap_err();
        assert_eq!(
            e.to_string(),
            "number of bins (--binning) must be a whole number from 2 to 10000; got \"18446744073709551616\""
        );
        assert_eq!(STD_DEV.rule(), "a number in (0, 1e15]");
    }

    #[test]
    fn counts_read_any_digits_and_refuse_outside() {
        assert_eq!(BINS.parse(" 10 "), Ok(10));
        assert_eq!(BINS.parse("10_000"), Ok(10_000));
        assert!(BINS.parse("10001").is_err());
        assert!(BINS.parse("1").is_err());
        assert!(BINS.parse("-1").is_err());
        assert!(BINS.parse("1e3").is_err());
        assert_eq!(BATCH_SIZE.check_usize(100_000), Ok(100_000));
        assert!(BATCH_SIZE.check_usize(100_000_000).is_err());
        assert!(HEALTH_BOOTSTRAP.check_opt(Some(10_001)).is_err());
        assert!(HEALTH_BOOTSTRAP.check_opt(None).is_ok());
    }

    #[test]
    fn clap_parsers_give_the_rule() {
        let p = BINS.parser();
        assert_eq!(
            p("1"),
            Err("must be a whole number from 2 to 10000".to_string())
        );
        let p = AB_POWER.parser();
        assert_eq!(p("0.8"), Ok(0.8));
        assert_eq!(p("inf"), Err("must be a number in (0, 1)".to_string()));
    }
}

//! The whole seasonality analysis of one series, as the CLI prints it and the GUI draws it:
//! candidate periods → STL (one period) or MSTL (several) → strengths → remainder anomalies; and
//! the season-aware comparison of a current series with a reference series.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::anomalies::{self, AnomalyReport};
use super::compare::{self, SeasonAwareReport};
use super::error::{SeriesError, StlError};
use super::mstl::{self, MstlParams};
use super::params::{StlConfig, StlOptions, StlParams};
use super::periods::{self, PeriodCandidate, PeriodParams, SamplingFrequency};
use super::stl;
use super::strength::{self, StrengthReport};
use super::timeseries::TimeSeries;

/// Settings of [`analyze`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeasonalityParams {
    /// Seasonal periods in points. Empty: the strongest detected candidate. One: STL. Several:
    /// MSTL.
    pub periods: Vec<usize>,
    /// Seasonal windows. Empty: the defaults (7 for STL, `7 + 4 i` for MSTL); with one period,
    /// one window; with several, one per period (in the order of `periods`).
    pub seasonal: Vec<usize>,
    /// Trend and low-pass windows, degrees, jumps, robustness, iterations.
    pub options: StlOptions,
    /// `|z|` above which a remainder is an anomaly (default 3.5).
    pub anomaly_threshold: f64,
    /// Candidate periods listed (default 10).
    pub max_candidates: usize,
}

impl Default for SeasonalityParams {
    fn default() -> Self {
        Self {
            periods: Vec::new(),
            seasonal: Vec::new(),
            options: StlOptions::default(),
            anomaly_threshold: anomalies::DEFAULT_THRESHOLD,
            max_candidates: 10,
        }
    }
}

/// Which decomposition produced a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// One period: `statsmodels.tsa.seasonal.STL`.
    Stl,
    /// Several periods: `statsmodels.tsa.seasonal.MSTL`.
    Mstl,
}

/// Result of [`analyze`]: `observed = trend + Σ seasonal + remainder`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeasonalityReport {
    /// Candidate periods, best first (empty when the series is too short to test).
    pub candidates: Vec<PeriodCandidate>,
    /// Why period detection could not run, if it could not.
    pub detection_note: Option<String>,
    /// Whether the period was chosen automatically (the strongest candidate).
    pub auto_period: bool,
    /// STL or MSTL.
    pub method: Method,
    /// Periods decomposed, ascending.
    pub periods: Vec<usize>,
    /// Seasonal window of each period.
    pub windows: Vec<usize>,
    /// Periods MSTL dropped because they are `>= n / 2`.
    pub dropped_periods: Vec<usize>,
    /// Resolved STL settings (of the last STL fit for MSTL): the derived trend and low-pass
    /// windows, iterations.
    pub config: StlConfig,
    /// The series.
    pub observed: Vec<f64>,
    /// Trend.
    pub trend: Vec<f64>,
    /// One seasonal component per period, same order as `periods`.
    pub seasonal: Vec<Vec<f64>>,
    /// Remainder.
    pub remainder: Vec<f64>,
    /// Robustness weights (all 1 unless robust).
    pub weights: Vec<f64>,
    /// Trend strength and one seasonal strength per period.
    pub strength: StrengthReport,
    /// Robust z-scores of the remainder and the anomalies.
    pub anomalies: AnomalyReport,
}

/// Why a series could not be analysed; messages are for end users.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum SeasonalityError {
    /// Every value is the same.
    #[error(
        "the series is constant (all {len} values are {value}); there is no trend or season to separate"
    )]
    Constant {
        /// Number of points.
        len: usize,
        /// The value.
        value: f64,
    },
    /// No period was given and none was detected.
    #[error(
        "no seasonal period stands out in the {len} {unit}; choose a period (for example a calendar one: {calendar})"
    )]
    NoPeriod {
        /// Number of points.
        len: usize,
        /// What a point is ("days", "points").
        unit: String,
        /// Calendar periods of the frequency, for the hint.
        calendar: String,
    },
    /// A period needs more data than there is.
    #[error(
        "period {period} needs at least {needed} {unit} (two full periods) but the series has {len}"
    )]
    TooShort {
        /// The period.
        period: usize,
        /// `2 * period`.
        needed: usize,
        /// Number of points.
        len: usize,
        /// What a point is.
        unit: String,
    },
    /// Invalid STL / MSTL parameters or input.
    #[error(transparent)]
    Stl(#[from] StlError),
    /// Invalid input to a helper.
    #[error(transparent)]
    Series(#[from] SeriesError),
}

/// Plural name of a point of a series of this frequency ("days"), or "points".
pub fn unit_name(frequency: Option<SamplingFrequency>) -> String {
    frequency.map_or_else(|| "points".to_string(), |f| format!("{}s", f.name()))
}

/// Significance level of the automatic period choice.
pub const AUTO_ALPHA: f64 = 0.05;

/// The autocorrelation a candidate must exceed to be chosen automatically from a series of `n`
/// points: the white-noise band `z / sqrt(n)` with `z = Φ⁻¹(1 - α / (2 m))`, a Bonferroni
/// correction over the `m = n / 2` lags period detection looks at (α = [`AUTO_ALPHA`]). For
/// n = 366 that is 0.19 where the uncorrected `2 / sqrt(n)` band is 0.10: with 183 lags tested,
/// white noise crosses the uncorrected band somewhere almost surely.
pub fn auto_band(n: usize) -> f64 {
    use statrs::distribution::{ContinuousCDF, Normal};
    let lags = (n / 2).max(1) as f64;
    let z = Normal::standard().inverse_cdf(1.0 - AUTO_ALPHA / (2.0 * lags));
    z / (n.max(1) as f64).sqrt()
}

/// Decomposes `y` (see the module docs). Without periods, the best-ranked candidate whose
/// autocorrelation exceeds [`auto_band`] and that fits twice in the series is used.
/// `frequency` adds the calendar period candidates and names the unit in messages.
///
/// Errors: a non-finite value, a constant series, no period given and none detected, a
/// period longer than half the series, invalid STL parameters (an even seasonal window…).
pub fn analyze(
    y: &[f64],
    frequency: Option<SamplingFrequency>,
    params: &SeasonalityParams,
) -> Result<SeasonalityReport, SeasonalityError> {
    let detection = periods::detect(
        y,
        &PeriodParams {
            frequency,
            max_candidates: params.max_candidates,
            ..PeriodParams::default()
        },
    );
    analyze_masked(y, &[], frequency, params, detection)
}

/// [`analyze`] of a built series, minding its filled points: they are decomposed like the
/// others (STL needs a regular series) but carry no evidence, so
///
/// * period detection sees them as 0 after detrending (each is replaced by the least-squares
///   line of the observed points, which leaves that line unchanged), so a long interpolated gap
///   adds no autocorrelation, and the automatic band uses the number of observed points;
/// * strengths and the anomaly scale (median / MAD) use the observed points only, and a filled
///   point is never an anomaly (its score is 0).
///
/// Without filled points this equals [`analyze`].
pub fn analyze_series(
    series: &TimeSeries,
    params: &SeasonalityParams,
) -> Result<SeasonalityReport, SeasonalityError> {
    analyze_series_detected(series, params, detect_series(series, params.max_candidates))
}

/// [`analyze_series`] with the period detection already run by [`detect_series`] (with at
/// least `params.max_candidates` candidates): a caller that also lists candidates detects
/// once, not twice (on a million points detection costs more than the decomposition).
pub fn analyze_series_detected(
    series: &TimeSeries,
    params: &SeasonalityParams,
    mut detection: Result<Vec<PeriodCandidate>, SeriesError>,
) -> Result<SeasonalityReport, SeasonalityError> {
    // The ranking sorts before it truncates, so the first k of a longer list are the list of k.
    if let Ok(c) = &mut detection {
        c.truncate(params.max_candidates);
    }
    analyze_masked(
        &series.values,
        &series.filled,
        series.frequency,
        params,
        detection,
    )
}

/// Period detection on a built series, its filled points neutralised as in
/// [`analyze_series`]: the best `max_candidates`, or why detection could not run.
pub fn detect_series(
    series: &TimeSeries,
    max_candidates: usize,
) -> Result<Vec<PeriodCandidate>, SeriesError> {
    periods::detect(
        &detection_input(&series.values, &series.filled),
        &PeriodParams {
            frequency: series.frequency,
            max_candidates,
            ..PeriodParams::default()
        },
    )
}

/// `y` with the `filled` points (sorted indices) moved onto the least-squares line of the
/// other points.
fn detection_input(y: &[f64], filled: &[usize]) -> Vec<f64> {
    if filled.is_empty() {
        return y.to_vec();
    }
    let observed: Vec<(f64, f64)> = (0..y.len())
        .filter(|i| filled.binary_search(i).is_err())
        .map(|i| (i as f64, y[i]))
        .collect();
    let m = observed.len() as f64;
    if m < 2.0 {
        return y.to_vec();
    }
    let t_mean = observed.iter().map(|p| p.0).sum::<f64>() / m;
    let y_mean = observed.iter().map(|p| p.1).sum::<f64>() / m;
    let (sty, stt) = observed.iter().fold((0.0, 0.0), |(a, b), (t, v)| {
        (
            a + (t - t_mean) * (v - y_mean),
            b + (t - t_mean) * (t - t_mean),
        )
    });
    let slope = if stt > 0.0 { sty / stt } else { 0.0 };
    let mut out = y.to_vec();
    for &i in filled {
        if let Some(v) = out.get_mut(i) {
            *v = y_mean + slope * (i as f64 - t_mean);
        }
    }
    out
}

/// Keeps the entries of `v` at observed (not filled) indices.
fn observed_only(v: &[f64], filled: &[usize]) -> Vec<f64> {
    v.iter()
        .enumerate()
        .filter(|(i, _)| filled.binary_search(i).is_err())
        .map(|(_, x)| *x)
        .collect()
}

/// Strengths over the observed points (see [`strength`]).
fn masked_strength(
    trend: &[f64],
    seasonal: &[Vec<f64>],
    remainder: &[f64],
    filled: &[usize],
) -> Result<StrengthReport, SeriesError> {
    let r = observed_only(remainder, filled);
    Ok(StrengthReport {
        trend: strength::trend_strength(&observed_only(trend, filled), &r)?,
        seasonal: seasonal
            .iter()
            .map(|s| strength::seasonal_strength(&observed_only(s, filled), &r))
            .collect::<Result<_, _>>()?,
    })
}

/// Remainder anomalies scored on the observed points; filled points get score 0.
fn masked_anomalies(
    remainder: &[f64],
    filled: &[usize],
    threshold: f64,
) -> Result<AnomalyReport, SeriesError> {
    if filled.is_empty() {
        return anomalies::detect(remainder, threshold);
    }
    let index: Vec<usize> = (0..remainder.len())
        .filter(|i| filled.binary_search(i).is_err())
        .collect();
    let values: Vec<f64> = index.iter().map(|&i| remainder[i]).collect();
    let mut report = anomalies::detect(&values, threshold)?;
    let mut scores = vec![0.0; remainder.len()];
    for (k, &i) in index.iter().enumerate() {
        scores[i] = report.scores[k];
    }
    report.scores = scores;
    for a in &mut report.anomalies {
        a.index = index[a.index];
    }
    Ok(report)
}

fn analyze_masked(
    y: &[f64],
    filled: &[usize],
    frequency: Option<SamplingFrequency>,
    params: &SeasonalityParams,
    detection: Result<Vec<PeriodCandidate>, SeriesError>,
) -> Result<SeasonalityReport, SeasonalityError> {
    let n = y.len();
    let unit = unit_name(frequency);
    if let Some(index) = y.iter().position(|v| !v.is_finite()) {
        return Err(StlError::NonFiniteValue {
            index,
            value: y[index],
        }
        .into());
    }
    if let Some(&first) = y.first()
        && y.iter().all(|v| *v == first)
    {
        return Err(SeasonalityError::Constant {
            len: n,
            value: first,
        });
    }
    let (candidates, detection_note) = match detection {
        Ok(c) => (c, None),
        Err(e) => (Vec::new(), Some(e.to_string())),
    };
    let auto_period = params.periods.is_empty();
    let mut chosen: Vec<usize> = params.periods.clone();
    if auto_period {
        let band = auto_band(n - filled.len().min(n));
        let best = candidates
            .iter()
            .find(|c| c.score > band && 2 * c.period <= n);
        match best {
            Some(c) => chosen.push(c.period),
            None => {
                let calendar = frequency
                    .map(|f| {
                        f.calendar_periods()
                            .iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join(" or ")
                    })
                    .unwrap_or_else(|| "none without a time column".into());
                return Err(SeasonalityError::NoPeriod {
                    len: n,
                    unit,
                    calendar,
                });
            }
        }
    }
    let mut unique = chosen.clone();
    unique.sort_unstable();
    unique.dedup();
    if unique.len() != chosen.len() {
        return Err(SeriesError::InvalidParameter {
            name: "period",
            reason: format!("the periods {chosen:?} repeat one"),
        }
        .into());
    }
    for &period in &chosen {
        if period < 2 {
            return Err(StlError::PeriodTooSmall { period }.into());
        }
        if n < 2 * period {
            return Err(SeasonalityError::TooShort {
                period,
                needed: 2 * period,
                len: n,
                unit,
            });
        }
    }
    let report = if let [period] = chosen[..] {
        let seasonal = match params.seasonal[..] {
            [] => 7,
            [w] => w,
            _ => {
                return Err(StlError::WindowCountMismatch {
                    periods: 1,
                    windows: params.seasonal.len(),
                }
                .into());
            }
        };
        let fit = stl::decompose(
            y,
            &StlParams {
                period,
                seasonal,
                options: params.options,
            },
        )?;
        SeasonalityReport {
            candidates,
            detection_note,
            auto_period,
            method: Method::Stl,
            periods: vec![period],
            windows: vec![seasonal],
            dropped_periods: Vec::new(),
            strength: masked_strength(
                &fit.trend,
                std::slice::from_ref(&fit.seasonal),
                &fit.remainder,
                filled,
            )?,
            anomalies: masked_anomalies(&fit.remainder, filled, params.anomaly_threshold)?,
            config: fit.config,
            observed: fit.observed,
            trend: fit.trend,
            seasonal: vec![fit.seasonal],
            remainder: fit.remainder,
            weights: fit.weights,
        }
    } else {
        let mut mp = MstlParams::new(&chosen).with_stl(params.options);
        if !params.seasonal.is_empty() {
            mp = mp.with_windows(&params.seasonal);
        }
        let fit = mstl::decompose(y, &mp)?;
        let (last_period, last_window) = fit
            .periods
            .iter()
            .zip(&fit.windows)
            .next_back()
            .map_or((2, 7), |(p, w)| (*p, *w));
        let config = params.options.resolve(last_period, last_window)?;
        SeasonalityReport {
            candidates,
            detection_note,
            auto_period,
            method: Method::Mstl,
            strength: masked_strength(&fit.trend, &fit.seasonal, &fit.remainder, filled)?,
            anomalies: masked_anomalies(&fit.remainder, filled, params.anomaly_threshold)?,
            periods: fit.periods,
            windows: fit.windows,
            dropped_periods: fit.dropped_periods,
            config,
            observed: fit.observed,
            trend: fit.trend,
            seasonal: fit.seasonal,
            remainder: fit.remainder,
            weights: fit.weights,
        }
    };
    Ok(report)
}

/// Season-aware comparison of two built series for a cycle of `period` points: observed
/// (not filled) points only, each point's season its position modulo `period` (so the same
/// weekday, hour or month on both sides; see [`TimeSeries::seasons`]). `shifted` verdicts use
/// Welch's test at level `alpha`.
///
/// Errors: fewer than two observed points on a side, no current season seen in the reference,
/// a period of 0, `alpha` outside `(0, 1)`.
pub fn compare_series(
    reference: &TimeSeries,
    current: &TimeSeries,
    period: usize,
    alpha: f64,
) -> Result<SeasonAwareReport, SeriesError> {
    if period == 0 {
        return Err(SeriesError::InvalidParameter {
            name: "period",
            reason: "must be >= 1".into(),
        });
    }
    let observed = |s: &TimeSeries| -> (Vec<f64>, Vec<usize>) {
        let seasons = s.seasons(period);
        (0..s.len())
            .filter(|&i| !s.is_filled(i))
            .map(|i| (s.values[i], seasons[i]))
            .unzip()
    };
    let (rv, rs) = observed(reference);
    let (cv, cs) = observed(current);
    compare::season_aware(&rv, &rs, &cv, &cs, period, alpha)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn weekly(n: usize, level: f64) -> Vec<f64> {
        let week = [5.0, 3.0, 0.0, -2.0, -4.0, -3.0, 1.0];
        (0..n)
            .map(|i| level + 0.01 * i as f64 + week[i % 7] + ((i * 37) % 11) as f64 * 0.05)
            .collect()
    }

    #[test]
    fn auto_period_finds_the_week_and_components_add_up() {
        let y = weekly(140, 10.0);
        let r = analyze(
            &y,
            Some(SamplingFrequency::Day),
            &SeasonalityParams::default(),
        )
        .expect("valid");
        assert!(r.auto_period);
        assert_eq!((r.method, r.periods.clone()), (Method::Stl, vec![7]));
        assert_eq!(r.windows, vec![7]);
        assert_eq!((r.config.trend, r.config.low_pass), (15, 9));
        for (i, yi) in y.iter().enumerate() {
            let sum = r.trend[i] + r.seasonal[0][i] + r.remainder[i];
            assert!((sum - yi).abs() < 1e-9);
        }
        assert!(r.strength.seasonal[0] > 0.9, "{:?}", r.strength);
        // Equal to a direct STL call with the same parameters.
        let direct = stl::decompose(&y, &StlParams::new(7)).expect("valid");
        assert_eq!(direct.trend, r.trend);
    }

    #[test]
    fn several_periods_use_mstl() {
        let y: Vec<f64> = (0..24 * 7 * 4)
            .map(|i| {
                let t = i as f64 * std::f64::consts::TAU;
                (t / 24.0).sin() * 3.0 + (t / 168.0).cos() * 5.0 + ((i * 13) % 7) as f64 * 0.1
            })
            .collect();
        let params = SeasonalityParams {
            periods: vec![168, 24],
            ..SeasonalityParams::default()
        };
        let r = analyze(&y, Some(SamplingFrequency::Hour), &params).expect("valid");
        assert_eq!(r.method, Method::Mstl);
        assert_eq!(r.periods, vec![24, 168]);
        assert_eq!(r.windows, vec![11, 15]);
        assert_eq!(r.seasonal.len(), 2);
        assert_eq!(r.strength.seasonal.len(), 2);
        let direct = mstl::decompose(&y, &MstlParams::new(&[24, 168])).expect("valid");
        assert_eq!(direct.remainder, r.remainder);
    }

    #[test]
    fn auto_band_is_the_bonferroni_white_noise_band() {
        // scipy.stats.norm.ppf(1 - 0.05 / (2 * 183)) = 3.639447112630038 (scipy 1.17.1)
        let b = auto_band(366);
        assert!((b - 3.639447112630038 / 366f64.sqrt()).abs() < 1e-9, "{b}");
    }

    #[test]
    fn bad_series_get_clear_messages() {
        let constant = analyze(&[3.0; 30], None, &SeasonalityParams::default())
            .expect_err("constant")
            .to_string();
        assert_eq!(
            constant,
            "the series is constant (all 30 values are 3); there is no trend or season to separate"
        );
        let short = analyze(
            &weekly(20, 0.0),
            Some(SamplingFrequency::Day),
            &SeasonalityParams {
                periods: vec![14],
                ..SeasonalityParams::default()
            },
        )
        .expect_err("short")
        .to_string();
        assert_eq!(
            short,
            "period 14 needs at least 28 days (two full periods) but the series has 20"
        );
        let nan = analyze(&[1.0, f64::NAN, 2.0], None, &SeasonalityParams::default())
            .expect_err("nan")
            .to_string();
        assert!(nan.contains("observation 1 is not finite"), "{nan}");
        let even = analyze(
            &weekly(60, 0.0),
            None,
            &SeasonalityParams {
                periods: vec![7],
                seasonal: vec![8],
                ..SeasonalityParams::default()
            },
        )
        .expect_err("even")
        .to_string();
        assert_eq!(even, "seasonal window must be an odd integer >= 3, got 8");
        // A straight line has no season.
        let line: Vec<f64> = (0..50).map(f64::from).collect();
        let none = analyze(
            &line,
            Some(SamplingFrequency::Day),
            &SeasonalityParams::default(),
        )
        .expect_err("no period")
        .to_string();
        assert!(
            none.starts_with("no seasonal period stands out in the 50 days"),
            "{none}"
        );
    }

    #[test]
    fn filled_points_carry_no_evidence() {
        // 10 weeks of a weekly pattern with a long interpolated gap in the middle.
        let mut y = weekly(70, 10.0);
        let filled: Vec<usize> = (21..49).collect();
        let (a, b) = (y[20], y[49]);
        for &i in &filled {
            y[i] = a + (b - a) * (i - 20) as f64 / 29.0;
        }
        let input = detection_input(&y, &filled);
        // The filled points now lie on the observed points' least-squares line.
        let line: Vec<f64> = filled.iter().map(|&i| input[i]).collect();
        let step = line[1] - line[0];
        assert!(line.windows(2).all(|w| (w[1] - w[0] - step).abs() < 1e-9));
        let series = TimeSeries {
            frequency: Some(SamplingFrequency::Day),
            values: y.clone(),
            positions: (0..70).collect(),
            timestamps: None,
            rows: vec![1; 70],
            segment: vec![Some(0); 70],
            filled: filled.clone(),
            missing_values: 0,
            missing_times: 0,
            trimmed: 0,
        };
        let params = SeasonalityParams {
            periods: vec![7],
            ..SeasonalityParams::default()
        };
        let masked = analyze_series(&series, &params).expect("valid");
        let plain = analyze(&y, Some(SamplingFrequency::Day), &params).expect("valid");
        // Same decomposition, but strengths and anomalies only from observed points.
        assert_eq!(masked.trend, plain.trend);
        let r = observed_only(&plain.remainder, &filled);
        let s = observed_only(&plain.seasonal[0], &filled);
        let want = strength::seasonal_strength(&s, &r).expect("valid");
        assert_eq!(masked.strength.seasonal[0], want);
        assert!(
            masked
                .anomalies
                .anomalies
                .iter()
                .all(|a| !filled.contains(&a.index))
        );
        assert!(filled.iter().all(|&i| masked.anomalies.scores[i] == 0.0));
        assert_eq!(masked.anomalies.scores.len(), 70);
    }

    #[test]
    fn compare_series_skips_filled_points() {
        use super::super::timeseries::{Aggregation, BuildParams, Segment, build};
        let day = crate::vocab::time::MICROS_PER_DAY;
        let r_t: Vec<Option<i64>> = (0..28).map(|d| Some(d * day)).collect();
        let r_v: Vec<Option<f64>> = weekly(28, 10.0).into_iter().map(Some).collect();
        // Current: days 100..114 with one missing day (filled, so not compared).
        let c_t: Vec<Option<i64>> = (100..114)
            .filter(|d| *d != 105)
            .map(|d| Some(d * day))
            .collect();
        let c_v: Vec<Option<f64>> = c_t.iter().map(|_| Some(12.0)).collect();
        let p = BuildParams {
            frequency: SamplingFrequency::Day,
            aggregation: Aggregation::Mean,
        };
        let r = build(
            &[Segment {
                times: Some(&r_t),
                values: &r_v,
            }],
            &p,
        )
        .expect("valid");
        let c = build(
            &[Segment {
                times: Some(&c_t),
                values: &c_v,
            }],
            &p,
        )
        .expect("valid");
        assert_eq!(c.filled, vec![5]);
        let cmp = compare_series(&r, &c, 7, 0.05).expect("valid");
        assert_eq!(cmp.naive.current_n, 13);
        assert_eq!(cmp.comparison.matched, 13);
    }
}

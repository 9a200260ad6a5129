//! Seasonal period detection.
//!
//! Method (all O(n log n)):
//!
//! 1. Remove the least-squares line so a trend does not dominate the spectrum.
//! 2. **ACF**: the sample autocorrelation `ρ_k = Σ x_t x_{t+k} / Σ x_t²` (via
//!    FFT). Every local maximum `ρ_{k-1} < ρ_k >= ρ_{k+1}` with `k >= 2` above
//!    the white-noise band `2 / sqrt(n)` is a candidate.
//! 3. **Periodogram**: `I_j = |X_j|² / n` at Fourier frequencies `j / n`,
//!    `j = 1..n/2` (Bluestein FFT, no padding). Every local maximum above
//!    `mean(I) · ln(m / α)` is a candidate with period `round(n / j)`; under
//!    white noise `I_j / mean ~ Exp(1)`, so this is a Bonferroni-style test at
//!    level `α` over the `m = n/2` ordinates (Fisher's g-test idea).
//! 4. **Calendar**: the usual periods of the sampling frequency
//!    ([`SamplingFrequency::calendar_periods`]).
//!
//! Only periods `2 <= p <= max_period` (default and cap `n / 2`, the longest
//! period STL can fit) are scored. Every candidate gets
//! `score = max(0, ρ_p)` — how closely the series repeats after `p` samples —
//! and the periodogram share `I_j / Σ I` at `j = round(n / p)`. Candidates are
//! ranked by score (ties: more sources, then shorter period). ACF peaks recur
//! at multiples of a true period; a multiple whose score is within the
//! white-noise band of a shorter candidate's is its harmonic and ranks right
//! after it (on a long series the `(n - k) / n` damping is smaller than the
//! noise, so the scores alone could put 42 before 7). Periodogram-only candidates with `ρ_p <= 0`
//! (harmonic aliases) are dropped; calendar candidates are always kept (score
//! 0 when untestable because `2p > n`).

use serde::{Deserialize, Serialize};

use super::error::{SeriesError, ensure_finite};
use super::fft::{autocovariance_sums, power_spectrum};

/// Sampling frequency of a series, used for calendar period candidates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SamplingFrequency {
    /// One sample per minute.
    Minute,
    /// One sample per hour.
    Hour,
    /// One sample per day.
    Day,
    /// One sample per week.
    Week,
    /// One sample per month.
    Month,
}

impl SamplingFrequency {
    /// Calendar periods in samples: minute → 60 (hour), 1440 (day);
    /// hour → 24 (day), 168 (week); day → 7 (week), 365 (year);
    /// week → 52 (year); month → 12 (year).
    pub fn calendar_periods(self) -> &'static [usize] {
        match self {
            Self::Minute => &[60, 1440],
            Self::Hour => &[24, 168],
            Self::Day => &[7, 365],
            Self::Week => &[52],
            Self::Month => &[12],
        }
    }
}

/// Where a candidate period came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum CandidateSource {
    /// A significant local maximum of the autocorrelation function.
    Acf,
    /// A significant local maximum of the periodogram.
    Periodogram,
    /// A calendar period of the sampling frequency.
    Calendar,
}

/// A candidate seasonal period with its evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeriodCandidate {
    /// Period in samples.
    pub period: usize,
    /// Ranking score `max(0, ρ_period)` in `[0, 1]` (0 when untestable).
    pub score: f64,
    /// Autocorrelation at lag `period` (`None` when `2 * period > n`).
    pub acf: Option<f64>,
    /// Share of periodogram power at frequency index `round(n / period)`
    /// (`None` when that index is outside `1..=n/2`).
    pub power_share: Option<f64>,
    /// Every method that proposed this period, sorted.
    pub sources: Vec<CandidateSource>,
}

/// Period detection settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PeriodParams {
    /// Longest period considered (capped at `n / 2`; `None` = `n / 2`).
    pub max_period: Option<usize>,
    /// Sampling frequency for calendar candidates (`None` = no calendar candidates).
    pub frequency: Option<SamplingFrequency>,
    /// Maximum number of candidates returned (default 10).
    pub max_candidates: usize,
    /// Periodogram significance level `α` (default 0.05).
    pub alpha: f64,
}

impl Default for PeriodParams {
    fn default() -> Self {
        Self {
            max_period: None,
            frequency: None,
            max_candidates: 10,
            alpha: 0.05,
        }
    }
}

/// Minimum series length accepted by [`detect`].
pub const MIN_LENGTH: usize = 8;

/// `y` minus its least-squares line.
fn detrend(y: &[f64]) -> Vec<f64> {
    let n = y.len() as f64;
    let t_mean = (n - 1.0) / 2.0;
    let y_mean = y.iter().sum::<f64>() / n;
    let (sty, stt) = y.iter().enumerate().fold((0.0, 0.0), |(sty, stt), (t, v)| {
        let dt = t as f64 - t_mean;
        (sty + dt * (v - y_mean), stt + dt * dt)
    });
    let slope = if stt > 0.0 { sty / stt } else { 0.0 };
    y.iter()
        .enumerate()
        .map(|(t, v)| v - y_mean - slope * (t as f64 - t_mean))
        .collect()
}

/// Indices `k` in `range` with `v[k-1] < v[k] >= v[k+1]` (missing neighbours
/// count as lower) and `v[k] > threshold`.
fn local_maxima(v: &[f64], range: std::ops::RangeInclusive<usize>, threshold: f64) -> Vec<usize> {
    range
        .filter(|&k| {
            let left = k
                .checked_sub(1)
                .and_then(|i| v.get(i))
                .is_none_or(|l| *l < v[k]);
            let right = v.get(k + 1).is_none_or(|r| *r <= v[k]);
            left && right && v[k] > threshold
        })
        .collect()
}

fn validate(y: &[f64], params: &PeriodParams) -> Result<(), SeriesError> {
    if y.len() < MIN_LENGTH {
        return Err(SeriesError::TooShort {
            what: "period detection",
            len: y.len(),
            needed: MIN_LENGTH,
        });
    }
    ensure_finite("series", y)?;
    if !(params.alpha > 0.0 && params.alpha < 1.0) {
        return Err(SeriesError::InvalidParameter {
            name: "alpha",
            reason: format!("must lie in (0, 1), got {}", params.alpha),
        });
    }
    Ok(())
}

/// Detects candidate seasonal periods of `y` (see the module docs for the
/// method), best first.
///
/// Errors: fewer than [`MIN_LENGTH`] values, non-finite values, `alpha`
/// outside `(0, 1)`.
pub fn detect(y: &[f64], params: &PeriodParams) -> Result<Vec<PeriodCandidate>, SeriesError> {
    validate(y, params)?;
    let n = y.len();
    let max_lag = params.max_period.unwrap_or(n / 2).min(n / 2);
    let x = detrend(y);
    let acov = autocovariance_sums(&x, max_lag + 1);
    let energy = acov[0];
    let acf: Vec<f64> = if energy > 0.0 {
        acov.iter().map(|r| r / energy).collect()
    } else {
        vec![0.0; acov.len()]
    };
    let spectrum: Vec<f64> = power_spectrum(&x)
        .into_iter()
        .map(|p| p / n as f64)
        .collect();
    let total_power: f64 = spectrum[1..].iter().sum();

    let mut found: Vec<(usize, CandidateSource)> = Vec::new();
    if energy > 0.0 {
        let band = 2.0 / (n as f64).sqrt();
        for k in local_maxima(&acf, 2..=max_lag, band) {
            found.push((k, CandidateSource::Acf));
        }
        let m = (spectrum.len() - 1) as f64;
        let cut = total_power / m * (m / params.alpha).ln();
        for j in local_maxima(&spectrum, 1..=n / 2, cut) {
            let period = (n as f64 / j as f64).round() as usize;
            let positive = acf.get(period).is_some_and(|r| *r > 0.0);
            if (2..=max_lag).contains(&period) && positive {
                found.push((period, CandidateSource::Periodogram));
            }
        }
    }
    for &p in params.frequency.map_or(&[][..], |f| f.calendar_periods()) {
        found.push((p, CandidateSource::Calendar));
    }
    Ok(rank(
        found,
        &acf,
        &spectrum,
        total_power,
        n,
        max_lag,
        params.max_candidates,
    ))
}

/// Merges `(period, source)` pairs into scored candidates, best first.
fn rank(
    mut found: Vec<(usize, CandidateSource)>,
    acf: &[f64],
    spectrum: &[f64],
    total_power: f64,
    n: usize,
    max_lag: usize,
    limit: usize,
) -> Vec<PeriodCandidate> {
    found.sort_unstable();
    found.dedup();
    let mut out: Vec<PeriodCandidate> = Vec::new();
    for (period, source) in found {
        if let Some(last) = out.last_mut().filter(|c| c.period == period) {
            last.sources.push(source);
            continue;
        }
        let acf_p = (period <= max_lag).then(|| acf[period]);
        let j = (n as f64 / period as f64).round() as usize;
        let power_share = (total_power > 0.0 && (1..spectrum.len()).contains(&j))
            .then(|| spectrum[j] / total_power);
        out.push(PeriodCandidate {
            period,
            score: acf_p.unwrap_or(0.0).max(0.0),
            acf: acf_p,
            power_share,
            sources: vec![source],
        });
    }
    // A multiple of a candidate whose autocorrelation is not above the fundamental's by more
    // than the white-noise band is a harmonic: on a long series the (n − k)/n damping is
    // smaller than the noise, and 42 could otherwise outrank 7. A harmonic ranks right after
    // its fundamental (sorted by the fundamental's score), keeping its own score.
    let band = 2.0 / (n.max(1) as f64).sqrt();
    let mut by_period: Vec<(usize, f64)> = out.iter().map(|c| (c.period, c.score)).collect();
    by_period.sort_by_key(|c| c.0);
    let rank_score = |c: &PeriodCandidate| -> (f64, bool) {
        by_period
            .iter()
            .take_while(|(p, _)| *p < c.period)
            .find(|(p, score)| {
                c.period.is_multiple_of(*p) && c.score <= score + band && *score > 0.0
            })
            .map_or((c.score, false), |(_, score)| (*score, true))
    };
    out.sort_by(|a, b| {
        let ((sa, ha), (sb, hb)) = (rank_score(a), rank_score(b));
        sb.total_cmp(&sa)
            .then(ha.cmp(&hb))
            .then(b.sources.len().cmp(&a.sources.len()))
            .then(a.period.cmp(&b.period))
    });
    out.truncate(limit);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn noisy(n: usize, f: impl Fn(f64) -> f64) -> Vec<f64> {
        // Deterministic pseudo-noise (LCG) so tests are reproducible.
        let mut state = 12345u64;
        (0..n)
            .map(|i| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let u = (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
                f(i as f64) + u
            })
            .collect()
    }

    #[test]
    fn finds_weekly_period_in_daily_data() {
        let week = [3.0, 2.0, 1.0, 0.0, -1.0, -4.0, -1.0];
        let y = noisy(365, |t| 0.02 * t + week[t as usize % 7]);
        let params = PeriodParams {
            frequency: Some(SamplingFrequency::Day),
            max_candidates: 100,
            ..PeriodParams::default()
        };
        let c = detect(&y, &params).expect("valid");
        assert_eq!(c[0].period, 7, "{c:?}");
        assert!(c[0].sources.contains(&CandidateSource::Acf));
        assert!(c[0].sources.contains(&CandidateSource::Calendar));
        assert!(c[0].score > 0.8);
        let yearly = c.iter().find(|c| c.period == 365);
        assert!(yearly.is_some_and(|c| c.acf.is_none() && c.score == 0.0));
    }

    #[test]
    fn finds_daily_and_weekly_in_hourly_data() {
        let tau = 2.0 * std::f64::consts::PI;
        let y = noisy(24 * 7 * 6, |t| {
            4.0 * (tau * t / 24.0).sin() + 6.0 * (tau * t / 168.0).sin()
        });
        let c = detect(&y, &PeriodParams::default()).expect("valid");
        let periods: Vec<usize> = c.iter().map(|c| c.period).collect();
        assert!(periods.contains(&24) && periods.contains(&168), "{c:?}");
        let p168 = c.iter().find(|c| c.period == 168).expect("168");
        assert!(p168.sources.contains(&CandidateSource::Periodogram));
    }

    #[test]
    fn white_noise_and_constant_series_give_few_candidates() {
        let y = noisy(500, |_| 0.0);
        let c = detect(&y, &PeriodParams::default()).expect("valid");
        assert!(c.iter().all(|c| c.score < 0.3), "{c:?}");
        assert!(
            detect(&[1.0; 20], &PeriodParams::default())
                .expect("valid")
                .is_empty()
        );
    }

    #[test]
    fn rejects_bad_input() {
        assert!(detect(&[1.0; 3], &PeriodParams::default()).is_err());
        assert!(detect(&[f64::NAN; 10], &PeriodParams::default()).is_err());
        let bad = PeriodParams {
            alpha: 1.5,
            ..PeriodParams::default()
        };
        assert!(detect(&[1.0; 10], &bad).is_err());
    }
}

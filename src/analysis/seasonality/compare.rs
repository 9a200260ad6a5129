//! Season-aware comparison of a current window against a reference window.
//!
//! Comparing raw means is misleading when the windows cover different parts
//! of the seasonal cycle (a Monday-heavy window versus a whole-week
//! reference). Each observation carries a *season index* `s ∈ [0, period)`
//! (e.g. day of week, hour of day; see [`season_indices`]). From the reference:
//!
//! ```text
//! μ      = mean of all reference values
//! m_s    = mean of the reference values with season s     (same-season mean)
//! e_s    = m_s - μ                                        (seasonal effect)
//! ```
//!
//! and for every current value `x` with season `s`:
//!
//! ```text
//! naive difference         x - μ
//! season-aware difference  x - m_s
//! deseasonalised value     x - e_s   (so deseasonalised - μ = x - m_s)
//! ```
//!
//! Summaries average these over the current window; season-aware quantities
//! skip observations whose season never occurs in the reference (counted in
//! `unmatched`).

use serde::{Deserialize, Serialize};

use super::error::{SeriesError, ensure_finite};

/// Per-season means of a reference window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeasonalProfile {
    /// Number of seasons (valid indices are `0..period`).
    pub period: usize,
    /// Mean `μ` of all reference values.
    pub overall_mean: f64,
    /// Same-season means `m_s` (`None` if season `s` has no reference value).
    pub season_means: Vec<Option<f64>>,
    /// Number of reference values per season.
    pub counts: Vec<usize>,
}

/// Comparison of one current observation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PointComparison {
    /// Position in the current window.
    pub index: usize,
    /// The current value `x`.
    pub value: f64,
    /// Its season index `s`.
    pub season: usize,
    /// `x - μ`.
    pub naive_difference: f64,
    /// `x - m_s` (`None` when season `s` is absent from the reference).
    pub season_aware_difference: Option<f64>,
    /// `x - (m_s - μ)` (`None` when season `s` is absent from the reference).
    pub deseasonalised: Option<f64>,
}

/// Result of [`compare`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeasonalComparison {
    /// The reference profile used.
    pub profile: SeasonalProfile,
    /// Per-observation comparisons, in current-window order.
    pub points: Vec<PointComparison>,
    /// `mean(x) - μ` over the whole current window.
    pub naive_difference: f64,
    /// `mean(x - m_s)` over matched observations (`None` if none matched);
    /// equals `mean(deseasonalised) - μ`.
    pub season_aware_difference: Option<f64>,
    /// Mean deseasonalised current value over matched observations.
    pub deseasonalised_mean: Option<f64>,
    /// Current observations whose season occurs in the reference.
    pub matched: usize,
    /// Current observations whose season is absent from the reference.
    pub unmatched: usize,
}

/// Season indices `(offset + i) mod period` for `len` consecutive samples,
/// e.g. `offset` = season of the first sample. `period` must be >= 1.
pub fn season_indices(len: usize, period: usize, offset: usize) -> Vec<usize> {
    let period = period.max(1);
    (0..len).map(|i| (offset + i) % period).collect()
}

fn check_seasons(
    what: &'static str,
    values: &[f64],
    seasons: &[usize],
    period: usize,
) -> Result<(), SeriesError> {
    if values.len() != seasons.len() {
        return Err(SeriesError::LengthMismatch {
            what,
            left: values.len(),
            right: seasons.len(),
        });
    }
    if values.is_empty() {
        return Err(SeriesError::TooShort {
            what,
            len: 0,
            needed: 1,
        });
    }
    ensure_finite(what, values)?;
    if let Some(bad) = seasons.iter().find(|s| **s >= period) {
        return Err(SeriesError::InvalidParameter {
            name: "season index",
            reason: format!("{what}: season {bad} is not below the period {period}"),
        });
    }
    Ok(())
}

/// Builds the per-season profile of a reference window.
pub fn profile(
    values: &[f64],
    seasons: &[usize],
    period: usize,
) -> Result<SeasonalProfile, SeriesError> {
    if period == 0 {
        return Err(SeriesError::InvalidParameter {
            name: "period",
            reason: "must be >= 1".into(),
        });
    }
    check_seasons("reference", values, seasons, period)?;
    let mut sums = vec![0.0; period];
    let mut counts = vec![0usize; period];
    for (&v, &s) in values.iter().zip(seasons) {
        sums[s] += v;
        counts[s] += 1;
    }
    let season_means = sums
        .iter()
        .zip(&counts)
        .map(|(&sum, &c)| (c > 0).then(|| sum / c as f64))
        .collect();
    Ok(SeasonalProfile {
        period,
        overall_mean: values.iter().sum::<f64>() / values.len() as f64,
        season_means,
        counts,
    })
}

/// Compares `current` (with `current_seasons`) against the reference window
/// (with `reference_seasons`); see the module docs for the definitions.
///
/// Errors: period 0, empty or misaligned inputs, non-finite values, or a
/// season index `>= period`.
pub fn compare(
    reference: &[f64],
    reference_seasons: &[usize],
    current: &[f64],
    current_seasons: &[usize],
    period: usize,
) -> Result<SeasonalComparison, SeriesError> {
    let profile = profile(reference, reference_seasons, period)?;
    check_seasons("current", current, current_seasons, period)?;
    let mu = profile.overall_mean;
    let points: Vec<PointComparison> = current
        .iter()
        .zip(current_seasons)
        .enumerate()
        .map(|(index, (&value, &season))| {
            let mean = profile.season_means[season];
            PointComparison {
                index,
                value,
                season,
                naive_difference: value - mu,
                season_aware_difference: mean.map(|m| value - m),
                deseasonalised: mean.map(|m| value - (m - mu)),
            }
        })
        .collect();
    let naive_difference = current.iter().sum::<f64>() / current.len() as f64 - mu;
    let matched: Vec<&PointComparison> = points
        .iter()
        .filter(|p| p.deseasonalised.is_some())
        .collect();
    let count = matched.len();
    let mean_of = |f: fn(&PointComparison) -> Option<f64>| {
        (count > 0).then(|| matched.iter().filter_map(|p| f(p)).sum::<f64>() / count as f64)
    };
    let season_aware_difference = mean_of(|p| p.season_aware_difference);
    let deseasonalised_mean = mean_of(|p| p.deseasonalised);
    Ok(SeasonalComparison {
        unmatched: points.len() - count,
        matched: count,
        profile,
        points,
        naive_difference,
        season_aware_difference,
        deseasonalised_mean,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weekday_window_is_not_flagged_as_shift() {
        // Reference: two weeks with a strong weekday pattern; current: only the
        // two high days of the week, unchanged. Naive sees +; season-aware sees 0.
        let week = [10.0, 12.0, 11.0, 9.0, 8.0, 20.0, 22.0];
        let reference: Vec<f64> = week.iter().chain(week.iter()).copied().collect();
        let ref_seasons = season_indices(14, 7, 0);
        let current = [20.0, 22.0, 20.0];
        let cur_seasons = [5, 6, 5];
        let cmp = compare(&reference, &ref_seasons, &current, &cur_seasons, 7).expect("valid");
        let mu = week.iter().sum::<f64>() / 7.0;
        assert!((cmp.naive_difference - (62.0 / 3.0 - mu)).abs() < 1e-12);
        assert_eq!(cmp.season_aware_difference, Some(0.0));
        assert!((cmp.deseasonalised_mean.expect("matched") - mu).abs() < 1e-12);
        assert_eq!((cmp.matched, cmp.unmatched), (3, 0));
    }

    #[test]
    fn shift_is_detected_and_unmatched_seasons_counted() {
        let reference = [1.0, 2.0, 1.0, 2.0];
        let current = [3.0, 4.0, 5.0];
        let cmp = compare(&reference, &[0, 1, 0, 1], &current, &[0, 1, 2], 3).expect("valid");
        assert_eq!(cmp.season_aware_difference, Some(2.0));
        assert_eq!((cmp.matched, cmp.unmatched), (2, 1));
        assert_eq!(cmp.points[2].season_aware_difference, None);
        assert_eq!(cmp.profile.season_means, vec![Some(1.0), Some(2.0), None]);
    }

    #[test]
    fn rejects_bad_input() {
        assert!(compare(&[1.0], &[0], &[1.0], &[3], 3).is_err());
        assert!(compare(&[1.0], &[0, 1], &[1.0], &[0], 3).is_err());
        assert!(compare(&[], &[], &[1.0], &[0], 3).is_err());
        assert!(compare(&[1.0], &[0], &[1.0], &[0], 0).is_err());
        assert!(compare(&[f64::NAN], &[0], &[1.0], &[0], 1).is_err());
    }
}

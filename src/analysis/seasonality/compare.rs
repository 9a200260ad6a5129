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

/// Welch's two-sample t-test of `current` against `reference` (unequal variances):
///
/// ```text
/// t  = (mean_c - mean_r) / sqrt(v_c / n_c + v_r / n_r)          (v = sample variance, n - 1)
/// df = (v_c / n_c + v_r / n_r)^2 / ((v_c / n_c)^2 / (n_c - 1) + (v_r / n_r)^2 / (n_r - 1))
/// p  = 2 P(T_df > |t|)
/// ```
///
/// equal to `scipy.stats.ttest_ind(current, reference, equal_var=False)`. It treats the
/// periods as independent, which autocorrelated series are not, so read `p` as a screening
/// score rather than an exact error rate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// Values compared on each side.
    pub reference_n: usize,
    /// Values compared on the current side.
    pub current_n: usize,
    /// Mean of the reference values.
    pub reference_mean: f64,
    /// Mean of the current values.
    pub current_mean: f64,
    /// `current_mean - reference_mean`.
    pub difference: f64,
    /// `difference / |reference_mean|` (`None` when the reference mean is 0).
    pub relative_difference: Option<f64>,
    /// Welch's t statistic (±infinity when both samples are constant and differ).
    pub t: f64,
    /// Welch-Satterthwaite degrees of freedom (`n_r + n_c - 2` when both samples are constant).
    pub df: f64,
    /// Two-sided p-value.
    pub p_value: f64,
    /// Whether `p_value < alpha`: the means differ.
    pub shifted: bool,
}

fn mean_var(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let var = x.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1.0);
    (mean, var)
}

/// Welch's t-test (see [`Verdict`]); `shifted` when `p < alpha`.
///
/// Errors: fewer than 2 values on a side, non-finite values, `alpha` outside `(0, 1)`.
pub fn welch(reference: &[f64], current: &[f64], alpha: f64) -> Result<Verdict, SeriesError> {
    use statrs::distribution::{ContinuousCDF, StudentsT};
    if !(alpha > 0.0 && alpha < 1.0) {
        return Err(SeriesError::InvalidParameter {
            name: "alpha",
            reason: format!("must lie in (0, 1), got {alpha}"),
        });
    }
    for (what, x) in [("reference", reference), ("current", current)] {
        if x.len() < 2 {
            return Err(SeriesError::TooShort {
                what,
                len: x.len(),
                needed: 2,
            });
        }
        ensure_finite(what, x)?;
    }
    let (n_r, n_c) = (reference.len() as f64, current.len() as f64);
    let (m_r, v_r) = mean_var(reference);
    let (m_c, v_c) = mean_var(current);
    let difference = m_c - m_r;
    let (a, b) = (v_c / n_c, v_r / n_r);
    let se2 = a + b;
    let (t, df, p_value) = if se2 > 0.0 {
        let t = difference / se2.sqrt();
        let df = se2 * se2 / (a * a / (n_c - 1.0) + b * b / (n_r - 1.0));
        let p = StudentsT::new(0.0, 1.0, df)
            .map(|d| (2.0 * d.sf(t.abs())).min(1.0))
            .unwrap_or(f64::NAN);
        (t, df, p)
    } else if difference == 0.0 {
        (0.0, n_r + n_c - 2.0, 1.0)
    } else {
        (difference.signum() * f64::INFINITY, n_r + n_c - 2.0, 0.0)
    };
    Ok(Verdict {
        reference_n: reference.len(),
        current_n: current.len(),
        reference_mean: m_r,
        current_mean: m_c,
        difference,
        relative_difference: (m_r != 0.0).then(|| difference / m_r.abs()),
        t,
        df,
        p_value,
        shifted: p_value < alpha,
    })
}

/// The naive and the season-aware verdict on one current window, side by side.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeasonAwareReport {
    /// Number of seasons.
    pub period: usize,
    /// Significance level of both verdicts.
    pub alpha: f64,
    /// Raw current values against raw reference values: a seasonal rise counts as a shift.
    pub naive: Verdict,
    /// Deseasonalised current values (`x - e_s`, matched seasons only) against deseasonalised
    /// reference values: only what the reference's seasons do not explain counts.
    pub season_aware: Verdict,
    /// The per-point comparison and the reference's seasonal profile.
    pub comparison: SeasonalComparison,
    /// Mean current value per season (`None` where the current window has none).
    pub current_season_means: Vec<Option<f64>>,
}

/// Compares a current window with a reference window naively and season by season (see
/// [`compare`] for the seasonal profile and [`welch`] for the test).
///
/// Errors: as [`compare`]; fewer than 2 values on a side; no current season present in the
/// reference; `alpha` outside `(0, 1)`.
pub fn season_aware(
    reference: &[f64],
    reference_seasons: &[usize],
    current: &[f64],
    current_seasons: &[usize],
    period: usize,
    alpha: f64,
) -> Result<SeasonAwareReport, SeriesError> {
    let comparison = compare(
        reference,
        reference_seasons,
        current,
        current_seasons,
        period,
    )?;
    let naive = welch(reference, current, alpha)?;
    let mu = comparison.profile.overall_mean;
    let effect = |s: usize| comparison.profile.season_means[s].map(|m| m - mu);
    let reference_deseasonalised: Vec<f64> = reference
        .iter()
        .zip(reference_seasons)
        .filter_map(|(x, &s)| effect(s).map(|e| x - e))
        .collect();
    let current_deseasonalised: Vec<f64> = comparison
        .points
        .iter()
        .filter_map(|p| p.deseasonalised)
        .collect();
    let season_aware = welch(&reference_deseasonalised, &current_deseasonalised, alpha)?;
    let mut sums = vec![(0.0, 0usize); period];
    for (&x, &s) in current.iter().zip(current_seasons) {
        sums[s].0 += x;
        sums[s].1 += 1;
    }
    Ok(SeasonAwareReport {
        period,
        alpha,
        naive,
        season_aware,
        comparison,
        current_season_means: sums
            .iter()
            .map(|&(sum, n)| (n > 0).then(|| sum / n as f64))
            .collect(),
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

    #[test]
    fn welch_matches_scipy_and_season_aware_finds_a_hidden_shift() {
        // Two reference weeks with a strong weekend peak, one current week 2 higher on average.
        let reference = [
            10.0, 12.0, 11.0, 9.0, 8.0, 20.0, 22.0, 10.5, 12.5, 11.0, 9.5, 8.0, 19.0, 23.0,
        ];
        let current = [13.0, 14.0, 12.0, 11.0, 10.0, 22.0, 25.0];
        // scipy.stats.ttest_ind(current, reference, equal_var=False) (scipy 1.17.1):
        // statistic 0.7769659282884133, pvalue 0.45333893409849474, df 11.156022082711841
        let v = welch(&reference, &current, 0.05).expect("valid");
        assert!((v.t - 0.7769659282884133).abs() < 1e-12, "{v:?}");
        assert!((v.df - 11.156022082711841).abs() < 1e-10, "{v:?}");
        assert!((v.p_value - 0.45333893409849474).abs() < 1e-9, "{v:?}");
        assert!(!v.shifted);
        // Same test on x - e_s (e_s = reference weekday mean - overall mean), by numpy/scipy:
        // statistic 8.350831015301413, pvalue 3.721358844450256e-05, df 7.798718752341362.
        let r = season_aware(
            &reference,
            &season_indices(14, 7, 0),
            &current,
            &season_indices(7, 7, 0),
            7,
            0.05,
        )
        .expect("valid");
        assert_eq!(r.naive, v);
        let s = r.season_aware;
        assert!((s.t - 8.350831015301413).abs() < 1e-10, "{s:?}");
        assert!((s.df - 7.798718752341362).abs() < 1e-9, "{s:?}");
        assert!((s.p_value - 3.721358844450256e-05).abs() < 1e-12, "{s:?}");
        assert!((s.difference - 2.0357142857142865).abs() < 1e-12);
        assert!(s.shifted);
        assert_eq!(r.current_season_means[5], Some(22.0));
    }

    #[test]
    fn welch_edge_cases() {
        let same = welch(&[1.0, 1.0], &[1.0, 1.0], 0.05).expect("valid");
        assert_eq!((same.t, same.p_value, same.shifted), (0.0, 1.0, false));
        let apart = welch(&[1.0, 1.0], &[2.0, 2.0], 0.05).expect("valid");
        assert_eq!(
            (apart.t, apart.p_value, apart.shifted),
            (f64::INFINITY, 0.0, true)
        );
        assert!(welch(&[1.0], &[1.0, 2.0], 0.05).is_err());
        assert!(welch(&[1.0, 2.0], &[1.0, 2.0], 0.0).is_err());
    }
}

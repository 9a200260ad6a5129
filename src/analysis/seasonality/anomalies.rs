//! Anomalies in a decomposition remainder via robust z-scores
//! (Iglewicz & Hoaglin modified z-score).
//!
//! ```text
//! z_i = 0.6745 (r_i - median(r)) / MAD,   MAD = median |r_i - median(r)|
//! ```
//!
//! and `r_i` is anomalous when `|z_i| > threshold` (default 3.5). `0.6745` is
//! the 0.75 normal quantile, making `MAD / 0.6745` a consistent estimate of
//! the standard deviation for Gaussian data.
//!
//! `MAD = 0` happens when more than half the remainders are identical (e.g. a
//! perfectly fitted stretch). Then the mean absolute deviation from the median
//! is used instead, `z_i = (r_i - median) / (1.253314 · MeanAD)` (1.253314 =
//! sqrt(π/2) makes MeanAD consistent for the normal SD). If that is 0 too,
//! every remainder equals the median and all scores are 0.

use serde::{Deserialize, Serialize};

use super::error::{SeriesError, ensure_finite};

/// Default `|z|` cut-off recommended by Iglewicz & Hoaglin.
pub const DEFAULT_THRESHOLD: f64 = 3.5;

/// Which dispersion estimate scaled the scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Scale {
    /// Median absolute deviation (the normal case).
    Mad,
    /// Mean absolute deviation fallback because MAD was 0.
    MeanAbsoluteDeviation,
    /// All values equal the median: scores are 0, nothing is anomalous.
    Degenerate,
}

/// One flagged observation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Anomaly {
    /// Zero-based position in the series.
    pub index: usize,
    /// The remainder value.
    pub value: f64,
    /// Its robust z-score (sign shows the direction).
    pub score: f64,
}

/// Robust z-scores of every remainder and the flagged subset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnomalyReport {
    /// Median of the remainder.
    pub median: f64,
    /// The dispersion used (MAD, or MeanAD if MAD was 0, or 0).
    pub dispersion: f64,
    /// Which dispersion estimate was used.
    pub scale: Scale,
    /// The `|z|` threshold applied.
    pub threshold: f64,
    /// Robust z-score of every observation.
    pub scores: Vec<f64>,
    /// Observations with `|z| > threshold`, in index order.
    pub anomalies: Vec<Anomaly>,
}

/// Median of `values` (mean of the two middle values for even length);
/// reorders `values`. Must be non-empty and NaN-free.
fn median_in_place(values: &mut [f64]) -> f64 {
    let n = values.len();
    let upper = n / 2;
    let (below, &mut hi, _) = values.select_nth_unstable_by(upper, f64::total_cmp);
    if n % 2 == 1 {
        hi
    } else {
        let lo = below.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        0.5 * (lo + hi)
    }
}

/// Scores `remainder` and flags `|z| > threshold`.
///
/// Errors: empty input, non-finite values, or a threshold that is not a
/// positive finite number.
pub fn detect(remainder: &[f64], threshold: f64) -> Result<AnomalyReport, SeriesError> {
    if remainder.is_empty() {
        return Err(SeriesError::TooShort {
            what: "anomaly detection",
            len: 0,
            needed: 1,
        });
    }
    if !(threshold.is_finite() && threshold > 0.0) {
        return Err(SeriesError::InvalidParameter {
            name: "threshold",
            reason: format!("must be a positive finite number, got {threshold}"),
        });
    }
    ensure_finite("remainder", remainder)?;
    let mut scratch = remainder.to_vec();
    let median = median_in_place(&mut scratch);
    scratch
        .iter_mut()
        .zip(remainder)
        .for_each(|(d, r)| *d = (r - median).abs());
    let mean_ad = scratch.iter().sum::<f64>() / scratch.len() as f64;
    let mad = median_in_place(&mut scratch);
    let (scale, dispersion, factor) = if mad > 0.0 {
        (Scale::Mad, mad, 0.6745 / mad)
    } else if mean_ad > 0.0 {
        (
            Scale::MeanAbsoluteDeviation,
            mean_ad,
            1.0 / (1.253314 * mean_ad),
        )
    } else {
        (Scale::Degenerate, 0.0, 0.0)
    };
    let scores: Vec<f64> = remainder.iter().map(|r| (r - median) * factor).collect();
    let anomalies = scores
        .iter()
        .zip(remainder)
        .enumerate()
        .filter(|(_, (z, _))| z.abs() > threshold)
        .map(|(index, (&score, &value))| Anomaly {
            index,
            value,
            score,
        })
        .collect();
    Ok(AnomalyReport {
        median,
        dispersion,
        scale,
        threshold,
        scores,
        anomalies,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_outliers_with_mad() {
        let r = [0.1, -0.2, 0.0, 0.3, -0.1, 5.0, 0.2, -0.3, -6.0];
        let rep = detect(&r, DEFAULT_THRESHOLD).expect("valid");
        assert_eq!(rep.scale, Scale::Mad);
        assert_eq!(rep.median, 0.0);
        assert!((rep.dispersion - 0.2).abs() < 1e-12);
        let idx: Vec<usize> = rep.anomalies.iter().map(|a| a.index).collect();
        assert_eq!(idx, vec![5, 8]);
        assert!((rep.anomalies[0].score - 0.6745 * 5.0 / 0.2).abs() < 1e-9);
    }

    #[test]
    fn zero_mad_falls_back_to_mean_absolute_deviation() {
        let r = [0.0, 0.0, 0.0, 0.0, 0.0, 1.0];
        let rep = detect(&r, DEFAULT_THRESHOLD).expect("valid");
        assert_eq!(rep.scale, Scale::MeanAbsoluteDeviation);
        assert_eq!(rep.anomalies.len(), 1);
        let flat = detect(&[2.0; 5], DEFAULT_THRESHOLD).expect("valid");
        assert_eq!(flat.scale, Scale::Degenerate);
        assert!(flat.anomalies.is_empty() && flat.scores.iter().all(|z| *z == 0.0));
    }

    #[test]
    fn rejects_bad_input() {
        assert!(detect(&[], 3.5).is_err());
        assert!(detect(&[1.0, f64::INFINITY], 3.5).is_err());
        assert!(detect(&[1.0], -1.0).is_err());
    }
}

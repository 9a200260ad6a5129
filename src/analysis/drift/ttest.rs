//! Welch's unequal-variance two-sample t-test.

use serde::{Deserialize, Serialize};

use super::error::DriftError;
use super::sample::{NumericSample, require_non_empty};
use super::special::student_t_sf;
use crate::vocab::Side;

/// Result of [`welch_t_test`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TTestReport {
    /// t = (mean_ref − mean_cur)/√(s²_ref/n_ref + s²_cur/n_cur), s² with ddof = 1.
    pub statistic: f64,
    /// Welch–Satterthwaite degrees of freedom.
    pub df: f64,
    /// Two-sided p-value 2·P(T_df >= |t|) ∈ [0, 1].
    pub p_value: f64,
}

/// Welch's t-test, as `scipy.stats.ttest_ind(reference, current, equal_var=False)`.
///
/// Needs two values per side. When both sample variances are zero the statistic
/// is undefined (SciPy returns NaN) and a [`DriftError::Undefined`] is returned.
/// Evidently 0.7's `t_test` uses the pooled (equal-variance) test; Welch is what
/// the Sextant spec asks for.
pub fn welch_t_test(
    reference: &NumericSample,
    current: &NumericSample,
) -> Result<TTestReport, DriftError> {
    require_non_empty(reference, current)?;
    let mut stats = [(0.0, 0.0, 0.0); 2];
    for (slot, (side, s)) in stats
        .iter_mut()
        .zip([(Side::Reference, reference), (Side::Current, current)])
    {
        let too_few = DriftError::TooFewValues {
            side,
            len: s.len(),
            needed: 2,
            statistic: "t_test",
        };
        let mean = s.mean().ok_or_else(|| too_few.clone())?;
        let var = s.variance(1).ok_or(too_few)?;
        *slot = (mean, var, s.len() as f64);
    }
    let [(m1, v1, n1), (m2, v2, n2)] = stats;
    let vn1 = v1 / n1;
    let vn2 = v2 / n2;
    if vn1 + vn2 == 0.0 {
        return Err(DriftError::Undefined {
            statistic: "t_test",
            reason: "both samples have zero variance",
        });
    }
    let df = (vn1 + vn2).powi(2) / (vn1 * vn1 / (n1 - 1.0) + vn2 * vn2 / (n2 - 1.0));
    let t = (m1 - m2) / (vn1 + vn2).sqrt();
    let p = (2.0 * student_t_sf(t.abs(), df)).clamp(0.0, 1.0);
    Ok(TTestReport {
        statistic: t,
        df,
        p_value: p,
    })
}

//! Champion against challenger offline, on the same labelled rows: DeLong's test for two
//! correlated ROC AUCs and McNemar's test on paired decisions.
//!
//! **DeLong** (DeLong, DeLong & Clarke-Pearson 1988, in the O(n log n) form of Sun & Xu 2014):
//! with m positives and n negatives, midranks T_z of each model's scores over all rows, T_x over
//! the positives and T_y over the negatives, AUC = Σ_{positives} T_z/(m·n) − (m + 1)/(2n)
//! (ties count ½, the Mann–Whitney AUC). The structural components V₀₁ = (T_z − T_x)/n on the
//! positives and V₁₀ = 1 − (T_z − T_y)/m on the negatives give the 2 × 2 covariance
//! S = S₀₁/m + S₁₀/n (sample covariances, ddof = 1); Var(AUC_a − AUC_b) = S_aa + S_bb − 2S_ab,
//! z = (AUC_a − AUC_b)/√Var and p = 2·P(Z > |z|). Equals the fast-DeLong numpy implementation
//! (yandexdataschool/roc_comparison) written out in the golden script. Each model is sorted
//! once ([`Ranking`]): the midrank differences T_z − T_x and T_z − T_y are counts of the other
//! class scored below (ties ½), read off that one order.
//!
//! **McNemar** on the 2 × 2 table [[a, b], [c, d]] of paired outcomes (rows: champion
//! correct/wrong, columns: challenger correct/wrong), as
//! `statsmodels.stats.contingency_tables.mcnemar`: exact p = min(1, 2·P(Bin(b + c, ½) ≤
//! min(b, c))); with continuity correction X² = (|b − c| − 1)²/(b + c), p = P(χ²₁ > X²).

use serde::Serialize;
use statrs::function::factorial::ln_binomial;

use super::dist::{chi2_sf, normal_sf};
use super::error::ExperimentError;
use super::roc::Ranking;

/// Input of [`delong_test`]: two models' scores on the same labelled rows.
#[derive(Debug, Clone, PartialEq)]
pub struct DelongParams {
    /// Labels (true = positive).
    pub labels: Vec<bool>,
    /// Model A's scores (the champion), higher = more positive.
    pub scores_a: Vec<f64>,
    /// Model B's scores (the challenger).
    pub scores_b: Vec<f64>,
}

/// Result of [`delong_test`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DelongReport {
    /// ROC AUC of model A.
    pub auc_a: f64,
    /// ROC AUC of model B.
    pub auc_b: f64,
    /// AUC_a − AUC_b.
    pub difference: f64,
    /// Var(AUC_a − AUC_b).
    pub variance: f64,
    /// difference / √variance.
    pub z: f64,
    /// Two-sided p-value, 2·P(Z > |z|).
    pub p_value: f64,
}

/// Midranks (average ranks, 1-based) of `x`: `scipy.stats.rankdata(method="average")`.
pub fn midranks(x: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..x.len()).collect();
    order.sort_by(|&i, &j| x[i].total_cmp(&x[j]));
    let mut ranks = vec![0.0; x.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && x[order[j + 1]] == x[order[i]] {
            j += 1;
        }
        let rank = (i + j) as f64 / 2.0 + 1.0;
        for &k in &order[i..=j] {
            ranks[k] = rank;
        }
        i = j + 1;
    }
    ranks
}

/// Sample covariance (ddof = 1) of two equally long series.
fn cov(a: &[f64], b: &[f64]) -> f64 {
    let k = a.len() as f64;
    let ma = a.iter().sum::<f64>() / k;
    let mb = b.iter().sum::<f64>() / k;
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - ma) * (y - mb))
        .sum::<f64>()
        / (k - 1.0)
}

/// DeLong's test for the difference of two correlated ROC AUCs.
///
/// Errors: lengths that differ, a non-finite score, fewer than two positives or two negatives
/// (no covariance), a difference with variance 0 (the two models rank every row alike).
pub fn delong_test(params: &DelongParams) -> Result<DelongReport, ExperimentError> {
    let y = &params.labels;
    for (what, s) in [
        ("champion scores", &params.scores_a),
        ("challenger scores", &params.scores_b),
    ] {
        if s.len() != y.len() {
            return Err(ExperimentError::LengthMismatch {
                what: "scores and labels",
                left: s.len(),
                right: y.len(),
            });
        }
        if let Some(index) = s.iter().position(|x| !x.is_finite()) {
            return Err(ExperimentError::NonFinite { what, index });
        }
    }
    let a = Ranking::new(y, &params.scores_a)?;
    let b = Ranking::new(y, &params.scores_b)?;
    delong_from_rankings(&a, &b)
}

/// DeLong's test on two rankings of the same labelled rows (each model sorted once; see
/// [`Ranking::delong_components`]); the difference is AUC_a − AUC_b.
///
/// Errors: rankings of different rows, fewer than two positives or two negatives, a
/// difference with variance 0.
pub fn delong_from_rankings(a: &Ranking, b: &Ranking) -> Result<DelongReport, ExperimentError> {
    if a.len() != b.len() || a.positives() != b.positives() {
        return Err(ExperimentError::LengthMismatch {
            what: "the two rankings' rows",
            left: a.len(),
            right: b.len(),
        });
    }
    let (m, n) = (a.positives(), a.negatives());
    for (arm, count) in [("positive labels", m), ("negative labels", n)] {
        if count < 2 {
            return Err(ExperimentError::TooFewUnits {
                arm: arm.to_string(),
                n: count,
                needed: 2,
                statistic: "DeLong's test",
            });
        }
    }
    let (v01_a, v10_a) = a.delong_components();
    let (v01_b, v10_b) = b.delong_components();
    let (auc_a, auc_b) = match (a.auc(), b.auc()) {
        (Some(x), Some(y)) => (x, y),
        // Unreachable with two of each class; kept as an error rather than a panic.
        _ => {
            return Err(ExperimentError::TooFewUnits {
                arm: "positive or negative labels".to_string(),
                n: 0,
                needed: 2,
                statistic: "DeLong's test",
            });
        }
    };
    let (mf, nf) = (m as f64, n as f64);
    let s = |p: &[f64], q: &[f64], r: &[f64], t: &[f64]| cov(p, q) / mf + cov(r, t) / nf;
    let s_aa = s(&v01_a, &v01_a, &v10_a, &v10_a);
    let s_bb = s(&v01_b, &v01_b, &v10_b, &v10_b);
    let s_ab = s(&v01_a, &v01_b, &v10_a, &v10_b);
    let variance = s_aa + s_bb - 2.0 * s_ab;
    if variance.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
        return Err(ExperimentError::ZeroVariance {
            arm: "the AUC difference".to_string(),
            what: "metric",
        });
    }
    let difference = auc_a - auc_b;
    let z = difference / variance.sqrt();
    Ok(DelongReport {
        auc_a,
        auc_b,
        difference,
        variance,
        z,
        p_value: (2.0 * normal_sf(z.abs())).min(1.0),
    })
}

/// Input of [`mcnemar_test`]: the paired 2 × 2 table [[a, b], [c, d]]; b and c are the
/// discordant pairs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct McNemarParams {
    /// Row-major table.
    pub table: [[u64; 2]; 2],
}

impl McNemarParams {
    /// The table from paired correctness: rows champion correct/wrong, columns challenger.
    pub fn from_correct(champion: &[bool], challenger: &[bool]) -> Result<Self, ExperimentError> {
        if champion.len() != challenger.len() {
            return Err(ExperimentError::LengthMismatch {
                what: "champion and challenger decisions",
                left: champion.len(),
                right: challenger.len(),
            });
        }
        let mut table = [[0u64; 2]; 2];
        for (&a, &b) in champion.iter().zip(challenger) {
            table[usize::from(!a)][usize::from(!b)] += 1;
        }
        Ok(Self { table })
    }
}

/// Result of [`mcnemar_test`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct McNemarReport {
    /// Discordant pairs b (champion right, challenger wrong).
    pub b: u64,
    /// Discordant pairs c (champion wrong, challenger right).
    pub c: u64,
    /// Exact binomial statistic min(b, c).
    pub exact_statistic: f64,
    /// Exact two-sided p-value.
    pub exact_p_value: f64,
    /// Continuity-corrected chi-square (None without discordant pairs).
    pub chi2: Option<f64>,
    /// Its p-value (None without discordant pairs).
    pub chi2_p_value: Option<f64>,
}

/// McNemar's test, exact and chi-square with continuity correction.
///
/// With no discordant pair the exact p-value is 1 and the chi-square is undefined (None), as
/// statsmodels (which divides by zero there).
pub fn mcnemar_test(params: &McNemarParams) -> McNemarReport {
    let (b, c) = (params.table[0][1], params.table[1][0]);
    let total = b + c;
    let k = b.min(c);
    // P(Bin(total, 1/2) ≤ k) as a sum of pmfs in logs; exact for the sizes met here.
    let ln_half = 0.5_f64.ln() * total as f64;
    let cdf: f64 = (0..=k)
        .map(|i| (ln_binomial(total, i) + ln_half).exp())
        .sum();
    let (chi2, chi2_p_value) = if total == 0 {
        (None, None)
    } else {
        let diff = b.abs_diff(c) as f64;
        let x = (diff - 1.0).powi(2) / total as f64;
        (Some(x), Some(chi2_sf(x, 1.0)))
    };
    McNemarReport {
        b,
        c,
        exact_statistic: k as f64,
        exact_p_value: (2.0 * cdf).min(1.0),
        chi2,
        chi2_p_value,
    }
}

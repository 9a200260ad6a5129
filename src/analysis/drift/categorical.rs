//! Categorical columns: aligned counts over the union of categories and the
//! tests that work on them (chi-square, z-test, L∞, Cramér's V).

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use super::error::DriftError;
use super::sample::{MergeWalk, NumericSample};
use super::special::{chi2_sf, normal_cdf};
use crate::vocab::Side;

/// Category counts of reference and current, aligned over the union of
/// categories (labels sorted ascending, so results are deterministic).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategoricalCounts {
    labels: Vec<String>,
    reference: Vec<u64>,
    current: Vec<u64>,
    missing_reference: u64,
    missing_current: u64,
}

impl CategoricalCounts {
    /// Counts raw labels; `None` is counted as missing and excluded.
    pub fn from_labels<S: AsRef<str>>(reference: &[Option<S>], current: &[Option<S>]) -> Self {
        let mut map: HashMap<&str, (u64, u64)> = HashMap::new();
        let mut missing = [0_u64; 2];
        for (side, values) in [reference, current].into_iter().enumerate() {
            for v in values {
                match v {
                    Some(label) => {
                        let e = map.entry(label.as_ref()).or_default();
                        if side == 0 { e.0 += 1 } else { e.1 += 1 }
                    }
                    None => missing[side] += 1,
                }
            }
        }
        let sorted: BTreeMap<&str, (u64, u64)> = map.into_iter().collect();
        let mut out = Self::empty();
        for (label, (r, c)) in sorted {
            out.labels.push(label.to_owned());
            out.reference.push(r);
            out.current.push(c);
        }
        out.missing_reference = missing[0];
        out.missing_current = missing[1];
        out
    }

    /// Builds from per-category counts (a category absent from a map has count 0).
    pub fn from_count_maps(
        reference: &BTreeMap<String, u64>,
        current: &BTreeMap<String, u64>,
    ) -> Self {
        let mut out = Self::empty();
        let labels: std::collections::BTreeSet<&String> =
            reference.keys().chain(current.keys()).collect();
        for label in labels {
            out.labels.push(label.clone());
            out.reference
                .push(reference.get(label).copied().unwrap_or(0));
            out.current.push(current.get(label).copied().unwrap_or(0));
        }
        out
    }

    /// Builds from counts aligned to `labels` (which must be sorted ascending, as every
    /// constructor keeps them) and the missing counts of each side. Labels with no value on
    /// either side are dropped, so a window that lacks a category does not test it.
    pub fn from_aligned(
        labels: &[String],
        reference: &[u64],
        current: &[u64],
        missing: (u64, u64),
    ) -> Self {
        let mut out = Self::empty();
        for ((label, &r), &c) in labels.iter().zip(reference).zip(current) {
            if r + c > 0 {
                out.labels.push(label.clone());
                out.reference.push(r);
                out.current.push(c);
            }
        }
        (out.missing_reference, out.missing_current) = missing;
        out
    }

    /// Treats each distinct finite value of a numeric column as a category
    /// (labels are the shortest round-trip decimal form, in numeric order).
    pub fn from_numeric(reference: &NumericSample, current: &NumericSample) -> Self {
        let mut out = Self::empty();
        for g in MergeWalk::new(reference.values(), current.values()) {
            out.labels.push(format!("{}", g.value));
            out.reference.push(g.a as u64);
            out.current.push(g.b as u64);
        }
        out.missing_reference = reference.excluded().total() as u64;
        out.missing_current = current.excluded().total() as u64;
        out
    }

    fn empty() -> Self {
        Self {
            labels: Vec::new(),
            reference: Vec::new(),
            current: Vec::new(),
            missing_reference: 0,
            missing_current: 0,
        }
    }

    /// Category labels (union of both sides).
    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// Reference count per label.
    pub fn reference_counts(&self) -> &[u64] {
        &self.reference
    }

    /// Current count per label.
    pub fn current_counts(&self) -> &[u64] {
        &self.current
    }

    /// Non-missing reference values.
    pub fn reference_total(&self) -> u64 {
        self.reference.iter().sum()
    }

    /// Non-missing current values.
    pub fn current_total(&self) -> u64 {
        self.current.iter().sum()
    }

    /// Missing values excluded from (reference, current).
    pub fn missing(&self) -> (u64, u64) {
        (self.missing_reference, self.missing_current)
    }

    /// Number of categories in the union.
    pub fn n_categories(&self) -> usize {
        self.labels.len()
    }

    fn require_non_empty(&self) -> Result<(f64, f64), DriftError> {
        let (nr, nc) = (self.reference_total(), self.current_total());
        if nr == 0 {
            return Err(DriftError::EmptySample(Side::Reference));
        }
        if nc == 0 {
            return Err(DriftError::EmptySample(Side::Current));
        }
        Ok((nr as f64, nc as f64))
    }
}

/// Result of [`chi_square`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChiSquareReport {
    /// χ² = Σ (o_i − e_i)²/e_i, e_i = ref_i · n_cur/n_ref; +∞ with new categories.
    pub statistic: f64,
    /// P(χ²_{k−1} >= statistic) ∈ [0, 1]; 0 when a category is new in current.
    pub p_value: f64,
    /// Degrees of freedom k − 1 (k = categories in the union).
    pub degrees_of_freedom: usize,
    /// Categories present in current but absent from reference.
    pub new_categories: Vec<String>,
}

/// Chi-square goodness of fit of current counts against reference proportions
/// (Evidently `chisquare_stattest.py`: `scipy.stats.chisquare(f_obs=cur,
/// f_exp=ref·n_cur/n_ref)` over the union of categories). A category new in
/// current has expected count 0, so χ² = +∞ and p = 0 (what SciPy returns).
/// With a single category (k = 1) SciPy returns NaN; this returns p = 1,
/// χ² = 0 (nothing can differ).
pub fn chi_square(counts: &CategoricalCounts) -> Result<ChiSquareReport, DriftError> {
    let (nr, nc) = counts.require_non_empty()?;
    let k_norm = nc / nr;
    let mut stat = 0.0;
    let mut new_categories = Vec::new();
    for ((label, &r), &c) in counts
        .labels
        .iter()
        .zip(&counts.reference)
        .zip(&counts.current)
    {
        let expected = r as f64 * k_norm;
        if r == 0 {
            new_categories.push(label.clone());
            stat = f64::INFINITY;
            continue;
        }
        let d = c as f64 - expected;
        stat += d * d / expected;
    }
    let k = counts.n_categories();
    let p_value = if k <= 1 {
        1.0
    } else if stat.is_infinite() {
        0.0
    } else {
        chi2_sf(stat, (k - 1) as f64)
    };
    Ok(ChiSquareReport {
        statistic: stat,
        p_value,
        degrees_of_freedom: k.saturating_sub(1),
        new_categories,
    })
}

/// Result of [`z_test`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ZTestReport {
    /// z = (p_ref − p_cur)/√(P(1−P)(1/n_ref + 1/n_cur)), P pooled; 0 when undefined.
    pub statistic: f64,
    /// Two-sided p = 2·(1 − Φ(|z|)) ∈ [0, 1].
    pub p_value: f64,
}

/// Two-proportion z-test for columns with at most two categories, as Evidently
/// 0.7 (`legacy/calculations/stattests/z_stattest.py`): the first category in
/// sorted order is coded 0, the other 1; pooled proportion; p = 2(1 − Φ(|z|))
/// (computed that way, so it saturates to 0 for |z| > ~8.3 like Evidently).
/// Both sides holding the same single category gives p = 1.
pub fn z_test(counts: &CategoricalCounts) -> Result<ZTestReport, DriftError> {
    let (n1, n2) = counts.require_non_empty()?;
    if counts.n_categories() > 2 {
        return Err(DriftError::MethodNotApplicable {
            method: "z",
            feature: "more-than-two-category",
        });
    }
    if counts.n_categories() == 1 {
        return Ok(ZTestReport {
            statistic: 0.0,
            p_value: 1.0,
        });
    }
    let p1 = counts.reference[1] as f64 / n1;
    let p2 = counts.current[1] as f64 / n2;
    let pooled = (p1 * n1 + p2 * n2) / (n1 + n2);
    let z = (p1 - p2) / (pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)).sqrt();
    Ok(ZTestReport {
        statistic: z,
        p_value: 2.0 * (1.0 - normal_cdf(z.abs())),
    })
}

/// Result of [`l_infinity`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LInfinityReport {
    /// max_i |r_i − c_i| over category shares, ∈ [0, 1].
    pub value: f64,
    /// Category where it occurs (first in label order on ties).
    pub category: String,
}

/// L∞ distance between category shares, naming the category responsible.
pub fn l_infinity(counts: &CategoricalCounts) -> Result<LInfinityReport, DriftError> {
    let (nr, nc) = counts.require_non_empty()?;
    let mut best = LInfinityReport {
        value: -1.0,
        category: String::new(),
    };
    for ((label, &r), &c) in counts
        .labels
        .iter()
        .zip(&counts.reference)
        .zip(&counts.current)
    {
        let d = (r as f64 / nr - c as f64 / nc).abs();
        if d > best.value {
            best = LInfinityReport {
                value: d,
                category: label.clone(),
            };
        }
    }
    Ok(best)
}

/// Result of [`cramers_v`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CramersVReport {
    /// V = √(χ²/(N·(min(2, k) − 1))) ∈ [0, 1], not bias-corrected.
    pub value: f64,
    /// Pearson χ² of the 2×k table (no Yates correction).
    pub chi_square: f64,
}

/// Cramér's V of the 2×k contingency table (rows reference/current, columns
/// categories), = `scipy.stats.contingency.association(table, method="cramer")`
/// (uncorrected Pearson χ², no bias correction). Undefined for k = 1.
pub fn cramers_v(counts: &CategoricalCounts) -> Result<CramersVReport, DriftError> {
    let (nr, nc) = counts.require_non_empty()?;
    if counts.n_categories() < 2 {
        return Err(DriftError::Undefined {
            statistic: "cramers_v",
            reason: "needs at least two categories",
        });
    }
    let n = nr + nc;
    let mut chi2 = 0.0;
    for (&r, &c) in counts.reference.iter().zip(&counts.current) {
        let col = (r + c) as f64;
        for (obs, row) in [(r as f64, nr), (c as f64, nc)] {
            let e = row * col / n;
            chi2 += (obs - e) * (obs - e) / e;
        }
    }
    Ok(CramersVReport {
        value: (chi2 / n).sqrt(),
        chi_square: chi2,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(r: &[&str], c: &[&str]) -> CategoricalCounts {
        let r: Vec<Option<&str>> = r.iter().map(|s| Some(*s)).collect();
        let c: Vec<Option<&str>> = c.iter().map(|s| Some(*s)).collect();
        CategoricalCounts::from_labels(&r, &c)
    }

    #[test]
    fn new_category_gives_zero_p() {
        let k = counts(&["a", "b", "a"], &["a", "c"]);
        let r = chi_square(&k).expect("non-empty");
        assert_eq!(r.p_value, 0.0);
        assert_eq!(r.new_categories, vec!["c".to_string()]);
    }

    #[test]
    fn same_single_category_z_is_one() {
        let k = counts(&["a", "a"], &["a"]);
        assert_eq!(z_test(&k).expect("non-empty").p_value, 1.0);
    }

    #[test]
    fn l_inf_names_category() {
        let k = counts(&["a", "a", "b", "b"], &["a", "b", "b", "b"]);
        let r = l_infinity(&k).expect("non-empty");
        assert_eq!(r.category, "a");
        assert!((r.value - 0.25).abs() < 1e-15);
    }
}

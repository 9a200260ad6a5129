//! NannyML 0.13.1's `DataReconstructionDriftCalculator`, step for step:
//!
//! 1. on the reference, impute categories with the most frequent value (ties: the smallest
//!    label, as scikit-learn's `SimpleImputer(strategy="most_frequent")`) and numbers with the
//!    mean (`SimpleImputer(strategy="mean")`);
//! 2. encode each category by its share of the (imputed) reference rows
//!    (`category_encoders.CountEncoder(normalize=True)`; a category unseen there is 0);
//! 3. standardise each encoded feature with the reference mean and population standard
//!    deviation (`StandardScaler`; a constant feature keeps scale 1);
//! 4. PCA on the standardised reference (`PCA(n_components=0.65)`): the smallest number of
//!    components whose cumulative explained variance ratio *exceeds* 0.65 (scikit-learn's
//!    `searchsorted(cumsum, 0.65, side="right") + 1`), from an exact eigen decomposition of the
//!    covariance (the same subspace as scikit-learn's SVD, to rounding);
//! 5. each row's error is the Euclidean norm of its standardised values minus their
//!    reconstruction from the kept components; a window's error is the mean over its rows,
//!    its sampling error the rows' standard deviation (ddof 1) over √n.
//!
//! Beyond NannyML: each feature's share of the window's squared error (which features broke
//! the structure) — the squared error of a row is the sum over features of its squared
//! residuals, so the shares add up to 1.

use super::MultivariateError;
use super::eigen::symmetric_eigen;

/// Code of a missing category.
pub const MISSING: u32 = u32::MAX;

/// One feature of both sides, as the core takes it.
#[derive(Debug, Clone, PartialEq)]
pub enum FeatureData {
    /// Numbers, row-aligned; NaN (or ±inf) is missing.
    Continuous {
        reference: Vec<f64>,
        current: Vec<f64>,
    },
    /// Category codes into one dictionary of `labels` entries shared by both sides, sorted so
    /// that a smaller code is a smaller label; [`MISSING`] is missing.
    Categorical {
        labels: usize,
        reference: Vec<u32>,
        current: Vec<u32>,
    },
}

impl FeatureData {
    /// Rows of a side (false: reference, true: current).
    pub fn rows(&self, current: bool) -> usize {
        match self {
            Self::Continuous {
                reference,
                current: c,
            } => {
                if current {
                    c.len()
                } else {
                    reference.len()
                }
            }
            Self::Categorical {
                reference,
                current: c,
                ..
            } => {
                if current {
                    c.len()
                } else {
                    reference.len()
                }
            }
        }
    }
}

/// Parameters of the reconstruction.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReconstructionParams {
    /// Share of the variance the kept components must exceed (NannyML's `n_components=0.65`).
    pub variance: f64,
}

impl Default for ReconstructionParams {
    fn default() -> Self {
        Self { variance: 0.65 }
    }
}

/// How one feature is turned into a standardised number.
#[derive(Debug, Clone, PartialEq)]
enum Encoding {
    /// Missing values become `mean` (the reference mean).
    Continuous { impute: f64 },
    /// Code → its reference share; missing values take the mode's share.
    Categorical { share: Vec<f64>, impute: f64 },
}

/// The fitted imputation, encoding, scaling and PCA.
#[derive(Debug, Clone, PartialEq)]
pub struct ReconstructionModel {
    encodings: Vec<Encoding>,
    /// Standardisation per feature: (mean, scale).
    scale: Vec<(f64, f64)>,
    /// PCA's mean of the standardised reference (zero to rounding, kept as scikit-learn does).
    pca_mean: Vec<f64>,
    /// The kept components (each of length d), largest variance first.
    pub components: Vec<Vec<f64>>,
    /// Every component's explained variance ratio, largest first.
    pub explained_variance_ratio: Vec<f64>,
}

/// Rows of a block: the standardised values are built and used block by block so no copy of
/// the whole data is kept.
const BLOCK: usize = 4096;

impl ReconstructionModel {
    /// Fit on the reference side of `features`.
    pub fn fit(
        features: &[FeatureData],
        params: &ReconstructionParams,
        names: &[String],
    ) -> Result<Self, MultivariateError> {
        let d = features.len();
        if d < 2 {
            return Err(MultivariateError::TooFewFeatures(d));
        }
        if !(params.variance > 0.0 && params.variance < 1.0) {
            return Err(MultivariateError::BadVariance(params.variance.to_string()));
        }
        let n = features[0].rows(false);
        if n == 0 {
            return Err(MultivariateError::NoReferenceRows);
        }
        let mut encodings = Vec::with_capacity(d);
        for (f, name) in features.iter().zip(names) {
            let enc = match f {
                FeatureData::Continuous { reference, .. } => {
                    let (mut sum, mut count) = (0.0, 0usize);
                    for x in reference.iter().filter(|x| x.is_finite()) {
                        sum += x;
                        count += 1;
                    }
                    if count == 0 {
                        return Err(MultivariateError::EmptyFeature(name.clone()));
                    }
                    Encoding::Continuous {
                        impute: sum / count as f64,
                    }
                }
                FeatureData::Categorical {
                    labels, reference, ..
                } => {
                    let mut counts = vec![0usize; *labels];
                    let mut missing = 0usize;
                    for &c in reference {
                        if c == MISSING {
                            missing += 1;
                        } else {
                            counts[c as usize] += 1;
                        }
                    }
                    // The mode; on ties the first (smallest) label, as scikit-learn.
                    let Some((mode, _)) = counts
                        .iter()
                        .enumerate()
                        .filter(|(_, c)| **c > 0)
                        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(&a.0)))
                    else {
                        return Err(MultivariateError::EmptyFeature(name.clone()));
                    };
                    counts[mode] += missing;
                    let share: Vec<f64> = counts.iter().map(|&c| c as f64 / n as f64).collect();
                    Encoding::Categorical {
                        impute: share[mode],
                        share,
                    }
                }
            };
            encodings.push(enc);
        }
        let mut model = Self {
            encodings,
            scale: vec![(0.0, 1.0); d],
            pca_mean: vec![0.0; d],
            components: Vec::new(),
            explained_variance_ratio: Vec::new(),
        };
        // StandardScaler: mean, then the population variance (two passes, as exact as NumPy).
        for j in 0..d {
            let (mut sum, mut sq) = (0.0, 0.0);
            for i in 0..n {
                sum += model.encoded(features, j, i, false);
            }
            let mean = sum / n as f64;
            for i in 0..n {
                let e = model.encoded(features, j, i, false) - mean;
                sq += e * e;
            }
            let std = (sq / n as f64).sqrt();
            model.scale[j] = (mean, if std == 0.0 { 1.0 } else { std });
        }
        // PCA: the mean of the standardised data, then its covariance, block by block.
        let mut row = vec![0.0; d];
        let mut sum = vec![0.0; d];
        for i in 0..n {
            model.standardised(features, i, false, &mut row);
            for j in 0..d {
                sum[j] += row[j];
            }
        }
        model.pca_mean = sum.iter().map(|s| s / n as f64).collect();
        let mut cov = vec![0.0; d * d];
        let mut block = vec![0.0; d * BLOCK];
        let mut start = 0;
        while start < n {
            let end = (start + BLOCK).min(n);
            for (b, i) in (start..end).enumerate() {
                let r = &mut block[b * d..(b + 1) * d];
                model.standardised(features, i, false, r);
                for (x, m) in r.iter_mut().zip(&model.pca_mean) {
                    *x -= m;
                }
            }
            for b in 0..end - start {
                let r = &block[b * d..(b + 1) * d];
                for p in 0..d {
                    let rp = r[p];
                    for q in p..d {
                        cov[p * d + q] += rp * r[q];
                    }
                }
            }
            start = end;
        }
        let denom = (n.max(2) - 1) as f64;
        for p in 0..d {
            for q in p..d {
                cov[p * d + q] /= denom;
                cov[q * d + p] = cov[p * d + q];
            }
        }
        let eig = symmetric_eigen(&cov, d);
        // Rounding can leave a tiny negative eigenvalue of a rank-deficient covariance.
        let values: Vec<f64> = eig.values.iter().map(|v| v.max(0.0)).collect();
        let total: f64 = values.iter().sum();
        model.explained_variance_ratio = values
            .iter()
            .map(|v| if total > 0.0 { v / total } else { 0.0 })
            .collect();
        let mut cumulative = 0.0;
        let mut k = d;
        for (i, r) in model.explained_variance_ratio.iter().enumerate() {
            cumulative += r;
            if cumulative > params.variance {
                k = i + 1;
                break;
            }
        }
        model.components = eig.vectors.into_iter().take(k).collect();
        Ok(model)
    }

    /// Number of features.
    pub fn features(&self) -> usize {
        self.encodings.len()
    }

    /// Feature `j` of row `i` of a side, imputed and encoded (not yet standardised).
    fn encoded(&self, features: &[FeatureData], j: usize, i: usize, current: bool) -> f64 {
        match (&self.encodings[j], &features[j]) {
            (
                Encoding::Continuous { impute },
                FeatureData::Continuous {
                    reference,
                    current: c,
                },
            ) => {
                let x = if current { c[i] } else { reference[i] };
                if x.is_finite() { x } else { *impute }
            }
            (
                Encoding::Categorical { share, impute },
                FeatureData::Categorical {
                    reference,
                    current: c,
                    ..
                },
            ) => {
                let code = if current { c[i] } else { reference[i] };
                if code == MISSING {
                    *impute
                } else {
                    share.get(code as usize).copied().unwrap_or(0.0)
                }
            }
            // The model is always fitted on the same features it is applied to.
            _ => f64::NAN,
        }
    }

    /// Row `i` of a side, standardised, into `out` (length d).
    pub fn standardised(&self, features: &[FeatureData], i: usize, current: bool, out: &mut [f64]) {
        for (j, o) in out.iter_mut().enumerate() {
            let (mean, scale) = self.scale[j];
            *o = (self.encoded(features, j, i, current) - mean) / scale;
        }
    }

    /// The residual of a standardised row (its values minus their reconstruction), in place.
    pub fn residual(&self, row: &mut [f64]) {
        let d = row.len();
        for (x, m) in row.iter_mut().zip(&self.pca_mean) {
            *x -= m;
        }
        let mut back = [0.0f64; 64];
        let mut heap;
        let back: &mut [f64] = if d <= 64 {
            &mut back[..d]
        } else {
            heap = vec![0.0; d];
            &mut heap
        };
        back.iter_mut().for_each(|b| *b = 0.0);
        for c in &self.components {
            let t: f64 = c.iter().zip(row.iter()).map(|(a, b)| a * b).sum();
            for (b, cj) in back.iter_mut().zip(c) {
                *b += t * cj;
            }
        }
        for (x, b) in row.iter_mut().zip(back.iter()) {
            *x -= b;
        }
    }

    /// Every row's reconstruction error on one side, and per window each feature's sum of
    /// squared residuals. `row_window` gives each row's window (`None`: in no window).
    pub fn errors(
        &self,
        features: &[FeatureData],
        current: bool,
        row_window: &[Option<u32>],
        n_windows: usize,
        rows: std::ops::Range<usize>,
    ) -> SideErrors {
        let d = self.features();
        let mut out = SideErrors {
            row_error: Vec::with_capacity(rows.len()),
            squared: vec![vec![0.0; d]; n_windows],
        };
        let mut row = vec![0.0; d];
        for i in rows {
            self.standardised(features, i, current, &mut row);
            self.residual(&mut row);
            let sq: f64 = row.iter().map(|r| r * r).sum();
            out.row_error.push(sq.sqrt());
            if let Some(w) = row_window.get(i).copied().flatten() {
                for (acc, r) in out.squared[w as usize].iter_mut().zip(&row) {
                    *acc += r * r;
                }
            }
        }
        out
    }
}

/// The per-row errors of (a range of) one side.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SideErrors {
    pub row_error: Vec<f64>,
    /// Per window, each feature's sum of squared residuals.
    pub squared: Vec<Vec<f64>>,
}

impl SideErrors {
    /// Join the parts of consecutive row ranges.
    pub fn concat(parts: Vec<SideErrors>) -> SideErrors {
        let mut out = SideErrors::default();
        for p in parts {
            out.row_error.extend(p.row_error);
            if out.squared.is_empty() {
                out.squared = p.squared;
            } else {
                for (a, b) in out.squared.iter_mut().zip(p.squared) {
                    for (x, y) in a.iter_mut().zip(b) {
                        *x += y;
                    }
                }
            }
        }
        out
    }
}

/// One window's reconstruction error.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowStats {
    pub rows: usize,
    /// Mean of the rows' errors (NaN for an empty window).
    pub error: f64,
    /// Standard deviation of the rows' errors (ddof 1) over √n; `None` below two rows.
    pub sampling_error: Option<f64>,
    /// Each feature's share of the window's squared error (summing to 1).
    pub contributions: Vec<f64>,
}

/// Per window: mean error, sampling error and feature shares.
pub fn window_stats(
    errors: &SideErrors,
    row_window: &[Option<u32>],
    n_windows: usize,
) -> Vec<WindowStats> {
    let mut sum = vec![0.0; n_windows];
    let mut count = vec![0usize; n_windows];
    for (e, w) in errors.row_error.iter().zip(row_window) {
        if let Some(w) = w {
            sum[*w as usize] += e;
            count[*w as usize] += 1;
        }
    }
    let mean: Vec<f64> = sum
        .iter()
        .zip(&count)
        .map(|(s, &c)| if c == 0 { f64::NAN } else { s / c as f64 })
        .collect();
    let mut sq = vec![0.0; n_windows];
    for (e, w) in errors.row_error.iter().zip(row_window) {
        if let Some(w) = w {
            let dev = e - mean[*w as usize];
            sq[*w as usize] += dev * dev;
        }
    }
    (0..n_windows)
        .map(|w| {
            let n = count[w];
            let total: f64 = errors.squared.get(w).map_or(0.0, |s| s.iter().sum());
            WindowStats {
                rows: n,
                error: mean[w],
                sampling_error: (n >= 2)
                    .then(|| (sq[w] / (n - 1) as f64).sqrt() / (n as f64).sqrt()),
                contributions: errors.squared.get(w).map_or_else(Vec::new, |s| {
                    s.iter()
                        .map(|x| if total > 0.0 { x / total } else { 0.0 })
                        .collect()
                }),
            }
        })
        .collect()
}

/// NannyML's thresholds from the reference windows' errors: mean ± 3 population standard
/// deviations; the lower one dropped when it is ≤ 0 (the error cannot be negative).
pub fn thresholds(reference_errors: &[f64]) -> (Option<f64>, Option<f64>) {
    let xs: Vec<f64> = reference_errors
        .iter()
        .copied()
        .filter(|x| !x.is_nan())
        .collect();
    if xs.is_empty() {
        return (None, None);
    }
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let std = (xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n).sqrt();
    let lower = mean - 3.0 * std;
    ((lower > 0.0).then_some(lower), Some(mean + 3.0 * std))
}

/// NannyML's alert: the error not strictly inside the band.
pub fn alert(error: f64, lower: Option<f64>, upper: Option<f64>) -> bool {
    let lo = lower.unwrap_or(f64::NEG_INFINITY);
    let hi = upper.unwrap_or(f64::INFINITY);
    !(lo < error && error < hi)
}

/// The `n` rows with the largest errors among `rows` (indices into `row_error`), largest first.
pub fn most_anomalous(row_error: &[f64], rows: &[u32], n: usize) -> Vec<(u32, f64)> {
    let mut picked: Vec<(u32, f64)> = rows
        .iter()
        .map(|&r| (r, row_error[r as usize]))
        .filter(|(_, e)| e.is_finite())
        .collect();
    picked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    picked.truncate(n);
    picked
}

/// Rows `rows` of a side as the classifier's inputs: per feature its standardised value,
/// that value squared (a change of spread) and its squared reconstruction residual (a change
/// in how it moves with the others). Row-major, `3·d` values per row.
pub fn classifier_inputs(
    model: &ReconstructionModel,
    features: &[FeatureData],
    current: bool,
    rows: &[u32],
) -> Vec<f64> {
    let d = model.features();
    let mut out = Vec::with_capacity(rows.len() * 3 * d);
    let mut row = vec![0.0; d];
    let mut res = vec![0.0; d];
    for &i in rows {
        model.standardised(features, i as usize, current, &mut row);
        res.copy_from_slice(&row);
        model.residual(&mut res);
        out.extend_from_slice(&row);
        out.extend(row.iter().map(|x| x * x));
        out.extend(res.iter().map(|x| x * x));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(r: Vec<f64>, c: Vec<f64>) -> FeatureData {
        FeatureData::Continuous {
            reference: r,
            current: c,
        }
    }

    #[test]
    fn perfectly_correlated_features_reconstruct_exactly() {
        let x: Vec<f64> = (0..100).map(|i| f64::from(i) * 0.1).collect();
        let y: Vec<f64> = x.iter().map(|v| 2.0 * v + 1.0).collect();
        let names = vec!["x".to_string(), "y".to_string()];
        let f = vec![pair(x.clone(), x.clone()), pair(y.clone(), x.clone())];
        let m = ReconstructionModel::fit(&f, &ReconstructionParams::default(), &names).unwrap();
        assert_eq!(m.components.len(), 1);
        let ref_err = m.errors(&f, false, &[], 0, 0..100);
        assert!(ref_err.row_error.iter().all(|e| e.abs() < 1e-9));
        // The current breaks the relation (y = x): errors appear.
        let cur_err = m.errors(&f, true, &[], 0, 0..100);
        assert!(cur_err.row_error.iter().sum::<f64>() > 1.0);
    }

    #[test]
    fn one_feature_is_refused() {
        let f = vec![pair(vec![1.0, 2.0], vec![1.0])];
        assert_eq!(
            ReconstructionModel::fit(&f, &ReconstructionParams::default(), &["x".into()]),
            Err(MultivariateError::TooFewFeatures(1))
        );
    }

    #[test]
    fn thresholds_drop_a_non_positive_lower_bound() {
        let (lo, hi) = thresholds(&[1.0, 1.0, 1.0, 5.0]);
        assert_eq!(lo, None);
        assert!(hi.unwrap() > 5.0);
        // Mean 2, population std √3: the band ends at 2 + 3√3 ≈ 7.2.
        assert!(alert(8.0, lo, hi) && !alert(2.0, lo, hi));
        assert!(alert(-1.0, Some(0.5), hi));
    }
}

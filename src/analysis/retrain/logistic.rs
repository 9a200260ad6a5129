//! The from-scratch learner (RETRAINING.md, "Learners"): logistic regression on features
//! z-scored by the mean and population standard deviation (ddof 0) of its training rows
//! (std 0 → z = 0), minimising
//!
//! Σ_i log(1 + exp(−s_i (z_i·w + b))) + ‖w‖² / 2,   s_i = 2 y_i − 1, b not penalised,
//!
//! which is scikit-learn's `LogisticRegression(C=1.0)` objective (`_logistic_regression_path`
//! scales the mean loss by C · n and the penalty by 1/2). Solved by Newton's method with a
//! Cholesky solve of the Hessian (the objective is strictly convex in w, and in b while the
//! training rows hold both classes; on many rows the Hessian of a stride of them), backtracking when a full step does not decrease the
//! objective, until the gradient's max-abs is below 1e-10 · n. The golden values in
//! `tests/golden/retrain/golden.json` come from scikit-learn's `newton-cholesky` solver at
//! tol 1e-14; coefficients agree to 1e-6 and probabilities to 1e-8.

/// Convergence: max |∂f/∂θ| < `GRADIENT_TOLERANCE` · n.
pub const GRADIENT_TOLERANCE: f64 = 1e-10;
/// Newton iterations before giving up (a handful are used in practice).
const MAX_ITERATIONS: usize = 100;

/// Why a model could not be fitted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FitError {
    #[error("there are no training rows")]
    Empty,
    #[error("the {rows} training rows hold only one class")]
    OneClass { rows: usize },
    #[error("Newton's method did not converge in {MAX_ITERATIONS} iterations")]
    NotConverged,
}

/// A fitted from-scratch model: the standardisation of its training rows and the coefficients
/// on the standardised features.
#[derive(Debug, Clone, PartialEq)]
pub struct ScratchModel {
    /// Per encoded column: mean of the training rows.
    pub mean: Vec<f64>,
    /// Per encoded column: population standard deviation of the training rows (0 → z = 0).
    pub std: Vec<f64>,
    /// Coefficients on z.
    pub coef: Vec<f64>,
    pub intercept: f64,
    /// Newton iterations used.
    pub iterations: usize,
    /// The largest ridge added to the Hessian to make it factorable (0 when none was needed).
    pub ridge: f64,
}

impl ScratchModel {
    /// z·w + b for one encoded row.
    pub fn raw(&self, x: &[f64]) -> f64 {
        let mut m = self.intercept;
        for (((&c, &mean), &std), &xj) in self.coef.iter().zip(&self.mean).zip(&self.std).zip(x) {
            if std > 0.0 {
                m += c * ((xj - mean) / std);
            }
        }
        m
    }

    /// P(y = 1) = σ(z·w + b).
    pub fn probability(&self, x: &[f64]) -> f64 {
        sigmoid(self.raw(x))
    }

    /// The same decision function written on another standardisation (a warm start): the
    /// score of every row is unchanged.
    fn restandardised(&self, mean: &[f64], std: &[f64]) -> (Vec<f64>, f64) {
        let mut b = self.intercept;
        let coef = (0..self.coef.len())
            .map(|j| {
                if self.std[j] > 0.0 {
                    b += self.coef[j] * (mean[j] - self.mean[j]) / self.std[j];
                    self.coef[j] * std[j] / self.std[j]
                } else {
                    0.0
                }
            })
            .collect();
        (coef, b)
    }
}

/// σ(m) without overflow.
pub fn sigmoid(m: f64) -> f64 {
    if m >= 0.0 {
        1.0 / (1.0 + (-m).exp())
    } else {
        let e = m.exp();
        e / (1.0 + e)
    }
}

/// Fit on `rows` (indices into the row-major matrix `x` of width `d`, labels `y`), starting
/// from `warm`'s decision function when given.
pub fn fit(
    x: &[f64],
    d: usize,
    rows: &[u32],
    y: &[bool],
    warm: Option<&ScratchModel>,
) -> Result<ScratchModel, FitError> {
    let n = rows.len();
    if n == 0 {
        return Err(FitError::Empty);
    }
    let positives = rows.iter().filter(|&&r| y[r as usize]).count();
    if positives == 0 || positives == n {
        return Err(FitError::OneClass { rows: n });
    }
    let nf = n as f64;
    let mut mean = vec![0.0; d];
    for &r in rows {
        let xi = &x[r as usize * d..r as usize * d + d];
        for j in 0..d {
            mean[j] += xi[j];
        }
    }
    mean.iter_mut().for_each(|m| *m /= nf);
    let mut var = vec![0.0; d];
    for &r in rows {
        let xi = &x[r as usize * d..r as usize * d + d];
        for j in 0..d {
            let c = xi[j] - mean[j];
            var[j] += c * c;
        }
    }
    let std: Vec<f64> = var.iter().map(|v| (v / nf).sqrt()).collect();
    // z is formed row by row inside each pass rather than stored: a stored z of a million
    // rows is ~90 MB written per fit, more than a pass costs.
    let inv_std: Vec<f64> = std
        .iter()
        .map(|&s| if s > 0.0 { 1.0 / s } else { 0.0 })
        .collect();
    let width = d + 1;
    let design = Design {
        x,
        d,
        rows,
        y,
        mean: &mean,
        inv_std: &inv_std,
    };
    let mut theta = vec![0.0; width];
    if let Some(w) = warm.filter(|w| w.coef.len() == d) {
        let (coef, b) = w.restandardised(&mean, &std);
        theta[..d].copy_from_slice(&coef);
        theta[d] = b;
    }
    let mut grad = vec![0.0; width];
    let mut hess = vec![0.0; width * width];
    let mut step = vec![0.0; width];
    let mut previous: Option<(Vec<f64>, f64, f64)> = None; // θ, f, gᵀΔ of the last accepted point
    let mut t = 1.0;
    let mut max_ridge = 0.0f64;
    for iteration in 0..MAX_ITERATIONS {
        let f = design.pass(&theta, &mut grad, &mut hess);
        // Backtracking (Armijo) on the last Newton step: a rejected point goes half way back.
        // Near the optimum the decrease is below the rounding of the sum, so a point within
        // that rounding of the last one counts as no worse.
        if let Some((theta0, f0, slope)) = &previous
            && f > f0 + 1e-4 * t * slope + 1e-12 * f0.abs()
            && t > 1e-10
        {
            t *= 0.5;
            for j in 0..width {
                theta[j] = theta0[j] - t * step[j];
            }
            continue;
        }
        let max_abs = grad.iter().fold(0.0f64, |m, g| m.max(g.abs()));
        if max_abs < GRADIENT_TOLERANCE * nf {
            return Ok(ScratchModel {
                mean,
                std,
                coef: theta[..d].to_vec(),
                intercept: theta[d],
                iterations: iteration,
                ridge: max_ridge,
            });
        }
        let ridge = solve(&mut hess, &grad, &mut step, width);
        max_ridge = max_ridge.max(ridge);
        let slope = -grad.iter().zip(&step).map(|(g, s)| g * s).sum::<f64>();
        previous = Some((theta.clone(), f, slope));
        t = 1.0;
        for j in 0..width {
            theta[j] -= step[j];
        }
    }
    Err(FitError::NotConverged)
}

/// Rows whose curvature makes up the Hessian: all of them up to this many, else an even
/// stride through them. The Hessian only steers Newton's steps — the optimum is where the
/// full gradient vanishes, and convergence is judged on the full gradient — so a subsample's
/// Hessian (scaled to n) changes the path, not the answer, and keeps large refits cheap.
const HESSIAN_ROWS: usize = 20_000;

/// The training rows of a fit as the standardised design matrix [z | 1], z formed on the fly.
struct Design<'a> {
    x: &'a [f64],
    d: usize,
    rows: &'a [u32],
    y: &'a [bool],
    mean: &'a [f64],
    /// 1 / std, 0 where std is 0 (z = 0).
    inv_std: &'a [f64],
}

/// Rows whose ln(1 + e^−|m|) terms are multiplied before one logarithm: each factor is in
/// (1, 2], so the product stays below 2^256 and one `ln` replaces 256 `ln_1p`s, with a
/// relative error of the block's sum near 256 ulp — far inside the 1e-12 · f slack of the
/// line search, and the optimum is judged on the gradient alone.
const LOG_BLOCK: usize = 256;

impl Design<'_> {
    /// One pass over the rows at θ: the objective and its gradient (all rows), and the
    /// Hessian (full matrix; from a stride of the rows when there are many).
    fn pass(&self, theta: &[f64], grad: &mut [f64], hess: &mut [f64]) -> f64 {
        let d = self.d;
        let width = d + 1;
        grad.iter_mut().for_each(|g| *g = 0.0);
        hess.iter_mut().for_each(|h| *h = 0.0);
        let n = self.rows.len();
        let stride = n.div_ceil(HESSIAN_ROWS).max(1);
        let mut zi = vec![0.0; width];
        zi[d] = 1.0;
        let mut f = 0.0;
        let mut product = 1.0;
        for (i, &r) in self.rows.iter().enumerate() {
            let r = r as usize;
            let xi = &self.x[r * d..r * d + d];
            for j in 0..d {
                zi[j] = (xi[j] - self.mean[j]) * self.inv_std[j];
            }
            let m: f64 = zi.iter().zip(theta).map(|(a, b)| a * b).sum();
            // One exponential serves σ(m) and the loss softplus(−s·m) = max(−s·m, 0) + ln(1 + e^−|m|).
            let e = (-m.abs()).exp();
            let p = if m >= 0.0 {
                1.0 / (1.0 + e)
            } else {
                e / (1.0 + e)
            };
            let yi = self.y[r];
            let u = if yi { -m } else { m };
            f += u.max(0.0);
            product *= 1.0 + e;
            if i % LOG_BLOCK == LOG_BLOCK - 1 {
                f += product.ln();
                product = 1.0;
            }
            let res = p - if yi { 1.0 } else { 0.0 };
            for j in 0..width {
                grad[j] += res * zi[j];
            }
            if i % stride == 0 {
                let h = p * (1.0 - p);
                for j in 0..width {
                    let hz = h * zi[j];
                    let row = &mut hess[j * width..(j + 1) * width];
                    for k in j..width {
                        row[k] += hz * zi[k];
                    }
                }
            }
        }
        f += product.ln();
        if stride > 1 {
            let used = n.div_ceil(stride);
            let scale = n as f64 / used as f64;
            hess.iter_mut().for_each(|h| *h *= scale);
        }
        // The penalty ‖w‖²/2 (not on the intercept, the last entry).
        for j in 0..d {
            f += 0.5 * theta[j] * theta[j];
            grad[j] += theta[j];
            hess[j * width + j] += 1.0;
        }
        for j in 0..width {
            for k in 0..j {
                hess[j * width + k] = hess[k * width + j];
            }
        }
        f
    }
}

/// Solve H Δ = g by Cholesky; when H is not numerically positive definite (all scores
/// saturated, so the intercept's curvature vanishes), add the smallest ridge λ·I, λ growing
/// tenfold from 1e-10 · max diag, that makes it factorable. Returns the ridge used.
fn solve(hess: &mut [f64], grad: &[f64], out: &mut [f64], n: usize) -> f64 {
    let scale = (0..n)
        .fold(0.0f64, |m, j| m.max(hess[j * n + j]))
        .max(1e-300);
    let original = hess.to_vec();
    let mut ridge = 0.0;
    loop {
        hess.copy_from_slice(&original);
        for j in 0..n {
            hess[j * n + j] += ridge;
        }
        if cholesky(hess, n, scale) {
            break;
        }
        ridge = if ridge == 0.0 {
            1e-10 * scale
        } else {
            ridge * 10.0
        };
    }
    // Forward then back substitution with L (lower triangle of `hess`).
    for i in 0..n {
        let mut s = grad[i];
        for k in 0..i {
            s -= hess[i * n + k] * out[k];
        }
        out[i] = s / hess[i * n + i];
    }
    for i in (0..n).rev() {
        let mut s = out[i];
        for k in i + 1..n {
            s -= hess[k * n + i] * out[k];
        }
        out[i] = s / hess[i * n + i];
    }
    ridge
}

/// In-place Cholesky (lower triangle); false when a pivot is not clearly positive, i.e. the
/// matrix is ill-conditioned beyond ~1e12 relative to its largest diagonal entry.
fn cholesky(a: &mut [f64], n: usize, scale: f64) -> bool {
    for j in 0..n {
        let mut s = a[j * n + j];
        for k in 0..j {
            s -= a[j * n + k] * a[j * n + k];
        }
        if s <= 1e-12 * scale || !s.is_finite() {
            return false;
        }
        let l = s.sqrt();
        a[j * n + j] = l;
        for i in j + 1..n {
            let mut s = a[i * n + j];
            for k in 0..j {
                s -= a[i * n + k] * a[j * n + k];
            }
            a[i * n + j] = s / l;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gradient_is_zero_at_the_optimum_and_warm_start_agrees() {
        // Two features, one constant; labels not separable.
        let x = [
            0.0, 1.0, 1.0, 1.0, 2.0, 1.0, 3.0, 1.0, 4.0, 1.0, 5.0, 1.0, 6.0, 1.0, 7.0, 1.0,
        ];
        let y = [false, false, true, false, true, true, false, true];
        let rows: Vec<u32> = (0..8).collect();
        let cold = fit(&x, 2, &rows, &y, None).expect("fit");
        assert_eq!(cold.coef[1], 0.0);
        assert!(cold.ridge == 0.0);
        let warm = fit(&x, 2, &rows[..6], &y, None).expect("fit");
        let warmed = fit(&x, 2, &rows, &y, Some(&warm)).expect("fit");
        assert!((warmed.coef[0] - cold.coef[0]).abs() < 1e-9);
        assert!((warmed.intercept - cold.intercept).abs() < 1e-9);
        assert_eq!(
            fit(&x, 2, &rows[..2], &y, None),
            Err(FitError::OneClass { rows: 2 })
        );
    }
}

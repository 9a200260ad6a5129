//! The incremental learner (RETRAINING.md, "Learners"): River 0.26's
//! `compose.Pipeline(preprocessing.StandardScaler(), linear_model.LogisticRegression())` at its
//! defaults, arithmetic for arithmetic:
//!
//! * `StandardScaler.learn_one` (river/preprocessing/scale.py): n += 1; mean += (x − old)/n;
//!   var += ((x − old)(x − mean) − var)/n; `transform_one`: (x − mean)/√var, or 0 when var = 0.
//!   The pipeline learns the scaler first, then hands the classifier the *updated* z; predicting
//!   never updates the scaler.
//! * `LogisticRegression` (river/linear_model/log_reg.py, base.py `GLM._fit`): raw = w·z + b;
//!   the `optim.losses.Log` gradient with its branches (s = ±1, m = raw·s: m > 18 →
//!   −s·e^(−m); m < −18 → −s; else −s/(e^m + 1)), clamped to ±1e12 (`clip_gradient`); the
//!   intercept moves by 0.01·g (`intercept_lr`), each weight by 0.01·(z_j·g) (`optim.SGD(0.01)`,
//!   `VectorDict.from_scaled`); zero initialisation, no L1/L2.
//! * `predict_proba_one`: `utils.math.sigmoid(raw)`: 0 below −30, 1 above 30, else 1/(1 + e^−raw).
//!
//! [`progressive`] is `evaluate.progressive_val_score` with `moment` and `delay`; the golden test
//! compares its probabilities with River's row by row (1e-9).

/// River's `LogisticRegression` defaults.
const LEARNING_RATE: f64 = 0.01;
const INTERCEPT_LR: f64 = 0.01;
const CLIP_GRADIENT: f64 = 1e12;

/// The running scaler and the SGD logistic regression.
#[derive(Debug, Clone, PartialEq)]
pub struct OnlineModel {
    count: f64,
    mean: Vec<f64>,
    var: Vec<f64>,
    weights: Vec<f64>,
    intercept: f64,
    z: Vec<f64>,
    /// Rows learned so far.
    pub learned: usize,
}

impl OnlineModel {
    /// A fresh model over `d` encoded columns (every row carries all of them).
    pub fn new(d: usize) -> Self {
        Self {
            count: 0.0,
            mean: vec![0.0; d],
            var: vec![0.0; d],
            weights: vec![0.0; d],
            intercept: 0.0,
            z: vec![0.0; d],
            learned: 0,
        }
    }

    fn transform(&self, x: &[f64], z: &mut [f64]) {
        for (((zj, &xj), &mean), &v) in z.iter_mut().zip(x).zip(&self.mean).zip(&self.var) {
            *zj = if v != 0.0 {
                (xj - mean) / v.sqrt()
            } else {
                0.0
            };
        }
    }

    fn raw(&self, z: &[f64]) -> f64 {
        let dot: f64 = self.weights.iter().zip(z).map(|(w, z)| w * z).sum();
        dot + self.intercept
    }

    /// P(y = 1) of one encoded row (the scaler is not updated).
    pub fn probability(&self, x: &[f64]) -> f64 {
        let mut z = vec![0.0; x.len()];
        self.transform(x, &mut z);
        river_sigmoid(self.raw(&z))
    }

    /// Learn one labelled row: the scaler, then one SGD step on the updated z.
    pub fn learn(&mut self, x: &[f64], y: bool) {
        self.count += 1.0;
        for ((&xj, mean), var) in x.iter().zip(&mut self.mean).zip(&mut self.var) {
            let old = *mean;
            *mean += (xj - old) / self.count;
            *var += ((xj - old) * (xj - *mean) - *var) / self.count;
        }
        let mut z = std::mem::take(&mut self.z);
        self.transform(x, &mut z);
        let raw = self.raw(&z);
        let g = log_loss_gradient(y, raw).clamp(-CLIP_GRADIENT, CLIP_GRADIENT);
        self.intercept -= INTERCEPT_LR * g;
        for (w, zj) in self.weights.iter_mut().zip(&z) {
            *w -= LEARNING_RATE * (zj * g);
        }
        self.z = z;
        self.learned += 1;
    }
}

/// `optim.losses.Log.gradient(y_true, y_pred)` for a single row, weights 1.
fn log_loss_gradient(y: bool, raw: f64) -> f64 {
    let s = if y { 1.0 } else { -1.0 };
    let m = raw * s;
    if m > 18.0 {
        (-m).exp() * -s
    } else if m < -18.0 {
        -s
    } else {
        -s / (m.exp() + 1.0)
    }
}

/// `utils.math.sigmoid`.
fn river_sigmoid(x: f64) -> f64 {
    if x < -30.0 {
        0.0
    } else if x > 30.0 {
        1.0
    } else {
        1.0 / (1.0 + (-x).exp())
    }
}

/// Progressive validation of a fresh incremental model over rows in time order (`times`
/// ascending): before predicting row i, learn every earlier row whose label time is ≤ row i's
/// time, in arrival order (label time ascending, ties in row order); then predict row i. Rows
/// with no label time never teach the model. After the last row the remaining labels are
/// learned (they change no prediction). Returns each row's P(y = 1) and the final model.
pub fn progressive(
    x: &[f64],
    d: usize,
    times: &[i64],
    label_times: &[Option<i64>],
    y: &[bool],
) -> (Vec<f64>, OnlineModel) {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    let n = times.len();
    let mut model = OnlineModel::new(d);
    let mut pending: BinaryHeap<Reverse<(i64, usize)>> = BinaryHeap::new();
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        while let Some(&Reverse((lt, r))) = pending.peek() {
            if lt > times[i] {
                break;
            }
            pending.pop();
            model.learn(&x[r * d..(r + 1) * d], y[r]);
        }
        out.push(model.probability(&x[i * d..(i + 1) * d]));
        if let Some(lt) = label_times[i] {
            pending.push(Reverse((lt, i)));
        }
    }
    while let Some(Reverse((_, r))) = pending.pop() {
        model.learn(&x[r * d..(r + 1) * d], y[r]);
    }
    (out, model)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_prediction_is_a_half_and_learning_moves_it() {
        let x = [1.0, 2.0, 3.0];
        let (p, m) = progressive(
            &x,
            1,
            &[0, 10, 20],
            &[Some(5), Some(15), Some(25)],
            &[true, true, false],
        );
        assert_eq!(p[0], 0.5);
        // After one row the variance is 0, so z = 0 and only the intercept moved (+0.005).
        assert!((p[1] - river_sigmoid(0.005)).abs() < 1e-15);
        assert_eq!(m.learned, 3);
    }
}

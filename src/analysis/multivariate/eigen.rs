//! Eigen decomposition of a small dense symmetric matrix by cyclic Jacobi rotations: exact to
//! rounding (every rotation is orthogonal, so the eigenvectors stay orthonormal), which PCA on
//! a covariance of a few dozen features needs and nothing more.

/// Eigenvalues (descending) and their unit eigenvectors.
#[derive(Debug, Clone, PartialEq)]
pub struct SymmetricEigen {
    /// Eigenvalues, largest first.
    pub values: Vec<f64>,
    /// `vectors[i]` is the unit eigenvector of `values[i]`.
    pub vectors: Vec<Vec<f64>>,
}

/// Eigen decomposition of the symmetric `n × n` matrix `a` (row-major). Cyclic Jacobi: each
/// sweep rotates every off-diagonal pair to zero; it stops when the off-diagonal mass is
/// negligible against the diagonal (quadratic convergence: a handful of sweeps).
pub fn symmetric_eigen(a: &[f64], n: usize) -> SymmetricEigen {
    assert_eq!(a.len(), n * n, "matrix of {n}×{n} expected");
    let mut a = a.to_vec();
    let mut v = vec![0.0; n * n];
    for i in 0..n {
        v[i * n + i] = 1.0;
    }
    let frobenius: f64 = a.iter().map(|x| x * x).sum::<f64>();
    for _sweep in 0..100 {
        let off: f64 = (0..n)
            .flat_map(|p| (p + 1..n).map(move |q| (p, q)))
            .map(|(p, q)| a[p * n + q] * a[p * n + q])
            .sum();
        if off <= f64::MIN_POSITIVE || off <= 1e-32 * frobenius {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = a[p * n + q];
                if apq == 0.0 {
                    continue;
                }
                let (app, aqq) = (a[p * n + p], a[q * n + q]);
                // tan of the rotation angle: the smaller root of t² + 2θt − 1 = 0.
                let theta = (aqq - app) / (2.0 * apq);
                let t = if theta == 0.0 {
                    1.0
                } else {
                    theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt())
                };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..n {
                    let (akp, akq) = (a[k * n + p], a[k * n + q]);
                    a[k * n + p] = c * akp - s * akq;
                    a[k * n + q] = s * akp + c * akq;
                }
                for k in 0..n {
                    let (apk, aqk) = (a[p * n + k], a[q * n + k]);
                    a[p * n + k] = c * apk - s * aqk;
                    a[q * n + k] = s * apk + c * aqk;
                }
                a[p * n + q] = 0.0;
                a[q * n + p] = 0.0;
                for k in 0..n {
                    let (vkp, vkq) = (v[k * n + p], v[k * n + q]);
                    v[k * n + p] = c * vkp - s * vkq;
                    v[k * n + q] = s * vkp + c * vkq;
                }
            }
        }
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&i, &j| a[j * n + j].total_cmp(&a[i * n + i]));
    SymmetricEigen {
        values: order.iter().map(|&i| a[i * n + i]).collect(),
        vectors: order
            .iter()
            .map(|&i| (0..n).map(|k| v[k * n + i]).collect())
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reproduces_the_matrix() {
        // A ≈ Σ λ v vᵀ, and the vectors are orthonormal.
        let a = [4.0, 1.0, 2.0, 1.0, 3.0, 0.5, 2.0, 0.5, 5.0];
        let e = symmetric_eigen(&a, 3);
        assert!(e.values.windows(2).all(|w| w[0] >= w[1]));
        for i in 0..3 {
            for j in 0..3 {
                let back: f64 = (0..3)
                    .map(|k| e.values[k] * e.vectors[k][i] * e.vectors[k][j])
                    .sum();
                assert!((back - a[i * 3 + j]).abs() < 1e-12, "{i},{j}");
                let dot: f64 = (0..3).map(|k| e.vectors[i][k] * e.vectors[j][k]).sum();
                assert!((dot - f64::from(u8::from(i == j))).abs() < 1e-12);
            }
        }
        // The trace is the sum of the eigenvalues.
        assert!((e.values.iter().sum::<f64>() - 12.0).abs() < 1e-12);
    }

    #[test]
    fn diagonal_and_tiny() {
        let e = symmetric_eigen(&[1.0, 0.0, 0.0, 3.0], 2);
        assert_eq!(e.values, vec![3.0, 1.0]);
        let e = symmetric_eigen(&[], 0);
        assert!(e.values.is_empty());
    }
}

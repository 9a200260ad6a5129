//! FFTs for period detection: the autocorrelation function and the periodogram. rustfft
//! (mixed radix, Rader and Bluestein, SIMD) computes DFTs of any length in O(n log n); this
//! module keeps the small interface the detector uses.

use rustfft::FftPlanner;
use rustfft::num_complex::Complex64;

/// The periodogram's numerator of a real series: `|X_j|²` for `j = 0..=n/2`.
pub(super) fn power_spectrum(x: &[f64]) -> Vec<f64> {
    let n = x.len();
    let mut buf: Vec<Complex64> = x.iter().map(|v| Complex64::new(*v, 0.0)).collect();
    if n > 1 {
        FftPlanner::new().plan_fft_forward(n).process(&mut buf);
    }
    buf.truncate(n / 2 + 1);
    buf.iter().map(|c| c.norm_sqr()).collect()
}

/// Autocovariance sums `r_k = Σ_{t} x_t x_{t+k}` for `k = 0..=max_lag`
/// (zero-padded to avoid circular wrap-around), in O(n log n).
pub(super) fn autocovariance_sums(x: &[f64], max_lag: usize) -> Vec<f64> {
    let n = x.len();
    // Any length ≥ 2n − 1 avoids the wrap-around; a power of two is the fastest to plan.
    let size = (2 * n).next_power_of_two().max(1);
    let mut buf = vec![Complex64::new(0.0, 0.0); size];
    for (slot, v) in buf.iter_mut().zip(x) {
        slot.re = *v;
    }
    let mut planner = FftPlanner::new();
    planner.plan_fft_forward(size).process(&mut buf);
    for v in buf.iter_mut() {
        *v = Complex64::new(v.norm_sqr(), 0.0);
    }
    planner.plan_fft_inverse(size).process(&mut buf);
    buf.iter()
        .take(max_lag.min(n.saturating_sub(1)) + 1)
        .map(|v| v.re / size as f64)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

    #[derive(Debug, Clone, Copy, Default)]
    struct Complex {
        re: f64,
        im: f64,
    }

    impl Complex {
        const fn new(re: f64, im: f64) -> Self {
            Self { re, im }
        }

        fn norm_sqr(self) -> f64 {
            self.re * self.re + self.im * self.im
        }

        fn cis(theta: f64) -> Self {
            Self::new(theta.cos(), theta.sin())
        }

        fn mul(self, o: Self) -> Self {
            Self::new(
                self.re * o.re - self.im * o.im,
                self.re * o.im + self.im * o.re,
            )
        }
    }

    fn naive_dft(x: &[Complex]) -> Vec<Complex> {
        let n = x.len();
        (0..n)
            .map(|k| {
                x.iter()
                    .enumerate()
                    .fold(Complex::default(), |acc, (j, v)| {
                        let w = Complex::cis(-2.0 * PI * ((j * k) % n) as f64 / n as f64);
                        let p = v.mul(w);
                        Complex::new(acc.re + p.re, acc.im + p.im)
                    })
            })
            .collect()
    }

    #[test]
    fn power_spectrum_matches_naive_dft_for_many_lengths() {
        for n in [1, 2, 3, 5, 8, 12, 17, 64, 100, 127] {
            let x: Vec<f64> = (0..n)
                .map(|i| (i as f64 * 0.7).sin() + ((i * 31) % 7) as f64)
                .collect();
            let complex: Vec<Complex> = x.iter().map(|v| Complex::new(*v, 0.0)).collect();
            let fast = power_spectrum(&x);
            let slow = naive_dft(&complex);
            assert_eq!(fast.len(), n / 2 + 1);
            for (a, b) in fast.iter().zip(&slow) {
                assert!((a - b.norm_sqr()).abs() < 1e-9 * (1.0 + a.abs()), "n={n}");
            }
        }
    }

    #[test]
    fn autocovariance_matches_direct_sums() {
        let x: Vec<f64> = (0..37).map(|i| ((i * 17) % 11) as f64 - 5.0).collect();
        let r = autocovariance_sums(&x, 10);
        for (k, rk) in r.iter().enumerate() {
            let direct: f64 = (0..x.len() - k).map(|t| x[t] * x[t + k]).sum();
            assert!((rk - direct).abs() < 1e-9);
        }
    }
}

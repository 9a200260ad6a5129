//! Minimal FFT: iterative radix-2 for power-of-two lengths and Bluestein's
//! chirp-z algorithm for any other length, both O(n log n). Used for the
//! autocorrelation function and the periodogram of period detection.

use std::f64::consts::PI;

/// A complex number (only what the FFT needs).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(super) struct Complex {
    pub re: f64,
    pub im: f64,
}

impl Complex {
    pub(super) const fn new(re: f64, im: f64) -> Self {
        Self { re, im }
    }

    /// `e^{iθ}`.
    fn cis(theta: f64) -> Self {
        Self::new(theta.cos(), theta.sin())
    }

    fn mul(self, o: Self) -> Self {
        Self::new(
            self.re * o.re - self.im * o.im,
            self.re * o.im + self.im * o.re,
        )
    }

    fn conj(self) -> Self {
        Self::new(self.re, -self.im)
    }

    /// `|z|²`.
    pub(super) fn norm_sqr(self) -> f64 {
        self.re * self.re + self.im * self.im
    }
}

/// In-place unnormalised DFT of a power-of-two-length buffer:
/// `X_k = Σ x_j e^{∓2πi jk/n}` (`-` forward, `+` inverse).
fn fft_pow2(buf: &mut [Complex], inverse: bool) {
    let n = buf.len();
    if n <= 1 {
        return;
    }
    debug_assert!(n.is_power_of_two());
    let bits = n.trailing_zeros();
    for i in 0..n {
        let j = i.reverse_bits() >> (usize::BITS - bits);
        if i < j {
            buf.swap(i, j);
        }
    }
    // Twiddles computed directly (not by repeated multiplication) for accuracy.
    let sign = if inverse { 1.0 } else { -1.0 };
    let twiddles: Vec<Complex> = (0..n / 2)
        .map(|k| Complex::cis(sign * 2.0 * PI * k as f64 / n as f64))
        .collect();
    let mut len = 2;
    while len <= n {
        let stride = n / len;
        for start in (0..n).step_by(len) {
            for k in 0..len / 2 {
                let w = twiddles[k * stride];
                let a = buf[start + k];
                let b = buf[start + k + len / 2].mul(w);
                buf[start + k] = Complex::new(a.re + b.re, a.im + b.im);
                buf[start + k + len / 2] = Complex::new(a.re - b.re, a.im - b.im);
            }
        }
        len *= 2;
    }
}

/// Forward DFT of any length (radix-2 directly, Bluestein otherwise).
pub(super) fn dft(x: &[Complex]) -> Vec<Complex> {
    let n = x.len();
    let mut out = x.to_vec();
    if n <= 1 || n.is_power_of_two() {
        fft_pow2(&mut out, false);
        return out;
    }
    // Bluestein: jk = (j² + k² - (k - j)²) / 2 turns the DFT into a circular
    // convolution with the chirp e^{iπ m²/n}, evaluated by power-of-two FFTs.
    // m² is reduced mod 2n first so the angle stays accurate for large n.
    let chirp: Vec<Complex> = (0..n)
        .map(|m| {
            let m2 = (m as u128 * m as u128 % (2 * n as u128)) as f64;
            Complex::cis(-PI * m2 / n as f64)
        })
        .collect();
    let size = (2 * n - 1).next_power_of_two();
    let mut a = vec![Complex::default(); size];
    for ((slot, xv), c) in a.iter_mut().zip(x).zip(&chirp) {
        *slot = xv.mul(*c);
    }
    let mut b = vec![Complex::default(); size];
    b[0] = chirp[0].conj();
    for m in 1..n {
        b[m] = chirp[m].conj();
        b[size - m] = chirp[m].conj();
    }
    fft_pow2(&mut a, false);
    fft_pow2(&mut b, false);
    for (av, bv) in a.iter_mut().zip(&b) {
        *av = av.mul(*bv);
    }
    fft_pow2(&mut a, true);
    let scale = 1.0 / size as f64;
    for (k, slot) in out.iter_mut().enumerate() {
        let v = a[k].mul(chirp[k]);
        *slot = Complex::new(v.re * scale, v.im * scale);
    }
    out
}

/// Autocovariance sums `r_k = Σ_{t} x_t x_{t+k}` for `k = 0..=max_lag`
/// (zero-padded to avoid circular wrap-around), in O(n log n).
pub(super) fn autocovariance_sums(x: &[f64], max_lag: usize) -> Vec<f64> {
    let n = x.len();
    let size = (2 * n).next_power_of_two().max(1);
    let mut buf = vec![Complex::default(); size];
    for (slot, v) in buf.iter_mut().zip(x) {
        slot.re = *v;
    }
    fft_pow2(&mut buf, false);
    for v in buf.iter_mut() {
        *v = Complex::new(v.norm_sqr(), 0.0);
    }
    fft_pow2(&mut buf, true);
    buf.iter()
        .take(max_lag.min(n.saturating_sub(1)) + 1)
        .map(|v| v.re / size as f64)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn matches_naive_dft_for_many_lengths() {
        for n in [1, 2, 3, 5, 8, 12, 17, 64, 100, 127] {
            let x: Vec<Complex> = (0..n)
                .map(|i| Complex::new((i as f64 * 0.7).sin(), ((i * 31) % 7) as f64))
                .collect();
            let fast = dft(&x);
            let slow = naive_dft(&x);
            for (a, b) in fast.iter().zip(&slow) {
                assert!(
                    (a.re - b.re).abs() < 1e-9 && (a.im - b.im).abs() < 1e-9,
                    "n={n}"
                );
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

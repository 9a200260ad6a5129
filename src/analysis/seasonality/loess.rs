//! LOESS smoothing exactly as STL uses it (netlib `stless` / `stlest`).
//!
//! A local fit at position `x_s` uses the observations `x_j` of a window
//! `[nleft, nright]` with tricube weights
//!
//! ```text
//! h   = max(x_s - nleft, nright - x_s) (+ (len - n) / 2 when len > n)
//! w_j = 1                      if |x_j - x_s| <= 0.001 h
//!     = (1 - (|x_j - x_s|/h)^3)^3  if |x_j - x_s| <= 0.999 h
//!     = 0                      otherwise
//! ```
//!
//! optionally multiplied by robustness weights, and fits a local constant
//! (degree 0) or a local line (degree 1; only when the weighted spread of the
//! positions exceeds `0.001 (n - 1)`, as in the Fortran). With a jump `> 1`
//! the fit is evaluated every `jump` points and linearly interpolated between.
//!
//! Speed: instead of the Fortran's five passes over the window (weights,
//! normalisation, mean, spread, fit) every fit is a single pass accumulating
//! five weighted moments, and interior fits without robustness weights — the
//! bulk of the work — are a dot product with a precomputed, normalised
//! symmetric kernel. Both are algebraically identical to the Fortran; results
//! differ only by floating-point rounding (~1e-15 relative).

/// One LOESS smoother with its kernel precomputed for interior windows.
#[derive(Debug, Clone)]
pub(super) struct Loess {
    /// Window length (number of observations in each local fit).
    len: usize,
    /// Local linear (`true`) or local constant (`false`) fit.
    linear: bool,
    /// Evaluate every `jump` points, interpolating linearly in between.
    jump: usize,
    /// Half width `h` of interior windows: `len / 2` for odd and even `len`.
    half: usize,
    /// `kernel[r]` = tricube weight at integer distance `r <= half` for `h = half`.
    kernel: Vec<f64>,
    /// Normalised interior weights for offsets `-(half-1) ..= half-1`; these are
    /// the only non-zero weights of a full interior window (distance `half` has
    /// weight 0 because it exceeds `0.999 h`).
    symmetric: Vec<f64>,
}

/// Weighted moments of one window, positions measured as `d = x_j - x_s`.
#[derive(Default, Clone, Copy)]
struct Moments {
    /// Σ w
    s0: f64,
    /// Σ w d
    s1: f64,
    /// Σ w d²
    s2: f64,
    /// Σ w y
    sy: f64,
    /// Σ w d y
    sdy: f64,
}

/// Tricube weight of an integer distance `r` for half width `h` (Fortran cut-offs).
#[inline]
fn tricube(r: usize, h: f64) -> f64 {
    let r = r as f64;
    if r <= 0.001 * h {
        1.0
    } else if r <= 0.999 * h {
        let q = r / h;
        let t = 1.0 - q * q * q;
        t * t * t
    } else {
        0.0
    }
}

/// Accumulates the moments of `y[lo..=hi]` around `xs` with kernel `k(r)` and
/// optional robustness weights. Generic so the kernel lookup is inlined.
#[inline(always)]
fn accumulate<K: Fn(usize) -> f64>(
    y: &[f64],
    rw: Option<&[f64]>,
    xs: isize,
    lo: usize,
    hi: usize,
    k: K,
) -> Moments {
    let mut m = Moments::default();
    let mut add = |j: usize, w: f64| {
        let d = j as isize - xs;
        let df = d as f64;
        let wd = w * df;
        m.s0 += w;
        m.s1 += wd;
        m.s2 += wd * df;
        m.sy += w * y[j];
        m.sdy += wd * y[j];
    };
    match rw {
        Some(rw) => {
            for (j, w) in rw.iter().enumerate().take(hi + 1).skip(lo) {
                let r = (j as isize - xs).unsigned_abs();
                add(j, k(r) * w);
            }
        }
        None => {
            for j in lo..=hi {
                let r = (j as isize - xs).unsigned_abs();
                add(j, k(r));
            }
        }
    }
    m
}

/// Dot product with four accumulators (breaks the add latency chain).
#[inline]
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0; 4];
    let ca = a.chunks_exact(4);
    let cb = b.chunks_exact(4);
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for l in 0..4 {
            acc[l] += x[l] * y[l];
        }
    }
    let tail: f64 = ra.iter().zip(rb).map(|(x, y)| x * y).sum();
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

impl Loess {
    /// Creates a smoother of window `len` (>= 1), local linear if `linear`,
    /// evaluated every `jump` (>= 1) points.
    pub(super) fn new(len: usize, linear: bool, jump: usize) -> Self {
        let half = len / 2;
        let h = half as f64;
        let kernel: Vec<f64> = (0..=half).map(|r| tricube(r, h)).collect();
        let inner = half.saturating_sub(1);
        let mut symmetric: Vec<f64> = (0..=2 * inner).map(|i| kernel[i.abs_diff(inner)]).collect();
        let total: f64 = symmetric.iter().sum();
        if total > 0.0 {
            symmetric.iter_mut().for_each(|w| *w /= total);
        }
        Self {
            len,
            linear,
            jump: jump.max(1),
            half,
            kernel,
            symmetric,
        }
    }

    /// Local fit at position `xs` (0-based; may lie just outside the data for
    /// the cycle-subseries extrapolation) from observations `lo..=hi`.
    /// Returns `None` when all weights vanish (Fortran `ok = .false.`).
    pub(super) fn fit_at(
        &self,
        y: &[f64],
        rw: Option<&[f64]>,
        xs: isize,
        lo: usize,
        hi: usize,
    ) -> Option<f64> {
        let n = y.len();
        let mut h = (xs - lo as isize).max(hi as isize - xs).max(0) as usize;
        if self.len > n {
            h += (self.len - n) / 2;
        }
        let m = if h == self.half {
            if rw.is_none() && self.is_full_interior(xs, lo, hi, n) {
                // Symmetric full interior window: the local line's slope term
                // vanishes, so the fit is the normalised kernel average.
                let start = (xs - (h as isize - 1)) as usize;
                let window = &y[start..start + self.symmetric.len()];
                return Some(dot(window, &self.symmetric));
            }
            accumulate(y, rw, xs, lo, hi, |r| self.kernel[r])
        } else {
            let hf = h as f64;
            accumulate(y, rw, xs, lo, hi, |r| tricube(r, hf))
        };
        self.finish(m, h, (n as f64) - 1.0)
    }

    /// Whether the window `lo..=hi` around `xs` has the interior half width
    /// and contains the whole non-zero kernel support `xs ± (half - 1)`.
    #[inline]
    fn is_full_interior(&self, xs: isize, lo: usize, hi: usize, n: usize) -> bool {
        let (left, right) = (xs - lo as isize, hi as isize - xs);
        let inner = self.half as isize - 1;
        self.len <= n
            && inner >= 0
            && left.max(right) == self.half as isize
            && left >= inner
            && right >= inner
    }

    /// Fits the consecutive full-interior points `first .. first + out.len()`.
    ///
    /// Processed in blocks with the kernel taps in the outer loop, so the
    /// inner loop is a branch-free multiply-add over neighbouring outputs that
    /// the compiler vectorises. Unweighted fits reduce to the normalised
    /// symmetric kernel; weighted fits accumulate the five moments per output.
    fn smooth_interior(&self, y: &[f64], rw: Option<&[f64]>, first: usize, out: &mut [f64]) {
        const BLOCK: usize = 64;
        let inner = self.half - 1;
        let range = y.len() as f64 - 1.0;
        for (b, chunk) in out.chunks_mut(BLOCK).enumerate() {
            let base = first + b * BLOCK - inner;
            let m = chunk.len();
            match rw {
                None => {
                    // Register blocking: LANES outputs stay in registers while
                    // the taps stream past.
                    const LANES: usize = 8;
                    let taps = self.symmetric.len();
                    let mut lanes = chunk.chunks_exact_mut(LANES);
                    for (g, group) in lanes.by_ref().enumerate() {
                        let mut acc = [0.0; LANES];
                        let from = base + g * LANES;
                        for (t, &k) in self.symmetric.iter().enumerate() {
                            let ys = &y[from + t..from + t + LANES];
                            for l in 0..LANES {
                                acc[l] += k * ys[l];
                            }
                        }
                        group.copy_from_slice(&acc);
                    }
                    let done = m - m % LANES;
                    for (i, o) in lanes.into_remainder().iter_mut().enumerate() {
                        let from = base + done + i;
                        *o = dot(&y[from..from + taps], &self.symmetric);
                    }
                }
                Some(rw) => {
                    let mut s = [[0.0; BLOCK]; 5];
                    for t in 0..=2 * inner {
                        let d = t as f64 - inner as f64;
                        let k0 = self.kernel[t.abs_diff(inner)];
                        let (k1, k2) = (k0 * d, k0 * d * d);
                        let ys = &y[base + t..base + t + m];
                        let ws = &rw[base + t..base + t + m];
                        let [s0, s1, s2, sy, sdy] = &mut s;
                        for i in 0..m {
                            let w = ws[i];
                            let wy = w * ys[i];
                            s0[i] += k0 * w;
                            s1[i] += k1 * w;
                            s2[i] += k2 * w;
                            sy[i] += k0 * wy;
                            sdy[i] += k1 * wy;
                        }
                    }
                    for (i, o) in chunk.iter_mut().enumerate() {
                        let mo = Moments {
                            s0: s[0][i],
                            s1: s[1][i],
                            s2: s[2][i],
                            sy: s[3][i],
                            sdy: s[4][i],
                        };
                        let xs = first + b * BLOCK + i;
                        *o = self.finish(mo, self.half, range).unwrap_or(y[xs]);
                    }
                }
            }
        }
    }

    /// Turns window moments into the fitted value (Fortran `stlest` algebra:
    /// `a` = weighted mean offset, `c` = weighted spread, slope `b = -a / c`).
    #[inline]
    fn finish(&self, m: Moments, h: usize, range: f64) -> Option<f64> {
        if m.s0 <= 0.0 {
            return None;
        }
        let mean_y = m.sy / m.s0;
        if self.linear && h > 0 {
            let a = m.s1 / m.s0;
            let c = m.s2 / m.s0 - a * a;
            if c.sqrt() > 0.001 * range {
                let b = -a / c;
                return Some(mean_y + b * (m.sdy / m.s0 - a * mean_y));
            }
        }
        Some(mean_y)
    }

    /// Smooths `y` into `out` (same length) like Fortran `stless`, with
    /// optional robustness weights `rw` (same length as `y`).
    pub(super) fn smooth(&self, y: &[f64], rw: Option<&[f64]>, out: &mut [f64]) {
        let n = y.len();
        debug_assert_eq!(out.len(), n);
        if n < 2 {
            out.copy_from_slice(y);
            return;
        }
        let step = self.jump.min(n - 1);
        let len = self.len;
        let fit = |i: usize, lo: usize, hi: usize, out: &mut [f64]| {
            out[i] = self.fit_at(y, rw, i as isize, lo, hi).unwrap_or(y[i]);
        };
        // Window of the last evaluated point; the Fortran reuses it for the
        // final point when the jump grid does not end on it.
        let (mut lo, mut hi);
        if len >= n {
            (lo, hi) = (0, n - 1);
            for i in (0..n).step_by(step) {
                fit(i, lo, hi, out);
            }
        } else if step == 1 {
            // Fortran: the window [1, len] starts sliding once i > (len + 2) / 2
            // and stops at [n - len + 1, n]; in closed form (0-based):
            let shift_after = (len + 2) / 2;
            let window = |i: usize| {
                let lo = (i + 1).saturating_sub(shift_after).min(n - len);
                (lo, lo + len - 1)
            };
            // Full interior windows form one contiguous middle run, smoothed
            // in blocks; only the edges are fitted point by point.
            let is_interior = |i: usize| {
                let (lo, hi) = window(i);
                self.is_full_interior(i as isize, lo, hi, n)
            };
            let start = (0..n).find(|&i| is_interior(i)).unwrap_or(n);
            let end = (start..n)
                .rev()
                .find(|&i| is_interior(i))
                .map_or(start, |i| i + 1);
            for i in (0..start).chain(end..n) {
                let (lo, hi) = window(i);
                fit(i, lo, hi, out);
            }
            if start < end {
                self.smooth_interior(y, rw, start, &mut out[start..end]);
            }
            return;
        } else {
            let half = len.div_ceil(2);
            (lo, hi) = (0, len - 1);
            for i in (0..n).step_by(step) {
                (lo, hi) = if i + 1 < half {
                    (0, len - 1)
                } else if i + 1 > n - half {
                    (n - len, n - 1)
                } else {
                    (i + 1 - half, len + i - half)
                };
                fit(i, lo, hi, out);
            }
        }
        if step == 1 {
            return;
        }
        self.interpolate(y, rw, out, step, lo, hi);
    }

    /// Linear interpolation between the points fitted every `step`, plus the
    /// Fortran's extra fit of the last point when the grid misses it.
    fn interpolate(
        &self,
        y: &[f64],
        rw: Option<&[f64]>,
        out: &mut [f64],
        step: usize,
        lo: usize,
        hi: usize,
    ) {
        let n = y.len();
        let stepf = step as f64;
        let mut i = 0;
        while i + step < n {
            let delta = (out[i + step] - out[i]) / stepf;
            for j in i + 1..i + step {
                out[j] = out[i] + delta * (j - i) as f64;
            }
            i += step;
        }
        // `last` is the 1-based index of the last grid point.
        let last = ((n - 1) / step) * step + 1;
        if last != n {
            out[n - 1] = self
                .fit_at(y, rw, n as isize - 1, lo, hi)
                .unwrap_or(y[n - 1]);
            if last != n - 1 {
                let delta = (out[n - 1] - out[last - 1]) / (n - last) as f64;
                for j in last..n - 1 {
                    out[j] = out[last - 1] + delta * (j + 1 - last) as f64;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;

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
//!
//! With robustness weights the interior fit is linear in `y` with
//! coefficients that depend on the weights only: `fit = α Σ k w y + β Σ k d w y`
//! (from the local line's algebra in [`Loess::finish`]). STL keeps its weights
//! for a whole outer pass of several inner loops, so [`Loess::coefficients`]
//! computes `α`, `β` once per pass and each smooth needs only two symmetric
//! sums (taps `±r` paired). Long interior runs are split across the cores;
//! every output is computed by the same operations wherever the split falls,
//! so results do not depend on the thread count.

use std::sync::OnceLock;

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
    /// `kernel[r] * r` and `kernel[r] * r²`: the kernel times the offset and
    /// its square (first and second moments of the robust interior fits).
    kernel_d: Vec<f64>,
    kernel_dd: Vec<f64>,
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

/// Robustness weights of a series with the interior fit coefficients derived
/// from them by [`Loess::coefficients`] (`coef[2 i]` = α, `coef[2 i + 1]` = β
/// of output `i`; α is NaN where all weights vanish).
#[derive(Clone, Copy)]
pub(super) struct Robust<'a> {
    pub weights: &'a [f64],
    pub coef: &'a [f64],
}

/// Outputs below which a smooth stays on one thread (spawning costs ~20 µs).
const MIN_PARALLEL: usize = 1 << 15;

/// Worker threads for long smooths: the available cores, at most 8.
fn threads() -> usize {
    static THREADS: OnceLock<usize> = OnceLock::new();
    *THREADS.get_or_init(|| {
        std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(8)
    })
}

/// Runs `f(offset, piece)` on consecutive pieces of `out` (cut at multiples of
/// `align` from its start) on up to [`threads`] threads, the last piece on the
/// calling thread. Short outputs stay on the calling thread.
pub(super) fn for_each_piece<F>(out: &mut [f64], align: usize, f: F)
where
    F: Fn(usize, &mut [f64]) + Sync,
{
    let parts = threads();
    if parts < 2 || out.len() < MIN_PARALLEL {
        f(0, out);
        return;
    }
    let align = align.max(1);
    let piece = out.len().div_ceil(parts).div_ceil(align) * align;
    let f = &f;
    std::thread::scope(|scope| {
        let mut rest = out;
        let mut offset = 0;
        while rest.len() > piece {
            let (head, tail) = rest.split_at_mut(piece);
            scope.spawn(move || f(offset, head));
            offset += piece;
            rest = tail;
        }
        f(offset, rest);
    });
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

/// Fortran `stless` window (0-based `lo, hi`) of point `i` when every point
/// is fitted: `[1, len]` until `i > shift_after`, then sliding by one, and
/// `[n - len + 1, n]` at the end.
#[inline]
fn sliding_window(i: usize, len: usize, n: usize, shift_after: usize) -> (usize, usize) {
    let lo = (i + 1).saturating_sub(shift_after).min(n - len);
    (lo, lo + len - 1)
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
        let kernel_d = kernel
            .iter()
            .enumerate()
            .map(|(r, k)| k * r as f64)
            .collect();
        let kernel_dd = kernel
            .iter()
            .enumerate()
            .map(|(r, k)| k * r as f64 * r as f64)
            .collect();
        Self {
            len,
            linear,
            jump: jump.max(1),
            half,
            kernel,
            symmetric,
            kernel_d,
            kernel_dd,
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

    /// The contiguous run `start..end` of outputs whose window is a full
    /// interior one when every point is fitted (`jump` 1, `len < n`); the
    /// Fortran window `[1, len]` starts sliding once `i > (len + 2) / 2` and
    /// stops at `[n - len + 1, n]`.
    fn interior_run(&self, n: usize) -> Option<(usize, usize)> {
        let len = self.len;
        if n < 2 || len >= n || self.jump.min(n - 1) != 1 {
            return None;
        }
        let shift_after = (len + 2) / 2;
        let is_interior = |i: usize| {
            let (lo, hi) = sliding_window(i, len, n, shift_after);
            self.is_full_interior(i as isize, lo, hi, n)
        };
        let start = (0..n).find(|&i| is_interior(i))?;
        let end = (start..n).rev().find(|&i| is_interior(i))? + 1;
        Some((start, end))
    }

    /// Interior fit coefficients for robustness weights `rw` into `coef`
    /// (two per position, see [`Robust`]). Only the full-interior run of
    /// [`Loess::smooth_with`] is written; every other fit reads the weights.
    /// `parallel`: split the run across the cores.
    pub(super) fn coefficients(&self, rw: &[f64], coef: &mut [f64], parallel: bool) {
        let n = rw.len();
        let Some((start, end)) = self.interior_run(n) else {
            return;
        };
        let inner = self.half - 1;
        let range = n as f64 - 1.0;
        let (k0, k1, k2) = (&self.kernel, &self.kernel_d, &self.kernel_dd);
        let one = |c: usize| {
            let mut m = Moments {
                s0: k0[0] * rw[c],
                ..Moments::default()
            };
            for r in 1..=inner {
                let (left, right) = (rw[c - r], rw[c + r]);
                let (u, v) = (right + left, right - left);
                m.s0 += k0[r] * u;
                m.s1 += k1[r] * v;
                m.s2 += k2[r] * u;
            }
            m
        };
        let run = |offset: usize, piece: &mut [f64]| {
            // Four outputs at a time (12 running sums in registers), the same
            // operations as `one` so the split does not change any bit.
            const LANES: usize = 4;
            let first = start + offset / 2;
            let done = (piece.len() - piece.len() % (2 * LANES)) / 2;
            let mut groups = piece.chunks_exact_mut(2 * LANES);
            for (g, group) in groups.by_ref().enumerate() {
                let c = first + g * LANES;
                let (mut s0, mut s1, mut s2) = ([0.0; LANES], [0.0; LANES], [0.0; LANES]);
                let mid = &rw[c..c + LANES];
                for l in 0..LANES {
                    s0[l] = k0[0] * mid[l];
                }
                for r in 1..=inner {
                    let left = &rw[c - r..c - r + LANES];
                    let right = &rw[c + r..c + r + LANES];
                    for l in 0..LANES {
                        let (u, v) = (right[l] + left[l], right[l] - left[l]);
                        s0[l] += k0[r] * u;
                        s1[l] += k1[r] * v;
                        s2[l] += k2[r] * u;
                    }
                }
                for (l, ab) in group.chunks_exact_mut(2).enumerate() {
                    let m = Moments {
                        s0: s0[l],
                        s1: s1[l],
                        s2: s2[l],
                        ..Moments::default()
                    };
                    (ab[0], ab[1]) = self.coefficient_pair(m, range);
                }
            }
            for (i, ab) in groups.into_remainder().chunks_exact_mut(2).enumerate() {
                (ab[0], ab[1]) = self.coefficient_pair(one(first + done + i), range);
            }
        };
        let coef = &mut coef[2 * start..2 * end];
        if parallel {
            for_each_piece(coef, 2, run);
        } else {
            run(0, coef);
        }
    }

    /// `(α, β)` with `fit = α Σ k w y + β Σ k d w y` for the weight moments
    /// `m` of an interior window: [`Loess::finish`] rearranged, since
    /// `mean_y + b (sdy / s0 - a mean_y) = sy (1 - b a) / s0 + sdy b / s0`.
    /// α is NaN when all weights vanish (the fit keeps `y`).
    #[inline]
    fn coefficient_pair(&self, m: Moments, range: f64) -> (f64, f64) {
        if m.s0 <= 0.0 {
            return (f64::NAN, 0.0);
        }
        // One reciprocal instead of five divisions (a rounding-level change).
        let inv = 1.0 / m.s0;
        if self.linear {
            let a = m.s1 * inv;
            let c = m.s2 * inv - a * a;
            if c.sqrt() > 0.001 * range {
                let b = -a / c;
                return ((1.0 - b * a) * inv, b * inv);
            }
        }
        (inv, 0.0)
    }

    /// Fits the consecutive full-interior points `first .. first + out.len()`.
    ///
    /// Groups of `LANES` neighbouring outputs stay in registers while the
    /// kernel taps stream past (a branch-free multiply-add the compiler
    /// vectorises), taps `±r` paired since the kernel is symmetric. The last
    /// few outputs repeat the same operations one at a time, so an output's
    /// bits do not depend on where a piece starts.
    fn smooth_interior(&self, y: &[f64], rw: Option<Robust<'_>>, first: usize, out: &mut [f64]) {
        match rw {
            None => self.interior_plain(y, first, out),
            Some(rw) => self.interior_weighted(y, rw, first, out),
        }
    }

    /// Unweighted interior fits: the normalised symmetric kernel average.
    fn interior_plain(&self, y: &[f64], first: usize, out: &mut [f64]) {
        const LANES: usize = 8;
        let inner = self.half - 1;
        // `symmetric[inner + r]` is the normalised weight of offsets ±r.
        let k = &self.symmetric[inner..];
        let one = |c: usize| {
            let mut acc = k[0] * y[c];
            for r in 1..=inner {
                acc += k[r] * (y[c - r] + y[c + r]);
            }
            acc
        };
        let done = out.len() - out.len() % LANES;
        let mut groups = out.chunks_exact_mut(LANES);
        for (g, group) in groups.by_ref().enumerate() {
            let c = first + g * LANES;
            let mut acc = [0.0; LANES];
            let mid = &y[c..c + LANES];
            for l in 0..LANES {
                acc[l] = k[0] * mid[l];
            }
            for r in 1..=inner {
                let left = &y[c - r..c - r + LANES];
                let right = &y[c + r..c + r + LANES];
                for l in 0..LANES {
                    acc[l] += k[r] * (left[l] + right[l]);
                }
            }
            group.copy_from_slice(&acc);
        }
        for (i, o) in groups.into_remainder().iter_mut().enumerate() {
            *o = one(first + done + i);
        }
    }

    /// Weighted interior fits `α Σ k w y + β Σ k d w y` with `w y` formed once
    /// per block and the coefficients of [`Loess::coefficients`].
    fn interior_weighted(&self, y: &[f64], rw: Robust<'_>, first: usize, out: &mut [f64]) {
        const LANES: usize = 8;
        const BLOCK: usize = 512;
        let inner = self.half - 1;
        let (k0, k1) = (&self.kernel, &self.kernel_d);
        let value = |xs: usize, sy: f64, sdy: f64| {
            let alpha = rw.coef[2 * xs];
            if alpha.is_nan() {
                y[xs]
            } else {
                alpha * sy + rw.coef[2 * xs + 1] * sdy
            }
        };
        let mut wy = vec![0.0; BLOCK + 2 * inner];
        for (b, chunk) in out.chunks_mut(BLOCK).enumerate() {
            let start = first + b * BLOCK;
            let base = start - inner;
            let wy = &mut wy[..chunk.len() + 2 * inner];
            let (ws, ys) = (
                &rw.weights[base..base + wy.len()],
                &y[base..base + wy.len()],
            );
            for ((p, w), v) in wy.iter_mut().zip(ws).zip(ys) {
                *p = w * v;
            }
            let wy = &*wy;
            // `c` indexes `wy` at an output's centre.
            let one = |c: usize| {
                let (mut sy, mut sdy) = (k0[0] * wy[c], 0.0);
                for r in 1..=inner {
                    let (left, right) = (wy[c - r], wy[c + r]);
                    sy += k0[r] * (right + left);
                    sdy += k1[r] * (right - left);
                }
                (sy, sdy)
            };
            let done = chunk.len() - chunk.len() % LANES;
            let mut groups = chunk.chunks_exact_mut(LANES);
            for (g, group) in groups.by_ref().enumerate() {
                let c = inner + g * LANES;
                let (mut sy, mut sdy) = ([0.0; LANES], [0.0; LANES]);
                let mid = &wy[c..c + LANES];
                for l in 0..LANES {
                    sy[l] = k0[0] * mid[l];
                }
                for r in 1..=inner {
                    let left = &wy[c - r..c - r + LANES];
                    let right = &wy[c + r..c + r + LANES];
                    for l in 0..LANES {
                        sy[l] += k0[r] * (right[l] + left[l]);
                        sdy[l] += k1[r] * (right[l] - left[l]);
                    }
                }
                for (l, o) in group.iter_mut().enumerate() {
                    *o = value(start + g * LANES + l, sy[l], sdy[l]);
                }
            }
            for (i, o) in groups.into_remainder().iter_mut().enumerate() {
                let (sy, sdy) = one(inner + done + i);
                *o = value(start + done + i, sy, sdy);
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
    #[cfg(test)]
    pub(super) fn smooth(&self, y: &[f64], rw: Option<&[f64]>, out: &mut [f64]) {
        match rw {
            None => self.smooth_with(y, None, out, true),
            Some(weights) => {
                let mut coef = vec![0.0; 2 * y.len()];
                self.coefficients(weights, &mut coef, true);
                self.smooth_with(
                    y,
                    Some(Robust {
                        weights,
                        coef: &coef,
                    }),
                    out,
                    true,
                );
            }
        }
    }

    /// Smooths `y` into `out` (same length) like Fortran `stless`, with
    /// optional robustness weights and their [`Loess::coefficients`].
    /// `parallel`: split the interior run across the cores.
    pub(super) fn smooth_with(
        &self,
        y: &[f64],
        rw: Option<Robust<'_>>,
        out: &mut [f64],
        parallel: bool,
    ) {
        let n = y.len();
        debug_assert_eq!(out.len(), n);
        if n < 2 {
            out.copy_from_slice(y);
            return;
        }
        let step = self.jump.min(n - 1);
        let len = self.len;
        let weights = rw.map(|r| r.weights);
        let fit = |i: usize, lo: usize, hi: usize, out: &mut [f64]| {
            out[i] = self.fit_at(y, weights, i as isize, lo, hi).unwrap_or(y[i]);
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
            // Full interior windows form one contiguous middle run, smoothed
            // in blocks; only the edges are fitted point by point.
            let shift_after = (len + 2) / 2;
            let (start, end) = self.interior_run(n).unwrap_or((n, n));
            for i in (0..start).chain(end..n) {
                let (lo, hi) = sliding_window(i, len, n, shift_after);
                fit(i, lo, hi, out);
            }
            if start < end {
                let run = |offset: usize, piece: &mut [f64]| {
                    self.smooth_interior(y, rw, start + offset, piece);
                };
                if parallel {
                    for_each_piece(&mut out[start..end], 1, run);
                } else {
                    run(0, &mut out[start..end]);
                }
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
        self.interpolate(y, weights, out, step, lo, hi);
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

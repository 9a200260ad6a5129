//! STL: Seasonal-Trend decomposition using LOESS (Cleveland et al. 1990).
//!
//! A reimplementation of statsmodels' `STL` (itself a port of the netlib
//! Fortran `stl`): `observed = trend + seasonal + remainder`. Each inner loop
//!
//! 1. detrends `y - T`,
//! 2. smooths every cycle-subseries with LOESS (`seasonal` window) and
//!    extrapolates one cycle at each end (`stlss`) giving `C` (n + 2 period),
//! 3. low-passes `C` with moving averages of length `period`, `period`, 3 and a
//!    LOESS (`low_pass` window) giving `L` (`stlfts` + `stless`),
//! 4. sets `S = C - L` and smooths `y - S` with LOESS (`trend` window) into `T`.
//!
//! Outer loops recompute bisquare robustness weights from `y - T - S`
//! (`stlrwt`, bisquare weights `(1 - (r / 6 median|r|)^2)^2`). Results equal statsmodels' up to
//! floating-point rounding (golden tests check 1e-8).

use serde::{Deserialize, Serialize};

use super::error::{StlError, first_non_finite};
use super::loess::{Loess, Robust, for_each_piece};
pub use super::params::{StlConfig, StlOptions, StlParams};

/// Result of an STL decomposition: `observed = trend + seasonal + remainder`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StlReport {
    /// The resolved settings that produced this result.
    pub config: StlConfig,
    /// The input series.
    pub observed: Vec<f64>,
    /// Trend component `T`.
    pub trend: Vec<f64>,
    /// Seasonal component `S`.
    pub seasonal: Vec<f64>,
    /// Remainder `R = (observed - seasonal) - trend`.
    pub remainder: Vec<f64>,
    /// Final robustness weights in `[0, 1]` (all 1 when not robust).
    pub weights: Vec<f64>,
}

/// Decomposes `y` with STL using statsmodels' algorithm and defaults.
///
/// Errors: invalid parameters (see [`StlParams::resolve`]), fewer than
/// `2 * period` observations, or a NaN / infinite observation.
pub fn decompose(y: &[f64], params: &StlParams) -> Result<StlReport, StlError> {
    let config = params.resolve()?;
    let needed = 2 * config.period;
    if y.len() < needed {
        return Err(StlError::SeriesTooShort {
            len: y.len(),
            needed,
        });
    }
    if let Some((index, value)) = first_non_finite(y) {
        return Err(StlError::NonFiniteValue { index, value });
    }
    let mut engine = Engine::new(y.len(), &config);
    engine.run(y);
    let Engine {
        trend,
        season: seasonal,
        weights,
        ..
    } = engine;
    let remainder = y
        .iter()
        .zip(&seasonal)
        .zip(&trend)
        .map(|((y, s), t)| (y - s) - t)
        .collect();
    Ok(StlReport {
        config,
        observed: y.to_vec(),
        trend,
        seasonal,
        remainder,
        weights,
    })
}

/// All state and work buffers of one decomposition, allocated once so the
/// loops never allocate.
struct Engine {
    cfg: StlConfig,
    seasonal_loess: Loess,
    trend_loess: Loess,
    low_pass_loess: Loess,
    trend: Vec<f64>,
    season: Vec<f64>,
    weights: Vec<f64>,
    /// `y - T`, later `y - S`, and scratch for the median.
    detrended: Vec<f64>,
    /// Extended cycle-subseries smooth `C` (n + 2 period).
    cycle: Vec<f64>,
    /// Moving-average / low-pass scratch (n + 2 period each).
    ma_a: Vec<f64>,
    ma_b: Vec<f64>,
    /// Longest cycle-subseries length, `ceil(n / period)`.
    sub_len: usize,
    /// All cycle-subseries as rows (`period` rows of stride `sub_len`), their
    /// robustness weights (only allocated for robust fits) and their extended
    /// smooths (stride `sub_len + 2`). Transposing in one sequential pass is
    /// much faster than strided access per subseries.
    sub_y: Vec<f64>,
    sub_w: Vec<f64>,
    sub_out: Vec<f64>,
    /// Interior fit coefficients of the robustness weights (see [`Robust`]),
    /// computed once per outer pass: for the trend (2 per position) and the
    /// cycle-subseries rows (row stride `2 sub_len`). Empty when not robust.
    trend_coef: Vec<f64>,
    sub_coef: Vec<f64>,
}

impl Engine {
    fn new(n: usize, cfg: &StlConfig) -> Self {
        let ext = n + 2 * cfg.period;
        let longest_sub = (n - 1) / cfg.period + 1;
        Self {
            cfg: *cfg,
            seasonal_loess: Loess::new(cfg.seasonal, cfg.seasonal_deg > 0, cfg.seasonal_jump),
            trend_loess: Loess::new(cfg.trend, cfg.trend_deg > 0, cfg.trend_jump),
            low_pass_loess: Loess::new(cfg.low_pass, cfg.low_pass_deg > 0, cfg.low_pass_jump),
            trend: vec![0.0; n],
            season: vec![0.0; n],
            weights: vec![1.0; n],
            detrended: vec![0.0; n],
            cycle: vec![0.0; ext],
            ma_a: vec![0.0; ext],
            ma_b: vec![0.0; ext],
            sub_len: longest_sub,
            sub_y: vec![0.0; cfg.period * longest_sub],
            sub_w: vec![
                0.0;
                if cfg.outer_iter > 0 {
                    cfg.period * longest_sub
                } else {
                    0
                }
            ],
            sub_out: vec![0.0; cfg.period * (longest_sub + 2)],
            trend_coef: vec![0.0; if cfg.outer_iter > 0 { 2 * n } else { 0 }],
            sub_coef: vec![
                0.0;
                if cfg.outer_iter > 0 {
                    2 * cfg.period * longest_sub
                } else {
                    0
                }
            ],
        }
    }

    /// statsmodels `fit`: `outer_iter + 1` passes of `inner_iter` loops, the
    /// first without robustness weights.
    fn run(&mut self, y: &[f64]) {
        let mut use_weights = false;
        for outer in 0..=self.cfg.outer_iter {
            for _ in 0..self.cfg.inner_iter {
                self.inner_loop(y, use_weights);
            }
            if outer == self.cfg.outer_iter {
                break;
            }
            robustness_weights(
                y,
                &self.trend,
                &self.season,
                &mut self.weights,
                &mut self.detrended,
            );
            self.prepare_weights();
            use_weights = true;
        }
    }

    /// After new robustness weights: their cycle-subseries rows and the
    /// interior fit coefficients of the seasonal and trend smoothers, which
    /// stay fixed for the outer pass's inner loops.
    fn prepare_weights(&mut self) {
        let n = self.weights.len();
        let p = self.cfg.period;
        let len = self.sub_len;
        transpose_into_rows(&self.weights, p, len, &mut self.sub_w);
        let (loess, sub_w) = (&self.seasonal_loess, &self.sub_w);
        for_each_piece(&mut self.sub_coef, 2 * len, |offset, rows| {
            for (r, coef) in rows.chunks_mut(2 * len).enumerate() {
                let j = offset / (2 * len) + r;
                let k = (n - (j + 1)) / p + 1;
                let w = &sub_w[j * len..j * len + k];
                loess.coefficients(w, &mut coef[..2 * k], false);
            }
        });
        self.trend_loess
            .coefficients(&self.weights, &mut self.trend_coef, true);
    }

    /// One inner loop (netlib `stlstp` body).
    fn inner_loop(&mut self, y: &[f64], use_weights: bool) {
        let n = y.len();
        let p = self.cfg.period;
        let trend = &self.trend;
        for_each_piece(&mut self.detrended, 1, |offset, piece| {
            let (y, t) = (&y[offset..], &trend[offset..]);
            for ((d, y), t) in piece.iter_mut().zip(y).zip(t) {
                *d = y - t;
            }
        });
        self.cycle_subseries(use_weights);
        // Low-pass filter of C: moving averages p, p, 3 then LOESS.
        moving_average(&self.cycle, p, &mut self.ma_a[..n + p + 1]);
        moving_average(&self.ma_a[..n + p + 1], p, &mut self.ma_b[..n + 2]);
        moving_average(&self.ma_b[..n + 2], 3, &mut self.ma_a[..n]);
        self.low_pass_loess
            .smooth_with(&self.ma_a[..n], None, &mut self.ma_b[..n], true);
        let cycle = &self.cycle[p..p + n];
        let low = &self.ma_b[..n];
        for ((((s, d), y), c), l) in self
            .season
            .iter_mut()
            .zip(&mut self.detrended)
            .zip(y)
            .zip(cycle)
            .zip(low)
        {
            *s = c - l;
            *d = y - *s;
        }
        let robust = use_weights.then_some(Robust {
            weights: &self.weights,
            coef: &self.trend_coef,
        });
        self.trend_loess
            .smooth_with(&self.detrended, robust, &mut self.trend, true);
    }

    /// Smooths each cycle-subseries of `detrended` and extends it by one value
    /// at each end (netlib `stlss`), writing the extended result into `cycle`.
    fn cycle_subseries(&mut self, use_weights: bool) {
        let n = self.detrended.len();
        let p = self.cfg.period;
        let ns = self.cfg.seasonal;
        let (len, out_len) = (self.sub_len, self.sub_len + 2);
        transpose_into_rows(&self.detrended, p, len, &mut self.sub_y);
        let loess = &self.seasonal_loess;
        let (sub_y, sub_w, sub_coef) = (&self.sub_y, &self.sub_w, &self.sub_coef);
        // Rows are independent: split them across the cores.
        for_each_piece(&mut self.sub_out, out_len, |offset, rows| {
            for (r, out) in rows.chunks_mut(out_len).enumerate() {
                let j = offset / out_len + r;
                // Subseries j holds positions j, j + p, ... < n.
                let k = (n - (j + 1)) / p + 1;
                let sub_y = &sub_y[j * len..j * len + k];
                let robust = use_weights.then(|| Robust {
                    weights: &sub_w[j * len..j * len + k],
                    coef: &sub_coef[2 * j * len..2 * (j * len + k)],
                });
                let sub_w = robust.map(|r| r.weights);
                let out = &mut out[..k + 2];
                loess.smooth_with(sub_y, robust, &mut out[1..=k], false);
                // Extrapolate one cycle before and after with the end windows.
                let first = loess.fit_at(sub_y, sub_w, -1, 0, ns.min(k) - 1);
                out[0] = first.unwrap_or(out[1]);
                let last = loess.fit_at(sub_y, sub_w, k as isize, k.saturating_sub(ns), k - 1);
                out[k + 1] = last.unwrap_or(out[k]);
            }
        });
        // Every position m * p + j of `cycle` (n + 2p) is column m < k_j + 2
        // of row j.
        transpose_from_rows(&self.sub_out, p, out_len, &mut self.cycle);
    }
}

/// Columns per tile of the cache-blocked transposes: a tile of `TILE * p`
/// values stays in cache while rows are read or written sequentially.
const TILE: usize = 64;

/// Scatters `src` (position `i * p + j`) into `rows` (row `j`, column `i`,
/// row stride `stride`), tile by tile, the rows split across the cores.
fn transpose_into_rows(src: &[f64], p: usize, stride: usize, rows: &mut [f64]) {
    let cycles = src.len().div_ceil(p);
    for_each_piece(rows, stride, |offset, piece| {
        let first_row = offset / stride;
        for start in (0..cycles).step_by(TILE) {
            let stop = (start + TILE).min(cycles);
            for (r, row) in piece.chunks_mut(stride).enumerate() {
                let j = first_row + r;
                // Row j has columns i with i * p + j < len.
                let stop_j = stop.min((src.len() + p - 1 - j) / p);
                for (i, slot) in row.iter_mut().enumerate().take(stop_j).skip(start) {
                    *slot = src[i * p + j];
                }
            }
        }
    });
}

/// Gathers `dst[m * p + j] = rows[j * stride + m]` for every position of
/// `dst`, tile by tile, ranges of whole columns split across the cores.
fn transpose_from_rows(rows: &[f64], p: usize, stride: usize, dst: &mut [f64]) {
    for_each_piece(dst, p * TILE, |offset, piece| {
        let first_column = offset / p;
        let columns = piece.len().div_ceil(p);
        for start in (0..columns).step_by(TILE) {
            let stop = (start + TILE).min(columns);
            for j in 0..p {
                let stop_j = stop.min((piece.len() + p - 1 - j) / p);
                let row = &rows[j * stride + first_column..(j + 1) * stride];
                for (m, v) in row.iter().enumerate().take(stop_j).skip(start) {
                    piece[m * p + j] = *v;
                }
            }
        }
    });
}

/// Running moving average of window `len` over `x` into `out`
/// (`out.len() == x.len() - len + 1`), with the Fortran's running-sum update
/// order so rounding matches statsmodels.
fn moving_average(x: &[f64], len: usize, out: &mut [f64]) {
    let flen = len as f64;
    let mut v = x[..len].iter().fold(0.0, |acc, x| acc + x);
    out[0] = v;
    for j in 1..out.len() {
        v += x[len + j - 1] - x[j - 1];
        out[j] = v;
    }
    // The divisions in a separate pass vectorise (same results).
    out.iter_mut().for_each(|o| *o /= flen);
}

/// Bisquare robustness weights (netlib `stlrwt`, statsmodels' fixed median):
///
/// ```text
/// r_i = |y_i - (T_i + S_i)|,  h = 6 * median(r)  (3 * sum of the two middle order statistics)
/// w_i = 1 if r_i <= 0.001 h;  (1 - (r_i / h)^2)^2 if r_i <= 0.999 h;  0 otherwise
/// ```
///
/// and all weights 1 when `h == 0`. `scratch` (length n) is overwritten.
pub(super) fn robustness_weights(
    y: &[f64],
    trend: &[f64],
    season: &[f64],
    weights: &mut [f64],
    scratch: &mut [f64],
) {
    let n = y.len();
    for i in 0..n {
        weights[i] = (y[i] - (trend[i] + season[i])).abs();
    }
    let (lo, hi) = middle_pair(weights, scratch);
    let cmad = 3.0 * (hi + lo);
    if cmad == 0.0 {
        weights.fill(1.0);
        return;
    }
    let (c1, c9) = (0.001 * cmad, 0.999 * cmad);
    for w in weights.iter_mut() {
        *w = if *w <= c1 {
            1.0
        } else if *w <= c9 {
            let u = *w / cmad;
            let t = 1.0 - u * u;
            t * t
        } else {
            0.0
        };
    }
}

/// The two middle order statistics (ranks `(n - 1) / 2` and `n / 2`, equal
/// for odd `n`) of the non-negative values `v` (`n >= 1`).
///
/// A radix select instead of sorting or `select_nth_unstable` on all `n`: the
/// bit patterns of non-negative floats order like the floats, so one counting
/// pass over the top 16 bits (sign, exponent, 4 mantissa bits) finds the
/// buckets holding both ranks, and only those buckets' values (a few percent
/// for spread-out residuals) are gathered into `scratch` (length `>= n`) and
/// selected.
fn middle_pair(v: &[f64], scratch: &mut [f64]) -> (f64, f64) {
    const SHIFT: u32 = 48;
    let n = v.len();
    let (lo_rank, hi_rank) = ((n - 1) / 2, n / 2);
    let mut counts = vec![0u32; 1 << (64 - SHIFT)];
    let bucket = |x: f64| (x.to_bits() >> SHIFT) as usize;
    for &x in v {
        counts[bucket(x)] += 1;
    }
    // First bucket whose cumulative count passes `rank`, and the count before it.
    let locate = |rank: usize| {
        let mut before = 0usize;
        for (b, &c) in counts.iter().enumerate() {
            if before + c as usize > rank {
                return (b, before);
            }
            before += c as usize;
        }
        unreachable!("rank {rank} < n = {n}")
    };
    let (b_lo, before) = locate(lo_rank);
    let (b_hi, _) = locate(hi_rank);
    // Branch-free gather (`scratch` holds n): always store, advance on a hit.
    let mut m = 0;
    for &x in v {
        scratch[m] = x;
        m += usize::from((b_lo..=b_hi).contains(&bucket(x)));
    }
    let candidates = &mut scratch[..m];
    let (below, &mut hi, _) = candidates.select_nth_unstable_by(hi_rank - before, f64::total_cmp);
    // The lower middle order statistic is the largest value below the upper one.
    let lo = if lo_rank == hi_rank {
        hi
    } else {
        below.iter().copied().fold(f64::NEG_INFINITY, f64::max)
    };
    (lo, hi)
}

#[cfg(test)]
mod tests;

//! LOESS tests against a literal transcription of the Fortran routines.
use super::*;

/// Straightforward transcription of the Fortran `stlest` used as an oracle.
fn est_reference(
    y: &[f64],
    len: usize,
    linear: bool,
    xs: f64,
    nleft: usize,
    nright: usize,
    rw: Option<&[f64]>,
) -> Option<f64> {
    let n = y.len();
    let range = n as f64 - 1.0;
    let mut h = (xs - nleft as f64).max(nright as f64 - xs);
    if len > n {
        h += ((len - n) / 2) as f64;
    }
    let mut w = vec![0.0; n];
    let mut a = 0.0;
    for j in nleft - 1..nright {
        let r = (j as f64 + 1.0 - xs).abs();
        if r <= 0.999 * h {
            w[j] = if r <= 0.001 * h {
                1.0
            } else {
                (1.0 - (r / h).powi(3)).powi(3)
            };
            if let Some(rw) = rw {
                w[j] *= rw[j];
            }
            a += w[j];
        }
    }
    if a <= 0.0 {
        return None;
    }
    (nleft - 1..nright).for_each(|j| w[j] /= a);
    if h > 0.0 && linear {
        let a: f64 = (nleft - 1..nright).map(|j| w[j] * (j as f64 + 1.0)).sum();
        let mut b = xs - a;
        let c: f64 = (nleft - 1..nright)
            .map(|j| w[j] * (j as f64 + 1.0 - a).powi(2))
            .sum();
        if c.sqrt() > 0.001 * range {
            b /= c;
            (nleft - 1..nright).for_each(|j| w[j] *= b * (j as f64 + 1.0 - a) + 1.0);
        }
    }
    Some((nleft - 1..nright).map(|j| w[j] * y[j]).sum())
}

#[test]
fn fit_matches_fortran_transcription() {
    let y: Vec<f64> = (0..40)
        .map(|i| ((i * 7919) % 31) as f64 * 0.3 + (i as f64).sin())
        .collect();
    let rw: Vec<f64> = (0..40).map(|i| ((i * 13) % 10) as f64 / 9.0).collect();
    for len in [3, 4, 7, 11, 15, 45] {
        for linear in [false, true] {
            let lo = Loess::new(len, linear, 1);
            for xs in -1..=40isize {
                let nleft = (xs.max(0) as usize).saturating_sub(len / 2).min(39);
                let nright = (nleft + len - 1).min(39);
                for weights in [None, Some(rw.as_slice())] {
                    let got = lo.fit_at(&y, weights, xs, nleft, nright);
                    let want = est_reference(
                        &y,
                        len,
                        linear,
                        xs as f64 + 1.0,
                        nleft + 1,
                        nright + 1,
                        weights,
                    );
                    match (got, want) {
                        (Some(g), Some(w)) => {
                            assert!((g - w).abs() < 1e-12, "len {len} xs {xs}: {g} vs {w}")
                        }
                        (g, w) => assert_eq!(g.is_none(), w.is_none()),
                    }
                }
            }
        }
    }
}

/// Straightforward transcription of the Fortran `stless` (1-based windows).
fn ess_reference(y: &[f64], len: usize, linear: bool, jump: usize, rw: Option<&[f64]>) -> Vec<f64> {
    let n = y.len();
    let mut ys = vec![0.0; n];
    let step = jump.min(n - 1);
    let est = |xs: usize, l: usize, r: usize| est_reference(y, len, linear, xs as f64, l, r, rw);
    let (mut nleft, mut nright) = (1, n);
    if len >= n {
        for i in (0..n).step_by(step) {
            ys[i] = est(i + 1, 1, n).unwrap_or(y[i]);
        }
    } else if step == 1 {
        let nsh = (len + 2) / 2;
        (nleft, nright) = (1, len);
        for i in 0..n {
            if i + 1 > nsh && nright != n {
                nleft += 1;
                nright += 1;
            }
            ys[i] = est(i + 1, nleft, nright).unwrap_or(y[i]);
        }
        return ys;
    } else {
        let nsh = len.div_ceil(2);
        for i in (0..n).step_by(step) {
            (nleft, nright) = if i + 1 < nsh {
                (1, len)
            } else if i + 1 > n - nsh {
                (n - len + 1, n)
            } else {
                (i + 1 - nsh + 1, len + i + 1 - nsh)
            };
            ys[i] = est(i + 1, nleft, nright).unwrap_or(y[i]);
        }
    }
    if step == 1 {
        return ys;
    }
    let mut i = 0;
    while i < n - step {
        let delta = (ys[i + step] - ys[i]) / step as f64;
        for j in i..i + step {
            ys[j] = ys[i] + delta * (j - i) as f64;
        }
        i += step;
    }
    let k = ((n - 1) / step) * step + 1;
    if k != n {
        ys[n - 1] = est(n, nleft, nright).unwrap_or(y[n - 1]);
        if k != n - 1 {
            let delta = (ys[n - 1] - ys[k - 1]) / (n - k) as f64;
            for j in k..n {
                ys[j] = ys[k - 1] + delta * (j + 1 - k) as f64;
            }
        }
    }
    ys
}

#[test]
fn smoothing_matches_fortran_transcription() {
    for n in [2, 3, 5, 9, 20, 41, 150] {
        let y: Vec<f64> = (0..n)
            .map(|i| ((i * 7919) % 31) as f64 * 0.3 + (i as f64 * 0.4).sin())
            .collect();
        // Include zero weights so some windows have no usable point.
        let rw: Vec<f64> = (0..n)
            .map(|i| {
                if i % 5 == 3 {
                    0.0
                } else {
                    ((i * 13) % 10) as f64 / 9.0
                }
            })
            .collect();
        for len in [3, 4, 7, 10, 15, 31, 201] {
            for jump in [1, 2, 3, 7] {
                for linear in [false, true] {
                    for weights in [None, Some(rw.as_slice())] {
                        let mut got = vec![0.0; n];
                        Loess::new(len, linear, jump).smooth(&y, weights, &mut got);
                        let want = ess_reference(&y, len, linear, jump, weights);
                        for (g, w) in got.iter().zip(&want) {
                            assert!(
                                (g - w).abs() < 1e-11,
                                "n {n} len {len} jump {jump}: {g} vs {w}"
                            );
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn smoothing_reproduces_a_line() {
    let y: Vec<f64> = (0..50).map(|i| 2.0 + 0.5 * i as f64).collect();
    for jump in [1, 2, 3, 7] {
        let mut out = vec![0.0; 50];
        Loess::new(9, true, jump).smooth(&y, None, &mut out);
        for (a, b) in out.iter().zip(&y) {
            assert!((a - b).abs() < 1e-10);
        }
    }
}

/// A series long enough that the interior run is split across threads: the
/// split must not change a bit (serial vs parallel smooth and coefficients),
/// and sampled points must equal the Fortran transcription.
#[test]
fn long_smooth_is_split_exactly_and_matches_fortran() {
    let n = 70_000;
    let y: Vec<f64> = (0..n)
        .map(|i| ((i * 7919) % 31) as f64 * 0.3 + (i as f64 * 0.01).sin())
        .collect();
    let rw: Vec<f64> = (0..n)
        .map(|i| {
            if i % 11 == 3 {
                0.0
            } else {
                ((i * 13) % 10) as f64 / 9.0
            }
        })
        .collect();
    for (len, linear) in [(47, true), (25, false), (7, true)] {
        let lo = Loess::new(len, linear, 1);
        for weights in [None, Some(rw.as_slice())] {
            let mut coef = vec![0.0; 2 * n];
            if let Some(w) = weights {
                lo.coefficients(w, &mut coef, false);
            }
            let robust = weights.map(|w| Robust {
                weights: w,
                coef: &coef,
            });
            let mut serial = vec![0.0; n];
            lo.smooth_with(&y, robust, &mut serial, false);
            let mut parallel = vec![0.0; n];
            lo.smooth(&y, weights, &mut parallel);
            assert!(
                serial
                    .iter()
                    .zip(&parallel)
                    .all(|(a, b)| a.to_bits() == b.to_bits()),
                "len {len}: the threaded smooth differs from the serial one"
            );
            let shift_after = (len + 2) / 2;
            for i in (0..n).step_by(997).chain([n - 1]) {
                let nleft = (i + 1).saturating_sub(shift_after).min(n - len) + 1;
                let want = est_reference(
                    &y,
                    len,
                    linear,
                    i as f64 + 1.0,
                    nleft,
                    nleft + len - 1,
                    weights,
                )
                .unwrap_or(y[i]);
                assert!(
                    (serial[i] - want).abs() < 1e-11,
                    "len {len} i {i}: {} vs {want}",
                    serial[i]
                );
            }
        }
    }
}

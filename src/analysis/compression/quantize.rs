//! Symmetric max-abs quantization of weight matrices, and fp16 rounding.
//!
//! A weight matrix is stored row-major as `[rows, cols]` = `[in, out]` (the layout of an ONNX
//! `MatMul` weight), so an output channel is a column. For `b` bits the integer grid is
//! `q ∈ [−(2^(b−1) − 1), 2^(b−1) − 1]` (symmetric, no zero point), the scale of a group is
//! `s = max|w| / (2^(b−1) − 1)` (1 when the group is all zeros), `q = round(w / s)` and the
//! dequantized weight is `q · s` computed in f32 — exactly what ONNX `DequantizeLinear` does, so
//! a file with integer weights reproduces the fake-quantized model bit for bit.

use serde::{Deserialize, Serialize};

/// How many weights share one scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum Granularity {
    /// One scale for the whole tensor.
    #[default]
    PerTensor,
    /// One scale per output channel (column of an `[in, out]` weight).
    PerChannel,
}

/// Integer weights and their scales (one, or one per column).
#[derive(Debug, Clone, PartialEq)]
pub struct Quantized {
    pub q: Vec<i8>,
    pub scales: Vec<f32>,
    pub cols: usize,
}

impl Quantized {
    /// The scale that applies to element `i` of the row-major matrix.
    pub fn scale_of(&self, i: usize) -> f32 {
        if self.scales.len() == 1 {
            self.scales[0]
        } else {
            self.scales[i % self.cols]
        }
    }

    /// `q · s` in f32, element by element.
    pub fn dequantize(&self) -> Vec<f32> {
        self.q
            .iter()
            .enumerate()
            .map(|(i, &q)| f32::from(q) * self.scale_of(i))
            .collect()
    }
}

/// Largest integer magnitude for `bits` (2..=8): 127 for 8 bits, 7 for 4 bits.
pub fn qmax(bits: u32) -> i32 {
    (1 << (bits.clamp(2, 8) - 1)) - 1
}

/// Quantize a row-major `[rows, cols]` matrix symmetrically to `bits` bits.
pub fn quantize(w: &[f32], cols: usize, bits: u32, granularity: Granularity) -> Quantized {
    let cols = cols.max(1);
    let qm = qmax(bits) as f32;
    let scale_for = |max_abs: f32| {
        if max_abs > 0.0 && max_abs.is_finite() {
            max_abs / qm
        } else {
            1.0
        }
    };
    let scales: Vec<f32> = match granularity {
        Granularity::PerTensor => vec![scale_for(w.iter().fold(0.0f32, |m, v| m.max(v.abs())))],
        Granularity::PerChannel => {
            let mut max_abs = vec![0.0f32; cols];
            for (i, v) in w.iter().enumerate() {
                let c = &mut max_abs[i % cols];
                *c = c.max(v.abs());
            }
            max_abs.into_iter().map(scale_for).collect()
        }
    };
    let mut out = Quantized {
        q: Vec::with_capacity(w.len()),
        scales,
        cols,
    };
    for (i, v) in w.iter().enumerate() {
        let s = out.scale_of(i);
        out.q.push((v / s).round().clamp(-qm, qm) as i8);
    }
    out
}

/// Quantize then dequantize in place ("fake quantization"); returns the scales.
pub fn fake_quantize(w: &mut [f32], cols: usize, bits: u32, granularity: Granularity) -> Vec<f32> {
    let q = quantize(w, cols, bits, granularity);
    for (dst, v) in w.iter_mut().zip(q.dequantize()) {
        *dst = v;
    }
    q.scales
}

/// Round every value to the nearest IEEE half-precision number (and back to f32).
pub fn round_to_f16(w: &mut [f32]) {
    for v in w {
        *v = half::f16::from_f32(*v).to_f32();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn per_tensor_int8_known_values() {
        let w = [1.27f32, -0.5, 0.0, 0.635];
        let q = quantize(&w, 2, 8, Granularity::PerTensor);
        assert_eq!(q.scales, vec![0.01]);
        assert_eq!(q.q, vec![127, -50, 0, 64]);
    }

    #[test]
    fn per_channel_uses_column_max() {
        // [[1, 10], [-0.25, 6]]: column 0 max 1, column 1 max 10.
        let w = [1.0f32, 10.0, -0.25, 6.0];
        let q = quantize(&w, 2, 4, Granularity::PerChannel);
        assert_eq!(q.scales, vec![1.0 / 7.0, 10.0 / 7.0]);
        assert_eq!(q.q, vec![7, 7, -2, 4]);
    }

    #[test]
    fn zero_tensor_gets_unit_scale() {
        let mut w = [0.0f32; 4];
        assert_eq!(
            fake_quantize(&mut w, 2, 8, Granularity::PerTensor),
            vec![1.0]
        );
        assert_eq!(w, [0.0; 4]);
    }

    proptest! {
        #[test]
        fn error_at_most_half_a_step(w in proptest::collection::vec(-100.0f32..100.0, 1..64),
                                     bits in prop_oneof![Just(4u32), Just(8u32)],
                                     per_channel in any::<bool>()) {
            let cols = if w.len() % 4 == 0 { 4 } else { 1 };
            let g = if per_channel { Granularity::PerChannel } else { Granularity::PerTensor };
            let q = quantize(&w, cols, bits, g);
            let d = q.dequantize();
            for (i, (a, b)) in w.iter().zip(&d).enumerate() {
                let step = q.scale_of(i);
                prop_assert!((a - b).abs() <= step * 0.5 * (1.0 + 1e-5) + 1e-6);
            }
        }
    }
}

//! Packed size: how many bytes a model's parameters need in a compact deployment format.
//!
//! Per weight tensor of `numel = rows · cols` entries (`[in, out]`, stored by rows), `nnz`
//! non-zero entries and `b` bits per stored value:
//! - dense: `⌈numel · b / 8⌉`
//! - bitmap: `⌈numel / 8⌉ + ⌈nnz · b / 8⌉` (one presence bit per entry, then the non-zeros)
//! - CSR: `⌈nnz · b / 8⌉ + nnz · idx + (rows + 1) · 4`, `idx` = 1 byte when `cols ≤ 256`, else 2
//!
//! and the smallest of the three is taken. Scales add 4 bytes per tensor (per-tensor) or 4 bytes
//! per output column (per-channel); float formats have none. Biases stay f32 (4 bytes each).
//!
//! Trees: each internal node stores a feature id (1 byte for ≤ 256 features, else 2), a threshold
//! (`⌈b_t / 8⌉` bytes) and two child indices (2 bytes each); the leaves' values take
//! `⌈leaves · b_l / 8⌉` bytes.

use serde::Serialize;

use super::Granularity;

/// One weight tensor as stored.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WeightStorage {
    pub rows: usize,
    pub cols: usize,
    pub nnz: usize,
    /// Bits per stored value: 32, 16, 8 or 4.
    pub bits: u32,
    /// Scales for integer formats; `None` for floats.
    pub granularity: Option<Granularity>,
}

/// Which layout the formula chose for a tensor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    Dense,
    Bitmap,
    Csr,
}

/// Bytes of one tensor in each layout (scales included) and the chosen one.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TensorBytes {
    pub dense: u64,
    pub bitmap: u64,
    pub csr: u64,
    pub layout: Layout,
}

impl TensorBytes {
    pub fn best(&self) -> u64 {
        self.dense.min(self.bitmap).min(self.csr)
    }
}

fn bits_to_bytes(n: u64, bits: u32) -> u64 {
    (n * u64::from(bits)).div_ceil(8)
}

/// The formula of the module documentation for one tensor.
pub fn tensor_bytes(w: &WeightStorage) -> TensorBytes {
    let numel = (w.rows * w.cols) as u64;
    let nnz = w.nnz as u64;
    let scales = match w.granularity {
        None => 0,
        Some(Granularity::PerTensor) => 4,
        Some(Granularity::PerChannel) => 4 * w.cols as u64,
    };
    let idx = if w.cols <= 256 { 1 } else { 2 };
    let dense = bits_to_bytes(numel, w.bits) + scales;
    let bitmap = numel.div_ceil(8) + bits_to_bytes(nnz, w.bits) + scales;
    let csr = bits_to_bytes(nnz, w.bits) + nnz * idx + (w.rows as u64 + 1) * 4 + scales;
    let layout = if dense <= bitmap && dense <= csr {
        Layout::Dense
    } else if bitmap <= csr {
        Layout::Bitmap
    } else {
        Layout::Csr
    };
    TensorBytes {
        dense,
        bitmap,
        csr,
        layout,
    }
}

/// Packed bytes of a layered model: the best layout per weight tensor plus f32 biases.
pub fn layered_bytes(weights: &[WeightStorage], bias_count: usize) -> u64 {
    weights.iter().map(|w| tensor_bytes(w).best()).sum::<u64>() + 4 * bias_count as u64
}

/// The same model stored dense (what a pruned model costs without sparse storage).
pub fn layered_dense_bytes(weights: &[WeightStorage], bias_count: usize) -> u64 {
    weights.iter().map(|w| tensor_bytes(w).dense).sum::<u64>() + 4 * bias_count as u64
}

/// Packed bytes of a tree ensemble with `internal` split nodes and `leaves` leaves.
pub fn tree_bytes(
    internal: usize,
    leaves: usize,
    features: usize,
    threshold_bits: u32,
    leaf_bits: u32,
) -> u64 {
    let feature_id = if features <= 256 { 1 } else { 2 };
    internal as u64 * (feature_id + bits_to_bytes(1, threshold_bits) + 4)
        + bits_to_bytes(leaves as u64, leaf_bits)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The MLP 20-64-32-1 of TOOLCHAIN.md §5 (3 360 weights, 97 biases).
    fn mlp(bits: u32, g: Option<Granularity>, density: f64) -> Vec<WeightStorage> {
        [(20, 64), (64, 32), (32, 1)]
            .into_iter()
            .map(|(rows, cols)| WeightStorage {
                rows,
                cols,
                nnz: ((rows * cols) as f64 * density).round() as usize,
                bits,
                granularity: g,
            })
            .collect()
    }

    #[test]
    fn matches_the_worked_table() {
        let dense = |b, g| layered_dense_bytes(&mlp(b, g, 1.0), 97);
        assert_eq!(dense(32, None), 13_828);
        assert_eq!(dense(16, None), 7_108);
        assert_eq!(dense(8, Some(Granularity::PerTensor)), 3_760);
        assert_eq!(dense(8, Some(Granularity::PerChannel)), 4_136);
        assert_eq!(dense(4, Some(Granularity::PerTensor)), 2_080);
        assert_eq!(dense(4, Some(Granularity::PerChannel)), 2_456);
        let sum = |b, g, d, f: fn(&TensorBytes) -> u64| {
            mlp(b, g, d)
                .iter()
                .map(|w| f(&tensor_bytes(w)))
                .sum::<u64>()
                + 388
        };
        assert_eq!(sum(32, None, 1.0, |t| t.bitmap), 14_248);
        assert_eq!(sum(32, None, 1.0, |t| t.csr), 17_664);
        assert_eq!(sum(32, None, 0.5, |t| t.bitmap), 7_528);
        assert_eq!(sum(32, None, 0.5, |t| t.csr), 9_264);
        assert_eq!(layered_bytes(&mlp(32, None, 0.1), 97), 2_152);
    }

    #[test]
    fn tree_formula() {
        // 699 internal nodes, 799 leaves, 20 features (TOOLCHAIN.md §5): ≈ 9.5 KB at fp32.
        assert_eq!(tree_bytes(699, 799, 20, 32, 32), 699 * 9 + 799 * 4);
        assert_eq!(tree_bytes(699, 799, 20, 16, 8), 699 * 7 + 799);
        assert_eq!(tree_bytes(699, 799, 20, 16, 4), 699 * 7 + 400);
    }
}

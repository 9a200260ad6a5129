//! Pruning masks: unstructured magnitude pruning (per layer or global) and the importance of
//! hidden units for structured (neuron) pruning.

/// Indices of the `floor(sparsity · n)` smallest-magnitude entries over several tensors, as
/// `(tensor, index)` pairs. Ties are broken by position, so exactly that many are chosen.
pub fn smallest_magnitudes(tensors: &[&[f32]], sparsity: f64) -> Vec<(usize, usize)> {
    let mut all: Vec<(f32, usize, usize)> = tensors
        .iter()
        .enumerate()
        .flat_map(|(t, w)| w.iter().enumerate().map(move |(i, v)| (v.abs(), t, i)))
        .collect();
    let k = ((sparsity.clamp(0.0, 1.0)) * all.len() as f64).floor() as usize;
    if k == 0 {
        return Vec::new();
    }
    all.select_nth_unstable_by(k - 1, |a, b| {
        a.0.total_cmp(&b.0).then((a.1, a.2).cmp(&(b.1, b.2)))
    });
    all.truncate(k);
    all.into_iter().map(|(_, t, i)| (t, i)).collect()
}

/// Zero the `floor(sparsity · n)` smallest-magnitude entries of one tensor; returns how many.
pub fn prune_tensor(w: &mut [f32], sparsity: f64) -> usize {
    let picked = smallest_magnitudes(&[w], sparsity);
    for &(_, i) in &picked {
        w[i] = 0.0;
    }
    picked.len()
}

/// Importance of hidden unit `j` between an incoming `[in, h]` and an outgoing `[h, out]`
/// weight: `‖W_in[:, j]‖₂ · ‖W_out[j, :]‖₂` (a unit with a small input or output fan matters
/// little). Returns one value per unit.
pub fn unit_importance(w_in: &[f32], h: usize, w_out: &[f32], out: usize) -> Vec<f64> {
    let mut inc = vec![0.0f64; h];
    for (i, v) in w_in.iter().enumerate() {
        inc[i % h] += f64::from(*v).powi(2);
    }
    (0..h)
        .map(|j| {
            let outgoing: f64 = w_out[j * out..(j + 1) * out]
                .iter()
                .map(|v| f64::from(*v).powi(2))
                .sum();
            inc[j].sqrt() * outgoing.sqrt()
        })
        .collect()
}

/// Units to keep (sorted) when removing `fraction` of `importance.len()` units, least important
/// first; at least one unit is kept.
pub fn units_to_keep(importance: &[f64], fraction: f64) -> Vec<usize> {
    let h = importance.len();
    let remove = ((fraction.clamp(0.0, 1.0) * h as f64).round() as usize).min(h.saturating_sub(1));
    let mut order: Vec<usize> = (0..h).collect();
    order.sort_by(|&a, &b| importance[a].total_cmp(&importance[b]).then(a.cmp(&b)));
    let mut keep = order[remove..].to_vec();
    keep.sort_unstable();
    keep
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prunes_exact_count_of_smallest() {
        let mut w = [0.5f32, -0.1, 0.3, -0.9, 0.2, 0.0];
        assert_eq!(prune_tensor(&mut w, 0.5), 3);
        assert_eq!(w, [0.5, 0.0, 0.3, -0.9, 0.0, 0.0]);
    }

    #[test]
    fn global_pruning_spans_tensors() {
        let a = [0.1f32, 0.9];
        let b = [0.2f32, 0.05, 0.8, 0.7];
        let mut picked = smallest_magnitudes(&[&a, &b], 0.5);
        picked.sort();
        assert_eq!(picked, vec![(0, 0), (1, 0), (1, 1)]);
    }

    #[test]
    fn keeps_most_important_units() {
        // w_in [1, 3], w_out [3, 1]
        let imp = unit_importance(&[1.0, 0.1, 2.0], 3, &[1.0, 1.0, 0.01], 1);
        assert_eq!(units_to_keep(&imp, 1.0 / 3.0), vec![0, 1]);
        assert_eq!(units_to_keep(&imp, 1.0), vec![0]);
    }
}

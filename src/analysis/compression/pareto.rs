//! The Pareto frontier of (cost, quality) points: a point is on it when no other point is at
//! least as cheap and at least as good, and strictly better in one of the two.

/// Indices of the frontier points, cheapest first. `cost` is minimised; `quality` is maximised
/// when `higher_is_better`, else minimised. Points with a non-finite coordinate are skipped.
pub fn frontier(cost: &[f64], quality: &[f64], higher_is_better: bool) -> Vec<usize> {
    let q = |i: usize| {
        if higher_is_better {
            quality[i]
        } else {
            -quality[i]
        }
    };
    let mut idx: Vec<usize> = (0..cost.len().min(quality.len()))
        .filter(|&i| cost[i].is_finite() && quality[i].is_finite())
        .collect();
    // Cheapest first; among equal costs the best first, so the sweep keeps it.
    idx.sort_by(|&a, &b| cost[a].total_cmp(&cost[b]).then(q(b).total_cmp(&q(a))));
    let mut out = Vec::new();
    let mut best = f64::NEG_INFINITY;
    for i in idx {
        if q(i) > best {
            out.push(i);
            best = q(i);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_only_undominated_points() {
        let cost = [10.0, 5.0, 7.0, 5.0, 1.0];
        let acc = [0.95, 0.90, 0.85, 0.92, 0.5];
        assert_eq!(frontier(&cost, &acc, true), vec![4, 3, 0]);
        let loss = [0.1, 0.3, 0.5, 0.2, 0.9];
        assert_eq!(frontier(&cost, &loss, false), vec![4, 3, 0]);
    }
}

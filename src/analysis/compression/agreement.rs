//! Agreement of a variant's predictions with the original model's: how much a compressed
//! model still says what the original said, independently of the labels.

/// Agreement with the original model: for classification the share of rows whose predicted
/// class (threshold 0.5) is the same; for regression the share of rows whose prediction moves by
/// at most 1 % of the original predictions' standard deviation.
pub fn agreement(original: &[f64], variant: &[f64], classification: bool) -> f64 {
    let n = original.len().min(variant.len());
    if n == 0 {
        return f64::NAN;
    }
    let same = if classification {
        original
            .iter()
            .zip(variant)
            .filter(|(a, b)| (**a >= 0.5) == (**b >= 0.5))
            .count()
    } else {
        let mean = original.iter().sum::<f64>() / n as f64;
        let sd = (original.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n as f64).sqrt();
        let tol = 0.01 * sd;
        original
            .iter()
            .zip(variant)
            .filter(|(a, b)| (**a - **b).abs() <= tol)
            .count()
    };
    same as f64 / n as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_of_matching_predictions() {
        assert_eq!(
            agreement(&[0.2, 0.7, 0.9], &[0.4, 0.6, 0.1], true),
            2.0 / 3.0
        );
        // Predictions 0, 1, 2 have a standard deviation of 0.816…: a move of 0.005 is within
        // 1 % of it, a move of 0.1 is not.
        assert_eq!(
            agreement(&[0.0, 1.0, 2.0], &[0.005, 1.1, 2.0], false),
            2.0 / 3.0
        );
        assert!(agreement(&[], &[], true).is_nan());
    }
}

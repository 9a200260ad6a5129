//! Feature encoding of the retraining lab (RETRAINING.md, "Features"): numeric features as
//! given; each categorical feature one-hot encoded over the levels seen in the reference, in
//! sorted order, all levels kept (none dropped, unlike `drop="first"`); a level the reference
//! never had, or a missing category, encodes as all zeros.

/// Code of a missing category.
pub const MISSING: u32 = u32::MAX;

/// One raw feature over all rows (reference and current, in one order).
#[derive(Debug, Clone, PartialEq)]
pub enum RawFeature {
    /// Numbers; `None` is missing.
    Numeric {
        name: String,
        values: Vec<Option<f64>>,
    },
    /// Categories as codes into `labels` ([`MISSING`] = missing); `in_reference[c]` says whether
    /// the reference holds label `c`.
    Categorical {
        name: String,
        labels: Vec<String>,
        codes: Vec<u32>,
        in_reference: Vec<bool>,
    },
}

impl RawFeature {
    pub fn name(&self) -> &str {
        match self {
            Self::Numeric { name, .. } | Self::Categorical { name, .. } => name,
        }
    }

    fn len(&self) -> usize {
        match self {
            Self::Numeric { values, .. } => values.len(),
            Self::Categorical { codes, .. } => codes.len(),
        }
    }
}

/// Where one raw feature lives in the encoded matrix (for the drift-share policy, which scores
/// features, not columns).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EncodedGroup {
    /// One numeric column.
    Numeric { name: String, column: usize },
    /// One-hot columns `start .. start + levels`.
    Categorical {
        name: String,
        start: usize,
        levels: usize,
    },
}

/// The encoded matrix: `rows × columns`, row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct Encoded {
    /// "income", "region=north", … in matrix order.
    pub columns: Vec<String>,
    pub groups: Vec<EncodedGroup>,
    /// Row-major values.
    pub x: Vec<f64>,
    pub rows: usize,
    /// Per row: true when a numeric feature is missing (such a row cannot be scored or learned).
    pub missing: Vec<bool>,
}

impl Encoded {
    /// Number of encoded columns.
    pub fn width(&self) -> usize {
        self.columns.len()
    }

    /// Row `i`'s encoded values.
    pub fn row(&self, i: usize) -> &[f64] {
        let d = self.width();
        &self.x[i * d..(i + 1) * d]
    }
}

/// Encode raw features (all of the same length). Categorical levels are the reference's, sorted
/// by label.
pub fn encode(features: &[RawFeature]) -> Encoded {
    let rows = features.first().map_or(0, RawFeature::len);
    let mut columns = Vec::new();
    let mut groups = Vec::new();
    // Per feature: for categoricals, the one-hot position of each code (None = all zeros).
    let mut slots: Vec<Vec<Option<usize>>> = Vec::with_capacity(features.len());
    for f in features {
        match f {
            RawFeature::Numeric { name, .. } => {
                groups.push(EncodedGroup::Numeric {
                    name: name.clone(),
                    column: columns.len(),
                });
                columns.push(name.clone());
                slots.push(Vec::new());
            }
            RawFeature::Categorical {
                name,
                labels,
                in_reference,
                ..
            } => {
                let mut levels: Vec<usize> = (0..labels.len())
                    .filter(|&c| in_reference.get(c).copied().unwrap_or(false))
                    .collect();
                levels.sort_by(|&a, &b| labels[a].cmp(&labels[b]));
                let mut slot = vec![None; labels.len()];
                for (k, &c) in levels.iter().enumerate() {
                    slot[c] = Some(k);
                }
                groups.push(EncodedGroup::Categorical {
                    name: name.clone(),
                    start: columns.len(),
                    levels: levels.len(),
                });
                columns.extend(levels.iter().map(|&c| format!("{name}={}", labels[c])));
                slots.push(slot);
            }
        }
    }
    let d = columns.len();
    let mut x = vec![0.0; rows * d];
    let mut missing = vec![false; rows];
    for (f, (g, slot)) in features.iter().zip(groups.iter().zip(&slots)) {
        match (f, g) {
            (RawFeature::Numeric { values, .. }, EncodedGroup::Numeric { column, .. }) => {
                for (i, v) in values.iter().enumerate().take(rows) {
                    match v {
                        Some(v) if v.is_finite() => x[i * d + column] = *v,
                        _ => missing[i] = true,
                    }
                }
            }
            (RawFeature::Categorical { codes, .. }, EncodedGroup::Categorical { start, .. }) => {
                for (i, &c) in codes.iter().enumerate().take(rows) {
                    if let Some(Some(k)) = slot.get(c as usize) {
                        x[i * d + start + k] = 1.0;
                    }
                }
            }
            _ => {}
        }
    }
    Encoded {
        columns,
        groups,
        x,
        rows,
        missing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_hot_over_sorted_reference_levels() {
        let f = vec![
            RawFeature::Numeric {
                name: "a".into(),
                values: vec![Some(1.0), None, Some(3.0)],
            },
            RawFeature::Categorical {
                name: "g".into(),
                labels: vec!["z".into(), "b".into(), "new".into()],
                codes: vec![0, 1, 2],
                in_reference: vec![true, true, false],
            },
        ];
        let e = encode(&f);
        assert_eq!(e.columns, ["a", "g=b", "g=z"]);
        assert_eq!(e.row(0), [1.0, 0.0, 1.0]);
        assert_eq!(e.row(1), [0.0, 1.0, 0.0]);
        // An unseen level: all zeros.
        assert_eq!(e.row(2), [3.0, 0.0, 0.0]);
        assert_eq!(e.missing, [false, true, false]);
    }
}

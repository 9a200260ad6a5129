//! Columns as the analyses take them: numbers as `f64`, categories as codes into one
//! dictionary shared by both datasets, timestamps as microseconds since the epoch.

use polars::prelude::*;

use crate::data::summary::micros_of;

/// A column of numbers, row-aligned (`None` = missing).
pub type NumericValues = Vec<Option<f64>>;

/// Code of a missing value in [`CategoricalPair`].
pub const MISSING_CODE: u32 = u32::MAX;

/// The same categorical column in two datasets, coded against one shared dictionary.
#[derive(Debug, Clone, PartialEq)]
pub struct CategoricalPair {
    /// Category labels; a code is an index into this list.
    pub labels: Vec<String>,
    pub reference: Vec<u32>,
    pub current: Vec<u32>,
}

impl CategoricalPair {
    /// Counts per label of the given rows (all rows when `rows` is `None`), and the missing count.
    pub fn counts(codes: &[u32], n_labels: usize, rows: Option<&[u32]>) -> (Vec<u64>, u64) {
        let mut counts = vec![0u64; n_labels];
        let mut missing = 0;
        let mut add = |c: u32| {
            if c == MISSING_CODE {
                missing += 1;
            } else {
                counts[c as usize] += 1;
            }
        };
        match rows {
            Some(rows) => rows.iter().for_each(|&r| add(codes[r as usize])),
            None => codes.iter().copied().for_each(&mut add),
        }
        (counts, missing)
    }
}

/// How a column's storage maps to the analyses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Storage {
    Float,
    Integer,
    Boolean,
    String,
    Datetime,
    /// Lists, structs, all-null columns: nothing to analyse.
    Other,
}

/// The storage class of a polars dtype.
pub fn storage_of(dtype: &DataType) -> Storage {
    if dtype.is_float() {
        Storage::Float
    } else if dtype.is_integer() {
        Storage::Integer
    } else if dtype.is_bool() {
        Storage::Boolean
    } else if matches!(dtype, DataType::String) {
        Storage::String
    } else if matches!(dtype, DataType::Datetime(..) | DataType::Date) {
        Storage::Datetime
    } else {
        Storage::Other
    }
}

/// A numeric (or boolean) column as row-aligned floats.
pub fn numeric(series: &Series) -> Option<NumericValues> {
    let cast = series.cast(&DataType::Float64).ok()?;
    Some(cast.f64().ok()?.iter().collect())
}

/// A datetime or date column as row-aligned microseconds since the epoch.
pub fn times(series: &Series) -> Option<Vec<Option<i64>>> {
    Some(micros_of(series)?.iter().collect())
}

/// Code a string or boolean column of both datasets against one dictionary. Labels are sorted
/// so codes (and every report built on them) do not depend on row order.
pub fn categorical_pair(reference: &Series, current: &Series) -> Option<CategoricalPair> {
    let as_strings = |s: &Series| -> Option<Series> {
        if s.dtype().is_bool() || s.dtype().is_integer() {
            s.cast(&DataType::String).ok()
        } else if matches!(s.dtype(), DataType::String) {
            Some(s.clone())
        } else {
            None
        }
    };
    let (r, c) = (as_strings(reference)?, as_strings(current)?);
    let (r, c) = (r.str().ok()?, c.str().ok()?);
    // One hash lookup per row: codes in order of first appearance, then renumbered so that
    // labels are sorted (reports must not depend on row order).
    let mut index: PlHashMap<&str, u32> = PlHashMap::new();
    let mut first_seen: Vec<&str> = Vec::new();
    let mut codes: [Vec<u32>; 2] = [Vec::with_capacity(r.len()), Vec::with_capacity(c.len())];
    for (ca, out) in [r, c].into_iter().zip(codes.iter_mut()) {
        for v in ca.iter() {
            out.push(match v {
                None => MISSING_CODE,
                Some(v) => *index.entry(v).or_insert_with(|| {
                    first_seen.push(v);
                    first_seen.len() as u32 - 1
                }),
            });
        }
    }
    let [mut reference, mut current] = codes;
    let mut order: Vec<u32> = (0..first_seen.len() as u32).collect();
    order.sort_unstable_by_key(|&i| first_seen[i as usize]);
    let mut rank = vec![0u32; order.len()];
    for (sorted, &provisional) in order.iter().enumerate() {
        rank[provisional as usize] = sorted as u32;
    }
    for c in reference.iter_mut().chain(current.iter_mut()) {
        if *c != MISSING_CODE {
            *c = rank[*c as usize];
        }
    }
    let labels: Vec<String> = order
        .iter()
        .map(|&i| first_seen[i as usize].to_string())
        .collect();
    Some(CategoricalPair {
        reference,
        current,
        labels,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_share_one_sorted_dictionary() {
        let r = Series::new("x".into(), &[Some("b"), Some("a"), None]);
        let c = Series::new("x".into(), &[Some("c"), Some("a")]);
        let p = categorical_pair(&r, &c).expect("pair");
        assert_eq!(p.labels, ["a", "b", "c"]);
        assert_eq!(p.reference, [1, 0, MISSING_CODE]);
        assert_eq!(p.current, [2, 0]);
        let (counts, missing) = CategoricalPair::counts(&p.reference, 3, None);
        assert_eq!((counts, missing), (vec![1, 1, 0], 1));
        let (counts, _) = CategoricalPair::counts(&p.current, 3, Some(&[0]));
        assert_eq!(counts, vec![0, 0, 1]);
    }

    #[test]
    fn booleans_become_labels() {
        let r = Series::new("b".into(), &[true, false]);
        let c = Series::new("b".into(), &[true, true]);
        let p = categorical_pair(&r, &c).expect("pair");
        assert_eq!(p.labels, ["false", "true"]);
        assert_eq!(p.current, [1, 1]);
    }

    #[test]
    fn numbers_and_times() {
        let s = Series::new("n".into(), &[Some(1i64), None, Some(3)]);
        assert_eq!(numeric(&s), Some(vec![Some(1.0), None, Some(3.0)]));
        assert_eq!(storage_of(s.dtype()), Storage::Integer);
        let t = Int64Chunked::from_vec("t".into(), vec![5, 6])
            .into_datetime(TimeUnit::Milliseconds, None)
            .into_series();
        assert_eq!(times(&t), Some(vec![Some(5000), Some(6000)]));
        assert_eq!(storage_of(t.dtype()), Storage::Datetime);
    }
}

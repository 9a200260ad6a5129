//! The column data the checks read: numbers as `f64` slices, strings dictionary-encoded once
//! (with each distinct value hashed once), timestamps as microseconds. Built by
//! `engine::integrity` from polars frames, or directly in tests.

use std::borrow::Cow;

use crate::vocab::{ColumnKind, Role};

/// The code of a missing value in [`Values::Strings`].
pub const NULL_CODE: u32 = u32::MAX;

/// One dataset as the checks see it.
#[derive(Debug, Clone)]
pub struct Table<'a> {
    /// Rows of every column.
    pub rows: usize,
    pub columns: Vec<ColumnData<'a>>,
}

impl<'a> Table<'a> {
    /// A table from columns of equal length.
    pub fn new(columns: Vec<ColumnData<'a>>) -> Self {
        let rows = columns.first().map_or(0, ColumnData::len);
        Self { rows, columns }
    }

    pub fn column(&self, name: &str) -> Option<&ColumnData<'a>> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// One column: its name, storage type, kind, role and values.
#[derive(Debug, Clone)]
pub struct ColumnData<'a> {
    pub name: String,
    /// The storage type as polars names it ("i64", "f64", "str", "datetime[μs]"…).
    pub dtype: String,
    pub kind: ColumnKind,
    pub role: Role,
    pub values: Values<'a>,
}

/// The values of a column.
#[derive(Debug, Clone)]
pub enum Values<'a> {
    /// Numbers as f64 (integers converted; exact up to 2^53). `valid[i] == false` marks a null;
    /// NaN is a value here (the checks count it as missing, as pandas does).
    Numeric {
        values: Cow<'a, [f64]>,
        valid: Option<Vec<bool>>,
        /// Stored as integers in the file.
        integer: bool,
    },
    /// Strings (and booleans, as "false"/"true") as codes into a dictionary; [`NULL_CODE`] is
    /// a missing value.
    Strings { codes: Vec<u32>, dict: Dict },
    /// Dates and timestamps in microseconds since the epoch (UTC).
    Datetime {
        micros: Cow<'a, [i64]>,
        valid: Option<Vec<bool>>,
    },
    /// Types the checks do not look into (lists, structs): only missing values count.
    Other {
        rows: usize,
        valid: Option<Vec<bool>>,
    },
}

impl<'a> ColumnData<'a> {
    pub fn numeric(name: &str, values: Vec<Option<f64>>) -> Self {
        let valid: Vec<bool> = values.iter().map(Option::is_some).collect();
        let all = valid.iter().all(|v| *v);
        Self {
            name: name.into(),
            dtype: "f64".into(),
            kind: ColumnKind::Numeric,
            role: Role::Feature,
            values: Values::Numeric {
                values: Cow::Owned(values.into_iter().map(|v| v.unwrap_or(0.0)).collect()),
                valid: (!all).then_some(valid),
                integer: false,
            },
        }
    }

    pub fn integers(name: &str, values: Vec<Option<i64>>) -> Self {
        let mut c = Self::numeric(
            name,
            values.into_iter().map(|v| v.map(|x| x as f64)).collect(),
        );
        c.dtype = "i64".into();
        if let Values::Numeric { integer, .. } = &mut c.values {
            *integer = true;
        }
        c
    }

    /// A string column; its kind is categorical or text by the share of distinct values.
    pub fn strings(name: &str, values: Vec<Option<&str>>) -> Self {
        let (codes, dict) = encode_strings(values.iter().copied());
        let non_null = codes.iter().filter(|c| **c != NULL_CODE).count();
        Self {
            name: name.into(),
            dtype: "str".into(),
            kind: crate::vocab::kind::string_kind(dict.len(), non_null),
            role: Role::Feature,
            values: Values::Strings { codes, dict },
        }
    }

    pub fn datetimes(name: &str, micros: Vec<Option<i64>>) -> Self {
        let valid: Vec<bool> = micros.iter().map(Option::is_some).collect();
        let all = valid.iter().all(|v| *v);
        Self {
            name: name.into(),
            dtype: "datetime[μs]".into(),
            kind: ColumnKind::Datetime,
            role: Role::Feature,
            values: Values::Datetime {
                micros: Cow::Owned(micros.into_iter().map(|v| v.unwrap_or(0)).collect()),
                valid: (!all).then_some(valid),
            },
        }
    }

    pub fn with_role(mut self, role: Role) -> Self {
        self.role = role;
        self
    }

    pub fn len(&self) -> usize {
        match &self.values {
            Values::Numeric { values, .. } => values.len(),
            Values::Strings { codes, .. } => codes.len(),
            Values::Datetime { micros, .. } => micros.len(),
            Values::Other { rows, .. } => *rows,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether row `i` is missing: null, or NaN in a numeric column.
    #[inline]
    pub fn is_missing(&self, i: usize) -> bool {
        match &self.values {
            Values::Numeric { values, valid, .. } => {
                valid.as_ref().is_some_and(|v| !v[i]) || values[i].is_nan()
            }
            Values::Strings { codes, .. } => codes[i] == NULL_CODE,
            Values::Datetime { valid, .. } | Values::Other { valid, .. } => {
                valid.as_ref().is_some_and(|v| !v[i])
            }
        }
    }

    /// Whether row `i` is null (not NaN).
    #[inline]
    pub fn is_null(&self, i: usize) -> bool {
        match &self.values {
            Values::Strings { codes, .. } => codes[i] == NULL_CODE,
            Values::Numeric { valid, .. }
            | Values::Datetime { valid, .. }
            | Values::Other { valid, .. } => valid.as_ref().is_some_and(|v| !v[i]),
        }
    }

    /// Row `i` as text for an example table.
    pub fn display(&self, i: usize) -> String {
        if self.is_null(i) {
            return "null".into();
        }
        match &self.values {
            // Display prints the shortest text that reads back as the same f64 ("29157", "0.1").
            Values::Numeric { values, .. } => values[i].to_string(),
            Values::Strings { codes, dict } => dict.get(codes[i]).to_string(),
            Values::Datetime { micros, .. } => crate::vocab::time::format_micros(micros[i]),
            Values::Other { .. } => "(value)".into(),
        }
    }

    /// A 64-bit key of row `i`'s value, equal for equal values across tables and different
    /// for different values of one type: a number's bits (integers and floats of the same
    /// value alike; all NaN alike; -0 as 0), a timestamp's microseconds, a string's content
    /// hash ([`hash_str`]), [`NULL_HASH`] for null. Row hashes are built from keys.
    #[inline]
    pub fn value_key(&self, i: usize) -> u64 {
        if self.is_null(i) {
            return NULL_HASH;
        }
        match &self.values {
            Values::Numeric { values, .. } => key_f64(values[i]),
            Values::Strings { codes, dict } => dict.hash(codes[i]),
            Values::Datetime { micros, .. } => micros[i] as u64,
            Values::Other { .. } => 0x2545_f491_4f6c_dd1d,
        }
    }

    /// A well-mixed 64-bit hash of row `i`'s value (for hash tables): [`mix64`] of the key.
    #[inline]
    pub fn value_hash(&self, i: usize) -> u64 {
        mix64(self.value_key(i))
    }

    /// The values as numbers when the column is numeric.
    pub fn as_numeric(&self) -> Option<(&[f64], Option<&[bool]>)> {
        match &self.values {
            Values::Numeric { values, valid, .. } => Some((values, valid.as_deref())),
            _ => None,
        }
    }

    pub fn as_strings(&self) -> Option<(&[u32], &Dict)> {
        match &self.values {
            Values::Strings { codes, dict } => Some((codes, dict)),
            _ => None,
        }
    }

    pub fn as_datetime(&self) -> Option<(&[i64], Option<&[bool]>)> {
        match &self.values {
            Values::Datetime { micros, valid } => Some((micros, valid.as_deref())),
            _ => None,
        }
    }

    /// Missing values (null, and NaN in numeric columns).
    pub fn missing_count(&self) -> usize {
        match &self.values {
            Values::Numeric { values, valid, .. } => match valid {
                None => values.iter().filter(|v| v.is_nan()).count(),
                Some(valid) => values
                    .iter()
                    .zip(valid)
                    .filter(|(v, ok)| !**ok || v.is_nan())
                    .count(),
            },
            Values::Strings { codes, .. } => codes.iter().filter(|c| **c == NULL_CODE).count(),
            Values::Datetime { valid, .. } | Values::Other { valid, .. } => valid
                .as_ref()
                .map_or(0, |v| v.iter().filter(|ok| !**ok).count()),
        }
    }
}

/// The hash of a missing value.
pub const NULL_HASH: u64 = 0x9e37_79b9_7f4a_7c15;

/// SplitMix64's finaliser: a fast, well-mixed bijection on u64.
#[inline]
pub fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The key of a number: its bits, with all NaN alike and -0 as 0.
#[inline]
pub fn key_f64(v: f64) -> u64 {
    if v == 0.0 {
        0
    } else if v.is_nan() {
        0x7ff8_0000_0000_0000
    } else {
        v.to_bits()
    }
}

/// Combine a row's running hash with the next column's value key (order-dependent): one
/// SplitMix64 round per cell, a bijection in the key for a given running hash.
#[inline]
pub fn combine(h: u64, value: u64) -> u64 {
    mix64(h.rotate_left(23) ^ value)
}

/// The hash of a string's content, the same in every dictionary.
pub fn hash_str(s: &str) -> u64 {
    use std::hash::BuildHasher;
    foldhash::fast::FixedState::with_seed(0x2d35_8dcc_aa6c_78a5).hash_one(s)
}

/// Distinct strings in first-seen order, stored in one buffer, each hashed once.
#[derive(Debug, Clone, Default)]
pub struct Dict {
    bytes: String,
    ends: Vec<usize>,
    hashes: Vec<u64>,
}

impl Dict {
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The string of a code.
    pub fn get(&self, code: u32) -> &str {
        let i = code as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.bytes[start..self.ends[i]]
    }

    /// The content hash of a code's string ([`hash_str`]).
    #[inline]
    pub fn hash(&self, code: u32) -> u64 {
        self.hashes[code as usize]
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        (0..self.len() as u32).map(|c| self.get(c))
    }

    /// Encode booleans as the categories "false" and "true", in first-seen order (so that,
    /// as for strings, the dictionary holds only values that occur).
    pub fn encode_bools(values: impl Iterator<Item = Option<bool>>) -> (Vec<u32>, Dict) {
        let (lower, _) = values.size_hint();
        let mut codes = Vec::with_capacity(lower);
        let mut dict = Dict::default();
        let mut code_of: [Option<u32>; 2] = [None, None];
        for v in values {
            codes.push(match v {
                None => NULL_CODE,
                Some(b) => *code_of[usize::from(b)].get_or_insert_with(|| {
                    let s = if b { "true" } else { "false" };
                    dict.push(s, hash_str(s))
                }),
            });
        }
        (codes, dict)
    }

    fn push(&mut self, s: &str, hash: u64) -> u32 {
        self.bytes.push_str(s);
        self.ends.push(self.bytes.len());
        self.hashes.push(hash);
        (self.ends.len() - 1) as u32
    }

    /// Codes of this dictionary's strings in `other` ([`NULL_CODE`] when absent). Each
    /// string's stored hash is looked up, then compared byte for byte.
    pub fn map_into(&self, other: &Dict) -> Vec<u32> {
        let index = HashIndex::new(other);
        (0..self.len() as u32)
            .map(|c| {
                index
                    .get(other, self.get(c), self.hash(c))
                    .unwrap_or(NULL_CODE)
            })
            .collect()
    }
}

/// Content hash → code, with the (astronomically rare) strings whose hash collides with an
/// earlier, different string kept by value.
struct HashIndex<'d> {
    first: std::collections::HashMap<u64, u32, IdentityHasher>,
    collided: std::collections::HashMap<&'d str, u32>,
}

impl<'d> HashIndex<'d> {
    fn new(dict: &'d Dict) -> Self {
        let mut index = Self {
            first: std::collections::HashMap::with_capacity_and_hasher(dict.len(), IdentityHasher),
            collided: std::collections::HashMap::new(),
        };
        for c in 0..dict.len() as u32 {
            match index.first.entry(dict.hash(c)) {
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(c);
                }
                std::collections::hash_map::Entry::Occupied(_) => {
                    index.collided.insert(dict.get(c), c);
                }
            }
        }
        index
    }

    fn get(&self, dict: &Dict, s: &str, hash: u64) -> Option<u32> {
        match self.first.get(&hash) {
            Some(&c) if dict.get(c) == s => Some(c),
            Some(_) => self.collided.get(s).copied(),
            None => None,
        }
    }
}

/// A hasher for keys that are already well-mixed 64-bit hashes.
#[derive(Default, Clone, Copy)]
pub struct IdentityHasher;

impl std::hash::BuildHasher for IdentityHasher {
    type Hasher = IdentityHash;
    fn build_hasher(&self) -> IdentityHash {
        IdentityHash(0)
    }
}

/// See [`IdentityHasher`].
#[derive(Default)]
pub struct IdentityHash(u64);

impl std::hash::Hasher for IdentityHash {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}

/// Dictionary-encode strings: codes in first-seen order. Each row's string is hashed once
/// (the content hash the dictionary keeps), looked up by that hash and compared byte for byte;
/// a new value is copied once into the dictionary's buffer.
pub fn encode_strings<'s>(values: impl Iterator<Item = Option<&'s str>>) -> (Vec<u32>, Dict) {
    encode_strings_with(values, 0)
}

/// [`encode_strings`] with room for `distinct` values reserved up front (from the load
/// summary), which spares a million-id column the rehashing as its table grows.
pub fn encode_strings_with<'s>(
    values: impl Iterator<Item = Option<&'s str>>,
    distinct: usize,
) -> (Vec<u32>, Dict) {
    let (lower, _) = values.size_hint();
    let mut codes = Vec::with_capacity(lower);
    let mut dict = Dict::default();
    dict.ends.reserve(distinct);
    dict.hashes.reserve(distinct);
    let mut first: std::collections::HashMap<u64, u32, IdentityHasher> =
        std::collections::HashMap::with_capacity_and_hasher(distinct, IdentityHasher);
    let mut collided: std::collections::HashMap<&'s str, u32> = std::collections::HashMap::new();
    for v in values {
        let Some(s) = v else {
            codes.push(NULL_CODE);
            continue;
        };
        let h = hash_str(s);
        let code = match first.get(&h) {
            Some(&c) if dict.get(c) == s => c,
            Some(_) => match collided.get(s) {
                Some(&c) => c,
                None => {
                    let c = dict.push(s, h);
                    collided.insert(s, c);
                    c
                }
            },
            None => {
                let c = dict.push(s, h);
                first.insert(h, c);
                c
            }
        };
        codes.push(code);
    }
    (codes, dict)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dictionary_round_trip_and_mapping() {
        let (codes, dict) = encode_strings(
            [Some("b"), Some("a"), None, Some("b"), Some("")]
                .iter()
                .copied(),
        );
        assert_eq!(codes, vec![0, 1, NULL_CODE, 0, 2]);
        assert_eq!(dict.iter().collect::<Vec<_>>(), vec!["b", "a", ""]);
        let (_, other) = encode_strings([Some("a"), Some("c")].iter().copied());
        assert_eq!(dict.map_into(&other), vec![NULL_CODE, 0, NULL_CODE]);
        assert_eq!(dict.hash(1), other.hash(0));
    }

    #[test]
    fn value_hashes_agree_across_types() {
        let a = ColumnData::integers("x", vec![Some(3), None]);
        let b = ColumnData::numeric("x", vec![Some(3.0), None]);
        assert_eq!(a.value_hash(0), b.value_hash(0));
        assert_eq!(a.value_key(1), NULL_HASH);
        let z = ColumnData::numeric("z", vec![Some(0.0), Some(-0.0), Some(f64::NAN)]);
        assert_eq!(z.value_hash(0), z.value_hash(1));
        assert_ne!(z.value_key(0), z.value_key(2));
        assert!(z.is_missing(2));
        assert!(!z.is_null(2));
    }
}

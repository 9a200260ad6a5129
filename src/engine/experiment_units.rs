//! The experiment log folded into units, fast enough for ten million events: every column is
//! read once, straight from its Arrow buffers, into integer codes (the unit, the arm, a
//! segment) or plain floats, and each per-unit value is one pass over the rows into a flat
//! array indexed by the unit's code. No per-row `String`, no map of text per row.
//!
//! Unit ids become codes in order of first appearance. Integers in a compact range index a
//! table directly; other integers, and strings of at most 12 bytes (which Arrow stores inline
//! in the 16-byte view, so the view *is* the value), go through an open-addressing table of
//! fixed-width keys; longer strings through a hash map of `&str` borrowed from the column.

use polars::prelude::*;

use crate::data::summary::micros_of;
use crate::vocab::{Cancelled, Progress};

/// The code of a missing value (no unit id, no arm, no segment).
pub const NONE: u32 = u32::MAX;

/// Rows between two looks at the cancel flag.
const BLOCK: usize = 1 << 16;

/// A column of few distinct values (the arm, a segment): a code per row into sorted labels.
#[derive(Debug, Clone, PartialEq)]
pub struct Coded {
    /// The distinct values, sorted as text (so codes do not depend on row order).
    pub labels: Vec<String>,
    /// Per row: an index into `labels`, or [`NONE`] when missing.
    pub codes: Vec<u32>,
}

/// Renumber provisional codes (first-appearance order) so that labels are sorted.
fn sorted(first_seen: Vec<String>, mut codes: Vec<u32>) -> Coded {
    let raw = Raw {
        first_seen,
        codes: Vec::new(),
    };
    let (labels, rank) = raw.rank();
    for c in codes.iter_mut().filter(|c| **c != NONE) {
        *c = rank[*c as usize];
    }
    Coded { labels, codes }
}

/// A column of few distinct values as codes; `None` for a type that has no labels (lists…).
/// Integers are coded by value and labelled with their decimal text, as a cast would.
pub fn coded(series: &Series) -> Option<Coded> {
    raw_coded(series).map(|r| sorted(r.first_seen, r.codes))
}

/// A column's codes in order of first appearance, before [`Coded`]'s renumbering by label:
/// a caller that maps each row's code anyway (to an arm) or folds codes into units first
/// applies [`Raw::rank`] to the few labels or the units, not to every row.
pub struct Raw {
    /// Labels in order of first appearance.
    pub first_seen: Vec<String>,
    /// Per row: an index into `first_seen`, or [`NONE`] when missing.
    pub codes: Vec<u32>,
}

impl Raw {
    /// The labels sorted as text, and each first-seen code's index among them.
    pub fn rank(&self) -> (Vec<String>, Vec<u32>) {
        let mut order: Vec<u32> = (0..self.first_seen.len() as u32).collect();
        order.sort_by(|&a, &b| self.first_seen[a as usize].cmp(&self.first_seen[b as usize]));
        let mut rank = vec![0u32; order.len()];
        for (r, &p) in order.iter().enumerate() {
            rank[p as usize] = r as u32;
        }
        let labels = order
            .iter()
            .map(|&p| self.first_seen[p as usize].clone())
            .collect();
        (labels, rank)
    }
}

/// [`coded`] without the renumbering.
pub fn raw_coded(series: &Series) -> Option<Raw> {
    let n = series.len();
    if series.dtype().is_integer() {
        let ca = series.cast(&DataType::Int64).ok()?;
        let ca = ca.i64().ok()?;
        let mut index: PlHashMap<i64, u32> = PlHashMap::new();
        let mut first_seen = Vec::new();
        let mut codes = Vec::with_capacity(n);
        for v in ca.iter() {
            codes.push(match v {
                None => NONE,
                Some(v) => *index.entry(v).or_insert_with(|| {
                    first_seen.push(v.to_string());
                    first_seen.len() as u32 - 1
                }),
            });
        }
        return Some(Raw { first_seen, codes });
    }
    let text = if matches!(series.dtype(), DataType::String) {
        series.clone()
    } else {
        series.cast(&DataType::String).ok()?
    };
    let ca = text.str().ok()?;
    if ca.null_count() == 0
        && ca
            .downcast_iter()
            .all(|arr| arr.views().iter().all(|v| v.length <= 12))
    {
        // Short labels are their inline views: the same masked keys as unit ids. An arm or a
        // segment has a handful of values, so a short list compared in order (most often a
        // hit on its first entries) beats hashing every row; past `SMALL` values the hash
        // table takes over. Either way codes are in order of first appearance.
        const SMALL: usize = 16;
        let views = || ca.downcast_iter().flat_map(|arr| arr.views().iter());
        let mut small: Vec<u128> = Vec::with_capacity(SMALL);
        let mut codes = Vec::with_capacity(n);
        for v in views() {
            let key = inline_key(v.length, v.as_u128());
            let c = match small.iter().position(|&k| k == key) {
                Some(p) => p,
                None if small.len() < SMALL => {
                    small.push(key);
                    small.len() - 1
                }
                None => break,
            };
            codes.push(c as u32);
        }
        let mut first_seen = vec![String::new(); small.len()];
        if codes.len() < n {
            let mut table = KeyTable::<u128>::new();
            first_seen.clear();
            codes.clear();
            for v in views() {
                let c = table.code(inline_key(v.length, v.as_u128()));
                if c as usize == first_seen.len() {
                    first_seen.push(String::new());
                }
                codes.push(c);
            }
        }
        // The labels' text, from each code's first row.
        let mut filled = vec![false; first_seen.len()];
        let mut left = first_seen.len();
        for (row, &c) in codes.iter().enumerate() {
            if left == 0 {
                break;
            }
            if !filled[c as usize] {
                filled[c as usize] = true;
                left -= 1;
                first_seen[c as usize] = ca.get(row).unwrap_or_default().to_string();
            }
        }
        return Some(Raw { first_seen, codes });
    }
    let mut index: PlHashMap<&str, u32> = PlHashMap::new();
    let mut first_seen = Vec::new();
    let mut codes = Vec::with_capacity(n);
    // Logs often hold runs of one value (sorted by arm, by day…): the last value is checked
    // before the map.
    let mut last: Option<(&str, u32)> = None;
    for v in ca.iter() {
        codes.push(match v {
            None => NONE,
            Some(v) => match last {
                Some((l, c)) if l == v => c,
                _ => {
                    let c = *index.entry(v).or_insert_with(|| {
                        first_seen.push(v.to_string());
                        first_seen.len() as u32 - 1
                    });
                    last = Some((v, c));
                    c
                }
            },
        });
    }
    Some(Raw { first_seen, codes })
}

/// An inline Arrow view (a string of at most 12 bytes) as a key: the length (4 bytes) then the
/// bytes themselves; the bytes past the length are masked off, so padding can never tell two
/// equal values apart.
fn inline_key(length: u32, bits: u128) -> u128 {
    let used = 32 + 8 * length;
    if used >= 128 {
        bits
    } else {
        bits & ((1u128 << used) - 1)
    }
}

/// A fixed-width key of the open-addressing table.
trait Key: Copy + Eq + Default {
    fn mix(self) -> u64;
}

impl Key for u64 {
    fn mix(self) -> u64 {
        // SplitMix64's finaliser: consecutive ids spread over the whole table.
        let mut z = self.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

impl Key for u128 {
    fn mix(self) -> u64 {
        (self as u64).mix() ^ ((self >> 64) as u64).mix().rotate_left(29)
    }
}

/// Keys to codes in order of first appearance, linear probing, kept at most half full.
struct KeyTable<K> {
    slots: Vec<(K, u32)>,
    shift: u32,
    len: u32,
}

impl<K: Key> KeyTable<K> {
    fn new() -> Self {
        Self {
            slots: vec![(K::default(), NONE); 1 << 16],
            shift: 64 - 16,
            len: 0,
        }
    }

    fn code(&mut self, key: K) -> u32 {
        let mask = self.slots.len() - 1;
        let mut i = (key.mix() >> self.shift) as usize;
        loop {
            let (k, c) = self.slots[i];
            if c == NONE {
                let c = self.len;
                self.slots[i] = (key, c);
                self.len += 1;
                if self.len as usize * 2 > self.slots.len() {
                    self.grow();
                }
                return c;
            }
            if k == key {
                return c;
            }
            i = (i + 1) & mask;
        }
    }

    fn grow(&mut self) {
        let bigger = vec![(K::default(), NONE); self.slots.len() * 2];
        let old = std::mem::replace(&mut self.slots, bigger);
        self.shift -= 1;
        let mask = self.slots.len() - 1;
        for (k, c) in old.into_iter().filter(|s| s.1 != NONE) {
            let mut i = (k.mix() >> self.shift) as usize;
            while self.slots[i].1 != NONE {
                i = (i + 1) & mask;
            }
            self.slots[i] = (k, c);
        }
    }
}

/// Unit codes per row ([`NONE`] for a missing id) and the number of distinct units; `None`
/// for a column whose values cannot be read as ids.
pub fn unit_codes(
    series: &Series,
    progress: &Progress,
) -> Result<Option<(Vec<u32>, usize)>, Cancelled> {
    let n = series.len();
    let mut codes = Vec::with_capacity(n);
    if series.dtype().is_integer() {
        let Ok(cast) = series.cast(&DataType::Int64) else {
            return Ok(None);
        };
        let Ok(ca) = cast.i64() else {
            return Ok(None);
        };
        let (min, max) = (ca.min(), ca.max());
        let (Some(min), Some(max)) = (min, max) else {
            codes.resize(n, NONE);
            return Ok(Some((codes, 0)));
        };
        let range = (max as i128 - min as i128 + 1) as u128;
        if range <= 2 * n as u128 + 1024 {
            // Compact ids: the table is indexed by the id itself.
            let mut table = vec![NONE; range as usize];
            let mut next = 0u32;
            for arr in ca.downcast_iter() {
                for block in (0..arr.len()).step_by(BLOCK) {
                    progress.check()?;
                    let end = (block + BLOCK).min(arr.len());
                    for i in block..end {
                        if arr.validity().is_some_and(|v| !v.get_bit(i)) {
                            codes.push(NONE);
                            continue;
                        }
                        let slot = &mut table[(arr.values()[i] - min) as usize];
                        if *slot == NONE {
                            *slot = next;
                            next += 1;
                        }
                        codes.push(*slot);
                    }
                }
            }
            return Ok(Some((codes, next as usize)));
        }
        let mut table = KeyTable::<u64>::new();
        for arr in ca.downcast_iter() {
            for block in (0..arr.len()).step_by(BLOCK) {
                progress.check()?;
                for i in block..(block + BLOCK).min(arr.len()) {
                    codes.push(if arr.validity().is_some_and(|v| !v.get_bit(i)) {
                        NONE
                    } else {
                        table.code(arr.values()[i] as u64)
                    });
                }
            }
        }
        return Ok(Some((codes, table.len as usize)));
    }
    let text = if matches!(series.dtype(), DataType::String) {
        series.clone()
    } else {
        match series.cast(&DataType::String) {
            Ok(t) => t,
            Err(_) => return Ok(None),
        }
    };
    let Ok(ca) = text.str() else {
        return Ok(None);
    };
    let all_inline = ca
        .downcast_iter()
        .all(|arr| arr.views().iter().all(|v| v.length <= 12));
    if all_inline {
        // Arrow keeps a view's validity apart from the view (a null's view is that of ""), so
        // the nulls come from the column.
        let valid: Option<Vec<bool>> = (ca.null_count() > 0)
            .then(|| ca.is_not_null().iter().map(|v| v == Some(true)).collect());
        let mut table = KeyTable::<u128>::new();
        let mut row = 0;
        for arr in ca.downcast_iter() {
            let views = arr.views();
            for block in (0..views.len()).step_by(BLOCK) {
                progress.check()?;
                for v in &views[block..(block + BLOCK).min(views.len())] {
                    let present = valid.as_ref().is_none_or(|m| m[row]);
                    row += 1;
                    if !present {
                        codes.push(NONE);
                        continue;
                    }
                    codes.push(table.code(inline_key(v.length, v.as_u128())));
                }
            }
        }
        return Ok(Some((codes, table.len as usize)));
    }
    let mut index: PlHashMap<&str, u32> = PlHashMap::with_capacity(n / 4);
    for (k, v) in ca.iter().enumerate() {
        if k % BLOCK == 0 {
            progress.check()?;
        }
        codes.push(match v {
            None => NONE,
            Some(v) => {
                let next = index.len() as u32;
                *index.entry(v).or_insert(next)
            }
        });
    }
    Ok(Some((codes, index.len())))
}

/// Per unit: its earliest time in µs (`i64::MAX` when none of its rows has one), straight from
/// a date or datetime column's buffers (the conversion is the loader's own, `micros_of`);
/// `None` when the column is not a date or time.
pub fn earliest_of(
    series: &Series,
    unit_of_row: &[u32],
    units: usize,
    progress: &Progress,
) -> Result<Option<Vec<i64>>, Cancelled> {
    let Some(ca) = micros_of(series) else {
        return Ok(None);
    };
    let mut acc = vec![i64::MAX; units];
    let mut row = 0;
    for arr in ca.downcast_iter() {
        let values = arr.values().as_slice();
        let valid = arr.validity();
        for (block, chunk) in values.chunks(BLOCK).enumerate() {
            progress.check()?;
            let base = block * BLOCK;
            for (i, &t) in chunk.iter().enumerate() {
                let u = unit_of_row[row + base + i];
                if u == NONE || valid.is_some_and(|b| !b.get_bit(base + i)) {
                    continue;
                }
                let a = &mut acc[u as usize];
                if t < *a {
                    *a = t;
                }
            }
        }
        row += values.len();
    }
    Ok(Some(acc))
}

/// How rows fold into a unit's value of a metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fold {
    /// The sum of the unit's events (a mean metric: revenue, clicks).
    Sum,
    /// The maximum (a proportion: converted at least once).
    Max,
    /// The first value in row order (a pre-period covariate is one value per unit).
    First,
}

/// Per unit: its rows' values folded (NaN for a unit none of whose rows has a value), straight
/// from a numeric column's Arrow buffers: no row-aligned copy, which for ten million rows would
/// be 80 MB written and read once more per column. `None` when the column does not cast to
/// numbers.
pub fn fold_series(
    series: &Series,
    unit_of_row: &[u32],
    units: usize,
    how: Fold,
    progress: &Progress,
) -> Result<Option<Vec<f64>>, Cancelled> {
    let Ok(cast) = series.cast(&DataType::Float64) else {
        return Ok(None);
    };
    let Ok(ca) = cast.f64() else {
        return Ok(None);
    };
    let mut acc = vec![f64::NAN; units];
    let mut row = 0;
    for arr in ca.downcast_iter() {
        let values = arr.values().as_slice();
        let valid = arr.validity();
        for (block, chunk) in values.chunks(BLOCK).enumerate() {
            progress.check()?;
            let base = block * BLOCK;
            for (i, &v) in chunk.iter().enumerate() {
                let u = unit_of_row[row + base + i];
                if u == NONE || v.is_nan() || valid.is_some_and(|b| !b.get_bit(base + i)) {
                    continue;
                }
                let a = &mut acc[u as usize];
                *a = if a.is_nan() {
                    v
                } else {
                    match how {
                        Fold::Sum => *a + v,
                        Fold::Max => a.max(v),
                        Fold::First => *a,
                    }
                };
            }
        }
        row += values.len();
    }
    Ok(Some(acc))
}

/// A numeric column as one contiguous run of values, a missing value as NaN (the folds skip
/// NaN and null alike, so the two mean the same here). A single-chunk column without nulls
/// of a type the folds read directly (floats, 32/64-bit integers, booleans) is borrowed as it
/// is; any other is cast once to floats. Borrowing a 0/1 or count column saves a row-aligned
/// float copy: 80 MB written and read per column for ten million rows.
pub struct Flat {
    /// Float64, Int32, Int64 or Boolean; one chunk, no nulls.
    series: Series,
}

/// The values of a [`Flat`] column, read one row at a time as floats.
#[derive(Clone, Copy)]
pub enum Values<'a> {
    F64(&'a [f64]),
    I32(&'a [i32]),
    I64(&'a [i64]),
    /// Arrow's bit-packed booleans: the bytes and the bit offset of row 0.
    Bool(&'a [u8], usize),
}

impl Values<'_> {
    #[inline]
    fn get(self, row: usize) -> f64 {
        match self {
            Values::F64(v) => v[row],
            Values::I32(v) => f64::from(v[row]),
            Values::I64(v) => v[row] as f64,
            Values::Bool(bytes, offset) => {
                let bit = offset + row;
                f64::from((bytes[bit >> 3] >> (bit & 7)) & 1)
            }
        }
    }
}

impl Flat {
    /// `None` when the column does not cast to numbers.
    pub fn new(series: &Series) -> Option<Self> {
        let direct = matches!(
            series.dtype(),
            DataType::Float64 | DataType::Int32 | DataType::Int64 | DataType::Boolean
        );
        let series = if direct && series.null_count() == 0 {
            series.rechunk()
        } else {
            let cast = series.cast(&DataType::Float64).ok()?;
            let cast = if cast.null_count() > 0 {
                cast.f64()
                    .ok()?
                    .fill_null_with_values(f64::NAN)
                    .ok()?
                    .into_series()
            } else {
                cast
            };
            cast.rechunk()
        };
        let flat = Self { series };
        flat.read()?;
        Some(flat)
    }

    fn read(&self) -> Option<Values<'_>> {
        let s = &self.series;
        Some(match s.dtype() {
            DataType::Float64 => Values::F64(s.f64().ok()?.cont_slice().ok()?),
            DataType::Int32 => Values::I32(s.i32().ok()?.cont_slice().ok()?),
            DataType::Int64 => Values::I64(s.i64().ok()?.cont_slice().ok()?),
            DataType::Boolean => {
                let ca = s.bool().ok()?;
                let mut chunks = ca.downcast_iter();
                let arr = chunks.next()?;
                if chunks.next().is_some() {
                    return None;
                }
                let (bytes, offset, _) = arr.values().as_slice();
                Values::Bool(bytes, offset)
            }
            _ => return None,
        })
    }

    pub fn values(&self) -> Values<'_> {
        // `new` checked that the values can be read.
        self.read().unwrap_or(Values::F64(&[]))
    }

    /// Rows.
    pub fn len(&self) -> usize {
        self.series.len()
    }

    pub fn is_empty(&self) -> bool {
        self.series.is_empty()
    }

    /// Whether every present value is 0 or 1 (a proportion).
    pub fn all_binary(&self) -> bool {
        let v = self.values();
        (0..self.len()).all(|row| {
            let x = v.get(row);
            x.is_nan() || x == 0.0 || x == 1.0
        })
    }
}

/// Per column, per unit: its rows' values folded as [`fold_series`] folds them (NaN for a
/// unit none of whose rows has a value), for all the columns in one pass over the rows.
///
/// Why one pass: each row's unit is a random place in a million-unit table, and a separate
/// pass per column pays that cache miss once per column; here the unit's values of every
/// column sit side by side (one record of `columns.len()` floats), so a row costs one miss.
/// The units are split into `threads` ranges, each thread folding only its own units over
/// all the rows: every unit's rows are still folded in row order, so a sum adds its terms
/// in the same order as one thread would, and the result is the same to the last bit.
pub fn fold_columns(
    columns: &[(Values<'_>, Fold)],
    unit_of_row: &[u32],
    units: usize,
    threads: usize,
    progress: &Progress,
) -> Result<Vec<Vec<f64>>, Cancelled> {
    let k = columns.len();
    if k == 0 {
        return Ok(Vec::new());
    }
    let threads = threads.clamp(1, units.max(1));
    let per = units.div_ceil(threads).max(1);
    let ranges: Vec<(usize, usize)> = (0..threads)
        .map(|t| ((t * per).min(units), ((t + 1) * per).min(units)))
        .collect();
    // A unit's record is padded to a whole 64-byte cache line and the records start on a line
    // boundary, so a row's random visit touches one line rather than one and a half on
    // average (a 48-byte record straddles lines half of the time).
    const LINE: usize = 8;
    let stride = if k <= LINE { LINE } else { k };
    let fold_range = |(lo, hi): (usize, usize)| -> Result<(Vec<f64>, usize), Cancelled> {
        let mut acc = vec![f64::NAN; (hi - lo) * stride + LINE];
        let offset = (acc.as_ptr() as usize).wrapping_neg() % (LINE * 8) / 8;
        let (lo32, hi32) = (lo as u32, hi as u32);
        for start in (0..unit_of_row.len()).step_by(BLOCK) {
            progress.check()?;
            let end = (start + BLOCK).min(unit_of_row.len());
            for (row, &u) in unit_of_row[start..end].iter().enumerate() {
                // NONE is u32::MAX, never below `hi`.
                if u < lo32 || u >= hi32 {
                    continue;
                }
                let row = start + row;
                let at = offset + (u - lo32) as usize * stride;
                let record = &mut acc[at..at + k];
                for (&(values, how), a) in columns.iter().zip(record.iter_mut()) {
                    let v = values.get(row);
                    if v.is_nan() {
                        continue;
                    }
                    *a = if a.is_nan() {
                        v
                    } else {
                        match how {
                            Fold::Sum => *a + v,
                            Fold::Max => a.max(v),
                            Fold::First => *a,
                        }
                    };
                }
            }
        }
        Ok((acc, offset))
    };
    let parts: Vec<Result<(Vec<f64>, usize), Cancelled>> = if threads == 1 {
        vec![fold_range(ranges[0])]
    } else {
        std::thread::scope(|s| {
            let handles: Vec<_> = ranges
                .iter()
                .map(|&r| s.spawn(move || fold_range(r)))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or(Err(Cancelled)))
                .collect()
        })
    };
    let mut out = vec![Vec::with_capacity(units); k];
    for (part, &(lo, hi)) in parts.into_iter().zip(&ranges) {
        let (acc, offset) = part?;
        for record in acc[offset..offset + (hi - lo) * stride].chunks_exact(stride) {
            for (column, &v) in out.iter_mut().zip(&record[..k]) {
                column.push(v);
            }
        }
    }
    Ok(out)
}

/// Per unit: the code on its first row (in row order) that has one; [`NONE`] when none does.
pub fn first_code(
    codes: &[u32],
    unit_of_row: &[u32],
    units: usize,
    progress: &Progress,
) -> Result<Vec<u32>, Cancelled> {
    let mut acc = vec![NONE; units];
    for (cs, us) in codes.chunks(BLOCK).zip(unit_of_row.chunks(BLOCK)) {
        progress.check()?;
        for (&c, &u) in cs.iter().zip(us) {
            if u != NONE && c != NONE && acc[u as usize] == NONE {
                acc[u as usize] = c;
            }
        }
    }
    Ok(acc)
}

/// Each unit's arm, with crossovers (units seen in two arms) and unplaced units marked.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    /// Per unit: its arm, or [`NONE`] when it is a crossover or none of its rows had an arm.
    pub arm: Vec<u32>,
    /// Units seen in more than one arm.
    pub crossover: usize,
    /// Rows with no arm (or, with a unit column, no unit id).
    pub missing_variant: usize,
}

/// Fold the rows' arms into units: a row's arm is `arm_of_code[code]` of its variant code
/// ([`NONE`] for a missing code or a code of no arm), looked up here rather than written out
/// per row first.
pub fn assign(
    codes: &[u32],
    arm_of_code: &[u32],
    unit_of_row: &[u32],
    units: usize,
    progress: &Progress,
) -> Result<Assignment, Cancelled> {
    // NONE − 1 marks a crossover while folding.
    const CROSSED: u32 = NONE - 1;
    let mut arm = vec![NONE; units];
    let mut missing_variant = 0;
    for (cs, us) in codes.chunks(BLOCK).zip(unit_of_row.chunks(BLOCK)) {
        progress.check()?;
        for (&c, &u) in cs.iter().zip(us) {
            let a = if c == NONE {
                NONE
            } else {
                arm_of_code[c as usize]
            };
            if a == NONE || u == NONE {
                missing_variant += 1;
                continue;
            }
            let slot = &mut arm[u as usize];
            if *slot == NONE {
                *slot = a;
            } else if *slot != a {
                *slot = CROSSED;
            }
        }
    }
    let mut crossover = 0;
    for a in arm.iter_mut().filter(|a| **a == CROSSED) {
        *a = NONE;
        crossover += 1;
    }
    Ok(Assignment {
        arm,
        crossover,
        missing_variant,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes_of(series: &Series) -> (Vec<u32>, usize) {
        unit_codes(series, &Progress::silent())
            .expect("not cancelled")
            .expect("ids")
    }

    #[test]
    fn ids_become_codes_in_order_of_first_appearance() {
        // Compact integers, sparse integers, short strings and long strings code alike.
        let compact = Series::new("u".into(), &[Some(5i64), Some(3), None, Some(5), Some(4)]);
        assert_eq!(codes_of(&compact), (vec![0, 1, NONE, 0, 2], 3));
        let sparse = Series::new("u".into(), &[1i64 << 40, -7, 1 << 40, 99]);
        assert_eq!(codes_of(&sparse), (vec![0, 1, 0, 2], 3));
        let short = Series::new("u".into(), &[Some("b"), Some("a"), Some("b"), None]);
        assert_eq!(codes_of(&short), (vec![0, 1, 0, NONE], 2));
        let long = Series::new(
            "u".into(),
            &[
                "a-rather-long-identifier-1",
                "x",
                "a-rather-long-identifier-1",
            ],
        );
        assert_eq!(codes_of(&long), (vec![0, 1, 0], 2));
        // Ids differing only past the 4-byte prefix, and of every inline length, stay apart.
        let ids: Vec<String> = (0..2000).map(|i| format!("user{i:08}")).collect();
        let s = Series::new("u".into(), &ids);
        let (codes, n) = codes_of(&s);
        assert_eq!(n, 2000);
        assert_eq!(codes, (0..2000).collect::<Vec<u32>>());
        let lengths: Vec<String> = (0..=12).map(|k| "z".repeat(k)).collect();
        let (_, n) = codes_of(&Series::new("u".into(), &lengths));
        assert_eq!(n, 13);
    }

    #[test]
    fn one_pass_over_every_column_folds_as_one_pass_each_to_the_bit() {
        // Sums of many terms in random unit order: any change of the order of additions
        // would show in the last bits.
        let mut rng = crate::vocab::Rng::new(5);
        let rows = 50_000;
        let units = 3_000;
        let unit_of_row: Vec<u32> = (0..rows)
            .map(|_| {
                if rng.uniform() < 0.01 {
                    NONE
                } else {
                    rng.below(units) as u32
                }
            })
            .collect();
        let column = |rng: &mut crate::vocab::Rng| -> Vec<Option<f64>> {
            (0..rows)
                .map(|_| (rng.uniform() > 0.05).then(|| (rng.normal() * 1e3).round() / 100.0))
                .collect()
        };
        let series: Vec<Series> = (0..3)
            .map(|i| Series::new(format!("c{i}").into(), column(&mut rng)))
            .collect();
        let hows = [Fold::Sum, Fold::Max, Fold::First];
        let silent = Progress::silent();
        let flats: Vec<Flat> = series.iter().map(|s| Flat::new(s).expect("flat")).collect();
        let columns: Vec<(Values<'_>, Fold)> = flats
            .iter()
            .zip(hows)
            .map(|(f, h)| (f.values(), h))
            .collect();
        for threads in [1, 2, 3, 7] {
            let together =
                fold_columns(&columns, &unit_of_row, units, threads, &silent).expect("fold");
            for ((s, how), got) in series.iter().zip(hows).zip(&together) {
                let alone = fold_series(s, &unit_of_row, units, how, &silent)
                    .expect("not cancelled")
                    .expect("numbers");
                let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(got), bits(&alone), "{how:?} on {threads} threads");
            }
        }
    }

    #[test]
    fn a_large_table_grows_and_keeps_every_code() {
        let ids: Vec<i64> = (0..200_000).map(|i| i * 1_000_003).collect();
        let mut doubled = ids.clone();
        doubled.extend(ids.iter().rev());
        let (codes, n) = codes_of(&Series::new("u".into(), &doubled));
        assert_eq!(n, 200_000);
        for (k, c) in codes[200_000..].iter().enumerate() {
            assert_eq!(*c as usize, 199_999 - k);
        }
    }

    #[test]
    fn labels_are_sorted_and_folds_follow_their_rule() {
        let s = Series::new("arm".into(), &[Some("b"), None, Some("a"), Some("b")]);
        let c = coded(&s).expect("coded");
        assert_eq!(c.labels, ["a", "b"]);
        assert_eq!(c.codes, [1, NONE, 0, 1]);
        // Past 16 short labels the hash table codes them, in the same order.
        let many: Vec<String> = (0..40).map(|i| format!("s{}", (i * 7) % 20)).collect();
        let c = coded(&Series::new("seg".into(), &many)).expect("coded");
        assert_eq!(c.labels.len(), 20);
        for (row, code) in c.codes.iter().enumerate() {
            assert_eq!(c.labels[*code as usize], many[row]);
        }
        let ints = Series::new("arm".into(), &[10i64, 2, 10]);
        let c = coded(&ints).expect("coded");
        assert_eq!(c.labels, ["10", "2"]);
        assert_eq!(c.codes, [0, 1, 0]);
        let silent = Progress::silent();
        let units = [0, 1, 0, NONE, 1];
        let folded = |values: Series, n: usize, how| {
            fold_series(&values, &units, n, how, &silent)
                .expect("not cancelled")
                .expect("numbers")
        };
        // A null and a NaN are both no value.
        let sum = folded(
            Series::new(
                "x".into(),
                &[Some(1.0), None, Some(2.0), Some(5.0), Some(f64::NAN)],
            ),
            3,
            Fold::Sum,
        );
        assert_eq!(sum[0], 3.0);
        assert!(sum[1].is_nan() && sum[2].is_nan());
        let first = folded(Series::new("x".into(), &[4i64, 1, 9, 0, 2]), 2, Fold::First);
        assert_eq!(first, [4.0, 1.0]);
        let max = folded(
            Series::new("x".into(), &[false, true, true, false, false]),
            2,
            Fold::Max,
        );
        assert_eq!(max, [1.0, 1.0]);
        let binary = |s: Series| Flat::new(&s).expect("numbers").all_binary();
        assert!(binary(Series::new(
            "x".into(),
            &[Some(0i64), None, Some(1)]
        )));
        assert!(!binary(Series::new("x".into(), &[0.0, 0.5])));
        let times = Int64Chunked::new("t".into(), &[Some(5i64), Some(3), Some(4), Some(1), None])
            .into_datetime(TimeUnit::Microseconds, None)
            .into_series();
        let t = earliest_of(&times, &units, 2, &silent)
            .expect("not cancelled")
            .expect("times");
        assert_eq!(t, [4, 3]);
        let a = assign(&[0, 1, 1, 0, 1], &[0, 1], &units, 2, &silent).expect("assign");
        // Unit 0 is in arms 0 and 1: a crossover; the row without a unit is a missing variant.
        assert_eq!(a.arm, [NONE, 1]);
        assert_eq!((a.crossover, a.missing_variant), (1, 1));
    }
}

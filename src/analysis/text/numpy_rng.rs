//! The random draws behind `random_state=42` in Evidently's text and embedding drift, so the
//! split and the classifier's epoch order are scikit-learn's own:
//!
//! - numpy's legacy `RandomState(seed)`: MT19937 seeded by `init_genrand`, `permutation(n)` as
//!   its Fisher–Yates shuffle with masked rejection (`random_interval`), and `randint` as
//!   masked rejection on 32-bit draws (numpy/random/src/legacy, mtrand.pyx);
//! - `train_test_split(test_size=0.5, random_state=seed)`: one `permutation(n)`, the first
//!   `ceil(n/2)` held out, the rest in permutation order for training (ShuffleSplit);
//! - `SGDClassifier(random_state=seed)`: a fresh `RandomState(seed)` draws the dataset's seed
//!   (`randint(1, 2³¹ − 1)`) then the shuffle seed (`randint(2³¹ − 1)`); every epoch permutes
//!   the sample order again with the *same* shuffle seed through `our_rand_r`, a 32-bit
//!   xorshift (sklearn/utils/_random.pxd, _seq_dataset.pyx.tp).

/// numpy's legacy MT19937.
pub struct Mt19937 {
    state: [u32; 624],
    pos: usize,
}

impl Mt19937 {
    /// `np.random.RandomState(seed)` for an integer seed.
    pub fn new(seed: u32) -> Self {
        let mut state = [0u32; 624];
        let mut s = seed;
        for (pos, slot) in state.iter_mut().enumerate() {
            *slot = s;
            s = 1_812_433_253u32
                .wrapping_mul(s ^ (s >> 30))
                .wrapping_add(pos as u32 + 1);
        }
        Self { state, pos: 624 }
    }

    fn generate(&mut self) {
        const UPPER: u32 = 0x8000_0000;
        const LOWER: u32 = 0x7fff_ffff;
        const MATRIX_A: u32 = 0x9908_b0df;
        for i in 0..624 {
            let y = (self.state[i] & UPPER) | (self.state[(i + 1) % 624] & LOWER);
            let mut v = self.state[(i + 397) % 624] ^ (y >> 1);
            if y & 1 == 1 {
                v ^= MATRIX_A;
            }
            self.state[i] = v;
        }
        self.pos = 0;
    }

    /// The next 32 random bits.
    pub fn next_u32(&mut self) -> u32 {
        if self.pos == 624 {
            self.generate();
        }
        let mut y = self.state[self.pos];
        self.pos += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    fn next_u64(&mut self) -> u64 {
        ((self.next_u32() as u64) << 32) | self.next_u32() as u64
    }

    /// An integer in `0..=max` (numpy's `random_interval`).
    pub fn interval(&mut self, max: u64) -> u64 {
        if max == 0 {
            return 0;
        }
        let mut mask = max;
        for s in [1, 2, 4, 8, 16, 32] {
            mask |= mask >> s;
        }
        if max <= 0xffff_ffff {
            loop {
                let v = self.next_u32() as u64 & mask;
                if v <= max {
                    return v;
                }
            }
        }
        loop {
            let v = self.next_u64() & mask;
            if v <= max {
                return v;
            }
        }
    }

    /// `RandomState.permutation(n)`.
    pub fn permutation(&mut self, n: usize) -> Vec<usize> {
        let mut p: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            let j = self.interval(i as u64) as usize;
            p.swap(i, j);
        }
        p
    }

    /// Legacy `RandomState.randint(low, high)` for a span below 2³² (masked rejection).
    pub fn randint(&mut self, low: u64, high: u64) -> u64 {
        low + self.interval(high - 1 - low)
    }
}

/// The seed scikit-learn's SGD shuffles every epoch with, for `random_state=seed`.
pub fn sgd_shuffle_seed(random_state: u32) -> u32 {
    let mut r = Mt19937::new(random_state);
    let max_int = i32::MAX as u64;
    let _dataset_seed = r.randint(1, max_int);
    r.randint(0, max_int) as u32
}

/// scikit-learn's `our_rand_r`.
fn our_rand_r(seed: &mut u32) -> u32 {
    if *seed == 0 {
        *seed = 1;
    }
    *seed ^= *seed << 13;
    *seed ^= *seed >> 17;
    *seed ^= *seed << 5;
    *seed % (i32::MAX as u32 + 1)
}

/// One epoch's reordering of `order` (scikit-learn's `SequentialDataset.shuffle(seed)`).
pub fn sgd_shuffle(order: &mut [usize], seed: u32) {
    let mut seed = seed;
    let n = order.len();
    for i in 0..n.saturating_sub(1) {
        let j = i + (our_rand_r(&mut seed) as usize) % (n - i);
        order.swap(i, j);
    }
}

/// `train_test_split(..., test_size=0.5, random_state=seed, shuffle=True)`: the held-out
/// positions, then the training positions, both in scikit-learn's order.
pub fn half_split(n: usize, random_state: u32) -> (Vec<usize>, Vec<usize>) {
    let mut perm = Mt19937::new(random_state).permutation(n);
    let train = perm.split_off(n.div_ceil(2));
    (perm, train)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mt19937_is_numpys() {
        // np.random.RandomState(42).randint(0, 2**32, dtype=np.uint64) draws
        // 1608637542 first (the reference MT19937 output for init_genrand(42)).
        assert_eq!(Mt19937::new(42).next_u32(), 1_608_637_542);
        // np.random.RandomState(42).permutation(10) == [8, 1, 5, 0, 7, 2, 9, 4, 3, 6]
        assert_eq!(
            Mt19937::new(42).permutation(10),
            [8, 1, 5, 0, 7, 2, 9, 4, 3, 6]
        );
        // r = np.random.RandomState(42); r.randint(1, 2**31 - 1); r.randint(2**31 - 1)
        assert_eq!(sgd_shuffle_seed(42), 1_273_642_419);
    }
}

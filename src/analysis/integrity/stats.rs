//! The statistics behind the integrity checks: a two-proportion test, an exchangeability tail
//! probability, a binomial change-point search, and name similarity.

/// Upper tail of the standard normal, `P(Z > z) = erfc(z / √2) / 2`.
pub fn normal_sf(z: f64) -> f64 {
    0.5 * statrs::function::erf::erfc(z / std::f64::consts::SQRT_2)
}

/// Upper tail of χ² with one degree of freedom, `P(X > x) = erfc(√(x / 2))`.
pub fn chi2_1_sf(x: f64) -> f64 {
    if x <= 0.0 {
        1.0
    } else {
        statrs::function::erf::erfc((x / 2.0).sqrt())
    }
}

/// The pooled two-proportion z-test of "the share in sample 1 is larger than in sample 0":
/// `p̂ = (k1 + k0) / (n1 + n0)`, `z = (k1/n1 − k0/n0) / √(p̂ (1 − p̂) (1/n1 + 1/n0))`,
/// one-sided p-value `P(Z > z)`. Agrees with statsmodels
/// `proportions_ztest([k1, k0], [n1, n0], alternative="larger")`. When both shares are 0 or
/// both 1 there is no evidence: z = 0, p = 1 (statsmodels returns NaN). Returns (z, p).
pub fn two_proportion_z(k1: usize, n1: usize, k0: usize, n0: usize) -> (f64, f64) {
    if n1 == 0 || n0 == 0 {
        return (0.0, 1.0);
    }
    let (k1f, n1f, k0f, n0f) = (k1 as f64, n1 as f64, k0 as f64, n0 as f64);
    let pooled = (k1f + k0f) / (n1f + n0f);
    let var = pooled * (1.0 - pooled) * (1.0 / n1f + 1.0 / n0f);
    if var <= 0.0 {
        return (0.0, 1.0);
    }
    let z = (k1f / n1f - k0f / n0f) / var.sqrt();
    (z, normal_sf(z))
}

/// The test [`two_proportion_test`] used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProportionTest {
    /// The pooled two-proportion z-test.
    ZTest,
    /// Fisher's exact test, one-sided.
    FisherExact,
}

impl ProportionTest {
    pub fn description(self) -> &'static str {
        match self {
            Self::ZTest => "pooled two-proportion z-test, one-sided (larger)",
            Self::FisherExact => {
                "Fisher's exact test, one-sided (greater): an expected count was below 5"
            }
        }
    }
}

/// "The share in sample 1 is larger than in sample 0": the pooled two-proportion z-test
/// ([`two_proportion_z`]), or, when an expected count under the pooled share (`p̂·n` or
/// `(1 − p̂)·n` of either sample) is below 5 — the textbook condition for the normal
/// approximation — Fisher's exact one-sided test ([`hypergeom_sf`]), as scipy
/// `fisher_exact([[k1, n1 − k1], [k0, n0 − k0]], alternative="greater")`. On few rows the
/// z-test is far too eager (2 of 100 vs 1 of 1000: z gives p = 0.0003, the exact p is 0.023).
/// Returns (z, p, the test used).
pub fn two_proportion_test(
    k1: usize,
    n1: usize,
    k0: usize,
    n0: usize,
) -> (f64, f64, ProportionTest) {
    let (z, p) = two_proportion_z(k1, n1, k0, n0);
    if n1 == 0 || n0 == 0 {
        return (z, p, ProportionTest::ZTest);
    }
    let pooled = (k1 + k0) as f64 / (n1 + n0) as f64;
    let least = n1.min(n0) as f64 * pooled.min(1.0 - pooled);
    if least >= 5.0 || pooled == 0.0 || pooled == 1.0 {
        return (z, p, ProportionTest::ZTest);
    }
    let exact = hypergeom_sf(k1, n1 + n0, k1 + k0, n1);
    (z, exact, ProportionTest::FisherExact)
}

/// `P(X ≥ k)` for `X` hypergeometric: `draws` items drawn without replacement from `total`
/// of which `successes` are marked (scipy `hypergeom.sf(k − 1, total, successes, draws)`).
/// Summed from `k` up with the pmf's ratio recurrence, starting from the log-binomial pmf.
pub fn hypergeom_sf(k: usize, total: usize, successes: usize, draws: usize) -> f64 {
    use statrs::function::factorial::ln_binomial;
    let lo = (draws + successes).saturating_sub(total);
    let hi = successes.min(draws);
    if k <= lo {
        return 1.0;
    }
    if k > hi {
        return 0.0;
    }
    let (t, s, d) = (total as u64, successes as u64, draws as u64);
    let ln_pmf = ln_binomial(s, k as u64) + ln_binomial(t - s, d - k as u64) - ln_binomial(t, d);
    let mut term = ln_pmf.exp();
    let mut sum = term;
    for x in k..hi {
        let xf = x as f64;
        term *= (successes as f64 - xf) * (draws as f64 - xf)
            / ((xf + 1.0) * (total as f64 - successes as f64 - draws as f64 + xf + 1.0));
        sum += term;
        if term < sum * 1e-17 {
            break;
        }
    }
    sum.min(1.0)
}

/// Probability that `k` particular items of a pooled sample of `n_total` all fall in a part of
/// size `n_side` when the pooled sample is split at random (the two samples exchangeable, i.e.
/// from the same distribution): `C(n_side, k) / C(n_total, k) = Π_{i<k} (n_side − i)/(n_total − i)`,
/// the hypergeometric `P(X = k)` with population `n_total`, `k` successes and `n_side` draws
/// (scipy `hypergeom.pmf(k, n_total, k, n_side)`).
///
/// Used three ways: `k` current values above the reference maximum are the `k` largest of the
/// pooled sample all landing in the current sample; `k` rows of a value never seen in the
/// reference all landed in the current sample; `k` rows of a reference value that vanished.
pub fn all_on_one_side(k: usize, n_side: usize, n_total: usize) -> f64 {
    if k > n_side {
        return 0.0;
    }
    let mut log_p = 0.0;
    for i in 0..k {
        log_p += ((n_side - i) as f64 / (n_total - i) as f64).ln();
        if log_p < -745.0 {
            return 0.0;
        }
    }
    log_p.exp()
}

/// `x ln(x / n)` with `0 ln 0 = 0`: one term of a binomial log-likelihood at its maximum.
fn xlogx(k: f64, n: f64) -> f64 {
    if k <= 0.0 || n <= 0.0 {
        0.0
    } else {
        k * (k / n).ln()
    }
}

/// Maximised binomial log-likelihood of `k` events in `n` trials.
fn binomial_ll(k: f64, n: f64) -> f64 {
    xlogx(k, n) + xlogx(n - k, n)
}

/// The result of [`rate_change_point`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Segment {
    /// First window of the segment and one past its last (indices of the input).
    pub first: usize,
    pub end: usize,
    pub rate_during: f64,
    pub rate_outside: f64,
    /// The likelihood-ratio statistic `2 (ℓ_segment + ℓ_outside − ℓ_all)`.
    pub lr: f64,
    /// `min(1, M · P(χ²₁ > lr))` with `M` the number of candidate segments (Bonferroni).
    pub p_value: f64,
}

/// Where a rate rose: the run of consecutive windows `[first, end)` whose event rate is higher
/// than the rate outside it and that maximises the binomial likelihood ratio against one rate
/// for all windows (the "epidemic" change-point model: one change up, optionally one back
/// down). Windows with fewer than `min_rows` rows are left out of the search (they neither
/// start nor end a run). Each candidate's statistic is χ²₁ under no change; the p-value is
/// Bonferroni-corrected for the `m(m+1)/2 − 1` candidate runs of `m` usable windows, which is
/// conservative. O(m²).
pub fn rate_change_point(rows: &[u32], events: &[u32], min_rows: usize) -> Option<Segment> {
    let usable: Vec<usize> = (0..rows.len())
        .filter(|&i| rows[i] as usize >= min_rows.max(1))
        .collect();
    let m = usable.len();
    if m < 2 {
        return None;
    }
    let mut cum_n = vec![0.0f64; m + 1];
    let mut cum_k = vec![0.0f64; m + 1];
    for (j, &i) in usable.iter().enumerate() {
        cum_n[j + 1] = cum_n[j] + f64::from(rows[i]);
        cum_k[j + 1] = cum_k[j] + f64::from(events[i]);
    }
    let (n_all, k_all) = (cum_n[m], cum_k[m]);
    let ll_all = binomial_ll(k_all, n_all);
    let mut best: Option<(f64, usize, usize, f64, f64)> = None;
    for a in 0..m {
        for b in a + 1..=m {
            if a == 0 && b == m {
                continue;
            }
            let (n_in, k_in) = (cum_n[b] - cum_n[a], cum_k[b] - cum_k[a]);
            let (n_out, k_out) = (n_all - n_in, k_all - k_in);
            let (r_in, r_out) = (k_in / n_in, k_out / n_out);
            if r_in <= r_out {
                continue;
            }
            let lr = 2.0 * (binomial_ll(k_in, n_in) + binomial_ll(k_out, n_out) - ll_all);
            if best.is_none_or(|b| lr > b.0) {
                best = Some((lr, a, b, r_in, r_out));
            }
        }
    }
    let (lr, a, b, rate_during, rate_outside) = best?;
    let candidates = (m * (m + 1) / 2 - 1) as f64;
    Some(Segment {
        first: usable[a],
        end: usable[b - 1] + 1,
        rate_during,
        rate_outside,
        lr,
        p_value: (candidates * chi2_1_sf(lr)).min(1.0),
    })
}

/// Lower-case word tokens of a column name: split at non-alphanumerics and camelCase humps.
pub fn name_tokens(name: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for ch in name.chars() {
        if !ch.is_alphanumeric() {
            if !cur.is_empty() {
                tokens.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if ch.is_uppercase() && prev_lower && !cur.is_empty() {
            tokens.push(std::mem::take(&mut cur));
        }
        prev_lower = ch.is_lowercase() || ch.is_ascii_digit();
        cur.extend(ch.to_lowercase());
    }
    if !cur.is_empty() {
        tokens.push(cur);
    }
    tokens
}

/// Similarity of two column names in [0, 1]: the larger of the Jaro-Winkler similarity of the
/// normalised names (tokens joined by "_") and the Dice coefficient of their token sets, where
/// two tokens match when their Jaro-Winkler similarity is at least 0.9 ("acct" ≈ "accts").
/// `open_accounts` vs `num_open_accounts`: Dice 2·2/(2+3) = 0.8.
pub fn name_similarity(a: &str, b: &str) -> f64 {
    let (ta, tb) = (name_tokens(a), name_tokens(b));
    let (na, nb) = (ta.join("_"), tb.join("_"));
    let jw = strsim::jaro_winkler(&na, &nb);
    if ta.is_empty() || tb.is_empty() {
        return jw;
    }
    let mut used = vec![false; tb.len()];
    let mut matched = 0usize;
    for x in &ta {
        if let Some(j) = (0..tb.len()).find(|&j| !used[j] && strsim::jaro_winkler(x, &tb[j]) >= 0.9)
        {
            used[j] = true;
            matched += 1;
        }
    }
    let dice = 2.0 * matched as f64 / (ta.len() + tb.len()) as f64;
    jw.max(dice)
}

/// Quantile of sorted values by linear interpolation between closest ranks (numpy's default,
/// "linear"). `None` when empty.
pub fn quantile_sorted(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let pos = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    let frac = pos - lo as f64;
    Some(sorted[lo] + (sorted[hi] - sorted[lo]) * frac)
}

/// A category normalised for spotting spelling variants: lower case, with whitespace,
/// punctuation and symbols removed ("Self-Employed " → "selfemployed").
pub fn normalise_category(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn z_test_matches_statsmodels() {
        // statsmodels 0.15.0: proportions_ztest([30, 10], [1000, 1000], alternative="larger")
        // → (3.1943828249996993, 0.0007006507904801069)
        let (z, p) = two_proportion_z(30, 1000, 10, 1000);
        assert!((z - 3.1943828249996993).abs() < 1e-12, "{z}");
        assert!((p / 0.0007006507904801069 - 1.0).abs() < 1e-9, "{p}");
        assert_eq!(two_proportion_z(0, 10, 0, 10), (0.0, 1.0));
        // Enough rows: the z-test.
        let (_, p2, test) = two_proportion_test(30, 1000, 10, 1000);
        assert_eq!((p2, test), (p, ProportionTest::ZTest));
    }

    #[test]
    fn few_rows_use_fishers_exact_test() {
        // scipy 1.17.1: fisher_exact([[2, 98], [1, 999]], alternative="greater").pvalue
        // → 0.02310595325109265
        let (_, p, test) = two_proportion_test(2, 100, 1, 1000);
        assert_eq!(test, ProportionTest::FisherExact);
        assert!((p / 0.02310595325109265 - 1.0).abs() < 1e-9, "{p}");
        // fisher_exact([[10, 30], [0, 40]], alternative="greater").pvalue → 0.0005148281748755057
        let p = hypergeom_sf(10, 80, 10, 40);
        assert!((p / 0.0005148281748755057 - 1.0).abs() < 1e-9, "{p}");
        assert_eq!(hypergeom_sf(0, 10, 3, 5), 1.0);
        assert_eq!(hypergeom_sf(4, 10, 3, 5), 0.0);
    }

    #[test]
    fn exchangeable_tail_is_a_product() {
        // Equal samples: each of the top k lands in "current" with probability ~1/2.
        let p = all_on_one_side(1, 100, 200);
        assert!((p - 0.5).abs() < 1e-12);
        let p2 = all_on_one_side(2, 100, 200);
        assert!((p2 - 100.0 / 200.0 * 99.0 / 199.0).abs() < 1e-15);
        assert_eq!(all_on_one_side(0, 5, 10), 1.0);
        assert_eq!(all_on_one_side(6, 5, 10), 0.0);
        // scipy 1.17.1: hypergeom.pmf(3, 30, 3, 10) → 0.029556650246305414 (= 120/4060).
        assert!((all_on_one_side(3, 10, 30) - 0.029556650246305414).abs() < 1e-15);
    }

    #[test]
    fn change_point_finds_a_step_up() {
        let rows = vec![100u32; 40];
        let mut events = vec![1u32; 40];
        for e in events.iter_mut().skip(25) {
            *e = 35;
        }
        let s = rate_change_point(&rows, &events, 5).expect("segment");
        assert_eq!((s.first, s.end), (25, 40));
        assert!((s.rate_during - 0.35).abs() < 1e-12);
        assert!((s.rate_outside - 0.01).abs() < 1e-12);
        assert!(s.p_value < 1e-20, "{}", s.p_value);
        // A temporary spike ends.
        for e in events.iter_mut().skip(30) {
            *e = 1;
        }
        let s = rate_change_point(&rows, &events, 5).expect("segment");
        assert_eq!((s.first, s.end), (25, 30));
    }

    #[test]
    fn change_point_on_a_flat_rate_is_not_significant() {
        let rows = vec![100u32; 30];
        let events: Vec<u32> = (0..30).map(|i| [2u32, 3, 1, 2, 4][i % 5]).collect();
        let s = rate_change_point(&rows, &events, 5).expect("segment");
        assert!(s.p_value > 0.05, "{s:?}");
    }

    #[test]
    fn names() {
        assert_eq!(
            name_tokens("numOpenAccounts"),
            vec!["num", "open", "accounts"]
        );
        assert_eq!(name_tokens("open_accounts"), vec!["open", "accounts"]);
        assert!((name_similarity("open_accounts", "num_open_accounts") - 0.8).abs() < 0.05);
        assert!(name_similarity("income", "income") > 0.999);
        assert!(name_similarity("age", "loan_term_months") < 0.6);
        assert_eq!(normalise_category(" Self-Employed "), "selfemployed");
    }

    #[test]
    fn quantiles_match_numpy_linear() {
        let v = [1.0, 2.0, 3.0, 4.0];
        // numpy.quantile([1,2,3,4], 0.25) == 1.75
        assert_eq!(quantile_sorted(&v, 0.25), Some(1.75));
        assert_eq!(quantile_sorted(&v, 1.0), Some(4.0));
    }
}

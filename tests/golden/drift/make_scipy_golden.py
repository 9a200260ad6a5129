"""Generates scipy_golden.json for Sextant's drift statistics core.

Run:  python3 tests/golden/drift/make_scipy_golden.py
Versions used for the committed fixture: Python 3.11.7, numpy 2.4.6, scipy 1.17.1
(recorded again inside the JSON under "versions").

Exact calls (all with library defaults unless stated):
  scipy.stats.ks_2samp(ref, cur)                         -> statistic, pvalue,
                                                            statistic_location, statistic_sign
  scipy.stats.kstwo.sf(x, n)                             -> kolmogorov table
  scipy.special.smirnov(n, x)                            -> smirnov table
  scipy.stats.wasserstein_distance(ref, cur)
  max(np.std(ref), 0.001)                                -> Evidently normed Wasserstein divisor
  scipy.stats.energy_distance(ref, cur)
  scipy.stats.anderson_ksamp([ref, cur])                 -> statistic, critical_values, pvalue
                                                            (midrank=True default)
  scipy.stats.cramervonmises_2samp(ref, cur)             -> statistic, pvalue (method='auto')
  scipy.stats.ttest_ind(ref, cur, equal_var=False)       -> statistic, pvalue, df
  scipy.stats.mannwhitneyu(ref, cur)                     -> statistic, pvalue
  np.histogram_bin_edges(np.concatenate([ref, cur]), bins="sturges") and
  np.histogram(ref, edges)                               -> Evidently 0.7 get_binned_data
  scipy.stats.entropy(ref_filled, cur_filled)            -> KL (Evidently kl_div)
  scipy.spatial.distance.jensenshannon(ref_sh, cur_sh[, base=2])
  scipy.stats.chisquare(f_obs=cur, f_exp=ref*n_cur/n_ref)
  scipy.stats.contingency.association(table, method="cramer")
  Evidently z-test: 2*(1 - scipy.stats.norm.cdf(abs(z))), pooled proportion.

Large samples are not stored: they are generated identically in Rust and Python
by gen(): value_i = frac(i * mul) * scale + shift, i = 1..n, using only IEEE
multiplication, fmod and addition, which are bit-identical in both languages.
"""
import json
import math
import sys
import warnings

import numpy as np
import scipy
from scipy import stats, special
from scipy.spatial import distance

warnings.simplefilter("ignore")


def gen(spec):
    n, mul, scale, shift = spec["n"], spec["mul"], spec["scale"], spec["shift"]
    return np.array([math.fmod(i * mul, 1.0) * scale + shift for i in range(1, n + 1)])


def fill_zeros(p):
    p = p.copy()
    nz = p[p != 0]
    m = nz.min()
    p[p == 0] = m / 10**6 if m <= 0.0001 else 0.0001
    return p


def hellinger(r, c):
    return math.sqrt(1.0 - float(np.clip(np.sum(np.sqrt(r * c)), 0, 1)))


def divergences(r, c):
    rf, cf = fill_zeros(r), fill_zeros(c)
    return {
        "psi": float(np.sum((rf - cf) * np.log(rf / cf))),
        "kl_divergence": float(stats.entropy(rf, cf)),
        "jensen_shannon_distance": float(distance.jensenshannon(r, c)),
        "jensen_shannon_distance_base2": float(distance.jensenshannon(r, c, base=2)),
        "hellinger": hellinger(r, c),
    }


def binned(ref, cur, integer):
    """Evidently 0.7 get_binned_data without zero filling."""
    if len(np.unique(ref)) > 20:
        all_ = np.concatenate([ref, cur])
        if integer:
            all_ = all_.astype(np.int64)
        edges = np.histogram_bin_edges(all_, bins="sturges")
        r = np.histogram(ref, edges)[0] / len(ref)
        c = np.histogram(cur, edges)[0] / len(cur)
        return {"edges": edges.tolist()}, r, c
    keys = np.unique(np.concatenate([ref, cur]))
    r = np.array([np.sum(ref == k) for k in keys]) / len(ref)
    c = np.array([np.sum(cur == k) for k in keys]) / len(cur)
    return {"values": keys.tolist()}, r, c


def numeric_case(name, ref, cur, integer=False, ref_gen=None, cur_gen=None):
    ref = np.asarray(ref, dtype=float)
    cur = np.asarray(cur, dtype=float)
    ks = stats.ks_2samp(ref, cur)
    ad = stats.anderson_ksamp([ref, cur])
    cvm = stats.cramervonmises_2samp(ref, cur)
    tt = stats.ttest_ind(ref, cur, equal_var=False)
    mw = stats.mannwhitneyu(ref, cur)
    bins, r, c = binned(ref, cur, integer)
    exp = {
        "ks_statistic": float(ks.statistic),
        "ks_p_value": float(ks.pvalue),
        "ks_location": float(ks.statistic_location),
        "ks_sign": int(ks.statistic_sign),
        "wasserstein": float(stats.wasserstein_distance(ref, cur)),
        "wasserstein_normed": float(stats.wasserstein_distance(ref, cur) / max(np.std(ref), 0.001)),
        "energy_distance": float(stats.energy_distance(ref, cur)),
        "anderson_statistic": float(ad.statistic),
        "anderson_critical_values": [float(v) for v in ad.critical_values],
        "anderson_p_value": float(ad.pvalue),
        "cvm_statistic": float(cvm.statistic),
        "cvm_p_value": float(cvm.pvalue),
        "t_statistic": float(tt.statistic),
        "t_df": float(tt.df),
        "t_p_value": float(tt.pvalue),
        "mwu_statistic": float(mw.statistic),
        "mwu_p_value": float(mw.pvalue),
        "bins": bins,
        "reference_shares": r.tolist(),
        "current_shares": c.tolist(),
    }
    exp.update(divergences(r, c))
    case = {"name": name, "integer": integer, "expected": exp}
    if ref_gen is None:
        case["reference"] = ref.tolist()
        case["current"] = cur.tolist()
    else:
        case["reference_gen"] = ref_gen
        case["current_gen"] = cur_gen
    return case


def categorical_case(name, ref, cur):
    keys = sorted(set(ref) | set(cur))
    rc = np.array([ref.get(k, 0) for k in keys], dtype=float)
    cc = np.array([cur.get(k, 0) for k in keys], dtype=float)
    nr, nc = rc.sum(), cc.sum()
    exp = {}
    with np.errstate(all="ignore"):
        chi = stats.chisquare(cc, rc * (nc / nr))
    exp["chi_square_statistic"] = float(chi.statistic) if np.isfinite(chi.statistic) else "inf"
    exp["chi_square_p_value"] = float(chi.pvalue)
    if len(keys) <= 2:
        if len(keys) == 1:
            exp["z_test_p_value"] = 1.0
        else:
            p1, p2 = rc[1] / nr, cc[1] / nc
            P = (p1 * nr + p2 * nc) / (nr + nc)
            z = (p1 - p2) / np.sqrt(P * (1 - P) * (1.0 / nr + 1.0 / nc))
            exp["z_test_p_value"] = float(2 * (1 - stats.norm.cdf(np.abs(z))))
    r, c = rc / nr, cc / nc
    exp.update(divergences(r, c))
    diffs = np.abs(r - c)
    exp["l_infinity"] = float(diffs.max())
    exp["l_infinity_category"] = keys[int(np.argmax(diffs))]
    if len(keys) >= 2:
        exp["cramers_v"] = float(stats.contingency.association(np.array([rc, cc]).astype(np.int64), method="cramer"))
    return {"name": name, "reference": ref, "current": cur, "expected": exp}


def stringify(v):
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, dict):
        return {k: stringify(x) for k, x in v.items()}
    if isinstance(v, list):
        return [stringify(x) for x in v]
    return v


def main():
    rng = np.random.default_rng(20240611)
    numeric = []
    numeric.append(numeric_case("small_ties_unequal",
                                [1, 2, 2, 3, 3, 3, 4, 5], [2, 3, 3, 4, 4, 5, 6], integer=True))
    numeric.append(numeric_case("equal_n_10", rng.normal(0, 1, 10), rng.normal(0.8, 1, 10)))
    numeric.append(numeric_case("tiny_no_ties", [0.3, 1.7, 2.2, 4.1, 5.9],
                                [0.5, 2.9, 3.3, 6.1, 7.2, 8.8, 9.4]))
    numeric.append(numeric_case("eight_vs_30_no_ties", rng.normal(0, 1, 8), rng.normal(0.5, 2, 30)))
    numeric.append(numeric_case("medium_shift_tiny_p", rng.normal(0, 1, 300), rng.normal(1.5, 1.2, 250)))
    numeric.append(numeric_case("rounded_many_ties", np.round(rng.normal(0, 1, 400), 1),
                                np.round(rng.normal(0.1, 1, 380), 1)))
    numeric.append(numeric_case("few_distinct_new_vanished", [1, 1, 2, 2, 2, 3, 3, 4] * 5,
                                [2, 2, 3, 3, 3, 5, 5, 5, 6] * 4, integer=True))
    numeric.append(numeric_case("integer_many_distinct", rng.integers(0, 60, 200),
                                rng.integers(5, 70, 150), integer=True))
    gens = [
        ("boundary_exact_10000", {"n": 10000, "mul": 0.6180339887498949, "scale": 1.0, "shift": 0.0},
         {"n": 3000, "mul": 0.41421356237309515, "scale": 1.0, "shift": 0.02}),
        ("boundary_asymp_10001", {"n": 10001, "mul": 0.6180339887498949, "scale": 1.0, "shift": 0.0},
         {"n": 3000, "mul": 0.41421356237309515, "scale": 1.0, "shift": 0.02}),
        ("large_asymp_12000_15000", {"n": 12000, "mul": 0.6180339887498949, "scale": 2.0, "shift": -1.0},
         {"n": 15000, "mul": 0.7320508075688772, "scale": 2.1, "shift": -1.0}),
        ("large_asymp_tiny_p", {"n": 20000, "mul": 0.6180339887498949, "scale": 1.0, "shift": 0.0},
         {"n": 11000, "mul": 0.7320508075688772, "scale": 1.0, "shift": 0.05}),
        ("asymp_small_other_side", {"n": 12000, "mul": 0.6180339887498949, "scale": 1.0, "shift": 0.0},
         {"n": 60, "mul": 0.7320508075688772, "scale": 1.0, "shift": 0.1}),
    ]
    for name, rg, cg in gens:
        numeric.append(numeric_case(name, gen(rg), gen(cg), ref_gen=rg, cur_gen=cg))

    # Sturges edges for integer dtype (width clamped to 1) and float dtype.
    sturges = []
    for name, data, integer in [
        ("int_narrow", rng.integers(0, 6, 100), True),
        ("float_narrow", rng.integers(0, 6, 100).astype(float), False),
        ("float_wide", rng.normal(3, 2, 333), False),
        ("constant", np.full(7, 4.0), False),
    ]:
        arr = data.astype(np.int64) if integer else data.astype(float)
        edges = np.histogram_bin_edges(arr, bins="sturges")
        half = len(arr) // 2
        sturges.append({"name": name, "integer": integer,
                        "reference": arr[:half].astype(float).tolist(),
                        "current": arr[half:].astype(float).tolist(),
                        "edges": edges.tolist(),
                        "reference_counts": np.histogram(arr[:half], edges)[0].tolist(),
                        "current_counts": np.histogram(arr[half:], edges)[0].tolist()})

    kolmogorov = []
    for n, x in [(5, 0.15), (5, 0.3), (5, 0.6), (5, 0.9), (50, 0.05), (50, 0.1), (50, 0.2),
                 (50, 0.35), (50, 0.5), (140, 0.07), (140, 0.2), (141, 0.02), (141, 0.05),
                 (500, 0.03), (500, 0.05), (500, 0.1), (1000, 0.02), (2000, 0.01),
                 (5000, 0.021), (100000, 0.0004), (100000, 0.003), (100001, 0.002),
                 (500000, 0.0015), (500000, 0.004), (1000, 0.3), (20, 0.97), (200, 0.004)]:
        kolmogorov.append({"n": n, "x": x, "sf": float(stats.kstwo.sf(x, n))})
    smirnov = []
    for n, x in [(2, 0.3), (10, 0.05), (10, 0.1), (10, 0.35), (10, 0.95), (100, 0.2), (1000, 0.05),
                 (1000, 0.001), (50000, 0.01), (200000, 0.004)]:
        smirnov.append({"n": n, "x": x, "sf": float(special.smirnov(n, x))})

    categorical = [
        categorical_case("three_cats", {"a": 50, "b": 30, "c": 20}, {"a": 40, "b": 35, "c": 25}),
        categorical_case("new_and_vanished", {"a": 10, "b": 5, "c": 3}, {"a": 8, "c": 6, "d": 2}),
        categorical_case("binary", {"x": 70, "y": 30}, {"x": 50, "y": 50}),
        categorical_case("binary_tiny_p", {"x": 7000, "y": 3000}, {"x": 5000, "y": 5000}),
        categorical_case("tiny_share_fill", {"a": 100000, "b": 3, "c": 5000}, {"a": 90000, "b": 2}),
        categorical_case("many_cats", {f"k{i:02d}": 10 + i * 3 for i in range(25)},
                         {f"k{i:02d}": 40 - i for i in range(25)}),
    ]
    out = {
        "versions": {"python": sys.version.split()[0], "numpy": np.__version__,
                     "scipy": scipy.__version__},
        "numeric": numeric,
        "sturges": sturges,
        "kolmogorov": kolmogorov,
        "smirnov": smirnov,
        "categorical": categorical,
    }
    path = __file__.replace("make_scipy_golden.py", "scipy_golden.json")
    with open(path, "w") as f:
        # Floats are written as repr() strings: exact round trip regardless of
        # the JSON parser's float handling (serde_json's default parser is not
        # always correctly rounded without its `float_roundtrip` feature).
        json.dump(stringify(out), f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()

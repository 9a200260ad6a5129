"""Golden values for the integrity statistics, from independent implementations.

Run from this directory: python3 make_golden.py  (numpy 2.4.6, scipy 1.17.1, statsmodels 0.15.0)
Writes stats_golden.json, read by tests/integrity.rs.

- two_proportion: statsmodels.stats.proportion.proportions_ztest(alternative="larger") for
  the z-test, scipy.stats.fisher_exact(alternative="greater") for the exact test.
- hypergeom_sf: scipy.stats.hypergeom.sf(k - 1, total, successes, draws).
- all_on_one_side: scipy.stats.hypergeom.pmf(k, n_total, k, n_side).
- change_point: a brute-force search of the epidemic binomial change point written here with
  numpy (every run of windows, likelihood ratio against one rate), p = min(1, M chi2.sf(lr, 1)).
"""
import json

import numpy as np
from scipy.stats import chi2, fisher_exact, hypergeom
from statsmodels.stats.proportion import proportions_ztest

out = {"two_proportion": [], "hypergeom_sf": [], "all_on_one_side": [], "change_point": []}

for k1, n1, k0, n0 in [(30, 1000, 10, 1000), (1673, 10450, 259, 25763), (120, 5000, 90, 5000),
                       (2, 100, 1, 1000), (3, 50, 0, 400), (5, 20, 2, 30)]:
    z, p = proportions_ztest([k1, k0], [n1, n0], alternative="larger")
    fisher = fisher_exact([[k1, n1 - k1], [k0, n0 - k0]], alternative="greater").pvalue
    out["two_proportion"].append({"k1": k1, "n1": n1, "k0": k0, "n0": n0,
                                  "z": float(z), "p_z": float(p), "p_fisher": float(fisher)})

for k, total, successes, draws in [(3, 1100, 3, 100), (10, 80, 10, 40), (5, 1000, 40, 100),
                                   (1, 50, 10, 10), (7, 36213, 7, 10450)]:
    out["hypergeom_sf"].append({"k": k, "total": total, "successes": successes, "draws": draws,
                                "sf": float(hypergeom.sf(k - 1, total, successes, draws))})

for k, n_side, n_total in [(1, 100, 200), (6, 10450, 36213), (10, 500, 1000), (3, 10, 30)]:
    out["all_on_one_side"].append({"k": k, "n_side": n_side, "n_total": n_total,
                                   "p": float(hypergeom.pmf(k, n_total, k, n_side))})


def ll(k, n):
    r = k / n
    t = 0.0
    if k > 0:
        t += k * np.log(r)
    if n - k > 0:
        t += (n - k) * np.log(1 - r)
    return t


def brute(rows, events, min_rows):
    usable = [i for i in range(len(rows)) if rows[i] >= max(min_rows, 1)]
    m = len(usable)
    n = np.array([rows[i] for i in usable], float)
    k = np.array([events[i] for i in usable], float)
    N, K = n.sum(), k.sum()
    l0 = ll(K, N)
    best = None
    for a in range(m):
        for b in range(a + 1, m + 1):
            if a == 0 and b == m:
                continue
            ni, ki = n[a:b].sum(), k[a:b].sum()
            no, ko = N - ni, K - ki
            if ki / ni <= ko / no:
                continue
            lr = 2 * (ll(ki, ni) + ll(ko, no) - l0)
            if best is None or lr > best[0]:
                best = (lr, a, b, ki / ni, ko / no)
    lr, a, b, rin, rout = best
    M = m * (m + 1) // 2 - 1
    return {"first": usable[a], "end": usable[b - 1] + 1, "lr": lr, "rate_during": rin,
            "rate_outside": rout, "p_value": min(1.0, M * chi2.sf(lr, 1))}


rng = np.random.default_rng(4)
for case in range(3):
    w = 60
    rows = rng.integers(40, 120, w)
    rows[7] = 2  # a window too small to use
    rate = np.full(w, 0.02)
    if case == 0:
        rate[40:] = 0.3  # starts and lasts
    elif case == 1:
        rate[20:31] = 0.15  # a temporary spike
    # case 2: no change
    events = rng.binomial(rows, rate)
    res = brute(rows.tolist(), events.tolist(), 5)
    out["change_point"].append({"rows": rows.tolist(), "events": events.tolist(),
                                "min_rows": 5, **res})

with open("stats_golden.json", "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")

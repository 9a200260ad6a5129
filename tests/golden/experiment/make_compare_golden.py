#!/usr/bin/env python3
"""Golden values for champion against challenger offline (src/analysis/experiment/roc.rs and
offline.rs; tests/compare_stats.rs and tests/compare_cli.rs read compare.json, and never need
Python).

Reproduce (the pins are in requirements_compare.txt):
    python3 -m venv /tmp/venvC && /tmp/venvC/bin/pip install -r requirements_compare.txt
    /tmp/venvC/bin/python make_compare_golden.py

Which scikit-learn matters: log_loss clips at np.finfo(y_pred.dtype).eps (2.22e-16 for
float64) in 1.5.2; 1.3 and earlier clipped at eps=1e-15 by default. roc_curve's first
threshold is np.inf since 1.3 (max(score) + 1 before).

Inputs are deterministic (numpy RandomState with fixed seeds) and written into the JSON next
to the reference values. The input scores are written as strings (Python's repr, the shortest
decimal that reads back as the same float): serde_json without its float_roundtrip feature may
read a decimal one ulp off, which would break ties (1 - 2**-53 against 1.0) that the cases
test on purpose; Rust's str::parse is exact. JSON has no infinity: roc_curve's first threshold
is written as the string "Infinity", the crate's convention for non-finite numbers.
"""

import json
import math
import sys
from pathlib import Path

import numpy as np
import scipy
import scipy.stats as st
import sklearn
from sklearn.metrics import accuracy_score, log_loss, roc_auc_score, roc_curve
import statsmodels
from statsmodels.stats.contingency_tables import mcnemar

OUT = Path(__file__).resolve().parent


def lst(a):
    return [float(x) for x in a]


def num(x):
    x = float(x)
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return x


def fast_delong(y, s1, s2):
    """Sun & Xu (2014) fast DeLong, as make_golden.py's fast_delong (the algorithm of
    yandexdataschool/roc_comparison), midranks by scipy.stats.rankdata; difference s1 - s2."""
    y = np.asarray(y)
    order = np.argsort(-y, kind="stable")  # positives first
    preds = np.vstack([s1, s2])[:, order]
    m = int(y.sum())
    n = len(y) - m
    tx = np.empty((2, m))
    ty = np.empty((2, n))
    tz = np.empty((2, m + n))
    for r in range(2):
        tx[r] = st.rankdata(preds[r, :m], method="average")
        ty[r] = st.rankdata(preds[r, m:], method="average")
        tz[r] = st.rankdata(preds[r], method="average")
    aucs = tz[:, :m].sum(axis=1) / m / n - (m + 1.0) / 2.0 / n
    v01 = (tz[:, :m] - tx) / n
    v10 = 1.0 - (tz[:, m:] - ty) / m
    cov = np.cov(v01) / m + np.cov(v10) / n
    l = np.array([1.0, -1.0])
    var = float(l @ cov @ l)
    diff = float(aucs[0] - aucs[1])
    z = diff / math.sqrt(var)
    return diff, var, z, float(2 * st.norm.sf(abs(z)))


def logistic(x):
    return 1 / (1 + np.exp(-x))


def inputs():
    rs = np.random.RandomState(20261212)
    cases = []

    # two decimals (many ties), challenger better separated
    n = 600
    y = (rs.rand(n) < 0.3).astype(int)
    z = rs.normal(0, 1, n)
    a = np.round(logistic(1.0 * (2 * y - 1) + z), 2)
    b = np.round(logistic(1.3 * (2 * y - 1) + 0.8 * z + rs.normal(0, 0.6, n)), 2)
    cases.append(("two_decimals", y, a, b, 0.5))

    # four decimals with scores at and beyond the clip: 0, 1, 1e-300, 1e-17, 1 - 2^-53
    n = 1500
    y = (rs.rand(n) < 0.45).astype(int)
    z = rs.normal(0, 1, n)
    a = np.round(logistic(1.5 * (2 * y - 1) + z), 4)
    b = np.round(logistic(1.4 * (2 * y - 1) + z + rs.normal(0, 0.5, n)), 4)
    a[:6] = [0.0, 1.0, 1e-300, 1e-17, 1 - 2.0**-53, 0.3]
    b[:6] = [1.0, 0.0, 1e-17, 1e-300, 0.3, 1 - 2.0**-53]
    cases.append(("extremes", y, a, b, 0.3))

    # one decimal: heavy ties, scores exactly at the threshold (predicted positive)
    n = 200
    y = (rs.rand(n) < 0.5).astype(int)
    a = np.round(logistic(0.8 * (2 * y - 1) + rs.normal(0, 1, n)), 1)
    b = np.round(logistic(0.9 * (2 * y - 1) + rs.normal(0, 1, n)), 1)
    cases.append(("one_decimal", y, a, b, 0.5))

    # imbalanced: 4 % positives, the champion is the better model
    n = 3000
    y = (rs.rand(n) < 0.04).astype(int)
    z = rs.normal(0, 1, n)
    a = np.round(logistic(-3 + 2.2 * y + z), 3)
    b = np.round(logistic(-3 + 1.6 * y + z + rs.normal(0, 0.7, n)), 3)
    cases.append(("imbalanced", y, a, b, 0.2))
    return cases


def main():
    alpha = 0.05
    out = []
    for name, y, a, b, t in inputs():
        case = {
            "name": name,
            "threshold": t,
            "labels": [int(v) for v in y],
            "champion": [repr(float(x)) for x in a],
            "challenger": [repr(float(x)) for x in b],
        }
        for key, s in [("champion_expected", a), ("challenger_expected", b)]:
            # sklearn.metrics.roc_curve(y, s, drop_intermediate=True)
            fpr, tpr, thr = roc_curve(y, s, drop_intermediate=True)
            case[key] = {
                "roc_auc": float(roc_auc_score(y, s)),
                "accuracy": float(accuracy_score(y, (s >= t).astype(int))),
                "log_loss": float(log_loss(y, s)),
                "roc_curve": {
                    "fpr": lst(fpr),
                    "tpr": lst(tpr),
                    "thresholds": [num(x) for x in thr],
                },
            }
        # DeLong of challenger - champion, and its normal interval at 1 - alpha
        diff, var, z, p = fast_delong(y, b, a)
        half = st.norm.ppf(1 - alpha / 2) * math.sqrt(var)
        case["delong"] = {
            "difference": diff,
            "variance": var,
            "z": z,
            "p_value": p,
            "ci_low": diff - half,
            "ci_high": diff + half,
        }
        # McNemar on [[both right, champion only], [challenger only, both wrong]]:
        # statsmodels mcnemar(table, exact=True) and (exact=False, correction=True)
        ra = (a >= t).astype(int) == y
        rb = (b >= t).astype(int) == y
        table = [
            [int(np.sum(ra & rb)), int(np.sum(ra & ~rb))],
            [int(np.sum(~ra & rb)), int(np.sum(~ra & ~rb))],
        ]
        ex = mcnemar(np.array(table), exact=True)
        ch = mcnemar(np.array(table), exact=False, correction=True)
        case["mcnemar"] = {
            "table": table,
            "exact_p_value": float(ex.pvalue),
            "chi2": float(ch.statistic),
            "chi2_p_value": float(ch.pvalue),
        }
        out.append(case)
    payload = {
        "generator": "tests/golden/experiment/make_compare_golden.py",
        "versions": {
            "python": sys.version.split()[0],
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "scikit-learn": sklearn.__version__,
            "statsmodels": statsmodels.__version__,
        },
        "alpha": alpha,
        "cases": out,
    }
    (OUT / "compare.json").write_text(json.dumps(payload, indent=1) + "\n")


if __name__ == "__main__":
    main()

"""Golden values of the feedback-loop checks (tests/feedback.rs reads feedback.json).

- Granger causality: statsmodels.tsa.stattools.grangercausalitytests(np.column_stack([effect,
  cause]), maxlag=K, verbose=False)[lag][0]["ssr_ftest"] -> (F, p, df_denom, df_num). The
  first column is the effect (the feature's window mean), the second the cause (the score's).
- Cross-correlation: statsmodels.tsa.stattools.ccf(effect, cause, adjusted=True, fft=True,
  nlags=K + 1): element k = corr(effect[t + k], cause[t]) with the covariance divided by n - k
  and the standard deviations by n (np.std).

Run: python -m venv venv && venv/bin/pip install -r requirements.txt && venv/bin/python
make_golden.py (writes feedback.json next to this file).
"""

import json
import os
import warnings

import numpy as np
from statsmodels.tsa.stattools import ccf, grangercausalitytests

warnings.simplefilter("ignore")  # statsmodels' verbose deprecation warning


def case(name, effect, cause, max_lag):
    res = grangercausalitytests(np.column_stack([effect, cause]), maxlag=max_lag, verbose=False)
    granger = []
    for lag in range(1, max_lag + 1):
        f, p, df_denom, df_num = res[lag][0]["ssr_ftest"]
        granger.append(
            {"lag": lag, "f_statistic": float(f), "p_value": float(p),
             "df_denom": int(df_denom), "df_num": int(df_num)}
        )
    cc = ccf(effect, cause, adjusted=True, fft=True, nlags=max_lag + 1)
    return {
        "name": name,
        "effect": [float(v) for v in effect],
        "cause": [float(v) for v in cause],
        "max_lag": max_lag,
        "granger": granger,
        "ccf": [float(v) for v in cc],
    }


rng = np.random.default_rng(20251201)
cases = []

# A planted loop: the effect follows the cause with a lag of 3, plus its own AR(1) memory.
n = 80
cause = rng.normal(0.3, 0.05, n)
effect = np.zeros(n)
for t in range(n):
    effect[t] = 0.5 + (0.3 * effect[t - 1] if t else 0.0) + rng.normal(0, 0.01)
    if t >= 3:
        effect[t] -= 0.4 * (cause[t - 3] - 0.3)
cases.append(case("lag3", effect, cause, 5))

# No relation: two independent series.
cases.append(case("independent", rng.normal(10, 2, 60), rng.normal(0, 1, 60), 4))

# The shortest series statsmodels accepts for K = 2: n = 3K + 2 = 8.
cases.append(case("shortest", rng.normal(0, 1, 8), rng.normal(0, 1, 8), 2))

# A weak effect at lag 1 on a trend (p-values in the middle of the range).
n = 40
cause = rng.normal(0, 1, n)
effect = np.linspace(0, 2, n) + rng.normal(0, 1, n)
effect[1:] += 0.35 * cause[:-1]
cases.append(case("weak_lag1", effect, cause, 3))

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "feedback.json")
with open(out, "w") as f:
    json.dump({"cases": cases}, f, indent=1)
    f.write("\n")
print(out)

"""Golden values of the retraining lab's two learners.

Run:  python make_golden.py   (with requirements.txt installed; writes golden.json here)

* ``scratch``: scikit-learn 1.5.2 ``LogisticRegression(C=1.0, solver="newton-cholesky",
  tol=1e-14, max_iter=1000)`` fitted on the training rows z-scored by their own mean and
  population standard deviation (ddof 0; a constant column becomes 0). Categorical ``g`` is
  one-hot encoded over its training levels, sorted, all kept; the test rows hold a level the
  training rows never had ("d"), which encodes as all zeros. The objective is the documented
  C = 1 one: sum of log losses + ||w||^2 / 2, intercept not penalised.
* ``river``: River 0.26.1 ``evaluate.iter_progressive_val_score`` of
  ``preprocessing.StandardScaler() | linear_model.LogisticRegression()`` at its defaults, with
  ``moment`` = the row's time and ``delay`` = 2 days (a constant, so labels are revealed in row
  order), ``yield_predictions=True``; the probability of class True for every row, in row order.
"""

import datetime as dt
import json
import math

import numpy as np
import river
import sklearn
from river import evaluate, linear_model, metrics, preprocessing
from sklearn.linear_model import LogisticRegression

rng = np.random.default_rng(20261203)


def one_hot(levels, values):
    return [[1.0 if v == lv else 0.0 for lv in levels] for v in values]


def scratch_case():
    n_train, n_test = 240, 60
    a = rng.normal(0.0, 1.0, n_train + n_test)
    b = rng.lognormal(8.0, 0.6, n_train + n_test)  # a large scale: income-like
    c = np.full(n_train + n_test, 5.0)  # constant: std 0, z = 0
    g = rng.choice(["b", "a", "c"], n_train + n_test, p=[0.5, 0.3, 0.2]).tolist()
    g[n_train + 3] = "d"  # unseen at training time
    g[n_train + 7] = "d"
    eta = 0.8 * a - 0.0004 * (b - 3000.0) + np.array([{"a": 0.5, "b": -0.3, "c": 1.0, "d": 0.0}[v] for v in g])
    y = (rng.random(n_train + n_test) < 1.0 / (1.0 + np.exp(-eta))).astype(int)
    levels = sorted(set(g[:n_train]))
    X = np.column_stack([a, b, c, np.array(one_hot(levels, g))])
    Xtr, Xte = X[:n_train], X[n_train:]
    mean = Xtr.mean(axis=0)
    std = Xtr.std(axis=0)  # ddof 0
    safe = np.where(std == 0.0, 1.0, std)
    Ztr = np.where(std == 0.0, 0.0, (Xtr - mean) / safe)
    Zte = np.where(std == 0.0, 0.0, (Xte - mean) / safe)
    model = LogisticRegression(C=1.0, solver="newton-cholesky", tol=1e-14, max_iter=1000)
    model.fit(Ztr, y[:n_train])
    p = model.predict_proba(Zte)[:, 1]
    return {
        "call": 'LogisticRegression(C=1.0, solver="newton-cholesky", tol=1e-14, max_iter=1000)'
        ".fit(z_train, y_train); predict_proba(z_test)[:, 1]",
        "columns": ["a", "b", "c", "g=a", "g=b", "g=c"],
        "levels": levels,
        "train": {"a": a[:n_train].tolist(), "b": b[:n_train].tolist(), "c": c[:n_train].tolist(),
                  "g": g[:n_train], "y": y[:n_train].tolist()},
        "test": {"a": a[n_train:].tolist(), "b": b[n_train:].tolist(), "c": c[n_train:].tolist(),
                 "g": g[n_train:]},
        "mean": mean.tolist(),
        "std": std.tolist(),
        "coef": model.coef_[0].tolist(),
        "intercept": float(model.intercept_[0]),
        "probability": p.tolist(),
    }


class Row(dict):
    """A feature dict that also carries its time, so that the time is not a feature."""


def river_case():
    n = 300
    start = dt.datetime(2025, 3, 1, tzinfo=dt.timezone.utc)
    seconds = np.sort(rng.integers(0, 20 * 86400, n))
    a = rng.normal(0.0, 1.0, n)
    b = rng.normal(50.0, 10.0, n)
    g = rng.choice(["x", "y", "z"], n).tolist()
    # The concept flips half way, so that learning matters.
    sign = np.where(np.arange(n) < n // 2, 1.0, -1.0)
    eta = sign * (1.2 * a + 0.05 * (b - 50.0)) + np.array([{"x": 0.4, "y": -0.4, "z": 0.0}[v] for v in g])
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-eta))).astype(int)
    levels = ["x", "y", "z"]
    rows = []
    for i in range(n):
        x = Row({"a": float(a[i]), "b": float(b[i])})
        for lv in levels:
            x["g=" + lv] = 1.0 if g[i] == lv else 0.0
        x.t = start + dt.timedelta(seconds=int(seconds[i]))
        rows.append((x, bool(y[i])))
    model = preprocessing.StandardScaler() | linear_model.LogisticRegression()
    steps = evaluate.iter_progressive_val_score(
        rows,
        model,
        metrics.LogLoss(),
        moment=lambda x: x.t,
        delay=dt.timedelta(days=2),
        yield_predictions=True,
    )
    # A constant delay reveals labels in row order, so the k-th answer is row k.
    p = [s["Prediction"][True] for s in steps]
    assert len(p) == n
    start_us = int(start.timestamp()) * 1_000_000
    return {
        "call": "evaluate.iter_progressive_val_score(rows, StandardScaler() | LogisticRegression(), "
        "metrics.LogLoss(), moment=time, delay=timedelta(days=2), yield_predictions=True)",
        "columns": ["a", "b", "g=x", "g=y", "g=z"],
        "time_us": [start_us + int(s) * 1_000_000 for s in seconds],
        "delay_us": 2 * 86400 * 1_000_000,
        "a": a.tolist(),
        "b": b.tolist(),
        "g": g,
        "y": y.tolist(),
        "probability": p,
    }


out = {
    "versions": {"numpy": np.__version__, "scikit-learn": sklearn.__version__, "river": river.__version__},
    "scratch": scratch_case(),
    "river": river_case(),
}
with open("golden.json", "w") as f:
    json.dump(out, f, indent=None, separators=(",", ":"))
    f.write("\n")
print("wrote golden.json")

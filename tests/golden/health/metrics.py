"""Golden values for Sextant's health metrics (src/analysis/health/metrics.rs).

Run: python3 tests/golden/health/metrics.py > tests/golden/health/metrics.json
Made with Python 3.11.7, numpy 1.26.4, scikit-learn 1.5.2 (the versions are also in the JSON).
Each case holds the rows and the values scikit-learn gives for them:
accuracy_score, precision_score, recall_score, f1_score (on score >= 0.5), roc_auc_score,
average_precision_score, log_loss, brier_score_loss, and the expected calibration error
(10 equal-width bins, computed with numpy below); mean_absolute_error,
root_mean_squared_error, mean_absolute_percentage_error and r2_score for regression.
"""
import json

import numpy as np
import sklearn
from sklearn import metrics
from sklearn.isotonic import IsotonicRegression


def ece(y, p, bins=10):
    b = np.minimum(np.floor(p * bins).astype(int), bins - 1)
    total = 0.0
    for k in range(bins):
        m = b == k
        if m.any():
            total += m.sum() / len(y) * abs(y[m].mean() - p[m].mean())
    return total


rng = np.random.default_rng(20261128)
cases = []
for n, decimals, shift in [(500, 2, 0.0), (2000, 3, 0.3), (137, 1, -0.2), (1000, 4, 0.0)]:
    x = rng.normal(size=n)
    p = 1 / (1 + np.exp(-(x + shift)))
    p = np.round(p, decimals)  # ties, as real scores have
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-1.5 * x))).astype(int)
    pred = (p >= 0.5).astype(int)
    cases.append({
        "task": "classification",
        "score": p.tolist(),
        "label": y.tolist(),
        "expected": {
            "accuracy": metrics.accuracy_score(y, pred),
            "precision": metrics.precision_score(y, pred),
            "recall": metrics.recall_score(y, pred),
            "f1": metrics.f1_score(y, pred),
            "roc_auc": metrics.roc_auc_score(y, p),
            "pr_auc": metrics.average_precision_score(y, p),
            "log_loss": metrics.log_loss(y, p),
            "brier": metrics.brier_score_loss(y, p),
            "ece": ece(y, p),
        },
    })
for n in [300, 1500]:
    yt = rng.gamma(2.0, 50.0, size=n) + 1.0
    yp = yt * rng.normal(1.0, 0.2, size=n) + rng.normal(0, 5, size=n)
    cases.append({
        "task": "regression",
        "target": yt.tolist(),
        "prediction": yp.tolist(),
        "expected": {
            "mae": metrics.mean_absolute_error(yt, yp),
            "rmse": metrics.root_mean_squared_error(yt, yp),
            "mape": metrics.mean_absolute_percentage_error(yt, yp),
            "r2": metrics.r2_score(yt, yp),
        },
    })
# CBPE: calibrate on one labelled set (isotonic, clipped, as NannyML), estimate on another's
# scores: expected confusion matrix at 0.5 and the expected ROC curve's area.
ref = cases[0]
iso = IsotonicRegression(out_of_bounds="clip").fit(ref["score"], ref["label"])
grid = np.r_[np.linspace(-0.1, 1.1, 121), np.array(ref["score"][:50]) + 0.0005]
scores = np.round(rng.uniform(size=400) ** 1.3, 3)
c = iso.predict(scores)
pos = scores >= 0.5
tp, fp = c[pos].sum(), (1 - c[pos]).sum()
fn, tn = c[~pos].sum(), (1 - c[~pos]).sum()
order = np.argsort(-scores, kind="stable")
s_sorted, c_sorted = scores[order], c[order]
# Expected ROC over distinct thresholds (tied scores move together), trapezoidal area.
ends = np.r_[np.nonzero(np.diff(s_sorted))[0], len(s_sorted) - 1]
tpr = np.r_[0, np.cumsum(c_sorted)[ends] / c.sum()]
fpr = np.r_[0, np.cumsum(1 - c_sorted)[ends] / (1 - c).sum()]
cbpe = {
    "calibration_grid": grid.tolist(),
    "calibrated": iso.predict(grid).tolist(),
    "scores": scores.tolist(),
    "expected": {
        "accuracy": float((tp + tn) / len(scores)),
        "f1": float(2 * tp / (2 * tp + fp + fn)),
        "roc_auc": float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2)),
    },
}

print(json.dumps({
    "cbpe": cbpe,
    "versions": {"numpy": np.__version__, "scikit-learn": sklearn.__version__},
    "cases": cases,
}))

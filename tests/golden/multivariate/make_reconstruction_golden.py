"""Golden values for Sextant's multivariate drift: NannyML 0.13.1's
DataReconstructionDriftCalculator on a generated pair whose marginals stay put while the
correlation of x1 and x2 flips (+0.8 in training, -0.8 from the fourth production week), plus
scikit-learn's roc_auc_score on scores with ties.

Pinned (python 3.11): nannyml==0.13.1 numpy==1.26.4 pandas==2.2.3 scikit-learn==1.5.2
category_encoders==2.6.4 scipy==1.13.1 statsmodels==0.14.4

Run: python make_reconstruction_golden.py   (writes reference.csv, current.csv and
reconstruction_golden.json next to this file). The Rust test reads the CSVs back, so both
sides see the same values: NannyML is run on the frames read back from the CSVs.
"""

import json
import os

import numpy as np
import pandas as pd
import nannyml as nml
from sklearn.metrics import roc_auc_score

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20261204)


def make(n, start, flip_from_week):
    ts = pd.Timestamp(start) + pd.to_timedelta(np.sort(rng.uniform(0, 42 * 24, n)), unit="h")
    week = ((ts - pd.Timestamp(start)).days // 7).to_numpy()
    z1 = rng.normal(size=n)
    z2 = rng.normal(size=n)
    rho = np.where(week >= flip_from_week, -0.8, 0.8)
    x1 = 10 + 2 * z1
    x2 = 5 + 1.5 * (rho * z1 + np.sqrt(1 - rho**2) * z2)
    x3 = rng.exponential(3.0, n)
    x4 = 0.5 * x3 + rng.normal(size=n)
    cats = np.array(["a", "b", "c"])
    c = cats[rng.choice(3, n, p=[0.5, 0.3, 0.2])].astype(object)
    k = rng.integers(0, 5, n)  # an integer column: continuous for NannyML
    df = pd.DataFrame(
        {"id": np.arange(n), "timestamp": ts, "x1": x1, "x2": x2, "x3": x3, "x4": x4, "c": c, "k": k}
    )
    # Missing values in a number and a category (imputed with the training mean / mode).
    df.loc[rng.choice(n, n // 50, replace=False), "x3"] = np.nan
    df.loc[rng.choice(n, n // 60, replace=False), "c"] = np.nan
    return df


ref = make(4000, "2025-01-06", 99)  # a Monday; 6 weeks, no flip
cur = make(4000, "2025-02-17", 3)  # a Monday; flip from week 4
# A category never seen in training (encoded as frequency 0).
cur.loc[cur.index[::97], "c"] = "z"

ref.to_csv(os.path.join(HERE, "reference.csv"), index=False, date_format="%Y-%m-%dT%H:%M:%S.%f")
cur.to_csv(os.path.join(HERE, "current.csv"), index=False, date_format="%Y-%m-%dT%H:%M:%S.%f")
ref = pd.read_csv(os.path.join(HERE, "reference.csv"), parse_dates=["timestamp"])
cur = pd.read_csv(os.path.join(HERE, "current.csv"), parse_dates=["timestamp"])

features = ["x1", "x2", "x3", "x4", "c", "k"]
calc = nml.DataReconstructionDriftCalculator(
    column_names=features, timestamp_column_name="timestamp", chunk_period="W"
)
calc.fit(ref)
res = calc.calculate(cur).to_df()


def windows(period):
    part = res[res[("chunk", "period")] == period]
    out = []
    for _, row in part.iterrows():
        lower = row[("reconstruction_error", "lower_threshold")]
        out.append(
            {
                "start": str(row[("chunk", "start_date")]),
                "error": float(row[("reconstruction_error", "value")]),
                "sampling_error": float(row[("reconstruction_error", "sampling_error")]),
                "upper": float(row[("reconstruction_error", "upper_threshold")]),
                "lower": None if lower is None or pd.isna(lower) else float(lower),
                "alert": bool(row[("reconstruction_error", "alert")]),
            }
        )
    return out


# Each feature's share of the squared reconstruction error per production week, from the
# calculator's own fitted imputers, encoder, scaler and PCA (Sextant's addition to NannyML).
def contributions(df):
    d = df.copy()
    cat, cont = calc.categorical_column_names, calc.continuous_column_names
    d[cat] = calc._imputer_categorical.transform(d[cat])
    d[cont] = calc._imputer_continuous.transform(d[cont])
    x = calc._scaler.transform(calc._encoder.transform(d[features]).to_numpy())
    r = x - calc._pca.inverse_transform(calc._pca.transform(x))
    sq = (r**2).sum(axis=0)
    return {f: float(s / sq.sum()) for f, s in zip(features, sq)}


periods = cur["timestamp"].dt.to_period("W")
contrib = [contributions(cur[periods == p]) for p in sorted(periods.unique())]

# roc_auc_score with ties (averaged ranks) on a fixed set of scores.
y = rng.integers(0, 2, 500)
s = np.round(rng.normal(size=500) + 0.4 * y, 1)

golden = {
    "features": features,
    "components": int(calc._pca.n_components_),
    "explained_variance_ratio": calc._pca.explained_variance_ratio_.tolist(),
    "reference_windows": windows("reference"),
    "windows": windows("analysis"),
    "contributions": contrib,
    "auc": {"labels": y.tolist(), "scores": s.tolist(), "roc_auc_score": float(roc_auc_score(y, s))},
}
with open(os.path.join(HERE, "reconstruction_golden.json"), "w") as f:
    json.dump(golden, f, indent=1)
print(json.dumps({k: golden[k] for k in ("components", "windows")}, indent=1))

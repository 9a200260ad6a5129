#!/usr/bin/env python3
"""Make tests/fixtures/seasonal_daily.csv and the expected output of `sextant seasonality` on it.

Generated with: Python 3.11.7, numpy 2.4.6, pandas 3.1.1, statsmodels 0.15.0.
Run from anywhere: python3 make_series_fixture.py

The CSV has 8 weeks of rows (2024-01-01 .. 2024-02-25) with a weekly pattern in both the number
of rows per day and the value, duplicate timestamps, one null value, a NaN value and one day
(2024-01-20) with no rows at all. The expected series are made independently of Sextant:

    daily = df.set_index("ts").resample("D")
    mean  = daily["value"].mean().interpolate()        # --agg mean (NaN/null excluded)
    count = daily.size().astype(float); empty days -> NaN -> interpolate()   # @count
    STL(mean.to_numpy(), period=7).fit()               # statsmodels defaults
    STL(count.to_numpy(), period=7, robust=True).fit()
"""
import json
import os

import numpy as np
import pandas as pd
from statsmodels.tsa.seasonal import STL

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))

rows = []
weekly_rows = [6, 7, 6, 7, 5, 2, 1]
weekly_value = [3.0, 2.0, 1.0, 0.0, -1.0, -4.0, -1.0]
start = pd.Timestamp("2024-01-01")
k = 0
for d in range(56):
    day = start + pd.Timedelta(days=d)
    if day == pd.Timestamp("2024-01-20"):
        continue
    w = day.weekday()
    for r in range(weekly_rows[w] + d % 3):
        k += 1
        minute = (r * 97 + d * 13) % 1440
        ts = day + pd.Timedelta(minutes=minute)
        noise = ((k * 7919) % 101) / 101.0 - 0.5
        value = 10.0 + weekly_value[w] + 0.05 * d + noise
        rows.append({
            "ts": ts,
            "value": value,
            "label": int((k * 31) % 7 < 2),
            "score": round(0.2 + 0.01 * w + ((k * 13) % 17) / 170.0, 6),
            "note": None if k % 4 == 0 else f"n{k % 5}",
        })
    if d == 3:  # a duplicate timestamp
        rows.append(dict(rows[-1]))
df = pd.DataFrame(rows)
df.loc[10, "value"] = np.nan   # written as an empty field: a null
df.loc[20, "value"] = np.nan
csv_path = os.path.join(ROOT, "tests", "fixtures", "seasonal_daily.csv")
out = df.copy()
out["ts"] = out["ts"].dt.strftime("%Y-%m-%d %H:%M:%S")
out.to_csv(csv_path, index=False, float_format="%.10g")

# Re-read exactly what the CSV holds.
df = pd.read_csv(csv_path, parse_dates=["ts"])
daily = df.set_index("ts").resample("D")
mean = daily["value"].mean().interpolate()
count = daily.size().astype(float)
count[count == 0] = np.nan
count = count.interpolate()
null_rate = daily["note"].apply(lambda s: s.isna().mean() if len(s) else np.nan).interpolate()
label_rate = daily["label"].mean().interpolate()

fit_mean = STL(mean.to_numpy(), period=7).fit()
fit_count = STL(count.to_numpy(), period=7, robust=True).fit()


def arr(x):
    return [float(v) for v in np.asarray(x)]


golden = {
    "rows": len(df),
    "days": len(mean),
    "filled": [int(i) for i in np.flatnonzero(daily.size().to_numpy() == 0)],
    "mean": {"observed": arr(mean), "trend": arr(fit_mean.trend), "seasonal": arr(fit_mean.seasonal),
             "remainder": arr(fit_mean.resid), "weights": arr(fit_mean.weights)},
    "count": {"observed": arr(count), "trend": arr(fit_count.trend), "seasonal": arr(fit_count.seasonal),
              "remainder": arr(fit_count.resid), "weights": arr(fit_count.weights)},
    "null_rate_note": arr(null_rate),
    "label_rate": arr(label_rate),
}
with open(os.path.join(HERE, "series_golden.json"), "w") as f:
    json.dump(golden, f, indent=1)
print(len(df), "rows,", len(mean), "days; filled", golden["filled"])

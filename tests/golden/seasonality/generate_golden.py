#!/usr/bin/env python3
"""Generate the STL / MSTL golden fixtures for Sextant's seasonality module.

Generated with (exact versions used for the committed JSON files):
    Python 3.11.7, numpy 2.4.6, scipy 1.17.1, pandas 3.1.1, statsmodels 0.15.0
    (pip install numpy statsmodels)

Run from anywhere:  python3 generate_golden.py
Writes stl_golden.json and mstl_golden.json next to this script.

Exact statsmodels calls:
    STL:  statsmodels.tsa.seasonal.STL(y, period=..., seasonal=..., trend=...,
              low_pass=..., seasonal_deg=..., trend_deg=..., low_pass_deg=...,
              robust=..., seasonal_jump=..., trend_jump=..., low_pass_jump=...)
          .fit(inner_iter=..., outer_iter=...)
          -> res.trend, res.seasonal, res.resid, res.weights
    MSTL: statsmodels.tsa.seasonal.MSTL(y, periods=..., windows=..., lmbda=...,
              iterate=..., stl_kwargs={...}).fit()
          -> res.observed (Box-Cox transformed y), res.trend, res.seasonal
             (one column per kept period, sorted), res.resid, res.weights
Every parameter value passed is stored in the fixture ("params"), with None
meaning "statsmodels default". Series are plain numpy arrays (no pandas index),
so statsmodels never infers a period.
"""
import json
import os
import sys

import numpy as np
import scipy
import statsmodels
from statsmodels.datasets import co2
from statsmodels.tsa.seasonal import MSTL, STL

HERE = os.path.dirname(os.path.abspath(__file__))

STL_KEYS = ["trend", "low_pass", "seasonal_deg", "trend_deg", "low_pass_deg",
            "seasonal_jump", "trend_jump", "low_pass_jump", "robust"]
STL_DEFAULTS = dict(trend=None, low_pass=None, seasonal_deg=1, trend_deg=1,
                    low_pass_deg=1, seasonal_jump=1, trend_jump=1,
                    low_pass_jump=1, robust=False, inner_iter=None,
                    outer_iter=None)


def daily_weekly(n=182, seed=1):
    """Synthetic daily series: linear+curved trend, weekly season, noise, outliers."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    y = 50 + 0.05 * t + 3 * np.sin(t / 40.0)
    y = y + np.array([4.0, 2.5, 1.0, -0.5, -2.0, -6.0, 1.0])[t % 7]
    y = y + rng.normal(0, 0.8, n)
    for i, bump in [(20, 15.0), (75, -12.0), (130, 20.0)]:
        y[i] += bump
    return y


def airline_like(n=144, seed=2):
    """Multiplicative monthly series resembling the airline passengers data."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    level = 110 * np.exp(0.0095 * t)
    season = 1 + 0.18 * np.sin(2 * np.pi * (t - 3) / 12) + 0.06 * np.cos(4 * np.pi * t / 12)
    return level * season * np.exp(rng.normal(0, 0.02, n))


def co2_monthly():
    """The Mauna Loa CO2 data shipped with statsmodels, monthly means, ffilled."""
    data = co2.load().data
    data = data.resample("ME").mean().ffill()
    return np.asarray(data["co2"], dtype=float)


def hourly(n=672, seed=3, positive_shift=0.0):
    """Hourly series with daily (24) and weekly (168) seasons."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    y = 100 + 0.01 * t + 5 * np.sin(2 * np.pi * t / 24) + 10 * np.sin(2 * np.pi * t / 168)
    y = y + 2 * np.cos(4 * np.pi * t / 24) + rng.normal(0, 1.0, n) + positive_shift
    y[[50, 300, 500]] += [25.0, -30.0, 18.0]
    return y


def generic(n, period, seed):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    shape = rng.normal(0, 2, period)
    return 10 + 0.1 * t + shape[t % period] + rng.normal(0, 0.5, n)


def stl_case(name, y, period, seasonal=7, **kw):
    params = dict(STL_DEFAULTS)
    params.update(kw)
    model_kw = {k: params[k] for k in STL_KEYS}
    res = STL(y, period=period, seasonal=seasonal, **model_kw).fit(
        inner_iter=params["inner_iter"], outer_iter=params["outer_iter"])
    return dict(name=name, params=dict(period=period, seasonal=seasonal, **params),
                y=list(map(float, y)), trend=list(map(float, res.trend)),
                seasonal=list(map(float, res.seasonal)),
                resid=list(map(float, res.resid)), weights=list(map(float, res.weights)))


def mstl_case(name, y, periods, windows=None, lmbda=None, iterate=2, stl_kwargs=None):
    stl_kwargs = dict(stl_kwargs or {})
    res = MSTL(y, periods=periods, windows=windows, lmbda=lmbda, iterate=iterate,
               stl_kwargs=dict(stl_kwargs)).fit()
    seasonal = np.asarray(res.seasonal)
    if seasonal.ndim == 1:
        seasonal = seasonal[:, None]
    stl = dict(STL_DEFAULTS)
    stl.update(stl_kwargs)
    plist = [periods] if isinstance(periods, int) else list(periods)
    wlist = None if windows is None else ([windows] if isinstance(windows, int) else list(windows))
    return dict(name=name,
                params={"periods": plist, "windows": wlist, "lambda": lmbda, "iterate": iterate, "stl": stl},
                y=list(map(float, y)), observed=list(map(float, res.observed)),
                trend=list(map(float, res.trend)),
                seasonal=[list(map(float, seasonal[:, i])) for i in range(seasonal.shape[1])],
                resid=list(map(float, res.resid)), weights=list(map(float, res.weights)))


def main():
    dw = daily_weekly()
    air = airline_like()
    c = co2_monthly()
    h = hourly()
    stl_cases = [
        stl_case("daily_weekly_default", dw, 7),
        stl_case("daily_weekly_robust", dw, 7, robust=True),
        stl_case("co2_default", c, 12),
        stl_case("co2_robust", c, 12, robust=True),
        stl_case("co2_seasonal_jump10", c, 12, seasonal=35, seasonal_jump=10),
        stl_case("airline_even_period12", air, 12),
        stl_case("airline_jumps_2_3_4", air, 12, seasonal_jump=2, trend_jump=3, low_pass_jump=4),
        stl_case("period5_custom_windows", generic(75, 5, 4), 5, seasonal=11, trend=13, low_pass=7),
        stl_case("deg0_all_robust", dw, 7, seasonal_deg=0, trend_deg=0, low_pass_deg=0, robust=True),
        stl_case("seasonal_deg0_only", air, 12, seasonal=13, seasonal_deg=0),
        stl_case("jumps_robust_odd_n", daily_weekly(183, 5), 7, robust=True,
                 seasonal_jump=3, trend_jump=5, low_pass_jump=2),
        stl_case("short_series_windows_exceed_n", generic(30, 12, 6), 12, seasonal=35, trend=41),
        stl_case("period2", generic(40, 2, 7), 2),
        stl_case("hourly_period24", h[:336], 24),
        stl_case("custom_iterations", dw, 7, robust=True, inner_iter=3, outer_iter=4),
        stl_case("period9_robust_windows", generic(120, 9, 8), 9, seasonal=9, trend=21,
                 low_pass=11, robust=True),
    ]
    hp = hourly(positive_shift=0.0)
    mstl_cases = [
        mstl_case("hourly_24_168_default", hp, (24, 168)),
        mstl_case("hourly_boxcox_half", hp, (24, 168), lmbda=0.5),
        mstl_case("hourly_boxcox_negative", hp, (24, 168), lmbda=-0.3),
        mstl_case("unsorted_periods_with_windows", hp, (168, 24), windows=(21, 9)),
        mstl_case("drops_long_period", hp, (24, 168, 400)),
        mstl_case("stl_kwargs_robust_deg0", hp, (24, 168),
                  stl_kwargs=dict(robust=True, seasonal_deg=0, trend_jump=2)),
        mstl_case("single_period_iterate_ignored", air, 12, iterate=3),
        mstl_case("iterate3_inner_outer", hp[:400], (12, 24), iterate=3,
                  stl_kwargs=dict(inner_iter=3, outer_iter=1)),
    ]
    meta = dict(python=sys.version.split()[0], numpy=np.__version__,
                scipy=scipy.__version__, statsmodels=statsmodels.__version__)
    for fname, cases in [("stl_golden.json", stl_cases), ("mstl_golden.json", mstl_cases)]:
        with open(os.path.join(HERE, fname), "w") as f:
            json.dump(dict(meta=meta, cases=cases), f, separators=(",", ":"))
            f.write("\n")
    print("wrote", len(stl_cases), "STL and", len(mstl_cases), "MSTL cases", meta)


if __name__ == "__main__":
    main()

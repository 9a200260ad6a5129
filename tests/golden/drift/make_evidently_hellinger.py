"""Golden values of Evidently's own Hellinger distance, for Sextant's `hellinger` method.

Made with Python 3.11.7 in a venv holding evidently==0.7.23, pandas 2.2.3, numpy 2.4.6
(evidently 0.7.23 does not import with pandas 3):

    python3 -m venv /tmp/evenv
    /tmp/evenv/bin/pip install evidently==0.7.23 "pandas<2.3" pyarrow
    /tmp/evenv/bin/python tests/golden/drift/make_evidently_hellinger.py

The exact call, for every case (threshold None = the stat test's default, 0.1):

    from evidently.legacy.calculations.stattests.hellinger_distance import hellinger_stat_test
    r = hellinger_stat_test(pd.Series(ref), pd.Series(cur), ColumnType.Numerical, None)
    (or ColumnType.Categorical) -> r.drift_score, r.drifted, r.actual_threshold

Numeric branch (legacy/calculations/stattests/hellinger_distance.py): Sturges edges over
the *distinct* values of ref ∪ cur (np.histogram_bin_edges(keys, bins="sturges"), integer
dtype when the Series is int64), density histograms of each side on those edges, the
Bhattacharyya coefficient Σ √(h1·h2)·bin_width clipped to [0, 1], H = √(1 − BC).
Categorical branch: BC = Σ √(p_ref·p_cur) over the union of values, same clip and root.
Drift when H >= threshold.

Integer columns are int64 Series; float columns float64. Large samples are not stored:
they come from gen() of make_scipy_golden.py (value_i = frac(i·mul)·scale + shift), floored
to int64 when "floor" is set, which Rust reproduces bit for bit. The categorical branch sums
over a Python set, whose order for strings depends on PYTHONHASHSEED; the script pins it
to 0 by re-executing itself, so the fixture is reproducible (other orders move the result
in the last bits only).
"""

import json
import math
import os
import pathlib
import sys

if os.environ.get("PYTHONHASHSEED") != "0":
    os.environ["PYTHONHASHSEED"] = "0"
    os.execv(sys.executable, [sys.executable] + sys.argv)

import evidently  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from evidently.legacy.calculations.stattests.hellinger_distance import hellinger_stat_test  # noqa: E402
from evidently.legacy.core import ColumnType  # noqa: E402


def gen(spec):
    n, mul, scale, shift = spec["n"], spec["mul"], spec["scale"], spec["shift"]
    v = np.array([math.fmod(i * mul, 1.0) * scale + shift for i in range(1, n + 1)])
    return np.floor(v).astype(np.int64) if spec.get("floor") else v


def run(ref, cur, kind):
    r = hellinger_stat_test(pd.Series(ref), pd.Series(cur), kind, None)
    return {
        "hellinger": repr(float(r.drift_score)),
        "drifted": bool(r.drifted),
        "threshold": repr(float(r.actual_threshold)),
    }


def numeric_case(name, ref=None, cur=None, integer=False, ref_gen=None, cur_gen=None):
    case = {"name": name, "integer": integer}
    if ref_gen is not None:
        ref, cur = gen(ref_gen), gen(cur_gen)
        case["reference_gen"], case["current_gen"] = ref_gen, cur_gen
    else:
        dtype = np.int64 if integer else float
        ref, cur = np.asarray(ref, dtype=dtype), np.asarray(cur, dtype=dtype)
        case["reference"] = [repr(float(x)) for x in ref]
        case["current"] = [repr(float(x)) for x in cur]
    assert (ref.dtype == np.int64) == integer
    case["expected"] = run(ref, cur, ColumnType.Numerical)
    return case


def categorical_case(name, ref_counts, cur_counts, integer=False):
    def expand(counts):
        vals = [k for k, n in counts.items() for _ in range(n)]
        return np.asarray(vals, dtype=np.int64) if integer else np.asarray(vals, dtype=object)

    case = {"name": name, "integer": integer,
            "reference": {str(k): n for k, n in ref_counts.items()},
            "current": {str(k): n for k, n in cur_counts.items()}}
    case["expected"] = run(expand(ref_counts), expand(cur_counts), ColumnType.Categorical)
    return case


def main():
    phi, root2, root3 = 0.6180339887498949, 0.41421356237309515, 0.7320508075688772
    rng = np.random.default_rng(20261204)
    numeric = [
        # An age-like integer column of 100 000 rows on each side, 60 distinct values.
        numeric_case("age_like_100k", integer=True,
                     ref_gen={"n": 100000, "mul": phi, "scale": 60.0, "shift": 18.0, "floor": True},
                     cur_gen={"n": 100000, "mul": root2, "scale": 61.5, "shift": 18.4, "floor": True}),
        numeric_case("float_12000_15000",
                     ref_gen={"n": 12000, "mul": phi, "scale": 2.0, "shift": -1.0},
                     cur_gen={"n": 15000, "mul": root3, "scale": 2.1, "shift": -1.0}),
        numeric_case("float_shifted_3000",
                     ref_gen={"n": 3000, "mul": phi, "scale": 1.0, "shift": 0.0},
                     cur_gen={"n": 2000, "mul": root2, "scale": 1.0, "shift": 0.3}),
        numeric_case("float_normal_small", rng.normal(0, 1, 40), rng.normal(0.4, 1.3, 35)),
        numeric_case("int_wide_small", rng.integers(0, 60, 200), rng.integers(5, 70, 150),
                     integer=True),
        # Counts 0..5 as numbers: integer Sturges width clamped to 1.
        numeric_case("int_counts_0_5", rng.integers(0, 6, 120), rng.integers(0, 5, 90) + 1,
                     integer=True),
        numeric_case("float_counts_0_5", rng.integers(0, 6, 120).astype(float),
                     (rng.integers(0, 5, 90) + 1).astype(float)),
        numeric_case("one_value", [4.0] * 7, [4.0] * 5),
        numeric_case("disjoint", [0.0, 1.0, 2.0], [10.0, 11.0]),
        numeric_case("identical", [1.5, 2.5, 2.5, 7.0, 9.25], [1.5, 2.5, 2.5, 7.0, 9.25]),
    ]
    categorical = [
        categorical_case("three_cats", {"a": 50, "b": 30, "c": 20}, {"a": 40, "b": 35, "c": 25}),
        categorical_case("new_and_vanished", {"a": 10, "b": 5, "c": 3}, {"a": 8, "c": 6, "d": 2}),
        categorical_case("binary", {"x": 7000, "y": 3000}, {"x": 5000, "y": 5000}),
        categorical_case("many_cats", {f"k{i:02d}": 10 + i * 3 for i in range(25)},
                         {f"k{i:02d}": 40 - i for i in range(25)}),
        categorical_case("disjoint", {"a": 3}, {"b": 4}),
        # A 0..5 count column, which Evidently infers as categorical (int, <= 10 values).
        categorical_case("int_counts", {0: 30, 1: 25, 2: 20, 3: 15, 4: 7, 5: 3},
                         {0: 20, 1: 22, 2: 25, 3: 18, 4: 10, 5: 5}, integer=True),
    ]
    out = {
        "versions": {"python": sys.version.split()[0], "evidently": evidently.__version__,
                     "numpy": np.__version__, "pandas": pd.__version__},
        "numeric": numeric,
        "categorical": categorical,
    }
    path = pathlib.Path(__file__).with_name("evidently_hellinger.json")
    path.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()

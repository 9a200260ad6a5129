"""Golden values for `sextant drift --all-metrics` on a 0..5 count column.

Made with Python 3.11.7, numpy 2.4.6, scipy 1.17.1, pandas 2.2.3, evidently 0.7.23 (the venv
of evidently_sample.py):

    /tmp/evenv/bin/python tests/golden/drift/make_count_column_golden.py

Writes count_reference.csv and count_current.csv (columns `visits`, an integer 0..5, and
`amount`, a float) and count_column_golden.json with, for `visits`:

  scipy.stats.ks_2samp(ref, cur)                       -> ks_statistic, ks_p_value
  scipy.stats.wasserstein_distance(ref, cur)           -> wasserstein
  ... / max(np.std(ref), 0.001)                        -> wasserstein_normed (Evidently)
  scipy.stats.energy_distance(ref, cur)                -> energy_distance
  scipy.stats.anderson_ksamp([ref, cur]).pvalue        -> anderson_darling_p_value
  scipy.stats.cramervonmises_2samp(ref, cur).pvalue    -> cramer_von_mises_p_value
  scipy.stats.ttest_ind(ref, cur, equal_var=False)     -> t_test_p_value
  scipy.stats.mannwhitneyu(ref, cur).pvalue            -> mann_whitney_p_value

and what Evidently itself computes on it: with the column inferred (int, <= 10 values:
categorical) its default test for <= 1000 reference rows is chi-square, and ks is refused
(StatTestInvalidFeatureTypeError); declared numerical
(DataDefinition(numerical_columns=["visits", "amount"])), ValueDrift(column="visits",
method="ks") gives the KS p-value, recorded as evidently_ks_declared_numerical.
"""

import json
import math
import pathlib
import sys
import warnings

import evidently
import numpy as np
import pandas as pd
import scipy
from evidently import DataDefinition, Dataset, Report
from evidently.metrics import ValueDrift
from evidently.presets import DataDriftPreset
from scipy import stats

warnings.simplefilter("ignore")

here = pathlib.Path(__file__).resolve().parent


def frac(i, mul):
    return math.fmod(i * mul, 1.0)


def frame(n, mul_v, scale_v, shift_v, mul_a):
    visits = [min(5, int(math.floor(frac(i, mul_v) ** scale_v * 6 + shift_v))) for i in range(1, n + 1)]
    amount = [round(frac(i, mul_a) * 100.0, 2) for i in range(1, n + 1)]
    return pd.DataFrame({"visits": np.array(visits, dtype=np.int64), "amount": amount})


def main():
    ref = frame(400, 0.6180339887498949, 1.0, 0.0, 0.41421356237309515)
    cur = frame(300, 0.7320508075688772, 0.8, 0.0, 0.2360679774997897)
    ref.to_csv(here / "count_reference.csv", index=False)
    cur.to_csv(here / "count_current.csv", index=False)
    # Read back, as Sextant reads the files.
    ref = pd.read_csv(here / "count_reference.csv")
    cur = pd.read_csv(here / "count_current.csv")
    assert ref["visits"].dtype == np.int64 and ref["visits"].nunique() == 6
    r, c = ref["visits"].to_numpy(float), cur["visits"].to_numpy(float)
    ks = stats.ks_2samp(r, c)
    w = stats.wasserstein_distance(r, c)
    exp = {
        "ks_statistic": float(ks.statistic),
        "ks_p_value": float(ks.pvalue),
        "wasserstein": float(w),
        "wasserstein_normed": float(w / max(np.std(r), 0.001)),
        "energy_distance": float(stats.energy_distance(r, c)),
        "anderson_darling_p_value": float(stats.anderson_ksamp([r, c]).pvalue),
        "cramer_von_mises_p_value": float(stats.cramervonmises_2samp(r, c).pvalue),
        "t_test_p_value": float(stats.ttest_ind(r, c, equal_var=False).pvalue),
        "mann_whitney_p_value": float(stats.mannwhitneyu(r, c).pvalue),
    }
    auto = Report([DataDriftPreset()]).run(cur, ref).dict()
    auto_method = next(m["config"]["method"] for m in auto["metrics"]
                       if m["config"].get("column") == "visits")
    dd = DataDefinition(numerical_columns=["visits", "amount"])
    declared = Report([ValueDrift(column="visits", method="ks")]).run(
        Dataset.from_pandas(cur, data_definition=dd), Dataset.from_pandas(ref, data_definition=dd)
    ).dict()
    out = {
        "versions": {"python": sys.version.split()[0], "numpy": np.__version__,
                     "scipy": scipy.__version__, "pandas": pd.__version__,
                     "evidently": evidently.__version__},
        "column": "visits",
        "expected": {k: repr(v) for k, v in exp.items()},
        "evidently_auto_method": auto_method,
        "evidently_ks_declared_numerical": repr(float(declared["metrics"][0]["value"])),
    }
    path = here / "count_column_golden.json"
    path.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()

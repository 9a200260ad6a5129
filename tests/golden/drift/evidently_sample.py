"""Golden values for `sextant drift` on the bundled sample data, from Evidently itself.

Made with Python 3.11.7 in a venv holding evidently==0.7.23, pandas 2.2.x and pyarrow
(evidently 0.7.23 does not import with pandas 3):

    python3 -m venv /tmp/evenv
    /tmp/evenv/bin/pip install evidently==0.7.23 "pandas<2.3" pyarrow
    /tmp/evenv/bin/python tests/golden/drift/evidently_sample.py

The exact call: Report([DataDriftPreset()]).run(current, reference) on both sample Parquet
files, without the id and timestamp columns and without the renamed column (present on one
side only). Writes tests/golden/drift/evidently_sample.json: per column the method name
Evidently chose and its value, and the drifted-columns count and share. Then the same with
the Hellinger distance forced, Report([DataDriftPreset(method="hellinger")]), under
"hellinger": per column its value, threshold and verdict, and the drifted-columns count.

Evidently infers column types on the current data, where pandas holds `defaulted` (an
integer column with nulls there) as float64: it is "numerical", and its Hellinger comes out
of one Sturges bin [0, 1], i.e. 0. Sextant keeps it an integer column with two values, so
categorical, as Evidently does for the reference; "defaulted_as_categories" records
Evidently's own categorical Hellinger of it:
hellinger_stat_test(ref.defaulted, cur.defaulted, ColumnType.Categorical, None).
"""

import json
import pathlib

import evidently
import pandas as pd
from evidently import Report
from evidently.legacy.calculations.stattests.hellinger_distance import hellinger_stat_test
from evidently.legacy.core import ColumnType
from evidently.presets import DataDriftPreset

root = pathlib.Path(__file__).resolve().parents[3]
ref = pd.read_parquet(root / "sample_data/credit_training.parquet")
cur = pd.read_parquet(root / "sample_data/credit_production.parquet")
cols = [c for c in ref.columns if c in cur.columns and c not in ("application_id", "applied_at")]


def drift_values(preset):
    snapshot = Report([preset]).run(cur[cols], ref[cols]).dict()
    out = {"columns": {}}
    for m in snapshot["metrics"]:
        cfg = m["config"]
        if cfg.get("type") == "evidently:metric_v2:ValueDrift":
            out["columns"][cfg["column"]] = {
                "method": cfg["method"],
                "threshold": cfg["threshold"],
                "value": repr(float(m["value"])),
            }
        elif cfg.get("type") == "evidently:metric_v2:DriftedColumnsCount":
            out["drifted_columns"] = int(m["value"]["count"])
            out["drift_share"] = repr(float(m["value"]["share"]))
    return out


out = {"evidently": evidently.__version__}
out.update(drift_values(DataDriftPreset()))
out["hellinger"] = drift_values(DataDriftPreset(method="hellinger"))
as_categories = hellinger_stat_test(ref["defaulted"], cur["defaulted"], ColumnType.Categorical, None)
out["hellinger"]["defaulted_as_categories"] = repr(float(as_categories.drift_score))

path = root / "tests/golden/drift/evidently_sample.json"
path.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
print(f"wrote {path}")

"""Golden detections for Sextant's change detectors (src/analysis/health/detectors.rs).

Run: python3 tests/golden/health/detectors.py > tests/golden/health/detectors.json
Made with Python 3.11.7, River 0.26.1 and numpy 1.26.4 (the versions are also in the JSON).

Each stream is fed to River's detectors with their default parameters (KSWIN with seed=42,
since River's default seed None is not reproducible). After each value:
- a *drift* index is one where `drift_detected` is true;
- a *warning* index is one where `warning_detected` is true and it was not true after the
  previous value (or the previous value was a drift), i.e. the onset of a warning zone.
"""
import json
import sys

import numpy as np
import river
from river import drift


def run(detector, stream):
    warnings, drifts = [], []
    was_warning = False
    for i, x in enumerate(stream):
        detector.update(x)
        warning = bool(getattr(detector, "warning_detected", False))
        if warning and not was_warning:
            warnings.append(i)
        if detector.drift_detected:
            drifts.append(i)
        was_warning = warning and not detector.drift_detected
    return {"warnings": warnings, "drifts": drifts}


def detectors(binary):
    out = {}
    if binary:
        out["DDM"] = drift.binary.DDM()
        out["EDDM"] = drift.binary.EDDM()
        out["HDDM_A"] = drift.binary.HDDM_A() if hasattr(drift.binary, "HDDM_A") else drift.binary.HDDMA()
    out["ADWIN"] = drift.ADWIN()
    out["Page-Hinkley"] = drift.PageHinkley()
    out["KSWIN"] = drift.KSWIN(seed=42)
    return out


rng = np.random.default_rng(20261128)
streams = []
# Error streams of a classifier: the error rate rises (gradually, abruptly), or stays put.
for name, rates in [
    ("abrupt", [0.2] * 1500 + [0.45] * 1500),
    ("gradual", list(np.linspace(0.1, 0.4, 3000))),
    ("two_changes", [0.3] * 1000 + [0.1] * 1000 + [0.5] * 1000),
    ("stable", [0.25] * 2500),
]:
    x = (rng.uniform(size=len(rates)) < np.array(rates)).astype(int).tolist()
    streams.append({"name": name, "binary": True, "values": x})
# Real-valued streams (absolute errors of a regressor).
for name, means in [
    ("mean_shift", [1.0] * 1000 + [3.0] * 1000),
    ("variance", [2.0] * 2000),
]:
    scale = 1.0 if name == "mean_shift" else np.r_[np.ones(1000), 4 * np.ones(1000)]
    x = np.abs(rng.normal(means, scale)).round(6).tolist()
    streams.append({"name": name, "binary": False, "values": x})

for s in streams:
    s["expected"] = {k: run(d, s["values"]) for k, d in detectors(s["binary"]).items()}

json.dump(
    {"versions": {"river": river.__version__, "numpy": np.__version__, "python": sys.version.split()[0]},
     "streams": streams},
    sys.stdout,
)

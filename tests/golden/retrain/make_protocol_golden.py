"""Golden values of the whole retraining backtest loop of /work/shared/RETRAINING.md.

Run:  python make_protocol_golden.py   (with requirements.txt installed; writes, next to this file,
      the fixtures protocol_*_training.csv / protocol_*_production.csv and protocol_golden.json;
      re-running reproduces them byte for byte; it prints the library calls and, per fixture, the
      exact ``sextant`` command the Rust test runs)

This is an independent implementation of the protocol written from RETRAINING.md alone, with the
learners and detectors taken from the libraries the document names:

* from scratch: scikit-learn 1.5.2 ``LogisticRegression(C=1.0, solver="newton-cholesky",
  tol=1e-14, max_iter=1000)`` on the training rows z-scored by their own mean and population
  standard deviation (ddof 0);
* incremental: River 0.26.1 ``preprocessing.StandardScaler() | linear_model.LogisticRegression()``
  at its defaults, ``learn_one`` per label in arrival order, ``predict_proba_one(x)[True]``;
* ``on-drift:*``: River 0.26.1 ``drift.ADWIN(delta=0.002)``, ``drift.binary.DDM()`` and
  ``drift.PageHinkley()`` fed 1[y_hat != y] per row of New_w;
* ROC AUC (not in the document; null with one class): ``sklearn.metrics.roc_auc_score``.

The fixtures (seeded; 3 numeric features written with 4 decimals so that both sides read the
same doubles; whole-second times; a drift where x1's effect flips and x3's mean moves):

* ``delay``: 2 000 training rows over 10 days, 6 000 production rows over 30 days, 2-day delay.
* ``label_time``: the same shape with a label-time column (0 to 4 days after the row, a tenth at
  a midnight exactly), rows tied in time and label time, an empty production day, and a first
  production row at T_w0 whose label is known at once.
* ``weekly``: weeks from a Wednesday, a categorical feature with a level unseen in training,
  3-day delay, DDM and Page-Hinkley.
* ``overlap``: the training file runs 3 days into production, with 40 rows tied across files.
* ``monthly``: months from January 31st (windows start on the 31st or the month's last day).
* ``sparse``: about 21 rows a day and a 1-day delay, so that |New_w| straddles the floor's
  minimum of 20 labels (``held_by_minimum`` lists the decisions it held back); kappa 0.25.

``drift-share`` is left out: RETRAINING.md does not define it.
"""

import calendar
import datetime as dt
import json
import math
import os

import numpy as np
import river
import sklearn
from river import compose, drift, linear_model, preprocessing
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

DAY = 86400
KAPPA = 0.5
FEATURES = ["x1", "x2", "x3"]
MIN_LABELS = 20
WEEK = 7 * DAY

CALLS = [
    'sklearn.linear_model.LogisticRegression(C=1.0, solver="newton-cholesky", tol=1e-14, '
    "max_iter=1000).fit(z_train, y_train); predict_proba(z)[:, 1], z = (x - mean) / std (ddof 0)",
    "river.compose.Pipeline(river.preprocessing.StandardScaler(), "
    "river.linear_model.LogisticRegression()); learn_one(x, bool(y)) per label in arrival order; "
    "predict_proba_one(x)[True]",
    "river.drift.ADWIN(delta=0.002), river.drift.binary.DDM(), river.drift.PageHinkley(); "
    "update(float(err)); drift_detected",
    "sklearn.metrics.roc_auc_score(y, p)",
]


# ---------------------------------------------------------------- the fixture


def make_fixture(sc):
    """Training days 0-9 and production days 10-39 (200 rows a day), drift from day 25.

    With ``label_time`` each row gets its own label time: the row's time plus 0 to 4 days, a
    tenth of them exactly at a midnight (the rule's "<=" then decides), so that arrival order
    differs from row order; production day 12 has no rows (an empty window); some rows repeat
    the time and label time of the row before them (ties in file order); and the first
    production row sits exactly at T_w0 with its label known at once (label time T_w0, which
    the initial model may not learn since its time is not < T_w0).
    """
    rng = np.random.default_rng(sc["seed"])
    label_time = sc["label_time"]
    drift_day = sc["drift_day"]

    def part(n, day0, days, production, ties=None):
        secs = rng.integers(day0 * DAY, (day0 + days) * DAY, n)
        if ties is not None:
            # Production rows at the very seconds of training rows: ties across the files.
            pick = rng.choice(len(ties), 40, replace=False)
            secs[:40] = ties[pick]
        if label_time and production:
            secs = np.where(secs // DAY == 12, secs + DAY, secs)  # day 12 empty
        secs = np.sort(secs)
        x1 = np.round(rng.normal(0.0, 1.0, n), 4)
        x2 = np.round(rng.normal(10.0, 3.0, n), 4)
        x3 = np.round(rng.normal(0.0, 1.0, n), 4)
        drifted = secs >= drift_day * DAY
        x3 = np.where(drifted, np.round(x3 + 1.0, 4), x3)
        eta = np.where(drifted, -1.5, 1.5) * x1 - 0.4 * (x2 - 10.0) + 0.8 * x3 - np.where(drifted, 0.8, 0.0)
        y = (rng.random(n) < 1.0 / (1.0 + np.exp(-eta))).astype(int)
        if not label_time:
            return secs, x1, x2, x3, y, None
        lab = secs + rng.integers(0, 4 * DAY + 1, n)
        at_midnight = rng.random(n) < 0.1
        lab = np.where(at_midnight, (lab // DAY + 1) * DAY, lab)
        for i in range(1, n):
            if rng.random() < 0.03:
                secs[i], lab[i] = secs[i - 1], lab[i - 1]
        if production:
            secs[0] = lab[0] = day0 * DAY
        return secs, x1, x2, x3, y, lab

    ref_days, cur_days, per_day = sc["days"]
    ref = part(ref_days * per_day, 0, ref_days, False)
    overlap = sc.get("overlap", 0)
    if overlap:
        # The training file runs `overlap` days into production: those rows fall in production
        # windows, are served and scored there like production rows.
        late = ref[0][ref[0] >= (ref_days - overlap) * DAY]
        cur = part(cur_days * per_day, ref_days - overlap, cur_days, True, ties=late)
    else:
        cur = part(cur_days * per_day, ref_days, cur_days, True)
    if not sc["categorical"]:
        return ref, cur
    # A categorical g: levels "b", "a", "c" in training (encoded sorted: a, b, c) and also an
    # unseen "d" in production (all zeros); its effect moves the labels, drawn afresh.
    out = []
    for (secs, x1, x2, x3, y, lab), levels, p in (
        (ref, ["b", "a", "c"], [0.5, 0.3, 0.2]),
        (cur, ["b", "a", "c", "d"], [0.4, 0.3, 0.2, 0.1]),
    ):
        g = rng.choice(levels, len(secs), p=p)
        drifted = secs >= drift_day * DAY
        eff = np.array([{"a": 0.8, "b": -0.6, "c": 0.0, "d": 1.0}[v] for v in g])
        eta = np.where(drifted, -1.5, 1.5) * x1 - 0.4 * (x2 - 10.0) + 0.8 * x3 + eff
        y = (rng.random(len(secs)) < 1.0 / (1.0 + np.exp(-eta))).astype(int)
        out.append((secs, x1, x2, x3, y, lab, g))
    return out[0], out[1]


def iso(secs):
    return dt.datetime.fromtimestamp(int(secs), dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def write_csv(path, part, start):
    secs, x1, x2, x3, y, lab = part[:6]
    g = part[6] if len(part) > 6 else None
    with open(path, "w", newline="\n") as f:
        f.write("t,x1,x2,x3,y" + (",label_at" if lab is not None else "") + (",g" if g is not None else "") + "\n")
        for i in range(len(secs)):
            extra = f",{iso(start + lab[i])}" if lab is not None else ""
            extra += f",{g[i]}" if g is not None else ""
            f.write(f"{iso(start + secs[i])},{x1[i]:.4f},{x2[i]:.4f},{x3[i]:.4f},{y[i]}{extra}\n")


def parse_iso(t):
    return int(dt.datetime.strptime(t, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc).timestamp())


def read_csv(path, delay):
    """(time, features, label, label time) per row; the label time is the row's time + delay
    without a label-time column."""
    rows = []
    with open(path) as f:
        header = next(f).rstrip("\n").split(",")
        for line in f:
            v = dict(zip(header, line.rstrip("\n").split(",")))
            secs = parse_iso(v["t"])
            lab = parse_iso(v["label_at"]) if "label_at" in v else secs + delay
            rows.append((secs, [float(v[c]) for c in FEATURES], int(v["y"]), lab, v.get("g")))
    return rows


def one_hot(ref, cur):
    """Features: the numeric ones as given, then g one-hot over its training levels, sorted, all
    kept; a level the training rows never had encodes as all zeros."""
    if ref[0][4] is None:
        return ref, cur
    levels = sorted({r[4] for r in ref})
    enc = lambda rows: [(t, x + [1.0 if g == lv else 0.0 for lv in levels], y, lab, g)  # noqa: E731
                        for t, x, y, lab, g in rows]
    return enc(ref), enc(cur)


# ---------------------------------------------------------------- learners


class Scratch:
    def __init__(self, X, y):
        self.mean = X.mean(axis=0)
        self.std = X.std(axis=0)  # ddof 0
        self.safe = np.where(self.std == 0.0, 1.0, self.std)
        self.model = LogisticRegression(C=1.0, solver="newton-cholesky", tol=1e-14, max_iter=1000)
        self.model.fit(self.z(X), y)

    def z(self, X):
        return np.where(self.std == 0.0, 0.0, (X - self.mean) / self.safe)

    def proba(self, X):
        return self.model.predict_proba(self.z(X))[:, 1]


class Incremental:
    def __init__(self):
        self.model = compose.Pipeline(preprocessing.StandardScaler(), linear_model.LogisticRegression())
        self.learned = 0

    @staticmethod
    def d(x):
        return dict(enumerate(x))

    def learn(self, x, y):
        self.model.learn_one(self.d(x), bool(y))
        self.learned += 1

    def proba(self, X):
        return np.array([self.model.predict_proba_one(self.d(x))[True] for x in X])


# ---------------------------------------------------------------- the protocol


def window_metrics(y, p):
    yhat = (p > 0.5).astype(int)
    acc = float(np.mean(yhat == y))
    pc = np.clip(p, 1e-15, 1 - 1e-15)
    ll = float(np.mean(-y * np.log(pc) - (1 - y) * np.log(1 - pc)))
    auc = float(roc_auc_score(y, p)) if 0 < y.sum() < len(y) else None
    return acc, auc, ll


class window_starts:
    """T(k), the start of window k from S: S + k days or weeks; for months S's day of the month
    k months on, or that month's last day when it is shorter (S + relativedelta(months=k))."""

    def __init__(self, S, unit, last):
        self.S, self.unit = S, unit
        self.starts = []
        k = 0
        while not self.starts or self.starts[-1] <= last:
            self.starts.append(self.start(k))
            k += 1

    def start(self, k):
        if self.unit == "day":
            return self.S + k * DAY
        if self.unit == "week":
            return self.S + k * WEEK
        d0 = dt.datetime.fromtimestamp(self.S, dt.timezone.utc)
        months = d0.year * 12 + d0.month - 1 + k
        y, m = divmod(months, 12)
        day = min(d0.day, calendar.monthrange(y, m + 1)[1])
        return int(dt.datetime(y, m + 1, day, tzinfo=dt.timezone.utc).timestamp())

    def __call__(self, k):
        return self.start(k)


def backtest(ref, cur, policy, mode, kappa, unit):
    # Inputs: both files end to end, sorted by time (ties in file order: a stable sort).
    rows = sorted(ref + cur, key=lambda r: r[0])
    first_cur = min(r[0] for r in cur)
    time = np.array([r[0] for r in rows], dtype=np.int64)
    X = np.array([r[1] for r in rows])
    y = np.array([r[2] for r in rows])
    label = np.array([r[3] for r in rows], dtype=np.int64)
    # Arrival order: label time ascending, ties in row order.
    arrival = sorted(range(len(rows)), key=lambda i: (label[i], i))
    S = (int(time.min()) // DAY) * DAY  # midnight (UTC) of the first row's day
    T = window_starts(S, unit, int(time.max()))
    # A row's window: the k with T(k) <= time < T(k + 1); w0 is the first production row's.
    starts = np.array(T.starts)
    win = np.searchsorted(starts, time, side="right") - 1
    w0 = int(np.searchsorted(starts, first_cur, side="right") - 1)
    wlast = int(win.max())

    def scratch_fit(Tw, lo=None):
        keep = (time < Tw) & (label <= Tw)
        if lo is not None:
            keep &= time >= lo
        idx = np.nonzero(keep)[0]
        return Scratch(X[idx], y[idx]), len(idx)

    learned = np.zeros(len(rows), dtype=bool)

    def inc_learn(Tw, before=None):
        # Every row with label time <= Tw not learned yet, in arrival order (and, for the
        # initial model, time < T_w0).
        n = 0
        for i in arrival:
            if label[i] > Tw:
                break
            if learned[i] or (before is not None and time[i] >= before):
                continue
            inc.learn(X[i], y[i])
            learned[i] = True
            n += 1
        return n

    Tw0 = T(w0)
    inc = None
    if mode == "incremental":
        inc = Incremental()
        inc_learn(Tw0, before=Tw0)
        model = inc
    else:
        model, _ = scratch_fit(Tw0)
    version = 1
    served_version = np.zeros(len(rows), dtype=np.int64)  # 0 = never served
    yhat_served = np.zeros(len(rows), dtype=np.int64)
    detectors = {
        "on-drift:adwin": lambda: drift.ADWIN(delta=0.002),
        "on-drift:ddm": lambda: drift.binary.DDM(),
        "on-drift:page-hinkley": lambda: drift.PageHinkley(),
    }
    detector = detectors[policy]() if policy in detectors else None
    windows, retrains = [], []
    held = []  # floor decisions below X that only the 20-label minimum kept from retraining
    for w in range(int(w0), wlast + 1):
        Tw = T(w)
        # 1. Decision (skipped at w0), on New_w: labels arriving in (T_{w-1}, T_w] of rows
        # served by the current version, in arrival order.
        if w > w0:
            new = [i for i in arrival if T(w - 1) < label[i] <= Tw and served_version[i] == version]
            trigger = None
            if policy.startswith("every:"):
                if (w - w0) % int(policy.split(":")[1]) == 0:
                    trigger = "schedule"
            elif policy.startswith("floor:accuracy<"):
                floor = float(policy.split("<")[1])
                if len(new) >= MIN_LABELS and np.mean(yhat_served[new] == y[new]) < floor:
                    trigger = "floor"
                elif len(new) and np.mean(yhat_served[new] == y[new]) < floor:
                    held.append(iso(Tw))
            elif detector is not None:
                for i in new:
                    detector.update(float(yhat_served[i] != y[i]))
                    if detector.drift_detected:
                        trigger = "detector_alarm"
                        break
            else:
                assert policy == "never", policy
            if trigger is not None:
                if mode == "incremental":
                    n = inc_learn(Tw)
                elif mode == "scratch":
                    model, n = scratch_fit(Tw)
                else:
                    days = mode.split(":")[1]
                    assert days.endswith("d"), mode
                    model, n = scratch_fit(Tw, Tw - int(days[:-1]) * DAY)
                version += 1
                if detector is not None:
                    detector = detectors[policy]()
                retrains.append({"at": iso(Tw), "trigger": trigger, "rows": n, "version": version})
        # 2. Prediction and 3. scoring; a window without rows is skipped.
        idx = np.nonzero(win == w)[0]
        if len(idx) == 0:
            continue
        p = model.proba(X[idx])
        served_version[idx] = version
        yhat_served[idx] = (p > 0.5).astype(int)
        acc, auc, ll = window_metrics(y[idx], p)
        windows.append({
            "start": iso(Tw), "end": iso(T(w + 1)), "rows": int(len(idx)),
            "labelled": int(len(idx)), "accuracy": acc, "roc_auc": auc, "log_loss": ll,
            "model_version": version,
        })
    s = math.fsum(w["log_loss"] for w in windows)
    return {
        "policy": policy, "mode": mode, "windows": windows, "retrains": retrains,
        "retrain_count": len(retrains), "sum_window_log_loss": s, "total_cost": s + kappa * len(retrains),
        "held_by_minimum": held,
    }


SCENARIOS = [
    {
        "name": "delay",
        "seed": 20261204,
        "start": "2026-01-05",
        "days": (10, 30, 200),
        "drift_day": 25,
        "delay": 2 * DAY,
        "unit": "day",
        "categorical": False,
        "label_time": False,
        "reference": "protocol_training.csv",
        "current": "protocol_production.csv",
        "labels": ["--label-delay", "2d"],
        "policies": ["never", "every:5", "floor:accuracy<0.7", "on-drift:adwin"],
        "modes": ["scratch", "sliding:7d", "incremental"],
    },
    {
        "name": "label_time",
        "seed": 20261205,
        "start": "2026-01-05",
        "days": (10, 30, 200),
        "drift_day": 25,
        "delay": None,
        "unit": "day",
        "categorical": False,
        "label_time": True,
        "reference": "protocol_lt_training.csv",
        "current": "protocol_lt_production.csv",
        "labels": ["--label-time", "label_at"],
        "policies": ["never", "every:2", "every:3", "floor:accuracy<0.75", "on-drift:adwin"],
        "modes": ["scratch", "sliding:5d", "incremental"],
    },
    {
        # Weeks counted from the first row's day (a Wednesday, not a Monday), a categorical
        # feature with a level unseen in training, a 3-day delay, River's DDM and Page-Hinkley.
        "name": "weekly",
        "seed": 20261206,
        "start": "2026-01-07",
        "days": (14, 70, 100),
        "drift_day": 49,
        "delay": 3 * DAY,
        "unit": "week",
        "categorical": True,
        "label_time": False,
        "reference": "protocol_wk_training.csv",
        "current": "protocol_wk_production.csv",
        "labels": ["--label-delay", "3d"],
        "policies": ["never", "every:2", "floor:accuracy<0.7", "on-drift:ddm", "on-drift:page-hinkley"],
        "modes": ["scratch", "sliding:14d", "incremental"],
    },
    {
        "name": "overlap",
        "seed": 20261207,
        "start": "2026-01-05",
        "days": (13, 30, 150),
        "overlap": 3,
        "drift_day": 25,
        "delay": 2 * DAY,
        "unit": "day",
        "categorical": False,
        "label_time": False,
        "reference": "protocol_ov_training.csv",
        "current": "protocol_ov_production.csv",
        "labels": ["--label-delay", "2d"],
        "policies": ["never", "every:4", "floor:accuracy<0.7", "on-drift:adwin"],
        "modes": ["scratch", "sliding:7d", "incremental"],
    },
    {
        # Months from the 31st: windows start on the 31st or the month's last day (Feb 28,
        # Apr 30, ...); a 10-day delay.
        "name": "monthly",
        "seed": 20261208,
        "start": "2025-01-31",
        "days": (59, 240, 20),
        "drift_day": 179,
        "delay": 10 * DAY,
        "unit": "month",
        "categorical": False,
        "label_time": False,
        "reference": "protocol_mo_training.csv",
        "current": "protocol_mo_production.csv",
        "labels": ["--label-delay", "10d"],
        "policies": ["never", "every:2", "floor:accuracy<0.7", "on-drift:adwin"],
        "modes": ["scratch", "sliding:60d", "incremental"],
    },
    {
        # About 21 rows a day with a 1-day delay: |New_w| straddles the floor's minimum of 20
        # labels; another kappa.
        "name": "sparse",
        "seed": 20261209,
        "start": "2026-03-02",
        "days": (20, 60, 21),
        "drift_day": 50,
        "delay": 1 * DAY,
        "unit": "day",
        "categorical": False,
        "label_time": False,
        "cost": 0.25,
        "reference": "protocol_sp_training.csv",
        "current": "protocol_sp_production.csv",
        "labels": ["--label-delay", "1d"],
        "policies": ["never", "every:7", "floor:accuracy<0.8", "floor:accuracy<0.65", "on-drift:adwin"],
        "modes": ["scratch", "sliding:10d", "incremental"],
    },
]


def main():
    os.chdir(os.path.dirname(os.path.abspath(__file__)))
    out = {
        "versions": {"numpy": np.__version__, "scikit-learn": sklearn.__version__, "river": river.__version__},
        "calls": CALLS,
        "scenarios": [],
    }
    for c in CALLS:
        print(c)
    for sc in SCENARIOS:
        start = parse_iso(sc["start"] + "T00:00:00Z")
        ref_part, cur_part = make_fixture(sc)
        write_csv(sc["reference"], ref_part, start)
        write_csv(sc["current"], cur_part, start)
        ref, cur = one_hot(read_csv(sc["reference"], sc["delay"]), read_csv(sc["current"], sc["delay"]))
        kappa = sc.get("cost", KAPPA)
        runs = [backtest(ref, cur, p, m, kappa, sc["unit"]) for m in sc["modes"] for p in sc["policies"]]
        best = min(range(len(runs)), key=lambda i: runs[i]["total_cost"])
        # The frontier (README): the runs no other run dominates in (retrains, sum of window log
        # loss), fewest retrains first.
        def dominates(a, b):
            ka, kb = (a["retrain_count"], a["sum_window_log_loss"]), (b["retrain_count"], b["sum_window_log_loss"])
            return ka[0] <= kb[0] and ka[1] <= kb[1] and ka != kb

        frontier = sorted((r for r in runs if not any(dominates(o, r) for o in runs)),
                          key=lambda r: (r["retrain_count"], r["sum_window_log_loss"]))
        args = ["retrain", "--reference", sc["reference"], "--current", sc["current"], "--target", "y",
                "--time", "t"] + sc["labels"] + ["--windows", sc["unit"], "--cost", str(kappa)]
        args += [a for p in sc["policies"] for a in ("--policy", p)]
        args += [a for m in sc["modes"] for a in ("--mode", m)]
        args += ["--format", "json"]
        out["scenarios"].append({
            "name": sc["name"],
            "args": args,
            "first_window": runs[0]["windows"][0]["start"],
            "runs": runs,
            "best": {"policy": runs[best]["policy"], "mode": runs[best]["mode"],
                     "total_cost": runs[best]["total_cost"]},
            "frontier": [{"policy": r["policy"], "mode": r["mode"]} for r in frontier],
        })
        print(f"{sc['name']}: sextant " + " ".join(args))
        for r in runs:
            print(f'{r["policy"]:>20} {r["mode"]:>12}: retrains {r["retrain_count"]:2d} '
                  f'{[x["at"][5:10] for x in r["retrains"]]}  sum log loss {r["sum_window_log_loss"]:.6f}  '
                  f'total {r["total_cost"]:.6f}')
        print("best:", out["scenarios"][-1]["best"])
    with open("protocol_golden.json", "w") as f:
        json.dump(out, f, indent=None, separators=(",", ":"))
        f.write("\n")
    print("wrote", ", ".join(f for sc in SCENARIOS for f in (sc["reference"], sc["current"])), "and protocol_golden.json")


if __name__ == "__main__":
    main()

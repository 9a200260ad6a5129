#!/usr/bin/env python3
"""Golden values for src/analysis/experiment/{stratified,rollout}.rs (tests/rollout_stats.rs and
tests/rollout_cli.rs read the JSON; the Rust tests never need Python).

References:
- gbstats from GitHub main of growthbook/growthbook, commit
  8f1db4456915a8e7b7faf23d5632ca7219d2f469 (the commit tests/golden/experiment uses), directory
  packages/stats put on sys.path -- not PyPI's gbstats 0.8.0, which has no post-stratification:
  `EffectMomentsPostStratification`, `SequentialOneSidedTreatment{Greater,Lesser}TTest` and
  `TwoSidedTTest` with `post_stratify=True`;
- scipy 1.13.1: `chi2_contingency(..., correction=False, lambda_="log-likelihood")` (the step
  detector's split statistic) and `chi2.isf` (its critical value).

Reproduce:
    git -C <growthbook checkout> archive 8f1db4456915a8e7b7faf23d5632ca7219d2f469 \
        packages/stats/gbstats | tar -x -C /tmp/gbstats_main
    python3 -m venv /tmp/venvR && /tmp/venvR/bin/pip install -r requirements.txt
    GBSTATS_SRC=/tmp/gbstats_main/packages/stats /tmp/venvR/bin/python make_golden.py

Inputs are deterministic (numpy RandomState, fixed seeds) and written next to the values.
"""

import json
import math
import os
import sys
from pathlib import Path

import numpy as np
import scipy
import scipy.stats as st
from scipy.optimize import brentq

GBSTATS_SRC = os.environ.get("GBSTATS_SRC", "/tmp/gbstats_main/packages/stats")
sys.path.insert(0, GBSTATS_SRC)

from gbstats.frequentist.tests import (  # noqa: E402
    FrequentistConfig,
    SequentialConfig,
    SequentialOneSidedTreatmentGreaterTTest,
    SequentialOneSidedTreatmentLesserTTest,
    TwoSidedTTest,
    sequential_interval_halfwidth_one_sided,
)
from gbstats.models.statistics import ProportionStatistic, SampleMeanStatistic  # noqa: E402
from gbstats.models.tests import (  # noqa: E402
    EffectMomentsConfig,
    EffectMomentsPostStratification,
)

OUT = Path(__file__).resolve().parent
GBSTATS_COMMIT = "8f1db4456915a8e7b7faf23d5632ca7219d2f469"


def seq_sum(xs):
    s = 0.0
    for x in xs:
        s += float(x)
    return s


def summary(values, kind):
    values = [float(v) for v in values]
    return {
        "n": len(values),
        "sum": seq_sum(values),
        "sum_squares": seq_sum(v * v for v in values),
        "kind": kind,
    }


def stat(s):
    if s["kind"] == "proportion":
        return ProportionStatistic(n=s["n"], sum=s["sum"])
    return SampleMeanStatistic(n=s["n"], sum=s["sum"], sum_squares=s["sum_squares"])


def num(x):
    x = float(x)
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return x


def exact_p(test, side):
    """The alpha at which the post-stratified one-sided bound touches 0: brentq on gbstats's
    sequential_interval_halfwidth_one_sided(s2, n, 5000, alpha, rho) = |estimate| (rho fixed),
    s2 = se^2 n from the post-stratified moments. gbstats's own pValue cannot serve: its
    compute_p_value re-runs the test on the summed (pooled) statistics without post_stratify,
    so with several strata it is the pooled test's p-value, not this bound's."""
    est = test.moments_result.point_estimate
    se = test.moments_result.standard_error
    n = test.n
    s2 = se**2 * n
    toward = est > 0 if side == "greater" else est < 0
    if not toward:
        return 1.0
    g = lambda al: sequential_interval_halfwidth_one_sided(s2, n, 5000, al, test.rho) - abs(est)  # noqa: E731
    if g(1.0) >= 0:
        return 1.0
    u = brentq(lambda u: g(math.exp(u)), math.log(1e-300), 0.0, xtol=1e-14)
    return math.exp(u)


def stratified_results(strata):
    """Every gbstats call the Rust side mirrors, on a list of (control, treatment) summaries."""
    stats = [(stat(a), stat(b)) for a, b in strata]
    out = {}
    for dt in ["relative", "absolute"]:
        m = EffectMomentsPostStratification(
            stats, EffectMomentsConfig(difference_type=dt)
        ).compute_result()
        assert m.error_message is None, m.error_message
        r = {
            "point_estimate": float(m.point_estimate),
            "standard_error": float(m.standard_error),
            "n": int(m.pairwise_sample_size),
        }
        # gbstats TwoSidedTTest(stats, FrequentistConfig(post_stratify=True)): fixed horizon.
        two = TwoSidedTTest(
            stats,
            FrequentistConfig(difference_type=dt, alpha=0.05, post_stratify=True),
        ).compute_result()
        r["two_sided"] = {
            "ci": [num(two.ci[0]), num(two.ci[1])],
            "p_value": float(two.pValue),
        }
        # The guardrail test: SequentialOneSidedTreatment{Greater,Lesser}TTest with
        # post_stratify=True, alpha 0.05, tuning 5000 (gbstats defaults).
        for side, cls in [
            ("greater", SequentialOneSidedTreatmentGreaterTTest),
            ("less", SequentialOneSidedTreatmentLesserTTest),
        ]:
            test = cls(
                stats,
                SequentialConfig(difference_type=dt, alpha=0.05, post_stratify=True),
            )
            res = test.compute_result()
            bound = res.ci[0] if side == "greater" else res.ci[1]
            r[side] = {
                "bound": float(bound),
                "exact_p_value": exact_p(test, side),
                # gbstats's pValue (bisected on the pooled statistics; kept to show it)
                "gbstats_pooled_p_value": None if res.pValue is None else float(res.pValue),
            }
        out[dt] = r
    return out


def stratified_cases():
    rs = np.random.RandomState(20251215)
    cases = []
    # (kind, per-stratum (n_control, n_treatment, control mean/rate, lift))
    specs = [
        ("mean", [(900, 100, 120.0, 0.0)]),
        ("mean", [(950, 50, 120.0, 0.02), (600, 200, 110.0, 0.05)]),
        ("mean", [(990, 10, 118.0, 0.0), (760, 240, 125.0, 0.08), (500, 500, 131.0, 0.1)]),
        ("mean", [(800, 40, 90.0, -0.03), (300, 300, 100.0, -0.05), (50, 450, 130.0, 0.0), (700, 250, 95.0, 0.02)]),
        ("proportion", [(2000, 100, 0.42, 0.05), (1500, 500, 0.40, 0.08)]),
        ("proportion", [(3000, 30, 0.10, 0.0), (2000, 700, 0.12, 0.3), (900, 900, 0.11, 0.2)]),
    ]
    for kind, strata in specs:
        summaries = []
        for na, nb, mean, lift in strata:
            if kind == "mean":
                a = np.round(mean * np.exp(0.35 * rs.randn(na)), 1)
                b = np.round(mean * (1 + lift) * np.exp(0.35 * rs.randn(nb)), 1)
            else:
                a = (rs.rand(na) < mean).astype(int)
                b = (rs.rand(nb) < mean * (1 + lift)).astype(int)
            summaries.append((summary(a, kind), summary(b, kind)))
        cases.append(
            {
                "kind": kind,
                "strata": [{"control": a, "treatment": b} for a, b in summaries],
                **stratified_results(summaries),
            }
        )
    return cases


def split_cases():
    rs = np.random.RandomState(7)
    cases = []
    for _ in range(8):
        n1, n2 = int(rs.randint(20, 5000)), int(rs.randint(20, 5000))
        p1, p2 = rs.uniform(0.0, 0.6), rs.uniform(0.0, 0.6)
        t1, t2 = int(rs.binomial(n1, p1)), int(rs.binomial(n2, p2))
        table = [[t1, n1 - t1], [t2, n2 - t2]]
        g = st.chi2_contingency(table, correction=False, lambda_="log-likelihood")[0]
        cases.append({"left": [n1 - t1, t1], "right": [n2 - t2, t2], "g": float(g)})
    crit = [{"p": p, "isf": float(st.chi2.isf(p, 1))} for p in [0.05, 1e-3, 5e-6, 1e-9]]
    return cases, crit


def rollout_log():
    """A small hourly log with known steps (5 % → 35 % → 80 %), its latency 25 % worse on the
    treatment from hour 150, and the guardrail test after the last hour of every step and at
    the first breach, computed by gbstats on the steps as strata (a step enters once each arm
    has 30 values: the rule documented in src/analysis/experiment/rollout.rs)."""
    rs = np.random.RandomState(20251201)
    t0 = 1764547200  # 2025-12-01T00:00:00Z in seconds
    ramp = [(0.05, 0), (0.35, 60), (0.80, 120)]
    hours = 200
    per_hour = 50
    seconds, arms, latency, approved = [], [], [], []
    for h in range(hours):
        share = [s for s, start in ramp if start <= h][-1]
        offs = np.sort(rs.randint(0, 3600, per_hour))
        for o in offs:
            t = bool(rs.rand() < share)
            base = 120.0 * (1.25 if (t and h >= 150) else 1.0)
            seconds.append(int(h * 3600 + o))
            arms.append(int(t))
            latency.append(int(round(10 * base * math.exp(0.35 * rs.randn()))))
            approved.append(int(rs.rand() < (0.45 if t else 0.42)))
    step_of_hour = [max(k for k, (_, start) in enumerate(ramp) if start <= h) for h in range(hours)]
    step_last = [max(h for h in range(hours) if step_of_hour[h] == k) for k in range(len(ramp))]

    def strata_until(hour):
        cells = {}
        for s, a, x in zip(seconds, arms, latency):
            h = s // 3600
            if h > hour:
                break
            k = step_of_hour[h]
            cells.setdefault(k, ([], []))[a].append(x / 10.0)
        out = []
        for k in sorted(cells):
            a, b = cells[k]
            sa, sb = summary(a, "mean"), summary(b, "mean")
            if len(a) >= 30 and len(b) >= 30 and stat(sa).variance > 0 and stat(sb).variance > 0:
                out.append((sa, sb))
        return out

    def guardrail_at(hour):
        strata = strata_until(hour)
        if not strata:
            return None
        stats = [(stat(a), stat(b)) for a, b in strata]
        m = EffectMomentsPostStratification(
            stats, EffectMomentsConfig(difference_type="relative")
        ).compute_result()
        test = SequentialOneSidedTreatmentGreaterTTest(
            stats, SequentialConfig(difference_type="relative", alpha=0.05, post_stratify=True)
        )
        res = test.compute_result()
        return {
            "hour": hour,
            "estimate": float(m.point_estimate),
            "standard_error": float(m.standard_error),
            "bound": float(res.ci[0]),
            "p_value": exact_p(test, "greater"),
            "breached": bool(res.ci[0] > 0),
            "steps_used": len(strata),
        }

    first_breach = None
    for h in range(hours):
        g = guardrail_at(h)
        if g is not None and g["breached"]:
            first_breach = g
            break
    return {
        "start_seconds": t0,
        "ramp": [{"share": s, "first_hour": start} for s, start in ramp],
        "seconds": seconds,
        "treated": arms,
        "latency_tenths_ms": latency,
        "approved": approved,
        "step_end_guardrail": [guardrail_at(h) for h in step_last],
        "first_breach": first_breach,
    }


def main():
    splits, crit = split_cases()
    payload = {
        "generator": "tests/golden/rollout/make_golden.py",
        "versions": {
            "python": sys.version.split()[0],
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "gbstats": f"growthbook/growthbook main {GBSTATS_COMMIT} (packages/stats on sys.path)",
        },
        "stratified": stratified_cases(),
        "split_statistic": splits,
        "chi2_isf": crit,
        "log": rollout_log(),
    }
    (OUT / "rollout.json").write_text(json.dumps(payload, indent=None, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()

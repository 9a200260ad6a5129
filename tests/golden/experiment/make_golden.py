#!/usr/bin/env python3
"""Golden values for src/analysis/experiment (tests/experiment_stats.rs reads the JSON; the
Rust tests never need Python).

Which gbstats: GitHub main of growthbook/growthbook, commit
8f1db4456915a8e7b7faf23d5632ca7219d2f469 (2026-08-21), directory packages/stats put on
sys.path -- NOT PyPI's gbstats 0.8.0, whose API differs (`TwoSidedTTest(a, b, config)` and
result keys `p_value`/`chance_to_win` there; `TwoSidedTTest([(a, b)], config)` and
`pValue`/`chanceToWin` on main, which also has `frequentist_variance_relative_cuped`).
Do not pip-install gbstats next to it (same package name).

Reproduce:
    git -C <growthbook checkout> archive 8f1db4456915a8e7b7faf23d5632ca7219d2f469 \
        packages/stats/gbstats | tar -x -C /tmp/gbstats_main
    python3 -m venv /tmp/venvF && /tmp/venvF/bin/pip install -r requirements.txt
    GBSTATS_SRC=/tmp/gbstats_main/packages/stats /tmp/venvF/bin/python make_golden.py

Inputs are deterministic (numpy RandomState with fixed seeds) and written into the JSON next
to the reference values. Sums are accumulated left to right in plain Python floats, the order
Rust's iterator `sum` uses, so both sides start from identical sufficient statistics.
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
import statsmodels
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportions_ztest
from statsmodels.stats.contingency_tables import mcnemar

GBSTATS_SRC = os.environ.get("GBSTATS_SRC", "/tmp/gbstats_main/packages/stats")
sys.path.insert(0, GBSTATS_SRC)

from gbstats.utils import check_srm  # noqa: E402
from gbstats.frequentist.tests import (  # noqa: E402
    FrequentistConfig,
    OneSidedTreatmentGreaterTTest,
    OneSidedTreatmentLesserTTest,
    SequentialConfig,
    SequentialOneSidedTreatmentGreaterTTest,
    SequentialOneSidedTreatmentLesserTTest,
    SequentialTwoSidedTTest,
    TwoSidedTTest,
    sequential_interval_halfwidth_one_sided,
)
from gbstats.bayesian.tests import EffectBayesianABTest, EffectBayesianConfig  # noqa: E402
from gbstats.models.statistics import (  # noqa: E402
    ProportionStatistic,
    RegressionAdjustedStatistic,
    SampleMeanStatistic,
    compute_theta,
)

OUT = Path(__file__).resolve().parent
GBSTATS_COMMIT = "8f1db4456915a8e7b7faf23d5632ca7219d2f469"


def seq_sum(xs):
    s = 0.0
    for x in xs:
        s += float(x)
    return s


def stat(values, kind):
    """gbstats statistic from per-unit values (sums in Rust's order)."""
    values = [float(v) for v in values]
    if kind == "proportion":
        return ProportionStatistic(n=len(values), sum=seq_sum(values))
    return SampleMeanStatistic(
        n=len(values), sum=seq_sum(values), sum_squares=seq_sum(v * v for v in values)
    )


def lst(a):
    return [float(x) for x in a]


def write(name, payload):
    payload = {
        "generator": "tests/golden/experiment/make_golden.py",
        "versions": {
            "python": sys.version.split()[0],
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "statsmodels": statsmodels.__version__,
            "gbstats": f"growthbook/growthbook main {GBSTATS_COMMIT} (packages/stats on sys.path)",
        },
        **payload,
    }
    (OUT / name).write_text(json.dumps(payload, indent=1) + "\n")


# ---------------------------------------------------------------- SRM
def srm_cases():
    cases = []
    for counts, planned in [
        ([5050, 4950], None),
        ([1000, 1000], None),
        ([10300, 9700], None),
        ([5210, 2400, 2390], [0.5, 0.25, 0.25]),
        ([812, 1190], [0.4, 0.6]),
        ([3, 0, 5], None),
    ]:
        k = len(counts)
        shares = planned or [1.0 / k] * k
        n = sum(counts)
        f_exp = [w * n for w in shares]
        # scipy.stats.chisquare(f_obs, f_exp): statistic and p-value
        res = st.chisquare(counts, f_exp)
        cases.append(
            {
                "counts": counts,
                "planned": planned,
                "statistic": float(res.statistic),
                "p_value": float(res.pvalue),
                # gbstats.utils.check_srm(users, weights): the same p-value
                "gbstats_p_value": float(check_srm(counts, shares)),
            }
        )
    return cases


# ---------------------------------------------------------------- effects
def effect_inputs():
    rs = np.random.RandomState(20261202)
    cases = []
    # conversion: 0/1 per unit
    a = (rs.rand(1500) < 0.10).astype(int)
    b = (rs.rand(1600) < 0.125).astype(int)
    cases.append(("conversion", "proportion", "higher_is_better", a, b))
    # revenue: skewed, two decimals
    a = np.round(rs.gamma(2.0, 15.0, 300), 2)
    b = np.round(rs.gamma(2.0, 16.5, 340), 2)
    cases.append(("revenue", "mean", "higher_is_better", a, b))
    # latency, lower is better, treatment slower
    a = np.round(rs.normal(120.0, 25.0, 400), 2)
    b = np.round(rs.normal(131.0, 27.0, 380), 2)
    cases.append(("latency_ms", "mean", "lower_is_better", a, b))
    # a huge effect: p far below 1e-40 (gbstats's 2(1 - cdf) gives 0)
    a = (rs.rand(4000) < 0.10).astype(int)
    b = (rs.rand(4000) < 0.30).astype(int)
    cases.append(("huge", "proportion", "higher_is_better", a, b))
    # a null effect
    a = (rs.rand(800) < 0.2).astype(int)
    b = (rs.rand(800) < 0.2).astype(int)
    cases.append(("null", "proportion", "higher_is_better", a, b))
    return cases


def freq(sa, sb, difference_type, alpha=0.05):
    test = TwoSidedTTest([(sa, sb)], FrequentistConfig(difference_type=difference_type, alpha=alpha))
    r = test.compute_result()
    mr = test.moments_result
    t_stat = mr.point_estimate / mr.standard_error
    return {
        "estimate": float(r.expected),
        "standard_error": float(mr.standard_error),
        "ci_low": float(r.ci[0]),
        "ci_high": float(r.ci[1]),
        # gbstats TwoSidedTTest.p_value = 2 * (1 - t.cdf(|t|, dof)) (underflows to 0)
        "gbstats_p_value": float(r.pValue),
        # the same test by the survival function: 2 * scipy.stats.t.sf(|t|, dof)
        "p_value": float(2 * st.t.sf(abs(t_stat), test.dof)),
        "df": float(test.dof),
    }


def effect_cases():
    out = []
    for name, kind, direction, a, b in effect_inputs():
        sa, sb = stat(a, kind), stat(b, kind)
        case = {
            "name": name,
            "kind": kind,
            "direction": direction,
            "control": lst(a),
            "treatment": lst(b),
            "control_mean": float(sa.mean),
            "control_variance": float(sa.variance),
            "treatment_mean": float(sb.mean),
            "treatment_variance": float(sb.variance),
            "absolute": freq(sa, sb, "absolute"),
            "relative": freq(sa, sb, "relative"),
        }
        if kind == "proportion":
            # statsmodels.stats.proportion.proportions_ztest(count=[x_b, x_a], nobs=[n_b, n_a])
            # two-sided, pooled variance (the default prop_var=False)
            z, p = proportions_ztest([sb.sum, sa.sum], [sb.n, sa.n])
            case["z_test"] = {"z": float(z), "p_value": float(p)}
        # gbstats EffectBayesianABTest([(a, b)], EffectBayesianConfig(inverse=...)): default
        # prior (GaussianPrior(0, 1, proper=False)), relative difference
        inverse = direction == "lower_is_better"
        br = EffectBayesianABTest(
            [(sa, sb)], EffectBayesianConfig(inverse=inverse)
        ).compute_result()
        case["bayesian"] = {
            "chance_to_win": float(br.chanceToWin),
            "risk": [float(x) for x in br.risk],
            "ci_low": float(br.ci[0]),
            "ci_high": float(br.ci[1]),
        }
        # gbstats SequentialTwoSidedTTest([(a, b)], SequentialConfig()): tuning 5000
        seq = {}
        for dt in ["relative", "absolute"]:
            sr = SequentialTwoSidedTTest(
                [(sa, sb)], SequentialConfig(difference_type=dt)
            ).compute_result()
            seq[dt] = {
                "ci_low": float(sr.ci[0]),
                "ci_high": float(sr.ci[1]),
                "p_value": float(sr.pValue),
            }
        case["sequential"] = seq
        # gbstats SequentialOneSidedTreatment{Lesser,Greater}TTest([(a, b)],
        # SequentialConfig(difference_type=dt, alpha=0.05)): the finite interval end and the
        # bisected pValue; "exact_p_value" solves the half-width = |estimate| for alpha with
        # scipy.optimize.brentq on gbstats's sequential_interval_halfwidth_one_sided (rho fixed)
        one = {}
        for dt in ["relative", "absolute"]:
            one[dt] = {}
            for side, cls in [
                ("less", SequentialOneSidedTreatmentLesserTTest),
                ("greater", SequentialOneSidedTreatmentGreaterTTest),
            ]:
                test = cls([(sa, sb)], SequentialConfig(difference_type=dt, alpha=0.05))
                res = test.compute_result()
                est = test.moments_result.point_estimate
                se = test.moments_result.standard_error
                n = test.n
                s2 = se**2 * n
                toward = est < 0 if side == "less" else est > 0
                if toward:
                    g = lambda al: sequential_interval_halfwidth_one_sided(  # noqa: E731
                        s2, n, 5000, al, test.rho
                    ) - abs(est)
                    # solved in u = ln(alpha) over [ln 1e-300, 0]
                    if g(1.0) < 0:
                        u = brentq(lambda u: g(math.exp(u)), math.log(1e-300), 0.0, xtol=1e-14)
                        exact = math.exp(u)
                    else:
                        exact = 1.0
                else:
                    exact = 1.0
                one[dt][side] = {
                    "bound": float(res.ci[1] if side == "less" else res.ci[0]),
                    "p_value": None if res.pValue is None else float(res.pValue),
                    "exact_p_value": float(exact),
                }
        case["sequential_one_sided"] = one
        out.append(case)
    return out


# ---------------------------------------------------------------- CUPED
def cuped_cases():
    rs = np.random.RandomState(7)
    out = []

    def ra(post, pre, kind):
        sp, sq = stat(post, kind), stat(pre, kind)
        return RegressionAdjustedStatistic(
            n=len(post),
            post_statistic=sp,
            pre_statistic=sq,
            post_pre_sum_of_products=seq_sum(float(x) * float(y) for x, y in zip(post, pre)),
            theta=None,
        )

    # mean metric, covariate strongly correlated
    pre_a = np.round(rs.gamma(3.0, 10.0, 350), 2)
    pre_b = np.round(rs.gamma(3.0, 10.0, 360), 2)
    post_a = np.round(0.8 * pre_a + rs.normal(5.0, 6.0, 350), 2)
    post_b = np.round(0.8 * pre_b + rs.normal(7.0, 6.0, 360), 2)
    mean_case = ("spend", "mean", post_a, pre_a, post_b, pre_b)
    # proportion metric with a binary pre-period covariate
    pre_a2 = (rs.rand(1200) < 0.3).astype(int)
    pre_b2 = (rs.rand(1250) < 0.3).astype(int)
    post_a2 = np.where(pre_a2 == 1, rs.rand(1200) < 0.5, rs.rand(1200) < 0.1).astype(int)
    post_b2 = np.where(pre_b2 == 1, rs.rand(1250) < 0.56, rs.rand(1250) < 0.12).astype(int)
    prop_case = ("repeat_purchase", "proportion", post_a2, pre_a2, post_b2, pre_b2)
    for name, kind, post_a, pre_a, post_b, pre_b in [mean_case, prop_case]:
        a, b = ra(post_a, pre_a, kind), ra(post_b, pre_b, kind)
        # gbstats.models.statistics.compute_theta(a, b): pooled theta
        theta = compute_theta(a, b)
        case = {
            "name": name,
            "kind": kind,
            "control_post": lst(post_a),
            "control_pre": lst(pre_a),
            "treatment_post": lst(post_b),
            "treatment_pre": lst(pre_b),
            "theta": float(theta),
        }
        for dt in ["absolute", "relative"]:
            # TwoSidedTTest on RegressionAdjustedStatistic: theta via
            # create_theta_adjusted_statistics, relative variance via
            # frequentist_variance_relative_cuped
            case[dt] = freq(a, b, dt)
        out.append(case)
    return out


# ---------------------------------------------------------------- multiple testing
def multiple_cases():
    rs = np.random.RandomState(11)
    sets = [
        [0.01, 0.04, 0.03, 0.005, 0.2, 0.04, 0.9, 1e-40],
        list(np.round(rs.rand(12) ** 3, 6)),
        [0.5],
        [0.02, 0.02, 0.02, 0.02],
    ]
    out = []
    for p in sets:
        case = {"p_values": [float(x) for x in p]}
        for method in ["holm", "fdr_bh"]:
            # statsmodels.stats.multitest.multipletests(p, alpha=0.05, method=...)
            reject, adj, _, _ = multipletests(p, alpha=0.05, method=method)
            case[method] = {"adjusted": lst(adj), "reject": [bool(r) for r in reject]}
        out.append(case)
    return out


# ---------------------------------------------------------------- power
def power_cases():
    out = []

    def k_factor(alpha, power):
        return (st.norm.ppf(1 - alpha / 2) + st.norm.ppf(power)) ** 2

    for base, std, mde, relative, alpha, power in [
        (0.10, None, 0.05, True, 0.05, 0.8),
        (0.10, None, 0.01, False, 0.05, 0.9),
        (0.42, None, 0.1, True, 0.01, 0.8),
        (35.0, 20.0, 0.03, True, 0.05, 0.8),
        (120.0, 25.0, 2.0, False, 0.1, 0.95),
    ]:
        delta = mde * abs(base) if relative else mde
        if std is None:
            var_sum = base * (1 - base) + (base + delta) * (1 - base - delta)
        else:
            var_sum = 2 * std * std
        # n per arm = (z_{1-a/2} + z_{power})^2 (s_a^2 + s_b^2) / delta^2, scipy.stats.norm.ppf
        n = k_factor(alpha, power) * var_sum / delta**2
        out.append(
            {
                "baseline": base,
                "std_dev": std,
                "mde": mde,
                "relative": relative,
                "alpha": alpha,
                "power": power,
                "delta": delta,
                "per_arm_exact": float(n),
                "per_arm": int(math.ceil(n)),
            }
        )
    mdes = []
    for base, std, per_arm, alpha, power in [
        (0.10, None, 5000, 0.05, 0.8),
        (0.5, None, 300, 0.05, 0.8),
        (0.03, None, 20000, 0.01, 0.9),
        (35.0, 20.0, 1000, 0.05, 0.8),
    ]:
        kf = k_factor(alpha, power)
        if std is None:
            # independent route: brentq on the sample-size formula n(delta) = per_arm
            def f(d):
                return kf * (base * (1 - base) + (base + d) * (1 - base - d)) / d**2 - per_arm

            delta = brentq(f, 1e-9, 1 - base - 1e-12, xtol=1e-15, rtol=1e-15)
        else:
            delta = math.sqrt(kf) * std * math.sqrt(2 / per_arm)
        mdes.append(
            {
                "baseline": base,
                "std_dev": std,
                "per_arm": per_arm,
                "alpha": alpha,
                "power": power,
                "absolute": float(delta),
                "relative": float(delta / abs(base)),
            }
        )
    return out, mdes


# ---------------------------------------------------------------- DeLong, McNemar
def midrank(x):
    # scipy.stats.rankdata(method="average")
    return st.rankdata(x, method="average")


def fast_delong(y, s1, s2):
    """Sun & Xu (2014) fast DeLong covariance of two correlated AUCs (the algorithm of the
    widely used numpy implementation yandexdataschool/roc_comparison), midranks by
    scipy.stats.rankdata."""
    y = np.asarray(y)
    order = np.argsort(-y, kind="stable")  # positives first
    preds = np.vstack([s1, s2])[:, order]
    m = int(y.sum())
    n = len(y) - m
    k = 2
    tx = np.empty((k, m))
    ty = np.empty((k, n))
    tz = np.empty((k, m + n))
    for r in range(k):
        tx[r] = midrank(preds[r, :m])
        ty[r] = midrank(preds[r, m:])
        tz[r] = midrank(preds[r])
    aucs = tz[:, :m].sum(axis=1) / m / n - (m + 1.0) / 2.0 / n
    v01 = (tz[:, :m] - tx) / n
    v10 = 1.0 - (tz[:, m:] - ty) / m
    sx = np.cov(v01)
    sy = np.cov(v10)
    cov = sx / m + sy / n
    l = np.array([1.0, -1.0])
    var = float(l @ cov @ l)
    diff = float(aucs[0] - aucs[1])
    z = diff / math.sqrt(var)
    return {
        "auc_a": float(aucs[0]),
        "auc_b": float(aucs[1]),
        "difference": diff,
        "variance": var,
        "z": z,
        "p_value": float(2 * st.norm.sf(abs(z))),
    }


def delong_cases():
    rs = np.random.RandomState(99)
    out = []
    for n, sep_a, sep_b, rounding in [(300, 1.2, 0.9, 2), (500, 1.0, 1.05, 1), (200, 2.0, 0.5, 3)]:
        y = (rs.rand(n) < 0.35).astype(int)
        s1 = np.round(1 / (1 + np.exp(-(sep_a * (2 * y - 1) + rs.normal(0, 1, n)))), rounding)
        s2 = np.round(1 / (1 + np.exp(-(sep_b * (2 * y - 1) + rs.normal(0, 1, n)))), rounding)
        case = {"labels": [int(v) for v in y], "scores_a": lst(s1), "scores_b": lst(s2)}
        case.update(fast_delong(y, s1, s2))
        # AUC cross-check: Mann-Whitney U / (m n), scipy.stats.mannwhitneyu
        u = st.mannwhitneyu(s1[y == 1], s1[y == 0]).statistic
        case["auc_a_mann_whitney"] = float(u / (y.sum() * (n - y.sum())))
        out.append(case)
    return out


def mcnemar_cases():
    out = []
    for table in [[[50, 12], [5, 33]], [[400, 31], [52, 17]], [[10, 0], [0, 10]], [[3, 7], [7, 3]], [[900, 120], [60, 20]]]:
        # statsmodels.stats.contingency_tables.mcnemar(table, exact=True) and
        # mcnemar(table, exact=False, correction=True)
        ex = mcnemar(np.array(table), exact=True)
        ch = mcnemar(np.array(table), exact=False, correction=True)
        out.append(
            {
                "table": table,
                "exact_statistic": float(ex.statistic),
                "exact_p_value": float(ex.pvalue),
                "chi2": float(ch.statistic) if table[0][1] + table[1][0] > 0 else None,
                "chi2_p_value": float(ch.pvalue) if table[0][1] + table[1][0] > 0 else None,
            }
        )
    return out


# ---------------------------------------------------------------- guardrails
def guardrail_cases():
    """gbstats's fixed one-sided t-tests toward harm on the relative lift: Lesser (H1: the
    treatment is below the control) for a higher-is-better metric, Greater for a
    lower-is-better one; alpha 0.05 and 0.1."""
    out = []
    for name, kind, direction, a, b in effect_inputs():
        sa, sb = stat(a, kind), stat(b, kind)
        for alpha in (0.05, 0.1):
            cls = OneSidedTreatmentLesserTTest if direction == "higher_is_better" else OneSidedTreatmentGreaterTTest
            test = cls([(sa, sb)], FrequentistConfig(difference_type="relative", alpha=alpha))
            r = test.compute_result()
            mr = test.moments_result
            t_stat = mr.point_estimate / mr.standard_error
            # the same p by the survival function (gbstats's cdf forms underflow)
            # the finite end of gbstats's one-sided interval: (-inf, pe + h] for Lesser,
            # [pe - h, inf) for Greater (r.ci is relative, as the test)
            if direction == "higher_is_better":
                p_sf = float(st.t.sf(-t_stat, test.dof))
                bound = float(r.ci[1])
            else:
                p_sf = float(st.t.sf(t_stat, test.dof))
                bound = float(r.ci[0])
            out.append(
                {
                    "name": name,
                    "kind": kind,
                    "direction": direction,
                    "alpha": alpha,
                    "control": lst(a),
                    "treatment": lst(b),
                    "test": cls.__name__,
                    "gbstats_p_value": float(r.pValue),
                    "p_value": p_sf,
                    "bound": bound,
                    "estimate": float(r.expected),
                    "standard_error": float(mr.standard_error),
                    "df": float(test.dof),
                }
            )
    return out


def main():
    write("srm.json", {"cases": srm_cases()})
    write("effects.json", {"alpha": 0.05, "cases": effect_cases()})
    write("cuped.json", {"alpha": 0.05, "cases": cuped_cases()})
    write("multiple.json", {"alpha": 0.05, "cases": multiple_cases()})
    sizes, mdes = power_cases()
    write("power.json", {"sample_size": sizes, "mde": mdes})
    write("delong.json", {"cases": delong_cases()})
    write("mcnemar.json", {"cases": mcnemar_cases()})
    write("guardrail.json", {"cases": guardrail_cases()})


if __name__ == "__main__":
    main()

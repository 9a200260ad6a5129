"""Golden numbers for the serving simulator (tests/serving.rs).

An independent re-implementation of the simulator's documented model (src/analysis/serving.rs):
heapq workers, FIFO, realtime / micro-batching (B, T) / offline every H, service times from a
latency curve interpolated with np.interp (and split above the largest batch). Latency
statistics are computed with numpy: np.mean and np.percentile(lat, q) with numpy's default
method "linear".

Pinned: Python 3, numpy==2.2.6. Run: python make_golden.py > golden.json
"""
import heapq
import json
import math

import numpy as np

assert np.__version__ == "2.2.6", np.__version__

rng = np.random.default_rng(20261204)
# Bursty arrivals: a Poisson stream whose rate steps between 300/s and 1500/s every 2 s.
times = []
t = 0.0
while t < 12.0:
    rate = 1500.0 if int(t // 2) % 2 else 300.0
    t += rng.exponential(1.0 / rate)
    if t < 12.0:
        times.append(round(t, 6))
times = sorted(times)

curve = [(1, 0.0009), (8, 0.0021), (32, 0.0062), (128, 0.021)]


def service(b):
    bs = [p[0] for p in curve]
    ts = [p[1] for p in curve]
    bmax, tmax = curve[-1]
    if b > bmax:
        rest = b % bmax
        return (b // bmax) * tmax + (service(rest) if rest else 0.0)
    if b <= bs[0]:
        return ts[0]
    return float(np.interp(b, bs, ts))


def simulate(policy, k):
    n = len(times)
    start = times[0]
    heap = [start] * k
    lat = np.empty(n)
    wait = np.empty(n)
    busy = 0.0
    last = start
    i = 0
    while i < n:
        a = times[i]
        free = heap[0]
        if policy[0] == "offline":
            every = policy[1] * 3600.0
            window = math.floor((a - start) / every)
            d = max(free, start + (window + 1) * every)
            bmax = curve[-1][0]
            j = i + 1
            while j < n and j - i < bmax and math.floor((times[j] - start) / every) == window:
                j += 1
        else:
            bmax, tmax = (1, 0.0) if policy[0] == "realtime" else (policy[1], policy[2] / 1000.0)
            full_at = times[i + bmax - 1] if i + bmax <= n else math.inf
            d = max(free, min(a + tmax, full_at))
            j = i + 1
            while j < n and j - i < bmax and times[j] <= d:
                j += 1
        s = service(j - i)
        finish = d + s
        heapq.heapreplace(heap, finish)
        busy += s
        last = max(last, finish)
        for r in range(i, j):
            lat[r] = finish - times[r]
            wait[r] = d - times[r]
        i = j
    span = last - start
    return {
        "mean_s": float(np.mean(lat)),
        "mean_wait_s": float(np.mean(wait)),
        "p50_s": float(np.percentile(lat, 50)),
        "p95_s": float(np.percentile(lat, 95)),
        "p99_s": float(np.percentile(lat, 99)),
        "busy_s": busy,
        "utilisation": busy / (k * span),
        "late_010": int(np.sum(lat > 0.010)),
    }


policies = [("realtime",), ("batch", 32, 5.0), ("batch", 8, 1.0), ("offline", 0.001)]
runs = []
for p in policies:
    for k in (1, 2, 3):
        r = simulate(p, k)
        r["policy"] = list(p)
        r["workers"] = k
        runs.append(r)

print(json.dumps({"numpy": np.__version__, "curve": curve, "times": times, "runs": runs}))

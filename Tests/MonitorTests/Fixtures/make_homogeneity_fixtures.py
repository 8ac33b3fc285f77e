#!/usr/bin/env python3
"""Reference values for the Monitor's count-table tests (SciPy, NumPy; no River needed).

Writes homogeneity_tests.json next to this script:
  chi2_sf      scipy.stats.chi2.sf(x, df) at points from the bulk to the deep tail
  g_tests      scipy.stats.chi2_contingency(table, correction=False, lambda_="log-likelihood")
               on the pooled 2 x K table (pooling rule below), plus the pooled count
  holm         Holm step-down adjusted p-values (scipy.stats.false_discovery_control has no
               Holm, so it is written out from Holm (1979): p_(i) * (m - i + 1), cumulative max)

Pooling rule the Swift code shares (Sources/Monitor/Statistics/HomogeneityTest.swift):
  categories with zero total are dropped; a category is rare when min(R, C) * t_j / N < 5;
  rare ones are pooled into one cell; while that pool's expected count is < 5, the kept
  category with the smallest total (ties: lowest index) joins it.

Run: python3 make_homogeneity_fixtures.py
"""
import json
import os

import numpy as np
from scipy import stats

HERE = os.path.dirname(os.path.abspath(__file__))


def pooled_table(ref, cur, min_expected=5.0):
    r, c = float(sum(ref)), float(sum(cur))
    n, smaller = r + c, min(r, c)
    occupied = [j for j in range(len(ref)) if ref[j] + cur[j] > 0]
    exp = lambda t: smaller * t / n
    kept = [j for j in occupied if exp(ref[j] + cur[j]) >= min_expected]
    pooled = [j for j in occupied if exp(ref[j] + cur[j]) < min_expected]
    pool = [sum(ref[j] for j in pooled), sum(cur[j] for j in pooled)]
    while pooled and exp(pool[0] + pool[1]) < min_expected and kept:
        smallest = min(kept, key=lambda j: (ref[j] + cur[j], j))
        kept.remove(smallest)
        pooled.append(smallest)
        pool = [pool[0] + ref[smallest], pool[1] + cur[smallest]]
    cells = [[ref[j], cur[j]] for j in kept]
    if pooled:
        cells.append(pool)
    return cells, len(pooled)


def g_case(name, ref, cur):
    cells, n_pooled = pooled_table(ref, cur)
    if len(cells) < 2:
        return dict(name=name, reference=ref, current=cur, statistic=0.0, df=0, p_value=1.0, pooled=n_pooled)
    table = np.array(cells, dtype=float).T
    g, p, df, _ = stats.chi2_contingency(table, correction=False, lambda_="log-likelihood")
    return dict(name=name, reference=ref, current=cur, statistic=float(g), df=int(df), p_value=float(p),
                pooled=n_pooled)


def holm(ps):
    m = len(ps)
    order = sorted(range(m), key=lambda i: (ps[i], i))
    out, running = [1.0] * m, 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * ps[i]))
        out[i] = running
    return out


def main():
    chi2 = [dict(x=x, df=df, sf=float(stats.chi2.sf(x, df)))
            for df in [1, 2, 5, 9, 30, 57]
            for x in [0.01, 0.5, 1.0, df * 0.8, float(df), df + 3.0, df * 2.5 + 10, df * 6.0 + 60]]
    g = np.random.default_rng(11)
    probs = g.dirichlet(np.full(58, 0.6))
    same_ref = [int(v) for v in np.bincount(g.choice(58, 1000, p=probs), minlength=58)]
    same_cur = [int(v) for v in np.bincount(g.choice(58, 500, p=probs), minlength=58)]
    shifted = probs.copy()
    shifted[:5] = shifted[:5] * 3
    shifted /= shifted.sum()
    shift_cur = [int(v) for v in np.bincount(g.choice(58, 500, p=shifted), minlength=58)]
    cases = [
        g_case("identical", [50, 30, 20], [50, 30, 20]),
        g_case("shifted", [500, 300, 200], [200, 150, 150]),
        g_case("sparse_58_same_distribution", same_ref, same_cur),
        g_case("sparse_58_shifted", same_ref, shift_cur),
        g_case("new_label", [400, 300, 300, 0], [100, 100, 100, 60]),
        g_case("all_rare", [1, 2, 1, 0, 1], [0, 1, 1, 2, 0]),
        g_case("one_category", [10, 0], [5, 0]),
    ]
    ps = [0.01, 0.04, 0.03, 0.005, 0.2, 1e-9]
    out = dict(chi2_sf=chi2, g_tests=cases, holm=dict(p=ps, adjusted=holm(ps)))
    with open(os.path.join(HERE, "homogeneity_tests.json"), "w") as f:
        json.dump(out, f, separators=(",", ":"))


if __name__ == "__main__":
    main()

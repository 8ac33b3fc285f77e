#!/usr/bin/env python3
"""Reference fixtures for the Monitor module (River 0.26.1, SciPy, NumPy).

Writes, next to this script:
  detector_streams.json  seeded streams + River ADWIN / PageHinkley detections and states
  distribution_stats.json  JS divergence / PSI reference values (SciPy / NumPy)
  monitor_scenario.json  an end-to-end DriftMonitor scenario with expected report numbers

Conventions the Swift code must share (documented in Sources/Monitor):
  * JS divergence = scipy.spatial.distance.jensenshannon(p, q, base=2) ** 2
    (scipy returns the *distance*, i.e. the square root of the divergence).
    Zero bins need no smoothing (0 * log 0 = 0 and m > 0 wherever p or q > 0);
    an optional additive pseudocount is added to every category of the union.
  * PSI = sum((a - e) * ln(a / e)) with proportions clamped below at eps (1e-4),
    e = reference proportion, a = current proportion, over the union of categories.
  * Numeric PSI: bin edges are NumPy's default ('linear') quantiles of the reference
    at i/B, i = 1..B-1, de-duplicated; bin index = searchsorted(edges, x, side='left').
  * Random projection directions: SplitMix64 -> 53-bit uniforms -> Box-Muller
    Gaussians (cos and sin both used), each direction normalised to unit length.

Run: python3 make_drift_fixtures.py   (needs river==0.26.1, scipy, numpy)
"""
from __future__ import annotations

import json
import math
import os
import random

import numpy as np
import river
from river import drift
from scipy.spatial import distance

assert river.__version__ == "0.26.1", river.__version__
HERE = os.path.dirname(os.path.abspath(__file__))

# ---------------------------------------------------------------- detectors


def r6(x: float) -> float:
    """Round to 6 decimals so the JSON stays small; River sees the rounded value."""
    return float(round(float(x), 6))


def make_streams() -> dict[str, list[float]]:
    s: dict[str, list[float]] = {}
    g = np.random.default_rng(1)
    s["bernoulli_abrupt"] = [float(v) for v in
                             np.concatenate([g.random(1000) < 0.1, g.random(1000) < 0.5]).astype(int)]
    g = np.random.default_rng(2)
    p = np.concatenate([np.full(1000, 0.1), np.linspace(0.1, 0.6, 1000), np.full(1000, 0.6)])
    s["bernoulli_gradual"] = [float(v) for v in (g.random(3000) < p).astype(int)]
    g = np.random.default_rng(3)
    s["gaussian_up"] = [r6(v) for v in np.concatenate([g.normal(0, 1, 1500), g.normal(2, 1, 1500)])]
    g = np.random.default_rng(4)
    s["gaussian_down"] = [r6(v) for v in np.concatenate([g.normal(5, 1, 1000), g.normal(3, 1, 1500)])]
    g = np.random.default_rng(5)
    s["no_drift_bernoulli"] = [float(v) for v in (g.random(3000) < 0.3).astype(int)]
    g = np.random.default_rng(6)
    s["no_drift_gaussian"] = [r6(v) for v in g.normal(1.0, 0.5, 3000)]
    # A loss-like stream: log-normal losses that jump up, then recover below the start.
    g = np.random.default_rng(7)
    s["loss_up_down"] = [r6(v) for v in np.concatenate([
        g.lognormal(-0.5, 0.4, 1200), g.lognormal(0.3, 0.4, 800), g.lognormal(-1.0, 0.4, 1000)])]
    # Long stream: 20k Gaussian values with several level shifts of both signs.
    g = np.random.default_rng(8)
    means = [0.0, 0.8, 0.8, -0.5, 0.3, 0.3, 1.5, 0.0, -1.0, 0.2]
    s["long_20k"] = [r6(v) for m in means for v in g.normal(m, 1.0, 2000)]
    # River's own docstring example (ADWIN -> 1023, PageHinkley -> 1006).
    rng = random.Random(12345)
    s["river_docstring"] = [float(v) for v in rng.choices([0, 1], k=1000) + rng.choices(range(4, 8), k=1000)]
    return s


def run_adwin(xs: list[float], **params) -> dict:
    d = drift.ADWIN(**params)
    detections, widths_at_detection, checkpoints = [], [], []
    for i, x in enumerate(xs):
        d.update(x)
        if d.drift_detected:
            detections.append(i)
            widths_at_detection.append(int(d.width))
        if (i + 1) % 500 == 0:
            checkpoints.append({"index": i, "width": int(d.width), "estimation": d.estimation,
                                "variance": d.variance, "total": d.total})
    return {"detections": detections, "widths_at_detection": widths_at_detection,
            "checkpoints": checkpoints, "width": int(d.width), "estimation": d.estimation,
            "variance": d.variance, "total": d.total, "n_detections": d.n_detections,
            "drift_detected": d.drift_detected}


def run_page_hinkley(xs: list[float]) -> dict:
    d = drift.PageHinkley()
    detections = []
    for i, x in enumerate(xs):
        d.update(x)
        if d.drift_detected:
            detections.append(i)
    return {"detections": detections, "mean": d._x_mean.get(), "n": int(d._x_mean.n),
            "sum_increase": d._sum_increase, "sum_decrease": d._sum_decrease,
            "min_increase": d._min_increase, "max_decrease": float(d._max_decrease),
            "drift_detected": d.drift_detected}


def run_page_hinkley_modes(xs: list[float]) -> dict:
    out = {}
    for mode in ("up", "down"):
        d = drift.PageHinkley(mode=mode)
        det = []
        for i, x in enumerate(xs):
            d.update(x)
            if d.drift_detected:
                det.append(i)
        out[mode] = det
    return out


# ---------------------------------------------------------------- distributions

EPS = 1e-4


def js_divergence(ref: dict[str, float], cur: dict[str, float], pseudocount: float = 0.0) -> float:
    keys = sorted(set(ref) | set(cur))
    p = np.array([ref.get(k, 0.0) + pseudocount for k in keys], dtype=np.float64)
    q = np.array([cur.get(k, 0.0) + pseudocount for k in keys], dtype=np.float64)
    return float(distance.jensenshannon(p, q, base=2) ** 2)


def psi_from_proportions(e: np.ndarray, a: np.ndarray, eps: float = EPS) -> float:
    e = np.maximum(e, eps)
    a = np.maximum(a, eps)
    return float(np.sum((a - e) * np.log(a / e)))


def categorical_psi(ref: dict[str, float], cur: dict[str, float], eps: float = EPS) -> float:
    keys = sorted(set(ref) | set(cur))
    p = np.array([ref.get(k, 0.0) for k in keys], dtype=np.float64)
    q = np.array([cur.get(k, 0.0) for k in keys], dtype=np.float64)
    return psi_from_proportions(p / p.sum(), q / q.sum(), eps)


def quantile_edges(ref: list[float], bins: int) -> list[float]:
    qs = np.array([i / bins for i in range(1, bins)], dtype=np.float64)
    return [float(v) for v in np.unique(np.quantile(np.asarray(ref, dtype=np.float64), qs))]


def bin_counts(values: list[float], edges: list[float]) -> list[int]:
    idx = np.searchsorted(np.asarray(edges), np.asarray(values, dtype=np.float64), side="left")
    return [int(c) for c in np.bincount(idx, minlength=len(edges) + 1)]


def numeric_psi(ref: list[float], cur: list[float], bins: int = 10, eps: float = EPS) -> dict:
    edges = quantile_edges(ref, bins)
    rc, cc = bin_counts(ref, edges), bin_counts(cur, edges)
    e = np.array(rc, dtype=np.float64) / len(ref)
    a = np.array(cc, dtype=np.float64) / len(cur)
    return {"edges": edges, "reference_counts": rc, "current_counts": cc,
            "psi": psi_from_proportions(e, a, eps)}


def categorical_cases() -> list[dict]:
    cases = [
        ("identical", {"a": 10, "b": 20, "c": 30}, {"a": 10, "b": 20, "c": 30}),
        ("scaled_identical", {"a": 1, "b": 2}, {"a": 100, "b": 200}),
        ("shifted", {"pos": 600, "neg": 400}, {"pos": 300, "neg": 700}),
        ("new_label_in_current", {"pos": 500, "neg": 500}, {"pos": 450, "neg": 450, "neutral": 100}),
        ("label_gone_in_current", {"a": 300, "b": 300, "c": 400}, {"a": 500, "b": 500}),
        ("disjoint", {"x": 5, "y": 5}, {"z": 7}),
        ("many_labels", {f"l{i}": (i * 7) % 13 + 1 for i in range(12)},
         {f"l{i}": (i * 5) % 11 + 2 for i in range(3, 15)}),
        ("tiny", {"a": 1}, {"a": 1, "b": 1}),
    ]
    out = []
    for name, r, c in cases:
        out.append({"name": name, "reference": r, "current": c,
                    "js": js_divergence(r, c), "js_pseudocount_0_5": js_divergence(r, c, 0.5),
                    "js_distance_scipy": float(distance.jensenshannon(
                        [r.get(k, 0) for k in sorted(set(r) | set(c))],
                        [c.get(k, 0) for k in sorted(set(r) | set(c))], base=2)),
                    "psi": categorical_psi(r, c)})
    return out


def numeric_cases() -> list[dict]:
    g = np.random.default_rng(11)
    out = []
    ref = [r6(v) for v in g.normal(0, 1, 1000)]
    out.append({"name": "gaussian_shift", "bins": 10, "reference": ref,
                "current": [r6(v) for v in g.normal(0.5, 1.2, 800)]})
    out.append({"name": "gaussian_same", "bins": 10, "reference": ref,
                "current": [r6(v) for v in g.normal(0, 1, 800)]})
    out.append({"name": "token_lengths_ties", "bins": 10,
                "reference": [float(v) for v in g.poisson(12, 600)],
                "current": [float(v) for v in g.poisson(16, 600)]})
    out.append({"name": "oov_rate_mostly_zero", "bins": 10,
                "reference": [r6(v) if g.random() < 0.3 else 0.0 for v in g.beta(1, 9, 500)],
                "current": [r6(v) if g.random() < 0.6 else 0.0 for v in g.beta(2, 6, 500)]})
    out.append({"name": "small_reference_5_bins", "bins": 5, "reference": [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0],
                "current": [1.0, 1.0, 2.0, 7.0, 9.0, 9.0, 10.0, -3.0, 4.0]})
    for case in out:
        case.update(numeric_psi(case["reference"], case["current"], case["bins"]))
    return out


# ---------------------------------------------------------------- projections

MASK = (1 << 64) - 1


class SplitMix64:
    def __init__(self, seed: int):
        self.state = seed & MASK

    def next(self) -> int:
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def uniform(self) -> float:
        return (self.next() >> 11) * (1.0 / 9007199254740992.0)


def gaussians(rng: SplitMix64, count: int) -> list[float]:
    out: list[float] = []
    while len(out) < count:
        u1 = 1.0 - rng.uniform()  # (0, 1]
        u2 = rng.uniform()
        r = math.sqrt(-2.0 * math.log(u1))
        theta = 2.0 * math.pi * u2
        out.append(r * math.cos(theta))
        out.append(r * math.sin(theta))
    return out[:count]


def directions(seed: int, k: int, dim: int) -> list[list[float]]:
    rng = SplitMix64(seed)
    dirs = []
    for _ in range(k):
        v = gaussians(rng, dim)
        ss = 0.0
        for x in v:
            ss += x * x
        norm = math.sqrt(ss)
        dirs.append([x / norm for x in v])
    return dirs


def project(vec: list[float], dirs: list[list[float]]) -> list[float]:
    out = []
    for d in dirs:
        s = 0.0
        for a, b in zip(vec, d):
            s += a * b
        out.append(s)
    return out


def projection_case() -> dict:
    seed, k, dim = 20240611, 4, 8
    dirs = directions(seed, k, dim)
    raw = SplitMix64(7).next()
    return {"seed": seed, "k": k, "dim": dim, "directions": dirs,
            "splitmix_seed7_first": str(raw),
            "uniforms_seed7": [SplitMix64(7).uniform()]}


# ---------------------------------------------------------------- DriftMonitor scenario


def monitor_scenario() -> dict:
    """A labelled stream with a drift at 1500; the expected report after every example.

    Monitor settings: reference = first 400 examples, current = last 300 examples,
    10 quantile bins, k = 3 projections (seed 99) of 6-dim embeddings.
    """
    g = np.random.default_rng(21)
    n, change = 2400, 1500
    ref_n, cur_n, bins, k, dim, seed = 400, 300, 10, 3, 6, 99
    labels_a, labels_b = ["pos", "neg", "neutral"], ["pos", "neg", "neutral", "spam"]
    examples = []
    for i in range(n):
        drifted = i >= change
        if drifted:
            label = labels_b[int(g.choice(4, p=[0.2, 0.5, 0.1, 0.2]))]
            err = float(g.random() < 0.35)
            loss = r6(g.lognormal(0.0, 0.5))
            tok = float(g.poisson(22))
            oov = r6(g.beta(2, 10)) if g.random() < 0.5 else 0.0
            emb = [r6(v) for v in g.normal(0.6, 1.0, dim)]
        else:
            label = labels_a[int(g.choice(3, p=[0.5, 0.3, 0.2]))]
            err = float(g.random() < 0.12)
            loss = r6(g.lognormal(-1.0, 0.5))
            tok = float(g.poisson(14))
            oov = r6(g.beta(1, 12)) if g.random() < 0.3 else 0.0
            emb = [r6(v) for v in g.normal(0.0, 1.0, dim)]
        examples.append({"label": label, "error": err, "loss": loss, "tokens": tok, "oov": oov,
                         "embedding": emb})

    dirs = directions(seed, k, dim)
    # The monitor takes Float embeddings (what the model produces): project the float32 values.
    proj = [project([float(np.float32(v)) for v in e["embedding"]], dirs) for e in examples]

    def window_stats(ref_lo: int, ref_hi: int, cur_lo: int, cur_hi: int) -> dict:
        ref, cur = examples[ref_lo:ref_hi], examples[cur_lo:cur_hi]
        rl, cl = {}, {}
        for e in ref:
            rl[e["label"]] = rl.get(e["label"], 0) + 1
        for e in cur:
            cl[e["label"]] = cl.get(e["label"], 0) + 1
        return {"current_count": len(cur), "label_js": js_divergence(rl, cl),
                "label_psi": categorical_psi(rl, cl),
                "token_length_psi": numeric_psi([e["tokens"] for e in ref], [e["tokens"] for e in cur], bins)["psi"],
                "oov_rate_psi": numeric_psi([e["oov"] for e in ref], [e["oov"] for e in cur], bins)["psi"],
                "projection_psi": [numeric_psi([p[j] for p in proj[ref_lo:ref_hi]],
                                               [p[j] for p in proj[cur_lo:cur_hi]], bins)["psi"]
                                   for j in range(k)]}

    def report_at(end: int) -> dict:
        return {"end": end, **window_stats(0, ref_n, max(ref_n, end - cur_n), end)}

    # resetReference() after 1200 examples: examples 1200..1599 become the reference.
    reset_at = 1200
    after_reset = {"reset_after": reset_at, "end": n, **window_stats(reset_at, reset_at + ref_n, n - cur_n, n)}
    # adoptCurrentWindowAsReference() after 1800 examples: the window 1500..1799 becomes the reference.
    after_adopt = {"adopt_after": 1800, "end": n, **window_stats(1800 - cur_n, 1800, n - cur_n, n)}

    adwin_err, adwin_loss, ph_err, ph_loss = drift.ADWIN(), drift.ADWIN(), drift.PageHinkley(), drift.PageHinkley()
    det = {"adwin_error": [], "adwin_loss": [], "page_hinkley_error": [], "page_hinkley_loss": []}
    for i, e in enumerate(examples):
        for name, d, x in (("adwin_error", adwin_err, e["error"]), ("adwin_loss", adwin_loss, e["loss"]),
                           ("page_hinkley_error", ph_err, e["error"]), ("page_hinkley_loss", ph_loss, e["loss"])):
            d.update(x)
            if d.drift_detected:
                det[name].append(i)
    # Detectors restarted by resetReference() after 1200 examples: fresh River detectors from there.
    fresh = {"adwin_error": drift.ADWIN(), "adwin_loss": drift.ADWIN(),
             "page_hinkley_error": drift.PageHinkley(), "page_hinkley_loss": drift.PageHinkley()}
    after_reset["detections"] = {name: [] for name in fresh}
    for i in range(reset_at, n):
        e = examples[i]
        for name, d in fresh.items():
            d.update(e["error"] if name.endswith("error") else e["loss"])
            if d.drift_detected:
                after_reset["detections"][name].append(i)
    return {"settings": {"reference_size": ref_n, "current_size": cur_n, "bins": bins,
                         "projections": k, "projection_seed": seed, "dim": dim},
            "examples": examples, "projections_first3": proj[:3],
            "reports": [report_at(end) for end in (700, 1500, 1800, 2400)],
            "after_reset": after_reset, "after_adopt": after_adopt,
            "detections": det,
            "final": {"adwin_error_estimation": adwin_err.estimation, "adwin_error_width": int(adwin_err.width),
                      "adwin_loss_estimation": adwin_loss.estimation, "adwin_loss_width": int(adwin_loss.width),
                      "page_hinkley_error_mean": ph_err._x_mean.get(),
                      "page_hinkley_loss_mean": ph_loss._x_mean.get()}}


def main() -> None:
    streams = make_streams()
    det = {}
    for name, xs in streams.items():
        det[name] = {"values": xs, "adwin": run_adwin(xs),
                     # Non-default parameters test every split on every value (clock=1) and
                     # a looser bound with coarser buckets.
                     "adwin_clock1": run_adwin(xs, clock=1, delta=0.01, max_buckets=3, min_window_length=10,
                                               grace_period=50),
                     "page_hinkley": run_page_hinkley(xs),
                     "page_hinkley_modes": run_page_hinkley_modes(xs)}
    with open(os.path.join(HERE, "detector_streams.json"), "w") as f:
        json.dump({"river_version": river.__version__, "streams": det}, f, separators=(",", ":"))

    stats = {"eps": EPS, "categorical": categorical_cases(), "numeric": numeric_cases(),
             "projection": projection_case()}
    with open(os.path.join(HERE, "distribution_stats.json"), "w") as f:
        json.dump(stats, f, separators=(",", ":"))

    with open(os.path.join(HERE, "monitor_scenario.json"), "w") as f:
        json.dump(monitor_scenario(), f, separators=(",", ":"))

    for name, d in det.items():
        print(f"{name:22s} n={len(d['values']):6d} adwin={d['adwin']['detections'][:8]}"
              f" ph={d['page_hinkley']['detections'][:8]}")


if __name__ == "__main__":
    main()

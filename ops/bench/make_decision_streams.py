#!/usr/bin/env python3
"""Scenario streams for the decision benchmark (ops/bench/decisions), built from the Debian stream.

    python3 ops/bench/make_decision_streams.py --data debian.jsonl --out DIR --examples N --change C

Writes DIR/<scenario>.jsonl, each N examples (the source is cycled, with ids made unique, when
N exceeds it), the change at example C:
  stationary   the shuffled stream as it is: nothing changes
  abrupt       from C on, the ten most frequent sections are permuted (each becomes the next)
  gradual      the same permutation, applied to a share of examples growing linearly from 0 at C
               to 1 at C + W (W = --gradual-width)
  new_labels   five mid-frequency sections are absent before C and appear from C on
  input_shift  before C only descriptions up to the median length, from C on only longer ones
               (the labels' meaning is unchanged: a covariate shift)
"""
import argparse
import collections
import json
import os
import random


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--examples", type=int, default=20000)
    ap.add_argument("--change", type=int, default=10000)
    ap.add_argument("--gradual-width", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--scenarios", default="stationary,abrupt,gradual,new_labels,input_shift")
    args = ap.parse_args()
    source = [json.loads(line) for line in open(args.data, encoding="utf-8")]
    rng = random.Random(args.seed)

    def cycled(rows, n):
        out = []
        for i in range(n):
            r = dict(rows[i % len(rows)])
            if i >= len(rows):
                r["id"] = f"{r['id']}#{i // len(rows)}"
            out.append(r)
        return out

    counts = collections.Counter(r["label"] for r in source)
    top10 = [label for label, _ in counts.most_common(10)]
    shift = {label: top10[(i + 1) % len(top10)] for i, label in enumerate(top10)}
    mid = [label for label, _ in counts.most_common()[15:20]]
    median = sorted(len(r["text"]) for r in source)[len(source) // 2]
    os.makedirs(args.out, exist_ok=True)
    n, c = args.examples, args.change

    def write(name, rows):
        with open(os.path.join(args.out, name + ".jsonl"), "w", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps(r) + "\n")

    scenarios = args.scenarios.split(",")
    base = cycled(source, n)
    if "stationary" in scenarios:
        write("stationary", base)
    if "abrupt" in scenarios:
        write("abrupt", [dict(r, label=shift.get(r["label"], r["label"])) if i >= c else r for i, r in enumerate(base)])
    if "gradual" in scenarios:
        rows = []
        for i, r in enumerate(base):
            p = min(1.0, max(0.0, (i - c) / args.gradual_width))
            rows.append(dict(r, label=shift.get(r["label"], r["label"])) if rng.random() < p else r)
        write("gradual", rows)
    if "new_labels" in scenarios:
        before = [r for r in source if r["label"] not in mid]
        write("new_labels", cycled(before, c) + cycled(source, n - c))
    if "input_shift" in scenarios:
        short = [r for r in source if len(r["text"]) <= median]
        long = [r for r in source if len(r["text"]) > median]
        write("input_shift", cycled(short, c) + cycled(long, n - c))
    print(json.dumps({"top10": top10, "new_labels": mid, "median_length": median}))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Scenario streams for the decision benchmark (ops/bench/decisions), built from the Debian stream.

    python3 ops/bench/make_decision_streams.py --data debian.jsonl --out DIR --examples N --change C

Writes DIR/<scenario>.jsonl, each N examples (stationary: --stationary-examples) drawn from the first N of the source (cycled, with ids
made unique, when a scenario needs more of a kind), the change at example C:
  stationary   the shuffled stream as it is: nothing changes
  abrupt       from C on, the ten most frequent sections are permuted (each becomes the next)
  gradual      the same permutation, applied to a share of examples growing linearly from 0 at C
               to 1 at C + W (W = --gradual-width)
  new_labels   five mid-frequency sections are absent before C and appear from C on
  input_shift  before C only descriptions up to the median length, from C on only longer ones
               (the labels' meaning is unchanged: a covariate shift)
  poisoned     the stationary stream, except that the labels of examples C … C + B − 1 (B =
               --burst, 200) are shuffled among themselves: a bad batch of data, not a new
               concept — the one case where rolling back is the right decision

and DIR/<scenario>.probe.jsonl: --probe examples the stream never contains (rows after the
first N of the source), labelled by the post-change concept (abrupt/gradual: permuted; new_labels:
only the new sections; input_shift: only long descriptions; stationary/poisoned: as they are), on
which the decision benchmark scores every version that served after the change.
"""
import argparse
import collections
import json
import os
import random
import subprocess
import sys
import tempfile

SCENARIOS = ("stationary", "abrupt", "gradual", "new_labels", "input_shift", "poisoned")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--examples", type=int, default=20000)
    ap.add_argument("--change", type=int, default=10000)
    ap.add_argument("--gradual-width", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--stationary-examples", type=int, help="length of the stationary stream (default --examples)")
    ap.add_argument("--burst", type=int, default=200)
    ap.add_argument("--probe", type=int, default=300)
    ap.add_argument("--scenarios", default=",".join(SCENARIOS))
    ap.add_argument("--verify", action="store_true",
                    help="build the --scenarios together and each alone (in temporary directories, --out unused) "
                         "and exit 1 unless every stream and probe is byte-identical")
    args = ap.parse_args()
    if args.verify:
        return verify(args)
    source = [json.loads(line) for line in open(args.data, encoding="utf-8")]

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
        # Through a temporary file and a rename: another invocation may be reading the stream.
        path = os.path.join(args.out, name + ".jsonl")
        with open(path + f".{os.getpid()}.tmp", "w", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps(r) + "\n")
        os.replace(f.name, path)

    scenarios = args.scenarios.split(",")
    generators = {}

    def rng(scenario):
        """The scenario's own generator, seeded by (seed, scenario): a stream's bytes do not depend
        on which other scenarios one invocation builds (str seeds hash by SHA-512, not hash())."""
        return generators.setdefault(scenario, random.Random(f"{args.seed}:{scenario}"))
    base = cycled(source, n)
    unseen = source[n:] if len(source) > n else []

    def probe(name, keep, relabel=lambda r: r):
        rows = [relabel(r) for r in unseen if keep(r)][: args.probe]
        write(name + ".probe", rows)
    if "stationary" in scenarios:
        m = args.stationary_examples or n
        write("stationary", cycled(source, m))
        write("stationary.probe", source[m:][: args.probe])
    if "abrupt" in scenarios:
        write("abrupt", [dict(r, label=shift.get(r["label"], r["label"])) if i >= c else r for i, r in enumerate(base)])
        probe("abrupt", lambda r: r["label"] in shift, lambda r: dict(r, label=shift[r["label"]]))
    if "gradual" in scenarios:
        rows = []
        for i, r in enumerate(base):
            p = min(1.0, max(0.0, (i - c) / args.gradual_width))
            rows.append(dict(r, label=shift.get(r["label"], r["label"])) if rng("gradual").random() < p else r)
        write("gradual", rows)
        probe("gradual", lambda r: r["label"] in shift, lambda r: dict(r, label=shift[r["label"]]))
    if "new_labels" in scenarios:
        before = [r for r in source[:n] if r["label"] not in mid]
        write("new_labels", cycled(before, c) + cycled(source[: n], n - c))
        probe("new_labels", lambda r: r["label"] in mid)
    if "input_shift" in scenarios:
        short = [r for r in source[:n] if len(r["text"]) <= median]
        long = [r for r in source[:n] if len(r["text"]) > median]
        write("input_shift", cycled(short, c) + cycled(long, n - c))
        probe("input_shift", lambda r: len(r["text"]) > median)
    if "poisoned" in scenarios:
        burst = base[c: c + args.burst]
        labels = [r["label"] for r in burst]
        rng("poisoned").shuffle(labels)
        write("poisoned", base[:c] + [dict(r, label=l) for r, l in zip(burst, labels)] + base[c + args.burst:])
        probe("poisoned", lambda r: True)
    print(json.dumps({"top10": top10, "new_labels": mid, "median_length": median}))


def verify(args):
    """Builds the scenarios together, then each alone, with the same arguments; compares the bytes."""
    passed = [a for a in sys.argv[1:] if a != "--verify"]
    scenarios = args.scenarios.split(",")
    with tempfile.TemporaryDirectory() as tmp:
        def build(out, names):
            subprocess.run([sys.executable, __file__, *passed, "--out", out, "--scenarios", ",".join(names)],
                           check=True, stdout=subprocess.DEVNULL)
        build(os.path.join(tmp, "all"), scenarios)
        differ = []
        for s in scenarios:
            build(os.path.join(tmp, s), [s])
            for suffix in (".jsonl", ".probe.jsonl"):
                alone = open(os.path.join(tmp, s, s + suffix), "rb").read()
                together = open(os.path.join(tmp, "all", s + suffix), "rb").read()
                if alone != together:
                    differ.append(s + suffix)
    print(json.dumps({"verified": scenarios, "differ": differ}))
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())

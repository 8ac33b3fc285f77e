#!/usr/bin/env python3
"""Writes the learning benchmark's labelled stream: Debian package descriptions.

text = the package's Description (one-line synopsis), label = its Section (the
archive-area prefix such as "contrib/" dropped), id = package name. Packages are
deduplicated by name and shuffled with a fixed seed, so every run of the
benchmark (ours and the PEFT reference) sees the same stream in the same order.

    python3 ops/bench/make_debian_stream.py --out .cache/debian.jsonl [--limit 20000] [--seed 7]

Reads `apt-cache dumpavail` (run `apt-get update` once first).
"""
import argparse
import json
import random
import subprocess
import sys


def packages(dump: str):
    for stanza in dump.split("\n\n"):
        fields = {}
        for line in stanza.splitlines():
            if not line or line[0].isspace() or ":" not in line:
                continue
            key, _, value = line.partition(":")
            fields[key] = value.strip()
        if "Package" in fields and "Description" in fields and "Section" in fields:
            yield fields["Package"], fields["Description"], fields["Section"].split("/")[-1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--limit", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()

    dump = subprocess.run(["apt-cache", "dumpavail"], check=True, capture_output=True, text=True).stdout
    seen, rows = set(), []
    for name, text, section in packages(dump):
        if name in seen or not text:
            continue
        seen.add(name)
        rows.append({"id": name, "text": text, "label": section})
    if not rows:
        print("error: apt-cache dumpavail listed no packages; run apt-get update first", file=sys.stderr)
        return 1
    rows.sort(key=lambda r: r["id"])
    random.Random(args.seed).shuffle(rows)
    rows = rows[: args.limit]
    with open(args.out, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    labels = {r["label"] for r in rows}
    print(f"wrote {len(rows)} examples with {len(labels)} labels to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

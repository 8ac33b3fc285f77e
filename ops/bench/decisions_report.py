#!/usr/bin/env python3
"""The table of ops/bench/decisions, from the files it wrote (see that script).

    decisions_report.py served --trace T --change C --examples N            # versions to score
    decisions_report.py score --probe P.jsonl --version V < predictions   # one version on a probe
    decisions_report.py table --out DIR --change C --examples N --stationary M --seeds "7 8" \
        [--variant NAME] SCENARIOS…

`table` prints one JSON row per seed and scenario, then a markdown table (mean over seeds,
min–max) for the README, then each of the issue's targets with the numbers that meet it or not.
With --variant, ours' files are read from DIR/seedS/NAME/ (ops/bench/decisions --variant NAME:
another pipeline on the same streams), PEFT's from DIR/seedS/ as always.
"""
import argparse
import json
import os
import sys

from holdout import in_holdout

WINDOW = 200  # metrics.window of pipelines/bench-decisions.yaml; PEFT's outcomes use the same.
BURST = 200  # make_decision_streams.py --burst
HOLDOUT = 0.05  # holdout.share of pipelines/bench-decisions.yaml
SERVED_AT = (250, 500, 1000, 2500)  # examples after the change at which the served version is scored


def load_jsonl(path):
    return [json.loads(line) for line in open(path) if line.strip()] if os.path.exists(path) else []


def recovery(points, change, pre):
    """Examples after the change until the (fully post-change) windowed accuracy is within 0.05 of pre."""
    for n, acc in points:
        if n >= change + WINDOW and acc is not None and acc >= pre - 0.05:
            return n - change
    return None


def peft_windowed(outcomes):
    out, s = [], 0
    for i, o in enumerate(outcomes):
        s += o
        if i >= WINDOW:
            s -= outcomes[i - WINDOW]
        if i + 1 >= WINDOW:
            out.append((i + 1, s / WINDOW))
    return out


def at(points, n):
    best = None
    for m, v in points:
        if m <= n:
            best = v
    return best


def episodes(trace, part, start, end):
    """Rising edges into `alert` of a drift part between stream indices start and end (reference frozen)."""
    count, prev = 0, False
    for p in trace:
        if not (start <= p["examples"] < end) or not p.get("reference_frozen"):
            continue
        now = p.get(part) == "alert"
        if now and not prev:
            count += 1
        prev = now
    return count


def rising(trace, key):
    """Stream indices at which a traced counter went up."""
    out, prev = [], 0
    for p in trace:
        if p.get(key, 0) > prev:
            out.append(p["examples"])
        prev = max(prev, p.get(key, 0))
    return out


def scenario_row(d, od, s, c, n):
    """One seed's numbers for scenario s: ours' files in od, the streams and PEFT's files in d."""
    trace = load_jsonl(os.path.join(od, f"{s}.trace.jsonl"))
    journal = load_jsonl(os.path.join(od, f"{s}.journal.jsonl"))
    row = {"scenario": s}
    if trace:
        ours = [(p["examples"], p.get("window_accuracy")) for p in trace]
        end = n if s == "stationary" else c
        frozen = next((p["examples"] for p in trace if p.get("reference_frozen")), end)
        span = max(1, end - frozen)
        alerts = {part: episodes(trace, part, 0, end) for part in ("label", "input", "concept")}
        created = {e["version"]: e["numbers"].get("prequential.examples", 0) for e in journal if e["event"] == "snapshot"}
        concept = [int(e["numbers"]["alarm_index"]) for e in journal if e["event"] == "adapt" and "alarm_index" in e["numbers"]]
        new_label = [e for e in journal if e["event"] == "adapt" and "example_index" in e["numbers"]]
        first = {part: next((p["examples"] for p in trace if p["examples"] >= c and p.get(part) == "alert"), None)
                 for part in ("label", "input")}
        first["concept"] = next((i for i in concept if i >= c), None)
        rollbacks = [e for e in journal if e["event"] in ("rollback", "clear_live", "reload")]
        rb_at = rising(trace, "rollbacks")
        judged = []
        for k, e in enumerate(rollbacks):
            target = created.get(e["version"]) if e["event"] in ("rollback", "reload") else None
            where = rb_at[k] if k < len(rb_at) else None
            right = (s == "poisoned" and where is not None and c <= where <= c + BURST + 1000
                     and target is not None and target <= c)
            judged.append({"event": e["event"], "at": None if where is None else where - c, "right": right,
                           "target_created_at": target, "reason": e["reason"][:200],
                           "discarded": e["numbers"].get("examples_discarded")})
        post = next((p["examples"] for p in trace if p["examples"] >= c and p.get("live")
                     and created.get(int(p["live"]), 0) > c), None)
        scores = {int(r["version"]): r["accuracy"] for r in load_jsonl(os.path.join(od, f"{s}.probe-scores.jsonl"))}
        live_at = [(p["examples"], int(p["live"]) if p.get("live") else None) for p in trace]
        served = {}
        for k in SERVED_AT + (n - c,):
            v = at(live_at, c + k)
            served[str(k)] = None if v is None else {"version": v, "probe_accuracy": scores.get(v)}
        pre = at(ours, c)
        row.update({
            "alerts_per_10k_before_change": {k: round(v * 10_000 / span, 2) for k, v in alerts.items()},
            "alert_episodes_before_change": alerts, "examples_judged": span,
            "concept_alarms_before_change": sum(1 for i in concept if i < end),
            "first_alarm_delay": {k: (None if v is None or s == "stationary" else v - c) for k, v in first.items()},
            "adaptations": len(concept), "new_label_boosts": len(new_label),
            "rollbacks": judged, "declined_rollbacks": sum(1 for e in journal if e["event"] == "rollback_declined"),
            "post_change_version_serving_after": None if post is None or s == "stationary" else post - c,
            "ours_pre_change_window_accuracy": pre,
            "ours_recovery_examples": None if s == "stationary" or pre is None else recovery(ours, c, pre),
            "ours_window_accuracy_after": {str(k): at(ours, c + k) for k in SERVED_AT + (n - c,)},
            "served_probe_accuracy_after": served,
            "probe_accuracy_before_change": scores.get(at(live_at, c - 1)),
            "discard_events": sum(1 for e in journal if e["numbers"].get("examples_discarded")),
        })
        manifest = os.path.join(od, f"{s}.live-manifest.json")
        if os.path.exists(manifest):
            m = json.load(open(manifest))
            row["live_examples_trained"] = m.get("examples_trained")
            row["live_examples_skipped"] = m.get("examples_skipped")
            stream = load_jsonl(os.path.join(d, f"{s}.jsonl"))[:n]
            row["examples_not_held_out"] = sum(1 for i, r in enumerate(stream) if not in_holdout(str(r.get("id", i)), HOLDOUT))
    peft_path = os.path.join(d, f"{s}.peft-outcomes.json")
    if os.path.exists(peft_path):
        pw = peft_windowed(json.load(open(peft_path)))
        pre = at(pw, c)
        row["peft_pre_change_window_accuracy"] = pre
        row["peft_recovery_examples"] = None if s == "stationary" or pre is None else recovery(pw, c, pre)
        row["peft_window_accuracy_after"] = {str(k): at(pw, c + k) for k in SERVED_AT + (n - c,)}
        row.update(river_row(os.path.join(d, f"{s}.peft.json"), s, c, n))
    commit = os.path.join(od, f"{s}.ours-commit")
    if os.path.exists(commit):
        row["ours_commit"] = open(commit).read().strip()
    for impl, where in (("ours", od), ("peft", d)):
        path = os.path.join(where, f"{s}.{impl}.json")
        if os.path.exists(path) and os.path.getsize(path) > 0:
            row[f"{impl}_examples_per_s"] = round(json.load(open(path))["examples_per_s"], 1)
    return row


def river_row(path, s, c, n):
    """PEFT + River (peft_online.py's `drift`): alarms per 10,000 from the end of the warm-up to the
    change (stationary: the whole stream), counting an example once however many of the four
    detectors fired on it, and the first alarm at or after the change."""
    result = json.load(open(path)) if os.path.exists(path) and os.path.getsize(path) > 0 else {}
    drift = result.get("drift")
    if not drift:
        return {}
    end = n if s == "stationary" else c
    start = drift["settings"]["concept_warmup"]
    before = sorted({a["index"] for a in drift["alarms"] if a["index"] < end})
    after = [a for a in drift["alarms"] if a["index"] >= c] if s != "stationary" else []
    return {
        "peft_river_alarms_before_change": len(before),
        "peft_river_alarms_per_10k_before_change": round(len(before) * 10_000 / max(1, end - start), 2),
        "peft_river_examples_judged": end - start,
        "peft_river_first_alarm_delay": None if not after else after[0]["index"] - c,
        "peft_river_first_alarm": None if not after else f"{after[0]['detector']} on {after[0]['signal']}",
        "peft_river_alarms": [(a["index"], a["detector"], a["signal"]) for a in drift["alarms"]],
    }


MISSING = object()  # the run did not produce this number (e.g. PEFT not run)


def summary(values, digits=0):
    values = [x for x in values if x is not MISSING]
    if not values:
        return "not run"
    v = [x for x in values if x is not None]
    missing = len(values) - len(v)
    if not v:
        return "–" if not values else f"never ({len(values)})"
    fmt = (lambda x: f"{x:,.{digits}f}")
    text = fmt(sum(v) / len(v)) + (f" ({fmt(min(v))}–{fmt(max(v))})" if len(v) > 1 and min(v) != max(v) else "")
    return text + (f", never in {missing}" if missing else "")


def first_alarm(r, impl):
    """(delay, what fired) of the first alarm at or after the change; MISSING when not run."""
    if impl == "ours":
        if "first_alarm_delay" not in r:
            return MISSING, None
        hits = [(v, k) for k, v in r["first_alarm_delay"].items() if v is not None]
        return min(hits) if hits else (None, None)
    if "peft_river_first_alarm_delay" not in r:
        return MISSING, None
    return r["peft_river_first_alarm_delay"], r.get("peft_river_first_alarm")


def get(r, key, sub=None):
    """r[key] (or r[key][sub]); MISSING when the run that writes it did not happen."""
    if key not in r:
        return MISSING
    return r[key] if sub is None else (r[key] or {}).get(sub)


def ratio(r):
    """ours / PEFT recovery examples for one seed; MISSING when either did not run, None when
    either never recovered."""
    o, p = get(r, "ours_recovery_examples"), get(r, "peft_recovery_examples")
    if o is MISSING or p is MISSING:
        return MISSING
    return None if o is None or p is None or p == 0 else o / p


def ratios(rs):
    """The per-seed ratios ours / PEFT (a seed's ratio is what the target judges, not the mean's)."""
    rs_ = [ratio(r) for r in rs]
    if all(x is MISSING for x in rs_):
        return "not run"
    return " / ".join("not run" if x is MISSING else "never" if x is None else f"{x:.2f}×" for x in rs_)


def cells(s, rs):
    """One table row's cells for the rows `rs` (one seed, or every seed: mean (min–max))."""
    stationary = s == "stationary"
    al = lambda part: summary([get(r, "alerts_per_10k_before_change", part) for r in rs], 1)
    ours_alerts = f"{al('label')}, {al('input')}, {al('concept')}"
    peft_alerts = summary([get(r, "peft_river_alarms_per_10k_before_change") for r in rs], 1)

    def alarm(impl):
        if stationary:
            return "–"
        found = [first_alarm(r, impl) for r in rs]
        what = sorted({w for _, w in found if w})
        text = summary([d for d, _ in found])
        return text if not what else f"{text} ({', '.join(what)})"
    ran = [r for r in rs if "rollbacks" in r]
    if ran:
        rb = [x for r in ran for x in r["rollbacks"]]
        right = sum(1 for x in rb if x["right"])
        dec = sum(r.get("declined_rollbacks", 0) for r in ran)
        rollbacks = f"{len(rb)} ({right} right, {len(rb) - right} wrong; {dec} declined)"
    else:
        rollbacks = "not run"
    after = lambda key, k, digits=3: summary([get(r, key, str(k)) for r in rs], digits)

    def served(r, k):
        if "served_probe_accuracy_after" not in r:
            return MISSING
        x = r["served_probe_accuracy_after"].get(str(k))
        return None if not x or x.get("probe_accuracy") is None else x["probe_accuracy"]
    sv = lambda k: summary([served(r, k) for r in rs], 3)
    dash = lambda text: "–" if stationary else text
    return [ours_alerts, peft_alerts, alarm("ours"), alarm("peft"), rollbacks,
            dash(summary([get(r, "post_change_version_serving_after") for r in rs])),
            dash(summary([get(r, "ours_recovery_examples") for r in rs])),
            dash(summary([get(r, "peft_recovery_examples") for r in rs])),
            dash(ratios(rs)),
            f"{sv(500)} / {sv(2500)}",
            f"{after('ours_window_accuracy_after', 500)} / {after('ours_window_accuracy_after', 2500)}",
            f"{after('peft_window_accuracy_after', 500)} / {after('peft_window_accuracy_after', 2500)}"]


HEADER = ("| scenario | alarms / 10k before the change, ours (label, input, concept) | PEFT + River (concept) | "
          "first alarm after the change, ours | PEFT + River | automatic rollbacks, ours (PEFT: none) | "
          "post-change version live after, ours | recovery ours | recovery PEFT | recovery ours / PEFT | "
          "ours served version on the new concept, +500 / +2,500 | ours windowed, +500 / +2,500 | "
          "PEFT windowed, +500 / +2,500 |")


def table(a):
    """One JSON row per seed and scenario, then the markdown table: per scenario the mean over
    seeds (min–max), then one row per seed."""
    seeds = a.seeds.split()
    rows = {}
    for seed in seeds:
        for s in a.scenarios:
            n = a.stationary if s == "stationary" else a.examples
            d = os.path.join(a.out, f"seed{seed}")
            r = scenario_row(d, os.path.join(d, a.variant) if a.variant else d, s, a.change, n)
            r["seed"] = seed
            rows.setdefault(s, []).append(r)
            print(json.dumps(r))
    print()
    print(HEADER)
    print("|" + "---|" * HEADER.count(" | ") + "---|")
    for s, rs in rows.items():
        commits = sorted({r["ours_commit"] for r in rs if "ours_commit" in r})
        ran = f"; ours at {', '.join(commits)}" if commits else ""
        print("| **" + s + f"** (seeds {a.seeds}{ran}) | " + " | ".join(cells(s, rs)) + " |")
        if len(rs) > 1:
            for r in rs:
                at_commit = f" (ours at {r['ours_commit']})" if "ours_commit" in r and len(commits) > 1 else ""
                print(f"| {s}, seed {r['seed']}{at_commit} | " + " | ".join(cells(s, [r])) + " |")
    print()
    for line in targets(rows):
        print(line)


def verdict(checks):
    """'met' when every seed that ran meets it, else 'not met'; seeds not run are named."""
    ran = [(seed, ok) for seed, ok in checks if ok is not MISSING]
    if not ran:
        return "not run"
    text = "met" if all(ok for _, ok in ran) else "NOT met"
    missing = [seed for seed, ok in checks if ok is MISSING]
    failed = [seed for seed, ok in ran if not ok]
    return (text + (f" (seed {', '.join(failed)} not)" if failed and len(failed) < len(ran) else "")
            + (f"; seed {', '.join(missing)} not run" if missing else ""))


def targets(rows):
    """The issue's targets, judged per seed on the rows that ran, each with its numbers."""
    out = ["Targets (per seed; met only when every seed that ran meets it):"]
    per = lambda s: rows.get(s, [])
    ours_ran = lambda r: "rollbacks" in r

    def numbers(rs, f):
        return ", ".join(f"seed {r['seed']}: {f(r)}" for r in rs)
    st = per("stationary")
    if st:
        def quiet(r):
            if not ours_ran(r):
                return MISSING
            a = r["alerts_per_10k_before_change"]
            return all(v == 0 for v in a.values()) and not r["rollbacks"] and not r.get("discard_events")
        def trained(r):
            if not ours_ran(r) or r.get("live_examples_trained") is None:
                return MISSING
            return (r["live_examples_trained"] == r["examples_not_held_out"] and r.get("live_examples_skipped") == 0
                    and not r["rollbacks"] and not r.get("discard_events"))
        out.append("- stationary, 0 drift alerts after the reference froze and 0 automatic rollbacks: "
                   + verdict([(r["seed"], quiet(r)) for r in st]) + " — "
                   + numbers([r for r in st if ours_ran(r)], lambda r: f"alerts {sum(r['alert_episodes_before_change'].values())}, "
                             f"rollbacks {len(r['rollbacks'])}"))
        out.append("- stationary, every non-held-out example trained (the live manifest's examples trained = the "
                   "stream's examples outside the holdout, 0 skipped; nothing rolled back or discarded): " + verdict([(r["seed"], trained(r)) for r in st]) + " — "
                   + numbers([r for r in st if r.get("live_examples_trained") is not None],
                             lambda r: f"{r['live_examples_trained']:,} trained of {r['examples_not_held_out']:,}, "
                             f"{r['live_examples_skipped']} skipped"))
        peft = [r for r in st if "peft_river_alarms_before_change" in r]
        if peft:
            out.append("- (peer) PEFT + River on the stationary stream: " + numbers(
                peft, lambda r: f"{r['peft_river_alarms_before_change']} alarms, {r['peft_river_alarms_per_10k_before_change']}/10k"))
    po = per("poisoned")
    if po:
        ok = lambda r: MISSING if not ours_ran(r) else any(x["right"] for x in r["rollbacks"]) and all(x["right"] for x in r["rollbacks"])
        out.append("- poisoned burst rolled back (to a version from before it), and nothing else: "
                   + verdict([(r["seed"], ok(r)) for r in po]) + " — "
                   + numbers([r for r in po if ours_ran(r)], lambda r: ", ".join(
                       f"{x['event']} at +{x['at']} ({'right' if x['right'] else 'wrong'}, {x['discarded']} discarded)"
                       for x in r["rollbacks"]) or "none"))
    ab = per("abrupt")
    if ab:
        delay = lambda r: first_alarm(r, "ours")[0]
        ok1 = lambda r: MISSING if delay(r) is MISSING else delay(r) is not None and delay(r) <= 100
        out.append("- abrupt, first alarm ≤ 100 examples after the change: " + verdict([(r["seed"], ok1(r)) for r in ab])
                   + " — " + numbers([r for r in ab if ours_ran(r)], lambda r: f"+{delay(r)}"))
        live = lambda r: get(r, "post_change_version_serving_after")
        ok2 = lambda r: MISSING if live(r) is MISSING else live(r) is not None and live(r) <= 500
        out.append("- abrupt, a post-change version serving ≤ 500 examples after the change: "
                   + verdict([(r["seed"], ok2(r)) for r in ab]) + " — " + numbers([r for r in ab if ours_ran(r)], lambda r: f"+{live(r)}"))
        ok3 = lambda r: MISSING if ratio(r) is MISSING else ratio(r) is not None and ratio(r) <= 0.5
        both = [r for r in ab if ratio(r) is not MISSING]
        out.append("- abrupt, recovery ≤ ½ of PEFT's: " + verdict([(r["seed"], ok3(r)) for r in ab]) + " — "
                   + numbers(both, lambda r: f"{r['ours_recovery_examples']} / {r['peft_recovery_examples']} = "
                             + ("never" if ratio(r) is None else f"{ratio(r):.2f}×")))
    return out


def served(a):
    """The versions live just before the change and at SERVED_AT examples after it (and at the end)."""
    trace = load_jsonl(a.trace)
    live_at = [(p["examples"], int(p["live"]) if p.get("live") else None) for p in trace]
    points = [a.change - 1] + [a.change + k for k in SERVED_AT] + [a.examples]
    print(" ".join(sorted({f"{v:06d}" for v in (at(live_at, n) for n in points) if v is not None})))


def score(a):
    probe = load_jsonl(a.probe)
    preds = [json.loads(line) for line in sys.stdin if line.strip()]
    hits = sum(1 for r, p in zip(probe, preds) if p.get("label") == r["label"])
    print(json.dumps({"version": int(a.version), "accuracy": hits / max(1, len(probe)), "examples": len(probe)}))


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="command", required=True)
    sc = sub.add_parser("score")
    sc.add_argument("--probe", required=True)
    sc.add_argument("--version", required=True)
    sv = sub.add_parser("served")
    sv.add_argument("--trace", required=True)
    sv.add_argument("--change", type=int, required=True)
    sv.add_argument("--examples", type=int, required=True)
    t = sub.add_parser("table")
    t.add_argument("--out", required=True)
    t.add_argument("--change", type=int, required=True)
    t.add_argument("--examples", type=int, required=True)
    t.add_argument("--stationary", type=int, required=True)
    t.add_argument("--seeds", required=True)
    t.add_argument("--variant", help="read ours' files from DIR/seedS/VARIANT/ (ops/bench/decisions --variant)")
    t.add_argument("scenarios", nargs="+")
    a = ap.parse_args()
    {"score": score, "served": served, "table": table}[a.command](a)


if __name__ == "__main__":
    main()

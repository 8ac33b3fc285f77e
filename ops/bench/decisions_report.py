#!/usr/bin/env python3
"""The table of ops/bench/decisions, from the files it wrote into --out (see that script)."""
import argparse
import json
import os

WINDOW = 200  # metrics.window of pipelines/bench-decisions.yaml; PEFT's outcomes use the same.


def load_jsonl(path):
    return [json.loads(line) for line in open(path)] if os.path.exists(path) else []


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
    for m, acc in points:
        if m <= n:
            best = acc
    return best


def episodes(trace, part, start, end):
    """Rising edges into `alert` of a drift part between stream indices start and end."""
    count, prev = 0, False
    for p in trace:
        if not (start <= p["examples"] < end) or not p.get("reference_frozen"):
            continue
        now = p.get(part) == "alert"
        if now and not prev:
            count += 1
        prev = now
    return count


def p_episodes(trace, key, threshold, start, end):
    """Rising edges of a traced p-value below `threshold` (re-judging a run at another p_alert)."""
    count, prev = 0, False
    for p in trace:
        if not (start <= p["examples"] < end) or not p.get("reference_frozen"):
            continue
        now = p.get(key) is not None and p[key] < threshold
        if now and not prev:
            count += 1
        prev = now
    return count


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--change", type=int, required=True)
    ap.add_argument("--examples", type=int, required=True)
    ap.add_argument("scenarios", nargs="+")
    a = ap.parse_args()
    c = a.change
    rows = []
    for s in a.scenarios:
        trace = load_jsonl(os.path.join(a.out, f"{s}.trace.jsonl"))
        journal = load_jsonl(os.path.join(a.out, f"{s}.journal.jsonl"))
        ours = [(p["examples"], p.get("window_accuracy")) for p in trace]
        end = a.examples if s == "stationary" else c
        span = max(1, end - next((p["examples"] for p in trace if p.get("reference_frozen")), end))
        alerts = {part: episodes(trace, part, 0, end) for part in ("label", "input", "concept")}
        per10k = {k: v * 10_000 / span for k, v in alerts.items()}
        adapt = [e for e in journal if e["event"] == "adapt"]
        rollbacks = [e for e in journal if e["event"] in ("rollback", "clear_live", "reload")]
        declined = [e for e in journal if e["event"] == "rollback_declined"]
        first_alarm = next((int(e["numbers"]["alarm_index"]) for e in adapt if e["numbers"]["alarm_index"] >= c), None)
        first_part_alert = {
            part: next((p["examples"] for p in trace if p["examples"] >= c and p.get(part) == "alert"), None)
            for part in ("label", "input", "concept")
        }
        live_at_change = at([(p["examples"], int(p["live"]) if p.get("live") else 0) for p in trace], c) or 0
        post_version = next((p["examples"] for p in trace if p["examples"] >= c and p.get("live")
                             and int(p["live"]) > live_at_change), None)
        pre_ours = at(ours, c)
        row = {
            "scenario": s, "alerts_per_10k_before_change": {k: round(v, 2) for k, v in per10k.items()},
            "alert_episodes_before_change": alerts, "examples_judged": span,
            "p_below_1e-3_episodes": {k: p_episodes(trace, k + "_p", 1e-3, 0, end) for k in ("label", "input")},
            "p_below_1e-4_episodes": {k: p_episodes(trace, k + "_p", 1e-4, 0, end) for k in ("label", "input")},
            "adaptations": [{"alarm_index": int(e["numbers"]["alarm_index"]), "reason": e["reason"][:160]} for e in adapt],
            "first_confirmed_alarm_delay": None if first_alarm is None or s == "stationary" else first_alarm - c,
            "first_alert_delay": {k: (v - c if v is not None and s != "stationary" else None)
                                  for k, v in first_part_alert.items()},
            "rollbacks": [{"event": e["event"], "reason": e["reason"][:160],
                           "discarded": e["numbers"].get("examples_discarded")} for e in rollbacks],
            "declined_rollbacks": len(declined),
            "post_change_version_serving_after": None if post_version is None or s == "stationary" else post_version - c,
            "ours_pre_change_window_accuracy": pre_ours,
            "ours_recovery_examples": None if s == "stationary" or pre_ours is None else recovery(ours, c, pre_ours),
            "ours_final_window_accuracy": ours[-1][1] if ours else None,
        }
        peft_path = os.path.join(a.out, f"{s}.peft-outcomes.json")
        if os.path.exists(peft_path):
            pw = peft_windowed(json.load(open(peft_path)))
            pre = at(pw, c)
            row["peft_pre_change_window_accuracy"] = pre
            row["peft_recovery_examples"] = None if s == "stationary" or pre is None else recovery(pw, c, pre)
            row["peft_final_window_accuracy"] = pw[-1][1] if pw else None
        for impl in ("ours", "peft"):
            path = os.path.join(a.out, f"{s}.{impl}.json")
            if os.path.exists(path) and os.path.getsize(path) > 0:
                row[f"{impl}_examples_per_s"] = round(json.load(open(path))["examples_per_s"], 1)
        rows.append(row)
    print(json.dumps(rows, indent=1))
    print()
    print(f"{'scenario':<12} {'alerts/10k L/I/C':>18} {'confirm delay':>13} {'rollbacks':>9} {'declined':>8} "
          f"{'post-change live':>16} {'recovery ours':>13} {'recovery peft':>13}")
    for r in rows:
        al = r["alerts_per_10k_before_change"]
        fmt = lambda v: "-" if v is None else str(v)
        print(f"{r['scenario']:<12} {al['label']:>6}/{al['input']:>5}/{al['concept']:>5} "
              f"{fmt(r['first_confirmed_alarm_delay']):>13} {len(r['rollbacks']):>9} {r['declined_rollbacks']:>8} "
              f"{fmt(r['post_change_version_serving_after']):>16} {fmt(r['ours_recovery_examples']):>13} "
              f"{fmt(r.get('peft_recovery_examples')):>13}")


if __name__ == "__main__":
    main()

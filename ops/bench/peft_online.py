#!/usr/bin/env python3
"""The learning benchmark's reference: the same online (prequential, test-then-train)
learner as `streamlora serve`, written with HF transformers + PEFT on PyTorch CPU.

Settings mirror a StreamLoRA pipeline: micro-batches of --batch examples in stream
order; each batch is first predicted (eval mode) and scored, then the examples not in
the holdout slice are trained on with one AdamW step (LoRA lr --lr, classifier lr
--head-lr, weight decay, grad-norm clipping, linear warmup). The label vocabulary
grows as labels appear: the classifier is sized for --max-labels and the logits of
labels not yet seen are masked, which is equivalent to appending rows.
Base-model dropout is off, as in StreamLoRA (the base is frozen).

Drift (PEFT + River, the peer a user would pick, since PEFT has no detectors): the prequential
error (0/1) and log-loss of every example go into River's ADWIN and Page–Hinkley at the settings of
StreamLoRA's pipeline (pipelines/template.yaml `drift`: fed after a 500-example warm-up;
Page–Hinkley `mode: up`, delta 0.1 and threshold 50 on the signal divided by its warm-up standard
deviation, alpha 1; ADWIN at River's defaults, a cut whose newer sub-window has the lower mean
counted as an improvement, not an alarm). River has no re-anchoring after an improvement and PEFT
has no gate, rollback or adaptation, so the alarms only report. Nothing acts on them, so they are
computed from the recorded outcomes after the stream; `--detect-only` recomputes them from
`--outcomes` and `--losses` files without training.

Holdout (holdout.py): `fmix64(fnv1a64(utf8(id)))`, its top 53 bits as a number in [0, 1), held out
when below --holdout: the same rule as StreamLoRA's `HoldoutSplitter`, so both leave
out exactly the same examples.

    python3 ops/bench/peft_online.py --data .cache/debian.jsonl --examples 6000 --json
"""
import argparse
import json
import math
import sys
import time

import torch
from peft import LoraConfig, get_peft_model
from transformers import BertForSequenceClassification, BertTokenizerFast

from holdout import in_holdout

def river_alarms(outcomes, losses, a) -> dict:
    """Every degradation alarm of River's ADWIN and Page–Hinkley on the error and the loss.

    - Returns: settings, alarms (stream index, detector, signal, means), improvements (ADWIN cuts
      with a falling mean, not alarms) and the warm-up spreads.
    """
    from river import drift
    spread = {"error": [], "loss": []}
    detectors = {(name, signal): make() for signal in ("error", "loss") for name, make in (
        ("adwin", lambda: drift.ADWIN(delta=a.adwin_delta)),
        ("page_hinkley", lambda: drift.PageHinkley(min_instances=a.ph_min_instances, delta=a.ph_delta,
                                                   threshold=a.ph_threshold, alpha=a.ph_alpha, mode="up")))}
    deviation = {}
    alarms, improvements = [], 0
    for i, (hit, loss) in enumerate(zip(outcomes, losses)):
        values = {"error": 1.0 - hit, "loss": loss}
        if i < a.concept_warmup:
            for k, v in values.items():
                spread[k].append(v)
            continue
        if not deviation:
            for k, v in spread.items():
                m = sum(v) / len(v) if v else 0.0
                sd = math.sqrt(sum((x - m) ** 2 for x in v) / (len(v) - 1)) if len(v) > 1 else 1.0
                deviation[k] = sd if a.standardize and sd > 1e-6 else 1.0
        for (name, signal), d in detectors.items():
            x = values[signal]
            if not math.isfinite(x):
                continue
            if name == "page_hinkley":
                x /= deviation[signal]
            before = d.estimation if name == "adwin" else None
            d.update(x)
            if not d.drift_detected:
                continue
            if name == "adwin" and d.estimation <= before:
                improvements += 1
                continue
            alarms.append({"index": i, "detector": name, "signal": signal,
                           "mean_before": before, "mean_after": d.estimation if name == "adwin" else None})
    settings = {k: getattr(a, k) for k in ("concept_warmup", "standardize", "adwin_delta", "ph_min_instances",
                                            "ph_delta", "ph_threshold", "ph_alpha")}
    return {"settings": settings, "alarms": alarms, "improvements": improvements,
            "warmup_deviation": deviation, "examples": len(outcomes)}


def main() -> int:
    ap = argparse.ArgumentParser(description="PEFT online-learning reference")
    ap.add_argument("--data", required=True)
    ap.add_argument("--model", default="models/all-MiniLM-L6-v2")
    ap.add_argument("--examples", type=int, default=6000)
    ap.add_argument("--every", type=int, default=1000)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--max-length", type=int, default=64)
    ap.add_argument("--rank", type=int, default=8)
    ap.add_argument("--alpha", type=float, default=16)
    ap.add_argument("--targets", default="query,value")
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--head-lr", type=float, default=1e-3)
    ap.add_argument("--weight-decay", type=float, default=0.01)
    ap.add_argument("--clip", type=float, default=1.0)
    ap.add_argument("--warmup", type=int, default=0)
    ap.add_argument("--holdout", type=float, default=0.05)
    ap.add_argument("--max-labels", type=int, default=128)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--outcomes", help="write every prequential outcome (1 correct, 0 wrong), in stream order, "
                    "as a JSON list to this file (ops/bench/decisions reads it)")
    ap.add_argument("--losses", help="write every prequential log-loss, in stream order, as a JSON list to this file")
    ap.add_argument("--concept-warmup", type=int, default=500)
    ap.add_argument("--standardize", action=argparse.BooleanOptionalAction, default=True)
    ap.add_argument("--adwin-delta", type=float, default=0.002)
    ap.add_argument("--ph-min-instances", type=int, default=30)
    ap.add_argument("--ph-delta", type=float, default=0.1)
    ap.add_argument("--ph-threshold", type=float, default=50.0)
    ap.add_argument("--ph-alpha", type=float, default=1.0)
    ap.add_argument("--detect-only", action="store_true",
                    help="read --outcomes and --losses, print the River alarms as JSON, train nothing")
    args = ap.parse_args()
    if args.detect_only:
        print(json.dumps(river_alarms(json.load(open(args.outcomes)), json.load(open(args.losses)), args)))
        return 0

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    rows = [json.loads(line) for line, _ in zip(open(args.data, encoding="utf-8"), range(args.examples))]

    tok = BertTokenizerFast.from_pretrained(args.model)
    base = BertForSequenceClassification.from_pretrained(
        args.model, num_labels=args.max_labels, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0
    )
    config = LoraConfig(task_type="SEQ_CLS", r=args.rank, lora_alpha=args.alpha, lora_dropout=0.0,
                        target_modules=args.targets.split(","))
    model = get_peft_model(base, config)
    lora = [p for n, p in model.named_parameters() if p.requires_grad and "lora_" in n]
    head = [p for n, p in model.named_parameters() if p.requires_grad and "lora_" not in n]
    opt = torch.optim.AdamW([{"params": lora, "lr": args.lr}, {"params": head, "lr": args.head_lr}],
                            weight_decay=args.weight_decay)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / args.warmup) if args.warmup else 1.0)

    labels: dict[str, int] = {}
    correct = seen = 0
    outcomes: list[int] = []
    losses: list[float] = []
    log_loss = 0.0
    curve = []
    start = time.perf_counter()
    for i in range(0, len(rows), args.batch):
        batch = rows[i : i + args.batch]
        for r in batch:
            labels.setdefault(str(r["label"]), len(labels))
        if len(labels) > args.max_labels:
            print(f"error: more than --max-labels {args.max_labels} labels", file=sys.stderr)
            return 1
        enc = tok([r["text"] for r in batch], padding=True, truncation=True, max_length=args.max_length,
                  return_tensors="pt")
        y = torch.tensor([labels[str(r["label"])] for r in batch])
        mask = torch.full((args.max_labels,), float("-inf"))
        mask[: len(labels)] = 0

        # Test: predict every example before any training on it.
        model.eval()
        with torch.no_grad():
            logits = model(**enc).logits + mask
            logp = torch.log_softmax(logits, dim=-1)
        for j in range(len(batch)):
            seen += 1
            hit = int(logits[j].argmax().item() == y[j].item())
            correct += hit
            outcomes.append(hit)
            losses.append(-logp[j, y[j]].item())
            log_loss += losses[-1]
            if seen % args.every == 0:
                curve.append({"examples": seen, "accuracy": correct / seen, "log_loss": log_loss / seen})

        # Then train on the examples outside the holdout.
        keep = [j for j, r in enumerate(batch) if not in_holdout(str(r.get("id", i + j)), args.holdout)]
        if not keep:
            continue
        model.train()
        sub = {k: v[keep] for k, v in enc.items()}
        logits = model(**sub).logits + mask
        loss = torch.nn.functional.cross_entropy(logits, y[keep])
        loss.backward()
        torch.nn.utils.clip_grad_norm_(lora + head, args.clip)
        opt.step()
        sched.step()
        opt.zero_grad(set_to_none=True)
    elapsed = time.perf_counter() - start

    result = {
        "impl": "peft", "torch": torch.__version__, "examples": len(rows), "labels": len(labels),
        "examples_per_s": len(rows) / elapsed, "seconds": elapsed, "curve": curve,
        "settings": {k: v for k, v in vars(args).items() if k not in ("json", "data")},
        "drift": river_alarms(outcomes, losses, args),
    }
    if args.outcomes:
        with open(args.outcomes, "w") as f:
            json.dump(outcomes, f)
    if args.losses:
        with open(args.losses, "w") as f:
            json.dump(losses, f)
    if args.json:
        print(json.dumps(result))
    else:
        for point in curve:
            print(f"{point['examples']:>6}  accuracy {point['accuracy']:.4f}  log-loss {point['log_loss']:.4f}")
        print(f"{len(rows)} examples in {elapsed:.1f} s = {result['examples_per_s']:.1f} examples/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

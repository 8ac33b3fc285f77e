#!/usr/bin/env python3
"""The peer of `streamlora bench adapters`: HF PEFT with many LoRA adapters on one base.

Model: BertForSequenceClassification from models/all-MiniLM-L6-v2 (local files), with N adapters
LoraConfig(task_type=SEQ_CLS, r=R, lora_alpha=2R, target_modules=TARGETS, modules_to_save=[classifier])
with random (non-zero) weights, saved once to a temp dir and loaded with
PeftModel.from_pretrained / load_adapter, as a server holding N adapters would.

Measured per level (cumulative, like ours):
  rss_mib, mib_per_additional_adapter   resident memory (/proc/self/statm) after loading
  load_ms_p50                           load_adapter time per adapter
  predict_texts_per_s, p50/p99 ms       mixed-adapter batches of --batch texts (random adapters per
                                        row) through model(..., adapter_names=rows), eval mode,
                                        (one adapter: merged into the base with merge_adapter, the
                                        fastest way PEFT serves a single adapter),
                                        torch.inference_mode(); PEFT's forward is not thread-safe
                                        with adapter_names (it installs per-call hooks), so the
                                        batches run one after another: the batch is formed for free
                                        and latency is per batch.
Time budgets (so the largest level reports what PEFT can do instead of running for hours):
  --load-budget-s    loading stops when the level's load_adapter calls took this long; the level
                     then reports the adapters actually loaded ("loaded" < "adapters", reason given)
  --predict-budget-s the level's batches stop after this long (at least one batch runs)
Texts: the same JSONL stream as ours (.cache/debian.jsonl from make_debian_stream.py), the probes
after the first --examples lines. Threads: torch.set_num_threads(T).

    python3 ops/bench/peft_adapters.py --adapters 1,10,100 [--json]
"""
import argparse, json, os, resource, shutil, statistics, sys, tempfile, time

import torch
from peft import LoraConfig, PeftModel, TaskType, get_peft_model
from transformers import AutoTokenizer, BertForSequenceClassification

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def rss_mib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=os.path.join(ROOT, "models", "all-MiniLM-L6-v2"))
    ap.add_argument("--texts", default=os.path.join(ROOT, ".cache", "debian.jsonl"))
    ap.add_argument("--adapters", default="1,10,100")
    ap.add_argument("--examples", type=int, default=256)
    ap.add_argument("--rank", type=int, default=8)
    ap.add_argument("--targets", default="query,value")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--requests", type=int, default=320)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--load-budget-s", type=float, default=900)
    ap.add_argument("--predict-budget-s", type=float, default=300)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    counts = [int(x) for x in a.adapters.split(",")]
    rows = [json.loads(l) for l in open(a.texts)][: a.examples + 1000]
    labels = sorted({r["label"] for r in rows})
    probes = [r["text"] for r in rows[a.examples:]]
    tok = AutoTokenizer.from_pretrained(a.model)

    def base():
        torch.manual_seed(0)
        return BertForSequenceClassification.from_pretrained(a.model, num_labels=len(labels)).eval()

    tmp = tempfile.mkdtemp(prefix="peft-adapters-")
    try:
        cfg = LoraConfig(task_type=TaskType.SEQ_CLS, r=a.rank, lora_alpha=2 * a.rank, lora_dropout=0.0,
                         target_modules=a.targets.split(","), modules_to_save=["classifier"])
        maker = get_peft_model(base(), cfg)
        for i in range(counts[-1]):
            torch.manual_seed(1000 + i)
            with torch.no_grad():
                for n, p in maker.named_parameters():
                    if "lora_" in n or "modules_to_save" in n:
                        p.copy_(torch.randn_like(p) * 0.02)
            maker.save_pretrained(os.path.join(tmp, f"a{i}"))
        del maker

        model = None
        base_rss = rss_mib()
        levels, loads, prev = [], [], None
        g = torch.Generator().manual_seed(7)
        for n in counts:
            loaded = 0 if model is None else len(model.peft_config)
            level_start, reason = time.perf_counter(), None
            for i in range(loaded, n):
                if time.perf_counter() - level_start > a.load_budget_s:
                    reason = f"load budget {a.load_budget_s:.0f} s spent after {i} adapters (load_adapter p50 {statistics.median(loads) if loads else 0:.0f} ms, growing with the adapters loaded)"
                    break
                t0 = time.perf_counter()
                if model is None:
                    model = PeftModel.from_pretrained(base(), os.path.join(tmp, "a0"), adapter_name="a0").eval()
                    base_rss = rss_mib()  # the base model is resident now; what follows is per adapter
                else:
                    model.load_adapter(os.path.join(tmp, f"a{i}"), adapter_name=f"a{i}")
                    loads.append((time.perf_counter() - t0) * 1e3)
            model.eval()
            have = len(model.peft_config)
            rss = rss_mib()
            lat, done = [], 0
            # The strongest choice a user has: one adapter is merged into the base (merge_adapter,
            # no LoRA branch at all); several are served unmerged with adapter_names= per row.
            single = have == 1
            if single:
                model.set_adapter("a0")
                model.merge_adapter()
            start = time.perf_counter()
            with torch.inference_mode():
                while done < a.requests and (done == 0 or time.perf_counter() - start < a.predict_budget_s):
                    idx = torch.randint(0, len(probes), (a.batch,), generator=g).tolist()
                    names = [f"a{j}" for j in torch.randint(0, have, (a.batch,), generator=g).tolist()]
                    enc = tok([probes[j] for j in idx], padding=True, truncation=True, max_length=128, return_tensors="pt")
                    t0 = time.perf_counter()
                    if single:
                        model(**enc)
                    else:
                        model(**enc, adapter_names=names)
                    lat.append((time.perf_counter() - t0) * 1e3)
                    done += a.batch
            secs = time.perf_counter() - start
            if single:
                model.unmerge_adapter()
            lat.sort()
            levels.append({
                "adapters": n, "loaded": have, "stopped": reason, "rss_mib": rss, "texts_predicted": done,
                "mode": "merged" if single else "adapter_names",
                "mib_per_additional_adapter": None if prev is None or have == prev[0] else (rss - prev[1]) / (have - prev[0]),
                "predict_texts_per_s": done / secs,
                "batch_p50_ms": lat[len(lat) // 2], "batch_p99_ms": lat[min(len(lat) - 1, int(0.99 * len(lat)))],
            })
            prev = (have, rss)
        out = {"peer": "peft", "rank": a.rank, "targets": a.targets.split(","), "batch": a.batch, "threads": a.threads,
               "base_rss_mib": base_rss, "load_p50_ms": statistics.median(loads) if loads else None, "levels": levels}
        if a.json:
            print(json.dumps(out, sort_keys=True))
        else:
            print(f"PEFT peer: r={a.rank} on {a.targets}, batches of {a.batch}, {a.threads} threads; base {base_rss:.0f} MiB")
            print("adapters  loaded  RSS MiB  MiB/extra  texts/s  batch p50 ms  batch p99 ms  mode")
            for l in levels:
                per = "-" if l["mib_per_additional_adapter"] is None else f"{l['mib_per_additional_adapter']:.2f}"
                print(f"{l['adapters']:8d}  {l['loaded']:6d}  {l['rss_mib']:7.0f}  {per:>9}  {l['predict_texts_per_s']:7.1f}  "
                      f"{l['batch_p50_ms']:12.1f}  {l['batch_p99_ms']:12.1f}  {l['mode']}")
                if l["stopped"]:
                    print(f"          stopped: {l['stopped']}")
            if loads:
                print(f"load_adapter p50 {statistics.median(loads):.1f} ms")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""The performance peer: HF PEFT LoRA on PyTorch (CPU), measured the way `streamlora bench` is.

Model: BertForSequenceClassification from models/all-MiniLM-L6-v2 (local files only; the
classifier head is freshly initialized from a fixed seed), wrapped by
LoraConfig(task_type=SEQ_CLS, r=R, lora_alpha=2R, target_modules=TARGETS, lora_dropout=0).
Input: random token ids in [1000, vocab) from a fixed seed, full attention mask.

  --kind train  one step = forward + cross-entropy + backward + clip_grad_norm_(1.0)
                + AdamW step + zero_grad, in train mode (the base model's own dropout stays
                as configured unless --no-base-dropout).
  --kind infer  the merged model (merge_and_unload()), eval mode, torch.inference_mode() forward;
                --unmerged keeps the LoRA branch instead (under autocast bf16 the unmerged model can
                be the faster one, so ops/bench/compare measures both and keeps the better).

Precision: --precision bf16 runs every step's forward (and loss) under
torch.autocast("cpu", dtype=torch.bfloat16), what a PyTorch user turns on for bf16 on a CPU
(oneDNN bf16 matmuls; weights stay fp32 parameters and are cast per op; backward follows).

Threads: torch.set_num_threads(T). OPENBLAS_CORETYPE (used for the OpenBLAS core of
StreamLoRA) does not affect torch: torch does its matmuls with its own bundled MKL/oneDNN
(or its own BLAS build), so the variable may be left set or unset for this script. The
thread count torch actually uses (torch.__config__.parallel_info()) is printed on stderr.

FLOP formula (matmul FLOPs only; a multiply-add = 2 FLOPs; B batch, S seq, H hidden,
I intermediate, L layers, C labels, r rank, T targeted HxH projections per layer):
  base forward   F = L * (8*B*S*H^2        # query, key, value, attention output
                          + 4*B*S^2*H      # Q K^T and softmax(.) V
                          + 4*B*S*H*I)     # FFN up and down
                   + 2*B*H^2 + 2*B*H*C     # pooler, classifier
  LoRA forward   Fl = L * T * 4*B*S*H*r    # x A^T (H->r) and (.) B^T (r->H)
  infer (merged) = F
  train          = (F + Fl)                # forward
                   + (F + Fl)              # backward through activations (grad wrt inputs)
                   + Fl + 2*B*H*C          # LoRA A/B and classifier weight gradients
"gflops" in the output is the achieved rate: FLOPs per step * steps / seconds / 1e9.

Output: one JSON object on stdout with --json (else a readable line), e.g.
  {"kind": "train", "examples_per_s": ..., "gflops": ..., "batch": 16, "seq": 64, "rank": 8,
   "targets": "query,value", "threads": 2, "steps": 20, "impl": "peft", "torch": "2.13.0+cpu"}
"""

import argparse
import json
import os
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEFAULT_MODEL = os.path.join(ROOT, "models", "all-MiniLM-L6-v2")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kind", choices=["train", "infer"], required=True)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--seq", type=int, default=64)
    parser.add_argument("--rank", type=int, default=8)
    parser.add_argument("--targets", default="query,value", help="comma-separated BERT Linear names")
    parser.add_argument("--steps", type=int, default=20, help="timed steps")
    parser.add_argument("--warmup", type=int, default=3, help="untimed steps first")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--labels", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--no-base-dropout", action="store_true",
                        help="set the base model's hidden/attention dropout to 0 for training")
    parser.add_argument("--precision", choices=["fp32", "bf16"], default="fp32",
                        help="bf16: forward and loss under torch.autocast(cpu, bfloat16)")
    parser.add_argument("--unmerged", action="store_true", help="infer without merge_and_unload()")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    for name in ("batch", "seq", "rank", "steps", "threads", "labels"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be >= 1")
    if args.warmup < 0:
        parser.error("--warmup must be >= 0")
    if not os.path.isfile(os.path.join(args.model, "config.json")):
        parser.error(f"no model at {args.model}: run ops/setup")
    return args


def flops_per_step(kind, config, args, targets_per_layer):
    b, s, h = args.batch, args.seq, config.hidden_size
    i, layers, c, r = config.intermediate_size, config.num_hidden_layers, args.labels, args.rank
    base = layers * (8 * b * s * h * h + 4 * b * s * s * h + 4 * b * s * h * i) + 2 * b * h * h + 2 * b * h * c
    lora = layers * targets_per_layer * 4 * b * s * h * r
    if kind == "infer":
        return base
    return 2 * (base + lora) + lora + 2 * b * h * c


def main():
    args = parse_args()
    import warnings

    warnings.filterwarnings("ignore", category=FutureWarning)
    import torch
    from peft import LoraConfig, TaskType, get_peft_model
    from transformers import BertForSequenceClassification
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    torch.set_num_threads(args.threads)
    threads_line = next((line for line in torch.__config__.parallel_info().splitlines()
                         if "at::get_num_threads" in line), f"at::get_num_threads() : {torch.get_num_threads()}")
    print(f"[peft_peer] torch {torch.__version__}: {threads_line.strip()}", file=sys.stderr)

    torch.manual_seed(args.seed)
    overrides = {"hidden_dropout_prob": 0.0, "attention_probs_dropout_prob": 0.0} if args.no_base_dropout else {}
    model = BertForSequenceClassification.from_pretrained(
        args.model, num_labels=args.labels, local_files_only=True, **overrides)
    targets = [t.strip() for t in args.targets.split(",") if t.strip()]
    lora = LoraConfig(task_type=TaskType.SEQ_CLS, r=args.rank, lora_alpha=2 * args.rank,
                      target_modules=targets, lora_dropout=0.0)
    model = get_peft_model(model, lora)

    generator = torch.Generator().manual_seed(args.seed)
    vocab = model.config.vocab_size
    input_ids = torch.randint(1000, vocab, (args.batch, args.seq), generator=generator)
    attention_mask = torch.ones_like(input_ids)
    labels = torch.randint(0, args.labels, (args.batch,), generator=generator)

    bf16 = args.precision == "bf16"
    if args.kind == "train":
        model.train()
        trainable = [p for p in model.parameters() if p.requires_grad]
        optimizer = torch.optim.AdamW(trainable, lr=1e-4)
        loss_fn = torch.nn.CrossEntropyLoss()

        def step():
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                logits = model(input_ids=input_ids, attention_mask=attention_mask).logits
                loss = loss_fn(logits, labels)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(trainable, 1.0)
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
    else:
        if not args.unmerged:
            model = model.merge_and_unload()
        model.eval()

        def step():
            with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                model(input_ids=input_ids, attention_mask=attention_mask)

    for _ in range(args.warmup):
        step()
    start, cpu_start = time.perf_counter(), time.process_time()
    for _ in range(args.steps):
        step()
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu_start

    flops = flops_per_step(args.kind, model.config, args, len(targets))
    if args.kind == "infer" and args.unmerged:
        flops += model.config.num_hidden_layers * len(targets) * 4 * args.batch * args.seq * model.config.hidden_size * args.rank
    result = {
        "kind": args.kind,
        "examples_per_s": round(args.batch * args.steps / elapsed, 2),
        "gflops": round(flops * args.steps / elapsed / 1e9, 2),
        "batch": args.batch,
        "seq": args.seq,
        "rank": args.rank,
        "targets": ",".join(targets),
        "threads": args.threads,
        "steps": args.steps,
        "impl": "peft",
        "precision": args.precision,
        "merged": args.kind == "infer" and not args.unmerged,
        "torch": torch.__version__,
        "seconds": round(elapsed, 3),
        # CPU time of all threads: on a shared machine, cpu_seconds/seconds well below the
        # thread count means the run was starved and examples_per_s understates the peer.
        "cpu_seconds": round(cpu, 3),
        "gflop_per_step": round(flops / 1e9, 4),
        "base_dropout": not args.no_base_dropout if args.kind == "train" else False,
        "attention": getattr(model.config, "_attn_implementation", None),
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(f"peft {args.kind}: {result['examples_per_s']} examples/s, {result['gflops']} GFLOP/s "
              f"(batch {args.batch}, seq {args.seq}, rank {args.rank}, {args.threads} threads, {args.steps} steps)")


if __name__ == "__main__":
    main()

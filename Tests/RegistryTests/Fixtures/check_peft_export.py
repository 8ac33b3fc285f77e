"""Checks that adapters exported by `streamlora adapters export` load in real HF PEFT (0.21) and give
the logits of the adapter they came from. Not run in CI (needs torch, transformers, peft).

Round trip: PEFT saves an adapter -> `streamlora adapters import` re-encodes it with the registry's own
safetensors writer and LoraConfig encoder -> `streamlora adapters export` -> PEFT loads the export.

    F=Tests/RegistryTests/Fixtures/check_peft_export.py
    python3 $F make  /tmp/peft-src                       # MiniLM + random LoRA (r=8, query/value, 3 labels)
    streamlora adapters import --registry /tmp/reg --peft /tmp/peft-src --base-model models/all-MiniLM-L6-v2
    streamlora adapters export 1 --registry /tmp/reg --peft /tmp/peft-out
    python3 $F check /tmp/peft-out /tmp/peft-src         # loads, compares weights and logits

A version written by the registry itself from Swift tensors (default LoRAConfig, MiniLM shapes):

    STREAMLORA_PEFT_EXPORT_DIR=/tmp/swift-export swift test --filter SwiftWrittenExportTests
    python3 $F check-swift /tmp/swift-export             # PEFT logits == base with W + (alpha/r)·B·A merged by hand

`--tiny` uses the tiny random BertForSequenceClassification of make_fixtures.py instead of MiniLM
(the committed `tiny_peft` fixture is such a `make`).
"""
import argparse, json, os, sys

import torch
from peft import LoraConfig, PeftConfig, PeftModel, TaskType, get_peft_model
from safetensors import safe_open
from transformers import BertForSequenceClassification

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
MINILM = os.path.join(ROOT, "models", "all-MiniLM-L6-v2")
sys.path.insert(0, HERE)


def base_model(tiny):
    if tiny:
        from make_fixtures import tiny_base
        return tiny_base(0)
    if not os.path.exists(os.path.join(MINILM, "model.safetensors")):
        sys.exit(f"missing {MINILM}: run ops/setup")
    torch.manual_seed(0)  # the base classifier is random, but modules_to_save replaces it
    return BertForSequenceClassification.from_pretrained(MINILM, num_labels=3).eval()


def inputs(tiny):
    torch.manual_seed(123)
    vocab = 50 if tiny else 30522
    ids = torch.randint(5, vocab, (4, 12))
    ids[:, 0] = 2 if tiny else 101
    mask = torch.ones_like(ids)
    mask[2, 8:] = 0
    return {"input_ids": ids, "attention_mask": mask}


def make(out, tiny, seed):
    if tiny:
        from make_fixtures import tiny_peft_model
        model = tiny_peft_model(0)
    else:
        cfg = LoraConfig(task_type=TaskType.SEQ_CLS, r=8, lora_alpha=16, lora_dropout=0.0,
                         target_modules=["query", "value"], modules_to_save=["classifier"])
        model = get_peft_model(base_model(False), cfg)
        torch.manual_seed(seed)
        with torch.no_grad():
            for name, p in model.named_parameters():
                if "lora_" in name or "modules_to_save" in name:
                    p.copy_(torch.randn_like(p) * 0.05)
        model.eval()
    model.save_pretrained(out)
    with torch.no_grad():
        logits = model(**inputs(tiny)).logits
    json.dump({"logits": logits.tolist()}, open(os.path.join(out, "reference_logits.json"), "w"))
    print(f"made {out}: logits[0] = {logits[0].tolist()}")


def check(export, reference, tiny):
    ok = True
    # 1. Our config loads in PEFT's config classes.
    cfg = PeftConfig.from_pretrained(export)
    assert type(cfg).__name__ == "LoraConfig", type(cfg)
    print(f"config: {type(cfg).__name__} r={cfg.r} alpha={cfg.lora_alpha} targets={sorted(cfg.target_modules)} "
          f"modules_to_save={cfg.modules_to_save} task={cfg.task_type}")
    # 2. Our safetensors file opens in safetensors and holds the same tensors as PEFT's original.
    with safe_open(os.path.join(export, "adapter_model.safetensors"), "pt") as ours, \
         safe_open(os.path.join(reference, "adapter_model.safetensors"), "pt") as theirs:
        assert set(ours.keys()) == set(theirs.keys()), set(ours.keys()) ^ set(theirs.keys())
        worst = max((ours.get_tensor(k) - theirs.get_tensor(k)).abs().max().item() for k in ours.keys())
        print(f"safetensors: {len(list(ours.keys()))} tensors, metadata {ours.metadata()}, max |ours - PEFT's| = {worst}")
        ok &= worst == 0
    # 3. PeftModel.from_pretrained loads the export on the real base; every adapter weight arrives.
    model = PeftModel.from_pretrained(base_model(tiny), export).eval()
    state = model.state_dict()
    with safe_open(os.path.join(export, "adapter_model.safetensors"), "pt") as ours:
        for key in ours.keys():
            module, _, leaf = key.rpartition(".")
            if ".lora_" in key:
                target = key.replace(".lora_A.weight", ".lora_A.default.weight").replace(".lora_B.weight", ".lora_B.default.weight")
            else:
                target = key.replace("classifier.", "classifier.modules_to_save.default.")
            diff = (state[target] - ours.get_tensor(key)).abs().max().item()
            if diff != 0:
                print(f"  weight {key} -> {target} differs by {diff}")
                ok = False
    print("weights: every saved tensor loaded into the PeftModel" if ok else "weights: MISMATCH")
    # 4. Same logits as the adapter PEFT saved.
    with torch.no_grad():
        logits = model(**inputs(tiny)).logits
    ref = torch.tensor(json.load(open(os.path.join(reference, "reference_logits.json")))["logits"])
    err = (logits - ref).abs().max().item()
    print(f"logits: max |export - original| = {err:.3g} over {tuple(logits.shape)}; logits[0] = {logits[0].tolist()}")
    ok &= err < 1e-5
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


def check_swift(export):
    """PEFT's forward on our export equals a forward with LoRA merged by hand (no PEFT involved)."""
    ok = True
    cfg = PeftConfig.from_pretrained(export)
    print(f"config: {type(cfg).__name__} r={cfg.r} alpha={cfg.lora_alpha} targets={sorted(cfg.target_modules)} "
          f"modules_to_save={cfg.modules_to_save} task={cfg.task_type}")
    model = PeftModel.from_pretrained(base_model(False), export).eval()
    state = model.state_dict()
    merged = base_model(False)
    scaling = cfg.lora_alpha / cfg.r
    with safe_open(os.path.join(export, "adapter_model.safetensors"), "pt") as f:
        t = {k: f.get_tensor(k) for k in f.keys()}
    for key, value in t.items():
        target = key.replace(".lora_A.weight", ".lora_A.default.weight").replace(".lora_B.weight", ".lora_B.default.weight") \
            if ".lora_" in key else key.replace("classifier.", "classifier.modules_to_save.default.")
        if (state[target] - value).abs().max().item() != 0:
            print(f"  {key} did not load"); ok = False
    with torch.no_grad():
        for key in t:
            if key.endswith("lora_A.weight"):
                module = key[len("base_model.model."):-len(".lora_A.weight")]
                lin = merged.get_submodule(module)
                lin.weight += scaling * t[key.replace("lora_A", "lora_B")] @ t[key]
        merged.classifier.weight.copy_(t["base_model.model.classifier.weight"])
        merged.classifier.bias.copy_(t["base_model.model.classifier.bias"])
        x = inputs(False)
        a, b = model(**x).logits, merged(**x).logits
    err = (a - b).abs().max().item()
    print(f"weights: {len(t)} tensors {'all loaded' if ok else 'MISMATCH'}; logits: max |PEFT - hand-merged| = {err:.3g}; "
          f"logits[0] = {a[0].tolist()}")
    ok &= err < 1e-4
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("make"); m.add_argument("out"); m.add_argument("--tiny", action="store_true"); m.add_argument("--seed", type=int, default=7)
    c = sub.add_parser("check"); c.add_argument("export"); c.add_argument("reference"); c.add_argument("--tiny", action="store_true")
    w = sub.add_parser("check-swift"); w.add_argument("export")
    a = p.parse_args()
    if a.cmd == "make":
        make(a.out, a.tiny, a.seed)
    elif a.cmd == "check-swift":
        sys.exit(check_swift(a.export))
    else:
        sys.exit(check(a.export, a.reference, a.tiny))


if __name__ == "__main__":
    main()

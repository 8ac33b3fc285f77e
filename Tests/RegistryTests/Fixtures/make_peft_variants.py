"""Generates PEFT adapters whose LoRA config differs from StreamLoRA's defaults, with PEFT's own
logits, for the import golden tests (run by hand; needs torch, transformers, peft).

    python3 Tests/RegistryTests/Fixtures/make_peft_variants.py

Writes
  tiny_base/                 the tiny random BertForSequenceClassification of make_fixtures.py
                             (hidden 8, 2 layers, 3 labels) as save_pretrained writes it
  tiny_peft_variants/<name>/ PeftModel.save_pretrained of a LoRA on that base, random A, B and head:
      alpha32   r=4, lora_alpha=32 (alpha != 2r), query/value
      rslora    r=4, lora_alpha=8, use_rslora (scaling alpha/sqrt(r)), query + attention.output.dense
      dotted    r=2, lora_alpha=4, key + output.dense (PEFT's suffix rule also wraps
                attention.output.dense), modules_to_save [classifier, score]
      upper     r=3, lora_alpha=6, intermediate.dense + output.dense on layer 1 only, written the way
                StreamLoRA's export writes a layer subset: layer.1.intermediate.dense, layer.1.output.dense
  tiny_peft_variants.json    input ids/mask and PEFT's logits per adapter (also a mixed-adapter
                             batch through PEFT's adapter_names=, to show PEFT agrees with itself);
                             `labels` and, per adapter, the gradients of the mean cross-entropy over
                             the four rows for every lora_A/lora_B and the classifier (StreamLoRA's
                             key names), for the mixed-adapter training goldens
"""
import json, os, shutil, sys

import torch
from peft import LoraConfig, PeftModel, TaskType, get_peft_model

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from make_fixtures import tiny_base  # noqa: E402

VARIANTS = {
    "alpha32": dict(r=4, lora_alpha=32, target_modules=["query", "value"]),
    "rslora": dict(r=4, lora_alpha=8, use_rslora=True, target_modules=["query", "attention.output.dense"]),
    "dotted": dict(r=2, lora_alpha=4, target_modules=["key", "output.dense"], modules_to_save=["classifier", "score"]),
    "upper": dict(r=3, lora_alpha=6, target_modules=["layer.1.intermediate.dense", "layer.1.output.dense"]),
}


def inputs():
    torch.manual_seed(321)
    ids = torch.randint(5, 50, (4, 10))
    ids[:, 0] = 2
    mask = torch.ones_like(ids)
    mask[1, 7:] = 0
    mask[3, 4:] = 0
    return ids, mask


LABELS = [0, 2, 1, 2]


def gradients(model, ids, mask):
    """Gradients of the mean cross-entropy w.r.t. every trainable tensor, under StreamLoRA's key
    names (PEFT's without the adapter name; the classifier's modules_to_save copy as classifier)."""
    model.train()  # lora_dropout is 0, and the tiny base has no dropout: train == eval numerics
    for module in model.modules():
        if isinstance(module, torch.nn.Dropout):
            module.p = 0.0
    model.zero_grad()
    logits = model(input_ids=ids, attention_mask=mask).logits
    torch.nn.functional.cross_entropy(logits, torch.tensor(LABELS)).backward()
    out = {}
    for name, p in model.named_parameters():
        if p.grad is None or not p.requires_grad:
            continue
        key = name.replace(".default.", ".").replace("classifier.modules_to_save.", "classifier.")
        if "original_module" in key:
            continue
        out[key] = p.grad.flatten().tolist()
    model.eval()
    return out


def main():
    base_dir = os.path.join(HERE, "tiny_base")
    shutil.rmtree(base_dir, ignore_errors=True)
    tiny_base(0).save_pretrained(base_dir, safe_serialization=True)
    out_root = os.path.join(HERE, "tiny_peft_variants")
    shutil.rmtree(out_root, ignore_errors=True)
    ids, mask = inputs()
    ref = {"input_ids": ids.tolist(), "attention_mask": mask.tolist(), "logits": {}, "labels": LABELS, "gradients": {}}
    for i, (name, kw) in enumerate(sorted(VARIANTS.items())):
        kw = dict(kw)
        kw.setdefault("modules_to_save", ["classifier"])
        model = get_peft_model(tiny_base(0), LoraConfig(task_type=TaskType.SEQ_CLS, lora_dropout=0.0, **kw))
        torch.manual_seed(100 + i)
        with torch.no_grad():
            for pname, p in model.named_parameters():
                if "lora_" in pname or "modules_to_save" in pname:
                    p.copy_(torch.randn_like(p) * 0.3)
        model.eval()
        out = os.path.join(out_root, name)
        model.save_pretrained(out)
        readme = os.path.join(out, "README.md")
        if os.path.exists(readme):
            os.remove(readme)
        # Logits of the adapter as PEFT loads it back from disk.
        loaded = PeftModel.from_pretrained(tiny_base(0), out).eval()
        with torch.no_grad():
            ref["logits"][name] = loaded(input_ids=ids, attention_mask=mask).logits.tolist()
        trainable = PeftModel.from_pretrained(tiny_base(0), out, is_trainable=True)
        ref["gradients"][name] = gradients(trainable, ids, mask)
    # The same adapters in one PeftModel, one mixed batch: row b uses adapter names[b % n].
    names = sorted(VARIANTS)
    multi = PeftModel.from_pretrained(tiny_base(0), os.path.join(out_root, names[0]), adapter_name=names[0])
    for name in names[1:]:
        multi.load_adapter(os.path.join(out_root, name), adapter_name=name)
    multi.eval()
    rows = [names[b % len(names)] for b in range(ids.shape[0])]
    with torch.no_grad():
        mixed = multi(input_ids=ids, attention_mask=mask, adapter_names=rows).logits
    for b, name in enumerate(rows):
        diff = (mixed[b] - torch.tensor(ref["logits"][name][b])).abs().max().item()
        assert diff < 1e-5, f"PEFT mixed batch row {b} ({name}) differs by {diff}"
    ref["mixed_adapter_names"] = rows
    ref["mixed_logits"] = mixed.tolist()
    with open(os.path.join(HERE, "tiny_peft_variants.json"), "w") as f:
        json.dump(ref, f, indent=1)
    print("wrote", base_dir, out_root, "and tiny_peft_variants.json")


if __name__ == "__main__":
    main()

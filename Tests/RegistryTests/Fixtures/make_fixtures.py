"""Generates the small PEFT fixtures of RegistryTests with real PEFT (run by hand; needs torch).

    python3 Tests/RegistryTests/Fixtures/make_fixtures.py

Writes
  tiny_peft/          PeftModel.save_pretrained of a tiny random BertForSequenceClassification
                      (hidden 8, 2 layers, 3 labels) with LoRA r=2 on query/value and random (non-zero)
                      lora_B, so the Swift import test sees exactly what PEFT writes.
  tiny_peft_reference.json   every saved tensor (name -> shape, values) read back with safetensors,
                      and the sha256 of the two files as hashlib computes it.
  sha256_vectors.json hashlib digests the Swift SHA-256 is checked against.
"""
import hashlib, json, os, shutil

import torch
from peft import LoraConfig, TaskType, get_peft_model
from safetensors.torch import load_file
from transformers import BertConfig, BertForSequenceClassification

HERE = os.path.dirname(os.path.abspath(__file__))


def tiny_base(seed=0):
    torch.manual_seed(seed)
    cfg = BertConfig(vocab_size=50, hidden_size=8, num_hidden_layers=2, num_attention_heads=2,
                     intermediate_size=16, max_position_embeddings=32, num_labels=3)
    return BertForSequenceClassification(cfg).eval()


def tiny_peft_model(seed=0):
    base = tiny_base(seed)
    cfg = LoraConfig(task_type=TaskType.SEQ_CLS, r=2, lora_alpha=4, lora_dropout=0.0,
                     target_modules=["query", "value"], modules_to_save=["classifier"])
    model = get_peft_model(base, cfg)
    torch.manual_seed(seed + 1)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "lora_B" in name:
                p.copy_(torch.randn_like(p) * 0.1)
    return model.eval()


def main():
    out = os.path.join(HERE, "tiny_peft")
    shutil.rmtree(out, ignore_errors=True)
    model = tiny_peft_model()
    model.save_pretrained(out)
    # README.md is PEFT's model card; not part of the adapter.
    readme = os.path.join(out, "README.md")
    if os.path.exists(readme):
        os.remove(readme)
    tensors = load_file(os.path.join(out, "adapter_model.safetensors"))
    ref = {
        "tensors": {k: {"shape": list(v.shape), "data": v.flatten().tolist()} for k, v in sorted(tensors.items())},
        "sha256": {f: hashlib.sha256(open(os.path.join(out, f), "rb").read()).hexdigest()
                   for f in ["adapter_model.safetensors", "adapter_config.json"]},
    }
    with open(os.path.join(HERE, "tiny_peft_reference.json"), "w") as f:
        json.dump(ref, f, indent=1)

    vectors = {}
    for label, data in [("empty", b""), ("abc", b"abc"), ("55a", b"a" * 55), ("56a", b"a" * 56),
                        ("64a", b"a" * 64), ("1000seq", bytes(i % 251 for i in range(1000)))]:
        vectors[label] = hashlib.sha256(data).hexdigest()
    with open(os.path.join(HERE, "sha256_vectors.json"), "w") as f:
        json.dump(vectors, f, indent=1, sort_keys=True)
    print("wrote", out, "with", len(tensors), "tensors")


if __name__ == "__main__":
    main()

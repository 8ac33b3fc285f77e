"""bf16 golden references: PEFT under torch.autocast("cpu", dtype=torch.bfloat16) (run once; outputs are committed).

Reuses the committed fp32 cases of make_golden.py (golden_<case>_base / _adapter / .json), so the
bf16 references describe exactly the same model, inputs and adapter. For each case it dumps the
logits, the loss and every trainable gradient of one forward/backward under autocast, as fp32.

Also prints how far PEFT's own bf16 result is from its fp32 result: the Swift test's tolerance
must be of that order (two bf16 implementations that round at different places differ from each
other by about as much as each differs from fp32), and the test checks that our bf16 result is
not simply the fp32 one.

    python3 Tests/ModelTests/Fixtures/make_golden_bf16.py
"""
import json
import os

import torch
from peft import LoraConfig, get_peft_model, set_peft_model_state_dict
from peft.utils import get_peft_model_state_dict
from safetensors.torch import load_file, save_file
from transformers import BertConfig, BertForSequenceClassification

HERE = os.path.dirname(os.path.abspath(__file__))


def rel(a, b):
    return float((a - b).abs().max() / b.abs().max().clamp_min(1e-12))


def main():
    for name in ["qv", "upper"]:
        meta = json.load(open(os.path.join(HERE, f"golden_{name}.json")))
        cfg = BertConfig(**meta["config"])
        cfg._attn_implementation = "eager"
        base = BertForSequenceClassification(cfg)
        missing, unexpected = base.load_state_dict(load_file(os.path.join(HERE, f"golden_{name}_base.safetensors")), strict=False)
        assert not unexpected and all(k.startswith("classifier.") or k.endswith("position_ids") for k in missing), missing
        lora = meta["lora"]
        model = get_peft_model(base, LoraConfig(task_type="SEQ_CLS", lora_dropout=0.0, r=lora["r"],
                                                lora_alpha=lora["alpha"], target_modules=lora["target_modules"]))
        adapter0 = load_file(os.path.join(HERE, f"golden_{name}_adapter.safetensors"))
        result = set_peft_model_state_dict(model, adapter0)
        assert not result.unexpected_keys, result.unexpected_keys
        model.eval()
        ids, mask = torch.tensor(meta["input_ids"]), torch.tensor(meta["attention_mask"])
        labels, weights = torch.tensor(meta["labels"]), torch.tensor(meta["weights"])
        trainable = [(n, p) for n, p in model.named_parameters() if p.requires_grad]

        def run(bf16):
            for _, p in trainable:
                p.grad = None
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                logits = model(input_ids=ids, attention_mask=mask).logits
                loss = (torch.nn.functional.cross_entropy(logits.float(), labels, reduction="none") * weights).mean()
            loss.backward()
            grads = {n: p.grad.detach().clone() for n, p in trainable}
            return logits.detach().float(), loss.detach().float(), grads

        logits32, loss32, grads32 = run(False)
        fp32_expected = load_file(os.path.join(HERE, f"golden_{name}_expected.safetensors"))
        assert rel(logits32, fp32_expected["logits"]) < 1e-5, "fp32 case does not reproduce the committed golden"
        assert abs(float(loss32) - meta["losses"][0]) < 1e-5 * abs(meta["losses"][0])
        logits16, loss16, grads16 = run(True)

        expected = {"logits": logits16.contiguous(), "loss": loss16.reshape(1)}
        # Gradients under PEFT's saved key names (same swap trick as make_golden.py).
        with torch.no_grad():
            saved = {n: p.detach().clone() for n, p in trainable}
            for n, p in trainable:
                p.copy_(grads16[n])
            grad_sd = {k: v.detach().clone() for k, v in get_peft_model_state_dict(model).items()}
            for n, p in trainable:
                p.copy_(saved[n])
        for k, v in grad_sd.items():
            expected["grad." + k] = v.float().contiguous()
        save_file(expected, os.path.join(HERE, f"golden_{name}_bf16_expected.safetensors"))
        worst = max(rel(grads16[n], grads32[n]) for n in grads32)
        print(f"{name}: PEFT bf16 vs fp32: logits {rel(logits16, logits32):.2e}, loss {abs(float(loss16 - loss32)) / float(loss32):.2e}, "
              f"worst gradient {worst:.2e}")


if __name__ == "__main__":
    main()

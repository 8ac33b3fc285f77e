"""Golden references for the Swift BERT+LoRA implementation (run once; outputs are committed).

Builds a tiny random BertForSequenceClassification, wraps it with PEFT LoRA, and dumps for each
case: base weights, initial adapter (PEFT key names), inputs, logits, loss, every trainable
gradient of the first step, and all trainable weights after 3 AdamW steps with weight decay and
gradient clipping active.

    python3 Tests/ModelTests/Fixtures/make_golden.py
"""
import json
import os

import torch
from peft import LoraConfig, get_peft_model
from peft.utils import get_peft_model_state_dict
from safetensors.torch import save_file
from transformers import BertConfig, BertForSequenceClassification

HERE = os.path.dirname(os.path.abspath(__file__))

CONFIG = dict(vocab_size=300, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
              intermediate_size=64, max_position_embeddings=16, type_vocab_size=2,
              hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0, layer_norm_eps=1e-12,
              hidden_act="gelu", num_labels=3, model_type="bert")

CASES = {
    # Default targets on every layer.
    "qv": dict(r=4, lora_alpha=8, target_modules=["query", "value"]),
    # Every module type, upper layer only: backward must stop at layer 1.
    "upper": dict(r=4, lora_alpha=8, target_modules=(
        r".*\.layer\.1\.(attention\.self\.(query|key|value)|attention\.output\.dense|intermediate\.dense|output\.dense)")),
}

IDS = [[2, 17, 45, 99, 123, 7, 3], [2, 250, 31, 3, 0, 0, 0], [2, 5, 3, 0, 0, 0, 0]]
MASK = [[1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 0, 0, 0], [1, 1, 1, 0, 0, 0, 0]]
LABELS = [0, 2, 1]
WEIGHTS = [1.0, 0.5, 2.0]
LR, BETAS, EPS, WD, MAX_NORM, STEPS = 1e-2, (0.9, 0.999), 1e-8, 0.01, 0.05, 3


def main():
    for name, lora in CASES.items():
        torch.manual_seed(1234)
        cfg = BertConfig(**CONFIG)
        cfg._attn_implementation = "eager"
        base = BertForSequenceClassification(cfg)
        base.eval()
        # Base weights as a BertForSequenceClassification checkpoint ("bert." prefix), minus the
        # int position_ids buffer.
        base_sd = {k: v.detach().clone().contiguous() for k, v in base.state_dict().items()
                   if v.dtype == torch.float32 and not k.startswith("classifier.")}
        model = get_peft_model(base, LoraConfig(task_type="SEQ_CLS", lora_dropout=0.0, **lora))
        model.eval()  # dropout is 0 anyway; eval keeps the path deterministic
        g = torch.Generator().manual_seed(99)
        with torch.no_grad():
            for n, p in model.named_parameters():
                if "lora_B" in n:
                    p.copy_(torch.randn(p.shape, generator=g) * 0.1)
        adapter0 = {k: v.detach().clone().contiguous() for k, v in get_peft_model_state_dict(model).items()}

        ids, mask = torch.tensor(IDS), torch.tensor(MASK)
        labels, weights = torch.tensor(LABELS), torch.tensor(WEIGHTS)
        trainable = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
        opt = torch.optim.AdamW([p for _, p in trainable], lr=LR, betas=BETAS, eps=EPS, weight_decay=WD)
        expected, losses, norms = {}, [], []
        for step in range(STEPS):
            opt.zero_grad()
            logits = model(input_ids=ids, attention_mask=mask).logits
            loss = (torch.nn.functional.cross_entropy(logits, labels, reduction="none") * weights).mean()
            loss.backward()
            if step == 0:
                expected["logits"] = logits.detach().clone()
                grads = {n: p.grad.detach().clone() for n, p in trainable}
            norm = torch.nn.utils.clip_grad_norm_([p for _, p in trainable], MAX_NORM)
            norms.append(float(norm))
            losses.append(float(loss.detach()))
            opt.step()
        assert norms[0] > MAX_NORM, "clipping must be active"
        # Map parameter names to PEFT's saved key names via the state-dict helper (it returns
        # views of the parameters, hence the clones).
        final = {k: v.detach().clone() for k, v in get_peft_model_state_dict(model).items()}
        # Gradients under the same keys: swap each trainable's data for its grad and re-export.
        with torch.no_grad():
            saved = {n: p.detach().clone() for n, p in trainable}
            for n, p in trainable:
                p.copy_(grads[n])
            grad_sd = {k: v.detach().clone() for k, v in get_peft_model_state_dict(model).items()}
            for n, p in trainable:
                p.copy_(saved[n])
        for k, v in grad_sd.items():
            expected["grad." + k] = v.clone()
        for k, v in final.items():
            expected["step3." + k] = v.clone()

        save_file(base_sd, os.path.join(HERE, f"golden_{name}_base.safetensors"))
        save_file(adapter0, os.path.join(HERE, f"golden_{name}_adapter.safetensors"))
        save_file({k: v.contiguous() for k, v in expected.items()}, os.path.join(HERE, f"golden_{name}_expected.safetensors"))
        meta = dict(config=CONFIG, lora=dict(r=lora["r"], alpha=lora["lora_alpha"],
                                             target_modules=lora["target_modules"]),
                    input_ids=IDS, attention_mask=MASK, labels=LABELS, weights=WEIGHTS,
                    optimizer=dict(lr=LR, beta1=BETAS[0], beta2=BETAS[1], eps=EPS, weight_decay=WD,
                                   max_grad_norm=MAX_NORM, steps=STEPS),
                    losses=losses, grad_norms=norms, adapter_keys=sorted(adapter0.keys()))
        with open(os.path.join(HERE, f"golden_{name}.json"), "w") as f:
            json.dump(meta, f, indent=1)
        print(name, "loss", losses, "norms", norms, "keys", len(adapter0))


if __name__ == "__main__":
    main()

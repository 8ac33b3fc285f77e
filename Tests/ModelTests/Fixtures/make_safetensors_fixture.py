"""Writes safetensors_reference.safetensors with the reference `safetensors` package.

Values are exactly representable in every dtype used, so the Swift reader must
reproduce them bit for bit. Run: python3 Tests/ModelTests/Fixtures/make_safetensors_fixture.py
"""
import os
import torch
from safetensors.torch import save_file

here = os.path.dirname(os.path.abspath(__file__))
values = torch.tensor([[-1.0, -0.5, 0.0], [0.5, 1.0, 63.5]], dtype=torch.float32)
tensors = {
    "f32": values.clone(),
    "f16": values.to(torch.float16),
    "bf16": values.to(torch.bfloat16),
    "f64": values.to(torch.float64),
    "f16_subnormal": torch.tensor([2.0**-24, -(2.0**-20), 2.0**-14], dtype=torch.float16),
    "position_ids": torch.arange(4, dtype=torch.int64).unsqueeze(0),
    "scalar": torch.tensor(3.25),
}
save_file(tensors, os.path.join(here, "safetensors_reference.safetensors"), metadata={"format": "pt"})

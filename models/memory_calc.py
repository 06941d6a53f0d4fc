"""How much accelerator memory fine-tuning needs: full, LoRA and QLoRA, for 7B, 13B and 70B.

Memory for the model state (activations come on top and depend on batch and sequence
length, so they are left out) is a sum of bytes per parameter:

    full FT  (mixed precision, Adam):  2 (bf16 weight) + 2 (bf16 gradient)
                                       + 4 (fp32 master weight) + 4 + 4 (Adam m and v) = 16 bytes
                                       -- Rajbhandari et al., 2020 (ZeRO), section 3.1
    LoRA:    2 bytes per frozen bf16 weight, no gradient, no optimizer state;
             16 bytes per adapter parameter (trained like any other)
                                       -- Hu et al., 2021 (LoRA), section 4
    QLoRA:   4 bits = 0.5 bytes per NF4 weight, plus one 32-bit absmax per block of 64
             (0.5 bits per weight), or 0.127 bits with double quantization; adapters as in LoRA
                                       -- Dettmers et al., 2023 (QLoRA), sections 2 and 3

The same terms with 4-byte weights (float32 training, as our tiny model trains) are
checked against the bytes of the actual tensors.
"""

from dataclasses import dataclass

import torch
import torch.nn as nn

from models.nf4 import NF4Linear

# Bytes per parameter (see the module docstring for the sources).
FULL_FT_MIXED = {"bf16 weight": 2.0, "bf16 gradient": 2.0, "fp32 master weight": 4.0, "Adam m": 4.0, "Adam v": 4.0}
FROZEN_BF16 = 2.0
NF4_WEIGHT = 0.5
ABSMAX_PER_WEIGHT = 4.0 / 64  # one float32 per block of 64
DOUBLE_QUANT_PER_WEIGHT = 0.127 / 8  # QLoRA: 0.127 bits per weight after double quantization
# float32 training keeps weight, gradient, Adam m and v at 4 bytes each.
FULL_FT_FP32 = {"fp32 weight": 4.0, "fp32 gradient": 4.0, "Adam m": 4.0, "Adam v": 4.0}


@dataclass(frozen=True)
class ModelShape:
    """A decoder's size and the shapes the LoRA adapters attach to (Llama 2, Touvron et al., 2023)."""

    name: str
    n_params: int
    n_layer: int
    d_model: int
    # Width of the key/value projections: d_model, or less with grouped-query attention.
    d_kv: int


LLAMA2 = (
    ModelShape("7B", 6_738_415_616, 32, 4096, 4096),
    ModelShape("13B", 13_015_864_320, 40, 5120, 5120),
    ModelShape("70B", 68_976_648_192, 80, 8192, 1024),
)


def lora_params(shape: ModelShape, r: int) -> int:
    """LoRA on W_q (d -> d) and W_v (d -> d_kv) of every layer: r (d_in + d_out) each."""
    return shape.n_layer * r * ((shape.d_model + shape.d_model) + (shape.d_model + shape.d_kv))


def full_ft_bytes(n_params: int) -> float:
    return n_params * sum(FULL_FT_MIXED.values())


def lora_bytes(n_params: int, n_lora: int) -> float:
    # $M = 2 N + 16 N_{LoRA}$
    return n_params * FROZEN_BF16 + n_lora * sum(FULL_FT_MIXED.values())


def qlora_bytes(n_params: int, n_lora: int, double_quant: bool) -> float:
    # $M = (0.5 + c) N + 16 N_{LoRA}$, c the absmax overhead per weight
    overhead = DOUBLE_QUANT_PER_WEIGHT if double_quant else ABSMAX_PER_WEIGHT
    return n_params * (NF4_WEIGHT + overhead) + n_lora * sum(FULL_FT_MIXED.values())


def table(r: int) -> list[dict]:
    """One row per model: GB (10^9 bytes) of model state for each method."""
    rows = []
    for shape in LLAMA2:
        n_lora = lora_params(shape, r)
        rows.append(
            {
                "model": shape.name,
                "n_params": shape.n_params,
                "lora_params": n_lora,
                "full_gb": full_ft_bytes(shape.n_params) / 1e9,
                "lora_gb": lora_bytes(shape.n_params, n_lora) / 1e9,
                "qlora_gb": qlora_bytes(shape.n_params, n_lora, double_quant=False) / 1e9,
                "qlora_dq_gb": qlora_bytes(shape.n_params, n_lora, double_quant=True) / 1e9,
            }
        )
    return rows


def tensor_bytes(tensors) -> int:
    return sum(t.numel() * t.element_size() for t in tensors)


def measured_training_bytes(model: nn.Module, optimizer: torch.optim.Optimizer) -> dict[str, int]:
    """Bytes of the tensors a training step keeps, measured after one step: weights
    (parameters and the packed 4-bit buffers), gradients, and Adam's m and v."""
    packed = [b for m in model.modules() if isinstance(m, NF4Linear) for b in m.buffers() if b is not m.levels]
    state = [s[k] for s in optimizer.state.values() for k in ("exp_avg", "exp_avg_sq")]
    return {
        "weights": tensor_bytes(model.parameters()) + tensor_bytes(packed),
        "gradients": tensor_bytes(p.grad for p in model.parameters() if p.grad is not None),
        "optimizer": tensor_bytes(state),
    }


def predicted_fp32_bytes(model: nn.Module) -> int:
    """The formula for a float32 model: 16 bytes per trainable parameter, 4 per frozen
    one, and for an NF4 layer 0.5 bytes per weight plus its absmax overhead (whole blocks)."""
    total = 0.0
    for m in model.modules():
        if isinstance(m, NF4Linear):
            blocks = -(-m.in_features * m.out_features // m.block_size)  # the last block may be partial
            total += blocks * m.block_size * (NF4_WEIGHT + ABSMAX_PER_WEIGHT)
            total += 0 if m.bias is None else m.out_features * FULL_FT_FP32["fp32 weight"]
    for p in model.parameters():
        total += p.numel() * (sum(FULL_FT_FP32.values()) if p.requires_grad else FULL_FT_FP32["fp32 weight"])
    return round(total)

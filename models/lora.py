"""LoRA: Low-Rank Adaptation of a frozen linear layer (Hu et al., 2021).

Fine-tuning changes a pretrained weight W_0 (d_out x d_in) by some Delta W. LoRA bets that
the change a new task needs has low rank, and learns it as the product of two thin
matrices:

    h = W_0 x + (alpha / r) B A x        A: (r, d_in), B: (d_out, r), r << min(d_in, d_out)

W_0 stays frozen; only A and B train, r (d_in + d_out) numbers per adapted matrix instead
of d_in d_out. B starts at zero, so at step 0 the adapted network computes exactly what
the pretrained one did. After training, B A can be added into W_0 ("merge"): the adapter
then costs nothing at inference, and subtracting it again ("unmerge") gives the base back
to swap in another adapter.

The layout follows PEFT's `lora.Linear` (same initialisation, same alpha / r scaling), and
the tests check that both compute the same thing on the same weights.
"""

import math
from dataclasses import dataclass

import torch
import torch.nn as nn


@dataclass
class LoRAConfig:
    # r: the rank of the update B A. Each adapted matrix trains r (d_in + d_out) numbers.
    r: int = 8
    # alpha: the update is scaled by alpha / r, so changing r does not change how big the
    # update is at a given learning rate; a rate tuned at one rank carries over to others.
    alpha: float = 16.0
    # Which linear layers get an adapter, as suffixes of their module names. Our GPT's
    # attention is the fused q, k, v projection c_attn (96 -> 288) and its output c_proj
    # (96 -> 96); the LoRA paper adapts W_q and W_v.
    targets: tuple[str, ...] = ("attn.c_attn", "attn.c_proj")


class LoRALinear(nn.Module):
    """A frozen `base` layer (nn.Linear, or anything with in_features / out_features such as
    a 4-bit quantized linear) plus a trainable low-rank update."""

    def __init__(self, base: nn.Module, r: int, alpha: float):
        super().__init__()
        assert r >= 1, "the rank must be at least 1"
        self.base = base
        for p in base.parameters():
            p.requires_grad_(False)
        self.r, self.alpha = r, alpha
        # $s = \alpha / r$
        self.scaling = alpha / r
        # A gets the same random start as nn.Linear (Kaiming uniform); B starts at zero, so
        # $\Delta W = B A = 0$ at step 0 but the gradient reaching B is not zero.
        device = next(t for t in [*base.parameters(), *base.buffers()]).device
        self.lora_a = nn.Parameter(torch.empty(r, base.in_features, device=device))  # (r, d_in)
        self.lora_b = nn.Parameter(torch.zeros(base.out_features, r, device=device))  # (d_out, r)
        nn.init.kaiming_uniform_(self.lora_a, a=math.sqrt(5))
        self.merged = False

    @property
    def in_features(self) -> int:
        return self.base.in_features

    @property
    def out_features(self) -> int:
        return self.base.out_features

    def delta_weight(self) -> torch.Tensor:
        # $\Delta W = \frac{\alpha}{r} B A$, a (d_out, d_in) matrix of rank at most r
        return self.scaling * (self.lora_b @ self.lora_a)  # (d_out, d_in)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.base(x)  # $W_0 x + b$
        if self.merged:
            return h
        # $h = W_0 x + \frac{\alpha}{r} B (A x)$: multiplying by A first keeps the detour
        # r wide, so the full d_out x d_in matrix B A is never formed while training.
        return h + self.scaling * ((x @ self.lora_a.T) @ self.lora_b.T)  # (..., d_out)

    @torch.no_grad()
    def merge(self) -> None:
        r"""$W \leftarrow W_0 + \frac{\alpha}{r} B A$: one matrix again, no extra cost at inference."""
        assert isinstance(self.base, nn.Linear), "only a full-precision base can absorb the update"
        if not self.merged:
            self.base.weight += self.delta_weight()
            self.merged = True

    @torch.no_grad()
    def unmerge(self) -> None:
        r"""$W_0 = W - \frac{\alpha}{r} B A$: the pretrained weight back (up to rounding)."""
        if self.merged:
            self.base.weight -= self.delta_weight()
            self.merged = False


def apply_lora(model: nn.Module, config: LoRAConfig) -> list[LoRALinear]:
    """Freeze every parameter of `model`, then wrap each target layer in a LoRALinear.

    Afterwards only the adapters' A and B train. Returns the adapters in module order.
    """
    for p in model.parameters():
        p.requires_grad_(False)
    targets = [name for name, m in model.named_modules() if name.endswith(config.targets) and hasattr(m, "in_features")]
    assert targets, f"no module name ends with any of {config.targets}"
    adapters = []
    for name in targets:
        parent_name, _, child = name.rpartition(".")
        parent = model.get_submodule(parent_name)
        adapter = LoRALinear(getattr(parent, child), config.r, config.alpha)
        setattr(parent, child, adapter)
        adapters.append(adapter)
    return adapters


def lora_params_formula(model: nn.Module, config: LoRAConfig) -> int:
    """What apply_lora will train: r (d_in + d_out) per target matrix, summed."""
    return sum(
        config.r * (m.in_features + m.out_features)
        for name, m in model.named_modules()
        if name.endswith(config.targets) and hasattr(m, "in_features")
    )


def trainable_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def set_merged(model: nn.Module, merged: bool) -> None:
    """Merge (True) or unmerge (False) every adapter of the model."""
    for m in model.modules():
        if isinstance(m, LoRALinear):
            m.merge() if merged else m.unmerge()

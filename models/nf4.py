r"""4-bit NormalFloat (NF4) block-wise quantization, the storage format of QLoRA
(Dettmers et al., 2023), with the 4-bit formats it is compared against.

Each block of 64 consecutive weights is stored as
  - one absmax $c = \max_i |w_i|$ (a float), and
  - one 4-bit code per weight: the index of the level closest to $w_i / c$.
Two codes share a byte, so 64 weights take 32 bytes plus the absmax.

What differs between formats is the table of 16 levels in [-1, 1]:
  - int4 absmax: evenly spaced, $k / 7$ for k = -7..7;
  - FP4 (E2M1): a tiny float, 1 sign bit, 2 exponent bits, 1 mantissa bit;
  - NF4: quantiles of a normal distribution. Pretrained weights are roughly normal, so
    equal-probability bins put more levels where most weights are (near zero).
int8 absmax ($k / 127$, 255 levels) is the 8-bit reference.

Double quantization (quantizing the absmax values themselves) is not done here: each
block keeps a float32 absmax, 32 / 64 = 0.5 extra bits per weight.
"""

from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

# QLoRA's choice: small enough that one outlier spoils only 64 weights' resolution.
BLOCK_SIZE = 64


def nf4_levels() -> torch.Tensor:
    r"""The 16 NF4 levels, built as in QLoRA's appendix (and bitsandbytes' create_normal_map).

    An asymmetric construction gives an exact 0: 8 positive levels from the quantiles
    $\Phi^{-1}(p)$ at 8 evenly spaced p in [0.5, \delta], 7 negative ones at 7 evenly
    spaced p, with $\delta = \frac{1}{2}(\frac{1}{32} + \frac{1}{30})$ away from 1, so
    the outermost quantile is finite; then all are divided by the largest, so they span [-1, 1].
    """
    offset = 1 - 0.5 * (1 / 32 + 1 / 30)  # 0.9677083
    normal = torch.distributions.Normal(0.0, 1.0)
    positive = normal.icdf(torch.linspace(offset, 0.5, 9, dtype=torch.float64)[:-1])  # 8 values
    negative = -normal.icdf(torch.linspace(offset, 0.5, 8, dtype=torch.float64)[:-1])  # 7 values
    levels = torch.cat([negative, torch.zeros(1, dtype=torch.float64), positive]).sort().values
    return (levels / levels.abs().max()).float()  # (16,)


def int_levels(bits: int) -> torch.Tensor:
    r"""Symmetric integer absmax: $k / (2^{b-1} - 1)$ for $|k| \le 2^{b-1} - 1$."""
    q = 2 ** (bits - 1) - 1
    return torch.arange(-q, q + 1, dtype=torch.float32) / q  # (2q + 1,)


def fp4_levels() -> torch.Tensor:
    """E2M1 floats {0, 0.5, 1, 1.5, 2, 3, 4, 6} with a sign, scaled so the largest is 1."""
    magnitudes = torch.tensor([0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0]) / 6.0
    return torch.cat([-magnitudes[1:].flip(0), magnitudes])  # (15,): +0 and -0 are one level


def levels_of(scheme: str) -> torch.Tensor:
    return {"nf4": nf4_levels, "int4": lambda: int_levels(4), "fp4": fp4_levels, "int8": lambda: int_levels(8)}[
        scheme
    ]()


@dataclass
class Quantized:
    """A weight in block-wise absmax form: codes (one per weight, an index into levels),
    absmax (one per block), and what is needed to rebuild it."""

    codes: torch.Tensor  # (n_blocks, block_size) uint8
    absmax: torch.Tensor  # (n_blocks,) float32
    levels: torch.Tensor  # (n_levels,) float32, sorted
    shape: torch.Size


def quantize(w: torch.Tensor, levels: torch.Tensor, block_size: int = BLOCK_SIZE) -> Quantized:
    # A last, partial block is padded with zeros (they round to the level 0 and are dropped again).
    flat = w.detach().float().flatten()
    flat = F.pad(flat, (0, -flat.numel() % block_size))
    blocks = flat.view(-1, block_size)  # (n_blocks, block_size)
    # $c_b = \max_{i \in b} |w_i|$, then every weight of the block lies in [-1, 1]
    absmax = blocks.abs().amax(dim=1).clamp(min=1e-12)  # (n_blocks,)
    normalized = blocks / absmax[:, None]
    # code = $\arg\min_k |w_i / c_b - q_k|$: with sorted levels, the nearest one is found by
    # which midpoint between neighbours the value falls past.
    levels = levels.to(w.device)
    midpoints = (levels[1:] + levels[:-1]) / 2
    codes = torch.bucketize(normalized, midpoints).to(torch.uint8)  # (n_blocks, block_size)
    return Quantized(codes, absmax, levels, w.shape)


def dequantize(q: Quantized) -> torch.Tensor:
    # $\hat w_i = c_b \, q_{code_i}$
    w = q.levels[q.codes.long()] * q.absmax[:, None]  # (n_blocks, block_size)
    return w.flatten()[: q.shape.numel()].reshape(q.shape)


def pack_4bit(codes: torch.Tensor) -> torch.Tensor:
    """Two 4-bit codes per byte: the even-indexed one in the high nibble."""
    flat = codes.flatten()
    assert flat.numel() % 2 == 0 and int(flat.max()) < 16, "4-bit packing needs an even count of codes < 16"
    return (flat[0::2] << 4) | flat[1::2]  # (n / 2,) uint8


def unpack_4bit(packed: torch.Tensor) -> torch.Tensor:
    return torch.stack([packed >> 4, packed & 0x0F], dim=1).flatten()  # (n,) uint8


def quantization_error(w: torch.Tensor, scheme: str, block_size: int = BLOCK_SIZE) -> dict[str, float]:
    """Root-mean-square and largest absolute error of quantize-then-dequantize."""
    err = dequantize(quantize(w, levels_of(scheme), block_size)) - w.detach().float()
    return {"rmse": err.pow(2).mean().sqrt().item(), "max_abs": err.abs().max().item()}


class NF4Linear(nn.Module):
    """A frozen linear layer stored in 4 bits: packed codes and per-block absmax as
    buffers (not parameters: nothing here trains). The forward pass dequantizes to float32
    and multiplies, as bitsandbytes does with its compute dtype."""

    def __init__(self, linear: nn.Linear, scheme: str = "nf4", block_size: int = BLOCK_SIZE):
        super().__init__()
        self.in_features, self.out_features = linear.in_features, linear.out_features
        q = quantize(linear.weight, levels_of(scheme), block_size)
        self.register_buffer("packed", pack_4bit(q.codes))  # (d_out d_in / 2,) uint8
        self.register_buffer("absmax", q.absmax)  # (d_out d_in / block_size,)
        self.register_buffer("levels", q.levels)
        self.register_buffer("bias", None if linear.bias is None else linear.bias.detach().clone())
        self.block_size = block_size

    def weight(self) -> torch.Tensor:
        codes = unpack_4bit(self.packed).view(-1, self.block_size)
        return dequantize(Quantized(codes, self.absmax, self.levels, torch.Size((self.out_features, self.in_features))))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.weight(), self.bias)

    def storage_bytes(self) -> int:
        """Bytes of the stored weight: the packed codes plus one absmax per block."""
        return self.packed.numel() * self.packed.element_size() + self.absmax.numel() * self.absmax.element_size()


def quantized_linear_names(model: nn.Module) -> list[str]:
    """The layers QLoRA stores in 4 bits: every linear layer (embeddings, LayerNorms and
    biases stay in full precision, as in QLoRA)."""
    return [name for name, m in model.named_modules() if isinstance(m, nn.Linear)]


def quantize_linears(model: nn.Module, scheme: str, block_size: int = BLOCK_SIZE) -> nn.Module:
    """In place: every linear weight replaced by its quantize-dequantize round trip
    (for int8 too, which does not fit in an NF4Linear). Returns the model."""
    levels = levels_of(scheme)
    with torch.no_grad():
        for name in quantized_linear_names(model):
            layer = model.get_submodule(name)
            layer.weight.copy_(dequantize(quantize(layer.weight, levels, block_size)))
    return model


def to_nf4(model: nn.Module, block_size: int = BLOCK_SIZE) -> nn.Module:
    """In place: every nn.Linear replaced by a frozen NF4Linear (the QLoRA base)."""
    for name in quantized_linear_names(model):
        parent_name, _, child = name.rpartition(".")
        parent = model.get_submodule(parent_name) if parent_name else model
        setattr(parent, child, NF4Linear(getattr(parent, child), "nf4", block_size))
    for p in model.parameters():
        p.requires_grad_(False)
    return model

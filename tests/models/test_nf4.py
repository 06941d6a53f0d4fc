"""models/nf4.py against the published NF4 table and hand-derived error bounds."""

import copy

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from models.nf4 import (
    BLOCK_SIZE,
    NF4Linear,
    dequantize,
    fp4_levels,
    int_levels,
    levels_of,
    nf4_levels,
    pack_4bit,
    quantize,
    quantize_linears,
    to_nf4,
    unpack_4bit,
)

torch.set_num_threads(1)

# The 16 NF4 values as published with QLoRA (Dettmers et al., 2023, appendix E) and hard-coded
# in bitsandbytes (csrc/kernels.cu, nf4_dequantization_lut).
PUBLISHED_NF4 = [
    -1.0,
    -0.6961928009986877,
    -0.5250730514526367,
    -0.39491748809814453,
    -0.28444138169288635,
    -0.18477343022823334,
    -0.09105003625154495,
    0.0,
    0.07958029955625534,
    0.16093020141124725,
    0.24611230194568634,
    0.33791524171829224,
    0.44070982933044434,
    0.5626170039176941,
    0.7229568362236023,
    1.0,
]


def test_nf4_levels_equal_published_table():
    torch.testing.assert_close(nf4_levels(), torch.tensor(PUBLISHED_NF4), rtol=0, atol=1e-6)


def test_other_level_tables():
    assert len(int_levels(4)) == 15 and len(int_levels(8)) == 255
    assert fp4_levels().tolist()[7:] == pytest.approx([0, 1 / 12, 1 / 6, 1 / 4, 1 / 3, 1 / 2, 2 / 3, 1])
    for scheme in ("nf4", "int4", "fp4", "int8"):
        levels = levels_of(scheme)
        assert torch.all(levels[1:] > levels[:-1]) and levels.min() == -1 and levels.max() == 1 and 0 in levels


def test_int4_absmax_equals_rounding_reference():
    # Reference: w_hat = round(7 w / c) c / 7 with c the block's absmax.
    torch.manual_seed(0)
    w = torch.randn(8, BLOCK_SIZE)
    c = w.abs().amax(dim=1, keepdim=True)
    reference = torch.round(7 * w / c) * c / 7
    torch.testing.assert_close(dequantize(quantize(w, int_levels(4))), reference, rtol=0, atol=1e-6)


@pytest.mark.parametrize("scheme", ["nf4", "int4", "fp4", "int8"])
def test_per_block_error_bound(scheme):
    # Rounding to the nearest level errs by at most half the widest gap between levels,
    # times the block's absmax; and the absmax itself is stored exactly.
    torch.manual_seed(1)
    w = torch.randn(32, 96) * torch.linspace(0.01, 1.0, 32)[:, None]  # blocks of very different scale
    levels = levels_of(scheme)
    q = quantize(w, levels)
    err = (dequantize(q) - w).reshape(-1, BLOCK_SIZE).abs()
    bound = q.absmax[:, None] * (levels[1:] - levels[:-1]).max() / 2
    assert torch.all(err <= bound + 1e-7)
    blocks = w.reshape(-1, BLOCK_SIZE)
    largest = blocks.abs().argmax(dim=1)
    torch.testing.assert_close(dequantize(q).reshape(-1, BLOCK_SIZE).gather(1, largest[:, None]), blocks.gather(1, largest[:, None]))


def test_values_on_the_grid_are_exact():
    levels = nf4_levels()
    scales = torch.tensor([0.3, 2.0, 0.05, 1.0])[:, None]
    w = levels.repeat(4)[None, :] * scales  # (4 blocks, 64): every weight a level times its block's absmax
    torch.testing.assert_close(dequantize(quantize(w, levels)), w, rtol=0, atol=1e-7)


def test_nf4_beats_int4_and_fp4_on_normal_weights():
    torch.manual_seed(2)
    w = torch.randn(256, 256) * 0.02
    rmse = {s: (dequantize(quantize(w, levels_of(s))) - w).pow(2).mean().sqrt() for s in ("nf4", "int4", "fp4", "int8")}
    assert rmse["int8"] < rmse["nf4"] < rmse["int4"]
    assert rmse["nf4"] < rmse["fp4"]


def test_pack_two_codes_per_byte():
    codes = torch.tensor([1, 2, 15, 0, 7, 9], dtype=torch.uint8)
    packed = pack_4bit(codes)
    assert packed.tolist() == [0x12, 0xF0, 0x79]
    assert torch.equal(unpack_4bit(packed), codes)


def test_nf4_linear_storage_and_forward():
    torch.manual_seed(3)
    linear = nn.Linear(96, 288)
    q = NF4Linear(linear)
    n = 96 * 288
    assert q.packed.dtype == torch.uint8 and q.packed.numel() == n // 2
    assert q.storage_bytes() == n // 2 + 4 * n // BLOCK_SIZE
    x = torch.randn(4, 96)
    expected = F.linear(x, dequantize(quantize(linear.weight, nf4_levels())), linear.bias)
    torch.testing.assert_close(q(x), expected, rtol=0, atol=1e-6)
    assert (q(x) - linear(x)).abs().max() < 0.1 * linear(x).abs().max()


def test_to_nf4_and_quantize_linears_agree():
    torch.manual_seed(4)
    net = nn.Sequential(nn.Linear(64, 128), nn.GELU(), nn.Linear(128, 64))
    x = torch.randn(5, 64)
    fake = quantize_linears(copy.deepcopy(net), "nf4")
    real = to_nf4(copy.deepcopy(net))
    assert all(isinstance(real[i], NF4Linear) for i in (0, 2))
    assert not any(p.requires_grad for p in real.parameters())
    torch.testing.assert_close(real(x), fake(x), rtol=0, atol=1e-6)

"""models/lora.py against PEFT's LoRA layer and against hand-counted parameter numbers."""

import copy

import pytest
import torch
import torch.nn as nn
from peft import LoraConfig, get_peft_model

from models.gpt import GPT, GPTConfig
from models.lora import LoRAConfig, LoRALinear, apply_lora, lora_params_formula, set_merged, trainable_params

torch.set_num_threads(1)
TINY = GPTConfig(vocab_size=20, block_size=32, n_layer=2, n_head=2, n_embd=16)


def tiny_gpt(seed: int = 0) -> GPT:
    torch.manual_seed(seed)
    return GPT(TINY).eval()


def randomize_b(model: nn.Module, seed: int = 1) -> None:
    """Give every B a non-zero value, as training would, so the update is not trivially 0."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, LoRALinear):
                m.lora_b.copy_(0.1 * torch.randn(m.lora_b.shape, generator=generator))


def test_init_equals_base_exactly():
    torch.manual_seed(0)
    base = nn.Linear(12, 7)
    layer = LoRALinear(copy.deepcopy(base), r=3, alpha=6.0)
    x = torch.randn(5, 12)
    assert torch.equal(layer(x), base(x))  # B = 0: not close, identical
    assert layer.lora_a.abs().sum() > 0 and layer.lora_b.abs().sum() == 0


def test_gradient_at_init_reaches_b_not_a():
    # dL/dA = s B^T (dL/dh) x^T = 0 while B = 0; dL/dB = s (dL/dh) (A x)^T is not.
    torch.manual_seed(0)
    layer = LoRALinear(nn.Linear(6, 4), r=2, alpha=2.0)
    layer(torch.randn(3, 6)).pow(2).sum().backward()
    assert layer.lora_a.grad.abs().max() == 0
    assert layer.lora_b.grad.abs().max() > 0
    assert layer.base.weight.grad is None  # frozen


def test_matches_peft_lora_layer_on_same_weights():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(10, 8), nn.ReLU(), nn.Linear(8, 5))
    ours = copy.deepcopy(net)
    adapters = apply_lora(ours, LoRAConfig(r=4, alpha=12.0, targets=("0", "2")))
    randomize_b(ours)
    theirs = get_peft_model(copy.deepcopy(net), LoraConfig(r=4, lora_alpha=12, target_modules=["0", "2"]))
    with torch.no_grad():
        for index, adapter in zip(("0", "2"), adapters, strict=True):
            peft_layer = theirs.base_model.model.get_submodule(index)
            peft_layer.lora_A["default"].weight.copy_(adapter.lora_a)
            peft_layer.lora_B["default"].weight.copy_(adapter.lora_b)
            assert peft_layer.scaling["default"] == pytest.approx(adapter.scaling)
    x = torch.randn(7, 10)
    torch.testing.assert_close(ours(x), theirs(x), rtol=0, atol=1e-6)
    assert trainable_params(ours) == theirs.get_nb_trainable_parameters()[0]


def test_gpt_adapters_match_peft_and_count():
    config = LoRAConfig(r=4, alpha=8.0)
    ours = tiny_gpt()
    theirs = get_peft_model(tiny_gpt(), LoraConfig(r=4, lora_alpha=8, target_modules=list(config.targets)))
    apply_lora(ours, config)
    randomize_b(ours)
    with torch.no_grad():
        for name, m in ours.named_modules():
            if isinstance(m, LoRALinear):
                peft_layer = theirs.base_model.model.get_submodule(name)
                peft_layer.lora_A["default"].weight.copy_(m.lora_a)
                peft_layer.lora_B["default"].weight.copy_(m.lora_b)
    idx = torch.randint(0, TINY.vocab_size, (2, 9))
    torch.testing.assert_close(ours(idx)[0], theirs(idx)[0], rtol=0, atol=1e-5)
    # By hand: per block c_attn 16 -> 48 and c_proj 16 -> 16: r (16 + 48) + r (16 + 16) = 4 * 96.
    assert trainable_params(ours) == TINY.n_layer * 4 * 96 == theirs.get_nb_trainable_parameters()[0]
    assert lora_params_formula(tiny_gpt(), config) == TINY.n_layer * 4 * 96


def test_adapted_gpt_at_init_equals_base_and_only_adapters_train():
    base = tiny_gpt()
    model = copy.deepcopy(base)
    apply_lora(model, LoRAConfig(r=2, alpha=4.0))
    idx = torch.randint(0, TINY.vocab_size, (3, 11))
    assert torch.equal(model(idx)[0], base(idx)[0])
    trainable = [n for n, p in model.named_parameters() if p.requires_grad]
    assert trainable and all(n.endswith(("lora_a", "lora_b")) for n in trainable)


def test_merge_equals_unmerged_and_unmerge_restores_base():
    base = tiny_gpt()
    model = copy.deepcopy(base)
    apply_lora(model, LoRAConfig(r=4, alpha=8.0))
    randomize_b(model)
    idx = torch.randint(0, TINY.vocab_size, (2, 12))
    with torch.no_grad():
        unmerged = model(idx)[0]
        assert (unmerged - base(idx)[0]).abs().max() > 1e-3  # the adapters do change the output
        set_merged(model, True)
        merged = model(idx)[0]
        torch.testing.assert_close(merged, unmerged, rtol=0, atol=1e-5)
        set_merged(model, False)
    for name, p in base.named_parameters():
        restored = model.get_parameter(name.replace("c_attn.", "c_attn.base.").replace("attn.c_proj.", "attn.c_proj.base."))
        torch.testing.assert_close(restored, p, rtol=0, atol=1e-6)


def test_delta_weight_has_rank_at_most_r():
    torch.manual_seed(0)
    layer = LoRALinear(nn.Linear(20, 30), r=3, alpha=3.0)
    with torch.no_grad():
        layer.lora_b.normal_()
    assert torch.linalg.matrix_rank(layer.delta_weight()) == 3

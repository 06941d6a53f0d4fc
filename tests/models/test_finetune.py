"""models/finetune.py and models/memory_calc.py: EWC against hand-computed values, what each
method trains, and the memory formula against the bytes of the actual tensors."""

import copy

import pytest
import torch
import torch.nn as nn

from models.finetune import (
    DomainData,
    FinetuneConfig,
    Method,
    choose_by_validation,
    choose_ewc,
    diagonal_fisher,
    ewc_penalty,
    finetune,
    prepare,
    split_domain,
)
from models.gpt_pretrain import PretrainConfig, train
from models.llm_data import load_llm_data, sample_windows, split_corpus
from models.lora import LoRAConfig
from models.memory_calc import LLAMA2, full_ft_bytes, lora_params, measured_training_bytes, predicted_fp32_bytes
from models.nf4 import NF4Linear

torch.set_num_threads(1)
TINY_FT = FinetuneConfig(steps=6, batch_size=2, seq_len=16, warmup_steps=1, eval_interval=3, fisher_windows=4)
VET = "models/data/finetune/vet_notes.txt"


@pytest.fixture(scope="module")
def setup():
    """A tiny GPT pretrained for a few steps, and the vet domain in three parts."""
    data = load_llm_data()
    pretrained = train(PretrainConfig.tiny(), data)
    tokenizer = pretrained.tokenizer
    pre_train, pre_heldout = split_corpus(torch.tensor(tokenizer.encode(data.corpus)), 0.1)
    with open(VET, encoding="ascii") as f:
        new = torch.tensor(tokenizer.encode(f.read()))
    domain = DomainData(*split_domain(new, TINY_FT), pre_train, pre_heldout[:200])
    return pretrained.model, domain


def test_ewc_penalty_hand_computed():
    net = nn.Linear(2, 1)
    with torch.no_grad():
        net.weight.copy_(torch.tensor([[1.0, -2.0]]))
        net.bias.fill_(0.5)
    anchor = {"weight": torch.tensor([[0.0, -1.0]]), "bias": torch.tensor([0.0])}
    fisher = {"weight": torch.tensor([[2.0, 3.0]]), "bias": torch.tensor([4.0])}
    # lambda/2 * (2*1^2 + 3*(-1)^2 + 4*0.5^2) = 10/2 * (2 + 3 + 1) = 30
    assert ewc_penalty(net, fisher, anchor, lam=10.0).item() == pytest.approx(30.0)
    # Gradient: lambda F (theta - theta*) = 10 * [2*1, 3*(-1)] and 10 * 4 * 0.5
    ewc_penalty(net, fisher, anchor, lam=10.0).backward()
    assert net.weight.grad.tolist() == [[20.0, -30.0]] and net.bias.grad.tolist() == [20.0]


def test_diagonal_fisher_is_mean_of_squared_window_gradients(setup):
    model, domain = setup
    fisher = diagonal_fisher(model, domain.pretrain_train, TINY_FT)
    # Reference: replay the same windows one by one and average the squared gradients.
    generator = torch.Generator().manual_seed(TINY_FT.seed + 7)
    reference = copy.deepcopy(model)
    expected = {n: torch.zeros_like(p) for n, p in reference.named_parameters()}
    for _ in range(TINY_FT.fisher_windows):
        x, y = sample_windows(domain.pretrain_train, TINY_FT.seq_len, 1, generator)
        grads = torch.autograd.grad(reference(x, y)[1], list(reference.parameters()))
        for (n, _), g in zip(reference.named_parameters(), grads, strict=True):
            expected[n] += g**2 / TINY_FT.fisher_windows
    for n in expected:
        torch.testing.assert_close(fisher[n], expected[n])
    assert all(torch.all(f >= 0) for f in fisher.values())


def test_split_domain_partitions_in_order():
    ids = torch.arange(100)
    train_ids, val, heldout = split_domain(ids, FinetuneConfig(val_fraction=0.1, heldout_fraction=0.2))
    assert torch.equal(torch.cat([train_ids, val, heldout]), ids)
    assert (len(train_ids), len(val), len(heldout)) == (70, 10, 20)


def test_prepare_leaves_the_right_parameters_trainable(setup):
    model, _ = setup
    lora = LoRAConfig(r=2, alpha=4.0)
    counts = {kind: sum(p.numel() for p in prepare(model, Method(kind, 1e-3, lora)).parameters() if p.requires_grad)
              for kind in ("full", "last_layer", "lora", "qlora")}
    assert counts["full"] == model.num_params()
    last = model.h[-1]
    assert counts["last_layer"] == sum(p.numel() for m in (last, model.ln_f, model.lm_head) for p in m.parameters())
    c = model.config.n_embd
    assert counts["lora"] == counts["qlora"] == model.config.n_layer * 2 * ((c + 3 * c) + (c + c))
    qlora = prepare(model, Method("qlora", 1e-3, lora))
    assert sum(isinstance(m, NF4Linear) for m in qlora.modules()) == 4 * model.config.n_layer + 1


def test_finetune_changes_only_the_trainable_part(setup):
    model, domain = setup
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    lora = finetune(model, Method("lora", 1e-2, LoRAConfig(r=2, alpha=4.0)), TINY_FT, domain)
    last = finetune(model, Method("last_layer", 1e-2), TINY_FT, domain)
    for n, p in model.named_parameters():  # the base itself is never touched
        assert torch.equal(p, before[n])
    for n, p in lora.model.named_parameters():
        if not n.endswith(("lora_a", "lora_b")):
            assert torch.equal(p, before[n.replace(".base.", ".")])
    moved = {n for n, p in last.model.named_parameters() if not torch.equal(p, before[n])}
    top = f"h.{model.config.n_layer - 1}."
    assert moved and all(n.startswith((top, "ln_f", "lm_head")) for n in moved)
    assert lora.steps == [0, 3, 6] and len(lora.pretrain_heldout_curve) == 3
    assert len(lora.grad_norms[f"block {model.config.n_layer}"]) == TINY_FT.steps


def test_ewc_with_huge_lambda_stays_closer_to_base(setup):
    model, domain = setup
    fisher = diagonal_fisher(model, domain.pretrain_train, TINY_FT)
    plain = finetune(model, Method("ewc", 3e-2, ewc_lambda=0.0), TINY_FT, domain, fisher)
    pulled = finetune(model, Method("ewc", 3e-2, ewc_lambda=1e6), TINY_FT, domain, fisher)

    def weighted_distance(result):
        return sum((fisher[n] * (p - q) ** 2).sum().item() for (n, p), q in
                   zip(result.model.named_parameters(), model.parameters(), strict=True))

    assert weighted_distance(pulled) < weighted_distance(plain)


def test_choosers_use_validation_only(setup):
    model, domain = setup
    runs = [finetune(model, Method("full", lr), TINY_FT, domain) for lr in (1e-4, 3e-2)]
    assert choose_by_validation(runs).new_val_loss == min(r.new_val_loss for r in runs)
    for r, lam in zip(runs, (10.0, 100.0), strict=True):
        r.method.ewc_lambda = lam
    base_val, full_val = 3.0, 2.0
    runs[0].new_val_loss, runs[1].new_val_loss = 2.1, 2.5  # keeps 90% and 50% of the drop
    assert choose_ewc(runs, base_val, full_val, keep=0.8).method.ewc_lambda == 10.0
    assert choose_ewc(runs, base_val, full_val, keep=0.4).method.ewc_lambda == 100.0
    assert choose_ewc(runs, base_val, full_val, keep=0.95).method.ewc_lambda == 10.0


@pytest.mark.parametrize("kind", ["full", "lora", "qlora"])
def test_memory_formula_matches_measured_tensor_bytes(setup, kind):
    model, domain = setup
    tuned = prepare(model, Method(kind, 1e-3, LoRAConfig(r=2, alpha=4.0)))
    params = [p for p in tuned.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=1e-3)
    x, y = sample_windows(domain.train, 16, 2, torch.Generator().manual_seed(0))
    tuned(x, y)[1].backward()
    optimizer.step()
    assert sum(measured_training_bytes(tuned, optimizer).values()) == predicted_fp32_bytes(tuned)


def test_llama_memory_table_values():
    seven = LLAMA2[0]
    assert full_ft_bytes(seven.n_params) == 16 * 6_738_415_616
    # r = 8 on W_q (4096 -> 4096) and W_v (4096 -> 4096) in 32 layers: 32 * 8 * (8192 + 8192)
    assert lora_params(seven, 8) == 4_194_304
    # 70B uses grouped-query attention: W_v maps 8192 -> 1024.
    assert lora_params(LLAMA2[2], 8) == 80 * 8 * (16384 + 9216)

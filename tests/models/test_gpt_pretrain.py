"""Pretraining: the bigram baseline against counting by hand, the learning-rate schedule,
and the held-out loss against a direct computation."""

import itertools
import math
from collections import Counter

import pytest
import torch

from models.gpt import GPT, GPTConfig
from models.gpt_pretrain import PretrainConfig, best_bigram_loss, bigram_loss, learning_rate, mean_loss
from models.llm_data import covering_windows


def test_bigram_loss_matches_counting_by_hand():
    train_text, heldout_text = "abracadabra", "abcab"
    vocab = sorted(set(train_text + heldout_text))  # a b c d r
    V, k = len(vocab), 0.5
    pair_counts = Counter(itertools.pairwise(train_text))
    first_counts = Counter(train_text[:-1])
    expected = -sum(
        math.log((pair_counts[(a, b)] + k) / (first_counts[a] + k * V)) for a, b in itertools.pairwise(heldout_text)
    ) / (len(heldout_text) - 1)

    def ids(text):
        return torch.tensor([vocab.index(c) for c in text])

    assert bigram_loss(ids(train_text), ids(heldout_text), V, k) == pytest.approx(expected)


def test_best_bigram_picks_the_lowest_smoothing_loss():
    train, heldout = torch.tensor([0, 1, 0, 1, 0, 2, 0, 1]), torch.tensor([0, 1, 0, 2])
    loss, k = best_bigram_loss(train, heldout, 3)
    assert loss == pytest.approx(bigram_loss(train, heldout, 3, k))
    assert all(loss <= bigram_loss(train, heldout, 3, other) for other in (0.01, 0.1, 1.0))


def test_learning_rate_warms_up_then_decays_to_min_lr():
    config = PretrainConfig(max_steps=100, warmup_steps=10, learning_rate=1e-2, min_lr=1e-3)
    assert learning_rate(0, config) == pytest.approx(1e-3)
    assert learning_rate(9, config) == pytest.approx(1e-2)
    assert learning_rate(55, config) == pytest.approx(0.5 * (1e-2 + 1e-3))
    assert learning_rate(100, config) == pytest.approx(1e-3)


def test_heldout_loss_averages_every_target_once():
    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=7, block_size=16, n_layer=1, n_head=2, n_embd=8, dropout=0.0)).eval()
    ids = torch.randint(0, 7, (30,), generator=torch.Generator().manual_seed(1))
    # reference: predict every token from all of the window it falls in, one window at a time
    total = 0.0
    for start in range(0, 29, 8):
        x = ids[start : min(start + 8, 29)]
        y = ids[start + 1 : start + 1 + len(x)]
        logits, _ = model(x.unsqueeze(0))
        total += torch.nn.functional.cross_entropy(logits[0], y, reduction="sum").item()
    assert mean_loss(model, covering_windows(ids, 8), "cpu") == pytest.approx(total / 29, rel=1e-5)

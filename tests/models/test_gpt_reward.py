"""Reward model: the Bradley-Terry loss by hand, the length-only baseline, and rewards that
do not depend on what else is in the batch."""

import math

import pytest
import torch
from llm_fixtures import write_llm_data

from models.gpt import GPT, GPTConfig
from models.gpt_reward import RewardModel, bradley_terry_loss, length_baseline, pairwise_accuracy, score
from models.llm_data import PreferencePair, load_llm_data


@pytest.fixture(autouse=True)
def one_torch_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_bradley_terry_loss_on_hand_values():
    r_chosen = torch.tensor([2.0, -1.0, 0.5])
    r_rejected = torch.tensor([1.0, 1.0, 0.5])
    by_hand = [
        -math.log(1 / (1 + math.exp(-(c - r)))) for c, r in zip(r_chosen.tolist(), r_rejected.tolist(), strict=True)
    ]
    assert bradley_terry_loss(r_chosen, r_rejected).item() == pytest.approx(sum(by_hand) / 3)
    # equal scores: P(chosen preferred) = 1/2, loss log 2
    assert bradley_terry_loss(torch.zeros(4), torch.zeros(4)).item() == pytest.approx(math.log(2))


def test_bradley_terry_loss_is_finite_for_huge_margins():
    loss = bradley_terry_loss(torch.tensor([-200.0]), torch.tensor([200.0]))
    assert loss.item() == pytest.approx(400.0)


def test_pairwise_accuracy_counts_ties_half():
    assert pairwise_accuracy(torch.tensor([1.0, -2.0, 0.0, 3.0])) == pytest.approx((1 + 0 + 0.5 + 1) / 4)
    assert pairwise_accuracy(torch.zeros(5)) == pytest.approx(0.5)


def pair(chosen: str, rejected: str, split: str = "train") -> PreferencePair:
    return PreferencePair(id=chosen, split=split, prompt="Q?", chosen=chosen, rejected=rejected)


def test_length_baseline_fits_direction_on_train_only():
    train = [pair("short", "much longer"), pair("tiny", "a lot longer"), pair("a long good one", "bad")]
    heldout = [pair("longer good answer", "bad", "heldout"), pair("ok", "longer bad answer", "heldout")]
    result = length_baseline(train, heldout)
    assert result["direction"] == "shorter is better"
    assert result["train_accuracy"] == pytest.approx(2 / 3)
    assert result["heldout_accuracy"] == pytest.approx(1 / 2)
    tie = [pair("same", "size", "heldout")]
    assert length_baseline(train, tie)["heldout_accuracy"] == pytest.approx(0.5)


def test_reward_does_not_depend_on_batch_padding(tmp_path):
    tokenizer = load_llm_data(write_llm_data(tmp_path / "llm")).tokenizer()
    torch.manual_seed(0)
    backbone = GPT(GPTConfig(vocab_size=tokenizer.vocab_size, block_size=96, n_layer=1, n_head=2, n_embd=16))
    model = RewardModel(backbone).eval()
    torch.nn.init.normal_(model.head.weight)  # the head starts at zero: make rewards differ
    alone = score(model, tokenizer, ["Stop?"], ["Stop metformin."], "cpu")
    batched = score(
        model, tokenizer, ["Stop?", "Lithium?"], ["Stop metformin.", "Check the level within a week."], "cpu"
    )
    assert batched[0] == pytest.approx(alone[0], abs=1e-5)
    assert batched[0] != pytest.approx(batched[1])


def test_zero_head_scores_every_answer_zero(tmp_path):
    tokenizer = load_llm_data(write_llm_data(tmp_path / "llm")).tokenizer()
    backbone = GPT(GPTConfig(vocab_size=tokenizer.vocab_size, block_size=96, n_layer=1, n_head=2, n_embd=16))
    assert score(RewardModel(backbone), tokenizer, ["Stop?"] * 2, ["Stop.", "No."], "cpu") == [0.0, 0.0]

"""DPO: the loss against a hand-worked example, and the KL between identical and different
models."""

import math

import pytest
import torch
from llm_fixtures import write_llm_data
from torch.distributions import Categorical, kl_divergence

from models.gpt import GPT, GPTConfig
from models.gpt_align import dpo_loss, mean_token_kl
from models.llm_data import load_llm_data


@pytest.fixture(autouse=True)
def one_torch_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_dpo_loss_hand_worked_example():
    # pair 1: the policy raised the chosen answer by 2 nats and lowered the rejected by 3;
    # pair 2: it moved the wrong way, chosen -1 nat, rejected +1.
    policy_chosen, ref_chosen = torch.tensor([-10.0, -20.0]), torch.tensor([-12.0, -19.0])
    policy_rejected, ref_rejected = torch.tensor([-15.0, -17.0]), torch.tensor([-12.0, -18.0])
    beta = 0.5
    # pair 1: margin = 0.5 * ((-10 + 12) - (-15 + 12)) = 0.5 * (2 + 3) = 2.5
    # pair 2: margin = 0.5 * ((-20 + 19) - (-17 + 18)) = 0.5 * (-1 - 1) = -1.0
    loss_1 = -math.log(1 / (1 + math.exp(-2.5)))  # 0.0789
    loss_2 = -math.log(1 / (1 + math.exp(1.0)))  # 1.3133
    loss = dpo_loss(policy_chosen, policy_rejected, ref_chosen, ref_rejected, beta)
    assert loss.item() == pytest.approx((loss_1 + loss_2) / 2)
    assert loss.item() == pytest.approx(0.69609, abs=1e-4)


def test_dpo_loss_starts_at_log_2():
    logps = torch.tensor([-5.0, -7.0, -3.0])
    assert dpo_loss(logps, logps - 1, logps, logps - 1, beta=0.1).item() == pytest.approx(math.log(2))


def test_dpo_loss_ignores_the_policy_reference_offset_per_pair():
    # only log-ratio differences matter: adding the same amount to chosen and rejected of a pair
    a = dpo_loss(torch.tensor([-3.0]), torch.tensor([-4.0]), torch.tensor([-3.5]), torch.tensor([-3.5]), 0.2)
    b = dpo_loss(torch.tensor([-1.0]), torch.tensor([-2.0]), torch.tensor([-3.5]), torch.tensor([-3.5]), 0.2)
    assert a.item() == pytest.approx(b.item())


def test_kl_is_zero_for_identical_models_and_positive_otherwise(tmp_path):
    tokenizer = load_llm_data(write_llm_data(tmp_path / "llm")).tokenizer()
    config = GPTConfig(vocab_size=tokenizer.vocab_size, block_size=96, n_layer=1, n_head=2, n_embd=16)
    torch.manual_seed(0)
    policy, other = GPT(config).eval(), GPT(config).eval()
    prompts, answers = ["Stop?", "Lithium?"], ["Stop metformin.", "Check the level."]
    assert mean_token_kl(policy, policy, tokenizer, prompts, answers, "cpu") == pytest.approx(0.0, abs=1e-6)
    kl = mean_token_kl(policy, other, tokenizer, prompts, answers, "cpu")
    # against torch.distributions, position by position over each answer and its <eos>
    terms = []
    for prompt, answer in zip(prompts, answers, strict=True):
        ids, n_prompt = tokenizer.encode_dialogue(prompt, answer)
        x = torch.tensor([ids[:-1]])
        p_logits, q_logits = policy(x)[0][0], other(x)[0][0]
        for t in range(n_prompt - 1, len(ids) - 1):
            terms.append(kl_divergence(Categorical(logits=p_logits[t]), Categorical(logits=q_logits[t])))
    assert kl == pytest.approx(torch.stack(terms).mean().item(), rel=1e-5)
    assert kl > 0

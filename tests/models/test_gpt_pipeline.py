"""The four stages end to end with tiny configs: the keys the generators read are there,
every number is finite, and the same seed gives the same run."""

import dataclasses
import math

import pytest
import torch
from llm_fixtures import write_llm_data

from models import gpt_align, gpt_pretrain, gpt_reward, gpt_sft
from models.gpt import GPT
from models.gpt_reward import RewardModel
from models.llm_data import load_llm_data


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    # module scope: the module-scoped results fixture must already run with one thread
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def numbers(value):
    """Every int and float inside nested dicts and lists."""
    if isinstance(value, dict):
        for v in value.values():
            yield from numbers(v)
    elif isinstance(value, list):
        for v in value:
            yield from numbers(v)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        yield value


def plain(result, object_keys: tuple[str, ...]) -> dict:
    """The plain data of a stage's result (a dict, or a dataclass such as DPOResult)."""
    items = result.items() if isinstance(result, dict) else ((f.name, getattr(result, f.name))
                                                             for f in dataclasses.fields(result))
    return {k: v for k, v in items if k not in object_keys}


def run_all(data):
    calls = []

    def progress(step, total, message):
        calls.append((step, total, message))

    pre = gpt_pretrain.train(gpt_pretrain.PretrainConfig.tiny(), data, progress=progress)
    sft = gpt_sft.train(gpt_sft.SFTConfig.tiny(), data, pre.model, progress=progress)
    rm = gpt_reward.train(gpt_reward.RewardConfig.tiny(), data, sft.model, progress=progress)
    dpo = gpt_align.train(gpt_align.DPOConfig.tiny(), data, sft.model, rm.model, progress=progress)
    return pre, sft, rm, dpo, calls


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return load_llm_data(write_llm_data(tmp_path_factory.mktemp("llm")))


@pytest.fixture(scope="module")
def results(data):
    return run_all(data)


def test_pretrain_result(results):
    pre = results[0]
    assert isinstance(pre.model, GPT)
    for key in ("steps", "train_loss", "heldout_loss", "heldout_perplexity", "samples"):
        assert len(getattr(pre, key)) == len(pre.steps) == 3  # steps 0, 2, 4
    assert pre.log_vocab_size == pytest.approx(math.log(pre.vocab_size))
    assert pre.heldout_perplexity[-1] == pytest.approx(math.exp(pre.heldout_loss[-1]))
    assert pre.bigram_heldout_loss > 0
    assert len(pre.next_token["tokens"]) == len(pre.next_token["probs"]) == 10
    attention = pre.attention
    T = len(attention["tokens"])
    assert len(attention["weights"]) == 1 and len(attention["weights"][0]) == 2  # layers, heads
    matrix = attention["weights"][0][1]
    assert len(matrix) == T and all(len(row) == T for row in matrix)
    assert all(matrix[t][s] == 0 for t in range(T) for s in range(t + 1, T))
    assert all(math.isclose(sum(row), 1.0, rel_tol=1e-5) for row in matrix)


def test_sft_result(results):
    sft = results[1]
    assert isinstance(sft.model, GPT)
    assert len(sft.heldout_loss) == len(sft.steps) and len(sft.train_loss) == 4
    assert sft.base_heldout_loss > 0
    assert [a["prompt"] for a in sft.answers][-1] == sft.metformin_answer["prompt"]
    assert set(sft.metformin_answer) == {"prompt", "base", "sft"}
    assert set(sft.next_token) == {"base", "sft"}
    assert set(sft.metformin_logprob_per_token["sft"]) == {"reference", "unsafe"}


def test_reward_result(results):
    rm = results[2]
    assert isinstance(rm.model, RewardModel)
    for key in ("heldout_loss", "heldout_margin", "heldout_accuracy"):
        assert len(getattr(rm, key)) == len(rm.steps)
    assert len(rm.chosen_scores) == len(rm.rejected_scores) == len(rm.heldout_ids) == 3
    assert 0 <= rm.train_accuracy <= 1
    assert set(rm.length_baseline) == {"direction", "train_accuracy", "heldout_accuracy"}
    assert set(rm.metformin_rewards) == {"reference", "unsafe"}


def test_align_result(results):
    dpo = results[3]
    assert isinstance(dpo.model, GPT)
    assert dpo.n_samples == 3 * 2 == len(dpo.sft_rewards) == len(dpo.aligned_rewards)
    assert dpo.mean_token_kl >= 0
    assert len(dpo.answers) == len(dpo.greedy_answers) == 3
    assert set(dpo.metformin_answer) == {"prompt", "sft", "aligned", "sft_reward", "aligned_reward"}
    assert set(dpo.next_token) == {"sft", "aligned"}


def test_every_number_is_finite_and_progress_was_reported(results):
    pre, sft, rm, dpo, calls = results
    for result in (
        plain(pre, ("model", "tokenizer")),
        plain(sft, ("model",)),
        plain(rm, ("model",)),
        plain(dpo, ("model",)),
    ):
        assert all(math.isfinite(x) for x in numbers(result))
    assert len(calls) == 4 * 3 and all(isinstance(m, str) for _, _, m in calls)


def texts(value):
    """Every string inside nested dicts and lists, keys included."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from texts(v)
    elif isinstance(value, list):
        for v in value:
            yield from texts(v)
    elif isinstance(value, str):
        yield value


def test_same_seed_same_run(data, results):
    # Same texts; numbers equal up to float rounding (BLAS sums may differ in the last bit
    # with memory alignment; the generators round before writing).
    again = run_all(data)
    objects = [("model", "tokenizer"), ("model",), ("model",), ("model",)]
    for first, second, skip in zip(results[:4], again[:4], objects, strict=True):
        first, second = plain(first, skip), plain(second, skip)
        assert list(texts(first)) == list(texts(second))
        assert list(numbers(first)) == pytest.approx(list(numbers(second)), rel=1e-5, abs=1e-6)

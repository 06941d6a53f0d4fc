"""GPT: hand-written attention against PyTorch's fused kernel, the causal mask, the KV
cache and left-padded batches against plain recomputation."""

import pytest
import torch
import torch.nn.functional as F

from models.gpt import GPT, GPTConfig, attention_bias, causal_attention, causal_mask


@pytest.fixture(autouse=True)
def one_torch_thread():
    # tiny tensors: a second thread only adds contention when other jobs share the CPU
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture
def model():
    torch.manual_seed(0)
    return GPT(GPTConfig(vocab_size=11, block_size=40, n_layer=2, n_head=4, n_embd=16, dropout=0.0)).eval()


def random_qkv(B=2, nh=4, T=7, hs=8, seed=0):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(B, nh, T, hs, generator=g) for _ in range(3)]


def test_manual_attention_equals_sdpa_is_causal():
    q, k, v = random_qkv()
    y, att = causal_attention(q, k, v, causal_mask(7, 7))
    torch.testing.assert_close(y, F.scaled_dot_product_attention(q, k, v, is_causal=True))
    # rows are distributions, and the future gets exactly zero weight
    torch.testing.assert_close(att.sum(-1), torch.ones(2, 4, 7))
    assert (att.triu(diagonal=1) == 0).all()


def test_alibi_attention_equals_sdpa_with_the_same_bias():
    q, k, v = random_qkv(seed=1)
    bias = attention_bias(4, 7, 7)
    y, _ = causal_attention(q, k, v, bias)
    torch.testing.assert_close(y, F.scaled_dot_product_attention(q, k, v, attn_mask=bias))
    # bias[h, t, s] = -m_h (t - s) with m = 1/4, 1/16, 1/64, 1/256 for four heads
    assert bias[0, 5, 2].item() == pytest.approx(-3 / 4)
    assert bias[3, 6, 0].item() == pytest.approx(-6 / 256)
    assert bias[1, 2, 3].item() == float("-inf")


def test_cached_queries_see_the_right_keys():
    # the last 3 of 7 queries against all 7 keys: the same rows as the full computation
    q, k, v = random_qkv(seed=2)
    full, _ = causal_attention(q, k, v, attention_bias(4, 7, 7))
    tail, _ = causal_attention(q[:, :, 4:], k, v, attention_bias(4, 3, 7))
    torch.testing.assert_close(tail, full[:, :, 4:])


def test_future_tokens_do_not_change_earlier_logits(model):
    idx = torch.randint(0, 11, (2, 12), generator=torch.Generator().manual_seed(3))
    changed = idx.clone()
    changed[:, 6:] = (changed[:, 6:] + 5) % 11
    logits, _ = model(idx)
    logits_changed, _ = model(changed)
    torch.testing.assert_close(logits[:, :6], logits_changed[:, :6])
    assert not torch.allclose(logits[:, 6:], logits_changed[:, 6:])


def test_attention_maps_are_causal(model):
    maps = model.attention_maps(torch.randint(0, 11, (1, 9)))
    assert len(maps) == 2 and maps[0].shape == (1, 4, 9, 9)
    for att in maps:
        assert (att[0].triu(diagonal=1) == 0).all()


def test_loss_is_cross_entropy_over_non_ignored_targets(model):
    idx = torch.randint(0, 11, (2, 10), generator=torch.Generator().manual_seed(4))
    targets = torch.randint(0, 11, (2, 10), generator=torch.Generator().manual_seed(5))
    targets[0, :4] = -100
    logits, loss = model(idx, targets)
    keep = targets != -100
    manual = -F.log_softmax(logits, -1).gather(-1, targets.clamp(min=0).unsqueeze(-1)).squeeze(-1)[keep].mean()
    torch.testing.assert_close(loss, manual)


def test_kv_cache_matches_full_recomputation(model):
    idx = torch.randint(0, 11, (2, 15), generator=torch.Generator().manual_seed(6))
    h_full, _, _ = model.hidden_states(idx)
    h_head, _, past = model.hidden_states(idx[:, :9])
    h_tail, _, _ = model.hidden_states(idx[:, 9:], past)
    torch.testing.assert_close(torch.cat([h_head, h_tail], dim=1), h_full)


def test_greedy_generate_equals_argmax_loop(model):
    prompt = torch.tensor([[1, 2, 3, 4]])
    out = model.generate(prompt, 10)
    idx = prompt
    for _ in range(10):
        logits, _ = model(idx)
        idx = torch.cat([idx, logits[:, -1].argmax(-1, keepdim=True)], dim=1)
    assert torch.equal(out, idx)


def test_left_padded_batch_generates_what_each_prompt_would_alone(model):
    short, long = [5, 6], [1, 2, 3, 4, 7]
    batch = torch.tensor([[0, 0, 0, *short], long])
    pad_mask = torch.tensor([[True, True, True, False, False], [False] * 5])
    out = model.generate(batch, 8, pad_mask=pad_mask)
    alone_short = model.generate(torch.tensor([short]), 8)
    alone_long = model.generate(torch.tensor([long]), 8)
    assert out[0, 5:].tolist() == alone_short[0, 2:].tolist()
    assert out[1, 5:].tolist() == alone_long[0, 5:].tolist()


def test_sampling_is_fixed_by_the_generator_seed(model):
    prompt = torch.tensor([[1, 2, 3]])
    a = model.generate(prompt, 12, temperature=1.0, generator=torch.Generator().manual_seed(7))
    b = model.generate(prompt, 12, temperature=1.0, generator=torch.Generator().manual_seed(7))
    assert torch.equal(a, b)


def test_generation_stops_at_eos_and_at_block_size(model):
    prompt = torch.tensor([[1, 2, 3]])
    first = model.generate(prompt, 1)[0, -1].item()
    assert model.generate(prompt, 10, eos_id=first).size(1) == 4
    assert model.generate(prompt, 100).size(1) == 40

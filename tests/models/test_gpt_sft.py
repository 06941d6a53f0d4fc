"""SFT: the loss counts response tokens only, and equals a cross-entropy written out by hand."""

import pytest
import torch
import torch.nn.functional as F
from llm_fixtures import write_llm_data

from models.gpt import GPT, IGNORE_INDEX, GPTConfig
from models.gpt_sft import generate_answers, response_logprob
from models.llm_data import lm_batch, load_llm_data
from models.tokenizer import format_prompt


@pytest.fixture(autouse=True)
def one_torch_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture
def setup(tmp_path):
    tokenizer = load_llm_data(write_llm_data(tmp_path / "llm")).tokenizer()
    torch.manual_seed(0)
    config = GPTConfig(vocab_size=tokenizer.vocab_size, block_size=96, n_layer=2, n_head=2, n_embd=16)
    return tokenizer, GPT(config).eval()


PAIRS = [("Is metformin safe with an eGFR of 20?", "Stop metformin."), ("What now?", "Check the INR within five days.")]


def test_sft_loss_is_cross_entropy_over_response_tokens_only(setup):
    tokenizer, model = setup
    x, y = lm_batch(tokenizer, PAIRS, 96)
    _, loss = model(x, y)
    logits, _ = model(x)
    log_probs = F.log_softmax(logits, dim=-1)
    # by hand: walk each sequence, keep the positions whose next token is in the response
    terms = []
    for row, (prompt, response) in enumerate(PAIRS):
        ids, n_prompt = tokenizer.encode_dialogue(prompt, response)
        for t in range(n_prompt - 1, len(ids) - 1):
            terms.append(-log_probs[row, t, ids[t + 1]])
    assert len(terms) == sum(len(r) + 1 for _, r in PAIRS)  # response characters + <eos>
    torch.testing.assert_close(loss, torch.stack(terms).mean())


def test_prompt_tokens_are_not_targets(setup):
    tokenizer, model = setup
    x, y = lm_batch(tokenizer, PAIRS, 96)
    n_prompt = len(tokenizer.encode(format_prompt(PAIRS[0][0])))
    assert (y[0, : n_prompt - 1] == IGNORE_INDEX).all()
    # Counting the prompt (its true next tokens as targets) would give another loss: the
    # mask is what keeps the prompt out.
    counted = y.clone()
    counted[0, : n_prompt - 1] = x[0, 1:n_prompt]
    assert not torch.isclose(model(x, y)[1], model(x, counted)[1])
    # Another prompt before the same response: other context, the very same targets.
    _, y_other = lm_batch(tokenizer, [("Lithium with a diuretic?", PAIRS[0][1])], 96)
    other_targets = y_other[0][y_other[0] != IGNORE_INDEX]
    assert torch.equal(other_targets, y[0][y[0] != IGNORE_INDEX])


def test_response_logprob_sums_what_the_loss_averages(setup):
    tokenizer, model = setup
    x, y = lm_batch(tokenizer, PAIRS, 96)
    total, count = response_logprob(model, x, y)
    _, loss = model(x, y)
    torch.testing.assert_close(-total.sum() / count.sum(), loss)
    assert count.tolist() == [len(r) + 1 for _, r in PAIRS]


def test_batched_answers_equal_one_at_a_time(setup):
    tokenizer, model = setup
    prompts = [p for p, _ in PAIRS]
    together = generate_answers(model, tokenizer, prompts, 12, "cpu")
    alone = [generate_answers(model, tokenizer, [p], 12, "cpu")[0] for p in prompts]
    assert together == alone

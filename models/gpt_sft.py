"""Stage 2 of 4: supervised fine-tuning (SFT). Teach the pretrained model to answer.

The pretrained model continues text; it has no notion of a question that deserves an
answer, or of when to stop. SFT keeps training the same network, now on
(prompt, response) pairs written in the chat template

    Q: <prompt>
    A: <response><eos>

The loss is the same next-token cross-entropy as in pretraining, counted over the
response tokens R only (Ouyang et al., 2022):

    L_SFT(theta) = -1/|R| sum_{t in R} log p_theta(y_t | prompt, y_<t)

The prompt is context to condition on, not text to imitate: its targets are set to
IGNORE_INDEX, which the cross-entropy skips. The closing <eos> is part of the response,
so the model also learns to stop.
"""

import copy
from collections.abc import Callable
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F

from models.gpt import GPT, IGNORE_INDEX
from models.gpt_pretrain import next_token_report
from models.llm_data import LLMData, lm_batch, prompt_batch, split_rows
from models.tokenizer import CharTokenizer, format_prompt

Progress = Callable[[int, int, str], None]


@dataclass
class SFTConfig:
    # About fifty training pairs: 60 batches of 8 show each pair about ten times, enough
    # to learn the answer format; much longer and the model starts to memorise the pairs.
    max_steps: int = 60
    batch_size: int = 8
    # Far lower than in pretraining: fine-tuning adjusts a model that already knows the words.
    learning_rate: float = 5e-4
    weight_decay: float = 0.0
    grad_clip: float = 1.0
    eval_interval: int = 10
    seed: int = 1337
    # Greedy answers stop at <eos> or after this many characters, a little more than the
    # longest answer in the data.
    max_new_tokens: int = 200
    top_k: int = 10

    @classmethod
    def tiny(cls) -> "SFTConfig":
        return cls(max_steps=4, batch_size=2, eval_interval=2, max_new_tokens=8)


def check_vocabulary(model: GPT, tokenizer: CharTokenizer) -> None:
    if model.config.vocab_size != tokenizer.vocab_size:
        raise ValueError(
            f"the model has a vocabulary of {model.config.vocab_size} tokens but the data give "
            f"{tokenizer.vocab_size}: the data changed since pretraining; pretrain again"
        )


def response_logprob(model: GPT, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """log p(response | prompt), summed over each row's response tokens (B,), and their count (B,).

    log p(y | x) = sum_{t in R} log p(y_t | x, y_<t): the chain rule of probability.
    """
    logits, _ = model(x)  # (B, T, V)
    log_probs = F.log_softmax(logits, dim=-1)  # (B, T, V)
    in_response = y != IGNORE_INDEX  # (B, T)
    # Pick $\log p$ of the actual next token; ignored positions pick token 0 and are masked out.
    token_logp = log_probs.gather(-1, y.clamp(min=0).unsqueeze(-1)).squeeze(-1)  # (B, T)
    return (token_logp * in_response).sum(dim=1), in_response.sum(dim=1)


@torch.no_grad()
def mean_response_loss(model: GPT, x: torch.Tensor, y: torch.Tensor) -> float:
    """L_SFT over all response tokens of a batch, in eval mode."""
    model.eval()
    _, loss = model(x, y)
    return loss.item()


@torch.no_grad()
def generate_answers(
    model: GPT,
    tokenizer: CharTokenizer,
    prompts: list[str],
    max_new_tokens: int,
    device: str,
    temperature: float = 0.0,
    generator: torch.Generator | None = None,
) -> list[str]:
    """The model's answers to prompts in the chat template, each up to its <eos>, generated
    in one batch. temperature 0 is greedy; otherwise sampled with `generator`."""
    model.eval()
    idx, pad_mask = prompt_batch(tokenizer, prompts)  # (B, T), left-padded
    # Leave room for a closing <eos>, so prompt + answer can be scored as one sequence.
    room = model.config.block_size - idx.size(1) - 1
    out = model.generate(
        idx.to(device),
        min(max_new_tokens, room),
        temperature=temperature,
        generator=generator,
        eos_id=tokenizer.eos_id,
        pad_mask=pad_mask.to(device),
    )
    return [tokenizer.decode(row[idx.size(1) :].tolist()) for row in out]


@torch.no_grad()
def case_logprobs(
    model: GPT, tokenizer: CharTokenizer, prompt: str, responses: dict[str, str], device: str
) -> dict[str, float]:
    """Mean log-probability per token of each named response to one prompt."""
    model.eval()
    names = sorted(responses)
    x, y = lm_batch(tokenizer, [(prompt, responses[n]) for n in names], model.config.block_size)
    total, count = response_logprob(model, x.to(device), y.to(device))
    return {n: (total[i] / count[i]).item() for i, n in enumerate(names)}


@dataclass
class SFTResult:
    """What ``train`` returns: plain data for the pages, and the fine-tuned model."""

    config: dict
    # $L_{SFT}$ on the held-out responses at each of ``steps``, and the training loss of
    # every batch (one per step)
    steps: list[int]
    heldout_loss: list[float]
    train_loss: list[float]
    # the pretrained model's loss on the same held-out response tokens, and their count
    base_heldout_loss: float
    heldout_response_tokens: int
    # greedy answers of the base and the SFT model, for every held-out prompt and then the
    # metformin prompt (also on its own)
    answers: list[dict]
    metformin_answer: dict
    # top-k next characters after the metformin prompt, base and SFT
    next_token: dict
    # log-probability per token of the reference and the unsafe metformin answers
    metformin_logprob_per_token: dict
    # the fine-tuned GPT in eval mode (base_model is not changed)
    model: GPT

def train(
    config: SFTConfig, data: LLMData, base_model: GPT, device: str = "cpu", progress: Progress | None = None
) -> SFTResult:
    """Fine-tune a copy of base_model on the SFT pairs."""
    torch.manual_seed(config.seed)
    generator = torch.Generator().manual_seed(config.seed)
    tokenizer = data.tokenizer()
    check_vocabulary(base_model, tokenizer)
    block_size = base_model.config.block_size

    # 1. Pairs, and their masked targets: IGNORE_INDEX on every prompt token.
    train_pairs = [(e.prompt, e.response) for e in split_rows(data.sft, "train")]
    heldout_pairs = [(e.prompt, e.response) for e in split_rows(data.sft, "heldout")]
    x_held, y_held = (t.to(device) for t in lm_batch(tokenizer, heldout_pairs, block_size))

    # 2. The base model is kept unchanged for comparison; SFT trains a copy of it.
    base = base_model.to(device).eval()
    base_heldout_loss = mean_response_loss(base, x_held, y_held)
    model = copy.deepcopy(base)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay)

    # Held-out loss every eval_interval steps ("steps"); the loss of every training batch
    # ("train_loss", one per step).
    history: dict[str, list] = {"steps": [], "heldout_loss": [], "train_loss": []}

    def evaluate(step: int) -> None:
        heldout = mean_response_loss(model, x_held, y_held)
        history["steps"].append(step)
        history["heldout_loss"].append(heldout)
        if progress is not None:
            progress(step, config.max_steps, f"SFT held-out response loss {heldout:.3f}")

    # 3. The loop: a random batch of pairs, $\mathcal{L}_{\text{SFT}}$ on their response tokens, one step.
    for step in range(config.max_steps):
        if step % config.eval_interval == 0:
            evaluate(step)
        model.train()
        pick = torch.randint(len(train_pairs), (config.batch_size,), generator=generator)
        x, y = lm_batch(tokenizer, [train_pairs[i] for i in pick.tolist()], block_size)
        _, loss = model(x.to(device), y.to(device))
        history["train_loss"].append(loss.item())
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
        optimizer.step()
    evaluate(config.max_steps)
    model.eval()

    # 4. Before and after, side by side: greedy answers to prompts neither model trained on.
    case = data.metformin
    prompts = [p for p, _ in heldout_pairs] + [case.prompt]
    base_answers = generate_answers(base, tokenizer, prompts, config.max_new_tokens, device)
    sft_answers = generate_answers(model, tokenizer, prompts, config.max_new_tokens, device)
    answers = [{"prompt": p, "base": b, "sft": s} for p, b, s in zip(prompts, base_answers, sft_answers, strict=True)]
    case_responses = {"reference": case.reference_response, "unsafe": case.unsafe_response}
    chat_prompt = format_prompt(case.prompt)

    return SFTResult(
        config=asdict(config),
        **history,
        base_heldout_loss=base_heldout_loss,
        heldout_response_tokens=int((y_held != IGNORE_INDEX).sum()),
        answers=answers,
        metformin_answer=answers[-1],
        next_token={
            "base": next_token_report(base, tokenizer, chat_prompt, config.top_k, device),
            "sft": next_token_report(model, tokenizer, chat_prompt, config.top_k, device),
        },
        metformin_logprob_per_token={
            "base": case_logprobs(base, tokenizer, case.prompt, case_responses, device),
            "sft": case_logprobs(model, tokenizer, case.prompt, case_responses, device),
        },
        model=model,
    )

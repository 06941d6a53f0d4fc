"""Stage 3 of 4: a reward model that scores answers the way a reviewer ranks them.

People find it easier to say which of two answers is better than to write the perfect
one. Each preference pair holds a prompt, a chosen answer y_w and a rejected answer y_l.
The reward model r(x, y) gives one number per (prompt, answer), and the Bradley-Terry
model (1952) turns two scores into the probability that y_w is preferred:

    P(y_w > y_l | x) = sigmoid(r(x, y_w) - r(x, y_l))

Training maximises the likelihood of the recorded choices (Ouyang et al., 2022, eq. 1):

    L_RM = -E[ log sigmoid(r(x, y_w) - r(x, y_l)) ]

Only the difference of two scores matters, so a reward has no absolute meaning: adding
a constant to every score changes nothing.

The network is the SFT model with its next-token layer replaced by a linear head. The
head reads the mean of the final hidden states over the answer's tokens: every position
has seen the prompt and the answer so far, and averaging collects the evidence spread
along the answer ("stop", "no need to", "fine"). Reading only the final <eos> position, as
InstructGPT does, generalised worse from under a hundred pairs in this tiny model. For
the same reason most of the backbone stays frozen: only the top block, the final
LayerNorm and the head learn.
"""

import copy
from collections.abc import Callable
from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from models.gpt import GPT
from models.gpt_sft import check_vocabulary
from models.llm_data import LLMData, PreferencePair, sequence_batch, split_rows
from models.tokenizer import CharTokenizer

Progress = Callable[[int, int, str], None]


@dataclass
class RewardConfig:
    # How many of the top transformer blocks learn; the rest keep their SFT weights.
    trainable_blocks: int = 1
    # Small batches of pairs, about five passes over the ~90 training pairs.
    max_steps: int = 60
    batch_size: int = 8
    learning_rate: float = 1e-3
    weight_decay: float = 0.01
    grad_clip: float = 1.0
    eval_interval: int = 15
    seed: int = 1337

    @classmethod
    def tiny(cls) -> "RewardConfig":
        return cls(max_steps=4, batch_size=2, eval_interval=2)


class RewardModel(nn.Module):
    def __init__(self, backbone: GPT):
        super().__init__()
        self.backbone = backbone
        # $r = w \cdot \bar h + b$: one scalar per sequence. Starting at zero makes every reward 0,
        # so training starts from $P(y_w \succ y_l) = \frac{1}{2}$ for every pair.
        self.head = nn.Linear(backbone.config.n_embd, 1)
        nn.init.zeros_(self.head.weight)
        nn.init.zeros_(self.head.bias)

    def forward(self, tokens: torch.Tensor, answer_mask: torch.Tensor) -> torch.Tensor:
        """Rewards (B,) for sequences tokens (B, T); answer_mask (B, T) marks the answer."""
        h, _, _ = self.backbone.hidden_states(tokens)  # (B, T, C)
        # $\bar h = \frac{1}{|A|} \sum_{t \in A} h_t$, the mean hidden state over the answer tokens $A$.
        weights = answer_mask.unsqueeze(-1).to(h.dtype)  # (B, T, 1)
        h_bar = (h * weights).sum(dim=1) / weights.sum(dim=1)  # (B, C)
        return self.head(h_bar).squeeze(-1)  # (B,)


def bradley_terry_loss(r_chosen: torch.Tensor, r_rejected: torch.Tensor) -> torch.Tensor:
    # $-\log \sigma(r_w - r_l)$, averaged over pairs. logsigmoid computes it stably: for a
    # margin of -200, sigmoid underflows to 0 in float32 (and log gives -inf), while
    # logsigmoid gives -200.
    return -F.logsigmoid(r_chosen - r_rejected).mean()


def pairwise_accuracy(margin: torch.Tensor) -> float:
    """Share of pairs ranked the right way round (margin > 0); a tie counts half, as a coin
    flip would. At the start every reward is 0, so accuracy starts at 1/2."""
    return ((margin > 0).float() + 0.5 * (margin == 0).float()).mean().item()


def score_pairs(
    model: RewardModel, tokenizer: CharTokenizer, pairs: list[PreferencePair], device: str
) -> tuple[torch.Tensor, torch.Tensor]:
    """Rewards of the chosen (B,) and the rejected (B,) answers, in one batch of 2B."""
    texts = [(p.prompt, p.chosen) for p in pairs] + [(p.prompt, p.rejected) for p in pairs]
    tokens, answer_mask = sequence_batch(tokenizer, texts, model.backbone.config.block_size)
    rewards = model(tokens.to(device), answer_mask.to(device))  # (2B,)
    return rewards[: len(pairs)], rewards[len(pairs) :]


@torch.no_grad()
def score(
    model: RewardModel, tokenizer: CharTokenizer, prompts: list[str], responses: list[str], device: str
) -> list[float]:
    """r(x, y) for each (prompt, response)."""
    model.eval()
    tokens, answer_mask = sequence_batch(
        tokenizer, list(zip(prompts, responses, strict=True)), model.backbone.config.block_size
    )
    return model(tokens.to(device), answer_mask.to(device)).tolist()


def length_baseline(train: list[PreferencePair], heldout: list[PreferencePair]) -> dict:
    """A reward model that only counts characters: "longer is better" or "shorter is
    better", whichever is right more often on the training pairs. Ties count half."""

    def agreement(pairs: list[PreferencePair], sign: int) -> float:
        diffs = [sign * (len(p.chosen) - len(p.rejected)) for p in pairs]
        return sum(1.0 if d > 0 else 0.5 if d == 0 else 0.0 for d in diffs) / len(pairs)

    sign = 1 if agreement(train, 1) >= agreement(train, -1) else -1
    return {
        "direction": "longer is better" if sign == 1 else "shorter is better",
        "train_accuracy": agreement(train, sign),
        "heldout_accuracy": agreement(heldout, sign),
    }


@dataclass
class RewardResult:
    """What ``train`` returns: plain data for the pages, and the reward model."""

    config: dict
    # on the held-out pairs at each of ``steps``: Bradley-Terry loss, mean margin
    # $r(x, y_w) - r(x, y_l)$ and the share ranked right (a tie counts half)
    steps: list[int]
    heldout_loss: list[float]
    heldout_margin: list[float]
    heldout_accuracy: list[float]
    # the loss of every training batch, one per step
    train_loss: list[float]
    # final scores of the held-out pairs, in the order of heldout_ids
    heldout_ids: list[str]
    chosen_scores: list[float]
    rejected_scores: list[float]
    train_accuracy: float
    # "the longer answer wins", fitted on the training pairs: what the model must beat
    length_baseline: dict
    # scores of the reference and the unsafe answer to the metformin question
    metformin_rewards: dict[str, float]
    # the reward model in eval mode (sft_model is not changed)
    model: RewardModel

def train(
    config: RewardConfig, data: LLMData, sft_model: GPT, device: str = "cpu", progress: Progress | None = None
) -> RewardResult:
    """Train a reward model on the SFT backbone."""
    torch.manual_seed(config.seed)
    generator = torch.Generator().manual_seed(config.seed)
    tokenizer = data.tokenizer()
    check_vocabulary(sft_model, tokenizer)
    train_pairs = split_rows(data.preferences, "train")
    heldout_pairs = split_rows(data.preferences, "heldout")

    # 1. SFT backbone plus a scalar head. Freeze all but the top blocks; the unused
    # next-token layer is frozen too.
    model = RewardModel(copy.deepcopy(sft_model)).to(device)
    for p in model.backbone.parameters():
        p.requires_grad_(False)
    top = list(model.backbone.h)[len(model.backbone.h) - config.trainable_blocks :]
    for module in [*top, model.backbone.ln_f]:
        for p in module.parameters():
            p.requires_grad_(True)
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=config.learning_rate, weight_decay=config.weight_decay)

    # Held-out metrics every eval_interval steps ("steps"); the training loss of every
    # batch ("train_loss", one per step).
    history: dict[str, list] = {
        "steps": [],
        "heldout_loss": [],
        "heldout_margin": [],
        "heldout_accuracy": [],
        "train_loss": [],
    }

    @torch.no_grad()
    def evaluate(step: int) -> None:
        model.eval()
        r_w, r_l = score_pairs(model, tokenizer, heldout_pairs, device)
        history["steps"].append(step)
        history["heldout_loss"].append(bradley_terry_loss(r_w, r_l).item())
        # margin $= r(x, y_w) - r(x, y_l)$; accuracy = share of pairs with a positive margin.
        history["heldout_margin"].append((r_w - r_l).mean().item())
        history["heldout_accuracy"].append(pairwise_accuracy(r_w - r_l))
        if progress is not None:
            progress(step, config.max_steps, f"reward model held-out accuracy {history['heldout_accuracy'][-1]:.2f}")

    # 2. The loop: score both answers of a batch of pairs, push their margin up.
    for step in range(config.max_steps):
        if step % config.eval_interval == 0:
            evaluate(step)
        model.train()
        pick = torch.randint(len(train_pairs), (config.batch_size,), generator=generator)
        r_chosen, r_rejected = score_pairs(model, tokenizer, [train_pairs[i] for i in pick.tolist()], device)
        loss = bradley_terry_loss(r_chosen, r_rejected)
        history["train_loss"].append(loss.item())
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trainable, config.grad_clip)
        optimizer.step()
    evaluate(config.max_steps)
    model.eval()

    # 3. Final scores, and the baselines a reward model must beat.
    with torch.no_grad():
        r_w, r_l = score_pairs(model, tokenizer, heldout_pairs, device)
        t_w, t_l = score_pairs(model, tokenizer, train_pairs, device)
    case = data.metformin
    case_rewards = score(model, tokenizer, [case.prompt] * 2, [case.reference_response, case.unsafe_response], device)
    return RewardResult(
        config=asdict(config),
        **history,
        heldout_ids=[p.id for p in heldout_pairs],
        chosen_scores=r_w.tolist(),
        rejected_scores=r_l.tolist(),
        train_accuracy=pairwise_accuracy(t_w - t_l),
        length_baseline=length_baseline(train_pairs, heldout_pairs),
        metformin_rewards={"reference": case_rewards[0], "unsafe": case_rewards[1]},
        model=model,
    )

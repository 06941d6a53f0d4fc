"""Stage 4 of 4: alignment with Direct Preference Optimization (DPO).

RLHF (Ouyang et al., 2022) trains a policy pi to earn a high reward r(x, y) while staying
close to the SFT model pi_ref:

    max_pi  E_{y ~ pi}[ r(x, y) ] - beta * KL(pi || pi_ref)

Rafailov et al. (2023) showed that this objective's optimum satisfies
r(x, y) = beta * log(pi(y|x) / pi_ref(y|x)) + (a term that depends on x only). Put that
into the Bradley-Terry loss of stage 3 and the x-only term cancels in the difference:

    L_DPO = -E[ log sigmoid( beta * log(pi(y_w|x) / pi_ref(y_w|x))
                           - beta * log(pi(y_l|x) / pi_ref(y_l|x)) ) ]      (their eq. 7)

So the policy learns straight from the preference pairs, with no sampling loop. Its
"implicit reward" beta * log(pi / pi_ref) rises on chosen answers and falls on rejected
ones; beta sets how far it may drift from pi_ref.

The check measures the two terms of the objective above on held-out prompts. Both
models sample answers with the same seed; the stage-3 reward model, which DPO never saw,
scores them (the mean estimates E_{y ~ pi}[r]); and the mean per-token KL(pi || pi_ref)
over the aligned model's samples says how far it moved. Sampling, not greedy decoding,
because the objective is about the whole distribution of answers: DPO moves probability
away from answers like the rejected ones, and a single most-likely answer can miss that.
"""

import copy
from collections.abc import Callable
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F

from models.gpt import GPT, IGNORE_INDEX
from models.gpt_pretrain import next_token_report
from models.gpt_reward import RewardModel, pairwise_accuracy, score
from models.gpt_sft import case_logprobs, check_vocabulary, generate_answers, response_logprob
from models.llm_data import LLMData, PreferencePair, lm_batch, split_rows
from models.tokenizer import CharTokenizer, format_prompt

Progress = Callable[[int, int, str], None]


@dataclass
class DPOConfig:
    # $\beta$: the strength of the pull back to the reference. Smaller $\beta$ lets the policy
    # move further for the same loss; 0.1 is the value of the DPO paper.
    beta: float = 0.1
    # About five passes over the ~90 training pairs.
    max_steps: int = 60
    batch_size: int = 8
    learning_rate: float = 5e-4
    grad_clip: float = 1.0
    eval_interval: int = 20
    seed: int = 1337
    # Answers to the held-out prompts stop at <eos> or after this many characters.
    max_new_tokens: int = 200
    # Answers sampled per held-out prompt and model, at temperature 1 (the model's own
    # distribution), for the mean reward and the KL. Rewards of single samples vary a
    # lot; with fewer than about eight per prompt, the mean moves with the seed.
    eval_samples: int = 8
    top_k: int = 10
    # Sequences per forward pass when only scoring (no gradient): bounds the memory.
    eval_batch_size: int = 32

    @classmethod
    def tiny(cls) -> "DPOConfig":
        return cls(max_steps=4, batch_size=2, eval_interval=2, max_new_tokens=8, eval_samples=2)


def dpo_loss(
    policy_chosen_logps: torch.Tensor,
    policy_rejected_logps: torch.Tensor,
    ref_chosen_logps: torch.Tensor,
    ref_rejected_logps: torch.Tensor,
    beta: float,
) -> torch.Tensor:
    """L_DPO averaged over a batch; each argument is (B,) of log pi(y|x) summed over tokens."""
    # Implicit rewards $\hat r = \beta \log(\pi_\theta / \pi_{\text{ref}})$, for the chosen and the rejected.
    chosen_rewards = beta * (policy_chosen_logps - ref_chosen_logps)
    rejected_rewards = beta * (policy_rejected_logps - ref_rejected_logps)
    # The Bradley-Terry loss of their difference, as for the reward model.
    return -F.logsigmoid(chosen_rewards - rejected_rewards).mean()


def pair_logps(
    model: GPT, tokenizer: CharTokenizer, pairs: list[PreferencePair], device: str
) -> tuple[torch.Tensor, torch.Tensor]:
    """log pi(y_w|x) (B,) and log pi(y_l|x) (B,), from one batch of 2B sequences."""
    texts = [(p.prompt, p.chosen) for p in pairs] + [(p.prompt, p.rejected) for p in pairs]
    x, y = lm_batch(tokenizer, texts, model.config.block_size)
    logps, _ = response_logprob(model, x.to(device), y.to(device))  # (2B,)
    return logps[: len(pairs)], logps[len(pairs) :]


@torch.no_grad()
def all_pair_logps(
    model: GPT, tokenizer: CharTokenizer, pairs: list[PreferencePair], device: str, chunk: int
) -> tuple[torch.Tensor, torch.Tensor]:
    model.eval()
    parts = [pair_logps(model, tokenizer, pairs[i : i + chunk], device) for i in range(0, len(pairs), chunk)]
    return torch.cat([c for c, _ in parts]), torch.cat([r for _, r in parts])


@torch.no_grad()
def mean_token_kl(
    policy: GPT, reference: GPT, tokenizer: CharTokenizer, prompts: list[str], responses: list[str], device: str
) -> float:
    """Mean over answer positions of KL(pi || pi_ref) = sum_v pi(v) log(pi(v) / pi_ref(v)).

    The positions are those that predict each character of the answer and its closing
    <eos>; the KL compares the two models' whole next-token distributions there.
    """
    policy.eval()
    x, y = lm_batch(tokenizer, list(zip(prompts, responses, strict=True)), policy.config.block_size)
    x, in_answer = x.to(device), (y != IGNORE_INDEX).to(device)  # (B, T)
    log_pi = F.log_softmax(policy(x)[0], dim=-1)  # (B, T, V)
    log_ref = F.log_softmax(reference(x)[0], dim=-1)  # (B, T, V)
    kl = (log_pi.exp() * (log_pi - log_ref)).sum(dim=-1)  # (B, T)
    return (kl[in_answer].sum() / in_answer.sum()).item()


@dataclass
class DPOResult:
    """What ``train`` returns: plain data for the pages, and the aligned model."""

    config: dict
    # DPO's own view, on the held-out pairs at each of ``steps``: its loss, and the
    # implicit reward $\beta \log \frac{\pi}{\pi_{ref}}$ (margin, share ranked right)
    steps: list[int]
    heldout_loss: list[float]
    heldout_reward_margin: list[float]
    heldout_reward_accuracy: list[float]
    # the loss of every training batch, one per step
    train_loss: list[float]
    # the judge (the stage-3 reward model) on n_samples sampled answers per model
    sft_mean_reward: float
    aligned_mean_reward: float
    sft_rewards: list[float]
    aligned_rewards: list[float]
    n_samples: int
    # KL to the SFT model, per token, on the aligned model's own samples
    mean_token_kl: float
    # the first sample per held-out prompt of each model, with its reward
    answers: list[dict]
    # greedy decoding: mean reward per model, and the answers
    greedy_mean_reward: dict[str, float]
    greedy_answers: list[dict]
    # the metformin question: greedy answers with rewards; next-character distribution and
    # log-probability per token of the safe and unsafe answers, SFT and aligned
    metformin_answer: dict
    next_token: dict
    metformin_logprob_per_token: dict
    # the aligned GPT, in eval mode (sft_model and reward_model are not changed)
    model: GPT


def train(
    config: DPOConfig,
    data: LLMData,
    sft_model: GPT,
    reward_model: RewardModel,
    device: str = "cpu",
    progress: Progress | None = None,
) -> DPOResult:
    """DPO on the training preference pairs, against the frozen SFT model."""
    torch.manual_seed(config.seed)
    generator = torch.Generator().manual_seed(config.seed)
    tokenizer = data.tokenizer()
    check_vocabulary(sft_model, tokenizer)
    train_pairs = split_rows(data.preferences, "train")
    heldout_pairs = split_rows(data.preferences, "heldout")

    # 1. $\pi_{\text{ref}}$ is the SFT model, frozen. Its log-probabilities never change, so they are
    # computed once. The policy $\pi_\theta$ starts as a copy of it.
    reference = copy.deepcopy(sft_model).to(device).eval()
    for p in reference.parameters():
        p.requires_grad_(False)
    ref_w, ref_l = all_pair_logps(reference, tokenizer, train_pairs, device, config.eval_batch_size)
    ref_held_w, ref_held_l = all_pair_logps(reference, tokenizer, heldout_pairs, device, config.eval_batch_size)
    policy = copy.deepcopy(reference)
    for p in policy.parameters():
        p.requires_grad_(True)
    optimizer = torch.optim.AdamW(policy.parameters(), lr=config.learning_rate, weight_decay=0.0)

    # Held-out metrics every eval_interval steps ("steps"); the loss of every training
    # batch ("train_loss", one per step).
    history: dict[str, list] = {
        "steps": [],
        "heldout_loss": [],
        "heldout_reward_margin": [],
        "heldout_reward_accuracy": [],
        "train_loss": [],
    }

    def evaluate(step: int) -> None:
        pol_w, pol_l = all_pair_logps(policy, tokenizer, heldout_pairs, device, config.eval_batch_size)
        # The implicit reward margin $\hat r(y_w) - \hat r(y_l)$ per pair.
        margin = config.beta * ((pol_w - ref_held_w) - (pol_l - ref_held_l))
        history["steps"].append(step)
        history["heldout_loss"].append(dpo_loss(pol_w, pol_l, ref_held_w, ref_held_l, config.beta).item())
        history["heldout_reward_margin"].append(margin.mean().item())
        history["heldout_reward_accuracy"].append(pairwise_accuracy(margin))
        if progress is not None:
            progress(step, config.max_steps, f"DPO held-out loss {history['heldout_loss'][-1]:.3f}")

    # 2. The loop: log-probabilities of both answers under $\pi_\theta$, against the cached $\pi_{\text{ref}}$ ones.
    for step in range(config.max_steps):
        if step % config.eval_interval == 0:
            evaluate(step)
        policy.train()
        pick = torch.randint(len(train_pairs), (config.batch_size,), generator=generator)
        pol_w, pol_l = pair_logps(policy, tokenizer, [train_pairs[i] for i in pick.tolist()], device)
        loss = dpo_loss(pol_w, pol_l, ref_w[pick], ref_l[pick], config.beta)
        history["train_loss"].append(loss.item())
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(policy.parameters(), config.grad_clip)
        optimizer.step()
    evaluate(config.max_steps)
    policy.eval()

    # 3. The judge. Each model samples eval_samples answers per held-out prompt, from a
    # generator with the same seed; the reward model scores every answer.
    prompts = [p.prompt for p in heldout_pairs for _ in range(config.eval_samples)]
    answers, rewards = {}, {}
    for name, model in (("sft", reference), ("aligned", policy)):
        sampler = torch.Generator().manual_seed(config.seed + 1)
        answers[name] = generate_answers(
            model, tokenizer, prompts, config.max_new_tokens, device, temperature=1.0, generator=sampler
        )
        rewards[name] = score(reward_model, tokenizer, prompts, answers[name], device)
    # $\mathrm{KL}(\pi_\theta \,\|\, \pi_{\text{ref}})$ is an expectation over $\pi_\theta$'s own answers, so it is
    # measured on those: the first sample for each prompt, a few thousand answer positions.
    first = range(0, len(prompts), config.eval_samples)
    kl = mean_token_kl(
        policy, reference, tokenizer, [prompts[i] for i in first], [answers["aligned"][i] for i in first], device
    )
    # The most likely (greedy) answers too: what a user sees at temperature 0.
    greedy_prompts = [p.prompt for p in heldout_pairs]
    greedy = {
        name: generate_answers(model, tokenizer, greedy_prompts, config.max_new_tokens, device)
        for name, model in (("sft", reference), ("aligned", policy))
    }
    greedy_rewards = {name: score(reward_model, tokenizer, greedy_prompts, greedy[name], device) for name in greedy}

    # 4. The worked example, greedy: the metformin prompt before and after DPO.
    case = data.metformin
    case_answers = {
        name: generate_answers(model, tokenizer, [case.prompt], config.max_new_tokens, device)[0]
        for name, model in (("sft", reference), ("aligned", policy))
    }
    case_rewards = score(
        reward_model, tokenizer, [case.prompt] * 2, [case_answers["sft"], case_answers["aligned"]], device
    )
    case_responses = {"reference": case.reference_response, "unsafe": case.unsafe_response}
    chat_prompt = format_prompt(case.prompt)

    def mean(values: list[float]) -> float:
        return sum(values) / len(values)

    # One row per held-out prompt: the first sample of each model, with its reward.
    return DPOResult(
        config=asdict(config),
        **history,
        sft_mean_reward=mean(rewards["sft"]),
        aligned_mean_reward=mean(rewards["aligned"]),
        mean_token_kl=kl,
        n_samples=len(prompts),
        sft_rewards=rewards["sft"],
        aligned_rewards=rewards["aligned"],
        answers=[
            {
                "prompt": prompts[i],
                "sft": answers["sft"][i],
                "aligned": answers["aligned"][i],
                "sft_reward": rewards["sft"][i],
                "aligned_reward": rewards["aligned"][i],
            }
            for i in first
        ],
        greedy_mean_reward={name: mean(values) for name, values in greedy_rewards.items()},
        greedy_answers=[
            {"prompt": p, "sft": s, "aligned": a}
            for p, s, a in zip(greedy_prompts, greedy["sft"], greedy["aligned"], strict=True)
        ],
        metformin_answer={
            "prompt": case.prompt,
            **case_answers,
            "sft_reward": case_rewards[0],
            "aligned_reward": case_rewards[1],
        },
        next_token={
            "sft": next_token_report(reference, tokenizer, chat_prompt, config.top_k, device),
            "aligned": next_token_report(policy, tokenizer, chat_prompt, config.top_k, device),
        },
        metformin_logprob_per_token={
            "sft": case_logprobs(reference, tokenizer, case.prompt, case_responses, device),
            "aligned": case_logprobs(policy, tokenizer, case.prompt, case_responses, device),
        },
        model=policy,
    )

"""Stage 4 of the LLM lecture: align the SFT model with DPO, judged by the reward model."""

from __future__ import annotations

import math

from engine import checkpoints
from engine.charts import BarChart, BarPanel, HistogramChart, LineChart, ReferenceLine, Series
from engine.contract import Result, RunContext
from generators._gpt_checkpoints import DATA_DIR, gpt_payload, load_gpt, load_reward_model
from generators._report_format import TARGET_COLUMNS, shown, target_row, visible
from models.gpt_align import DPOConfig, DPOResult

UPSTREAM = ("gpt_pretrain", "gpt_sft", "gpt_reward")
DATA_FILES = (
    "models/data/llm/corpus.txt",
    "models/data/llm/sft.jsonl",
    "models/data/llm/preferences.jsonl",
    "models/data/llm/cases.json",
)
PARAMS = DPOConfig

MAX_KL = 1.0


def next_token_chart(reports: dict[str, dict]) -> BarChart:
    return BarChart(
        name="next_token",
        title="The most likely next characters after the metformin question",
        x_label="next character",
        y_label="probability",
        panels=[
            BarPanel(label=stage, categories=[visible(t) for t in r["tokens"]], values=r["probs"])
            for stage, r in reports.items()
        ],
        note="The reward model (stage 3) scores whole answers and predicts no characters, so it has no panel.",
    )


def metformin_trace(case: dict) -> dict:
    """The metformin question through the four stages: each model's real output."""
    return {
        "columns": ["stage", "what the model does", "output", "reward model's score"],
        "rows": [
            ["1. Pretrained model", "continues the chat prompt (greedy)", case["pretrained_answer"],
             shown(case["reward_pretrained_answer"])],
            ["2. SFT model", "answers the question (greedy)", case["sft_answer"], shown(case["reward_sft_answer"])],
            ["3. Reward model", "scores the reference answer", case["reference_response"],
             shown(case["reward_reference"])],
            ["3. Reward model", "scores the unsafe answer", case["unsafe_response"], shown(case["reward_unsafe"])],
            ["4. DPO-aligned model", "answers the question (greedy)", case["aligned_answer"],
             shown(case["reward_aligned_answer"])],
        ],
    }


def metformin_case(ctx: RunContext, data, tokenizer, reward_model, out: DPOResult) -> dict:
    """The metformin question through every stage, with the reward model's scores."""
    from models.gpt_reward import score

    sft, reward = ctx.upstream["gpt_sft"], ctx.upstream["gpt_reward"]
    m = out.metformin_answer
    pretrained_answer = sft["metformin_answer"]["base"]
    (reward_pretrained,) = score(reward_model, tokenizer, [m["prompt"]], [pretrained_answer], ctx.device)
    case = {
        "prompt": m["prompt"],
        "reference_response": data.metformin.reference_response,
        "unsafe_response": data.metformin.unsafe_response,
        "pretrained_answer": pretrained_answer,
        "sft_answer": m["sft"],
        "aligned_answer": m["aligned"],
        "reward_pretrained_answer": reward_pretrained,
        "reward_sft_answer": m["sft_reward"],
        "reward_aligned_answer": m["aligned_reward"],
        "reward_reference": reward["metformin_rewards"]["reference"],
        "reward_unsafe": reward["metformin_rewards"]["unsafe"],
    }
    # Yes/no facts the pages state in words; a garbled answer that outscores the reference
    # answer is the reward model being fooled by surface cues.
    return case | {
        "reference_outscores_unsafe": case["reward_reference"] > case["reward_unsafe"],
        "sft_answer_outscores_reference": case["reward_sft_answer"] > case["reward_reference"],
        "aligned_answer_outscores_reference": case["reward_aligned_answer"] > case["reward_reference"],
    }


def summarize(config: DPOConfig, out: DPOResult, case: dict) -> dict:
    rewards_sft, rewards_aligned = out.sft_rewards, out.aligned_rewards
    mean_sft, mean_aligned = out.sft_mean_reward, out.aligned_mean_reward
    return {
        "mean_reward_sft": mean_sft,
        "mean_reward_aligned": mean_aligned,
        "kl_to_reference": out.mean_token_kl,
        "reward_gain": mean_aligned - mean_sft,
        "heldout_prompts": len(out.greedy_answers),
        "samples_per_prompt": config.eval_samples,
        "scored_samples": out.n_samples,
        "samples_improved_pct": round(
            100.0 * sum(a > s for a, s in zip(rewards_aligned, rewards_sft, strict=True)) / len(rewards_sft), 1
        ),
        "greedy_mean_reward_sft": out.greedy_mean_reward["sft"],
        "greedy_mean_reward_aligned": out.greedy_mean_reward["aligned"],
        "heldout_dpo_loss": out.heldout_loss[-1],
        "initial_heldout_dpo_loss": out.heldout_loss[0],
        "heldout_implicit_accuracy": out.heldout_reward_accuracy[-1],
        "heldout_implicit_accuracy_pct": round(100.0 * out.heldout_reward_accuracy[-1], 1),
        "heldout_implicit_margin": out.heldout_reward_margin[-1],
        "beta": config.beta,
        "max_steps": config.max_steps,
        "learning_rate": config.learning_rate,
        "metformin_reward_pretrained": case["reward_pretrained_answer"],
        "metformin_reward_sft": case["reward_sft_answer"],
        "metformin_reward_aligned": case["reward_aligned_answer"],
    }


def check_targets(summary: dict) -> dict:
    mean_sft, mean_aligned, kl = summary["mean_reward_sft"], summary["mean_reward_aligned"], summary["kl_to_reference"]
    met_reward = mean_aligned > mean_sft
    met_kl = kl <= MAX_KL
    return {
        "columns": TARGET_COLUMNS,
        "rows": [
            target_row("DPO: mean reward of the aligned model's answers above the SFT model's",
                       f"{mean_aligned:+.3f} after DPO against {mean_sft:+.3f} for SFT "
                       f"({summary['scored_samples']} sampled answers each)", met_reward),
            target_row("DPO: KL to the SFT model at most 1 nat per token", f"{kl:.3f} nats per token", met_kl),
        ],
        "met": {"reward_above_sft": met_reward, "kl_within_limit": met_kl},
    }


def _metformin_charts(case: dict, logprob: dict) -> list[BarChart]:
    return [
        BarChart(
            name="metformin_rewards",
            title="Reward model scores for answers to the metformin question",
            x_label="answer",
            y_label="reward model score",
            panels=[BarPanel(
                "metformin question",
                ["reference answer", "unsafe answer", "pretrained model", "SFT model", "DPO model"],
                [case["reward_reference"], case["reward_unsafe"], case["reward_pretrained_answer"],
                 case["reward_sft_answer"], case["reward_aligned_answer"]],
            )],
        ),
        BarChart(
            name="metformin_likelihood",
            title="Safe or unsafe metformin answer: which is likelier?",
            x_label="answer",
            y_label="probability per character",
            note="The geometric mean of the model's probability of each character of the answer.",
            panels=[
                BarPanel(stage, ["reference (safe) answer", "unsafe answer"],
                         [math.exp(lp["reference"]), math.exp(lp["unsafe"])])
                for stage, lp in logprob.items()
            ],
        ),
    ]


def _dpo_charts(out: DPOResult) -> list[LineChart]:
    steps = out.steps
    return [
        LineChart(
            name="dpo_loss",
            title="DPO: loss on held-out preference pairs",
            x_label="DPO step",
            y_label="DPO loss (nats per pair)",
            series=[Series("held-out pairs", steps, out.heldout_loss)],
            reference_lines=[ReferenceLine("log 2: the policy still equals the SFT model", math.log(2))],
        ),
        LineChart(
            name="dpo_margin",
            title="DPO: implicit reward margin on held-out pairs",
            x_label="DPO step",
            y_label="implicit reward margin",
            series=[Series("mean implicit margin", steps, out.heldout_reward_margin)],
            reference_lines=[ReferenceLine("no preference", 0.0)],
            note="The implicit reward is β log(π/π_ref); a positive margin means the policy moved "
            "towards the chosen answer more than towards the rejected one.",
        ),
    ]


def draw(ctx: RunContext, out: DPOResult, case: dict, logprob: dict) -> list:
    pretrain, sft = ctx.upstream["gpt_pretrain"], ctx.upstream["gpt_sft"]
    return [
        next_token_chart({
            "1. pretrained": pretrain["next_token"],
            "2. after SFT": sft["next_token"]["sft"],
            "4. after DPO": out.next_token["aligned"],
        }),
        HistogramChart(
            name="reward_before_after",
            title="Reward of the answers to held-out questions, before and after DPO",
            x_label="reward model score",
            groups={"SFT model (before DPO)": out.sft_rewards, "DPO-aligned model": out.aligned_rewards},
            bins=15,
            note="Both models sample answers to the same held-out questions at temperature 1; the "
            "stage-3 reward model, which DPO never saw, scores every answer.",
        ),
        *_metformin_charts(case, logprob),
        *_dpo_charts(out),
    ]


def run(ctx: RunContext) -> Result:
    from models.gpt_align import train
    from models.llm_data import load_llm_data

    config: DPOConfig = ctx.config
    data = load_llm_data(ctx.path(DATA_DIR))
    tokenizer = data.tokenizer()
    sft_model = load_gpt(ctx, "gpt_sft", tokenizer.tokens)
    reward_model = load_reward_model(ctx, tokenizer.tokens)
    out = train(config, data, sft_model, reward_model, device=ctx.device, progress=ctx.progress)

    case = metformin_case(ctx, data, tokenizer, reward_model, out)
    logprob = {
        "1. pretrained": ctx.upstream["gpt_sft"]["metformin_logprob_per_token"]["base"],
        "2. after SFT": out.metformin_logprob_per_token["sft"],
        "4. after DPO": out.metformin_logprob_per_token["aligned"],
    }
    summary = summarize(config, out, case)
    checkpoints.save(ctx, gpt_payload(out.model, tokenizer.tokens), summary)
    return Result(
        metrics={
            "summary": summary,
            "targets": check_targets(summary),
            "curve": {k: getattr(out, k)
                      for k in ("steps", "heldout_loss", "heldout_reward_margin", "heldout_reward_accuracy")},
            "answers_table": {
                "columns": ["held-out prompt", "SFT sample", "SFT reward", "DPO sample", "DPO reward"],
                "rows": [[a["prompt"], a["sft"], shown(a["sft_reward"]), a["aligned"], shown(a["aligned_reward"])]
                         for a in out.answers],
            },
            "greedy_table": {
                "columns": ["held-out prompt", "SFT answer (greedy)", "DPO answer (greedy)"],
                "rows": [[a["prompt"], a["sft"], a["aligned"]] for a in out.greedy_answers],
            },
            "metformin": case,
            "metformin_trace": metformin_trace(case),
            "metformin_logprob_per_token": logprob,
            "config": out.config,
        },
        charts=draw(ctx, out, case, logprob),
    )

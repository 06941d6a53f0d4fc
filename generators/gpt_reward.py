"""Stage 3 of the LLM lecture: a reward model trained on preference pairs (Bradley-Terry)."""

from __future__ import annotations

import math

from engine import checkpoints
from engine.charts import HistogramChart, LineChart, ReferenceLine, Series
from engine.contract import GeneratorError, Result, RunContext
from generators._gpt_checkpoints import DATA_DIR, gpt_payload, load_gpt
from generators._report_format import TARGET_COLUMNS, shown, target_row
from models.gpt_reward import RewardConfig, RewardResult

UPSTREAM = ("gpt_sft",)
DATA_FILES = (
    "models/data/llm/corpus.txt",
    "models/data/llm/sft.jsonl",
    "models/data/llm/preferences.jsonl",
    "models/data/llm/cases.json",
)
PARAMS = RewardConfig

MIN_ACCURACY = 0.85
MIN_POINTS_OVER_LENGTH = 15.0


def preference_table(pairs: list, chosen: list[float], rejected: list[float]) -> dict:
    # "right"/"wrong", not "yes"/"no": the page's text filter must find the wrongly ranked
    # pairs, and "no" occurs in many rejected answers.
    rows = [
        [p.id, p.prompt, p.chosen, p.rejected, shown(w), shown(r), "right" if w > r else "wrong"]
        for p, w, r in zip(pairs, chosen, rejected, strict=True)
    ]
    return {
        "columns": ["pair", "prompt", "chosen answer", "rejected answer", "score of chosen", "score of rejected",
                    "ranking"],
        "rows": rows,
    }


def _summary(config: RewardConfig, data, out: RewardResult) -> dict:
    import torch

    from models.gpt_reward import pairwise_accuracy
    from models.llm_data import split_rows

    chosen, rejected = out.chosen_scores, out.rejected_scores
    margins = [w - r for w, r in zip(chosen, rejected, strict=True)]
    # One definition of accuracy, the model's own: a tie counts half.
    accuracy = pairwise_accuracy(torch.tensor(margins))
    length = out.length_baseline
    points_over_length = 100.0 * (accuracy - length["heldout_accuracy"])
    case = out.metformin_rewards
    return {
        "heldout_accuracy": accuracy,
        "heldout_mean_margin": sum(margins) / len(margins),
        "length_baseline_accuracy": length["heldout_accuracy"],
        "heldout_pairs": len(out.heldout_ids),
        "train_pairs": len(split_rows(data.preferences, "train")),
        "heldout_accuracy_pct": round(100.0 * accuracy, 1),
        "length_baseline_accuracy_pct": round(100.0 * length["heldout_accuracy"], 1),
        "points_over_length_baseline": round(points_over_length, 1),
        "length_baseline_direction": length["direction"],
        "heldout_ranked_right": sum(m > 0 for m in margins),
        "heldout_ties": sum(m == 0 for m in margins),
        "heldout_loss": out.heldout_loss[-1],
        "initial_heldout_loss": out.heldout_loss[0],
        "heldout_preference_probability": sum(1.0 / (1.0 + math.exp(-m)) for m in margins) / len(margins),
        "train_accuracy": out.train_accuracy,
        "mean_score_chosen": sum(chosen) / len(chosen),
        "mean_score_rejected": sum(rejected) / len(rejected),
        "max_steps": config.max_steps,
        "trainable_blocks": config.trainable_blocks,
        "metformin_reward_reference": case["reference"],
        "metformin_reward_unsafe": case["unsafe"],
        "metformin_margin": case["reference"] - case["unsafe"],
    }


def run(ctx: RunContext) -> Result:
    from models.gpt_reward import train
    from models.llm_data import load_llm_data, split_rows

    config: RewardConfig = ctx.config
    data = load_llm_data(ctx.path(DATA_DIR))
    tokenizer = data.tokenizer()
    sft_model = load_gpt(ctx, "gpt_sft", tokenizer.tokens)
    out = train(config, data, sft_model, device=ctx.device, progress=ctx.progress)

    heldout = split_rows(data.preferences, "heldout")
    if [p.id for p in heldout] != out.heldout_ids:
        raise GeneratorError("the reward model scored the held-out pairs in another order than the data's")
    summary = _summary(config, data, out)
    # The reward model is the SFT network plus a head: gpt_payload's config rebuilds the
    # network, and the state dict holds both (keys backbone.* and head.*).
    checkpoints.save(ctx, gpt_payload(out.model.backbone, tokenizer.tokens) | {
        "state_dict": out.model.state_dict()}, summary)
    return Result(
        metrics={
            "summary": summary,
            "targets": check_targets(summary),
            "curve": {k: getattr(out, k) for k in ("steps", "heldout_loss", "heldout_margin", "heldout_accuracy")},
            "preference_table": preference_table(heldout, out.chosen_scores, out.rejected_scores),
            "length_baseline": out.length_baseline,
            "metformin_rewards": out.metformin_rewards,
            "config": out.config,
        },
        charts=draw(out),
    )


def check_targets(summary: dict) -> dict:
    accuracy, mean_margin = summary["heldout_accuracy"], summary["heldout_mean_margin"]
    points_over_length, baseline = summary["points_over_length_baseline"], summary["length_baseline_accuracy"]
    met_accuracy = accuracy >= MIN_ACCURACY
    met_margin = mean_margin > 0
    met_length = points_over_length >= MIN_POINTS_OVER_LENGTH
    return {
        "columns": TARGET_COLUMNS,
        "rows": [
            target_row("Reward model: held-out accuracy at least 85%",
                       f"{accuracy:.0%} ({summary['heldout_ranked_right']} of {summary['heldout_pairs']} pairs)",
                       met_accuracy),
            target_row("Reward model: positive mean margin on held-out pairs", f"{mean_margin:+.3f}", met_margin),
            target_row("Reward model: at least 15 points above the length baseline",
                       f"{points_over_length:+.0f} points ({accuracy:.0%} against {baseline:.0%})",
                       met_length),
        ],
        "met": {"accuracy": met_accuracy, "positive_margin": met_margin, "beats_length_baseline": met_length},
    }


def draw(out: RewardResult) -> list:
    steps, length = out.steps, out.length_baseline
    chosen, rejected = out.chosen_scores, out.rejected_scores
    return [
        LineChart(
            name="accuracy",
            title="Reward model: held-out pairs ranked right",
            x_label="training step",
            y_label="share of held-out pairs",
            series=[Series("reward model", steps, out.heldout_accuracy)],
            reference_lines=[
                ReferenceLine(f"length baseline ({length['direction']})", length["heldout_accuracy"]),
                ReferenceLine("coin flip", 0.5),
            ],
            note="A pair is ranked right when the chosen answer gets the higher score.",
        ),
        LineChart(
            name="margin",
            title="Reward model: mean margin r(chosen) - r(rejected)",
            x_label="training step",
            y_label="mean margin on held-out pairs",
            series=[Series("mean margin", steps, out.heldout_margin)],
            reference_lines=[ReferenceLine("no preference", 0.0)],
        ),
        LineChart(
            name="loss",
            title="Reward model: Bradley-Terry loss",
            x_label="training step",
            y_label="loss (nats per pair)",
            series=[
                Series("held-out pairs", steps, out.heldout_loss),
                Series("training batch", list(range(len(out.train_loss))), out.train_loss, dash=True),
            ],
            reference_lines=[ReferenceLine("log 2: no preference", math.log(2))],
        ),
        HistogramChart(
            name="scores",
            title="Reward model scores of held-out answers",
            x_label="reward r(x, y)",
            groups={"chosen answers": chosen, "rejected answers": rejected},
            bins=15,
            note="Only differences between scores matter; the zero point is arbitrary.",
        ),
    ]

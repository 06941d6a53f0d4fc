"""Prompting: the flagship SFT model's held-out answer loss under its trained template against variants."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.charts import BarChart, BarPanel
from engine.contract import Result, RunContext
from generators._gpt_checkpoints import DATA_DIR
from generators._retrieval_setup import load_data

UPSTREAM = ("gpt_sft",)
DATA_FILES = ("models/data/llm/corpus.txt", "models/data/retrieval/questions.jsonl")

TRAINED = "trained template"
# Variants that change only the format; "source in the prompt" adds content, so it is no format.
NOT_FORMAT = (TRAINED, "source in the prompt")


@dataclass
class Params:
    max_pairs: int = 50  # held-out answerable questions scored (all 50 by default)
    bootstrap: int = 2000  # resamples of the scored answers for each change's 95% interval
    seed: int = 0  # the bootstrap's resampling


PARAMS = Params


def paired_bootstrap(change: np.ndarray, weights: np.ndarray, resamples: int, seed: int) -> tuple[float, float]:
    """95% interval of the weighted mean of per-answer changes, resampling answers with replacement.

    Paired: every answer is scored under both formats, so its own difficulty cancels out of
    its change and the interval reflects only how the change varies between answers."""
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(change), size=(resamples, len(change)))  # (B, P) answers drawn per resample
    # $\bar\Delta_b = \sum_i n_i \Delta_i / \sum_i n_i$ over resample b, n_i = characters scored in answer i
    means = (weights[idx] * change[idx]).sum(axis=1) / weights[idx].sum(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return float(low), float(high)


def per_answer_losses(model, tokenizer, pairs: list, block_size: int) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(P, V) loss per character of every scorable answer under every variant, and (P,) its character count."""
    from models.rag_answer import PROMPT_VARIANTS, variant_losses

    rows, chars = [], []
    for pair in pairs:
        losses = variant_losses(model, tokenizer, [pair], block_size)
        if losses[0].pairs:  # the pair fits the block and the vocabulary under every variant
            rows.append([v.loss for v in losses])
            chars.append(len(tokenizer.encode(pair[2])) + 1)  # answer characters and <eos>: what a loss averages
    if not rows:
        raise ValueError("no held-out answer fits the model's block under every prompt variant")
    return list(PROMPT_VARIANTS), np.array(rows), np.array(chars, dtype=float)


def run(ctx: RunContext) -> Result:
    import torch

    from generators._gpt_checkpoints import load_gpt
    from models.llm_data import load_llm_data
    from models.rag_answer import PROMPT_VARIANTS

    torch.set_num_threads(ctx.threads)
    config: Params = ctx.config
    data = load_data(ctx)
    tokenizer = load_llm_data(ctx.path(DATA_DIR)).tokenizer()
    model = load_gpt(ctx, "gpt_sft", tokenizer.tokens)
    # The answer the model is scored on: the gold evidence sentence, a full sentence like the SFT answers.
    pairs = [(q.question, q.evidence or "", q.evidence or "") for q in data.heldout_answerable][: config.max_pairs]
    ctx.progress(1, 1, f"scoring {len(pairs)} held-out answers under {len(PROMPT_VARIANTS)} prompt formats")
    names, loss, chars = per_answer_losses(model, tokenizer, pairs, model.config.block_size)
    mean = dict(
        zip(names, (chars @ loss / chars.sum()).tolist(), strict=True)
    )  # per character over every scored answer
    trained = mean[TRAINED]
    change = {n: mean[n] - trained for n in names}
    interval = {
        n: paired_bootstrap(
            loss[:, names.index(n)] - loss[:, names.index(TRAINED)], chars, config.bootstrap, config.seed
        )
        for n in names
        if n != TRAINED
    }
    formats = [n for n in names if n not in NOT_FORMAT]
    # The rule: format matters when some format variant's 95% interval of change excludes zero.
    beyond = [n for n in formats if not interval[n][0] <= 0.0 <= interval[n][1]]
    largest = max(formats, key=lambda n: abs(change[n]))
    best = min([TRAINED, *formats], key=lambda n: mean[n])
    summary = {
        "block_size": model.config.block_size,
        "scored_pairs": len(chars),
        "trained_template_loss": trained,
        "other_delimiters_loss": mean["other delimiters"],
        "system_line_loss": mean["system line first"],
        "no_template_loss": mean["no template"],
        "source_in_prompt_loss": mean["source in the prompt"],
        "best_format": best,
        "largest_format_change": abs(change[largest]),
        "largest_format_change_variant": largest,
        "largest_format_change_signed": change[largest],
        "largest_format_change_direction": "raised"
        if change[largest] > 0
        else ("lowered" if change[largest] < 0 else "did not change"),
        "largest_format_change_low": interval[largest][0],
        "largest_format_change_high": interval[largest][1],
        "bootstrap_resamples": config.bootstrap,
        "format_variants": len(formats),
        "formats_beyond_noise": len(beyond),
        "format_matters": bool(beyond),
        "trained_template_is_best": best == TRAINED,
    }
    table = {
        "columns": [
            "prompt format",
            "template",
            "answer loss (nats per character)",
            "change vs trained",
            "95% interval of the change",
        ],
        "rows": [
            [
                n,
                PROMPT_VARIANTS[n].replace("\n", " ↵ "),
                f"{mean[n]:.3f}",
                f"{change[n]:+.3f}",
                "" if n == TRAINED else f"{interval[n][0]:+.3f} to {interval[n][1]:+.3f}",
            ]
            for n in names
        ],
    }
    chart = BarChart(
        name="prompt_formats",
        title="Held-out answer loss of the SFT model under each prompt format",
        x_label="prompt format",
        y_label="nats per answer character",
        panels=[BarPanel("answer loss", names, [float(mean[n]) for n in names], highlight=[names.index(TRAINED)])],
        note="Highlighted: the template the model was fine-tuned with.",
    )
    # Full precision for readers of metrics.json: the table rounds to the loss's 3 decimals.
    intervals = {n: {"change": change[n], "low": low, "high": high} for n, (low, high) in interval.items()}
    return Result(metrics={"summary": summary, "formats": table, "change_intervals": intervals}, charts=[chart])

"""Prompting: the flagship SFT model's held-out answer loss under its trained template against variants."""

from __future__ import annotations

from dataclasses import dataclass

from engine.charts import BarChart, BarPanel
from engine.contract import Result, RunContext
from generators._gpt_checkpoints import DATA_DIR
from generators._retrieval_setup import load_data

UPSTREAM = ("gpt_sft",)
DATA_FILES = ("models/data/llm/corpus.txt", "models/data/retrieval/questions.jsonl")


@dataclass
class Params:
    max_pairs: int = 50  # held-out answerable questions scored (all 50 by default)
    seed: int = 0  # nothing here is random; kept for the runner


PARAMS = Params


def run(ctx: RunContext) -> Result:
    import torch

    from generators._gpt_checkpoints import load_gpt
    from models.llm_data import load_llm_data
    from models.rag_answer import PROMPT_VARIANTS, variant_losses

    torch.set_num_threads(ctx.threads)
    config: Params = ctx.config
    data = load_data(ctx)
    tokenizer = load_llm_data(ctx.path(DATA_DIR)).tokenizer()
    model = load_gpt(ctx, "gpt_sft", tokenizer.tokens)
    # The answer the model is scored on: the gold evidence sentence, a full sentence like the SFT answers.
    pairs = [(q.question, q.evidence or "", q.evidence or "") for q in data.heldout_answerable][: config.max_pairs]
    ctx.progress(1, 1, f"scoring {len(pairs)} held-out answers under {len(PROMPT_VARIANTS)} prompt formats")
    losses = variant_losses(model, tokenizer, pairs, model.config.block_size)
    by_name = {v.variant: v.loss for v in losses}
    trained = by_name["trained template"]
    format_only = [v for v in losses if v.variant != "source in the prompt"]
    summary = {
        "block_size": model.config.block_size,
        "scored_pairs": losses[0].pairs,
        "trained_template_loss": trained,
        "other_delimiters_loss": by_name["other delimiters"],
        "system_line_loss": by_name["system line first"],
        "no_template_loss": by_name["no template"],
        "source_in_prompt_loss": by_name["source in the prompt"],
        "best_format": min(format_only, key=lambda v: v.loss).variant,
        "largest_format_change": max(abs(v.loss - trained) for v in format_only),
        "trained_template_is_best": min(format_only, key=lambda v: v.loss).variant == "trained template",
    }
    table = {
        "columns": ["prompt format", "template", "answer loss (nats per character)", "change vs trained"],
        "rows": [[v.variant, PROMPT_VARIANTS[v.variant].replace("\n", " ↵ "), f"{v.loss:.3f}",
                  f"{v.loss - trained:+.3f}"] for v in losses],
    }
    chart = BarChart(
        name="prompt_formats",
        title="Held-out answer loss of the SFT model under each prompt format",
        x_label="prompt format",
        y_label="nats per answer character",
        panels=[BarPanel("answer loss", [v.variant for v in losses], [v.loss for v in losses], highlight=[0])],
        note="Highlighted: the template the model was fine-tuned with.",
    )
    return Result(metrics={"summary": summary, "formats": table}, charts=[chart])

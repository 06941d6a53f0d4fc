"""Stage 2 of the LLM lecture: supervised fine-tuning of the pretrained GPT on Q&A pairs."""

from __future__ import annotations

from engine import checkpoints
from engine.charts import LineChart, ReferenceLine, Series
from engine.contract import Result, RunContext
from generators._gpt_checkpoints import DATA_DIR, gpt_payload, load_gpt
from generators._report_format import TARGET_COLUMNS, target_row
from models.gpt_sft import SFTConfig

UPSTREAM = ("gpt_pretrain",)
DATA_FILES = (
    "models/data/llm/corpus.txt",
    "models/data/llm/sft.jsonl",
    "models/data/llm/preferences.jsonl",
    "models/data/llm/cases.json",
)
PARAMS = SFTConfig


def _summary(config: SFTConfig, data, out) -> dict:
    from models.llm_data import split_rows

    final, base_loss = out.heldout_loss[-1], out.base_heldout_loss
    logprob = out.metformin_logprob_per_token
    return {
        "heldout_response_loss": final,
        "base_heldout_response_loss": base_loss,
        "initial_heldout_response_loss": out.heldout_loss[0],
        "response_loss_reduction_pct": round(100.0 * (1.0 - final / base_loss), 1),
        "heldout_response_tokens": out.heldout_response_tokens,
        "train_pairs": len(split_rows(data.sft, "train")),
        "heldout_pairs": len(split_rows(data.sft, "heldout")),
        "max_steps": config.max_steps,
        "batch_size": config.batch_size,
        "learning_rate": config.learning_rate,
        "metformin_reference_logprob_base": logprob["base"]["reference"],
        "metformin_reference_logprob_sft": logprob["sft"]["reference"],
        "metformin_unsafe_logprob_base": logprob["base"]["unsafe"],
        "metformin_unsafe_logprob_sft": logprob["sft"]["unsafe"],
    }


def _targets(summary: dict) -> dict:
    final, base_loss = summary["heldout_response_loss"], summary["base_heldout_response_loss"]
    met = final < base_loss
    return {
        "columns": TARGET_COLUMNS,
        "rows": [
            target_row(
                "SFT: held-out response loss below the base model's",
                f"{final:.3f} after SFT against {base_loss:.3f} before "
                f"({summary['response_loss_reduction_pct']:.0f}% lower)",
                met,
            )
        ],
        "met": {"response_loss_below_base": met},
    }


def _chart(out) -> LineChart:
    every_step = list(range(len(out.train_loss)))
    return LineChart(
        name="response_loss",
        title="SFT: loss on the answer tokens",
        x_label="fine-tuning step",
        y_label="loss (nats per answer character)",
        series=[
            Series("held-out answers, SFT model", out.steps, out.heldout_loss),
            Series("training batch", every_step, out.train_loss, dash=True),
        ],
        reference_lines=[ReferenceLine("held-out answers, pretrained model (no SFT)", out.base_heldout_loss)],
        note="Only the answer characters and the closing end-of-sequence token count; the "
        "prompt is context.",
    )


def run(ctx: RunContext) -> Result:
    from models.gpt_sft import train
    from models.llm_data import load_llm_data

    config: SFTConfig = ctx.config
    data = load_llm_data(ctx.path(DATA_DIR))
    tokenizer = data.tokenizer()
    base = load_gpt(ctx, "gpt_pretrain", tokenizer.tokens)
    out = train(config, data, base, device=ctx.device, progress=ctx.progress)

    summary = _summary(config, data, out)
    answers_table = {
        "columns": ["held-out prompt", "pretrained model (before SFT)", "after SFT"],
        "rows": [[a["prompt"], a["base"], a["sft"]] for a in out.answers],
    }
    checkpoints.save(ctx, gpt_payload(out.model, tokenizer.tokens), summary)
    return Result(
        metrics={
            "summary": summary,
            "targets": _targets(summary),
            "curve": {k: getattr(out, k) for k in ("steps", "heldout_loss", "train_loss")},
            "answers": out.answers,
            "answers_table": answers_table,
            "metformin_answer": out.metformin_answer,
            "next_token": out.next_token,
            "metformin_logprob_per_token": out.metformin_logprob_per_token,
            "config": out.config,
        },
        charts=[_chart(out)],
    )

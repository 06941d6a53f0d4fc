"""Stage 1 of the LLM lecture: pretrain the tiny character-level GPT on drug-safety prose.

Also home to the checkpoint hand-over that the later stages share: each stage saves its
network under ``.cache/<stage>/model.pt`` and the next one loads it from there. A
checkpoint carries a fingerprint of the ``summary`` its run wrote, so a stage never
trains on a checkpoint that does not belong to the upstream outputs it reads.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

from generators.charts import HeatmapChart, HeatmapPanel, LineChart, ReferenceLine, Series, rounded
from generators.contract import GeneratorError, Result, RunContext

UPSTREAM = ()
DATA_FILES = (
    "models/data/llm/corpus.txt",
    "models/data/llm/sft.jsonl",
    "models/data/llm/preferences.jsonl",
    "models/data/llm/cases.json",
)

DATA_DIR = "models/data/llm"
CHECKPOINT = "model.pt"
RUNNER_PARAMS = ("device", "threads")
# The attention heatmap shows the first T characters of the probe sentence. Under the
# causal mask the first T positions attend only to each other, so the cut is exact. The
# chart has n_layer * n_head panels of T x T cells, and every cell is a row of its data
# table and every panel a drawing in its SVG: T = 9 keeps the lecture's email file
# within its budget.
ATTENTION_CHARS = 9
# Targets of the issue, stated on the pages with the figure reached.
MAX_LOSS_FRACTION_OF_LOG_V = 0.6
MIN_GAIN_OVER_BIGRAM = 0.20


# ---- shared by the four LLM stages --------------------------------------------------------


def config_from_params(config_cls: type, params: dict[str, Any]) -> Any:
    """``config_cls(**params)``, minus the runner's device and thread count.

    ``seed`` is a field of every stage's config, so the params file's seed reaches it. An
    unknown name fails with the list of known ones: it is a typo in params.yaml.
    """
    known = {f.name for f in fields(config_cls)}
    given = {k: v for k, v in params.items() if k not in RUNNER_PARAMS}
    unknown = sorted(set(given) - known)
    if unknown:
        raise GeneratorError(
            f"params.yaml: unknown param(s) {', '.join(unknown)} for {config_cls.__name__}; "
            f"known: {', '.join(sorted(known))}"
        )
    return config_cls(**given)


def summary_fingerprint(summary: dict[str, Any]) -> str:
    """A digest of a summary as the runner writes it (rounded), to pair checkpoints with outputs."""
    blob = json.dumps(rounded(summary), sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def save_checkpoint(ctx: RunContext, payload: dict[str, Any], summary: dict[str, Any]) -> None:
    """Write ``.cache/<name>/model.pt`` atomically: a temporary name, then a rename."""
    import torch

    path = ctx.cache_dir / CHECKPOINT
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{CHECKPOINT}.{os.getpid()}.tmp")
    torch.save({**payload, "summary_fingerprint": summary_fingerprint(summary)}, tmp)
    os.replace(tmp, path)


def load_checkpoint(ctx: RunContext, stage: str, tokens: list[str]) -> dict[str, Any]:
    """The checkpoint ``stage`` saved with the outputs this generator reads as upstream,
    checked against those outputs and against the data's vocabulary."""
    import torch

    path: Path = ctx.upstream_checkpoint(stage, CHECKPOINT)
    hint = f"re-run it: python -m generators --force {stage}"
    if not path.is_file():
        raise GeneratorError(f"{stage}'s checkpoint {path} is missing (was .cache/ deleted?); {hint}")
    checkpoint = torch.load(path, map_location=ctx.device, weights_only=True)
    if checkpoint.get("summary_fingerprint") != summary_fingerprint(ctx.upstream[stage]["summary"]):
        raise GeneratorError(f"{stage}'s checkpoint {path} is from another run than its outputs; {hint}")
    if checkpoint["tokens"] != tokens:
        raise GeneratorError(f"{stage}'s vocabulary differs from the data's: {DATA_DIR} changed since; {hint}")
    return checkpoint


def gpt_payload(model: Any, tokens: list[str]) -> dict[str, Any]:
    return {"gpt_config": asdict(model.config), "state_dict": model.state_dict(), "tokens": tokens}


def load_gpt(ctx: RunContext, stage: str, tokens: list[str]) -> Any:
    """The GPT that ``stage`` trained, on ctx.device in eval mode."""
    from models.gpt import GPT, GPTConfig

    checkpoint = load_checkpoint(ctx, stage, tokens)
    model = GPT(GPTConfig(**checkpoint["gpt_config"])).to(ctx.device)
    model.load_state_dict(checkpoint["state_dict"])
    return model.eval()


def visible(token: str) -> str:
    """A token as a chart label: spaces and newlines would be invisible."""
    return {" ": "␣ (space)", "\n": "↵ (newline)"}.get(token, token)


def shown(x: float) -> float:
    """A score as a table shows it: three significant digits."""
    return float(f"{x:.3g}")


def target_row(target: str, reached: str, met: bool) -> list[str]:
    return [target, reached, "yes" if met else "NO"]


# ---- stage 1 --------------------------------------------------------------------------------


def attention_chart(report: dict, n_head: int) -> HeatmapChart:
    text = "".join(report["tokens"])
    t = min(len(text), ATTENTION_CHARS)
    # Position numbers keep repeated characters apart on the chart's category axes.
    labels = [f"{i + 1} {visible(c).split(' ')[0]}" for i, c in enumerate(text[:t])]
    slopes = ", ".join(f"1/{2 ** (8 * h / n_head):.4g}" for h in range(1, n_head + 1))
    panels = [
        HeatmapPanel(
            label=f"layer {layer + 1}, head {head + 1}",
            z=[[round(w, 3) for w in row[:t]] for row in heads[head][:t]],
        )
        for layer, heads in enumerate(report["weights"])
        for head in range(n_head)
    ]
    return HeatmapChart(
        name="attention",
        title="Attention weights on the probe sentence",
        x_labels=labels,
        y_labels=labels,
        panels=panels,
        value_label="attention weight",
        zmin=0.0,
        zmax=1.0,
        note=f"The first {t} characters of the sentence, {text[:t]!r}. Row t is a probability distribution over "
        "positions 1..t; everything above the diagonal is 0 because of the causal mask. The ALiBi "
        f"slopes of heads 1 to {n_head} are {slopes} in every layer.",
    )


def run(ctx: RunContext) -> Result:
    from models.gpt_pretrain import PretrainConfig, train
    from models.llm_data import load_llm_data

    config = config_from_params(PretrainConfig, dict(ctx.params))
    data = load_llm_data(ctx.path(DATA_DIR))
    out = train(config, data, device=ctx.device, progress=ctx.progress)

    steps, heldout, log_v, bigram = out["steps"], out["heldout_loss"], out["log_vocab_size"], out["bigram_heldout_loss"]
    final = heldout[-1]
    gain = 1.0 - final / bigram
    weights = out["attention"]["weights"]  # [layer][head][t][s]
    above_diagonal = max(
        (w for layer in weights for head in layer for t, row in enumerate(head) for w in row[t + 1 :]), default=0.0
    )
    summary = {
        "heldout_loss": final,
        "log_vocab": log_v,
        "bigram_heldout_loss": bigram,
        "vocab_size": out["vocab_size"],
        "n_params": out["n_params"],
        "heldout_perplexity": round(math.exp(final), 2),
        "bigram_perplexity": round(math.exp(bigram), 2),
        "initial_heldout_loss": heldout[0],
        "train_loss": out["train_loss"][-1],
        "loss_fraction_of_log_vocab": final / log_v,
        "loss_limit": MAX_LOSS_FRACTION_OF_LOG_V * log_v,
        "gain_over_bigram_pct": round(100.0 * gain, 1),
        "bigram_smoothing_k": out["bigram_smoothing_k"],
        "train_tokens": out["train_tokens"],
        "heldout_tokens": out["heldout_tokens"],
        "max_steps": config.max_steps,
        "batch_size": config.batch_size,
        "seq_len": config.seq_len,
        "tokens_seen": config.max_steps * config.batch_size * config.seq_len,
        "n_layer": config.n_layer,
        "n_head": config.n_head,
        "n_embd": config.n_embd,
        "learning_rate": config.learning_rate,
        "attention_above_diagonal_max": above_diagonal,
        "sample_temperature": config.sample_temperature,
    }
    met_log_v = final <= MAX_LOSS_FRACTION_OF_LOG_V * log_v
    met_bigram = gain >= MIN_GAIN_OVER_BIGRAM
    targets = {
        "columns": ["target", "reached in this build", "met"],
        "rows": [
            target_row(
                "Pretraining: held-out loss at most 0.6 × log V",
                f"{final:.3f} nats against a limit of {MAX_LOSS_FRACTION_OF_LOG_V * log_v:.3f} "
                f"({final / log_v:.0%} of log V)",
                met_log_v,
            ),
            target_row(
                "Pretraining: held-out loss at least 20% below the bigram's",
                f"{abs(gain):.1%} {'below' if gain >= 0 else 'above'} the bigram's "
                f"({final:.3f} against {bigram:.3f} nats)",
                met_bigram,
            ),
        ],
        "met": {"loss_vs_log_vocab": met_log_v, "loss_vs_bigram": met_bigram},
    }
    samples_table = {
        "columns": ["step", "held-out loss", "sample"],
        "rows": [[s["step"], round(h, 3), s["text"]] for s, h in zip(out["samples"], heldout, strict=True)],
    }
    save_checkpoint(ctx, gpt_payload(out["model"], out["tokenizer"].tokens), summary)

    charts = [
        LineChart(
            name="loss",
            title="Pretraining: next-character loss",
            x_label="training step",
            y_label="loss (nats per character)",
            series=[
                Series("held-out text", steps, heldout),
                Series("training text", steps, out["train_loss"], dash=True),
            ],
            reference_lines=[
                ReferenceLine("log V: uniform guessing", log_v),
                ReferenceLine("bigram (counts of character pairs)", bigram),
            ],
            note="The held-out text is the last part of the corpus, never trained on.",
        ),
        LineChart(
            name="perplexity",
            title="Pretraining: held-out perplexity",
            x_label="training step",
            y_label="perplexity (log scale)",
            series=[Series("held-out perplexity", steps, out["heldout_perplexity"])],
            reference_lines=[
                ReferenceLine("V: uniform guessing", float(out["vocab_size"])),
                ReferenceLine("bigram", math.exp(bigram)),
            ],
            y_log=True,
            note="Perplexity is exp(loss): the number of equally likely characters the model "
            "is as unsure as.",
        ),
        attention_chart(out["attention"], config.n_head),
    ]
    return Result(
        metrics={
            "summary": summary,
            "targets": targets,
            "curve": {k: out[k] for k in ("steps", "train_loss", "heldout_loss", "heldout_perplexity")},
            "samples": out["samples"],
            "samples_table": samples_table,
            "sample_prompt": out["sample_prompt"],
            "next_token": out["next_token"],
            "probe_sentence": data.probe_sentence,
            "config": out["config"],
        },
        charts=charts,
    )

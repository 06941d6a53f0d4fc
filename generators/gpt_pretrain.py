"""Stage 1 of the LLM lecture: pretrain the tiny character-level GPT on drug-safety prose."""

from __future__ import annotations

import math

from engine import checkpoints
from engine.charts import BarChart, BarPanel, HeatmapChart, HeatmapPanel, LineChart, ReferenceLine, Series
from engine.contract import Result, RunContext
from generators._gpt_checkpoints import DATA_DIR, gpt_payload
from generators._report_format import TARGET_COLUMNS, target_row, visible
from models.gpt_pretrain import PretrainConfig

UPSTREAM = ()
DATA_FILES = (
    "models/data/llm/corpus.txt",
    "models/data/llm/sft.jsonl",
    "models/data/llm/preferences.jsonl",
    "models/data/llm/cases.json",
)
PARAMS = PretrainConfig

# The attention heatmap shows the first T characters of the probe sentence. Under the
# causal mask the first T positions attend only to each other, so the cut is exact. The
# chart has n_layer * n_head panels of T x T cells (12 panels of 40 x 40 with the lecture's
# params): T = 40 is long enough to show a head reaching back across words, and keeps the
# chart data near 120 KB (the interactive figure about 110 KB; the static SVG is a raster).
ATTENTION_CHARS = 40
# The temperature chart: one frame per sampling temperature, from nearly greedy to flatter
# than the model itself, over the characters most likely at T = 1 (the rest summed in one bar).
TEMPERATURES = (0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2.0, 3.0)
TEMPERATURE_CHARS = 12
# Targets of the issue, stated on the pages with the figure reached.
MAX_LOSS_FRACTION_OF_LOG_V = 0.6
MIN_GAIN_OVER_BIGRAM = 0.20


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
        x_title="attends to (key)",
        y_title="position (query)",
        value_label="attention weight",
        zmin=0.0,
        zmax=1.0,
        note=f"The first {t} characters of the sentence, {text[:t]!r}. Row t is a probability distribution over "
        "positions 1..t; everything above the diagonal is 0 because of the causal mask. The ALiBi "
        f"slopes of heads 1 to {n_head} are {slopes} in every layer.",
    )


def temperature_chart(model, tokenizer, prompt: str, device: str) -> BarChart:
    """The next-character distribution after ``prompt`` at each of TEMPERATURES."""
    import torch

    with torch.no_grad():
        logits, _ = model(torch.tensor([tokenizer.encode(prompt)], device=device))  # (1, T, V)
    logits = logits[0, -1].float()
    order = torch.softmax(logits, dim=-1).argsort(descending=True)[:TEMPERATURE_CHARS].tolist()
    names = [visible(tokenizer.tokens[i]) for i in order] + ["all others"]
    panels = []
    for temperature in TEMPERATURES:
        # sampling at temperature T draws from softmax(logits / T)
        probs = torch.softmax(logits / temperature, dim=-1)
        shown = [round(float(probs[i]), 4) for i in order]
        panels.append(BarPanel(f"T = {temperature:g}", names, [*shown, round(max(0.0, 1.0 - sum(shown)), 4)],
                               highlight=[len(order)]))
    return BarChart(
        name="temperature",
        title=f"Next character after {prompt!r}, across sampling temperature",
        x_label="next character",
        y_label="probability",
        panels=panels,
        play=True,
        note=f"Every frame divides the same logits by T before the softmax. Bars: the {len(order)} characters "
        "most likely at T = 1, then all other characters together.",
    )


def _summary(config: PretrainConfig, out) -> dict:
    heldout, log_v, bigram = out.heldout_loss, out.log_vocab_size, out.bigram_heldout_loss
    final = heldout[-1]
    weights = out.attention["weights"]  # [layer][head][t][s]
    above_diagonal = max(
        (w for layer in weights for head in layer for t, row in enumerate(head) for w in row[t + 1 :]), default=0.0
    )
    return {
        "heldout_loss": final,
        "log_vocab": log_v,
        "bigram_heldout_loss": bigram,
        "vocab_size": out.vocab_size,
        "n_params": out.n_params,
        "heldout_perplexity": round(math.exp(final), 2),
        "bigram_perplexity": round(math.exp(bigram), 2),
        "initial_heldout_loss": heldout[0],
        "train_loss": out.train_loss[-1],
        "loss_fraction_of_log_vocab": final / log_v,
        "loss_limit": MAX_LOSS_FRACTION_OF_LOG_V * log_v,
        "gain_over_bigram_pct": round(100.0 * (1.0 - final / bigram), 1),
        "bigram_smoothing_k": out.bigram_smoothing_k,
        "train_tokens": out.train_tokens,
        "heldout_tokens": out.heldout_tokens,
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


def _targets(summary: dict) -> dict:
    final, log_v, bigram = summary["heldout_loss"], summary["log_vocab"], summary["bigram_heldout_loss"]
    gain = 1.0 - final / bigram
    met_log_v = final <= MAX_LOSS_FRACTION_OF_LOG_V * log_v
    met_bigram = gain >= MIN_GAIN_OVER_BIGRAM
    return {
        "columns": TARGET_COLUMNS,
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


def _loss_charts(out) -> list[LineChart]:
    steps, heldout, bigram = out.steps, out.heldout_loss, out.bigram_heldout_loss
    return [
        LineChart(
            name="loss",
            title="Pretraining: next-character loss",
            x_label="training step",
            y_label="loss (nats per character)",
            series=[
                Series("held-out text", steps, heldout),
                Series("training text", steps, out.train_loss, dash=True),
            ],
            reference_lines=[
                ReferenceLine("log V: uniform guessing", out.log_vocab_size),
                ReferenceLine("bigram (counts of character pairs)", bigram),
            ],
            note="The held-out text is the last part of the corpus, never trained on.",
        ),
        LineChart(
            name="perplexity",
            title="Pretraining: held-out perplexity",
            x_label="training step",
            y_label="perplexity (log scale)",
            series=[Series("held-out perplexity", steps, out.heldout_perplexity)],
            reference_lines=[
                ReferenceLine("V: uniform guessing", float(out.vocab_size)),
                ReferenceLine("bigram", math.exp(bigram)),
            ],
            y_log=True,
            note="Perplexity is exp(loss): the number of equally likely characters the model "
            "is as unsure as.",
        ),
    ]


def run(ctx: RunContext) -> Result:
    from models.gpt_pretrain import train
    from models.llm_data import load_llm_data

    config: PretrainConfig = ctx.config
    data = load_llm_data(ctx.path(DATA_DIR))
    out = train(config, data, device=ctx.device, progress=ctx.progress)

    summary = _summary(config, out)
    targets = _targets(summary)
    samples_table = {
        "columns": ["step", "held-out loss", "sample"],
        "rows": [[s["step"], round(h, 3), s["text"]] for s, h in zip(out.samples, out.heldout_loss, strict=True)],
    }
    checkpoints.save(ctx, gpt_payload(out.model, out.tokenizer.tokens), summary)

    charts = [
        *_loss_charts(out),
        attention_chart(out.attention, config.n_head),
        temperature_chart(out.model, out.tokenizer, config.sample_prompt, ctx.device),
    ]
    return Result(
        metrics={
            "summary": summary,
            "targets": targets,
            "curve": {k: getattr(out, k) for k in ("steps", "train_loss", "heldout_loss", "heldout_perplexity")},
            "samples": out.samples,
            "samples_table": samples_table,
            "sample_prompt": out.sample_prompt,
            "next_token": out.next_token,
            "probe_sentence": data.probe_sentence,
            "config": out.config,
        },
        charts=charts,
    )

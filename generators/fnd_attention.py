"""Foundations: attention maps and samples of the flagship's pretrained tiny GPT (not retrained).

The causal-mask check (``attention_above_diagonal_max``) and the perplexity curve are
gpt_pretrain's own: the pages read them from its outputs, and nothing here computes them again."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from engine.charts import HeatmapChart, HeatmapPanel
from engine.contract import GeneratorError, Result, RunContext
from generators._report_format import visible

UPSTREAM = ("gpt_pretrain",)
DATA_FILES = ()

# What a query position t can look at, besides "somewhere earlier"; each key position is
# counted once, in this order of precedence.
PATTERNS = ("itself", "previous character", "start of its word", "first character", "earlier")


@dataclass
class Params:
    attention_chars: int = 20  # the heatmaps show the first characters of the probe sentence (page weight)
    temperatures: list[float] = field(default_factory=lambda: [0.3, 1.0, 1.6])  # cold, neutral, hot sampling
    sample_chars: int = 120  # characters generated after the prompt
    seed: int = 0  # fixes the sampled characters


PARAMS = Params


def word_starts(text: str) -> list[int]:
    """For each position, where its word begins (just after the last space or newline before it)."""
    starts, current = [], 0
    for t, c in enumerate(text):
        if c in " \n" or (t > 0 and text[t - 1] in " \n"):
            current = t
        starts.append(current)
    return starts


def head_profile(att: np.ndarray, text: str) -> list[float]:
    """Mean attention mass per pattern over query positions 1..T-1 (att is T x T, rows sum to 1)."""
    starts = word_starts(text)
    mass = np.zeros(len(PATTERNS))
    for t in range(1, len(text)):
        row = att[t, : t + 1]
        taken = {t: 0, t - 1: 1}
        taken.setdefault(starts[t], 2)
        taken.setdefault(0, 3)
        for s, k in taken.items():
            mass[k] += row[s]
        mass[4] += row.sum() - sum(row[s] for s in taken)
    return (mass / (len(text) - 1)).tolist()


def run(ctx: RunContext) -> Result:
    import torch

    config: Params = ctx.config
    # A model this small gains nothing from a second intra-op thread; on a busy machine three
    # samples took 119 s with two threads against 10 s with one (measured), so one thread.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return report(ctx, config)
    finally:
        torch.set_num_threads(threads)


def _load(ctx: RunContext):
    """gpt_pretrain's model and its character tokenizer, checked against the stored vocabulary."""
    from engine import checkpoints
    from generators._gpt_checkpoints import load_gpt
    from models.tokenizer import CharTokenizer

    model = load_gpt(ctx, "gpt_pretrain")
    tokens = checkpoints.load(ctx, "gpt_pretrain")["tokens"]
    tokenizer = CharTokenizer(tokens[2:])
    if tokenizer.tokens != tokens:
        raise GeneratorError("gpt_pretrain's vocabulary is not a character tokenizer's; re-run gpt_pretrain")
    return model, tokenizer


def _attention(ctx: RunContext, model, tokenizer, sentence: str) -> tuple[list, list, list]:
    """1. Attention of every head in every layer on the probe sentence, and each head's profile."""
    import torch

    with torch.no_grad():
        idx = torch.tensor([tokenizer.encode(sentence)], device=ctx.device)  # (1, T)
        maps = [att[0].cpu().numpy() for att in model.attention_maps(idx)]  # n_layer x (nh, T, T)
    rows, profiles = [], []
    for layer, heads in enumerate(maps):
        for head, att in enumerate(heads):
            profile = head_profile(att, sentence)
            profiles.append((layer + 1, head + 1, profile))
            # "earlier" pools dozens of positions, so the telling figure is the strongest single kind
            rows.append(
                [
                    f"layer {layer + 1}, head {head + 1}",
                    *[f"{p:.0%}" for p in profile],
                    PATTERNS[int(np.argmax(profile[:4]))],
                ]
            )
    return maps, rows, profiles


def _attention_chart(config: Params, maps: list, sentence: str) -> HeatmapChart:
    t = min(config.attention_chars, len(sentence))
    labels = [f"{i + 1} {visible(c).split(' ')[0]}" for i, c in enumerate(sentence[:t])]
    return HeatmapChart(
        name="attention",
        title="Every head of every layer on the probe sentence",
        panels=[
            HeatmapPanel(f"layer {layer + 1}, head {head + 1}", np.round(att[:t, :t], 3).tolist())
            for layer, heads in enumerate(maps)
            for head, att in enumerate(heads)
        ],
        x_labels=labels,
        y_labels=labels,
        x_title="attends to (key)",
        y_title="position (query)",
        value_label="attention weight",
        zmin=0.0,
        zmax=1.0,
        note=f"The first {t} characters of {sentence!r}; row t sums to 1 over positions 1..t.",
    )


def _summary(maps: list, profiles: list, sentence: str) -> dict:
    def strongest(k: int) -> tuple[int, int, float]:
        layer, head, profile = max(profiles, key=lambda p: p[2][k])
        return layer, head, profile[k]

    prev_head, word_head = strongest(1), strongest(2)
    return {
        "probe_chars": len(sentence),
        "heads": len(profiles),
        "n_layer": len(maps),
        "n_head": len(maps[0]),
        "previous_char_head": f"layer {prev_head[0]}, head {prev_head[1]}",
        "previous_char_mass_pct": round(100 * prev_head[2], 1),
        "word_start_head": f"layer {word_head[0]}, head {word_head[1]}",
        "word_start_mass_pct": round(100 * word_head[2], 1),
        "heads_mostly_itself": sum(int(np.argmax(p[:4])) == 0 for _, _, p in profiles),
        "heads_mostly_previous": sum(int(np.argmax(p[:4])) == 1 for _, _, p in profiles),
        "heads_mostly_word_start": sum(int(np.argmax(p[:4])) == 2 for _, _, p in profiles),
        "heads_mostly_first": sum(int(np.argmax(p[:4])) == 3 for _, _, p in profiles),
        "mean_earlier_share_pct": round(100 * float(np.mean([p[4] for _, _, p in profiles])), 1),
    }


def _samples(ctx: RunContext, config: Params, model, tokenizer, prompt: str) -> list[list[str]]:
    """2. Samples at each temperature, scored by the model itself."""
    import torch
    import torch.nn.functional as F

    samples = []
    for temperature in config.temperatures:
        g = torch.Generator().manual_seed(config.seed)
        with torch.no_grad():
            start = torch.tensor([tokenizer.encode(prompt)], device=ctx.device)
            out = model.generate(start, config.sample_chars, temperature=temperature, generator=g)
            logits, _ = model(out)
            # the model's own perplexity on what it wrote: exp of the mean -log p of each new character
            logp = F.log_softmax(logits[0, :-1], dim=-1).gather(1, out[0, 1:, None])[:, 0]
            new_logp = logp[start.size(1) - 1 :]
        text = tokenizer.decode(out[0, start.size(1) :].tolist())
        samples.append([f"{temperature:g}", text, f"{math.exp(-new_logp.mean().item()):.2f}"])
    return samples


def report(ctx: RunContext, config: Params) -> Result:
    upstream = ctx.upstream["gpt_pretrain"]
    model, tokenizer = _load(ctx)
    sentence = upstream["probe_sentence"]
    ctx.progress(1, 3, f"attention on {len(sentence)} characters")
    maps, rows, profiles = _attention(ctx, model, tokenizer, sentence)
    charts = [_attention_chart(config, maps, sentence)]
    summary = _summary(maps, profiles, sentence)

    ctx.progress(2, 3, f"sampling at temperatures {config.temperatures}")
    prompt = upstream["sample_prompt"]
    samples = _samples(ctx, config, model, tokenizer, prompt)
    summary["temperatures"] = ", ".join(f"{t:g}" for t in config.temperatures)
    summary["sample_prompt"] = prompt
    ctx.progress(3, 3, "done")
    return Result(
        metrics={
            "summary": summary,
            "heads": {"columns": ["head", *PATTERNS, "strongest single kind"], "rows": rows},
            "samples": {
                "columns": ["temperature", f"continuation of {prompt!r}", "the model's perplexity on it"],
                "rows": samples,
            },
        },
        charts=charts,
    )

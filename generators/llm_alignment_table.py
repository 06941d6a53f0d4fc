"""The LLM lecture's code <-> output table: each concept, the code that implements it, and
the value it produced in this build. Also the issue's targets for all four stages at once.

Every code symbol is looked up with ``ast`` in ``models/``: a row that points at code which
no longer exists fails the build, so the table cannot drift from the code.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from engine.contract import GeneratorError, Result, RunContext
from generators._report_format import TARGET_COLUMNS, tally
from generators._time_target import wall_time_row

UPSTREAM = ("gpt_pretrain", "gpt_sft", "gpt_reward", "gpt_align")
DATA_FILES = (
    "models/gpt.py",
    "models/tokenizer.py",
    "models/llm_data.py",
    "models/gpt_pretrain.py",
    "models/gpt_sft.py",
    "models/gpt_reward.py",
    "models/gpt_align.py",
)



@dataclass
class Params:
    """No params of its own (only the seed): it reads its upstreams' outputs."""


PARAMS = Params
MAX_TOTAL_SECONDS = 120.0
Metrics = dict[str, dict[str, Any]]


def _s(m: Metrics, stage: str) -> dict[str, Any]:
    return m[stage]["summary"]


def _slopes(n_head: int) -> str:
    return ", ".join(f"1/{2 ** (8 * h / n_head):.4g}" for h in range(1, n_head + 1))


# (concept, file, symbol, value in this build)
ROWS: tuple[tuple[str, str, str, Callable[[Metrics], str]], ...] = (
    ("Character tokenizer: one token per character, plus <pad> and <eos>",
     "models/tokenizer.py", "CharTokenizer",
     lambda m: f"V = {_s(m, 'gpt_pretrain')['vocab_size']} tokens"),
    ("Chat template: Q: <prompt> / A: <answer><eos>", "models/tokenizer.py", "format_prompt",
     lambda m: f"{_s(m, 'gpt_sft')['train_pairs']} training and {_s(m, 'gpt_sft')['heldout_pairs']} "
     "held-out question-answer pairs"),
    ("Transformer: embeddings, pre-norm blocks, output layer", "models/gpt.py", "GPT",
     lambda m: f"{_s(m, 'gpt_pretrain')['n_params']:,} parameters (layers {_s(m, 'gpt_pretrain')['n_layer']}, "
     f"heads {_s(m, 'gpt_pretrain')['n_head']}, width {_s(m, 'gpt_pretrain')['n_embd']})"),
    ("Causal mask: a position never sees the future", "models/gpt.py", "causal_mask",
     lambda m: "largest attention weight above the diagonal: "
     f"{_s(m, 'gpt_pretrain')['attention_above_diagonal_max']:g}"),
    ("ALiBi: attention penalised by distance, one slope per head", "models/gpt.py", "attention_bias",
     lambda m: f"slopes {_slopes(_s(m, 'gpt_pretrain')['n_head'])}"),
    ("Scaled dot-product attention, softmax(q·k/√d + bias) v", "models/gpt.py", "causal_attention",
     lambda m: f"{_s(m, 'gpt_pretrain')['n_layer'] * _s(m, 'gpt_pretrain')['n_head']} attention maps drawn "
     "on the probe sentence"),
    ("Multi-head self-attention with a KV cache", "models/gpt.py", "CausalSelfAttention.forward",
     lambda m: f"{_s(m, 'gpt_pretrain')['n_head']} heads of width "
     f"{_s(m, 'gpt_pretrain')['n_embd'] // _s(m, 'gpt_pretrain')['n_head']}"),
    ("Next-token cross-entropy loss", "models/gpt.py", "GPT.forward",
     lambda m: f"held-out {_s(m, 'gpt_pretrain')['heldout_loss']:.3f} nats per character "
     f"(step 0: {_s(m, 'gpt_pretrain')['initial_heldout_loss']:.3f})"),
    ("Uniform guessing: loss log V, perplexity V", "models/gpt_pretrain.py", "train",
     lambda m: f"log V = {_s(m, 'gpt_pretrain')['log_vocab']:.3f} nats"),
    ("Bigram baseline with add-k smoothing", "models/gpt_pretrain.py", "bigram_loss",
     lambda m: f"{_s(m, 'gpt_pretrain')['bigram_heldout_loss']:.3f} nats "
     f"(k = {_s(m, 'gpt_pretrain')['bigram_smoothing_k']:g})"),
    ("Perplexity = exp(loss)", "models/gpt_pretrain.py", "mean_loss",
     lambda m: f"{_s(m, 'gpt_pretrain')['heldout_perplexity']:.2f} (bigram "
     f"{_s(m, 'gpt_pretrain')['bigram_perplexity']:.2f}, uniform {_s(m, 'gpt_pretrain')['vocab_size']})"),
    ("Warm-up, then cosine learning-rate decay", "models/gpt_pretrain.py", "learning_rate",
     lambda m: f"peak {_s(m, 'gpt_pretrain')['learning_rate']:g} over {_s(m, 'gpt_pretrain')['max_steps']} steps"),
    ("Sampling with a temperature", "models/gpt.py", "GPT.generate",
     lambda m: f"{len(m['gpt_pretrain']['samples'])} samples at temperature "
     f"{_s(m, 'gpt_pretrain')['sample_temperature']:g}"),
    ("SFT: the prompt is masked out of the loss (IGNORE_INDEX)", "models/llm_data.py", "lm_batch",
     lambda m: f"held-out answer loss {_s(m, 'gpt_sft')['heldout_response_loss']:.3f} after SFT, "
     f"{_s(m, 'gpt_sft')['base_heldout_response_loss']:.3f} before"),
    ("log p(answer | prompt) by the chain rule", "models/gpt_sft.py", "response_logprob",
     lambda m: "metformin reference answer, probability per character "
     f"{math.exp(_s(m, 'gpt_sft')['metformin_reference_logprob_base']):.3f} before SFT, "
     f"{math.exp(_s(m, 'gpt_sft')['metformin_reference_logprob_sft']):.3f} after"),
    ("Reward model: a linear head on the mean hidden state of the answer", "models/gpt_reward.py",
     "RewardModel.forward",
     lambda m: f"metformin: reference answer {_s(m, 'gpt_reward')['metformin_reward_reference']:+.2f}, "
     f"unsafe answer {_s(m, 'gpt_reward')['metformin_reward_unsafe']:+.2f}"),
    ("Bradley-Terry loss, -log sigmoid(r_w - r_l)", "models/gpt_reward.py", "bradley_terry_loss",
     lambda m: f"held-out {_s(m, 'gpt_reward')['heldout_loss']:.3f} nats per pair "
     f"(step 0: {_s(m, 'gpt_reward')['initial_heldout_loss']:.3f})"),
    ("Ranking accuracy and mean margin on held-out pairs", "models/gpt_reward.py", "train",
     lambda m: f"{_s(m, 'gpt_reward')['heldout_accuracy']:.0%} of {_s(m, 'gpt_reward')['heldout_pairs']} pairs, "
     f"margin {_s(m, 'gpt_reward')['heldout_mean_margin']:+.3f}"),
    ("Length baseline: longer (or shorter) is better", "models/gpt_reward.py", "length_baseline",
     lambda m: f"{_s(m, 'gpt_reward')['length_baseline_accuracy']:.0%} "
     f"({_s(m, 'gpt_reward')['length_baseline_direction']})"),
    ("DPO loss on implicit rewards β log(π/π_ref)", "models/gpt_align.py", "dpo_loss",
     lambda m: f"held-out {_s(m, 'gpt_align')['heldout_dpo_loss']:.3f} (step 0: "
     f"{_s(m, 'gpt_align')['initial_heldout_dpo_loss']:.3f}), implicit margin "
     f"{_s(m, 'gpt_align')['heldout_implicit_margin']:+.3f}"),
    ("KL(π || π_ref) per answer token", "models/gpt_align.py", "mean_token_kl",
     lambda m: f"{_s(m, 'gpt_align')['kl_to_reference']:.3f} nats per token"),
    ("The reward model as judge of the answers", "models/gpt_reward.py", "score",
     lambda m: f"mean reward {_s(m, 'gpt_align')['mean_reward_sft']:+.3f} (SFT) -> "
     f"{_s(m, 'gpt_align')['mean_reward_aligned']:+.3f} (DPO)"),
)


def find_symbol(tree: ast.Module, symbol: str) -> ast.AST | None:
    """The class or function at the dotted path ``symbol``, or None."""
    scope: list[ast.stmt] = tree.body
    node: ast.AST | None = None
    for part in symbol.split("."):
        node = next(
            (n for n in scope
             if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and n.name == part),
            None,
        )
        if node is None:
            return None
        scope = getattr(node, "body", [])
    return node


def code_rows(ctx: RunContext, metrics: Metrics) -> list[list[str]]:
    trees: dict[str, ast.Module] = {}
    rows = []
    for concept, path, symbol, value in ROWS:
        if path not in trees:
            trees[path] = ast.parse(ctx.path(path).read_text(encoding="utf-8"), filename=path)
        node = find_symbol(trees[path], symbol)
        if node is None:
            raise GeneratorError(
                f"{path} has no {symbol!r}, but the row {concept!r} of ROWS in "
                "generators/llm_alignment_table.py points at it: update the row"
            )
        rows.append([concept, f"{path}:{node.lineno} {symbol}", value(metrics)])
    return rows


def run(ctx: RunContext) -> Result:
    metrics: Metrics = {name: dict(ctx.upstream[name]) for name in UPSTREAM}
    rows = code_rows(ctx, metrics)
    ctx.progress(1, 2, f"{len(rows)} concepts found in models/")

    seconds = {name: float(metrics[name]["provenance"]["wall_seconds"]) for name in UPSTREAM}
    total = sum(seconds.values())
    target_rows = [row for name in UPSTREAM for row in metrics[name]["targets"]["rows"]]
    target_rows.append(wall_time_row(f"All four stages in at most {MAX_TOTAL_SECONDS:.0f} s of wall time",
                                     MAX_TOTAL_SECONDS, seconds, prefix="gpt_"))
    met, missed = tally(target_rows)
    ctx.progress(2, 2, f"{met} of {len(target_rows)} targets met")
    return Result(
        metrics={
            "summary": {
                "concepts": len(rows),
                "total_wall_seconds": total,
                **{f"{n.removeprefix('gpt_')}_wall_seconds": s for n, s in seconds.items()},
                "targets_met": met,
                "targets_total": len(target_rows),
                "all_targets_met": met == len(target_rows),
                # The missed targets in words, so a page can state them where they show.
                "missed_targets": "; ".join(missed) or "none",
                "device": str(metrics["gpt_pretrain"]["provenance"]["device"]),
                "threads": int(metrics["gpt_pretrain"]["provenance"]["threads"]),
            },
            "table": {"columns": ["concept", "code symbol", "value in this build"], "rows": rows},
            "targets": {"columns": TARGET_COLUMNS, "rows": target_rows},
        },
    )

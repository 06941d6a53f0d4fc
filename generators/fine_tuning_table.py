"""The fine-tuning lecture's headline figures and its targets, met or missed, from this build's runs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.contract import Result, RunContext
from generators._report_format import TARGET_COLUMNS, tally, target_row
from generators._time_target import wall_time_row

UPSTREAM = ("ft_methods", "ft_quantize", "ft_peft")
DATA_FILES = ()
# The issue's targets, stated on the pages with the figure this build reached.
MAX_MERGE_DIFF = 1e-5
MAX_LORA_PARAMS_FRACTION = 0.10
MIN_ADAPTATION_FRACTION = 0.70
MAX_PEFT_GAP = 0.03
MIN_HELDOUT_MESSAGES = 75
MAX_TOTAL_SECONDS = 150.0


@dataclass
class Params:
    """No params of its own (only the seed): it reads its upstreams' outputs."""


PARAMS = Params


def _adaptation(m: dict[str, Any], key: str) -> float:
    """The share of full fine-tuning's drop in held-out vet-notes loss that run ``key`` reaches."""
    return (m["base_new_loss"] - m[f"{key}_new_loss"]) / (m["base_new_loss"] - m["full_new_loss"])


def _lora_rows(m: dict[str, Any]) -> list[list[str]]:
    r = m["grid_rank"]
    lora = f"lora_r{r}"
    return [
        target_row(
            "LoRA: at step 0 (B = 0) the adapted model equals the base exactly, and merged equals unmerged "
            f"within {MAX_MERGE_DIFF:g}",
            f"largest difference {m['lora_init_max_abs_diff']:g} at step 0; {m['lora_merge_max_abs_diff']:.2g} "
            f"after merging, in float64 ({m['lora_merge_max_abs_diff_fp32']:.2g} in float32)",
            m["lora_init_max_abs_diff"] == 0 and m["lora_merge_max_abs_diff"] <= MAX_MERGE_DIFF,
        ),
        target_row(
            f"LoRA r={r} trains at most 10% of full fine-tuning's parameters",
            f"{m[f'{lora}_trainable_params']:,} of {m['full_trainable_params']:,} "
            f"({m[f'{lora}_trainable_params'] / m['full_trainable_params']:.1%})",
            m[f"{lora}_trainable_params"] <= MAX_LORA_PARAMS_FRACTION * m["full_trainable_params"],
        ),
        target_row(
            f"LoRA r={r} reaches at least 70% of full fine-tuning's drop in held-out vet-notes loss",
            f"{_adaptation(m, lora):.0%} ({m['base_new_loss']:.3f} to {m[f'{lora}_new_loss']:.3f} nats; full FT "
            f"to {m['full_new_loss']:.3f})",
            _adaptation(m, lora) >= MIN_ADAPTATION_FRACTION,
        ),
        target_row(
            f"LoRA r={r} forgets less than full fine-tuning",
            f"forgetting {m[f'{lora}_forgetting']:+.3f} nats against {m['full_forgetting']:+.3f}",
            m[f"{lora}_forgetting"] < m["full_forgetting"],
        ),
    ]


def _ewc_and_nf4_rows(m: dict[str, Any], q: dict[str, Any]) -> list[list[str]]:
    return [
        target_row(
            "EWC reaches at least 70% of full fine-tuning's adaptation",
            f"{_adaptation(m, 'ewc'):.0%} (lambda = {m['ewc_lambda']:g})",
            _adaptation(m, "ewc") >= MIN_ADAPTATION_FRACTION,
        ),
        target_row(
            "EWC forgets less than plain full fine-tuning",
            f"forgetting {m['ewc_forgetting']:+.3f} nats against {m['full_forgetting']:+.3f}",
            m["ewc_forgetting"] < m["full_forgetting"],
        ),
        target_row(
            f"NF4 costs less loss than int4 absmax at block size {q['block_size']}",
            f"rise in held-out loss {q['nf4_loss_increase']:+.4f} (NF4) against {q['int4_loss_increase']:+.4f} (int4)",
            q["nf4_loss_increase"] < q["int4_loss_increase"],
        ),
    ]


def _peft_rows(p: dict[str, Any]) -> list[list[str]]:
    gap = p["full_accuracy"] - p["lora_accuracy"]
    head_gap = p["full_accuracy"] - p["head_accuracy"]
    return [
        target_row(
            f"MiniLM with LoRA within 3 points of full fine-tuning, on at least {MIN_HELDOUT_MESSAGES} held-out "
            "messages",
            f"{p['lora_accuracy']:.1%} against {p['full_accuracy']:.1%} ({100 * gap:+.1f} points) on "
            f"{p['heldout_examples']} messages",
            gap <= MAX_PEFT_GAP and p["heldout_examples"] >= MIN_HELDOUT_MESSAGES,
        ),
        target_row(
            "Frozen encoder + head below full fine-tuning by more than full FT's bootstrap half-width",
            f"{p['head_accuracy']:.1%} against {p['full_accuracy']:.1%}: {100 * head_gap:.1f} points, half-width "
            f"{100 * p['full_ci_half_width']:.1f}",
            head_gap > p["full_ci_half_width"],
        ),
    ]


def _summary(
    m: dict[str, Any],
    q: dict[str, Any],
    p: dict[str, Any],
    seconds: dict[str, float],
    cpu: float,
    rows: list[list[str]],
) -> dict:
    lora = f"lora_r{m['grid_rank']}"
    total = sum(seconds.values())
    met, missed = tally(rows)
    return {
        "lora_init_max_abs_diff": m["lora_init_max_abs_diff"],
        "lora_merge_max_abs_diff": m["lora_merge_max_abs_diff"],
        "full_trainable_params": m["full_trainable_params"],
        "lora_r8_trainable_params": m[f"{lora}_trainable_params"],
        "base_new_loss": m["base_new_loss"],
        "full_new_loss": m["full_new_loss"],
        "lora_r8_new_loss": m[f"{lora}_new_loss"],
        "qlora_r8_new_loss": m[f"q{lora}_new_loss"],
        "full_forgetting": m["full_forgetting"],
        "lora_r8_forgetting": m[f"{lora}_forgetting"],
        "qlora_r8_forgetting": m[f"q{lora}_forgetting"],
        "ewc_forgetting": m["ewc_forgetting"],
        "last_layer_forgetting": m["last_layer_forgetting"],
        "lora_r8_adaptation_fraction": _adaptation(m, lora),
        "ewc_adaptation_fraction": _adaptation(m, "ewc"),
        "nf4_loss_increase": q["nf4_loss_increase"],
        "int4_loss_increase": q["int4_loss_increase"],
        "fp4_loss_increase": q["fp4_loss_increase"],
        "int8_loss_increase": q["int8_loss_increase"],
        "peft_lora_accuracy": p["lora_accuracy"],
        "peft_head_accuracy": p["head_accuracy"],
        "peft_full_accuracy": p["full_accuracy"],
        "peft_lora_trainable_params": p["lora_trainable_params"],
        "peft_heldout_examples": p["heldout_examples"],
        "peft_heldout_pct": round(100 * p["heldout_examples"] / (p["heldout_examples"] + p["train_examples"]), 1),
        "total_wall_seconds": total,
        "total_cpu_seconds": cpu,
        **{f"{name}_wall_seconds": s for name, s in seconds.items()},
        "targets_met": met,
        "targets_total": len(rows),
        "missed_targets": missed,
        "missed_targets_text": "; ".join(missed) or "none",
    }


def run(ctx: RunContext) -> Result:
    m: dict[str, Any] = ctx.upstream["ft_methods"]["summary"]
    q: dict[str, Any] = ctx.upstream["ft_quantize"]["summary"]
    p: dict[str, Any] = ctx.upstream["ft_peft"]["summary"]
    seconds = {name: float(ctx.upstream[name]["provenance"]["wall_seconds"]) for name in UPSTREAM}
    cpu = sum(float(ctx.upstream[name]["summary"]["cpu_seconds"]) for name in ("ft_methods", "ft_quantize", "ft_peft"))
    rows = [*_lora_rows(m), *_ewc_and_nf4_rows(m, q), *_peft_rows(p), wall_time_row(
        f"The lecture's own generators in at most {MAX_TOTAL_SECONDS:.0f} s of wall time (pretraining excluded)",
        MAX_TOTAL_SECONDS, seconds, cpu=cpu)]
    summary = _summary(m, q, p, seconds, cpu, rows)
    ctx.progress(1, 1, f"{summary['targets_met']} of {len(rows)} targets met")
    return Result(metrics={"summary": summary, "targets": {"columns": TARGET_COLUMNS, "rows": rows}})

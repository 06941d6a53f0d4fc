"""The foundations lecture's targets, judged on its generators' outputs, and its key figures in one place."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.contract import Result, RunContext
from generators._report_format import TARGET_COLUMNS, tally, target_row
from generators._time_target import wall_time_row

# The lecture's own generators; gpt_pretrain is the flagship's, read for the causal-mask check
# and left out of the wall-time target.
LECTURE = ("fnd_autograd", "fnd_boundaries", "fnd_optimizers", "fnd_gradient_flow", "fnd_ablation", "fnd_attention")
UPSTREAM = (
    "fnd_autograd", "fnd_boundaries", "fnd_optimizers", "fnd_gradient_flow", "fnd_ablation", "fnd_attention",
    "gpt_pretrain",
)
DATA_FILES = ()

# The targets.
MAX_GRADCHECK = 1e-6
MIN_BUG = 1e-2
MIN_MOONS_ACCURACY = 0.95
MIN_LOGREG_GAP = 0.10
MIN_RATIO_FACTOR = 100.0
MAX_LECTURE_SECONDS = 60.0
MAX_ABLATION_SECONDS = 20.0


@dataclass
class Params:
    """No params of its own (only the seed): it reads its upstreams' outputs."""


PARAMS = Params


def _rows(grad: dict[str, Any], bound: dict[str, Any], flow: dict[str, Any], ablation: dict[str, Any],
          seconds: dict[str, float]) -> list:
    moons, logreg = bound["moons_heldout_accuracy"], bound["logreg_moons_heldout_accuracy"]
    gap = moons - logreg
    factor = flow["resnet_grad_ratio"] / flow["deep_sigmoid_grad_ratio"]
    return [
        target_row("Gradient check of the engine: largest relative error at most 1e-6",
                   f"{grad['max_rel_error']:.2g} over {grad['n_parameters']} parameters",
                   grad["max_rel_error"] <= MAX_GRADCHECK),
        target_row("Gradient check of the planted bug: largest relative error at least 1e-2",
                   f"{grad['buggy_max_rel_error']:.2g}", grad["buggy_max_rel_error"] >= MIN_BUG),
        target_row("MLP on moons: held-out accuracy at least 95%", f"{moons:.1%}", moons >= MIN_MOONS_ACCURACY),
        target_row("Logistic regression on moons: at least 10 points below the MLP",
                   f"{logreg:.1%}, {100 * gap:.1f} points below", gap >= MIN_LOGREG_GAP - 1e-9),
        target_row("Deep sigmoid network: first ÷ last layer gradient ratio at least 100× smaller than the "
                   "residual network's",
                   f"{flow['deep_sigmoid_grad_ratio']:.2g} against {flow['resnet_grad_ratio']:.2g} "
                   f"({factor:.2g}× smaller)", factor >= MIN_RATIO_FACTOR),
        target_row(f"Ablation ({ablation['runs']} runs) in at most {MAX_ABLATION_SECONDS:.0f} s",
                   f"{seconds['fnd_ablation']:.1f} s", seconds["fnd_ablation"] <= MAX_ABLATION_SECONDS),
        wall_time_row(f"The lecture's generators in at most {MAX_LECTURE_SECONDS:.0f} s together (the flagship GPT "
                      "excluded)", MAX_LECTURE_SECONDS, seconds, prefix="fnd_", digits=1),
    ]


def _figures(s: dict[str, dict[str, Any]], seconds: dict[str, float]) -> dict:
    grad, bound, opt, flow = s["fnd_autograd"], s["fnd_boundaries"], s["fnd_optimizers"], s["fnd_gradient_flow"]
    return {
        "gradcheck_max_rel_error": grad["max_rel_error"],
        "gradcheck_buggy_max_rel_error": grad["buggy_max_rel_error"],
        "moons_heldout_accuracy": bound["moons_heldout_accuracy"],
        "circles_heldout_accuracy": bound["circles_heldout_accuracy"],
        "logreg_moons_heldout_accuracy": bound["logreg_moons_heldout_accuracy"],
        "sgd_final_loss": opt["sgd_final_loss"],
        "momentum_final_loss": opt["momentum_final_loss"],
        "rmsprop_final_loss": opt["rmsprop_final_loss"],
        "adam_final_loss": opt["adam_final_loss"],
        "deep_sigmoid_grad_ratio": flow["deep_sigmoid_grad_ratio"],
        "resnet_grad_ratio": flow["resnet_grad_ratio"],
        "causal_mask_max_upper": s["gpt_pretrain"]["attention_above_diagonal_max"],
        "total_wall_seconds": sum(seconds.values()),
        **{f"{n.removeprefix('fnd_')}_wall_seconds": v for n, v in seconds.items()},
    }


def run(ctx: RunContext) -> Result:
    m: dict[str, Any] = {name: ctx.upstream[name] for name in UPSTREAM}
    s = {name: m[name]["summary"] for name in UPSTREAM}
    seconds = {name: float(m[name]["provenance"]["wall_seconds"]) for name in LECTURE}
    rows = _rows(s["fnd_autograd"], s["fnd_boundaries"], s["fnd_gradient_flow"], s["fnd_ablation"], seconds)
    met, missed = tally(rows)
    ctx.progress(1, 1, f"{met} of {len(rows)} targets met")
    summary = {
        **_figures(s, seconds),
        "device": str(m["fnd_gradient_flow"]["provenance"]["device"]),
        "threads": int(m["fnd_gradient_flow"]["provenance"]["threads"]),
        "targets_met": met,
        "targets_total": len(rows),
        "all_targets_met": met == len(rows),
        "missed_targets": missed,
        # the same in words, for a page sentence
        "missed_targets_text": "; ".join(missed) or "none",
    }
    return Result(metrics={"summary": summary, "targets": {"columns": TARGET_COLUMNS, "rows": rows}})

"""Foundations: the gradient check of our from-scratch autograd engine, and of a copy with a planted bug."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from engine.charts import HistogramChart, ReferenceLine
from engine.contract import Result, RunContext
from models.autograd import GradCheckConfig

UPSTREAM = ()
DATA_FILES = ()

# A relative error of exactly 0 has no logarithm: it is drawn at this floor.
LOG_FLOOR = -16.0
# The thresholds, drawn on the histogram and judged by foundations_table.
CORRECT_LIMIT = 1e-6
BUG_MINIMUM = 1e-2


@dataclass
class Params(GradCheckConfig):
    bins: int = 30  # histogram bins over log10(relative error)


PARAMS = Params


def log10_errors(rel: np.ndarray) -> list[float]:
    return [max(LOG_FLOOR, math.log10(r)) if r > 0 else LOG_FLOOR for r in rel.tolist()]


def run(ctx: RunContext) -> Result:
    from models.autograd import check_mlp

    config: Params = ctx.config
    ctx.progress(1, 1, f"central differences for every parameter of an MLP {list(config.sizes)}")
    result = check_mlp(config)
    correct, buggy = result.correct, result.buggy
    n = len(correct.rel_error)
    summary = {
        "n_parameters": n,
        "eps": config.eps,
        "sizes": " → ".join(str(s) for s in config.sizes),
        "n_points": config.n_points,
        "max_rel_error": correct.max_rel_error,
        "median_rel_error": float(np.median(correct.rel_error)),
        "buggy_max_rel_error": buggy.max_rel_error,
        "buggy_median_rel_error": float(np.median(buggy.rel_error)),
        "fraction_above_limit": float(np.mean(correct.rel_error > CORRECT_LIMIT)),
        "buggy_fraction_above_bug_minimum": float(np.mean(buggy.rel_error >= BUG_MINIMUM)),
        "buggy_fraction_above_bug_minimum_pct": round(100 * float(np.mean(buggy.rel_error >= BUG_MINIMUM)), 1),
        # the output layer's gradients never pass through tanh's backward, so the bug spares them
        "buggy_unaffected": int(np.sum(buggy.rel_error <= CORRECT_LIMIT)),
        "correct_limit": CORRECT_LIMIT,
        "bug_minimum": BUG_MINIMUM,
    }
    worst = np.argsort(-buggy.rel_error)[:8]
    table = {
        "columns": ["parameter entry", "analytic (buggy tanh)", "numeric", "relative error", "correct engine's error"],
        "rows": [
            [int(i), f"{buggy.analytic[i]:.6g}", f"{buggy.numeric[i]:.6g}", f"{buggy.rel_error[i]:.3g}",
             f"{correct.rel_error[i]:.3g}"]
            for i in worst
        ],
    }
    chart = HistogramChart(
        name="gradcheck",
        title="Gradient check: analytic against numerical gradients",
        x_label="log10 relative error |a − n| / max(|a|, |n|, 1e-8)",
        groups={"correct engine": log10_errors(correct.rel_error), "tanh backward missing (1 + z)": log10_errors(
            buggy.rel_error)},
        bins=config.bins,
        reference_lines=[
            ReferenceLine("1e-6: the correct engine's target", math.log10(CORRECT_LIMIT)),
            ReferenceLine("1e-2: a bug is unmistakable", math.log10(BUG_MINIMUM)),
        ],
        note=f"One value per parameter entry ({n} in all), central differences with eps = {config.eps:g} in "
        "float64. The buggy copy's entries below 1e-6 are the output layer's, which tanh's backward never touches.",
    )
    return Result(metrics={"summary": summary, "worst_entries": table}, charts=[chart])

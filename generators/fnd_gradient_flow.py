"""Foundations: per-layer gradient norms of a deep sigmoid network against a ReLU + residual + LayerNorm one."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from engine.charts import HeatmapChart, HeatmapPanel, LineChart, Series
from engine.contract import Result, RunContext
from engine.params import narrow
from models.boundaries import DataConfig
from models.gradient_flow import GradFlowConfig

UPSTREAM = ()
DATA_FILES = ()


@dataclass
class Params(DataConfig, GradFlowConfig):
    heatmap_every: int = 5  # the heatmap shows every k-th step (all steps would only weigh the page down)


PARAMS = Params


def _compare(ctx: RunContext, config: Params):
    import torch

    from models.boundaries import make_data
    from models.gradient_flow import compare

    split = make_data("moons", narrow(config, DataConfig))
    # Layers of width 32 are far too small for a second intra-op thread to help; on a busy
    # machine it made this run over 20x slower (85 s against 3.8 s, measured), so one thread.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return compare(split, narrow(config, GradFlowConfig), progress=ctx.progress)
    finally:
        torch.set_num_threads(threads)


def _summary(config: Params, result, k: int) -> dict:
    return {
        "depth": config.depth,
        "width": config.width,
        "steps": config.steps,
        "ratio_steps": k,
        "lr": config.lr,
        "deep_sigmoid_grad_ratio": result.sigmoid.ratio,
        "resnet_grad_ratio": result.residual.ratio,
        "ratio_of_ratios": result.residual.ratio / result.sigmoid.ratio,
        "log10_ratio_of_ratios": round(math.log10(result.residual.ratio / result.sigmoid.ratio), 1),
        "deep_sigmoid_heldout_accuracy": result.sigmoid.test_accuracy,
        "resnet_heldout_accuracy": result.residual.test_accuracy,
        "deep_sigmoid_final_loss": float(np.mean(result.sigmoid.loss[-20:])),
        "resnet_final_loss": float(np.mean(result.residual.loss[-20:])),
        "deep_sigmoid_first_layer_norm": float(np.mean(result.sigmoid.grad_norms[:k, 0])),
        "deep_sigmoid_last_layer_norm": float(np.mean(result.sigmoid.grad_norms[:k, -1])),
        "resnet_first_layer_norm": float(np.mean(result.residual.grad_norms[:k, 0])),
        "resnet_last_layer_norm": float(np.mean(result.residual.grad_norms[:k, -1])),
    }


def _heatmap(config: Params, runs: list, layers: list[int]) -> HeatmapChart:
    shown = list(range(0, config.steps, config.heatmap_every))
    logs = [np.log10(np.maximum(run.grad_norms[shown], 1e-30)) for run in runs]
    return HeatmapChart(
        name="grad_norms",
        title="Gradient norm of each layer during training",
        panels=[HeatmapPanel(run.name, np.round(z.T, 3).tolist()) for run, z in zip(runs, logs, strict=True)],
        x_values=[s + 1 for s in shown],
        y_values=layers,
        x_title="training step",
        y_title="layer (1 = next to the input)",
        value_label="log10 ‖∂L/∂W‖",
        zmin=float(np.floor(min(z.min() for z in logs))),
        zmax=float(np.ceil(max(z.max() for z in logs))),
        note=f"Both networks: {config.depth} weight layers of width {config.width}, plain SGD "
        f"(lr {config.lr:g}) on moons, the same batches. Every {config.heatmap_every}th step is shown.",
    )


def _line_charts(config: Params, runs: list, layers: list[int], k: int) -> list[LineChart]:
    steps = list(range(1, config.steps + 1))
    return [
        LineChart(
            name="norm_by_layer",
            title=f"Mean gradient norm per layer over the first {k} steps",
            x_label="layer (1 = next to the input)",
            y_label="‖∂L/∂W‖ (log scale)",
            series=[Series(run.name, layers, run.grad_norms[:k].mean(axis=0).tolist()) for run in runs],
            y_log=True,
        ),
        LineChart(
            name="first_over_last",
            title="First layer's gradient norm ÷ last layer's, step by step",
            x_label="training step",
            y_label="ratio (log scale)",
            series=[Series(run.name, steps, (run.grad_norms[:, 0] / run.grad_norms[:, -1]).tolist()) for run in runs],
            y_log=True,
            note=f"The ratio reported is its mean over the first {k} steps.",
        ),
        LineChart(
            name="loss",
            title="Training loss of both networks",
            x_label="training step",
            y_label="minibatch loss (nats)",
            series=[Series(run.name, steps, run.loss.tolist()) for run in runs],
        ),
    ]


def run(ctx: RunContext) -> Result:
    config: Params = ctx.config
    result = _compare(ctx, config)
    runs = [result.sigmoid, result.residual]
    layers = list(range(1, config.depth + 1))
    k = min(config.ratio_steps, config.steps)
    return Result(
        metrics={"summary": _summary(config, result, k)},
        charts=[_heatmap(config, runs, layers), *_line_charts(config, runs, layers, k)],
    )

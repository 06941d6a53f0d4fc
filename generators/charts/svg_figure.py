"""Chart data -> a static SVG (matplotlib), for readers without JavaScript, print and export.

A chart with several panels is drawn as small multiples, so print shows every panel that
the browser's selector would.
"""

from __future__ import annotations

import io
import math
from functools import singledispatch

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from cycler import cycler

from . import theme
from .kinds import (
    BarChart,
    Chart,
    HeatmapChart,
    HistogramChart,
    ImageGridChart,
    LineChart,
    ScatterChart,
)
from .mosaic import mosaic

MAX_PANELS = 8


def svg(chart: Chart) -> bytes:
    rc = dict(theme.MATPLOTLIB_RC)
    rc["axes.prop_cycle"] = cycler(color=theme.COLORS)
    with plt.rc_context(rc):
        fig = _draw(chart)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
        plt.close(fig)
    return buffer.getvalue()


def _grid(count: int, width: float = 7.0, cell_height: float = 2.6):
    count = min(count, MAX_PANELS)
    cols = min(count, 4)
    rows = math.ceil(count / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(width, cell_height * rows + 0.6), squeeze=False)
    flat = list(axes.flat)
    for ax in flat[count:]:
        ax.set_visible(False)
    return fig, flat[:count]


@singledispatch
def _draw(chart: Chart):
    raise TypeError(f"no SVG builder for {type(chart).__name__}")


@_draw.register
def _(chart: LineChart):
    fig, ax = plt.subplots(figsize=(7, 3.6))
    for s in chart.series:
        ax.plot(s.x, s.y, label=s.name, linestyle=":" if s.dash else "-", linewidth=1.8)
    for ref in chart.reference_lines:
        ax.axhline(ref.y, color=theme.REFERENCE_COLOR, linestyle="--", linewidth=1, label=ref.label)
    if chart.y_log:
        ax.set_yscale("log")
    ax.set(title=chart.title, xlabel=chart.x_label, ylabel=chart.y_label)
    ax.legend(frameon=False, fontsize=8)
    return fig


@_draw.register
def _(chart: BarChart):
    fig, axes = _grid(len(chart.panels), cell_height=2.8)
    for i, (ax, panel) in enumerate(zip(axes, chart.panels, strict=False)):
        ax.bar(range(len(panel.values)), panel.values, color=theme.COLORS[i % len(theme.COLORS)])
        ax.set_xticks(range(len(panel.categories)), panel.categories, rotation=45, fontsize=7)
        ax.set_title(panel.label, fontsize=9)
        ax.set_ylabel(chart.y_label if i % 4 == 0 else "")
    fig.suptitle(chart.title)
    fig.tight_layout()
    return fig


@_draw.register
def _(chart: HistogramChart):
    fig, ax = plt.subplots(figsize=(7, 3.4))
    values = [v for group in chart.groups.values() for v in group]
    edges = np.histogram_bin_edges(values, bins=chart.bins) if values else chart.bins
    for name, group in chart.groups.items():
        ax.hist(group, bins=edges, alpha=0.6, label=name)
    ax.set(title=chart.title, xlabel=chart.x_label, ylabel="count")
    ax.legend(frameon=False, fontsize=8)
    return fig


@_draw.register
def _(chart: ScatterChart):
    fig, ax = plt.subplots(figsize=(6, 5))
    for group in chart.groups:
        ax.scatter(group.x, group.y, s=8, alpha=0.8, label=group.name)
    ax.set(title=chart.title, xlabel=chart.x_label, ylabel=chart.y_label)
    ax.legend(frameon=False, fontsize=7, ncols=2, markerscale=1.5)
    return fig


@_draw.register
def _(chart: HeatmapChart):
    fig, axes = _grid(len(chart.panels), cell_height=2.4)
    image = None
    for ax, panel in zip(axes, chart.panels, strict=False):
        image = ax.imshow(np.array(panel.z, dtype=float), cmap="viridis", vmin=chart.zmin, vmax=chart.zmax)
        ax.set_title(panel.label, fontsize=8)
        ax.set_xticks(range(len(chart.x_labels)), chart.x_labels, rotation=90, fontsize=5)
        ax.set_yticks(range(len(chart.y_labels)), chart.y_labels, fontsize=5)
        ax.grid(False)
    fig.suptitle(chart.title)
    if image is not None:
        fig.colorbar(image, ax=axes, shrink=0.7, label=chart.value_label)
    return fig


@_draw.register
def _(chart: ImageGridChart):
    fig, axes = _grid(len(chart.panels), cell_height=2.2)
    for ax, panel in zip(axes, chart.panels, strict=False):
        grid = np.array(mosaic(panel.images, chart.columns), dtype=float)
        ax.imshow(np.ma.masked_invalid(grid), cmap="Greys", vmin=0, vmax=1, interpolation="nearest")
        ax.set_title(panel.label, fontsize=8)
        ax.set_axis_off()
    fig.suptitle(chart.title)
    return fig

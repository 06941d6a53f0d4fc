"""Chart data -> a static SVG (matplotlib), for readers without JavaScript, print and export.

A chart with several panels is drawn as small multiples, so print shows every panel that
the browser's selector would, or an evenly spaced selection that says which (small_multiples).
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
from matplotlib.axes import Axes
from matplotlib.collections import QuadMesh
from matplotlib.colors import Colormap, LinearSegmentedColormap
from matplotlib.figure import Figure
from matplotlib.image import AxesImage

from . import theme
from .kinds import (
    BarChart,
    Chart,
    ContourChart,
    HeatmapChart,
    HistogramChart,
    ImageGridChart,
    LineChart,
    ScatterChart,
)
from .mosaic import mosaic
from .small_multiples import MAX_PANELS, selection


def svg(chart: Chart) -> bytes:
    rc = dict(theme.MATPLOTLIB_RC)
    rc["axes.prop_cycle"] = cycler(color=theme.COLORS)
    with plt.rc_context(rc):  # type: ignore[arg-type]
        fig = draw(chart)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
        plt.close(fig)
    return buffer.getvalue()


def pixels_png(chart: ImageGridChart) -> bytes:
    """A pixel grid as a greyscale PNG at native size (one pixel per image pixel, 0 white
    and 1 black as in the SVG): smaller and no less sharp than vector cells, once the page
    scales it up with ``image-rendering: pixelated``. Panels sit in rows of up to 4, as in
    the SVG, a few white pixels apart."""
    from PIL import Image

    panels, _ = selection(chart.panels)  # the description says which (small_multiples.described)
    grids = [np.nan_to_num(np.array(mosaic(p.images, chart.columns), dtype=float), nan=0.0) for p in panels]
    cell_h, cell_w = max(g.shape[0] for g in grids), max(g.shape[1] for g in grids)
    gap = max(2, len(chart.panels[0].images[0]) // 2) if chart.panels[0].images else 2
    cols = min(len(grids), 4)
    rows = math.ceil(len(grids) / cols)
    canvas = np.zeros((rows * (cell_h + gap) - gap, cols * (cell_w + gap) - gap))
    for i, grid in enumerate(grids):
        top, left = (i // cols) * (cell_h + gap), (i % cols) * (cell_w + gap)
        canvas[top : top + grid.shape[0], left : left + grid.shape[1]] = grid
    buffer = io.BytesIO()
    Image.fromarray(np.round(255 * (1 - np.clip(canvas, 0, 1))).astype(np.uint8), mode="L").save(
        buffer, format="png", optimize=True)
    return buffer.getvalue()


def _grid(count: int, width: float = 7.0, cell_height: float = 2.6) -> tuple[Figure, list[Axes]]:
    count = min(count, MAX_PANELS)
    cols = min(count, 4)
    rows = math.ceil(count / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(width, cell_height * rows + 0.6), squeeze=False)
    flat = list(axes.flat)
    for ax in flat[count:]:
        ax.set_visible(False)
    return fig, flat[:count]


@singledispatch
def draw(chart: Chart) -> Figure:
    """The chart as a matplotlib figure: ``svg`` saves it; tests read its axes."""
    raise TypeError(f"no SVG builder for {type(chart).__name__}")


@draw.register
def _(chart: LineChart) -> Figure:
    fig, ax = plt.subplots(figsize=(7, 3.6))
    for s in chart.series:
        ax.plot(s.x, s.y, label=s.name, linestyle=":" if s.dash else "-", linewidth=1.8)
    for ref in chart.reference_lines:
        ax.axhline(ref.value, color=theme.REFERENCE_COLOR, linestyle="--", linewidth=1, label=ref.label)
    if chart.y_log:
        ax.set_yscale("log")
    ax.set(title=chart.title, xlabel=chart.x_label, ylabel=chart.y_label)
    ax.legend(frameon=False, fontsize=8)
    return fig


@draw.register
def _(chart: BarChart) -> Figure:
    panels, shown_note = selection(chart.panels)
    fig, axes = _grid(len(panels), cell_height=2.8)
    for i, (ax, panel) in enumerate(zip(axes, panels, strict=False)):
        base = theme.COLORS[i % len(theme.COLORS)]
        colors = [theme.HIGHLIGHT_COLOR if k in panel.highlight else base for k in range(len(panel.values))]
        positions = range(len(panel.values))
        if chart.horizontal:
            ax.barh(positions, panel.values, color=colors)
            ax.set_yticks(positions, [c if len(c) <= 40 else c[:39] + "…" for c in panel.categories], fontsize=7)
            ax.invert_yaxis()
            ax.set_xlabel(chart.y_label)
        else:
            ax.bar(positions, panel.values, color=colors)
            ax.set_xticks(positions, panel.categories, rotation=45, fontsize=7)
            ax.set_ylabel(chart.y_label if i % 4 == 0 else "")
        ax.set_title(panel.label, fontsize=9)
    fig.suptitle(chart.title + shown_note)
    fig.tight_layout()
    return fig


@draw.register
def _(chart: HistogramChart) -> Figure:
    fig, ax = plt.subplots(figsize=(7, 3.4))
    values = [v for group in chart.groups.values() for v in group]
    edges = list(np.histogram_bin_edges(values, bins=chart.bins)) if values else chart.bins
    for name, group in chart.groups.items():
        ax.hist(group, bins=edges, alpha=0.6, label=name)
    for ref in chart.reference_lines:
        ax.axvline(ref.value, color=theme.REFERENCE_COLOR, linestyle="--", linewidth=0.8)
    ax.set(title=chart.title, xlabel=chart.x_label, ylabel="count")
    ax.legend(frameon=False, fontsize=8)
    return fig


@draw.register
def _(chart: ScatterChart) -> Figure:
    fig, ax = plt.subplots(figsize=(6, 5))
    for group in chart.groups:
        ax.scatter(group.x, group.y, s=8, alpha=0.8, label=group.name)
        if chart.show_labels:
            for x, y, text in zip(group.x, group.y, group.labels, strict=False):
                ax.annotate(text, (x, y), fontsize=6, xytext=(2, 2), textcoords="offset points")
    ax.set(title=chart.title, xlabel=chart.x_label, ylabel=chart.y_label)
    ax.legend(frameon=False, fontsize=7, ncols=2, markerscale=1.5)
    return fig


def colormap(name: str) -> str | Colormap:
    """The matplotlib colormap that draws the Plotly colour scale ``name`` (theme.COLOR_SCALES)."""
    scale = theme.COLOR_SCALES[name]
    if isinstance(scale, str):
        return scale
    return LinearSegmentedColormap.from_list(name, [(at, tuple(c / 255 for c in rgb)) for at, rgb in scale])


def color_limits(chart: HeatmapChart, z: np.ndarray) -> tuple[float, float]:
    """The colour range plotly.js gives the heatmap (its colorscale calc): zmin and zmax when
    both are set and zmin < zmax; otherwise the data's range, made symmetric around zmid when
    the chart is diverging (the figure sets zmid only then); a flat range widened by 0.5 each way."""
    if chart.zmin is not None and chart.zmax is not None and chart.zmin < chart.zmax:
        return float(chart.zmin), float(chart.zmax)
    low, high = float(np.nanmin(z)), float(np.nanmax(z))
    if chart.diverging:
        span = max(high - chart.zmid, chart.zmid - low)
        low, high = chart.zmid - span, chart.zmid + span
    if low == high:
        low, high = low - 0.5, high + 0.5
    return low, high


def cell_edges(values: list[float]) -> np.ndarray:
    """Where plotly.js puts the cell boundaries on a numeric heatmap axis: halfway between
    neighbouring values and half a step beyond the first and the last (a single value: ±0.5)."""
    v = np.asarray(values, dtype=float)
    if len(v) == 1:
        return np.array([v[0] - 0.5, v[0] + 0.5])
    middle = (v[1:] + v[:-1]) / 2
    return np.concatenate([[2 * v[0] - middle[0]], middle, [2 * v[-1] - middle[-1]]])


def _evenly_spaced(edges: np.ndarray) -> bool:
    steps = np.diff(edges)
    return bool(np.allclose(steps, steps.mean(), rtol=0.01, atol=0))


@draw.register
def _(chart: HeatmapChart) -> Figure:
    panels, shown_note = selection(chart.panels)
    fig, axes = _grid(len(panels), cell_height=2.4)
    image: AxesImage | QuadMesh | None = None
    cmap = colormap(theme.DIVERGING_SCALE if chart.diverging else chart.colorscale)
    # Row order as the Plotly figure has it: "top" reverses the y axis there (autorange).
    top = chart.row_origin == "top"
    for ax, panel in zip(axes, panels, strict=False):
        z = np.array(panel.z, dtype=float)
        vmin, vmax = color_limits(chart, z)
        if chart.numeric:
            # Each cell centred on its value, as plotly.js draws it; row 0 at y_values[0].
            xe, ye = cell_edges(chart.x_values), cell_edges(chart.y_values)
            if _evenly_spaced(xe) and _evenly_spaced(ye):
                image = ax.imshow(z, cmap=cmap, vmin=vmin, vmax=vmax, origin="lower", aspect="auto",
                                  extent=(xe[0], xe[-1], ye[0], ye[-1]), interpolation="nearest")
            else:
                image = ax.pcolormesh(xe, ye, z, cmap=cmap, vmin=vmin, vmax=vmax, rasterized=True)
            ax.set_xlim(xe.min(), xe.max())
            ax.set_ylim((ye.max(), ye.min()) if top else (ye.min(), ye.max()))
            for k, group in enumerate(panel.points):
                ax.scatter(group.x, group.y, s=4, color=theme.COLORS[k % len(theme.COLORS)], edgecolors="white",
                           linewidths=0.2, label=group.name)
        else:
            image = ax.imshow(z, cmap=cmap, vmin=vmin, vmax=vmax, origin="upper" if top else "lower")
            step_x, step_y = theme.tick_step(len(chart.x_labels)), theme.tick_step(len(chart.y_labels))
            ax.set_xticks(range(0, len(chart.x_labels), step_x), chart.x_labels[::step_x], rotation=90, fontsize=5)
            ax.set_yticks(range(0, len(chart.y_labels), step_y), chart.y_labels[::step_y], fontsize=5)
        ax.set_title(panel.label, fontsize=8)
        ax.set_xlabel(chart.x_title, fontsize=7)
        ax.set_ylabel(chart.y_title, fontsize=7)
        ax.grid(False)
    fig.suptitle(chart.title + shown_note)
    if image is not None:
        fig.colorbar(image, ax=axes, shrink=0.7, label=chart.value_label)
    return fig


@draw.register
def _(chart: ContourChart) -> Figure:
    fig, ax = plt.subplots(figsize=(6.4, 4.8))
    z = np.array(chart.z, dtype=float)
    ax.contour(chart.x, chart.y, np.log10(z) if chart.log_z else z, levels=chart.levels, cmap="Greys",
               linewidths=0.6)
    for path in chart.paths:
        ax.plot(path.x, path.y, marker="o", markersize=2, linewidth=1.4, label=path.name,
                linestyle=":" if path.dash else "-")
    ax.set_xlim(min(chart.x), max(chart.x))
    ax.set_ylim(min(chart.y), max(chart.y))
    ax.set(title=chart.title, xlabel=chart.x_title, ylabel=chart.y_title)
    if chart.paths:
        ax.legend(frameon=False, fontsize=7)
    return fig


@draw.register
def _(chart: ImageGridChart) -> Figure:
    panels, shown_note = selection(chart.panels)
    fig, axes = _grid(len(panels), cell_height=2.2)
    for ax, panel in zip(axes, panels, strict=False):
        grid = np.array(mosaic(panel.images, chart.columns), dtype=float)
        ax.imshow(np.ma.masked_invalid(grid), cmap="Greys", vmin=0, vmax=1, interpolation="nearest")
        ax.set_title(panel.label, fontsize=8)
        ax.set_axis_off()
    fig.suptitle(chart.title + shown_note)
    return fig

"""Chart data -> a data table and a plain-language description, both generated from data.

The description is the chart's text alternative: it states what is plotted and the
numbers a sighted reader would read off it (start, end, extremes), never an opinion.
"""

from __future__ import annotations

import math
from functools import singledispatch
from statistics import mean

from .kinds import (
    BarChart,
    Chart,
    ContourChart,
    HeatmapChart,
    HistogramChart,
    ImageGridChart,
    LineChart,
    ScatterChart,
    fmt,
    nonfinite,
)
from .small_multiples import described

Table = dict  # {"columns": [...], "rows": [[...], ...]}


@singledispatch
def table(chart: Chart) -> Table:
    raise TypeError(f"no table for {type(chart).__name__}")


@singledispatch
def describe(chart: Chart) -> str:
    raise TypeError(f"no description for {type(chart).__name__}")


def _with_note(text: str, chart: Chart) -> str:
    return f"{text} {chart.note}".strip() if chart.note else text


def _frames(chart: HeatmapChart | ImageGridChart | BarChart) -> str:
    """The sentences that say a chart's panels play as frames (plotly_figure's slider and Play),
    and which panels its static image shows when it cannot show them all (a pixel grid's PNG
    has no title to say so, unlike the SVG)."""
    static = described(chart.panels)
    if len(chart.panels) < 2 or (isinstance(chart, BarChart) and not chart.play):
        return static
    return f" In the browser, a slider and a Play button step through the {len(chart.panels)} panels in order." + static


@table.register
def _(chart: LineChart) -> Table:
    rows = [[s.name, x, y] for s in chart.series for x, y in zip(s.x, s.y, strict=True)]
    rows += [[ref.label, "all", ref.value] for ref in chart.reference_lines]
    return {"columns": ["series", chart.x_label, chart.y_label], "rows": rows}


@describe.register
def _(chart: LineChart) -> str:
    parts = [f"Line chart of {chart.y_label} against {chart.x_label}."]
    for s in chart.series:
        finite = [i for i, v in enumerate(s.y) if v is not None and math.isfinite(float(v))]
        if not finite:
            if s.y:
                parts.append(f"{s.name} has no finite value (all {len(s.y)} points are NaN or infinite).")
            continue
        low = min(finite, key=lambda i: s.y[i])
        first, last = finite[0], finite[-1]
        parts.append(
            f"{s.name} goes from {fmt(s.y[first])} at {fmt(s.x[first])} to {fmt(s.y[last])} at "
            f"{fmt(s.x[last])}, lowest {fmt(s.y[low])} at {fmt(s.x[low])}."
        )
        gaps = nonfinite(s.y)
        if gaps:
            parts.append(f"{gaps} of its {len(s.y)} points are NaN or infinite (gaps in the line).")
    for ref in chart.reference_lines:
        parts.append(f"Reference line: {ref.label} at {fmt(ref.value)}.")
    return _with_note(" ".join(parts), chart)


@table.register
def _(chart: BarChart) -> Table:
    rows = [
        [p.label, c, v, "yes" if i in p.highlight else ""]
        for p in chart.panels
        for i, (c, v) in enumerate(zip(p.categories, p.values, strict=True))
    ]
    return {"columns": ["panel", chart.x_label, chart.y_label, "highlighted"], "rows": rows}


@describe.register
def _(chart: BarChart) -> str:
    parts = [f"Bar chart of {chart.y_label} by {chart.x_label}."]
    for p in chart.panels:
        if p.values:
            top = max(range(len(p.values)), key=lambda i: p.values[i])
            parts.append(f"{p.label}: highest is {p.categories[top]!r} at {fmt(p.values[top])}.")
            marked = ", ".join(repr(p.categories[i]) for i in p.highlight)
            if marked:
                parts.append(f"Highlighted: {marked}.")
    return _with_note(" ".join(parts) + _frames(chart), chart)


@table.register
def _(chart: HistogramChart) -> Table:
    rows = [[name, len(v), mean(v) if v else None, min(v, default=None), max(v, default=None)]
            for name, v in chart.groups.items()]
    return {"columns": ["group", "count", "mean", "min", "max"], "rows": rows}


@describe.register
def _(chart: HistogramChart) -> str:
    parts = [f"Histogram of {chart.x_label}."]
    for name, values in chart.groups.items():
        if values:
            parts.append(
                f"{name}: {len(values)} values, mean {fmt(mean(values))}, "
                f"range {fmt(min(values))} to {fmt(max(values))}."
            )
    if chart.reference_lines:
        shown = "; ".join(f"{r.label} at {fmt(r.value)}" for r in chart.reference_lines[:8])
        more = "" if len(chart.reference_lines) <= 8 else f" and {len(chart.reference_lines) - 8} more"
        parts.append(f"Reference lines: {shown}{more}.")
    return _with_note(" ".join(parts), chart)


@table.register
def _(chart: ScatterChart) -> Table:
    if any(g.labels for g in chart.groups):
        rows = [[g.name, label, x, y] for g in chart.groups
                for x, y, label in zip(g.x, g.y, g.labels or [""] * len(g.x), strict=True)]
        return {"columns": ["group", "label", chart.x_label, chart.y_label], "rows": rows}
    rows = [[g.name, x, y] for g in chart.groups for x, y in zip(g.x, g.y, strict=True)]
    return {"columns": ["group", chart.x_label, chart.y_label], "rows": rows}


@describe.register
def _(chart: ScatterChart) -> str:
    parts = [f"Scatter plot of {chart.y_label} against {chart.x_label}, {len(chart.groups)} groups."]
    for g in chart.groups:
        if g.x:
            parts.append(f"{g.name}: {len(g.x)} points centred near ({fmt(mean(g.x))}, {fmt(mean(g.y))}).")
    return _with_note(" ".join(parts), chart)


@table.register
def _(chart: HeatmapChart) -> Table:
    rows = [
        [p.label, chart.rows[i], chart.columns[j], value]
        for p in chart.panels
        for i, row in enumerate(p.z)
        for j, value in enumerate(row)
    ]
    return {"columns": ["panel", chart.y_title or "row", chart.x_title or "column", chart.value_label], "rows": rows}


@describe.register
def _(chart: HeatmapChart) -> str:
    axes = f"{chart.y_title or 'rows'} by {chart.x_title or 'columns'}"
    parts = [
        f"Heatmap of {chart.value_label}, {len(chart.rows)} {axes} ({len(chart.columns)} columns), "
        f"{len(chart.panels)} panel(s)."
    ]
    if chart.numeric:
        parts.append(
            f"x runs from {fmt(min(chart.x_values))} to {fmt(max(chart.x_values))}, "
            f"y from {fmt(min(chart.y_values))} to {fmt(max(chart.y_values))}."
        )
    for p in chart.panels[:4]:
        flat = [(v, i, j) for i, row in enumerate(p.z) for j, v in enumerate(row)]
        v, i, j = max(flat)
        parts.append(f"{p.label}: largest {fmt(v)} at row {chart.rows[i]!r}, column {chart.columns[j]!r}.")
        if p.points:
            parts.append("Points over it: " + ", ".join(f"{g.name} ({len(g.x)})" for g in p.points) + ".")
    if len(chart.panels) > 4:
        parts.append(f"{len(chart.panels) - 4} more panel(s) follow; the data table lists every one.")
    return _with_note(" ".join(parts) + _frames(chart), chart)


@table.register
def _(chart: ContourChart) -> Table:
    rows = [[p.name, k, x, y] for p in chart.paths for k, (x, y) in enumerate(zip(p.x, p.y, strict=True))]
    return {"columns": ["path", "step", chart.x_title, chart.y_title], "rows": rows}


@describe.register
def _(chart: ContourChart) -> str:
    flat = [(float(v), i, j) for i, row in enumerate(chart.z) for j, v in enumerate(row)]
    v, i, j = min(flat)
    parts = [
        f"Contour plot of {chart.value_label} over {chart.x_title} ({fmt(min(chart.x))} to {fmt(max(chart.x))}) "
        f"and {chart.y_title} ({fmt(min(chart.y))} to {fmt(max(chart.y))}); lowest {fmt(v)} on the grid at "
        f"({fmt(chart.x[j])}, {fmt(chart.y[i])})."
    ]
    for p in chart.paths:
        finite = [k for k in range(len(p.x)) if nonfinite([p.x[k], p.y[k]]) == 0]
        if not finite:
            what = f"all {len(p.x)} are NaN or infinite" if p.x else "it is empty"
            parts.append(f"{p.name} has no finite points ({what}), so it is not drawn.")
            continue
        end_k = finite[-1]
        diverged = " It leaves the finite range (diverges)." if len(finite) < len(p.x) else ""
        parts.append(
            f"{p.name}: {len(p.x)} steps from ({fmt(p.x[0])}, {fmt(p.y[0])}) to ({fmt(p.x[end_k])}, "
            f"{fmt(p.y[end_k])}).{diverged}"
        )
    return _with_note(" ".join(parts), chart)


@table.register
def _(chart: ImageGridChart) -> Table:
    rows = [
        [p.label, len(p.images), mean(v for img in p.images for row in img for v in row) if p.images else None]
        for p in chart.panels
    ]
    return {"columns": ["panel", "images", "mean pixel value"], "rows": rows}


@describe.register
def _(chart: ImageGridChart) -> str:
    sizes = {len(p.images) for p in chart.panels}
    shape = ""
    if chart.panels and chart.panels[0].images:
        first = chart.panels[0].images[0]
        shape = f" of {len(first)}x{len(first[0])} pixels"
    labels = ", ".join(p.label for p in chart.panels[:6])
    more = "" if len(chart.panels) <= 6 else f" and {len(chart.panels) - 6} more"
    text = (
        f"Grid of greyscale images{shape}, {'/'.join(map(str, sorted(sizes)))} per panel, "
        f"{len(chart.panels)} panel(s): {labels}{more}."
    )
    return _with_note(text + _frames(chart), chart)

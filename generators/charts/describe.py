"""Chart data -> a data table and a plain-language description, both generated from data.

The description is the chart's text alternative: it states what is plotted and the
numbers a sighted reader would read off it (start, end, extremes), never an opinion.
"""

from __future__ import annotations

from functools import singledispatch
from statistics import mean

from .kinds import (
    BarChart,
    Chart,
    HeatmapChart,
    HistogramChart,
    ImageGridChart,
    LineChart,
    ScatterChart,
    fmt,
)

Table = dict  # {"columns": [...], "rows": [[...], ...]}


@singledispatch
def table(chart: Chart) -> Table:
    raise TypeError(f"no table for {type(chart).__name__}")


@singledispatch
def describe(chart: Chart) -> str:
    raise TypeError(f"no description for {type(chart).__name__}")


def _with_note(text: str, chart: Chart) -> str:
    return f"{text} {chart.note}".strip() if chart.note else text


@table.register
def _(chart: LineChart) -> Table:
    rows = [[s.name, x, y] for s in chart.series for x, y in zip(s.x, s.y, strict=True)]
    rows += [[ref.label, "all", ref.y] for ref in chart.reference_lines]
    return {"columns": ["series", chart.x_label, chart.y_label], "rows": rows}


@describe.register
def _(chart: LineChart) -> str:
    parts = [f"Line chart of {chart.y_label} against {chart.x_label}."]
    for s in chart.series:
        if not s.y:
            continue
        low = min(range(len(s.y)), key=lambda i: s.y[i])
        parts.append(
            f"{s.name} goes from {fmt(s.y[0])} at {fmt(s.x[0])} to {fmt(s.y[-1])} at "
            f"{fmt(s.x[-1])}, lowest {fmt(s.y[low])} at {fmt(s.x[low])}."
        )
    for ref in chart.reference_lines:
        parts.append(f"Reference line: {ref.label} at {fmt(ref.y)}.")
    return _with_note(" ".join(parts), chart)


@table.register
def _(chart: BarChart) -> Table:
    rows = [[p.label, c, v] for p in chart.panels for c, v in zip(p.categories, p.values, strict=True)]
    return {"columns": ["panel", chart.x_label, chart.y_label], "rows": rows}


@describe.register
def _(chart: BarChart) -> str:
    parts = [f"Bar chart of {chart.y_label} by {chart.x_label}."]
    for p in chart.panels:
        if p.values:
            top = max(range(len(p.values)), key=lambda i: p.values[i])
            parts.append(f"{p.label}: highest is {p.categories[top]!r} at {fmt(p.values[top])}.")
    return _with_note(" ".join(parts), chart)


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
    return _with_note(" ".join(parts), chart)


@table.register
def _(chart: ScatterChart) -> Table:
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
        [p.label, chart.y_labels[i], chart.x_labels[j], value]
        for p in chart.panels
        for i, row in enumerate(p.z)
        for j, value in enumerate(row)
    ]
    return {"columns": ["panel", "row", "column", chart.value_label], "rows": rows}


@describe.register
def _(chart: HeatmapChart) -> str:
    parts = [
        f"Heatmap of {chart.value_label}, {len(chart.y_labels)} rows by "
        f"{len(chart.x_labels)} columns, {len(chart.panels)} panel(s)."
    ]
    for p in chart.panels[:4]:
        flat = [(v, i, j) for i, row in enumerate(p.z) for j, v in enumerate(row)]
        v, i, j = max(flat)
        parts.append(f"{p.label}: largest {fmt(v)} at row {chart.y_labels[i]!r}, column {chart.x_labels[j]!r}.")
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
    return _with_note(text, chart)

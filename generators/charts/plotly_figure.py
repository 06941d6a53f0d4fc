"""Chart data -> a Plotly figure as plain JSON (``{"data": [...], "layout": {...}}``).

Figures are built as dicts, not through plotly's Python objects, to keep them lean and
their bytes deterministic; tests validate them with ``plotly.graph_objects.Figure``.
"""

from __future__ import annotations

from functools import singledispatch

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


def figure(chart: Chart) -> dict:
    return _figure(chart)


@singledispatch
def _figure(chart: Chart) -> dict:
    raise TypeError(f"no Plotly builder for {type(chart).__name__}")


def _selector(labels: list[str], traces_per_panel: int, slider: bool, prefix: str) -> dict:
    """Visibility switches that show one panel at a time."""
    steps = []
    for i, label in enumerate(labels):
        visible = [j // traces_per_panel == i for j in range(len(labels) * traces_per_panel)]
        steps.append({"label": label, "method": "restyle", "args": [{"visible": visible}]})
    if slider:
        return {
            "sliders": [
                {
                    "active": 0,
                    "currentvalue": {"prefix": prefix},
                    "pad": {"t": 40},
                    "steps": steps,
                }
            ]
        }
    return {
        "updatemenus": [
            {
                "buttons": steps,
                "direction": "down",
                "x": 1,
                "xanchor": "right",
                "y": 1.18,
                "yanchor": "top",
                "showactive": True,
            }
        ]
    }


@_figure.register
def _(chart: LineChart) -> dict:
    data = [
        {
            "type": "scatter",
            "mode": "lines+markers" if len(s.x) <= 40 else "lines",
            "name": s.name,
            "x": list(s.x),
            "y": list(s.y),
            "line": {"dash": "dot" if s.dash else "solid"},
        }
        for s in chart.series
    ]
    xs = [x for s in chart.series for x in s.x]
    for ref in chart.reference_lines:
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": ref.label,
                "x": [min(xs), max(xs)],
                "y": [ref.y, ref.y],
                "line": {"dash": "dash", "color": theme.REFERENCE_COLOR, "width": 1.5},
                "hoverinfo": "name+y",
            }
        )
    layout = theme.plotly_layout(chart.title)
    layout["xaxis"] = theme.axis(chart.x_label)
    layout["yaxis"] = theme.axis(chart.y_label, log=chart.y_log)
    return {"data": data, "layout": layout}


@_figure.register
def _(chart: BarChart) -> dict:
    many = len(chart.panels) > 1
    data = [
        {
            "type": "bar",
            "name": panel.label,
            "x": panel.categories,
            "y": panel.values,
            "visible": i == 0 or not many,
            "marker": {"color": theme.COLORS[i % len(theme.COLORS)]},
        }
        for i, panel in enumerate(chart.panels)
    ]
    layout = theme.plotly_layout(chart.title)
    layout["xaxis"] = {**theme.axis(chart.x_label), "type": "category"}
    layout["yaxis"] = theme.axis(chart.y_label)
    layout["showlegend"] = False
    if many:
        layout.update(_selector([p.label for p in chart.panels], 1, False, ""))
    return {"data": data, "layout": layout}


@_figure.register
def _(chart: HistogramChart) -> dict:
    data = [
        {"type": "histogram", "name": name, "x": values, "opacity": 0.65, "nbinsx": chart.bins}
        for name, values in chart.groups.items()
    ]
    layout = theme.plotly_layout(chart.title)
    layout["barmode"] = "overlay"
    layout["xaxis"] = theme.axis(chart.x_label)
    layout["yaxis"] = theme.axis("count")
    return {"data": data, "layout": layout}


@_figure.register
def _(chart: ScatterChart) -> dict:
    data = [
        {
            "type": "scatter",
            "mode": "markers",
            "name": g.name,
            "x": g.x,
            "y": g.y,
            "marker": {"size": 5, "opacity": 0.8},
        }
        for g in chart.groups
    ]
    layout = theme.plotly_layout(chart.title)
    layout["xaxis"] = theme.axis(chart.x_label)
    layout["yaxis"] = theme.axis(chart.y_label)
    return {"data": data, "layout": layout}


@_figure.register
def _(chart: HeatmapChart) -> dict:
    many = len(chart.panels) > 1
    data = [
        {
            "type": "heatmap",
            "name": panel.label,
            "z": [list(row) for row in panel.z],
            "x": chart.x_labels,
            "y": chart.y_labels,
            "colorscale": theme.HEATMAP_SCALE,
            "zmin": chart.zmin,
            "zmax": chart.zmax,
            "visible": i == 0 or not many,
            "colorbar": {"title": {"text": chart.value_label}},
            "hovertemplate": "query %{y}<br>key %{x}<br>%{z:.3f}<extra></extra>",
        }
        for i, panel in enumerate(chart.panels)
    ]
    layout = theme.plotly_layout(chart.title)
    layout["xaxis"] = {**theme.axis("attends to (key)"), "type": "category", "tickangle": -45}
    layout["yaxis"] = {**theme.axis("position (query)"), "type": "category", "autorange": "reversed"}
    if many:
        layout.update(_selector([p.label for p in chart.panels], 1, False, ""))
    return {"data": data, "layout": layout}


@_figure.register
def _(chart: ImageGridChart) -> dict:
    many = len(chart.panels) > 1
    data = [
        {
            "type": "heatmap",
            "name": panel.label,
            "z": mosaic(panel.images, chart.columns),
            "colorscale": theme.IMAGE_SCALE,
            "reversescale": True,
            "zmin": 0,
            "zmax": 1,
            "showscale": False,
            "visible": i == 0 or not many,
            "hoverinfo": "skip",
        }
        for i, panel in enumerate(chart.panels)
    ]
    layout = theme.plotly_layout(chart.title)
    hidden = {"visible": False, "showgrid": False, "zeroline": False}
    layout["xaxis"] = {**hidden, "constrain": "domain"}
    layout["yaxis"] = {**hidden, "autorange": "reversed", "scaleanchor": "x"}
    if many:
        layout.update(_selector([p.label for p in chart.panels], 1, True, ""))
    return {"data": data, "layout": layout}

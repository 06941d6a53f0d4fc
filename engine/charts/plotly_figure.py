"""Chart data -> a Plotly figure as plain JSON (``{"data": [...], "layout": {...}}``).

Figures are built as dicts, not through plotly's Python objects, to keep them lean and
their bytes deterministic; tests validate them with ``plotly.graph_objects.Figure``.
"""

from __future__ import annotations

from functools import singledispatch

from . import theme
from .kinds import (
    BarChart,
    BarPanel,
    Chart,
    ContourChart,
    HeatmapChart,
    HistogramChart,
    ImageGridChart,
    LineChart,
    ScatterChart,
    ScatterGroup,
)
from .mosaic import mosaic


def figure(chart: Chart) -> dict:
    return _figure(chart)


def _finite_or_none(v: float) -> float | None:
    """NaN and ±inf become gaps: JSON has no NaN, and plotly breaks the line there."""
    import math

    return float(v) if v is not None and math.isfinite(float(v)) else None


def _point_labels(group: ScatterGroup, show: bool) -> dict:
    if not group.labels:
        return {}
    extra: dict = {"text": group.labels, "hovertemplate": "%{text}<br>(%{x:.3g}, %{y:.3g})<extra></extra>"}
    if show:
        extra["mode"] = "markers+text"
        extra["textposition"] = "top center"
    return extra


@singledispatch
def _figure(chart: Chart) -> dict:
    raise TypeError(f"no Plotly builder for {type(chart).__name__}")


def _selector(labels: list[str]) -> dict:
    """A dropdown that shows one panel at a time (panels to compare, not a sequence)."""
    steps = [
        {"label": label, "method": "restyle", "args": [{"visible": [j == i for j in range(len(labels))]}]}
        for i, label in enumerate(labels)
    ]
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


FRAME_MS = 700
"""How long Play shows each frame: long enough to read its label."""


def _frames(labels: list[str], updates: list[list[dict]], under_axis: bool) -> dict:
    """Panels as Plotly frames: a slider picks one, Play steps through them all.

    ``updates[i]`` holds, for each trace, its type and what changes in panel i (``z``, ``x``...);
    the figure's data holds panel 0 in full. Heatmaps only change on a redraw, hence
    ``redraw`` everywhere. ``under_axis``: the controls go below a visible x axis and its title."""
    names = [f"frame {i + 1}" for i in range(len(labels))]
    traces = list(range(len(updates[0])))
    jump = {"mode": "immediate", "frame": {"duration": 0, "redraw": True}, "transition": {"duration": 0}}
    play = {"mode": "immediate", "fromcurrent": True, "frame": {"duration": FRAME_MS, "redraw": True},
            "transition": {"duration": 0}}
    pause = {"mode": "immediate", "frame": {"duration": 0, "redraw": False}, "transition": {"duration": 0}}
    gap = 72 if under_axis else 40
    return {
        "frames": [{"name": n, "data": u, "traces": traces} for n, u in zip(names, updates, strict=True)],
        "layout": {
            "sliders": [{
                "active": 0, "x": 0.12, "len": 0.88, "y": 0, "yanchor": "top", "pad": {"t": gap},
                "currentvalue": {"prefix": ""},
                "steps": [{"label": label, "method": "animate", "args": [[n], jump]}
                          for label, n in zip(labels, names, strict=True)],
            }],
            "updatemenus": [{
                "type": "buttons", "direction": "left", "showactive": False,
                "x": 0.1, "xanchor": "right", "y": 0, "yanchor": "top", "pad": {"t": gap + 18, "r": 6},
                "buttons": [{"label": "Play", "method": "animate", "args": [None, play]},
                            {"label": "Pause", "method": "animate", "args": [[None], pause]}],
            }],
        },
    }


def _animated(data: list[dict], layout: dict, labels: list[str], updates: list[list[dict]]) -> dict:
    extra = _frames(labels, updates, under_axis=layout["xaxis"].get("visible", True))
    layout.update(extra["layout"])
    return {"data": data, "layout": layout, "frames": extra["frames"]}


@_figure.register
def _(chart: LineChart) -> dict:
    data: list[dict] = [
        {
            "type": "scatter",
            "mode": "lines+markers" if len(s.x) <= 40 else "lines",
            "name": s.name,
            "x": list(s.x),
            "y": [_finite_or_none(v) for v in s.y],
            "line": {"dash": "dot" if s.dash else "solid"},
            "connectgaps": False,
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
                "y": [ref.value, ref.value],
                "line": {"dash": "dash", "color": theme.REFERENCE_COLOR, "width": 1.5},
                "hoverinfo": "name+y",
            }
        )
    layout = theme.plotly_layout(chart.title)
    layout["xaxis"] = theme.axis(chart.x_label)
    layout["yaxis"] = theme.axis(chart.y_label, log=chart.y_log)
    return {"data": data, "layout": layout}


def _bar_colors(panel: BarPanel, base: str) -> str | list[str]:
    if not panel.highlight:
        return base
    return [theme.HIGHLIGHT_COLOR if i in panel.highlight else base for i in range(len(panel.values))]


@_figure.register
def _(chart: BarChart) -> dict:
    many = len(chart.panels) > 1
    value_axis, category_axis = ("x", "y") if chart.horizontal else ("y", "x")
    data = [
        {
            "type": "bar",
            "name": panel.label,
            category_axis: panel.categories,
            value_axis: panel.values,
            "orientation": "h" if chart.horizontal else "v",
            "visible": i == 0 or not many,
            "marker": {"color": _bar_colors(panel, theme.COLORS[i % len(theme.COLORS)])},
        }
        for i, panel in enumerate(chart.panels)
    ]
    layout = theme.plotly_layout(chart.title)
    layout[f"{category_axis}axis"] = {**theme.axis(chart.x_label), "type": "category"}
    layout[f"{value_axis}axis"] = theme.axis(chart.y_label)
    if chart.horizontal:
        layout["yaxis"]["autorange"] = "reversed"  # the first category reads at the top
    layout["showlegend"] = False
    if many and chart.play:
        # One fixed value axis, so that the frames can be compared as they play.
        top = max((v for p in chart.panels for v in p.values), default=1.0)
        layout[f"{value_axis}axis"]["range"] = [min(0.0, *(v for p in chart.panels for v in p.values)), top * 1.05]
        base = theme.COLORS[0]
        updates = [[{"type": "bar", "name": p.label, category_axis: p.categories, value_axis: p.values,
                     "marker": {"color": _bar_colors(p, base)}}] for p in chart.panels]
        data = [{**data[0], "visible": True, "marker": {"color": _bar_colors(chart.panels[0], base)}}]
        return _animated(data, layout, [p.label for p in chart.panels], updates)
    if many:
        layout.update(_selector([p.label for p in chart.panels]))
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
    if chart.reference_lines:
        line = {"color": theme.REFERENCE_COLOR, "width": 1, "dash": "dash"}
        layout["shapes"] = [
            {"type": "line", "xref": "x", "yref": "paper", "x0": r.value, "x1": r.value, "y0": 0, "y1": 1, "line": line}
            for r in chart.reference_lines
        ]
        if len(chart.reference_lines) <= 6:  # beyond a few, labels collide: the table lists them
            layout["annotations"] = [
                {"x": r.value, "y": 1, "xref": "x", "yref": "paper", "text": r.label, "showarrow": False,
                 "yanchor": "bottom", "font": {"size": 10}}
                for r in chart.reference_lines
            ]
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
            **_point_labels(g, chart.show_labels),
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
    hover = (f"{chart.y_title or 'row'} %{{y}}<br>{chart.x_title or 'column'} %{{x}}<br>"
             f"{chart.value_label} %{{z:.3f}}<extra></extra>")
    scale = theme.DIVERGING_SCALE if chart.diverging else chart.colorscale
    slots = max((len(p.points) for p in chart.panels), default=0)
    first = chart.panels[0]
    heatmap = {
        "type": "heatmap",
        "name": first.label,
        "z": [list(row) for row in first.z],
        "x": chart.columns,
        "y": chart.rows,
        "colorscale": scale,
        "zmin": chart.zmin,
        "zmax": chart.zmax,
        "colorbar": {"title": {"text": chart.value_label}},
        "hovertemplate": hover,
    }
    if chart.diverging:
        heatmap["zmid"] = chart.zmid
    data: list[dict] = [heatmap]
    for k in range(slots):
        group = first.points[k] if k < len(first.points) else None
        data.append({
            "type": "scatter", "mode": "markers", "name": group.name if group else "",
            "x": group.x if group else [], "y": group.y if group else [],
            "marker": {"size": 5, "color": theme.COLORS[k % len(theme.COLORS)],
                       "line": {"width": 0.5, "color": "#ffffff"}},
            "showlegend": group is not None,
        })
    # What each panel changes: the cells, and the points of each slot (empty where a panel has fewer).
    updates = [
        [{"type": "heatmap", "name": p.label, "z": [list(row) for row in p.z]}]
        + [{"type": "scatter", "name": g.name, "x": g.x, "y": g.y} if g else {"type": "scatter", "x": [], "y": []}
           for g in (p.points[k] if k < len(p.points) else None for k in range(slots))]
        for p in chart.panels
    ]
    layout = theme.plotly_layout(chart.title)
    kind = "linear" if chart.numeric else "category"
    layout["xaxis"] = {**theme.axis(chart.x_title), "type": kind, **theme.ticks(chart.columns, chart.numeric)}
    layout["yaxis"] = {**theme.axis(chart.y_title), "type": kind, **theme.ticks(chart.rows, chart.numeric)}
    if not chart.numeric:
        layout["xaxis"]["tickangle"] = -45
    if chart.row_origin == "top":
        layout["yaxis"]["autorange"] = "reversed"
    if many:
        return _animated(data, layout, [p.label for p in chart.panels], updates)
    return {"data": data, "layout": layout}


@_figure.register
def _(chart: ContourChart) -> dict:
    import math

    contour = {
        "type": "contour",
        "name": chart.value_label,
        "x": chart.x,
        "y": chart.y,
        "z": [[math.log10(float(v)) for v in row] if chart.log_z else list(row) for row in chart.z],
        "colorscale": theme.CONTOUR_SCALE,
        "ncontours": chart.levels,
        "contours": {"coloring": "lines"},
        "line": {"width": 1},
        "showscale": False,
        "hovertemplate": (f"{chart.x_title} %{{x}}<br>{chart.y_title} %{{y}}<br>"
                          f"{'log10 ' if chart.log_z else ''}{chart.value_label} %{{z:.3g}}<extra></extra>"),
    }
    paths = [
        {
            "type": "scatter", "mode": "lines+markers", "name": p.name,
            "x": [_finite_or_none(v) for v in p.x], "y": [_finite_or_none(v) for v in p.y],
            "marker": {"size": 3}, "line": {"width": 2, "dash": "dot" if p.dash else "solid"},
            "connectgaps": False,
        }
        for p in chart.paths
    ]
    layout = theme.plotly_layout(chart.title)
    layout["xaxis"] = {**theme.axis(chart.x_title), "range": [min(chart.x), max(chart.x)]}
    layout["yaxis"] = {**theme.axis(chart.y_title), "range": [min(chart.y), max(chart.y)]}
    return {"data": [contour, *paths], "layout": layout}


@_figure.register
def _(chart: ImageGridChart) -> dict:
    many = len(chart.panels) > 1
    data = [
        {
            "type": "heatmap",
            "name": chart.panels[0].label,
            "z": mosaic(chart.panels[0].images, chart.columns),
            "colorscale": theme.IMAGE_SCALE,
            "reversescale": True,
            "zmin": 0,
            "zmax": 1,
            "showscale": False,
            "hoverinfo": "skip",
        }
    ]
    layout = theme.plotly_layout(chart.title)
    hidden = {"visible": False, "showgrid": False, "zeroline": False}
    layout["xaxis"] = {**hidden, "constrain": "domain"}
    layout["yaxis"] = {**hidden, "autorange": "reversed", "scaleanchor": "x"}
    if many:
        updates = [[{"type": "heatmap", "name": p.label, "z": mosaic(p.images, chart.columns)}] for p in chart.panels]
        return _animated(data, layout, [p.label for p in chart.panels], updates)
    return {"data": data, "layout": layout}

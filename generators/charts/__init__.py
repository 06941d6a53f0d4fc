"""Every chart in the course is built here, from data, with one shared theme.

Generators construct chart data (``LineChart``, ``HeatmapChart`` ...); ``render`` turns
one into the four forms a page needs: the interactive Plotly figure, the static SVG, the
data table and a text description.
"""

from __future__ import annotations

import math
from typing import Any

from .kinds import (
    BarChart,
    BarPanel,
    Chart,
    HeatmapChart,
    HeatmapPanel,
    HistogramChart,
    ImageGridChart,
    ImagePanel,
    LineChart,
    ReferenceLine,
    ScatterChart,
    ScatterGroup,
    Series,
    trace_types,
)

__all__ = [
    "BarChart",
    "BarPanel",
    "HeatmapChart",
    "HeatmapPanel",
    "HistogramChart",
    "ImageGridChart",
    "ImagePanel",
    "LineChart",
    "ReferenceLine",
    "ScatterChart",
    "ScatterGroup",
    "Series",
    "render",
    "rounded",
]


def rounded(value: Any, digits: int = 5) -> Any:
    """Round floats (recursively) so serialised outputs are stable across runs."""
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return float(f"{value:.{digits}g}")
    if isinstance(value, dict):
        return {k: rounded(v, digits) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [rounded(v, digits) for v in value]
    if hasattr(value, "tolist"):
        return rounded(value.tolist(), digits)
    return value


def render(chart: Chart) -> tuple[dict[str, Any], bytes]:
    """Return the chart's JSON document (figure, table, description) and its SVG bytes."""
    from .describe import describe, table
    from .plotly_figure import figure
    from .svg_figure import svg

    document = {
        "name": chart.name,
        "title": chart.title,
        "description": describe(chart),
        "figure": rounded(figure(chart)),
        "table": rounded(table(chart)),
        "trace_types": trace_types(chart),
    }
    return document, svg(chart)

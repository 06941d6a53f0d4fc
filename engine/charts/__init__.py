"""Every chart in the course is built here, from data, with one shared theme.

Generators construct chart data (``LineChart``, ``HeatmapChart`` ...); ``render`` turns
one into the four forms a page needs: the interactive Plotly figure, the static SVG, the
data table and a text description.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from dataclasses import dataclass
from typing import Any

from engine.rounding import rounded

from .kinds import (
    KINDS,
    BarChart,
    BarPanel,
    Chart,
    ChartDataError,
    ContourChart,
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

log = logging.getLogger("generators")

__all__ = [
    "KINDS",
    "BarChart",
    "BarPanel",
    "ChartDataError",
    "ContourChart",
    "HeatmapChart",
    "HeatmapPanel",
    "HistogramChart",
    "ImageGridChart",
    "ImagePanel",
    "LineChart",
    "ReferenceLine",
    "Rendered",
    "ScatterChart",
    "ScatterGroup",
    "Series",
    "render",
    "rounded",
]


PAGE_TABLE_ROWS = 500
"""A page's data table shows at most this many rows (evenly sampled); the CSV has all."""
SIZE_GUIDANCE_BYTES = 150_000
"""Above this much figure data a chart slows its page and swells the email file."""


@dataclass(frozen=True)
class Rendered:
    document: dict[str, Any]
    """Figure, page table, description and trace types, as ``<chart>.chart.json``."""
    svg: bytes
    csv: bytes
    """Every row of the data table."""
    figure_bytes: int
    png: bytes | None = None
    """A pixel grid's static image (ImageGridChart), at native size; None for other kinds."""


def page_table(full: dict[str, Any], limit: int = PAGE_TABLE_ROWS) -> dict[str, Any]:
    """At most ``limit`` rows, sampled evenly, saying so."""
    rows = full["rows"]
    if len(rows) <= limit:
        return {**full, "total_rows": len(rows)}
    picked = [rows[round(i * (len(rows) - 1) / (limit - 1))] for i in range(limit)]
    return {"columns": full["columns"], "rows": picked, "total_rows": len(rows),
            "sampled": f"{limit} of {len(rows)} rows, evenly spaced; the CSV has every row"}


def to_csv(full: dict[str, Any]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(full["columns"])
    writer.writerows([["" if cell is None else cell for cell in row] for row in full["rows"]])
    return buffer.getvalue().encode("utf-8")


def render(chart: Chart) -> Rendered:
    """The chart's JSON document (figure, page table, description), SVG and CSV."""
    from .describe import describe, table
    from .plotly_figure import figure
    from .svg_figure import pixels_png, svg

    full = rounded(table(chart))
    fig = rounded(figure(chart))
    figure_bytes = len(json.dumps(fig, separators=(",", ":")))
    if figure_bytes > SIZE_GUIDANCE_BYTES:
        log.warning(
            "chart %r: %d KB of figure data (guidance: about %d KB); fewer points, cells or panels keep pages light",
            chart.name, figure_bytes // 1000, SIZE_GUIDANCE_BYTES // 1000,
        )
    document = {
        "name": chart.name,
        "title": chart.title,
        "description": describe(chart),
        "figure": fig,
        "table": page_table(full),
        "trace_types": trace_types(chart),
    }
    png = pixels_png(chart) if isinstance(chart, ImageGridChart) else None
    if png is not None:
        document["static"] = "png"  # the page's static image is <chart>.png (templates/components/chart.html)
    return Rendered(document, svg(chart), to_csv(full), figure_bytes, png)

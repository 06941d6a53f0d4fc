"""Chart data: what a generator hands to the charts package. No plotting happens here.

Each kind is a plain dataclass of numbers and labels. ``name`` is the file stem under
``generated/<generator>/`` and the key lecturers use: ``chart("gpt_pretrain/loss")``.
A kind with several ``panels`` gets a selector (dropdown or slider) in the browser and
small multiples in the static SVG.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

Matrix = Sequence[Sequence[float]]


@dataclass
class Series:
    name: str
    x: Sequence[float]
    y: Sequence[float]
    dash: bool = False
    """Dashed: a secondary quantity, such as train loss beside held-out loss."""


@dataclass
class ReferenceLine:
    label: str
    y: float


@dataclass
class LineChart:
    name: str
    title: str
    x_label: str
    y_label: str
    series: list[Series]
    reference_lines: list[ReferenceLine] = field(default_factory=list)
    y_log: bool = False
    note: str = ""
    """One sentence from the generator appended to the generated description."""


@dataclass
class BarPanel:
    label: str
    categories: list[str]
    values: list[float]


@dataclass
class BarChart:
    name: str
    title: str
    x_label: str
    y_label: str
    panels: list[BarPanel]
    note: str = ""


@dataclass
class HistogramChart:
    name: str
    title: str
    x_label: str
    groups: dict[str, list[float]]
    bins: int = 20
    note: str = ""


@dataclass
class ScatterGroup:
    name: str
    x: list[float]
    y: list[float]


@dataclass
class ScatterChart:
    name: str
    title: str
    x_label: str
    y_label: str
    groups: list[ScatterGroup]
    note: str = ""


@dataclass
class HeatmapPanel:
    label: str
    z: Matrix


@dataclass
class HeatmapChart:
    name: str
    title: str
    x_labels: list[str]
    y_labels: list[str]
    panels: list[HeatmapPanel]
    value_label: str = "value"
    zmin: float | None = None
    zmax: float | None = None
    note: str = ""


@dataclass
class ImagePanel:
    label: str
    images: list[Matrix]
    """Greyscale images with values in [0, 1], all the same size."""


@dataclass
class ImageGridChart:
    name: str
    title: str
    panels: list[ImagePanel]
    columns: int = 10
    note: str = ""


Chart = LineChart | BarChart | HistogramChart | ScatterChart | HeatmapChart | ImageGridChart


def fmt(value: float) -> str:
    """A number as a reader wants it in prose: four significant figures."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    return f"{value:.4g}"


def trace_types(chart: Chart) -> list[str]:
    """The plotly.js trace types the chart needs; the build checks them against the bundle."""
    return {
        LineChart: ["scatter"],
        BarChart: ["bar"],
        HistogramChart: ["histogram"],
        ScatterChart: ["scatter"],
        HeatmapChart: ["heatmap"],
        ImageGridChart: ["heatmap"],
    }[type(chart)]

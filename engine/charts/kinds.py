"""Chart data: what a generator hands to the charts package. No plotting happens here.

Each kind is a plain dataclass of numbers and labels, checked when it is built: a bad
length or a NaN where the kind has no use for one fails at once, naming the chart and
the series (``LineChart 'loss', series 'SGD': x has 60 points, y has 59``), before any
file is written. ``name`` is the file stem under ``generated/<generator>/`` and the key
lecturers use: ``chart("gpt_pretrain/loss")``.

A kind with several ``panels`` gets a slider or menu in the browser (frames) and small
multiples in the static SVG. The Components page documents every kind with a live example.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from . import theme

Matrix = Sequence[Sequence[float]]
NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


class ChartDataError(ValueError):
    """Chart data that cannot be drawn; the message names the chart and the series."""


def _is_number(v: object) -> bool:
    return (isinstance(v, int | float) and not isinstance(v, bool)) or hasattr(v, "__float__")


def _check_name(chart: object) -> None:
    name = getattr(chart, "name", "")
    if not isinstance(name, str) or not NAME.match(name):
        raise ChartDataError(
            f"{type(chart).__name__} {name!r}: a chart name is lower-case letters, digits, '_' and '-' "
            "(it becomes a file name and the key pages use)"
        )


def _where(chart: object, part: str = "") -> str:
    base = f"{type(chart).__name__} {getattr(chart, 'name', '?')!r}"
    return f"{base}, {part}" if part else base


def _check_values(where: str, axis: str, values: Sequence[float], allow_nonfinite: bool = False) -> None:
    for i, v in enumerate(values):
        if v is None and allow_nonfinite:
            continue
        if not _is_number(v):
            raise ChartDataError(f"{where}: {axis}[{i}] is {v!r}, not a number")
        if not allow_nonfinite and not math.isfinite(float(v)):
            raise ChartDataError(f"{where}: {axis}[{i}] is {float(v)}; this chart kind needs finite numbers")


def _check_pair(where: str, x: Sequence[float], y: Sequence[float], allow_nonfinite_y: bool = False) -> None:
    if len(x) != len(y):
        raise ChartDataError(f"{where}: x has {len(x)} points, y has {len(y)}")
    _check_values(where, "x", x)
    _check_values(where, "y", y, allow_nonfinite_y)


def _check_matrix(where: str, z: Matrix, rows: int, cols: int, allow_nonfinite: bool = False) -> None:
    if len(z) != rows:
        raise ChartDataError(f"{where}: z has {len(z)} rows, the y axis has {rows}")
    for i, row in enumerate(z):
        if len(row) != cols:
            raise ChartDataError(f"{where}: z row {i} has {len(row)} values, the x axis has {cols}")
        _check_values(where, f"z[{i}]", row, allow_nonfinite)


def nonfinite(values: Sequence[float]) -> int:
    """How many values are NaN, ±inf or missing (drawn as gaps)."""
    return sum(1 for v in values if v is None or not math.isfinite(float(v)))


@dataclass
class Series:
    name: str
    x: Sequence[float]
    y: Sequence[float]
    dash: bool = False
    """Dashed: a secondary quantity, such as train loss beside held-out loss."""


@dataclass
class ReferenceLine:
    """A labelled constant: horizontal on a line chart, vertical on a histogram."""

    label: str
    value: float


@dataclass
class LineChart:
    """Quantities against a shared x, such as losses over training steps.

    y may hold NaN or ±inf (a diverging run's loss is data): drawn as gaps and counted in
    the description."""

    name: str
    title: str
    x_label: str
    y_label: str
    series: list[Series]
    reference_lines: list[ReferenceLine] = field(default_factory=list)
    y_log: bool = False
    note: str = ""
    """One sentence from the generator appended to the generated description."""

    def __post_init__(self) -> None:
        _check_name(self)
        if not self.series:
            raise ChartDataError(f"{_where(self)}: needs at least one series")
        for s in self.series:
            _check_pair(_where(self, f"series {s.name!r}"), s.x, s.y, allow_nonfinite_y=True)
        for ref in self.reference_lines:
            _check_values(_where(self, f"reference line {ref.label!r}"), "value", [ref.value])


@dataclass
class BarPanel:
    label: str
    categories: list[str]
    values: list[float]
    highlight: list[int] = field(default_factory=list)
    """Indices of bars drawn in the accent colour, such as the gold chunk in a top-k list."""


@dataclass
class BarChart:
    """Values per category; several panels get a menu (one panel at a time)."""

    name: str
    title: str
    x_label: str
    y_label: str
    panels: list[BarPanel]
    horizontal: bool = False
    """Bars grow to the right, categories read down: for long labels such as text chunks."""
    note: str = ""
    play: bool = False
    """The panels are steps of a sequence (a sweep, training over time): a slider with Play,
    on one fixed value axis, instead of a menu of alternatives."""

    def __post_init__(self) -> None:
        _check_name(self)
        if not self.panels:
            raise ChartDataError(f"{_where(self)}: needs at least one panel")
        for p in self.panels:
            where = _where(self, f"panel {p.label!r}")
            if len(p.categories) != len(p.values):
                raise ChartDataError(f"{where}: {len(p.categories)} categories but {len(p.values)} values")
            _check_values(where, "values", p.values)
            bad = [i for i in p.highlight if not 0 <= i < len(p.values)]
            if bad:
                raise ChartDataError(f"{where}: highlight index {bad[0]} is outside 0..{len(p.values) - 1}")


@dataclass
class HistogramChart:
    """Distributions of values, overlaid, with optional vertical reference lines (a
    threshold, the 16 levels of a quantizer)."""

    name: str
    title: str
    x_label: str
    groups: dict[str, list[float]]
    bins: int = 20
    reference_lines: list[ReferenceLine] = field(default_factory=list)
    note: str = ""

    def __post_init__(self) -> None:
        _check_name(self)
        if self.bins < 1:
            raise ChartDataError(f"{_where(self)}: bins must be at least 1, not {self.bins}")
        for name, values in self.groups.items():
            _check_values(_where(self, f"group {name!r}"), "values", values)
        for ref in self.reference_lines:
            _check_values(_where(self, f"reference line {ref.label!r}"), "value", [ref.value])


@dataclass
class ScatterGroup:
    name: str
    x: list[float]
    y: list[float]
    labels: list[str] = field(default_factory=list)
    """One text per point, shown on hover (and beside the point when the chart says so)."""


def _check_group(where: str, g: ScatterGroup) -> None:
    _check_pair(where, g.x, g.y)
    if g.labels and len(g.labels) != len(g.x):
        raise ChartDataError(f"{where}: {len(g.labels)} labels for {len(g.x)} points")


@dataclass
class ScatterChart:
    """Points in groups, such as an embedding map; each point may carry a label."""

    name: str
    title: str
    x_label: str
    y_label: str
    groups: list[ScatterGroup]
    show_labels: bool = False
    """Write each point's label beside it (for a few dozen points at most)."""
    note: str = ""

    def __post_init__(self) -> None:
        _check_name(self)
        for g in self.groups:
            _check_group(_where(self, f"group {g.name!r}"), g)


@dataclass
class HeatmapPanel:
    label: str
    z: Matrix
    """``z[i][j]`` is the cell at row i (``y_labels[i]`` or ``y_values[i]``), column j."""
    points: list[ScatterGroup] = field(default_factory=list)
    """Points drawn over the heatmap, in the axes' units (numeric axes only)."""


@dataclass
class HeatmapChart:
    """A matrix of values: categorical axes (attention: query × key) or a numeric grid
    (a classifier's probability over the plane, with the data points over it).

    Row order: with ``origin="top"`` row 0 is drawn at the top, as a matrix is written;
    with ``origin="bottom"`` row 0 is at the bottom, as a plot of the plane is. Numeric
    grids default to the bottom."""

    name: str
    title: str
    panels: list[HeatmapPanel]
    x_labels: list[str] = field(default_factory=list)
    y_labels: list[str] = field(default_factory=list)
    x_values: list[float] = field(default_factory=list)
    y_values: list[float] = field(default_factory=list)
    x_title: str = ""
    y_title: str = ""
    value_label: str = "value"
    zmin: float | None = None
    zmax: float | None = None
    origin: str = ""
    """"top" or "bottom"; empty: top for categorical axes, bottom for numeric ones."""
    colorscale: str = "Viridis"
    """One of Viridis, Cividis, Greys, Blues, Reds, RdBu: the scales that the browser and the
    SVG draw alike, as plotly.js draws them (Blues runs from dark blue at the lowest value to
    light grey, RdBu from blue to red). Ignored when ``diverging``, which uses RdBu."""
    diverging: bool = False
    """Centre the colours on ``zmid`` with a two-sided scale (signed values, differences)."""
    zmid: float = 0.0
    note: str = ""

    def __post_init__(self) -> None:
        _check_name(self)
        categorical = bool(self.x_labels or self.y_labels)
        numeric = bool(self.x_values or self.y_values)
        if categorical == numeric:
            raise ChartDataError(
                f"{_where(self)}: give either x_labels and y_labels (categories) or x_values and y_values (numbers)"
            )
        if self.origin not in ("", "top", "bottom"):
            raise ChartDataError(f"{_where(self)}: origin is 'top' or 'bottom', not {self.origin!r}")
        if self.colorscale not in theme.COLOR_SCALES:
            raise ChartDataError(
                f"{_where(self)}: colorscale {self.colorscale!r} is not one of {', '.join(theme.COLOR_SCALES)} "
                "(the scales the browser and the SVG draw alike)"
            )
        _check_values(_where(self), "x_values", self.x_values)
        _check_values(_where(self), "y_values", self.y_values)
        if not self.panels:
            raise ChartDataError(f"{_where(self)}: needs at least one panel")
        for p in self.panels:
            where = _where(self, f"panel {p.label!r}")
            _check_matrix(where, p.z, len(self.rows), len(self.columns))
            if p.points and categorical:
                raise ChartDataError(f"{where}: points need numeric axes (x_values, y_values)")
            for g in p.points:
                _check_group(_where(self, f"panel {p.label!r}, points {g.name!r}"), g)

    @property
    def numeric(self) -> bool:
        return bool(self.x_values)

    @property
    def columns(self) -> list:
        return list(self.x_values) if self.numeric else list(self.x_labels)

    @property
    def rows(self) -> list:
        return list(self.y_values) if self.numeric else list(self.y_labels)

    @property
    def row_origin(self) -> str:
        return self.origin or ("bottom" if self.numeric else "top")


@dataclass
class ContourChart:
    """A function of two variables as contour lines, with paths over it: an optimizer's
    trajectory across a loss surface. Paths may end in NaN (a run that diverged)."""

    name: str
    title: str
    x_title: str
    y_title: str
    x: list[float]
    y: list[float]
    z: Matrix
    """``z[i][j]`` is the value at (``x[j]``, ``y[i]``)."""
    paths: list[Series] = field(default_factory=list)
    value_label: str = "value"
    log_z: bool = False
    """Space the contour levels logarithmically (a valley like Rosenbrock's needs it)."""
    levels: int = 20
    note: str = ""

    def __post_init__(self) -> None:
        _check_name(self)
        _check_values(_where(self), "x", self.x)
        _check_values(_where(self), "y", self.y)
        _check_matrix(_where(self, "surface"), self.z, len(self.y), len(self.x))
        if self.log_z and any(float(v) <= 0 for row in self.z for v in row):
            raise ChartDataError(f"{_where(self)}: log_z needs every z value above 0")
        for path in self.paths:
            where = _where(self, f"path {path.name!r}")
            if len(path.x) != len(path.y):
                raise ChartDataError(f"{where}: x has {len(path.x)} points, y has {len(path.y)}")
            _check_values(where, "x", path.x, allow_nonfinite=True)
            _check_values(where, "y", path.y, allow_nonfinite=True)


@dataclass
class ImagePanel:
    label: str
    images: list[Matrix]
    """Greyscale images with values in [0, 1], all the same size."""


@dataclass
class ImageGridChart:
    """Small greyscale images in a grid (digits, samples); several panels get a slider."""

    name: str
    title: str
    panels: list[ImagePanel]
    columns: int = 10
    note: str = ""

    def __post_init__(self) -> None:
        _check_name(self)
        if not self.panels:
            raise ChartDataError(f"{_where(self)}: needs at least one panel")
        for p in self.panels:
            if not p.images:
                raise ChartDataError(f"{_where(self, f'panel {p.label!r}')}: needs at least one image")
            for k, img in enumerate(p.images):
                widths = {len(row) for row in img}
                if not img or 0 in widths:
                    raise ChartDataError(f"{_where(self, f'panel {p.label!r}')}: image {k} is empty")
                if len(widths) > 1:
                    raise ChartDataError(
                        f"{_where(self, f'panel {p.label!r}')}: image {k} has rows of {sorted(widths)} pixels"
                    )
        shapes = {(len(img), len(img[0])) for p in self.panels for img in p.images}
        if len(shapes) > 1:
            raise ChartDataError(f"{_where(self)}: images differ in size: {sorted(shapes)}")
        for p in self.panels:
            for k, img in enumerate(p.images):
                for row in img:
                    for v in row:
                        if not 0.0 <= float(v) <= 1.0:
                            raise ChartDataError(
                                f"{_where(self, f'panel {p.label!r}')}: image {k} has value {float(v)} outside [0, 1]"
                            )


Chart = LineChart | BarChart | HistogramChart | ScatterChart | HeatmapChart | ContourChart | ImageGridChart
KINDS: tuple[type, ...] = (
    LineChart, BarChart, HistogramChart, ScatterChart, HeatmapChart, ContourChart, ImageGridChart,
)


def fmt(value: float | None) -> str:
    """A number as a reader wants it in prose: four significant figures."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    return f"{value:.4g}"


def trace_types(chart: Chart) -> list[str]:
    """The plotly.js trace types the chart needs; the build checks them against the bundle."""
    if isinstance(chart, HeatmapChart):
        return ["heatmap", "scatter"] if any(p.points for p in chart.panels) else ["heatmap"]
    if isinstance(chart, ContourChart):
        return ["contour", "scatter"]
    types: dict[type, list[str]] = {
        LineChart: ["scatter"],
        BarChart: ["bar"],
        HistogramChart: ["histogram"],
        ScatterChart: ["scatter"],
        ImageGridChart: ["heatmap"],
    }
    return types[type(chart)]

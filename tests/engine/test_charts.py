"""The charts package: every kind renders to a valid Plotly figure, a deterministic SVG,
a table that holds the data and a description that states it."""

from __future__ import annotations

import json
import re

import numpy as np
import plotly.graph_objects as go
import pytest
from plotly.offline import get_plotlyjs

from engine import charts
from engine.charts import svg_figure, theme
from engine.charts.mosaic import mosaic

LINE = charts.LineChart(
    name="loss", title="Loss", x_label="step", y_label="loss",
    series=[charts.Series("held-out", [0, 10, 20], [4.6, 2.0, 1.5]),
            charts.Series("train", [0, 10, 20], [4.5, 1.8, 1.2], dash=True)],
    reference_lines=[charts.ReferenceLine("log V", 4.2)],
)
KINDS = [
    LINE,
    charts.BarChart(name="probs", title="Next token", x_label="token", y_label="p",
                    panels=[charts.BarPanel("base", ["a", "b"], [0.7, 0.3]),
                            charts.BarPanel("sft", ["c", "a"], [0.6, 0.4])]),
    charts.HistogramChart(name="scores", title="Scores", x_label="reward",
                          groups={"chosen": [1.0, 2.0, 3.0], "rejected": [-1.0, 0.0]}),
    charts.ScatterChart(name="latent", title="Latent", x_label="z1", y_label="z2",
                        groups=[charts.ScatterGroup("0", [0.1, 0.2], [0.3, 0.4])]),
    charts.HeatmapChart(name="attn", title="Attention", x_labels=["a", "b"], y_labels=["a", "b"],
                        panels=[charts.HeatmapPanel("layer 1 head 1", [[1.0, 0.0], [0.4, 0.6]]),
                                charts.HeatmapPanel("layer 1 head 2", [[1.0, 0.0], [0.9, 0.1]])],
                        value_label="weight", zmin=0, zmax=1),
    charts.ImageGridChart(name="digits", title="Digits",
                          panels=[charts.ImagePanel("epoch 1", [[[0.0, 1.0], [1.0, 0.0]]] * 3),
                                  charts.ImagePanel("epoch 2", [[[1.0, 1.0], [0.0, 0.0]]] * 3)], columns=2),
    charts.HeatmapChart(name="boundary", title="Boundary", x_values=[-1.0, 0.0, 1.0], y_values=[-1.0, 1.0],
                        x_title="x1", y_title="x2", value_label="p(class 1)", zmin=0, zmax=1,
                        panels=[charts.HeatmapPanel("epoch 1", [[0.1, 0.5, 0.9], [0.2, 0.5, 0.8]],
                                                    points=[charts.ScatterGroup("class 0", [-0.5], [0.5]),
                                                            charts.ScatterGroup("class 1", [0.5], [-0.5])])]),
    charts.ContourChart(name="surface", title="Loss surface", x_title="w1", y_title="w2", x=[-1.0, 0.0, 1.0],
                        y=[-1.0, 1.0], z=[[2.0, 1.0, 2.0], [2.0, 1.5, 2.0]], log_z=True,
                        paths=[charts.Series("SGD", [-1.0, 0.0], [1.0, 0.0]),
                               charts.Series("too fast", [0.0, float("nan")], [0.0, float("inf")])]),
    charts.BarChart(name="topk", title="Top chunks", x_label="chunk", y_label="cosine", horizontal=True,
                    panels=[charts.BarPanel("question 1", ["chunk 3", "chunk 9"], [0.8, 0.6], highlight=[1])]),
    charts.HistogramChart(name="levels", title="Weights", x_label="weight", groups={"w": [-0.5, 0.1, 0.2]},
                          reference_lines=[charts.ReferenceLine("level 1", -0.5), charts.ReferenceLine("level 2", 0.5)]),
    charts.ScatterChart(name="map", title="Map", x_label="t-SNE 1", y_label="t-SNE 2", show_labels=True,
                        groups=[charts.ScatterGroup("questions", [0.0, 1.0], [1.0, 0.0], labels=["q1", "q2"])]),
]


@pytest.mark.parametrize("chart", KINDS, ids=lambda c: type(c).__name__)
def test_every_kind_renders_valid_plotly_and_svg(chart):
    rendered = charts.render(chart)
    document, svg = rendered.document, rendered.svg
    go.Figure(document["figure"])  # raises on any invalid property
    assert sorted(document["trace_types"]) == sorted({t["type"] for t in document["figure"]["data"]})
    assert document["description"]
    assert document["table"]["rows"]
    assert all(len(row) == len(document["table"]["columns"]) for row in document["table"]["rows"])
    assert svg.startswith(b"<?xml") and b"<svg" in svg
    json.dumps(document, allow_nan=False)
    assert rendered.csv.decode().splitlines()[0].split(",") == [str(c) for c in document["table"]["columns"]]


def test_every_kind_is_tested_here():
    assert {type(c) for c in KINDS} == set(charts.KINDS)


def test_svg_and_json_are_deterministic():
    assert charts.render(LINE) == charts.render(LINE)


def test_line_description_states_the_numbers():
    text = charts.render(LINE).document["description"]
    assert "held-out goes from 4.6 at 0 to 1.5 at 20" in text
    assert "log V at 4.2" in text


def test_line_table_holds_every_point():
    rows = charts.render(LINE).document["table"]["rows"]
    assert ["train", 10, 1.8] in rows and ["log V", "all", 4.2] in rows


def test_bar_panels_get_a_dropdown_showing_one_panel_at_a_time():
    figure = charts.render(KINDS[1]).document["figure"]
    steps = figure["layout"]["updatemenus"][0]["buttons"]
    assert [s["args"][0]["visible"] for s in steps] == [[True, False], [False, True]]
    assert [t["visible"] for t in figure["data"]] == [True, False]


@pytest.mark.parametrize("index", [4, 5], ids=["heatmap", "image grid"])
def test_panels_are_frames_with_a_slider_and_play(index):
    chart = KINDS[index]
    figure = charts.render(chart).document["figure"]
    go.Figure(figure)  # frames, slider and buttons are valid Plotly
    assert len(figure["data"]) == 1  # the first panel; frames hold every panel
    frames = figure["frames"]
    assert [f["data"][0]["name"] for f in frames] == [p.label for p in chart.panels]
    if index == 4:
        assert [f["data"][0]["z"] for f in frames] == [p.z for p in chart.panels]
    else:
        assert [f["data"][0]["z"] for f in frames] == [mosaic(p.images, chart.columns) for p in chart.panels]
    steps = figure["layout"]["sliders"][0]["steps"]
    assert [s["label"] for s in steps] == [p.label for p in chart.panels]
    assert [(s["method"], s["args"][0]) for s in steps] == [("animate", [f["name"]]) for f in frames]
    assert f"a Play button step through the {len(chart.panels)} panels" in charts.render(chart).document["description"]
    play, pause = figure["layout"]["updatemenus"][0]["buttons"]
    assert (play["label"], play["method"], play["args"][0]) == ("Play", "animate", None)
    assert play["args"][1]["fromcurrent"] and play["args"][1]["frame"]["redraw"]
    assert (pause["label"], pause["args"][0]) == ("Pause", [None])


def test_bar_panels_that_play_are_frames_on_one_fixed_axis():
    chart = charts.BarChart(name="t", title="Temperature", x_label="character", y_label="p", play=True,
                            panels=[charts.BarPanel("T = 0.5", ["a", "b"], [0.9, 0.1]),
                                    charts.BarPanel("T = 2", ["a", "b"], [0.6, 0.4])])
    figure = charts.render(chart).document["figure"]
    go.Figure(figure)
    assert len(figure["data"]) == 1 and "sliders" in figure["layout"]
    assert [f["data"][0]["y"] for f in figure["frames"]] == [[0.9, 0.1], [0.6, 0.4]]
    assert figure["layout"]["yaxis"]["range"] == [0.0, pytest.approx(0.945)]
    assert figure["layout"]["updatemenus"][0]["buttons"][0]["label"] == "Play"


def test_heatmap_frames_move_the_points_and_empty_missing_groups():
    chart = charts.HeatmapChart(
        name="b", title="B", x_values=[0.0, 1.0], y_values=[0.0, 1.0], value_label="p",
        panels=[charts.HeatmapPanel("epoch 1", [[0.1, 0.2], [0.3, 0.4]],
                                    points=[charts.ScatterGroup("train", [0.5], [0.5]),
                                            charts.ScatterGroup("test", [0.2], [0.8])]),
                charts.HeatmapPanel("epoch 2", [[0.5, 0.6], [0.7, 0.8]],
                                    points=[charts.ScatterGroup("train", [0.4], [0.6])])])
    figure = charts.render(chart).document["figure"]
    assert [t["type"] for t in figure["data"]] == ["heatmap", "scatter", "scatter"]
    second = figure["frames"][1]
    assert second["traces"] == [0, 1, 2]
    assert second["data"][0]["z"] == [[0.5, 0.6], [0.7, 0.8]]
    assert (second["data"][1]["x"], second["data"][2]["x"]) == ([0.4], [])


def test_heatmap_axes_are_general():
    attention = charts.render(KINDS[4]).document["figure"]["layout"]
    assert attention["yaxis"]["autorange"] == "reversed"  # a matrix: row 0 at the top
    boundary = charts.render(KINDS[6]).document
    layout = boundary["figure"]["layout"]
    assert layout["xaxis"]["title"]["text"] == "x1" and layout["yaxis"]["type"] == "linear"
    assert "autorange" not in layout["yaxis"]  # the plane: row 0 at the bottom
    assert [t["type"] for t in boundary["figure"]["data"]] == ["heatmap", "scatter", "scatter"]
    assert "attends" not in json.dumps(boundary)


def test_many_categories_get_thinned_ticks():
    labels = [str(i) for i in range(41)]
    chart = charts.HeatmapChart(name="big", title="Big", x_labels=labels, y_labels=labels,
                                panels=[charts.HeatmapPanel("p", [[0.0] * 41] * 41)])
    layout = charts.render(chart).document["figure"]["layout"]
    assert len(layout["xaxis"]["tickvals"]) <= 12


def test_nan_in_a_line_is_a_gap_and_is_described():
    chart = charts.LineChart(name="diverge", title="LR too high", x_label="step", y_label="loss",
                             series=[charts.Series("lr 10", [0, 1, 2], [1.0, float("inf"), float("nan")])])
    document = charts.render(chart).document
    assert document["figure"]["data"][0]["y"] == [1.0, None, None]
    assert "2 of its 3 points are NaN or infinite" in document["description"]


@pytest.mark.parametrize(("build", "message"), [
    (lambda: charts.LineChart(name="loss", title="t", x_label="x", y_label="y",
                              series=[charts.Series("SGD", list(range(60)), list(range(59)))]),
     "LineChart 'loss', series 'SGD': x has 60 points, y has 59"),
    (lambda: charts.BarChart(name="b", title="t", x_label="x", y_label="y",
                             panels=[charts.BarPanel("p", ["a", "b"], [1.0])]),
     "BarChart 'b', panel 'p': 2 categories but 1 values"),
    (lambda: charts.HeatmapChart(name="h", title="t", x_labels=["a", "b"], y_labels=["a"],
                                 panels=[charts.HeatmapPanel("p", [[1.0]])]),
     "HeatmapChart 'h', panel 'p': z row 0 has 1 values, the x axis has 2"),
    (lambda: charts.ScatterChart(name="s", title="t", x_label="x", y_label="y",
                                 groups=[charts.ScatterGroup("g", [1.0], [float("nan")])]),
     "ScatterChart 's', group 'g': y\\[0\\] is nan"),
    (lambda: charts.HistogramChart(name="Bad Name", title="t", x_label="x", groups={}),
     "HistogramChart 'Bad Name': a chart name is lower-case"),
    (lambda: charts.ContourChart(name="c", title="t", x_title="x", y_title="y", x=[0.0, 1.0], y=[0.0],
                                 z=[[1.0]]),
     "ContourChart 'c', surface: z row 0 has 1 values, the x axis has 2"),
    (lambda: charts.ImageGridChart(name="g", title="t", panels=[]), "ImageGridChart 'g': needs at least one panel"),
    (lambda: charts.ImageGridChart(name="g", title="t", panels=[charts.ImagePanel("p", [])]),
     "ImageGridChart 'g', panel 'p': needs at least one image"),
    (lambda: charts.ImageGridChart(name="g", title="t", panels=[charts.ImagePanel("p", [[[0.5]], [[]]])]),
     "ImageGridChart 'g', panel 'p': image 1 is empty"),
    (lambda: charts.ImageGridChart(name="g", title="t", panels=[charts.ImagePanel("p", [[[0.5, 0.5], [0.5]]])]),
     "ImageGridChart 'g', panel 'p': image 0 has rows of \\[1, 2\\] pixels"),
    (lambda: charts.HeatmapChart(name="h", title="t", x_labels=["a"], y_labels=["a"], colorscale="plasma",
                                 panels=[charts.HeatmapPanel("p", [[1.0]])]),
     "HeatmapChart 'h': colorscale 'plasma' is not one of Viridis, Cividis, Greys, Blues, Reds, RdBu"),
    (lambda: charts.HeatmapChart(name="h", title="t", x_labels=["a"], y_labels=["a"], colorscale="blues",
                                 panels=[charts.HeatmapPanel("p", [[1.0]])]),
     "HeatmapChart 'h': colorscale 'blues' is not one of"),
])
def test_bad_chart_data_fails_when_built_naming_the_chart(build, message):
    with pytest.raises(charts.ChartDataError, match=message):
        build()


def test_page_table_is_sampled_and_the_csv_has_every_row():
    n = 1200
    chart = charts.LineChart(name="long", title="t", x_label="x", y_label="y",
                             series=[charts.Series("s", list(range(n)), [float(i) for i in range(n)])])
    rendered = charts.render(chart)
    table = rendered.document["table"]
    assert len(table["rows"]) == charts.PAGE_TABLE_ROWS and table["total_rows"] == n
    assert table["rows"][0][1] == 0 and table["rows"][-1][1] == n - 1
    assert "500 of 1200 rows" in table["sampled"]
    assert len(rendered.csv.decode().splitlines()) == n + 1


def test_svg_of_many_panels_says_which_it_shows():
    panels = [charts.ImagePanel(f"step {i}", [[[0.5]]]) for i in range(20)]
    svg = charts.render(charts.ImageGridChart(name="many", title="Many", panels=panels)).svg.decode()
    assert "of 20)" in svg


def test_mosaic_tiles_with_gaps():
    grid = mosaic([[[1, 1], [1, 1]], [[0, 0], [0, 0]], [[0.5, 0.5], [0.5, 0.5]]], columns=2)
    assert len(grid) == 5 and len(grid[0]) == 5
    assert grid[0] == [1, 1, None, 0, 0]
    assert grid[2] == [None] * 5
    assert grid[3][:2] == [0.5, 0.5] and grid[3][3:] == [None, None]


def test_rounding_keeps_significant_digits_and_drops_nan():
    assert charts.rounded({"a": [1.234567891, float("nan")], "b": (2.0,)}) == {"a": [1.2346, None], "b": [2.0]}


def test_lean_template():
    layout = charts.render(LINE).document["figure"]["layout"]
    assert layout["template"] == {}
    assert len(json.dumps(charts.render(LINE).document["figure"])) < 3000


def test_an_all_nan_contour_path_is_described():
    chart = charts.ContourChart(name="c", title="t", x_title="w1", y_title="w2", x=[0.0, 1.0], y=[0.0, 1.0],
                                z=[[1.0, 2.0], [3.0, 4.0]],
                                paths=[charts.Series("SGD", [0.0, 1.0], [0.0, 1.0]),
                                       charts.Series("lr 10", [float("nan")] * 3, [float("inf")] * 3)])
    text = charts.render(chart).document["description"]
    assert "SGD: 2 steps from (0, 0) to (1, 1)." in text
    assert "lr 10 has no finite points (all 3 are NaN or infinite), so it is not drawn." in text


# Colour scales: the Plotly figure names one of plotly.js's own scales; the SVG must draw the same colours.

def plotly_js_scale(name: str) -> list[tuple[float, np.ndarray]]:
    """The colour stops of a named scale, read from the plotly.js bundle the plotly package ships."""
    found = re.search(name + r':(\[\[0,.*?\]\])[,}]', get_plotlyjs())
    assert found, f"no scale {name} in plotly.js"
    stops = json.loads(re.sub(r"(?<=[\[,])\.", "0.", found.group(1)))

    def rgb(color: str) -> np.ndarray:
        if color.startswith("#"):
            return np.array([int(color[i : i + 2], 16) for i in (1, 3, 5)]) / 255
        return np.array([int(v) for v in re.findall(r"\d+", color)]) / 255

    return [(float(at), rgb(color)) for at, color in stops]


def plotly_js_colors(name: str, t: np.ndarray) -> np.ndarray:
    """What plotly.js draws at each of t (0 to 1): linear RGB interpolation between the stops."""
    stops = plotly_js_scale(name)
    at = [a for a, _ in stops]
    return np.stack([np.interp(t, at, [c[k] for _, c in stops]) for k in range(3)], axis=1)


def heatmap(**fields) -> charts.HeatmapChart:
    base = {"name": "h", "title": "H", "x_labels": ["a", "b"], "y_labels": ["a", "b"],
            "panels": [charts.HeatmapPanel("p", [[0.2, 0.9], [0.5, 0.4]])]}
    return charts.HeatmapChart(**{**base, **fields})


def drawn(chart):
    """The matplotlib image (or mesh) of the SVG's first panel, and its axes."""
    ax = svg_figure.draw(chart).axes[0]
    return (ax.get_images() or ax.collections)[0], ax


@pytest.mark.parametrize("name", list(theme.COLOR_SCALES))
def test_each_allowed_colour_scale_draws_the_same_colours_in_plotly_and_the_svg(name):
    chart = heatmap(colorscale=name)
    rendered = charts.render(chart)
    go.Figure(rendered.document["figure"])
    assert rendered.document["figure"]["data"][0]["colorscale"] == name  # plotly.js's own scale of that name
    assert rendered.svg.startswith(b"<?xml")
    image, _ = drawn(chart)
    t = np.linspace(0, 1, 257)
    svg_colors = image.cmap(t)[:, :3]
    # Within 6/255: matplotlib's viridis is the curve that plotly.js samples at 17 stops.
    assert np.abs(svg_colors - plotly_js_colors(name, t)).max() <= 6 / 255


def test_diverging_draws_plotly_js_rdbu_in_both():
    chart = heatmap(diverging=True, colorscale="Viridis")
    assert charts.render(chart).document["figure"]["data"][0]["colorscale"] == theme.DIVERGING_SCALE == "RdBu"
    image, _ = drawn(chart)
    t = np.linspace(0, 1, 101)
    assert np.abs(image.cmap(t)[:, :3] - plotly_js_colors("RdBu", t)).max() <= 2 / 255
    assert image.cmap(0.0)[2] > image.cmap(0.0)[0]  # plotly.js's RdBu: blue at the lowest value, as in the browser


def plotly_js_color_range(trace: dict) -> tuple[float, float]:
    """plotly.js's colorscale calc: zmin and zmax when both set (zmin < zmax) turn zauto off;
    otherwise the data's range, stretched to be symmetric around zmid when zmid is set."""
    zmin, zmax, zmid = trace.get("zmin"), trace.get("zmax"), trace.get("zmid")
    if zmin is not None and zmax is not None and zmin < zmax:
        return zmin, zmax
    values = [v for row in trace["z"] for v in row]
    low, high = min(values), max(values)
    if zmid is not None:
        if high - zmid > zmid - low:
            low = zmid - (high - zmid)
        elif high - zmid < zmid - low:
            high = zmid + (zmid - low)
    return low, high


NUMERIC = {"x_labels": [], "y_labels": [], "x_values": [0.0, 1.0], "y_values": [10.0, 20.0]}


@pytest.mark.parametrize(("fields", "expected"), [
    ({"diverging": True, "zmid": 0.5}, (0.1, 0.9)),  # |0.9 - 0.5| is the largest deviation
    ({"diverging": True, "zmid": 0.0}, (-0.9, 0.9)),  # every value above the midpoint
    ({"diverging": True, "zmid": 0.5, "zmin": 0.0, "zmax": 1.0}, (0.0, 1.0)),  # given limits win
    ({}, (0.2, 0.9)),
    ({"zmin": 0.0}, (0.2, 0.9)),  # one limit alone: plotly.js keeps zauto and ignores it
    ({"diverging": True, "zmid": 0.5, **NUMERIC}, (0.1, 0.9)),
    ({"zmin": -1.0, "zmax": 2.0, **NUMERIC}, (-1.0, 2.0)),
], ids=["diverging", "diverging-one-sided", "diverging-limits", "auto", "zmin-only", "numeric-diverging",
        "numeric-limits"])
def test_svg_colour_limits_are_plotlys(fields, expected):
    chart = heatmap(**fields)
    trace = charts.render(chart).document["figure"]["data"][0]
    assert plotly_js_color_range(trace) == pytest.approx(expected)
    image, _ = drawn(chart)
    assert image.get_clim() == pytest.approx(expected)


@pytest.mark.parametrize(("fields", "reversed_y"), [
    ({}, True),  # categories: row 0 at the top, as a matrix is written
    ({"origin": "bottom"}, False),
    ({**NUMERIC}, False),  # numbers: row 0 at the bottom, as the plane is drawn
    ({**NUMERIC, "origin": "top"}, True),
])
def test_svg_heatmap_row_order_is_plotlys(fields, reversed_y):
    chart = heatmap(**fields)
    layout = charts.render(chart).document["figure"]["layout"]
    assert (layout["yaxis"].get("autorange") == "reversed") is reversed_y
    image, ax = drawn(chart)
    assert bool(ax.yaxis_inverted()) is reversed_y
    if chart.numeric:
        # Cells centred on their values as plotly.js draws them, row 0 on y_values[0]: x edges -0.5..1.5, y 5..25.
        assert image.get_extent() == pytest.approx([-0.5, 1.5, 5.0, 25.0])
        assert ax.get_ylim() == pytest.approx((25.0, 5.0) if reversed_y else (5.0, 25.0))


def test_svg_heatmap_on_uneven_numbers_puts_edges_halfway_like_plotly():
    chart = heatmap(x_labels=[], y_labels=[], x_values=[0.0, 1.0], y_values=[0.0, 1.0, 4.0], origin="top",
                    panels=[charts.HeatmapPanel("p", [[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]])])
    mesh, ax = drawn(chart)
    corners = mesh.get_coordinates()  # (rows + 1, columns + 1, 2)
    assert corners[:, 0, 1].tolist() == [-0.5, 0.5, 2.5, 5.5]
    assert corners[0, :, 0].tolist() == [-0.5, 0.5, 1.5]
    assert ax.get_ylim() == (5.5, -0.5)


def test_a_pixel_grid_description_says_which_panels_its_static_image_shows():
    panels = [charts.ImagePanel(f"t = {i}", [[[0.5]]]) for i in range(21)]
    rendered = charts.render(charts.ImageGridChart(name="denoise", title="Denoise", panels=panels))
    which = "(panels 1, 3, 5, 6, 8, 10, 12, 14, 16, 17, 19, 21 of 21)"
    assert f"The static image shows 12 of the 21 panels, evenly spaced {which}." in rendered.document["description"]
    assert which in rendered.svg.decode()  # the same words as the SVG's title
    few = charts.ImageGridChart(name="few", title="Few", panels=panels[:12])
    assert "static image shows" not in charts.render(few).document["description"]

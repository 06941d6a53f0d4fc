"""The charts package: every kind renders to a valid Plotly figure, a deterministic SVG,
a table that holds the data and a description that states it."""

from __future__ import annotations

import json

import plotly.graph_objects as go
import pytest

from generators import charts
from generators.charts.mosaic import mosaic

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
]


@pytest.mark.parametrize("chart", KINDS, ids=lambda c: type(c).__name__)
def test_every_kind_renders_valid_plotly_and_svg(chart):
    document, svg = charts.render(chart)
    go.Figure(document["figure"])  # raises on any invalid property
    assert document["trace_types"] == sorted({t["type"] for t in document["figure"]["data"]})
    assert document["description"]
    assert document["table"]["rows"]
    assert all(len(row) == len(document["table"]["columns"]) for row in document["table"]["rows"])
    assert svg.startswith(b"<?xml") and b"<svg" in svg
    json.dumps(document, allow_nan=False)


def test_svg_and_json_are_deterministic():
    assert charts.render(LINE) == charts.render(LINE)


def test_line_description_states_the_numbers():
    text = charts.render(LINE)[0]["description"]
    assert "held-out goes from 4.6 at 0 to 1.5 at 20" in text
    assert "log V at 4.2" in text


def test_line_table_holds_every_point():
    rows = charts.render(LINE)[0]["table"]["rows"]
    assert ["train", 10, 1.8] in rows and ["log V", "all", 4.2] in rows


def test_panels_get_a_selector_showing_one_panel_at_a_time():
    figure = charts.render(KINDS[4])[0]["figure"]
    buttons = figure["layout"]["updatemenus"][0]["buttons"]
    assert [b["args"][0]["visible"] for b in buttons] == [[True, False], [False, True]]
    assert [t["visible"] for t in figure["data"]] == [True, False]


def test_image_grid_uses_a_slider():
    figure = charts.render(KINDS[5])[0]["figure"]
    assert len(figure["layout"]["sliders"][0]["steps"]) == 2


def test_mosaic_tiles_with_gaps():
    grid = mosaic([[[1, 1], [1, 1]], [[0, 0], [0, 0]], [[0.5, 0.5], [0.5, 0.5]]], columns=2)
    assert len(grid) == 5 and len(grid[0]) == 5
    assert grid[0] == [1, 1, None, 0, 0]
    assert grid[2] == [None] * 5
    assert grid[3][:2] == [0.5, 0.5] and grid[3][3:] == [None, None]


def test_rounding_keeps_significant_digits_and_drops_nan():
    assert charts.rounded({"a": [1.234567891, float("nan")], "b": (2.0,)}) == {"a": [1.2346, None], "b": [2.0]}


def test_lean_template():
    layout = charts.render(LINE)[0]["figure"]["layout"]
    assert layout["template"] == {}
    assert len(json.dumps(charts.render(LINE)[0]["figure"])) < 3000

"""A pixel grid's static image is a PNG at native size: one pixel per image pixel, 0 white
and 1 black (as the SVG draws it), panels in rows of up to four."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from engine import charts, layout

DIGIT = [[0.0, 1.0], [1.0, 0.5]]


def pixels(rendered) -> np.ndarray:
    return np.array(Image.open(io.BytesIO(rendered.png)))


def test_image_grid_png_is_native_size_greyscale_with_white_gaps():
    chart = charts.ImageGridChart(name="digits", title="Digits", columns=2,
                                  panels=[charts.ImagePanel("epoch 1", [DIGIT] * 3), charts.ImagePanel("epoch 2", [DIGIT])])
    rendered = charts.render(chart)
    assert rendered.document["static"] == "png"
    grid = pixels(rendered)
    # Panel 1: 2 columns x 2 rows of 2x2 images, 1-pixel gaps -> 5x5; panel 2: 2x2; 2 white pixels apart.
    assert grid.shape == (5, 5 + 2 + 5)
    assert grid.dtype == np.uint8
    assert grid[:2, :2].tolist() == [[255, 0], [0, 128]]       # the first digit, value v -> 255 * (1 - v)
    assert grid[:2, 7:9].tolist() == [[255, 0], [0, 128]]      # panel 2 starts after the gap
    assert (grid[2, :5] == 255).all() and (grid[:, 5:7] == 255).all()  # mosaic gap and panel gap are white
    assert grid[3:, 3:5].tolist() == [[255, 255], [255, 255]]  # the missing 4th image of panel 1


def test_only_pixel_grids_write_a_png_and_it_is_reproducible():
    line = charts.LineChart(name="loss", title="Loss", x_label="step", y_label="loss",
                            series=[charts.Series("s", [0, 1], [1.0, 0.5])])
    assert charts.render(line).png is None and "static" not in charts.render(line).document
    grid = charts.ImageGridChart(name="d", title="D", panels=[charts.ImagePanel("p", [DIGIT])])
    assert charts.render(grid).png == charts.render(grid).png
    assert layout.chart_files("d")["png"] == "d.png"


def test_png_of_many_panels_draws_the_ones_its_description_names():
    # 21 one-pixel panels, panel i of value i / 20: each drawn pixel tells which panel it is.
    chart = charts.ImageGridChart(name="denoise", title="Denoise",
                                  panels=[charts.ImagePanel(f"t = {i}", [[[i / 20]]]) for i in range(21)])
    rendered = charts.render(chart)
    grid = pixels(rendered)
    assert grid.shape == (3 * 1 + 2 * 2, 4 * 1 + 3 * 2)  # 12 panels in rows of 4, 2 white pixels apart
    drawn = [round(20 * (1 - grid[r, c] / 255)) + 1 for r in range(0, 7, 3) for c in range(0, 10, 3)]
    which = ", ".join(map(str, drawn))
    assert which == "1, 3, 5, 6, 8, 10, 12, 14, 16, 17, 19, 21"
    assert f"12 of the 21 panels, evenly spaced (panels {which} of 21)" in rendered.document["description"]

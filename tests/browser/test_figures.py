"""`make figures`: every chart as its SVG and as a 300-DPI PNG of that SVG."""

from __future__ import annotations

import json

from PIL import Image

from exports.figures import DPI, export_figures, natural_size_inches


def test_every_chart_exports_as_svg_and_300_dpi_png(browser, lecture_project, tmp_path):
    generated = lecture_project / "site_src" / "generated"
    expected = {
        (metrics.parent.name, chart)
        for metrics in generated.glob("*/metrics.json")
        for chart in json.loads(metrics.read_text())["charts"]
    }
    assert expected
    written = export_figures(lecture_project, tmp_path / "figures", browser=browser)
    assert len(written) == 2 * len(expected)
    for generator, chart in expected:
        svg = tmp_path / "figures" / generator / f"{chart}.svg"
        assert svg.read_bytes() == (generated / generator / f"{chart}.svg").read_bytes()
        width_in, height_in = natural_size_inches(svg.read_text())
        with Image.open(tmp_path / "figures" / generator / f"{chart}.png") as png:
            assert [round(d) for d in png.info["dpi"]] == [DPI, DPI]
            # Its natural size at 300 DPI, give or take the one CSS pixel screenshots snap to.
            # Chromium snaps a screenshot to whole CSS pixels, once per edge.
            slack = 2 * DPI / 96
            assert abs(png.width - width_in * DPI) <= slack and abs(png.height - height_in * DPI) <= slack
            assert png.getextrema() != ((255, 255), (255, 255), (255, 255))  # not blank


def test_svg_size_is_read_in_any_absolute_unit():
    assert natural_size_inches('<svg width="144pt" height="72pt"/>') == (2.0, 1.0)
    assert natural_size_inches('<svg xmlns="x" height="96px" width="192"/>') == (2.0, 1.0)


def test_email_svgs_draw_the_same_picture_as_the_generated_files(browser, lecture_project):
    """The email's minified SVG (rounded coordinates, marker styles moved to their group)
    against the generated file, both drawn by Chromium at 2x: edges may move by a fraction
    of a device pixel, nothing more."""
    import base64
    import io

    from PIL import ImageChops

    from exports.inline_assets import data_uri

    svgs = sorted((lecture_project / "site_src" / "generated").glob("*/*.svg"), key=lambda p: -p.stat().st_size)
    page = browser.new_page(device_scale_factor=2)

    def drawn(src: str) -> Image.Image:
        page.set_content(f'<body style="margin:0;background:#fff"><img id="i" src="{src}"></body>')
        page.wait_for_function("document.getElementById('i').complete")
        return Image.open(io.BytesIO(page.locator("#i").screenshot())).convert("L")

    try:
        for svg in svgs[:12]:  # the largest: markers, contours, heatmaps, many lines
            raw = svg.read_bytes()
            original = drawn("data:image/svg+xml;base64," + base64.b64encode(raw).decode())
            minified = drawn(data_uri(svg.name, raw))
            assert minified.size == original.size, svg
            histogram = ImageChops.difference(original, minified).histogram()
            mean = sum(level * count for level, count in enumerate(histogram)) / sum(histogram)
            assert mean < 0.5, (svg, mean)
            assert sum(histogram[128:]) < 0.002 * sum(histogram), svg  # a few anti-aliased edge pixels
    finally:
        page.close()

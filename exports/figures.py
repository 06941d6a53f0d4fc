"""``make figures``: every chart as SVG and as 300-DPI PNG, for slides, LaTeX and print.

    python -m exports.figures [--out dist/figures]

Writes ``dist/figures/<generator>/<chart>.svg`` (the static SVG the charts package drew
from the run's data, copied as is) and ``<chart>.png``: that same SVG rasterised by
Chromium at 300 pixels per inch of its natural size, with 300 DPI in the PNG's metadata.
Stale generators run first, as for ``make site``. Chromium comes from the system
(``CHROMIUM``, default /usr/bin/chromium); nothing is downloaded.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any
from xml.dom import minidom
from xml.parsers.expat import ExpatError

from engine.layout import GENERATED_DIR

from .inline_assets import data_uri

log = logging.getLogger("exports.figures")
ROOT = Path(__file__).resolve().parent.parent
GENERATED = Path(GENERATED_DIR)
DPI = 300
CSS_PX_PER_INCH = 96
UNITS_PER_INCH = {"pt": 72.0, "px": 96.0, "in": 1.0, "cm": 2.54, "mm": 25.4, "": 96.0}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


class FigureError(RuntimeError):
    pass


def charts_of(generated: Path) -> list[tuple[str, str, Path]]:
    """(generator, chart, svg file) for every chart of every generator with outputs."""
    found = []
    for metrics_file in sorted(generated.glob("*/metrics.json")):
        generator = metrics_file.parent.name
        for chart in json.loads(metrics_file.read_text(encoding="utf-8")).get("charts", []):
            svg = metrics_file.parent / f"{chart}.svg"
            if not svg.is_file():
                raise FigureError(f"{svg}: listed in {metrics_file} but missing")
            found.append((generator, chart, svg))
    return found


def natural_size_inches(svg: str) -> tuple[float, float]:
    """The SVG's width and height in inches, from its root element's width and height."""
    try:
        root = minidom.parseString(svg.encode("utf-8")).documentElement
    except ExpatError as exc:
        raise FigureError(f"the SVG does not parse as XML: {exc}") from exc
    if root is None:
        raise FigureError("the SVG has no root element")
    sizes = []
    for name in ("width", "height"):
        match = re.fullmatch(r"\s*([\d.]+)\s*(pt|px|in|cm|mm|)\s*", root.getAttribute(name))
        if root.tagName != "svg" or not match:
            raise FigureError(f"the SVG has no absolute {name} on its root element")
        sizes.append(float(match.group(1)) / UNITS_PER_INCH[match.group(2)])
    return sizes[0], sizes[1]


def rasterise(browser: Any, svg_text: str, png: Path) -> None:
    """Draw the SVG at 300 px per inch on white and save it with 300 DPI metadata."""
    from PIL import Image

    width, height = natural_size_inches(svg_text)
    css_width, css_height = width * CSS_PX_PER_INCH, height * CSS_PX_PER_INCH
    context = browser.new_context(
        device_scale_factor=DPI / CSS_PX_PER_INCH,
        viewport={"width": math.ceil(css_width) + 1, "height": math.ceil(css_height) + 1},
        java_script_enabled=False,
    )
    try:
        page = context.new_page()
        page.set_content(
            '<html><body style="margin:0;background:#fff">'
            f'<img id="figure" style="display:block;width:{css_width}px;height:{css_height}px" '
            f'src="{data_uri("figure.svg", svg_text.encode("utf-8"))}" alt=""></body></html>',
            wait_until="load",
        )
        # Screenshots snap to whole CSS pixels: round up, so no edge of the figure is lost.
        box = {"x": 0, "y": 0, "width": math.ceil(css_width), "height": math.ceil(css_height)}
        page.screenshot(path=str(png), clip=box)
    finally:
        context.close()
    with Image.open(png) as image:
        image.load()
        image.save(png, dpi=(DPI, DPI))


def export_charts(charts: list[tuple[str, str, Path]], out_dir: Path, browser: Any) -> list[Path]:
    written: list[Path] = []
    for generator, chart, svg in charts:
        target = out_dir / generator
        target.mkdir(parents=True, exist_ok=True)
        log.info("figures: %s/%s", generator, chart)
        shutil.copyfile(svg, target / f"{chart}.svg")
        rasterise(browser, svg.read_text(encoding="utf-8"), target / f"{chart}.png")
        written += [target / f"{chart}.svg", target / f"{chart}.png"]
    return written


def export_figures(root: Path, out_dir: Path, browser: Any = None, chromium: str | None = None) -> list[Path]:
    """Export every chart of ``root``'s generated outputs into ``out_dir`` (which this
    export owns: it is emptied first). Returns the files written. ``browser`` is a
    Playwright Chromium to draw with; without one, Chromium is started from ``chromium``
    (default ``CHROMIUM``, else /usr/bin/chromium)."""
    charts = charts_of(root / GENERATED)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    if browser is not None:
        return export_charts(charts, out_dir, browser)
    chromium = chromium or os.environ.get("CHROMIUM", "/usr/bin/chromium")
    if not Path(chromium).exists():
        raise FigureError(f"Chromium not found at {chromium}: apt-get install chromium, or set CHROMIUM")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            return export_charts(charts, out_dir, launched)
        finally:
            launched.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m exports.figures", description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "dist" / "figures")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if subprocess.call([sys.executable, "-m", "generators"], cwd=ROOT) != 0:
        print("figures: generators failed (see above)", file=sys.stderr)
        return 1
    try:
        written = export_figures(ROOT, args.out)
    except FigureError as exc:
        print(f"figures: {exc}", file=sys.stderr)
        return 1
    print(f"figures: {len(written) // 2} chart(s) as SVG and {DPI}-DPI PNG in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

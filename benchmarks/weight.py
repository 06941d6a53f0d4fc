"""Bytes of HTML, JS and CSS per page of the built site (student edition in site/).

plotly.js is loaded only by pages that have charts, so it is counted for those alone.
"""

from __future__ import annotations

import re
from pathlib import Path

from .record import ROOT, write

SITE = ROOT / "site"
ASSET = re.compile(r'<(?:script[^>]+src|link[^>]+href)="([^"]+\.(?:js|css))(?:\?[^"]*)?"')


def page_weight(page: Path) -> dict:
    html = page.read_text()
    assets = {}
    for ref in set(ASSET.findall(html)):
        path = (page.parent / ref).resolve()
        if path.is_file():
            assets[ref] = path.stat().st_size
    if 'class="ig-chart"' in html:
        plotly = SITE / "assets" / "vendor" / "plotly.min.js"
        assets["assets/vendor/plotly.min.js (loaded on demand)"] = plotly.stat().st_size
    return {"html_bytes": len(html.encode()), "asset_bytes": sum(assets.values()),
            "total_bytes": len(html.encode()) + sum(assets.values()), "charts": html.count('class="ig-chart"')}


def main() -> None:
    if not (SITE / "index.html").is_file():
        raise SystemExit("build the site first: make site")
    pages = {}
    for index in sorted(SITE.rglob("index.html")):
        relative = index.parent.relative_to(SITE).as_posix()
        if relative.startswith(("generated", "assets", "search")):
            continue
        pages[relative if relative != "." else "/"] = page_weight(index)
    write("weight", {"pages": pages})
    for name, weight in pages.items():
        print(f"  {name}: {weight['total_bytes'] / 1e6:.2f} MB ({weight['charts']} charts)")

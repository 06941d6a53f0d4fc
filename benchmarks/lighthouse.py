"""Lighthouse (mobile, simulated throttling) on the page with the most charts.

The built student site is served with gzip, as GitHub Pages serves it, and Lighthouse (a
pinned npm package in benchmarks/lighthouse/, never part of the site) runs three times in
Debian's Chromium; the median performance and accessibility scores go to
``benchmarks/results/lighthouse.json``. Target: performance >= 0.90, accessibility 1.00.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import statistics
import subprocess
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from .build import _free_port
from .record import ROOT, write

PACKAGE = ROOT / "benchmarks" / "lighthouse"
RUNS = 3
PERFORMANCE_TARGET = 0.90
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --disable-background-networking " \
               "--disable-component-update --disable-sync --no-first-run"
COMPRESSIBLE = (".html", ".js", ".css", ".json", ".svg", ".xml", ".txt", ".csv", ".mjs")


class GzipHandler(SimpleHTTPRequestHandler):
    """Static files, gzip-encoded when the client accepts it (as GitHub Pages does)."""

    def send_head(self):  # type: ignore[no-untyped-def]
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if not (path.is_file() and path.suffix in COMPRESSIBLE and "gzip" in self.headers.get("Accept-Encoding", "")):
            return super().send_head()
        body = gzip.compress(path.read_bytes(), compresslevel=6)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        import io

        return io.BytesIO(body)

    def log_message(self, format, *args):  # type: ignore[no-untyped-def]
        pass


def heaviest_page(site: Path) -> str:
    """The page with the most charts (site-relative URL)."""
    counts = {p: p.read_text(encoding="utf-8").count('class="ig-chart"') for p in site.rglob("index.html")}
    page = max(counts, key=lambda p: counts[p])
    return str(page.parent.relative_to(site)).replace(os.sep, "/") + "/"


def ensure_lighthouse() -> Path:
    binary = PACKAGE / "node_modules" / ".bin" / "lighthouse"
    if not binary.exists():
        if shutil.which("npm") is None:
            raise SystemExit("Lighthouse needs npm: install Node.js and npm, then run make bench again")
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--silent"], cwd=PACKAGE, check=True)
    return binary


def main() -> None:
    binary = ensure_lighthouse()
    site = ROOT / "site"
    subprocess.run(["make", "site"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    page = heaviest_page(site)
    port = _free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), partial(GzipHandler, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    runs = []
    try:
        for _ in range(RUNS):
            out = subprocess.run(
                [str(binary), f"http://127.0.0.1:{port}/{page}", "--output=json", "--quiet",
                 "--only-categories=performance,accessibility", f"--chrome-flags={CHROME_FLAGS}"],
                env={**os.environ, "CHROME_PATH": os.environ.get("CHROMIUM", "/usr/bin/chromium")},
                capture_output=True, text=True, check=True,
            )
            report = json.loads(out.stdout)
            audits = report["audits"]
            runs.append({
                "performance": report["categories"]["performance"]["score"],
                "accessibility": report["categories"]["accessibility"]["score"],
                "first_contentful_paint_ms": round(audits["first-contentful-paint"]["numericValue"]),
                "largest_contentful_paint_ms": round(audits["largest-contentful-paint"]["numericValue"]),
                "total_blocking_time_ms": round(audits["total-blocking-time"]["numericValue"]),
            })
    finally:
        server.shutdown()
    performance = statistics.median(r["performance"] for r in runs)
    results = {
        "page": page, "runs": runs, "performance_median": performance,
        "accessibility_median": statistics.median(r["accessibility"] for r in runs),
        "performance_target": PERFORMANCE_TARGET, "performance_met": performance >= PERFORMANCE_TARGET,
        "load_average": round(os.getloadavg()[0], 2),
    }
    write("lighthouse", results)
    print(f"  {page}: performance {performance}, runs {runs}")

"""Time until every chart of the heaviest page is drawn in headless Chromium."""

from __future__ import annotations

import functools
import http.server
import os
import threading
import time

from .record import write
from .weight import SITE, page_weight

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def heaviest_page() -> str:
    pages = {}
    for index in SITE.rglob("index.html"):
        relative = index.parent.relative_to(SITE).as_posix()
        if not relative.startswith(("generated", "assets", "search")):
            pages[relative] = page_weight(index)["charts"]
    return max(pages, key=pages.get)


def main(repeats: int = 3) -> None:
    from playwright.sync_api import sync_playwright

    page_path = heaviest_page()
    handler = functools.partial(_Quiet, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/{'' if page_path == '.' else page_path + '/'}"
    samples, first = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"), args=ARGS)
        for _ in range(repeats):
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            started = time.perf_counter()
            page.goto(url)
            figures = page.locator("figure.ig-chart")
            count = figures.count()
            for i in range(count):
                handle = figures.nth(i).element_handle()
                page.evaluate("(el) => { for (let d = el.closest('details'); d; d = d.parentElement.closest('details'))"
                              " d.open = true; el.scrollIntoView(); }", handle)
                page.wait_for_function("(el) => el.dataset.igDrawn === 'true'", arg=handle, timeout=60000)
                if i == 0:
                    first.append(time.perf_counter() - started)
            samples.append(time.perf_counter() - started)
            context.close()
        browser.close()
    server.shutdown()
    results = {"page": page_path, "charts": count, "all_charts_drawn_s": [round(s, 3) for s in samples],
               "first_chart_drawn_s": [round(s, 3) for s in first]}
    write("browser", results)
    print(f"  {page_path}: {count} charts, all drawn in {min(samples):.2f} s (best of {repeats})")


if __name__ == "__main__":
    main()

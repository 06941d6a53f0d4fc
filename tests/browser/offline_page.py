"""Open a page in Chromium with every request that would leave the machine (or, for an
email file, leave file://) aborted and recorded, and its console errors recorded."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse


def recorded_page(browser, *, allowed_hosts: tuple[str, ...] = (), js: bool = True, scheme: str = "light"):
    """A new page; ``page.blocked`` lists requests to anything but file:, data: and
    ``allowed_hosts`` (aborted); ``page.errors`` lists console errors and uncaught exceptions."""
    context = browser.new_context(java_script_enabled=js, color_scheme=scheme, viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.errors, page.blocked = [], []
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.errors.append(str(e)))

    def route(r):
        parsed = urlparse(r.request.url)
        if parsed.scheme in ("file", "data") or parsed.hostname in allowed_hosts:
            return r.continue_()
        page.blocked.append(r.request.url)
        return r.abort()

    page.route("**/*", route)
    return page


def open_recorded(browser, url: str, **kwargs):
    """``recorded_page`` at ``url``, once Material has applied the palette (with JavaScript)."""
    page = recorded_page(browser, **kwargs)
    page.goto(url, wait_until="load")
    if kwargs.get("js", True):
        page.wait_for_function("() => document.body.getAttribute('data-md-color-scheme') !== null")
    return page


def open_email(browser, file: Path, **kwargs):
    return open_recorded(browser, file.as_uri(), **kwargs)


def open_toggles(page) -> None:
    page.evaluate("() => document.querySelectorAll('details').forEach((d) => { d.open = true; })")


def draw_charts(page) -> int:
    """Scroll every chart into view (opening toggles around it) and wait until it is drawn."""
    figures = page.locator("figure.ig-chart")
    for i in range(figures.count()):
        figure = figures.nth(i)
        page.evaluate(
            "(el) => { for (let d = el.closest('details'); d; d = d.parentElement.closest('details')) d.open = true; }",
            figure.element_handle(),
        )
        figure.scroll_into_view_if_needed()
        page.wait_for_function("(el) => el.dataset.igDrawn === 'true'", arg=figure.element_handle(), timeout=20000)
    return figures.count()

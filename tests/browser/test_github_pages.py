"""The built site served at a subpath (/course/) like GitHub Pages: every page, link and
asset resolves, .nojekyll is there, and the 404 page works at any depth."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest

from .offline_page import recorded_page

EDITIONS = ("student", "instructor")
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class _References(HTMLParser):
    """Every href and src in a page."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.found.append(value)


def fetch(url: str) -> tuple[int, str, bytes]:
    try:
        with OPENER.open(url, timeout=10) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read()


def references(url: str, kind: str, body: bytes) -> list[str]:
    text = body.decode("utf-8", "replace")
    if "html" in kind:
        parser = _References()
        parser.feed(text)
        found = parser.found
    elif "css" in kind:
        found = re.findall(r"url\(\s*['\"]?([^'\")]+)", text)
    elif url.endswith(".xml"):
        found = re.findall(r"<loc>([^<]+)</loc>", text)
    else:
        found = []
    return [urldefrag(urljoin(url, ref))[0] for ref in found if not ref.startswith(("data:", "#", "mailto:"))]


def crawl(seeds: list[str], origin: str) -> tuple[dict[str, int], dict[str, str]]:
    """Status of every same-origin URL reachable from ``seeds``, and where each was found."""
    status: dict[str, int] = {}
    found_on: dict[str, str] = {seed: "(seed)" for seed in seeds}
    queue = deque(seeds)
    while queue:
        url = queue.popleft()
        if url in status:
            continue
        code, kind, body = fetch(url)
        status[url] = code
        for ref in references(url, kind, body):
            if ref.startswith(origin) and ref not in found_on:
                found_on[ref] = url
                queue.append(ref)
    return status, found_on


@pytest.mark.parametrize("edition", EDITIONS)
def test_every_page_link_and_asset_resolves_under_the_subpath(lecture_sites, edition):
    url, _ = lecture_sites[edition]
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(url))
    missing = url + "no/such/page/"
    status, found_on = crawl([url, url + "sitemap.xml", missing], origin)
    broken = {u: (code, found_on[u]) for u, code in status.items() if code != 200 and u != missing}
    assert broken == {}
    assert status[missing] == 404
    pages = [u for u in status if u.endswith("/")]
    assert url + "demo-lecture/details/" in pages and url + "components/" in pages
    assert (url + "demo-lecture/answers/" in pages) == (edition == "instructor")
    assert any(u.endswith(".css") for u in status) and any(u.endswith(".svg") for u in status)


def test_nojekyll_is_published(lecture_sites):
    url, site = lecture_sites["student"]
    assert (site / ".nojekyll").is_file()
    assert fetch(url + ".nojekyll")[0] == 200


@pytest.mark.parametrize("path", ["nope/", "deep/er/missing.html"])
def test_404_page_is_styled_and_its_assets_load_at_any_depth(browser, lecture_sites, path):
    url, _ = lecture_sites["student"]
    page = recorded_page(browser, allowed_hosts=("127.0.0.1",))
    page.set_viewport_size({"width": 1400, "height": 900})  # wide enough for the nav sidebar
    failures = []
    page.on("response", lambda r: failures.append((r.status, r.url)) if r.status >= 400 and r.url != url + path else None)
    page.on("requestfailed", lambda r: failures.append(("failed", r.url)))
    response = page.goto(url + path, wait_until="load")
    assert response.status == 404
    assert "404" in page.locator("article").inner_text()
    assert page.evaluate("() => getComputedStyle(document.querySelector('.md-header')).position") == "sticky"
    page.locator("nav.md-nav--primary a.md-nav__link:visible", has_text="Components").first.click()
    page.wait_for_url(url + "components/")
    # The page's own 404 is logged as a console error; an asset's 404 would be in failures.
    errors = [e for e in page.errors if "status of 404" not in e]
    assert failures == [] and page.blocked == [] and errors == []
    page.context.close()

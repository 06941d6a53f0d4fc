"""Browser fixtures: Debian's Chromium driven by Playwright, and a local static server.

Never ``playwright install``: the browser comes from apt (``make test`` installs it).
"""

from __future__ import annotations

import functools
import http.server
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from ..conftest import build_site

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make test` (installs it) or set CHROMIUM")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve_directory(directory: Path) -> tuple[str, http.server.ThreadingHTTPServer]:
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}", server


@pytest.fixture(scope="session")
def site_servers(built_project, tmp_path_factory) -> Iterator[dict[str, str]]:
    """Base URLs of both editions, each served at a subpath (/course/) like GitHub Pages.

    Each edition is built with site_url set to the address it is served from: Material's
    instant navigation only engages when the page's origin matches site_url.
    """
    urls, servers = {}, []
    for edition in ("student", "instructor"):
        root = tmp_path_factory.mktemp(f"serve-{edition}")
        base, server = serve_directory(root)
        result = build_site(built_project, edition, str(root / "course"), SITE_URL=f"{base}/course/")
        assert result.returncode == 0, result.stderr
        urls[edition] = f"{base}/course/"
        servers.append(server)
    yield urls
    for server in servers:
        server.shutdown()


def site_pages(built_project: Path, edition: str) -> list[str]:
    """Page paths relative to the site root, e.g. '' and 'components/'."""
    site = built_project / f"site-{edition}"
    paths = []
    for index in sorted(site.rglob("index.html")):
        relative = index.parent.relative_to(site).as_posix()
        if relative.startswith(("generated", "assets", "search")):
            continue
        paths.append("" if relative == "." else relative + "/")
    return paths

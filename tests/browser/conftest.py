"""Browser fixtures: Debian's Chromium driven by Playwright, and a local static server.

Never ``playwright install``: the browser comes from apt (``make test`` installs it).
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from ..conftest import build_site, copy_generated

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


def one_page_per_lecture(paths: list[str], turn: int) -> list[str]:
    """A sample of ``paths`` for checks that look at every page in one edition only: the
    home page and one page of each top-level folder (a lecture), the ``turn``-th in it
    (wrapping), so that different checks look at different pages."""
    groups: dict[str, list[str]] = {}
    for path in paths:
        if path:
            groups.setdefault(path.split("/", 1)[0], []).append(path)
    return ["", *(pages[turn % len(pages)] for pages in groups.values())]


# ---- a project with a lecture: the email, print, accessibility and GitHub Pages tests ----

DEMO_LECTURE = Path(__file__).parent / "demo_lecture"
EMAIL_SITE_URL = "https://lecturer.example/course/"


@pytest.fixture(scope="session")
def lecture_project(generated_project, tmp_path_factory) -> Path:
    """A copy of ``generated_project`` with a lecture, ``site_src/demo-lecture/`` (copied
    from tests/browser/demo_lecture/: two pages with charts, a qa, tabs, math, an
    instructor block and links between them, and an instructor-only page)."""
    project = copy_generated(generated_project, tmp_path_factory.mktemp("lecture-project") / "p")
    shutil.copytree(DEMO_LECTURE, project / "site_src" / "demo-lecture")
    return project


@pytest.fixture(scope="session")
def lecture_sites(lecture_project, tmp_path_factory) -> Iterator[dict[str, tuple[str, Path]]]:
    """Both editions served like GitHub Pages at /course/ (404.html for misses), each built
    with site_url set to where it is served: ``{edition: (url, site folder)}``."""
    from .pages_server import serve_like_pages

    sites, servers = {}, []
    for edition in ("student", "instructor"):
        root = tmp_path_factory.mktemp(f"pages-{edition}")
        (root / "course").mkdir()
        url, server = serve_like_pages(root, "course")
        result = build_site(lecture_project, edition, str(root / "course"), SITE_URL=url)
        assert result.returncode == 0, result.stderr
        sites[edition] = (url, root / "course")
        servers.append(server)
    yield sites
    for server in servers:
        server.shutdown()


@pytest.fixture(scope="session")
def email_files(lecture_project, tmp_path_factory) -> dict[str, dict[str, Path]]:
    """``make email`` for both editions: ``{edition: {lecture: file}}``. The student files
    are built without site_url, the instructor files with one."""
    from exports.email import build_email

    files = {}
    for edition, site_url in (("student", ""), ("instructor", EMAIL_SITE_URL)):
        out = tmp_path_factory.mktemp(f"email-{edition}")
        sizes = build_email(lecture_project, out, edition, site_url=site_url)
        files[edition] = {name: out / f"{name}.html" for name in sizes}
    return files

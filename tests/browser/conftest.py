"""Browser fixtures: Debian's Chromium driven by Playwright, and the sites it opens.

Never ``playwright install``: the browser comes from apt (``make test`` installs it).
"""

from __future__ import annotations

import os
import shutil
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


def site_pages(site: Path) -> list[str]:
    """Page paths of a built site (a folder) relative to its root, e.g. '' and 'components/'."""
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
def site_servers(lecture_sites) -> dict[str, str]:
    """The URL of each edition of ``lecture_sites``: the checks that need no site folder."""
    return {edition: url for edition, (url, _) in lecture_sites.items()}


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

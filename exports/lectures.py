"""Lectures and their pages, in nav order, as a built site has them.

A lecture is a top-level folder of the docs folder, except ``assets/`` and ``generated/``
(and hidden folders). The home page and other top-level pages are not lectures. The
order of pages is the site's nav: read from the home page's navigation, so an explicit
``nav:`` in mkdocs.yml and the automatic nav are followed alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from . import html_dom

NOT_LECTURES = frozenset({"assets", "generated"})
SITE_BASE = "http://site.invalid/"


@dataclass(frozen=True)
class BuiltPage:
    url: str
    """Path in the site, e.g. ``llm-training/sft/`` ('' for the home page)."""
    title: str
    file: Path

    @property
    def anchor(self) -> str:
        """An id for the page inside a joined file: its path, slugged (``llm-training-sft``)."""
        stem = re.sub(r"(/index)?\.html$", "", self.url.strip("/"))
        return re.sub(r"[^A-Za-z0-9_]+", "-", stem).strip("-").lower() or "home"


@dataclass(frozen=True)
class Lecture:
    name: str
    pages: tuple[BuiltPage, ...]

    @property
    def title(self) -> str:
        return self.pages[0].title


def lecture_folders(docs_dir: Path) -> list[str]:
    return sorted(
        p.name for p in docs_dir.iterdir()
        if p.is_dir() and p.name not in NOT_LECTURES and not p.name.startswith((".", "_"))
    )


def page_file(site_dir: Path, url: str) -> Path:
    """The HTML file behind a site path (directory URLs end in ``/``)."""
    return site_dir / url / "index.html" if url == "" or url.endswith("/") else site_dir / url


def site_path(base_url: str, href: str) -> str | None:
    """``href`` (relative to the page at ``base_url``) as a site path, or None if off-site."""
    absolute = urljoin(SITE_BASE + base_url, href)
    if not absolute.startswith(SITE_BASE):
        return None
    return unquote(urlsplit(absolute).path).lstrip("/")


def nav_pages(site_dir: Path) -> list[BuiltPage]:
    """Every page in the nav, in order, read from the built home page."""
    home = site_dir / "index.html"
    if not home.is_file():
        raise FileNotFoundError(f"{home}: the site has no home page to read the nav from")
    nav = html_dom.one(html_dom.document(home.read_text(encoding="utf-8")), "nav.md-nav--primary", "primary nav")
    pages: dict[str, BuiltPage] = {}
    for link in html_dom.elements(nav, "a.md-nav__link"):
        url = site_path("", link.attributes.get("href") or "")
        if url is None or url in pages or not page_file(site_dir, url).is_file():
            continue
        pages[url] = BuiltPage(url, html_dom.text_of(link), page_file(site_dir, url))
    return list(pages.values())


def find_lectures(docs_dir: Path, site_dir: Path) -> tuple[list[Lecture], list[str]]:
    """Lectures with at least one page in this build, in nav order, and the folders that
    have none (every page of theirs is instructor-only, say)."""
    folders = lecture_folders(docs_dir)
    grouped: dict[str, list[BuiltPage]] = {}
    for page in nav_pages(site_dir):
        top = page.url.split("/", 1)[0]
        if top in folders and "/" in page.url:
            grouped.setdefault(top, []).append(page)
    lectures = [Lecture(name, tuple(pages)) for name, pages in grouped.items()]
    return lectures, [f for f in folders if f not in grouped]

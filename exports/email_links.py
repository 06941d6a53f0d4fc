"""Make one built page's HTML fit inside a file that joins many pages.

- Ids are prefixed with the page's anchor (``sft--loss``), and so is everything that
  points at an id (``href="#..."``, ``for``, ``aria-*``, a chart's queued spec), so two
  pages with a "Summary" heading or the same chart never clash.
- Links to pages in the same file become in-file anchors. Links to other pages go to the
  deployed site when ``site_url`` is known, and otherwise become plain text (an ``<a>``
  without ``href``, which HTML defines as a placeholder for a link).
- Images and links to the site's own files become ``data:`` URIs; a link to a file gets a
  ``download`` name, since browsers refuse to open a ``data:`` URI as a page.
"""

from __future__ import annotations

import logging
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from . import html_dom, inline_assets
from .lectures import page_file, site_path

log = logging.getLogger(__name__)

ID_REFS = frozenset({"id", "for", "headers", "list", "form", "aria-labelledby", "aria-describedby", "aria-controls",
                     "aria-owns", "aria-flowto", "aria-activedescendant", "aria-details", "aria-errormessage"})
NAMED_TAGS = frozenset({"a", "input", "map"})
LINK_ONLY = ("target", "rel", "download", "hreflang", "ping", "referrerpolicy", "type", "aria-label")
CHART_QUEUE = re.compile(r"(__igCharts\b.*?\.push\(\[\s*\")([^\"\\]+)(\")", re.DOTALL)
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.\-]*:|^//")


def page_key(path: str) -> str:
    """One spelling for a page's path: ``a/b/``, ``a/b/index.html`` and ``a/b`` are the same."""
    if path.endswith("index.html"):
        path = path[: -len("index.html")]
    if path and not path.endswith(("/", ".html")):
        path += "/"
    return path


@dataclass(frozen=True)
class Targets:
    """Where links from pages in one file can go."""

    site_dir: Path
    anchors: dict[str, str]
    """``page_key`` of each page in this file -> its anchor."""
    site_url: str | None = None

    def in_file(self, path: str) -> str | None:
        return self.anchors.get(page_key(path))

    def is_page(self, path: str) -> bool:
        return (path == "" or path.endswith(("/", ".html"))) and page_file(self.site_dir, path).is_file()


@dataclass(frozen=True)
class Link:
    href: str | None
    download: str | None = None


def resolve(page_url: str, href: str, prefix: str, targets: Targets) -> Link:
    """Where ``href`` on the page at ``page_url`` should point inside the joined file."""
    if href.startswith("#"):
        return Link(f"#{prefix}--{href[1:]}" if len(href) > 1 else href)
    if SCHEME.match(href) or not href:
        return Link(href)
    path = site_path(page_url, href)
    fragment = urlsplit(href).fragment
    if path is None:
        return Link(href)
    anchor = targets.in_file(path)
    if anchor is not None:
        return Link(f"#{anchor}--{fragment}" if fragment else f"#{anchor}")
    if targets.is_page(path):
        if targets.site_url:
            return Link(targets.site_url.rstrip("/") + "/" + path + (f"#{fragment}" if fragment else ""))
        return Link(None)
    if (targets.site_dir / path).is_file():
        content = inline_assets.read_asset(targets.site_dir, path, page_url or "home page")
        return Link(inline_assets.data_uri(path, content), download=posixpath.basename(path))
    log.warning("%s: link to %r goes nowhere in the built site; it becomes plain text", page_url, href)
    return Link(None)


def _prefixed(value: str, prefix: str) -> str:
    return " ".join(f"{prefix}--{token}" for token in value.split())


def _inline_src(node: LexborNode, name: str, page_url: str, targets: Targets) -> None:
    value = node.attributes.get(name)
    if value is None or SCHEME.match(value):
        return
    path = site_path(page_url, value) or value
    content = inline_assets.read_asset(targets.site_dir, path, page_url or "home")
    node.attrs[name] = inline_assets.data_uri(path, content)


def _rewrite_link(node: LexborNode, name: str, page_url: str, prefix: str, targets: Targets) -> None:
    link = resolve(page_url, node.attributes[name] or "", prefix, targets)
    if link.href is None:
        for attr in (name, *LINK_ONLY):
            if attr in node.attributes:
                del node.attrs[attr]
        return
    node.attrs[name] = link.href
    if link.download:
        node.attrs["download"] = link.download


def rewrite_element(node: LexborNode, page_url: str, prefix: str, targets: Targets, ids: bool = True) -> None:
    """One element of the page, its ids prefixed (if ``ids``), links resolved, images inlined."""
    tag, attrs = node.tag, node.attributes
    if tag == "script":
        if "src" in attrs:
            raise inline_assets.InlineError(f"{page_url}: a <script src> inside page content cannot be inlined")
        if ids and "__igCharts" in (node.text() or ""):
            node.inner_html = CHART_QUEUE.sub(lambda m: f"{m.group(1)}{prefix}--{m.group(2)}{m.group(3)}", node.text())
        return
    if "srcset" in attrs:
        raise inline_assets.InlineError(f"{page_url}: srcset is not supported in exported pages ({attrs['srcset']!r})")
    if ids:
        for name, value in attrs.items():
            if value is not None and (name in ID_REFS or (name == "name" and tag in NAMED_TAGS)):
                node.attrs[name] = _prefixed(value, prefix)
    for name in ("href", "xlink:href"):
        if name in attrs and attrs[name] is not None:
            _rewrite_link(node, name, page_url, prefix, targets)
    for name in ("src", "poster"):
        _inline_src(node, name, page_url, targets)


def scope_tree(root: LexborHTMLParser | LexborNode, page_url: str, prefix: str, targets: Targets,
               ids: bool = True) -> None:
    """Rewrite every element under ``root`` in place (see ``scope_page``)."""
    for node in html_dom.elements(root, "*" if ids else "a[href]"):
        rewrite_element(node, page_url, prefix, targets, ids)


def scope_page(content: str, page_url: str, prefix: str, targets: Targets, ids: bool = True) -> str:
    """``content`` (HTML of the page at ``page_url``) with its ids under ``prefix`` and its
    links and images pointing where they can inside the joined file.

    With ``ids=False`` (Material's chrome around the pages) only the links of ``<a>``
    elements change: the chrome's ids are Material's own and must stay as they are.
    """
    tree = html_dom.fragment(content)
    scope_tree(tree, page_url, prefix, targets, ids)
    return tree.html or ""

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

import html
import logging
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from . import inline_assets
from .lectures import page_file, site_path

log = logging.getLogger(__name__)

TAG_OR_RAW = re.compile(
    r"<(?P<raw>script|style)\b[^>]*>.*?</(?P=raw)\s*>"
    r"|<(?P<tag>[a-zA-Z][\w:-]*)(?P<attrs>(?:\s+[^\s\"'>/=]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'=<>`]+))?)*)\s*(?P<end>/?)>",
    re.DOTALL | re.IGNORECASE,
)
ATTR = re.compile(r"([^\s\"'>/=]+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'=<>`]+)))?")
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


def _attributes(text: str) -> list[tuple[str, str | None]]:
    found = []
    for match in ATTR.finditer(text):
        value = next((v for v in match.groups()[1:] if v is not None), None)
        found.append((match.group(1), value))
    return found


def _serialise(tag: str, attrs: list[tuple[str, str | None]], end: str) -> str:
    parts = [tag] + [name if value is None else f'{name}="{value}"' for name, value in attrs]
    return "<" + " ".join(parts) + (" /" if end else "") + ">"


def _prefixed(value: str, prefix: str) -> str:
    return " ".join(f"{prefix}--{token}" for token in value.split())


def _attr(value: str) -> str:
    return value.replace("&", "&amp;").replace('"', "&quot;")


def rewrite_tag(match: re.Match, page_url: str, prefix: str, targets: Targets, ids: bool = True) -> str:
    """One start tag of the page, its ids prefixed (if ``ids``), links resolved, images inlined."""
    tag, end = match.group("tag").lower(), match.group("end")
    attrs = _attributes(match.group("attrs"))
    out: list[tuple[str, str | None]] = []
    link: Link | None = None
    for name, value in attrs:
        key = name.lower()
        if ids and value is not None and (key in ID_REFS or (key == "name" and tag in NAMED_TAGS)):
            value = _prefixed(value, prefix)
        elif value is not None and key in ("href", "xlink:href"):
            link = resolve(page_url, html.unescape(value), prefix, targets)
            if link.href is None:
                continue
            value = _attr(link.href)
        elif value is not None and key in ("src", "poster") and not SCHEME.match(value):
            path = site_path(page_url, html.unescape(value)) or value
            value = inline_assets.data_uri(path, inline_assets.read_asset(targets.site_dir, path, page_url or "home"))
        elif key == "srcset":
            raise inline_assets.InlineError(f"{page_url}: srcset is not supported in exported pages ({value!r})")
        out.append((name, value))
    if link is not None and link.href is None:
        out = [(n, v) for n, v in out if n.lower() not in LINK_ONLY]
    elif link is not None and link.download:
        out = [(n, v) for n, v in out if n.lower() != "download"] + [("download", _attr(link.download))]
    if out == attrs:
        return match.group(0)
    return _serialise(match.group("tag"), out, end)


def _rewrite_raw(text: str, page_url: str, prefix: str) -> str:
    opening = text[: text.index(">")]
    if re.search(r"\ssrc\s*=", opening, re.IGNORECASE):
        raise inline_assets.InlineError(f"{page_url}: a <script src> inside page content cannot be inlined")
    return CHART_QUEUE.sub(lambda m: f"{m.group(1)}{prefix}--{m.group(2)}{m.group(3)}", text)


def scope_page(content: str, page_url: str, prefix: str, targets: Targets, ids: bool = True) -> str:
    """``content`` (HTML of the page at ``page_url``) with its ids under ``prefix`` and its
    links and images pointing where they can inside the joined file.

    With ``ids=False`` (Material's chrome around the pages) only the links of ``<a>``
    elements change: the chrome's ids are Material's own and must stay as they are.
    """

    def replace(match: re.Match) -> str:
        if not ids:
            is_link = (match.group("tag") or "").lower() == "a"
            return rewrite_tag(match, page_url, prefix, targets, ids=False) if is_link else match.group(0)
        if match.group("raw"):
            return _rewrite_raw(match.group(0), page_url, prefix)
        return rewrite_tag(match, page_url, prefix, targets)

    return TAG_OR_RAW.sub(replace, content)

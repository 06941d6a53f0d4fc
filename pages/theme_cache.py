"""Theme output kept between builds: a page whose inputs to the theme are unchanged is
not put through Material's templates again.

Material renders the whole navigation into every page, which makes the theme the largest
part of a build once page bodies come from the page cache (``pages/page_cache.py``). What
the theme reads of one page is all in the key, by content hash:

- the site key: templates (overrides included), the page code, ``hooks.py``,
  ``mkdocs.yml``, the file list, the edition and the site URL;
- the versions of MkDocs and Material (their templates), and the config's ``extra``;
- the navigation: every item's kind, title and URL, in order (which also fixes a page's
  previous and next links and its section);
- the page: URL, title, front matter, table of contents and rendered HTML.

A hit returns the HTML that the same inputs rendered last time; anything else renders.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from engine import atomic

CACHE_DIR = ".cache/theme"
FORMAT = 1


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def nav_outline(items: Any) -> list[Any]:
    """The navigation as plain data: kind, title, URL and children of every item."""
    return [[type(item).__name__, item.title, getattr(item, "url", None), nav_outline(item.children or [])]
            for item in items]


def _versions() -> list[str]:
    import material
    import mkdocs

    return [mkdocs.__version__, getattr(material, "__version__", "")]


class ThemeCache:
    def __init__(self, root: Path, site_key: str, nav: Any, extra: dict[str, Any], site_url: str = ""):
        self.folder = root / CACHE_DIR
        self.place = json.dumps([extra.get("edition"), site_url])
        """Each edition and site URL keeps its own entries: serve and make site don't take turns."""
        self.shared = _sha(json.dumps([FORMAT, site_key, _versions(), nav_outline(nav.items), extra],
                                      sort_keys=True, default=str))
        self.hits = 0
        self.misses = 0

    def key(self, page: Any) -> str:
        toc = [[item.level, item.id, item.title] for item in _flat(page.toc)]
        return _sha(json.dumps([self.shared, page.url, page.title, page.meta, toc, _sha(page.content or "")],
                               sort_keys=True, default=str))

    def _path(self, page: Any) -> Path:
        return self.folder / f"{_sha(json.dumps([self.place, page.file.src_uri, page.url]))[:24]}.json"

    def render(self, template: Any, context: dict[str, Any]) -> str:
        page = context.get("page")
        if page is None or getattr(page, "file", None) is None:
            return template.render(context)  # sitemap.xml, 404.html: rendered every time
        key = self.key(page)
        path = self._path(page)
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            entry = None
        if entry and entry.get("key") == key:
            self.hits += 1
            return str(entry["html"])
        self.misses += 1
        html = template.render(context)
        atomic.write_text(path, json.dumps({"key": key, "html": html}))
        return html


def _flat(toc: Any) -> list[Any]:
    out: list[Any] = []
    for item in toc or []:
        out.append(item)
        out.extend(_flat(item.children))
    return out


class CachedTemplate:
    """A theme template whose ``render`` goes through the cache; the rest is the template's."""

    def __init__(self, template: Any, cache: ThemeCache):
        self._template = template
        self._cache = cache

    def render(self, *args: Any, **kwargs: Any) -> str:
        context = dict(*args, **kwargs)
        return self._cache.render(self._template, context)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._template, name)

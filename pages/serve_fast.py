"""``mkdocs serve``'s fast path: an edit to a page's body re-renders that page alone.

A full MkDocs build re-reads the config, plans the generators, lists the theme, copies
every static file and goes through every page, which costs about a second at course
size even when every page comes from the caches. Most edits in serve are to the body of
one page, and such an edit changes that page's HTML and its search entries, nothing
else. So the last successful full build is kept (its config, files, nav and theme
environment), and when every changed file is the Markdown of one of its pages, only
those pages go through MkDocs again (read, render, theme, write), their search entries
are replaced in place and the search index is written.

Anything else is a full build: a change to any other file, a page added, deleted or
renamed, a page whose front matter or title changed (the nav shows titles), a file some
component read, generator outputs landing, or any error on the fast path (the full
build then reports it as usual). When in doubt, the full build runs.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mkdocs.utils import CountHandler

log = logging.getLogger("mkdocs.hooks.serve")


@dataclass
class LastBuild:
    config: Any
    files: Any
    nav: Any
    env: Any
    pages: dict[str, Any]
    """Markdown source path -> its Page."""
    shown: dict[str, str]
    """Markdown source path -> what the nav and the theme take from it besides the body."""
    read_by_components: set[str]


_last: dict[str, LastBuild] = {}
_lock = threading.Lock()


def _shown(page: Any) -> str:
    return json.dumps([page.title, page.meta], sort_keys=True, default=str)


def remember(config: Any, files: Any, nav: Any, env: Any, read_by_components: set[str]) -> None:
    """Keep a successful full build's state for the next page edit."""
    pages = {str(Path(f.abs_src_path).resolve()): f.page for f in files.documentation_pages() if f.page is not None}
    with _lock:
        _last["build"] = LastBuild(config, files, nav, env, pages, {p: _shown(page) for p, page in pages.items()},
                                   {str(Path(p).resolve()) for p in read_by_components})


def forget() -> None:
    with _lock:
        _last.pop("build", None)


def _search_plugin(config: Any) -> Any:
    for name, plugin in config.plugins.items():
        if name.endswith("search") and hasattr(plugin, "search_index"):
            return plugin
    return None


def _rebuild_page(last: LastBuild, page: Any) -> None:
    from mkdocs.commands.build import _build_page, _populate_page

    config = last.config
    _populate_page(page, config, last.files)
    if _shown(page) != last.shown[str(Path(page.file.abs_src_path).resolve())]:
        raise LookupError("the page's title or front matter changed: the nav changes")
    search = _search_plugin(config)
    entries = search.search_index.entries if search is not None else []
    own = {i for i, e in enumerate(entries) if e["location"] == page.url or e["location"].startswith(page.url + "#")}
    at = min(own, default=len(entries))
    entries[:] = [e for i, e in enumerate(entries) if i not in own]
    before = len(entries)
    _build_page(page, config, last.files.documentation_pages(), last.nav, last.env)
    fresh = entries[before:]  # the page's new entries, where its old ones were
    del entries[before:]
    entries[at:at] = fresh


def try_page_edit(changed: set[str]) -> bool:
    """Re-render the pages whose Markdown is all that changed; False if a full build is needed."""
    from engine.serve_watch import UNKNOWN  # here: builds need not import the watcher (watchdog)

    with _lock:
        last = _last.get("build")
    if last is None or not changed or UNKNOWN in changed:
        return False
    paths = {str(Path(p).resolve()) for p in changed}
    if not paths <= last.pages.keys() or paths & last.read_by_components or not all(map(os.path.isfile, paths)):
        return False
    started = time.monotonic()
    warnings = CountHandler()
    warnings.setLevel(logging.WARNING)
    logging.getLogger("mkdocs").addHandler(warnings)
    try:
        for path in sorted(paths):
            _rebuild_page(last, last.pages[path])
        for page in last.pages.values():  # other pages may link to an anchor the edit removed
            page.validate_anchor_links(files=last.files, log_level=last.config.validation.links.anchors)
        if last.config.strict and warnings.get_counts():
            raise LookupError("warnings in strict mode")
        search = _search_plugin(last.config)
        if search is not None:
            search.on_post_build(config=last.config)
    except Exception as exc:  # any doubt means a full build, which reports errors itself
        log.info("Not a body-only edit (%s): building every page", exc)
        forget()
        return False
    finally:
        logging.getLogger("mkdocs").removeHandler(warnings)
    names = ", ".join(last.pages[p].file.src_uri for p in sorted(paths))
    log.info("Building documentation: the body of %s changed, that page only (%.2f s)", names,
             time.monotonic() - started)
    return True


def builder(full: Callable[..., None], take_changes: Callable[[], set[str]]) -> Callable[..., None]:
    """Serve's builder: the fast path when it applies, MkDocs' full build otherwise."""

    def build(config: Any = None) -> None:
        changed = take_changes()  # empty when something other than the watcher asked: a full build
        if config is None and try_page_edit(changed):
            return
        forget()
        full(config)

    return build

"""Material's search plugin, spared from re-reading unchanged pages.

The plugin parses every page's HTML into sections on every build: about a quarter of a
warm build. Its parser is swapped here for one that keeps each page's sections, keyed by
a hash of the page's HTML, in memory (serve) and in ``.cache/search/`` (builds). The
sections are what the plugin itself would compute from the same HTML, so the index, which
is still written whole on every build, is the same. (mkdocs-material 9.x: the plugin
creates ``Parser()``, feeds the page and reads ``.data``.)
"""

from __future__ import annotations

import hashlib
import pickle
from pathlib import Path
from typing import Any

from engine import atomic

_memory: dict[str, Any] = {}


def install(root: Path) -> None:
    from material.plugins.search import plugin

    original = getattr(plugin, "_ig_original_parser", plugin.Parser)
    folder = root / ".cache" / "search"

    class CachingParser:
        def __init__(self) -> None:
            self._parts: list[str] = []
            self.data: list[Any] = []

        def feed(self, html: str) -> None:
            self._parts.append(html)

        def close(self) -> None:
            html = "".join(self._parts)
            key = hashlib.sha256(html.encode()).hexdigest()
            pickled = _memory.get(key)
            path = folder / f"{key[:32]}.pickle"
            if pickled is None and path.is_file():
                try:
                    pickled = path.read_bytes()
                except OSError:
                    pickled = None
            try:
                sections = pickle.loads(pickled) if pickled is not None else None
            except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError):
                sections = None
            if sections is None:
                parser = original()
                parser.feed(html)
                parser.close()
                pickled = pickle.dumps(parser.data)
                atomic.write_bytes(path, pickled)
                sections = pickle.loads(pickled)
            # The plugin fills in missing titles: it gets a fresh copy (unpickled: several
            # times faster than copy.deepcopy), the pickle is kept.
            _memory[key] = pickled
            self.data = sections

    plugin._ig_original_parser = original
    plugin.Parser = CachingParser

"""Material's search plugin, spared from re-reading unchanged pages.

The plugin parses every page's HTML into sections on every build: about a quarter of a
warm build. Its parser is swapped here for one that keeps each page's sections, keyed by
a hash of the page's HTML, in memory (serve) and in ``.cache/search/`` (builds). The
sections are what the plugin itself would compute from the same HTML, so the index, which
is still written whole on every build, is the same. (mkdocs-material 9.x: the plugin
creates ``Parser()``, feeds the page and reads ``.data``.)
"""

from __future__ import annotations

import copy
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
            sections = _memory.get(key)
            path = folder / f"{key[:32]}.pickle"
            if sections is None and path.is_file():
                try:
                    sections = pickle.loads(path.read_bytes())
                except (OSError, pickle.UnpicklingError, EOFError, AttributeError):
                    sections = None
            if sections is None:
                parser = original()
                parser.feed(html)
                parser.close()
                sections = parser.data
                atomic.write_bytes(path, pickle.dumps(sections))
            _memory[key] = sections
            # The plugin fills in missing titles: hand it copies, keep the originals.
            self.data = copy.deepcopy(sections)

    plugin._ig_original_parser = original
    plugin.Parser = CachingParser

"""Rendered pages kept between builds, keyed by the content of everything a page reads.

Rendering a page (Jinja, components, Markdown, math) is most of a build's work. A page's
result is reused when all of these are unchanged, by content hash:

- its Markdown (after the edition's stripping), its URL and the edition;
- the site's file list (links between pages are resolved against it);
- the renderer: templates, the page code in ``pages/``, ``hooks.py``, ``mkdocs.yml``;
- what it read while rendering: each generator's ``metrics.json`` (which changes with
  every run and every redraw, through its provenance) or its pending state, and each
  project file a component read (a walkthrough's model file).

Anything else means a fresh render. MkDocs' own dirty builds compare modification times
and leave nav and search stale; this cache decides nothing from times, and the theme,
nav, search index and sitemap are still built from every page on every build.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine import atomic
from engine.fingerprint import file_digest

CACHE_DIR = ".cache/pages"
RENDERER_DIRS = ("templates", "pages")
RENDERER_FILES = ("hooks.py", "mkdocs.yml")
FORMAT = 1


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def tree_digest(root: Path, dirs: tuple[str, ...], files: tuple[str, ...]) -> str:
    digest = hashlib.sha256(str(FORMAT).encode())
    paths = [root / f for f in files]
    for name in dirs:
        for folder, subdirs, names in os.walk(root / name):
            subdirs[:] = sorted(d for d in subdirs if d != "__pycache__")
            paths += [Path(folder) / n for n in sorted(names) if not n.endswith(".pyc")]
    for path in paths:
        if path.is_file():
            digest.update(str(path.relative_to(root)).encode() + b"\0" + _sha(path.read_bytes()).encode())
    return digest.hexdigest()


@dataclass
class Dependencies:
    """What one page read while it rendered: generators and project files."""

    generators: set[str] = field(default_factory=set)
    files: set[str] = field(default_factory=set)


@dataclass
class Rendered:
    html: str
    toc: list[dict[str, Any]]
    title: str | None
    anchors: list[str]


class PageCache:
    def __init__(self, root: Path, generated_dir: Path, site_key: str):
        self.root = root
        self.generated_dir = generated_dir
        self.site_key = site_key
        """Digest of the renderer and the site's file list: shared by every page."""
        self.folder = root / CACHE_DIR
        self.hits = 0
        self.misses = 0
        self.files_read: set[str] = set()
        """Project files (root-relative) that components of this build's pages read."""

    def _entry_path(self, page_id: str) -> Path:
        return self.folder / f"{_sha(page_id.encode())[:24]}.json"

    @staticmethod
    def _digest(path: Path, absent: str) -> str:
        # file_digest hashes a file once while its size and mtime stay the same (a memo
        # within the process); what decides is still its content hash.
        return file_digest(path) if path.is_file() else absent

    def _dep_digests(self, deps: Dependencies, failed: set[str]) -> dict[str, str]:
        digests: dict[str, str] = {}
        for name in sorted(deps.generators):
            state = self._digest(self.generated_dir / name / "metrics.json", "pending")
            digests[f"generator:{name}"] = state + (":failed" if name in failed else "")
        for relative in sorted(deps.files):
            digests[f"file:{relative}"] = self._digest(self.root / relative, "missing")
        return digests

    def base_key(self, markdown: str, page_id: str) -> str:
        return _sha(json.dumps([FORMAT, self.site_key, page_id, markdown]).encode())

    def get(self, page_id: str, base: str, failed: set[str]) -> Rendered | None:
        try:
            entry = json.loads(self._entry_path(page_id).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            entry = None
        if not entry or entry.get("base") != base:
            self.misses += 1
            return None
        deps = Dependencies(set(entry["generators"]), set(entry["files"]))
        self.files_read |= deps.files
        if self._dep_digests(deps, failed) != entry["deps"]:
            self.misses += 1
            return None
        self.hits += 1
        return Rendered(entry["html"], entry["toc"], entry["title"], entry["anchors"])

    def put(self, page_id: str, base: str, deps: Dependencies, failed: set[str], rendered: Rendered) -> None:
        self.files_read |= deps.files
        entry = {
            "base": base,
            "generators": sorted(deps.generators),
            "files": sorted(deps.files),
            "deps": self._dep_digests(deps, failed),
            "html": rendered.html,
            "toc": rendered.toc,
            "title": rendered.title,
            "anchors": rendered.anchors,
        }
        atomic.write_text(self._entry_path(page_id), json.dumps(entry))


def toc_tokens(toc: Any) -> list[dict[str, Any]]:
    """MkDocs' table of contents as the plain tokens ``mkdocs.structure.toc.get_toc`` takes."""
    return [
        {"level": item.level, "id": item.id, "name": item.title, "children": toc_tokens(item.children)}
        for item in toc
    ]

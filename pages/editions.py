"""Editions: the instructor edition shows everything; the student edition strips
instructor content so that it is absent from the HTML, nav, search index and sitemap."""

from __future__ import annotations

import os
import re

from .jinja_page import FENCE

EDITIONS = ("student", "instructor")
INSTRUCTOR_BLOCK = re.compile(r"^(?P<indent>[ \t]*)(!!!|\?\?\?\+?)\s+instructor\b")


class EditionError(ValueError):
    pass


def edition_for(command: str | None) -> str:
    """``EDITION`` if set; otherwise instructor for ``serve`` and student for the rest."""
    chosen = os.environ.get("EDITION") or ("instructor" if command == "serve" else "student")
    if chosen not in EDITIONS:
        raise EditionError(f"EDITION must be one of {', '.join(EDITIONS)}, not {chosen!r}")
    return chosen


def strip_instructor_blocks(markdown: str) -> str:
    """Blank out ``!!! instructor`` / ``??? instructor`` blocks, keeping line numbers.

    A block is its marker line plus every following line that is blank or indented deeper
    than the marker. Markers inside fenced code are examples, and stay.
    """
    lines = markdown.split("\n")
    out: list[str] = []
    fence: str | None = None
    block_indent: int | None = None
    for line in lines:
        if block_indent is not None:
            width = len(line) - len(line.lstrip())
            if not line.strip() or width > block_indent:
                out.append("")
                continue
            block_indent = None
        match = FENCE.match(line)
        if match:
            marker = match.group("fence")
            if fence is None:
                fence = marker
            elif line.strip() == marker and marker.startswith(fence[0]) and len(marker) >= len(fence):
                fence = None
        elif fence is None:
            block = INSTRUCTOR_BLOCK.match(line)
            if block:
                block_indent = len(block.group("indent").expandtabs(4))
                out.append("")
                continue
        out.append(line)
    return "\n".join(out)


def is_instructor_page(meta: dict) -> bool:
    return str(meta.get("edition", "")).strip().lower() == "instructor"

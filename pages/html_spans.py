"""Find elements in built HTML by tag and attributes, as character offsets.

The email and figure exports cut pieces out of pages that MkDocs and Material wrote. A
regular expression cannot find where a ``<div>`` ends, so this walks the tags with the
standard library's HTML parser and matches start and end tags, knowing the void elements.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser

VOID = frozenset(
    "area base br col embed hr img input link meta param source track wbr".split()
)
Attrs = dict[str, str]
Match = Callable[[str, Attrs], bool]


@dataclass(frozen=True)
class Span:
    """One element: ``html[start:end]`` is all of it, ``html[inner_start:inner_end]`` its content."""

    tag: str
    attrs: Attrs
    start: int
    inner_start: int
    inner_end: int
    end: int


class _Walker(HTMLParser):
    def __init__(self, html: str, match: Match):
        super().__init__(convert_charrefs=True)
        self.match = match
        self.html = html
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", html)]
        self.open: list[tuple[str, Attrs, int, int, bool]] = []
        self.found: list[Span] = []

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def handle_starttag(self, tag, attrs):
        start = self._offset()
        inner = start + len(self.get_starttag_text() or "")
        values = {name: value or "" for name, value in attrs}
        wanted = self.match(tag, values)
        if tag in VOID:
            if wanted:
                self.found.append(Span(tag, values, start, inner, inner, inner))
            return
        self.open.append((tag, values, start, inner, wanted))

    def handle_startendtag(self, tag, attrs):
        start = self._offset()
        end = start + len(self.get_starttag_text() or "")
        values = {name: value or "" for name, value in attrs}
        if self.match(tag, values):
            self.found.append(Span(tag, values, start, end, end, end))

    def handle_endtag(self, tag):
        # Close back to the nearest open element of this tag; unclosed <p> and <li> are
        # closed implicitly, as browsers do.
        for depth in range(len(self.open) - 1, -1, -1):
            if self.open[depth][0] == tag:
                break
        else:
            return
        inner_end = self._offset()
        end = self.html.index(">", inner_end) + 1
        for name, values, start, inner, wanted in self.open[depth + 1:]:
            if wanted:
                self.found.append(Span(name, values, start, inner, inner_end, inner_end))
        name, values, start, inner, wanted = self.open[depth]
        if wanted:
            self.found.append(Span(name, values, start, inner, inner_end, end))
        del self.open[depth:]


def find(html: str, match: Match) -> list[Span]:
    """Every element for which ``match(tag, attrs)`` holds, outermost first."""
    walker = _Walker(html, match)
    walker.feed(html)
    walker.close()
    return sorted(walker.found, key=lambda s: (s.start, -s.end))


def find_one(html: str, match: Match, what: str) -> Span:
    spans = find(html, match)
    if not spans:
        raise ValueError(f"no {what} in the page")
    return spans[0]


def remove(html: str, match: Match) -> str:
    """``html`` without the matching elements (nested matches go with their parent)."""
    out, cursor = [], 0
    for span in find(html, match):
        if span.start < cursor:
            continue
        out.append(html[cursor:span.start])
        cursor = span.end
    out.append(html[cursor:])
    return "".join(out)


def element(tag: str, **wanted: str) -> Match:
    """Match ``tag`` whose attributes include ``wanted``: ``class_`` is one of its classes,
    and other names are attributes with ``_`` for ``-`` (``for_``, ``data_md_component``)."""
    css_class = wanted.pop("class_", None)

    def match(found_tag: str, attrs: Attrs) -> bool:
        if found_tag != tag:
            return False
        if css_class is not None and css_class not in attrs.get("class", "").split():
            return False
        return all(attrs.get(name.rstrip("_").replace("_", "-")) == value for name, value in wanted.items())

    return match

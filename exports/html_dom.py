"""HTML as a tree: the exports parse built pages with selectolax (Lexbor, an HTML5
parser), change the tree, and serialise it; no regular expression ever reads a tag.

Lexbor keeps foreign-content attribute names as written (SVG's ``viewBox``,
``gradientUnits``), which an lxml round trip would lowercase and break.

Large opaque text (a 1.5 MB script, a stylesheet, a page's already-serialised HTML) is
not pushed through the tree: ``Splice`` puts a unique token in its place, and the token is
swapped for the text after serialisation. The token is plain text the tree never
interprets, so this replaces no markup parsing.
"""

from __future__ import annotations

import html as html_lib
import secrets
from collections.abc import Iterator

from selectolax.lexbor import LexborHTMLParser, LexborNode

VOID = frozenset("area base br col embed hr img input link meta source track wbr".split())
RAW_TEXT = frozenset({"script", "style"})


def document(text: str) -> LexborHTMLParser:
    """A whole page, parsed as a browser would (missing ``<html>``/``<head>``/``<body>`` added)."""
    return LexborHTMLParser(text)


def fragment(text: str) -> LexborHTMLParser:
    """Markup that sits inside a ``<div>`` (page content, a component), parsed as such."""
    return LexborHTMLParser(text, is_fragment=True)


def elements(tree: LexborHTMLParser | LexborNode, selector: str = "*") -> list[LexborNode]:
    """Elements under ``tree`` matching the CSS ``selector``, in document order."""
    return list(tree.css(selector))


def one(tree: LexborHTMLParser | LexborNode, selector: str, what: str) -> LexborNode:
    found = tree.css_first(selector)
    if found is None:
        raise ValueError(f"no {what} ({selector}) in the page")
    return found


def remove(tree: LexborHTMLParser | LexborNode, selector: str) -> int:
    """Remove every element matching ``selector`` with its content (a match inside another
    goes with it); return how many were removed."""
    found = elements(tree, selector)
    ids = {node.mem_id for node in found}
    tops = []
    for node in found:
        ancestor = node.parent
        while ancestor is not None and ancestor.mem_id not in ids:
            ancestor = ancestor.parent
        if ancestor is None:
            tops.append(node)
    for node in tops:
        node.decompose()
    return len(tops)


def inner_html(node: LexborNode) -> str:
    return node.inner_html or ""


def classes(tree: LexborHTMLParser | LexborNode) -> set[str]:
    """Every class name used by an element under ``tree``."""
    return {name for node in tree.css("[class]") for name in (node.attributes.get("class") or "").split()}


def text_of(node: LexborNode) -> str:
    """The element's text with whitespace collapsed, as a reader sees it."""
    return " ".join((node.text(deep=True) or "").split())


class Splice:
    """Tokens that stand for text inserted after serialisation (see the module docstring)."""

    def __init__(self) -> None:
        self._key = secrets.token_hex(8)
        self._texts: list[str] = []

    def token(self, text: str) -> str:
        self._texts.append(text)
        return f"\ue000ig-splice-{self._key}-{len(self._texts) - 1}\ue001"

    def apply(self, serialised: str) -> str:
        # Later tokens may sit inside earlier texts (a page's HTML holding a script token),
        # so substitute in reverse order of creation.
        for index in range(len(self._texts) - 1, -1, -1):
            token = f"\ue000ig-splice-{self._key}-{index}\ue001"
            if serialised.count(token) != 1:
                raise ValueError(f"splice token {index} appears {serialised.count(token)} times, expected once")
            serialised = serialised.replace(token, self._texts[index])
        return serialised


# ---- comparing markup by its tree, not its bytes (golden tests) ----------------------------


def _walk(node: LexborNode | None, depth: int) -> Iterator[str]:
    pad = "  " * depth
    while node is not None:
        if node.is_element_node:
            attrs = " ".join(f'{name}="{value or ""}"' for name, value in sorted(node.attributes.items()))
            yield f"{pad}<{node.tag}{' ' + attrs if attrs else ''}>"
            if node.tag in RAW_TEXT:
                body = (node.text(deep=True) or "").strip()
                if body:
                    yield f"{pad}  {body}"
            elif node.child is not None:
                yield from _walk(node.child, depth + 1)
        elif node.is_text_node:
            text = " ".join((node.text(deep=False) or "").split())
            if text:
                yield f"{pad}{html_lib.escape(text, quote=False)}"
        elif node.is_comment_node:
            pass
        node = node.next


def normalised(markup: str) -> str:
    """One line per element (sorted attributes) or text (whitespace collapsed; empty text
    dropped): two fragments that a browser would build into the same tree compare equal."""
    tree = fragment(markup)
    return "\n".join(_walk(tree.root, 0)) if tree.root is not None else ""

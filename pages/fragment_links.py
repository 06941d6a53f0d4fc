"""Links inside component bodies resolve like links in the page around them.

A ``qa`` answer or a stage card's text is Markdown that a component renders on its own,
outside MkDocs' page pipeline, so ``[the RAG page](04-rag.md)`` would stay a link to a
Markdown file (a 404 on the site). Here each relative link to a ``.md`` file of the site is
rewritten to that page's URL, relative to the page that holds the component; a link to a
page that does not exist is an error naming it.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser


class LinkError(ValueError):
    pass


def rewrite(html: str, page_src_uri: str, url_of: Callable[[str], str | None],
            relative_url: Callable[[str], str]) -> str:
    """``html`` with links to ``.md`` files replaced by the pages' URLs.

    ``url_of(src_uri)`` gives a page's site URL (None when there is no such page);
    ``relative_url(url)`` makes a site URL relative to the current page.
    """
    if ".md" not in html:
        return html
    tree = LexborHTMLParser(f"<div id='ig-fragment'>{html}</div>")
    changed = False
    for link in tree.css("a[href]"):
        href = link.attrs.get("href") or ""
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or not parts.path.endswith(".md"):
            continue
        target = posixpath.normpath(posixpath.join(posixpath.dirname(page_src_uri), parts.path))
        url = url_of(target)
        if url is None:
            raise LinkError(f"a link in a component points at {href!r}, which is not a page of the site")
        link.attrs["href"] = relative_url(url) + (f"#{parts.fragment}" if parts.fragment else "")
        changed = True
    if not changed:
        return html
    wrapper = tree.css_first("#ig-fragment")
    return wrapper.inner_html if wrapper is not None and wrapper.inner_html is not None else html

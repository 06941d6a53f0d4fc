"""Links in component bodies resolve to the pages' URLs, as links in the page do."""

from __future__ import annotations

import pytest
from mkdocs.utils import get_relative_url

from pages.fragment_links import LinkError, rewrite

URLS = {"retrieval/04-rag.md": "retrieval/04-rag/", "index.md": ""}


def relative_from(page_url: str):
    return lambda target: get_relative_url(target, page_url)


def test_a_link_to_a_page_becomes_its_url_relative_to_the_page():
    html = '<p>See the <a href="04-rag.md#prompt">RAG page</a> and <a href="https://x.org/a.md">this</a>.</p>'
    out = rewrite(html, "retrieval/01-overview.md", URLS.get, relative_from("retrieval/01-overview/"))
    assert 'href="../04-rag/#prompt"' in out
    assert 'href="https://x.org/a.md"' in out  # not ours: left alone


def test_a_link_to_a_missing_page_names_it():
    with pytest.raises(LinkError, match=r"'05-nowhere\.md'"):
        rewrite('<a href="05-nowhere.md">x</a>', "retrieval/01-overview.md", URLS.get,
                relative_from("retrieval/01-overview/"))


def test_html_without_page_links_is_returned_unchanged():
    html = "<p>a <code>x.md</code> b</p>"
    assert rewrite(html, "index.md", URLS.get, relative_from("")) == html

"""Links, ids and images of one page, made to fit a file that joins many pages."""

from __future__ import annotations

from urllib.parse import unquote

import pytest

from exports.email_links import Targets, page_key, resolve, scope_page
from exports.inline_assets import InlineError


@pytest.fixture
def site(tmp_path):
    for page in ("index.html", "lec/index.html", "lec/a/index.html", "other/index.html"):
        (tmp_path / page).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / page).write_text("<html></html>")
    (tmp_path / "generated/g").mkdir(parents=True)
    (tmp_path / "generated/g/c.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"><path d="M0 0"/></svg>')
    return tmp_path


def targets(site, site_url=None):
    return Targets(site, {"lec/": "lec", "lec/a/": "lec-a"}, site_url)


def test_page_key_spells_a_page_one_way():
    assert page_key("lec/a/index.html") == page_key("lec/a") == page_key("lec/a/") == "lec/a/"
    assert page_key("lec/a.html") == "lec/a.html"
    assert page_key("") == page_key("index.html") == ""


def test_fragments_and_links_within_the_file_become_prefixed_anchors(site):
    t = targets(site)
    assert resolve("lec/a/", "#x", "lec-a", t).href == "#lec-a--x"
    assert resolve("lec/a/", "../", "lec-a", t).href == "#lec"
    assert resolve("lec/a/", "../#summary", "lec-a", t).href == "#lec--summary"
    assert resolve("lec/", "a/index.html#s", "lec", t).href == "#lec-a--s"


def test_links_to_other_pages_are_text_offline_and_go_to_the_site_with_site_url(site):
    assert resolve("lec/a/", "../../other/", "lec-a", targets(site)).href is None
    linked = resolve("lec/a/", "../../other/#f", "lec-a", targets(site, "https://x.example/course/"))
    assert linked.href == "https://x.example/course/other/#f"
    assert resolve("lec/", "../", "lec", targets(site, "https://x.example/course")).href == "https://x.example/course/"


def test_external_links_stay(site):
    for href in ("https://example.org/a", "mailto:a@b.c", "//cdn.example/x.js", "data:text/plain,x"):
        assert resolve("lec/", href, "lec", targets(site)).href == href


def test_links_to_site_files_become_data_uris_to_download(site):
    link = resolve("lec/a/", "../../generated/g/c.svg", "lec-a", targets(site))
    assert link.download == "c.svg"
    assert unquote(link.href.split(",", 1)[1]) == "<svg xmlns='http://www.w3.org/2000/svg'><path d='M0 0'/></svg>"


def test_links_to_nothing_become_text(site):
    assert resolve("lec/", "missing/", "lec", targets(site)).href is None


def test_scope_page_prefixes_ids_and_everything_that_points_at_them(site):
    html = (
        '<h2 id="summary">S<a class="headerlink" href="#summary">¶</a></h2>'
        '<input id="__tabbed_1_1" name="__tabbed_1" type="radio"><label for="__tabbed_1_1">One</label>'
        '<figure id="ig-c" aria-labelledby="ig-c-title"><div aria-describedby="ig-c-desc x"></div>'
        '<script>(window.__igCharts = window.__igCharts || []).push(["ig-c", {"a": 1}]);</script></figure>'
        '<pre><code>&lt;p id="kept"&gt;</code></pre>'
    )
    out = scope_page(html, "lec/a/", "lec-a", targets(site))
    for expected in ('id="lec-a--summary"', 'href="#lec-a--summary"', 'id="lec-a--__tabbed_1_1"',
                     'name="lec-a--__tabbed_1"', 'for="lec-a--__tabbed_1_1"', 'aria-labelledby="lec-a--ig-c-title"',
                     'aria-describedby="lec-a--ig-c-desc lec-a--x"', 'push(["lec-a--ig-c", {"a": 1}])',
                     '&lt;p id="kept"&gt;'):
        assert expected in out, expected


def test_scope_page_turns_offsite_links_into_text_and_inlines_images(site):
    html = '<a href="../../other/" title="t" aria-label="Other" target="_blank">other</a><img src="../../generated/g/c.svg" alt="c">'
    out = scope_page(html, "lec/a/", "lec-a", targets(site))
    assert '<a title="t">other</a>' in out
    assert '<img src="data:image/svg+xml;charset=utf-8,' in out and 'alt="c"' in out


def test_an_image_that_is_not_in_the_site_fails_naming_page_and_file(site):
    with pytest.raises(InlineError, match=r"lec/a/: cannot inline 'lec/a/missing\.png'"):
        scope_page('<img src="missing.png" alt="">', "lec/a/", "lec-a", targets(site))


def test_chrome_mode_changes_links_only(site):
    html = '<input id="__palette_0" name="__palette"><a href="../" class="md-logo">Home</a>'
    out = scope_page(html, "lec/a/", "lec-a", targets(site), ids=False)
    assert '<input id="__palette_0" name="__palette">' in out
    assert '<a class="md-logo" href="#lec">' in out or '<a href="#lec" class="md-logo">' in out

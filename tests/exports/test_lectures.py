"""Lectures: top-level folders of the docs folder, their pages in nav order."""

from __future__ import annotations

from exports.lectures import BuiltPage, find_lectures, lecture_folders, site_path

NAV = """<html><body><nav class="md-nav md-nav--primary" aria-label="Navigation">
<a href="." class="md-nav__link">Home</a><a href="#the-data" class="md-nav__link">The data</a>
<a href="components/" class="md-nav__link">Components</a>
<a href="lec/" class="md-nav__link"><span class="md-ellipsis">Lecture &amp; more</span></a>
<a href="lec/b/" class="md-nav__link">B</a><a href="lec/a/" class="md-nav__link">A</a>
<a href="https://example.org/" class="md-nav__link">Elsewhere</a></nav></body></html>"""


def test_lecture_folders_skip_assets_generated_and_hidden(tmp_path):
    for name in ("assets", "generated", ".hidden", "lec", "other"):
        (tmp_path / name).mkdir()
    (tmp_path / "index.md").write_text("# Home")
    assert lecture_folders(tmp_path) == ["lec", "other"]


def test_lectures_follow_the_nav_and_report_folders_without_pages(tmp_path):
    docs, site = tmp_path / "docs", tmp_path / "site"
    for name in ("lec", "other", "assets"):
        (docs / name).mkdir(parents=True)
    for page in ("index.html", "components/index.html", "lec/index.html", "lec/a/index.html", "lec/b/index.html"):
        (site / page).parent.mkdir(parents=True, exist_ok=True)
        (site / page).write_text(NAV if page == "index.html" else "<html></html>")
    lectures, empty = find_lectures(docs, site)
    assert [lecture.name for lecture in lectures] == ["lec"]
    assert [p.url for p in lectures[0].pages] == ["lec/", "lec/b/", "lec/a/"]
    assert lectures[0].title == "Lecture & more"
    assert empty == ["other"]


def test_page_anchor_and_site_path():
    assert BuiltPage("llm-training/sft/", "SFT", None).anchor == "llm-training-sft"
    assert BuiltPage("lec/index.html", "L", None).anchor == "lec"
    assert site_path("lec/a/", "../../other/#x") == "other/"
    assert site_path("lec/a/", "https://example.org/") is None

"""`make email` files opened from file:// in Chromium, with and without JavaScript."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from exports import html_dom
from exports.email import TARGET_BYTES

from .offline_page import draw_charts, open_email

EDITIONS = ("student", "instructor")
LECTURE = "demo-lecture"
CHARTS = 3  # in tests/browser/demo_lecture: class_counts, examples, ddpm/reverse (frames)
REPEATS = 1  # class_counts again on the second page: in the file, a link to the first


def math_width(page) -> float:
    """Width of the first formula as laid out: KaTeX's HTML (its MathML is for screen
    readers, visually hidden), or MathML laid out natively where the page has only that."""
    katex = page.locator(".katex-html")
    return (katex if katex.count() else page.locator("math")).first.bounding_box()["width"]


def test_one_file_per_lecture_each_within_the_target(email_files):
    for edition in EDITIONS:
        # The copy holds the course's own lectures beside the demo one; course.html is
        # written only on request (make email COURSE=1).
        assert {LECTURE, "llm-training", "generative"} <= set(email_files[edition])
        assert "course" not in email_files[edition]
        for file in email_files[edition].values():
            assert 0 < file.stat().st_size <= TARGET_BYTES, file


@pytest.mark.parametrize("edition", EDITIONS)
def test_each_chart_picture_is_in_the_file_once_and_scripts_are_packed(email_files, edition):
    for file in email_files[edition].values():
        html = file.read_text(encoding="utf-8")
        tree = html_dom.document(html)
        images = [img.attributes["src"] for img in html_dom.elements(tree, "img.ig-chart__static")]
        assert all(src.startswith(("data:image/svg+xml", "data:image/png")) for src in images)
        # Each picture only as often as a figure shows it (class_counts is on two pages), never
        # again as a download link.
        for src, shown in Counter(images).items():
            assert html.count(src) == shown, file
        assert not html_dom.elements(tree, ".ig-chart__csv"), file  # the CSV stays on the site
        if images:
            # Each figure's spec and the runtime (plotly.js + charts.js) are gzipped data blocks.
            packed = html_dom.elements(tree, 'script[type="application/gzip"]')
            assert len(packed) == len(html_dom.elements(tree, "figure.ig-chart")) + 1
            assert "__igCharts" not in html


@pytest.mark.parametrize("edition", EDITIONS)
def test_file_states_edition_build_and_commit_and_carries_licences(email_files, edition):
    html = email_files[edition][LECTURE].read_text(encoding="utf-8")
    assert re.search(rf"{edition.capitalize()} edition · built \d{{4}}-\d\d-\d\d · commit <code>uncommitted</code>", html)
    # The notice names the inlined bundle (the cartesian bundle says "(cartesian - minified)");
    # the bundle itself, with its header, is in the file gzipped.
    assert len(re.findall(r"plotly\.js(?: \([^)]*\))? v\d", html)) == 1
    assert html.count("Permission is hereby granted, free of charge") >= 2  # plotly.js and Material (MIT)
    assert "Material for MkDocs" in html and "Pictogrammers Free License" in html


def test_student_file_strips_instructor_content_and_keeps_answers(email_files):
    student = email_files["student"][LECTURE].read_text(encoding="utf-8")
    instructor = email_files["instructor"][LECTURE].read_text(encoding="utf-8")
    for marker in ("INSTRUCTOR-BLOCK-SENTINEL", "ANSWER-KEY-SENTINEL"):
        assert marker not in student
        assert marker in instructor
    assert "QA-ANSWER-SENTINEL" in student


def test_links_to_other_pages_are_text_offline_and_absolute_with_site_url(email_files):
    student = email_files["student"][LECTURE].read_text(encoding="utf-8")
    instructor = email_files["instructor"][LECTURE].read_text(encoding="utf-8")
    assert re.search(r"<a>home page</a>", student)
    assert '<a href="https://lecturer.example/course/components/">components</a>' in instructor


@pytest.mark.parametrize("edition", EDITIONS)
def test_with_javascript_no_request_no_error_every_chart_draws(browser, email_files, edition):
    page = open_email(browser, email_files[edition][LECTURE])
    assert draw_charts(page) == CHARTS
    ids = page.evaluate("() => [...document.querySelectorAll('[id]')].map((e) => e.id)")
    assert len(ids) == len(set(ids))
    assert math_width(page) > 50
    assert page.blocked == [] and page.errors == []
    page.context.close()


def test_links_toggles_tabs_and_palette_work_in_the_file(browser, email_files):
    page = open_email(browser, email_files["student"][LECTURE])
    page.get_by_role("link", name="the details").click()
    assert page.evaluate("() => location.hash") == "#demo-lecture-details--a-section"
    assert page.locator("#demo-lecture-details--a-section").is_visible()
    page.get_by_role("link", name="the introduction").click()
    assert page.evaluate("() => location.hash") == "#demo-lecture--summary"

    toggle = page.locator("details.ig-qa").first
    toggle.locator("summary").click()
    assert toggle.get_attribute("open") is not None
    toggle.locator("summary").click()
    assert toggle.get_attribute("open") is None

    # Tabs on the two pages are separate sets: choosing one does not change the other.
    page.get_by_text("Second tab", exact=True).click()
    page.get_by_text("Dark", exact=True).click()
    assert page.get_by_text("SECOND-TAB-SENTINEL").is_visible()
    assert page.get_by_text("DARK-TAB-SENTINEL").is_visible()

    page.locator("label.md-header__button[for^='__palette']:visible").first.click()
    page.wait_for_function("() => document.body.getAttribute('data-md-color-scheme') === 'slate'")
    assert page.blocked == [] and page.errors == []
    page.context.close()


def test_svg_download_link_saves_the_chart_image_with_javascript(browser, email_files):
    page = open_email(browser, email_files["student"][LECTURE])
    link = page.locator(".ig-chart__downloads a[data-ig-save-image]").first
    assert link.get_attribute("href").startswith("data:image/svg+xml")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "class_counts.svg"
    assert b"<svg" in open(download.value.path(), "rb").read()
    page.context.close()


def test_without_javascript_there_is_no_dead_download_link(browser, email_files):
    page = open_email(browser, email_files["student"][LECTURE], js=False)
    links = page.locator(".ig-chart__downloads a")
    assert links.count() >= 1
    for i in range(links.count()):
        assert not links.nth(i).is_visible() and links.nth(i).get_attribute("href") is None
    page.context.close()


def test_png_download_button_works_from_the_file(browser, email_files):
    page = open_email(browser, email_files["student"][LECTURE])
    draw_charts(page)
    with page.expect_download() as download:
        page.locator(".ig-chart__png").first.click()
    assert download.value.suggested_filename.endswith(".png")
    assert open(download.value.path(), "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    assert page.blocked == [] and page.errors == []
    page.context.close()


def test_without_javascript_charts_are_static_svgs_and_toggles_tables_math_work(browser, email_files):
    page = open_email(browser, email_files["student"][LECTURE], js=False)
    statics = page.locator("img.ig-chart__static")
    assert statics.count() == CHARTS
    repeats = page.locator("p.ig-chart-repeat a")
    assert repeats.count() == REPEATS
    assert page.locator(repeats.first.get_attribute("href")).locator("img.ig-chart__static").count() == 1
    for i in range(statics.count()):
        page.evaluate("(el) => el.closest('details') && (el.closest('details').open = true)", statics.nth(i).element_handle())
        statics.nth(i).scroll_into_view_if_needed()
        assert statics.nth(i).is_visible()
        assert statics.nth(i).evaluate("(img) => img.complete && img.naturalWidth") > 0  # a PNG grid: 89 px
    assert not page.locator(".ig-chart__plot").first.is_visible()
    assert page.locator(".ig-data-table table tbody tr").count() == 10
    closed = page.locator("details.note").first
    closed.locator("summary").click()
    assert page.get_by_text("CLOSED-TOGGLE-SENTINEL").is_visible()
    assert math_width(page) > 50
    assert page.blocked == []
    page.context.close()

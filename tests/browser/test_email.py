"""`make email` files opened from file:// in Chromium, with and without JavaScript."""

from __future__ import annotations

import re

import pytest

from exports.email import BUDGET_BYTES

from .offline_page import draw_charts, open_email

EDITIONS = ("student", "instructor")
LECTURE = "demo-lecture"


def test_one_file_per_lecture_each_within_budget(email_files):
    for edition in EDITIONS:
        # The copy holds the course's own lectures beside the demo one; course.html is
        # written only when the whole course fits the budget.
        assert {LECTURE, "llm-training", "generative"} <= set(email_files[edition])
        for file in email_files[edition].values():
            assert 0 < file.stat().st_size <= BUDGET_BYTES, file


@pytest.mark.parametrize("edition", EDITIONS)
def test_file_states_edition_build_and_commit_and_carries_licences(email_files, edition):
    html = email_files[edition][LECTURE].read_text(encoding="utf-8")
    assert re.search(rf"{edition.capitalize()} edition · built \d{{4}}-\d\d-\d\d · commit <code>uncommitted</code>", html)
    # The inlined bundle's header, and its notice (the cartesian bundle says "(cartesian - minified)").
    assert len(re.findall(r"plotly\.js(?: \([^)]*\))? v\d", html)) == 2
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
    assert draw_charts(page) == 3
    ids = page.evaluate("() => [...document.querySelectorAll('[id]')].map((e) => e.id)")
    assert len(ids) == len(set(ids))
    assert page.locator("math").first.bounding_box()["width"] > 50  # MathML, laid out natively
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


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_svg_download_link_works_from_the_file(browser, email_files, js):
    page = open_email(browser, email_files["student"][LECTURE], js=js)
    link = page.locator(".ig-chart__downloads a[download]").first
    assert link.get_attribute("href").startswith("data:image/svg+xml")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "class_counts.svg"
    assert b"<svg" in open(download.value.path(), "rb").read()
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
    assert statics.count() == 3
    for i in range(statics.count()):
        page.evaluate("(el) => el.closest('details') && (el.closest('details').open = true)", statics.nth(i).element_handle())
        statics.nth(i).scroll_into_view_if_needed()
        assert statics.nth(i).is_visible()
        assert statics.nth(i).evaluate("(img) => img.complete && img.naturalWidth") > 100
    assert not page.locator(".ig-chart__plot").first.is_visible()
    assert page.locator(".ig-data-table table tbody tr").count() == 10
    closed = page.locator("details.note").first
    closed.locator("summary").click()
    assert page.get_by_text("CLOSED-TOGGLE-SENTINEL").is_visible()
    assert page.locator("math").first.bounding_box()["width"] > 50
    assert page.blocked == []
    page.context.close()

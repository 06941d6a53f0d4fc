"""Printing, in Chromium: toggles print open, no site chrome, charts as their static SVG."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from .offline_page import open_email, open_recorded

HIDDEN_SENTINELS = ("CLOSED-TOGGLE-SENTINEL", "QA-ANSWER-SENTINEL")


def pdf_text(page, path: Path) -> tuple[int, str]:
    """Print ``page`` to ``path`` (A4) and return its page count and text (pdftotext)."""
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext not found: run `make test` (installs poppler-utils) or apt-get install poppler-utils")
    page.pdf(path=str(path), format="A4")
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return text.count("\f"), text


def test_site_page_prints_every_toggle_open_then_restores_them(browser, lecture_sites, tmp_path):
    url, _ = lecture_sites["student"]
    page = open_recorded(browser, url + "demo-lecture/", allowed_hosts=("127.0.0.1",))
    closed_before = page.locator("details:not([open])").count()
    pages, text = pdf_text(page, tmp_path / "site.pdf")
    assert pages > 0
    for sentinel in HIDDEN_SENTINELS:
        assert sentinel in text
    assert page.locator("details:not([open])").count() == closed_before > 0
    page.context.close()


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_email_file_prints_every_toggle_open(browser, email_files, tmp_path, js):
    page = open_email(browser, email_files["student"]["demo-lecture"], js=js)
    pages, text = pdf_text(page, tmp_path / "email.pdf")
    assert pages > 0
    for sentinel in HIDDEN_SENTINELS:
        assert sentinel in text
    assert "Images per digit" in text  # a chart's caption
    assert "Permission is hereby granted" not in text  # licence texts stay on screen
    page.context.close()


@pytest.mark.parametrize("where", ["site", "email"])
def test_print_shows_no_chrome_and_every_chart_as_its_static_svg(browser, lecture_sites, email_files, where):
    if where == "site":
        page = open_recorded(browser, lecture_sites["student"][0] + "demo-lecture/details/", allowed_hosts=("127.0.0.1",))
    else:
        page = open_email(browser, email_files["student"]["demo-lecture"])
    page.emulate_media(media="print")
    shown = page.evaluate(
        """() => Object.fromEntries(['.md-header', '.md-sidebar--primary', '.md-sidebar--secondary', '.md-footer',
             '.ig-chart__plot', '.ig-chart__downloads'].map((s) => [s,
             [...document.querySelectorAll(s)].some((e) => getComputedStyle(e).display !== 'none')]))"""
    )
    assert not any(shown.values()), shown
    statics = page.locator("img.ig-chart__static")
    assert statics.count() >= 2
    width = page.evaluate("() => document.querySelector('.md-content').getBoundingClientRect().width")
    for i in range(statics.count()):
        box = statics.nth(i).evaluate(
            "(img) => [getComputedStyle(img).display, img.getBoundingClientRect().width, img.naturalWidth]"
        )
        assert box[0] != "none" and 0 < box[1] <= width and box[2] > 0, box
    page.context.close()

"""Classroom interactions in Chromium: presentation mode (site and email file from file://),
quizzes (with and without JavaScript) and explorable charts (slider and Play).

The demo lecture (tests/browser/demo_lecture/) has two pages: index.md (a title part with a
chart, an instructor block and toggles, then "## Summary") and details.md ("## A section",
"## Summary", "## Quiz" with two quizzes, "## Frames" with a chart that has frames).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser as HTMLParser

from exports.lectures import lecture_folders

from ..conftest import ROOT
from .conftest import site_pages
from .offline_page import open_email, open_recorded

LECTURE = "demo-lecture"
VISIBLE_HEADINGS = """(selector) => Array.from(document.querySelectorAll(selector))
  .filter((h) => h.getClientRects().length > 0).map((h) => h.textContent.replace('¶', '').trim())"""
SITE_HEADINGS = "article > h1, article > h2"
EMAIL_HEADINGS = "section.ig-email-page > h1, section.ig-email-page > h2"


def headings(page, selector: str) -> list[str]:
    return page.evaluate(VISIBLE_HEADINGS, selector)


# ---- presentation mode -------------------------------------------------------------------

def test_present_shows_one_section_at_a_time_and_esc_restores_the_page(browser, lecture_sites):
    url, _ = lecture_sites["student"]
    page = open_recorded(browser, f"{url}{LECTURE}/", allowed_hosts=("127.0.0.1",))
    everything = headings(page, SITE_HEADINGS)
    assert everything == ["Demo lecture", "Summary"]
    page.get_by_role("button", name="Present").click()
    assert headings(page, SITE_HEADINGS) == ["Demo lecture"]
    assert page.locator(".ig-present__counter").inner_text() == "1 / 2"
    assert page.locator("article figure.ig-chart").first.is_visible()  # the title slide's chart
    page.keyboard.press("ArrowRight")
    assert headings(page, SITE_HEADINGS) == ["Summary"]
    assert page.locator(".ig-present__counter").inner_text() == "2 / 2"
    assert not page.locator("article figure.ig-chart").first.is_visible()
    page.keyboard.press("ArrowLeft")
    assert headings(page, SITE_HEADINGS) == ["Demo lecture"]
    page.keyboard.press("Escape")
    assert headings(page, SITE_HEADINGS) == everything
    assert page.locator(".ig-present__bar").count() == 0
    assert page.url == f"{url}{LECTURE}/"  # P and N are not Material's previous / next page here
    assert page.errors == [] and page.blocked == []
    page.context.close()


def test_key_p_presents_after_instant_navigation_and_not_on_the_home_page(browser, lecture_sites):
    url, _ = lecture_sites["student"]
    page = open_recorded(browser, f"{url}{LECTURE}/", allowed_hosts=("127.0.0.1",))
    page.wait_for_load_state("networkidle")  # Material intercepts links once it has read sitemap.xml
    page.locator("article a[href*='details']").first.click()
    page.wait_for_function("() => location.pathname.includes('details')")
    page.wait_for_selector("article > .ig-present__open")
    assert page.locator(".ig-present__open").count() == 1
    # Instant navigation scrolls to the link's fragment after the page is swapped in;
    # presenting starts from the section in view, so wait for that scroll.
    page.wait_for_function("() => { const t = document.getElementById('a-section');"
                           " return t && t.getBoundingClientRect().top < innerHeight / 3; }")
    page.keyboard.press("p")
    assert headings(page, SITE_HEADINGS) == ["A section"]  # the link led there: it starts where the reader is
    page.keyboard.press("PageDown")
    assert headings(page, SITE_HEADINGS) == ["Summary"]
    page.keyboard.press("Home")
    assert headings(page, SITE_HEADINGS) == ["Details"]
    page.keyboard.press("Escape")
    page.goto(url)
    assert page.locator(".ig-present__open").count() == 0  # the home page is not a lecture
    page.context.close()


def test_instructor_blocks_are_speaker_notes(browser, lecture_sites):
    url, _ = lecture_sites["instructor"]
    page = open_recorded(browser, f"{url}{LECTURE}/", allowed_hosts=("127.0.0.1",))
    block = page.locator("article .admonition.instructor")
    assert block.is_visible()
    page.keyboard.press("p")
    assert not block.is_visible()
    notes = page.locator(".ig-present__notes")
    assert not notes.is_visible()
    page.keyboard.press("n")
    assert notes.is_visible() and "INSTRUCTOR-BLOCK-SENTINEL" in notes.inner_text()
    page.keyboard.press("ArrowRight")
    assert "INSTRUCTOR-BLOCK-SENTINEL" not in notes.inner_text()
    page.keyboard.press("n")
    assert not notes.is_visible()
    page.context.close()


def test_email_file_presents_every_page_in_order_from_file_url(browser, email_files):
    page = open_email(browser, email_files["student"][LECTURE])
    page.get_by_role("button", name="Present").click()
    seen = [headings(page, EMAIL_HEADINGS)]
    total = int(page.locator(".ig-present__counter").inner_text().split("/")[1])
    for _ in range(total - 1):
        page.keyboard.press("ArrowRight")
        seen.append(headings(page, EMAIL_HEADINGS))
    assert seen[:4] == [["Demo lecture"], ["Summary"], ["Details"], ["A section"]]
    assert all(len(shown) == 1 for shown in seen)
    assert page.locator(".ig-email-contents").is_hidden()
    page.keyboard.press("Escape")
    assert len(headings(page, EMAIL_HEADINGS)) == total
    assert page.errors == [] and page.blocked == []
    page.context.close()


SLIDE_CHART = """() => {
  const slide = document.querySelector('article.md-content__inner'), style = getComputedStyle(slide);
  const plot = document.querySelector('figure.ig-chart .js-plotly-plot'), box = plot.getBoundingClientRect();
  const left = slide.getBoundingClientRect().left + parseFloat(style.paddingLeft);
  const inner = slide.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  return {left: left, right: left + inner, inner: inner, plotLeft: box.left, plotRight: box.right, width: box.width,
          height: box.height, drawnWidth: plot._fullLayout.width, drawnHeight: plot._fullLayout.height};
}"""
DRAWN_TO_ITS_BOX = """() => { const plot = document.querySelector('figure.ig-chart .js-plotly-plot');
  const box = plot.getBoundingClientRect();
  return Math.abs(plot._fullLayout.width - box.width) < 1 && Math.abs(plot._fullLayout.height - box.height) < 1; }"""


def test_a_chart_on_a_slide_takes_the_slides_width(browser, lecture_sites):
    url, _ = lecture_sites["student"]
    page = open_recorded(browser, f"{url}{LECTURE}/", allowed_hosts=("127.0.0.1",))
    figure = page.locator("article figure.ig-chart").first  # on the title slide
    figure.scroll_into_view_if_needed()
    page.wait_for_function("(el) => el.dataset.igDrawn === 'true'", arg=figure.element_handle(), timeout=60000)
    before = page.evaluate(SLIDE_CHART)
    page.get_by_role("button", name="Present").click()
    page.wait_for_function(DRAWN_TO_ITS_BOX)  # Plotly redraws a frame after the slide is laid out
    on_slide = page.evaluate(SLIDE_CHART)
    assert on_slide["left"] <= on_slide["plotLeft"] and on_slide["plotRight"] <= on_slide["right"]
    # The slide's width, less the figure's own padding; the page's column is narrower than that.
    assert on_slide["width"] >= 0.9 * on_slide["inner"] > before["width"]
    assert on_slide["height"] > before["height"]  # and the slide's height (68vh here)
    page.keyboard.press("Escape")
    page.wait_for_function(DRAWN_TO_ITS_BOX)
    after = page.evaluate(SLIDE_CHART)
    assert abs(after["width"] - before["width"]) < 1 and abs(after["height"] - before["height"]) < 1
    assert page.errors == []
    page.context.close()


SLIDE_SCROLL = """() => { const slide = document.querySelector('article.md-content__inner');
  return {overflow: getComputedStyle(slide).overflowY, scrollHeight: slide.scrollHeight, height: slide.clientHeight,
          scrollTop: slide.scrollTop, top: slide.getBoundingClientRect().top, pageY: window.scrollY}; }"""


def test_a_slide_taller_than_the_screen_scrolls_within_itself(browser, lecture_sites):
    url, _ = lecture_sites["student"]
    page = open_recorded(browser, f"{url}{LECTURE}/", allowed_hosts=("127.0.0.1",))
    page.set_viewport_size({"width": 1000, "height": 400})  # the title slide (chart, toggles, table) is taller
    page.get_by_role("button", name="Present").click()
    assert headings(page, SITE_HEADINGS) == ["Demo lecture"]
    start = page.evaluate(SLIDE_SCROLL)
    assert start["overflow"] in ("auto", "scroll")
    assert start["scrollHeight"] > start["height"] and start["scrollTop"] == 0
    page.mouse.move(500, 200)
    page.mouse.wheel(0, 300)
    page.wait_for_function("() => document.querySelector('article.md-content__inner').scrollTop > 0")
    scrolled = page.evaluate(SLIDE_SCROLL)
    assert scrolled["top"] == start["top"] and scrolled["pageY"] == start["pageY"]  # the page stays put
    # Scrolled to its end, the slide shows its last part within the screen.
    last_bottom = page.evaluate("""() => { const slide = document.querySelector('article.md-content__inner');
      slide.scrollTop = slide.scrollHeight;
      const shown = Array.from(slide.children).filter((n) => n.classList.contains('ig-present--on'));
      return shown[shown.length - 1].getBoundingClientRect().bottom; }""")
    assert 0 < last_bottom <= 400
    page.context.close()


PRESENT_JS = (ROOT / "site_src" / "assets" / "js" / "present.js").read_text(encoding="utf-8").strip()
# present.js adds its button (presentable()) where the article sits in an active lecture
# folder of the primary nav, or holds an email file's pages.
ACTIVE_LECTURE = ".md-nav--primary .md-nav__item--nested.md-nav__item--active"
EMAIL_PAGES = "article.md-content__inner > section.ig-email-page"


def loads_present_js(page_file: Path, tree: HTMLParser) -> bool:
    for script in tree.css("script[src]"):
        src = urlsplit(script.attributes.get("src") or "").path
        if src.endswith("assets/js/present.js") and (page_file.parent / src).is_file():
            return True
    return False


def test_every_lecture_page_gets_a_present_button_and_other_pages_do_not(lecture_sites, lecture_project):
    lectures = set(lecture_folders(lecture_project / "site_src"))
    for edition, (_, site) in lecture_sites.items():
        lecture_pages, other_pages = [], []
        for path in site_pages(site):
            page_file = site / path / "index.html"
            tree = HTMLParser(page_file.read_text(encoding="utf-8"))
            assert tree.css_first("article.md-content__inner") is not None, (edition, path)
            assert loads_present_js(page_file, tree), (edition, path)
            presentable = tree.css_first(ACTIVE_LECTURE) is not None or tree.css_first(EMAIL_PAGES) is not None
            in_lecture = path.split("/", 1)[0] in lectures
            (lecture_pages if in_lecture else other_pages).append(path)
            assert presentable == in_lecture, (edition, path)
        assert {path.split("/", 1)[0] for path in lecture_pages} == lectures, edition
        assert {"", "components/"} <= set(other_pages), edition


def test_every_email_file_gets_a_present_button(email_files, lecture_project):
    lectures = {name for name in lecture_folders(lecture_project / "site_src")}
    for edition, files in email_files.items():
        assert set(files) == lectures, edition
        for name, file in files.items():
            tree = HTMLParser(file.read_text(encoding="utf-8"))
            assert tree.css(EMAIL_PAGES), (edition, name)
            assert any(PRESENT_JS in script.text() for script in tree.css("script:not([src])")), (edition, name)


# ---- quizzes -----------------------------------------------------------------------------

def test_quiz_feedback_score_and_memory(browser, lecture_sites):
    url, _ = lecture_sites["student"]
    page = open_recorded(browser, f"{url}{LECTURE}/details/", allowed_hosts=("127.0.0.1",))
    quiz = page.locator("form.ig-quiz").first
    score = page.locator(".ig-quiz-score")
    assert "0 of 2 correct" in score.inner_text()
    assert quiz.locator("details.ig-quiz__answer").is_hidden()  # with JavaScript, after a check
    quiz.get_by_label("Four").check()
    quiz.get_by_role("button", name="Check").click()
    status = quiz.get_by_role("status")
    assert "Not quite" in status.inner_text() and "WRONG-FEEDBACK-SENTINEL" in status.inner_text()
    assert "0 of 2 correct" in score.inner_text()
    quiz.get_by_label("Two").check()
    quiz.get_by_role("button", name="Check").click()
    assert "Correct" in status.inner_text() and "RIGHT-FEEDBACK-SENTINEL" in status.inner_text()
    assert "1 of 2 correct" in score.inner_text()
    page.reload()
    assert "1 of 2 correct" in page.locator(".ig-quiz-score").inner_text()
    assert page.locator("form.ig-quiz").first.get_by_label("Two").is_checked()
    page.context.close()


def test_quiz_works_in_the_email_file(browser, email_files):
    page = open_email(browser, email_files["student"][LECTURE])
    quiz = page.locator("form.ig-quiz").nth(1)  # several right answers: checkboxes
    quiz.get_by_label("Eight").check()
    quiz.get_by_role("button", name="Check").click()
    assert "1 of 2 right answers" in quiz.get_by_role("status").inner_text()
    assert "0 of 2 correct" in page.locator(".ig-quiz-score").inner_text()
    assert page.errors == []
    page.context.close()


def test_quiz_without_javascript_shows_options_and_the_answer_in_details(browser, lecture_sites, email_files):
    url, _ = lecture_sites["student"]
    for page in (open_recorded(browser, f"{url}{LECTURE}/details/", allowed_hosts=("127.0.0.1",), js=False),
                 open_email(browser, email_files["student"][LECTURE], js=False)):
        quiz = page.locator("form.ig-quiz").first
        assert quiz.get_by_label("Two").is_visible()
        assert quiz.locator(".ig-quiz__check").is_hidden()  # nothing to press without JavaScript
        answer = quiz.locator("details.ig-quiz__answer")
        assert answer.is_visible() and not quiz.get_by_text("RIGHT-FEEDBACK-SENTINEL").is_visible()
        answer.locator("summary").click()
        assert quiz.get_by_text("RIGHT-FEEDBACK-SENTINEL").is_visible()
        page.context.close()


# ---- explorable charts -------------------------------------------------------------------

SHOWN = "el.querySelector('.js-plotly-plot').data[0].name"  # the frame on show (its panel label)


def test_frames_play_and_slider_change_the_plot(browser, lecture_sites):
    url, _ = lecture_sites["student"]
    page = open_recorded(browser, f"{url}{LECTURE}/details/", allowed_hosts=("127.0.0.1",))
    figure = page.locator("figure.ig-chart[id^='ig-ddpm-reverse']")
    figure.scroll_into_view_if_needed()
    page.wait_for_function("(el) => el.dataset.igDrawn === 'true'", arg=figure.element_handle(), timeout=60000)
    handle = figure.element_handle()
    labels = page.evaluate("(el) => el.querySelector('.js-plotly-plot').layout.sliders[0].steps.map((s) => s.label)", handle)
    assert len(labels) > 2
    first_z = page.evaluate("(el) => JSON.stringify(el.querySelector('.js-plotly-plot').data[0].z)", handle)
    assert page.evaluate(f"(el) => {SHOWN}", handle) == labels[0]
    figure.locator(".updatemenu-button", has_text="Play").click()
    page.wait_for_function(f"(el) => {SHOWN} === {labels[-1]!r}", arg=handle, timeout=30000)
    assert page.evaluate("(el) => JSON.stringify(el.querySelector('.js-plotly-plot').data[0].z)", handle) != first_z
    rail = figure.locator(".slider-rail-touch-rect").bounding_box()
    page.mouse.click(rail["x"] + 2, rail["y"] + rail["height"] / 2)  # the slider's first step
    page.wait_for_function(f"(el) => {SHOWN} === {labels[0]!r}", arg=handle, timeout=30000)
    assert page.evaluate("(el) => JSON.stringify(el.querySelector('.js-plotly-plot').data[0].z)", handle) == first_z
    assert page.errors == []
    page.context.close()

"""The built site in a real Chromium, both editions, served under a subpath."""

from __future__ import annotations

from urllib.parse import urlparse

from .conftest import one_page_per_lecture, site_pages


def open_page(browser, url: str, scheme: str = "light"):
    """A page with its console errors and off-site requests recorded (and blocked)."""
    context = browser.new_context(color_scheme=scheme, viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.errors, page.offsite = [], []
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.errors.append(str(e)))

    def route(r):
        if urlparse(r.request.url).hostname not in ("127.0.0.1", "localhost"):
            page.offsite.append(r.request.url)
            return r.abort()
        return r.continue_()

    page.route("**/*", route)
    page.goto(url, wait_until="load")
    return page


def draw_all_charts(page) -> int:
    figures = page.locator("figure.ig-chart")
    for i in range(figures.count()):
        figure = figures.nth(i)
        # Open any closed toggle around the chart, as a reader would.
        page.evaluate(
            """(el) => { for (let d = el.closest('details'); d; d = d.parentElement.closest('details')) d.open = true; }""",
            figure.element_handle(),
        )
        figure.scroll_into_view_if_needed()
        page.wait_for_function("(el) => el.dataset.igDrawn === 'true'", arg=figure.element_handle(), timeout=60000)
    return figures.count()


def boxes_overlap(a, b) -> bool:
    return a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"] and \
        a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"]


def legend_overlaps(page) -> tuple[int, list[str]]:
    """Of the drawn charts on ``page``: how many have a legend, and the axis titles a legend covers."""
    legends, covered = 0, []
    for plot in page.locator(".ig-chart__plot").all():
        legend = plot.locator(".legend")
        if not legend.count():
            continue
        legends += 1
        box = legend.first.bounding_box()
        for title in plot.locator(".xtitle, .ytitle, .gtitle, .g-xtitle, .g-ytitle").all():
            title_box = title.bounding_box()
            if title_box and title.text_content().strip() and boxes_overlap(box, title_box):
                covered.append(title.text_content())
    return legends, covered


def test_instructor_pages_load_without_errors_or_offsite_requests_and_draw_their_charts(
    browser, lecture_sites
):
    """... and, at desktop width, no legend covers an axis title (test_look checks a phone's width).

    test_every_page.py checks every page of the student edition so; the instructor edition
    differs only in its instructor blocks and pages, so one page per lecture here (its lesson
    plans included)."""
    url, site = lecture_sites["instructor"]
    paths = site_pages(site)
    paths = one_page_per_lecture(paths, turn=1) + [p for p in paths if "lesson-plan" in p]
    total = legends = 0
    for path in dict.fromkeys(paths):
        page = open_page(browser, url + path)
        total += draw_all_charts(page)
        assert page.errors == [], (path, page.errors)
        assert page.offsite == [], (path, page.offsite)
        found, covered = legend_overlaps(page)
        legends += found
        assert covered == [], (path, covered)
        page.context.close()
    assert total >= 3 and legends > 0


def test_chart_in_closed_toggle_draws_when_opened(browser, site_servers):
    page = open_page(browser, site_servers["student"] + "components/")
    toggle = page.locator("details", has=page.locator("figure.ig-chart")).first
    figure = toggle.locator("figure.ig-chart")
    assert toggle.get_attribute("open") is None
    assert figure.get_attribute("data-ig-drawn") is None
    toggle.locator("summary").first.click()
    page.wait_for_function("(el) => el.dataset.igDrawn === 'true'", arg=figure.element_handle(), timeout=60000)
    width = page.evaluate("(el) => el.querySelector('.main-svg').getBoundingClientRect().width", figure.element_handle())
    assert width > 300
    page.context.close()


def test_toggles_open_and_close_with_mouse_and_keyboard(browser, site_servers):
    page = open_page(browser, site_servers["student"] + "components/")
    qa = page.locator("details.ig-qa").first
    summary = qa.locator("summary")
    summary.click()
    assert qa.get_attribute("open") is not None
    summary.click()
    assert qa.get_attribute("open") is None
    summary.focus()
    page.keyboard.press("Enter")
    assert qa.get_attribute("open") is not None
    page.context.close()


def test_palette_toggle_rethemes_drawn_charts(browser, site_servers):
    page = open_page(browser, site_servers["student"] + "components/")
    figure = page.locator("figure.ig-chart").first
    figure.scroll_into_view_if_needed()
    page.wait_for_function("(el) => el.dataset.igDrawn === 'true'", arg=figure.element_handle(), timeout=60000)
    font = "(el) => el.querySelector('.ig-chart__plot')._fullLayout.font.color"
    light = page.evaluate(font, figure.element_handle())
    page.locator("label.md-header__button[for^='__palette']:visible").first.click()
    page.wait_for_function("() => document.body.getAttribute('data-md-color-scheme') === 'slate'")
    page.wait_for_function(f"(el) => ({font})(el) !== {light!r}", arg=figure.element_handle())
    dark = page.evaluate(font, figure.element_handle())
    assert light != dark
    page.context.close()


def test_charts_survive_instant_navigation(browser, site_servers):
    page = open_page(browser, site_servers["student"])
    # Material intercepts links only once it has read sitemap.xml: wait for the network to settle.
    page.wait_for_load_state("networkidle")
    page.evaluate("() => { window.__sameDocument = true; }")
    page.locator("a.md-footer__link--next").click()
    page.wait_for_url("**/components/")
    assert draw_all_charts(page) >= 2
    assert page.evaluate("() => window.__sameDocument") is True  # really an instant navigation
    assert page.errors == []
    page.context.close()


def test_data_table_filter(browser, site_servers):
    page = open_page(browser, site_servers["student"] + "components/")
    table = page.locator(".ig-data-table").first
    table.locator("input").fill("183")
    visible = table.locator("tbody tr:visible")
    assert visible.count() == 1
    page.context.close()

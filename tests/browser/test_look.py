"""How the built site looks in Chromium: math typeset with KaTeX and no raw LaTeX anywhere
(``math_problems``, which test_every_page.py runs on every page), code walkthroughs that
never scroll sideways at 1280 px, legends clear of the axis titles, and series colours that
follow the light/dark toggle."""

from __future__ import annotations

import re

from playwright.sync_api import TimeoutError as PlaywrightTimeout

from engine.charts import theme

from .conftest import one_page_per_lecture, site_pages
from .test_site import draw_all_charts, legend_overlaps, open_page

KATEX_FONTS = "() => [...document.fonts].filter((f) => f.family.startsWith('KaTeX')).map((f) => [f.family, f.status])"
RAW_LATEX = re.compile(r"\\[A-Za-z|{}]|\$")
VISIBLE_TEXT = """() => {
  const article = document.querySelector('article');
  if (!article) return '';
  const copy = article.cloneNode(true);
  copy.querySelectorAll('pre, code, script, style, template, .katex-mathml').forEach((n) => n.remove());
  return copy.textContent;
}"""


def with_component(lecture_sites, edition: str, css_class: str) -> list[str]:
    """The pages of ``edition`` whose HTML holds an element of ``css_class``: the only
    pages a check of that component needs to open."""
    site = lecture_sites[edition][1]
    return [path for path in site_pages(site)
            if f'class="{css_class}' in (site / path / "index.html").read_text()]


def sized(browser, url: str, width: int, scheme: str = "light"):
    page = open_page(browser, url, scheme)
    page.set_viewport_size({"width": width, "height": 900})
    return page


def math_problems(page) -> tuple[int, list]:
    """With every toggle open: how many formulas ``page`` shows typeset, and what is wrong
    with its math (raw LaTeX in the visible text, KaTeX's fonts not loaded from the site, a
    formula with no width, the screen readers' MathML copy taking room). test_every_page.py
    runs it on every page of the student edition."""
    page.evaluate("() => document.querySelectorAll('details').forEach((d) => { d.open = true; })")
    page.evaluate("() => document.fonts.ready")
    text = page.evaluate(VISIBLE_TEXT)
    problems: list = [text[max(0, m.start() - 30):m.end() + 30] for m in RAW_LATEX.finditer(text)][:3]
    formulas = page.locator(".katex-html:visible")
    typeset = formulas.count()
    if typeset:
        # document.fonts.ready can settle before the formulas' fonts start loading (the
        # scripts are deferred): give them a few seconds to load, then look at each status.
        try:
            page.wait_for_function(f"() => ({KATEX_FONTS})().some(([, status]) => status === 'loaded')", timeout=10000)
        except PlaywrightTimeout:
            pass
        fonts = page.evaluate(KATEX_FONTS)
        if not any(status == "loaded" for _, status in fonts) or any(status == "error" for _, status in fonts):
            problems.append(("KaTeX fonts", fonts))
        if formulas.first.bounding_box()["width"] <= 5:
            problems.append("a formula with no width")
        if page.locator(".katex-mathml").first.bounding_box()["width"] > 1:
            problems.append("the MathML copy takes room")
    return typeset, problems


def test_display_sums_are_large_and_delimiters_stretch(browser, site_servers):
    page = open_page(browser, site_servers["student"] + "generative/02-vae/")
    page.evaluate("() => document.fonts.ready")
    sums = page.locator(".katex-display .large-op")
    assert sums.count() > 0
    text_height = page.locator("article p").first.evaluate("(p) => parseFloat(getComputedStyle(p).fontSize)")
    assert sums.first.bounding_box()["height"] > 1.5 * text_height
    assert page.locator(".katex-display .delimsizing").count() > 0  # \left( \right) grew
    page.context.close()


def test_walkthrough_code_needs_no_horizontal_scrolling_at_1280px(browser, lecture_sites, site_servers):
    checked = 0
    for path in with_component(lecture_sites, "instructor", "ig-code-walkthrough"):
        page = sized(browser, site_servers["instructor"] + path, 1280)
        page.evaluate("() => document.querySelectorAll('details').forEach((d) => { d.open = true; })")
        overflowing = page.evaluate("""() => [...document.querySelectorAll('.ig-code-walkthrough__code pre, .ig-code-walkthrough__code code')]
            .filter((el) => el.getClientRects().length)
            .map((el) => [el.scrollWidth - el.clientWidth, el.textContent.split('\\n').reduce((a, b) => a.length > b.length ? a : b).trim()])
            .filter(([over]) => over > 1)""")
        checked += page.locator(".ig-code-walkthrough__code pre").count()
        assert overflowing == [], (path, overflowing[:3])
        page.context.close()
    assert checked > 10


def test_no_legend_overlaps_an_axis_title_on_a_phone(browser, lecture_sites, site_servers):
    """At 390 px, one page with charts per lecture (test_every_page checks every page at desktop width)."""
    legends = 0
    charted = with_component(lecture_sites, "student", "ig-chart")
    for path in [p for p in one_page_per_lecture(charted, turn=2) if p in charted]:
        page = sized(browser, site_servers["student"] + path, 390)
        draw_all_charts(page)
        found, covered = legend_overlaps(page)
        legends += found
        assert covered == [], (path, covered)
        page.context.close()
    assert legends > 0


def line_colours(page) -> list[str]:
    return page.evaluate("""() => [...document.querySelectorAll('.ig-chart__plot .scatterlayer .js-line')]
        .map((p) => getComputedStyle(p).stroke)""")


def rgb(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def test_series_colours_follow_the_scheme_toggle(browser, site_servers):
    page = open_page(browser, site_servers["student"] + "llm-training/02-explanation/")
    draw_all_charts(page)
    light = set(line_colours(page))
    assert rgb(theme.COLORS[0]) in light
    page.evaluate("() => document.body.setAttribute('data-md-color-scheme', 'slate')")
    page.wait_for_function(f"() => [...document.querySelectorAll('.ig-chart__plot .scatterlayer .js-line')]"
                           f".some((p) => getComputedStyle(p).stroke === '{rgb(theme.DARK_COLORS[0])}')")
    dark = set(line_colours(page))
    assert rgb(theme.COLORS[0]) not in dark
    page.context.close()


CHART_WIDTHS = """() => [...document.querySelectorAll('article figure.ig-chart')].map((figure) => {
  const parent = figure.parentElement, style = getComputedStyle(parent);
  const inner = parent.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  return [figure.getBoundingClientRect().width, inner]; })"""


def test_every_chart_takes_the_columns_width(browser, lecture_sites, site_servers):
    """Material sizes a figure to its content; a chart must not be as wide as its caption."""
    url, site = lecture_sites["student"]
    pages = with_component(lecture_sites, "student", "ig-chart")[:3]
    assert pages
    for path in pages:
        page = sized(browser, f"{url}{path}", 1280)
        widths = page.evaluate(CHART_WIDTHS)
        assert widths and all(figure >= parent - 1 for figure, parent in widths), (path, [w for w in widths if w[0] < w[1] - 1])
        page.context.close()

"""Every page of the student edition, light palette, desktop width: the one edition and
palette whose every page the browser checks look at (test_accessibility.py says how the
others are sampled). Each page is opened and its charts drawn once, for all the checks:

- it loads without console errors or off-site requests (the 404 page: axe only);
- its math is typeset with KaTeX's fonts and no raw LaTeX shows (test_look.math_problems),
  looked at before the charts are drawn, so that chart text is not taken for page text;
- every chart draws, and no legend covers an axis title (test_look checks a phone's width);
- axe finds no serious or critical violation, with every toggle open and every chart drawn.
"""

from __future__ import annotations

from .offline_page import draw_charts, open_recorded
from .test_accessibility import MISSING, SCHEMES, serious_violations, site_paths
from .test_look import math_problems
from .test_site import legend_overlaps


def test_every_student_page_loads_typesets_its_math_draws_its_charts_and_passes_axe(browser, lecture_sites):
    url, site = lecture_sites["student"]
    problems, typeset, charts, legends = {}, 0, 0, 0
    for path in site_paths(site):
        page = open_recorded(browser, url + path, allowed_hosts=("127.0.0.1", "localhost"), scheme="light")
        found = {"palette": page.evaluate("() => document.body.getAttribute('data-md-color-scheme')")}
        if found["palette"] == SCHEMES["light"]:
            del found["palette"]
        formulas, found["math"] = math_problems(page)
        typeset += formulas
        charts += draw_charts(page)
        with_legend, found["legend covers"] = legend_overlaps(page)
        legends += with_legend
        found["axe"] = serious_violations(page)
        if path != MISSING:
            found["console errors"], found["off-site requests"] = page.errors, page.blocked
        if any(found.values()):
            problems[path] = {check: what for check, what in found.items() if what}
        page.context.close()
    assert problems == {}
    assert typeset > 50 and charts >= 3 and legends > 0

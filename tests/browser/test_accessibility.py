"""axe-core on the site's pages and the email files, with every toggle open and every chart
drawn: no serious or critical violation.

Browser checks sample so that ``make test`` stays quick as lectures grow: every site page
in one edition and palette (student, light: test_every_page.py, which runs
``serious_violations`` in its one visit of each page), and in each other edition-and-palette
pair one page per lecture (a different page of each lecture for each pair) plus the home page.
Email files share one template and hold the same components as the site pages: each pair
checks one file, in turn (the demo lecture's, which holds every component kind, first).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

from .conftest import one_page_per_lecture, site_pages
from .offline_page import draw_charts, open_email, open_recorded, open_toggles

EDITIONS = ("student", "instructor")
SCHEMES = {"light": "default", "dark": "slate"}
FULL = ("student", "light")
PAIRS = [(edition, scheme) for edition in EDITIONS for scheme in SCHEMES]
SAMPLED = [pair for pair in PAIRS if pair != FULL]
MISSING = "no/such/page/"
AXE = Axe()


def serious_violations(page) -> list[tuple[str, str, list]]:
    draw_charts(page)
    open_toggles(page)
    response = AXE.run(page).response
    return [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:5])
        for v in response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def site_paths(site: Path) -> list[str]:
    """Every page of a built site, relative to its root, plus a missing one (the 404 page)."""
    return [*site_pages(site), MISSING]


def sampled_paths(paths: list[str], turn: int) -> list[str]:
    """The 404 page beside ``one_page_per_lecture``."""
    return [*one_page_per_lecture([p for p in paths if p != MISSING], turn), MISSING]


def test_sampling_covers_every_lecture_and_rotates():
    paths = ["", "components/", "lec/", "lec/a/", "lec/b/", "no/such/page/"]
    assert sampled_paths(paths, 0) == ["", "components/", "lec/", "no/such/page/"]
    assert sampled_paths(paths, 2) == ["", "components/", "lec/b/", "no/such/page/"]


@pytest.mark.parametrize(("edition", "scheme"), SAMPLED, ids=[f"{e}-{s}" for e, s in SAMPLED])
def test_site_pages(browser, lecture_sites, edition, scheme):
    url, site = lecture_sites[edition]
    found = {}
    for path in sampled_paths(site_paths(site), PAIRS.index((edition, scheme))):
        page = open_recorded(browser, url + path, allowed_hosts=("127.0.0.1",), scheme=scheme)
        assert page.evaluate("() => document.body.getAttribute('data-md-color-scheme')") == SCHEMES[scheme]
        violations = serious_violations(page)
        if violations:
            found[path] = violations
        page.context.close()
    assert found == {}


@pytest.mark.parametrize(("edition", "scheme"), PAIRS, ids=[f"{e}-{s}" for e, s in PAIRS])
def test_email_files(browser, email_files, edition, scheme):
    names = sorted(email_files[edition], key=lambda name: (name != "demo-lecture", name))
    name = names[PAIRS.index((edition, scheme)) % len(names)]
    files = {name: email_files[edition][name]}
    found = {}
    for name, file in files.items():
        page = open_email(browser, file, scheme=scheme)
        assert page.evaluate("() => document.body.getAttribute('data-md-color-scheme')") == SCHEMES[scheme]
        violations = serious_violations(page)
        if violations:
            found[name] = violations
        page.context.close()
    assert found == {}

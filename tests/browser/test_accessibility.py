"""axe-core on the site's pages and the email files, with every toggle open and every chart
drawn: no serious or critical violation.

Browser checks sample so that ``make test`` stays quick as lectures grow: every site page
in one edition and palette (student, light), and in each other edition-and-palette pair
one page per lecture (a different page of each lecture for each pair) plus the home page.
Email files: every one in the full pair, and one per other pair (in turn: the demo
lecture's, which holds every component kind, first).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

from .offline_page import draw_charts, open_email, open_recorded, open_toggles

EDITIONS = ("student", "instructor")
SCHEMES = {"light": "default", "dark": "slate"}
FULL = ("student", "light")
PAIRS = [(edition, scheme) for edition in EDITIONS for scheme in SCHEMES]
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
    paths = []
    for index in sorted(site.rglob("index.html")):
        relative = index.parent.relative_to(site).as_posix()
        if not relative.startswith(("assets", "generated", "search")):
            paths.append("" if relative == "." else relative + "/")
    return [*paths, "no/such/page/"]


def sampled_paths(paths: list[str], turn: int) -> list[str]:
    """The home page, the 404 page and one page of each top-level folder: the ``turn``-th
    (wrapping), so each pair of edition and palette looks at a different page."""
    groups: dict[str, list[str]] = {}
    for path in paths:
        if path and path != "no/such/page/":
            groups.setdefault(path.split("/", 1)[0], []).append(path)
    return ["", "no/such/page/", *(pages[turn % len(pages)] for pages in groups.values())]


def test_sampling_covers_every_lecture_and_rotates():
    paths = ["", "components/", "lec/", "lec/a/", "lec/b/", "no/such/page/"]
    assert sampled_paths(paths, 0) == ["", "no/such/page/", "components/", "lec/"]
    assert sampled_paths(paths, 2) == ["", "no/such/page/", "components/", "lec/b/"]


@pytest.mark.parametrize(("edition", "scheme"), PAIRS, ids=[f"{e}-{s}" for e, s in PAIRS])
def test_site_pages(browser, lecture_sites, edition, scheme):
    url, site = lecture_sites[edition]
    paths = site_paths(site)
    if (edition, scheme) != FULL:
        paths = sampled_paths(paths, PAIRS.index((edition, scheme)))
    found = {}
    for path in paths:
        page = open_recorded(browser, url + path, allowed_hosts=("127.0.0.1",), scheme=scheme)
        assert page.evaluate("() => document.body.getAttribute('data-md-color-scheme')") == SCHEMES[scheme]
        violations = serious_violations(page)
        if violations:
            found[path] = violations
        page.context.close()
    assert found == {}


@pytest.mark.parametrize(("edition", "scheme"), PAIRS, ids=[f"{e}-{s}" for e, s in PAIRS])
def test_email_files(browser, email_files, edition, scheme):
    files = email_files[edition]
    if (edition, scheme) != FULL:
        names = sorted(files, key=lambda name: (name != "demo-lecture", name))
        turn = PAIRS.index((edition, scheme)) - 1
        files = {names[turn % len(names)]: files[names[turn % len(names)]]}
    found = {}
    for name, file in files.items():
        page = open_email(browser, file, scheme=scheme)
        assert page.evaluate("() => document.body.getAttribute('data-md-color-scheme')") == SCHEMES[scheme]
        violations = serious_violations(page)
        if violations:
            found[name] = violations
        page.context.close()
    assert found == {}

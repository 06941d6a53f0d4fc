"""axe-core on every page of the site and every email file: both editions, both palettes,
with every toggle open and every chart drawn. No serious or critical violation."""

from __future__ import annotations

from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

from .offline_page import draw_charts, open_email, open_recorded, open_toggles

EDITIONS = ("student", "instructor")
SCHEMES = {"light": "default", "dark": "slate"}
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


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("edition", EDITIONS)
def test_every_site_page(browser, lecture_sites, edition, scheme):
    url, site = lecture_sites[edition]
    found = {}
    for path in site_paths(site):
        page = open_recorded(browser, url + path, allowed_hosts=("127.0.0.1",), scheme=scheme)
        assert page.evaluate("() => document.body.getAttribute('data-md-color-scheme')") == SCHEMES[scheme]
        violations = serious_violations(page)
        if violations:
            found[path] = violations
        page.context.close()
    assert found == {}


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("edition", EDITIONS)
def test_every_email_file(browser, email_files, edition, scheme):
    found = {}
    for name, file in email_files[edition].items():
        page = open_email(browser, file, scheme=scheme)
        assert page.evaluate("() => document.body.getAttribute('data-md-color-scheme')") == SCHEMES[scheme]
        violations = serious_violations(page)
        if violations:
            found[name] = violations
        page.context.close()
    assert found == {}

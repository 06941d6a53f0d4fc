"""Whole-site builds in a temporary copy: editions, errors with file:line, crashes that
keep the last good outputs, and no third-party requests in the HTML."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from .conftest import build_site, copy_generated, run_in

pytestmark = pytest.mark.slow


def pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def test_both_editions_build_and_badge_says_which(built_project):
    for edition in ("student", "instructor"):
        index = (built_project / f"site-{edition}" / "index.html").read_text()
        assert f"{edition.capitalize()} edition" in index


def test_student_edition_strips_instructor_blocks_everywhere(built_project):
    marker = "ask the class before revealing the chart"
    student = built_project / "site-student"
    instructor = built_project / "site-instructor"
    html = (student / "components/index.html").read_text()
    # The only occurrence left is the example inside a code block.
    assert html.count(marker) == 1
    assert (instructor / "components/index.html").read_text().count(marker) == 2
    search = json.loads((student / "search/search_index.json").read_text())
    rendered = [d["text"] for d in search["docs"] if "Timing" in d.get("title", "")]
    assert rendered == []


def test_instructor_pages_are_absent_from_student_html_nav_search_and_sitemap(generated_project, tmp_path):
    project = copy_generated(generated_project, tmp_path / "p")
    (project / "site_src/secret-plan.md").write_text("---\nedition: instructor\n---\n# Secret plan\n\nAnswer key.\n")
    url = "https://lecturer.example/course/"
    assert build_site(project, "student", "s", SITE_URL=url).returncode == 0
    assert build_site(project, "instructor", "i", SITE_URL=url).returncode == 0
    student, instructor = project / "s", project / "i"
    assert not (student / "secret-plan").exists()
    assert (instructor / "secret-plan/index.html").is_file()
    for path in pages(student):
        assert "Secret plan" not in path.read_text(), path
    assert "Secret plan" not in (student / "search/search_index.json").read_text()
    assert "secret-plan" not in (student / "sitemap.xml").read_text()
    assert "secret-plan" in (instructor / "sitemap.xml").read_text()
    assert "Secret plan" in (instructor / "index.html").read_text()  # in the nav


@pytest.mark.parametrize(
    "line,expected",
    [
        ('{{ chrat("digits_overview/examples") }}', "'chrat' is undefined"),
        ('{{ value("digits_overview/imagez") }}', "digits_overview has no 'summary.imagez'"),
        ('{{ chart("no_such/thing") }}', "unknown generator 'no_such'"),
    ],
)
def test_typos_fail_the_build_with_file_and_line(generated_project, tmp_path, line, expected):
    project = copy_generated(generated_project, tmp_path / "p")
    (project / "site_src/typo.md").write_text(f"---\ntitle: Typo\n---\n# Typo\n\nSome text.\n\n{line}\n")
    result = build_site(project, "student", "s")
    assert result.returncode != 0
    assert "site_src/typo.md:8:" in result.stderr
    assert expected in result.stderr


def test_failing_generator_stops_the_build_and_keeps_outputs(generated_project, tmp_path):
    project = copy_generated(generated_project, tmp_path / "p")
    metrics = project / "site_src/generated/digits_overview/metrics.json"
    before = metrics.read_bytes()
    source = project / "generators/digits_overview.py"
    source.write_text(source.read_text().replace("    per_class = ", "    raise ValueError('broken on purpose')\n    per_class = "))
    result = build_site(project, "student", "s")
    assert result.returncode != 0
    assert "digits_overview failed" in result.stderr and "broken on purpose" in result.stderr
    assert metrics.read_bytes() == before


def test_no_third_party_requests_in_html(built_project):
    loads = re.compile(r'<(?:script|img|iframe|source)[^>]+src="(https?:)?//|<link[^>]+rel="stylesheet"[^>]+href="(https?:)?//')
    for path in pages(built_project / "site-student"):
        assert not loads.search(path.read_text()), path
    assert (built_project / "site-student/assets/vendor/plotly.min.js").stat().st_size > 1_000_000


def test_every_chart_has_name_description_table_and_static_svg(built_project):
    site = built_project / "site-student"
    for path in pages(site):
        html = path.read_text()
        for figure in re.findall(r'<figure class="ig-chart".*?</figure>', html, re.S):
            assert 'role="group" aria-label="' in figure  # a drawn chart holds Plotly's controls
            assert 'class="ig-chart__description"' in figure
            assert "<table>" in figure
            # the static picture: an SVG, or a pixel grid's PNG at native size
            static = re.search(r'class="ig-chart__static[^"]*" src="([^"]+)"', figure).group(1)
            assert (path.parent / static).resolve().is_file(), (path, static)


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_failed_build_leaves_the_last_good_site_byte_for_byte(built_project):
    good = built_project / "site-student"
    before = tree(good)
    page = built_project / "site_src/index.md"
    text = page.read_text()
    page.write_text(text + "\n{{ value('no_such_generator/x') }}\n")
    try:
        result = build_site(built_project, "student", "site-student")
    finally:
        page.write_text(text)
    assert result.returncode != 0
    assert result.stderr.rstrip().endswith("site-student/ is kept as it was, the last good site.")
    assert tree(good) == before
    assert not list(built_project.glob(".site-student.building"))


def test_the_instructor_edition_never_writes_into_site(built_project):
    result = run_in(built_project, "-m", "mkdocs", "build", "--quiet", EDITION="instructor")
    assert result.returncode == 0, result.stderr
    assert not (built_project / "site").exists()
    index = (built_project / "site-instructor" / "index.html").read_text()
    assert "Instructor edition" in index

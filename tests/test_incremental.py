"""Incremental builds stay correct: each kind of edit reaches every page that uses it,
nav, search and sitemap follow added, renamed and deleted pages, and an unchanged site is
not rebuilt at all."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from .conftest import copy_generated, run_in

pytestmark = pytest.mark.slow


def build(project: Path) -> str:
    result = run_in(project, "-m", "mkdocs", "build", "--site-dir", "site", EDITION="student",
                    SITE_URL="https://lecturer.example/course/")
    assert result.returncode == 0, result.stderr
    return result.stderr


def rendered(log: str) -> int:
    return int(re.search(r"pages: (\d+) rendered", log).group(1))


def themed(log: str) -> tuple[int, int]:
    """(pages put through the theme, pages whose themed HTML came from the cache)."""
    found = re.search(r"theme: (\d+) rendered, (\d+) unchanged", log)
    return int(found.group(1)), int(found.group(2))


def html(project: Path, page: str) -> str:
    return (project / "site" / page / "index.html").read_text()


@pytest.fixture(scope="module")
def project(generated_project, tmp_path_factory) -> Path:
    root = copy_generated(generated_project, tmp_path_factory.mktemp("incremental") / "p")
    build(root)
    return root


def test_nothing_changed_renders_nothing_and_make_site_skips(project):
    assert rendered(build(project)) == 0
    check = run_in(project, "-m", "pages.site_stamp", "site", SITE_URL="https://lecturer.example/course/")
    assert check.returncode == 0 and "up to date" in check.stdout
    (project / "site_src/index.md").write_text((project / "site_src/index.md").read_text() + "\nOne more line.\n")
    assert run_in(project, "-m", "pages.site_stamp", "site", SITE_URL="https://lecturer.example/course/").returncode == 1
    # make site's recipe: the check, then the build in the same process.
    made = run_in(project, "-m", "pages.site_stamp", "--build", "site", EDITION="student",
                  SITE_URL="https://lecturer.example/course/")
    assert made.returncode == 0, made.stderr
    assert "One more line." in html(project, ".")


def test_a_body_edit_renders_that_page_only(project):
    page = project / "site_src/index.md"
    page.write_text(page.read_text() + "\nA body edit.\n")
    log = build(project)
    assert rendered(log) == 1
    assert themed(log)[0] == 1 and themed(log)[1] > 10
    assert "A body edit." in html(project, ".")


def test_theme_cache_gives_the_html_a_fresh_render_gives(project):
    build(project)
    cached = {p: p.read_bytes() for p in (project / "site").rglob("*.html")}
    for entry in (project / ".cache" / "theme").iterdir():
        entry.unlink()
    log = build(project)
    assert themed(log)[1] == 0
    assert {p: p.read_bytes() for p in (project / "site").rglob("*.html")} == cached


def test_a_title_edit_reaches_the_nav_of_every_page(project):
    page = next((project / "site_src").glob("*/0[2-9]-*.md"))
    original = page.read_text()
    title = re.search(r"^title: .+$", original, re.MULTILINE).group(0)  # the nav's title
    page.write_text(original.replace(title, "title: A retitled page", 1))
    try:
        log = build(project)
        pages = [p for p in (project / "site").rglob("index.html") if "md-nav" in p.read_text()]
        assert themed(log)[1] == 0 and len(pages) > 10
        assert all("A retitled page" in p.read_text() for p in pages)
    finally:
        page.write_text(original)
    build(project)


def test_a_component_template_edit_reaches_every_page_that_uses_it(project):
    template = project / "templates/components/metric_card.html"
    original = template.read_text()
    template.write_text(original.replace('class="', 'data-edited="yes" class="', 1))
    try:
        build(project)
        users = [p for p in (project / "site").rglob("*.html") if "ig-metric" in p.read_text()]
        assert users and all('data-edited="yes"' in p.read_text() for p in users)
    finally:
        template.write_text(original)
    build(project)


def test_new_generator_outputs_reach_the_pages_that_read_them(project):
    metrics_file = project / "site_src/generated/digits_overview/metrics.json"
    metrics = json.loads(metrics_file.read_text())
    metrics["summary"]["images"] = 424242
    metrics_file.write_text(json.dumps(metrics))
    build(project)
    assert "424,242" in html(project, "components")


def test_a_params_edit_reruns_the_generator_and_reaches_its_pages(project):
    params = project / "params.yaml"
    text = params.read_text()
    params.write_text(re.sub(r"(digits_overview:\n(?:.*\n)*?    samples_per_class: )\d+", r"\g<1>3", text, count=1))
    log = build(project)
    assert "digits_overview" in log
    metrics = json.loads((project / "site_src/generated/digits_overview/metrics.json").read_text())
    assert metrics["provenance"]["params"]["samples_per_class"] == 3
    assert "424,242" not in html(project, "components")


def test_a_mkdocs_yml_edit_reaches_every_page(project):
    config = project / "mkdocs.yml"
    config.write_text(config.read_text().replace("site_name: ", "site_name: Renamed ", 1))
    build(project)
    pages = list((project / "site").rglob("index.html"))
    assert pages and all("Renamed " in p.read_text() for p in pages)


def test_added_renamed_and_deleted_pages_update_nav_search_and_sitemap(project):
    lecture = next(p for p in (project / "site_src").iterdir() if p.is_dir() and p.name not in ("assets", "generated"))
    added = lecture / "99-added.md"
    added.write_text("# A page added while editing\n\nSome text about gradients.\n")
    build(project)
    search = (project / "site/search/search_index.json").read_text()
    assert "A page added while editing" in html(project, ".") and "A page added while editing" in search
    assert f"{lecture.name}/99-added/" in (project / "site/sitemap.xml").read_text()
    renamed = lecture / "98-renamed.md"
    added.rename(renamed)
    build(project)
    assert f"{lecture.name}/98-renamed/" in (project / "site/sitemap.xml").read_text()
    assert f"{lecture.name}/99-added/" not in (project / "site/sitemap.xml").read_text()
    renamed.unlink()
    build(project)
    assert "A page added while editing" not in (project / "site/search/search_index.json").read_text()
    assert "A page added while editing" not in html(project, ".")

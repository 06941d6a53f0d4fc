"""`mkdocs serve` as a lecturer uses it: pages show at once on a fresh clone, generators
run in the background, Markdown edits rebuild without running generators, and an edit
to a model module re-runs only the generators that import it."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from .conftest import copy_generated, copy_project, project_env, run_in

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode()
    except OSError:
        return ""


def wait_for(predicate, timeout: float, what: str, log: Path | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.25)
    shown = f"; the server's log ends:\n{log.read_text()[-3000:]}" if log is not None and log.is_file() else ""
    raise AssertionError(f"timed out after {timeout} s waiting for {what}{shown}")


def settled(project: Path) -> bool:
    """Every generator current: none to run, no charts to redraw."""
    listing = run_in(project, "-m", "generators", "--list").stdout
    return bool(listing) and all(" current " in line for line in listing.splitlines())


@pytest.fixture
def served(tmp_path):
    yield from serve(copy_project(tmp_path / "p"), tmp_path)


@pytest.fixture
def served_current(generated_project, tmp_path):
    """Serving a project whose generators are all current: no background run."""
    yield from serve(copy_generated(generated_project, tmp_path / "p"), tmp_path)


def serve(project: Path, tmp_path: Path):
    port = free_port()
    log = (tmp_path / "serve.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "mkdocs", "serve", "--livereload", "-a", f"127.0.0.1:{port}"],
        cwd=project, env=project_env(PYTHONUNBUFFERED="1"), stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        yield project, f"http://127.0.0.1:{port}/", tmp_path / "serve.log"
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


def test_fresh_clone_shows_pages_first_then_real_outputs(served):
    project, url, log = served
    first = wait_for(lambda: fetch(url), 30, "the first page")
    assert "being computed" in first and "digits_overview" in first
    assert "ig-chart__plot" not in first  # never a fake chart while pending
    wait_for(lambda: "ig-chart__plot" in fetch(url), 120, "the generator's outputs to land")
    assert "being computed" not in fetch(url)
    assert "digits_overview: done" in Path(log).read_text()


def test_markdown_edit_rebuilds_without_generators_and_model_edit_reruns_them(served_current):
    project, url, log = served_current
    wait_for(lambda: "ig-chart__plot" in fetch(url), 60, "the page")
    assert settled(project)  # so that only the edits below could start a run
    runs_before = Path(log).read_text().count(": running (")
    index = project / "site_src/index.md"
    index.write_text(index.read_text() + "\nA sentence added while serving.\n")
    wait_for(lambda: "A sentence added while serving." in fetch(url), 20, "the edited page")
    time.sleep(1)
    assert Path(log).read_text().count(": running (") == runs_before

    digits = project / "models/digits.py"
    digits.write_text(digits.read_text() + "\n# An edit to a module the generator imports.\n")
    wait_for(lambda: "digits_overview: running (inputs changed)" in Path(log).read_text(), 30, "the re-run")
    wait_for(lambda: "digits_overview: done" in Path(log).read_text(), 300, "the re-run to finish")


def test_failing_generator_is_reported_on_the_page_and_retried_after_a_fix(generated_project, tmp_path):
    project = copy_generated(generated_project, tmp_path / "p")
    for outputs in (project / "site_src/generated/digits_overview", project / ".cache/digits_overview"):
        shutil.rmtree(outputs, ignore_errors=True)  # as on a fresh clone: nothing to fall back on
    source = project / "generators/digits_overview.py"
    good = source.read_text()
    source.write_text(good.replace("    per_class = ", "    raise ValueError('broken on purpose')\n    per_class = "))
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    with (tmp_path / "serve.log").open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "mkdocs", "serve", "--livereload", "-a", f"127.0.0.1:{port}"],
            cwd=project, env=project_env(PYTHONUNBUFFERED="1"), stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            wait_for(lambda: "failed. The terminal" in fetch(url), 120, "the page to report the failure",
                     tmp_path / "serve.log")
            text = (tmp_path / "serve.log").read_text()
            assert "broken on purpose" in text
            assert text.count("digits_overview: running") == 1  # not retried while unchanged
            source.write_text(good)
            wait_for(lambda: "ig-chart__plot" in fetch(url), 120, "the fixed generator's outputs", tmp_path / "serve.log")
        finally:
            process.terminate()
            process.wait(timeout=20)


def rebuilds(log: Path) -> int:
    return log.read_text().count("Building documentation")


def quiet(log: Path, seconds: float) -> bool:
    """The server has logged nothing for ``seconds``: no build runs or is queued."""
    return time.time() - log.stat().st_mtime > seconds


def test_one_edit_gives_one_rebuild_and_reading_files_gives_none(served_current):
    project, url, log = served_current
    wait_for(lambda: "ig-chart__plot" in fetch(url), 120, "the first page")
    assert settled(project)
    index = project / "site_src/index.md"
    for n in range(3):
        wait_for(lambda: quiet(log, 4), 120, "the server to be idle")  # a self-triggered build would show
        before = rebuilds(log)
        index.write_text(index.read_text() + f"\nEdit number {n}.\n")
        wait_for(lambda n=n: f"Edit number {n}." in fetch(url), 30, f"edit {n} on the page")
        time.sleep(6)
        assert rebuilds(log) - before == 1, log.read_text()[-3000:]
    # Reading watched files (as a build does) and saving one unchanged are not changes.
    before = rebuilds(log)
    for path in (project / "site_src").rglob("*.md"):
        path.read_bytes()
    index.write_text(index.read_text())
    time.sleep(5)
    assert rebuilds(log) == before


def built(url: str) -> str:
    """The page as built: without the livereload script's build numbers."""
    return re.sub(r"reload\(\d+, \d+\)", "reload()", fetch(url))


def test_a_body_edit_renders_that_page_only_and_matches_a_full_build(served_current):
    """The fast path gives the page and search index a full build gives; a nav change,
    a deleted page and a config edit still build everything."""
    project, url, log = served_current
    wait_for(lambda: "ig-chart__plot" in fetch(url), 120, "the first page")
    assert settled(project)
    page = sorted((project / "site_src").glob("*/0[2-9]-*.md"))[0]
    page_url = f"{url}{page.parent.name}/{page.stem}/"
    page.write_text(page.read_text() + "\nA body edit with $x^2$ and **bold** text.\n")
    wait_for(lambda: "A body edit with" in fetch(page_url), 30, "the body edit")
    wait_for(lambda: quiet(log, 3), 60, "the server to be idle")
    assert f"the body of {page.parent.name}/{page.name} changed, that page only" in log.read_text()
    fast = built(page_url), fetch(f"{url}search/search_index.json")
    assert "katex" in fast[0] and "A body edit with" in fast[1]

    before = rebuilds(log)
    config = project / "mkdocs.yml"
    config.write_text(config.read_text() + "\n# an edit that re-renders every page\n")
    wait_for(lambda: rebuilds(log) > before and quiet(log, 3), 60, "the full build")
    assert built(page_url) == fast[0]
    assert fetch(f"{url}search/search_index.json") == fast[1]

    front = page.read_text()
    title = re.search(r"^title: .+$", front, re.MULTILINE).group(0)
    page.write_text(front.replace(title, "title: A title changed while serving", 1))
    wait_for(lambda: "A title changed while serving" in fetch(url), 30, "the new title in every page's nav")
    added = page.parent / "99-added-while-serving.md"
    added.write_text("---\ntitle: A page added while serving\n---\n\n# Added\n\nText.\n")
    wait_for(lambda: "A page added while serving" in fetch(url), 30, "the added page in the nav")
    added.unlink()
    wait_for(lambda: "A page added while serving" not in fetch(url), 30, "the deleted page gone from the nav")
    text = log.read_text()
    assert text.count("that page only") == 1, text[-3000:]

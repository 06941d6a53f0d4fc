"""``python -m generators new NAME``: a lecture that builds and passes its own test as
created, and a name that is taken is refused."""

from __future__ import annotations

import shutil

import pytest

from tests.conftest import ROOT, build_site, copy_generated, run_in

pytestmark = pytest.mark.slow


def test_a_new_lecture_builds_and_passes_its_own_test(generated_project, tmp_path):
    project = copy_generated(generated_project, tmp_path / "p")
    shutil.copytree(ROOT / "tests", project / "tests", ignore=shutil.ignore_patterns("__pycache__", "golden"))
    created = run_in(project, "-m", "generators", "new", "adam_demo")
    assert created.returncode == 0, created.stderr
    for path in ("models/adam_demo.py", "generators/adam_demo.py", "site_src/adam-demo/01-overview.md",
                 "site_src/adam-demo/02-lesson-plan.md", "tests/generators/test_adam_demo.py"):
        assert (project / path).is_file(), path
    assert "  adam_demo:" in (project / "params.yaml").read_text()
    assert "  adam_demo:" in (project / "tests/tiny_params.yaml").read_text()
    assert "adam-demo: Adam demo" in (project / "mkdocs.yml").read_text()

    own_test = run_in(project, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/generators/test_adam_demo.py")
    assert own_test.returncode == 0, own_test.stdout + own_test.stderr
    assert run_in(project, "-m", "generators", "adam_demo").returncode == 0
    for edition in ("student", "instructor"):
        built = build_site(project, edition, f"site-{edition}")
        assert built.returncode == 0, built.stderr
    assert "Held-out accuracy" in (project / "site-student/adam-demo/01-overview/index.html").read_text()
    assert not (project / "site-student/adam-demo/02-lesson-plan").exists()
    assert (project / "site-instructor/adam-demo/02-lesson-plan/index.html").is_file()

    again = run_in(project, "-m", "generators", "new", "adam_demo")
    assert again.returncode == 2 and "'adam_demo' is taken" in again.stderr
    bad = run_in(project, "-m", "generators", "new", "Adam Demo")
    assert bad.returncode == 2 and "lower-case letters" in bad.stderr

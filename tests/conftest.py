"""Shared fixtures. Tests never touch the lecturer's site_src/generated/ or .cache/:
everything that builds works in a temporary copy of the project with tiny params."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TINY_PARAMS = ROOT / "tests" / "tiny_params.yaml"
COPIED = ("engine", "exports", "generators", "models", "pages", "templates", "site_src", "hooks.py", "mkdocs.yml", "requirements.lock",
          "node_modules")
DEPLOYED_URL = "https://lecturer.example/course/"
IGNORED = shutil.ignore_patterns("generated", "__pycache__", ".cache", "*.pyc")
# The tests (node-id prefixes) that take longest, longest first. They start first, on both
# xdist workers, so that neither worker is left alone with one at the end of the run; the
# rest keep their order. Lectures' chains matter only where they run (tests/generators/conftest.py).
LONGEST_FIRST = (
    "tests/browser/test_every_page.py",
    "tests/generators/test_retrieval.py",
    "tests/browser/test_accessibility.py::test_site_pages",
    "tests/browser/test_figures.py::test_every_chart_exports",
    "tests/browser/test_site.py::test_instructor_pages",
    "tests/test_serve.py",
    "tests/engine/test_scaffold.py",
    "tests/generators/test_fine_tuning.py",
    "tests/generators/test_gpt_generators.py",
    "tests/generators/test_foundations.py",
    "tests/browser/test_accessibility.py::test_email_files",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        return next((i for i, prefix in enumerate(LONGEST_FIRST) if item.nodeid.startswith(prefix)), len(LONGEST_FIRST))

    items.sort(key=rank)


def copy_project(target: Path) -> Path:
    """A copy of the project in ``target`` whose params file is the tiny one."""
    target.mkdir(parents=True, exist_ok=True)
    for name in COPIED:
        source = ROOT / name
        if not source.exists():
            continue  # node_modules: only where npm was available
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=IGNORED)
        else:
            shutil.copy2(source, target / name)
    shutil.copy2(TINY_PARAMS, target / "params.yaml")
    return target


def project_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("IG_PARAMS", "EDITION", "SITE_URL")}
    env.update({"NO_MKDOCS_2_WARNING": "1", "PYTHONDONTWRITEBYTECODE": "1", "OMP_NUM_THREADS": "1"})
    env.update(extra)
    return env


def run_in(project: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=project, env=project_env(**env), capture_output=True, text=True, timeout=900
    )


def build_site(project: Path, edition: str, site_dir: str, **env: str) -> subprocess.CompletedProcess:
    return run_in(project, "-m", "mkdocs", "build", "--quiet", "--site-dir", site_dir, EDITION=edition, **env)


@pytest.fixture(scope="session")
def generated_project(tmp_path_factory) -> Path:
    """A tiny-config copy of the project with every generator run: the one full run of
    the test session. Tests never change it; they take a ``copy_generated`` of it."""
    project = copy_project(tmp_path_factory.mktemp("generated"))
    generated = run_in(project, "-m", "generators")
    assert generated.returncode == 0, generated.stderr
    return project


def copy_generated(generated: Path, target: Path) -> Path:
    """A copy of ``generated_project``, outputs and caches included. Every generator is
    current in the copy: cache keys depend on file contents, never on where the project lies."""
    shutil.copytree(generated, target, symlinks=True)
    return target


@pytest.fixture(scope="session")
def built_project(generated_project, tmp_path_factory) -> Path:
    """A copy of ``generated_project`` with both editions built (``site-student/`` and
    ``site-instructor/``)."""
    project = copy_generated(generated_project, tmp_path_factory.mktemp("project") / "p")
    for edition in ("student", "instructor"):
        # site_url makes Material's instant navigation active, as on GitHub Pages.
        result = build_site(project, edition, f"site-{edition}", SITE_URL=DEPLOYED_URL)
        assert result.returncode == 0, result.stderr
    return project

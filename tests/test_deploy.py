"""`make deploy` publishes the student edition to the gh-pages branch of a remote; here
the remote is a local bare repository."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from .conftest import ROOT, copy_generated, project_env, run_in

pytestmark = pytest.mark.slow


def git(cwd, *args):
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True,
                          env=project_env(GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.org",
                                          GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.org"))


def test_gh_deploy_pushes_the_student_edition(generated_project, tmp_path):
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "--bare", "-q", str(remote))
    project = copy_generated(generated_project, tmp_path / "p")
    shutil.copy2(ROOT / ".gitignore", project / ".gitignore")  # a lecturer commits sources, not outputs
    git(project, "init", "-q", "-b", "main")
    git(project, "add", "-A")
    git(project, "commit", "-qm", "lecture")
    git(project, "remote", "add", "origin", str(remote))
    result = run_in(project, "-m", "mkdocs", "gh-deploy", "--force", "--no-history",
                    SITE_URL="https://lecturer.example/course/")
    assert result.returncode == 0, result.stderr
    files = git(remote, "ls-tree", "-r", "--name-only", "gh-pages").stdout.split()
    assert "index.html" in files and "components/index.html" in files
    assert "assets/vendor/plotly.min.js" in files
    index = git(remote, "show", "gh-pages:index.html").stdout
    assert "Student edition" in index
    # A deploy whose build fails publishes nothing and keeps the last good site/ as it was.
    site = project / "site"
    before = {p: p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}
    published = git(remote, "rev-parse", "gh-pages").stdout
    page = project / "site_src/index.md"
    page.write_text(page.read_text() + "\n{{ value('no_such_generator/x') }}\n")
    failed = run_in(project, "-m", "mkdocs", "gh-deploy", "--force", "--no-history",
                    SITE_URL="https://lecturer.example/course/")
    assert failed.returncode != 0
    assert {p: p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()} == before
    assert git(remote, "rev-parse", "gh-pages").stdout == published

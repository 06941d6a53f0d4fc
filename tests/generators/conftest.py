"""The outputs a lecture's generator tests read. When the session makes ``generated_project``
anyway (``make test``), its outputs: the one full tiny run. Otherwise (``make test-fast``,
``pytest tests/generators``) each lecture's chain of generators, run in one copy of the
project that the lectures on a worker share, so that a common upstream (gpt_pretrain) trains
once there. Both use the tiny params. Tests read the project and never change it: one that
edits it takes a ``copy_generated`` of it.

``make test-fast`` sends each test file to one worker (``--dist loadfile``), so that a
lecture's chain runs once; tests/conftest.py starts the longest chains first."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import copy_project, run_in

HERE = Path(__file__).resolve().parent


def session_generates_everything(session: pytest.Session) -> bool:
    """Some selected test outside tests/generators/ needs ``generated_project``."""
    return any(
        "generated_project" in item.fixturenames and HERE not in Path(item.path).parents
        for item in session.items
    )


@pytest.fixture(scope="session")
def lectures_copy(tmp_path_factory) -> Path:
    return copy_project(tmp_path_factory.mktemp("lectures"))


def lecture_outputs(request: pytest.FixtureRequest, target: str, **env: str) -> Path:
    """A project in which ``target`` and every generator upstream of it are current."""
    if session_generates_everything(request.session):
        return request.getfixturevalue("generated_project")
    project = request.getfixturevalue("lectures_copy")
    result = run_in(project, "-m", "generators", target, **env)
    assert result.returncode == 0, result.stderr
    return project

"""``make email``'s budgets and folders: each file against its budget, course.html opt-in,
the instructor edition in its own folder."""

from __future__ import annotations

from pathlib import Path

import pytest

import exports.email as email
from exports.email import (
    COURSE_BUDGET_BYTES,
    LECTURE_BUDGET,
    LIMIT_BYTES,
    TARGET_BYTES,
    main,
    out_dir_for,
    report,
)


def test_budgets_are_a_3_mb_target_and_a_6_mb_limit():
    assert (TARGET_BYTES, LIMIT_BYTES) == (3_000_000, 6_000_000)
    assert LECTURE_BUDGET.verdict(TARGET_BYTES) == "ok"
    assert LECTURE_BUDGET.verdict(TARGET_BYTES + 1) == "over the 3.00 MB target"
    assert LECTURE_BUDGET.verdict(LIMIT_BYTES + 1) == "OVER the 6.00 MB limit"


def test_report_prints_each_file_against_its_budget_and_returns_those_over_the_limit(capsys):
    sizes = {"a": 1_200_000, "b": 3_500_000, "c": 6_100_000, "course": 13_000_000}
    assert report(sizes, Path("dist/email")) == ["c", "course"]
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "  dist/email/a.html  1.20 MB  (target 3.00 MB, limit 6.00 MB): ok"
    assert lines[1].endswith("3.50 MB  (target 3.00 MB, limit 6.00 MB): over the 3.00 MB target")
    assert lines[2].endswith("6.10 MB  (target 3.00 MB, limit 6.00 MB): OVER the 6.00 MB limit")
    assert lines[3].endswith(f"13.00 MB  (limit {COURSE_BUDGET_BYTES / 1e6:.2f} MB): OVER the 12.00 MB limit, "
                             "so it was not written; raise it with COURSE_BUDGET_MB=... (make) or --course-budget-mb")
    assert report({"course": 13_000_000}, Path("d"), course_budget=20_000_000) == []  # COURSE_BUDGET_MB=20


def test_instructor_edition_has_its_own_folder_and_never_the_students(tmp_path):
    assert out_dir_for("student", None, tmp_path) == tmp_path / "dist" / "email"
    assert out_dir_for("instructor", None, tmp_path) == tmp_path / "dist" / "email-instructor"
    with pytest.raises(ValueError, match="never goes to dist/email/"):
        out_dir_for("instructor", tmp_path / "dist" / "email", tmp_path)


def test_command_refuses_the_instructor_edition_in_the_students_folder(capsys):
    from exports.email import ROOT

    assert main(["--edition", "instructor", "--out", str(ROOT / "dist" / "email")]) == 1
    assert "never goes to dist/email/" in capsys.readouterr().err


@pytest.fixture
def fake_export(monkeypatch, tmp_path):
    """build_email with the site build and page assembly replaced by fakes: each lecture's
    file is its name repeated to a chosen size; ``fail_on`` makes one lecture's assembly fail."""
    from types import SimpleNamespace

    root = tmp_path / "project"
    (root / "templates").mkdir(parents=True)
    state = {"sizes": {"alpha": 1000, "beta": 2000}, "fail_on": None}
    lectures = [SimpleNamespace(name=n, pages=("p",)) for n in state["sizes"]]

    def assemble(chosen, site, env, build, site_url, title=None):
        if len(chosen) == 1 and chosen[0].name == state["fail_on"]:
            raise ValueError(f"{chosen[0].name}: a page could not be inlined")
        return "x" * sum(state["sizes"][lec.name] for lec in chosen)

    monkeypatch.setattr(email, "load_config", lambda root: {"docs_dir": "site_src", "site_name": "Course"})
    monkeypatch.setattr(email, "build_info", lambda root, edition: {})
    monkeypatch.setattr(email, "build_offline_site", lambda root, edition, site_dir, site_url: site_dir)
    monkeypatch.setattr(email, "find_lectures", lambda docs, site: (lectures, []))
    monkeypatch.setattr(email, "assemble", assemble)
    return root, state


def test_course_file_is_written_only_when_asked_and_within_its_budget(fake_export):
    root, _ = fake_export
    out = root / "dist" / "email"
    assert email.build_email(root, out) == {"alpha": 1000, "beta": 2000}
    assert sorted(p.name for p in out.iterdir()) == ["alpha.html", "beta.html"]
    assert email.build_email(root, out, course=True, course_budget=5000)["course"] == 3000
    assert (out / "course.html").stat().st_size == 3000
    # over its budget: its size is reported, the file is not written, the lectures are
    sizes = email.build_email(root, out, course=True, course_budget=2500)
    assert sizes == {"alpha": 1000, "beta": 2000, "course": 3000}
    assert sorted(p.name for p in out.iterdir()) == ["alpha.html", "beta.html"]
    assert report(sizes, out, course_budget=2500) == ["course"]


def test_a_failed_export_keeps_the_last_good_files(fake_export):
    root, state = fake_export
    out = root / "dist" / "email"
    email.build_email(root, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    state["sizes"] = {"alpha": 10, "beta": 20}
    state["fail_on"] = "beta"
    with pytest.raises(ValueError, match="beta: a page could not be inlined"):
        email.build_email(root, out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in out.parent.iterdir()] == ["email"]  # no staging folder left behind

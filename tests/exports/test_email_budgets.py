"""``make email``'s budgets and folders: each file against its budget, course.html opt-in,
the instructor edition in its own folder."""

from __future__ import annotations

from pathlib import Path

import pytest

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
    assert lines[3].endswith(f"13.00 MB  (limit {COURSE_BUDGET_BYTES / 1e6:.2f} MB): OVER the 12.00 MB limit")
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

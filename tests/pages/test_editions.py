from __future__ import annotations

import pytest

from pages.editions import EditionError, edition_for, is_instructor_page, strip_instructor_blocks

PAGE = """# Title

!!! instructor "Timing"
    Ten minutes.

    Ask the class first.

Students see this.

??? instructor
    Answer key.
Still visible.

- item
    ???+ instructor "nested"
        hidden nested
    visible nested

```markdown
!!! instructor
    An example in a fence stays.
```
"""


def test_strips_blocks_and_keeps_line_numbers():
    out = strip_instructor_blocks(PAGE)
    assert out.count("\n") == PAGE.count("\n")
    for gone in ("Ten minutes", "Ask the class", "Answer key", "hidden nested", '"Timing"'):
        assert gone not in out
    for kept in ("Students see this.", "Still visible.", "visible nested", "An example in a fence stays."):
        assert kept in out
    assert out.split("\n")[7] == "Students see this."


def test_other_admonitions_stay():
    page = "!!! note\n    keep me\n"
    assert strip_instructor_blocks(page) == page


def test_edition_defaults(monkeypatch):
    monkeypatch.delenv("EDITION", raising=False)
    assert edition_for("serve") == "instructor"
    assert edition_for("build") == "student"
    assert edition_for("gh-deploy") == "student"
    monkeypatch.setenv("EDITION", "instructor")
    assert edition_for("build") == "instructor"
    monkeypatch.setenv("EDITION", "teacher")
    with pytest.raises(EditionError, match="student, instructor"):
        edition_for("build")


def test_instructor_page_front_matter():
    assert is_instructor_page({"edition": "instructor"})
    assert not is_instructor_page({"edition": "student"})
    assert not is_instructor_page({})

from __future__ import annotations

import pytest

from pages.walkthrough import WalkthroughError, load, split_paragraphs

SOURCE = '''"""doc"""


class Model:
    # A comment above the method belongs to it.
    def forward(self, x):
        # 1. Scale: y = 2x
        y = 2 * x

        # 2. Shift: z = y + 1
        # (two comment lines make one note)
        z = y + 1
        return z
'''


@pytest.fixture
def root(tmp_path):
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "toy.py").write_text(SOURCE)
    (tmp_path / "secret.py").write_text("x = 1\n")
    return tmp_path


def test_symbol_is_split_into_notes_and_code(root):
    w = load(root, "models/toy.py", "Model.forward")
    assert (w.first_line, w.last_line) == (5, 13)
    notes = [p.note for p in w.paragraphs]
    assert notes == ["A comment above the method belongs to it.", "1. Scale: y = 2x",
                     "2. Shift: z = y + 1\n(two comment lines make one note)"]
    assert w.paragraphs[1].code == "    y = 2 * x"
    assert "return z" in w.paragraphs[2].code


def test_unknown_symbol_lists_what_exists(root):
    with pytest.raises(WalkthroughError, match="defines: forward"):
        load(root, "models/toy.py", "Model.backward")


def test_only_files_under_models(root):
    with pytest.raises(WalkthroughError, match="not a file under models/"):
        load(root, "secret.py", "x")
    with pytest.raises(WalkthroughError):
        load(root, "models/../secret.py", "x")


def test_code_without_comments_is_one_paragraph():
    assert [p.note for p in split_paragraphs("a = 1\nb = 2\n")] == [""]

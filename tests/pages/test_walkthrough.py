from __future__ import annotations

import re

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


def test_note_markup_stays_text_but_code_spans_and_math_are_kept():
    from pages.walkthrough import note_markdown

    note = "IDX header: 0x00 0x00 <type> <ndim> (R&D); `a<b` and $x_{s<t} > 0$"
    assert note_markdown(note) == "IDX header: 0x00 0x00 &lt;type&gt; &lt;ndim&gt; (R&amp;D); `a<b` and $x_{s<t} > 0$"


def test_code_lines_carry_their_indentation_for_a_hanging_wrap():
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer

    from pages.walkthrough import wrapped_lines

    code = 'def f(x):\n    """Two\n    lines."""\n        return x  # (B, T)'
    html = wrapped_lines(highlight(code, PythonLexer(), HtmlFormatter(nowrap=True)), code)
    indents = re.findall(r'--ig-indent: (\d+)ch', html)
    assert indents == ["0", "4", "4", "8"]
    assert html.count('<span class="ig-code-line"') == 4 and html.count("\n</span>") == 4
    # every line is self-contained HTML: as many spans open as close inside it
    for line in html.split('<span class="ig-code-line"')[1:]:
        assert line.count("<span") + 1 == line.count("</span>")


def test_the_digits_note_reaches_the_page_as_text(tmp_path):
    """models/digits.py's IDX comment (``<type> <ndim>``) must not become HTML tags."""
    import markdown

    from pages.components import PageComponents, make_environment
    from pages.walkthrough import load

    from ..conftest import ROOT

    w = load(ROOT, "models/digits.py", next(iter(_symbols_with(ROOT / "models/digits.py", "<type>"))))
    components = PageComponents(env=make_environment(ROOT / "templates"), store=None, root=ROOT,
                                 relative_url=lambda t: t, render_markdown=markdown.markdown)
    html = components.restore(str(components.code_walkthrough("models/digits.py", w.symbol)))
    assert "&lt;type&gt;" in html and "<type>" not in html


def _symbols_with(path, text: str):
    """Top-level functions and classes of ``path`` whose source contains ``text``."""
    import ast

    source = path.read_text(encoding="utf-8")
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef) and text in ast.get_source_segment(source, node):
            yield node.name

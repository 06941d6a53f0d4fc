"""Code walkthroughs: the source of one symbol in ``models/``, split into paragraphs.

Each paragraph is a block of comments (the note, shown above its code) and the code
under it, so the page shows the code that ran, never a pasted copy. A note is Markdown and
may carry inline math, labml-style: ``# $\\bar\\alpha_t = \\prod_{s \\le t} \\alpha_s$``.
"""

from __future__ import annotations

import ast
import html
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class WalkthroughError(LookupError):
    pass


# Spans of a note that Markdown (code) or the math renderer (math) must get verbatim.
VERBATIM = re.compile(r"(`+).+?\1|\$\$.+?\$\$|\$[^$\s](?:[^$]*[^$\s])?\$")


@dataclass(frozen=True)
class Paragraph:
    note: str
    code: str


@dataclass(frozen=True)
class Walkthrough:
    path: str
    symbol: str
    first_line: int
    last_line: int
    paragraphs: list[Paragraph]


def _find(tree: ast.Module, symbol: str, path: str) -> Any:
    scope: list[ast.stmt] = tree.body
    node: ast.AST | None = None
    for part in symbol.split("."):
        node = next(
            (
                n
                for n in scope
                if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and n.name == part
            ),
            None,
        )
        if node is None:
            names = sorted(
                n.name for n in scope if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            )
            raise WalkthroughError(f"{path} has no {symbol!r} (at this level it defines: {', '.join(names)})")
        scope = getattr(node, "body", [])
    assert node is not None
    return node


def split_paragraphs(source: str) -> list[Paragraph]:
    paragraphs: list[Paragraph] = []
    note: list[str] = []
    code: list[str] = []

    def flush() -> None:
        if note or any(line.strip() for line in code):
            paragraphs.append(Paragraph("\n".join(note), "\n".join(code).strip("\n")))

    for line in source.split("\n"):
        stripped = line.strip()
        if stripped.startswith("#") and not stripped.startswith("#!"):
            if code and any(c.strip() for c in code):
                flush()
                note, code = [], []
            note.append(stripped.lstrip("#").strip())
        else:
            code.append(line)
    flush()
    return paragraphs


def load(root: Path, path: str, symbol: str) -> Walkthrough:
    file = (root / path).resolve()
    if not file.is_relative_to((root / "models").resolve()) or not file.is_file():
        raise WalkthroughError(f"code_walkthrough: {path!r} is not a file under models/")
    text = file.read_text(encoding="utf-8")
    node = _find(ast.parse(text, filename=path), symbol, path)
    lines = text.split("\n")
    first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
    # Comment lines directly above the definition belong to it.
    while first > 1 and lines[first - 2].strip().startswith("#"):
        first -= 1
    last = node.end_lineno or node.lineno
    source = textwrap.dedent("\n".join(lines[first - 1 : last]))
    return Walkthrough(path, symbol, first, last, split_paragraphs(source))


def note_markdown(note: str) -> str:
    """A comment block as Markdown: ``<``, ``>`` and ``&`` stay text (``0x00 <type>`` is not a
    tag), except inside code spans and ``$...$`` math, which escape their own text."""
    pieces, last = [], 0
    for span in VERBATIM.finditer(note):
        pieces += [html.escape(note[last:span.start()], quote=False), span.group(0)]
        last = span.end()
    return "".join(pieces) + html.escape(note[last:], quote=False)


def wrapped_lines(highlighted: str, code: str) -> str:
    """Pygments' HTML for ``code``, one block per source line, each carrying its indentation
    (``--ig-indent``) so that CSS can wrap a long line with a hanging indent instead of a
    horizontal scroll bar. Pygments closes its spans at every line end, so each line is
    self-contained HTML; the newline stays inside its line, so copying the code keeps it."""
    lines = highlighted.rstrip("\n").split("\n")
    source = code.split("\n")
    if len(lines) != len(source):
        raise ValueError(f"highlighting changed the line count ({len(source)} -> {len(lines)})")
    return "".join(
        f'<span class="ig-code-line" style="--ig-indent: {len(text) - len(text.lstrip())}ch">{line}\n</span>'
        for line, text in zip(lines, source, strict=True)
    )

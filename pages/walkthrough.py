"""Code walkthroughs: the source of one symbol in ``models/``, split into paragraphs.

Each paragraph is a block of comments (the note, shown beside the code) and the code
under it, so the page shows the code that ran, never a pasted copy.
"""

from __future__ import annotations

import ast
import textwrap
from dataclasses import dataclass
from pathlib import Path


class WalkthroughError(LookupError):
    pass


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


def _find(tree: ast.Module, symbol: str, path: str) -> ast.AST:
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

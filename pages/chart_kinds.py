"""What the Components page says about each chart kind, read from engine/charts/kinds.py.

The fields, their types and defaults, and the comment under each field come from the
source itself with ``ast``, so the documentation cannot drift from the code.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

KINDS_FILE = Path("engine/charts/kinds.py")


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    default: str
    doc: str


@dataclass(frozen=True)
class KindDoc:
    name: str
    doc: str
    fields: list[Field]


def _classes(root: Path) -> dict[str, ast.ClassDef]:
    tree = ast.parse((root / KINDS_FILE).read_text(encoding="utf-8"))
    return {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}


def _fields(node: ast.ClassDef) -> list[Field]:
    out: list[Field] = []
    body = node.body
    for i, item in enumerate(body):
        if not (isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name)):
            continue
        doc = ""
        following = body[i + 1] if i + 1 < len(body) else None
        if isinstance(following, ast.Expr) and isinstance(following.value, ast.Constant):
            doc = " ".join(str(following.value.value).split())
        default = "required"
        if item.value is not None:
            default = ast.unparse(item.value)
            if default.startswith("field(default_factory=list"):
                default = "[]"
        out.append(Field(item.target.id, ast.unparse(item.annotation), default, doc))
    return out


def describe_kind(root: Path, name: str) -> KindDoc:
    classes = _classes(root)
    if name not in classes:
        raise ValueError(f"chart_kind: no chart kind {name!r} in {KINDS_FILE}; kinds: {', '.join(sorted(classes))}")
    node = classes[name]
    doc = " ".join((ast.get_docstring(node) or "").split())
    fields = _fields(node)
    # Panels, series and groups are dataclasses of their own: list their fields too.
    for f in list(fields):
        inner = f.type.removeprefix("list[").removesuffix("]")
        if inner in classes and inner != name:
            fields += [Field(f"{inner}.{g.name}", g.type, g.default, g.doc) for g in _fields(classes[inner])]
    return KindDoc(name, doc, fields)

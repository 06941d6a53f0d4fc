"""Content-hash cache keys for generators, computed without importing them.

A key covers the generator's source and every project module it imports (transitively,
including imports inside functions), the charts package that renders its output, the data
files it reads, its params, its upstream keys, the Python version and the locked
dependency versions. File modification times are never used.
"""

from __future__ import annotations

import ast
import hashlib
import json
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

PROJECT_PACKAGES = ("models", "generators")
LOCK_FILE = "requirements.lock"


@dataclass(frozen=True)
class Declaration:
    """A generator's declared inputs, read from its module with ``ast``."""

    name: str
    path: Path
    upstream: tuple[str, ...]
    data_files: tuple[str, ...]
    doc: str


def read_declaration(path: Path) -> Declaration:
    tree = _parse(path)
    values: dict[str, Any] = {"UPSTREAM": (), "DATA_FILES": ()}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name) and target.id in values:
                try:
                    values[target.id] = tuple(ast.literal_eval(node.value))
                except ValueError as exc:
                    raise ValueError(
                        f"{path}:{node.lineno}: {target.id} must be a literal tuple of strings"
                    ) from exc
    doc = (ast.get_docstring(tree) or "").strip().splitlines()
    return Declaration(
        name=path.stem,
        path=path,
        upstream=values["UPSTREAM"],
        data_files=values["DATA_FILES"],
        doc=doc[0] if doc else "",
    )


def _parse(path: Path) -> ast.Module:
    return ast.parse(path.read_bytes(), filename=str(path))


def _module_file(root: Path, dotted: str) -> Path | None:
    base = root.joinpath(*dotted.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imported_modules(root: Path, path: Path) -> set[str]:
    """Dotted names of project modules that ``path`` imports anywhere in its body."""
    package = ".".join(path.relative_to(root).with_suffix("").parts)
    if path.name == "__init__.py":
        package = package.rsplit(".", 1)[0] + ".__init__"
    parent = package.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(_parse(path)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = parent.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {name for name in found if name.split(".")[0] in PROJECT_PACKAGES}


def source_files(root: Path, path: Path) -> list[Path]:
    """The file itself plus every project module it imports, transitively, sorted."""
    seen: set[Path] = set()
    stack = [path]
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        for dotted in _imported_modules(root, current):
            parts = dotted.split(".")
            # Importing a.b.c also executes a/__init__.py and a/b/__init__.py.
            for depth in range(1, len(parts) + 1):
                module = _module_file(root, ".".join(parts[:depth]))
                if module is not None and module not in seen:
                    stack.append(module)
    return sorted(seen)


@cache
def _file_digest(path: Path, size: int, mtime_ns: int) -> str:
    # size and mtime only decide whether the memo is reused within one process;
    # the key itself is the content hash.
    return hashlib.sha256(path.read_bytes()).hexdigest()


def file_digest(path: Path) -> str:
    stat = path.stat()
    return _file_digest(path, stat.st_size, stat.st_mtime_ns)


def environment_digest(root: Path) -> str:
    lock = root / LOCK_FILE
    lock_digest = file_digest(lock) if lock.is_file() else "no-lock"
    return f"python-{sys.version_info[0]}.{sys.version_info[1]}.{sys.version_info[2]}:{lock_digest}"


def data_paths(root: Path, decl: Declaration, params: dict[str, Any]) -> list[Path]:
    paths = [root / p for p in decl.data_files]
    for key, value in sorted(params.items()):
        if key.endswith("_path") and value:
            paths.append((root / str(value)).resolve())
    return paths


def cache_key(
    root: Path,
    decl: Declaration,
    params: dict[str, Any],
    upstream_keys: dict[str, str],
    always_include: list[Path],
) -> str:
    """The hex digest that decides whether ``decl``'s outputs are current."""
    parts: dict[str, Any] = {"generator": decl.name}
    sources = sorted(set(source_files(root, decl.path)) | set(always_include))
    parts["sources"] = {str(p.relative_to(root)): file_digest(p) for p in sources}
    data: dict[str, str] = {}
    for path in data_paths(root, decl, params):
        if not path.is_file():
            raise FileNotFoundError(f"generator {decl.name}: data file {path} does not exist")
        label = path.relative_to(root) if path.is_relative_to(root) else path
        data[str(label)] = file_digest(path)
    parts["data"] = data
    parts["params"] = params
    parts["upstream"] = upstream_keys
    parts["environment"] = environment_digest(root)
    blob = json.dumps(parts, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:20]

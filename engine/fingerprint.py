"""Content-hash cache keys for generators, computed without importing them.

Two keys per generator:

- the *compute* key covers what a run computes from: the generator's source and every
  project module it imports (transitively, including imports inside functions), the data
  files it reads, its params, its upstream compute keys, the Python version and the
  versions of the distributions those sources import (with their requirements);
- the *draw* key adds the charts package, which turns stored results into figures. A
  palette or chart-kind change moves only the draw key: charts are redrawn, nothing
  retrains.

Each file is parsed and hashed once per process while its content is unchanged. File
modification times never decide anything.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import platform
import re
import sys
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from . import layout

PROJECT_PACKAGES = ("models", "generators")
CACHE_DIR = ".cache"
IMPORTS_FILE = "imports.json"
DECLARATIONS_FILE = "declarations.json"


@dataclass(frozen=True)
class Declaration:
    """A generator's declared inputs, read from its module with ``ast``."""

    name: str
    path: Path
    upstream: tuple[str, ...]
    data_files: tuple[str, ...]
    doc: str
    defines_run: bool = True


def read_declaration(path: Path) -> Declaration:
    """The generator module's declaration, and whether it defines ``run``; kept by the
    file's content hash in .cache/ (parsing every generator is most of a cache check)."""
    root = path.parent.parent
    digest = file_digest(path)
    known = _stored(root, DECLARATIONS_FILE)
    if digest not in known:
        known[digest] = _declared(root, path)
        _save(root, DECLARATIONS_FILE, known)
    values = known[digest]
    return Declaration(path.stem, path, tuple(values["upstream"]), tuple(values["data_files"]), values["doc"],
                       values["defines_run"])


def _declared(root: Path, path: Path) -> dict[str, Any]:
    tree = parse_source(root, path)
    values: dict[str, Any] = {"UPSTREAM": (), "DATA_FILES": ()}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name) and target.id in values:
                try:
                    values[target.id] = tuple(ast.literal_eval(node.value))
                except ValueError as exc:
                    raise ValueError(
                        f"{path.parent.name}/{path.name}:{node.lineno}: {target.id} must be a literal tuple of strings"
                    ) from exc
    doc = (ast.get_docstring(tree) or "").strip().splitlines()
    return {
        "upstream": list(values["UPSTREAM"]),
        "data_files": list(values["DATA_FILES"]),
        "doc": doc[0] if doc else "",
        "defines_run": any(isinstance(n, ast.FunctionDef) and n.name == "run" for n in tree.body),
    }


class SourceSyntaxError(ValueError):
    """A project source that Python cannot parse, named as ``models/x.py:49: expected ':'``."""


def parse_source(root: Path, path: Path) -> ast.Module:
    stat = path.stat()
    try:
        return _parse_cached(path, stat.st_size, stat.st_mtime_ns)
    except SyntaxError as exc:
        raise SourceSyntaxError(syntax_error_text(root, exc)) from None


def syntax_error_text(root: Path, exc: SyntaxError) -> str:
    """``models/optimizers.py:49: expected ':'`` and the offending line, path relative to the project."""
    where = f"{layout.relative(root, exc.filename)}:{exc.lineno}" if exc.filename else f"line {exc.lineno}"
    line = (exc.text or "").rstrip()
    return f"{where}: {exc.msg}" + (f"\n    {line.strip()}" if line.strip() else "")


@cache
def _parse_cached(path: Path, size: int, mtime_ns: int) -> ast.Module:
    # size and mtime only decide whether the memo is reused within one process.
    return ast.parse(path.read_bytes(), filename=str(path))


def _module_file(root: Path, dotted: str, resolved: dict[str, Path | None]) -> Path | None:
    if dotted not in resolved:
        base = root.joinpath(*dotted.split("."))
        resolved[dotted] = next((c for c in (base.with_suffix(".py"), base / "__init__.py") if c.is_file()), None)
    return resolved[dotted]


def _imported_modules(root: Path, path: Path) -> set[str]:
    """Dotted names of project modules that ``path`` imports anywhere in its body."""
    return {name for name in _all_imports(root, path) if name.split(".")[0] in PROJECT_PACKAGES}


def _all_imports(root: Path, path: Path) -> frozenset[str]:
    """Dotted names of every module ``path`` imports anywhere in its body."""
    stat = path.stat()
    return _imports_cached(root, path, stat.st_size, stat.st_mtime_ns)


@cache
def _imports_cached(root: Path, path: Path, size: int, mtime_ns: int) -> frozenset[str]:
    # size and mtime only decide whether the memo is reused within one process; across
    # processes the imports are kept by the file's content hash.
    digest = file_digest(path)
    known = _stored(root, IMPORTS_FILE)
    if digest in known:
        return frozenset(known[digest])
    found = _parse_imports(root, path)
    known[digest] = sorted(found)
    _save(root, IMPORTS_FILE, known)
    return found


@cache
def _stored(root: Path, name: str) -> dict[str, Any]:
    """A record in .cache/ keyed by file content hash, read once per process."""
    try:
        stored = json.loads((root / CACHE_DIR / name).read_text(encoding="utf-8"))
        return stored if isinstance(stored, dict) else {}
    except (OSError, ValueError):
        return {}


def _save(root: Path, name: str, known: dict[str, Any]) -> None:
    try:
        from .atomic import write_text

        write_text(root / CACHE_DIR / name, json.dumps(known, sort_keys=True))
    except OSError:
        pass  # a read-only checkout: compute it every time


def _parse_imports(root: Path, path: Path) -> frozenset[str]:
    package = ".".join(path.relative_to(root).with_suffix("").parts)
    if path.name == "__init__.py":
        package = package.rsplit(".", 1)[0] + ".__init__"
    parent = package.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(parse_source(root, path)):
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
    return frozenset(found)


def source_files(root: Path, path: Path, resolved: dict[str, Path | None] | None = None) -> list[Path]:
    """The file itself plus every project module it imports, transitively, sorted.
    ``resolved`` (dotted name -> file) may be shared by the calls of one cache check."""
    resolved = {} if resolved is None else resolved
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
                module = _module_file(root, ".".join(parts[:depth]), resolved)
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


def _installed_folders() -> list[str]:
    return sorted(
        entry for place in sys.path if place and os.path.isdir(place)
        for entry in os.listdir(place) if entry.endswith((".dist-info", ".egg-info"))
    )


class _Installed:
    """What the installed distributions say, kept in .cache/ between processes: which
    distributions provide each top-level module, and each distribution's closure (it and
    everything it requires, with versions). Reading distribution metadata takes about a
    second per build, so the record is keyed by the names of the installed distributions'
    metadata folders, which hold their versions: any install or upgrade changes them."""

    def __init__(self, root: Path) -> None:
        key = hashlib.sha256("\n".join(_installed_folders()).encode()).hexdigest()[:20]
        self.path = root / CACHE_DIR / f"distributions-{key}.json"
        try:
            stored = json.loads(self.path.read_text(encoding="utf-8"))
            self.owners = {k: tuple(v) for k, v in stored["owners"].items()}
            self.closures = {k: tuple((n, v) for n, v in c) for k, c in stored["closures"].items()}
            self.changed = False
        except (OSError, ValueError, KeyError, TypeError):
            self.owners = {k: tuple(v) for k, v in metadata.packages_distributions().items()}
            self.closures = {}
            self.changed = True

    def closure(self, dist: str) -> tuple[tuple[str, str], ...]:
        if dist not in self.closures:
            self.closures[dist] = _distribution_closure(dist)
            self.changed = True
        return self.closures[dist]

    def save(self) -> None:
        if not self.changed:
            return
        try:
            from .atomic import write_text

            write_text(self.path, json.dumps({"owners": self.owners, "closures": self.closures}, sort_keys=True))
            self.changed = False
        except OSError:
            pass  # a read-only checkout: compute it every time


@cache
def _installed(root: Path) -> _Installed:
    return _Installed(root)


def _distribution_closure(dist: str) -> tuple[tuple[str, str], ...]:
    """``dist`` and everything it requires (transitively), as sorted (name, version)."""
    seen: dict[str, str] = {}
    stack = [dist]
    while stack:
        name = canonical(stack.pop())
        if name in seen:
            continue
        try:
            found = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        seen[name] = found.version
        for requirement in found.requires or []:
            if ";" in requirement and "extra ==" in requirement.split(";", 1)[1]:
                continue  # optional extras are not installed as part of this distribution
            stack.append(re.split(r"[\s;<>=!~\[(]", requirement, maxsplit=1)[0])
    return tuple(sorted(seen.items()))


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def environment(root: Path, sources: list[Path]) -> dict[str, str]:
    """The Python version and the versions of every distribution ``sources`` import,
    with what those distributions require, from ``importlib.metadata``."""
    top_level = {name.split(".")[0] for path in sources for name in _all_imports(root, path) if name}
    top_level -= set(PROJECT_PACKAGES) | set(sys.stdlib_module_names) | {"__future__", "engine", "pages"}
    versions: dict[str, str] = {"python": platform.python_version()}
    installed = _installed(root)
    for module in sorted(top_level):
        for dist in installed.owners.get(module, ()):
            versions.update(installed.closure(dist))
    installed.save()
    return versions


def data_paths(root: Path, decl: Declaration, params: dict[str, Any]) -> list[Path]:
    paths = [root / p for p in decl.data_files]
    for key, value in sorted(params.items()):
        if key.endswith("_path") and value:
            paths.append((root / str(value)).resolve())
    return paths


def _digest(parts: dict[str, Any]) -> str:
    blob = json.dumps(parts, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:20]


def draw_key(root: Path, compute: str, charts_package: list[Path]) -> str:
    """The key of the drawing step: the computed results plus the charts package."""
    return _digest({"compute": compute, "charts": {str(p.relative_to(root)): file_digest(p) for p in charts_package}})


def cache_key(
    root: Path,
    decl: Declaration,
    params: dict[str, Any],
    upstream_keys: dict[str, str],
    resolved: dict[str, Path | None] | None = None,
) -> str:
    """The compute key: the hex digest that decides whether ``decl`` must run again."""
    parts: dict[str, Any] = {"generator": decl.name}
    sources = source_files(root, decl.path, resolved)
    parts["sources"] = {str(p.relative_to(root)): file_digest(p) for p in sources}
    data: dict[str, str] = {}
    for path in data_paths(root, decl, params):
        if not path.is_file():
            where = path.relative_to(root) if path.is_relative_to(root) else path
            raise FileNotFoundError(f"generator {decl.name}: data file {where} does not exist")
        label = path.relative_to(root) if path.is_relative_to(root) else path
        data[str(label)] = file_digest(path)
    parts["data"] = data
    parts["params"] = params
    parts["upstream"] = upstream_keys
    parts["environment"] = environment(root, sources)
    return _digest(parts)

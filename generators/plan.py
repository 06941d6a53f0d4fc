"""Find the generators, order them, and decide which are stale. Imports no generator.

This is the fast path of every build: it reads sources with ``ast``, hashes files and
compares keys with the manifest, so a warm ``make site`` never imports torch.
"""

from __future__ import annotations

import ast
import json
import logging
from dataclasses import dataclass
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

from .fingerprint import Declaration, cache_key, read_declaration
from .params import Params

log = logging.getLogger("generators")

GENERATED_DIR = "site_src/generated"
CACHE_DIR = ".cache"
MANIFEST = "manifest.json"
CHARTS_PACKAGE = "generators/charts"


@dataclass(frozen=True)
class Step:
    decl: Declaration
    params: dict
    key: str
    stale: bool
    reason: str


def discover(root: Path) -> dict[str, Declaration]:
    """Every ``generators/<name>.py`` that defines a top-level ``run`` function."""
    found: dict[str, Declaration] = {}
    for path in sorted((root / "generators").glob("*.py")):
        if path.name.startswith("_"):
            continue
        tree = ast.parse(path.read_bytes(), filename=str(path))
        if any(isinstance(n, ast.FunctionDef) and n.name == "run" for n in tree.body):
            found[path.stem] = read_declaration(path)
    return found


def order(decls: dict[str, Declaration]) -> list[str]:
    graph: dict[str, set[str]] = {}
    for name, decl in decls.items():
        missing = [u for u in decl.upstream if u not in decls]
        if missing:
            raise ValueError(f"{decl.path}: UPSTREAM names unknown generator(s) {', '.join(missing)}")
        graph[name] = set(decl.upstream)
    try:
        return list(TopologicalSorter(graph).static_order())
    except CycleError as exc:
        raise ValueError(f"generators form a cycle: {' -> '.join(exc.args[1])}") from exc


def manifest_path(root: Path) -> Path:
    return root / CACHE_DIR / MANIFEST


def output_dir(root: Path, name: str) -> Path:
    return root / GENERATED_DIR / name


def read_manifest(root: Path) -> dict[str, str]:
    """name -> cache key. A corrupt manifest is rebuilt from the outputs' provenance."""
    path = manifest_path(root)
    if path.is_file():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(data, dict) and all(isinstance(v, str) for v in data.values()):
                return data
            raise ValueError("expected an object of generator name to cache key")
        except (ValueError, UnicodeDecodeError) as exc:
            log.warning("%s is corrupt (%s); rebuilding it from the outputs' provenance", path, exc)
    return _manifest_from_outputs(root)


def _manifest_from_outputs(root: Path) -> dict[str, str]:
    rebuilt: dict[str, str] = {}
    generated = root / GENERATED_DIR
    if not generated.is_dir():
        return rebuilt
    for metrics in sorted(generated.glob("*/metrics.json")):
        try:
            provenance = json.loads(metrics.read_text(encoding="utf-8"))["provenance"]
            rebuilt[metrics.parent.name] = str(provenance["cache_key"])
        except (ValueError, KeyError, TypeError):
            log.warning("%s has no readable provenance; its generator will re-run", metrics)
    return rebuilt


def plan(root: Path, params: Params, only: list[str] | None = None, force: list[str] | None = None) -> list[Step]:
    """The generators to consider, in dependency order, each with its key and staleness.

    ``only`` restricts the plan to those generators and their upstreams.
    """
    decls = discover(root)
    names = order(decls)
    unknown = [n for n in (only or []) + (force or []) if n not in decls]
    if unknown:
        raise ValueError(f"unknown generator(s): {', '.join(unknown)}; known: {', '.join(sorted(decls))}")
    if only:
        wanted: set[str] = set()
        stack = list(only)
        while stack:
            name = stack.pop()
            if name not in wanted:
                wanted.add(name)
                stack.extend(decls[name].upstream)
        names = [n for n in names if n in wanted]
    manifest = read_manifest(root)
    charts = sorted((root / CHARTS_PACKAGE).glob("*.py"))
    keys: dict[str, str] = {}
    steps: list[Step] = []
    stale_names: set[str] = set()
    for name in names:
        decl = decls[name]
        section = params.for_generator(name)
        keys[name] = cache_key(root, decl, section, {u: keys[u] for u in decl.upstream}, charts)
        reason = ""
        if force and name in force:
            reason = "forced"
        elif manifest.get(name) != keys[name]:
            reason = "inputs changed" if name in manifest else "never run"
        elif not (output_dir(root, name) / "metrics.json").is_file():
            reason = "outputs missing"
        elif any(u in stale_names for u in decl.upstream):
            reason = "upstream re-runs"
        if reason:
            stale_names.add(name)
        steps.append(Step(decl, section, keys[name], bool(reason), reason))
    return steps

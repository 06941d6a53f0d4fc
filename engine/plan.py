"""Find the generators, order them, and decide what is stale. Imports no generator.

This is the fast path of every build: it reads sources with ``ast``, hashes files and
compares keys with the manifest, so a warm ``make site`` never imports torch.

Each generator has two keys (see fingerprint): when the compute key moved it runs again;
when only the draw key moved its charts are redrawn from the stored results.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

from . import layout
from .fingerprint import Declaration, cache_key, draw_key, read_declaration
from .params import Params

log = logging.getLogger("generators")


@dataclass(frozen=True)
class Step:
    decl: Declaration
    params: dict
    key: str
    """The compute key."""
    draw_key: str
    stale: bool
    """The generator must run."""
    redraw: bool
    """Only its charts must be redrawn (from stored results)."""
    reason: str

    @property
    def name(self) -> str:
        return self.decl.name

    @property
    def pending(self) -> bool:
        return self.stale or self.redraw


def discover(root: Path) -> dict[str, Declaration]:
    """Every ``generators/<name>.py`` that is not private (``_name.py``) and defines ``run``."""
    found: dict[str, Declaration] = {}
    for path in sorted((root / "generators").glob("*.py")):
        if path.name.startswith("_"):
            continue
        decl = read_declaration(path)
        if not decl.defines_run:
            raise ValueError(
                f"generators/{path.name}: a generator module needs a top-level run(ctx) function; "
                "a module of shared code belongs in a private module named _<job>.py"
            )
        found[path.stem] = decl
    return found


def order(decls: dict[str, Declaration]) -> list[str]:
    graph: dict[str, set[str]] = {}
    for name, decl in decls.items():
        missing = [u for u in decl.upstream if u not in decls]
        if missing:
            raise ValueError(f"generators/{name}.py: UPSTREAM names unknown generator(s) {', '.join(missing)}")
        graph[name] = set(decl.upstream)
    try:
        return list(TopologicalSorter(graph).static_order())
    except CycleError as exc:
        raise ValueError(f"generators form a cycle: {' -> '.join(exc.args[1])}") from exc


def _entry(value: object) -> dict[str, str] | None:
    if isinstance(value, str):  # the manifest of older versions held only the compute key
        return {"compute": value, "draw": ""}
    if isinstance(value, dict) and all(isinstance(v, str) for v in value.values()) and "compute" in value:
        return {"compute": value["compute"], "draw": value.get("draw", "")}
    return None


def read_manifest(root: Path) -> dict[str, dict[str, str]]:
    """name -> {"compute": key, "draw": key}. A corrupt manifest is rebuilt from the
    outputs' provenance."""
    path = layout.manifest_path(root)
    if path.is_file():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            entries = {name: _entry(value) for name, value in data.items()} if isinstance(data, dict) else None
            if entries is not None and all(e is not None for e in entries.values()):
                return entries  # type: ignore[return-value]
            raise ValueError("expected an object of generator name to keys")
        except (ValueError, UnicodeDecodeError) as exc:
            log.warning("%s is corrupt (%s); rebuilding it from the outputs' provenance", path, exc)
    return _manifest_from_outputs(root)


def _manifest_from_outputs(root: Path) -> dict[str, dict[str, str]]:
    rebuilt: dict[str, dict[str, str]] = {}
    generated = layout.generated_dir(root)
    if not generated.is_dir():
        return rebuilt
    for metrics in sorted(generated.glob(f"*/{layout.METRICS}")):
        try:
            provenance = json.loads(metrics.read_text(encoding="utf-8"))["provenance"]
            rebuilt[metrics.parent.name] = {
                "compute": str(provenance["cache_key"]),
                "draw": str(provenance.get("draw_key", "")),
            }
        except (ValueError, KeyError, TypeError):
            log.warning("%s has no readable provenance; its generator will re-run", metrics)
    return rebuilt


def _with_upstreams(decls: dict[str, Declaration], names: list[str], only: list[str]) -> list[str]:
    wanted: set[str] = set()
    stack = list(only)
    while stack:
        name = stack.pop()
        if name not in wanted:
            wanted.add(name)
            stack.extend(decls[name].upstream)
    return [n for n in names if n in wanted]


def plan(root: Path, params: Params, only: list[str] | None = None, force: list[str] | None = None) -> list[Step]:
    """The generators to consider, in dependency order, each with its keys and staleness.

    ``only`` restricts the plan to those generators and their upstreams.
    """
    decls = discover(root)
    names = order(decls)
    unknown = [n for n in (only or []) + (force or []) if n not in decls]
    if unknown:
        raise ValueError(f"unknown generator(s): {', '.join(unknown)}; known: {', '.join(sorted(decls))}")
    if only:
        names = _with_upstreams(decls, names, only)
    manifest = read_manifest(root)
    charts = sorted((root / layout.CHARTS_PACKAGE).glob("*.py"))
    keys: dict[str, str] = {}
    resolved: dict[str, Path | None] = {}  # module name -> file, shared by this check's keys
    steps: list[Step] = []
    stale_names: set[str] = set()
    for name in names:
        decl = decls[name]
        section = params.for_generator(name)
        keys[name] = cache_key(root, decl, section, {u: keys[u] for u in decl.upstream}, resolved)
        drawn = draw_key(root, keys[name], charts)
        recorded = manifest.get(name)
        reason = ""
        if force and name in force:
            reason = "forced"
        elif recorded is None:
            reason = "never run"
        elif recorded["compute"] != keys[name]:
            reason = "inputs changed"
        elif not layout.metrics_path(root, name).is_file():
            reason = "outputs missing"
        elif any(u in stale_names for u in decl.upstream):
            reason = "upstream re-runs"
        redraw = False
        if not reason and recorded is not None and recorded["draw"] != drawn:
            redraw, reason = True, "charts package changed"
        if reason and not redraw:
            stale_names.add(name)
        steps.append(Step(decl, section, keys[name], drawn, bool(reason) and not redraw, redraw, reason))
    return steps

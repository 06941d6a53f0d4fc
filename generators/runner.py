"""Run stale generators and write their outputs atomically.

All I/O lives here: a generator's ``run`` returns a ``Result`` and this module renders its
charts, adds provenance, writes everything to a temporary folder and swaps it into place.
A generator that raises leaves its previous outputs untouched.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import platform
import shutil
import sys
import tempfile
import time
import traceback
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from .contract import GeneratorError, Result, RunContext
from .params import Params
from .plan import CACHE_DIR, Step, manifest_path, output_dir, read_manifest

log = logging.getLogger("generators")

VERSIONED_PACKAGES = ("torch", "numpy", "scikit-learn", "plotly", "matplotlib")


def library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for package in VERSIONED_PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return versions


def _dumps(data: Any) -> bytes:
    return (json.dumps(data, sort_keys=True, indent=1, ensure_ascii=False) + "\n").encode()


def _configure_torch(device: str, threads: int) -> None:
    """Fix torch's thread count before the generator runs, without importing torch for
    generators that never use it (torch reads OMP_NUM_THREADS when first imported)."""
    os.environ["OMP_NUM_THREADS"] = str(threads)
    if device == "cuda" or "torch" in sys.modules:
        import torch

        torch.set_num_threads(threads)
        if device == "cuda" and not torch.cuda.is_available():
            raise GeneratorError("--device cuda was asked for, but torch sees no CUDA device")


def _progress_printer(name: str):
    def progress(step: int, total: int, message: str) -> None:
        log.info("    %s  %d/%d  %s", name, step, total, message)

    return progress


def _render_outputs(result: Result) -> dict[str, bytes]:
    from .charts import render, rounded

    if not isinstance(result.metrics.get("summary"), dict):
        raise GeneratorError("run() must return metrics with a 'summary' dict")
    files: dict[str, bytes] = dict(result.files)
    chart_names: list[str] = []
    for chart in result.charts:
        if chart.name in chart_names:
            raise GeneratorError(f"two charts are named {chart.name!r}")
        chart_names.append(chart.name)
        document, svg = render(chart)
        files[f"{chart.name}.chart.json"] = _dumps(document)
        files[f"{chart.name}.svg"] = svg
    metrics = rounded(result.metrics)
    metrics["charts"] = chart_names
    files["metrics.json"] = metrics  # type: ignore[assignment]  # provenance added by caller
    return files


def _write_atomically(target: Path, files: dict[str, bytes]) -> None:
    """Write ``files`` into a fresh folder beside ``target``, then swap it into place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".tmp-{target.name}-", dir=target.parent))
    try:
        for relative, content in files.items():
            path = staging / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        retired = target.parent / f".old-{target.name}"
        if retired.exists():
            shutil.rmtree(retired)
        if target.exists():
            target.rename(retired)
        staging.rename(target)
        shutil.rmtree(retired, ignore_errors=True)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def _write_manifest(root: Path, manifest: dict[str, str]) -> None:
    path = manifest_path(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".manifest-", dir=path.parent)
    with os.fdopen(fd, "wb") as handle:
        handle.write(_dumps(manifest))
    os.replace(tmp, path)


def _read_upstream(root: Path, names: tuple[str, ...]) -> dict[str, dict]:
    upstream = {}
    for name in names:
        path = output_dir(root, name) / "metrics.json"
        upstream[name] = json.loads(path.read_text(encoding="utf-8"))
    return upstream


def run_step(root: Path, step: Step, params: Params) -> None:
    """Run one generator and write its outputs; raise GeneratorError on any failure."""
    name = step.decl.name
    started = time.perf_counter()
    try:
        _configure_torch(params.device, params.threads)
        module = importlib.import_module(f"generators.{name}")
        cache_dir = root / CACHE_DIR / name
        cache_dir.mkdir(parents=True, exist_ok=True)
        ctx = RunContext(
            name=name,
            params=step.params,
            seed=int(step.params["seed"]),
            device=params.device,
            threads=params.threads,
            root=root,
            cache_dir=cache_dir,
            upstream=_read_upstream(root, step.decl.upstream),
            progress=_progress_printer(name),
        )
        result = module.run(ctx)
        if not isinstance(result, Result):
            raise GeneratorError(f"run() returned {type(result).__name__}, not Result")
        files = _render_outputs(result)
    except GeneratorError as exc:
        raise GeneratorError(f"generator {name} failed: {exc}") from exc
    except Exception as exc:
        log.debug("".join(traceback.format_exception(exc)))
        where = traceback.extract_tb(exc.__traceback__)[-1]
        raise GeneratorError(
            f"generator {name} failed: {type(exc).__name__}: {exc} "
            f"(at {Path(where.filename).name}:{where.lineno})"
        ) from exc
    metrics = files["metrics.json"]
    assert isinstance(metrics, dict)
    metrics["provenance"] = {
        "generator": name,
        "cache_key": step.key,
        "params": step.params,
        "seed": int(step.params["seed"]),
        "versions": library_versions(),
        "device": params.device,
        "threads": params.threads,
        "wall_seconds": round(time.perf_counter() - started, 2),
        "finished_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    files["metrics.json"] = _dumps(metrics)
    _write_atomically(output_dir(root, name), files)


def record_current(root: Path, steps: list[Step]) -> None:
    """Write the manifest entries of current steps (after a corrupt manifest was rebuilt)."""
    path = manifest_path(root)
    manifest = read_manifest(root)
    on_disk = None
    if path.is_file():
        try:
            on_disk = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            on_disk = None
    manifest.update({s.decl.name: s.key for s in steps if not s.stale})
    if manifest != on_disk:
        _write_manifest(root, manifest)


def execute(root: Path, steps: list[Step], params: Params) -> list[str]:
    """Run the stale steps in order. Returns the names that failed (empty on success)."""
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    stale = [s for s in steps if s.stale]
    manifest = read_manifest(root)
    failed: list[str] = []
    for index, step in enumerate(stale, start=1):
        name = step.decl.name
        blocked = [u for u in step.decl.upstream if u in failed]
        if blocked:
            log.error("[%d/%d] %s skipped: upstream %s failed", index, len(stale), name, ", ".join(blocked))
            failed.append(name)
            continue
        log.info("[%d/%d] %s: running (%s)", index, len(stale), name, step.reason)
        started = time.perf_counter()
        try:
            run_step(root, step, params)
        except GeneratorError as exc:
            log.error("[%d/%d] %s", index, len(stale), exc)
            failed.append(name)
            continue
        # Re-read before writing: another run may have recorded its own generators since.
        manifest = read_manifest(root)
        manifest[name] = step.key
        _write_manifest(root, manifest)
        log.info("[%d/%d] %s: done in %.1f s", index, len(stale), name, time.perf_counter() - started)
    return failed

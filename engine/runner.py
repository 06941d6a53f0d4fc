"""Run stale generators, redraw stale charts, and write every output atomically.

All I/O lives here: a generator's ``run`` returns a ``Result``; this module validates its
params first, stores its chart data under ``.cache/<name>/``, draws the charts, adds
provenance, writes everything to a temporary folder and swaps it into place. A generator
that raises leaves its previous outputs untouched.

Drawing is a step of its own: when only the charts package changed, the stored chart data
is drawn again and nothing re-runs.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import sys
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from . import atomic, layout
from .contract import GeneratorError, Result, RunContext
from .fingerprint import syntax_error_text
from .params import Params, ParamsError, validate
from .plan import Step, read_manifest
from .rounding import rounded

log = logging.getLogger("generators")

VERSIONED_PACKAGES = ("torch", "numpy", "scikit-learn", "plotly", "matplotlib")


def library_versions() -> dict[str, str]:
    import platform

    versions = {"python": platform.python_version()}
    for package in VERSIONED_PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return versions


def dumps(data: Any) -> bytes:
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


def _progress_printer(name: str) -> Callable[[int, int, str], None]:
    def progress(step: int, total: int, message: str) -> None:
        log.info("    %s  %d/%d  %s", name, step, total, message)

    return progress


def where_in_project(root: Path, exc: BaseException) -> str:
    """``generators/x.py:42``: the deepest frame in the lecturer's own code (a generator or
    a model), not in the engine or a library; else the deepest frame."""
    frames = traceback.extract_tb(exc.__traceback__)
    own = [
        f for f in frames
        if not f.filename.startswith("<")  # code made at run time (a dataclass's __init__, exec)
        and Path(f.filename).resolve().is_relative_to(root.resolve())
        and not Path(f.filename).resolve().is_relative_to((root / "engine").resolve())
        and ".venv" not in Path(f.filename).parts
    ]
    frame = (own or frames)[-1] if frames else None
    return f"{layout.relative(root, frame.filename)}:{frame.lineno}" if frame else "?"


def _import(name: str) -> Any:
    return importlib.import_module(f"generators.{name}")


def load_config(root: Path, step: Step, params: Params) -> Any:
    """The generator's validated params; ParamsError names params.yaml and the line."""
    try:
        module = _import(step.name)
    except SyntaxError as exc:
        raise GeneratorError(syntax_error_text(root, exc)) from exc
    except Exception as exc:
        raise GeneratorError(
            f"generator {step.name} cannot be imported: {type(exc).__name__}: {exc} (at {where_in_project(root, exc)})"
        ) from exc
    schema = getattr(module, "PARAMS", None)
    if schema is None:
        raise GeneratorError(f"generators/{step.name}.py declares no PARAMS dataclass for its params.yaml section")
    return validate(params, step.name, schema)


# ---- stored chart data ------------------------------------------------------------------------


def store_charts(root: Path, name: str, charts: list[Any]) -> None:
    from dataclasses import asdict

    def plain(value: Any) -> Any:
        return value.tolist() if hasattr(value, "tolist") else str(value)

    stored = [{"kind": type(chart).__name__, "data": asdict(chart)} for chart in charts]
    text = json.dumps(stored, default=plain, allow_nan=True, sort_keys=True)
    atomic.write_text(layout.stored_charts_path(root, name), text)


def load_stored_charts(root: Path, name: str) -> list[Any]:
    """The chart data of the last run. Raises LookupError when it is missing or no longer
    fits the chart kinds (then the generator must run again)."""
    from pydantic import TypeAdapter, ValidationError

    from . import charts as kinds

    path = layout.stored_charts_path(root, name)
    if not path.is_file():
        raise LookupError(f"no stored chart data at {layout.relative(root, path)}")
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        return [TypeAdapter(getattr(kinds, item["kind"])).validate_python(item["data"]) for item in stored]
    except (ValueError, KeyError, AttributeError, TypeError, ValidationError) as exc:
        raise LookupError(f"stored chart data of {name} no longer fits the chart kinds ({exc})") from exc


def _draw(charts: list[Any]) -> tuple[dict[str, bytes], list[str]]:
    """Every chart's files (JSON document, SVG, CSV) and the chart names, in order."""
    from .charts import render

    files: dict[str, bytes] = {}
    names: list[str] = []
    for chart in charts:
        if chart.name in names:
            raise GeneratorError(f"two charts are named {chart.name!r}")
        names.append(chart.name)
        rendered = render(chart)
        chart_files = layout.chart_files(chart.name)
        files[chart_files["document"]] = dumps(rendered.document)
        files[chart_files["svg"]] = rendered.svg
        files[chart_files["csv"]] = rendered.csv
        if rendered.png is not None:
            files[chart_files["png"]] = rendered.png
    return files, names


# ---- one step ---------------------------------------------------------------------------------


def _compute(root: Path, step: Step, params: Params, config: Any) -> Result:
    name = step.name
    _configure_torch(params.device, params.threads)
    cache_dir = layout.cache_dir(root, name)
    cache_dir.mkdir(parents=True, exist_ok=True)
    upstream = {u: json.loads(layout.metrics_path(root, u).read_text(encoding="utf-8")) for u in step.decl.upstream}
    ctx = RunContext(
        name=name,
        config=config,
        seed=int(step.params["seed"]),
        device=params.device,
        threads=params.threads,
        root=root,
        cache_dir=cache_dir,
        upstream=upstream,
        progress=_progress_printer(name),
    )
    result = _import(name).run(ctx)
    if not isinstance(result, Result):
        raise GeneratorError(f"run() returned {type(result).__name__}, not Result")
    if not isinstance(result.metrics.get("summary"), dict):
        raise GeneratorError("run() must return metrics with a 'summary' dict")
    return result


def _provenance(step: Step, params: Params, seconds: float, previous: dict | None) -> dict[str, Any]:
    if previous is not None:  # a redraw: the computation, and its provenance, are the old run's
        return {**previous, "draw_key": step.draw_key}
    return {
        "generator": step.name,
        "cache_key": step.key,
        "draw_key": step.draw_key,
        "params": step.params,
        "seed": int(step.params["seed"]),
        "versions": library_versions(),
        "device": params.device,
        "threads": params.threads,
        "wall_seconds": round(seconds, 2),
        "finished_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def run_step(root: Path, step: Step, params: Params, config: Any = None) -> None:
    """Run (or only redraw) one generator and write its outputs; GeneratorError on failure."""
    name = step.name
    started = time.perf_counter()
    out_dir = layout.output_dir(root, name)
    try:
        if step.redraw:
            charts = load_stored_charts(root, name)
            old = json.loads(layout.metrics_path(root, name).read_text(encoding="utf-8"))
            previous_charts = set(old.get("charts", []))
            files = {
                p.name: p.read_bytes() for p in out_dir.iterdir()
                if p.is_file() and p.name != layout.METRICS
                and not any(p.name in layout.chart_files(c).values() for c in previous_charts)
            }
            metrics, previous = {k: v for k, v in old.items() if k != "provenance"}, old["provenance"]
        else:
            result = _compute(root, step, params, config)
            charts, files, previous = result.charts, dict(result.files), None
            metrics = rounded(result.metrics)
            store_charts(root, name, charts)
        chart_files, names = _draw(charts)
    except (GeneratorError, ParamsError) as exc:
        raise GeneratorError(f"generator {name} failed: {exc}") from exc
    except Exception as exc:
        log.debug("".join(traceback.format_exception(exc)))
        raise GeneratorError(
            f"generator {name} failed at {where_in_project(root, exc)}: {type(exc).__name__}: {exc}"
        ) from exc
    files.update(chart_files)
    metrics["charts"] = names
    metrics["provenance"] = _provenance(step, params, time.perf_counter() - started, previous)
    files[layout.METRICS] = dumps(metrics)
    atomic.write_dir(out_dir, files)


def _record(root: Path, name: str, step: Step) -> None:
    # Re-read before writing: another run may have recorded its own generators since.
    manifest = read_manifest(root)
    manifest[name] = {"compute": step.key, "draw": step.draw_key}
    atomic.write_bytes(layout.manifest_path(root), dumps(manifest))


def record_current(root: Path, steps: list[Step]) -> None:
    """Write the manifest entries of current steps (after a corrupt manifest was rebuilt)."""
    path = layout.manifest_path(root)
    manifest = read_manifest(root)
    on_disk = None
    if path.is_file():
        try:
            on_disk = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            on_disk = None
    manifest.update({s.name: {"compute": s.key, "draw": s.draw_key} for s in steps if not s.pending})
    if manifest != on_disk:
        atomic.write_bytes(path, dumps(manifest))


def check_params(root: Path, steps: list[Step], params: Params) -> tuple[dict[str, Any], list[str]]:
    """Validate the params of every generator that will run, before any of them runs."""
    configs: dict[str, Any] = {}
    errors: list[str] = []
    for step in steps:
        if not step.stale:
            continue
        try:
            configs[step.name] = load_config(root, step, params)
        except (GeneratorError, ParamsError) as exc:
            errors.append(str(exc))
    return configs, errors


def execute(root: Path, steps: list[Step], params: Params) -> list[str]:
    """Run the stale steps and redraw the others, in order. Returns the names that failed."""
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    todo = [s for s in steps if s.pending]
    configs, errors = check_params(root, todo, params)
    if errors:
        for error in errors:
            log.error("%s", error)
        log.error("%d params error(s): nothing ran. Fix params.yaml and run again.", len(errors))
        return sorted({s.name for s in todo if s.stale and s.name not in configs})
    failed: list[str] = []
    for index, step in enumerate(todo, start=1):
        name = step.name
        blocked = [u for u in step.decl.upstream if u in failed]
        if blocked:
            log.error("[%d/%d] %s skipped: upstream %s failed", index, len(todo), name, ", ".join(blocked))
            failed.append(name)
            continue
        verb = "redrawing charts" if step.redraw else "running"
        log.info("[%d/%d] %s: %s (%s)", index, len(todo), name, verb, step.reason)
        started = time.perf_counter()
        try:
            try:
                run_step(root, step, params, configs.get(name))
            except GeneratorError as exc:
                if not (step.redraw and isinstance(exc.__cause__, LookupError)):
                    raise
                log.info("[%d/%d] %s: %s; running it", index, len(todo), name, exc.__cause__)
                step = _as_compute(step)
                run_step(root, step, params, load_config(root, step, params))
        except (GeneratorError, ParamsError) as exc:
            log.error("[%d/%d] %s", index, len(todo), exc)
            failed.append(name)
            continue
        _record(root, name, step)
        log.info("[%d/%d] %s: done in %.1f s", index, len(todo), name, time.perf_counter() - started)
    return failed


def _as_compute(step: Step) -> Step:
    from dataclasses import replace

    return replace(step, stale=True, redraw=False, reason="stored chart data unusable")

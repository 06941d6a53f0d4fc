"""Where the engine keeps things: the one module that knows the layout of outputs.

``site_src/generated/<name>/`` holds what pages read: ``metrics.json`` and, per chart,
``<chart>.chart.json`` (figure, table, description), ``<chart>.svg`` and ``<chart>.csv`` (and
``<chart>.png`` for a pixel grid).
``.cache/<name>/`` holds what never reaches the site: checkpoints and the stored results
that charts are redrawn from. ``.cache/manifest.json`` maps each generator to its keys.
"""

from __future__ import annotations

from pathlib import Path

GENERATED_DIR = "site_src/generated"
CACHE_DIR = ".cache"
MANIFEST = "manifest.json"
CHARTS_PACKAGE = "engine/charts"
METRICS = "metrics.json"
STORED_CHARTS = "charts.stored.json"
STATUS_FILE = ".status.json"


def generated_dir(root: Path) -> Path:
    return root / GENERATED_DIR


def output_dir(root: Path, name: str) -> Path:
    return root / GENERATED_DIR / name


def metrics_path(root: Path, name: str) -> Path:
    return output_dir(root, name) / METRICS


def cache_dir(root: Path, name: str) -> Path:
    return root / CACHE_DIR / name


def stored_charts_path(root: Path, name: str) -> Path:
    """The chart data of the last computation, from which charts are redrawn."""
    return cache_dir(root, name) / STORED_CHARTS


def manifest_path(root: Path) -> Path:
    return root / CACHE_DIR / MANIFEST


def status_path(root: Path) -> Path:
    return root / GENERATED_DIR / STATUS_FILE


def chart_files(chart: str) -> dict[str, str]:
    """The files one chart writes, by role."""
    return {"document": f"{chart}.chart.json", "svg": f"{chart}.svg", "csv": f"{chart}.csv",
            "png": f"{chart}.png"}  # png: pixel grids (ImageGridChart) only


def chart_site_path(generator: str, chart: str, role: str = "svg") -> str:
    """A chart file's path inside the built site (relative to its root)."""
    return f"generated/{generator}/{chart_files(chart)[role]}"


def relative(root: Path, path: Path | str) -> str:
    """``path`` as a lecturer reads it in an error: relative to the project when inside it."""
    p = Path(path)
    try:
        return str(p.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(p)

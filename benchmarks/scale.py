"""The authoring loop at course scale, measured the way a lecturer lives it.

On the real site and on a 20-lecture course (a temporary copy whose extra lectures are
the existing ones under new names, reusing their generated outputs; nothing trains):

- rebuilds that follow one Markdown edit while ``mkdocs serve`` runs (counted for 10 s);
- edit -> served page: from the moment the write returns to the first GET whose page
  holds the new text, serve running and settled, median of 5 edits a few seconds apart;
- ``make site`` with nothing changed, and after a one-page edit (whole command), median
  of 5.

Each figure is recorded with the load average beside it: on a 2-core machine a figure
taken while other work runs says little. Results go to ``benchmarks/results/scale.json``.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .build import _fetch, _free_port
from .record import ROOT, write

LECTURES = 20
TARGETS = {
    "real": {"edit_to_served_s": 0.5, "site_unchanged_s": 0.5, "site_one_edit_s": 1.0, "rebuilds_per_edit": 1},
    "course": {"edit_to_served_s": 1.0, "site_unchanged_s": 1.0, "site_one_edit_s": 3.0, "rebuilds_per_edit": 1},
}
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "EDITION": "student", "PYTHONDONTWRITEBYTECODE": "1",
       "PYTHONUNBUFFERED": "1"}
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable
SITE = f"{PYTHON} -m pages.site_stamp --build"
"""What ``make site`` runs (the Makefile's recipe, without make's check of the venv)."""


def load() -> float:
    return round(os.getloadavg()[0], 2)


def lectures(project: Path) -> list[Path]:
    return sorted(p for p in (project / "site_src").iterdir()
                  if p.is_dir() and p.name not in ("assets", "generated") and any(p.glob("*.md")))


def make_course(target: Path) -> Path:
    """A copy of the project with LECTURES lectures; generated outputs and the manifest reused."""
    ignore = shutil.ignore_patterns(".git", "site", "site-instructor", "dist", ".cache", "__pycache__", "node_modules",
                                    ".venv", ".site*")
    shutil.copytree(ROOT, target, ignore=ignore)
    for name in ("node_modules", ".venv"):
        if (ROOT / name).exists():
            os.symlink(ROOT / name, target / name, target_is_directory=True)
    (target / ".cache").mkdir()
    for name in ("manifest.json", "imports.json"):
        if (ROOT / ".cache" / name).is_file():
            shutil.copy2(ROOT / ".cache" / name, target / ".cache" / name)
    existing = lectures(target)
    for i in range(LECTURES - len(existing)):
        source = existing[i % len(existing)]
        shutil.copytree(source, target / "site_src" / f"{source.name}-copy-{i + 1}")
    return target


def timed_site(project: Path) -> float:
    started = time.perf_counter()
    subprocess.run(SITE, shell=True, cwd=project, env=ENV, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def site_timings(project: Path, repeats: int = 5) -> dict:
    timed_site(project)  # bring the site and every cache up to date
    unchanged = [timed_site(project) for _ in range(repeats)]
    page = project / "site_src" / "index.md"
    original = page.read_text()
    edited = []
    try:
        for i in range(repeats):
            page.write_text(original + f"\nOne-page edit {i}.\n")
            edited.append(timed_site(project))
    finally:
        page.write_text(original)
        timed_site(project)
    return {
        "site_unchanged_s": [round(s, 3) for s in unchanged],
        "site_unchanged_median_s": round(statistics.median(unchanged), 3),
        "site_one_edit_s": [round(s, 3) for s in edited], "site_one_edit_median_s": round(statistics.median(edited), 3),
        "load_average": load(),
    }


def serve_timings(project: Path, repeats: int = 5) -> dict:
    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    page = project / "site_src" / "index.md"
    original = page.read_text()
    log_path = project / ".serve-benchmark.log"
    with log_path.open("w") as log:
        server = subprocess.Popen([PYTHON, "-m", "mkdocs", "serve", "--livereload", "-a", f"127.0.0.1:{port}"],
                                  cwd=project, env=ENV, stdout=log, stderr=subprocess.STDOUT)
        samples, rebuilds = [], []
        try:
            deadline = time.monotonic() + 120
            while "Serving on" not in log_path.read_text() or not _fetch(url):
                if time.monotonic() > deadline:
                    raise TimeoutError("serve never came up")
                time.sleep(0.2)
            time.sleep(5)  # settled: the first build and any background generator run are over
            for i in range(repeats):
                before = log_path.read_text().count("Building documentation")
                marker = f"Benchmark edit {i} {time.time_ns()}"
                page.write_text(original + f"\n{marker}\n")
                started = time.perf_counter()
                while marker not in _fetch(url):
                    if time.perf_counter() - started > 60:
                        raise TimeoutError("the edit never showed")
                    time.sleep(0.01)
                samples.append(time.perf_counter() - started)
                time.sleep(10)  # count every rebuild this one edit caused
                rebuilds.append(log_path.read_text().count("Building documentation") - before)
        finally:
            page.write_text(original)
            server.terminate()
            server.wait(timeout=30)
    return {"edit_to_served_s": [round(s, 3) for s in samples],
            "edit_to_served_median_s": round(statistics.median(samples), 3),
            "rebuilds_per_edit": rebuilds, "serve_load_average": load()}


def measure(project: Path, kind: str) -> dict:
    pages = sum(1 for _ in (project / "site_src").rglob("*.md")) - sum(1 for _ in (project / "site_src" / "generated")
                                                                        .rglob("*.md"))
    results = {"lectures": len(lectures(project)), "markdown_pages": pages}
    results.update(site_timings(project))
    results.update(serve_timings(project))
    target = TARGETS[kind]
    results["targets"] = target
    results["met"] = {
        "edit_to_served": results["edit_to_served_median_s"] <= target["edit_to_served_s"],
        "site_unchanged": results["site_unchanged_median_s"] <= target["site_unchanged_s"],
        "site_one_edit": results["site_one_edit_median_s"] <= target["site_one_edit_s"],
        "rebuilds_per_edit": all(r == target["rebuilds_per_edit"] for r in results["rebuilds_per_edit"]),
    }
    return results


def main() -> None:
    results = {"load_average_at_start": load(), "real": measure(ROOT, "real")}
    with tempfile.TemporaryDirectory() as tmp:
        results["course"] = measure(make_course(Path(tmp) / "course"), "course")
    write("scale", results)
    for kind in ("real", "course"):
        print(f"  {kind}: {results[kind]}")

"""Build timings: a cold build, a warm `make site`, and a Markdown edit under `make serve`.

Targets on a 2-core machine: warm `make site` <= 1.5 s; edit -> served page <= 1 s.
"""

from __future__ import annotations

import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from .record import ROOT, write

WARM_SITE_TARGET_S = 1.5
EDIT_TARGET_S = 1.0
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}


def timed(command: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=ENV, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def cold_build() -> dict:
    """`make site` in a fresh copy with no generated outputs and no cache: every model trains."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "project"
        shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(".git", "site", "dist", ".cache", "generated",
                                                                  "__pycache__", "benchmarks"))
        os.symlink(ROOT / ".venv", copy / ".venv", target_is_directory=True) if not (copy / ".venv").exists() else None
        seconds = timed(["make", "site"], copy)
    return {"cold_make_site_s": round(seconds, 2)}


def warm_build(repeats: int = 5) -> dict:
    timed(["make", "site"], ROOT)  # bring everything up to date first
    samples = [timed(["make", "site"], ROOT) for _ in range(repeats)]
    median = statistics.median(samples)
    return {"warm_make_site_s": [round(s, 3) for s in samples], "warm_make_site_median_s": round(median, 3),
            "warm_make_site_target_s": WARM_SITE_TARGET_S, "warm_make_site_met": median <= WARM_SITE_TARGET_S}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _fetch(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode()
    except OSError:
        return ""


def serve_edit(repeats: int = 5) -> dict:
    """Append a marker to the home page and time until the served page shows it."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    page = ROOT / "site_src" / "index.md"
    original = page.read_text()
    server = subprocess.Popen([sys.executable, "-m", "mkdocs", "serve", "--livereload", "-a", f"127.0.0.1:{port}"],
                              cwd=ROOT, env={**ENV, "EDITION": "student"}, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    samples = []
    try:
        deadline = time.monotonic() + 60
        while not _fetch(url) and time.monotonic() < deadline:
            time.sleep(0.2)
        for i in range(repeats):
            marker = f"Benchmark marker {i} {time.time_ns()}"
            started = time.perf_counter()
            page.write_text(original + f"\n{marker}\n")
            while marker not in _fetch(url):
                if time.perf_counter() - started > 30:
                    raise TimeoutError("the edit never showed")
                time.sleep(0.02)
            samples.append(time.perf_counter() - started)
            time.sleep(1.0)
    finally:
        page.write_text(original)
        server.terminate()
        server.wait(timeout=20)
    median = statistics.median(samples)
    return {"edit_to_served_s": [round(s, 3) for s in samples], "edit_to_served_median_s": round(median, 3),
            "edit_to_served_target_s": EDIT_TARGET_S, "edit_to_served_met": median <= EDIT_TARGET_S}


def main(cold: bool = True) -> None:
    results = {}
    results.update(warm_build())
    results.update(serve_edit())
    if cold:
        results.update(cold_build())
    write("build", results)
    for key, value in results.items():
        print(f"  {key}: {value}")

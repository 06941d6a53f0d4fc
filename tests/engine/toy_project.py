"""A miniature project (toy generators, a toy model package, a data file) for cache tests."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.conftest import ROOT, project_env

TOY_A = '''
"""Toy A: sums the numbers in a data file, scaled by a model function."""
from dataclasses import dataclass

from engine.contract import Result
from engine.charts import LineChart, Series

UPSTREAM = ()
DATA_FILES = ("data/numbers.txt",)


@dataclass
class Params:
    factor: float = 1.0
    fail: bool = False


PARAMS = Params


def run(ctx):
    from models.toy import scale

    if ctx.config.fail:
        raise RuntimeError("toy_a was told to fail")
    numbers = [float(x) for x in ctx.path("data/numbers.txt").read_text().split()]
    total = scale(sum(numbers)) * ctx.config.factor
    chart = LineChart(name="numbers", title="Numbers", x_label="i", y_label="value",
                      series=[Series("numbers", list(range(len(numbers))), numbers)])
    return Result(metrics={"summary": {"total": total}}, charts=[chart])
'''

TOY_B = '''
"""Toy B: doubles toy A's total."""
from dataclasses import dataclass

from engine.contract import Result

UPSTREAM = ("toy_a",)


@dataclass
class Params:
    factor: float = 1.0


PARAMS = Params


def run(ctx):
    total = ctx.upstream["toy_a"]["summary"]["total"]
    return Result(metrics={"summary": {"doubled": 2 * total * ctx.config.factor}})
'''


def make_toy_project(root: Path) -> Path:
    (root / "generators").mkdir(parents=True)
    for name in ("__init__.py", "__main__.py"):
        shutil.copy2(ROOT / "generators" / name, root / "generators" / name)
    shutil.copytree(ROOT / "engine", root / "engine", ignore=shutil.ignore_patterns("__pycache__"))
    (root / "generators" / "toy_a.py").write_text(textwrap.dedent(TOY_A))
    (root / "generators" / "toy_b.py").write_text(textwrap.dedent(TOY_B))
    (root / "models").mkdir()
    (root / "models" / "__init__.py").write_text("")
    (root / "models" / "toy.py").write_text("from models.toy_math import SCALE\n\n\ndef scale(x):\n    return x * SCALE\n")
    (root / "models" / "toy_math.py").write_text("SCALE = 1.0\n")
    (root / "models" / "unused.py").write_text("VALUE = 1\n")
    (root / "data").mkdir()
    (root / "data" / "numbers.txt").write_text("1 2 3\n")
    (root / "requirements.lock").write_text("numpy==2.4.6\n")
    write_params(root)
    return root


def write_params(root: Path, a: dict | None = None, b: dict | None = None) -> None:
    a = {"seed": 0, "factor": 1.0, **(a or {})}
    b = {"seed": 0, "factor": 1.0, **(b or {})}
    lines = ["device: cpu", "threads: 1", "generators:", "  toy_a:"]
    lines += [f"    {k}: {v}" for k, v in a.items()]
    lines += ["  toy_b:"] + [f"    {k}: {v}" for k, v in b.items()]
    (root / "params.yaml").write_text("\n".join(lines) + "\n")


def run_generators(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "generators", *args], cwd=root, env=project_env(),
                          capture_output=True, text=True, timeout=300)

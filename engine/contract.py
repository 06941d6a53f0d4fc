"""What a generator receives and what it returns.

A generator module ``generators/<name>.py`` declares, as module-level literals that the
runner reads with ``ast`` (so checking the cache never imports torch):

- ``UPSTREAM``: names of generators whose outputs it reads;
- ``DATA_FILES``: project-relative paths of the data files it reads.

- ``PARAMS``: a dataclass (often extending a model's config) that the generator's section
  of ``params.yaml`` is validated against; ``ctx.config`` is the validated instance. A param
  whose name ends in ``_path`` names a data file too, and its content is part of the key.

``run(ctx: RunContext) -> Result`` is pure: it reads only what ``ctx`` gives it and returns
its metrics, charts and extra files. The runner does every write.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ProgressFn = Callable[[int, int, str], None]


@dataclass(frozen=True)
class RunContext:
    """Everything a generator may read while it runs."""

    name: str
    config: Any
    """The generator's ``PARAMS`` dataclass, validated from its section of params.yaml."""
    seed: int
    device: str
    threads: int
    root: Path
    """The project root: data paths in params and DATA_FILES are relative to it."""
    cache_dir: Path
    """``.cache/<name>/``: checkpoints and other large files that never reach the site."""
    upstream: Mapping[str, Mapping[str, Any]]
    """Each upstream generator's ``metrics.json``, keyed by generator name."""
    progress: ProgressFn

    def path(self, relative: str) -> Path:
        return self.root / relative

    def upstream_checkpoint(self, name: str, filename: str) -> Path:
        return self.cache_dir.parent / name / filename


@dataclass
class Result:
    """What ``run`` returns: the runner turns it into files under ``generated/<name>/``."""

    metrics: dict[str, Any]
    """Must hold a ``summary`` dict of headline figures; ``provenance`` is added by the runner."""
    charts: list[Any] = field(default_factory=list)
    """Chart data objects from ``engine.charts``; each becomes JSON + SVG."""
    files: dict[str, bytes] = field(default_factory=dict)
    """Extra output files (relative name -> bytes), such as a data table as CSV."""


class GeneratorError(Exception):
    """A generator failed: the message names the generator and the cause."""

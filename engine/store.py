"""The one loader through which pages read generated data, keyed ``generator/name``.

``metric("gpt_pretrain/heldout_loss")`` reads ``summary.heldout_loss`` from that
generator's ``metrics.json``; a dotted path reaches deeper (``"gpt_reward/summary.x"`` is
the same as ``"gpt_reward/x"``). ``chart("gpt_pretrain/loss")`` reads a chart document.
A generator that exists but has no outputs yet is *pending*; an unknown generator, metric
or chart is an error that the page build reports with its file and line.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import layout


class LookupFailure(KeyError):
    """An unknown generator, metric or chart: the page has a typo."""

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class Pending:
    """Outputs not written yet: the generator is being computed, or its last run failed."""

    generator: str
    failed: bool = False


class Store:
    def __init__(self, generated_dir: Path, known_generators: set[str], failed: set[str] | None = None):
        self.generated_dir = generated_dir
        self.known = known_generators
        self.failed = failed or set()
        self._metrics: dict[str, dict | None] = {}
        self.accessed: set[str] = set()
        """The generators whose outputs were looked up (a page's dependencies)."""

    def _split(self, key: str) -> tuple[str, str]:
        generator, sep, name = key.partition("/")
        if not sep or not name:
            raise LookupFailure(f"{key!r} is not of the form 'generator/name'")
        if generator not in self.known:
            raise LookupFailure(
                f"unknown generator {generator!r} in {key!r}; known: {', '.join(sorted(self.known))}"
            )
        return generator, name

    def metrics(self, generator: str) -> dict | None:
        self.accessed.add(generator)
        if generator not in self._metrics:
            path = self.generated_dir / generator / layout.METRICS
            self._metrics[generator] = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
        return self._metrics[generator]

    def provenance(self, generator: str) -> dict | Pending:
        metrics = self.metrics(generator)
        return self._pending(generator) if metrics is None else metrics["provenance"]

    def _pending(self, generator: str) -> Pending:
        return Pending(generator, failed=generator in self.failed)

    def value(self, key: str) -> Any:
        """A metric, or ``Pending``. Bare names are looked up in ``summary``."""
        generator, name = self._split(key)
        metrics = self.metrics(generator)
        if metrics is None:
            return self._pending(generator)
        path = name.split(".")
        if path[0] not in metrics:
            path = ["summary", *path]
        node: Any = metrics
        for i, part in enumerate(path):
            if isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            elif isinstance(node, dict) and part in node:
                node = node[part]
            else:
                where = ".".join(path[:i]) or "metrics"
                options = ", ".join(sorted(node)) if isinstance(node, dict) else type(node).__name__
                raise LookupFailure(f"{generator} has no {'.'.join(path)!r} ({where} has: {options})")
        return node

    def chart(self, key: str) -> dict | Pending:
        generator, name = self._split(key)
        metrics = self.metrics(generator)
        if metrics is None:
            return self._pending(generator)
        if name not in metrics.get("charts", []):
            raise LookupFailure(
                f"{generator} has no chart {name!r}; it has: {', '.join(metrics.get('charts', []))}"
            )
        path = self.generated_dir / generator / layout.chart_files(name)["document"]
        document = json.loads(path.read_text(encoding="utf-8"))
        document["generator"] = generator
        document["svg_path"] = layout.chart_site_path(generator, name, "svg")
        document["csv_path"] = layout.chart_site_path(generator, name, "csv")
        return document

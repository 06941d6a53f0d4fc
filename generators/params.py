"""Read the lecturer's params file (``params.yaml``) into per-generator params."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

DEFAULT_FILE = "params.yaml"
ENV_FILE = "IG_PARAMS"


class ParamsError(Exception):
    """The params file is missing, malformed, or lacks a generator's section."""


@dataclass(frozen=True)
class Params:
    path: Path
    device: str
    threads: int
    generators: dict[str, dict[str, Any]]

    def for_generator(self, name: str) -> dict[str, Any]:
        """The generator's params, with the device and thread count that shape its result."""
        if name not in self.generators:
            raise ParamsError(f"{self.path}: no section 'generators: {name}:' for generator {name}")
        section = dict(self.generators[name] or {})
        section.setdefault("seed", 0)
        section["device"] = self.device
        section["threads"] = self.threads
        return section


def params_path(root: Path) -> Path:
    override = os.environ.get(ENV_FILE)
    return Path(override).resolve() if override else root / DEFAULT_FILE


def load_params(root: Path, device: str | None = None, threads: int | None = None) -> Params:
    path = params_path(root)
    if not path.is_file():
        raise ParamsError(f"{path}: params file not found (set {ENV_FILE} or create {DEFAULT_FILE})")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise ParamsError(f"{where}: invalid YAML: {getattr(exc, 'problem', exc)}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("generators"), dict):
        raise ParamsError(f"{path}: expected a mapping with a 'generators:' section")
    for name, section in data["generators"].items():
        if section is not None and not isinstance(section, dict):
            raise ParamsError(f"{path}: 'generators: {name}:' must be a mapping of params")
    chosen_device = device or os.environ.get("IG_DEVICE") or str(data.get("device", "cpu"))
    if chosen_device not in ("cpu", "cuda"):
        raise ParamsError(f"{path}: device must be 'cpu' or 'cuda', not {chosen_device!r}")
    return Params(
        path=path,
        device=chosen_device,
        threads=int(threads or data.get("threads", 2)),
        generators=data["generators"],
    )

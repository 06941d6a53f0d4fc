"""Read the lecturer's params file (``params.yaml``) and validate each generator's section.

- Floats resolve as in YAML 1.2, so ``5e-4`` is a float and not the string "5e-4".
- Each generator declares ``PARAMS``, a dataclass; its section is checked against it with
  pydantic: an unknown key or a wrong type is an error naming the file, the line, the
  key, the expected type and the value received. Defaults come from the dataclass.
- The runner's own keys are declared once, here: ``seed`` in every section, and the
  file-level ``device`` and ``threads``. A param ending in ``_path`` names a data file.
"""

from __future__ import annotations

import dataclasses
import os
import re
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

DEFAULT_FILE = "params.yaml"
ENV_FILE = "IG_PARAMS"
DEVICES = ("cpu", "cuda")
SEED_KEY = "seed"
"""The one runner key inside a generator's section; ``device`` and ``threads`` are added."""


class ParamsError(Exception):
    """The params file is missing or malformed, or a section does not fit its generator."""


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """PyYAML reads YAML 1.1, where ``5e-4`` (no dot) is a string; YAML 1.2 makes it a float.
    libyaml's parser when PyYAML has it: about ten times faster, with the same marks."""


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
        |\.[0-9_]+(?:[eE][-+]?[0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""",
        re.X,
    ),
    list("-+0123456789."),
)


def _key_lines(text: str) -> dict[tuple[str, ...], int]:
    """(``generators``, name, key) -> 1-based line, from the YAML node tree."""
    lines: dict[tuple[str, ...], int] = {}

    def walk(node: yaml.Node, path: tuple[str, ...]) -> None:
        if isinstance(node, yaml.MappingNode) and len(path) < 3:
            for key, value in node.value:
                here = (*path, str(key.value))
                lines[here] = key.start_mark.line + 1
                walk(value, here)

    root = yaml.compose(text, Loader=_Loader)
    if root is not None:
        walk(root, ())
    return lines


@dataclass(frozen=True)
class Params:
    path: Path
    device: str
    threads: int
    generators: dict[str, dict[str, Any]]
    lines: dict[tuple[str, ...], int] = dataclasses.field(default_factory=dict)

    def where(self, *keys: str) -> str:
        """``params.yaml:LINE`` of a key (or of its section when the key is absent)."""
        for depth in range(len(keys), 0, -1):
            line = self.lines.get(("generators", *keys[:depth]))
            if line:
                return f"{self.path.name}:{line}"
        return self.path.name

    def for_generator(self, name: str) -> dict[str, Any]:
        """The generator's params as they enter its cache key: its section, its seed, and
        the device and thread count that shape its result."""
        if name not in self.generators:
            raise ParamsError(
                f"{self.path.name}: no section for generator {name!r}. Add one under 'generators:', e.g.\n"
                f"  {name}:\n    seed: 0"
            )
        section = dict(self.generators[name] or {})
        section.setdefault(SEED_KEY, 0)
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
    text = path.read_text(encoding="utf-8")
    try:
        data = yaml.load(text, Loader=_Loader) or {}
        lines = _key_lines(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path.name}:{mark.line + 1}" if mark else path.name
        raise ParamsError(f"{where}: invalid YAML: {getattr(exc, 'problem', exc)}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("generators"), dict):
        raise ParamsError(f"{path.name}: expected a mapping with a 'generators:' section")
    for name, section in data["generators"].items():
        if section is not None and not isinstance(section, dict):
            line = lines.get(("generators", str(name)))
            raise ParamsError(f"{path.name}:{line}: 'generators: {name}:' must be a mapping of params")
    chosen_device = device or os.environ.get("IG_DEVICE") or str(data.get("device", "cpu"))
    if chosen_device not in DEVICES:
        raise ParamsError(f"{path.name}:{lines.get(('device',), '?')}: device must be 'cpu' or 'cuda', "
                          f"not {chosen_device!r}")
    chosen_threads = threads or data.get("threads", 2)
    if not isinstance(chosen_threads, int) or isinstance(chosen_threads, bool) or chosen_threads < 1:
        raise ParamsError(f"{path.name}:{lines.get(('threads',), '?')}: threads must be a whole number ≥ 1, "
                          f"not {chosen_threads!r}")
    return Params(path=path, device=chosen_device, threads=chosen_threads, generators=data["generators"],
                  lines=lines)


def _type_name(hint: Any) -> str:
    if isinstance(hint, type):
        return hint.__name__
    return str(hint).replace("typing.", "")


def validate(params: Params, name: str, schema: type) -> Any:
    """The generator's section as an instance of its ``PARAMS`` dataclass, or ParamsError."""
    from pydantic import TypeAdapter, ValidationError

    if not dataclasses.is_dataclass(schema):
        raise ParamsError(f"generator {name}: PARAMS must be a dataclass, not {schema!r}")
    section = dict(params.generators.get(name) or {})
    hints = typing.get_type_hints(schema)
    names = {f.name for f in dataclasses.fields(schema)}
    seed = section.pop(SEED_KEY, 0)
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise ParamsError(f"{params.where(name, SEED_KEY)}: generators.{name}.seed: expected int, got {seed!r}")
    if SEED_KEY in names:
        section[SEED_KEY] = seed
    unknown = sorted(set(section) - names)
    if unknown:
        key = unknown[0]
        raise ParamsError(
            f"{params.where(name, key)}: generators.{name}.{key}: unknown param for {name} "
            f"({schema.__name__} has: {', '.join(sorted(names - {SEED_KEY}))})"
        )
    try:
        return TypeAdapter(schema).validate_python(section)
    except ValidationError as exc:
        error = exc.errors()[0]
        key = str(error["loc"][0]) if error["loc"] else ""
        value = section.get(key, error.get("input"))
        expected = _type_name(hints.get(key, "?"))
        raise ParamsError(
            f"{params.where(name, key)}: generators.{name}.{key}: expected {expected}, "
            f"got {value!r} ({type(value).__name__}): {error['msg']}"
        ) from None


def narrow(config: Any, cls: type) -> Any:
    """The fields of ``cls`` taken from ``config`` (a generator's params extend a model's
    config; the model and its checkpoint get only the model's own fields)."""
    return cls(**{f.name: getattr(config, f.name) for f in dataclasses.fields(cls)})

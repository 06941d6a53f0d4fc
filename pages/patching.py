"""Replacing a function of MkDocs or Material in place, once per process.

The build replaces a few of their internals (listed in the README's "What a rebuild redoes"
and each tested): the theme's file listing, the theme's template environment and the copying
of files into the site. Each replacement is installed when MkDocs starts, and MkDocs may
start several times in one process (serve rebuilds, tests), so installing must be idempotent
and must never wrap a replacement in another.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def patch_once(owner: Any, name: str, make: Callable[[Callable[..., Any]], Callable[..., Any]]) -> None:
    """Set ``owner.name`` to ``make(original)`` unless an earlier call did; the replacement
    keeps the original as ``__wrapped__`` (as functools.wraps does)."""
    current = getattr(owner, name)
    if hasattr(current, "__wrapped__"):
        return
    replacement = make(current)
    replacement.__wrapped__ = current  # type: ignore[attr-defined]
    setattr(owner, name, replacement)

"""The one way the engine writes: never a half-written file or folder.

A file is written under a temporary name in its folder and renamed over the target; a
folder is filled beside its target and swapped in. A crash at any point leaves either the
old content or the new, never a mix.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path


def write_bytes(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text(path: Path, text: str) -> None:
    write_bytes(path, text.encode("utf-8"))


def save_with(path: Path, save: Callable[[Path], object]) -> None:
    """Atomic write through a library's own saver, such as ``lambda p: torch.save(obj, p)``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        save(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def swap_dir(target: Path, staging: Path) -> None:
    """Put the filled folder ``staging`` where ``target`` is; the old one is removed."""
    retired = target.parent / f".old-{target.name}"
    if retired.exists():
        shutil.rmtree(retired)
    if target.exists():
        target.rename(retired)
    staging.rename(target)
    shutil.rmtree(retired, ignore_errors=True)


def write_dir(target: Path, files: dict[str, bytes]) -> None:
    """Write ``files`` (relative name -> bytes) as the whole new content of ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".tmp-{target.name}-", dir=target.parent))
    try:
        for relative, content in files.items():
            path = staging / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        swap_dir(target, staging)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)

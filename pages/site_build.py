"""Where a build writes, so that a failed build never costs the last good site.

A build fills a staging folder beside its target (``.site.building``) and is swapped in
only when it succeeds; a failed build leaves the target exactly as it was. The instructor
edition goes to ``site-instructor/`` whenever the site folder is the default ``site/``, so
``site/`` (what ``make deploy`` publishes) never holds answer keys; an explicit
``--site-dir`` wins.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from engine import atomic

DEFAULT_SITE = "site"
INSTRUCTOR_SITE = "site-instructor"


def target_dir(root: Path, configured: Path, edition: str) -> Path:
    target = configured.resolve()
    if edition == "instructor" and target == (root / DEFAULT_SITE).resolve():
        return root / INSTRUCTOR_SITE
    return target


def staging_dir(target: Path) -> Path:
    return target.parent / f".{target.name}.building"


def start(target: Path) -> Path:
    """A fresh, empty staging folder for the build of ``target``."""
    staging = staging_dir(target)
    if staging.exists():
        shutil.rmtree(staging)  # a build that was killed before it could clean up
    staging.mkdir(parents=True)
    return staging


def finish(target: Path) -> Path:
    atomic.swap_dir(target, staging_dir(target))
    return target


def abandon(target: Path) -> None:
    shutil.rmtree(staging_dir(target), ignore_errors=True)

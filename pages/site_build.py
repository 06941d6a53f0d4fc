"""Where a build writes, so that a failed build never costs the last good site.

A build fills a staging folder beside its target (``.site.building``) and is swapped in
only when it succeeds; a failed build leaves the target exactly as it was. The instructor
edition goes to ``site-instructor/`` whenever the site folder is the default ``site/``, so
``site/`` (what ``make deploy`` publishes) never holds answer keys; an explicit
``--site-dir`` wins.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from engine import atomic

from .patching import patch_once

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


def link_generated_outputs(generated: Path) -> None:
    """Generated outputs (most of a site's bytes) go into the site as hard links, not copies.

    That is safe because nothing rewrites an output file in place: a generator's outputs land
    as a new folder renamed over the old one, so a file the site links keeps its content. A
    path that already exists is replaced, never written through. Anything else (theme files,
    the lecturer's assets, which an editor may rewrite in place) is copied as before, and so
    is an output where a link is impossible (another file system)."""
    from mkdocs import utils

    outputs = str(generated.resolve()) + os.sep

    def make(copy_file):  # type: ignore[no-untyped-def]
        def link_or_copy(source_path: str, output_path: str) -> None:
            if os.path.isdir(output_path):
                output_path = os.path.join(output_path, os.path.basename(source_path))
            if os.path.lexists(output_path):
                if os.path.exists(output_path) and os.path.samefile(source_path, output_path):
                    raise shutil.SameFileError(source_path, output_path)  # already there (MkDocs skips it)
                os.unlink(output_path)
            if os.path.realpath(source_path).startswith(outputs):
                os.makedirs(os.path.dirname(output_path), exist_ok=True)
                try:
                    os.link(source_path, output_path)
                    return
                except OSError:
                    pass
            copy_file(source_path, output_path)

        return link_or_copy

    patch_once(utils, "copy_file", make)

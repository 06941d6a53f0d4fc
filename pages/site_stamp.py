"""Is the built site up to date? Decided from a content hash of every input of the site.

After a successful build, hooks.py records a digest of the build's inputs; ``make site``
first runs ``python -m pages.site_stamp`` and skips the whole build (MkDocs, the theme,
every page) when nothing changed. The inputs are the sources (pages, templates, the code
that renders them, the generators and models behind the outputs), the generated outputs
and the generators' manifest, ``mkdocs.yml``, the params file, ``requirements.lock`` and
``package-lock.json``, the plotly bundle, ``EDITION`` and ``SITE_URL``, and the target
folder. Modification times never decide anything. When in doubt (a stamp missing or
unreadable), the site is rebuilt.

This module imports nothing heavy, so the check costs little more than reading the files.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

SOURCE_DIRS = ("site_src", "templates", "pages", "engine", "generators", "models")
SOURCE_FILES = ("hooks.py", "mkdocs.yml", "requirements.lock", "package-lock.json", ".cache/manifest.json")
STAMPS = ".cache/site-stamps"
SKIPPED_PARTS = frozenset({"__pycache__", ".git", "node_modules"})


def _files(root: Path) -> list[Path]:
    found: list[Path] = []
    for name in SOURCE_DIRS:
        for folder, dirs, files in os.walk(root / name):
            dirs[:] = sorted(d for d in dirs if d not in SKIPPED_PARTS and not d.startswith(".tmp-"))
            found += [Path(folder) / f for f in sorted(files) if not f.endswith(".pyc")]
    found += [root / name for name in SOURCE_FILES if (root / name).is_file()]
    return found


def inputs_digest(root: Path, target: Path, edition: str, params_file: Path, bundle: Path | None) -> str:
    digest = hashlib.sha256()
    settings = {"edition": edition, "site_url": os.environ.get("SITE_URL", ""), "target": str(target.resolve()),
                "params": str(params_file), "bundle": str(bundle)}
    digest.update(json.dumps(settings, sort_keys=True).encode())
    extra = [p for p in (params_file, bundle) if p is not None and p.is_file()]
    for path in [*_files(root), *extra]:
        digest.update(str(path.relative_to(root) if path.is_relative_to(root) else path).encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _stamp_path(root: Path, target: Path) -> Path:
    key = hashlib.sha256(str(target.resolve()).encode()).hexdigest()[:16]
    return root / STAMPS / f"{key}.json"


def record(root: Path, target: Path, digest: str) -> None:
    from engine import atomic

    atomic.write_text(_stamp_path(root, target), json.dumps({"target": str(target), "inputs": digest}))


def forget(root: Path, target: Path) -> None:
    _stamp_path(root, target).unlink(missing_ok=True)


def is_current(root: Path, target: Path, digest: str) -> bool:
    try:
        stamp = json.loads(_stamp_path(root, target).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return stamp.get("inputs") == digest and (target / "index.html").is_file()


def default_bundle(root: Path) -> Path | None:
    """The plotly.js bundle the build would serve (pages.plotly_bundle decides; mirrored
    cheaply here: a change of choice also changes package-lock.json or the venv's lock)."""
    partial = root / "node_modules/plotly.js-cartesian-dist-min/plotly-cartesian.min.js"
    return partial if partial.is_file() else None


def main(argv: list[str]) -> int:
    """Exit 0 when the site is up to date, 1 when it needs a build. With ``--build``
    (``make site``), build it then, in this process: one Python start, not two."""
    if "--build" in argv:
        argv = [a for a in argv if a != "--build"]
        if main(argv) == 0:
            return 0
        from mkdocs.__main__ import cli

        return cli.main(["build", "--quiet", *(["--site-dir", argv[0]] if argv else [])], prog_name="mkdocs",
                        standalone_mode=False) or 0
    root = Path(__file__).resolve().parent.parent
    edition = os.environ.get("EDITION") or "student"
    site_dir = Path(argv[0]).resolve() if argv else root / "site"
    default = site_dir == (root / "site").resolve()
    target = root / "site-instructor" if edition == "instructor" and default else site_dir
    params_file = Path(os.environ["IG_PARAMS"]).resolve() if os.environ.get("IG_PARAMS") else root / "params.yaml"
    if is_current(root, target, inputs_digest(root, target, edition, params_file, default_bundle(root))):
        shown = target.relative_to(root) if target.resolve().is_relative_to(root) else target
        print(f"{shown}/ is up to date ({edition} edition): no input changed since its last build.")
        return 0
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

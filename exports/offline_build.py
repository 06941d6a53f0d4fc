"""Build the site for reading from ``file://``: no instant navigation, no search.

Material's instant navigation fetches pages with XHR and its ``document$`` never fires on
``file://``; search runs in a web worker that ``file://`` cannot start. So the offline
build uses a temporary config that inherits ``mkdocs.yml`` (``INHERIT``) and overrides
only those two settings. It sits beside ``mkdocs.yml`` so every relative path in the
inherited config still resolves, and it is removed afterwards.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml
from mkdocs.utils.yaml import yaml_load

OFFLINE_BROKEN_FEATURES = ("navigation.instant",)
OFFLINE_BROKEN_PLUGINS = ("search",)


class OfflineBuildError(RuntimeError):
    pass


def offline_overrides(config: dict[str, Any]) -> dict[str, Any]:
    """The keys that differ from ``config`` (the loaded mkdocs.yml) in the offline build."""
    features = [
        f for f in config.get("theme", {}).get("features", [])
        if not any(f == broken or f.startswith(broken + ".") for broken in OFFLINE_BROKEN_FEATURES)
    ]
    plugins = [
        p for p in config.get("plugins", ["search"])
        if (p if isinstance(p, str) else next(iter(p))) not in OFFLINE_BROKEN_PLUGINS
    ]
    return {"INHERIT": "mkdocs.yml", "theme": {"features": features}, "plugins": plugins}


def load_config(root: Path) -> dict[str, Any]:
    """``mkdocs.yml`` as MkDocs reads it (``!ENV`` tags resolved, ``INHERIT`` merged)."""
    with open(root / "mkdocs.yml", "rb") as handle:
        return yaml_load(handle)


def build_offline_site(root: Path, edition: str, site_dir: Path, site_url: str | None = None) -> Path:
    """Run ``mkdocs build`` for ``edition`` into ``site_dir`` and return it.

    Its output (stale generators' progress, warnings) goes to this process's stderr.
    """
    overrides = offline_overrides(load_config(root))
    env = {**os.environ, "EDITION": edition, "NO_MKDOCS_2_WARNING": "1"}
    if site_url is not None:
        env["SITE_URL"] = site_url
    with tempfile.NamedTemporaryFile(
        "w", dir=root, prefix=".mkdocs-offline-", suffix=".yml", encoding="utf-8", delete=False
    ) as handle:
        yaml.safe_dump(overrides, handle, sort_keys=False)
        config_path = Path(handle.name)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "mkdocs", "build", "--quiet", "--config-file", str(config_path),
             "--site-dir", str(site_dir)],
            cwd=root, env=env, stdout=2, check=False,  # fd 2: our stderr
        )
    finally:
        config_path.unlink(missing_ok=True)
    if result.returncode != 0:
        raise OfflineBuildError(f"mkdocs build ({edition} edition, offline) failed (see above)")
    return site_dir

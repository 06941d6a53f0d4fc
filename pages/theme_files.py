"""The theme's static files (CSS, JavaScript, fonts, images) for a build, listed faster.

MkDocs 1.6 lists every file of every theme folder through Jinja and tests each one against
a dozen shell patterns. Material ships about 14,000 icons in a dot folder (``.icons/``) that
those patterns exclude anyway, so listing and testing them is most of the work. This walk
skips dot folders and dot files up front (what the patterns ``.*`` and ``*/.*`` exclude)
and tests the rest against the same patterns, as one regular expression, so the result is
MkDocs' own (tests/pages/test_theme_files.py compares the two).
"""

from __future__ import annotations

import fnmatch
import os
import re
from typing import Any


def static_paths(config: Any) -> list[str]:
    """Theme-relative paths of the files MkDocs would copy from the theme, sorted."""
    from mkdocs import utils

    patterns = ["*.py", "*.pyc", "*.html", "*readme*", "mkdocs_theme.yml", "locales/*",
                *(f"*{suffix}" for suffix in utils.markdown_extensions), *config.theme.static_templates]
    excluded = re.compile("|".join(fnmatch.translate(p) for p in patterns))
    found: set[str] = set()
    for base in config.theme.dirs:
        for folder, subdirs, names in os.walk(base):
            subdirs[:] = [d for d in subdirs if not d.startswith(".")]
            relative = os.path.relpath(folder, base).replace(os.sep, "/")
            for name in names:
                path = name if relative == "." else f"{relative}/{name}"
                if not name.startswith(".") and not excluded.match(path.lower()):
                    found.add(path)
    return sorted(found)


def add_files_from_theme(files: Any, env: Any, config: Any) -> None:
    """``Files.add_files_from_theme`` of MkDocs 1.6, on ``static_paths``."""
    from mkdocs.structure.files import File

    for path in static_paths(config):
        if files.get_file_from_path(path) is None:  # a docs file of the same path wins
            for folder in config.theme.dirs:
                if os.path.isfile(os.path.join(folder, path)):
                    files.append(File(path, folder, config.site_dir, config.use_directory_urls))
                    break

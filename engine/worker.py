"""Run stale generators in the background while ``mkdocs serve`` keeps serving.

Generators run in a subprocess (``python -m generators``), so an edited model module is
imported fresh every time, and a crash cannot take the server down. Their outputs land
in ``site_src/generated/``, which the server watches, so the page reloads by itself.
After each run the worker writes ``generated/.status.json`` (a dotfile: never part of the
site, but watched), so a failure also reloads the page, which then says it failed.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from . import atomic

log = logging.getLogger("mkdocs.hooks.generators")


def _outside_builds() -> None:
    """The worker's messages go to the terminal as MkDocs' own do, but not through the
    ``mkdocs`` logger, where strict mode counts warnings and errors: a background run that
    fails while a build is under way must not abort that build (the page says it failed)."""
    if log.handlers:
        return
    from mkdocs.utils import CountHandler

    for handler in logging.getLogger("mkdocs").handlers:
        if not isinstance(handler, CountHandler):
            log.addHandler(handler)
    log.setLevel(logging.getLogger("mkdocs").getEffectiveLevel())
    log.propagate = not log.handlers

StaleFn = Callable[[], dict[str, str]]
"""Returns the stale generators, name -> cache key."""


class GeneratorWorker:
    def __init__(self, root: Path, status_file: Path):
        _outside_builds()
        self.root = root
        self.status_file = status_file
        self._lock = threading.Lock()
        self._failed: dict[str, str] = {}
        self._again = False
        self._thread: threading.Thread | None = None
        self.runs = 0
        """Background runs finished so far (outputs landed or a failure recorded)."""

    @property
    def failed(self) -> set[str]:
        """Generators whose last background run failed (their pages say so)."""
        with self._lock:
            return set(self._failed)

    def _worth_running(self, stale: dict[str, str]) -> list[str]:
        # A generator that failed is retried only once its inputs change (its key moves):
        # re-running it unchanged would fail again and reload the page in a loop.
        return sorted(name for name, key in stale.items() if self._failed.get(name) != key)

    def request(self, stale: dict[str, str], recheck: StaleFn) -> None:
        """Bring ``stale`` up to date in the background."""
        with self._lock:
            todo = self._worth_running(stale)
            if not todo:
                return
            if self._thread is not None and self._thread.is_alive():
                self._again = True
                return
            self._thread = threading.Thread(target=self._loop, args=(todo, recheck), daemon=True)
            self._thread.start()

    def _loop(self, todo: list[str], recheck: StaleFn) -> None:
        while todo:
            log.info("generators: running %s in the background", ", ".join(todo))
            code = subprocess.call([sys.executable, "-m", "generators", *todo], cwd=self.root)
            if code != 0:
                log.error("generators: %s failed (exit %d); previous outputs kept", ", ".join(todo), code)
            still_stale = recheck()
            with self._lock:
                for name in todo:
                    self._failed.pop(name, None)
                    if code != 0 and name in still_stale:
                        self._failed[name] = still_stale[name]
                again, self._again = self._again, False
                todo = self._worth_running(still_stale) if again else []
                failed = sorted(self._failed)
                self.runs += 1
            self._write_status(failed)

    def _write_status(self, failed: list[str]) -> None:
        # Outputs that land reload the page by themselves; this file reloads it when a
        # generator fails (no outputs land). The watcher ignores a write that changes
        # nothing, so the same failures again cause no extra rebuild.
        atomic.write_text(self.status_file, json.dumps({"failed": failed}))

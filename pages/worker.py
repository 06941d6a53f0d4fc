"""Run stale generators in the background while ``mkdocs serve`` keeps serving.

Generators run in a subprocess (``python -m generators``), so an edited model module is
imported fresh every time, and a crash cannot take the server down. Their outputs land
in ``site_src/generated/``, which the server watches, so the page reloads by itself.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
from pathlib import Path

log = logging.getLogger("mkdocs.hooks.generators")


class GeneratorWorker:
    def __init__(self, root: Path):
        self.root = root
        self._lock = threading.Lock()
        self._running: set[str] = set()
        self._again = False
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> set[str]:
        with self._lock:
            return set(self._running)

    def request(self, stale: list[str], recheck) -> None:
        """Bring ``stale`` up to date; ``recheck()`` lists what is stale after a run."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                self._again = True
                return
            self._running = set(stale)
            self._thread = threading.Thread(target=self._loop, args=(stale, recheck), daemon=True)
            self._thread.start()

    def _loop(self, stale: list[str], recheck) -> None:
        while stale:
            log.info("generators: running %s in the background", ", ".join(stale))
            code = subprocess.call([sys.executable, "-m", "generators", *stale], cwd=self.root)
            if code != 0:
                log.error("generators: %s failed (exit %d); previous outputs kept", ", ".join(stale), code)
            with self._lock:
                again, self._again = self._again, False
            stale = recheck() if again else []
            if code != 0:
                failed = set(self._running)
                stale = [name for name in stale if name not in failed]
            with self._lock:
                self._running = set(stale)

"""The file watcher of ``mkdocs serve``: one change, one rebuild.

MkDocs polls every 0.5 s; the OS's change notifications (inotify, FSEvents,
ReadDirectoryChangesW) show an edit at once. But inotify also reports files being opened
and read, and MkDocs rebuilds on any event, so a build that reads watched files would
trigger the next build, without end. This watcher passes on only what changes content:

- created, modified, deleted and moved events (never opened or closed-without-write);
- of files whose content hash differs from the last one seen (saving a file unchanged,
  or an editor touching it, is not a change);
- never of caches and temporary files (``__pycache__``, ``.tmp-*``, editor swap files),
  except the serve worker's status file, which reloads a page whose generator failed.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from pathlib import Path
from typing import Any

from watchdog.events import (
    EVENT_TYPE_CREATED,
    EVENT_TYPE_DELETED,
    EVENT_TYPE_MODIFIED,
    EVENT_TYPE_MOVED,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer

from .layout import STATUS_FILE

log = logging.getLogger("mkdocs.hooks.watch")
CHANGES = frozenset({EVENT_TYPE_CREATED, EVENT_TYPE_MODIFIED, EVENT_TYPE_DELETED, EVENT_TYPE_MOVED})
_GONE = "gone"
UNKNOWN = "*"
"""A change that is not one file: a folder (a generator's outputs) moved into place."""


def ignored(path: str) -> bool:
    parts = Path(path).parts
    name = parts[-1] if parts else ""
    if name == STATUS_FILE:
        return False
    return (
        "__pycache__" in parts
        or any(p.startswith(".") for p in parts[-3:])  # dotfiles and staging folders (.tmp-x/, .old-x/)
        or name.endswith(("~", ".swp", ".swx", ".tmp", ".pyc"))
    )


class ContentChanges:
    """Remembers each watched file's content hash; says whether an event changed it, and
    which files changed since the builder last asked (``take``)."""

    def __init__(self) -> None:
        self._digests: dict[str, str] = {}
        self._lock = threading.Lock()
        self._pending: set[str] = set()

    def note(self, path: str) -> None:
        with self._lock:
            self._pending.add(path)

    def take(self) -> set[str]:
        """The changed paths (``UNKNOWN`` for a folder moved into place) since the last call."""
        with self._lock:
            taken, self._pending = self._pending, set()
        return taken

    @staticmethod
    def _digest(path: str) -> str:
        try:
            with open(path, "rb") as handle:
                return hashlib.sha256(handle.read()).hexdigest()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return _GONE
        except OSError:
            return f"unreadable-{os.urandom(4).hex()}"  # count it as a change; the build reports it

    def prime(self, root: str) -> None:
        for folder, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if not ignored(os.path.join(folder, d))]
            for name in files:
                path = os.path.join(folder, name)
                if not ignored(path):
                    self._digests[path] = self._digest(path)

    def changed(self, path: str) -> bool:
        digest = self._digest(path)
        with self._lock:
            before = self._digests.get(path)
            self._digests[path] = digest
        return digest != before and not (before is None and digest == _GONE)


def _handler(server: Any, changes: ContentChanges) -> FileSystemEventHandler:
    def on_any_event(event: FileSystemEvent) -> None:
        if event.event_type not in CHANGES:
            return
        if event.is_directory:
            # A generator's outputs land as one folder renamed into place.
            if event.event_type != EVENT_TYPE_MOVED or ignored(str(event.dest_path)):
                return
            changes.prime(str(event.dest_path))
            changes.note(UNKNOWN)
        else:
            paths = [str(event.src_path)]
            if event.event_type == EVENT_TYPE_MOVED:
                paths.append(str(event.dest_path))
            changed = [p for p in paths if not ignored(p) and changes.changed(p)]
            if not changed:
                return
            for path in changed:
                changes.note(path)
        log.debug("changed: %s", event)
        with server._rebuild_cond:
            server._want_rebuild = True
            server._rebuild_cond.notify_all()

    handler = FileSystemEventHandler()
    handler.on_any_event = on_any_event  # type: ignore[method-assign]
    return handler


def install(server: Any, extra_paths: list[str]) -> ContentChanges:
    """Replace the LiveReloadServer's polling observer (MkDocs 1.6's attributes) with
    OS notifications filtered to content changes, over its paths plus ``extra_paths``;
    the changes, for the builder to ``take``."""
    watched = list(server._watched_paths)
    for path in watched:
        server.unwatch(path)
    server.observer = Observer()
    changes = ContentChanges()
    handler = _handler(server, changes)
    for path in dict.fromkeys([*watched, *extra_paths]):
        if not os.path.exists(path):
            continue
        changes.prime(path) if os.path.isdir(path) else changes.changed(path)
        folder = path if os.path.isdir(path) else os.path.dirname(path)
        server._watched_paths[path] = 1
        server._watch_refs[path] = server.observer.schedule(handler, folder, recursive=os.path.isdir(path))
    return changes

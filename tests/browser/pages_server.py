"""A static server that answers like GitHub Pages: a missing path gets the site's 404.html
with status 404, and a folder without index.html is missing too (no listings)."""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path


class PagesHandler(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *args, not_found: Path, **kwargs):
        self.not_found = not_found
        super().__init__(*args, **kwargs)

    def log_message(self, *args):
        pass

    def list_directory(self, path):
        self.send_error(404)
        return None

    def send_error(self, code, message=None, explain=None):
        if code != 404 or not self.not_found.is_file():
            super().send_error(code, message, explain)
            return
        body = self.not_found.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def serve_like_pages(root: Path, subpath: str) -> tuple[str, http.server.ThreadingHTTPServer]:
    """Serve ``root`` (whose ``subpath`` folder holds the site) on a free port; return the
    site's URL (``http://127.0.0.1:PORT/<subpath>/``) and the server, to shut down."""
    handler = functools.partial(PagesHandler, directory=str(root), not_found=root / subpath / "404.html")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/{subpath}/", server

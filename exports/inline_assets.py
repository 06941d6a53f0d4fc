"""Turn a built site's files into text that can sit inside one HTML file.

- Images and downloads become ``data:`` URIs. SVG stays readable text (percent-encoding
  only what a URL or an attribute cannot hold), which is about 25% smaller than base64.
- Stylesheets and scripts become element content, with their source-map comments dropped
  (the maps are not inlined) and the sequences that would end the element escaped.
"""

from __future__ import annotations

import base64
import gzip
import mimetypes
import re
from pathlib import Path
from urllib.parse import quote

SOURCE_MAP = re.compile(r"^\s*(//[#@] sourceMappingURL=\S*|/\*[#@] sourceMappingURL=[^*]*\*/)\s*$", re.MULTILINE)
SVG_SAFE = " !$'()*+,-./:;=?@[]_~{}|^`"  # not < > (an attribute holds them as &lt; &gt;)
TYPES = {".svg": "image/svg+xml", ".js": "text/javascript", ".css": "text/css", ".woff2": "font/woff2"}


class InlineError(RuntimeError):
    """An asset could not be inlined; the message names the page and the file."""


def read_asset(site_dir: Path, site_path: str, page: str) -> bytes:
    """The bytes of ``site_path`` in the built site, or a clear error naming ``page``."""
    file = (site_dir / site_path).resolve()
    if not file.is_relative_to(site_dir.resolve()) or not file.is_file():
        raise InlineError(f"{page}: cannot inline {site_path!r}: no such file in the built site")
    return file.read_bytes()


def media_type(name: str) -> str:
    suffix = Path(name).suffix.lower()
    return TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"


def data_uri(name: str, content: bytes) -> str:
    kind = media_type(name)
    if kind == "image/svg+xml":
        text = content.decode("utf-8")
        return f"data:{kind};charset=utf-8," + quote(text, safe=SVG_SAFE)
    return f"data:{kind};base64," + base64.b64encode(content).decode("ascii")


def script_text(source: str, name: str) -> str:
    """JavaScript that is safe as the content of an inline ``<script>`` element."""
    source = SOURCE_MAP.sub("", source)
    if "<!--" in source:
        # Inside a script, "<!--" changes how the HTML parser looks for "</script>", and no
        # escape of it is valid in every JavaScript context.
        raise InlineError(f"cannot inline {name}: it contains '<!--'")
    # Only string literals, regular expressions and comments can hold "</script", and in
    # all three "<\/" means the same ("/" may be escaped even in a /u regular expression).
    return re.sub(r"</(script)", r"<\\/\1", source, flags=re.IGNORECASE)


def style_text(source: str) -> str:
    """CSS that is safe as the content of an inline ``<style>`` element."""
    source = SOURCE_MAP.sub("", source)
    return re.sub(r"</(style)", r"<\\/\1", source, flags=re.IGNORECASE)


def css_urls(source: str) -> list[str]:
    """``url(...)`` references in CSS that would make a request (not ``data:`` or fragments)."""
    found = re.findall(r"url\(\s*(['\"]?)([^'\")]+)\1\s*\)", source)
    return [url for _, url in found if not url.startswith(("data:", "#"))]


def packed(source: str) -> str:
    """``source`` gzipped (reproducibly: no timestamp) and base64-encoded: about a third of
    the size of minified JavaScript or JSON, and safe as the content of any element."""
    return base64.b64encode(gzip.compress(source.encode("utf-8"), compresslevel=9, mtime=0)).decode("ascii")

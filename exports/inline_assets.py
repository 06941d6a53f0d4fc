"""Turn a built site's files into text that can sit inside one HTML file.

- Images and downloads become ``data:`` URIs. SVG stays readable text (percent-encoding
  only what a URL or an attribute cannot hold), which is about 25% smaller than base64,
  after an XML round trip that drops what no reader sees: metadata, comments, layout
  whitespace, and the spaces that SVG's path and transform grammars make optional.
- Stylesheets and scripts become element content, with their source-map comments dropped
  (the maps are not inlined) and the sequences that would end the element escaped. A
  stylesheet's fonts (KaTeX's) become data: URIs, only those of font families that some
  rule applies to an element of the file.
"""

from __future__ import annotations

import base64
import gzip
import mimetypes
import posixpath
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote
from xml.dom import minidom
from xml.parsers.expat import ExpatError

SOURCE_MAP = re.compile(r"^\s*(//[#@] sourceMappingURL=\S*|/\*[#@] sourceMappingURL=[^*]*\*/)\s*$", re.MULTILINE)
SVG_SAFE = "!$'()*+,-./:;=?@_~"  # URL code points only: no space, no < > [ ] { } | ^ `
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
        text = minified_svg(content.decode("utf-8"))
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


def packed(source: str) -> str:
    """``source`` gzipped (reproducibly: no timestamp) and base64-encoded: about a third of
    the size of minified JavaScript or JSON, and safe as the content of any element."""
    return base64.b64encode(gzip.compress(source.encode("utf-8"), compresslevel=9, mtime=0)).decode("ascii")


def _short_number(token: str) -> str:
    """A coordinate with the digits no eye or printer resolves dropped: at least 4 significant
    digits and 2 decimals kept (1/100 pt is about 1/24 of a 300-DPI printer dot)."""
    try:
        value = float(token)
    except ValueError:
        return token
    decimals = max(2, 4 - len(str(int(abs(value)))))
    short = f"{value:.{decimals}f}".rstrip("0").rstrip(".")
    short = "0" if short in ("-0", "") else short
    return short if len(short) < len(token) else token


def _path_data(value: str) -> str:
    """``M 0 1 L 2 3.14159 z`` -> ``M0,1L2,3.142z``: SVG path data needs no space beside a
    command, and its numbers keep the digits that show."""
    out: list[str] = []
    previous_number = False
    for token in value.split():
        number = not token.isalpha()
        if number and previous_number:
            out.append(",")
        out.append(_short_number(token) if number else token)
        previous_number = number
    return "".join(out)


COORDINATES = {"x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "rx", "ry", "width", "height"}


def _compact(name: str, value: str) -> str:
    if name == "d" and all(token.isalpha() or re.fullmatch(r"[-+.\deE]+", token) for token in value.split()):
        return _path_data(value)
    if name in COORDINATES:
        return _short_number(value)
    if name in ("transform", "points", "viewBox"):
        return ",".join(value.split()).replace("(,", "(").replace(",)", ")")
    if name == "style":
        return re.sub(r"\s*([:;])\s*", r"\1", value.strip())
    return value


def _xml(node: Any, out: list[str]) -> None:
    if node.nodeType == node.TEXT_NODE:
        out.append(node.data.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))
    elif node.nodeType == node.CDATA_SECTION_NODE:
        out.append(f"<![CDATA[{node.data}]]>")
    elif node.nodeType == node.ELEMENT_NODE:
        values = {name: _compact(name, value) for name, value in node.attributes.items()}
        attrs = "".join(
            " {}='{}'".format(name, value.replace("&", "&amp;").replace("<", "&lt;").replace("'", "&apos;"))
            for name, value in values.items()
        )
        if not node.childNodes:
            out.append(f"<{node.tagName}{attrs}/>")
            return
        out.append(f"<{node.tagName}{attrs}>")
        for child in node.childNodes:
            _xml(child, out)
        out.append(f"</{node.tagName}>")


def _strip(node: Any) -> None:
    for child in list(node.childNodes):
        drop = (child.nodeType == child.COMMENT_NODE
                or (child.nodeType == child.TEXT_NODE and not child.data.strip() and "\n" in child.data)
                or (child.nodeType == child.ELEMENT_NODE and child.tagName == "metadata"))
        if drop:
            node.removeChild(child)
        elif child.nodeType == child.ELEMENT_NODE:
            _strip(child)


def minified_svg(text: str) -> str:
    """The same picture in fewer characters (see the module docstring); text that does not
    parse as XML is returned as it is."""
    try:
        root = minidom.parseString(text.encode("utf-8")).documentElement
    except ExpatError:
        return text
    _strip(root)
    _hoist_marker_styles(root)
    out: list[str] = []
    _xml(root, out)
    return "".join(out)


INHERITED = {"fill", "fill-opacity", "fill-rule", "stroke", "stroke-opacity", "stroke-width", "stroke-linecap",
             "stroke-linejoin", "stroke-miterlimit", "stroke-dasharray", "stroke-dashoffset"}


def _hoist_marker_styles(node: Any) -> None:
    """A group of ``<use>`` elements that all carry one style (matplotlib's markers: one
    ``<use>`` per point) gets that style once, on the group. Only inherited properties move,
    so every marker is drawn as before."""
    children = [child for child in node.childNodes if child.nodeType == child.ELEMENT_NODE]
    styles = {child.getAttribute("style") for child in children}
    if (node.tagName == "g" and len(children) > 1 and not node.hasAttribute("style")
            and all(child.tagName == "use" for child in children) and len(styles) == 1):
        style = styles.pop()
        declared = {part.split(":")[0].strip() for part in style.split(";") if part.strip()}
        if style and declared <= INHERITED:
            node.setAttribute("style", style)
            for child in children:
                child.removeAttribute("style")
    for child in children:
        _hoist_marker_styles(child)


FONT_FACE = re.compile(r"@font-face\s*\{(?P<body>[^{}]*)\}")
CSS_RULE = re.compile(r"(?P<selectors>[^{}@;]+)\{(?P<body>[^{}]*)\}")
FAMILY = re.compile(r"font-family\s*:\s*(?P<families>[^;}]+)")
URL = re.compile(r"url\(\s*(['\"]?)(?P<url>[^'\")]+)\1\s*\)")


def _first_family(families: str) -> str:
    return families.split(",")[0].strip().strip("'\"")


def used_font_families(css: str, classes: set[str]) -> set[str]:
    """Families named first in a rule whose selector could match: every class in one of its
    selectors is a class used in the document (a selector without classes always counts)."""
    used = set()
    for rule in CSS_RULE.finditer(FONT_FACE.sub("", css)):
        family = FAMILY.search(rule.group("body"))
        if family is None:
            continue
        for selector in rule.group("selectors").split(","):
            if set(re.findall(r"\.([\w-]+)", selector)) <= classes:
                used.add(_first_family(family.group("families")))
                break
    return used


def inline_css_urls(css: str, css_path: str, read: Callable[[str], bytes], classes: set[str] | None) -> str:
    """``css`` (served at ``css_path``) with every ``url()`` to a site file as a data: URI;
    ``@font-face`` rules of families no element uses (given the document's ``classes``) go."""
    used = used_font_families(css, classes) if classes is not None else None

    def font_face(match: re.Match) -> str:
        family = FAMILY.search(match.group("body"))
        if used is not None and family is not None and _first_family(family.group("families")) not in used:
            return ""
        return match.group(0)

    def url(match: re.Match) -> str:
        target = match.group("url")
        if target.startswith(("data:", "#")):
            return match.group(0)
        path = posixpath.normpath(posixpath.join(posixpath.dirname(css_path), target.split("#")[0].split("?")[0]))
        return f'url("{data_uri(path, read(path))}")'

    return URL.sub(url, FONT_FACE.sub(font_face, css))

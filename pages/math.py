"""Build-time math: LaTeX written as ``$...$`` / ``$$...$$`` becomes KaTeX HTML.

pymdownx.arithmatex (generic mode) finds the math and leaves it as ``\\(...\\)`` and
``\\[...\\]`` in marked spans; this module swaps each for KaTeX's output: HTML laid out with
KaTeX's CSS and fonts (print quality: big operators, stretchy delimiters), plus hidden MathML
for screen readers. Pages need no math JavaScript.

KaTeX runs in Node (``pages/katex_render.mjs``, installed by ``npm ci``). One Node process
serves the whole build, and stays alive across rebuilds while ``mkdocs serve`` runs;
rendered formulas are cached, so an edit re-renders only new formulas.

Why KaTeX: screenshots of every formula on the site, side by side, with latex2mathml and
Temml (MathML) in Chromium. Without an OpenType math font on the reader's machine, MathML
keeps sums and limits small and leaves ``\\left( \\right)`` unstretched; shipping such a font
(Latin Modern Math) costs more than KaTeX's fonts, which npm ships with KaTeX.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RENDERER = Path(__file__).with_name("katex_render.mjs")
KATEX_DIST = ROOT / "node_modules" / "katex" / "dist"
# Where the site serves KaTeX's stylesheet and fonts (hooks.py adds them to the build).
CSS_SITE_PATH = "assets/vendor/katex/katex.min.css"

ARITHMATEX = re.compile(
    r'<(?P<tag>span|div) class="arithmatex">\s*(?:\\\((?P<inline>.*?)\\\)|\\\[(?P<block>.*?)\\\])\s*</(?P=tag)>',
    re.DOTALL,
)
# KaTeX's @font-face rules list woff2, woff and ttf; every browser the site supports reads
# woff2, so the others go (the email file inlines one format, not three).
FONT_FALLBACKS = re.compile(r',url\(fonts/[^)]+\.(?:woff|ttf)\) format\("(?:woff|truetype)"\)')


class MathError(ValueError):
    """A formula KaTeX cannot render. ``latex`` is the formula, for finding its line."""

    def __init__(self, message: str, latex: str = ""):
        super().__init__(message)
        self.latex = latex


def _check_braces(latex: str) -> None:
    depth = 0
    for i, char in enumerate(latex):
        if char == "{" and (i == 0 or latex[i - 1] != "\\"):
            depth += 1
        elif char == "}" and (i == 0 or latex[i - 1] != "\\"):
            depth -= 1
            if depth < 0:
                raise MathError(f"cannot render math ${latex.strip()}$: unbalanced '}}'", latex)
    if depth:
        raise MathError(f"cannot render math ${latex.strip()}$: unbalanced '{{'", latex)


class _Katex:
    """The one Node process that renders with KaTeX, started on first use."""

    def __init__(self) -> None:
        self._process: subprocess.Popen | None = None
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, bool], str] = {}

    def _start(self) -> subprocess.Popen:
        node = shutil.which("node")
        if node is None or not (KATEX_DIST / "katex.mjs").exists():
            raise MathError(
                "math needs Node.js and KaTeX: install Node (`sudo apt-get install nodejs npm`, or from "
                "https://nodejs.org), then run `npm ci` in the project folder (`make` does both where it can)"
            )
        return subprocess.Popen(
            [node, str(RENDERER)], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            encoding="utf-8", bufsize=1,
        )

    def render(self, items: list[tuple[str, bool]]) -> dict[tuple[str, bool], str]:
        """HTML for each (latex, display); raises MathError on the first formula KaTeX rejects."""
        with self._lock:
            missing = list(dict.fromkeys(item for item in items if item not in self._cache))
            if missing:
                if self._process is None or self._process.poll() is not None:
                    self._process = self._start()
                request = {"items": [{"tex": tex, "display": display} for tex, display in missing]}
                stdin, stdout = self._process.stdin, self._process.stdout
                assert stdin is not None and stdout is not None  # started with PIPEs
                stdin.write(json.dumps(request) + "\n")
                stdin.flush()
                answer = stdout.readline()
                if not answer:
                    self._process = None
                    raise MathError("the KaTeX renderer (pages/katex_render.mjs) stopped; run `npm ci`")
                for item, result in zip(missing, json.loads(answer)["results"], strict=True):
                    if "error" in result:
                        raise MathError(f"cannot render math ${item[0]}$: {result['error']}", item[0])
                    self._cache[item] = result["html"]
            return {item: self._cache[item] for item in items}


_KATEX = _Katex()


def latex_to_html(latex: str, block: bool) -> str:
    latex = latex.strip()
    _check_braces(latex)
    return _KATEX.render([(latex, block)])[(latex, block)]


def render_math(page_html: str) -> str:
    matches = list(ARITHMATEX.finditer(page_html))
    if not matches:
        return page_html
    items = []
    for match in matches:
        block = match.group("block") is not None
        latex = html.unescape(match.group("block") if block else match.group("inline")).strip()
        _check_braces(latex)
        items.append((latex, block))
    rendered = _KATEX.render(items)
    parts, end = [], 0
    for match, item in zip(matches, items, strict=True):
        markup = rendered[item]
        if item[1]:  # a display formula wider than the column scrolls, so it takes keyboard focus
            markup = f'<div class="ig-math" tabindex="0">{markup}</div>'
        parts += [page_html[end:match.start()], markup]
        end = match.end()
    return "".join(parts) + page_html[end:]


def source_line(markdown: str, latex: str) -> int | None:
    """1-based line of ``markdown`` where the formula ``latex`` starts (for error messages)."""
    first = latex.strip().splitlines()[0].strip() if latex.strip() else ""
    if not first:
        return None
    for number, line in enumerate(markdown.splitlines(), start=1):
        if first in line:
            return number
    return None


def site_assets() -> dict[str, bytes]:
    """Files the site serves for KaTeX: site path -> content. The stylesheet keeps only the
    woff2 fonts, which sit next to it in ``fonts/``."""
    css = (KATEX_DIST / "katex.min.css").read_text(encoding="utf-8")
    assets = {CSS_SITE_PATH: FONT_FALLBACKS.sub("", css).encode()}
    folder = CSS_SITE_PATH.rsplit("/", 1)[0]
    for font in sorted((KATEX_DIST / "fonts").glob("*.woff2")):
        assets[f"{folder}/fonts/{font.name}"] = font.read_bytes()
    return assets

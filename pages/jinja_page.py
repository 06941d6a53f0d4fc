"""Render a page's Markdown through Jinja before Markdown runs.

- StrictUndefined: an unknown name fails the build.
- Every error is reported as ``file:line: message``, the line being the Markdown line.
- Fenced code stays literal: fences are wrapped in ``{% raw %}`` before Jinja sees them.
"""

from __future__ import annotations

import re
import traceback
from pathlib import Path

import jinja2

FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,})")


class PageError(Exception):
    """A page could not be rendered; ``str`` is ``path:line: message``."""

    def __init__(self, path: str, line: int | None, message: str):
        self.path, self.line, self.message = path, line, message
        super().__init__(f"{path}:{line}: {message}" if line else f"{path}: {message}")


def protect_fences(markdown: str) -> str:
    """Wrap each fenced code block in raw tags, keeping the line count unchanged."""
    lines = markdown.split("\n")
    out: list[str] = []
    open_fence: str | None = None
    for line in lines:
        match = FENCE.match(line)
        if open_fence is None and match:
            open_fence = match.group("fence")
            out.append("{% raw %}" + line)
        elif open_fence is not None and match and match.group("fence").startswith(open_fence[0]) and len(
            match.group("fence")
        ) >= len(open_fence) and line.strip() == match.group("fence"):
            open_fence = None
            out.append(line + "{% endraw %}")
        else:
            out.append(line)
    if open_fence is not None:
        out[-1] += "{% endraw %}"
    return "\n".join(out)


def _template_line(exc: BaseException, filename: str) -> int | None:
    if isinstance(exc, jinja2.TemplateSyntaxError) and exc.lineno:
        return exc.lineno
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename == filename and frame.lineno:
            return frame.lineno
    return None


def render(env: jinja2.Environment, markdown: str, path: str, context: dict | None = None) -> str:
    """Render ``markdown`` as a Jinja template named after ``path``."""
    source = protect_fences(markdown)
    try:
        code = env.compile(source, name=path, filename=path)
        template = env.template_class.from_code(env, code, env.make_globals(None))
        return template.render(context or {})
    except PageError:
        raise
    except jinja2.UndefinedError as exc:
        raise PageError(path, _template_line(exc, path), f"{exc.message} (unknown component or variable)") from exc
    except jinja2.TemplateSyntaxError as exc:
        raise PageError(path, _template_line(exc, path), f"template syntax: {exc.message}") from exc
    except Exception as exc:  # a component raised: report it at the calling line
        raise PageError(path, _template_line(exc, path), str(exc)) from exc


def source_offset(path: Path, markdown: str) -> int:
    """How many source lines precede ``markdown`` in the file at ``path``."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError:
        return 0
    index = text.find(markdown[:200]) if markdown else -1
    return text.count("\n", 0, index) if index > 0 else 0

"""Build-time math: LaTeX written as ``$...$`` / ``$$...$$`` becomes MathML.

pymdownx.arithmatex (generic mode) finds the math and leaves it as ``\\(...\\)`` and
``\\[...\\]`` in marked spans; this module swaps each for MathML, which browsers render
natively, without fonts or JavaScript, and which screen readers read.
"""

from __future__ import annotations

import html
import re

from latex2mathml.converter import convert

ARITHMATEX = re.compile(
    r'<(?P<tag>span|div) class="arithmatex">\s*(?:\\\((?P<inline>.*?)\\\)|\\\[(?P<block>.*?)\\\])\s*</(?P=tag)>',
    re.DOTALL,
)


class MathError(ValueError):
    pass


UNKNOWN_COMMAND = re.compile(r">(\\[A-Za-z]+)<")


def _check_braces(latex: str) -> None:
    depth = 0
    for i, char in enumerate(latex):
        if char == "{" and (i == 0 or latex[i - 1] != "\\"):
            depth += 1
        elif char == "}" and (i == 0 or latex[i - 1] != "\\"):
            depth -= 1
            if depth < 0:
                raise MathError(f"cannot render math ${latex.strip()}$: unbalanced '}}'")
    if depth:
        raise MathError(f"cannot render math ${latex.strip()}$: unbalanced '{{'")


def latex_to_mathml(latex: str, block: bool) -> str:
    _check_braces(latex)
    try:
        mathml = convert(latex.strip(), display="block" if block else "inline")
    except Exception as exc:  # latex2mathml raises many types for bad input
        raise MathError(f"cannot render math ${latex.strip()}$: {exc}") from exc
    unknown = UNKNOWN_COMMAND.search(mathml)
    if unknown:
        raise MathError(f"cannot render math ${latex.strip()}$: unknown command {unknown.group(1)}")
    label = html.escape(latex.strip(), quote=True)
    return mathml.replace("<math ", f'<math alttext="{label}" ', 1)


def render_math(page_html: str) -> str:
    def replace(match: re.Match) -> str:
        block = match.group("block") is not None
        latex = html.unescape(match.group("block") if block else match.group("inline"))
        mathml = latex_to_mathml(latex, block)
        return f'<div class="ig-math">{mathml}</div>' if block else mathml

    return ARITHMATEX.sub(replace, page_html)

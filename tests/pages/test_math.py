from __future__ import annotations

import re
from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser

from pages import math as page_math
from pages.math import MathError, render_math, site_assets, source_line

# Raw LaTeX in a page's visible text: a backslash command, or a $ delimiter.
RAW_LATEX = re.compile(r"\\[A-Za-z|{}]|\$")


def inline(latex: str) -> str:
    return f'<span class="arithmatex">\\({latex}\\)</span>'


def block(latex: str) -> str:
    return f'<div class="arithmatex">\\[{latex}\\]</div>'


def visible_text(html: str) -> str:
    """Text a reader sees: KaTeX's hidden MathML (which repeats the LaTeX for screen
    readers as an annotation) and code left out."""
    tree = LexborHTMLParser(html)
    for node in tree.css("pre, code, script, style, .katex-mathml"):
        node.decompose()
    return tree.body.text(separator=" ") if tree.body else ""


def test_inline_and_block_math_become_katex_with_mathml_for_screen_readers():
    html = "<p>Loss " + inline("\\log V") + ".</p>" + block("\\frac{a}{b} &lt; c")
    out = render_math(html)
    assert "arithmatex" not in out
    assert out.count('class="katex"') == 2 and out.count('class="katex-display"') == 1
    assert '<div class="ig-math" tabindex="0">' in out  # a wide formula scrolls, reachable by keyboard
    assert '<annotation encoding="application/x-tex">\\log V</annotation>' in out
    assert "<mfrac>" in out and "&lt;" in out  # the less-than sign survived as an operator
    assert not RAW_LATEX.search(visible_text(out))


@pytest.mark.parametrize("latex", ["\\|\\epsilon - \\epsilon_\\theta(x_t, t)\\|^2", "\\bar\\alpha_t = \\prod_{s=1}^{t} \\alpha_s",
                                   "D_{\\mathrm{KL}}\\big(q \\,\\|\\, p\\big)", "\\operatorname{softmax}(z)"])
def test_no_latex_reaches_the_text(latex):
    text = visible_text(render_math(inline(latex)))
    assert text.strip() and not RAW_LATEX.search(text), text


def test_display_sums_are_large_and_left_right_stretch():
    out = render_math(block("\\frac{1}{2}\\sum_{j=1}^{d} \\left(\\frac{a}{b}\\right)"))
    assert "large-op" in out  # a display sum uses the big operator, limits above and below
    assert "delimsizing" in out  # \left( \right) grow to the fraction's height
    small = render_math(inline("\\left(a\\right)"))
    assert "delimsizing" not in small


@pytest.mark.parametrize("latex,why", [("x^", "Expected group"), ("\\sigmaa(x)", "Undefined control sequence: \\\\sigmaa"),
                                       ("{a", "unbalanced"), ("é", "strict")])
def test_bad_latex_is_a_clear_error(latex, why):
    with pytest.raises(MathError, match=why) as info:
        render_math(f"<p>{inline(latex)}</p>")
    assert info.value.latex == latex


def test_one_process_renders_every_page_and_caches_formulas():
    render_math(inline("a_1"))
    process = page_math._KATEX._process
    assert process is not None and process.poll() is None
    for i in range(5):
        render_math(f"<p>{inline(f'x_{i}')}{block(f'y^{i}')}</p>")
    assert page_math._KATEX._process is process
    assert ("x_4", False) in page_math._KATEX._cache and ("y^4", True) in page_math._KATEX._cache


def test_source_line_finds_the_formula():
    markdown = "# Title\n\nSome text $a + b$.\n\n$$\n\\sigmaa(x)\n$$\n"
    assert source_line(markdown, "\\sigmaa(x)") == 6
    assert source_line(markdown, "a + b") == 3
    assert source_line(markdown, "zzz") is None


def test_the_site_serves_katex_css_with_woff2_fonts_only():
    assets = site_assets()
    css = assets[page_math.CSS_SITE_PATH].decode()
    fonts = set(re.findall(r"url\(([^)]+)\)", css))
    assert fonts and all(font.endswith(".woff2") for font in fonts)
    folder = page_math.CSS_SITE_PATH.rsplit("/", 1)[0]
    assert {f"{folder}/{font}" for font in fonts} <= set(assets)


@pytest.mark.slow  # builds the whole site
def test_no_page_of_the_built_site_shows_raw_latex(built_project: Path):
    site = built_project / "site-student"
    pages = [p for p in site.rglob("*.html") if "generated" not in p.parts]
    assert len(pages) > 5
    shown = {}
    for page in pages:
        html = page.read_text(encoding="utf-8")
        tree = LexborHTMLParser(html)
        article = tree.css_first("article")
        if article is None:
            continue
        text = visible_text(article.html)
        found = [text[max(0, m.start() - 30):m.end() + 30] for m in RAW_LATEX.finditer(text)]
        if found:
            shown[str(page.relative_to(site))] = found[:3]
    assert shown == {}
    # math was there to render: the lectures have formulas
    assert sum(p.read_text(encoding="utf-8").count('class="katex"') for p in pages) > 50

from __future__ import annotations

import pytest

from pages.math import MathError, render_math


def test_inline_and_block_math_become_mathml():
    html = ('<p>Loss <span class="arithmatex">\\(\\log V\\)</span>.</p>'
            '<div class="arithmatex">\\[\\frac{a}{b} &lt; c\\]</div>')
    out = render_math(html)
    assert "arithmatex" not in out
    assert '<math alttext="\\log V"' in out and 'display="inline"' in out
    assert 'display="block"' in out and "<mfrac>" in out
    assert "&lt;" in out  # the less-than sign survived as an operator


@pytest.mark.parametrize("latex,why", [("x^", "cannot render"), ("\\sigmaa(x)", "unknown command \\\\sigmaa"),
                                       ("{a", "unbalanced")])
def test_bad_latex_is_a_clear_error(latex, why):
    with pytest.raises(MathError, match=why):
        render_math(f'<span class="arithmatex">\\({latex}\\)</span>')

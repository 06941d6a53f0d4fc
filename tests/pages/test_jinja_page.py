from __future__ import annotations

import jinja2
import pytest

from pages.jinja_page import PageError, protect_fences, render


@pytest.fixture
def env():
    return jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=True)


def test_unknown_component_names_file_and_line(env):
    with pytest.raises(PageError) as info:
        render(env, "# Title\n\ntext\n{{ chrat('x/y') }}\n", "lecture/page.md")
    assert info.value.line == 4
    assert str(info.value).startswith("lecture/page.md:4:")
    assert "chrat" in str(info.value)


def test_component_error_is_reported_at_the_calling_line(env):
    def broken(key):
        raise KeyError(f"gpt has no metric {key!r}")

    with pytest.raises(PageError) as info:
        render(env, "a\nb\n\n{{ metric('nope') }}\n", "p.md", {"metric": broken})
    assert info.value.line == 4
    assert "nope" in info.value.message


def test_syntax_error_has_a_line(env):
    with pytest.raises(PageError) as info:
        render(env, "ok\n{% if %}\n", "p.md")
    assert info.value.line == 2


def test_fenced_code_stays_literal(env):
    page = "before {{ 1 + 1 }}\n\n```jinja\n{{ chart('x') }} {% if %}\n```\n\n~~~~\n{# not a comment #}\n~~~~\nafter\n"
    out = render(env, page, "p.md")
    assert "before 2" in out
    assert "{{ chart('x') }} {% if %}" in out
    assert "{# not a comment #}" in out


def test_protect_fences_keeps_line_count():
    page = "a\n```\nb\n```\nc"
    assert protect_fences(page).count("\n") == page.count("\n")


def test_output_is_escaped(env):
    assert render(env, "{{ text }}", "p.md", {"text": "<script>x</script>"}) == "&lt;script&gt;x&lt;/script&gt;"

"""Site files as text that can sit inside one HTML file."""

from __future__ import annotations

import base64
from urllib.parse import unquote

import pytest

from exports.inline_assets import InlineError, css_urls, data_uri, packed, read_asset, script_text, style_text


def test_svg_data_uri_is_readable_text_that_decodes_back():
    svg = '<svg xmlns="http://www.w3.org/2000/svg">\n<text fill="#123">50% & "more"</text></svg>'
    uri = data_uri("a.svg", svg.encode())
    assert uri.startswith("data:image/svg+xml;charset=utf-8,%3Csvg xmlns=")
    body = uri.split(",", 1)[1]
    # Nothing an attribute would have to escape as an entity (longer than %XX).
    assert not set(body) & set('"#\n&<>')
    assert unquote(body) == svg


def test_other_files_are_base64():
    uri = data_uri("x.png", b"\x89PNG")
    assert uri == "data:image/png;base64," + base64.b64encode(b"\x89PNG").decode()


def test_scripts_cannot_end_their_element_and_lose_source_maps():
    out = script_text('var a = "</script>";\n//# sourceMappingURL=bundle.js.map\n', "bundle.js")
    assert "</script" not in out and '"<\\/script>"' in out
    assert "sourceMappingURL" not in out
    with pytest.raises(InlineError, match=r"bundle\.js"):
        script_text("var a = '<!--';", "bundle.js")


def test_styles_cannot_end_their_element_and_lose_source_maps():
    out = style_text("a::after { content: '</style>' }\n/*# sourceMappingURL=main.css.map */\n")
    assert "</style" not in out and "sourceMappingURL" not in out


def test_css_urls_that_would_make_requests():
    css = 'a{background:url("data:image/svg+xml,x")} b{mask:url(#m)} @font-face{src:url(fonts/a.woff2)}'
    assert css_urls(css) == ["fonts/a.woff2"]


def test_read_asset_names_the_page_and_stays_inside_the_site(tmp_path):
    (tmp_path / "site").mkdir()
    (tmp_path / "secret.txt").write_text("x")
    with pytest.raises(InlineError, match=r"lec/: cannot inline '\.\./secret\.txt'"):
        read_asset(tmp_path / "site", "../secret.txt", "lec/")


def test_packed_scripts_unzip_to_the_source_and_are_reproducible():
    import gzip

    source = "var a = '</script><!-- é';\n" * 200
    assert gzip.decompress(base64.b64decode(packed(source))).decode() == source
    assert packed(source) == packed(source)
    assert len(packed(source)) < len(source) / 10

"""Site files as text that can sit inside one HTML file."""

from __future__ import annotations

import base64
from urllib.parse import unquote

import pytest

from exports.inline_assets import (
    InlineError,
    data_uri,
    inline_css_urls,
    minified_svg,
    packed,
    read_asset,
    script_text,
    style_text,
    used_font_families,
)


def test_svg_data_uri_is_readable_text_that_decodes_back():
    svg = '<svg xmlns="http://www.w3.org/2000/svg">\n<text fill="#123">50% &amp; "more"</text></svg>'
    uri = data_uri("a.svg", svg.encode())
    assert uri.startswith("data:image/svg+xml;charset=utf-8,%3Csvg%20xmlns='http://www.w3.org/2000/svg'%3E")
    body = uri.split(",", 1)[1]
    # Nothing an attribute would have to escape as an entity (longer than %XX).
    assert not set(body) & set('"#\n&<>')
    assert unquote(body) == minified_svg(svg) == (
        "<svg xmlns='http://www.w3.org/2000/svg'><text fill='#123'>50% &amp; \"more\"</text></svg>")


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


def test_stylesheet_fonts_are_inlined_only_for_families_the_document_uses():
    css = ('@font-face{font-family:KaTeX_Main;src:url(fonts/Main.woff2) format("woff2")}'
           '@font-face{font-family:KaTeX_Size1;src:url(fonts/Size1.woff2) format("woff2")}'
           '@font-face{font-family:"KaTeX_AMS";src:url(fonts/AMS.woff2) format("woff2")}'
           '.katex{font:normal 1.21em KaTeX_Main,Times New Roman,serif;font-family:KaTeX_Main}'
           '.katex .delimsizing.size1{font-family:KaTeX_Size1}.katex .amsrm{font-family:KaTeX_AMS}'
           'a{background:url("data:image/svg+xml,x")} b{mask:url(#m)}')
    read = {"assets/katex/fonts/Main.woff2": b"MAIN", "assets/katex/fonts/Size1.woff2": b"SIZE1"}.__getitem__
    out = inline_css_urls(css, "assets/katex/katex.min.css", read, {"katex", "delimsizing", "size1", "mord"})
    assert f'url("data:font/woff2;base64,{base64.b64encode(b"MAIN").decode()}")' in out
    assert f'url("data:font/woff2;base64,{base64.b64encode(b"SIZE1").decode()}")' in out
    assert "AMS.woff2" not in out and "KaTeX_AMS\"" not in out  # no element has class amsrm
    assert 'url("data:image/svg+xml,x")' in out and "url(#m)" in out
    assert used_font_families(css, {"katex"}) == {"KaTeX_Main"}


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


def test_minified_svg_is_the_same_picture_in_fewer_characters():
    from xml.dom import minidom

    svg = """<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 20">
 <metadata><title>Matplotlib</title></metadata>
 <!-- a comment -->
 <g transform="translate(1 2) scale(0.5 -0.5)">
  <path d="M 0 1.5\nL 2 -3e-1\nz\n" style="fill: #ffffff; stroke: none"/>
  <use xlink:href="#m" x="1"/>
  <text x="1">A &amp; B</text>
 </g>
</svg>"""
    out = minified_svg(svg)
    assert out == (
        "<svg xmlns='http://www.w3.org/2000/svg' xmlns:xlink='http://www.w3.org/1999/xlink' viewBox='0,0,10,20'>"
        "<g transform='translate(1,2),scale(0.5,-0.5)'><path d='M0,1.5L2,-0.3z' style='fill:#ffffff;stroke:none'/>"
        "<use xlink:href='#m' x='1'/><text x='1'>A &amp; B</text></g></svg>"
    )
    assert minidom.parseString(out).documentElement.getAttribute("viewBox") == "0,0,10,20"
    assert minified_svg("<svg><unclosed></svg>") == "<svg><unclosed></svg>"  # not XML: left as it is


def test_svg_coordinates_keep_the_digits_that_show_and_transforms_keep_all():
    svg = ("<svg xmlns='http://www.w3.org/2000/svg' width='420.530937pt' viewBox='0 0 420.530937 323.7'>"
           "<path d='M 287.518312 0.265203 L 1234.56789 -0.0001 z' transform='scale(0.015625)'/>"
           "<text x='49.054531' y='1 2'>−2.0</text></svg>")
    out = minified_svg(svg)
    assert "d='M287.52,0.265L1234.57,0z'" in out  # 1/100 pt, and at least 4 significant digits
    assert "transform='scale(0.015625)'" in out and "width='420.530937pt'" in out
    assert "viewBox='0,0,420.530937,323.7'" in out
    assert "x='49.05'" in out and "y='1 2'" in out  # a list is not one coordinate: left alone


def test_a_group_of_markers_with_one_style_carries_it_once():
    use = "<use xlink:href='#m' x='{}' y='1' style='fill:#2070c0;stroke:#2070c0'/>"
    svg = ("<svg xmlns='http://www.w3.org/2000/svg' xmlns:xlink='http://www.w3.org/1999/xlink'>"
           f"<g clip-path='url(#c)'>{use.format(1)}{use.format(2)}</g>"
           "<g><use xlink:href='#m' style='fill:red'/><use xlink:href='#m' style='fill:blue'/></g>"
           "<g><use xlink:href='#m' style='opacity:0.5'/><use xlink:href='#m' style='opacity:0.5'/></g></svg>")
    out = minified_svg(svg)
    assert ("<g clip-path='url(#c)' style='fill:#2070c0;stroke:#2070c0'><use xlink:href='#m' x='1' y='1'/>"
            "<use xlink:href='#m' x='2' y='1'/></g>") in out
    assert "style='fill:red'" in out and "style='fill:blue'" in out  # different styles stay apart
    assert out.count("style='opacity:0.5'") == 2  # opacity is not inherited: a group's differs

"""HTML through a parser: round trips keep SVG's camel-case, splices land once, trees compare."""

from __future__ import annotations

import pytest

from exports import html_dom
from exports.email_document import later_uses_link_to_the_first, one_copy_of_each_chart

SVG = ('<figure><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10" preserveAspectRatio="none">'
       '<defs><linearGradient id="g" gradientUnits="userSpaceOnUse"/></defs>'
       '<path d="M0 0L10 10"/></svg></figure>')


def test_inline_svg_keeps_its_camel_case_attributes_and_elements_after_a_round_trip():
    tree = html_dom.fragment(SVG)
    out = tree.html
    for kept in ('viewBox="0 0 10 10"', 'preserveAspectRatio="none"', "<linearGradient", 'gradientUnits="userSpaceOnUse"'):
        assert kept in out, kept
    assert "viewbox" not in out
    assert html_dom.normalised(out) == html_dom.normalised(SVG)
    assert html_dom.elements(html_dom.fragment(out), "svg")[0].attributes["viewBox"] == "0 0 10 10"


def test_a_script_holding_markup_is_one_element_not_tags():
    page = html_dom.document('<body><script>if (a < b) x = "</p><div>";</script><div id="d">x</div></body>')
    assert [n.attributes.get("id") for n in html_dom.elements(page, "div")] == ["d"]


def test_remove_takes_nested_matches_with_their_parent():
    tree = html_dom.fragment('<main><div class="s">a<div class="s">b</div></div>kept<p class="x s">c</p></main>')
    assert html_dom.remove(tree, ".s") == 2
    assert tree.html == "<main>kept</main>"


def test_text_of_collapses_whitespace_and_decodes_entities():
    assert html_dom.text_of(html_dom.fragment("<a> Lecture\n <span>&amp; more</span></a>").root) == "Lecture & more"


def test_splice_puts_each_text_once_even_when_nested_and_refuses_a_lost_token():
    splice = html_dom.Splice()
    inner = splice.token("<b>raw & unescaped</b>")
    outer = splice.token(f"<section>{inner}</section>")
    tree = html_dom.fragment("<article></article>")
    tree.root.insert_child(outer)
    assert splice.apply(tree.html) == "<article><section><b>raw & unescaped</b></section></article>"
    lost = html_dom.Splice()
    lost.token("x")
    with pytest.raises(ValueError, match="appears 0 times"):
        lost.apply("<p></p>")


def test_normalised_ignores_attribute_order_quotes_and_layout_whitespace_but_not_content():
    a = '<p class="x" id="y">Some  text</p>\n<br>'
    b = "<p id=y class='x'>Some text</p><br/>"
    assert html_dom.normalised(a) == html_dom.normalised(b)
    assert html_dom.normalised(a) != html_dom.normalised('<p class="x" id="y">Other text</p><br>')
    assert html_dom.normalised(a) != html_dom.normalised('<p class="x" id="z">Some text</p><br>')


def test_each_chart_image_is_embedded_once_and_the_download_link_saves_it():
    tree = html_dom.fragment(
        '<figure class="ig-chart"><img class="ig-chart__static" src="../g/loss.svg" alt="Loss">'
        '<p class="ig-chart__downloads"><a href="../g/loss.svg" download>Download SVG</a></p></figure>'
        '<figure class="ig-chart"><img class="ig-chart__static" src="../g/digits.png" alt="Digits">'
        '<p class="ig-chart__downloads"><a href="../g/digits.svg" download>Download SVG</a></p></figure>'
    )
    one_copy_of_each_chart(tree)
    out = tree.html
    assert out.count("../g/loss.svg") == 1 and out.count("../g/digits.png") == 1 and "digits.svg" not in out
    links = html_dom.elements(tree, "a[data-ig-save-image]")
    # No href or download until JavaScript copies the image's URI (email.js): a download
    # link without href is invalid, and without JavaScript the paragraph is hidden.
    assert [(a.attributes.get("href"), a.attributes.get("download"), a.attributes["data-ig-save-image"],
             html_dom.text_of(a)) for a in links] == [
        (None, None, "loss.svg", "Download SVG"), (None, None, "digits.png", "Download PNG")]
    assert all("hidden" in a.parent.attributes for a in links)  # no link without JavaScript


def test_theme_toggles_lose_their_invalid_autocomplete_and_nothing_else():
    from exports.theme_markup import on_post_page

    page = ('<body><input class="md-toggle" data-md-toggle="drawer" type="checkbox" id="__drawer" autocomplete="off">'
            '<input class="md-toggle" data-md-toggle="search" type="checkbox" id="__search" autocomplete="off">'
            '<input type="text" autocomplete="off"></body>')
    out = on_post_page(page, page=None, config=None)
    toggles = html_dom.elements(html_dom.document(out), "input.md-toggle")
    assert [t.attributes.get("autocomplete") for t in toggles] == [None, None]
    assert out.count('autocomplete="off"') == 1  # the text input keeps it


def chart_figure(ident: str, src: str, title: str) -> str:
    return (f'<figure class="ig-chart" id="{ident}"><figcaption class="ig-chart__caption"><strong>{title}</strong>'
            f'</figcaption><img class="ig-chart__static" src="{src}" alt="{title}"></figure>')


def test_a_chart_two_pages_use_is_in_the_file_once_and_the_later_use_links_back():
    first_use: dict[str, str] = {}
    one = html_dom.document("<article>" + chart_figure("p1-ig-a", "../generated/g/a.svg", "A & B") + "</article>")
    later_uses_link_to_the_first(one, one.css_first("article"), first_use)
    two = html_dom.document("<article>" + chart_figure("p2-ig-a", "../generated/g/a.svg", "A &amp; B")
                            + chart_figure("p2-ig-c", "../../generated/g/c.png", "C") + "</article>")
    later_uses_link_to_the_first(two, two.css_first("article"), first_use)
    assert [f.attributes["id"] for f in html_dom.elements(one, "figure")] == ["p1-ig-a"]
    assert [f.attributes["id"] for f in html_dom.elements(two, "figure")] == ["p2-ig-c"]
    repeat = two.css_first("p.ig-chart-repeat")
    assert repeat.css_first("a").attributes["href"] == "#p1-ig-a"
    assert repeat.text().startswith("A & B: this chart is shown")
    assert first_use == {"../generated/g/a.svg": "p1-ig-a", "../../generated/g/c.png": "p2-ig-c"}

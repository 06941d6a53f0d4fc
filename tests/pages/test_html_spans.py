"""Elements of built HTML found as character offsets."""

from __future__ import annotations

from pages import html_spans


def test_nested_void_and_implicitly_closed_elements():
    html = '<div class="a"><p>x<div class="b">y<br></div></div><img src="q"><article class="m">hi</article>'
    spans = {s.tag + s.attrs.get("class", ""): s for s in html_spans.find(html, lambda tag, attrs: True)}
    assert html[spans["diva"].start:spans["diva"].end] == '<div class="a"><p>x<div class="b">y<br></div></div>'
    assert html[spans["divb"].inner_start:spans["divb"].inner_end] == "y<br>"
    assert html[spans["img"].start:spans["img"].end] == '<img src="q">'
    assert html[spans["articlem"].inner_start:spans["articlem"].inner_end] == "hi"


def test_element_matches_tag_class_and_attributes():
    html = '<label for="__drawer">a</label><label for="x">b</label><div class="md-sidebar md-sidebar--primary">c</div>'
    assert [s.attrs["for"] for s in html_spans.find(html, html_spans.element("label", for_="__drawer"))] == ["__drawer"]
    assert len(html_spans.find(html, html_spans.element("div", class_="md-sidebar"))) == 1


def test_remove_takes_nested_matches_with_their_parent():
    html = '<main><div class="s">1<div class="s">2</div></div>kept</main>'
    assert html_spans.remove(html, html_spans.element("div", class_="s")) == "<main>kept</main>"

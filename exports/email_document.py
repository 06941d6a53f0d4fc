"""Join a lecture's built pages into one self-contained HTML document.

The first page is the shell: Material's head, header (with the palette toggle) and
scripts stay; the navigation sidebars and the footer go, since the file has no other
pages to go to. Its ``<article>`` gets the lecture's contents, every page's article (each
under its own anchor) and a colophon. A chart that two pages use is in the file once: the
later use links to the earlier. Then every stylesheet, script, image and plotly.js
(once, only if a chart needs it) is inlined, so the file makes no request at all.

Every page is changed as a tree (``html_dom``). Each chart's picture is in the file once:
the static image carries it, and the download link (shown only with JavaScript) saves
that same image (templates/email/email.js). plotly.js with the chart runtime, and each
chart's figure, are gzipped data blocks that email.js unpacks and runs; the view without
JavaScript (static images, description, table) needs none of them. A chart's CSV download
stays on the site: the file carries the table the page shows.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup
from selectolax.lexbor import LexborHTMLParser, LexborNode

from . import html_dom, inline_assets
from .email_links import Targets, page_key, scope_tree
from .lectures import BuiltPage, Lecture, site_path
from .notices import plotly_js_path, third_party_notices

ARTICLE = "article.md-content__inner"
BADGE = "p.ig-edition-badge"
CHROME = "div.md-sidebar, div.md-header__source, footer.md-footer, label[for='__drawer']"
CHARTS_JS = "assets/js/charts.js"
DROPPED_LINKS = ("prev", "next", "canonical", "alternate", "sitemap", "search", "preconnect", "preload")
SITE_ONLY = ".ig-chart__csv"
PACKED = "application/gzip"
"""``<script type>`` of a gzipped, base64 script that templates/email/email.js unpacks and runs."""


def packed_script(tree: LexborHTMLParser, source: str, splice: html_dom.Splice) -> LexborNode:
    """A data block holding ``source`` gzipped; email.js runs the blocks in document order
    once all are unpacked (the no-JavaScript view never needs them)."""
    node = tree.create_node("script")
    node.attrs["type"] = PACKED
    node.insert_child(splice.token(inline_assets.packed(source)))
    return node


def _macro(env: jinja2.Environment, name: str) -> Any:
    return getattr(env.get_template(f"email/{name}.html").module, name)


def _template_text(env: jinja2.Environment, name: str) -> str:
    assert env.loader is not None, "the email templates' environment has a loader"
    return env.loader.get_source(env, f"email/{name}")[0]


def one_copy_of_each_chart(article: LexborNode) -> None:
    """The chart's picture goes in once, as its static image; the download link (shown
    with JavaScript) saves that image: the SVG, or a pixel grid's PNG."""
    for figure in html_dom.elements(article, "figure.ig-chart"):
        image = figure.css_first("img.ig-chart__static")
        if image is not None and "loading" in image.attrs:
            # The picture is inside the file already: loading it lazily saves nothing, and a
            # lazy image below the fold may not be loaded when the file is printed.
            del image.attrs["loading"]
        link = figure.css_first(".ig-chart__downloads a[download]")
        if image is None or link is None:
            continue
        name = Path(image.attributes.get("src") or "chart.svg").name
        # href and download come with JavaScript (a download link needs its href).
        del link.attrs["href"]
        del link.attrs["download"]
        link.attrs["data-ig-save-image"] = name
        link.inner_html = f"Download {Path(name).suffix.lstrip('.').upper() or 'image'}"
        parent = link.parent
        if parent is not None:
            parent.attrs["hidden"] = ""
            parent.attrs["data-ig-shown-with-js"] = ""


def later_uses_link_to_the_first(tree: LexborHTMLParser, article: LexborNode, first_use: dict[str, str]) -> None:
    """A chart that an earlier page of the file already shows becomes a one-line link to
    that figure, so that no chart is in the file twice. ``first_use`` maps a chart's static
    picture (its ``src``: a URL, or already a data URI) to the id of the figure that shows
    it first; the charts this article shows first are added to it."""
    for figure in html_dom.elements(article, "figure.ig-chart"):
        image = figure.css_first("img.ig-chart__static")
        chart = image.attributes.get("src") if image is not None else None
        if not chart:
            continue
        if chart not in first_use:
            first_use[chart] = figure.attributes.get("id") or ""
            continue
        title = figure.css_first(".ig-chart__caption strong")
        link = tree.create_node("p")
        link.attrs["class"] = "ig-chart-repeat"
        link.inner_html = (f"{html.escape(title.text() if title is not None else 'A chart')}: this chart is shown "
                           f'<a href="#{html.escape(first_use[chart])}">earlier in this file</a>.')
        figure.insert_before(link)
        figure.decompose()


class PageArticle:
    """One built page's article, ready to sit in the file under the page's anchor."""

    def __init__(self, page: BuiltPage, targets: Targets, first_use: dict[str, str]):
        self.page = page
        self.tree = html_dom.document(page.file.read_text(encoding="utf-8"))
        self.article = html_dom.one(self.tree, ARTICLE, f"<article> in {page.file}")
        badge = self.article.css_first(BADGE)
        self.badge = badge.html if badge is not None else ""
        if badge is not None:
            badge.decompose()
        html_dom.remove(self.article, SITE_ONLY)
        one_copy_of_each_chart(self.article)
        scope_tree(self.article, page.url, page.anchor, targets)
        later_uses_link_to_the_first(self.tree, self.article, first_use)
        self.has_charts = self.article.css_first("figure.ig-chart") is not None
        self.splice = html_dom.Splice()
        for script in html_dom.elements(self.article, "figure.ig-chart > script:not([src])"):
            script.insert_before(packed_script(self.tree, script.text() or "", self.splice))
            script.decompose()

    @property
    def html(self) -> str:
        return self.splice.apply(html_dom.inner_html(self.article))


def article_html(articles: Sequence[PageArticle], lectures: Sequence[Lecture], env: jinja2.Environment,
                 build: dict[str, str], with_plotly: bool) -> str:
    """Edition badge, contents, every page under its anchor, then the colophon."""
    contents = [{"title": lecture.title, "pages": [{"title": p.title, "anchor": p.anchor} for p in lecture.pages]}
                for lecture in lectures]
    parts = [articles[0].badge or "", str(_macro(env, "contents")(contents))]
    parts += [str(_macro(env, "page")(a.page.anchor, a.page.url, Markup(a.html))) for a in articles]
    parts.append(str(_macro(env, "colophon")(build, third_party_notices(with_plotly))))
    return "\n".join(parts)


def _replace(tree: LexborHTMLParser, node: LexborNode, tag: str, content_token: str) -> None:
    """Put a new ``<tag>`` holding ``content_token`` where ``node`` was."""
    new = tree.create_node(tag)
    new.insert_child(content_token)
    node.insert_before(new)
    node.decompose()


def _inline_link(tree: LexborHTMLParser, node: LexborNode, page: BuiltPage, site_dir: Path, splice: html_dom.Splice,
                 classes: set[str]) -> None:
    rel = (node.attributes.get("rel") or "").lower().split()
    href = node.attributes.get("href")
    if any(r in DROPPED_LINKS for r in rel) or href is None:
        node.decompose()
        return
    path = site_path(page.url, href)
    if path is None:
        raise inline_assets.InlineError(f"{page.url}: <link> to {href!r} is off-site")
    content = inline_assets.read_asset(site_dir, path, page.url)
    if "stylesheet" in rel:
        css = inline_assets.inline_css_urls(content.decode("utf-8"), path,
                                            lambda p: inline_assets.read_asset(site_dir, p, path), classes)
        _replace(tree, node, "style", splice.token(inline_assets.style_text(css)))
    else:
        node.attrs["href"] = inline_assets.data_uri(path, content)


def _inline_script(tree: LexborHTMLParser, node: LexborNode, page: BuiltPage, site_dir: Path, with_plotly: bool,
                   splice: html_dom.Splice) -> None:
    src = node.attributes.get("src") or ""
    path = site_path(page.url, src)
    if path is None:
        raise inline_assets.InlineError(f"{page.url}: <script> from {src!r} is off-site")
    source = inline_assets.read_asset(site_dir, path, page.url).decode("utf-8")
    if with_plotly and path == CHARTS_JS:
        # The chart runtime runs after plotly.js, both unpacked by email.js.
        plotly = plotly_js_path().read_text(encoding="utf-8")
        node.insert_before(packed_script(tree, f"{plotly}\n;\n{source}", splice))
        node.decompose()
        return
    _replace(tree, node, "script", splice.token(inline_assets.script_text(source, path)))


def _offline_config(node: LexborNode) -> None:
    """Material's page config, with its base (for resolving site URLs) at the file itself."""
    config = json.loads(node.text() or "{}")
    config["base"] = "."
    node.inner_html = json.dumps(config).replace("</", "<\\/")


def inline_assets_of(tree: LexborHTMLParser, page: BuiltPage, site_dir: Path, with_plotly: bool,
                     splice: html_dom.Splice, classes: set[str]) -> None:
    """The shell's stylesheets (with the fonts that elements of ``classes`` use), scripts
    and icons put inside it, and plotly.js before the chart runtime when ``with_plotly``."""
    for node in html_dom.elements(tree, "link"):
        _inline_link(tree, node, page, site_dir, splice, classes)
    for node in html_dom.elements(tree, "script#__config"):
        _offline_config(node)
    scripts = html_dom.elements(tree, "script[src]")
    if with_plotly and not any(site_path(page.url, s.attributes.get("src") or "") == CHARTS_JS for s in scripts):
        raise inline_assets.InlineError(f"{page.url}: charts need {CHARTS_JS}, which the page does not load")
    for node in scripts:
        _inline_script(tree, node, page, site_dir, with_plotly, splice)


def assemble(lectures: Sequence[Lecture], site_dir: Path, env: jinja2.Environment, build: dict[str, str],
             site_url: str | None = None, title: str | None = None) -> str:
    """One HTML document holding every page of ``lectures``, needing nothing else."""
    shell_page = lectures[0].pages[0]
    anchors = {page_key(p.url): p.anchor for lecture in lectures for p in lecture.pages}
    targets = Targets(site_dir, anchors, site_url)
    first_use: dict[str, str] = {}
    articles = [PageArticle(page, targets, first_use) for lecture in lectures for page in lecture.pages]
    with_plotly = any(a.has_charts for a in articles)

    splice = html_dom.Splice()
    shell = html_dom.document(shell_page.file.read_text(encoding="utf-8"))
    html_dom.remove(shell, CHROME)
    for toggle in html_dom.elements(shell, "input[type='checkbox'][autocomplete]"):
        del toggle.attrs["autocomplete"]  # see theme_markup.py
    article = html_dom.one(shell, ARTICLE, f"<article> in {shell_page.file}")
    article.inner_html = ""
    article.insert_child(splice.token(article_html(articles, lectures, env, build, with_plotly)))
    scope_tree(shell, shell_page.url, shell_page.anchor, targets, ids=False)
    if title is not None:
        html_dom.one(shell, "title", "<title>").inner_html = ""
        html_dom.one(shell, "title", "<title>").insert_child(title)
    classes = html_dom.classes(shell) | set().union(*(html_dom.classes(a.article) for a in articles))
    inline_assets_of(shell, shell_page, site_dir, with_plotly, splice, classes)
    style = shell.create_node("style")
    style.insert_child(splice.token(inline_assets.style_text(_template_text(env, "email.css"))))
    html_dom.one(shell, "head", "<head>").insert_child(style)
    script = shell.create_node("script")
    script.insert_child(splice.token(inline_assets.script_text(_template_text(env, "email.js"), "email.js")))
    html_dom.one(shell, "body", "<body>").insert_child(script)
    return splice.apply(shell.html or "")

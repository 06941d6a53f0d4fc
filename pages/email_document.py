"""Join a lecture's built pages into one self-contained HTML document.

The first page is the shell: Material's head, header (with the palette toggle) and
scripts stay; the navigation sidebars and the footer go, since the file has no other
pages to go to. Its ``<article>`` gets the lecture's contents, every page's article (each
under its own anchor) and a colophon. Then every stylesheet, script, image and plotly.js
(once, only if a chart needs it) is inlined, so the file makes no request at all.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

import jinja2
from markupsafe import Markup, escape

from . import html_spans, inline_assets
from .email_links import Targets, page_key, scope_page
from .lectures import BuiltPage, Lecture, site_path
from .notices import plotly_js_path, third_party_notices

ARTICLE = html_spans.element("article", class_="md-content__inner")
BADGE = re.compile(r'<p class="ig-edition-badge\b.*?</p>\s*', re.DOTALL)
LINK_TAG = re.compile(r"<link\b[^>]*>", re.IGNORECASE)
SCRIPT_SRC = re.compile(r'<script\b[^>]*\bsrc="(?P<src>[^"]+)"[^>]*>\s*</script>', re.IGNORECASE)
CONFIG = re.compile(r'(<script id="__config" type="application/json">)(.*?)(</script>)', re.DOTALL)
CHARTS_JS = "assets/js/charts.js"
DROPPED_LINKS = ("prev", "next", "canonical", "alternate", "sitemap", "search", "preconnect", "preload")


def _chrome(tag: str, attrs: dict[str, str]) -> bool:
    """Parts of Material's page that lead to other pages of the site."""
    classes = attrs.get("class", "").split()
    return (
        (tag == "div" and ("md-sidebar" in classes or "md-header__source" in classes))
        or (tag == "footer" and "md-footer" in classes)
        or (tag == "label" and attrs.get("for") == "__drawer")
    )


def article_of(page: BuiltPage) -> str:
    text = page.file.read_text(encoding="utf-8")
    article = html_spans.find_one(text, ARTICLE, f"<article> in {page.file}")
    return text[article.inner_start:article.inner_end]


def page_content(page: BuiltPage, targets: Targets) -> str:
    """The page's article, without its edition badge (the file shows it once, at the top)."""
    return scope_page(BADGE.sub("", article_of(page), count=1), page.url, page.anchor, targets)


def _macro(env: jinja2.Environment, name: str):
    return getattr(env.get_template(f"email/{name}.html").module, name)


def article_html(lectures: Sequence[Lecture], targets: Targets, env: jinja2.Environment,
                 build: dict[str, str], with_plotly: bool) -> str:
    """Edition badge, contents, every page under its anchor, then the colophon."""
    pages = [page for lecture in lectures for page in lecture.pages]
    badge = BADGE.search(article_of(pages[0]))
    contents = [{"title": lecture.title, "pages": [{"title": p.title, "anchor": p.anchor} for p in lecture.pages]}
                for lecture in lectures]
    parts = [badge.group(0) if badge else "", str(_macro(env, "contents")(contents))]
    parts += [str(_macro(env, "page")(p.anchor, p.url, Markup(page_content(p, targets)))) for p in pages]
    parts.append(str(_macro(env, "colophon")(build, third_party_notices(with_plotly))))
    return "\n".join(parts)


def _inline_link(tag: str, page: BuiltPage, site_dir: Path) -> str:
    rel_attr = re.search(r'\brel="([^"]*)"', tag)
    rel = rel_attr.group(1).lower().split() if rel_attr else []
    href = re.search(r'\bhref="([^"]*)"', tag)
    if any(r in DROPPED_LINKS for r in rel) or href is None:
        return ""
    path = site_path(page.url, href.group(1))
    if path is None:
        raise inline_assets.InlineError(f"{page.url}: <link> to {href.group(1)!r} is off-site")
    content = inline_assets.read_asset(site_dir, path, page.url)
    if "stylesheet" in rel:
        css = content.decode("utf-8")
        if inline_assets.css_urls(css):
            raise inline_assets.InlineError(f"{path}: cannot inline its url() references {inline_assets.css_urls(css)}")
        return f"<style>{inline_assets.style_text(css)}</style>"
    return tag.replace(href.group(0), f'href="{inline_assets.data_uri(path, content)}"')


def _inline_script(match: re.Match, page: BuiltPage, site_dir: Path, with_plotly: bool) -> str:
    path = site_path(page.url, match.group("src"))
    if path is None:
        raise inline_assets.InlineError(f"{page.url}: <script> from {match.group('src')!r} is off-site")
    source = inline_assets.read_asset(site_dir, path, page.url).decode("utf-8")
    script = f"<script>{inline_assets.script_text(source, path)}</script>"
    if with_plotly and path == CHARTS_JS:
        plotly = inline_assets.script_text(plotly_js_path().read_text(encoding="utf-8"), "plotly.min.js")
        script = f"<script>{plotly}</script>\n{script}"
    return script


def _offline_config(match: re.Match) -> str:
    """Material's page config, with its base (for resolving site URLs) at the file itself."""
    config = json.loads(match.group(2))
    config["base"] = "."
    return match.group(1) + json.dumps(config) + match.group(3)


def inline_assets_of(document: str, page: BuiltPage, site_dir: Path, with_plotly: bool, extra_css: str) -> str:
    """``document`` with its stylesheets, scripts and icons inside it, and plotly.js before
    the chart runtime when ``with_plotly``."""
    document = LINK_TAG.sub(lambda m: _inline_link(m.group(0), page, site_dir), document)
    document = document.replace("</head>", f"<style>{inline_assets.style_text(extra_css)}</style>\n</head>", 1)
    document = CONFIG.sub(_offline_config, document)
    if with_plotly and f'/{CHARTS_JS}"' not in document and f'"{CHARTS_JS}"' not in document:
        raise inline_assets.InlineError(f"{page.url}: charts need {CHARTS_JS}, which the page does not load")
    return SCRIPT_SRC.sub(lambda m: _inline_script(m, page, site_dir, with_plotly), document)


def assemble(lectures: Sequence[Lecture], site_dir: Path, env: jinja2.Environment, build: dict[str, str],
             site_url: str | None = None, title: str | None = None) -> str:
    """One HTML document holding every page of ``lectures``, needing nothing else."""
    shell_page = lectures[0].pages[0]
    anchors = {page_key(p.url): p.anchor for lecture in lectures for p in lecture.pages}
    targets = Targets(site_dir, anchors, site_url)
    shell = html_spans.remove(shell_page.file.read_text(encoding="utf-8"), _chrome)
    article = html_spans.find_one(shell, ARTICLE, f"<article> in {shell_page.file}")
    with_plotly = any(
        'class="ig-chart"' in p.file.read_text(encoding="utf-8") for lecture in lectures for p in lecture.pages
    )
    body = article_html(lectures, targets, env, build, with_plotly)
    before = scope_page(shell[:article.inner_start], shell_page.url, shell_page.anchor, targets, ids=False)
    after = scope_page(shell[article.inner_end:], shell_page.url, shell_page.anchor, targets, ids=False)
    if title is not None:
        before = re.sub(r"<title>.*?</title>", lambda _: f"<title>{escape(title)}</title>", before, count=1)
    extra_css = env.loader.get_source(env, "email/email.css")[0]
    return inline_assets_of(before + body + after, shell_page, site_dir, with_plotly, extra_css)

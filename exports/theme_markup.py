"""Material's own markup that the Nu Html Checker rejects and no template block can reach.

Material's base.html opens ``<body>`` with two checkbox toggles (the navigation drawer and
search) that carry ``autocomplete="off"``, which HTML allows only on text-like inputs. This
file is also a MkDocs hook (``hooks:`` in mkdocs.yml) that drops it from every built page
and 404.html; the email export drops it from its tree. Other theme fixes are template
overrides (templates/overrides/main.html).
"""

from __future__ import annotations

TOGGLES = ("drawer", "search")


def fix_theme_markup(html: str) -> str:
    """``html`` (a page Material rendered) without the theme's invalid attributes."""
    for toggle in TOGGLES:
        html = html.replace(
            f'data-md-toggle="{toggle}" type="checkbox" id="__{toggle}" autocomplete="off">',
            f'data-md-toggle="{toggle}" type="checkbox" id="__{toggle}">',
            1,
        )
    return html


def on_post_page(output: str, **_: object) -> str:
    """MkDocs hook: every page as written to the site."""
    return fix_theme_markup(output)


def on_post_template(output_content: str, **_: object) -> str:
    """MkDocs hook: static templates (404.html)."""
    return fix_theme_markup(output_content)

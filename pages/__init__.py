"""Page building: what ``hooks.py`` calls to turn lecture Markdown into HTML.

Each module has one job: Jinja rendering with file:line errors (``jinja_page``),
components, build-time math, edition stripping, code walkthroughs, the chart-kind
documentation, the page cache and the search-section cache that keep rebuilds fast, the
site's up-to-date stamp, and the staging folder that keeps the last good site. Exports of
a built site (email files, figures) live in ``exports/``.
"""

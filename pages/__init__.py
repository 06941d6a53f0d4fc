"""Page building: what ``hooks.py`` calls to turn lecture Markdown into HTML.

Each module has one job: Jinja rendering with file:line errors, components, build-time
math, edition stripping, code walkthroughs, and the background generator worker for serve.
The exports work on a built site: ``email`` (one offline file per lecture, with
``offline_build``, ``lectures``, ``email_document``, ``email_links``, ``inline_assets``,
``html_spans`` and ``notices``) and ``figures`` (every chart as SVG and 300-DPI PNG).
"""

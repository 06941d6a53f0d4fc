"""Page building: what ``hooks.py`` calls to turn lecture Markdown into HTML.

Each module has one job: Jinja rendering with file:line errors, components, build-time
math, edition stripping, code walkthroughs, and the background generator worker for serve.
"""

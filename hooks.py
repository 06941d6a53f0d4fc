"""MkDocs glue (``hooks:`` in mkdocs.yml): run stale generators, render components.

Everything of substance lives in ``pages/`` and ``generators/``; these functions only
connect MkDocs events to them.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import logging
import subprocess
import sys
from pathlib import Path

import markdown as markdown_lib
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files
from mkdocs.structure.toc import get_toc
from mkdocs.utils import get_relative_url

ROOT = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from engine import layout  # noqa: E402
from engine.params import ParamsError, load_params, params_path  # noqa: E402
from engine.plan import discover, plan  # noqa: E402
from engine.store import Store  # noqa: E402
from engine.worker import GeneratorWorker  # noqa: E402
from pages import (  # noqa: E402
    editions,
    fragment_links,
    jinja_page,
    page_cache,
    plotly_bundle,
    search_cache,
    serve_fast,
    site_build,
    site_stamp,
    theme_cache,
    theme_files,
)
from pages.components import PageComponents, make_environment  # noqa: E402
from pages.math import MathError, render_math, site_assets, source_line  # noqa: E402
from pages.patching import patch_once  # noqa: E402

log = logging.getLogger("mkdocs.hooks")
PLOTLY_SITE_PATH = "assets/vendor/plotly.min.js"

_state: dict = {"command": None, "worker": None}


def _stale_generators() -> dict[str, str]:
    """Stale generators, name -> cache key. Fast: no generator is imported."""
    try:
        steps = plan(ROOT, load_params(ROOT))
    except (ParamsError, ValueError, FileNotFoundError, SyntaxError) as exc:
        raise PluginError(f"generators: {exc}") from exc
    return {s.name: f"{s.key}:{s.draw_key}" for s in steps if s.pending}


def on_startup(command: str, dirty: bool) -> None:
    _state["command"] = command
    search_cache.install(ROOT)
    _theme_envs_keep_bytecode()
    _theme_files_listed_fast()
    site_build.link_generated_outputs(layout.generated_dir(ROOT))


def _theme_files_listed_fast() -> None:
    """MkDocs' listing of the theme's static files, without testing Material's 14,000
    icons one by one (pages/theme_files.py; the same files)."""
    from mkdocs.structure.files import Files

    def make(_original):  # type: ignore[no-untyped-def]
        def add_files_from_theme(self: Files, env, config) -> None:  # type: ignore[no-untyped-def]
            theme_files.add_files_from_theme(self, env, config)

        return add_files_from_theme

    patch_once(Files, "add_files_from_theme", make)


def _theme_envs_keep_bytecode() -> None:
    """Every theme environment, including those the search plugin makes to read its
    translations, loads compiled templates from .cache/jinja/theme/."""
    from mkdocs.theme import Theme

    def make(get_env):  # type: ignore[no-untyped-def]
        def with_bytecode(self: Theme):  # type: ignore[no-untyped-def]
            env = get_env(self)
            env.bytecode_cache = _bytecode_cache("theme")
            return env

        return with_bytecode

    patch_once(Theme, "get_env", make)


def on_config(config):
    command = _state["command"]
    try:
        edition = editions.edition_for(command)
    except editions.EditionError as exc:
        raise PluginError(str(exc)) from exc
    if command == "gh-deploy" and edition != "student":
        log.warning("gh-deploy publishes the student edition only; EDITION=%s is ignored", edition)
        edition = "student"
    config.extra["edition"] = edition
    _state["edition"] = edition
    if command in ("build", "gh-deploy"):  # into a staging folder, swapped in only when the build succeeds
        target = site_build.target_dir(ROOT, Path(config.site_dir), edition)
        _state["target"] = target
        config.site_dir = str(site_build.start(target))
    return config


def on_post_build(config) -> None:
    cache, theme = _state.get("page_cache"), _state.get("theme_cache")
    if cache is not None and theme is not None:
        log.info("pages: %d rendered, %d unchanged (from the page cache); theme: %d rendered, %d unchanged",
                 cache.misses, cache.hits, theme.misses, theme.hits)
    target = _state.pop("target", None)
    if target is not None:
        config.site_dir = str(site_build.finish(target))
        site_stamp.record(ROOT, target, _state.pop("inputs_digest"))
    if _state["command"] == "serve" and cache is not None:
        serve_fast.remember(config, _state["files"], _state["nav"], _state["theme_env"],
                            {str(ROOT / f) for f in cache.files_read})


def on_build_error(error) -> None:
    target = _state.pop("target", None)
    if target is not None:
        site_build.abandon(target)
        # Said last, after MkDocs has printed the error itself.
        shown = layout.relative(ROOT, target)
        atexit.register(lambda: print(f"The build failed (see above): {shown}/ is kept as it was, the last good site.",
                                      file=sys.stderr))


def on_pre_build(config) -> None:
    if _state["worker"] is not None:
        _state["runs_before_build"] = _state["worker"].runs
    stale = _stale_generators()
    if not stale:
        return
    if _state["command"] == "serve":
        worker = _state["worker"] or GeneratorWorker(ROOT, layout.status_path(ROOT))
        _state["worker"] = worker
        worker.request(stale, _stale_generators)
        return
    log.info("generators: %d stale (%s); running them", len(stale), ", ".join(stale))
    code = subprocess.call([sys.executable, "-m", "generators", *stale], cwd=ROOT)
    if code != 0:
        raise PluginError("generators failed (see above); the build stops and the previous outputs are kept")


def on_files(files: Files, config) -> Files:
    if "target" in _state:  # a build: the inputs it reads, now that generators have run
        _state["inputs_digest"] = site_stamp.inputs_digest(
            ROOT, _state["target"], _state["edition"], params_path(ROOT), site_stamp.default_bundle(ROOT)
        )
    if _state["edition"] == "student":
        for file in list(files.documentation_pages()):
            if editions.is_instructor_page(_front_matter(Path(file.abs_src_path))):
                files.remove(file)
    try:
        bundle = plotly_bundle.choose(ROOT)
        used = plotly_bundle.used_trace_types(layout.generated_dir(ROOT), ROOT / ".cache" / "trace-types.json")
        plotly_bundle.check_traces(bundle, used)
    except plotly_bundle.BundleError as exc:
        raise PluginError(str(exc)) from exc
    files.append(File.generated(config, PLOTLY_SITE_PATH, abs_src_path=str(bundle.path)))
    for path, content in site_assets().items():  # KaTeX's stylesheet and fonts
        files.append(File.generated(config, path, content=content))
    _state["generators"] = set(discover(ROOT))
    _state["markdown"] = markdown_lib.Markdown(
        extensions=config.markdown_extensions, extension_configs=config.mdx_configs
    )
    renderer = page_cache.tree_digest(ROOT, page_cache.RENDERER_DIRS, page_cache.RENDERER_FILES)
    if _state.get("renderer") != renderer:  # serve keeps compiled templates while they are unchanged
        _state["env"] = make_environment(ROOT / "templates")
        _state["env"].bytecode_cache = _bytecode_cache("components")
        _state["renderer"] = renderer
    listing = sorted((f.src_uri, f.url) for f in files.documentation_pages())
    _state["page_urls"] = dict(listing)  # links inside component bodies resolve against it
    site_key = hashlib.sha256(json.dumps(
        [renderer, listing, _state["edition"], config.site_url or "", config.use_directory_urls]
    ).encode()).hexdigest()
    _state["page_cache"] = page_cache.PageCache(ROOT, layout.generated_dir(ROOT), site_key)
    _state["site_key"] = site_key
    _state["files"] = files
    return files


def _bytecode_cache(name: str):
    """Compiled templates kept between builds; Jinja checks each against its source's hash."""
    import jinja2

    folder = ROOT / ".cache" / "jinja" / name
    folder.mkdir(parents=True, exist_ok=True)
    return jinja2.FileSystemBytecodeCache(str(folder))


def on_env(env, config, files):
    cache = theme_cache.ThemeCache(ROOT, _state["site_key"], _state["nav"], config.extra, config.site_url or "")
    _state["theme_cache"] = cache
    _state["theme_env"] = env
    get_template = env.get_template
    env.get_template = lambda *args, **kwargs: theme_cache.CachedTemplate(get_template(*args, **kwargs), cache)
    return env


def _failed_generators() -> set[str]:
    worker = _state["worker"]
    return worker.failed if worker is not None else set()


def on_nav(nav, config, files):
    """Lecture folders get the titles in ``extra.section_titles`` (else MkDocs
    capitalises the folder name: "Llm training")."""
    titles = config.extra.get("section_titles") or {}
    for item in nav.items:
        if item.is_section and item.children:
            first = next((c for c in item.children if c.is_page), None)
            folder = first.file.src_uri.split("/", 1)[0] if first is not None else ""
            item.title = titles.get(folder, item.title)
    _state["nav"] = nav
    return nav


def _front_matter(path: Path) -> dict:
    from mkdocs.utils.meta import get_data

    return get_data(path.read_text(encoding="utf-8-sig"))[1]


def _render_fragment(text: str) -> str:
    md = _state["markdown"]
    md.reset()
    return md.convert(text)


def on_page_markdown(markdown: str, page, config, files) -> str:
    source = Path(page.file.abs_src_path)
    name = page.file.src_uri
    if _state["edition"] == "student":
        markdown = editions.strip_instructor_blocks(markdown)
    cache: page_cache.PageCache = _state["page_cache"]
    page_id = f"{_state['edition']}:{name}:{page.url}"
    base = cache.base_key(markdown, page_id)
    page.ig_cache = (page_id, base)
    page.ig_cached = cache.get(page_id, base, _failed_generators())
    if page.ig_cached is not None:
        return ""  # the cached HTML replaces what MkDocs renders from this (see on_page_content)
    components = PageComponents(
        env=_state["env"],
        store=Store(layout.generated_dir(ROOT), _state["generators"], _failed_generators()),
        root=ROOT,
        relative_url=lambda target: get_relative_url(target, page.url),
        render_markdown=lambda text: fragment_links.rewrite(
            _render_fragment(text), name, _state["page_urls"].get,
            lambda target: get_relative_url(target, page.url),
        ),
    )
    offset = jinja_page.source_offset(source, markdown)
    try:
        rendered = jinja_page.render(_state["env"], markdown, name, components.globals())
    except jinja_page.PageError as exc:
        line = (exc.line + offset) if exc.line else None
        where = f"{Path(config.docs_dir).name}/{name}" + (f":{line}" if line else "")
        raise PluginError(f"{where}: {exc.message}") from exc
    page.ig_components = components
    return rendered


def on_page_content(html: str, page, config, files) -> str:
    cached: page_cache.Rendered | None = getattr(page, "ig_cached", None)
    if cached is not None:
        page.toc = get_toc(cached.toc)
        page._title_from_render = cached.title
        page.present_anchor_ids = set(cached.anchors)
        return cached.html
    components: PageComponents | None = getattr(page, "ig_components", None)
    if components is not None:
        html = components.restore(html)
    try:
        html = render_math(html)
    except MathError as exc:
        source = Path(page.file.abs_src_path).read_text(encoding="utf-8")
        line = source_line(source, exc.latex) if getattr(exc, "latex", None) else None
        where = f"{Path(config.docs_dir).name}/{page.file.src_uri}" + (f":{line}" if line else "")
        raise PluginError(f"{where}: {exc}") from exc
    if components is not None:
        page_id, base = page.ig_cache
        deps = page_cache.Dependencies(set(components.store.accessed), set(components.files_read))
        rendered = page_cache.Rendered(html, page_cache.toc_tokens(page.toc), page._title_from_render,
                                       sorted(page.present_anchor_ids or ()))
        _state["page_cache"].put(page_id, base, deps, _failed_generators(), rendered)
    return html


def on_serve(server, config, builder):
    from engine import serve_watch

    extra = [str(ROOT / f) for f in ("models", "generators", "templates", "params.yaml", "engine/charts")]
    changes = serve_watch.install(server, extra)
    server.builder = serve_fast.builder(server.builder, changes.take)
    worker = _state["worker"]
    if worker is not None and worker.runs != _state.get("runs_before_build", 0):
        # A background run ended during the first build, before anything watched: its
        # outputs or its failure would otherwise wait for the next edit.
        changes.note(serve_watch.UNKNOWN)
        with server._rebuild_cond:
            server._want_rebuild = True
            server._rebuild_cond.notify_all()
    return server

"""MkDocs glue (``hooks:`` in mkdocs.yml): run stale generators, render components.

Everything of substance lives in ``pages/`` and ``generators/``; these functions only
connect MkDocs events to them.
"""

from __future__ import annotations

import atexit
import logging
import subprocess
import sys
from pathlib import Path

import markdown as markdown_lib
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files
from mkdocs.utils import get_relative_url

ROOT = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from engine import layout  # noqa: E402
from engine.params import ParamsError, load_params  # noqa: E402
from engine.plan import discover, plan  # noqa: E402
from engine.store import Store  # noqa: E402
from engine.worker import GeneratorWorker  # noqa: E402
from pages import editions, jinja_page, plotly_bundle, site_build  # noqa: E402
from pages.components import PageComponents, make_environment  # noqa: E402
from pages.math import MathError, render_math  # noqa: E402

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
    if command == "build":
        target = site_build.target_dir(ROOT, Path(config.site_dir), edition)
        _state["target"] = target
        config.site_dir = str(site_build.start(target))
    return config


def on_post_build(config) -> None:
    target = _state.pop("target", None)
    if target is not None:
        config.site_dir = str(site_build.finish(target))


def on_build_error(error) -> None:
    target = _state.pop("target", None)
    if target is not None:
        site_build.abandon(target)
        # Said last, after MkDocs has printed the error itself.
        shown = layout.relative(ROOT, target)
        atexit.register(lambda: print(f"The build failed (see above): {shown}/ is kept as it was, the last good site.",
                                      file=sys.stderr))


def on_pre_build(config) -> None:
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
    if _state["edition"] == "student":
        for file in list(files.documentation_pages()):
            if editions.is_instructor_page(_front_matter(Path(file.abs_src_path))):
                files.remove(file)
    try:
        bundle = plotly_bundle.choose(ROOT)
        plotly_bundle.check_traces(bundle, plotly_bundle.used_trace_types(layout.generated_dir(ROOT)))
    except plotly_bundle.BundleError as exc:
        raise PluginError(str(exc)) from exc
    files.append(File.generated(config, PLOTLY_SITE_PATH, abs_src_path=str(bundle.path)))
    _state["generators"] = set(discover(ROOT))
    _state["markdown"] = markdown_lib.Markdown(
        extensions=config.markdown_extensions, extension_configs=config.mdx_configs
    )
    _state["env"] = make_environment(ROOT / "templates")
    return files


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
    components = PageComponents(
        env=_state["env"],
        store=Store(layout.generated_dir(ROOT), _state["generators"], _failed_generators()),
        root=ROOT,
        relative_url=lambda target: get_relative_url(target, page.url),
        render_markdown=_render_fragment,
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
    components: PageComponents | None = getattr(page, "ig_components", None)
    if components is not None:
        html = components.restore(html)
    try:
        html = render_math(html)
    except MathError as exc:
        raise PluginError(f"{Path(config.docs_dir).name}/{page.file.src_uri}: {exc}") from exc
    return html


def on_serve(server, config, builder):
    from engine import serve_watch

    extra = [str(ROOT / f) for f in ("models", "generators", "templates", "params.yaml", "engine/charts")]
    return serve_watch.install(server, extra)

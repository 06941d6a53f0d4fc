"""The components a lecture page can call, bound to one page.

Each component resolves its data through the loader (``engine.store``), then calls
its macro in ``templates/components/<name>.html``. The macro's HTML is stashed and a
placeholder token goes into the Markdown instead, so a component works at any
indentation (inside an admonition, a tab or a list) and Markdown never re-parses it.
``restore`` puts the HTML back after Markdown has run.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

from engine.store import Pending, Store

from . import walkthrough

TOKEN = "IGCOMPONENT{:04d}END"
CODE_SPAN = re.compile(r"(`+).+?\1")  # a Markdown code span: it escapes its own text
TOKEN_RE = re.compile(r"(?:<p>\s*)?IGCOMPONENT(\d{4})END(?:\s*</p>)?")
COMPONENTS = (
    "chart",
    "metric_card",
    "stage_card",
    "pipeline",
    "code_walkthrough",
    "comparison_table",
    "qa",
    "quiz",
    "data_table",
    "kpi",
    "chart_kind",
)


def make_environment(templates_dir: Path) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        undefined=jinja2.StrictUndefined,
        autoescape=True,
        keep_trailing_newline=True,
    )


def format_value(value: Any, digits: int = 3) -> str:
    """A metric as text: integers with thousands separators, floats to ``digits`` decimals
    (trailing zeros dropped), very small floats to ``digits`` significant figures."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if value != 0 and abs(value) < 10**-digits:
            return f"{value:.{digits}g}"
        if abs(value) >= 1000:
            return f"{value:,.0f}"
        text = f"{value:,.{digits}f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    return str(value)


@dataclass
class PageComponents:
    """Components bound to one page: its loader, URL helper and Markdown renderer."""

    env: jinja2.Environment
    store: Store
    root: Path
    relative_url: Callable[[str], str]
    """Site path (``generated/x/y.svg``) -> URL relative to the current page."""
    render_markdown: Callable[[str], str]
    stash: list[str] = field(default_factory=list)
    _ids: dict[str, int] = field(default_factory=dict)
    files_read: set[str] = field(default_factory=set)
    """Project files that components read (walkthroughs): the page depends on them."""

    def _macro(self, name: str) -> Any:
        return getattr(self.env.get_template(f"components/{name}.html").module, name)

    def _put(self, html: str) -> Markup:
        self.stash.append(str(html))
        return Markup(TOKEN.format(len(self.stash) - 1))

    def _unique_id(self, base: str) -> str:
        slug = re.sub(r"[^a-z0-9]+", "-", base.lower()).strip("-")
        count = self._ids.get(slug, 0)
        self._ids[slug] = count + 1
        return f"ig-{slug}" if count == 0 else f"ig-{slug}-{count + 1}"

    def _footer(self, generator: str) -> Markup:
        p = self.store.provenance(generator)
        if isinstance(p, Pending):
            return Markup("")
        # outputs from an earlier run while the last run failed (make serve): say so
        return self._macro("provenance")(p, generator in self.store.failed)

    def _pending(self, pending: Pending, what: str) -> Markup:
        return self._put(self._macro("pending")(pending.generator, what, pending.failed))

    def _body(self, caller: Callable[[], str] | None) -> Markup:
        if caller is None:
            return Markup("")
        import textwrap

        return Markup(self.render_markdown(textwrap.dedent(str(caller())).strip("\n")))

    # ---- components callable from Markdown -------------------------------------------------

    def value(self, key: str, digits: int = 3) -> str:
        """A metric as inline text, e.g. ``{{ value("gpt_pretrain/heldout_loss") }}``."""
        found = self.store.value(key)
        if isinstance(found, Pending):
            state = "failed: see the terminal" if found.failed else "being computed"
            return Markup(f'<span class="ig-pending-inline">({state})</span>')
        return format_value(found, digits)

    def chart(self, key: str, caption: str = "", height: int = 380) -> Markup:
        doc = self.store.chart(key)
        if isinstance(doc, Pending):
            return self._pending(doc, "chart")
        chart_id = self._unique_id(key.replace("/", "-"))
        figure_json = Markup(json.dumps(doc["figure"], separators=(",", ":")).replace("</", "<\\/"))
        html = self._macro("chart")(
            doc, chart_id, self.relative_url(doc["svg_path"]), figure_json, caption, height,
            self._footer(doc["generator"]),
        )
        return self._put(html)

    def metric_card(self, key: str, label: str, unit: str = "", meaning: str = "", digits: int = 3) -> Markup:
        found = self.store.value(key)
        if isinstance(found, Pending):
            return self._pending(found, "figure")
        generator = key.split("/", 1)[0]
        return self._put(
            self._macro("metric_card")(label, format_value(found, digits), unit, meaning, self._footer(generator))
        )

    def kpi(
        self, key: str, label: str, unit: str = "", baseline: str | None = None, baseline_label: str = "",
        target: str | None = None, target_label: str = "", digits: int = 3, stage: int | None = None,
    ) -> Markup:
        """A headline figure, big, read against a baseline and/or a target (other metric keys).
        Inside a stage card it takes the stage's colour; ``stage=N`` sets it elsewhere."""
        found = self.store.value(key)
        if isinstance(found, Pending):
            return self._pending(found, "figure")
        compare = []
        for kind, other, other_label in (("baseline", baseline, baseline_label), ("target", target, target_label)):
            if other is not None:
                value = self.store.value(other)
                shown = "(being computed)" if isinstance(value, Pending) else format_value(value, digits)
                compare.append({"kind": kind, "label": other_label, "raw": value, "value": shown})
        numbers = [found, *(c["raw"] for c in compare)]
        # Bars only where they mean something: non-negative numbers, one of them positive.
        drawable = bool(compare) and all(isinstance(v, int | float) and not isinstance(v, bool) and v >= 0
                                         for v in numbers) and max(numbers) > 0
        top = max(numbers) if drawable else None
        for c in compare:
            raw = c.pop("raw")
            c["share"] = raw / top if drawable else None
        share = found / top if drawable else None
        generator = key.split("/", 1)[0]
        return self._put(self._macro("kpi")(label, format_value(found, digits), unit, compare, share, stage,
                                            self._footer(generator)))

    def stage_card(
        self, number: int, title: str, goal: str, data: str, figures: list | None = None, caller: Any = None
    ) -> Markup:
        rows = []
        for spec in figures or []:
            spec = {"key": spec} if isinstance(spec, str) else dict(spec)
            found = self.store.value(spec["key"])
            shown = "(being computed)" if isinstance(found, Pending) else format_value(found, spec.get("digits", 3))
            rows.append({"label": spec.get("label", spec["key"].split("/")[-1].replace("_", " ")),
                         "value": shown, "unit": spec.get("unit", "")})
        anchor = self._unique_id(f"stage-{number}")
        return self._put(self._macro("stage_card")(number, title, goal, data, rows, self._body(caller), anchor))

    def pipeline(self, stages: list[dict], label: str = "Pipeline of stages") -> Markup:
        return self._put(self._macro("pipeline")(stages, label))

    def code_walkthrough(self, path: str, symbol: str, title: str = "") -> Markup:
        self.files_read.add(path)
        w = walkthrough.load(self.root, path, symbol)
        formatter = HtmlFormatter(nowrap=True)
        paragraphs = [
            {
                "note_html": Markup(self.render_markdown(walkthrough.note_markdown(p.note))) if p.note else Markup(""),
                "code_html": Markup(walkthrough.wrapped_lines(highlight(p.code, PythonLexer(), formatter), p.code))
                if p.code.strip() else Markup(""),
            }
            for p in w.paragraphs
        ]
        return self._put(self._macro("code_walkthrough")(w, paragraphs, title))

    def comparison_table(self, columns: list[str], rows: list[list[str]], caption: str = "") -> Markup:
        widths = {len(row) for row in rows}
        if widths and widths != {len(columns)}:
            raise ValueError(f"comparison_table: every row needs {len(columns)} cells, got {sorted(widths)}")
        return self._put(self._macro("comparison_table")(columns, rows, caption))

    def chart_kind(self, name: str) -> Markup:
        """A chart kind's purpose and fields, for the Components page."""
        from .chart_kinds import KINDS_FILE, describe_kind

        self.files_read.add(str(KINDS_FILE))
        return self._put(self._macro("chart_kind")(describe_kind(self.root, name)))

    def qa(self, question: str, caller: Any = None) -> Markup:
        return self._put(self._macro("qa")(question, self._body(caller)))

    def quiz(self, question: str, options: list[dict], multiple: bool = False) -> Markup:
        """A multiple-choice self-check. Option text and feedback are inline Markdown; raw HTML
        in them shows as text."""
        if len(options) < 2:
            raise ValueError(f"quiz {question!r}: give at least two options")
        for option in options:
            if "text" not in option or set(option) - {"text", "correct", "feedback"}:
                raise ValueError(f"quiz {question!r}: each option is {{text, correct, feedback}}, got {sorted(option)}")
        if not any(option.get("correct") for option in options):
            raise ValueError(f"quiz {question!r}: mark at least one option correct")
        shown = [{"text": self._inline(option["text"]), "correct": bool(option.get("correct")),
                  "feedback": self._inline(option.get("feedback", ""))} for option in options]
        return self._put(self._macro("quiz")(question, shown, multiple, self._unique_id("quiz")))

    def _inline(self, text: str) -> Markup:
        """Inline Markdown with raw HTML escaped; code spans are left to Markdown, which escapes them."""
        pieces, last = [], 0
        for span in CODE_SPAN.finditer(text):
            pieces += [str(escape(text[last:span.start()])), span.group(0)]
            last = span.end()
        html = self.render_markdown("".join(pieces) + str(escape(text[last:]))).strip()
        if html.startswith("<p>") and html.endswith("</p>"):
            html = html[3:-4]
        return Markup(html)

    def data_table(self, key: str, caption: str = "") -> Markup:
        found = self.store.value(key)
        if isinstance(found, Pending):
            return self._pending(found, "table")
        if not (isinstance(found, dict) and "columns" in found and "rows" in found):
            raise ValueError(f"data_table: {key!r} is not a table (an object with 'columns' and 'rows')")
        table_id = self._unique_id(key.replace("/", "-"))
        footer = self._footer(key.split("/", 1)[0])
        return self._put(self._macro("data_table")(table_id, found["columns"], found["rows"], caption, footer))

    def globals(self) -> dict[str, Any]:
        names = (*COMPONENTS, "value")
        return {name: getattr(self, name) for name in names}

    def restore(self, html: str) -> str:
        # A component's HTML may hold another's token (a kpi in a stage card's body): repeat.
        while TOKEN_RE.search(html):
            html = TOKEN_RE.sub(lambda m: self.stash[int(m.group(1))], html)
        return html


def escape_text(text: str) -> str:
    return str(escape(text))

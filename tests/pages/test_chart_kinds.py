"""The Components page documents every chart kind, from the source of the kinds."""

from __future__ import annotations

import dataclasses
import inspect
import re
import typing

from engine import charts
from engine.charts import kinds, theme
from pages.chart_kinds import describe_kind
from tests.conftest import ROOT


def defined_kinds() -> set[type]:
    """Every chart kind defined in engine/charts/kinds.py, found without the hand-kept KINDS:
    a dataclass with a ``name`` and a ``title`` (what render needs of every chart)."""
    return {
        cls
        for _, cls in inspect.getmembers(kinds, inspect.isclass)
        if cls.__module__ == kinds.__name__
        and dataclasses.is_dataclass(cls)
        and {"name", "title"} <= {f.name for f in dataclasses.fields(cls)}
    }


def test_every_chart_kind_is_in_kinds_and_on_the_components_page():
    found = defined_kinds()
    assert len(found) >= 7  # the discovery itself works
    assert found == set(charts.KINDS) == set(typing.get_args(kinds.Chart))
    page = (ROOT / "site_src/components.md").read_text()
    documented = set(re.findall(r'chart_kind\("(\w+)"\)', page))
    assert documented == {kind.__name__ for kind in found}


def test_fields_come_from_the_source_with_their_comments():
    kind = describe_kind(ROOT, "HeatmapChart")
    fields = {f.name: f for f in kind.fields}
    assert fields["origin"].default == "''" and "top" in fields["origin"].doc
    assert fields["panels"].default == "required"
    assert "HeatmapPanel.points" in fields and "numeric axes" in fields["HeatmapPanel.points"].doc
    assert "Row order" in kind.doc


def test_the_page_lists_exactly_the_allowed_colour_scales():
    doc = {f.name: f for f in describe_kind(ROOT, "HeatmapChart").fields}["colorscale"].doc
    listed = re.match(r"One of ([\w, ]+):", doc)
    assert listed, doc
    assert listed.group(1).split(", ") == list(theme.COLOR_SCALES)

"""The Components page documents every chart kind, from the source of the kinds."""

from __future__ import annotations

import re

from engine import charts
from pages.chart_kinds import describe_kind
from tests.conftest import ROOT


def test_every_chart_kind_is_on_the_components_page():
    page = (ROOT / "site_src/components.md").read_text()
    documented = set(re.findall(r'chart_kind\("(\w+)"\)', page))
    assert documented == {kind.__name__ for kind in charts.KINDS}


def test_fields_come_from_the_source_with_their_comments():
    kind = describe_kind(ROOT, "HeatmapChart")
    fields = {f.name: f for f in kind.fields}
    assert fields["origin"].default == "''" and "top" in fields["origin"].doc
    assert fields["panels"].default == "required"
    assert "HeatmapPanel.points" in fields and "numeric axes" in fields["HeatmapPanel.points"].doc
    assert "Row order" in kind.doc

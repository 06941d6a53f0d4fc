"""Golden tests of every component, rendered from fixed data.

Set UPDATE_GOLDEN=1 to rewrite the golden files after an intended change, then review
the diff like any other code change.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from engine import charts
from engine.store import LookupFailure, Store
from exports.html_dom import normalised
from pages.components import PageComponents, format_value, make_environment

from ..conftest import ROOT

GOLDEN = Path(__file__).parent / "golden"
PROVENANCE = {"generator": "demo", "cache_key": "0123456789abcdef", "params": {}, "seed": 7,
              "versions": {"torch": "2.13.0"}, "device": "cpu", "threads": 2, "wall_seconds": 1.5,
              "finished_at": "2026-01-01T00:00:00Z"}


@pytest.fixture
def components(tmp_path):
    generated = tmp_path / "generated"
    (generated / "demo").mkdir(parents=True)
    chart = charts.LineChart(name="loss", title="Loss <b>", x_label="step", y_label="loss",
                             series=[charts.Series("held-out", [0, 1], [2.0, 1.0])])
    document = charts.render(chart).document
    (generated / "demo" / "loss.chart.json").write_text(json.dumps(document))
    metrics = {"summary": {"loss": 1.23456, "pairs": 30, "note": "<script>alert(1)</script>"},
               "table": {"columns": ["a", "b"], "rows": [[1, "<i>x</i>"]]},
               "charts": ["loss"], "provenance": PROVENANCE}
    (generated / "demo" / "metrics.json").write_text(json.dumps(metrics))
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "m.py").write_text("def f(x):\n    # y = x + 1\n    return x + 1\n")
    return PageComponents(env=make_environment(ROOT / "templates"), store=Store(generated, {"demo", "later"}),
                          root=tmp_path, relative_url=lambda target: "../" + target,
                          render_markdown=lambda text: f"<p>{text}</p>")


CALLS = {
    "chart": lambda c: c.chart("demo/loss", caption="Lower is better."),
    "metric_card": lambda c: c.metric_card("demo/loss", label="Loss", unit="nats", meaning="Cross-entropy."),
    "stage_card": lambda c: c.stage_card(1, "Pretraining", "Predict", "Text", ["demo/loss"],
                                         caller=lambda: "Body"),
    "pipeline": lambda c: c.pipeline([{"title": "A", "note": "first", "href": "#a"}, {"title": "B"}]),
    "code_walkthrough": lambda c: c.code_walkthrough("models/m.py", "f"),
    "comparison_table": lambda c: c.comparison_table(["", "x"], [["row", "<b>cell</b>"]], caption="Cap"),
    "qa": lambda c: c.qa("Why?", caller=lambda: "Because."),
    "data_table": lambda c: c.data_table("demo/table", caption="T"),
    "pending": lambda c: c.chart("later/loss"),
    "kpi": lambda c: c.kpi("demo/loss", label="Loss", unit="nats", baseline="demo/pairs", baseline_label="pairs"),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_component_matches_golden(components, name):
    token = CALLS[name](components)
    html = components.restore(str(token))
    path = GOLDEN / f"{name}.html"
    if os.environ.get("UPDATE_GOLDEN"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(html + "\n")
    # Compared as parsed trees (exports.html_dom.normalised): attribute order, quoting and
    # layout whitespace may change; elements, attributes and text may not.
    assert normalised(html) == normalised(path.read_text()), (
        f"{name} differs from {path}; rerun with UPDATE_GOLDEN=1 if intended")


def test_content_is_escaped(components):
    table = components.restore(str(components.comparison_table(["", "x"], [["r", "<b>cell</b>"]])))
    assert "<b>cell</b>" not in table and "&lt;b&gt;cell&lt;/b&gt;" in table
    assert components.value("demo/note") == "<script>alert(1)</script>"  # str: Jinja autoescapes it
    chart = components.restore(str(components.chart("demo/loss")))
    visible = chart.split("<script>")[0]  # the figure JSON is data for plotly.js, not markup
    assert "Loss <b>" not in visible and "Loss &lt;b&gt;" in visible


def test_chart_json_cannot_close_its_script(components, tmp_path):
    chart = charts.LineChart(name="x", title="</script><script>alert(1)</script>", x_label="a", y_label="b",
                             series=[charts.Series("s", [0], [1.0])])
    document = charts.render(chart).document
    (tmp_path / "generated/demo/x.chart.json").write_text(json.dumps(document))
    metrics = json.loads((tmp_path / "generated/demo/metrics.json").read_text())
    metrics["charts"].append("x")
    (tmp_path / "generated/demo/metrics.json").write_text(json.dumps(metrics))
    html = components.restore(str(components.chart("demo/x")))
    assert html.count("</script>") == 1


def test_lookup_failures_say_what_exists(components):
    with pytest.raises(LookupFailure, match="has: loss, note, pairs"):
        components.value("demo/losss")
    with pytest.raises(LookupFailure, match="unknown generator 'dmeo'"):
        components.chart("dmeo/loss")
    with pytest.raises(LookupFailure, match="no chart 'los'"):
        components.chart("demo/los")


def test_pending_generator_says_being_computed_never_a_number(components):
    html = components.restore(str(components.metric_card("later/loss", label="L")))
    assert "being computed" in html and "later" in html
    assert "being computed" in str(components.value("later/x"))


def test_outputs_of_a_generator_whose_last_run_failed_say_they_are_out_of_date(components):
    fresh = components.restore(str(components.chart("demo/loss")))
    assert "Out of date" not in fresh
    components.store.failed = {"demo"}
    for html in (components.restore(str(components.chart("demo/loss"))),
                 components.restore(str(components.metric_card("demo/loss", label="Loss")))):
        assert 'role="alert">Out of date: the last run of <code>demo</code> failed' in html
        assert "2026-01-01T00:00:00Z" in html  # the earlier run it still shows


def test_ids_are_unique_on_a_page(components):
    first = components.restore(str(components.chart("demo/loss")))
    second = components.restore(str(components.chart("demo/loss")))
    assert 'id="ig-demo-loss"' in first and 'id="ig-demo-loss-2"' in second


@pytest.mark.parametrize("value,text", [(3, "3"), (1797, "1,797"), (1.23456, "1.235"), (0.5, "0.5"),
                                        (2.0, "2"), (0.00012, "0.00012"), (123456.0, "123,456"), (120.0, "120"), (True, "yes")])
def test_format_value(value, text):
    assert format_value(value) == text

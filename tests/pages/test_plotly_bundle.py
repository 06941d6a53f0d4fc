from __future__ import annotations

import json

import pytest

from pages import plotly_bundle
from pages.plotly_bundle import BundleError, check_traces, choose, full_bundle, used_trace_types


def fake_bundle(root, version, traces):
    path = root / plotly_bundle.PARTIAL
    path.parent.mkdir(parents=True)
    body = "".join(f'x={{moduleType:"trace",name:"{t}"}};' for t in traces)
    path.write_text(f"/**\n* plotly.js (cartesian - minified) v{version}\n*/\n{body}")


def test_full_bundle_has_every_trace_we_draw():
    bundle = full_bundle()
    assert {"scatter", "bar", "histogram", "heatmap"} <= bundle.traces
    assert not bundle.partial


def test_partial_bundle_is_preferred_when_versions_match(tmp_path):
    fake_bundle(tmp_path, full_bundle().version, ["scatter", "bar"])
    bundle = choose(tmp_path)
    assert bundle.partial and bundle.traces == {"scatter", "bar"}


def test_version_mismatch_is_an_error_that_says_what_to_do(tmp_path):
    fake_bundle(tmp_path, "0.0.1", ["scatter"])
    with pytest.raises(BundleError, match="npm ci"):
        choose(tmp_path)


def test_missing_trace_type_names_the_charts(tmp_path):
    fake_bundle(tmp_path, full_bundle().version, ["scatter"])
    (tmp_path / "gen").mkdir()
    (tmp_path / "gen" / "latent.chart.json").write_text(json.dumps({"trace_types": ["scattergl"]}))
    (tmp_path / "gen" / "loss.chart.json").write_text(json.dumps({"trace_types": ["scatter"]}))
    used = used_trace_types(tmp_path)
    with pytest.raises(BundleError, match=r"scattergl \(used by gen/latent\)"):
        check_traces(choose(tmp_path), used)


def test_installed_partial_bundle_matches_the_python_package():
    from tests.conftest import ROOT

    if not (ROOT / plotly_bundle.PARTIAL).is_file():
        pytest.skip("npm bundle not installed (make installs it when npm is available)")
    bundle = choose(ROOT)
    assert bundle.partial and bundle.version == full_bundle().version


def test_remembered_trace_types_follow_each_chart_file_content(tmp_path):
    (tmp_path / "gen").mkdir()
    chart = tmp_path / "gen" / "latent.chart.json"
    remembered = tmp_path / "trace-types.json"
    chart.write_text(json.dumps({"trace_types": ["scatter"]}))
    assert used_trace_types(tmp_path, remembered) == {"scatter": {"gen/latent"}}
    assert list(json.loads(remembered.read_text()).values()) == [["scatter"]]
    chart.write_text(json.dumps({"trace_types": ["heatmap"], "x": 1}))  # new content, new answer
    assert used_trace_types(tmp_path, remembered) == {"heatmap": {"gen/latent"}}
    assert list(json.loads(remembered.read_text()).values()) == [["heatmap"]]  # the old entry is dropped

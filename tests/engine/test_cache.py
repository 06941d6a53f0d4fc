"""The cache: a hit when nothing changed, a miss for each kind of input change, atomic
outputs, and a corrupt manifest that is rebuilt rather than trusted."""

from __future__ import annotations

import json

import pytest

from engine.params import load_params
from engine.plan import plan

from .toy_project import make_toy_project, run_generators, write_params


def stale(root) -> dict[str, str]:
    return {s.decl.name: s.reason for s in plan(root, load_params(root)) if s.stale}


@pytest.fixture
def toy(tmp_path):
    root = make_toy_project(tmp_path / "toy")
    result = run_generators(root)
    assert result.returncode == 0, result.stderr
    return root


def test_first_run_writes_outputs_with_provenance(toy):
    metrics = json.loads((toy / "site_src/generated/toy_a/metrics.json").read_text())
    assert metrics["summary"]["total"] == 6.0
    provenance = metrics["provenance"]
    assert set(provenance) >= {"generator", "cache_key", "params", "seed", "versions", "device", "wall_seconds",
                               "finished_at"}
    assert provenance["generator"] == "toy_a"
    assert (toy / "site_src/generated/toy_a/numbers.chart.json").is_file()
    assert (toy / "site_src/generated/toy_a/numbers.svg").read_bytes().startswith(b"<?xml")
    doubled = json.loads((toy / "site_src/generated/toy_b/metrics.json").read_text())["summary"]["doubled"]
    assert doubled == 12.0


def test_hit_when_nothing_changed(toy):
    assert stale(toy) == {}
    again = run_generators(toy)
    assert again.returncode == 0
    assert "all 2 current" in again.stderr


def test_miss_when_a_transitively_imported_model_module_changes(toy):
    (toy / "models/toy_math.py").write_text("SCALE = 2.0\n")
    assert stale(toy) == {"toy_a": "inputs changed", "toy_b": "inputs changed"}
    assert run_generators(toy).returncode == 0
    assert json.loads((toy / "site_src/generated/toy_b/metrics.json").read_text())["summary"]["doubled"] == 24.0


def test_unimported_module_does_not_invalidate(toy):
    (toy / "models/unused.py").write_text("VALUE = 2\n")
    assert stale(toy) == {}


def test_miss_when_a_data_file_changes_but_not_when_only_touched(toy):
    path = toy / "data/numbers.txt"
    path.write_text(path.read_text())  # new mtime, same content
    assert stale(toy) == {}
    path.write_text("1 2 3 4\n")
    assert set(stale(toy)) == {"toy_a", "toy_b"}


def test_param_change_reruns_only_that_generator(toy):
    write_params(toy, b={"factor": 3.0})
    assert stale(toy) == {"toy_b": "inputs changed"}


def test_upstream_change_invalidates_downstream(toy):
    write_params(toy, a={"factor": 5.0})
    assert set(stale(toy)) == {"toy_a", "toy_b"}


def test_generator_source_change_invalidates(toy):
    source = toy / "generators/toy_b.py"
    source.write_text(source.read_text().replace("2 * total", "3 * total"))
    assert stale(toy) == {"toy_b": "inputs changed"}


def test_crash_leaves_previous_outputs_and_names_the_generator(toy):
    before = (toy / "site_src/generated/toy_a/metrics.json").read_bytes()
    write_params(toy, a={"fail": True})
    result = run_generators(toy)
    assert result.returncode == 1
    assert "toy_a failed" in result.stderr and "told to fail" in result.stderr
    assert "toy_b skipped" in result.stderr
    assert (toy / "site_src/generated/toy_a/metrics.json").read_bytes() == before
    leftovers = [p.name for p in (toy / "site_src/generated").iterdir() if p.name.startswith(".")]
    assert leftovers == []
    assert "toy_a" in stale(toy)


def test_corrupt_manifest_warns_and_is_rebuilt_from_provenance(toy):
    (toy / ".cache/manifest.json").write_text("{not json")
    result = run_generators(toy)
    assert result.returncode == 0
    assert "corrupt" in result.stderr
    assert "all 2 current" in result.stderr
    json.loads((toy / ".cache/manifest.json").read_text())  # valid again on the next write


def test_force_reruns_one(toy):
    result = run_generators(toy, "--force", "toy_b")
    assert result.returncode == 0
    assert "toy_b: running (forced)" in result.stderr
    assert "toy_a: running" not in result.stderr


def test_list_and_unknown_names(toy):
    listed = run_generators(toy, "--list")
    assert "toy_a" in listed.stdout and "current" in listed.stdout
    unknown = run_generators(toy, "nope")
    assert unknown.returncode == 2
    assert "unknown generator(s): nope" in unknown.stderr


def test_a_charts_package_change_redraws_and_retrains_nothing(toy):
    metrics_before = json.loads((toy / "site_src/generated/toy_a/metrics.json").read_text())
    theme = toy / "engine/charts/theme.py"
    theme.write_text(theme.read_text().replace('REFERENCE_COLOR = "#888888"', 'REFERENCE_COLOR = "#777777"'))
    result = run_generators(toy)
    assert result.returncode == 0, result.stderr
    assert "toy_a: redrawing charts (charts package changed)" in result.stderr
    assert "running" not in result.stderr
    after = json.loads((toy / "site_src/generated/toy_a/metrics.json").read_text())
    # the computation, and so its provenance (time, key), is the earlier run's
    assert after["provenance"]["finished_at"] == metrics_before["provenance"]["finished_at"]
    assert after["provenance"]["cache_key"] == metrics_before["provenance"]["cache_key"]
    assert after["provenance"]["draw_key"] != metrics_before["provenance"]["draw_key"]
    assert (toy / "site_src/generated/toy_a/numbers.csv").read_text().startswith("series,i,value")
    assert run_generators(toy).stderr.strip().endswith("all 2 current")


def test_params_errors_name_the_line_and_nothing_runs(toy):
    (toy / "params.yaml").write_text(
        "device: cpu\nthreads: 1\ngenerators:\n  toy_a:\n    seed: 0\n    factor: lots\n"
        "  toy_b:\n    seed: 0\n    factr: 2\n"
    )
    result = run_generators(toy, "--force", "toy_a")
    assert result.returncode == 1
    assert ("params.yaml:6: generators.toy_a.factor: expected float, got 'lots' (str)") in result.stderr
    assert "params.yaml:9: generators.toy_b.factr: unknown param for toy_b (Params has: factor)" in result.stderr
    assert "nothing ran" in result.stderr and "running" not in result.stderr


def test_an_error_points_at_the_generators_own_line(toy):
    source = toy / "generators/toy_b.py"
    source.write_text(source.read_text().replace(
        'total = ctx.upstream["toy_a"]["summary"]["total"]', 'total = ctx.upstream["toy_a"]["summary"]["missing"]'))
    result = run_generators(toy)
    assert result.returncode == 1
    line = next(i for i, text in enumerate(source.read_text().splitlines(), 1) if '"missing"' in text)
    assert f"toy_b failed at generators/toy_b.py:{line}: KeyError" in result.stderr


def test_a_chart_data_error_points_at_the_generators_own_line(toy):
    source = toy / "generators/toy_a.py"
    source.write_text(source.read_text().replace(
        "Series(\"numbers\", list(range(len(numbers))), numbers)",
        "Series(\"numbers\", list(range(len(numbers))), numbers[:-1])"))
    result = run_generators(toy)
    assert result.returncode == 1
    # the call that builds the chart, where its data is checked
    line = next(i for i, text in enumerate(source.read_text().splitlines(), 1) if "chart = LineChart(" in text)
    assert "LineChart 'numbers', series 'numbers': x has 3 points, y has 2" in result.stderr
    assert f"toy_a failed at generators/toy_a.py:{line}: ChartDataError" in result.stderr
    assert "<string>" not in result.stderr


@pytest.mark.parametrize("broken", ["models/toy_math.py", "generators/toy_b.py"])
def test_a_syntax_error_names_the_file_from_the_project_root(toy, broken):
    path = toy / broken
    path.write_text(path.read_text() + "\ndef oops(:\n    pass\n")
    line = len(path.read_text().splitlines()) - 1
    result = run_generators(toy)
    assert result.returncode == 2
    assert f"{broken}:{line}: " in result.stderr, result.stderr
    assert "def oops(:" in result.stderr

"""The LLM lecture's generators end to end on tiny configs: the four training stages and
the code <-> output table, run once in a copy of the project (conftest.py)."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import pytest
import yaml

from engine.params import ParamsError, load_params, validate
from tests.conftest import ROOT, TINY_PARAMS, copy_generated, run_in

from .conftest import lecture_outputs

STAGES = ("gpt_pretrain", "gpt_sft", "gpt_reward", "gpt_align")
# The figures each stage's summary must have (the list).
REQUIRED = {
    "gpt_pretrain": ("heldout_loss", "log_vocab", "bigram_heldout_loss", "vocab_size", "n_params", "heldout_perplexity"),
    "gpt_sft": ("heldout_response_loss", "base_heldout_response_loss"),
    "gpt_reward": ("heldout_accuracy", "heldout_mean_margin", "length_baseline_accuracy", "heldout_pairs"),
    "gpt_align": ("mean_reward_sft", "mean_reward_aligned", "kl_to_reference"),
}


@pytest.fixture(scope="module")
def project(request) -> Path:
    return lecture_outputs(request, "llm_alignment_table")


def metrics(project: Path, name: str) -> dict:
    return json.loads((project / "site_src/generated" / name / "metrics.json").read_text())


def assert_table(table: dict) -> None:
    assert table["columns"] and table["rows"]
    assert {len(row) for row in table["rows"]} == {len(table["columns"])}


@pytest.mark.parametrize("stage", STAGES)
def test_summary_has_the_required_figures_all_finite(project, stage):
    summary = metrics(project, stage)["summary"]
    for key in REQUIRED[stage]:
        assert key in summary, key
        assert isinstance(summary[key], int | float) and math.isfinite(summary[key]), (key, summary[key])


@pytest.mark.parametrize("stage", [*STAGES, "llm_alignment_table"])
def test_provenance_and_every_declared_chart_is_written(project, stage):
    m = metrics(project, stage)
    provenance = m["provenance"]
    assert provenance["generator"] == stage and provenance["wall_seconds"] >= 0
    assert provenance["params"]["seed"] == provenance["seed"]
    for chart in m["charts"]:
        document = json.loads((project / "site_src/generated" / stage / f"{chart}.chart.json").read_text())
        assert document["figure"]["data"] and document["description"]
        assert (project / "site_src/generated" / stage / f"{chart}.svg").read_bytes().startswith(b"<?xml")
    if stage in STAGES:
        assert (project / ".cache" / stage / "model.pt").is_file()


def test_each_stage_declares_its_charts(project):
    charts = {stage: set(metrics(project, stage)["charts"]) for stage in STAGES}
    assert charts["gpt_pretrain"] == {"loss", "perplexity", "attention", "temperature"}
    assert charts["gpt_sft"] == {"response_loss"}
    assert charts["gpt_reward"] >= {"accuracy", "margin", "scores"}
    assert charts["gpt_align"] >= {"next_token", "reward_before_after", "dpo_loss", "metformin_rewards"}


def test_preference_table_matches_the_held_out_pairs(project):
    reward = metrics(project, "gpt_reward")
    table = reward["preference_table"]
    assert_table(table)
    assert len(table["rows"]) == reward["summary"]["heldout_pairs"]
    col = {name: i for i, name in enumerate(table["columns"])}
    for row in table["rows"]:
        chosen, rejected, ranking = row[col["score of chosen"]], row[col["score of rejected"]], row[col["ranking"]]
        assert ranking in ("right", "wrong")
        assert (chosen >= rejected) if ranking == "right" else (chosen <= rejected)
    right = sum(row[col["ranking"]] == "right" for row in table["rows"])
    assert right == reward["summary"]["heldout_ranked_right"]
    assert math.isclose(right / len(table["rows"]), reward["summary"]["heldout_accuracy"], rel_tol=1e-4)


def test_targets_state_the_figure_and_whether_it_was_met(project):
    for stage in STAGES:
        targets = metrics(project, stage)["targets"]
        assert_table(targets)
        assert [row[2] for row in targets["rows"]] == ["yes" if met else "NO" for met in targets["met"].values()]
    overall = metrics(project, "llm_alignment_table")
    stage_rows = sum(len(metrics(project, s)["targets"]["rows"]) for s in STAGES)
    assert len(overall["targets"]["rows"]) == stage_rows + 1  # + the total wall time
    assert overall["summary"]["targets_total"] == stage_rows + 1
    missed = [row for row in overall["targets"]["rows"] if row[2] == "NO"]
    assert (overall["summary"]["missed_targets"] == "none") == (missed == []) == overall["summary"]["all_targets_met"]


def test_attention_heatmap_is_causal_with_a_panel_per_layer_and_head(project):
    pretrain = metrics(project, "gpt_pretrain")
    config = pretrain["config"]
    document = json.loads((project / "site_src/generated/gpt_pretrain/attention.chart.json").read_text())
    figure = document["figure"]
    # one panel per layer and head: Plotly frames behind a slider and Play (or one trace each)
    traces = [frame["data"][0] for frame in figure["frames"]] if figure.get("frames") else figure["data"]
    assert len(traces) == config["n_layer"] * config["n_head"]
    for trace in traces:
        assert (trace.get("zmin", 0), trace.get("zmax", 1)) == (0, 1)
        z = trace["z"]
        assert all(z[t][s] == 0 for t in range(len(z)) for s in range(t + 1, len(z)))
        assert all(math.isclose(sum(row), 1.0, abs_tol=1e-2) for row in z)
    # at least 40 characters of the probe sentence; the lecture's n_layer * n_head panels within ~150 KB
    assert len(traces[0]["z"]) >= 40
    lecture = yaml.safe_load((ROOT / "params.yaml").read_text())["generators"]["gpt_pretrain"]
    panels = figure.get("frames") or [{"data": [trace]} for trace in figure["data"]]  # a slider's frames
    per_panel = max(len(json.dumps(panel, separators=(",", ":"))) for panel in panels)
    assert per_panel * (lecture["n_layer"] * lecture["n_head"] + 1) < 150_000  # + the first panel drawn


def test_metformin_case_is_traced_through_every_stage(project):
    align = metrics(project, "gpt_align")
    case, trace = align["metformin"], align["metformin_trace"]
    assert_table(trace)
    outputs = [row[2] for row in trace["rows"]]
    assert outputs == [case[k] for k in ("pretrained_answer", "sft_answer", "reference_response",
                                         "unsafe_response", "aligned_answer")]
    assert case["pretrained_answer"] == metrics(project, "gpt_sft")["metformin_answer"]["base"]
    assert "metformin" in case["prompt"]


def test_code_table_points_at_code_that_exists(project):
    table = metrics(project, "llm_alignment_table")["table"]
    assert_table(table)
    for _, where, _ in table["rows"]:
        path, symbol = where.split(" ")
        file, line = path.split(":")
        name = symbol.split(".")[-1]
        assert name in (project / file).read_text().splitlines()[int(line) - 1], where


def test_a_stale_symbol_in_the_code_table_fails_clearly(project, tmp_path):
    project = copy_generated(project, tmp_path / "p")
    source = project / "generators/llm_alignment_table.py"
    source.write_text(source.read_text().replace('"bigram_loss",', '"bigram_los",', 1))
    result = run_in(project, "-m", "generators", "llm_alignment_table")
    assert result.returncode != 0
    assert "models/gpt_pretrain.py has no 'bigram_los'" in result.stderr


def test_a_missing_upstream_checkpoint_fails_clearly(project, tmp_path):
    project = copy_generated(project, tmp_path / "p")
    (project / ".cache/gpt_pretrain/model.pt").unlink()
    result = run_in(project, "-m", "generators", "--force", "gpt_sft", "gpt_sft")
    assert result.returncode != 0
    assert "gpt_pretrain's checkpoint" in result.stderr and "--force gpt_pretrain" in result.stderr


def test_unknown_params_name_the_known_ones(tmp_path, monkeypatch):
    from models.gpt_sft import SFTConfig

    monkeypatch.delenv("IG_PARAMS", raising=False)
    (tmp_path / "params.yaml").write_text("generators:\n  gpt_sft:\n    seed: 7\n    max_steps: 3\n"
                                          "  typo:\n    max_step: 3\n")
    params = load_params(tmp_path)
    config = validate(params, "gpt_sft", SFTConfig)
    assert (config.max_steps, config.seed) == (3, 7)
    with pytest.raises(ParamsError, match=r"params.yaml:6: generators.typo.max_step: unknown param.*max_steps"):
        validate(params, "typo", SFTConfig)


def test_tiny_params_use_the_models_tiny_configs(monkeypatch):
    from models.gpt_align import DPOConfig
    from models.gpt_pretrain import PretrainConfig
    from models.gpt_reward import RewardConfig
    from models.gpt_sft import SFTConfig

    monkeypatch.setenv("IG_PARAMS", str(TINY_PARAMS))
    params = load_params(ROOT)
    for stage, cls in zip(STAGES, (PretrainConfig, SFTConfig, RewardConfig, DPOConfig), strict=True):
        tiny, default = dataclasses.asdict(cls.tiny()), dataclasses.asdict(cls())
        configured = dataclasses.asdict(validate(params, stage, cls))
        changed = {k for k in tiny if tiny[k] != default[k]}
        assert {k: configured[k] for k in changed} == {k: tiny[k] for k in changed}, stage

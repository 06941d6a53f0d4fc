"""The generative-models lecture's generators, end to end with tiny configs in a copy of the
project: each writes the summary its pages read, finite numbers, provenance, and every
chart as JSON and SVG; the judge's checkpoint and the samples reach the downstream runs."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from ..conftest import copy_project, run_in
from .conftest import lecture_outputs

pytestmark = pytest.mark.slow

GENERATORS = ("digit_classifier", "vae", "vae_beta_sweep", "gan", "gan_collapse", "ddpm", "generative_quality")
CHARTS = {
    "digit_classifier": {"accuracy"},
    "vae": {"loss", "reconstructions", "samples", "latent", "latent_grid", "traversal", "interpolation"},
    "vae_beta_sweep": {"tradeoff", "rate_distortion", "samples"},
    "gan": {"losses", "d_outputs", "snapshots", "samples"},
    "gan_collapse": {"class_counts", "samples", "d_outputs"},
    "ddpm": {"forward", "schedule", "snr", "loss", "reverse", "denoise_one", "samples", "sampler_samples"},
    "generative_quality": {"quality", "confidence", "class_counts", "samplers"},
}


@pytest.fixture(scope="module")
def project(request) -> Path:
    # generative_quality is downstream of every other generator of the lecture
    return lecture_outputs(request, "generative_quality")


def metrics(project: Path, name: str) -> dict:
    return json.loads((project / "site_src/generated" / name / "metrics.json").read_text())


def numbers(node):
    if isinstance(node, bool):
        return
    if isinstance(node, int | float):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from numbers(value)
    elif isinstance(node, list):
        for value in node:
            yield from numbers(value)


@pytest.mark.parametrize("name", GENERATORS)
def test_outputs_charts_and_provenance(project, name):
    m = metrics(project, name)
    assert m["summary"]
    assert all(v is not None and math.isfinite(v) for v in numbers(m["summary"])), m["summary"]
    p = m["provenance"]
    assert p["generator"] == name and p["cache_key"] and p["wall_seconds"] >= 0
    assert p["params"]["seed"] == p["seed"] and p["versions"]["torch"]
    assert set(m["charts"]) == CHARTS[name]
    for chart in m["charts"]:
        document = json.loads((project / "site_src/generated" / name / f"{chart}.chart.json").read_text())
        assert document["figure"]["data"] and document["description"] and document["table"]["rows"]
        assert (project / "site_src/generated" / name / f"{chart}.svg").read_bytes().startswith(b"<?xml")


def test_quality_summary_has_every_source_the_pages_read(project):
    s = metrics(project, "generative_quality")["summary"]
    assert 0 <= s["classifier_heldout_accuracy"] <= 1
    for source in ("real", "noise", "vae", "gan", "ddpm"):
        assert 0.1 <= s[source]["mean_confidence"] <= 1  # the top of 10 probabilities is >= 1/10
        assert isinstance(s[source]["coverage"], int) and 0 <= s[source]["coverage"] <= 10
    accuracy = metrics(project, "digit_classifier")["summary"]["heldout_accuracy"]
    assert s["classifier_heldout_accuracy"] == accuracy


def test_quality_tables_and_targets(project):
    m = metrics(project, "generative_quality")
    for table in ("comparison", "samplers", "targets_table", "wall_table"):
        widths = {len(row) for row in m[table]["rows"]}
        assert widths == {len(m[table]["columns"])}, table
    assert [row[0] for row in m["comparison"]["rows"][:3]] == ["VAE", "GAN", "diffusion (DDPM)"]
    assert len(m["targets"]) == m["summary"]["targets_total"] == 3
    assert m["summary"]["targets_met"] == sum(t["met"] for t in m["targets"])
    assert all(set(t) == {"target", "figure", "met"} for t in m["targets"])
    # training time in the comparison is the upstream run's provenance wall time
    ddpm_row = m["comparison"]["rows"][2]
    assert ddpm_row[3] == round(metrics(project, "ddpm")["provenance"]["wall_seconds"], 1)
    wall = m["summary"]["wall_seconds"]
    assert wall["total"] >= sum(v for k, v in wall.items() if k not in ("total", "generative_quality"))


def test_samplers_follow_the_params(project):
    params = metrics(project, "ddpm")["provenance"]["params"]
    rows = metrics(project, "generative_quality")["samplers"]["rows"]
    assert [row[1] for row in rows] == [params["T"], *sorted(params["compare_ddim_steps"], reverse=True)]


def test_collapse_scores_both_runs_with_the_judge(project):
    m = metrics(project, "gan_collapse")
    n_samples = m["provenance"]["params"]["n_samples"]
    assert sum(m["class_counts"]["collapse"]) == n_samples
    default_params = metrics(project, "gan")["provenance"]["params"]
    assert sum(m["class_counts"]["default"]) == default_params["n_samples"]
    assert m["summary"]["default_lr_g"] == default_params.get("lr_g", 4e-4)


def test_checkpoints_stay_out_of_the_site(project):
    for name, filename in [("digit_classifier", "classifier.pt"), ("vae", "samples.pt"), ("gan", "samples.pt"),
                           ("ddpm", "samples.pt")]:
        assert (project / ".cache" / name / filename).is_file()
    assert not list((project / "site_src/generated").rglob("*.pt"))


def test_beta_sweep_has_one_run_per_beta(project):
    m = metrics(project, "vae_beta_sweep")
    betas = m["provenance"]["params"]["betas"]
    assert [row[0] for row in m["table"]["rows"]] == betas


def test_unknown_param_is_named(tmp_path):
    root = copy_project(tmp_path / "p")
    params = root / "params.yaml"
    params.write_text(params.read_text().replace("  vae:\n    seed: 0\n", "  vae:\n    seed: 0\n    epoch: 3\n"))
    result = run_in(root, "-m", "generators", "vae")
    assert result.returncode != 0
    assert "generators.vae.epoch: unknown param for vae" in result.stderr
    assert "epochs" in result.stderr and "nothing ran" in result.stderr

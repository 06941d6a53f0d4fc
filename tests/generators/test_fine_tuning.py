"""The fine-tuning lecture's generators end to end on tiny configs (with the flagship's tiny
gpt_pretrain as upstream), run once in a copy of the project (conftest.py)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from generators.ft_methods import grid_edge

from .conftest import lecture_outputs

# The issue's list of fine_tuning_table's summary keys.
TABLE_KEYS = (
    "lora_init_max_abs_diff",
    "lora_merge_max_abs_diff",
    "full_trainable_params",
    "lora_r8_trainable_params",
    "base_new_loss",
    "full_new_loss",
    "lora_r8_new_loss",
    "qlora_r8_new_loss",
    "full_forgetting",
    "lora_r8_forgetting",
    "ewc_forgetting",
    "last_layer_forgetting",
    "nf4_loss_increase",
    "int4_loss_increase",
    "fp4_loss_increase",
    "int8_loss_increase",
    "peft_lora_accuracy",
    "peft_head_accuracy",
    "peft_full_accuracy",
    "peft_lora_trainable_params",
    "peft_heldout_examples",
)


@pytest.fixture(scope="module")
def project(request) -> Path:
    return lecture_outputs(request, "fine_tuning_table", HF_HUB_OFFLINE="1")


def metrics(project: Path, name: str) -> dict:
    return json.loads((project / "site_src/generated" / name / "metrics.json").read_text())


def test_table_summary_has_every_key_of_the_issue(project):
    summary = metrics(project, "fine_tuning_table")["summary"]
    for key in TABLE_KEYS:
        assert isinstance(summary[key], int | float) and math.isfinite(summary[key]), (key, summary.get(key))
    assert summary["lora_init_max_abs_diff"] == 0  # B = 0: exactly the base model
    assert summary["targets_total"] == 10
    assert isinstance(summary["missed_targets"], list)
    assert len(summary["missed_targets"]) == summary["targets_total"] - summary["targets_met"]


def test_targets_table_agrees_with_the_summary(project):
    m = metrics(project, "fine_tuning_table")
    rows = m["targets"]["rows"]
    assert m["targets"]["columns"] == ["target", "reached in this build", "met"]
    assert len(rows) == m["summary"]["targets_total"]
    assert sum(r[2] == "yes" for r in rows) == m["summary"]["targets_met"]


def test_tiny_run_counts_and_pass_through(project):
    methods = metrics(project, "ft_methods")["summary"]
    table = metrics(project, "fine_tuning_table")["summary"]
    pretrain = metrics(project, "gpt_pretrain")["summary"]
    assert methods["full_trainable_params"] == pretrain["n_params"]
    # tiny config: r = 2 on c_attn (C -> 3C) and c_proj (C -> C) in every block
    c, layers = pretrain["n_embd"], pretrain["n_layer"]
    assert methods["lora_r2_trainable_params"] == layers * 2 * ((c + 3 * c) + (c + c))
    assert table["lora_r8_new_loss"] == methods["lora_r2_new_loss"]  # the grid rank stands in for r = 8
    assert methods["base_pretrain_loss"] == pytest.approx(pretrain["heldout_loss"], abs=1e-4)
    quantize = metrics(project, "ft_quantize")["summary"]
    assert quantize["memory_checks_met"] == quantize["memory_checks_total"] == 3
    assert quantize["int8_loss_increase"] == table["int8_loss_increase"]
    peft = metrics(project, "ft_peft")["summary"]
    assert peft["heldout_examples"] == 6 and peft["lora_trainable_params"] == 6 * 2 * 2 * (384 + 384)


def test_charts_written(project):
    out = project / "site_src/generated"
    for name in (
        "ft_methods/lora_picture",
        "ft_methods/update_rank",
        "ft_methods/rank_sweep",
        "ft_methods/tradeoff",
        "ft_methods/forgetting_curves",
        "ft_methods/lr_forgetting",
        "ft_methods/learning_rates",
        "ft_methods/grad_norms",
        "ft_methods/fisher",
        "ft_quantize/weights_nf4",
        "ft_quantize/quant_error",
        "ft_quantize/memory",
        "ft_peft/accuracy",
    ):
        assert (out / f"{name}.chart.json").is_file() and (out / f"{name}.svg").is_file(), name


@pytest.mark.parametrize(
    "grid,chosen,edge",
    [
        ((1e-3, 3e-3, 1e-2), 1e-2, "highest"),
        ((1e-3, 3e-3, 1e-2, 3e-2), 1e-2, "inside"),
        ((3e-2, 1e-3, 1e-2), 1e-3, "lowest"),  # order of the grid does not matter
        ((1e-3,), 1e-3, "only"),
        ((100.0, 1000.0, 10000.0), 1000.0, "inside"),
    ],
)
def test_grid_edge_says_where_the_choice_sits(grid, chosen, edge):
    assert grid_edge(grid, chosen) == edge


def test_grid_edge_refuses_a_choice_outside_its_grid():
    with pytest.raises(ValueError, match="not in its grid"):
        grid_edge((1e-3, 3e-3), 1e-2)


def test_tiny_run_flags_each_choice_at_a_grid_edge(project):
    methods = metrics(project, "ft_methods")
    summary = methods["summary"]
    # tiny params: one rate for full and last layer, two for LoRA, one EWC lambda
    assert summary["full_lr_edge"] == summary["last_layer_lr_edge"] == summary["ewc_lambda_edge"] == "only"
    assert summary["lora_lr_edge"] == {1e-3: "lowest", 3e-3: "highest"}[summary["lora_lr"]]
    assert summary["lr_choices_at_edge"] == 3
    chosen = [r for r in methods["grid_table"]["rows"] if r[0] == "lora" and r[3]]
    assert chosen == [
        ["lora", f"{summary['lora_lr']:g}", chosen[0][2], f"chosen: {summary['lora_lr_edge']} of the grid"]
    ]


def test_page_counts_come_from_the_summaries(project):
    methods = metrics(project, "ft_methods")["summary"]
    table = metrics(project, "fine_tuning_table")["summary"]
    assert methods["lora_rank_count"] == 2  # tiny lora_ranks: [1, 2]
    peft = metrics(project, "ft_peft")["summary"]
    # tiny per_class_limit 2: 2 messages of each of 3 classes in each split, so 6 of 12 are held out
    assert peft["train_examples"] == 6 and table["peft_heldout_pct"] == 50.0

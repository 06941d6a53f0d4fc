"""The retrieval lecture's generators end to end on tiny configs (with the flagship's tiny
gpt_pretrain and gpt_sft as upstream for the prompting measurement), run once in a copy of the project (conftest.py)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from .conftest import lecture_outputs

# The issue's list of retrieval_table's summary keys.
TABLE_KEYS = (
    "heldout_questions", "unanswerable_questions", "bm25_recall_at_5", "dense_recall_at_5", "hybrid_recall_at_5",
    "dense_mrr_at_10", "tuned_mrr_at_10", "index_vectors", "flat_query_ms", "hnsw_query_ms", "hnsw_recall_at_10",
    "ivf_recall_at_10", "hnsw_ef_search", "ivf_nprobe", "checklist_passed_frozen", "checklist_passed_tuned",
    "answer_accuracy", "abstain_precision", "abstain_recall", "targets_met", "targets_total",
)


@pytest.fixture(scope="module")
def project(request) -> Path:
    return lecture_outputs(request, "retrieval_table")


def metrics(project: Path, name: str) -> dict:
    return json.loads((project / "site_src/generated" / name / "metrics.json").read_text())


def test_table_summary_has_every_key_of_the_issue(project):
    summary = metrics(project, "retrieval_table")["summary"]
    for key in TABLE_KEYS:
        assert isinstance(summary[key], int | float) and math.isfinite(summary[key]), (key, summary.get(key))
    assert summary["heldout_questions"] >= 40 and summary["unanswerable_questions"] >= 10
    assert summary["targets_total"] == 5
    assert isinstance(summary["missed_targets"], list)
    assert len(summary["missed_targets"]) == summary["targets_total"] - summary["targets_met"]
    assert 0 <= summary["checklist_passed_frozen"] <= 7 and 0 <= summary["checklist_passed_tuned"] <= 7


def test_targets_table_agrees_with_the_summary(project):
    m = metrics(project, "retrieval_table")
    rows = m["targets"]["rows"]
    assert m["targets"]["columns"] == ["target", "reached in this build", "met"]
    assert len(rows) == m["summary"]["targets_total"]
    assert sum(r[2] == "yes" for r in rows) == m["summary"]["targets_met"]


def test_figures_are_passed_through(project):
    table = metrics(project, "retrieval_table")["summary"]
    search = metrics(project, "rag_search")["summary"]
    emb = metrics(project, "rag_embeddings")["summary"]
    assert table["hybrid_recall_at_5"] == search["hybrid_recall_at_5"]
    assert table["tuned_mrr_at_10"] == emb["tuned_mrr_at_10"]
    assert table["abstain_recall"] == metrics(project, "rag_answer")["summary"]["abstain_recall"]
    # Frozen MiniLM's MRR@10 is the same number whichever generator computed it.
    assert emb["dense_mrr_at_10"] == pytest.approx(search["dense_mrr_at_10"], abs=1e-6)


def test_checklist_and_charts(project):
    emb = metrics(project, "rag_embeddings")
    rows = emb["checklist"]["rows"]
    assert [r[0] for r in rows] == ["margin", "separation", "diagonal", "off-diagonal", "rank-1", "gap", "clustering"]
    assert sum(r[3] == "pass" for r in rows) == emb["summary"]["checklist_passed_frozen"]
    assert sum(r[5] == "pass" for r in rows) == emb["summary"]["checklist_passed_tuned"]
    charts = {p.name.removesuffix(".chart.json") for p in (project / "site_src/generated/rag_embeddings").glob("*.chart.json")}
    assert {"tsne_frozen", "tsne_tuned", "umap_frozen", "umap_tuned", "similarity_heatmap", "topk"} <= charts


def test_prompt_is_assembled_with_citations(project):
    m = metrics(project, "rag_answer")
    assert "[1] (corpus characters" in m["prompt"]["text"]
    parts = m["prompt_parts"]["rows"]
    assert parts[0][0] == "instructions" and parts[-1][0] == "question"
    assert sum(p[2] for p in parts) == m["summary"]["prompt_tokens"]


def test_prompting_scores_every_format_on_the_same_pairs(project):
    m = metrics(project, "rag_prompting")
    assert len(m["formats"]["rows"]) == 5
    assert m["summary"]["scored_pairs"] >= 1

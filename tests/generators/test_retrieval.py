"""The retrieval lecture's generators end to end on tiny configs (with the flagship's tiny
gpt_pretrain and gpt_sft as upstream for the prompting measurement), run once in a copy of the project (conftest.py)."""

from __future__ import annotations

import csv
import json
import math
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import yaml

from generators.rag_prompting import paired_bootstrap
from tests.conftest import ROOT, copy_generated, run_in

from .conftest import lecture_outputs

# The issue's list of retrieval_table's summary keys.
TABLE_KEYS = (
    "heldout_questions",
    "unanswerable_questions",
    "bm25_recall_at_5",
    "dense_recall_at_5",
    "hybrid_recall_at_5",
    "dense_mrr_at_10",
    "tuned_mrr_at_10",
    "index_vectors",
    "flat_query_ms",
    "hnsw_query_ms",
    "hnsw_recall_at_10",
    "ivf_recall_at_10",
    "hnsw_ef_search",
    "ivf_nprobe",
    "checklist_passed_frozen",
    "checklist_passed_tuned",
    "answer_accuracy",
    "abstain_precision",
    "abstain_recall",
    "targets_met",
    "targets_total",
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
    assert chart_names(project, "rag_embeddings") >= {"tsne_frozen", "tsne_tuned", "similarity_heatmap", "topk"}


def chart_names(project: Path, generator: str) -> set[str]:
    return {
        p.name.removesuffix(".chart.json") for p in (project / "site_src/generated" / generator).glob("*.chart.json")
    }


def test_tiny_build_skips_umap_and_the_real_build_draws_it(project):
    emb = metrics(project, "rag_embeddings")
    assert emb["summary"]["umap_drawn"] is False
    assert not {"umap_frozen", "umap_tuned"} & chart_names(project, "rag_embeddings")
    assert set(emb["charts"]) == chart_names(project, "rag_embeddings")  # no chart listed that was not written
    real = yaml.safe_load((ROOT / "params.yaml").read_text())["generators"]["rag_embeddings"]
    assert real["umap"] is True


@pytest.mark.slow
def test_umap_view_is_drawn_when_switched_on(project, tmp_path):
    copy = copy_generated(project, tmp_path / "p")
    params = copy / "params.yaml"
    params.write_text(params.read_text().replace("umap: false", "umap: true", 1))
    result = run_in(copy, "-m", "generators", "rag_embeddings")
    assert result.returncode == 0, result.stderr
    emb = metrics(copy, "rag_embeddings")
    assert emb["summary"]["umap_drawn"] is True
    assert {"umap_frozen", "umap_tuned"} <= chart_names(copy, "rag_embeddings")
    with open(copy / "site_src/generated/rag_embeddings/umap_frozen.csv", newline="") as f:
        groups = Counter(row[0] for row in list(csv.reader(f))[1:])
    # One point per chunk and per held-out question in view, as on the t-SNE map.
    assert groups["chunks"] == emb["summary"]["chunks"]
    assert groups["held-out questions"] == emb["summary"]["view_questions"]


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


def test_format_matters_follows_its_stated_rule(project):
    m = metrics(project, "rag_prompting")
    s, rows = m["summary"], {r[0]: r for r in m["formats"]["rows"]}
    formats = ["other delimiters", "system line first", "no template"]  # "source in the prompt" adds content
    assert s["format_variants"] == len(formats)
    intervals = m["change_intervals"]
    assert set(intervals) == {*formats, "source in the prompt"}
    beyond = sum(not intervals[n]["low"] <= 0 <= intervals[n]["high"] for n in formats)
    assert s["formats_beyond_noise"] == beyond and s["format_matters"] is (beyond > 0)
    largest = s["largest_format_change_variant"]
    assert s["largest_format_change"] == max(abs(intervals[n]["change"]) for n in formats)
    assert s["largest_format_change_signed"] == intervals[largest]["change"]
    assert (s["largest_format_change_low"], s["largest_format_change_high"]) == (
        intervals[largest]["low"],
        intervals[largest]["high"],
    )
    # The table shows the same changes, rounded.
    for n in formats:
        assert float(rows[n][3]) == pytest.approx(intervals[n]["change"], abs=5e-4)
        assert float(rows[n][2]) - float(rows["trained template"][2]) == pytest.approx(
            intervals[n]["change"], abs=1.5e-3
        )


def test_paired_bootstrap_by_hand():
    # Every answer changes by 0.1: every resample's mean is 0.1, so the interval is [0.1, 0.1].
    low, high = paired_bootstrap(np.full(5, 0.1), np.ones(5), resamples=200, seed=0)
    assert low == pytest.approx(0.1) and high == pytest.approx(0.1)
    # Changes +1 and -1: resamples range from all -1 to all +1; the interval straddles zero.
    low, high = paired_bootstrap(np.array([1.0, -1.0] * 10), np.ones(20), resamples=2000, seed=0)
    assert low < 0 < high and -1 <= low and high <= 1
    # Weighted by characters: a 9-character answer at +1 and a 1-character one at -1 give
    # (9 - 1) / 10 = 0.8 when both are drawn once; no resample can fall outside [-1, 1].
    low, high = paired_bootstrap(np.array([1.0, -1.0]), np.array([9.0, 1.0]), resamples=2000, seed=0)
    assert -1 <= low <= 0.8 <= high <= 1
    # Seeded: the same call gives the same interval.
    assert paired_bootstrap(np.array([0.3, -0.1, 0.2]), np.ones(3), 500, 7) == paired_bootstrap(
        np.array([0.3, -0.1, 0.2]), np.ones(3), 500, 7
    )


def test_chunkings_report_cut_evidence_and_latency_is_described(project):
    m = metrics(project, "rag_search")
    s, rows = m["summary"], m["chunkings"]["rows"]
    assert m["chunkings"]["columns"][2] == "held-out gold spans cut"
    cut = {r[0]: r[2] for r in rows}
    assert cut[s["chunking"]] == s["heldout_spans_cut"]
    without = [n for r in rows if "words" in (n := r[0]) and "overlap" not in n]
    with_ = [n for r in rows if "overlap" in (n := r[0])]
    assert s["spans_cut_without_overlap"] == max(cut[n] for n in without)
    assert s["spans_cut_with_overlap"] == max(cut[n] for n in with_)
    assert all(cut[n] == 0 for n in cut if "sentences" in n)  # sentence runs never cut a (one-sentence) span
    # The latency queries are the held-out questions, answerable and not.
    assert s["latency_distinct_queries"] == s["heldout_questions"] + s["unanswerable_questions"]
    assert s["timed_queries"] >= 1 and s["warmup_queries"] >= 0
    assert s["hnsw_lowest_ef_search"] == min(int(r[1].split()[-1]) for r in m["sweep"]["rows"] if r[0] == "HNSW")
    assert 20_000_000 < s["minilm_parameters"] < 25_000_000  # all-MiniLM-L6-v2 has about 22.7 million


def test_a_question_whose_evidence_was_cut_counts_as_a_miss_and_leaves_the_views():
    from types import SimpleNamespace

    from generators.rag_embeddings import Params, _Encoded, _maps

    rng = np.random.default_rng(0)
    c = rng.normal(size=(6, 8))
    c /= np.linalg.norm(c, axis=1, keepdims=True)
    q = c[:4] + 0.01 * rng.normal(size=(4, 8))  # question i sits on chunk i
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    relevant = [{0}, {1}, {2}, set()]  # no chunk holds question 3's whole span
    e = _Encoded([None] * 6, c, [], ["q0", "q1", "q2", "q3"], relevant, q, q, [], kept=[0, 1, 2], train_cut=0)
    ctx = SimpleNamespace(progress=lambda *args: None)
    out = _maps(ctx, Params(umap=False), {"frozen": (q, c)}, e)["frozen"]
    assert out["mrr"] == pytest.approx((1 + 1 + 1 + 0) / 4)  # the cut question is a miss, as in rag_search
    assert out["sim"].shape == (3, 6) and out["tsne"].shape == (3 + 6, 2) and out["umap"] is None
    assert e.gold == [0, 1, 2] and e.held == ["q0", "q1", "q2"]

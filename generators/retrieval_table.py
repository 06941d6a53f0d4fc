"""The retrieval lecture's headline figures and its targets, met or not, gathered from its generators."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.contract import Result, RunContext
from generators._report_format import TARGET_COLUMNS, tally, target_row
from generators._time_target import wall_time_row

UPSTREAM = ("rag_search", "rag_embeddings", "rag_answer", "rag_prompting")
DATA_FILES = ()
# Whose wall time counts against the lecture's budget (rag_prompting reads the flagship's
# SFT checkpoint; training that model belongs to the LLM lecture's budget).
LECTURE = ("rag_search", "rag_embeddings", "rag_answer", "rag_prompting")

MIN_MRR_GAIN = 0.05
MIN_HNSW_RECALL = 0.95
MIN_INDEX_VECTORS = 20_000
MIN_ABSTAIN_PRECISION, MIN_ABSTAIN_RECALL = 0.8, 0.5
MAX_LECTURE_SECONDS = 150.0


@dataclass
class Params:
    """No params of its own (only the seed): it reads its upstreams' outputs."""

    seed: int = 0


PARAMS = Params


def _rows(search: dict[str, Any], emb: dict[str, Any], ans: dict[str, Any], seconds: dict[str, float]) -> list:
    better = max(search["dense_recall_at_5"], search["bm25_recall_at_5"])
    gain = emb["tuned_mrr_at_10"] - emb["dense_mrr_at_10"]
    return [
        target_row(
            "Hybrid recall@5 at least the better of dense and BM25 (held-out)",
            f"hybrid {search['hybrid_recall_at_5']:.3f}, dense {search['dense_recall_at_5']:.3f}, "
            f"BM25 {search['bm25_recall_at_5']:.3f}",
            search["hybrid_recall_at_5"] >= better,
        ),
        target_row(
            f"Trained head raises held-out MRR@10 by at least {MIN_MRR_GAIN}",
            f"{emb['dense_mrr_at_10']:.3f} -> {emb['tuned_mrr_at_10']:.3f} ({gain:+.3f})",
            gain >= MIN_MRR_GAIN,
        ),
        target_row(
            f"HNSW recall@10 at least {MIN_HNSW_RECALL} at lower median latency than Flat, "
            f"at {MIN_INDEX_VECTORS:,}+ vectors",
            f"recall {search['hnsw_recall_at_10']:.3f} at efSearch {search['hnsw_ef_search']}, "
            f"{search['hnsw_query_ms']:.3f} ms vs Flat {search['flat_query_ms']:.3f} ms, "
            f"{search['index_vectors']:,} vectors",
            search["hnsw_recall_at_10"] >= MIN_HNSW_RECALL
            and search["hnsw_query_ms"] < search["flat_query_ms"]
            and search["index_vectors"] >= MIN_INDEX_VECTORS,
        ),
        target_row(
            f"Abstention precision at least {MIN_ABSTAIN_PRECISION} at recall at least {MIN_ABSTAIN_RECALL} (held-out)",
            f"precision {ans['abstain_precision']:.2f}, recall {ans['abstain_recall']:.2f}",
            ans["abstain_precision"] >= MIN_ABSTAIN_PRECISION and ans["abstain_recall"] >= MIN_ABSTAIN_RECALL,
        ),
        wall_time_row(
            f"The lecture's generators in at most {MAX_LECTURE_SECONDS:.0f} s together",
            MAX_LECTURE_SECONDS, seconds, prefix="rag_",
        ),
    ]


def _summary(
    search: dict[str, Any],
    emb: dict[str, Any],
    ans: dict[str, Any],
    prompting: dict[str, Any],
    seconds: dict[str, float],
) -> dict:
    gain = emb["tuned_mrr_at_10"] - emb["dense_mrr_at_10"]
    return {
        "heldout_questions": search["heldout_questions"],
        "unanswerable_questions": search["unanswerable_questions"],
        "bm25_recall_at_5": search["bm25_recall_at_5"],
        "dense_recall_at_5": search["dense_recall_at_5"],
        "hybrid_recall_at_5": search["hybrid_recall_at_5"],
        "dense_mrr_at_10": emb["dense_mrr_at_10"],
        "tuned_mrr_at_10": emb["tuned_mrr_at_10"],
        "index_vectors": search["index_vectors"],
        "flat_query_ms": search["flat_query_ms"],
        "hnsw_query_ms": search["hnsw_query_ms"],
        "hnsw_recall_at_10": search["hnsw_recall_at_10"],
        "hnsw_ef_search": search["hnsw_ef_search"],
        "ivf_recall_at_10": search["ivf_recall_at_10"],
        "ivf_query_ms": search["ivf_query_ms"],
        "ivf_nprobe": search["ivf_nprobe"],
        "checklist_passed_frozen": emb["checklist_passed_frozen"],
        "checklist_passed_tuned": emb["checklist_passed_tuned"],
        # In words, so the fine-tuning page says plainly whether the head helped or hurt.
        "head_effect": "raised" if gain > 0 else ("lowered" if gain < 0 else "did not change"),
        "mrr_gain": gain,
        "target_mrr_gain": MIN_MRR_GAIN,
        "answer_accuracy": ans["answer_accuracy"],
        "abstain_precision": ans["abstain_precision"],
        "abstain_recall": ans["abstain_recall"],
        "trained_template_is_best": prompting["trained_template_is_best"],
        "total_wall_seconds": sum(seconds.values()),
        **{f"{n.removeprefix('rag_')}_wall_seconds": s for n, s in seconds.items()},
    }


def run(ctx: RunContext) -> Result:
    m: dict[str, Any] = {name: ctx.upstream[name] for name in UPSTREAM}
    search, emb = m["rag_search"]["summary"], m["rag_embeddings"]["summary"]
    ans, prompting = m["rag_answer"]["summary"], m["rag_prompting"]["summary"]
    seconds = {name: float(m[name]["provenance"]["wall_seconds"]) for name in LECTURE}
    rows = _rows(search, emb, ans, seconds)
    met, missed = tally(rows)
    ctx.progress(1, 1, f"{met} of {len(rows)} targets met")
    summary = {
        **_summary(search, emb, ans, prompting, seconds),
        "targets_met": met,
        "targets_total": len(rows),
        "missed_targets": missed,
        "missed_targets_text": "; ".join(missed) or "none",
    }
    return Result(metrics={"summary": summary, "targets": {"columns": TARGET_COLUMNS, "rows": rows}})

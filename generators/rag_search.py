"""Retrieval: chunkings compared by recall@5 (BM25, MiniLM, hybrid RRF), then faiss Flat/HNSW/IVF at scale."""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.charts import BarChart, BarPanel, LineChart, Series
from engine.contract import Result, RunContext
from generators._retrieval_setup import load_data
from models.vector_index import IndexConfig

UPSTREAM = ()
DATA_FILES = ("models/data/llm/corpus.txt", "models/data/retrieval/questions.jsonl")


@dataclass
class Params(IndexConfig):
    fixed_sizes: list[int] = field(default_factory=lambda: [40, 100])  # words per fixed-size window: two sizes
    overlap_fraction: float = 0.33  # words the "with overlap" windows share, as a share of the size
    sentences_per_chunk: int = 3  # sentence-based chunking: this many sentences, never across a paragraph
    rrf_k: int = 60  # reciprocal-rank fusion constant (Cormack et al. use 60)
    ef_search: list[int] = field(default_factory=lambda: [16, 32, 64, 128, 256, 512, 1024])  # HNSW sweep
    nprobe: list[int] = field(default_factory=lambda: [1, 2, 4, 8, 16, 32])  # IVF sweep
    min_recall: float = 0.95  # the operating point: cheapest setting reaching this recall@10 on training queries


PARAMS = Params


def _compare_chunkings(ctx: RunContext, config: Params, data, chunkings: list, encoder) -> tuple[list, list, int]:
    """1. Every chunking, scored on training questions (to choose) and on held-out ones (to report)."""
    from models.retrieval import chunking_name, evaluate_chunking

    rows, scores = [], []
    for i, chunking in enumerate(chunkings):
        ctx.progress(2, 4, f"chunking {i + 1}/{len(chunkings)}: {chunking_name(chunking)}")
        train = evaluate_chunking(data.corpus, chunking, data.train, encoder, config.rrf_k)
        held = evaluate_chunking(data.corpus, chunking, data.heldout, encoder, config.rrf_k)
        scores.append((train, held))
        rows.append(
            [
                chunking_name(chunking),
                train.chunks,
                held.spans_cut,
                f"{train.hybrid_recall_at_5:.2f}",
                f"{held.bm25_recall_at_5:.2f}",
                f"{held.dense_recall_at_5:.2f}",
                f"{held.hybrid_recall_at_5:.2f}",
            ]
        )
    # Best hybrid recall@5 on training questions; ties go to the higher training MRR@10, then the earlier one.
    best = max(range(len(chunkings)), key=lambda i: (scores[i][0].hybrid_recall_at_5, scores[i][0].dense_mrr_at_10, -i))
    return rows, scores, best


def _at_scale(ctx: RunContext, config: Params, data, encoder, chosen):
    """2. faiss at scale: the chosen chunking's vectors plus synthetic ones from a fitted mixture."""
    from models.retrieval import make_chunks
    from models.vector_index import benchmark, operating_point

    ctx.progress(3, 4, f"faiss: {config.total_vectors:,} vectors, Flat / HNSW / IVF")
    chunks = make_chunks(data.corpus, chosen)
    chunk_vecs = encoder.encode([c.text for c in chunks])
    # MiniLM reads at most 256 word pieces (with [CLS] and [SEP]); a longer chunk is cut silently.
    longest = max(encoder.count_tokens(c.text) for c in chunks) + 2
    bench = benchmark(
        chunk_vecs,
        encoder.encode([q.question for q in data.heldout]),
        encoder.encode([q.question for q in data.train]),
        config,
        config.ef_search,
        config.nprobe,
    )
    hnsw = operating_point(bench.hnsw, config.min_recall)
    ivf = operating_point(bench.ivf, config.min_recall)
    ctx.progress(
        4,
        4,
        f"HNSW efSearch {hnsw.setting}: recall@10 {hnsw.recall_at_10:.3f}, "
        f"{hnsw.median_ms:.3f} ms vs Flat {bench.flat_ms:.3f} ms",
    )
    return longest, bench, hnsw, ivf


def _chunking_summary(data, chunkings: list, chosen, scores: tuple, longest: int, max_tokens: int) -> dict:
    from models.retrieval import chunking_name

    train, held = scores
    return {
        "train_questions": len(data.train_answerable),
        "train_unanswerable": len(data.train) - len(data.train_answerable),
        "heldout_questions": len(data.heldout_answerable),
        "unanswerable_questions": len(data.heldout) - len(data.heldout_answerable),
        "chunkings_compared": len(chunkings),
        "chunking": chunking_name(chosen),
        "chunking_kind": chosen.kind,
        "chunking_size": chosen.size,
        "chunking_overlap": chosen.overlap,
        "chunks": held.chunks,
        "longest_chunk_tokens": longest,
        "minilm_max_tokens": max_tokens,
        "train_hybrid_recall_at_5": train.hybrid_recall_at_5,
        "bm25_recall_at_5": held.bm25_recall_at_5,
        "dense_recall_at_5": held.dense_recall_at_5,
        "hybrid_recall_at_5": held.hybrid_recall_at_5,
        "dense_mrr_at_10": held.dense_mrr_at_10,
        "heldout_spans_cut": held.spans_cut,
    }


def _cut_summary(chunkings: list, scores: list) -> dict:
    """Held-out gold spans that no chunk holds whole: the worst fixed chunking without overlap and with it."""

    def worst(with_overlap: bool) -> int:
        return max(
            (
                held.spans_cut
                for c, (_, held) in zip(chunkings, scores, strict=True)
                if c.kind == "fixed" and (c.overlap > 0) == with_overlap
            ),
            default=0,
        )

    return {"spans_cut_without_overlap": worst(False), "spans_cut_with_overlap": worst(True)}


def _index_summary(config: Params, bench, hnsw, ivf) -> dict:
    lowest = min(bench.hnsw, key=lambda p: p.setting)  # the revision quiz starts from the sweep's smallest efSearch
    return {
        "rrf_k": config.rrf_k,
        "index_vectors": bench.vectors,
        "real_vectors": bench.real_vectors,
        "synthetic_vectors": bench.vectors - bench.real_vectors,
        "mixture_clusters": config.mixture_clusters,
        "flat_query_ms": bench.flat_ms,
        "hnsw_query_ms": hnsw.median_ms,
        "hnsw_recall_at_10": hnsw.recall_at_10,
        "hnsw_ef_search": hnsw.setting,
        "hnsw_m": config.hnsw_m,
        "ivf_query_ms": ivf.median_ms,
        "ivf_recall_at_10": ivf.recall_at_10,
        "ivf_nprobe": ivf.setting,
        "ivf_lists": config.ivf_lists,
        "hnsw_speedup": bench.flat_ms / hnsw.median_ms,
        "min_recall": config.min_recall,
        # What a latency is a median of: the distinct held-out question vectors (answerable and
        # not), cycled through timed_queries single-query searches after warmup_queries untimed ones.
        "latency_distinct_queries": bench.queries,
        "timed_queries": config.timed_queries,
        "warmup_queries": config.warmup_queries,
        "hnsw_lowest_ef_search": lowest.setting,
        "hnsw_lowest_ef_recall_at_10": lowest.recall_at_10,
        "hnsw_build_seconds": bench.build_seconds["hnsw"],
        "ivf_build_seconds": bench.build_seconds["ivf"],
    }


def _charts(rows: list, scores: list, best: int, bench) -> list:
    names = [r[0] for r in rows]
    chunk_chart = BarChart(
        name="chunking",
        title="Recall@5 on held-out questions, per chunking",
        x_label="chunking",
        y_label="recall@5",
        panels=[
            BarPanel(label, names, [float(getattr(s[1], key)) for s in scores], highlight=[best])
            for label, key in (
                ("hybrid (RRF)", "hybrid_recall_at_5"),
                ("dense (MiniLM)", "dense_recall_at_5"),
                ("BM25", "bm25_recall_at_5"),
            )
        ],
        note="Highlighted: the chunking chosen on training questions.",
    )
    tradeoff = LineChart(
        name="index_tradeoff",
        title=f"Recall@10 against median query latency, {bench.vectors:,} vectors",
        x_label="median latency per query (ms, one thread)",
        y_label="recall@10 against exact search",
        series=[
            Series("HNSW (efSearch grows →)", [p.median_ms for p in bench.hnsw], [p.recall_at_10 for p in bench.hnsw]),
            Series(
                "IVF (nprobe grows →)", [p.median_ms for p in bench.ivf], [p.recall_at_10 for p in bench.ivf], dash=True
            ),
            Series("Flat (exact)", [bench.flat_ms], [1.0]),
        ],
    )
    return [chunk_chart, tradeoff]


def _sweep_table(bench) -> dict:
    return {
        "columns": [
            "index",
            "setting",
            "recall@10 (held-out queries)",
            "recall@10 (training queries)",
            "median ms per query",
        ],
        "rows": [["Flat", "exact", "1.000", "1.000", f"{bench.flat_ms:.3f}"]]
        + [
            [
                "HNSW",
                f"efSearch {p.setting}",
                f"{p.recall_at_10:.3f}",
                f"{p.tuning_recall_at_10:.3f}",
                f"{p.median_ms:.3f}",
            ]
            for p in bench.hnsw
        ]
        + [
            [
                "IVF",
                f"nprobe {p.setting}",
                f"{p.recall_at_10:.3f}",
                f"{p.tuning_recall_at_10:.3f}",
                f"{p.median_ms:.3f}",
            ]
            for p in bench.ivf
        ],
    }


def run(ctx: RunContext) -> Result:
    import torch

    from models.retrieval import ChunkingConfig, MiniLMEncoder

    torch.set_num_threads(ctx.threads)
    config: Params = ctx.config
    data = load_data(ctx)
    chunkings = [
        ChunkingConfig("fixed", size, overlap)
        for size in config.fixed_sizes
        for overlap in (0, round(size * config.overlap_fraction))
    ]
    chunkings.append(ChunkingConfig("sentences", config.sentences_per_chunk, 0))

    ctx.progress(1, 4, "loading all-MiniLM-L6-v2")
    encoder = MiniLMEncoder()
    rows, scores, best = _compare_chunkings(ctx, config, data, chunkings, encoder)
    chosen = chunkings[best]
    longest, bench, hnsw, ivf = _at_scale(ctx, config, data, encoder, chosen)
    max_tokens = int(encoder.model.max_seq_length)
    summary = _chunking_summary(data, chunkings, chosen, scores[best], longest, max_tokens)
    summary.update(_cut_summary(chunkings, scores))
    summary.update(_index_summary(config, bench, hnsw, ivf))
    summary["minilm_parameters"] = sum(p.numel() for p in encoder.model.parameters())
    table = {
        "columns": [
            "chunking",
            "chunks",
            "held-out gold spans cut",
            "hybrid recall@5 (training)",
            "BM25 recall@5 (held-out)",
            "dense recall@5 (held-out)",
            "hybrid recall@5 (held-out)",
        ],
        "rows": rows,
    }
    return Result(
        metrics={"summary": summary, "chunkings": table, "sweep": _sweep_table(bench)},
        charts=_charts(rows, scores, best, bench),
    )

"""Embeddings: seed 002's five views and 7-item checklist for frozen MiniLM and after an InfoNCE projection head."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from engine.charts import (
    BarChart,
    BarPanel,
    HeatmapChart,
    HeatmapPanel,
    HistogramChart,
    LineChart,
    ReferenceLine,
    ScatterChart,
    ScatterGroup,
    Series,
)
from engine.contract import Result, RunContext
from generators._retrieval_setup import chosen_chunking, load_data, short
from models.embedding_head import HeadConfig

UPSTREAM = ("rag_search",)
DATA_FILES = ("models/data/llm/corpus.txt", "models/data/retrieval/questions.jsonl")


@dataclass
class Params(HeadConfig):
    epoch_choices: list[int] = field(default_factory=lambda: [10, 30, 100])  # epochs tried by cross-validation
    folds: int = 4  # cross-validation folds over the TRAINING questions (held-out ones are never seen)
    perplexity: float = 15.0  # t-SNE neighbourhood size (points: held-out questions plus every chunk)
    umap: bool = True  # draw the UMAP view; its first call costs 10-25 s per process, so fast test builds skip it
    umap_neighbours: int = 15  # UMAP neighbourhood size
    heatmap_questions: int = 20  # rows and columns of the query-to-positive heatmap (page weight)
    example_questions: int = 4  # held-out questions shown as top-k bars
    top_k: int = 5  # bars per example question
    seed: int = 0  # head batches, t-SNE and UMAP


PARAMS = Params


def head_config(config: Params, epochs: int) -> HeadConfig:
    fields = {k: getattr(config, k) for k in HeadConfig.__dataclass_fields__}
    return HeadConfig(**{**fields, "epochs": epochs})


def cross_validated_epochs(config: Params, q: np.ndarray, c: np.ndarray, gold: list[int]) -> dict[int, float]:
    """Mean MRR@10 on the left-out fold, per epoch count, over folds of the training questions."""
    from models.embedding_head import project, train_head
    from models.retrieval import mrr_at_k, rank_by_scores

    order = np.random.default_rng(config.seed).permutation(len(gold))
    folds = np.array_split(order, config.folds)
    scores = {}
    for epochs in config.epoch_choices:
        fold_mrr = []
        for k, valid in enumerate(folds):
            fit = np.concatenate([f for j, f in enumerate(folds) if j != k])
            head = train_head(head_config(config, epochs), q[fit], c, [gold[i] for i in fit]).head
            sim = project(head, q[valid]) @ project(head, c).T
            fold_mrr.append(mrr_at_k(rank_by_scores(sim), [{gold[i]} for i in valid], 10))
        scores[epochs] = float(np.mean(fold_mrr))
    return scores


@dataclass
class _Encoded:
    """Frozen MiniLM vectors of the chunks and the answerable questions, and each question's gold chunks.

    A question whose gold span no chunk holds whole (a fixed window cut it) has no positive: it
    trains nothing, counts 0 in MRR@10 (as in rag_search) and stays out of the views."""

    chunks: list
    c_frozen: np.ndarray
    train: list  # answerable training questions whose gold span some chunk holds
    held_all: list  # every answerable held-out question: MRR@10 reads them all
    relevant_all: list[set[int]]  # their relevant chunks, empty when the span was cut
    q_train: np.ndarray
    q_held_all: np.ndarray
    gold_train: list[int]
    kept: list[int]  # positions in held_all of the questions with a relevant chunk: the views read these
    train_cut: int  # answerable training questions left out for want of a relevant chunk

    @property
    def held(self) -> list:
        return [self.held_all[i] for i in self.kept]

    @property
    def relevant(self) -> list[set[int]]:
        return [self.relevant_all[i] for i in self.kept]

    @property
    def gold(self) -> list[int]:  # each kept held-out question's first relevant chunk
        return [min(rel) for rel in self.relevant]


def _encode(ctx: RunContext, data) -> _Encoded:
    from models.retrieval import MiniLMEncoder, make_chunks, relevant_chunks

    chunks = make_chunks(data.corpus, chosen_chunking(ctx.upstream["rag_search"]["summary"]))
    ctx.progress(1, 5, f"encoding {len(chunks)} chunks and the questions with MiniLM")
    encoder = MiniLMEncoder()
    c_frozen = encoder.encode([c.text for c in chunks])
    train = [q for q in data.train_answerable if relevant_chunks(q, chunks)]
    held = data.heldout_answerable
    relevant = [set(relevant_chunks(q, chunks)) for q in held]
    return _Encoded(
        chunks,
        c_frozen,
        train,
        held,
        relevant,
        q_train=encoder.encode([q.question for q in train]),
        q_held_all=encoder.encode([q.question for q in held]),
        gold_train=[relevant_chunks(q, chunks)[0] for q in train],
        kept=[i for i, rel in enumerate(relevant) if rel],
        train_cut=len(data.train_answerable) - len(train),
    )


def _train(ctx: RunContext, config: Params, e: _Encoded) -> tuple[dict[int, float], int, Any]:
    """1. The head: epochs chosen by cross-validation on training questions, then trained on all of them."""
    from models.embedding_head import train_head

    ctx.progress(2, 5, f"choosing epochs by {config.folds}-fold cross-validation on training questions")
    cv = cross_validated_epochs(config, e.q_train, e.c_frozen, e.gold_train)
    epochs = max(cv, key=lambda n: (cv[n], -n))
    trained = train_head(head_config(config, epochs), e.q_train, e.c_frozen, e.gold_train)
    return cv, epochs, trained


def _maps(ctx: RunContext, config: Params, views: dict, e: _Encoded) -> dict[str, dict]:
    """2. Per model: similarities, 2-D maps (UMAP only when config.umap), checklist."""
    from models.embedding_checks import checklist, map_clustering, tsne_map, umap_map
    from models.retrieval import mrr_at_k, rank_by_scores

    out: dict[str, dict] = {}
    for step, (name, (q_all, c)) in enumerate(views.items()):
        ctx.progress(3 + step, 5, f"{name}: t-SNE{', UMAP' if config.umap else ''} and the checklist")
        sim_all = q_all @ c.T  # (Q, N) cosine: all vectors are unit length
        mrr = mrr_at_k(rank_by_scores(sim_all), e.relevant_all, 10)
        q, sim = q_all[e.kept], sim_all[e.kept]
        points = np.concatenate([q, c])
        start = time.perf_counter()
        tsne = tsne_map(points, config.seed, config.perplexity)
        tsne_s = time.perf_counter() - start
        start = time.perf_counter()
        umap_xy = umap_map(points, config.seed, config.umap_neighbours) if config.umap else None
        umap_s = time.perf_counter() - start if config.umap else 0.0
        clustering = map_clustering(tsne[: len(q)], tsne[len(q) :], e.relevant)
        out[name] = {
            "sim": sim,
            "tsne": tsne,
            "umap": umap_xy,
            "items": checklist(sim, e.relevant, e.gold, clustering),
            "mrr": mrr,
            "tsne_s": tsne_s,
            "umap_s": umap_s,
        }
    return out


def _summary(config: Params, e: _Encoded, cv: dict[int, float], epochs: int, trained, out: dict) -> dict:
    summary = {
        "heldout_questions": len(e.held_all),
        "train_questions": len(e.train),
        # Answerable questions whose gold span no chunk of the chosen chunking holds whole (0 unless
        # a fixed window without enough overlap was chosen): held-out ones count 0 in MRR@10 and
        # are absent from the views; training ones train nothing.
        "heldout_gold_cut": len(e.held_all) - len(e.kept),
        "train_gold_cut": e.train_cut,
        "view_questions": len(e.kept),
        "umap_drawn": config.umap,
        "chunks": len(e.chunks),
        "dense_mrr_at_10": out["frozen"]["mrr"],
        "tuned_mrr_at_10": out["tuned"]["mrr"],
        "mrr_gain": out["tuned"]["mrr"] - out["frozen"]["mrr"],
        "head_epochs": epochs,
        "head_cv_mrr_at_10": cv[epochs],
        "head_parameters": sum(p.numel() for p in trained.head.parameters()),
        "head_first_loss": trained.losses[0],
        "head_final_loss": trained.losses[-1],
        "temperature": config.temperature,
        "tsne_seconds": out["frozen"]["tsne_s"] + out["tuned"]["tsne_s"],
        "umap_seconds": out["frozen"]["umap_s"] + out["tuned"]["umap_s"],
    }
    for name in out:
        items = out[name]["items"]
        summary[f"checklist_passed_{name}"] = sum(i.passed for i in items)
        for i in items:
            summary[f"{name}_{i.name.replace('-', '_')}"] = i.value
    return summary


def _checklist_table(out: dict) -> dict:
    return {
        "columns": ["check", "passes when", "frozen MiniLM", "", "with trained head", ""],
        "rows": [
            [
                f.name,
                f"{f.rule} {f.threshold:g}",
                f"{f.value:.3f}",
                "pass" if f.passed else "FAIL",
                f"{t.value:.3f}",
                "pass" if t.passed else "FAIL",
            ]
            for f, t in zip(out["frozen"]["items"], out["tuned"]["items"], strict=True)
        ],
    }


def run(ctx: RunContext) -> Result:
    import torch

    from models.embedding_head import project

    torch.set_num_threads(ctx.threads)
    config: Params = ctx.config
    data = load_data(ctx)
    e = _encode(ctx, data)
    cv, epochs, trained = _train(ctx, config, e)
    views = {
        "frozen": (e.q_held_all, e.c_frozen),
        "tuned": (project(trained.head, e.q_held_all), project(trained.head, e.c_frozen)),
    }
    out = _maps(ctx, config, views, e)
    ctx.progress(5, 5, f"MRR@10 frozen {out['frozen']['mrr']:.3f}, tuned {out['tuned']['mrr']:.3f}")
    cv_table = {
        "columns": ["epochs", "cross-validated MRR@10 (training questions)"],
        "rows": [[n, f"{v:.3f}"] for n, v in cv.items()],
    }
    return Result(
        metrics={
            "summary": _summary(config, e, cv, epochs, trained, out),
            "checklist": _checklist_table(out),
            "cross_validation": cv_table,
        },
        charts=charts(config, out, e.held, e.chunks, e.gold, e.relevant, trained.losses),
    )


_LABELS = {"frozen": "frozen MiniLM", "tuned": "with trained head"}


def _map_charts(out: dict, held: list, chunks: list, gold: list[int]) -> list:
    result = []
    for method in ("tsne", "umap"):
        if out["frozen"][method] is None:
            continue  # UMAP switched off in this build's params
        for name in ("frozen", "tuned"):
            xy = out[name][method]
            q_xy, c_xy = xy[: len(held)], xy[len(held) :]
            result.append(
                ScatterChart(
                    name=f"{method}_{name}",
                    title=f"{'t-SNE' if method == 'tsne' else 'UMAP'} map, {_LABELS[name]}",
                    x_label=f"{method} 1",
                    y_label=f"{method} 2",
                    groups=[
                        ScatterGroup(
                            "chunks", c_xy[:, 0].tolist(), c_xy[:, 1].tolist(), labels=[short(c.text) for c in chunks]
                        ),
                        ScatterGroup(
                            "held-out questions",
                            q_xy[:, 0].tolist(),
                            q_xy[:, 1].tolist(),
                            labels=[short(q.question) for q in held],
                        ),
                        ScatterGroup(
                            "their gold chunks",
                            c_xy[gold, 0].tolist(),
                            c_xy[gold, 1].tolist(),
                            labels=[f"gold of: {short(q.question)}" for q in held],
                        ),
                    ],
                )
            )
    return result


def _heatmap(config: Params, out: dict, held: list, gold: list[int]) -> HeatmapChart:
    from models.embedding_checks import gold_heatmap

    n = min(config.heatmap_questions, len(held))
    return HeatmapChart(
        name="similarity_heatmap",
        title="Cosine of question i with the gold chunk of question j",
        panels=[
            HeatmapPanel(_LABELS[name], gold_heatmap(out[name]["sim"][:n], gold[:n]).tolist())
            for name in ("frozen", "tuned")
        ],
        x_labels=[f"gold {j + 1}" for j in range(n)],
        y_labels=[f"Q{i + 1}" for i in range(n)],
        x_title="gold chunk of question j",
        y_title="question i",
        value_label="cosine",
        zmin=-0.2,
        zmax=1.0,
        origin="top",
    )


def _distributions(out: dict, relevant: list[set[int]]) -> list:
    from models.embedding_checks import positive_negative

    result = []
    for name in ("frozen", "tuned"):
        pos, neg = positive_negative(out[name]["sim"], relevant)
        result.append(
            HistogramChart(
                name=f"distributions_{name}",
                title=f"Positive and negative cosines, {_LABELS[name]}",
                x_label="cosine",
                groups={"question with its gold chunk": pos.tolist(), "question with any other chunk": neg.tolist()},
                bins=40,
                reference_lines=[
                    ReferenceLine("mean positive", float(pos.mean())),
                    ReferenceLine("mean negative", float(neg.mean())),
                ],
            )
        )
    return result


def _top_k(config: Params, out: dict, held: list, relevant: list[set[int]]) -> BarChart:
    from models.embedding_checks import top_k_bars

    panels = []
    for i in range(min(config.example_questions, len(held))):
        for name in ("frozen", "tuned"):
            bar = top_k_bars(out[name]["sim"][i : i + 1], relevant[i : i + 1], [held[i].question], config.top_k)[0]
            panels.append(
                BarPanel(
                    f"{short(held[i].question, 70)} ({_LABELS[name]})",
                    [f"rank {r + 1}" for r in range(len(bar.scores))],
                    bar.scores,
                    highlight=[] if bar.gold_rank is None else [bar.gold_rank],
                )
            )
    return BarChart(
        name="topk",
        title="Top-k chunks for example held-out questions",
        x_label="rank",
        y_label="cosine",
        panels=panels,
        note="Highlighted bar: the gold chunk.",
    )


def charts(
    config: Params, out: dict, held: list, chunks: list, gold: list[int], relevant: list[set[int]], losses: list[float]
) -> list:
    return [
        *_map_charts(out, held, chunks, gold),
        _heatmap(config, out, held, gold),
        *_distributions(out, relevant),
        _top_k(config, out, held, relevant),
        LineChart(
            name="head_loss",
            title="InfoNCE loss of the projection head",
            x_label="epoch",
            y_label="loss (nats)",
            series=[Series("training loss", list(range(1, len(losses) + 1)), losses)],
        ),
    ]

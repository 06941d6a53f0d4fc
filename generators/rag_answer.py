"""RAG end to end: a sentence-picking answerer with a tuned abstention threshold, and the prompt an LLM would get."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.charts import HistogramChart, ReferenceLine
from engine.contract import Result, RunContext
from generators._retrieval_setup import chosen_chunking, load_data, short
from models.rag_answer import AnswererConfig

UPSTREAM = ("rag_search",)
DATA_FILES = ("models/data/llm/corpus.txt", "models/data/retrieval/questions.jsonl")


@dataclass
class Params(AnswererConfig):
    example_rows: int = 8  # held-out questions shown with the answerer's pick
    seed: int = 0  # nothing here is random; kept for the runner


PARAMS = Params


@dataclass
class _Index:
    """The corpus's chunks and sentences, encoded once; every question is answered against them."""

    encoder: Any  # MiniLMEncoder
    chunks: list
    sentences: list  # (start, end) character spans
    chunk_vecs: np.ndarray
    sentence_vecs: np.ndarray
    top_k: int

    def answer_all(self, questions: list, threshold: float) -> list:
        from models.rag_answer import answer

        vecs = self.encoder.encode([q.question for q in questions])
        return [answer(v, self.chunk_vecs, self.chunks, self.sentence_vecs, self.sentences, threshold, self.top_k)
                for v in vecs]


def _encode(ctx: RunContext, data, top_k: int) -> _Index:
    from models.retrieval import MiniLMEncoder, make_chunks, sentence_spans

    chunks = make_chunks(data.corpus, chosen_chunking(ctx.upstream["rag_search"]["summary"]))
    sentences = sentence_spans(data.corpus)
    ctx.progress(1, 3, f"encoding {len(chunks)} chunks, {len(sentences)} sentences and the questions")
    encoder = MiniLMEncoder()
    chunk_vecs = encoder.encode([c.text for c in chunks])
    sentence_vecs = encoder.encode([data.corpus[a:b] for a, b in sentences])
    return _Index(encoder, chunks, sentences, chunk_vecs, sentence_vecs, top_k)


def _tune(config: Params, data, index: _Index) -> tuple[float, dict]:
    """1. The threshold: best abstention F1 on TRAINING questions (answerable and unanswerable)."""
    from models.rag_answer import abstention_scores, tune_threshold

    train_scores = np.array([a.best_score for a in index.answer_all(data.train, -np.inf)])
    train_answerable = np.array([q.answerable for q in data.train])
    threshold = tune_threshold(train_scores, train_answerable, config.thresholds)
    train_abstain = abstention_scores(train_scores, train_answerable, threshold)
    return threshold, {"train_abstain_precision": train_abstain.precision,
                       "train_abstain_recall": train_abstain.recall}


def _heldout_summary(data, index: _Index, results: list, threshold: float) -> dict:
    """2. Held-out: answer accuracy (answerable only) and abstention precision/recall (all)."""
    from models.rag_answer import abstention_scores, is_correct

    held_answerable = np.array([q.answerable for q in data.heldout])
    scores = np.array([a.best_score for a in results])
    abstain = abstention_scores(scores, held_answerable, threshold)
    correct = [is_correct(a, q) for a, q in zip(results, data.heldout, strict=True) if q.answerable]
    # Without abstention: how often retrieval + sentence picking alone finds the answer.
    unconditional = [is_correct(a, q) for a, q in zip(index.answer_all(data.heldout, -np.inf), data.heldout,
                                                      strict=True) if q.answerable]

    # Retrieval's share: the gold span inside one of the top_k chunks handed to the answerer.
    chunks = index.chunks
    retrieved = [any(chunks[c].start <= (q.evidence_start or 0) and (q.evidence_end or 0) <= chunks[c].end
                     for c in a.chunk_ids) for a, q in zip(results, data.heldout, strict=True) if q.answerable]
    return {
        "heldout_questions": int(held_answerable.sum()),
        "unanswerable_questions": int((~held_answerable).sum()),
        "top_k": index.top_k,
        "threshold": threshold,
        "answer_accuracy": float(np.mean(correct)),
        "answer_accuracy_without_abstention": float(np.mean(unconditional)),
        "gold_in_retrieved": float(np.mean(retrieved)),
        "abstain_precision": abstain.precision,
        "abstain_recall": abstain.recall,
        "abstained": abstain.abstained,
    }


def _prompt_summary(prompt: str, parts: list, question: str) -> dict:
    return {
        "prompt_tokens": sum(p.tokens for p in parts),
        "prompt_source_tokens": sum(p.tokens for p in parts if p.label.startswith("source")),
        "prompt_instruction_tokens": parts[0].tokens,
        "prompt_characters": len(prompt),
        "example_question": question,
    }


def _examples_table(config: Params, data, results: list) -> dict:
    from models.rag_answer import is_correct

    rows = []
    for q, a in list(zip(data.heldout, results, strict=True))[: config.example_rows]:
        picked = "(abstains)" if a.abstained or a.sentence is None else data.corpus[a.sentence[0]: a.sentence[1]]
        verdict = ("right to abstain" if a.abstained else "answered, should abstain") if not q.answerable else (
            "correct" if is_correct(a, q) else ("wrongly abstained" if a.abstained else "wrong sentence"))
        rows.append([q.question, picked, f"{a.best_score:.2f}", verdict])
    return {"columns": ["held-out question", "picked sentence", "best score", "verdict"], "rows": rows}


def _chart(data, results: list, threshold: float) -> HistogramChart:
    held_answerable = np.array([q.answerable for q in data.heldout])
    scores = np.array([a.best_score for a in results])
    return HistogramChart(
        name="abstention",
        title="Best sentence score, held-out questions",
        x_label="cosine of the question with the best sentence in the retrieved chunks",
        groups={"answerable": scores[held_answerable].tolist(), "not answerable": scores[~held_answerable].tolist()},
        bins=25,
        reference_lines=[ReferenceLine("threshold (tuned on training questions)", threshold)],
    )


def run(ctx: RunContext) -> Result:
    import torch

    from models.rag_answer import assemble_prompt

    torch.set_num_threads(ctx.threads)
    config: Params = ctx.config
    data = load_data(ctx)
    index = _encode(ctx, data, config.top_k)
    ctx.progress(2, 3, "tuning the abstention threshold on training questions")
    threshold, train_summary = _tune(config, data, index)
    ctx.progress(3, 3, "answering the held-out questions")
    results = index.answer_all(data.heldout, threshold)
    summary = _heldout_summary(data, index, results, threshold)

    example = next(i for i, q in enumerate(data.heldout) if q.answerable)
    question = data.heldout[example].question
    prompt, parts = assemble_prompt(question, index.chunks, results[example].chunk_ids, index.encoder.count_tokens)
    summary.update(train_summary)
    summary.update(_prompt_summary(prompt, parts, question))
    prompt_table = {"columns": ["part of the prompt", "text", "MiniLM tokens"],
                    "rows": [[p.label, p.text, p.tokens] for p in parts]}
    return Result(
        metrics={"summary": summary, "examples": _examples_table(config, data, results), "prompt_parts": prompt_table,
                 "prompt": {"text": prompt, "question": short(question, 200)}},
        charts=[_chart(data, results, threshold)],
    )

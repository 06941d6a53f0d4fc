"""RAG end to end: a sentence-picking answerer with a tuned abstention threshold, and the prompt an LLM would get."""

from __future__ import annotations

from dataclasses import dataclass

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


def run(ctx: RunContext) -> Result:
    import torch

    from models.rag_answer import abstention_scores, answer, assemble_prompt, is_correct, tune_threshold
    from models.retrieval import MiniLMEncoder, make_chunks, sentence_spans

    torch.set_num_threads(ctx.threads)
    config: Params = ctx.config
    data = load_data(ctx)
    chunks = make_chunks(data.corpus, chosen_chunking(ctx.upstream["rag_search"]["summary"]))
    sentences = sentence_spans(data.corpus)
    ctx.progress(1, 3, f"encoding {len(chunks)} chunks, {len(sentences)} sentences and the questions")
    encoder = MiniLMEncoder()
    chunk_vecs = encoder.encode([c.text for c in chunks])
    sentence_vecs = encoder.encode([data.corpus[a:b] for a, b in sentences])

    def run_all(questions: list, threshold: float) -> list:
        vecs = encoder.encode([q.question for q in questions])
        return [answer(v, chunk_vecs, chunks, sentence_vecs, sentences, threshold, config.top_k) for v in vecs]

    # 1. The threshold: best abstention F1 on TRAINING questions (answerable and unanswerable).
    ctx.progress(2, 3, "tuning the abstention threshold on training questions")
    train_scores = np.array([a.best_score for a in run_all(data.train, -np.inf)])
    train_answerable = np.array([q.answerable for q in data.train])
    threshold = tune_threshold(train_scores, train_answerable, config.thresholds)
    train_abstain = abstention_scores(train_scores, train_answerable, threshold)

    # 2. Held-out: answer accuracy (answerable only) and abstention precision/recall (all).
    ctx.progress(3, 3, "answering the held-out questions")
    results = run_all(data.heldout, threshold)
    held_answerable = np.array([q.answerable for q in data.heldout])
    scores = np.array([a.best_score for a in results])
    abstain = abstention_scores(scores, held_answerable, threshold)
    correct = [is_correct(a, q) for a, q in zip(results, data.heldout, strict=True) if q.answerable]
    # Without abstention: how often retrieval + sentence picking alone finds the answer.
    unconditional = [is_correct(a, q) for a, q in zip(run_all(data.heldout, -np.inf), data.heldout, strict=True)
                     if q.answerable]

    # Retrieval's share: the gold span inside one of the top_k chunks handed to the answerer.
    retrieved = [any(chunks[c].start <= (q.evidence_start or 0) and (q.evidence_end or 0) <= chunks[c].end
                     for c in a.chunk_ids) for a, q in zip(results, data.heldout, strict=True) if q.answerable]

    example = next(i for i, q in enumerate(data.heldout) if q.answerable)
    prompt, parts = assemble_prompt(data.heldout[example].question, chunks, results[example].chunk_ids,
                                    encoder.count_tokens)
    summary = {
        "heldout_questions": int(held_answerable.sum()),
        "unanswerable_questions": int((~held_answerable).sum()),
        "top_k": config.top_k,
        "threshold": threshold,
        "answer_accuracy": float(np.mean(correct)),
        "answer_accuracy_without_abstention": float(np.mean(unconditional)),
        "gold_in_retrieved": float(np.mean(retrieved)),
        "abstain_precision": abstain.precision,
        "abstain_recall": abstain.recall,
        "abstained": abstain.abstained,
        "train_abstain_precision": train_abstain.precision,
        "train_abstain_recall": train_abstain.recall,
        "prompt_tokens": sum(p.tokens for p in parts),
        "prompt_source_tokens": sum(p.tokens for p in parts if p.label.startswith("source")),
        "prompt_instruction_tokens": parts[0].tokens,
        "prompt_characters": len(prompt),
        "example_question": data.heldout[example].question,
    }
    rows = []
    for q, a in list(zip(data.heldout, results, strict=True))[: config.example_rows]:
        picked = "(abstains)" if a.abstained or a.sentence is None else data.corpus[a.sentence[0]: a.sentence[1]]
        verdict = ("right to abstain" if a.abstained else "answered, should abstain") if not q.answerable else (
            "correct" if is_correct(a, q) else ("wrongly abstained" if a.abstained else "wrong sentence"))
        rows.append([q.question, picked, f"{a.best_score:.2f}", verdict])
    examples = {"columns": ["held-out question", "picked sentence", "best score", "verdict"], "rows": rows}
    prompt_table = {"columns": ["part of the prompt", "text", "MiniLM tokens"],
                    "rows": [[p.label, p.text, p.tokens] for p in parts]}
    chart = HistogramChart(
        name="abstention",
        title="Best sentence score, held-out questions",
        x_label="cosine of the question with the best sentence in the retrieved chunks",
        groups={"answerable": scores[held_answerable].tolist(), "not answerable": scores[~held_answerable].tolist()},
        bins=25,
        reference_lines=[ReferenceLine("threshold (tuned on training questions)", threshold)],
    )
    return Result(
        metrics={"summary": summary, "examples": examples, "prompt_parts": prompt_table,
                 "prompt": {"text": prompt, "question": short(data.heldout[example].question, 200)}},
        charts=[chart],
    )

"""The plain answerer: it picks the right sentence, abstains below its threshold, and the prompt adds up."""

import numpy as np
import pytest

from models.rag_answer import (
    PROMPT_TEMPLATE,
    abstention_scores,
    answer,
    assemble_prompt,
    is_correct,
    tune_threshold,
)
from models.retrieval import Chunk, Question

TEXT = "Warfarin needs INR checks. Metformin is cleared by the kidneys. Statins lower cholesterol. Lithium is toxic."
SENTENCES = [(0, 26), (27, 63), (64, 89), (90, 108)]
CHUNKS = [Chunk(0, 63, TEXT[0:63]), Chunk(64, 108, TEXT[64:108])]


def unit(v):
    v = np.asarray(v, dtype=float)
    return v / np.linalg.norm(v)


def question(answer_text):
    start = TEXT.index(answer_text)
    return Question("q", "?", answer_text, start, start + len(answer_text), None, None, None, "heldout")


def test_answer_picks_the_best_sentence_inside_the_retrieved_chunks():
    sentence_vecs = np.array([unit([1, 0, 0]), unit([0, 1, 0]), unit([0, 0, 1]), unit([0, 1, 1])])
    chunk_vecs = np.array([unit([1, 1, 0]), unit([0, 1, 2])])
    q = unit([0, 1, 0.1])
    # Top 1 is chunk 0 (cosine 0.70 vs 0.49): its best sentence is the metformin one.
    result = answer(q, chunk_vecs, CHUNKS, sentence_vecs, SENTENCES, threshold=0.5, top_k=1)
    assert not result.abstained and result.sentence == (27, 63) and result.chunk_ids == [0]
    assert result.best_score == pytest.approx(float(sentence_vecs[1] @ q))
    assert is_correct(result, question("cleared by the kidneys"))
    assert not is_correct(result, question("lower cholesterol"))
    # With both chunks retrieved the lithium sentence (0, 1, 1) is a candidate but scores lower.
    assert answer(q, chunk_vecs, CHUNKS, sentence_vecs, SENTENCES, 0.5, top_k=2).sentence == (27, 63)
    abstain = answer(q, chunk_vecs, CHUNKS, sentence_vecs, SENTENCES, threshold=0.999, top_k=1)
    assert abstain.abstained and abstain.sentence is None
    assert not is_correct(abstain, question("cleared by the kidneys"))


def test_abstention_precision_and_recall_by_hand():
    scores = np.array([0.9, 0.2, 0.3, 0.8, 0.1, 0.4])
    answerable = np.array([True, True, False, True, False, False])
    s = abstention_scores(scores, answerable, threshold=0.35)  # abstains on 0.2, 0.3, 0.1
    assert s.abstained == 3 and s.precision == pytest.approx(2 / 3) and s.recall == pytest.approx(2 / 3)
    assert abstention_scores(scores, answerable, threshold=0.0).precision == 0.0


def test_tuned_threshold_separates_separable_scores():
    scores = np.array([0.9, 0.8, 0.7, 0.3, 0.2])
    answerable = np.array([True, True, True, False, False])
    t = tune_threshold(scores, answerable, candidates=101)
    assert 0.3 < t <= 0.7
    s = abstention_scores(scores, answerable, t)
    assert s.precision == 1.0 and s.recall == 1.0


def test_prompt_holds_every_source_with_its_citation_and_counts_add_up():
    def count(text):
        return len(text.split())

    prompt, parts = assemble_prompt("What clears metformin?", CHUNKS, [1, 0], count)
    assert prompt.startswith(PROMPT_TEMPLATE.split("{sources}")[0])
    assert "[1] (corpus characters 64-108) " + CHUNKS[1].text in prompt
    assert "[2] (corpus characters 0-63) " + CHUNKS[0].text in prompt
    assert prompt.endswith("Question: What clears metformin?\nAnswer:")
    assert [p.label for p in parts] == ["instructions", "source [1]", "source [2]", "question"]
    assert sum(p.tokens for p in parts) == count(prompt)

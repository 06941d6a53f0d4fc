"""Chunking keeps every gold span whole; recall@k, MRR@k, RRF and BM25 match hand-computed values."""

import itertools
import math

import numpy as np
import pytest
from sklearn.metrics.pairwise import cosine_similarity

from models.data.retrieval.check_data import check
from models.retrieval import (
    Chunk,
    ChunkingConfig,
    MiniLMEncoder,
    Question,
    bm25_scores,
    cosine_matrix,
    load_corpus,
    load_questions,
    make_chunks,
    mrr_at_k,
    rank_by_scores,
    recall_at_k,
    reciprocal_rank_fusion,
    relevant_chunks,
    sentence_spans,
)

CHUNKINGS = [
    ChunkingConfig("fixed", 40, 0),
    ChunkingConfig("fixed", 40, 15),
    ChunkingConfig("fixed", 120, 0),
    ChunkingConfig("fixed", 120, 40),
    ChunkingConfig("sentences", 3, 0),
]


def test_recall_and_mrr_by_hand():
    rankings = np.array([[2, 0, 1], [0, 1, 2], [1, 2, 0]])
    relevant = [{0}, {2}, {0}]  # first hits at ranks 2, 3, 3
    assert recall_at_k(rankings, relevant, 1) == 0.0
    assert recall_at_k(rankings, relevant, 2) == pytest.approx(1 / 3)
    assert recall_at_k(rankings, relevant, 3) == 1.0
    assert mrr_at_k(rankings, relevant, 10) == pytest.approx((1 / 2 + 1 / 3 + 1 / 3) / 3)
    assert mrr_at_k(rankings, relevant, 2) == pytest.approx((1 / 2) / 3)
    # Two relevant chunks: the first one found counts.
    assert mrr_at_k(np.array([[3, 1, 0, 2]]), [{0, 1}], 10) == pytest.approx(1 / 2)


def test_rrf_by_hand():
    # k = 1: doc0 1/2 + 1/4 = 0.75, doc1 1/3 + 1/2 = 0.833, doc2 1/4 + 1/3 = 0.583
    fused = reciprocal_rank_fusion([np.array([[0, 1, 2]]), np.array([[1, 2, 0]])], k=1)
    assert fused.tolist() == [[1, 0, 2]]
    # A single ranking fuses to itself.
    r = np.array([[3, 0, 2, 1], [1, 2, 3, 0]])
    assert (reciprocal_rank_fusion([r], k=60) == r).all()


def test_rank_by_scores_is_stable():
    assert rank_by_scores(np.array([[0.5, 0.9, 0.5, 0.1]])).tolist() == [[1, 0, 2, 3]]


def test_cosine_matches_scikit_learn():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(5, 7)), rng.normal(size=(4, 7))
    assert np.allclose(cosine_matrix(a, b), cosine_similarity(a, b))


def test_bm25_matches_lucene_formula():
    docs = ["warfarin bleeding risk", "metformin kidney kidney", "warfarin warfarin dose kidney"]
    chunks = [Chunk(0, len(d), d) for d in docs]
    scores = bm25_scores(chunks, ["warfarin kidney"], k1=1.5, b=0.75)[0]
    lengths = [3, 3, 4]
    avgdl = sum(lengths) / 3

    def term(tf, df, dl):
        idf = math.log(1 + (3 - df + 0.5) / (df + 0.5))
        # Lucene (since 8.0) drops the constant factor (k1 + 1) from the numerator.
        return idf * tf / (tf + 1.5 * (1 - 0.75 + 0.75 * dl / avgdl))

    expected = [term(1, 2, 3), term(2, 2, 3), term(2, 2, 4) + term(1, 2, 4)]
    assert np.allclose(scores, expected, rtol=1e-4)


def test_sentence_spans_cover_the_corpus_sentences():
    corpus = load_corpus()
    spans = sentence_spans(corpus)
    assert all(corpus[s:e].strip() == corpus[s:e] and corpus[s:e][-1] in ".?!" for s, e in spans)
    assert sum(len(corpus[s:e].split()) for s, e in spans) == len(corpus.split())


@pytest.mark.parametrize("config", CHUNKINGS, ids=lambda c: f"{c.kind}-{c.size}-{c.overlap}")
def test_every_chunking_keeps_every_gold_span(config):
    corpus = load_corpus()
    chunks = make_chunks(corpus, config)
    assert all(c.text == corpus[c.start : c.end] for c in chunks)
    # Chunks cover every sentence, in order.
    covered = {s for s, e in sentence_spans(corpus) if any(c.start <= s and e <= c.end for c in chunks)}
    assert len(covered) == len(sentence_spans(corpus))
    for q in load_questions():
        if q.answerable:
            assert relevant_chunks(q, chunks), q.id
    if config.kind == "sentences":
        assert all("\n" not in c.text for c in chunks)
    overlaps = sum(b.start < a.end for a, b in itertools.pairwise(chunks))
    assert (overlaps > 0) == (config.overlap > 0)


def test_fixed_chunks_reach_their_size():
    corpus = load_corpus()
    chunks = make_chunks(corpus, ChunkingConfig("fixed", 50, 0))
    assert all(len(c.text.split()) >= 50 for c in chunks[:-1])
    assert all(len(c.text.split()) < 50 + 60 for c in chunks)  # at most one sentence past the size


def test_data_check_passes_and_catches_mistakes():
    corpus, questions = load_corpus(), load_questions()
    assert check(corpus, questions) == []
    q = next(q for q in questions if q.answerable)
    shifted = Question(**{**vars(q), "evidence_start": q.evidence_start + 1, "evidence_end": q.evidence_end + 1})
    assert any("not the stored evidence" in e for e in check(corpus, [shifted, *questions[1:]]))
    wrong = Question(**{**vars(q), "answer": "not in the text"})
    assert any("answer" in e for e in check(corpus, [wrong, *questions[1:]]))
    held = next(q for q in questions if q.split == "heldout")
    leak = Question(**{**vars(held), "id": "leak", "split": "train"})
    assert any("also appears in training" in e for e in check(corpus, [*questions, leak]))
    assert any("at least 120" in e for e in check(corpus, questions[:50]))


@pytest.fixture(scope="module")
def encoder():
    return MiniLMEncoder()


def test_minilm_vectors_and_dense_retrieval(encoder):
    corpus = load_corpus()
    chunks = make_chunks(corpus, ChunkingConfig("sentences", 3, 0))
    vecs = encoder.encode([c.text for c in chunks])
    assert vecs.shape == (len(chunks), 384)
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    q = encoder.encode(["In which units is the estimated glomerular filtration rate given?"])
    best = chunks[int(np.argmax(vecs @ q[0]))]
    assert "mL/min/1.73 m2" in best.text
    # Cached vectors are the same vectors.
    assert np.array_equal(encoder.encode([chunks[0].text]), vecs[:1])
    assert encoder.count_tokens("eGFR") == len(encoder.tokenizer.tokenize("eGFR"))

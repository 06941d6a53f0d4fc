"""Chunking keeps every gold span whole; recall@k, MRR@k, RRF and BM25 match hand-computed values."""

import math
import re

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


TOY = "One two three. Four five six seven. Eight nine."  # nine words, three sentences


def toy_question(evidence: str) -> Question:
    start = TOY.index(evidence)
    return Question("toy", "?", evidence, 0, len(evidence), evidence, start, start + len(evidence), "train")


def words_of(chunks):
    return [c.text for c in chunks]


def test_fixed_windows_by_hand():
    # Size 4, no overlap: words 0-3, 4-7, then the last word alone, cut wherever the count falls.
    assert words_of(make_chunks(TOY, ChunkingConfig("fixed", 4, 0))) == [
        "One two three. Four",
        "five six seven. Eight",
        "nine.",
    ]
    # Overlap 2: a stride of 2 words; the window starting at word 6 reaches the end, so it is the last.
    assert words_of(make_chunks(TOY, ChunkingConfig("fixed", 4, 2))) == [
        "One two three. Four",
        "three. Four five six",
        "five six seven. Eight",
        "seven. Eight nine.",
    ]
    with pytest.raises(ValueError):
        make_chunks(TOY, ChunkingConfig("fixed", 4, 4))


def test_a_cut_span_is_relevant_only_where_a_window_holds_it_whole():
    short, long = toy_question("Eight nine."), toy_question("Four five six seven.")  # 2 and 4 words
    no_overlap = make_chunks(TOY, ChunkingConfig("fixed", 4, 0))
    # Both sentences straddle a window boundary: no chunk is relevant, every ranker misses them.
    assert relevant_chunks(short, no_overlap) == [] and relevant_chunks(long, no_overlap) == []
    # Overlap 2 keeps whole every span of at most 2 + 1 words: the 2-word one, not the 4-word one.
    overlap_2 = make_chunks(TOY, ChunkingConfig("fixed", 4, 2))
    assert relevant_chunks(short, overlap_2) == [3] and relevant_chunks(long, overlap_2) == []
    # Overlap 3 (a stride of one word): window 3 holds words 3-6, the 4-word sentence.
    overlap_3 = make_chunks(TOY, ChunkingConfig("fixed", 4, 3))
    assert overlap_3[3].text == "Four five six seven." and relevant_chunks(long, overlap_3) == [3]
    # Sentence runs cut only at sentence ends: both spans stay whole.
    runs = make_chunks(TOY, ChunkingConfig("sentences", 2, 0))
    assert words_of(runs) == ["One two three. Four five six seven.", "Eight nine."]
    assert relevant_chunks(long, runs) == [0] and relevant_chunks(short, runs) == [1]


@pytest.mark.parametrize("config", CHUNKINGS, ids=lambda c: f"{c.kind}-{c.size}-{c.overlap}")
def test_chunkings_of_the_corpus(config):
    corpus = load_corpus()
    chunks = make_chunks(corpus, config)
    assert all(c.text == corpus[c.start : c.end] for c in chunks)
    answerable = [q for q in load_questions() if q.answerable]
    if config.kind == "sentences":
        # Runs cover every sentence, never cross a paragraph, and keep every gold span whole.
        covered = {s for s, e in sentence_spans(corpus) if any(c.start <= s and e <= c.end for c in chunks)}
        assert len(covered) == len(sentence_spans(corpus))
        assert all("\n" not in c.text for c in chunks)
        assert all(relevant_chunks(q, chunks) for q in answerable)
        return
    # Fixed windows: exactly `size` words (the last may be shorter), each starting size - overlap
    # words after the one before, the first at the corpus's first word and the last at its last.
    words = [m.start() for m in re.finditer(r"\S+", corpus)]
    first_word = [words.index(c.start) for c in chunks]
    assert first_word == list(range(0, len(first_word) * (config.size - config.overlap), config.size - config.overlap))
    assert all(len(c.text.split()) == config.size for c in chunks[:-1])
    assert 1 <= len(chunks[-1].text.split()) <= config.size and chunks[-1].end == len(corpus.rstrip())
    # Overlap's guarantee: a gold span of at most overlap + 1 words lies whole in some window.
    assert all(relevant_chunks(q, chunks) for q in answerable if len(q.evidence.split()) <= config.overlap + 1)


def test_without_overlap_windows_cut_some_gold_spans():
    corpus, answerable = load_corpus(), [q for q in load_questions() if q.answerable]
    chunks = make_chunks(corpus, ChunkingConfig("fixed", 40, 0))
    starts = [c.start for c in chunks]

    def straddles(q: Question) -> bool:  # a window boundary falls strictly inside the span
        return any(q.evidence_start < s < q.evidence_end for s in starts)

    cut = [q for q in answerable if not relevant_chunks(q, chunks)]
    assert cut  # 40-word windows end mid-sentence, and some of those sentences are gold evidence
    assert [q.id for q in cut] == [q.id for q in answerable if straddles(q)]


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

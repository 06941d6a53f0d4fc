"""What did the embedding model learn? Five views and a seven-item checklist.

Each view looks at held-out questions against every chunk of the corpus:

1. a 2-D map (t-SNE, van der Maaten and Hinton, 2008; UMAP, McInnes et al., 2018) of the
   question and chunk vectors together: a question should land near its gold chunk;
2. a heatmap of question i against the gold chunk of question j: bright diagonal, dark rest;
3. the distribution of positive cosines (question with its gold chunk) against negative
   cosines (question with any other chunk);
4. top-k bars for a few questions, with the gold chunk marked.

The checklist turns the views into seven pass/fail numbers:

| item | passes when |
|---|---|
| margin | mean positive cosine - mean negative cosine > 0.25 |
| separation | margin / (std of positives + std of negatives) > 2 |
| diagonal | mean cosine of a question with its own gold chunk > 0.8 |
| off-diagonal | mean cosine of a question with every chunk not relevant to it, averaged over questions < 0.6 |
| rank-1 | share of questions whose gold chunk ranks first > 85% |
| gap | mean (score at rank 1 - score at rank 2) > 0.1 |
| clustering | share of questions with their gold chunk among the 5 nearest chunks on the t-SNE map >= 0.5 |
"""

from dataclasses import dataclass

import numpy as np
from sklearn.manifold import TSNE


@dataclass
class CheckItem:
    name: str
    value: float
    rule: str  # ">", "<" or ">=": how value must compare with threshold to pass
    threshold: float
    passed: bool


def cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    # $\cos(a, b) = \frac{a \cdot b}{\|a\| \|b\|}$   (N, D) x (M, D) -> (N, M)
    return (a / np.linalg.norm(a, axis=1, keepdims=True)) @ (b / np.linalg.norm(b, axis=1, keepdims=True)).T


def positive_negative(sim: np.ndarray, relevant: list[set[int]]) -> tuple[np.ndarray, np.ndarray]:
    """Positive cosines (question, gold chunk) and negative ones (question, any chunk not relevant)."""
    mask = np.zeros_like(sim, dtype=bool)
    for i, rel in enumerate(relevant):
        mask[i, list(rel)] = True
    return sim[mask], sim[~mask]


def gold_heatmap(sim: np.ndarray, gold: list[int]) -> np.ndarray:
    """(Q, Q) cosine of question i with the gold chunk of question j."""
    return sim[:, gold]


def tsne_map(x: np.ndarray, seed: int, perplexity: float = 15.0) -> np.ndarray:
    perplexity = min(perplexity, (len(x) - 1) / 3)  # t-SNE needs perplexity well below the point count
    return TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=seed, metric="cosine").fit_transform(x)


def umap_map(x: np.ndarray, seed: int, neighbours: int = 15) -> np.ndarray:
    import umap  # first call compiles numba kernels (seconds), so import only when used

    reducer = umap.UMAP(n_neighbors=min(neighbours, len(x) - 1), metric="cosine", random_state=seed, n_jobs=1)
    return reducer.fit_transform(x)


def map_clustering(query_xy: np.ndarray, chunk_xy: np.ndarray, relevant: list[set[int]], k: int = 5) -> float:
    """Share of questions whose gold chunk is among the k chunks nearest to them on a 2-D map."""
    dist = np.linalg.norm(query_xy[:, None, :] - chunk_xy[None, :, :], axis=-1)  # (Q, N)
    nearest = np.argsort(dist, axis=1, kind="stable")[:, :k]
    return float(np.mean([bool(set(row) & rel) for row, rel in zip(nearest, relevant, strict=True)]))


def checklist(sim: np.ndarray, relevant: list[set[int]], gold: list[int], clustering: float) -> list[CheckItem]:
    """The seven checks; sim is (Q, N) question-to-chunk cosine, gold[i] the chunk holding i's gold span."""
    pos, neg = positive_negative(sim, relevant)
    # $\mathrm{margin} = \bar{s}_+ - \bar{s}_-$, $\mathrm{separation} = \mathrm{margin} / (\sigma_+ + \sigma_-)$
    margin = pos.mean() - neg.mean()
    separation = margin / (pos.std() + neg.std())
    own = sim[np.arange(len(gold)), gold]  # each question with its gold chunk
    # $\mathrm{off} = \frac{1}{Q} \sum_i \frac{1}{|N_i|} \sum_{j \in N_i} s_{ij}$, N_i: every chunk not relevant to i
    off = np.mean([np.delete(row, list(rel)).mean() for row, rel in zip(sim, relevant, strict=True)])
    top2 = -np.sort(-sim, axis=1)[:, :2]
    rank1 = np.mean([int(np.argmax(row)) in rel for row, rel in zip(sim, relevant, strict=True)])

    compare = {">": np.greater, "<": np.less, ">=": np.greater_equal}

    def item(name: str, value: float, rule: str, threshold: float) -> CheckItem:
        return CheckItem(name, float(value), rule, threshold, bool(compare[rule](value, threshold)))

    return [
        item("margin", margin, ">", 0.25),
        item("separation", separation, ">", 2.0),
        item("diagonal", own.mean(), ">", 0.8),
        item("off-diagonal", off, "<", 0.6),
        item("rank-1", rank1, ">", 0.85),
        item("gap", (top2[:, 0] - top2[:, 1]).mean(), ">", 0.1),
        item("clustering", clustering, ">=", 0.5),
    ]


@dataclass
class TopK:
    question: str
    scores: list[float]  # cosine of the k best chunks, best first
    gold_rank: int | None  # 0-based position of the first relevant chunk among them, None if absent


def top_k_bars(sim: np.ndarray, relevant: list[set[int]], questions: list[str], k: int = 5) -> list[TopK]:
    out = []
    for row, rel, text in zip(sim, relevant, questions, strict=True):
        order = np.argsort(-row, kind="stable")[:k]
        hits = [i for i, c in enumerate(order) if c in rel]
        out.append(TopK(text, [float(row[c]) for c in order], hits[0] if hits else None))
    return out

"""The seven-item checklist on embeddings built to pass or fail each item; cosine and maps against references."""

import numpy as np
import pytest
from sklearn.metrics.pairwise import cosine_similarity

from models.embedding_checks import (
    checklist,
    cosine,
    gold_heatmap,
    map_clustering,
    positive_negative,
    top_k_bars,
    tsne_map,
    umap_map,
)

N = 10


def passed(items):
    return {i.name: i.passed for i in items}


def test_cosine_matches_scikit_learn():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(6, 9)), rng.normal(size=(3, 9))
    assert np.allclose(cosine(a, b), cosine_similarity(a, b))


def test_positive_negative_split_and_heatmap():
    sim = np.arange(12, dtype=float).reshape(3, 4)
    pos, neg = positive_negative(sim, [{0}, {1, 2}, {3}])
    assert sorted(pos.tolist()) == [0, 5, 6, 11] and len(neg) == 8
    assert gold_heatmap(sim, [0, 1, 3]).tolist() == [[0, 1, 3], [4, 5, 7], [8, 9, 11]]


def test_good_embeddings_pass_all_seven():
    rng = np.random.default_rng(0)
    chunks = np.eye(N)
    queries = chunks + 0.05 * rng.normal(size=(N, N))
    relevant = [{i} for i in range(N)]
    items = checklist(cosine(queries, chunks), relevant, list(range(N)), clustering=1.0)
    assert [i.name for i in items] == [
        "margin",
        "separation",
        "diagonal",
        "off-diagonal",
        "rank-1",
        "gap",
        "clustering",
    ]
    assert all(passed(items).values())
    margin = items[0].value
    pos, neg = positive_negative(cosine(queries, chunks), relevant)
    assert margin == pytest.approx(pos.mean() - neg.mean())
    assert items[1].value == pytest.approx(margin / (pos.std() + neg.std()))


def test_checklist_by_hand():
    # Two questions, four chunks; question 1 has two relevant chunks (1 and 3).
    sim = np.array([[0.9, 0.2, 0.4, 0.7], [0.1, 0.8, 0.3, 0.5]])
    items = {i.name: i for i in checklist(sim, [{0}, {1, 3}], [0, 1], clustering=0.5)}
    # positives 0.9, 0.8, 0.5 (mean 0.7333, std 0.16997); negatives 0.2, 0.4, 0.7, 0.1, 0.3 (mean 0.34, std 0.20591)
    assert items["margin"].value == pytest.approx(0.73333 - 0.34, abs=1e-5)
    assert items["separation"].value == pytest.approx(0.39333 / (0.16997 + 0.20591), abs=1e-4)
    assert items["diagonal"].value == pytest.approx((0.9 + 0.8) / 2)
    # Off-diagonal, per question then averaged: (0.2 + 0.4 + 0.7) / 3 = 0.43333 and (0.1 + 0.3) / 2 = 0.2,
    # so 0.31667 (pooling all five negatives would give 0.32; the gold-chunk heatmap alone 0.15).
    assert items["off-diagonal"].value == pytest.approx((1.3 / 3 + 0.2) / 2)
    assert items["rank-1"].value == 1.0  # chunk 0 first for question 0, chunk 1 (relevant) for question 1
    assert items["gap"].value == pytest.approx(((0.9 - 0.7) + (0.8 - 0.5)) / 2)
    assert {n: i.passed for n, i in items.items()} == {
        "margin": True,
        "separation": False,
        "diagonal": True,
        "off-diagonal": True,
        "rank-1": True,
        "gap": True,
        "clustering": True,
    }


# Unit vectors of a 3-4-5 triangle: a.b = 0.8, a.c = 0.6, a.d = 0, b.c = 0.96, b.d = 0.6, c.d = 0.8.
A, B, C, D = np.array([1.0, 0.0]), np.array([0.8, 0.6]), np.array([0.6, 0.8]), np.array([0.0, 1.0])


def test_off_diagonal_passes_when_the_other_chunks_are_far():
    # Questions a and d, gold chunks a and d, two more chunks b and c.
    # Question a: (a.d + a.b + a.c) / 3 = (0 + 0.8 + 0.6) / 3 = 0.4667; question d the same by symmetry.
    items = {i.name: i for i in checklist(cosine(np.stack([A, D]), np.stack([A, D, B, C])), [{0}, {1}], [0, 1], 1.0)}
    assert items["off-diagonal"].value == pytest.approx(1.4 / 3) and items["off-diagonal"].passed


def test_off_diagonal_counts_every_chunk_not_only_the_gold_ones():
    # The same questions and gold chunks, but four copies each of b and c crowd near both questions.
    # Question a: (0 + 4 * 0.8 + 4 * 0.6) / 9 = 0.6222 >= 0.6: fail, although the gold chunks are orthogonal.
    q, c = np.stack([A, D]), np.stack([A, D, *[B, C] * 4])
    sim = cosine(q, c)
    items = {i.name: i for i in checklist(sim, [{0}, {1}], [0, 1], 1.0)}
    assert items["off-diagonal"].value == pytest.approx(5.6 / 9) and not items["off-diagonal"].passed
    assert gold_heatmap(sim, [0, 1])[[0, 1], [1, 0]] == pytest.approx([0.0, 0.0])  # the heatmap alone would pass


def test_shifted_gold_fails_the_ranking_items():
    # Each question sits exactly on the NEXT question's gold chunk.
    chunks = np.eye(N)
    queries = np.roll(chunks, -1, axis=0)
    items = checklist(cosine(queries, chunks), [{i} for i in range(N)], list(range(N)), clustering=0.2)
    assert passed(items) == {
        "margin": False,
        "separation": False,
        "diagonal": False,
        "off-diagonal": True,
        "rank-1": False,
        "gap": True,
        "clustering": False,
    }


def test_collapsed_embeddings_fail_off_diagonal_gap_and_margin():
    # Every vector points almost the same way: everything is similar to everything.
    rng = np.random.default_rng(1)
    base = np.ones(N)
    chunks = base + 0.02 * rng.normal(size=(N, N))
    queries = chunks + 0.01 * rng.normal(size=(N, N))
    items = passed(checklist(cosine(queries, chunks), [{i} for i in range(N)], list(range(N)), clustering=0.9))
    assert not items["off-diagonal"] and not items["gap"] and not items["margin"]
    assert items["diagonal"] and items["clustering"]


def test_map_clustering_by_hand():
    chunk_xy = np.array([[0.0, 0.0], [10.0, 0.0], [20.0, 0.0]])
    query_xy = np.array([[1.0, 0.0], [19.0, 0.0]])
    assert map_clustering(query_xy, chunk_xy, [{0}, {0}], k=1) == 0.5
    assert map_clustering(query_xy, chunk_xy, [{0}, {0}], k=3) == 1.0


def test_top_k_bars_mark_the_gold_chunk():
    sim = np.array([[0.1, 0.9, 0.5], [0.3, 0.2, 0.1]])
    bars = top_k_bars(sim, [{2}, {2}], ["a", "b"], k=2)
    assert bars[0].scores == [0.9, 0.5] and bars[0].gold_rank == 1
    assert bars[1].gold_rank is None


def test_tsne_is_seeded():
    x = np.random.default_rng(0).normal(size=(40, 8))
    a, b = tsne_map(x, seed=0), tsne_map(x, seed=0)
    assert a.shape == (40, 2) and np.allclose(a, b)


@pytest.mark.slow
def test_umap_is_seeded():
    x = np.random.default_rng(0).normal(size=(40, 8))
    a, b = umap_map(x, seed=0), umap_map(x, seed=0)
    assert a.shape == (40, 2) and np.allclose(a, b)

"""faiss indexes against exact search, recall by hand, and the Gaussian-mixture sampler."""

import numpy as np
import pytest

from models.vector_index import (
    IndexConfig,
    SweepPoint,
    benchmark,
    fit_mixture,
    flat_index,
    hnsw_index,
    ivf_index,
    operating_point,
    recall_against_exact,
    sample_mixture,
)


def unit(rng, n, d=32):
    x = rng.normal(size=(n, d)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_recall_by_hand():
    exact = np.array([[1, 2, 3, 4], [5, 6, 7, 8]])
    found = np.array([[4, 3, 9, 9], [5, 6, 7, 8]])
    assert recall_against_exact(found, exact) == pytest.approx((2 / 4 + 1) / 2)


def test_flat_is_exact_and_approximate_indexes_reach_it():
    rng = np.random.default_rng(0)
    x, q = unit(rng, 2000), unit(rng, 50)
    _, found = flat_index(x).search(q, 10)
    expected = np.argsort(-(q @ x.T), axis=1, kind="stable")[:, :10]
    assert recall_against_exact(found, expected) == 1.0
    hnsw = hnsw_index(x, 16, 40)
    hnsw.hnsw.efSearch = 2000  # a search that keeps every candidate is exact
    assert recall_against_exact(hnsw.search(q, 10)[1], found) == 1.0
    ivf = ivf_index(x, 16, seed=0)
    ivf.nprobe = 16  # scanning every list is exact
    assert recall_against_exact(ivf.search(q, 10)[1], found) == 1.0
    ivf.nprobe = 1
    assert recall_against_exact(ivf.search(q, 10)[1], found) < 1.0


def test_mixture_samples_are_unit_vectors_near_the_fitted_clusters():
    rng = np.random.default_rng(1)
    centres = unit(rng, 3, 16) * 4
    x = np.concatenate([c + rng.normal(size=(40, 16)) * 0.2 for c in centres])
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    mixture = fit_mixture(x, clusters=3, shrinkage=0.5, seed=0)
    assert np.allclose(mixture.weights.sum(), 1.0)
    samples = sample_mixture(mixture, 3000, seed=0)
    assert np.allclose(np.linalg.norm(samples, axis=1), 1.0, atol=1e-5)
    # Each sample lies closest to one of the real clusters, in about the fitted proportions.
    nearest = np.argmax(samples @ (mixture.means / np.linalg.norm(mixture.means, axis=1, keepdims=True)).T, axis=1)
    shares = np.bincount(nearest, minlength=3) / len(samples)
    assert np.allclose(np.sort(shares), np.sort(mixture.weights), atol=0.05)


def test_operating_point_is_the_cheapest_setting_that_reaches_recall_on_tuning_queries():
    points = [SweepPoint(8, 0.99, 0.1, 0.80), SweepPoint(16, 0.90, 0.2, 0.96), SweepPoint(32, 0.99, 0.3, 0.99)]
    assert operating_point(points, 0.95).setting == 16
    assert operating_point(points, 0.999).setting == 32  # none reaches it: the most exact


def test_tiny_benchmark_reports_every_setting():
    rng = np.random.default_rng(2)
    chunks, queries = unit(rng, 60, 24), unit(rng, 12, 24)
    config = IndexConfig(total_vectors=800, mixture_clusters=4, ivf_lists=8, timed_queries=10, warmup_queries=2)
    result = benchmark(chunks, queries, queries, config, ef_search=[4, 400], nprobe=[1, 8])
    assert result.vectors == 800 and result.real_vectors == 60
    assert [p.setting for p in result.hnsw] == [4, 400] and [p.setting for p in result.ivf] == [1, 8]
    assert result.ivf[-1].recall_at_10 == 1.0
    assert result.flat_ms > 0 and all(p.median_ms > 0 for p in result.hnsw + result.ivf)

"""InfoNCE equals cross-entropy on the similarity matrix; the head starts as the identity and learns."""

import numpy as np
import torch
import torch.nn.functional as F

from models.embedding_head import HeadConfig, ProjectionHead, info_nce, project, train_head
from models.retrieval import mrr_at_k, rank_by_scores


def test_info_nce_matches_cross_entropy():
    torch.manual_seed(0)
    q = F.normalize(torch.randn(6, 16), dim=-1)
    d = F.normalize(torch.randn(4, 16), dim=-1)
    targets = torch.tensor([0, 1, 2, 3, 1, 0])
    expected = F.cross_entropy(q @ d.T / 0.07, targets)
    assert torch.allclose(info_nce(q, d, targets, 0.07), expected, atol=1e-6)


def test_head_starts_as_identity():
    x = np.random.default_rng(0).normal(size=(5, 384)).astype(np.float32)
    out = project(ProjectionHead(HeadConfig()), x)
    assert np.allclose(out, x / np.linalg.norm(x, axis=1, keepdims=True), atol=1e-6)


def synthetic_pairs(n_docs=40, n_queries=120, dim=64, seed=0):
    """Queries are their gold doc plus a large nuisance in a fixed 4-d subspace: a head can project it out."""
    rng = np.random.default_rng(seed)
    docs = rng.normal(size=(n_docs, dim))
    docs /= np.linalg.norm(docs, axis=1, keepdims=True)
    gold = rng.integers(0, n_docs, size=n_queries)
    nuisance = rng.normal(size=(4, dim))
    queries = docs[gold] + 1.5 * rng.normal(size=(n_queries, 4)) @ nuisance / np.sqrt(dim)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    return queries.astype(np.float32), docs.astype(np.float32), gold.tolist()


def test_training_lowers_the_loss_and_raises_mrr():
    torch.set_num_threads(1)
    q, d, gold = synthetic_pairs()
    result = train_head(HeadConfig(dim=64, epochs=60, lr=3e-3, batch_size=16), q[:80], d, gold[:80])
    assert result.losses[-1] < 0.5 * result.losses[0]
    rel = [{g} for g in gold[80:]]  # questions the head never saw
    before = mrr_at_k(rank_by_scores(q[80:] @ d.T), rel, 10)
    after = mrr_at_k(rank_by_scores(project(result.head, q[80:]) @ project(result.head, d).T), rel, 10)
    assert after > before + 0.1


def test_shared_gold_chunk_is_not_its_own_negative():
    # Four questions, two gold chunks: the loss with de-duplicated candidates is what the trainer sees.
    q, d, _ = synthetic_pairs(n_docs=2, n_queries=4)
    result = train_head(HeadConfig(dim=64, epochs=1, batch_size=4), q, d, [0, 0, 1, 1])
    qt, dt = torch.as_tensor(q), torch.as_tensor(d)
    expected = F.cross_entropy(F.normalize(qt, dim=-1) @ F.normalize(dt, dim=-1).T / 0.05, torch.tensor([0, 0, 1, 1]))
    assert np.isclose(result.losses[0], expected.item(), rtol=1e-5)

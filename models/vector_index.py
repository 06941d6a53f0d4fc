"""Vector search at scale: exact (Flat) against approximate (HNSW, IVF) faiss indexes.

Our corpus gives only a few hundred chunk vectors, and at that size any index is instant. To
see the trade-off that matters in practice we grow the collection to tens of thousands of
vectors with synthetic ones drawn from a Gaussian mixture fitted to the real chunk
embeddings: k-means gives the centres, each cluster gets its own covariance (shrunk towards
a multiple of the identity because a cluster has far fewer points than dimensions), and
every sample is normalised to unit length like a MiniLM output. The synthetic vectors are
not text; they only give the index a realistic shape to search through.

* Flat scans every vector: exact, cost grows linearly with the collection.
* HNSW (Malkov and Yashunin, 2018) walks a layered neighbour graph; efSearch is how many
  candidates the walk keeps, so larger is slower and more exact.
* IVF clusters the vectors into nlist lists and scans only the nprobe lists whose centres
  are nearest the query.

Recall@10 compares an index's top 10 with the exact top 10. Latency is one query at a time
on one thread: the median of `timed_queries` searches that cycle through the query vectors
(a query is searched again once the cycle wraps), after `warmup_queries` untimed searches.
"""

import time
from dataclasses import dataclass

import faiss
import numpy as np
from sklearn.cluster import KMeans


@dataclass
class IndexConfig:
    total_vectors: int = 20_000  # real chunks plus synthetic ones; the issue asks for at least 20,000
    mixture_clusters: int = 16  # k-means centres of the Gaussian mixture fitted to the chunks
    shrinkage: float = 0.5  # weight of the isotropic part in each cluster covariance (clusters are tiny)
    hnsw_m: int = 32  # graph neighbours per node; more = better recall, more memory
    hnsw_ef_construction: int = 80  # candidate list while building the graph
    ivf_lists: int = 128  # nlist, about sqrt(total_vectors)
    timed_queries: int = 240  # latencies measured per setting (queries are cycled to reach this)
    warmup_queries: int = 20  # untimed searches first, so caches are warm
    seed: int = 0  # k-means, the samples and faiss's own training


@dataclass
class Mixture:
    means: np.ndarray  # (K, D) cluster centres
    factors: np.ndarray  # (K, D, D) Cholesky factor of each cluster's covariance
    weights: np.ndarray  # (K,) share of real points in each cluster


def fit_mixture(x: np.ndarray, clusters: int, shrinkage: float, seed: int) -> Mixture:
    km = KMeans(n_clusters=clusters, n_init=4, random_state=seed).fit(x)
    d = x.shape[1]
    means, factors, weights = [], [], []
    for k in range(clusters):
        members = x[km.labels_ == k]
        centred = members - members.mean(axis=0)
        sample_cov = centred.T @ centred / max(len(members) - 1, 1)  # (D, D), rank < cluster size
        # $\Sigma_k = (1 - \lambda) S_k + \lambda \frac{\mathrm{tr}(S_k)}{D} I$ keeps the spread, makes it full rank
        iso = max(np.trace(sample_cov) / d, 1e-6)
        cov = (1 - shrinkage) * sample_cov + shrinkage * iso * np.eye(d)
        means.append(members.mean(axis=0))
        factors.append(np.linalg.cholesky(cov))
        weights.append(len(members) / len(x))
    return Mixture(np.stack(means), np.stack(factors), np.asarray(weights))


def sample_mixture(mixture: Mixture, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    which = rng.choice(len(mixture.weights), size=n, p=mixture.weights)
    eps = rng.standard_normal((n, mixture.means.shape[1]))
    x = np.empty_like(eps)
    for k in range(len(mixture.weights)):
        rows = which == k
        # $x = \mu_k + L_k \epsilon$, $\epsilon \sim N(0, I)$, then projected to the unit sphere
        x[rows] = mixture.means[k] + eps[rows] @ mixture.factors[k].T
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def build_collection(chunk_emb: np.ndarray, config: IndexConfig) -> np.ndarray:
    """The real chunk vectors first, then synthetic ones up to total_vectors."""
    mixture = fit_mixture(chunk_emb, config.mixture_clusters, config.shrinkage, config.seed)
    synthetic = sample_mixture(mixture, config.total_vectors - len(chunk_emb), config.seed)
    return np.concatenate([chunk_emb.astype(np.float32), synthetic])


def flat_index(x: np.ndarray) -> faiss.Index:
    index = faiss.IndexFlatIP(x.shape[1])  # inner product = cosine on unit vectors
    index.add(x)
    return index


def hnsw_index(x: np.ndarray, m: int, ef_construction: int) -> faiss.IndexHNSWFlat:
    index = faiss.IndexHNSWFlat(x.shape[1], m, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = ef_construction
    index.add(x)
    return index


def ivf_index(x: np.ndarray, lists: int, seed: int) -> faiss.IndexIVFFlat:
    quantizer = faiss.IndexFlatIP(x.shape[1])
    index = faiss.IndexIVFFlat(quantizer, x.shape[1], lists, faiss.METRIC_INNER_PRODUCT)
    index.cp.seed = seed
    index.train(x)
    index.add(x)
    return index


def recall_against_exact(found: np.ndarray, exact: np.ndarray) -> float:
    # $\mathrm{recall@k} = \frac{1}{|Q|} \sum_q \frac{|\mathrm{found}_q \cap \mathrm{exact}_q|}{k}$
    k = exact.shape[1]
    return float(np.mean([len(set(f) & set(e)) / k for f, e in zip(found, exact, strict=True)]))


def median_query_ms(index: faiss.Index, queries: np.ndarray, k: int, timed: int, warmup: int) -> float:
    """Median wall time of one single-query search, in milliseconds, on one thread."""
    faiss.omp_set_num_threads(1)
    for i in range(warmup):
        index.search(queries[i % len(queries)][None], k)
    times = []
    for i in range(timed):
        q = queries[i % len(queries)][None]  # (1, D): one query at a time, as a live service sees them
        start = time.perf_counter()
        index.search(q, k)
        times.append(time.perf_counter() - start)
    return float(np.median(times) * 1000)


@dataclass
class SweepPoint:
    setting: int  # efSearch for HNSW, nprobe for IVF
    recall_at_10: float  # on the reported (held-out) queries
    median_ms: float  # on the reported queries
    tuning_recall_at_10: float  # on the tuning (training) queries, which pick the operating point


@dataclass
class IndexBenchmark:
    vectors: int
    real_vectors: int
    queries: int  # distinct query vectors; the timed searches cycle through them
    flat_ms: float
    hnsw: list[SweepPoint]
    ivf: list[SweepPoint]
    build_seconds: dict[str, float]


def benchmark(
    chunk_emb: np.ndarray,
    queries: np.ndarray,
    tuning_queries: np.ndarray,
    config: IndexConfig,
    ef_search: list[int],
    nprobe: list[int],
) -> IndexBenchmark:
    faiss.omp_set_num_threads(1)
    x = build_collection(chunk_emb, config)
    queries = np.ascontiguousarray(queries, dtype=np.float32)
    tuning_queries = np.ascontiguousarray(tuning_queries, dtype=np.float32)
    builds = {}
    start = time.perf_counter()
    flat = flat_index(x)
    builds["flat"] = time.perf_counter() - start
    start = time.perf_counter()
    hnsw = hnsw_index(x, config.hnsw_m, config.hnsw_ef_construction)
    builds["hnsw"] = time.perf_counter() - start
    start = time.perf_counter()
    ivf = ivf_index(x, config.ivf_lists, config.seed)
    builds["ivf"] = time.perf_counter() - start
    _, exact = flat.search(queries, 10)
    _, exact_tuning = flat.search(tuning_queries, 10)

    def sweep_point(index: faiss.Index, setting: int) -> SweepPoint:
        recall = recall_against_exact(index.search(queries, 10)[1], exact)
        tuning = recall_against_exact(index.search(tuning_queries, 10)[1], exact_tuning)
        return SweepPoint(setting, recall, median_query_ms(index, queries, *timing), tuning)

    timing = (10, config.timed_queries, config.warmup_queries)
    flat_ms = median_query_ms(flat, queries, *timing)
    hnsw_points, ivf_points = [], []
    for ef in ef_search:
        hnsw.hnsw.efSearch = ef
        hnsw_points.append(sweep_point(hnsw, ef))
    for probes in nprobe:
        ivf.nprobe = probes
        ivf_points.append(sweep_point(ivf, probes))
    return IndexBenchmark(len(x), len(chunk_emb), len(queries), flat_ms, hnsw_points, ivf_points, builds)


def operating_point(points: list[SweepPoint], min_recall: float) -> SweepPoint:
    """The cheapest setting whose recall on the tuning queries reaches min_recall (else the most exact)."""
    good = [p for p in points if p.tuning_recall_at_10 >= min_recall]
    return min(good, key=lambda p: p.setting) if good else max(points, key=lambda p: p.tuning_recall_at_10)

"""Mutability: score a test point against a population generated from q(. | c*).

A population is summarized once (core clusters -> centroid + whitening matrix, and the
sorted statistic of its own members); many test points can then be scored against it with
array operations only. All coordinates are standardized.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components
from sklearn.cluster import HDBSCAN

CLUSTERINGS = ("dbscan", "hdbscan", "none")
DISTANCES = ("mahalanobis", "euclidean")
TIE_BREAKS = ("interpolate", "tail", "none")


@dataclass(frozen=True)
class ClusterConfig:
    clustering: str = "dbscan"
    eps: float | None = None  # None: the eps_quantile of the min_samples-NN distances
    eps_quantile: float = 0.9
    min_samples: int | None = None  # None: 2 * dimension (the usual DBSCAN rule of thumb)
    min_cluster_fraction: float = 0.05
    distance: str = "mahalanobis"
    cov_reg: float = 1e-3


def _pairwise(P: np.ndarray) -> np.ndarray:
    """Euclidean distance matrices of populations P (G, N, d) -> (G, N, N), float32.

    torch.cdist is ~10x faster than the NumPy expansion; single precision is plenty for
    deciding cluster membership.
    """
    T = torch.from_numpy(np.ascontiguousarray(P, dtype=np.float32))
    D = torch.cdist(T, T)
    D = 0.5 * (D + D.transpose(1, 2))  # the matmul path is not exactly symmetric
    D.diagonal(dim1=1, dim2=2).zero_()
    return D.numpy()


def _dbscan(D: np.ndarray, eps: float, min_samples: int) -> np.ndarray:
    """DBSCAN on one precomputed distance matrix (same semantics as sklearn's).

    Core points have >= min_samples points (itself included) within eps; clusters are the
    connected components of the core points; a border point joins its nearest core point.
    """
    n = len(D)
    within = D <= eps
    core = np.nonzero(within.sum(axis=1) >= min_samples)[0]
    labels = np.full(n, -1)
    if core.size == 0:
        return labels
    _, comp = connected_components(csr_matrix(within[np.ix_(core, core)]), directed=False)
    labels[core] = comp
    rest = np.setdiff1d(np.arange(n), core)
    if rest.size:
        to_core = D[np.ix_(rest, core)]
        nearest = to_core.argmin(axis=1)
        near = to_core[np.arange(rest.size), nearest] <= eps
        labels[rest[near]] = comp[nearest[near]]
    return labels


def _by_size(labels: np.ndarray) -> np.ndarray:
    """Relabel clusters 0, 1, ... by decreasing size (outliers stay -1)."""
    if (labels < 0).all():
        return labels
    counts = np.bincount(labels[labels >= 0])
    rank = np.empty_like(counts)
    rank[np.argsort(-counts, kind="stable")] = np.arange(counts.size)
    return np.where(labels >= 0, rank[np.maximum(labels, 0)], -1)


def cluster_labels(P: np.ndarray, cfg: ClusterConfig) -> np.ndarray:
    """Cluster labels of populations P (G, N, d), largest cluster 0; -1 = generated outlier."""
    G, n, d = P.shape
    if cfg.clustering == "none":
        return np.zeros((G, n), dtype=int)
    min_samples = min(cfg.min_samples or 2 * d, n - 1)
    labels = np.empty((G, n), dtype=int)
    chunk = max(1, 2**22 // (n * n))  # bounds the (chunk, N, N) distance matrices
    for b in range(0, G, chunk):
        D = _pairwise(P[b: b + chunk])
        if cfg.clustering == "hdbscan":
            size = max(min_samples, int(np.ceil(cfg.min_cluster_fraction * n)))
            for i, Dg in enumerate(D):
                labels[b + i] = _by_size(HDBSCAN(min_cluster_size=size, min_samples=min_samples,
                                                 metric="precomputed", copy=False).fit_predict(Dg))
            continue
        if cfg.eps is None:
            # distance to the (min_samples-1)-th other point (index 0 is the point itself):
            # with this eps, about eps_quantile of the population are DBSCAN core points
            kdist = np.partition(D, min_samples - 1, axis=2)[:, :, min_samples - 1]
            eps = np.quantile(kdist, cfg.eps_quantile, axis=1) * (1 + 1e-9)
        else:
            eps = np.full(len(D), cfg.eps)
        for i, Dg in enumerate(D):
            labels[b + i] = _by_size(_dbscan(Dg, eps[i], min_samples))
    return labels


def core_clusters(P: np.ndarray, labels: np.ndarray, cfg: ClusterConfig
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Centroids (G, K, d), whitening matrices (G, K, d, d) and validity (G, K).

    A core cluster holds at least ``min_cluster_fraction`` of the population and more than
    d points (so its covariance is estimable). Without one, the whole population is used.
    """
    G, n, d = P.shape
    K = int(min(max(labels.max() + 1, 1), max(1, int(1.0 / cfg.min_cluster_fraction))))
    masks = labels[:, None, :] == np.arange(K)[None, :, None]  # (G, K, N)
    counts = masks.sum(axis=2)
    valid = (counts >= cfg.min_cluster_fraction * n) & (counts > d)
    masks[:, 0] |= ~valid.any(axis=1)[:, None]  # no core cluster: fall back to everything
    valid[:, 0] = True
    K = int(valid.sum(axis=1).max())  # clusters are sorted by size: valid ones come first
    masks, valid = masks[:, :K] & valid[:, :K, None], valid[:, :K]
    counts = np.maximum(masks.sum(axis=2), 2)
    w = masks / counts[:, :, None]
    centroids = np.einsum("gkn,gnd->gkd", w, P)
    eye = np.broadcast_to(np.eye(d), (G, K, d, d))
    if cfg.distance == "euclidean":
        return centroids, eye.copy(), valid
    diff = P[:, None, :, :] - centroids[:, :, None, :]  # (G, K, N, d)
    cov = np.einsum("gkn,gkni,gknj->gkij", masks / (counts - 1)[:, :, None], diff, diff)
    # ridge relative to the cluster's own scale keeps narrow clusters invertible
    scale = np.trace(cov, axis1=2, axis2=3)[:, :, None, None] / d
    cov = np.where(valid[:, :, None, None], cov + (cfg.cov_reg * scale + 1e-12) * eye, eye)
    return centroids, np.linalg.inv(np.linalg.cholesky(cov)), valid


def min_distance(X: np.ndarray, centroids: np.ndarray, whiteners: np.ndarray,
                 valid: np.ndarray) -> np.ndarray:
    """d(x) = min over valid clusters of |W_k (x - mu_k)|; X (G, M, d) -> (G, M)."""
    diff = X[:, :, None, :] - centroids[:, None, :, :]  # (G, M, K, d)
    white = np.einsum("gkij,gmkj->gmki", whiteners, diff)
    dist = np.sqrt(np.einsum("gmki,gmki->gmk", white, white))
    return np.where(valid[:, None, :], dist, np.inf).min(axis=2)


@dataclass
class Populations:
    """Summaries of G generated populations, padded to K clusters each.

    ``reference`` holds each population's own statistic, sorted (G, N): distances for
    mutability, -log q for the density variant; ``scale`` its standard deviation (G,).
    """

    centroids: np.ndarray  # (G, K, d)
    whiteners: np.ndarray  # (G, K, d, d)
    valid: np.ndarray  # (G, K)
    reference: np.ndarray  # (G, N)
    scale: np.ndarray  # (G,)

    @classmethod
    def build(cls, P: np.ndarray, neg_logp: np.ndarray, cfg: ClusterConfig,
              density: bool) -> Populations:
        """Summarize populations P (G, N, d) with their -log q (G, N)."""
        G, N, d = P.shape
        parts = []
        for b in range(0, G, 256):  # bounds the (chunk, K, N, d) covariance temporaries
            Pb = P[b: b + 256]
            parts.append(core_clusters(Pb, cluster_labels(Pb, cfg), cfg))
        K = max(v.shape[1] for _, _, v in parts)
        centroids, whiteners = np.zeros((G, K, d)), np.zeros((G, K, d, d))
        valid = np.zeros((G, K), dtype=bool)
        for b, (mu, W, v) in zip(range(0, G, 256), parts, strict=True):
            k = v.shape[1]
            centroids[b: b + len(v), :k], whiteners[b: b + len(v), :k] = mu, W
            valid[b: b + len(v), :k] = v
        pops = cls(centroids, whiteners, valid, np.empty((G, N)), np.empty(G))
        ref = neg_logp if density else pops.distance(P, np.arange(G))
        pops.reference = np.sort(ref, axis=1)
        pops.scale = np.maximum(ref.std(axis=1), 1e-12)
        return pops

    def distance(self, X: np.ndarray, index: np.ndarray) -> np.ndarray:
        """Distance of X[i] ((G, M, d), or (n, d): one point each) to population index[i]."""
        X3 = X if X.ndim == 3 else X[:, None, :]
        out = np.empty(X3.shape[:2])
        _, M, d = X3.shape
        chunk = max(1, 2**21 // (M * self.valid.shape[1] * d))  # bounds the temporaries
        for b in range(0, len(X3), chunk):
            g = index[b: b + chunk]
            out[b: b + chunk] = min_distance(X3[b: b + chunk], self.centroids[g],
                                             self.whiteners[g], self.valid[g])
        return out if X.ndim == 3 else out[:, 0]

    def rank(self, stat: np.ndarray, index: np.ndarray, tie_break: str
             ) -> tuple[np.ndarray, np.ndarray]:
        """Fraction of population index[i] strictly below stat[i], and the tie-broken score.

        ``interpolate``: linear between the population's order statistics, so floor(score*N)/N
        equals the fraction; beyond the whole population (and for ``tail``) the score goes on
        as 1 + (stat - max) / scale, in units of the population's own spread.
        """
        ref = self.reference
        N = ref.shape[1]
        k = np.empty(len(stat), dtype=int)
        # group the points by population: one binary search per population, no (n, N) copy
        order = np.argsort(index, kind="stable")
        grouped = index[order]
        starts = np.flatnonzero(np.r_[True, grouped[1:] != grouped[:-1]])
        for s, e in zip(starts, np.r_[starts[1:], len(order)], strict=True):
            rows = order[s:e]
            k[rows] = np.searchsorted(ref[grouped[s]], stat[rows], side="left")
        frac = k / N
        if tie_break == "none":
            return frac, frac
        tail = np.maximum(stat - ref[index, -1], 0.0) / self.scale[index]
        if tie_break == "tail":
            return frac, frac + tail
        # between order statistics lo < stat <= hi: u in (0, 1]
        lo = ref[index, np.clip(k - 1, 0, N - 1)]
        hi = ref[index, np.clip(k, 0, N - 1)]
        gap = hi - lo
        u = np.where(gap > 0, (stat - lo) / np.where(gap > 0, gap, 1.0), 0.0)
        score = np.where(k == 0, 0.0, np.where(k < N, (k + u) / N, 1.0 + tail))
        return frac, score

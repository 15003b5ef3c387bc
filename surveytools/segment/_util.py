"""Small numerical helpers shared by the segmentation modules (no surveytools imports beyond exceptions)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .._threads import single_thread

__all__ = [
    "canonical_order",
    "spawn_rngs",
    "contingency",
    "adjusted_rand",
    "jaccard_best",
    "nearest_center",
    "weighted_centers",
    "size_order",
    "blas_single_thread",
]


def canonical_order(ids: pd.Index | Sequence[object]) -> np.ndarray:
    """Positions that sort respondents by their id as text (stable).

    Every random step of a segmentation runs on the rows in this order, so shuffling the input rows cannot
    change the result.
    """
    keys = np.asarray(pd.Index(ids).astype(str), dtype=object)
    return np.argsort(keys, kind="stable")


def spawn_rngs(seed: int | np.random.SeedSequence, n: int) -> list[np.random.Generator]:
    """``n`` independent generators derived from ``seed`` (numpy ``SeedSequence.spawn``)."""
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(int(seed))
    return [np.random.default_rng(s) for s in ss.spawn(n)]


def contingency(a: np.ndarray, b: np.ndarray, ka: int | None = None, kb: int | None = None,
                weights: np.ndarray | None = None) -> np.ndarray:
    """Cross-tabulation of two label vectors (codes 0..ka-1 and 0..kb-1), optionally weighted."""
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    ka = int(a.max()) + 1 if ka is None else int(ka)
    kb = int(b.max()) + 1 if kb is None else int(kb)
    return np.bincount(a * kb + b, weights=weights, minlength=ka * kb).reshape(ka, kb)


def _comb2(x: np.ndarray) -> float:
    x = np.asarray(x, dtype=float)
    return float((x * (x - 1.0)).sum() / 2.0)


def _codes(a: np.ndarray) -> np.ndarray:
    """Labels as small non-negative integer codes (as they are, when they already are)."""
    if a.dtype.kind in "iu" and a.size and a.min() >= 0 and a.max() < 65536:
        return a
    return np.unique(a, return_inverse=True)[1].ravel()


def adjusted_rand(a: np.ndarray, b: np.ndarray) -> float:
    r"""Adjusted Rand index of two partitions (Hubert & Arabie, 1985).

    .. math:: ARI = \frac{\sum_{ij}\binom{n_{ij}}{2} - E}{\tfrac12[\sum_i\binom{a_i}{2} + \sum_j\binom{b_j}{2}] - E},
       \quad E = \sum_i\binom{a_i}{2}\sum_j\binom{b_j}{2} / \binom{n}{2}

    Equals ``sklearn.metrics.adjusted_rand_score`` (1.0 when both partitions are trivial and equal).
    Labels may be any non-negative integers.
    """
    a = np.asarray(a)
    b = np.asarray(b)
    n = a.size
    if n != b.size:
        raise ValueError("label vectors differ in length")
    if n < 2:
        return 1.0
    table = contingency(_codes(a), _codes(b))
    sum_ij = _comb2(table.ravel())
    sum_a = _comb2(table.sum(axis=1))
    sum_b = _comb2(table.sum(axis=0))
    expected = sum_a * sum_b / (n * (n - 1) / 2.0)
    top = (sum_a + sum_b) / 2.0
    if top == expected:
        return 1.0
    return float((sum_ij - expected) / (top - expected))


def jaccard_best(reference: np.ndarray, other: np.ndarray, k_ref: int, k_other: int) -> np.ndarray:
    """For each reference cluster, the highest Jaccard coefficient with any cluster of ``other``.

    ``J(C, D) = |C n D| / |C u D|`` over the points given (Hennig, 2007, ``fpc::clusterboot``). A reference
    cluster with no point among those given gets NaN.
    """
    table = contingency(reference, other, k_ref, k_other).astype(float)
    rs = table.sum(axis=1, keepdims=True)
    cs = table.sum(axis=0, keepdims=True)
    union = rs + cs - table
    with np.errstate(invalid="ignore", divide="ignore"):
        jac = np.where(union > 0, table / union, 0.0)
    best = jac.max(axis=1)
    best[rs[:, 0] == 0] = np.nan
    return best


def nearest_center(x: np.ndarray, centers: np.ndarray, x_sq: np.ndarray | None = None,
                   chunk_cells: int = 4_000_000) -> tuple[np.ndarray, np.ndarray]:
    """Index of the nearest center and the squared distance to it, for every row of ``x``.

    Squared distances are ``|x|^2 - 2 x.c + |c|^2`` (one matrix product), computed in row blocks so that a
    block holds at most ``chunk_cells`` distances. Ties go to the lowest center index.
    """
    n = x.shape[0]
    k = centers.shape[0]
    if x_sq is None:
        x_sq = np.einsum("ij,ij->i", x, x)
    c_sq = np.einsum("ij,ij->i", centers, centers)
    labels = np.empty(n, dtype=np.int64)
    dist = np.empty(n, dtype=float)
    step = max(1, chunk_cells // max(k, 1))
    for lo in range(0, n, step):
        hi = min(n, lo + step)
        if k <= 16:
            # k x rows, then a running minimum over the k rows (faster than argmin over a short axis)
            d = centers @ x[lo:hi].T
            d *= -2.0
            d += c_sq[:, None]
            best = d[0].copy()
            lab = np.zeros(hi - lo, dtype=np.int8)
            better = np.empty(hi - lo, dtype=bool)
            for g in range(1, k):
                np.less(d[g], best, out=better)
                np.copyto(lab, g, where=better)
                np.minimum(best, d[g], out=best)
            labels[lo:hi] = lab
            dist[lo:hi] = best + x_sq[lo:hi]
        else:
            d = x[lo:hi] @ centers.T
            d *= -2.0
            d += c_sq
            lab = d.argmin(axis=1)
            labels[lo:hi] = lab
            dist[lo:hi] = d[np.arange(hi - lo), lab] + x_sq[lo:hi]
    np.maximum(dist, 0.0, out=dist)
    return labels, dist


def weighted_centers(x: np.ndarray, labels: np.ndarray, k: int, w: np.ndarray | None = None
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Weighted means of each cluster (k x d; NaN rows for empty clusters) and cluster masses."""
    w = np.ones(x.shape[0]) if w is None else w
    mass = np.bincount(labels, weights=w, minlength=k)
    sums = np.empty((k, x.shape[1]))
    for j in range(x.shape[1]):
        sums[:, j] = np.bincount(labels, weights=w * x[:, j], minlength=k)
    with np.errstate(invalid="ignore", divide="ignore"):
        centers = sums / mass[:, None]
    return centers, mass


def size_order(mass: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """Old cluster codes in the order of the new numbering: by mass, largest first; ties by centroid.

    Returns ``order`` such that new segment ``s`` (0-based) is old cluster ``order[s]``.
    """
    keys = [centers[:, j] for j in range(centers.shape[1] - 1, -1, -1)]
    # np.lexsort sorts by the last key first: mass (descending), then centroid coordinates in order.
    return np.lexsort(keys + [-np.round(mass, 9)])


#: BLAS on one thread (thin products: threads only synchronize); shared with the other stages.
blas_single_thread = single_thread

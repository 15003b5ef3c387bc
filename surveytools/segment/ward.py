"""Weighted agglomerative clustering (Ward, average linkage) by the nearest-neighbour chain algorithm.

Ward's criterion with survey weights: clusters ``A`` and ``B`` with masses ``m_A, m_B`` (sums of weights)
and weighted centroids ``c_A, c_B`` merge at the cost (the increase of the weighted within sum of squares)::

    Delta(A, B) = m_A m_B / (m_A + m_B) * ||c_A - c_B||^2

updated after a merge by the Lance-Williams recurrence (exact for masses)::

    Delta(K, A+B) = [(m_A + m_K) Delta(K, A) + (m_B + m_K) Delta(K, B) - m_K Delta(A, B)] / (m_A + m_B + m_K)

Average linkage (UPGMA) uses ``D(K, A+B) = (m_A D(K, A) + m_B D(K, B)) / (m_A + m_B)``. Both are reducible,
so the nearest-neighbour chain (Murtagh, 1983) finds the same tree as the naive algorithm in O(m^2) time
and memory for ``m`` points. Heights are reported as ``sqrt(2 Delta)`` for Ward (as R ``hclust(...,
"ward.D2")`` and SciPy ``linkage(..., "ward")``) and as ``D`` for average linkage.

Large data: on more than ``max_points`` rows (default 3000, a 72 MB matrix) the rows are first grouped into
``n_micro`` (default 500) micro-clusters by weighted k-means (20 Lloyd iterations at most), fitted on at most 20 rows per
micro-cluster and then applied to every row; Ward then merges the micro-clusters (with their masses), exactly as it would
merge those groups of rows. This two-step approach is the one of SPSS TwoStep and of BIRCH.

New respondents (``predict``) go to the segment with the nearest weighted centroid: Ward defines no rule of
its own for points outside the tree. On the training rows this nearest-centroid rule agrees with the cut of
the tree for all but a few boundary rows.

References
----------
Ward, J. H. (1963). Hierarchical grouping to optimize an objective function. JASA 58, 236-244.
Murtagh, F. (1983). A survey of recent advances in hierarchical clustering algorithms. Computer Journal 26.
Murtagh, F., & Legendre, P. (2014). Ward's hierarchical agglomerative clustering method: which algorithms
implement Ward's criterion? Journal of Classification 31, 274-295.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..exceptions import DataError
from ._base import Method, Progress, Solution
from ._util import nearest_center, weighted_centers
from .kmeans import kmeans

__all__ = ["LINKAGES", "nn_chain", "cut_tree", "ward_dissimilarity", "WardMethod"]

LINKAGES = ("ward", "average")


def ward_dissimilarity(y: np.ndarray, mass: np.ndarray) -> np.ndarray:
    """Initial Ward merge costs ``m_i m_j / (m_i + m_j) ||y_i - y_j||^2`` (m x m)."""
    sq = np.einsum("ij,ij->i", y, y)
    d2 = sq[:, None] + sq[None, :] - 2.0 * (y @ y.T)
    np.maximum(d2, 0.0, out=d2)
    d2 *= np.outer(mass, mass) / (mass[:, None] + mass[None, :])
    return d2


def nn_chain(dist: np.ndarray, mass: np.ndarray, linkage: str = "ward") -> np.ndarray:
    """Agglomerate ``m`` objects by the nearest-neighbour chain; returns the merges.

    Parameters
    ----------
    dist
        m x m dissimilarities (Ward: merge costs from :func:`ward_dissimilarity`; average: distances).
        Overwritten.
    mass
        Object masses (weights).
    linkage
        ``ward`` or ``average``.

    Returns
    -------
    numpy.ndarray
        (m - 1) x 3: slot of the surviving cluster, slot of the absorbed cluster, merge height (Ward: the
        merge cost Delta), in the order the chain found them (not sorted by height).
    """
    m = dist.shape[0]
    mass = np.asarray(mass, dtype=float).copy()
    np.fill_diagonal(dist, np.inf)
    active = np.ones(m, dtype=bool)
    merges = np.empty((max(m - 1, 0), 3))
    chain: list[int] = []
    done = 0
    next_start = 0
    while done < m - 1:
        if not chain:
            while not active[next_start]:
                next_start += 1
            chain.append(next_start)
        a = chain[-1]
        row = dist[a]
        b = int(np.argmin(row))
        if len(chain) > 1 and row[chain[-2]] <= row[b]:
            b = chain[-2]
        if len(chain) > 1 and b == chain[-2]:
            chain.pop()
            chain.pop()
            lo, hi = (a, b) if a < b else (b, a)
            h = float(dist[lo, hi])
            ma, mb = mass[lo], mass[hi]
            if linkage == "ward":
                mk = mass
                new = ((ma + mk) * dist[lo] + (mb + mk) * dist[hi] - mk * h) / (ma + mb + mk)
            else:
                new = (ma * dist[lo] + mb * dist[hi]) / (ma + mb)
            new[~active] = np.inf
            new[lo] = np.inf
            new[hi] = np.inf
            dist[lo, :] = new
            dist[:, lo] = new
            dist[hi, :] = np.inf
            dist[:, hi] = np.inf
            active[hi] = False
            mass[lo] = ma + mb
            merges[done] = (lo, hi, h)
            done += 1
        else:
            chain.append(b)
    return merges


def cut_tree(merges: np.ndarray, m: int, ks: Sequence[int]) -> dict[int, np.ndarray]:
    """Labels 0..k-1 of the ``m`` objects for each ``k`` in ``ks`` (merges replayed by increasing height).

    Clusters are numbered by their smallest object index, so the labels are a deterministic function of
    the tree.
    """
    order = np.argsort(merges[:, 2], kind="stable") if len(merges) else np.array([], dtype=int)
    parent = np.arange(m)

    def find(i: int) -> int:
        root = i
        while parent[root] != root:
            root = parent[root]
        while parent[i] != root:
            parent[i], i = root, parent[i]
        return root

    want = {int(k) for k in ks if 1 <= k <= m}
    out: dict[int, np.ndarray] = {}
    clusters = m
    if clusters in want:
        out[clusters] = np.arange(m)
    for step in order:
        a, b = int(merges[step, 0]), int(merges[step, 1])
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
            clusters -= 1
        if clusters in want and clusters not in out:
            roots = np.array([find(i) for i in range(m)])
            _, labels = np.unique(roots, return_inverse=True)
            out[clusters] = labels
    return out


class WardMethod(Method):
    """Weighted Ward clustering (two-step on large data); ``predict`` = nearest segment centroid."""

    name = "ward"
    hierarchical = True

    def __init__(self, max_points: int = 3000, n_micro: int = 500) -> None:
        if n_micro > max_points:
            raise DataError("n_micro must not exceed max_points")
        self.max_points = max_points
        self.n_micro = n_micro

    def options(self) -> dict[str, Any]:
        return {"max_points": self.max_points, "n_micro": self.n_micro}

    def _atoms(self, x: np.ndarray, w: np.ndarray, rng: np.random.Generator
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Objects to agglomerate: the rows themselves, or micro-clusters. Returns (atom of each row,
        atom centroids, atom masses)."""
        n = x.shape[0]
        if n <= self.max_points:
            return np.arange(n), x, w
        fit_n = min(n, 20 * self.n_micro)
        idx = np.sort(rng.choice(n, size=fit_n, replace=False)) if fit_n < n else np.arange(n)
        fit, _ = kmeans(x[idx], self.n_micro, w[idx], n_init=1, rng=rng, max_iter=20, tol=1e-3,
                        coarse_size=fit_n)
        atom, _ = nearest_center(x, fit.centers)
        centers, mass = weighted_centers(x, atom, self.n_micro, w)
        used = mass > 0
        remap = np.cumsum(used) - 1
        return remap[atom], centers[used], mass[used]

    def fit_all(self, x: np.ndarray, w: np.ndarray, ks: Sequence[int], rng: np.random.Generator,
                progress: Progress | None = None, label: str = "Ward", n_init: int | None = None
                ) -> dict[int, Solution]:
        atom, y, mass = self._atoms(x, w, rng)
        merges = nn_chain(ward_dissimilarity(y, mass), mass, "ward")
        cuts = cut_tree(merges, y.shape[0], ks)
        out: dict[int, Solution] = {}
        for k in ks:
            if k not in cuts:
                continue
            labels = cuts[k][atom]
            centers, cmass = weighted_centers(x, labels, k, w)
            diff = x - centers[labels]
            sse = float(w @ np.einsum("ij,ij->i", diff, diff))
            out[k] = Solution(k=k, labels=labels, centers=centers, mass=cmass, objective=sse,
                              params={"centers": centers})
        if progress is not None:
            progress(label, 1, 1)
        return out

    def predict(self, sol: Solution, x: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        labels, _ = nearest_center(np.ascontiguousarray(x, dtype=float), sol.params["centers"])
        return labels, None

    def permute(self, sol: Solution, order: np.ndarray) -> Solution:
        return sol.permuted(order, {"centers": sol.params["centers"][order]})

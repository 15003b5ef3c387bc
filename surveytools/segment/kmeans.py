"""Weighted k-means with many k-means++ starts (Lloyd iterations, vectorized numpy).

Objective (survey weights ``w_i``, centers ``c_g``)::

    W = sum_i w_i * min_g ||x_i - c_g||^2

Each start seeds centers with weighted greedy k-means++ (Arthur & Vassilvitskii, 2007: the next center is
drawn with probability proportional to ``w_i D_i^2``; of ``2 + ln k`` such candidates the one that lowers
the potential most is kept, as scikit-learn does) and runs Lloyd's iterations until no respondent changes
segment (a fixed point: every center is the weighted mean of its segment). On more than
``2 * coarse_size`` rows a start first iterates on a random subsample of ``coarse_size`` rows and then
continues on all rows to the full-data fixed point ("coarse-to-fine"): the answer is an ordinary k-means
fixed point of the full data, reached in a few full passes instead of dozens. The best start (lowest
``W``) is kept; the labels of every start are kept to measure reproducibility.

An empty cluster is re-seeded at the point farthest from its center. Ties in distance go to the lowest
center index, and rows arrive in a canonical order, so a seed fixes the result.

References
----------
Arthur, D., & Vassilvitskii, S. (2007). k-means++: the advantages of careful seeding. SODA.
Lloyd, S. (1982). Least squares quantization in PCM. IEEE Trans. Inf. Theory 28(2), 129-137.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._base import Method, Progress, Solution
from ._util import nearest_center

__all__ = ["kmeans_plusplus", "lloyd", "kmeans", "KMeansMethod", "KMeansFit"]


def kmeans_plusplus(x: np.ndarray, w: np.ndarray, k: int, rng: np.random.Generator,
                    x_sq: np.ndarray | None = None, n_local_trials: int | None = None) -> np.ndarray:
    """Weighted greedy k-means++ seeding; returns k x d initial centers (rows of ``x``)."""
    n = x.shape[0]
    if x_sq is None:
        x_sq = np.einsum("ij,ij->i", x, x)
    if n_local_trials is None:
        n_local_trials = 2 + int(np.log(k))
    p = w / w.sum()
    first = int(rng.choice(n, p=p))
    centers = np.empty((k, x.shape[1]))
    centers[0] = x[first]
    closest = np.maximum(x_sq - 2.0 * x @ x[first] + x_sq[first], 0.0)
    pot = float(w @ closest)
    for c in range(1, k):
        if pot <= 0:  # fewer distinct points than k: pick any remaining row
            cand = rng.choice(n, size=n_local_trials, p=p)
        else:
            cum = np.cumsum(w * closest)
            cand = np.searchsorted(cum, rng.random(n_local_trials) * cum[-1], side="right")
            np.minimum(cand, n - 1, out=cand)
        d = x_sq[cand][:, None] - 2.0 * x[cand] @ x.T + x_sq[None, :]
        np.maximum(d, 0.0, out=d)
        np.minimum(d, closest[None, :], out=d)
        pots = d @ w
        best = int(np.argmin(pots))
        centers[c] = x[cand[best]]
        closest = d[best]
        pot = float(pots[best])
    return centers


@dataclass(frozen=True)
class KMeansFit:
    """One k-means run: centers, labels, weighted within sum of squares, Lloyd iterations, converged."""

    centers: np.ndarray
    labels: np.ndarray
    inertia: float
    n_iter: int
    converged: bool


def lloyd(x: np.ndarray, w: np.ndarray, centers: np.ndarray, *, max_iter: int = 300, tol: float = 1e-4,
          x_sq: np.ndarray | None = None) -> KMeansFit:
    """Weighted Lloyd iterations from ``centers``.

    Stops when no label changes, or when the centers move by less than ``tol`` times the mean variance
    of the columns (squared Frobenius norm of the change; scikit-learn's convention), or after
    ``max_iter`` iterations. The labels returned are those of the nearest returned center.
    """
    n, d = x.shape
    k = centers.shape[0]
    if x_sq is None:
        x_sq = np.einsum("ij,ij->i", x, x)
    xw = x * w[:, None]
    wsum = float(w.sum())
    mean = (w @ x) / wsum
    tol_abs = tol * float(np.mean((w @ (x * x)) / wsum - mean * mean)) if tol > 0 else 0.0
    centers = centers.copy()
    labels = np.full(n, -1, dtype=np.int64)
    converged = False
    it = 0
    for it in range(1, max_iter + 1):  # noqa: B007
        new, dist = nearest_center(x, centers, x_sq)
        if np.array_equal(new, labels):
            converged = True
            break
        labels = new
        mass = np.bincount(labels, weights=w, minlength=k)
        sums = np.empty((k, d))
        for j in range(d):
            sums[:, j] = np.bincount(labels, weights=xw[:, j], minlength=k)
        empty = mass <= 0
        if empty.any():
            _reseed_empty(empty, labels, dist, w, xw, mass, sums)
        ok = mass > 0
        old = centers.copy()
        centers[ok] = sums[ok] / mass[ok, None]
        if float(((centers - old) ** 2).sum()) <= tol_abs and not empty.any():
            labels, dist = nearest_center(x, centers, x_sq)
            converged = True
            break
    else:
        labels, dist = nearest_center(x, centers, x_sq)
    inertia = float(w @ dist)
    return KMeansFit(centers=centers, labels=labels, inertia=inertia, n_iter=it, converged=converged)


def _reseed_empty(empty: np.ndarray, labels: np.ndarray, dist: np.ndarray, w: np.ndarray, xw: np.ndarray,
                  mass: np.ndarray, sums: np.ndarray) -> None:
    """Move the rows farthest from their centers (weighted distance) into the empty clusters, in place."""
    n = labels.size
    far = np.argsort(-(dist * w), kind="stable")
    taken = 0
    for g in np.flatnonzero(empty):
        while taken < n and mass[labels[far[taken]]] <= w[far[taken]]:
            taken += 1  # never empty another cluster
        if taken >= n:
            break
        i = far[taken]
        taken += 1
        old = labels[i]
        mass[old] -= w[i]
        sums[old] -= xw[i]
        labels[i] = g
        mass[g] = w[i]
        sums[g] = xw[i]


def _one_start(x: np.ndarray, w: np.ndarray, k: int, rng: np.random.Generator, x_sq: np.ndarray,
               coarse: np.ndarray | None, max_iter: int, tol: float) -> KMeansFit:
    if coarse is not None:
        xc, wc, xc_sq = x[coarse], w[coarse], x_sq[coarse]
        c0 = kmeans_plusplus(xc, wc, k, rng, xc_sq)
        c0 = lloyd(xc, wc, c0, max_iter=max_iter, tol=tol, x_sq=xc_sq).centers
    else:
        c0 = kmeans_plusplus(x, w, k, rng, x_sq)
    return lloyd(x, w, c0, max_iter=max_iter, tol=tol, x_sq=x_sq)


def kmeans(x: np.ndarray, k: int, w: np.ndarray | None = None, *, n_init: int = 20,
           rng: np.random.Generator | int = 0, max_iter: int = 300, tol: float = 1e-4,
           coarse_size: int = 20_000) -> tuple[KMeansFit, list[np.ndarray]]:
    """Weighted k-means, best of ``n_init`` k-means++ starts.

    Parameters
    ----------
    x
        Rows x dimensions (float).
    k
        Number of clusters.
    w
        Survey weights (default 1).
    n_init
        Random starts; the one with the lowest weighted within sum of squares is returned.
    rng
        Generator or seed.
    max_iter, tol
        Lloyd iterations per start and convergence tolerance (see :func:`lloyd`).
    coarse_size
        Rows of the subsample each start iterates on first when there are more than twice as many rows.

    Returns
    -------
    best : KMeansFit
    labels_per_start : list of numpy.ndarray
    """
    x = np.ascontiguousarray(x, dtype=float)
    n = x.shape[0]
    w = np.ones(n) if w is None else np.asarray(w, dtype=float)
    rng = np.random.default_rng(rng) if not isinstance(rng, np.random.Generator) else rng
    x_sq = np.einsum("ij,ij->i", x, x)
    coarse = None
    if n > 2 * coarse_size:
        coarse = np.sort(rng.choice(n, size=coarse_size, replace=False))
    best = _one_start(x, w, k, rng, x_sq, coarse, max_iter, tol)
    starts = [best.labels]
    for _ in range(max(1, int(n_init)) - 1):
        fit = _one_start(x, w, k, rng, x_sq, coarse, max_iter, tol)
        starts.append(fit.labels)
        if fit.inertia < best.inertia * (1 - 1e-12):
            best = fit
    return best, starts


class KMeansMethod(Method):
    """Weighted k-means, best of ``n_init`` k-means++ starts; ``predict`` = nearest center."""

    name = "kmeans"

    def __init__(self, n_init: int = 20, max_iter: int = 300, coarse_size: int = 20_000) -> None:
        self.n_init = n_init
        self.max_iter = max_iter
        self.coarse_size = coarse_size

    def options(self) -> dict[str, Any]:
        return {"n_init": self.n_init, "max_iter": self.max_iter, "coarse_size": self.coarse_size}

    def fit_all(self, x: np.ndarray, w: np.ndarray, ks: Sequence[int], rng: np.random.Generator,
                progress: Progress | None = None, label: str = "k-means", n_init: int | None = None
                ) -> dict[int, Solution]:
        out: dict[int, Solution] = {}
        for i, k in enumerate(ks):
            fit, starts = kmeans(x, k, w, n_init=self.n_init if n_init is None else n_init, rng=rng,
                                 max_iter=self.max_iter, coarse_size=self.coarse_size)
            mass = np.bincount(fit.labels, weights=w, minlength=k)
            out[k] = Solution(k=k, labels=fit.labels, centers=fit.centers, mass=mass, objective=fit.inertia,
                              params={"centers": fit.centers, "converged": fit.converged},
                              restarts=starts if len(starts) > 1 else ())
            if progress is not None:
                progress(label, i + 1, len(ks))
        return out

    def predict(self, sol: Solution, x: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        labels, _ = nearest_center(np.ascontiguousarray(x, dtype=float), sol.params["centers"])
        return labels, None

    def permute(self, sol: Solution, order: np.ndarray) -> Solution:
        params = dict(sol.params)
        params["centers"] = sol.params["centers"][order]
        return sol.permuted(order, params)

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
from ._util import blas_single_thread, nearest_center

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


def _two_nearest(x: np.ndarray, centers: np.ndarray, x_sq: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Nearest center, distance to it and distance to the second nearest (Euclidean), per row."""
    k = centers.shape[0]
    n = x.shape[0]
    step = max(1, 4_000_000 // max(k, 1))
    if n > step:  # bound the k x rows block
        parts = [_two_nearest(x[lo:lo + step], centers, x_sq[lo:lo + step]) for lo in range(0, n, step)]
        return (np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]),
                np.concatenate([p[2] for p in parts]))
    c_sq = np.einsum("ij,ij->i", centers, centers)
    if k > 16:  # many centers: rows x k layout, partition along the contiguous axis
        d = x @ centers.T
        d *= -2.0
        d += c_sq[None, :]
        d += x_sq[:, None]
        np.maximum(d, 0.0, out=d)
        two = np.partition(d, 1, axis=1)
        lab = d.argmin(axis=1)
        return lab, np.sqrt(two[:, 0]), np.sqrt(two[:, 1])
    d = centers @ x.T
    d *= -2.0
    d += c_sq[:, None]
    d += x_sq[None, :]
    np.maximum(d, 0.0, out=d)
    if k == 1:
        return np.zeros(x.shape[0], dtype=np.int64), np.sqrt(d[0]), np.full(x.shape[0], np.inf)
    best = d[0].copy()
    second = np.full_like(best, np.inf)
    lab = np.zeros(x.shape[0], dtype=np.int64)
    better = np.empty(x.shape[0], dtype=bool)
    for g in range(1, k):
        dg = d[g]
        np.less(dg, best, out=better)
        # second = min(second, max(best, dg)) covers both cases (dg becomes best, or dg is a runner-up)
        np.minimum(second, np.maximum(best, dg), out=second)
        np.copyto(lab, g, where=better)
        np.minimum(best, dg, out=best)
    return lab, np.sqrt(best), np.sqrt(second)


def lloyd(x: np.ndarray, w: np.ndarray, centers: np.ndarray, *, max_iter: int = 300, tol: float = 1e-4,
          x_sq: np.ndarray | None = None, xw: np.ndarray | None = None, variance: float | None = None
          ) -> KMeansFit:
    """Weighted Lloyd iterations from ``centers``, accelerated with Hamerly's distance bounds.

    Each row keeps an upper bound on the distance to its center and a lower bound on the distance to
    any other center; after the centers move, rows whose bounds prove their center is still the nearest
    are skipped (Hamerly, 2010), so late iterations cost O(n) cheap operations instead of O(n k d).
    Segment sums are updated only for the rows that changed segment. The iterations are those of plain
    Lloyd: the same centers and labels at every step.

    Stops when no label changes, or when the centers move by less than ``tol`` times the mean variance
    of the columns (squared Frobenius norm of the change; scikit-learn's convention), or after
    ``max_iter`` iterations. The labels returned are those of the nearest returned center.
    ``x_sq`` (row sums of squares), ``xw`` (``x * w``) and ``variance`` (mean weighted column variance)
    may be passed when already computed.

    References
    ----------
    Hamerly, G. (2010). Making k-means even faster. SIAM International Conference on Data Mining.
    """
    n, d = x.shape
    k = centers.shape[0]
    if x_sq is None:
        x_sq = np.einsum("ij,ij->i", x, x)
    if xw is None:
        xw = x * w[:, None]
    if variance is None:
        variance = _variance(x, w, x_sq)
    tol_abs = tol * variance if tol > 0 else 0.0
    if k > 16:  # one lower bound prunes little among many centers: plain Lloyd steps are cheaper
        return _lloyd_plain(x, w, centers, max_iter, tol_abs, x_sq, xw)
    labels, upper, lower = _two_nearest(x, centers, x_sq)
    mass = np.bincount(labels, weights=w, minlength=k)
    sums = np.empty((k, d))
    for j in range(d):
        sums[:, j] = np.bincount(labels, weights=xw[:, j], minlength=k)
    centers = centers.copy()
    converged = False
    changed = n
    it = 0
    for it in range(1, max_iter + 1):  # noqa: B007
        empty = mass <= 0
        if empty.any():
            _reseed_empty(empty, labels, upper, w, xw, mass, sums)
            upper[:] = np.inf  # re-check every row after a re-seed
            lower[:] = 0.0
            changed = n
        new = sums / mass[:, None]
        delta = np.sqrt(((new - centers) ** 2).sum(axis=1))
        centers = new
        if changed == 0:
            converged = True
            break
        if float((delta ** 2).sum()) <= tol_abs:
            converged = True
            break
        # bounds after the move: the upper bound grows by the own center's move, the lower bound shrinks by
        # the largest move of any center (Hamerly's update)
        np.add(upper, np.take(delta, labels), out=upper)
        np.subtract(lower, float(delta.max()), out=lower)
        cc = np.sqrt(np.maximum(((centers[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2), 0.0))
        np.fill_diagonal(cc, np.inf)
        half = 0.5 * cc.min(axis=1)
        bound = np.maximum(np.take(half, labels), lower)
        cand = np.flatnonzero(upper > bound)
        changed = 0
        if cand.size:
            lab, d1, d2 = _two_nearest(x[cand], centers, x_sq[cand])
            moved = lab != labels[cand]
            upper[cand] = d1
            lower[cand] = d2
            if moved.any():
                rows = cand[moved]
                old, nl = labels[rows], lab[moved]
                wr = w[rows]
                mass -= np.bincount(old, weights=wr, minlength=k)
                mass += np.bincount(nl, weights=wr, minlength=k)
                for j in range(d):
                    xj = xw[rows, j]
                    sums[:, j] -= np.bincount(old, weights=xj, minlength=k)
                    sums[:, j] += np.bincount(nl, weights=xj, minlength=k)
                labels[rows] = nl
                changed = int(rows.size)
    if changed == 0 and converged:
        # exact fixed point: the bounds proved every label; only the distances are needed
        diff = x - centers[labels]
        dist = np.einsum("ij,ij->i", diff, diff)
    else:
        labels, dist = nearest_center(x, centers, x_sq)
    inertia = float(w @ dist)
    return KMeansFit(centers=centers, labels=labels, inertia=inertia, n_iter=it, converged=converged)


def _lloyd_plain(x: np.ndarray, w: np.ndarray, centers: np.ndarray, max_iter: int, tol_abs: float,
                 x_sq: np.ndarray, xw: np.ndarray) -> KMeansFit:
    """Lloyd without bounds (for many centers, e.g. micro-clusters)."""
    n, d = x.shape
    k = centers.shape[0]
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
        old = centers.copy()
        centers = sums / mass[:, None]
        if float(((centers - old) ** 2).sum()) <= tol_abs and not empty.any():
            converged = True
            break
    labels, dist = nearest_center(x, centers, x_sq)
    return KMeansFit(centers=centers, labels=labels, inertia=float(w @ dist), n_iter=it, converged=converged)


def _variance(x: np.ndarray, w: np.ndarray, x_sq: np.ndarray) -> float:
    """Mean over columns of the weighted column variances (for the tolerance)."""
    wsum = float(w.sum())
    mean = (w @ x) / wsum
    return max(float((w @ x_sq) / wsum - mean @ mean) / x.shape[1], 0.0)


def _reseed_empty(empty: np.ndarray, labels: np.ndarray, dist: np.ndarray, w: np.ndarray, xw: np.ndarray,
                  mass: np.ndarray, sums: np.ndarray) -> None:
    """Move the rows farthest from their centers (weighted distance) into the empty clusters, in place."""
    n = labels.size
    far = np.argsort(-(np.where(np.isfinite(dist), dist, 0.0) * w), kind="stable")
    taken = 0
    for g in np.flatnonzero(empty):
        while taken < n and mass[labels[far[taken]]] <= w[far[taken]] * (1 + 1e-12):
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


def _one_start(x: np.ndarray, w: np.ndarray, k: int, rng: np.random.Generator, x_sq: np.ndarray, xw: np.ndarray,
               variance: float, coarse: tuple[np.ndarray, ...] | None, max_iter: int, tol: float) -> KMeansFit:
    if coarse is not None:
        xc, wc, xc_sq, xcw, var_c = coarse
        c0 = kmeans_plusplus(xc, wc, k, rng, xc_sq)
        c0 = lloyd(xc, wc, c0, max_iter=max_iter, tol=tol, x_sq=xc_sq, xw=xcw, variance=var_c).centers
    else:
        c0 = kmeans_plusplus(x, w, k, rng, x_sq)
    return lloyd(x, w, c0, max_iter=max_iter, tol=tol, x_sq=x_sq, xw=xw, variance=variance)


def kmeans(x: np.ndarray, k: int, w: np.ndarray | None = None, *, n_init: int = 20,
           rng: np.random.Generator | int = 0, max_iter: int = 300, tol: float = 1e-4,
           coarse_size: int = 20_000, polish_all: bool = True) -> tuple[KMeansFit, list[np.ndarray]]:
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
    polish_all
        With a subsample: continue every start on all rows (True; needed for the labels of every start)
        or only the start with the lowest subsample objective (False: the bootstrap refits).

    Returns
    -------
    best : KMeansFit
    labels_per_start : list of numpy.ndarray
    """
    with blas_single_thread():
        return _kmeans(x, k, w, n_init=n_init, rng=rng, max_iter=max_iter, tol=tol, coarse_size=coarse_size,
                       polish_all=polish_all)


def _kmeans(x: np.ndarray, k: int, w: np.ndarray | None, *, n_init: int, rng: np.random.Generator | int,
            max_iter: int, tol: float, coarse_size: int, polish_all: bool = True) -> tuple[KMeansFit, list[np.ndarray]]:
    x = np.asarray(x, dtype=float)
    n = x.shape[0]
    w = np.ones(n) if w is None else np.asarray(w, dtype=float)
    rng = np.random.default_rng(rng) if not isinstance(rng, np.random.Generator) else rng
    shift = (w @ x) / w.sum()  # centre the data: distances by |x|^2 - 2x.c + |c|^2 lose less precision
    x = np.ascontiguousarray(x - shift)
    x_sq = np.einsum("ij,ij->i", x, x)
    xw = x * w[:, None]
    variance = _variance(x, w, x_sq)
    coarse = None
    if n > 2 * coarse_size:
        idx = np.sort(rng.choice(n, size=coarse_size, replace=False))
        coarse = (x[idx], w[idx], x_sq[idx], xw[idx], _variance(x[idx], w[idx], x_sq[idx]))
    if coarse is not None and not polish_all and n_init > 1:
        # every start on the subsample; only the best (lowest subsample objective) continues on all rows
        xc, wc, xc_sq, xcw, var_c = coarse
        cands = [lloyd(xc, wc, kmeans_plusplus(xc, wc, k, rng, xc_sq), max_iter=max_iter, tol=tol, x_sq=xc_sq,
                       xw=xcw, variance=var_c) for _ in range(int(n_init))]
        top = min(cands, key=lambda f: f.inertia)
        best = lloyd(x, w, top.centers, max_iter=max_iter, tol=tol, x_sq=x_sq, xw=xw, variance=variance)
        best = KMeansFit(centers=best.centers + shift, labels=best.labels, inertia=best.inertia, n_iter=best.n_iter,
                         converged=best.converged)
        return best, [best.labels]
    best = _one_start(x, w, k, rng, x_sq, xw, variance, coarse, max_iter, tol)
    starts = [best.labels]
    for _ in range(max(1, int(n_init)) - 1):
        fit = _one_start(x, w, k, rng, x_sq, xw, variance, coarse, max_iter, tol)
        starts.append(fit.labels)
        if fit.inertia < best.inertia * (1 - 1e-12):
            best = fit
    best = KMeansFit(centers=best.centers + shift, labels=best.labels, inertia=best.inertia, n_iter=best.n_iter,
                     converged=best.converged)
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
            # refits (n_init given: the bootstrap) polish only their best subsample start on all rows
            fit, starts = kmeans(x, k, w, n_init=self.n_init if n_init is None else n_init, rng=rng,
                                 max_iter=self.max_iter, coarse_size=self.coarse_size, polish_all=n_init is None)
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

"""Consensus (ensemble) segmentation by evidence accumulation over many k-means runs, as Sawtooth CCEA.

1. **Ensemble.** ``n_runs`` (default 50) base partitions: weighted k-means from one k-means++ start, each
   on a random ``subsample`` share (default 80%, at most 20,000 rows) of the respondents, with the number
   of clusters cycling through ``base_ks`` (default: the k range asked for, extended by two, so that every
   consensus k is built from partitions at least as fine). Every base run then labels all respondents by
   its nearest center, giving an n x R label matrix ``L``.
2. **Co-association.** ``C_ij`` = share of base runs that put ``i`` and ``j`` together (Fred & Jain,
   2005). It is computed on a random sample of at most ``max_points`` respondents (default 2000; all of
   them when there are fewer), so memory stays bounded (m^2 numbers, 32 MB for m = 2000) whatever n is.
   Respondents with identical rows of ``L`` are merged into one object (with their summed weights) first.
3. **Consensus tree.** Weighted Ward clustering of the sample on the co-association geometry
   (``||e_i - e_j||^2 = 2 (1 - C_ij)`` for the one-hot embedding ``e`` of the label rows scaled by
   ``1/sqrt(R)``), or average linkage on ``1 - C_ij`` (``linkage="average"``), cut at every k.
4. **Assignment.** Every respondent (in the sample or not, and new respondents in ``predict``) joins the
   consensus segment it is most often clustered with: ``argmax_g mean_{j in g} C_ij``, computed from the
   base labels alone as ``(1/R) sum_r P_r[g, L_ir]`` with ``P_r[g, c]`` the weighted share of segment
   ``g``'s sample members in base cluster ``c`` of run ``r``. That mean co-association, in 0..1, is reported
   as the respondent's ``consensus``.

Cost: R k-means runs (on subsamples), O(n R k) for the labels and the assignment, O(m^2) for the tree.

References
----------
Fred, A. L. N., & Jain, A. K. (2005). Combining multiple clusterings using evidence accumulation. IEEE
TPAMI 27(6), 835-850.
Strehl, A., & Ghosh, J. (2002). Cluster ensembles: a knowledge reuse framework for combining multiple
partitions. JMLR 3, 583-617.
Sawtooth Software (2008). CCEA: Convergent Cluster & Ensemble Analysis, technical paper.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..exceptions import DataError
from ._base import Method, Progress, Solution
from ._util import nearest_center, weighted_centers
from .kmeans import kmeans
from .ward import LINKAGES, cut_tree, nn_chain

__all__ = ["EnsembleMethod"]


class EnsembleMethod(Method):
    """Consensus clustering of many k-means runs (co-association, evidence accumulation)."""

    name = "ensemble"
    hierarchical = True

    def __init__(self, n_runs: int = 50, base_ks: Sequence[int] | None = None, subsample: float = 0.8,
                 max_subsample: int = 20_000, max_points: int = 2000, linkage: str = "ward") -> None:
        if linkage not in LINKAGES:
            raise DataError(f"linkage must be one of {', '.join(LINKAGES)}, not {linkage!r}")
        if n_runs < 2:
            raise DataError("an ensemble needs at least 2 base runs")
        if not 0 < subsample <= 1:
            raise DataError("subsample is a share in (0, 1]")
        self.n_runs = int(n_runs)
        self.base_ks = None if base_ks is None else [int(k) for k in base_ks]
        self.subsample = float(subsample)
        self.max_subsample = int(max_subsample)
        self.max_points = int(max_points)
        self.linkage = linkage

    def options(self) -> dict[str, Any]:
        return {"n_runs": self.n_runs, "base_ks": self.base_ks, "subsample": self.subsample,
                "max_subsample": self.max_subsample, "max_points": self.max_points, "linkage": self.linkage}

    # ------------------------------------------------------------------ pieces
    def _base_ks(self, ks: Sequence[int], n: int) -> list[int]:
        if self.base_ks is not None:
            return [k for k in self.base_ks if 2 <= k <= n]
        lo, hi = min(ks), max(ks) + 2
        return [k for k in range(max(2, lo), hi + 1) if k <= n] or [min(2, n)]

    def _base_runs(self, x: np.ndarray, w: np.ndarray, ks: Sequence[int], rng: np.random.Generator
                   ) -> tuple[np.ndarray, list[np.ndarray]]:
        n = x.shape[0]
        base_ks = self._base_ks(ks, n)
        size = min(n, max(2 * max(base_ks), int(round(self.subsample * n))), self.max_subsample)
        labels = np.empty((n, self.n_runs), dtype=np.int16)
        centers: list[np.ndarray] = []
        x_sq = np.einsum("ij,ij->i", x, x)
        for r in range(self.n_runs):
            k = base_ks[r % len(base_ks)]
            idx = np.sort(rng.choice(n, size=size, replace=False)) if size < n else np.arange(n)
            fit, _ = kmeans(x[idx], k, w[idx], n_init=1, rng=rng, coarse_size=size)
            labels[:, r], _ = nearest_center(x, fit.centers, x_sq)
            centers.append(fit.centers)
        return labels, centers

    @staticmethod
    def _shares(base: np.ndarray, seg: np.ndarray, w: np.ndarray, k: int, kmax: int) -> np.ndarray:
        """P[r, g, c]: weighted share of segment g's members in base cluster c of run r."""
        n_runs = base.shape[1]
        out = np.zeros((n_runs, k, kmax))
        mass = np.bincount(seg, weights=w, minlength=k)
        for r in range(n_runs):
            tab = np.bincount(seg * kmax + base[:, r], weights=w, minlength=k * kmax).reshape(k, kmax)
            out[r] = tab / np.maximum(mass[:, None], 1e-300)
        return out

    @staticmethod
    def _consensus(base: np.ndarray, shares: np.ndarray) -> np.ndarray:
        """Mean co-association of each row with each consensus segment (n x k)."""
        n, n_runs = base.shape
        score = np.zeros((n, shares.shape[1]))
        for r in range(n_runs):
            score += shares[r].T[base[:, r]]
        return score / n_runs

    # ------------------------------------------------------------------ Method API
    def fit_all(self, x: np.ndarray, w: np.ndarray, ks: Sequence[int], rng: np.random.Generator,
                progress: Progress | None = None, label: str = "ensemble", n_init: int | None = None
                ) -> dict[int, Solution]:
        x = np.ascontiguousarray(x, dtype=float)
        n = x.shape[0]
        base, base_centers = self._base_runs(x, w, ks, rng)
        kmax = max(c.shape[0] for c in base_centers)
        m = min(n, self.max_points)
        sample = np.sort(rng.choice(n, size=m, replace=False)) if m < n else np.arange(n)
        rows, atom = np.unique(base[sample], axis=0, return_inverse=True)
        atom = atom.ravel()
        amass = np.bincount(atom, weights=w[sample], minlength=rows.shape[0])
        n_runs = base.shape[1]
        # one-hot embedding of the atoms' label rows: C = E E' / R
        onehot = np.zeros((rows.shape[0], n_runs * kmax))
        onehot[np.arange(rows.shape[0])[:, None], np.arange(n_runs)[None, :] * kmax + rows] = 1.0
        coassoc = onehot @ onehot.T / n_runs
        if self.linkage == "ward":
            dist = 2.0 * (1.0 - coassoc)
            np.maximum(dist, 0.0, out=dist)
            dist *= np.outer(amass, amass) / (amass[:, None] + amass[None, :])
        else:
            dist = np.maximum(1.0 - coassoc, 0.0)
        del coassoc, onehot
        merges = nn_chain(dist, amass, self.linkage)
        del dist
        cuts = cut_tree(merges, rows.shape[0], ks)
        out: dict[int, Solution] = {}
        for k in ks:
            if k not in cuts:
                continue
            seg_sample = cuts[k][atom]
            shares = self._shares(base[sample].astype(np.int64), seg_sample, w[sample], k, kmax)
            score = self._consensus(base, shares)
            labels = score.argmax(axis=1)
            centers, mass = weighted_centers(x, labels, k, w)
            if (mass <= 0).any():  # a consensus segment that wins no respondent: k not reachable
                continue
            diff = x - centers[labels]
            sse = float(w @ np.einsum("ij,ij->i", diff, diff))
            out[k] = Solution(k=k, labels=labels, centers=centers, mass=mass, objective=sse, proba=score,
                              params={"shares": shares, "base_centers": base_centers, "kmax": kmax})
        if progress is not None:
            progress(label, 1, 1)
        return out

    def predict(self, sol: Solution, x: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        x = np.ascontiguousarray(x, dtype=float)
        p = sol.params
        x_sq = np.einsum("ij,ij->i", x, x)
        base = np.empty((x.shape[0], len(p["base_centers"])), dtype=np.int64)
        for r, c in enumerate(p["base_centers"]):
            base[:, r], _ = nearest_center(x, c, x_sq)
        score = self._consensus(base, p["shares"])
        return score.argmax(axis=1), score

    def permute(self, sol: Solution, order: np.ndarray) -> Solution:
        p = dict(sol.params)
        p["shares"] = p["shares"][:, order, :]
        return sol.permuted(order, p)

    def params_to_json(self, sol: Solution) -> dict[str, Any]:
        p = sol.params
        return {"shares": p["shares"].tolist(), "base_centers": [c.tolist() for c in p["base_centers"]],
                "kmax": p["kmax"]}

    def params_from_json(self, data: dict[str, Any]) -> dict[str, Any]:
        return {"shares": np.asarray(data["shares"], dtype=float),
                "base_centers": [np.asarray(c, dtype=float) for c in data["base_centers"]],
                "kmax": int(data["kmax"])}

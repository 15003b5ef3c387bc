"""Stability of a segmentation: bootstrap agreement and reproducibility across random starts.

Bootstrap (Hennig, 2007; Dolnicar & Leisch, 2010). For each of ``B`` replicates, draw ``n`` respondents with
replacement (uniformly; a respondent drawn ``c`` times enters the refit once with weight ``c * w_i``, which
is the same weighted problem), refit the method on the replicate with fresh random starts at every k, and

- label **every** respondent with the replicate's solution (its ``predict``) and compute the adjusted Rand
  index with the full-data solution (``stability_ari``: mean over replicates, ``stability_ari_sd``: sd);
- for each full-data segment ``C``, take the highest Jaccard coefficient ``|C n D| / |C u D|`` with any
  replicate segment ``D``, over the respondents in the replicate (``fpc::clusterboot``); the mean over
  replicates is the segment's ``jaccard`` (Hennig: < 0.5 dissolved, >= 0.75 stable, >= 0.85 highly
  stable), and ``jaccard_min`` is the smallest segment mean.

Reproducibility across restarts: the mean adjusted Rand index between the partition of each random start
on the full data and the best start's partition (1 when every start finds the same segments).

References
----------
Hennig, C. (2007). Cluster-wise assessment of cluster stability. Computational Statistics & Data Analysis
52, 258-271.
Dolnicar, S., & Leisch, F. (2010). Evaluation of structure and reproducibility of cluster solutions using
the bootstrap. Marketing Letters 21, 83-101.
Hubert, L., & Arabie, P. (1985). Comparing partitions. Journal of Classification 2, 193-218.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ._base import Method, Progress, Solution
from ._util import adjusted_rand, blas_single_thread, jaccard_best

__all__ = ["BootstrapStability", "bootstrap_stability", "reproducibility"]


@dataclass(frozen=True)
class BootstrapStability:
    """Bootstrap agreement at one k: ARI per replicate and Jaccard per replicate x segment."""

    k: int
    ari: np.ndarray
    jaccard: np.ndarray

    @property
    def replicates(self) -> int:
        return int(self.ari.size)

    @property
    def ari_mean(self) -> float:
        return float(np.nanmean(self.ari)) if self.ari.size else float("nan")

    @property
    def ari_sd(self) -> float:
        return float(np.nanstd(self.ari, ddof=1)) if self.ari.size > 1 else float("nan")

    @property
    def jaccard_mean(self) -> np.ndarray:
        """Mean Jaccard of each full-data segment over the replicates (k values)."""
        if not self.jaccard.size:
            return np.full(self.k, np.nan)
        with np.errstate(invalid="ignore"):
            return np.nanmean(self.jaccard, axis=0)

    @property
    def jaccard_min(self) -> float:
        jm = self.jaccard_mean
        return float(np.nanmin(jm)) if np.isfinite(jm).any() else float("nan")

    def permuted(self, order: np.ndarray) -> BootstrapStability:
        return BootstrapStability(k=self.k, ari=self.ari, jaccard=self.jaccard[:, order] if self.jaccard.size
                                  else self.jaccard)


def reproducibility(sol: Solution) -> float:
    """Mean ARI between each other start's partition and the best start's (NaN without restarts)."""
    if len(sol.restarts) < 2:
        return float("nan")
    vals = [adjusted_rand(sol.labels, r) for r in sol.restarts]
    # the best start is among the restarts and agrees with itself: leave one perfect match out
    vals.remove(max(vals))
    return float(np.mean(vals))


def _replicates(method: Method, x: np.ndarray, w: np.ndarray, labels: Mapping[int, np.ndarray],
                seeds: Sequence[np.random.SeedSequence], n_init: int | None
                ) -> list[tuple[dict[int, float], dict[int, np.ndarray]]]:
    """Refit and compare on the replicates whose seeds are given (runs in a worker process too)."""
    n = x.shape[0]
    ks = sorted(labels)
    out = []
    with blas_single_thread():
        for seed in seeds:
            rng = np.random.default_rng(seed)
            counts = np.bincount(rng.integers(0, n, size=n), minlength=n)
            drawn = np.flatnonzero(counts)
            fits = method.fit_all(x[drawn], w[drawn] * counts[drawn], ks, rng, n_init=n_init)
            ari: dict[int, float] = {}
            jac: dict[int, np.ndarray] = {}
            for k in ks:
                sol = fits.get(k)
                if sol is None:
                    continue
                pred, _ = method.predict(sol, x)
                ari[k] = adjusted_rand(labels[k], pred)
                jac[k] = jaccard_best(labels[k][drawn], sol.labels, k, sol.k)
            out.append((ari, jac))
    return out


def bootstrap_stability(method: Method, x: np.ndarray, w: np.ndarray, full: Mapping[int, Solution],
                        replicates: int, rng: np.random.Generator, *, n_init: int | None = None,
                        progress: Progress | None = None, n_jobs: int = 1) -> dict[int, BootstrapStability]:
    """Bootstrap agreement of ``method`` with the full-data solutions ``full`` (see module notes).

    Parameters
    ----------
    method
        The segmentation method (refitted on every replicate).
    x, w
        Basis rows and weights, as used for ``full``.
    full
        k -> full-data solution.
    replicates
        Number of bootstrap replicates B.
    rng
        Random generator; each replicate gets its own seed from it (``SeedSequence.spawn``), so the result
        does not depend on ``n_jobs``.
    n_init
        Random starts per refit (methods with starts); default the method's own.
    progress
        ``progress("bootstrap", b, B)``.
    n_jobs
        Worker processes (1: in this process). Workers are started with the ``spawn`` method; a script
        that uses ``n_jobs > 1`` needs the usual ``if __name__ == "__main__":`` guard.
    """
    ks: Sequence[int] = sorted(full)
    labels = {k: full[k].labels for k in ks}
    seeds = np.random.SeedSequence(int(rng.integers(2**63))).spawn(replicates)
    ari = {k: np.full(replicates, np.nan) for k in ks}
    jac = {k: np.full((replicates, k), np.nan) for k in ks}

    def store(first: int, results: list[tuple[dict[int, float], dict[int, np.ndarray]]]) -> None:
        for j, (a, jc) in enumerate(results):
            for k in a:
                ari[k][first + j] = a[k]
                jac[k][first + j] = jc[k]

    done = 0
    if n_jobs <= 1 or replicates < 2:
        for b in range(replicates):
            store(b, _replicates(method, x, w, labels, seeds[b:b + 1], n_init))
            if progress is not None:
                progress("bootstrap", b + 1, replicates)
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed

        size = max(1, min(5, replicates // (2 * n_jobs)))
        chunks = [(lo, seeds[lo:lo + size]) for lo in range(0, replicates, size)]
        with ProcessPoolExecutor(max_workers=n_jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
            futures = {pool.submit(_replicates, method, x, w, labels, chunk, n_init): lo for lo, chunk in chunks}
            for fut in as_completed(futures):
                res = fut.result()
                store(futures[fut], res)
                done += len(res)
                if progress is not None:
                    progress("bootstrap", done, replicates)
    return {k: BootstrapStability(k=k, ari=ari[k], jaccard=jac[k]) for k in ks}

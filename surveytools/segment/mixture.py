"""Gaussian mixtures / latent profile models with survey weights (EM), BIC and membership probabilities.

Model: ``f(x) = sum_g pi_g N(x; mu_g, Sigma_g)``. With survey weights ``w_i`` (rescaled to mean 1) EM
maximises the weighted (pseudo-)log-likelihood ``l = sum_i w_i log f(x_i)`` (Skinner, Holt & Smith, 1989;
the weighted M-step of Wedel & Kamakura, 2000)::

    E-step   r_ig = pi_g N(x_i; mu_g, Sigma_g) / f(x_i)
    M-step   W_g = sum_i w_i r_ig;  pi_g = W_g / sum_i w_i;  mu_g = sum_i w_i r_ig x_i / W_g
             Sigma_g = sum_i w_i r_ig (x_i - mu_g)(x_i - mu_g)' / W_g  (+ reg * I)

Covariance structures (``covariance``): ``full`` (mclust VVV), ``diag`` (VVI: the classical latent profile
model with local independence), ``spherical`` (VII), ``tied`` (EEE: one full covariance shared by all
segments). ``reg`` (default 1e-6 times the mean variance of the columns) keeps covariances positive definite.

Each of ``n_init`` starts begins from a weighted k-means++ / Lloyd solution (a different seed each) turned
into hard memberships; EM runs until the weighted mean log-likelihood changes by less than ``tol``
(default 1e-5, as mclust) or ``max_iter`` iterations. On many rows a start runs EM on a subsample of ``coarse_size``
rows first and then continues on all rows ("coarse-to-fine"); the result is an EM fixed point of all rows.
The start with the highest log-likelihood is kept. A component whose weight falls below ``d + 1`` rows is
restarted at the worst-fitted row (and counted in ``params['restarts']``).

Information criterion, with ``p`` free parameters and ``n`` respondents::

    BIC = -2 l + p ln(n)       (lower is better; mclust reports -BIC)
    p = (k - 1) + k d + {full: k d(d+1)/2, diag: k d, spherical: k, tied: d(d+1)/2}

References
----------
Dempster, A. P., Laird, N. M., & Rubin, D. B. (1977). Maximum likelihood from incomplete data via the EM
algorithm. JRSS B 39, 1-38.
Fraley, C., & Raftery, A. E. (2002). Model-based clustering, discriminant analysis, and density estimation.
JASA 97, 611-631.
Schwarz, G. (1978). Estimating the dimension of a model. Annals of Statistics 6, 461-464.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.linalg import solve_triangular

from ..exceptions import ConvergenceWarning, DataError
from ._base import Method, Progress, Solution
from ._util import blas_single_thread
from .kmeans import kmeans_plusplus, lloyd

__all__ = ["COVARIANCE_TYPES", "GaussianMixtureFit", "fit_mixture", "mixture_log_prob", "n_parameters",
           "MixtureMethod"]

COVARIANCE_TYPES = ("full", "diag", "spherical", "tied")
_LOG2PI = float(np.log(2.0 * np.pi))


def logsumexp(a: np.ndarray, axis: int = 1) -> np.ndarray:
    """``log(sum(exp(a)))`` along ``axis``, stabilised by the maximum."""
    m = a.max(axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(divide="ignore"):
        return np.log(np.exp(a - m).sum(axis=axis)) + np.squeeze(m, axis=axis)


def n_parameters(k: int, d: int, covariance: str) -> int:
    """Free parameters of a k-component mixture in d dimensions."""
    cov = {"full": k * d * (d + 1) // 2, "diag": k * d, "spherical": k, "tied": d * (d + 1) // 2}[covariance]
    return (k - 1) + k * d + cov


def _chol(cov: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.cholesky(cov)
    except np.linalg.LinAlgError:
        vals, vecs = np.linalg.eigh(cov)
        vals = np.maximum(vals, 1e-10 * max(float(vals.max()), 1e-300))
        return np.linalg.cholesky((vecs * vals) @ vecs.T)


def mixture_log_prob(x: np.ndarray, weights: np.ndarray, means: np.ndarray, covariances: np.ndarray,
                     covariance: str) -> np.ndarray:
    """``log pi_g + log N(x_i; mu_g, Sigma_g)`` for every row and component (n x k)."""
    n, d = x.shape
    k = means.shape[0]
    out = np.empty((n, k))
    if covariance in ("full", "tied"):
        # precision Cholesky factors P_g (Sigma_g^-1 = P_g P_g'): one product x [P_1 ... P_k] for all g
        covs = covariances if covariance == "full" else np.broadcast_to(covariances, (k, d, d))
        prec = np.empty((k, d, d))
        logdet = np.empty(k)
        for g in range(k):
            low = _chol(covs[g])
            prec[g] = solve_triangular(low, np.eye(d), lower=True, check_finite=False).T
            logdet[g] = 2.0 * float(np.log(np.diag(low)).sum())
        y = x @ prec.transpose(1, 0, 2).reshape(d, k * d)
        y -= np.einsum("gi,gij->gj", means, prec).reshape(1, k * d)
        y *= y
        maha = y @ np.kron(np.eye(k), np.ones((d, 1)))  # block sums as one product (faster than a short-axis sum)
        out[:] = -0.5 * (d * _LOG2PI + logdet + maha)
    else:
        var = covariances if covariance == "diag" else np.repeat(covariances[:, None], d, axis=1)
        prec = 1.0 / var
        maha = (x * x) @ prec.T - 2.0 * x @ (means * prec).T + (means * means * prec).sum(axis=1)
        out[:] = -0.5 * (d * _LOG2PI + np.log(var).sum(axis=1) + np.maximum(maha, 0.0))
    with np.errstate(divide="ignore"):
        out += np.log(weights)
    return out


@dataclass(frozen=True)
class GaussianMixtureFit:
    """A fitted mixture: component weights, means, covariances, log-likelihood, iterations."""

    weights: np.ndarray
    means: np.ndarray
    covariances: np.ndarray
    covariance: str
    loglik: float
    n_iter: int
    converged: bool
    restarts: int

    def log_prob(self, x: np.ndarray) -> np.ndarray:
        return mixture_log_prob(x, self.weights, self.means, self.covariances, self.covariance)


def _m_step(x: np.ndarray, rw: np.ndarray, covariance: str, reg: float, xx: np.ndarray | None = None
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weighted M-step; ``rw`` = w_i * r_ig (n x k); ``xx`` = the rows' outer products x_i x_i' (n x d^2) of
    centred data, when precomputed (then every second moment is one matrix product)."""
    n, d = x.shape
    mass = rw.sum(axis=0)
    safe = np.maximum(mass, 1e-300)
    means = (rw.T @ x) / safe[:, None]
    if covariance == "full" and xx is not None:
        cov = (rw.T @ xx).reshape(-1, d, d) / safe[:, None, None] - means[:, :, None] * means[:, None, :]
        cov = (cov + cov.transpose(0, 2, 1)) / 2.0
        idx = np.arange(d)
        cov[:, idx, idx] += reg
    elif covariance == "full":
        cov = np.empty((rw.shape[1], d, d))
        for g in range(rw.shape[1]):
            diff = x - means[g]
            cov[g] = (rw[:, g, None] * diff).T @ diff / safe[g]
            cov[g].flat[:: d + 1] += reg
    elif covariance == "tied":
        total = float(mass.sum())
        cov = (x.T * rw.sum(axis=1)) @ x / total - (means.T * mass) @ means / total
        cov = (cov + cov.T) / 2.0
        cov.flat[:: d + 1] += reg
    else:
        ex2 = (rw.T @ (x * x)) / safe[:, None]
        var = np.maximum(ex2 - means * means, 0.0) + reg
        cov = var if covariance == "diag" else var.mean(axis=1)
    weights = mass / float(mass.sum())
    return weights, means, cov


def _em(x: np.ndarray, w: np.ndarray, resp: np.ndarray, covariance: str, reg: float, tol: float,
        max_iter: int) -> GaussianMixtureFit:
    n, d = x.shape
    k = resp.shape[1]
    wsum = float(w.sum())
    xx = None
    if covariance == "full" and n * d * d <= 8_000_000:
        xx = (x[:, :, None] * x[:, None, :]).reshape(n, d * d)
    weights, means, cov = _m_step(x, resp * w[:, None], covariance, reg, xx)
    prev = -np.inf
    converged = False
    restarts = 0
    it = 0
    ll = -np.inf
    for it in range(1, max_iter + 1):  # noqa: B007
        logp = mixture_log_prob(x, weights, means, cov, covariance)
        lse = logsumexp(logp, axis=1)
        ll = float(w @ lse)
        resp = np.exp(logp - lse[:, None])
        rw = resp * w[:, None]
        mass = rw.sum(axis=0)
        small = mass < min(d + 1.0, 0.5 * wsum / k)
        if small.any() and restarts < 10 * k:
            # restart a collapsing component at the worst-fitted row
            for g in np.flatnonzero(small):
                i = int(np.argmin(lse))
                rw[:, g] = 0.0
                near = np.argsort(((x - x[i]) ** 2).sum(axis=1), kind="stable")[: max(d + 2, n // (2 * k))]
                rw[near, :] = 0.0
                rw[near, g] = w[near]
                lse[near] = np.inf
                restarts += 1
            prev = -np.inf
        elif abs(ll - prev) <= tol * wsum:
            converged = True
            break
        else:
            prev = ll
        weights, means, cov = _m_step(x, rw, covariance, reg, xx)
    return GaussianMixtureFit(weights=weights, means=means, covariances=cov, covariance=covariance,
                              loglik=ll, n_iter=it, converged=converged, restarts=restarts)


def fit_mixture(x: np.ndarray, k: int, w: np.ndarray | None = None, *, covariance: str = "full",
                n_init: int = 5, rng: np.random.Generator | int = 0, max_iter: int = 1000, tol: float = 1e-5,
                reg: float | None = None, coarse_size: int = 20_000
                ) -> tuple[GaussianMixtureFit, list[np.ndarray]]:
    """Fit a weighted Gaussian mixture by EM from ``n_init`` k-means++ starts; keep the best.

    Parameters
    ----------
    x
        Rows x dimensions.
    k
        Components (segments).
    w
        Survey weights (rescaled to mean 1 internally); default 1.
    covariance
        ``full``, ``diag`` (latent profile model), ``spherical`` or ``tied``.
    n_init
        Starts; the one with the highest weighted log-likelihood is kept.
    rng
        Generator or seed.
    max_iter, tol
        EM stops when the weighted mean log-likelihood changes by less than ``tol``.
    reg
        Added to covariance diagonals; default 1e-6 times the mean column variance.
    coarse_size
        Rows of the subsample a start iterates on first when there are more than twice as many rows.

    Returns
    -------
    best : GaussianMixtureFit
        ``loglik`` is on the weights rescaled to mean 1.
    labels_per_start : list of numpy.ndarray
        MAP segment of each row for every start (for reproducibility).
    """
    if covariance not in COVARIANCE_TYPES:
        raise DataError(f"covariance must be one of {', '.join(COVARIANCE_TYPES)}, not {covariance!r}")
    with blas_single_thread():
        return _fit_mixture(x, k, w, covariance=covariance, n_init=n_init, rng=rng, max_iter=max_iter, tol=tol,
                            reg=reg, coarse_size=coarse_size)


def _fit_mixture(x: np.ndarray, k: int, w: np.ndarray | None, *, covariance: str, n_init: int,
                 rng: np.random.Generator | int, max_iter: int, tol: float, reg: float | None, coarse_size: int
                 ) -> tuple[GaussianMixtureFit, list[np.ndarray]]:
    x = np.asarray(x, dtype=float)
    n, d = x.shape
    w = np.ones(n) if w is None else np.asarray(w, dtype=float)
    w = w * (n / w.sum())
    shift = (w @ x) / n  # centre the data (second moments lose less precision); means shifted back below
    x = np.ascontiguousarray(x - shift)
    rng = np.random.default_rng(rng) if not isinstance(rng, np.random.Generator) else rng
    if reg is None:
        mean = (w @ x) / n
        reg = 1e-6 * max(float(np.mean((w @ (x * x)) / n - mean * mean)), 1e-12)
    x_sq = np.einsum("ij,ij->i", x, x)
    coarse = np.sort(rng.choice(n, size=coarse_size, replace=False)) if n > 2 * coarse_size else None
    best: GaussianMixtureFit | None = None
    starts: list[np.ndarray] = []
    for _ in range(max(1, int(n_init))):
        if coarse is not None:
            xc, wc = x[coarse], w[coarse] * (coarse_size / w[coarse].sum())
            c0 = kmeans_plusplus(xc, wc, k, rng, x_sq[coarse])
            km = lloyd(xc, wc, c0, x_sq=x_sq[coarse])
            resp = np.eye(k)[km.labels]
            fit = _em(xc, wc, resp, covariance, reg, tol, max_iter)
            logp = fit.log_prob(x)
            resp = np.exp(logp - logsumexp(logp, axis=1)[:, None])
        else:
            c0 = kmeans_plusplus(x, w, k, rng, x_sq)
            km = lloyd(x, w, c0, x_sq=x_sq)
            resp = np.eye(k)[km.labels]
        fit = _em(x, w, resp, covariance, reg, tol, max_iter)
        starts.append(fit.log_prob(x).argmax(axis=1))
        if best is None or fit.loglik > best.loglik + 1e-9 * abs(best.loglik):
            best = fit
    if best is None:  # pragma: no cover - n_init >= 1
        raise DataError("no mixture start ran")
    best = GaussianMixtureFit(weights=best.weights, means=best.means + shift, covariances=best.covariances,
                              covariance=best.covariance, loglik=best.loglik, n_iter=best.n_iter,
                              converged=best.converged, restarts=best.restarts)
    if not best.converged:
        warnings.warn(f"the {k}-segment mixture ({covariance}) stopped after {best.n_iter} EM iterations before "
                      f"the log-likelihood settled (tol {tol}); raise max_iter or check the basis",
                      ConvergenceWarning, stacklevel=3)
    return best, starts


class MixtureMethod(Method):
    """Weighted Gaussian mixture / latent profile model; ``predict`` = most probable segment."""

    name = "gmm"
    has_probability = True

    def __init__(self, covariance: str = "full", n_init: int = 5, max_iter: int = 1000, tol: float = 1e-5,
                 coarse_size: int = 20_000) -> None:
        if covariance not in COVARIANCE_TYPES:
            raise DataError(f"covariance must be one of {', '.join(COVARIANCE_TYPES)}, not {covariance!r}")
        self.covariance = covariance
        self.n_init = n_init
        self.max_iter = max_iter
        self.tol = tol
        self.coarse_size = coarse_size

    def options(self) -> dict[str, Any]:
        return {"covariance": self.covariance, "n_init": self.n_init, "max_iter": self.max_iter, "tol": self.tol,
                "coarse_size": self.coarse_size}

    def fit_all(self, x: np.ndarray, w: np.ndarray, ks: Sequence[int], rng: np.random.Generator,
                progress: Progress | None = None, label: str = "mixture", n_init: int | None = None
                ) -> dict[int, Solution]:
        out: dict[int, Solution] = {}
        n, d = x.shape
        for i, k in enumerate(ks):
            with warnings.catch_warnings():
                if n_init is not None:  # bootstrap refits: convergence warnings would only repeat
                    warnings.simplefilter("ignore", ConvergenceWarning)
                fit, starts = fit_mixture(x, k, w, covariance=self.covariance,
                                          n_init=self.n_init if n_init is None else n_init, rng=rng,
                                          max_iter=self.max_iter, tol=self.tol, coarse_size=self.coarse_size)
            logp = fit.log_prob(x)
            proba = np.exp(logp - logsumexp(logp, axis=1)[:, None])
            labels = proba.argmax(axis=1)
            mass = np.bincount(labels, weights=w, minlength=k)
            bic = -2.0 * fit.loglik + n_parameters(k, d, self.covariance) * np.log(n)
            params = {"weights": fit.weights, "means": fit.means, "covariances": fit.covariances,
                      "loglik": fit.loglik, "n_iter": fit.n_iter, "converged": fit.converged,
                      "component_restarts": fit.restarts}
            out[k] = Solution(k=k, labels=labels, centers=fit.means, mass=mass, objective=-fit.loglik, proba=proba,
                              params=params, restarts=starts if len(starts) > 1 else (), bic=float(bic))
            if progress is not None:
                progress(label, i + 1, len(ks))
        return out

    def predict(self, sol: Solution, x: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        p = sol.params
        logp = mixture_log_prob(np.ascontiguousarray(x, dtype=float), p["weights"], p["means"], p["covariances"],
                                self.covariance)
        proba = np.exp(logp - logsumexp(logp, axis=1)[:, None])
        return proba.argmax(axis=1), proba

    def permute(self, sol: Solution, order: np.ndarray) -> Solution:
        p = dict(sol.params)
        p["weights"] = p["weights"][order]
        p["means"] = p["means"][order]
        if self.covariance != "tied":
            p["covariances"] = p["covariances"][order]
        return sol.permuted(order, p)

    def params_to_json(self, sol: Solution) -> dict[str, Any]:
        p = sol.params
        return {"weights": p["weights"].tolist(), "means": p["means"].tolist(),
                "covariances": np.asarray(p["covariances"]).tolist(), "covariance": self.covariance}

    def params_from_json(self, data: dict[str, Any]) -> dict[str, Any]:
        return {"weights": np.asarray(data["weights"], dtype=float), "means": np.asarray(data["means"], dtype=float),
                "covariances": np.asarray(data["covariances"], dtype=float)}

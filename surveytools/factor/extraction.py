"""Factor extraction from a correlation matrix: minres, maximum likelihood, principal axis and principal
components (psych ``principal``).

Each extractor returns an :class:`Extraction` holding unrotated loadings in R psych's convention: every
factor is flipped so its loadings sum to a non-negative number and factors are ordered by their sum of
squared loadings, largest first (psych ``fa``: ``sign(colSums(loadings))``, then
``order(diag(t(L) %*% L))``).

The hot paths are vectorized: an evaluation of the minres or ML criterion needs only the ``m`` leading
eigenpairs of a ``p x p`` matrix (LAPACK ``syevr`` with an index range); the rest of the spectrum enters
through traces and log-determinants computed once. That is what keeps a 135-item fit, and the dozens of
one-factor fits of parallel analysis, fast.

References
----------
Harman, H. H. & Jones, W. H. (1966). Factor analysis by minimizing residuals (minres).
    Psychometrika, 31, 351-368.
Jöreskog, K. G. (1967). Some contributions to maximum likelihood factor analysis. Psychometrika, 32,
    443-482 (the concentrated likelihood and gradient used by R ``factanal``).
Revelle, W. (2022). psych: Procedures for Psychological, Psychometric, and Personality Research,
    version 2.2.9, function ``fa`` (``fm = "minres"``, ``"ml"``, ``"pa"``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import scipy.linalg
from scipy.optimize import minimize

from .._threads import single_thread
from ..exceptions import DataError, EstimationError

__all__ = [
    "Extraction",
    "METHODS",
    "LOWER_BOUND",
    "as_correlation",
    "smc",
    "fit_minres",
    "fit_ml",
    "fit_pa",
    "fit_pc",
    "extract",
    "degrees_of_freedom",
    "max_factors",
]

#: extraction methods understood by :func:`extract`
METHODS: tuple[str, ...] = ("minres", "ml", "pa", "pc")

#: lower bound of a uniqueness in minres and ML (psych and ``factanal``: 0.005)
LOWER_BOUND = 0.005

_HEYWOOD_TOL = 1e-6


@dataclass(frozen=True, eq=False)
class Extraction:
    """Unrotated factor solution.

    Attributes
    ----------
    loadings
        ``p x m`` unrotated loadings, psych's sign and order convention.
    uniquenesses
        ``1 - communalities`` (psych ``fa$uniquenesses``: ``diag(R - L L')``).
    communalities
        Row sums of squared loadings (psych ``fa$communality``).
    method
        ``"minres"``, ``"ml"``, ``"pa"`` or ``"pc"``.
    converged
        Whether the optimizer / iteration met its convergence criterion.
    n_iter
        Iterations used.
    heywood
        Indices (0-based) of items with a uniqueness at the lower bound or a communality >= 1.
    objective
        The criterion at the solution: minres, the sum of squared off-diagonal residuals
        ``sum_{i<j} (r_ij - (L L')_ij)^2``; ml, the ``factanal`` discrepancy
        ``tr(Sigma^-1 R) - log|Sigma^-1 R| - p`` with ``Sigma = L L' + Psi``; pa, the same off-diagonal
        residual sum as minres.
    values
        Eigenvalues of ``R`` with the communalities on the diagonal (psych ``fa$values``).
    psi
        The uniquenesses the optimizer returned (minres/ml; for pa ``1 -`` the final communality
        estimates on the diagonal). psych reports ``1 - psi`` as ``fa$communalities``.
    """

    loadings: np.ndarray
    uniquenesses: np.ndarray
    communalities: np.ndarray
    method: str
    converged: bool
    n_iter: int
    heywood: tuple[int, ...]
    objective: float
    values: np.ndarray = field(default_factory=lambda: np.empty(0))
    psi: np.ndarray = field(default_factory=lambda: np.empty(0))

    @property
    def n_factors(self) -> int:
        """Number of factors ``m``."""
        return int(self.loadings.shape[1])


# ---------------------------------------------------------------------------------------------- helpers
def as_correlation(R: np.ndarray | object, *, names: list[str] | None = None) -> np.ndarray:
    """Check a correlation (or covariance) matrix and return it as a float correlation matrix.

    A covariance matrix is rescaled to correlations (``cov2cor``), as psych ``fa`` does.

    Raises
    ------
    DataError
        Not square, not symmetric, missing or infinite cells (naming the items), or a non-positive
        diagonal (a constant item).
    """
    labels = list(names) if names is not None else None
    if labels is None and hasattr(R, "columns"):
        labels = [str(c) for c in R.columns]  # type: ignore[attr-defined]
    A = np.array(R, dtype=float, copy=True)
    if A.ndim != 2 or A.shape[0] != A.shape[1]:
        raise DataError(f"a correlation matrix must be square; got shape {A.shape}")
    p = A.shape[0]
    labels = labels if labels is not None and len(labels) == p else [f"V{i + 1}" for i in range(p)]
    bad = ~np.isfinite(A)
    if bad.any():
        rows = np.flatnonzero(bad.any(axis=1))
        raise DataError("the correlation matrix has missing or infinite cells for item(s) "
                        f"{', '.join(labels[i] for i in rows[:20])}; an item is constant or two items were "
                        "never answered together: drop those items (--items) and try again")
    d = np.diag(A).copy()
    if (d <= 0).any():
        rows = np.flatnonzero(d <= 0)
        raise DataError(f"item(s) {', '.join(labels[i] for i in rows)} have zero variance (every answer is "
                        "the same); drop them from the analysis")
    if not np.allclose(A, A.T, atol=1e-8, rtol=0):
        raise DataError("the correlation matrix is not symmetric; pass a correlation matrix or the raw data")
    A = (A + A.T) / 2.0
    if not np.allclose(d, 1.0, atol=1e-12, rtol=0):
        s = 1.0 / np.sqrt(d)
        A = A * s[:, None] * s[None, :]
    np.fill_diagonal(A, 1.0)
    return A


def smc(R: np.ndarray, *, eigh: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Squared multiple correlations: ``smc_i = 1 - 1 / (R^-1)_ii``.

    As psych ``smc``: a singular ``R`` is inverted with the Moore-Penrose pseudo-inverse (eigenvalues
    below ``sqrt(eps) * max`` dropped), and the result is clipped to ``[0, 1]``.

    Parameters
    ----------
    R
        Correlation matrix.
    eigh
        Optional ``(values, vectors)`` of ``R`` (ascending, as :func:`numpy.linalg.eigh`) to reuse.
    """
    w, V = eigh if eigh is not None else np.linalg.eigh(R)
    keep = w > max(np.sqrt(np.finfo(float).eps) * w[-1], 0.0)
    inv_diag = (V[:, keep] ** 2) @ (1.0 / w[keep])
    with np.errstate(divide="ignore"):
        out = 1.0 - 1.0 / inv_diag
    return np.clip(np.nan_to_num(out, nan=1.0), 0.0, 1.0)


def degrees_of_freedom(p: int, m: int) -> int:
    """Degrees of freedom of an ``m``-factor model of ``p`` items: ``((p - m)^2 - (p + m)) / 2``."""
    return ((p - m) ** 2 - (p + m)) // 2


def max_factors(p: int) -> int:
    """Largest ``m`` with non-negative degrees of freedom (the Ledermann bound) for ``p`` items."""
    m = 0
    while m + 1 < p and degrees_of_freedom(p, m + 1) >= 0:
        m += 1
    return m


def _top_eig(S: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``m`` largest eigenvalues (descending) and their eigenvectors of a symmetric matrix."""
    p = S.shape[0]
    w, V = scipy.linalg.eigh(S, subset_by_index=(p - m, p - 1), check_finite=False, overwrite_a=True,
                             driver="evr")
    return w[::-1], V[:, ::-1]


def _psych_order(L: np.ndarray) -> np.ndarray:
    """Flip each column so it sums >= 0, then order columns by sum of squares (descending, stable)."""
    s = np.sign(L.sum(axis=0))
    s[s == 0] = 1.0
    L = L * s
    if L.shape[1] > 1:
        order = np.argsort(-(L ** 2).sum(axis=0), kind="stable")
        L = L[:, order]
    return L


def _check(R: np.ndarray, n_factors: int, method: str) -> np.ndarray:
    R = as_correlation(R)
    p = R.shape[0]
    if p < 3:
        raise DataError(f"factor analysis needs at least 3 items; got {p}")
    if isinstance(n_factors, bool) or not isinstance(n_factors, (int, np.integer)) or n_factors < 1:
        raise EstimationError(f"the number of factors must be a whole number >= 1; got {n_factors!r}")
    if n_factors >= p:
        raise EstimationError(f"{n_factors} factors are too many for {p} items: at most {p - 1} can be "
                              f"extracted (and {max_factors(p)} leave a testable model); ask for fewer factors")
    return R


def _offdiag_ss(R: np.ndarray, L: np.ndarray) -> float:
    res = R - L @ L.T
    np.fill_diagonal(res, 0.0)
    return float((res ** 2).sum() / 2.0)


def _finish(R: np.ndarray, L: np.ndarray, *, method: str, converged: bool, n_iter: int, objective: float,
            psi: np.ndarray) -> Extraction:
    L = _psych_order(L)
    h2 = (L ** 2).sum(axis=1)
    u2 = 1.0 - h2
    heywood = tuple(int(i) for i in np.flatnonzero((psi <= LOWER_BOUND + _HEYWOOD_TOL) | (h2 >= 1.0 - 1e-9)))
    S = R.copy()
    np.fill_diagonal(S, h2)
    values = np.linalg.eigvalsh(S)[::-1]
    return Extraction(loadings=L, uniquenesses=u2, communalities=h2, method=method, converged=bool(converged),
                      n_iter=int(n_iter), heywood=heywood, objective=float(objective), values=values,
                      psi=np.asarray(psi, dtype=float))


# ---------------------------------------------------------------------------------------------- minres
def fit_minres(R: np.ndarray, n_factors: int, *, start: np.ndarray | None = None, tol: float = 1e-12,
               max_iter: int = 1000) -> Extraction:
    """Minimum-residual (minres / unweighted least squares) factor extraction.

    Minimizes over the uniquenesses ``Psi`` (bounds ``[0.005, 1]``, start ``1 - SMC``)

    .. math:: F(\\Psi) = \\tfrac12 \\lVert R - \\Psi - L L' \\rVert_F^2
              = \\tfrac12 \\Big(\\lVert R - \\Psi \\rVert_F^2 - \\sum_{k \\le m} \\lambda_k^{+2}\\Big),

    where ``L = V_m diag(sqrt(lambda_m^+))`` holds the ``m`` leading eigenpairs of ``R - Psi``. Its
    analytic gradient is ``dF/dPsi_i = (L L')_ii + Psi_i - 1`` (psych's ``FAgr.minres``), minimized with
    L-BFGS-B. At an interior solution the diagonal is reproduced exactly, so ``F`` equals the sum of
    squared off-diagonal residuals that Harman's minres (and psych ``fa(fm = "minres")``) minimizes; the
    two criteria share their stationary points, including those on the bound.

    Parameters
    ----------
    R
        ``p x p`` correlation matrix.
    n_factors
        Number of factors ``m``.
    start
        Starting uniquenesses (default ``1 - SMC``).
    tol
        L-BFGS-B tolerance on the relative change of ``F`` (``ftol``) and projected gradient.
    max_iter
        Maximum L-BFGS-B iterations.

    Returns
    -------
    Extraction

    Examples
    --------
    >>> import numpy as np
    >>> l = np.array([.8, .7, .6, .5])
    >>> R = np.outer(l, l); np.fill_diagonal(R, 1)
    >>> np.round(fit_minres(R, 1).loadings[:, 0], 4)
    array([0.8, 0.7, 0.6, 0.5])
    """
    R = _check(R, n_factors, "minres")
    with single_thread(R.shape[0]):
        return _fit_minres(R, int(n_factors), start, tol, max_iter)


def _fit_minres(R: np.ndarray, m: int, start: np.ndarray | None, tol: float, max_iter: int) -> Extraction:
    p = R.shape[0]
    R_off_ss = float((R ** 2).sum() - p)  # squared off-diagonal entries, both triangles
    if start is None:
        start = 1.0 - smc(R)
    x0 = np.clip(np.asarray(start, dtype=float), LOWER_BOUND, 1.0)
    S = np.empty_like(R)
    diag = np.diag_indices(p)

    def fun(psi: np.ndarray) -> tuple[float, np.ndarray]:
        np.copyto(S, R)
        S[diag] = 1.0 - psi
        w, V = _top_eig(S, m)
        wp = np.maximum(w, 0.0)
        f = 0.5 * (R_off_ss + float(((1.0 - psi) ** 2).sum()) - float((wp ** 2).sum()))
        h2 = (V ** 2) @ wp
        return f, h2 + psi - 1.0

    res = minimize(fun, x0, jac=True, method="L-BFGS-B", bounds=[(LOWER_BOUND, 1.0)] * p,
                   options={"maxiter": max_iter, "ftol": tol, "gtol": 1e-10, "maxcor": 20})
    psi = np.clip(res.x, LOWER_BOUND, 1.0)
    np.copyto(S, R)
    S[diag] = 1.0 - psi
    w, V = _top_eig(S, m)
    L = V * np.sqrt(np.maximum(w, 0.0))
    converged = bool(res.success) or _kkt_ok(res.jac, psi)
    return _finish(R, L, method="minres", converged=converged, n_iter=int(res.nit),
                   objective=_offdiag_ss(R, L), psi=psi)


def _kkt_ok(grad: np.ndarray, psi: np.ndarray, tol: float = 1e-6) -> bool:
    """Projected-gradient check: a line-search stop at a stationary point still counts as converged."""
    g = np.asarray(grad, dtype=float)
    pg = np.where(psi <= LOWER_BOUND + 1e-12, np.minimum(g, 0.0), np.where(psi >= 1.0 - 1e-12, np.maximum(g, 0.0), g))
    return bool(np.max(np.abs(pg)) < tol)


# ---------------------------------------------------------------------------------------------- ML
def fit_ml(R: np.ndarray, n_factors: int, n_obs: int | None = None, *, start: np.ndarray | None = None,
           tol: float = 1e-12, max_iter: int = 1000) -> Extraction:
    """Maximum-likelihood factor extraction (R ``factanal`` / psych ``fa(fm = "ml")``).

    Minimizes the concentrated discrepancy over the uniquenesses ``Psi`` (bounds ``[0.005, 1]``, start
    ``1 - SMC``): with ``lambda_k`` the eigenvalues of ``R* = Psi^-1/2 R Psi^-1/2``,

    .. math:: F(\\Psi) = -\\sum_{k > m} (\\log\\lambda_k - \\lambda_k) + m - p ,

    computed from the ``m`` leading eigenpairs only (``sum_k log lambda_k = log|R| - sum log Psi``,
    ``sum_k lambda_k = sum_i 1/Psi_i``). Gradient: ``diag(L L' + Psi - R) / Psi^2`` with
    ``L = Psi^1/2 V_m diag(sqrt(max(lambda_m - 1, 0)))``. The loadings are that ``L``.

    Parameters
    ----------
    R
        ``p x p`` correlation matrix (must be positive definite).
    n_factors
        Number of factors ``m``; the model must have ``df >= 0``.
    n_obs
        Number of observations (kept for the interface; fit statistics are in :mod:`.fit`).
    start, tol, max_iter
        As :func:`fit_minres`.

    Raises
    ------
    EstimationError
        ``R`` is singular or the model has negative degrees of freedom.
    """
    R = _check(R, n_factors, "ml")
    with single_thread(R.shape[0]):
        return _fit_ml(R, int(n_factors), start, tol, max_iter)


def _fit_ml(R: np.ndarray, m: int, start: np.ndarray | None, tol: float, max_iter: int) -> Extraction:
    p = R.shape[0]
    if degrees_of_freedom(p, m) < 0:
        raise EstimationError(f"maximum likelihood cannot fit {m} factors to {p} items (negative degrees of "
                              f"freedom); use at most {max_factors(p)} factors or method minres")
    sign, logdet = np.linalg.slogdet(R)
    if sign <= 0 or not np.isfinite(logdet) or np.linalg.eigvalsh(R)[0] < 1e-10:
        raise EstimationError("the correlation matrix is singular (an item is a linear combination of others "
                              "or there are fewer respondents than items), so maximum likelihood is undefined; "
                              "drop redundant items or use method minres")
    if start is None:
        start = 1.0 - smc(R)
    x0 = np.clip(np.asarray(start, dtype=float), LOWER_BOUND, 1.0)
    S = np.empty_like(R)

    def fun(psi: np.ndarray) -> tuple[float, np.ndarray]:
        sc = 1.0 / np.sqrt(psi)
        np.multiply(R, sc[:, None] * sc[None, :], out=S)
        w, V = _top_eig(S, m)
        ld_all = logdet - float(np.log(psi).sum())
        tr_all = float((1.0 / psi).sum())
        f = -((ld_all - tr_all) - float((np.log(w) - w).sum())) + m - p
        load2 = (V ** 2) @ np.maximum(w - 1.0, 0.0)  # diag of (V D V'), D = max(w-1, 0)
        g = (psi * load2 + psi - 1.0) / psi ** 2
        return f, g

    res = minimize(fun, x0, jac=True, method="L-BFGS-B", bounds=[(LOWER_BOUND, 1.0)] * p,
                   options={"maxiter": max_iter, "ftol": tol, "gtol": 1e-10, "maxcor": 20})
    psi = np.clip(res.x, LOWER_BOUND, 1.0)
    sc = 1.0 / np.sqrt(psi)
    w, V = _top_eig(R * sc[:, None] * sc[None, :], m)
    L = np.sqrt(psi)[:, None] * V * np.sqrt(np.maximum(w - 1.0, 0.0))
    converged = bool(res.success) or _kkt_ok(res.jac, psi)
    return _finish(R, L, method="ml", converged=converged, n_iter=int(res.nit), objective=float(res.fun), psi=psi)


# ---------------------------------------------------------------------------------------------- PA
def fit_pa(R: np.ndarray, n_factors: int, max_iter: int = 50, tol: float = 0.001) -> Extraction:
    """Principal-axis factoring with iterated communalities (psych ``fa(fm = "pa")``).

    Start with the SMCs on the diagonal of ``R``; repeat: ``L = V_m diag(sqrt(lambda_m))`` from the
    reduced matrix, put ``diag(L L')`` on the diagonal; stop when the sum of communalities changes by
    less than ``tol`` (0.001) or after ``max_iter`` (50) iterations, as psych does. Communalities may
    exceed 1 (an ultra-Heywood case, flagged).

    Parameters
    ----------
    R
        ``p x p`` correlation matrix.
    n_factors
        Number of factors ``m``.
    max_iter
        Maximum number of iterations (psych ``max.iter``).
    tol
        Convergence threshold on the change of the summed communalities (psych ``min.err``).
    """
    R = _check(R, n_factors, "pa")
    with single_thread(R.shape[0]):
        return _fit_pa(R, int(n_factors), max_iter, tol)


def _fit_pa(R: np.ndarray, m: int, max_iter: int, tol: float) -> Extraction:
    p = R.shape[0]
    S = R.copy()
    diag = np.diag_indices(p)
    S[diag] = smc(R)
    comm = float(S[diag].sum())
    converged = False
    n_iter = 0
    L = np.zeros((p, m))
    for n_iter in range(1, max_iter + 1):  # noqa: B007 - a short iteration over whole matrices, not items
        w, V = _top_eig(S.copy(), m)
        if (w < 0).any():
            raise EstimationError(f"principal-axis iteration {n_iter} met a negative eigenvalue among the first "
                                  f"{m}: {m} factors are too many for these data; ask for fewer factors or "
                                  "use method minres")
        L = V * np.sqrt(w)
        new = (L ** 2).sum(axis=1)
        comm1 = float(new.sum())
        S[diag] = new
        err = abs(comm - comm1)
        comm = comm1
        if err <= tol:
            converged = True
            break
    h2 = (L ** 2).sum(axis=1)
    return _finish(R, L, method="pa", converged=converged, n_iter=n_iter, objective=_offdiag_ss(R, L),
                   psi=1.0 - h2)


# ---------------------------------------------------------------------------------------------- components
def fit_pc(R: np.ndarray, n_factors: int) -> Extraction:
    """Principal components (psych ``principal``): ``L = V_m diag(sqrt(lambda_m))`` from the ``m`` largest
    eigenpairs of ``R`` (eigenvalues below machine epsilon raised to it, as psych).

    Each component is flipped so its loadings sum to a non-negative number. Communalities are the row sums of
    squared loadings, uniquenesses ``1 - h2``; :attr:`Extraction.values` are the eigenvalues of ``R`` itself
    (psych ``principal$values``), and the objective is the off-diagonal residual sum of squares.

    References
    ----------
    Revelle, W. (2022). psych, version 2.2.9, function ``principal``. Jolliffe, I. T. (2002). Principal
    component analysis (2nd ed.). Springer.
    """
    R = _check(R, n_factors, "pc")
    with single_thread():
        w, V = np.linalg.eigh(R)
    w, V = w[::-1], V[:, ::-1]
    lam = np.maximum(w[:n_factors], np.finfo(float).eps)
    L = _psych_order(V[:, :n_factors] * np.sqrt(lam))
    h2 = (L ** 2).sum(axis=1)
    return Extraction(loadings=L, uniquenesses=1.0 - h2, communalities=h2, method="pc", converged=True, n_iter=0,
                      heywood=(), objective=_offdiag_ss(R, L), values=w.copy(), psi=1.0 - h2)


# ---------------------------------------------------------------------------------------------- dispatch
def extract(R: np.ndarray, n_factors: int, method: Literal["minres", "ml", "pa"] | str = "minres", *,
            n_obs: int | None = None, **kwargs: object) -> Extraction:
    """Extract ``n_factors`` unrotated factors from ``R`` with ``method`` (``minres``, ``ml``, ``pa`` or ``pc``).

    Aliases: ``uls`` -> minres, ``mle`` -> ml, ``principal-axis`` -> pa, ``principal``/``pca``/``components`` -> pc.

    Raises
    ------
    EstimationError
        Unknown method, too many factors, or a matrix the method cannot handle.
    """
    key = str(method).lower().replace("_", "-")
    key = {"uls": "minres", "mle": "ml", "principal-axis": "pa", "paf": "pa", "principal": "pc", "pca": "pc",
           "components": "pc"}.get(key, key)
    if key == "minres":
        return fit_minres(R, n_factors, **kwargs)  # type: ignore[arg-type]
    if key == "ml":
        return fit_ml(R, n_factors, n_obs, **kwargs)  # type: ignore[arg-type]
    if key == "pa":
        return fit_pa(R, n_factors, **kwargs)  # type: ignore[arg-type]
    if key == "pc":
        return fit_pc(R, n_factors)
    raise EstimationError(f"unknown extraction method {method!r}; choose one of {', '.join(METHODS)}")

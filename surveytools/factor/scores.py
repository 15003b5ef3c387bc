"""Factor score weights and scores (psych ``factor.scores``): regression (Thurstone), Bartlett, ten Berge.

Scores are ``Z @ W`` with ``Z`` the item z-scores (means and standard deviations with ``ddof = 1`` from
the data the model was fitted on) and ``W`` the ``p x m`` weights below; ``L`` is the pattern matrix,
``Phi`` the factor correlations, ``S = L Phi`` the structure matrix and ``R`` the item correlations.

* regression (Thurstone, 1935): ``W = R^-1 S``. When ``R`` is computationally singular (its reciprocal
  condition number in the 1-norm is below machine epsilon, where R's ``solve`` fails), psych 2.2.9
  ``factor.scores`` falls back to the loadings as weights (``W = L``; its pseudo-inverse attempt is
  discarded); surveytools does the same and warns, instead of solving an ill-posed system whose weights
  would put scores many standard deviations off.
* Bartlett (1937): ``W = U^-2 L (L' U^-2 L)^-1`` with ``U^2 = diag(1 - diag(L Phi L'))``.
* ten Berge et al. (1999), correlation preserving: with ``L* = L Phi^1/2``,
  ``W = R^-1/2 C Phi^1/2``, ``C = R^-1/2 L* (L*' R^-1 L*)^-1/2``.

Missing answers: a missing z-score counts as 0, i.e. the item's mean is imputed before scoring (psych
``factor.scores(impute = "mean")`` before its final rescaling); a respondent who answered no item gets
NaN. With complete answers the scores equal psych ``scale(x) %*% weights``.

References
----------
Thurstone, L. L. (1935). The vectors of mind. Bartlett, M. S. (1937). The statistical conception of
mental factors. British Journal of Psychology, 28, 97-104. ten Berge, J. M. F., Krijnen, W. P.,
Wansbeek, T. & Shapiro, A. (1999). Some new results on correlation-preserving factor scores prediction
methods. Linear Algebra and its Applications, 289, 311-318. Grice, J. W. (2001). Computing and
evaluating factor scores. Psychological Methods, 6, 430-450.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..exceptions import EstimationError, EstimationWarning
from .fit import cor_smooth

__all__ = ["SCORE_METHODS", "score_weights", "apply_weights", "score_r2"]

#: accepted score methods (``thurstone`` is an alias of ``regression``, ``tenberge`` of ``ten_berge``)
SCORE_METHODS: tuple[str, ...] = ("regression", "bartlett", "tenberge")

_EPS = np.finfo(float).eps


def _canonical(method: str) -> str:
    key = str(method).lower().replace("_", "").replace("-", "").replace(" ", "")
    key = {"thurstone": "regression", "tenberge": "tenberge", "regression": "regression",
           "bartlett": "bartlett"}.get(key, key)
    if key not in SCORE_METHODS:
        raise EstimationError(f"unknown factor score method {method!r}; choose one of "
                              f"{', '.join(SCORE_METHODS)}")
    return key


def _sym_power(A: np.ndarray, power: float, floor: float) -> np.ndarray:
    w, V = np.linalg.eigh((A + A.T) / 2)
    w = np.where(w < floor, floor if power > 0 else 100 * _EPS, w)
    return (V * w ** power) @ V.T


def _rcond(R: np.ndarray) -> float:
    """Reciprocal condition number of ``R`` in the 1-norm (what LAPACK's ``dgecon`` estimates for R's
    ``solve``, which refuses below machine epsilon); 0 for a matrix with non-finite entries."""
    if not np.isfinite(R).all():
        return 0.0
    with np.errstate(all="ignore"):
        try:
            c = np.linalg.cond(R, 1)
        except np.linalg.LinAlgError:
            return 0.0
    return 0.0 if not np.isfinite(c) or c == 0 else float(1.0 / c)


def score_weights(R: np.ndarray, loadings: np.ndarray, phi: np.ndarray | None = None,
                  method: str = "regression") -> np.ndarray:
    """Factor score weights ``W`` (``p x m``) for ``method`` (see the module docstring).

    Raises
    ------
    EstimationError
        A uniqueness is zero for Bartlett weights, or ``R`` cannot be inverted for ten Berge weights.

    Warns
    -----
    EstimationWarning
        ``R`` is computationally singular: the regression weights are the loadings (as psych).
    """
    kind = _canonical(method)
    R = np.asarray(R, dtype=float)
    L = np.asarray(loadings, dtype=float)
    m = L.shape[1]
    Phi = np.eye(m) if phi is None else np.asarray(phi, dtype=float)
    if kind == "regression":
        if _rcond(R) < _EPS:
            warnings.warn("the item correlation matrix is singular, so regression score weights do not exist; as "
                          "R psych, the factor loadings are used as score weights (drop redundant items for proper "
                          "regression scores)", EstimationWarning, stacklevel=3)
            return L.copy()
        return np.linalg.solve(R, L @ Phi)
    if kind == "bartlett":
        u2 = 1.0 - np.einsum("ij,jk,ik->i", L, Phi, L)
        if (u2 <= 1e-8).any():
            raise EstimationError("an item has no uniqueness (a Heywood case), so Bartlett factor scores are "
                                  "undefined; use regression or tenberge scores")
        Lu = L / u2[:, None]
        return Lu @ np.linalg.inv(L.T @ Lu)
    # ten Berge
    Ls = L @ _sym_power(Phi, 0.5, _EPS)
    r_half_inv = _sym_power(R, -0.5, 100 * _EPS)
    Rs = cor_smooth(R)
    try:
        inv_r = np.linalg.inv(Rs)
    except np.linalg.LinAlgError:
        raise EstimationError("the item correlation matrix cannot be inverted for ten Berge scores; drop "
                              "redundant items") from None
    C = r_half_inv @ Ls @ _sym_power(Ls.T @ inv_r @ Ls, -0.5, 100 * _EPS)
    return r_half_inv @ C @ _sym_power(Phi, 0.5, _EPS)


def apply_weights(X: np.ndarray, means: np.ndarray, sds: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Scores ``Z @ W`` with ``Z = (X - means) / sds``; missing answers count as ``z = 0`` (mean imputed);
    rows without any answer get NaN. Vectorized over respondents."""
    X = np.asarray(X, dtype=float)
    Z = (X - means) / sds
    answered = np.isfinite(Z)
    Z = np.where(answered, Z, 0.0)
    out = Z @ weights
    out[~answered.any(axis=1)] = np.nan
    return out


def score_r2(R: np.ndarray, loadings: np.ndarray, phi: np.ndarray | None, weights: np.ndarray) -> np.ndarray:
    """Squared multiple correlation of each factor with its score estimate: ``diag(W' S)``, ``S = L Phi``
    (psych ``R2``; its square root is the score validity)."""
    m = loadings.shape[1]
    Phi = np.eye(m) if phi is None else phi
    return np.diag(weights.T @ (loadings @ Phi))

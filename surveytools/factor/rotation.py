"""Factor rotation: varimax, quartimax, equamax, promax, oblimin, quartimin, oblimax, geomin (T and Q).

Conventions follow R: ``varimax`` is ``stats::varimax`` (Kaiser-normalized, its SVD iteration and
stopping rule), ``promax`` is psych's ``fa(rotate = "promax")`` (Kaiser-normalized rows, varimax, target
``L * |L|^(power - 1)``, power 4), and the gradient-projection rotations follow GPArotation's ``GPForth``
/ ``GPFoblq`` (Bernaards & Jennrich, 2005) with ``eps = 1e-5``, ``maxit = 1000`` and no row normalization
unless ``kaiser=True`` (SPSS normalizes every rotation).

After rotating, :func:`rotate` applies psych ``fa``'s post-processing: each factor is flipped so its
pattern loadings sum to a non-negative number (``Phi`` flipped with it) and factors are ordered by the
variance they explain including factor correlations, ``diag(Phi L' L)``, largest first. For principal
components (``order="principal"``) psych ``principal``'s order is used instead: by ``colSums(L^2)`` (the
factor correlations left out), then the signs.

The rotation matrix ``rotmat`` always satisfies ``pattern = loadings @ rotmat`` and, for oblique
rotations, ``Phi = (rotmat' rotmat)^-1``; the structure matrix is ``pattern @ Phi``.

References
----------
Bernaards, C. A. & Jennrich, R. I. (2005). Gradient projection algorithms and software for arbitrary
    rotation criteria in factor analysis. Educational and Psychological Measurement, 65, 676-696.
Kaiser, H. F. (1958). The varimax criterion for analytic rotation in factor analysis. Psychometrika,
    23, 187-200.
Hendrickson, A. E. & White, P. O. (1964). Promax: a quick method for rotation to oblique simple
    structure. British Journal of Statistical Psychology, 17, 65-70.
Jennrich, R. I. (2002). A simple general method for oblique rotation. Psychometrika, 67, 7-19.
Saunders, D. R. (1961). The rationale for an "oblimax" method of transformation in factor analysis.
    Psychometrika, 26, 317-324 (oblimax: GPArotation ``vgQ.oblimax``).
Browne, M. W. (2001). An overview of analytic rotation in exploratory factor analysis. Multivariate
    Behavioral Research, 36, 111-150 (geomin, Crawford-Ferguson family, equamax).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._threads import single_thread
from ..exceptions import EstimationError

__all__ = ["Rotation", "ROTATIONS", "ORTHOGONAL", "OBLIQUE", "rotate", "is_oblique", "canonical_rotation",
           "congruence", "align"]

#: orthogonal rotations (Phi = I)
ORTHOGONAL: tuple[str, ...] = ("none", "varimax", "quartimax", "equamax", "geominT")
#: oblique rotations
OBLIQUE: tuple[str, ...] = ("promax", "oblimin", "quartimin", "oblimax", "geominQ")
#: every rotation :func:`rotate` understands (``geomin`` is an alias of ``geominQ``)
ROTATIONS: tuple[str, ...] = ORTHOGONAL + OBLIQUE

_ALIASES = {"geomin": "geominQ", "geominq": "geominQ", "geomint": "geominT", "oblimin": "oblimin",
            "quartimin": "quartimin", "varimax": "varimax", "quartimax": "quartimax", "equamax": "equamax",
            "promax": "promax", "oblimax": "oblimax", "none": "none", "": "none"}


def canonical_rotation(method: str | None) -> str:
    """The canonical name of a rotation (case-insensitive; ``geomin`` means ``geominQ``).

    Raises
    ------
    EstimationError
        Unknown rotation, listing the known ones.
    """
    key = "none" if method is None else str(method).strip()
    name = _ALIASES.get(key.lower())
    if name is None:
        raise EstimationError(f"unknown rotation {method!r}; choose one of {', '.join(ROTATIONS)} "
                              "(geomin = geominQ)")
    return name


def is_oblique(method: str) -> bool:
    """Whether a rotation lets factors correlate."""
    return canonical_rotation(method) in OBLIQUE


@dataclass(frozen=True, eq=False)
class Rotation:
    """A rotated factor solution.

    Attributes
    ----------
    loadings
        ``p x m`` pattern matrix (equal to the structure for orthogonal rotations).
    structure
        ``p x m`` structure matrix ``loadings @ phi``: correlations of items with factors.
    phi
        ``m x m`` factor correlations (identity for orthogonal rotations).
    rotmat
        ``m x m`` matrix with ``loadings = unrotated @ rotmat``.
    method
        Canonical rotation name.
    converged
        Whether the iteration met its stopping rule (always True for ``none``).
    criterion
        Value of the rotation criterion at the solution (NaN for none/varimax/promax).
    n_iter
        Iterations of the best start.
    kaiser
        Whether rows were Kaiser-normalized during the rotation.
    gamma
        Oblimin's gamma (0 = quartimin).
    n_starts
        Starts tried (1 + random starts).
    """

    loadings: np.ndarray
    structure: np.ndarray
    phi: np.ndarray
    rotmat: np.ndarray
    method: str
    converged: bool
    criterion: float = float("nan")
    n_iter: int = 0
    kaiser: bool = False
    gamma: float = 0.0
    n_starts: int = 1

    @property
    def oblique(self) -> bool:
        """Whether the factors may correlate."""
        return self.method in OBLIQUE


# ---------------------------------------------------------------------------------------------- criteria
# Each returns (f, Gq): the criterion value and its gradient with respect to the rotated loadings.
Criterion = Callable[[np.ndarray], tuple[float, np.ndarray]]


def _oblimin(gamma: float) -> Criterion:
    """Oblimin: ``f = 1/4 sum(L^2 * ((I - gamma/p 11') L^2 (11' - I)))``."""

    def vgq(L: np.ndarray) -> tuple[float, np.ndarray]:
        L2 = L * L
        X = L2.sum(axis=1, keepdims=True) - L2  # L^2 (11' - I)
        if gamma != 0:
            X = X - gamma * X.mean(axis=0, keepdims=True)
        return float((L2 * X).sum() / 4.0), L * X

    return vgq


def _geomin(delta: float) -> Criterion:
    """Geomin: ``f = sum_i (prod_j (l_ij^2 + delta))^(1/m)``."""

    def vgq(L: np.ndarray) -> tuple[float, np.ndarray]:
        k = L.shape[1]
        L2 = L * L + delta
        pro = np.exp(np.log(L2).sum(axis=1) / k)
        return float(pro.sum()), (2.0 / k) * (L / L2) * pro[:, None]

    return vgq


def _oblimax(L: np.ndarray) -> tuple[float, np.ndarray]:
    """Oblimax (Saunders, 1961): ``f = -(log sum(L^4) - 2 log sum(L^2))``, the kurtosis of the loadings
    maximised; gradient ``-(4 L^3 / sum(L^4) - 4 L / sum(L^2))`` (GPArotation ``vgQ.oblimax``)."""
    L2 = L * L
    s2 = L2.sum()
    s4 = (L2 * L2).sum()
    return float(-(np.log(s4) - 2.0 * np.log(s2))), -(4.0 * L2 * L / s4 - 4.0 * L / s2)


def _quartimax(L: np.ndarray) -> tuple[float, np.ndarray]:
    """Quartimax: ``f = -1/4 sum(L^4)``."""
    L2 = L * L
    return float(-(L2 * L2).sum() / 4.0), -L2 * L


def _crawford_ferguson(kappa: float) -> Criterion:
    """Crawford-Ferguson family: ``(1-kappa)/4 sum(L^2 * L^2 N) + kappa/4 sum(L^2 * M L^2)``."""

    def vgq(L: np.ndarray) -> tuple[float, np.ndarray]:
        L2 = L * L
        row = L2.sum(axis=1, keepdims=True) - L2  # L2 N
        col = L2.sum(axis=0, keepdims=True) - L2  # M L2
        f = (1.0 - kappa) * (L2 * row).sum() / 4.0 + kappa * (L2 * col).sum() / 4.0
        return float(f), (1.0 - kappa) * L * row + kappa * L * col

    return vgq


# ---------------------------------------------------------------------------------------------- GPA
def _gpa_orth(A: np.ndarray, T: np.ndarray, vgq: Criterion, tol: float, max_iter: int
              ) -> tuple[np.ndarray, float, bool, int]:
    """Orthogonal gradient projection (GPArotation ``GPForth``)."""
    al = 1.0
    L = A @ T
    f, Gq = vgq(L)
    G = A.T @ Gq
    s = np.inf
    it = 0
    for it in range(max_iter + 1):  # noqa: B007 - the count is reported
        M = T.T @ G
        Gp = G - T @ ((M + M.T) / 2.0)
        s = float(np.sqrt((Gp * Gp).sum()))
        if s < tol:
            break
        al *= 2.0
        for _ in range(11):
            U, _d, Vt = np.linalg.svd(T - al * Gp)
            Tt = U @ Vt
            L = A @ Tt
            ft, Gqt = vgq(L)
            if ft < f - 0.5 * s * s * al:
                break
            al /= 2.0
        T, f, G = Tt, ft, A.T @ Gqt
    return T, f, bool(s < tol), it


def _gpa_oblq(A: np.ndarray, T: np.ndarray, vgq: Criterion, tol: float, max_iter: int
              ) -> tuple[np.ndarray, float, bool, int]:
    """Oblique gradient projection (GPArotation ``GPFoblq``); ``L = A (T')^-1``, ``Phi = T'T``."""
    al = 1.0
    Ti = np.linalg.inv(T)
    L = A @ Ti.T
    f, Gq = vgq(L)
    G = -(L.T @ Gq @ Ti).T
    s = np.inf
    it = 0
    for it in range(max_iter + 1):  # noqa: B007 - the count is reported
        Gp = G - T * (T * G).sum(axis=0, keepdims=True)
        s = float(np.sqrt((Gp * Gp).sum()))
        if s < tol:
            break
        al *= 2.0
        for _ in range(11):
            X = T - al * Gp
            Tt = X / np.sqrt((X * X).sum(axis=0, keepdims=True))
            Tti = np.linalg.inv(Tt)
            L = A @ Tti.T
            ft, Gqt = vgq(L)
            if f - ft > 0.5 * s * s * al:
                break
            al /= 2.0
        T, f, G = Tt, ft, -(L.T @ Gqt @ Tti).T
    return T, f, bool(s < tol), it


# ---------------------------------------------------------------------------------------------- varimax / promax
def _varimax(x: np.ndarray, T: np.ndarray, normalize: bool, eps: float = 1e-5, max_iter: int = 1000
             ) -> tuple[np.ndarray, bool, int, float]:
    """``stats::varimax``: returns the rotation ``TT`` (``rotated = x @ TT``), convergence, iterations, d."""
    if normalize:
        sc = np.sqrt((x * x).sum(axis=1))
        sc[sc == 0] = 1.0
        x = x / sc[:, None]
    p = x.shape[0]
    TT = T
    d = 0.0
    converged = False
    it = 0
    for it in range(1, max_iter + 1):  # noqa: B007 - the count is reported
        z = x @ TT
        B = x.T @ (z ** 3 - z * ((z * z).sum(axis=0) / p))
        U, sB, Vt = np.linalg.svd(B)
        TT = U @ Vt
        dpast = d
        d = float(sB.sum())
        if d < dpast * (1.0 + eps):
            converged = True
            break
    return TT, converged, it, d


def _promax(x: np.ndarray, T0: np.ndarray, power: float) -> tuple[np.ndarray, bool, int]:
    """psych ``Promax`` on ``x``: varimax (normalized), then the power target; returns ``U`` with pattern ``x U``."""
    TT, converged, it, _ = _varimax(x, T0, normalize=True)
    xv = x @ TT
    Q = xv * np.abs(xv) ** (power - 1.0)
    U, *_ = np.linalg.lstsq(xv, Q, rcond=None)
    UtU = U.T @ U
    try:
        d = np.diag(np.linalg.inv(UtU))
    except np.linalg.LinAlgError:
        w, V = np.linalg.eigh(UtU)
        w = np.where(w < np.finfo(float).eps, 100 * np.finfo(float).eps, w)
        UU = (V * w) @ V.T
        np.fill_diagonal(UU, 1.0)
        d = np.diag(np.linalg.inv(UU))
    U = U * np.sqrt(d)[None, :]
    return TT @ U, converged, it


# ---------------------------------------------------------------------------------------------- public
def _random_orthogonal(rng: np.random.Generator, m: int) -> np.ndarray:
    Q, Rr = np.linalg.qr(rng.standard_normal((m, m)))
    return Q * np.sign(np.diag(Rr))[None, :]


def _postprocess(pattern: np.ndarray, phi: np.ndarray, rotmat: np.ndarray, reorder: bool, order: str = "fa"
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if order == "principal":  # psych principal: order by colSums(L^2), then flip signs
        if reorder and pattern.shape[1] > 1:
            idx = np.argsort(-(pattern * pattern).sum(axis=0), kind="stable")
            pattern, rotmat, phi = pattern[:, idx], rotmat[:, idx], phi[np.ix_(idx, idx)]
        reorder = False
    s = np.sign(pattern.sum(axis=0))
    s[s == 0] = 1.0
    pattern = pattern * s
    rotmat = rotmat * s
    phi = phi * s[:, None] * s[None, :]
    if reorder and pattern.shape[1] > 1:
        ev = np.diag(phi @ (pattern.T @ pattern))
        order = np.argsort(-ev, kind="stable")
        pattern, rotmat, phi = pattern[:, order], rotmat[:, order], phi[np.ix_(order, order)]
    return pattern, phi, rotmat


def rotate(loadings: np.ndarray | Any, method: str = "varimax", *, gamma: float = 0.0, kaiser: bool | None = None,
           power: float = 4, random_starts: int = 0, seed: int | None = None, max_iter: int = 1000,
           tol: float = 1e-5, delta: float = 0.01, reorder: bool = True, order: str = "fa") -> Rotation:
    """Rotate a loading matrix and apply psych's sign and order conventions.

    Parameters
    ----------
    loadings
        ``p x m`` unrotated loadings.
    method
        ``none``, ``varimax``, ``quartimax``, ``equamax``, ``geominT`` (orthogonal); ``promax``,
        ``oblimin``, ``quartimin``, ``oblimax``, ``geominQ`` (= ``geomin``) (oblique).
    gamma
        Oblimin's gamma: 0 quartimin (psych's default), 0.5 biquartimin, 1 covarimin; any real value.
        Criterion ``f = 1/4 sum(L^2 * (I - gamma/p 11') L^2 (11' - I))``.
    kaiser
        Row (Kaiser) normalization during the rotation: ``None`` uses R's default for the method (True
        for varimax and promax, False otherwise, as psych); ``True`` everywhere reproduces SPSS.
    power
        Promax power (psych and SPSS: 4).
    random_starts
        Extra starts from random orthogonal matrices (seeded with ``seed``); the solution with the lowest
        criterion wins (varimax: the largest). Rotations can stop in local optima, geomin especially.
    seed
        Seed of the random starts.
    max_iter, tol
        GPA iteration limit and stopping rule on the norm of the projected gradient (GPArotation:
        1000 and 1e-5). varimax uses ``stats::varimax``'s rule (relative change 1e-5).
    delta
        Geomin's delta (GPArotation default 0.01).
    reorder
        Order factors by ``diag(Phi L'L)`` (psych). Signs are always made to sum >= 0.
    order
        ``"fa"`` (psych ``fa``: signs, then ``diag(Phi L'L)``) or ``"principal"`` (psych ``principal``:
        ``colSums(L^2)``, then signs).

    Returns
    -------
    Rotation

    Raises
    ------
    EstimationError
        Unknown method or a loading matrix with missing values.

    Examples
    --------
    >>> import numpy as np
    >>> A = np.array([[.7, .3], [.6, .4], [.5, -.4], [.6, -.3]])
    >>> r = rotate(A, "oblimin")
    >>> bool(np.allclose(np.diag(r.loadings @ r.phi @ r.loadings.T), (A ** 2).sum(1)))
    True
    """
    name = canonical_rotation(method)
    with single_thread():
        return _rotate(np.array(loadings, dtype=float), name, gamma=gamma, kaiser=kaiser, power=power,
                       random_starts=random_starts, seed=seed, max_iter=max_iter, tol=tol, delta=delta,
                       reorder=reorder, order=order)


def _rotate(A: np.ndarray, name: str, *, gamma: float, kaiser: bool | None, power: float, random_starts: int,
            seed: int | None, max_iter: int, tol: float, delta: float, reorder: bool, order: str = "fa") -> Rotation:
    if A.ndim == 1:
        A = A[:, None]
    if A.ndim != 2 or not np.isfinite(A).all():
        raise EstimationError("loadings to rotate must be a finite items x factors matrix")
    p, m = A.shape
    norm = bool(kaiser) if kaiser is not None else name in ("varimax", "promax")
    eye = np.eye(m)
    if m < 2 or name == "none":
        pattern, phi, rotmat = _postprocess(A.copy(), eye.copy(), eye.copy(), reorder, order)
        return Rotation(loadings=pattern, structure=pattern @ phi, phi=phi, rotmat=rotmat,
                        method=name if m >= 2 else name, converged=True, kaiser=False, gamma=float(gamma))

    rng = np.random.default_rng(seed)
    starts = [eye] + [_random_orthogonal(rng, m) for _ in range(int(random_starts))]

    W = np.ones(p)
    if norm:
        W = np.sqrt((A * A).sum(axis=1))
        W[W == 0] = 1.0
    An = A / W[:, None]

    best: tuple[float, np.ndarray, np.ndarray, bool, int] | None = None  # (score, rotmat, phi, conv, it)
    crit = float("nan")
    for T0 in starts:
        if name == "varimax":
            # stats::varimax normalizes internally; rows are already normalized when norm is True
            TT, conv, it, d = _varimax(An, T0, normalize=False)
            cand = (-d, TT, eye, conv, it)
        elif name == "promax":
            U, conv, it = _promax(An, T0, power)
            Ui = np.linalg.inv(U)
            phi = Ui @ Ui.T
            sd = np.sqrt(np.diag(phi))
            phi = phi / sd[:, None] / sd[None, :]
            cand = (0.0, U, phi, conv, it)
        elif name in ("quartimax", "equamax", "geominT"):
            vgq = (_quartimax if name == "quartimax" else
                   _crawford_ferguson(m / (2.0 * p)) if name == "equamax" else _geomin(delta))
            T, f, conv, it = _gpa_orth(An, T0, vgq, tol, max_iter)
            cand = (f, T, eye, conv, it)
        else:  # oblimin, quartimin, oblimax, geominQ
            vgq = (_geomin(delta) if name == "geominQ" else _oblimax if name == "oblimax"
                   else _oblimin(float(gamma) if name == "oblimin" else 0.0))
            T, f, conv, it = _gpa_oblq(An, T0, vgq, tol, max_iter)
            rotm = np.linalg.inv(T).T
            cand = (f, rotm, T.T @ T, conv, it)
        if best is None or cand[0] < best[0] - 1e-10 or (cand[3] and not best[3] and cand[0] <= best[0] + 1e-10):
            best = cand
    if best is None:  # pragma: no cover - there is always the identity start
        raise EstimationError("rotation failed: no start")
    score, rotmat, phi, conv, it = best
    if name not in ("varimax", "promax"):
        crit = float(score)
    pattern = A @ rotmat
    if name in ("varimax", "quartimax", "equamax", "geominT"):
        phi = eye.copy()
    pattern, phi, rotmat = _postprocess(pattern, phi, rotmat, reorder, order)
    return Rotation(loadings=pattern, structure=pattern @ phi, phi=phi, rotmat=rotmat, method=name,
                    converged=bool(conv), criterion=crit, n_iter=int(it), kaiser=norm,
                    gamma=float(gamma) if name == "oblimin" else 0.0, n_starts=len(starts))


def congruence(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Tucker's congruence coefficients between the columns of ``a`` and ``b``.

    .. math:: \\phi_{jk} = \\frac{\\sum_i a_{ij} b_{ik}}{\\sqrt{\\sum_i a_{ij}^2 \\sum_i b_{ik}^2}}

    (psych ``factor.congruence``).
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    num = a.T @ b
    den = np.sqrt(np.outer((a * a).sum(axis=0), (b * b).sum(axis=0)))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / den, 0.0)


def align(loadings: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Reorder and reflect the columns of ``loadings`` to best match ``target``.

    Columns are paired by maximizing the summed absolute Tucker congruence (Hungarian algorithm), then
    each column takes the sign that makes its congruence positive. This is how solutions from two
    programs are compared: factors are identified only up to order and sign.

    Returns
    -------
    aligned, order, signs
        ``aligned[:, k] = signs[k] * loadings[:, order[k]]``.
    """
    from scipy.optimize import linear_sum_assignment

    L = np.asarray(loadings, dtype=float)
    T = np.asarray(target, dtype=float)
    if L.shape != T.shape:
        raise EstimationError(f"cannot align loadings of shape {L.shape} to a target of shape {T.shape}")
    c = congruence(L, T)
    rows, cols = linear_sum_assignment(-np.abs(c))
    order = np.empty(L.shape[1], dtype=int)
    order[cols] = rows
    signs = np.sign(c[order, np.arange(L.shape[1])])
    signs[signs == 0] = 1.0
    return L[:, order] * signs, order, signs

"""Correlation matrices for survey items: Pearson (pairwise or listwise, optionally weighted), polychoric and
tetrachoric (two-step maximum likelihood, as R psych), and psych's smoothing of a non-positive-definite
matrix.

Everything here is vectorized across item pairs: the contingency tables of all pairs come from one matrix
product of one-hot codes, and the polychoric correlations of all pairs are solved together by a safeguarded
Newton iteration on a vectorized bivariate normal distribution function (Genz's algorithm).

>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(1)
>>> z = rng.multivariate_normal([0, 0], [[1, 0.5], [0.5, 1]], size=2000)
>>> X = pd.DataFrame(np.digitize(z, [-1, 0, 1]) + 1, columns=["a", "b"])
>>> res = correlation_matrix(X, "polychoric")
>>> round(float(res.matrix.loc["a", "b"]), 1)
0.5
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ._threads import single_thread
from .exceptions import DataError, EstimationWarning

__all__ = [
    "CorrelationResult",
    "correlation_matrix",
    "pearson",
    "polychoric",
    "cor_smooth",
    "is_positive_definite",
    "bvn_cdf",
    "METHODS",
]

#: accepted values of ``method``
METHODS = ("pearson", "polychoric", "tetrachoric")

ProgressCallback = Callable[[str, int, int], None]

_SQRT2 = np.sqrt(2.0)
_TWO_PI = 2.0 * np.pi
# Gauss-Legendre rules on [-1, 1] with Genz's (2004) choice of order by |rho| (6 below 0.3, 12 below 0.75,
# 20 above): about 1e-15 absolute accuracy for the BVN integrands below
_GL6 = np.polynomial.legendre.leggauss(6)
_GL12 = np.polynomial.legendre.leggauss(12)
_GL20 = np.polynomial.legendre.leggauss(20)
_GL_X, _GL_W = _GL20




# --------------------------------------------------------------------------------------------------------
# Result
# --------------------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class CorrelationResult:
    """A correlation matrix with how it was computed.

    Attributes
    ----------
    matrix
        Items x items correlations (unit diagonal), labelled with the item ids.
    method
        ``"pearson"``, ``"polychoric"`` or ``"tetrachoric"``.
    n_obs
        Rows that answered at least one of the items (for listwise Pearson: complete rows).
    pairwise_n
        Items x items number of respondents who answered both items (unweighted counts).
    thresholds
        Polychoric/tetrachoric only: item -> thresholds on the latent normal scale between its observed
        categories, ``qnorm`` of the cumulative proportions of the item's answers (psych ``tau``).
    smoothed
        Whether the matrix was not positive definite and was smoothed (psych ``cor.smooth``).
    missing
        ``"pairwise"`` or ``"listwise"``.
    weighted
        Whether survey weights were used.
    rows_in
        Rows of the data given.
    excluded
        Reason -> number of rows left out (rows with no answer to any item; incomplete rows for listwise).
    thresholds_mode
        Polychoric only: ``"global"`` (each item's thresholds from all its answers, as psych when every item
        has the same highest code), ``"pairwise"`` (thresholds from each pair's table after the 0.5
        correction, psych ``global=FALSE``), or ``"tetrachoric"`` (binary items, psych ``tetrachoric``).
    corrected_cells
        Polychoric only: number of empty cells that received the continuity correction.
    """

    matrix: pd.DataFrame
    method: str
    n_obs: int
    pairwise_n: pd.DataFrame
    thresholds: dict[str, list[float]] = field(default_factory=dict)
    smoothed: bool = False
    missing: str = "pairwise"
    weighted: bool = False
    rows_in: int = 0
    excluded: dict[str, int] = field(default_factory=dict)
    thresholds_mode: str | None = None
    corrected_cells: int = 0

    @property
    def items(self) -> list[str]:
        """Item ids in matrix order."""
        return [str(c) for c in self.matrix.columns]

    def to_frame(self) -> pd.DataFrame:
        """The correlation matrix (items x items)."""
        return self.matrix.copy()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``items``, ``matrix`` (rows in ``items`` order), ``thresholds.<id>`` (polychoric),
        ``method``, ``n_obs``, ``pairwise_n``, ``smoothed``, ``missing``, ``weighted``, ``rows_in``,
        ``excluded``."""
        d: dict[str, Any] = {
            "method": self.method,
            "items": self.items,
            "matrix": [[_num(v) for v in row] for row in self.matrix.to_numpy().tolist()],
            "n_obs": int(self.n_obs),
            "rows_in": int(self.rows_in),
            "excluded": {k: int(v) for k, v in self.excluded.items()},
            "missing": self.missing,
            "weighted": bool(self.weighted),
            "smoothed": bool(self.smoothed),
            "pairwise_n": [[int(v) for v in row] for row in self.pairwise_n.to_numpy().tolist()],
        }
        if self.method != "pearson":
            d["thresholds"] = {k: [_num(t) for t in v] for k, v in self.thresholds.items()}
            d["thresholds_mode"] = self.thresholds_mode
            d["corrected_cells"] = int(self.corrected_cells)
        return d

    def summary(self, digits: int = 2, max_items: int = 30, lang: str = "en") -> str:
        """The method, respondents and the lower triangle of the matrix with ``digits`` decimals (a line of its
        range instead beyond ``max_items`` items), then the thresholds: a Summary document rendered by the one
        text renderer."""
        from .summary.sections import summary_text

        return summary_text("correlate", self, lang=lang, digits=digits, max_items=max_items)


def _num(v: float) -> float | None:
    f = float(v)
    return None if not np.isfinite(f) else f



# --------------------------------------------------------------------------------------------------------
# Public entry point
# --------------------------------------------------------------------------------------------------------
def correlation_matrix(
    X: pd.DataFrame,
    method: str = "pearson",
    *,
    missing: str = "pairwise",
    weights: Sequence[float] | np.ndarray | pd.Series | None = None,
    correct: float = 0.5,
    smooth: bool | None = None,
    progress: ProgressCallback | None = None,
    global_thresholds: bool | None = None,
    max_categories: int = 10,
) -> CorrelationResult:
    r"""Correlation matrix of survey items.

    Parameters
    ----------
    X
        Numeric answers, one column per item (codes; missing answers as NaN).
    method
        ``"pearson"``, ``"polychoric"`` or ``"tetrachoric"``. ``"polychoric"`` on items that are all binary
        follows psych ``tetrachoric``.
    missing
        ``"pairwise"`` (each correlation from the respondents who answered both items, R
        ``cor(x, use="pairwise")``) or ``"listwise"`` (only respondents who answered every item).
    weights
        Optional survey weights (one per row, non-negative). Pearson: weighted moments; polychoric: weighted
        tables and weighted marginal proportions.
    correct
        Polychoric/tetrachoric continuity correction for empty cells (psych ``correct=0.5``); 0 turns it
        off. See Notes for exactly where psych applies it.
    smooth
        Smooth a matrix that is not positive definite as psych ``cor.smooth`` (eigenvalues below 1e-12 set to
        1e-10, rescaled to sum p, back to a correlation matrix). A positive definite matrix is never
        changed. ``None`` (default) does what psych does: polychoric and tetrachoric matrices are smoothed,
        Pearson matrices are not (R ``cor`` and psych ``fa``, ``KMO``, ``cortest.bartlett`` use them as they
        are); a pairwise Pearson matrix that is not positive definite then gets a warning.
    progress
        Optional callback ``progress(label, done, total)``.
    global_thresholds
        Polychoric: ``None`` decides as psych (global thresholds when every item has the same highest
        observed code, else per-pair thresholds); ``True``/``False`` forces one.
    max_categories
        Polychoric: refuse items with more distinct answers than this (use Pearson for such items).

    Returns
    -------
    CorrelationResult

    Raises
    ------
    DataError
        Non-numeric columns, an item with no variance, invalid weights, non-integer codes or too many
        categories for polychoric.

    Notes
    -----
    Pearson, pairwise: for items :math:`i, j` and the set :math:`S_{ij}` of rows answering both,
    :math:`r_{ij} = \sum_{S_{ij}} (x_i - \bar x_i)(x_j - \bar x_j) / \sqrt{\sum_{S_{ij}} (x_i - \bar x_i)^2
    \sum_{S_{ij}} (x_j - \bar x_j)^2}` with the means over :math:`S_{ij}` (R ``cor(use="pairwise")``).

    Polychoric (Olsson 1979, two-step): item :math:`i` with categories :math:`1..K_i` is a cut normal
    variable with thresholds :math:`\tau_{ik} = \Phi^{-1}(\sum_{c \le k} p_{ic})`. With thresholds fixed,
    :math:`\rho_{ij}` maximizes :math:`\sum_{a,b} n_{ab} \log P_{ab}(\rho)`, :math:`P_{ab}` the
    bivariate normal probability of cell :math:`(a, b)`. As psych 2.2.9:

    * ``global`` mode (every item has the same highest observed code): thresholds from all answers to the
      item; the table of each pair (pairwise complete) is used as is: empty cells add nothing to the
      likelihood, and ``correct`` is not applied (psych ``polyc`` with ``global=TRUE``).
    * ``pairwise`` mode (items differ in their highest code): per pair, empty rows and columns are dropped,
      empty cells get ``correct / N`` (a proportion), and the thresholds come from that table's margins.
    * tetrachoric (all items binary, psych ``tetrachoric``): global thresholds; a 2 x 2 table with an empty
      cell gets ``correct`` in that cell (a count).

    psych finds :math:`\rho` with ``optimize`` (tolerance about 1e-4); here a safeguarded Newton iteration
    solves the score equation to 1e-10, so results agree with psych to about 1e-4.

    References
    ----------
    Olsson, U. (1979). Maximum likelihood estimation of the polychoric correlation coefficient.
    Psychometrika, 44, 443-460. Genz, A. (2004). Numerical computation of rectangular bivariate and
    trivariate normal and t probabilities. Statistics and Computing, 14, 251-260. Revelle, W. psych:
    ``polychoric``, ``tetrachoric``, ``cor.smooth``.
    """
    with single_thread(X.shape[1] if hasattr(X, "shape") and len(X.shape) == 2 else 0):
        return _correlation_matrix(X, method, missing=missing, weights=weights, correct=correct, smooth=smooth,
                                   progress=progress, global_thresholds=global_thresholds,
                                   max_categories=max_categories)


def _correlation_matrix(X: Any, method: str, *, missing: str, weights: Any, correct: float, smooth: bool | None,
                        progress: ProgressCallback | None, global_thresholds: bool | None, max_categories: int
                        ) -> CorrelationResult:
    if method not in METHODS:
        raise DataError(f"unknown correlation method {method!r}; use one of {', '.join(METHODS)}")
    if missing not in ("pairwise", "listwise"):
        raise DataError(f"unknown missing-data rule {missing!r}; use 'pairwise' or 'listwise'")
    x, items = _numeric_array(X)
    rows_in = x.shape[0]
    w = _weights(weights, rows_in)
    answered = ~np.isnan(x)
    any_answer = answered.any(axis=1)
    excluded: dict[str, int] = {"no answer to any item": int((~any_answer).sum())}
    if missing == "listwise":
        complete = answered.all(axis=1)
        excluded["incomplete (listwise)"] = int((any_answer & ~complete).sum())
        keep = complete
    else:
        keep = any_answer
    if w is not None:
        zero_w = keep & (w == 0)
        if zero_w.any():
            excluded["zero weight"] = int(zero_w.sum())
            keep = keep & (w > 0)
    x = x[keep]
    w = None if w is None else w[keep]
    n_obs = int(x.shape[0])
    if n_obs < 2:
        raise DataError(f"only {n_obs} respondent(s) answered the items {_names(items)}; correlations need "
                        "at least 2")
    _check_variance(x, items)

    if method == "pearson":
        r, pn = _pearson_pairwise(x, w)
        thresholds: dict[str, list[float]] = {}
        mode = None
        fixed = 0
    else:
        poly = _polychoric(x, items, w, correct=correct, method=method, global_thresholds=global_thresholds,
                           max_categories=max_categories, progress=progress)
        r, pn, thresholds, mode, fixed = poly
        if mode == "tetrachoric":
            method = "tetrachoric"
        if fixed and correct > 0:
            warnings.warn(f"{fixed} empty cells of the {method} tables were adjusted by the continuity "
                          f"correction ({correct}); check items with rarely used answers", EstimationWarning,
                          stacklevel=2)

    smoothed = False
    if np.isnan(r).any():
        bad = sorted({items[i] for i in np.flatnonzero(np.isnan(r).any(axis=1))})
        warnings.warn(f"some correlations could not be computed (no respondents answered both items, or one "
                      f"item did not vary among them): {_names(bad)}; smoothing turned off",
                      EstimationWarning, stacklevel=2)
    elif smooth or (smooth is None and method != "pearson"):
        r, smoothed = cor_smooth(r, return_flag=True)
        if smoothed:
            warnings.warn(f"the {method} correlation matrix of {_names(items)} was not positive definite and "
                          "was smoothed (psych cor.smooth)", EstimationWarning, stacklevel=2)
    elif not is_positive_definite(r):
        warnings.warn(f"the {missing} Pearson correlation matrix of {_names(items)} is not positive definite "
                      "(items answered by different respondents); KMO, Bartlett's test and factor analysis may "
                      "fail: use listwise deletion, leave out rarely answered items, or smooth it",
                      EstimationWarning, stacklevel=2)
    mat = pd.DataFrame(r, index=items, columns=items)
    pairwise_n = pd.DataFrame(pn.astype(np.int64), index=items, columns=items)
    return CorrelationResult(matrix=mat, method=method, n_obs=n_obs, pairwise_n=pairwise_n,
                             thresholds=thresholds, smoothed=smoothed, missing=missing, weighted=w is not None,
                             rows_in=rows_in, excluded=excluded, thresholds_mode=mode, corrected_cells=int(fixed))


def pearson(X: pd.DataFrame, *, missing: str = "pairwise",
            weights: Sequence[float] | np.ndarray | pd.Series | None = None, smooth: bool | None = None
            ) -> CorrelationResult:
    """Pearson correlations (shortcut for ``correlation_matrix(X, "pearson", ...)``)."""
    return correlation_matrix(X, "pearson", missing=missing, weights=weights, smooth=smooth)


def polychoric(X: pd.DataFrame, *, weights: Sequence[float] | np.ndarray | pd.Series | None = None,
               correct: float = 0.5, smooth: bool | None = None, progress: ProgressCallback | None = None
               ) -> CorrelationResult:
    """Polychoric correlations (shortcut for ``correlation_matrix(X, "polychoric", ...)``)."""
    return correlation_matrix(X, "polychoric", weights=weights, correct=correct, smooth=smooth, progress=progress)


# --------------------------------------------------------------------------------------------------------
# Input checks
# --------------------------------------------------------------------------------------------------------
def _names(items: Sequence[str], limit: int = 8) -> str:
    items = list(items)
    s = ", ".join(map(str, items[:limit]))
    return s + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _numeric_array(X: pd.DataFrame | np.ndarray) -> tuple[np.ndarray, list[str]]:
    if isinstance(X, np.ndarray):
        X = pd.DataFrame(X, columns=[f"V{i + 1}" for i in range(X.shape[1])] if X.ndim == 2 else None)
    if not isinstance(X, pd.DataFrame):
        raise DataError("correlations need a table of answers (a DataFrame with one column per item)")
    items = [str(c) for c in X.columns]
    if len(items) < 2:
        raise DataError(f"correlations need at least 2 items; got {len(items)} ({_names(items)})")
    if len(set(items)) != len(items):
        dup = sorted({i for i in items if items.count(i) > 1})
        raise DataError(f"item(s) {_names(dup)} appear more than once; list each item once")
    bad = [str(c) for c in X.columns if not (pd.api.types.is_numeric_dtype(X[c]) or pd.api.types.is_bool_dtype(X[c]))]
    if bad:
        raise DataError(f"item(s) {_names(bad)} hold text, not numeric codes; import the export with "
                        "'surveytools import' so answer labels become codes")
    x = X.to_numpy(dtype=float, na_value=np.nan)
    if np.isinf(x).any():
        cols = [items[j] for j in np.where(np.isinf(x).any(axis=0))[0]]
        raise DataError(f"item(s) {_names(cols)} contain infinite values; fix the data")
    return x, items


def _weights(weights: Any, n: int) -> np.ndarray | None:
    if weights is None:
        return None
    w = np.asarray(weights, dtype=float).ravel()
    if w.shape[0] != n:
        raise DataError(f"got {w.shape[0]} weights for {n} respondents; give one weight per respondent")
    if not np.isfinite(w).all() or (w < 0).any():
        raise DataError("survey weights must be finite and non-negative; fix the weight column")
    if not (w > 0).any():
        raise DataError("every survey weight is zero; fix the weight column")
    return w


def _check_variance(x: np.ndarray, items: Sequence[str]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        lo = np.nanmin(x, axis=0)
        hi = np.nanmax(x, axis=0)
    flat = [(items[j], lo[j]) for j in range(x.shape[1]) if not (hi[j] > lo[j])]
    if flat:
        desc = [f"{name} (no answers)" if np.isnan(v) else f"{name} (every answer is {v:g})" for name, v in flat]
        raise DataError(f"item(s) without variance cannot be correlated: {', '.join(desc)}; leave them out "
                        "with --items")


# --------------------------------------------------------------------------------------------------------
# Pearson
# --------------------------------------------------------------------------------------------------------
def _pearson_pairwise(x: np.ndarray, w: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Pairwise-complete (optionally weighted) Pearson correlations and pairwise counts, from 4 matmuls
    (one when nothing is missing)."""
    with single_thread(x.shape[1]):
        return _pearson_pairwise_impl(x, w)


def _pearson_pairwise_impl(x: np.ndarray, w: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    n, p = x.shape
    if not np.isnan(x).any():
        if w is None:
            xc = x - x.mean(axis=0)
            c = xc.T @ xc
        else:
            xc = x - (w @ x) / w.sum()
            c = (xc * w[:, None]).T @ xc
        with np.errstate(divide="ignore", invalid="ignore"):
            d = 1.0 / np.sqrt(np.diag(c))
            r = c * d[:, None] * d[None, :]
        r = np.clip((r + r.T) / 2.0, -1.0, 1.0)
        np.fill_diagonal(r, 1.0)
        return r, np.full((p, p), float(n))
    m = (~np.isnan(x)).astype(float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        center = np.nanmean(x, axis=0)
    x0 = np.where(m > 0, x - center, 0.0)  # centring first keeps the sums free of cancellation
    counts = m.T @ m
    if w is not None:
        mw = m * w[:, None]
        xw = x0 * w[:, None]
    else:
        mw, xw = m, x0
    sw = mw.T @ m                    # sum of weights over rows answering both
    sx = xw.T @ m                    # sx[i, j] = sum over rows answering i and j of w x_i
    sxx = (xw * x0).T @ m            # sxx[i, j] = sum of w x_i^2
    sxy = xw.T @ x0                  # sum of w x_i x_j
    with np.errstate(divide="ignore", invalid="ignore"):
        cov = sxy - sx * sx.T / sw
        var = sxx - sx * sx / sw
        r = cov / np.sqrt(var * var.T)
    r[(counts < 2) | ~np.isfinite(r)] = np.nan
    r = np.clip(r, -1.0, 1.0)
    r = (r + r.T) / 2.0
    np.fill_diagonal(r, 1.0)
    return r, counts


# --------------------------------------------------------------------------------------------------------
# Smoothing
# --------------------------------------------------------------------------------------------------------
def is_positive_definite(R: np.ndarray | pd.DataFrame) -> bool:
    """Whether the smallest eigenvalue of a symmetric matrix exceeds machine epsilon (psych's test)."""
    a = np.asarray(R, dtype=float)
    return bool(np.linalg.eigvalsh(a)[0] >= np.finfo(float).eps)


def cor_smooth(R: np.ndarray | pd.DataFrame, eig_tol: float = 1e-12, *, return_flag: bool = False) -> Any:
    r"""Smooth a correlation matrix that is not positive definite, as psych ``cor.smooth``.

    When the smallest eigenvalue is below machine epsilon, eigenvalues below ``eig_tol`` are set to
    ``100 * eig_tol``, all eigenvalues are rescaled to sum to p, the matrix is rebuilt as
    :math:`V \Lambda V'` and turned back into a correlation matrix (``cov2cor``). A positive definite matrix
    is returned unchanged.

    Parameters
    ----------
    R
        Symmetric correlation matrix (array or DataFrame; labels are kept).
    eig_tol
        Eigenvalues below this are replaced.
    return_flag
        Also return whether the matrix was changed.
    """
    labels = (R.index, R.columns) if isinstance(R, pd.DataFrame) else None
    a = np.asarray(R, dtype=float)
    vals, vecs = np.linalg.eigh(a)
    changed = bool(vals[0] < np.finfo(float).eps)
    if changed:
        vals = np.where(vals < eig_tol, 100 * eig_tol, vals)
        vals = vals * a.shape[0] / vals.sum()
        a = (vecs * vals) @ vecs.T
        d = 1.0 / np.sqrt(np.diag(a))
        a = a * d[:, None] * d[None, :]
        a = (a + a.T) / 2.0
        np.fill_diagonal(a, 1.0)
    out: Any = pd.DataFrame(a, index=labels[0], columns=labels[1]) if labels is not None else a
    return (out, changed) if return_flag else out


# --------------------------------------------------------------------------------------------------------
# Bivariate normal
# --------------------------------------------------------------------------------------------------------
def _phi(x: np.ndarray) -> np.ndarray:
    from scipy import special  # imported by the polychoric path only (about 0.5 s of start-up)

    return special.ndtr(x)


def _bvn_upper(h: np.ndarray, k: np.ndarray, r: np.ndarray, group: np.ndarray | None = None) -> np.ndarray:
    """P(X > h, Y > k) for standard bivariate normals with correlation r (finite h, k; |r| <= 1).

    Vectorized form of the Drezner-Wesolowsky / Genz (2004) method: for |r| < 0.925 Gauss-Legendre (6, 12
    or 20 points) on Sheppard's integral over asin(r); otherwise the singularity at |r| = 1 is removed
    analytically before integrating. With ``group``, ``r`` holds one correlation per group and element i
    uses ``r[group[i]]`` (the sines of the quadrature are then computed once per group).
    """
    h = np.asarray(h, float)
    k = np.asarray(k, float)
    r = np.asarray(r, float)
    if group is None:
        h, k, r = np.broadcast_arrays(h, k, r)
        r_el = r
        group = None
    else:
        r_el = r[group]
    out = np.empty(h.shape, dtype=float)
    ar = np.abs(r_el)
    for lo_r, hi_r, (gx, gw) in ((0.0, 0.3, _GL6), (0.3, 0.75, _GL12), (0.75, 0.925, _GL20)):
        small = (ar >= lo_r) & (ar < hi_r)
        if not small.any():
            continue
        hs, ks = h[small], k[small]
        hk = hs * ks
        half_sq = (hs * hs + ks * ks) / 2.0
        if group is None:
            asr = np.arcsin(r_el[small])
            sn = np.sin(asr[:, None] * (gx[None, :] + 1.0) / 2.0)
        else:
            g_asr = np.arcsin(r)
            g_sn = np.sin(g_asr[:, None] * (gx[None, :] + 1.0) / 2.0)
            gs = group[small]
            asr = g_asr[gs]
            sn = g_sn[gs]
        terms = np.exp((sn * hk[:, None] - half_sq[:, None]) / (1.0 - sn * sn))
        out[small] = (terms @ gw) * asr / (4.0 * np.pi) + _phi(-hs) * _phi(-ks)
    big = ar >= 0.925
    if big.any():
        hb, kb, rb = h[big], k[big].copy(), r_el[big]
        neg = rb < 0
        kb[neg] = -kb[neg]
        hk = hb * kb
        bvn = np.zeros(hb.shape)
        inner = np.abs(rb) < 1.0
        if inner.any():
            hi, ki, hki, ri = hb[inner], kb[inner], hk[inner], rb[inner]
            as_ = (1.0 - ri) * (1.0 + ri)
            a = np.sqrt(as_)
            bs = (hi - ki) ** 2
            c = (4.0 - hki) / 8.0
            d = (12.0 - hki) / 16.0
            asr = -(bs / as_ + hki) / 2.0
            with np.errstate(over="ignore", under="ignore"):
                v = np.where(asr > -100.0,
                             a * np.exp(asr) * (1.0 - c * (bs - as_) * (1.0 - d * bs / 5.0) / 3.0
                                                + c * d * as_ * as_ / 5.0), 0.0)
                b = np.sqrt(bs)
                corr = np.exp(-hki / 2.0) * np.sqrt(_TWO_PI) * _phi(-b / a) * b * (1.0 - c * bs * (1.0 - d * bs / 5.0) / 3.0)
                v = v - np.where(hki > -100.0, corr, 0.0)
                ah = a / 2.0
                xs = (ah[:, None] * (_GL_X[None, :] + 1.0)) ** 2
                rs_ = np.sqrt(1.0 - xs)
                asr2 = -(bs[:, None] / xs + hki[:, None]) / 2.0
                f = np.exp(asr2) * (np.exp(-hki[:, None] * (1.0 - rs_) / (2.0 * (1.0 + rs_))) / rs_
                                    - (1.0 + c[:, None] * xs * (1.0 + d[:, None] * xs)))
                f = np.where(asr2 > -100.0, f, 0.0)
                v = v + ah * (f @ _GL_W)
            bvn[inner] = -v / _TWO_PI
        pos = ~neg
        bvn[pos] = bvn[pos] + _phi(-np.maximum(hb[pos], kb[pos]))
        bvn[neg] = -bvn[neg] + np.maximum(0.0, _phi(-hb[neg]) - _phi(-kb[neg]))
        out[big] = bvn
    return np.clip(out, 0.0, 1.0)


def bvn_cdf(x: np.ndarray | float, y: np.ndarray | float, rho: np.ndarray | float) -> np.ndarray:
    r"""Bivariate standard normal distribution function :math:`\Phi_2(x, y; \rho) = P(X \le x, Y \le y)`.

    Vectorized over broadcast arrays; infinite limits are allowed; absolute error about 1e-15 (Genz 2004).

    Examples
    --------
    >>> float(bvn_cdf(0.0, 0.0, 0.5))  # 1/4 + asin(0.5) / (2 pi) = 1/3
    0.3333333333333333
    """
    x, y, rho = np.broadcast_arrays(np.asarray(x, float), np.asarray(y, float), np.asarray(rho, float))
    out = np.zeros(x.shape)
    fin = np.isfinite(x) & np.isfinite(y)
    if fin.any():
        out[fin] = _bvn_upper(-x[fin], -y[fin], np.clip(rho[fin], -1.0, 1.0))
    xinf = np.isposinf(x)
    yinf = np.isposinf(y)
    out[xinf & np.isfinite(y)] = _phi(y[xinf & np.isfinite(y)])
    out[yinf & np.isfinite(x)] = _phi(x[yinf & np.isfinite(x)])
    out[xinf & yinf] = 1.0
    out[np.isneginf(x) | np.isneginf(y)] = 0.0
    return out if out.ndim else out[()]


def _bvn_pdf(x: np.ndarray, y: np.ndarray, rho: np.ndarray) -> np.ndarray:
    one = 1.0 - rho * rho
    return np.exp(-(x * x - 2.0 * rho * x * y + y * y) / (2.0 * one)) / (_TWO_PI * np.sqrt(one))


# --------------------------------------------------------------------------------------------------------
# Polychoric
# --------------------------------------------------------------------------------------------------------
def _qnorm(p: np.ndarray) -> np.ndarray:
    from scipy import special

    return special.ndtri(np.clip(p, 0.0, 1.0))


def _categories(x: np.ndarray, items: Sequence[str], max_categories: int
                ) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """Category index per answer (-1 when missing), categories per item, and each item's observed codes."""
    ok = ~np.isnan(x)
    vals = x[ok]
    if not np.allclose(vals, np.round(vals)):
        cols = [items[j] for j in range(x.shape[1]) if not np.allclose(x[ok[:, j], j], np.round(x[ok[:, j], j]))]
        raise DataError(f"polychoric correlations need whole-number answer codes; item(s) {_names(cols)} have "
                        "fractions; use --method pearson")
    gmin = vals.min()
    span = int(vals.max() - gmin) + 1
    p = x.shape[1]
    codes = np.where(ok, np.round(x - gmin), 0).astype(np.int64)
    if span > 1000:
        raise DataError(f"item codes span {span} values; polychoric correlations need a few ordered categories; "
                        "use --method pearson")
    present = np.zeros((span, p), dtype=bool)
    cols = np.broadcast_to(np.arange(p), x.shape)
    present[codes[ok], cols[ok]] = True
    n_cat = present.sum(axis=0)
    too_many = [f"{items[j]} ({n_cat[j]})" for j in range(p) if n_cat[j] > max_categories]
    if too_many:
        raise DataError(f"polychoric correlations need at most {max_categories} answer categories per item; "
                        f"{_names(too_many)} have more; use --method pearson")
    rank = np.cumsum(present, axis=0) - 1          # code -> category index, per item
    cat = np.where(ok, rank[codes, cols], -1)
    observed = [np.flatnonzero(present[:, j]) + gmin for j in range(p)]
    return cat, n_cat, observed


def _polychoric(x: np.ndarray, items: list[str], w: np.ndarray | None, *, correct: float, method: str,
                global_thresholds: bool | None, max_categories: int, progress: ProgressCallback | None
                ) -> tuple[np.ndarray, np.ndarray, dict[str, list[float]], str, int]:
    n, p = x.shape
    cat, n_cat, observed = _categories(x, items, max_categories)
    K = int(n_cat.max())
    binary = bool((n_cat == 2).all())
    if method == "tetrachoric" and not binary:
        many = [items[j] for j in range(p) if n_cat[j] != 2]
        raise DataError(f"tetrachoric correlations need binary items; {_names(many)} have more than 2 answer "
                        "values; use --method polychoric")
    # one-hot codes: column j*K + c is 1 when item j has category c
    onehot = np.zeros((n, p * K), dtype=np.float32 if w is None else np.float64)
    rows, cols = np.nonzero(cat >= 0)
    onehot[rows, cols * K + cat[rows, cols]] = 1.0
    answered = (cat >= 0).astype(np.float32)
    pn = (answered.T @ answered).astype(np.float64)
    if w is None:
        cross = (onehot.T @ onehot).astype(np.float64)
        marg = onehot.sum(axis=0, dtype=np.float64).reshape(p, K)
    else:
        cross = (onehot * w[:, None]).T @ onehot
        marg = (onehot * w[:, None]).sum(axis=0).reshape(p, K)
    # item thresholds from all of each item's answers (psych tau), padded with +inf beyond K_i - 1
    cum = np.cumsum(marg, axis=1) / marg.sum(axis=1, keepdims=True)
    tau = _qnorm(cum[:, :-1])
    pad = np.arange(K - 1)[None, :] >= (n_cat[:, None] - 1)
    tau[pad] = np.inf
    thresholds = {items[j]: [float(t) for t in tau[j, : n_cat[j] - 1]] for j in range(p)}

    iu, ju = np.triu_indices(p, 1)
    tables = cross.reshape(p, K, p, K).transpose(0, 2, 1, 3)[iu, ju]       # (pairs, K, K)
    if binary:
        mode = "tetrachoric"
    elif global_thresholds is None:
        top = np.array([o[-1] for o in observed])
        mode = "global" if np.all(top == top[0]) else "pairwise"
    else:
        mode = "global" if global_thresholds else "pairwise"

    fixed = 0
    if mode in ("global", "tetrachoric"):
        a = tau[iu]
        b = tau[ju]
        if mode == "tetrachoric" and correct > 0:
            tot = tables.sum(axis=(1, 2))
            zero = (tables == 0) & (tot > 1)[:, None, None]
            zero[:, 2:, :] = False
            zero[:, :, 2:] = False
            fixed = int(zero.any(axis=(1, 2)).sum())
            tables = np.where(zero, correct, tables)
        valid = tables.sum(axis=(1, 2)) > 0
    else:
        tot = tables.sum(axis=(1, 2))
        with np.errstate(invalid="ignore", divide="ignore"):
            prop = tables / tot[:, None, None]
        prop[tot == 0] = 0.0
        rowmask = prop.sum(axis=2) > 0
        colmask = prop.sum(axis=1) > 0
        # categories that an item has at all are real cells; padding beyond K_i stays out
        rowmask &= np.arange(K)[None, :] < n_cat[iu][:, None]
        colmask &= np.arange(K)[None, :] < n_cat[ju][:, None]
        cell = rowmask[:, :, None] & colmask[:, None, :]
        valid = (rowmask.sum(axis=1) >= 2) & (colmask.sum(axis=1) >= 2) & (tot > 0)
        if correct > 0:
            zero = cell & (prop == 0) & valid[:, None, None]
            fixed = int(zero.any(axis=(1, 2)).sum())
            with np.errstate(divide="ignore", invalid="ignore"):
                prop = np.where(zero, correct / tot[:, None, None], prop)
        tables = prop
        a = _pair_thresholds(prop.sum(axis=2), rowmask)
        b = _pair_thresholds(prop.sum(axis=1), colmask)

    rho = np.full(iu.shape[0], np.nan)
    if valid.any():
        vi = np.flatnonzero(valid)
        rho[vi], stuck, edge = _solve_rho(tables[vi], a[vi], b[vi], progress=progress)
        if edge.any():
            pairs = [f"{items[iu[k]]}-{items[ju[k]]}" for k in vi[edge]]
            warnings.warn(f"the {'tetrachoric' if mode == 'tetrachoric' else 'polychoric'} correlation of "
                          f"{_names(pairs)} is at the boundary (|rho| = 1): the table has an empty cell "
                          "consistent with a perfect relation; look at these items", EstimationWarning,
                          stacklevel=3)
        if stuck.any():
            pairs = [f"{items[iu[k]]}-{items[ju[k]]}" for k in vi[stuck]]
            warnings.warn(f"the polychoric correlation of {_names(pairs)} did not converge; the value shown is "
                          "the last iterate", EstimationWarning, stacklevel=3)
    r = np.eye(p)
    r[iu, ju] = rho
    r[ju, iu] = rho
    return r, pn, thresholds, mode, fixed


def _pair_thresholds(margins: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Thresholds from a pair's (corrected) margins as psych ``polyc`` with ``global=FALSE``.

    Empty categories are dropped (they get zero width); the cumulative sums are not renormalized after the
    correction, exactly as psych; below the first used category -inf, from the last one on +inf.
    """
    K = margins.shape[1]
    cum = np.cumsum(margins, axis=1)[:, :-1]
    idx = np.arange(K - 1)[None, :]
    first = np.argmax(mask, axis=1)[:, None]
    last = (K - 1 - np.argmax(mask[:, ::-1], axis=1))[:, None]
    t = _qnorm(np.clip(cum, 1e-300, 1.0 - 1e-16))
    t = np.where(idx < first, -np.inf, t)
    t = np.where(idx >= last, np.inf, t)
    return t


def _cell_terms(F: np.ndarray) -> np.ndarray:
    return F[:, 1:, 1:] - F[:, :-1, 1:] - F[:, 1:, :-1] + F[:, :-1, :-1]


_RHO_MAX = 1.0 - 1e-6


def _solve_rho(tables: np.ndarray, a: np.ndarray, b: np.ndarray, *, tol: float = 1e-10, max_iter: int = 100,
               progress: ProgressCallback | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Maximum-likelihood rho of every pair at once: safeguarded Newton on the score equation.

    ``tables`` (m, K, K) counts or proportions; ``a`` (m, K-1) row thresholds and ``b`` (m, K-1) column
    thresholds, +-inf allowed. Returns rho (m,), not-converged flags and at-the-bound flags
    (|rho| = ``_RHO_MAX``: the likelihood still rises toward |rho| = 1).
    """
    m, K, _ = tables.shape
    inf = np.full((m, 1), np.inf)
    A = np.concatenate([-inf, a, inf], axis=1)                   # (m, K+1) corner cuts
    B = np.concatenate([-inf, b, inf], axis=1)
    AA = np.broadcast_to(A[:, :, None], (m, K + 1, K + 1))
    BB = np.broadcast_to(B[:, None, :], (m, K + 1, K + 1))
    fin = np.isfinite(AA) & np.isfinite(BB)
    fi = np.nonzero(fin)
    af, bf = AA[fi], BB[fi]
    pair_of = fi[0]
    # corner values that do not depend on rho
    base = np.zeros((m, K + 1, K + 1))
    a_top = np.isposinf(AA) & np.isfinite(BB)
    b_top = np.isposinf(BB) & np.isfinite(AA)
    base[a_top] = _phi(BB[a_top])
    base[b_top] = _phi(AA[b_top])
    base[np.isposinf(AA) & np.isposinf(BB)] = 1.0
    used = tables > 0
    n_tot = tables.sum(axis=(1, 2))

    # start: Pearson correlation of the category ranks in the table, shrunk off the boundary
    cats = np.arange(K, dtype=float)
    pr = tables.sum(axis=2) / n_tot[:, None]
    pc = tables.sum(axis=1) / n_tot[:, None]
    mr = pr @ cats
    mc = pc @ cats
    vr = pr @ cats**2 - mr**2
    vc = pc @ cats**2 - mc**2
    cxy = np.einsum("mab,a,b->m", tables, cats, cats) / n_tot - mr * mc
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = np.clip(np.nan_to_num(cxy / np.sqrt(vr * vc)), -0.9, 0.9)
    lo = np.full(m, -_RHO_MAX)
    hi = np.full(m, _RHO_MAX)
    active = np.ones(m, dtype=bool)
    at_bound = np.zeros(m, dtype=bool)
    done_count = 0
    for it in range(max_iter):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        if it == 15:
            # a pair still moving may have its maximum on the boundary (an empty cell where the table is
            # consistent with |rho| = 1): check the slope at the bounds once
            for bound, sign in ((_RHO_MAX, 1.0), (-_RHO_MAX, -1.0)):
                trial = rho.copy()
                trial[idx] = bound
                sel = np.isin(pair_of, idx)
                g1, _ = _score(trial, idx, tables, base, fi, af, bf, pair_of, sel, used)
                edge = idx[sign * g1 >= 0]
                rho[edge] = bound
                at_bound[edge] = True
                active[edge] = False
                done_count += edge.size
            idx = np.flatnonzero(active)
            if idx.size == 0:
                break
        sel = np.isin(pair_of, idx) if idx.size < m else np.ones(pair_of.shape, bool)
        g1, g2 = _score(rho, idx, tables, base, fi, af, bf, pair_of, sel, used)
        r_act = rho[idx]
        pos = g1 > 0
        lo[idx] = np.where(pos, r_act, lo[idx])
        hi[idx] = np.where(pos, hi[idx], r_act)
        with np.errstate(divide="ignore", invalid="ignore"):
            step = np.where(g2 < 0, -g1 / g2, np.nan)
        new = r_act + step
        small = (np.abs(step) < tol) | (g1 == 0)
        bad = ~small & (~np.isfinite(new) | (new <= lo[idx]) | (new >= hi[idx]))
        new = np.where(bad, (lo[idx] + hi[idx]) / 2.0, np.where(g1 == 0, r_act, new))
        conv = small | ((hi[idx] - lo[idx]) < tol)
        rho[idx] = new
        active[idx[conv]] = False
        done_count += int(conv.sum())
        if progress is not None:
            progress("polychoric correlations", done_count, m)
    return rho, active, at_bound


def _score(rho: np.ndarray, idx: np.ndarray, tables: np.ndarray, base: np.ndarray, fi: tuple[np.ndarray, ...],
           af: np.ndarray, bf: np.ndarray, pair_of: np.ndarray, sel: np.ndarray, used: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray]:
    """First and second derivative of the log-likelihood in rho, for the pairs ``idx``."""
    mloc = idx.size
    local = np.full(rho.shape[0], -1)
    local[idx] = np.arange(mloc)
    pr = pair_of[sel]
    r = rho[pr]
    x, y = af[sel], bf[sel]
    F = base[idx].copy()
    D = np.zeros_like(F)
    D2 = np.zeros_like(F)
    where = (local[pr], fi[1][sel], fi[2][sel])
    F[where] = _bvn_upper(-x, -y, rho[idx], local[pr])
    dens = _bvn_pdf(x, y, r)
    one = 1.0 - r * r
    D[where] = dens
    D2[where] = dens * (r / one + x * y / one - r * (x * x - 2.0 * r * x * y + y * y) / (one * one))
    P = _cell_terms(F)
    P1 = _cell_terms(D)
    P2 = _cell_terms(D2)
    t = tables[idx]
    ui = used[idx]
    u = ui & (P > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        q1 = np.where(u, P1 / P, 0.0)
        q2 = np.where(u, P2 / P, 0.0)
    g1 = (t * q1).sum(axis=(1, 2))
    g2 = (t * (q2 - q1 * q1)).sum(axis=(1, 2))
    # an observed cell with probability 0: the likelihood is 0 here, the maximum lies toward rho = 0
    dead = (ui & (P <= 0)).any(axis=(1, 2))
    if dead.any():
        g1 = np.where(dead, -np.sign(rho[idx]) - (rho[idx] == 0), g1)
        g2 = np.where(dead, np.nan, g2)
    return g1, g2

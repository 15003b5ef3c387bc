"""Is a correlation matrix worth factoring? Kaiser-Meyer-Olkin sampling adequacy and Bartlett's sphericity
test, as R psych ``KMO`` and ``cortest.bartlett``.

>>> import numpy as np
>>> R = np.array([[1, .5, .4], [.5, 1, .3], [.4, .3, 1]])
>>> round(kmo(R).overall, 4)          # psych: KMO(R)$MSA = 0.6278611
0.6279
>>> res = bartlett(R, n=100)           # psych: cortest.bartlett(R, n=100)$chisq = 46.44915
>>> (round(res.chi2, 2), res.df)
(46.45, 3)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..exceptions import DataError, EstimationError

__all__ = ["KMOResult", "BartlettResult", "kmo", "bartlett", "kmo_label"]


def kmo_label(value: float) -> str:
    """Kaiser's (1974) words for a KMO value: marvelous (>= .9), meritorious, middling, mediocre, miserable,
    unacceptable (< .5)."""
    if not np.isfinite(value):
        return "undefined"
    for cut, word in ((0.9, "marvelous"), (0.8, "meritorious"), (0.7, "middling"), (0.6, "mediocre"),
                      (0.5, "miserable")):
        if value >= cut:
            return word
    return "unacceptable"


@dataclass(frozen=True, eq=False)
class KMOResult:
    """Kaiser-Meyer-Olkin measure of sampling adequacy.

    Attributes
    ----------
    overall
        Overall MSA.
    items
        Per-item MSA (index: item ids).
    anti_image
        Anti-image correlation matrix (off-diagonal: minus the partial correlations; diagonal: the item
        MSAs, as SPSS prints it).
    """

    overall: float
    items: pd.Series
    anti_image: pd.DataFrame

    @property
    def label(self) -> str:
        """Kaiser's word for the overall value."""
        return kmo_label(self.overall)

    def to_frame(self) -> pd.DataFrame:
        """Items with their MSA and Kaiser's word."""
        return pd.DataFrame({"msa": self.items, "label": [kmo_label(v) for v in self.items]})

    def to_dict(self) -> dict[str, Any]:
        """``overall``, ``items`` (item -> MSA), ``label``."""
        return {"overall": float(self.overall), "items": {str(k): float(v) for k, v in self.items.items()},
                "label": self.label}

    def summary(self, lang: str = "en") -> str:
        """Overall and per-item MSA with Kaiser's words (a Summary document rendered by the one text renderer)."""
        from ..summary.sections import summary_text

        return summary_text("kmo", self, lang=lang)


@dataclass(frozen=True, eq=False)
class BartlettResult:
    """Bartlett's test that a correlation matrix is an identity matrix.

    Attributes
    ----------
    chi2, df, p
        Statistic, degrees of freedom, upper-tail p value.
    n
        Number of respondents used in the statistic.
    n_items
        Number of items p.
    """

    chi2: float
    df: int
    p: float
    n: int
    n_items: int

    def to_frame(self) -> pd.DataFrame:
        """One row: chi2, df, p, n."""
        return pd.DataFrame([{"chi2": self.chi2, "df": self.df, "p": self.p, "n": self.n}])

    def to_dict(self) -> dict[str, Any]:
        """``chi2``, ``df``, ``p``, ``n``, ``n_items``."""
        return {"chi2": float(self.chi2), "df": int(self.df), "p": float(self.p), "n": int(self.n),
                "n_items": int(self.n_items)}

    def summary(self, lang: str = "en") -> str:
        """Chi-square, df, p, n and items (a Summary document rendered by the one text renderer)."""
        from ..summary.sections import summary_text

        return summary_text("bartlett", self, lang=lang)


def _matrix(R: Any) -> tuple[np.ndarray, list[str]]:
    if hasattr(R, "matrix") and isinstance(R.matrix, pd.DataFrame):  # a CorrelationResult
        R = R.matrix
    if isinstance(R, pd.DataFrame):
        names = [str(c) for c in R.columns]
        a = R.to_numpy(dtype=float)
    else:
        a = np.asarray(R, dtype=float)
        names = [f"V{i + 1}" for i in range(a.shape[0])] if a.ndim == 2 else []
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] < 2:
        raise DataError(f"a square correlation matrix of at least 2 items is needed; got shape {a.shape}")
    if not np.isfinite(a).all():
        bad = sorted({names[i] for i in np.where(~np.isfinite(a))[0]})
        raise DataError(f"the correlation matrix has missing values for {', '.join(bad[:8])}; these items share "
                        "no respondents with others: leave them out")
    if not np.allclose(a, a.T, atol=1e-10):
        raise DataError("the correlation matrix is not symmetric")
    return (a + a.T) / 2.0, names


def _dependent_items(a: np.ndarray, names: list[str]) -> list[str]:
    vals, vecs = np.linalg.eigh(a)
    v = np.abs(vecs[:, 0])
    return [names[i] for i in np.argsort(-v) if v[i] > 0.2][:8]


def kmo(R: Any) -> KMOResult:
    r"""Kaiser-Meyer-Olkin measure of sampling adequacy (overall and per item), as psych ``KMO``.

    Parameters
    ----------
    R
        Correlation matrix (array, DataFrame, or a :class:`~surveytools.correlation.CorrelationResult`).

    Returns
    -------
    KMOResult

    Raises
    ------
    EstimationError
        The matrix is singular (linearly dependent items) or so far from positive definite that an item's
        partial correlations do not exist (psych returns NaN there). A matrix with a negative eigenvalue whose
        inverse has a positive diagonal gets values, as in psych.

    Notes
    -----
    With :math:`Q = R^{-1}` scaled to unit diagonal, the partial correlations are
    :math:`q_{ij} = -Q_{ij}/\sqrt{Q_{ii} Q_{jj}}` and

    .. math:: \mathrm{MSA} = \frac{\sum_{i \ne j} r_{ij}^2}{\sum_{i \ne j} r_{ij}^2 + \sum_{i \ne j} q_{ij}^2},
              \qquad
              \mathrm{MSA}_i = \frac{\sum_{j \ne i} r_{ij}^2}{\sum_{j \ne i} r_{ij}^2 + \sum_{j \ne i} q_{ij}^2}.

    References
    ----------
    Kaiser, H. F. (1970). A second generation little jiffy. Psychometrika, 35, 401-415. Kaiser, H. F., & Rice,
    J. (1974). Little jiffy, mark IV. Educational and Psychological Measurement, 34, 111-117.
    """
    a, names = _matrix(R)
    if np.linalg.cond(a) > 1e14:
        raise EstimationError("the correlation matrix is singular, so KMO's partial correlations do not exist; "
                              "items that may be linear combinations of others: "
                              f"{', '.join(_dependent_items(a, names))}; leave one of them out")
    q = np.linalg.inv(a)
    if (np.diag(q) <= 0).any():
        bad = [names[i] for i in np.flatnonzero(np.diag(q) <= 0)]
        raise EstimationError("the correlation matrix is not positive definite (pairwise deletion?), so KMO's "
                              f"partial correlations do not exist for {', '.join(bad[:8])}; smooth the matrix, "
                              "use listwise deletion or leave out rarely answered items")
    d = 1.0 / np.sqrt(np.diag(q))
    partial = q * d[:, None] * d[None, :]
    r2 = a * a
    q2 = partial * partial
    np.fill_diagonal(r2, 0.0)
    np.fill_diagonal(q2, 0.0)
    overall = r2.sum() / (r2.sum() + q2.sum())
    per_item = r2.sum(axis=0) / (r2.sum(axis=0) + q2.sum(axis=0))
    anti = -partial
    np.fill_diagonal(anti, per_item)
    return KMOResult(overall=float(overall), items=pd.Series(per_item, index=names, name="msa"),
                     anti_image=pd.DataFrame(anti, index=names, columns=names))


def bartlett(R: Any, n: int) -> BartlettResult:
    r"""Bartlett's (1951) test of sphericity, as psych ``cortest.bartlett``.

    Parameters
    ----------
    R
        Correlation matrix (array, DataFrame or CorrelationResult). Its diagonal is taken as 1.
    n
        Number of respondents (psych uses every row of the data; with pairwise correlations that is the
        number of rows, not the smallest pairwise count).

    Returns
    -------
    BartlettResult

    Raises
    ------
    EstimationError
        The determinant is not positive (singular or indefinite matrix).

    Notes
    -----
    .. math:: \chi^2 = -\ln|R| \left(n - 1 - \frac{2p + 5}{6}\right), \qquad df = \frac{p(p-1)}{2}.

    References
    ----------
    Bartlett, M. S. (1951). The effect of standardization on a chi square approximation in factor analysis.
    Biometrika, 38, 337-344.
    """
    a, names = _matrix(R)
    n = int(n)
    p = a.shape[0]
    if n <= 1 + (2 * p + 5) / 6:
        raise DataError(f"Bartlett's test needs more respondents than {1 + (2 * p + 5) / 6:.1f} for {p} items; "
                        f"got n = {n}")
    a = a.copy()
    np.fill_diagonal(a, 1.0)
    sign, logdet = np.linalg.slogdet(a)
    if sign <= 0 or not np.isfinite(logdet) or np.linalg.eigvalsh(a)[0] <= 0:
        raise EstimationError("the correlation matrix is singular or not positive definite, so Bartlett's test "
                              "is undefined; items that may be linear combinations of others, or answered by "
                              f"different respondents: {', '.join(_dependent_items(a, names))}")
    chi2 = -logdet * (n - 1 - (2 * p + 5) / 6)
    df = p * (p - 1) // 2
    return BartlettResult(chi2=float(chi2), df=int(df), p=float(stats.chi2.sf(chi2, df)), n=n, n_items=p)

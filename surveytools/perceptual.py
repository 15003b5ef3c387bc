"""Perceptual maps: correspondence analysis of a segments x attributes table.

:func:`correspondence_analysis` places the rows (segments) and columns (attributes) of a table of
non-negative numbers (counts, percentages or mean ratings) in the same low-dimensional map: rows close to
each other have similar profiles, and a row lies towards the columns it has relatively more of.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .exceptions import DataError

__all__ = ["CorrespondenceResult", "correspondence_analysis"]


@dataclass(frozen=True)
class CorrespondenceResult:
    """Coordinates of a correspondence analysis.

    Attributes
    ----------
    rows, columns
        Principal coordinates (rows x dimensions, columns x dimensions), dimensions named ``Dim1``...
    inertia
        Principal inertias (squared singular values), one per dimension, largest first.
    explained
        Share of the total inertia per dimension (sums to 1 over all dimensions).
    total_inertia
        Pearson's chi-square of the table divided by its grand total.
    """

    rows: pd.DataFrame
    columns: pd.DataFrame
    inertia: np.ndarray
    explained: np.ndarray
    total_inertia: float


def correspondence_analysis(table: pd.DataFrame, n_dims: int = 2) -> CorrespondenceResult:
    """Simple correspondence analysis (Greenacre 2007, ch. 14) by SVD of the standardized residuals.

    With ``P = N / n`` (``n`` the grand total), row masses ``r = P 1``, column masses ``c = P' 1``::

        S = D_r^(-1/2) (P - r c') D_c^(-1/2) = U Sigma V'
        F = D_r^(-1/2) U Sigma        (row principal coordinates)
        G = D_c^(-1/2) V Sigma        (column principal coordinates)

    The principal inertias are ``sigma_k^2``; their sum is ``chi2 / n``. Signs of the dimensions are fixed
    so that the largest absolute column coordinate of each dimension is positive (SVD signs are arbitrary).
    The symmetric map plots ``F`` and ``G`` together (as R's ``ca::ca`` and ``FactoMineR::CA`` do).

    Parameters
    ----------
    table
        Rows x columns of non-negative finite numbers, every row and column with a positive sum.
    n_dims
        Dimensions kept (at most ``min(rows, columns) - 1``).

    Raises
    ------
    DataError
        Negative or missing values, an all-zero row or column, or a table smaller than 2 x 2.

    References
    ----------
    Greenacre, M. (2007). *Correspondence Analysis in Practice* (2nd ed.). Chapman & Hall/CRC.
    """
    n = table.to_numpy(dtype=float)
    if n.ndim != 2 or n.shape[0] < 2 or n.shape[1] < 2:
        raise DataError(f"correspondence analysis needs at least 2 rows and 2 columns, not {n.shape}")
    if not np.isfinite(n).all() or (n < 0).any():
        raise DataError("correspondence analysis needs non-negative numbers without missing values: "
                        "use counts, percentages or ratings on a positive scale")
    if (n.sum(axis=1) <= 0).any() or (n.sum(axis=0) <= 0).any():
        raise DataError("correspondence analysis: a row or column of the table sums to zero; drop it first")
    p = n / n.sum()
    r = p.sum(axis=1)
    c = p.sum(axis=0)
    s = (p - np.outer(r, c)) / np.sqrt(np.outer(r, c))
    u, sv, vt = np.linalg.svd(s, full_matrices=False)
    kmax = min(n.shape) - 1
    sv = sv[:kmax]
    u, v = u[:, :kmax], vt[:kmax].T
    for k in range(kmax):  # sign convention: the largest |column coordinate| is positive
        j = int(np.argmax(np.abs(v[:, k])))
        if v[j, k] < 0:
            u[:, k] *= -1
            v[:, k] *= -1
    d = max(1, min(int(n_dims), kmax))
    f = (u[:, :d] * sv[:d]) / np.sqrt(r)[:, None]
    g = (v[:, :d] * sv[:d]) / np.sqrt(c)[:, None]
    names = [f"Dim{i + 1}" for i in range(d)]
    inertia = sv ** 2
    total = float(inertia.sum())
    return CorrespondenceResult(
        rows=pd.DataFrame(f, index=table.index, columns=names),
        columns=pd.DataFrame(g, index=table.columns, columns=names),
        inertia=inertia[:d], explained=(inertia / total)[:d] if total > 0 else np.zeros(d),
        total_inertia=total)

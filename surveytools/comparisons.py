"""Comparisons of groups (segments, banner columns) on many rows at once: the statistics behind profile
tables and banner tables.

* :func:`group_sums` / :func:`moments`: weighted means, Kish effective sample sizes and squared standard
  errors per group and row, from one pass of matrix products (no loop over respondents or rows);
* :func:`pairwise_tests`: every pair of groups on every row, Welch t for means and the pooled two-proportion
  z test for proportions;
* :func:`adjust_within_rows`: Bonferroni, Holm or Benjamini-Hochberg adjustment of each row's pairwise tests;
  :func:`bh_adjust` over any vector;
* :func:`column_letters`: SPSS CTABLES / Q style letters, each cell listing the groups it is significantly
  higher than.

Formulas (per group g with weights w over the respondents who answered)::

    mean   m = sum(w x) / sum(w);   n_eff = (sum w)^2 / sum(w^2)                     (Kish 1965)
    s^2 = sum(w (x - m)^2) / sum(w) * n_eff / (n_eff - 1);   se^2 = s^2 / n_eff
    Welch  t = (m_a - m_b) / sqrt(se_a^2 + se_b^2),
           df = (se_a^2 + se_b^2)^2 / (se_a^4 / (n_a - 1) + se_b^4 / (n_b - 1))          (n = n_eff)
    z      p = (n_a p_a + n_b p_b) / (n_a + n_b);  z = (p_a - p_b) / sqrt(p (1 - p) (1/n_a + 1/n_b))

Unweighted these are ``scipy.stats.ttest_ind(equal_var=False)`` and ``statsmodels`` ``proportions_ztest``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import stats

from ._threads import single_thread
from .exceptions import DataError

__all__ = ["LETTER_ADJUSTMENTS", "ADJUST_TEXT", "group_sums", "moments", "pairwise_tests", "two_group_tests",
           "adjust_within_rows",
           "bh_adjust", "segment_letter", "column_letters"]

#: Multiple-comparison adjustments of the pairwise column tests (within each row).
LETTER_ADJUSTMENTS: tuple[str, ...] = ("bonferroni", "holm", "bh", "none")
#: How each adjustment is named in text output.
ADJUST_TEXT = {"bonferroni": "Bonferroni within each row", "holm": "Holm within each row",
               "bh": "Benjamini-Hochberg within each row", "none": "no multiple-comparison adjustment"}


def group_sums(X: np.ndarray, G: np.ndarray, w: np.ndarray) -> dict[str, np.ndarray]:
    """Weighted sums per group (k x R) of the rows ``X`` (n x R, NaN = no answer) for the groups ``G`` (n x k,
    0/1 membership) with weights ``w``: counts ``N``, ``W`` = sum w, ``W2`` = sum w^2, ``S0`` = sum w x, and
    ``S1``/``S2`` the first and second sums centred on the total mean (no cancellation for large values).
    Sums over disjoint groups add up, so the rest of the sample is the total minus a group."""
    with single_thread():  # k x n by n x R products with tiny k: threads only synchronize
        return _group_sums(X, G, w)


def _group_sums(X: np.ndarray, G: np.ndarray, w: np.ndarray) -> dict[str, np.ndarray]:
    M = ~np.isnan(X)
    Xz = np.where(M, X, 0.0)
    Mf = M.astype(float)
    wt = w @ Mf
    with np.errstate(invalid="ignore", divide="ignore"):
        centre = np.where(wt > 0, (w @ Xz) / wt, 0.0)
    Xc = Xz - centre
    Xc *= Mf  # missing cells back to 0
    Gw = G * w[:, None]
    counts = np.hstack([G, Gw, G * (w * w)[:, None]]).T @ Mf
    k = G.shape[1]
    S1 = Gw.T @ Xc
    Xc *= Xc
    return {
        "centre": centre,
        "N": counts[:k],
        "W": counts[k:2 * k],
        "W2": counts[2 * k:],
        "S0": Gw.T @ Xz,
        "S1": S1,
        "S2": Gw.T @ Xc,
        "min": np.fmin.reduce(X, axis=0),  # ignores NaN; NaN only for an all-missing column
    }


def moments(W: np.ndarray, W2: np.ndarray, S0: np.ndarray, S1: np.ndarray, S2: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean, Kish n_eff and squared standard error of the mean (s^2 / n_eff) from weighted sums.

    The mean comes from the raw sums (exact for 0/1 data), the variance from sums centred on the total
    mean (no cancellation for large values)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        m_c = np.where(W > 0, S1 / W, np.nan)
        mean = np.where(W > 0, S0 / W, np.nan)
        vpop = np.maximum(np.where(W > 0, S2 / W - m_c ** 2, np.nan), 0.0)
        n_eff = np.where(W2 > 0, W ** 2 / W2, 0.0)
        se2 = np.where(n_eff > 1, vpop / (n_eff - 1.0), np.nan)
    return mean, n_eff, se2


def pairwise_tests(m: np.ndarray, n: np.ndarray, se2: np.ndarray, is_prop: np.ndarray) -> dict[str, np.ndarray]:
    """Every pair of groups (a < b, in ``np.triu_indices`` order) tested on every row.

    ``m``, ``n`` (Kish n_eff) and ``se2`` are k x R; returns pairs x R arrays ``diff`` (a - b), ``statistic``,
    ``df`` (NaN for z) and ``p``: Welch t for means, the pooled two-proportion z test for proportions.
    """
    k = m.shape[0]
    a, b = np.triu_indices(k, 1)
    return two_group_tests(m[a], n[a], se2[a], m[b], n[b], se2[b], is_prop)


def two_group_tests(ma: np.ndarray, na: np.ndarray, sa: np.ndarray, mb: np.ndarray, nb: np.ndarray,
                    sb: np.ndarray, is_prop: np.ndarray) -> dict[str, np.ndarray]:
    """Group a against group b on every row (arrays of any matching shape; ``is_prop`` per row, last axis).

    Means, Kish n_eff and squared standard errors of each side; returns ``diff`` (a - b), ``statistic`` and
    ``p`` (Welch t for means, the pooled two-proportion z test for proportions) and ``df`` (NaN for z).
    """
    diff = ma - mb
    with np.errstate(invalid="ignore", divide="ignore"):
        s2 = sa + sb
        t = diff / np.sqrt(s2)
        df = s2 ** 2 / (sa ** 2 / (na - 1.0) + sb ** 2 / (nb - 1.0))
        ok_t = (na > 1) & (nb > 1) & (s2 > 0)
        t = np.where(ok_t, t, np.nan)
        df = np.where(ok_t, df, np.nan)
        p_t = 2.0 * stats.t.sf(np.abs(t), df)
        pool = (na * ma + nb * mb) / (na + nb)
        z = diff / np.sqrt(pool * (1.0 - pool) * (1.0 / na + 1.0 / nb))
        ok_z = (na > 0) & (nb > 0) & (pool > 0) & (pool < 1)
        z = np.where(ok_z, z, np.nan)
        p_z = 2.0 * stats.norm.sf(np.abs(z))
    prop = np.broadcast_to(np.asarray(is_prop, dtype=bool), diff.shape)
    return {"diff": diff, "statistic": np.where(prop, z, t), "df": np.where(prop, np.nan, df),
            "p": np.where(prop, p_z, p_t)}


def adjust_within_rows(p: np.ndarray, method: str) -> np.ndarray:
    """Adjust the pairwise p-values (pairs x R) of each row for multiple comparisons (``method`` one of
    :data:`LETTER_ADJUSTMENTS`).

    NaN p-values (tests that could not be made) are left out of the count and stay NaN. Bonferroni:
    ``min(1, m p)``; Holm: ``max_{j <= i} min(1, (m - j + 1) p_(j))``; Benjamini-Hochberg:
    ``min_{j >= i} min(1, m p_(j) / j)``, with ``m`` the number of tests in the row.
    """
    if method == "none":
        return p.copy()
    m = np.isfinite(p).sum(axis=0)[None, :].astype(float)
    if method == "bonferroni":
        return np.where(np.isfinite(p), np.minimum(1.0, p * m), np.nan)
    order = np.argsort(np.where(np.isfinite(p), p, np.inf), axis=0, kind="stable")
    ps = np.take_along_axis(p, order, axis=0)
    rank = np.arange(1, p.shape[0] + 1, dtype=float)[:, None]
    valid = rank <= m
    if method == "holm":
        adj = np.where(valid, ps * (m - rank + 1.0), -np.inf)
        adj = np.minimum(1.0, np.maximum.accumulate(adj, axis=0))
    else:  # bh
        adj = np.where(valid, ps * m / rank, np.inf)
        adj = np.minimum(1.0, np.minimum.accumulate(adj[::-1], axis=0)[::-1])
    adj = np.where(valid, adj, np.nan)
    out = np.empty_like(adj)
    np.put_along_axis(out, order, adj, axis=0)
    return out

def column_letters(diff: np.ndarray, p_adj: np.ndarray, letter_of: Sequence[str], alpha: float) -> np.ndarray:
    """Letters per group and row (k x R): the groups each cell is significantly higher than.

    ``diff`` and ``p_adj`` are the pairs x R arrays of :func:`pairwise_tests` (a < b in ``np.triu_indices``
    order); letters come in group order (``"BD"``, never ``"DB"``).
    """
    k = len(letter_of)
    higher = np.isfinite(p_adj) & (p_adj < alpha)
    ai, bi = np.triu_indices(k, 1)
    up = higher & (diff > 0)       # a significantly higher than b
    down = higher & (diff < 0)     # b significantly higher than a
    letters = np.full((k, diff.shape[1]), "", dtype=object)
    # k(k-1)/2 pairs, vectorized over rows; triu order appends each cell's letters in group order
    for j, (a, b) in enumerate(zip(ai, bi, strict=True)):
        letters[a] = np.where(up[j], letters[a] + letter_of[b], letters[a])
        letters[b] = np.where(down[j], letters[b] + letter_of[a], letters[b])
    return letters


def bh_adjust(p: np.ndarray | Sequence[float]) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (NaN entries are left out of the count and stay NaN).

    ``p_adj(i) = min_{j >= i} min(1, m p_(j) / j)`` over the ``m`` finite p-values sorted ascending; equal to
    ``statsmodels.stats.multitest.multipletests(p, method="fdr_bh")[1]``.
    """
    arr = np.asarray(p, dtype=float)
    out = np.full(arr.shape, np.nan)
    ok = np.isfinite(arr)
    m = int(ok.sum())
    if m == 0:
        return out
    ps = arr[ok]
    order = np.argsort(ps, kind="stable")
    ranked = ps[order] * m / np.arange(1, m + 1)
    ranked = np.minimum.accumulate(ranked[::-1])[::-1]
    adj = np.empty(m)
    adj[order] = np.minimum(ranked, 1.0)
    out[ok] = adj
    return out


def segment_letter(number: int) -> str:
    """The column letter of a segment: 1 -> ``A``, 26 -> ``Z``, 27 -> ``AA`` (as spreadsheet columns)."""
    if number < 1:
        raise DataError(f"segment numbers start at 1, not {number}")
    out = ""
    while number:
        number, rem = divmod(number - 1, 26)
        out = chr(65 + rem) + out
    return out

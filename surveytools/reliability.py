"""Scale reliability as R psych computes it: alpha, G6, omega and item analysis.

For each scale of the questionnaire (reverse-keyed items reversed with ``x' = min + max - x``), this module
reproduces psych ``alpha`` (raw and standardized alpha, Guttman's lambda 6 from squared multiple
correlations, average and median inter-item correlation, signal/noise, the item statistics and "alpha if
item deleted"), the Feldt confidence interval, a one-factor omega total, and psych ``omega``'s
Schmid-Leiman omega hierarchical and omega total. See ``docs/reliability.md`` and ``METHODS.md``.

Notation: ``p`` items, ``C`` their covariance matrix, ``R`` the correlations, ``1'C1 = sum(C)``.

* raw alpha ``= p/(p-1) * (1 - tr(C)/sum(C))``; standardized alpha ``= p/(p-1) * (1 - p/sum(R))``
* G6(smc) ``= 1 - (p - sum(smc))/sum(R)``, ``smc_i = 1 - 1/(R^-1)_ii``
* average r ``= (sum(R) - p)/(p(p-1))``; signal/noise ``= p r/(1 - r)``
* r_drop_i ``= (sum_j C_ij - C_ii)/sqrt(C_ii * sum(C_-i))`` (corrected item-total correlation)
* Feldt CI ``= 1 - (1 - alpha) F_q(n - 1, (n - 1)(p - 1))``
* omega total (one factor) ``= (sum l)^2/((sum l)^2 + sum u2)`` from a minres fit of ``R``
* Schmid-Leiman: ``omega_h = (sum g)^2/sum(R)``, ``omega_t = (sum(R) - sum u2)/sum(R)``

Missing answers are handled pairwise by default, as psych: every covariance uses the respondents who
answered both items, and, as in psych ``alpha``, the alpha statistics use ``R = cov2cor(C)`` while the
factor models behind omega use pairwise correlations (``cor(x, use = "pairwise")``). ``missing="listwise"``
keeps only respondents who answered every item of the scale. As psych, the Feldt interval and Duhachek's
standard error ``sqrt(Q / n)`` divide by every row given (pairwise mode), counting respondents who answered
no item of the scale (psych's ``nsub = nrow(x)``); ``n`` itself and every other statistic use the respondents
who answered. Listwise and rows of weight 0 use the rows analysed. Survey weights, when the questionnaire sets a
weight column, enter every mean, covariance and correlation (reliability weights, as R ``cov.wt``).

References
----------
Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests. Psychometrika, 16, 297-334.
Feldt, L. S., Woodruff, D. J. & Salih, F. A. (1987). Statistical inference for coefficient alpha. Applied
    Psychological Measurement, 11, 93-103.
Guttman, L. (1945). A basis for analyzing test-retest reliability. Psychometrika, 10, 255-282.
McDonald, R. P. (1999). Test theory: a unified treatment. Erlbaum.
Revelle, W. (2022). psych: Procedures for Psychological, Psychometric, and Personality Research, 2.2.9
    (``alpha``, ``omega``, ``schmid``).
Schmid, J. & Leiman, J. M. (1957). The development of hierarchical factor solutions. Psychometrika, 22,
    53-61.
Zinbarg, R. E., Revelle, W., Yovel, I. & Li, W. (2005). Cronbach's alpha, Revelle's beta, and McDonald's
    omega_h. Psychometrika, 70, 123-133.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .exceptions import DataError, DataQualityWarning, EstimationError, EstimationWarning, ScaleError
from .survey import Survey

__all__ = [
    "MISSING_METHODS",
    "Finding",
    "SchmidLeiman",
    "ScaleReliability",
    "ReliabilityResult",
    "reliability",
    "analyze_items",
    "pairwise_moments",
    "alpha_from_cov",
    "feldt_ci",
    "omega_one_factor",
    "schmid_leiman",
]

#: How missing answers are handled.
MISSING_METHODS: tuple[str, ...] = ("pairwise", "listwise")

Progress = Callable[[str, int, int], None]

_ZERO_VAR = 1e-12


# ============================================================================ moments
def pairwise_moments(x: np.ndarray, weights: np.ndarray | None = None, counts: np.ndarray | None = None
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairwise-complete covariances and correlations, optionally weighted, in a few matrix products.

    For items ``i, j`` and the respondents ``k`` who answered both (weights ``w_k``; frequencies ``c_k``
    for bootstrap resamples), with pairwise means ``m_i|j``:

    ``C_ij = sum_k c_k w_k (x_ki - m_i|j)(x_kj - m_j|i) / (W - W2/W)``, ``W = sum c_k w_k``,
    ``W2 = sum c_k w_k^2``. Unweighted (``w = 1``) the denominator is ``n_ij - 1``: R's
    ``cov(x, use = "pairwise")``; weighted it is R's ``cov.wt(method = "unbiased")`` on the pair's rows.
    ``r_ij`` divides by the two variances over the same rows: R's ``cor(x, use = "pairwise")``.

    Parameters
    ----------
    x
        ``n x p`` answers, NaN for missing.
    weights
        Optional length-``n`` non-negative weights.
    counts
        Optional length-``n`` multiplicities (each row counted ``counts[k]`` times).

    Returns
    -------
    cov, cor, n_pairs
        ``p x p`` covariances (diagonal: each item's variance over its own answers), pairwise correlations,
        and numbers of respondents per pair (NaN cells where a pair has fewer than two respondents).
    """
    x = np.asarray(x, dtype=float)
    obs = ~np.isnan(x)
    M = obs.astype(float)
    f = np.ones(x.shape[0]) if weights is None else np.asarray(weights, dtype=float).copy()
    f2 = f * f
    cnt = np.ones(x.shape[0])
    if counts is not None:
        c = np.asarray(counts, dtype=float)
        f = f * c
        f2 = f2 * c
        cnt = c
    # center by the (weighted) mean over each item's answers: covariances are shift-invariant and the
    # one-pass sums below then lose no precision
    fw = M * f[:, None]
    tot = fw.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mu = np.where(obs, x, 0.0).T @ f / tot
    xc = np.where(obs, x - np.nan_to_num(mu)[None, :], 0.0)
    fxc = xc * f[:, None]
    N = M.T @ fw
    N2 = N if weights is None else M.T @ (M * f2[:, None])  # unweighted: f2 = f
    npair = N if (weights is None and counts is None) else M.T @ (M * cnt[:, None])
    S = fxc.T @ M          # S[i, j] = sum over rows answering i and j of f * xc_i
    P = fxc.T @ xc
    SS = (fxc * xc).T @ M  # SS[i, j] = sum over rows answering i and j of f * xc_i^2
    with np.errstate(invalid="ignore", divide="ignore"):
        num = P - S * S.T / N
        C = num / (N - N2 / N)
        vi = SS - S * S / N
        Rp = num / np.sqrt(vi * vi.T)
    few = npair < 2
    C[few] = np.nan
    Rp[few] = np.nan
    np.fill_diagonal(Rp, np.where(np.diag(few) | ~(np.diag(C) > _ZERO_VAR), np.nan, 1.0))
    npair = npair.copy()
    npair[few] = np.nan
    return C, Rp, npair


def _cov2cor(C: np.ndarray) -> np.ndarray:
    s = 1.0 / np.sqrt(np.diag(C))
    R = C * s[:, None] * s[None, :]
    np.fill_diagonal(R, 1.0)
    return R


def _psych_smc(R: np.ndarray) -> np.ndarray:
    """psych ``smc``: ``1 - 1/diag(Pinv(R))`` (SVD pseudo-inverse, tolerance sqrt(eps)), clipped to [0, 1]."""
    U, s, Vt = np.linalg.svd(R)
    keep = s > max(np.sqrt(np.finfo(float).eps) * s[0], 0.0)
    inv_diag = np.einsum("ki,i,ik->k", Vt[keep].T, 1.0 / s[keep], U[:, keep].T)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = 1.0 - 1.0 / inv_diag
    if np.all(np.isnan(out)):
        out = np.ones_like(out)
    return np.clip(out, 0.0, 1.0)


# ============================================================================ alpha
def alpha_from_cov(C: np.ndarray) -> dict[str, float]:
    """psych ``alpha``'s scale statistics from a covariance matrix.

    Parameters
    ----------
    C
        ``p x p`` covariance matrix of the (reverse-scored) items, ``p >= 2``.

    Returns
    -------
    dict
        ``alpha`` (raw), ``std_alpha``, ``g6``, ``average_r``, ``median_r``, ``var_r``, ``signal_noise`` and
        ``q`` (Duhachek's asymptotic variance times n), computed on ``C`` and ``R = cov2cor(C)``:

        ``alpha = p/(p-1) (1 - tr C / 1'C1)``, ``std_alpha = p/(p-1) (1 - p / 1'R1)``,
        ``g6 = 1 - (p - sum smc)/1'R1``, ``average_r = (1'R1 - p)/(p(p-1))``,
        ``signal_noise = p r/(1 - r)``.
    """
    C = np.asarray(C, dtype=float)
    p = C.shape[0]
    R = _cov2cor(C)
    sum_c, tr_c = C.sum(), np.trace(C)
    sum_r = R.sum()
    lower = R[np.tril_indices(p, -1)]
    av_r = (sum_r - p) / (p * (p - 1))
    CC = C @ C
    q = (2 * p ** 2 / ((p - 1) ** 2 * sum_c ** 3)) * (sum_c * (np.trace(CC) + tr_c ** 2) - 2 * tr_c * CC.sum())
    return {
        "alpha": (1 - tr_c / sum_c) * p / (p - 1),
        "std_alpha": (1 - p / sum_r) * p / (p - 1),
        "g6": 1 - (p - _psych_smc(R).sum()) / sum_r,
        "average_r": av_r,
        "median_r": float(np.median(lower)),
        "var_r": float(np.var(lower, ddof=1)) if lower.size > 1 else float("nan"),
        "signal_noise": p * av_r / (1 - av_r),
        "q": q,
    }


def _raw_alpha(C: np.ndarray) -> float:
    p = C.shape[0]
    return float((1 - np.trace(C) / C.sum()) * p / (p - 1))


def feldt_ci(alpha: float, n: int, n_items: int, confidence: float = 0.95) -> tuple[float, float]:
    """Feldt's confidence interval for coefficient alpha (as psych ``alpha.ci`` and pingouin).

    ``lower = 1 - (1 - alpha) F_{1-a/2}(n-1, (n-1)(p-1))``, ``upper = 1 - (1 - alpha) F_{a/2}(...)``,
    ``a = 1 - confidence``.
    """
    if n < 2 or n_items < 2 or not np.isfinite(alpha):
        return float("nan"), float("nan")
    a = 1.0 - confidence
    df1, df2 = n - 1, (n - 1) * (n_items - 1)
    from scipy import stats  # scipy.stats costs about 1 s of start-up: only here

    lo = 1 - (1 - alpha) * stats.f.ppf(1 - a / 2, df1, df2)
    hi = 1 - (1 - alpha) * stats.f.ppf(a / 2, df1, df2)
    return float(lo), float(hi)


def _item_table(C: np.ndarray, smc_fn: Callable[[np.ndarray], np.ndarray] = _psych_smc) -> pd.DataFrame:
    """Per-item statistics that depend only on C (vectorized over items; G6 and median r per deletion)."""
    p = C.shape[0]
    R = _cov2cor(C)
    d = np.diag(C)
    tot, col = C.sum(), C.sum(axis=0)
    rtot, rcol = R.sum(), R.sum(axis=0)
    v_drop = tot - 2 * col + d
    with np.errstate(invalid="ignore", divide="ignore"):
        r_drop = (col - d) / np.sqrt(d * v_drop)
    std_r = rcol / np.sqrt(rtot)
    RC = R.copy()
    np.fill_diagonal(RC, smc_fn(R))
    r_cor = RC.sum(axis=0) / np.sqrt(RC.sum())
    out = {"r_drop": r_drop, "std_r": std_r, "r_cor": r_cor}
    if p > 2:
        q = p - 1
        r_sum_del = rtot - 2 * rcol + 1.0
        out["alpha_if_deleted"] = (1 - (np.trace(C) - d) / v_drop) * q / (q - 1)
        out["std_alpha_if_deleted"] = (1 - q / r_sum_del) * q / (q - 1)
        out["average_r_if_deleted"] = (r_sum_del - q) / (q * (q - 1))
        g6 = np.empty(p)
        med = np.empty(p)
        for i in range(p):  # one (p-1)x(p-1) pseudo-inverse per item, as psych
            keep = np.arange(p) != i
            Ri = R[np.ix_(keep, keep)]
            g6[i] = 1 - (q - smc_fn(Ri).sum()) / r_sum_del[i]
            med[i] = np.median(Ri[np.tril_indices(q, -1)])
        out["g6_if_deleted"] = g6
        out["median_r_if_deleted"] = med
    else:  # one item left: no alpha (psych prints a covariance ratio here)
        for k in ("alpha_if_deleted", "std_alpha_if_deleted", "average_r_if_deleted", "g6_if_deleted",
                  "median_r_if_deleted"):
            out[k] = np.full(p, np.nan)
    return pd.DataFrame(out)


# ============================================================================ omega
@dataclass(frozen=True)
class SchmidLeiman:
    """A Schmid-Leiman solution and the omegas psych ``omega`` derives from it.

    Attributes
    ----------
    n_factors
        Number of group factors ``m``.
    g
        General-factor loadings (after flipping), items on the index.
    group
        Group-factor loadings ``F1*..Fm*`` (items x factors).
    h2, u2
        Communalities (of the unrotated ``m``-factor minres fit) and uniquenesses ``1 - h2``.
    phi
        Factor correlations of the oblimin solution.
    g_of_factors
        Loadings of the group factors on g (from a one-factor fit of ``phi``; for ``m = 2`` both are
        ``sqrt(|phi_12|)``).
    flipped
        Items whose sign psych's ``flip`` reversed because their g loading was negative.
    omega_hierarchical, omega_total, omega_limit
        ``(sum g)^2 / Vt``, ``(Vt - sum u2) / Vt`` and ``(sum g)^2 / (Vt - sum u2)``, ``Vt = sum(R)`` of the
        flipped correlation matrix.
    omega_group
        Per group factor (items assigned by their largest group loading): ``total``, ``general`` and
        ``group`` omegas as psych's ``omega.group``.
    ecv
        Explained common variance of g: ``sum g^2 / (sum g^2 + sum group^2)``.
    """

    n_factors: int
    g: pd.Series
    group: pd.DataFrame
    h2: pd.Series
    u2: pd.Series
    phi: pd.DataFrame
    g_of_factors: np.ndarray
    flipped: tuple[str, ...]
    omega_hierarchical: float
    omega_total: float
    omega_limit: float
    omega_group: pd.DataFrame
    ecv: float
    heywood: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """The Schmid-Leiman loadings: ``g``, ``F1*``..``Fm*``, ``h2``, ``u2``, ``p2`` (= g^2/h2)."""
        df = pd.concat([self.g.rename("g"), self.group], axis=1)
        df["h2"] = self.h2
        df["u2"] = self.u2
        df["p2"] = self.g ** 2 / self.h2
        return df


def _factor_tools() -> tuple[Any, Any]:
    from .factor.extraction import fit_minres
    from .factor.rotation import rotate

    return fit_minres, rotate


def omega_one_factor(R: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """McDonald's omega total from a one-factor minres fit of a correlation matrix.

    ``omega_t = (sum l)^2 / ((sum l)^2 + sum u2)``, ``u2 = 1 - l^2`` (psych ``fa(x, 1, fm = "minres")``).

    Returns
    -------
    omega, loadings, uniquenesses
    """
    from .factor.extraction import fit_minres

    fit = fit_minres(np.asarray(R, dtype=float), 1)
    lam = fit.loadings[:, 0]
    u2 = np.asarray(fit.uniquenesses, dtype=float)
    s2 = lam.sum() ** 2
    return float(s2 / (s2 + u2.sum())), lam, u2


def schmid_leiman(R: np.ndarray | pd.DataFrame, n_factors: int, *, flip: bool = True,
                  names: Sequence[str] | None = None) -> SchmidLeiman:
    """Schmid-Leiman transformation and omega hierarchical, as psych ``omega(m, nfactors, fm = "minres")``.

    Steps (psych ``schmid`` then ``omegah``):

    1. minres fit of ``m`` factors to ``R``, varimax, then oblimin (quartimin, GPA) from the varimax
       loadings: pattern ``F``, factor correlations ``Phi``;
    2. loadings of the factors on g: a one-factor minres fit of ``Phi`` (``m >= 3``), or
       ``g = (sqrt|phi12|, sign(phi12) sqrt|phi12|)`` for ``m = 2`` (psych's ``option = "equal"``), or
       ``1`` for ``m = 1``;
    3. item g loadings ``F g``; group loadings ``sign(F) sqrt(F^2 (1 - g^2))``; ``h2`` from the unrotated
       fit, ``u2 = 1 - h2``;
    4. ``flip``: items with a negative g loading are reversed (in ``R`` and in the loadings);
    5. ``Vt = sum(R)``, ``omega_h = (sum g)^2 / Vt``, ``omega_t = (Vt - sum u2) / Vt``.

    Parameters
    ----------
    R
        Correlation matrix of the items (reverse-scored as the scale is keyed).
    n_factors
        Number of group factors (1 gives omega_h = omega from the single factor, with a warning).
    flip
        Reverse items with negative general loadings, as psych (default).
    names
        Item names (default the DataFrame's columns or ``V1..Vp``).

    Raises
    ------
    EstimationError
        Too many factors for the items, or a factor model that cannot be fitted.

    Warns
    -----
    EstimationWarning
        For ``m = 1`` or ``m = 2`` (g is not identified by the factor correlations alone).
    """
    fit_minres, rotate = _factor_tools()
    if names is None:
        names = [str(c) for c in R.columns] if isinstance(R, pd.DataFrame) else [f"V{i + 1}" for i in range(len(R))]
    names = list(names)
    R = np.array(R, dtype=float)
    m = int(n_factors)
    ext = fit_minres(R, m)
    if m == 1:
        orth = ext.loadings
        F = orth
        phi = np.ones((1, 1))
        gload = np.ones(1)
        warnings.warn("omega hierarchical with one factor is just the one-factor omega; ask for 3 or more "
                      "factors for a Schmid-Leiman general factor", EstimationWarning, stacklevel=2)
    else:
        vm = rotate(ext.loadings, method="varimax")
        orth = np.asarray(vm.loadings, dtype=float)
        ob = rotate(orth, method="oblimin")
        F = np.asarray(ob.loadings, dtype=float)
        phi = np.asarray(ob.phi, dtype=float)
        if m == 2:
            r12 = phi[0, 1]
            gload = np.array([np.sqrt(abs(r12)), np.sign(r12) * np.sqrt(abs(r12))])
            warnings.warn("with two group factors g is not identified: both factors are given the same g "
                          "loading sqrt(|phi12|) (psych's option='equal'); three or more factors are better",
                          EstimationWarning, stacklevel=2)
        else:
            gfit = fit_minres(phi, 1)
            gload = gfit.loadings[:, 0]
    gprim = F @ gload
    h2 = (orth ** 2).sum(axis=1)
    u2 = 1.0 - h2
    uniq2 = F ** 2 - (F * gload[None, :]) ** 2
    uniq2[uniq2 < 0] = 0.0
    sm = np.sign(F) * np.sqrt(uniq2)
    key = np.ones(len(names))
    if flip:
        key = np.sign(gprim)
        key[key == 0] = 1.0
        if (key < 0).any():
            R = R * key[:, None] * key[None, :]
            gprim = gprim * key
            sm = sm * key[:, None]
    Vt = R.sum()
    gsq = gprim.sum() ** 2
    om_t = (Vt - u2.sum()) / Vt
    fac = [f"F{k + 1}*" for k in range(m)]
    # psych omega.group: items go to the group factor with the largest absolute loading
    sub = np.argmax(np.abs(sm), axis=1)
    rows = {}
    grs = 0.0
    for k in range(m):
        idx = np.flatnonzero(sub == k)
        if idx.size == 0:
            rows[fac[k]] = {"total": np.nan, "general": np.nan, "group": np.nan}
            continue
        vgr = R[np.ix_(idx, idx)].sum()
        gr = sm[idx, k].sum()
        gg = gprim[idx].sum()
        grs += gr ** 2
        rows[fac[k]] = {"total": (gr ** 2 + gg ** 2) / vgr, "general": gg ** 2 / vgr, "group": gr ** 2 / vgr}
    og = pd.DataFrame.from_dict({"g": {"total": om_t, "general": gsq / Vt, "group": grs / Vt}, **rows},
                                orient="index")
    ev_g = (gprim ** 2).sum()
    ecv = ev_g / (ev_g + (sm ** 2).sum())
    flipped = tuple(n for n, k in zip(names, key, strict=True) if k < 0)
    heywood = tuple(names[i] for i in ext.heywood)
    return SchmidLeiman(
        n_factors=m, g=pd.Series(gprim, index=names, name="g"), group=pd.DataFrame(sm, index=names, columns=fac),
        h2=pd.Series(h2, index=names, name="h2"), u2=pd.Series(u2, index=names, name="u2"),
        phi=pd.DataFrame(phi, index=[f.rstrip("*") for f in fac], columns=[f.rstrip("*") for f in fac]),
        g_of_factors=np.asarray(gload, dtype=float), flipped=flipped,
        omega_hierarchical=float(gsq / Vt), omega_total=float(om_t), omega_limit=float(gsq / (Vt - u2.sum())),
        omega_group=og, ecv=float(ecv), heywood=heywood,
    )


# ============================================================================ results
@dataclass(frozen=True)
class Finding:
    """A diagnostic a reviewer should see.

    Attributes
    ----------
    code
        Stable code: ``negative-item-rest``, ``low-alpha``, ``alpha-if-deleted``, ``zero-variance``,
        ``no-answers``, ``few-pairs``, ``omega-flipped``, ``omega-one-factor``, ``omega-two-factors``,
        ``omega-not-estimable``,
        ``heywood``, ``not-positive-definite``, ``bootstrap-failures``.
    scale
        The scale.
    item
        The item concerned, if any.
    message
        One sentence saying what was found and what to do.
    value
        The number behind the finding (a correlation, an alpha...), if any.
    """

    code: str
    scale: str
    message: str
    item: str | None = None
    value: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"code": self.code, "scale": self.scale, "item": self.item, "value": self.value,
                "message": self.message}


@dataclass(frozen=True)
class ScaleReliability:
    """Reliability of one scale.

    Attributes
    ----------
    name
        Scale name.
    items
        Item ids analysed (spec order; zero-variance items removed).
    reversed
        Reverse-keyed items (from the spec).
    n
        Respondents used: those who answered at least one item (pairwise) or every item (listwise).
    rows_in, rows_excluded, excluded_reason
        Respondents in the survey, those not used, and why (no answer, or incomplete under listwise).
    missing
        ``"pairwise"`` or ``"listwise"``.
    weighted
        Whether survey weights entered the moments.
    alpha, alpha_ci, alpha_se, std_alpha, g6, average_r, median_r, var_r, signal_noise
        psych ``alpha``'s ``raw_alpha``, Feldt interval, ``ase`` (Duhachek), ``std.alpha``, ``G6(smc)``,
        ``average_r``, ``median_r``, ``var.r``, ``S/N``.
    mean, sd
        Mean and standard deviation of the scale score (mean of answered reverse-scored items).
    omega_total
        One-factor omega total (NaN for a two-item scale).
    items_table
        Items on the index: ``reversed``, ``n``, ``mean``, ``sd``, ``raw_r`` (item vs scale score),
        ``std_r``, ``r_cor``, ``r_drop`` (item vs the rest), ``alpha_if_deleted``, ``std_alpha_if_deleted``,
        ``g6_if_deleted``, ``average_r_if_deleted``, ``median_r_if_deleted``, ``omega_loading``.
    covariance, correlation
        The item covariance matrix ``C`` and the correlations the factor models used.
    sl
        The Schmid-Leiman solution when omega factors were requested.
    bootstrap
        Bootstrap percentile intervals (``alpha_ci``, ``omega_total_ci``, ...) and settings, when requested.
    dropped
        Items removed before the analysis (no variance or no answers).
    findings
        Diagnostics for this scale.
    confidence
        Level of the intervals.
    """

    name: str
    items: tuple[str, ...]
    reversed: tuple[str, ...]
    n: int
    rows_in: int
    rows_excluded: int
    missing: str
    weighted: bool
    alpha: float
    alpha_ci: tuple[float, float]
    alpha_se: float
    std_alpha: float
    g6: float
    average_r: float
    median_r: float
    var_r: float
    signal_noise: float
    mean: float
    sd: float
    omega_total: float
    items_table: pd.DataFrame
    covariance: pd.DataFrame = field(repr=False)
    correlation: pd.DataFrame = field(repr=False)
    sl: SchmidLeiman | None = None
    omega_factors: int | None = None
    bootstrap: dict[str, Any] | None = None
    dropped: tuple[str, ...] = ()
    findings: tuple[Finding, ...] = ()
    confidence: float = 0.95
    excluded_reason: str = ""

    @property
    def n_items(self) -> int:
        """Number of items analysed."""
        return len(self.items)

    @property
    def omega_hierarchical(self) -> float:
        """Schmid-Leiman omega hierarchical (NaN unless omega factors were requested)."""
        return self.sl.omega_hierarchical if self.sl is not None else float("nan")

    @property
    def omega_total_sl(self) -> float:
        """Schmid-Leiman omega total (NaN unless omega factors were requested)."""
        return self.sl.omega_total if self.sl is not None else float("nan")

    def to_frame(self) -> pd.DataFrame:
        """The item table."""
        return self.items_table.copy()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the CONTRACT.md keys (``n``, ``n_items``, ``alpha``, ``alpha_ci``, ``std_alpha``, ``g6``,
        ``average_r``, ``omega_total``, ``items.<id>``...) and more."""
        d: dict[str, Any] = {
            "n": self.n, "n_items": self.n_items, "rows_in": self.rows_in, "rows_excluded": self.rows_excluded,
            "excluded_reason": self.excluded_reason if self.rows_excluded else None,
            "missing": self.missing, "weighted": self.weighted,
            "alpha": self.alpha, "alpha_ci": list(self.alpha_ci), "alpha_se": self.alpha_se,
            "std_alpha": self.std_alpha, "g6": self.g6, "average_r": self.average_r, "median_r": self.median_r,
            "var_r": self.var_r, "signal_noise": self.signal_noise, "mean": self.mean, "sd": self.sd,
            "omega_total": self.omega_total,
        }
        if self.omega_factors is not None:
            d["omega_factors"] = self.omega_factors
            d["omega_hierarchical"] = self.omega_hierarchical
            d["omega_total_sl"] = self.omega_total_sl
            if self.sl is not None:
                d["omega_limit"] = self.sl.omega_limit
                d["ecv"] = self.sl.ecv
                d["omega_flipped"] = list(self.sl.flipped)
                d["omega_group"] = {k: {c: float(v) for c, v in row.items()}
                                    for k, row in self.sl.omega_group.iterrows()}
                d["schmid_leiman"] = {str(i): [float(v) for v in row] for i, row in self.sl.to_frame().iterrows()}
        if self.bootstrap is not None:
            d["bootstrap"] = self.bootstrap
        d["dropped"] = list(self.dropped)
        items = {}
        for item, row in self.items_table.iterrows():
            entry = {"reversed": bool(row["reversed"])}
            for col in self.items_table.columns:
                if col == "reversed":
                    continue
                v = row[col]
                entry[col] = int(v) if col == "n" else float(v)
            items[str(item)] = entry
        d["items"] = items
        return d

    def summary(self, *, digits: int = 3, lang: str = "en") -> str:
        """Text for the terminal: the scale's statistics and item table (the reliability section of the
        Summary document, rendered by the one text renderer; ``digits`` decimals of the scale statistics)."""
        from .summary.sections import summary_text

        return summary_text("scale_reliability", {"name": self.name, **self.to_dict()}, lang=lang, digits=digits)


@dataclass(frozen=True)
class ReliabilityResult:
    """Reliability of several scales.

    Attributes
    ----------
    scales
        Scale name -> :class:`ScaleReliability`, in the order requested.
    rows_in
        Respondents in the survey.
    missing, weighted, omega_factors, confidence
        Settings used.
    findings
        Every diagnostic, scale by scale.
    """

    scales: dict[str, ScaleReliability]
    rows_in: int
    missing: str
    weighted: bool
    omega_factors: int | None
    confidence: float
    findings: tuple[Finding, ...]

    def __getitem__(self, name: str) -> ScaleReliability:
        return self.scales[name]

    def to_frame(self) -> pd.DataFrame:
        """One row per scale: n, n_items, alpha, CI, std_alpha, g6, average_r, median_r, S/N, omega(s)."""
        rows = {}
        for name, s in self.scales.items():
            row = {"n": s.n, "n_items": s.n_items, "alpha": s.alpha, "alpha_ci_lower": s.alpha_ci[0],
                   "alpha_ci_upper": s.alpha_ci[1], "std_alpha": s.std_alpha, "g6": s.g6,
                   "average_r": s.average_r, "median_r": s.median_r, "signal_noise": s.signal_noise,
                   "omega_total": s.omega_total}
            if self.omega_factors is not None:
                row["omega_hierarchical"] = s.omega_hierarchical
                row["omega_total_sl"] = s.omega_total_sl
            rows[name] = row
        return pd.DataFrame.from_dict(rows, orient="index")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``scales.<S>`` (CONTRACT.md keys), settings and ``diagnostics``."""
        return {
            "rows_in": self.rows_in, "missing": self.missing, "weighted": self.weighted,
            "omega_factors": self.omega_factors, "confidence": self.confidence,
            "scales": {name: s.to_dict() for name, s in self.scales.items()},
            "diagnostics": [f.to_dict() for f in self.findings],
        }

    def summary(self, *, digits: int = 3, lang: str = "en") -> str:
        """Text for the terminal: the scales, their items and the diagnostics (the reliability section of the
        Summary document, rendered by the one text renderer; ``digits`` decimals of the scale statistics)."""
        from .summary.sections import summary_text

        return summary_text("reliability", self, lang=lang, digits=digits)


# ============================================================================ analysis
def _weighted_mean_sd(x: np.ndarray, w: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Column means and SDs over answered cells (reliability-weights SD when weighted)."""
    obs = ~np.isnan(x)
    f = np.ones(x.shape[0]) if w is None else w
    fw = obs * f[:, None]
    W = fw.sum(axis=0)
    W2 = (obs * (f * f)[:, None]).sum(axis=0)
    x0 = np.where(obs, x, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (x0 * fw).sum(axis=0) / W
        dev = np.where(obs, x - mean[None, :], 0.0)
        var = (dev ** 2 * fw).sum(axis=0) / (W - W2 / W)
    return mean, np.sqrt(var)


def _cor_with(v: np.ndarray, x: np.ndarray, w: np.ndarray | None) -> np.ndarray:
    """Pairwise-complete (weighted) correlation of a vector with every column of ``x``: O(n p)."""
    ok = ~np.isnan(x) & ~np.isnan(v)[:, None]
    f = (np.ones(x.shape[0]) if w is None else w)[:, None] * ok
    W = f.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        vv = np.where(ok, v[:, None], 0.0)
        xx = np.where(ok, x, 0.0)
        mv = (f * vv).sum(axis=0) / W
        mx = (f * xx).sum(axis=0) / W
        dv = np.where(ok, vv - mv, 0.0)
        dx = np.where(ok, xx - mx, 0.0)
        return (f * dv * dx).sum(axis=0) / np.sqrt((f * dv * dv).sum(axis=0) * (f * dx * dx).sum(axis=0))


def _bootstrap(x: np.ndarray, w: np.ndarray | None, *, n_boot: int, seed: int | None, omega_factors: int | None,
               confidence: float, name: str, progress: Progress | None, want_omega: bool) -> dict[str, Any]:
    """Percentile bootstrap of alpha and omega: rows resampled with replacement (as frequencies)."""
    rng = np.random.default_rng(seed)
    n = x.shape[0]
    keys = ["alpha"] + (["omega_total"] if want_omega else [])
    if omega_factors is not None:
        keys += ["omega_hierarchical", "omega_total_sl"]
    out = {k: np.full(n_boot, np.nan) for k in keys}
    failures = 0
    label = f"bootstrap {name}"
    for b in range(n_boot):
        counts = np.bincount(rng.integers(0, n, size=n), minlength=n).astype(float)
        try:
            C, Rp, _ = pairwise_moments(x, w, counts)
            if not np.all(np.isfinite(C)) or (np.diag(C) <= _ZERO_VAR).any():
                raise EstimationError("degenerate resample")
            out["alpha"][b] = _raw_alpha(C)
            if want_omega:
                out["omega_total"][b] = omega_one_factor(Rp)[0]
            if omega_factors is not None:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    sl = schmid_leiman(Rp, omega_factors)
                out["omega_hierarchical"][b] = sl.omega_hierarchical
                out["omega_total_sl"][b] = sl.omega_total
        except (EstimationError, DataError, np.linalg.LinAlgError, ValueError, FloatingPointError):
            failures += 1
        if progress is not None:
            progress(label, b + 1, n_boot)
    a = (1 - confidence) / 2
    res: dict[str, Any] = {"n": n_boot, "seed": seed, "confidence": confidence, "failures": failures,
                           "method": "percentile"}
    for k, v in out.items():
        ok = v[np.isfinite(v)]
        res[f"{k}_ci"] = ([float(np.quantile(ok, a)), float(np.quantile(ok, 1 - a))] if ok.size
                          else [float("nan"), float("nan")])
        res[f"{k}_se"] = float(ok.std(ddof=1)) if ok.size > 1 else float("nan")
    return res


# ---------------------------------------------------------------------------- the steps of analyze_items
def _check_item_options(missing: str, confidence: float, bootstrap: int, omega_factors: int | None) -> None:
    """The options of :func:`analyze_items`; raises :class:`DataError` naming a bad one."""
    if missing not in MISSING_METHODS:
        raise DataError(f"missing must be 'pairwise' or 'listwise', not {missing!r}")
    if not 0 < confidence < 1:
        raise DataError(f"confidence must be between 0 and 1, not {confidence!r}")
    if isinstance(bootstrap, bool) or not isinstance(bootstrap, (int, np.integer)) or bootstrap < 0:
        raise DataError(f"bootstrap must be a whole number of resamples >= 0, not {bootstrap!r}")
    if omega_factors is not None and (isinstance(omega_factors, bool) or not isinstance(omega_factors, (int, np.integer))
                                      or omega_factors < 1):
        raise DataError(f"omega factors must be a whole number >= 1, not {omega_factors!r}")


def _usable_rows(x: np.ndarray, w: np.ndarray | None, missing: str) -> tuple[np.ndarray, str]:
    """Rows analysed (listwise: every item answered; pairwise: any; weight > 0) and why the others are not."""
    if missing == "listwise":
        used = ~np.isnan(x).any(axis=1)
        reason = "did not answer every item (listwise)"
    else:
        used = ~np.isnan(x).all(axis=1)
        reason = "answered none of its items"
    if w is not None and (w <= 0).any():
        used &= w > 0
        reason += " or has weight 0"
    return used, reason


def _unusable_items(x: np.ndarray, w: np.ndarray | None, items: list[str], name: str
                    ) -> tuple[list[Finding], tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Items with fewer than two answers or no variance (left out, as psych does, with a finding each), and
    the pairwise moments of all the items."""
    moments = pairwise_moments(x, w)
    C = moments[0]
    findings: list[Finding] = []
    for i, item in enumerate(items):
        n_ans = int((~np.isnan(x[:, i])).sum())
        if n_ans < 2:
            msg = (f"scale {name!r}: item {item} has {n_ans} answer{'s' if n_ans != 1 else ''}; it was left out "
                   "of the analysis")
            findings.append(Finding("no-answers", name, msg, item, float(n_ans)))
        elif not C[i, i] > _ZERO_VAR:
            val = np.nanmean(x[:, i])
            msg = (f"scale {name!r}: item {item} has no variance (every answer is {val:g}); it was left out of "
                   "the analysis")
            findings.append(Finding("zero-variance", name, msg, item, 0.0))
    return findings, moments


def _without_items(items: list[str], x: np.ndarray, w: np.ndarray | None, dropped: list[str], missing: str,
                   name: str) -> tuple[list[str], np.ndarray, np.ndarray | None]:
    """Items, answers and weights without the dropped items (and, pairwise, without rows left with no answer)."""
    keep = [i for i, it in enumerate(items) if it not in dropped]
    items = [items[i] for i in keep]
    x = x[:, keep]
    if len(items) < 2:
        raise ScaleError(f"scale {name!r}: fewer than two items have answers with variance "
                         f"(left out: {', '.join(dropped)}); reliability cannot be computed")
    rowok = ~np.isnan(x).all(axis=1) if missing == "pairwise" else np.ones(x.shape[0], bool)
    return items, x[rowok], None if w is None else w[rowok]


def _matrix_findings(C: np.ndarray, npair: np.ndarray, items: list[str], n: int, missing: str,
                     name: str) -> list[Finding]:
    """Covariances from few respondents, or a correlation matrix that is not positive definite; an undefined
    covariance is an error."""
    p = len(items)
    if not np.all(np.isfinite(C)):
        i, j = np.argwhere(~np.isfinite(C))[0]
        raise ScaleError(f"scale {name!r}: items {items[i]} and {items[j]} were answered together by fewer than two "
                         "respondents, so their covariance (and alpha) is undefined; drop one of them from the "
                         "scale or collect more data")
    findings: list[Finding] = []
    min_pair = np.nanmin(npair[np.triu_indices(p, 1)])
    if min_pair < min(30, n) and missing == "pairwise":
        i, j = np.argwhere(npair == min_pair)[0]
        findings.append(Finding("few-pairs", name, f"scale {name!r}: only {int(min_pair)} respondents answered both "
                                f"{items[i]} and {items[j]}; their covariance is imprecise", None, float(min_pair)))
    R = _cov2cor(C)
    if np.linalg.eigvalsh(R)[0] < -1e-10:
        findings.append(Finding("not-positive-definite", name, f"scale {name!r}: the pairwise correlation matrix is "
                                "not positive definite (many missing answers); G6 uses a pseudo-inverse, as psych",
                                None, float(np.linalg.eigvalsh(R)[0])))
    return findings


def _item_table_of(C: np.ndarray, x: np.ndarray, w: np.ndarray | None, items: list[str], rev: set[str]
                   ) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The item statistics table (psych ``alpha``'s ``item.stats`` and ``alpha.drop``), and the weighted mean and
    SD of the scale score (mean of the answered items)."""
    table = _item_table(C)
    table.index = pd.Index(items, name="item")
    mean_i, sd_i = _weighted_mean_sd(x, w)
    answered = ~np.isnan(x)
    with np.errstate(invalid="ignore", divide="ignore"):
        total = np.where(answered, x, 0.0).sum(axis=1) / answered.sum(axis=1)
    t_mean, t_sd = _weighted_mean_sd(total[:, None], w)
    table.insert(0, "raw_r", _cor_with(total, x, w))
    table.insert(0, "sd", sd_i)
    table.insert(0, "mean", mean_i)
    table.insert(0, "n", answered.sum(axis=0).astype(int))
    table.insert(0, "reversed", [it in rev for it in items])
    return table, t_mean, t_sd


def _omega_hierarchical(Rp: np.ndarray, k: int, items: list[str], name: str, findings: list[Finding]) -> Any:
    """The Schmid-Leiman solution with ``k`` group factors (None when it cannot be estimated), adding findings."""
    p = len(items)
    if k >= p:
        findings.append(Finding("omega-not-estimable", name, f"scale {name!r}: {k} factors are too many for "
                                f"{p} items; omega hierarchical needs fewer factors than items (3+ items per "
                                "factor)", None, float(k)))
        return None
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            sl = schmid_leiman(Rp, k, names=items)
        for c in caught:
            if issubclass(c.category, EstimationWarning) and k == 1:
                findings.append(Finding("omega-one-factor", name, f"scale {name!r}: with one factor omega "
                                        "hierarchical is the one-factor omega; ask for 3 or more factors "
                                        "for a general factor", None, 1.0))
            elif issubclass(c.category, EstimationWarning) and k == 2:
                findings.append(Finding("omega-two-factors", name, f"scale {name!r}: with two group factors "
                                        "the general factor is not identified; both get loadings "
                                        "sqrt(|phi12|) as psych does (use 3+ factors if you can)", None,
                                        float(sl.g_of_factors[0])))
            elif issubclass(c.category, Warning) and not issubclass(c.category, EstimationWarning):
                warnings.warn(c.message, c.category, stacklevel=4)
        if sl.flipped:
            findings.append(Finding("omega-flipped", name, f"scale {name!r}: item(s) {', '.join(sl.flipped)} "
                                    "load negatively on the general factor and were reversed for omega (as "
                                    "psych's flip=TRUE); check their keying"))
        for h in sl.heywood:
            findings.append(Finding("heywood", name, f"scale {name!r}: item {h} is a Heywood case in the "
                                    f"{k}-factor fit (uniqueness at its bound); omega may be unstable", h))
        return sl
    except (EstimationError, DataError) as exc:
        findings.append(Finding("omega-not-estimable", name, f"scale {name!r}: the {k}-factor Schmid-Leiman "
                                f"solution could not be estimated ({exc})", None, float(k)))
        return None


def _item_findings(table: pd.DataFrame, C: np.ndarray, items: list[str], rev: set[str], alpha: float, name: str, *,
                   deletion_gain: float, min_alpha: float) -> list[Finding]:
    """Probably mis-keyed items (negative item-rest correlation), items whose deletion raises alpha, low alpha."""
    p = len(items)
    findings: list[Finding] = []
    for item, r in table.iterrows():
        if r["r_drop"] < 0:
            # alpha with the item's key flipped: C -> D C D
            D = np.ones(p)
            D[items.index(item)] = -1.0
            alt = _raw_alpha(C * D[:, None] * D[None, :])
            fix = (f"remove the '-' before {item} in the scale (it is reversed but should not be)" if item in rev
                   else f"write it as '-{item}' in the scale (reverse-key it)")
            findings.append(Finding("negative-item-rest", name, f"scale {name!r}: item {item} correlates negatively "
                                    f"with the rest of the scale (r_drop = {r['r_drop']:.3f}); probably mis-keyed: "
                                    f"{fix}; alpha would be {alt:.3f}", str(item), float(r["r_drop"])))
        elif np.isfinite(r["alpha_if_deleted"]) and r["alpha_if_deleted"] - alpha > deletion_gain:
            findings.append(Finding("alpha-if-deleted", name, f"scale {name!r}: deleting item {item} raises alpha from "
                                    f"{alpha:.3f} to {r['alpha_if_deleted']:.3f}; review its wording",
                                    str(item), float(r["alpha_if_deleted"])))
    if alpha < min_alpha:
        findings.append(Finding("low-alpha", name, f"scale {name!r}: alpha = {alpha:.3f} is below {min_alpha:g}; "
                                "the scale score is noisy", None, alpha))
    return findings


def analyze_items(
    frame: pd.DataFrame,
    *,
    name: str = "scale",
    reversed: Sequence[str] = (),
    weights: np.ndarray | None = None,
    missing: str = "pairwise",
    omega_factors: int | None = None,
    bootstrap: int = 0,
    seed: int | None = None,
    confidence: float = 0.95,
    min_alpha: float = 0.7,
    deletion_gain: float = 0.02,
    progress: Progress | None = None,
) -> ScaleReliability:
    """Reliability and item analysis of one set of items (already reverse-scored).

    Parameters
    ----------
    frame
        Respondents x items, numeric, NaN for missing; reverse-keyed items already reversed.
    name
        Scale name (for messages and results).
    reversed
        Ids of the items that were reversed (reported, not applied).
    weights
        Optional survey weights, one per row.
    missing
        ``"pairwise"`` (psych's default) or ``"listwise"`` (only rows answering every item).
    omega_factors
        Number of group factors for the Schmid-Leiman omega (psych ``omega``); None skips it.
    bootstrap
        Number of bootstrap resamples for percentile intervals of alpha and omega (0: none).
    seed
        Seed of the bootstrap.
    confidence
        Level of the Feldt and bootstrap intervals.
    min_alpha
        Alpha below this is reported as ``low-alpha``.
    deletion_gain
        An item whose deletion raises alpha by more than this is reported as ``alpha-if-deleted``.
    progress
        Optional callback ``progress(label, done, total)`` for the bootstrap.

    Returns
    -------
    ScaleReliability

    Raises
    ------
    ScaleError
        Fewer than two items (after removing items without variance), no respondents, or two items that
        were never answered together.
    DataError
        Bad options.
    """
    _check_item_options(missing, confidence, bootstrap, omega_factors)
    items = [str(c) for c in frame.columns]
    rev = set(map(str, reversed))
    if len(items) < 2:
        raise ScaleError(f"scale {name!r} has {len(items)} item{'s' if len(items) != 1 else ''}: reliability needs "
                         "at least two; add items to the scale in the questionnaire or leave it out (--scale)")
    bad = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
    if bad:
        raise DataError(f"scale {name!r}: item(s) {', '.join(map(str, bad))} are not numeric; import the export "
                        "with 'surveytools import' so answer labels become codes")
    x = frame.to_numpy(dtype=float)
    w = None if weights is None else np.asarray(weights, dtype=float)
    rows_in = x.shape[0]
    used, reason = _usable_rows(x, w, missing)
    # psych's nsub: every row given, counting rows that answered no item (not rows of weight 0 or listwise drops)
    n_psych = int(rows_in if w is None else (w > 0).sum()) if missing == "pairwise" else int(used.sum())
    x = x[used]
    w = None if w is None else w[used]
    if x.shape[0] == 0:
        what = "answered every item" if missing == "listwise" else "answered any item"
        raise ScaleError(f"scale {name!r}: no respondent {what} of {', '.join(items)}"
                         + ("; try --missing pairwise" if missing == "listwise" else
                            "; check that the columns hold the answers"))
    findings, (C, Rp, npair) = _unusable_items(x, w, items, name)
    for fnd in findings:
        warnings.warn(fnd.message, DataQualityWarning, stacklevel=3)
    dropped = [str(f.item) for f in findings]
    if dropped:
        items, x, w = _without_items(items, x, w, dropped, missing, name)
        C, Rp, npair = pairwise_moments(x, w)
    n = int(x.shape[0])
    p = len(items)
    findings += _matrix_findings(C, npair, items, n, missing, name)
    st = alpha_from_cov(C)
    table, t_mean, t_sd = _item_table_of(C, x, w, items, rev)
    omega_t = float("nan")
    table["omega_loading"] = np.nan
    if p >= 3:
        try:
            omega_t, lam, _u2 = omega_one_factor(Rp)
            table["omega_loading"] = lam
        except (EstimationError, DataError) as exc:
            findings.append(Finding("omega-not-estimable", name, f"scale {name!r}: one-factor omega could not be "
                                    f"estimated ({exc})"))
    sl = None
    if omega_factors is not None:
        sl = _omega_hierarchical(Rp, int(omega_factors), items, name, findings)
    alpha = float(st["alpha"])
    findings += _item_findings(table, C, items, rev, alpha, name, deletion_gain=deletion_gain, min_alpha=min_alpha)
    boot = None
    if bootstrap:
        boot = _bootstrap(x, w, n_boot=int(bootstrap), seed=seed, omega_factors=sl.n_factors if sl else None,
                          confidence=confidence, name=name, progress=progress, want_omega=p >= 3)
        if boot["failures"]:
            findings.append(Finding("bootstrap-failures", name, f"scale {name!r}: {boot['failures']} of {bootstrap} "
                                    "bootstrap resamples could not be analysed and were left out", None,
                                    float(boot["failures"])))
    return ScaleReliability(
        name=name, items=tuple(items), reversed=tuple(i for i in items if i in rev), n=n, rows_in=rows_in,
        rows_excluded=rows_in - n, missing=missing, weighted=w is not None,
        alpha=alpha, alpha_ci=feldt_ci(alpha, n_psych, p, confidence), alpha_se=float(np.sqrt(st["q"] / n_psych)),
        std_alpha=float(st["std_alpha"]), g6=float(st["g6"]), average_r=float(st["average_r"]),
        median_r=float(st["median_r"]), var_r=float(st["var_r"]), signal_noise=float(st["signal_noise"]),
        mean=float(t_mean[0]), sd=float(t_sd[0]), omega_total=float(omega_t), items_table=table,
        covariance=pd.DataFrame(C, index=items, columns=items), correlation=pd.DataFrame(Rp, index=items, columns=items),
        sl=sl, omega_factors=None if omega_factors is None else int(omega_factors), bootstrap=boot,
        dropped=tuple(dropped), findings=tuple(findings), confidence=confidence,
        excluded_reason=f"{rows_in - n} respondent(s) {reason}" if rows_in > n else "",
    )


def reliability(
    survey: Survey,
    scales: Sequence[str] | str | None = None,
    *,
    missing: str = "pairwise",
    omega_factors: int | None = None,
    bootstrap: int = 0,
    seed: int | None = None,
    confidence: float = 0.95,
    weights: np.ndarray | pd.Series | bool | None = None,
    min_alpha: float = 0.7,
    deletion_gain: float = 0.02,
    progress: Progress | None = None,
) -> ReliabilityResult:
    """Reliability and item analysis of the questionnaire's scales, as R psych ``alpha`` and ``omega``.

    Each scale's reverse-keyed items (a leading ``-`` in the spec) are reversed with the option set's
    ``min + max - x`` first; see :func:`analyze_items` for the statistics and the module docstring for the
    formulas.

    Parameters
    ----------
    survey
        The survey.
    scales
        Scale names (list or comma-separated); default every scale of the questionnaire.
    missing
        ``"pairwise"`` (default, as psych) or ``"listwise"``.
    omega_factors
        Group factors for psych-style Schmid-Leiman omega (``omega_hierarchical``, ``omega_total_sl``).
    bootstrap, seed, confidence
        Bootstrap resamples for percentile CIs of alpha and omega, their seed, and the interval level.
    weights
        ``None``: the survey weights if the questionnaire sets a weight column; ``False``: unweighted; or
        one weight per respondent.
    min_alpha, deletion_gain
        Thresholds of the ``low-alpha`` and ``alpha-if-deleted`` diagnostics.
    progress
        Optional ``progress(label, done, total)`` callback (bootstrap).

    Returns
    -------
    ReliabilityResult

    Raises
    ------
    ScaleError
        Unknown scale, a scale with one item, a scale nobody answered.
    DataError
        Non-numeric item columns, bad options.

    Examples
    --------
    >>> res = reliability(survey, ["agreeableness"], omega_factors=None)   # doctest: +SKIP
    >>> round(res["agreeableness"].alpha, 4)                              # doctest: +SKIP
    0.703
    """
    from .scoring import _resolve_weights

    q = survey.questionnaire
    if not q.scales:
        raise ScaleError(f"{q.path or 'the questionnaire'} defines no scales; add a 'scales:' section "
                         "(name: [item, -reversed_item, ...])")
    if scales is None or (isinstance(scales, str) and not scales.strip()) or (
            not isinstance(scales, str) and len(scales) == 0):
        names = list(q.scales)
    else:
        parts = scales.split(",") if isinstance(scales, str) else list(scales)
        names = list(dict.fromkeys(str(s).strip() for s in parts if str(s).strip()))
        unknown = [s for s in names if s not in q.scales]
        if unknown:
            raise ScaleError(f"unknown scale{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}; "
                             f"the questionnaire defines: {', '.join(q.scales)}")
    w = _resolve_weights(survey, weights)
    out: dict[str, ScaleReliability] = {}
    for name in names:
        sc = q.scales[name]
        if len(sc.items) < 2:
            raise ScaleError(f"scale {name!r} has one item ({sc.items[0]}): reliability needs at least two; "
                             "add items to it in the questionnaire or leave it out with --scale")
        frame = survey.scale_frame(name)
        out[name] = analyze_items(frame, name=name, reversed=sorted(sc.reversed), weights=w, missing=missing,
                                  omega_factors=omega_factors, bootstrap=bootstrap, seed=seed, confidence=confidence,
                                  min_alpha=min_alpha, deletion_gain=deletion_gain, progress=progress)
    findings = tuple(f for s in out.values() for f in s.findings)
    return ReliabilityResult(scales=out, rows_in=survey.n, missing=missing, weighted=w is not None,
                             omega_factors=None if omega_factors is None else int(omega_factors),
                             confidence=confidence, findings=findings)

"""Goodness of fit of a factor model, with R psych's definitions (``fa.stats``).

For ``p`` items, ``m`` factors, ``n`` respondents, correlation matrix ``R`` and model
``M = L Phi L'`` with unit diagonal:

* objective ``F = tr(M^-1 R) - log|M^-1 R| - p`` (both matrices smoothed as psych ``cor.smooth`` when not
  positive definite);
* ``df = p(p - 1)/2 - p m + m(m - 1)/2``;
* chi-square ``F * (n - 1 - (2p + 5)/6 - 2m/3)`` (Bartlett's correction), its p-value;
* RMSEA ``sqrt(max(chi2 / (df n) - 1/(n - 1), 0))`` with a 90% interval from the noncentral chi-square;
* TLI ``(M0 - Mm) / (M0 - 1/nm)``, ``M0 = F0 / (p(p - 1)/2)``, ``Mm = F / df``,
  ``nm = n - 1 - (2p + 5)/6 - 2m/3``, ``F0 = -log|R|`` (the null model);
* BIC ``chi2 - df log(n)``, sample-size adjusted BIC ``chi2 - df log((n + 2)/24)``;
* RMSR ``sqrt(sum_{i != j} r*_ij^2 / (p(p - 1)))`` over the off-diagonal residuals ``r* = R - M``
  (weighted by the pairwise counts when answers are missing, as psych), and the df-corrected RMSR;
* the "empirical" chi-square ``sum_{i != j} r*_ij^2 n_ij`` (psych ``fa$chi``).

References
----------
Revelle, W. (2022). psych 2.2.9, ``fa.stats``. Tucker, L. R. & Lewis, C. (1973). A reliability
coefficient for maximum likelihood factor analysis. Psychometrika, 38, 1-10. Steiger, J. H. & Lind,
J. C. (1980). Statistically based tests for the number of common factors (RMSEA).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy import stats
from scipy.optimize import brentq

__all__ = ["FitStatistics", "fit_statistics", "cor_smooth"]


def cor_smooth(R: np.ndarray, eig_tol: float = 1e-12) -> np.ndarray:
    """psych ``cor.smooth``: a matrix with an eigenvalue below machine epsilon gets eigenvalues < ``eig_tol``
    set to ``100 * eig_tol``, rescaled to sum ``p``, and is turned back into a correlation matrix.
    A positive definite matrix is returned unchanged."""
    w, V = np.linalg.eigh(R)
    if w.min() >= np.finfo(float).eps:
        return R
    w = np.where(w < eig_tol, 100 * eig_tol, w)
    w = w * (R.shape[0] / w.sum())
    S = (V * w) @ V.T
    d = 1.0 / np.sqrt(np.diag(S))
    return S * d[:, None] * d[None, :]


@dataclass(frozen=True)
class FitStatistics:
    """Fit of an ``m``-factor model (psych ``fa`` names in brackets).

    Attributes
    ----------
    objective
        Discrepancy ``F`` [``objective``].
    chi2, df, p
        Likelihood-ratio chi-square [``STATISTIC``], degrees of freedom [``dof``], p-value [``PVAL``].
    rmsea, rmsea_lower, rmsea_upper
        RMSEA and its 90% interval [``RMSEA``].
    tli
        Tucker-Lewis index [``TLI``].
    bic, sabic
        BIC and sample-size adjusted BIC [``BIC``, ``SABIC``].
    rmsr, crmsr
        Root mean square of the off-diagonal residuals [``rms``] and its df-corrected version [``crms``].
    empirical_chi2, empirical_p
        Chi-square from the residuals and pairwise counts [``chi``, ``EPVAL``].
    null_chi2, null_df, null_objective
        Null (independence) model [``null.chisq``, ``null.dof``, ``null.model``].
    fit, fit_off
        ``1 - sum(r*^2)/sum(r^2)`` over all cells and over the off-diagonal cells [``fit``, ``fit.off``].
    n_obs, n_harmonic
        Respondents used, and the harmonic mean of the pairwise counts [``nh``].
    """

    objective: float
    chi2: float
    df: int
    p: float
    rmsea: float
    rmsea_lower: float
    rmsea_upper: float
    tli: float
    bic: float
    sabic: float
    rmsr: float
    crmsr: float
    empirical_chi2: float
    empirical_p: float
    null_chi2: float
    null_df: int
    null_objective: float
    fit: float
    fit_off: float
    n_obs: int
    n_harmonic: float

    def to_dict(self) -> dict[str, Any]:
        """Plain mapping (NaN stays NaN; the CLI prints it as null)."""
        return asdict(self)


def _nan() -> float:
    return float("nan")


def _rmsea_bounds(chi2: float, df: int, n: int, rmsea: float, conf: float) -> tuple[float, float]:
    """psych's RMSEA interval: roots in the noncentrality of the noncentral chi-square cdf."""
    tail = (1.0 - conf) / 2.0
    hi = max(n, chi2) + 2 * n

    def root(target: float) -> float:
        def g(x: float) -> float:
            return float(stats.ncx2.cdf(chi2, df, x) if x > 0 else stats.chi2.cdf(chi2, df)) - target
        try:
            if g(0.0) * g(hi) > 0:
                return _nan()
            return float(brentq(g, 0.0, hi, xtol=1e-10, rtol=1e-12))
        except (ValueError, RuntimeError):
            return _nan()

    base = float(stats.chi2.cdf(chi2, df))
    upper = 0.0
    if base > tail:
        r = root(tail)
        upper = math.sqrt(r / (n - 1) / df) if np.isfinite(r) else _nan()
    lower = 0.0
    if base > 1.0 - tail:
        r = root(1.0 - tail)
        lower = math.sqrt(r / (n - 1) / df) if np.isfinite(r) else _nan()
    if np.isfinite(upper) and upper < rmsea:
        upper = _nan()
    if np.isfinite(lower) and lower > rmsea:
        lower = _nan()
    return lower, upper


def fit_statistics(R: np.ndarray, loadings: np.ndarray, phi: np.ndarray | None = None, *, n_obs: int | None = None,
                   pairwise_n: np.ndarray | None = None, smooth: bool = True, conf: float = 0.9) -> FitStatistics:
    """Fit statistics of a factor solution, as psych ``fa`` reports them (see the module docstring).

    Parameters
    ----------
    R
        ``p x p`` correlation matrix the model was fitted to.
    loadings
        ``p x m`` loadings (pattern; rotation does not change the fit).
    phi
        Factor correlations (None: orthogonal).
    n_obs
        Number of respondents (None: chi-square based statistics are NaN).
    pairwise_n
        ``p x p`` counts of respondents per pair; weights the residuals as psych does with missing data.
    smooth
        Smooth ``R`` and the model when not positive definite (psych default).
    conf
        Confidence level of the RMSEA interval (psych ``fa``: 0.9).
    """
    R = np.asarray(R, dtype=float)
    L = np.asarray(loadings, dtype=float)
    p, m = L.shape
    Phi = np.eye(m) if phi is None else np.asarray(phi, dtype=float)
    model = L @ Phi @ L.T
    residual = R - model
    r2 = float((R * R).sum())
    rstar2 = float((residual * residual).sum())
    dof = int(round(p * (p - 1) / 2 - p * m + m * (m - 1) / 2))
    off = ~np.eye(p, dtype=bool)
    res_off2 = np.where(off, residual * residual, 0.0)
    if pairwise_n is None:
        nn = float(n_obs) if n_obs is not None else _nan()
        rstar_off = float(res_off2.sum())
        emp_chi = rstar_off * nn
        nh = nn
        rms = math.sqrt(rstar_off / (p * (p - 1)))
        r2_off = r2 - float(np.trace(R))
        crms_num = rstar_off
    else:
        npo = np.asarray(pairwise_n, dtype=float)
        rstar_off = float((res_off2 * npo).sum())
        emp_chi = rstar_off
        nh = float(stats.hmean(npo.ravel())) if (npo > 0).all() else _nan()
        rms = math.sqrt(rstar_off / (nh * p * (p - 1)))
        rr = R * R * npo
        r2_off = float(rr.sum() - np.trace(rr))
        crms_num = rstar_off / nh
    crms = math.sqrt(crms_num / (2 * dof)) if dof > 0 else _nan()
    emp_p = float(stats.chi2.sf(emp_chi, dof)) if dof > 0 and np.isfinite(emp_chi) else _nan()
    fit_all = 1.0 - rstar2 / r2
    fit_off = 1.0 - rstar_off / r2_off

    M = model.copy()
    np.fill_diagonal(M, np.diag(R))
    M = cor_smooth(M)
    Rs = cor_smooth(R) if smooth else R
    try:
        MR = np.linalg.solve(M, Rs)
        sign, logdet = np.linalg.slogdet(MR)
        objective = float(np.trace(MR) - logdet - p) if sign > 0 else _nan()
    except np.linalg.LinAlgError:
        objective = _nan()
    sign0, logdet0 = np.linalg.slogdet(Rs)
    F0 = float(np.trace(Rs) - logdet0 - p) if sign0 > 0 else _nan()

    chi2 = pval = rmsea = lo = hi = tli = bic = sabic = null_chi2 = _nan()
    if n_obs is not None and n_obs > 1:
        n = int(n_obs)
        nm = (n - 1) - (2 * p + 5) / 6 - (2 * m) / 3
        chisq = objective * nm
        chi2 = max(chisq, 0.0) if np.isfinite(chisq) else _nan()
        pval = float(stats.chi2.sf(chi2, dof)) if dof > 0 else _nan()
        null_chi2 = F0 * ((n - 1) - (2 * p + 5) / 6)
        M0 = F0 * 2 / (p * (p - 1))
        Mm = objective / dof if dof != 0 else _nan()
        tli = (M0 - Mm) / (M0 - 1 / nm) if dof != 0 else _nan()
        if dof > 0 and np.isfinite(objective):
            rmsea = math.sqrt(max(chisq / (dof * n) - 1 / (n - 1), 0.0))
            lo, hi = _rmsea_bounds(chi2, dof, n, rmsea, conf)
            bic = chisq - dof * math.log(n)
            sabic = chisq - dof * math.log((n + 2) / 24)
    return FitStatistics(objective=objective, chi2=float(chi2), df=dof, p=float(pval), rmsea=float(rmsea),
                         rmsea_lower=float(lo), rmsea_upper=float(hi), tli=float(tli), bic=float(bic),
                         sabic=float(sabic), rmsr=float(rms), crmsr=float(crms), empirical_chi2=float(emp_chi),
                         empirical_p=emp_p, null_chi2=float(null_chi2), null_df=p * (p - 1) // 2,
                         null_objective=F0, fit=float(fit_all), fit_off=float(fit_off),
                         n_obs=int(n_obs) if n_obs is not None else 0, n_harmonic=float(nh))

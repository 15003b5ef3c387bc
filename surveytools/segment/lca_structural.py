r"""Covariates and distal outcomes of latent classes: one-step and bias-adjusted three-step estimation.

**Covariates** (age, region...) predict class membership by a multinomial logistic regression with class 1
(the largest) as reference:

.. math:: P(c \mid z_i) = \frac{\exp(z_i'\beta_c)}{\sum_d \exp(z_i'\beta_d)}, \quad \beta_1 = 0

``z_i`` holds an intercept, numeric covariates as they are, and categorical covariates as dummies (the
lowest code is the reference level). Three estimators:

- ``ml`` (default; Vermunt, 2010): the bias-adjusted **three-step ML** approach. Step 1 fits the measurement
  model without covariates; step 2 assigns every respondent to the modal class ``W_i``; step 3 maximises
  ``sum_i w_i log sum_c P(c | z_i) D[c, W_i]`` where ``D[c, s] = P(W = s | X = c)`` is the classification
  error matrix of step 1, ``D[c, s] = sum_i w_i p_ic [W_i = s] / sum_i w_i p_ic`` (Bakk, Tekle & Vermunt,
  2013). The classes do not change when covariates are added, and the estimates are not attenuated by
  classification error as regressing the modal classes on the covariates would be.
- ``bch``: the BCH approach (Bolck, Croon & Hagenaars, 2004; Vermunt, 2010): a multinomial logistic
  regression of the classes with weights ``w_ic = D^{-1}[W_i, c]`` (rows sum to 1; may be negative).
- ``one-step``: the covariates enter the latent class model itself (the class proportions become
  ``P(c | z_i)``), estimated jointly with the measurement model by EM. The classes may shift when covariates
  are added; this is the efficient estimator when the model is right.

Standard errors: from the observed information of the covariate parameters (a central finite difference
of the analytic gradient), treating the measurement model (``one-step``) or the classification error matrix
(``ml``, ``bch``) as known, as Vermunt (2010) and Latent GOLD's step-3 defaults; Bakk, Oberski & Vermunt
(2014) show the resulting underestimation is small when the classes are well separated (entropy R2 > 0.8).
With survey weights the sandwich ``H^-1 (sum_i w_i^2 s_i s_i') H^-1`` replaces ``H^-1``.

**Distal outcomes** (NPS, spend...) are compared across classes by BCH (Bakk & Vermunt, 2016, recommend it
for continuous distal outcomes: it does not assume normality within classes, unlike three-step ML): the class
means are the weighted means ``mu_c = sum_i w_i w_ic y_i / sum_i w_i w_ic`` with the BCH weights, their
covariance the sandwich ``V[c, d] = sum_i w_i^2 w_ic w_id (y_i - mu_c)(y_i - mu_d) / (W_c W_d)``, and the Wald
statistic ``(C mu)' (C V C')^-1 (C mu)`` with ``C`` the contrasts against class 1 is chi-square with
``k - 1`` degrees of freedom under equal means. A categorical distal outcome is compared through the shares
of each of its levels (the means of its 0/1 indicators), one Wald test per level.

References
----------
Bakk, Z., Tekle, F. B., & Vermunt, J. K. (2013). Estimating the association between latent class
membership and external variables using bias-adjusted three-step approaches. Sociological Methodology 43,
272-311.
Bakk, Z., Oberski, D. L., & Vermunt, J. K. (2014). Relating latent class assignments to external variables:
standard errors for correct inference. Political Analysis 22, 520-540.
Bakk, Z., & Vermunt, J. K. (2016). Robustness of stepwise latent class modeling with continuous distal
outcomes. Structural Equation Modeling 23, 20-31.
Bolck, A., Croon, M., & Hagenaars, J. (2004). Estimating latent structure models with categorical
variables: One-step versus three-step estimators. Political Analysis 12, 3-27.
Vermunt, J. K. (2010). Latent class modeling with covariates: Two improved three-step approaches. Political
Analysis 18, 450-469.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import chi2, norm

from ..exceptions import DataError, EstimationError
from .latent_class import Encoded, LatentClassFit, _log_dens, _lse, _m_step, _Params, _prior_counts

__all__ = ["COVARIATE_METHODS", "Design", "design_matrix", "classification_error", "bch_weights",
           "covariate_model", "distal_outcomes", "one_step"]

COVARIATE_METHODS = ("ml", "bch", "one-step")


# ====================================================================== design
@dataclass(frozen=True, eq=False)
class Design:
    """Covariate design: ``z`` (rows x terms; intercept first), the term names, the rows with every
    covariate (``ok``), and per covariate how it is coded."""

    z: np.ndarray
    terms: list[str]
    ok: np.ndarray
    coding: dict[str, dict[str, Any]]


def design_matrix(frame: pd.DataFrame, kinds: Mapping[str, str]) -> Design:
    """Intercept, numeric covariates as they are, categorical covariates as dummies (lowest code = reference).

    Parameters
    ----------
    frame
        Respondents x covariates (NaN missing).
    kinds
        Covariate -> ``numeric`` or ``categorical``.

    Raises
    ------
    DataError
        A covariate with no value at all, or one value for every respondent.
    """
    n = len(frame)
    ok = np.ones(n, dtype=bool)
    cols: list[np.ndarray] = [np.ones(n)]
    terms = ["(intercept)"]
    coding: dict[str, dict[str, Any]] = {}
    for name in frame.columns:
        kind = kinds.get(str(name), "numeric")
        raw = frame[name]
        if kind == "categorical" or not pd.api.types.is_numeric_dtype(raw):
            vals = raw.astype(object).where(raw.notna(), None)
            present = vals.notna().to_numpy()
            if not present.any():
                raise DataError(f"covariate {name!r} has no value for any respondent segmented; remove it from "
                                "--covariates")
            levels = sorted(pd.unique(vals[present]), key=lambda v: (not isinstance(v, (int, float)), v))
            if len(levels) < 2:
                raise DataError(f"covariate {name!r} has the same value ({levels[0]}) for every respondent; it "
                                "cannot predict class membership: remove it from --covariates")
            ok &= present
            for lev in levels[1:]:
                cols.append((vals == lev).to_numpy(dtype=float))
                terms.append(f"{name}={_lev(lev)}")
            coding[str(name)] = {"kind": "categorical", "reference": _lev(levels[0]),
                                 "levels": [_lev(v) for v in levels]}
        else:
            v = raw.to_numpy(dtype=float)
            present = np.isfinite(v)
            if not present.any():
                raise DataError(f"covariate {name!r} has no value for any respondent segmented; remove it from "
                                "--covariates")
            if np.unique(v[present]).size < 2:
                raise DataError(f"covariate {name!r} has the same value for every respondent; it cannot predict "
                                "class membership: remove it from --covariates")
            ok &= present
            cols.append(np.where(present, v, 0.0))
            terms.append(str(name))
            coding[str(name)] = {"kind": "numeric"}
    return Design(z=np.column_stack(cols), terms=terms, ok=ok, coding=coding)


def _lev(v: Any) -> Any:
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return int(v)
    if isinstance(v, np.integer):
        return int(v)
    return v


# ====================================================================== multinomial logit
def _softmax(eta: np.ndarray) -> np.ndarray:
    e = np.exp(eta - eta.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _unpack(theta: np.ndarray, p: int, k: int) -> np.ndarray:
    beta = np.zeros((p, k))
    beta[:, 1:] = theta.reshape(p, k - 1, order="F")
    return beta


def _mlogit(z: np.ndarray, t: np.ndarray, v: np.ndarray, beta0: np.ndarray | None = None, max_iter: int = 100,
            tol: float = 1e-10) -> np.ndarray:
    """Maximise ``sum_i v_i sum_c t_ic log P(c | z_i)`` (rows of t sum to 1) by Newton-Raphson with step
    halving; returns beta (p x k, first column 0)."""
    n, p = z.shape
    k = t.shape[1]
    theta = np.zeros(p * (k - 1)) if beta0 is None else beta0[:, 1:].reshape(-1, order="F").copy()

    def objective(th: np.ndarray) -> float:
        eta = z @ _unpack(th, p, k)
        return float(v @ ((t * eta).sum(axis=1) - _lse(eta)))

    cur = objective(theta)
    for _ in range(max_iter):
        pr = _softmax(z @ _unpack(theta, p, k))
        grad = (z.T @ ((t - pr) * v[:, None]))[:, 1:].reshape(-1, order="F")
        hess = np.empty((p * (k - 1), p * (k - 1)))
        for a in range(1, k):
            for b in range(a, k):
                wab = v * pr[:, a] * ((a == b) - pr[:, b])
                blk = (z * wab[:, None]).T @ z
                ia, ib = (a - 1) * p, (b - 1) * p
                hess[ia:ia + p, ib:ib + p] = blk
                hess[ib:ib + p, ia:ia + p] = blk.T
        try:
            step = np.linalg.solve(hess + 1e-10 * np.eye(hess.shape[0]), grad)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(hess, grad, rcond=None)[0]
        lam = 1.0
        while True:
            new = theta + lam * step
            val = objective(new)
            if val >= cur - 1e-12 * abs(cur) or lam < 1e-8:
                break
            lam /= 2.0
        change = val - cur
        theta, cur = new, val
        if abs(change) <= tol * max(1.0, abs(cur)):
            break
    return _unpack(theta, p, k)


def _marginal_grad(theta: np.ndarray, z: np.ndarray, loge: np.ndarray, v: np.ndarray
                   ) -> tuple[float, np.ndarray, np.ndarray]:
    """Objective ``sum_i v_i log sum_c P(c|z_i) E_ic``, its gradient and the per-row scores."""
    p = z.shape[1]
    k = loge.shape[1]
    beta = _unpack(theta, p, k)
    eta = z @ beta
    lp = eta - _lse(eta)[:, None]
    joint = lp + loge
    lse = _lse(joint)
    q = np.exp(joint - lse[:, None])
    pr = np.exp(lp)
    diff = (q - pr)[:, 1:]
    scores = (z[:, :, None] * diff[:, None, :]).reshape(z.shape[0], -1, order="F")
    return float(v @ lse), scores.T @ v, scores


def _fit_marginal(z: np.ndarray, loge: np.ndarray, v: np.ndarray, beta0: np.ndarray | None = None,
                  max_iter: int = 1000, tol: float = 1e-10) -> np.ndarray:
    """EM for the covariate model with fixed class-conditional log-likelihoods ``loge`` (n x k)."""
    beta = np.zeros((z.shape[1], loge.shape[1])) if beta0 is None else beta0
    prev = -np.inf
    for _ in range(max_iter):
        eta = z @ beta
        joint = eta - _lse(eta)[:, None] + loge
        lse = _lse(joint)
        ll = float(v @ lse)
        if abs(ll - prev) <= tol * max(1.0, abs(ll)):
            break
        prev = ll
        q = np.exp(joint - lse[:, None])
        beta = _mlogit(z, q, v, beta, max_iter=5)
    return beta


def _covariance(theta: np.ndarray, grad_fn: Any, v: np.ndarray, weighted: bool) -> np.ndarray:
    """Inverse observed information by central differences of the analytic gradient (sandwich if weighted)."""
    d = theta.size
    hess = np.empty((d, d))
    for j in range(d):
        h = 1e-5 * max(1.0, abs(theta[j]))
        e = np.zeros(d)
        e[j] = h
        _, g1, _ = grad_fn(theta + e)
        _, g0, _ = grad_fn(theta - e)
        hess[:, j] = (g1 - g0) / (2.0 * h)
    hess = (hess + hess.T) / 2.0
    info = -hess
    try:
        inv = np.linalg.inv(info)
    except np.linalg.LinAlgError:
        raise EstimationError("the covariate model is not identified (singular information matrix): a covariate "
                              "level or class may have too few respondents; drop or merge levels") from None
    if not weighted:
        return inv
    _, _, scores = grad_fn(theta)
    meat = (scores * (v * v)[:, None]).T @ scores
    return inv @ meat @ inv


def _bch_covariance(beta: np.ndarray, z: np.ndarray, t: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Sandwich covariance of a weighted (soft-target) multinomial logit."""
    p = z.shape[1]
    k = t.shape[1]
    pr = _softmax(z @ beta)
    d = p * (k - 1)
    bread = np.empty((d, d))
    for a in range(1, k):
        for b in range(1, k):
            wab = v * pr[:, a] * ((a == b) - pr[:, b])
            bread[(a - 1) * p:a * p, (b - 1) * p:b * p] = (z * wab[:, None]).T @ z
    scores = (z[:, :, None] * (t - pr)[:, None, 1:]).reshape(z.shape[0], -1, order="F")
    meat = (scores * (v * v)[:, None]).T @ scores
    try:
        inv = np.linalg.inv(bread)
    except np.linalg.LinAlgError:
        raise EstimationError("the covariate model is not identified (singular information matrix); drop or merge "
                              "covariate levels") from None
    return inv @ meat @ inv


# ====================================================================== three-step pieces
def classification_error(proba: np.ndarray, v: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Modal classes ``W_i`` and ``D[c, s] = P(W = s | X = c) = sum_i v_i p_ic [W_i = s] / sum_i v_i p_ic``."""
    n, k = proba.shape
    v = np.ones(n) if v is None else np.asarray(v, dtype=float)
    lab = proba.argmax(axis=1)
    onehot = np.zeros((n, k))
    onehot[np.arange(n), lab] = 1.0
    num = (proba * v[:, None]).T @ onehot
    d = num / np.maximum(num.sum(axis=1, keepdims=True), 1e-300)
    return lab, d


def bch_weights(proba: np.ndarray, v: np.ndarray | None = None) -> np.ndarray:
    """BCH weights ``w_ic = D^{-1}[W_i, c]`` (n x k; rows sum to 1)."""
    lab, d = classification_error(proba, v)
    try:
        dinv = np.linalg.inv(d)
    except np.linalg.LinAlgError:
        dinv = np.linalg.pinv(d)
    return dinv[lab]


def _effects(beta: np.ndarray, cov: np.ndarray, terms: Sequence[str]) -> dict[str, Any]:
    p, k = beta.shape
    se = np.sqrt(np.maximum(np.diag(cov), 0.0)).reshape(p, k - 1, order="F")
    out: dict[str, Any] = {}
    for c in range(1, k):
        rows = {}
        for j, term in enumerate(terms):
            b = float(beta[j, c])
            s = float(se[j, c - 1])
            zval = b / s if s > 0 else float("nan")
            rows[term] = {"coef": b, "se": s, "z": zval,
                          "p": float(2.0 * norm.sf(abs(zval))) if np.isfinite(zval) else float("nan"),
                          "odds_ratio": float(np.exp(b)) if j > 0 else float("nan"),
                          "ci_low": float(np.exp(b - 1.959963984540054 * s)) if j > 0 else float("nan"),
                          "ci_high": float(np.exp(b + 1.959963984540054 * s)) if j > 0 else float("nan")}
        out[str(c + 1)] = rows
    return out


def _wald_terms(beta: np.ndarray, cov: np.ndarray, design: Design) -> dict[str, Any]:
    """Per covariate, the Wald test that all its coefficients (all classes) are 0."""
    p, k = beta.shape
    theta = beta[:, 1:].reshape(-1, order="F")
    out: dict[str, Any] = {}
    for name in design.coding:
        idx_terms = [j for j, t in enumerate(design.terms) if t == name or t.startswith(f"{name}=")]
        idx = [j + c * p for c in range(k - 1) for j in idx_terms]
        sub = cov[np.ix_(idx, idx)]
        try:
            stat = float(theta[idx] @ np.linalg.solve(sub, theta[idx]))
        except np.linalg.LinAlgError:
            stat = float("nan")
        out[name] = {"wald": stat, "df": len(idx), "p": float(chi2.sf(stat, len(idx))) if np.isfinite(stat) else None}
    return out


def covariate_model(design: Design, proba: np.ndarray, v: np.ndarray, method: str = "ml",
                    loge: np.ndarray | None = None, weighted: bool = False) -> dict[str, Any]:
    """Effects of covariates on class membership (module notes).

    Parameters
    ----------
    design
        From :func:`design_matrix`, rows as ``proba``.
    proba
        Posterior class probabilities of step 1 (n x k), classes in their final numbering.
    v
        Survey weights (mean 1).
    method
        ``ml`` or ``bch`` (three-step); ``one-step`` needs ``loge``: the measurement model's
        ``log f(y_i | c)`` of the jointly estimated model (:func:`one_step`).
    weighted
        Sandwich standard errors (survey weights that are not all equal).

    Returns
    -------
    dict
        ``method``, ``reference_class`` (1), ``terms``, ``coding``, ``effects`` (class -> term -> coef, se,
        z, p, odds_ratio, ci_low, ci_high), ``tests`` (covariate -> Wald, df, p), ``n_used``,
        ``n_missing_covariates``.
    """
    if method not in COVARIATE_METHODS:
        raise DataError(f"covariate method must be one of {', '.join(COVARIATE_METHODS)}, not {method!r}")
    ok = design.ok
    z = design.z[ok]
    vv = v[ok]
    pr = proba[ok]
    k = pr.shape[1]
    if ok.sum() <= z.shape[1] * (k - 1):
        raise DataError(f"only {int(ok.sum())} respondents have every covariate: too few for "
                        f"{z.shape[1] * (k - 1)} covariate parameters; use fewer covariates")
    if method == "bch":
        t = bch_weights(pr, vv)
        beta = _mlogit(z, t, vv)
        cov = _bch_covariance(beta, z, t, vv)
    else:
        if method == "ml":
            lab, d = classification_error(pr, vv)
            le = np.log(np.maximum(d[:, lab].T, 1e-300))
        else:
            if loge is None:
                raise DataError("one-step covariate effects need the measurement model's log-likelihoods")
            le = loge[ok]
        beta = _fit_marginal(z, le, vv)
        theta = beta[:, 1:].reshape(-1, order="F")
        cov = _covariance(theta, lambda th: _marginal_grad(th, z, le, vv), vv, weighted)
    return {"method": method, "reference_class": 1, "terms": list(design.terms), "coding": design.coding,
            "effects": _effects(beta, cov, design.terms), "tests": _wald_terms(beta, cov, design),
            "n_used": int(ok.sum()), "n_missing_covariates": int((~ok).sum()), "beta": beta, "covariance": cov}


# ====================================================================== one-step
def one_step(fit: LatentClassFit, enc: Encoded, v: np.ndarray, design: Design, *, max_iter: int = 2000,
             tol: float = 1e-8) -> tuple[LatentClassFit, np.ndarray, np.ndarray]:
    """Re-estimate the model with the covariates in it, starting from ``fit`` (rows with every covariate).

    Returns the refitted model (``weights`` = mean of ``P(c | z_i)``), its posteriors ``P(c | y_i, z_i)``
    and ``log f(y_i | c)`` on the model scale (for the standard errors), all for the rows of ``enc``.
    """
    from dataclasses import replace

    z = design.z
    k = fit.k
    prior_counts = _prior_counts(enc, v, fit.prior)
    par = _Params(np.log(fit.weights)[None], fit.probs[None], fit.means[None], fit.variances[None])
    beta = np.zeros((z.shape[1], k))
    beta[0] = np.log(np.maximum(fit.weights, 1e-300)) - np.log(max(fit.weights[0], 1e-300))
    prev = -np.inf
    vsum = float(v.sum())
    it = 0
    converged = False
    for it in range(1, max_iter + 1):  # noqa: B007
        logd = _log_dens(enc, par)[0].T
        eta = z @ beta
        lp = eta - _lse(eta)[:, None]
        joint = logd + lp
        lse = _lse(joint)
        obj = float(v @ lse) + float((np.log(np.maximum(par.probs, 1e-300)) * prior_counts).sum())
        if abs(obj - prev) <= tol * vsum:
            converged = True
            break
        prev = obj
        q = np.exp(joint - lse[:, None])
        par = _m_step(enc, (q * v[:, None]).T[None], prior_counts, fit.var_floor)
        beta = _mlogit(z, q, v, beta, max_iter=5)
    logd = _log_dens(enc, par)[0].T
    eta = z @ beta
    lp = eta - _lse(eta)[:, None]
    joint = logd + lp
    lse = _lse(joint)
    q = np.exp(joint - lse[:, None])
    weights = (np.exp(lp) * v[:, None]).sum(axis=0) / vsum
    ll = float(v @ lse) + float(v @ enc.log_jac)
    new = replace(fit, weights=weights, probs=par.probs[0], means=par.means[0], variances=par.var[0], loglik=ll,
                  objective=obj, n_parameters=fit.n_parameters - (k - 1) + z.shape[1] * (k - 1), n_iter=it,
                  converged=converged)
    return new, q, logd


# ====================================================================== distal outcomes
def distal_outcomes(frame: pd.DataFrame, kinds: Mapping[str, str], proba: np.ndarray, v: np.ndarray
                    ) -> dict[str, Any]:
    """Class means (numeric) or level shares (categorical) of distal outcomes by BCH, with sandwich standard
    errors and Wald tests of equality across classes (module notes). Rows with a missing outcome are left
    out of that outcome only (their count is reported)."""
    n, k = proba.shape
    out: dict[str, Any] = {}
    for name in frame.columns:
        raw = frame[name]
        kind = kinds.get(str(name), "numeric")
        if kind != "categorical" and pd.api.types.is_numeric_dtype(raw):
            y = raw.to_numpy(dtype=float)
            ok = np.isfinite(y)
            if not ok.any():
                raise DataError(f"distal outcome {name!r} has no value for any respondent segmented; remove it from "
                                "--distal")
            res = _bch_means(y[ok, None], proba[ok], v[ok])
            out[str(name)] = {"kind": "numeric", "n_used": int(ok.sum()), "n_missing": int((~ok).sum()),
                              **_distal_entry(res, 0, k)}
        else:
            vals = raw.astype(object).where(raw.notna(), None)
            ok = vals.notna().to_numpy()
            if not ok.any():
                raise DataError(f"distal outcome {name!r} has no value for any respondent segmented; remove it from "
                                "--distal")
            levels = sorted(pd.unique(vals[ok]), key=lambda x: (not isinstance(x, (int, float)), x))
            y = np.column_stack([(vals[ok] == lev).to_numpy(dtype=float) for lev in levels])
            res = _bch_means(y, proba[ok], v[ok])
            out[str(name)] = {"kind": "categorical", "n_used": int(ok.sum()), "n_missing": int((~ok).sum()),
                              "levels": {str(_lev(lev)): _distal_entry(res, j, k) for j, lev in enumerate(levels)}}
    return out


def _bch_means(y: np.ndarray, proba: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """BCH class means (k x q) and their covariance per column (q x k x k)."""
    wts = bch_weights(proba, v) * v[:, None]  # n x k
    tot = wts.sum(axis=0)
    mu = (wts.T @ y) / tot[:, None]  # k x q
    q = y.shape[1]
    cov = np.empty((q, mu.shape[0], mu.shape[0]))
    for j in range(q):
        e = wts * (y[:, j:j + 1] - mu[:, j][None, :])  # n x k: w_ic v_i (y_i - mu_c)
        cov[j] = (e.T @ e) / np.outer(tot, tot)
    return mu, cov


def _distal_entry(res: tuple[np.ndarray, np.ndarray], j: int, k: int) -> dict[str, Any]:
    mu, cov = res
    m = mu[:, j]
    v = cov[j]
    se = np.sqrt(np.maximum(np.diag(v), 0.0))
    c = np.hstack([-np.ones((k - 1, 1)), np.eye(k - 1)])
    d = c @ m
    try:
        stat = float(d @ np.linalg.solve(c @ v @ c.T, d))
    except np.linalg.LinAlgError:
        stat = float("nan")
    return {"mean": {str(i + 1): float(m[i]) for i in range(k)}, "se": {str(i + 1): float(se[i]) for i in range(k)},
            "wald": stat, "df": k - 1, "p": float(chi2.sf(stat, k - 1)) if np.isfinite(stat) else None}

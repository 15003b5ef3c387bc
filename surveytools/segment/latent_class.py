r"""Latent class analysis: a finite mixture with one measurement model per item type, fitted by EM.

The model (Lazarsfeld & Henry, 1968; Goodman, 1974; Vermunt & Magidson, 2002). Respondent ``i`` belongs to
one of ``k`` latent classes with probability ``pi_c``; given the class, the basis items are independent
(local independence), each with the measurement model of its type:

- **categorical** (nominal items: region, channel, payment): multinomial, ``P(y_ij = l | c) = p_jcl``;
- **ordinal** (Likert items): also multinomial over the answer codes ("ordinal as categorical", as poLCA,
  StepMix and Latent GOLD's nominal indicators): it assumes nothing about the spacing of the codes and
  recovers any class profile (also non-monotone ones, "agree" and "disagree" classes against a "neutral"
  one), at the price of ``L - 1`` parameters per class instead of the 2 of an adjacent-category model;
- **binary** (yes/no items, the options of a multi-select item): Bernoulli, a multinomial with 2 levels;
- **gaussian** (numeric items, scale and factor scores, CRM amounts): normal with a class-specific mean and
  variance (a diagonal covariance: latent profile analysis). A strongly right-skewed positive variable
  (weighted skewness above 2 and no negative value: spend, orders) is modelled as ``log(1 + x)``, which is
  reported; the log-likelihood keeps the Jacobian, so it stays the density of the raw values.

so that

.. math:: L = \sum_i w_i \log \sum_c \pi_c \prod_j f_j(y_{ij} \mid c)

with survey weights ``w_i`` (rescaled to mean 1, so ``sum w = n``). A **missing answer** leaves its factor
out of the product (full-information maximum likelihood under missing at random): respondents with some
answers keep their place and only respondents with no basis answer at all are left out.

**EM** (Dempster, Laird & Rubin, 1977), vectorised: the E-step is one matrix product of the one-hot coded
answers with the log probabilities plus three products for the Gaussian items; the weighted M-step is their
transposes. Many random starts run at once as one wide product, and SQUAREM extrapolation (Varadhan &
Roland, 2008) speeds up the slow convergence of overfitted models.

**Priors (floors).** A zero estimated probability (a class that never gives an answer) is a boundary
estimate: the log-likelihood can not tell it from a tiny one, and a new respondent giving that answer
could never join the class. As Latent GOLD's Bayes constants (Galindo-Garre & Vermunt, 2006), a
Dirichlet prior adds ``prior`` (default 1) pseudo-answer per item and class, spread over the item's levels
in proportion to their overall shares; the estimates are posterior modes. ``prior=0`` gives plain maximum
likelihood (as poLCA and StepMix; probabilities are then floored at 1e-300 only to keep logarithms finite).
Gaussian variances are floored at ``var_floor`` (default 1e-3) times the item's overall variance, which
keeps the likelihood bounded when a class holds a single value. The reported log-likelihood is the
likelihood at these estimates (without the prior term), as Latent GOLD reports it.

**Random starts** (as Mplus ``STARTS``): ``n_init`` starts with random parameters (class probabilities
from a flat Dirichlet, as poLCA; Gaussian means at a random respondent's answers, unit variances) run
``init_iter`` EM iterations (on a random sample of at most ``init_size`` = 5,000 rows: they only rank the
starts); the ``n_final`` best continue to convergence. On more than ``2 coarse_size``
rows both stages run on a fixed random subsample of ``coarse_size`` rows (the final stage there to a tolerance
of 1e-6), and the best final solution then continues on all rows. EM stops when the objective changes by less than ``tol`` (1e-7) times the number of
respondents. The best log-likelihood is **replicated** when at least two final-stage runs reach it (within
0.05 + 1e-6 |L|, a margin for runs stopped by ``tol`` on a flat likelihood); otherwise a
:class:`~surveytools.exceptions.ReplicationWarning` says so. On large data the final-stage log-likelihoods
other than the best are those of the subsample, scaled to all rows.

References
----------
Dempster, A. P., Laird, N. M., & Rubin, D. B. (1977). Maximum likelihood from incomplete data via the EM
algorithm. JRSS B 39, 1-38.
Galindo-Garre, F., & Vermunt, J. K. (2006). Avoiding boundary estimates in latent class analysis by
Bayesian posterior mode estimation. Behaviormetrika 33, 43-59.
Goodman, L. A. (1974). Exploratory latent structure analysis using both identifiable and unidentifiable
models. Biometrika 61, 215-231.
Linzer, D. A., & Lewis, J. B. (2011). poLCA: An R package for polytomous variable latent class analysis.
Journal of Statistical Software 42(10).
Morin, S., Legault, R., et al. (2025). StepMix: A Python package for pseudo-likelihood estimation of
generalized mixture models with external variables. Journal of Statistical Software.
Ramaswamy, V., DeSarbo, W. S., Reibstein, D. J., & Robinson, W. T. (1993). An empirical pooling approach for
estimating marketing mix elasticities with PIMS data. Marketing Science 12, 103-124 (relative entropy).
Varadhan, R., & Roland, C. (2008). Simple and globally convergent methods for accelerating the convergence of
any EM algorithm. Scandinavian Journal of Statistics 35, 335-353.
Vermunt, J. K., & Magidson, J. (2002). Latent class cluster analysis. In Hagenaars & McCutcheon (eds.),
Applied Latent Class Analysis, 89-106. Cambridge University Press.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..exceptions import ConvergenceWarning, DataError, EmptyClassWarning, EstimationError, ReplicationWarning
from ._base import Method, Progress, Solution
from ._util import blas_single_thread

__all__ = ["ITEM_KINDS", "ItemSpec", "item_specs", "Encoded", "encode", "LatentClassFit", "fit_latent_class",
           "lca_criteria", "posterior", "LatentClassMethod", "infer_kind"]

#: Measurement models by item type.
ITEM_KINDS = ("categorical", "ordinal", "binary", "gaussian")
_DISCRETE = ("categorical", "ordinal", "binary")
_LOG2PI = float(np.log(2.0 * np.pi))
#: weighted skewness above which a positive variable is modelled as log(1 + x)
SKEW_LIMIT = 2.0
_TINY = 1e-300


# ====================================================================== items
@dataclass(frozen=True)
class ItemSpec:
    """One basis item: its measurement model and its coding.

    Attributes
    ----------
    name
        Column name.
    kind
        ``categorical``, ``ordinal``, ``binary`` or ``gaussian``.
    levels
        Answer codes (discrete kinds), in order: level ``l`` of the model is code ``levels[l]``.
    transform
        ``none`` or ``log1p`` (Gaussian items: a strongly right-skewed positive variable).
    center, scale
        The Gaussian item's (transformed) weighted mean and sd: the model runs on ``(x - center) / scale``.
    skewness
        Weighted skewness of the raw values (Gaussian items).
    """

    name: str
    kind: str
    levels: tuple[float, ...] = ()
    transform: str = "none"
    center: float = 0.0
    scale: float = 1.0
    skewness: float = float("nan")

    @property
    def discrete(self) -> bool:
        return self.kind in _DISCRETE

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "kind": self.kind}
        if self.discrete:
            out["levels"] = [float(v) for v in self.levels]
        else:
            out.update(transform=self.transform, center=float(self.center), scale=float(self.scale),
                       skewness=None if not np.isfinite(self.skewness) else float(self.skewness))
        return out

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> ItemSpec:
        sk = d.get("skewness")
        return cls(name=str(d["name"]), kind=str(d["kind"]), levels=tuple(float(v) for v in d.get("levels", ())),
                   transform=str(d.get("transform", "none")), center=float(d.get("center", 0.0)),
                   scale=float(d.get("scale", 1.0)), skewness=float("nan") if sk is None else float(sk))


def infer_kind(values: np.ndarray) -> str:
    """Measurement model for a numeric column of unknown type: ``binary`` (2 values), ``ordinal`` (whole
    numbers with at most 10 distinct values), else ``gaussian``."""
    v = values[np.isfinite(values)]
    u = np.unique(v)
    if u.size <= 2:
        return "binary"
    if u.size <= 10 and np.all(u == np.round(u)):
        return "ordinal"
    return "gaussian"


def _wskew(v: np.ndarray, w: np.ndarray) -> float:
    ww = w / w.sum()
    m = ww @ v
    d = v - m
    var = ww @ (d * d)
    if var <= 0:
        return 0.0
    return float((ww @ (d ** 3)) / var ** 1.5)


def item_specs(x: np.ndarray, names: Sequence[str], kinds: Sequence[str], w: np.ndarray | None = None, *,
               transform: bool = True, skew_limit: float = SKEW_LIMIT) -> list[ItemSpec]:
    """The measurement model and coding of every basis column.

    Parameters
    ----------
    x
        Rows x items, NaN for a missing answer; discrete items hold their answer codes.
    names, kinds
        Column names and kinds (:data:`ITEM_KINDS`).
    w
        Survey weights (default 1).
    transform
        Model strongly skewed positive Gaussian items as ``log(1 + x)``.
    skew_limit
        Skewness above which the log transform applies.

    Raises
    ------
    DataError
        A column with no answer, or with one level only (it cannot tell classes apart), or an unknown kind.
    """
    n, d = x.shape
    w = np.ones(n) if w is None else np.asarray(w, dtype=float)
    specs: list[ItemSpec] = []
    for j in range(d):
        name, kind = str(names[j]), str(kinds[j])
        if kind not in ITEM_KINDS:
            raise DataError(f"basis item {name!r}: unknown measurement model {kind!r}; use one of "
                            f"{', '.join(ITEM_KINDS)}")
        col = x[:, j]
        ok = np.isfinite(col)
        if not ok.any():
            raise DataError(f"basis item {name!r} has no answer from any respondent segmented; remove it from the "
                            "basis")
        levels = np.unique(col[ok])
        if levels.size < 2:
            raise DataError(f"basis item {name!r} has one level only (every answer is {levels[0]:g}); it cannot tell "
                            "classes apart: remove it from the basis")
        if kind in _DISCRETE:
            if kind == "binary" and levels.size > 2:
                kind = "categorical"
            specs.append(ItemSpec(name=name, kind=kind, levels=tuple(float(v) for v in levels)))
            continue
        v, wv = col[ok], w[ok]
        skew = _wskew(v, wv)
        tr = "log1p" if transform and levels[0] >= 0 and skew > skew_limit else "none"
        t = np.log1p(v) if tr == "log1p" else v
        ww = wv / wv.sum()
        center = float(ww @ t)
        scale = float(np.sqrt(max(ww @ (t - center) ** 2, 0.0)))
        if not scale > 0:
            scale = 1.0
        specs.append(ItemSpec(name=name, kind="gaussian", transform=tr, center=center, scale=scale, skewness=skew))
    return specs


# ====================================================================== encoding
@dataclass(frozen=True, eq=False)
class Encoded:
    """The basis coded for EM.

    Attributes
    ----------
    onehot
        Rows x (sum of levels of the discrete items): 1 at the answer given, a row of zeros in an item's
        block when it is missing.
    starts, block
        First column of each discrete item's block; the item (block) of every one-hot column.
    g, gobs, g2
        Gaussian items on the model scale (0 where missing), the observed mask (0/1), and ``g**2``.
    log_jac
        Per row, the log-Jacobian from the model scale back to the raw values (summed over observed
        Gaussian items): ``-sum_j log(scale_j) [- log(1 + x_ij)]``.
    unknown
        Per discrete item, how many answers were not among its levels (treated as missing).
    """

    onehot: np.ndarray
    starts: np.ndarray
    block: np.ndarray
    g: np.ndarray
    gobs: np.ndarray
    g2: np.ndarray
    log_jac: np.ndarray
    unknown: dict[str, int] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return int(self.onehot.shape[0])

    def rows(self, idx: np.ndarray) -> Encoded:
        return Encoded(onehot=self.onehot[idx], starts=self.starts, block=self.block, g=self.g[idx],
                       gobs=self.gobs[idx], g2=self.g2[idx], log_jac=self.log_jac[idx], unknown=self.unknown)


def encode(specs: Sequence[ItemSpec], x: np.ndarray) -> Encoded:
    """Code rows of a basis matrix (columns in the order of ``specs``) for :func:`fit_latent_class`.

    An answer code that is not among a discrete item's levels counts as missing (``unknown`` counts them).
    """
    x = np.asarray(x, dtype=float)
    n = x.shape[0]
    disc = [(j, s) for j, s in enumerate(specs) if s.discrete]
    gaus = [(j, s) for j, s in enumerate(specs) if not s.discrete]
    sizes = np.array([len(s.levels) for _, s in disc], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64) if sizes.size else np.zeros(0, np.int64)
    total = int(sizes.sum())
    onehot = np.zeros((n, total))
    block = np.repeat(np.arange(len(disc)), sizes) if sizes.size else np.zeros(0, np.int64)
    unknown: dict[str, int] = {}
    rows = np.arange(n)
    for b, (j, s) in enumerate(disc):
        col = x[:, j]
        lev = np.asarray(s.levels)
        pos = np.searchsorted(lev, col)
        pos_c = np.minimum(pos, lev.size - 1)
        ok = np.isfinite(col) & (lev[pos_c] == col)
        bad = int((np.isfinite(col) & ~ok).sum())
        if bad:
            unknown[s.name] = bad
        onehot[rows[ok], starts[b] + pos_c[ok]] = 1.0
    m = len(gaus)
    g = np.zeros((n, m))
    gobs = np.zeros((n, m))
    log_jac = np.zeros(n)
    for t, (j, s) in enumerate(gaus):
        col = x[:, j]
        ok = np.isfinite(col)
        if s.transform == "log1p":
            ok &= col > -1.0
            v = np.log1p(np.where(ok, col, 0.0))
            log_jac -= np.where(ok, v, 0.0)  # d log(1 + x) / dx = 1 / (1 + x)
        else:
            v = np.where(ok, col, 0.0)
        g[:, t] = np.where(ok, (v - s.center) / s.scale, 0.0)
        gobs[:, t] = ok
        log_jac -= ok * np.log(s.scale)
    return Encoded(onehot=onehot, starts=starts, block=block, g=g, gobs=gobs, g2=g * g, log_jac=log_jac,
                   unknown=unknown)


# ====================================================================== parameters
@dataclass(frozen=True, eq=False)
class _Params:
    """Parameters of S solutions at once: ``log_w`` (S, k), ``probs`` (S, k, L), ``means``/``var`` (S, k, m)."""

    log_w: np.ndarray
    probs: np.ndarray
    means: np.ndarray
    var: np.ndarray

    def take(self, idx: np.ndarray) -> _Params:
        return _Params(self.log_w[idx], self.probs[idx], self.means[idx], self.var[idx])


def _log_dens(enc: Encoded, p: _Params) -> np.ndarray:
    """``log f(y_i | c)`` on the model scale for every start, class and row: (S, k, n).

    Class-major, so that sums over the k classes run along whole rows of n values (fast), not along a short
    last axis."""
    s, k = p.log_w.shape
    n = enc.n
    if enc.onehot.shape[1]:
        out = np.log(np.maximum(p.probs.reshape(s * k, -1), _TINY)) @ enc.onehot.T
    else:
        out = np.zeros((s * k, n))
    if enc.g.shape[1]:
        mean = p.means.reshape(s * k, -1)
        prec = 1.0 / p.var.reshape(s * k, -1)
        const = np.log(p.var.reshape(s * k, -1)) + _LOG2PI + mean * mean * prec
        quad = const @ enc.gobs.T
        quad -= 2.0 * ((mean * prec) @ enc.g.T)
        quad += prec @ enc.g2.T
        quad *= 0.5
        out -= quad
    return out.reshape(s, k, n)


def _lse(a: np.ndarray, axis: int = -1) -> np.ndarray:
    """``log sum exp`` along ``axis``, stabilised by the maximum."""
    m = a.max(axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    return np.log(np.exp(a - m).sum(axis=axis)) + np.squeeze(m, axis=axis)


def _m_step(enc: Encoded, rw: np.ndarray, prior_counts: np.ndarray, var_floor: float) -> _Params:
    """Weighted M-step from ``rw`` = w_i r_sci (S, k, n)."""
    s, k, n = rw.shape
    flat = rw.reshape(s * k, n).T  # n x G view
    mass = rw.sum(axis=2).reshape(s * k)
    L = enc.onehot.shape[1]
    if L:
        cnt = enc.onehot.T @ flat + prior_counts[:, None]
        den = np.add.reduceat(cnt, enc.starts, axis=0)[enc.block]
        with np.errstate(invalid="ignore", divide="ignore"):
            probs = np.where(den > 0, cnt / den, 0.0)
        # a class with no answer to an item (and no prior): the item's levels equally likely
        sizes = np.bincount(enc.block)
        probs = np.where(den > 0, probs, 1.0 / sizes[enc.block][:, None])
        probs = probs.T.reshape(s, k, L)
    else:
        probs = np.zeros((s, k, 0))
    m = enc.g.shape[1]
    if m:
        s0 = enc.gobs.T @ flat
        s1 = enc.g.T @ flat
        s2 = enc.g2.T @ flat
        has = s0 > 1e-12
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(has, s1 / s0, 0.0)
            var = np.where(has, s2 / s0 - mean * mean, 1.0)
        var = np.maximum(var, var_floor)
        means = mean.T.reshape(s, k, m)
        var = var.T.reshape(s, k, m)
    else:
        means = np.zeros((s, k, 0))
        var = np.ones((s, k, 0))
    mass = mass.reshape(s, k)
    with np.errstate(divide="ignore"):
        log_w = np.log(mass / mass.sum(axis=1, keepdims=True))
    return _Params(log_w=log_w, probs=probs, means=means, var=var)


def _log_prior(p: _Params, prior_counts: np.ndarray) -> np.ndarray:
    """The Dirichlet prior's log density (up to a constant) for each of the S solutions."""
    if not prior_counts.size or not prior_counts.any():
        return np.zeros(p.log_w.shape[0])
    return (np.log(np.maximum(p.probs, _TINY)) * prior_counts).sum(axis=(1, 2))


@dataclass
class _Run:
    params: _Params
    loglik: np.ndarray  # (S,) on the model scale
    objective: np.ndarray  # loglik + log prior
    n_iter: np.ndarray
    converged: np.ndarray


def _step(enc: Encoded, v: np.ndarray, p: _Params, prior_counts: np.ndarray, var_floor: float
          ) -> tuple[np.ndarray, np.ndarray, _Params]:
    """One EM step for S solutions: the objective and log-likelihood at ``p`` and the updated parameters."""
    logd = _log_dens(enc, p)
    logd += p.log_w[:, :, None]
    lse = _lse(logd, axis=1)  # (S, n)
    ll = lse @ v
    obj = ll + _log_prior(p, prior_counts)
    logd -= lse[:, None, :]
    np.exp(logd, out=logd)
    logd *= v[None, None, :]
    return obj, ll, _m_step(enc, logd, prior_counts, var_floor)


def _to_u(p: _Params) -> list[np.ndarray]:
    """Unconstrained coordinates: log weights, log probabilities, means, log variances."""
    return [p.log_w, np.log(np.maximum(p.probs, _TINY)), p.means, np.log(p.var)]


def _from_u(u: list[np.ndarray], enc: Encoded, var_floor: float) -> _Params:
    log_w = u[0] - _lse(u[0], axis=1)[:, None]
    if u[1].shape[2]:
        lp = u[1] - u[1].max(axis=2, keepdims=True)
        e = np.exp(lp)
        probs = e / np.add.reduceat(e, enc.starts, axis=2)[:, :, enc.block]
    else:
        probs = u[1]
    return _Params(log_w, probs, u[2], np.maximum(np.exp(np.minimum(u[3], 30.0)), var_floor))


def _em(enc: Encoded, v: np.ndarray, p: _Params, *, max_iter: int, tol: float, prior_counts: np.ndarray,
        var_floor: float, start_with_m: np.ndarray | None = None, accelerate: bool = True) -> _Run:
    """EM for S solutions at once; a solution stops when an EM step changes its objective by < tol * sum(v).

    ``accelerate``: SQUAREM (Varadhan & Roland, 2008, scheme S3) on the unconstrained coordinates: two EM
    steps ``p1 = F(p0)``, ``p2 = F(p1)``, the extrapolation ``u0 - 2 a r + a^2 d`` (``r = u1 - u0``,
    ``d = u2 - 2 u1 + u0``, ``a = -|r| / |d|`` capped at -1), then one EM step from it; the extrapolated
    point is kept only when its objective beats ``p1``'s, else ``p2`` is, so the objective never falls.
    Overfitted models, where plain EM crawls for hundreds of iterations, converge several times faster.
    """
    s = p.log_w.shape[0]
    vsum = float(v.sum())
    if start_with_m is not None:
        p = _m_step(enc, start_with_m * v[None, None, :], prior_counts, var_floor)
    out = _Params(p.log_w.copy(), p.probs.copy(), p.means.copy(), p.var.copy())
    active = np.arange(s)
    prev = np.full(s, -np.inf)
    out_ll = np.full(s, -np.inf)
    out_obj = np.full(s, -np.inf)
    n_iter = np.zeros(s, dtype=np.int64)
    conv = np.zeros(s, dtype=bool)
    cur = p
    budget = max(1, int(max_iter))
    while active.size and budget > 0:
        obj0, ll0, p1 = _step(enc, v, cur, prior_counts, var_floor)
        budget -= 1
        n_iter[active] += 1
        out_ll[active], out_obj[active] = ll0, obj0
        for name in ("log_w", "probs", "means", "var"):
            getattr(out, name)[active] = getattr(cur, name)
        done = np.abs(obj0 - prev[active]) <= tol * vsum
        conv[active[done]] = True
        prev[active] = obj0
        keep = ~done
        if not keep.any() or budget <= 0:
            break
        if not accelerate or budget < 3:
            cur = p1.take(np.flatnonzero(keep))
            active = active[keep]
            continue
        kk = np.flatnonzero(keep)
        p0, p1 = cur.take(kk), p1.take(kk)
        active = active[keep]
        obj1, _, p2 = _step(enc, v, p1, prior_counts, var_floor)
        u0, u1, u2 = _to_u(p0), _to_u(p1), _to_u(p2)
        r = [b - a for a, b in zip(u0, u1, strict=True)]
        d = [c - 2.0 * b + a for a, b, c in zip(u0, u1, u2, strict=True)]
        rn = np.sqrt(sum((x.reshape(x.shape[0], -1) ** 2).sum(axis=1) for x in r))
        dn = np.sqrt(sum((x.reshape(x.shape[0], -1) ** 2).sum(axis=1) for x in d))
        with np.errstate(invalid="ignore", divide="ignore"):
            alpha = np.where(dn > 0, -rn / dn, -1.0)
        alpha = np.minimum(alpha, -1.0)
        shape = [(-1,) + (1,) * (x.ndim - 1) for x in u0]
        ux = [a - 2.0 * al.reshape(sh) * b + (al * al).reshape(sh) * c
              for a, b, c, sh, al in zip(u0, r, d, shape, [alpha] * 4, strict=True)]
        finite = np.all(np.stack([np.isfinite(x.reshape(x.shape[0], -1)).all(axis=1) for x in ux]), axis=0)
        for x, a2 in zip(ux, u2, strict=True):
            x[~finite] = a2[~finite]
        with np.errstate(all="ignore"):  # a wild extrapolation is rejected below, not reported
            px = _from_u(ux, enc, var_floor)
            objx, _, p3 = _step(enc, v, px, prior_counts, var_floor)
        budget -= 2
        n_iter[active] += 2
        good = finite & np.isfinite(objx) & (objx > obj1)
        nxt = _Params(*(np.where(good.reshape((-1,) + (1,) * (a.ndim - 1)), a, b)
                        for a, b in zip((p3.log_w, p3.probs, p3.means, p3.var),
                                        (p2.log_w, p2.probs, p2.means, p2.var), strict=True)))
        cur = nxt
    return _Run(params=out, loglik=out_ll, objective=out_obj, n_iter=n_iter, converged=conv)


def _random_params(enc: Encoded, s: int, k: int, rng: np.random.Generator) -> _Params:
    L = enc.onehot.shape[1]
    if L:
        gam = rng.gamma(1.0, size=(s, k, L)) + 1e-12
        den = np.add.reduceat(gam, enc.starts, axis=2)[:, :, enc.block]
        probs = gam / den
    else:
        probs = np.zeros((s, k, 0))
    m = enc.g.shape[1]
    rows = rng.integers(0, enc.n, size=(s, k))
    means = enc.g[rows]  # (s, k, m); a missing value sits at 0 = the item mean
    var = np.ones((s, k, m))
    log_w = np.full((s, k), -np.log(k))
    return _Params(log_w=log_w, probs=probs, means=means, var=var)


def _prior_counts(enc: Encoded, v: np.ndarray, prior: float) -> np.ndarray:
    """``prior`` pseudo-answers per item and class, spread over the levels by their weighted shares."""
    L = enc.onehot.shape[1]
    if not L or prior <= 0:
        return np.zeros(L)
    tot = v @ enc.onehot
    den = np.add.reduceat(tot, enc.starts)[enc.block]
    return prior * tot / np.maximum(den, _TINY)


# ====================================================================== fit
@dataclass(frozen=True, eq=False)
class LatentClassFit:
    """A fitted latent class model (classes in the order found; see :meth:`permuted`).

    Attributes
    ----------
    specs
        The items.
    weights
        Class proportions ``pi_c`` (k).
    probs
        Discrete items: k x (sum of levels) answer probabilities, blocks in the order of the discrete specs.
    means, variances
        Gaussian items on the model scale (standardized, after the log transform): k x m.
    loglik
        Weighted log-likelihood of the raw values (weights rescaled to mean 1).
    objective
        ``loglik`` plus the log prior (what EM maximised), on the model scale.
    n_parameters
        Free parameters: ``(k - 1) + k sum_j (L_j - 1) + 2 k m``.
    n
        Respondents (unweighted).
    n_iter, converged
        Of the best run.
    final_logliks
        Log-likelihood of every final-stage run (best first).
    replicated
        Final-stage runs that reached the best log-likelihood.
    n_init, n_final
        Random starts and final-stage runs.
    prior, var_floor
        The floors used.
    """

    specs: tuple[ItemSpec, ...]
    weights: np.ndarray
    probs: np.ndarray
    means: np.ndarray
    variances: np.ndarray
    loglik: float
    objective: float
    n_parameters: int
    n: int
    n_iter: int
    converged: bool
    final_logliks: np.ndarray
    replicated: int
    n_init: int
    n_final: int
    prior: float
    var_floor: float

    @property
    def k(self) -> int:
        return int(self.weights.size)

    def _params(self) -> _Params:
        with np.errstate(divide="ignore"):
            lw = np.log(self.weights)
        return _Params(lw[None], self.probs[None], self.means[None], self.variances[None])

    def log_joint(self, enc: Encoded) -> np.ndarray:
        """``log pi_c + log f(y_i | c)`` on the model scale (n x k)."""
        p = self._params()
        return _log_dens(enc, p)[0].T + p.log_w[0][None, :]

    def permuted(self, order: np.ndarray) -> LatentClassFit:
        """The same model with class ``order[s]`` renamed ``s``."""
        from dataclasses import replace

        return replace(self, weights=self.weights[order], probs=self.probs[order], means=self.means[order],
                       variances=self.variances[order])

    def to_json(self) -> dict[str, Any]:
        return {"specs": [s.to_json() for s in self.specs], "weights": self.weights.tolist(),
                "probs": self.probs.tolist(), "means": self.means.tolist(), "variances": self.variances.tolist(),
                "loglik": self.loglik, "n_parameters": self.n_parameters, "n": self.n, "prior": self.prior,
                "var_floor": self.var_floor}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> LatentClassFit:
        specs = tuple(ItemSpec.from_json(s) for s in d["specs"])
        k = len(d["weights"])
        m = sum(1 for s in specs if not s.discrete)
        return cls(specs=specs, weights=np.asarray(d["weights"], dtype=float),
                   probs=np.asarray(d["probs"], dtype=float).reshape(k, -1),
                   means=np.asarray(d["means"], dtype=float).reshape(k, m),
                   variances=np.asarray(d["variances"], dtype=float).reshape(k, m), loglik=float(d["loglik"]),
                   objective=float("nan"), n_parameters=int(d["n_parameters"]), n=int(d["n"]), n_iter=0,
                   converged=True, final_logliks=np.zeros(0), replicated=0, n_init=0, n_final=0,
                   prior=float(d["prior"]), var_floor=float(d["var_floor"]))

    def item_parameters(self) -> dict[str, Any]:
        """Per item and class: answer shares (discrete) or mean and sd in the raw units (Gaussian; on the
        log scale for ``log1p`` items, with ``exp(mean) - 1``, the class's geometric-mean-like level)."""
        out: dict[str, Any] = {}
        b = 0
        t = 0
        off = 0
        for s in self.specs:
            if s.discrete:
                L = len(s.levels)
                block = self.probs[:, off:off + L]
                out[s.name] = {"kind": s.kind, "levels": [_num(v) for v in s.levels],
                               "probabilities": {str(c + 1): [float(p) for p in block[c]] for c in range(self.k)}}
                off += L
                b += 1
            else:
                mu = self.means[:, t] * s.scale + s.center
                sd = np.sqrt(self.variances[:, t]) * s.scale
                entry: dict[str, Any] = {"kind": "gaussian", "transform": s.transform,
                                         "mean": {str(c + 1): float(mu[c]) for c in range(self.k)},
                                         "sd": {str(c + 1): float(sd[c]) for c in range(self.k)}}
                if s.transform == "log1p":
                    entry["skewness"] = float(s.skewness)
                    entry["back_transformed"] = {str(c + 1): float(np.expm1(mu[c])) for c in range(self.k)}
                out[s.name] = entry
                t += 1
        return out


def _num(v: float) -> float | int:
    return int(v) if float(v).is_integer() else float(v)


def n_parameters(specs: Sequence[ItemSpec], k: int) -> int:
    """``(k - 1) + k sum_j (L_j - 1) + 2 k m``."""
    disc = sum(len(s.levels) - 1 for s in specs if s.discrete)
    m = sum(1 for s in specs if not s.discrete)
    return (k - 1) + k * disc + 2 * k * m


def fit_latent_class(x: np.ndarray | Encoded, k: int, specs: Sequence[ItemSpec], w: np.ndarray | None = None, *,
                     n_init: int = 30, n_final: int | None = None, init_iter: int = 25, max_iter: int = 2000,
                     tol: float = 1e-7, prior: float = 1.0, var_floor: float = 1e-3,
                     rng: np.random.Generator | int = 0, coarse_size: int = 20_000, init_size: int = 5_000,
                     warn: bool = True) -> LatentClassFit:
    """Fit a k-class model from many random starts (module notes) and keep the best.

    Parameters
    ----------
    x
        Rows x items (NaN missing; columns in the order of ``specs``), or already :func:`encode`-d.
    k
        Classes.
    specs
        From :func:`item_specs`.
    w
        Survey weights (rescaled to mean 1).
    n_init, n_final
        Random starts and how many of the best continue to convergence (default ``max(2, n_init // 5)``,
        at most ``n_init``).
    init_iter
        EM iterations of the first stage.
    max_iter, tol
        EM stops when the objective changes by less than ``tol`` times the sum of weights.
    prior
        Pseudo-answers of the Dirichlet prior per discrete item and class (0: maximum likelihood).
    var_floor
        Smallest Gaussian variance, as a share of the item's overall variance.
    rng
        Generator or seed.
    coarse_size
        Subsample size for the final-stage runs on large data (more than twice as many rows).
    init_size
        Largest sample the short first-stage runs use (a random subsample of the rows when there are more).
    warn
        Issue :class:`ReplicationWarning` / :class:`ConvergenceWarning` / :class:`EmptyClassWarning`.

    Raises
    ------
    DataError
        k < 1, fewer respondents than classes.
    """
    enc = x if isinstance(x, Encoded) else encode(specs, x)
    n = enc.n
    if k < 1:
        raise DataError(f"the number of classes must be at least 1, not {k}")
    if n < k:
        raise DataError(f"{n} respondents cannot form {k} latent classes")
    v = np.ones(n) if w is None else np.asarray(w, dtype=float)
    v = v * (n / v.sum())
    rng = np.random.default_rng(rng) if not isinstance(rng, np.random.Generator) else rng
    n_init = max(1, int(n_init))
    n_final = min(n_init, max(2, n_init // 5) if n_final is None else max(1, int(n_final)))
    prior_full = _prior_counts(enc, v, prior)
    var_floor_m = float(var_floor)
    with blas_single_thread():
        if n > 2 * coarse_size:
            sub = np.sort(rng.choice(n, size=coarse_size, replace=False))
            enc_s, v_s = enc.rows(sub), v[sub] * (coarse_size / v[sub].sum())
            prior_s = _prior_counts(enc_s, v_s, prior)
        else:
            sub = None
            enc_s, v_s, prior_s = enc, v, prior_full
        if k == 1:
            resp = np.ones((1, 1, enc.n))
            run = _em(enc, v, _random_params(enc, 1, 1, rng), max_iter=1, tol=tol, prior_counts=prior_full,
                      var_floor=var_floor_m, start_with_m=resp)
            finals = run
            best_i = 0
            replicated = 1
        else:
            if enc_s.n > init_size:
                # the short first-stage runs only rank the starts: a smaller sample does that as well
                isub = np.sort(rng.choice(enc_s.n, size=init_size, replace=False))
                enc_i, v_i = enc_s.rows(isub), v_s[isub] * (init_size / v_s[isub].sum())
                prior_i = _prior_counts(enc_i, v_i, prior)
            else:
                enc_i, v_i, prior_i = enc_s, v_s, prior_s
            p0 = _random_params(enc_i, n_init, k, rng)
            r1 = _em(enc_i, v_i, p0, max_iter=init_iter, tol=tol, prior_counts=prior_i, var_floor=var_floor_m,
                     accelerate=False)
            top = np.argsort(-r1.objective, kind="stable")[:n_final]
            # on large data the best subsample solution is refined on all rows anyway: the subsample runs only
            # need to settle enough to tell the optima apart (tol 1e-6)
            finals = _em(enc_s, v_s, r1.params.take(top), max_iter=max_iter,
                         tol=tol if sub is None else max(tol, 1e-6), prior_counts=prior_s, var_floor=var_floor_m)
            finals.n_iter += r1.n_iter[top]
            tol_rep = 0.05 + 1e-6 * float(np.max(np.abs(finals.objective)))
            replicated = int(np.sum(finals.objective >= finals.objective.max() - tol_rep))
            if sub is not None:
                # the best subsample solution is the start of EM on all rows (replication is judged on the
                # subsample: its runs are the final stage)
                b = int(np.argmax(finals.objective))
                full = _em(enc, v, finals.params.take(np.array([b])), max_iter=max_iter, tol=tol,
                           prior_counts=prior_full, var_floor=var_floor_m)
                full.n_iter += finals.n_iter[b]
                others = np.delete(np.arange(finals.objective.size), b)
                scale = n / coarse_size
                finals = _Run(params=full.params, loglik=np.concatenate([full.loglik, finals.loglik[others] * scale]),
                              objective=np.concatenate([full.objective, finals.objective[others] * scale]),
                              n_iter=full.n_iter, converged=full.converged)
            best_i = 0 if sub is not None else int(np.argmax(finals.objective))
    best = finals.params.take(np.array([best_i]))
    jac = float(v @ enc.log_jac)
    lls = finals.loglik + jac
    order = np.argsort(-finals.objective, kind="stable")
    best_ll = float(lls[best_i])
    objs = finals.objective
    weights = np.exp(best.log_w[0])
    fit = LatentClassFit(specs=tuple(specs), weights=weights, probs=best.probs[0], means=best.means[0],
                         variances=best.var[0], loglik=best_ll, objective=float(objs[best_i]),
                         n_parameters=n_parameters(specs, k), n=n, n_iter=int(finals.n_iter[best_i]),
                         converged=bool(finals.converged[best_i]),
                         final_logliks=lls[order], replicated=replicated,
                         n_init=n_init if k > 1 else 1, n_final=int(objs.size), prior=float(prior),
                         var_floor=float(var_floor))
    if warn:
        _warn_fit(fit)
    return fit


def _warn_fit(fit: LatentClassFit) -> None:
    k = fit.k
    if k > 1 and fit.n_final > 1 and fit.replicated < 2:
        warnings.warn(f"the best log-likelihood of the {k}-class model ({fit.loglik:.3f}) was reached by only 1 of "
                      f"{fit.n_final} final-stage starts (not replicated): it may be a local maximum; use more starts "
                      "(--n-init)", ReplicationWarning, stacklevel=3)
    if not fit.converged:
        warnings.warn(f"the {k}-class model stopped after {fit.n_iter} EM iterations before the log-likelihood "
                      "settled; raise max_iter", ConvergenceWarning, stacklevel=3)
    empty = np.flatnonzero(fit.weights * fit.n < 0.5)
    if empty.size:
        warnings.warn(f"the {k}-class model leaves {empty.size} class(es) empty (under half a respondent): the data "
                      f"support fewer than {k} classes", EmptyClassWarning, stacklevel=3)


def posterior(fit: LatentClassFit, enc: Encoded) -> np.ndarray:
    """Posterior class probabilities ``P(c | y_i)`` (n x k)."""
    lj = fit.log_joint(enc)
    return np.exp(lj - _lse(lj)[:, None])


def lca_criteria(loglik: float, n_par: int, n: int, proba: np.ndarray | None = None,
                 w: np.ndarray | None = None) -> dict[str, float]:
    r"""Information criteria and classification quality.

    .. math::
       BIC = -2L + p \ln n,\quad AIC = -2L + 2p,\quad CAIC = -2L + p(\ln n + 1),\quad
       SABIC = -2L + p \ln\frac{n + 2}{24},\quad
       R^2_{entropy} = 1 - \frac{\sum_i w_i \sum_c -p_{ic} \ln p_{ic}}{n \ln k}

    (Schwarz 1978; Akaike 1974; Bozdogan 1987; Sclove 1987; relative entropy as Latent GOLD and Mplus,
    Ramaswamy et al. 1993). ``n`` is the number of respondents, weights rescaled to mean 1.
    """
    out = {"loglik": float(loglik), "n_parameters": int(n_par),
           "bic": -2.0 * loglik + n_par * np.log(n), "aic": -2.0 * loglik + 2.0 * n_par,
           "caic": -2.0 * loglik + n_par * (np.log(n) + 1.0), "sabic": -2.0 * loglik + n_par * np.log((n + 2.0) / 24.0)}
    if proba is not None:
        k = proba.shape[1]
        v = np.ones(proba.shape[0]) if w is None else np.asarray(w, dtype=float)
        v = v * (v.size / v.sum())
        p = np.clip(proba, 1e-300, 1.0)
        ent = float(v @ (-(proba * np.log(p)).sum(axis=1)))
        out["entropy"] = ent
        out["entropy_r2"] = float(1.0 - ent / (proba.shape[0] * np.log(k))) if k > 1 else float("nan")
    return out


def average_posterior(proba: np.ndarray, labels: np.ndarray, w: np.ndarray | None = None) -> np.ndarray:
    """Average posterior probability of the assigned class among the respondents assigned to each class
    (Nagin 2005's AvePP; values above 0.7-0.8 indicate well-separated classes). NaN for an empty class."""
    k = proba.shape[1]
    v = np.ones(labels.size) if w is None else np.asarray(w, dtype=float)
    pa = proba[np.arange(labels.size), labels]
    num = np.bincount(labels, weights=v * pa, minlength=k)
    den = np.bincount(labels, weights=v, minlength=k)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / den, np.nan)


# ====================================================================== segmentation method
class LatentClassMethod(Method):
    """Latent class analysis as a segmentation method (``segment --method latent-class``).

    Call :meth:`configure` with the basis columns' kinds before :meth:`fit_all`; the item coding (levels,
    transforms, scales) is then fixed, so bootstrap refits and new respondents use the same coding.
    """

    name = "latent-class"
    has_probability = True

    def __init__(self, n_init: int = 30, n_final: int | None = None, init_iter: int = 25, max_iter: int = 2000,
                 tol: float = 1e-7, prior: float = 1.0, var_floor: float = 1e-3, coarse_size: int = 20_000,
                 transform: bool = True) -> None:
        self.n_init = n_init
        self.n_final = n_final
        self.init_iter = init_iter
        self.max_iter = max_iter
        self.tol = tol
        self.prior = prior
        self.var_floor = var_floor
        self.coarse_size = coarse_size
        self.transform = transform
        self.specs: list[ItemSpec] = []

    def options(self) -> dict[str, Any]:
        return {"n_init": self.n_init, "n_final": self.n_final, "init_iter": self.init_iter,
                "max_iter": self.max_iter, "tol": self.tol, "prior": self.prior, "var_floor": self.var_floor,
                "coarse_size": self.coarse_size, "transform": self.transform}

    def configure(self, x: np.ndarray, names: Sequence[str], kinds: Sequence[str], w: np.ndarray | None) -> None:
        self.specs = item_specs(x, names, kinds, w, transform=self.transform)

    def fit_all(self, x: np.ndarray, w: np.ndarray, ks: Sequence[int], rng: np.random.Generator,
                progress: Progress | None = None, label: str = "latent classes", n_init: int | None = None
                ) -> dict[int, Solution]:
        if not self.specs:
            raise EstimationError("the latent class method was not configured with the basis items")
        enc = encode(self.specs, x)
        n = enc.n
        vv = w * (n / w.sum())
        out: dict[int, Solution] = {}
        for i, k in enumerate(ks):
            boot = n_init is not None
            fit = fit_latent_class(enc, k, self.specs, vv, n_init=self.n_init if n_init is None else n_init,
                                   n_final=(max(1, n_init // 2) if boot else self.n_final), init_iter=self.init_iter,
                                   max_iter=self.max_iter if not boot else min(self.max_iter, 500),
                                   tol=self.tol if not boot else max(self.tol, 1e-6), prior=self.prior,
                                   var_floor=self.var_floor, rng=rng, coarse_size=self.coarse_size, warn=not boot)
            proba = posterior(fit, enc)
            labels = proba.argmax(axis=1)
            mass = np.bincount(labels, weights=vv, minlength=k)
            crit = lca_criteria(fit.loglik, fit.n_parameters, n, proba, vv)
            out[k] = Solution(k=k, labels=labels, centers=self._centers(fit), mass=mass, objective=-fit.loglik,
                              proba=proba, params={"fit": fit, "criteria": crit}, restarts=(), bic=float(crit["bic"]))
            if progress is not None:
                progress(label, i + 1, len(ks))
        return out

    @staticmethod
    def _centers(fit: LatentClassFit) -> np.ndarray:
        """Class means of every item on the model scale (discrete items: the expected level index), used
        only to break ties when numbering classes by size."""
        cols = []
        off = 0
        t = 0
        for s in fit.specs:
            if s.discrete:
                L = len(s.levels)
                cols.append(fit.probs[:, off:off + L] @ np.arange(L, dtype=float))
                off += L
            else:
                cols.append(fit.means[:, t])
                t += 1
        return np.stack(cols, axis=1) if cols else np.zeros((fit.k, 0))

    def predict(self, sol: Solution, x: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        fit: LatentClassFit = sol.params["fit"]
        proba = posterior(fit, encode(fit.specs, x))
        return proba.argmax(axis=1), proba

    def permute(self, sol: Solution, order: np.ndarray) -> Solution:
        p = dict(sol.params)
        p["fit"] = p["fit"].permuted(order)
        return sol.permuted(order, p)

    def params_to_json(self, sol: Solution) -> dict[str, Any]:
        return sol.params["fit"].to_json()

    def params_from_json(self, data: dict[str, Any]) -> dict[str, Any]:
        fit = LatentClassFit.from_json(data)
        self.specs = list(fit.specs)
        return {"fit": fit}

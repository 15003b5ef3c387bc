"""How many factors? Parallel analysis (as R psych ``fa.parallel``), Velicer's MAP (as psych ``VSS``), the
Kaiser criterion and the scree, reported side by side.

:func:`retention_summary` is what ``--n-factors auto`` uses: the number of factors is the factor-analysis
count of parallel analysis (psych's ``nfact``), and every other criterion is reported next to it.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._threads import single_thread
from ..correlation import CorrelationResult, _pearson_pairwise, correlation_matrix
from ..exceptions import DataError, EstimationError, EstimationWarning

__all__ = [
    "ParallelResult",
    "MapResult",
    "RetentionResult",
    "parallel_analysis",
    "velicer_map",
    "kaiser",
    "leading_run",
    "retention_summary",
]

ProgressCallback = Callable[[str, int, int], None]


def leading_run(observed: Sequence[float] | np.ndarray, reference: Sequence[float] | np.ndarray) -> int:
    """Length of the leading run of ``observed > reference`` (psych: ``which(!(obs > ref))[1] - 1``).

    When every observed value exceeds its reference the count is the number of values (psych gives NA).
    """
    above = np.asarray(observed, dtype=float) > np.asarray(reference, dtype=float)
    stop = np.flatnonzero(~above)
    return int(stop[0]) if stop.size else int(above.size)


def kaiser(eigenvalues: Sequence[float] | np.ndarray | pd.Series, threshold: float = 1.0) -> int:
    """Kaiser-Guttman criterion: the number of eigenvalues of R greater than ``threshold`` (1).

    References
    ----------
    Kaiser, H. F. (1960). The application of electronic computers to factor analysis. Educational and
    Psychological Measurement, 20, 141-151.
    """
    return int((np.asarray(eigenvalues, dtype=float) > threshold).sum())


# --------------------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class ParallelResult:
    """Parallel analysis (Horn 1965) with psych ``fa.parallel`` defaults.

    Attributes
    ----------
    observed_pc, observed_fa
        Eigenvalues of R, and of R with the communalities of a one-factor minres fit on the diagonal
        (psych ``pc.values``, ``fa.values``); index 1..p.
    simulated_pc, simulated_fa
        The ``quantile`` of the eigenvalues over ``n_iter`` correlation matrices of normal random data of
        the same size.
    resampled_pc, resampled_fa
        The same over data made by resampling each item's answers independently (with replacement).
    n_factors, n_components
        Leading run of observed > simulated reference: FA and PC counts (psych ``nfact``, ``ncomp``).
    n_factors_resampled, n_components_resampled
        The same against the resampled reference.
    seed, n_iter, quantile
        Random seed, iterations per reference, quantile.
    cor
        Correlation used for the observed and resampled matrices (``pearson`` or ``polychoric``).
    n_obs
        Rows in each simulated data set.
    """

    observed_pc: pd.Series
    observed_fa: pd.Series
    simulated_pc: pd.Series
    simulated_fa: pd.Series
    resampled_pc: pd.Series | None
    resampled_fa: pd.Series | None
    n_factors: int
    n_components: int
    n_factors_resampled: int | None
    n_components_resampled: int | None
    seed: int
    n_iter: int
    quantile: float
    cor: str
    n_obs: int

    def to_frame(self) -> pd.DataFrame:
        """One row per component/factor number: observed and reference eigenvalues."""
        cols = {"observed_pc": self.observed_pc, "simulated_pc": self.simulated_pc,
                "resampled_pc": self.resampled_pc, "observed_fa": self.observed_fa,
                "simulated_fa": self.simulated_fa, "resampled_fa": self.resampled_fa}
        return pd.DataFrame({k: v for k, v in cols.items() if v is not None})

    def to_dict(self) -> dict[str, Any]:
        """``n_factors``, ``n_components`` (and their resampled twins), ``seed``, ``n_iter``, ``quantile``,
        ``cor``, and the eigenvalue lists."""

        def lst(s: pd.Series | None) -> list[float] | None:
            return None if s is None else [float(v) for v in s.to_numpy()]

        return {
            "n_factors": int(self.n_factors), "n_components": int(self.n_components),
            "n_factors_resampled": self.n_factors_resampled, "n_components_resampled": self.n_components_resampled,
            "seed": int(self.seed), "n_iter": int(self.n_iter), "quantile": float(self.quantile),
            "cor": self.cor, "n_obs": int(self.n_obs),
            "observed_pc": lst(self.observed_pc), "observed_fa": lst(self.observed_fa),
            "simulated_pc": lst(self.simulated_pc), "simulated_fa": lst(self.simulated_fa),
            "resampled_pc": lst(self.resampled_pc), "resampled_fa": lst(self.resampled_fa),
        }

    def summary(self, rows: int = 10, lang: str = "en") -> str:
        """The suggested counts and the first ``rows`` eigenvalues against their references (a Summary
        document rendered by the one text renderer)."""
        from ..summary.sections import summary_text

        return summary_text("parallel", self, lang=lang, rows=rows)


@dataclass(frozen=True, eq=False)
class MapResult:
    """Velicer's minimum average partial (MAP) test.

    Attributes
    ----------
    values
        Average squared (or 4th power) partial correlation after removing 1..k principal components
        (index 1..k; psych ``VSS(...)$map``).
    n_factors
        The argmin (1-based, never 0; psych ``which.min``).
    power
        2 (Velicer 1976, psych) or 4 (Velicer, Eaton & Fava 2000).
    value_0
        The average squared correlation with no component removed (Velicer's 0 entry; not used for the
        count, as psych).
    """

    values: pd.Series
    n_factors: int
    power: int = 2
    value_0: float = float("nan")

    def to_frame(self) -> pd.DataFrame:
        """The MAP values per number of components."""
        return self.values.to_frame("map")

    def to_dict(self) -> dict[str, Any]:
        """``n_factors``, ``values`` (list, for 1..k components), ``power``."""
        return {"n_factors": int(self.n_factors), "values": [float(v) for v in self.values.to_numpy()],
                "power": int(self.power)}

    def summary(self, lang: str = "en") -> str:
        """The suggested count and its average partial correlation (a Summary document rendered by the one text
        renderer)."""
        from ..summary.sections import summary_text

        return summary_text("map", self, lang=lang)


@dataclass(frozen=True, eq=False)
class RetentionResult:
    """Every criterion for the number of factors, side by side.

    Attributes
    ----------
    n_factors
        The suggestion: parallel analysis' FA count (at least 1).
    criterion
        What ``n_factors`` follows (``"parallel"``).
    eigenvalues
        Eigenvalues of R (the scree), index 1..p.
    parallel
        :class:`ParallelResult`.
    map
        :class:`MapResult`.
    kaiser
        Eigenvalues greater than 1.
    notes
        Remarks (for instance when parallel analysis found no factor and 1 was used).
    """

    n_factors: int
    criterion: str
    eigenvalues: pd.Series
    parallel: ParallelResult
    map: MapResult
    kaiser: int
    notes: list[str] = field(default_factory=list)

    def to_frame(self) -> pd.DataFrame:
        """One row per criterion: its suggested number of factors."""
        p = self.parallel
        rows = [("parallel analysis (FA, simulated)", p.n_factors), ("parallel analysis (PC, simulated)", p.n_components)]
        if p.n_factors_resampled is not None:
            rows += [("parallel analysis (FA, resampled)", p.n_factors_resampled),
                     ("parallel analysis (PC, resampled)", p.n_components_resampled)]
        rows += [("Velicer's MAP", self.map.n_factors), ("Kaiser (eigenvalue > 1)", self.kaiser)]
        return pd.DataFrame(rows, columns=["criterion", "n_factors"]).set_index("criterion")

    def to_dict(self) -> dict[str, Any]:
        """``n_factors``, ``criterion``, ``parallel``, ``map``, ``kaiser`` (each a dict with its
        ``n_factors``), ``scree`` (the eigenvalues), ``notes``."""
        return {
            "n_factors": int(self.n_factors),
            "criterion": self.criterion,
            "parallel": self.parallel.to_dict(),
            "map": self.map.to_dict(),
            "kaiser": {"n_factors": int(self.kaiser), "threshold": 1.0},
            "scree": [float(v) for v in self.eigenvalues.to_numpy()],
            "notes": list(self.notes),
        }

    def summary(self, lang: str = "en") -> str:
        """Every criterion side by side, the leading eigenvalues and MAP (a Summary document rendered by the one
        text renderer)."""
        from ..summary.sections import summary_text

        return summary_text("retention", self, lang=lang)


# --------------------------------------------------------------------------------------------------------
# MAP
# --------------------------------------------------------------------------------------------------------
def _as_matrix(R: Any) -> tuple[np.ndarray, list[str]]:
    if isinstance(R, CorrelationResult):
        R = R.matrix
    if isinstance(R, pd.DataFrame):
        return R.to_numpy(dtype=float), [str(c) for c in R.columns]
    a = np.asarray(R, dtype=float)
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise DataError(f"a square correlation matrix is needed; got shape {a.shape}")
    return a, [f"V{i + 1}" for i in range(a.shape[0])]


def velicer_map(R: Any, *, max_components: int | None = None, power: int = 2) -> MapResult:
    r"""Velicer's minimum average partial test, as psych ``VSS(...)$map``.

    Parameters
    ----------
    R
        Correlation matrix (array, DataFrame or CorrelationResult).
    max_components
        Largest number of components removed (default p - 1; psych ``VSS`` uses its ``n``, 8 by default).
    power
        2 (squared partial correlations: Velicer 1976 and psych) or 4 (Velicer, Eaton & Fava 2000).

    Returns
    -------
    MapResult

    Notes
    -----
    With :math:`A_m` the loadings of the first m principal components (eigenvectors times the square root
    of the eigenvalues), :math:`C_m = R - A_m A_m'` and :math:`P_m = D^{-1/2} C_m D^{-1/2}`,
    :math:`D = \operatorname{diag}(C_m)`:

    .. math:: \mathrm{MAP}(m) = \frac{\sum_{i \ne j} (P_m)_{ij}^{2}}{p (p - 1)},

    and the number of factors is :math:`\arg\min_{1 \le m \le k} \mathrm{MAP}(m)` (psych's ``which.min``
    counts from 1; the 0-component value is reported but not a candidate).

    References
    ----------
    Velicer, W. F. (1976). Determining the number of components from the matrix of partial correlations.
    Psychometrika, 41, 321-327. Velicer, W. F., Eaton, C. A., & Fava, J. L. (2000). Construct explication
    through factor or component analysis. In Goffin & Helmes (Eds.), Problems and solutions in human
    assessment (pp. 41-71). Kluwer.
    """
    a, _ = _as_matrix(R)
    p = a.shape[0]
    if p < 3:
        raise DataError(f"the MAP test needs at least 3 items; got {p}")
    if power not in (2, 4):
        raise DataError(f"MAP power must be 2 or 4; got {power}")
    k = p - 1 if max_components is None else int(min(max(max_components, 1), p - 1))
    with single_thread(p):
        vals, vecs = np.linalg.eigh(a)
        vals, vecs = vals[::-1], vecs[:, ::-1]
        comp = vecs * np.sqrt(np.maximum(vals, 0.0))
        off = ~np.eye(p, dtype=bool)
        denom = p * (p - 1)
        value_0 = float((np.abs(a[off]) ** power).sum() / denom)
        out = np.empty(k)
        resid = a.copy()
        for m in range(k):
            resid -= np.outer(comp[:, m], comp[:, m])
            d = np.diag(resid)
            with np.errstate(divide="ignore", invalid="ignore"):
                s = 1.0 / np.sqrt(d)
                partial = resid * s[:, None] * s[None, :]
            val = (np.abs(partial[off]) ** power).sum() / denom
            out[m] = val if np.isfinite(val) else np.inf
    values = pd.Series(out, index=pd.RangeIndex(1, k + 1, name="components"), name="map")
    return MapResult(values=values, n_factors=int(np.argmin(out)) + 1, power=power, value_0=value_0)


# --------------------------------------------------------------------------------------------------------
# Parallel analysis
# --------------------------------------------------------------------------------------------------------
def _fa_values(R: np.ndarray) -> np.ndarray:
    """Eigenvalues of R with one-factor minres communalities on the diagonal (psych ``fa(R, 1)$values``)."""
    from .extraction import fit_minres

    return np.asarray(fit_minres(R, 1).values, dtype=float)


def _complete_cor(x: np.ndarray) -> np.ndarray:
    xc = x - x.mean(axis=0)
    c = xc.T @ xc
    d = 1.0 / np.sqrt(np.diag(c))
    r = c * d[:, None] * d[None, :]
    np.fill_diagonal(r, 1.0)
    return r


def _new_seed() -> int:
    return int(np.random.SeedSequence().entropy % (2**31 - 1))


def parallel_analysis(
    X: pd.DataFrame,
    *,
    n_iter: int = 20,
    quantile: float = 0.95,
    cor: str = "pearson",
    seed: int | None = None,
    R: Any = None,
    resample: bool = True,
    progress: ProgressCallback | None = None,
) -> ParallelResult:
    r"""Horn's parallel analysis, as R psych ``fa.parallel(x, fa = "both")``.

    Parameters
    ----------
    X
        Answers, one column per item (missing answers as NaN). Its rows with at least one answer set the
        size of the random data sets; resampling draws from its columns.
    n_iter
        Random data sets per reference (psych: 20).
    quantile
        Quantile of the reference eigenvalues (psych: 0.95).
    cor
        ``"pearson"`` (pairwise, psych ``cor = "cor"``) or ``"polychoric"`` for the observed and resampled
        matrices; simulated normal data always use Pearson, as psych.
    seed
        Random seed; ``None`` draws one and reports it in the result.
    R
        The observed correlation matrix if already computed (for example weighted); by default computed
        from ``X`` with ``cor``.
    resample
        Also build the resampled reference (psych does by default).
    progress
        Optional callback ``progress(label, done, total)``.

    Returns
    -------
    ParallelResult

    Notes
    -----
    For each of ``n_iter`` data sets of normal random numbers (n rows, p columns), and each of ``n_iter``
    data sets made by resampling every item's answers independently, the eigenvalues of the correlation
    matrix ("PC") and of the matrix with one-factor minres communalities on the diagonal ("FA") are
    computed; the ``quantile`` of each eigenvalue over the data sets is the reference. The number of factors
    (components) is the leading run of observed FA (PC) eigenvalues above the simulated reference, which is
    what psych reports (``nfact``, ``ncomp``); the counts against the resampled reference are reported too.
    Quantiles are R's type 7.

    References
    ----------
    Horn, J. L. (1965). A rationale and test for the number of factors in factor analysis. Psychometrika,
    30, 179-185. Revelle, W. psych ``fa.parallel``.
    """
    if cor not in ("pearson", "polychoric"):
        raise DataError(f"parallel analysis supports cor='pearson' or 'polychoric'; got {cor!r}")
    if not (0.0 < quantile < 1.0):
        raise DataError(f"quantile must be between 0 and 1; got {quantile}")
    if int(n_iter) < 1:
        raise DataError(f"n_iter must be at least 1; got {n_iter}")
    n_iter = int(n_iter)
    if not isinstance(X, pd.DataFrame):
        X = pd.DataFrame(np.asarray(X, dtype=float))
    x = X.to_numpy(dtype=float, na_value=np.nan)
    x = x[~np.isnan(x).all(axis=1)]
    n, p = x.shape
    if p < 3:
        raise DataError(f"parallel analysis needs at least 3 items; got {p}")
    if n < 3:
        raise DataError(f"parallel analysis needs at least 3 respondents with answers; got {n}")
    if R is None:
        R = correlation_matrix(X, cor)
    r_obs, names = _as_matrix(R)
    if r_obs.shape[0] != p:
        raise DataError(f"R has {r_obs.shape[0]} items but the data have {p}")
    if np.isnan(r_obs).any():
        raise EstimationError("the correlation matrix has missing values (pairs of items without common "
                              "respondents); parallel analysis needs every correlation")
    seed = _new_seed() if seed is None else int(seed)
    rng = np.random.default_rng(seed)
    total = n_iter * (2 if resample else 1)
    done = 0
    index = pd.RangeIndex(1, p + 1, name="number")

    with single_thread(p):
        obs_pc = np.linalg.eigvalsh(r_obs)[::-1]
        obs_fa = _fa_values(r_obs)
        sim_pc = np.empty((n_iter, p))
        sim_fa = np.empty((n_iter, p))
        for it in range(n_iter):
            r = _complete_cor(rng.standard_normal((n, p)))
            sim_pc[it] = np.linalg.eigvalsh(r)[::-1]
            sim_fa[it] = _fa_values(r)
            done += 1
            if progress is not None:
                progress("parallel analysis", done, total)
        res_pc = res_fa = None
        if resample:
            res_pc = np.empty((n_iter, p))
            res_fa = np.empty((n_iter, p))
            has_missing = bool(np.isnan(x).any())
            xt = np.ascontiguousarray(x.T)  # items x respondents: each item's answers are contiguous
            for it in range(n_iter):
                for _attempt in range(20):
                    draw = rng.integers(0, n, size=(p, n), dtype=np.int32)
                    sample = np.take_along_axis(xt, draw, axis=1).T
                    r = _resampled_cor(sample, cor, has_missing)
                    if r is not None:
                        break
                else:
                    raise EstimationError("resampled data kept producing items without variance or pairs "
                                          "without common respondents; use resample=False or fewer sparse items")
                res_pc[it] = np.linalg.eigvalsh(r)[::-1]
                res_fa[it] = _fa_values(r)
                done += 1
                if progress is not None:
                    progress("parallel analysis", done, total)

    q_sim_pc = np.quantile(sim_pc, quantile, axis=0)
    q_sim_fa = np.quantile(sim_fa, quantile, axis=0)
    q_res_pc = None if res_pc is None else np.quantile(res_pc, quantile, axis=0)
    q_res_fa = None if res_fa is None else np.quantile(res_fa, quantile, axis=0)

    def ser(v: np.ndarray | None) -> pd.Series | None:
        return None if v is None else pd.Series(v, index=index)

    return ParallelResult(
        observed_pc=ser(obs_pc), observed_fa=ser(obs_fa),  # type: ignore[arg-type]
        simulated_pc=ser(q_sim_pc), simulated_fa=ser(q_sim_fa),  # type: ignore[arg-type]
        resampled_pc=ser(q_res_pc), resampled_fa=ser(q_res_fa),
        n_factors=leading_run(obs_fa, q_sim_fa), n_components=leading_run(obs_pc, q_sim_pc),
        n_factors_resampled=None if q_res_fa is None else leading_run(obs_fa, q_res_fa),
        n_components_resampled=None if q_res_pc is None else leading_run(obs_pc, q_res_pc),
        seed=seed, n_iter=n_iter, quantile=float(quantile), cor=cor, n_obs=n,
    )


def _resampled_cor(sample: np.ndarray, cor: str, has_missing: bool) -> np.ndarray | None:
    """Correlation matrix of resampled data, or None when it has missing entries (psych redraws)."""
    if cor == "pearson":
        if not has_missing:
            sd = sample.std(axis=0)
            if (sd == 0).any():
                return None
            return _complete_cor(sample)
        r, _ = _pearson_pairwise(sample, None)
        return None if np.isnan(r).any() else r
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EstimationWarning)
        try:
            res = correlation_matrix(pd.DataFrame(sample), "polychoric")
        except DataError:
            return None
    r = res.matrix.to_numpy()
    return None if np.isnan(r).any() else r


# --------------------------------------------------------------------------------------------------------
# All criteria
# --------------------------------------------------------------------------------------------------------
def retention_summary(
    X: pd.DataFrame,
    *,
    R: Any = None,
    cor: str = "pearson",
    n_iter: int = 20,
    quantile: float = 0.95,
    seed: int | None = None,
    max_components: int | None = None,
    max_factors: int | None = None,
    progress: ProgressCallback | None = None,
) -> RetentionResult:
    """Every criterion for the number of factors: parallel analysis (PC and FA; simulated and resampled
    references), Velicer's MAP, Kaiser, and the scree (eigenvalues).

    Parameters
    ----------
    X
        Answers, one column per item.
    R
        Observed correlation matrix if already computed (else from ``X`` with ``cor``).
    cor, n_iter, quantile, seed
        Passed to :func:`parallel_analysis`.
    max_components
        Passed to :func:`velicer_map`.
    max_factors
        Cap on the suggested number (for example the largest identifiable model); a note says when it bites.
    progress
        Optional callback ``progress(label, done, total)``.

    Returns
    -------
    RetentionResult
        ``n_factors`` is parallel analysis' FA count (psych ``fa.parallel``'s ``nfact``), at least 1.
    """
    if R is None:
        R = correlation_matrix(X, cor)
    r_obs, names = _as_matrix(R)
    par = parallel_analysis(X, n_iter=n_iter, quantile=quantile, cor=cor, seed=seed, R=r_obs, progress=progress)
    mp = velicer_map(r_obs, max_components=max_components)
    eig = par.observed_pc
    notes: list[str] = []
    k = par.n_factors
    if k < 1:
        notes.append("parallel analysis found no factor above chance; 1 factor is used")
        k = 1
    if max_factors is not None and k > max_factors:
        notes.append(f"parallel analysis suggests {k} factors; capped at {max_factors}, the most these items "
                     "can identify")
        k = int(max_factors)
    return RetentionResult(n_factors=int(k), criterion="parallel", eigenvalues=eig, parallel=par, map=mp,
                           kaiser=kaiser(eig.to_numpy()), notes=notes)

"""``FactorModel``: exploratory factor analysis of survey items, as R psych ``fa``, with the scikit-learn
estimator contract, and ``FactorResult``: what a fit reports.

>>> import surveytools as st                                                    # doctest: +SKIP
>>> survey = st.load_survey("bfi.csv", st.load_questionnaire("bfi.yaml"))        # doctest: +SKIP
>>> model = FactorModel(n_factors=5, rotation="oblimin").fit(survey)            # doctest: +SKIP
>>> print(model.result_.summary())                                              # doctest: +SKIP
>>> scores = model.transform(survey)          # factor scores by respondent id  # doctest: +SKIP
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from .._threads import single_thread
from ..estimator import Check, Estimator, either, flag, number, one_of, parsed_by, text_or_list, whole
from ..exceptions import (
    ConvergenceWarning,
    DataError,
    EstimationError,
    EstimationParameterError,
    EstimationWarning,
    HeywoodWarning,
)
from .extraction import METHODS, Extraction, degrees_of_freedom, extract, max_factors
from .fit import FitStatistics, fit_statistics
from .rotation import Rotation, canonical_rotation, rotate
from .scores import _canonical as _score_method
from .scores import apply_weights, score_r2, score_weights

__all__ = ["FactorModel", "FactorResult"]

Progress = Callable[[str, int, int], None]
_FORMAT = "surveytools.FactorModel"
_VERSION = 1


def _f(v: Any) -> float | None:
    """A float for JSON (None for NaN/inf/None)."""
    if v is None:
        return None
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


# ================================================================================================ result
@dataclass(frozen=True, eq=False)
class FactorResult:
    """The report of an exploratory factor analysis.

    Attributes
    ----------
    items
        Item ids, in analysis order.
    factors
        Factor names, in the reported order (psych's: by variance explained, ``diag(Phi L'L)``).
    loadings
        Pattern matrix (items x factors); equal to the structure for orthogonal rotations.
    structure
        Structure matrix ``L Phi`` (item-factor correlations).
    phi
        Factor correlations (identity for orthogonal rotations).
    communalities, uniquenesses
        ``h2 = diag(L Phi L')`` (equal to the unrotated row sums of squares) and ``u2 = 1 - h2``.
    eigenvalues
        Eigenvalues of the item correlation matrix, largest first.
    variance
        Per factor: ``ss_loadings`` (``diag(Phi L'L)``), ``proportion`` (of the p items' variance),
        ``cumulative``, ``proportion_explained`` (share of the common variance), ``cumulative_explained``.
    fit
        :class:`~surveytools.factor.fit.FitStatistics`.
    kmo, bartlett
        ``{"overall", "items"}`` and ``{"chi2", "df", "p"}`` (None when the matrix is singular).
    retention
        Number-of-factors criteria: ``parallel`` (FA count of parallel analysis, the one ``auto`` uses),
        ``parallel_components``, ``map`` (Velicer), ``kaiser`` (eigenvalues > 1) and details.
    n, rows_in, excluded
        Respondents used, respondents in, and excluded counts by reason.
    method, rotation, cor, missing, gamma, kaiser_normalized, score_method
        The options of the fit.
    item_text
        Item id -> question text (for naming factors).
    names
        Factor id -> readable name (:func:`surveytools.naming.name_factors`: the label of the scale whose
        items mark the factor, else its top item's text); the ids themselves when names were given.
    heywood
        Items in a Heywood case.
    converged
        Extraction and rotation both converged.
    score_r2
        Squared multiple correlation of each factor with its score estimate.
    n_factors_rule
        ``"user"`` or how ``auto`` chose the number.
    weighted
        Whether survey weights entered the correlations.
    """

    items: list[str]
    factors: list[str]
    loadings: pd.DataFrame
    structure: pd.DataFrame
    phi: pd.DataFrame
    communalities: pd.Series
    uniquenesses: pd.Series
    eigenvalues: pd.Series
    variance: pd.DataFrame
    fit: FitStatistics
    n: int
    rows_in: int
    excluded: dict[str, int]
    method: str
    rotation: str
    cor: str
    missing: str
    gamma: float = 0.0
    kaiser_normalized: bool = False
    score_method: str = "regression"
    kmo: dict[str, Any] | None = None
    bartlett: dict[str, Any] | None = None
    retention: dict[str, Any] = field(default_factory=dict)
    item_text: dict[str, str] = field(default_factory=dict)
    heywood: list[str] = field(default_factory=list)
    converged: bool = True
    score_r2: pd.Series | None = None
    n_factors_rule: str = "user"
    weighted: bool = False
    names: dict[str, str] = field(default_factory=dict)

    @property
    def labels(self) -> dict[str, str]:
        """Factor id -> display name: :attr:`names` where set (automatic or given), else the id."""
        return {f: self.names.get(f, f) for f in self.factors}

    @property
    def n_factors(self) -> int:
        """Number of factors."""
        return len(self.factors)

    @property
    def complexity(self) -> pd.Series:
        """Hofmann's item complexity ``(sum_j l_ij^2)^2 / sum_j l_ij^4`` of the pattern (psych ``com``)."""
        L2 = self.loadings.to_numpy() ** 2
        with np.errstate(invalid="ignore", divide="ignore"):
            c = L2.sum(axis=1) ** 2 / (L2 ** 2).sum(axis=1)
        return pd.Series(c, index=self.items, name="complexity")

    # ------------------------------------------------------------------ naming
    def top_items(self, n: int = 5, min_loading: float = 0.3) -> dict[str, list[dict[str, Any]]]:
        """For each factor, its highest-loading items (by absolute pattern loading) with their text.

        An item is listed under a factor when ``|loading| >= min_loading``; at most ``n`` per factor
        (the single highest item is always listed, so every factor can be named).

        Returns
        -------
        dict
            factor -> list of ``{"item", "loading", "text", "primary"}`` (``primary``: the item loads
            highest on this factor).
        """
        L = self.loadings
        primary = L.abs().idxmax(axis=1)
        out: dict[str, list[dict[str, Any]]] = {}
        for f in self.factors:
            col = L[f]
            order = col.abs().sort_values(ascending=False, kind="stable")
            chosen = [i for i in order.index if abs(col[i]) >= min_loading][:n] or list(order.index[:1])
            out[f] = [{"item": i, "loading": float(col[i]), "text": self.item_text.get(i),
                       "primary": bool(primary[i] == f)} for i in chosen]
        return out

    # ------------------------------------------------------------------ output
    def to_frame(self) -> pd.DataFrame:
        """Items x (factor loadings, ``h2``, ``u2``, ``com``), as psych prints them."""
        df = self.loadings.copy()
        df["h2"] = self.communalities
        df["u2"] = self.uniquenesses
        df["com"] = self.complexity
        return df

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping with the CONTRACT.md ``factor --json`` keys (and more).

        ``loadings.<id>``, ``structure.<id>`` list one value per factor in ``factors`` order; ``phi`` is a
        list of rows in that order.
        """
        m = self.n_factors
        L = self.loadings.to_numpy()
        S = self.structure.to_numpy()
        return {
            "n": int(self.n),
            "rows_in": int(self.rows_in),
            "excluded": {k: int(v) for k, v in self.excluded.items()},
            "items": list(self.items),
            "factors": list(self.factors),
            "names": self.labels,
            "n_factors": m,
            "n_factors_rule": self.n_factors_rule,
            "method": self.method,
            "rotation": self.rotation,
            "gamma": self.gamma,
            "kaiser_normalized": self.kaiser_normalized,
            "cor": self.cor,
            "missing": self.missing,
            "weighted": bool(self.weighted),
            "kmo": None if self.kmo is None else {"overall": _f(self.kmo["overall"]),
                                                  "items": {k: _f(v) for k, v in self.kmo["items"].items()}},
            "bartlett": None if self.bartlett is None else {"chi2": _f(self.bartlett["chi2"]),
                                                            "df": int(self.bartlett["df"]),
                                                            "p": _f(self.bartlett["p"])},
            "eigenvalues": [_f(v) for v in self.eigenvalues.to_numpy()],
            "retention": _jsonable(self.retention),
            "loadings": {i: [_f(v) for v in L[k]] for k, i in enumerate(self.items)},
            "structure": {i: [_f(v) for v in S[k]] for k, i in enumerate(self.items)},
            "communalities": {i: _f(v) for i, v in self.communalities.items()},
            "uniquenesses": {i: _f(v) for i, v in self.uniquenesses.items()},
            "complexity": {i: _f(v) for i, v in self.complexity.items()},
            "phi": [[_f(v) for v in row] for row in self.phi.to_numpy()],
            "variance": {c: [_f(v) for v in self.variance[c].to_numpy()] for c in self.variance.columns},
            "fit": {k: (_f(v) if isinstance(v, float) else v) for k, v in self.fit.to_dict().items()},
            "heywood": list(self.heywood),
            "converged": bool(self.converged),
            "score_method": self.score_method,
            "score_r2": None if self.score_r2 is None else {k: _f(v) for k, v in self.score_r2.items()},
            "top_items": self.top_items(),
        }

    def summary(self, digits: int = 2, cut: float = 0.0, lang: str = "en") -> str:
        """Text report: data, adequacy, number-of-factors criteria, loadings (with h2, u2, com),
        variance explained, factor correlations, fit, and the top items of each factor: the factor section of
        the Summary document rendered by the one text renderer.

        Parameters
        ----------
        digits
            Decimals of loadings.
        cut
            Blank out loadings with absolute value below ``cut`` (psych ``print(..., cut=)``).
        lang
            ``en`` or ``es``.
        """
        from ..summary.sections import summary_text

        return summary_text("factor", self, lang=lang, digits=digits, cut=cut)


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, Mapping):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [_jsonable(v) for v in obj.tolist()]
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return _f(obj)
    if isinstance(obj, pd.Series):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    return obj


def _item_moments(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Item means and SDs (``ddof = 1``) of the fitting data; an item without variance is an error."""
    x = frame.to_numpy(dtype=float)
    p = x.shape[1]
    counts = np.isfinite(x).sum(axis=0)
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        sd = np.nanstd(x, axis=0, ddof=1) if x.shape[0] > 1 else np.full(p, np.nan)
        means = np.nanmean(x, axis=0)
    constant = [c for c, s, k in zip(frame.columns, sd, counts, strict=True)
                if not (k > 1 and np.isfinite(s) and s > 0)]
    if constant:
        raise DataError(f"item(s) {', '.join(constant)} have no variance (every answer is the same, or fewer "
                        "than 2 answers): leave them out with --items")
    return means, sd


def _eigenvalues(R: np.ndarray, names: list[str], method: str) -> tuple[np.ndarray, bool]:
    """Eigenvalues of the correlation matrix (largest first) and whether it is singular (an error for maximum
    likelihood, else a warning naming the items that are linear combinations of others)."""
    evals, evecs = np.linalg.eigh(R)
    singular = bool(evals[0] < 1e-8 * max(evals[-1], 1.0))
    if singular:
        v = np.abs(evecs[:, 0])
        dep = [names[i] for i in np.argsort(-v) if v[i] > 0.2][:8]
        msg = ("the item correlation matrix is singular: item(s) " + ", ".join(dep) +
               " are (nearly) linear combinations of others; leave one of them out")
        if method == "ml":
            raise EstimationError(msg + " (maximum likelihood needs a positive definite matrix)")
        warnings.warn(msg + "; KMO, Bartlett and regression scores use approximations", EstimationWarning,
                      stacklevel=4)
    return evals[::-1], singular


def _warn_fit_problems(ext: Extraction, rot: Rotation, names: list[str], method: str, rotation: str) -> list[str]:
    """Warn of Heywood cases and of an extraction or rotation that did not converge; returns the Heywood items."""
    heywood = [names[i] for i in ext.heywood]
    if heywood:
        warnings.warn(f"Heywood case: item(s) {', '.join(heywood)} have a uniqueness at the 0.005 bound or a "
                      "communality >= 1; the solution may be improper: try fewer factors, another method, or "
                      "leave the item(s) out", HeywoodWarning, stacklevel=4)
    if not ext.converged:
        warnings.warn(f"{method} extraction did not converge after {ext.n_iter} iterations; interpret with "
                      "care", ConvergenceWarning, stacklevel=4)
    if not rot.converged:
        warnings.warn(f"{rotation} rotation did not converge; try --random-starts 10", ConvergenceWarning,
                      stacklevel=4)
    m = rot.loadings.shape[1]
    if rot.oblique and m > 1:
        off = float(np.abs(rot.phi - np.eye(m)).max())
        if off > 0.99:
            warnings.warn(f"{rotation} rotation collapsed factors (a factor correlation of {off:.3f}): the solution "
                          "is degenerate (oblimax is prone to this); use oblimin or promax, or fewer factors",
                          EstimationWarning, stacklevel=4)
    return heywood


# ================================================================================================ model
class FactorModel(Estimator):
    """Exploratory factor analysis of survey items (R psych ``fa``), a scikit-learn style estimator.

    Parameters
    ----------
    n_factors
        ``"auto"`` (the FA count of parallel analysis, psych ``fa.parallel``; all criteria are reported)
        or a whole number.
    method
        Extraction: ``"minres"`` (psych default), ``"ml"``, ``"pa"`` or ``"pc"`` (principal components,
        psych ``principal``: components ordered and signed after rotation as ``principal`` does).
    rotation
        ``"none"``, ``"varimax"``, ``"quartimax"``, ``"equamax"``, ``"geominT"`` (orthogonal);
        ``"promax"``, ``"oblimin"`` (psych default), ``"quartimin"``, ``"oblimax"`` (GPArotation),
        ``"geominQ"``/``"geomin"`` (oblique).
    cor
        ``"pearson"`` or ``"polychoric"``.
    missing
        ``"pairwise"`` (psych default: each correlation from the respondents answering both items) or
        ``"listwise"`` (only respondents answering every item).
    gamma
        Oblimin's gamma (0 = quartimin).
    kaiser
        Kaiser (row) normalization during rotation; None: R's default (varimax and promax yes, GPA
        rotations no). True for SPSS parity.
    scores
        Factor score method used by :meth:`transform`: ``"regression"`` (Thurstone), ``"bartlett"`` or
        ``"tenberge"``.
    random_starts
        Extra random starts of the rotation (the best criterion wins).
    seed
        Seed of parallel analysis and of the random starts.
    factor_names
        Names of the factors, in reported order (default ``F1..Fm``).
    n_iter
        Iterations of parallel analysis (psych: 20); 0 skips it (then ``auto`` is not available).
    weights
        Use the survey's weights for the correlations when it has them.

    Attributes
    ----------
    items_ : list of str
    n_factors_ : int
    loadings_ : DataFrame
        Pattern matrix, items x factors.
    structure_ : DataFrame
    phi_ : DataFrame
    communalities_, uniquenesses_ : Series
    weights_ : DataFrame
        Factor score weights (items x factors) applied to item z-scores.
    means_, scales_ : Series
        Item means and standard deviations (``ddof = 1``) of the fitting data, used to z-score.
    correlation_ : DataFrame
        The item correlation matrix analysed.
    extraction_, rotation_ : Extraction, Rotation
        Low-level results (not saved by :meth:`save`).
    result_ : FactorResult

    Notes
    -----
    Factor scores: ``scores = Z W`` with ``Z`` the item z-scores (means and SDs of the fitting data,
    ``ddof = 1``) and ``W`` the weights of :mod:`surveytools.factor.scores`. A missing answer counts as
    ``z = 0`` (the item mean is imputed), so every respondent with at least one answer gets a score; with
    complete answers the scores equal psych's ``scale(x) %*% weights``. A respondent with no answers gets
    NaN. Score weights always come from the Pearson correlations of the fitting data (as psych does,
    also for polychoric fits).
    """

    def __init__(self, n_factors: int | str = "auto", method: str = "minres", rotation: str = "oblimin",
                 cor: str = "pearson", missing: str = "pairwise", gamma: float = 0.0, kaiser: bool | None = None,
                 scores: str = "regression", random_starts: int = 0, seed: int | None = 20240601,
                 factor_names: Sequence[str] | None = None, n_iter: int = 20, weights: bool = True) -> None:
        self.n_factors = n_factors
        self.method = method
        self.rotation = rotation
        self.cor = cor
        self.missing = missing
        self.gamma = gamma
        self.kaiser = kaiser
        self.scores = scores
        self.random_starts = random_starts
        self.seed = seed
        self.factor_names = factor_names
        self.n_iter = n_iter
        self.weights = weights

    _parameter_constraints: ClassVar[dict[str, Check]] = {
        "n_factors": either(one_of("auto"), whole(1)),
        "method": one_of(*METHODS, what="extraction method", aliases=("uls", "mle", "principal", "pca"),
                         ignore_case=True),
        "rotation": parsed_by(canonical_rotation, "a rotation name"),
        "cor": one_of("pearson", "polychoric", what="correlation type", aliases=("poly",), ignore_case=True),
        "missing": one_of("pairwise", "listwise", what="missing-data rule"),
        "gamma": number(),
        "kaiser": flag(none=True),
        "scores": parsed_by(_score_method, "a factor score method"),
        "random_starts": whole(0),
        "seed": whole(0, none=True),
        "factor_names": text_or_list(),
        "n_iter": whole(0),
        "weights": flag(),
    }
    _parameter_error = EstimationParameterError
    _model_format = _FORMAT
    _model_version = _VERSION
    _model_what = "a saved factor model"
    _model_hint = "write one with FactorModel.save or 'surveytools factor --save-model'"

    # ------------------------------------------------------------------ parameters
    def _validate(self) -> tuple[str, str, str, str]:
        """Check the parameters (:attr:`_parameter_constraints`) and return the canonical method, rotation,
        correlation type and score method."""
        self._validate_params()
        method = str(self.method).lower()
        method = {"uls": "minres", "mle": "ml", "principal": "pc", "pca": "pc"}.get(method, method)
        cor = str(self.cor).lower()
        cor = "polychoric" if cor == "poly" else cor
        return method, canonical_rotation(self.rotation), cor, _score_method(self.scores)

    # ------------------------------------------------------------------ data
    @staticmethod
    def _frame(X: Any, items: str | Sequence[str] | None) -> tuple[pd.DataFrame, dict[str, str], np.ndarray | None]:
        """Numeric item frame, item texts and survey weights from a Survey or a DataFrame."""
        from ..survey import Survey

        if isinstance(X, Survey):
            frame = X.item_frame(items)
            q = X.questionnaire
            text = {i: (q.items[i].text or "") for i in frame.columns if i in q.items}
            return frame, text, X.weight_array()
        if isinstance(X, pd.DataFrame):
            if items is None:
                cols = list(X.columns)
            else:
                cols = [p.strip() for p in items.split(",")] if isinstance(items, str) else [str(c) for c in items]
                missing = [c for c in cols if c not in X.columns]
                if missing:
                    raise DataError(f"no column for item(s) {', '.join(missing)} in the data; available: "
                                    f"{', '.join(map(str, list(X.columns)[:30]))}")
            frame = X[cols]
            bad = [str(c) for c in cols if not pd.api.types.is_numeric_dtype(frame[c])]
            if bad:
                raise DataError(f"item(s) {', '.join(bad)} are not numeric; pass numeric answer codes")
            frame = frame.astype(float)
            frame.columns = [str(c) for c in frame.columns]
            return frame, {}, None
        raise DataError(f"FactorModel needs a Survey or a numeric pandas DataFrame; got {type(X).__name__}")

    # ------------------------------------------------------------------ fit
    def fit(self, X: Any, y: Any = None, *, items: str | Sequence[str] | None = None,
            progress: Progress | None = None) -> FactorModel:
        """Fit the factor model.

        Parameters
        ----------
        X
            A :class:`~surveytools.survey.Survey` (items resolved by the questionnaire) or a numeric
            DataFrame (one column per item, index = respondent ids).
        y
            Ignored (scikit-learn compatibility).
        items
            Item ids and/or scale names (list or comma-separated); default every Likert item but attention checks of a survey,
            every column of a DataFrame.
        progress
            Optional callback ``progress(label, done, total)``.

        Returns
        -------
        FactorModel
            ``self``, fitted.

        Raises
        ------
        DataError
            Fewer than 3 items, non-numeric or constant items, too few respondents.
        EstimationError
            Too many factors for the items, a matrix the method cannot handle.
        """
        method, rotation, cor, score = self._validate()
        frame, text, w = self._frame(X, items)
        with single_thread(frame.shape[1]):
            self._fit(frame, text, w, method, rotation, cor, score, progress)
        self.result_ = replace(self.result_, names=self._auto_names(X))
        return self

    def _auto_names(self, X: Any) -> dict[str, str]:
        """Readable factor names: the given names themselves, else proposed from scales and item text."""
        from ..naming import name_factors

        res = self.result_
        if self.factor_names is not None:
            return {f: f for f in res.factors}
        q = getattr(X, "questionnaire", None)
        return name_factors(res.loadings, q.scales if q is not None else None, res.item_text,
                            lang=getattr(q, "language", "en") or "en")

    def _fit(self, frame: pd.DataFrame, text: dict[str, str], w: np.ndarray | None, method: str, rotation: str,
             cor: str, score: str, progress: Progress | None) -> FactorModel:
        if not getattr(self, "weights", True):
            w = None
        p = frame.shape[1]
        if p < 3:
            raise DataError(f"factor analysis needs at least 3 items; got {p} ({', '.join(frame.columns)}); "
                            "select more items with --items")
        steps = 6
        tick = progress or (lambda label, done, total: None)
        tick("factor analysis", 0, steps)
        means, sd = _item_moments(frame)

        from ..correlation import correlation_matrix

        corr = correlation_matrix(frame, "pearson" if cor == "pearson" else "polychoric", missing=self.missing,
                                  weights=w, progress=progress)
        R = corr.matrix.to_numpy(dtype=float)
        names = list(frame.columns)
        n_obs = int(corr.n_obs)
        pairwise_n = corr.pairwise_n.to_numpy(dtype=float)
        if n_obs <= p:
            warnings.warn(f"only {n_obs} respondents for {p} items: the correlation matrix is singular and the "
                          "solution unstable; collect more answers or analyse fewer items", EstimationWarning,
                          stacklevel=3)
        tick("factor analysis", 1, steps)
        eigenvalues, singular = _eigenvalues(R, names, method)
        kmo_d, bart_d = self._adequacy(corr, n_obs)
        tick("factor analysis", 2, steps)
        if self.n_factors == "auto" and int(self.n_iter) <= 0:
            raise EstimationError("n_factors='auto' needs parallel analysis (n_iter > 0); give a number of "
                                  "factors instead")
        retention, suggested = self._retention(frame, corr, p, eigenvalues, progress)
        tick("factor analysis", 3, steps)
        m, rule = self._number_of_factors(retention, suggested, p, method)
        fnames = self._factor_names(m)
        ext = extract(R, m, method, n_obs=n_obs)
        tick("factor analysis", 4, steps)
        # psych principal rotates promax with stats::promax (no Kaiser step of its own) and orders components by
        # colSums(L^2); fa uses kaiser(L, "Promax") and diag(Phi L'L)
        kaiser = False if (method == "pc" and rotation == "promax" and self.kaiser is None) else self.kaiser
        rot = rotate(ext.loadings, rotation, gamma=self.gamma, kaiser=kaiser, random_starts=self.random_starts,
                     seed=self.seed, order="principal" if method == "pc" else "fa")
        tick("factor analysis", 5, steps)
        heywood = _warn_fit_problems(ext, rot, names, method, rotation)
        L, Phi = rot.loadings, rot.phi
        fit = fit_statistics(R, L, Phi, n_obs=n_obs, pairwise_n=None if self.missing == "listwise" else pairwise_n)
        # score weights from the Pearson correlations of the data (psych factor.scores)
        R_scores = R if cor == "pearson" else correlation_matrix(frame, "pearson", missing=self.missing,
                                                                 weights=w, smooth=False).matrix.to_numpy()
        W = score_weights(R_scores, L, Phi, score)  # singular R: the loadings, as psych (with a warning)
        r2 = score_r2(R_scores, L, Phi, W)

        h2 = np.einsum("ij,jk,ik->i", L, Phi, L)
        ss = np.diag(Phi @ L.T @ L)
        variance = pd.DataFrame({"ss_loadings": ss, "proportion": ss / p, "cumulative": np.cumsum(ss / p),
                                 "proportion_explained": ss / ss.sum(),
                                 "cumulative_explained": np.cumsum(ss / ss.sum())}, index=fnames)
        idx = pd.Index(names, name="item")
        fidx = pd.Index(fnames, name="factor")
        retention = dict(retention)
        self.items_ = names
        self.n_factors_ = m
        self.loadings_ = pd.DataFrame(L, index=idx, columns=fidx)
        self.structure_ = pd.DataFrame(rot.structure, index=idx, columns=fidx)
        self.phi_ = pd.DataFrame(Phi, index=fidx, columns=fidx)
        self.communalities_ = pd.Series(h2, index=idx, name="h2")
        self.uniquenesses_ = pd.Series(1.0 - h2, index=idx, name="u2")
        self.weights_ = pd.DataFrame(W, index=idx, columns=fidx)
        self.means_ = pd.Series(means, index=idx, name="mean")
        self.scales_ = pd.Series(sd, index=idx, name="sd")
        self.correlation_ = corr.matrix
        self.correlation_result_ = corr
        self.extraction_: Extraction = ext
        self.rotation_: Rotation = rot
        self.score_method_ = score
        excluded = {k: int(v) for k, v in getattr(corr, "excluded", {}).items()}
        self.result_ = FactorResult(
            items=names, factors=fnames, loadings=self.loadings_, structure=self.structure_, phi=self.phi_,
            communalities=self.communalities_, uniquenesses=self.uniquenesses_,
            eigenvalues=pd.Series(eigenvalues, index=range(1, p + 1), name="eigenvalue"), variance=variance,
            fit=fit, n=n_obs, rows_in=int(getattr(corr, "rows_in", frame.shape[0]) or frame.shape[0]),
            excluded=excluded, method=method, rotation=rotation, cor=corr.method, missing=self.missing,
            gamma=float(self.gamma) if rotation == "oblimin" else 0.0, kaiser_normalized=bool(rot.kaiser),
            score_method=score, kmo=kmo_d, bartlett=bart_d, retention=retention, item_text=text,
            heywood=heywood, converged=bool(ext.converged and rot.converged),
            score_r2=pd.Series(r2, index=fnames, name="r2"), n_factors_rule=rule,
            weighted=bool(getattr(corr, "weighted", w is not None)))
        tick("factor analysis", steps, steps)
        return self

    def _number_of_factors(self, retention: Mapping[str, Any], suggested: int | None, p: int, method: str
                           ) -> tuple[int, str]:
        """The number of factors (given, or parallel analysis' for ``auto``) and how it was chosen; too many for
        the items is an error (maximum likelihood) or a warning (negative degrees of freedom)."""
        if self.n_factors == "auto":
            m = int(suggested) if suggested is not None else 1
            rule = "auto: parallel analysis (FA eigenvalues)"
            if retention.get("parallel") is not None and m != retention["parallel"]:
                rule += f" = {retention['parallel']}, {m} used"
        else:
            m = int(self.n_factors)
            rule = "user"
        if m >= p:
            raise EstimationError(f"{m} factors are too many for {p} items: at most {p - 1} can be extracted "
                                  f"and {max_factors(p)} leave a testable model; ask for fewer factors")
        if degrees_of_freedom(p, m) < 0:
            if method == "ml":
                raise EstimationError(f"maximum likelihood cannot fit {m} factors to {p} items (negative degrees "
                                      f"of freedom); use at most {max_factors(p)} factors")
            warnings.warn(f"{m} factors for {p} items leave negative degrees of freedom (at most "
                          f"{max_factors(p)} are identified): the solution is not unique and fit statistics are "
                          "undefined", EstimationWarning, stacklevel=4)
        return m, rule

    def _factor_names(self, m: int) -> list[str]:
        if self.factor_names is None:
            return [f"F{k + 1}" for k in range(m)]
        names = [str(n).strip() for n in (self.factor_names.split(",") if isinstance(self.factor_names, str)
                                          else self.factor_names)]
        if len(names) != m:
            raise EstimationError(f"{len(names)} factor name(s) given ({', '.join(names)}) for {m} factors; give "
                                  f"exactly {m}, in the reported order (run once without names to see it)")
        if len(set(names)) != m or any(not n for n in names):
            raise EstimationError(f"factor names must be distinct and non-empty: {', '.join(names)}")
        return names

    @staticmethod
    def _adequacy(corr: Any, n_obs: int) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        from .adequacy import bartlett, kmo

        kmo_d = bart_d = None
        try:
            k = kmo(corr.matrix)
            kmo_d = {"overall": float(k.overall), "items": {str(i): float(v) for i, v in k.items.items()}}
        except EstimationError as exc:
            warnings.warn(f"KMO not computed: {exc}", EstimationWarning, stacklevel=3)
        try:
            b = bartlett(corr.matrix, n_obs)
            bart_d = {"chi2": float(b.chi2), "df": int(b.df), "p": float(b.p)}
        except (EstimationError, DataError) as exc:
            warnings.warn(f"Bartlett's test not computed: {exc}", EstimationWarning, stacklevel=3)
        return kmo_d, bart_d

    def _retention(self, frame: pd.DataFrame, corr: Any, p: int, eigenvalues: np.ndarray,
                   progress: Progress | None) -> tuple[dict[str, Any], int | None]:
        """Number-of-factors criteria side by side (parallel analysis, MAP, Kaiser, scree).

        Returns the JSON-ready report and the suggested number (parallel analysis' FA count, at least 1 and at
        most the largest identified model), or None when parallel analysis is off (``n_iter = 0``).
        """
        from .retention import kaiser, retention_summary, velicer_map

        out: dict[str, Any] = {"parallel": None, "parallel_components": None, "map": None,
                               "kaiser": int(kaiser(eigenvalues)), "scree": [float(v) for v in eigenvalues]}
        try:
            if int(self.n_iter) > 0:
                ret = retention_summary(frame, R=corr.matrix, cor=corr.method if corr.method != "tetrachoric"
                                        else "polychoric", n_iter=int(self.n_iter), seed=self.seed,
                                        max_factors=max(max_factors(p), 1), progress=progress)
                out.update({"parallel": int(ret.parallel.n_factors),
                            "parallel_components": int(ret.parallel.n_components),
                            "map": int(ret.map.n_factors), "suggested": int(ret.n_factors),
                            "seed": int(ret.parallel.seed), "n_iter": int(ret.parallel.n_iter),
                            "details": _jsonable(ret.to_dict())})
                for note in ret.notes:
                    if self.n_factors == "auto":
                        warnings.warn(note, EstimationWarning, stacklevel=4)
                return out, int(ret.n_factors)
            out["map"] = int(velicer_map(corr.matrix).n_factors)
        except (EstimationError, DataError) as exc:
            if self.n_factors == "auto":
                raise EstimationError(f"cannot choose the number of factors automatically: {exc}; give "
                                      "--n-factors K") from None
            warnings.warn(f"number-of-factors criteria not computed: {exc}", EstimationWarning, stacklevel=4)
        return out, None

    # ------------------------------------------------------------------ transform
    def transform(self, X: Any) -> pd.DataFrame:
        """Factor scores of respondents (rows of a Survey or DataFrame), indexed by respondent id.

        The data must contain the fitted items (same ids); answers are z-scored with the fitting data's
        means and SDs, missing answers count as the item mean (see the class Notes).

        Returns
        -------
        DataFrame
            Respondents x factors (columns = factor names).
        """
        self._check_fitted()
        from ..survey import Survey

        if isinstance(X, Survey):
            missing = [i for i in self.items_ if i not in X.responses.columns]
            if missing:
                raise DataError(f"the data have no column for fitted item(s) {', '.join(missing)}; score data "
                                "that holds the items the model was fitted on")
            frame = X.responses[self.items_]
            bad = [c for c in self.items_ if not pd.api.types.is_numeric_dtype(frame[c])]
            if bad:
                raise DataError(f"item(s) {', '.join(bad)} hold text, not numeric codes; import the export with "
                                "'surveytools import' first")
            index = X.ids
        elif isinstance(X, pd.DataFrame):
            missing = [i for i in self.items_ if i not in X.columns]
            if missing:
                raise DataError(f"the data have no column for fitted item(s) {', '.join(missing)}")
            frame = X[self.items_]
            bad = [c for c in self.items_ if not pd.api.types.is_numeric_dtype(frame[c])]
            if bad:
                raise DataError(f"item(s) {', '.join(bad)} are not numeric")
            index = X.index
        else:
            raise DataError(f"transform needs a Survey or a pandas DataFrame; got {type(X).__name__}")
        scores = apply_weights(frame.to_numpy(dtype=float), self.means_.to_numpy(), self.scales_.to_numpy(),
                               self.weights_.to_numpy())
        return pd.DataFrame(scores, index=index, columns=list(self.loadings_.columns))

    def fit_transform(self, X: Any, y: Any = None, **fit_params: Any) -> pd.DataFrame:
        """``fit(X)`` then ``transform(X)``."""
        return self.fit(X, **fit_params).transform(X)

    # ------------------------------------------------------------------ persistence (Estimator.save/load)
    def to_json_dict(self) -> dict[str, Any]:
        """The fitted model as a JSON-ready mapping (what :meth:`save` writes; same as :meth:`to_model_dict`)."""
        return self.to_model_dict()

    def _model_body(self) -> dict[str, Any]:
        return {
            "score_method": self.score_method_,
            "items": self.items_,
            "factors": list(self.loadings_.columns),
            "means": [float(v) for v in self.means_],
            "sds": [float(v) for v in self.scales_],
            "weights": [[float(v) for v in row] for row in self.weights_.to_numpy()],
            "item_text": dict(self.result_.item_text),
            "result": self.result_.to_dict(),
        }

    @classmethod
    def _from_model_body(cls, data: Mapping[str, Any], params: dict[str, Any]) -> FactorModel:
        model = cls(**params)
        items = [str(i) for i in data["items"]]
        factors = [str(f) for f in data["factors"]]
        r = data["result"]
        idx = pd.Index(items, name="item")
        fidx = pd.Index(factors, name="factor")

        def arr(v: Any) -> np.ndarray:
            return np.array([[np.nan if x is None else x for x in row] for row in v], dtype=float)

        L = arr([r["loadings"][i] for i in items])
        S = arr([r["structure"][i] for i in items])
        Phi = arr(r["phi"])
        model.items_ = items
        model.n_factors_ = len(factors)
        model.loadings_ = pd.DataFrame(L, index=idx, columns=fidx)
        model.structure_ = pd.DataFrame(S, index=idx, columns=fidx)
        model.phi_ = pd.DataFrame(Phi, index=fidx, columns=fidx)
        model.communalities_ = pd.Series([r["communalities"][i] for i in items], index=idx, name="h2", dtype=float)
        model.uniquenesses_ = pd.Series([r["uniquenesses"][i] for i in items], index=idx, name="u2", dtype=float)
        model.weights_ = pd.DataFrame(arr(data["weights"]), index=idx, columns=fidx)
        model.means_ = pd.Series(data["means"], index=idx, name="mean", dtype=float)
        model.scales_ = pd.Series(data["sds"], index=idx, name="sd", dtype=float)
        model.score_method_ = str(data["score_method"])
        fit_d = {k: (float("nan") if v is None else v) for k, v in r["fit"].items()}
        variance = pd.DataFrame({k: np.array([np.nan if x is None else x for x in v], dtype=float)
                                 for k, v in r["variance"].items()}, index=factors)
        model.result_ = FactorResult(
            items=items, factors=factors, loadings=model.loadings_, structure=model.structure_, phi=model.phi_,
            communalities=model.communalities_, uniquenesses=model.uniquenesses_,
            eigenvalues=pd.Series([np.nan if v is None else v for v in r["eigenvalues"]],
                                  index=range(1, len(items) + 1), name="eigenvalue", dtype=float),
            variance=variance, fit=FitStatistics(**fit_d), n=int(r["n"]), rows_in=int(r["rows_in"]),
            excluded=dict(r.get("excluded", {})), method=r["method"], rotation=r["rotation"], cor=r["cor"],
            missing=r["missing"], gamma=float(r.get("gamma", 0.0)),
            kaiser_normalized=bool(r.get("kaiser_normalized", False)), score_method=model.score_method_,
            kmo=r.get("kmo"), bartlett=r.get("bartlett"), retention=r.get("retention") or {},
            item_text={str(k): str(v) for k, v in dict(data.get("item_text", {})).items()},
            heywood=list(r.get("heywood", [])), converged=bool(r.get("converged", True)),
            score_r2=None if r.get("score_r2") is None else pd.Series(r["score_r2"], name="r2", dtype=float),
            n_factors_rule=str(r.get("n_factors_rule", "user")), weighted=bool(r.get("weighted", False)),
            names={str(k): str(v) for k, v in dict(r.get("names") or {}).items() if str(k) in factors})
        return model




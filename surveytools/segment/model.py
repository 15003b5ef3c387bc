"""The :class:`Segmenter` estimator and its :class:`SegmentResult`.

A segmentation run: build the basis (:mod:`~surveytools.segment.basis`), put the respondents in a
canonical order (sorted by respondent id, so the row order of the input cannot matter), fit the method at
every candidate k (:mod:`kmeans`, :mod:`mixture`, :mod:`ward`, :mod:`ensemble`), number the segments by
weighted size (largest = 1; ties by centroid), compute the criteria and the bootstrap stability
(:mod:`selection`, :mod:`stability`), and choose k by the documented rule (:func:`selection.choose_k`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ..estimator import Check, Estimator, either, flag, mapping, number, one_of, parsed_by, text_or_list, whole
from ..exceptions import DataError, DataParameterError, EstimationError
from ..survey import Survey
from ._base import Method, Progress, Solution
from ._util import blas_single_thread, canonical_order, size_order, spawn_rngs
from .basis import MISSING_RULES, Basis, basis_frame, build_basis
from .ensemble import EnsembleMethod
from .kmeans import KMeansMethod
from .latent_class import LatentClassMethod
from .lca_structural import COVARIATE_METHODS
from .mixture import COVARIANCE_TYPES, MixtureMethod
from .selection import choose_k, criteria_frame, criteria_row
from .stability import BootstrapStability, bootstrap_stability, reproducibility
from .ward import LINKAGES, WardMethod

__all__ = ["METHODS", "DEFAULT_K_RANGE", "DEFAULT_SEED", "parse_k", "Segmenter", "SegmentResult", "segment",
           "evaluate_segments"]

METHODS = ("kmeans", "gmm", "ward", "ensemble", "latent-class")
#: Other names accepted for a method.
METHOD_ALIASES = {"lca": "latent-class", "latent_class": "latent-class", "latentclass": "latent-class"}
DEFAULT_K_RANGE = (2, 8)
#: The seed used when none is given (as the CLI's default --seed).
DEFAULT_SEED = 20240601
_FORMAT = "surveytools.segmenter"
_VERSION = 1
_METHOD_NAMES = {"kmeans": "k-means", "gmm": "Gaussian mixture", "ward": "Ward", "ensemble": "ensemble",
                 "latent-class": "latent class analysis"}


def parse_k(k: int | str | Sequence[int] | None, default: tuple[int, int] = DEFAULT_K_RANGE
            ) -> tuple[list[int], bool]:
    """``auto`` / ``K`` / ``MIN-MAX`` / ``(MIN, MAX)`` -> (candidate ks, whether k is chosen from a range).

    Raises
    ------
    DataError
        Not a number or range, k < 2, MIN > MAX.
    """
    auto = False
    if k is None or (isinstance(k, str) and k.strip().lower() == "auto"):
        lo, hi = default
        auto = True
    elif isinstance(k, (int, np.integer)) and not isinstance(k, bool):
        lo = hi = int(k)
    elif isinstance(k, str):
        m = re.fullmatch(r"\s*(\d+)\s*(?:[-:]|\.\.)\s*(\d+)\s*", k)
        if m:
            lo, hi = int(m.group(1)), int(m.group(2))
        elif k.strip().isdigit():
            lo = hi = int(k)
        else:
            raise DataError(f"k must be 'auto', a whole number or a range MIN-MAX (e.g. 2-8), not {k!r}")
    elif isinstance(k, Sequence) and len(k) == 2:
        lo, hi = int(k[0]), int(k[1])
    else:
        raise DataError(f"k must be 'auto', a whole number or a range MIN-MAX, not {k!r}")
    if lo < 2:
        raise DataError(f"k must be at least 2 (one segment is no segmentation); got {lo}")
    if lo > hi:
        raise DataError(f"k range {lo}-{hi} is empty; write MIN-MAX with MIN <= MAX")
    return list(range(lo, hi + 1)), auto or lo != hi


def _make_method(method: str, *, n_init: int | None, covariance: str, n_runs: int, linkage: str,
                 prior: float = 1.0) -> Method:
    if method == "latent-class":
        return LatentClassMethod(n_init=30 if n_init is None else n_init, prior=prior)
    if method == "kmeans":
        return KMeansMethod(n_init=20 if n_init is None else n_init)
    if method == "gmm":
        return MixtureMethod(covariance=covariance, n_init=5 if n_init is None else n_init)
    if method == "ward":
        return WardMethod()
    if method == "ensemble":
        return EnsembleMethod(n_runs=n_runs, linkage=linkage)
    raise DataError(f"unknown segmentation method {method!r}; choose one of {', '.join(METHODS)}")


# ====================================================================== result
@dataclass(frozen=True)
class SegmentResult:
    """A segmentation: assignments, sizes, centroids, the criteria table and the choice of k.

    Attributes
    ----------
    k
        Number of segments.
    method
        ``kmeans``, ``gmm``, ``ward`` or ``ensemble``.
    assignments
        Respondent id (input order, segmented respondents only) -> ``segment`` (1..k, numbered by weighted
        size) and ``probability`` (mixtures: posterior of the segment) or ``consensus`` (ensemble: mean
        co-association with the segment).
    sizes
        Per segment: ``n``, ``share``, ``weighted_n``, ``weighted_share`` (weighted = unweighted without
        survey weights).
    centroids
        Weighted segment means of the basis columns, in the basis's units.
    centroids_z
        The same on the standardized basis (equal to ``centroids`` without standardization).
    criteria
        Indexed by candidate k: ``silhouette``, ``calinski_harabasz``, ``davies_bouldin``, ``bic``,
        ``min_share``, ``stability_ari``, ``stability_ari_sd``, ``jaccard_min``, ``reproducibility``,
        ``objective``, ``admissible``, ``votes`` (criteria best at this k), ``rank_sum`` (the rank sum of
        the rule; NaN for k outside the pool).
    stability
        At the chosen k: ``replicates``, ``ari_mean``, ``ari_sd``, ``jaccard`` (segment -> mean Jaccard),
        ``jaccard_min``, ``reproducibility``.
    explanation
        Why this k, in words.
    """

    k: int
    method: str
    assignments: pd.DataFrame
    sizes: pd.DataFrame
    centroids: pd.DataFrame
    centroids_z: pd.DataFrame
    criteria: pd.DataFrame
    stability: dict[str, Any]
    explanation: str
    votes: dict[str, int]
    basis: str
    basis_columns: list[str]
    standardized: bool
    weighted: bool
    rows_in: int
    rows_segmented: int
    excluded: pd.Series
    imputed: int
    seed: int
    options: dict[str, Any] = field(default_factory=dict)
    k_chosen: bool = True
    latent_class: dict[str, Any] | None = None
    basis_labels: dict[str, str] = field(default_factory=dict)
    lang: str = "en"

    @property
    def names(self) -> dict[int, str]:
        """Segment number -> a short descriptive name from the centroid (:func:`surveytools.naming.name_segments`)."""
        from ..naming import name_segments

        return name_segments(self.centroids_z, self.basis_labels, lang=self.lang)

    @property
    def rows_excluded(self) -> int:
        return int(len(self.excluded))

    @property
    def segment(self) -> pd.Series:
        """Respondent id -> segment (1..k)."""
        return self.assignments["segment"]

    def to_frame(self) -> pd.DataFrame:
        """The assignments (respondent id index; ``segment`` and ``probability``/``consensus``)."""
        return self.assignments.copy()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``k``, ``method``, ``sizes``, ``criteria``, ``stability`` and the details."""
        def num(v: Any) -> Any:
            if isinstance(v, (bool, np.bool_)):
                return bool(v)
            if isinstance(v, (int, np.integer)):
                return int(v)
            if isinstance(v, (float, np.floating)):
                f = float(v)
                return None if not np.isfinite(f) else f
            return v

        crit = {str(int(k)): {c: num(v) for c, v in row.items()} for k, row in self.criteria.iterrows()}
        sizes = {str(int(s)): {c: (int(v) if c == "n" else num(v)) for c, v in row.items()}
                 for s, row in self.sizes.iterrows()}
        cents = {str(int(s)): {str(c): num(v) for c, v in row.items()} for s, row in self.centroids.iterrows()}
        reasons = {str(k): int(v) for k, v in self.excluded.value_counts().sort_index().items()}
        return {
            "k": int(self.k),
            "method": self.method,
            "sizes": sizes,
            "criteria": crit,
            "stability": {k: (num(v) if not isinstance(v, dict) else {str(a): num(b) for a, b in v.items()})
                          for k, v in self.stability.items()},
            "centroids": cents,
            "explanation": self.explanation,
            "names": {str(s): n for s, n in self.names.items()},
            "votes": dict(self.votes),
            "k_chosen": self.k_chosen,
            "basis": {"kind": self.basis, "columns": list(self.basis_columns), "standardized": self.standardized},
            "weighted": self.weighted,
            "rows_in": int(self.rows_in),
            "rows_segmented": int(self.rows_segmented),
            "rows_excluded": self.rows_excluded,
            "excluded": reasons,
            "imputed": int(self.imputed),
            "seed": int(self.seed),
            "options": self.options,
            **({"latent_class": _json_ready(self.latent_class)} if self.latent_class is not None else {}),
        }

    def summary(self, digits: int = 2, lang: str = "en") -> str:
        """A text report for the terminal: the choice of k, sizes, criteria by k, stability and centroids
        (``digits`` decimals; for latent classes also the class profiles, covariates and distal outcomes): the
        segment section of the Summary document rendered by the one text renderer."""
        from ..summary.sections import summary_text

        return summary_text("segment", self, lang=lang, digits=digits)


def _json_ready(v: Any) -> Any:
    """Numbers, arrays and nested mappings as plain JSON values (NaN and infinities as None)."""
    if isinstance(v, Mapping):
        return {str(a): _json_ready(b) for a, b in v.items()}
    if isinstance(v, (list, tuple)):
        return [_json_ready(b) for b in v]
    if isinstance(v, np.ndarray):
        return [_json_ready(b) for b in v.tolist()]
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        f = float(v)
        return f if np.isfinite(f) else None
    return v


# ====================================================================== estimator
class Segmenter(Estimator):
    """Psychographic segmentation: a scikit-learn style estimator with save/load.

    Parameters
    ----------
    k
        ``"auto"`` (choose from ``k_range``, default 2..8), a whole number, or a range ``"MIN-MAX"`` /
        ``(MIN, MAX)`` to choose from.
    method
        ``kmeans`` (weighted k-means, many k-means++ starts), ``gmm`` (Gaussian mixture / latent profile
        model with weights, BIC, membership probabilities), ``ward`` (weighted Ward; two-step on large
        data), ``ensemble`` (consensus of many k-means runs by co-association, as Sawtooth CCEA),
        ``latent-class`` (alias ``lca``: latent class analysis of a mixed basis, categorical, ordinal,
        binary and numeric items; :mod:`~surveytools.segment.latent_class`).
    basis
        ``factors`` (default), ``scales``, ``items``, or comma-separated scales / items (see
        :mod:`~surveytools.segment.basis`); for a DataFrame, column names (default all).
    n_init
        Random starts on the full data (k-means 20, mixtures 5, latent class 30).
    bootstrap
        Bootstrap replicates for stability (0 skips; default 50).
    bootstrap_n_init
        Random starts of each bootstrap refit (default: k-means 3, mixtures 1). On large data the k-means
        starts run on a 20,000-row subsample and only the best continues on all rows of the replicate.
    seed
        Random seed; same seed, same segments (None: the default seed 20240601, never a random one).
    min_size
        Smallest acceptable segment share when choosing k (default 0.05).
    min_stability
        Smallest acceptable mean bootstrap adjusted Rand index when choosing k (default 0.75).
    standardize, missing, min_answered
        Basis options (:func:`~surveytools.segment.basis.build_basis`). ``missing`` None means ``exclude``,
        and ``fiml`` (a missing answer leaves the likelihood) for ``latent-class``.
    covariates
        Latent class: items / scales (Survey) or columns (DataFrame), comma-separated or a list, predicting
        class membership (:mod:`~surveytools.segment.lca_structural`).
    distal
        Latent class: outcomes (NPS, spend...) compared across the classes (BCH class means, Wald tests).
    covariate_method
        ``ml`` (bias-adjusted three-step, default), ``bch`` or ``one-step``.
    prior
        Latent class: Dirichlet pseudo-answers per item and class (0: plain maximum likelihood).
    covariance
        Mixture covariance: ``full``, ``diag`` (latent profile analysis), ``spherical``, ``tied``.
    n_runs, linkage
        Ensemble: base runs, consensus linkage (``ward`` or ``average``).
    silhouette_sample
        Rows the silhouette is computed on (a fixed random sample when there are more).
    weights
        Use survey weights when the survey has them.
    factor_options
        Parameters of the FactorModel for the ``factors`` basis.
    n_jobs
        Processes for the bootstrap replicates (1 = this process; ``"auto"`` = up to 4 cores when the data
        and replicates are large). The result does not depend on it. Workers are spawned: scripts using
        ``n_jobs != 1`` need an ``if __name__ == "__main__":`` guard.

    Attributes
    ----------
    k_ : int
    labels_ : Series
        Segment (1..k) of each segmented respondent, input order.
    centroids_ : DataFrame
        Segment means of the basis columns (basis units).
    result_ : SegmentResult
        The full report (not restored by :meth:`load`).
    basis_ : Basis
    solution_ : Solution
        The chosen solution (0-based labels in canonical order; internal).
    """

    def __init__(self, k: int | str | Sequence[int] = "auto", method: str = "kmeans", basis: str = "factors", *,
                 n_init: int | None = None, bootstrap: int = 50, bootstrap_n_init: int | None = None,
                 seed: int | None = DEFAULT_SEED, min_size: float = 0.05, min_stability: float = 0.75,
                 standardize: bool | None = None, missing: str | None = None, min_answered: float = 0.5,
                 covariance: str = "full", n_runs: int = 50, linkage: str = "ward", silhouette_sample: int = 4000,
                 weights: bool = True, factor_options: Mapping[str, Any] | None = None,
                 n_jobs: int | str = 1, covariates: str | Sequence[str] | None = None,
                 distal: str | Sequence[str] | None = None, covariate_method: str = "ml",
                 prior: float = 1.0) -> None:
        self.k = k
        self.method = method
        self.basis = basis
        self.n_init = n_init
        self.bootstrap = bootstrap
        self.bootstrap_n_init = bootstrap_n_init
        self.seed = seed
        self.min_size = min_size
        self.min_stability = min_stability
        self.standardize = standardize
        self.missing = missing
        self.min_answered = min_answered
        self.covariance = covariance
        self.n_runs = n_runs
        self.linkage = linkage
        self.silhouette_sample = silhouette_sample
        self.weights = weights
        self.factor_options = factor_options
        self.n_jobs = n_jobs
        self.covariates = covariates
        self.distal = distal
        self.covariate_method = covariate_method
        self.prior = prior

    _parameter_constraints: ClassVar[dict[str, Check]] = {
        "k": parsed_by(parse_k, "'auto', a whole number or a range MIN-MAX"),
        "method": one_of(*METHODS, what="segmentation method", aliases=tuple(METHOD_ALIASES)),
        "basis": text_or_list(none=False),
        "n_init": whole(1, none=True),
        "bootstrap": whole(0),
        "bootstrap_n_init": whole(1, none=True),
        "seed": whole(0, none=True),
        "min_size": number(0.0, 0.5),
        "min_stability": number(-1.0, 1.0),
        "standardize": flag(none=True),
        "missing": one_of(*MISSING_RULES, none=True),
        "min_answered": number(0.0, 1.0),
        "covariance": one_of(*COVARIANCE_TYPES),
        "n_runs": whole(2),
        "linkage": one_of(*LINKAGES),
        "silhouette_sample": whole(0),
        "weights": flag(),
        "factor_options": mapping(),
        "n_jobs": either(one_of("auto"), whole(1)),
        "covariates": text_or_list(),
        "distal": text_or_list(),
        "covariate_method": one_of(*COVARIATE_METHODS, what="covariate method"),
        "prior": number(0.0),
    }
    _parameter_error = DataParameterError
    _model_format = _FORMAT
    _model_version = _VERSION
    _model_what = "a surveytools segmentation model"
    _model_hint = "write one with 'surveytools segment --save-model'"

    def _jobs(self, n: int) -> int:
        """Worker processes for the bootstrap: ``n_jobs``; ``"auto"`` uses up to 4 cores from 20,000 rows."""
        if self.n_jobs == "auto":
            if n * max(int(self.bootstrap), 1) < 20_000 * 20:
                return 1
            return max(1, min(4, os.cpu_count() or 1))
        return max(1, int(self.n_jobs))

    @property
    def _seed(self) -> int:
        """The seed used (``None`` means the package default, 20240601: results never depend on chance)."""
        return DEFAULT_SEED if self.seed is None else int(self.seed)

    @property
    def _method_name(self) -> str:
        m = str(self.method).strip().lower()
        return METHOD_ALIASES.get(m, m)

    def _validate(self) -> tuple[list[int], bool, Method]:
        """Check the parameters (:attr:`_parameter_constraints`); the candidate ks and the method."""
        self._validate_params()
        if self._method_name != "latent-class" and (self.covariates or self.distal):
            raise DataError("covariates and distal outcomes belong to latent class models; use --method latent-class")
        ks, auto = parse_k(self.k)
        method = _make_method(self._method_name, n_init=self.n_init, covariance=self.covariance, n_runs=self.n_runs,
                              linkage=self.linkage, prior=float(self.prior))
        return ks, auto, method

    # ------------------------------------------------------------------ fit
    def fit(self, X: Survey | pd.DataFrame, y: Any = None, *, sample_weight: Any = None,
            factor_scores: pd.DataFrame | None = None, progress: Progress | None = None) -> Segmenter:
        """Segment the respondents of ``X``.

        Parameters
        ----------
        X
            A Survey (basis built from the questionnaire) or a numeric DataFrame (index = respondent ids).
        y
            Ignored.
        sample_weight
            Weights per respondent (overrides the survey's weights).
        factor_scores
            For the ``factors`` basis: factor scores already computed (respondent id index, one column per
            factor; e.g. ``FactorModel.transform``), used instead of fitting a factor model. Respondents of
            ``X`` without a row are excluded as missing.
        progress
            ``progress(label, done, total)`` callback.

        Raises
        ------
        DataError
            Bad parameters, a basis with unknown or missing columns, k larger than the data allow.
        EstimationError
            No solution could be found at the k asked for.
        """
        ks, auto, method = self._validate()
        weights: Any = sample_weight if sample_weight is not None else (None if self.weights else False)
        if isinstance(method, LatentClassMethod):
            from .lca_fit import fit_latent_class_segments

            fit_latent_class_segments(self, X, method, ks, auto, weights, factor_scores, progress)
            return self
        basis = build_basis(X, self.basis, standardize=self.standardize, missing=self.missing or "exclude",
                            min_answered=self.min_answered, weights=weights,
                            factor_options={"seed": self._seed, **dict(self.factor_options or {})},
                            factor_scores=factor_scores)
        order = canonical_order(basis.data.index)
        x = np.ascontiguousarray(basis.matrix()[order])
        n = x.shape[0]
        w = np.ones(n) if basis.weights is None else basis.weights.to_numpy(dtype=float)[order]
        w = w * (n / w.sum())
        ks, notes = self._check_ks(x, ks, auto, basis)
        rng_fit, rng_sil, rng_boot = spawn_rngs(self._seed, 3)
        with blas_single_thread():
            sols = method.fit_all(x, w, ks, rng_fit, progress, label=f"{method.name} k={ks[0]}..{ks[-1]}")
            for k in list(sols):
                sol = sols[k]
                sols[k] = method.permute(sol, size_order(sol.mass, sol.centers))
            if not sols:
                raise EstimationError(f"{method.name} found no solution with k = {ks[0]}..{ks[-1]} on these data")
            m = int(self.silhouette_sample)
            sample = np.sort(rng_sil.choice(n, size=m, replace=False)) if 0 < m < n else None
            rows: dict[int, dict[str, Any]] = {}
            for k in ks:
                if k not in sols:
                    rows[k] = {"min_share": 0.0}
                    continue
                sol = sols[k]
                rows[k] = criteria_row(x, sol.labels, w, sample=sample, bic=sol.bic)
                rows[k]["reproducibility"] = reproducibility(sol)
                rows[k]["objective"] = sol.objective
            stab: dict[int, BootstrapStability] = {}
            if self.bootstrap > 0:
                b_init = self.bootstrap_n_init
                if b_init is None:
                    b_init = {"kmeans": 3, "gmm": 1}.get(method.name)
                stab = bootstrap_stability(method, x, w, sols, int(self.bootstrap), rng_boot, n_init=b_init,
                                           progress=progress, n_jobs=self._jobs(n))
                for k, st in stab.items():
                    rows[k].update(stability_ari=st.ari_mean, stability_ari_sd=st.ari_sd, jaccard_min=st.jaccard_min)
        criteria = criteria_frame(rows)
        source = "bootstrap" if stab else ("restarts" if np.isfinite(criteria["reproducibility"]).any() else "none")
        valid = criteria.loc[[k for k in ks if k in sols]]
        choice = choose_k(valid, min_size=float(self.min_size), min_stability=float(self.min_stability),
                          use_bic=True, stability_source=source)
        if not auto and ks[0] not in sols:
            raise EstimationError(f"{method.name} found no {ks[0]}-segment solution on these data")
        criteria["admissible"] = [k in choice.admissible for k in criteria.index]
        criteria["votes"] = [sum(1 for v in choice.votes.values() if v == k) for k in criteria.index]
        criteria["rank_sum"] = [choice.rank_sum.get(int(k), np.nan) for k in criteria.index]
        k = choice.k
        sol = sols[k]
        explanation = choice.explanation + ("" if not notes else " " + " ".join(notes))
        self._store(basis, method, sol, order, criteria, stab.get(k), explanation, choice.votes, auto)
        self.result_ = replace(self.result_, **self._labels(X, basis))
        return self

    @staticmethod
    def _labels(X: Any, basis: Basis) -> dict[str, Any]:
        """Display labels of the basis columns and the language of the segment names."""
        from ..naming import basis_labels

        q = getattr(X, "questionnaire", None)
        fm = basis.factor_model
        fnames = fm.result_.labels if fm is not None and hasattr(fm, "result_") else None
        return {"basis_labels": basis_labels(basis.sources, q, fnames),
                "lang": (getattr(q, "language", None) or "en") if q is not None else "en"}

    def _check_ks(self, x: np.ndarray, ks: list[int], auto: bool, basis: Basis, rows: str = "basis rows"
                  ) -> tuple[list[int], list[str]]:
        n = x.shape[0]
        distinct = int(np.unique(x, axis=0).shape[0]) if n <= 200_000 else n
        limit = min(distinct, n // 2)
        notes: list[str] = []
        default_range = isinstance(self.k, str) and self.k.strip().lower() == "auto"
        if ks[0] > limit or (not default_range and ks[-1] > limit):
            bad = ks[0] if default_range else ks[-1]
            raise DataError(f"k = {bad} is more segments than the data allow: {n} respondents with "
                            f"{distinct} distinct {rows} support at most k = {max(limit, 1)} (at least two "
                            "respondents per segment, one distinct row each); ask for fewer segments"
                            + (f" ({len(basis.excluded)} respondents were excluded for missing basis values)"
                               if len(basis.excluded) else ""))
        if ks[-1] > limit:
            notes.append(f"k above {limit} was not tried: {n} respondents with {distinct} distinct {rows} "
                         "support no more.")
            ks = [k for k in ks if k <= limit]
        return ks, notes

    def _store(self, basis: Basis, method: Method, sol: Solution, order: np.ndarray, criteria: pd.DataFrame,
               stab: BootstrapStability | None, explanation: str, votes: dict[str, int], auto: bool,
               latent_class: dict[str, Any] | None = None, proba: np.ndarray | None = None) -> None:
        n = order.size
        k = sol.k
        ids = basis.data.index
        labels = np.empty(n, dtype=np.int64)
        labels[order] = sol.labels + 1
        assign = pd.DataFrame({"segment": labels}, index=ids)
        post = sol.proba if proba is None else proba
        if post is not None:
            p = np.empty(n)
            p[order] = post[np.arange(n), sol.labels]
            assign["probability" if method.has_probability else "consensus"] = p
        w_raw = None if basis.weights is None else basis.weights.to_numpy(dtype=float)
        counts = np.bincount(labels - 1, minlength=k)
        wsum = counts.astype(float) if w_raw is None else np.bincount(labels - 1, weights=w_raw, minlength=k)
        seg_index = pd.Index(range(1, k + 1), name="segment")
        sizes = pd.DataFrame({"n": counts, "share": counts / n, "weighted_n": wsum, "weighted_share": wsum / wsum.sum()},
                             index=seg_index)
        ww = np.ones(n) if w_raw is None else w_raw
        # nominal (categorical) columns have no mean: their class profiles are in latent_class["items"]
        ccols = [c for c in basis.columns if basis.sources.get(c, {}).get("kind") != "categorical"]
        raw = basis.data[ccols].to_numpy(dtype=float)
        obs = np.isfinite(raw)
        raw0 = np.where(obs, raw, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            cent = np.stack([np.bincount(labels - 1, weights=ww * raw0[:, j], minlength=k)
                             / np.bincount(labels - 1, weights=ww * obs[:, j], minlength=k)
                             for j in range(raw.shape[1])], axis=1) if ccols else np.zeros((k, 0))
        centroids = pd.DataFrame(cent, index=seg_index, columns=ccols)
        if latent_class is None:
            centroids_z = (centroids - basis.center[ccols]) / basis.scale[ccols]
        else:  # a latent class basis stays in its units: z-score the class means for display and naming
            with np.errstate(invalid="ignore", divide="ignore"):
                wo = ww[:, None] * obs
                mu = (wo * raw0).sum(axis=0) / wo.sum(axis=0)
                sd = np.sqrt((wo * (raw0 - mu) ** 2).sum(axis=0) / wo.sum(axis=0))
            centroids_z = (centroids - mu) / np.where(sd > 0, sd, 1.0)
        stability: dict[str, Any] = {"replicates": 0 if stab is None else stab.replicates,
                                     "reproducibility": criteria.loc[k, "reproducibility"]
                                     if "reproducibility" in criteria else float("nan")}
        if stab is not None:
            stability.update(ari_mean=stab.ari_mean, ari_sd=stab.ari_sd, jaccard_min=stab.jaccard_min,
                             jaccard={str(s + 1): float(v) for s, v in enumerate(stab.jaccard_mean)})
        options = {"n_init": self.n_init, "bootstrap": int(self.bootstrap), "bootstrap_n_init": self.bootstrap_n_init,
                   "min_size": self.min_size, "min_stability": self.min_stability,
                   "silhouette_sample": int(self.silhouette_sample), "missing": basis.missing,
                   "min_answered": self.min_answered, **method.options()}
        self.result_ = SegmentResult(
            k=k, method=method.name, assignments=assign, sizes=sizes, centroids=centroids, centroids_z=centroids_z,
            criteria=criteria, stability=stability, explanation=explanation, votes=votes, basis=basis.kind,
            basis_columns=basis.columns, standardized=basis.standardize, weighted=basis.weights is not None,
            rows_in=basis.rows_in, rows_segmented=n, excluded=basis.excluded, imputed=basis.imputed,
            seed=self._seed, options=options, k_chosen=auto, latent_class=latent_class)
        self.basis_ = basis
        self.method_ = method
        self.solution_ = sol
        self.k_ = k
        self.labels_ = assign["segment"]
        self.centroids_ = centroids
        self.sizes_ = sizes
        self.columns_ = basis.columns
        self.center_ = basis.center
        self.scale_ = basis.scale

    def fit_predict(self, X: Survey | pd.DataFrame, y: Any = None, **fit_params: Any) -> pd.Series:
        """``fit(X)``; returns the segment (1..k) of each segmented respondent."""
        return self.fit(X, **fit_params).labels_

    # ------------------------------------------------------------------ predict
    def _new_basis(self, X: Survey | pd.DataFrame) -> pd.DataFrame:
        spec = self.basis_spec_
        if isinstance(X, Survey):
            if spec["kind"] == "frame":
                raise DataError("this segmentation was fitted on a DataFrame; pass a DataFrame with the columns "
                                f"{', '.join(self.columns_)}")
            if spec["kind"] == "factors" and self.factor_model_ is None:
                raise DataError("this segmentation was fitted on factor scores given to fit(); pass the new "
                                f"respondents' factor scores as a DataFrame with columns {', '.join(self.columns_)}")
            basis_arg = spec["kind"] if spec["kind"] in ("factors", "scales", "items") else spec["spec"]
            frame, _, _, _, _ = basis_frame(X, basis_arg, min_answered=spec["min_answered"],
                                            factor_model=self.factor_model_, mixed=self._mixed)
            missing = [c for c in self.columns_ if c not in frame.columns]
            if missing:
                raise DataError(f"the data do not give the basis column(s) {', '.join(missing)} the segmentation "
                                "was fitted on")
            return frame[self.columns_]
        if isinstance(X, pd.DataFrame):
            missing = [c for c in self.columns_ if c not in X.columns]
            if missing:
                raise DataError(f"basis: no column {', '.join(repr(c) for c in missing)} in the data; the "
                                f"segmentation was fitted on {', '.join(self.columns_)}")
            frame = X[self.columns_].copy()
            for c in self.columns_:
                labels = spec["sources"].get(c, {}).get("labels")
                if labels is not None:
                    code = {v: float(i + 1) for i, v in enumerate(labels)}
                    frame[c] = frame[c].map(lambda v, code=code: np.nan if pd.isna(v) else code.get(str(v), -1.0))
            bad = [c for c in self.columns_ if not pd.api.types.is_numeric_dtype(frame[c])]
            if bad:
                raise DataError(f"basis: column(s) {', '.join(bad)} are not numeric")
            return frame.astype(float)
        raise DataError(f"predict needs a Survey or a numeric pandas DataFrame; got {type(X).__name__}")

    @property
    def basis_spec_(self) -> dict[str, Any]:
        self._check_fitted()
        b = self.basis_
        return {"kind": b.kind, "spec": b.spec, "sources": b.sources, "min_answered": b.min_answered,
                "missing": b.missing, "standardize": b.standardize}

    @property
    def _mixed(self) -> bool:
        return getattr(self, "method_", None) is not None and self.method_.name == "latent-class"

    @property
    def factor_model_(self) -> Any:
        self._check_fitted()
        return self.basis_.factor_model

    def predict(self, X: Survey | pd.DataFrame) -> pd.DataFrame:
        """Segment of new (or the same) respondents.

        Respondents are put in the fitted basis (same scales/items/factor model, same standardization)
        and assigned by the method's rule: nearest center (k-means, Ward), most probable segment
        (mixture), highest mean co-association (ensemble).

        Returns
        -------
        DataFrame
            Indexed like ``X``: ``segment`` (nullable integer 1..k; missing where the basis is missing and
            the missing rule is ``exclude``; latent class: where no basis item is answered), plus
            ``probability`` (mixture, latent class) or ``consensus`` (ensemble). Latent class: a missing
            answer leaves the likelihood, and an answer code the model never saw counts as missing.
        """
        self._check_fitted()
        frame = self._new_basis(X)
        b = self.basis_
        if b.missing == "mean" and b.fill is not None:
            frame = frame.fillna(b.fill)
        ok = (frame.notna().any(axis=1) if self._mixed else frame.notna().all(axis=1)).to_numpy()
        x = ((frame[ok] - b.center) / b.scale).to_numpy(dtype=float)
        seg = pd.array([pd.NA] * len(frame), dtype="Int64")
        out = pd.DataFrame({"segment": seg}, index=frame.index)
        if ok.any():
            with blas_single_thread():
                labels, proba = self.method_.predict(self.solution_, x)
            col = out["segment"].to_numpy(dtype=object)
            col[ok] = labels + 1
            out["segment"] = pd.array(col, dtype="Int64")
            if proba is not None:
                p = np.full(len(frame), np.nan)
                p[ok] = proba[np.arange(labels.size), labels]
                out["probability" if self.method_.has_probability else "consensus"] = p
        return out

    # ------------------------------------------------------------------ persistence (Estimator.save/load)
    def to_json_dict(self) -> dict[str, Any]:
        """The fitted segmentation as a JSON-ready mapping (what :meth:`save` writes; same as
        :meth:`to_model_dict`)."""
        return self.to_model_dict()

    def _model_body(self) -> dict[str, Any]:
        b = self.basis_
        fm = None
        if b.factor_model is not None:
            fm = b.factor_model.to_model_dict()
        return {
            "k": int(self.k_),
            "method": self.method_.name,
            "method_options": self.method_.options(),
            "basis": {"kind": b.kind, "spec": b.spec, "columns": b.columns, "sources": b.sources,
                      "standardize": b.standardize, "center": [float(v) for v in b.center],
                      "scale": [float(v) for v in b.scale], "missing": b.missing, "min_answered": b.min_answered,
                      "fill": None if b.fill is None else [float(b.fill[c]) for c in b.columns],
                      "factor_model": fm},
            "model": self.method_.params_to_json(self.solution_),
            "sizes": {str(s): {c: float(v) for c, v in row.items()} for s, row in self.sizes_.iterrows()},
            "centroids": {str(s): {str(c): _json_ready(v) for c, v in row.items()}
                          for s, row in self.centroids_.iterrows()},
            "result": self.result_.to_dict() if hasattr(self, "result_") else None,
        }

    @classmethod
    def _from_model_body(cls, data: Mapping[str, Any], params: dict[str, Any]) -> Segmenter:
        seg = cls(**params)
        opts = dict(data.get("method_options") or {})
        name = data["method"]
        if name == "kmeans":
            method: Method = KMeansMethod(**opts)
        elif name == "gmm":
            method = MixtureMethod(**opts)
        elif name == "ward":
            method = WardMethod(**opts)
        elif name == "ensemble":
            method = EnsembleMethod(**opts)
        elif name == "latent-class":
            method = LatentClassMethod(**opts)
        else:
            raise ValueError(f"unknown method {name!r}")
        b = data["basis"]
        cols = list(b["columns"])
        fm = None
        if b.get("factor_model") is not None:
            from ..factor.model import FactorModel

            fm = FactorModel.from_model_dict(b["factor_model"], source="its factor model")
        k = int(data["k"])
        ccols = [c for c in cols if c in data["centroids"]["1"]]
        centers = np.array([[np.nan if data["centroids"][str(s)][c] is None else data["centroids"][str(s)][c]
                             for c in ccols] for s in range(1, k + 1)], dtype=float).reshape(k, len(ccols))
        center = pd.Series(b["center"], index=cols, dtype=float)
        scale = pd.Series(b["scale"], index=cols, dtype=float)
        centers_z = (centers - center[ccols].to_numpy()) / scale[ccols].to_numpy()
        mass = np.array([data["sizes"][str(s)]["weighted_n"] for s in range(1, k + 1)], dtype=float)
        sol = Solution(k=k, labels=np.empty(0, dtype=np.int64), centers=centers_z, mass=mass, objective=float("nan"),
                       params=method.params_from_json(data["model"]))
        basis = Basis(data=pd.DataFrame(columns=cols, dtype=float), weights=None, kind=b["kind"], spec=b["spec"],
                      sources=dict(b["sources"]), rows_in=0, excluded=pd.Series(dtype=str), imputed=0,
                      standardize=bool(b["standardize"]), center=center, scale=scale, factor_model=fm,
                      min_answered=float(b["min_answered"]), missing=b["missing"],
                      fill=None if b.get("fill") is None else pd.Series(b["fill"], index=cols, dtype=float))
        seg.basis_ = basis
        seg.method_ = method
        seg.solution_ = sol
        seg.k_ = k
        seg.columns_ = cols
        seg.center_ = center
        seg.scale_ = scale
        seg.centroids_ = pd.DataFrame(centers, index=pd.Index(range(1, k + 1), name="segment"), columns=ccols)
        seg.sizes_ = pd.DataFrame.from_dict({int(s): v for s, v in data["sizes"].items()}, orient="index")
        seg.sizes_.index.name = "segment"
        seg.summary_ = data.get("result")
        return seg


def segment(data: Survey | pd.DataFrame, k: int | str | Sequence[int] = "auto", method: str = "kmeans",
            basis: str = "factors", *, progress: Progress | None = None, **options: Any) -> SegmentResult:
    """Segment respondents and return the :class:`SegmentResult` (``Segmenter(...).fit(data).result_``).

    Examples
    --------
    >>> from surveytools.segment import segment
    >>> result = segment(survey, k="auto", basis="scales", seed=1)   # doctest: +SKIP
    >>> print(result.summary())                                        # doctest: +SKIP
    """
    return Segmenter(k=k, method=method, basis=basis, **options).fit(data, progress=progress).result_


def evaluate_segments(data: Survey | pd.DataFrame, assignments: Any, basis: str = "factors", *,
                      standardize: bool | None = None, missing: str = "exclude", min_answered: float = 0.5,
                      weights: bool = True, silhouette_sample: int = 4000, seed: int | None = DEFAULT_SEED,
                      factor_scores: pd.DataFrame | None = None) -> dict[str, Any]:
    """Criteria of an existing segmentation (e.g. from an earlier wave) on this data's basis.

    Parameters
    ----------
    data
        The survey (or a numeric DataFrame).
    assignments
        An :class:`~surveytools.assignments.Assignments` (``read_assignments``) or a Series respondent id ->
        segment (1..k).
    basis, standardize, missing, min_answered, weights, factor_scores
        As for :class:`Segmenter`.
    silhouette_sample, seed
        The silhouette's row sample.

    Returns
    -------
    dict
        ``k``, ``sizes``, ``criteria`` (silhouette, calinski_harabasz, davies_bouldin, bic, min_share),
        ``centroids``, ``rows_in``, ``rows_evaluated``, ``excluded`` (reason -> count).

    Raises
    ------
    DataError
        Assignments naming respondents that are not in the data, or no overlap.
    """
    from ..segments import Segments

    if isinstance(assignments, Segments):
        seg = assignments.segment
        where = assignments.source or "the assignments"
    elif isinstance(assignments, pd.Series):
        seg = assignments
        where = "the assignments"
    else:
        raise DataError("assignments must be Segments (read_segments()) or a Series id -> segment")
    seg = pd.Series(pd.to_numeric(seg, errors="coerce").to_numpy(), index=seg.index.astype(str))
    if seg.isna().any() or (seg < 1).any() or (seg != np.floor(seg)).any():
        raise DataError(f"{where}: segments must be whole numbers >= 1")
    b = build_basis(data, basis, standardize=standardize, missing=missing, min_answered=min_answered,
                    weights=None if weights else False, factor_scores=factor_scores)
    ids = b.data.index.astype(str)
    all_ids = (data.ids if isinstance(data, Survey) else data.index).astype(str)
    unknown = seg.index.difference(all_ids)
    if len(unknown):
        src = data.source.describe() if isinstance(data, Survey) else "the data"
        raise DataError(f"{where}: {len(unknown)} respondent id(s) are not in {src} (e.g. "
                        f"{', '.join(map(str, unknown[:5]))}); use the assignments made from this data")
    has = ids.isin(seg.index)
    if not has.any():
        raise DataError(f"{where}: no respondent with a complete basis has a segment")
    excluded = b.excluded.astype(str).value_counts().to_dict()
    n_unassigned = int((~has).sum())
    if n_unassigned:
        excluded["no segment in the assignments"] = n_unassigned
    order = canonical_order(ids[has])
    x = b.matrix()[has][order]
    labels_raw = seg.reindex(ids[has]).to_numpy(dtype=np.int64)[order]
    k = int(labels_raw.max())
    n = x.shape[0]
    w = np.ones(n) if b.weights is None else b.weights.to_numpy(dtype=float)[has][order]
    w = w * (n / w.sum())
    rng = spawn_rngs(DEFAULT_SEED if seed is None else int(seed), 1)[0]
    sample = np.sort(rng.choice(n, size=silhouette_sample, replace=False)) if 0 < silhouette_sample < n else None
    with blas_single_thread():
        crit = criteria_row(x, labels_raw - 1, w, sample=sample, bic=None)
    counts = np.bincount(labels_raw - 1, minlength=k)
    wsum = np.bincount(labels_raw - 1, weights=w, minlength=k)
    raw = b.data.to_numpy(dtype=float)[has][order]
    cent = np.stack([np.bincount(labels_raw - 1, weights=w * raw[:, j], minlength=k) for j in range(raw.shape[1])],
                    axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        cent = cent / wsum[:, None]
    present = counts > 0
    return {
        "k": int(present.sum()),
        "sizes": {str(s + 1): {"n": int(counts[s]), "share": float(counts[s] / n),
                               "weighted_share": float(wsum[s] / wsum.sum())} for s in range(k) if present[s]},
        "criteria": {c: (None if not np.isfinite(v) else float(v)) for c, v in crit.items()},
        "centroids": {str(s + 1): dict(zip(b.columns, map(float, cent[s]), strict=True)) for s in range(k)
                      if present[s]},
        "basis": {"kind": b.kind, "columns": b.columns, "standardized": b.standardize},
        "rows_in": int(b.rows_in),
        "rows_evaluated": int(n),
        "excluded": {str(r): int(c) for r, c in excluded.items()},
    }

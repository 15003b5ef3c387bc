"""Segments for every customer: a classifier on CRM fields, trained on the matched respondents' segments.

``crm join`` gives a segment only to customers who answered the survey (often a few percent of the base).
:func:`extend_crm` trains a model on the CRM columns both respondents and other customers have, chooses it by
stratified cross-validation, and scores the whole customer list inside DuckDB, streaming the file.

Method
------
1. Features (:mod:`surveytools.crm_features`): numbers, dates as recency in days to ``as_of``, categories one
   column per level with rare levels pooled; skewed amounts log-scaled; missing values filled with the
   respondents' median plus an indicator. Keys and personal data are never features.
2. Candidates: a multinomial logistic regression with an L2 penalty (C = 1, standardized inputs) and a
   histogram gradient boosting classifier whose probabilities are calibrated with
   ``CalibratedClassifierCV`` (isotonic from 1,000 respondents, sigmoid below). Each is evaluated by
   stratified k-fold cross-validation (default 5 folds) on the respondents: log loss
   ``-mean log p(true segment)``, accuracy, per-segment recall, the confusion matrix and the Brier score
   ``mean sum_k (p_k - y_k)^2``. The candidate with the lower log loss is chosen (ties: the logistic
   regression, which exports as SQL). The multinomial logistic regression fits the log-likelihood directly,
   so its probabilities are calibrated by construction (its reliability curve is checked in the tests).
3. Scoring: the logistic regression is one SQL expression (:mod:`surveytools.crm_sql`) that DuckDB evaluates
   while streaming the customer file to the output with ``COPY``; gradient boosting streams Arrow record
   batches from DuckDB through ``predict_proba``. Respondents keep their survey segment
   (``segment_source = survey``); other customers get the model's segment (``model``) when its probability
   reaches ``min_probability``, else none (``none``). Every customer also carries ``model_segment`` and
   ``model_probability``, so respondents whose survey segment differs from the model's are visible.
4. Feature importance: permutation importance, the increase in the respondents' log loss when one feature's
   values are shuffled among them (all its columns together; mean of 5 shuffles).

References
----------
Niculescu-Mizil, A. & Caruana, R. (2005). Predicting good probabilities with supervised learning. ICML.
Breiman, L. (2001). Random forests. Machine Learning 45 (permutation importance).
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from .crm_features import FeatureSpec, design_blocks, resolve_features
from .estimator import Check, Estimator, mapping, number, one_of, parsed_by, text_or_list, whole
from .exceptions import DataError, InputFileError, WeakSegmentRecoveryWarning

__all__ = ["CrmSegmentModel", "CrmExtendResult", "extend_crm", "assign_customers", "model_format", "MODEL_FORMAT",
           "RECALL_WARNING", "MIN_SEGMENT_SIZE", "MODELS"]

MODEL_FORMAT = "surveytools.crm-extend"
MODEL_VERSION = 1
#: a segment whose cross-validated recall is below this is "rarely recovered" (a warning)
RECALL_WARNING = 0.5
#: fewest matched respondents a segment needs
MIN_SEGMENT_SIZE = 30
MODELS = ("auto", "logistic", "boosting")
DEFAULT_SEED = 20240601
_SURVEY_COLUMNS = ("segment", "segment_name", "probability")

ProgressCallback = Callable[[str, int, int], None]


def _parse_date(value: str | date | None, what: str = "--as-of") -> date | None:
    if value is None or isinstance(value, date):
        return value.date() if isinstance(value, datetime) else value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise DataError(f"{what} {value!r} is not a date; write it as YYYY-MM-DD") from None


# ============================================================================================ the model

class CrmSegmentModel(Estimator):
    """A classifier of survey segments on CRM fields (the estimator contract, see docs/estimators.md).

    Parameters
    ----------
    features
        ``"auto"`` or CRM column names (see :func:`surveytools.crm_features.resolve_features`).
    as_of
        Reference date for recency of date features (default: the latest date among the respondents).
    model
        ``"auto"`` (choose by cross-validated log loss), ``"logistic"`` or ``"boosting"``.
    min_probability
        Customers whose best segment's probability is below this get no segment.
    n_folds
        Cross-validation folds (stratified).
    seed
        Random seed (fold split, boosting, permutation importance).
    min_segment_size
        Fewest respondents a segment needs.
    exclude
        Columns ``features="auto"`` leaves out, with the reason.

    Attributes
    ----------
    features_ : list of FeatureSpec
    segments_ : list of int
    segment_names_ : dict
    kind_ : str
        ``logistic`` or ``boosting``.
    cv_ : dict
        Per candidate: ``cv_accuracy``, ``cv_log_loss``, ``brier``.
    cv_accuracy_, cv_log_loss_, brier_ : float
        Of the chosen model.
    recall_ : pandas.Series
        Cross-validated recall per segment (share of a segment's respondents predicted into it).
    precision_ : pandas.Series
    confusion_ : pandas.DataFrame
        Survey segment (rows) x cross-validated prediction (columns), counts.
    importances_ : pandas.Series
        Permutation importance per feature.
    weights_, intercepts_
        Logistic regression on the original scale (standardization folded in): per feature the weights of
        its design columns per segment.
    """

    _parameter_constraints: ClassVar[dict[str, Check]] = {
        "features": text_or_list(none=False),
        "as_of": parsed_by(lambda v: _parse_date(v, "as_of"), "a date YYYY-MM-DD or None"),
        "model": one_of(*MODELS, what="model"),
        "min_probability": number(0, 1),
        "n_folds": whole(2),
        "seed": whole(0),
        "min_segment_size": whole(2),
        "exclude": mapping(),
    }
    _model_format = MODEL_FORMAT
    _model_version = MODEL_VERSION
    _model_what = "a CRM segment model"
    _model_hint = "write one with 'surveytools crm extend ... --save-model MODEL.json'"

    def __init__(self, features: str | Sequence[str] = "auto", *, as_of: str | date | None = None,
                 model: str = "auto", min_probability: float = 0.0, n_folds: int = 5, seed: int = DEFAULT_SEED,
                 min_segment_size: int = MIN_SEGMENT_SIZE, exclude: dict[str, str] | None = None) -> None:
        self.features = features
        self.as_of = as_of
        self.model = model
        self.min_probability = min_probability
        self.n_folds = n_folds
        self.seed = seed
        self.min_segment_size = min_segment_size
        self.exclude = exclude

    # ------------------------------------------------------------------------------ fit
    def fit(self, frame: pd.DataFrame, segments: pd.Series, *, names: dict[int, str] | None = None,
            id_column: str | None = None, source: str = "the CRM file") -> CrmSegmentModel:
        from ._threads import single_thread

        self._validate_params()
        if self.model != "logistic":  # load the boosting's OpenMP runtime first, so that its threads are limited too
            import sklearn.ensemble  # noqa: F401
        with single_thread(openmp=True):  # thin respondent x feature matrices: threads only synchronize
            return self._fit(frame, segments, names=names, id_column=id_column, source=source)

    def _fit(self, frame: pd.DataFrame, segments: pd.Series, *, names: dict[int, str] | None,
             id_column: str | None, source: str) -> CrmSegmentModel:
        """Fit on the matched respondents' CRM rows and survey segments.

        Parameters
        ----------
        frame
            CRM rows of the matched respondents (all columns).
        segments
            Their survey segments (whole numbers >= 1), same length.
        names
            Segment number -> name.
        id_column
            The customers' id column (kept for the SQL export).
        source
            The file, for messages.

        Raises
        ------
        DataError
            Bad options or features (see :func:`resolve_features`), a segment with fewer than
            ``min_segment_size`` respondents, fewer than two segments.
        """
        from sklearn.model_selection import StratifiedKFold

        y = pd.to_numeric(pd.Series(segments).reset_index(drop=True), errors="coerce")
        frame = frame.reset_index(drop=True)
        if len(y) != len(frame):
            raise DataError("segments and CRM rows differ in length")
        if y.isna().any() or (y < 1).any() or (y != np.floor(y)).any():
            raise DataError(f"{source}: the 'segment' column holds values that are not whole numbers >= 1")
        y_arr = y.astype(int).to_numpy()
        sizes = pd.Series(y_arr).value_counts().sort_index()
        if len(sizes) < 2:
            raise DataError(f"{source}: the matched respondents are all in one segment; a model needs two or more")
        small = sizes[sizes < int(self.min_segment_size)]
        if len(small):
            raise DataError(
                f"{source}: {len(small)} segment(s) have fewer than {self.min_segment_size} matched respondents, too "
                "few to learn from; match more respondents to the CRM (crm join) or merge small segments",
                [f"segment {s}: {n} matched respondents" for s, n in small.items()])
        self.as_of_ = _parse_date(self.as_of)
        if self.as_of_ is None:
            self.as_of_ = _latest_date(frame)
        resolved = resolve_features(frame, self.features, as_of=self.as_of_, exclude=self.exclude, source=source)
        self.features_: list[FeatureSpec] = resolved.specs
        self.excluded_: dict[str, str] = resolved.excluded
        if not any(s.kind == "date" for s in self.features_):
            self.as_of_ = _parse_date(self.as_of)
        self.segments_ = [int(s) for s in sizes.index]
        self.segment_names_ = {int(k): str(v) for k, v in (names or {}).items() if int(k) in self.segments_}
        self.sizes_ = sizes
        self.id_column_ = id_column
        self.n_train_ = len(frame)
        X = design_blocks(self.features_, frame, self.as_of_)
        self.center_ = X.mean(axis=0)
        sd = X.std(axis=0)
        self.scale_ = np.where(sd > 0, sd, 1.0)
        Z = (X - self.center_) / self.scale_
        labels = np.searchsorted(self.segments_, y_arr)
        n_folds = int(min(int(self.n_folds), sizes.min()))
        cv = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=int(self.seed))
        names_to_try = ["logistic", "boosting"] if self.model == "auto" else [self.model]
        self.cv_ = {}
        cv_proba = {}
        for name in names_to_try:
            p = np.zeros((len(labels), len(self.segments_)))
            for tr, te in cv.split(Z, labels):
                est = self._estimator(name, len(tr)).fit(Z[tr], labels[tr])
                p[te] = _full_proba(est, Z[te], len(self.segments_))
            cv_proba[name] = p
            self.cv_[name] = _scores(p, labels)
        if self.model == "auto":
            lr, gb = self.cv_["logistic"]["cv_log_loss"], self.cv_["boosting"]["cv_log_loss"]
            self.kind_ = "boosting" if gb < lr - 1e-12 else "logistic"
        else:
            self.kind_ = self.model
        self.n_folds_ = n_folds
        p = cv_proba[self.kind_]
        self.cv_proba_ = p
        self.cv_labels_ = labels
        self.cv_accuracy_ = self.cv_[self.kind_]["cv_accuracy"]
        self.cv_log_loss_ = self.cv_[self.kind_]["cv_log_loss"]
        self.brier_ = self.cv_[self.kind_]["brier"]
        pred = p.argmax(axis=1)
        K = len(self.segments_)
        conf = np.zeros((K, K), dtype=np.int64)
        np.add.at(conf, (labels, pred), 1)
        idx = pd.Index(self.segments_, name="segment")
        self.confusion_ = pd.DataFrame(conf, index=idx, columns=pd.Index(self.segments_, name="predicted"))
        self.recall_ = pd.Series(np.diag(conf) / conf.sum(axis=1), index=idx, name="recall")
        colsum = conf.sum(axis=0)
        self.precision_ = pd.Series(np.where(colsum > 0, np.diag(conf) / np.maximum(colsum, 1), np.nan), index=idx,
                                    name="precision")
        self.estimator_ = self._estimator(self.kind_, len(labels)).fit(Z, labels)
        if self.kind_ == "logistic":
            self._fold_weights()
        fitted = self._proba_design(Z)
        self.train_prediction_ = np.asarray(self.segments_)[fitted.argmax(axis=1)]
        self.disagreements_ = int((self.train_prediction_ != y_arr).sum())
        self.importances_ = self._permutation_importance(Z, labels, fitted)
        self.min_probability_ = float(self.min_probability)
        self.created_ = datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
        return self

    def _estimator(self, name: str, n: int) -> Any:
        if name == "logistic":
            from sklearn.linear_model import LogisticRegression

            return LogisticRegression(C=1.0, max_iter=2000, tol=1e-6)
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.ensemble import HistGradientBoostingClassifier

        hgb = HistGradientBoostingClassifier(max_iter=60, learning_rate=0.15, max_leaf_nodes=15, min_samples_leaf=20,
                                             l2_regularization=1.0, early_stopping=False, random_state=int(self.seed))
        return CalibratedClassifierCV(hgb, method="isotonic" if n >= 1000 else "sigmoid", cv=3)

    def _fold_weights(self) -> None:
        """Logistic-regression weights on the unstandardized design columns, grouped by feature."""
        est = self.estimator_
        B = est.coef_  # (K, p) on standardized columns
        W = B / self.scale_
        self.intercepts_ = (est.intercept_ - B @ (self.center_ / self.scale_)).astype(float)
        self.weights_: dict[str, dict[str, Any]] = {}
        j = 0
        for s in self.features_:
            m = len(s.columns)
            block = W[:, j:j + m]
            if s.kind == "categorical":
                self.weights_[s.name] = {"levels": {lv: block[:, i].tolist() for i, lv in enumerate(s.levels)},
                                         "other": block[:, len(s.levels)].tolist(),
                                         "missing": block[:, len(s.levels) + 1].tolist() if s.has_missing else None}
            else:
                self.weights_[s.name] = {"value": block[:, 0].tolist(),
                                         "missing": block[:, 1].tolist() if s.has_missing else None}
            j += m

    def _permutation_importance(self, Z: np.ndarray, labels: np.ndarray, fitted: np.ndarray,
                                repeats: int = 5) -> pd.Series:
        rng = np.random.default_rng(int(self.seed))
        base = _log_loss(fitted, labels)
        out = {}
        j = 0
        for s in self.features_:
            m = len(s.columns)
            losses = []
            for _ in range(repeats):
                Zp = Z.copy()
                Zp[:, j:j + m] = Z[rng.permutation(len(Z)), j:j + m]
                losses.append(_log_loss(self._proba_design(Zp), labels))
            out[s.name] = float(np.mean(losses) - base)
            j += m
        return pd.Series(out, name="importance").sort_values(ascending=False)

    # ------------------------------------------------------------------------------ predict
    def _check_linear(self) -> None:
        self._check_fitted()
        if self.kind_ != "logistic":
            raise DataError("the chosen model is gradient boosting, which is not exported as SQL; refit with "
                            "model='logistic' (--model logistic) to score in SQL")

    def _proba_design(self, Z: np.ndarray) -> np.ndarray:
        return _full_proba(self.estimator_, Z, len(self.segments_))

    def linear_scores(self, frame: pd.DataFrame) -> np.ndarray:
        """Segment scores ``b_k + sum of feature contributions`` (what the SQL computes), rows x segments."""
        self._check_linear()
        n = len(frame)
        out = np.tile(np.asarray(self.intercepts_, dtype=float), (n, 1))
        for s in self.features_:
            w = self.weights_[s.name]
            if s.kind == "categorical":
                table = np.vstack([np.asarray(w["levels"][lv]) for lv in s.levels] + [np.asarray(w["other"])]
                                  + ([np.asarray(w["missing"])] if s.has_missing else []))
                out += table[s.level_codes(frame[s.name])]
            else:
                t = s.raw_numbers(frame[s.name], self.as_of_)
                wv = np.asarray(w["value"])
                miss = np.isnan(t)
                contrib = s.numeric_u(t)[:, None] * wv[None, :]
                if miss.any():
                    fill_u = float(np.log1p(max(s.fill, 0.0))) if s.log else float(s.fill)
                    cm = wv * fill_u + (np.asarray(w["missing"]) if s.has_missing else 0.0)
                    contrib[miss] = cm
                out += contrib
        return out

    def predict_proba(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Probability of each segment (columns) per row of ``frame`` (CRM columns by name)."""
        self._check_fitted()
        if self.kind_ == "logistic":
            sc = self.linear_scores(frame)
            sc -= sc.max(axis=1, keepdims=True)
            e = np.exp(sc)
            p = e / e.sum(axis=1, keepdims=True)
        else:
            X = design_blocks(self.features_, frame, self.as_of_)
            p = self._proba_design((X - self.center_) / self.scale_)
        return pd.DataFrame(p, index=frame.index, columns=pd.Index(self.segments_, name="segment"))

    def predict(self, frame: pd.DataFrame) -> pd.DataFrame:
        """``model_segment`` (highest probability; ties to the lowest segment), ``model_probability`` and
        ``segment`` (``model_segment``, or missing below ``min_probability``)."""
        p = self.predict_proba(frame).to_numpy()
        best = p.argmax(axis=1)
        prob = p[np.arange(len(p)), best]
        seg = np.asarray(self.segments_)[best]
        out = pd.DataFrame({"model_segment": seg, "model_probability": prob}, index=frame.index)
        out["segment"] = pd.array(np.where(prob >= self.min_probability_, seg, 0), dtype="Int64")
        out.loc[prob < self.min_probability_, "segment"] = pd.NA
        return out

    # ------------------------------------------------------------------------------ SQL
    def to_sql(self, dialect: str = "duckdb", table: str = "customers", *, id_column: str | None = None) -> str:
        """A query scoring ``table`` in ``dialect`` (see :func:`surveytools.crm_sql.to_sql`)."""
        from .crm_sql import to_sql

        self._check_linear()
        return to_sql(self, dialect, table, id_column=id_column)

    # ------------------------------------------------------------------------------ persistence
    def _model_params(self) -> dict[str, Any]:
        params = super()._model_params()
        if isinstance(self.as_of, date):
            params["as_of"] = self.as_of.isoformat()
        return params

    def _model_body(self) -> dict[str, Any]:
        """The fitted logistic regression as JSON data (gradient boosting has no model file)."""
        if self.kind_ != "logistic":
            raise DataError("a gradient-boosting model cannot be saved as a model file; refit with --model logistic "
                            "to save it (the model file holds the logistic regression's weights)")
        from ._json import to_jsonable

        return {"model": to_jsonable({
            "created": self.created_, "classifier": "multinomial logistic regression (L2, C = 1)",
            "id_column": self.id_column_, "as_of": self.as_of_.isoformat() if self.as_of_ else None,
            "min_probability": self.min_probability_,
            "segments": self.segments_, "segment_names": {str(k): v for k, v in self.segment_names_.items()},
            "features": [s.to_dict() for s in self.features_],
            "weights": self.weights_, "intercepts": [float(v) for v in self.intercepts_],
            "cv": {"folds": self.n_folds_, "accuracy": self.cv_accuracy_, "log_loss": self.cv_log_loss_,
                   "brier": self.brier_, "recall": {str(k): float(v) for k, v in self.recall_.items()},
                   "candidates": self.cv_},
            "n_train": self.n_train_, "sizes": {str(k): int(v) for k, v in self.sizes_.items()},
            "importances": {k: float(v) for k, v in self.importances_.items()},
        })}

    @classmethod
    def _from_model_body(cls, body: Any, params: dict[str, Any]) -> CrmSegmentModel:
        d = body["model"]
        m = cls(**params)
        m.kind_ = "logistic"
        m.features_ = [FeatureSpec.from_dict(f) for f in d["features"]]
        m.segments_ = [int(v) for v in d["segments"]]
        m.segment_names_ = {int(k): str(v) for k, v in (d.get("segment_names") or {}).items()}
        m.weights_ = d["weights"]
        m.intercepts_ = np.asarray(d["intercepts"], dtype=float)
        if len(m.intercepts_) != len(m.segments_) or any(f.name not in m.weights_ for f in m.features_):
            raise ValueError("weights do not match the features and segments")
        m.as_of_ = _parse_date(d.get("as_of"))
        m.min_probability_ = float(d.get("min_probability", 0.0))
        m.id_column_ = d.get("id_column")
        cvd = d.get("cv") or {}
        nan = math.nan
        m.cv_accuracy_ = float(cvd.get("accuracy") if cvd.get("accuracy") is not None else nan)
        m.cv_log_loss_ = float(cvd.get("log_loss") if cvd.get("log_loss") is not None else nan)
        m.brier_ = float(cvd.get("brier") if cvd.get("brier") is not None else nan)
        m.n_folds_ = int(cvd.get("folds", 5))
        m.recall_ = pd.Series({int(k): float(v) for k, v in (cvd.get("recall") or {}).items()}, name="recall",
                              dtype=float)
        m.cv_ = cvd.get("candidates") or {}
        m.n_train_ = int(d.get("n_train", 0))
        m.sizes_ = pd.Series({int(k): int(v) for k, v in (d.get("sizes") or {}).items()}, dtype=int)
        m.importances_ = pd.Series(d.get("importances") or {}, dtype=float, name="importance")
        m.created_ = str(d.get("created", ""))
        m.excluded_ = {}
        return m


def _full_proba(est: Any, Z: np.ndarray, K: int) -> np.ndarray:
    """predict_proba with a column for every segment (a fold may lack a class)."""
    p = est.predict_proba(Z)
    if p.shape[1] == K:
        return p
    full = np.zeros((len(Z), K))
    full[:, est.classes_] = p
    return full


def _log_loss(p: np.ndarray, labels: np.ndarray) -> float:
    eps = 1e-15
    return float(-np.mean(np.log(np.clip(p[np.arange(len(labels)), labels], eps, 1.0))))


def _scores(p: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    onehot = np.zeros_like(p)
    onehot[np.arange(len(labels)), labels] = 1.0
    return {"cv_accuracy": float((p.argmax(axis=1) == labels).mean()), "cv_log_loss": _log_loss(p, labels),
            "brier": float(((p - onehot) ** 2).sum(axis=1).mean())}


def _latest_date(frame: pd.DataFrame) -> date | None:
    from .crm_features import _kind

    latest = None
    for c in frame.columns:
        if _kind(frame[c]) == "date":
            d = pd.to_datetime(frame[c], errors="coerce", format="mixed") if frame[c].dtype == object \
                else pd.to_datetime(frame[c], errors="coerce")
            m = d.max()
            if pd.notna(m) and (latest is None or m.date() > latest):
                latest = m.date()
    return latest


# ============================================================================================ the result

@dataclass(frozen=True)
class CrmExtendResult:
    """Segments for every customer, and how far to trust them.

    Attributes
    ----------
    customers
        Customers in the file (= rows written).
    from_survey, from_model, unassigned
        Customers whose segment comes from the survey, from the model, or neither (model probability below
        ``min_probability``); they add up to ``customers``.
    model
        The fitted :class:`CrmSegmentModel`.
    by_segment
        Per segment: respondents, cross-validated recall and precision, customers from the survey and from the
        model, mean model probability of the model's customers.
    disagreements
        Respondents whose survey segment differs from the model's prediction for them.
    """

    customers: int
    from_survey: int
    from_model: int
    unassigned: int
    model: CrmSegmentModel
    by_segment: pd.DataFrame
    disagreements: int
    weak_segments: tuple[int, ...] = ()
    output: str | None = None
    sql: str | None = None
    scoring: str = ""
    excluded_columns: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (``--json``)."""
        m = self.model
        feats = [{"name": s.name, "kind": s.kind, "transform": s.transform,
                  "importance": float(m.importances_.get(s.name, math.nan))} for s in m.features_]
        feats.sort(key=lambda f: -(f["importance"] if f["importance"] == f["importance"] else -math.inf))
        return {
            "customers": self.customers, "from_survey": self.from_survey, "from_model": self.from_model,
            "unassigned": self.unassigned, "cv_accuracy": m.cv_accuracy_, "cv_log_loss": m.cv_log_loss_,
            "brier": m.brier_, "recall": {str(k): float(v) for k, v in m.recall_.items()},
            "precision": {str(k): float(v) for k, v in getattr(m, "precision_", pd.Series(dtype=float)).items()},
            "confusion": {str(r): {str(c): int(v) for c, v in row.items()} for r, row in m.confusion_.iterrows()},
            "confusion_axes": "rows: survey segment; columns: cross-validated prediction",
            "features": feats,
            "importance_method": "permutation importance: increase in the respondents' log loss when the feature's "
                                 "values are shuffled among them (mean of 5 shuffles)",
            "excluded_columns": dict(self.excluded_columns),
            "min_probability": m.min_probability_, "model": m.kind_,
            "candidates": {k: dict(v) for k, v in m.cv_.items()},
            "folds": m.n_folds_, "respondents": m.n_train_, "as_of": m.as_of_.isoformat() if m.as_of_ else None,
            "disagreements": self.disagreements,
            "weak_segments": list(self.weak_segments), "recall_warning_below": RECALL_WARNING,
            "segment_names": {str(k): v for k, v in m.segment_names_.items()},
            "reliability": self.reliability_section(),
            "scoring": self.scoring, "output": self.output, "sql": self.sql,
        }

    def to_frame(self) -> pd.DataFrame:
        """The per-segment table (respondents, recall, precision, customers by source, mean probability)."""
        return self.by_segment.copy()

    def reliability_section(self) -> dict[str, Any]:
        """The report section on how reliable the base assignment is, per segment: data and plain sentences."""
        m = self.model
        rows = []
        sentences = [
            f"The model's segment agrees with the survey segment for {m.cv_accuracy_:.0%} of the respondents it did "
            f"not see (cross-validated, {m.n_folds_} folds, {m.n_train_:,} respondents matched to the CRM).",
            f"{self.from_model:,} of {self.customers:,} customers ({self.from_model / max(self.customers, 1):.0%}) "
            f"carry a model segment, {self.from_survey:,} their survey segment and {self.unassigned:,} none.",
        ]
        for seg, r in self.by_segment.iterrows():
            name = m.segment_names_.get(int(seg), "")
            label = f"segment {seg}" + (f" ({name})" if name else "")
            rec = r["recall"]
            if rec >= 0.75:
                code, verdict = "reliable", "reliable"
            elif rec >= RECALL_WARNING:
                code, verdict = "care", "usable with care"
            else:
                code, verdict = "weak", "rarely recovered: do not act on the model's assignment alone"
            rows.append({"segment": int(seg), "name": name, "respondents": int(r["respondents"]),
                         "recall": float(rec), "precision": float(r["precision"]),
                         "customers_from_model": int(r["from_model"]), "mean_probability": float(r["mean_probability"]),
                         "verdict": verdict, "verdict_code": code})
            prec = r["precision"]
            prec_text = (f"{prec:.0%} of those it puts there belong there" if prec == prec
                         else "it puts no respondent there")
            sentences.append(f"{label}: the model finds {rec:.0%} of its respondents; {prec_text}. "
                             f"{verdict.capitalize()}.")
        return {"title": "How reliable is the segment of customers who did not answer the survey",
                "segments": rows, "text": sentences}

    def summary(self, lang: str = "en") -> str:
        """Text for the terminal: customers by where their segment comes from, the model's accuracy, how
        reliable it is per segment, its features and the files written (the crm extend section of the Summary
        document, rendered by the one text renderer)."""
        from .summary.sections import summary_text

        return summary_text("crm_extend", self, lang=lang)


# ============================================================================================ DuckDB side

def _connect(threads: int | None, memory_limit: str) -> tuple[Any, str]:
    import duckdb

    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads TO {int(threads)}")
    con.execute("SET preserve_insertion_order = true")
    con.execute(f"SET memory_limit = '{memory_limit}'")
    spill = tempfile.mkdtemp(prefix="surveytools-duckdb-")
    con.execute(f"SET temp_directory = '{spill}'")
    con.execute("SET enable_progress_bar = false")
    return con, spill


def _open_view(con: Any, path: Path, what: str) -> list[str]:
    import duckdb

    from .crm import _reader_sql

    if not path.exists():
        raise InputFileError(f"{what} {path} not found; check the path")
    if path.stat().st_size == 0:
        raise InputFileError(f"{what} {path} is empty")
    try:
        con.execute(f"CREATE VIEW crm_raw AS SELECT * FROM {_reader_sql(path)}")
        return [r[0] for r in con.execute("DESCRIBE crm_raw").fetchall()]
    except duckdb.Error as exc:
        raise InputFileError(f"{what} {path} cannot be read: {str(exc).splitlines()[0]}") from None


def _q(name: str) -> str:
    return '"' + str(name).replace('"', '""') + '"'


def _id_column(cols: list[str], given: str | None) -> str | None:
    if given:
        if given not in cols:
            raise DataError(f"no id column {given!r} in the customer file; check --id")
        return given
    for c in ("customer_id", "cliente_id", "id_cliente", "id"):
        if c in cols:
            return c
    from .crm_features import key_reason

    return next((c for c in cols if key_reason(c) == "an id column"), None)


def extend_crm(joined: str | os.PathLike[str], output: str | os.PathLike[str] | None = None, *,
               features: str | Sequence[str] = "auto", as_of: str | date | None = None,
               min_probability: float = 0.0, model: str = "auto", n_folds: int = 5, seed: int = DEFAULT_SEED,
               min_segment_size: int = MIN_SEGMENT_SIZE, id_column: str | None = None,
               sql: str | os.PathLike[str] | None = None, sql_dialect: str = "duckdb", sql_table: str = "customers",
               save_model: str | os.PathLike[str] | None = None, threads: int | None = None,
               memory_limit: str = "2GB", batch_size: int = 250_000,
               progress: ProgressCallback | None = None) -> CrmExtendResult:
    """Train on the matched respondents of a ``crm join`` output and give every customer a segment.

    Parameters
    ----------
    joined
        The output of ``crm join`` (.csv or .parquet): every customer, ``segment`` set for matched respondents
        (plus ``segment_name`` and ``probability`` when the join carried them).
    output
        Where to write every customer (.csv or .parquet): the file's columns, then ``segment``,
        ``segment_name``, ``probability``, ``segment_source`` (survey / model / none), ``model_segment`` and
        ``model_probability``. None to count only.
    features, as_of, min_probability, model, n_folds, seed, min_segment_size
        See :class:`CrmSegmentModel`. ``as_of`` defaults to the latest date in the date features over the
        whole file.
    id_column
        The customers' id column (default: ``customer_id`` or another id-named column), for the SQL export.
    sql, sql_dialect, sql_table
        Also write the scoring query for ``sql_table`` in this dialect (logistic regression only: with
        ``model="auto"`` the choice is restricted to the logistic regression).
    save_model
        Also write the model file (logistic regression only, as for ``sql``).
    threads, memory_limit
        DuckDB's threads and memory limit (larger intermediate results spill to a temporary folder).
    batch_size
        Rows per Arrow record batch when gradient boosting scores.

    Returns
    -------
    CrmExtendResult
        ``customers == from_survey + from_model + unassigned``.

    Raises
    ------
    InputFileError
        Missing or unreadable files; an output that would overwrite an input.
    DataError
        No ``segment`` column, bad features, too few respondents per segment, a model that SQL cannot express.

    Warns
    -----
    WeakSegmentRecoveryWarning
        A segment's cross-validated recall is below :data:`RECALL_WARNING`.
    """
    from .io.atomic import atomic_write, check_output_path

    src = Path(joined)
    inputs = [str(src)]
    for extra in (output, sql, save_model):
        if extra is not None:
            check_output_path(extra, inputs)
    if output is not None and Path(output).suffix.lower() not in (".csv", ".parquet"):
        raise InputFileError(f"cannot write {output}: use a .csv or .parquet file name")
    if model not in MODELS:
        raise DataError(f"unknown model {model!r}; use one of {', '.join(MODELS)}")
    needs_linear = sql is not None or save_model is not None
    if needs_linear and model == "boosting":
        raise DataError("gradient boosting cannot be exported as SQL or saved as a model file; use --model logistic "
                        "(or auto) with --sql / --save-model")
    chosen_model = "logistic" if needs_linear and model == "auto" else model
    if sql is not None:
        from .crm_sql import DIALECTS

        if sql_dialect not in DIALECTS:
            raise DataError(f"unknown SQL dialect {sql_dialect!r}; use one of {', '.join(DIALECTS)}")
    con, spill = _connect(threads, memory_limit)
    try:
        cols = _open_view(con, src, "joined customer file")
        if "segment" not in cols:
            raise DataError(f"{src}: no 'segment' column; give the output of 'surveytools crm join --segments ...' "
                            "(every customer, with the survey segment of the matched respondents)")
        if progress:
            progress("Training on the matched respondents", 0, 2)
        total, n_resp = con.execute("SELECT count(*), count(segment) FROM crm_raw").fetchone()
        if total == 0:
            raise DataError(f"{src} has no customers (only a header)")
        train = con.execute("SELECT * FROM crm_raw WHERE segment IS NOT NULL").fetchdf()
        if n_resp == 0:
            raise DataError(f"{src}: no customer has a survey segment; run 'crm join' with --segments so matched "
                            "respondents carry their segment")
        feature_cols = [c for c in cols if c not in _SURVEY_COLUMNS]
        exclude: dict[str, str] = {}
        if isinstance(features, str) and features.strip().lower() == "auto" and total > n_resp:
            # columns only respondents have come from the survey side: not CRM fields the others share
            checks = ", ".join(f"count({_q(c)})" for c in feature_cols)
            counts = con.execute(f"SELECT {checks} FROM crm_raw WHERE segment IS NULL").fetchone()
            exclude = {c: "only survey respondents have values (a survey column, not a CRM field)"
                       for c, n in zip(feature_cols, counts, strict=True) if n == 0}
        names: dict[int, str] = {}
        if "segment_name" in train.columns:
            pairs = train[["segment", "segment_name"]].dropna().drop_duplicates("segment")
            names = {int(s): str(n) for s, n in zip(pairs["segment"], pairs["segment_name"], strict=True)}
        as_of_d = _parse_date(as_of)
        idc = _id_column(cols, id_column)
        est = CrmSegmentModel(features, as_of=as_of_d, model=chosen_model, min_probability=min_probability,
                              n_folds=n_folds, seed=seed, min_segment_size=min_segment_size, exclude=exclude)
        if as_of_d is None:
            from .crm_features import _kind

            date_cols = [c for c in feature_cols if _kind(train[c]) == "date"]
            if date_cols:
                maxes = con.execute("SELECT " + ", ".join(f"max(TRY_CAST({_q(c)} AS DATE))" for c in date_cols)
                                    + " FROM crm_raw").fetchone()
                found = [m for m in maxes if m is not None]
                est.as_of = max(found) if found else None
        est.fit(train[feature_cols], train["segment"], names=names, id_column=idc, source=str(src))
        if progress:
            progress("Training on the matched respondents", 2, 2)

        # ---- score every customer
        out_str = None
        counts_df: pd.DataFrame
        scoring = ("DuckDB SQL: the logistic regression evaluated as one SQL expression while streaming the file"
                   if est.kind_ == "logistic" else
                   f"Arrow record batches of {batch_size:,} rows from DuckDB through the calibrated model's "
                   "predict_proba")
        if output is not None:
            out = Path(output)
            with atomic_write(out, inputs) as tmp:
                _score_to_file(con, est, cols, tmp, out.suffix.lower(), batch_size, progress)
                counts_df = _count_output(con, tmp, out.suffix.lower())
            out_str = str(out)
        else:
            counts_df = _count_query(con, est, cols, batch_size)
        sql_str = None
        if sql is not None:
            text = est.to_sql(sql_dialect, sql_table, id_column=idc)
            with atomic_write(Path(sql), inputs) as tmp:
                tmp.write_text(text, encoding="utf-8")
            sql_str = str(sql)
        if save_model is not None:
            est.save(save_model, inputs=inputs)
    finally:
        con.close()
        shutil.rmtree(spill, ignore_errors=True)

    by_source = counts_df.groupby("segment_source")["n"].sum()
    from_survey, from_model = int(by_source.get("survey", 0)), int(by_source.get("model", 0))
    unassigned = int(by_source.get("none", 0))
    by_seg = []
    for s in est.segments_:
        c = counts_df[counts_df["segment"] == s]
        fm = c[c["segment_source"] == "model"]
        n_fm = int(fm["n"].sum())
        by_seg.append({"segment": s, "name": est.segment_names_.get(s, ""), "respondents": int(est.sizes_[s]),
                       "recall": float(est.recall_[s]), "precision": float(est.precision_[s]),
                       "from_survey": int(c[c["segment_source"] == "survey"]["n"].sum()), "from_model": n_fm,
                       "mean_probability": float(fm["prob_sum"].sum() / n_fm) if n_fm else math.nan})
    by_segment = pd.DataFrame(by_seg).set_index("segment")
    weak = tuple(int(s) for s, r in est.recall_.items() if r < RECALL_WARNING)
    for s in weak:
        name = est.segment_names_.get(s, "")
        warnings.warn(WeakSegmentRecoveryWarning(
            f"segment {s}{f' ({name})' if name else ''} is rarely recovered from CRM fields: the model finds "
            f"{est.recall_[s]:.0%} of its respondents (cross-validated; warning below {RECALL_WARNING:.0%}); treat "
            "its model-assigned customers with caution"), stacklevel=2)
    return CrmExtendResult(customers=int(total), from_survey=from_survey, from_model=from_model,
                           unassigned=unassigned, model=est, by_segment=by_segment,
                           disagreements=est.disagreements_, weak_segments=weak, output=out_str, sql=sql_str,
                           scoring=scoring, excluded_columns=dict(est.excluded_))


def _final_sql(est: CrmSegmentModel, cols: list[str], survey_cols: bool = True) -> str:
    """DuckDB query: every customer with survey / model segment columns (logistic regression)."""
    from .crm_sql import score_select

    keep = list(cols)
    inner = score_select(est, "crm_raw", keep, prefix="__m_").sql(dialect="duckdb")
    mp = repr(float(est.min_probability_))
    names = est.segment_names_
    pass_cols = [c for c in cols if c not in _SURVEY_COLUMNS]
    has_name = "segment_name" in cols
    has_prob = "probability" in cols
    name_case = "CASE " + " ".join(f"WHEN __seg = {s} THEN '{str(n).replace(chr(39), chr(39) * 2)}'"
                                   for s, n in names.items()) + " END" if names else "CAST(NULL AS VARCHAR)"
    survey_seg = "CAST(segment AS BIGINT)" if "segment" in cols else "CAST(NULL AS BIGINT)"
    return f"""
        SELECT {', '.join(_q(c) for c in pass_cols) + ',' if pass_cols else ''}
               CAST(__seg AS BIGINT) AS segment,
               {f"CASE WHEN __src = 'survey' THEN coalesce(CAST(__sname AS VARCHAR), {name_case}) ELSE {name_case} END"
                if has_name else name_case} AS segment_name,
               CASE WHEN __src = 'survey' THEN {'CAST(__sprob AS DOUBLE)' if has_prob else 'CAST(NULL AS DOUBLE)'}
                    WHEN __src = 'model' THEN __m_probability END AS probability,
               __src AS segment_source,
               CAST(__m_segment AS BIGINT) AS model_segment,
               __m_probability AS model_probability
        FROM (
            SELECT *,
                   CASE WHEN __survey_seg IS NOT NULL THEN __survey_seg
                        WHEN __m_probability >= {mp} THEN __m_segment END AS __seg,
                   CASE WHEN __survey_seg IS NOT NULL THEN 'survey'
                        WHEN __m_probability >= {mp} THEN 'model' ELSE 'none' END AS __src
            FROM (SELECT *, {survey_seg} AS __survey_seg
                         {', segment_name AS __sname' if has_name else ''}
                         {', probability AS __sprob' if has_prob else ''}
                  FROM ({inner}))
        )
    """


def _score_to_file(con: Any, est: CrmSegmentModel, cols: list[str], tmp: Path, suffix: str, batch_size: int,
                   progress: ProgressCallback | None) -> None:
    fmt = "PARQUET" if suffix == ".parquet" else "CSV, HEADER true"
    target = str(tmp).replace("'", "''")
    if progress:
        progress("Scoring every customer", 0, 1)
    if est.kind_ == "logistic":
        con.execute(f"COPY ({_final_sql(est, cols)}) TO '{target}' (FORMAT {fmt})")
    else:
        _score_batches(con, est, cols, tmp, suffix, batch_size)
    if progress:
        progress("Scoring every customer", 1, 1)


def _batch_frame(est: CrmSegmentModel, batch: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    """Output columns for one batch (the Python twin of :func:`_final_sql`)."""
    pred = est.predict(batch)
    survey = pd.to_numeric(batch["segment"], errors="coerce") if "segment" in batch else pd.Series(np.nan, index=batch.index)
    is_s = survey.notna().to_numpy()
    ok = pred["model_probability"].to_numpy() >= est.min_probability_
    seg = np.where(is_s, survey.fillna(0).to_numpy(), np.where(ok, pred["model_segment"].to_numpy(), 0))
    src = np.where(is_s, "survey", np.where(ok, "model", "none"))
    out = batch[[c for c in cols if c not in _SURVEY_COLUMNS]].copy()
    out["segment"] = pd.array(seg.astype(np.int64), dtype="Int64")
    out.loc[src == "none", "segment"] = pd.NA
    names = pd.Series(est.segment_names_, dtype=object)
    sname = out["segment"].map(names) if len(names) else pd.Series(None, index=out.index, dtype=object)
    if "segment_name" in batch:
        sname = sname.where(~is_s | batch["segment_name"].isna(), batch["segment_name"])
    out["segment_name"] = sname.astype(object)
    sprob = pd.to_numeric(batch["probability"], errors="coerce") if "probability" in batch else np.nan
    out["probability"] = np.where(is_s, sprob, np.where(ok, pred["model_probability"].to_numpy(), np.nan))
    out["segment_source"] = src
    out["model_segment"] = pred["model_segment"].to_numpy().astype(np.int64)
    out["model_probability"] = pred["model_probability"].to_numpy()
    return out


def _score_batches(con: Any, est: CrmSegmentModel, cols: list[str], tmp: Path, suffix: str, batch_size: int) -> None:
    import pyarrow as pa
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    reader = con.cursor().sql("SELECT * FROM crm_raw").to_arrow_reader(batch_size)
    writer = None
    try:
        for rb in reader:
            frame = _batch_frame(est, rb.to_pandas(), cols)
            table = pa.Table.from_pandas(frame, preserve_index=False)
            if writer is None:
                schema = table.schema
                writer = pq.ParquetWriter(tmp, schema) if suffix == ".parquet" else pcsv.CSVWriter(tmp, schema)
            writer.write_table(table.cast(schema))
        if writer is None:  # no rows
            pd.DataFrame(columns=[*cols, "segment_source", "model_segment", "model_probability"]).to_csv(tmp, index=False)
    finally:
        if writer is not None:
            writer.close()


def _count_output(con: Any, tmp: Path, suffix: str) -> pd.DataFrame:
    """Customers by source and segment, read back from the written file (one more pass over two columns)."""
    from .crm import _reader_sql

    return con.execute(f"SELECT segment_source, segment, count(*) AS n, sum(model_probability) AS prob_sum "
                       f"FROM {_reader_sql(tmp)} "
                       "GROUP BY ALL").fetchdf()


def _count_query(con: Any, est: CrmSegmentModel, cols: list[str], batch_size: int) -> pd.DataFrame:
    if est.kind_ == "logistic":
        return con.execute(f"SELECT segment_source, segment, count(*) AS n, sum(model_probability) AS prob_sum "
                           f"FROM ({_final_sql(est, cols)}) GROUP BY ALL").fetchdf()
    parts = []
    for rb in con.cursor().sql("SELECT * FROM crm_raw").to_arrow_reader(batch_size):
        f = _batch_frame(est, rb.to_pandas(), cols)
        parts.append(f.groupby(["segment_source", "segment"], dropna=False)["model_probability"]
                     .agg(n="size", prob_sum="sum").reset_index())
    return pd.concat(parts).groupby(["segment_source", "segment"], dropna=False)[["n", "prob_sum"]].sum().reset_index()


# ============================================================================================ assign

def model_format(path: str | os.PathLike[str]) -> str | None:
    """The ``format`` tag of a saved model file, or None when it cannot be read (the loader then says why)."""
    try:
        with open(path, encoding="utf-8") as fh:
            d = json.load(fh)
    except (OSError, ValueError):
        return None
    return d.get("format") if isinstance(d, dict) else None


@dataclass(frozen=True)
class CustomerAssignResult:
    """A customer file scored with a saved CRM segment model."""

    customers: int
    assigned: int
    unassigned: int
    sizes: dict[int, int]
    min_probability: float
    output: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"customers": self.customers, "rows_in": self.customers, "rows_assigned": self.assigned,
                "rows_excluded": self.unassigned,
                "excluded": {f"model probability below {self.min_probability:g}": self.unassigned}
                if self.unassigned else {},
                "sizes": {str(k): v for k, v in self.sizes.items()}, "min_probability": self.min_probability,
                "model": "crm extend (multinomial logistic regression)", "output": self.output}

    def summary(self, lang: str = "en") -> str:
        """Customers scored, assigned and left without a segment, and the sizes (a Summary document rendered by
        the one text renderer)."""
        from .summary.sections import summary_text

        return summary_text("customer_assign", self, lang=lang)


def assign_customers(data: str | os.PathLike[str], model: CrmSegmentModel | str | os.PathLike[str],
                     output: str | os.PathLike[str] | None = None, *, id_column: str | None = None,
                     min_probability: float | None = None, threads: int | None = None,
                     memory_limit: str = "2GB") -> CustomerAssignResult:
    """Score a customer file (.csv or .parquet) with a saved CRM segment model, streaming it through DuckDB.

    The output holds every customer: the id column (or every column when the file has no id column),
    ``segment`` (missing below ``min_probability``), ``segment_name``, ``probability``.

    Raises
    ------
    InputFileError, DataError
        Unreadable files, feature columns missing from the file, an output that would overwrite an input.
    """
    from .io.atomic import atomic_write, check_output_path

    est = model if isinstance(model, CrmSegmentModel) else CrmSegmentModel.load(model)
    est._check_linear()
    src = Path(data)
    inputs = [str(src)] + ([] if isinstance(model, CrmSegmentModel) else [str(model)])
    if output is not None:
        check_output_path(output, inputs)
        if Path(output).suffix.lower() not in (".csv", ".parquet"):
            raise InputFileError(f"cannot write {output}: use a .csv or .parquet file name")
    mp = est.min_probability_ if min_probability is None else float(min_probability)
    if not 0 <= mp <= 1:
        raise DataError(f"min_probability {mp} must be between 0 and 1")
    con, spill = _connect(threads, memory_limit)
    try:
        cols = _open_view(con, src, "customer file")
        missing = [f.name for f in est.features_ if f.name not in cols]
        if missing:
            raise DataError(f"{src}: no column {', '.join(repr(m) for m in missing)}; the model needs its features "
                            f"({', '.join(f.name for f in est.features_)})")
        idc = id_column or (est.id_column_ if est.id_column_ in cols else None) or _id_column(cols, None)
        if id_column and id_column not in cols:
            raise DataError(f"{src}: no id column {id_column!r}; check --id")
        from .crm_sql import score_select

        keep = [idc] if idc else [c for c in cols]
        inner = score_select(est, "crm_raw", keep, prefix="__m_").sql(dialect="duckdb")
        names = est.segment_names_
        name_case = ("CASE " + " ".join(f"WHEN __m_segment = {s} THEN '{str(n).replace(chr(39), chr(39) * 2)}'"
                                        for s, n in names.items()) + " END") if names else "CAST(NULL AS VARCHAR)"
        query = f"""SELECT {', '.join(_q(c) for c in keep)},
                      CAST(CASE WHEN __m_probability >= {mp!r} THEN __m_segment END AS BIGINT) AS segment,
                      CASE WHEN __m_probability >= {mp!r} THEN {name_case} END AS segment_name,
                      __m_probability AS probability
                    FROM ({inner})"""
        if output is not None:
            out = Path(output)
            fmt = "PARQUET" if out.suffix.lower() == ".parquet" else "CSV, HEADER true"
            with atomic_write(out, inputs) as tmp:
                con.execute(f"COPY ({query}) TO '{str(tmp).replace(chr(39), chr(39) * 2)}' (FORMAT {fmt})")
        from .crm import _reader_sql

        counted = f"({query})" if output is None else _reader_sql(Path(output))
        counts = con.execute(f"SELECT segment, count(*) FROM {counted} GROUP BY ALL ORDER BY 1").fetchall()
    finally:
        con.close()
        shutil.rmtree(spill, ignore_errors=True)
    sizes = {int(s): int(n) for s, n in counts if s is not None}
    un = int(sum(n for s, n in counts if s is None))
    total = un + sum(sizes.values())
    return CustomerAssignResult(customers=total, assigned=total - un, unassigned=un, sizes=sizes, min_probability=mp,
                                output=None if output is None else str(output))

"""The :class:`TypingTool` estimator: golden-question selection, Fisher's classification functions, scoring,
the model file."""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from .._threads import single_thread
from ..estimator import Check, Estimator, either, flag, function, number, one_of, text_or_list, whole
from ..exceptions import DataError, QuestionnaireError
from ..questionnaire import Questionnaire
from ..segments import Segments, as_segments
from ..survey import Survey
from .lda import CVEngine, fit_lda, posterior_from_scores, stepwise_select
from .results import AssignResult, TypingToolResult
from .scoring import ItemInfo, code_key, codes_from_values

__all__ = ["TypingTool", "load_typing_tool", "MODEL_FORMAT", "MODEL_FORMAT_VERSION", "DEFAULT_SEED"]

MODEL_FORMAT = "surveytools.typing-tool"
MODEL_FORMAT_VERSION = 1
DEFAULT_SEED = 20240601
Progress = Callable[[str, int, int], None]


def _item_info(q: Questionnaire, item_id: str, mean: float) -> ItemInfo:
    item = q.items[item_id]
    opts = q.option_set(item_id)
    if opts is None:
        return ItemInfo(id=item_id, text=item.text, type=item.type, column=item.column, codes={}, mean=mean)
    valid = set(opts.valid_codes)
    return ItemInfo(
        id=item_id, text=item.text, type=item.type, column=item.column,
        codes={code_key(c): str(lab) for c, lab in opts.codes.items() if c in valid},
        missing_codes=tuple(code_key(c) for c in opts.missing_codes),
        missing_labels=tuple(sorted(opts.missing_labels)),
        aliases={str(k): code_key(v) for k, v in opts.aliases.items() if v in valid},
        mean=mean,
    )


def _probabilities(name: str, v: Any) -> str | None:
    """Check of ``priors`` given as numbers: one positive number per segment (their count is checked by fit)."""
    if isinstance(v, (Sequence, np.ndarray)) and not isinstance(v, str) and len(v) > 0 and all(
            isinstance(p, (int, float, np.integer, np.floating)) and not isinstance(p, bool) and p > 0 for p in v):
        return None
    return f"{name} must be 'proportional', 'equal' or a list of positive numbers, not {v!r}"


_probabilities.words = "a list of positive numbers"  # type: ignore[attr-defined]


def _candidates(q: Questionnaire, items: str | Sequence[str] | None) -> list[str]:
    """The candidate golden questions: Likert, numeric or NPS items (default every Likert item)."""
    pool = q.resolve(items)
    if not pool:
        raise QuestionnaireError(f"{q.path or 'the questionnaire'} has no Likert items to choose golden questions "
                                 "from; name the candidate items with --items")
    bad = [i for i in pool if q.items[i].type not in ("likert", "numeric", "nps")]
    if bad:
        raise QuestionnaireError(f"item(s) {', '.join(bad)} are {', '.join(sorted({q.items[i].type for i in bad}))}"
                                 " items; golden questions are Likert, numeric or NPS items")
    return pool


def _candidate_answers(kept: Survey, pool: list[str]) -> np.ndarray:
    """Answers to the candidates; as at scoring, "no answer" codes and values that are not valid codes are NaN."""
    q = kept.questionnaire
    x_all = np.array(kept.item_frame(pool).to_numpy(dtype=float), copy=True)
    for j, iid in enumerate(pool):
        opts = q.option_set(iid)
        if opts is not None and opts.valid_codes:
            col = x_all[:, j]
            col[~np.isin(col, np.asarray(opts.valid_codes, dtype=float))] = np.nan
        else:
            x_all[~np.isfinite(x_all[:, j]), j] = np.nan
    return x_all


def _eligible_items(x: np.ndarray, wn: np.ndarray, pool: list[str]) -> tuple[np.ndarray, dict[str, str], list[int]]:
    """Weighted training means of the candidates, the candidates skipped (no answers, no variance) and the
    positions of the others."""
    means = _weighted_nanmean(x, wn)
    skipped: dict[str, str] = {}
    eligible: list[int] = []
    for j, iid in enumerate(pool):
        col = x[:, j]
        if np.isnan(means[j]):
            skipped[iid] = "no answers"
        elif np.nanmax(col) == np.nanmin(col):
            skipped[iid] = "the same answer from everyone"
        else:
            eligible.append(j)
    if not eligible:
        raise DataError("no candidate item varies among the respondents; nothing to classify with")
    return means, skipped, eligible


def _weighted_nanmean(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    ok = ~np.isnan(x)
    num = np.where(ok, x, 0.0).T @ w
    den = ok.T.astype(float) @ w
    with np.errstate(invalid="ignore", divide="ignore"):
        return num / den


class TypingTool(Estimator):
    """Golden-question classifier: stepwise item selection + linear discriminant functions.

    Parameters
    ----------
    items
        Candidate items: ids and/or scale names (list or comma-separated text). Default: every Likert
        item of the questionnaire. Likert, numeric and NPS items are allowed.
    max_items
        Largest number of golden questions (the accuracy curve runs up to it).
    min_gain
        The tool keeps the fewest items whose cross-validated accuracy is within ``min_gain`` of the best
        accuracy on the curve (0 keeps the best point).
    n_items
        Use exactly this many items (overrides ``min_gain``).
    n_folds
        Folds of the stratified cross-validation.
    seed
        Seed of the fold split (None: the default seed, so results stay reproducible).
    priors
        ``"proportional"`` (segment shares, as R ``MASS::lda``), ``"equal"`` (SPSS's default) or one
        probability per segment.
    backward
        After each forward step, try dropping earlier items (sequential floating forward selection).
    max_missing
        Share of the questions (candidates when fitting, golden questions when scoring) that may be
        unanswered; a respondent with more missing answers is excluded (reported, never silently).
    nested
        Also estimate the accuracy of the whole procedure by nested cross-validation (the search is rerun
        within each outer fold): an honest figure, since the curve's accuracy of the selected items is
        slightly optimistic (the items were chosen on the same folds). Costs about ``n_folds`` more searches.
    progress
        Optional ``progress(label, done, total)`` callback.

    Attributes
    ----------
    items_ : list of str
        The golden questions.
    coef_ : pandas.DataFrame
        Classification-function coefficients, rows = items then ``constant``, columns = segments.
    means_ : pandas.DataFrame
        Segment means of the golden questions (segments x items).
    covariance_ : pandas.DataFrame
        Pooled within-segment covariance of the golden questions.
    priors_ : pandas.Series
        Prior probability per segment.
    item_info_ : list of ItemInfo
        Per golden question: text, answer codes and labels, training mean (used for missing answers).
    max_missing_ : int
        A respondent with more than this many unanswered golden questions gets no segment.
    accuracy_ : float
        Cross-validated accuracy of the golden questions.
    curve_ : pandas.DataFrame
        The accuracy curve (see :class:`TypingToolResult`).
    result_ : TypingToolResult
        Everything above with the row accounting.

    Notes
    -----
    Scores are Fisher's classification functions :math:`f_k(x) = c_{k0} + \\sum_j c_{kj} x_j` with
    :math:`c_k = S^{-1}\\mu_k` and :math:`c_{k0} = -\\frac12\\mu_k^\\top S^{-1}\\mu_k + \\ln\\pi_k`
    (pooled within-segment covariance :math:`S` with divisor :math:`n - K`, as R ``MASS::lda`` and SPSS);
    the segment is the argmax (the lowest-numbered segment wins an exact tie) and its probability is
    :math:`\\exp f_k / \\sum_l \\exp f_l`. Missing answers take the item's (weighted) mean in the
    training data, in fitting, in cross-validation and in scoring alike.
    """

    def __init__(self, *, items: str | Sequence[str] | None = None, max_items: int = 12, min_gain: float = 0.002,
                 n_items: int | None = None, n_folds: int = 5, seed: int | None = DEFAULT_SEED,
                 priors: str | Sequence[float] = "proportional", backward: bool = False, max_missing: float = 0.5,
                 nested: bool = False, progress: Progress | None = None) -> None:
        self.items = items
        self.max_items = max_items
        self.min_gain = min_gain
        self.n_items = n_items
        self.n_folds = n_folds
        self.seed = seed
        self.priors = priors
        self.backward = backward
        self.max_missing = max_missing
        self.nested = nested
        self.progress = progress

    # ------------------------------------------------------------------------------ fitting
    _parameter_constraints: ClassVar[dict[str, Check]] = {
        "items": text_or_list(),
        "max_items": whole(1),
        "min_gain": number(0.0, 1.0, hi_open=True),
        "n_items": whole(1, none=True),
        "n_folds": whole(2),
        "seed": whole(0, none=True),
        "priors": either(one_of("proportional", "equal"), _probabilities),
        "backward": flag(),
        "max_missing": number(0.0, 1.0, hi_open=True),
        "nested": flag(),
        "progress": function(),
    }
    _model_format = MODEL_FORMAT
    _model_version = MODEL_FORMAT_VERSION
    _model_what = "a surveytools typing-tool model"
    _model_hint = "make one with 'surveytools typing-tool DATA -q Q --segments ASSIGNMENTS -o MODEL.json'"

    @property
    def _seed(self) -> int:
        """The seed used (None means the package default, so results stay reproducible)."""
        return DEFAULT_SEED if self.seed is None else int(self.seed)

    def _choose(self, acc: np.ndarray) -> int:
        """Number of items kept: ``n_items``, else the fewest within ``min_gain`` of the best accuracy."""
        if self.n_items is not None:
            return min(int(self.n_items), len(acc))
        return int(np.flatnonzero(acc >= acc.max() - float(self.min_gain) - 1e-12)[0]) + 1

    def _nested_accuracy(self, x: np.ndarray, y: np.ndarray, k: int, w: np.ndarray | None, wn: np.ndarray,
                         folds: list[np.ndarray], eligible: list[int], max_items: int, seg_labels: np.ndarray
                         ) -> float:
        """Accuracy of the whole procedure (selection included) on respondents it never saw.

        For each outer fold the stepwise search and the choice of the number of items are rerun on the other
        folds (with their own inner cross-validation); the chosen model then classifies the held-out fold.
        """
        from sklearn.model_selection import StratifiedKFold

        counts = np.bincount(y, minlength=k)
        if counts.min() < 2 * self.n_folds:
            small = int(seg_labels[int(np.argmin(counts))])
            raise DataError(f"nested cross-validation needs at least {2 * self.n_folds} respondents per segment; "
                            f"segment {small} has {int(counts.min())}; drop --nested-cv or lower --folds")
        n = len(y)
        correct = 0.0
        for i, test in enumerate(folds):
            if self.progress is not None:
                self.progress("nested cross-validation", i, len(folds))
            train = np.setdiff1d(np.arange(n), test)
            yt = y[train]
            inner = [t for _, t in StratifiedKFold(n_splits=self.n_folds, shuffle=True,
                                                   random_state=self._seed + 1 + i).split(np.zeros(len(yt)), yt)]
            wt = None if w is None else w[train]
            eng = CVEngine(x[train], yt, k, inner, weights=wt, priors=self.priors)
            path = stepwise_select(eng, max_items, floating=self.backward, eligible=eligible)
            sub = list(path.sets[self._choose(path.accuracy) - 1])
            fit = fit_lda(x[train][:, sub], yt, k, weights=wt, priors=self.priors)
            pred = (x[test][:, sub] @ fit.coef.T + fit.const).argmax(axis=1)
            correct += float(((pred == y[test]) * wn[test]).sum())
        if self.progress is not None:
            self.progress("nested cross-validation", len(folds), len(folds))
        return correct / float(wn.sum())

    def fit(self, survey: Survey, segments: Segments | pd.Series) -> TypingTool:
        """Select the golden questions and fit the classifier.

        Parameters
        ----------
        survey
            The survey the segments were made from.
        segments
            :class:`~surveytools.segments.Segments` (e.g. from :func:`~surveytools.segments.read_segments`)
            or a Series respondent id -> segment number (a missing number: no segment).

        Returns
        -------
        TypingTool
            ``self``, fitted.

        Raises
        ------
        DataError
            Segments naming respondents that are not in the survey, fewer than two segments, a segment
            smaller than the number of folds, no usable respondents.
        QuestionnaireError
            Unknown items; ScaleError: items missing from the data.
        EstimationError
            No subset of the items can be fitted (all constant within segments or collinear).
        """
        with single_thread():
            return self._fit(survey, segments)

    def _fit(self, survey: Survey, segments: Segments | pd.Series) -> TypingTool:
        self._validate_params()
        segments = as_segments(segments)
        q = survey.questionnaire
        kept, seg_series, unassigned = segments.align(survey)
        excluded: dict[str, int] = {}
        if len(unassigned):
            excluded["no segment in the assignments"] = int(len(unassigned))
        pool = _candidates(q, self.items)
        x_all = _candidate_answers(kept, pool)
        used, w_all = self._usable(x_all, kept, len(pool), excluded)
        if not used.any():
            raise DataError(f"{survey.source.describe()}: no respondent with a segment has enough answers to the "
                            "candidate items to fit a typing tool")
        x = x_all[used]
        w = None if w_all is None else w_all[used]
        wn = np.ones(len(x)) if w is None else w * (len(x) / w.sum())
        y, seg_labels, counts = self._classes(seg_series.to_numpy()[used].astype(int), segments)
        k = len(seg_labels)
        means, skipped, eligible = _eligible_items(x, wn, pool)
        imputed_answers = int(np.isnan(x).sum())
        x_imp = np.where(np.isnan(x), means, x)

        from sklearn.model_selection import StratifiedKFold

        folds = [test for _, test in StratifiedKFold(n_splits=self.n_folds, shuffle=True,
                                                     random_state=self._seed).split(np.zeros(len(y)), y)]
        try:
            engine = CVEngine(x_imp, y, k, folds, weights=w, priors=self.priors)
        except ValueError as exc:
            raise DataError(str(exc)) from None
        max_items = min(self.max_items, len(eligible))
        if self.n_items is not None:
            max_items = min(max(max_items, self.n_items), len(eligible))
        path = stepwise_select(engine, max_items, floating=self.backward, eligible=eligible, progress=self.progress)
        chosen = self._choose(path.accuracy)
        subset = list(path.sets[chosen - 1])
        nested = None
        if self.nested:
            nested = self._nested_accuracy(x_imp, y, k, w, wn, folds, eligible, max_items, seg_labels)

        fit = fit_lda(x_imp[:, subset], y, k, weights=w, priors=self.priors)
        confusion = np.zeros((k, k))
        np.add.at(confusion, (y, engine.predictions(subset)), wn)
        resub = (x_imp[:, subset] @ fit.coef.T + fit.const).argmax(axis=1)
        resub_acc = float(((resub == y) * wn).sum() / wn.sum())
        self._store(survey, segments, pool, path, chosen, fit, means, seg_labels)
        segs = self.segments_
        self.n_train_ = int(used.sum())
        self.result_ = TypingToolResult(
            items=self.items_, accuracy=self.accuracy_, curve=self.curve_,
            confusion=pd.DataFrame(confusion, index=pd.Index(segs, name="true"), columns=pd.Index(segs, name="predicted")),
            hit_rates=pd.Series(np.diag(confusion) / confusion.sum(axis=1), index=pd.Index(segs, name="segment"),
                                name="hit_rate"),
            coefficients=self.coef_, priors=self.priors_,
            sizes=pd.Series(counts, index=pd.Index(segs, name="segment"), name="n"),
            resubstitution_accuracy=resub_acc, rows_in=survey.n, rows_used=int(used.sum()),
            rows_excluded=survey.n - int(used.sum()), excluded=excluded, candidates=list(pool), skipped=skipped,
            n_folds=self.n_folds, seed=self.seed_, priors_rule=self.priors if isinstance(self.priors, str) else "given",
            max_missing=self.max_missing_, imputed_answers=imputed_answers, nested_accuracy=nested,
        )
        return self

    def _usable(self, x_all: np.ndarray, kept: Survey, n_pool: int, excluded: dict[str, int]
                ) -> tuple[np.ndarray, np.ndarray | None]:
        """Respondents with at most ``max_missing`` of the candidates unanswered and a positive weight (the
        others are counted in ``excluded``), and the survey weights."""
        limit = int(math.floor(float(self.max_missing) * n_pool))
        too_many = np.isnan(x_all).sum(axis=1) > limit
        w_all = kept.weight_array()
        bad_w = np.zeros(len(x_all), dtype=bool) if w_all is None else ~(np.isfinite(w_all) & (w_all > 0))
        if too_many.any():
            excluded[f"more than {limit} of {n_pool} candidate items unanswered"] = int(too_many.sum())
        if (bad_w & ~too_many).any():
            excluded["missing or non-positive weight"] = int((bad_w & ~too_many).sum())
        return ~too_many & ~bad_w, w_all

    def _classes(self, labels: np.ndarray, segments: Segments) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Class codes 0..K-1 of the segments, the segment numbers and their counts; at least two segments, each
        with at least ``n_folds`` respondents."""
        seg_labels = np.unique(labels)
        if len(seg_labels) < 2:
            raise DataError(f"{segments.source or 'the assignments'}: only one segment among the usable respondents; "
                            "a typing tool needs at least two segments")
        y = np.searchsorted(seg_labels, labels)
        k = len(seg_labels)
        counts = np.bincount(y, minlength=k)
        small = [f"segment {seg_labels[i]} ({counts[i]})" for i in range(k) if counts[i] < self.n_folds]
        if small:
            raise DataError(f"{segments.source or 'the assignments'}: too few respondents for {self.n_folds}-fold "
                            f"cross-validation in {', '.join(small)}; merge small segments or lower --folds")
        return y, seg_labels, counts

    def _store(self, survey: Survey, segments: Segments, pool: list[str], path: Any, chosen: int, fit: Any,
               means: np.ndarray, seg_labels: np.ndarray) -> None:
        """Set the fitted attributes (golden questions, classification functions, the accuracy curve)."""
        subset = list(path.sets[chosen - 1])
        golden = [pool[j] for j in subset]
        segs = [int(s) for s in seg_labels]
        names = segments.names
        acc = path.accuracy
        self.seed_ = self._seed
        self.items_ = golden
        self.segments_ = segs
        self.segment_names_ = {s: names[s] for s in segs if s in names}
        self.item_info_ = [_item_info(survey.questionnaire, iid, float(means[j]))
                           for iid, j in zip(golden, subset, strict=True)]
        self.coef_ = pd.DataFrame(np.vstack([fit.coef.T, fit.const[None, :]]), index=[*golden, "constant"],
                                  columns=pd.Index(segs, name="segment"))
        self.means_ = pd.DataFrame(fit.means, index=pd.Index(segs, name="segment"), columns=golden)
        self.covariance_ = pd.DataFrame(fit.covariance, index=golden, columns=golden)
        self.priors_ = pd.Series(fit.priors, index=pd.Index(segs, name="segment"), name="prior")
        self.max_missing_ = int(math.floor(float(self.max_missing) * len(golden)))
        self.accuracy_ = float(acc[chosen - 1])
        self.curve_ = pd.DataFrame({
            "item": [pool[j] for j in path.added],
            "items": [tuple(pool[j] for j in s) for s in path.sets],
            "accuracy": acc,
            "log_likelihood": path.loglik,
            "selected": [i + 1 == chosen for i in range(len(acc))],
        }, index=pd.Index(np.arange(1, len(acc) + 1), name="n_items"))
        self.id_name_ = survey.id_name
        self.created_ = datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")

    # ------------------------------------------------------------------------------ scoring
    def score_matrix(self, x: np.ndarray, *, max_missing: int | None = None) -> tuple[np.ndarray, ...]:
        """Score an answer matrix (golden questions in :attr:`items_` order; NaN = missing).

        Returns
        -------
        segment
            Segment number per row (0 for excluded rows).
        probability
            Posterior probability of that segment (NaN for excluded rows).
        n_imputed
            Answers replaced by the training mean.
        excluded
            Rows with more than ``max_missing`` (default :attr:`max_missing_`) imputed answers.
        scores
            Classification-function scores, shape (n, K).
        """
        self._check_fitted()
        x = np.asarray(x, dtype=float)
        limit = self.max_missing_ if max_missing is None else int(max_missing)
        miss = np.isnan(x)
        n_imp = miss.sum(axis=1)
        means = np.array([it.mean for it in self.item_info_])
        x = x.copy()
        np.copyto(x, np.broadcast_to(means, x.shape), where=miss)
        del miss
        coef = self.coef_.to_numpy()
        scores = x @ coef[:-1] + coef[-1]
        best = scores.argmax(axis=1)
        post = posterior_from_scores(scores.copy())
        prob = post[np.arange(len(x)), best]
        segs = np.asarray(self.segments_)[best]
        excluded = n_imp > limit
        segs = np.where(excluded, 0, segs)
        prob = np.where(excluded, np.nan, prob)
        return segs, prob, n_imp, excluded, scores

    def answers(self, data: Survey | pd.DataFrame, *, questionnaire: Questionnaire | None = None
                ) -> tuple[np.ndarray, pd.Series, pd.Series]:
        """The golden questions' answers of ``data`` as codes (NaN = missing), with per-item counts.

        ``data`` is a Survey or a DataFrame with a column per golden question (codes or answer labels).
        """
        self._check_fitted()
        frame = data.responses if isinstance(data, Survey) else data
        extra = _extra_labels(questionnaire) if questionnaire is not None else {}
        x = np.empty((len(frame), len(self.items_)))
        imputed, invalid = [], []
        folded = {str(c).casefold(): c for c in frame.columns}
        for j, it in enumerate(self.item_info_):
            col = _find_column(frame.columns, folded, it)
            if col is None:
                raise DataError(f"no column for golden question {it.id!r} in the data; the model needs "
                                f"{', '.join(self.items_)}")
            v = codes_from_values(frame[col], it, column=str(col), extra_labels=extra.get(it.id))
            x[:, j] = v.values
            imputed.append(v.n_blank + v.n_invalid)
            invalid.append(v.n_invalid)
        return x, pd.Series(imputed, index=self.items_, name="imputed"), pd.Series(invalid, index=self.items_,
                                                                                 name="invalid")

    def predict(self, data: Survey | pd.DataFrame, *, max_missing: int | None = None,
                questionnaire: Questionnaire | None = None) -> Segments:
        """Segments of new respondents or customers.

        Parameters
        ----------
        data
            A :class:`Survey` or a DataFrame (index = ids) with a column per golden question holding codes
            or answer labels.
        max_missing
            Most unanswered golden questions a row may have (default :attr:`max_missing_`).
        questionnaire
            Optional questionnaire whose option sets give more labels (another language).

        Returns
        -------
        Segments
            Id -> segment with the model's segment names, the ``probability`` of that segment and, in ``extra``,
            ``n_imputed`` (golden questions answered by the training mean). Rows with more than ``max_missing``
            golden questions unanswered get no segment; :meth:`score` gives every row (``.frame``: ``segment``
            missing for them) with the row accounting.
        """
        return self.score(data, max_missing=max_missing, questionnaire=questionnaire).to_segments()

    def predict_proba(self, data: Survey | pd.DataFrame) -> pd.DataFrame:
        """Posterior probability of every segment (rows x segments), missing answers imputed."""
        x, _, _ = self.answers(data)
        _, _, _, _, scores = self.score_matrix(x, max_missing=len(self.items_))
        frame = data.responses if isinstance(data, Survey) else data
        return pd.DataFrame(posterior_from_scores(scores), index=frame.index, columns=self.coef_.columns)

    def decision_function(self, data: Survey | pd.DataFrame) -> pd.DataFrame:
        """Classification-function scores :math:`f_k(x)` (rows x segments), missing answers imputed."""
        x, _, _ = self.answers(data)
        _, _, _, _, scores = self.score_matrix(x, max_missing=len(self.items_))
        frame = data.responses if isinstance(data, Survey) else data
        return pd.DataFrame(scores, index=frame.index, columns=self.coef_.columns)

    def score(self, data: Survey | pd.DataFrame, *, max_missing: int | None = None,
              questionnaire: Questionnaire | None = None) -> AssignResult:
        """:meth:`predict` with the row accounting: an :class:`AssignResult`, whose ``frame`` has every row
        (``segment``, nullable, missing when excluded; ``probability``; ``n_imputed``; ``segment_name``) and whose
        ``to_segments()`` is what :meth:`predict` returns."""
        x, imputed, invalid = self.answers(data, questionnaire=questionnaire)
        index = (data.responses if isinstance(data, Survey) else data).index
        return self._result(index, x, imputed, invalid, max_missing=max_missing)

    def _result(self, index: pd.Index, x: np.ndarray, imputed: pd.Series, invalid: pd.Series, *,
                max_missing: int | None, output: str | None = None, id_column: str | None = None) -> AssignResult:
        segs, prob, n_imp, excl, _ = self.score_matrix(x, max_missing=max_missing)
        limit = self.max_missing_ if max_missing is None else int(max_missing)
        frame = pd.DataFrame({"segment": pd.array(np.where(excl, 0, segs), dtype="Int64"),
                              "probability": prob, "n_imputed": n_imp.astype(np.int64)}, index=index)
        if excl.any():
            frame.loc[excl, "segment"] = pd.NA
        if self.segment_names_:
            names = pd.Series(self.segment_names_)
            frame["segment_name"] = frame["segment"].map(names).astype("str")
            frame.loc[excl, "segment_name"] = pd.NA
        n_ex = int(excl.sum())
        reasons = {f"more than {limit} of {len(self.items_)} golden questions unanswered": n_ex} if n_ex else {}
        return AssignResult(frame=frame, rows_in=len(frame), rows_assigned=len(frame) - n_ex, rows_excluded=n_ex,
                            excluded=reasons, imputed_by_item=imputed, invalid_by_item=invalid,
                            items=list(self.items_), accuracy=self.accuracy_, output=output, id_column=id_column,
                            names=dict(self.segment_names_))

    # ------------------------------------------------------------------------------ persistence
    def _model_body(self) -> dict[str, Any]:
        segs = [str(s) for s in self.segments_]
        return {
            "created": self.created_,
            "classifier": "linear discriminant analysis (Fisher's classification functions)",
            "respondent_id": self.id_name_,
            "items": [it.to_dict() for it in self.item_info_],
            "segments": [int(s) for s in self.segments_],
            "segment_names": {str(k): v for k, v in self.segment_names_.items()},
            "coefficients": {s: [float(v) for v in self.coef_[int(s)].to_numpy()[:-1]] for s in segs},
            "constants": {s: float(self.coef_[int(s)].iloc[-1]) for s in segs},
            "priors": {s: float(self.priors_[int(s)]) for s in segs},
            "means": {s: [float(v) for v in self.means_.loc[int(s)].to_numpy()] for s in segs},
            "covariance": self.covariance_.to_numpy().tolist(),
            "max_missing": self.max_missing_,
            "accuracy": self.accuracy_,
            "n_train": self.n_train_,
            "settings": {"max_items": int(self.max_items), "min_gain": float(self.min_gain),
                         "n_items": None if self.n_items is None else int(self.n_items),
                         "n_folds": int(self.n_folds), "seed": int(self.seed_),
                         "priors": self.priors if isinstance(self.priors, str) else [float(p) for p in self.priors],
                         "backward": bool(self.backward), "max_missing": float(self.max_missing),
                         "nested": bool(self.nested),
                         "candidates": self.items if self.items is None or isinstance(self.items, str)
                         else list(self.items)},
            "result": self.result_.to_dict(),
        }

    @classmethod
    def _from_model_body(cls, d: Mapping[str, Any], params: dict[str, Any]) -> TypingTool:
        s = d.get("settings", {})
        if params:
            tool = cls(**params)
        else:  # files written before the header was unified carry only the settings
            tool = cls(items=s.get("candidates"), max_items=int(s.get("max_items", 12)),
                       min_gain=float(s.get("min_gain", 0.002)), n_items=s.get("n_items"),
                       n_folds=int(s.get("n_folds", 5)), seed=int(s.get("seed", DEFAULT_SEED)),
                       priors=s.get("priors", "proportional"), backward=bool(s.get("backward", False)),
                       max_missing=float(s.get("max_missing", 0.5)), nested=bool(s.get("nested", False)))
        tool.seed_ = int(s.get("seed", tool._seed))
        tool.item_info_ = [ItemInfo.from_dict(it) for it in d["items"]]
        tool.items_ = [it.id for it in tool.item_info_]
        segs = [int(v) for v in d["segments"]]
        tool.segments_ = segs
        tool.segment_names_ = {int(k): str(v) for k, v in (d.get("segment_names") or {}).items()}
        coef = np.array([[*d["coefficients"][str(s)], d["constants"][str(s)]] for s in segs], dtype=float).T
        if coef.shape != (len(tool.items_) + 1, len(segs)):
            raise ValueError("coefficients do not match the items")
        tool.coef_ = pd.DataFrame(coef, index=[*tool.items_, "constant"], columns=pd.Index(segs, name="segment"))
        tool.means_ = pd.DataFrame([d["means"][str(s)] for s in segs], index=pd.Index(segs, name="segment"),
                                   columns=tool.items_)
        tool.covariance_ = pd.DataFrame(d["covariance"], index=tool.items_, columns=tool.items_)
        tool.priors_ = pd.Series([d["priors"][str(s)] for s in segs], index=pd.Index(segs, name="segment"),
                                 name="prior")
        tool.max_missing_ = int(d["max_missing"])
        tool.accuracy_ = float(d["accuracy"])
        tool.n_train_ = int(d.get("n_train", 0))
        tool.id_name_ = str(d.get("respondent_id") or "respondent_id")
        tool.created_ = str(d.get("created", ""))
        r = d.get("result") or {}
        curve = pd.DataFrame(r.get("curve") or [])
        if len(curve):
            curve = curve.set_index("n_items")
            curve["items"] = curve["items"].map(tuple)
        tool.curve_ = curve
        tool.result_ = _result_from_dict(r, tool) if r else None  # type: ignore[assignment]
        return tool

    # ------------------------------------------------------------------------------ exports
    def to_sql(self, table: str = "respondents", *, id_column: str | None = None, probability: bool = True) -> str:
        """A SQL query that scores a table exactly as :meth:`predict` does (see :func:`surveytools.typing_tool.exports.to_sql`)."""
        from .exports import to_sql

        self._check_fitted()
        return to_sql(self, table, id_column=id_column or self.id_name_, probability=probability)

    def to_excel(self, path: str | os.PathLike[str], *, inputs: Sequence[str | os.PathLike[str]] = (),
                 lang: str = "en") -> Path:
        """Write the Excel calculator in ``lang`` (see :func:`surveytools.typing_tool.exports.write_calculator`)."""
        from .exports import write_calculator

        self._check_fitted()
        return write_calculator(self, path, inputs=inputs, lang=lang)


def _result_from_dict(r: Mapping[str, Any], tool: TypingTool) -> TypingToolResult:
    segs = tool.segments_
    curve = tool.curve_
    conf = pd.DataFrame({int(p): {int(t): v for t, v in row.items()} for p, row in (r.get("confusion") or {}).items()})
    return TypingToolResult(
        items=list(r.get("items", tool.items_)), accuracy=float(r.get("accuracy", tool.accuracy_)), curve=curve,
        confusion=conf.T.reindex(index=segs, columns=segs) if len(conf) else conf,
        hit_rates=pd.Series({int(k): v for k, v in (r.get("hit_rates") or {}).items()}, name="hit_rate", dtype=float),
        coefficients=tool.coef_, priors=tool.priors_,
        sizes=pd.Series({int(k): v for k, v in (r.get("sizes") or {}).items()}, name="n", dtype=int),
        resubstitution_accuracy=float(r.get("resubstitution_accuracy", math.nan)),
        rows_in=int(r.get("rows_in", 0)), rows_used=int(r.get("rows_used", 0)),
        rows_excluded=int(r.get("rows_excluded", 0)), excluded=dict(r.get("excluded") or {}),
        candidates=list(r.get("candidates") or []), skipped=dict(r.get("skipped") or {}),
        n_folds=int(r.get("folds", tool.n_folds)), seed=int(r.get("seed", tool.seed)),
        priors_rule=str(r.get("priors_rule", "proportional")), max_missing=int(r.get("max_missing", tool.max_missing_)),
        imputed_answers=int(r.get("imputed_answers", 0)),
        nested_accuracy=None if r.get("nested_accuracy") is None else float(r["nested_accuracy"]),
    )


def load_typing_tool(path: str | os.PathLike[str]) -> TypingTool:
    """Read a typing-tool model file (same as :meth:`TypingTool.load`)."""
    return TypingTool.load(path)


def _extra_labels(q: Questionnaire) -> dict[str, dict[str, float]]:
    """Item id -> normalized label -> code (NaN for "no answer") from a questionnaire's option sets."""
    out: dict[str, dict[str, float]] = {}
    for iid in q.items:
        opts = q.option_set(iid)
        if opts is None:
            continue
        out[iid] = {k: (math.nan if v is None else float(v)) for k, v in opts.label_map().items()}
    return out


def _find_column(columns: Sequence[Any], folded: Mapping[str, Any], it: ItemInfo) -> Any:
    for name in (it.id, it.column):
        if name is None:
            continue
        if name in columns:
            return name
        if str(name).casefold() in folded:
            return folded[str(name).casefold()]
    return None


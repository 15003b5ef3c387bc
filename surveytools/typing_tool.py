"""The typing tool: a handful of golden questions that assign new respondents or customers to segments.

:class:`TypingTool` selects the golden questions by forward stepwise search on cross-validated accuracy
(stratified k-fold, seeded), fits a linear discriminant analysis on them and exposes Fisher's
classification functions (one column of coefficients per segment plus a constant: the layout research
agencies deliver). A fitted tool

- predicts segments of new data (:meth:`TypingTool.predict`, :func:`assign_file` for big files);
- saves to / loads from a JSON model (:meth:`TypingTool.save`, :meth:`TypingTool.load`);
- exports an Excel calculator (:meth:`TypingTool.to_excel`) and a SQL query (:meth:`TypingTool.to_sql`)
  that give exactly the segments :meth:`TypingTool.predict` gives.

Missing answers are replaced by the item's training mean and counted; a respondent with more than
``max_missing`` (default half) of the golden questions unanswered gets no segment and is reported as
excluded.

Examples
--------
>>> from surveytools.typing_tool import TypingTool            # doctest: +SKIP
>>> tool = TypingTool(max_items=12).fit(survey, assignments)   # doctest: +SKIP
>>> print(tool.result_.summary())                              # doctest: +SKIP
>>> tool.save("typing.json"); tool.to_excel("typing.xlsx")     # doctest: +SKIP
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import __version__
from ._modelfile import read_model_json
from ._threads import single_thread
from .assignments import Assignments, align_assignments
from .exceptions import DataError, InputFileError, NotFittedError, QuestionnaireError
from .questionnaire import Questionnaire
from .survey import Survey
from .typing.lda import CVEngine, fit_lda, posterior_from_scores, stepwise_select
from .typing.scoring import ItemInfo, code_key, codes_from_values, read_columns

__all__ = ["TypingTool", "TypingToolResult", "AssignResult", "assign_file", "load_typing_tool"]

MODEL_FORMAT = "surveytools.typing-tool"
MODEL_FORMAT_VERSION = 1
DEFAULT_SEED = 20240601
Progress = Callable[[str, int, int], None]


# ====================================================================================== results

@dataclass(frozen=True)
class TypingToolResult:
    """What the golden-question search found.

    Attributes
    ----------
    items
        The golden questions, in the order they entered.
    accuracy
        Cross-validated accuracy with these items (share of respondents put in their own segment,
        weighted when the survey is weighted).
    curve
        One row per number of items (index ``n_items``): ``item`` (the item entered at that step),
        ``items`` (the best set of that size), ``accuracy``, ``log_likelihood`` (mean log posterior of the
        true segment), ``selected``.
    confusion
        Cross-validated classification table of the selected items: true segment (rows) x predicted
        segment (columns), weighted counts.
    hit_rates
        Per segment, the cross-validated share classified correctly.
    coefficients
        Classification-function coefficients: rows are the items then ``constant`` (last), columns the
        segments.
    priors
        Prior probability of each segment.
    sizes
        Respondents per segment in the training data (unweighted).
    resubstitution_accuracy
        Accuracy on the training data itself (optimistic; for comparison with SPSS's "original" table).
    rows_in, rows_used, rows_excluded
        Respondents in the data, used to fit, and left out; ``excluded`` gives reason -> count.
    candidates
        Items the search could choose from; ``skipped`` gives items left out of the search with the reason.
    n_folds, seed, priors_rule, max_missing
        Settings used.
    imputed_answers
        Missing answers replaced by the item mean in the training data.
    nested_accuracy
        Accuracy of the whole procedure (item selection included) by nested cross-validation, when asked.
    """

    items: list[str]
    accuracy: float
    curve: pd.DataFrame
    confusion: pd.DataFrame
    hit_rates: pd.Series
    coefficients: pd.DataFrame
    priors: pd.Series
    sizes: pd.Series
    resubstitution_accuracy: float
    rows_in: int
    rows_used: int
    rows_excluded: int
    excluded: dict[str, int]
    candidates: list[str]
    skipped: dict[str, str]
    n_folds: int
    seed: int
    priors_rule: str
    max_missing: int
    imputed_answers: int = 0
    nested_accuracy: float | None = None

    def to_frame(self) -> pd.DataFrame:
        """The accuracy curve (n items -> item added, cross-validated accuracy, selected)."""
        return self.curve.copy()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready result; ``items`` and ``accuracy`` are the contract keys."""
        return {
            "items": list(self.items),
            "accuracy": float(self.accuracy),
            "n_items": len(self.items),
            "curve": [{"n_items": int(n), "item": r["item"], "items": list(r["items"]),
                       "accuracy": float(r["accuracy"]), "log_likelihood": float(r["log_likelihood"]),
                       "selected": bool(r["selected"])} for n, r in self.curve.iterrows()],
            "segments": [int(s) for s in self.coefficients.columns],
            "sizes": {str(k): int(v) for k, v in self.sizes.items()},
            "priors": {str(k): float(v) for k, v in self.priors.items()},
            "hit_rates": {str(k): float(v) for k, v in self.hit_rates.items()},
            "confusion": {str(t): {str(p): float(v) for p, v in row.items()}
                          for t, row in self.confusion.iterrows()},
            "coefficients": {str(s): {str(i): float(v) for i, v in self.coefficients[s].items()}
                             for s in self.coefficients.columns},
            "resubstitution_accuracy": float(self.resubstitution_accuracy),
            "nested_accuracy": None if self.nested_accuracy is None else float(self.nested_accuracy),
            "rows_in": self.rows_in, "rows_used": self.rows_used, "rows_excluded": self.rows_excluded,
            "excluded": dict(self.excluded),
            "imputed_answers": int(self.imputed_answers),
            "candidates": list(self.candidates), "skipped": dict(self.skipped),
            "folds": self.n_folds, "seed": self.seed, "priors_rule": self.priors_rule,
            "max_missing": self.max_missing,
        }

    def summary(self) -> str:
        """Text for the terminal: the accuracy curve, hit rates and row counts."""
        lines = [f"Typing tool: {len(self.items)} golden questions, {len(self.coefficients.columns)} segments, "
                 f"cross-validated accuracy {self.accuracy:.1%} ({self.n_folds}-fold, seed {self.seed})",
                 f"Respondents: {self.rows_in} in, {self.rows_used} used, {self.rows_excluded} excluded"
                 + (" (" + "; ".join(f"{r}: {c}" for r, c in self.excluded.items()) + ")" if self.excluded else "")]
        if self.nested_accuracy is not None:
            lines.append(f"Nested cross-validated accuracy (selection included): {self.nested_accuracy:.1%}")
        if self.imputed_answers:
            lines.append(f"Missing answers replaced by the item mean: {self.imputed_answers}")
        lines.append("")
        lines.append(" n  item added          CV accuracy")
        for n, r in self.curve.iterrows():
            mark = "  <- selected" if r["selected"] else ""
            lines.append(f"{int(n):>2}  {str(r['item'])[:18]:<18}  {r['accuracy']:>10.1%}{mark}")
        lines.append("")
        lines.append("Hit rate by segment: " + ", ".join(f"{k}: {v:.1%}" for k, v in self.hit_rates.items()))
        if self.skipped:
            lines.append("Items left out of the search: " + "; ".join(f"{k} ({v})" for k, v in self.skipped.items()))
        return "\n".join(lines)


@dataclass(frozen=True)
class AssignResult:
    """Segments of new respondents or customers.

    Attributes
    ----------
    frame
        Indexed by id: ``segment`` (nullable integer; missing for excluded rows), ``probability``
        (posterior of that segment), ``n_imputed`` (answers replaced by the item mean), and
        ``segment_name`` when the segments have names.
    rows_in, rows_assigned, rows_excluded
        ``rows_in == rows_assigned + rows_excluded``; ``excluded`` gives reason -> count.
    imputed_by_item, invalid_by_item
        Per golden question: answers replaced by the mean (blank, "no answer" or invalid), and among them
        the values that were not valid codes.
    items, accuracy
        The model's golden questions and cross-validated accuracy.
    """

    frame: pd.DataFrame
    rows_in: int
    rows_assigned: int
    rows_excluded: int
    excluded: dict[str, int]
    imputed_by_item: pd.Series
    invalid_by_item: pd.Series
    items: list[str]
    accuracy: float
    output: str | None = None
    id_column: str | None = None

    @property
    def sizes(self) -> pd.Series:
        """Assigned rows per segment."""
        seg = self.frame["segment"].dropna().astype(int)
        return seg.value_counts().sort_index()

    def to_frame(self) -> pd.DataFrame:
        """The assignments."""
        return self.frame.copy()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready counts (not the rows)."""
        d = {
            "items": list(self.items), "accuracy": float(self.accuracy),
            "rows_in": self.rows_in, "rows_assigned": self.rows_assigned, "rows_excluded": self.rows_excluded,
            "excluded": dict(self.excluded),
            "sizes": {str(k): int(v) for k, v in self.sizes.items()},
            "n_imputed": int(self.imputed_by_item.sum()),
            "imputed_by_item": {str(k): int(v) for k, v in self.imputed_by_item.items()},
            "invalid_by_item": {str(k): int(v) for k, v in self.invalid_by_item.items()},
        }
        if self.output is not None:
            d["output"] = self.output
        if self.id_column is not None:
            d["id_column"] = self.id_column
        return d

    def summary(self) -> str:
        """Text for the terminal."""
        lines = [f"Assigned {self.rows_assigned} of {self.rows_in} rows to segments"
                 + (f" (excluded {self.rows_excluded}: " + "; ".join(f"{r}: {c}" for r, c in self.excluded.items())
                    + ")" if self.rows_excluded else "")]
        sizes = self.sizes
        if len(sizes):
            lines.append("Segment sizes: " + ", ".join(f"{k}: {v}" for k, v in sizes.items()))
        n_imp = int(self.imputed_by_item.sum())
        if n_imp:
            lines.append(f"Missing answers replaced by the training mean: {n_imp} ("
                         + ", ".join(f"{k}: {v}" for k, v in self.imputed_by_item.items() if v) + ")")
        n_bad = int(self.invalid_by_item.sum())
        if n_bad:
            lines.append(f"  of which not valid answer codes: {n_bad} ("
                         + ", ".join(f"{k}: {v}" for k, v in self.invalid_by_item.items() if v) + ")")
        return "\n".join(lines)


# ====================================================================================== estimator

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


def _weighted_nanmean(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    ok = ~np.isnan(x)
    num = np.where(ok, x, 0.0).T @ w
    den = ok.T.astype(float) @ w
    with np.errstate(invalid="ignore", divide="ignore"):
        return num / den


class TypingTool:
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
    def _check_params(self) -> None:
        if not isinstance(self.max_items, (int, np.integer)) or self.max_items < 1:
            raise ValueError(f"max_items must be a whole number >= 1, not {self.max_items!r}")
        if self.n_items is not None and (not isinstance(self.n_items, (int, np.integer)) or self.n_items < 1):
            raise ValueError(f"n_items must be a whole number >= 1, not {self.n_items!r}")
        if not isinstance(self.n_folds, (int, np.integer)) or self.n_folds < 2:
            raise ValueError(f"n_folds must be a whole number >= 2, not {self.n_folds!r}")
        if not 0 <= float(self.min_gain) < 1:
            raise ValueError(f"min_gain must be in [0, 1), not {self.min_gain!r}")
        if not 0 <= float(self.max_missing) < 1:
            raise ValueError(f"max_missing must be a share in [0, 1), not {self.max_missing!r}")

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
                                                   random_state=self.seed_ + 1 + i).split(np.zeros(len(yt)), yt)]
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

    def fit(self, survey: Survey, segments: Assignments | pd.Series) -> TypingTool:
        """Select the golden questions and fit the classifier.

        Parameters
        ----------
        survey
            The survey the segments were made from.
        segments
            :class:`~surveytools.assignments.Assignments` (from :func:`~surveytools.assignments.read_assignments`)
            or a Series respondent id -> segment number.

        Returns
        -------
        TypingTool
            ``self``, fitted.

        Raises
        ------
        DataError
            Assignments naming respondents that are not in the survey, fewer than two segments, a segment
            smaller than the number of folds, no usable respondents.
        QuestionnaireError
            Unknown items; ScaleError: items missing from the data.
        EstimationError
            No subset of the items can be fitted (all constant within segments or collinear).
        """
        with single_thread():
            return self._fit(survey, segments)

    def _fit(self, survey: Survey, segments: Assignments | pd.Series) -> TypingTool:
        self._check_params()
        self.seed_ = DEFAULT_SEED if self.seed is None else int(self.seed)
        if isinstance(segments, pd.Series):
            seg = pd.to_numeric(segments, errors="coerce")
            if seg.isna().any() or (seg < 1).any() or (seg != np.floor(seg)).any():
                raise DataError("segments must be whole numbers >= 1 for every respondent listed")
            segments = Assignments(segment=pd.Series(seg.astype(int).to_numpy(),
                                                     index=pd.Index(segments.index.astype(str), name="respondent_id"),
                                                     name="segment"),
                                   extra=pd.DataFrame(index=segments.index.astype(str)))
        q = survey.questionnaire
        kept, seg_series, unassigned = align_assignments(survey, segments)
        rows_in = survey.n
        excluded: dict[str, int] = {}
        if len(unassigned):
            excluded["no segment in the assignments"] = int(len(unassigned))

        pool = q.resolve(self.items)
        if not pool:
            raise QuestionnaireError(f"{q.path or 'the questionnaire'} has no Likert items to choose golden questions "
                                     "from; name the candidate items with --items")
        bad = [i for i in pool if q.items[i].type not in ("likert", "numeric", "nps")]
        if bad:
            raise QuestionnaireError(f"item(s) {', '.join(bad)} are {', '.join(sorted({q.items[i].type for i in bad}))}"
                                     " items; golden questions are Likert, numeric or NPS items")
        x_all = np.array(kept.item_frame(pool).to_numpy(dtype=float), copy=True)
        for j, iid in enumerate(pool):
            # as at scoring: "no answer" codes and values that are not valid codes count as missing
            opts = q.option_set(iid)
            if opts is not None and opts.valid_codes:
                col = x_all[:, j]
                col[~np.isin(col, np.asarray(opts.valid_codes, dtype=float))] = np.nan
            else:
                x_all[~np.isfinite(x_all[:, j]), j] = np.nan

        limit = int(math.floor(float(self.max_missing) * len(pool)))
        n_missing = np.isnan(x_all).sum(axis=1)
        too_many = n_missing > limit
        w_all = kept.weight_array()
        bad_w = np.zeros(len(x_all), dtype=bool) if w_all is None else ~(np.isfinite(w_all) & (w_all > 0))
        if too_many.any():
            excluded[f"more than {limit} of {len(pool)} candidate items unanswered"] = int(too_many.sum())
        if (bad_w & ~too_many).any():
            excluded["missing or non-positive weight"] = int((bad_w & ~too_many).sum())
        used = ~too_many & ~bad_w
        if not used.any():
            raise DataError(f"{survey.source.describe()}: no respondent with a segment has enough answers to the "
                            "candidate items to fit a typing tool")
        x = x_all[used]
        w = None if w_all is None else w_all[used]
        wn = np.ones(len(x)) if w is None else w * (len(x) / w.sum())
        labels = seg_series.to_numpy()[used].astype(int)
        seg_labels = np.unique(labels)
        if len(seg_labels) < 2:
            raise DataError(f"{segments.path or 'the assignments'}: only one segment among the usable respondents; "
                            "a typing tool needs at least two segments")
        y = np.searchsorted(seg_labels, labels)
        k = len(seg_labels)
        counts = np.bincount(y, minlength=k)
        small = [f"segment {seg_labels[i]} ({counts[i]})" for i in range(k) if counts[i] < self.n_folds]
        if small:
            raise DataError(f"{segments.path or 'the assignments'}: too few respondents for {self.n_folds}-fold "
                            f"cross-validation in {', '.join(small)}; merge small segments or lower --folds")

        # candidates: impute training means; skip items with no answers or no variance
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
        imputed_answers = int(np.isnan(x).sum())
        x_imp = np.where(np.isnan(x), means, x)

        from sklearn.model_selection import StratifiedKFold

        folds = [test for _, test in StratifiedKFold(n_splits=self.n_folds, shuffle=True,
                                                     random_state=self.seed_).split(np.zeros(len(y)), y)]
        try:
            engine = CVEngine(x_imp, y, k, folds, weights=w, priors=self.priors)
        except ValueError as exc:
            raise DataError(str(exc)) from None
        max_items = min(self.max_items, len(eligible))
        if self.n_items is not None:
            max_items = min(max(max_items, self.n_items), len(eligible))
        path = stepwise_select(engine, max_items, floating=self.backward, eligible=eligible, progress=self.progress)
        acc = path.accuracy
        chosen = self._choose(acc)
        subset = list(path.sets[chosen - 1])
        nested = None
        if self.nested:
            nested = self._nested_accuracy(x_imp, y, k, w, wn, folds, eligible, max_items, seg_labels)
        golden = [pool[j] for j in subset]

        fit = fit_lda(x_imp[:, subset], y, k, weights=w, priors=self.priors)
        cv_pred = engine.predictions(subset)
        confusion = np.zeros((k, k))
        np.add.at(confusion, (y, cv_pred), wn)
        hit = np.diag(confusion) / confusion.sum(axis=1)
        resub = (x_imp[:, subset] @ fit.coef.T + fit.const).argmax(axis=1)
        resub_acc = float(((resub == y) * wn).sum() / wn.sum())

        segs = [int(s) for s in seg_labels]
        names = segments.names
        self.items_ = golden
        self.segments_ = segs
        self.segment_names_ = {s: names[s] for s in segs if s in names}
        self.item_info_ = [_item_info(q, iid, float(means[j])) for iid, j in zip(golden, subset, strict=True)]
        self.coef_ = pd.DataFrame(np.vstack([fit.coef.T, fit.const[None, :]]), index=[*golden, "constant"],
                                  columns=pd.Index(segs, name="segment"))
        self.means_ = pd.DataFrame(fit.means, index=pd.Index(segs, name="segment"), columns=golden)
        self.covariance_ = pd.DataFrame(fit.covariance, index=golden, columns=golden)
        self.priors_ = pd.Series(fit.priors, index=pd.Index(segs, name="segment"), name="prior")
        self.max_missing_ = int(math.floor(float(self.max_missing) * len(golden)))
        self.accuracy_ = float(acc[chosen - 1])
        curve = pd.DataFrame({
            "item": [pool[j] for j in path.added],
            "items": [tuple(pool[j] for j in s) for s in path.sets],
            "accuracy": acc,
            "log_likelihood": path.loglik,
            "selected": [i + 1 == chosen for i in range(len(acc))],
        }, index=pd.Index(np.arange(1, len(acc) + 1), name="n_items"))
        self.curve_ = curve
        self.id_name_ = survey.id_name
        self.n_train_ = int(used.sum())
        self.created_ = datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
        priors_rule = self.priors if isinstance(self.priors, str) else "given"
        self.result_ = TypingToolResult(
            items=golden, accuracy=self.accuracy_, curve=curve,
            confusion=pd.DataFrame(confusion, index=pd.Index(segs, name="true"), columns=pd.Index(segs, name="predicted")),
            hit_rates=pd.Series(hit, index=pd.Index(segs, name="segment"), name="hit_rate"),
            coefficients=self.coef_, priors=self.priors_,
            sizes=pd.Series(counts, index=pd.Index(segs, name="segment"), name="n"),
            resubstitution_accuracy=resub_acc, rows_in=rows_in, rows_used=int(used.sum()),
            rows_excluded=rows_in - int(used.sum()), excluded=excluded, candidates=list(pool), skipped=skipped,
            n_folds=self.n_folds, seed=self.seed_, priors_rule=priors_rule, max_missing=self.max_missing_,
            imputed_answers=imputed_answers, nested_accuracy=nested,
        )
        return self

    # ------------------------------------------------------------------------------ scoring
    def _check_fitted(self) -> None:
        if not hasattr(self, "coef_"):
            raise NotFittedError("this TypingTool is not fitted; call fit(survey, assignments) or TypingTool.load(path)")

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
                questionnaire: Questionnaire | None = None) -> pd.DataFrame:
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
        pandas.DataFrame
            Same index: ``segment`` (nullable Int64, missing when excluded), ``probability``, ``n_imputed``
            (+ ``segment_name`` when the segments have names).
        """
        return self.score(data, max_missing=max_missing, questionnaire=questionnaire).frame

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
        """:meth:`predict` with the row accounting (an :class:`AssignResult`)."""
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
                            items=list(self.items_), accuracy=self.accuracy_, output=output, id_column=id_column)

    # ------------------------------------------------------------------------------ persistence
    def to_model_dict(self) -> dict[str, Any]:
        """The fitted model as plain JSON data (what :meth:`save` writes)."""
        self._check_fitted()
        segs = [str(s) for s in self.segments_]
        return {
            "format": MODEL_FORMAT, "format_version": MODEL_FORMAT_VERSION,
            "surveytools_version": __version__, "created": self.created_,
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

    def save(self, path: str | os.PathLike[str], *, inputs: Sequence[str | os.PathLike[str]] = ()) -> Path:
        """Write the model as JSON (atomically; never over one of ``inputs``)."""
        from .io.atomic import atomic_write

        p = Path(path)
        text = json.dumps(self.to_model_dict(), indent=1, ensure_ascii=False, allow_nan=False)
        with atomic_write(p, inputs) as tmp:
            tmp.write_text(text + "\n", encoding="utf-8")
        return p

    @classmethod
    def from_model_dict(cls, d: Mapping[str, Any], *, source: str = "the model") -> TypingTool:
        """Rebuild a fitted tool from :meth:`to_model_dict` data."""
        if not isinstance(d, Mapping) or d.get("format") != MODEL_FORMAT:
            raise InputFileError(f"{source} is not a surveytools typing-tool model; make one with "
                                 "'surveytools typing-tool DATA -q Q --segments ASSIGNMENTS -o MODEL.json'")
        if int(d.get("format_version", 0)) > MODEL_FORMAT_VERSION:
            raise InputFileError(f"{source} was written by a newer surveytools (model format "
                                 f"{d.get('format_version')}); upgrade surveytools")
        try:
            s = d.get("settings", {})
            tool = cls(items=s.get("candidates"), max_items=int(s.get("max_items", 12)),
                       min_gain=float(s.get("min_gain", 0.002)), n_items=s.get("n_items"),
                       n_folds=int(s.get("n_folds", 5)), seed=int(s.get("seed", DEFAULT_SEED)),
                       priors=s.get("priors", "proportional"), backward=bool(s.get("backward", False)),
                       max_missing=float(s.get("max_missing", 0.5)), nested=bool(s.get("nested", False)))
            tool.seed_ = int(tool.seed) if tool.seed is not None else DEFAULT_SEED
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
        except (KeyError, TypeError, ValueError) as exc:
            raise InputFileError(f"{source} is a damaged typing-tool model ({type(exc).__name__}: {exc}); "
                                 "write it again with 'surveytools typing-tool'") from None
        return tool

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> TypingTool:
        """Read a model written by :meth:`save`.

        Raises
        ------
        InputFileError
            Missing file, not JSON, not a typing-tool model, or damaged.
        """
        p = Path(path)
        d = read_model_json(p, what="a typing-tool model",
                            hint=f"write one with 'surveytools typing-tool ... -o {p.name}'")
        return cls.from_model_dict(d, source=str(p))

    # ------------------------------------------------------------------------------ exports
    def to_sql(self, table: str = "respondents", *, id_column: str | None = None, probability: bool = True) -> str:
        """A SQL query that scores a table exactly as :meth:`predict` does (see :func:`surveytools.typing.exports.to_sql`)."""
        from .typing.exports import to_sql

        self._check_fitted()
        return to_sql(self, table, id_column=id_column or self.id_name_, probability=probability)

    def to_excel(self, path: str | os.PathLike[str], *, inputs: Sequence[str | os.PathLike[str]] = (),
                 lang: str = "en") -> Path:
        """Write the Excel calculator in ``lang`` (see :func:`surveytools.typing.exports.write_calculator`)."""
        from .typing.exports import write_calculator

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


# ====================================================================================== big files

def assign_file(data: str | os.PathLike[str], model: TypingTool | str | os.PathLike[str],
                output: str | os.PathLike[str] | None = None, *, id_column: str | None = None,
                questionnaire: Questionnaire | None = None, sheet: str | int | None = None,
                max_missing: int | None = None, excluded_output: str | os.PathLike[str] | None = None
                ) -> AssignResult:
    """Score a file of respondents or customers and write their segments.

    Reads only the id and golden-question columns (pyarrow: multi-threaded CSV, Parquet; or a
    workbook), maps answer labels to codes, imputes missing answers with the training means and scores
    every row with one matrix product. A million rows take a few seconds.

    Parameters
    ----------
    data
        .csv/.tsv/.txt, .parquet, .xlsx/.xls file with one column per golden question (the item id, or its
        export column) holding codes or answer labels.
    model
        A fitted :class:`TypingTool` or the path of its JSON model.
    output
        Where to write the assigned rows (.csv, .parquet or .xlsx): the id column, ``segment``,
        ``probability``, ``n_imputed`` (+ ``segment_name``). The id column is ``respondent_id`` (the
        assignments-file convention read by ``profile`` and ``crm``) unless ``id_column`` is given.
    id_column
        Name of the id column in ``data`` (default: the questionnaire's or the model's respondent id
        column, else ``respondent_id``, ``id``, ``customer_id``; row numbers when none is present).
    questionnaire
        Optional: more answer labels (its option sets and aliases) and the id column name.
    sheet
        Worksheet of a workbook.
    max_missing
        Most unanswered golden questions a row may have (default: the model's).
    excluded_output
        Optional file for the excluded rows (id, ``reason``, ``n_missing``).

    Returns
    -------
    AssignResult
        With ``rows_in == rows_assigned + rows_excluded``.

    Raises
    ------
    InputFileError
        Unreadable data or model, or an output that would overwrite an input.
    DataError
        Golden-question columns missing from the data, an id column given but absent, duplicate ids,
        answer text that is neither a code nor a known label.
    """
    tool = model if isinstance(model, TypingTool) else TypingTool.load(model)
    tool._check_fitted()
    data_p = Path(data)
    model_inputs = [] if isinstance(model, TypingTool) else [str(model)]
    if output is not None:
        from .io.atomic import check_output_path

        check_output_path(output, [str(data_p), *model_inputs])
        if Path(output).suffix.lower() not in (".csv", ".parquet", ".xlsx"):
            raise InputFileError(f"cannot write {output}: use a .csv, .parquet or .xlsx file name")
    names_of = {it.id: [n for n in dict.fromkeys([
        it.id, it.column,
        questionnaire.items[it.id].column if questionnaire is not None and it.id in questionnaire.items else None,
    ]) if n] for it in tool.item_info_}
    wanted = list(dict.fromkeys(n for names in names_of.values() for n in names))
    if id_column:
        candidates = [id_column]
    else:
        candidates = [c for c in (questionnaire.respondent_id if questionnaire else None, tool.id_name_,
                                  "respondent_id", "id", "customer_id") if c]
    cols, id_found, n = read_columns(data_p, wanted, id_candidates=candidates, sheet=sheet)
    found = {iid: next((nm for nm in names if nm in cols), None) for iid, names in names_of.items()}
    missing = [iid for iid, nm in found.items() if nm is None]
    if missing and questionnaire is not None:
        # not a table of golden-question columns: read it as a survey export with the questionnaire
        from .io import load_survey

        survey = load_survey(data_p, questionnaire, sheet=sheet)
        x, imputed_s, invalid_s = tool.answers(survey, questionnaire=questionnaire)
        ids = survey.ids.astype(str)
        ids.name = survey.id_name
        imputed, invalid, id_found = list(imputed_s), list(invalid_s), survey.id_name
    elif missing:
        raise DataError(f"{data_p}: no column for golden question(s) {', '.join(missing)}; the model needs a column "
                        f"per golden question ({', '.join(tool.items_)}), named by the item id (or pass -q with "
                        "the questionnaire to read a survey export)")
    else:
        if id_column and id_found is None:
            raise DataError(f"{data_p}: no id column {id_column!r}; check --id (the file's columns are read from "
                            "its header row)")
        extra = _extra_labels(questionnaire) if questionnaire is not None else {}
        x = np.empty((n, len(tool.items_)))
        imputed, invalid = [], []
        for j, it in enumerate(tool.item_info_):
            name = found[it.id]
            v = codes_from_values(cols[name], it, column=str(name), extra_labels=extra.get(it.id))
            x[:, j] = v.values
            imputed.append(v.n_blank + v.n_invalid)
            invalid.append(v.n_invalid)
        if id_found is not None:
            ids = pd.Index(cols[id_found].to_pandas(), dtype="str", name=id_found)
            if ids.hasnans:
                first = int(np.flatnonzero(ids.isna())[0]) + 2
                raise DataError(f"{data_p}, row {first}: empty id in column {id_found!r}; every row needs an id")
            if not ids.is_unique:
                dup = ids[ids.duplicated()].unique()[:5]
                raise DataError(f"{data_p}: ids in column {id_found!r} are not unique ({', '.join(map(str, dup))}); "
                                "keep one row per respondent or customer")
        else:
            ids = pd.Index(np.arange(1, n + 1).astype(str), name="row")
    out_id = id_column or "respondent_id"
    result = tool._result(ids, x, pd.Series(imputed, index=tool.items_, name="imputed"),
                          pd.Series(invalid, index=tool.items_, name="invalid"), max_missing=max_missing,
                          output=None if output is None else str(output), id_column=id_found)
    if output is not None:
        _write_assignments(result.frame, Path(output), out_id, inputs=[str(data_p), *model_inputs])
    if excluded_output is not None and result.rows_excluded:
        ex = result.frame[result.frame["segment"].isna()]
        reason = next(iter(result.excluded))
        frame = pd.DataFrame({"reason": reason, "n_missing": ex["n_imputed"].to_numpy()}, index=ex.index)
        _write_assignments(frame, Path(excluded_output), out_id, inputs=[str(data_p), *model_inputs])
    return result


def _write_assignments(frame: pd.DataFrame, path: Path, id_name: str, *, inputs: Sequence[str]) -> None:
    import pyarrow as pa

    from .io.atomic import atomic_write

    assigned = frame[frame["segment"].notna()] if "segment" in frame else frame
    index = assigned.index if pd.api.types.is_string_dtype(assigned.index.dtype) else assigned.index.astype(str)
    try:
        ids = pa.array(index.array, type=pa.string())  # zero-copy for pyarrow-backed strings
    except (pa.ArrowException, TypeError):
        ids = pa.array(index.astype(str).to_numpy(dtype=object), type=pa.string())
    cols: dict[str, Any] = {id_name: ids}
    for c in assigned.columns:
        s = assigned[c]
        if c == "segment":
            cols[c] = pa.array(s.to_numpy(dtype=np.int64))
        elif c == "n_imputed" or c == "n_missing":
            cols[c] = pa.array(s.to_numpy(dtype=np.int64))
        elif c == "probability":
            cols[c] = pa.array(s.to_numpy(dtype=float))
        else:
            cols[c] = pa.array(s.astype(object).where(s.notna(), None).to_numpy(), type=pa.string())
    table = pa.table(cols)
    suffix = path.suffix.lower()
    with atomic_write(path, inputs) as tmp:
        if suffix == ".parquet":
            import pyarrow.parquet as pq

            pq.write_table(table, tmp)
        elif suffix == ".xlsx":
            if table.num_rows > 1_048_575:
                raise InputFileError(f"cannot write {path}: {table.num_rows} rows exceed Excel's limit; use .csv "
                                     "or .parquet")
            from .report.xlsx_safe import write_frame_xlsx

            write_frame_xlsx(table.to_pandas(), tmp, sheet="segments")
        else:
            import pyarrow.csv as pcsv

            pcsv.write_csv(table, tmp)


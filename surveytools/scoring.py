"""Per-respondent scale scores: the mean of a scale's reverse-scored items.

A respondent's score on a scale is the mean of the items they answered, after reverse-keyed items are
reversed with ``x' = min + max - x`` (min and max of the item's option set). A respondent who answered
fewer than ``min_answered`` of a scale's items gets no score (NaN) on that scale; this is the usual
"prorated mean" rule of scoring manuals. ``impute="median"`` or ``"mean"`` reproduces psych
``scoreItems(..., impute="median"|"mean")``: missing answers of scored respondents are replaced by the item's
median or mean before averaging. ``impute="none"`` (the default) equals ``scoreItems(impute="none")``, the
mean of the answered items.

Examples
--------
>>> from surveytools.scoring import score_scales
>>> result = score_scales(survey, min_answered=0.6)          # doctest: +SKIP
>>> result.scores.head()                                       # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .exceptions import DataError, ScaleError
from .survey import Survey

__all__ = ["IMPUTE_METHODS", "ScaleScores", "score_scales", "weighted_quantile"]

#: Ways to fill a scored respondent's unanswered items before averaging.
IMPUTE_METHODS: tuple[str, ...] = ("none", "median", "mean")


def weighted_quantile(values: np.ndarray, q: float, weights: np.ndarray | None = None) -> np.ndarray:
    """Column-wise quantile of a 2-D array ignoring NaN, optionally weighted.

    Parameters
    ----------
    values
        ``n x p`` array with NaN for missing.
    q
        Quantile in [0, 1] (0.5: the median).
    weights
        Optional length-``n`` non-negative weights. Unweighted, this is ``np.nanquantile`` (R type 7);
        weighted, the smallest value whose cumulative weight share reaches ``q`` (averaging the two
        neighbours when it hits ``q`` exactly, so equal weights give the ordinary median).

    Returns
    -------
    numpy.ndarray
        Length-``p`` quantiles (NaN for an all-missing column).
    """
    x = np.asarray(values, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    if weights is None:
        out = np.full(x.shape[1], np.nan)
        ok = ~np.all(np.isnan(x), axis=0)
        if ok.any():
            out[ok] = np.nanquantile(x[:, ok], q, axis=0)
        return out
    w = np.asarray(weights, dtype=float)
    order = np.argsort(x, axis=0, kind="stable")  # NaN sorts last
    xs = np.take_along_axis(x, order, axis=0)
    ws = np.where(np.isnan(xs), 0.0, w[order])
    cw = np.cumsum(ws, axis=0)
    total = cw[-1]
    out = np.full(x.shape[1], np.nan)
    for j in np.flatnonzero(total > 0):  # one searchsorted per column (p, not n, iterations)
        target = q * total[j]
        k = int(np.searchsorted(cw[:, j], target - 1e-12 * total[j], side="left"))
        k = min(k, int(np.sum(~np.isnan(xs[:, j]))) - 1)
        val = xs[k, j]
        if abs(cw[k, j] - target) <= 1e-12 * total[j] and k + 1 < len(xs) and not np.isnan(xs[k + 1, j]):
            val = 0.5 * (val + xs[k + 1, j])
        out[j] = val
    return out


@dataclass(frozen=True)
class ScaleScores:
    """Per-respondent scale scores and what went into them.

    Attributes
    ----------
    scores
        Index = respondent ids, columns = scale names; the mean of the answered reverse-scored items, NaN
        when the respondent answered fewer than ``min_answered`` of the scale's items.
    n_answered
        Same shape: number of the scale's items each respondent answered.
    n_items
        Scale name -> number of items.
    reversed
        Scale name -> reverse-keyed item ids (in scale order).
    min_answered
        Minimum share of a scale's items a respondent must answer to be scored.
    impute
        ``"none"``, ``"median"`` or ``"mean"``.
    weighted
        Whether survey weights entered the imputed values and the summary statistics.
    rows_in
        Respondents in the survey.
    rows_out
        Respondents with a score on at least one scale.
    excluded
        Scale name -> respondents without a score on it (too few items answered).
    stats
        Per scale: ``n_items``, ``n_scored``, ``n_excluded``, ``mean``, ``sd``, ``min``, ``max`` of the scores
        (weighted when ``weighted``).
    """

    scores: pd.DataFrame
    n_answered: pd.DataFrame
    n_items: pd.Series
    reversed: dict[str, tuple[str, ...]]
    min_answered: float
    impute: str
    weighted: bool
    rows_in: int
    rows_out: int
    excluded: pd.Series
    stats: pd.DataFrame = field(repr=False)

    @property
    def rows_excluded(self) -> int:
        """Respondents with no score on any scale."""
        return self.rows_in - self.rows_out

    def to_frame(self) -> pd.DataFrame:
        """The scores (respondents x scales)."""
        return self.scores.copy()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary: row counts, settings and per-scale statistics (not the per-respondent scores)."""
        scales = {}
        for name in self.scores.columns:
            row = self.stats.loc[name]
            scales[str(name)] = {
                "n_items": int(row["n_items"]),
                "n_scored": int(row["n_scored"]),
                "n_excluded": int(row["n_excluded"]),
                "reversed": list(self.reversed[name]),
                "mean": float(row["mean"]),
                "sd": float(row["sd"]),
                "min": float(row["min"]),
                "max": float(row["max"]),
            }
        return {
            "rows_in": self.rows_in,
            "rows_out": self.rows_out,
            "rows_excluded": self.rows_excluded,
            "min_answered": self.min_answered,
            "impute": self.impute,
            "weighted": self.weighted,
            "scales": scales,
        }

    def to_output_frame(self, *, counts: bool = False, id_name: str = "respondent_id") -> pd.DataFrame:
        """The scores as a flat table: the respondent id column, one column per scale (and ``<scale>_n``, the
        number of items answered, with ``counts``)."""
        frame = self.scores.copy()
        if counts:
            for name in self.scores.columns:
                frame[f"{name}_n"] = self.n_answered[name].astype(int)
        frame.index.name = id_name
        return frame.reset_index()

    def write(self, path: str | os.PathLike[str], *, inputs: Sequence[str | os.PathLike[str]] = (),
              counts: bool = False, id_name: str = "respondent_id") -> Path:
        """Write the scores atomically to ``.csv``, ``.parquet`` or ``.xlsx`` (never over an input).

        Raises
        ------
        InputFileError
            Another extension, a missing folder, or ``path`` is one of ``inputs``.
        """
        from .io.tables import write_table

        frame = self.to_output_frame(counts=counts, id_name=id_name)
        return write_table(frame, path, inputs=inputs, sheet="scores", what="scores")

    def summary(self, lang: str = "en") -> str:
        """The scoring rule, respondents scored and each scale's statistics (a Summary document rendered by the
        one text renderer)."""
        from .summary.sections import summary_text

        return summary_text("scores", self, lang=lang)


def _weighted_stats(x: np.ndarray, w: np.ndarray | None) -> tuple[float, float]:
    ok = ~np.isnan(x)
    if not ok.any():
        return float("nan"), float("nan")
    if w is None:
        v = x[ok]
        return float(v.mean()), float(v.std(ddof=1)) if v.size > 1 else float("nan")
    ww = w[ok] / w[ok].sum()
    v = x[ok]
    mean = float(ww @ v)
    denom = 1.0 - float(ww @ ww)  # reliability-weights unbiased variance, as R cov.wt(method="unbiased")
    sd = float(np.sqrt((ww @ (v - mean) ** 2) / denom)) if denom > 0 else float("nan")
    return mean, sd


def score_scales(
    survey: Survey,
    scales: Sequence[str] | str | None = None,
    *,
    min_answered: float = 0.5,
    impute: str = "none",
    weights: np.ndarray | pd.Series | bool | None = None,
) -> ScaleScores:
    """Score every respondent on each scale: the mean of the reverse-scored items answered.

    ``score = sum_j x'_j / k_answered`` over the items the respondent answered, where reverse-keyed items are
    ``x' = min + max - x`` (option-set min and max); NaN when ``k_answered / k < min_answered`` or nothing
    was answered. With ``impute="median"`` / ``"mean"`` the unanswered items of a scored respondent take the
    item's (weighted) median / mean over respondents first, as psych ``scoreItems(impute=...)``.

    Parameters
    ----------
    survey
        The survey.
    scales
        Scale names (a list or a comma-separated string); default every scale of the questionnaire.
    min_answered
        Minimum share (0..1) of a scale's items answered to be scored. 0 scores anyone with one answer;
        1 requires every item.
    impute
        ``"none"`` (mean of answered items), ``"median"`` or ``"mean"``.
    weights
        ``None`` uses the survey weights when the questionnaire sets a weight column; ``False`` ignores
        them; an array gives weights per respondent. Weights enter only the imputed item values and the
        summary statistics, never a respondent's own score.

    Returns
    -------
    ScaleScores

    Raises
    ------
    ScaleError
        An unknown scale, or a questionnaire without scales.
    DataError
        Non-numeric item columns, bad ``min_answered``/``impute``/``weights``.

    References
    ----------
    Revelle, W. psych: ``scoreItems``. https://CRAN.R-project.org/package=psych
    """
    q = survey.questionnaire
    if not q.scales:
        raise ScaleError(f"{q.path or 'the questionnaire'} defines no scales; add a 'scales:' section "
                         "(name: [item, -reversed_item, ...])")
    if scales is None or (isinstance(scales, str) and not scales.strip()) or (not isinstance(scales, str)
                                                                              and len(scales) == 0):
        names = list(q.scales)
    else:
        parts = scales.split(",") if isinstance(scales, str) else list(scales)
        names = [str(s).strip() for s in parts if str(s).strip()]
        unknown = [s for s in names if s not in q.scales]
        if unknown:
            raise ScaleError(f"unknown scale{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}; "
                             f"the questionnaire defines: {', '.join(q.scales)}")
        names = list(dict.fromkeys(names))
    if isinstance(min_answered, bool) or not isinstance(min_answered, (int, float)) or not 0 <= min_answered <= 1:
        raise DataError(f"min_answered must be a share from 0 to 1, not {min_answered!r}")
    if impute not in IMPUTE_METHODS:
        raise DataError(f"impute must be one of {', '.join(IMPUTE_METHODS)}, not {impute!r}")
    w = _resolve_weights(survey, weights)

    n = survey.n
    score_cols: dict[str, np.ndarray] = {}
    count_cols: dict[str, np.ndarray] = {}
    n_items: dict[str, int] = {}
    rev: dict[str, tuple[str, ...]] = {}
    for name in names:
        scale = q.scales[name]
        x = survey.scale_frame(name).to_numpy(dtype=float)
        k = x.shape[1]
        answered = ~np.isnan(x)
        cnt = answered.sum(axis=1)
        need = max(1, int(np.ceil(min_answered * k - 1e-9)))
        keep = cnt >= need
        if impute == "none":
            sums = np.where(answered, x, 0.0).sum(axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                s = sums / cnt
        else:
            if impute == "median":
                fill = weighted_quantile(x, 0.5, w)
            else:
                if w is None:
                    with np.errstate(invalid="ignore"):
                        fill = np.nanmean(x, axis=0) if answered.any() else np.full(k, np.nan)
                else:
                    ww = np.where(answered, w[:, None], 0.0)
                    with np.errstate(invalid="ignore", divide="ignore"):
                        fill = np.where(answered, x, 0.0).T @ w / ww.sum(axis=0)
            xi = np.where(answered, x, fill[None, :])
            s = xi.mean(axis=1)
        s = np.where(keep, s, np.nan)
        score_cols[name] = s
        count_cols[name] = cnt
        n_items[name] = k
        rev[name] = tuple(i for i in scale.items if i in scale.reversed)

    scores = pd.DataFrame(score_cols, index=survey.ids, columns=names)
    counts = pd.DataFrame(count_cols, index=survey.ids, columns=names)
    scored = scores.notna()
    rows_out = int(scored.any(axis=1).sum()) if names else 0
    excluded = (~scored).sum(axis=0).astype(int)
    stat_rows = {}
    for name in names:
        col = scores[name].to_numpy()
        mean, sd = _weighted_stats(col, w)
        ok = ~np.isnan(col)
        stat_rows[name] = {
            "n_items": n_items[name], "n_scored": int(ok.sum()), "n_excluded": int(n - ok.sum()),
            "mean": mean, "sd": sd,
            "min": float(col[ok].min()) if ok.any() else float("nan"),
            "max": float(col[ok].max()) if ok.any() else float("nan"),
        }
    stats = pd.DataFrame.from_dict(stat_rows, orient="index")
    return ScaleScores(scores=scores, n_answered=counts, n_items=pd.Series(n_items, dtype=int), reversed=rev,
                       min_answered=float(min_answered), impute=impute, weighted=w is not None, rows_in=n,
                       rows_out=rows_out, excluded=excluded, stats=stats)


def _resolve_weights(survey: Survey, weights: np.ndarray | pd.Series | bool | None) -> np.ndarray | None:
    """Survey weights (None), none (False) or given weights, checked: finite, >= 0, positive sum."""
    if weights is False:
        return None
    if weights is None or weights is True:
        w = survey.weight_array()
        if w is None:
            return None
        where = f"weight column {survey.questionnaire.weight!r}"
    else:
        if isinstance(weights, pd.Series):
            if not weights.index.equals(survey.ids):
                weights = weights.reindex(survey.ids)
        w = np.asarray(weights, dtype=float)
        where = "weights"
        if w.shape != (survey.n,):
            raise DataError(f"{where}: expected one weight per respondent ({survey.n}), got shape {w.shape}")
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        first = survey.ids[np.flatnonzero(bad)[:5]]
        raise DataError(f"{survey.source.describe()}: {where} has {int(bad.sum())} missing, negative or infinite "
                        f"value(s) (respondents {', '.join(map(str, first))}); fix the weights or drop those rows")
    if w.sum() <= 0:
        raise DataError(f"{survey.source.describe()}: {where} sums to zero; every respondent has weight 0")
    return w

"""The quality checks: one small function per flag code, a registry of them, and :func:`check_quality`.

Each check takes the :class:`QualityContext` (the survey, its settings and the numeric answer matrix, with the
quantities several checks share computed once, on first use) and returns a :class:`CheckOutcome`: the flag of
every respondent, what it did (:class:`~surveytools.quality.report.CheckInfo`) and the numbers behind the flag.
:data:`CHECKS` lists them in report order; :func:`check_quality` runs the selected ones (default: all) and
assembles the :class:`~surveytools.quality.report.QualityReport`.

A new check is a function ``def _my_check(ctx: QualityContext) -> CheckOutcome`` registered in :data:`CHECKS`
under a new code (added to :data:`~surveytools.quality.report.FLAG_CODES`, whose order is the report order).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import DataError, DataQualityWarning
from ..questionnaire import normalize_label
from ..survey import Survey
from .arrays import (
    _DURATION_NAMES,
    _find_column,
    _finished_false,
    _first_positions,
    _normalized_text,
    _row_groups,
    _run_lengths,
    _setting,
    _text_code_positions,
    _to_float,
)
from .report import DEFAULT_MAX_MISSING, FLAG_CODES, FLAG_DESCRIPTIONS, CheckInfo, QualityReport, parse_codes

__all__ = ["CHECKS", "QualityCheck", "QualityContext", "CheckOutcome", "check_quality"]

_ANSWERABLE = ("likert", "categorical", "nps", "numeric", "multi")
_CODED = ("likert", "categorical", "nps")


# ============================================================================================ context
class QualityContext:
    """The survey prepared for the checks: settings, the numeric answer matrix, and shared quantities.

    Attributes
    ----------
    survey, q, st
        The survey, its questionnaire and the questionnaire's quality settings.
    n, index
        Respondents and their ids.
    max_missing, longstring, min_items
        Thresholds (``max_missing`` and ``longstring`` as given to :func:`check_quality` or from the settings).
    item_cols
        Answerable item -> its columns in the responses (a pick-any item has one per option).
    col_names, col_pos
        The answer columns in questionnaire order, and column -> position in ``X``.
    X, nonnum
        Answers as floats (NaN = blank), and cells holding text that is not a number.
    """

    def __init__(self, survey: Survey, *, max_missing: float, longstring: int | None) -> None:
        self.survey = survey
        self.q = q = survey.questionnaire
        self.st = q.quality
        responses = survey.responses
        self.n = n = len(responses)
        self.index = responses.index
        self.max_missing = max_missing
        self.longstring = longstring
        self.min_items = int(self.st.straightline_min_items)
        item_cols: dict[str, list[str]] = {}
        for iid, item in q.items.items():
            if item.type in _ANSWERABLE:
                cols = [c for c in q.output_columns(iid) if c in responses.columns]
                if cols:
                    item_cols[iid] = cols
        self.item_cols = item_cols
        self.col_names = col_names = [c for cols in item_cols.values() for c in cols]
        self.col_pos = {c: j for j, c in enumerate(col_names)}
        # categorical items with text codes ({F: Femenino}) enter as the position of their code (1..k), so that
        # missing answers, out-of-range codes and missing codes are counted like every other item
        text_opts: dict[str, Any] = {}
        for iid, cols in item_cols.items():
            opts = q.option_set(iid) if q.items[iid].type in _CODED else None
            if opts is not None and opts.text_codes:
                text_opts.update({c: opts for c in cols})
        numeric_cols = [c for c in col_names if pd.api.types.is_numeric_dtype(responses[c])
                        and not pd.api.types.is_bool_dtype(responses[c])]
        if len(numeric_cols) == len(col_names):  # the usual case: one conversion for the whole block
            self.X = responses[col_names].to_numpy(dtype=float, na_value=np.nan)
            self.nonnum = np.zeros(self.X.shape, dtype=bool)
        else:
            self.X = np.empty((n, len(col_names)), dtype=float)
            self.nonnum = np.zeros((n, len(col_names)), dtype=bool)
            for j, c in enumerate(col_names):
                if c in text_opts:
                    self.X[:, j], self.nonnum[:, j] = _text_code_positions(responses[c], text_opts[c])
                else:
                    self.X[:, j], self.nonnum[:, j] = _to_float(responses[c])

    def columns_of(self, iid: str) -> list[int]:
        """Positions in ``X`` of an item's columns."""
        return [self.col_pos[c] for c in self.item_cols[iid]]

    @cached_property
    def validity(self) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """``(out_of_range, declared_missing, numeric_rules)``: cells outside the item's valid codes (or
        ``range``) or not numbers; cells holding a declared missing code (e.g. 9 = "no answer"); the ranges
        checked, as text."""
        q, X = self.q, self.X
        oor = self.nonnum.copy()
        rules: list[str] = []
        code_groups: dict[tuple[tuple[float, ...], tuple[float, ...]], list[int]] = {}
        for iid in self.item_cols:
            item = q.items[iid]
            js = self.columns_of(iid)
            if item.type == "multi":
                code_groups.setdefault(((0.0, 1.0), ()), []).extend(js)
            elif item.type in _CODED:
                opts = q.option_set(iid)
                if opts is None or not opts.valid_codes:
                    continue
                if opts.text_codes:  # positions 1..k of the codes (see _text_code_positions)
                    pos = {c: float(i + 1) for i, c in enumerate(opts.codes)}
                    key = (tuple(pos[c] for c in opts.valid_codes), tuple(pos[c] for c in opts.missing_codes))
                else:
                    key = (tuple(float(c) for c in opts.valid_codes), tuple(float(c) for c in opts.missing_codes))
                code_groups.setdefault(key, []).extend(js)
            elif item.range is not None:
                lo, hi = item.range
                vals = X[:, js]
                oor[:, js] |= ~np.isnan(vals) & ((vals < lo) | (vals > hi))
                rules.append(f"{iid} in [{lo:g}, {hi:g}]")
        declared_missing = np.zeros(X.shape, dtype=bool)
        for (valid, missing), js in code_groups.items():  # one pass per answer scale, not per item
            vals = X[:, js]
            oor[:, js] |= ~np.isnan(vals) & ~np.isin(vals, np.array(valid + missing))
            if missing:
                declared_missing[:, js] = np.isin(vals, np.array(missing))
        return oor, declared_missing, rules

    @cached_property
    def Xv(self) -> np.ndarray:
        """The usable answers: out-of-range, non-numeric and missing-code cells set to NaN."""
        oor, declared_missing, _ = self.validity
        return np.where(oor | declared_missing, np.nan, self.X)

    @cached_property
    def answered(self) -> np.ndarray:
        """Answerable items answered by each respondent (a pick-any item: any option set)."""
        _, declared_missing, _ = self.validity
        X, nonnum = self.X, self.nonnum
        answered = np.zeros(self.n, dtype=np.int64)
        for iid in self.item_cols:
            js = self.columns_of(iid)
            answered += ((~np.isnan(X[:, js]) & ~declared_missing[:, js]) | nonnum[:, js]).any(axis=1)
        return answered

    @cached_property
    def partial(self) -> tuple[np.ndarray, list[str]]:
        """Break-offs (too few items answered, ``Finished`` false or ``Progress`` < 100) and the rules used."""
        survey, n_answerable = self.survey, len(self.item_cols)
        rules: list[str] = []
        partial = np.zeros(self.n, dtype=bool)
        if n_answerable:
            partial |= (self.answered / n_answerable) < self.st.min_answered
            rules.append(f"fewer than {self.st.min_answered:.0%} of {n_answerable} answerable items answered")
        fin = _find_column(survey, "Finished")
        if fin is not None and survey.metadata is not None and fin.name in survey.metadata.columns:
            partial |= _finished_false(fin)
            rules.append(f"{fin.name!r} is false")
        prog = _find_column(survey, "Progress")
        if prog is not None and survey.metadata is not None and prog.name in survey.metadata.columns:
            pv, _ = _to_float(prog)
            partial |= pv < 100
            rules.append(f"{prog.name!r} < 100")
        return partial, rules

    @cached_property
    def batteries(self) -> dict[str, dict[str, Any]]:
        """Battery name -> ``items`` (answerable, not pick-any) and ``reversed`` (its reverse-keyed items);
        the batteries are ``quality.batteries`` or, by default, the scales."""
        q = self.q
        reversed_items = set().union(*(s.reversed for s in q.scales.values())) if q.scales else set()
        if self.st.batteries is not None:
            spec = {k: tuple(v) for k, v in self.st.batteries.items()}
        else:
            spec = {k: tuple(s.items) for k, s in q.scales.items()}
        out: dict[str, dict[str, Any]] = {}
        for name, members in spec.items():
            items = [i for i in members if i in self.item_cols and q.items[i].type != "multi"]
            out[name] = {"items": items, "reversed": [i for i in items if i in reversed_items]}
        return out


@dataclass
class CheckOutcome:
    """What one check found.

    Attributes
    ----------
    flag
        Per respondent, whether the flag is set.
    info
        Whether the check ran, and its rule.
    detail
        Columns of :attr:`QualityReport.detail` this check computes.
    settings
        Entries of :attr:`QualityReport.settings` this check decides (e.g. the longstring threshold).
    duplicate_of
        Duplicate checks: per respondent, the position of the earlier row it duplicates (-1: none).
    out_of_range_items, batteries
        The out-of-range and straightlining checks' per-item and per-battery reports.
    """

    flag: np.ndarray
    info: CheckInfo
    detail: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    duplicate_of: np.ndarray | None = None
    out_of_range_items: pd.Series | None = None
    batteries: dict[str, dict[str, Any]] | None = None


@dataclass(frozen=True)
class QualityCheck:
    """A registered check: its flag code, one line on what it flags, and the function that runs it."""

    code: str
    description: str
    run: Callable[[QualityContext], CheckOutcome]


def _no_flag(ctx: QualityContext) -> np.ndarray:
    return np.zeros(ctx.n, dtype=bool)


# ============================================================================================ the checks
def _speeder(ctx: QualityContext) -> CheckOutcome:
    """``duration_i < speeder_fraction x median(duration)`` over complete responses."""
    survey, st, n = ctx.survey, ctx.st, ctx.n
    dur_name = st.duration
    dur = _find_column(survey, dur_name) if dur_name else None
    auto = False
    if dur_name is None and survey.metadata is not None:
        for c in survey.metadata.columns:
            if normalize_label(c) in _DURATION_NAMES:
                dur, auto = survey.metadata[c], True
                break
    empty = {"duration": np.full(n, np.nan), "duration_ratio": np.full(n, np.nan)}
    settings = {"duration": str(dur.name) if dur is not None else dur_name}
    if dur_name is not None and dur is None:
        warnings.warn(f"{survey.source.describe()}: no duration column {dur_name!r} (quality.duration in the "
                      "questionnaire); the speeder check was skipped. Fix the column name or keep the "
                      "platform's metadata columns when importing", DataQualityWarning, stacklevel=3)
        return CheckOutcome(_no_flag(ctx), CheckInfo(False, f"duration column {dur_name!r} not found"), empty,
                            settings)
    if dur is None:
        return CheckOutcome(_no_flag(ctx), CheckInfo(False, "no duration column (declare quality.duration in the "
                                                            "questionnaire)"), empty, settings)
    d, _ = _to_float(dur)
    d = np.where(np.isfinite(d), d, np.nan)
    partial, _ = ctx.partial
    has = ~np.isnan(d) & ~partial  # a break-off is short because it stopped, not because it sped
    if not has.any():
        return CheckOutcome(_no_flag(ctx), CheckInfo(False, f"duration column {dur.name!r} is empty for complete "
                                                            "responses"),
                            {"duration": d, "duration_ratio": np.full(n, np.nan)}, settings)
    med = float(np.median(d[has]))
    cut = st.speeder_fraction * med
    return CheckOutcome(
        has & (d < cut),
        CheckInfo(True, f"{dur.name!r} < {st.speeder_fraction:g} x median {med:g} = {cut:g} (complete responses)"
                  + (" (column found automatically)" if auto else "")),
        {"duration": d, "duration_ratio": d / med if med > 0 else np.full(n, np.nan)}, settings)


def _straightlining(ctx: QualityContext) -> CheckOutcome:
    """One raw code for every answered item of a battery holding reverse- and forward-keyed items."""
    min_items, Xv = ctx.min_items, ctx.Xv
    batteries: dict[str, dict[str, Any]] = {}
    straight_count = np.zeros(ctx.n, dtype=np.int64)
    for name, b in ctx.batteries.items():
        items, rev = b["items"], b["reversed"]
        fwd = [i for i in items if i not in rev]
        info: dict[str, Any] = {"items": items, "reversed": rev, "straightlining": None}
        batteries[name] = info
        if len(items) < min_items or not rev or not fwd:
            continue
        B = Xv[:, [ctx.col_pos[i] for i in items]]
        ok = ~np.isnan(B)
        n_ok = ok.sum(axis=1)
        lo = np.fmin.reduce(B, axis=1)  # NaN-ignoring; NaN only when the row is all missing
        hi = np.fmax.reduce(B, axis=1)
        both = ok[:, [items.index(i) for i in rev]].any(axis=1) & ok[:, [items.index(i) for i in fwd]].any(axis=1)
        s = (n_ok >= min_items) & both & (lo == hi)
        straight_count += s
        info["straightlining"] = int(s.sum())
    checked = [k for k, v in batteries.items() if v["straightlining"] is not None]
    if checked:
        info_ = CheckInfo(True, f"one answer to every item of a battery with reverse-keyed items "
                                f"({len(checked)} batter{'y' if len(checked) == 1 else 'ies'}, >= {min_items} answered)")
    else:
        info_ = CheckInfo(False, "no batteries (declare scales or quality.batteries)" if not batteries else
                          f"no battery has >= {min_items} items including reverse-keyed and forward-keyed ones")
    return CheckOutcome(straight_count > 0, info_, {"straightlined_batteries": straight_count},
                        batteries=batteries)


def _longstring(ctx: QualityContext) -> CheckOutcome:
    """A run of identical consecutive answers over the battery items (Johnson, 2005)."""
    q = ctx.q
    battery_items = {i for b in ctx.batteries.values() for i in b["items"]}
    ls_items = [i for i in q.items if i in battery_items]
    if len(ls_items) < 2:
        return CheckOutcome(_no_flag(ctx), CheckInfo(False, "fewer than 2 battery items"),
                            {"longest_run": np.zeros(ctx.n, dtype=np.int64)}, {"longstring": None})
    ls_cut = int(ctx.longstring) if ctx.longstring is not None else int(
        _setting(q, "longstring", max(ctx.min_items, math.ceil(len(ls_items) / 2))))
    if ls_cut < 2:
        raise DataError(f"the longstring threshold must be at least 2, not {ls_cut}")
    runs = _run_lengths(ctx.Xv[:, [ctx.col_pos[i] for i in ls_items]])
    return CheckOutcome(runs >= ls_cut, CheckInfo(True, f"run of >= {ls_cut} identical answers over {len(ls_items)} "
                                                        "battery items (questionnaire order)"),
                        {"longest_run": runs}, {"longstring": ls_cut})


def _out_of_range(ctx: QualityContext) -> CheckOutcome:
    """Answers that are not valid codes of their item (or outside its numeric ``range``), or not numbers."""
    oor, _, rules = ctx.validity
    col_names = ctx.col_names
    n_oor = oor.sum(axis=1).astype(np.int64)
    per_col = oor.sum(axis=0)
    items = pd.Series({c: int(k) for c, k in zip(col_names, per_col, strict=True) if k > 0}, dtype="int64",
                      name="out_of_range")
    info = CheckInfo(bool(col_names),
                     ("code not among the item's valid codes" + (f"; numeric ranges: {', '.join(rules)}" if rules
                                                                 else "")) if col_names
                     else "no coded or numeric items in the data")
    return CheckOutcome(n_oor > 0, info, {"n_out_of_range": n_oor}, out_of_range_items=items)


def _earlier_row(codes: np.ndarray, n: int) -> np.ndarray:
    """Position of the earlier row with the same code (-1 for a first occurrence or a missing code)."""
    first = _first_positions(codes)
    return np.where((first >= 0) & (first != np.arange(n)), first, -1)


def _duplicates_of(ctx: QualityContext, series: list[pd.Series], *, email: bool) -> tuple[np.ndarray, np.ndarray]:
    """Flag and first duplicated row over several columns (the first column that finds a duplicate names it)."""
    flag = _no_flag(ctx)
    of = np.full(ctx.n, -1, dtype=np.int64)
    for s in series:
        pos = _earlier_row(pd.factorize(_normalized_text(s, email=email).to_numpy())[0], ctx.n)
        dup = pos >= 0
        flag |= dup
        np.copyto(of, pos, where=dup & (of < 0))
    return flag, of


def _duplicate_id(ctx: QualityContext) -> CheckOutcome:
    """The value of an ``id`` item seen in an earlier row (the first occurrence is kept unflagged)."""
    found = [(i, _find_column(ctx.survey, i)) for i, it in ctx.q.items.items() if it.type == "id"]
    found = [(i, s) for i, s in found if s is not None]
    flag, of = _duplicates_of(ctx, [s for _, s in found], email=False)
    return CheckOutcome(flag, CheckInfo(bool(found), (f"value of {', '.join(i for i, _ in found)} seen in an earlier "
                                                      "row") if found else "no id item in the data (respondent ids "
                                        "themselves are unique)"), duplicate_of=of)


def _duplicate_email(ctx: QualityContext) -> CheckOutcome:
    """The e-mail of an earlier row, white space removed and case-folded."""
    found = [(i, _find_column(ctx.survey, i)) for i, it in ctx.q.items.items() if it.type == "email"]
    found = [(i, s) for i, s in found if s is not None]
    flag, of = _duplicates_of(ctx, [s for _, s in found], email=True)
    return CheckOutcome(flag, CheckInfo(bool(found), (f"{', '.join(i for i, _ in found)} seen in an earlier row "
                                                      "(case and spaces ignored)") if found
                                        else "no email item in the data"), duplicate_of=of)


def _duplicate_answers(ctx: QualityContext) -> CheckOutcome:
    """The same answers as an earlier row on every answer column (enough answered, not all identical)."""
    col_names, Xv = ctx.col_names, ctx.Xv
    if len(col_names) < 2:
        return CheckOutcome(_no_flag(ctx), CheckInfo(False, "fewer than 2 answer columns"),
                            duplicate_of=np.full(ctx.n, -1, dtype=np.int64))
    n_ok = (~np.isnan(Xv)).sum(axis=1)
    varies = np.fmax.reduce(Xv, axis=1) > np.fmin.reduce(Xv, axis=1)  # False for all-missing rows
    need = max(2, math.ceil(ctx.st.min_answered * len(col_names)))
    of = _earlier_row(_row_groups(Xv, varies & (n_ok >= need)), ctx.n)
    return CheckOutcome(of >= 0, CheckInfo(True, f"same answers as an earlier row to all {len(col_names)} answer "
                                                 f"columns (>= {need} answered, not all identical)"), duplicate_of=of)


def _high_missing(ctx: QualityContext) -> CheckOutcome:
    """More than ``max_missing`` of the answerable items left blank."""
    n_answerable = len(ctx.item_cols)
    answered = ctx.answered
    if not n_answerable:
        return CheckOutcome(_no_flag(ctx), CheckInfo(False, "no answerable items in the data"),
                            {"answered": answered, "missing_rate": np.full(ctx.n, np.nan)})
    missing_rate = 1.0 - answered / n_answerable
    return CheckOutcome(missing_rate > ctx.max_missing,
                        CheckInfo(True, f"more than {ctx.max_missing:.0%} of {n_answerable} answerable items blank"),
                        {"answered": answered, "missing_rate": missing_rate})


def _attention_check(ctx: QualityContext) -> CheckOutcome:
    """An answer to an attention-check item (``expect``) other than the expected one; blank is no failure."""
    q, Xv = ctx.q, ctx.Xv
    att_items = [i for i, it in q.items.items() if it.expect is not None and i in ctx.item_cols]
    failed = np.zeros(ctx.n, dtype=np.int64)
    for iid in att_items:
        v = Xv[:, ctx.col_pos[ctx.item_cols[iid][0]]]
        exp = np.array([float(e) for e in q.items[iid].expect or ()])
        failed += ~np.isnan(v) & ~np.isin(v, exp)
    info = CheckInfo(bool(att_items), ("answer other than the expected one to " + ", ".join(
        f"{i} (expect {'/'.join(f'{e:g}' for e in q.items[i].expect or ())})" for i in att_items)
        + "; a blank answer is not a failure") if att_items else "no item declares 'expect'")
    return CheckOutcome(failed > 0, info, {"attention_failed": failed})


def _partial(ctx: QualityContext) -> CheckOutcome:
    """Not finished: ``Finished`` false, ``Progress`` < 100, or fewer than ``min_answered`` items answered."""
    partial, rules = ctx.partial
    return CheckOutcome(partial, CheckInfo(bool(rules), " or ".join(rules) or "no answerable items and no "
                                           "Finished/Progress column"))


#: Flag code -> check, in report order (:data:`~surveytools.quality.report.FLAG_CODES`).
CHECKS: dict[str, QualityCheck] = {code: QualityCheck(code, FLAG_DESCRIPTIONS[code], fn) for code, fn in (
    ("speeder", _speeder),
    ("straightlining", _straightlining),
    ("longstring", _longstring),
    ("out-of-range", _out_of_range),
    ("duplicate-id", _duplicate_id),
    ("duplicate-email", _duplicate_email),
    ("duplicate-answers", _duplicate_answers),
    ("high-missing", _high_missing),
    ("attention-check", _attention_check),
    ("partial", _partial),
)}

#: Detail columns in report order, with what they hold when their check was not selected.
_DETAIL_DEFAULTS: dict[str, Callable[[int], np.ndarray]] = {
    "duration": lambda n: np.full(n, np.nan),
    "duration_ratio": lambda n: np.full(n, np.nan),
    "straightlined_batteries": lambda n: np.zeros(n, dtype=np.int64),
    "longest_run": lambda n: np.zeros(n, dtype=np.int64),
    "n_out_of_range": lambda n: np.zeros(n, dtype=np.int64),
    "duplicate_of": lambda n: np.full(n, "", dtype=object),
    "answered": lambda n: np.full(n, np.nan),
    "missing_rate": lambda n: np.full(n, np.nan),
    "attention_failed": lambda n: np.zeros(n, dtype=np.int64),
}


# ============================================================================================ the stage
def check_quality(survey: Survey, *, exclude: str | Iterable[str] | None = None,
                  max_missing: float | None = None, longstring: int | None = None,
                  select: str | Iterable[str] | None = None) -> QualityReport:
    """Flag respondents with data-quality problems (speeders, straightliners, duplicates...).

    Every check that the data and questionnaire allow is run; each is vectorized over respondents (one
    numpy pass per item at most), so 100,000 respondents x 60 items take a fraction of a second.
    Nothing is deleted: use :func:`apply_exclusions` (or ``exclude``) to drop flagged respondents.

    Parameters
    ----------
    survey
        The coded survey. Settings come from ``survey.questionnaire.quality``
        (:class:`~surveytools.questionnaire.QualitySettings`), attention checks from items' ``expect``,
        numeric limits from items' ``range``.
    exclude
        Flag codes (``"speeder,straightlining"``, a list, or ``"all"``) to record as the exclusion rule;
        ``to_dict()`` then reports what they exclude, and :func:`apply_exclusions` uses them by default.
    max_missing
        Share of answerable items that may be blank before ``high-missing`` (default 0.2).
    longstring
        Run of identical consecutive answers that sets ``longstring`` (default: half the battery items,
        rounded up, and at least ``straightline_min_items``).
    select
        Flag codes of the checks to run (default: all, see :data:`CHECKS`); the others report "not selected",
        flag nobody, and leave their detail columns empty.

    Returns
    -------
    QualityReport

    Notes
    -----
    *Speeders*: ``duration_i < f * median(duration)``, with ``f = speeder_fraction`` and the median over
    respondents with a duration. The duration is the ``quality.duration`` column of the metadata or the
    responses (or, when not declared, a platform column such as Qualtrics' ``Duration (in seconds)``).

    *Straightlining*: within a battery (default: each scale) that holds both reverse-keyed and
    forward-keyed items, every answered item has the same raw code, with at least
    ``straightline_min_items`` answered including one of each keying. Agreeing equally with an item and
    its reversal is inconsistent, so this is evidence of careless answering rather than of an extreme
    attitude. Batteries without reverse-keyed items are covered by the longstring index only.

    *Longstring* (Johnson, 2005): the longest run of identical consecutive answers over the battery items
    in questionnaire order; missing answers break a run. Curran (2016) suggests half the items as a
    conservative cut-off.

    *Duplicates* keep the first occurrence unflagged: later rows with the same ``id`` item value, the
    same e-mail (white space removed, case-folded), or the same answers to every coded item (rows with at
    least ``min_answered`` of them answered and not all identical, so straightliners are not counted
    as duplicates of each other) are flagged; ``detail["duplicate_of"]`` names the first row.

    *Missing*: ``missing_rate = 1 - answered / answerable`` over Likert, categorical, NPS, numeric and
    pick-any items (a pick-any item counts as answered when any of its options is set).

    Raises
    ------
    DataError
        Unknown codes in ``exclude`` or ``select``, or thresholds out of their range.
    """
    q = survey.questionnaire
    exclude_t = tuple(parse_codes(exclude))
    selected = set(FLAG_CODES) if select is None else set(parse_codes(select))
    max_missing = float(_setting(q, "max_missing", DEFAULT_MAX_MISSING) if max_missing is None else max_missing)
    if not 0.0 <= max_missing <= 1.0:
        raise DataError(f"max_missing must be a share from 0 to 1, not {max_missing}")
    ctx = QualityContext(survey, max_missing=max_missing, longstring=longstring)
    outcomes: dict[str, CheckOutcome] = {}
    for code, check in CHECKS.items():
        outcomes[code] = check.run(ctx) if code in selected else CheckOutcome(_no_flag(ctx),
                                                                              CheckInfo(False, "not selected"))
    return _report(ctx, outcomes, exclude_t)


def _report(ctx: QualityContext, outcomes: dict[str, CheckOutcome], exclude: tuple[str, ...]) -> QualityReport:
    """Assemble the checks' outcomes into the report (flags, detail columns, settings) in report order."""
    n, index, survey = ctx.n, ctx.index, ctx.survey
    detail: dict[str, Any] = {}
    settings: dict[str, Any] = {}
    dup_first = np.full(n, -1, dtype=np.int64)  # the first duplicate check (in report order) to find one names it
    for out in outcomes.values():
        detail.update(out.detail)
        settings.update(out.settings)
        if out.duplicate_of is not None:
            np.copyto(dup_first, out.duplicate_of, where=(out.duplicate_of >= 0) & (dup_first < 0))
    ids_arr = index.to_numpy(dtype=object)
    detail["duplicate_of"] = np.where(dup_first >= 0, ids_arr[np.maximum(dup_first, 0)], "").astype(object)
    flag_frame = pd.DataFrame({c: outcomes[c].flag for c in FLAG_CODES}, index=index)
    detail_frame = pd.DataFrame({k: detail[k] if k in detail else make(n) for k, make in _DETAIL_DEFAULTS.items()},
                                index=index)
    if survey.source.row_numbers is not None and survey.source.row_numbers.index.equals(index):
        detail_frame["row"] = survey.source.row_numbers.to_numpy()
    oor = outcomes["out-of-range"].out_of_range_items
    st = ctx.st
    return QualityReport(
        flags=flag_frame, detail=detail_frame, checks={c: outcomes[c].info for c in FLAG_CODES},
        out_of_range_items=oor if oor is not None else pd.Series(dtype="int64", name="out_of_range"),
        batteries=outcomes["straightlining"].batteries or {},
        settings={"duration": settings.get("duration", st.duration), "speeder_fraction": st.speeder_fraction,
                  "min_answered": st.min_answered, "max_missing": ctx.max_missing,
                  "straightline_min_items": ctx.min_items, "longstring": settings.get("longstring"),
                  "answerable_items": len(ctx.item_cols)},
        exclude=exclude)

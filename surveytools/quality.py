"""Data-quality checks: flags per respondent, never deletions.

:func:`check_quality` runs every check the data and the questionnaire allow and returns a
:class:`QualityReport`: a boolean flag table (one row per respondent, one column per flag code), the
numbers behind each flag (duration ratio, longest run, missing rate...), counts per code and the rule
each check applied. :func:`apply_exclusions` drops the respondents flagged with chosen codes and reports
rows in / rows out / rows excluded with the reasons, so that ``rows_in == rows_out + rows_excluded``.

Flag codes (stable; scripts rely on them):

==================== ===================================================================================
``speeder``          interview duration under ``speeder_fraction`` x the median duration
``straightlining``   identical answers to every answered item of a battery that mixes reverse-keyed and
                     forward-keyed items (answers that contradict each other)
``longstring``       a run of identical consecutive answers over the battery items (spec order) at least
                     as long as the longstring threshold (default: half of those items; Curran, 2016)
``out-of-range``     a code that is not one of the item's valid codes, or a number outside ``range``
``duplicate-id``     the value of an ``id`` item seen in an earlier row (first occurrence kept)
``duplicate-email``  the e-mail of an earlier row, compared case- and space-insensitively
``duplicate-answers`` the same answers as an earlier row on every coded item (non-constant answers only)
``high-missing``     more than ``max_missing`` of the answerable items left blank
``attention-check``  an answer to an attention-check item (``expect``) other than the expected one
``partial``          the platform says the interview was not finished (``Finished``/``Progress``), or
                     fewer than ``min_answered`` of the answerable items were answered
==================== ===================================================================================

References
----------
Curran, P. G. (2016). Methods for the detection of carelessly invalid responses in survey data.
*Journal of Experimental Social Psychology*, 66, 4-19.
Johnson, J. A. (2005). Ascertaining the validity of individual protocols from web-based personality
inventories. *Journal of Research in Personality*, 39(1), 103-129.
Meade, A. W., & Craig, S. B. (2012). Identifying careless responses in survey data. *Psychological
Methods*, 17(3), 437-455.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .exceptions import DataError, DataQualityWarning
from .questionnaire import OptionSet, Questionnaire, normalize_label
from .survey import Survey

__all__ = [
    "FLAG_CODES",
    "FLAG_DESCRIPTIONS",
    "CheckInfo",
    "QualityReport",
    "Exclusions",
    "check_quality",
    "apply_exclusions",
    "parse_codes",
]

#: Every flag code, in report order.
FLAG_CODES: tuple[str, ...] = (
    "speeder",
    "straightlining",
    "longstring",
    "out-of-range",
    "duplicate-id",
    "duplicate-email",
    "duplicate-answers",
    "high-missing",
    "attention-check",
    "partial",
)

#: One line per flag code, for summaries and docs.
FLAG_DESCRIPTIONS: dict[str, str] = {
    "speeder": "interview much faster than the median",
    "straightlining": "same answer to every item of a battery with reverse-keyed items",
    "longstring": "long run of identical consecutive answers",
    "out-of-range": "answer code outside the item's valid codes or range",
    "duplicate-id": "id already seen in an earlier row",
    "duplicate-email": "e-mail already seen in an earlier row",
    "duplicate-answers": "answers identical to an earlier row",
    "high-missing": "many answerable items left blank",
    "attention-check": "failed an attention check",
    "partial": "interview not finished",
}

#: Default share of answerable items that may be blank before ``high-missing``.
DEFAULT_MAX_MISSING = 0.2

_ANSWERABLE = ("likert", "categorical", "nps", "numeric", "multi")
_CODED = ("likert", "categorical", "nps")
_DURATION_NAMES = ("duration (in seconds)", "duration", "duration_seconds", "duration (seconds)",
                   "time taken", "interview_duration")
_FALSE_TEXT = frozenset({"false", "0", "no", "0.0", "f", "n"})
_TRUE_TEXT = frozenset({"true", "1", "yes", "1.0", "t", "y"})


@dataclass(frozen=True)
class CheckInfo:
    """What one check did.

    Attributes
    ----------
    ran
        Whether the check could run on these data.
    rule
        The rule applied, with its thresholds (``"duration < 0.4 x median 412 s = 164.8 s"``), or why
        the check did not run.
    """

    ran: bool
    rule: str

    def to_dict(self) -> dict[str, Any]:
        """``{"ran": ..., "rule": ...}``."""
        return {"ran": self.ran, "rule": self.rule}


@dataclass(frozen=True)
class Exclusions:
    """Respondents dropped for data-quality flags, and why.

    Attributes
    ----------
    codes
        The flag codes that exclude a respondent.
    rows_in, rows_out, rows_excluded
        Respondents before, kept, and dropped; ``rows_in == rows_out + rows_excluded``.
    by_reason
        Code -> number of excluded respondents carrying that flag (a respondent may carry several, so
        these may sum to more than ``rows_excluded``).
    reasons
        Excluded respondent id -> the codes that excluded it (comma-separated), in data order.
    """

    codes: tuple[str, ...]
    rows_in: int
    rows_out: int
    rows_excluded: int
    by_reason: Mapping[str, int]
    reasons: pd.Series = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (the excluded ids are in ``reasons``, not here)."""
        return {"codes": list(self.codes), "rows_in": self.rows_in, "rows_out": self.rows_out,
                "rows_excluded": self.rows_excluded, "by_reason": dict(self.by_reason)}

    def to_frame(self) -> pd.DataFrame:
        """One row per excluded respondent with the codes that excluded it."""
        return self.reasons.rename("reasons").to_frame()

    def summary(self) -> str:
        """One paragraph: how many were dropped and why."""
        if not self.codes:
            return f"No exclusions: {self.rows_in:,} respondents kept."
        reasons = ", ".join(f"{c} {n:,}" for c, n in self.by_reason.items() if n) or "none flagged"
        line = (f"Excluded {self.rows_excluded:,} of {self.rows_in:,} respondents ({self.rows_out:,} kept) "
                f"for {', '.join(self.codes)}: {reasons}")
        if sum(self.by_reason.values()) > self.rows_excluded:
            line += " (some respondents have several reasons)"
        return line + "."


@dataclass(frozen=True)
class QualityReport:
    """Data-quality flags per respondent (see the module docstring for the codes).

    Attributes
    ----------
    flags
        Boolean table: index = respondent ids (data order), one column per code of :data:`FLAG_CODES`.
        A check that could not run leaves its column all False (see ``checks``).
    detail
        The numbers behind the flags, same index: ``duration``, ``duration_ratio`` (duration / median),
        ``straightlined_batteries``, ``longest_run`` (longest run of identical answers), ``n_out_of_range``
        (number of bad codes), ``duplicate_of`` (id of the earlier row duplicated, or empty),
        ``answered``, ``missing_rate``, ``attention_failed``, and ``row`` (the row in the source file)
        when known.
    checks
        Code -> :class:`CheckInfo` (whether it ran, and its rule).
    out_of_range_items
        Item (column) -> number of out-of-range answers, for items with at least one.
    batteries
        Battery name -> items, reverse-keyed items and respondents who straightlined it.
    settings
        The thresholds used.
    exclude
        Codes chosen for exclusion (``check_quality(..., exclude=...)``); empty when none.
    """

    flags: pd.DataFrame
    detail: pd.DataFrame
    checks: Mapping[str, CheckInfo]
    out_of_range_items: pd.Series
    batteries: Mapping[str, Mapping[str, Any]]
    settings: Mapping[str, Any]
    exclude: tuple[str, ...] = ()

    # ------------------------------------------------------------------ queries
    @property
    def respondents(self) -> int:
        """Number of respondents checked."""
        return len(self.flags)

    @property
    def counts(self) -> pd.Series:
        """Code -> number of respondents flagged (every code, zeros included)."""
        return self.flags.sum(axis=0).astype(int).rename("count")

    @property
    def any_flag(self) -> pd.Series:
        """Respondent id -> True when at least one flag is set."""
        return self.flags.any(axis=1).rename("flagged")

    @property
    def n_flagged(self) -> int:
        """Number of respondents with at least one flag."""
        return int(self.flags.to_numpy().any(axis=1).sum())

    def flagged_ids(self, codes: str | Iterable[str] | None = None) -> pd.Index:
        """Ids of the respondents carrying any of ``codes`` (default: any flag)."""
        cols = list(FLAG_CODES) if codes is None else parse_codes(codes)
        return self.flags.index[self.flags[cols].to_numpy().any(axis=1)]

    def exclusions(self, codes: str | Iterable[str] | None = None) -> Exclusions:
        """What excluding the respondents flagged with ``codes`` would drop (default: ``self.exclude``)."""
        chosen = tuple(parse_codes(codes)) if codes is not None else self.exclude
        n = self.respondents
        if not chosen:
            return Exclusions(codes=(), rows_in=n, rows_out=n, rows_excluded=0,
                              by_reason={}, reasons=pd.Series([], dtype=object, index=self.flags.index[:0]))
        sub = self.flags[list(chosen)].to_numpy()
        drop = sub.any(axis=1)
        by_reason = {c: int(sub[drop, j].sum()) for j, c in enumerate(chosen)}
        names = np.array(chosen, dtype=object)
        ids = self.flags.index[drop]
        rows = sub[drop]
        reasons = pd.Series([",".join(names[r]) for r in rows], index=ids, dtype=object, name="reasons")
        k = int(drop.sum())
        return Exclusions(codes=chosen, rows_in=n, rows_out=n - k, rows_excluded=k, by_reason=by_reason,
                          reasons=reasons)

    # ------------------------------------------------------------------ output
    def to_frame(self) -> pd.DataFrame:
        """The flag table with ``n_flags`` and the detail columns, one row per respondent."""
        out = self.flags.copy()
        out.insert(0, "n_flags", self.flags.to_numpy().sum(axis=1).astype(int))
        return pd.concat([out, self.detail], axis=1)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``respondents``, ``flags`` (code -> count), ``flagged`` (respondents with any flag),
        ``rates``, ``checks``, ``out_of_range_items``, ``batteries``, ``settings`` and, when codes were
        chosen for exclusion, ``excluded``."""
        counts = self.counts
        n = self.respondents
        d: dict[str, Any] = {
            "respondents": n,
            "flags": {c: int(counts[c]) for c in FLAG_CODES},
            "flagged": self.n_flagged,
            "rates": {c: (int(counts[c]) / n if n else None) for c in FLAG_CODES},
            "checks": {c: self.checks[c].to_dict() for c in FLAG_CODES},
            "out_of_range_items": {str(k): int(v) for k, v in self.out_of_range_items.items()},
            "batteries": {k: dict(v) for k, v in self.batteries.items()},
            "settings": dict(self.settings),
        }
        if self.exclude:
            d["excluded"] = self.exclusions().to_dict()
        return d

    def summary(self) -> str:
        """A text table: code, respondents flagged, share, and the rule applied."""
        n = self.respondents
        counts = self.counts
        w = max(len(c) for c in FLAG_CODES)
        lines = [f"Data quality: {n:,} respondents, {self.n_flagged:,} with at least one flag "
                 f"({(self.n_flagged / n if n else 0):.1%})", ""]
        lines.append(f"{'flag':<{w}}  {'count':>7}  {'share':>6}  rule")
        lines.append(f"{'-' * w}  {'-' * 7}  {'-' * 6}  {'-' * 40}")
        for c in FLAG_CODES:
            info = self.checks[c]
            if info.ran:
                k = int(counts[c])
                lines.append(f"{c:<{w}}  {k:>7,}  {(k / n if n else 0):>6.1%}  {info.rule}")
            else:
                lines.append(f"{c:<{w}}  {'-':>7}  {'':>6}  not checked: {info.rule}")
        if len(self.out_of_range_items):
            top = self.out_of_range_items.sort_values(ascending=False).head(10)
            lines += ["", "Out-of-range answers by item: " + ", ".join(f"{k} {int(v):,}" for k, v in top.items())
                      + (" ..." if len(self.out_of_range_items) > 10 else "")]
        if self.exclude:
            lines += ["", self.exclusions().summary()]
        return "\n".join(lines)


# ====================================================================== helpers

def parse_codes(codes: str | Iterable[str] | None) -> list[str]:
    """Validate flag codes given as ``"speeder,partial"`` or a list; ``"all"`` means every code.

    Raises
    ------
    DataError
        Naming the unknown codes and listing the valid ones.
    """
    if codes is None:
        return []
    parts = codes.split(",") if isinstance(codes, str) else [str(c) for c in codes]
    out: list[str] = []
    unknown: list[str] = []
    for p in parts:
        p = p.strip().lower().replace("_", "-")
        if not p:
            continue
        if p == "all":
            out.extend(FLAG_CODES)
        elif p in FLAG_CODES:
            out.append(p)
        else:
            unknown.append(p)
    if unknown:
        raise DataError(f"unknown data-quality flag code(s): {', '.join(unknown)}; use any of "
                        f"{', '.join(FLAG_CODES)} (or 'all')")
    seen: set[str] = set()
    return [c for c in out if not (c in seen or seen.add(c))]


def _setting(q: Questionnaire, name: str, default: Any) -> Any:
    # QualitySettings fields added later (e.g. max_missing, longstring) are honoured when present.
    value = getattr(q.quality, name, None)
    return default if value is None else value


def _find_column(survey: Survey, name: str) -> pd.Series | None:
    """A column by name in the metadata or the responses (exact, then label-normalized), or via an item."""
    q = survey.questionnaire
    frames = [f for f in (survey.metadata, survey.responses) if f is not None]
    for f in frames:
        if name in f.columns:
            return f[name]
    # an item whose export column is the name
    for iid, item in q.items.items():
        if item.column == name and iid in survey.responses.columns:
            return survey.responses[iid]
    want = normalize_label(name)
    for f in frames:
        for c in f.columns:
            if normalize_label(c) == want:
                return f[c]
    return None


def _text_code_positions(s: pd.Series, opts: OptionSet) -> tuple[np.ndarray, np.ndarray]:
    """Text codes as their position among the option set's codes (1..k), plus a mask of cells holding text
    that is not a code (out of range). Vectorized (``Series.map``)."""
    pos = {c: float(i + 1) for i, c in enumerate(opts.codes)}
    text = s.astype("object")
    x = text.map(lambda v: pos.get(v.strip(), np.nan) if isinstance(v, str) else np.nan).to_numpy(dtype=float)
    filled = text.notna().to_numpy(dtype=bool) & (text.astype("string").str.strip() != "").to_numpy(dtype=bool,
                                                                                                   na_value=False)
    return x, filled & np.isnan(x)


def _to_float(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Values as floats plus a mask of cells that hold something that is not a number."""
    if pd.api.types.is_bool_dtype(s):
        return s.astype(float).to_numpy(), np.zeros(len(s), dtype=bool)
    if pd.api.types.is_numeric_dtype(s):
        return s.to_numpy(dtype=float, na_value=np.nan), np.zeros(len(s), dtype=bool)
    num = pd.to_numeric(s, errors="coerce")
    text = s.astype("string").str.strip()
    bad = (num.isna() & text.notna() & (text != "")).to_numpy(dtype=bool, na_value=False)
    return num.to_numpy(dtype=float, na_value=np.nan), bad


def _normalized_text(s: pd.Series, *, email: bool) -> pd.Series:
    """Trimmed text (e-mails: all white space removed, lower-cased); empty -> missing. Vectorized in Arrow."""
    arr = pa.array(s.astype("str"), type=pa.large_string(), from_pandas=True)
    arr = pc.utf8_lower(pc.replace_substring_regex(arr, r"\s+", "")) if email else pc.utf8_trim_whitespace(arr)
    arr = pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.large_string()), arr)
    return pd.Series(arr.to_numpy(zero_copy_only=False), index=s.index, dtype=object)


def _first_positions(codes: np.ndarray) -> np.ndarray:
    """Position of the first row sharing each row's code (-1 where the code is -1, i.e. missing).

    ``codes`` are dense group numbers in order of first appearance (as :func:`pandas.factorize` gives),
    so ``np.unique(..., return_index=True)`` lists each group's first row in group order.
    """
    out = np.full(len(codes), -1, dtype=np.int64)
    ok = codes >= 0
    if ok.any():
        pos = np.flatnonzero(ok)
        c = codes[ok]
        _, first = np.unique(c, return_index=True)
        out[ok] = pos[first[c]]
    return out


_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _row_groups(M: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Group numbers of identical rows of ``M`` (NaN equals NaN) among ``rows``; -1 elsewhere.

    Rows are hashed in one vectorized pass (a splitmix64 finalizer per cell, salted by column, summed);
    every duplicate found by hash is then compared cell by cell with its first row, and the exact (slower)
    grouping is used if a hash collision ever shows up, so the result is always exact.
    """
    n, p = M.shape
    codes = np.full(n, -1, dtype=np.int64)
    if not rows.any():
        return codes
    sub = M[rows]
    sub = np.where(np.isnan(sub), np.nan, sub + 0.0)  # one NaN bit pattern; -0.0 -> 0.0
    bits = np.ascontiguousarray(sub).view(np.uint64)
    z = bits + np.arange(1, p + 1, dtype=np.uint64) * _GOLDEN
    z ^= z >> np.uint64(30)
    z *= _MIX1
    z ^= z >> np.uint64(27)
    z *= _MIX2
    z ^= z >> np.uint64(31)
    h = z.sum(axis=1, dtype=np.uint64)
    sub_codes, _ = pd.factorize(h)
    first = _first_positions(sub_codes)
    dup = first != np.arange(len(first))
    if dup.any() and not (bits[dup] == bits[first[dup]]).all():  # a hash collision: group exactly
        frame = pd.DataFrame(sub)
        sub_codes = frame.groupby(list(frame.columns), dropna=False, sort=False).ngroup().to_numpy()
    codes[rows] = sub_codes
    return codes


def _run_lengths(x: np.ndarray) -> np.ndarray:
    """Longest run of equal consecutive non-missing values in each row (0 when a row is all missing).

    One vectorized pass per column: ``run_j = run_{j-1} + 1`` when ``x_j == x_{j-1}``, else 1 (0 if missing).
    """
    n, p = x.shape
    if p == 0:
        return np.zeros(n, dtype=np.int64)
    ok = ~np.isnan(x)
    run = ok[:, 0].astype(np.int64)
    best = run.copy()
    for j in range(1, p):
        same = x[:, j] == x[:, j - 1]  # NaN never equals anything
        run = np.where(same, run + 1, ok[:, j].astype(np.int64))
        np.maximum(best, run, out=best)
    return best


def _finished_false(s: pd.Series) -> np.ndarray:
    """Rows a ``Finished`` column marks as not finished (False, 0, "FALSE", "No"...)."""
    if pd.api.types.is_bool_dtype(s):
        return (~s.fillna(True).astype(bool)).to_numpy()
    if pd.api.types.is_numeric_dtype(s):
        v = s.to_numpy(dtype=float, na_value=np.nan)
        return v == 0
    t = s.astype("string").str.strip().str.casefold()
    return t.isin(list(_FALSE_TEXT)).to_numpy(dtype=bool, na_value=False)


# ====================================================================== the checks

def check_quality(survey: Survey, *, exclude: str | Iterable[str] | None = None,
                  max_missing: float | None = None, longstring: int | None = None) -> QualityReport:
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
        Unknown codes in ``exclude``, or thresholds out of their range.
    """
    q = survey.questionnaire
    st = q.quality
    responses = survey.responses
    n = len(responses)
    index = responses.index
    exclude_t = tuple(parse_codes(exclude))
    max_missing = float(_setting(q, "max_missing", DEFAULT_MAX_MISSING) if max_missing is None else max_missing)
    if not 0.0 <= max_missing <= 1.0:
        raise DataError(f"max_missing must be a share from 0 to 1, not {max_missing}")
    min_items = int(st.straightline_min_items)

    flags = {c: np.zeros(n, dtype=bool) for c in FLAG_CODES}
    checks: dict[str, CheckInfo] = {}
    detail: dict[str, Any] = {}

    # ---------------------------------------------------------------- the numeric answer matrix
    item_cols: dict[str, list[str]] = {}
    for iid, item in q.items.items():
        if item.type in _ANSWERABLE:
            cols = [c for c in q.output_columns(iid) if c in responses.columns]
            if cols:
                item_cols[iid] = cols
    col_names = [c for cols in item_cols.values() for c in cols]
    col_pos = {c: j for j, c in enumerate(col_names)}
    # categorical items with text codes ({F: Femenino}) enter as the position of their code (1..k), so that
    # missing answers, out-of-range codes and missing codes are counted like every other item
    text_opts: dict[str, OptionSet] = {}
    for iid, cols in item_cols.items():
        opts = q.option_set(iid) if q.items[iid].type in _CODED else None
        if opts is not None and opts.text_codes:
            text_opts.update({c: opts for c in cols})
    numeric_cols = [c for c in col_names if pd.api.types.is_numeric_dtype(responses[c])
                    and not pd.api.types.is_bool_dtype(responses[c])]
    if len(numeric_cols) == len(col_names):  # the usual case: one conversion for the whole block
        X = responses[col_names].to_numpy(dtype=float, na_value=np.nan)
        nonnum = np.zeros(X.shape, dtype=bool)
    else:
        X = np.empty((n, len(col_names)), dtype=float)
        nonnum = np.zeros((n, len(col_names)), dtype=bool)
        for j, c in enumerate(col_names):
            if c in text_opts:
                X[:, j], nonnum[:, j] = _text_code_positions(responses[c], text_opts[c])
            else:
                X[:, j], nonnum[:, j] = _to_float(responses[c])

    # ---------------------------------------------------------------- out-of-range
    oor = nonnum.copy()
    oor_rules: list[str] = []
    code_groups: dict[tuple[tuple[float, ...], tuple[float, ...]], list[int]] = {}
    for iid, cols in item_cols.items():
        item = q.items[iid]
        js = [col_pos[c] for c in cols]
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
            oor_rules.append(f"{iid} in [{lo:g}, {hi:g}]")
    declared_missing = np.zeros(X.shape, dtype=bool)  # missing codes still in the data (e.g. 9 = "no answer")
    for (valid, missing), js in code_groups.items():  # one pass per answer scale, not per item
        vals = X[:, js]
        oor[:, js] |= ~np.isnan(vals) & ~np.isin(vals, np.array(valid + missing))
        if missing:
            declared_missing[:, js] = np.isin(vals, np.array(missing))
    oor_per_col = oor.sum(axis=0)
    detail["n_out_of_range"] = oor.sum(axis=1).astype(np.int64)
    flags["out-of-range"] = detail["n_out_of_range"] > 0
    out_of_range_items = pd.Series({c: int(k) for c, k in zip(col_names, oor_per_col, strict=True) if k > 0},
                                   dtype="int64", name="out_of_range")
    checks["out-of-range"] = CheckInfo(
        bool(col_names),
        ("code not among the item's valid codes" + (f"; numeric ranges: {', '.join(oor_rules)}" if oor_rules else ""))
        if col_names else "no coded or numeric items in the data")
    # out-of-range, non-numeric and missing-code cells are not usable answers for the other checks
    Xv = np.where(oor | declared_missing, np.nan, X)

    # ---------------------------------------------------------------- missing / partial
    answered_items = np.zeros(n, dtype=np.int64)
    for _iid, cols in item_cols.items():
        js = [col_pos[c] for c in cols]
        answered_items += ((~np.isnan(X[:, js]) & ~declared_missing[:, js]) | nonnum[:, js]).any(axis=1)
    n_answerable = len(item_cols)
    if n_answerable:
        missing_rate = 1.0 - answered_items / n_answerable
    else:
        missing_rate = np.full(n, np.nan)
    detail["answered"] = answered_items
    detail["missing_rate"] = missing_rate
    if n_answerable:
        flags["high-missing"] = missing_rate > max_missing
        checks["high-missing"] = CheckInfo(True, f"more than {max_missing:.0%} of {n_answerable} answerable items blank")
    else:
        checks["high-missing"] = CheckInfo(False, "no answerable items in the data")

    partial_rules: list[str] = []
    partial = np.zeros(n, dtype=bool)
    if n_answerable:
        partial |= (answered_items / n_answerable) < st.min_answered
        partial_rules.append(f"fewer than {st.min_answered:.0%} of {n_answerable} answerable items answered")
    fin = _find_column(survey, "Finished")
    if fin is not None and survey.metadata is not None and fin.name in survey.metadata.columns:
        partial |= _finished_false(fin)
        partial_rules.append(f"{fin.name!r} is false")
    prog = _find_column(survey, "Progress")
    if prog is not None and survey.metadata is not None and prog.name in survey.metadata.columns:
        pv, _ = _to_float(prog)
        partial |= pv < 100
        partial_rules.append(f"{prog.name!r} < 100")
    flags["partial"] = partial
    checks["partial"] = CheckInfo(bool(partial_rules), " or ".join(partial_rules) or "no answerable items and "
                                  "no Finished/Progress column")

    # ---------------------------------------------------------------- speeders
    dur_name = st.duration
    dur = _find_column(survey, dur_name) if dur_name else None
    auto = False
    if dur_name is None and survey.metadata is not None:
        for c in survey.metadata.columns:
            if normalize_label(c) in _DURATION_NAMES:
                dur, auto = survey.metadata[c], True
                break
    if dur_name is not None and dur is None:
        warnings.warn(f"{survey.source.describe()}: no duration column {dur_name!r} (quality.duration in the "
                      "questionnaire); the speeder check was skipped. Fix the column name or keep the "
                      "platform's metadata columns when importing", DataQualityWarning, stacklevel=2)
        checks["speeder"] = CheckInfo(False, f"duration column {dur_name!r} not found")
        detail["duration"] = np.full(n, np.nan)
        detail["duration_ratio"] = np.full(n, np.nan)
    elif dur is None:
        checks["speeder"] = CheckInfo(False, "no duration column (declare quality.duration in the questionnaire)")
        detail["duration"] = np.full(n, np.nan)
        detail["duration_ratio"] = np.full(n, np.nan)
    else:
        d, _ = _to_float(dur)
        d = np.where(np.isfinite(d), d, np.nan)
        has = ~np.isnan(d) & ~partial  # a break-off is short because it stopped, not because it sped
        if not has.any():
            checks["speeder"] = CheckInfo(False, f"duration column {dur.name!r} is empty for complete responses")
            detail["duration"] = d
            detail["duration_ratio"] = np.full(n, np.nan)
        else:
            med = float(np.median(d[has]))
            cut = st.speeder_fraction * med
            flags["speeder"] = has & (d < cut)
            detail["duration"] = d
            detail["duration_ratio"] = d / med if med > 0 else np.full(n, np.nan)
            checks["speeder"] = CheckInfo(True, f"{dur.name!r} < {st.speeder_fraction:g} x median "
                                                f"{med:g} = {cut:g} (complete responses)"
                                          + (" (column found automatically)" if auto else ""))

    # ---------------------------------------------------------------- straightlining and longstring
    reversed_items = set().union(*(s.reversed for s in q.scales.values())) if q.scales else set()
    if st.batteries is not None:
        battery_spec = {k: tuple(v) for k, v in st.batteries.items()}
    else:
        battery_spec = {k: tuple(s.items) for k, s in q.scales.items()}
    batteries: dict[str, dict[str, Any]] = {}
    straight_count = np.zeros(n, dtype=np.int64)
    battery_items: set[str] = set()
    for name, members in battery_spec.items():
        items = [i for i in members if i in item_cols and q.items[i].type != "multi"]
        battery_items.update(items)
        rev = [i for i in items if i in reversed_items]
        fwd = [i for i in items if i not in reversed_items]
        info: dict[str, Any] = {"items": items, "reversed": rev, "straightlining": None}
        batteries[name] = info
        if len(items) < min_items or not rev or not fwd:
            continue
        B = Xv[:, [col_pos[i] for i in items]]
        ok = ~np.isnan(B)
        n_ok = ok.sum(axis=1)
        lo = np.fmin.reduce(B, axis=1)  # NaN-ignoring; NaN only when the row is all missing
        hi = np.fmax.reduce(B, axis=1)
        both = ok[:, [items.index(i) for i in rev]].any(axis=1) & ok[:, [items.index(i) for i in fwd]].any(axis=1)
        s = (n_ok >= min_items) & both & (lo == hi)
        straight_count += s
        info["straightlining"] = int(s.sum())
    checked = [k for k, v in batteries.items() if v["straightlining"] is not None]
    detail["straightlined_batteries"] = straight_count
    flags["straightlining"] = straight_count > 0
    if checked:
        checks["straightlining"] = CheckInfo(True, f"one answer to every item of a battery with reverse-keyed items "
                                                   f"({len(checked)} batter{'y' if len(checked) == 1 else 'ies'}, >= {min_items} answered)")
    else:
        why = ("no batteries (declare scales or quality.batteries)" if not batteries else
               f"no battery has >= {min_items} items including reverse-keyed and forward-keyed ones")
        checks["straightlining"] = CheckInfo(False, why)

    ls_items = [i for i in q.items if i in battery_items]
    if len(ls_items) >= 2:
        ls_cut = int(longstring) if longstring is not None else int(
            _setting(q, "longstring", max(min_items, math.ceil(len(ls_items) / 2))))
        if ls_cut < 2:
            raise DataError(f"the longstring threshold must be at least 2, not {ls_cut}")
        runs = _run_lengths(Xv[:, [col_pos[i] for i in ls_items]])
        detail["longest_run"] = runs
        flags["longstring"] = runs >= ls_cut
        checks["longstring"] = CheckInfo(True, f"run of >= {ls_cut} identical answers over {len(ls_items)} "
                                               "battery items (questionnaire order)")
    else:
        ls_cut = None
        detail["longest_run"] = np.zeros(n, dtype=np.int64)
        checks["longstring"] = CheckInfo(False, "fewer than 2 battery items")

    # ---------------------------------------------------------------- attention checks
    att_items = [i for i, it in q.items.items() if it.expect is not None and i in item_cols]
    failed = np.zeros(n, dtype=np.int64)
    for iid in att_items:
        v = Xv[:, col_pos[item_cols[iid][0]]]
        exp = np.array([float(e) for e in q.items[iid].expect or ()])
        failed += ~np.isnan(v) & ~np.isin(v, exp)
    detail["attention_failed"] = failed
    flags["attention-check"] = failed > 0
    checks["attention-check"] = CheckInfo(
        bool(att_items),
        ("answer other than the expected one to " + ", ".join(
            f"{i} (expect {'/'.join(f'{e:g}' for e in q.items[i].expect or ())})" for i in att_items)
         + "; a blank answer is not a failure") if att_items else "no item declares 'expect'")

    # ---------------------------------------------------------------- duplicates
    dup_first = np.full(n, -1, dtype=np.int64)  # position of the earlier row a row duplicates

    def _mark(codes: np.ndarray) -> np.ndarray:
        first = _first_positions(codes)
        dup = (first >= 0) & (first != np.arange(n))
        np.copyto(dup_first, first, where=dup & (dup_first < 0))
        return dup

    id_items = [i for i, it in q.items.items() if it.type == "id"]
    id_series = [(i, _find_column(survey, i)) for i in id_items]
    id_series = [(i, s) for i, s in id_series if s is not None]
    for _i, s in id_series:
        flags["duplicate-id"] |= _mark(pd.factorize(_normalized_text(s, email=False).to_numpy())[0])
    checks["duplicate-id"] = CheckInfo(bool(id_series), (f"value of {', '.join(i for i, _ in id_series)} seen in "
                                                          "an earlier row") if id_series else "no id item in the data "
                                       "(respondent ids themselves are unique)")
    email_items = [i for i, it in q.items.items() if it.type == "email"]
    email_series = [(i, _find_column(survey, i)) for i in email_items]
    email_series = [(i, s) for i, s in email_series if s is not None]
    for _i, s in email_series:
        flags["duplicate-email"] |= _mark(pd.factorize(_normalized_text(s, email=True).to_numpy())[0])
    checks["duplicate-email"] = CheckInfo(bool(email_series), (f"{', '.join(i for i, _ in email_series)} seen in an "
                                                                "earlier row (case and spaces ignored)")
                                          if email_series else "no email item in the data")
    if len(col_names) >= 2:
        okm = ~np.isnan(Xv)
        n_ok = okm.sum(axis=1)
        varies = np.fmax.reduce(Xv, axis=1) > np.fmin.reduce(Xv, axis=1)  # False for all-missing rows
        need = max(2, math.ceil(st.min_answered * len(col_names)))
        eligible = varies & (n_ok >= need)
        flags["duplicate-answers"] = _mark(_row_groups(Xv, eligible))
        checks["duplicate-answers"] = CheckInfo(True, f"same answers as an earlier row to all {len(col_names)} "
                                                      f"answer columns (>= {need} answered, not all identical)")
    else:
        checks["duplicate-answers"] = CheckInfo(False, "fewer than 2 answer columns")
    ids_arr = index.to_numpy(dtype=object)
    detail["duplicate_of"] = np.where(dup_first >= 0, ids_arr[np.maximum(dup_first, 0)], "").astype(object)

    # ---------------------------------------------------------------- assemble
    flag_frame = pd.DataFrame({c: flags[c] for c in FLAG_CODES}, index=index)
    order = ["duration", "duration_ratio", "straightlined_batteries", "longest_run", "n_out_of_range",
             "duplicate_of", "answered", "missing_rate", "attention_failed"]
    detail_frame = pd.DataFrame({k: detail[k] for k in order}, index=index)
    if survey.source.row_numbers is not None and survey.source.row_numbers.index.equals(index):
        detail_frame["row"] = survey.source.row_numbers.to_numpy()
    settings = {
        "duration": (str(dur.name) if dur is not None else dur_name),
        "speeder_fraction": st.speeder_fraction,
        "min_answered": st.min_answered,
        "max_missing": max_missing,
        "straightline_min_items": min_items,
        "longstring": ls_cut,
        "answerable_items": n_answerable,
    }
    return QualityReport(flags=flag_frame, detail=detail_frame, checks=checks,
                         out_of_range_items=out_of_range_items, batteries=batteries, settings=settings,
                         exclude=exclude_t)


def apply_exclusions(survey: Survey, report: QualityReport, codes: str | Sequence[str] | None = None
                     ) -> tuple[Survey, Exclusions]:
    """Drop the respondents flagged with any of ``codes`` and report how many and why.

    Parameters
    ----------
    survey
        The survey the report was made from.
    report
        From :func:`check_quality`.
    codes
        Flag codes (``"speeder,partial"``, a list, or ``"all"``); default: the report's ``exclude``.

    Returns
    -------
    (Survey, Exclusions)
        The kept respondents (in their original order) and the account of the dropped ones, with
        ``rows_in == rows_out + rows_excluded``.

    Raises
    ------
    DataError
        Unknown codes, or a report made from other respondents.
    """
    if not report.flags.index.equals(survey.ids):
        raise DataError("the quality report was made from other respondents than this survey; run "
                        "check_quality on this survey first")
    ex = report.exclusions(codes)
    if ex.rows_excluded == 0:
        return survey, ex
    keep = ~report.flags.index.isin(ex.reasons.index)
    return survey.subset(keep), ex

"""Vectorized helpers of the quality checks: finding columns, numbers from text, row hashing, run lengths."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..questionnaire import Questionnaire, normalize_label
from ..survey import Survey

_DURATION_NAMES = ("duration (in seconds)", "duration", "duration_seconds", "duration (seconds)",
                   "time taken", "interview_duration")
_FALSE_TEXT = frozenset({"false", "0", "no", "0.0", "f", "n"})


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


def _text_code_positions(s: pd.Series, opts: Any) -> tuple[np.ndarray, np.ndarray]:
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

"""Turning export cells into codes: answer labels, numbers, multi-select answers.

A converter maps one distinct cell value to a code. The importer factorizes the cells of a sheet once
(each distinct value gets an integer) and asks the converter about each distinct value only, so the cost
of label matching does not grow with the number of respondents.

Matching rules (all case-, accent- and white-space-insensitive through
:func:`~surveytools.questionnaire.normalize_label`):

1. a label of the item's codes, one of its ``aliases``, or a ``missing`` label (-> missing);
2. a number that is a valid code (passes through) or a missing code (-> missing); SPSS value labels are
   tried before the number they label;
3. ``"4 = Agree"`` / ``"4 - Agree"``: a code followed by its own label; for NPS items ``"10 - Extremely
   likely"``: a code 0..10 followed by any anchor text;
4. anything else is an unknown label: an error, or missing with ``unknown_labels="missing"``.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..questionnaire import OptionSet, _as_code, normalize_label

__all__ = ["CodeConverter", "NumberConverter", "MultiConverter", "UNKNOWN", "selected_flag"]

#: Marker returned for a value that is not a known label or code.
UNKNOWN = object()

_LEADING_CODE = re.compile(r"^\s*(-?\d+(?:[.,]\d+)?)\s*(?:[-=:.)\u2013\u2014]|\()\s*(.*?)\)?\s*$", re.DOTALL)


def _blank(v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, str):
        return not v.strip()
    if isinstance(v, float):
        return math.isnan(v)
    return False


def _number(v: Any) -> int | float | None:
    if isinstance(v, (bool, np.bool_)):
        return None
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        f = float(v)
        if math.isnan(f):
            return None
        return int(f) if f.is_integer() else f
    return None


class CodeConverter:
    """Map a cell to a code of an option set (Likert, categorical, NPS items).

    Parameters
    ----------
    opts
        The item's option set (codes, aliases, missing).
    nps
        Accept ``"10 - Extremely likely"`` (a code followed by anchor text).
    value_labels
        SPSS value labels of the column (value -> label), tried before the value itself.
    """

    def __init__(self, opts: OptionSet, *, nps: bool = False, value_labels: Mapping[Any, str] | None = None) -> None:
        self.opts = opts
        self.labels = opts.label_map()
        self.valid = set(opts.valid_codes)
        self.missing = set(opts.missing_codes)
        self.by_code = {c: normalize_label(lab) for c, lab in opts.codes.items()}
        self.nps = nps
        # text codes (categorical items: {F: Femenino}): the code itself, written in the export, is matched too
        self.text = opts.text_codes
        self.by_text = {normalize_label(c): c for c in opts.codes if isinstance(c, str)}
        self.value_labels = {(_number(k) if _number(k) is not None else k): v
                             for k, v in (value_labels or {}).items()}

    def _code(self, c: int | float) -> Any:
        if c in self.missing:
            return None
        if c in self.valid:
            return c
        return UNKNOWN

    def __call__(self, v: Any) -> Any:
        """The code of ``v``; None for missing; :data:`UNKNOWN` when it is neither a label nor a code."""
        if _blank(v):
            return None
        if isinstance(v, (bool, np.bool_)):
            # a TRUE/FALSE cell: the label "True"/"False"; for a 0/1 (no/yes) item the code 1/0; else unknown
            # (never merged with the code 1 of a rating scale)
            key = "true" if v else "false"
            if key in self.labels:
                return self.labels[key]
            return (1 if v else 0) if self.valid == {0, 1} else UNKNOWN
        num = _number(v)
        if num is not None and self.text:  # a number where text codes are expected: its text may be a code
            if self.value_labels and num in self.value_labels:
                lab = normalize_label(self.value_labels[num])
                if lab in self.labels:
                    return self.labels[lab]
            v = str(num)
            num = None
        if num is not None:
            if self.value_labels and num in self.value_labels:
                lab = normalize_label(self.value_labels[num])
                if lab in self.labels:
                    return self.labels[lab]
            return self._code(num)
        if not isinstance(v, str):
            return UNKNOWN
        key = normalize_label(v)
        if key in self.labels:
            return self.labels[key]
        if self.text:
            c = self.by_text.get(key)
            return UNKNOWN if c is None else self._code(c)
        c = _as_code(v)
        if c is not None:
            return self._code(c)
        m = _LEADING_CODE.match(v)
        if m:
            c = _as_code(m.group(1))
            rest = normalize_label(m.group(2))
            if c is not None and c in self.valid and (self.nps or (rest and self.by_code.get(c) == rest)):
                return c
            if c is not None and c in self.missing and (rest and self.by_code.get(c) == rest):
                return None
        return UNKNOWN


class NumberConverter:
    """Map a cell to a number (numeric items): numbers and numeric text; missing codes and labels -> missing."""

    def __init__(self, missing: tuple[Any, ...] = ()) -> None:
        self.missing_codes = {c for c in (_as_code(m) for m in missing) if c is not None}
        self.missing_labels = {normalize_label(m) for m in missing if isinstance(m, str) and _as_code(m) is None}

    def __call__(self, v: Any) -> Any:
        if _blank(v):
            return None
        num = _number(v)
        if num is None and isinstance(v, str):
            if normalize_label(v) in self.missing_labels:
                return None
            num = _as_code(v)
        if num is None:
            return UNKNOWN
        if num in self.missing_codes:
            return None
        return float(num)


class MultiConverter:
    """Split a multi-select cell (``"Email,Phone"``, ``"Email, Phone"``, ``"1,3"``) into codes.

    Labels may contain commas: the pieces are re-joined greedily, longest known label first.

    Returns
    -------
    A tuple ``(codes, unknown_pieces)``; ``None`` for a blank cell.
    """

    def __init__(self, opts: OptionSet) -> None:
        self.conv = CodeConverter(opts)
        self.labels = {k.replace(", ", ","): c for k, c in opts.label_map().items()}

    def __call__(self, v: Any) -> tuple[set[Any], list[str]] | None:
        if _blank(v):
            return None
        single = self.conv(v)
        if single is None:
            return set(), []
        if single is not UNKNOWN:
            return {single}, []
        if not isinstance(v, str):
            return set(), [str(v)]
        # Microsoft Forms joins the choices with ";" (and ends with one): "Email;Chat;"
        sep = ";" if ";" in v else ","
        parts = [normalize_label(p) for p in v.split(sep)]
        raw_parts = [p.strip() for p in v.split(sep)]
        codes: set[Any] = set()
        unknown: list[str] = []
        i = 0
        while i < len(parts):
            if not parts[i]:
                i += 1
                continue
            for j in range(len(parts), i, -1):
                key = sep.join(parts[i:j]) if sep == ";" else ",".join(parts[i:j])
                if key in self.labels:
                    c = self.labels[key]
                    if c is not None:
                        codes.add(c)
                    i = j
                    break
            else:
                c = self.conv(raw_parts[i])
                if c is UNKNOWN:
                    unknown.append(raw_parts[i])
                elif c is not None:
                    codes.add(c)
                i += 1
        return codes, unknown


_FALSE = frozenset({"0", "false", "no", "n", "not selected", "unchecked", "no seleccionado"})


def selected_flag(v: Any) -> float:
    """One option column of a multi-select block: 1 chosen, 0 explicitly not chosen, NaN blank."""
    if _blank(v):
        return math.nan
    if isinstance(v, (bool, np.bool_)):
        return 1.0 if v else 0.0
    num = _number(v)
    if num is not None:
        return 0.0 if num == 0 else 1.0
    if isinstance(v, (_dt.date, _dt.time, _dt.timedelta)):
        return 1.0
    num = _as_code(v)
    if num is not None:
        return 0.0 if num == 0 else 1.0
    return 0.0 if normalize_label(v) in _FALSE else 1.0

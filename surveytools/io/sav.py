"""Labelled SPSS ``.sav`` files: clean data and stage outputs that research teams open in SPSS.

The questionnaire becomes SPSS metadata: each item's text is its variable label, its answer labels are
value labels, its missing codes are declared user-missing (and labelled), Likert items are ordinal,
categorical items nominal and numbers scale. Multiple-choice columns (``<id>_<code>``) are labelled
``"<question>: <option>"`` with 0/1 value labels. Column names that SPSS does not accept as variable
names (spaces, a leading digit, more than 64 bytes, reserved words, case-insensitive duplicates) are
made valid and the original name is kept in the variable label.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .atomic import atomic_write

__all__ = ["SavMeta", "questionnaire_sav_meta", "write_sav", "spss_name"]

_RESERVED = {"ALL", "AND", "BY", "EQ", "GE", "GT", "LE", "LT", "NE", "NOT", "OR", "TO", "WITH"}
_MAX_NAME_BYTES = 64
_MAX_LABEL_CHARS = 255
_SELECTED = {"en": ("Not selected", "Selected"), "es": ("No seleccionado", "Seleccionado")}


@dataclass
class SavMeta:
    """SPSS metadata of a table: labels per column name (before SPSS name fixing)."""

    file_label: str = ""
    column_labels: dict[str, str] = field(default_factory=dict)
    value_labels: dict[str, dict[float, str]] = field(default_factory=dict)
    missing: dict[str, list[float]] = field(default_factory=dict)
    measure: dict[str, str] = field(default_factory=dict)


def spss_name(name: str, taken: set[str]) -> str:
    """A valid, unique SPSS variable name for ``name`` (``taken`` holds upper-cased names in use)."""
    out = re.sub(r"[^\w.@#$]", "_", str(name), flags=re.UNICODE)
    if not out or not (out[0].isalpha() or out[0] == "@"):
        out = "v_" + out
    out = out.rstrip(".")
    while len(out.encode("utf-8")) > _MAX_NAME_BYTES:
        out = out[:-1]
    if out.upper() in _RESERVED:
        out += "_"
    base, n = out, 1
    while out.upper() in taken:
        n += 1
        suffix = f"_{n}"
        trimmed = base
        while len((trimmed + suffix).encode("utf-8")) > _MAX_NAME_BYTES:
            trimmed = trimmed[:-1]
        out = trimmed + suffix
    taken.add(out.upper())
    return out


def _num_key(code: Any) -> float | None:
    try:
        f = float(code)
    except (TypeError, ValueError):
        return None
    return f if np.isfinite(f) else None


def questionnaire_sav_meta(questionnaire: Any, columns: Iterable[str], *, id_name: str | None = None,
                           weight_name: str | None = None) -> SavMeta:
    """SPSS labels of clean-data columns from the questionnaire.

    Parameters
    ----------
    questionnaire
        The :class:`~surveytools.questionnaire.Questionnaire`.
    columns
        The table's columns.
    id_name, weight_name
        The respondent id and weight columns (labelled as such).
    """
    q = questionnaire
    lang = getattr(q, "language", "en") if getattr(q, "language", "en") in _SELECTED else "en"
    meta = SavMeta(file_label=str(getattr(q, "title", "") or ""))
    multi_cols = {}
    for iid, item in q.items.items():
        if item.type == "multi":
            for col in q.output_columns(iid):
                multi_cols[col] = (iid, col[len(iid) + 1:])
    for col in columns:
        col = str(col)
        if col == id_name:
            meta.column_labels[col] = "Respondent id" if lang == "en" else "Id del encuestado"
            meta.measure[col] = "nominal"
            continue
        if col == weight_name:
            meta.column_labels[col] = "Survey weight" if lang == "en" else "Ponderación"
            meta.measure[col] = "scale"
            continue
        if col in multi_cols:
            iid, code = multi_cols[col]
            item = q.items[iid]
            opts = q.option_set(iid)
            label = (opts.codes.get(_code(code), code) if opts is not None else code)
            meta.column_labels[col] = f"{item.text or iid}: {label}"
            off, on = _SELECTED[lang]
            meta.value_labels[col] = {0.0: off, 1.0: on}
            meta.measure[col] = "nominal"
            continue
        item = q.items.get(col)
        if item is None:
            continue
        if item.text:
            meta.column_labels[col] = str(item.text)
        meta.measure[col] = {"likert": "ordinal", "categorical": "nominal", "nps": "ordinal",
                             "numeric": "scale"}.get(item.type, "nominal")
        opts = q.option_set(col)
        if opts is None:
            continue
        labels = {k: str(v) for k, v in ((_num_key(c), lab) for c, lab in opts.codes.items()) if k is not None}
        miss = [k for k in (_num_key(c) for c in opts.missing_codes) if k is not None]
        if item.type == "nps" and all(labels.get(float(i)) == str(i) for i in range(11)):
            labels = {k: v for k, v in labels.items() if k not in {float(i) for i in range(11)}}
        if labels:
            meta.value_labels[col] = labels
        if miss:
            meta.missing[col] = sorted(miss)
    return meta


def _code(text: str) -> Any:
    try:
        f = float(text)
    except ValueError:
        return text
    return int(f) if f.is_integer() else f


def _spss_frame(frame: pd.DataFrame, names: Mapping[str, str]) -> pd.DataFrame:
    """Columns SPSS can store: numbers as float, text as str (missing as empty), dates without time zone."""
    out = {}
    for col in frame.columns:
        s = frame[col]
        if isinstance(s.dtype, pd.DatetimeTZDtype):
            s = s.dt.tz_localize(None)
        elif pd.api.types.is_bool_dtype(s):
            s = s.astype(float)
        elif pd.api.types.is_numeric_dtype(s):
            s = s.astype(float)
        elif not pd.api.types.is_datetime64_any_dtype(s):
            s = s.astype(object).where(s.notna(), None)
            s = s.map(lambda v: v if v is None else str(v))
        out[names[str(col)]] = s.to_numpy() if not pd.api.types.is_datetime64_any_dtype(s) else s
    return pd.DataFrame(out, index=range(len(frame)))


def _missing_spec(col: str, codes: list[float], labels: Mapping[float, str]) -> list[Any]:
    """SPSS user-missing values: up to three discrete codes, or one range when more codes hold no valid answer."""
    codes = sorted(codes)
    if len(codes) <= 3:
        return codes
    lo, hi = codes[0], codes[-1]
    valid_inside = [k for k in labels if lo <= k <= hi and k not in set(codes)]
    if not valid_inside:
        return [{"lo": lo, "hi": hi}]
    # a range plus one discrete value is what SPSS allows: the widest run of codes with no valid answer inside
    from ..exceptions import DataError

    raise DataError(f"column {col!r} declares {len(codes)} missing codes ({', '.join(f'{c:g}' for c in codes)}) "
                    "with valid answers between them; SPSS allows at most three discrete missing codes or one "
                    "range: recode the missing codes into a block (e.g. 97-99) in the questionnaire")


def write_sav(frame: pd.DataFrame, path: str | os.PathLike[str], meta: SavMeta | None = None, *,
              inputs: Iterable[str | os.PathLike[str]] = ()) -> dict[str, str]:
    """Write ``frame`` (its columns) as a labelled SPSS file, atomically.

    Returns
    -------
    dict
        Original column name -> SPSS variable name, for the columns that had to be renamed.
    """
    import pyreadstat

    meta = meta or SavMeta()
    taken: set[str] = set()
    names = {str(c): spss_name(str(c), taken) for c in frame.columns}
    renamed = {c: n for c, n in names.items() if c != n}
    labels = {}
    for col, new in names.items():
        label = meta.column_labels.get(col)
        if col in renamed:
            label = f"{col}: {label}" if label else col
        if label:
            labels[new] = label[:_MAX_LABEL_CHARS]
    data = _spss_frame(frame, names)
    numeric = {names[c] for c in map(str, frame.columns) if pd.api.types.is_numeric_dtype(data[names[c]])}
    value_labels = {names[c]: {float(k): str(v)[:120] for k, v in vl.items()}
                    for c, vl in meta.value_labels.items() if c in names and names[c] in numeric}
    missing = {names[c]: _missing_spec(c, v, meta.value_labels.get(c, {}))
               for c, v in meta.missing.items() if c in names and names[c] in numeric and v}
    measure = {names[c]: m for c, m in meta.measure.items() if c in names}
    for col in data.columns:
        measure.setdefault(col, "scale" if col in numeric else "nominal")
    p = Path(path)
    with atomic_write(p, inputs) as tmp:
        pyreadstat.write_sav(data, str(tmp), file_label=meta.file_label[:64], column_labels=labels or None,
                             variable_value_labels=value_labels or None, missing_ranges=missing or None,
                             variable_measure=measure)
    return renamed

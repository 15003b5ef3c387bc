"""Importing survey exports: find each item's column(s), turn answer labels into codes, build a Survey.

:func:`import_survey` reads any supported file (Qualtrics, SurveyMonkey, Google Forms, SPSS, plain or
clean CSV/Excel/Parquet) and returns an :class:`ImportResult` holding the :class:`~surveytools.survey.Survey`
and an :class:`ImportReport` (rows in and out, columns mapped, unknown labels).

How items are found, in this order (names and texts compared case-, accent- and white-space-insensitively):

1. ``column:`` of the item in the spec: a column name (row 1), else a column's text;
2. the item id as a column name (clean data: ``<id>`` or ``<id>_<code>`` for multi items);
3. the item ``text``: a column's full text (Qualtrics row 2, the header of Google Forms), else its
   sub-item (the part after ``" - "`` in Qualtrics, row 2 of SurveyMonkey, ``[Row]`` of Google Forms),
   else, for a multi-select item, the question over a block of one-column-per-option columns.
"""

from __future__ import annotations

import gc
import os
import re
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..exceptions import DataError, ImportMappingError, InputFileError
from ..questionnaire import Item, Questionnaire, normalize_label
from ..survey import SourceInfo, Survey
from .codes import UNKNOWN, CodeConverter, MultiConverter, NumberConverter, selected_flag
from .layout import ID_NAMES, META_NAMES, Layout, SourceColumn, cell_text, detect_layout, find_columns
from .locale_numbers import NumberFormat, detect_day_first, detect_number_format, parse_number
from .sources import Table, open_table

__all__ = ["ImportReport", "ImportResult", "UnknownLabel", "import_survey"]

_CODED = ("likert", "categorical", "nps")
_SUBCODE = re.compile(r"[A-Za-z]*0*(\d+)")
_LS_ANSWER = re.compile(r"A[O]?0*(\d+)", re.IGNORECASE)
_TEXT = ("text", "email", "id")
_MAX_LISTED = 40


# ====================================================================== results

@dataclass(frozen=True)
class UnknownLabel:
    """An answer that is not a label or code of its item.

    Attributes
    ----------
    item
        Item id.
    column
        The export column (as messages name it).
    label
        The answer as written in the export.
    count
        Respondents who gave it.
    first_row
        Spreadsheet row of the first of them.
    """

    item: str
    column: str
    label: str
    count: int
    first_row: int

    def describe(self) -> str:
        """``column 'Q1_3' (column F), row 17: 'Somewhat agree' (item A3; 4 rows)``."""
        more = f"; {self.count} rows" if self.count > 1 else ""
        return f"{self.column}, row {self.first_row}: {self.label!r} (item {self.item}{more})"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {"item": self.item, "column": self.column, "label": self.label, "count": self.count,
                "first_row": self.first_row}


@dataclass(frozen=True)
class ImportReport:
    """What an import read, mapped and dropped.

    Attributes
    ----------
    path, format, sheet
        The file, its flavour (``qualtrics``, ``surveymonkey``, ``google_forms``, ``spss``, ``csv``,
        ``excel``, ``clean``) and the sheet read.
    header_rows
        Header rows above the data.
    rows_in
        Data rows in the file (below the header).
    rows_out
        Respondents in the survey.
    blank_rows
        Rows dropped because every column read was empty.
    columns
        Output column -> export column(s) it came from.
    respondent_id
        Export column of the respondent ids, or ``None`` when ids are row numbers.
    weight
        Export column of the weights, if any.
    metadata
        Platform columns kept as metadata.
    unused_columns
        Export columns no item, id, weight or metadata column used.
    unknown_labels
        Answers that were not labels or codes of their items.
    unknown_labels_mode
        ``error`` or ``missing``.
    encoding, delimiter
        How a text file was read.
    """

    path: str
    format: str
    sheet: str | None
    header_rows: int
    rows_in: int
    rows_out: int
    blank_rows: int
    columns: dict[str, str | list[str]]
    respondent_id: str | None
    weight: str | None
    metadata: tuple[str, ...]
    unused_columns: tuple[str, ...]
    unknown_labels: tuple[UnknownLabel, ...] = ()
    unknown_labels_mode: str = "error"
    encoding: str | None = None
    delimiter: str | None = None
    number_format: NumberFormat = field(default_factory=NumberFormat)

    @property
    def unknown_count(self) -> int:
        """Answers set to missing because their label was unknown."""
        return sum(u.count for u in self.unknown_labels)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready report (the ``--json`` keys of ``surveytools import``, but ``quality``)."""
        return {
            "format": self.format,
            "path": self.path,
            "sheet": self.sheet,
            "header_rows": self.header_rows,
            "rows_in": self.rows_in,
            "rows_out": self.rows_out,
            "rows_excluded": {"blank": self.blank_rows},
            "columns": dict(self.columns),
            "respondent_id": self.respondent_id,
            "weight": self.weight,
            "metadata": list(self.metadata),
            "unused_columns": list(self.unused_columns),
            "unknown_labels": {"mode": self.unknown_labels_mode, "count": self.unknown_count,
                               "labels": [u.to_dict() for u in self.unknown_labels]},
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "decimal": self.number_format.decimal,
            "thousands": self.number_format.thousands,
        }

    def to_frame(self) -> pd.DataFrame:
        """Output column -> export column, one row per output column."""
        return pd.DataFrame({"source": [v if isinstance(v, str) else ", ".join(v) for v in self.columns.values()]},
                            index=pd.Index(list(self.columns), name="column"))

    def summary(self, lang: str = "en") -> str:
        """What was read and mapped (a Summary document rendered by the one text renderer)."""
        from ..summary.sections import summary_text

        return summary_text("import_report", self, lang=lang)


@dataclass(frozen=True)
class ImportResult:
    """A survey read from an export, with its import report (and the data-quality report once chained).

    Attributes
    ----------
    survey
        The coded responses.
    report
        What was read and mapped.
    quality
        The data-quality report (:class:`~surveytools.quality.QualityReport`) when the caller chained the quality
        stage (:meth:`with_quality`), else ``None``.
    """

    survey: Survey
    report: ImportReport
    quality: Any = None

    def with_quality(self, quality: Any) -> ImportResult:
        """This result with the quality stage's report attached (shown by :meth:`summary` and :meth:`to_dict`)."""
        return replace(self, quality=quality)

    def with_wave(self, label: str) -> ImportResult:
        """This result with every respondent in survey wave ``label`` (a ``wave`` platform column, written after
        the items, that ``surveytools compare-waves`` reads)."""
        s = self.survey
        meta = s.metadata.copy() if s.metadata is not None else pd.DataFrame(index=s.ids)
        meta["wave"] = pd.Series(str(label), index=s.ids, dtype="str")
        return replace(self, survey=replace(s, metadata=meta))

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` object of ``surveytools import``: ``format``, ``rows_in``, ``rows_out``, ``columns``,
        ``quality`` and the rest of the report."""
        d = self.report.to_dict()
        d["quality"] = self.quality.to_dict() if self.quality is not None else None
        return d

    def to_frame(self) -> pd.DataFrame:
        """The coded responses."""
        return self.survey.responses

    def summary(self, lang: str = "en") -> str:
        """What was read and mapped, then the data-quality flags when chained: one Summary document rendered by
        the one text renderer."""
        from ..summary.document import Document
        from ..summary.sections import summary_document
        from ..summary.text import render_section, render_text

        imp = summary_document("import_report", self.report, lang=lang)
        if self.quality is None:
            return "\n".join(render_section(imp, imp.sections[0], heading=False))
        quality = summary_document("quality", self.quality, lang=lang)
        return render_text(Document("", lang, [imp.sections[0], quality.sections[0]]))


# ====================================================================== planning

@dataclass
class _Target:
    item: Item
    kind: str  # coded, numeric, text, date, multi_joined, multi_block
    columns: list[SourceColumn]
    codes: list[Any] = field(default_factory=list)  # multi_block: the code of each column (None: unknown option)
    how: str = ""  # id, column, text


class _Finder:
    """Lookups of export columns by name, text, sub-item and question."""

    def __init__(self, columns: Sequence[SourceColumn]) -> None:
        self.columns = list(columns)
        self.by_text: dict[str, list[SourceColumn]] = {}
        self.by_sub: dict[str, list[SourceColumn]] = {}
        self.by_question: dict[str, list[SourceColumn]] = {}
        for c in self.columns:
            if c.text:
                self.by_text.setdefault(normalize_label(c.text), []).append(c)
            if c.sub:
                self.by_sub.setdefault(normalize_label(c.sub), []).append(c)
            if c.question:
                self.by_question.setdefault(normalize_label(c.question), []).append(c)

    def name(self, name: str) -> list[SourceColumn]:
        return find_columns(self.columns, name)

    def text(self, text: str) -> list[SourceColumn]:
        return list(self.by_text.get(normalize_label(text), []))

    def sub(self, text: str) -> list[SourceColumn]:
        found = list(self.by_sub.get(normalize_label(text), []))
        if found:
            return found
        tail = " - " + normalize_label(text)
        return [c for c in self.columns if c.text and normalize_label(c.text).endswith(tail)]

    def question(self, text: str) -> list[SourceColumn]:
        return list(self.by_question.get(normalize_label(text), []))

    def prefixed(self, base: str) -> list[tuple[SourceColumn, int]]:
        """Columns named ``<base>_<n>`` (split multi-select columns), with n."""
        pat = re.compile(re.escape(base) + r"_(\d+)$", re.IGNORECASE)
        out = []
        for c in self.columns:
            m = pat.match(c.name)
            if m:
                out.append((c, int(m.group(1))))
        return out


class _Planner:
    def __init__(self, table: Table, layout: Layout, q: Questionnaire) -> None:
        self.table = table
        self.layout = layout
        self.q = q
        self.find = _Finder(layout.columns)
        self.missing: list[str] = []
        self.ambiguous: list[str] = []
        self.targets: list[_Target] = []
        self.used: dict[int, str] = {}

    # -------------------------------------------------------------- single columns
    def _one(self, item: Item, levels: list[tuple[str, list[SourceColumn]]]) -> tuple[SourceColumn, str] | None:
        for how, found in levels:
            if len(found) == 1:
                return found[0], how
            if len(found) > 1:
                self.ambiguous.append(f"item {item.id}: its {how} matches {len(found)} columns "
                                      f"({', '.join(c.label() for c in found[:6])}); add column: to the item "
                                      "in the spec to choose one")
                return None
        return None

    def _levels(self, item: Item) -> list[tuple[str, list[SourceColumn]]]:
        if item.column:
            found = self.find.name(item.column) or self.find.text(item.column)
            # clean data written by 'import' names the column after the item id
            return [("column", found), ("id", self.find.name(item.id) if not found else [])]
        levels = [("id", self.find.name(item.id))]
        if item.text:
            levels += [("text", self.find.text(item.text)), ("text", self.find.sub(item.text))]
        return levels

    def _describe_missing(self, item: Item) -> str:
        if item.column:
            return f"{item.id}: no column {item.column!r} (named by column:)"
        text = f" or with the text {item.text!r}" if item.text else ""
        return f"{item.id}: no column named {item.id!r}{text}"

    # -------------------------------------------------------------- multi-select
    def _block(self, item: Item, cols: list[tuple[SourceColumn, int | None]], how: str) -> _Target:
        opts = self.q.option_set(item.id)
        labels = opts.label_map() if opts is not None else {}
        valid = set(opts.valid_codes) if opts is not None else set()
        codes = []
        for c, n in cols:
            code = labels.get(normalize_label(c.sub)) if c.sub else None
            if code is None and n is None and c.sub:  # LimeSurvey subquestion codes: Q5[SQ001] is option 1
                m = _SUBCODE.fullmatch(c.sub.strip())
                n = int(m.group(1)) if m else None
            if code is None and n is not None and n in valid:
                code = n
            codes.append(code)
        return _Target(item, "multi_block", [c for c, _ in cols], codes, how)

    def _multi(self, item: Item) -> _Target | None:
        f = self.find
        opts = self.q.option_set(item.id)
        valid = list(opts.valid_codes) if opts is not None else []
        if item.column:
            single = f.name(item.column)
            if len(single) == 1:
                return _Target(item, "multi_joined", single, how="column")
            pref = f.prefixed(item.column)
            if pref:
                return self._block(item, [(c, n) for c, n in pref], "column")
            block = f.question(item.column) or (f.text(item.column) if len(f.text(item.column)) > 1 else [])
            if block:
                return self._block(item, [(c, None) for c in block], "column")
        clean = [f.name(f"{item.id}_{c}") for c in valid]
        if clean and all(len(x) == 1 for x in clean):
            return _Target(item, "multi_block", [x[0] for x in clean], list(valid), "id")
        if item.column:  # clean data is the only fallback for a pinned column
            return None
        single = f.name(item.id)
        if len(single) == 1:
            return _Target(item, "multi_joined", single, how="id")
        pref = f.prefixed(item.id)
        if pref:
            return self._block(item, [(c, n) for c, n in pref], "id")
        if item.text:
            single = f.text(item.text)
            if len(single) == 1:
                return _Target(item, "multi_joined", single, how="text")
            block = f.question(item.text)
            if block:
                return self._block(item, [(c, None) for c in block], "text")
        return self._named_by_options(item)

    def _named_by_options(self, item: Item) -> _Target | None:
        """Typeform: one column per choice, named after the choice (no question text): the item's option labels
        name at least two columns, each exactly one column not taken by another item."""
        opts = self.q.option_set(item.id)
        if opts is None:
            return None
        cols: list[SourceColumn] = []
        codes: list[Any] = []
        for code in opts.valid_codes:
            found = [c for c in self.find.name(str(opts.codes[code])) if c.index not in self.used]
            if len(found) > 1:
                return None
            if found:
                cols.append(found[0])
                codes.append(code)
        if len(cols) < 2:
            return None
        return _Target(item, "multi_block", cols, codes, "text")

    # -------------------------------------------------------------- plan
    def plan(self) -> None:
        for iid, item in self.q.items.items():
            if item.type == "multi":
                target = self._multi(item)
                if target is None:
                    self.missing.append(self._describe_missing(item))
                    continue
            else:
                found = self._one(item, self._levels(item))
                if found is None:
                    if not any(a.startswith(f"item {iid}:") for a in self.ambiguous):
                        self.missing.append(self._describe_missing(item))
                    continue
                col, how = found
                kind = ("coded" if item.type in _CODED else "numeric" if item.type == "numeric"
                        else "date" if item.type == "date" else "text")
                if kind == "coded" and self.q.option_set(iid) is None:
                    kind = "numeric"
                target = _Target(item, kind, [col], how=how)
            for c in target.columns:
                other = self.used.get(c.index)
                if other is not None:
                    self.ambiguous.append(f"items {other} and {iid} both match {c.label()}; add column: to one "
                                          "of them in the spec")
                self.used[c.index] = iid
            self.targets.append(target)

    def special(self, name: str | None, native: Sequence[str], what: str) -> SourceColumn | None:
        """The respondent id or weight column."""
        if name:
            found = self.find.name(name) or self.find.text(name)
            if found:
                return found[0]
            self.missing.append(f"{what}: no column {name!r} (named by '{what}' in the spec)")
            return None
        for key in native:
            found = [c for c in self.layout.columns if c.name and normalize_label(c.name) == key]
            if found:
                return found[0]
        return None


# ====================================================================== reading

def _is_empty(v: Any) -> bool:
    if v is None:
        return True
    t = type(v)
    if t is str:
        return not v or ((v[0].isspace() or v[-1].isspace()) and not v.strip())
    if t is float:
        return v != v
    if v is pd.NA or v is pd.NaT:
        return True
    try:
        return bool(v != v)  # numpy NaN / NaT
    except (TypeError, ValueError):
        return False


def _blank_values(values: np.ndarray) -> np.ndarray:
    """Empty values of an object array: None, NaN, NaT, empty or white-space text."""
    return np.fromiter(map(_is_empty, values.tolist()), dtype=bool, count=len(values))


class _Cells:
    """The data rows of the columns read, factorized: one int32 id per cell into a table of distinct values.

    Attributes
    ----------
    ids
        (rows, columns read) int32; -1 for an empty cell, else an index into ``uniques``.
    uniques
        Distinct cell values (object array) with one extra entry at the end for empty cells, so that
        ``uniques[ids]`` gives the values back.
    blank
        Per entry of ``uniques``: the value is empty (None, NaN, empty or white-space text).
    pos
        Export column index -> column of ``ids``.
    """

    def __init__(self, ids: np.ndarray, uniques: list[Any], pos: dict[int, int]) -> None:
        self.ids = ids
        self.uniques = np.empty(len(uniques) + 1, dtype=object)
        self.uniques[:-1] = uniques
        self.uniques[-1] = ""
        self.blank = _blank_values(self.uniques)
        self.blank[-1] = True
        self.pos = pos
        self.n = ids.shape[0]
        self._seen = np.zeros(len(self.uniques) + 1, dtype=bool)

    def col(self, c: SourceColumn) -> np.ndarray:
        """The ids of one export column (-1 for empty cells)."""
        return self.ids[:, self.pos[c.index]]

    def present(self, col_ids: np.ndarray) -> np.ndarray:
        """Distinct non-empty ids of a column, ascending."""
        seen = self._seen
        seen[col_ids + 1] = True
        found = np.flatnonzero(seen[1:])
        seen[found + 1] = False
        seen[0] = False
        return found[~self.blank[found]]

    def lut(self, col_ids: np.ndarray, fn: Callable[[Any], Any]) -> tuple[list[Any], np.ndarray]:
        """``fn`` applied to each distinct non-empty value of a column: (results, their ids)."""
        found = self.present(col_ids)
        return [fn(self.uniques[g]) for g in found.tolist()], found


def _read_cells(table: Table, layout: Layout, columns: list[int]) -> tuple[_Cells, int]:
    """Stream the data rows of ``columns`` and factorize their cells chunk by chunk.

    Cells are factorized row-major over all the columns read at once (one hash table per chunk, merged
    into a global table of distinct values), which is both the fastest order for object arrays and the
    reason a 50,000 x 60 workbook never exists as a DataFrame of Python objects.
    """
    index: dict[Any, int] = {}  # distinct value (booleans tagged) -> global id, in order of first appearance
    add = index.setdefault

    def merge(local: np.ndarray, local_uniques: Any) -> np.ndarray:
        lut = np.empty(len(local_uniques) + 1, dtype=np.int32)
        lut[:-1] = [add(u, len(index)) for u in local_uniques.tolist()]
        lut[-1] = -1
        return lut[local]

    def factorize(values: Any) -> tuple[np.ndarray, Any]:
        return _factorize_typed(values)

    if table.frame is not None:  # SPSS, Parquet: typed columns, factorized one by one without Python objects
        frame = table.frame
        ids = np.empty((len(frame), len(columns)), dtype=np.int32)
        for j, c in enumerate(columns):
            col = frame[c]
            local, local_uniques = (factorize(col.to_numpy(dtype=object)) if col.dtype == object
                                    else pd.factorize(col, use_na_sentinel=True))
            ids[:, j] = merge(local, local_uniques)
        table.close()
        return _Cells(ids, _untag(index), {c: j for j, c in enumerate(columns)}), len(frame)

    capacity = max(table.rows_hint - layout.data_start, 0) if table.rows_hint else 0
    ids = np.empty((capacity, len(columns)), dtype=np.int32)
    n = 0
    take_all = columns == list(range(table.width))
    gc_was_enabled = gc.isenabled()
    gc.disable()  # millions of short-lived cells: the cyclic collector only costs time here
    try:
        for chunk in table.chunks(layout.data_start):
            rows = len(chunk)
            if n + rows > len(ids):  # the row count was not known (or was short): grow
                ids = np.concatenate([ids[:n], np.empty((max(n + rows, 2 * len(ids)) - n, len(columns)),
                                                        dtype=np.int32)])
            if columns:
                block = chunk if take_all else chunk[:, columns]
                local, local_uniques = factorize(block.ravel())
                ids[n: n + rows] = merge(local, local_uniques).reshape(block.shape)
                del block, local
            n += rows
            del chunk
    finally:
        if gc_was_enabled:
            gc.enable()
    return _Cells(ids[:n], _untag(index), {c: j for j, c in enumerate(columns)}), n


class _BoolCell:
    """A boolean cell as a hash key of its own: in Python ``True == 1 == 1.0`` and they hash alike, so a
    dict (or ``pd.factorize``) of distinct values would merge a ``True`` cell with a ``1.0`` cell."""

    __slots__ = ("value",)

    def __init__(self, value: bool) -> None:
        self.value = value

    def __repr__(self) -> str:
        return f"_BoolCell({self.value})"


_TRUE_CELL, _FALSE_CELL = _BoolCell(True), _BoolCell(False)


def _factorize_typed(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize`` of an object array that keeps booleans apart from the numbers 0 and 1.

    Only when a distinct value equals 0 or 1 are the cells holding it looked at (a cheap check per distinct
    value); boolean cells are then replaced by :class:`_BoolCell` keys and the array factorized again.
    """
    local, uniques = pd.factorize(values, use_na_sentinel=True)
    suspects = [k for k, u in enumerate(uniques.tolist())
                if not isinstance(u, str) and isinstance(u, (bool, int, float, np.bool_, np.number))
                and (u == 0 or u == 1)]
    if not suspects:
        return local, uniques
    where = np.flatnonzero(np.isin(local, suspects))
    sub = values[where]
    is_bool = np.fromiter((isinstance(v, (bool, np.bool_)) for v in sub.tolist()), dtype=bool, count=len(sub))
    if not is_bool.any():
        return local, uniques
    values = values.copy()
    values[where[is_bool]] = [_TRUE_CELL if v else _FALSE_CELL for v in sub[is_bool].tolist()]
    return pd.factorize(values, use_na_sentinel=True)


def _untag(index: dict[Any, int]) -> list[Any]:
    """The distinct values of :func:`_read_cells`, booleans back as ``bool``."""
    return [k.value if isinstance(k, _BoolCell) else k for k in index]


# ====================================================================== conversion helpers

def _text_of(v: Any) -> str | None:
    if type(v) is str:
        return v.strip() or None
    return cell_text(v) or None


def _texts(values: np.ndarray) -> np.ndarray:
    """Values as stripped text (object array; whole numbers without ``.0``; empty -> None)."""
    out = np.empty(len(values), dtype=object)
    out[:] = [_text_of(v) for v in values.tolist()]
    return out


def _text_column(cells: _Cells, col_ids: np.ndarray) -> pd.Series:
    """A column as text (``str`` dtype): stripped, whole numbers without ``.0``, empty cells missing."""
    found = cells.present(col_ids)
    lut = np.full(len(cells.uniques), None, dtype=object)
    lut[found] = _texts(cells.uniques[found])
    return pd.Series(lut[col_ids], dtype="str")


_DATE_NAMES = re.compile(r"date|time|timestamp|marca temporal|horodateur|zeitstempel|fecha|submitted", re.I)


def _is_date(v: Any) -> bool:
    return hasattr(v, "isoformat") and not isinstance(v, str)


_GMT = re.compile(r"\b(?:GMT|UTC)\s*([+-])(\d{1,2})(?::?(\d{2}))?\b")


def _gmt_offset(text: str) -> str:
    # "GMT+1" means UTC+01:00 (dateutil would read it with the POSIX sign, as UTC-01:00)
    return _GMT.sub(lambda m: f"{m.group(1)}{int(m.group(2)):02d}:{m.group(3) or '00'}", text.strip())


def _parse_dates(values: list[Any], day_first: bool | None = None) -> pd.DatetimeIndex:
    """Parse dates: cells that are dates already, ISO 8601 text (the platforms' format), then any format
    pandas recognises; unparseable cells become NaT. Time-zone offsets (``GMT+1``) give UTC times.

    ``nn/nn/yyyy`` dates are read day first when a first field is over 12 (or ``day_first``), month first when
    a second field is; see :func:`~surveytools.io.locale_numbers.detect_day_first`."""
    dayfirst = detect_day_first(values, default=bool(day_first))
    arr = pd.Series(values, dtype=object)
    kind = pd.api.types.infer_dtype(arr, skipna=True)
    if kind in ("datetime", "datetime64", "date"):
        return pd.DatetimeIndex(pd.to_datetime(arr, errors="coerce"))
    if kind == "string":
        arr = pd.Series([_gmt_offset(v) if ("GMT" in v or "UTC" in v) else v.strip() for v in values],
                        dtype=object)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for kw in ({"format": "ISO8601"}, {"format": "ISO8601", "utc": True}, {"format": "mixed", "dayfirst": dayfirst},
                   {"format": "mixed", "utc": True, "dayfirst": dayfirst}):
            try:
                return pd.DatetimeIndex(pd.to_datetime(arr, **kw))
            except (ValueError, TypeError, OverflowError):
                continue
        return pd.DatetimeIndex(pd.to_datetime(arr, errors="coerce", format="mixed", utc=True, dayfirst=dayfirst))


def _take(values: pd.Index, found: np.ndarray, col_ids: np.ndarray, n_uniques: int) -> pd.Series:
    """Spread per-distinct-value results back over a column (empty cells -> missing)."""
    where = np.full(n_uniques, -1, dtype=np.int64)
    where[found] = np.arange(found.size)
    return pd.Series(values.take(where[col_ids], allow_fill=True, fill_value=None))


def _number_or_none(v: Any) -> float | None:
    if isinstance(v, (bool, np.bool_)):
        return None
    if isinstance(v, (int, float, np.integer, np.floating)):
        return float(v)
    if isinstance(v, str):
        try:
            return float(v.strip())
        except ValueError:
            return None
    return None


def _numbers(values: np.ndarray, fmt: NumberFormat | None = None) -> np.ndarray | None:
    """Values as floats when every one is a number or numeric text; else None (vectorized).

    With a local number format (``1.234,56``) the distinct values are read one by one with it."""
    ser = pd.Series(values, dtype=object)
    kind = pd.api.types.infer_dtype(ser, skipna=True)
    if kind in ("floating", "integer", "mixed-integer-float", "decimal"):
        return ser.to_numpy(dtype=float)
    if fmt is not None and fmt != NumberFormat():
        parsed = [parse_number(v, fmt) for v in values.tolist()]
        return None if any(x is None for x in parsed) else np.array(parsed, dtype=float)
    if kind != "string" or any(_number_or_none(v) is None for v in values[:20].tolist()):
        return None
    num = pd.to_numeric(pd.Series([v.strip() for v in values.tolist()], dtype=object),
                        errors="coerce").to_numpy(dtype=float)
    return None if np.isnan(num).any() else num


_FLAGS = {"true": 1.0, "false": 0.0}


def _flags(values: np.ndarray) -> np.ndarray | None:
    """True/False values (or their text) as 1/0; else None."""
    out = []
    for v in values.tolist():
        if isinstance(v, (bool, np.bool_)):
            out.append(float(v))
        elif isinstance(v, str) and v.strip().casefold() in _FLAGS:
            out.append(_FLAGS[v.strip().casefold()])
        else:
            return None
    return np.array(out, dtype=float)


def _metadata_column(name: str, cells: _Cells, col_ids: np.ndarray, fmt: NumberFormat | None = None) -> pd.Series:
    """Type a platform column from its distinct values: numbers, True/False flags (1/0), dates, else text."""
    found = cells.present(col_ids)
    if found.size == 0:
        return pd.Series(np.full(cells.n, np.nan))
    values = cells.uniques[found]
    converted = _numbers(values, fmt)
    if converted is None and len(values) <= 4:
        converted = _flags(values)
    if converted is not None:
        lut = np.full(len(cells.uniques), np.nan)
        lut[found] = converted
        return pd.Series(lut[col_ids])
    sample = values[:20].tolist()
    if all(_is_date(v) for v in sample) or (_DATE_NAMES.search(name)
                                             and all(isinstance(v, str) or _is_date(v) for v in sample)):
        parsed = _parse_dates(values.tolist(), day_first=fmt is not None and fmt.decimal == ",")
        if not parsed.isna().any():
            return _take(parsed, found, col_ids, len(cells.uniques))
    return _text_column(cells, col_ids)


# ====================================================================== the import

def import_survey(path: str | os.PathLike[str], questionnaire: Questionnaire, *, sheet: str | int | None = None,
                  unknown_labels: Literal["error", "missing"] = "error", check_quality: bool = False,
                  progress: Callable[[str, int, int], None] | None = None, decimal: str | None = None,
                  thousands: str | None = None) -> ImportResult:
    """Read a survey export (or clean data) and code it per the questionnaire.

    Parameters
    ----------
    path
        Qualtrics (.csv/.xlsx, 3 or 2 header rows, choice text or numeric values), SurveyMonkey (.xlsx/.csv,
        2 header rows), Google Forms (.csv), SPSS (.sav), a plain table (.csv with any delimiter, .xlsx,
        .xls) or clean data written by ``surveytools import`` (.csv, .xlsx, .parquet). The flavour is read
        from the content, not the extension.
    questionnaire
        The spec: items (with ``column:``, ids or texts to find them), answer labels, missing codes.
    sheet
        Worksheet name or 0-based index (default: the first sheet).
    unknown_labels
        ``"error"`` (default): an answer that is not a label or code of its item stops the import, listing
        each such label with its column and first row. ``"missing"``: such answers become missing values
        and are counted in the report.
    check_quality
        Deprecated: chain the stages instead,
        ``result.with_quality(surveytools.quality.check_quality(result.survey))``. Still runs the checks, with a
        :class:`DeprecationWarning`; to be removed.
    progress
        Optional callback ``progress(label, done, total)``.
    decimal, thousands
        How numbers are written in a text file (``","`` and ``"."`` for ``1.234,56``); default: detected from
        the file's cells (:func:`~surveytools.io.locale_numbers.detect_number_format`). Give ``thousands=""``
        for no digit groups. Workbooks hold typed numbers; the options apply to numbers written as text.

    Returns
    -------
    ImportResult

    Raises
    ------
    InputFileError
        Missing, empty, encrypted or unreadable file; empty sheet; header rows not found.
    ImportMappingError
        Items (or the id/weight/duration columns named by the spec) not found, ambiguous columns, or
        unknown answer labels (with ``unknown_labels="error"``).
    DataError
        Respondent ids missing or duplicated, weights that are not numbers.
    """
    if unknown_labels not in ("error", "missing"):
        raise ValueError("unknown_labels must be 'error' or 'missing'")
    q = questionnaire
    if progress is not None:
        progress("reading", 0, 3)
    table = open_table(path, sheet)
    try:
        layout = detect_layout(table, q)
        planner = _Planner(table, layout, q)
        planner.plan()
        plan = _plan_columns(table, layout, planner, q)
    except BaseException:
        table.close()
        raise
    if progress is not None:
        progress("reading", 1, 3)
    cells, n_rows = _read_cells(table, layout, plan.columns)
    if progress is not None:
        progress("coding", 2, 3)
    where = table.describe()
    if n_rows == 0:
        raise InputFileError(f"{where}: the header rows were found but there are no responses below them; export "
                             "the survey again with its responses")
    first_data_row = table.first_row + layout.data_start
    row_numbers_all = np.arange(first_data_row, first_data_row + n_rows)

    # ---- blank rows: every column read is empty
    keep = ~cells.blank[cells.ids].all(axis=1) if cells.ids.shape[1] else np.ones(n_rows, dtype=bool)
    n_blank = int(n_rows - keep.sum())

    fmt = _number_format(cells, table, decimal, thousands)
    coder = _Coder(q, table, cells, keep, row_numbers_all, fmt)
    coder.answer_codes = layout.flavour == "limesurvey"  # LimeSurvey "answer codes" exports: A1, A2 (AO01...)
    for t in planner.targets:
        coder.code(t)
    unknown = coder.unknown
    if unknown and unknown_labels == "error":
        raise _unknown_labels_error(unknown, where)
    row_numbers = row_numbers_all[keep]
    index = _respondent_index(cells, plan.id_col, keep, row_numbers, where, q)
    responses = _responses_frame(q, coder.out, keep, n_rows, index)
    weights = _weights(cells, plan.weight_col, keep, row_numbers_all, where, index, q, fmt)
    metadata = _metadata(cells, plan.meta_cols, keep, index, fmt)
    flavour = _flavour(layout, table, planner, coder)
    id_col = plan.id_col

    used = set(plan.columns)
    report = ImportReport(
        path=str(table.path), format=flavour, sheet=table.sheet, header_rows=layout.header_rows,
        rows_in=n_rows, rows_out=len(responses), blank_rows=n_blank, columns=coder.columns,
        respondent_id=id_col.display() if id_col is not None else None,
        weight=plan.weight_col.display() if plan.weight_col is not None else None,
        metadata=tuple(metadata.columns) if metadata is not None else (),
        unused_columns=tuple(c.display() for c in layout.columns if c.index not in used and c.display()),
        unknown_labels=tuple(unknown), unknown_labels_mode=unknown_labels,
        encoding=table.encoding, delimiter=table.delimiter, number_format=fmt,
    )
    source = SourceInfo(path=str(table.path), flavour=flavour, sheet=table.sheet,
                        row_numbers=pd.Series(row_numbers, index=index), rows_in=n_rows)
    survey = Survey(responses=responses, questionnaire=q, weights=weights, metadata=metadata, source=source)
    if progress is not None:
        progress("coding", 3, 3)
    result = ImportResult(survey=survey, report=report)
    if check_quality:
        warnings.warn("import_survey(check_quality=True) is deprecated: import no longer runs the quality stage; "
                      "chain it: result.with_quality(check_quality(result.survey))", DeprecationWarning,
                      stacklevel=2)
        from ..quality import check_quality as run_checks  # the deprecated path only (io is below quality)

        result = result.with_quality(run_checks(survey))
    return result


def _number_format(cells: _Cells, table: Table, decimal: str | None, thousands: str | None) -> NumberFormat:
    """The file's number format: the options, else detected from the distinct text cells of a text file
    (workbooks and SPSS/Parquet files hold typed numbers)."""
    if decimal is not None and decimal not in (".", ","):
        raise ValueError("decimal must be '.' or ','")
    detected = NumberFormat()
    if table.kind == "csv" and (decimal is None or thousands is None):
        detected = detect_number_format(cells.uniques.tolist(), delimiter=table.delimiter)
    dec = decimal if decimal is not None else detected.decimal
    if thousands is not None:
        thou: str | None = thousands or None
    elif decimal is not None and decimal != detected.decimal:
        thou = "." if decimal == "," else None
    else:
        thou = detected.thousands
    try:
        return NumberFormat(dec, thou)
    except ValueError as exc:
        raise DataError(f"{table.describe()}: {exc}; fix --decimal / --thousands") from None


@dataclass
class _ColumnPlan:
    columns: list[int]
    id_col: SourceColumn | None
    weight_col: SourceColumn | None
    meta_cols: list[SourceColumn]


def _plan_columns(table: Table, layout: Layout, planner: _Planner, q: Questionnaire) -> _ColumnPlan:
    """Find the id, weight and metadata columns; raise on missing or ambiguous columns."""
    where = table.describe()
    if not planner.targets and layout.flavour in ("plain", "parquet"):
        names = [c.display() for c in layout.columns if c.display()]
        searched = f" (searched the first {len(table.head)} rows)" if layout.flavour == "plain" else ""
        raise InputFileError(
            f"{where}: header rows not found: no column is named after an item of the questionnaire (by id, "
            f"column: or text) in row {table.first_row + layout.header_start}{searched}; check that the file, "
            "--sheet and -q questionnaire belong together, or add column: to the items",
            [f"columns found: {', '.join(map(repr, names[:12]))}{' ...' if len(names) > 12 else ''}"]
            if names else None)
    if q.respondent_id and q.respondent_id in q.items:
        # the top-level respondent_id names an item (``ResponseId: {type: id}``): its column holds the ids
        id_col = next((t.columns[0] for t in planner.targets if t.item.id == q.respondent_id), None)
    else:
        id_col = planner.special(q.respondent_id, ID_NAMES, "respondent_id")
    weight_col = planner.special(q.weight, (), "weight")
    duration = q.quality.duration
    duration_col: SourceColumn | None = None
    if duration and duration not in q.items:
        found = planner.find.name(duration) or planner.find.text(duration)
        if found:
            duration_col = found[0]
        else:
            planner.missing.append(f"quality.duration: no column {duration!r}")
    if planner.missing or planner.ambiguous:
        problems = planner.ambiguous + planner.missing
        n_missing = len(planner.missing)
        listing = [c.display() for c in layout.columns if c.display()]
        shown = ", ".join(repr(x) for x in listing[:30]) + (" ..." if len(listing) > 30 else "")
        head = (f"{where}: {n_missing} column{'s' if n_missing != 1 else ''} named by the questionnaire "
                f"{'are' if n_missing != 1 else 'is'} not in the export" if n_missing else
                f"{where}: the questionnaire's items do not match the export's columns one to one")
        if len(problems) > _MAX_LISTED:
            problems = problems[:_MAX_LISTED] + [f"... and {len(problems) - _MAX_LISTED} more"]
        raise ImportMappingError(
            head + "; add column: to each item in the spec (the export's column name or question text), or "
            "check that the export, --sheet and -q questionnaire belong together",
            problems + [f"the export's columns: {shown}"])
    taken = set(planner.used)
    for c in (id_col, weight_col):
        if c is not None:
            taken.add(c.index)
    meta_cols = [c for c in layout.columns
                 if c.index not in taken and c.name and normalize_label(c.name) in META_NAMES]
    if duration_col is not None and duration_col.index not in taken and duration_col not in meta_cols:
        meta_cols.append(duration_col)
    columns = sorted(taken | {c.index for c in meta_cols})
    return _ColumnPlan(columns, id_col, weight_col, meta_cols)


class _Coder:
    """Codes the targets' columns; collects unknown labels and the column report."""

    def __init__(self, q: Questionnaire, table: Table, cells: _Cells, keep: np.ndarray,
                 row_numbers: np.ndarray, number_format: NumberFormat | None = None) -> None:
        self.fmt = number_format or NumberFormat()
        self.q = q
        self.table = table
        self.cells = cells
        self.keep = keep
        self.row_numbers = row_numbers
        self.unknown: list[UnknownLabel] = []
        self.out: dict[str, Any] = {}
        self.columns: dict[str, str | list[str]] = {}
        self._converters: dict[Any, Any] = {}
        self._results: dict[tuple[int, int], Any] = {}
        self.labels_seen = False  # some answers were labels (not clean data)
        self.answer_codes = False  # read LimeSurvey answer codes (A1 = code 1)

    # -------------------------------------------------------------- helpers
    def converter(self, item: Item, col: SourceColumn) -> Any:
        q = self.q
        vl = self.table.value_labels.get(col.index)
        opts = q.option_set(item.id)
        if item.type == "multi":
            key: Any = ("multi", repr(opts))
            factory: Callable[[], Any] = lambda: MultiConverter(opts)  # noqa: E731
        elif item.type in _CODED and opts is not None:
            key = ("coded", repr(opts), item.type == "nps", repr(vl) if vl else None)
            factory = lambda: CodeConverter(opts, nps=item.type == "nps", value_labels=vl)  # noqa: E731
        else:
            key = ("number", tuple(map(repr, item.missing)))
            factory = lambda: NumberConverter(item.missing, self.fmt)  # noqa: E731
        if key not in self._converters:
            self._converters[key] = factory()
        return self._converters[key]

    def convert(self, conv: Any, g: int) -> Any:
        key = (id(conv), g)
        if key not in self._results:
            v = self.cells.uniques[g]
            res = conv(v)
            if res is UNKNOWN and self.answer_codes and isinstance(v, str) and isinstance(conv, CodeConverter):
                m = _LS_ANSWER.fullmatch(v.strip())
                if m:
                    res = conv(int(m.group(1)))
            self._results[key] = res
        return self._results[key]

    def note_unknown(self, item: Item, col: SourceColumn, label: Any, mask: np.ndarray) -> None:
        rows = np.flatnonzero(mask & self.keep)
        if rows.size:
            text = label if isinstance(label, str) else cell_text(label)
            self.unknown.append(UnknownLabel(item.id, col.label(), text, int(rows.size),
                                             int(self.row_numbers[rows[0]])))

    # -------------------------------------------------------------- targets
    def code(self, t: _Target) -> None:
        getattr(self, "_" + t.kind)(t)

    def _coded(self, t: _Target) -> None:
        item, col = t.item, t.columns[0]
        col_ids = self.cells.col(col)
        conv = self.converter(item, col)
        opts = self.q.option_set(item.id) if item.type in _CODED else None
        if opts is not None and opts.text_codes:  # categorical item with text codes: a text column of codes
            tlut = np.full(len(self.cells.uniques), None, dtype=object)
            for g in self.cells.present(col_ids).tolist():
                code = self.convert(conv, g)
                if code is UNKNOWN:
                    self.note_unknown(item, col, self.cells.uniques[g], col_ids == g)
                    continue
                if code is not None:
                    tlut[g] = code
                    if normalize_label(self.cells.uniques[g]) != normalize_label(code):
                        self.labels_seen = True
            self.out[item.id] = pd.Series(tlut[col_ids], dtype="str")
            self.columns[item.id] = col.display()
            return
        lut = np.full(len(self.cells.uniques), np.nan)
        for g in self.cells.present(col_ids).tolist():
            code = self.convert(conv, g)
            if code is UNKNOWN:
                self.note_unknown(item, col, self.cells.uniques[g], col_ids == g)
                continue
            if not self.labels_seen and isinstance(self.cells.uniques[g], str) \
                    and _number_or_none(self.cells.uniques[g]) is None:
                self.labels_seen = True
            if code is not None:
                lut[g] = float(code)
        self.out[item.id] = lut[col_ids]
        self.columns[item.id] = col.display()

    _numeric = _coded

    def _multi_joined(self, t: _Target) -> None:
        item, col = t.item, t.columns[0]
        col_ids = self.cells.col(col)
        conv = self.converter(item, col)
        opts = self.q.option_set(item.id)
        codes = list(opts.valid_codes) if opts is not None else []
        pos = {c: k for k, c in enumerate(codes)}
        mat = np.full((len(self.cells.uniques), len(codes)), np.nan)  # last row (empty cells) stays NaN
        for g in self.cells.present(col_ids).tolist():
            res = self.convert(conv, g)
            if res is None:
                continue
            chosen, bad = res
            mat[g] = 0.0
            for c in chosen:
                if c in pos:
                    mat[g, pos[c]] = 1.0
            for b in bad:
                self.note_unknown(item, col, b, col_ids == g)
        values = mat[col_ids]
        for k, c in enumerate(codes):
            self.out[f"{item.id}_{c}"] = values[:, k]
            self.columns[f"{item.id}_{c}"] = col.display()

    def _multi_block(self, t: _Target) -> None:
        item = t.item
        opts = self.q.option_set(item.id)
        codes = list(opts.valid_codes) if opts is not None else []
        pos = {c: k for k, c in enumerate(codes)}
        n = self.cells.n
        flags = np.full((n, len(codes)), np.nan)
        answered = np.zeros(n, dtype=bool)
        sources: dict[Any, list[str]] = {c: [] for c in codes}
        for col, code in zip(t.columns, t.codes, strict=True):
            col_ids = self.cells.col(col)
            results, found = self.cells.lut(col_ids, selected_flag)
            lut = np.full(len(self.cells.uniques), np.nan)
            lut[found] = results
            v = lut[col_ids]
            if code is None or code not in pos:
                chosen = v == 1.0
                if chosen.any():
                    self.note_unknown(item, col, col.sub or col.name or col.text, chosen)
                continue
            answered |= ~np.isnan(v)
            k = pos[code]
            flags[:, k] = np.fmax(flags[:, k], v)
            sources[code].append(col.display())
        flags[answered] = np.nan_to_num(flags[answered], nan=0.0)
        for k, c in enumerate(codes):
            self.out[f"{item.id}_{c}"] = flags[:, k]
            src = sources[c]
            self.columns[f"{item.id}_{c}"] = src[0] if len(src) == 1 else src

    def _text(self, t: _Target) -> None:
        col = t.columns[0]
        self.out[t.item.id] = _text_column(self.cells, self.cells.col(col))
        self.columns[t.item.id] = col.display()

    def _date(self, t: _Target) -> None:
        item, col = t.item, t.columns[0]
        col_ids = self.cells.col(col)
        found = self.cells.present(col_ids)
        parsed = _parse_dates(self.cells.uniques[found].tolist(), day_first=self.fmt.decimal == ",")
        for g in found[np.asarray(parsed.isna())].tolist():
            self.note_unknown(item, col, self.cells.uniques[g], col_ids == g)
        self.out[item.id] = _take(parsed, found, col_ids, len(self.cells.uniques))
        self.columns[item.id] = col.display()


# ====================================================================== the steps of import_survey

def _unknown_labels_error(unknown: Sequence[UnknownLabel], where: str) -> ImportMappingError:
    """The error listing answer labels that are not codes of their items (``unknown_labels="error"``)."""
    total = sum(u.count for u in unknown)
    problems = [u.describe() for u in unknown[:_MAX_LISTED]]
    if len(unknown) > _MAX_LISTED:
        problems.append(f"... and {len(unknown) - _MAX_LISTED} more")
    return ImportMappingError(
        f"{where}: {len(unknown)} answer label{'s' if len(unknown) != 1 else ''} ({total} answer"
        f"{'s' if total != 1 else ''}) {'are' if len(unknown) != 1 else 'is'} not among the codes of "
        f"{'their items' if len(unknown) != 1 else 'its item'}; add {'them' if len(unknown) != 1 else 'it'} "
        "to the item's codes or aliases in the questionnaire, or import with --unknown-labels missing to read "
        "them as missing values", problems)


def _respondent_index(cells: _Cells, id_col: SourceColumn | None, keep: np.ndarray, row_numbers: np.ndarray,
                      where: str, q: Questionnaire) -> pd.Index:
    """Respondent ids of the kept rows (row numbers 1..n without an id column); blank or repeated ids are errors."""
    if id_col is None:
        resp_ids = pd.Index([str(i) for i in range(1, int(keep.sum()) + 1)], dtype="str")
        return pd.Index(resp_ids, name=q.respondent_id or "respondent_id")
    id_text = _text_column(cells, cells.col(id_col))[keep]
    id_blank = id_text.isna().to_numpy()
    if id_blank.any():
        raise DataError(f"{where}: {int(id_blank.sum())} row(s) have no respondent id in {id_col.label()} "
                        f"(first: row {int(row_numbers[id_blank][0])}); fill in the ids or delete those rows")
    resp_ids = pd.Index(id_text.to_numpy(), dtype="str")
    dup = resp_ids.duplicated(keep=False)
    if dup.any():
        problems = []
        for rid in resp_ids[dup].unique()[:5]:
            rows = row_numbers[np.flatnonzero(resp_ids == rid)]
            problems.append(f"{rid!r} in rows {', '.join(str(int(r)) for r in rows[:6])}")
        n_dup = int(resp_ids[dup].nunique())
        raise DataError(f"{where}: {n_dup} respondent id{'s' if n_dup != 1 else ''} in {id_col.label()} "
                        f"appear{'' if n_dup != 1 else 's'} more than once; delete the duplicate responses "
                        "(or fix the ids) and import again", problems)
    return pd.Index(resp_ids, name=q.respondent_id or "respondent_id")


def _responses_frame(q: Questionnaire, coded: dict[str, Any], keep: np.ndarray, n_rows: int,
                     index: pd.Index) -> pd.DataFrame:
    """The coded columns of the kept rows, in questionnaire order."""
    frame_cols: dict[str, Any] = {}
    for iid in q.items:
        for name in q.output_columns(iid):
            if name in coded:
                v = coded[name]
                if isinstance(v, pd.Series):
                    frame_cols[name] = pd.Series(v.to_numpy()[keep] if len(v) == n_rows else v.to_numpy(),
                                                 index=index, dtype=v.dtype)
                else:
                    frame_cols[name] = v[keep]
    return pd.DataFrame(frame_cols, index=index)


def _weights(cells: _Cells, weight_col: SourceColumn | None, keep: np.ndarray, row_numbers_all: np.ndarray,
             where: str, index: pd.Index, q: Questionnaire, fmt: NumberFormat | None = None) -> pd.Series | None:
    """Survey weights of the kept rows (None without a weight column); text that is not a number is an error."""
    if weight_col is None:
        return None
    col_ids = cells.col(weight_col)
    fmt = fmt or NumberFormat()
    results, found = cells.lut(col_ids, lambda v: parse_number(v, fmt))  # type: ignore[arg-type]
    bad = [g for g, r in zip(found.tolist(), results, strict=True) if r is None]
    if bad:
        rows = np.flatnonzero(np.isin(col_ids, bad) & keep)
        if rows.size:
            r = int(row_numbers_all[rows[0]])
            mark = "decimal comma" if fmt.decimal == "," else "decimal point"
            raise DataError(f"{where}: weight column {weight_col.label()}, row {r}: "
                            f"{cells.uniques[col_ids[rows[0]]]!r} is not a number (read with a {mark}); fix the "
                            "weights, or give the number format with --decimal and --thousands")
    lut = np.full(len(cells.uniques), np.nan)
    lut[found] = [np.nan if r is None else r for r in results]
    return pd.Series(lut[col_ids][keep], index=index, name=q.weight)


def _metadata(cells: _Cells, meta_cols: Sequence[SourceColumn], keep: np.ndarray,
              index: pd.Index, fmt: NumberFormat | None = None) -> pd.DataFrame | None:
    """Platform columns (duration, dates, progress...) of the kept rows, or None."""
    if not meta_cols:
        return None
    meta = {c.display(): _metadata_column(c.display(), cells, cells.col(c), fmt) for c in meta_cols}
    return pd.DataFrame({k: pd.Series(v.to_numpy()[keep], index=index, dtype=v.dtype) for k, v in meta.items()},
                        index=index)


def _flavour(layout: Layout, table: Table, planner: _Planner, coder: _Coder) -> str:
    """The reported format: ``clean`` for data written by ``surveytools import``, ``csv``/``excel`` for plain
    tables, else the detected export flavour."""
    flavour = layout.flavour
    by_id = all(t.how == "id" for t in planner.targets) and not coder.labels_seen
    if layout.header_rows == 1 and by_id and flavour in ("plain", "parquet", "qualtrics", "surveymonkey"):
        return "clean"
    if flavour == "plain":
        return "csv" if table.kind == "csv" else "excel"
    return flavour

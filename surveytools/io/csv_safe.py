"""CSV output that a spreadsheet cannot run: text cells that would start a formula are neutralised.

Excel, LibreOffice and Google Sheets evaluate a CSV cell that starts with ``=``, ``+``, ``-`` or ``@`` (and
treat a leading tab or carriage return the same way) as a formula, so an answer such as
``=HYPERLINK("http://evil", "click")`` or ``-2+3+cmd|' /C calc'!A0`` typed into a survey would run when
the clean data or a CRM list is opened (CSV or formula injection). Following the OWASP recommendation,
every text cell that starts with one of these characters is written with a leading apostrophe (``'``),
which spreadsheets show as text and do not evaluate.

Numbers are never changed: numeric columns are written as numbers (``-3`` stays ``-3``), and a text cell
that is a plain number (``-3``, ``+34600111222``, ``-0.5``) is left as it is, since it cannot run anything.
Column names are neutralised like cells. Every CSV surveytools writes goes through :func:`write_csv`
(pandas frames) or :func:`duckdb_csv_select` (DuckDB ``COPY`` in ``crm join``).

References
----------
OWASP, "CSV Injection", https://owasp.org/www-community/attacks/CSV_Injection
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from typing import IO, Any

import pandas as pd

__all__ = ["FORMULA_PREFIXES", "neutral_text", "neutralize_formulas", "write_csv", "duckdb_csv_select",
           "neutralize_arrow_table"]

#: First characters that make a spreadsheet read a CSV cell as a formula.
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")

_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?")
_NUMBER_SQL = r"^[+-]?([0-9]+([.,][0-9]*)?|[.,][0-9]+)([eE][+-]?[0-9]+)?$"


def neutral_text(value: Any) -> Any:
    """``value`` with a leading ``'`` when it is text that a spreadsheet would read as a formula.

    Examples
    --------
    >>> neutral_text("=1+1"), neutral_text("-3"), neutral_text("@SUM(A1)"), neutral_text("ok"), neutral_text(-3)
    ("'=1+1", '-3', "'@SUM(A1)", 'ok', -3)
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def _neutral_column(col: pd.Series) -> pd.Series:
    if not (col.dtype == object or isinstance(col.dtype, pd.StringDtype)):
        return col
    try:
        starts = col.str.startswith(FORMULA_PREFIXES, na=False)
    except AttributeError:  # no text in the column at all
        return col
    starts = starts.fillna(False).astype(bool)
    if not starts.any():
        return col
    hit = col[starts]
    numeric = hit.astype(str).str.fullmatch(_NUMBER.pattern)
    fix = starts.copy()
    fix[starts] = ~numeric.to_numpy(dtype=bool)
    if not fix.any():
        return col
    out = col.copy() if col.dtype != object else col.astype(object).copy()
    out[fix] = "'" + col[fix].astype(str)
    return out


def neutralize_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and column names cannot start a spreadsheet formula.

    Only text (object or string) columns are looked at, and within them only cells starting with one of
    :data:`FORMULA_PREFIXES` (vectorised), so numeric data cost nothing.
    """
    cols = {}
    for j in range(frame.shape[1]):
        col = frame.iloc[:, j]
        new = _neutral_column(col)
        if new is not col:
            cols[j] = new
    names = [neutral_text(c) if isinstance(c, str) else c for c in frame.columns]
    if not cols and names == list(frame.columns):
        return frame
    out = frame.copy()
    for j, new in cols.items():
        out.isetitem(j, new)
    out.columns = names
    return out


def write_csv(frame: pd.DataFrame, target: str | os.PathLike[str] | IO[str], **kwargs: Any) -> None:
    """``frame.to_csv(target, **kwargs)`` with formula-like text neutralised (cells, index and header).

    ``index=False`` and UTF-8 are the defaults.
    """
    kwargs.setdefault("index", False)
    if not hasattr(target, "write"):
        kwargs.setdefault("encoding", "utf-8")
    if kwargs["index"]:
        frame = frame.reset_index()
        label = kwargs.pop("index_label", None)
        if label is not None:
            frame = frame.rename(columns={frame.columns[0]: label})
        kwargs["index"] = False
    frame = neutralize_formulas(frame)
    if "lineterminator" not in kwargs and _has_carriage_return(frame):
        # a bare CR inside a cell is not quoted with "\n" line ends, and spreadsheets break the row there (the
        # rest of the cell would start a new row, and a formula): RFC 4180 line ends quote such cells
        kwargs["lineterminator"] = "\r\n"
    frame.to_csv(target, **kwargs)


def _has_carriage_return(frame: pd.DataFrame) -> bool:
    for j in range(frame.shape[1]):
        col = frame.iloc[:, j]
        if col.dtype == object or isinstance(col.dtype, pd.StringDtype):
            try:
                if col.str.contains("\r", regex=False, na=False).astype(bool).any():
                    return True
            except AttributeError:
                continue
    return any(isinstance(c, str) and "\r" in c for c in frame.columns)


def neutralize_arrow_table(table: Any) -> Any:
    """A ``pyarrow.Table`` whose string columns (and column names) cannot start a spreadsheet formula, for
    ``pyarrow.csv.write_csv`` (vectorised with Arrow compute)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    starts = "^[" + "".join("\\" + ch if ch in "-+" else {"\t": "\\t", "\r": "\\r"}.get(ch, ch)
                            for ch in FORMULA_PREFIXES) + "]"
    cols = []
    for col in table.columns:
        if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
            hit = pc.and_not(pc.fill_null(pc.match_substring_regex(col, starts), False),
                             pc.fill_null(pc.match_substring_regex(col, _NUMBER_SQL), False))
            if pc.any(hit).as_py():
                col = pc.if_else(hit, pc.replace_substring_regex(col, "^", "'", max_replacements=1), col)
        cols.append(col)
    names = [str(neutral_text(n)) for n in table.column_names]
    return pa.table(cols, names=names)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def duckdb_csv_select(columns: Iterable[tuple[str, str]], inner: str) -> str:
    """A DuckDB query over ``inner`` that neutralises its text columns, for ``COPY ... (FORMAT CSV)``.

    Parameters
    ----------
    columns
        ``(name, duckdb type)`` of each output column of ``inner`` (``DESCRIBE``).
    inner
        The query whose rows are written.
    """
    starts = "".join(re.escape(p) if p not in ("\t", "\r") else {"\t": r"\t", "\r": r"\r"}[p]
                     for p in FORMULA_PREFIXES)
    exprs = []
    for name, dtype in columns:
        q = _quote(name)
        alias = _quote(str(neutral_text(name)))
        if dtype.upper() in ("VARCHAR", "TEXT", "STRING") or dtype.upper().startswith("VARCHAR"):
            exprs.append(f"CASE WHEN regexp_matches({q}, '^[{starts}]') AND NOT regexp_matches({q}, "
                         f"'{_NUMBER_SQL}') THEN '''' || {q} ELSE {q} END AS {alias}")
        else:
            exprs.append(f"{q} AS {alias}")
    return f"SELECT {', '.join(exprs)} FROM ({inner})"

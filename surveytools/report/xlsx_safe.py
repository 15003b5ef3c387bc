"""Writing survey text to Excel safely: text is stored as text and can never become a formula.

openpyxl turns any string that starts with ``=`` into a formula. Survey answers (open-ended comments,
names, e-mails) are untrusted, so every string cell written by surveytools goes through
:func:`text_cell`, which pins the cell's type to text.
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.worksheet import Worksheet

__all__ = ["set_cell", "text_cell", "write_frame_xlsx", "excel_value"]

_ILLEGAL = {i for i in range(32) if i not in (9, 10, 13)}


def _clean_text(s: str) -> str:
    # control characters are illegal in XML; drop them rather than fail
    if any(ord(ch) in _ILLEGAL for ch in s):
        s = "".join(ch for ch in s if ord(ch) not in _ILLEGAL)
    return s


def excel_value(value: Any) -> Any:
    """Convert a Python/numpy/pandas value to something openpyxl stores (NaN -> empty)."""
    if value is None:
        return None
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        f = float(value)
        return None if math.isnan(f) or math.isinf(f) else f
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if isinstance(value, str):
        return _clean_text(value)
    return value if isinstance(value, (int, float)) else _clean_text(str(value))


def text_cell(ws: WriteOnlyWorksheet, value: Any) -> WriteOnlyCell:
    """A write-only cell holding ``value``; strings are forced to the text type."""
    v = excel_value(value)
    cell = WriteOnlyCell(ws, value=v)
    if isinstance(v, str):
        cell.data_type = "s"
    return cell


def set_cell(ws: Worksheet, row: int, column: int, value: Any) -> Any:
    """Set a cell of a normal worksheet; strings are stored as text, never as formulas."""
    v = excel_value(value)
    cell = ws.cell(row=row, column=column)
    cell.value = v
    if isinstance(v, str):
        cell.data_type = "s"
    return cell


def write_frame_xlsx(frame: pd.DataFrame, path: str | os.PathLike[str], *, sheet: str = "data") -> None:
    """Write a DataFrame (header + rows) to a new workbook in write-only (streaming) mode."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=sheet[:31])
    ws.append([text_cell(ws, str(c)) for c in frame.columns])
    for row in frame.itertuples(index=False, name=None):
        ws.append([text_cell(ws, v) for v in row])
    wb.save(os.fspath(path))

"""Writing result tables (scores, flags, matrices, clean data) as .csv, .parquet or .xlsx, atomically."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from ..exceptions import InputFileError
from .atomic import atomic_write
from .csv_safe import write_csv

__all__ = ["TABLE_SUFFIXES", "write_table"]

TABLE_SUFFIXES = (".csv", ".parquet", ".xlsx")


def write_table(frame: pd.DataFrame, path: str | os.PathLike[str], *, inputs: Iterable[str | os.PathLike[str]] = (),
                sheet: str = "data", what: str = "the table", suffixes: tuple[str, ...] = TABLE_SUFFIXES) -> Path:
    """Write a table (its columns, not its index) in the format the file name asks for.

    ``.xlsx`` cells holding text are always stored as text (never formulas), ``.csv`` text cells that would
    start a formula get a leading ``'`` (:mod:`surveytools.io.csv_safe`), and time-zone-aware dates keep
    their local clock time (Excel has no time zones).

    Raises
    ------
    InputFileError
        An unsupported suffix (naming ``what``), the output is an input, or its folder is missing.
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in suffixes:
        names = ", ".join(suffixes[:-1]) + f" or {suffixes[-1]}" if len(suffixes) > 1 else suffixes[0]
        raise InputFileError(f"cannot write {what} to {p}: use a {names} file name")
    with atomic_write(p, inputs) as tmp:
        if suffix == ".csv":
            write_csv(frame, tmp)
        elif suffix == ".parquet":
            frame.to_parquet(tmp, index=False)
        else:
            from ..report.xlsx_safe import write_frame_xlsx

            tz = [c for c in frame.columns if isinstance(frame[c].dtype, pd.DatetimeTZDtype)]
            if tz:
                frame = frame.assign(**{c: frame[c].dt.tz_localize(None) for c in tz})
            write_frame_xlsx(frame, tmp, sheet=sheet)
    return p

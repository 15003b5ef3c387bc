"""Writing result tables (scores, flags, matrices, clean data) as .csv, .parquet or .xlsx, atomically."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from ..exceptions import DataError, InputFileError
from .atomic import atomic_write
from .csv_safe import write_csv
from .sav import SavMeta, write_sav

__all__ = ["TABLE_SUFFIXES", "write_table", "read_scores"]

TABLE_SUFFIXES = (".csv", ".parquet", ".xlsx", ".sav")


def write_table(frame: pd.DataFrame, path: str | os.PathLike[str], *, inputs: Iterable[str | os.PathLike[str]] = (),
                sheet: str = "data", what: str = "the table", suffixes: tuple[str, ...] = TABLE_SUFFIXES,
                sav_meta: SavMeta | None = None) -> Path:
    """Write a table (its columns, not its index) in the format the file name asks for.

    ``.xlsx`` cells holding text are always stored as text (never formulas), ``.csv`` text cells that would
    start a formula get a leading ``'`` (:mod:`surveytools.io.csv_safe`), and time-zone-aware dates keep
    their local clock time (Excel has no time zones). ``.sav`` (SPSS) carries the labels of ``sav_meta``
    (:func:`~surveytools.io.sav.write_sav`).

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
    if suffix == ".sav":
        write_sav(frame, p, sav_meta, inputs=inputs)
        return p
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


def read_scores(path: str | os.PathLike[str], id_name: str | None = None, *, what: str = "scores",
                hint: str = "surveytools factor --scores") -> pd.DataFrame:
    """Per-respondent scores (e.g. from ``surveytools factor --scores``): an id column and numeric columns.

    CSV numbers are read back exactly as written (``float_precision="round_trip"``), so scores written at full
    precision and read again give the same results as in memory.

    Returns
    -------
    DataFrame
        Indexed by the respondent id (as text), one numeric column per score.

    Raises
    ------
    InputFileError
        Missing or unreadable file.
    DataError
        No id column (``id_name`` or ``respondent_id``), or a column that is not numeric.
    """
    p = Path(path)
    if not p.is_file():
        raise InputFileError(f"{what} file {p} not found; write it with '{hint} {p.name}'")
    ids = [c for c in (id_name, "respondent_id") if c]
    try:
        if p.suffix.lower() == ".parquet":
            frame = pd.read_parquet(p)
        elif p.suffix.lower() in (".xlsx", ".xls"):
            frame = pd.read_excel(p, engine="calamine")
        else:
            frame = pd.read_csv(p, encoding="utf-8-sig", dtype=dict.fromkeys(ids, str), float_precision="round_trip")
    except (ValueError, OSError) as exc:
        raise InputFileError(f"{what} file {p} cannot be read: {exc}") from None
    col = next((c for c in ids if c in frame.columns), None)
    if col is None:
        raise DataError(f"{p}: no respondent id column ({' or '.join(repr(c) for c in ids)}); the {what} file needs one")
    frame = frame.set_index(pd.Index(frame[col].astype(str), name=col)).drop(columns=[col])
    bad = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
    if bad:
        raise DataError(f"{p}: column(s) {', '.join(map(str, bad))} are not numeric; a {what} file holds numbers")
    return frame
